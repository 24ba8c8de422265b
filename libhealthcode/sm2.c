/* sm2.c — what SM2 with SM3 needs beside key.c and crypto.c: whether this OpenSSL has
 * it, key generation, and the Z value of GB/T 32918.2 (GM/T 0003.2) §5.5:
 *
 *     Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA)
 *     e = SM3(Z || M)
 *
 * with ID the 16 bytes "1234567812345678" (GM/T 0009's default; doc/format.md)
 * and ENTL its length in bits as two big-endian bytes. Z depends on the
 * public key only, so it is computed once when a key is loaded; signing and
 * verifying then hash Z || M and sign/verify e with the SM2 operation of
 * OpenSSL's default provider (EVP_PKEY_sign/verify on the digest), which is
 * what EVP_DigestSign with the same distinguishing ID computes, without
 * hashing Z again for every token. */
#include "sm2_impl.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>

const uint8_t hc_sm2_id[HC_SM2_ID_LEN] = "1234567812345678";

/* The SM2 curve's a, b, xG, yG (GB/T 32918.5 / GM/T 0003.5), 32 bytes each. */
static const uint8_t sm2_curve[128] = {
    /* a */
    0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFC,
    /* b */
    0x28, 0xE9, 0xFA, 0x9E, 0x9D, 0x9F, 0x5E, 0x34, 0x4D, 0x5A, 0x9E, 0x4B, 0xCF, 0x65, 0x09, 0xA7,
    0xF3, 0x97, 0x89, 0xF5, 0x15, 0xAB, 0x8F, 0x92, 0xDD, 0xBC, 0xBD, 0x41, 0x4D, 0x94, 0x0E, 0x93,
    /* xG */
    0x32, 0xC4, 0xAE, 0x2C, 0x1F, 0x19, 0x81, 0x19, 0x5F, 0x99, 0x04, 0x46, 0x6A, 0x39, 0xC9, 0x94,
    0x8F, 0xE3, 0x0B, 0xBF, 0xF2, 0x66, 0x0B, 0xE1, 0x71, 0x5A, 0x45, 0x89, 0x33, 0x4C, 0x74, 0xC7,
    /* yG */
    0xBC, 0x37, 0x36, 0xA2, 0xF4, 0xF6, 0x77, 0x9C, 0x59, 0xBD, 0xCE, 0xE3, 0x6B, 0x69, 0x21, 0x53,
    0xD0, 0xA9, 0x87, 0x7C, 0xC6, 0x2A, 0x47, 0x40, 0x02, 0xDF, 0x32, 0xE5, 0x21, 0x39, 0xF0, 0xA0,
};

static CRYPTO_ONCE sm2_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_MD *sm3_md;
static bool sm2_ok;

/* SM3 fetched once (as SHA-256 is in primitives.c), and the SM2 signature
 * operation looked up: a distribution may build OpenSSL without either. */
static void sm2_probe(void)
{
    sm3_md = EVP_MD_fetch(NULL, "SM3", NULL);
    EVP_SIGNATURE *sig = EVP_SIGNATURE_fetch(NULL, "SM2", NULL);
    EVP_KEYMGMT *km = EVP_KEYMGMT_fetch(NULL, "SM2", NULL);
    sm2_ok = sm3_md && sig && km;
    EVP_SIGNATURE_free(sig);
    EVP_KEYMGMT_free(km);
    ERR_clear_error();
}

bool hc_sm2_available(void)
{
    return CRYPTO_THREAD_run_once(&sm2_once, sm2_probe) && sm2_ok;
}

bool hc_alg_supported(hc_alg a)
{
    return a == HC_ALG_ES256 || a == HC_ALG_EDDSA || (a == HC_ALG_SM2 && hc_sm2_available());
}

hc_err hc_sm2_generate(EVP_PKEY **out)
{
    *out = NULL;
    if (!hc_sm2_available())
        return HC_E_UNSUPPORTED;
    /* by name "SM2": an "EC" key on the SM2 curve would sign ECDSA */
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
    hc_err err = HC_OK;
    if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, out) != 1)
        err = HC_E_CRYPTO;
    EVP_PKEY_CTX_free(ctx);
    if (err != HC_OK)
        ERR_clear_error();
    return err;
}

/* One coordinate of the public point, 32 bytes big-endian. */
static bool pub_coord(EVP_PKEY *pkey, const char *name, uint8_t out[32])
{
    BIGNUM *bn = NULL;
    bool ok = EVP_PKEY_get_bn_param(pkey, name, &bn) == 1 && BN_bn2binpad(bn, out, 32) == 32;
    BN_free(bn);
    return ok;
}

hc_err hc_sm2_z(EVP_PKEY *pkey, uint8_t z[32])
{
    if (!hc_sm2_available())
        return HC_E_UNSUPPORTED;
    uint8_t buf[2 + HC_SM2_ID_LEN + 128 + 64];
    buf[0] = (uint8_t)((HC_SM2_ID_LEN * 8) >> 8);
    buf[1] = (uint8_t)(HC_SM2_ID_LEN * 8);
    memcpy(buf + 2, hc_sm2_id, HC_SM2_ID_LEN);
    memcpy(buf + 2 + HC_SM2_ID_LEN, sm2_curve, sizeof sm2_curve);
    uint8_t *xy = buf + 2 + HC_SM2_ID_LEN + sizeof sm2_curve;
    unsigned int n = 0;
    if (!pub_coord(pkey, OSSL_PKEY_PARAM_EC_PUB_X, xy) ||
        !pub_coord(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, xy + 32) ||
        EVP_Digest(buf, sizeof buf, z, &n, sm3_md, NULL) != 1 || n != 32) {
        ERR_clear_error();
        return HC_E_CRYPTO;
    }
    return HC_OK;
}

hc_err hc_sm2_digest(EVP_MD_CTX *ctx, const uint8_t z[32], const uint8_t *msg, size_t len,
                     uint8_t e[32])
{
    unsigned int n = 0;
    EVP_MD_CTX *own = ctx ? NULL : EVP_MD_CTX_new();
    EVP_MD_CTX *c = ctx ? ctx : own;
    bool ok = c && EVP_DigestInit_ex2(c, sm3_md, NULL) == 1 && EVP_DigestUpdate(c, z, 32) == 1 &&
              EVP_DigestUpdate(c, msg, len) == 1 && EVP_DigestFinal_ex(c, e, &n) == 1 && n == 32;
    EVP_MD_CTX_free(own);
    if (!ok) {
        ERR_clear_error();
        return HC_E_CRYPTO;
    }
    return HC_OK;
}

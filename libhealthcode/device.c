/* device.c — the holder's device key (device_impl.h): P-256, Ed25519 or SM2,
 * as a token's cnf carries it (x and the sign bit of y, RFC 9053 point
 * compression), read from an SPKI or a key, and made into an OpenSSL key
 * again to verify a live presentation (doc/format.md).
 *
 * A point is checked where it is made into a key: an EC x that is not below
 * the prime or has no y on the curve, and an Ed25519 encoding that does not
 * decode (y not below 2^255 - 19, or no x for it), are HC_E_KEY. OpenSSL
 * checks the EC points; Ed25519 public keys it takes as 32 opaque bytes and
 * only fails to decode them inside a verify, so that check is made here: a
 * token whose binding cannot be checked is malformed (step 6), never
 * silently unbound or merely unverifiable. */
#include "device_impl.h"
#include "crypto_impl.h"
#include "key_impl.h"
#include "sm2_impl.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/x509.h>

/* ---------------------------------------------------------------- base64 */

static int b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

bool hc_base64_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *len)
{
    if (n == 0 || n % 4 != 0)
        return false;
    size_t pad = in[n - 1] == '=' ? (in[n - 2] == '=' ? 2 : 1) : 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        uint32_t v = 0;
        bool last = i + 4 == n;
        for (size_t j = 0; j < 4; j++) {
            int d = last && j >= 4 - pad ? 0 : b64_value(in[i + j]);
            if (d < 0)
                return false;
            v = v << 6 | (uint32_t)d;
        }
        size_t k = last ? 3 - pad : 3;
        /* the bits below the last byte must be zero: one text, one value */
        if (last && pad && (v & (pad == 1 ? 0xffu : 0xffffu)) != 0)
            return false;
        if (o + k > cap)
            return false;
        for (size_t j = 0; j < k; j++)
            out[o++] = (uint8_t)(v >> (16 - 8 * j));
    }
    *len = o;
    return true;
}

/* ------------------------------------------------------- key → cnf form */

/* Ed25519 (RFC 8032 §5.1.3): whether the 32 bytes decode to a point. y is
 * the little-endian value without its top bit, which is x's sign; y must be
 * below p = 2^255 - 19 and (y^2 - 1) / (d y^2 + 1) a square mod p (d y^2 + 1
 * is never 0: d is not a square); x = 0 with the sign bit set is refused. */
static bool ed25519_decodes(const uint8_t enc[32])
{
    static const uint8_t d_be[32] = {
        0x52, 0x03, 0x6c, 0xee, 0x2b, 0x6f, 0xfe, 0x73, 0x8c, 0xc7, 0x40, 0x79, 0x77, 0x79, 0xe8, 0x98,
        0x00, 0x70, 0x0a, 0x4d, 0x41, 0x41, 0xd8, 0xab, 0x75, 0xeb, 0x4d, 0xca, 0x13, 0x59, 0x78, 0xa3};
    uint8_t y_le[32];
    memcpy(y_le, enc, 32);
    bool sign = (y_le[31] & 0x80) != 0;
    y_le[31] &= 0x7f;
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *p = BN_new(), *d = BN_bin2bn(d_be, 32, NULL), *y = BN_lebin2bn(y_le, 32, NULL);
    BIGNUM *y2 = BN_new(), *u = BN_new(), *v = BN_new();
    bool ok = ctx && p && d && y && y2 && u && v &&
              BN_set_word(p, 19) && BN_lshift(y2, BN_value_one(), 255) && BN_sub(p, y2, p) &&
              BN_cmp(y, p) < 0 && BN_mod_sqr(y2, y, p, ctx) &&
              BN_mod_sub(u, y2, BN_value_one(), p, ctx) &&
              BN_mod_mul(v, d, y2, p, ctx) && BN_mod_add(v, v, BN_value_one(), p, ctx);
    if (ok && BN_is_zero(u)) {
        ok = !sign;                       /* x = 0: only +0 */
    } else if (ok) {
        ok = BN_mod_mul(u, u, v, p, ctx) && BN_kronecker(u, p, ctx) == 1;
    }
    BN_free(p), BN_free(d), BN_free(y), BN_free(y2), BN_free(u), BN_free(v);
    BN_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

hc_err hc_device_from_pkey(EVP_PKEY *pkey, hc_device_key *out)
{
    if (!pkey || !out)
        return HC_E_ARG;
    memset(out, 0, sizeof *out);
    hc_alg alg;
    if (!hc_pkey_alg(pkey, &alg)) {
        ERR_clear_error();
        return HC_E_KEY;
    }
    bool ok;
    if (alg == HC_ALG_EDDSA) {
        size_t n = sizeof out->x;
        ok = EVP_PKEY_get_raw_public_key(pkey, out->x, &n) == 1 && n == 32 &&
             ed25519_decodes(out->x);
    } else {
        /* the encoded point, 04 || x || y: one export (two BIGNUM params
         * convert the point twice, 16 us against 4.5 for a P-256 key) */
        uint8_t pt[65];
        size_t n = 0;
        ok = EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt, &n) == 1 &&
             ((n == 65 && pt[0] == 0x04) || (n == 33 && (pt[0] == 0x02 || pt[0] == 0x03)));
        if (ok) {   /* a key read from a compressed point keeps that form */
            memcpy(out->x, pt + 1, 32);
            out->ybit = n == 65 ? pt[64] & 1 : pt[0] & 1;
        }
    }
    if (!ok) {
        ERR_clear_error();
        return HC_E_KEY;
    }
    out->alg = alg;
    return HC_OK;
}

hc_err hc_device_from_key(const hc_key *key, hc_device_key *out)
{
    if (!key || !out)
        return HC_E_ARG;
    return hc_device_from_pkey(key->pkey, out);
}

hc_err hc_device_from_spki(const uint8_t *der, size_t len, hc_device_key *out)
{
    if (!der || !out)
        return HC_E_ARG;
    const unsigned char *p = der;
    /* d2i checks that an EC point is on its curve */
    EVP_PKEY *pkey = len > 0 && len < 4096 ? d2i_PUBKEY(NULL, &p, (long)len) : NULL;
    hc_err err = !pkey || p != der + len ? HC_E_KEY : hc_device_from_pkey(pkey, out);
    EVP_PKEY_free(pkey);
    ERR_clear_error();
    return err;
}

/* ------------------------------------------------------- cnf form → key */

/* The EC key (ES256 or SM2) of the compressed point 02|03 || x: OpenSSL
 * decompresses it, refusing an x at or above the prime or without a y on
 * the curve. NULL then. */
static EVP_PKEY *ec_from_compressed(const hc_device_key *d)
{
    uint8_t pt[33];
    pt[0] = d->ybit ? 0x03 : 0x02;
    memcpy(pt + 1, d->x, 32);
    return hc_pkey_from_ec_point(d->alg, pt, sizeof pt);
}

hc_err hc_device_pkey(const hc_device_key *d, EVP_PKEY **out)
{
    if (!d || !out)
        return HC_E_ARG;
    *out = NULL;
    switch (d->alg) {
    case HC_ALG_ES256:
        *out = ec_from_compressed(d);
        break;
    case HC_ALG_SM2:
        if (!hc_sm2_available())
            return HC_E_UNSUPPORTED;
        *out = ec_from_compressed(d);
        break;
    case HC_ALG_EDDSA:
        if (!d->ybit && ed25519_decodes(d->x))
            *out = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, d->x, 32);
        break;
    default:
        return HC_E_ARG;
    }
    ERR_clear_error();
    return *out ? HC_OK : HC_E_KEY;
}

hc_err hc_device_verify(hc_alg alg, EVP_PKEY *pkey, const uint8_t *msg, size_t len,
                        const uint8_t sig[64])
{
    if (!pkey || !sig || (!msg && len))
        return HC_E_ARG;
    /* an hc_key on the stack around the borrowed EVP_PKEY: the verify code
     * of every other signature, with no allocation of ours (no prepared
     * context: the key is used once) */
    struct hc_key k;
    memset(&k, 0, sizeof k);
    atomic_flag_clear(&k.verify_busy);
    k.pkey = pkey;
    k.alg = alg;
    if (alg == HC_ALG_SM2) {
        hc_err err = hc_sm2_z(pkey, k.sm2_z);
        if (err != HC_OK)
            return err;
    }
    return hc_crypto_verify(&k, msg, len, sig);
}

bool hc_device_equal(const hc_device_key *a, const hc_device_key *b)
{
    return a->alg == b->alg && a->ybit == b->ybit && memcmp(a->x, b->x, 32) == 0;
}

/* spki.c — public keys as the DER of their SubjectPublicKeyInfo, for trust
 * bundles (bundle.c), which carry keys as SPKI and load many at once: P-256
 * and Ed25519 keys are built from their raw bytes, without OpenSSL's generic
 * decoder; other keys (SM2) take that decoder. The kid of a key (key.c) is
 * over the same DER. */
#include "spki_impl.h"
#include "key_impl.h"
#include "primitives_impl.h"

/* The largest SPKI read (as for a key file). */
#define SPKI_MAX (64u * 1024u)

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

/* The SPKI DER prefixes of the two key kinds in their one canonical form
 * (named curve, uncompressed point): what i2d_PUBKEY writes. */
static const uint8_t spki_p256[27] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                                      0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                      0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04};
static const uint8_t spki_ed25519[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                         0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

/* The fast path of hc_key_from_spki: the canonical DER of a P-256 or Ed25519
 * key built from its raw bytes, without OpenSSL's generic decoder (0.7 ms a
 * key: a bundle of 136 keys spent 98 ms there). The kid is the SHA-256 of
 * der itself, which is what i2d_PUBKEY would give. false: not such a DER. */
static bool spki_fast(const uint8_t *der, size_t len, hc_key **out, hc_err *err)
{
    EVP_PKEY *pkey = NULL;
    if (len == 91 && memcmp(der, spki_p256, sizeof spki_p256) == 0)
        pkey = hc_pkey_from_ec_point(HC_ALG_ES256, der + 26, 65);
    else if (len == 44 && memcmp(der, spki_ed25519, sizeof spki_ed25519) == 0)
        pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, der + 12, 32);
    else
        return false;
    if (!pkey) {
        ERR_clear_error();
        *err = HC_E_KEY;
        return true;
    }
    hc_key *k = calloc(1, sizeof *k);
    uint8_t md[32];
    *err = !k ? HC_E_NOMEM : hc_crypto_sha256(der, len, md);
    if (*err != HC_OK) {
        EVP_PKEY_free(pkey);
        free(k);
        return true;
    }
    k->pkey = pkey;
    k->alg = len == 91 ? HC_ALG_ES256 : HC_ALG_EDDSA;
    k->priv = false;
    hc_key_prepare_verify(k);
    memcpy(k->kid, md, HC_KID_LEN);
    *out = k;
    return true;
}

hc_err hc_key_from_spki(const uint8_t *der, size_t len, hc_key **out)
{
    if (!der || !out)
        return HC_E_ARG;
    *out = NULL;
    if (len == 0 || len > SPKI_MAX)
        return HC_E_KEY;
    hc_err fast_err;
    if (spki_fast(der, len, out, &fast_err))
        return fast_err;
    const unsigned char *p = der;
    EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, (long)len);
    if (!pkey || p != der + len) {   /* bytes after the SPKI are refused */
        EVP_PKEY_free(pkey);
        ERR_clear_error();
        return HC_E_KEY;
    }
    return hc_key_wrap(pkey, false, out);
}

hc_err hc_key_spki(const hc_key *key, uint8_t *buf, size_t cap, size_t *len)
{
    if (!key || !len || (!buf && cap))
        return HC_E_ARG;
    /* the length first, then the bytes straight into buf: no copy of ours */
    int n = i2d_PUBKEY(key->pkey, NULL);
    unsigned char *p = buf;
    if (n > 0 && (*len = (size_t)n) > cap)
        return HC_E_BUFFER;
    if (n <= 0 || i2d_PUBKEY(key->pkey, &p) != n) {
        ERR_clear_error();
        return HC_E_CRYPTO;
    }
    return HC_OK;
}

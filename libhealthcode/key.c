/* key.c — the key object: an hc_key made around an OpenSSL key (its alg,
 * kid and SM2 Z computed once), generated, shared by reference, copied to
 * its public half and freed; and a reference to the token that keeps a
 * private half outside the process (pkcs11.c), reached through the token's
 * own functions. Signing and verifying (crypto.c), key files (key_file.c),
 * the SPKI encoding (spki.c) and the token backend stand on this room.
 *
 * Shape of every OpenSSL call site: one function, one exit that frees what it
 * made, and ERR_clear_error() on failure so a stale error never leaks into an
 * unrelated caller's ERR_get_error(). */
#include "key_impl.h"
#include "primitives_impl.h"
#include "sm2_impl.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509.h>

/* ----------------------------------------------------------------- token */

void hc_key_token_init(hc_key_token *t, const hc_key_token_ops *ops)
{
    t->ops = ops;
    atomic_init(&t->refs, 1);
}

void hc_key_token_ref(hc_key_token *t)
{
    atomic_fetch_add(&t->refs, 1);
}

void hc_key_token_unref(hc_key_token *t)
{
    if (t && atomic_fetch_sub(&t->refs, 1) == 1)
        t->ops->destroy(t);
}

/* ------------------------------------------------------------ OpenSSL keys */

bool hc_pkey_alg(EVP_PKEY *pkey, hc_alg *alg)
{
    /* SM2 before EC: OpenSSL 3 gives SM2 keys their own type (EVP_PKEY_get_id()
     * is -1 for them), and an "EC" key on the SM2 curve would sign ECDSA */
    char group[64];
    size_t glen = 0;
    if (EVP_PKEY_is_a(pkey, "ED25519"))
        *alg = HC_ALG_EDDSA;
    else if (EVP_PKEY_is_a(pkey, "SM2"))
        *alg = HC_ALG_SM2;
    else if (EVP_PKEY_is_a(pkey, "EC") &&
             /* explicit-parameter keys have no group name and are refused */
             EVP_PKEY_get_group_name(pkey, group, sizeof group, &glen) == 1 &&
             (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0))
        *alg = HC_ALG_ES256;
    else
        return false;
    return true;
}

EVP_PKEY *hc_pkey_from_ec_point(hc_alg alg, const uint8_t *pt, size_t len)
{
    bool sm2 = alg == HC_ALG_SM2;
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, sm2 ? "SM2" : "EC", NULL);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                         (char *)(sm2 ? "SM2" : "prime256v1"), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pt, len),
        OSSL_PARAM_construct_end()};
    if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
        pkey = NULL;
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

/* An EC key (P-256, SM2) read from a compressed point keeps that form, and
 * i2d_PUBKEY would write a compressed SPKI: another DER, so another kid for
 * the same key (issue 25.12). The kid and every SPKI the library writes are
 * over the uncompressed form, the one doc/format.md defines, so the key is
 * set to it once, when its kid is first computed (hc_key_wrap), before it
 * is shared: later calls find it set and change nothing. */
static void ec_uncompressed(EVP_PKEY *pkey)
{
    char form[32];
    if (!EVP_PKEY_is_a(pkey, "EC") && !EVP_PKEY_is_a(pkey, "SM2"))
        return;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, form,
                                       sizeof form, NULL) == 1 &&
        strcmp(form, OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) == 0)
        return;
    (void)EVP_PKEY_set_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                         OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED);
    ERR_clear_error();
}

hc_err hc_pkey_spki_der(EVP_PKEY *pkey, unsigned char **der, size_t *len)
{
    *der = NULL;
    ec_uncompressed(pkey);
    int n = i2d_PUBKEY(pkey, der);
    if (n <= 0) {
        ERR_clear_error();
        return HC_E_CRYPTO;
    }
    *len = (size_t)n;
    return HC_OK;
}

/* ------------------------------------------------------------------ keys */

/* The algorithm of pkey if it is one we accept (P-256, Ed25519, or SM2
 * where this OpenSSL has it). */
static bool key_alg_of(EVP_PKEY *pkey, hc_alg *alg)
{
    return hc_pkey_alg(pkey, alg) && (*alg != HC_ALG_SM2 || hc_sm2_available());
}

/* kid = SHA-256(SPKI DER)[0..8): doc/format.md. */
static hc_err compute_kid(EVP_PKEY *pkey, uint8_t kid[HC_KID_LEN])
{
    unsigned char *der;
    size_t n;
    hc_err err = hc_pkey_spki_der(pkey, &der, &n);
    if (err != HC_OK)
        return err;
    unsigned char md[32];
    err = hc_crypto_sha256(der, n, md);
    OPENSSL_free(der);
    if (err == HC_OK)
        memcpy(kid, md, HC_KID_LEN);
    return err;
}

void hc_key_prepare_verify(hc_key *k)
{
    atomic_flag_clear(&k->verify_busy);
    k->verify_tmpl = NULL;
    if (k->alg == HC_ALG_EDDSA)
        return;
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
    if (pctx && EVP_PKEY_verify_init(pctx) == 1) {
        k->verify_tmpl = pctx;
        return;
    }
    EVP_PKEY_CTX_free(pctx);
    ERR_clear_error();
}

hc_err hc_key_wrap(EVP_PKEY *pkey, bool priv, hc_key **out)
{
    hc_alg alg;
    if (!key_alg_of(pkey, &alg)) {
        EVP_PKEY_free(pkey);
        ERR_clear_error();
        return HC_E_KEY;
    }
    hc_key *k = calloc(1, sizeof *k);
    if (!k) {
        EVP_PKEY_free(pkey);
        return HC_E_NOMEM;
    }
    hc_err err = compute_kid(pkey, k->kid);
    if (err == HC_OK && alg == HC_ALG_SM2)
        err = hc_sm2_z(pkey, k->sm2_z);
    if (err != HC_OK) {
        EVP_PKEY_free(pkey);
        free(k);
        return err;
    }
    k->pkey = pkey;
    k->alg = alg;
    k->priv = priv;
    hc_key_prepare_verify(k);
    *out = k;
    return HC_OK;
}

hc_err hc_key_generate(hc_alg alg, hc_key **out)
{
    if (!out)
        return HC_E_ARG;
    *out = NULL;
    EVP_PKEY *pkey;
    if (alg == HC_ALG_ES256)
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    else if (alg == HC_ALG_EDDSA)
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    else if (alg == HC_ALG_SM2) {
        hc_err err = hc_sm2_generate(&pkey);
        if (err != HC_OK)
            return err;
    } else
        return HC_E_ARG;
    if (!pkey) {
        ERR_clear_error();
        return HC_E_CRYPTO;
    }
    hc_err err = hc_key_wrap(pkey, true, out);
    return err == HC_E_KEY ? HC_E_CRYPTO : err;
}

hc_err hc_key_kid(const hc_key *key, uint8_t kid[HC_KID_LEN])
{
    if (!key || !kid)
        return HC_E_ARG;
    memcpy(kid, key->kid, HC_KID_LEN);
    return HC_OK;
}

hc_alg hc_key_alg(const hc_key *key)
{
    return key ? key->alg : (hc_alg)0;
}

bool hc_key_is_private(const hc_key *key)
{
    return key && key->priv;
}

void hc_key_free(hc_key *key)
{
    if (!key)
        return;
    /* OpenSSL clears private scalars when the last reference goes */
    EVP_PKEY_CTX_free(key->verify_tmpl);
    EVP_PKEY_free(key->pkey);
    hc_key_token_unref(key->token);
    OPENSSL_cleanse(key, sizeof *key);
    free(key);
}

hc_err hc_key_ref(const hc_key *key, hc_key **out)
{
    if (!key || !out)
        return HC_E_ARG;
    *out = NULL;
    hc_key *k = malloc(sizeof *k);
    if (!k)
        return HC_E_NOMEM;
    if (EVP_PKEY_up_ref(key->pkey) != 1) {
        free(k);
        ERR_clear_error();
        return HC_E_CRYPTO;
    }
    *k = *key;
    k->verify_tmpl = key->verify_tmpl ? EVP_PKEY_CTX_dup(key->verify_tmpl) : NULL;
    atomic_flag_clear(&k->verify_busy); /* the copy may have caught it set */
    ERR_clear_error(); /* a failed dup only costs speed */
    if (k->token)
        hc_key_token_ref(k->token);
    *out = k;
    return HC_OK;
}

hc_err hc_key_public_copy(const hc_key *key, hc_key **out)
{
    if (!key || !out)
        return HC_E_ARG;
    if (!key->priv)
        return hc_key_ref(key, out);
    if (key->token) { /* a token key's pkey is its public half already */
        hc_err err = hc_key_ref(key, out);
        if (err == HC_OK) {
            hc_key_token_unref((*out)->token);
            (*out)->token = NULL;
            (*out)->priv = false;
        }
        return err;
    }
    *out = NULL;
    /* round trip through SPKI DER: the new EVP_PKEY holds no private half */
    unsigned char *der;
    size_t n;
    hc_err err = hc_pkey_spki_der(key->pkey, &der, &n);
    if (err != HC_OK)
        return err;
    const unsigned char *p = der;
    EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, (long)n);
    OPENSSL_free(der);
    if (!pub) {
        ERR_clear_error();
        return HC_E_CRYPTO;
    }
    hc_key *k = malloc(sizeof *k);
    if (!k) {
        EVP_PKEY_free(pub);
        return HC_E_NOMEM;
    }
    /* the kid is carried over, not recomputed: it is the same public key */
    *k = *key;
    k->pkey = pub;
    k->priv = false;
    hc_key_prepare_verify(k);
    *out = k;
    return HC_OK;
}

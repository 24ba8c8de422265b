/* crypto.c — signatures: a prepared signer per thread (keys in memory, or on
 * a token through its own functions), and verification. Only EVP-level APIs
 * are used (no deprecated EC_KEY/ECDSA_do_*). The key object is key.c's.
 *
 * Shape of every OpenSSL call site: one function, one exit that frees what it
 * made, and ERR_clear_error() on failure so a stale error never leaks into an
 * unrelated caller's ERR_get_error(). */
#include "crypto_impl.h"

#include <stdlib.h>

#include <openssl/err.h>

/* ---------------------------------------------------------------- signer */

struct hc_signer {
    hc_key *key;             /* a reference of our own */
    EVP_PKEY_CTX *pctx;      /* ES256, SM2: sign-initialised once, reused per signature */
    EVP_MD_CTX *mdctx;       /* ES256, SM2: hash context; EdDSA: the prepared DigestSign */
    EVP_MD_CTX *tmpl;        /* EdDSA: template copied per signature */
    hc_key_session *session; /* a token key: this signer's own session with the token */
};

hc_err hc_signer_new(const hc_key *key, hc_signer **out)
{
    if (!key || !out)
        return HC_E_ARG;
    *out = NULL;
    if (!key->priv)
        return HC_E_KEY;
    hc_signer *s = calloc(1, sizeof *s);
    if (!s)
        return HC_E_NOMEM;
    hc_err err = hc_key_ref(key, &s->key);
    if (err == HC_OK && key->token)
        err = key->token->ops->session_open(key->token, &s->session);
    if (err != HC_OK) {
        hc_signer_free(s);
        return err;
    }
    bool ok;
    s->mdctx = EVP_MD_CTX_new();
    if (key->token) {
        ok = s->mdctx != NULL;
    } else if (key->alg == HC_ALG_ES256 || key->alg == HC_ALG_SM2) {
        s->pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
        ok = s->mdctx && s->pctx && EVP_PKEY_sign_init(s->pctx) == 1;
    } else {
        s->tmpl = EVP_MD_CTX_new();
        ok = s->mdctx && s->tmpl &&
             EVP_DigestSignInit_ex(s->tmpl, NULL, NULL, NULL, NULL, key->pkey, NULL) == 1;
    }
    if (!ok) {
        ERR_clear_error();
        hc_signer_free(s);
        return HC_E_CRYPTO;
    }
    *out = s;
    return HC_OK;
}

/* The digest an ES256 or SM2 signature signs: SHA-256(msg), or SM3(Z || msg). */
static hc_err sign_digest(hc_signer *s, const uint8_t *msg, size_t len, uint8_t md[32])
{
    if (s->key->alg == HC_ALG_SM2)
        return hc_sm2_digest(s->mdctx, s->key->sm2_z, msg, len, md);
    unsigned int mdlen = 0;
    if (EVP_DigestInit_ex2(s->mdctx, hc_sha256_md(), NULL) != 1 ||
        EVP_DigestUpdate(s->mdctx, msg, len) != 1 ||
        EVP_DigestFinal_ex(s->mdctx, md, &mdlen) != 1 || mdlen != 32) {
        ERR_clear_error();
        return HC_E_CRYPTO;
    }
    return HC_OK;
}

/* ES256 and SM2: the digest signed by the prepared context, DER → r||s. */
static hc_err sign_ec(hc_signer *s, const uint8_t *msg, size_t len, uint8_t sig[64])
{
    unsigned char md[32];
    uint8_t der[80];
    size_t derlen = sizeof der;
    hc_err err = sign_digest(s, msg, len, md);
    if (err != HC_OK)
        return err;
    if (EVP_PKEY_sign(s->pctx, der, &derlen, md, 32) != 1 || !hc_sig_der_to_raw(der, derlen, sig)) {
        ERR_clear_error();
        return HC_E_CRYPTO;
    }
    return HC_OK;
}

static hc_err sign_eddsa(hc_signer *s, const uint8_t *msg, size_t len, uint8_t sig[64])
{
    size_t siglen = 64;
    /* a one-shot DigestSign finalises its context: sign with a fresh copy of
     * the prepared one instead of initialising (and fetching) again */
    if (EVP_MD_CTX_copy_ex(s->mdctx, s->tmpl) != 1 ||
        EVP_DigestSign(s->mdctx, sig, &siglen, msg, len) != 1 || siglen != 64) {
        ERR_clear_error();
        return HC_E_CRYPTO;
    }
    return HC_OK;
}

/* A token key: ES256 hashes here and the token signs the digest (CKM_ECDSA);
 * EdDSA gives the token the message (CKM_EDDSA). */
static hc_err sign_token(hc_signer *s, const uint8_t *msg, size_t len, uint8_t sig[64])
{
    if (s->key->alg == HC_ALG_EDDSA)
        return s->key->token->ops->sign(s->session, msg, len, sig);
    unsigned char md[32];
    hc_err err = sign_digest(s, msg, len, md);
    return err != HC_OK ? err : s->key->token->ops->sign(s->session, md, 32, sig);
}

hc_err hc_signer_sign(hc_signer *s, const uint8_t *msg, size_t len, uint8_t sig[64])
{
    if (!s || !sig || (!msg && len))
        return HC_E_ARG;
    if (!msg)
        msg = (const uint8_t *)"";
    if (s->session)
        return sign_token(s, msg, len, sig);
    return s->key->alg == HC_ALG_EDDSA ? sign_eddsa(s, msg, len, sig) : sign_ec(s, msg, len, sig);
}

const hc_key *hc_signer_key(const hc_signer *s)
{
    return s->key;
}

void hc_signer_free(hc_signer *s)
{
    if (s) { /* each part may be missing: a signer freed half made */
        if (s->session) /* set only once s->key is */
            s->key->token->ops->session_close(s->session);
        EVP_PKEY_CTX_free(s->pctx);
        EVP_MD_CTX_free(s->mdctx);
        EVP_MD_CTX_free(s->tmpl);
        hc_key_free(s->key);
    }
    free(s);
}

/* ---------------------------------------------------------------- verify */

/* 0: does not verify; < 0: r or s out of range, say */
static hc_err verify_digest(EVP_PKEY_CTX *pctx, const uint8_t *der, size_t derlen,
                            const unsigned char md[32])
{
    return EVP_PKEY_verify(pctx, der, derlen, md, 32) == 1 ? HC_OK : HC_E_SIGNATURE;
}

/* ES256 and SM2: hash (the cached SHA-256, or SM3 over Z || msg), then a raw
 * ECDSA/SM2 verify of the digest. Cheaper than EVP_DigestVerify (which
 * fetches the digest by name inside the provider on every init, and for SM2
 * hashes Z again): fewer allocations and a little faster than the bare
 * OpenSSL baseline. The shared key (and its prepared context, duplicated
 * here) is only read; the context we verify with is ours. */
static hc_err verify_ec(const hc_key *key, const uint8_t *msg, size_t len, const uint8_t sig[64])
{
    uint8_t der[72]; /* on the stack */
    size_t derlen = hc_sig_raw_to_der(sig, der);
    if (derlen == 0)
        return HC_E_SIGNATURE; /* r or s is zero: never a valid signature */
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (key->alg == HC_ALG_SM2) {
        if (hc_sm2_digest(NULL, key->sm2_z, msg, len, md) != HC_OK)
            return HC_E_CRYPTO;
    } else if (EVP_Digest(msg, len, md, &mdlen, hc_sha256_md(), NULL) != 1 || mdlen != 32) {
        return HC_E_CRYPTO;
    }
    /* the key's own prepared context if no other thread holds it now (the
     * flag lives in the key's malloc'd memory, never in a const object) */
    atomic_flag *busy = (atomic_flag *)&key->verify_busy;
    if (key->verify_tmpl && !atomic_flag_test_and_set_explicit(busy, memory_order_acquire)) {
        hc_err err = verify_digest(key->verify_tmpl, der, derlen, md);
        atomic_flag_clear_explicit(busy, memory_order_release);
        return err;
    }
    EVP_PKEY_CTX *pctx = key->verify_tmpl ? EVP_PKEY_CTX_dup(key->verify_tmpl)
                                          : EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
    if (!pctx)
        return HC_E_CRYPTO;
    hc_err err = !key->verify_tmpl && EVP_PKEY_verify_init(pctx) != 1
                     ? HC_E_CRYPTO : verify_digest(pctx, der, derlen, md);
    EVP_PKEY_CTX_free(pctx);
    return err;
}

/* EdDSA: one-shot DigestVerify (Ed25519 hashes inside). */
static hc_err verify_eddsa(const hc_key *key, const uint8_t *msg, size_t len,
                           const uint8_t sig[64])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return HC_E_CRYPTO;
    hc_err err;
    if (EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, key->pkey, NULL) != 1)
        err = HC_E_CRYPTO;
    else
        err = EVP_DigestVerify(ctx, sig, 64, msg, len) == 1 ? HC_OK : HC_E_SIGNATURE;
    EVP_MD_CTX_free(ctx);
    return err;
}

hc_err hc_crypto_verify(const hc_key *key, const uint8_t *msg, size_t len, const uint8_t sig[64])
{
    if (!key || !sig || (!msg && len))
        return HC_E_ARG;
    if (!msg)
        msg = (const uint8_t *)"";
    /* the key's own algorithm only: an ES256 key given an Ed25519 or SM2
     * signature (or the reverse) simply does not verify */
    hc_err err = key->alg == HC_ALG_EDDSA ? verify_eddsa(key, msg, len, sig)
                                          : verify_ec(key, msg, len, sig);
    if (err != HC_OK)
        ERR_clear_error();
    return err;
}

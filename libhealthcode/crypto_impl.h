/* crypto_impl.h — the OpenSSL 3 boundary (crypto.c). Everything else in the
 * library reaches OpenSSL only through these functions. Not installed. */
#ifndef HC_CRYPTO_IMPL_H
#define HC_CRYPTO_IMPL_H

#include "primitives_impl.h"
#include "sigder_impl.h"
#include "sm2_impl.h"

#include <healthcode/key.h>
#include <openssl/evp.h>
#include <stdatomic.h>

typedef struct hc_p11 hc_p11; /* a private key inside a PKCS#11 token (pkcs11.c) */

struct hc_key {
    EVP_PKEY *pkey;          /* owned; for a token key, the public half only */
    hc_alg alg;              /* ES256 for P-256, EdDSA for Ed25519, SM2 */
    bool priv;               /* holds a private half (in pkey, or on the token) */
    uint8_t kid[HC_KID_LEN]; /* computed once at load */
    uint8_t sm2_z[32];       /* SM2: Z of GB/T 32918.2 for this key (sm2.c) */
    hc_p11 *p11;             /* a token key: a reference of ours; NULL for keys in memory */
    /* ES256, SM2: an EVP_PKEY_CTX verify-initialised once when the key is
     * made (a fresh init fetches the signature algorithm from the provider
     * each time). One verify at a time uses it itself, the one that sets
     * verify_busy; a verify in another thread at that moment works on an
     * EVP_PKEY_CTX_dup of it, so a key shared between threads stays safe
     * and the common case (one checkpoint thread) copies nothing. NULL
     * (EdDSA, or preparing failed): each verify initialises its own
     * context. Owned; not copied by hc_key_ref. */
    EVP_PKEY_CTX *verify_tmpl;
    atomic_flag verify_busy;
};

/* Wraps pkey (taking ownership, also on failure) into a new hc_key: its alg,
 * kid and (SM2) Z. HC_E_KEY for a type or curve we do not accept. */
hc_err hc_key_wrap(EVP_PKEY *pkey, bool priv, hc_key **out);

/* pkey's SubjectPublicKeyInfo DER (spki.c): *der is OpenSSL's allocation
 * (the caller OPENSSL_frees it), *len its length. HC_E_CRYPTO, with
 * OpenSSL's error queue cleared, where OpenSSL cannot encode it. */
hc_err hc_pkey_spki_der(EVP_PKEY *pkey, unsigned char **der, size_t *len);

/* Sets k's prepared verify context (verify_tmpl) for an ES256 or SM2 key
 * from k->pkey and k->alg, and clears verify_busy; NULL for EdDSA, which
 * verifies through DigestVerify. A failure here only costs speed (each
 * verify then initialises its own context). Every place that makes an
 * hc_key calls this once its pkey and alg are set. */
void hc_key_prepare_verify(hc_key *k);

/* ---- pkcs11.c: the token backend of a private key */
void hc_p11_ref(hc_p11 *p);
void hc_p11_unref(hc_p11 *p); /* NULL is a no-op */
/* One session of the token for one signing thread. */
typedef struct hc_p11_session hc_p11_session;
hc_err hc_p11_session_open(hc_p11 *p, hc_p11_session **out);
/* Signs data: for ES256 the SHA-256 digest (CKM_ECDSA), for EdDSA the message
 * (CKM_EDDSA). sig gets raw r||s or R||S, 64 bytes. HC_E_PKCS11 when the
 * module or token fails (token removed, say). */
hc_err hc_p11_sign(hc_p11_session *s, const uint8_t *data, size_t len, uint8_t sig[64]);
void hc_p11_session_close(hc_p11_session *s);

/* A prepared signing context, one per thread (issuer side). */
typedef struct hc_signer hc_signer;
hc_err hc_signer_new(const hc_key *key, hc_signer **out);
/* Signs msg; writes the 64-byte COSE signature (raw r||s for ES256). */
hc_err hc_signer_sign(hc_signer *s, const uint8_t *msg, size_t len, uint8_t sig[64]);
void hc_signer_free(hc_signer *s);
/* The signer's key (its own reference; valid while s is). */
const hc_key *hc_signer_key(const hc_signer *s);

/* Verifies a 64-byte COSE signature over msg with key (public half).
 * HC_OK, HC_E_SIGNATURE (does not verify, or r/s out of range), HC_E_CRYPTO.
 * Allocates nothing of ours: ES256's DER is built on the stack; only OpenSSL
 * may allocate inside. */
hc_err hc_crypto_verify(const hc_key *key, const uint8_t *msg, size_t len, const uint8_t sig[64]);

/* A new reference-counted copy of key's public half (for the trust store). */
hc_err hc_key_public_copy(const hc_key *key, hc_key **out);

/* Another reference to the same key (EVP_PKEY_up_ref). */
hc_err hc_key_ref(const hc_key *key, hc_key **out);

/* A public key from its SubjectPublicKeyInfo DER (exactly len bytes, no
 * trailing bytes), of an algorithm hc_key supports. HC_E_KEY otherwise. */
hc_err hc_key_from_spki(const uint8_t *der, size_t len, hc_key **out);

/* The SPKI DER of key's public half into buf (cap bytes); HC_E_BUFFER with
 * *len = needed when it does not fit. HC_E_CRYPTO on failure. */
hc_err hc_key_spki(const hc_key *key, uint8_t *buf, size_t cap, size_t *len);

#endif

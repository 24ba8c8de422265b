/* crypto_impl.h — the OpenSSL 3 boundary (crypto.c). Everything else in the
 * library reaches OpenSSL only through these functions. Not installed. */
#ifndef HC_CRYPTO_IMPL_H
#define HC_CRYPTO_IMPL_H

#include <healthcode/key.h>
#include <openssl/evp.h>

struct hc_key {
    EVP_PKEY *pkey;          /* owned */
    hc_alg alg;              /* ES256 for P-256, EdDSA for Ed25519 */
    bool priv;               /* holds a private half */
    uint8_t kid[HC_KID_LEN]; /* computed once at load */
};

/* A prepared signing context, one per thread (issuer side). */
typedef struct hc_signer hc_signer;
hc_err hc_signer_new(const hc_key *key, hc_signer **out);
/* Signs msg; writes the 64-byte COSE signature (raw r||s for ES256). */
hc_err hc_signer_sign(hc_signer *s, const uint8_t *msg, size_t len, uint8_t sig[64]);
void hc_signer_free(hc_signer *s);

/* Verifies a 64-byte COSE signature over msg with key (public half).
 * HC_OK, HC_E_SIGNATURE (does not verify, or r/s out of range), HC_E_CRYPTO.
 * Allocates nothing of ours: ES256's DER is built on the stack; only OpenSSL
 * may allocate inside. */
hc_err hc_crypto_verify(const hc_key *key, const uint8_t *msg, size_t len, const uint8_t sig[64]);

/* HMAC-SHA256 (for the sub pseudonym). */
hc_err hc_crypto_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t len,
                             uint8_t out[32]);

/* Cryptographically strong random bytes (RAND_bytes). */
hc_err hc_crypto_random(uint8_t *buf, size_t len);

/* A new reference-counted copy of key's public half (for the trust store). */
hc_err hc_key_public_copy(const hc_key *key, hc_key **out);

/* Another reference to the same key (EVP_PKEY_up_ref). */
hc_err hc_key_ref(const hc_key *key, hc_key **out);

/* SHA-256 of msg (bundle hashes, bundle.c). HC_E_CRYPTO on failure. */
hc_err hc_crypto_sha256(const uint8_t *msg, size_t len, uint8_t out[32]);

/* A public key from its SubjectPublicKeyInfo DER (exactly len bytes, no
 * trailing bytes), of an algorithm hc_key supports. HC_E_KEY otherwise. */
hc_err hc_key_from_spki(const uint8_t *der, size_t len, hc_key **out);

/* The SPKI DER of key's public half into buf (cap bytes); HC_E_BUFFER with
 * *len = needed when it does not fit. HC_E_CRYPTO on failure. */
hc_err hc_key_spki(const hc_key *key, uint8_t *buf, size_t cap, size_t *len);

#endif

/* key_impl.h — the key object (key.c): what an hc_key holds, how one is made
 * around an OpenSSL key, shared and freed. The floor that signing and
 * verifying (crypto.c), the SPKI encoding (spki.c), key files (key_file.c),
 * the token backend (pkcs11.c) and the holder's device key (device.c) stand
 * on. Not installed. */
#ifndef HC_KEY_IMPL_H
#define HC_KEY_IMPL_H

#include <healthcode/key.h>
#include <openssl/evp.h>
#include <stdatomic.h>

/* ---- a private half kept outside the process, on a token (pkcs11.c) */

/* The key holds a reference to its token and reaches the backend only
 * through ops, so this room never includes a backend. A backend's own
 * struct begins with an hc_key_token. */
typedef struct hc_key_token hc_key_token;
/* One signing thread's session with the token (the backend's struct). */
typedef struct hc_key_session hc_key_session;

typedef struct {
    /* A session of the token for one signing thread; it holds a reference
     * to t of its own. */
    hc_err (*session_open)(hc_key_token *t, hc_key_session **out);
    /* Signs data: for ES256 the SHA-256 digest (CKM_ECDSA), for EdDSA the
     * message (CKM_EDDSA). sig gets raw r||s or R||S, 64 bytes. HC_E_PKCS11
     * when the module or token fails (token removed, say). */
    hc_err (*sign)(hc_key_session *s, const uint8_t *data, size_t len, uint8_t sig[64]);
    void (*session_close)(hc_key_session *s); /* NULL is a no-op */
    void (*destroy)(hc_key_token *t);         /* the last reference went */
} hc_key_token_ops;

struct hc_key_token {
    const hc_key_token_ops *ops;
    atomic_int refs;
};

/* Starts t with one reference, the caller's. */
void hc_key_token_init(hc_key_token *t, const hc_key_token_ops *ops);
void hc_key_token_ref(hc_key_token *t);
/* NULL is a no-op; the last reference calls t->ops->destroy. */
void hc_key_token_unref(hc_key_token *t);

/* ---- the key */

struct hc_key {
    EVP_PKEY *pkey;          /* owned; for a token key, the public half only */
    hc_alg alg;              /* ES256 for P-256, EdDSA for Ed25519, SM2 */
    bool priv;               /* holds a private half (in pkey, or on the token) */
    uint8_t kid[HC_KID_LEN]; /* computed once at load */
    uint8_t sm2_z[32];       /* SM2: Z of GB/T 32918.2 for this key (sm2.c) */
    hc_key_token *token;     /* a token key: a reference of ours; NULL for keys in memory */
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

/* Sets k's prepared verify context (verify_tmpl) for an ES256 or SM2 key
 * from k->pkey and k->alg, and clears verify_busy; NULL for EdDSA, which
 * verifies through DigestVerify. A failure here only costs speed (each
 * verify then initialises its own context). Every place that makes an
 * hc_key calls this once its pkey and alg are set. */
void hc_key_prepare_verify(hc_key *k);

/* Another reference to the same key (EVP_PKEY_up_ref). */
hc_err hc_key_ref(const hc_key *key, hc_key **out);

/* A new reference-counted copy of key's public half (for the trust store). */
hc_err hc_key_public_copy(const hc_key *key, hc_key **out);

/* ---- OpenSSL keys, for every room that makes one */

/* pkey's SubjectPublicKeyInfo DER, the form the kid is over: *der is
 * OpenSSL's allocation (the caller OPENSSL_frees it), *len its length.
 * HC_E_CRYPTO, with OpenSSL's error queue cleared, where OpenSSL cannot
 * encode it. */
hc_err hc_pkey_spki_der(EVP_PKEY *pkey, unsigned char **der, size_t *len);

/* Which of P-256, Ed25519 and SM2 pkey is (public or private), whether or
 * not this OpenSSL can sign SM2. false for any other key. */
bool hc_pkey_alg(EVP_PKEY *pkey, hc_alg *alg);

/* The public key of alg (ES256: P-256, SM2) at the encoded point pt (len
 * bytes: 04 || x || y, or 02|03 || x), which the import checks to be on the
 * curve (x below the prime, a y for it). NULL on failure, OpenSSL's error
 * queue left to the caller. */
EVP_PKEY *hc_pkey_from_ec_point(hc_alg alg, const uint8_t *pt, size_t len);

#endif

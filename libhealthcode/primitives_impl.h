/* primitives_impl.h — SHA-256, HMAC-SHA-256 and random bytes (primitives.c):
 * the OpenSSL primitives that keys, signatures and the rest of the library
 * stand on. Not installed. */
#ifndef HC_PRIMITIVES_IMPL_H
#define HC_PRIMITIVES_IMPL_H

#include <healthcode/common.h>
#include <openssl/evp.h>

/* SHA-256 as OpenSSL's implementation, fetched once (immutable, shareable
 * between threads): for a caller that keeps its own EVP_MD_CTX. */
const EVP_MD *hc_sha256_md(void);

/* SHA-256 of msg (bundle hashes, bundle.c). HC_E_CRYPTO on failure. */
hc_err hc_crypto_sha256(const uint8_t *msg, size_t len, uint8_t out[32]);
/* The same with a context kept by its owner for many short messages (the
 * register's chain); one thread at a time. HC_E_NOMEM, HC_E_CRYPTO. */
typedef struct hc_sha256 hc_sha256;
hc_err hc_sha256_new(hc_sha256 **out);
hc_err hc_sha256_digest(hc_sha256 *h, const uint8_t *msg, size_t len, uint8_t out[32]);
void hc_sha256_free(hc_sha256 *h);

/* HMAC-SHA256 (for the sub pseudonym). */
hc_err hc_crypto_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t len,
                             uint8_t out[32]);

/* Cryptographically strong random bytes (RAND_bytes). */
hc_err hc_crypto_random(uint8_t *buf, size_t len);

#endif

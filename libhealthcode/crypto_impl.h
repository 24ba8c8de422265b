/* crypto_impl.h — signatures (crypto.c): a prepared signer per thread, and
 * verification. With them come the rooms they stand on, which most of the
 * library reaches through this one include: the key object (key_impl.h),
 * the primitives (primitives_impl.h), SM2 (sm2_impl.h) and the two
 * encodings of a signature (sigder_impl.h). Everything else in the library
 * reaches OpenSSL only through these. Not installed. */
#ifndef HC_CRYPTO_IMPL_H
#define HC_CRYPTO_IMPL_H

#include "key_impl.h"
#include "primitives_impl.h"
#include "sigder_impl.h"
#include "sm2_impl.h"

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

#endif

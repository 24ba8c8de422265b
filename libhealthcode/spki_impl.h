/* spki_impl.h — public keys as the DER of their SubjectPublicKeyInfo
 * (spki.c), for trust bundles. Not installed. */
#ifndef HC_SPKI_IMPL_H
#define HC_SPKI_IMPL_H

#include <healthcode/key.h>

/* A public key from its SubjectPublicKeyInfo DER (exactly len bytes, no
 * trailing bytes), of an algorithm hc_key supports. HC_E_KEY otherwise. */
hc_err hc_key_from_spki(const uint8_t *der, size_t len, hc_key **out);

/* The SPKI DER of key's public half into buf (cap bytes); HC_E_BUFFER with
 * *len = needed when it does not fit. HC_E_CRYPTO on failure. */
hc_err hc_key_spki(const hc_key *key, uint8_t *buf, size_t cap, size_t *len);

#endif

/* sigder_impl.h — r||s (COSE) <-> DER (OpenSSL), ES256 and SM2 alike
 * (sigder.c). Not installed. */
#ifndef HC_SIGDER_IMPL_H
#define HC_SIGDER_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* r||s → DER in out; 0 if r or s is zero (never a valid signature). */
size_t hc_sig_raw_to_der(const uint8_t sig[64], uint8_t out[72]);
/* DER → r||s; false if it is not one well-formed ECDSA-Sig-Value of 32-byte integers. */
bool hc_sig_der_to_raw(const uint8_t *der, size_t len, uint8_t sig[64]);

#endif

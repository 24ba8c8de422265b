/* presentation_impl.h — a live presentation's wire form (presentation.c):
 * doc/format.md, "The presentation". present.c encodes it (the holder's
 * side), verify.c parses it (P1). Not installed.
 *
 *   "HCLIVE1:" || base45( 18([ bstr({1: alg}), {}, bstr([token, t]), sig64 ]) )
 *
 * Parsing is in place, bounded and allocation-free, like the token's. */
#ifndef HC_PRESENTATION_IMPL_H
#define HC_PRESENTATION_IMPL_H

#include "token_impl.h"

#define HC_LIVE_PREFIX_LEN (sizeof HC_LIVE_PREFIX - 1)

typedef struct {
    hc_cose_view cose;               /* the COSE_Sign1's parts (no kid: left zero) */
    const uint8_t *token;            /* the issuer's COSE_Sign1 bytes, inside cose.payload */
    size_t token_len;
    uint64_t t;                      /* the second the device made it */
} hc_pres_view;

/* P1 after base45: exactly one COSE_Sign1 (tag 18 or untagged, as a token),
 * every item definite, no map key twice (by value), text strings UTF-8
 * (the unprotected map included), nothing after it; the protected bstr holds
 * exactly the map {1: alg} (alg an integer); the payload bstr holds exactly
 * the array [bstr, uint]; the signature is 64 bytes. The token's own bytes
 * are not looked into (P2 does that). HC_E_PRESENTATION otherwise. */
hc_err hc_pres_parse(const uint8_t *buf, size_t len, hc_pres_view *out);

/* The protected header {1: alg} is hc_cose_protected_encode(alg, NULL, …). */

/* Encodes the payload [bstr(token), t] (not wrapped in a bstr). */
hc_err hc_pres_payload_encode(const uint8_t *token, size_t token_len, uint64_t t, uint8_t *buf,
                              size_t cap, size_t *len);

#endif

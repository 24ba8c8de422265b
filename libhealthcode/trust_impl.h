/* trust_impl.h — the trust store as verify.c sees it (trust.c). Not installed. */
#ifndef HC_TRUST_IMPL_H
#define HC_TRUST_IMPL_H

#include <healthcode/verify.h>
#include "crypto_impl.h"

typedef struct {
    hc_key *key;                 /* public key, owned by the store */
    char iss[HC_ISS_MAX + 1];    /* "" = any issuer */
    int64_t not_before;          /* HC_TIME_UNBOUNDED_BEFORE (INT64_MIN) = no bound */
    int64_t not_after;           /* exclusive; HC_TIME_UNBOUNDED_AFTER (INT64_MAX) = no bound */
} hc_trusted_key;

/* The keys whose kid is kid, contiguous (the store keeps them sorted by kid,
 * in the order they were added within one kid); *count = how many (0: none,
 * and the result is NULL). Allocates nothing. */
const hc_trusted_key *hc_trust_lookup(const hc_trust *t, const uint8_t kid[HC_KID_LEN],
                                      size_t *count);

/* The i-th key of t in kid order (i < hc_trust_count), NULL past the end. */
const hc_trusted_key *hc_trust_at(const hc_trust *t, size_t i);

#endif

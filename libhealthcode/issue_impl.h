/* issue_impl.h — the issuer's insides that the batch reaches (issue.c). Not installed. */
#ifndef HC_ISSUE_IMPL_H
#define HC_ISSUE_IMPL_H

#include <healthcode/issue.h>
#include <healthcode/verify.h>

/* hc_issue_bound (device NULL: hc_issue), and with out not NULL the claims
 * the token was made of (as hc_inspect would read them back, alg and kid
 * included): a batch that records its codes in a register
 * (batch_register.c) takes them from here instead of decoding each token it
 * has just encoded. */
hc_err hc_issue_claims(hc_issuer *is, const hc_record *r, const hc_assessment *a,
                       const hc_key *device, int64_t now, int64_t validity_s, char *text,
                       size_t cap, size_t *len, hc_claims *out);

#endif

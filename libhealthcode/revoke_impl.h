/* revoke_impl.h — the revocation list as bundle.c sees it (revoke.c).
 * Not installed.
 *
 * Ids travel as raw big-endian bytes, as in the binary HCRV1 file and a trust
 * bundle: n*8 bytes of cti, n*16 bytes of sub, each strictly increasing. */
#ifndef HC_REVOKE_IMPL_H
#define HC_REVOKE_IMPL_H

#include <healthcode/verify.h>

/* A new list holding exactly what r holds (r NULL: an empty list).
 * Errors: HC_E_NOMEM. */
hc_err hc_revocations_clone(const hc_revocations *r, hc_revocations **out);

/* Adds (remove false) or removes (remove true) ncti raw ctis and nsub raw
 * subs. Each array must be strictly increasing, else HC_E_REVOCATION_LIST
 * and r is unchanged. HC_E_NOMEM may leave the ctis applied and not the
 * subs: callers that need all-or-nothing work on a clone. */
hc_err hc_revocations_apply_raw(hc_revocations *r, const uint8_t *cti, size_t ncti,
                                const uint8_t *sub, size_t nsub, bool remove);

/* The ids of r as raw bytes: *cti (ncti*8, malloc'd, NULL when none) and
 * *sub (nsub*16). Errors: HC_E_NOMEM (nothing allocated). */
hc_err hc_revocations_export(const hc_revocations *r, uint8_t **cti, size_t *ncti, uint8_t **sub,
                             size_t *nsub);

#endif

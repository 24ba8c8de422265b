/* trustlist_impl.h — the trust-list JSON reader (trustlist.c), on the
 * verify side. Not installed.
 *
 * A parser only: it turns a trust-list text into checked entries and knows
 * nothing of hc_trust. trust.c adds the entries (hc_trust_add_list_json,
 * hc_trust_add_path for *.json), so the dependency runs one way:
 * trust.c → trustlist.c → json.c, clock.c, crypto.c. */
#ifndef HC_TRUSTLIST_IMPL_H
#define HC_TRUSTLIST_IMPL_H

#include <healthcode/verify.h>

/* The largest trust-list text read (a file: refused by its size first). */
#define HC_TRUST_LIST_MAX (4 * 1024 * 1024)
/* The most entries one list may hold. */
#define HC_TRUST_LIST_ENTRIES_MAX 4096

typedef struct {
    hc_key *key;                 /* public key, owned by the entry */
    char iss[HC_ISS_MAX + 1];
    int64_t not_before;          /* HC_TIME_UNBOUNDED_BEFORE when absent or null */
    int64_t not_after;           /* exclusive; HC_TIME_UNBOUNDED_AFTER when absent or null */
} hc_trustlist_entry;

/* Parses and checks len bytes of trust-list JSON (format in
 * doc/checkpoint.md). src names the input in diag messages (a path, or
 * "trust list"). On success *entries (malloc'd, free with
 * hc_trustlist_free) holds *n >= 1 entries, each checked; on error nothing
 * is returned and diag names the place (entries[3].kid; the line for a JSON
 * syntax error). Errors: HC_E_TRUST_LIST, HC_E_LIMIT, HC_E_NOMEM,
 * HC_E_CRYPTO. */
hc_err hc_trustlist_parse(const char *json, size_t len, const char *src,
                          hc_trustlist_entry **entries, size_t *n, hc_diag *diag);

/* Frees n entries and their keys. NULL is a no-op. */
void hc_trustlist_free(hc_trustlist_entry *entries, size_t n);

#endif

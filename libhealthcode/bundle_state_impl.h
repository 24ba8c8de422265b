/* bundle_state_impl.h — the checkpoint's bundle state file (bundle_state.c):
 * what the last accepted bundles were, read, locked and written for
 * bundle_store.c. Not installed. */
#ifndef HC_BUNDLE_STATE_IMPL_H
#define HC_BUNDLE_STATE_IMPL_H

#include <healthcode/bundle.h>

#define STATE_MAX 65536u
#define EXTRA_MAX (2 * HC_BUNDLE_ROOTS_MAX + 1)

enum { ST_SEQ = 1, ST_HASH = 2, ST_FULL_SEQ = 3, ST_FULL_HASH = 4, ST_ROOTS = 5, ST_FORM = 6 };

/* ST_FORM's value: the hashes are bundle ids (hc_bundle_info.id, the signed
 * content). A state without ST_FORM was written before: its hashes are of
 * whole files, compared as such until the next accepted bundle rewrites it. */
#define ST_FORM_ID 1

typedef struct {
    bool have;                   /* a bundle was accepted (here or before the restart) */
    uint64_t seq, full_seq;
    uint8_t hash[32], full_hash[32];  /* ids of the last bundle and of its full bundle */
    bool legacy;                 /* the hashes are of whole files (no ST_FORM) */
    hc_key *roots[EXTRA_MAX];    /* accepted next roots (and an unpinned signer) */
    size_t n_roots;
} bundle_state;


/* Forgets st (its roots are released) and zeroes it. */
void hc_bundle_state_clear(bundle_state *st);

/* Reads the state file at path into *st (a missing file: st->have false).
 * Errors: HC_E_BUNDLE_STATE (not a state file, or one others may write),
 * HC_E_IO, HC_E_NOMEM. */
hc_err hc_bundle_state_load(const char *path, bundle_state *st, hc_diag *diag);

/* Takes the state's lock (an exclusive flock on the lock file, created 0600),
 * waiting up to 10 s for another process's apply; *fd is -1 when the
 * directory cannot be written (a read-only state). Errors: HC_E_IO. */
hc_err hc_bundle_state_lock(const char *lock, int *fd, hc_diag *diag);

/* Releases the lock taken by hc_bundle_state_lock (fd -1: none). */
void hc_bundle_state_unlock(int fd);

/* Writes st to path atomically (mode 0644) unless it records the same as
 * was. Errors: HC_E_IO, HC_E_NOMEM. */
hc_err hc_bundle_state_write(const char *path, const bundle_state *st, const bundle_state *was);

/* A copy of src whose roots are new references. Errors: HC_E_NOMEM. */
hc_err hc_bundle_state_copy(bundle_state *dst, const bundle_state *src);

#endif

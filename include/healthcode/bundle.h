/*
 * healthcode/bundle.h — signed trust bundles: the issuer keys and revocation
 * lists a checkpoint trusts, in one file signed by a root key (doc/bundle.md
 * gives the format byte by byte and the update flow of a fleet).
 *
 * A bundle is a COSE_Sign1 whose payload names its publisher, a sequence
 * number that only grows, issued-at and expires-at, the issuer keys with their
 * issuer and validity window, the revoked cti and sub lists, and the next
 * root keys. A delta bundle carries revocations added and removed against a
 * full bundle named by its sequence number.
 *
 * The checkpoint side (hc_bundle_store) is in the verify-only build (OpenSSL
 * and libcbor only). Making a bundle (hc_bundle_make) is in every build; the
 * library never touches the network.
 *
 * Threads: a store's trust and revocations may be shared by any number of
 * threads calling hc_verify(); hc_bundle_store_apply() replaces them and must
 * not run while they are in use.
 */
#ifndef HEALTHCODE_BUNDLE_H
#define HEALTHCODE_BUNDLE_H

#include <healthcode/checkpoint.h>
#include <healthcode/common.h>
#include <healthcode/key.h>
#include <healthcode/verify.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bounds every reader enforces (HC_E_BUNDLE beyond them; a file over
 * HC_BUNDLE_FILE_MAX is HC_E_LIMIT before it is read). */
#define HC_BUNDLE_FILE_MAX ((size_t)512 * 1024 * 1024)
#define HC_BUNDLE_PUBLISHER_MAX 64
#define HC_BUNDLE_KEYS_MAX 4096
#define HC_BUNDLE_ROOTS_MAX 8
#define HC_BUNDLE_VENUES_MAX 64          /* venue rules in one bundle */
#define HC_BUNDLE_VENUE_NAME_MAX 32      /* bytes of a venue class's name */
#define HC_BUNDLE_VENUE_JSON_MAX 4096    /* bytes of one rule's JSON text */

/* ------------------------------------------------------------- inspect */

/* What a bundle says about itself (plain struct, filled in caller memory). */
typedef struct {
    char publisher[HC_BUNDLE_PUBLISHER_MAX + 1];
    uint64_t seq;
    int64_t iat, exp;
    bool delta;                  /* a delta bundle */
    uint64_t base_seq;           /* delta only: the full bundle it applies to */
    hc_alg root_alg;             /* the protected header's alg and kid */
    uint8_t root_kid[HC_KID_LEN];
    size_t n_keys;
    size_t n_cti, n_sub;         /* full: revoked; delta: added */
    size_t n_cti_removed, n_sub_removed; /* delta only */
    size_t n_next_roots;
    size_t n_venues;             /* venue rules carried (hc_bundle_store_venue) */
    uint8_t hash[32];            /* SHA-256 of the whole file (hc_bundle_inspect only;
                                    zero from hc_bundle_store_apply) */
    uint8_t id[32];              /* SHA-256 of what the signature covers (the
                                    Sig_structure: protected header and payload): the
                                    bundle's identity in the state file, the same for
                                    any encoding of its unsigned parts */
} hc_bundle_info;

/* One key entry of a bundle. pub is a new key the caller frees. */
typedef struct {
    char iss[HC_ISS_MAX + 1];
    uint8_t kid[HC_KID_LEN];
    hc_alg alg;
    int64_t not_before;          /* HC_TIME_UNBOUNDED_BEFORE when absent */
    int64_t not_after;           /* HC_TIME_UNBOUNDED_AFTER when absent */
    hc_key *pub;
} hc_bundle_key_info;

/* Decodes buf (len bytes) WITHOUT checking its signature (for display):
 * nothing it returns may be trusted. Checks the whole format, including every
 * key entry's kid (HC_E_BUNDLE_KID) and the order of the id lists. If keys is
 * not NULL it receives up to max_keys entries (each .pub owned by the caller:
 * hc_key_free each, or call hc_bundle_key_info_clear).
 * Errors: HC_E_BUNDLE, HC_E_BUNDLE_KID, HC_E_LIMIT, HC_E_NOMEM, HC_E_ARG. */
HC_API hc_err hc_bundle_inspect(const uint8_t *buf, size_t len, hc_bundle_info *info,
                                hc_bundle_key_info *keys, size_t max_keys) HC_WARN_UNUSED;

/* Frees the n entries' keys (from hc_bundle_inspect) and zeroes them. */
HC_API void hc_bundle_key_info_clear(hc_bundle_key_info *keys, size_t n);

/* ---------------------------------------------------------- checkpoint */

typedef struct hc_bundle_store hc_bundle_store;

/* An empty store: no root, no bundle (its trust is NULL until a bundle is
 * accepted). Free with hc_bundle_store_free(). Errors: HC_E_NOMEM, HC_E_ARG. */
HC_API hc_err hc_bundle_store_new(hc_bundle_store **out) HC_WARN_UNUSED;

/* Pins a root key (its public half is copied; the caller keeps root).
 * Errors: HC_E_ARG, HC_E_LIMIT (more than HC_BUNDLE_ROOTS_MAX), HC_E_NOMEM. */
HC_API hc_err hc_bundle_store_add_root(hc_bundle_store *s, const hc_key *root) HC_WARN_UNUSED;

/* Reads the checkpoint's state file at path (the last accepted sequence
 * numbers, hashes and the accepted next roots: doc/bundle.md) and remembers
 * path: every later accepted bundle that changes what it records rewrites
 * it atomically (temporary file, fsync, rename; mode 0644). A missing file
 * is a fresh checkpoint (HC_OK). Call it before the first hc_bundle_store_apply.
 *
 * Processes may share one state: each apply takes an exclusive lock (flock
 * on path + ".lock", created 0600) from reading the state to renaming the
 * new one, and reads the state again under it, so a bundle older than one
 * another process accepted is refused (HC_E_BUNDLE_ROLLBACK) and a store
 * that holds less than the state records is behind (no trust until it
 * applies that bundle). An apply waits at most 10 s for the lock (HC_E_IO).
 * Errors: HC_E_BUNDLE_STATE (the file is not a state file), HC_E_IO,
 * HC_E_NOMEM, HC_E_ARG (NULL, or a bundle is held already). */
HC_API hc_err hc_bundle_store_set_state(hc_bundle_store *s, const char *path) HC_WARN_UNUSED;

/* The same with a message in diag (may be NULL) naming the file and what is
 * wrong with it. */
HC_API hc_err hc_bundle_store_set_state_path(hc_bundle_store *s, const char *path,
                                             hc_diag *diag) HC_WARN_UNUSED;

/* The state in directory dir, as the CLI's --state DIR and the bindings keep
 * it: dir/bundle-state.cbor, locked through dir/bundle-state.lock. */
HC_API hc_err hc_bundle_store_set_state_dir(hc_bundle_store *s, const char *dir,
                                            hc_diag *diag) HC_WARN_UNUSED;

/* Flags of hc_bundle_store_apply and hc_bundle_store_apply_set. */
#define HC_BUNDLE_ACCEPT_STALE 1u   /* accept an expired bundle, flagged stale */
#define HC_BUNDLE_COMPLETE 2u       /* the bundles given are all the checkpoint has: refuse
                                       them (HC_E_BUNDLE_ROLLBACK) if the store would be
                                       behind its state after them (hc_bundle_store_behind) */

/*
 * Checks the bundle in buf (len bytes, the caller keeps it) and, if it passes,
 * makes it the store's trust. In order:
 *   the COSE_Sign1 shape and every bound (HC_E_BUNDLE);
 *   its kid names a pinned root or a root the last accepted bundle named as
 *   next, and alg is that key's (HC_E_BUNDLE_ROOT);
 *   the signature (HC_E_BUNDLE_SIGNATURE);
 *   the payload: fields, keys' kids (HC_E_BUNDLE, HC_E_BUNDLE_KID);
 *   the sequence number against the state (HC_E_BUNDLE_ROLLBACK): a full
 *   bundle needs seq above the last accepted one, or to be the very full
 *   bundle the state was built on (same seq and id: a restart reloads it);
 *   a delta needs seq above the last one, or to be that very delta;
 *   a delta's base is the full bundle the store holds, with no delta applied
 *   yet, from the same publisher (HC_E_BUNDLE_BASE);
 *   now < exp, unless flags has HC_BUNDLE_ACCEPT_STALE: then the store is
 *   marked stale (hc_bundle_store_stale) (HC_E_BUNDLE_EXPIRED);
 *   the state file is written if what it records changed (HC_E_IO): a
 *   reload changes nothing, so the roots it records stay exactly those of
 *   the last bundle accepted.
 * On any error nothing changes, in memory or on disk. info (may be NULL)
 * receives what the bundle says once it is parsed. diag (may be NULL) says
 * which field was wrong.
 */
HC_API hc_err hc_bundle_store_apply(hc_bundle_store *s, const uint8_t *buf, size_t len,
                                    int64_t now, unsigned flags, hc_bundle_info *info,
                                    hc_diag *diag) HC_WARN_UNUSED;

/* Reads the file at path (a regular file, at most HC_BUNDLE_FILE_MAX bytes)
 * and applies it as hc_bundle_store_apply. Errors: those, HC_E_IO, HC_E_LIMIT. */
HC_API hc_err hc_bundle_store_apply_file(hc_bundle_store *s, const char *path, int64_t now,
                                         unsigned flags, hc_bundle_info *info,
                                         hc_diag *diag) HC_WARN_UNUSED;

/* One bundle's bytes (the caller keeps them). */
typedef struct {
    const uint8_t *buf;
    size_t len;
} hc_bundle_bytes;

/* The most bundles one hc_bundle_store_apply_files call reads. */
#define HC_BUNDLE_SET_MAX 8

/*
 * Applies n bundles in order (a full bundle, then a delta on it), all or
 * nothing: each is checked as hc_bundle_store_apply checks it, against the
 * state the ones before it leave, and the store and its state file change
 * only if every one is accepted, the state file at most once. With
 * HC_BUNDLE_COMPLETE the set must also leave the store not behind its state
 * (a delta the state records was withheld: HC_E_BUNDLE_ROLLBACK). A
 * checkpoint that starts from files it downloaded calls this, so a refused
 * run writes nothing. info (NULL, or n entries) receives what each bundle
 * parsed says; *failed (may be NULL) the index of the bundle refused (n when
 * the set as a whole was, or the state: its lock, its file). Errors: those
 * of hc_bundle_store_apply, HC_E_ARG.
 */
HC_API hc_err hc_bundle_store_apply_set(hc_bundle_store *s, const hc_bundle_bytes *bundles,
                                        size_t n, int64_t now, unsigned flags,
                                        hc_bundle_info *info, size_t *failed,
                                        hc_diag *diag) HC_WARN_UNUSED;

/* hc_bundle_store_apply_set on the files at paths[0..n) (n at most
 * HC_BUNDLE_SET_MAX, each read as hc_bundle_store_apply_file reads it;
 * *failed names the file that could not be read too). */
HC_API hc_err hc_bundle_store_apply_files(hc_bundle_store *s, const char *const *paths,
                                          size_t n, int64_t now, unsigned flags,
                                          hc_bundle_info *info, size_t *failed,
                                          hc_diag *diag) HC_WARN_UNUSED;

/* The trust and revocations of the accepted bundles. NULL before the first
 * bundle is accepted, and NULL while the store is behind its state
 * (hc_bundle_store_behind): a store that reloaded a full bundle but not the
 * delta its state records would otherwise verify without that delta's
 * revocations and with keys it dropped. So every caller, each binding
 * included, refuses to verify on such a store by construction; call
 * hc_bundle_store_ready() to learn why. Owned by the store; valid until the
 * next accepted bundle or the free. */
HC_API const hc_trust *hc_bundle_store_trust(const hc_bundle_store *s);
HC_API const hc_revocations *hc_bundle_store_revocations(const hc_bundle_store *s);

/* Whether the store can verify: HC_OK, or why not, with a message in diag
 * (may be NULL):
 *   HC_E_BUNDLE_ROLLBACK  the store is behind its state: "the state records
 *                         seq 11, later than the bundles applied (seq 10): give
 *                         the delta too" (the CLI's message too);
 *   HC_E_UNKNOWN_KID      no bundle has been accepted yet (no key is trusted);
 *   HC_E_ARG              s is NULL.
 * hc_bundle_store_trust() is NULL exactly when this is not HC_OK. */
HC_API hc_err hc_bundle_store_ready(const hc_bundle_store *s, hc_diag *diag) HC_WARN_UNUSED;

/* The venue rules named name (a venue class: "hospital") that the last
 * accepted bundle carries, parsed into *rules (the text the publisher signed,
 * read by hc_venue_parse_json, so every member it knows is understood).
 * Errors: those of hc_bundle_store_ready (a store behind its state, or no
 * bundle yet); HC_E_VENUE when the bundle has no rule of that name (diag
 * lists the names it has); HC_E_ARG. */
HC_API hc_err hc_bundle_store_venue(const hc_bundle_store *s, const char *name,
                                    hc_venue_rules *rules, hc_diag *diag) HC_WARN_UNUSED;

/* The number of venue rules the store's bundle carries (0 when not ready),
 * and the name of the i-th (in the bundle's order: by length, then bytes),
 * NULL past the end. Owned by the store, valid until the next accepted bundle. */
HC_API size_t hc_bundle_store_venue_count(const hc_bundle_store *s);
HC_API const char *hc_bundle_store_venue_name(const hc_bundle_store *s, size_t i);

/* true if the trust held came from an expired bundle (accepted with
 * HC_BUNDLE_ACCEPT_STALE): decisions should report "stale_trust". */
HC_API bool hc_bundle_store_stale(const hc_bundle_store *s);

/* The sequence number of the last bundle applied in memory (0 before any). */
HC_API uint64_t hc_bundle_store_seq(const hc_bundle_store *s);

/* true if the state file records a later bundle than the store holds: a
 * restart reloaded the full bundle but not the delta accepted after it (or
 * another process sharing the state accepted a later bundle). The store's
 * trust is NULL then (hc_bundle_store_ready says bundle_rollback). */
HC_API bool hc_bundle_store_behind(const hc_bundle_store *s);

/* Releases the store. NULL is a no-op. */
HC_API void hc_bundle_store_free(hc_bundle_store *s);

/* ---------------------------------------------------------------- make */

/* One issuer key of a bundle: key's public half is written; iss is required
 * (1 to HC_ISS_MAX bytes of UTF-8); the window uses HC_TIME_UNBOUNDED_* for
 * "no bound" (written as an absent field). */
typedef struct {
    const char *iss;
    const hc_key *key;
    int64_t not_before;
    int64_t not_after;
} hc_bundle_key;

/* The i-th key of a trust store (i < hc_trust_count(t), in kid order) as a
 * bundle entry: out->key and out->iss point into t (valid while t lives);
 * iss is "" for a key trusted for any issuer, which a bundle cannot carry
 * (the caller names its issuer). Errors: HC_E_ARG (i out of range, NULL). */
HC_API hc_err hc_bundle_key_from_trust(const hc_trust *t, size_t i, hc_bundle_key *out) HC_WARN_UNUSED;

/* One named venue rule of a bundle: name (1 to HC_BUNDLE_VENUE_NAME_MAX
 * bytes of UTF-8) and the rule as JSON text (json_len bytes, at most
 * HC_BUNDLE_VENUE_JSON_MAX, in the form hc_venue_parse_json reads). */
typedef struct {
    const char *name;
    const char *json;
    size_t json_len;
} hc_bundle_venue;

typedef struct {
    const char *publisher;           /* 1 to HC_BUNDLE_PUBLISHER_MAX bytes */
    uint64_t seq;                    /* 1 .. 2^63-1 */
    int64_t iat, exp;                /* iat < exp */
    const hc_bundle_key *keys;       /* n_keys <= HC_BUNDLE_KEYS_MAX */
    size_t n_keys;
    const hc_revocations *revoked;   /* the full list (NULL: empty) */
    const hc_key *const *next_roots; /* n_next_roots <= HC_BUNDLE_ROOTS_MAX */
    size_t n_next_roots;
    /* a delta: base_revoked is the base bundle's list; the bundle carries
     * revoked minus base_revoked as added and the reverse as removed */
    bool delta;
    uint64_t base_seq;               /* < seq */
    const hc_revocations *base_revoked;
    /* venue rules (a delta carries them whole, as its keys): n_venues <=
     * HC_BUNDLE_VENUES_MAX, distinct names, each text hc_venue_parse_json
     * accepts; written sorted by name (length, then bytes) */
    const hc_bundle_venue *venues;
    size_t n_venues;
} hc_bundle_spec;

/* Makes and signs a bundle with root (a private key). *out is malloc'd
 * (free with hc_free), *len its size. Deterministic for EdDSA roots.
 * Errors: HC_E_ARG (a field out of range, two venue rules of one name),
 * HC_E_VENUE (a venue rule hc_venue_parse_json refuses), HC_E_KEY (root not
 * private), HC_E_LIMIT, HC_E_NOMEM, HC_E_CRYPTO. */
HC_API hc_err hc_bundle_make(const hc_key *root, const hc_bundle_spec *spec, uint8_t **out,
                             size_t *len) HC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif

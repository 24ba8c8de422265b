/*
 * healthcode/verify.h — the checkpoint side: trust store, revocation list,
 * and verification of a token in doc/format.md's eight steps.
 *
 * This header is all a scanner needs; it compiles in the verify-only build
 * (meson -Dissuer=disabled -Drender=disabled -Dcli=disabled -Dscan=disabled).
 *
 * Threads: a loaded hc_trust and hc_revocations are read-only during
 * hc_verify() and may be shared by any number of threads.
 */
#ifndef HEALTHCODE_VERIFY_H
#define HEALTHCODE_VERIFY_H

#include <healthcode/common.h>
#include <healthcode/key.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- trust */

typedef struct hc_trust hc_trust;

/* How a key is trusted. iss NULL (or "") trusts the key for any issuer;
 * not_before/not_after bound the key's validity window, checked against the
 * token's iat: not_before <= iat < not_after (seconds since the epoch,
 * not_after exclusive). "No bound" is HC_TIME_UNBOUNDED_BEFORE (INT64_MIN)
 * and HC_TIME_UNBOUNDED_AFTER (INT64_MAX), never 0: 0 is a real instant
 * (1970-01-01T00:00:00Z), and a key whose window ends there is trusted for
 * nothing. not_before must be below not_after (else HC_E_ARG).
 * HC_TRUST_KEY_OPTS_DEFAULT is any issuer, no window (what opts NULL means). */
#define HC_TIME_UNBOUNDED_BEFORE INT64_MIN
#define HC_TIME_UNBOUNDED_AFTER INT64_MAX
typedef struct {
    const char *iss;
    int64_t not_before;
    int64_t not_after;
} hc_trust_key_opts;
#define HC_TRUST_KEY_OPTS_DEFAULT { NULL, HC_TIME_UNBOUNDED_BEFORE, HC_TIME_UNBOUNDED_AFTER }

/* An empty trust store. Free with hc_trust_free(). */
HC_API hc_err hc_trust_new(hc_trust **out) HC_WARN_UNUSED;

/* Adds the public key in PEM text (SPKI; a private key's public half is
 * taken too). opts may be NULL: any issuer, no window. The key verifies only
 * its own algorithm (P-256 → ES256, Ed25519 → EdDSA). Keys are indexed by kid;
 * keys that share a kid are all kept and all tried.
 * Errors: HC_E_KEY, HC_E_NOMEM, HC_E_ARG (as hc_trust_add_key). */
HC_API hc_err hc_trust_add_pem(hc_trust *t, const char *pem, size_t len,
                               const hc_trust_key_opts *opts) HC_WARN_UNUSED;

/* Adds a key already loaded (its public half is copied). opts as for
 * hc_trust_add_pem. Errors: HC_E_ARG (iss over HC_ISS_MAX bytes,
 * not_before >= not_after), HC_E_NOMEM. */
HC_API hc_err hc_trust_add_key(hc_trust *t, const hc_key *key,
                               const hc_trust_key_opts *opts) HC_WARN_UNUSED;

/* Adds what path names: a PEM file, or a directory whose *.pem files are each
 * one public key (other files are ignored; a directory with no .pem is an
 * error), or a trust-list JSON file (*.json; see hc_trust_add_list_json; every
 * build, the verify-only one included, reads it). diag, if given, names the
 * file. Only regular files are read (a FIFO or a device is HC_E_IO, refused
 * without blocking or reading), and a file over its bound is refused by its
 * size before it is read.
 * A PEM file holding a private key (its public half is taken) must not be
 * readable by group or others, as for hc_key_load_file (HC_E_KEY_PERMS).
 * Bounds: a PEM file over 64 KiB, or a directory with more than 4096 .pem
 * files, is HC_E_LIMIT (a trust-list file: as hc_trust_add_list_json).
 * Errors: HC_E_IO, HC_E_KEY, HC_E_KEY_PERMS, HC_E_TRUST_LIST, HC_E_LIMIT. */
HC_API hc_err hc_trust_add_path(hc_trust *t, const char *path, hc_diag *diag) HC_WARN_UNUSED;

/* Adds the keys of a trust-list JSON text (len bytes; need not be
 * NUL-terminated): {"version":1,"entries":[{"issuer","kid","alg",
 * "public_key","not_before","not_after"}…]}, format in doc/checkpoint.md.
 * Every entry is checked (the PEM parses as a public key, its kid is the
 * declared kid, alg is the key's, not_before < not_after) before any key is
 * added: a list with one bad entry adds nothing. diag->field names the entry
 * ("entries[3].public_key"). A bound absent or null is no bound
 * (HC_TIME_UNBOUNDED_*); 0 and every date are instants; a date without a
 * time is its midnight at UTC+08:00 (the rule of hc_time_parse). No object
 * may hold a key twice. Read by the library's own JSON reader: the
 * verify-only build has it (no jansson).
 * Bounds: a text over 4 MiB or more than 4096 entries is HC_E_LIMIT (the
 * size before parsing); nesting deeper than 32, or an object with more than
 * 64 members, is HC_E_TRUST_LIST.
 * Errors: HC_E_TRUST_LIST, HC_E_LIMIT, HC_E_NOMEM. */
HC_API hc_err hc_trust_add_list_json(hc_trust *t, const char *json, size_t len,
                                     hc_diag *diag) HC_WARN_UNUSED;

/* Number of keys held. */
HC_API size_t hc_trust_count(const hc_trust *t);

/* Releases the store and its keys. NULL is a no-op. */
HC_API void hc_trust_free(hc_trust *t);

/* ------------------------------------------------------------ revocation */

typedef struct hc_revocations hc_revocations;

/* An empty list. Free with hc_revocations_free(). */
HC_API hc_err hc_revocations_new(hc_revocations **out) HC_WARN_UNUSED;

/*
 * Revocation lists hold revoked token ids (cti, 8 bytes) and revoked subject
 * pseudonyms (sub, 16 bytes), each sorted and without duplicates: a lookup is
 * a binary search that allocates nothing, and a cti costs 8 bytes of memory.
 *
 * Text form: one hex id a line (either case) — 16 hex digits for a cti, 32
 * for a sub. Blank lines are skipped; '#' starts a comment (a whole line, or
 * after an id). A daily delta is a text whose lines may start with '-'
 * (remove the id) or '+' (add it; the same as no sign). Within one text the
 * additions are applied first, then the removals. Ids already present are not
 * added twice; removing an id that is not present is not an error.
 *
 * Binary form ("HCRV1"), for fast loading; all integers big-endian:
 *   offset 0   8 bytes   magic "HCRV1\0\0\0"
 *   offset 8   uint64    n_cti
 *   offset 16  uint64    n_sub
 *   offset 24  n_cti × 8 bytes   the cti values, strictly increasing (as bytes)
 *   then       n_sub × 16 bytes  the sub values, strictly increasing (as bytes)
 * The file is exactly 24 + 8·n_cti + 16·n_sub bytes; a loader refuses any
 * other size, an unsorted or duplicated entry (HC_E_REVOCATION_LIST).
 * hc_revocations_save_binary() writes it; `hc_revocations_load` recognises it.
 */

/* Adds entries from text in the form above (a '-' line removes).
 * diag names the line of a malformed entry (diag->line). On error r is unchanged.
 * Errors: HC_E_REVOCATION_LIST, HC_E_LIMIT (a text over 1 GiB), HC_E_NOMEM. */
HC_API hc_err hc_revocations_add_text(hc_revocations *r, const char *text, size_t len,
                                      hc_diag *diag) HC_WARN_UNUSED;

/* Removes the ids in text (same form as above; a leading '-' is allowed,
 * '+' is an error). Ids not on the list are ignored. The same effect as
 * hc_revocations_add_text() with every line prefixed by '-'.
 * Errors: HC_E_REVOCATION_LIST, HC_E_NOMEM. */
HC_API hc_err hc_revocations_remove_text(hc_revocations *r, const char *text, size_t len,
                                         hc_diag *diag) HC_WARN_UNUSED;

/* Reads a revocation file, text or binary (as above; recognised by
 * its magic), and adds it to r. On error r is unchanged.
 * Errors: HC_E_IO, HC_E_REVOCATION_LIST, HC_E_LIMIT (a text file over 1 GiB),
 * HC_E_NOMEM. */
HC_API hc_err hc_revocations_load(hc_revocations *r, const char *path, hc_diag *diag) HC_WARN_UNUSED;

/* Writes r in the binary form to path (mode 0644), atomically (temporary
 * file, fsync, rename). Errors: HC_E_IO, HC_E_NOMEM, HC_E_ARG. */
HC_API hc_err hc_revocations_save_binary(const hc_revocations *r, const char *path) HC_WARN_UNUSED;

/* true if the 8-byte cti is revoked. */
HC_API bool hc_revocations_has_cti(const hc_revocations *r, const uint8_t cti[8]);

/* true if the 16-byte sub is revoked. */
HC_API bool hc_revocations_has_sub(const hc_revocations *r, const uint8_t sub[16]);

/* Number of entries (cti and sub). */
HC_API size_t hc_revocations_count(const hc_revocations *r);

/* Releases the list. NULL is a no-op. */
HC_API void hc_revocations_free(hc_revocations *r);

/* ------------------------------------------------------------ the claims */

#define HC_ISS_MAX 32
#define HC_NAM_MAX 64
#define HC_DOC_MAX 32

/* What a token says, copied out into caller memory (no pointers inside). */
typedef struct {
    hc_alg alg;                   /* from the protected header */
    uint8_t kid[HC_KID_LEN];      /* from the protected header */
    char iss[HC_ISS_MAX + 1];     /* NUL-terminated */
    int64_t iat;
    int64_t exp;
    uint8_t cti[8];
    hc_colour colour;
    bool has_sub;
    uint8_t sub[16];
    char nam[HC_NAM_MAX + 1];     /* "" when absent */
    char doc[HC_DOC_MAX + 1];     /* "" when absent */
    uint32_t reg;                 /* 0 when absent */
    int knd;                      /* 0 domestic (also when absent), 1 international */
    /* Which steps completed: lets a caller report what it knows of a bad token. */
    bool header_ok;               /* alg and kid are filled */
    bool claims_ok;               /* the claims fields are filled */
    /* Holder binding (doc/format.md, "The cnf claim"): filled with the claims. */
    bool bound;                   /* the token has a cnf: it is bound to a device key */
    hc_alg device_alg;            /* the cnf key's algorithm, which a presentation must use
                                     (ES256 for P-256, EdDSA, SM2); 0 when unbound */
    uint8_t device_x[32];         /* the cnf key: x (big-endian; Ed25519: the public key) */
    bool device_ybit;             /* the cnf key: the lowest bit of y (EC keys; else false) */
    /* Live presentations ("HCLIVE1:", doc/format.md P1–P5). */
    bool presented;               /* the text was a presentation whose shape (P1) was read */
    bool live;                    /* it passed P1–P5: shown live by the bound device */
    int64_t t;                    /* the presentation's t, once P1 has read it (else 0) */
} hc_claims;

/* -------------------------------------------------------- verification */

typedef struct {
    int64_t skew_s;                     /* clock allowance, seconds (doc/format.md step 7) */
    const hc_revocations *revoked;      /* NULL: no revocation list */
    /* live presentations (doc/format.md P5): |now - t| <= live_window_s, 1 to
     * HC_LIVE_WINDOW_MAX_S seconds; 0 means HC_DEFAULT_LIVE_WINDOW_S (so that
     * an initialiser written before these fields keeps the default) */
    int64_t live_window_s;
    bool require_live;                  /* a plain "HCODE1:" token is HC_E_NOT_LIVE */
} hc_verify_opts;

#define HC_DEFAULT_SKEW_S 300
#define HC_DEFAULT_LIVE_WINDOW_S 60
#define HC_LIVE_WINDOW_MAX_S 300

/* The prefix of a live presentation's text (doc/format.md). */
#define HC_LIVE_PREFIX "HCLIVE1:"

/* Longest lifetime (exp - iat) a verifier accepts: 30 days (doc/format.md step
 * 7). A key that leaks after it is retired can then only mint tokens that
 * die within 30 days of its window, whatever iat they claim. */
#define HC_LIFETIME_MAX_S 2592000
#define HC_VERIFY_OPTS_DEFAULT { HC_DEFAULT_SKEW_S, NULL, HC_DEFAULT_LIVE_WINDOW_S, false }

/*
 * Verifies text (len bytes; need not be NUL-terminated) at time now, in the
 * order of doc/format.md: prefix, base45, COSE shape, alg and kid, signature (and
 * the signing key's issuer and window), claims, time, revocation. Returns
 * HC_OK only if all pass. opts NULL means HC_VERIFY_OPTS_DEFAULT.
 *
 * text is a token ("HCODE1:…") or a live presentation ("HCLIVE1:…", made by
 * the holder's device with hc_present). A presentation is verified in the
 * order of doc/format.md's P1–P5:
 *   P1  its shape (base45, one COSE_Sign1 {1: alg} over [token, t], step 3's
 *       strictness): else HC_E_PRESENTATION (every fault of P1);
 *   P2  the token inside passes steps 3 to 8 at now: else that step's error;
 *   P3  the token is bound (has a cnf): else HC_E_UNBOUND; the presentation's
 *       alg is the cnf key's: else HC_E_DEVICE_ALG;
 *   P4  the device signature verifies with the cnf key: else
 *       HC_E_DEVICE_SIGNATURE;
 *   P5  |now - t| <= the live window: else HC_E_STALE (a t in the future too).
 * Then out->live is true. A plain token is valid (live false, bound as its
 * cnf says) unless opts->require_live: then HC_E_NOT_LIVE, once all eight
 * steps have passed. A bound token's cnf must be a key on its curve (step 6,
 * else HC_E_CLAIMS), whichever way it is shown.
 *
 * out is always written: on error it holds what was learnt before the failing
 * step (see header_ok / claims_ok / presented) and must not be trusted.
 *
 * Allocation: hc_verify parses in place on the stack and allocates nothing
 * itself; only OpenSSL may allocate inside the signature checks and when a
 * bound token's cnf point is made into a key (decompressed and checked).
 * Stack: a presentation needs two buffers of the largest COSE_Sign1 (about
 * 5.5 KiB).
 *
 * Step 7 checks, in this order: iat <= exp and exp - iat <=
 * HC_LIFETIME_MAX_S (else HC_E_LIFETIME, whatever now is), then
 * iat - skew <= now (HC_E_NOT_YET_VALID) and now < exp + skew
 * (HC_E_EXPIRED).
 *
 * Errors: HC_E_ARG (also a live window below 0 or above
 * HC_LIVE_WINDOW_MAX_S), HC_E_LIMIT (text over HC_TOKEN_MAX), then the
 * verification errors of common.h, each for its step.
 */
HC_API hc_err hc_verify(const hc_trust *trust, const char *text, size_t len, int64_t now,
                        const hc_verify_opts *opts, hc_claims *out) HC_WARN_UNUSED;

/*
 * Decodes a token WITHOUT verifying it (steps 1–3 and the claims shape of
 * step 6): for display and debugging only. Nothing it returns may be trusted.
 * A presentation ("HCLIVE1:") is decoded too: its shape (P1, setting
 * presented and t), then the token inside it; no signature is checked and
 * live stays false.
 */
HC_API hc_err hc_inspect(const char *text, size_t len, hc_claims *out) HC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif

/*
 * healthcode/register.h — the issuer's register (issuer side, meson -Dregister).
 *
 * The register is an SQLite database that records every code an issuer
 * makes, the corrections that replace a wrong code, the revocations, and the
 * purges of personal columns, each as an event of a hash chain whose head is
 * signed with the issuer's key. Its schema is documented in doc/register.md
 * so that operators can query it with plain SQL; no reasons, travel or health
 * data go in it (those stay in the province's own records, as in the token).
 *
 * Who uses it:
 *   issuing      hc_register_record() after hc_issue(), or hc_batch_opts.reg
 *                for a batch (batch.h): every code recorded exactly once;
 *   correcting   hc_register_lookup() the wrong code, assess the corrected
 *                record and hc_issue() its new token, then
 *                hc_register_correct(): the new code, the correction and the
 *                revocation of the old cti, in one transaction or not at all;
 *   revoking     hc_register_revoke(), then hc_register_revocations() gives
 *                the text list that verify --revoked and bundle make read;
 *   auditing     hc_register_audit() with the issuer's public key(s);
 *   reporting    hc_register_stats_get() (and hc_register_chart());
 *   retention    hc_register_purge() clears the personal columns of codes
 *                that expired before a date; counts and the chain stay.
 *
 * Every function that writes takes the write lock with BEGIN IMMEDIATE,
 * waits for another writer up to the busy timeout (10 s unless set; then
 * HC_E_REGISTER_BUSY), appends its events to the chain, signs the new head
 * with the key of hc_register_set_key() and commits — or, on any error,
 * rolls back and leaves the register as it was. The database is in WAL mode
 * with synchronous=FULL: readers never wait for a writer, a batch and a
 * correction can write the same register from two processes, and a commit
 * that returned is on disk. A full disk or a read-only file fails the call
 * (HC_E_IO, diag says which) without losing anything already committed.
 *
 * Threads: an hc_register is one SQLite connection; use it from one thread
 * at a time (open one per thread or process; they share the file safely).
 *
 * Identifiers in and out are lower-case hex text: a cti is 16 hex digits, a
 * sub 32, a kid 16 (upper case is accepted on input).
 */
#ifndef HEALTHCODE_REGISTER_H
#define HEALTHCODE_REGISTER_H

#include <healthcode/common.h>
#include <healthcode/key.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hc_register hc_register;

/* The schema version this library reads and writes (PRAGMA user_version). */
#define HC_REGISTER_SCHEMA_VERSION 1

/* hc_register_open flags. */
#define HC_REGISTER_CREATE 1u     /* make the file (mode 0600) and its schema if it does not exist */
#define HC_REGISTER_READ_ONLY 2u  /* open for reading only (lookups, revocations, audit, stats) */

/*
 * Opens the register at path. With HC_REGISTER_CREATE a missing file is made
 * with the schema; without it a missing file is HC_E_IO. An existing file
 * must be a register of this schema version.
 * Errors (diag says why, naming the file):
 *   HC_E_IO       missing (without CREATE), unreadable, or cannot be created;
 *   HC_E_REGISTER not an SQLite database, corrupt, or an SQLite database
 *                 that is not a register (another application id, a table missing);
 *   HC_E_REGISTER_VERSION  a register of another schema version;
 *   HC_E_REGISTER_BUSY     the schema could not be made within the busy timeout;
 *   HC_E_ARG, HC_E_NOMEM.
 * Free with hc_register_free().
 */
HC_API hc_err hc_register_open(const char *path, unsigned flags, hc_register **out,
                               hc_diag *diag) HC_WARN_UNUSED;

/* Closes the register (and releases its key reference). NULL is a no-op. */
HC_API void hc_register_free(hc_register *reg);

/* The key that signs the chain's heads: the issuer's private key (a PEM
 * file key or a PKCS#11 token key, hc_key_load_file). The register takes its
 * own reference. Every function that writes needs it (else HC_E_ARG).
 * Errors: HC_E_ARG, HC_E_KEY (no private half), HC_E_PKCS11*, HC_E_NOMEM. */
HC_API hc_err hc_register_set_key(hc_register *reg, const hc_key *key) HC_WARN_UNUSED;

/* How long a writer waits for another writer's lock before
 * HC_E_REGISTER_BUSY, in milliseconds (default 10000; 0: do not wait). */
HC_API hc_err hc_register_set_busy_timeout(hc_register *reg, int ms) HC_WARN_UNUSED;

/* The register's identifier (32 hex digits, made when the file was created;
 * signed into every head so that heads cannot move between registers).
 * buf: at least 33 bytes. */
HC_API hc_err hc_register_id(const hc_register *reg, char *buf, size_t cap) HC_WARN_UNUSED;

/* ------------------------------------------------------------ the codes */

/* One row of the codes table (doc/register.md), as hc_register_lookup gives it. */
typedef struct {
    int64_t seq;               /* the event's sequence number in the chain */
    char cti[17];              /* 16 hex digits */
    char sub[33];              /* 32 hex digits; "" when the token had none or it was purged */
    char iss[33];
    char kid[17];              /* the kid of the key that signed the token */
    hc_colour colour;
    int64_t iat, exp;
    uint32_t region;           /* the token's reg (GB/T 2260 code); 0 when none or purged */
    int kind;                  /* the token's knd: 0 domestic, 1 international */
    char doc[33];              /* the masked document number; "" when none or purged */
    char batch[17];            /* the batch it came from; "" for a single issue or a correction */
    uint64_t line;             /* its input line in that batch; 0 when not from a batch */
    bool revoked;              /* its cti, or its sub, is revoked in the register */
    bool purged;               /* its personal columns were cleared by a purge */
} hc_register_code;

/*
 * Records one issued token (the text hc_issue wrote, len bytes) as a row of
 * codes: its cti, sub, iss, kid, colour, iat, exp, reg (region), knd (kind)
 * and masked document, read from the token itself (it is decoded, not
 * verified: the caller has just signed it). One event, one signed head.
 * Errors: HC_E_ARG (no key set, NULL), the token's decoding errors
 * (HC_E_PREFIX … HC_E_CLAIMS), HC_E_IO (read-only file, full disk),
 * HC_E_REGISTER_BUSY, HC_E_REGISTER, HC_E_NOMEM, the key's signing errors.
 */
HC_API hc_err hc_register_record(hc_register *reg, const char *token, size_t len,
                                 hc_diag *diag) HC_WARN_UNUSED;

/* The code with this cti (16 hex digits). HC_E_REGISTER_UNKNOWN if the
 * register has none; HC_E_ARG for a cti that is not 16 hex digits. */
HC_API hc_err hc_register_lookup(hc_register *reg, const char *cti,
                                 hc_register_code *out) HC_WARN_UNUSED;

/* ---------------------------------------------- corrections, revocations */

/* Who does an act on the register, why, and when. Text is UTF-8 without
 * control characters; operator_id 1-128 bytes, reason 1-1024 bytes,
 * evidence NULL or 1-1024 bytes (a case number, a document's reference).
 * Only purges take reason NULL. No health data belongs in reason: it says
 * why the code was wrong ("the trip of 2020-01-20 was not taken, ticket
 * refunded"), the province's own records keep the rest. */
typedef struct {
    const char *operator_id;   /* who (an operator's id): required */
    const char *reason;        /* why: required for corrections and revocations */
    const char *evidence;      /* optional */
    int64_t now;               /* when (seconds since the epoch): the event's `at` */
} hc_register_action;

/* What a correction did. */
typedef struct {
    hc_register_code old_code; /* the code corrected, as it was (now revoked) */
    char new_cti[17];
    hc_colour new_colour;
    int64_t seq;               /* the correction's event */
} hc_register_correction;

/*
 * Corrects the code old_cti with new_token (the token of the corrected
 * record, just issued; len bytes): records the new code, a corrections row
 * (old cti, new cti, operator, reason, evidence, at) and the revocation of
 * old_cti (same operator and reason), and signs the head, in one
 * transaction. Refused with nothing written:
 *   HC_E_ARG               empty or over-long operator or reason, no key set,
 *                          old_cti not 16 hex digits, the new token's cti
 *                          already in the register;
 *   HC_E_REGISTER_UNKNOWN  no code with old_cti;
 *   HC_E_REGISTER_REVOKED  old_cti (or its sub) is already revoked;
 *   HC_E_SUBJECT_MISMATCH  the new token is not the old code's subject: by
 *                          sub when the old code has one (the new token must
 *                          carry the same sub: issue it with the same subject
 *                          secret), else by the masked document; an old code
 *                          whose personal columns were purged cannot be matched;
 *   the token's decoding errors, HC_E_IO, HC_E_REGISTER_BUSY, HC_E_NOMEM.
 * out may be NULL. diag says why in a sentence.
 */
HC_API hc_err hc_register_correct(hc_register *reg, const char *old_cti, const char *new_token,
                                  size_t len, const hc_register_action *act,
                                  hc_register_correction *out, hc_diag *diag) HC_WARN_UNUSED;

/*
 * Revokes one code by its cti, or every code of a subject by its sub
 * (exactly one of cti and sub non-NULL), recording a revocations row with
 * act's operator, reason and time. *seq (may be NULL) gets the event's
 * sequence number (what hc_register_revocations' since counts from).
 * Errors: HC_E_ARG (both or neither, not hex of the right length, empty
 * operator or reason, no key), HC_E_REGISTER_UNKNOWN (no code has it),
 * HC_E_REGISTER_REVOKED (already revoked), HC_E_IO, HC_E_REGISTER_BUSY.
 * Revoking by sub reads the whole codes table (no index on sub): about
 * a second per 10 million codes.
 */
HC_API hc_err hc_register_revoke(hc_register *reg, const char *cti, const char *sub,
                                 const hc_register_action *act, int64_t *seq,
                                 hc_diag *diag) HC_WARN_UNUSED;

/* What a revocation list holds. */
typedef struct {
    size_t n_cti, n_sub;       /* ids written */
    int64_t since;             /* the since it was asked for */
    int64_t last_seq;          /* the last revocation's seq in the list (since if none):
                                  the since of the next delta */
} hc_register_revocations_info;

/*
 * The revocation list in the text form of verify.h (one id a line: 16 hex
 * digits for a cti, 32 for a sub; '#' comments), of every revocation whose
 * seq is above since (0: all): what hc_revocations_load, `verify --revoked`
 * and `bundle make --revoked` read. *text is allocated (NUL-terminated,
 * *len without the NUL; free with hc_free). info may be NULL.
 * Errors: HC_E_ARG (since < 0), HC_E_REGISTER, HC_E_NOMEM.
 */
HC_API hc_err hc_register_revocations(hc_register *reg, int64_t since, char **text, size_t *len,
                                      hc_register_revocations_info *info) HC_WARN_UNUSED;

/* ---------------------------------------------------------------- audit */

typedef struct {
    const hc_key *const *keys; /* the issuer's public keys (or key pairs) that may sign heads */
    size_t n_keys;
    /* A head kept outside the register (printed by an earlier audit, or
     * published): when expect_seq > 0 the chain must hold an event
     * expect_seq whose chain hash is expect_hash. This is what catches a
     * rewrite by someone holding the signing key. */
    int64_t expect_seq;
    uint8_t expect_hash[32];
} hc_register_audit_opts;

/* What an audit found. */
typedef struct {
    uint64_t events;           /* events checked, in chain order */
    uint64_t heads;            /* signed heads checked */
    int64_t last_seq;          /* the last event's seq (0: an empty register) */
    uint8_t head_hash[32];     /* the chain hash at last_seq: keep it outside (expect_hash) */
    int64_t bad_seq;           /* the first event that does not match; 0 when the
                                  fault is not one event's (a head, the end) */
    char where[96];            /* the first row that does not match:
                                  "codes seq 17 (cti 0011223344556677)", "heads seq 40" */
    char message[256];         /* what does not match, in a sentence */
} hc_register_audit_report;

/*
 * Checks every event of the chain, in sequence order, against its chain
 * hash (the previous hash and the event's canonical bytes, doc/register.md),
 * the personal columns of each code against the digest the chain holds (a
 * code whose columns a purge cleared passes), every signed head against the
 * chain and one of opts->keys, that the last head covers the last event, and
 * that the counts stats reads equal the codes by day and colour.
 * HC_OK: every check passed. HC_E_AUDIT: report names the first row that
 * does not match (an updated, deleted, inserted or reordered row, a forged
 * or missing head). report is filled either way.
 * Errors: HC_E_AUDIT, HC_E_ARG (no keys), HC_E_REGISTER, HC_E_NOMEM.
 */
HC_API hc_err hc_register_audit(hc_register *reg, const hc_register_audit_opts *opts,
                                hc_register_audit_report *report) HC_WARN_UNUSED;

/* ---------------------------------------------------------------- stats */

typedef enum {
    HC_STATS_TOTAL = 0,        /* one row: everything */
    HC_STATS_BY_DAY = 1,       /* the day of iat at UTC+08:00 */
    HC_STATS_BY_PROVINCE = 2,  /* the province of the code's region (XX0000) */
    HC_STATS_BY_PREFECTURE = 3 /* the prefecture of the code's region (XXXX00) */
} hc_stats_by;

typedef struct {
    /* by day: days since 1970-01-01 (an hc_day: hc_day_format writes it);
     * by province or prefecture: the GB/T 2260 code, 0 for codes issued
     * without a region; HC_STATS_TOTAL: 0 */
    int64_t key;
    uint64_t issued[3];        /* codes issued, by colour: [HC_GREEN], [HC_YELLOW], [HC_RED] */
} hc_stats_row;

typedef struct {
    hc_stats_by by;
    uint64_t issued[3];        /* all codes issued (corrections' new codes included) */
    uint64_t corrections;      /* rows of corrections */
    uint64_t revoked_cti, revoked_sub; /* rows of revocations, by kind */
    size_t n_rows;
    hc_stats_row *rows;        /* n_rows rows in key order; owned by the stats */
} hc_register_stats;

/*
 * Counts the codes issued by colour, grouped by `by`, from the register's
 * counts table (a summary kept by every write, so that stats never reads
 * the codes themselves: milliseconds over 10 million codes; purges keep
 * it). Free with hc_register_stats_free().
 * Errors: HC_E_ARG, HC_E_REGISTER, HC_E_NOMEM.
 */
HC_API hc_err hc_register_stats_get(hc_register *reg, hc_stats_by by,
                                    hc_register_stats **out) HC_WARN_UNUSED;

/* Releases stats. NULL is a no-op. */
HC_API void hc_register_stats_free(hc_register_stats *s);

/* Chart formats of hc_register_chart. */
typedef enum { HC_CHART_SVG = 0, HC_CHART_PNG = 1 } hc_chart_format;

/*
 * Draws stats (by day, province or prefecture) as stacked bars of green,
 * yellow and red — the bands' colours of render.h — with Chinese and English
 * labels, drawn with cairo, and writes it atomically (mode 0644) to path.
 * Drawn from the counts, never from tokens. A build without cairo answers
 * HC_E_UNSUPPORTED (HC_WITH_REGISTER_CHART in features.h says which).
 * Errors: HC_E_ARG (HC_STATS_TOTAL, NULL), HC_E_UNSUPPORTED, HC_E_IO, HC_E_NOMEM.
 */
HC_API hc_err hc_register_chart(const hc_register_stats *s, hc_chart_format format,
                                const char *path) HC_WARN_UNUSED;

/* ------------------------------------------------------------ retention */

/*
 * Clears the personal columns (sub, region, doc) of every code that expired
 * before `before` (exp < before), records a purge event (before, operator,
 * at, rows) and signs the head. The counts stay, and the chain still
 * verifies: it holds a digest of the personal columns, and the audit accepts
 * a code whose columns are empty when a later purge covers its exp.
 * act->reason and act->evidence are not used. *rows (may be NULL) = codes cleared.
 * Errors: HC_E_ARG (no key, no operator, before < 0), HC_E_IO,
 * HC_E_REGISTER_BUSY, HC_E_REGISTER.
 */
HC_API hc_err hc_register_purge(hc_register *reg, int64_t before, const hc_register_action *act,
                                uint64_t *rows, hc_diag *diag) HC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif

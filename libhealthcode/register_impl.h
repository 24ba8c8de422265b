/* register_impl.h — the register's insides, shared by its rooms:
 *   register.c        opening, the schema, the handle, taking the write lock
 *   register_code.c   recording codes (one, or a batch's rows), lookups, revocation rows
 *   register_act.c    corrections, revocations, the revocation list, purges
 *   register_audit.c  the hash chain: canonical bytes, signed heads (the commit), the audit
 *   register_stats.c  the counts summary and stats (register_chart.c draws them)
 * and by the batch (batch_register.c). Not installed. doc/register.md
 * documents the schema and the chain for operators. */
#ifndef HC_REGISTER_IMPL_H
#define HC_REGISTER_IMPL_H

#include <healthcode/register.h>
#include <healthcode/verify.h>

#include <sqlite3.h>

#include "crypto_impl.h"

/* The application id in the file's header ("HCRG"): a register, not some
 * other SQLite database. */
#define HC_REG_APP_ID 0x48435247

/* The statements every write uses, prepared once per handle. */
enum {
    ST_INSERT_CODE, ST_COUNT_ADD, ST_INSERT_HEAD, ST_LAST_HEAD, ST_FIND_CTI, ST_BATCH_ADD,
    ST__COUNT
};

struct hc_register {
    sqlite3 *db;
    bool read_only;
    char id[33];                 /* meta 'id' */
    char path[4096];             /* for messages */
    hc_key *key;                 /* signs heads (our reference); NULL until set */
    hc_signer *signer;
    sqlite3_stmt *st[ST__COUNT]; /* prepared on first use */
    hc_sha256 *sha;              /* the chain's digests */
};

/* The chain's head inside a write transaction: the last event's seq and
 * its chain hash (zeros before the first event). */
typedef struct {
    int64_t seq;
    uint8_t hash[32];
    int64_t first_seq;           /* the first event this transaction appends */
} hc_reg_head;

/* ---- register.c: transactions and SQL helpers */

/* BEGIN IMMEDIATE (waiting up to the busy timeout) and reads the head.
 * HC_E_ARG without a key, HC_E_IO read-only, HC_E_REGISTER_BUSY. */
hc_err hc_reg_begin(hc_register *reg, hc_reg_head *head, hc_diag *diag);
void hc_reg_rollback(hc_register *reg);
/* The error for an SQLite result code, with diag naming what was done:
 * SQLITE_BUSY → HC_E_REGISTER_BUSY, SQLITE_FULL/READONLY/IOERR/CANTOPEN →
 * HC_E_IO, SQLITE_NOMEM → HC_E_NOMEM, others HC_E_REGISTER. */
hc_err hc_reg_sql_error(hc_register *reg, int rc, hc_diag *diag, const char *doing);
/* A statement of the handle's cache, reset and with its bindings cleared. */
sqlite3_stmt *hc_reg_stmt(hc_register *reg, int which);
/* Runs SQL without results. */
int hc_reg_exec(hc_register *reg, const char *sql);
/* Prepares an INSERT of an event (the caller binds it), or fills diag. */
hc_err hc_reg_prepare(hc_register *reg, const char *sql, sqlite3_stmt **st, const char *doing,
                      hc_diag *diag);
/* Runs st, the INSERT of event seq whose chain hash is hash (finalized
 * here), and moves the head to it. */
hc_err hc_reg_append(hc_register *reg, hc_reg_head *head, sqlite3_stmt *st, int64_t seq,
                     const uint8_t hash[32], const char *doing, hc_diag *diag);

/* Room for one more element in the array *arr of *cap elements of size
 * bytes, n of them used: doubled (first when empty). false out of memory
 * (*arr unchanged). */
bool hc_reg_grow(void *arr, size_t n, size_t *cap, size_t size, size_t first);
/* Checks act's texts (operator 1-128, reason 1-1024 when need_reason,
 * evidence NULL or 1-1024; UTF-8 without control characters). */
hc_err hc_reg_check_action(const hc_register_action *act, bool need_reason, hc_diag *diag);

/* ---- register_code.c: codes */

/* A code row from a token's claims (hc_inspect). */
void hc_reg_code_from_claims(const hc_claims *c, hc_register_code *code);
/* Appends code as the next event (its seq and chain are set here). Inside
 * a transaction; the counts are the caller's (hc_reg_count_add), so that a
 * batch adds a chunk's codes to them in a few rows. */
hc_err hc_reg_insert_code(hc_register *reg, hc_reg_head *head, hc_register_code *code,
                          hc_diag *diag);
/* Reads a code by cti (the first, if a cti was drawn twice). HC_E_REGISTER_UNKNOWN. */
hc_err hc_reg_find_code(hc_register *reg, const char *cti, hc_register_code *out);
/* true if the cti, or the sub when not empty, has a revocations row. */
hc_err hc_reg_is_revoked(hc_register *reg, const char *cti, const char *sub, bool *revoked);
/* Inserts a revocations row (exactly one of cti and sub) as the next event. */
hc_err hc_reg_insert_revocation(hc_register *reg, hc_reg_head *head, const char *cti,
                                const char *sub, const hc_register_action *act, hc_diag *diag);

/* A batch's codes (register_code.c; batch_register.c drives them): rows added as the batch writes its
 * lines, inserted and signed in one transaction per commit. */
typedef struct hc_reg_batch hc_reg_batch;
hc_err hc_reg_batch_new(hc_register *reg, const char *batch_id, hc_reg_batch **out);
/* The batch's rows already in the register: the highest line and how many. */
hc_err hc_reg_batch_state(hc_reg_batch *b, uint64_t *last_line, uint64_t *rows, hc_diag *diag);
/* Buffers the code of one token line: its token decoded, or its claims. */
hc_err hc_reg_batch_add(hc_reg_batch *b, uint64_t line, const char *token, size_t len);
hc_err hc_reg_batch_add_claims(hc_reg_batch *b, uint64_t line, const hc_claims *c);
size_t hc_reg_batch_pending(const hc_reg_batch *b);
/* Inserts the buffered rows, adds them to the counts and signs the head;
 * the buffer is emptied only when the commit succeeded. */
hc_err hc_reg_batch_commit(hc_reg_batch *b, int64_t now, hc_diag *diag);
void hc_reg_batch_free(hc_reg_batch *b);

/* ---- register_audit.c: the chain */

/* The canonical bytes of an event: fields each as a 4-byte big-endian
 * length and its bytes (doc/register.md). */
typedef struct {
    uint8_t buf[32 + 4096];      /* the previous hash, then the fields */
    size_t len;                  /* of buf, the 32 bytes included */
    bool overflow;
} hc_reg_canon;

void hc_reg_canon_start(hc_reg_canon *c, const uint8_t prev[32], const char *kind, int64_t seq);
void hc_reg_canon_str(hc_reg_canon *c, const char *s);   /* NULL: the empty field */
void hc_reg_canon_int(hc_reg_canon *c, int64_t v);       /* decimal */
/* hash = SHA-256(prev || fields). HC_E_LIMIT on overflow. */
hc_err hc_reg_canon_hash(hc_register *reg, const hc_reg_canon *c, uint8_t hash[32]);

/* The digest of a code's personal columns that the chain holds. */
hc_err hc_reg_personal_digest(hc_register *reg, const hc_register_code *code, uint8_t out[32]);
/* The chain hash of each kind of event, from its columns. */
hc_err hc_reg_chain_code(hc_register *reg, const uint8_t prev[32], const hc_register_code *code,
                         const uint8_t personal[32], uint8_t hash[32]);
hc_err hc_reg_chain_correction(hc_register *reg, const uint8_t prev[32], int64_t seq, const char *old_cti,
                               const char *new_cti, const char *op, const char *reason,
                               const char *evidence, int64_t at, uint8_t hash[32]);
hc_err hc_reg_chain_revocation(hc_register *reg, const uint8_t prev[32], int64_t seq, const char *cti,
                               const char *sub, const char *reason, const char *op, int64_t at,
                               uint8_t hash[32]);
hc_err hc_reg_chain_purge(hc_register *reg, const uint8_t prev[32], int64_t seq, int64_t before, const char *op,
                          int64_t at, int64_t rows, uint8_t hash[32]);
/* Signs the head (if the transaction appended events), inserts it into
 * heads and COMMITs. On failure the transaction is rolled back. */
hc_err hc_reg_commit(hc_register *reg, const hc_reg_head *head, int64_t now, hc_diag *diag);
/* The bytes a head's signature covers: "hc-register head v1", the
 * register id, seq, hash, at. out: at least HC_REG_HEAD_MSG_MAX bytes. */
#define HC_REG_HEAD_MSG_MAX 160
size_t hc_reg_head_message(const char *reg_id, int64_t seq, const uint8_t hash[32], int64_t at,
                           uint8_t *out);

/* ---- register_stats.c: the counts summary */

/* The day of an instant at UTC+08:00 (days since 1970-01-01). */
int64_t hc_reg_day(int64_t t);
/* Adds n to the counts row of (day of iat, prefecture of region, colour). */
hc_err hc_reg_count_add(hc_register *reg, int64_t day, uint32_t region, hc_colour colour, int64_t n,
                        hc_diag *diag);
/* The prefecture (XXXX00) of a region code; 0 stays 0. */
uint32_t hc_reg_prefecture(uint32_t region);

#endif

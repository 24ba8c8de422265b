/* register_audit.c — the register's hash chain: the canonical bytes of each
 * kind of event, the chain hash, the signed head that ends every write
 * transaction (hc_reg_commit), and the audit that walks every event in
 * sequence order against them (doc/register.md, "The audit chain"). */
#include "internal.h"
#include "register_impl.h"

#include <healthcode/assess.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------ canonical bytes */

static void canon_bytes(hc_reg_canon *c, const void *p, size_t n)
{
    if (c->overflow || n > sizeof c->buf - c->len - 4) {
        c->overflow = true;
        return;
    }
    uint8_t *q = c->buf + c->len;
    q[0] = (uint8_t)(n >> 24), q[1] = (uint8_t)(n >> 16), q[2] = (uint8_t)(n >> 8), q[3] = (uint8_t)n;
    if (n)
        memcpy(q + 4, p, n);
    c->len += 4 + n;
}

void hc_reg_canon_str(hc_reg_canon *c, const char *s)
{
    canon_bytes(c, s ? s : "", s ? strlen(s) : 0);
}

/* Decimal by hand: a code's event has four numbers, and snprintf showed in
 * the batch's profile. */
void hc_reg_canon_int(hc_reg_canon *c, int64_t v)
{
    char num[24];
    size_t k = sizeof num;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        num[--k] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        num[--k] = '-';
    canon_bytes(c, num + k, sizeof num - k);
}

void hc_reg_canon_start(hc_reg_canon *c, const uint8_t prev[32], const char *kind, int64_t seq)
{
    memcpy(c->buf, prev, 32);
    c->len = 32;
    c->overflow = false;
    hc_reg_canon_str(c, kind);
    hc_reg_canon_int(c, seq);
}

hc_err hc_reg_canon_hash(hc_register *reg, const hc_reg_canon *c, uint8_t hash[32])
{
    if (c->overflow)
        return HC_E_LIMIT;
    return hc_sha256_digest(reg->sha, c->buf, c->len, hash);
}

/* ------------------------------------------------------------ the events */

static const char *kind_name(int kind) { return kind ? "international" : "domestic"; }

hc_err hc_reg_personal_digest(hc_register *reg, const hc_register_code *code, uint8_t out[32])
{
    /* no previous hash and no seq: the digest of the columns alone */
    hc_reg_canon c;
    c.len = 0;
    c.overflow = false;
    hc_reg_canon_str(&c, "personal");
    hc_reg_canon_str(&c, code->cti);
    hc_reg_canon_str(&c, code->sub);
    hc_reg_canon_str(&c, code->doc);
    if (code->region)
        hc_reg_canon_int(&c, code->region);
    else
        hc_reg_canon_str(&c, NULL);
    return hc_reg_canon_hash(reg, &c, out);
}

hc_err hc_reg_chain_code(hc_register *reg, const uint8_t prev[32], const hc_register_code *code,
                         const uint8_t personal[32], uint8_t hash[32])
{
    hc_reg_canon c;
    hc_reg_canon_start(&c, prev, "issued", code->seq);
    hc_reg_canon_str(&c, code->cti);
    hc_reg_canon_str(&c, code->iss);
    hc_reg_canon_str(&c, code->kid);
    hc_reg_canon_str(&c, hc_colour_name(code->colour));
    hc_reg_canon_int(&c, code->iat);
    hc_reg_canon_int(&c, code->exp);
    hc_reg_canon_str(&c, kind_name(code->kind));
    hc_reg_canon_str(&c, code->batch);
    if (code->line)
        hc_reg_canon_int(&c, (int64_t)code->line);
    else
        hc_reg_canon_str(&c, NULL);
    canon_bytes(&c, personal, 32);
    return hc_reg_canon_hash(reg, &c, hash);
}

hc_err hc_reg_chain_correction(hc_register *reg, const uint8_t prev[32], int64_t seq, const char *old_cti,
                               const char *new_cti, const char *op, const char *reason,
                               const char *evidence, int64_t at, uint8_t hash[32])
{
    hc_reg_canon c;
    hc_reg_canon_start(&c, prev, "corrected", seq);
    hc_reg_canon_str(&c, old_cti);
    hc_reg_canon_str(&c, new_cti);
    hc_reg_canon_str(&c, op);
    hc_reg_canon_str(&c, reason);
    hc_reg_canon_str(&c, evidence);
    hc_reg_canon_int(&c, at);
    return hc_reg_canon_hash(reg, &c, hash);
}

hc_err hc_reg_chain_revocation(hc_register *reg, const uint8_t prev[32], int64_t seq, const char *cti,
                               const char *sub, const char *reason, const char *op, int64_t at,
                               uint8_t hash[32])
{
    hc_reg_canon c;
    hc_reg_canon_start(&c, prev, "revoked", seq);
    hc_reg_canon_str(&c, cti ? "cti" : "sub");
    hc_reg_canon_str(&c, cti ? cti : sub);
    hc_reg_canon_str(&c, reason);
    hc_reg_canon_str(&c, op);
    hc_reg_canon_int(&c, at);
    return hc_reg_canon_hash(reg, &c, hash);
}

hc_err hc_reg_chain_purge(hc_register *reg, const uint8_t prev[32], int64_t seq, int64_t before, const char *op,
                          int64_t at, int64_t rows, uint8_t hash[32])
{
    hc_reg_canon c;
    hc_reg_canon_start(&c, prev, "purged", seq);
    hc_reg_canon_int(&c, before);
    hc_reg_canon_str(&c, op);
    hc_reg_canon_int(&c, at);
    hc_reg_canon_int(&c, rows);
    return hc_reg_canon_hash(reg, &c, hash);
}

size_t hc_reg_head_message(const char *reg_id, int64_t seq, const uint8_t hash[32], int64_t at,
                           uint8_t *out)
{
    static const char tag[] = "hc-register head v1";
    size_t n = 0;
    memcpy(out, tag, sizeof tag);            /* with its NUL: the tag ends there */
    n += sizeof tag;
    memcpy(out + n, reg_id, 32);
    n += 32;
    hc_put_be(out + n, (uint64_t)seq, 8);
    n += 8;
    memcpy(out + n, hash, 32);
    n += 32;
    hc_put_be(out + n, (uint64_t)at, 8);
    return n + 8;
}

/* ---------------------------------------------------------------- heads */

/* Signs the head and inserts it into heads. */
static hc_err sign_head(hc_register *reg, const hc_reg_head *head, int64_t now, hc_diag *diag)
{
    uint8_t msg[HC_REG_HEAD_MSG_MAX], sig[64];
    size_t n = hc_reg_head_message(reg->id, head->seq, head->hash, now, msg);
    hc_err err = hc_signer_sign(reg->signer, msg, n, sig);
    if (err != HC_OK)
        return hc_diag_set(diag, err, "key", "cannot sign the register's head: %s", hc_strerror(err));
    char kid[2 * HC_KID_LEN + 1];
    hc_hex_encode(reg->key->kid, HC_KID_LEN, kid);
    sqlite3_stmt *st = hc_reg_stmt(reg, ST_INSERT_HEAD);
    if (!st)
        return hc_reg_sql_error(reg, sqlite3_errcode(reg->db), diag, "signing the head");
    sqlite3_bind_int64(st, 1, head->seq);
    sqlite3_bind_blob(st, 2, head->hash, 32, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, kid, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, (int)reg->key->alg);
    sqlite3_bind_blob(st, 5, sig, 64, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, now);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? HC_OK : hc_reg_sql_error(reg, rc, diag, "signing the head");
}

hc_err hc_reg_commit(hc_register *reg, const hc_reg_head *head, int64_t now, hc_diag *diag)
{
    hc_err err = HC_OK;
    if (head->seq >= head->first_seq)
        err = sign_head(reg, head, now, diag);
    if (err == HC_OK) {
        int rc = hc_reg_exec(reg, "COMMIT");
        if (rc != SQLITE_OK)
            err = hc_reg_sql_error(reg, rc, diag, "committing");
    }
    if (err != HC_OK)
        hc_reg_rollback(reg);
    return err;
}

/* ---------------------------------------------------------------- audit */

/* One cursor per event table, stepped in seq order and merged. */
typedef enum { T_CODES, T_CORR, T_REV, T_PURGE, T__N } table_id;

static const char *const table_name[T__N] = {"codes", "corrections", "revocations", "purges"};
static const char *const table_sql[T__N] = {
    "SELECT seq, chain, cti, sub, iss, kid, colour, iat, exp, region, kind, doc, batch, line, personal"
    " FROM codes ORDER BY seq",
    "SELECT seq, chain, old_cti, new_cti, operator, reason, evidence, at FROM corrections ORDER BY seq",
    "SELECT seq, chain, cti, sub, reason, operator, at FROM revocations ORDER BY seq",
    "SELECT seq, chain, before, operator, at, rows FROM purges ORDER BY seq",
};

typedef struct {
    int64_t seq, before;
} purge_mark;

/* A batch's rows as the walk meets them: lines strictly increasing. */
typedef struct {
    char id[17];
    uint64_t rows, last_line;
    bool seen;           /* a batches row matched it */
} batch_mark;

typedef struct {
    hc_register *reg;
    const hc_register_audit_opts *o;
    hc_register_audit_report *rep;
    sqlite3_stmt *cur[T__N];
    bool live[T__N];
    sqlite3_stmt *heads;
    bool head_live;
    purge_mark *purges;
    size_t n_purges;
    batch_mark *batches;
    size_t n_batches, cap_batches, last_batch;
    uint8_t prev[32];
    int64_t expect_next;         /* the seq the next event must have */
    int64_t last_head;           /* the last event a good head covers */
    table_id uncovered_table;    /* the first event after it */
    int64_t uncovered_seq;
} audit;

static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : NULL;
}

/* Copies a text column into a fixed field; false if it does not fit. */
static bool col_copy(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
    const char *t = col_text(st, i);
    return hc_strlcpy(dst, t ? t : "", cap);
}

/* The report's message and bad_seq; where is set to "TABLE seq N" for a
 * table, left as it is for NO_TABLE (what the caller named it already). */
#define NO_TABLE T__N
static hc_err fail(audit *a, table_id t, int64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static hc_err fail(audit *a, table_id t, int64_t seq, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->rep->message, sizeof a->rep->message, fmt, ap);
    va_end(ap);
    a->rep->bad_seq = seq;
    if (t < T__N && seq > 0)
        snprintf(a->rep->where, sizeof a->rep->where, "%s seq %" PRId64, table_name[t], seq);
    return HC_E_AUDIT;
}

static hc_err step(audit *a, table_id t)
{
    int rc = sqlite3_step(a->cur[t]);
    a->live[t] = rc == SQLITE_ROW;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return hc_reg_sql_error(a->reg, rc, NULL, "reading the events");
    return HC_OK;
}

/* The batch mark of id: the last one used (a batch's rows come in runs), or
 * a new one. NULL out of memory. */
static batch_mark *mark_of(audit *a, const char *id)
{
    if (a->last_batch < a->n_batches && strcmp(a->batches[a->last_batch].id, id) == 0)
        return &a->batches[a->last_batch];
    for (size_t i = 0; i < a->n_batches; i++)
        if (strcmp(a->batches[i].id, id) == 0)
            return &a->batches[a->last_batch = i];
    if (!hc_reg_grow(&a->batches, a->n_batches, &a->cap_batches, sizeof *a->batches, 16))
        return NULL;
    batch_mark *m = &a->batches[a->last_batch = a->n_batches++];
    memset(m, 0, sizeof *m);
    hc_strlcpy(m->id, id, sizeof m->id);
    return m;
}

/* A batch's line: once, after the batch's lines before it. */
static hc_err check_line(audit *a, const hc_register_code *c)
{
    batch_mark *m = mark_of(a, c->batch);
    if (!m)
        return HC_E_NOMEM;
    if (c->line <= m->last_line)   /* where: the row as the caller named it (its cti) */
        return fail(a, NO_TABLE, c->seq, "line %" PRIu64 " of batch %s comes after its line %" PRIu64
                    ": a line recorded twice, or rows reordered", c->line, c->batch, m->last_line);
    m->rows++;
    m->last_line = c->line;
    return HC_OK;
}

/* The batches table (a resume's progress) against the rows the walk met. */
static hc_err check_batches(audit *a)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(a->reg->db, "SELECT batch, rows, last_line FROM batches ORDER BY batch", -1, &st,
                                NULL);
    if (rc != SQLITE_OK)
        return hc_reg_sql_error(a->reg, rc, NULL, "reading the batches");
    hc_err err = HC_OK;
    while (err == HC_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = col_text(st, 0);
        uint64_t rows = (uint64_t)sqlite3_column_int64(st, 1), last = (uint64_t)sqlite3_column_int64(st, 2);
        batch_mark *m = NULL;
        for (size_t i = 0; id && i < a->n_batches && !m; i++)
            if (strcmp(a->batches[i].id, id) == 0)
                m = &a->batches[i];
        snprintf(a->rep->where, sizeof a->rep->where, "batches %.16s", id ? id : "(null)");
        if (!m || m->rows != rows || m->last_line != last)
            err = fail(a, NO_TABLE, 0, "the batch's progress says %" PRIu64 " rows up to line %" PRIu64 ", its codes "
                       "are %" PRIu64 " up to line %" PRIu64, rows, last, m ? m->rows : 0, m ? m->last_line : 0);
        else
            m->seen = true;
    }
    if (err == HC_OK && rc != SQLITE_DONE)
        err = hc_reg_sql_error(a->reg, rc, NULL, "reading the batches");
    sqlite3_finalize(st);
    for (size_t i = 0; err == HC_OK && i < a->n_batches; i++)
        if (!a->batches[i].seen) {
            snprintf(a->rep->where, sizeof a->rep->where, "batches %s", a->batches[i].id);
            err = fail(a, NO_TABLE, 0, "the codes of batch %s have no progress row", a->batches[i].id);
        }
    if (err == HC_OK)
        a->rep->where[0] = '\0';
    return err;
}

/* A code row: its personal columns against the digest, then its chain hash. */
static hc_err check_code(audit *a, sqlite3_stmt *st, uint8_t hash[32])
{
    hc_register_code c;
    memset(&c, 0, sizeof c);
    c.seq = sqlite3_column_int64(st, 0);
    const char *col = col_text(st, 6);
    bool fits = col_copy(st, 2, c.cti, sizeof c.cti) && col_copy(st, 3, c.sub, sizeof c.sub) &&
                col_copy(st, 4, c.iss, sizeof c.iss) && col_copy(st, 5, c.kid, sizeof c.kid) &&
                col_copy(st, 11, c.doc, sizeof c.doc) && col_copy(st, 12, c.batch, sizeof c.batch);
    const char *kind = col_text(st, 10);
    if (!fits || !col || hc_colour_parse(col, &c.colour) != HC_OK || !kind ||
        (strcmp(kind, "domestic") != 0 && strcmp(kind, "international") != 0) ||
        sqlite3_column_bytes(st, 14) != 32)
        return fail(a, T_CODES, c.seq, "a column holds a value no code can have");
    snprintf(a->rep->where, sizeof a->rep->where, "codes seq %" PRId64 " (cti %s)", c.seq, c.cti);
    c.kind = strcmp(kind, "international") == 0;
    c.iat = sqlite3_column_int64(st, 7);
    c.exp = sqlite3_column_int64(st, 8);
    c.region = (uint32_t)sqlite3_column_int64(st, 9);
    c.line = (uint64_t)sqlite3_column_int64(st, 13);
    const uint8_t *personal = sqlite3_column_blob(st, 14);
    uint8_t now_digest[32];
    hc_err err = hc_reg_personal_digest(a->reg, &c, now_digest);
    if (err != HC_OK)
        return err;
    if (memcmp(now_digest, personal, 32) != 0) {
        /* cleared by a later purge that covers this code's exp: allowed */
        bool cleared = !c.sub[0] && !c.doc[0] && !c.region, covered = false;
        for (size_t i = 0; i < a->n_purges && cleared && !covered; i++)
            covered = a->purges[i].seq > c.seq && c.exp < a->purges[i].before;
        if (!covered)
            return fail(a, NO_TABLE, c.seq, "the personal columns (sub, doc, region) are not those the "
                        "chain recorded, and no purge cleared them");
    }
    if (c.batch[0] && (err = check_line(a, &c)) != HC_OK)
        return err;
    return hc_reg_chain_code(a->reg, a->prev, &c, personal, hash);
}

static hc_err event_hash(audit *a, table_id t, uint8_t hash[32])
{
    sqlite3_stmt *st = a->cur[t];
    int64_t seq = sqlite3_column_int64(st, 0);
    switch (t) {
    case T_CODES:
        return check_code(a, st, hash);
    case T_CORR:
        return hc_reg_chain_correction(a->reg, a->prev, seq, col_text(st, 2), col_text(st, 3), col_text(st, 4),
                                       col_text(st, 5), col_text(st, 6), sqlite3_column_int64(st, 7), hash);
    case T_REV: {
        const char *cti = col_text(st, 2), *sub = col_text(st, 3);
        if (!cti == !sub)
            return fail(a, t, seq, "a revocation must name a cti or a sub, not %s", cti ? "both" : "neither");
        return hc_reg_chain_revocation(a->reg, a->prev, seq, cti, sub, col_text(st, 4), col_text(st, 5),
                                       sqlite3_column_int64(st, 6), hash);
    }
    default:
        return hc_reg_chain_purge(a->reg, a->prev, seq, sqlite3_column_int64(st, 2), col_text(st, 3),
                                  sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5), hash);
    }
}

static const hc_key *key_for(const audit *a, const char *kid)
{
    uint8_t raw[HC_KID_LEN];
    if (!kid || !hc_hex_parse(kid, raw, sizeof raw))
        return NULL;
    for (size_t i = 0; i < a->o->n_keys; i++)
        if (a->o->keys[i] && memcmp(a->o->keys[i]->kid, raw, HC_KID_LEN) == 0)
            return a->o->keys[i];
    return NULL;
}

/* The heads signed at seq (there is at most one: seq is its key). */
static hc_err check_heads_at(audit *a, int64_t seq, const uint8_t hash[32])
{
    while (a->head_live) {
        int64_t hs = sqlite3_column_int64(a->heads, 0);
        if (hs > seq)
            return HC_OK;
        snprintf(a->rep->where, sizeof a->rep->where, "heads seq %" PRId64, hs);
        if (hs < seq)
            return fail(a, NO_TABLE, 0, "a head is signed for event %" PRId64 ", which the chain does not "
                        "have (events deleted?)", hs);
        const char *kid = col_text(a->heads, 2);
        const hc_key *k = key_for(a, kid);
        if (sqlite3_column_bytes(a->heads, 1) != 32 || memcmp(sqlite3_column_blob(a->heads, 1), hash, 32) != 0)
            return fail(a, NO_TABLE, 0, "the head signed at event %" PRId64 " does not match the chain: the "
                        "events up to it were changed", hs);
        if (!k)
            return fail(a, NO_TABLE, 0, "the head at event %" PRId64 " is signed by kid %s, which is not "
                        "one of the keys given", hs, kid ? kid : "(none)");
        uint8_t msg[HC_REG_HEAD_MSG_MAX];
        size_t n = hc_reg_head_message(a->reg->id, hs, hash, sqlite3_column_int64(a->heads, 5), msg);
        if (sqlite3_column_int64(a->heads, 3) != (int64_t)k->alg || sqlite3_column_bytes(a->heads, 4) != 64 ||
            hc_crypto_verify(k, msg, n, sqlite3_column_blob(a->heads, 4)) != HC_OK)
            return fail(a, NO_TABLE, 0, "the signature of the head at event %" PRId64 " does not verify "
                        "with key %s (a forged head)", hs, kid);
        a->rep->heads++;
        a->last_head = hs;
        int rc = sqlite3_step(a->heads);
        a->head_live = rc == SQLITE_ROW;
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return hc_reg_sql_error(a->reg, rc, NULL, "reading the heads");
    }
    return HC_OK;
}

/* The next event in seq order: its table, or T__N at the end. */
static table_id next_table(const audit *a)
{
    table_id best = T__N;
    int64_t best_seq = 0;
    for (int t = 0; t < T__N; t++) {
        if (!a->live[t])
            continue;
        int64_t s = sqlite3_column_int64(a->cur[t], 0);
        if (best == T__N || s < best_seq) {
            best = (table_id)t;
            best_seq = s;
        }
    }
    return best;
}

static hc_err walk(audit *a)
{
    for (;;) {
        table_id t = next_table(a);
        if (t == T__N)
            break;
        int64_t seq = sqlite3_column_int64(a->cur[t], 0);
        a->rep->where[0] = '\0';
        if (seq != a->expect_next) {
            if (seq < a->expect_next)
                return fail(a, t, seq, "event %" PRId64 " appears twice (in %s and another table)", seq,
                            table_name[t]);
            return fail(a, t, seq, "event %" PRId64 " is missing before %s seq %" PRId64
                        " (a row was deleted or renumbered)", a->expect_next, table_name[t], seq);
        }
        uint8_t hash[32];
        hc_err err = event_hash(a, t, hash);
        if (err != HC_OK)
            return err;
        if (sqlite3_column_bytes(a->cur[t], 1) != 32 || memcmp(sqlite3_column_blob(a->cur[t], 1), hash, 32) != 0) {
            /* a code keeps the where its reader set (with its cti) */
            return fail(a, t == T_CODES ? NO_TABLE : t, seq,
                        "the row does not match the chain: it was changed, or rows were reordered");
        }
        if (a->o->expect_seq == seq && memcmp(a->o->expect_hash, hash, 32) != 0)
            return fail(a, t, seq, "the chain at event %" PRId64 " is not the head kept outside the "
                        "register: history was rewritten (with the signing key)", seq);
        memcpy(a->prev, hash, 32);
        if (a->last_head == a->rep->last_seq) {   /* the first event after a head */
            a->uncovered_table = t;
            a->uncovered_seq = seq;
        }
        a->rep->events++;
        a->rep->last_seq = seq;
        a->expect_next = seq + 1;
        if ((err = check_heads_at(a, seq, hash)) != HC_OK || (err = step(a, t)) != HC_OK)
            return err;
    }
    memcpy(a->rep->head_hash, a->prev, 32);
    a->rep->where[0] = '\0';
    if (a->head_live) {
        int64_t hs = sqlite3_column_int64(a->heads, 0);
        snprintf(a->rep->where, sizeof a->rep->where, "heads seq %" PRId64, hs);
        return fail(a, NO_TABLE, 0, "a head is signed for event %" PRId64 " but the register ends at event %"
                    PRId64 ": events were deleted", hs, a->rep->last_seq);
    }
    if (a->last_head != a->rep->last_seq)
        return fail(a, a->uncovered_table, a->uncovered_seq, "events from %" PRId64 " on are covered "
                    "by no signed head (rows added by hand, or a head deleted)", a->uncovered_seq);
    if (a->o->expect_seq > a->rep->last_seq)
        return fail(a, NO_TABLE, 0, "the register ends at event %" PRId64 ", before the head kept outside it "
                    "(event %" PRId64 "): events were deleted", a->rep->last_seq, a->o->expect_seq);
    return HC_OK;
}

/* The counts stats reads against the codes, by day and colour (a purge
 * keeps both, so this holds for ever; the regions of purged codes are gone,
 * so the split by region is not checked). */
static hc_err check_counts(audit *a)
{
    static const char sql[] =
        "WITH c AS (SELECT day, colour, sum(n) AS n FROM counts GROUP BY day, colour),"
        " k AS (SELECT (iat + 28800) / 86400 AS day, colour, count(*) AS n FROM codes GROUP BY 1, 2)"
        " SELECT day, colour, (SELECT n FROM c WHERE c.day = x.day AND c.colour = x.colour),"
        " (SELECT n FROM k WHERE k.day = x.day AND k.colour = x.colour)"
        " FROM (SELECT * FROM (SELECT * FROM c EXCEPT SELECT * FROM k)"
        " UNION SELECT * FROM (SELECT * FROM k EXCEPT SELECT * FROM c)) x"
        " ORDER BY day LIMIT 1";
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(a->reg->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return hc_reg_sql_error(a->reg, rc, NULL, "reading the counts");
    rc = sqlite3_step(st);
    hc_err err = HC_OK;
    if (rc == SQLITE_ROW) {
        char day[11];
        hc_day_format((hc_day)sqlite3_column_int64(st, 0), day);
        err = fail(a, NO_TABLE, 0, "the counts say %lld %s codes on %s, the codes table has %lld",
                   (long long)sqlite3_column_int64(st, 2), col_text(st, 1) ? col_text(st, 1) : "?", day,
                   (long long)sqlite3_column_int64(st, 3));
        snprintf(a->rep->where, sizeof a->rep->where, "counts day %s", day);
    } else if (rc != SQLITE_DONE) {
        err = hc_reg_sql_error(a->reg, rc, NULL, "reading the counts");
    }
    sqlite3_finalize(st);
    return err;
}

static hc_err load_purges(audit *a)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(a->reg->db, "SELECT seq, before FROM purges ORDER BY seq", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return hc_reg_sql_error(a->reg, rc, NULL, "reading the purges");
    hc_err err = HC_OK;
    size_t cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (!hc_reg_grow(&a->purges, a->n_purges, &cap, sizeof *a->purges, 16)) {
            err = HC_E_NOMEM;
            break;
        }
        a->purges[a->n_purges].seq = sqlite3_column_int64(st, 0);
        a->purges[a->n_purges++].before = sqlite3_column_int64(st, 1);
    }
    if (err == HC_OK && rc != SQLITE_DONE)
        err = hc_reg_sql_error(a->reg, rc, NULL, "reading the purges");
    sqlite3_finalize(st);
    return err;
}

static hc_err audit_open(audit *a)
{
    hc_err err = load_purges(a);
    for (int t = 0; t < T__N && err == HC_OK; t++) {
        int rc = sqlite3_prepare_v2(a->reg->db, table_sql[t], -1, &a->cur[t], NULL);
        err = rc == SQLITE_OK ? step(a, (table_id)t) : hc_reg_sql_error(a->reg, rc, NULL, "reading the events");
    }
    if (err == HC_OK) {
        int rc = sqlite3_prepare_v2(a->reg->db, "SELECT seq, chain, kid, alg, sig, at FROM heads ORDER BY seq",
                                    -1, &a->heads, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(a->heads);
        a->head_live = rc == SQLITE_ROW;
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            err = hc_reg_sql_error(a->reg, rc, NULL, "reading the heads");
    }
    return err;
}

hc_err hc_register_audit(hc_register *reg, const hc_register_audit_opts *opts,
                         hc_register_audit_report *report)
{
    if (!report)
        return HC_E_ARG;
    memset(report, 0, sizeof *report);
    if (!reg || !opts || !opts->keys || opts->n_keys == 0 || opts->expect_seq < 0)
        return HC_E_ARG;
    audit a;
    memset(&a, 0, sizeof a);
    a.reg = reg;
    a.o = opts;
    a.rep = report;
    a.expect_next = 1;
    /* one read transaction: every cursor sees the same snapshot, whatever a
     * writer appends meanwhile */
    int rc = hc_reg_exec(reg, "BEGIN");
    hc_err err = rc == SQLITE_OK ? audit_open(&a) : hc_reg_sql_error(reg, rc, NULL, "starting the audit");
    if (err == HC_OK)
        err = walk(&a);
    if (err == HC_OK)
        err = check_batches(&a);
    if (err == HC_OK)
        err = check_counts(&a);
    for (int t = 0; t < T__N; t++)
        sqlite3_finalize(a.cur[t]);
    sqlite3_finalize(a.heads);
    free(a.purges);
    free(a.batches);
    hc_reg_rollback(reg);
    if (err != HC_OK && err != HC_E_AUDIT && !report->message[0])
        snprintf(report->message, sizeof report->message, "%s", hc_strerror(err));
    return err;
}

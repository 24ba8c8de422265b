/* register_code.c — the codes table: a row from a token, appended as an
 * event of the chain; one code (hc_register_record) or a batch's codes a
 * chunk at a time (hc_reg_batch: prepared statements, one transaction and
 * one signed head per chunk, the counts added per chunk); lookups by cti and
 * the revocation rows they are checked against. */
#include "internal.h"
#include "register_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ rows */

void hc_reg_code_from_claims(const hc_claims *c, hc_register_code *code)
{
    memset(code, 0, sizeof *code);
    hc_hex_encode(c->cti, sizeof c->cti, code->cti);
    if (c->has_sub)
        hc_hex_encode(c->sub, sizeof c->sub, code->sub);
    hc_strlcpy(code->iss, c->iss, sizeof code->iss);
    hc_hex_encode(c->kid, HC_KID_LEN, code->kid);
    code->colour = c->colour;
    code->iat = c->iat;
    code->exp = c->exp;
    code->region = c->reg;
    code->kind = c->knd ? 1 : 0;
    hc_strlcpy(code->doc, c->doc, sizeof code->doc);
}

/* The token decoded (not verified: the caller has just signed it) into a row. */
static hc_err code_from_token(const char *token, size_t len, hc_register_code *code, hc_diag *diag)
{
    hc_claims c;
    hc_err err = hc_inspect(token, len, &c);
    if (err != HC_OK)
        return hc_diag_set(diag, err, "token", "the token to record cannot be decoded: %s", hc_strerror(err));
    hc_reg_code_from_claims(&c, code);
    return HC_OK;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s && s[0])
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* A hex column of known length, or NULL when empty. */
static void bind_hex(sqlite3_stmt *st, int i, const char *s, int n)
{
    if (s[0])
        sqlite3_bind_text(st, i, s, n, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

hc_err hc_reg_insert_code(hc_register *reg, hc_reg_head *head, hc_register_code *code, hc_diag *diag)
{
    uint8_t personal[32], hash[32];
    code->seq = head->seq + 1;
    hc_err err = hc_reg_personal_digest(reg, code, personal);
    if (err == HC_OK)
        err = hc_reg_chain_code(reg, head->hash, code, personal, hash);
    if (err != HC_OK)
        return hc_diag_set(diag, err, "", "cannot hash the code %s", code->cti);
    sqlite3_stmt *st = hc_reg_stmt(reg, ST_INSERT_CODE);
    if (!st)
        return hc_reg_sql_error(reg, sqlite3_errcode(reg->db), diag, "recording a code");
    /* every parameter bound, lengths given: this runs once a code */
    sqlite3_bind_int64(st, 1, code->seq);
    sqlite3_bind_text(st, 2, code->cti, 16, SQLITE_STATIC);
    bind_hex(st, 3, code->sub, 32);
    sqlite3_bind_text(st, 4, code->iss, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, code->kid, 16, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, hc_colour_name(code->colour), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, code->iat);
    sqlite3_bind_int64(st, 8, code->exp);
    if (code->region)
        sqlite3_bind_int64(st, 9, code->region);
    else
        sqlite3_bind_null(st, 9);
    sqlite3_bind_text(st, 10, code->kind ? "international" : "domestic", -1, SQLITE_STATIC);
    bind_text_or_null(st, 11, code->doc);
    bind_hex(st, 12, code->batch, 16);
    if (code->line)
        sqlite3_bind_int64(st, 13, (int64_t)code->line);
    else
        sqlite3_bind_null(st, 13);
    sqlite3_bind_blob(st, 14, personal, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 15, hash, 32, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return hc_reg_sql_error(reg, rc, diag, "recording a code");
    head->seq = code->seq;
    memcpy(head->hash, hash, 32);
    return HC_OK;
}

static void copy_col(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    hc_strlcpy(dst, t ? (const char *)t : "", cap);
}

hc_err hc_reg_is_revoked(hc_register *reg, const char *cti, const char *sub, bool *revoked)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(reg->db, "SELECT EXISTS(SELECT 1 FROM revocations WHERE cti = ?1)"
                                " OR EXISTS(SELECT 1 FROM revocations WHERE ?2 IS NOT NULL AND sub = ?2)",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return hc_reg_sql_error(reg, rc, NULL, "reading the revocations");
    bind_text_or_null(st, 1, cti);
    bind_text_or_null(st, 2, sub);
    rc = sqlite3_step(st);
    *revoked = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? HC_OK : hc_reg_sql_error(reg, rc, NULL, "reading the revocations");
}

static void read_code(sqlite3_stmt *st, hc_register_code *out)
{
    out->seq = sqlite3_column_int64(st, 0);
    copy_col(st, 1, out->cti, sizeof out->cti);
    copy_col(st, 2, out->sub, sizeof out->sub);
    copy_col(st, 3, out->iss, sizeof out->iss);
    copy_col(st, 4, out->kid, sizeof out->kid);
    const unsigned char *col = sqlite3_column_text(st, 5);
    if (!col || hc_colour_parse((const char *)col, &out->colour) != HC_OK)
        out->colour = HC_RED;   /* not a colour: the audit names the row */
    out->iat = sqlite3_column_int64(st, 6);
    out->exp = sqlite3_column_int64(st, 7);
    out->region = (uint32_t)sqlite3_column_int64(st, 8);
    const unsigned char *kind = sqlite3_column_text(st, 9);
    out->kind = kind && strcmp((const char *)kind, "international") == 0;
    copy_col(st, 10, out->doc, sizeof out->doc);
    copy_col(st, 11, out->batch, sizeof out->batch);
    out->line = (uint64_t)sqlite3_column_int64(st, 12);
}

/* The first code (lowest seq) with cti in the part of the index of batch
 * (NULL: the codes issued one by one); out->seq stays 0 if none. */
static int seek_code(hc_register *reg, const char *cti, const char *batch, hc_register_code *out)
{
    sqlite3_stmt *st = hc_reg_stmt(reg, ST_FIND_CTI);
    if (!st)
        return sqlite3_errcode(reg->db);
    sqlite3_bind_text(st, 1, cti, -1, SQLITE_STATIC);
    if (batch)
        sqlite3_bind_text(st, 2, batch, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && (out->seq == 0 || sqlite3_column_int64(st, 0) < out->seq))
        read_code(st, out);
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

hc_err hc_reg_find_code(hc_register *reg, const char *cti, hc_register_code *out)
{
    memset(out, 0, sizeof *out);
    /* the codes issued one by one, then each batch's (batches lists them) */
    int rc = seek_code(reg, cti, NULL, out);
    sqlite3_stmt *b = NULL;
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(reg->db, "SELECT batch FROM batches", -1, &b, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(b)) == SQLITE_ROW)
        rc = seek_code(reg, cti, (const char *)sqlite3_column_text(b, 0), out);
    sqlite3_finalize(b);
    if (rc != SQLITE_OK && rc != SQLITE_DONE)
        return hc_reg_sql_error(reg, rc, NULL, "looking up a code");
    if (out->seq == 0)
        return HC_E_REGISTER_UNKNOWN;
    hc_err err = hc_reg_is_revoked(reg, out->cti, out->sub, &out->revoked);
    out->purged = !out->sub[0] && !out->doc[0] && !out->region;
    if (out->purged) {   /* empty columns: cleared by a purge, or never there */
        uint8_t mine[32];
        const void *kept = NULL;
        sqlite3_stmt *p;
        if (sqlite3_prepare_v2(reg->db, "SELECT personal FROM codes WHERE seq = ?", -1, &p, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(p, 1, out->seq);
            if (sqlite3_step(p) == SQLITE_ROW && sqlite3_column_bytes(p, 0) == 32)
                kept = sqlite3_column_blob(p, 0);
            out->purged = kept && hc_reg_personal_digest(reg, out, mine) == HC_OK && memcmp(mine, kept, 32) != 0;
            sqlite3_finalize(p);
        }
    }
    return err;
}

hc_err hc_reg_insert_revocation(hc_register *reg, hc_reg_head *head, const char *cti, const char *sub,
                                const hc_register_action *act, hc_diag *diag)
{
    uint8_t hash[32];
    int64_t seq = head->seq + 1;
    hc_err err = hc_reg_chain_revocation(reg, head->hash, seq, cti, sub, act->reason, act->operator_id, act->now,
                                         hash);
    if (err != HC_OK)
        return hc_diag_set(diag, err, "", "cannot hash the revocation");
    sqlite3_stmt *st;
    if ((err = hc_reg_prepare(reg, "INSERT INTO revocations(seq, cti, sub, reason, operator, at, chain)"
                              " VALUES(?,?,?,?,?,?,?)", &st, "recording a revocation", diag)) != HC_OK)
        return err;
    sqlite3_bind_int64(st, 1, seq);
    bind_text_or_null(st, 2, cti);
    bind_text_or_null(st, 3, sub);
    sqlite3_bind_text(st, 4, act->reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, act->operator_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, act->now);
    sqlite3_bind_blob(st, 7, hash, 32, SQLITE_STATIC);
    return hc_reg_append(reg, head, st, seq, hash, "recording a revocation", diag);
}

/* ------------------------------------------------------------ public */

hc_err hc_register_record(hc_register *reg, const char *token, size_t len, hc_diag *diag)
{
    if (diag)
        memset(diag, 0, sizeof *diag);
    if (!reg || !token)
        return hc_diag_set(diag, HC_E_ARG, "", "a register and a token are required");
    hc_register_code code;
    hc_reg_head head;
    hc_err err = code_from_token(token, len, &code, diag);
    if (err == HC_OK)
        err = hc_reg_begin(reg, &head, diag);
    if (err != HC_OK)
        return err;
    err = hc_reg_insert_code(reg, &head, &code, diag);
    if (err == HC_OK)
        err = hc_reg_count_add(reg, hc_reg_day(code.iat), code.region, code.colour, 1, diag);
    if (err != HC_OK) {
        hc_reg_rollback(reg);
        return err;
    }
    return hc_reg_commit(reg, &head, code.iat, diag);
}

hc_err hc_register_lookup(hc_register *reg, const char *cti, hc_register_code *out)
{
    uint8_t raw[8];
    char norm[17];
    if (!reg || !out || !hc_hex_parse(cti, raw, sizeof raw))
        return HC_E_ARG;
    hc_hex_encode(raw, sizeof raw, norm);
    return hc_reg_find_code(reg, norm, out);
}

/* ------------------------------------------------------------- batches */

struct hc_reg_batch {
    hc_register *reg;
    char id[17];
    hc_register_code *rows;
    size_t n, cap;
    bool committed;      /* rows went in: the statistics are refreshed at the end */
};

hc_err hc_reg_batch_new(hc_register *reg, const char *batch_id, hc_reg_batch **out)
{
    hc_reg_batch *b = calloc(1, sizeof *b);
    if (!b)
        return HC_E_NOMEM;
    b->reg = reg;
    if (!hc_strlcpy(b->id, batch_id, sizeof b->id)) {
        free(b);
        return HC_E_ARG;
    }
    *out = b;
    return HC_OK;
}

void hc_reg_batch_free(hc_reg_batch *b)
{
    if (!b)
        return;
    /* A sampled ANALYZE (milliseconds): with it SQLite knows there are few
     * batches, and a plain `WHERE cti = ?` skip-scans the (batch, cti)
     * index. Only statistics: a failure (a busy lock) changes nothing. */
    if (b->committed)
        (void)hc_reg_exec(b->reg, "PRAGMA analysis_limit=1000; ANALYZE codes");
    free(b->rows);
    free(b);
}

size_t hc_reg_batch_pending(const hc_reg_batch *b) { return b->n; }

hc_err hc_reg_batch_state(hc_reg_batch *b, uint64_t *last_line, uint64_t *rows, hc_diag *diag)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(b->reg->db, "SELECT last_line, rows FROM batches WHERE batch = ?", -1, &st, NULL);
    *last_line = *rows = 0;
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, b->id, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *last_line = (uint64_t)sqlite3_column_int64(st, 0);
            *rows = (uint64_t)sqlite3_column_int64(st, 1);
        }
        sqlite3_finalize(st);
    }
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? HC_OK
                                                 : hc_reg_sql_error(b->reg, rc, diag, "reading the batch's rows");
}

/* The next row of the buffer, or NULL (out of memory). */
static hc_register_code *next_row(hc_reg_batch *b)
{
    return hc_reg_grow(&b->rows, b->n, &b->cap, sizeof *b->rows, 1024) ? &b->rows[b->n] : NULL;
}

static void batch_row(hc_reg_batch *b, hc_register_code *code, uint64_t line)
{
    memcpy(code->batch, b->id, sizeof code->batch);
    code->line = line;
    b->n++;
}

hc_err hc_reg_batch_add(hc_reg_batch *b, uint64_t line, const char *token, size_t len)
{
    hc_register_code *code = next_row(b);
    if (!code)
        return HC_E_NOMEM;
    hc_err err = code_from_token(token, len, code, NULL);
    if (err == HC_OK)
        batch_row(b, code, line);
    return err;
}

hc_err hc_reg_batch_add_claims(hc_reg_batch *b, uint64_t line, const hc_claims *c)
{
    hc_register_code *code = next_row(b);
    if (!code)
        return HC_E_NOMEM;
    hc_reg_code_from_claims(c, code);
    batch_row(b, code, line);
    return HC_OK;
}

/* A chunk's counts: one addition a (day, prefecture, colour) key, gathered
 * in a small open-addressing table (a chunk's codes share a day, and a
 * province has a few dozen prefectures). */
#define COUNT_SLOTS 4096

typedef struct {
    int64_t day;
    uint32_t pref;
    int colour;          /* -1: empty */
    int64_t n;
} count_slot;

static hc_err add_counts(hc_reg_batch *b, hc_diag *diag)
{
    count_slot *t = malloc(COUNT_SLOTS * sizeof *t);
    if (!t)
        return HC_E_NOMEM;
    for (size_t i = 0; i < COUNT_SLOTS; i++)
        t[i].colour = -1;
    size_t used = 0;
    hc_err err = HC_OK;
    for (size_t i = 0; i <= b->n && err == HC_OK; i++) {
        /* a full table (thousands of regions in one chunk) is flushed */
        if (i == b->n || used == COUNT_SLOTS / 2) {
            for (size_t k = 0; k < COUNT_SLOTS && err == HC_OK; k++)
                if (t[k].colour >= 0) {
                    err = hc_reg_count_add(b->reg, t[k].day, t[k].pref, (hc_colour)t[k].colour, t[k].n, diag);
                    t[k].colour = -1;
                }
            used = 0;
            if (i == b->n)
                break;
        }
        const hc_register_code *c = &b->rows[i];
        int64_t day = hc_reg_day(c->iat);
        uint32_t pref = hc_reg_prefecture(c->region);
        size_t h = ((uint64_t)day * 31 + pref * 7 + (uint64_t)c->colour) % COUNT_SLOTS;
        while (t[h].colour >= 0 && !(t[h].day == day && t[h].pref == pref && t[h].colour == (int)c->colour))
            h = (h + 1) % COUNT_SLOTS;
        if (t[h].colour < 0) {
            t[h] = (count_slot){day, pref, (int)c->colour, 0};
            used++;
        }
        t[h].n++;
    }
    free(t);
    return err;
}

/* The batch's progress row, in the same transaction as its codes. */
static hc_err add_progress(hc_reg_batch *b, hc_diag *diag)
{
    uint64_t last = 0;
    for (size_t i = 0; i < b->n; i++)
        last = b->rows[i].line > last ? b->rows[i].line : last;
    sqlite3_stmt *st = hc_reg_stmt(b->reg, ST_BATCH_ADD);
    if (!st)
        return hc_reg_sql_error(b->reg, sqlite3_errcode(b->reg->db), diag, "recording the batch's progress");
    sqlite3_bind_text(st, 1, b->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (int64_t)b->n);
    sqlite3_bind_int64(st, 3, (int64_t)last);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? HC_OK : hc_reg_sql_error(b->reg, rc, diag, "recording the batch's progress");
}

hc_err hc_reg_batch_commit(hc_reg_batch *b, int64_t now, hc_diag *diag)
{
    if (b->n == 0)
        return HC_OK;
    hc_reg_head head;
    hc_err err = hc_reg_begin(b->reg, &head, diag);
    if (err != HC_OK)
        return err;
    for (size_t i = 0; i < b->n && err == HC_OK; i++)
        err = hc_reg_insert_code(b->reg, &head, &b->rows[i], diag);
    if (err == HC_OK)
        err = add_counts(b, diag);
    if (err == HC_OK)
        err = add_progress(b, diag);
    if (err == HC_OK)
        err = hc_reg_commit(b->reg, &head, now, diag);
    else
        hc_reg_rollback(b->reg);
    if (err == HC_OK) {
        b->n = 0;
        b->committed = true;
    }
    return err;
}

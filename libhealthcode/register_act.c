/* register_act.c — what operators do to the register: correct a code (the
 * new code, the correction and the revocation of the old one, together or
 * not at all), revoke by cti or sub, write the revocation list out, and
 * purge the personal columns of expired codes. Each is one transaction with
 * its events on the chain and a signed head (register_impl.h). */
#include "internal.h"
#include "register_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------- corrections */

/* The new token must be the old code's subject: by sub where the old code
 * has one, else by the masked document. */
static hc_err same_subject(const hc_register_code *old, const hc_register_code *neu, hc_diag *diag)
{
    if (old->purged)
        return hc_diag_set(diag, HC_E_SUBJECT_MISMATCH, "cti", "the code %s was purged: its subject can no "
                           "longer be matched", old->cti);
    if (old->sub[0]) {
        if (!neu->sub[0])
            return hc_diag_set(diag, HC_E_SUBJECT_MISMATCH, "sub", "the code %s has a sub and the new token "
                               "has none: issue it with the same subject secret", old->cti);
        if (strcmp(old->sub, neu->sub) != 0)
            return hc_diag_set(diag, HC_E_SUBJECT_MISMATCH, "sub", "the corrected record's sub is not the "
                               "sub of the code %s: another person", old->cti);
        return HC_OK;
    }
    if (!old->doc[0] || strcmp(old->doc, neu->doc) != 0)
        return hc_diag_set(diag, HC_E_SUBJECT_MISMATCH, "doc", "the corrected record's document (%s) is not "
                           "the document of the code %s (%s)", neu->doc[0] ? neu->doc : "none", old->cti,
                           old->doc[0] ? old->doc : "none");
    return HC_OK;
}

static hc_err insert_correction(hc_register *reg, hc_reg_head *head, const char *old_cti,
                                const char *new_cti, const hc_register_action *act, hc_diag *diag)
{
    uint8_t hash[32];
    int64_t seq = head->seq + 1;
    hc_err err = hc_reg_chain_correction(reg, head->hash, seq, old_cti, new_cti, act->operator_id, act->reason,
                                         act->evidence, act->now, hash);
    if (err != HC_OK)
        return hc_diag_set(diag, err, "", "cannot hash the correction");
    sqlite3_stmt *st;
    if ((err = hc_reg_prepare(reg, "INSERT INTO corrections(seq, old_cti, new_cti, operator, reason,"
                              " evidence, at, chain) VALUES(?,?,?,?,?,?,?,?)", &st, "recording the correction",
                              diag)) != HC_OK)
        return err;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_text(st, 2, old_cti, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, new_cti, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, act->operator_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, act->reason, -1, SQLITE_STATIC);
    if (act->evidence)
        sqlite3_bind_text(st, 6, act->evidence, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, act->now);
    sqlite3_bind_blob(st, 8, hash, 32, SQLITE_STATIC);
    return hc_reg_append(reg, head, st, seq, hash, "recording the correction", diag);
}

/* Inside the transaction: every refusal before anything is written. */
static hc_err correct_in(hc_register *reg, hc_reg_head *head, const char *old_cti, hc_register_code *neu,
                         const hc_register_action *act, hc_register_correction *out, hc_diag *diag)
{
    hc_register_code old, dup;
    hc_err err = hc_reg_find_code(reg, old_cti, &old);
    if (err == HC_E_REGISTER_UNKNOWN)
        return hc_diag_set(diag, err, "cti", "the register has no code %s", old_cti);
    if (err != HC_OK)
        return err;
    if (old.revoked)
        return hc_diag_set(diag, HC_E_REGISTER_REVOKED, "cti", "the code %s is already revoked", old_cti);
    if ((err = same_subject(&old, neu, diag)) != HC_OK)
        return err;
    err = hc_reg_find_code(reg, neu->cti, &dup);
    if (err == HC_OK)
        return hc_diag_set(diag, HC_E_ARG, "token", "the new token's cti %s is already in the register", neu->cti);
    if (err != HC_E_REGISTER_UNKNOWN)
        return err;
    if ((err = hc_reg_insert_code(reg, head, neu, diag)) != HC_OK ||
        (err = hc_reg_count_add(reg, hc_reg_day(neu->iat), neu->region, neu->colour, 1, diag)) != HC_OK ||
        (err = insert_correction(reg, head, old_cti, neu->cti, act, diag)) != HC_OK)
        return err;
    int64_t seq = head->seq;
    if ((err = hc_reg_insert_revocation(reg, head, old_cti, NULL, act, diag)) != HC_OK)
        return err;
    if (out) {
        out->old_code = old;
        memcpy(out->new_cti, neu->cti, sizeof out->new_cti);
        out->new_colour = neu->colour;
        out->seq = seq;
    }
    return HC_OK;
}

hc_err hc_register_correct(hc_register *reg, const char *old_cti, const char *new_token, size_t len,
                           const hc_register_action *act, hc_register_correction *out, hc_diag *diag)
{
    if (diag)
        memset(diag, 0, sizeof *diag);
    uint8_t raw[8];
    char cti[17];
    hc_claims c;
    if (!reg || !new_token)
        return hc_diag_set(diag, HC_E_ARG, "", "a register and the new token are required");
    if (!hc_hex_parse(old_cti, raw, sizeof raw))
        return hc_diag_set(diag, HC_E_ARG, "cti", "the cti to correct must be 16 hex digits");
    hc_hex_encode(raw, sizeof raw, cti);
    hc_err err = hc_reg_check_action(act, true, diag);
    if (err != HC_OK)
        return err;
    if ((err = hc_inspect(new_token, len, &c)) != HC_OK)
        return hc_diag_set(diag, err, "token", "the new token cannot be decoded: %s", hc_strerror(err));
    hc_register_code neu;
    hc_reg_code_from_claims(&c, &neu);
    hc_reg_head head;
    if ((err = hc_reg_begin(reg, &head, diag)) != HC_OK)
        return err;
    err = correct_in(reg, &head, cti, &neu, act, out, diag);
    if (err != HC_OK) {
        hc_reg_rollback(reg);
        return err;
    }
    return hc_reg_commit(reg, &head, act->now, diag);
}

/* ---------------------------------------------------------- revocations */

/* true if a code has this sub (a scan of codes: there is no index on sub). */
static hc_err sub_known(hc_register *reg, const char *sub, bool *known)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(reg->db, "SELECT EXISTS(SELECT 1 FROM codes WHERE sub = ?)", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, sub, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        *known = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    return rc == SQLITE_ROW ? HC_OK : hc_reg_sql_error(reg, rc, NULL, "looking up the sub");
}

static hc_err revoke_in(hc_register *reg, hc_reg_head *head, const char *cti, const char *sub,
                        const hc_register_action *act, hc_diag *diag)
{
    hc_err err;
    bool revoked = false;
    if (cti) {
        hc_register_code code;
        err = hc_reg_find_code(reg, cti, &code);
        if (err == HC_E_REGISTER_UNKNOWN)
            return hc_diag_set(diag, err, "cti", "the register has no code %s", cti);
        if (err != HC_OK)
            return err;
        revoked = code.revoked;
    } else {
        bool known = false;
        if ((err = sub_known(reg, sub, &known)) != HC_OK)
            return err;
        if (!known)
            return hc_diag_set(diag, HC_E_REGISTER_UNKNOWN, "sub", "the register has no code of sub %s", sub);
        if ((err = hc_reg_is_revoked(reg, NULL, sub, &revoked)) != HC_OK)
            return err;
    }
    if (revoked)
        return hc_diag_set(diag, HC_E_REGISTER_REVOKED, cti ? "cti" : "sub", "%s %s is already revoked",
                           cti ? "the code" : "the sub", cti ? cti : sub);
    return hc_reg_insert_revocation(reg, head, cti, sub, act, diag);
}

hc_err hc_register_revoke(hc_register *reg, const char *cti, const char *sub, const hc_register_action *act,
                          int64_t *seq, hc_diag *diag)
{
    if (diag)
        memset(diag, 0, sizeof *diag);
    uint8_t raw[16];
    char id[33];
    if (!reg || !cti == !sub)
        return hc_diag_set(diag, HC_E_ARG, "", "give exactly one of a cti and a sub");
    if (cti ? !hc_hex_parse(cti, raw, 8) : !hc_hex_parse(sub, raw, 16))
        return hc_diag_set(diag, HC_E_ARG, cti ? "cti" : "sub", cti ? "a cti is 16 hex digits"
                                                                    : "a sub is 32 hex digits");
    hc_hex_encode(raw, cti ? 8 : 16, id);
    hc_err err = hc_reg_check_action(act, true, diag);
    hc_reg_head head;
    if (err != HC_OK || (err = hc_reg_begin(reg, &head, diag)) != HC_OK)
        return err;
    err = revoke_in(reg, &head, cti ? id : NULL, cti ? NULL : id, act, diag);
    if (err != HC_OK) {
        hc_reg_rollback(reg);
        return err;
    }
    if (seq)
        *seq = head.seq;
    return hc_reg_commit(reg, &head, act->now, diag);
}

/* A growing text buffer. */
typedef struct {
    char *p;
    size_t len, cap;
    bool nomem;
} text_buf;

static void tb_add(text_buf *t, const char *s, size_t n)
{
    if (t->nomem)
        return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *p = realloc(t->p, cap);
        if (!p) {
            t->nomem = true;
            return;
        }
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

hc_err hc_register_revocations(hc_register *reg, int64_t since, char **text, size_t *len,
                               hc_register_revocations_info *info)
{
    if (!reg || !text || !len || since < 0)
        return HC_E_ARG;
    *text = NULL;
    *len = 0;
    hc_register_revocations_info in = {.since = since, .last_seq = since};
    text_buf t = {0};
    char line[128];
    int n = snprintf(line, sizeof line, "# revocations of register %s after event %" PRId64 "\n", reg->id, since);
    tb_add(&t, line, (size_t)n);
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(reg->db, "SELECT seq, cti, sub FROM revocations WHERE seq > ? ORDER BY seq",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return hc_reg_sql_error(reg, rc, NULL, "reading the revocations");
    sqlite3_bind_int64(st, 1, since);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *cti = sqlite3_column_text(st, 1), *sub = sqlite3_column_text(st, 2);
        const char *id = (const char *)(cti ? cti : sub);
        uint8_t raw[16];
        if (!id || !hc_hex_parse(id, raw, cti ? 8 : 16))
            continue;   /* not an id (edited by hand): the audit names the row */
        tb_add(&t, id, strlen(id));
        tb_add(&t, "\n", 1);
        cti ? in.n_cti++ : in.n_sub++;
        in.last_seq = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(t.p);
        return hc_reg_sql_error(reg, rc, NULL, "reading the revocations");
    }
    n = snprintf(line, sizeof line, "# %zu cti, %zu sub; the next delta: since %" PRId64 "\n", in.n_cti, in.n_sub,
                 in.last_seq);
    tb_add(&t, line, (size_t)n);
    if (t.nomem) {
        free(t.p);
        return HC_E_NOMEM;
    }
    *text = t.p;
    *len = t.len;
    if (info)
        *info = in;
    return HC_OK;
}

/* ---------------------------------------------------------------- purges */

static hc_err purge_in(hc_register *reg, hc_reg_head *head, int64_t before, const hc_register_action *act,
                       uint64_t *rows, hc_diag *diag)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(reg->db, "UPDATE codes SET sub = NULL, doc = NULL, region = NULL"
                                " WHERE exp < ? AND (sub IS NOT NULL OR doc IS NOT NULL OR region IS NOT NULL)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, before);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_DONE)
        return hc_reg_sql_error(reg, rc, diag, "purging");
    int64_t n = sqlite3_changes64(reg->db);
    uint8_t hash[32];
    int64_t seq = head->seq + 1;
    hc_err err = hc_reg_chain_purge(reg, head->hash, seq, before, act->operator_id, act->now, n, hash);
    if (err != HC_OK)
        return hc_diag_set(diag, err, "", "cannot hash the purge");
    if ((err = hc_reg_prepare(reg, "INSERT INTO purges(seq, before, operator, at, rows, chain)"
                              " VALUES(?,?,?,?,?,?)", &st, "recording the purge", diag)) != HC_OK)
        return err;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_int64(st, 2, before);
    sqlite3_bind_text(st, 3, act->operator_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, act->now);
    sqlite3_bind_int64(st, 5, n);
    sqlite3_bind_blob(st, 6, hash, 32, SQLITE_STATIC);
    if ((err = hc_reg_append(reg, head, st, seq, hash, "recording the purge", diag)) == HC_OK)
        *rows = (uint64_t)n;
    return err;
}

hc_err hc_register_purge(hc_register *reg, int64_t before, const hc_register_action *act, uint64_t *rows,
                         hc_diag *diag)
{
    if (diag)
        memset(diag, 0, sizeof *diag);
    if (!reg || before < 0)
        return hc_diag_set(diag, HC_E_ARG, "before", "a register and a date from 1970 on are required");
    uint64_t n = 0;
    hc_reg_head head;
    hc_err err = hc_reg_check_action(act, false, diag);
    if (err != HC_OK || (err = hc_reg_begin(reg, &head, diag)) != HC_OK)
        return err;
    if ((err = purge_in(reg, &head, before, act, &n, diag)) != HC_OK) {
        hc_reg_rollback(reg);
        return err;
    }
    if ((err = hc_reg_commit(reg, &head, act->now, diag)) == HC_OK && rows)
        *rows = n;
    return err;
}

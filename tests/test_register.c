/* test_register.c — the issuer's register: what opening accepts and refuses,
 * recording and looking up codes, corrections and their refusals (nothing
 * written), revocations and the list out, the audit against every kind of
 * tampering with the rows, purges, stats and the chart. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <healthcode/healthcode.h>
#include "common.h"
#include "register_impl.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define T_RED 1579910400       /* 2020-01-25T08:00:00+08:00: four days after a stay in Wuhan */
#define T_LATER 1580515200     /* 2020-02-01T08:00:00+08:00 */
#define DAY 86400

/* A stay in Wuhan (420100) up to 2020-01-21: red on 2020-01-25 (a high-risk
 * region of the built-in map, 14 days); the corrected record has no stay. */
#define R_WUHAN "{\"id\":\"330402199001011230\",\"id_type\":\"cn_resident\",\"name\":\"张三\",\"residence\":330402," \
                "\"travel\":[{\"region\":420100,\"from\":\"2020-01-18\",\"to\":\"2020-01-21\"}]}"
#define R_FIXED "{\"id\":\"330402199001011230\",\"id_type\":\"cn_resident\",\"name\":\"张三\",\"residence\":330402}"
#define R_OTHER "{\"id\":\"330102198503154564\",\"id_type\":\"cn_resident\",\"name\":\"李四\",\"residence\":330102}"
#define R_HUBEI "{\"id\":\"420102199003073211\",\"id_type\":\"cn_resident\",\"name\":\"王五\",\"residence\":420102}"

static char dir[256];
static hc_key *key, *other_key;
static hc_policy *policy;
static const uint8_t secret[32] = "0123456789abcdef0123456789abcdef";

static int setup(void **state)
{
    (void)state;
    key = th_load_key("tests/keys/es256.pem");
    other_key = th_load_key("tests/keys/ed25519.pem");
    if (!key || !other_key || hc_policy_load(NULL, &policy, NULL) != HC_OK)
        return -1;
    return th_tmpdir(dir, sizeof dir, "hc_register");
}

static int teardown(void **state)
{
    (void)state;
    hc_key_free(key);
    hc_key_free(other_key);
    hc_policy_free(policy);
    return th_rmtree(dir);
}

/* ------------------------------------------------------------- helpers */

static void path_of(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", dir, name);
    unlink(buf);
    char side[600];
    snprintf(side, sizeof side, "%s-wal", buf);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", buf);
    unlink(side);
}

/* A token for record json assessed at now; with_sub: a subject secret. */
static void make_token(const char *json, int64_t now, bool with_sub, char *token, hc_colour *colour)
{
    hc_record *r = NULL;
    hc_issuer *is = NULL;
    hc_assessment a;
    size_t len = 0;
    assert_int_equal(hc_record_parse_json(json, strlen(json), &r, NULL), HC_OK);
    assert_int_equal(hc_assess(policy, r, now, &a, NULL), HC_OK);
    assert_int_equal(hc_issuer_new("CN-330000", key, &is), HC_OK);
    if (with_sub)
        assert_int_equal(hc_issuer_set_subject_secret(is, secret, sizeof secret), HC_OK);
    assert_int_equal(hc_issue(is, r, &a, now, DAY, token, HC_TOKEN_MAX + 1, &len), HC_OK);
    if (colour)
        *colour = a.colour;
    hc_issuer_free(is);
    hc_record_free(r);
}

static void cti_of(const char *token, char cti[17])
{
    hc_claims c;
    assert_int_equal(hc_inspect(token, strlen(token), &c), HC_OK);
    hc_hex_encode(c.cti, 8, cti);
}

static hc_register *open_new(char *path, size_t cap, const char *name)
{
    hc_register *reg = NULL;
    path_of(path, cap, name);
    assert_int_equal(hc_register_open(path, HC_REGISTER_CREATE, &reg, NULL), HC_OK);
    assert_int_equal(hc_register_set_key(reg, key), HC_OK);
    return reg;
}

static void record(hc_register *reg, const char *json, int64_t now, bool sub, char cti[17])
{
    char token[HC_TOKEN_MAX + 1];
    hc_diag d;
    make_token(json, now, sub, token, NULL);
    assert_int_equal(hc_register_record(reg, token, strlen(token), &d), HC_OK);
    if (cti)
        cti_of(token, cti);
}

static int64_t sql_int(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int64_t v = -1;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* Tampers as the sqlite3 shell would: another connection, plain SQL. */
static void sql_run(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, err);
    sqlite3_close(db);
}

static hc_err audit(const char *path, hc_register_audit_report *rep)
{
    hc_register *reg = NULL;
    assert_int_equal(hc_register_open(path, HC_REGISTER_READ_ONLY, &reg, NULL), HC_OK);
    const hc_key *keys[] = {key};
    hc_register_audit_opts o = {keys, 1, 0, {0}};
    hc_err err = hc_register_audit(reg, &o, rep);
    hc_register_free(reg);
    return err;
}

static const hc_register_action ACT = {"op-0042", "the trip of 2020-01-18 was not taken", "case 2020-0211",
                                       T_LATER};

/* ------------------------------------------------------------- opening */

static void test_open_checks(void **state)
{
    (void)state;
    char path[512], text[512];
    hc_register *reg = NULL;
    hc_diag d;
    struct stat st;

    path_of(path, sizeof path, "missing.db");
    assert_int_equal(hc_register_open(path, 0, &reg, &d), HC_E_IO);
    assert_int_equal(hc_register_open(path, HC_REGISTER_READ_ONLY, &reg, &d), HC_E_IO);
    assert_int_not_equal(access(path, F_OK), 0);    /* a reader makes no file */

    assert_int_equal(hc_register_open(path, HC_REGISTER_CREATE, &reg, &d), HC_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);      /* it holds pseudonyms */
    char id[33];
    assert_int_equal(hc_register_id(reg, id, sizeof id), HC_OK);
    assert_int_equal(strlen(id), 32);
    hc_register_free(reg);
    assert_int_equal(sql_int(path, "PRAGMA application_id"), HC_REG_APP_ID);
    assert_int_equal(sql_int(path, "PRAGMA user_version"), HC_REGISTER_SCHEMA_VERSION);
    assert_int_equal(hc_register_open(path, 0, &reg, &d), HC_OK);   /* reopened: the same id */
    char id2[33];
    assert_int_equal(hc_register_id(reg, id2, sizeof id2), HC_OK);
    assert_string_equal(id, id2);
    hc_register_free(reg);

    /* another schema version: its own error */
    sql_run(path, "PRAGMA user_version=2");
    assert_int_equal(hc_register_open(path, 0, &reg, &d), HC_E_REGISTER_VERSION);
    assert_non_null(strstr(d.message, "schema version 2"));
    sql_run(path, "PRAGMA user_version=1; DROP TABLE heads");
    assert_int_equal(hc_register_open(path, 0, &reg, &d), HC_E_REGISTER);
    assert_non_null(strstr(d.message, "heads"));

    /* a text file, an SQLite database of something else, an empty file */
    path_of(text, sizeof text, "notes.db");
    FILE *f = fopen(text, "w");
    assert_non_null(f);
    fputs("this is not a database, but it is long enough to look like one if you squint\n", f);
    fclose(f);
    assert_int_equal(hc_register_open(text, HC_REGISTER_CREATE, &reg, &d), HC_E_REGISTER);
    assert_non_null(strstr(d.message, "not an SQLite database"));
    path_of(text, sizeof text, "other.db");
    sql_run(text, "CREATE TABLE t(x)");
    assert_int_equal(hc_register_open(text, HC_REGISTER_CREATE, &reg, &d), HC_E_REGISTER);
    assert_non_null(strstr(d.message, "another application"));
    path_of(text, sizeof text, "empty.db");
    fclose(fopen(text, "w"));
    assert_int_equal(hc_register_open(text, HC_REGISTER_READ_ONLY, &reg, &d), HC_E_REGISTER);
    assert_int_equal(hc_register_open(text, 0, &reg, &d), HC_OK);   /* a writer makes the schema */
    hc_register_free(reg);
    assert_int_equal(hc_register_open(path, HC_REGISTER_CREATE | HC_REGISTER_READ_ONLY, &reg, &d), HC_E_ARG);
}

/* ------------------------------------------------------------- codes */

static void test_record_and_lookup(void **state)
{
    (void)state;
    char path[512], cti[17], cti2[17];
    hc_register *reg = open_new(path, sizeof path, "codes.db");
    record(reg, R_WUHAN, T_RED, true, cti);
    record(reg, R_OTHER, T_RED, false, cti2);
    hc_register_code c;
    assert_int_equal(hc_register_lookup(reg, cti, &c), HC_OK);
    assert_int_equal(c.seq, 1);
    assert_string_equal(c.cti, cti);
    assert_int_equal(strlen(c.sub), 32);
    assert_string_equal(c.iss, "CN-330000");
    assert_int_equal(c.colour, HC_RED);
    assert_int_equal(c.iat, T_RED);
    assert_int_equal(c.exp, T_RED + DAY);
    assert_int_equal(c.region, 330402);
    assert_int_equal(c.kind, 0);
    assert_string_equal(c.doc, "33**************30");
    assert_string_equal(c.batch, "");
    assert_false(c.revoked);
    assert_false(c.purged);
    uint8_t kid[8];
    char kidhex[17];
    assert_int_equal(hc_key_kid(key, kid), HC_OK);
    hc_hex_encode(kid, 8, kidhex);
    assert_string_equal(c.kid, kidhex);
    assert_int_equal(hc_register_lookup(reg, cti2, &c), HC_OK);
    assert_int_equal(c.seq, 2);
    assert_string_equal(c.sub, "");
    assert_int_equal(c.colour, HC_GREEN);
    /* upper case is the same cti */
    for (char *p = cti2; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'f' ? *p - 32 : *p);
    assert_int_equal(hc_register_lookup(reg, cti2, &c), HC_OK);
    assert_int_equal(hc_register_lookup(reg, "0000000000000000", &c), HC_E_REGISTER_UNKNOWN);
    assert_int_equal(hc_register_lookup(reg, "00000000", &c), HC_E_ARG);
    assert_int_equal(hc_register_record(reg, "HCODE1:nope", 11, NULL), HC_E_BASE45);
    hc_register_free(reg);
    /* two events, two heads, the counts */
    assert_int_equal(sql_int(path, "SELECT count(*) FROM codes"), 2);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM heads"), 2);
    assert_int_equal(sql_int(path, "SELECT sum(n) FROM counts WHERE colour='red'"), 1);
    /* a register without a key records nothing */
    assert_int_equal(hc_register_open(path, 0, &reg, NULL), HC_OK);
    char token[HC_TOKEN_MAX + 1];
    hc_diag d;
    make_token(R_OTHER, T_RED, false, token, NULL);
    assert_int_equal(hc_register_record(reg, token, strlen(token), &d), HC_E_ARG);
    assert_string_equal(d.field, "key");
    hc_register_free(reg);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM codes"), 2);
}

/* Another writer holds the lock past the busy timeout: register_busy, and
 * nothing written; once it lets go, the same call succeeds. */
static void test_busy(void **state)
{
    (void)state;
    char path[512], token[HC_TOKEN_MAX + 1];
    hc_diag d;
    hc_register *reg = open_new(path, sizeof path, "busy.db");
    record(reg, R_FIXED, T_RED, false, NULL);
    sqlite3 *other;
    assert_int_equal(sqlite3_open_v2(path, &other, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(hc_register_set_busy_timeout(reg, 50), HC_OK);
    make_token(R_OTHER, T_RED, false, token, NULL);
    assert_int_equal(hc_register_record(reg, token, strlen(token), &d), HC_E_REGISTER_BUSY);
    assert_non_null(strstr(d.message, "busy timeout"));
    /* readers are not blocked by a writer (WAL) */
    hc_register_stats *s = NULL;
    assert_int_equal(hc_register_stats_get(reg, HC_STATS_TOTAL, &s), HC_OK);
    assert_int_equal(s->issued[HC_GREEN], 1);
    hc_register_stats_free(s);
    assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    assert_int_equal(hc_register_record(reg, token, strlen(token), &d), HC_OK);
    hc_register_free(reg);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM codes"), 2);
}

/* ---------------------------------------------------------- corrections */

static void test_correct(void **state)
{
    (void)state;
    char path[512], old[17], other[17], token[HC_TOKEN_MAX + 1];
    hc_colour col;
    hc_diag d;
    hc_register *reg = open_new(path, sizeof path, "correct.db");
    make_token(R_WUHAN, T_RED, true, token, &col);
    assert_int_equal(col, HC_RED);
    assert_int_equal(hc_register_record(reg, token, strlen(token), NULL), HC_OK);
    cti_of(token, old);
    record(reg, R_OTHER, T_RED, true, other);
    int64_t events = sql_int(path, "SELECT max(seq) FROM heads");

    /* refusals, nothing written */
    char fixed[HC_TOKEN_MAX + 1], stranger[HC_TOKEN_MAX + 1], nosub[HC_TOKEN_MAX + 1];
    make_token(R_FIXED, T_LATER, true, fixed, &col);
    assert_int_equal(col, HC_GREEN);
    make_token(R_OTHER, T_LATER, true, stranger, NULL);
    make_token(R_FIXED, T_LATER, false, nosub, NULL);
    hc_register_action a = ACT;
    assert_int_equal(hc_register_correct(reg, "0000000000000000", fixed, strlen(fixed), &a, NULL, &d),
                     HC_E_REGISTER_UNKNOWN);
    assert_int_equal(hc_register_correct(reg, old, stranger, strlen(stranger), &a, NULL, &d), HC_E_SUBJECT_MISMATCH);
    assert_string_equal(d.field, "sub");
    assert_int_equal(hc_register_correct(reg, old, nosub, strlen(nosub), &a, NULL, &d), HC_E_SUBJECT_MISMATCH);
    a.reason = "";
    assert_int_equal(hc_register_correct(reg, old, fixed, strlen(fixed), &a, NULL, &d), HC_E_ARG);
    assert_string_equal(d.field, "reason");
    a = ACT;
    a.operator_id = "";
    assert_int_equal(hc_register_correct(reg, old, fixed, strlen(fixed), &a, NULL, &d), HC_E_ARG);
    assert_string_equal(d.field, "operator");
    a.operator_id = "op\n1";
    assert_int_equal(hc_register_correct(reg, old, fixed, strlen(fixed), &a, NULL, &d), HC_E_ARG);
    /* not UTF-8: an overlong '/', a surrogate, a lead byte past U+10FFFF */
    static const char *const not_utf8[] = {"op\xe0\x80\xaf", "op\xed\xa0\x80", "op\xf5\x80\x80\x80"};
    for (size_t i = 0; i < 3; i++) {
        a.operator_id = not_utf8[i];
        assert_int_equal(hc_register_correct(reg, old, fixed, strlen(fixed), &a, NULL, &d), HC_E_ARG);
        assert_string_equal(d.field, "operator");
    }
    a.operator_id = "值班员 7";   /* and UTF-8 passes the check (refused after it: the reason is empty) */
    a.reason = "";
    assert_int_equal(hc_register_correct(reg, old, fixed, strlen(fixed), &a, NULL, &d), HC_E_ARG);
    assert_string_equal(d.field, "reason");
    assert_int_equal(sql_int(path, "SELECT max(seq) FROM heads"), events);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM codes"), 2);

    /* the correction: new code, correction row, revocation, one head */
    hc_register_correction out;
    a = ACT;
    assert_int_equal(hc_register_correct(reg, old, fixed, strlen(fixed), &a, &out, &d), HC_OK);
    assert_int_equal(out.old_code.colour, HC_RED);
    assert_string_equal(out.old_code.cti, old);
    assert_int_equal(out.new_colour, HC_GREEN);
    char neu[17];
    cti_of(fixed, neu);
    assert_string_equal(out.new_cti, neu);
    assert_int_equal(out.seq, events + 2);
    assert_int_equal(sql_int(path, "SELECT max(seq) FROM heads"), events + 3);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM corrections WHERE operator='op-0042' AND "
                                   "reason='the trip of 2020-01-18 was not taken' AND evidence='case 2020-0211'"), 1);
    hc_register_code c;
    assert_int_equal(hc_register_lookup(reg, old, &c), HC_OK);
    assert_true(c.revoked);
    assert_int_equal(hc_register_lookup(reg, neu, &c), HC_OK);
    assert_false(c.revoked);
    assert_int_equal(c.colour, HC_GREEN);

    /* the old cti again: already revoked; the new token again: its cti is in */
    char again[HC_TOKEN_MAX + 1];
    make_token(R_FIXED, T_LATER, true, again, NULL);
    assert_int_equal(hc_register_correct(reg, old, again, strlen(again), &a, NULL, &d), HC_E_REGISTER_REVOKED);
    assert_int_equal(hc_register_correct(reg, neu, fixed, strlen(fixed), &a, NULL, &d), HC_E_ARG);
    /* without sub, by the masked document */
    char nosub_old[17], other_doc[HC_TOKEN_MAX + 1];
    record(reg, R_HUBEI, T_RED, false, nosub_old);
    make_token(R_OTHER, T_LATER, false, other_doc, NULL);
    assert_int_equal(hc_register_correct(reg, nosub_old, other_doc, strlen(other_doc), &a, NULL, &d),
                     HC_E_SUBJECT_MISMATCH);
    assert_string_equal(d.field, "doc");
    make_token(R_HUBEI, T_LATER, false, other_doc, NULL);
    assert_int_equal(hc_register_correct(reg, nosub_old, other_doc, strlen(other_doc), &a, NULL, &d), HC_OK);
    hc_register_free(reg);
    hc_register_audit_report rep;
    assert_int_equal(audit(path, &rep), HC_OK);
    assert_int_equal(rep.events, 9);
}

/* ---------------------------------------------------------- revocations */

static void test_revoke_and_list(void **state)
{
    (void)state;
    char path[512], a_cti[17], b_cti[17];
    hc_diag d;
    hc_register *reg = open_new(path, sizeof path, "revoke.db");
    record(reg, R_FIXED, T_RED, true, a_cti);
    record(reg, R_OTHER, T_RED, true, b_cti);
    hc_register_code b;
    assert_int_equal(hc_register_lookup(reg, b_cti, &b), HC_OK);
    hc_register_action act = ACT;
    int64_t seq = 0;
    assert_int_equal(hc_register_revoke(reg, a_cti, b.sub, &act, &seq, &d), HC_E_ARG);
    assert_int_equal(hc_register_revoke(reg, NULL, NULL, &act, &seq, &d), HC_E_ARG);
    assert_int_equal(hc_register_revoke(reg, "123", NULL, &act, &seq, &d), HC_E_ARG);
    assert_int_equal(hc_register_revoke(reg, "0000000000000000", NULL, &act, &seq, &d), HC_E_REGISTER_UNKNOWN);
    assert_int_equal(hc_register_revoke(reg, NULL, "00000000000000000000000000000000", &act, &seq, &d),
                     HC_E_REGISTER_UNKNOWN);
    act.reason = NULL;
    assert_int_equal(hc_register_revoke(reg, a_cti, NULL, &act, &seq, &d), HC_E_ARG);
    act = ACT;
    assert_int_equal(hc_register_revoke(reg, a_cti, NULL, &act, &seq, &d), HC_OK);
    assert_int_equal(seq, 3);
    assert_int_equal(hc_register_revoke(reg, a_cti, NULL, &act, &seq, &d), HC_E_REGISTER_REVOKED);

    char *text = NULL;
    size_t len = 0;
    hc_register_revocations_info info;
    assert_int_equal(hc_register_revocations(reg, 0, &text, &len, &info), HC_OK);
    assert_int_equal(info.n_cti, 1);
    assert_int_equal(info.last_seq, 3);
    assert_non_null(strstr(text, a_cti));
    hc_free(text);
    assert_int_equal(hc_register_revoke(reg, NULL, b.sub, &act, &seq, &d), HC_OK);
    assert_int_equal(hc_register_revoke(reg, b_cti, NULL, &act, &seq, &d), HC_E_REGISTER_REVOKED);   /* by its sub */
    /* the delta after 3 holds the sub only; the verifier reads it */
    assert_int_equal(hc_register_revocations(reg, 3, &text, &len, &info), HC_OK);
    assert_int_equal(info.n_cti, 0);
    assert_int_equal(info.n_sub, 1);
    assert_int_equal(info.last_seq, 4);
    assert_null(strstr(text, a_cti));
    hc_revocations *rv = NULL;
    assert_int_equal(hc_revocations_new(&rv), HC_OK);
    assert_int_equal(hc_revocations_add_text(rv, text, len, NULL), HC_OK);
    uint8_t sub[16];
    assert_true(hc_hex_parse(b.sub, sub, 16));
    assert_true(hc_revocations_has_sub(rv, sub));
    hc_revocations_free(rv);
    hc_free(text);
    assert_int_equal(hc_register_revocations(reg, -1, &text, &len, &info), HC_E_ARG);
    hc_register_free(reg);
}

/* ---------------------------------------------------------------- audit */

/* A register of five events: 3 codes, a correction (code, correction,
 * revocation). */
static void build_audited(char *path, size_t cap, const char *name)
{
    char old[17], token[HC_TOKEN_MAX + 1];
    hc_register *reg = open_new(path, cap, name);
    record(reg, R_WUHAN, T_RED, true, old);
    record(reg, R_OTHER, T_RED, true, NULL);
    record(reg, R_HUBEI, T_RED, true, NULL);
    make_token(R_FIXED, T_LATER, true, token, NULL);
    hc_register_action a = ACT;
    assert_int_equal(hc_register_correct(reg, old, token, strlen(token), &a, NULL, NULL), HC_OK);
    hc_register_free(reg);
}

static void expect_audit_fails(const char *name, const char *tamper, int64_t bad_seq, const char *where)
{
    char path[512];
    hc_register_audit_report rep;
    build_audited(path, sizeof path, name);
    assert_int_equal(audit(path, &rep), HC_OK);
    assert_int_equal(rep.events, 6);
    assert_int_equal(rep.heads, 4);
    sql_run(path, tamper);
    if (audit(path, &rep) != HC_E_AUDIT)
        fail_msg("%s: the audit passed", tamper);
    if (rep.bad_seq != bad_seq || !strstr(rep.where, where))
        fail_msg("%s: bad_seq %lld where '%s' (%s), expected %lld '%s'", tamper, (long long)rep.bad_seq,
                 rep.where, rep.message, (long long)bad_seq, where);
}

static void test_audit_tampering(void **state)
{
    (void)state;
    expect_audit_fails("t1.db", "UPDATE codes SET colour='green' WHERE seq=1", 1, "codes seq 1 (cti ");
    expect_audit_fails("t2.db", "UPDATE codes SET sub='00000000000000000000000000000000' WHERE seq=2", 2,
                       "codes seq 2");
    expect_audit_fails("t3.db", "UPDATE codes SET region=NULL, sub=NULL, doc=NULL WHERE seq=3", 3, "codes seq 3");
    expect_audit_fails("t4.db", "DELETE FROM codes WHERE seq=2", 3, "codes seq 3");
    /* reordered: two rows swap places in the chain */
    expect_audit_fails("t5.db", "UPDATE codes SET seq=-1 WHERE seq=1; UPDATE codes SET seq=1 WHERE seq=2;"
                       " UPDATE codes SET seq=2 WHERE seq=-1", 1, "codes seq 1");
    expect_audit_fails("t6.db", "UPDATE corrections SET reason='typo' WHERE seq=5", 5, "corrections seq 5");
    expect_audit_fails("t7.db", "DELETE FROM revocations", 0, "heads seq 6");
    /* a forged head: its signature, then a head of a changed chain */
    expect_audit_fails("t8.db", "UPDATE heads SET sig=zeroblob(64) WHERE seq=2", 0, "heads seq 2");
    expect_audit_fails("t9.db", "UPDATE heads SET at=at+1 WHERE seq=1", 0, "heads seq 1");
    expect_audit_fails("t10.db", "UPDATE heads SET chain=(SELECT chain FROM codes WHERE seq=1) WHERE seq=2", 0,
                       "heads seq 2");
    /* the last head deleted: the last events are signed by nothing */
    expect_audit_fails("t11.db", "DELETE FROM heads WHERE seq=(SELECT max(seq) FROM heads)", 4, "codes seq 4");
    /* a row appended by hand with a copied chain hash */
    expect_audit_fails("t12.db", "INSERT INTO revocations SELECT 7, cti, NULL, 'x', 'y', 0, chain FROM codes"
                       " WHERE seq=3", 7, "revocations seq 7");
    expect_audit_fails("t13.db", "UPDATE counts SET n=n+1 WHERE colour='green'", 0, "counts day 2020-0");
}

/* Someone with the signing key rewrites the history; a head kept outside
 * the register catches it. */
static void test_audit_outside_head(void **state)
{
    (void)state;
    char path[512], copy[512];
    hc_register_audit_report rep, forged;
    build_audited(path, sizeof path, "outside.db");
    assert_int_equal(audit(path, &rep), HC_OK);
    hc_register *reg = NULL;
    assert_int_equal(hc_register_open(path, 0, &reg, NULL), HC_OK);
    char id[33];
    assert_int_equal(hc_register_id(reg, id, sizeof id), HC_OK);
    hc_register_free(reg);
    /* the same register id, a different history, every head validly signed */
    path_of(copy, sizeof copy, "rewritten.db");
    assert_int_equal(hc_register_open(copy, HC_REGISTER_CREATE, &reg, NULL), HC_OK);
    hc_register_free(reg);
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE meta SET value='%s' WHERE key='id'", id);
    sql_run(copy, sql);
    assert_int_equal(hc_register_open(copy, 0, &reg, NULL), HC_OK);
    assert_int_equal(hc_register_set_key(reg, key), HC_OK);
    for (int i = 0; i < 6; i++)
        record(reg, R_OTHER, T_RED, true, NULL);
    hc_register_free(reg);
    assert_int_equal(audit(copy, &forged), HC_OK);   /* signed by the key: it passes alone */
    assert_int_equal(hc_register_open(copy, HC_REGISTER_READ_ONLY, &reg, NULL), HC_OK);
    const hc_key *keys[] = {key};
    hc_register_audit_opts o = {keys, 1, rep.last_seq, {0}};
    memcpy(o.expect_hash, rep.head_hash, 32);
    assert_int_equal(hc_register_audit(reg, &o, &forged), HC_E_AUDIT);
    assert_int_equal(forged.bad_seq, 6);
    assert_non_null(strstr(forged.message, "rewritten"));
    o.expect_seq = 60;
    assert_int_equal(hc_register_audit(reg, &o, &forged), HC_E_AUDIT);
    assert_non_null(strstr(forged.message, "ends at event 6"));
    /* heads signed by a key the auditor was not given */
    keys[0] = other_key;
    o.expect_seq = 0;
    assert_int_equal(hc_register_audit(reg, &o, &forged), HC_E_AUDIT);
    assert_non_null(strstr(forged.message, "not one of the keys"));
    hc_register_free(reg);
    /* the genuine one against its own head passes */
    assert_int_equal(hc_register_open(path, HC_REGISTER_READ_ONLY, &reg, NULL), HC_OK);
    keys[0] = key;
    o.expect_seq = rep.last_seq;
    assert_int_equal(hc_register_audit(reg, &o, &forged), HC_OK);
    hc_register_free(reg);
}

/* ------------------------------------------------------- purge and stats */

static void test_purge_keeps_counts(void **state)
{
    (void)state;
    char path[512], early[17], late[17];
    hc_diag d;
    hc_register *reg = open_new(path, sizeof path, "purge.db");
    record(reg, R_WUHAN, T_RED, true, early);
    record(reg, R_OTHER, T_RED, false, NULL);
    record(reg, R_HUBEI, T_LATER, true, late);
    hc_register_stats *before = NULL, *after = NULL;
    assert_int_equal(hc_register_stats_get(reg, HC_STATS_BY_PREFECTURE, &before), HC_OK);
    hc_register_action a = {"dpo-7", NULL, NULL, T_LATER + 30 * DAY};
    uint64_t rows = 0;
    a.operator_id = NULL;
    assert_int_equal(hc_register_purge(reg, T_RED + 2 * DAY, &a, &rows, &d), HC_E_ARG);
    a.operator_id = "dpo-7";
    assert_int_equal(hc_register_purge(reg, T_RED + 2 * DAY, &a, &rows, &d), HC_OK);
    assert_int_equal(rows, 2);    /* the two codes that expired before; not the later one */
    hc_register_code c;
    assert_int_equal(hc_register_lookup(reg, early, &c), HC_OK);
    assert_true(c.purged);
    assert_string_equal(c.sub, "");
    assert_string_equal(c.doc, "");
    assert_int_equal(c.region, 0);
    assert_int_equal(hc_register_lookup(reg, late, &c), HC_OK);
    assert_false(c.purged);
    assert_int_equal(c.region, 420102);
    assert_int_equal(hc_register_stats_get(reg, HC_STATS_BY_PREFECTURE, &after), HC_OK);
    assert_int_equal(after->n_rows, before->n_rows);
    for (size_t i = 0; i < after->n_rows; i++) {
        assert_int_equal(after->rows[i].key, before->rows[i].key);
        assert_memory_equal(after->rows[i].issued, before->rows[i].issued, sizeof after->rows[i].issued);
    }
    hc_register_stats_free(before);
    hc_register_stats_free(after);
    /* a purged code cannot be corrected: its subject is gone */
    char token[HC_TOKEN_MAX + 1];
    make_token(R_FIXED, T_LATER, true, token, NULL);
    hc_register_action act = ACT;
    assert_int_equal(hc_register_correct(reg, early, token, strlen(token), &act, NULL, &d), HC_E_SUBJECT_MISMATCH);
    hc_register_free(reg);
    hc_register_audit_report rep;
    assert_int_equal(audit(path, &rep), HC_OK);
    assert_int_equal(rep.events, 4);
    /* emptied by hand, not by a purge: the chain says so */
    sql_run(path, "UPDATE codes SET sub=NULL, doc=NULL, region=NULL WHERE seq=3");
    assert_int_equal(audit(path, &rep), HC_E_AUDIT);
    assert_int_equal(rep.bad_seq, 3);
}

static void test_stats(void **state)
{
    (void)state;
    char path[512];
    hc_register *reg = open_new(path, sizeof path, "stats.db");
    record(reg, R_WUHAN, T_RED, true, NULL);         /* red, 330402, 2020-01-25 */
    record(reg, R_OTHER, T_RED, true, NULL);         /* green, 330102 */
    record(reg, R_HUBEI, T_RED, true, NULL);         /* green, 420102 */
    record(reg, R_FIXED, T_LATER, true, NULL);       /* green, 330402, 2020-02-01 */
    hc_register_stats *s = NULL;
    assert_int_equal(hc_register_stats_get(reg, HC_STATS_TOTAL, &s), HC_OK);
    assert_int_equal(s->issued[HC_GREEN], 3);
    assert_int_equal(s->issued[HC_RED], 1);
    assert_int_equal(s->n_rows, 1);
    hc_register_stats_free(s);
    assert_int_equal(hc_register_stats_get(reg, HC_STATS_BY_DAY, &s), HC_OK);
    assert_int_equal(s->n_rows, 2);
    assert_int_equal(s->rows[0].key, (T_RED + 8 * 3600) / DAY);
    assert_int_equal(s->rows[0].issued[HC_GREEN], 2);
    assert_int_equal(s->rows[0].issued[HC_RED], 1);
    assert_int_equal(s->rows[1].issued[HC_GREEN], 1);
    hc_register_stats_free(s);
    assert_int_equal(hc_register_stats_get(reg, HC_STATS_BY_PROVINCE, &s), HC_OK);
    assert_int_equal(s->n_rows, 2);
    assert_int_equal(s->rows[0].key, 330000);
    assert_int_equal(s->rows[0].issued[HC_GREEN] + s->rows[0].issued[HC_RED], 3);
    assert_int_equal(s->rows[1].key, 420000);
    hc_register_stats_free(s);
    assert_int_equal(hc_register_stats_get(reg, HC_STATS_BY_PREFECTURE, &s), HC_OK);
    assert_int_equal(s->n_rows, 3);
    assert_int_equal(s->rows[0].key, 330100);
    assert_int_equal(s->rows[1].key, 330400);
    assert_int_equal(s->rows[1].issued[HC_GREEN], 1);
    assert_int_equal(s->rows[1].issued[HC_RED], 1);
    assert_int_equal(s->rows[2].key, 420100);
#if HC_WITH_REGISTER_CHART
    char svg[600], png[600];
    snprintf(svg, sizeof svg, "%s/chart.svg", dir);
    snprintf(png, sizeof png, "%s/chart.png", dir);
    assert_int_equal(hc_register_chart(s, HC_CHART_SVG, svg), HC_OK);
    assert_int_equal(hc_register_chart(s, HC_CHART_PNG, png), HC_OK);
    size_t n = 0;
    char *data = NULL;
    assert_int_equal(hc_read_file(svg, 1 << 22, &data, &n), HC_OK);
    assert_non_null(strstr(data, "<svg"));
    free(data);
    assert_int_equal(hc_read_file(png, 1 << 22, &data, &n), HC_OK);
    assert_memory_equal(data, "\x89PNG\r\n\x1a\n", 8);
    free(data);
#else
    assert_int_equal(hc_register_chart(s, HC_CHART_SVG, "/tmp/x.svg"), HC_E_UNSUPPORTED);
#endif
    hc_register_stats_free(s);
    assert_int_equal(hc_register_stats_get(reg, HC_STATS_TOTAL, &s), HC_OK);
    assert_int_equal(hc_register_chart(s, HC_CHART_SVG, "/tmp/x.svg"), HC_WITH_REGISTER_CHART ? HC_E_ARG : HC_E_UNSUPPORTED);
    hc_register_stats_free(s);
    hc_register_free(reg);
}

/* --------------------------------------------------------------- batches */

static void write_records(const char *path, int n)
{
    static const char *const recs[] = {R_WUHAN, R_FIXED, R_OTHER, R_HUBEI};
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s\n", i % 17 == 16 ? "{\"id\":\"bad\"}" : recs[i % 4]);
    fclose(f);
}

/* The token lines of DIR/tokens.jsonl, and how many are each colour. */
static int64_t token_lines(const char *out, int64_t by_colour[3])
{
    char path[700], line[8192];
    snprintf(path, sizeof path, "%s/tokens.jsonl", out);
    FILE *f = fopen(path, "r");
    int64_t n = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        n++;
        for (int c = 0; c < 3 && by_colour; c++) {
            char want[32];
            snprintf(want, sizeof want, "\"colour\":\"%s\"", hc_colour_name((hc_colour)c));
            if (strstr(line, want))
                by_colour[c]++;
        }
    }
    fclose(f);
    return n;
}

static hc_err run_batch(hc_register *reg, const char *in, const char *out, bool resume, uint64_t max_errors,
                        hc_diag *d)
{
    hc_batch_opts o = {0};
    o.key = key;
    o.iss = "CN-330000";
    o.now = T_RED;
    o.threads = 2;
    o.checkpoint = 50;
    o.resume = resume;
    o.max_errors = max_errors;
    o.reg = reg;
    hc_batch_summary sum;
    return hc_batch_run(&o, in, out, &sum, d);
}

static void test_batch_rows(void **state)
{
    (void)state;
    char path[512], in[600], out[600], out2[600], sql[256];
    hc_diag d;
    snprintf(in, sizeof in, "%s/people.jsonl", dir);
    snprintf(out, sizeof out, "%s/batch-a", dir);
    snprintf(out2, sizeof out2, "%s/batch-b", dir);
    write_records(in, 300);
    hc_register *reg = open_new(path, sizeof path, "batch.db");

    /* stopped by max_errors, then resumed: one row a token line, no more */
    assert_int_equal(run_batch(reg, in, out, false, 5, &d), HC_E_LIMIT);
    int64_t lines = token_lines(out, NULL);
    assert_true(lines > 0 && lines < 282);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM codes"), lines);
    assert_int_equal(run_batch(reg, in, out, true, 0, &d), HC_OK);
    int64_t col[3] = {0};
    lines = token_lines(out, col);
    assert_int_equal(lines, 300 - 300 / 17);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM codes"), lines);
    assert_int_equal(sql_int(path, "SELECT count(DISTINCT line) FROM codes"), lines);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM codes WHERE colour='red'");
    assert_int_equal(sql_int(path, sql), col[HC_RED]);
    assert_int_equal(sql_int(path, "SELECT sum(n) FROM counts WHERE colour='green'"), col[HC_GREEN]);
    /* resuming a finished batch adds nothing */
    assert_int_equal(run_batch(reg, in, out, true, 0, &d), HC_OK);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM codes"), lines);

    /* a batch begun without a register, resumed with one: every line added */
    assert_int_equal(run_batch(NULL, in, out2, false, 0, &d), HC_OK);
    assert_int_equal(run_batch(reg, in, out2, true, 0, &d), HC_OK);
    assert_int_equal(sql_int(path, "SELECT count(*) FROM codes"), 2 * lines);
    /* and now it must keep the register */
    assert_int_equal(run_batch(NULL, in, out2, true, 0, &d), HC_E_ARG);
    assert_non_null(strstr(d.message, "resume it with that register"));
    char other_path[512];
    hc_register *other = open_new(other_path, sizeof other_path, "other-batch.db");
    assert_int_equal(run_batch(other, in, out2, true, 0, &d), HC_E_ARG);
    assert_non_null(strstr(d.message, "not into this one"));
    hc_register_free(other);

    /* a register holding lines the file lost: refused, nothing written */
    char tok[700];
    snprintf(tok, sizeof tok, "%s/tokens.jsonl", out);
    assert_int_equal(truncate(tok, 0), 0);
    int64_t heads = sql_int(path, "SELECT count(*) FROM heads");
    assert_int_equal(run_batch(reg, in, out, true, 0, &d), HC_E_REGISTER);
    assert_non_null(strstr(d.message, "the register or the file was changed"));
    assert_int_equal(sql_int(path, "SELECT count(*) FROM heads"), heads);
    hc_register_free(reg);
    hc_register_audit_report rep;
    assert_int_equal(audit(path, &rep), HC_OK);
    assert_int_equal(rep.events, 2 * lines);
    /* the progress a resume trusts is checked too */
    sql_run(path, "UPDATE batches SET last_line = last_line - 1 WHERE batch = (SELECT min(batch) FROM batches)");
    assert_int_equal(audit(path, &rep), HC_E_AUDIT);
    assert_non_null(strstr(rep.where, "batches "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_checks),
        cmocka_unit_test(test_record_and_lookup),
        cmocka_unit_test(test_busy),
        cmocka_unit_test(test_correct),
        cmocka_unit_test(test_revoke_and_list),
        cmocka_unit_test(test_audit_tampering),
        cmocka_unit_test(test_audit_outside_head),
        cmocka_unit_test(test_purge_keeps_counts),
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_batch_rows),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

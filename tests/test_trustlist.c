/* test_trustlist.c — trust-list JSON: keys for many issuers, each entry's
 * checks, the errors naming their entry, and the refusals that follow from an
 * entry's issuer and validity window (tokens made with hc_issue). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mint.h"
#include "trust_impl.h"
#include <healthcode/issue.h>

#include <unistd.h>

#define FEB_01 1580515200 /* 2020-02-01T00:00:00Z */
#define MAR_01 1583020800 /* 2020-03-01T00:00:00Z */
#define NOW 1581300000    /* 2020-02-10T02:00:00Z */

static hc_key *key_a, *key_b; /* ES256: Zhejiang, Beijing */
static hc_key *key_ed;        /* Ed25519 */
static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    key_a = mint_load_key("tests/keys/es256.pem");
    key_b = mint_load_key("tests/keys/es256-b.pem");
    key_ed = mint_load_key("tests/keys/ed25519.pem");
    return key_a && key_b && key_ed && th_tmpdir(tmpdir, sizeof tmpdir, "hc_trustlist") == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    hc_key_free(key_a);
    hc_key_free(key_b);
    hc_key_free(key_ed);
    return th_rmtree(tmpdir);
}

/* The public PEM of k as a JSON string body (newlines escaped). */
static void json_pem(const hc_key *k, char *out, size_t cap)
{
    char pem[1024];
    size_t len = 0;
    assert_int_equal(hc_key_public_pem(k, pem, sizeof pem, &len), HC_OK);
    size_t w = 0;
    for (size_t i = 0; i < len && w + 3 < cap; i++) {
        if (pem[i] == '\n') {
            out[w++] = '\\';
            out[w++] = 'n';
        } else {
            out[w++] = pem[i];
        }
    }
    out[w] = '\0';
}

static void kid_hex(const hc_key *k, char out[17])
{
    uint8_t kid[HC_KID_LEN];
    assert_int_equal(hc_key_kid(k, kid), HC_OK);
    for (int i = 0; i < HC_KID_LEN; i++)
        snprintf(out + 2 * i, 3, "%02x", kid[i]);
}

/* One entry's JSON; extra is inserted verbatim after the standard keys. */
static void entry(char *out, size_t cap, const char *iss, const hc_key *k, const char *alg,
                  const char *extra)
{
    char pem[1200], kid[17];
    json_pem(k, pem, sizeof pem);
    kid_hex(k, kid);
    snprintf(out, cap, "{\"issuer\": \"%s\", \"kid\": \"%s\", \"alg\": \"%s\", \"public_key\": \"%s\"%s%s}",
             iss, kid, alg ? alg : hc_alg_name(hc_key_alg(k)), pem, extra ? ", " : "",
             extra ? extra : "");
}

static const char *write_list(const char *name, const char *body)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(body, f);
    assert_int_equal(fclose(f), 0);
    return path;
}

static void issue(const hc_key *k, const char *iss, int64_t iat, char *text, size_t *len)
{
    hc_issuer *is = NULL;
    hc_assessment a;
    memset(&a, 0, sizeof a);
    a.colour = HC_GREEN;
    assert_int_equal(hc_issuer_new(iss, k, &is), HC_OK);
    assert_int_equal(hc_issue(is, NULL, &a, iat, 7 * 86400, text, HC_TOKEN_MAX + 1, len), HC_OK);
    hc_issuer_free(is);
}

static hc_err verify(const hc_trust *t, const hc_key *k, const char *iss, int64_t iat, int64_t now)
{
    char text[HC_TOKEN_MAX + 1];
    size_t len = 0;
    issue(k, iss, iat, text, &len);
    hc_claims c;
    return hc_verify(t, text, len, now, NULL, &c);
}

static void many_issuers(void **state)
{
    (void)state;
    char e1[2048], e2[2048], e3[2048], body[8192];
    entry(e1, sizeof e1, "CN-330000", key_a, NULL, "\"not_before\": \"2020-02-01T00:00:00Z\"");
    entry(e2, sizeof e2, "CN-110000", key_b, "es256", "\"not_after\": null, \"comment\": \"Beijing\"");
    entry(e3, sizeof e3, "CN-440000", key_ed, "EdDSA", NULL);
    snprintf(body, sizeof body, "{\"version\": 1, \"entries\": [%s, %s, %s]}", e1, e2, e3);
    const char *path = write_list("list.json", body);

    hc_trust *t = NULL;
    assert_int_equal(hc_trust_new(&t), HC_OK);
    hc_diag d;
    memset(&d, 0, sizeof d);
    hc_err err = hc_trust_add_path(t, path, &d);
    if (err != HC_OK)
        fail_msg("%s: %s %s", hc_err_name(err), d.field, d.message);
    assert_int_equal(hc_trust_count(t), 3);

    assert_int_equal(verify(t, key_a, "CN-330000", NOW, NOW), HC_OK);
    assert_int_equal(verify(t, key_b, "CN-110000", NOW, NOW), HC_OK);
    assert_int_equal(verify(t, key_ed, "CN-440000", NOW, NOW), HC_OK);
    /* each key speaks only for its own issuer */
    assert_int_equal(verify(t, key_b, "CN-330000", NOW, NOW), HC_E_ISSUER_MISMATCH);
    assert_int_equal(verify(t, key_a, "CN-110000", NOW, NOW), HC_E_ISSUER_MISMATCH);
    /* Zhejiang's key was not valid before 1 February */
    assert_int_equal(verify(t, key_a, "CN-330000", FEB_01 - 1, FEB_01), HC_E_KEY_NOT_VALID);
    assert_int_equal(verify(t, key_a, "CN-330000", FEB_01, FEB_01), HC_OK);
    hc_trust_free(t);
}

static void validity_window(void **state)
{
    (void)state;
    char e[2048], body[4096];
    /* the same instants as epoch seconds and as ISO 8601 with an offset */
    static const char *const windows[] = {
        "\"not_before\": 1580515200, \"not_after\": 1583020800",
        "\"not_before\": \"2020-02-01T08:00:00+08:00\", \"not_after\": \"2020-03-01T00:00:00Z\"",
    };
    for (size_t i = 0; i < 2; i++) {
        entry(e, sizeof e, "CN-330000", key_a, NULL, windows[i]);
        snprintf(body, sizeof body, "{\"version\": 1, \"entries\": [%s]}", e);
        hc_trust *t = NULL;
        assert_int_equal(hc_trust_new(&t), HC_OK);
        assert_int_equal(hc_trust_add_path(t, write_list("w.json", body), NULL), HC_OK);
        size_t n = 0;
        uint8_t kid[HC_KID_LEN];
        assert_int_equal(hc_key_kid(key_a, kid), HC_OK);
        const hc_trusted_key *tk = hc_trust_lookup(t, kid, &n);
        assert_int_equal(n, 1);
        assert_int_equal(tk->not_before, FEB_01);
        assert_int_equal(tk->not_after, MAR_01);
        assert_string_equal(tk->iss, "CN-330000");

        assert_int_equal(verify(t, key_a, "CN-330000", FEB_01 - 1, FEB_01), HC_E_KEY_NOT_VALID);
        assert_int_equal(verify(t, key_a, "CN-330000", FEB_01, FEB_01), HC_OK);
        assert_int_equal(verify(t, key_a, "CN-330000", MAR_01 - 1, MAR_01), HC_OK);
        /* not_after is exclusive */
        assert_int_equal(verify(t, key_a, "CN-330000", MAR_01, MAR_01), HC_E_KEY_NOT_VALID);
        hc_trust_free(t);
    }
}

static void errors_name_the_entry(void **state)
{
    (void)state;
    char good[2048], bad[10300], body[10400], priv[1200];
    entry(good, sizeof good, "CN-330000", key_a, NULL, NULL);
    char pem_b[1200], kid_a[17];
    json_pem(key_b, pem_b, sizeof pem_b);
    kid_hex(key_a, kid_a);
    {
        /* the private half of a test key, as a careless publisher might paste it */
        size_t len = 0;
        char *p = mint_read_source("tests/keys/es256.pem", &len);
        assert_non_null(p);
        size_t w = 0;
        for (size_t i = 0; i < len && w + 3 < sizeof priv; i++) {
            if (p[i] == '\n') {
                priv[w++] = '\\';
                priv[w++] = 'n';
            } else {
                priv[w++] = p[i];
            }
        }
        priv[w] = '\0';
        free(p);
    }
    char e_kid[2048], e_alg[2048], e_nb[2048], e_na[2048], e_neg[2048], e_nb_date[2048];
    entry(e_alg, sizeof e_alg, "CN-330000", key_a, "EdDSA", NULL);
    entry(e_nb, sizeof e_nb, "CN-330000", key_a, NULL, "\"not_before\": \"1 Feb 2020\"");
    entry(e_nb_date, sizeof e_nb_date, "CN-330000", key_a, NULL, "\"not_before\": \"2020-02-30\"");
    entry(e_na, sizeof e_na, "CN-330000", key_a, NULL, "\"not_before\": 1583020800, \"not_after\": 1580515200");
    entry(e_neg, sizeof e_neg, "CN-330000", key_a, NULL, "\"not_before\": -1");
    /* key_b's PEM under key_a's kid */
    snprintf(e_kid, sizeof e_kid,
             "{\"issuer\": \"CN-110000\", \"kid\": \"%s\", \"alg\": \"ES256\", \"public_key\": \"%s\"}",
             kid_a, pem_b);

    const struct {
        const char *entries;   /* the JSON after "entries": */
        const char *field;
    } cases[] = {
        {"[%s, {\"kid\": \"00\"}]", "entries[1].issuer"},
        {"[%s, {\"issuer\": \"CN-330000\", \"kid\": \"xyz\"}]", "entries[1].kid"},
        {"[%s, %s]", "entries[1].kid"},               /* e_kid: declared kid is not the key's */
        {"[%s, %s]", "entries[1].alg"},               /* e_alg */
        {"[%s, %s]", "entries[1].not_before"},        /* e_nb */
        {"[%s, %s]", "entries[1].not_before"},        /* e_nb_date */
        {"[%s, %s]", "entries[1].not_after"},         /* e_na */
        {"[%s, %s]", "entries[1].not_before"},        /* e_neg */
        {"[%s, 7]", "entries[1]"},
        {"[]", "entries"},
    };
    const char *second[] = {NULL, NULL, e_kid, e_alg, e_nb, e_nb_date, e_na, e_neg, NULL, NULL};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char list[6144];
        snprintf(list, sizeof list, cases[i].entries, good, second[i] ? second[i] : "");
        snprintf(body, sizeof body, "{\"version\": 1, \"entries\": %s}", list);
        hc_trust *t = NULL;
        assert_int_equal(hc_trust_new(&t), HC_OK);
        hc_diag d;
        memset(&d, 0, sizeof d);
        hc_err err = hc_trust_add_path(t, write_list("bad.json", body), &d);
        if (err != HC_E_TRUST_LIST || strcmp(d.field, cases[i].field) != 0)
            fail_msg("case %zu: got %s field '%s' (%s), want %s", i, hc_err_name(err), d.field,
                     d.message, cases[i].field);
        assert_non_null(strstr(d.message, cases[i].field));
        /* a bad list adds nothing, not even its good entries */
        assert_int_equal(hc_trust_count(t), 0);
        hc_trust_free(t);
    }

    /* the fourth entry's key does not parse / is a private key / alg unknown */
    static const struct {
        const char *fmt;
        const char *field;
    } fourth[] = {
        {"{\"issuer\": \"CN-1\", \"kid\": \"0011223344556677\", \"alg\": \"ES256\", \"public_key\": \"-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----\\n\"}",
         "entries[3].public_key"},
        {"{\"issuer\": \"CN-1\", \"kid\": \"%s\", \"alg\": \"ES256\", \"public_key\": \"%s\"}",
         "entries[3].public_key"},
        {"{\"issuer\": \"CN-1\", \"kid\": \"%s\", \"alg\": \"RS256\", \"public_key\": \"%s\"}",
         "entries[3].alg"},
        {"{\"issuer\": \"CN-000000000000000000000000000000000\", \"kid\": \"%s\", \"alg\": \"ES256\", \"public_key\": \"%s\"}",
         "entries[3].issuer"},
    };
    for (size_t i = 0; i < sizeof fourth / sizeof fourth[0]; i++) {
        char e4[4096];
        snprintf(e4, sizeof e4, fourth[i].fmt, kid_a, priv);
        snprintf(bad, sizeof bad, "[%s, %s, %s, %s]", good, good, good, e4);
        snprintf(body, sizeof body, "{\"version\": 1, \"entries\": %s}", bad);
        hc_trust *t = NULL;
        assert_int_equal(hc_trust_new(&t), HC_OK);
        hc_diag d;
        memset(&d, 0, sizeof d);
        hc_err err = hc_trust_add_path(t, write_list("bad4.json", body), &d);
        if (err != HC_E_TRUST_LIST || strcmp(d.field, fourth[i].field) != 0)
            fail_msg("fourth %zu: got %s field '%s' (%s)", i, hc_err_name(err), d.field, d.message);
        assert_int_equal(hc_trust_count(t), 0);
        hc_trust_free(t);
    }
}

static void file_level_errors(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        const char *field;
        long line;
    } cases[] = {
        {"{\"version\": 1,\n \"entries\": [\n", "", 3},
        {"{\"version\": 2, \"entries\": []}", "version", 0},
        {"{\"entries\": []}", "version", 0},
        {"{\"version\": 1}", "entries", 0},
        {"[]", "", 0},
        {"{\"version\": 1, \"version\": 1, \"entries\": []}", "", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hc_trust *t = NULL;
        assert_int_equal(hc_trust_new(&t), HC_OK);
        hc_diag d;
        memset(&d, 0, sizeof d);
        hc_err err = hc_trust_add_path(t, write_list("f.json", cases[i].body), &d);
        if (err != HC_E_TRUST_LIST || strcmp(d.field, cases[i].field) != 0 || d.line != cases[i].line)
            fail_msg("case %zu: got %s field '%s' line %ld (%s)", i, hc_err_name(err), d.field,
                     d.line, d.message);
        hc_trust_free(t);
    }
    hc_trust *t = NULL;
    assert_int_equal(hc_trust_new(&t), HC_OK);
    char missing[128];
    snprintf(missing, sizeof missing, "%s/absent.json", tmpdir);
    assert_int_equal(hc_trust_add_path(t, missing, NULL), HC_E_IO);
    hc_trust_free(t);
}

/* Loads one entry with extra members; returns the error, fills tk. */
static hc_err one_entry(const char *extra, hc_trust **t, hc_diag *d)
{
    char e[2048], body[4096];
    entry(e, sizeof e, "CN-330000", key_a, NULL, extra);
    snprintf(body, sizeof body, "{\"version\": 1, \"entries\": [%s]}", e);
    assert_int_equal(hc_trust_new(t), HC_OK);
    memset(d, 0, sizeof *d);
    return hc_trust_add_list_json(*t, body, strlen(body), d);
}

/* Issue 12, point 1: "not_after": 0 used to mean "no bound", so a key meant
 * to end at the epoch was trusted for ever. Absent and null are no bound;
 * 0 and every date are instants. */
static void epoch_bounds(void **state)
{
    (void)state;
    hc_trust *t;
    hc_diag d;
    uint8_t kid[HC_KID_LEN];
    assert_int_equal(hc_key_kid(key_a, kid), HC_OK);
    size_t n;
    assert_int_equal(one_entry("\"not_after\": 0", &t, &d), HC_OK);
    assert_int_equal(hc_trust_lookup(t, kid, &n)->not_after, 0);
    assert_int_equal(verify(t, key_a, "CN-330000", FEB_01, FEB_01), HC_E_KEY_NOT_VALID);
    hc_trust_free(t);
    assert_int_equal(one_entry("\"not_after\": \"1970-01-01T00:00:00Z\"", &t, &d), HC_OK);
    assert_int_equal(verify(t, key_a, "CN-330000", FEB_01, FEB_01), HC_E_KEY_NOT_VALID);
    hc_trust_free(t);
    /* a date alone is midnight at UTC+08:00: 1970-01-01 is before the epoch */
    assert_int_equal(one_entry("\"not_after\": \"1970-01-01\"", &t, &d), HC_E_TRUST_LIST);
    assert_string_equal(d.field, "entries[0].not_after");
    hc_trust_free(t);
    assert_int_equal(one_entry("\"not_before\": 0, \"not_after\": 0", &t, &d), HC_E_TRUST_LIST);
    assert_string_equal(d.field, "entries[0].not_after");
    hc_trust_free(t);
    /* absent and null: no bound on either side */
    const char *open[] = {NULL, "\"not_before\": null, \"not_after\": null"};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(one_entry(open[i], &t, &d), HC_OK);
        const hc_trusted_key *tk = hc_trust_lookup(t, kid, &n);
        assert_true(tk->not_before == INT64_MIN && tk->not_after == INT64_MAX);
        assert_int_equal(verify(t, key_a, "CN-330000", FEB_01, FEB_01), HC_OK);
        hc_trust_free(t);
    }
    /* not_before 0 with no end: from 1970 on */
    assert_int_equal(one_entry("\"not_before\": 0", &t, &d), HC_OK);
    assert_int_equal(hc_trust_lookup(t, kid, &n)->not_before, 0);
    assert_true(hc_trust_lookup(t, kid, &n)->not_after == INT64_MAX);
    hc_trust_free(t);
}

/* Issue 12, point 5: one date rule everywhere (clock.c): a date alone is
 * its midnight at UTC+08:00, in trust lists as in --now. */
static void dates_by_the_one_rule(void **state)
{
    (void)state;
    hc_trust *t;
    hc_diag d;
    uint8_t kid[HC_KID_LEN];
    assert_int_equal(hc_key_kid(key_a, kid), HC_OK);
    size_t n;
    assert_int_equal(one_entry("\"not_before\": \"2020-02-01\", \"not_after\": \"2020-03-01\"",
                               &t, &d), HC_OK);
    const hc_trusted_key *tk = hc_trust_lookup(t, kid, &n);
    assert_int_equal(tk->not_before, FEB_01 - 8 * 3600);
    assert_int_equal(tk->not_after, MAR_01 - 8 * 3600);
    int64_t now_rule = 0;
    assert_int_equal(hc_time_parse("2020-02-01", &now_rule), HC_OK);
    assert_int_equal(tk->not_before, now_rule);
    hc_trust_free(t);
    /* a date-time without an offset too; and epoch seconds as text */
    assert_int_equal(one_entry("\"not_before\": \"2020-02-01T08:00:00\", \"not_after\": \"1583020800\"",
                               &t, &d), HC_OK);
    tk = hc_trust_lookup(t, kid, &n);
    assert_int_equal(tk->not_before, FEB_01);
    assert_int_equal(tk->not_after, MAR_01);
    hc_trust_free(t);
}

/* Two readers must not take two values from one list: no object may hold a
 * key twice, the ones the reader ignores included (as jansson's
 * JSON_REJECT_DUPLICATES did before the list moved onto json.c). */
static void duplicate_members(void **state)
{
    (void)state;
    hc_trust *t;
    hc_diag d;
    assert_int_equal(one_entry("\"not_after\": 1583020800, \"not_after\": null", &t, &d),
                     HC_E_TRUST_LIST);
    assert_int_equal(hc_trust_count(t), 0);
    hc_trust_free(t);
    assert_int_equal(one_entry("\"x\": 1, \"\\u0078\": 2", &t, &d), HC_E_TRUST_LIST);
    hc_trust_free(t);
    assert_int_equal(one_entry("\"x\": {\"a\": 1, \"a\": 1}", &t, &d), HC_E_TRUST_LIST);
    hc_trust_free(t);
    assert_int_equal(one_entry("\"x\": {\"a\": 1, \"b\": [{\"a\": 1}]}", &t, &d), HC_OK);
    hc_trust_free(t);
}

/* The same parser from memory (what a caller that fetched the list uses). */
static void list_from_memory(void **state)
{
    (void)state;
    char e[2048], body[4096];
    entry(e, sizeof e, "CN-330000", key_a, NULL, NULL);
    snprintf(body, sizeof body, "{\"version\": 1, \"entries\": [%s]}", e);
    hc_trust *t = NULL;
    assert_int_equal(hc_trust_new(&t), HC_OK);
    assert_int_equal(hc_trust_add_list_json(t, body, strlen(body), NULL), HC_OK);
    assert_int_equal(hc_trust_count(t), 1);
    assert_int_equal(verify(t, key_a, "CN-330000", NOW, NOW), HC_OK);
    hc_diag d;
    memset(&d, 0, sizeof d);
    /* not NUL-terminated: only len bytes are read */
    assert_int_equal(hc_trust_add_list_json(t, "{\"version\": 3}xyz", 14, &d), HC_E_TRUST_LIST);
    assert_string_equal(d.field, "version");
    assert_int_equal(hc_trust_add_list_json(t, NULL, 0, &d), HC_E_TRUST_LIST);
    assert_int_equal(hc_trust_count(t), 1);
    hc_trust_free(t);
}

/* The sample published in examples/trust/ loads and names the test keys. */
static void sample_list(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/examples/trust/trustlist.json", HC_SOURCE_ROOT);
    hc_trust *t = NULL;
    assert_int_equal(hc_trust_new(&t), HC_OK);
    hc_diag d;
    memset(&d, 0, sizeof d);
    hc_err err = hc_trust_add_path(t, path, &d);
    if (err != HC_OK)
        fail_msg("%s: %s %s", hc_err_name(err), d.field, d.message);
    assert_int_equal(hc_trust_count(t), 3);
    assert_int_equal(verify(t, key_a, "CN-330000", NOW, NOW), HC_OK);
    assert_int_equal(verify(t, key_b, "CN-110000", NOW, NOW), HC_OK);
    assert_int_equal(verify(t, key_ed, "CN-420000", NOW, NOW), HC_OK);
    hc_trust_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(many_issuers),
        cmocka_unit_test(validity_window),
        cmocka_unit_test(errors_name_the_entry),
        cmocka_unit_test(file_level_errors),
        cmocka_unit_test(list_from_memory),
        cmocka_unit_test(epoch_bounds),
        cmocka_unit_test(dates_by_the_one_rule),
        cmocka_unit_test(duplicate_members),
        cmocka_unit_test(sample_list),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

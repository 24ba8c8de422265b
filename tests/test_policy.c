/* test_policy.c — the policy as data: the built-in default equals the shipped
 * file, every bad key is named, the risk-map CSV reports its line, and the
 * lookup goes county → prefecture → province. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include <healthcode/healthcode.h>
#include "policy_impl.h"

#define EXAMPLE HC_SOURCE_ROOT "/examples/policies/zhejiang-2020.json"

/* ------------------------------------------------------------ default == file */

static void assert_policies_equal(const hc_policy *a, const hc_policy *b)
{
    assert_string_equal(a->name, b->name);
    assert_int_equal(a->utc_offset_s, b->utc_offset_s);
    assert_true(a->fever_threshold_c == b->fever_threshold_c);
    for (int t = 0; t < HC_TRIG__COUNT; t++) {
        assert_int_equal(a->trigger[t].colour, b->trigger[t].colour);
        assert_int_equal(a->trigger[t].days, b->trigger[t].days);
    }
    assert_int_equal(a->run_red, b->run_red);
    assert_int_equal(a->run_yellow, b->run_yellow);
    for (int l = 0; l < HC_LEVEL__COUNT; l++)
        assert_int_equal(a->level_trigger[l], b->level_trigger[l]);
    assert_int_equal(a->n_map, b->n_map);
    for (size_t i = 0; i < a->n_map; i++) {
        assert_int_equal(a->map[i].key, b->map[i].key);
        assert_int_equal(a->map[i].level, b->map[i].level);
    }
}

static void test_default_is_the_example_file(void **state)
{
    (void)state;
    hc_policy *def = NULL, *file = NULL;
    hc_diag d;
    assert_int_equal(hc_policy_load(NULL, &def, &d), HC_OK);
    hc_err err = hc_policy_load(EXAMPLE, &file, &d);
    if (err != HC_OK)
        fail_msg("%s: %s", hc_err_name(err), d.message);
    assert_policies_equal(def, file);

    /* and the default is doc/architecture.md's table, number by number */
    assert_string_equal(def->name, "zhejiang-2020");
    assert_int_equal(hc_policy_utc_offset(def), 28800);
    assert_true(def->fever_threshold_c == 37.3);
    static const struct { hc_trigger t; hc_colour c; int days; } want[] = {
        {HC_TRIG_CASE, HC_RED, -1},           {HC_TRIG_RECOVERED, HC_RED, 14},
        {HC_TRIG_CLOSE_CONTACT, HC_RED, 14},  {HC_TRIG_HIGH_RISK_TRAVEL, HC_RED, 14},
        {HC_TRIG_INBOUND, HC_RED, 14},        {HC_TRIG_MEDIUM_RISK_TRAVEL, HC_YELLOW, 14},
        {HC_TRIG_SECONDARY_CONTACT, HC_YELLOW, 14}, {HC_TRIG_SYMPTOMS, HC_YELLOW, 7},
        {HC_TRIG_FEVER_WITH_EXPOSURE, HC_RED, 14},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_int_equal(def->trigger[want[i].t].colour, want[i].c);
        assert_int_equal(def->trigger[want[i].t].days, want[i].days);
    }
    assert_int_equal(def->run_red, 14);
    assert_int_equal(def->run_yellow, 7);
    assert_int_equal(def->level_trigger[HC_LEVEL_LOW], HC_TRIG__COUNT);
    assert_int_equal(def->level_trigger[HC_LEVEL_LOWER], HC_TRIG__COUNT);
    assert_int_equal(def->level_trigger[HC_LEVEL_MEDIUM], HC_TRIG_MEDIUM_RISK_TRAVEL);
    assert_int_equal(def->level_trigger[HC_LEVEL_HIGHER], HC_TRIG_HIGH_RISK_TRAVEL);
    assert_int_equal(def->level_trigger[HC_LEVEL_HIGH], HC_TRIG_HIGH_RISK_TRAVEL);
    assert_int_equal(def->n_map, 3);
    assert_int_equal(hc_policy_region_level(def, 420000, NULL), HC_LEVEL_HIGH);
    assert_int_equal(hc_policy_region_level(def, 330300, NULL), HC_LEVEL_HIGH);
    assert_int_equal(hc_policy_region_level(def, 331000, NULL), HC_LEVEL_HIGH);
    hc_policy_free(def);
    hc_policy_free(file);
}

/* ------------------------------------------------------------ policy errors */

static json_t *example_json(void)
{
    json_error_t je;
    json_t *j = json_load_file(EXAMPLE, 0, &je);
    if (!j)
        fail_msg("%s", je.text);
    return j;
}

static json_t *path_get(json_t *root, const char *a, const char *b)
{
    json_t *o = json_object_get(root, a);
    return b ? json_object_get(o, b) : o;
}

typedef struct {
    const char *obj1, *obj2;   /* the object to change: root[obj1][obj2] (NULL: up to there) */
    const char *key;           /* the key to set, or to delete when value is NULL */
    const char *value;         /* JSON text of the new value */
    const char *field;
    const char *message;
} mutation;

static const mutation mutations[] = {
    {"triggers", "close_contact", "days", "366", "triggers.close_contact.days",
     "triggers.close_contact.days: must be an integer from 0 to 365"},
    {"triggers", "close_contact", "days", "-1", "triggers.close_contact.days",
     "triggers.close_contact.days: must be an integer from 0 to 365"},
    {"triggers", "close_contact", "days", "\"14\"", "triggers.close_contact.days",
     "triggers.close_contact.days: must be an integer from 0 to 365"},
    {"triggers", "symptoms", "days", "7.5", "triggers.symptoms.days",
     "triggers.symptoms.days: must be an integer from 0 to 365"},
    {"triggers", "symptoms", "colour", "\"green\"", "triggers.symptoms.colour",
     "triggers.symptoms.colour: must be \"yellow\" or \"red\""},
    {"triggers", "case", "days", "14", "triggers.case.days",
     "triggers.case.days: must be null (a case holds while the status holds)"},
    {"triggers", "inbound", "note", "\"x\"", "triggers.inbound.note", "triggers.inbound.note: unknown key"},
    {"triggers", "inbound", "days", NULL, "triggers.inbound.days", "triggers.inbound.days: missing"},
    {"triggers", NULL, "sneezing", "{}", "triggers.sneezing", "triggers.sneezing: unknown key"},
    {"triggers", NULL, "inbound", NULL, "triggers.inbound", "triggers.inbound: missing"},
    {"triggers", NULL, "recovered", "14", "triggers.recovered", "triggers.recovered: must be an object"},
    {NULL, NULL, "colour_blind", "true", "colour_blind", "colour_blind: unknown key"},
    {NULL, NULL, "fever_threshold_c", NULL, "fever_threshold_c", "fever_threshold_c: missing"},
    {NULL, NULL, "fever_threshold_c", "50", "fever_threshold_c",
     "fever_threshold_c: must be a number from 35 to 42 (°C)"},
    {NULL, NULL, "fever_threshold_c", "\"37.3\"", "fever_threshold_c",
     "fever_threshold_c: must be a number from 35 to 42 (°C)"},
    {NULL, NULL, "time_zone", "\"Asia/Shanghai\"", "time_zone",
     "time_zone: must be a fixed UTC offset \"+HH:MM\" or \"-HH:MM\" (up to 14:00)"},
    {NULL, NULL, "time_zone", "\"+15:00\"", "time_zone",
     "time_zone: must be a fixed UTC offset \"+HH:MM\" or \"-HH:MM\" (up to 14:00)"},
    {NULL, NULL, "name", "\"\"", "name", "name: must be a string of 1 to 63 bytes"},
    {"checkin_runs", NULL, "red", "0", "checkin_runs.red", "checkin_runs.red: must be an integer from 1 to 365"},
    {"checkin_runs", NULL, "purple", "3", "checkin_runs.purple", "checkin_runs.purple: unknown key"},
    {"risk_levels", NULL, "high_risk_travel", "[\"high\", \"extreme\"]", "risk_levels.high_risk_travel[1]",
     "risk_levels.high_risk_travel[1]: must be one of low, lower, medium, higher, high"},
    {"risk_levels", NULL, "medium_risk_travel", "[\"medium\", \"high\"]", "risk_levels.medium_risk_travel[1]",
     "risk_levels.medium_risk_travel[1]: this level is already listed"},
    {"risk_levels", NULL, "high_risk_travel", "\"high\"", "risk_levels.high_risk_travel",
     "risk_levels.high_risk_travel: must be an array of levels (low, lower, medium, higher, high)"},
    {"risk_map", NULL, "999999", "\"high\"", "risk_map.999999",
     "risk_map.999999: is neither a GB/T 2260 region code nor an ISO 3166 alpha-2 country"},
    {"risk_map", NULL, "it", "\"high\"", "risk_map.it",
     "risk_map.it: is neither a GB/T 2260 region code nor an ISO 3166 alpha-2 country"},
    {"risk_map", NULL, "420000", "\"severe\"", "risk_map.420000",
     "risk_map.420000: must be one of low, lower, medium, higher, high"},
    {NULL, NULL, "risk_map", "[]", "risk_map", "risk_map: must be an object of region or country → level"},
};

static void test_policy_errors_name_the_key(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof mutations / sizeof mutations[0]; i++) {
        const mutation *m = &mutations[i];
        json_t *root = example_json();
        json_t *obj = m->obj1 ? path_get(root, m->obj1, m->obj2) : root;
        assert_non_null(obj);
        if (m->value) {
            json_error_t je;
            json_t *v = json_loads(m->value, JSON_DECODE_ANY, &je);
            assert_non_null(v);
            json_object_set_new(obj, m->key, v);
        } else {
            json_object_del(obj, m->key);
        }
        char *text = json_dumps(root, 0);
        json_decref(root);
        hc_policy *p = NULL;
        hc_diag d;
        memset(&d, 0, sizeof d);
        hc_err err = hc_policy_parse_json(text, strlen(text), &p, &d);
        free(text);
        if (err != HC_E_POLICY)
            fail_msg("[%zu %s] %s, expected invalid_policy", i, m->field, hc_err_name(err));
        assert_null(p);
        assert_string_equal(d.field, m->field);
        assert_string_equal(d.message, m->message);
    }
}

static void test_policy_json_errors(void **state)
{
    (void)state;
    hc_policy *p = NULL;
    hc_diag d;
    const char *bad = "{\n  \"name\": \"x\",\n  \"time_zone\": +08:00\n}";
    assert_int_equal(hc_policy_parse_json(bad, strlen(bad), &p, &d), HC_E_POLICY);
    assert_int_equal(d.line, 3);
    assert_null(p);
    const char *dup = "{\"name\": \"x\", \"name\": \"y\"}";
    assert_int_equal(hc_policy_parse_json(dup, strlen(dup), &p, &d), HC_E_POLICY);
    assert_non_null(strstr(d.message, "duplicate"));
    assert_int_equal(hc_policy_parse_json("[]", 2, &p, &d), HC_E_POLICY);
    assert_string_equal(d.message, "(policy): must be an object");
    assert_int_equal(hc_policy_load(HC_SOURCE_ROOT "/no/such/policy.json", &p, &d), HC_E_IO);
    assert_int_equal(hc_policy_load(NULL, NULL, &d), HC_E_ARG);
}

/* A policy of another province: every number changes, and is read. */
static void test_policy_other_numbers(void **state)
{
    (void)state;
    json_t *root = example_json();
    json_object_set_new(root, "time_zone", json_string("-05:30"));
    json_object_set_new(root, "fever_threshold_c", json_real(37.5));
    json_object_set_new(path_get(root, "triggers", "symptoms"), "days", json_integer(10));
    json_object_set_new(path_get(root, "triggers", "inbound"), "colour", json_string("yellow"));
    json_object_set_new(path_get(root, "checkin_runs", NULL), "yellow", json_integer(5));
    json_object_set_new(path_get(root, "risk_levels", NULL), "high_risk_travel", json_pack("[s]", "high"));
    json_object_set_new(path_get(root, "risk_levels", NULL), "medium_risk_travel",
                        json_pack("[s,s]", "medium", "higher"));
    json_object_set_new(root, "risk_map", json_pack("{s:s,s:s}", "IT", "higher", "360100", "medium"));
    char *text = json_dumps(root, 0);
    json_decref(root);
    hc_policy *p = NULL;
    hc_diag d;
    assert_int_equal(hc_policy_parse_json(text, strlen(text), &p, &d), HC_OK);
    free(text);
    assert_int_equal(hc_policy_utc_offset(p), -(5 * 3600 + 30 * 60));
    assert_true(p->fever_threshold_c == 37.5);
    assert_int_equal(p->trigger[HC_TRIG_SYMPTOMS].days, 10);
    assert_int_equal(p->trigger[HC_TRIG_INBOUND].colour, HC_YELLOW);
    assert_int_equal(p->run_yellow, 5);
    assert_int_equal(p->level_trigger[HC_LEVEL_HIGHER], HC_TRIG_MEDIUM_RISK_TRAVEL);
    assert_int_equal(hc_policy_country_level(p, "IT"), HC_LEVEL_HIGHER);
    assert_int_equal(hc_policy_region_level(p, 360102, NULL), HC_LEVEL_MEDIUM);
    assert_int_equal(hc_policy_region_level(p, 420100, NULL), HC_LEVEL_LOW);
    hc_policy_free(p);
}

/* ------------------------------------------------------------ risk map */

static void test_lookup_precedence(void **state)
{
    (void)state;
    hc_policy *p = NULL;
    hc_diag d;
    assert_int_equal(hc_policy_load(NULL, &p, NULL), HC_OK);
    const char *csv = "region,level\n420000,high\n420100,medium\n420102,low\nIT,higher\n";
    assert_int_equal(hc_policy_set_risk_map_csv(p, csv, strlen(csv), &d), HC_OK);
    uint32_t m;
    assert_int_equal(hc_policy_region_level(p, 420102, &m), HC_LEVEL_LOW);      /* the county's own */
    assert_int_equal(m, 420102);
    assert_int_equal(hc_policy_region_level(p, 420103, &m), HC_LEVEL_MEDIUM);   /* its prefecture */
    assert_int_equal(m, 420100);
    assert_int_equal(hc_policy_region_level(p, 420100, &m), HC_LEVEL_MEDIUM);
    assert_int_equal(m, 420100);
    assert_int_equal(hc_policy_region_level(p, 420202, &m), HC_LEVEL_HIGH);     /* its province */
    assert_int_equal(m, 420000);
    assert_int_equal(hc_policy_region_level(p, 420000, &m), HC_LEVEL_HIGH);
    assert_int_equal(hc_policy_region_level(p, 330302, &m), HC_LEVEL_LOW);      /* replaced map: Wenzhou gone */
    assert_int_equal(m, 0);
    assert_int_equal(hc_policy_country_level(p, "IT"), HC_LEVEL_HIGHER);
    assert_int_equal(hc_policy_country_level(p, "FR"), HC_LEVEL_LOW);
    hc_policy_free(p);
}

typedef struct {
    const char *csv;
    long line;
    const char *field;
    const char *message;
} csv_case;

static const csv_case csv_errors[] = {
    {"", 1, "", "line 1: the header must be \"region,level\""},
    {"420000,high\n", 1, "", "line 1: the header must be \"region,level\", not \"420000,high\""},
    {"code,level\n420000,high\n", 1, "", "line 1: the header must be \"region,level\", not \"code,level\""},
    {"region,level\n420000,high\n420100;medium\n", 3, "",
     "line 3: expected \"region,level\", got \"420100;medium\""},
    {"region,level\n420000,high,2020-02-01\n", 2, "",
     "line 2: expected \"region,level\", got \"420000,high,2020-02-01\""},
    {"region,level\n420000,severe\n", 2, "level",
     "line 2: unknown level \"severe\" (levels: low, lower, medium, higher, high)"},
    {"region,level\r\n420000,High\r\n", 2, "level",
     "line 2: unknown level \"High\" (levels: low, lower, medium, higher, high)"},
    {"region,level\n420000,high\n999999,high\n", 3, "region",
     "line 3: \"999999\" is neither a GB/T 2260 region code nor an ISO 3166 alpha-2 country"},
    {"region,level\n42000,high\n", 2, "region",
     "line 2: \"42000\" is neither a GB/T 2260 region code nor an ISO 3166 alpha-2 country"},
    {"region,level\nit,high\n", 2, "region",
     "line 2: \"it\" is neither a GB/T 2260 region code nor an ISO 3166 alpha-2 country"},
    {"region,level\nXX,high\n", 2, "region",
     "line 2: \"XX\" is neither a GB/T 2260 region code nor an ISO 3166 alpha-2 country"},
    {"region,level\n 420000,high\n", 2, "region",
     "line 2: \" 420000\" is neither a GB/T 2260 region code nor an ISO 3166 alpha-2 country"},
    {"region,level\n420000,high\n330300,high\n\n420000,medium\n", 5, "region",
     "line 5: region 420000 is already given on line 2"},
};

static void test_risk_map_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof csv_errors / sizeof csv_errors[0]; i++) {
        const csv_case *c = &csv_errors[i];
        hc_policy *p = NULL;
        hc_diag d;
        memset(&d, 0, sizeof d);
        assert_int_equal(hc_policy_load(NULL, &p, NULL), HC_OK);
        hc_err err = hc_policy_set_risk_map_csv(p, c->csv, strlen(c->csv), &d);
        if (err != HC_E_RISK_MAP)
            fail_msg("[%zu] %s, expected invalid_risk_map", i, hc_err_name(err));
        assert_int_equal(d.line, c->line);
        assert_string_equal(d.field, c->field);
        assert_string_equal(d.message, c->message);
        /* a failed load leaves the policy's own map in place */
        assert_int_equal(p->n_map, 3);
        assert_int_equal(hc_policy_region_level(p, 420100, NULL), HC_LEVEL_HIGH);
        hc_policy_free(p);
    }
}

static void test_risk_map_forms(void **state)
{
    (void)state;
    hc_policy *p = NULL;
    hc_diag d;
    assert_int_equal(hc_policy_load(NULL, &p, NULL), HC_OK);
    /* a byte order mark, CRLF, blank lines and no final newline are fine */
    const char *csv = "\xEF\xBB\xBFregion,level\r\n360000,medium\r\n\r\nKR,higher";
    assert_int_equal(hc_policy_set_risk_map_csv(p, csv, strlen(csv), &d), HC_OK);
    assert_int_equal(p->n_map, 2);
    assert_int_equal(hc_policy_region_level(p, 360100, NULL), HC_LEVEL_MEDIUM);
    assert_int_equal(hc_policy_country_level(p, "KR"), HC_LEVEL_HIGHER);
    /* a header alone is an empty map: every region low */
    assert_int_equal(hc_policy_set_risk_map_csv(p, "region,level\n", 13, &d), HC_OK);
    assert_int_equal(p->n_map, 0);
    assert_int_equal(hc_policy_region_level(p, 420100, NULL), HC_LEVEL_LOW);
    /* the shipped sample maps load */
    static const char *const files[] = {"seeds-2020-02.csv", "jiangxi-medium.csv", "sample-five-levels.csv"};
    for (size_t i = 0; i < 3; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/examples/risk-maps/%s", HC_SOURCE_ROOT, files[i]);
        hc_err err = hc_policy_load_risk_map(p, path, &d);
        if (err != HC_OK)
            fail_msg("%s: %s", files[i], d.message);
    }
    assert_int_equal(hc_policy_region_level(p, 330302, NULL), HC_LEVEL_HIGH);
    assert_int_equal(hc_policy_region_level(p, 330303, NULL), HC_LEVEL_HIGHER);
    assert_int_equal(hc_policy_load_risk_map(p, HC_SOURCE_ROOT "/no/such.csv", &d), HC_E_IO);
    hc_policy_free(p);
}

/* The map is bounded: entry 100 001 is refused with its line. */
static void test_risk_map_bound(void **state)
{
    (void)state;
    const char *row = "420000,high\n";
    size_t rl = strlen(row), n = HC_RISK_MAP_MAX + 1;
    char *csv = malloc(13 + n * rl + 1);
    assert_non_null(csv);
    memcpy(csv, "region,level\n", 13);
    for (size_t i = 0; i < n; i++)
        memcpy(csv + 13 + i * rl, row, rl);
    csv[13 + n * rl] = '\0';
    hc_policy *p = NULL;
    hc_diag d;
    assert_int_equal(hc_policy_load(NULL, &p, NULL), HC_OK);
    assert_int_equal(hc_policy_set_risk_map_csv(p, csv, strlen(csv), &d), HC_E_RISK_MAP);
    assert_int_equal(d.line, HC_RISK_MAP_MAX + 2);
    assert_string_equal(d.message, "line 100002: more than 100000 entries");
    free(csv);
    hc_policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_is_the_example_file),
        cmocka_unit_test(test_policy_errors_name_the_key),
        cmocka_unit_test(test_policy_json_errors),
        cmocka_unit_test(test_policy_other_numbers),
        cmocka_unit_test(test_lookup_precedence),
        cmocka_unit_test(test_risk_map_errors),
        cmocka_unit_test(test_risk_map_forms),
        cmocka_unit_test(test_risk_map_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

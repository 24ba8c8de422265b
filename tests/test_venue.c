/* test_venue.c — venue rules from JSON: the sample venues and each error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <healthcode/checkpoint.h>
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static hc_venue_rules load_sample(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/examples/venues/%s", HC_SOURCE_ROOT, name);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(hc_read_file(path, 65536, &text, &len), HC_OK);
    hc_venue_rules r;
    hc_diag d;
    memset(&d, 0, sizeof d);
    hc_err err = hc_venue_parse_json(text, len, &r, &d);
    if (err != HC_OK)
        fail_msg("%s: %s: %s", name, d.field, d.message);
    free(text);
    return r;
}

static void samples(void **state)
{
    (void)state;
    hc_venue_rules mall = load_sample("mall.json");
    assert_true(mall.admit[HC_GREEN]);
    assert_false(mall.admit[HC_YELLOW]);
    assert_false(mall.admit[HC_RED]);
    assert_int_equal(mall.max_age_s, 0);
    assert_true(mall.fever_c == 37.3);
    assert_string_equal(mall.name, "湖滨银泰 Hubin Mall");

    hc_venue_rules hospital = load_sample("hospital.json");
    assert_true(hospital.admit[HC_GREEN]);
    assert_true(hospital.admit[HC_YELLOW]);
    assert_false(hospital.admit[HC_RED]);
    assert_int_equal(hospital.live, HC_LIVE_REQUIRED);
    assert_int_equal(hospital.unbound, HC_UNBOUND_CHECK_ID);
    assert_int_equal(mall.live, HC_LIVE_OFF);
    assert_int_equal(mall.unbound, HC_UNBOUND_ADMIT);

    hc_venue_rules station = load_sample("station.json");
    assert_int_equal(station.max_age_s, 300);
    assert_true(station.admit[HC_GREEN]);
    assert_false(station.admit[HC_YELLOW]);
}

static void absent_keys_keep_defaults(void **state)
{
    (void)state;
    hc_venue_rules r;
    assert_int_equal(hc_venue_parse_json("{}", 2, &r, NULL), HC_OK);
    const hc_venue_rules def = HC_VENUE_RULES_DEFAULT;
    assert_memory_equal(r.admit, def.admit, sizeof r.admit);
    assert_int_equal(r.max_age_s, 0);
    assert_true(r.fever_c == 37.3);
    assert_string_equal(r.name, "");
}

static void durations(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        int64_t s;
    } ok[] = {
        {"{\"max_age\": 300}", 300}, {"{\"max_age\": \"300\"}", 300}, {"{\"max_age\": \"90s\"}", 90},
        {"{\"max_age\": \"5m\"}", 300}, {"{\"max_age\": \"2h\"}", 7200}, {"{\"max_age\": \"1d\"}", 86400},
        {"{\"max_age\": 0}", 0},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        hc_venue_rules r;
        assert_int_equal(hc_venue_parse_json(ok[i].json, strlen(ok[i].json), &r, NULL), HC_OK);
        assert_int_equal(r.max_age_s, ok[i].s);
    }
}

static void errors_name_the_key(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        hc_err err;
        const char *field;
    } cases[] = {
        {"{\"admit\": []}", HC_E_VENUE, "admit"},
        {"{\"admit\": \"green\"}", HC_E_VENUE, "admit"},
        {"{\"admit\": [\"green\", \"blue\"]}", HC_E_VENUE, "admit[1]"},
        {"{\"admit\": [\"green\", 1]}", HC_E_VENUE, "admit[1]"},
        {"{\"max_age\": \"5 minutes\"}", HC_E_VENUE, "max_age"},
        {"{\"max_age\": -5}", HC_E_VENUE, "max_age"},
        {"{\"max_age\": 2.5}", HC_E_VENUE, "max_age"},
        {"{\"max_age\": \"m\"}", HC_E_VENUE, "max_age"},
        {"{\"max_age\": \"400d\"}", HC_E_VENUE, "max_age"},
        {"{\"fever_c\": \"37.3\"}", HC_E_VENUE, "fever_c"},
        {"{\"fever_c\": 99.5}", HC_E_VENUE, "fever_c"},
        {"{\"name\": 7}", HC_E_VENUE, "name"},
        {"{\"name\": \"0123456789012345678901234567890123456789012345678901234567890123\"}", HC_E_VENUE, "name"},
        {"{\"fever\": 37.0}", HC_E_VENUE, "fever"},
        {"[1]", HC_E_VENUE, ""},
        {"{\"admit\": [\"green\"], \"admit\": [\"red\"]}", HC_E_VENUE, "admit"},   /* the repeated key is named */
        {"{\"admit\": [\"green\"", HC_E_VENUE, ""},
        {"{\"live\": \"always\"}", HC_E_VENUE, "live"},
        {"{\"live\": true}", HC_E_VENUE, "live"},
        {"{\"live\": \"Required\"}", HC_E_VENUE, "live"},
        {"{\"unbound\": \"deny\"}", HC_E_VENUE, "unbound"},
        {"{\"unbound\": 1}", HC_E_VENUE, "unbound"},
        {"{\"unbound\": \"check_id\", \"unbound\": \"admit\"}", HC_E_VENUE, "unbound"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hc_venue_rules r = HC_VENUE_RULES_DEFAULT;
        r.max_age_s = 42;
        hc_diag d;
        memset(&d, 0, sizeof d);
        hc_err err = hc_venue_parse_json(cases[i].json, strlen(cases[i].json), &r, &d);
        if (err != cases[i].err || strcmp(d.field, cases[i].field) != 0)
            fail_msg("%s: got %s field '%s' (%s)", cases[i].json, hc_err_name(err), d.field, d.message);
        assert_int_equal(r.max_age_s, 42); /* untouched on error */
        assert_true(d.message[0] != '\0');
    }
}

/* "live" and "unbound": each word, and what is absent keeps the default. */
static void live_and_unbound(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        hc_live_rule live;
        hc_unbound_rule unbound;
    } cases[] = {
        {"{}", HC_LIVE_OFF, HC_UNBOUND_ADMIT},
        {"{\"live\": \"off\"}", HC_LIVE_OFF, HC_UNBOUND_ADMIT},
        {"{\"live\": \"preferred\"}", HC_LIVE_PREFERRED, HC_UNBOUND_ADMIT},
        {"{\"live\": \"required\", \"unbound\": \"refuse\"}", HC_LIVE_REQUIRED, HC_UNBOUND_REFUSE},
        {"{\"unbound\": \"check_id\"}", HC_LIVE_OFF, HC_UNBOUND_CHECK_ID},
        {"{\"unbound\": \"admit\"}", HC_LIVE_OFF, HC_UNBOUND_ADMIT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hc_venue_rules r;
        assert_int_equal(hc_venue_parse_json(cases[i].json, strlen(cases[i].json), &r, NULL), HC_OK);
        assert_int_equal(r.live, cases[i].live);
        assert_int_equal(r.unbound, cases[i].unbound);
    }
}

static void mixed_case_colours(void **state)
{
    (void)state;
    hc_venue_rules r;
    const char *j = "{\"admit\": [\"Yellow\", \"RED\"]}";
    assert_int_equal(hc_venue_parse_json(j, strlen(j), &r, NULL), HC_OK);
    assert_false(r.admit[HC_GREEN]);
    assert_true(r.admit[HC_YELLOW]);
    assert_true(r.admit[HC_RED]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(samples),
        cmocka_unit_test(absent_keys_keep_defaults),
        cmocka_unit_test(durations),
        cmocka_unit_test(errors_name_the_key),
        cmocka_unit_test(mixed_case_colours),
        cmocka_unit_test(live_and_unbound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

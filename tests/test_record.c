/* test_record.c — the person record: what parses, and the exact field and
 * sentence a user sees for each kind of mistake. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include <healthcode/healthcode.h>
#include "internal.h"
#include "record_impl.h"

#define HEAD "{\"id\": \"330402199001011230\", \"id_type\": \"cn_resident\""

static hc_day day(int y, unsigned m, unsigned d) { return hc_days_from_civil(y, m, d); }

static hc_record *parse_ok(const char *json)
{
    hc_record *r = NULL;
    hc_diag d;
    memset(&d, 0, sizeof d);
    hc_err e = hc_record_parse_json(json, strlen(json), &r, &d);
    if (e)
        fail_msg("%s: %s [%s]", hc_err_name(e), d.message, d.field);
    return r;
}

/* Parses json expecting HC_E_RECORD at field; returns the message. */
static hc_diag d_;
static const char *parse_bad(const char *json, const char *field)
{
    hc_record *r = NULL;
    memset(&d_, 0, sizeof d_);
    hc_err e = hc_record_parse_json(json, strlen(json), &r, &d_);
    assert_int_equal(e, HC_E_RECORD);
    assert_null(r);
    assert_string_equal(d_.field, field);
    return d_.message;
}

static void test_sample_record(void **state)
{
    (void)state;
    char *text;
    size_t len;
    assert_int_equal(hc_read_file(HC_SOURCE_ROOT "/examples/record.json", 1 << 20, &text, &len),
                     HC_OK);
    hc_record *r = NULL;
    assert_int_equal(hc_record_parse_json(text, len, &r, NULL), HC_OK);
    free(text);
    assert_string_equal(hc_record_id(r), "330402199001011230");
    assert_string_equal(hc_record_id_type(r), "cn_resident");
    assert_string_equal(hc_record_name(r), "张三");
    assert_int_equal(hc_record_residence(r), 330402);
    assert_int_equal(r->n_travel, 1);
    assert_int_equal(r->travel[0].region, 420100);
    assert_string_equal(r->travel[0].country, "");
    assert_int_equal(r->travel[0].from, day(2020, 1, 18));
    assert_int_equal(r->travel[0].to, day(2020, 1, 21));
    assert_int_equal(r->contact, HC_CONTACT_NONE);
    assert_int_equal(r->last_contact, HC_DAY_NONE);
    assert_int_equal(r->discharged, HC_DAY_NONE);
    assert_true(r->has_declaration);
    assert_int_equal(r->declaration_at, 1580864400); /* 2020-02-05T01:00:00Z */
    assert_int_equal(r->declaration_day, day(2020, 2, 5));
    assert_int_equal(r->symptoms, 0);
    assert_true(r->has_declared_temperature);
    assert_true(r->declared_temperature_c == 36.5);
    assert_int_equal(r->n_checkins, 2);
    assert_int_equal(r->checkins[0].date, day(2020, 2, 4));
    assert_true(r->checkins[0].normal);
    assert_true(r->checkins[0].has_temperature);
    assert_true(r->checkins[0].temperature_c == 36.6);
    assert_int_equal(r->checkins[1].date, day(2020, 2, 5));
    assert_false(r->checkins[1].has_temperature);
    assert_false(r->has_entry);
    assert_false(r->has_previous);
    hc_record_free(r);
}

static void test_full_record(void **state)
{
    (void)state;
    hc_record *r = parse_ok(
        "{\"id\": \"ya1234567\", \"id_type\": \"passport\","
        " \"travel\": [{\"country\": \"IT\", \"from\": \"2020-03-01\", \"to\": \"2020-03-14\"}],"
        " \"contact\": {\"status\": \"recovered\", \"discharged\": \"2020-02-20\"},"
        " \"declaration\": {\"at\": \"2020-03-20T23:30:00-05:00\","
        "   \"symptoms\": [\"fever\", \"diarrhea\", \"loss_of_smell_or_taste\"]},"
        " \"entry\": {\"date\": \"2020-03-20\", \"from\": \"IT\"},"
        " \"previous\": {\"colour\": \"red\", \"since\": \"2020-01-25\"}}");
    assert_string_equal(hc_record_id(r), "YA1234567");
    assert_string_equal(r->travel[0].country, "IT");
    assert_int_equal(r->travel[0].region, 0);
    assert_int_equal(r->contact, HC_CONTACT_RECOVERED);
    assert_int_equal(r->discharged, day(2020, 2, 20));
    assert_int_equal(r->declaration_at, 1584765000); /* 2020-03-21T04:30:00Z */
    assert_int_equal(r->declaration_day, day(2020, 3, 20));
    assert_int_equal(r->symptoms, HC_SYM_FEVER | HC_SYM_DIARRHOEA | HC_SYM_LOSS_SMELL);
    assert_false(r->has_declared_temperature);
    assert_true(r->has_entry);
    assert_int_equal(r->entry_date, day(2020, 3, 20));
    assert_string_equal(r->entry_from, "IT");
    assert_true(r->has_previous);
    assert_int_equal(r->previous, HC_RED);
    assert_int_equal(r->previous_since, day(2020, 1, 25));
    hc_record_free(r);
}

static void test_example_records(void **state)
{
    (void)state;
    const char *files[] = {"/examples/records/passport-it.json",
                           "/examples/records/close-contact.json"};
    for (size_t i = 0; i < 2; i++) {
        char path[512], *text;
        size_t len;
        snprintf(path, sizeof path, "%s%s", HC_SOURCE_ROOT, files[i]);
        assert_int_equal(hc_read_file(path, 1 << 20, &text, &len), HC_OK);
        hc_record *r = NULL;
        assert_int_equal(hc_record_parse_json(text, len, &r, NULL), HC_OK);
        free(text);
        hc_record_free(r);
    }
    /* Every line of bad.jsonl is refused, each at its own field. */
    static const char *fields[] = {"id", "travel[0].to", "residence", "travle",
                                   "declaration.at", "contact.last_contact", "entry.from"};
    char *text;
    size_t len;
    assert_int_equal(hc_read_file(HC_SOURCE_ROOT "/examples/records/bad.jsonl", 1 << 20, &text,
                                  &len), HC_OK);
    size_t n = 0;
    for (char *line = text, *nl; *line; line = nl + 1, n++) {
        nl = strchr(line, '\n');
        assert_non_null(nl);
        hc_record *r = NULL;
        hc_diag d;
        assert_int_equal(hc_record_parse_json(line, (size_t)(nl - line), &r, &d), HC_E_RECORD);
        assert_true(n < 7);
        assert_string_equal(d.field, fields[n]);
    }
    assert_int_equal(n, 7);
    free(text);
}

static void test_resident_ids(void **state)
{
    (void)state;
    hc_diag d;
    assert_int_equal(hc_resident_id_check("330402199001011230", &d), HC_OK);
    assert_int_equal(hc_resident_id_check("420106198503150026", &d), HC_OK);
    assert_int_equal(hc_resident_id_check("11010119491001001X", &d), HC_OK);
    assert_int_equal(hc_resident_id_check("11010119491001001x", &d), HC_OK);
    assert_int_equal(hc_resident_id_check("330302200002290032", &d), HC_OK); /* leap day */

    assert_int_equal(hc_resident_id_check("330402199001011235", &d), HC_E_RECORD);
    assert_string_equal(d.field, "id");
    assert_string_equal(d.message, "id: check digit is 5, expected 0");
    assert_int_equal(hc_resident_id_check("33040219900230123X", &d), HC_E_RECORD);
    assert_string_equal(d.message, "id: birth date 19900230 is not a real date between 1900 and 2099");
    assert_int_equal(hc_resident_id_check("33040219900101123", &d), HC_E_RECORD);
    assert_string_equal(d.message, "id: a resident ID has 18 characters, this one has 17");
    assert_int_equal(hc_resident_id_check("3304021990O1011230", &d), HC_E_RECORD);
    assert_string_equal(d.message, "id: character 11 is not a digit (the first 17 must be digits)");
    assert_int_equal(hc_resident_id_check("33040219900101123A", &d), HC_E_RECORD);
    assert_string_equal(d.message, "id: the check character must be a digit or X");

    /* The parser stores a lower-case x as X. */
    hc_record *r = parse_ok("{\"id\": \"11010119491001001x\", \"id_type\": \"cn_resident\"}");
    assert_string_equal(hc_record_id(r), "11010119491001001X");
    assert_string_equal(hc_record_name(r), "");
    assert_int_equal(hc_record_residence(r), 0);
    hc_record_free(r);
    assert_string_equal(parse_bad("{\"id\": \"YA12\", \"id_type\": \"passport\"}", "id"),
                        "id: a passport number has 5 to 20 characters, this one has 4");
    assert_string_equal(parse_bad("{\"id\": \"YA12-345\", \"id_type\": \"passport\"}", "id"),
                        "id: character 5 of the passport number is not A-Z or 0-9");
    assert_string_equal(parse_bad("{\"id\": \"YA12345\", \"id_type\": \"visa\"}", "id_type"),
                        "id_type (\"visa\") must be \"cn_resident\" or \"passport\"");
    assert_string_equal(parse_bad("{\"id_type\": \"passport\"}", "id"), "id is required");
}

static void test_field_errors(void **state)
{
    (void)state;
    assert_string_equal(
        parse_bad(HEAD ", \"travel\": [{\"region\": 420100, \"from\": \"2020-01-18\", \"to\": "
                  "\"2020-01-21\"}, {\"region\": 420100, \"from\": \"2020-01-18\", \"to\": "
                  "\"2020-01-17\"}]}", "travel[1].to"),
        "travel[1].to (2020-01-17) is before travel[1].from (2020-01-18)");
    assert_string_equal(parse_bad(HEAD ", \"residence\": 999999}", "residence"),
                        "residence (999999) is not a known GB/T 2260 region code");
    assert_string_equal(
        parse_bad(HEAD ", \"travel\": [{\"country\": \"XX\", \"from\": \"2020-01-18\", \"to\": "
                  "\"2020-01-21\"}]}", "travel[0].country"),
        "travel[0].country (\"XX\") is not an ISO 3166-1 country code");
    assert_string_equal(
        parse_bad(HEAD ", \"travel\": [{\"country\": \"cn\", \"from\": \"2020-01-18\", \"to\": "
                  "\"2020-01-21\"}]}", "travel[0].country"),
        "travel[0].country (\"cn\") must be an upper-case ISO 3166-1 alpha-2 code");
    assert_string_equal(
        parse_bad(HEAD ", \"travel\": [{\"country\": \"CN\", \"from\": \"2020-01-18\", \"to\": "
                  "\"2020-01-21\"}]}", "travel[0].country"),
        "travel[0].country is CN: a stay in China is given as a region code");
    assert_string_equal(
        parse_bad(HEAD ", \"travel\": [{\"country\": \"IT\", \"region\": 420100, \"from\": "
                  "\"2020-01-18\", \"to\": \"2020-01-21\"}]}", "travel[0]"),
        "travel[0] must give exactly one of region or country");
    assert_string_equal(
        parse_bad(HEAD ", \"declaration\": {\"at\": \"2020-02-05T09:00:00+08:00\", \"symptoms\": "
                  "[\"fever\", \"cough\", \"sneezing\"]}}", "declaration.symptoms[2]"),
        "declaration.symptoms[2] (\"sneezing\") is not a known symptom");
    assert_string_equal(parse_bad(HEAD ", \"contact\": {\"status\": \"maybe\"}}", "contact.status"),
                        "contact.status (\"maybe\") must be one of none, close, secondary, "
                        "suspected, confirmed, asymptomatic, recovered");
    assert_string_equal(parse_bad(HEAD ", \"contact\": {\"status\": \"close\"}}",
                                  "contact.last_contact"),
                        "contact.last_contact is required when status is close");
    assert_string_equal(parse_bad(HEAD ", \"contact\": {\"status\": \"recovered\"}}",
                                  "contact.discharged"),
                        "contact.discharged is required when status is recovered");
    assert_string_equal(
        parse_bad(HEAD ", \"declaration\": {\"at\": \"2020-02-05T09:00:00+08:00\", "
                  "\"temperature_c\": 55}}", "declaration.temperature_c"),
        "declaration.temperature_c (55) is outside 30.0-45.0 degrees Celsius");
    assert_string_equal(
        parse_bad(HEAD ", \"entry\": {\"date\": \"2020-2-5\", \"from\": \"IT\"}}", "entry.date"),
        "entry.date (\"2020-2-5\") is not a real date written YYYY-MM-DD");
    assert_string_equal(
        parse_bad(HEAD ", \"entry\": {\"date\": \"2020-02-30\", \"from\": \"IT\"}}", "entry.date"),
        "entry.date (\"2020-02-30\") is not a real date written YYYY-MM-DD");
    assert_string_equal(
        parse_bad(HEAD ", \"declaration\": {\"at\": \"2020-02-05T09:00:00\"}}", "declaration.at"),
        "declaration.at (\"2020-02-05T09:00:00\") is not an ISO 8601 date-time with an offset, "
        "like 2020-02-05T09:00:00+08:00");
    assert_string_equal(
        parse_bad(HEAD ", \"checkins\": [{\"date\": \"2020-02-04\", \"normal\": true}, "
                  "{\"date\": \"2020-02-05\", \"normal\": true}, "
                  "{\"date\": \"2020-02-04\", \"normal\": false}]}", "checkins[2].date"),
        "checkins[2].date (2020-02-04) repeats checkins[0].date");
    assert_string_equal(parse_bad(HEAD ", \"travle\": []}", "travle"),
                        "travle: unknown key \"travle\"");
    assert_string_equal(parse_bad(HEAD ", \"contact\": {\"status\": \"none\", \"lastcontact\": 1}}",
                                  "contact.lastcontact"),
                        "contact.lastcontact: unknown key \"lastcontact\"");
    assert_string_equal(parse_bad(HEAD ", \"previous\": {\"colour\": \"blue\", \"since\": "
                                  "\"2020-01-25\"}}", "previous.colour"),
                        "previous.colour (\"blue\") must be green, yellow or red");
    assert_string_equal(parse_bad(HEAD ", \"checkins\": [{\"date\": \"2020-02-04\"}]}",
                                  "checkins[0].normal"), "checkins[0].normal is required");
}

static void test_wrong_types(void **state)
{
    (void)state;
    assert_string_equal(parse_bad(HEAD ", \"residence\": \"330402\"}", "residence"),
                        "residence must be an integer GB/T 2260 code, not a string");
    assert_string_equal(parse_bad(HEAD ", \"residence\": 1e300}", "residence"),
                        "residence must be an integer GB/T 2260 code, not a number");
    assert_string_equal(parse_bad(HEAD ", \"residence\": 330402.5}", "residence"),
                        "residence must be an integer GB/T 2260 code, not a number");
    assert_string_equal(parse_bad(HEAD ", \"residence\": -330402}", "residence"),
                        "residence (-330402) is not a six-digit GB/T 2260 code");
    assert_string_equal(parse_bad(HEAD ", \"travel\": {}}", "travel"),
                        "travel must be an array, not an object");
    assert_string_equal(parse_bad(HEAD ", \"travel\": [42]}", "travel[0]"),
                        "travel[0] must be an object, not an integer");
    assert_string_equal(parse_bad(HEAD ", \"name\": 7}", "name"), "name must be a string, not an integer");
    assert_string_equal(parse_bad(HEAD ", \"checkins\": [{\"date\": \"2020-02-04\", \"normal\": "
                                  "\"yes\"}]}", "checkins[0].normal"),
                        "checkins[0].normal must be true or false, not a string");
    assert_string_equal(parse_bad(HEAD ", \"contact\": null}", "contact"),
                        "contact must be an object, not null");
    assert_string_equal(parse_bad("[1, 2]", ""), "the record must be a JSON object, not an array");
}

static void test_limits_and_syntax(void **state)
{
    (void)state;
    size_t big = 2u << 20;
    char *text = malloc(big);
    assert_non_null(text);
    memset(text, ' ', big);
    memcpy(text, HEAD "}", strlen(HEAD "}"));
    hc_record *r = NULL;
    hc_diag d;
    assert_int_equal(hc_record_parse_json(text, big, &r, &d), HC_E_LIMIT);
    assert_null(r);
    free(text);

    assert_string_equal(parse_bad("{\"id\": \"330402199001011230\",\n\"id_type\": }", ""),
                        "JSON syntax error at line 2, column 12: a value expected near '}'");
    assert_int_equal(d_.line, 2);
    /* one line (of a JSON-lines file, newline included): the message names no line, the
     * file's line is the caller's (the batch's); diag.line is the line in the text */
    assert_string_equal(parse_bad("{\"id\": ,}\n", ""), "JSON syntax error at column 8: a value expected near ','");
    assert_int_equal(d_.line, 1);
    const char *dup = HEAD ", \"id\": \"330402199001011230\"}";
    assert_string_equal(parse_bad(dup, "id"), "id: the key is repeated");
    assert_string_equal(parse_bad(HEAD ", \"contact\": {\"status\": \"none\", \"status\": \"close\"}}",
                                  "contact.status"), "contact.status: the key is repeated");
    assert_string_equal(parse_bad(HEAD ", \"name\": \"a\\u0000b\"}", "name"),
                        "name contains a NUL character");
    assert_string_equal(parse_bad(HEAD ", \"name\": \"a\\tb\"}", "name"),
                        "name contains a control character at byte 2");
    /* what would print as another name: bidi controls, zero-width characters (issue 25.9) */
    assert_string_equal(parse_bad(HEAD ", \"name\": \"\\u202e张小三\"}", "name"),
                        "name contains a bidirectional control character at byte 1");
    assert_string_equal(parse_bad(HEAD ", \"name\": \"张\\u2066小三\"}", "name"),
                        "name contains a bidirectional control character at byte 4");
    assert_string_equal(parse_bad(HEAD ", \"name\": \"\\u200b张小三\"}", "name"),
                        "name contains an invisible (zero-width) character at byte 1");
    assert_string_equal(parse_bad(HEAD ", \"name\": \"Jo\\u200dhn\"}", "name"),
                        "name contains an invisible (zero-width) character at byte 3");
    assert_string_equal(parse_bad(HEAD ", \"name\": \"a\\u0085b\"}", "name"),
                        "name contains a control character at byte 2");
    const char *bad_utf8 = HEAD ", \"name\": \"\xff\xfe\"}";
    assert_string_equal(parse_bad(bad_utf8, ""),
                        "JSON syntax error at column 65: invalid UTF-8 in a string (byte 0xff)");
    char longname[300];
    snprintf(longname, sizeof longname, HEAD ", \"name\": \"%0128d\"}", 0);
    assert_string_equal(parse_bad(longname, "name"), "name is 128 bytes long, more than 127");
    /* Not NUL-terminated: len bounds the read. */
    const char *two = HEAD "}garbage";
    assert_int_equal(hc_record_parse_json(two, strlen(HEAD "}"), &r, NULL), HC_OK);
    hc_record_free(r);
    assert_int_equal(hc_record_parse_json(NULL, 0, &r, NULL), HC_E_ARG);
}

static void test_dates(void **state)
{
    (void)state;
    hc_day d;
    assert_int_equal(hc_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(hc_days_from_civil(2020, 2, 5), 18297);
    assert_true(hc_parse_date("2020-02-29", &d));
    assert_int_equal(d, 18321);
    assert_false(hc_parse_date("2019-02-29", &d));
    assert_false(hc_parse_date("2020-02-5", &d));
    assert_false(hc_parse_date("2020-02-05 ", &d));
    assert_false(hc_parse_date("1899-12-31", &d));
    assert_false(hc_parse_date("2200-01-01", &d));
    char buf[11];
    hc_day_format(18297, buf);
    assert_string_equal(buf, "2020-02-05");
    hc_day_format(hc_days_from_civil(1900, 3, 1), buf);
    assert_string_equal(buf, "1900-03-01");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_record),   cmocka_unit_test(test_full_record),
        cmocka_unit_test(test_example_records), cmocka_unit_test(test_resident_ids),
        cmocka_unit_test(test_field_errors),    cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_limits_and_syntax), cmocka_unit_test(test_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

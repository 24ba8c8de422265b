/* test_clock.c — the one date rule (clock_impl.h, common.h's hc_time_*):
 * the same text is the same instant wherever the library reads it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <healthcode/healthcode.h>
#include "clock_impl.h"

/* 2020-02-05 is day 18297; its midnight at +08:00 is 1580832000. */
static void test_dates_and_midnights(void **state)
{
    (void)state;
    int64_t d, y;
    unsigned m, dd;
    assert_true(hc_clock_parse_date("2020-02-05", 10, 1900, 2199, &d));
    assert_int_equal(d, 18297);
    hc_clock_civil_from_days(d, &y, &m, &dd);
    assert_int_equal(y, 2020);
    assert_int_equal(m, 2);
    assert_int_equal(dd, 5);
    assert_int_equal(hc_clock_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(hc_clock_days_from_civil(1969, 12, 31), -1);
    assert_true(hc_clock_parse_date("2020-02-29", 10, 1900, 2199, &d));
    assert_false(hc_clock_parse_date("2019-02-29", 10, 1900, 2199, &d));
    assert_false(hc_clock_parse_date("2100-02-29", 10, 1900, 2199, &d));
    assert_false(hc_clock_parse_date("2020-13-01", 10, 1900, 2199, &d));
    assert_false(hc_clock_parse_date("1899-12-31", 10, 1900, 2199, &d));
    assert_false(hc_clock_parse_date("2020-02-05", 9, 1900, 2199, &d));
    assert_int_equal(hc_clock_local_midnight(18297, HC_CLOCK_HOME_OFFSET), 1580832000);
    /* 23:59:59 and 00:00:00 local fall on either side of the day. */
    assert_int_equal(hc_clock_local_day(1580832000 - 1, 8 * 3600), 18296);
    assert_int_equal(hc_clock_local_day(1580832000, 8 * 3600), 18297);
    assert_int_equal(hc_clock_local_day(-1, 0), -1);
    char b[11];
    hc_clock_format_day(18297, b);
    assert_string_equal(b, "2020-02-05");
    hc_clock_format_day(-719529, b);   /* year -1 */
    assert_string_equal(b, "invalid");
}

/* One rule: a date alone and a date-time without an offset are read at
 * UTC+08:00; an offset or Z is honoured. */
static void test_time_rule(void **state)
{
    (void)state;
    int64_t t;
    assert_int_equal(hc_time_parse("2020-02-05", &t), HC_OK);
    assert_int_equal(t, 1580832000);
    assert_int_equal(hc_time_parse("2020-02-05T09:00:00+08:00", &t), HC_OK);
    assert_int_equal(t, 1580864400);
    assert_int_equal(hc_time_parse("2020-02-05T09:00", &t), HC_OK);
    assert_int_equal(t, 1580864400);
    assert_int_equal(hc_time_parse("2020-02-05T01:00:00Z", &t), HC_OK);
    assert_int_equal(t, 1580864400);
    assert_int_equal(hc_time_parse("2020-02-05 03:00:00.999+0200", &t), HC_OK);
    assert_int_equal(t, 1580864400);
    assert_int_equal(hc_time_parse("2020-02-04T20:00-05", &t), HC_OK);
    assert_int_equal(t, 1580864400);
    assert_int_equal(hc_time_parse("1580864400", &t), HC_OK);
    assert_int_equal(t, 1580864400);
    assert_int_equal(hc_time_parse("0", &t), HC_OK);
    assert_int_equal(t, 0);
    const char *bad[] = {"", "1580864400x", "9999999999999", "2020-02-30", "2020-02-05T24:00",
                         "2020-02-05T09:00+15:00", "2020-02-05T09:00:00+08:00x", "1970-01-01T07:59:59",
                         "-5", "2020-2-5", "2020-02-05T09", "2020-02-05T09:00:00.", NULL};
    for (int i = 0; bad[i]; i++) {
        t = 42;
        assert_int_equal(hc_time_parse(bad[i], &t), HC_E_ARG);
        assert_int_equal(t, 42);
    }
    assert_int_equal(hc_time_parse(NULL, &t), HC_E_ARG);
    /* a record's declaration wants its offset */
    int64_t day;
    assert_false(hc_clock_parse_datetime("2020-02-05T09:00:00", true, 0, &t, &day));
    assert_true(hc_clock_parse_datetime("2020-02-05T23:30:00-05:00", true, 0, &t, &day));
    assert_int_equal(day, 18297);
    assert_int_equal(t, 1580963400);
}

static void test_durations(void **state)
{
    (void)state;
    int64_t s;
    assert_int_equal(hc_duration_parse("300", 86400, &s), HC_OK);
    assert_int_equal(s, 300);
    assert_int_equal(hc_duration_parse("5m", 86400, &s), HC_OK);
    assert_int_equal(s, 300);
    assert_int_equal(hc_duration_parse("24h", 86400, &s), HC_OK);
    assert_int_equal(s, 86400);
    assert_int_equal(hc_duration_parse("7d", 30 * 86400, &s), HC_OK);
    assert_int_equal(s, 604800);
    assert_int_equal(hc_duration_parse("2d", 86400, &s), HC_E_ARG);       /* above max */
    assert_int_equal(hc_duration_parse("86401", 86400, &s), HC_E_ARG);
    assert_int_equal(hc_duration_parse("99999999999999999999d", INT64_MAX, &s), HC_E_ARG);
    const char *bad[] = {"", "s", "5x", "5 m", "-5", "5mm", "1.5h", NULL};
    for (int i = 0; bad[i]; i++)
        assert_int_equal(hc_duration_parse(bad[i], 86400, &s), HC_E_ARG);
}

static void test_format(void **state)
{
    (void)state;
    char b[HC_TIME_TEXT_MAX];
    assert_int_equal(hc_time_format(1580864400, 8 * 3600, b, sizeof b), HC_OK);
    assert_string_equal(b, "2020-02-05T09:00:00+08:00");
    assert_int_equal(hc_time_format(1580864400, 0, b, sizeof b), HC_OK);
    assert_string_equal(b, "2020-02-05T01:00:00Z");
    assert_int_equal(hc_time_format(1580864400, -(5 * 3600 + 30 * 60), b, sizeof b), HC_OK);
    assert_string_equal(b, "2020-02-04T19:30:00-05:30");
    assert_int_equal(hc_time_format(-1, 0, b, sizeof b), HC_OK);
    assert_string_equal(b, "1969-12-31T23:59:59Z");
    assert_int_equal(hc_time_format(1580864400, 0, b, 25), HC_E_BUFFER);
    assert_int_equal(hc_time_format(INT64_MAX, 0, b, sizeof b), HC_E_ARG);
    /* what is written reads back as the same instant */
    int64_t t;
    assert_int_equal(hc_time_format(1580864400, 8 * 3600, b, sizeof b), HC_OK);
    assert_int_equal(hc_time_parse(b, &t), HC_OK);
    assert_int_equal(t, 1580864400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates_and_midnights),
        cmocka_unit_test(test_time_rule),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

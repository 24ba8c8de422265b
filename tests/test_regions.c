/* test_regions.c — GB/T 2260 region names and ISO 3166-1 countries as a user
 * sees them in reasons ("湖北省武汉市", "Italy"). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "regions_impl.h"

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int32_t civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static const char *name_on(uint32_t code, int32_t day)
{
    static char buf[128];
    return hc_region_name_zh(code, day, buf, sizeof buf);
}

/* Names as of today's (2024) table. */
static const char *name(uint32_t code)
{
    return name_on(code, civil(2024, 1, 1));
}

static void test_region_names(void **state)
{
    (void)state;
    assert_string_equal(name(420100), "湖北省武汉市");
    assert_string_equal(name(330402), "浙江省嘉兴市南湖区");
    assert_string_equal(name(330000), "浙江省");
    assert_string_equal(name(330300), "浙江省温州市");
    assert_string_equal(name(331000), "浙江省台州市");
    assert_string_equal(name(420000), "湖北省");
    assert_string_equal(name(360000), "江西省");
    /* Placeholder levels are left out of the name. */
    assert_string_equal(name(110101), "北京市东城区");
    assert_string_equal(name(110100), "北京市");
    assert_string_equal(name(500229), "重庆市城口县");
    assert_string_equal(name(429004), "湖北省仙桃市");
    /* A prefecture-level city without counties. */
    assert_string_equal(name(441900), "广东省东莞市");
    assert_null(name(999999));
    assert_null(name(0));
    /* 330402 was 秀城区 up to the 2006-12 revision. */
    assert_string_equal(name_on(330402, civil(2004, 1, 1)), "浙江省嘉兴市秀城区");
    const int32_t today = civil(2024, 1, 1);
    char small[10]; /* "浙江省嘉兴市南湖区" is 27 bytes, 28 with its NUL */
    assert_null(hc_region_name_zh(330402, today, small, sizeof small));
    char one_short[27];
    assert_null(hc_region_name_zh(330402, today, one_short, sizeof one_short));
    char fits[28];
    assert_string_equal(hc_region_name_zh(330402, today, fits, sizeof fits), "浙江省嘉兴市南湖区");
}

static void test_region_exists(void **state)
{
    (void)state;
    const uint32_t known[] = {330000, 330300, 331000, 330402, 420000, 420100, 360000,
                              110100, 120100, 310100, 500100, 110000, 650000, 441900};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        assert_true(hc_region_exists(known[i]));
    assert_false(hc_region_exists(999999));
    assert_false(hc_region_exists(330499));
    assert_false(hc_region_exists(0));
    assert_false(hc_region_exists(4201));
    /* The statistical codes do not cover Taiwan, Hong Kong and Macao. */
    assert_false(hc_region_exists(810000));
    /* Retired before the 2023 data: Hangzhou's 下城区 and 江干区 (merged in 2021)
     * are still known, as retired codes. */
    assert_true(hc_region_exists(330103));
    assert_true(hc_region_exists(330104));
    assert_true(hc_region_retired(330103));
    assert_true(hc_region_retired(330104));
    assert_false(hc_region_retired(330105));   /* 拱墅区, which took in 下城区 */
    assert_false(hc_region_retired(330113));   /* 临平区, created in 2021 */
    assert_false(hc_region_retired(999999));
    /* Retired before 2016 (巢湖市, a prefecture until 2011) and a county
     * code valid in the 2002 revision only. */
    assert_true(hc_region_exists(341400));
    assert_true(hc_region_retired(341400));
    /* Never valid in any revision. */
    assert_false(hc_region_exists(330199));
    assert_false(hc_region_exists(330115));
}

/* A code is named as it was on the day asked about. */
static void test_region_names_then(void **state)
{
    (void)state;
    const int32_t jan2020 = civil(2020, 1, 20);
    assert_string_equal(name_on(330103, jan2020), "浙江省杭州市下城区");
    assert_string_equal(name_on(330104, jan2020), "浙江省杭州市江干区");
    /* Asked about a day after its retirement: the name it had last. */
    assert_string_equal(name_on(330103, civil(2024, 1, 1)), "浙江省杭州市下城区");
    /* Asked about a day before its creation: the name it had first. */
    assert_string_equal(name_on(330113, jan2020), "浙江省杭州市临平区");
    /* Renamed without a new code: 襄樊市 became 襄阳市 in 2010. */
    assert_string_equal(name_on(420600, civil(2009, 6, 1)), "湖北省襄樊市");
    assert_string_equal(name_on(420600, jan2020), "湖北省襄阳市");
    assert_string_equal(name_on(420602, civil(2009, 6, 1)), "湖北省襄樊市襄城区");
    /* Before the first revision (2002-12): the earliest name. */
    assert_string_equal(name_on(420600, civil(1999, 1, 1)), "湖北省襄樊市");
    assert_string_equal(name_on(420600, INT32_MIN), "湖北省襄樊市");
    assert_string_equal(name_on(420600, INT32_MAX), "湖北省襄阳市");
    /* A retired prefecture and its county, named as they were. */
    assert_string_equal(name_on(341400, civil(2010, 1, 1)), "安徽省巢湖市");
    assert_string_equal(name_on(341402, civil(2010, 1, 1)), "安徽省巢湖市居巢区");
    /* Older revisions' placeholders are left out too (省直辖行政单位, 2002). */
    assert_string_equal(name_on(429004, civil(2003, 1, 1)), "湖北省仙桃市");
    assert_null(name_on(330199, jan2020));
}

static void test_countries(void **state)
{
    (void)state;
    assert_true(hc_country_exists("IT"));
    assert_string_equal(hc_country_name_en("IT"), "Italy");
    assert_string_equal(hc_country_name_zh("IT"), "意大利");
    assert_string_equal(hc_country_name_en("KR"), "Korea, Republic of");
    assert_string_equal(hc_country_name_zh("KR"), "大韩民国");
    assert_string_equal(hc_country_name_zh("IR"), "伊朗伊斯兰共和国");
    assert_true(hc_country_exists("CN"));
    assert_string_equal(hc_country_name_zh("CN"), "中国");
    assert_false(hc_country_exists("XX"));
    assert_false(hc_country_exists("it"));
    assert_false(hc_country_exists("ITA"));
    assert_false(hc_country_exists(""));
    assert_false(hc_country_exists(NULL));
    assert_null(hc_country_name_en("XX"));
    assert_null(hc_country_name_zh("XX"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_region_names),
        cmocka_unit_test(test_region_exists),
        cmocka_unit_test(test_region_names_then),
        cmocka_unit_test(test_countries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

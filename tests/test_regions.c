/* test_regions.c — GB/T 2260 region names and ISO 3166-1 countries as a user
 * sees them in reasons ("湖北省武汉市", "Italy"). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "regions_impl.h"

static const char *name(uint32_t code)
{
    static char buf[128];
    return hc_region_name_zh(code, buf, sizeof buf);
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
    char small[10]; /* "浙江省嘉兴市南湖区" is 27 bytes, 28 with its NUL */
    assert_null(hc_region_name_zh(330402, small, sizeof small));
    char one_short[27];
    assert_null(hc_region_name_zh(330402, one_short, sizeof one_short));
    char fits[28];
    assert_string_equal(hc_region_name_zh(330402, fits, sizeof fits), "浙江省嘉兴市南湖区");
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
    /* Retired before the 2023 data: Hangzhou's 下城区 and 江干区 (merged in 2021). */
    assert_false(hc_region_exists(330103));
    assert_false(hc_region_exists(330104));
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
        cmocka_unit_test(test_countries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

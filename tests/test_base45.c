/* test_base45.c — RFC 9285's examples both ways, and every strict rejection. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "token_impl.h"

static void check_pair(const char *bytes, const char *text)
{
    char out[64];
    size_t len = 0;
    assert_int_equal(hc_base45_encode((const uint8_t *)bytes, strlen(bytes), out, sizeof out, &len), HC_OK);
    assert_int_equal(len, strlen(text));
    assert_string_equal(out, text);
    uint8_t back[64];
    assert_int_equal(hc_base45_decode(text, strlen(text), back, sizeof back, &len), HC_OK);
    assert_int_equal(len, strlen(bytes));
    assert_memory_equal(back, bytes, len);
}

/* RFC 9285 §4.3 and §4.4 */
static void test_rfc_examples(void **state)
{
    (void)state;
    check_pair("AB", "BB8");
    check_pair("Hello!!", "%69 VD92EX0");
    check_pair("base-45", "UJCLQE7W581");
    check_pair("ietf!", "QED8WEX0");
    check_pair("", "");
}

static hc_err dec(const char *text)
{
    uint8_t out[64];
    size_t len = 0;
    return hc_base45_decode(text, strlen(text), out, sizeof out, &len);
}

static void test_rejections(void **state)
{
    (void)state;
    assert_int_equal(dec("BB8A"), HC_E_BASE45);     /* length 3k+1 */
    assert_int_equal(dec("B"), HC_E_BASE45);
    assert_int_equal(dec("bb8"), HC_E_BASE45);      /* lower case is outside the 45 */
    assert_int_equal(dec("BB~"), HC_E_BASE45);
    /* GGW = 16 + 16*45 + 32*2025 = 65536, one above a triplet's range */
    assert_int_equal(dec("GGW"), HC_E_BASE45);
    /* FGW = 15 + 16*45 + 32*2025 = 65535, the largest triplet */
    uint8_t out[4];
    size_t len = 0;
    assert_int_equal(hc_base45_decode("FGW", 3, out, sizeof out, &len), HC_OK);
    assert_int_equal(len, 2);
    assert_int_equal(out[0], 0xff);
    assert_int_equal(out[1], 0xff);
    /* a final pair: ":0" is 44 + 0*45 = 44, valid; "V5" = 31 + 5*45 = 256 is not;
     * "U5" = 255 is the largest; "::" = 44 + 44*45 = 2024 */
    assert_int_equal(hc_base45_decode(":0", 2, out, sizeof out, &len), HC_OK);
    assert_int_equal(len, 1);
    assert_int_equal(out[0], 44);
    assert_int_equal(dec("V5"), HC_E_BASE45);
    assert_int_equal(dec("::"), HC_E_BASE45);
    assert_int_equal(hc_base45_decode("U5", 2, out, sizeof out, &len), HC_OK);
    assert_int_equal(out[0], 255);
    /* an embedded NUL is a character outside the 45 */
    assert_int_equal(hc_base45_decode("BB\0", 3, out, sizeof out, &len), HC_E_BASE45);
}

static void test_buffer_sizes(void **state)
{
    (void)state;
    char text[16];
    size_t len = 0;
    /* "Hello!!" is 7 bytes → 3 pairs (9 chars) + 1 byte (2 chars) = 11, plus NUL */
    assert_int_equal(hc_base45_encode((const uint8_t *)"Hello!!", 7, NULL, 0, &len), HC_E_BUFFER);
    assert_int_equal(len, 12);
    assert_int_equal(hc_base45_encode((const uint8_t *)"Hello!!", 7, text, 11, &len), HC_E_BUFFER);
    assert_int_equal(len, 12);
    assert_int_equal(hc_base45_encode((const uint8_t *)"Hello!!", 7, text, 12, &len), HC_OK);
    assert_int_equal(len, 11);
    uint8_t out[8];
    assert_int_equal(hc_base45_decode("%69 VD92EX0", 11, out, 6, &len), HC_E_BUFFER);
    assert_int_equal(len, 7);
    /* a bad text is bad whatever the buffer */
    assert_int_equal(hc_base45_decode("bb8", 3, NULL, 0, &len), HC_E_BASE45);
}

/* every 2-byte value survives the round trip */
static void test_all_pairs(void **state)
{
    (void)state;
    for (unsigned v = 0; v < 65536; v++) {
        uint8_t in[2] = {(uint8_t)(v >> 8), (uint8_t)v}, out[2];
        char text[4];
        size_t len = 0;
        assert_int_equal(hc_base45_encode(in, 2, text, sizeof text, &len), HC_OK);
        assert_int_equal(hc_base45_decode(text, 3, out, sizeof out, &len), HC_OK);
        assert_memory_equal(in, out, 2);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc_examples),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_buffer_sizes),
        cmocka_unit_test(test_all_pairs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

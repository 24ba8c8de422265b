/* test_json.c — the record's JSON reader (json.c): the values it reads, the
 * layout it reads them into, and where and why it refuses a text. Its
 * agreement with jansson on every other input is fuzz_json's job. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "json_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static hc_json_doc doc;

static const hc_json *ok(const char *text)
{
    hc_json_doc_free(&doc);
    assert_int_equal(hc_json_parse(text, strlen(text), &doc), HC_OK);
    return doc.root;
}

/* The message of a refused text, with its position as "L:C message". */
static const char *bad(const char *text, size_t len)
{
    static char out[160];
    hc_json_doc_free(&doc);
    assert_int_equal(hc_json_parse(text, len, &doc), HC_E_RECORD);
    assert_null(doc.root);
    snprintf(out, sizeof out, "%d:%d %s", doc.line, doc.column, doc.message);
    return out;
}

static void test_values(void **state)
{
    (void)state;
    const hc_json *v = ok(" {\"a\": [1, -0, 2.5e1, -9223372036854775808, 9223372036854775807],"
                          " \"b\": \"x\\u00e9\\ud83d\\ude00\\n\", \"c\": true, \"d\": null, \"e\": {}} ");
    assert_int_equal(v->type, HC_JSON_OBJECT);
    assert_int_equal(v->count, 5);
    assert_int_equal(v->span, 16);   /* object, 5 keys, array + 5, string, true, null, {} */
    const hc_json *a = hc_json_get(v, "a");
    assert_int_equal(a->type, HC_JSON_ARRAY);
    assert_int_equal(a->count, 5);
    assert_int_equal(a[1].u.i, 1);
    assert_int_equal(a[2].type, HC_JSON_INTEGER);
    assert_int_equal(a[2].u.i, 0);
    assert_int_equal(a[3].type, HC_JSON_REAL);
    assert_true(a[3].u.d == 25.0);
    assert_true(a[4].u.i == INT64_MIN);
    assert_true(a[5].u.i == INT64_MAX);
    const hc_json *b = hc_json_get(v, "b");
    assert_int_equal(b->count, 1 + 2 + 4 + 1);
    assert_memory_equal(b->u.s, "x\xc3\xa9\xf0\x9f\x98\x80\n", 9);   /* NUL-terminated */
    assert_int_equal(hc_json_get(v, "c")->type, HC_JSON_TRUE);
    assert_int_equal(hc_json_get(v, "d")->type, HC_JSON_NULL);
    assert_int_equal(hc_json_get(v, "e")->span, 1);
    assert_null(hc_json_get(v, "f"));
    assert_null(hc_json_get(a, "a"));          /* not an object */
    assert_ptr_equal(hc_json_next(a), b - 1);   /* the key "b" follows the array */

    v = ok("{\"k\\u0000x\": 1, \"k\": 2}");     /* a key with a NUL is not "k" */
    assert_int_equal(hc_json_get(v, "k")->u.i, 2);
    v = ok("\"a\\u0000b\"");
    assert_int_equal(v->count, 3);
    assert_int_equal(ok("37.5")->u.d * 2, 75);
    assert_int_equal(ok("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]")->span, 32);
    hc_json_doc_free(&doc);
}

static void test_refusals(void **state)
{
    (void)state;
    assert_string_equal(bad("", 0), "1:1 a value expected, the text ended (at the end of the text)");
    assert_string_equal(bad("{\"a\": 1,\n \"b\" 2}", 15), "2:6 ':' expected after a key near '2'");
    assert_string_equal(bad("[1 2]", 5), "1:4 ',' or ']' expected near '2'");
    assert_string_equal(bad("[1,]", 4), "1:4 a value expected near ']'");
    assert_string_equal(bad("{\"a\":1,}", 8), "1:8 a key (a string in double quotes) expected near '}'");
    assert_string_equal(bad("01", 2), "1:2 text after the end of the value near '1'");
    assert_string_equal(bad("1.", 2), "1:1 an invalid number (no digit after the point) near '1'");
    assert_string_equal(bad("-", 1), "1:1 an invalid number near '-'");
    assert_string_equal(bad("1e+", 3), "1:1 an invalid number (no digit in the exponent) near '1'");
    assert_string_equal(bad("9223372036854775808", 19), "1:1 an integer out of range near '9'");
    assert_string_equal(bad("-9223372036854775809", 20), "1:1 an integer out of range near '-'");
    assert_string_equal(bad("1e309", 5), "1:1 a number out of range near '1'");
    assert_string_equal(bad("tru", 3), "1:1 an invalid literal (true, false or null expected) near 't'");
    assert_string_equal(bad("\"ab", 3), "1:1 a string is not closed near '\"'");
    assert_string_equal(bad("\"a\tb\"", 5), "1:3 a control character in a string (it must be escaped) (byte 0x09)");
    assert_string_equal(bad("\"\\x\"", 4), "1:2 an invalid escape in a string near '\\'");
    assert_string_equal(bad("\"\\ud800\"", 8), "1:2 an invalid \\u escape (or a lone surrogate) near '\\'");
    assert_string_equal(bad("\"\\udc00\\ud800\"", 14), "1:2 an invalid \\u escape (or a lone surrogate) near '\\'");
    assert_string_equal(bad("\"\xc0\xaf\"", 4), "1:2 invalid UTF-8 in a string (byte 0xc0)");      /* overlong */
    assert_string_equal(bad("\"\xed\xa0\x80\"", 5), "1:2 invalid UTF-8 in a string (byte 0xed)");  /* surrogate */
    assert_string_equal(bad("\"\xf4\x90\x80\x80\"", 6), "1:2 invalid UTF-8 in a string (byte 0xf4)");
    assert_string_equal(bad("\"\xe4\xb8\"", 4), "1:2 invalid UTF-8 in a string (byte 0xe4)");  /* cut */
    assert_string_equal(bad("1\0", 2), "1:2 text after the end of the value (byte 0x00)");
    /* the column counts characters: 中 is one */
    assert_string_equal(bad("[\"\xe4\xb8\xad\", x]", 9), "1:7 a value expected near 'x'");
    char deep[34];
    memset(deep, '[', 33);
    assert_string_equal(bad(deep, 33), "1:33 nesting deeper than the maximum depth (32) near '['");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_mask.c — what a token shows of a person (mask.c, doc/format.md `nam`
 * and `doc`): names masked by the script of their letters, never shown whole
 * (issue 25 point 9: a property over many generated names), bidi and
 * zero-width characters refused, Unicode upper case, long Latin names that
 * keep their family name (issue 26 point 9), document numbers that show at
 * most 4 characters and never more than half. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <healthcode/healthcode.h>
#include "mask_impl.h"

/* The letters of a UTF-8 text (glib's classes, as mask.c reads them). */
static int letters_of(const char *s)
{
    int n = 0;
    for (const char *p = s; *p; p = g_utf8_next_char(p))
        n += g_unichar_isalpha(g_utf8_get_char(p));
    return n;
}

static void check_name(const char *in, const char *want)
{
    char out[HC_NAM_MAX + 1];
    hc_err e = hc_mask_name(in, out, sizeof out);
    if (e != HC_OK)
        fail_msg("'%s': %s", in, hc_err_name(e));
    if (strcmp(out, want) != 0)
        fail_msg("'%s' masks to '%s', want '%s'", in, out, want);
}

static void names_as_before(void **state)
{
    (void)state;
    check_name("张三", "张*");
    check_name("张某三", "张*三");
    check_name("欧阳娜娜", "欧**娜");
    check_name("John Smith", "J*** SMITH");
    check_name("Mary Ann Lee", "M*** A** LEE");
    check_name("  john   smith ", "J*** SMITH");
    check_name("张", "*");
    check_name("", "");
    char out[HC_NAM_MAX + 1];
    assert_int_equal(hc_mask_name("\xe5\xbc", out, sizeof out), HC_E_ARG);   /* truncated UTF-8 */
    assert_int_equal(hc_mask_name("\xc0\xaf", out, sizeof out), HC_E_ARG);   /* overlong */
    assert_int_equal(hc_mask_name("A\nB", out, sizeof out), HC_E_ARG);
    assert_int_equal(hc_mask_name("张某三", out, 8), HC_OK);                 /* 7 bytes and the NUL */
    assert_int_equal(hc_mask_name("张某三", out, 7), HC_E_BUFFER);
    /* a long CJK name keeps its last character within 64 bytes */
    char longname[256] = "";
    for (int i = 0; i < 40; i++)
        strcat(longname, "阿依");
    strcat(longname, "提");   /* 81 characters, 79 hidden */
    assert_int_equal(hc_mask_name(longname, out, sizeof out), HC_OK);
    assert_int_equal(strlen(out), 64);   /* 3 + 58 stars + 3 */
    assert_memory_equal(out, "阿*", 4);
    assert_string_equal(out + 61, "提");
}

/* Issue 25 point 9: each of these came out unmasked. */
static void the_script_is_decided_by_the_letters(void **state)
{
    (void)state;
    check_name("张 小三", "张*三");
    check_name("(张小三)", "张*三");
    check_name("1张小三", "张*三");
    check_name("\xc2\xa0张小三", "张*三");        /* U+00A0 first */
    check_name("张小三 ", "张*三");               /* a trailing space */
    check_name("张小三\xe3\x80\x80", "张*三");    /* an ideographic space */
    check_name("\xe3\x80\x80张\xe3\x80\x80小三", "张*三");
    check_name("김철수", "김*수");                /* Hangul */
    check_name("やまだ たろう", "や****う");      /* kana, with a space */
    /* more Latin letters than CJK ones: word style */
    check_name("Li 张", "L* 张");
}

static void bidi_and_invisible_characters_are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\xe2\x80\x8b张小三",  /* U+200B zero width space */
        "张\xe2\x80\x8c小三",  /* U+200C ZWNJ */
        "张小\xe2\x80\x8d三",  /* U+200D ZWJ */
        "\xe2\x80\xae张小三",  /* U+202E right-to-left override */
        "\xe2\x81\xa6张小三",  /* U+2066 left-to-right isolate */
        "\xe2\x81\xa9John",    /* U+2069 pop directional isolate */
        "Jo\xe2\x80\x8fhn",    /* U+200F right-to-left mark */
        "\xd8\x9cJohn",        /* U+061C Arabic letter mark */
        "\xef\xbb\xbfJohn",    /* U+FEFF */
        "Jo\xc2\xadhn",        /* soft hyphen */
        "Jo\xe2\x81\xa0hn",    /* U+2060 word joiner */
        "John\xc2\x85",        /* C1 control NEL */
        "John\x7f",
    };
    char out[HC_NAM_MAX + 1];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (hc_mask_name(bad[i], out, sizeof out) != HC_E_ARG)
            fail_msg("case %zu was masked as '%s'", i, out);
        size_t at = 99;
        const char *what = NULL;
        assert_int_equal(hc_name_check(bad[i], strlen(bad[i]), &at, &what), HC_E_ARG);
        assert_non_null(what);
    }
    size_t at = 0;
    const char *what = NULL;
    assert_int_equal(hc_name_check("张\xe2\x80\xae", 6, &at, &what), HC_E_ARG);
    assert_int_equal(at, 3);
    assert_string_equal(what, "a bidirectional control character");
    assert_int_equal(hc_name_check("ab\xe2\x80\x8b", 5, &at, &what), HC_E_ARG);
    assert_int_equal(at, 2);
    assert_string_equal(what, "an invisible (zero-width) character");
    assert_int_equal(hc_name_check("a\nb", 3, &at, &what), HC_E_ARG);
    assert_string_equal(what, "a control character");
    assert_int_equal(hc_name_check("Zoë Ångström 张三", strlen("Zoë Ångström 张三"), &at, &what), HC_OK);
}

/* Issue 26 point 9: Unicode upper case; a long name keeps its family name. */
static void latin_names_upper_case_and_length(void **state)
{
    (void)state;
    check_name("Zoë Ångström", "Z** ÅNGSTRÖM");   /* one '*' per character, not per byte */
    check_name("jóse íñigo garcía", "J*** Í**** GARCÍA");
    check_name("e\xcc\x81mile zola", "E\xcc\x81**** ZOLA"); /* the combining accent stays on its letter */
    check_name("Giulia Rossi", "G***** ROSSI");
    /* given names hide nothing: the family name is masked too, never shown whole */
    check_name("Madonna", "M******");
    check_name("J SMITH", "J S****");
    check_name("J. R. R. Tolkien", "J* R* R* T******");   /* initials hide no letter */
    check_name("J S", "J*");
    check_name("a", "*");
    check_name("J*** SMITH", "J*** S****");   /* stars are not letters */
    /* 76 bytes: the given names' stars shrink (to 5 each) so the family name fits whole */
    check_name("Maximilian Alexander Wolfgang Johannes Friedrich Von Hohenberg-Liechtenstein",
               "M***** A***** W***** J***** F***** V** HOHENBERG-LIECHTENSTEIN");
    check_name("Wolfeschlegelsteinhausenbergerdorff Hubert Blaine Wolfeschlegelsteinhausenbergerdorffé",
               "W*********** H***** B***** WOLFESCHLEGELSTEINHAUSENBERGERDORFFÉ");
    /* stars at one each are not enough: the middle names go, the first stays */
    check_name("Ana Bea Cid Dan Eva Fay Gus Hal Ivy Jon Kim Lou Max Ned Oda Pia Qin Rex Vasquez-Montenegro",
               "A* B* C* D* E* F* G* H* I* J* K* L* M* N* O* VASQUEZ-MONTENEGRO"); /* 63 bytes */
    /* a family name longer than 64 bytes alone is cut at a character boundary */
    char out[HC_NAM_MAX + 1];
    assert_int_equal(hc_mask_name("Ana Ééééééééééééééééééééééééééééééééééééé", out, sizeof out), HC_OK);
    assert_int_equal(strlen(out), 63);   /* "A* " (stars cut first) and 30 two-byte É: one more would pass 64 */
    assert_memory_equal(out, "A* ÉÉ", 7);
}

static void check_doc(const char *in, const char *want)
{
    char out[HC_DOC_MAX + 1];
    assert_int_equal(hc_mask_document(in, out, sizeof out), HC_OK);
    if (strcmp(out, want) != 0)
        fail_msg("'%s' masks to '%s', want '%s'", in, out, want);
}

/* Issue 26 point 9: at most 4 characters shown, never more than half. */
static void documents_show_at_most_four_never_half(void **state)
{
    (void)state;
    check_doc("YA1234567", "YA*****67");                    /* was YA12*4567: 8 of 9 */
    check_doc("330402199001011230", "33**************30");
    check_doc("E12345678", "E1*****78");
    check_doc("12345678", "12****78");
    check_doc("1234567", "1****67");
    check_doc("ABCD", "A**D");
    check_doc("ABC", "**C");
    check_doc("AB", "*B");
    check_doc("A", "*");
    check_doc("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", "AB****************************89"); /* capped at 32 */
    char out[HC_DOC_MAX + 1];
    assert_int_equal(hc_mask_document("3304 0219", out, sizeof out), HC_E_ARG);
    assert_int_equal(hc_mask_document("330402199001011230", out, 18), HC_E_BUFFER);
    /* every length: shown <= 4 and shown * 2 <= n */
    char doc[40];
    for (size_t n = 1; n < sizeof doc; n++) {
        memset(doc, 'Q', n);
        doc[n] = '\0';
        assert_int_equal(hc_mask_document(doc, out, sizeof out), HC_OK);
        size_t shown = 0;
        for (const char *p = out; *p; p++)
            shown += *p == 'Q';
        if (shown > 4 || shown * 2 > n)
            fail_msg("%zu characters: %zu shown ('%s')", n, shown, out);
    }
}

/* ---------------------------------------------- the property of issue 25.9 */

/* Pieces a generated name is made of, and whether each is a letter. */
static const struct {
    const char *s;
    int letters;
} pieces[] = {
    {"张", 1}, {"小", 1}, {"三", 1}, {"欧", 1}, {"阳", 1}, {"김", 1}, {"や", 1}, {"カ", 1},
    {"a", 1}, {"B", 1}, {"z", 1}, {"é", 1}, {"Ö", 1}, {"ß", 1}, {"ı", 1}, {"Я", 1}, {"ل", 1}, {"ǆ", 1},
    {"e\xcc\x81", 1},  /* e and a combining acute */
    {" ", 0}, {" ", 0}, {"\xc2\xa0", 0}, {"\xe3\x80\x80", 0}, {"\xe2\x80\x83", 0},
    {"*", 0}, {"(", 0}, {")", 0}, {"-", 0}, {"'", 0}, {".", 0}, {"1", 0}, {"7", 0}, {"·", 0},
};

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32);
}

static void no_masked_name_equals_its_input(void **state)
{
    (void)state;
    const size_t np = sizeof pieces / sizeof *pieces;
    char name[128], out[HC_NAM_MAX + 1];
    unsigned long tried = 0;
    for (int i = 0; i < 300000; i++) {
        size_t len = 0, k = 1 + rng() % 14;
        int letters = 0;
        /* a third of the names from letters of one script: the common case */
        size_t lo = 0, hi = np;
        if (i % 3 == 1)
            hi = 8;              /* CJK letters only */
        else if (i % 3 == 2)
            lo = 8, hi = 19;     /* other letters only */
        for (size_t j = 0; j < k; j++) {
            size_t p = (i % 3 && rng() % 4) ? lo + rng() % (hi - lo) : rng() % np;
            size_t pl = strlen(pieces[p].s);
            if (len + pl >= 100)
                break;
            memcpy(name + len, pieces[p].s, pl);
            len += pl;
            letters += pieces[p].letters;
        }
        name[len] = '\0';
        if (letters < 2)
            continue;
        tried++;
        hc_err e = hc_mask_name(name, out, sizeof out);
        if (e != HC_OK)
            fail_msg("'%s': %s", name, hc_err_name(e));
        if (strcmp(out, name) == 0)
            fail_msg("'%s' (%d letters) is shown whole", name, letters);
        /* and more than unequal: at least one letter is hidden */
        if (letters_of(out) >= letters_of(name))
            fail_msg("'%s' masks to '%s': no letter hidden", name, out);
        if (strlen(out) > HC_NAM_MAX)
            fail_msg("'%s' masks to %zu bytes", name, strlen(out));
    }
    assert_true(tried > 150000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_as_before),
        cmocka_unit_test(the_script_is_decided_by_the_letters),
        cmocka_unit_test(bidi_and_invisible_characters_are_refused),
        cmocka_unit_test(latin_names_upper_case_and_length),
        cmocka_unit_test(documents_show_at_most_four_never_half),
        cmocka_unit_test(no_masked_name_equals_its_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

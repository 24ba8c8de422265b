/* test_revoke.c — revocation lists: text, deltas, binary round trip, lookups. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <healthcode/verify.h>
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const uint8_t CTI_A[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
static const uint8_t CTI_B[8] = {0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88};
static const uint8_t CTI_C[8] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t SUB_A[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
static const uint8_t SUB_B[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xfe};

static const char LIST[] =
    "# revoked 2020-02-10\n"
    "0123456789abcdef\n"
    "\n"
    "   FFEEDDCCBBAA9988   # upper case, blanks around, trailing comment\r\n"
    "00112233445566778899aabbccddeeff\n"
    "0123456789ABCDEF\n"; /* a duplicate of the first */

static hc_revocations *load_list(const char *text)
{
    hc_revocations *r = NULL;
    assert_int_equal(hc_revocations_new(&r), HC_OK);
    hc_diag d;
    assert_int_equal(hc_revocations_add_text(r, text, strlen(text), &d), HC_OK);
    return r;
}

static void text_lookups(void **state)
{
    (void)state;
    hc_revocations *r = load_list(LIST);
    assert_int_equal(hc_revocations_count(r), 3); /* the duplicate counted once */
    assert_true(hc_revocations_has_cti(r, CTI_A));
    assert_true(hc_revocations_has_cti(r, CTI_B));
    assert_false(hc_revocations_has_cti(r, CTI_C));
    assert_true(hc_revocations_has_sub(r, SUB_A));
    assert_false(hc_revocations_has_sub(r, SUB_B));
    /* a cti is not found among subs nor the other way round */
    assert_false(hc_revocations_has_sub(r, (const uint8_t *)"\x01\x23\x45\x67\x89\xab\xcd\xef"
                                               "\x00\x00\x00\x00\x00\x00\x00\x00"));
    hc_revocations_free(r);
}

static void empty_list(void **state)
{
    (void)state;
    hc_revocations *r = load_list("# nothing yet\n\n");
    assert_int_equal(hc_revocations_count(r), 0);
    assert_false(hc_revocations_has_cti(r, CTI_A));
    assert_false(hc_revocations_has_sub(r, SUB_A));
    assert_false(hc_revocations_has_cti(NULL, CTI_A));
    hc_revocations_free(r);
    hc_revocations_free(NULL);
}

static void bad_lines_name_their_line(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        long line;
    } cases[] = {
        {"0123456789abcdef\n# ok\n0123456789abcde\n", 3},       /* 15 digits */
        {"0123456789abcdeg\n", 1},                              /* not hex */
        {"0123456789abcdef0\n", 1},                             /* 17 digits */
        {"\n\n00112233445566778899aabbccddeef\n", 3},           /* 31 digits */
        {"0123 456789abcdef\n", 1},                             /* a blank inside */
        {"--0123456789abcdef\n", 1},                            /* two signs */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hc_revocations *r = load_list("ffeeddccbbaa9988\n");
        hc_diag d;
        memset(&d, 0, sizeof d);
        assert_int_equal(hc_revocations_add_text(r, cases[i].text, strlen(cases[i].text), &d),
                         HC_E_REVOCATION_LIST);
        assert_int_equal(d.line, cases[i].line);
        char want[32];
        snprintf(want, sizeof want, "line %ld:", cases[i].line);
        assert_non_null(strstr(d.message, want));
        /* a failed add leaves the list as it was */
        assert_int_equal(hc_revocations_count(r), 1);
        assert_false(hc_revocations_has_cti(r, CTI_A));
        hc_revocations_free(r);
    }
}

static void daily_delta(void **state)
{
    (void)state;
    hc_revocations *r = load_list(LIST);
    /* day 2: CTI_A reinstated (the revocation was a mistake), CTI_C revoked */
    static const char delta[] = "# delta 2020-02-11\n-0123456789abcdef\n+0000000000000001\n";
    assert_int_equal(hc_revocations_add_text(r, delta, strlen(delta), NULL), HC_OK);
    assert_false(hc_revocations_has_cti(r, CTI_A));
    assert_true(hc_revocations_has_cti(r, CTI_C));
    assert_true(hc_revocations_has_cti(r, CTI_B));
    assert_int_equal(hc_revocations_count(r), 3);

    /* removal through the dedicated call; an absent id is ignored */
    static const char rm[] = "00112233445566778899aabbccddeeff\n-ffeeddccbbaa9988\n0123456789abcdef\n";
    assert_int_equal(hc_revocations_remove_text(r, rm, strlen(rm), NULL), HC_OK);
    assert_false(hc_revocations_has_sub(r, SUB_A));
    assert_false(hc_revocations_has_cti(r, CTI_B));
    assert_int_equal(hc_revocations_count(r), 1);

    /* '+' has no meaning in a list of ids to remove */
    hc_diag d;
    assert_int_equal(hc_revocations_remove_text(r, "+0000000000000001\n", 18, &d),
                     HC_E_REVOCATION_LIST);
    assert_int_equal(d.line, 1);
    assert_true(hc_revocations_has_cti(r, CTI_C));

    /* one delta that both adds and removes an id: the removal wins */
    static const char both[] = "0123456789abcdef\n-0123456789abcdef\n";
    assert_int_equal(hc_revocations_add_text(r, both, strlen(both), NULL), HC_OK);
    assert_false(hc_revocations_has_cti(r, CTI_A));
    hc_revocations_free(r);
}

static char tmpdir[64];

static int make_tmpdir(void **state)
{
    (void)state;
    return th_tmpdir(tmpdir, sizeof tmpdir, "hc_revoke");
}

static int remove_tmpdir(void **state)
{
    (void)state;
    return th_rmtree(tmpdir);
}

static void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void binary_round_trip(void **state)
{
    (void)state;
    hc_revocations *r = load_list(LIST);
    char path[128];
    snprintf(path, sizeof path, "%s/revoked.bin", tmpdir);
    assert_int_equal(hc_revocations_save_binary(r, path), HC_OK);

    /* exactly the documented layout: header, sorted cti bytes, sub bytes */
    static const uint8_t want[24 + 16 + 16] = {
        'H', 'C', 'R', 'V', '1', 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 2,
        0, 0, 0, 0, 0, 0, 0, 1,
        0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
        0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88,
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
        0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
    };
    uint8_t got[sizeof want + 1];
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(got, 1, sizeof got, f), sizeof want);
    fclose(f);
    assert_memory_equal(got, want, sizeof want);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);

    hc_revocations *b = NULL;
    assert_int_equal(hc_revocations_new(&b), HC_OK);
    assert_int_equal(hc_revocations_load(b, path, NULL), HC_OK);
    assert_int_equal(hc_revocations_count(b), 3);
    assert_true(hc_revocations_has_cti(b, CTI_A));
    assert_true(hc_revocations_has_cti(b, CTI_B));
    assert_false(hc_revocations_has_cti(b, CTI_C));
    assert_true(hc_revocations_has_sub(b, SUB_A));

    /* a binary file loaded into a non-empty list merges, without duplicates */
    assert_int_equal(hc_revocations_add_text(b, "-0123456789abcdef\n0000000000000001\n", 35, NULL),
                     HC_OK);
    assert_int_equal(hc_revocations_load(b, path, NULL), HC_OK);
    assert_int_equal(hc_revocations_count(b), 4);
    assert_true(hc_revocations_has_cti(b, CTI_A));
    assert_true(hc_revocations_has_cti(b, CTI_C));

    /* the delta, applied and saved again, loads as the same list */
    assert_int_equal(hc_revocations_add_text(b, "-ffeeddccbbaa9988\n", 18, NULL), HC_OK);
    assert_int_equal(hc_revocations_save_binary(b, path), HC_OK);
    hc_revocations *c = NULL;
    assert_int_equal(hc_revocations_new(&c), HC_OK);
    assert_int_equal(hc_revocations_load(c, path, NULL), HC_OK);
    assert_int_equal(hc_revocations_count(c), 3);
    assert_false(hc_revocations_has_cti(c, CTI_B));
    assert_true(hc_revocations_has_cti(c, CTI_C));

    hc_revocations_free(r);
    hc_revocations_free(b);
    hc_revocations_free(c);
}

static void binary_refusals(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/bad.bin", tmpdir);
    uint8_t buf[24 + 16] = {'H', 'C', 'R', 'V', '1', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
                            0, 0, 0, 0, 0, 0, 0, 0,
                            0, 0, 0, 0, 0, 0, 0, 9,
                            0, 0, 0, 0, 0, 0, 0, 3};
    hc_revocations *r = NULL;
    assert_int_equal(hc_revocations_new(&r), HC_OK);
    hc_diag d;

    write_bytes(path, buf, sizeof buf); /* 9 then 3: not sorted */
    assert_int_equal(hc_revocations_load(r, path, &d), HC_E_REVOCATION_LIST);
    assert_non_null(strstr(d.message, "cti entry 1"));

    buf[39] = 9; /* a duplicate */
    write_bytes(path, buf, sizeof buf);
    assert_int_equal(hc_revocations_load(r, path, &d), HC_E_REVOCATION_LIST);

    buf[39] = 10; /* sorted, but truncated by one byte */
    write_bytes(path, buf, sizeof buf - 1);
    assert_int_equal(hc_revocations_load(r, path, &d), HC_E_REVOCATION_LIST);

    buf[15] = 3; /* the counts promise more than the file holds */
    write_bytes(path, buf, sizeof buf);
    assert_int_equal(hc_revocations_load(r, path, &d), HC_E_REVOCATION_LIST);

    buf[15] = 2;
    write_bytes(path, buf, sizeof buf);
    assert_int_equal(hc_revocations_load(r, path, &d), HC_OK);
    assert_int_equal(hc_revocations_count(r), 2);

    assert_int_equal(hc_revocations_load(r, "/nonexistent/revoked.bin", &d), HC_E_IO);
    hc_revocations_free(r);
}

static void text_file(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/revoked.txt", tmpdir);
    write_bytes(path, LIST, strlen(LIST));
    hc_revocations *r = NULL;
    assert_int_equal(hc_revocations_new(&r), HC_OK);
    assert_int_equal(hc_revocations_load(r, path, NULL), HC_OK);
    assert_int_equal(hc_revocations_count(r), 3);
    assert_true(hc_revocations_has_sub(r, SUB_A));

    static const char bad[] = "0123456789abcdef\nnot an id\n";
    write_bytes(path, bad, strlen(bad));
    hc_diag d;
    assert_int_equal(hc_revocations_load(r, path, &d), HC_E_REVOCATION_LIST);
    assert_int_equal(d.line, 2);
    hc_revocations_free(r);
}

/* Issue 12, point 6: a FIFO blocked for ever, /dev/zero was read for 1 GiB
 * before its refusal; only regular files are read, and their size from
 * fstat refuses an oversized text list before any byte is read. The alarm
 * turns the old hang into a failure. */
static void operator_files(void **state)
{
    (void)state;
    hc_revocations *r = NULL;
    hc_diag d;
    assert_int_equal(hc_revocations_new(&r), HC_OK);
    char path[128];
    snprintf(path, sizeof path, "%s/fifo", tmpdir);
    assert_int_equal(mkfifo(path, 0600), 0);
    alarm(20);
    assert_int_equal(hc_revocations_load(r, path, &d), HC_E_IO);
    assert_int_equal(hc_revocations_load(r, "/dev/zero", &d), HC_E_IO);
    alarm(0);
    assert_int_equal(hc_revocations_load(r, tmpdir, &d), HC_E_IO);
    /* a sparse text file one byte over 1 GiB: refused by its size */
    snprintf(path, sizeof path, "%s/huge.txt", tmpdir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(truncate(path, ((off_t)1 << 30) + 1), 0);
    assert_int_equal(hc_revocations_load(r, path, &d), HC_E_LIMIT);
    assert_int_equal(hc_revocations_count(r), 0);
    hc_revocations_free(r);
}

/* Many entries in random order: every inserted id is found, none other. */
static void many_entries(void **state)
{
    (void)state;
    enum { N = 20000 };
    char *text = malloc(N * 17 + 1);
    assert_non_null(text);
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        snprintf(text + i * 17, 18, "%016llx\n", (unsigned long long)(x & ~(uint64_t)1));
    }
    hc_revocations *r = load_list(text);
    assert_int_equal(hc_revocations_count(r), N);
    x = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t v = x & ~(uint64_t)1;
        uint8_t b[8];
        for (int k = 0; k < 8; k++)
            b[k] = (uint8_t)(v >> (56 - 8 * k));
        assert_true(hc_revocations_has_cti(r, b));
        b[7] |= 1; /* odd ids were never added */
        assert_false(hc_revocations_has_cti(r, b));
    }
    free(text);
    hc_revocations_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_lookups),
        cmocka_unit_test(empty_list),
        cmocka_unit_test(bad_lines_name_their_line),
        cmocka_unit_test(daily_delta),
        cmocka_unit_test(binary_round_trip),
        cmocka_unit_test(binary_refusals),
        cmocka_unit_test(text_file),
        cmocka_unit_test(operator_files),
        cmocka_unit_test(many_entries),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}

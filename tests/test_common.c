/* test_common.c — the error table, names and small parsers every user sees. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <healthcode/healthcode.h>
#include "internal.h"

/* Every error has a distinct snake_case name and a text: scripts match names. */
static void test_error_names_unique(void **state)
{
    (void)state;
    for (int a = 0; a < HC_E__COUNT; a++) {
        const char *na = hc_err_name((hc_err)a);
        assert_non_null(hc_strerror((hc_err)a));
        assert_string_not_equal(na, "unknown_error");
        for (const char *p = na; *p; p++)
            assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_');
        for (int b = a + 1; b < HC_E__COUNT; b++)
            assert_string_not_equal(na, hc_err_name((hc_err)b));
    }
    assert_string_equal(hc_err_name(HC_OK), "ok");
    assert_string_equal(hc_err_name(HC_E_SIGNATURE), "bad_signature");
    assert_string_equal(hc_err_name(HC_E_UNKNOWN_KID), "unknown_kid");
    assert_string_equal(hc_err_name((hc_err)9999), "unknown_error");
    assert_string_equal(hc_strerror((hc_err)-1), "unknown error");
}

/* The numbers are the ABI (common.h): a value never moves. */
static void test_error_numbers_fixed(void **state)
{
    (void)state;
    static const char *const names[] = {
        "ok", "out_of_memory", "invalid_argument", "buffer_too_small", "io_error", "unsupported",
        "crypto_error", "too_large", "invalid_record", "invalid_policy", "invalid_risk_map",
        "invalid_key", "key_permissions", "invalid_trust_list", "invalid_revocation_list",
        "invalid_venue", "invalid_image", "no_code_found", "bad_prefix", "bad_base45", "bad_cbor",
        "indefinite_length", "duplicate_key", "trailing_bytes", "bad_cose", "algorithm_mismatch",
        "unknown_kid", "bad_signature", "key_not_valid", "issuer_mismatch", "bad_claims",
        "expired", "not_yet_valid", "revoked", "subject_revoked", "pkcs11", "bad_lifetime",
        "bad_bundle", "bundle_wrong_root", "bundle_bad_signature", "bundle_rollback",
        "bundle_expired", "bundle_wrong_base", "bundle_kid_mismatch", "bad_bundle_state",
        "pkcs11_module", "pkcs11_no_token", "pkcs11_pin", "key_encrypted", "bad_presentation",
        "unbound_token", "device_algorithm_mismatch", "bad_device_signature",
        "stale_presentation", "not_live", "bad_register", "register_version", "unknown_code",
        "already_revoked", "subject_mismatch", "audit_failed", "register_busy"};
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
        assert_string_equal(hc_err_name((hc_err)i), names[i]);
    assert_int_equal(HC_E_SIGNATURE, 27);
    assert_int_equal(HC_E_SUBJECT_REVOKED, 34);
    assert_int_equal(HC_E_PKCS11, 35);
    assert_int_equal(HC_E_LIFETIME, 36);
    assert_int_equal(HC_E_BUNDLE, 37);
    assert_int_equal(HC_E_BUNDLE_STATE, 44);
    assert_int_equal(HC_E_PKCS11_MODULE, 45);
    assert_int_equal(HC_E_PRESENTATION, 49);
    assert_int_equal(HC_E_NOT_LIVE, 54);
    assert_int_equal(HC_E_REGISTER, 55);
    assert_int_equal(HC_E_REGISTER_BUSY, 61);
    assert_int_equal(HC_E__COUNT, 62);
}

static void test_colour_and_alg_names(void **state)
{
    (void)state;
    hc_colour c;
    assert_int_equal(hc_colour_parse("Yellow", &c), HC_OK);
    assert_int_equal(c, HC_YELLOW);
    assert_int_equal(hc_colour_parse("amber", &c), HC_E_ARG);
    assert_string_equal(hc_colour_name(HC_RED), "red");
    assert_string_equal(hc_colour_name((hc_colour)3), "invalid");
    hc_alg a;
    assert_int_equal(hc_alg_parse("eddsa", &a), HC_OK);
    assert_int_equal(a, HC_ALG_EDDSA);
    assert_int_equal(hc_alg_parse("RS256", &a), HC_E_ARG);
    assert_string_equal(hc_alg_name(HC_ALG_ES256), "ES256");
}

static void test_diag_and_strlcpy(void **state)
{
    (void)state;
    hc_diag d;
    memset(&d, 'x', sizeof d);
    assert_int_equal(hc_diag_set(&d, HC_E_RECORD, "travel[1].to", "%s is bad", "travel[1].to"),
                     HC_E_RECORD);
    assert_string_equal(d.field, "travel[1].to");
    assert_string_equal(d.message, "travel[1].to is bad");
    assert_int_equal(d.line, 0);
    assert_int_equal(hc_diag_set(NULL, HC_E_POLICY, "x", "y"), HC_E_POLICY);
    char small[4];
    assert_false(hc_strlcpy(small, "abcdef", sizeof small));
    assert_string_equal(small, "abc");
    assert_true(hc_strlcpy(small, "abc", sizeof small));
}

/* Atomic writes land whole with the asked mode, and a bad directory is HC_E_IO. */
static void test_write_file_atomic(void **state)
{
    (void)state;
    char dir[] = "/tmp/hc-common-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    assert_int_equal(hc_write_file_atomic(path, "hello", 5, 0600), HC_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(hc_read_file(path, 100, &data, &len), HC_OK);
    assert_int_equal(len, 5);
    assert_string_equal(data, "hello");
    free(data);
    assert_int_equal(hc_read_file(path, 4, &data, &len), HC_E_LIMIT);
    assert_int_equal(hc_read_file("/nonexistent/x", 4, &data, &len), HC_E_IO);
    assert_int_equal(hc_write_file_atomic("/nonexistent/dir/x", "a", 1, 0644), HC_E_IO);
    unlink(path);
    rmdir(dir);
}

/* The one hex codec (revocation lists, trust lists, the register). */
static void test_hex(void **state)
{
    (void)state;
    const uint8_t b[4] = {0x00, 0x9f, 0xa0, 0xff};
    char out[9];
    hc_hex_encode(b, 4, out);
    assert_string_equal(out, "009fa0ff");
    uint8_t back[4] = {0};
    assert_true(hc_hex_parse("009FA0ff", back, 4));   /* either case */
    assert_memory_equal(back, b, 4);
    assert_true(hc_hex_decode("009fa0ffXX", 8, back, 4));   /* len, not the NUL */
    assert_false(hc_hex_parse("009fa0f", back, 4));    /* a digit short */
    assert_false(hc_hex_parse("009fa0ff00", back, 4)); /* a byte long */
    assert_false(hc_hex_parse("009fa0fg", back, 4));   /* not hex */
    assert_false(hc_hex_parse(" 09fa0ff", back, 4));
    assert_false(hc_hex_parse(NULL, back, 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_names_unique),
        cmocka_unit_test(test_error_numbers_fixed),
        cmocka_unit_test(test_colour_and_alg_names),
        cmocka_unit_test(test_diag_and_strlcpy),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_write_file_atomic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

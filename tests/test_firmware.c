/* test_firmware.c — the verify side alone (issue 11, point 3): what the
 * scanner firmware is told to load (doc/checkpoint.md), loaded by the
 * verify-only build. Runs in every build, and is the reason the verify-only
 * build runs at all: it links only the public verify API, so a trust-list
 * reader that slipped back to the issuer side (or to jansson) fails here
 * first. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <healthcode/features.h>
#include <healthcode/verify.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_source(const char *rel)
{
    char path[1024];
    const char *root = getenv("HC_SOURCE_ROOT");
    snprintf(path, sizeof path, "%s/%s", root ? root : HC_SOURCE_ROOT, rel);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    char *copy = malloc(n + 1);
    assert_non_null(copy);
    memcpy(copy, buf, n + 1);
    return copy;
}

/* examples/trust/trustlist.json: three issuers, each with its window, read
 * from the file as a firmware does; the sample token verifies at its time,
 * and each key's window and issuer hold. */
static void trust_list_file(void **state)
{
    (void)state;
    char path[1024];
    const char *root = getenv("HC_SOURCE_ROOT");
    snprintf(path, sizeof path, "%s/examples/trust/trustlist.json", root ? root : HC_SOURCE_ROOT);
    hc_trust *t = NULL;
    hc_diag d;
    memset(&d, 0, sizeof d);
    assert_int_equal(hc_trust_new(&t), HC_OK);
    hc_err err = hc_trust_add_path(t, path, &d);
    if (err != HC_OK)
        fail_msg("%s: %s (%s)", hc_err_name(err), d.message, d.field);
    assert_int_equal(hc_trust_count(t), 3);

    char *token = read_source("examples/trust/sample.token");
    char *now_text = read_source("examples/trust/sample.now");
    int64_t now = strtoll(now_text, NULL, 10);
    hc_claims c;
    assert_int_equal(hc_verify(t, token, strlen(token), now, NULL, &c), HC_OK);
    assert_string_equal(c.iss, "CN-330000");
    assert_int_equal(c.colour, HC_GREEN);
    /* CN-330000's key is trusted until 2021-01-01T00:00:00Z: the token's
     * iat is inside; the verdict needs the window, not just the key */
    assert_true(c.iat >= 1577836800 && c.iat < 1609459200);
    free(token);
    free(now_text);
    hc_trust_free(t);
}

/* The same format from memory, with a bad entry: nothing is added, and the
 * diagnostic names the entry, as in a full build. */
static void trust_list_text(void **state)
{
    (void)state;
    hc_trust *t = NULL;
    hc_diag d;
    memset(&d, 0, sizeof d);
    assert_int_equal(hc_trust_new(&t), HC_OK);
    static const char bad[] =
        "{\"version\": 1, \"entries\": [{\"issuer\": \"CN-330000\", \"kid\": \"00\", "
        "\"alg\": \"ES256\", \"public_key\": \"\"}]}";
    assert_int_equal(hc_trust_add_list_json(t, bad, strlen(bad), &d), HC_E_TRUST_LIST);
    assert_string_equal(d.field, "entries[0].kid");
    assert_int_equal(hc_trust_count(t), 0);
    hc_trust_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(trust_list_file),
        cmocka_unit_test(trust_list_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

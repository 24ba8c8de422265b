/* test_trust.c — the trust store (trust.c): adding keys, lookup by kid,
 * loading a file or a directory of PEM keys. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common.h"
#include "trust_impl.h"
#include "internal.h"

#include <healthcode/features.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[256];

/* kids from the openssl tool (tests/keys/README.md) */
static const uint8_t KID_ES256[8] = {0xe6, 0x5e, 0x24, 0x7f, 0x46, 0x8d, 0xc0, 0xbf};
static const uint8_t KID_ES256_B[8] = {0xb0, 0xbc, 0xcc, 0xe4, 0x3b, 0x7a, 0x2b, 0x72};
static const uint8_t KID_ED25519[8] = {0x0f, 0xb7, 0xb8, 0xbb, 0xdc, 0x82, 0xe5, 0xc4};

static char *key_text(const char *name, size_t *len)
{
    char *data = th_read_key(name, len);
    if (!data)
        fail_msg("cannot read tests/keys/%s", name);
    return data;
}

static hc_err add_file(hc_trust *t, const char *name, const hc_trust_key_opts *o)
{
    size_t len;
    char *pem = key_text(name, &len);
    hc_err err = hc_trust_add_pem(t, pem, len, o);
    free(pem);
    return err;
}

static void put(const char *dir, const char *name, const char *text, size_t len)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

static void put_key(const char *dir, const char *name, const char *keyfile)
{
    size_t len;
    char *pem = key_text(keyfile, &len);
    put(dir, name, pem, len);
    free(pem);
}

/* A fresh empty subdirectory of tmpdir. */
static const char *subdir(const char *name)
{
    static char p[4][512];
    static int slot;
    slot = (slot + 1) % 4;
    snprintf(p[slot], sizeof p[slot], "%s/%s", tmpdir, name);
    assert_int_equal(mkdir(p[slot], 0700), 0);
    return p[slot];
}

/* ------------------------------------------------------------------ tests */

static void add_count_and_lookup(void **state)
{
    (void)state;
    hc_trust *t = NULL;
    assert_int_equal(hc_trust_new(&t), HC_OK);
    assert_int_equal(hc_trust_count(t), 0);
    size_t n = 99;
    assert_null(hc_trust_lookup(t, KID_ES256, &n));
    assert_int_equal(n, 0);

    const hc_trust_key_opts o = {"CN-330000", 1000, 2000};
    assert_int_equal(add_file(t, "es256.pub.pem", &o), HC_OK);
    assert_int_equal(add_file(t, "ed25519.pem", NULL), HC_OK); /* a private key's public half */
    assert_int_equal(add_file(t, "es256-b.pub.pem", NULL), HC_OK);
    assert_int_equal(hc_trust_count(t), 3);

    const hc_trusted_key *tk = hc_trust_lookup(t, KID_ES256, &n);
    assert_int_equal(n, 1);
    assert_non_null(tk);
    assert_memory_equal(tk->key->kid, KID_ES256, 8);
    assert_string_equal(tk->iss, "CN-330000");
    assert_int_equal(tk->not_before, 1000);
    assert_int_equal(tk->not_after, 2000);
    assert_int_equal(hc_key_alg(tk->key), HC_ALG_ES256);

    tk = hc_trust_lookup(t, KID_ED25519, &n);
    assert_int_equal(n, 1);
    assert_string_equal(tk->iss, "");
    assert_true(tk->not_before == INT64_MIN);   /* no bound, not 1970 */
    assert_true(tk->not_after == INT64_MAX);
    assert_int_equal(hc_key_alg(tk->key), HC_ALG_EDDSA);
    assert_false(hc_key_is_private(tk->key)); /* the store keeps public halves only */

    tk = hc_trust_lookup(t, KID_ES256_B, &n);
    assert_int_equal(n, 1);
    assert_memory_equal(tk->key->kid, KID_ES256_B, 8);

    /* absent kid: NULL and 0 (one byte away from a present one) */
    uint8_t absent[8];
    memcpy(absent, KID_ES256, 8);
    absent[7] ^= 1;
    n = 99;
    assert_null(hc_trust_lookup(t, absent, &n));
    assert_int_equal(n, 0);

    /* bad keys add nothing */
    assert_int_equal(add_file(t, "rsa.pub.pem", NULL), HC_E_KEY);
    assert_int_equal(add_file(t, "p384.pub.pem", NULL), HC_E_KEY);
    assert_int_equal(add_file(t, "truncated.pem", NULL), HC_E_KEY);
    assert_int_equal(hc_trust_count(t), 3);
    hc_trust_free(t);
    hc_trust_free(NULL);
}

static void same_key_twice_kept_in_order(void **state)
{
    (void)state;
    hc_trust *t = NULL;
    assert_int_equal(hc_trust_new(&t), HC_OK);
    hc_key *k = NULL;
    size_t len;
    char *pem = key_text("es256.pem", &len);
    assert_int_equal(hc_key_load_pem(pem, len, &k), HC_OK);
    free(pem);
    assert_int_equal(add_file(t, "es256-b.pub.pem", NULL), HC_OK);
    const hc_trust_key_opts a = {"CN-A", INT64_MIN, INT64_MAX}, b = {"CN-B", INT64_MIN, INT64_MAX},
                            c = {"CN-C", 5, HC_TIME_UNBOUNDED_AFTER};
    assert_int_equal(hc_trust_add_key(t, k, &a), HC_OK);
    assert_int_equal(add_file(t, "ed25519.pub.pem", NULL), HC_OK);
    assert_int_equal(hc_trust_add_key(t, k, &b), HC_OK);
    assert_int_equal(hc_trust_add_key(t, k, &c), HC_OK);
    hc_key_free(k); /* the store holds its own copies */
    assert_int_equal(hc_trust_count(t), 5);
    size_t n = 0;
    const hc_trusted_key *tk = hc_trust_lookup(t, KID_ES256, &n);
    assert_int_equal(n, 3);
    assert_string_equal(tk[0].iss, "CN-A");
    assert_string_equal(tk[1].iss, "CN-B");
    assert_string_equal(tk[2].iss, "CN-C");
    assert_int_equal(tk[2].not_before, 5);
    for (size_t i = 0; i < 3; i++)
        assert_memory_equal(tk[i].key->kid, KID_ES256, 8);
    hc_trust_free(t);
}

/* Issue 12, point 1: 0 is 1970-01-01, never "no bound". A window ending at
 * the epoch trusts the key for nothing; an empty window is refused. */
static void epoch_is_a_bound(void **state)
{
    (void)state;
    hc_trust *t = NULL;
    assert_int_equal(hc_trust_new(&t), HC_OK);
    const hc_trust_key_opts empty = {NULL, 0, 0}, backwards = {NULL, 10, 5},
                            until_epoch = {NULL, HC_TIME_UNBOUNDED_BEFORE, 0},
                            open = HC_TRUST_KEY_OPTS_DEFAULT;
    assert_int_equal(add_file(t, "es256.pub.pem", &empty), HC_E_ARG);
    assert_int_equal(add_file(t, "es256.pub.pem", &backwards), HC_E_ARG);
    assert_int_equal(hc_trust_count(t), 0);
    assert_int_equal(add_file(t, "es256.pub.pem", &until_epoch), HC_OK);
    assert_int_equal(add_file(t, "ed25519.pub.pem", &open), HC_OK);
    size_t n = 0;
    const hc_trusted_key *tk = hc_trust_lookup(t, KID_ES256, &n);
    assert_int_equal(n, 1);
    assert_int_equal(tk->not_after, 0);
    assert_true(tk->not_before == INT64_MIN);
    tk = hc_trust_lookup(t, KID_ED25519, &n);
    assert_true(tk->not_before == INT64_MIN && tk->not_after == INT64_MAX);
    hc_trust_free(t);
}

static void issuer_longer_than_32_refused(void **state)
{
    (void)state;
    hc_trust *t = NULL;
    assert_int_equal(hc_trust_new(&t), HC_OK);
    const char *i32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    const char *i33 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456";
    hc_trust_key_opts o = {i33, INT64_MIN, INT64_MAX};
    assert_int_equal(add_file(t, "es256.pub.pem", &o), HC_E_ARG);
    assert_int_equal(hc_trust_count(t), 0);
    o.iss = i32;
    assert_int_equal(add_file(t, "es256.pub.pem", &o), HC_OK);
    size_t n;
    assert_string_equal(hc_trust_lookup(t, KID_ES256, &n)->iss, i32);
    assert_int_equal(hc_trust_add_key(t, NULL, NULL), HC_E_ARG);
    assert_int_equal(hc_trust_add_pem(t, NULL, 0, NULL), HC_E_ARG);
    hc_trust_free(t);
}

/* Many keys added in random kid order: every one is found, the array stays sorted. */
static void many_keys_all_found(void **state)
{
    (void)state;
    enum { N = 40 };
    hc_trust *t = NULL;
    hc_key *keys[N];
    assert_int_equal(hc_trust_new(&t), HC_OK);
    for (int i = 0; i < N; i++) {
        assert_int_equal(hc_key_generate(i % 2 ? HC_ALG_EDDSA : HC_ALG_ES256, &keys[i]), HC_OK);
        assert_int_equal(hc_trust_add_key(t, keys[i], NULL), HC_OK);
    }
    assert_int_equal(hc_trust_count(t), N);
    for (int i = 0; i < N; i++) {
        size_t n = 0;
        const hc_trusted_key *tk = hc_trust_lookup(t, keys[i]->kid, &n);
        assert_int_equal(n, 1);
        assert_memory_equal(tk->key->kid, keys[i]->kid, 8);
        assert_int_equal(hc_key_alg(tk->key), hc_key_alg(keys[i]));
        hc_key_free(keys[i]);
    }
    hc_trust_free(t);
}

static void path_file_and_directory(void **state)
{
    (void)state;
    hc_trust *t = NULL;
    hc_diag d;
    assert_int_equal(hc_trust_new(&t), HC_OK);

    /* one file */
    const char *one = subdir("one");
    put_key(one, "key.pem", "es256.pub.pem");
    char p[600];
    snprintf(p, sizeof p, "%s/key.pem", one);
    assert_int_equal(hc_trust_add_path(t, p, &d), HC_OK);
    assert_int_equal(hc_trust_count(t), 1);

    /* a directory: the .pem files only */
    const char *dir = subdir("dir");
    put_key(dir, "b.pem", "ed25519.pub.pem");
    put_key(dir, "a.pem", "es256-b.pub.pem");
    put(dir, "notes.txt", "not a key\n", 10);
    put_key(dir, "a.pem.bak", "rsa.pub.pem"); /* not *.pem: ignored */
    assert_int_equal(hc_trust_add_path(t, dir, &d), HC_OK);
    assert_int_equal(hc_trust_count(t), 3);
    size_t n;
    assert_non_null(hc_trust_lookup(t, KID_ED25519, &n));
    assert_non_null(hc_trust_lookup(t, KID_ES256_B, &n));

    hc_trust_free(t);
}

static void path_errors_name_the_file(void **state)
{
    (void)state;
    hc_trust *t = NULL;
    hc_diag d;
    assert_int_equal(hc_trust_new(&t), HC_OK);

    /* an empty directory (or one without .pem) is an error naming it */
    const char *empty = subdir("empty");
    put(empty, "readme.txt", "x", 1);
    memset(&d, 0, sizeof d);
    assert_int_equal(hc_trust_add_path(t, empty, &d), HC_E_IO);
    assert_string_equal(d.field, empty);
    assert_non_null(strstr(d.message, empty));

    /* one bad key in a directory: nothing is added, the file is named */
    const char *mixed = subdir("mixed");
    put_key(mixed, "good.pem", "es256.pub.pem");
    put_key(mixed, "bad.pem", "truncated.pem");
    memset(&d, 0, sizeof d);
    assert_int_equal(hc_trust_add_path(t, mixed, &d), HC_E_KEY);
    char bad[600];
    snprintf(bad, sizeof bad, "%s/bad.pem", mixed);
    assert_string_equal(d.field, bad);
    assert_non_null(strstr(d.message, bad));
    assert_int_equal(hc_trust_count(t), 0);

    /* a bad key file on its own */
    memset(&d, 0, sizeof d);
    assert_int_equal(hc_trust_add_path(t, bad, &d), HC_E_KEY);
    assert_string_equal(d.field, bad);
    snprintf(bad, sizeof bad, "%s/p384.pem", mixed);
    put_key(mixed, "p384.pem", "p384.pub.pem");
    assert_int_equal(hc_trust_add_path(t, bad, &d), HC_E_KEY);
    assert_string_equal(d.field, bad);

    /* a missing path */
    char missing[600];
    snprintf(missing, sizeof missing, "%s/no-such-thing", tmpdir);
    memset(&d, 0, sizeof d);
    assert_int_equal(hc_trust_add_path(t, missing, &d), HC_E_IO);
    assert_string_equal(d.field, missing);
    assert_int_equal(hc_trust_add_path(t, missing, NULL), HC_E_IO);

    /* *.json goes to the trust-list reader, which every build has */
    const char *js = subdir("json");
    put(js, "list.json", "{", 1);
    char jp[600];
    snprintf(jp, sizeof jp, "%s/list.json", js);
    assert_int_equal(hc_trust_add_path(t, jp, &d), HC_E_TRUST_LIST);
    assert_int_equal(hc_trust_count(t), 0);
    hc_trust_free(t);
}

static int setup(void **state)
{
    (void)state;
    return th_tmpdir(tmpdir, sizeof tmpdir, "hc_test_trust");
}

static int teardown(void **state)
{
    (void)state;
    return th_rmtree(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(add_count_and_lookup),
        cmocka_unit_test(same_key_twice_kept_in_order),
        cmocka_unit_test(issuer_longer_than_32_refused),
        cmocka_unit_test(epoch_is_a_bound),
        cmocka_unit_test(many_keys_all_found),
        cmocka_unit_test(path_file_and_directory),
        cmocka_unit_test(path_errors_name_the_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

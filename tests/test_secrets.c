/*
 * test_secrets.c — secrets (issue 7, part 4): private keys and the subject
 * secret never reach an error message, are never printed, are cleansed
 * before their memory is freed, and key files keep mode 0600.
 *
 *  - messages: broken private keys carrying a recognisable marker (and a real
 *    key, corrupted or truncated) go through every loader that takes a key
 *    (hc_key_load_pem, hc_key_load_file, hc_trust_add_pem, hc_trust_add_path
 *    on a file and a directory, a trust list); no hc_diag field or message
 *    holds any 8-character piece of the key text, OpenSSL's error queue is
 *    left empty (nothing for a caller to print), and nothing is written to
 *    stdout or stderr (the library never prints);
 *  - freed memory: this executable defines malloc/calloc/realloc/free
 *    (forwarding to glibc's __libc_* functions, as test_alloc.c does), so
 *    every block the library, jansson and OpenSSL free passes through here;
 *    while watching, each freed block (and each block realloc moves) is
 *    searched for the private scalar (big-endian, and little-endian as a
 *    BIGNUM holds it), the PEM body, and the subject secret. Key loading from
 *    a file and from a trust path, key generation and saving, issuing with a
 *    subject secret, a batch with one, and all the frees are watched. Under
 *    AddressSanitizer the allocator is ASan's: that test is skipped there;
 *    A private key file readable by others is refused by hc_key_load_file
 *    before it is decoded: then not even OpenSSL's blocks hold it;
 *  - files: hc_key_save_private writes 0600 and hc_key_save_public 0644 even
 *    with umask 000 and over an existing file of mode 0666; hc_key_load_file
 *    refuses a private key file readable by group or others (every such
 *    mode), accepts 0600 and 0400 and a public key at 0644; a trust path (a
 *    file or a directory) refuses a private key readable by others too.
 */
#define _GNU_SOURCE /* memmem, vasprintf */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <healthcode/healthcode.h>
#include <healthcode/batch.h>
#include "mint.h"

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>

#include <dirent.h>
#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define HC_WATCH_FREES 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HC_WATCH_FREES 0
#endif
#endif
#ifndef HC_WATCH_FREES
#define HC_WATCH_FREES 1
#endif

#define NOW 1580868000

static char tmpdir[512];

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    assert_true(vasprintf(&s, fmt, ap) >= 0);
    va_end(ap);
    return s;
}

static void write_file(const char *path, const void *data, size_t len, unsigned mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(fchmod(fd, mode), 0);
    assert_int_equal(close(fd), 0);
}

static unsigned mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

/* ------------------------------------------------------ freed-memory watch */

#define MAX_PATTERNS 8
static volatile int watching;
static struct {
    const uint8_t *p;
    size_t n;
    const char *what;
} patterns[MAX_PATTERNS];
static int n_patterns;
static volatile int hits, ossl_hits;
static char hit_what[128];

static __attribute__((unused)) void watch_add(const void *p, size_t n, const char *what)
{
    assert_true(n_patterns < MAX_PATTERNS);
    patterns[n_patterns].p = p;
    patterns[n_patterns].n = n;
    patterns[n_patterns].what = what;
    n_patterns++;
}

static __attribute__((unused)) void watch_reset(void)
{
    n_patterns = 0;
    hits = ossl_hits = 0;
    hit_what[0] = '\0';
}

#if HC_WATCH_FREES
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

/* Searches a block about to be released (no allocation in here). caller is
 * the code that released it: a block freed from inside libcrypto is
 * OpenSSL's own (counted apart, see freed_memory_holds_no_secret). */
static void inspect_block(const void *p, const void *caller)
{
    if (!watching || !p)
        return;
    size_t n = malloc_usable_size((void *)p);
    for (int i = 0; i < n_patterns; i++)
        if (patterns[i].n <= n && memmem(p, n, patterns[i].p, patterns[i].n)) {
            Dl_info info;
            bool ossl = dladdr(caller, &info) && info.dli_fname &&
                        strstr(info.dli_fname, "libcrypto");
            if (ossl) {
                ossl_hits++;
            } else {
                if (!hits)
                    snprintf(hit_what, sizeof hit_what, "%s (a freed block of %zu bytes)",
                             patterns[i].what, n);
                hits++;
            }
            if (getenv("HC_SECRETS_TRACE")) { /* where: for whoever has to fix it */
                watching = 0;
                void *frames[32];
                int k = backtrace(frames, 32);
                fprintf(stderr, "--- %s%s\n", patterns[i].what, ossl ? " (in OpenSSL)" : "");
                backtrace_symbols_fd(frames, k, 2);
                watching = 1;
            }
            return;
        }
}

void *malloc(size_t n) { return __libc_malloc(n); }
void *calloc(size_t n, size_t m) { return __libc_calloc(n, m); }

void *realloc(void *p, size_t n)
{
    if (!watching || !p)
        return __libc_realloc(p, n);
    /* a block realloc moves is freed with its contents: look before */
    int before = hits, ossl_before = ossl_hits;
    char what[128];
    memcpy(what, hit_what, sizeof what);
    inspect_block(p, __builtin_return_address(0));
    void *q = __libc_realloc(p, n);
    if (q == p || !q) { /* not moved: not freed */
        hits = before;
        ossl_hits = ossl_before;
        memcpy(hit_what, what, sizeof what);
    }
    return q;
}

void free(void *p)
{
    inspect_block(p, __builtin_return_address(0));
    __libc_free(p);
}
#endif

/* The private scalar of key: big-endian (be) and as a BIGNUM's words (le). */
static __attribute__((unused)) void private_scalar(const hc_key *key, uint8_t be[32], uint8_t le[32])
{
    if (hc_key_alg(key) == HC_ALG_EDDSA) {
        size_t n = 32;
        assert_int_equal(EVP_PKEY_get_raw_private_key(key->pkey, be, &n), 1);
        for (int i = 0; i < 32; i++)
            le[i] = be[31 - i];
        return;
    }
    BIGNUM *bn = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(key->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &bn), 1);
    assert_int_equal(BN_bn2binpad(bn, be, 32), 32);
    assert_int_equal(BN_bn2lebinpad(bn, le, 32), 32);
    BN_clear_free(bn);
}

/* The base64 body of a PEM (its lines, without the BEGIN and END lines). */
static char *pem_body(const char *pem)
{
    const char *b = strchr(pem, '\n');
    const char *e = strstr(pem, "-----END");
    assert_non_null(b);
    assert_non_null(e);
    b++;
    char *s = malloc((size_t)(e - b) + 1);
    size_t o = 0;
    for (const char *p = b; p < e; p++)
        if (*p != '\n' && *p != '\r')
            s[o++] = *p;
    s[o] = '\0';
    return s;
}

static __attribute__((unused)) int fixed_random(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    memset(buf, 0x5a, len);
    return 0;
}

static void freed_memory_holds_no_secret(void **state)
{
    (void)state;
#if !HC_WATCH_FREES
    skip(); /* AddressSanitizer owns the allocator */
#else
    static const char *const keys[] = {"tests/keys/es256.pem", "tests/keys/ed25519.pem"};
    uint8_t secret[32];
    for (int i = 0; i < 32; i++)
        secret[i] = (uint8_t)(0xa0 + i);
    for (size_t k = 0; k < 2; k++) {
        size_t len = 0;
        char *pem = mint_read_source(keys[k], &len);
        assert_non_null(pem);
        char *body = pem_body(pem);
        char *path = xprintf("%s/watch-%zu.pem", tmpdir, k);
        write_file(path, pem, len, 0600);
        hc_key *probe = NULL;
        assert_int_equal(hc_key_load_pem(pem, len, &probe), HC_OK);
        uint8_t be[32], le[32];
        private_scalar(probe, be, le);
        hc_key_free(probe);

        watch_reset();
        watch_add(be, 32, "the private scalar (big-endian)");
        watch_add(le, 32, "the private scalar (little-endian words)");
        watch_add(body, 24, "the start of the PEM body");
        watch_add(body + strlen(body) - 24, 24, "the end of the PEM body");
        watch_add(secret, 16, "the subject secret");

        /* readable by others: hc_key_load_file refuses it before anything
         * of it is decoded, so not even OpenSSL holds a copy (a trust path
         * decodes first, then refuses: it takes public keys, and a broken
         * file there is reported as a bad key) */
        assert_int_equal(chmod(path, 0644), 0);
        watching = 1;
        hc_key *refused = NULL;
        hc_err e_file = hc_key_load_file(path, &refused);
        watching = 0;
        assert_int_equal(e_file, HC_E_KEY_PERMS);
        assert_null(refused);
        if (hits || ossl_hits)
            fail_msg("%s at 0644: %d + %d freed blocks held it", keys[k], hits, ossl_hits);
        assert_int_equal(chmod(path, 0600), 0);

        watching = 1;
        /* load from the file, sign with a subject secret, free everything */
        hc_key *key = NULL;
        assert_int_equal(hc_key_load_file(path, &key), HC_OK);
        hc_issuer *is = NULL;
        assert_int_equal(hc_issuer_new("CN-330000", key, &is), HC_OK);
        assert_int_equal(hc_issuer_set_subject_secret(is, secret, sizeof secret), HC_OK);
        assert_int_equal(hc_issuer_set_subject_secret(is, secret, sizeof secret), HC_OK);
        hc_issuer_set_random(is, fixed_random, NULL);
        hc_record *r = NULL;
        static const char rec[] = "{\"id\": \"11010519491231002X\", \"id_type\": \"cn_resident\", "
                                  "\"name\": \"张小三\"}";
        assert_int_equal(hc_record_parse_json(rec, sizeof rec - 1, &r, NULL), HC_OK);
        hc_assessment a;
        memset(&a, 0, sizeof a);
        char text[HC_TOKEN_MAX + 1];
        size_t tlen = 0;
        for (int n = 0; n < 3; n++)
            assert_int_equal(hc_issue(is, r, &a, NOW, 86400, text, sizeof text, &tlen), HC_OK);
        hc_issuer_free(is);

        /* a batch with a subject secret, two threads */
        char *in = xprintf("%s/watch-%zu.jsonl", tmpdir, k);
        char *out = xprintf("%s/watch-%zu.out", tmpdir, k);
        FILE *f = fopen(in, "w");
        for (int n = 0; n < 20; n++)
            fprintf(f, "%s\n", rec);
        fclose(f);
        hc_batch_opts o;
        memset(&o, 0, sizeof o);
        o.key = key;
        o.iss = "CN-330000";
        o.now = NOW;
        o.threads = 2;
        o.subject_secret = secret;
        o.subject_secret_len = sizeof secret;
        hc_batch_summary sum;
        assert_int_equal(hc_batch_run(&o, in, out, &sum, NULL), HC_OK);
        assert_int_equal(sum.issued[0] + sum.issued[1] + sum.issued[2], 20);

        /* the key's save, and a trust path that is handed the private key */
        char *saved = xprintf("%s/watch-%zu-saved.pem", tmpdir, k);
        assert_int_equal(hc_key_save_private(key, saved), HC_OK);
        hc_trust *t = NULL;
        assert_int_equal(hc_trust_new(&t), HC_OK);
        assert_int_equal(hc_trust_add_path(t, path, NULL), HC_OK);
        hc_trust_free(t);
        hc_key_free(key);
        hc_record_free(r);
        watching = 0;
        fprintf(stderr, "  %s: freed blocks holding a secret: %d ours, %d inside OpenSSL\n",
                keys[k], hits, ossl_hits);
        if (hits)
            fail_msg("%s: %d freed blocks held a secret; the first: %s", keys[k], hits, hit_what);

        free(saved);
        free(in);
        free(out);
        free(path);
        free(body);
        free(pem);
    }

    /* a key made here: generation, both saves, the free */
    for (int alg = 0; alg < 2; alg++) {
        hc_key *key = NULL;
        assert_int_equal(hc_key_generate(alg ? HC_ALG_EDDSA : HC_ALG_ES256, &key), HC_OK);
        uint8_t be[32], le[32];
        private_scalar(key, be, le);
        watch_reset();
        watch_add(be, 32, "the new private scalar (big-endian)");
        watch_add(le, 32, "the new private scalar (little-endian words)");
        char *priv = xprintf("%s/gen-%d.pem", tmpdir, alg);
        char *pub = xprintf("%s/gen-%d.pub", tmpdir, alg);
        watching = 1;
        assert_int_equal(hc_key_save_private(key, priv), HC_OK);
        assert_int_equal(hc_key_save_public(key, pub), HC_OK);
        hc_key_free(key);
        hc_key *again = NULL;
        assert_int_equal(hc_key_load_file(priv, &again), HC_OK);
        hc_key_free(again);
        watching = 0;
        fprintf(stderr, "  generated %s key: freed blocks holding it: %d ours, %d inside OpenSSL\n",
                alg ? "EdDSA" : "ES256", hits, ossl_hits);
        if (hits)
            fail_msg("generated key %d: %d freed blocks held it; the first: %s", alg, hits, hit_what);
        free(priv);
        free(pub);
    }
#endif
}

/* ------------------------------------------------- nothing in any message */

/* Fails if text holds any piece of 8 characters of secret. */
static void no_piece_of(const char *text, const char *secret, const char *where)
{
    size_t n = strlen(secret);
    for (size_t i = 0; i + 8 <= n; i++) {
        char piece[9];
        memcpy(piece, secret + i, 8);
        piece[8] = '\0';
        if (strstr(text, piece))
            fail_msg("%s holds \"%s\" of the key: %s", where, piece, text);
    }
}

/* Runs the loaders over pem (a broken private key); checks every message. */
static void loaders_say_nothing_of(const char *pem, const char *label)
{
    char *secret = pem_body(pem);
    char *file = xprintf("%s/broken.pem", tmpdir);
    char *dir = xprintf("%s/broken-dir", tmpdir);
    char *in_dir = xprintf("%s/broken-dir/key.pem", tmpdir);
    mkdir(dir, 0700);
    write_file(file, pem, strlen(pem), 0600);
    write_file(in_dir, pem, strlen(pem), 0600);

    /* stdout and stderr to a file: the library must write nothing */
    char *cap = xprintf("%s/captured", tmpdir);
    fflush(NULL);
    int saved1 = dup(1), saved2 = dup(2);
    int fd = open(cap, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    dup2(fd, 1);
    dup2(fd, 2);
    ERR_clear_error();

    hc_key *k = NULL;
    hc_err e1 = hc_key_load_pem(pem, strlen(pem), &k);
    unsigned long err1 = ERR_peek_error();
    hc_err e2 = hc_key_load_file(file, &k);
    unsigned long err2 = ERR_peek_error();
    hc_trust *t = NULL;
    hc_err e0 = hc_trust_new(&t);
    hc_err e3 = hc_trust_add_pem(t, pem, strlen(pem), NULL);
    hc_diag d4, d5, d6;
    memset(&d4, 0, sizeof d4);
    memset(&d5, 0, sizeof d5);
    memset(&d6, 0, sizeof d6);
    hc_err e4 = hc_trust_add_path(t, file, &d4);
    hc_err e5 = hc_trust_add_path(t, dir, &d5);
    json_t *js = json_string(pem);
    char *quoted = json_dumps(js, JSON_ENCODE_ANY);
    json_decref(js);
    char *list = xprintf("{\"version\": 1, \"entries\": [{\"issuer\": \"CN-330000\", \"kid\": "
                         "\"e65e247f468dc0bf\", \"alg\": \"ES256\", \"public_key\": %s}]}", quoted);
    hc_err e6 = hc_trust_add_list_json(t, list, strlen(list), &d6);
    unsigned long err6 = ERR_peek_error();
    size_t held = hc_trust_count(t);
    hc_trust_free(t);

    fflush(NULL);
    dup2(saved1, 1);
    dup2(saved2, 2);
    close(saved1);
    close(saved2);
    close(fd);
    struct stat st;
    assert_int_equal(stat(cap, &st), 0);

    if (e1 != HC_E_KEY || e2 != HC_E_KEY || e0 != HC_OK || e3 != HC_E_KEY || e4 != HC_E_KEY ||
        e5 != HC_E_KEY || e6 != HC_E_TRUST_LIST)
        fail_msg("%s: %s %s %s %s %s %s", label, hc_err_name(e1), hc_err_name(e2), hc_err_name(e3),
                 hc_err_name(e4), hc_err_name(e5), hc_err_name(e6));
    assert_null(k);
    assert_int_equal(held, 0);
    if (err1 || err2 || err6)
        fail_msg("%s: OpenSSL's error queue was left with %lx %lx %lx", label, err1, err2, err6);
    if (st.st_size != 0)
        fail_msg("%s: the library wrote %lld bytes to stdout/stderr", label, (long long)st.st_size);
    const hc_diag *ds[] = {&d4, &d5, &d6};
    for (int i = 0; i < 3; i++) {
        char where[96];
        snprintf(where, sizeof where, "%s: diag %d message", label, i);
        no_piece_of(ds[i]->message, secret, where);
        snprintf(where, sizeof where, "%s: diag %d field", label, i);
        no_piece_of(ds[i]->field, secret, where);
        assert_true(ds[i]->message[0] != '\0');
    }
    assert_string_equal(d4.field, file);
    assert_string_equal(d5.field, in_dir);
    assert_string_equal(d6.field, "entries[0].public_key");

    unlink(in_dir);
    rmdir(dir);
    unlink(file);
    unlink(cap);
    free(list);
    free(quoted);
    free(cap);
    free(in_dir);
    free(dir);
    free(file);
    free(secret);
}

static void broken_keys_in_no_message(void **state)
{
    (void)state;
    /* a marker where the key's base64 would be: not DER */
    loaders_say_nothing_of("-----BEGIN PRIVATE KEY-----\n"
                           "SECRETMARKERhc7qZ0x9ZW50aWFsLXRvcC1zZWNyZXQtbWFya2VyLWRvLW5vdC1sZWFr\n"
                           "TUFSS0VSLXNlY29uZC1saW5lLW9mLXRoZS1icm9rZW4ta2V5LWJvZHktMTIzNDU2Nzg5\n"
                           "-----END PRIVATE KEY-----\n",
                           "marker key");
    /* the same as an old-style EC key, and as an encrypted one */
    loaders_say_nothing_of("-----BEGIN EC PRIVATE KEY-----\n"
                           "SECRETMARKERhc7qZ0x9ZW50aWFsLXRvcC1zZWNyZXQtbWFya2VyLWRvLW5vdC1sZWFr\n"
                           "-----END EC PRIVATE KEY-----\n",
                           "marker EC key");
    /* a real private key, one base64 character changed in the middle */
    size_t len = 0;
    char *pem = mint_read_source("tests/keys/es256.pem", &len);
    char *corrupt = strdup(pem);
    char *mid = strchr(corrupt, '\n') + 40;
    *mid = *mid == 'Q' ? 'R' : 'Q';
    loaders_say_nothing_of(corrupt, "es256.pem, one character changed");
    /* a real private key cut in half, its END line put back */
    char *half = xprintf("%.*s\n-----END PRIVATE KEY-----\n", (int)(len / 2), pem);
    loaders_say_nothing_of(half, "es256.pem, cut in half");
    free(half);
    free(corrupt);
    free(pem);
    pem = mint_read_source("tests/keys/ed25519.pem", &len);
    half = xprintf("%.*s\n-----END PRIVATE KEY-----\n", (int)(len * 2 / 3), pem);
    loaders_say_nothing_of(half, "ed25519.pem, two thirds");
    free(half);
    free(pem);
}

/* A trust list that carries a real (valid) private key: refused, and its
 * message names the mistake without quoting the key. */
static void trust_list_with_private_key(void **state)
{
    (void)state;
    size_t len = 0;
    char *pem = mint_read_source("tests/keys/es256.pem", &len);
    char *secret = pem_body(pem);
    json_t *js = json_string(pem);
    char *quoted = json_dumps(js, JSON_ENCODE_ANY);
    json_decref(js);
    char *list = xprintf("{\"version\": 1, \"entries\": [{\"issuer\": \"CN-330000\", \"kid\": "
                         "\"e65e247f468dc0bf\", \"alg\": \"ES256\", \"public_key\": %s}]}", quoted);
    hc_trust *t = NULL;
    assert_int_equal(hc_trust_new(&t), HC_OK);
    hc_diag d;
    memset(&d, 0, sizeof d);
    assert_int_equal(hc_trust_add_list_json(t, list, strlen(list), &d), HC_E_TRUST_LIST);
    assert_string_equal(d.field, "entries[0].public_key");
    assert_non_null(strstr(d.message, "PRIVATE"));
    no_piece_of(d.message, secret, "trust list with a private key");
    assert_int_equal(hc_trust_count(t), 0);
    free(list);

    /* the same list broken just after the key (jansson quotes the text near
     * some syntax errors): the message still holds none of the key */
    static const char *const tails[] = {"", "\x01\"}]}", "\xff\"}]}", "\" x}]}",
                                        "\"}]} trailing", "\\q\"}]}", "\\u12\"}]}"};
    size_t ql = strlen(quoted);
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        list = xprintf("{\"version\": 1, \"entries\": [{\"issuer\": \"CN-330000\", \"kid\": "
                       "\"e65e247f468dc0bf\", \"alg\": \"ES256\", \"public_key\": %.*s%s",
                       (int)(ql - 1), quoted, tails[i]);
        memset(&d, 0, sizeof d);
        assert_int_equal(hc_trust_add_list_json(t, list, strlen(list), &d), HC_E_TRUST_LIST);
        char where[64];
        snprintf(where, sizeof where, "trust list broken after the key (%zu)", i);
        no_piece_of(d.message, secret, where);
        free(list);
    }
    hc_trust_free(t);
    free(quoted);
    free(secret);
    free(pem);
}

/* A private key given to hc_batch_run as its input (swapped arguments):
 * refused from its first line, nothing written, no piece of it in diag. */
static void batch_input_is_a_key(void **state)
{
    (void)state;
    size_t len = 0;
    char *pem = mint_read_source("tests/keys/es256.pem", &len);
    char *secret = pem_body(pem);
    hc_key *key = NULL;
    assert_int_equal(hc_key_load_pem(pem, len, &key), HC_OK);
    for (int csv = 0; csv < 2; csv++) {
        char *in = xprintf("%s/key-as-input.%s", tmpdir, csv ? "csv" : "jsonl");
        char *out = xprintf("%s/key-as-input-%d.out", tmpdir, csv);
        write_file(in, pem, len, 0600);
        hc_batch_opts o;
        memset(&o, 0, sizeof o);
        o.key = key;
        o.iss = "CN-330000";
        o.now = NOW;
        hc_diag d;
        memset(&d, 0, sizeof d);
        assert_int_equal(hc_batch_run(&o, in, out, NULL, &d), HC_E_RECORD);
        assert_int_equal(d.line, 1);
        no_piece_of(d.message, secret, "batch with a key as its input");
        char *errs = xprintf("%s/errors.jsonl", out);
        assert_int_not_equal(access(errs, F_OK), 0);
        free(errs);
        free(out);
        free(in);
    }
    hc_key_free(key);
    free(secret);
    free(pem);
}

/* ------------------------------------------------------------- key files */

static void key_file_modes(void **state)
{
    (void)state;
    mode_t old = umask(0);
    hc_key *key = NULL;
    assert_int_equal(hc_key_generate(HC_ALG_ES256, &key), HC_OK);
    char *priv = xprintf("%s/modes.pem", tmpdir);
    char *pub = xprintf("%s/modes.pub", tmpdir);
    assert_int_equal(hc_key_save_private(key, priv), HC_OK);
    assert_int_equal(hc_key_save_public(key, pub), HC_OK);
    assert_int_equal(mode_of(priv), 0600);
    assert_int_equal(mode_of(pub), 0644);
    /* over an existing file of mode 0666: the new file is 0600 */
    char *wide = xprintf("%s/wide.pem", tmpdir);
    write_file(wide, "old\n", 4, 0666);
    assert_int_equal(mode_of(wide), 0666);
    assert_int_equal(hc_key_save_private(key, wide), HC_OK);
    assert_int_equal(mode_of(wide), 0600);
    /* no temporary file is left beside them */
    DIR *dir_h = opendir(tmpdir);
    assert_non_null(dir_h);
    for (struct dirent *e; (e = readdir(dir_h)) != NULL;)
        if (strstr(e->d_name, ".tmp."))
            fail_msg("a temporary file was left: %s", e->d_name);
    closedir(dir_h);
    umask(old);

    /* loading: every mode with a group or other bit is refused */
    static const unsigned refused[] = {0640, 0604, 0644, 0660, 0606, 0666, 0610, 0601, 0620, 0602,
                                       0700 | 0040, 0440, 0404, 0777};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_int_equal(chmod(priv, refused[i]), 0);
        hc_key *k = NULL;
        hc_err e = hc_key_load_file(priv, &k);
        if (e != HC_E_KEY_PERMS)
            fail_msg("mode %04o: %s", refused[i], hc_err_name(e));
        assert_null(k);
        /* a trust path handed the private key refuses it the same way */
        hc_trust *t = NULL;
        hc_diag d;
        memset(&d, 0, sizeof d);
        assert_int_equal(hc_trust_new(&t), HC_OK);
        e = hc_trust_add_path(t, priv, &d);
        if (e != HC_E_KEY_PERMS)
            fail_msg("trust path, mode %04o: %s", refused[i], hc_err_name(e));
        assert_string_equal(d.field, priv);
        assert_non_null(strstr(d.message, "chmod 600"));
        assert_int_equal(hc_trust_count(t), 0);
        hc_trust_free(t);
    }
    static const unsigned accepted[] = {0600, 0400, 0700, 0500};
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
        assert_int_equal(chmod(priv, accepted[i]), 0);
        hc_key *k = NULL;
        assert_int_equal(hc_key_load_file(priv, &k), HC_OK);
        assert_true(hc_key_is_private(k));
        hc_key_free(k);
        hc_trust *t = NULL;
        assert_int_equal(hc_trust_new(&t), HC_OK);
        assert_int_equal(hc_trust_add_path(t, priv, NULL), HC_OK);
        assert_int_equal(hc_trust_count(t), 1);
        hc_trust_free(t);
    }
    /* a public key may be read by anyone */
    assert_int_equal(chmod(pub, 0644), 0);
    hc_key *k = NULL;
    assert_int_equal(hc_key_load_file(pub, &k), HC_OK);
    assert_false(hc_key_is_private(k));
    hc_key_free(k);
    /* the mode checked is the file's, not a symlink's */
    assert_int_equal(chmod(priv, 0600), 0);
    char *link = xprintf("%s/link.pem", tmpdir);
    assert_int_equal(symlink(priv, link), 0);
    assert_int_equal(hc_key_load_file(link, &k), HC_OK);
    hc_key_free(k);
    assert_int_equal(chmod(priv, 0644), 0);
    assert_int_equal(hc_key_load_file(link, &k), HC_E_KEY_PERMS);
    /* a trust directory with a readable private key in it adds nothing */
    char *dir = xprintf("%s/trust-with-priv", tmpdir);
    assert_int_equal(mkdir(dir, 0755), 0);
    char *in_dir = xprintf("%s/signing.pem", dir);
    assert_int_equal(rename(priv, in_dir), 0);
    hc_trust *t = NULL;
    hc_diag d;
    memset(&d, 0, sizeof d);
    assert_int_equal(hc_trust_new(&t), HC_OK);
    assert_int_equal(hc_trust_add_path(t, dir, &d), HC_E_KEY_PERMS);
    assert_string_equal(d.field, in_dir);
    assert_int_equal(hc_trust_count(t), 0);
    hc_trust_free(t);

    hc_key_free(key);
    free(in_dir);
    free(dir);
    free(link);
    free(wide);
    free(pub);
    free(priv);
}

/* The subject secret: 16 to 64 bytes; the issuer keeps its own copy. */
static void subject_secret_bounds(void **state)
{
    (void)state;
    hc_key *key = mint_load_key("tests/keys/es256.pem");
    hc_issuer *is = NULL;
    assert_int_equal(hc_issuer_new("CN-330000", key, &is), HC_OK);
    uint8_t s[65];
    memset(s, 7, sizeof s);
    assert_int_equal(hc_issuer_set_subject_secret(is, s, 15), HC_E_ARG);
    assert_int_equal(hc_issuer_set_subject_secret(is, s, 65), HC_E_ARG);
    assert_int_equal(hc_issuer_set_subject_secret(is, NULL, 32), HC_E_ARG);
    assert_int_equal(hc_issuer_set_subject_secret(is, s, 16), HC_OK);
    assert_int_equal(hc_issuer_set_subject_secret(is, s, 64), HC_OK);
    hc_issuer_free(is);
    hc_key_free(key);
}

static int setup(void **state)
{
    (void)state;
    return th_tmpdir(tmpdir, sizeof tmpdir, "hc-secrets");
}

static int teardown(void **state)
{
    (void)state;
    return th_rmtree(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(broken_keys_in_no_message),
        cmocka_unit_test(trust_list_with_private_key),
        cmocka_unit_test(batch_input_is_a_key),
        cmocka_unit_test(freed_memory_holds_no_secret),
        cmocka_unit_test(key_file_modes),
        cmocka_unit_test(subject_secret_bounds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

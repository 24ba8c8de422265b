/*
 * test_alloc.c — hc_verify() allocates nothing of its own.
 *
 * Two counters: every malloc/calloc/realloc/free of the process (this
 * executable defines them, forwarding to glibc's __libc_* functions, so the
 * library, libcbor and OpenSSL all come through here), and OpenSSL's own
 * allocations (CRYPTO_set_mem_functions, installed before any OpenSSL call).
 * Counting is on only between count_start() and count_stop().
 *
 * With a loaded trust store:
 *  - a token that fails before the signature step (bad prefix, bad base45,
 *    bad CBOR, bad COSE shape, unknown kid) costs zero allocations;
 *  - a full successful verify costs no more allocations than a bare OpenSSL
 *    EVP verify of the same Sig_structure bytes with the same key.
 *
 * Under AddressSanitizer the process allocator belongs to ASan, so only the
 * OpenSSL counter is used there.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "mint.h"
#include "trust_impl.h"
#include <healthcode/issue.h>
#include <healthcode/present.h>

#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>

#if defined(__SANITIZE_ADDRESS__)
#define HC_COUNT_LIBC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HC_COUNT_LIBC 0
#endif
#endif
#ifndef HC_COUNT_LIBC
#define HC_COUNT_LIBC 1
#endif

#define NOW 1581300000

static volatile bool counting;
static volatile long n_libc, n_ossl;

static void count_start(void)
{
    n_libc = n_ossl = 0;
    counting = true;
}

static void count_stop(void) { counting = false; }

#if HC_COUNT_LIBC
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

void *malloc(size_t n)
{
    if (counting)
        n_libc++;
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
    if (counting)
        n_libc++;
    return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
    if (counting)
        n_libc++;
    return __libc_realloc(p, n);
}

void free(void *p)
{
    __libc_free(p);
}
#endif

static void *ossl_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    if (counting)
        n_ossl++;
    return malloc(n);
}

static void *ossl_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    if (counting)
        n_ossl++;
    return realloc(p, n);
}

static void ossl_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    free(p);
}

/* ------------------------------------------------------------------ setup */

typedef struct {
    hc_key *key;          /* the ES256 test key (private) */
    hc_key *stranger;     /* a key the store does not trust */
    hc_trust *trust;
    char token[HC_TOKEN_MAX + 1];
    size_t len;
    char unknown[HC_TOKEN_MAX + 1]; /* signed by the stranger */
    size_t unknown_len;
    uint8_t tbs[HC_COSE_MAX + 64];
    size_t tbs_len;
    EVP_PKEY *pkey;       /* the bare baseline's key: the store's own */
    uint8_t der[80];
    size_t der_len;
} fixture;

static fixture fx;

static int setup(void **state)
{
    (void)state;
    fx.key = mint_load_key("tests/keys/es256.pem");
    fx.stranger = mint_load_key("tests/keys/es256-b.pem");
    if (!fx.key || !fx.stranger)
        return -1;
    if (hc_trust_new(&fx.trust) != HC_OK || hc_trust_add_key(fx.trust, fx.key, NULL) != HC_OK)
        return -1;

    /* the token from hc_issue(), as a checkpoint would meet it */
    hc_issuer *is = NULL;
    hc_assessment a;
    memset(&a, 0, sizeof a);
    a.colour = HC_GREEN;
    if (hc_issuer_new("CN-330000", fx.key, &is) != HC_OK ||
        hc_issue(is, NULL, &a, NOW - 60, 86400, fx.token, sizeof fx.token, &fx.len) != HC_OK)
        return -1;
    hc_issuer_free(is);

    hc_claims c = mint_claims("CN-330000", NOW - 60, NOW + 86400, HC_GREEN, 42);
    if (mint_token(fx.stranger, &c, fx.unknown, sizeof fx.unknown, &fx.unknown_len) != HC_OK)
        return -1;

    /* the Sig_structure and the DER signature of the issued token, prepared once */
    uint8_t cose[HC_COSE_MAX];
    size_t cose_len;
    hc_cose_view v;
    if (hc_base45_decode(fx.token + 7, fx.len - 7, cose, sizeof cose, &cose_len) != HC_OK ||
        hc_cose_parse(cose, cose_len, &v) != HC_OK ||
        hc_cose_sig_structure(v.protected_bstr, v.protected_len, v.payload, v.payload_len, fx.tbs,
                              sizeof fx.tbs, &fx.tbs_len) != HC_OK)
        return -1;
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(v.signature, 32, NULL), *s = BN_bin2bn(v.signature + 32, 32, NULL);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1)
        return -1;
    unsigned char *p = fx.der;
    int n = i2d_ECDSA_SIG(sig, &p);
    ECDSA_SIG_free(sig);
    if (n <= 0 || (size_t)n > sizeof fx.der)
        return -1;
    fx.der_len = (size_t)n;

    /* the very key the store verifies with (its EVP_PKEY, another reference) */
    size_t n_keys = 0;
    const hc_trusted_key *tk = hc_trust_lookup(fx.trust, fx.key->kid, &n_keys);
    if (n_keys != 1 || EVP_PKEY_up_ref(tk->key->pkey) != 1)
        return -1;
    fx.pkey = tk->key->pkey;
    return fx.pkey ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(fx.pkey);
    hc_trust_free(fx.trust);
    hc_key_free(fx.key);
    hc_key_free(fx.stranger);
    return 0;
}

static bool bare_verify(void)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, fx.pkey) == 1 &&
              EVP_DigestVerify(ctx, fx.der, fx.der_len, fx.tbs, fx.tbs_len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

/* ------------------------------------------------------------------ tests */

static void early_failures_allocate_nothing(void **state)
{
    (void)state;
    /* the same token with its COSE damaged: a map where the array should be */
    uint8_t bad_cbor[] = {0xff, 0xff, 0xff};          /* a reserved/break byte at the top */
    uint8_t bad_cose[] = {0xd2, 0x84, 0x40, 0xa0, 0x40, 0x40}; /* 18([h'', {}, h'', h'']) */
    char cbor_text[64] = HC_PREFIX, cose_text[64] = HC_PREFIX;
    size_t l1, l2;
    assert_int_equal(hc_base45_encode(bad_cbor, sizeof bad_cbor, cbor_text + 7, 50, &l1), HC_OK);
    assert_int_equal(hc_base45_encode(bad_cose, sizeof bad_cose, cose_text + 7, 50, &l2), HC_OK);

    char bad_prefix[HC_TOKEN_MAX + 1];
    memcpy(bad_prefix, fx.token, fx.len);
    bad_prefix[0] = 'X';
    char bad_b45[HC_TOKEN_MAX + 1];
    memcpy(bad_b45, fx.token, fx.len);
    bad_b45[20] = 'a'; /* lower case is outside the 45 */

    const struct {
        const char *name;
        const char *text;
        size_t len;
        hc_err want;
    } cases[] = {
        {"bad prefix", bad_prefix, fx.len, HC_E_PREFIX},
        {"bad base45", bad_b45, fx.len, HC_E_BASE45},
        {"bad CBOR", cbor_text, 7 + l1, HC_E_CBOR},
        {"bad COSE shape", cose_text, 7 + l2, HC_E_COSE},
        {"unknown kid", fx.unknown, fx.unknown_len, HC_E_UNKNOWN_KID},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hc_claims c;
        count_start();
        hc_err err = hc_verify(fx.trust, cases[i].text, cases[i].len, NOW, NULL, &c);
        count_stop();
        print_message("%-15s %-18s allocations: process %ld, OpenSSL %ld\n", cases[i].name,
                      hc_err_name(err), n_libc, n_ossl);
        if (err != cases[i].want)
            fail_msg("%s: got %s, want %s", cases[i].name, hc_err_name(err),
                     hc_err_name(cases[i].want));
        assert_int_equal(n_libc, 0);
        assert_int_equal(n_ossl, 0);
    }
}

static void full_verify_allocates_no_more_than_bare_openssl(void **state)
{
    (void)state;
    enum { N = 20 };
    hc_claims c;
    /* warm both paths: OpenSSL fetches and caches algorithms on first use */
    assert_int_equal(hc_verify(fx.trust, fx.token, fx.len, NOW, NULL, &c), HC_OK);
    assert_true(bare_verify());

    int failed = 0; /* no cmocka call while counting */
    count_start();
    for (int i = 0; i < N; i++)
        failed += hc_verify(fx.trust, fx.token, fx.len, NOW, NULL, &c) != HC_OK;
    count_stop();
    assert_int_equal(failed, 0);
    long hc_libc = n_libc, hc_ossl = n_ossl;

    count_start();
    for (int i = 0; i < N; i++)
        failed += !bare_verify();
    count_stop();
    assert_int_equal(failed, 0);
    long bare_libc = n_libc, bare_ossl = n_ossl;

    print_message("per verify: hc_verify %ld process / %ld OpenSSL allocations; "
                  "bare EVP verify %ld / %ld\n",
                  hc_libc / N, hc_ossl / N, bare_libc / N, bare_ossl / N);
    assert_true(hc_ossl <= bare_ossl);
#if HC_COUNT_LIBC
    assert_true(hc_libc <= bare_libc);
    /* every process allocation inside hc_verify is OpenSSL's own */
    assert_int_equal(hc_libc, hc_ossl);
#endif
    assert_string_equal(c.iss, "CN-330000");
}

/* A revocation list does not change that: the lookup is a binary search. */
static void revocation_lookup_allocates_nothing(void **state)
{
    (void)state;
    hc_revocations *r = NULL;
    assert_int_equal(hc_revocations_new(&r), HC_OK);
    assert_int_equal(hc_revocations_add_text(r, "0123456789abcdef\n", 17, NULL), HC_OK);
    hc_verify_opts opts = HC_VERIFY_OPTS_DEFAULT;
    opts.revoked = r;
    hc_claims c;
    assert_int_equal(hc_verify(fx.trust, fx.token, fx.len, NOW, &opts, &c), HC_OK);
    count_start();
    hc_err err = hc_verify(fx.trust, fx.token, fx.len, NOW, &opts, &c);
    bool hit = hc_revocations_has_cti(r, c.cti);
    count_stop();
    long with_list = n_libc + n_ossl;
    count_start();
    hc_err err2 = hc_verify(fx.trust, fx.token, fx.len, NOW, NULL, &c);
    count_stop();
    assert_int_equal(err, HC_OK);
    assert_int_equal(err2, HC_OK);
    assert_false(hit);
    assert_int_equal(with_list, n_libc + n_ossl);
    hc_revocations_free(r);
}

/* A live presentation (doc/format.md P1-P5): refused before any signature
 * (P1), it costs nothing; verified all the way, every process allocation is
 * OpenSSL's own (the cnf point made into a key, the two verifies). */
static void presentation_allocates_only_in_openssl(void **state)
{
    (void)state;
    hc_key *dev = mint_load_key("tests/keys/device-es256.pem");
    assert_non_null(dev);
    hc_claims c = mint_claims("CN-330000", NOW - 60, NOW + 86400, HC_GREEN, 7);
    assert_int_equal(mint_bind(&c, dev), HC_OK);
    char tok[HC_TOKEN_MAX + 1], pres[HC_TOKEN_MAX + 1];
    size_t n = 0, len = 0;
    assert_int_equal(mint_token(fx.key, &c, tok, sizeof tok, &n), HC_OK);
    assert_int_equal(hc_present(tok, n, dev, NOW, pres, sizeof pres, &len), HC_OK);
    hc_claims out;
    assert_int_equal(hc_verify(fx.trust, pres, len, NOW, NULL, &out), HC_OK);   /* warm */

    count_start();
    hc_err e1 = hc_verify(fx.trust, "HCLIVE1:ABC", 11, NOW, NULL, &out);
    count_stop();
    long early = n_libc + n_ossl;
    enum { N = 10 };
    int failed = 0;
    count_start();
    for (int i = 0; i < N; i++)
        failed += hc_verify(fx.trust, pres, len, NOW, NULL, &out) != HC_OK;
    count_stop();
    print_message("presentation: P1 refusal %ld allocations; a full verify %ld process / %ld "
                  "OpenSSL allocations\n", early, n_libc / N, n_ossl / N);
    assert_int_equal(e1, HC_E_PRESENTATION);
    assert_int_equal(early, 0);
    assert_int_equal(failed, 0);
    assert_true(out.live);
#if HC_COUNT_LIBC
    assert_int_equal(n_libc, n_ossl);
#endif
    hc_key_free(dev);
}

int main(void)
{
    /* before any OpenSSL call, or OpenSSL refuses the replacement */
    if (!CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free)) {
        fprintf(stderr, "CRYPTO_set_mem_functions failed\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(early_failures_allocate_nothing),
        cmocka_unit_test(full_verify_allocates_no_more_than_bare_openssl),
        cmocka_unit_test(revocation_lookup_allocates_nothing),
        cmocka_unit_test(presentation_allocates_only_in_openssl),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

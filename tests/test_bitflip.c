/* test_bitflip.c — every single-bit change of a valid token is refused.
 * For one ES256 and one EdDSA token: each bit of the COSE bytes (the text
 * re-encoded in base45), and each bit of each character of the text itself.
 * All of them, counted: a flip that verified would be a forgery for free. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <healthcode/issue.h>
#include "crypto_impl.h"
#include "internal.h"
#include "record_impl.h"
#include "token_impl.h"
#include "mint.h"

#define IAT 1580515200
#define NOW (IAT + 60)

static int fixed_random(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(0xa0 + i);
    return 0;
}

/* A token with every claim the issuer writes: 张*, the masked document,
 * a residence, a sub. */
static size_t make_token(const hc_key *key, char *text, size_t cap)
{
    hc_issuer *is = NULL;
    assert_int_equal(hc_issuer_new("CN-330000", key, &is), HC_OK);
    hc_issuer_set_random(is, fixed_random, NULL);
    assert_int_equal(hc_issuer_set_subject_secret(is, (const uint8_t *)"sixteen byte key", 16), HC_OK);
    struct hc_record r;
    memset(&r, 0, sizeof r);
    strcpy(r.id, "330402199001011230");
    strcpy(r.id_type, "cn_resident");
    strcpy(r.name, "张三");
    r.residence = 330402;
    hc_assessment a;
    memset(&a, 0, sizeof a);
    a.colour = HC_YELLOW;
    size_t len = 0;
    assert_int_equal(hc_issue(is, &r, &a, IAT, 86400, text, cap, &len), HC_OK);
    hc_issuer_free(is);
    return len;
}

static void flip_all(const char *keyfile, size_t want_cose_len)
{
    hc_key *key = mint_load_key(keyfile);
    assert_non_null(key);
    hc_trust *t = NULL;
    assert_int_equal(hc_trust_new(&t), HC_OK);
    assert_int_equal(hc_trust_add_key(t, key, NULL), HC_OK);

    char text[HC_TOKEN_MAX + 1];
    size_t len = make_token(key, text, sizeof text);
    hc_claims out;
    assert_int_equal(hc_verify(t, text, len, NOW, NULL, &out), HC_OK);

    uint8_t cose[HC_COSE_MAX];
    size_t n = 0;
    assert_int_equal(hc_base45_decode(text + 7, len - 7, cose, sizeof cose, &n), HC_OK);
    assert_int_equal(n, want_cose_len);
    assert_int_equal(len, 7 + n / 2 * 3 + (n % 2) * 2);

    /* each bit of the COSE bytes */
    size_t tried = 0, refused = 0;
    char flipped[HC_TOKEN_MAX + 1];
    memcpy(flipped, HC_PREFIX, 7);
    for (size_t i = 0; i < n; i++) {
        for (int b = 0; b < 8; b++) {
            cose[i] ^= (uint8_t)(1u << b);
            size_t fl = 0;
            assert_int_equal(hc_base45_encode(cose, n, flipped + 7, sizeof flipped - 7, &fl), HC_OK);
            tried++;
            if (hc_verify(t, flipped, fl + 7, NOW, NULL, &out) != HC_OK)
                refused++;
            else
                fprintf(stderr, "accepted: byte %zu bit %d\n", i, b);
            cose[i] ^= (uint8_t)(1u << b);
        }
    }
    assert_int_equal(tried, 8 * want_cose_len);
    assert_int_equal(refused, tried);

    /* each bit of each character of the text, prefix included */
    tried = refused = 0;
    for (size_t i = 0; i < len; i++) {
        for (int b = 0; b < 8; b++) {
            text[i] ^= (char)(1u << b);
            tried++;
            if (hc_verify(t, text, len, NOW, NULL, &out) != HC_OK)
                refused++;
            else
                fprintf(stderr, "accepted: char %zu bit %d\n", i, b);
            text[i] ^= (char)(1u << b);
        }
    }
    assert_int_equal(tried, 8 * (7 + want_cose_len / 2 * 3 + (want_cose_len % 2) * 2));
    assert_int_equal(refused, tried);
    /* and the untouched token still verifies */
    assert_int_equal(hc_verify(t, text, len, NOW, NULL, &out), HC_OK);
    hc_trust_free(t);
    hc_key_free(key);
}

/* Both tokens have the same length (signatures are 64 bytes either way):
 *   d2 84                                   2
 *   protected 4d + a2 01 26 04 48 kid(8)    14
 *   unprotected a0                          1
 *   payload 58 5c + 92:                     94
 *     a5, iss 01 69 +9, exp 04 1a +4, iat 06 1a +4, cti 07 48 +8, 3a 00010000 = 39
 *     a5, col 01 01, sub 02 50 +16, nam 03 64 +4, doc 04 72 +18, reg 05 1a +4 = 53
 *   signature 58 40 + 64                    66
 * = 177 bytes, 88 pairs and one byte: 7 + 88*3 + 2 = 273 characters. */
#define COSE_LEN 177

static void test_es256(void **state)
{
    (void)state;
    flip_all("tests/keys/es256.pem", COSE_LEN);
}

static void test_eddsa(void **state)
{
    (void)state;
    flip_all("tests/keys/ed25519.pem", COSE_LEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_es256),
        cmocka_unit_test(test_eddsa),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

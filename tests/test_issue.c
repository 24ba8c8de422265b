/* test_issue.c — what hc_issue() puts in a token: masked name and document (the
 * masking rules themselves: test_mask.c),
 * the sub pseudonym (checked against OpenSSL's HMAC() directly), times,
 * colour, cti from the random source; the size of the sample record's token;
 * and the argument errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <healthcode/healthcode.h>
#include "crypto_impl.h"
#include "internal.h"
#include "record_impl.h"
#include "token_impl.h"
#include "mint.h"

#define IAT 1580515200
#define VALIDITY (7 * 86400)

static hc_key *es256, *ed25519;

static int setup(void **state)
{
    (void)state;
    es256 = mint_load_key("tests/keys/es256.pem");
    ed25519 = mint_load_key("tests/keys/ed25519.pem");
    return es256 && ed25519 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    hc_key_free(es256);
    hc_key_free(ed25519);
    return 0;
}

static int calls;
static int fixed_random(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    calls++;
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(0xc0 + i);
    return 0;
}

static int failing_random(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx, (void)buf, (void)len;
    return -1;
}

static struct hc_record sample_record(void)
{
    struct hc_record r;
    memset(&r, 0, sizeof r);
    strcpy(r.id, "330402199001011230");
    strcpy(r.id_type, "cn_resident");
    strcpy(r.name, "张三");
    r.residence = 330402;
    r.last_contact = r.discharged = HC_DAY_NONE;
    return r;
}

static void test_sample_token(void **state)
{
    (void)state;
    hc_issuer *is = NULL;
    assert_int_equal(hc_issuer_new("CN-330000", es256, &is), HC_OK);
    hc_issuer_set_random(is, fixed_random, NULL);
    struct hc_record r = sample_record();
    hc_assessment a;
    memset(&a, 0, sizeof a);
    a.colour = HC_RED;
    char text[HC_TOKEN_MAX + 1];
    size_t len = 0, need = 0;

    /* the size first, signing nothing and drawing no randomness */
    calls = 0;
    assert_int_equal(hc_issue(is, &r, &a, IAT, VALIDITY, NULL, 0, &need), HC_E_BUFFER);
    assert_int_equal(calls, 0);
    /* payload: a5, iss 11, exp 6, iat 6, cti 10, 3a00010000 5, then a4, col 2, nam 6,
     * doc 20, reg 6 = 74 bytes; COSE = d284 (2) + protected 14 + a0 (1) + 584a+74 (76)
     * + signature 66 = 159 bytes → 7 + 79*3 + 2 = 246 characters */
    assert_int_equal(need, 247);   /* with the NUL */
    assert_int_equal(hc_issue(is, &r, &a, IAT, VALIDITY, text, need - 1, &len), HC_E_BUFFER);
    assert_int_equal(len, need);
    assert_int_equal(hc_issue(is, &r, &a, IAT, VALIDITY, text, need, &len), HC_OK);
    assert_int_equal(len, 246);
    assert_true(len <= 260);
#if HC_WITH_RENDER
    int version = 0;   /* the issue's bound: a version 9 QR code (53x53) at ECC M */
    assert_int_equal(hc_qr_version(text, HC_ECC_M, &version), HC_OK);
    assert_int_equal(version, 9);
#endif
    assert_int_equal(calls, 1);
    /* a buffer that holds any token (as the batch's) skips the sizing pass:
     * the same token up to the signature (the last 64 of 159 COSE bytes,
     * so the first 7 + 47*3 characters), the same length */
    static char big[8192];
    size_t big_len = 0;
    assert_int_equal(hc_issue(is, &r, &a, IAT, VALIDITY, big, sizeof big, &big_len), HC_OK);
    assert_int_equal(big_len, 246);
    assert_int_equal(strlen(big), 246);
    assert_memory_equal(big, text, 7 + 47 * 3);
    assert_int_equal(calls, 2);
    hc_issuer_free(is);

    hc_claims c;
    assert_int_equal(hc_inspect(text, len, &c), HC_OK);
    assert_string_equal(c.iss, "CN-330000");
    assert_int_equal(c.iat, IAT);
    assert_int_equal(c.exp, IAT + VALIDITY);
    assert_int_equal(c.colour, HC_RED);
    assert_memory_equal(c.cti, "\xc0\xc1\xc2\xc3\xc4\xc5\xc6\xc7", 8);
    assert_string_equal(c.nam, "张*");
    assert_string_equal(c.doc, "33**************30");
    assert_int_equal(c.reg, 330402);
    assert_int_equal(c.knd, 0);
    assert_false(c.has_sub);
    assert_int_equal(c.alg, HC_ALG_ES256);
    assert_memory_equal(c.kid, es256->kid, 8);
}

static void test_sub_and_kind(void **state)
{
    (void)state;
    const uint8_t secret[20] = "a twenty byte secret";
    hc_issuer *is = NULL;
    assert_int_equal(hc_issuer_new("CN-330000", ed25519, &is), HC_OK);
    assert_int_equal(hc_issuer_set_subject_secret(is, secret, sizeof secret), HC_OK);
    struct hc_record r = sample_record();
    strcpy(r.id, "e-12 345 678");        /* a passport number, written loosely */
    strcpy(r.id_type, "passport");
    strcpy(r.name, "Mary Ann Lee");
    r.residence = 0;
    hc_assessment a;
    memset(&a, 0, sizeof a);
    char text[HC_TOKEN_MAX + 1];
    size_t len = 0;
    assert_int_equal(hc_issue(is, &r, &a, IAT, 3600, text, sizeof text, &len), HC_OK);
    hc_claims c;
    assert_int_equal(hc_inspect(text, len, &c), HC_OK);
    assert_true(c.has_sub);
    uint8_t mac[32];
    unsigned mac_len = 0;
    assert_non_null(HMAC(EVP_sha256(), secret, sizeof secret, (const unsigned char *)"E12345678", 9,
                         mac, &mac_len));
    assert_memory_equal(c.sub, mac, 16);
    assert_int_equal(c.knd, 1);
    assert_string_equal(c.nam, "M*** A** LEE");
    assert_string_equal(c.doc, "E1*****78");   /* the normalised number, masked */
    assert_int_equal(c.reg, 0);
    assert_int_equal(c.exp, IAT + 3600);

    /* a resident who came from abroad is international too */
    r = sample_record();
    r.has_entry = true;
    strcpy(r.entry_from, "IT");
    assert_int_equal(hc_issue(is, &r, &a, IAT, 3600, text, sizeof text, &len), HC_OK);
    assert_int_equal(hc_inspect(text, len, &c), HC_OK);
    assert_int_equal(c.knd, 1);
    assert_true(HMAC(EVP_sha256(), secret, sizeof secret, (const unsigned char *)"330402199001011230",
                     18, mac, &mac_len) != NULL);
    assert_memory_equal(c.sub, mac, 16);

    /* no record: no nam, doc, sub */
    assert_int_equal(hc_issue(is, NULL, &a, IAT, 3600, text, sizeof text, &len), HC_OK);
    assert_int_equal(hc_inspect(text, len, &c), HC_OK);
    assert_false(c.has_sub);
    assert_string_equal(c.nam, "");
    hc_issuer_free(is);
}

static void test_errors(void **state)
{
    (void)state;
    hc_issuer *is = NULL;
    assert_int_equal(hc_issuer_new("CN-330000-ABCDEFGHIJKLMNOPQRSTUVW", es256, &is), HC_E_ARG); /* 33 */
    assert_null(is);
    assert_int_equal(hc_issuer_new("CN-330000-ABCDEFGHIJKLMNOPQRSTUV", es256, &is), HC_OK);    /* 32 */
    hc_issuer_free(is);
    assert_int_equal(hc_issuer_new("", es256, &is), HC_E_ARG);
    assert_int_equal(hc_issuer_new("CN\n1", es256, &is), HC_E_ARG);
    assert_int_equal(hc_issuer_new("北京", es256, &is), HC_E_ARG);

    /* a public key cannot sign */
    hc_key *pub = mint_load_key("tests/keys/es256.pub.pem");
    assert_non_null(pub);
    assert_int_equal(hc_issuer_new("CN-330000", pub, &is), HC_E_KEY);
    hc_key_free(pub);

    assert_int_equal(hc_issuer_new("CN-330000", es256, &is), HC_OK);
    assert_int_equal(hc_issuer_set_subject_secret(is, (const uint8_t *)"fifteen bytes!!", 15), HC_E_ARG);
    uint8_t big[65] = {0};
    assert_int_equal(hc_issuer_set_subject_secret(is, big, 65), HC_E_ARG);
    assert_int_equal(hc_issuer_set_subject_secret(is, big, 64), HC_OK);

    hc_assessment a;
    memset(&a, 0, sizeof a);
    char text[HC_TOKEN_MAX + 1];
    size_t len = 0;
    assert_int_equal(hc_issue(is, NULL, &a, IAT, 0, text, sizeof text, &len), HC_E_ARG);
    assert_int_equal(hc_issue(is, NULL, &a, IAT, HC_VALIDITY_MAX + 1, text, sizeof text, &len), HC_E_ARG);
    assert_int_equal(hc_issue(is, NULL, &a, IAT, HC_VALIDITY_MAX, text, sizeof text, &len), HC_OK);
    assert_int_equal(hc_issue(is, NULL, &a, -1, 60, text, sizeof text, &len), HC_E_ARG);
    a.colour = (hc_colour)3;
    assert_int_equal(hc_issue(is, NULL, &a, IAT, 60, text, sizeof text, &len), HC_E_ARG);
    assert_int_equal(hc_issue(is, NULL, NULL, IAT, 60, text, sizeof text, &len), HC_E_ARG);
    a.colour = HC_GREEN;
    hc_issuer_set_random(is, failing_random, NULL);
    assert_int_equal(hc_issue(is, NULL, &a, IAT, 60, text, sizeof text, &len), HC_E_CRYPTO);
    hc_issuer_set_random(is, NULL, NULL);   /* back to RAND_bytes */
    assert_int_equal(hc_issue(is, NULL, &a, IAT, 60, text, sizeof text, &len), HC_OK);
    hc_issuer_free(is);
    hc_issuer_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_token),
        cmocka_unit_test(test_sub_and_kind),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

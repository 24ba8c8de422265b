/* test_sm2.c — SM2 with SM3 (alg -65537; sm2.c, crypto.c).
 *
 * Our signatures are checked with OpenSSL's own SM2 DigestVerify given the
 * distinguishing ID "1234567812345678" explicitly, and OpenSSL's with ours;
 * the empty ID (OpenSSL 3.0's default) must fail both ways. The Z value of
 * tests/keys/sm2.pub.pem was computed outside the library (Python's
 * hashlib SM3 over ENTL || ID || a || b || xG || yG || xA || yA, with the
 * curve from `openssl ecparam -name SM2 -param_enc explicit`). sm-crypto
 * checks the same both ways in tests/sm2_interop.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common.h"
#include "crypto_impl.h"
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

static const uint8_t MSG[] = "Signature1 over some protected header and payload";
static const char SM2_Z[] = "38b22d6303607ea475db41778c7ef37b70b711387a884f5bd6df849f7280325c";

static hc_key *load(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/keys/%s", name);
    hc_key *k = th_load_key(rel);
    if (!k)
        fail_msg("cannot load %s", rel);
    return k;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

/* r||s → DER (OpenSSL's SM2 signature form). */
static size_t to_der(const uint8_t sig[64], uint8_t *der)
{
    size_t n = 2;
    for (int half = 0; half < 2; half++) {
        const uint8_t *v = sig + 32 * half;
        size_t i = 0;
        while (i < 31 && v[i] == 0)
            i++;
        bool pad = v[i] & 0x80;
        der[n++] = 0x02;
        der[n++] = (uint8_t)(32 - i + pad);
        if (pad)
            der[n++] = 0;
        memcpy(der + n, v + i, 32 - i);
        n += 32 - i;
    }
    der[0] = 0x30;
    der[1] = (uint8_t)(n - 2);
    return n;
}

/* An SM3 DigestSign/Verify context of OpenSSL's for key, with the ID if given. */
static EVP_MD_CTX *openssl_ctx(EVP_PKEY *pkey, const char *id, bool sign)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    assert_non_null(md);
    assert_non_null(pctx);
    if (id)
        assert_int_equal(EVP_PKEY_CTX_set1_id(pctx, id, strlen(id)), 1);
    EVP_MD_CTX_set_pkey_ctx(md, pctx);
    const EVP_MD *sm3 = EVP_get_digestbyname("SM3");
    assert_int_equal(sign ? EVP_DigestSignInit(md, NULL, sm3, NULL, pkey)
                          : EVP_DigestVerifyInit(md, NULL, sm3, NULL, pkey), 1);
    return md;
}

static void free_ctx(EVP_MD_CTX *md)
{
    EVP_PKEY_CTX_free(EVP_MD_CTX_get_pkey_ctx(md));
    EVP_MD_CTX_free(md);
}

static void names_kid_and_z(void **state)
{
    (void)state;
    hc_alg a = HC_ALG_ES256;
    assert_int_equal(hc_alg_parse("sm2", &a), HC_OK);
    assert_int_equal(a, HC_ALG_SM2);
    assert_int_equal((int)HC_ALG_SM2, -65537);
    assert_string_equal(hc_alg_name(HC_ALG_SM2), "SM2");
    assert_true(hc_alg_supported(HC_ALG_SM2));
    assert_false(hc_alg_supported((hc_alg)-9));
    hc_key *k = load("sm2.pem"), *p = load("sm2.pub.pem");
    assert_int_equal(hc_key_alg(k), HC_ALG_SM2);
    assert_int_equal(hc_key_alg(p), HC_ALG_SM2);
    assert_true(hc_key_is_private(k));
    assert_false(hc_key_is_private(p));
    /* OpenSSL 3.0 has no numeric id for SM2 keys: EVP_PKEY_is_a is the test */
    assert_true(EVP_PKEY_is_a(k->pkey, "SM2"));
    uint8_t kid[HC_KID_LEN];
    char h[65];
    assert_int_equal(hc_key_kid(p, kid), HC_OK);
    hex(kid, HC_KID_LEN, h);
    assert_string_equal(h, "a76563106ebe5e11"); /* openssl pkey -pubin -outform DER | dgst -sha256 */
    hex(p->sm2_z, 32, h);
    assert_string_equal(h, SM2_Z);
    hex(k->sm2_z, 32, h);
    assert_string_equal(h, SM2_Z);
    hc_key_free(k);
    hc_key_free(p);
}

static void ours_verified_by_openssl_with_the_id_only(void **state)
{
    (void)state;
    hc_key *k = load("sm2.pem");
    hc_signer *s = NULL;
    assert_int_equal(hc_signer_new(k, &s), HC_OK);
    for (int i = 0; i < 8; i++) {
        uint8_t sig[64], der[72];
        assert_int_equal(hc_signer_sign(s, MSG, sizeof MSG - (size_t)i, sig), HC_OK);
        size_t n = to_der(sig, der);
        EVP_MD_CTX *good = openssl_ctx(k->pkey, "1234567812345678", false);
        EVP_MD_CTX *empty = openssl_ctx(k->pkey, NULL, false);
        assert_int_equal(EVP_DigestVerify(good, der, n, MSG, sizeof MSG - (size_t)i), 1);
        assert_int_not_equal(EVP_DigestVerify(empty, der, n, MSG, sizeof MSG - (size_t)i), 1);
        free_ctx(good);
        free_ctx(empty);
        ERR_clear_error();
        assert_int_equal(hc_crypto_verify(k, MSG, sizeof MSG - (size_t)i, sig), HC_OK);
        sig[5] ^= 1;
        assert_int_equal(hc_crypto_verify(k, MSG, sizeof MSG - (size_t)i, sig), HC_E_SIGNATURE);
    }
    hc_signer_free(s);
    hc_key_free(k);
}

/* DER from OpenSSL → r||s (32 bytes each, left-padded). */
static void from_der(const uint8_t *der, uint8_t sig[64])
{
    const uint8_t *p = der + 2;
    for (int half = 0; half < 2; half++) {
        size_t n = p[1];
        const uint8_t *v = p + 2;
        if (n == 33) {
            v++;
            n--;
        }
        memset(sig + 32 * half, 0, 32 - n);
        memcpy(sig + 32 * half + 32 - n, v, n);
        p += 2 + p[1];
    }
}

static void openssl_verified_by_ours_with_the_id_only(void **state)
{
    (void)state;
    hc_key *k = load("sm2.pem"), *pub = load("sm2.pub.pem");
    for (int with_id = 1; with_id >= 0; with_id--) {
        EVP_MD_CTX *c = openssl_ctx(k->pkey, with_id ? "1234567812345678" : NULL, true);
        uint8_t der[80], sig[64];
        size_t n = sizeof der;
        assert_int_equal(EVP_DigestSign(c, der, &n, MSG, sizeof MSG), 1);
        free_ctx(c);
        from_der(der, sig);
        assert_int_equal(hc_crypto_verify(pub, MSG, sizeof MSG, sig), with_id ? HC_OK : HC_E_SIGNATURE);
    }
    hc_key_free(k);
    hc_key_free(pub);
}

static void one_key_one_algorithm(void **state)
{
    (void)state;
    hc_key *sm = load("sm2.pem"), *es = load("es256.pem");
    hc_signer *s = NULL;
    uint8_t sig[64];
    assert_int_equal(hc_signer_new(es, &s), HC_OK);
    assert_int_equal(hc_signer_sign(s, MSG, sizeof MSG, sig), HC_OK);
    hc_signer_free(s);
    assert_int_equal(hc_crypto_verify(sm, MSG, sizeof MSG, sig), HC_E_SIGNATURE);
    assert_int_equal(hc_signer_new(sm, &s), HC_OK);
    assert_int_equal(hc_signer_sign(s, MSG, sizeof MSG, sig), HC_OK);
    hc_signer_free(s);
    assert_int_equal(hc_crypto_verify(es, MSG, sizeof MSG, sig), HC_E_SIGNATURE);
    /* an "EC" key on the SM2 curve would sign ECDSA: refused */
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "SM2");
    assert_non_null(ec);
    hc_key *bad = NULL;
    assert_int_equal(hc_key_wrap(ec, true, &bad), HC_E_KEY);
    assert_null(bad);
    hc_key_free(sm);
    hc_key_free(es);
}

static void generate_save_reload(void **state)
{
    (void)state;
    hc_key *k = NULL, *pub = NULL, *back = NULL;
    assert_int_equal(hc_key_generate(HC_ALG_SM2, &k), HC_OK);
    assert_int_equal(hc_key_alg(k), HC_ALG_SM2);
    char pem[512];
    size_t len = 0;
    assert_int_equal(hc_key_public_pem(k, pem, sizeof pem, &len), HC_OK);
    assert_int_equal(hc_key_load_pem(pem, len, &back), HC_OK);
    assert_int_equal(hc_key_alg(back), HC_ALG_SM2);
    assert_memory_equal(back->sm2_z, k->sm2_z, 32);
    assert_memory_equal(back->kid, k->kid, HC_KID_LEN);
    assert_int_equal(hc_key_public_copy(k, &pub), HC_OK);
    assert_false(hc_key_is_private(pub));
    assert_memory_equal(pub->sm2_z, k->sm2_z, 32);
    hc_signer *s = NULL;
    uint8_t sig[64];
    assert_int_equal(hc_signer_new(k, &s), HC_OK);
    assert_int_equal(hc_signer_sign(s, MSG, sizeof MSG, sig), HC_OK);
    assert_int_equal(hc_crypto_verify(back, MSG, sizeof MSG, sig), HC_OK);
    assert_int_equal(hc_crypto_verify(pub, MSG, sizeof MSG, sig), HC_OK);
    hc_signer_free(s);
    hc_key_free(k);
    hc_key_free(pub);
    hc_key_free(back);
}

int main(void)
{
    if (!hc_alg_supported(HC_ALG_SM2)) {
        printf("SKIP: this OpenSSL was built without SM2/SM3\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_kid_and_z),
        cmocka_unit_test(ours_verified_by_openssl_with_the_id_only),
        cmocka_unit_test(openssl_verified_by_ours_with_the_id_only),
        cmocka_unit_test(one_key_one_algorithm),
        cmocka_unit_test(generate_save_reload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

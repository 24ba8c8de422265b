/* test_present.c — holder binding and live presentations (doc/format.md,
 * "Holder binding and live presentations"): the cnf claim byte for byte,
 * hc_present and hc_present_with_signer, hc_verify's P1–P5 each failing
 * with its own error, and the hostile inputs of issue 22 (a presentation
 * inside a presentation, a payload that is not a two-item array, extra
 * items, t beyond 64 bits or negative, a cnf of the wrong curve or off its
 * curve, an unbound token presented, an EdDSA signature on a P-256-bound
 * token). Tokens are minted (tests/mint.h), so this runs in the verify-only
 * build too. No clock: every time is a constant. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <healthcode/healthcode.h>
#include "mint.h"
#include "cbor_impl.h"

#define IAT 1580515200   /* 2020-02-01T00:00:00Z */
#define EXP (IAT + 86400)
#define NOW (IAT + 3600)
#define ISS "CN-330000"

static hc_key *issuer, *dev_es, *dev_ed, *dev_sm, *other_es;
static hc_trust *trust;

static int setup(void **state)
{
    (void)state;
    issuer = mint_load_key("tests/keys/es256.pem");
    dev_es = mint_load_key("tests/keys/device-es256.pem");
    dev_ed = mint_load_key("tests/keys/device-ed25519.pem");
    dev_sm = mint_load_key("tests/keys/device-sm2.pem");
    other_es = mint_load_key("tests/keys/es256-b.pem");
    if (!issuer || !dev_es || !dev_ed || !dev_sm || !other_es || hc_trust_new(&trust) != HC_OK ||
        hc_trust_add_key(trust, issuer, NULL) != HC_OK)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hc_trust_free(trust);
    hc_key_free(issuer);
    hc_key_free(dev_es);
    hc_key_free(dev_ed);
    hc_key_free(dev_sm);
    hc_key_free(other_es);
    return 0;
}

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = th_unhex(hex, out, cap);
    assert_true(n != TH_HEX_BAD);
    return n;
}

static hc_claims claims_for(const hc_key *device)
{
    hc_claims c = mint_claims(ISS, IAT, EXP, HC_GREEN, 0x1122334455667788ull);
    strcpy(c.nam, "张*");
    if (device)
        assert_int_equal(mint_bind(&c, device), HC_OK);
    return c;
}

/* A token bound to device (NULL: unbound), signed by the trusted issuer. */
static size_t token_for(const hc_key *device, char *text, size_t cap)
{
    hc_claims c = claims_for(device);
    size_t len = 0;
    assert_int_equal(mint_token(issuer, &c, text, cap, &len), HC_OK);
    return len;
}

/* A token signed by the issuer over exactly this payload (a cnf of any shape). */
static size_t token_with_payload(const uint8_t *payload, size_t n, char *text, size_t cap)
{
    uint8_t prot[32], cose[HC_COSE_MAX + 128];
    size_t prot_len, cose_len, len = 0;
    assert_int_equal(hc_cose_protected_encode(issuer->alg, issuer->kid, prot, sizeof prot, &prot_len), HC_OK);
    assert_int_equal(mint_sign1(issuer, prot, prot_len, payload, n, cose, &cose_len, NULL, NULL), HC_OK);
    assert_int_equal(mint_text(HC_PREFIX, cose, cose_len, text, cap, &len), HC_OK);
    return len;
}

static hc_err verify_opts(const char *text, size_t len, int64_t now, int64_t window, bool require,
                          hc_claims *out)
{
    hc_verify_opts o = {HC_DEFAULT_SKEW_S, NULL, window, require};
    return hc_verify(trust, text, len, now, &o, out);
}

static hc_err verify(const char *text, size_t len, hc_claims *out)
{
    return verify_opts(text, len, NOW, 0, false, out);
}

/* ------------------------------------------------------------- the cnf */

/* The COSE_Key of each device key, byte for byte (doc/format.md: keys 1,
 * -1, -2, -3 in that order; ybit false/true), in the claims map between cti
 * and hcode. */
static void test_cnf_bytes(void **state)
{
    (void)state;
    const struct {
        hc_key **key;
        const char *head;    /* 8: {1: {kty, crv, -2: bstr(32)…}} up to x */
        bool ec;
    } cases[] = {
        {&dev_es, "08 a1 01 a4 01 02 20 01 21 58 20", true},
        {&dev_ed, "08 a1 01 a3 01 01 20 06 21 58 20", false},
        {&dev_sm, "08 a1 01 a4 01 02 20 3a 00010000 21 58 20", true},
    };
    for (size_t i = 0; i < 3; i++) {
        hc_claims c = claims_for(*cases[i].key);
        uint8_t buf[256], want[64];
        size_t n = 0, wn = unhex(cases[i].head, want, sizeof want);
        assert_int_equal(hc_claims_encode(&c, buf, sizeof buf, &n), HC_OK);
        assert_int_equal(buf[0], 0xa6);   /* six claims: cnf is one */
        /* after 1: iss, 4: exp, 6: iat, 7: cti */
        const uint8_t *p = NULL;
        for (size_t k = 0; k + 10 <= n && !p; k++)
            if (memcmp(buf + k, "\x07\x48\x11\x22\x33\x44\x55\x66\x77\x88", 10) == 0)
                p = buf + k;
        assert_non_null(p);
        p += 10;
        assert_memory_equal(p, want, wn);
        assert_memory_equal(p + wn, c.device_x, 32);
        p += wn + 32;
        if (cases[i].ec) {
            assert_int_equal(p[0], 0x22);
            assert_int_equal(p[1], c.device_ybit ? 0xf5 : 0xf4);
            p += 2;
        }
        assert_int_equal(p[0], 0x3a);   /* -65537: hcode */
        /* and the decoder reads it back */
        hc_claims back;
        memset(&back, 0, sizeof back);
        assert_int_equal(hc_claims_decode(buf, n, &back), HC_OK);
        assert_true(back.bound);
        assert_int_equal(back.device_alg, c.device_alg);
        assert_memory_equal(back.device_x, c.device_x, 32);
        assert_int_equal(back.device_ybit, c.device_ybit);
    }
    /* x and ybit are the key's own: the device key's x, and y's parity */
    hc_device_key d;
    assert_int_equal(hc_device_from_key(dev_es, &d), HC_OK);
    BIGNUM *y = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(dev_es->pkey, "qy", &y), 1);
    assert_int_equal(d.ybit, BN_is_odd(y));
    BN_free(y);
}

/* A plain bound token is valid, bound and not live; --require-live makes it
 * not_live once all eight steps passed (an expired one stays expired). */
static void test_plain_bound_token(void **state)
{
    (void)state;
    char tok[HC_TOKEN_MAX + 1];
    size_t n = token_for(dev_es, tok, sizeof tok);
    hc_claims out;
    assert_int_equal(verify(tok, n, &out), HC_OK);
    assert_true(out.bound);
    assert_false(out.live);
    assert_false(out.presented);
    assert_int_equal(out.device_alg, HC_ALG_ES256);
    assert_int_equal(verify_opts(tok, n, NOW, 0, true, &out), HC_E_NOT_LIVE);
    assert_true(out.claims_ok);
    assert_int_equal(verify_opts(tok, n, EXP + 301, 0, true, &out), HC_E_EXPIRED);
    n = token_for(NULL, tok, sizeof tok);
    assert_int_equal(verify(tok, n, &out), HC_OK);
    assert_false(out.bound);
    assert_int_equal(out.device_alg, 0);
    assert_int_equal(verify_opts(tok, n, NOW, 0, true, &out), HC_E_NOT_LIVE);
}

/* ---------------------------------------------------- the round trips */

static void test_present_and_verify(void **state)
{
    (void)state;
    const hc_key *devs[] = {dev_es, dev_ed, dev_sm};
    const hc_alg algs[] = {HC_ALG_ES256, HC_ALG_EDDSA, HC_ALG_SM2};
    for (size_t i = 0; i < 3; i++) {
        char tok[HC_TOKEN_MAX + 1], pres[HC_TOKEN_MAX + 1];
        size_t n = token_for(devs[i], tok, sizeof tok), len = 0;
        assert_int_equal(hc_present(tok, n, devs[i], NOW - 5, pres, sizeof pres, &len), HC_OK);
        assert_int_equal(strlen(pres), len);
        assert_memory_equal(pres, "HCLIVE1:", 8);
        hc_claims out;
        assert_int_equal(verify(pres, len, &out), HC_OK);
        assert_true(out.live && out.bound && out.presented && out.claims_ok && out.header_ok);
        assert_int_equal(out.t, NOW - 5);
        assert_int_equal(out.device_alg, algs[i]);
        assert_string_equal(out.iss, ISS);
        assert_string_equal(out.nam, "张*");
        assert_memory_equal(out.cti, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
        /* required live: the presentation is what it asks for */
        assert_int_equal(verify_opts(pres, len, NOW, 0, true, &out), HC_OK);
        /* inspect reads it without verifying anything */
        assert_int_equal(hc_inspect(pres, len, &out), HC_OK);
        assert_true(out.presented && out.bound && !out.live);
        assert_int_equal(out.t, NOW - 5);
    }
}

/* P5 at its edges: |now - t| <= W, the past and the future alike; W from 1
 * to 300 (0: the default 60), anything else HC_E_ARG. */
static void test_live_window(void **state)
{
    (void)state;
    char tok[HC_TOKEN_MAX + 1], pres[HC_TOKEN_MAX + 1];
    size_t n = token_for(dev_ed, tok, sizeof tok), len = 0;
    assert_int_equal(hc_present(tok, n, dev_ed, NOW, pres, sizeof pres, &len), HC_OK);
    hc_claims out;
    assert_int_equal(verify_opts(pres, len, NOW + 60, 0, false, &out), HC_OK);
    assert_int_equal(verify_opts(pres, len, NOW - 60, 0, false, &out), HC_OK);
    assert_int_equal(verify_opts(pres, len, NOW + 61, 0, false, &out), HC_E_STALE);
    assert_false(out.live);
    assert_true(out.presented && out.claims_ok);
    assert_int_equal(out.t, NOW);
    assert_int_equal(verify_opts(pres, len, NOW - 61, 0, false, &out), HC_E_STALE);
    assert_int_equal(verify_opts(pres, len, NOW + 100, 0, false, &out), HC_E_STALE);
    assert_int_equal(verify_opts(pres, len, NOW + 100, 100, false, &out), HC_OK);
    assert_int_equal(verify_opts(pres, len, NOW + 300, 300, false, &out), HC_OK);
    assert_int_equal(verify_opts(pres, len, NOW + 2, 1, false, &out), HC_E_STALE);
    assert_int_equal(verify_opts(pres, len, NOW, 301, false, &out), HC_E_ARG);
    assert_int_equal(verify_opts(pres, len, NOW, -1, false, &out), HC_E_ARG);
    /* the token's own time comes first: an expired token is expired, not stale */
    assert_int_equal(verify_opts(pres, len, EXP + 300, 0, false, &out), HC_E_EXPIRED);
}

/* The caller's buffer: NULL or too small gives the size needed, signing
 * nothing; exactly that size is enough. */
static void test_present_buffer(void **state)
{
    (void)state;
    char tok[HC_TOKEN_MAX + 1], pres[HC_TOKEN_MAX + 1];
    size_t n = token_for(dev_es, tok, sizeof tok), need = 0, len = 0;
    assert_int_equal(hc_present(tok, n, dev_es, NOW, NULL, 0, &need), HC_E_BUFFER);
    assert_int_equal(hc_present(tok, n, dev_es, NOW, pres, need - 1, &len), HC_E_BUFFER);
    assert_int_equal(len, need);
    assert_int_equal(hc_present(tok, n, dev_es, NOW, pres, need, &len), HC_OK);
    assert_int_equal(len + 1, need);
}

static void test_present_errors(void **state)
{
    (void)state;
    char tok[HC_TOKEN_MAX + 1], unbound[HC_TOKEN_MAX + 1], pres[HC_TOKEN_MAX + 1];
    size_t n = token_for(dev_es, tok, sizeof tok), nu = token_for(NULL, unbound, sizeof unbound);
    size_t len = 0;
    assert_int_equal(hc_present(unbound, nu, dev_es, NOW, pres, sizeof pres, &len), HC_E_UNBOUND);
    assert_int_equal(hc_present(tok, n, dev_ed, NOW, pres, sizeof pres, &len), HC_E_DEVICE_ALG);
    assert_int_equal(hc_present(tok, n, other_es, NOW, pres, sizeof pres, &len), HC_E_KEY);
    assert_int_equal(hc_present(tok, n, dev_es, -1, pres, sizeof pres, &len), HC_E_ARG);
    assert_int_equal(hc_present(tok, n, NULL, NOW, pres, sizeof pres, &len), HC_E_ARG);
    /* the device's public half only: it cannot sign */
    char *pem = mint_read_source("tests/keys/device-es256.pub.pem", NULL);
    hc_key *pub = NULL;
    assert_int_equal(hc_key_load_pem(pem, strlen(pem), &pub), HC_OK);
    free(pem);
    assert_int_equal(hc_present(tok, n, pub, NOW, pres, sizeof pres, &len), HC_E_KEY);
    hc_key_free(pub);
    /* a presentation is not a token: no presentation of a presentation */
    assert_int_equal(hc_present(tok, n, dev_es, NOW, pres, sizeof pres, &len), HC_OK);
    char again[HC_TOKEN_MAX + 1];
    assert_int_equal(hc_present(pres, len, dev_es, NOW, again, sizeof again, &len), HC_E_PREFIX);
    tok[20] = 'a';
    assert_int_equal(hc_present(tok, n, dev_es, NOW, pres, sizeof pres, &len), HC_E_BASE45);
}

/* ------------------------------------------------ the signer callback */

typedef struct {
    const hc_key *key;
    int mode;          /* 0 sign, 1 fail, 2 DER, 3 s||r */
    uint8_t msg[HC_COSE_MAX + 64];
    size_t msg_len;
    int calls;
} signer_ctx;

static int test_signer(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64])
{
    signer_ctx *s = ctx;
    s->calls++;
    memcpy(s->msg, msg, len);
    s->msg_len = len;
    if (s->mode == 1)
        return -1;
    hc_signer *h = NULL;
    if (hc_signer_new(s->key, &h) != HC_OK || hc_signer_sign(h, msg, len, sig) != HC_OK) {
        hc_signer_free(h);
        return -1;
    }
    hc_signer_free(h);
    if (s->mode == 2) {
        uint8_t der[72];
        size_t n = hc_sig_raw_to_der(sig, der);
        memset(sig, 0, 64);
        memcpy(sig, der, n < 64 ? n : 64);   /* what a careless Java port would hand back */
    } else if (s->mode == 3) {
        uint8_t tmp[32];
        memcpy(tmp, sig, 32);
        memmove(sig, sig + 32, 32);
        memcpy(sig + 32, tmp, 32);
    }
    return 0;
}

static void test_present_with_signer(void **state)
{
    (void)state;
    char tok[HC_TOKEN_MAX + 1], pres[HC_TOKEN_MAX + 1], ref[HC_TOKEN_MAX + 1];
    size_t n = token_for(dev_es, tok, sizeof tok), len = 0, ref_len = 0;
    signer_ctx s = {.key = dev_es};
    assert_int_equal(hc_present_with_signer(tok, n, HC_ALG_ES256, test_signer, &s, NOW, pres,
                                            sizeof pres, &len), HC_OK);
    assert_int_equal(s.calls, 1);
    hc_claims out;
    assert_int_equal(verify(pres, len, &out), HC_OK);
    assert_true(out.live);
    /* what the callback was given: the Sig_structure of the presentation,
     * ["Signature1", h'A10126', h'', bstr([token, t])], the whole message */
    uint8_t cose[HC_COSE_MAX], payload[HC_COSE_MAX + 16], want[HC_COSE_MAX + 64];
    size_t cose_len, payload_len, want_len;
    assert_int_equal(mint_cose_of(tok, n, cose, &cose_len), HC_OK);
    assert_int_equal(hc_pres_payload_encode(cose, cose_len, NOW, payload, sizeof payload, &payload_len), HC_OK);
    assert_int_equal(hc_cose_sig_structure((const uint8_t *)"\xa1\x01\x26", 3, payload, payload_len,
                                           want, sizeof want, &want_len), HC_OK);
    assert_int_equal(s.msg_len, want_len);
    assert_memory_equal(s.msg, want, want_len);
    assert_memory_equal(s.msg, "\x84\x6aSignature1\x43\xa1\x01\x26\x40", 17);
    /* the same bytes as hc_present signs (ES256 is randomised: compare by
     * verifying, and by the text up to the signature) */
    assert_int_equal(hc_present(tok, n, dev_es, NOW, ref, sizeof ref, &ref_len), HC_OK);
    assert_int_equal(ref_len, len);

    /* the ways a keystore port goes wrong, each refused before it leaves */
    s = (signer_ctx){.key = dev_es, .mode = 1};
    assert_int_equal(hc_present_with_signer(tok, n, HC_ALG_ES256, test_signer, &s, NOW, pres,
                                            sizeof pres, &len), HC_E_CRYPTO);
    s = (signer_ctx){.key = dev_es, .mode = 2};
    assert_int_equal(hc_present_with_signer(tok, n, HC_ALG_ES256, test_signer, &s, NOW, pres,
                                            sizeof pres, &len), HC_E_DEVICE_SIGNATURE);
    s = (signer_ctx){.key = dev_es, .mode = 3};
    assert_int_equal(hc_present_with_signer(tok, n, HC_ALG_ES256, test_signer, &s, NOW, pres,
                                            sizeof pres, &len), HC_E_DEVICE_SIGNATURE);
    s = (signer_ctx){.key = other_es};
    assert_int_equal(hc_present_with_signer(tok, n, HC_ALG_ES256, test_signer, &s, NOW, pres,
                                            sizeof pres, &len), HC_E_DEVICE_SIGNATURE);
    s = (signer_ctx){.key = dev_ed};
    assert_int_equal(hc_present_with_signer(tok, n, HC_ALG_EDDSA, test_signer, &s, NOW, pres,
                                            sizeof pres, &len), HC_E_DEVICE_ALG);
    assert_int_equal(s.calls, 0);   /* refused before the keystore is asked */
    assert_int_equal(hc_present_with_signer(tok, n, HC_ALG_ES256, NULL, &s, NOW, pres,
                                            sizeof pres, &len), HC_E_ARG);
    /* Ed25519 and SM2 through a callback too */
    const hc_key *devs[] = {dev_ed, dev_sm};
    const hc_alg algs[] = {HC_ALG_EDDSA, HC_ALG_SM2};
    for (int i = 0; i < 2; i++) {
        n = token_for(devs[i], tok, sizeof tok);
        s = (signer_ctx){.key = devs[i]};
        assert_int_equal(hc_present_with_signer(tok, n, algs[i], test_signer, &s, NOW, pres,
                                                sizeof pres, &len), HC_OK);
        assert_int_equal(verify(pres, len, &out), HC_OK);
        assert_true(out.live);
    }
}

/* ----------------------------------------------- P1-P5, each its error */

/* Issue 22's hostile inputs about the presentation itself: each is P1. */
static void test_p1_shapes(void **state)
{
    (void)state;
    char tok[HC_TOKEN_MAX + 1], pres[HC_TOKEN_MAX + 1];
    size_t n = token_for(dev_es, tok, sizeof tok), len = 0;
    uint8_t cose[HC_COSE_MAX], payload[HC_COSE_MAX + 32];
    size_t cose_len;
    assert_int_equal(mint_cose_of(tok, n, cose, &cose_len), HC_OK);
    const uint8_t prot[] = {0xa1, 0x01, 0x26};
    hc_claims out;

    /* payload: head + token + tail, from hex pieces */
    struct {
        const char *name, *head, *tail;   /* around the token's bstr */
        hc_err want;
    } cases[] = {
        {"the valid shape", "82", "1a 5e34cd90", HC_OK},
        {"a map, not an array", "a1 01", "", HC_E_PRESENTATION},
        {"one item", "81", "", HC_E_PRESENTATION},
        {"an extra item", "83", "1a 5e34cd90 00", HC_E_PRESENTATION},
        {"t negative", "82", "20", HC_E_PRESENTATION},
        {"t a bignum (beyond 64 bits)", "82", "c2 49 010000000000000000", HC_E_PRESENTATION},
        {"t a float", "82", "fb 41d78d3364000000", HC_E_PRESENTATION},
        {"t a text", "82", "61 31", HC_E_PRESENTATION},
        {"t absent, token twice", "82", "", HC_E_PRESENTATION},
        {"an indefinite array", "9f", "1a 5e34cd90 ff", HC_E_PRESENTATION},
        {"bytes after the array", "82", "1a 5e34cd90 f6", HC_E_PRESENTATION},
        {"t = 2^64 - 1: a uint, stale", "82", "1b ffffffffffffffff", HC_E_STALE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t pl = unhex(cases[i].head, payload, sizeof payload);
        hc_cbor_writer w;
        hc_cbor_w_init(&w, payload + pl, sizeof payload - pl);
        hc_cbor_w_bstr(&w, cose, cose_len);
        if (strcmp(cases[i].name, "t absent, token twice") == 0)
            hc_cbor_w_bstr(&w, cose, cose_len);
        size_t wl = 0;
        assert_int_equal(hc_cbor_w_finish(&w, &wl), HC_OK);
        pl += wl;
        pl += unhex(cases[i].tail, payload + pl, sizeof payload - pl);
        assert_int_equal(mint_presentation_raw(dev_es, prot, sizeof prot, payload, pl, false, pres,
                                               sizeof pres, &len), HC_OK);
        hc_err err = verify(pres, len, &out);
        if (err != cases[i].want)
            fail_msg("%s: got %s, want %s", cases[i].name, hc_err_name(err), hc_err_name(cases[i].want));
        if (cases[i].want == HC_E_STALE)
            assert_int_equal(out.t, INT64_MAX);   /* saturated */
    }

    /* the protected header: exactly {1: alg} */
    const struct {
        const char *name, *prot;
        hc_err want;
    } heads[] = {
        {"a kid too", "a2 01 26 04 48 0102030405060708", HC_E_PRESENTATION},
        {"empty", "", HC_E_PRESENTATION},
        {"no alg", "a1 04 41 00", HC_E_PRESENTATION},
        {"alg twice by value", "a2 01 26 18 01 26", HC_E_PRESENTATION},
        {"alg a text", "a1 01 65 45533235 36", HC_E_PRESENTATION},
        {"alg an unknown integer", "a1 01 38 22", HC_E_DEVICE_ALG},
        {"alg EdDSA on a P-256 binding", "a1 01 27", HC_E_DEVICE_ALG},
        {"alg SM2 on a P-256 binding", "a1 01 3a 00010000", HC_E_DEVICE_ALG},
    };
    size_t pl = 0;
    assert_int_equal(hc_pres_payload_encode(cose, cose_len, NOW, payload, sizeof payload, &pl), HC_OK);
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        uint8_t p[64];
        size_t plen = unhex(heads[i].prot, p, sizeof p);
        assert_int_equal(mint_presentation_raw(dev_es, p, plen, payload, pl, false, pres,
                                               sizeof pres, &len), HC_OK);
        hc_err err = verify(pres, len, &out);
        if (err != heads[i].want)
            fail_msg("protected %s: got %s, want %s", heads[i].name, hc_err_name(err),
                     hc_err_name(heads[i].want));
    }

    /* the text and the outer COSE_Sign1 */
    assert_int_equal(mint_presentation_raw(dev_es, prot, sizeof prot, payload, pl, true, pres,
                                           sizeof pres, &len), HC_OK);
    assert_int_equal(verify(pres, len, &out), HC_OK);      /* untagged, as a token may be */
    assert_int_equal(verify("HCLIVE1:", 8, &out), HC_E_PRESENTATION);
    assert_false(out.presented);
    assert_int_equal(verify("HCLIVE1:abc", 11, &out), HC_E_PRESENTATION);   /* base45 */
    assert_int_equal(verify("HCLIVE2:ABC", 11, &out), HC_E_PREFIX);
    assert_int_equal(verify("hclive1:ABC", 11, &out), HC_E_PREFIX);
    assert_int_equal(mint_presentation_raw(dev_es, prot, sizeof prot, payload, pl, false, pres,
                                           sizeof pres, &len), HC_OK);
    /* raw COSE edits, re-encoded: trailing bytes, another tag, a 63-byte signature */
    uint8_t pc[HC_COSE_MAX];
    size_t pcl = 0, b = 0;
    assert_int_equal(hc_base45_decode(pres + 8, len - 8, pc, sizeof pc, &pcl), HC_OK);
    const struct {
        const char *name;
        int edit;
    } edits[] = {{"trailing byte", 0}, {"tag 98", 1}, {"63-byte signature", 2},
                 {"indefinite unprotected map", 3}, {"unprotected key twice", 4},
                 {"invalid UTF-8 in the unprotected map", 5}};
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        uint8_t e[HC_COSE_MAX + 16];
        size_t el = 0;
        /* pc: d2 84 43 a10126 a0 59 xxxx <payload> 58 40 <sig> */
        size_t unprot_at = 1 + 1 + 1 + 3;
        assert_int_equal(pc[unprot_at], 0xa0);
        switch (edits[i].edit) {
        case 0: memcpy(e, pc, pcl); e[pcl] = 0x00; el = pcl + 1; break;
        case 1: e[0] = 0xd8; e[1] = 0x62; memcpy(e + 2, pc + 1, pcl - 1); el = pcl + 1; break;
        case 2: memcpy(e, pc, pcl - 1); e[pcl - 66 + 1] = 0x3f; el = pcl - 1; break;
        default: {
            const char *hex = edits[i].edit == 3 ? "bf ff" : edits[i].edit == 4 ? "a2 01 00 01 00"
                                                                                 : "a1 01 62 c328";
            memcpy(e, pc, unprot_at);
            el = unprot_at + unhex(hex, e + unprot_at, 16);
            memcpy(e + el, pc + unprot_at + 1, pcl - unprot_at - 1);
            el += pcl - unprot_at - 1;
        }
        }
        char t2[HC_TOKEN_MAX + 1] = HC_LIVE_PREFIX;
        assert_int_equal(hc_base45_encode(e, el, t2 + 8, sizeof t2 - 8, &b), HC_OK);
        hc_err err = verify(t2, 8 + b, &out);
        if (err != HC_E_PRESENTATION)
            fail_msg("%s: got %s", edits[i].name, hc_err_name(err));
    }
    /* too long to read: before anything else, as for a token */
    static char big[HC_TOKEN_MAX + 2];
    memset(big, 'A', sizeof big - 1);
    memcpy(big, HC_LIVE_PREFIX, 8);
    assert_int_equal(verify(big, HC_TOKEN_MAX + 1, &out), HC_E_LIMIT);
}

/* P2: the token inside goes through steps 3-8, each with its own error. A
 * presentation inside a presentation is a token of the wrong shape. */
static void test_p2_token_inside(void **state)
{
    (void)state;
    char tok[HC_TOKEN_MAX + 1], pres[HC_TOKEN_MAX + 1], outer[HC_TOKEN_MAX + 1];
    size_t n = token_for(dev_es, tok, sizeof tok), len = 0, olen = 0;
    hc_claims out;
    /* a presentation of a presentation: its "token" is a COSE_Sign1 {1: alg} */
    assert_int_equal(hc_present(tok, n, dev_es, NOW, pres, sizeof pres, &len), HC_OK);
    uint8_t inner[HC_COSE_MAX], payload[HC_COSE_MAX + 16];
    size_t inner_len = 0, pl = 0;
    assert_int_equal(hc_base45_decode(pres + 8, len - 8, inner, sizeof inner, &inner_len), HC_OK);
    assert_int_equal(hc_pres_payload_encode(inner, inner_len, NOW, payload, sizeof payload, &pl), HC_OK);
    assert_int_equal(mint_presentation_raw(dev_es, (const uint8_t *)"\xa1\x01\x26", 3, payload, pl,
                                           false, outer, sizeof outer, &olen), HC_OK);
    assert_int_equal(verify(outer, olen, &out), HC_E_COSE);
    assert_true(out.presented);
    assert_false(out.header_ok);

    /* the token's own failures, unchanged inside a presentation */
    hc_claims c = claims_for(dev_es);
    c.exp = IAT + 1800;   /* expired at NOW */
    char t2[HC_TOKEN_MAX + 1];
    size_t n2 = 0;
    assert_int_equal(mint_token(issuer, &c, t2, sizeof t2, &n2), HC_OK);
    assert_int_equal(hc_present(t2, n2, dev_es, NOW, pres, sizeof pres, &len), HC_OK);
    assert_int_equal(verify(pres, len, &out), HC_E_EXPIRED);
    assert_true(out.claims_ok && out.bound && !out.live);
    c = claims_for(dev_es);
    assert_int_equal(mint_token(other_es, &c, t2, sizeof t2, &n2), HC_OK);   /* untrusted */
    assert_int_equal(hc_present(t2, n2, dev_es, NOW, pres, sizeof pres, &len), HC_OK);
    assert_int_equal(verify(pres, len, &out), HC_E_UNKNOWN_KID);
    /* a revoked token is revoked however it is shown */
    hc_revocations *r = NULL;
    assert_int_equal(hc_revocations_new(&r), HC_OK);
    assert_int_equal(hc_revocations_add_text(r, "1122334455667788\n", 17, NULL), HC_OK);
    assert_int_equal(hc_present(tok, n, dev_es, NOW, pres, sizeof pres, &len), HC_OK);
    hc_verify_opts o = {HC_DEFAULT_SKEW_S, r, 0, false};
    assert_int_equal(hc_verify(trust, pres, len, NOW, &o, &out), HC_E_REVOKED);
    hc_revocations_free(r);
    /* the issuer's signature inside: one bit of the token changed */
    uint8_t cose[HC_COSE_MAX];
    size_t cl = 0;
    assert_int_equal(mint_cose_of(tok, n, cose, &cl), HC_OK);
    cose[cl - 1] ^= 1;
    assert_int_equal(hc_pres_payload_encode(cose, cl, NOW, payload, sizeof payload, &pl), HC_OK);
    assert_int_equal(mint_presentation_raw(dev_es, (const uint8_t *)"\xa1\x01\x26", 3, payload, pl,
                                           false, outer, sizeof outer, &olen), HC_OK);
    assert_int_equal(verify(outer, olen, &out), HC_E_SIGNATURE);
}

/* P3 and P4. */
static void test_p3_p4(void **state)
{
    (void)state;
    char tok[HC_TOKEN_MAX + 1], pres[HC_TOKEN_MAX + 1];
    size_t n = token_for(NULL, tok, sizeof tok), len = 0;
    hc_claims out;
    /* an unbound token presented (anyone can sign over a paper code) */
    assert_int_equal(mint_presentation(dev_es, HC_ALG_ES256, tok, n, NOW, pres, sizeof pres, &len), HC_OK);
    assert_int_equal(verify(pres, len, &out), HC_E_UNBOUND);
    assert_true(out.claims_ok && !out.bound && !out.live);
    /* an EdDSA signature on a P-256-bound token */
    n = token_for(dev_es, tok, sizeof tok);
    assert_int_equal(mint_presentation(dev_ed, HC_ALG_EDDSA, tok, n, NOW, pres, sizeof pres, &len), HC_OK);
    assert_int_equal(verify(pres, len, &out), HC_E_DEVICE_ALG);
    /* the right algorithm, another device's key (a copied token) */
    assert_int_equal(mint_presentation(other_es, HC_ALG_ES256, tok, n, NOW, pres, sizeof pres, &len), HC_OK);
    assert_int_equal(verify(pres, len, &out), HC_E_DEVICE_SIGNATURE);
    assert_true(out.bound && !out.live);
    /* the right key, one bit of the signature changed */
    assert_int_equal(mint_presentation(dev_es, HC_ALG_ES256, tok, n, NOW, pres, sizeof pres, &len), HC_OK);
    uint8_t pc[HC_COSE_MAX];
    size_t pcl = 0, b = 0;
    assert_int_equal(hc_base45_decode(pres + 8, len - 8, pc, sizeof pc, &pcl), HC_OK);
    pc[pcl - 1] ^= 1;
    assert_int_equal(hc_base45_encode(pc, pcl, pres + 8, sizeof pres - 8, &b), HC_OK);
    assert_int_equal(verify(pres, 8 + b, &out), HC_E_DEVICE_SIGNATURE);
    /* a P-256 device signature on an SM2-bound token, and the reverse */
    n = token_for(dev_sm, tok, sizeof tok);
    assert_int_equal(mint_presentation(dev_es, HC_ALG_ES256, tok, n, NOW, pres, sizeof pres, &len), HC_OK);
    assert_int_equal(verify(pres, len, &out), HC_E_DEVICE_ALG);
    assert_int_equal(mint_presentation(dev_es, HC_ALG_SM2, tok, n, NOW, pres, sizeof pres, &len), HC_OK);
    assert_int_equal(verify(pres, len, &out), HC_E_DEVICE_SIGNATURE);
}

/* ---------------------------------------------------- cnf that cannot be checked */

/* An x with no point on P-256: x^3 - 3x + b is not a square mod p. Found
 * by counting up from 1 and proved with the Legendre symbol, independently
 * of the library's decompression. */
static void p256_x_off_curve(uint8_t x[32])
{
    BN_CTX *ctx = BN_CTX_new();
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM *p = BN_new(), *a = BN_new(), *bb = BN_new(), *v = BN_new(), *t = BN_new(), *xx = BN_new();
    assert_true(ctx && g && p && a && bb && v && t && xx);
    assert_int_equal(EC_GROUP_get_curve(g, p, a, bb, ctx), 1);
    for (unsigned long i = 1;; i++) {
        assert_true(i < 100);
        BN_set_word(xx, i);
        BN_mod_sqr(t, xx, p, ctx);
        BN_mod_mul(t, t, xx, p, ctx);        /* x^3 */
        BN_mod_mul(v, a, xx, p, ctx);        /* a x */
        BN_mod_add(t, t, v, p, ctx);
        BN_mod_add(t, t, bb, p, ctx);
        if (BN_kronecker(t, p, ctx) == -1)
            break;
    }
    assert_int_equal(BN_bn2binpad(xx, x, 32), 32);
    BN_free(p), BN_free(a), BN_free(bb), BN_free(v), BN_free(t), BN_free(xx);
    EC_GROUP_free(g);
    BN_CTX_free(ctx);
}

/* A 32-byte Ed25519 encoding that does not decode (RFC 8032 §5.1.3): the
 * smallest y whose (y^2 - 1) / (d y^2 + 1) is not a square mod p, found and
 * proved with the Legendre symbol independently of the library. */
static void ed25519_off_curve(uint8_t enc[32])
{
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *p = BN_new(), *d = NULL, *y = BN_new(), *y2 = BN_new(), *u = BN_new(), *v = BN_new();
    assert_true(ctx && p && y && y2 && u && v);
    assert_true(BN_dec2bn(&d, "37095705934669439343138083508754565189542113879843219016388785533085940283555"));
    BN_set_word(p, 1);
    BN_lshift(p, p, 255);
    BN_sub_word(p, 19);
    for (unsigned long i = 2;; i++) {
        assert_true(i < 100);
        BN_set_word(y, i);
        BN_mod_sqr(y2, y, p, ctx);
        BN_copy(u, y2);
        BN_sub_word(u, 1);
        BN_mod_mul(v, d, y2, p, ctx);
        BN_add_word(v, 1);
        BN_mod_mul(u, u, v, p, ctx);
        if (BN_kronecker(u, p, ctx) == -1)
            break;
    }
    assert_int_equal(BN_bn2lebinpad(y, enc, 32), 32);
    BN_free(p), BN_free(d), BN_free(y), BN_free(y2), BN_free(u), BN_free(v);
    BN_CTX_free(ctx);
}

/* A claims map with this cnf value (hex) between cti and hcode. */
static size_t payload_with_cnf(const char *cnf_hex, const uint8_t *x, uint8_t *out, size_t cap)
{
    char hex[1024];
    char xhex[65];
    for (int i = 0; i < 32; i++)
        sprintf(xhex + 2 * i, "%02x", x[i]);
    /* "X" in cnf_hex stands for the 32 bytes of x */
    const char *m = strchr(cnf_hex, 'X');
    snprintf(hex, sizeof hex,
             "a6 01 69 434e2d333330303030 04 1a 5e3dfa00 06 1a 5e34bf80 07 48 1122334455667788 08 %.*s%s%s"
             " 3a 00010000 a1 01 00", m ? (int)(m - cnf_hex) : (int)strlen(cnf_hex), cnf_hex,
             m ? xhex : "", m ? m + 1 : "");
    return unhex(hex, out, cap);
}

/* Step 6 refuses a cnf it cannot check, plain or presented: another
 * kty/crv pair, x not 32 bytes, y as a coordinate, an unknown key, a point
 * off its curve (P-256 with no y for x, x at or above p; Ed25519 bytes that
 * do not decode). */
static void test_cnf_unparseable(void **state)
{
    (void)state;
    hc_device_key d;
    assert_int_equal(hc_device_from_key(dev_es, &d), HC_OK);
    uint8_t off[32], p256_p[32], ed_bad[32], ff[32];
    p256_x_off_curve(off);
    unhex("ffffffff00000001000000000000000000000000ffffffffffffffffffffffff", p256_p, 32);
    ed25519_off_curve(ed_bad);
    memset(ff, 0xff, 32);
    const struct {
        const char *name, *cnf;
        const uint8_t *x;
    } cases[] = {
        {"the valid P-256 key", "a1 01 a4 01 02 20 01 21 58 20 X 22 f4", d.x},
        {"kty OKP with crv P-256", "a1 01 a4 01 01 20 01 21 58 20 X 22 f4", d.x},
        {"kty EC2 with crv Ed25519", "a1 01 a3 01 02 20 06 21 58 20 X", d.x},
        {"crv P-384", "a1 01 a4 01 02 20 02 21 58 20 X 22 f4", d.x},
        {"x of 31 bytes", "a1 01 a4 01 02 20 01 21 58 1f 01010101010101010101010101010101010101010101010101010101010101 22 f4", d.x},
        {"y as a coordinate", "a1 01 a4 01 02 20 01 21 58 20 X 22 58 20 0000000000000000000000000000000000000000000000000000000000000000", d.x},
        {"ybit as an integer", "a1 01 a4 01 02 20 01 21 58 20 X 22 01", d.x},
        {"no ybit", "a1 01 a3 01 02 20 01 21 58 20 X", d.x},
        {"an alg in the COSE_Key", "a1 01 a5 01 02 03 26 20 01 21 58 20 X 22 f4", d.x},
        {"a text key in the COSE_Key", "a1 01 a5 01 02 20 01 21 58 20 X 22 f4 61 6b 00", d.x},
        {"cnf with a kid beside the key", "a2 01 a4 01 02 20 01 21 58 20 X 22 f4 03 41 00", d.x},
        {"cnf holding a kid only", "a1 03 41 00", d.x},
        {"cnf not a map", "41 00", d.x},
        {"P-256 x with no point", "a1 01 a4 01 02 20 01 21 58 20 X 22 f4", off},
        {"P-256 x = p", "a1 01 a4 01 02 20 01 21 58 20 X 22 f4", p256_p},
        {"P-256 x = 2^256 - 1", "a1 01 a4 01 02 20 01 21 58 20 X 22 f5", ff},
        {"SM2 x with no point", "a1 01 a4 01 02 20 3a 00010000 21 58 20 X 22 f4", ff},
        {"Ed25519 bytes that do not decode", "a1 01 a3 01 01 20 06 21 58 20 X", ed_bad},
        {"Ed25519 y at or above p", "a1 01 a3 01 01 20 06 21 58 20 X", ff},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t payload[512];
        size_t pl = payload_with_cnf(cases[i].cnf, cases[i].x, payload, sizeof payload);
        char tok[HC_TOKEN_MAX + 1], pres[HC_TOKEN_MAX + 1];
        size_t n = token_with_payload(payload, pl, tok, sizeof tok), len = 0;
        hc_err want = i == 0 ? HC_OK : HC_E_CLAIMS;
        hc_claims out;
        hc_err err = verify(tok, n, &out);
        if (err != want)
            fail_msg("%s (plain): got %s", cases[i].name, hc_err_name(err));
        assert_int_equal(mint_presentation(dev_es, HC_ALG_ES256, tok, n, NOW, pres, sizeof pres, &len), HC_OK);
        err = verify(pres, len, &out);
        if (err != want)
            fail_msg("%s (presented): got %s", cases[i].name, hc_err_name(err));
        assert_int_equal(out.live, i == 0);
    }
}

/* The base64 of a record's device_key: strict, one text one value. */
static void test_base64(void **state)
{
    (void)state;
    uint8_t out[16];
    size_t n = 0;
    assert_true(hc_base64_decode("TWFu", 4, out, sizeof out, &n) && n == 3 && memcmp(out, "Man", 3) == 0);
    assert_true(hc_base64_decode("TWE=", 4, out, sizeof out, &n) && n == 2);
    assert_true(hc_base64_decode("TQ==", 4, out, sizeof out, &n) && n == 1 && out[0] == 'M');
    assert_true(hc_base64_decode("+/+/", 4, out, sizeof out, &n) && n == 3);
    assert_false(hc_base64_decode("TWF", 3, out, sizeof out, &n));       /* no padding */
    assert_false(hc_base64_decode("TR==", 4, out, sizeof out, &n));      /* bits after the byte */
    assert_false(hc_base64_decode("TWF=", 4, out, sizeof out, &n));      /* the same, one pad */
    assert_false(hc_base64_decode("TW=u", 4, out, sizeof out, &n));      /* '=' inside */
    assert_false(hc_base64_decode("=WFu", 4, out, sizeof out, &n));
    assert_false(hc_base64_decode("-_-_", 4, out, sizeof out, &n));      /* base64url */
    assert_false(hc_base64_decode("TW u", 4, out, sizeof out, &n));      /* white space */
    assert_false(hc_base64_decode("TWFuTWFu\n", 9, out, sizeof out, &n));
    assert_false(hc_base64_decode("", 0, out, sizeof out, &n));
    assert_false(hc_base64_decode("TWFuTWFu", 8, out, 5, &n));          /* too long for cap */
}

/* A device key from its SPKI: the three kinds, and the refusals. */
static void test_device_from_spki(void **state)
{
    (void)state;
    const struct {
        const char *rel;
        hc_err want;
        hc_alg alg;
    } cases[] = {
        {"tests/keys/device-es256.pub.pem", HC_OK, HC_ALG_ES256},
        {"tests/keys/device-ed25519.pub.pem", HC_OK, HC_ALG_EDDSA},
        {"tests/keys/device-sm2.pub.pem", HC_OK, HC_ALG_SM2},
        {"tests/keys/p384.pub.pem", HC_E_KEY, 0},
        {"tests/keys/rsa.pub.pem", HC_E_KEY, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *pem = mint_read_source(cases[i].rel, NULL);
        assert_non_null(pem);
        BIO *bio = BIO_new_mem_buf(pem, -1);
        EVP_PKEY *pk = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
        BIO_free(bio);
        free(pem);
        assert_non_null(pk);
        uint8_t *der = NULL;
        int n = i2d_PUBKEY(pk, &der);
        EVP_PKEY_free(pk);
        assert_true(n > 0);
        hc_device_key d;
        assert_int_equal(hc_device_from_spki(der, (size_t)n, &d), cases[i].want);
        if (cases[i].want == HC_OK) {
            assert_int_equal(d.alg, cases[i].alg);
            /* the round trip through the cnf form gives the same key back */
            EVP_PKEY *back = NULL;
            assert_int_equal(hc_device_pkey(&d, &back), HC_OK);
            hc_device_key again;
            assert_int_equal(hc_device_from_pkey(back, &again), HC_OK);
            assert_true(hc_device_equal(&d, &again));
            EVP_PKEY_free(back);
            /* trailing bytes, and a point moved off the curve */
            uint8_t bad[128];
            memcpy(bad, der, (size_t)n);
            bad[n] = 0;
            assert_int_equal(hc_device_from_spki(bad, (size_t)n + 1, &d), HC_E_KEY);
            if (cases[i].alg != HC_ALG_EDDSA) {
                bad[n - 1] ^= 1;   /* the last byte of y */
                assert_int_equal(hc_device_from_spki(bad, (size_t)n, &d), HC_E_KEY);
            }
        }
        OPENSSL_free(der);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cnf_bytes),
        cmocka_unit_test(test_plain_bound_token),
        cmocka_unit_test(test_present_and_verify),
        cmocka_unit_test(test_live_window),
        cmocka_unit_test(test_present_buffer),
        cmocka_unit_test(test_present_errors),
        cmocka_unit_test(test_present_with_signer),
        cmocka_unit_test(test_p1_shapes),
        cmocka_unit_test(test_p2_token_inside),
        cmocka_unit_test(test_p3_p4),
        cmocka_unit_test(test_cnf_unparseable),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_device_from_spki),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

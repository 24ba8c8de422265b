/* test_verify.c — hc_verify() step by step: a round trip per colour and
 * algorithm, then one test per failure of doc/format.md's eight steps. Tokens
 * that are malformed but validly signed are built from the internal
 * encoders and a hc_signer, so each failure is the one named, not a bad
 * signature. No clock: every time is a constant. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <healthcode/healthcode.h>
#include "mint.h"
#include "cbor_impl.h"
#include "crypto_impl.h"
#include "internal.h"
#include "record_impl.h"
#include "token_impl.h"

#define IAT 1580515200   /* 2020-02-01T00:00:00Z */
#define VALIDITY 86400
#define EXP (IAT + VALIDITY)
#define NOW (IAT + 3600)
#define ISS "CN-330000"

static hc_key *es256, *ed25519, *es256_b;
static hc_trust *trust;     /* es256 and ed25519, any issuer, no window */

static int setup(void **state)
{
    (void)state;
    es256 = mint_load_key("tests/keys/es256.pem");
    ed25519 = mint_load_key("tests/keys/ed25519.pem");
    es256_b = mint_load_key("tests/keys/es256-b.pem");
    if (!es256 || !ed25519 || !es256_b || hc_trust_new(&trust) != HC_OK ||
        hc_trust_add_key(trust, es256, NULL) != HC_OK || hc_trust_add_key(trust, ed25519, NULL) != HC_OK)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hc_trust_free(trust);
    hc_key_free(es256);
    hc_key_free(ed25519);
    hc_key_free(es256_b);
    return 0;
}

/* hex to bytes (tests/common.h); bad hex or too long fails the test */
static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = th_unhex(hex, out, cap);
    assert_true(n != TH_HEX_BAD);
    return n;
}

static hc_claims base_claims(hc_colour col)
{
    hc_claims c;
    memset(&c, 0, sizeof c);
    strcpy(c.iss, ISS);
    c.iat = IAT;
    c.exp = EXP;
    c.colour = col;
    memcpy(c.cti, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
    return c;
}

/* The parts of a token to sign; NULL/0 means the normal one. */
typedef struct {
    const uint8_t *prot;      /* protected header bytes */
    size_t prot_len;
    const uint8_t *payload;
    size_t payload_len;
    const char *unprot_hex;   /* the unprotected map, as hex */
    const uint8_t *trail;     /* bytes after the COSE_Sign1 */
    size_t trail_len;
    bool flip_sig;            /* spoil the signature after signing */
} parts;

/* Signs the reference Sig_structure of a protected header and a payload
 * (hc_cose_sig_structure) with key into sig (the last 64 bytes of the
 * COSE_Sign1 mint_sign1 writes). */
static void sign_contents(const hc_key *key, const uint8_t *prot, size_t prot_len,
                          const uint8_t *payload, size_t payload_len, uint8_t sig[64])
{
    static uint8_t cose[HC_COSE_MAX + 128];
    size_t cose_len = 0;
    assert_int_equal(mint_sign1(key, prot, prot_len, payload, payload_len, cose, &cose_len, NULL,
                                NULL), HC_OK);
    memcpy(sig, cose + cose_len - 64, 64);
}

/* "HCODE1:" + base45 of the COSE_Sign1 made of p, signed by key. */
static size_t forge(const hc_key *key, const parts *p, const hc_claims *c, char *text, size_t cap)
{
    uint8_t prot[64], payload[HC_COSE_MAX], cose[HC_COSE_MAX + 64], sig[64], unprot[64];
    size_t prot_len = p->prot_len, payload_len = p->payload_len, cose_len, ul;
    if (p->prot)
        memcpy(prot, p->prot, prot_len);
    else
        assert_int_equal(hc_cose_protected_encode(key->alg, key->kid, prot, sizeof prot, &prot_len), HC_OK);
    if (p->payload)
        memcpy(payload, p->payload, payload_len);
    else
        assert_int_equal(hc_claims_encode(c, payload, sizeof payload, &payload_len), HC_OK);
    ul = unhex(p->unprot_hex ? p->unprot_hex : "a0", unprot, sizeof unprot);
    sign_contents(key, prot, prot_len, payload, payload_len, sig);
    if (p->flip_sig)
        sig[63] ^= 1;
    hc_cbor_writer w;
    hc_cbor_w_init(&w, cose, sizeof cose);
    hc_cbor_w_tag(&w, 18);
    hc_cbor_w_array(&w, 4);
    hc_cbor_w_bstr(&w, prot, prot_len);
    hc_cbor_w_raw(&w, unprot, ul);
    hc_cbor_w_bstr(&w, payload, payload_len);
    hc_cbor_w_bstr(&w, sig, 64);
    if (p->trail)
        hc_cbor_w_raw(&w, p->trail, p->trail_len);
    assert_int_equal(hc_cbor_w_finish(&w, &cose_len), HC_OK);
    memcpy(text, HC_PREFIX, 7);
    size_t len = 0;
    assert_int_equal(hc_base45_encode(cose, cose_len, text + 7, cap - 7, &len), HC_OK);
    return len + 7;
}

static hc_err verify_at(const char *text, size_t len, int64_t now, hc_claims *out)
{
    const hc_verify_opts opts = HC_VERIFY_OPTS_DEFAULT;
    return hc_verify(trust, text, len, now, &opts, out);
}

static hc_err verify_parts(const hc_key *key, const parts *p, const hc_claims *c, hc_claims *out)
{
    char text[HC_TOKEN_MAX + 1];
    size_t len = forge(key, p, c, text, sizeof text);
    return verify_at(text, len, NOW, out);
}

/* A token for colour col signed by key, with sub when sub != NULL: through
 * hc_issue where the issuer part is built, through the test minter (the same
 * steps of doc/format.md) in the verify-only build. */
static void make_token(const hc_key *key, hc_colour col, const uint8_t *sub, char *text,
                       size_t cap, size_t *len)
{
#if HC_WITH_ISSUER
    hc_issuer *is = NULL;
    assert_int_equal(hc_issuer_new(ISS, key, &is), HC_OK);
    struct hc_record r;
    memset(&r, 0, sizeof r);
    if (sub) {
        assert_int_equal(hc_issuer_set_subject_secret(is, sub, 16), HC_OK);
        strcpy(r.id, "330402199001011230");
        strcpy(r.id_type, "cn_resident");
    }
    hc_assessment a;
    memset(&a, 0, sizeof a);
    a.colour = col;
    assert_int_equal(hc_issue(is, sub ? &r : NULL, &a, IAT, VALIDITY, text, cap, len), HC_OK);
    hc_issuer_free(is);
#else
    hc_claims c = mint_claims(ISS, IAT, IAT + VALIDITY, col, 0x0102030405060708ull);
    if (sub) {
        c.has_sub = true;
        memcpy(c.sub, sub, 16);
    }
    assert_int_equal(mint_token(key, &c, text, cap, len), HC_OK);
#endif
}

/* ------------------------------------------------------------ round trips */

static void test_round_trip(void **state)
{
    (void)state;
    const hc_key *keys[2] = {es256, ed25519};
    for (int k = 0; k < 2; k++) {
        for (int col = HC_GREEN; col <= HC_RED; col++) {
            char text[HC_TOKEN_MAX + 1];
            size_t len = 0;
            make_token(keys[k], (hc_colour)col, NULL, text, sizeof text, &len);
            assert_int_equal(strlen(text), len);
            hc_claims out;
            assert_int_equal(verify_at(text, len, NOW, &out), HC_OK);
            assert_true(out.header_ok && out.claims_ok);
            assert_int_equal(out.colour, col);
            assert_int_equal(out.alg, keys[k]->alg);
            assert_memory_equal(out.kid, keys[k]->kid, 8);
            assert_string_equal(out.iss, ISS);
            assert_int_equal(out.iat, IAT);
            assert_int_equal(out.exp, EXP);
            assert_string_equal(out.nam, "");
            assert_false(out.has_sub);
            /* the same through hc_inspect, without trust */
            hc_claims ins;
            assert_int_equal(hc_inspect(text, len, &ins), HC_OK);
            assert_int_equal(ins.colour, col);
            assert_memory_equal(ins.cti, out.cti, 8);
        }
    }
}

/* ------------------------------------------------------------ steps 1-3 */

static void test_text_errors(void **state)
{
    (void)state;
    hc_claims c = base_claims(HC_GREEN), out;
    parts p = {0};
    char text[HC_TOKEN_MAX + 8];
    size_t len = forge(es256, &p, &c, text, sizeof text);
    assert_int_equal(verify_at(text, len, NOW, &out), HC_OK);

    text[5] = '2';                                       /* HCODE2: */
    assert_int_equal(verify_at(text, len, NOW, &out), HC_E_PREFIX);
    assert_false(out.header_ok);
    text[5] = '1';
    text[0] = 'h';
    assert_int_equal(verify_at(text, len, NOW, &out), HC_E_PREFIX);
    text[0] = 'H';
    assert_int_equal(verify_at(text, 6, NOW, &out), HC_E_PREFIX);   /* "HCODE1" */
    assert_int_equal(verify_at("", 0, NOW, &out), HC_E_PREFIX);

    char saved = text[10];
    text[10] = (char)(saved >= 'A' && saved <= 'Z' ? saved + 32 : 'a');   /* lower case */
    assert_int_equal(verify_at(text, len, NOW, &out), HC_E_BASE45);
    text[10] = saved;
    /* 3k+1 characters of base45 */
    size_t b45 = len - 7, cut = (b45 - 1) % 3;
    assert_int_equal(verify_at(text, len - cut, NOW, &out), HC_E_BASE45);
    /* over the limit */
    memset(text + len, 'A', sizeof text - len);
    assert_int_equal(verify_at(text, HC_TOKEN_MAX + 1, NOW, &out), HC_E_LIMIT);
}

/* the COSE bytes as text, for byte-level damage */
static size_t text_of(const uint8_t *cose, size_t n, char *text, size_t cap)
{
    memcpy(text, HC_PREFIX, 7);
    size_t len = 0;
    assert_int_equal(hc_base45_encode(cose, n, text + 7, cap - 7, &len), HC_OK);
    return len + 7;
}

static void test_cbor_errors(void **state)
{
    (void)state;
    hc_claims c = base_claims(HC_GREEN), out;
    parts p = {0};
    char text[HC_TOKEN_MAX + 1];
    size_t len = forge(es256, &p, &c, text, sizeof text);
    uint8_t cose[HC_COSE_MAX];
    size_t n = 0;
    assert_int_equal(hc_base45_decode(text + 7, len - 7, cose, sizeof cose, &n), HC_OK);

    /* truncated by one byte */
    len = text_of(cose, n - 1, text, sizeof text);
    assert_int_equal(verify_at(text, len, NOW, &out), HC_E_CBOR);
    /* a byte after the COSE_Sign1 */
    cose[n] = 0x00;
    len = text_of(cose, n + 1, text, sizeof text);
    assert_int_equal(verify_at(text, len, NOW, &out), HC_E_TRAILING);
    /* a second COSE_Sign1 after the first */
    memcpy(cose + n, cose, n);
    len = text_of(cose, 2 * n, text, sizeof text);
    assert_int_equal(verify_at(text, len, NOW, &out), HC_E_TRAILING);
    /* tag 17 instead of 18 */
    cose[0] = 0xd1;
    len = text_of(cose, n, text, sizeof text);
    assert_int_equal(verify_at(text, len, NOW, &out), HC_E_COSE);
    /* untagged: accepted */
    len = text_of(cose + 1, n - 1, text, sizeof text);
    assert_int_equal(verify_at(text, len, NOW, &out), HC_OK);
    /* an array of 3 */
    cose[1] = 0x83;
    len = text_of(cose + 1, n - 1, text, sizeof text);
    assert_int_equal(verify_at(text, len, NOW, &out), HC_E_TRAILING);   /* the 4th item is left over */
    /* an array of 5: the 5th item is missing */
    cose[1] = 0x85;
    len = text_of(cose + 1, n - 1, text, sizeof text);
    assert_int_equal(verify_at(text, len, NOW, &out), HC_E_CBOR);
}

static void test_duplicate_and_indefinite(void **state)
{
    (void)state;
    hc_claims c = base_claims(HC_GREEN), out;
    uint8_t payload[256];
    /* the payload's hcode map with col twice, signed validly */
    size_t n = unhex("a5 01 69 434e2d333330303030 04 1a 5e35e800 06 1a 5e349680"
                     " 07 48 1122334455667788 3a 00010000 a2 01 00 01 02", payload, sizeof payload);
    parts p = {.payload = payload, .payload_len = n};
    assert_int_equal(verify_parts(es256, &p, &c, &out), HC_E_DUPLICATE_KEY);
    assert_false(out.header_ok);
    /* iss twice at the top */
    n = unhex("a6 01 61 41 01 61 42 04 1a 5e35e800 06 1a 5e349680"
              " 07 48 1122334455667788 3a 00010000 a1 01 00", payload, sizeof payload);
    p.payload_len = n;
    assert_int_equal(verify_parts(es256, &p, &c, &out), HC_E_DUPLICATE_KEY);
    /* the same payload with a definite map is valid: the forge is sound */
    n = unhex("a5 01 61 41 04 1a 5e35e800 06 1a 5e349680"
              " 07 48 1122334455667788 3a 00010000 a1 01 00", payload, sizeof payload);
    p.payload_len = n;
    assert_int_equal(verify_parts(es256, &p, &c, &out), HC_OK);
    assert_int_equal(out.exp, 0x5e35e800);
    /* an indefinite-length hcode map */
    n = unhex("a5 01 61 41 04 1a 5e35e800 06 1a 5e349680"
              " 07 48 1122334455667788 3a 00010000 bf 01 00 ff", payload, sizeof payload);
    p.payload_len = n;
    assert_int_equal(verify_parts(es256, &p, &c, &out), HC_E_INDEFINITE);
    /* an indefinite-length string as iss */
    n = unhex("a5 01 7f 61 41 ff 04 1a 5e35e800 06 1a 5e349680"
              " 07 48 1122334455667788 3a 00010000 a1 01 00", payload, sizeof payload);
    p.payload_len = n;
    assert_int_equal(verify_parts(es256, &p, &c, &out), HC_E_INDEFINITE);

    /* the protected header with alg twice, signed validly */
    uint8_t prot[32];
    size_t pl = unhex("a3 01 26 01 26 04 48", prot, sizeof prot);
    memcpy(prot + pl, es256->kid, 8);
    parts q = {.prot = prot, .prot_len = pl + 8};
    assert_int_equal(verify_parts(es256, &q, &c, &out), HC_E_DUPLICATE_KEY);
    /* the unprotected map: ignored, but still checked */
    parts u = {.unprot_hex = "a2 04 41 00 04 41 01"};
    assert_int_equal(verify_parts(es256, &u, &c, &out), HC_E_DUPLICATE_KEY);
    parts v = {.unprot_hex = "bf ff"};
    assert_int_equal(verify_parts(es256, &v, &c, &out), HC_E_INDEFINITE);
    /* issue 12: 4 written as 0x04 and 0x18 0x04; a map nested in an ignored
     * value; invalid UTF-8 in an ignored text (the signature covers none of it) */
    parts u2 = {.unprot_hex = "a2 04 41 00 18 04 41 01"};
    assert_int_equal(verify_parts(es256, &u2, &c, &out), HC_E_DUPLICATE_KEY);
    parts u3 = {.unprot_hex = "a1 18 63 a2 01 00 19 0001 00"};
    assert_int_equal(verify_parts(ed25519, &u3, &c, &out), HC_E_DUPLICATE_KEY);
    parts u4 = {.unprot_hex = "a1 18 63 62 c3 28"};
    assert_int_equal(verify_parts(ed25519, &u4, &c, &out), HC_E_CBOR);
    /* an unprotected kid is never used */
    char hex[64] = "a1 04 48 ";
    for (int i = 0; i < 8; i++)
        sprintf(hex + strlen(hex), "%02x", ed25519->kid[i]);
    parts w = {.unprot_hex = hex};
    assert_int_equal(verify_parts(es256, &w, &c, &out), HC_OK);
    assert_memory_equal(out.kid, es256->kid, 8);
}

/* ------------------------------------------------------------ steps 4-5 */

static void test_kid_alg_signature(void **state)
{
    (void)state;
    hc_claims c = base_claims(HC_YELLOW), out;
    parts p = {0};
    /* a key the store does not hold */
    assert_int_equal(verify_parts(es256_b, &p, &c, &out), HC_E_UNKNOWN_KID);
    assert_true(out.header_ok);
    assert_memory_equal(out.kid, es256_b->kid, 8);
    assert_false(out.claims_ok);
    /* a spoiled signature */
    parts bad = {.flip_sig = true};
    assert_int_equal(verify_parts(es256, &bad, &c, &out), HC_E_SIGNATURE);
    assert_false(out.claims_ok);
    assert_int_equal(verify_parts(ed25519, &bad, &c, &out), HC_E_SIGNATURE);

    /* an ES256 token whose kid names the Ed25519 key */
    uint8_t prot[32];
    size_t pl = 0;
    assert_int_equal(hc_cose_protected_encode(HC_ALG_ES256, ed25519->kid, prot, sizeof prot, &pl), HC_OK);
    parts m = {.prot = prot, .prot_len = pl};
    assert_int_equal(verify_parts(es256, &m, &c, &out), HC_E_ALG);
    /* and EdDSA under the ES256 key's kid */
    assert_int_equal(hc_cose_protected_encode(HC_ALG_EDDSA, es256->kid, prot, sizeof prot, &pl), HC_OK);
    assert_int_equal(verify_parts(ed25519, &m, &c, &out), HC_E_ALG);
    /* an algorithm nobody accepts: -35 (ES384) */
    pl = unhex("a2 01 38 22 04 48", prot, sizeof prot);
    memcpy(prot + pl, es256->kid, 8);
    m.prot_len = pl + 8;
    assert_int_equal(verify_parts(es256, &m, &c, &out), HC_E_ALG);
    /* the same with a kid nobody knows is still an algorithm error: step 4 checks alg first */
    memcpy(prot + pl, es256_b->kid, 8);
    assert_int_equal(verify_parts(es256, &m, &c, &out), HC_E_ALG);
}

static void test_claims_errors(void **state)
{
    (void)state;
    hc_claims c = base_claims(HC_GREEN), out;
    uint8_t payload[256];
    size_t n = unhex("a5 01 69 434e2d333330303030 04 1a 5e35e800 06 1a 5e349680"
                     " 07 48 1122334455667788 3a 00010000 a1 01 03", payload, sizeof payload);
    parts p = {.payload = payload, .payload_len = n};
    assert_int_equal(verify_parts(es256, &p, &c, &out), HC_E_CLAIMS);   /* col 3 */
    assert_true(out.header_ok);
    assert_false(out.claims_ok);
    /* no cti */
    n = unhex("a4 01 69 434e2d333330303030 04 1a 5e35e800 06 1a 5e349680"
              " 3a 00010000 a1 01 00", payload, sizeof payload);
    p.payload_len = n;
    assert_int_equal(verify_parts(ed25519, &p, &c, &out), HC_E_CLAIMS);
    /* payload not a map */
    n = unhex("80", payload, sizeof payload);
    p.payload_len = n;
    assert_int_equal(verify_parts(es256, &p, &c, &out), HC_E_CLAIMS);
}

/* ------------------------------------------------------------ step 7 */

static void test_time_edges(void **state)
{
    (void)state;
    hc_claims c = base_claims(HC_GREEN), out;
    parts p = {0};
    char text[HC_TOKEN_MAX + 1];
    size_t len = forge(ed25519, &p, &c, text, sizeof text);
    assert_int_equal(verify_at(text, len, IAT - 300, &out), HC_OK);
    assert_int_equal(verify_at(text, len, IAT - 301, &out), HC_E_NOT_YET_VALID);
    assert_true(out.claims_ok);   /* what was learnt is kept */
    assert_int_equal(verify_at(text, len, EXP + 299, &out), HC_OK);
    assert_int_equal(verify_at(text, len, EXP + 300, &out), HC_E_EXPIRED);
    /* with no skew the edges are iat and exp themselves */
    hc_verify_opts strict = {0, NULL, 0, false};
    assert_int_equal(hc_verify(trust, text, len, IAT, &strict, &out), HC_OK);
    assert_int_equal(hc_verify(trust, text, len, IAT - 1, &strict, &out), HC_E_NOT_YET_VALID);
    assert_int_equal(hc_verify(trust, text, len, EXP - 1, &strict, &out), HC_OK);
    assert_int_equal(hc_verify(trust, text, len, EXP, &strict, &out), HC_E_EXPIRED);
    hc_verify_opts negative = {-1, NULL, 0, false};
    assert_int_equal(hc_verify(trust, text, len, NOW, &negative, &out), HC_E_ARG);
    /* NULL opts: the default skew */
    assert_int_equal(hc_verify(trust, text, len, EXP + 299, NULL, &out), HC_OK);

    /* exp near INT64_MAX: exp + skew must not overflow into "expired" */
    c.iat = INT64_MAX - 86400;
    c.exp = INT64_MAX;
    len = forge(ed25519, &p, &c, text, sizeof text);
    assert_int_equal(verify_at(text, len, INT64_MAX, &out), HC_OK);
    assert_int_equal(out.exp, INT64_MAX);
    /* iat 0 with now far below: iat - skew stays in range */
    c.iat = 0;
    c.exp = 86400;
    len = forge(ed25519, &p, &c, text, sizeof text);
    assert_int_equal(verify_at(text, len, INT64_MIN, &out), HC_E_NOT_YET_VALID);
    assert_int_equal(verify_at(text, len, -300, &out), HC_OK);
}

/* Issue 12, point 4: a key that leaks after it is retired must not mint
 * tokens that live for decades from an old iat, nor tokens issued after
 * they expire. The lifetime is checked before the clock, at any now. */
static void test_lifetime(void **state)
{
    (void)state;
    hc_claims c = base_claims(HC_GREEN), out;
    parts p = {0};
    char text[HC_TOKEN_MAX + 1];
    /* exactly 30 days: accepted */
    c.exp = IAT + HC_LIFETIME_MAX_S;
    size_t len = forge(ed25519, &p, &c, text, sizeof text);
    assert_int_equal(verify_at(text, len, IAT + 1, &out), HC_OK);
    /* one second more: refused, at every now inside its claimed life */
    c.exp = IAT + HC_LIFETIME_MAX_S + 1;
    len = forge(ed25519, &p, &c, text, sizeof text);
    assert_int_equal(verify_at(text, len, IAT + 1, &out), HC_E_LIFETIME);
    assert_true(out.claims_ok);
    /* 31 days */
    c.exp = IAT + 31 * 86400;
    len = forge(es256, &p, &c, text, sizeof text);
    assert_int_equal(verify_at(text, len, IAT + 1, &out), HC_E_LIFETIME);
    /* backdated by decades, alive for decades */
    c.iat = 1000000000;
    c.exp = 4000000000;
    len = forge(es256, &p, &c, text, sizeof text);
    assert_int_equal(verify_at(text, len, NOW, &out), HC_E_LIFETIME);
    /* iat > exp, even by one second and with now inside the skew of both */
    c.iat = IAT + 1;
    c.exp = IAT;
    len = forge(ed25519, &p, &c, text, sizeof text);
    assert_int_equal(verify_at(text, len, IAT, &out), HC_E_LIFETIME);
    /* iat == exp: a token of no lifetime is consistent; the skew decides */
    c.iat = IAT;
    c.exp = IAT;
    len = forge(ed25519, &p, &c, text, sizeof text);
    assert_int_equal(verify_at(text, len, IAT, &out), HC_OK);
    hc_verify_opts strict = {0, NULL, 0, false};
    assert_int_equal(hc_verify(trust, text, len, IAT, &strict, &out), HC_E_EXPIRED);
    /* the extremes do not overflow */
    c.iat = 0;
    c.exp = INT64_MAX;
    len = forge(ed25519, &p, &c, text, sizeof text);
    assert_int_equal(verify_at(text, len, NOW, &out), HC_E_LIFETIME);
    c.iat = INT64_MAX;
    c.exp = 0;
    len = forge(ed25519, &p, &c, text, sizeof text);
    assert_int_equal(verify_at(text, len, NOW, &out), HC_E_LIFETIME);
    assert_string_equal(hc_err_name(HC_E_LIFETIME), "bad_lifetime");
}

/* ------------------------------------------------------------ the key's conditions */

/* The trust store holds es256 once per given entry (one kid, entries with
 * their own conditions): any entry whose conditions allow the token will do,
 * else the first entry's reason. */
static void test_issuer_and_window(void **state)
{
    (void)state;
    hc_claims c = base_claims(HC_GREEN), out;
    parts p = {0};
    char text[HC_TOKEN_MAX + 1];
    size_t len = forge(es256, &p, &c, text, sizeof text);
    const hc_trust_key_opts none = {NULL, 0, 0};   /* no second entry */
    struct {
        hc_trust_key_opts opts, second;
        hc_err want;
    } cases[] = {
        {{ISS, INT64_MIN, INT64_MAX}, none, HC_OK},
        {{"CN-110000", INT64_MIN, INT64_MAX}, none, HC_E_ISSUER_MISMATCH},
        {{"", INT64_MIN, INT64_MAX}, none, HC_OK},
        {{NULL, IAT, IAT + 1}, none, HC_OK},          /* the window is [not_before, not_after) */
        {{NULL, IAT + 1, INT64_MAX}, none, HC_E_KEY_NOT_VALID},
        {{NULL, 0, IAT}, none, HC_E_KEY_NOT_VALID},
        {{NULL, IAT - 86400, IAT}, none, HC_E_KEY_NOT_VALID},
        {{"CN-110000", IAT + 1, INT64_MAX}, none, HC_E_ISSUER_MISMATCH},   /* issuer first */
        /* issue 12, point 1: a window ending at the epoch is a real bound */
        {{NULL, INT64_MIN, 0}, none, HC_E_KEY_NOT_VALID},
        {{NULL, 0, 1}, none, HC_E_KEY_NOT_VALID},
        /* one kid, two entries */
        {{"CN-110000", INT64_MIN, INT64_MAX}, {ISS, INT64_MIN, INT64_MAX}, HC_OK},
        {{NULL, IAT + 1, INT64_MAX}, {NULL, IAT, IAT + 1}, HC_OK},
        {{"CN-110000", INT64_MIN, INT64_MAX}, {NULL, IAT + 1, INT64_MAX}, HC_E_ISSUER_MISMATCH},
        {{NULL, IAT + 1, INT64_MAX}, {"CN-110000", INT64_MIN, INT64_MAX}, HC_E_KEY_NOT_VALID},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hc_trust *t = NULL;
        assert_int_equal(hc_trust_new(&t), HC_OK);
        assert_int_equal(hc_trust_add_key(t, es256, &cases[i].opts), HC_OK);
        if (cases[i].second.not_after != 0)
            assert_int_equal(hc_trust_add_key(t, es256, &cases[i].second), HC_OK);
        hc_err err = hc_verify(t, text, len, NOW, NULL, &out);
        hc_trust_free(t);
        assert_int_equal(err, cases[i].want);
        if (err != HC_OK)
            assert_true(out.claims_ok);
    }
}

/* ------------------------------------------------------------ step 8 */

static void test_revocation(void **state)
{
    (void)state;
    const uint8_t secret[16] = "0123456789abcdef";
    char text[HC_TOKEN_MAX + 1];
    size_t len = 0;
    make_token(es256, HC_GREEN, secret, text, sizeof text, &len);
    hc_claims out;
    assert_int_equal(verify_at(text, len, NOW, &out), HC_OK);
    assert_true(out.has_sub);

    char line[80];
    hc_revocations *rv = NULL;
    hc_verify_opts opts = {HC_DEFAULT_SKEW_S, NULL, 0, false};
    assert_int_equal(hc_revocations_new(&rv), HC_OK);
    opts.revoked = rv;
    assert_int_equal(hc_verify(trust, text, len, NOW, &opts, &out), HC_OK);   /* empty list */
    line[0] = '\0';
    for (int i = 0; i < 16; i++)
        sprintf(line + strlen(line), "%02x", out.sub[i]);
    assert_int_equal(hc_revocations_add_text(rv, line, strlen(line), NULL), HC_OK);
    assert_int_equal(hc_verify(trust, text, len, NOW, &opts, &out), HC_E_SUBJECT_REVOKED);
    line[0] = '\0';
    for (int i = 0; i < 8; i++)
        sprintf(line + strlen(line), "%02x", out.cti[i]);
    assert_int_equal(hc_revocations_add_text(rv, line, strlen(line), NULL), HC_OK);
    assert_int_equal(hc_verify(trust, text, len, NOW, &opts, &out), HC_E_REVOKED);   /* cti first */
    hc_revocations_free(rv);
}

/* Large tokens: a payload with an unknown key holding 2400 bytes still
 * verifies (the Sig_structure is rebuilt in place in the one stack buffer);
 * a text over HC_TOKEN_MAX is refused before decoding. */
static void test_large_tokens(void **state)
{
    (void)state;
    hc_claims c = base_claims(HC_GREEN), out;
    static uint8_t payload[HC_COSE_MAX];
    size_t n = 0;
    assert_int_equal(hc_claims_encode(&c, payload, sizeof payload, &n), HC_OK);
    assert_int_equal(payload[0], 0xa5);
    payload[0] = 0xa6;
    const size_t big = 2400;
    const uint8_t head[] = {0x18, 0x63, 0x59, (uint8_t)(big >> 8), (uint8_t)big};
    memcpy(payload + n, head, sizeof head);
    memset(payload + n + sizeof head, 0x5a, big);
    parts p = {.payload = payload, .payload_len = n + sizeof head + big};
    char text[HC_TOKEN_MAX + 1];
    size_t len = forge(es256, &p, &c, text, sizeof text);
    assert_true(len > 3700 && len <= HC_TOKEN_MAX);
    assert_int_equal(verify_at(text, len, NOW, &out), HC_OK);
    assert_int_equal(out.iat, IAT);
    /* a big unprotected map too: the payload then moves left in place */
    parts q = p;
    q.unprot_hex = "a1 18 63 58 20 0000000000000000000000000000000000000000000000000000000000000000";
    len = forge(ed25519, &q, &c, text, sizeof text);
    assert_int_equal(verify_at(text, len, NOW, &out), HC_OK);
    q.flip_sig = true;
    len = forge(ed25519, &q, &c, text, sizeof text);
    assert_int_equal(verify_at(text, len, NOW, &out), HC_E_SIGNATURE);
}

/* A CBOR head of major type major carrying v, written in width bytes (1, 2,
 * 3, 5 or 9): the shortest form or any longer one. */
static size_t put_head(uint8_t *out, unsigned major, uint64_t v, unsigned width)
{
    static const uint8_t info[10] = {0, 0, 24, 25, 0, 26, 0, 0, 0, 27};
    if (width == 1) {
        assert_true(v < 24);
        out[0] = (uint8_t)(major << 5 | v);
        return 1;
    }
    out[0] = (uint8_t)(major << 5 | info[width]);
    for (unsigned i = 1; i < width; i++)
        out[i] = (uint8_t)(v >> (8 * (width - 1 - i)));
    return width;
}

/* Issue 25 point 10: step 3 accepts non-shortest heads, and the signature
 * covers the bstrs' contents as received in a Sig_structure of its own
 * (shortest) heads. Every width of the tag (or none), the array, the
 * protected, unprotected, payload and signature heads: one content signed
 * once over the reference Sig_structure (hc_cose_sig_structure, built
 * apart from the verifier's in-place one) verifies under all of them. Long
 * tag + array + protected heads used to move the payload over protected
 * bytes not yet moved: 112 of the issue's 612 combinations were refused as
 * bad_signature. */
static void test_head_widths(void **state)
{
    (void)state;
    static const unsigned widths[] = {1, 2, 3, 5, 9};
    const hc_key *keys[] = {ed25519, es256};
    for (size_t k = 0; k < 2; k++) {
        const hc_key *key = keys[k];
        hc_claims c = base_claims(HC_YELLOW), out;
        strcpy(c.nam, "张*");
        strcpy(c.doc, "3304**********1230");
        uint8_t prot[32], payload[HC_COSE_MAX], sig[64];
        size_t prot_len, payload_len;
        assert_int_equal(hc_cose_protected_encode(key->alg, key->kid, prot, sizeof prot, &prot_len), HC_OK);
        assert_int_equal(hc_claims_encode(&c, payload, sizeof payload, &payload_len), HC_OK);
        assert_true(payload_len >= 24 && payload_len < 256);
        sign_contents(key, prot, prot_len, payload, payload_len, sig);
        size_t combos = 0, bad = 0;
        for (unsigned tw = 0; tw <= 5; tw++)          /* 0: untagged */
        for (unsigned aw = 0; aw < 5; aw++)
        for (unsigned pw = 0; pw < 5; pw++)
        for (unsigned uw = 0; uw < 5; uw++)
        for (unsigned yw = 1; yw < 5; yw++)           /* 24 and more: 2 bytes at least */
        for (unsigned sw = 1; sw < 5; sw++) {
            uint8_t cose[HC_COSE_MAX];
            size_t n = 0;
            if (tw)
                n += put_head(cose + n, 6, 18, widths[tw - 1]);
            n += put_head(cose + n, 4, 4, widths[aw]);
            n += put_head(cose + n, 2, prot_len, widths[pw]);
            memcpy(cose + n, prot, prot_len);
            n += prot_len;
            n += put_head(cose + n, 5, 0, widths[uw]);
            n += put_head(cose + n, 2, payload_len, widths[yw]);
            memcpy(cose + n, payload, payload_len);
            n += payload_len;
            n += put_head(cose + n, 2, 64, widths[sw]);
            memcpy(cose + n, sig, 64);
            n += 64;
            char text[HC_TOKEN_MAX + 1];
            size_t len = 0;
            memcpy(text, HC_PREFIX, 7);
            assert_int_equal(hc_base45_encode(cose, n, text + 7, sizeof text - 7, &len), HC_OK);
            hc_err err = verify_at(text, len + 7, NOW, &out);
            if (err != HC_OK && bad++ < 3)
                print_message("widths tag %u array %u prot %u unprot %u payload %u sig %u: %s\n",
                              tw ? widths[tw - 1] : 0, widths[aw], widths[pw], widths[uw],
                              widths[yw], widths[sw], hc_err_name(err));
            combos++;
        }
        assert_int_equal(combos, 6 * 5 * 5 * 5 * 4 * 4);
        assert_int_equal(bad, 0);
        assert_int_equal(out.colour, HC_YELLOW);
        assert_string_equal(out.nam, "张*");
    }
}

static void test_arguments(void **state)
{
    (void)state;
    hc_claims out;
    assert_int_equal(hc_verify(NULL, "HCODE1:", 7, NOW, NULL, &out), HC_E_ARG);
    assert_int_equal(hc_verify(trust, NULL, 5, NOW, NULL, &out), HC_E_ARG);
    assert_int_equal(hc_verify(trust, "HCODE1:", 7, NOW, NULL, NULL), HC_E_ARG);
    assert_int_equal(hc_inspect("HCODE1:", 7, NULL), HC_E_ARG);
    assert_int_equal(hc_inspect("HCODE1:", 7, &out), HC_E_CBOR);   /* nothing after the prefix */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_text_errors),
        cmocka_unit_test(test_cbor_errors),
        cmocka_unit_test(test_duplicate_and_indefinite),
        cmocka_unit_test(test_kid_alg_signature),
        cmocka_unit_test(test_claims_errors),
        cmocka_unit_test(test_time_edges),
        cmocka_unit_test(test_lifetime),
        cmocka_unit_test(test_issuer_and_window),
        cmocka_unit_test(test_revocation),
        cmocka_unit_test(test_large_tokens),
        cmocka_unit_test(test_head_widths),
        cmocka_unit_test(test_arguments),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

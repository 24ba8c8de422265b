/* make_vectors.c — writes the JSON test vectors of tests/vectors/ (format in
 * tests/vectors/README.md) from the fixed keys of tests/keys/.
 *
 *   build/tests/make_vectors [OUT_DIR]     (default: $HC_SOURCE_ROOT/tests/vectors)
 *
 * ES256 signatures are randomised, so each run writes different (equally
 * valid) tokens; the committed files are one such run. Malformed tokens are
 * signed validly with the internal encoders, so each fails at its own step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <healthcode/issue.h>
#include <healthcode/present.h>
#include "cbor_impl.h"
#include "mint.h"
#include "crypto_impl.h"
#include "internal.h"
#include "record_impl.h"
#include "token_impl.h"

#define IAT 1580515200   /* 2020-02-01T00:00:00Z */
#define EXP (IAT + 7 * 86400)
#define NOW (IAT + 86400)

static const char *root;

/* a file of the source tree (tests/common.h), or the generator stops */
static char *read_source(const char *rel)
{
    char *data = th_read_source(rel, NULL);
    if (!data) {
        fprintf(stderr, "make_vectors: cannot read %s/%s\n", root, rel);
        exit(1);
    }
    return data;
}

static hc_key *key_of(const char *rel)
{
    hc_key *k = th_load_key(rel);
    if (!k) {
        fprintf(stderr, "make_vectors: bad key %s\n", rel);
        exit(1);
    }
    return k;
}

static void check(hc_err err, const char *what)
{
    if (err != HC_OK) {
        fprintf(stderr, "make_vectors: %s: %s\n", what, hc_err_name(err));
        exit(1);
    }
}

/* hex to bytes (tests/common.h); bad hex or too long stops the generator */
static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = th_unhex(hex, out, cap);
    if (n == TH_HEX_BAD)
        exit(1);
    return n;
}

typedef struct {
    const uint8_t *prot;
    size_t prot_len;
    const uint8_t *payload;
    size_t payload_len;
    bool untagged, flip_sig, truncate, trailing;
    int sig_len;       /* 0: 64 */
} parts;

static hc_claims claims(hc_colour col)
{
    hc_claims c;
    memset(&c, 0, sizeof c);
    strcpy(c.iss, "CN-330000");
    c.iat = IAT;
    c.exp = EXP;
    c.colour = col;
    memcpy(c.cti, "\x01\x23\x45\x67\x89\xab\xcd\xef", 8);
    strcpy(c.nam, "张*");
    strcpy(c.doc, "3304**********1230");
    c.reg = 330402;
    return c;
}

/* "HCODE1:" + base45(COSE_Sign1) of the parts, signed by key. */
static void forge(const hc_key *key, const parts *p, const hc_claims *c, char *text, size_t cap)
{
    uint8_t prot[64], payload[512], tbs[1024], cose[1024], sig[64];
    size_t prot_len = p->prot_len, payload_len = p->payload_len, tbs_len, cose_len, len;
    if (p->prot)
        memcpy(prot, p->prot, prot_len);
    else
        check(hc_cose_protected_encode(key->alg, key->kid, prot, sizeof prot, &prot_len), "prot");
    if (p->payload)
        memcpy(payload, p->payload, payload_len);
    else
        check(hc_claims_encode(c, payload, sizeof payload, &payload_len), "claims");
    check(hc_cose_sig_structure(prot, prot_len, payload, payload_len, tbs, sizeof tbs, &tbs_len), "tbs");
    hc_signer *s = NULL;
    check(hc_signer_new(key, &s), "signer");
    check(hc_signer_sign(s, tbs, tbs_len, sig), "sign");
    hc_signer_free(s);
    if (p->flip_sig)
        sig[10] ^= 0x40;
    hc_cbor_writer w;
    hc_cbor_w_init(&w, cose, sizeof cose);
    if (!p->untagged)
        hc_cbor_w_tag(&w, 18);
    hc_cbor_w_array(&w, 4);
    hc_cbor_w_bstr(&w, prot, prot_len);
    hc_cbor_w_map(&w, 0);
    hc_cbor_w_bstr(&w, payload, payload_len);
    hc_cbor_w_bstr(&w, sig, p->sig_len ? (size_t)p->sig_len : 64);
    if (p->trailing)
        hc_cbor_w_raw(&w, (const uint8_t *)"\xf6", 1);
    check(hc_cbor_w_finish(&w, &cose_len), "cose");
    if (p->truncate)
        cose_len -= 3;
    memcpy(text, HC_PREFIX, 7);
    check(hc_base45_encode(cose, cose_len, text + 7, cap - 7, &len), "base45");
}

static const char *step_names[] = {"prefix", "base45", "cose", "kid", "signature", "claims", "time"};

static const char *p_names[] = {"p1", "p2", "p3", "p4", "p5"};

/* Writes one vector: flags[0..n) are its steps' names, failed the index of
 * the first that fails (n for a valid one); window > 0 adds live_window. */
static void write_vector(const char *dir, const char *name, const char *description,
                         const char *token, const char *pub_rel, const char *iss, int64_t now,
                         int64_t skew, int64_t window, const char *const *flags, int n, int failed,
                         const char *error)
{
    /* HC_VECTORS_ONLY=sm2: rewrite only the vectors whose name has "sm2"
     * (signatures are randomised: the others would change for nothing) */
    const char *only = getenv("HC_VECTORS_ONLY");
    if (only && *only && !strstr(name, only))
        return;
    char *pem = read_source(pub_rel);
    json_t *expected = json_object();
    for (int i = 0; i < n; i++)
        json_object_set_new(expected, flags[i], json_boolean(i < failed));
    json_object_set_new(expected, "valid", json_boolean(failed == n));
    json_t *v = json_object();
    json_object_set_new(v, "description", json_string(description));
    json_object_set_new(v, "token", json_string(token));
    json_object_set_new(v, "public_key_pem", json_string(pem));
    if (iss)
        json_object_set_new(v, "iss", json_string(iss));
    json_object_set_new(v, "now", json_integer(now));
    json_object_set_new(v, "skew", json_integer(skew));
    if (window > 0)
        json_object_set_new(v, "live_window", json_integer(window));
    json_object_set_new(v, "expected", expected);
    json_object_set_new(v, "error", json_string(error));
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    if (json_dump_file(v, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
        fprintf(stderr, "make_vectors: cannot write %s\n", path);
        exit(1);
    }
    json_decref(v);
    free(pem);
}

/* A token vector; failed_step is the index in step_names of the first
 * step that fails, 7 for a valid token. */
static void emit(const char *dir, const char *name, const char *description, const char *token,
                 const char *pub_rel, const char *iss, int64_t now, int64_t skew, int failed_step,
                 const char *error)
{
    write_vector(dir, name, description, token, pub_rel, iss, now, skew, 0, step_names, 7,
                 failed_step, error);
}

/* ---- issue 22: live presentations (doc/format.md P1-P5) ---- */

/* A presentation vector: failed is the index of the first P-step that
 * fails (0 = P1 … 4 = P5), 5 for a live one. */
static void emit_live(const char *dir, const char *name, const char *description, const char *text,
                      const char *pub_rel, int64_t now, int64_t window, int failed, const char *error)
{
    write_vector(dir, name, description, text, pub_rel, NULL, now, 300, window, p_names, 5, failed,
                 error);
}

/* A token of claims c signed by issuer, bound to device (NULL: unbound). */
static void bound_token(const hc_key *issuer, const hc_key *device, hc_claims c, char *text, size_t cap)
{
    size_t len = 0;
    if (device)
        check(mint_bind(&c, device), "bind");
    check(mint_token(issuer, &c, text, cap, &len), "token");
}

/* A presentation with its payload written from hex pieces around the token. */
static void odd_presentation(const hc_key *device, const char *prot_hex, const char *head_hex,
                             const char *tail_hex, const char *token, char *text, size_t cap)
{
    static uint8_t cose[HC_COSE_MAX], payload[HC_COSE_MAX + 64];
    uint8_t prot[64];
    size_t cose_len = 0, len = 0;
    check(mint_cose_of(token, strlen(token), cose, &cose_len), "token bytes");
    size_t pl = unhex(head_hex, payload, sizeof payload), prl = unhex(prot_hex, prot, sizeof prot);
    hc_cbor_writer w;
    hc_cbor_w_init(&w, payload + pl, sizeof payload - pl);
    hc_cbor_w_bstr(&w, cose, cose_len);
    size_t wl = 0;
    check(hc_cbor_w_finish(&w, &wl), "payload");
    pl += wl;
    pl += unhex(tail_hex, payload + pl, sizeof payload - pl);
    check(mint_presentation_raw(device, prot, prl, payload, pl, false, text, cap, &len), "presentation");
}

static void make_live(const char *out, const hc_key *es, const hc_key *ed, const hc_key *sm)
{
    hc_key *d_es = key_of("tests/keys/device-es256.pem"), *d_ed = key_of("tests/keys/device-ed25519.pem");
    hc_key *d_sm = key_of("tests/keys/device-sm2.pem");
    const char *es_pub = "tests/keys/es256.pub.pem", *ed_pub = "tests/keys/ed25519.pub.pem";
    const char *sm_pub = "tests/keys/sm2.pub.pem";
    static char tok[HC_TOKEN_MAX + 1], pres[HC_TOKEN_MAX + 1];
    size_t len = 0;
    const int64_t t = NOW - 20;

    /* the valid ones: each device algorithm, each under its own issuer algorithm */
    bound_token(es, d_es, claims(HC_GREEN), tok, sizeof tok);
    emit(out, "valid_es256_bound", "ES256 token bound to a P-256 device key (cnf), shown plain: valid, "
         "not live", tok, es_pub, NULL, NOW, 300, 7, "ok");
    check(hc_present(tok, strlen(tok), d_es, t, pres, sizeof pres, &len), "present");
    emit_live(out, "live_valid_es256", "ES256 token bound to a P-256 device, presented 20 s before now",
              pres, es_pub, NOW, 60, 5, "ok");
    emit_live(out, "live_valid_window_edge", "the same, now = t + 60: the edge of the default window",
              pres, es_pub, t + 60, 60, 5, "ok");
    emit_live(out, "live_stale", "the same, now = t + 61: stale", pres, es_pub, t + 61, 60, 4,
              "stale_presentation");
    emit_live(out, "live_future", "the same, now = t - 61: made in the future", pres, es_pub, t - 61,
              60, 4, "stale_presentation");
    {   /* one bit of the device signature (its last byte) changed */
        static uint8_t pc[HC_COSE_MAX];
        size_t pcl = 0;
        check(hc_base45_decode(pres + 8, len - 8, pc, sizeof pc, &pcl), "decode");
        pc[pcl - 1] ^= 1;
        check(mint_text(HC_LIVE_PREFIX, pc, pcl, pres, sizeof pres, &len), "encode");
    }
    emit_live(out, "live_bad_device_signature", "one bit of the device signature changed",
              pres, es_pub, NOW, 60, 3, "bad_device_signature");

    bound_token(ed, d_ed, claims(HC_YELLOW), tok, sizeof tok);
    check(hc_present(tok, strlen(tok), d_ed, t, pres, sizeof pres, &len), "present");
    emit_live(out, "live_valid_eddsa", "EdDSA token bound to an Ed25519 device", pres, ed_pub, NOW, 60,
              5, "ok");
    check(mint_presentation(d_es, HC_ALG_ES256, tok, strlen(tok), (uint64_t)t, pres, sizeof pres, &len),
          "present");
    emit_live(out, "live_es256_on_ed25519", "an ES256 presentation of an Ed25519-bound token", pres,
              ed_pub, NOW, 60, 2, "device_algorithm_mismatch");

    bound_token(sm, d_sm, claims(HC_GREEN), tok, sizeof tok);
    check(hc_present(tok, strlen(tok), d_sm, t, pres, sizeof pres, &len), "present");
    emit_live(out, "live_valid_sm2", "SM2 token bound to an SM2 device (SM2 with SM3, ID "
              "1234567812345678, both signatures)", pres, sm_pub, NOW, 60, 5, "ok");
    check(mint_presentation(d_es, HC_ALG_SM2, tok, strlen(tok), (uint64_t)t, pres, sizeof pres, &len),
          "present");
    emit_live(out, "live_bad_device_signature_sm2", "alg SM2 signed by another key (a P-256 key as "
              "SM2 would not load: signed with ES256, labelled SM2)", pres, sm_pub, NOW, 60, 3,
              "bad_device_signature");

    bound_token(es, d_es, claims(HC_GREEN), tok, sizeof tok);
    check(mint_presentation(d_ed, HC_ALG_EDDSA, tok, strlen(tok), (uint64_t)t, pres, sizeof pres, &len),
          "present");
    emit_live(out, "live_eddsa_on_p256", "an EdDSA signature on a P-256-bound token", pres, es_pub, NOW,
              60, 2, "device_algorithm_mismatch");
    odd_presentation(d_es, "a1 01 26", "83", "1a 5e35c7ec 00", tok, pres, sizeof pres);
    emit_live(out, "live_three_items", "validly signed; the payload is [token, t, 0]", pres, es_pub,
              NOW, 60, 0, "bad_presentation");
    odd_presentation(d_es, "a1 01 26", "82", "20", tok, pres, sizeof pres);
    emit_live(out, "live_t_negative", "validly signed; t is -1", pres, es_pub, NOW, 60, 0,
              "bad_presentation");
    odd_presentation(d_es, "a1 01 26", "82", "c2 49 010000000000000000", tok, pres, sizeof pres);
    emit_live(out, "live_t_bignum", "validly signed; t is 2^64 as a bignum (beyond 64 bits)", pres,
              es_pub, NOW, 60, 0, "bad_presentation");
    uint8_t kid[HC_KID_LEN];
    check(hc_key_kid(d_es, kid), "kid");
    odd_presentation(d_es, "a2 01 26 04 48 9ad614a58048228c", "82", "1a 5e35c7ec", tok, pres,
                     sizeof pres);
    emit_live(out, "live_protected_kid", "validly signed; the protected header has a kid beside alg",
              pres, es_pub, NOW, 60, 0, "bad_presentation");

    /* a presentation inside a presentation: the token is a presentation's bytes */
    check(hc_present(tok, strlen(tok), d_es, t, pres, sizeof pres, &len), "present");
    static uint8_t inner[HC_COSE_MAX], payload[HC_COSE_MAX + 16];
    size_t inner_len = 0, pl = 0;
    check(hc_base45_decode(pres + 8, len - 8, inner, sizeof inner, &inner_len), "inner");
    check(hc_pres_payload_encode(inner, inner_len, (uint64_t)t, payload, sizeof payload, &pl), "payload");
    check(mint_presentation_raw(d_es, (const uint8_t *)"\xa1\x01\x26", 3, payload, pl, false, pres,
                                sizeof pres, &len), "outer");
    emit_live(out, "live_inside_live", "a presentation whose token is another presentation (the "
              "inner one has no kid: step 3 of the token)", pres, es_pub, NOW, 60, 1, "bad_cose");

    hc_claims c = claims(HC_GREEN);
    c.exp = NOW - 400;
    bound_token(es, d_es, c, tok, sizeof tok);
    check(hc_present(tok, strlen(tok), d_es, t, pres, sizeof pres, &len), "present");
    emit_live(out, "live_token_expired", "a live presentation of an expired token", pres, es_pub, NOW,
              60, 1, "expired");

    bound_token(es, NULL, claims(HC_GREEN), tok, sizeof tok);
    check(mint_presentation(d_es, HC_ALG_ES256, tok, strlen(tok), (uint64_t)t, pres, sizeof pres, &len),
          "present");
    emit_live(out, "live_unbound_token", "a presentation of a token with no cnf", pres, es_pub, NOW, 60,
              2, "unbound_token");

    /* a cnf whose point is off P-256: x = 1 has no y (x^3 - 3x + b is not a
     * square mod p), so the token is malformed at step 6, plain or presented */
    uint8_t pay[256];
    size_t n = unhex("a6 01 69 434e2d333330303030 04 1a 5e3dfa00 06 1a 5e34bf80 07 48 0123456789abcdef"
                     " 08 a1 01 a4 01 02 20 01 21 58 20 0000000000000000000000000000000000000000000000000000000000000001"
                     " 22 f4 3a 00010000 a1 01 00", pay, sizeof pay);
    parts offc = {.payload = pay, .payload_len = n};
    c = claims(HC_GREEN);
    forge(es, &offc, &c, tok, sizeof tok);
    emit(out, "bad_claims_cnf_off_curve", "validly signed; the cnf's P-256 x (1) has no point on the "
         "curve", tok, es_pub, NULL, NOW, 300, 5, "bad_claims");
    check(mint_presentation(d_es, HC_ALG_ES256, tok, strlen(tok), (uint64_t)t, pres, sizeof pres, &len),
          "present");
    emit_live(out, "live_cnf_off_curve", "a presentation of that token", pres, es_pub, NOW, 60, 1,
              "bad_claims");
    n = unhex("a6 01 69 434e2d333330303030 04 1a 5e3dfa00 06 1a 5e34bf80 07 48 0123456789abcdef"
              " 08 a1 01 a4 01 02 20 06 21 58 20 0000000000000000000000000000000000000000000000000000000000000009"
              " 22 f4 3a 00010000 a1 01 00", pay, sizeof pay);
    parts wrongc = {.payload = pay, .payload_len = n};
    forge(es, &wrongc, &c, tok, sizeof tok);
    emit(out, "bad_claims_cnf_wrong_curve", "validly signed; the cnf is kty EC2 with crv Ed25519", tok,
         es_pub, NULL, NOW, 300, 5, "bad_claims");
    hc_key_free(d_es);
    hc_key_free(d_ed);
    hc_key_free(d_sm);
}

int main(int argc, char **argv)
{
    root = getenv("HC_SOURCE_ROOT");
    if (!root)
        root = HC_SOURCE_ROOT;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/vectors", root);
    const char *out = argc > 1 ? argv[1] : dir;

    hc_key *es = key_of("tests/keys/es256.pem"), *ed = key_of("tests/keys/ed25519.pem");
    hc_key *es_b = key_of("tests/keys/es256-b.pem");
    const char *es_pub = "tests/keys/es256.pub.pem", *ed_pub = "tests/keys/ed25519.pub.pem";
    char text[HC_TOKEN_MAX + 1];
    hc_claims c = claims(HC_GREEN);
    parts p = {0};

    forge(es, &p, &c, text, sizeof text);
    emit(out, "valid_es256_green", "ES256, green, every claim the issuer writes", text, es_pub,
         NULL, NOW, 300, 7, "ok");
    emit(out, "valid_es256_issuer", "ES256, the key trusted for iss CN-330000 only", text, es_pub,
         "CN-330000", NOW, 300, 7, "ok");
    emit(out, "issuer_mismatch", "the key is trusted for CN-110000, the token says CN-330000",
         text, es_pub, "CN-110000", NOW, 300, 4, "issuer_mismatch");
    emit(out, "expired_es256", "now = exp + skew: expired", text, es_pub, NULL, EXP + 300, 300, 6,
         "expired");
    emit(out, "valid_es256_skew_edge", "now = exp + skew - 1: still valid", text, es_pub, NULL,
         EXP + 299, 300, 7, "ok");

    c = claims(HC_YELLOW);
    forge(ed, &p, &c, text, sizeof text);
    emit(out, "valid_eddsa_yellow", "EdDSA, yellow", text, ed_pub, NULL, NOW, 300, 7, "ok");
    emit(out, "not_yet_valid_eddsa", "now = iat - skew - 1: not yet valid", text, ed_pub, NULL,
         IAT - 301, 300, 6, "not_yet_valid");
    text[0] = 'X';
    emit(out, "bad_prefix", "the text starts XCODE1:", text, ed_pub, NULL, NOW, 300, 0, "bad_prefix");
    text[0] = 'H';
    text[20] = (char)(text[20] >= 'A' && text[20] <= 'Z' ? text[20] + 32 : 'a');
    emit(out, "bad_base45", "one character in lower case", text, ed_pub, NULL, NOW, 300, 1,
         "bad_base45");

    c = claims(HC_RED);
    parts untagged = {.untagged = true};
    forge(es, &untagged, &c, text, sizeof text);
    emit(out, "valid_es256_red_untagged", "ES256, red, COSE_Sign1 without tag 18 (accepted)",
         text, es_pub, NULL, NOW, 300, 7, "ok");

    parts trunc = {.truncate = true};
    forge(es, &trunc, &c, text, sizeof text);
    emit(out, "bad_cbor_truncated", "the COSE bytes lack their last 3 bytes", text, es_pub, NULL,
         NOW, 300, 2, "bad_cbor");
    parts trail = {.trailing = true};
    forge(ed, &trail, &c, text, sizeof text);
    emit(out, "trailing_bytes", "a CBOR null after the COSE_Sign1", text, ed_pub, NULL, NOW, 300, 2,
         "trailing_bytes");
    parts shortsig = {.sig_len = 63};
    forge(es, &shortsig, &c, text, sizeof text);
    emit(out, "bad_cose_signature_length", "a signature bstr of 63 bytes", text, es_pub, NULL,
         NOW, 300, 2, "bad_cose");

    uint8_t payload[256];
    size_t n = unhex("a5 01 69 434e2d333330303030 04 1a 5e3dfa00 06 1a 5e34bf80 07 48 0123456789abcdef"
                     " 3a 00010000 a2 01 00 01 02", payload, sizeof payload);
    parts dup = {.payload = payload, .payload_len = n};
    forge(es, &dup, &c, text, sizeof text);
    emit(out, "duplicate_key_payload", "validly signed; the hcode map has col twice (0 and 2)",
         text, es_pub, NULL, NOW, 300, 2, "duplicate_key");
    uint8_t prot[32];
    size_t pl = unhex("a3 01 27 01 27 04 48", prot, sizeof prot);
    memcpy(prot + pl, ed->kid, 8);
    parts dupp = {.prot = prot, .prot_len = pl + 8};
    forge(ed, &dupp, &c, text, sizeof text);
    emit(out, "duplicate_key_protected", "validly signed; the protected header has alg twice",
         text, ed_pub, NULL, NOW, 300, 2, "duplicate_key");
    n = unhex("a5 01 69 434e2d333330303030 04 1a 5e3dfa00 06 1a 5e34bf80 07 48 0123456789abcdef"
              " 3a 00010000 bf 01 00 ff", payload, sizeof payload);
    parts indef = {.payload = payload, .payload_len = n};
    forge(ed, &indef, &c, text, sizeof text);
    emit(out, "indefinite_length", "validly signed; the hcode map has an indefinite length", text,
         ed_pub, NULL, NOW, 300, 2, "indefinite_length");

    forge(es_b, &p, &c, text, sizeof text);
    emit(out, "unknown_kid", "signed by a key (es256-b) the verifier does not hold", text, es_pub,
         NULL, NOW, 300, 3, "unknown_kid");
    pl = 0;
    check(hc_cose_protected_encode(HC_ALG_ES256, ed->kid, prot, sizeof prot, &pl), "prot");
    parts mism = {.prot = prot, .prot_len = pl};
    forge(es, &mism, &c, text, sizeof text);
    emit(out, "algorithm_mismatch", "alg ES256 under the kid of the trusted Ed25519 key", text,
         ed_pub, NULL, NOW, 300, 3, "algorithm_mismatch");

    parts flip = {.flip_sig = true};
    forge(es, &flip, &c, text, sizeof text);
    emit(out, "bad_signature_es256", "one bit of r changed", text, es_pub, NULL, NOW, 300, 4,
         "bad_signature");
    forge(ed, &flip, &c, text, sizeof text);
    emit(out, "bad_signature_eddsa", "one bit of R changed", text, ed_pub, NULL, NOW, 300, 4,
         "bad_signature");

    n = unhex("a5 01 69 434e2d333330303030 04 1a 5e3dfa00 06 1a 5e34bf80 07 48 0123456789abcdef"
              " 3a 00010000 a1 01 03", payload, sizeof payload);
    parts col3 = {.payload = payload, .payload_len = n};
    forge(ed, &col3, &c, text, sizeof text);
    emit(out, "bad_claims_colour", "validly signed; col is 3", text, ed_pub, NULL, NOW, 300, 5,
         "bad_claims");
    n = unhex("a4 01 69 434e2d333330303030 04 1a 5e3dfa00 06 1a 5e34bf80"
              " 3a 00010000 a1 01 00", payload, sizeof payload);
    parts nocti = {.payload = payload, .payload_len = n};
    forge(es, &nocti, &c, text, sizeof text);
    emit(out, "bad_claims_no_cti", "validly signed; no cti", text, es_pub, NULL, NOW, 300, 5,
         "bad_claims");

    /* SM2 with SM3 (alg -65537): tests/sm2_interop.sh also checks these
     * against sm-crypto, both ways */
    hc_key *sm = key_of("tests/keys/sm2.pem");
    const char *sm_pub = "tests/keys/sm2.pub.pem";
    c = claims(HC_GREEN);
    forge(sm, &p, &c, text, sizeof text);
    emit(out, "valid_sm2_green", "SM2 with SM3, ID 1234567812345678, green", text, sm_pub, NULL,
         NOW, 300, 7, "ok");
    emit(out, "expired_sm2", "SM2: now = exp + skew: expired", text, sm_pub, NULL, EXP + 300, 300,
         6, "expired");
    c = claims(HC_YELLOW);
    forge(sm, &untagged, &c, text, sizeof text);
    emit(out, "valid_sm2_yellow_untagged", "SM2, yellow, COSE_Sign1 without tag 18", text, sm_pub,
         NULL, NOW, 300, 7, "ok");
    c = claims(HC_RED);
    forge(sm, &flip, &c, text, sizeof text);
    emit(out, "bad_signature_sm2", "SM2: one bit of r changed", text, sm_pub, NULL, NOW, 300, 4,
         "bad_signature");
    pl = 0;
    check(hc_cose_protected_encode(HC_ALG_SM2, es->kid, prot, sizeof prot, &pl), "prot");
    parts mism_sm = {.prot = prot, .prot_len = pl};
    forge(es, &mism_sm, &c, text, sizeof text);
    emit(out, "algorithm_mismatch_sm2", "alg SM2 under the kid of the trusted ES256 key", text,
         es_pub, NULL, NOW, 300, 3, "algorithm_mismatch");
    pl = 0;
    check(hc_cose_protected_encode(HC_ALG_ES256, sm->kid, prot, sizeof prot, &pl), "prot");
    parts mism_es = {.prot = prot, .prot_len = pl};
    forge(sm, &mism_es, &c, text, sizeof text);
    emit(out, "algorithm_mismatch_es256_on_sm2", "alg ES256 under the kid of the trusted SM2 key "
         "(signed with SM2)", text, sm_pub, NULL, NOW, 300, 3, "algorithm_mismatch");

    hc_key_free(sm);

    /* issue 12: what a hostile tester found accepted */
    n = unhex("a7 01 69 434e2d333330303030 04 1a 5e3dfa00 06 1a 5e34bf80 07 48 0123456789abcdef"
              " 18 63 00 19 0063 01 3a 00010000 a1 01 00", payload, sizeof payload);
    parts dupv = {.payload = payload, .payload_len = n};
    forge(ed, &dupv, &c, text, sizeof text);
    emit(out, "duplicate_key_by_value", "validly signed; an unknown claim has key 99 twice, "
         "written 0x18 0x63 and 0x19 0x00 0x63 (keys are compared by value)", text, ed_pub, NULL,
         NOW, 300, 2, "duplicate_key");
    n = unhex("a6 01 69 434e2d333330303030 04 1a 5e3dfa00 06 1a 5e34bf80 07 48 0123456789abcdef"
              " 18 63 62 c3 28 3a 00010000 a1 01 00", payload, sizeof payload);
    parts utf8 = {.payload = payload, .payload_len = n};
    forge(ed, &utf8, &c, text, sizeof text);
    emit(out, "invalid_utf8_unknown_claim", "validly signed; an unknown claim (99) is a text "
         "string of invalid UTF-8 (c3 28)", text, ed_pub, NULL, NOW, 300, 2, "bad_cbor");
    c = claims(HC_GREEN);
    c.exp = c.iat - 1;
    forge(ed, &p, &c, text, sizeof text);
    emit(out, "iat_after_exp", "iat = exp + 1, now = iat: within the skew of both, yet "
         "issued after it expires", text, ed_pub, NULL, IAT, 300, 6, "bad_lifetime");
    c.exp = c.iat + 31 * 86400;
    forge(es, &p, &c, text, sizeof text);
    emit(out, "lifetime_31_days", "exp - iat is 31 days, one day over the 30 allowed", text,
         es_pub, NULL, NOW, 300, 6, "bad_lifetime");

    hc_key *sm2 = key_of("tests/keys/sm2.pem");
    make_live(out, es, ed, sm2);
    hc_key_free(sm2);

    hc_key_free(es);
    hc_key_free(ed);
    hc_key_free(es_b);
    return 0;
}

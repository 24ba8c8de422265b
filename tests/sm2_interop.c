/* sm2_interop.c — the C half of tests/sm2_interop.sh: hands sm-crypto (an
 * independent SM2/SM3 implementation, tests/sm2/sm2.js) our SM2 signatures to
 * verify, and puts its signatures into tokens for hc_verify.
 *
 *   sm2_interop export CASES.json   the SM2 vectors of tests/vectors and N
 *                                   fresh tokens of a new key: for each, the
 *                                   public point, Sig_structure, r||s and
 *                                   whether it must verify; the vector key's
 *                                   private scalar (a test key) for signing
 *   sm2_interop import SIGNED.json  every vector token with sm-crypto's
 *                                   signature in place of ours: hc_verify must
 *                                   give the vector's result (bad_signature
 *                                   vectors become valid: only r was bad); a
 *                                   flipped bit of sm-crypto's r: bad_signature
 *
 * Exit 0 when every check holds; prints one line a failure. */
#include "mint.h"

#include <dirent.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>

#define FRESH 24
#define NOW_FRESH 1581300000

static const char *root;

static void die(const char *what)
{
    fprintf(stderr, "sm2_interop: %s\n", what);
    exit(1);
}

static void hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

static json_t *jhex(const uint8_t *b, size_t n)
{
    char *h = malloc(2 * n + 1);
    if (!h)
        die("memory");
    hex(b, n, h);
    json_t *s = json_string(h);
    free(h);
    return s;
}

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = th_unhex(h, out, cap);
    if (n == TH_HEX_BAD)
        die("bad hex or too long");
    return n;
}

/* '04' || X || Y of an SM2 key, as sm-crypto takes public keys. */
static json_t *point_of(const hc_key *k)
{
    uint8_t pt[65] = {0x04};
    BIGNUM *x = NULL, *y = NULL;
    if (EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x) != 1 ||
        EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y) != 1 ||
        BN_bn2binpad(x, pt + 1, 32) != 32 || BN_bn2binpad(y, pt + 33, 32) != 32)
        die("public point");
    BN_free(x);
    BN_free(y);
    return jhex(pt, 65);
}

/* A token's COSE bytes, and its Sig_structure / signature. */
typedef struct {
    uint8_t cose[HC_COSE_MAX];
    size_t cose_len;
    uint8_t tbs[HC_COSE_MAX + 64];
    size_t tbs_len;
    const uint8_t *sig; /* into cose */
} opened;

static void open_token(const char *text, opened *o)
{
    hc_cose_view v;
    if (strncmp(text, HC_PREFIX, 7) != 0 ||
        hc_base45_decode(text + 7, strlen(text) - 7, o->cose, sizeof o->cose, &o->cose_len) != HC_OK ||
        hc_cose_parse(o->cose, o->cose_len, &v) != HC_OK ||
        hc_cose_sig_structure(v.protected_bstr, v.protected_len, v.payload, v.payload_len, o->tbs,
                              sizeof o->tbs, &o->tbs_len) != HC_OK)
        die("cannot open a token");
    o->sig = v.signature;
}

static json_t *load(const char *path)
{
    json_t *j = json_load_file(path, 0, NULL);
    if (!j)
        die(path);
    return j;
}

/* The SM2 vectors (name has "sm2") whose kid step passes: signed by sm2.pem. */
static int sm2_vectors(char names[][1300], int cap)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/vectors", root);
    DIR *d = opendir(dir);
    if (!d)
        die(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < cap) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".json") || !strstr(e->d_name, "sm2") ||
            strstr(e->d_name, "mismatch") || strncmp(e->d_name, "live_", 5) == 0)   /* tokens only */
            continue;
        snprintf(names[n++], 1300, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (n == 0)
        die("no SM2 vectors");
    return n;
}

static int do_export(const char *out)
{
    size_t len = 0;
    char *pem = mint_read_source("tests/keys/sm2.pem", &len);
    hc_key *vk = NULL;
    if (!pem || hc_key_load_pem(pem, len, &vk) != HC_OK)
        die("tests/keys/sm2.pem");
    free(pem);
    BIGNUM *d = NULL;
    uint8_t dbin[32];
    if (EVP_PKEY_get_bn_param(vk->pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1 || BN_bn2binpad(d, dbin, 32) != 32)
        die("private scalar");
    BN_clear_free(d);
    json_t *root_j = json_object(), *cases = json_array();
    json_object_set_new(root_j, "priv", jhex(dbin, 32));
    json_object_set_new(root_j, "pub", point_of(vk));

    char names[32][1300];
    int nv = sm2_vectors(names, 32);
    for (int i = 0; i < nv; i++) {
        json_t *v = load(names[i]);
        opened o;
        open_token(json_string_value(json_object_get(v, "token")), &o);
        json_t *c = json_object();
        json_object_set_new(c, "name", json_string(strrchr(names[i], '/') + 1));
        json_object_set_new(c, "pub", point_of(vk));
        json_object_set_new(c, "tbs", jhex(o.tbs, o.tbs_len));
        json_object_set_new(c, "sig", jhex(o.sig, 64));
        json_object_set_new(c, "ok", json_boolean(json_is_true(
                                         json_object_get(json_object_get(v, "expected"), "signature"))));
        json_object_set_new(c, "vector", json_string(names[i]));
        json_array_append_new(cases, c);
        json_decref(v);
    }
    /* fresh tokens of a new key: each must verify; each with one tbs byte
     * changed must not */
    hc_key *fk = NULL;
    if (hc_key_generate(HC_ALG_SM2, &fk) != HC_OK)
        die("SM2 keygen");
    for (int i = 0; i < FRESH; i++) {
        hc_claims cl = mint_claims("CN-330000", NOW_FRESH, NOW_FRESH + 86400, (hc_colour)(i % 3),
                                   0x1000u + (uint64_t)i);
        snprintf(cl.nam, sizeof cl.nam, "张%d*", i);
        char text[HC_TOKEN_MAX + 1];
        size_t tl;
        opened o;
        if (mint_token(fk, &cl, text, sizeof text, &tl) != HC_OK)
            die("mint");
        open_token(text, &o);
        for (int bad = 0; bad < 2; bad++) {
            json_t *c = json_object();
            char name[32];
            snprintf(name, sizeof name, "fresh-%d%s", i, bad ? "-tampered" : "");
            if (bad)
                o.tbs[o.tbs_len - 1 - (size_t)i % 8] ^= 0x01;
            json_object_set_new(c, "name", json_string(name));
            json_object_set_new(c, "pub", point_of(fk));
            json_object_set_new(c, "tbs", jhex(o.tbs, o.tbs_len));
            json_object_set_new(c, "sig", jhex(o.sig, 64));
            json_object_set_new(c, "ok", json_boolean(!bad));
            json_array_append_new(cases, c);
        }
    }
    json_object_set_new(root_j, "cases", cases);
    if (json_dump_file(root_j, out, JSON_INDENT(1)) != 0)
        die(out);
    json_decref(root_j);
    hc_key_free(vk);
    hc_key_free(fk);
    return 0;
}

/* hc_verify of text against the vector's key and time. */
static hc_err verify_as(json_t *v, const char *text)
{
    const char *pem = json_string_value(json_object_get(v, "public_key_pem"));
    hc_trust *t = NULL;
    if (hc_trust_new(&t) != HC_OK || hc_trust_add_pem(t, pem, strlen(pem), NULL) != HC_OK)
        die("trust");
    hc_verify_opts o = {.skew_s = json_integer_value(json_object_get(v, "skew"))};
    hc_claims c;
    hc_err err = hc_verify(t, text, strlen(text), json_integer_value(json_object_get(v, "now")), &o, &c);
    hc_trust_free(t);
    return err;
}

static int do_import(const char *in)
{
    json_t *j = load(in), *c;
    size_t i;
    int failures = 0, checked = 0;
    json_array_foreach(json_object_get(j, "cases"), i, c) {
        const char *vec = json_string_value(json_object_get(c, "vector"));
        if (!vec)
            continue; /* fresh tokens: the other direction only */
        json_t *v = load(vec);
        opened o;
        open_token(json_string_value(json_object_get(v, "token")), &o);
        uint8_t sig[64];
        if (unhex(json_string_value(json_object_get(c, "their_sig")), sig, 64) != 64)
            die("their_sig is not 64 bytes");
        const char *want = json_string_value(json_object_get(v, "error"));
        if (strcmp(want, "bad_signature") == 0)
            want = "ok"; /* the vector's fault was our r: theirs is sound */
        for (int flip = 0; flip < 2; flip++) {
            memcpy((uint8_t *)o.sig, sig, 64);
            if (flip)
                ((uint8_t *)o.sig)[10] ^= 0x40;
            char text[HC_TOKEN_MAX + 1];
            size_t tl;
            memcpy(text, HC_PREFIX, 7);
            if (hc_base45_encode(o.cose, o.cose_len, text + 7, sizeof text - 7, &tl) != HC_OK)
                die("base45");
            hc_err got = verify_as(v, text);
            const char *w = flip ? "bad_signature" : want;
            if (strcmp(hc_err_name(got), w) != 0) {
                printf("FAIL: %s with sm-crypto's signature%s: %s, expected %s\n",
                       json_string_value(json_object_get(c, "name")), flip ? " (a bit flipped)" : "",
                       hc_err_name(got), w);
                failures++;
            }
            checked++;
        }
        json_decref(v);
    }
    json_decref(j);
    if (checked == 0)
        die("nothing to check");
    printf("hc_verify on %d tokens signed by sm-crypto: %d as expected\n", checked, checked - failures);
    return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    root = getenv("HC_SOURCE_ROOT");
    if (!root)
        root = HC_SOURCE_ROOT;
    if (argc != 3)
        die("usage: sm2_interop export CASES.json | import SIGNED.json");
    if (!hc_alg_supported(HC_ALG_SM2)) {
        printf("SKIP: this OpenSSL has no SM2/SM3\n");
        return 77;
    }
    if (strcmp(argv[1], "export") == 0)
        return do_export(argv[2]);
    if (strcmp(argv[1], "import") == 0)
        return do_import(argv[2]);
    die("usage: sm2_interop export CASES.json | import SIGNED.json");
}

/*
 * bench_verify.c — hc_verify() against its baseline, and revocation loading.
 *
 * 1. The hc_verify rate for an ES256 token, and in the same run two bare
 *    OpenSSL ECDSA P-256 verifies of the same signature (DER prepared once):
 *    - "prepared": one EVP_PKEY_CTX verify-initialised once and reused, over
 *      the SHA-256 of the Sig_structure hashed once (what `openssl speed
 *      ecdsap256` measures: the signature arithmetic alone). The goal is
 *      against this one: hc_verify ≥ 0.95 of its rate.
 *    - "DigestVerify": EVP_DigestVerifyInit + EVP_DigestVerify of the
 *      Sig_structure per iteration (what a plain caller writes), for reference.
 *    Rounds alternate between the three; the best round of each is reported,
 *    each timed in thread CPU time.
 * 2. A revocation list of 10 million cti: load time of the binary form, the
 *    memory it takes (bytes per entry), the lookup rate, and hc_verify with
 *    that list attached.
 *
 * Run: build/bench/bench_verify [seconds-per-round] [n-revoked]
 */
#include "../tests/mint.h"
#include "trust_impl.h"

#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <time.h>
#include <unistd.h>

#define BENCH_NAME "bench_verify"
#include "bench_util.h"

#define ES256_KEY "tests/keys/es256.pem"
#define NOW 1581300000

/* Resident memory in bytes (from /proc/self/statm). */
static size_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, res = 0;
    if (f) {
        if (fscanf(f, "%lu %lu", &size, &res) != 2)
            res = 0;
        fclose(f);
    }
    return (size_t)res * (size_t)sysconf(_SC_PAGESIZE);
}

typedef struct {
    const hc_trust *trust;
    const char *text;
    size_t len;
    const hc_verify_opts *opts;
    EVP_PKEY *pkey;
    const uint8_t *tbs;
    size_t tbs_len;
    const uint8_t *der;
    size_t der_len;
    EVP_PKEY_CTX *prepared; /* verify-initialised once */
    uint8_t md[32];         /* SHA-256 of tbs, once */
} bench_ctx;

static double rate_hc(const bench_ctx *b, double secs)
{
    long n = 0;
    double t0 = bench_seconds(CLOCK_THREAD_CPUTIME_ID), t;
    do {
        for (int i = 0; i < 64; i++) {
            hc_claims c;
            if (hc_verify(b->trust, b->text, b->len, NOW, b->opts, &c) != HC_OK)
                bench_die("hc_verify failed");
        }
        n += 64;
        t = bench_seconds(CLOCK_THREAD_CPUTIME_ID) - t0;
    } while (t < secs);
    return (double)n / t;
}

static double rate_bare(const bench_ctx *b, double secs)
{
    long n = 0;
    double t0 = bench_seconds(CLOCK_THREAD_CPUTIME_ID), t;
    do {
        for (int i = 0; i < 64; i++) {
            EVP_MD_CTX *ctx = EVP_MD_CTX_new();
            if (!ctx || EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, b->pkey) != 1 ||
                EVP_DigestVerify(ctx, b->der, b->der_len, b->tbs, b->tbs_len) != 1)
                bench_die("bare EVP verify failed");
            EVP_MD_CTX_free(ctx);
        }
        n += 64;
        t = bench_seconds(CLOCK_THREAD_CPUTIME_ID) - t0;
    } while (t < secs);
    return (double)n / t;
}

static double rate_prepared(const bench_ctx *b, double secs)
{
    long n = 0;
    double t0 = bench_seconds(CLOCK_THREAD_CPUTIME_ID), t;
    do {
        for (int i = 0; i < 64; i++)
            if (EVP_PKEY_verify(b->prepared, b->der, b->der_len, b->md, 32) != 1)
                bench_die("prepared EVP_PKEY_verify failed");
        n += 64;
        t = bench_seconds(CLOCK_THREAD_CPUTIME_ID) - t0;
    } while (t < secs);
    return (double)n / t;
}

/* r||s → DER, once. */
static size_t der_signature(const uint8_t raw[64], uint8_t *der, size_t cap)
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1)
        bench_die("ECDSA_SIG");
    int n = i2d_ECDSA_SIG(sig, NULL);
    if (n <= 0 || (size_t)n > cap)
        bench_die("i2d_ECDSA_SIG");
    unsigned char *p = der;
    i2d_ECDSA_SIG(sig, &p);
    ECDSA_SIG_free(sig);
    return (size_t)n;
}

static void bench_revocations(size_t n, const bench_ctx *b0, double secs)
{
    char dir[] = "/tmp/hc_bench_XXXXXX", path[64];
    if (!mkdtemp(dir))
        bench_die("mkdtemp");
    snprintf(path, sizeof path, "%s/revoked.bin", dir);

    /* n distinct sorted ids: a random-looking strictly increasing sequence */
    uint8_t *file = malloc(24 + n * 8);
    if (!file)
        bench_die("out of memory");
    memcpy(file, "HCRV1\0\0\0", 8);
    for (int i = 0; i < 8; i++) {
        file[8 + i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
        file[16 + i] = 0;
    }
    uint64_t v = 0, x = 88172645463325252u;
    for (size_t k = 0; k < n; k++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        v += 1 + (x >> 32) % 3000000000u;  /* mean gap 1.5e9: 10M ids span ~2^53 */
        for (int i = 0; i < 8; i++)
            file[24 + k * 8 + (size_t)i] = (uint8_t)(v >> (56 - 8 * i));
    }
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(file, 1, 24 + n * 8, f) != 24 + n * 8 || fclose(f) != 0)
        bench_die("cannot write the revocation file");

    hc_revocations *r = NULL;
    if (hc_revocations_new(&r) != HC_OK)
        bench_die("hc_revocations_new");
    size_t rss0 = rss_bytes();
    double t0 = bench_seconds(CLOCK_MONOTONIC);
    hc_diag d;
    if (hc_revocations_load(r, path, &d) != HC_OK)
        bench_die(d.message);
    double load = bench_seconds(CLOCK_MONOTONIC) - t0;
    size_t rss1 = rss_bytes();
    printf("revocations: %zu cti, binary file %zu bytes: loaded in %.3f s; resident memory +%.2f bytes/entry\n",
           hc_revocations_count(r), 24 + n * 8, load, (double)(rss1 - rss0) / (double)n);

    /* lookups: half present, half absent */
    long hits = 0, m = 0;
    t0 = bench_seconds(CLOCK_MONOTONIC);
    for (size_t k = 0; k < 2000000; k++) {
        const uint8_t *id = file + 24 + ((k * 7919) % n) * 8;
        uint8_t probe[8];
        memcpy(probe, id, 8);
        if (k & 1)
            probe[7] ^= 1; /* gaps are ≥ 1 but the neighbour may exist: count, do not assume */
        hits += hc_revocations_has_cti(r, probe);
        m++;
    }
    double lk = bench_seconds(CLOCK_MONOTONIC) - t0;
    printf("revocations: %.1f million lookups/s (%ld of %ld found)\n", (double)m / lk / 1e6, hits, m);

    hc_verify_opts opts = HC_VERIFY_OPTS_DEFAULT;
    opts.revoked = r;
    bench_ctx b = *b0;
    b.opts = &opts;
    printf("hc_verify with %zu revoked ids attached: %.0f/s\n", n, rate_hc(&b, secs));

    hc_revocations_free(r);
    free(file);
    unlink(path);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 1.0;
    size_t n_revoked = argc > 2 ? (size_t)atol(argv[2]) : 10000000;

    hc_key *key = mint_load_key(ES256_KEY);
    if (!key)
        bench_die("cannot load " ES256_KEY " (set HC_SOURCE_ROOT)");
    hc_claims c = mint_claims("CN-330000", NOW - 60, NOW + 86400, HC_GREEN, 0x0123456789abcdefu);
    hc_strlcpy(c.nam, "张*三", sizeof c.nam);
    hc_strlcpy(c.doc, "3304**********1230", sizeof c.doc);
    c.reg = 330402;
    char text[HC_TOKEN_MAX + 1];
    size_t len = 0, tbs_len = 0;
    static uint8_t tbs[HC_COSE_MAX + 64];
    if (mint_token_kid(key, NULL, &c, text, sizeof text, &len, tbs, &tbs_len) != HC_OK)
        bench_die("cannot mint a token");

    hc_trust *trust = NULL;
    if (hc_trust_new(&trust) != HC_OK || hc_trust_add_key(trust, key, NULL) != HC_OK)
        bench_die("trust store");

    /* the signature as the token carries it (last 64 bytes of the COSE) */
    uint8_t cose[HC_COSE_MAX];
    size_t cose_len;
    hc_cose_view view;
    if (hc_base45_decode(text + 7, len - 7, cose, sizeof cose, &cose_len) != HC_OK ||
        hc_cose_parse(cose, cose_len, &view) != HC_OK)
        bench_die("cannot parse the minted token");
    uint8_t der[80];
    size_t der_len = der_signature(view.signature, der, sizeof der);

    /* the bare baseline's key: the same public key, through OpenSSL's PEM reader */
    char pem[1024];
    size_t pem_len;
    if (hc_key_public_pem(key, pem, sizeof pem, &pem_len) != HC_OK)
        bench_die("public pem");
    BIO *bio = BIO_new_mem_buf(pem, (int)pem_len);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    if (!pkey)
        bench_die("PEM_read_bio_PUBKEY");

    hc_verify_opts opts = HC_VERIFY_OPTS_DEFAULT;
    bench_ctx b = {trust, text, len, &opts, pkey, tbs, tbs_len, der, der_len, NULL, {0}};
    unsigned int mdlen = 0;
    b.prepared = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (!b.prepared || EVP_PKEY_verify_init(b.prepared) != 1 ||
        EVP_Digest(tbs, tbs_len, b.md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        bench_die("prepared EVP_PKEY_CTX");
    printf("token: %zu characters, Sig_structure %zu bytes\n", len, tbs_len);

    double best_hc = 0, best_prep = 0, best_bare = 0;
    for (int round = 0; round < 5; round++) {
        double h = rate_hc(&b, secs / 5), prep = rate_prepared(&b, secs / 5),
               bare = rate_bare(&b, secs / 5);
        if (h > best_hc)
            best_hc = h;
        if (prep > best_prep)
            best_prep = prep;
        if (bare > best_bare)
            best_bare = bare;
    }
    printf("hc_verify:                           %8.0f verifies/s\n", best_hc);
    printf("bare OpenSSL, prepared EVP_PKEY_CTX: %8.0f verifies/s\n", best_prep);
    printf("bare OpenSSL, EVP_DigestVerify:      %8.0f verifies/s\n", best_bare);
    printf("ratio to prepared: %.3f (goal >= 0.95)\n", best_hc / best_prep);
    printf("ratio to DigestVerify: %.3f\n", best_hc / best_bare);

    if (n_revoked)
        bench_revocations(n_revoked, &b, secs / 5);

    EVP_PKEY_CTX_free(b.prepared);
    EVP_PKEY_free(pkey);
    hc_trust_free(trust);
    hc_key_free(key);
    return 0;
}

/*
 * bench_keys.c — SM2 and PKCS#11 (SoftHSM) signing against their baselines.
 *
 * 1. SM2: hc_issue() rate with an SM2 key against OpenSSL's own SM2 signing
 *    of the same Sig_structure bytes with a prepared context (EVP_DigestSign
 *    with SM3 and the ID "1234567812345678", initialised once and copied per
 *    signature); hc_verify() of an SM2 token against EVP_DigestVerify the
 *    same way. Goal: each ≥ 0.90. Rounds alternate; the best of each kept.
 *    Then what a 65-million nightly batch costs with SM2 on this machine.
 * 2. PKCS#11: a SoftHSM2 token made in a temporary directory (softhsm2-util;
 *    SOFTHSM2_CONF points at it), an ES256 key generated on it. hc_issue()
 *    rate with that key against SoftHSM's raw rate through the same
 *    interface (p11-kit module load, C_SignInit + C_Sign of a SHA-256 digest
 *    with CKM_ECDSA, one session); then 2 threads (each its own hc_issuer,
 *    so its own session) over 1, beside the raw C_Sign's own 2-thread ratio.
 *
 * Ratios are medians of 7 back-to-back pairs (baseline, then ours), with
 * their range: the 2-core host is shared and drifts.
 *
 * Run: build/bench/bench_keys [seconds-per-round]
 */
#include "../tests/mint.h"

#include <healthcode/features.h>
#include <healthcode/healthcode.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#if HC_WITH_PKCS11
#include <p11-kit/p11-kit.h>

#define BENCH_NAME "bench_keys"
#include "bench_util.h"
#endif

#define NOW 1581300000
#define SOFTHSM "/usr/lib/softhsm/libsofthsm2.so"

static hc_record *record(void)
{
    size_t len = 0;
    char *json = mint_read_source("examples/record.json", &len);
    hc_record *r = NULL;
    if (!json || hc_record_parse_json(json, len, &r, NULL) != HC_OK)
        bench_die("cannot read examples/record.json");
    free(json);
    return r;
}

/* ---------------------------------------------------------------- rates */

#define PAIRS 7 /* back-to-back pairs (baseline, then ours); the host is noisy */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of n values (sorted in place); lo/hi get the range. */
static double median(double *v, int n, double *lo, double *hi)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    *lo = v[0];
    *hi = v[n - 1];
    return v[n / 2];
}

typedef struct {
    hc_issuer *is;
    const hc_record *r;
    double secs;
    double rate; /* out */
} issue_job;

static void *issue_loop(void *arg)
{
    issue_job *j = arg;
    hc_assessment a;
    memset(&a, 0, sizeof a);
    char text[HC_TOKEN_MAX + 1];
    size_t len;
    long n = 0;
    double t0 = bench_seconds(CLOCK_MONOTONIC), t;
    do {
        for (int i = 0; i < 16; i++)
            if (hc_issue(j->is, j->r, &a, NOW, 86400, text, sizeof text, &len) != HC_OK)
                bench_die("hc_issue failed");
        n += 16;
        t = bench_seconds(CLOCK_MONOTONIC) - t0;
    } while (t < j->secs);
    j->rate = (double)n / t;
    return NULL;
}

/* Issue rate with key over nthreads threads (each its own issuer), records/s wall. */
static double issue_rate(const hc_key *key, const hc_record *r, int nthreads, double secs)
{
    issue_job j[2];
    pthread_t th[2];
    for (int i = 0; i < nthreads; i++) {
        j[i] = (issue_job){.r = r, .secs = secs};
        if (hc_issuer_new("CN-330000", key, &j[i].is) != HC_OK)
            bench_die("hc_issuer_new");
        if (pthread_create(&th[i], NULL, issue_loop, &j[i]) != 0)
            bench_die("pthread_create");
    }
    double sum = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(th[i], NULL);
        sum += j[i].rate;
        hc_issuer_free(j[i].is);
    }
    return sum;
}

/* ------------------------------------------------------------------ SM2 */

static EVP_MD_CTX *sm2_prepared(EVP_PKEY *pkey, bool sign)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (!md || !pctx || EVP_PKEY_CTX_set1_id(pctx, "1234567812345678", 16) != 1)
        bench_die("SM2 context");
    EVP_MD_CTX_set_pkey_ctx(md, pctx);
    const EVP_MD *sm3 = EVP_get_digestbyname("SM3");
    int ok = sign ? EVP_DigestSignInit(md, NULL, sm3, NULL, pkey)
                  : EVP_DigestVerifyInit(md, NULL, sm3, NULL, pkey);
    if (ok != 1)
        bench_die("SM2 DigestSign/VerifyInit");
    return md; /* pctx now belongs to md's lifetime: freed by the caller */
}

static double bare_sm2(EVP_MD_CTX *tmpl, bool sign, const uint8_t *tbs, size_t tbs_len,
                       const uint8_t *der, size_t der_len, double secs)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    uint8_t sig[80];
    long n = 0;
    double t0 = bench_seconds(CLOCK_MONOTONIC), t;
    do {
        for (int i = 0; i < 16; i++) {
            size_t sl = sizeof sig;
            if (EVP_MD_CTX_copy_ex(c, tmpl) != 1)
                bench_die("copy");
            int ok = sign ? EVP_DigestSign(c, sig, &sl, tbs, tbs_len)
                          : EVP_DigestVerify(c, der, der_len, tbs, tbs_len);
            if (ok != 1)
                bench_die("bare SM2 failed");
        }
        n += 16;
        t = bench_seconds(CLOCK_MONOTONIC) - t0;
    } while (t < secs);
    EVP_MD_CTX_free(c);
    return (double)n / t;
}

static double verify_rate(const hc_trust *t, const char *text, size_t len, double secs)
{
    hc_verify_opts o = {.skew_s = 300};
    hc_claims c;
    long n = 0;
    double t0 = bench_seconds(CLOCK_MONOTONIC), el;
    do {
        for (int i = 0; i < 16; i++)
            if (hc_verify(t, text, len, NOW, &o, &c) != HC_OK)
                bench_die("hc_verify failed");
        n += 16;
        el = bench_seconds(CLOCK_MONOTONIC) - t0;
    } while (el < secs);
    return (double)n / el;
}

static void bench_sm2(const hc_record *r, double secs)
{
    if (!hc_alg_supported(HC_ALG_SM2)) {
        printf("sm2       SKIP: this OpenSSL has no SM2/SM3\n");
        return;
    }
    hc_key *key = NULL;
    if (hc_key_generate(HC_ALG_SM2, &key) != HC_OK)
        bench_die("SM2 keygen");
    hc_claims cl = mint_claims("CN-330000", NOW - 3600, NOW + 86400, HC_GREEN, 7);
    hc_strlcpy(cl.nam, "张*", sizeof cl.nam);
    hc_strlcpy(cl.doc, "3304**********1230", sizeof cl.doc);
    cl.reg = 330402;
    char text[HC_TOKEN_MAX + 1];
    uint8_t tbs[HC_COSE_MAX + 64];
    size_t len = 0, tbs_len = 0;
    if (mint_token_kid(key, NULL, &cl, text, sizeof text, &len, tbs, &tbs_len) != HC_OK)
        bench_die("mint");
    hc_trust *t = NULL;
    if (hc_trust_new(&t) != HC_OK || hc_trust_add_key(t, key, NULL) != HC_OK)
        bench_die("trust");
    EVP_MD_CTX *st = sm2_prepared(key->pkey, true), *vt = sm2_prepared(key->pkey, false);
    uint8_t der[80];
    size_t der_len = sizeof der;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (EVP_MD_CTX_copy_ex(c, st) != 1 || EVP_DigestSign(c, der, &der_len, tbs, tbs_len) != 1)
        bench_die("bare sign");
    EVP_MD_CTX_free(c);
    double ri[PAIRS], rv[PAIRS], hi = 0, bi = 0, hv = 0, bv = 0, lo, up;
    for (int k = 0; k < PAIRS; k++) {
        double b1 = bare_sm2(st, true, tbs, tbs_len, der, der_len, secs);
        double h1 = issue_rate(key, r, 1, secs);
        double b2 = bare_sm2(vt, false, tbs, tbs_len, der, der_len, secs);
        double h2 = verify_rate(t, text, len, secs);
        ri[k] = h1 / b1;
        rv[k] = h2 / b2;
        hi = h1 > hi ? h1 : hi;
        bi = b1 > bi ? b1 : bi;
        hv = h2 > hv ? h2 : hv;
        bv = b2 > bv ? b2 : bv;
    }
    double m = median(ri, PAIRS, &lo, &up);
    printf("sm2       hc_issue:  %6.0f/s (best)  OpenSSL SM2 DigestSign, prepared: %6.0f/s   ratio %.2f "
           "(median of %d pairs, %.2f-%.2f; goal >= 0.90)\n", hi, bi, m, PAIRS, lo, up);
    m = median(rv, PAIRS, &lo, &up);
    printf("sm2       hc_verify: %6.0f/s (best)  OpenSSL SM2 DigestVerify, prepared: %6.0f/s ratio %.2f "
           "(median of %d pairs, %.2f-%.2f; goal >= 0.90)\n", hv, bv, m, PAIRS, lo, up);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    printf("estimate  65 000 000 SM2 tokens at %.0f/s a core (best round): %.1f core-hours, %.1f h on this machine's %ld cores\n",
           hi, 65e6 / hi / 3600, 65e6 / hi / 3600 / (double)(cores > 0 ? cores : 1), cores);
    EVP_PKEY_CTX_free(EVP_MD_CTX_get_pkey_ctx(st));
    EVP_PKEY_CTX_free(EVP_MD_CTX_get_pkey_ctx(vt));
    EVP_MD_CTX_free(st);
    EVP_MD_CTX_free(vt);
    hc_trust_free(t);
    hc_key_free(key);
}

/* -------------------------------------------------------------- PKCS#11 */
#if HC_WITH_PKCS11

typedef struct {
    CK_FUNCTION_LIST *fn;
    CK_SLOT_ID slot;
    double secs, rate;
} raw_job;

static void *raw_loop(void *arg)
{
    raw_job *j = arg;
    CK_SESSION_HANDLE h;
    if (j->fn->C_OpenSession(j->slot, CKF_SERIAL_SESSION, NULL, NULL, &h) != CKR_OK)
        bench_die("C_OpenSession");
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, "bench", 5}};
    CK_OBJECT_HANDLE key;
    CK_ULONG got = 0;
    if (j->fn->C_FindObjectsInit(h, tmpl, 2) != CKR_OK || j->fn->C_FindObjects(h, &key, 1, &got) != CKR_OK ||
        j->fn->C_FindObjectsFinal(h) != CKR_OK || got != 1)
        bench_die("find the bench key");
    CK_MECHANISM m = {CKM_ECDSA, NULL, 0};
    uint8_t md[32] = {1, 2, 3}, sig[64];
    long n = 0;
    double t0 = bench_seconds(CLOCK_MONOTONIC), t;
    do {
        for (int i = 0; i < 16; i++) {
            CK_ULONG sl = sizeof sig;
            if (j->fn->C_SignInit(h, &m, key) != CKR_OK || j->fn->C_Sign(h, md, 32, sig, &sl) != CKR_OK)
                bench_die("C_Sign");
        }
        n += 16;
        t = bench_seconds(CLOCK_MONOTONIC) - t0;
    } while (t < j->secs);
    j->rate = (double)n / t;
    j->fn->C_CloseSession(h);
    return NULL;
}

static double raw_rate(CK_FUNCTION_LIST *fn, CK_SLOT_ID slot, int nthreads, double secs)
{
    raw_job j[2];
    pthread_t th[2];
    for (int i = 0; i < nthreads; i++) {
        j[i] = (raw_job){.fn = fn, .slot = slot, .secs = secs};
        if (pthread_create(&th[i], NULL, raw_loop, &j[i]) != 0)
            bench_die("pthread_create");
    }
    double sum = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(th[i], NULL);
        sum += j[i].rate;
    }
    return sum;
}

static void bench_pkcs11(const hc_record *r, double secs)
{
    if (access(SOFTHSM, R_OK) != 0 || system("command -v softhsm2-util >/dev/null") != 0) {
        printf("pkcs11    SKIP: SoftHSM2 is not installed (apt-get install softhsm2)\n");
        return;
    }
    char dir[] = "/tmp/hc_bench_p11.XXXXXX", path[256], cmd[1024], uri[1024];
    if (!mkdtemp(dir))
        bench_die("mkdtemp");
    snprintf(path, sizeof path, "%s/softhsm2.conf", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        bench_die("softhsm2.conf");
    fprintf(f, "directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n", dir);
    fclose(f);
    setenv("SOFTHSM2_CONF", path, 1);
    snprintf(cmd, sizeof cmd, "softhsm2-util --init-token --free --label bench --so-pin 87654321 "
                              "--pin 123456 >/dev/null && printf 123456 > %s/pin && chmod 600 %s/pin",
             dir, dir);
    if (system(cmd) != 0)
        bench_die("softhsm2-util --init-token");
    snprintf(uri, sizeof uri, "pkcs11:token=bench;object=bench?module-path=%s&pin-source=file:%s/pin",
             SOFTHSM, dir);
    hc_key *key = NULL;
    if (hc_key_generate_pkcs11(HC_ALG_ES256, uri, &key) != HC_OK)
        bench_die("hc_key_generate_pkcs11");
    /* the raw interface: the same module through p11-kit, logged in already
     * (PKCS#11 login belongs to the application, and the key holds one) */
    CK_FUNCTION_LIST *fn = p11_kit_module_load(SOFTHSM, 0);
    CK_SLOT_ID slot;
    CK_SLOT_ID slots[8];
    CK_ULONG ns = 8;
    if (!fn || p11_kit_module_initialize(fn) != CKR_OK || fn->C_GetSlotList(CK_TRUE, slots, &ns) != CKR_OK || ns < 1)
        bench_die("p11-kit module");
    slot = slots[0];
    double r1[PAIRS], s2[PAIRS], w2[PAIRS], hc1 = 0, raw1 = 0, lo, up, lo2, up2;
    for (int k = 0; k < PAIRS; k++) {
        double a = raw_rate(fn, slot, 1, secs), b = issue_rate(key, r, 1, secs);
        double c = raw_rate(fn, slot, 2, secs), d = issue_rate(key, r, 2, secs);
        r1[k] = b / a;
        s2[k] = d / b;
        w2[k] = c / a;
        hc1 = b > hc1 ? b : hc1;
        raw1 = a > raw1 ? a : raw1;
    }
    double m = median(r1, PAIRS, &lo, &up);
    printf("pkcs11    hc_issue, SoftHSM ES256 key, 1 thread: %6.0f/s (best)  raw C_Sign (same module, p11-kit): "
           "%6.0f/s   ratio %.2f (median of %d pairs, %.2f-%.2f)\n", hc1, raw1, m, PAIRS, lo, up);
    m = median(s2, PAIRS, &lo, &up);
    double m2 = median(w2, PAIRS, &lo2, &up2);
    printf("pkcs11    2 threads over 1: hc_issue %.2f (%.2f-%.2f)   raw C_Sign %.2f (%.2f-%.2f)\n", m, lo, up,
           m2, lo2, up2);
    p11_kit_module_finalize(fn);
    p11_kit_module_release(fn);
    hc_key_free(key);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_keys: could not remove %s\n", dir);
}
#endif

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        puts("usage: bench_keys [seconds-per-round]  (SM2, then PKCS#11 through SoftHSM2)");
        return 0;
    }
    double secs = argc > 1 ? atof(argv[1]) : 1.0;
    if (secs <= 0)
        secs = 1.0;
    hc_record *r = record();
    bench_sm2(r, secs);
#if HC_WITH_PKCS11
    bench_pkcs11(r, secs);
#else
    printf("pkcs11    SKIP: built without p11-kit\n");
#endif
    hc_record_free(r);
    return 0;
}

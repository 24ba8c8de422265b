/*
 * bench_bundle.c — loading a trust bundle of 34 provinces × 4 keys and
 * n revoked cti (default 10 million), against its baselines in the same run:
 *
 *   read     the same bytes read from disk (page cache) into memory;
 *   sig      read + a bare signature check over them (build the
 *            Sig_structure, one Ed25519 verify with the root key);
 *   load     hc_bundle_store_apply_file: read, parse, check the signature,
 *            hash, build the trust store and the revocation list.
 *
 * Memory: bytes the loaded store holds (malloc's count) per revoked entry (the binary
 * revocation list: 8.01 B/entry in bench_verify). Rounds alternate; the best
 * of each is reported.
 *
 * Run: build/bench/bench_bundle [n-revoked] [rounds]
 */
#include "../tests/mint.h"
#include "bundle_impl.h"

#include <malloc.h>
#include <time.h>
#include <unistd.h>

#define BENCH_NAME "bench_bundle"
#include "bench_util.h"

#define NOW 1580864400

/* Bytes malloc has handed out and not taken back (heap and mmapped chunks):
 * what a loaded store holds, whatever pages earlier rounds left resident. */
static size_t heap_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static void die(const char *what, hc_err e)
{
    fprintf(stderr, "bench_bundle: %s: %s\n", what, hc_strerror(e));
    exit(1);
}

/* A bundle file of 136 keys and n ctis; returns its path. */
static void make_bundle(hc_key *root, size_t n, const char *path)
{
    hc_key *k[136];
    hc_bundle_key keys[136];
    static char iss[34][8];
    hc_err e;
    for (int i = 0; i < 136; i++) {
        if ((e = hc_key_generate(i % 2 ? HC_ALG_EDDSA : HC_ALG_ES256, &k[i])))
            die("keygen", e);
        snprintf(iss[i / 4], sizeof iss[0], "CN-%02d", i / 4);
        keys[i] = (hc_bundle_key){iss[i / 4], k[i], HC_TIME_UNBOUNDED_BEFORE,
                                  HC_TIME_UNBOUNDED_AFTER};
    }
    /* n increasing ctis through the binary list form */
    char tmp[] = "/tmp/bench_bundle_rev_XXXXXX";
    int fd = mkstemp(tmp);
    size_t size = 24 + n * 8;
    uint8_t *bin = malloc(size);
    if (fd < 0 || !bin)
        die("temp", HC_E_IO);
    memcpy(bin, "HCRV1\0\0\0", 8);
    for (int i = 0; i < 8; i++) {
        bin[8 + i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
        bin[16 + i] = 0;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t v = (uint64_t)i * 2654435761u + 12345;
        for (int j = 0; j < 8; j++)
            bin[24 + i * 8 + j] = (uint8_t)(v >> (56 - 8 * j));
    }
    if (write(fd, bin, size) != (ssize_t)size)
        die("write", HC_E_IO);
    close(fd);
    free(bin);
    hc_revocations *rev = NULL;
    if ((e = hc_revocations_new(&rev)) || (e = hc_revocations_load(rev, tmp, NULL)))
        die("revocations", e);
    unlink(tmp);
    hc_bundle_spec sp = {"CN-NHC", 1, NOW - 86400, NOW + 7 * 86400, keys, 136, rev, NULL, 0,
                         false, 0, NULL, NULL, 0};
    uint8_t *b = NULL;
    size_t len = 0;
    if ((e = hc_bundle_make(root, &sp, &b, &len)))
        die("make", e);
    if ((e = hc_write_file_atomic(path, b, len, 0644)))
        die("write bundle", e);
    free(b);
    hc_revocations_free(rev);
    for (int i = 0; i < 136; i++)
        hc_key_free(k[i]);
}

static double time_read(const char *path, size_t *len)
{
    double t0 = bench_seconds(CLOCK_MONOTONIC);
    char *data = NULL;
    hc_err e = hc_read_file(path, HC_BUNDLE_FILE_MAX, &data, len);
    double t = bench_seconds(CLOCK_MONOTONIC) - t0;
    if (e)
        die("read", e);
    free(data);
    return t;
}

static double time_sig(const char *path, const hc_key *root)
{
    double t0 = bench_seconds(CLOCK_MONOTONIC);
    char *data = NULL;
    size_t len = 0, sl = 0;
    hc_err e = hc_read_file(path, HC_BUNDLE_FILE_MAX, &data, &len);
    hc_cose_view v;
    if (e || (e = hc_cose_parse((const uint8_t *)data, len, &v)))
        die("sig: parse", e);
    (void)hc_cose_sig_structure(v.protected_bstr, v.protected_len, v.payload, v.payload_len,
                                NULL, 0, &sl);
    uint8_t *tbs = malloc(sl);
    if (!tbs || (e = hc_cose_sig_structure(v.protected_bstr, v.protected_len, v.payload,
                                           v.payload_len, tbs, sl, &sl)) ||
        (e = hc_crypto_verify(root, tbs, sl, v.signature)))
        die("sig: verify", e);
    double t = bench_seconds(CLOCK_MONOTONIC) - t0;
    free(tbs);
    free(data);
    return t;
}

static double time_load(const char *path, const hc_key *root, size_t n, double *bpe)
{
    size_t r0 = heap_bytes();
    double t0 = bench_seconds(CLOCK_MONOTONIC);
    hc_bundle_store *s = NULL;
    hc_err e;
    if ((e = hc_bundle_store_new(&s)) || (e = hc_bundle_store_add_root(s, root)) ||
        (e = hc_bundle_store_apply_file(s, path, NOW, 0, NULL, NULL)))
        die("load", e);
    double t = bench_seconds(CLOCK_MONOTONIC) - t0;
    size_t r1 = heap_bytes();
    if (hc_revocations_count(hc_bundle_store_revocations(s)) != n)
        die("load: count", HC_E_ARG);
    *bpe = n ? (double)(r1 > r0 ? r1 - r0 : 0) / (double)n : 0;
    hc_bundle_store_free(s);
    return t;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        puts("usage: bench_bundle [n-revoked (10000000)] [rounds (5)]");
        return 0;
    }
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    hc_key *root = NULL;
    hc_err e = hc_key_generate(HC_ALG_EDDSA, &root);
    if (e)
        die("root", e);
    char path[] = "/tmp/bench_bundle_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        die("temp", HC_E_IO);
    close(fd);
    make_bundle(root, n, path);
    double best_read = 1e9, best_sig = 1e9, best_load = 1e9, bpe = 0, b;
    size_t len = 0;
    for (int r = 0; r < rounds; r++) {
        double t = time_read(path, &len);
        best_read = t < best_read ? t : best_read;
        t = time_sig(path, root);
        best_sig = t < best_sig ? t : best_sig;
        t = time_load(path, root, n, &b);
        if (t < best_load) {
            best_load = t;
            bpe = b;
        }
    }
    printf("bundle: %zu bytes, 136 keys (34 provinces x 4), %zu revoked cti; best of %d rounds\n",
           len, n, rounds);
    printf("  read from disk     %8.1f ms\n", best_read * 1e3);
    printf("  read + bare sig    %8.1f ms   (%.2f x read)\n", best_sig * 1e3, best_sig / best_read);
    printf("  hc_bundle load     %8.1f ms   (%.2f x read, %.2f x read+sig)\n", best_load * 1e3,
           best_load / best_read, best_load / best_sig);
    printf("  memory held        %8.2f B per revoked entry (malloc'd bytes the loaded store holds,\n"
           "                                 its 136 keys included)\n", bpe);
    unlink(path);
    hc_key_free(root);
    return 0;
}

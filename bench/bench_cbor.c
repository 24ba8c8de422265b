/*
 * bench_cbor.c — the CBOR walk (cbor.c) on the issue 25.6 construction: a
 * COSE_Sign1 whose ignored unprotected map has 64 keys, each an array of n
 * small integers differing only in the last, against its baseline in the
 * same run:
 *
 *   sha256   one SHA-256 pass over the same bytes (what loading a bundle
 *            does anyway, to identify it);
 *   plain    hc_cbor_check of the same items as one array under one key
 *            (no key to compare): the walk's own cost per item;
 *   walk     hc_cbor_check of the construction (duplicate keys included):
 *            what every bundle and every token goes through before its
 *            signature.
 *
 * Neither walk/sha256 nor walk/plain may grow with n: no input costs more
 * than a constant factor over reading it. Best of the rounds for each.
 *
 * Run: build/bench/bench_cbor [n ...]   (default 1000 10000 100000)
 */
#include "cbor_impl.h"
#include "crypto_impl.h"

#include <stdlib.h>
#include <string.h>

#define BENCH_NAME "bench_cbor"
#include "bench_util.h"

#define KEYS 64

/* A CBOR head of major type mt carrying v, at p; returns its size. */
static size_t head(uint8_t *p, unsigned mt, uint64_t v)
{
    uint8_t m = (uint8_t)(mt << 5);
    if (v < 24) {
        p[0] = m | (uint8_t)v;
        return 1;
    }
    p[0] = m | 27;
    for (int i = 0; i < 8; i++)
        p[1 + i] = (uint8_t)(v >> (56 - 8 * i));
    return 9;
}

/* The construction: tag 18, [h'a20127044800..', {64 keys: [0 × (n-1), i] => 0},
 * h'a0', h'00' × 64]; plain: {0: [the same 64n items]} instead. *len its size. */
static uint8_t *build(size_t n, bool plain, size_t *len)
{
    size_t cap = 64 + KEYS * (n + 20) + 128;
    uint8_t *b = malloc(cap), *p = b;
    if (!b)
        bench_die("out of memory");
    *p++ = 0xd2;
    *p++ = 0x84;
    static const uint8_t prot[] = {0x4d, 0xa2, 0x01, 0x27, 0x04, 0x48, 1, 2, 3, 4, 5, 6, 7, 8};
    memcpy(p, prot, sizeof prot);
    p += sizeof prot;
    if (plain) {
        *p++ = 0xa1;
        *p++ = 0x00;
        p += head(p, 4, (uint64_t)n * KEYS);
    } else {
        p += head(p, 5, KEYS);
    }
    for (unsigned k = 0; k < KEYS; k++) {
        if (!plain)
            p += head(p, 4, n);
        memset(p, 0, n - 1);
        p += n - 1;
        p += head(p, 0, k);
        if (!plain)
            *p++ = 0x00;
    }
    *p++ = 0x41;          /* payload: h'a0' (an empty map) */
    *p++ = 0xa0;
    *p++ = 0x58;          /* signature: 64 bytes */
    *p++ = 64;
    memset(p, 0, 64);
    p += 64;
    *len = (size_t)(p - b);
    return b;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        puts("usage: bench_cbor [n ...]   (the items of each of the 64 array keys)");
        return 0;
    }
    size_t def[] = {1000, 10000, 100000};
    int count = argc > 1 ? argc - 1 : 3;
    printf("%8s %10s %10s %10s %10s %12s %11s\n", "n", "bytes", "sha256 ms", "plain ms",
           "walk ms", "walk/sha256", "walk/plain");
    for (int c = 0; c < count; c++) {
        size_t n = argc > 1 ? strtoull(argv[c + 1], NULL, 10) : def[c];
        if (n < 2)
            bench_die("n must be at least 2");
        size_t len = 0, plen = 0, size = 0;
        uint8_t *b = build(n, false, &len), *pb = build(n, true, &plen), md[32];
        double best[3] = {1e9, 1e9, 1e9};
        int rounds = n >= 100000 ? 3 : 10;
        for (int r = 0; r < rounds; r++) {
            double t0 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID);
            if (hc_crypto_sha256(b, len, md) != HC_OK)
                bench_die("sha256");
            double t1 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID);
            hc_err pe = hc_cbor_check(pb, plen, &size);
            double t2 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID);
            hc_err e = hc_cbor_check(b, len, &size);
            double t3 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID);
            if (e != HC_OK || pe != HC_OK || size != len)
                bench_die("the construction is not well-formed CBOR");
            double t[3] = {t1 - t0, t2 - t1, t3 - t2};
            for (int i = 0; i < 3; i++)
                best[i] = t[i] < best[i] ? t[i] : best[i];
        }
        printf("%8zu %10zu %10.2f %10.2f %10.2f %12.1f %11.2f\n", n, len, best[0] * 1e3,
               best[1] * 1e3, best[2] * 1e3, best[2] / best[0], best[2] / best[1]);
        free(b);
        free(pb);
    }
    return 0;
}

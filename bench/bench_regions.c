/* bench_regions.c — lookups per second in the region table (every code of
 * GB/T 2260 2002-2023, doc/regions.md), against libc bsearch() over a plain
 * sorted array of the same codes, measured in the same run. A benchmark
 * printing its figures, not a timed test.
 *
 *   ninja -C build bench/bench_regions && build/bench/bench_regions [seconds]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "regions_impl.h"

#define BENCH_NAME "bench_regions"
#include "bench_util.h"

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The probes: every known code and as many unknown ones, shuffled. */
enum { MAX_CODES = 8192 };
static uint32_t known[MAX_CODES], probes[2 * MAX_CODES];
static size_t n_known, n_probes;

static void make_probes(void)
{
    for (uint32_t c = 110000; c <= 659999 && n_known < MAX_CODES; c++)
        if (hc_region_exists(c))
            known[n_known++] = c;
    uint32_t x = 2463534242u;   /* xorshift32: the same probes every run */
    for (size_t i = 0; i < n_known; i++) {
        probes[n_probes++] = known[i];
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        probes[n_probes++] = 110000 + x % 550000;
    }
    for (size_t i = n_probes - 1; i > 0; i--) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        size_t j = x % (i + 1);
        uint32_t t = probes[i];
        probes[i] = probes[j];
        probes[j] = t;
    }
}

typedef unsigned (*pass_fn)(void);

static unsigned pass_exists(void)
{
    unsigned hits = 0;
    for (size_t i = 0; i < n_probes; i++)
        hits += hc_region_exists(probes[i]);
    return hits;
}

static unsigned pass_bsearch(void)
{
    unsigned hits = 0;
    for (size_t i = 0; i < n_probes; i++)
        hits += bsearch(&probes[i], known, n_known, sizeof known[0], cmp_u32) != NULL;
    return hits;
}

static unsigned pass_name(void)
{
    char buf[192];
    unsigned len = 0;
    const int32_t jan2020 = 18281;   /* 2020-01-20 */
    for (size_t i = 0; i < n_known; i++) {
        const char *n = hc_region_name_zh(known[i], jan2020, buf, sizeof buf);
        len += n ? (unsigned)strlen(n) : 0;
    }
    return len;
}

/* Lookups per second of fn, each pass making per_pass lookups. */
static double rate(pass_fn fn, size_t per_pass, double budget, unsigned *sink)
{
    unsigned long n = 0;
    double t0 = bench_seconds(CLOCK_MONOTONIC), t;
    do {
        *sink += fn();
        n += per_pass;
        t = bench_seconds(CLOCK_MONOTONIC) - t0;
    } while (t < budget);
    return (double)n / t;
}

int main(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: bench_regions [seconds per measure, default 1]\n");
        return 0;
    }
    double budget = argc > 1 ? atof(argv[1]) : 1.0;
    make_probes();
    unsigned sink = 0;
    double base = rate(pass_bsearch, n_probes, budget, &sink);
    double ex = rate(pass_exists, n_probes, budget, &sink);
    double nm = rate(pass_name, n_known, budget, &sink);
    printf("codes: %zu known, %zu probes (half unknown)\n", n_known, n_probes);
    printf("baseline bsearch() over the codes:   %.0f lookups/s\n", base);
    printf("hc_region_exists:                    %.0f lookups/s (%.2f x baseline)\n", ex, ex / base);
    printf("hc_region_name_zh (2020-01-20):      %.0f names/s (%.2f x baseline) [%u]\n", nm, nm / base,
           sink % 2);
    return 0;
}

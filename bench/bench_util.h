/* bench_util.h — what the benchmarks share: a clock and a way out. A
 * benchmark defines BENCH_NAME (its program name, for messages) before it
 * includes this. */
#ifndef HC_BENCH_UTIL_H
#define HC_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifndef BENCH_NAME
#error "define BENCH_NAME before including bench_util.h"
#endif

/* Seconds on one of the clocks: CLOCK_MONOTONIC (wall), CLOCK_THREAD_CPUTIME_ID
 * or CLOCK_PROCESS_CPUTIME_ID (CPU time: the figure a loaded machine
 * distorts least). */
static inline double bench_seconds(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* "BENCH_NAME: what" on stderr, and exit 1: a benchmark that cannot run
 * its own setup has no figure to give. */
static inline void bench_die(const char *what)
{
    fprintf(stderr, BENCH_NAME ": %s\n", what);
    exit(1);
}

#endif

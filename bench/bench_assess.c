/* bench_assess.c — assessments per second on one core (issue 3: goal at least
 * 200 000/s) for a record with 5 stays and 14 check-ins, under the default
 * policy with its reasons written in both languages. A benchmark printing
 * its figure, not a timed test.
 *
 *   ninja -C build bench/bench_assess && build/bench/bench_assess [seconds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <healthcode/healthcode.h>

#define BENCH_NAME "bench_assess"
#include "bench_util.h"

/* Two stays in high-risk regions (one resolved, one holding), one in Jiangxi
 * (no map entry), one abroad, one in Zhejiang; 14 normal check-ins ending a
 * previous red; a declaration without symptoms. */
static const char record[] =
    "{\"id\":\"330402199001011230\",\"id_type\":\"cn_resident\",\"name\":\"张三\",\"residence\":330402,"
    "\"travel\":[{\"region\":420100,\"from\":\"2020-01-05\",\"to\":\"2020-01-08\"},"
    "{\"region\":360100,\"from\":\"2020-01-09\",\"to\":\"2020-01-12\"},"
    "{\"country\":\"JP\",\"from\":\"2020-01-13\",\"to\":\"2020-01-16\"},"
    "{\"region\":330302,\"from\":\"2020-01-17\",\"to\":\"2020-01-25\"},"
    "{\"region\":330402,\"from\":\"2020-01-26\",\"to\":\"2020-02-04\"}],"
    "\"declaration\":{\"at\":\"2020-02-05T09:00:00+08:00\",\"symptoms\":[],\"temperature_c\":36.6},"
    "\"checkins\":["
    "{\"date\":\"2020-01-23\",\"normal\":true,\"temperature_c\":36.5},"
    "{\"date\":\"2020-01-24\",\"normal\":true,\"temperature_c\":36.6},"
    "{\"date\":\"2020-01-25\",\"normal\":true,\"temperature_c\":36.4},"
    "{\"date\":\"2020-01-26\",\"normal\":true,\"temperature_c\":36.7},"
    "{\"date\":\"2020-01-27\",\"normal\":true,\"temperature_c\":36.5},"
    "{\"date\":\"2020-01-28\",\"normal\":true,\"temperature_c\":36.6},"
    "{\"date\":\"2020-01-29\",\"normal\":true,\"temperature_c\":36.5},"
    "{\"date\":\"2020-01-30\",\"normal\":true,\"temperature_c\":36.8},"
    "{\"date\":\"2020-01-31\",\"normal\":true,\"temperature_c\":36.5},"
    "{\"date\":\"2020-02-01\",\"normal\":true,\"temperature_c\":36.6},"
    "{\"date\":\"2020-02-02\",\"normal\":true,\"temperature_c\":36.4},"
    "{\"date\":\"2020-02-03\",\"normal\":true,\"temperature_c\":36.5},"
    "{\"date\":\"2020-02-04\",\"normal\":true,\"temperature_c\":36.6},"
    "{\"date\":\"2020-02-05\",\"normal\":true,\"temperature_c\":36.5}],"
    "\"previous\":{\"colour\":\"red\",\"since\":\"2020-01-22\"}}";

int main(int argc, char **argv)
{
    double budget = argc > 1 ? atof(argv[1]) : 2.0;
    hc_policy *p = NULL;
    hc_record *r = NULL;
    hc_diag d;
    if (hc_policy_load(NULL, &p, &d) != HC_OK ||
        hc_record_parse_json(record, strlen(record), &r, &d) != HC_OK) {
        fprintf(stderr, "bench_assess: set-up failed: %s\n", d.message);
        return 1;
    }
    const int64_t now = 1580868000;   /* 2020-02-05T10:00:00+08:00 */
    static hc_assessment a;
    if (hc_assess(p, r, now, &a, &d) != HC_OK) {
        fprintf(stderr, "bench_assess: %s\n", d.message);
        return 1;
    }
    printf("record: 5 stays, 14 check-ins -> %s, %zu reasons\n", hc_colour_name(a.colour), a.n_reasons);
    for (size_t i = 0; i < a.n_reasons; i++)
        printf("  %s %s\n", a.reasons[i].holds ? "+" : "-", a.reasons[i].en);

    unsigned long n = 0;
    unsigned colours = 0;
    double t0 = bench_seconds(CLOCK_MONOTONIC), t;
    do {
        for (int i = 0; i < 1000; i++) {
            if (hc_assess(p, r, now, &a, NULL) != HC_OK)
                return 1;
            colours += (unsigned)a.colour;   /* keep the result live */
        }
        n += 1000;
        t = bench_seconds(CLOCK_MONOTONIC) - t0;
    } while (t < budget);
    printf("hc_assess: %.0f assessments/s on one core (%lu in %.2f s; goal >= 200000) [%u]\n",
           (double)n / t, n, t, colours % 2);
    hc_record_free(r);
    hc_policy_free(p);
    return 0;
}

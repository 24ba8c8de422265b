/* bench_register.c — what the issuer's register costs, against baselines
 * measured in the same run.
 *
 *   python3 bench/gen_records.py --n 100000 > /tmp/p100k.jsonl
 *   build/bench/bench_register /tmp/p100k.jsonl [ROWS]
 *
 * Reports:
 *   1. a batch with a register against the same batch without one (issue 23:
 *      goal >= 0.90): PAIRS pairs, one thread, each pair the two runs back to
 *      back in alternating order over the first 20 000 records, each into a
 *      fresh directory and a fresh register (WAL, one transaction and one
 *      signed head a checkpoint, prepared statements); the ratio of their
 *      process CPU times (what a loaded machine distorts least) and of their
 *      wall times (which include the register's fsyncs), median and range;
 *      then where a record's register cost goes (decoding the token, the rows);
 *   2. stats over a register of ROWS codes (default 10 million; built once,
 *      through the library's own insert path, and kept as
 *      BUILD/bench/register-ROWS.db for the next run): hc_register_open +
 *      hc_register_stats_get by colour, by day and by prefecture, on one core
 *      (goal < 2 s), and, for comparison, the same counts by GROUP BY over
 *      the codes themselves: what the counts table saves;
 *   3. (1) again, recording into a copy of that register: a code must cost
 *      the same in a register of 10 million codes as in an empty one.
 * Benchmarks may read the clock; the library does not.
 */
#define _GNU_SOURCE
#define BENCH_NAME "bench_register"
#include <healthcode/healthcode.h>
#include "bench_util.h"
#include "common.h"
#include "register_impl.h"

#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOW 1581292800          /* 2020-02-10T08:00:00+08:00 */
#define PAIRS 9
#define SUBSET 20000

static hc_key *key;

static int rm_one(const char *p, const struct stat *s, int f, struct FTW *w)
{
    (void)s, (void)f, (void)w;
    return remove(p);
}

static void rm_rf(const char *d) { nftw(d, rm_one, 16, FTW_DEPTH | FTW_PHYS); }

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---------------------------------------------------------- 1. the batch */

typedef struct {
    double cpu, wall;
} timing;

static timing one_batch(const char *in, const char *dir, int k, bool with_reg, const char *big)
{
    char out[512], db[512];
    snprintf(out, sizeof out, "%s/out-%d-%d%s", dir, k, with_reg, big ? "-big" : "");
    snprintf(db, sizeof db, "%s/r-%d.db", dir, k);
    if (big)
        snprintf(db, sizeof db, "%s", big);
    hc_register *reg = NULL;
    if (with_reg && (hc_register_open(db, HC_REGISTER_CREATE, &reg, NULL) != HC_OK ||
                     hc_register_set_key(reg, key) != HC_OK))
        bench_die("cannot make a register");
    hc_batch_opts o = {0};
    o.key = key;
    o.iss = "CN-330000";
    o.now = NOW;
    o.threads = 1;
    o.reg = reg;
    hc_batch_summary sum;
    double c0 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID), w0 = bench_seconds(CLOCK_MONOTONIC);
    hc_err err = hc_batch_run(&o, in, out, &sum, NULL);
    timing t = {bench_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0, bench_seconds(CLOCK_MONOTONIC) - w0};
    if (err != HC_OK && err != HC_E_RECORD)
        bench_die("the batch failed");
    hc_register_free(reg);
    return t;
}

/* The first SUBSET lines of in, as a file in dir. */
static void subset(const char *in, const char *path)
{
    FILE *f = fopen(in, "r"), *g = fopen(path, "w");
    char *line = NULL;
    size_t cap = 0;
    if (!f || !g)
        bench_die("cannot read the records");
    for (int i = 0; i < SUBSET && getline(&line, &cap, f) > 0; i++)
        fputs(line, g);
    free(line);
    fclose(f);
    fclose(g);
}

/* The tokens of a batch's tokens.jsonl. */
static char **read_tokens(const char *out, size_t *n)
{
    char path[700], *line = NULL;
    size_t cap = 0, k = 0;
    snprintf(path, sizeof path, "%s/tokens.jsonl", out);
    FILE *f = fopen(path, "r");
    char **t = calloc(SUBSET + 1, sizeof *t);
    while (f && t && k < SUBSET && getline(&line, &cap, f) > 0) {
        char *p = strstr(line, "\"token\":\""), *q = p ? strchr(p + 9, '"') : NULL;
        if (q)
            t[k++] = strndup(p + 9, (size_t)(q - p - 9));
    }
    free(line);
    if (f)
        fclose(f);
    *n = k;
    return t;
}

/* Where one record's register cost goes: decoding its token, then the row. */
static void split_cost(const char *dir, char **tok, size_t n)
{
    hc_claims c;
    double t0 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID);
    for (size_t i = 0; i < n; i++)
        if (hc_inspect(tok[i], strlen(tok[i]), &c) != HC_OK)
            bench_die("a token does not decode");
    double t1 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID);
    char db[512];
    snprintf(db, sizeof db, "%s/split.db", dir);
    hc_register *reg = NULL;
    hc_reg_batch *b = NULL;
    if (hc_register_open(db, HC_REGISTER_CREATE, &reg, NULL) != HC_OK || hc_register_set_key(reg, key) != HC_OK ||
        hc_reg_batch_new(reg, "0123456789abcdef", &b) != HC_OK)
        bench_die("cannot make a register");
    double t2 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID);
    for (size_t i = 0; i < n; i++)
        if (hc_reg_batch_add(b, i + 1, tok[i], strlen(tok[i])) != HC_OK ||
            ((i + 1) % 10000 == 0 && hc_reg_batch_commit(b, NOW, NULL) != HC_OK))
            bench_die("cannot record");
    if (hc_reg_batch_commit(b, NOW, NULL) != HC_OK)
        bench_die("cannot commit");
    double t3 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID);
    printf("   a record's register cost: %.2f us decoding its token (hc_inspect), %.2f us its row with the "
           "decoding (chain hash, personal digest, insert, counts, a signed head each 10 000), CPU\n",
           (t1 - t0) * 1e6 / (double)n, (t3 - t2) * 1e6 / (double)n);
    hc_reg_batch_free(b);
    hc_register_free(reg);
}

/* pairs pairs of the batch without and with a register (big: the register
 * to record into, else a fresh one a pair); prints the ratios. */
static void ratios(const char *sub, const char *dir, int pairs, const char *big, const char *what)
{
    double c[PAIRS], w[PAIRS], base[PAIRS];
    for (int k = 0; k < pairs; k++) {
        /* alternate which goes first: neither always runs on a warmer cache */
        timing a, b;
        if (k % 2) {
            b = one_batch(sub, dir, k, true, big);
            a = one_batch(sub, dir, k, false, big);
        } else {
            a = one_batch(sub, dir, k, false, big);
            b = one_batch(sub, dir, k, true, big);
        }
        c[k] = a.cpu / b.cpu;
        w[k] = a.wall / b.wall;
        base[k] = a.cpu;
    }
    qsort(c, (size_t)pairs, sizeof c[0], cmp_double);
    qsort(w, (size_t)pairs, sizeof w[0], cmp_double);
    qsort(base, (size_t)pairs, sizeof base[0], cmp_double);
    printf("%s, 1 thread, %d records, %d pairs:\n"
           "   throughput ratio (CPU time) %.3f (range %.3f-%.3f); wall time %.3f (%.3f-%.3f); goal >= 0.90\n"
           "   baseline %.0f records/CPU-s\n",
           what, SUBSET, pairs, c[pairs / 2], c[0], c[pairs - 1], w[pairs / 2], w[0], w[pairs - 1],
           SUBSET / base[pairs / 2]);
    fflush(stdout);
}

static char bench_dir[] = "/tmp/bench_register_XXXXXX";

static void bench_batch(const char *in)
{
    char sub[600];
    if (!mkdtemp(bench_dir))
        bench_die("mkdtemp");
    const char *dir = bench_dir;
    snprintf(sub, sizeof sub, "%s/in.jsonl", dir);
    subset(in, sub);
    ratios(sub, dir, PAIRS, NULL, "1. batch --register (a new register) against the same batch without");
    char out0[64];
    snprintf(out0, sizeof out0, "%s/out-0-0", dir);
    size_t n = 0;
    char **tok = read_tokens(out0, &n);
    split_cost(dir, tok, n);
    for (size_t i = 0; i < n; i++)
        free(tok[i]);
    free(tok);
}

/* 3. The same batch into a copy of the big register: the cost of a code
 * must not grow with the register. */
static void bench_batch_big(const char *big, uint64_t rows)
{
    char copy[600], cmd[1400], sub[600], what[160];
    snprintf(copy, sizeof copy, "%s/big.db", bench_dir);
    snprintf(sub, sizeof sub, "%s/in.jsonl", bench_dir);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", big, copy);
    if (system(cmd) != 0)
        bench_die("cannot copy the big register");
    snprintf(what, sizeof what, "3. batch --register into a register that holds %llu codes, against the same "
             "batch without", (unsigned long long)rows);
    ratios(sub, bench_dir, 3, copy, what);
}

/* ------------------------------------------------------------ 2. stats */

/* A register of rows codes, as 65 million would look after a month: 30 days,
 * 94.7 % green, 4 % yellow, 1.3 % red, residences in 40 prefectures. Built
 * through hc_reg_insert_code (the chain, the personal digest, the row) and
 * the counts, 100 000 rows a transaction; the tokens are not signed (the
 * register never reads them back). */
static void build(const char *path, uint64_t rows)
{
    static const uint32_t prefs[] = {110100, 120100, 130100, 310100, 320100, 320500, 330100, 330200, 330300,
                                     330400, 330500, 330600, 330700, 330800, 330900, 331000, 331100, 340100,
                                     350100, 350200, 360100, 370100, 370200, 410100, 420100, 420500, 420600,
                                     430100, 440100, 440300, 450100, 460100, 500100, 510100, 520100, 530100,
                                     610100, 620100, 650100, 210100};
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.part", path);
    unlink(tmp);
    hc_register *reg = NULL;
    if (hc_register_open(tmp, HC_REGISTER_CREATE, &reg, NULL) != HC_OK || hc_register_set_key(reg, key) != HC_OK)
        bench_die("cannot make the register");
    (void)hc_reg_exec(reg, "PRAGMA synchronous=OFF; PRAGMA cache_size=-262144");
    uint64_t x = 88172645463325252u;
    double t0 = bench_seconds(CLOCK_MONOTONIC);
    for (uint64_t done = 0; done < rows;) {
        hc_reg_head head;
        int64_t counts[30][40][3];
        memset(counts, 0, sizeof counts);
        if (hc_reg_begin(reg, &head, NULL) != HC_OK)
            bench_die("begin");
        for (int i = 0; i < 100000 && done < rows; i++, done++) {
            hc_register_code c;
            memset(&c, 0, sizeof c);
            uint8_t b[24];
            for (int j = 0; j < 3; j++) {   /* xorshift64 */
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                memcpy(b + 8 * j, &x, 8);
            }
            hc_hex_encode(b, 8, c.cti);
            hc_hex_encode(b + 8, 16, c.sub);
            strcpy(c.iss, "CN-330000");
            hc_hex_encode(key->kid, 8, c.kid);
            unsigned r = b[0] % 1000, day = b[1] % 30, p = b[2] % 40;
            c.colour = r < 947 ? HC_GREEN : r < 987 ? HC_YELLOW : HC_RED;
            c.iat = NOW + (int64_t)day * 86400;
            c.exp = c.iat + 86400;
            c.region = prefs[p] + 2;
            strcpy(c.doc, "3304**********1230");
            snprintf(c.batch, sizeof c.batch, "%016x", (unsigned)day);
            c.line = done + 1;
            if (hc_reg_insert_code(reg, &head, &c, NULL) != HC_OK)
                bench_die("insert");
            counts[day][p][c.colour]++;
        }
        for (int d = 0; d < 30; d++) {   /* each day's batch: its progress row */
            char sql[200];
            int64_t n = 0;
            for (int p = 0; p < 40; p++)
                n += counts[d][p][0] + counts[d][p][1] + counts[d][p][2];
            snprintf(sql, sizeof sql, "INSERT INTO batches VALUES('%016x', %lld, %llu) ON CONFLICT(batch) DO "
                     "UPDATE SET rows = rows + excluded.rows, last_line = excluded.last_line", (unsigned)d,
                     (long long)n, (unsigned long long)done);
            if (n && hc_reg_exec(reg, sql) != SQLITE_OK)
                bench_die("batches");
        }
        for (int d = 0; d < 30; d++)
            for (int p = 0; p < 40; p++)
                for (int c = 0; c < 3; c++)
                    if (counts[d][p][c] &&
                        hc_reg_count_add(reg, hc_reg_day(NOW + d * 86400), prefs[p], (hc_colour)c, counts[d][p][c],
                                         NULL) != HC_OK)
                        bench_die("counts");
        if (hc_reg_commit(reg, &head, NOW, NULL) != HC_OK)
            bench_die("commit");
        if (done % 1000000 == 0)
            fprintf(stderr, "\r   building: %llu rows, %.0f rows/s   ", (unsigned long long)done,
                    (double)done / (bench_seconds(CLOCK_MONOTONIC) - t0));
    }
    fprintf(stderr, "\n");
    hc_register_free(reg);
    if (rename(tmp, path) != 0)
        bench_die("cannot keep the register");
}

static double timed_stats(const char *path, hc_stats_by by, uint64_t *total, size_t *rows)
{
    double t0 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID);
    hc_register *reg = NULL;
    hc_register_stats *s = NULL;
    if (hc_register_open(path, HC_REGISTER_READ_ONLY, &reg, NULL) != HC_OK ||
        hc_register_stats_get(reg, by, &s) != HC_OK)
        bench_die("stats failed");
    *total = s->issued[0] + s->issued[1] + s->issued[2];
    *rows = s->n_rows;
    hc_register_stats_free(s);
    hc_register_free(reg);
    return bench_seconds(CLOCK_PROCESS_CPUTIME_ID) - t0;
}

static double timed_scan(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    double t0 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        bench_die("scan");
    while (sqlite3_step(st) == SQLITE_ROW)
        ;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return bench_seconds(CLOCK_PROCESS_CPUTIME_ID) - t0;
}

static void bench_stats(uint64_t rows)
{
    char path[600];
    snprintf(path, sizeof path, "%s/bench/register-%llu.db", HC_BUILD_ROOT, (unsigned long long)rows);
    if (access(path, F_OK) != 0) {
        printf("   (building %s once: kept for the next run)\n", path);
        fflush(stdout);
        build(path, rows);
    }
    static const char *const names[] = {"by colour", "by day", "by province", "by prefecture"};
    printf("2. stats over %llu codes (%s), one core, process CPU time (goal < 2 s):\n", (unsigned long long)rows,
           path);
    for (int by = 0; by < 4; by++) {
        uint64_t total = 0;
        size_t n = 0;
        double best = 1e9;
        for (int i = 0; i < 3; i++) {
            double t = timed_stats(path, (hc_stats_by)by, &total, &n);
            best = t < best ? t : best;
        }
        printf("   %-14s %8.2f ms (open + query + close; %llu codes in %zu rows)\n", names[by], best * 1e3,
               (unsigned long long)total, n);
    }
    printf("   the same from the codes themselves, GROUP BY (no summary): by colour %.2f s, by day %.2f s\n",
           timed_scan(path, "SELECT colour, count(*) FROM codes GROUP BY colour"),
           timed_scan(path, "SELECT (iat + 28800) / 86400, colour, count(*) FROM codes GROUP BY 1, 2"));
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc < 2 ? stderr : stdout, "usage: bench_register RECORDS.jsonl [ROWS]\n"
                "  RECORDS: python3 bench/gen_records.py --n 100000 > /tmp/p100k.jsonl\n"
                "  ROWS: the size of the stats register (default 10000000; built once, kept in the build dir)\n");
        return argc < 2 ? 2 : 0;
    }
    uint64_t rows = argc > 2 ? strtoull(argv[2], NULL, 10) : 10000000u;
    key = th_load_key("tests/keys/es256.pem");
    if (!key)
        bench_die("cannot load tests/keys/es256.pem");
    bench_batch(argv[1]);
    bench_stats(rows);
    char big[600];
    snprintf(big, sizeof big, "%s/bench/register-%llu.db", HC_BUILD_ROOT, (unsigned long long)rows);
    bench_batch_big(big, rows);
    rm_rf(bench_dir);
    hc_key_free(key);
    return 0;
}

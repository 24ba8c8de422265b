/* cmd_batch.c — `healthcode batch`: the hc_batch_run() library call with a
 * command line, a progress bar on a terminal and a final summary. Public API only. */
#include "cli.h"
#include "cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { EX_BATCH_ERRORS = 4, EX_BATCH_MAX_ERRORS = 5 };

static const char usage_batch[] =
    "usage: healthcode batch --key PRIV.pem --issuer ISS --in FILE.jsonl|FILE.csv|- --out DIR\n"
    "                        [--policy P.json] [--risk-map MAP.csv] [--now T] [--validity 24h]\n"
    "                        [--subject-secret FILE] [--png] [--sheets] [--sheets-format pdf|png]\n"
    "                        [--threads N] [--key-pass file:PATH|env:VAR]\n"
    "                        [--shard K/N] [--max-errors N] [--resume] [--quiet]\n"
    "                        [--register R.db]\n"
    "\n"
    "Issues a code for every record of FILE (one JSON record a line, or CSV with a\n"
    "header of flat fields: see doc/batch.md) into DIR: tokens.jsonl (line, cti,\n"
    "colour, token, in input order) and errors.jsonl (line, field, message). Every\n"
    "input line ends in exactly one of them. A batch killed at any instant continues\n"
    "with --resume: every record issued once, no torn line. --in - reads standard\n"
    "input, kept first in DIR/stdin.jsonl (DIR/stdin.csv if it does not start with\n"
    "'{'), which --resume then continues from.\n"
    "\n"
    "  --png            also DIR/png/LINE.png, the QR image of each code\n"
    "  --sheets         also DIR/sheets.pdf: A4 pages of 6 paper codes with colour in\n"
    "                   Chinese and English, masked name and document, validity in the\n"
    "                   policy's time zone, issuer, input line, cut lines\n"
    "  --sheets-format png  the sheets as DIR/sheets/page-NNNNNN.png (150 dpi) instead\n"
    "  --threads N      signing threads (default: the number of cores)\n"
    "  --key-pass SRC   the passphrase of an encrypted key: file:PATH (mode 0600, its\n"
    "                   first line) or env:VAR\n"
    "  --shard K/N      only the lines whose number mod N is K (0 <= K < N)\n"
    "  --max-errors N   stop (exit 5) once N lines have failed\n"
    "  --resume         continue the batch in DIR (uses its first run's --now)\n"
    "  --quiet          no progress bar, no summary\n"
    "  --register R.db  record every code in the issuer's register (made if missing),\n"
    "                   exactly once per line of tokens.jsonl, also across kills and\n"
    "                   --resume (which needs the same register); doc/register.md\n"
    "  --now T          issue time (epoch seconds or ISO 8601; default: now)\n"
    "  --validity D     validity of every code (default 24h; at most 30d)\n"
    "\n"
    "Exit status: 0 all issued, 2 usage, 3 input or I/O error, 4 finished with input\n"
    "errors (see DIR/errors.jsonl), 5 stopped at --max-errors.\n";

typedef struct {
    bool bar;              /* stderr is a terminal */
    struct timespec start, last;
    uint64_t lines_at_start;
    bool started;
} progress_state;

static double seconds_since(const struct timespec *a)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    return (double)(b.tv_sec - a->tv_sec) + (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

/* Draws "[#####.....]  42%  84000 lines  3120/s  ETA 0:00:37" on stderr, at
 * most 10 times a second. The rate counts this run's lines only (not resumed
 * ones); the ETA comes from the input bytes left. */
static void on_progress(void *ctx, const hc_batch_progress *p)
{
    progress_state *st = ctx;
    if (!st->started) {
        st->started = true;
        st->lines_at_start = p->lines;
        clock_gettime(CLOCK_MONOTONIC, &st->start);
        st->last = st->start;
    }
    if (!st->bar)
        return;
    if (!p->done && seconds_since(&st->last) < 0.1)
        return;
    clock_gettime(CLOCK_MONOTONIC, &st->last);
    double el = seconds_since(&st->start);
    double frac = p->bytes_total ? (double)p->bytes_read / (double)p->bytes_total : 0;
    if (frac > 1)
        frac = 1;
    double rate = el > 0 ? (double)(p->lines - st->lines_at_start) / el : 0;
    double eta = frac > 0 && frac < 1 && el > 0 ? el * (1 - frac) / frac : 0;
    char bar[31];
    int fillc = (int)(frac * 30);
    for (int i = 0; i < 30; i++)
        bar[i] = i < fillc ? '#' : '.';
    bar[30] = '\0';
    long e = (long)eta;
    fprintf(stderr, "\r[%s] %3d%%  %" PRIu64 " lines  %" PRIu64 " errors  %.0f/s  ETA %ld:%02ld:%02ld ",
            bar, (int)(frac * 100), p->lines, p->errors, rate, e / 3600, e / 60 % 60, e % 60);
    if (p->done)
        fputc('\n', stderr);
    fflush(stderr);
}

static bool parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return false;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

static bool parse_shard(const char *s, unsigned *k, unsigned *n)
{
    const char *slash = strchr(s, '/');
    char kb[24];
    uint64_t kv, nv;
    if (!slash || (size_t)(slash - s) >= sizeof kb)
        return false;
    memcpy(kb, s, (size_t)(slash - s));
    kb[slash - s] = '\0';
    if (!parse_u64(kb, &kv) || !parse_u64(slash + 1, &nv) || nv == 0 || nv > 1000000 || kv >= nv)
        return false;
    *k = (unsigned)kv;
    *n = (unsigned)nv;
    return true;
}

static void print_summary(const hc_batch_summary *s, const char *out, double secs)
{
    uint64_t issued = s->issued[0] + s->issued[1] + s->issued[2];
    fprintf(stderr,
            "healthcode batch: %" PRIu64 " lines: %" PRIu64 " issued (green %" PRIu64 ", yellow %" PRIu64
            ", red %" PRIu64 "), %" PRIu64 " errors",
            s->lines, issued, s->issued[HC_GREEN], s->issued[HC_YELLOW], s->issued[HC_RED], s->errors);
    if (s->resumed_lines)
        fprintf(stderr, " (%" PRIu64 " lines kept from the earlier run)", s->resumed_lines);
    if (s->sheets)
        fprintf(stderr, ", %" PRIu64 " sheets", s->sheets);
    double rate = secs > 0 ? (double)(s->lines - s->resumed_lines) / secs : 0;
    fprintf(stderr, "; %.1f s (%.0f lines/s)\n", secs, rate);
    if (s->errors)
        fprintf(stderr, "healthcode batch: the input errors are in %s/errors.jsonl\n", out);
}

typedef struct {
    const char *key, *iss, *policy, *risk, *now, *secret, *in, *out, *reg;
    const char *key_pass;  /* --key-pass: the passphrase of an encrypted key */
    bool quiet;
} batch_args;

static int exit_for(hc_err e)
{
    if (e == HC_E_ARG)
        return EX_USAGE;
    if (e == HC_E_LIMIT)
        return EX_BATCH_MAX_ERRORS;
    return cli_exit_for(e) >= EX_REGISTER ? cli_exit_for(e) : EX_INPUT;   /* the register's 40-46 */
}

/* Whether DIR/NAME exists. */
static bool exists_in(const char *dir, const char *name)
{
    char p[4096];
    struct stat st;
    return (size_t)snprintf(p, sizeof p, "%s/%s", dir, name) < sizeof p && stat(p, &st) == 0;
}

/* `--in -`: standard input, copied durably into DIR first (DIR/stdin.jsonl, or
 * DIR/stdin.csv when its first byte that is not white space is not '{'), so that
 * the batch reads a file like any other, --resume finds the same input there,
 * and nothing piped in is lost with the pipe. A resume uses that copy and does
 * not read standard input. The copy is 0600: it holds the records in full. */
static int spool_stdin(const char *out, bool resume, char *path, size_t cap)
{
    static const char *const names[] = {"stdin.jsonl", "stdin.csv"};
    for (size_t i = 0; i < 2; i++) {
        if (!exists_in(out, names[i]))
            continue;
        if (!resume)
            return cli_usage_error("batch", "%s holds a batch read from standard input (%s): "
                                            "--resume continues it; a new batch needs another --out", out, names[i]);
        snprintf(path, cap, "%s/%s", out, names[i]);
        fprintf(stderr, "healthcode batch: resuming from %s, the copy of standard input the first run "
                        "kept; standard input is not read\n", path);
        return 0;
    }
    if (!resume && exists_in(out, "batch.json"))
        return cli_usage_error("batch", "%s holds a batch already: --resume continues it", out);
    if (isatty(STDIN_FILENO))
        return cli_usage_error("batch", "--in -: standard input is a terminal: pipe the records in "
                                        "(grep … people.jsonl | healthcode batch --in - …)");
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s/.stdin.tmp", out) >= sizeof tmp || strlen(out) + 13 >= cap)
        return cli_usage_error("batch", "--out: the path is too long");
    if (mkdir(out, 0755) != 0 && errno != EEXIST) {
        cli_error("%s: %s", out, strerror(errno));
        return EX_INPUT;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), err = fd < 0 ? errno : 0;
    char first = '\0';
    if (!err)
        err = cli_copy_stdin(fd, &first);
    if (fd >= 0 && close(fd) != 0 && !err)
        err = errno;
    snprintf(path, cap, "%s/%s", out, names[first && first != '{']);
    if (!err && rename(tmp, path) != 0)
        err = errno;
    int dfd = err ? -1 : open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (!err && (dfd < 0 || fsync(dfd) != 0))
        err = errno;
    if (dfd >= 0)
        close(dfd);
    if (err) {
        unlink(tmp);
        cli_error("batch: cannot keep standard input in %s: %s", path, strerror(err));
        return EX_INPUT;
    }
    return 0;
}

static int run_batch(const batch_args *ba, hc_batch_opts *o)
{
    hc_key *key = NULL;
    hc_policy *pol = NULL;
    uint8_t *secret = NULL;
    size_t secret_len = 0;
    hc_diag d = {0};
    hc_err e = HC_OK;
    int rc = cli_load_private_key(ba->key, ba->key_pass, &key);
    if (rc)
        return rc;
    if (ba->secret && (rc = cli_load_secret(ba->secret, &secret, &secret_len)))
        goto done;
    /* no policy given: the library's default (NULL) */
    if ((ba->policy || ba->risk) && (rc = cli_load_policy(ba->policy, ba->risk, &pol)))
        goto done;
#if HC_WITH_REGISTER
    hc_register *reg = NULL;
    if (ba->reg && (rc = cli_register_open("batch", ba->reg, HC_REGISTER_CREATE, key, &reg)))
        goto done;
    o->reg = reg;
#endif
    o->key = key;
    o->policy = pol;
    o->subject_secret = secret;
    o->subject_secret_len = secret_len;
    progress_state ps = {.bar = !ba->quiet && isatty(STDERR_FILENO)};
    o->progress = on_progress;
    o->progress_ctx = &ps;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    hc_batch_summary s;
    char spooled[4096];
    const char *in = ba->in;
    if (strcmp(in, "-") == 0) {
        if ((rc = spool_stdin(ba->out, o->resume, spooled, sizeof spooled)) != 0)
            goto done;
        in = spooled;
    }
    e = hc_batch_run(o, in, ba->out, &s, &d);
    double secs = seconds_since(&t0);
    if (e && e != HC_E_LIMIT) {
        if (e == HC_E_RECORD)
            cli_diag(in, e, &d);   /* the CSV header: line 1 and the column */
        else
            cli_error("batch: %s", d.message[0] ? d.message : hc_strerror(e));
        rc = exit_for(e);
        goto done;
    }
    if (!ba->quiet)
        print_summary(&s, ba->out, secs);
    if (e == HC_E_LIMIT) {
        cli_error("batch: %s; the output in %s is consistent: fix the input or raise --max-errors, "
                  "then run again with --resume", d.message, ba->out);
        rc = EX_BATCH_MAX_ERRORS;
    } else {
        rc = s.errors ? EX_BATCH_ERRORS : 0;
    }
done:
    if (secret) {
        explicit_bzero(secret, secret_len);
        free(secret);
    }
#if HC_WITH_REGISTER
    hc_register_free(o->reg);
#endif
    hc_policy_free(pol);
    hc_key_free(key);
    return rc;
}

int cmd_batch(int argc, char **argv)
{
    enum { O_VALIDITY = 1, O_PNG, O_SHEETS, O_SHEETS_FORMAT, O_THREADS, O_SHARD, O_MAXERR,
           O_RESUME, O_QUIET, O_CHECKPOINT };
    batch_args ba = {0};
    const cli_opt opts[] = {
        {"key", true, 0, &ba.key},        {"issuer", true, 0, &ba.iss},
        {"policy", true, 0, &ba.policy},  {"risk-map", true, 0, &ba.risk},
        {"now", true, 0, &ba.now},        {"subject-secret", true, 0, &ba.secret},
        {"in", true, 0, &ba.in},          {"out", true, 0, &ba.out},
        {"validity", true, O_VALIDITY, NULL}, {"png", false, O_PNG, NULL},
        {"sheets", false, O_SHEETS, NULL},    {"sheets-format", true, O_SHEETS_FORMAT, NULL},
        {"threads", true, O_THREADS, NULL},   {"shard", true, O_SHARD, NULL},
        {"max-errors", true, O_MAXERR, NULL}, {"resume", false, O_RESUME, NULL},
        {"quiet", false, O_QUIET, NULL},      {"checkpoint", true, O_CHECKPOINT, NULL},
        {"key-pass", true, 0, &ba.key_pass},
        {"register", true, 0, &ba.reg},
        {NULL, false, 0, NULL}};
    cli_args a;
    cli_args_init(&a, "batch", usage_batch, argc, argv);
    hc_batch_opts o = {0};
    o.threads = hc_batch_default_threads();
    o.validity_s = 86400;
    uint64_t v;
    const char *val;
    for (int id; (id = cli_next(&a, opts, &val)) != CLI_END;) {
        switch (id) {
        case O_PNG: o.png = true; break;
        case O_SHEETS: o.sheets = true; break;
        case O_SHEETS_FORMAT:
            if (strcmp(val, "pdf") != 0 && strcmp(val, "png") != 0)
                return cli_usage_error("batch", "--sheets-format: '%s' is neither pdf nor png", val);
            o.sheets = true;
            o.sheets_format = strcmp(val, "png") == 0;
            break;
        case O_RESUME: o.resume = true; break;
        case O_QUIET: ba.quiet = true; break;
        case O_VALIDITY:
            if (!cli_parse_duration(val, &o.validity_s) || o.validity_s <= 0 || o.validity_s > HC_VALIDITY_MAX)
                return cli_usage_error("batch", "--validity: '%s' is not a duration from 1s to 30d", val);
            break;
        case O_THREADS:
            if (!parse_u64(val, &v) || v < 1 || v > 256)
                return cli_usage_error("batch", "--threads: '%s' is not a number from 1 to 256", val);
            o.threads = (unsigned)v;
            break;
        case O_SHARD:
            if (!parse_shard(val, &o.shard_k, &o.shard_n))
                return cli_usage_error("batch", "--shard: '%s' is not K/N with 0 <= K < N", val);
            break;
        case O_MAXERR:
            if (!parse_u64(val, &o.max_errors) || o.max_errors == 0)
                return cli_usage_error("batch", "--max-errors: '%s' is not a positive number", val);
            break;
        case O_CHECKPOINT:
            if (!parse_u64(val, &o.checkpoint) || o.checkpoint == 0)
                return cli_usage_error("batch", "--checkpoint: '%s' is not a positive number", val);
            break;
        case CLI_POSITIONAL:
            return cli_usage_error("batch", "unexpected operand '%s' (the input is --in FILE)", val);
        default: return cli_stop(id);
        }
    }
    if (!ba.key || !ba.iss)
        return cli_usage_error("batch", "both --key PRIV.pem and --issuer ISS are needed");
    if (!ba.in || !ba.out)
        return cli_usage_error("batch", "both --in FILE and --out DIR are needed");
#if !HC_WITH_RENDER
    if (o.png)
        return cli_usage_error("batch", "--png needs a build with render support (meson -Drender)");
#endif
#if !HC_WITH_REGISTER
    if (ba.reg)
        return cli_usage_error("batch", "--register: this build has no register (meson -Dregister: libsqlite3-dev)");
#endif
#if !HC_WITH_SHEETS
    if (o.sheets)
        return cli_usage_error("batch", "--sheets needs a build with sheets support (meson -Dsheets: cairo, pango)");
#endif
    if (ba.now) {
        if (!cli_parse_time(ba.now, &o.now))
            return cli_usage_error("batch", "--now: '%s' is neither epoch seconds nor an ISO 8601 date", ba.now);
    } else {
        o.now = (int64_t)time(NULL);   /* the CLI reads the clock; the library never does */
    }
    o.iss = ba.iss;
    return run_batch(&ba, &o);
}

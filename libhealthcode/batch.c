/* batch.c — issuing many codes from a file: read lines into windows, sign
 * them on worker threads (batch_worker.c), write the results in input order
 * to append-only files with a checksum on every line (batch_output.c), so
 * that a run killed at any instant can resume (batch.h and doc/batch.md
 * describe the files and the recovery; batch_run.h the split). */
#define _GNU_SOURCE           /* syncfs, memmem (the sheets) */
#include "internal.h"
#include "batch_impl.h"
#include "batch_run.h"

#include <healthcode/batch.h>
#include <healthcode/issue.h>
#include <healthcode/verify.h>
#if HC_WITH_RENDER
#include <healthcode/render.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_VALIDITY_S 86400
#define DEFAULT_CHECKPOINT 10000
#define WINDOW_PER_THREAD 128
#define WINDOW_PER_THREAD_PNG 16

unsigned hc_batch_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (n > 256 ? 256 : (unsigned)n);
}

/* ---------------------------------------------------------------- windows */

static hc_err window_alloc(run *r)
{
    /* With images a record costs milliseconds: a smaller window keeps the
     * work a kill can waste (and the progress steps) small. */
    r->cap_slots = (size_t)(r->o->png ? WINDOW_PER_THREAD_PNG : WINDOW_PER_THREAD) * r->nthreads;
    for (int k = 0; k < 2; k++) {
        window *win = &r->win[k];
        win->slots = calloc(r->cap_slots, sizeof *win->slots);
        if (!win->slots)
            return HC_E_NOMEM;
        for (size_t i = 0; i < r->cap_slots; i++) {
            win->slots[i].out = malloc(OUT_LINE_MAX);
            if (!win->slots[i].out)
                return HC_E_NOMEM;
        }
        win->arena_cap = 1u << 20;
        win->arena = malloc(win->arena_cap);
        if (!win->arena)
            return HC_E_NOMEM;
    }
    return HC_OK;
}

static void window_free(run *r)
{
    for (int k = 0; k < 2; k++) {
        window *win = &r->win[k];
        if (win->slots)
            for (size_t i = 0; i < r->cap_slots; i++)
                free(win->slots[i].out);
        free(win->slots);
        free(win->arena);
    }
}

static hc_err arena_add(window *win, const char *s, size_t n, size_t *off)
{
    if (win->arena_len + n + 1 > win->arena_cap) {
        size_t cap = win->arena_cap;
        while (cap < win->arena_len + n + 1)
            cap *= 2;
        char *a = realloc(win->arena, cap);
        if (!a)
            return HC_E_NOMEM;
        win->arena = a;
        win->arena_cap = cap;
    }
    *off = win->arena_len;
    if (n)
        memcpy(win->arena + win->arena_len, s, n);
    win->arena[win->arena_len + n] = '\0';
    win->arena_len += n + 1;
    return HC_OK;
}

/* Reads the next window of the shard's lines. */
static hc_err window_fill(run *r, window *win, hc_lr *in, bool *eof)
{
    win->n = 0;
    win->arena_len = 0;
    /* An arena that grew for a huge line goes back to its usual size. */
    if (win->arena_cap > (8u << 20)) {
        char *a = realloc(win->arena, 1u << 20);
        if (a) {
            win->arena = a;
            win->arena_cap = 1u << 20;
        }
    }
    while (win->n < r->cap_slots) {
        const char *s;
        size_t n;
        bool too_long;
        int got = hc_lr_next(in, &s, &n, &too_long);
        if (got <= 0) {   /* the end of the input, or an I/O error */
            if (got == 0)
                *eof = true;
            return got == 0 ? HC_OK : HC_E_IO;
        }
        if (!hc_batch_in_shard(r, in->line_no))
            continue;
        slot *sl = &win->slots[win->n];
        sl->line = in->line_no;
        sl->too_long = too_long;
        sl->len = n;
        hc_err err = arena_add(win, s, n, &sl->off);
        if (err != HC_OK)
            return err;
        win->n++;
    }
    return HC_OK;
}

static void report(const hc_batch_opts *o, const hc_batch_summary *s, const hc_lr *in,
                   uint64_t total, bool done)
{
    if (!o->progress)
        return;
    hc_batch_progress p = {
        .lines = s->lines, .issued = s->issued[0] + s->issued[1] + s->issued[2],
        .errors = s->errors, .bytes_read = in->off, .bytes_total = total, .done = done,
    };
    o->progress(o->progress_ctx, &p);
}

/* Writes the buffered lines of win->slots[0..n); with a register, their
 * rows follow only lines that were written (they are committed once the
 * file is synced, batch_loop). */
static hc_err flush_lines(run *r, const window *win, size_t n, outputs *out)
{
    hc_err err = hc_batch_outputs_flush(out);
    if (err == HC_OK && r->regb)
        err = hc_batch_reg_add(r, win, n);
    return err;
}

/* Writes the window in input order. Stops at a fatal slot or at max_errors. */
static hc_err window_write(run *r, const window *win, outputs *out, hc_batch_summary *sum,
                           hc_diag *diag, bool *stop)
{
    for (size_t i = 0; i < win->n; i++) {
        slot *s = &win->slots[i];
        if (s->kind == SLOT_FATAL) {
            *stop = true;
            hc_err err = flush_lines(r, win, i, out);
            return err != HC_OK ? err
                                : hc_diag_set(diag, s->err, "", "line %" PRIu64 ": %s", s->line,
                                              hc_strerror(s->err));
        }
        if (s->kind == SLOT_TOKEN) {
            memcpy(out->tbuf + out->tlen, s->out, s->out_len);
            out->tlen += s->out_len;
            sum->issued[s->colour]++;
        } else {
            memcpy(out->ebuf + out->elen, s->out, s->out_len);
            out->elen += s->out_len;
            sum->errors++;
        }
        sum->lines++;
        if (r->o->max_errors && sum->errors >= r->o->max_errors) {
            *stop = true;
            sum->max_errors_reached = true;
            hc_err err = flush_lines(r, win, i + 1, out);
            if (err != HC_OK)
                return err;
            return hc_diag_set(diag, HC_E_LIMIT, "", "stopped at line %" PRIu64 ": %" PRIu64
                               " input errors reached the limit (max_errors)", s->line, sum->errors);
        }
    }
    return flush_lines(r, win, win->n, out);
}

/* ------------------------------------------------------------- main loop */

static hc_err check_opts(const hc_batch_opts *o, const char *in, const char *dir, hc_diag *diag)
{
    if (!o || !in || !dir)
        return hc_diag_set(diag, HC_E_ARG, "", "opts, the input and the output directory are required");
    if (!o->key || !o->iss)
        return hc_diag_set(diag, HC_E_ARG, "", "a signing key and an issuer are required");
    if (o->shard_n > 1 && o->shard_k >= o->shard_n)
        return hc_diag_set(diag, HC_E_ARG, "shard", "shard %u/%u: K must be below N", o->shard_k, o->shard_n);
    if (o->validity_s < 0 || o->validity_s > HC_VALIDITY_MAX || o->now < 0)
        return hc_diag_set(diag, HC_E_ARG, "validity", "validity must be 1 s to 30 days and now >= 0");
    /* hc_assess's range: past it every line would fail alone, one error line each */
    if (o->now > INT64_C(253402300799))
        return hc_diag_set(diag, HC_E_ARG, "now", "now must be at most 9999-12-31T23:59:59Z");
#if !HC_WITH_RENDER
    if (o->png)
        return hc_diag_set(diag, HC_E_UNSUPPORTED, "", "PNG needs the render part (libqrencode, libpng)");
#endif
#if !HC_WITH_REGISTER
    if (o->reg)
        return hc_diag_set(diag, HC_E_UNSUPPORTED, "", "a register needs the register part (libsqlite3)");
#endif
#if !HC_WITH_SHEETS
    if (o->sheets)
        return hc_diag_set(diag, HC_E_UNSUPPORTED, "", "sheets need the sheets part (cairo, pango)");
#endif
    if (o->sheets && (o->sheets_format < 0 || o->sheets_format > 1))
        return hc_diag_set(diag, HC_E_ARG, "sheets_format", "sheets_format must be 0 (PDF) or 1 (PNG)");
    return HC_OK;
}

static bool has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && strcasecmp(s + n - k, suf) == 0;
}

static hc_err batch_loop(run *r, hc_lr *in, outputs *out, hc_batch_summary *sum, uint64_t total,
                         hc_diag *diag)
{
    uint64_t checkpoint = r->o->checkpoint ? r->o->checkpoint : DEFAULT_CHECKPOINT;
    uint64_t since = 0;
    bool eof = false, stop = false;
    hc_err err = HC_OK;
    if (r->o->max_errors && sum->errors >= r->o->max_errors) {
        sum->max_errors_reached = true;
        return hc_diag_set(diag, HC_E_LIMIT, "", "the batch already has %" PRIu64 " input errors (max_errors)",
                           sum->errors);
    }
    /* Pipelined: while the threads process window a, this thread reads b;
     * then, while they process b, it writes a. Lines are still written in
     * input order, by this thread alone, and a window read ahead is never
     * written unless every window before it was. */
    window *a = &r->win[0], *b = &r->win[1];
    err = window_fill(r, a, in, &eof);
    if (err != HC_OK || a->n == 0)
        return err != HC_OK ? err : hc_batch_outputs_sync(out);
    hc_batch_window_start(r, a);
    for (;;) {
        hc_err fill_err = HC_OK;
        b->n = 0;
        if (!eof)
            fill_err = window_fill(r, b, in, &eof);
        hc_batch_window_finish(r, false);
        bool more = fill_err == HC_OK && b->n > 0;
        if (more)
            hc_batch_window_start(r, b);
        err = window_write(r, a, out, sum, diag, &stop);
        since += a->n;
        if (since >= checkpoint || !more || stop || err != HC_OK) {
            hc_err e2 = hc_batch_outputs_sync(out);
            /* the register's rows of synced lines: never ahead of the file */
            if (e2 == HC_OK && r->regb)
                e2 = hc_batch_reg_commit(r, err != HC_OK ? NULL : diag);
            err = err != HC_OK ? err : e2;
            since = 0;
        }
        report(r->o, sum, in, total, false);
        if (err == HC_OK && !stop)
            err = fill_err;
        if (err != HC_OK || stop || !more) {   /* synced just above */
            if (more)
                hc_batch_window_finish(r, true);
            return err;
        }
        window *t = a;
        a = b;
        b = t;
    }
}

static void run_init(run *r, const hc_batch_opts *opts, const char *in_path, const char *out_dir)
{
    memset(r, 0, sizeof *r);
    r->o = opts;
    r->out_dir = out_dir;
    r->csv = has_suffix(in_path, ".csv");
    r->now = opts->now;
    r->validity_s = opts->validity_s ? opts->validity_s : DEFAULT_VALIDITY_S;
    r->nthreads = opts->threads ? opts->threads : 1;
    if (r->nthreads > 256)
        r->nthreads = 256;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->work_cv, NULL);
    pthread_cond_init(&r->done_cv, NULL);
}

static void run_free(run *r)
{
    hc_batch_workers_stop(r);
    hc_batch_reg_free(r);
    window_free(r);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->work_cv);
    pthread_cond_destroy(&r->done_cv);
}

/* Opens the input (its size, when it is a file, into *total for the
 * progress) and reads its first line. */
static hc_err open_input(run *r, hc_lr *in, const char *in_path, uint64_t *total, hc_diag *diag)
{
    struct stat st;
    hc_err err = hc_lr_open(in, in_path, HC_RECORD_MAX);
    if (err != HC_OK)
        return hc_diag_set(diag, err, "", "cannot read %s: %s", in_path, strerror(errno));
    if (fstat(in->fd, &st) == 0 && S_ISREG(st.st_mode))
        *total = (uint64_t)st.st_size;
    return hc_batch_read_head(in, r->csv, &r->hdr, diag);
}

/* Everything before the first window: the policy, the directory (a fresh
 * start or a resume), the windows, the output files and the workers. */
static hc_err run_setup(run *r, hc_lr *in, outputs *out, hc_policy **own_policy,
                        hc_batch_summary *sum, const char *in_path, hc_diag *diag)
{
    bool resuming = false;
    hc_err err;
    r->policy = r->o->policy;
    if (!r->policy) {
        if ((err = hc_policy_load(NULL, own_policy, diag)) != HC_OK)
            return err;
        r->policy = *own_policy;
    }
    if ((err = hc_batch_prepare_dir(r, in_path, &resuming, diag)) != HC_OK)
        return err;
    if (r->o->reg && (err = hc_batch_reg_start(r, diag)) != HC_OK)
        return err;
    if (resuming && (err = hc_batch_resume(r, in, sum, diag)) != HC_OK)
        return err;
    if ((err = window_alloc(r)) != HC_OK || (err = hc_batch_outputs_open(r, out, diag)) != HC_OK)
        return err;
    if ((err = hc_batch_workers_start(r)) != HC_OK)
        hc_diag_set(diag, err, "", "cannot prepare a signer for issuer \"%.40s\": %s", r->o->iss,
                    hc_strerror(err));
    return err;
}

hc_err hc_batch_run(const hc_batch_opts *opts, const char *in_path, const char *out_dir,
                    hc_batch_summary *summary, hc_diag *diag)
{
    hc_batch_summary sum;
    memset(&sum, 0, sizeof sum);
    if (diag)
        memset(diag, 0, sizeof *diag);
    hc_err err = check_opts(opts, in_path, out_dir, diag);
    if (err != HC_OK)
        return err;
    run r;
    run_init(&r, opts, in_path, out_dir);
    hc_policy *own_policy = NULL;
    hc_lr in;
    memset(&in, 0, sizeof in);
    in.fd = -1;
    outputs out = {.tok = -1, .err = -1, .dir = -1, .png_dir = -1};
    uint64_t total = 0;

    err = open_input(&r, &in, in_path, &total, diag);
    if (err == HC_OK)
        err = run_setup(&r, &in, &out, &own_policy, &sum, in_path, diag);
    if (err == HC_OK) {
        err = batch_loop(&r, &in, &out, &sum, total, diag);
#if HC_WITH_SHEETS
        if (err == HC_OK && opts->sheets)
            err = hc_batch_sheets(out_dir, opts, r.policy, &sum.sheets, diag);
#endif
        report(opts, &sum, &in, total, true);
    }
    run_free(&r);
    hc_batch_outputs_close(&out);
    hc_lr_close(&in);
    hc_policy_free(own_policy);
    sum.now = r.now;
    sum.validity_s = r.validity_s;
    if (summary)
        *summary = sum;
    return err;
}

/* ------------------------------------------------------------------ sheets */
#if HC_WITH_SHEETS
#include <healthcode/sheet.h>

/* DIR/sheets.pdf, or DIR/sheets/page-NNNNNN.png, from the whole of
 * DIR/tokens.jsonl (a resumed run prints every page again: a sheet is
 * rewritten whole, never appended to), validity in the policy's zone. */
hc_err hc_batch_sheets(const char *dir, const hc_batch_opts *o, const hc_policy *p,
                       uint64_t *pages, hc_diag *diag)
{
    char in[4096], out[4096];
    hc_sheet_opts so = HC_SHEET_OPTS_DEFAULT;
    so.format = o->sheets_format == 1 ? HC_SHEET_PNG : HC_SHEET_PDF;
    so.utc_offset_s = hc_policy_utc_offset(p);
    int a = snprintf(in, sizeof in, "%s/tokens.jsonl", dir);
    int b = snprintf(out, sizeof out, "%s/%s", dir, so.format == HC_SHEET_PDF ? "sheets.pdf" : "sheets");
    if (a < 0 || b < 0 || (size_t)a >= sizeof in || (size_t)b >= sizeof out)
        return hc_diag_set(diag, HC_E_ARG, "", "the output directory's path is too long");
    unsigned long n = 0;
    hc_err err = hc_sheet_from_jsonl(in, out, &so, &n, diag);
    *pages = n;
    return err;
}
#endif

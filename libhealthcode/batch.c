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

/* Writes the window in input order. Stops at a fatal slot or at max_errors. */
static hc_err window_write(run *r, const window *win, outputs *out, hc_batch_summary *sum,
                           hc_diag *diag, bool *stop)
{
    for (size_t i = 0; i < win->n; i++) {
        slot *s = &win->slots[i];
        if (s->kind == SLOT_FATAL) {
            *stop = true;
            hc_err err = hc_batch_outputs_flush(out);
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
            hc_err err = hc_batch_outputs_flush(out);
            if (err != HC_OK)
                return err;
            return hc_diag_set(diag, HC_E_LIMIT, "", "stopped at line %" PRIu64 ": %" PRIu64
                               " input errors reached the limit (max_errors)", s->line, sum->errors);
        }
    }
    return hc_batch_outputs_flush(out);
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
    if (o->png || o->sheets)
        return hc_diag_set(diag, HC_E_UNSUPPORTED, "", "PNG and sheets need the render part (libqrencode, libpng)");
#endif
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
#if HC_WITH_RENDER
        if (err == HC_OK && opts->sheets)
            err = hc_batch_sheets(out_dir, r.nthreads < 4 ? r.nthreads : 4, &sum.sheets, diag);   /* 7 MiB a page in flight */
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
#if HC_WITH_RENDER
#include "render_impl.h"
#include <png.h>

/* The classic 5×7 bitmap font, ' ' to 'Z' (column bytes, bit 0 at the top).
 * There is no font library among our dependencies; ASCII is all a sheet
 * prints (see doc/batch.md for what that means for CJK names). */
static const uint8_t font5x7[59][5] = {
    {0x00, 0x00, 0x00, 0x00, 0x00}, {0x00, 0x00, 0x5F, 0x00, 0x00}, {0x00, 0x07, 0x00, 0x07, 0x00},
    {0x14, 0x7F, 0x14, 0x7F, 0x14}, {0x24, 0x2A, 0x7F, 0x2A, 0x12}, {0x23, 0x13, 0x08, 0x64, 0x62},
    {0x36, 0x49, 0x55, 0x22, 0x50}, {0x00, 0x05, 0x03, 0x00, 0x00}, {0x00, 0x1C, 0x22, 0x41, 0x00},
    {0x00, 0x41, 0x22, 0x1C, 0x00}, {0x08, 0x2A, 0x1C, 0x2A, 0x08}, {0x08, 0x08, 0x3E, 0x08, 0x08},
    {0x00, 0x50, 0x30, 0x00, 0x00}, {0x08, 0x08, 0x08, 0x08, 0x08}, {0x00, 0x60, 0x60, 0x00, 0x00},
    {0x20, 0x10, 0x08, 0x04, 0x02}, {0x3E, 0x51, 0x49, 0x45, 0x3E}, {0x00, 0x42, 0x7F, 0x40, 0x00},
    {0x42, 0x61, 0x51, 0x49, 0x46}, {0x21, 0x41, 0x45, 0x4B, 0x31}, {0x18, 0x14, 0x12, 0x7F, 0x10},
    {0x27, 0x45, 0x45, 0x45, 0x39}, {0x3C, 0x4A, 0x49, 0x49, 0x30}, {0x01, 0x71, 0x09, 0x05, 0x03},
    {0x36, 0x49, 0x49, 0x49, 0x36}, {0x06, 0x49, 0x49, 0x29, 0x1E}, {0x00, 0x36, 0x36, 0x00, 0x00},
    {0x00, 0x56, 0x36, 0x00, 0x00}, {0x00, 0x08, 0x14, 0x22, 0x41}, {0x14, 0x14, 0x14, 0x14, 0x14},
    {0x41, 0x22, 0x14, 0x08, 0x00}, {0x02, 0x01, 0x51, 0x09, 0x06}, {0x32, 0x49, 0x79, 0x41, 0x3E},
    {0x7E, 0x11, 0x11, 0x11, 0x7E}, {0x7F, 0x49, 0x49, 0x49, 0x36}, {0x3E, 0x41, 0x41, 0x41, 0x22},
    {0x7F, 0x41, 0x41, 0x22, 0x1C}, {0x7F, 0x49, 0x49, 0x49, 0x41}, {0x7F, 0x09, 0x09, 0x01, 0x01},
    {0x3E, 0x41, 0x41, 0x51, 0x32}, {0x7F, 0x08, 0x08, 0x08, 0x7F}, {0x00, 0x41, 0x7F, 0x41, 0x00},
    {0x20, 0x40, 0x41, 0x3F, 0x01}, {0x7F, 0x08, 0x14, 0x22, 0x41}, {0x7F, 0x40, 0x40, 0x40, 0x40},
    {0x7F, 0x02, 0x04, 0x02, 0x7F}, {0x7F, 0x04, 0x08, 0x10, 0x7F}, {0x3E, 0x41, 0x41, 0x41, 0x3E},
    {0x7F, 0x09, 0x09, 0x09, 0x06}, {0x3E, 0x41, 0x51, 0x21, 0x5E}, {0x7F, 0x09, 0x19, 0x29, 0x46},
    {0x46, 0x49, 0x49, 0x49, 0x31}, {0x01, 0x01, 0x7F, 0x01, 0x01}, {0x3F, 0x40, 0x40, 0x40, 0x3F},
    {0x1F, 0x20, 0x40, 0x20, 0x1F}, {0x7F, 0x20, 0x18, 0x20, 0x7F}, {0x63, 0x14, 0x08, 0x14, 0x63},
    {0x03, 0x04, 0x78, 0x04, 0x03}, {0x61, 0x51, 0x49, 0x45, 0x43},
};
static const uint8_t glyph_underscore[5] = {0x40, 0x40, 0x40, 0x40, 0x40};

#define CELL_W (HC_SHEET_W / 2)
#define CELL_H (HC_SHEET_H / 3)
#define TEXT_SCALE 3

static void fill(uint8_t *rgb, int x0, int y0, int x1, int y1, uint32_t c)
{
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > HC_SHEET_W) x1 = HC_SHEET_W;
    if (y1 > HC_SHEET_H) y1 = HC_SHEET_H;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            uint8_t *p = rgb + ((size_t)y * HC_SHEET_W + (size_t)x) * 3;
            p[0] = (uint8_t)(c >> 16);
            p[1] = (uint8_t)(c >> 8);
            p[2] = (uint8_t)c;
        }
}

static const uint8_t *glyph(char ch)
{
    int c = (unsigned char)ch;
    if (c == '_')
        return glyph_underscore;
    if (c >= 'a' && c <= 'z')
        c -= 'a' - 'A';
    if (c < 0x20 || c > 0x5A)
        c = '?';
    return font5x7[c - 0x20];
}

/* Draws text centred on cx; a character is 6 × scale pixels wide. */
static void text_centred(uint8_t *rgb, int cx, int y, int scale, const char *s, uint32_t c)
{
    int x = cx - (int)strlen(s) * 6 * scale / 2;
    for (; *s; s++, x += 6 * scale) {
        const uint8_t *g = glyph(*s);
        for (int col = 0; col < 5; col++)
            for (int row = 0; row < 7; row++)
                if (g[col] & (1u << row))
                    fill(rgb, x + col * scale, y + row * scale, x + (col + 1) * scale,
                         y + (row + 1) * scale, c);
    }
}

static void dashed_h(uint8_t *rgb, int y)
{
    for (int x = 0; x < HC_SHEET_W; x += 20)
        fill(rgb, x, y - 1, x + 12, y + 1, 0x808080);
}

static void dashed_v(uint8_t *rgb, int x)
{
    for (int y = 0; y < HC_SHEET_H; y += 20)
        fill(rgb, x - 1, y, x + 1, y + 12, 0x808080);
}

/* "YYYY-MM-DD HH:MM +08" for t in China Standard Time, the zone of every
 * issuer this library targets and the one paper codes are read in. */
static void format_cst(int64_t t, char *buf, size_t cap)
{
    int64_t s = t + 8 * 3600;
    int64_t days = s >= 0 ? s / 86400 : (s - 86399) / 86400;
    int64_t rem = s - days * 86400;
    /* civil_from_days (H. Hinnant) */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d +08", (int)y, (int)m, (int)d, (int)(rem / 3600),
             (int)(rem % 3600 / 60));
}

static bool ascii_only(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

/* One code in the cell at (x0, y0): the QR with its colour band, then the
 * colour, the masked name, the masked document, the validity, the line. */
static hc_err draw_cell(uint8_t *rgb, int x0, int y0, const char *token, uint64_t line)
{
    hc_claims c;
    hc_err err = hc_inspect(token, strlen(token), &c);
    if (err != HC_OK)
        return err;
    hc_qr_matrix m;
    if ((err = hc_qr_encode(token, HC_ECC_M, &m)) != HC_OK)
        return err;
    const int band = 3;
    int side = hc_render_side(&m, band);
    int scale = (CELL_H - 5 * 9 * TEXT_SCALE - 60) / side;
    if (scale > 6)
        scale = 6;
    if (scale < 1)
        scale = 1;
    int qx = x0 + (CELL_W - side * scale) / 2, qy = y0 + 24;
    for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++)
            fill(rgb, qx + x * scale, qy + y * scale, qx + (x + 1) * scale, qy + (y + 1) * scale,
                 hc_render_cell_rgb(c.colour, hc_render_cell(&m, band, x, y)));
    hc_qr_matrix_free(&m);

    char buf[96], when[32];
    int cx = x0 + CELL_W / 2, ty = qy + side * scale + 14;
    const int lh = 11 * TEXT_SCALE;
    snprintf(buf, sizeof buf, "%s CODE", hc_colour_name(c.colour));
    text_centred(rgb, cx, ty, TEXT_SCALE + 1, buf, hc_render_module_rgb(c.colour));
    ty += lh + 10;
    if (c.nam[0] && ascii_only(c.nam))
        snprintf(buf, sizeof buf, "NAME: %.24s", c.nam);
    else   /* a CJK name cannot be drawn with this font: a line to write it by hand */
        snprintf(buf, sizeof buf, "NAME: ______________");
    text_centred(rgb, cx, ty, TEXT_SCALE, buf, 0x000000);
    ty += lh;
    snprintf(buf, sizeof buf, "DOC: %.32s", c.doc[0] ? c.doc : "-");
    text_centred(rgb, cx, ty, TEXT_SCALE, buf, 0x000000);
    ty += lh;
    format_cst(c.exp, when, sizeof when);
    snprintf(buf, sizeof buf, "VALID TO %s", when);
    text_centred(rgb, cx, ty, TEXT_SCALE, buf, 0x000000);
    ty += lh;
    snprintf(buf, sizeof buf, "%.32s  LINE %" PRIu64, c.iss, line);
    text_centred(rgb, cx, ty, TEXT_SCALE - 1, buf, 0x404040);
    return HC_OK;
}

hc_err hc_batch_sheet_draw(uint8_t *rgb, const char *const *tokens, const uint64_t *lines, int n)
{
    memset(rgb, 0xFF, (size_t)HC_SHEET_W * HC_SHEET_H * 3);
    for (int i = 0; i < n && i < HC_SHEET_PER_PAGE; i++) {
        hc_err err = draw_cell(rgb, (i % 2) * CELL_W, (i / 2) * CELL_H, tokens[i], lines[i]);
        if (err != HC_OK)
            return err;
    }
    /* cut lines between the cells */
    dashed_v(rgb, CELL_W);
    dashed_h(rgb, CELL_H);
    dashed_h(rgb, 2 * CELL_H);
    return HC_OK;
}

typedef struct {
    uint8_t *data;
    size_t len, cap;
    bool oom;
} membuf;

static void png_mem_write(png_structp png, png_bytep p, png_size_t n)
{
    membuf *b = png_get_io_ptr(png);
    if (b->oom)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 65536;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *d = realloc(b->data, cap);
        if (!d) {
            b->oom = true;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void png_mem_flush(png_structp png) { (void)png; }

/* Encodes the page; 150 dpi recorded in pHYs so it prints at A4. */
static hc_err sheet_encode(const uint8_t *rgb, membuf *b)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, &info);
        return HC_E_NOMEM;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return HC_E_IMAGE;
    }
    png_set_write_fn(png, b, png_mem_write, png_mem_flush);
    png_set_IHDR(png, info, HC_SHEET_W, HC_SHEET_H, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_pHYs(png, info, 5906, 5906, PNG_RESOLUTION_METER);   /* 150 dpi */
    png_set_compression_level(png, 3);
    png_set_filter(png, 0, PNG_FILTER_NONE);
    png_write_info(png, info);
    for (int y = 0; y < HC_SHEET_H; y++)
        png_write_row(png, (png_bytep)(rgb + (size_t)y * HC_SHEET_W * 3));
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return b->oom ? HC_E_NOMEM : HC_OK;
}

typedef struct {
    const char *dir;
    uint64_t index;                 /* 1-based page number */
    char *tokens[HC_SHEET_PER_PAGE];
    uint64_t lines[HC_SHEET_PER_PAGE];
    int n;
    hc_err err;
    pthread_t thread;
    bool started;
} page_job;

static void *page_main(void *arg)
{
    page_job *j = arg;
    char path[4096], tmp[4096];
    snprintf(path, sizeof path, "%s/sheets/page-%06" PRIu64 ".png", j->dir, j->index);
    snprintf(tmp, sizeof tmp, "%s/sheets/.page-%06" PRIu64 ".png.tmp", j->dir, j->index);
    j->err = HC_OK;
    if (png_file_complete(path))
        return NULL;   /* made by an earlier run: a page depends only on its 6 lines */
    uint8_t *rgb = malloc((size_t)HC_SHEET_W * HC_SHEET_H * 3);
    membuf b = {0};
    if (!rgb) {
        j->err = HC_E_NOMEM;
        return NULL;
    }
    j->err = hc_batch_sheet_draw(rgb, (const char *const *)j->tokens, j->lines, j->n);
    if (j->err == HC_OK)
        j->err = sheet_encode(rgb, &b);
    free(rgb);
    if (j->err == HC_OK) {
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        bool ok = fd >= 0 && write_all(fd, (const char *)b.data, b.len) == HC_OK;
        ok = (fd >= 0 && close(fd) == 0) && ok;
        if (ok && rename(tmp, path) != 0)
            ok = false;
        if (!ok) {
            unlink(tmp);
            j->err = HC_E_IO;
        }
    }
    free(b.data);
    return NULL;
}

static void jobs_clear(page_job *jobs, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        for (int k = 0; k < jobs[i].n; k++)
            free(jobs[i].tokens[k]);
        jobs[i].n = 0;
    }
}

/* Runs jobs[0..n) on n threads (the caller takes the first). */
static hc_err jobs_run(page_job *jobs, unsigned n)
{
    for (unsigned i = 1; i < n; i++) {
        jobs[i].started = pthread_create(&jobs[i].thread, NULL, page_main, &jobs[i]) == 0;
        if (!jobs[i].started)
            page_main(&jobs[i]);   /* no thread: do it here */
    }
    page_main(&jobs[0]);
    hc_err err = jobs[0].err;
    for (unsigned i = 1; i < n; i++) {
        if (jobs[i].started)
            pthread_join(jobs[i].thread, NULL);
        jobs[i].started = false;
        if (err == HC_OK)
            err = jobs[i].err;
    }
    return err;
}

/* The token text of a tokens.jsonl line, copied. */
static char *token_of(const char *s, size_t n)
{
    const char *t = memmem(s, n, "\"token\":\"", 9);
    if (!t)
        return NULL;
    t += 9;
    const char *e = memchr(t, '"', (size_t)(s + n - t));
    return e ? strndup(t, (size_t)(e - t)) : NULL;
}

hc_err hc_batch_sheets(const char *dir, unsigned threads, uint64_t *pages, hc_diag *diag)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/sheets", dir);
    if (mkdir_p(path) != HC_OK)
        return hc_diag_set(diag, HC_E_IO, "", "cannot create %s", path);
    snprintf(path, sizeof path, "%s/tokens.jsonl", dir);
    hc_lr in;
    hc_err err = hc_lr_open(&in, path, OUTPUT_LINE_MAX);
    if (err != HC_OK)
        return hc_diag_set(diag, err, "", "cannot read %s", path);
    if (threads < 1)
        threads = 1;
    page_job *jobs = calloc(threads, sizeof *jobs);
    if (!jobs) {
        hc_lr_close(&in);
        return HC_E_NOMEM;
    }
    uint64_t index = 0;
    unsigned used = 0;
    bool eof = false;
    while (!eof && err == HC_OK) {
        const char *s;
        size_t n;
        bool too_long;
        uint64_t line;
        int colour;
        int got = hc_lr_next(&in, &s, &n, &too_long);
        if (got < 0)
            err = HC_E_IO;
        eof = got <= 0;
        if (got == 1 && !too_long && hc_batch_parse_output(s, n, &line, &colour)) {
            if (used == 0 || jobs[used - 1].n == HC_SHEET_PER_PAGE) {
                if (used == threads) {
                    err = jobs_run(jobs, used);
                    jobs_clear(jobs, used);
                    used = 0;
                }
                jobs[used].dir = dir;
                jobs[used].index = ++index;
                jobs[used].n = 0;
                used++;
            }
            page_job *j = &jobs[used - 1];
            j->tokens[j->n] = token_of(s, n);
            j->lines[j->n] = line;
            if (!j->tokens[j->n])
                err = HC_E_NOMEM;
            else
                j->n++;
        }
    }
    if (err == HC_OK && used > 0)
        err = jobs_run(jobs, used);
    jobs_clear(jobs, used);
    free(jobs);
    hc_lr_close(&in);
    if (err == HC_OK) {
        snprintf(path, sizeof path, "%s/sheets", dir);
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || syncfs(fd) != 0)
            err = HC_E_IO;
        if (fd >= 0)
            close(fd);
    }
    *pages = index;
    return err == HC_OK ? HC_OK : hc_diag_set(diag, err, "", "cannot write the sheets in %s/sheets", dir);
}
#endif

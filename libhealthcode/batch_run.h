/* batch_run.h — the state of one hc_batch_run() and the calls between the
 * files that do its jobs. Not installed; tests reach the batch through
 * batch_impl.h.
 *
 *   batch_input.c   the line reader, the CSV mapping, the input's first line
 *   batch_worker.c  the threads: per-thread signers, one record per slot
 *   batch_output.c  output lines, output files, the manifest, the resume scan
 *   batch.c         the windows and the main loop (hc_batch_run)
 *   batch_register.c  the register's rows of the written lines (opts.reg)
 */
#ifndef HC_BATCH_RUN_H
#define HC_BATCH_RUN_H

#include "internal.h"
#include "batch_impl.h"
#include "record_impl.h"
#include "token_impl.h"   /* HC_TEXT_MAX */

#include <healthcode/batch.h>
#include <healthcode/issue.h>

#include <pthread.h>
#include <stdatomic.h>

#define OUT_LINE_MAX (HC_TOKEN_MAX + 3072)  /* a token line or an error line, escaped */
#define OUTPUT_LINE_MAX (64u * 1024)        /* longest line a resume accepts in our outputs */

/* ---------------------------------------------------------- the run state */

typedef enum { SLOT_TOKEN, SLOT_ERROR, SLOT_FATAL } slot_kind;

typedef struct {
    uint64_t line;
    size_t off, len;       /* the line's text in the window's arena */
    bool too_long;
    /* result */
    slot_kind kind;
    hc_colour colour;
    hc_err err;            /* SLOT_FATAL: what stopped the batch */
    char *out;             /* the output line (OUT_LINE_MAX bytes) */
    size_t out_len;
    hc_claims claims;      /* SLOT_TOKEN with a register: what the token says */
} slot;

typedef struct run run;

/* A window: lines read ahead, processed by every thread, written in order.
 * There are two: the workers process one while the calling thread reads the
 * next into the other and writes the one before. */
typedef struct {
    slot *slots;
    size_t n;
    char *arena;           /* the lines' text */
    size_t arena_len, arena_cap;
} window;

typedef struct {
    run *r;
    hc_issuer *issuer;
    hc_assessment a;
    char token[HC_TEXT_MAX + 1];   /* hc_issue skips its sizing pass for this one */
    char path[4096];
    char tmp[4096];
    uint8_t cti[8];        /* what the issuer drew for the token's cti */
    int cti_draws;
    hc_cti_pool pool;      /* the default cti source's bytes drawn ahead */
    hc_json_scratch json;  /* the record reader's buffer, kept from line to line */
    pthread_t thread;
    bool started;
} worker;

struct run {
    const hc_batch_opts *o;
    const hc_policy *policy;
    const char *out_dir;
    bool csv;
    hc_csv_header hdr;
    int64_t now, validity_s;
    unsigned nthreads;
    worker *workers;

    /* the windows */
    window win[2];
    size_t cap_slots;
    window *cur;           /* the one the workers process */

    /* the register (batch_register.c); regb NULL without opts.reg */
    struct hc_reg_batch *regb;
    char reg_batch[17];          /* the batch's id in the register (batch.json) */
    uint64_t reg_last_line;      /* the highest line the register held at the start */
    uint64_t reg_rows;           /* and how many rows of this batch it held */
    uint64_t reg_upto;           /* resume: kept token lines up to reg_last_line */
    uint64_t reg_off;            /* resume: offset of the first kept token line after it */
    bool reg_off_set;

    /* the pool */
    pthread_mutex_t mu;
    pthread_cond_t work_cv, done_cv;
    unsigned gen, finished;
    bool quit;
    atomic_size_t next;
};

/* true if input line number line belongs to the run's shard (a CSV header,
 * line 1, belongs to none). */
static inline bool hc_batch_in_shard(const run *r, uint64_t line)
{
    if (r->csv && line == 1)
        return false;
    return r->o->shard_n <= 1 || line % r->o->shard_n == r->o->shard_k;
}

/* ------------------------------------------------------ batch_input.c */

/* Reads the input's first line and rewinds: refuses a PEM private key given
 * as the input (HC_E_RECORD, before anything is written), and for a CSV
 * file (csv) parses the header into *hdr (HC_E_RECORD, diag names it).
 * HC_E_IO if the file cannot be read. */
hc_err hc_batch_read_head(hc_lr *in, bool csv, hc_csv_header *hdr, hc_diag *diag);

/* ----------------------------------------------------- batch_worker.c */

/* Creates r->nthreads workers, each with its own signer; starts threads 1..N-1
 * (thread 0 is the caller). On failure what was made is left for
 * hc_batch_workers_stop(). HC_E_NOMEM, or the signer's error. */
hc_err hc_batch_workers_start(run *r);
/* Stops and joins the threads, frees the workers. Safe after a failed start. */
void hc_batch_workers_stop(run *r);
/* Hands win to the worker threads; the caller goes on (to read the next
 * window) and joins in with hc_batch_window_finish(). */
void hc_batch_window_start(run *r, window *win);
/* The caller processes what is left of the started window, then waits for
 * the other threads. cancel: leave the rest unprocessed. */
void hc_batch_window_finish(run *r, bool cancel);

/* ----------------------------------------------------- batch_output.c */

/* tokens.jsonl and errors.jsonl (append-only), the directory and, with PNG
 * or sheets, the image directory, each a descriptor (-1 when closed), and one
 * window's lines for each file. */
typedef struct {
    int tok, err, dir, png_dir;
    char *tbuf, *ebuf;       /* one window's lines for each file */
    size_t tlen, elen, bufcap;
} outputs;

/* Opens the output files in r->out_dir with buffers for r->cap_slots lines;
 * creates png/ or sheets/. HC_E_IO or HC_E_NOMEM; out is closed by
 * hc_batch_outputs_close() either way. */
hc_err hc_batch_outputs_open(const run *r, outputs *out, hc_diag *diag);
/* Writes the buffered lines, tokens first, and empties the buffers. */
hc_err hc_batch_outputs_flush(outputs *out);
/* fsync of both files (and syncfs of the image directory). */
hc_err hc_batch_outputs_sync(outputs *out);
void hc_batch_outputs_close(outputs *out);

/* Decides fresh start or resume (*resuming) and writes or checks
 * batch.json; a resume takes the manifest's now and validity into r.
 * HC_E_ARG (diag says why) for a directory that is not this batch's. */
hc_err hc_batch_prepare_dir(run *r, const char *in_path, bool *resuming, hc_diag *diag);
/* Resumes a batch: keeps the longest valid prefix of the outputs, truncates
 * the rest, counts what it keeps into sum and leaves in at the first line
 * not covered. */
hc_err hc_batch_resume(run *r, hc_lr *in, hc_batch_summary *sum, hc_diag *diag);

/* ---------------------------------------------------- batch_register.c */

#if HC_WITH_REGISTER
/* After hc_batch_prepare_dir (r->reg_batch set): the batch's rows in the
 * register, what a resume reconciles against. */
hc_err hc_batch_reg_start(run *r, hc_diag *diag);
/* Buffers the rows of win->slots[0..n) (their claims), lines just written to tokens.jsonl. */
hc_err hc_batch_reg_add(run *r, const window *win, size_t n);
/* After tokens.jsonl is fsync'd: inserts the buffered rows, signs the head. */
hc_err hc_batch_reg_commit(run *r, hc_diag *diag);
/* The resume scan's kept token lines: line, and the offset it starts at. */
void hc_batch_reg_scan(run *r, uint64_t line, uint64_t off);
/* After the resume's truncation: the rows of the kept lines the register
 * lacks, from tokens.jsonl; HC_E_REGISTER if it holds others. */
hc_err hc_batch_reg_reconcile(run *r, const char *tok_path, hc_diag *diag);
void hc_batch_reg_free(run *r);
#else
static inline hc_err hc_batch_reg_start(run *r, hc_diag *d) { (void)r, (void)d; return HC_E_UNSUPPORTED; }
static inline hc_err hc_batch_reg_add(run *r, const window *w, size_t n) { (void)r, (void)w, (void)n; return HC_OK; }
static inline hc_err hc_batch_reg_commit(run *r, hc_diag *d) { (void)r, (void)d; return HC_OK; }
static inline void hc_batch_reg_scan(run *r, uint64_t l, uint64_t o) { (void)r, (void)l, (void)o; }
static inline hc_err hc_batch_reg_reconcile(run *r, const char *p, hc_diag *d) { (void)r, (void)p, (void)d; return HC_OK; }
static inline void hc_batch_reg_free(run *r) { (void)r; }
#endif

/* Helpers the sheets also use. */
hc_err hc_batch_mkdir_p(const char *path);
hc_err hc_batch_write_all(int fd, const char *p, size_t len);
/* true if the file at path is a whole PNG (it ends with its IEND chunk). */
bool hc_batch_png_file_complete(const char *path);

#endif

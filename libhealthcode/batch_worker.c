/* batch_worker.c — the batch's threads: each worker has its own signer and
 * turns the lines of a window into output lines, one slot at a time, while
 * the calling thread reads and writes (batch.c). */
#include "internal.h"
#include "batch_run.h"
#include "crypto_impl.h"
#include "record_impl.h"
#include "issue_impl.h"

#include <healthcode/issue.h>
#include <healthcode/verify.h>
#if HC_WITH_RENDER
#include <healthcode/render.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ per record */

#if HC_WITH_RENDER
static hc_err write_png_file(worker *w, uint64_t line, const uint8_t *png, size_t len)
{
    snprintf(w->path, sizeof w->path, "%s/png/%" PRIu64 ".png", w->r->out_dir, line);
    snprintf(w->tmp, sizeof w->tmp, "%s/png/.%" PRIu64 ".png.tmp", w->r->out_dir, line);
    int fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return HC_E_IO;
    bool ok = true;
    for (size_t done = 0; ok && done < len;) {
        ssize_t k = write(fd, png + done, len - done);
        if (k < 0 && errno == EINTR)
            continue;
        ok = k > 0;
        done += ok ? (size_t)k : 0;
    }
    ok = close(fd) == 0 && ok;
    /* No fsync per image: a checkpoint syncs the file system, and a resume
     * checks the image of every line it keeps (hc_batch_png_complete). */
    if (ok && rename(w->tmp, w->path) != 0)
        ok = false;
    if (!ok)
        unlink(w->tmp);
    return ok ? HC_OK : HC_E_IO;
}
#endif

static void slot_error(slot *s, const hc_diag *d, hc_err err)
{
    s->kind = SLOT_ERROR;
    s->out_len = hc_batch_format_error(s->out, s->line, d->field, err, d->message);
}

static void slot_fatal(slot *s, hc_err err)
{
    s->kind = SLOT_FATAL;
    s->err = err;
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return false;
    return true;
}

/* Forks seen by this process: a child must not hand out the ctis its parent
 * drew ahead (both would issue them), so a pool filled before a fork is
 * dropped. Counting in an atfork handler costs nothing per draw, where
 * asking getpid() is a system call (OpenSSL's own check costs one a draw). */
static atomic_uint fork_count;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
static void count_fork(void) { atomic_fetch_add(&fork_count, 1); }
static void watch_forks(void) { (void)pthread_atfork(NULL, NULL, count_fork); }

/* A cti is public (it is in the token), so bytes drawn ahead are no secret;
 * one DRBG call per 512 ctis instead of one per cti saved 2 of the 34
 * microseconds a record cost (bench/bench_batch). */
int hc_cti_pool_draw(hc_cti_pool *p, uint8_t *buf, size_t len)
{
    (void)pthread_once(&fork_once, watch_forks);
    unsigned forks = atomic_load(&fork_count);
    if (len > sizeof p->bytes)
        return hc_crypto_random(buf, len) == HC_OK ? 0 : -1;
    if (p->left < len || p->forks != forks) {
        if (hc_crypto_random(p->bytes, sizeof p->bytes) != HC_OK) {
            p->left = 0;
            return -1;
        }
        p->left = sizeof p->bytes;
        p->forks = forks;
    }
    uint8_t *q = p->bytes + sizeof p->bytes - p->left;
    memcpy(buf, q, len);
    memset(q, 0, len);   /* a used cti is not handed out again, even by mistake */
    p->left -= len;
    return 0;
}

/* The issuer's random source (issue.h: it draws the cti, 8 bytes, once a
 * token): the batch keeps a copy, so that the output line gets the cti
 * without decoding the token again. */
static int capture_cti(void *ctx, uint8_t *buf, size_t len)
{
    worker *w = ctx;
    const hc_batch_opts *o = w->r->o;
    int rc = o->random ? o->random(o->random_ctx, buf, len) : hc_cti_pool_draw(&w->pool, buf, len);
    if (rc == 0 && len == sizeof w->cti)
        memcpy(w->cti, buf, len);
    w->cti_draws++;
    return rc;
}

/* A thread's signer: its own issuer (signing contexts are per thread), the
 * subject secret, and capture_cti as its random source. On failure w->issuer
 * may hold a half-made issuer, freed by hc_batch_workers_stop(). */
static hc_err worker_signer_new(worker *w)
{
    const hc_batch_opts *o = w->r->o;
    hc_err err = hc_issuer_new(o->iss, o->key, &w->issuer);
    if (err == HC_OK && o->subject_secret)
        err = hc_issuer_set_subject_secret(w->issuer, o->subject_secret, o->subject_secret_len);
    if (err != HC_OK)
        return err;
    hc_issuer_set_random(w->issuer, capture_cti, w);
    return HC_OK;
}

static void process_slot(worker *w, const window *win, slot *s)
{
    run *r = w->r;
    hc_diag d;
    memset(&d, 0, sizeof d);
    const char *text = win->arena + s->off;
    hc_record *rec = NULL;
    hc_err err;
    if (s->too_long) {
        hc_diag_set(&d, HC_E_LIMIT, "", "the line is longer than %u bytes", (unsigned)HC_RECORD_MAX);
        slot_error(s, &d, HC_E_LIMIT);
        return;
    }
    if (blank(text, s->len)) {
        hc_diag_set(&d, HC_E_RECORD, "", "empty line: every line must hold one record");
        slot_error(s, &d, HC_E_RECORD);
        return;
    }
    err = r->csv ? hc_batch_csv_record(&r->hdr, text, s->len, &rec, &d)
                 : hc_record_parse_json_scratch(text, s->len, &w->json, &rec, &d);
    if (err == HC_OK)
        err = hc_assess(r->policy, rec, r->now, &w->a, &d);
    if (err == HC_E_NOMEM) {
        slot_fatal(s, err);
    } else if (err != HC_OK) {
        if (d.message[0] == '\0')
            hc_strlcpy(d.message, hc_strerror(err), sizeof d.message);
        slot_error(s, &d, err);
    } else {
        size_t len = 0;
        hc_claims c;
        w->cti_draws = 0;
        /* with a register, the claims of the token too (batch_register.c) */
        err = hc_issue_claims(w->issuer, rec, &w->a, NULL, r->now, r->validity_s, w->token, sizeof w->token, &len,
                              r->o->reg ? &s->claims : NULL);
        if (err == HC_OK && w->cti_draws == 1) {
            memcpy(c.cti, w->cti, sizeof c.cti);
        } else if (err == HC_OK) {
            err = hc_inspect(w->token, len, &c);   /* not one draw: read the cti back */
        }
#if HC_WITH_RENDER
        if (err == HC_OK && r->o->png) {
            uint8_t *png = NULL;
            size_t plen = 0;
            err = hc_render_png(w->token, w->a.colour, NULL, &png, &plen);
            if (err == HC_OK)
                err = write_png_file(w, s->line, png, plen);
            hc_free(png);
        }
#endif
        if (err != HC_OK) {
            slot_fatal(s, err);
        } else {
            s->kind = SLOT_TOKEN;
            s->colour = w->a.colour;
            s->out_len = hc_batch_format_token(s->out, s->line, c.cti, w->a.colour, w->token);
        }
    }
    hc_record_free(rec);
}

static void work_window(worker *w)
{
    run *r = w->r;
    window *win = r->cur;
    for (;;) {
        size_t i = atomic_fetch_add(&r->next, 1);
        if (i >= win->n)
            return;
        process_slot(w, win, &win->slots[i]);
    }
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    run *r = w->r;
    unsigned seen = 0;
    for (;;) {
        pthread_mutex_lock(&r->mu);
        while (r->gen == seen && !r->quit)
            pthread_cond_wait(&r->work_cv, &r->mu);
        bool quit = r->quit;
        seen = r->gen;
        pthread_mutex_unlock(&r->mu);
        if (quit)
            return NULL;
        work_window(w);
        pthread_mutex_lock(&r->mu);
        if (++r->finished == r->nthreads)
            pthread_cond_signal(&r->done_cv);
        pthread_mutex_unlock(&r->mu);
    }
}

/* Hands win to the worker threads; the caller goes on (to read the next
 * window) and joins in with hc_batch_window_finish(). */
void hc_batch_window_start(run *r, window *win)
{
    pthread_mutex_lock(&r->mu);
    r->cur = win;
    atomic_store(&r->next, 0);
    r->finished = 0;
    r->gen++;
    pthread_cond_broadcast(&r->work_cv);
    pthread_mutex_unlock(&r->mu);
}

/* The caller, worker 0, processes what is left of the started window, then
 * waits for the other threads. cancel: leave the rest unprocessed (a batch
 * that stops does not write the window). */
void hc_batch_window_finish(run *r, bool cancel)
{
    if (cancel)
        atomic_store(&r->next, r->cur->n);
    work_window(&r->workers[0]);
    pthread_mutex_lock(&r->mu);
    r->finished++;
    while (r->finished < r->nthreads)
        pthread_cond_wait(&r->done_cv, &r->mu);
    pthread_mutex_unlock(&r->mu);
}

hc_err hc_batch_workers_start(run *r)
{
    r->workers = calloc(r->nthreads, sizeof *r->workers);
    if (!r->workers)
        return HC_E_NOMEM;
    for (unsigned t = 0; t < r->nthreads; t++) {
        worker *w = &r->workers[t];
        w->r = r;
        hc_err err = worker_signer_new(w);
        if (err != HC_OK)
            return err;
        if (t > 0) {
            if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
                return HC_E_NOMEM;
            w->started = true;
        }
    }
    return HC_OK;
}

void hc_batch_workers_stop(run *r)
{
    if (!r->workers)
        return;
    pthread_mutex_lock(&r->mu);
    r->quit = true;
    pthread_cond_broadcast(&r->work_cv);
    pthread_mutex_unlock(&r->mu);
    for (unsigned t = 0; t < r->nthreads; t++) {
        if (r->workers[t].started)
            pthread_join(r->workers[t].thread, NULL);
        hc_issuer_free(r->workers[t].issuer);
        free(r->workers[t].json.mem);
    }
    free(r->workers);
    r->workers = NULL;
}

/* batch_register.c — a batch's codes in the register (hc_batch_opts.reg),
 * exactly once per line of tokens.jsonl, whenever the batch is killed:
 *   - rows follow lines: a window's rows are buffered only once its lines
 *     were written, and committed (one transaction, one signed head) only
 *     once tokens.jsonl is fsync'd, so the register never holds a line the
 *     file could lose;
 *   - rows are keyed by (batch, line) and committed in line order, so the
 *     register holds a prefix of the batch's token lines: every line up to
 *     its highest, none after;
 *   - a resume counts the kept token lines up to that highest line (they
 *     must be exactly the register's rows, else it refuses), then adds the
 *     rows of the kept lines after it, read back from tokens.jsonl.
 * doc/register.md, "Batches", says the same for operators. */
#define _GNU_SOURCE           /* memmem */
#include "internal.h"
#include "batch_run.h"
#include "register_impl.h"

#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_CHECKPOINT 10000

/* The token of an output line: the text between "token":" and the next '"'. */
static bool line_token(const char *s, size_t n, const char **tok, size_t *len)
{
    static const char key[] = "\"token\":\"";
    const char *p = memmem(s, n, key, sizeof key - 1);
    if (!p)
        return false;
    p += sizeof key - 1;
    const char *q = memchr(p, '"', (size_t)(s + n - p));
    if (!q)
        return false;
    *tok = p;
    *len = (size_t)(q - p);
    return true;
}

hc_err hc_batch_reg_start(run *r, hc_diag *diag)
{
    hc_err err = hc_reg_batch_new(r->o->reg, r->reg_batch, &r->regb);
    if (err == HC_OK)
        err = hc_reg_batch_state(r->regb, &r->reg_last_line, &r->reg_rows, diag);
    return err;
}

hc_err hc_batch_reg_add(run *r, const window *win, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const slot *s = &win->slots[i];
        if (s->kind != SLOT_TOKEN)
            continue;
        hc_err err = hc_reg_batch_add_claims(r->regb, s->line, &s->claims);
        if (err != HC_OK)
            return err;
    }
    return HC_OK;
}

hc_err hc_batch_reg_commit(run *r, hc_diag *diag)
{
    return hc_reg_batch_commit(r->regb, r->now, diag);
}

void hc_batch_reg_scan(run *r, uint64_t line, uint64_t off)
{
    if (line <= r->reg_last_line) {
        r->reg_upto++;
    } else if (!r->reg_off_set) {
        r->reg_off = off;
        r->reg_off_set = true;
    }
}

/* The kept lines after the register's last one, from reg_off to the end of
 * the (truncated, synced) file, committed every checkpoint rows. */
static hc_err add_missing(run *r, const char *tok_path, hc_diag *diag)
{
    hc_lr lr;
    hc_err err = hc_lr_open(&lr, tok_path, OUTPUT_LINE_MAX);
    if (err != HC_OK)
        return hc_diag_set(diag, err, "", "cannot read %s", tok_path);
    uint64_t every = r->o->checkpoint ? r->o->checkpoint : DEFAULT_CHECKPOINT;
    err = hc_lr_seek(&lr, r->reg_off, 0);
    const char *s;
    size_t n;
    bool too_long;
    int got;
    while (err == HC_OK && (got = hc_lr_next(&lr, &s, &n, &too_long)) == 1) {
        uint64_t line;
        int colour;
        const char *tok;
        size_t len;
        /* the resume scan kept these lines whole: anything else is a bug */
        if (too_long || !hc_batch_parse_output(s, n, &line, &colour) || !line_token(s, n, &tok, &len)) {
            err = hc_diag_set(diag, HC_E_REGISTER, "", "%s: a kept line cannot be read back", tok_path);
            break;
        }
        err = hc_reg_batch_add(r->regb, line, tok, len);
        if (err == HC_OK && hc_reg_batch_pending(r->regb) >= every)
            err = hc_reg_batch_commit(r->regb, r->now, diag);
    }
    if (err == HC_OK && got < 0)
        err = hc_diag_set(diag, HC_E_IO, "", "cannot read %s", tok_path);
    hc_lr_close(&lr);
    if (err == HC_OK)
        err = hc_reg_batch_commit(r->regb, r->now, diag);
    return err;
}

hc_err hc_batch_reg_reconcile(run *r, const char *tok_path, hc_diag *diag)
{
    if (r->reg_upto != r->reg_rows)
        return hc_diag_set(diag, HC_E_REGISTER, "", "the register holds %" PRIu64 " codes of batch %s up to "
                           "line %" PRIu64 ", but %s/tokens.jsonl has %" PRIu64 " lines up to there: the register "
                           "or the file was changed; the register was left as it was", r->reg_rows, r->reg_batch,
                           r->reg_last_line, r->out_dir, r->reg_upto);
    if (!r->reg_off_set)
        return HC_OK;
    /* the rows follow the file: make the kept lines durable first */
    int fd = open(tok_path, O_RDONLY | O_CLOEXEC);
    bool synced = fd >= 0 && fsync(fd) == 0;
    if (fd >= 0)
        close(fd);
    if (!synced)
        return hc_diag_set(diag, HC_E_IO, "", "cannot sync %s", tok_path);
    return add_missing(r, tok_path, diag);
}

void hc_batch_reg_free(run *r)
{
    hc_reg_batch_free(r->regb);
    r->regb = NULL;
}

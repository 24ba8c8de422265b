/* batch_output.c — what a batch writes and how it picks up again: the
 * output lines with their checksums, the output files, the manifest
 * (batch.json) and the resume scan that keeps the valid prefix of a run that
 * was killed (batch.h and doc/batch.md describe the files). */
#define _GNU_SOURCE           /* syncfs, memmem */
#include "internal.h"
#include "batch_run.h"
#include "crypto_impl.h"

#if HC_WITH_REGISTER
#include <healthcode/register.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define HEAD_FINGERPRINT (64u * 1024)       /* input bytes the manifest fingerprints */

/* ------------------------------------------------------------------ CRC-32 */

/* zlib's CRC-32 (the one the outputs' "ck" documents), fed in chunks that
 * fit its uInt length. */
uint32_t hc_batch_crc32(const void *data, size_t len)
{
    const unsigned char *p = data;
    uLong c = crc32(0L, Z_NULL, 0);
    while (len > 0) {
        uInt n = len > UINT_MAX ? UINT_MAX : (uInt)len;
        c = crc32(c, p, n);
        p += n;
        len -= n;
    }
    return (uint32_t)c;
}

/* ------------------------------------------------------------- JSON output */

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
    size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
             : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 2 && s[0] < 0xC2)
        return 0;   /* overlong */
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

/* Appends s as JSON string content (no quotes) to out at *n, never past
 * cap-1. Invalid UTF-8 (a message may quote the bad input) becomes U+FFFD,
 * so that every output line is valid JSON. */
static void json_escape(char *out, size_t cap, size_t *n, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    while (*s) {
        unsigned char c = (unsigned char)*s;
        char esc[7];
        size_t k, adv = 1;
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            k = 2;
        } else if (c < 0x20) {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            k = 6;
        } else if (c < 0x80) {
            esc[0] = (char)c;
            k = 1;
        } else if ((adv = utf8_len((const unsigned char *)s)) != 0) {
            memcpy(esc, s, adv);
            k = adv;
        } else {
            memcpy(esc, "\xEF\xBF\xBD", 3);   /* U+FFFD */
            k = 3;
            adv = 1;
        }
        if (*n + k >= cap)
            break;
        memcpy(out + *n, esc, k);
        *n += k;
        s += adv;
    }
    out[*n] = '\0';
}

/* Ends a line: `,"ck":"<crc of what is before>"}\n`. out has room (OUT_LINE_MAX). */
static size_t finish_line(char *out, size_t n)
{
    uint32_t ck = hc_batch_crc32(out, n);
    n += (size_t)snprintf(out + n, 32, ",\"ck\":\"%08" PRIx32 "\"}\n", ck);
    return n;
}

/* Appends n bytes; the callers size out for the longest line (OUT_LINE_MAX). */
static size_t put(char *out, size_t at, const char *s, size_t n)
{
    memcpy(out + at, s, n);
    return at + n;
}

/* Built with memcpy rather than snprintf: this runs once a record, and
 * formatting a 250-character token through vfprintf shows in the profile. */
size_t hc_batch_format_token(char *out, uint64_t line, const uint8_t cti[8], hc_colour c,
                             const char *token)
{
    char num[20], hexcti[2 * 8 + 1];
    size_t k = sizeof num;
    do {   /* the line number in decimal, written from the end */
        num[--k] = (char)('0' + line % 10);
        line /= 10;
    } while (line && k > 0);
    hc_hex_encode(cti, 8, hexcti);
    static const char *const cols[] = {"green", "yellow", "red"};
    const char *col = (unsigned)c < 3 ? cols[c] : "invalid";
    size_t tlen = strnlen(token, HC_TOKEN_MAX);
    size_t n = put(out, 0, "{\"line\":", 8);
    n = put(out, n, num + k, sizeof num - k);
    n = put(out, n, ",\"cti\":\"", 8);
    n = put(out, n, hexcti, 16);
    n = put(out, n, "\",\"colour\":\"", 12);
    n = put(out, n, col, strlen(col));
    n = put(out, n, "\",\"token\":\"", 11);
    n = put(out, n, token, tlen);
    n = put(out, n, "\"", 1);
    return finish_line(out, n);
}

size_t hc_batch_format_error(char *out, uint64_t line, const char *field, hc_err err,
                             const char *message)
{
    size_t n = (size_t)snprintf(out, OUT_LINE_MAX, "{\"line\":%" PRIu64 ",\"field\":\"", line);
    json_escape(out, OUT_LINE_MAX - 512, &n, field);
    n += (size_t)snprintf(out + n, OUT_LINE_MAX - n, "\",\"error\":\"%s\",\"message\":\"",
                          hc_err_name(err));
    json_escape(out, OUT_LINE_MAX - 64, &n, message);
    out[n++] = '"';
    return finish_line(out, n);
}

/* Checks one line of tokens.jsonl / errors.jsonl (without its '\n'): the
 * checksum, then the line number and, for a token line, the colour. */
bool hc_batch_parse_output(const char *s, size_t n, uint64_t *line, int *colour)
{
    static const char ck_key[] = ",\"ck\":\"";
    const size_t tail = 7 + 8 + 2;
    if (n < tail + 10 || memcmp(s + n - tail, ck_key, 7) != 0 || memcmp(s + n - 2, "\"}", 2) != 0)
        return false;
    uint32_t ck = 0;
    for (size_t i = n - tail + 7; i < n - 2; i++) {
        char c = s[i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0)
            return false;
        ck = ck << 4 | (uint32_t)v;
    }
    if (hc_batch_crc32(s, n - tail) != ck || memcmp(s, "{\"line\":", 8) != 0)
        return false;
    uint64_t v = 0;
    size_t i = 8;
    for (; i < n && s[i] >= '0' && s[i] <= '9' && i < 28; i++)
        v = v * 10 + (uint64_t)(s[i] - '0');
    if (i == 8 || s[i] != ',')
        return false;
    *line = v;
    *colour = -1;
    const char *col = memmem(s, n, "\"colour\":\"", 10);
    if (col) {
        col += 10;
        size_t left = (size_t)(s + n - col);
        for (int c = 0; c < 3; c++) {
            const char *name = hc_colour_name((hc_colour)c);
            size_t k = strlen(name);
            if (left > k && memcmp(col, name, k) == 0 && col[k] == '"')
                *colour = c;
        }
    }
    return true;
}

/* ------------------------------------------------------------ output files */

hc_err hc_batch_write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return HC_E_IO;
        p += w;
        len -= (size_t)w;
    }
    return HC_OK;
}

/* Makes the window's lines durable in the page cache: one write per file,
 * tokens first. A kill between the two writes leaves the errors behind the
 * tokens; a resume's merge of the two files by line number sees the gap. */
hc_err hc_batch_outputs_flush(outputs *out)
{
    hc_err err = hc_batch_write_all(out->tok, out->tbuf, out->tlen);
    if (err == HC_OK)
        err = hc_batch_write_all(out->err, out->ebuf, out->elen);
    out->tlen = out->elen = 0;
    return err;
}

hc_err hc_batch_outputs_sync(outputs *out)
{
    if (fsync(out->tok) != 0 || fsync(out->err) != 0)
        return HC_E_IO;
    if (out->png_dir >= 0 && syncfs(out->png_dir) != 0)
        return HC_E_IO;
    return HC_OK;
}

void hc_batch_outputs_close(outputs *out)
{
    if (out->tok >= 0)
        close(out->tok);
    if (out->err >= 0)
        close(out->err);
    if (out->dir >= 0)
        close(out->dir);
    if (out->png_dir >= 0)
        close(out->png_dir);
    free(out->tbuf);
    free(out->ebuf);
}

hc_err hc_batch_mkdir_p(const char *path)
{
    char buf[4096];
    if (!hc_strlcpy(buf, path, sizeof buf))
        return HC_E_ARG;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return HC_E_IO;
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return HC_E_IO;
    return HC_OK;
}

static void join(char *buf, size_t cap, const char *dir, const char *name)
{
    snprintf(buf, cap, "%s/%s", dir, name);
}

hc_err hc_batch_outputs_open(const run *r, outputs *out, hc_diag *diag)
{
    char path[4096];
    out->tok = out->err = out->dir = out->png_dir = -1;
    out->bufcap = r->cap_slots * OUT_LINE_MAX;
    out->tbuf = malloc(out->bufcap);
    out->ebuf = malloc(out->bufcap);
    if (!out->tbuf || !out->ebuf)
        return HC_E_NOMEM;
    out->dir = open(r->out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    join(path, sizeof path, r->out_dir, "tokens.jsonl");
    out->tok = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    join(path, sizeof path, r->out_dir, "errors.jsonl");
    out->err = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (out->dir < 0 || out->tok < 0 || out->err < 0)
        return hc_diag_set(diag, HC_E_IO, "", "cannot open the outputs in %s: %s", r->out_dir, strerror(errno));
    if (r->o->png) {
        join(path, sizeof path, r->out_dir, "png");
        if (hc_batch_mkdir_p(path) != HC_OK)
            return hc_diag_set(diag, HC_E_IO, "", "cannot create %s: %s", path, strerror(errno));
        out->png_dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (out->png_dir < 0)
            return HC_E_IO;
    }
    (void)fsync(out->dir);   /* the new files' names */
    return HC_OK;
}

/* ---------------------------------------------------------------- manifest */

typedef struct {
    bool csv;
    unsigned shard_k, shard_n;
    int64_t now, validity_s;
    uint32_t head_crc;
    char reg_id[33], reg_batch[17];   /* the register recorded into, and this batch's id there */
} manifest;

static hc_err input_fingerprint(const char *path, uint32_t *crc, uint64_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return HC_E_IO;
    struct stat st;
    char *buf = malloc(HEAD_FINGERPRINT);
    ssize_t n = buf ? pread(fd, buf, HEAD_FINGERPRINT, 0) : -1;
    bool ok = n >= 0 && fstat(fd, &st) == 0;
    close(fd);
    if (ok) {
        *crc = hc_batch_crc32(buf, (size_t)n);
        *size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    }
    free(buf);
    return ok ? HC_OK : (buf ? HC_E_IO : HC_E_NOMEM);
}

static hc_err manifest_write(const char *dir, const manifest *m, const char *in_path)
{
    char path[4096];
    join(path, sizeof path, dir, "batch.json");
    json_t *j = json_pack("{s:i, s:s, s:s, s:s, s:i, s:i, s:I, s:I}", "version", 1,
                          "input", in_path, "input_head_crc32", "", "format", m->csv ? "csv" : "jsonl",
                          "shard_k", (int)m->shard_k, "shard_n", (int)m->shard_n,
                          "now", (json_int_t)m->now, "validity_s", (json_int_t)m->validity_s);
    if (!j)
        return HC_E_NOMEM;
    char crc[9];
    snprintf(crc, sizeof crc, "%08" PRIx32, m->head_crc);
    json_object_set_new(j, "input_head_crc32", json_string(crc));
    if (m->reg_id[0])
        json_object_set_new(j, "register", json_pack("{s:s, s:s}", "id", m->reg_id, "batch", m->reg_batch));
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!text)
        return HC_E_NOMEM;
    size_t len = strlen(text);
    text[len] = '\n';   /* json_dumps leaves room for the NUL we replace */
    hc_err err = hc_write_file_atomic(path, text, len + 1, 0644);
    free(text);
    return err;
}

static hc_err manifest_read(const char *dir, manifest *m, hc_diag *diag)
{
    char path[4096];
    join(path, sizeof path, dir, "batch.json");
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j)
        return hc_diag_set(diag, HC_E_ARG, "batch.json", "%s cannot be read: %s", path, je.text);
    const char *fmt = NULL, *crc = NULL;
    int k = 0, n = 0;
    json_int_t now = 0, val = 0;
    int bad = json_unpack(j, "{s:s, s:i, s:i, s:I, s:I, s:s}", "format", &fmt, "shard_k", &k,
                          "shard_n", &n, "now", &now, "validity_s", &val, "input_head_crc32", &crc);
    hc_err err = HC_OK;
    if (bad || k < 0 || n < 0) {
        err = hc_diag_set(diag, HC_E_ARG, "batch.json", "%s is not a batch manifest", path);
    } else {
        m->csv = strcmp(fmt, "csv") == 0;
        m->shard_k = (unsigned)k;
        m->shard_n = (unsigned)n;
        m->now = now;
        m->validity_s = val;
        m->head_crc = (uint32_t)strtoul(crc, NULL, 16);
        const char *rid = NULL, *rb = NULL;
        json_t *reg = json_object_get(j, "register");
        if (reg && (json_unpack(reg, "{s:s, s:s}", "id", &rid, "batch", &rb) != 0 ||
                    !hc_strlcpy(m->reg_id, rid, sizeof m->reg_id) || !hc_strlcpy(m->reg_batch, rb, sizeof m->reg_batch)))
            err = hc_diag_set(diag, HC_E_ARG, "batch.json", "%s: its register member is not {\"id\", \"batch\"}", path);
    }
    json_decref(j);
    return err;
}

/* The register of the batch: the one named in the manifest, or (opts.reg
 * on a batch that has none yet) this one with a new batch id; *changed when
 * the manifest must be written again. */
static hc_err manifest_register(run *r, manifest *m, bool *changed, hc_diag *diag)
{
    *changed = false;
    if (!r->o->reg) {
        if (m->reg_id[0])
            return hc_diag_set(diag, HC_E_ARG, "", "the batch in %s records its codes into the register %s: "
                               "resume it with that register", r->out_dir, m->reg_id);
        return HC_OK;
    }
#if HC_WITH_REGISTER
    char id[33];
    if (hc_register_id(r->o->reg, id, sizeof id) != HC_OK)
        return HC_E_ARG;
    if (m->reg_id[0] && strcmp(m->reg_id, id) != 0)
        return hc_diag_set(diag, HC_E_ARG, "", "the batch in %s records its codes into the register %s, "
                           "not into this one (%s)", r->out_dir, m->reg_id, id);
    if (!m->reg_id[0]) {
        uint8_t b[8];
        if (hc_crypto_random(b, sizeof b) != HC_OK)
            return HC_E_CRYPTO;
        hc_hex_encode(b, sizeof b, m->reg_batch);
        memcpy(m->reg_id, id, sizeof m->reg_id);
        *changed = true;
    }
    memcpy(r->reg_batch, m->reg_batch, sizeof r->reg_batch);
    return HC_OK;
#else
    (void)diag;
    return HC_E_UNSUPPORTED;
#endif
}

/* Decides fresh start or resume, writes or checks the manifest. */
hc_err hc_batch_prepare_dir(run *r, const char *in_path, bool *resuming, hc_diag *diag)
{
    char path[4096];
    manifest m = {.csv = r->csv, .shard_k = r->o->shard_n > 1 ? r->o->shard_k : 0,
                  .shard_n = r->o->shard_n > 1 ? r->o->shard_n : 1,
                  .now = r->now, .validity_s = r->validity_s};
    uint64_t size;
    hc_err err = input_fingerprint(in_path, &m.head_crc, &size);
    if (err != HC_OK)
        return hc_diag_set(diag, err, "", "cannot read %s: %s", in_path, strerror(errno));
    if (hc_batch_mkdir_p(r->out_dir) != HC_OK)
        return hc_diag_set(diag, HC_E_IO, "", "cannot create %s: %s", r->out_dir, strerror(errno));
    join(path, sizeof path, r->out_dir, "batch.json");
    bool exists = access(path, F_OK) == 0;
    *resuming = false;
    if (exists && !r->o->resume)
        return hc_diag_set(diag, HC_E_ARG, "", "%s already holds a batch: resume it, or use an empty directory", r->out_dir);
    if (!exists) {
        join(path, sizeof path, r->out_dir, "tokens.jsonl");
        if (access(path, F_OK) == 0)
            return hc_diag_set(diag, HC_E_ARG, "", "%s has a tokens.jsonl but no batch.json: not a batch directory", r->out_dir);
        bool changed;
        if ((err = manifest_register(r, &m, &changed, diag)) != HC_OK)
            return err;
        return manifest_write(r->out_dir, &m, in_path);
    }
    manifest old = {0};
    err = manifest_read(r->out_dir, &old, diag);
    if (err != HC_OK)
        return err;
    if (old.csv != m.csv || old.shard_k != m.shard_k || old.shard_n != m.shard_n || old.head_crc != m.head_crc)
        return hc_diag_set(diag, HC_E_ARG, "", "the batch in %s was started with another input or shard "
                           "(batch.json: shard %u/%u, %s); resume it with the same ones", r->out_dir,
                           old.shard_k, old.shard_n, old.csv ? "csv" : "jsonl");
    bool changed;
    if ((err = manifest_register(r, &old, &changed, diag)) != HC_OK ||
        (changed && (err = manifest_write(r->out_dir, &old, in_path)) != HC_OK))
        return err;
    r->now = old.now;           /* one iat and one exp for the whole batch */
    r->validity_s = old.validity_s;
    *resuming = true;
    return HC_OK;
}

/* --------------------------------------------------------------- resume */

/* A PNG file is whole when it ends with its IEND chunk (written last). */
bool hc_batch_png_file_complete(const char *path)
{
    static const unsigned char iend[12] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat st;
    unsigned char tail[12];
    bool ok = fstat(fd, &st) == 0 && st.st_size >= 20 &&
              pread(fd, tail, 12, st.st_size - 12) == 12 && memcmp(tail, iend, 12) == 0;
    close(fd);
    return ok;
}

bool hc_batch_png_complete(const char *dir, uint64_t line)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/png/%" PRIu64 ".png", dir, line);
    return hc_batch_png_file_complete(path);
}

/* One output file read back line by line, holding the next valid line. */
typedef struct {
    hc_lr lr;
    bool have;           /* a valid line is pending */
    uint64_t line;       /* its input line number */
    int colour;
    uint64_t keep;       /* bytes of the file accepted so far */
} out_reader;

static void out_peek(out_reader *o)
{
    const char *s;
    size_t n;
    bool too_long;
    o->have = false;
    /* The line must end with '\n': a last line without one is torn. */
    if (hc_lr_next(&o->lr, &s, &n, &too_long) != 1 || too_long || o->lr.off == o->lr.line_start + n)
        return;
    o->have = hc_batch_parse_output(s, n, &o->line, &o->colour);
}

/*
 * Finds the longest prefix of the shard's input lines that the two files
 * cover, each line exactly once, in order, with valid checksums (and its PNG
 * when png is on); truncates both files after it and leaves the input reader
 * at the first line not covered. Counts what it keeps into sum.
 */
static hc_err resume_scan(run *r, hc_lr *in, const char *tok_path, const char *err_path,
                          hc_batch_summary *sum)
{
    out_reader t, e;
    hc_err err = hc_lr_open(&t.lr, tok_path, OUTPUT_LINE_MAX);
    if (err != HC_OK)
        return err;
    err = hc_lr_open(&e.lr, err_path, OUTPUT_LINE_MAX);
    if (err != HC_OK) {
        hc_lr_close(&t.lr);
        return err;
    }
    t.keep = e.keep = 0;
    out_peek(&t);
    out_peek(&e);
    const char *s;
    size_t n;
    bool too_long;
    uint64_t resume_off = in->off, resume_line = in->line_no;
    for (;;) {
        resume_off = in->off;
        resume_line = in->line_no;
        int got = hc_lr_next(in, &s, &n, &too_long);
        if (got < 0) {
            err = HC_E_IO;
            break;
        }
        if (got == 0)
            break;
        uint64_t line = in->line_no;
        if (!hc_batch_in_shard(r, line))
            continue;
        if (t.have && t.line == line && t.colour >= 0 &&
            (!r->o->png || hc_batch_png_complete(r->out_dir, line))) {
            sum->issued[t.colour]++;
            if (r->regb)
                hc_batch_reg_scan(r, line, t.lr.line_start);
            t.keep = t.lr.off;
            out_peek(&t);
        } else if (e.have && e.line == line) {
            sum->errors++;
            e.keep = e.lr.off;
            out_peek(&e);
        } else {
            break;
        }
        sum->lines++;
    }
    /* The readers hold read-only descriptors: truncate by name. */
    if (err == HC_OK && (truncate(tok_path, (off_t)t.keep) != 0 || truncate(err_path, (off_t)e.keep) != 0))
        err = HC_E_IO;
    hc_lr_close(&t.lr);
    hc_lr_close(&e.lr);
    if (err == HC_OK)
        err = hc_lr_seek(in, resume_off, resume_line);
    sum->resumed_lines = sum->lines;
    return err;
}

hc_err hc_batch_resume(run *r, hc_lr *in, hc_batch_summary *sum, hc_diag *diag)
{
    char tp[4096], ep[4096];
    join(tp, sizeof tp, r->out_dir, "tokens.jsonl");
    join(ep, sizeof ep, r->out_dir, "errors.jsonl");
    int fd1 = open(tp, O_WRONLY | O_CREAT | O_CLOEXEC, 0644), fd2 = open(ep, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd1 >= 0)
        close(fd1);
    if (fd2 >= 0)
        close(fd2);
    hc_err err = resume_scan(r, in, tp, ep, sum);
    if (err != HC_OK)
        return hc_diag_set(diag, err, "", "cannot recover the batch in %s", r->out_dir);
    return r->regb ? hc_batch_reg_reconcile(r, tp, diag) : HC_OK;
}

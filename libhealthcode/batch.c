/* batch.c — issuing many codes from a file: read lines, sign them on worker
 * threads, write the results in input order to append-only files with a
 * checksum on every line, so that a run killed at any instant can resume
 * (batch.h and doc/batch.md describe the files and the recovery). */
#define _GNU_SOURCE           /* syncfs */
#include "internal.h"
#include "batch_impl.h"
#include "crypto_impl.h"
#include "record_impl.h"
#include "token_impl.h"

#include <healthcode/batch.h>
#include <healthcode/issue.h>
#include <healthcode/verify.h>
#if HC_WITH_RENDER
#include <healthcode/render.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define DEFAULT_VALIDITY_S 86400
#define DEFAULT_CHECKPOINT 10000
#define WINDOW_PER_THREAD 128
#define WINDOW_PER_THREAD_PNG 16
#define OUT_LINE_MAX (HC_TOKEN_MAX + 3072)  /* a token line or an error line, escaped */
#define OUTPUT_LINE_MAX (64u * 1024)        /* longest line a resume accepts in our outputs */
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

unsigned hc_batch_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (n > 256 ? 256 : (unsigned)n);
}

/* ------------------------------------------------------------ line reader */

hc_err hc_lr_open(hc_lr *r, const char *path, size_t max_line)
{
    memset(r, 0, sizeof *r);
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0)
        return HC_E_IO;
    r->max = max_line;
    r->cap = max_line + (1u << 20);
    r->buf = malloc(r->cap);
    if (!r->buf) {
        close(r->fd);
        r->fd = -1;
        return HC_E_NOMEM;
    }
    return HC_OK;
}

void hc_lr_close(hc_lr *r)
{
    if (r->fd >= 0)
        close(r->fd);
    free(r->buf);
    memset(r, 0, sizeof *r);
    r->fd = -1;
}

/* Positions the reader at byte offset off, whose line is number line_no + 1. */
hc_err hc_lr_seek(hc_lr *r, uint64_t off, uint64_t line_no)
{
    if (lseek(r->fd, (off_t)off, SEEK_SET) < 0)
        return HC_E_IO;
    r->pos = r->end = 0;
    r->eof = false;
    r->off = off;
    r->line_no = line_no;
    return HC_OK;
}

/* Reads more bytes after what is buffered; compacts first. */
static hc_err lr_fill(hc_lr *r)
{
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->end - r->pos);
        r->end -= r->pos;
        r->pos = 0;
    }
    for (;;) {
        ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return HC_E_IO;
        if (n == 0)
            r->eof = true;
        r->end += (size_t)n;
        return HC_OK;
    }
}

/* The next line without its '\n' (nor a '\r' before it). *line points into the
 * reader's buffer until the next call. A line longer than max is skipped and
 * returned as too_long with no text. Returns 1 (a line), 0 (end) or -1 (I/O). */
int hc_lr_next(hc_lr *r, const char **line, size_t *len, bool *too_long)
{
    *too_long = false;
    r->line_start = r->off;
    for (;;) {
        char *nl = memchr(r->buf + r->pos, '\n', r->end - r->pos);
        size_t avail = r->end - r->pos;
        if (nl || (r->eof && avail > 0)) {
            size_t n = nl ? (size_t)(nl - (r->buf + r->pos)) : avail;
            if (n > r->max)
                *too_long = true;
            *line = r->buf + r->pos;
            *len = n;
            r->pos += n + (nl ? 1 : 0);
            r->off += n + (nl ? 1 : 0);
            if (*too_long) {
                *line = NULL;
                *len = 0;
            } else if (n > 0 && (*line)[n - 1] == '\r') {
                (*len)--;
            }
            r->line_no++;
            return 1;
        }
        if (r->eof) {
            if (!*too_long)
                return 0;
            *line = NULL;
            *len = 0;
            r->line_no++;
            return 1;
        }
        if (avail > r->max) {
            /* Drop what we have of an over-long line and keep looking for its end. */
            *too_long = true;
            r->off += avail;
            r->pos = r->end = 0;
        }
        if (lr_fill(r) != HC_OK)
            return -1;
    }
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
    static const char hex[] = "0123456789abcdef";
    char num[20], hexcti[16];
    size_t k = sizeof num;
    do {   /* the line number in decimal, written from the end */
        num[--k] = (char)('0' + line % 10);
        line /= 10;
    } while (line && k > 0);
    for (int i = 0; i < 8; i++) {
        hexcti[2 * i] = hex[cti[i] >> 4];
        hexcti[2 * i + 1] = hex[cti[i] & 15];
    }
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

/* ------------------------------------------------------------------ CSV */

static const char *const csv_columns[HC_CSV_NCOLS] = {
    "id", "id_type", "name", "residence", "contact_status", "last_contact", "discharged",
    "entry_date", "entry_from", "previous_colour", "previous_since",
    "declaration_at", "declaration_temperature_c", "declaration_symptoms",
};

/* Splits one CSV line into cells (RFC 4180 quoting, no line breaks).
 * cells[i] are NUL-terminated copies in buf (cap bytes). Returns the number
 * of cells, or -1 with *what set (unterminated quote, text after a quote). */
static int csv_split(const char *s, size_t n, char *buf, size_t cap, char **cells, int max,
                     const char **what)
{
    size_t i = 0, o = 0;
    int k = 0;
    for (;;) {
        if (k == max) {
            *what = "more cells than columns";
            return -1;
        }
        if (o >= cap) {
            *what = "row too long";
            return -1;
        }
        cells[k++] = buf + o;
        if (i < n && s[i] == '"') {
            i++;
            for (;;) {
                if (i >= n) {
                    *what = "unterminated quoted cell";
                    return -1;
                }
                if (s[i] == '"') {
                    if (i + 1 < n && s[i + 1] == '"') {
                        buf[o++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                buf[o++] = s[i++];
            }
            if (i < n && s[i] != ',') {
                *what = "text after a closing quote";
                return -1;
            }
        } else {
            while (i < n && s[i] != ',') {
                if (s[i] == '"') {
                    *what = "quote inside an unquoted cell";
                    return -1;
                }
                buf[o++] = s[i++];
            }
        }
        buf[o++] = '\0';
        if (i >= n)
            return k;
        i++;   /* the comma */
    }
}

hc_err hc_batch_csv_header(const char *line, size_t len, hc_csv_header *h, hc_diag *diag)
{
    memset(h, 0, sizeof *h);
    if (len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {   /* a UTF-8 BOM from a spreadsheet */
        line += 3;
        len -= 3;
    }
    char buf[1024];
    char *cells[HC_CSV_NCOLS + 1];
    const char *what = NULL;
    if (len == 0)
        return hc_diag_set(diag, HC_E_RECORD, "", "the CSV header is empty; it must name the columns, starting with id");
    int k = csv_split(line, len, buf, sizeof buf, cells, HC_CSV_NCOLS + 1, &what);
    if (k < 0)
        return hc_diag_set(diag, HC_E_RECORD, "", "the CSV header is invalid: %s", what);
    bool seen[HC_CSV_NCOLS] = {false};
    for (int c = 0; c < k; c++) {
        int col = -1;
        for (int j = 0; j < HC_CSV_NCOLS; j++)
            if (strcmp(cells[c], csv_columns[j]) == 0)
                col = j;
        if (col < 0)
            return hc_diag_set(diag, HC_E_RECORD, cells[c],
                               "unknown CSV column \"%.64s\" (column %d); batch.h lists the columns", cells[c], c + 1);
        if (seen[col])
            return hc_diag_set(diag, HC_E_RECORD, cells[c], "CSV column \"%s\" appears twice", cells[c]);
        seen[col] = true;
        h->col[c] = col;
    }
    if (!seen[HC_CSV_ID])
        return hc_diag_set(diag, HC_E_RECORD, "id", "the CSV header has no id column");
    h->ncols = k;
    return HC_OK;
}

/* The CSV column for a field path of the JSON record made from a row. */
static const char *csv_field_name(const char *path)
{
    static const struct { const char *prefix, *col; } map[] = {
        {"contact.status", "contact_status"}, {"contact.last_contact", "last_contact"},
        {"contact.discharged", "discharged"}, {"contact", "contact_status"},
        {"entry.date", "entry_date"}, {"entry.from", "entry_from"}, {"entry", "entry_date"},
        {"previous.colour", "previous_colour"}, {"previous.since", "previous_since"},
        {"previous", "previous_colour"}, {"declaration.at", "declaration_at"},
        {"declaration.temperature_c", "declaration_temperature_c"},
        {"declaration.symptoms", "declaration_symptoms"}, {"declaration", "declaration_at"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        size_t k = strlen(map[i].prefix);
        if (strncmp(path, map[i].prefix, k) == 0 && (path[k] == '\0' || path[k] == '.' || path[k] == '['))
            return map[i].col;
    }
    return path;
}

static json_t *sub_object(json_t *root, const char *key)
{
    json_t *o = json_object_get(root, key);
    if (!o) {
        o = json_object();
        json_object_set_new(root, key, o);
    }
    return o;
}

/* A number cell becomes a JSON number when it is one, else a string, so that
 * the record parser names the field in its error. */
static json_t *number_or_string(const char *s, bool integer)
{
    char *end;
    errno = 0;
    if (integer) {
        long long v = strtoll(s, &end, 10);
        if (*s && *end == '\0' && errno == 0 && v >= 0)
            return json_integer(v);
    } else {
        double v = strtod(s, &end);
        json_t *r = *s && *end == '\0' && errno == 0 ? json_real(v) : NULL;
        if (r)   /* json_real refuses nan and inf: those stay strings too */
            return r;
    }
    return json_string(s);
}

static json_t *symptoms_array(const char *s)
{
    json_t *a = json_array();
    const char *p = s;
    while (a && *p) {
        const char *e = strchr(p, ';');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n > 0 && (*p == ' '))
            p++, n--;
        while (n > 0 && p[n - 1] == ' ')
            n--;
        if (n > 0)
            json_array_append_new(a, json_stringn(p, n));
        p = e ? e + 1 : p + strlen(p);
    }
    return a;
}

/* Puts one CSV cell into the JSON record. Cells are UTF-8 text; jansson
 * refuses invalid UTF-8, which becomes an error on that column. */
static bool csv_put(json_t *root, int col, const char *v)
{
    json_t *val = NULL;
    switch (col) {
    case HC_CSV_RESIDENCE: val = number_or_string(v, true); break;
    case HC_CSV_DECL_TEMP: val = number_or_string(v, false); break;
    case HC_CSV_DECL_SYMPTOMS: val = symptoms_array(v); break;
    default: val = json_string(v); break;
    }
    if (!val)
        return false;
    switch (col) {
    case HC_CSV_CONTACT_STATUS: return json_object_set_new(sub_object(root, "contact"), "status", val) == 0;
    case HC_CSV_LAST_CONTACT: return json_object_set_new(sub_object(root, "contact"), "last_contact", val) == 0;
    case HC_CSV_DISCHARGED: return json_object_set_new(sub_object(root, "contact"), "discharged", val) == 0;
    case HC_CSV_ENTRY_DATE: return json_object_set_new(sub_object(root, "entry"), "date", val) == 0;
    case HC_CSV_ENTRY_FROM: return json_object_set_new(sub_object(root, "entry"), "from", val) == 0;
    case HC_CSV_PREV_COLOUR: return json_object_set_new(sub_object(root, "previous"), "colour", val) == 0;
    case HC_CSV_PREV_SINCE: return json_object_set_new(sub_object(root, "previous"), "since", val) == 0;
    case HC_CSV_DECL_AT: return json_object_set_new(sub_object(root, "declaration"), "at", val) == 0;
    case HC_CSV_DECL_TEMP: return json_object_set_new(sub_object(root, "declaration"), "temperature_c", val) == 0;
    case HC_CSV_DECL_SYMPTOMS: return json_object_set_new(sub_object(root, "declaration"), "symptoms", val) == 0;
    default: return json_object_set_new(root, csv_columns[col], val) == 0;
    }
}

hc_err hc_batch_csv_record(const hc_csv_header *h, const char *line, size_t len, hc_record **out,
                           hc_diag *diag)
{
    /* A NUL byte would end its cell's C string early and drop the rest of the
     * field silently: an error naming the column (commas outside quotes). */
    const char *nul = memchr(line, '\0', len);
    if (nul) {
        int col = 0;
        bool quoted = false;
        for (const char *p = line; p < nul; p++) {
            if (*p == '"')
                quoted = !quoted;
            else if (*p == ',' && !quoted)
                col++;
        }
        const char *name = col < h->ncols ? csv_columns[h->col[col]] : "";
        return hc_diag_set(diag, HC_E_RECORD, name, "%s contains a NUL byte",
                           name[0] ? name : "the CSV row");
    }
    char *buf = malloc(len + HC_CSV_NCOLS + 2);
    char *cells[HC_CSV_NCOLS];
    const char *what = NULL;
    if (!buf)
        return HC_E_NOMEM;
    hc_err err = HC_OK;
    json_t *root = NULL;
    char *text = NULL;
    int k = csv_split(line, len, buf, len + HC_CSV_NCOLS + 2, cells, h->ncols, &what);
    if (k < 0) {
        err = hc_diag_set(diag, HC_E_RECORD, "", "the CSV row is invalid: %s", what);
        goto done;
    }
    if (k != h->ncols) {
        err = hc_diag_set(diag, HC_E_RECORD, "", "the CSV row has %d cells, the header has %d", k, h->ncols);
        goto done;
    }
    root = json_object();
    if (!root) {
        err = HC_E_NOMEM;
        goto done;
    }
    for (int c = 0; c < k; c++) {
        if (cells[c][0] == '\0')
            continue;   /* an empty cell: the field is absent */
        if (!csv_put(root, h->col[c], cells[c])) {
            err = hc_diag_set(diag, HC_E_RECORD, csv_columns[h->col[c]],
                              "%s is not valid UTF-8 text", csv_columns[h->col[c]]);
            goto done;
        }
    }
    text = json_dumps(root, JSON_COMPACT);
    if (!text) {
        err = HC_E_NOMEM;
        goto done;
    }
    err = hc_record_parse_json(text, strlen(text), out, diag);
    if (err != HC_OK && diag) {
        char field[HC_DIAG_FIELD_MAX];
        hc_strlcpy(field, csv_field_name(diag->field), sizeof field);
        hc_strlcpy(diag->field, field, sizeof diag->field);
    }
done:
    free(text);
    json_decref(root);
    free(buf);
    return err;
}

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

    /* the pool */
    pthread_mutex_t mu;
    pthread_cond_t work_cv, done_cv;
    unsigned gen, finished;
    bool quit;
    atomic_size_t next;
};

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
        err = hc_issue(w->issuer, rec, &w->a, r->now, r->validity_s, w->token, sizeof w->token, &len);
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
 * window) and joins in with window_finish(). */
static void window_start(run *r, window *win)
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
static void window_finish(run *r, bool cancel)
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

static hc_err workers_start(run *r)
{
    const hc_batch_opts *o = r->o;
    r->workers = calloc(r->nthreads, sizeof *r->workers);
    if (!r->workers)
        return HC_E_NOMEM;
    for (unsigned t = 0; t < r->nthreads; t++) {
        worker *w = &r->workers[t];
        w->r = r;
        hc_err err = hc_issuer_new(o->iss, o->key, &w->issuer);
        if (err == HC_OK && o->subject_secret)
            err = hc_issuer_set_subject_secret(w->issuer, o->subject_secret, o->subject_secret_len);
        if (err != HC_OK)
            return err;
        hc_issuer_set_random(w->issuer, capture_cti, w);
        if (t > 0) {
            if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
                return HC_E_NOMEM;
            w->started = true;
        }
    }
    return HC_OK;
}

static void workers_stop(run *r)
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

/* ------------------------------------------------------------ output files */

typedef struct {
    int tok, err, dir, png_dir;
    char *tbuf, *ebuf;       /* one window's lines for each file */
    size_t tlen, elen, bufcap;
} outputs;

static hc_err write_all(int fd, const char *p, size_t len)
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
static hc_err outputs_flush(outputs *out)
{
    hc_err err = write_all(out->tok, out->tbuf, out->tlen);
    if (err == HC_OK)
        err = write_all(out->err, out->ebuf, out->elen);
    out->tlen = out->elen = 0;
    return err;
}

static hc_err outputs_sync(outputs *out)
{
    if (fsync(out->tok) != 0 || fsync(out->err) != 0)
        return HC_E_IO;
    if (out->png_dir >= 0 && syncfs(out->png_dir) != 0)
        return HC_E_IO;
    return HC_OK;
}

static void outputs_close(outputs *out)
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

static hc_err mkdir_p(const char *path)
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

/* ---------------------------------------------------------------- manifest */

typedef struct {
    bool csv;
    unsigned shard_k, shard_n;
    int64_t now, validity_s;
    uint32_t head_crc;
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
    }
    json_decref(j);
    return err;
}

/* --------------------------------------------------------------- resume */

/* true if DIR/png/LINE.png is a whole PNG: it ends with the IEND chunk. */
/* A PNG file is whole when it ends with its IEND chunk (written last). */
static bool png_file_complete(const char *path)
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
    return png_file_complete(path);
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

static bool in_shard(const run *r, uint64_t line)
{
    if (r->csv && line == 1)
        return false;
    return r->o->shard_n <= 1 || line % r->o->shard_n == r->o->shard_k;
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
        if (!in_shard(r, line))
            continue;
        if (t.have && t.line == line && t.colour >= 0 &&
            (!r->o->png || hc_batch_png_complete(r->out_dir, line))) {
            sum->issued[t.colour]++;
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

/* ------------------------------------------------------------- main loop */

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
        if (got < 0)
            return HC_E_IO;
        if (got == 0) {
            *eof = true;
            return HC_OK;
        }
        if (!in_shard(r, in->line_no))
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
            hc_err err = outputs_flush(out);
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
            hc_err err = outputs_flush(out);
            if (err != HC_OK)
                return err;
            return hc_diag_set(diag, HC_E_LIMIT, "", "stopped at line %" PRIu64 ": %" PRIu64
                               " input errors reached the limit (max_errors)", s->line, sum->errors);
        }
    }
    return outputs_flush(out);
}

static hc_err open_outputs(run *r, outputs *out, hc_diag *diag)
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
        if (mkdir_p(path) != HC_OK)
            return hc_diag_set(diag, HC_E_IO, "", "cannot create %s: %s", path, strerror(errno));
        out->png_dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (out->png_dir < 0)
            return HC_E_IO;
    }
    (void)fsync(out->dir);   /* the new files' names */
    return HC_OK;
}

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

/* Decides fresh start or resume, writes or checks the manifest. */
static hc_err prepare_dir(run *r, const char *in_path, bool *resuming, hc_diag *diag)
{
    char path[4096];
    manifest m = {.csv = r->csv, .shard_k = r->o->shard_n > 1 ? r->o->shard_k : 0,
                  .shard_n = r->o->shard_n > 1 ? r->o->shard_n : 1,
                  .now = r->now, .validity_s = r->validity_s};
    uint64_t size;
    hc_err err = input_fingerprint(in_path, &m.head_crc, &size);
    if (err != HC_OK)
        return hc_diag_set(diag, err, "", "cannot read %s: %s", in_path, strerror(errno));
    if (mkdir_p(r->out_dir) != HC_OK)
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
    r->now = old.now;           /* one iat and one exp for the whole batch */
    r->validity_s = old.validity_s;
    *resuming = true;
    return HC_OK;
}

/* A PEM private key given as the input by mistake (--in KEY.pem): each of its
 * lines would become a record, and the text jansson quotes near a syntax
 * error (the start of each base64 line) would put pieces of the key into
 * errors.jsonl. Refused from its first line, before anything is written. */
static hc_err refuse_key_input(hc_lr *in, hc_diag *diag)
{
    static const char begin[] = "-----BEGIN ", tail[] = "PRIVATE KEY-----";
    const size_t bl = sizeof begin - 1, tl = sizeof tail - 1;
    const char *s;
    size_t n;
    bool too_long;
    int got = hc_lr_next(in, &s, &n, &too_long);
    if (got < 0)
        return HC_E_IO;
    if (got == 1 && !too_long && n >= bl + tl && memcmp(s, begin, bl) == 0 &&
        memcmp(s + n - tl, tail, tl) == 0) {
        hc_diag_set(diag, HC_E_RECORD, "", "the input is a PEM private key, not records: "
                                           "nothing was read from it");
        if (diag)
            diag->line = 1;
        return HC_E_RECORD;
    }
    return hc_lr_seek(in, 0, 0);
}

static hc_err read_csv_header(run *r, hc_lr *in, hc_diag *diag)
{
    const char *s;
    size_t n;
    bool too_long;
    int got = hc_lr_next(in, &s, &n, &too_long);
    if (got < 0)
        return HC_E_IO;
    if (got == 0 || too_long) {
        hc_diag_set(diag, HC_E_RECORD, "", got == 0 ? "the CSV file is empty: it needs a header line"
                                                    : "the CSV header line is too long");
    } else if (hc_batch_csv_header(s, n, &r->hdr, diag) == HC_OK) {
        return hc_lr_seek(in, 0, 0);   /* the header is line 1 again for the main loop */
    }
    if (diag)
        diag->line = 1;
    return HC_E_RECORD;
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
        return err != HC_OK ? err : outputs_sync(out);
    window_start(r, a);
    for (;;) {
        hc_err fill_err = HC_OK;
        b->n = 0;
        if (!eof)
            fill_err = window_fill(r, b, in, &eof);
        window_finish(r, false);
        bool more = fill_err == HC_OK && b->n > 0;
        if (more)
            window_start(r, b);
        err = window_write(r, a, out, sum, diag, &stop);
        since += a->n;
        if (since >= checkpoint || !more || stop || err != HC_OK) {
            hc_err e2 = outputs_sync(out);
            err = err != HC_OK ? err : e2;
            since = 0;
        }
        report(r->o, sum, in, total, false);
        if (err == HC_OK && !stop)
            err = fill_err;
        if (err != HC_OK || stop || !more) {   /* synced just above */
            if (more)
                window_finish(r, true);
            return err;
        }
        window *t = a;
        a = b;
        b = t;
    }
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
    memset(&r, 0, sizeof r);
    r.o = opts;
    r.out_dir = out_dir;
    r.csv = has_suffix(in_path, ".csv");
    r.now = opts->now;
    r.validity_s = opts->validity_s ? opts->validity_s : DEFAULT_VALIDITY_S;
    r.nthreads = opts->threads ? opts->threads : 1;
    if (r.nthreads > 256)
        r.nthreads = 256;
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.work_cv, NULL);
    pthread_cond_init(&r.done_cv, NULL);
    hc_policy *own_policy = NULL;
    hc_lr in;
    memset(&in, 0, sizeof in);
    in.fd = -1;
    outputs out = {.tok = -1, .err = -1, .dir = -1, .png_dir = -1};
    bool resuming = false;
    uint64_t total = 0;
    struct stat st;

    err = hc_lr_open(&in, in_path, HC_RECORD_MAX);
    if (err != HC_OK) {
        hc_diag_set(diag, err, "", "cannot read %s: %s", in_path, strerror(errno));
        goto done;
    }
    if (fstat(in.fd, &st) == 0 && S_ISREG(st.st_mode))
        total = (uint64_t)st.st_size;
    if ((err = refuse_key_input(&in, diag)) != HC_OK ||
        (r.csv && (err = read_csv_header(&r, &in, diag)) != HC_OK))
        goto done;
    r.policy = opts->policy;
    if (!r.policy) {
        if ((err = hc_policy_load(NULL, &own_policy, diag)) != HC_OK)
            goto done;
        r.policy = own_policy;
    }
    if ((err = prepare_dir(&r, in_path, &resuming, diag)) != HC_OK)
        goto done;
    if (resuming) {
        char tp[4096], ep[4096];
        join(tp, sizeof tp, out_dir, "tokens.jsonl");
        join(ep, sizeof ep, out_dir, "errors.jsonl");
        int fd1 = open(tp, O_WRONLY | O_CREAT | O_CLOEXEC, 0644), fd2 = open(ep, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd1 >= 0)
            close(fd1);
        if (fd2 >= 0)
            close(fd2);
        if ((err = resume_scan(&r, &in, tp, ep, &sum)) != HC_OK) {
            hc_diag_set(diag, err, "", "cannot recover the batch in %s", out_dir);
            goto done;
        }
    }
    if ((err = window_alloc(&r)) != HC_OK || (err = open_outputs(&r, &out, diag)) != HC_OK)
        goto done;
    if ((err = workers_start(&r)) != HC_OK) {
        hc_diag_set(diag, err, "", "cannot prepare a signer for issuer \"%.40s\": %s", opts->iss,
                    hc_strerror(err));
        goto done;
    }
    err = batch_loop(&r, &in, &out, &sum, total, diag);
#if HC_WITH_SHEETS
    if (err == HC_OK && opts->sheets)
        err = hc_batch_sheets(out_dir, opts, r.policy, &sum.sheets, diag);
#endif
    report(opts, &sum, &in, total, true);
done:
    workers_stop(&r);
    window_free(&r);
    outputs_close(&out);
    hc_lr_close(&in);
    hc_policy_free(own_policy);
    pthread_mutex_destroy(&r.mu);
    pthread_cond_destroy(&r.work_cv);
    pthread_cond_destroy(&r.done_cv);
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
    join(in, sizeof in, dir, "tokens.jsonl");
    join(out, sizeof out, dir, so.format == HC_SHEET_PDF ? "sheets.pdf" : "sheets");
    unsigned long n = 0;
    hc_err err = hc_sheet_from_jsonl(in, out, &so, &n, diag);
    *pages = n;
    return err;
}
#endif

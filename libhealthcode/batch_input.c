/* batch_input.c — what a batch reads: its input lines (a bounded line
 * reader), the CSV mapping of a row to a JSON record, and the input's first
 * line (a CSV header, or a private key given by mistake). */
#include "internal.h"
#include "batch_run.h"
#include "record_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* ------------------------------------------------------------------ CSV */

static const char *const csv_columns[HC_CSV_NCOLS] = {
    "id", "id_type", "name", "residence", "contact_status", "last_contact", "discharged",
    "entry_date", "entry_from", "previous_colour", "previous_since",
    "declaration_at", "declaration_temperature_c", "declaration_symptoms", "device_key",
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

/* ------------------------------------------------------------ first line */

/* A PEM private key given as the input by mistake (--in KEY.pem): each of its
 * lines would become a record, and the text jansson quotes near a syntax
 * error (the start of each base64 line) would put pieces of the key into
 * errors.jsonl. Refused from its first line, before anything is written. */
static bool private_key_pem(const char *s, size_t n)
{
    static const char begin[] = "-----BEGIN ", tail[] = "PRIVATE KEY-----";
    const size_t bl = sizeof begin - 1, tl = sizeof tail - 1;
    return n >= bl + tl && memcmp(s, begin, bl) == 0 && memcmp(s + n - tl, tail, tl) == 0;
}

hc_err hc_batch_read_head(hc_lr *in, bool csv, hc_csv_header *hdr, hc_diag *diag)
{
    const char *s;
    size_t n;
    bool too_long;
    int got = hc_lr_next(in, &s, &n, &too_long);
    if (got < 0)
        return HC_E_IO;
    if (got == 1 && !too_long && private_key_pem(s, n)) {
        hc_diag_set(diag, HC_E_RECORD, "", "the input is a PEM private key, not records: "
                                           "nothing was read from it");
    } else if (!csv) {
        return hc_lr_seek(in, 0, 0);
    } else if (got == 0 || too_long) {
        hc_diag_set(diag, HC_E_RECORD, "", got == 0 ? "the CSV file is empty: it needs a header line"
                                                    : "the CSV header line is too long");
    } else if (hc_batch_csv_header(s, n, hdr, diag) == HC_OK) {
        return hc_lr_seek(in, 0, 0);   /* the header is line 1 again for the main loop */
    }
    if (diag)
        diag->line = 1;
    return HC_E_RECORD;
}

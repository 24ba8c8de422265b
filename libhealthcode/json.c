/* json.c — the person record's JSON reader: strict RFC 8259 into one flat
 * array of values (json_impl.h), one allocation a document.
 *
 * Why not jansson, the chosen JSON helper: the record is parsed at batch
 * rate, and jansson's one allocation per value, per key and per object hash
 * table was a quarter of a record's cost (7.5 of 34 microseconds,
 * bench/bench_batch), more than everything but the signature. No well-kept
 * C library in Debian parses without allocating per value (jsmn is not
 * strict: it skips commas and colons unchecked). It is also the verify
 * side's only JSON reader: trust lists (trustlist.c) are read with it, so a
 * verify-only build reads them without jansson. Policies and venues, read
 * once, stay on jansson. Fuzzed by tests/fuzz/fuzz_record.c and
 * fuzz_trustlist.c. */
#define _GNU_SOURCE           /* strtod_l */
#include "internal.h"
#include "json_impl.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const unsigned char *start, *p, *end;
    hc_json *v;
    size_t n, cap;
    char *text;               /* decoded strings */
    size_t text_len, text_cap;
    unsigned depth;
    const char *msg;          /* the first error */
    const unsigned char *at;
} parser;

static bool fail(parser *ps, const unsigned char *at, const char *msg)
{
    ps->msg = msg;
    ps->at = at;
    return false;
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static hc_json *new_value(parser *ps, hc_json_type type)
{
    if (ps->n == ps->cap)   /* cannot happen: cap bounds the values len bytes can hold */
        return NULL;
    hc_json *v = &ps->v[ps->n++];
    v->type = (uint8_t)type;
    v->span = 1;
    v->count = 0;
    v->u.i = 0;
    return v;
}

/* ---------------------------------------------------------------- strings */

/* Length of the UTF-8 sequence at p (RFC 3629: no overlongs, no surrogates,
 * at most U+10FFFF), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

static int hex4(const unsigned char *p, const unsigned char *end)
{
    if (end - p < 4)
        return -1;
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int c = p[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v << 4 | d;
    }
    return v;
}

static size_t put_utf8(char *out, unsigned cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* \uXXXX at p (after the backslash and u), with its low surrogate if it is
 * a high one; *cp the code point, the escape's length, 0 if invalid. */
static size_t unicode_escape(const unsigned char *p, const unsigned char *end, unsigned *cp)
{
    int hi = hex4(p, end);
    if (hi < 0 || (hi >= 0xdc00 && hi <= 0xdfff))
        return 0;
    if (hi < 0xd800 || hi > 0xdbff) {
        *cp = (unsigned)hi;
        return 4;
    }
    if (end - p < 10 || p[4] != '\\' || p[5] != 'u')
        return 0;
    int lo = hex4(p + 6, end);
    if (lo < 0xdc00 || lo > 0xdfff)
        return 0;
    *cp = 0x10000 + ((unsigned)(hi - 0xd800) << 10) + (unsigned)(lo - 0xdc00);
    return 10;
}

/* The escape at ps->p (on its backslash) decoded into dec; its length, 0
 * after fail(). */
static size_t escape(parser *ps, char dec[4])
{
    const unsigned char *esc = ps->p++;
    if (ps->p >= ps->end)
        return fail(ps, esc, "a string is not closed"), 0;
    switch (*ps->p++) {
    case '"': dec[0] = '"'; return 1;
    case '\\': dec[0] = '\\'; return 1;
    case '/': dec[0] = '/'; return 1;
    case 'b': dec[0] = '\b'; return 1;
    case 'f': dec[0] = '\f'; return 1;
    case 'n': dec[0] = '\n'; return 1;
    case 'r': dec[0] = '\r'; return 1;
    case 't': dec[0] = '\t'; return 1;
    case 'u': {
        unsigned cp;
        size_t n = unicode_escape(ps->p, ps->end, &cp);
        if (n == 0)
            return fail(ps, esc, "an invalid \\u escape (or a lone surrogate)"), 0;
        ps->p += n;
        return put_utf8(dec, cp);
    }
    default:
        return fail(ps, esc, "an invalid escape in a string"), 0;
    }
}

/* A string at ps->p (on its opening quote), decoded into ps->text. Decoded
 * text is never longer than the raw text with its quotes, so text_cap = len
 * + 1 is enough; checked anyway. */
static bool parse_string(parser *ps)
{
    const unsigned char *open = ps->p++;
    char *out = ps->text + ps->text_len;
    size_t room = ps->text_cap - ps->text_len, o = 0;
    for (;;) {
        if (ps->p >= ps->end)
            return fail(ps, open, "a string is not closed");
        unsigned char c = *ps->p;
        if (c == '"') {
            ps->p++;
            break;
        }
        if (c < 0x20)
            return fail(ps, ps->p, "a control character in a string (it must be escaped)");
        if (c < 0x80 && c != '\\') {   /* the usual case: one byte as it is */
            if (room - o < 2)
                return fail(ps, ps->p, "a string is too long");
            out[o++] = (char)c;
            ps->p++;
            continue;
        }
        char dec[4];
        size_t n;
        const unsigned char *at = ps->p;
        if (c != '\\') {
            n = utf8_len(ps->p, ps->end);
            if (n == 0)
                return fail(ps, ps->p, "invalid UTF-8 in a string");
            memcpy(dec, ps->p, n);
            ps->p += n;
        } else if ((n = escape(ps, dec)) == 0) {
            return false;
        }
        if (n >= room - o)   /* room for it and the NUL */
            return fail(ps, at, "a string is too long");
        memcpy(out + o, dec, n);
        o += n;
    }
    out[o] = '\0';
    hc_json *v = new_value(ps, HC_JSON_STRING);
    if (!v)
        return fail(ps, open, "too many values");
    v->u.s = out;
    v->count = (uint32_t)o;
    ps->text_len += o + 1;
    return true;
}

/* ---------------------------------------------------------------- numbers */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static void make_c_locale(void) { c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0); }

static bool is_digit(const parser *ps) { return ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9'; }

/* An integer's digits into int64_t, exactly; false if out of range. */
static bool to_int64(const unsigned char *s, const unsigned char *e, int64_t *out)
{
    bool neg = *s == '-';
    uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (s += neg; s < e; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return true;
}

/* RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool parse_number(parser *ps)
{
    const unsigned char *s = ps->p;
    bool integer = true;
    if (*ps->p == '-')
        ps->p++;
    if (!is_digit(ps))
        return fail(ps, s, "an invalid number");
    if (*ps->p++ != '0')
        while (is_digit(ps))
            ps->p++;
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        integer = false;
        if (!is_digit(ps))
            return fail(ps, s, "an invalid number (no digit after the point)");
        while (is_digit(ps))
            ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        integer = false;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (!is_digit(ps))
            return fail(ps, s, "an invalid number (no digit in the exponent)");
        while (is_digit(ps))
            ps->p++;
    }
    hc_json *v = new_value(ps, integer ? HC_JSON_INTEGER : HC_JSON_REAL);
    if (!v)
        return fail(ps, s, "too many values");
    if (integer)
        return to_int64(s, ps->p, &v->u.i) || fail(ps, s, "an integer out of range");
    char buf[64];
    size_t n = (size_t)(ps->p - s);
    if (n >= sizeof buf)
        return fail(ps, s, "a number of more than 63 characters");
    memcpy(buf, s, n);
    buf[n] = '\0';
    /* the C locale: a library must not read "37,5" for 37.5 under de_DE */
    (void)pthread_once(&c_locale_once, make_c_locale);
    if (!c_locale)
        return fail(ps, s, "no C locale to read a number");
    v->u.d = strtod_l(buf, NULL, c_locale);
    return isfinite(v->u.d) || fail(ps, s, "a number out of range");
}

/* ------------------------------------------------------------- structure */

static bool parse_value(parser *ps);

static bool literal(parser *ps, const char *word, size_t n, hc_json_type type)
{
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return fail(ps, ps->p, "an invalid literal (true, false or null expected)");
    ps->p += n;
    return new_value(ps, type) || fail(ps, ps->p, "too many values");
}

/* An object or an array at ps->p (on its bracket). */
static bool parse_container(parser *ps, bool object)
{
    const unsigned char *open = ps->p++;
    unsigned char close = object ? '}' : ']';
    if (++ps->depth > HC_JSON_MAX_DEPTH)
        return fail(ps, open, "nesting deeper than the maximum depth (32)");
    size_t at = ps->n;
    if (!new_value(ps, object ? HC_JSON_OBJECT : HC_JSON_ARRAY))
        return fail(ps, open, "too many values");
    uint32_t count = 0;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
    } else {
        for (;;) {
            skip_ws(ps);
            if (object) {
                if (ps->p >= ps->end || *ps->p != '"')
                    return fail(ps, ps->p, "a key (a string in double quotes) expected");
                if (!parse_string(ps))
                    return false;
                skip_ws(ps);
                if (ps->p >= ps->end || *ps->p != ':')
                    return fail(ps, ps->p, "':' expected after a key");
                ps->p++;
                skip_ws(ps);
            }
            if (!parse_value(ps))
                return false;
            count++;
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == ',') {
                ps->p++;
                continue;
            }
            if (ps->p < ps->end && *ps->p == close) {
                ps->p++;
                break;
            }
            return fail(ps, ps->p, object ? "',' or '}' expected" : "',' or ']' expected");
        }
    }
    ps->v[at].count = count;
    ps->v[at].span = (uint32_t)(ps->n - at);
    ps->depth--;
    return true;
}

static bool parse_value(parser *ps)
{
    if (ps->p >= ps->end)
        return fail(ps, ps->p, "a value expected, the text ended");
    switch (*ps->p) {
    case '{': return parse_container(ps, true);
    case '[': return parse_container(ps, false);
    case '"': return parse_string(ps);
    case 't': return literal(ps, "true", 4, HC_JSON_TRUE);
    case 'f': return literal(ps, "false", 5, HC_JSON_FALSE);
    case 'n': return literal(ps, "null", 4, HC_JSON_NULL);
    default:
        if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
            return parse_number(ps);
        return fail(ps, ps->p, "a value expected");
    }
}

/* ------------------------------------------------------------------ public */

/* 1-based line and column (in characters) of at. */
static void position(const unsigned char *s, const unsigned char *at, int *line, int *column)
{
    int l = 1, c = 1;
    for (; s < at; s++) {
        if (*s == '\n') {
            l++;
            c = 1;
        } else if ((*s & 0xc0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *column = c;
}

/* The bytes a document of len bytes may need: values, then decoded text. A
 * value takes at least two bytes with the separator or bracket after it,
 * but for the last one and for brackets not yet closed (at most the
 * depth); decoded strings are no longer than their text. */
static size_t values_cap(size_t len) { return len / 2 + 2 + HC_JSON_MAX_DEPTH; }
static size_t need(size_t len) { return values_cap(len) * sizeof(hc_json) + len + 1; }

static hc_err parse_into(const char *text, size_t len, char *mem, hc_json_doc *doc)
{
    size_t cap = values_cap(len);
    parser ps = {.start = (const unsigned char *)text, .p = (const unsigned char *)text,
                 .end = (const unsigned char *)text + len, .v = (hc_json *)(void *)mem,
                 .cap = cap, .text = mem + cap * sizeof(hc_json), .text_cap = len + 1};
    skip_ws(&ps);
    bool ok = parse_value(&ps);
    if (ok) {
        skip_ws(&ps);
        if (ps.p < ps.end)
            ok = fail(&ps, ps.p, "text after the end of the value");
    }
    if (!ok) {
        if (ps.at < ps.end && *ps.at > 0x20 && *ps.at < 0x7f)
            snprintf(doc->message, sizeof doc->message, "%s near '%c'", ps.msg, *ps.at);
        else if (ps.at >= ps.end)
            snprintf(doc->message, sizeof doc->message, "%s (at the end of the text)", ps.msg);
        else
            snprintf(doc->message, sizeof doc->message, "%s (byte 0x%02x)", ps.msg, *ps.at);
        position(ps.start, ps.at, &doc->line, &doc->column);
        return HC_E_RECORD;
    }
    doc->root = ps.v;
    return HC_OK;
}

static hc_err check_args(const char *text, size_t len, hc_json_doc *doc)
{
    doc->root = NULL;
    doc->owned = false;
    doc->message[0] = '\0';
    doc->line = doc->column = 0;
    return !text || len > UINT32_MAX / 2 ? HC_E_ARG : HC_OK;
}

hc_err hc_json_parse(const char *text, size_t len, hc_json_doc *doc)
{
    hc_err err = check_args(text, len, doc);
    if (err != HC_OK)
        return err;
    char *mem = malloc(need(len));
    if (!mem)
        return HC_E_NOMEM;
    if ((err = parse_into(text, len, mem, doc)) != HC_OK) {
        free(mem);
        return err;
    }
    doc->owned = true;
    return HC_OK;
}

hc_err hc_json_parse_scratch(const char *text, size_t len, hc_json_scratch *scratch,
                             hc_json_doc *doc)
{
    hc_err err = check_args(text, len, doc);
    if (err != HC_OK)
        return err;
    if (scratch->cap < need(len)) {
        size_t cap = need(len) > 16384 ? need(len) : 16384;
        void *m = realloc(scratch->mem, cap);
        if (!m)
            return HC_E_NOMEM;
        scratch->mem = m;
        scratch->cap = cap;
    }
    return parse_into(text, len, scratch->mem, doc);
}

void hc_json_doc_free(hc_json_doc *doc)
{
    if (doc) {
        if (doc->owned)
            free(doc->root);
        doc->root = NULL;
        doc->owned = false;
    }
}

const hc_json *hc_json_duplicate_key(const hc_json *root, uint32_t max_members,
                                     const hc_json **object)
{
    for (const hc_json *v = root; v && v < hc_json_end(root); v++) {
        if (v->type != HC_JSON_OBJECT)
            continue;
        if (v->count > max_members) {
            *object = v;
            return v;
        }
        /* keys are v+1, then every second sibling: compare each with the later ones */
        for (const hc_json *a = v + 1; a < hc_json_end(v); a = hc_json_next(a + 1))
            for (const hc_json *b = hc_json_next(a + 1); b < hc_json_end(v); b = hc_json_next(b + 1))
                if (a->count == b->count && memcmp(a->u.s, b->u.s, a->count) == 0) {
                    *object = v;
                    return b;
                }
    }
    return NULL;
}

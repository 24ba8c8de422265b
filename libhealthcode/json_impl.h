/* json_impl.h — the person record's JSON reader (json.c): strict RFC 8259,
 * bounded, one allocation a document. Not installed.
 *
 * A document is a flat array of values in text order. A container is
 * followed by its contents; each value's span counts the values of its
 * subtree (itself included), so the next sibling of v is v + v->span. An
 * object's contents are key, value, key, value, … (keys are strings). */
#ifndef HC_JSON_IMPL_H
#define HC_JSON_IMPL_H

#include <healthcode/common.h>

#include <string.h>

typedef enum {
    HC_JSON_OBJECT, HC_JSON_ARRAY, HC_JSON_STRING, HC_JSON_INTEGER, HC_JSON_REAL,
    HC_JSON_TRUE, HC_JSON_FALSE, HC_JSON_NULL
} hc_json_type;

typedef struct {
    uint8_t type;        /* hc_json_type */
    uint32_t span;       /* values in this subtree, this one included */
    uint32_t count;      /* OBJECT: members; ARRAY: elements; STRING: bytes (NUL excluded) */
    union {
        const char *s;   /* STRING: decoded UTF-8, NUL-terminated (may hold a NUL: see count) */
        int64_t i;       /* INTEGER: no fraction and no exponent in the text */
        double d;        /* REAL: finite */
    } u;
} hc_json;

typedef struct {
    hc_json *root;       /* NULL until parsed; released by hc_json_doc_free */
    bool owned;          /* root is the document's own allocation */
    char message[96];    /* on error: what is wrong */
    int line, column;    /* on error: where (1-based; column in characters) */
} hc_json_doc;

/* Nesting deeper than this is a syntax error (the record needs 3). */
#define HC_JSON_MAX_DEPTH 32

/* Parses len bytes of text (any bytes: NUL is not an end). HC_E_RECORD on a
 * syntax error (doc->message, line, column), HC_E_NOMEM. Numbers: integers
 * must fit int64_t and reals must be finite, else a syntax error. Strings
 * must be valid UTF-8 and their escapes valid (a lone surrogate is not).
 * Duplicate keys are not detected here: the caller knows its keys. */
hc_err hc_json_parse(const char *text, size_t len, hc_json_doc *doc);
void hc_json_doc_free(hc_json_doc *doc);

/* A buffer kept from one parse to the next (zero-initialise; free(mem) when
 * done): hc_json_parse_scratch then allocates only when a text is longer
 * than any before. The document lives in it until the next parse. */
typedef struct {
    void *mem;
    size_t cap;
} hc_json_scratch;

hc_err hc_json_parse_scratch(const char *text, size_t len, hc_json_scratch *scratch,
                             hc_json_doc *doc);

/* The first key, in text order, that repeats an earlier key of its object
 * (compared after unescaping: "a" and "\u0061" are one key), anywhere in
 * root's subtree; NULL when there is none. An object with more than
 * max_members members is reported too (the object itself is returned),
 * which bounds the cost at max_members² / 2 comparisons an object.
 * *object is set to the object holding what is returned. */
const hc_json *hc_json_duplicate_key(const hc_json *root, uint32_t max_members,
                                     const hc_json **object);

static inline const hc_json *hc_json_next(const hc_json *v) { return v + v->span; }
static inline const hc_json *hc_json_end(const hc_json *v) { return v + v->span; }

/* The member of obj named key, or NULL (the first one if repeated). Inline
 * so that strlen of a literal key is a constant: lengths are compared
 * before bytes. */
static inline const hc_json *hc_json_get(const hc_json *obj, const char *key)
{
    if (!obj || obj->type != HC_JSON_OBJECT)
        return NULL;
    size_t n = strlen(key);
    for (const hc_json *k = obj + 1; k < hc_json_end(obj); k = hc_json_next(k + 1))
        if (k->count == n && memcmp(k->u.s, key, n) == 0)
            return k + 1;
    return NULL;
}

#endif

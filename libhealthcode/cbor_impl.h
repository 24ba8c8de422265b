/* cbor_impl.h — the small CBOR layer under cose.c and claims.c (cbor.c).
 * Not installed.
 *
 * Reading is in place, bounded and allocation-free: item heads come from
 * libcbor's streaming decoder (cbor_stream_decode), the structure walk is
 * ours, with these limits:
 *   - nesting depth HC_CBOR_MAX_DEPTH (arrays, maps and tags each count 1);
 *   - at most HC_CBOR_MAX_MAP_ENTRIES entries in one map;
 *   - definite lengths only (HC_E_INDEFINITE);
 *   - no map holds two keys of the same value (HC_E_DUPLICATE_KEY), compared
 *     in CBOR's data model, not by their bytes: 1 as 0x01 and as 0x18 0x01
 *     is one key, 1.0 as a half, single or double float is one key; arrays,
 *     maps and tags used as keys are compared item by item in the order
 *     written;
 *   - every text string is valid UTF-8 (RFC 3629: no overlong forms, no
 *     surrogates, nothing above U+10FFFF), else HC_E_CBOR.
 * Truncation, reserved values, invalid UTF-8 and the limits above give
 * HC_E_CBOR.
 *
 * Writing goes through libcbor's allocation-free cbor_encode_* functions into
 * a caller buffer; the writer keeps counting past the end so that a caller
 * learns the exact size it needs. */
#ifndef HC_CBOR_IMPL_H
#define HC_CBOR_IMPL_H

#include <healthcode/common.h>

#define HC_CBOR_MAX_DEPTH 16
#define HC_CBOR_MAX_MAP_ENTRIES 64

typedef enum {
    HC_CBOR_UINT, HC_CBOR_NEGINT, HC_CBOR_BSTR, HC_CBOR_TSTR, HC_CBOR_ARRAY, HC_CBOR_MAP,
    HC_CBOR_TAG, HC_CBOR_SIMPLE /* false, true, null, undefined, floats */
} hc_cbor_type;

typedef struct {
    hc_cbor_type type;
    uint64_t value;        /* UINT: the value; NEGINT: n of -1-n; ARRAY/MAP: count; TAG: number;
                              SIMPLE: the simple value (20 false … 23 undefined), or for a
                              float the bits of its value as a double */
    bool is_float;         /* SIMPLE: a half, single or double float */
    const uint8_t *data;   /* BSTR/TSTR: the content, in the caller's buffer */
    size_t len;            /* BSTR/TSTR: content length */
    size_t size;           /* bytes the head takes (for strings: head and content) */
} hc_cbor_item;

/* Decodes the head of the item at buf (for a string, its content too).
 * HC_E_CBOR (truncated, reserved), HC_E_INDEFINITE. */
hc_err hc_cbor_head(const uint8_t *buf, size_t len, hc_cbor_item *it);

/* Checks the one complete item at buf under the limits above and sets *size
 * to its encoded length (bytes may follow it: the caller decides).
 * The work is linear in len: the duplicate-key check compares keys by a
 * fingerprint of their value (hashed once per byte, nesting included) and
 * in full only when two fingerprints are equal.
 * HC_E_CBOR, HC_E_INDEFINITE, HC_E_DUPLICATE_KEY. */
hc_err hc_cbor_check(const uint8_t *buf, size_t len, size_t *size);

/* hc_cbor_check, and *work (may be NULL) = the item heads it decoded: at
 * most a small constant times the items of the input (tests hold it so). */
hc_err hc_cbor_check_work(const uint8_t *buf, size_t len, size_t *size, uint64_t *work);

/* Whether s[0..n) is strict UTF-8 (RFC 3629). NUL is allowed. */
bool hc_cbor_utf8_ok(const uint8_t *s, size_t n);

/* The encoded length of the item at buf, which hc_cbor_check() accepted.
 * Iterative (no recursion); 0 if it is not well-formed after all. */
size_t hc_cbor_skip(const uint8_t *buf, size_t len);
/* The same for an item whose head `it` was decoded at buf already: its
 * size for anything but an array, map or tag (no decoding again). */
size_t hc_cbor_span(const uint8_t *buf, size_t len, const hc_cbor_item *it);

/* An integer item (UINT or NEGINT) as int64_t; false if it is not one or
 * does not fit. */
bool hc_cbor_int(const hc_cbor_item *it, int64_t *out);

/* ---- writing ---- */
typedef struct {
    uint8_t *buf;     /* may be NULL with cap 0: only counts */
    size_t cap;
    size_t len;       /* bytes written, or needed once past cap */
    bool overflow;
} hc_cbor_writer;

void hc_cbor_w_init(hc_cbor_writer *w, uint8_t *buf, size_t cap);
void hc_cbor_w_uint(hc_cbor_writer *w, uint64_t v);
void hc_cbor_w_int(hc_cbor_writer *w, int64_t v);
void hc_cbor_w_bstr(hc_cbor_writer *w, const uint8_t *p, size_t n);
/* The head of a bstr of n bytes, without its content. */
void hc_cbor_w_bstr_head(hc_cbor_writer *w, size_t n);
void hc_cbor_w_tstr(hc_cbor_writer *w, const char *s, size_t n);
void hc_cbor_w_array(hc_cbor_writer *w, size_t n);
void hc_cbor_w_map(hc_cbor_writer *w, size_t n);
void hc_cbor_w_tag(hc_cbor_writer *w, uint64_t tag);
/* Bytes already encoded (a nested item). */
void hc_cbor_w_raw(hc_cbor_writer *w, const uint8_t *p, size_t n);
/* HC_OK with *len = bytes written, or HC_E_BUFFER with *len = bytes needed. */
hc_err hc_cbor_w_finish(const hc_cbor_writer *w, size_t *len);

#endif

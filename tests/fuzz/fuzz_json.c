/* fuzz_json.c — the record's JSON reader (json.c) against jansson: both must
 * accept the same texts and read the same values. The known differences are
 * skipped, not hidden: nesting deeper than json.c's 32 (jansson allows 2048),
 * numbers either side calls out of range (jansson's "underflow" for 1e-400,
 * json.c reads 0), reals longer than json.c's 63 characters, a NUL in a key
 * (jansson refuses it; json.c reads it and the record refuses the key as
 * unknown), a NUL byte after the value (jansson stops reading at it, json.c
 * reads the len bytes it is given), and values of
 * objects with a repeated key (jansson keeps the last, json.c the first; the
 * record parser refuses repeated keys itself). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_impl.h"

static bool has_repeated_key(const hc_json *o)
{
    for (const hc_json *a = o + 1; a < hc_json_end(o); a = hc_json_next(a + 1))
        for (const hc_json *b = hc_json_next(a + 1); b < hc_json_end(o); b = hc_json_next(b + 1))
            if (a->count == b->count && memcmp(a->u.s, b->u.s, a->count) == 0)
                return true;
    return false;
}

/* Aborts unless ours and theirs hold the same value. */
static void same(const hc_json *v, const json_t *j)
{
    switch ((hc_json_type)v->type) {
    case HC_JSON_OBJECT:
        if (!json_is_object(j))
            abort();
        if (has_repeated_key(v))
            return;
        if (json_object_size(j) != v->count)
            abort();
        for (const hc_json *k = v + 1; k < hc_json_end(v); k = hc_json_next(k + 1)) {
            const json_t *m = json_object_getn(j, k->u.s, k->count);
            if (!m)
                abort();
            same(k + 1, m);
        }
        return;
    case HC_JSON_ARRAY: {
        if (!json_is_array(j) || json_array_size(j) != v->count)
            abort();
        size_t i = 0;
        for (const hc_json *e = v + 1; e < hc_json_end(v); e = hc_json_next(e), i++)
            same(e, json_array_get(j, i));
        return;
    }
    case HC_JSON_STRING:
        if (!json_is_string(j) || json_string_length(j) != v->count ||
            memcmp(json_string_value(j), v->u.s, v->count) != 0 || v->u.s[v->count] != '\0')
            abort();
        return;
    case HC_JSON_INTEGER:
        if (!json_is_integer(j) || json_integer_value(j) != v->u.i)
            abort();
        return;
    case HC_JSON_REAL:
        if (!json_is_real(j) || json_real_value(j) != v->u.d)
            abort();
        return;
    case HC_JSON_TRUE: if (!json_is_true(j)) abort(); return;
    case HC_JSON_FALSE: if (!json_is_false(j)) abort(); return;
    case HC_JSON_NULL: if (!json_is_null(j)) abort(); return;
    }
    abort();
}

static bool says(const char *msg, const char *what) { return strstr(msg, what) != NULL; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hc_json_doc doc;
    hc_err e = hc_json_parse((const char *)data, size, &doc);
    if (e != HC_OK && e != HC_E_RECORD)
        abort();
    json_error_t jerr;
    json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (e == HC_OK && j) {
        same(doc.root, j);
    } else if (e == HC_OK) {
        if (!says(jerr.text, "too big") && !says(jerr.text, "overflow") &&
            !says(jerr.text, "underflow") && !says(jerr.text, "depth") &&
            !says(jerr.text, "NUL byte in object key")) {
            fprintf(stderr, "json.c accepts, jansson refuses: %s\n", jerr.text);
            abort();
        }
    } else if (j) {
        if (!says(doc.message, "depth") && !says(doc.message, "out of range") &&
            !says(doc.message, "63 characters") && !says(doc.message, "(byte 0x00)")) {
            fprintf(stderr, "jansson accepts, json.c refuses: %s\n", doc.message);
            abort();
        }
    }
    json_decref(j);
    hc_json_doc_free(&doc);
    return 0;
}

/*
 * trustlist.c — trust-list JSON (trustlist_impl.h), on the verify side: the
 * scanner firmware reads the format doc/checkpoint.md gives it, with the
 * library's own strict JSON reader (json.c), no jansson.
 *
 *   {"version": 1,
 *    "entries": [{"issuer": "CN-330000", "kid": "0123456789abcdef", "alg": "ES256",
 *                 "public_key": "-----BEGIN PUBLIC KEY-----\n…",
 *                 "not_before": "2020-02-01T00:00:00Z", "not_after": 1612137600}]}
 *
 * Each entry is checked before any is returned, so a bad list adds nothing:
 * the PEM must be a public key (a private key in a published list is
 * refused), the kid computed from it must be the declared kid, the alg must
 * be the key's, and not_before < not_after. Times are epoch seconds (a JSON
 * integer, 0 included: 0 is 1970, never "no bound") or a text read by the
 * one date rule of clock_impl.h (a date alone is its midnight at UTC+08:00);
 * an absent or null bound is no bound (INT64_MIN / INT64_MAX). not_after is
 * exclusive. No object may hold a key twice (two readers must not take two
 * values from one list). Unknown keys are ignored, so that a list can grow
 * fields older readers skip.
 */
#include "trustlist_impl.h"
#include "clock_impl.h"
#include "crypto_impl.h"
#include "internal.h"
#include "json_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PEM_MAX 8192
/* Members of one object: an entry has 6 known keys; this bounds the cost
 * of the duplicate-key check (hc_json_duplicate_key). */
#define MEMBERS_MAX 64

/* Fills diag for entries[i].name and returns HC_E_TRUST_LIST. */
static hc_err entry_err(hc_diag *diag, const char *src, size_t i, const char *name,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static hc_err entry_err(hc_diag *diag, const char *src, size_t i, const char *name,
                        const char *fmt, ...)
{
    if (!diag)
        return HC_E_TRUST_LIST;
    char field[HC_DIAG_FIELD_MAX], what[HC_DIAG_MESSAGE_MAX];
    snprintf(field, sizeof field, "entries[%zu]%s%s", i, name[0] ? "." : "", name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return hc_diag_set(diag, HC_E_TRUST_LIST, field, "%s: %s %s", src, field, what);
}

/* A JSON string without an embedded NUL, as a C string; NULL otherwise. */
static const char *text_of(const hc_json *v)
{
    if (!v || v->type != HC_JSON_STRING || strlen(v->u.s) != v->count)
        return NULL;
    return v->u.s;
}

/* A bound: absent or null → none (the given sentinel); a JSON integer
 * >= 0 → itself; a text → clock.c's rule (epoch seconds, a date, a
 * date-time; nothing before 1970). Anything else is false. */
static bool parse_time(const hc_json *v, int64_t none, int64_t *out)
{
    if (!v || v->type == HC_JSON_NULL) {
        *out = none;
        return true;
    }
    if (v->type == HC_JSON_INTEGER) {
        *out = v->u.i;
        return v->u.i >= 0;
    }
    const char *s = text_of(v);
    return s && hc_clock_parse_time(s, out);
}

/* The key of an entry, checked against its declared kid and alg. */
static hc_err entry_key(const hc_json *e, size_t i, const char *src, hc_key **out, hc_diag *diag)
{
    const hc_json *kid = hc_json_get(e, "kid");
    uint8_t declared[HC_KID_LEN];
    if (!hc_hex_parse(text_of(kid), declared, HC_KID_LEN))
        return entry_err(diag, src, i, "kid", "must be %d hex digits", 2 * HC_KID_LEN);
    hc_alg alg_v;
    const char *alg = text_of(hc_json_get(e, "alg"));
    if (!alg || hc_alg_parse(alg, &alg_v) != HC_OK)
        return entry_err(diag, src, i, "alg", "must be \"ES256\" or \"EdDSA\"");
    const hc_json *pem = hc_json_get(e, "public_key");
    if (!pem || pem->type != HC_JSON_STRING || pem->count > PEM_MAX)
        return entry_err(diag, src, i, "public_key", "must be a PEM string (SubjectPublicKeyInfo)");
    hc_key *key = NULL;
    if (hc_key_load_pem(pem->u.s, pem->count, &key) != HC_OK)
        return entry_err(diag, src, i, "public_key", "is not a P-256, Ed25519 or SM2 public key in PEM");
    hc_err err = HC_OK;
    uint8_t computed[HC_KID_LEN];
    if (hc_key_is_private(key)) {
        err = entry_err(diag, src, i, "public_key",
                        "holds a PRIVATE key: publish only the public key, and replace this one");
    } else if (hc_key_kid(key, computed) != HC_OK) {
        err = HC_E_CRYPTO;
    } else if (memcmp(computed, declared, HC_KID_LEN) != 0) {
        char hex[2 * HC_KID_LEN + 1];
        hc_hex_encode(computed, HC_KID_LEN, hex);
        err = entry_err(diag, src, i, "kid", "\"%s\" is not the kid of the entry's key (%s)",
                        kid->u.s, hex);
    } else if (hc_key_alg(key) != alg_v) {
        err = entry_err(diag, src, i, "alg", "is %s but the key is an %s key",
                        hc_alg_name(alg_v), hc_alg_name(hc_key_alg(key)));
    }
    if (err != HC_OK) {
        hc_key_free(key);
        return err;
    }
    *out = key;
    return HC_OK;
}

static hc_err parse_entry(const hc_json *e, size_t i, const char *src, hc_trustlist_entry *out,
                          hc_diag *diag)
{
    if (e->type != HC_JSON_OBJECT)
        return entry_err(diag, src, i, "", "must be an object");
    const char *iss = text_of(hc_json_get(e, "issuer"));
    if (!iss || !iss[0] || strlen(iss) > HC_ISS_MAX)
        return entry_err(diag, src, i, "issuer", "must be a string of 1 to %d bytes", HC_ISS_MAX);
    hc_err err = entry_key(e, i, src, &out->key, diag);
    if (err != HC_OK)
        return err;
    if (!parse_time(hc_json_get(e, "not_before"), HC_TIME_UNBOUNDED_BEFORE, &out->not_before))
        err = entry_err(diag, src, i, "not_before",
                        "must be epoch seconds or ISO 8601 (\"2020-02-01T00:00:00Z\"), from 1970");
    else if (!parse_time(hc_json_get(e, "not_after"), HC_TIME_UNBOUNDED_AFTER, &out->not_after))
        err = entry_err(diag, src, i, "not_after",
                        "must be epoch seconds or ISO 8601 (\"2021-02-01T00:00:00Z\"), from 1970");
    else if (out->not_before >= out->not_after)
        err = entry_err(diag, src, i, "not_after", "must be after not_before");
    if (err != HC_OK) {
        hc_key_free(out->key);
        out->key = NULL;
        return err;
    }
    hc_strlcpy(out->iss, iss, sizeof out->iss);
    return HC_OK;
}

/* The shape around the entries: an object, version 1, a non-empty array,
 * and no key twice in any object. */
static hc_err check_root(const hc_json *root, const char *src, const hc_json **entries,
                         hc_diag *diag)
{
    if (root->type != HC_JSON_OBJECT)
        return hc_diag_set(diag, HC_E_TRUST_LIST, "", "%s: a trust list is a JSON object", src);
    const hc_json *obj = NULL, *dup = hc_json_duplicate_key(root, MEMBERS_MAX, &obj);
    if (dup == obj && dup)
        return hc_diag_set(diag, HC_E_TRUST_LIST, "", "%s: an object with more than %d members",
                           src, MEMBERS_MAX);
    if (dup)
        return hc_diag_set(diag, HC_E_TRUST_LIST, "", "%s: the key \"%.64s\" appears twice in one object",
                           src, dup->u.s);
    const hc_json *version = hc_json_get(root, "version");
    if (!version || version->type != HC_JSON_INTEGER || version->u.i != 1)
        return hc_diag_set(diag, HC_E_TRUST_LIST, "version", "%s: version must be 1", src);
    const hc_json *e = hc_json_get(root, "entries");
    if (!e || e->type != HC_JSON_ARRAY || e->count == 0)
        return hc_diag_set(diag, HC_E_TRUST_LIST, "entries",
                           "%s: entries must be a non-empty array", src);
    if (e->count > HC_TRUST_LIST_ENTRIES_MAX)
        return hc_diag_set(diag, HC_E_LIMIT, "entries", "%s: more than %d entries", src,
                           HC_TRUST_LIST_ENTRIES_MAX);
    *entries = e;
    return HC_OK;
}

hc_err hc_trustlist_parse(const char *json, size_t len, const char *src,
                          hc_trustlist_entry **entries, size_t *n, hc_diag *diag)
{
    if ((!json && len) || !src || !entries || !n)
        return HC_E_ARG;
    *entries = NULL;
    *n = 0;
    if (len > HC_TRUST_LIST_MAX)
        return hc_diag_set(diag, HC_E_LIMIT, "", "%s: over %d bytes", src, HC_TRUST_LIST_MAX);
    hc_json_doc doc;
    hc_err err = hc_json_parse(json ? json : "", len, &doc);
    if (err == HC_E_RECORD) {
        err = hc_diag_set(diag, HC_E_TRUST_LIST, "", "%s: not valid JSON: %s", src, doc.message);
        if (diag)
            diag->line = doc.line > 0 ? doc.line : 0;
        return err;
    }
    if (err != HC_OK)
        return err;
    const hc_json *arr = NULL;
    hc_trustlist_entry *pe = NULL;
    size_t count = 0;
    if ((err = check_root(doc.root, src, &arr, diag)) != HC_OK)
        goto done;
    if (!(pe = calloc(arr->count, sizeof *pe))) {
        err = HC_E_NOMEM;
        goto done;
    }
    for (const hc_json *e = arr + 1; e < hc_json_end(arr) && err == HC_OK; e = hc_json_next(e))
        if ((err = parse_entry(e, count, src, &pe[count], diag)) == HC_OK)
            count++;
    if (err == HC_OK) {
        *entries = pe;
        *n = count;
        pe = NULL;
    }
done:
    hc_trustlist_free(pe, count);
    hc_json_doc_free(&doc);
    return err;
}

void hc_trustlist_free(hc_trustlist_entry *entries, size_t n)
{
    if (!entries)
        return;
    for (size_t i = 0; i < n; i++)
        hc_key_free(entries[i].key);
    free(entries);
}

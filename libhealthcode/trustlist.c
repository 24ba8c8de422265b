/*
 * trustlist.c — trust-list JSON files (full builds only: the verify-only
 * firmware build has no JSON parser and loads PEM files or directories with
 * hc_trust_add_path(), or calls hc_trust_add_pem() with hc_trust_key_opts).
 *
 *   {"version": 1,
 *    "entries": [{"issuer": "CN-330000", "kid": "0123456789abcdef", "alg": "ES256",
 *                 "public_key": "-----BEGIN PUBLIC KEY-----\n…",
 *                 "not_before": "2020-02-01T00:00:00Z", "not_after": 1612137600}]}
 *
 * Each entry is checked before any key is added, so a bad list adds nothing:
 * the PEM must be a public key (a private key in a published list is refused),
 * the kid computed from it must be the declared kid, the alg must be the
 * key's, and not_before < not_after. Times are epoch seconds or ISO 8601
 * ("2020-02-01", "2020-02-01T00:00:00Z", "…+08:00"). not_after is exclusive.
 * Unknown keys are ignored, so that a list can grow fields older readers skip.
 */
#include "trust_impl.h"
#include "internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRUST_LIST_MAX (4 * 1024 * 1024)
#define TRUST_LIST_ENTRIES_MAX 4096
#define PEM_MAX 8192

typedef struct {
    hc_key *key;
    char iss[HC_ISS_MAX + 1];
    int64_t not_before, not_after;
} parsed_entry;

/* Fills diag for entries[i].name and returns HC_E_TRUST_LIST. */
static hc_err entry_err(hc_diag *diag, const char *path, size_t i, const char *name,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static hc_err entry_err(hc_diag *diag, const char *path, size_t i, const char *name,
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
    return hc_diag_set(diag, HC_E_TRUST_LIST, field, "%s: %s %s", path, field, what);
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static bool digits(const char *s, int n, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return true;
}

/* "YYYY-MM-DD" (midnight UTC), "YYYY-MM-DDTHH:MM:SS" + "Z" or "±HH:MM". */
static bool parse_iso8601(const char *s, int64_t *out)
{
    unsigned y, mo, d, h = 0, mi = 0, se = 0;
    size_t n = strlen(s);
    if (n < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d))
        return false;
    static const unsigned mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap))
        return false;
    int64_t offset = 0;
    if (n > 10) {
        if (n < 20 || (s[10] != 'T' && s[10] != ' ') || !digits(s + 11, 2, &h) || s[13] != ':' ||
            !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se) || h > 23 ||
            mi > 59 || se > 59)
            return false;
        const char *z = s + 19;
        if (strcmp(z, "Z") == 0) {
            offset = 0;
        } else {
            unsigned oh, om;
            if (strlen(z) != 6 || (z[0] != '+' && z[0] != '-') || !digits(z + 1, 2, &oh) ||
                z[3] != ':' || !digits(z + 4, 2, &om) || oh > 23 || om > 59)
                return false;
            offset = (int64_t)(oh * 3600 + om * 60) * (z[0] == '-' ? -1 : 1);
        }
    }
    *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
    return true;
}

/* A time field: absent → 0 (unbounded), epoch seconds or ISO 8601. */
static bool parse_time(json_t *v, int64_t *out)
{
    if (!v || json_is_null(v)) {
        *out = 0;
        return true;
    }
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        if (n < 0)
            return false;
        *out = (int64_t)n;
        return true;
    }
    return json_is_string(v) && parse_iso8601(json_string_value(v), out) && *out >= 0;
}

static bool parse_hex_kid(const char *s, uint8_t kid[HC_KID_LEN])
{
    if (strlen(s) != 2 * HC_KID_LEN)
        return false;
    for (size_t i = 0; i < HC_KID_LEN; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = s[2 * i + (size_t)k];
            unsigned x;
            if (c >= '0' && c <= '9')
                x = (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f')
                x = (unsigned)(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                x = (unsigned)(c - 'A' + 10);
            else
                return false;
            v = v << 4 | x;
        }
        kid[i] = (uint8_t)v;
    }
    return true;
}

static hc_err parse_entry(json_t *e, size_t i, const char *path, parsed_entry *out, hc_diag *diag)
{
    if (!json_is_object(e))
        return entry_err(diag, path, i, "", "must be an object");

    json_t *iss = json_object_get(e, "issuer");
    const char *iss_s = json_is_string(iss) ? json_string_value(iss) : NULL;
    if (!iss_s || !iss_s[0] || strlen(iss_s) > HC_ISS_MAX)
        return entry_err(diag, path, i, "issuer", "must be a string of 1 to %d bytes", HC_ISS_MAX);

    json_t *kid = json_object_get(e, "kid");
    uint8_t declared[HC_KID_LEN];
    if (!json_is_string(kid) || !parse_hex_kid(json_string_value(kid), declared))
        return entry_err(diag, path, i, "kid", "must be %d hex digits", 2 * HC_KID_LEN);

    json_t *alg = json_object_get(e, "alg");
    hc_alg alg_v;
    if (!json_is_string(alg) || hc_alg_parse(json_string_value(alg), &alg_v) != HC_OK)
        return entry_err(diag, path, i, "alg", "must be \"ES256\" or \"EdDSA\"");

    json_t *pem = json_object_get(e, "public_key");
    if (!json_is_string(pem) || json_string_length(pem) > PEM_MAX)
        return entry_err(diag, path, i, "public_key", "must be a PEM string (SubjectPublicKeyInfo)");
    hc_key *key = NULL;
    if (hc_key_load_pem(json_string_value(pem), json_string_length(pem), &key) != HC_OK)
        return entry_err(diag, path, i, "public_key",
                         "is not a P-256, Ed25519 or SM2 public key in PEM");
    hc_err err = HC_OK;
    uint8_t computed[HC_KID_LEN];
    if (hc_key_is_private(key)) {
        err = entry_err(diag, path, i, "public_key",
                        "holds a PRIVATE key: publish only the public key, and replace this one");
    } else if (hc_key_kid(key, computed) != HC_OK) {
        err = HC_E_CRYPTO;
    } else if (memcmp(computed, declared, HC_KID_LEN) != 0) {
        char hex[2 * HC_KID_LEN + 1];
        for (size_t k = 0; k < HC_KID_LEN; k++)
            snprintf(hex + 2 * k, 3, "%02x", computed[k]);
        err = entry_err(diag, path, i, "kid", "\"%s\" is not the kid of the entry's key (%s)",
                        json_string_value(kid), hex);
    } else if (hc_key_alg(key) != alg_v) {
        err = entry_err(diag, path, i, "alg", "is %s but the key is an %s key",
                        hc_alg_name(alg_v), hc_alg_name(hc_key_alg(key)));
    } else if (!parse_time(json_object_get(e, "not_before"), &out->not_before)) {
        err = entry_err(diag, path, i, "not_before",
                        "must be epoch seconds or ISO 8601 (\"2020-02-01T00:00:00Z\")");
    } else if (!parse_time(json_object_get(e, "not_after"), &out->not_after)) {
        err = entry_err(diag, path, i, "not_after",
                        "must be epoch seconds or ISO 8601 (\"2021-02-01T00:00:00Z\")");
    } else if (out->not_after && out->not_before >= out->not_after) {
        err = entry_err(diag, path, i, "not_after", "must be after not_before");
    }
    if (err != HC_OK) {
        hc_key_free(key);
        return err;
    }
    out->key = key;
    hc_strlcpy(out->iss, iss_s, sizeof out->iss);
    return HC_OK;
}

static hc_err add_list(hc_trust *t, json_t *root, const char *path, hc_diag *diag)
{
    if (!json_is_object(root))
        return hc_diag_set(diag, HC_E_TRUST_LIST, "", "%s: a trust list is a JSON object", path);
    json_t *version = json_object_get(root, "version");
    if (!json_is_integer(version) || json_integer_value(version) != 1)
        return hc_diag_set(diag, HC_E_TRUST_LIST, "version", "%s: version must be 1", path);
    json_t *entries = json_object_get(root, "entries");
    if (!json_is_array(entries) || json_array_size(entries) == 0)
        return hc_diag_set(diag, HC_E_TRUST_LIST, "entries",
                           "%s: entries must be a non-empty array", path);
    size_t n = json_array_size(entries);
    if (n > TRUST_LIST_ENTRIES_MAX)
        return hc_diag_set(diag, HC_E_LIMIT, "entries", "%s: more than %d entries", path,
                           TRUST_LIST_ENTRIES_MAX);
    parsed_entry *pe = calloc(n, sizeof *pe);
    if (!pe)
        return HC_E_NOMEM;
    hc_err err = HC_OK;
    size_t done = 0;
    for (; done < n && err == HC_OK; done++)
        err = parse_entry(json_array_get(entries, done), done, path, &pe[done], diag);
    /* only a list that is entirely valid is added */
    for (size_t i = 0; i < n && err == HC_OK; i++) {
        hc_trust_key_opts opts = {pe[i].iss, pe[i].not_before, pe[i].not_after};
        err = hc_trust_add_key(t, pe[i].key, &opts);
    }
    for (size_t i = 0; i < n; i++)
        hc_key_free(pe[i].key);
    free(pe);
    return err;
}

/* Parses and adds; src names the input in messages (a path, or "trust list"). */
static hc_err add_json(hc_trust *t, const char *json, size_t len, const char *src, hc_diag *diag)
{
    if (len > TRUST_LIST_MAX)
        return hc_diag_set(diag, HC_E_LIMIT, "", "%s: over %d bytes", src, TRUST_LIST_MAX);
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        hc_err err = hc_diag_set(diag, HC_E_TRUST_LIST, "", "%s: not valid JSON: %s", src, jerr.text);
        if (diag)
            diag->line = jerr.line > 0 ? jerr.line : 0;
        return err;
    }
    hc_err err = add_list(t, root, src, diag);
    json_decref(root);
    return err;
}

hc_err hc_trust_add_list_json(hc_trust *t, const char *json, size_t len, hc_diag *diag)
{
    if (!t || (!json && len))
        return HC_E_ARG;
    return add_json(t, json ? json : "", len, "trust list", diag);
}

hc_err hc_trust_add_list_file(hc_trust *t, const char *path, hc_diag *diag)
{
    if (!t || !path)
        return HC_E_ARG;
    char *text = NULL;
    size_t len = 0;
    hc_err err = hc_read_file(path, TRUST_LIST_MAX, &text, &len);
    if (err != HC_OK)
        return hc_diag_set(diag, err, "", "%s: cannot read", path);
    err = add_json(t, text, len, path, diag);
    free(text);
    return err;
}

/*
 * venue.c — venue rules from JSON, on the verify side: a checkpoint reads
 * them with the library's own JSON reader (json.c), no jansson.
 *
 *   {"name": "西湖银泰 Intime Mall", "admit": ["green"], "max_age": "5m", "fever_c": 37.3}
 *   {"name": "浙大一院", "admit": ["green", "yellow"], "live": "required", "unbound": "check_id"}
 *
 * Every key is optional (absent keys keep HC_VENUE_RULES_DEFAULT). A venue
 * file is local configuration, so an unknown key is an error rather than
 * ignored: a typo such as "fever" must not silently leave the default; a
 * key given twice is an error too (two readers must not take two values).
 */
#include "clock_impl.h"
#include "internal.h"
#include <healthcode/checkpoint.h>

#include "json_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define VENUE_JSON_MAX (64 * 1024)
#define MAX_AGE_LIMIT ((int64_t)366 * 86400) /* a year: anything longer is a mistake */

/* "max_age must be …": the key names itself at the start of the message. */
static hc_err venue_err(hc_diag *diag, const char *key, const char *what)
{
    return hc_diag_set(diag, HC_E_VENUE, key, "%s %s", key, what);
}

/* A JSON string without an embedded NUL, as a C string; NULL otherwise. */
static const char *text_of(const hc_json *v)
{
    if (!v || v->type != HC_JSON_STRING || strlen(v->u.s) != v->count)
        return NULL;
    return v->u.s;
}

static hc_err parse_admit(const hc_json *v, hc_venue_rules *r, hc_diag *diag)
{
    if (v->type != HC_JSON_ARRAY || v->count == 0)
        return venue_err(diag, "admit",
                         "must be a non-empty array of colours (\"green\", \"yellow\", \"red\")");
    bool admit[3] = {false, false, false};
    size_t i = 0;
    for (const hc_json *e = v + 1; e < hc_json_end(v); e = hc_json_next(e), i++) {
        char field[32];
        snprintf(field, sizeof field, "admit[%zu]", i);
        hc_colour c;
        const char *s = text_of(e);
        if (!s || hc_colour_parse(s, &c) != HC_OK)
            return venue_err(diag, field, "must be \"green\", \"yellow\" or \"red\"");
        admit[c] = true;
    }
    memcpy(r->admit, admit, sizeof admit);
    return HC_OK;
}

static hc_err parse_max_age(const hc_json *v, hc_venue_rules *r, hc_diag *diag)
{
    int64_t s = -1;
    if (v->type == HC_JSON_INTEGER) {
        if (v->u.i >= 0 && v->u.i <= MAX_AGE_LIMIT)
            s = v->u.i;
    } else if (text_of(v)) {
        if (!hc_clock_parse_duration(v->u.s, MAX_AGE_LIMIT, &s))
            s = -1;
    }
    if (s < 0)
        return venue_err(diag, "max_age",
                         "must be seconds (0 = any age) or a duration such as \"5m\", \"300s\", \"2h\", at most a year");
    r->max_age_s = s;
    return HC_OK;
}

static hc_err parse_fever(const hc_json *v, hc_venue_rules *r, hc_diag *diag)
{
    if (v->type != HC_JSON_INTEGER && v->type != HC_JSON_REAL)
        return venue_err(diag, "fever_c", "must be a number of degrees Celsius");
    double t = v->type == HC_JSON_INTEGER ? (double)v->u.i : v->u.d;
    if (!(t >= 35.0 && t <= 42.0))
        return venue_err(diag, "fever_c", "must be between 35 and 42 °C");
    r->fever_c = t;
    return HC_OK;
}

/* "live" or "unbound": one of words (their index is the enum's value). */
static hc_err parse_word(const hc_json *v, const char *key, const char *const words[3],
                         const char *what, int *out, hc_diag *diag)
{
    const char *s = text_of(v);
    for (int i = 0; s && i < 3; i++)
        if (strcmp(s, words[i]) == 0) {
            *out = i;
            return HC_OK;
        }
    return venue_err(diag, key, what);
}

static hc_err parse_live(const hc_json *v, hc_venue_rules *r, hc_diag *diag)
{
    static const char *const words[3] = {"off", "preferred", "required"};   /* hc_live_rule */
    int k = 0;
    hc_err err = parse_word(v, "live", words, "must be \"required\", \"preferred\" or \"off\"", &k, diag);
    if (err == HC_OK)
        r->live = (hc_live_rule)k;
    return err;
}

static hc_err parse_unbound(const hc_json *v, hc_venue_rules *r, hc_diag *diag)
{
    static const char *const words[3] = {"admit", "check_id", "refuse"};    /* hc_unbound_rule */
    int k = 0;
    hc_err err = parse_word(v, "unbound", words, "must be \"admit\", \"check_id\" or \"refuse\"",
                            &k, diag);
    if (err == HC_OK)
        r->unbound = (hc_unbound_rule)k;
    return err;
}

static hc_err parse_rules(const hc_json *root, hc_venue_rules *r, hc_diag *diag)
{
    if (root->type != HC_JSON_OBJECT)
        return hc_diag_set(diag, HC_E_VENUE, "", "venue rules must be a JSON object");
    const hc_json *obj = NULL, *dup = hc_json_duplicate_key(root, 16, &obj);
    if (dup == obj && dup)
        return hc_diag_set(diag, HC_E_VENUE, "", "an object with more than 16 members");
    if (dup) {
        char field[HC_DIAG_FIELD_MAX];
        hc_strlcpy(field, dup->u.s, sizeof field);
        return hc_diag_set(diag, HC_E_VENUE, field, "the key \"%s\" appears twice", field);
    }
    for (const hc_json *k = root + 1; k < hc_json_end(root); k = hc_json_next(k + 1)) {
        const char *key = k->u.s;
        const hc_json *v = k + 1;
        hc_err err = HC_OK;
        if (strcmp(key, "name") == 0) {
            const char *name = text_of(v);
            if (!name || !hc_strlcpy(r->name, name, sizeof r->name))
                err = venue_err(diag, "name", "must be a string of at most 63 bytes");
        } else if (strcmp(key, "admit") == 0) {
            err = parse_admit(v, r, diag);
        } else if (strcmp(key, "max_age") == 0) {
            err = parse_max_age(v, r, diag);
        } else if (strcmp(key, "fever_c") == 0) {
            err = parse_fever(v, r, diag);
        } else if (strcmp(key, "live") == 0) {
            err = parse_live(v, r, diag);
        } else if (strcmp(key, "unbound") == 0) {
            err = parse_unbound(v, r, diag);
        } else {
            char field[HC_DIAG_FIELD_MAX];
            hc_strlcpy(field, key, sizeof field);
            err = hc_diag_set(diag, HC_E_VENUE, field, "unknown key \"%s\" (known: name, admit, "
                              "max_age, fever_c, live, unbound)", field);
        }
        if (err != HC_OK)
            return err;
    }
    return HC_OK;
}

hc_err hc_venue_parse_json(const char *json, size_t len, hc_venue_rules *out, hc_diag *diag)
{
    if (!json || !out)
        return HC_E_ARG;
    if (len > VENUE_JSON_MAX)
        return hc_diag_set(diag, HC_E_LIMIT, "", "venue rules over %d bytes", VENUE_JSON_MAX);
    hc_json_doc doc;
    hc_err err = hc_json_parse(json, len, &doc);
    if (err == HC_E_RECORD) {
        err = hc_diag_set(diag, HC_E_VENUE, "", "not valid JSON: %s", doc.message);
        if (diag)
            diag->line = doc.line > 0 ? doc.line : 0;
        return err;
    }
    if (err != HC_OK)
        return err;
    hc_venue_rules r = HC_VENUE_RULES_DEFAULT;
    err = parse_rules(doc.root, &r, diag);
    hc_json_doc_free(&doc);
    if (err == HC_OK)
        *out = r;
    return err;
}

/*
 * venue.c — venue rules from JSON (full builds; the verify-only build's
 * stub is in checkpoint.c).
 *
 *   {"name": "西湖银泰 Intime Mall", "admit": ["green"], "max_age": "5m", "fever_c": 37.3}
 *
 * Every key is optional (absent keys keep HC_VENUE_RULES_DEFAULT). A venue
 * file is local configuration, so an unknown key is an error rather than
 * ignored: a typo such as "fever" must not silently leave the default.
 */
#include "clock_impl.h"
#include "internal.h"
#include <healthcode/checkpoint.h>

#include <jansson.h>
#include <math.h>
#include <string.h>

#define VENUE_JSON_MAX (64 * 1024)
#define MAX_AGE_LIMIT ((int64_t)366 * 86400) /* a year: anything longer is a mistake */

/* "max_age must be …": the key names itself at the start of the message. */
static hc_err venue_err(hc_diag *diag, const char *key, const char *what)
{
    return hc_diag_set(diag, HC_E_VENUE, key, "%s %s", key, what);
}

static hc_err parse_admit(json_t *v, hc_venue_rules *r, hc_diag *diag)
{
    if (!json_is_array(v) || json_array_size(v) == 0)
        return venue_err(diag, "admit",
                         "must be a non-empty array of colours (\"green\", \"yellow\", \"red\")");
    bool admit[3] = {false, false, false};
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        char field[32];
        snprintf(field, sizeof field, "admit[%zu]", i);
        hc_colour c;
        if (!json_is_string(e) || hc_colour_parse(json_string_value(e), &c) != HC_OK)
            return venue_err(diag, field, "must be \"green\", \"yellow\" or \"red\"");
        admit[c] = true;
    }
    memcpy(r->admit, admit, sizeof admit);
    return HC_OK;
}

static hc_err parse_max_age(json_t *v, hc_venue_rules *r, hc_diag *diag)
{
    int64_t s = -1;
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        if (n >= 0 && n <= MAX_AGE_LIMIT)
            s = (int64_t)n;
    } else if (json_is_string(v)) {
        if (!hc_clock_parse_duration(json_string_value(v), MAX_AGE_LIMIT, &s))
            s = -1;
    }
    if (s < 0)
        return venue_err(diag, "max_age",
                         "must be seconds (0 = any age) or a duration such as \"5m\", \"300s\", \"2h\", at most a year");
    r->max_age_s = s;
    return HC_OK;
}

static hc_err parse_fever(json_t *v, hc_venue_rules *r, hc_diag *diag)
{
    if (!json_is_number(v))
        return venue_err(diag, "fever_c", "must be a number of degrees Celsius");
    double t = json_number_value(v);
    if (!(t >= 35.0 && t <= 42.0))
        return venue_err(diag, "fever_c", "must be between 35 and 42 °C");
    r->fever_c = t;
    return HC_OK;
}

static hc_err parse_rules(json_t *root, hc_venue_rules *r, hc_diag *diag)
{
    if (!json_is_object(root))
        return hc_diag_set(diag, HC_E_VENUE, "", "venue rules must be a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        hc_err err = HC_OK;
        if (strcmp(key, "name") == 0) {
            if (!json_is_string(v) || !hc_strlcpy(r->name, json_string_value(v), sizeof r->name))
                err = venue_err(diag, "name", "must be a string of at most 63 bytes");
        } else if (strcmp(key, "admit") == 0) {
            err = parse_admit(v, r, diag);
        } else if (strcmp(key, "max_age") == 0) {
            err = parse_max_age(v, r, diag);
        } else if (strcmp(key, "fever_c") == 0) {
            err = parse_fever(v, r, diag);
        } else {
            char field[HC_DIAG_FIELD_MAX];
            hc_strlcpy(field, key, sizeof field);
            err = hc_diag_set(diag, HC_E_VENUE, field,
                              "unknown key \"%s\" (known: name, admit, max_age, fever_c)", field);
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
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        hc_err err = hc_diag_set(diag, HC_E_VENUE, "", "not valid JSON: %s", jerr.text);
        if (diag)
            diag->line = jerr.line > 0 ? jerr.line : 0;
        return err;
    }
    hc_venue_rules r = HC_VENUE_RULES_DEFAULT;
    hc_err err = parse_rules(root, &r, diag);
    json_decref(root);
    if (err == HC_OK)
        *out = r;
    return err;
}

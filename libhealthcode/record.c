/* record.c — the person record of doc/architecture.md: JSON → struct hc_record, checked
 * for shape. Every error names its field path ("travel[1].to") in hc_diag.
 * Nothing is guessed: a wrong type, an unknown key, an unknown code or a date
 * that does not exist is an error, never a default. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "clock_impl.h"
#include "json_impl.h"
#include "record_impl.h"
#include "mask_impl.h"
#include "regions_impl.h"

#define HC_TRAVEL_MAX 256
#define HC_CHECKINS_MAX 1000
#define HC_SYMPTOMS_MAX 32
#define PATH_MAX_LEN HC_DIAG_FIELD_MAX

#define FAIL(d, field, ...) hc_diag_set((d), HC_E_RECORD, (field), __VA_ARGS__)

/* ---- dates: the clock module's rule (clock_impl.h) ------------------------ */

hc_day hc_days_from_civil(int y, unsigned m, unsigned d)
{
    return (hc_day)hc_clock_days_from_civil(y, m, d);
}

void hc_day_format(hc_day d, char buf[11])
{
    if (d == HC_DAY_NONE) {
        hc_strlcpy(buf, "none", 11);
        return;
    }
    hc_clock_format_day(d, buf);
}

/* A record's calendar date: "YYYY-MM-DD", a real date in 1900-2199. */
bool hc_parse_date(const char *s, hc_day *out)
{
    int64_t d;
    if (!s || !out || !hc_clock_parse_date(s, strlen(s), 1900, 2199, &d))
        return false;
    *out = (hc_day)d;
    return true;
}

/* The declaration's ISO 8601 date-time, its offset required: *at is the
 * instant, *day the calendar date as written (local to the offset). */
static bool parse_datetime(const char *s, int64_t *at, hc_day *day)
{
    int64_t d;
    if (!hc_clock_parse_datetime(s, true, 0, at, &d))
        return false;
    *day = (hc_day)d;
    return true;
}

/* ---- JSON helpers ---------------------------------------------------------- */

/* Inlined where called, so that strlen of a literal key is a constant: the
 * helpers below run for every member of every record of a batch. */
#define HOT static inline __attribute__((always_inline))

/* path = prefix + "." + key (or key alone at the top), cut to fit: paths
 * are short (the deepest is "declaration.symptoms[31]"); an unknown key may
 * be long. Built for every member looked up, so no snprintf. */
HOT void join(char out[PATH_MAX_LEN], const char *prefix, const char *key)
{
    size_t n = strlen(prefix), k = strlen(key);
    if (n >= PATH_MAX_LEN)
        n = PATH_MAX_LEN - 1;
    memcpy(out, prefix, n);
    if (n > 0 && n < PATH_MAX_LEN - 1)
        out[n++] = '.';
    if (k > PATH_MAX_LEN - 1 - n)
        k = PATH_MAX_LEN - 1 - n;
    memcpy(out + n, key, k);
    out[n + k] = '\0';
}

/* path = prefix + "[i]" (for each of up to 1000 check-ins: no snprintf). */
static void indexed(char out[PATH_MAX_LEN], const char *prefix, size_t i)
{
    char num[24];
    size_t k = sizeof num;
    num[--k] = '\0';
    num[--k] = ']';
    do {
        num[--k] = (char)('0' + i % 10);
        i /= 10;
    } while (i);
    num[--k] = '[';
    size_t n = strlen(prefix);
    if (n > PATH_MAX_LEN - 1 - (sizeof num - 1 - k))
        n = PATH_MAX_LEN - 1 - (sizeof num - 1 - k);
    memcpy(out, prefix, n);
    memcpy(out + n, num + k, sizeof num - k);
}

static const char *type_name(const hc_json *v)
{
    switch ((hc_json_type)v->type) {
    case HC_JSON_OBJECT: return "an object";
    case HC_JSON_ARRAY: return "an array";
    case HC_JSON_STRING: return "a string";
    case HC_JSON_INTEGER: return "an integer";
    case HC_JSON_REAL: return "a number";
    case HC_JSON_TRUE: case HC_JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* Unknown keys are errors so that a typo ("travle") cannot silently drop
 * data, and so are repeated ones (which one would count?). allowed has at
 * most 32 keys: the seen set is a bit mask, so this is linear in the keys. */
static hc_err only_keys(const hc_json *obj, const char *prefix, const char *const *allowed,
                        hc_diag *diag)
{
    uint32_t seen = 0;
    for (const hc_json *k = obj + 1; k < hc_json_end(obj); k = hc_json_next(k + 1)) {
        size_t i = 0;   /* the first byte first: the keys of a section mostly differ there */
        while (allowed[i] && !(allowed[i][0] == k->u.s[0] && strcmp(k->u.s, allowed[i]) == 0 &&
                               strlen(allowed[i]) == k->count))
            i++;
        char p[PATH_MAX_LEN];
        if (!allowed[i] || seen & 1u << i)
            join(p, prefix, k->u.s);
        if (!allowed[i])
            return FAIL(diag, p, "%s: unknown key \"%.60s\"", p, k->u.s);
        if (seen & 1u << i)
            return FAIL(diag, p, "%s: the key is repeated", p);
        seen |= 1u << i;
    }
    return HC_OK;
}

static hc_err want_object(const hc_json *v, const char *path, hc_diag *diag)
{
    if (v->type != HC_JSON_OBJECT)
        return FAIL(diag, path, "%s must be an object, not %s", path, type_name(v));
    return HC_OK;
}

/* A string without NUL bytes (JSON allows "\u0000"; C strings do not). */
static hc_err get_string(const hc_json *v, const char *path, const char **out, hc_diag *diag)
{
    if (v->type != HC_JSON_STRING)
        return FAIL(diag, path, "%s must be a string, not %s", path, type_name(v));
    const char *s = v->u.s;
    if (strlen(s) != v->count)
        return FAIL(diag, path, "%s contains a NUL character", path);
    *out = s;
    return HC_OK;
}

/* Looks up a member; *v NULL when absent. A required one that is absent is an error. */
HOT hc_err member(const hc_json *obj, const char *prefix, const char *key, bool required,
                     const hc_json **v, char path[PATH_MAX_LEN], hc_diag *diag)
{
    join(path, prefix, key);
    *v = hc_json_get(obj, key);
    if (!*v && required)
        return FAIL(diag, path, "%s is required", path);
    return HC_OK;
}

static hc_err get_date(const hc_json *v, const char *path, hc_day *out, hc_diag *diag)
{
    const char *s = NULL;
    hc_err e = get_string(v, path, &s, diag);
    if (e)
        return e;
    if (!hc_parse_date(s, out))
        return FAIL(diag, path, "%s (\"%.40s\") is not a real date written YYYY-MM-DD", path, s);
    return HC_OK;
}

/* A required string member key of o (at prefix.key, written into path). */
static hc_err field_string(const hc_json *o, const char *prefix, const char *key,
                           char path[PATH_MAX_LEN], const char **s, hc_diag *diag)
{
    const hc_json *v;
    hc_err e = member(o, prefix, key, true, &v, path, diag);
    return e ? e : get_string(v, path, s, diag);
}

/* A required date member key of o, the same way. */
/* A required string member key of o that must be one of words (exactly as
 * written): its index in *k, or HC_E_RECORD "path (\"value\") must …". */
static hc_err field_word(const hc_json *o, const char *prefix, const char *key,
                         const char *const *words, const char *must, char path[PATH_MAX_LEN],
                         size_t *k, hc_diag *diag)
{
    const char *s;
    hc_err e = field_string(o, prefix, key, path, &s, diag);
    if (e)
        return e;
    for (*k = 0; words[*k]; ++*k)
        if (strcmp(words[*k], s) == 0)
            return HC_OK;
    return FAIL(diag, path, "%s (\"%.40s\") %s", path, s, must);
}

static hc_err field_date(const hc_json *o, const char *prefix, const char *key,
                         char path[PATH_MAX_LEN], hc_day *out, hc_diag *diag)
{
    const hc_json *v;
    hc_err e = member(o, prefix, key, true, &v, path, diag);
    return e ? e : get_date(v, path, out, diag);
}

static hc_err get_region(const hc_json *v, const char *path, uint32_t *out, hc_diag *diag)
{
    if (v->type != HC_JSON_INTEGER)
        return FAIL(diag, path, "%s must be an integer GB/T 2260 code, not %s", path, type_name(v));
    int64_t c = v->u.i;
    if (c < 100000 || c > 999999)
        return FAIL(diag, path, "%s (%lld) is not a six-digit GB/T 2260 code", path, (long long)c);
    if (!hc_region_exists((uint32_t)c))
        return FAIL(diag, path, "%s (%lld) is not a known GB/T 2260 region code", path,
                    (long long)c);
    *out = (uint32_t)c;
    return HC_OK;
}

/* A foreign country: ISO 3166-1 alpha-2, upper case, known, not CN. */
static hc_err get_country(const hc_json *v, const char *path, char out[3], hc_diag *diag)
{
    const char *s;
    hc_err e = get_string(v, path, &s, diag);
    if (e)
        return e;
    if (strlen(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z')
        return FAIL(diag, path, "%s (\"%.20s\") must be an upper-case ISO 3166-1 alpha-2 code",
                    path, s);
    if (!hc_country_exists(s))
        return FAIL(diag, path, "%s (\"%s\") is not an ISO 3166-1 country code", path, s);
    if (strcmp(s, "CN") == 0)
        return FAIL(diag, path, "%s is CN: a stay in China is given as a region code", path);
    memcpy(out, s, 3);
    return HC_OK;
}

static hc_err get_temperature(const hc_json *v, const char *path, double *out, hc_diag *diag)
{
    if (v->type != HC_JSON_INTEGER && v->type != HC_JSON_REAL)
        return FAIL(diag, path, "%s must be a number, not %s", path, type_name(v));
    double t = v->type == HC_JSON_INTEGER ? (double)v->u.i : v->u.d;
    if (!(t >= 30.0 && t <= 45.0))
        return FAIL(diag, path, "%s (%g) is outside 30.0-45.0 degrees Celsius", path, t);
    *out = t;
    return HC_OK;
}

static hc_err get_array(const hc_json *v, const char *path, size_t max, hc_diag *diag)
{
    if (v->type != HC_JSON_ARRAY)
        return FAIL(diag, path, "%s must be an array, not %s", path, type_name(v));
    if (v->count > max)
        return FAIL(diag, path, "%s has %zu entries, more than %zu", path, (size_t)v->count, max);
    return HC_OK;
}

/* ---- sections --------------------------------------------------------------- */

/* Each top-level member has a parser that gets the member's value v and its
 * path. v is never NULL: the table in parse_root says which members are
 * required, and checks first that a string member is a string (v->u.s) and
 * that an object section is an object with only its own keys. */

static hc_err parse_id_type(const hc_json *v, const char *path, hc_record *r, hc_diag *diag)
{
    const char *s = v->u.s;
    if (strcmp(s, "cn_resident") != 0 && strcmp(s, "passport") != 0)
        return FAIL(diag, path, "id_type (\"%.40s\") must be \"cn_resident\" or \"passport\"", s);
    hc_strlcpy(r->id_type, s, sizeof r->id_type);
    return HC_OK;
}

/* After id_type, which says how the id is checked. */
static hc_err parse_id(const hc_json *v, const char *path, hc_record *r, hc_diag *diag)
{
    (void)path;
    if (v->count >= sizeof r->id)
        return FAIL(diag, "id", "id is longer than %zu characters", sizeof r->id - 1);
    hc_strlcpy(r->id, v->u.s, sizeof r->id);
    if (strcmp(r->id_type, "passport") == 0)
        return hc_passport_check(r->id, diag);
    hc_err e = hc_resident_id_check(r->id, diag);
    if (e)
        return e;
    if (r->id[17] == 'x')
        r->id[17] = 'X';
    return HC_OK;
}

static hc_err parse_name(const hc_json *v, const char *path, hc_record *r, hc_diag *diag)
{
    const char *s = v->u.s;
    size_t n = v->count;
    if (n >= sizeof r->name)
        return FAIL(diag, path, "name is %zu bytes long, more than %zu", n, sizeof r->name - 1);
    /* controls, bidirectional controls (U+202E would print it reversed) and
     * zero-width characters: the one rule of mask.c */
    size_t at;
    const char *what;
    if (hc_name_check(s, n, &at, &what) != HC_OK)
        return FAIL(diag, path, "name contains %s at byte %zu", what, at + 1);
    hc_strlcpy(r->name, s, sizeof r->name);
    return HC_OK;
}

static hc_err parse_stay(const hc_json *o, const char *prefix, hc_stay *st, hc_diag *diag)
{
    static const char *const keys[] = {"region", "country", "from", "to", NULL};
    char path[PATH_MAX_LEN], pfrom[PATH_MAX_LEN];
    const hc_json *reg, *cty;
    hc_err e;
    if ((e = want_object(o, prefix, diag)) || (e = only_keys(o, prefix, keys, diag)))
        return e;
    reg = hc_json_get(o, "region");
    cty = hc_json_get(o, "country");
    if ((reg != NULL) == (cty != NULL))
        return FAIL(diag, prefix, "%s must give exactly one of region or country", prefix);
    if (reg) {
        join(path, prefix, "region");
        if ((e = get_region(reg, path, &st->region, diag)))
            return e;
    } else {
        join(path, prefix, "country");
        if ((e = get_country(cty, path, st->country, diag)))
            return e;
    }
    if ((e = field_date(o, prefix, "from", pfrom, &st->from, diag)) ||
        (e = field_date(o, prefix, "to", path, &st->to, diag)))
        return e;
    if (st->to < st->from) {
        char a[11], b[11];
        hc_day_format(st->to, a);
        hc_day_format(st->from, b);
        return FAIL(diag, path, "%s (%s) is before %s (%s)", path, a, pfrom, b);
    }
    return HC_OK;
}

/* A list member v of the record ("travel", "checkins"): at most max elements
 * of size bytes, element i parsed by one() into base[i] (path "name[i]"), in
 * a calloc'd array handed back in *arr_out (also on error, for
 * hc_record_free); *count counts those parsed. */
typedef hc_err (*elem_fn)(const hc_json *el, const char *path, void *base, size_t i, hc_diag *diag);
static hc_err parse_list(const hc_json *v, const char *name, size_t max, size_t size,
                         void **arr_out, size_t *count, elem_fn one, hc_diag *diag)
{
    hc_err e = get_array(v, name, max, diag);
    if (e)
        return e;
    size_t n = v->count, i = 0;
    if (n == 0)
        return HC_OK;
    void *arr = *arr_out = calloc(n, size);
    if (!arr)
        return HC_E_NOMEM;
    for (const hc_json *el = v + 1; el < hc_json_end(v); el = hc_json_next(el), i++) {
        char p[PATH_MAX_LEN];
        indexed(p, name, i);
        if ((e = one(el, p, arr, i, diag)))
            return e;
        *count = i + 1;
    }
    return HC_OK;
}

static hc_err one_stay(const hc_json *el, const char *path, void *base, size_t i, hc_diag *diag)
{ return parse_stay(el, path, (hc_stay *)base + i, diag); }

static hc_err parse_travel(const hc_json *v, const char *path, hc_record *r, hc_diag *diag)
{
    void *arr = NULL;
    hc_err e = parse_list(v, path, HC_TRAVEL_MAX, sizeof *r->travel, &arr, &r->n_travel,
                          one_stay, diag);
    r->travel = arr;
    return e;
}

static hc_err parse_contact(const hc_json *o, const char *sect, hc_record *r, hc_diag *diag)
{
    static const char *const names[] = {"none", "close", "secondary", "suspected",
                                        "confirmed", "asymptomatic", "recovered", NULL};
    char path[PATH_MAX_LEN];
    const hc_json *v;
    size_t k;
    hc_err e = field_word(o, sect, "status", names, "must be one of none, close, secondary, "
                          "suspected, confirmed, asymptomatic, recovered", path, &k, diag);
    if (e)
        return e;
    r->contact = (hc_contact_status)k;
    const char *s = names[k];

    bool need_last = r->contact == HC_CONTACT_CLOSE || r->contact == HC_CONTACT_SECONDARY;
    if ((e = member(o, "contact", "last_contact", need_last, &v, path, diag)))
        return FAIL(diag, path, "contact.last_contact is required when status is %s", s);
    if (v && (e = get_date(v, path, &r->last_contact, diag)))
        return e;

    bool recovered = r->contact == HC_CONTACT_RECOVERED;
    if ((e = member(o, "contact", "discharged", recovered, &v, path, diag)))
        return FAIL(diag, path, "contact.discharged is required when status is recovered");
    if (v && !recovered)
        return FAIL(diag, path, "contact.discharged is given but status is %s, not recovered", s);
    if (v && (e = get_date(v, path, &r->discharged, diag)))
        return e;
    return HC_OK;
}

static const struct {
    const char *name;
    unsigned bit;
} symptom_names[] = {
    {"fever", HC_SYM_FEVER}, {"cough", HC_SYM_COUGH}, {"fatigue", HC_SYM_FATIGUE},
    {"sore_throat", HC_SYM_SORE_THROAT}, {"shortness_of_breath", HC_SYM_SHORT_BREATH},
    {"diarrhoea", HC_SYM_DIARRHOEA}, {"diarrhea", HC_SYM_DIARRHOEA},
    {"headache", HC_SYM_HEADACHE}, {"muscle_ache", HC_SYM_MUSCLE_ACHE},
    {"loss_of_smell_or_taste", HC_SYM_LOSS_SMELL}, {"other", HC_SYM_OTHER},
};

static hc_err parse_symptoms(const hc_json *v, const char *prefix, unsigned *bits, hc_diag *diag)
{
    hc_err e;
    if ((e = get_array(v, prefix, HC_SYMPTOMS_MAX, diag)))
        return e;
    size_t i = 0;
    for (const hc_json *el = v + 1; el < hc_json_end(v); el = hc_json_next(el), i++) {
        char p[PATH_MAX_LEN];
        const char *s;
        indexed(p, prefix, i);
        if ((e = get_string(el, p, &s, diag)))
            return e;
        unsigned bit = 0;
        for (size_t k = 0; k < sizeof symptom_names / sizeof symptom_names[0]; k++)
            if (strcmp(symptom_names[k].name, s) == 0)
                bit = symptom_names[k].bit;
        if (!bit)
            return FAIL(diag, p, "%s (\"%.40s\") is not a known symptom", p, s);
        *bits |= bit;
    }
    return HC_OK;
}

static hc_err parse_declaration(const hc_json *o, const char *sect, hc_record *r, hc_diag *diag)
{
    char path[PATH_MAX_LEN];
    const hc_json *v;
    const char *s;
    hc_err e = field_string(o, sect, "at", path, &s, diag);
    if (e)
        return e;
    if (!parse_datetime(s, &r->declaration_at, &r->declaration_day))
        return FAIL(diag, path, "declaration.at (\"%.40s\") is not an ISO 8601 date-time with "
                    "an offset, like 2020-02-05T09:00:00+08:00", s);
    if ((e = member(o, "declaration", "symptoms", false, &v, path, diag)) ||
        (v && (e = parse_symptoms(v, path, &r->symptoms, diag))))
        return e;
    if ((e = member(o, "declaration", "temperature_c", false, &v, path, diag)))
        return e;
    if (v) {
        if ((e = get_temperature(v, path, &r->declared_temperature_c, diag)))
            return e;
        r->has_declared_temperature = true;
    }
    r->has_declaration = true;
    return HC_OK;
}

static hc_err parse_checkin(const hc_json *o, const char *prefix, hc_checkin *c, hc_diag *diag)
{
    static const char *const keys[] = {"date", "normal", "temperature_c", NULL};
    char path[PATH_MAX_LEN];
    const hc_json *v;
    hc_err e;
    if ((e = want_object(o, prefix, diag)) || (e = only_keys(o, prefix, keys, diag)) ||
        (e = field_date(o, prefix, "date", path, &c->date, diag)) ||
        (e = member(o, prefix, "normal", true, &v, path, diag)))
        return e;
    if (v->type != HC_JSON_TRUE && v->type != HC_JSON_FALSE)
        return FAIL(diag, path, "%s must be true or false, not %s", path, type_name(v));
    c->normal = v->type == HC_JSON_TRUE;
    if ((e = member(o, prefix, "temperature_c", false, &v, path, diag)))
        return e;
    if (v) {
        if ((e = get_temperature(v, path, &c->temperature_c, diag)))
            return e;
        c->has_temperature = true;
    }
    return HC_OK;
}

/* A check-in, and no two on one date. */
static hc_err one_checkin(const hc_json *el, const char *path, void *base, size_t i, hc_diag *diag)
{
    hc_checkin *k = base;
    hc_err e = parse_checkin(el, path, &k[i], diag);
    for (size_t j = 0; j < i && !e; j++)
        if (k[j].date == k[i].date) {
            char d[11], p[PATH_MAX_LEN];
            hc_day_format(k[i].date, d);
            snprintf(p, sizeof p, "checkins[%zu].date", i);
            e = FAIL(diag, p, "checkins[%zu].date (%s) repeats checkins[%zu].date", i, d, j);
        }
    return e;
}

static hc_err parse_checkins(const hc_json *v, const char *path, hc_record *r, hc_diag *diag)
{
    void *arr = NULL;
    hc_err e = parse_list(v, path, HC_CHECKINS_MAX, sizeof *r->checkins, &arr,
                          &r->n_checkins, one_checkin, diag);
    r->checkins = arr;
    return e;
}

static hc_err parse_entry(const hc_json *o, const char *sect, hc_record *r, hc_diag *diag)
{
    char path[PATH_MAX_LEN];
    const hc_json *v;
    hc_err e;
    if ((e = field_date(o, sect, "date", path, &r->entry_date, diag)) ||
        (e = member(o, sect, "from", true, &v, path, diag)) ||
        (e = get_country(v, path, r->entry_from, diag)))
        return e;
    r->has_entry = true;
    return HC_OK;
}

static hc_err parse_previous(const hc_json *o, const char *sect, hc_record *r, hc_diag *diag)
{
    static const char *const names[] = {"green", "yellow", "red", NULL};   /* hc_colour */
    char path[PATH_MAX_LEN];
    size_t k;
    hc_err e = field_word(o, sect, "colour", names, "must be green, yellow or red", path, &k, diag);
    if (e || (e = field_date(o, sect, "since", path, &r->previous_since, diag)))
        return e;
    r->previous = (hc_colour)k;
    r->has_previous = true;
    return HC_OK;
}

static hc_err parse_residence(const hc_json *v, const char *path, hc_record *r, hc_diag *diag)
{
    return get_region(v, path, &r->residence, diag);
}

/* The holder's device key: base64 of its SubjectPublicKeyInfo DER (what
 * `openssl pkey -pubin -outform DER | base64 -w0` prints), P-256, Ed25519
 * or SM2, its point on the curve. The token is then bound to it (cnf). */
static hc_err parse_device_key(const hc_json *v, const char *path, hc_record *r, hc_diag *diag)
{
    uint8_t der[512];
    size_t n = 0;
    if (!hc_base64_decode(v->u.s, v->count, der, sizeof der, &n))
        return FAIL(diag, path, "%s is not base64 of a public key (the standard alphabet with = "
                    "padding, as base64 -w0 prints it)", path);
    if (hc_device_from_spki(der, n, &r->device) != HC_OK)
        return FAIL(diag, path, "%s is not a P-256, Ed25519 or SM2 public key "
                    "(SubjectPublicKeyInfo DER, its point on the curve)", path);
    r->has_device = true;
    return HC_OK;
}

/* The record's members in the order they are parsed (so the order in which
 * errors are found). keys: an object section's keys; NULL otherwise. */
static const char *const string_member[] = {NULL};
#define STRING string_member   /* not a section: a string */
#define ANY NULL
static const struct {
    const char *name;
    bool required;
    const char *const *keys;
    hc_err (*parse)(const hc_json *v, const char *path, hc_record *r, hc_diag *diag);
} members[] = {
    {"id_type", true, STRING, parse_id_type},
    {"id", true, STRING, parse_id},
    {"name", false, STRING, parse_name},
    {"residence", false, ANY, parse_residence},
    {"travel", false, ANY, parse_travel},
    {"contact", false, (const char *const[]){"status", "last_contact", "discharged", NULL},
     parse_contact},
    {"declaration", false, (const char *const[]){"at", "symptoms", "temperature_c", NULL},
     parse_declaration},
    {"checkins", false, ANY, parse_checkins},
    {"entry", false, (const char *const[]){"date", "from", NULL}, parse_entry},
    {"previous", false, (const char *const[]){"colour", "since", NULL}, parse_previous},
    {"device_key", false, STRING, parse_device_key},
};
#define N_MEMBERS (sizeof members / sizeof members[0])

/* What the table says of a member's type, for a member at path. */
static hc_err member_shape(const hc_json *v, const char *path, const char *const *keys,
                           hc_diag *diag)
{
    const char *s;
    if (keys == STRING)
        return get_string(v, path, &s, diag);
    hc_err e = HC_OK;
    if (keys && !(e = want_object(v, path, diag)))
        e = only_keys(v, path, keys, diag);
    return e;
}

static hc_err parse_root(const hc_json *root, hc_record *r, hc_diag *diag)
{
    const char *keys[N_MEMBERS + 1] = {NULL};
    for (size_t i = 0; i < N_MEMBERS; i++)
        keys[i] = members[i].name;
    if (root->type != HC_JSON_OBJECT)
        return FAIL(diag, "", "the record must be a JSON object, not %s", type_name(root));
    hc_err e = only_keys(root, "", keys, diag);
    for (size_t i = 0; i < N_MEMBERS && !e; i++) {
        char path[PATH_MAX_LEN];
        const hc_json *v;
        const char *name = members[i].name;
        if ((e = member(root, "", name, members[i].required, &v, path, diag)) || !v)
            continue;
        if (!(e = member_shape(v, path, members[i].keys, diag)))
            e = members[i].parse(v, path, r, diag);
    }
    return e;
}

/* ---- public ------------------------------------------------------------------ */

/* A syntax error: diag->line is its line in the text. The message names the line
 * only when the text has several: a record of a JSON-lines file is one line, and
 * its place is that file's line (the batch's "line"), not "line 1". */
static hc_err syntax_error(const char *json, size_t len, const hc_json_doc *doc, hc_diag *diag)
{
    size_t end = len;
    while (end > 0 && (json[end - 1] == '\n' || json[end - 1] == '\r' || json[end - 1] == ' ' ||
                       json[end - 1] == '\t'))
        end--;
    bool one_line = !memchr(json, '\n', end);
    hc_err e = one_line ? FAIL(diag, "", "JSON syntax error at column %d: %s", doc->column, doc->message)
                        : FAIL(diag, "", "JSON syntax error at line %d, column %d: %s", doc->line,
                               doc->column, doc->message);
    if (diag)
        diag->line = doc->line;
    return e;
}

hc_err hc_record_parse_json(const char *json, size_t len, hc_record **out, hc_diag *diag)
{
    return hc_record_parse_json_scratch(json, len, NULL, out, diag);
}

hc_err hc_record_parse_json_scratch(const char *json, size_t len, hc_json_scratch *scratch,
                                    hc_record **out, hc_diag *diag)
{
    if (out)
        *out = NULL;
    if (!json || !out)
        return hc_diag_set(diag, HC_E_ARG, "", "no record text or no output given");
    if (len > HC_RECORD_MAX)
        return hc_diag_set(diag, HC_E_LIMIT, "", "the record is %zu bytes, more than %u", len,
                           HC_RECORD_MAX);
    hc_json_doc doc;
    hc_err e = scratch ? hc_json_parse_scratch(json, len, scratch, &doc) : hc_json_parse(json, len, &doc);
    if (e == HC_E_RECORD)   /* a "\u0000" is no syntax error: it is reported against its field */
        return syntax_error(json, len, &doc, diag);
    if (e != HC_OK)
        return hc_diag_set(diag, e, "", "%s", e == HC_E_NOMEM ? "out of memory" : hc_strerror(e));
    hc_record *r = calloc(1, sizeof *r);
    if (!r) {
        hc_json_doc_free(&doc);
        return hc_diag_set(diag, HC_E_NOMEM, "", "out of memory");
    }
    r->last_contact = r->discharged = HC_DAY_NONE;
    r->declaration_day = r->entry_date = r->previous_since = HC_DAY_NONE;
    e = parse_root(doc.root, r, diag);
    hc_json_doc_free(&doc);
    if (e == HC_E_NOMEM)
        hc_diag_set(diag, e, "", "out of memory");
    if (e) {
        hc_record_free(r);
        return e;
    }
    *out = r;
    return HC_OK;
}

const char *hc_record_id(const hc_record *r) { return r ? r->id : NULL; }
const char *hc_record_id_type(const hc_record *r) { return r ? r->id_type : NULL; }
const char *hc_record_name(const hc_record *r) { return r ? r->name : NULL; }
uint32_t hc_record_residence(const hc_record *r) { return r ? r->residence : 0; }

void hc_record_free(hc_record *r)
{
    if (r) { /* the two lists are the record's own */
        free(r->travel);
        free(r->checkins);
    }
    free(r);
}

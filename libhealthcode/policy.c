/* policy.c — the assessment policy as data (doc/architecture.md "Default policy"):
 * the built-in default, the JSON policy file, the risk-map CSV and lookups.
 *
 * Every key of a policy file is required and unknown keys are errors: a
 * province's policy must say every number, nothing is filled in silently.
 */
#include "policy_impl.h"
#include "internal.h"
#include "regions_impl.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const trigger_names[HC_TRIG__COUNT] = {
    "case", "recovered", "close_contact", "high_risk_travel", "inbound",
    "medium_risk_travel", "secondary_contact", "symptoms", "fever_with_exposure",
};

static const char *const level_names[HC_LEVEL__COUNT] = {
    "low", "lower", "medium", "higher", "high",
};

const char *hc_trigger_name(hc_trigger t)
{
    return (unsigned)t < HC_TRIG__COUNT ? trigger_names[t] : "invalid";
}

const char *hc_risk_level_name(hc_risk_level l)
{
    return (unsigned)l < HC_LEVEL__COUNT ? level_names[l] : "invalid";
}

static bool level_parse(const char *s, size_t n, hc_risk_level *out)
{
    for (unsigned i = 0; i < HC_LEVEL__COUNT; i++)
        if (strlen(level_names[i]) == n && memcmp(level_names[i], s, n) == 0) {
            *out = (hc_risk_level)i;
            return true;
        }
    return false;
}

/* ------------------------------------------------------------ the default */

/* The seeds' map: Hubei, Wenzhou and Taizhou held back. */
static const hc_risk_entry default_map[] = {
    {330300, HC_LEVEL_HIGH}, {331000, HC_LEVEL_HIGH}, {420000, HC_LEVEL_HIGH},
};

static void policy_set_default(hc_policy *p)
{
    hc_strlcpy(p->name, "zhejiang-2020", sizeof p->name);
    p->utc_offset_s = 8 * 3600;
    p->fever_threshold_c = 37.3;
    p->trigger[HC_TRIG_CASE] = (hc_trigger_rule){HC_RED, -1};
    p->trigger[HC_TRIG_RECOVERED] = (hc_trigger_rule){HC_RED, 14};
    p->trigger[HC_TRIG_CLOSE_CONTACT] = (hc_trigger_rule){HC_RED, 14};
    p->trigger[HC_TRIG_HIGH_RISK_TRAVEL] = (hc_trigger_rule){HC_RED, 14};
    p->trigger[HC_TRIG_INBOUND] = (hc_trigger_rule){HC_RED, 14};
    p->trigger[HC_TRIG_MEDIUM_RISK_TRAVEL] = (hc_trigger_rule){HC_YELLOW, 14};
    p->trigger[HC_TRIG_SECONDARY_CONTACT] = (hc_trigger_rule){HC_YELLOW, 14};
    p->trigger[HC_TRIG_SYMPTOMS] = (hc_trigger_rule){HC_YELLOW, 7};
    p->trigger[HC_TRIG_FEVER_WITH_EXPOSURE] = (hc_trigger_rule){HC_RED, 14};
    p->run_red = 14;
    p->run_yellow = 7;
    p->level_trigger[HC_LEVEL_LOW] = HC_TRIG__COUNT;
    p->level_trigger[HC_LEVEL_LOWER] = HC_TRIG__COUNT;
    p->level_trigger[HC_LEVEL_MEDIUM] = HC_TRIG_MEDIUM_RISK_TRAVEL;
    p->level_trigger[HC_LEVEL_HIGHER] = HC_TRIG_HIGH_RISK_TRAVEL;
    p->level_trigger[HC_LEVEL_HIGH] = HC_TRIG_HIGH_RISK_TRAVEL;
}

static hc_err policy_new_default(hc_policy **out)
{
    hc_policy *p = calloc(1, sizeof *p);
    if (!p)
        return HC_E_NOMEM;
    policy_set_default(p);
    p->n_map = sizeof default_map / sizeof default_map[0];
    p->map = malloc(sizeof default_map);
    if (!p->map) {
        free(p);
        return HC_E_NOMEM;
    }
    memcpy(p->map, default_map, sizeof default_map);
    *out = p;
    return HC_OK;
}

void hc_policy_free(hc_policy *p)
{
    if (!p)
        return;
    free(p->map);
    free(p);
}

int32_t hc_policy_utc_offset(const hc_policy *p)
{
    return p ? p->utc_offset_s : 0;
}

/* ------------------------------------------------------------ risk map */

/* A map key from a region or country text; false if it names nothing. */
static bool key_parse(const char *s, size_t n, uint32_t *key)
{
    if (n == 6) {
        uint32_t v = 0;
        for (size_t i = 0; i < 6; i++) {
            if (s[i] < '0' || s[i] > '9')
                return false;
            v = v * 10 + (uint32_t)(s[i] - '0');
        }
        if (!hc_region_exists(v))
            return false;
        *key = v;
        return true;
    }
    if (n == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z') {
        char cc[3] = {s[0], s[1], '\0'};
        if (!hc_country_exists(cc))
            return false;
        *key = HC_RISK_COUNTRY_BASE + 26u * (uint32_t)(s[0] - 'A') + (uint32_t)(s[1] - 'A');
        return true;
    }
    return false;
}

/* Map entries while building, with the line (or 0) that gave each. */
typedef struct {
    hc_risk_entry e;
    long line;
} map_item;

static int item_cmp(const void *a, const void *b)
{
    const map_item *x = a, *y = b;
    if (x->e.key != y->e.key)
        return x->e.key < y->e.key ? -1 : 1;
    return x->line < y->line ? -1 : (x->line > y->line);
}

static void key_text(uint32_t key, char buf[8])
{
    if (key >= HC_RISK_COUNTRY_BASE) {
        uint32_t k = key - HC_RISK_COUNTRY_BASE;
        buf[0] = (char)('A' + k / 26);
        buf[1] = (char)('A' + k % 26);
        buf[2] = '\0';
    } else {
        snprintf(buf, 8, "%06u", (unsigned)key);
    }
}

/* Sorts items, refuses duplicates, and turns them into p's map (the old one
 * freed). On a duplicate fills diag (field, line) and returns err; p is
 * unchanged on any failure. */
static hc_err items_finish(hc_policy *p, map_item *items, size_t n, hc_err err,
                           const char *field_prefix, hc_diag *diag)
{
    if (n > 1)
        qsort(items, n, sizeof *items, item_cmp);
    for (size_t i = 1; i < n; i++)
        if (items[i].e.key == items[i - 1].e.key) {
            char k[8];
            key_text(items[i].e.key, k);
            if (items[i].line > 0) {
                hc_diag_set(diag, err, "region", "line %ld: region %s is already given on line %ld",
                            items[i].line, k, items[i - 1].line);
                if (diag)
                    diag->line = items[i].line;
            } else {
                hc_diag_set(diag, err, field_prefix, "%s: region %s is given twice", field_prefix, k);
            }
            return err;
        }
    hc_risk_entry *m = malloc((n ? n : 1) * sizeof *m);
    if (!m)
        return HC_E_NOMEM;
    for (size_t i = 0; i < n; i++)
        m[i] = items[i].e;
    free(p->map);
    p->map = m;
    p->n_map = n;
    return HC_OK;
}

static hc_err csv_error(hc_diag *diag, long line, const char *field, const char *fmt, const char *a,
                        size_t alen)
{
    char msg[HC_DIAG_MESSAGE_MAX];
    char arg[64];
    size_t n = alen < sizeof arg - 1 ? alen : sizeof arg - 1;
    memcpy(arg, a, n);
    arg[n] = '\0';
    snprintf(msg, sizeof msg, fmt, arg);
    hc_diag_set(diag, HC_E_RISK_MAP, field, "line %ld: %s", line, msg);
    if (diag)
        diag->line = line;
    return HC_E_RISK_MAP;
}

hc_err hc_policy_set_risk_map_csv(hc_policy *p, const char *csv, size_t len, hc_diag *diag)
{
    if (!p || (!csv && len))
        return hc_diag_set(diag, HC_E_ARG, "", "no policy or no CSV text");
    if (len > HC_RISK_MAP_FILE_MAX)
        return hc_diag_set(diag, HC_E_LIMIT, "", "the risk map is larger than %u bytes",
                           HC_RISK_MAP_FILE_MAX);
    /* A UTF-8 byte order mark, as spreadsheet exports write it, is not data. */
    if (len >= 3 && memcmp(csv, "\xEF\xBB\xBF", 3) == 0) {
        csv += 3;
        len -= 3;
    }
    size_t cap = 0, n = 0;
    map_item *items = NULL;
    hc_err err = HC_OK;
    long line = 0;
    bool header = false;
    size_t pos = 0;
    while (pos < len) {
        const char *s = csv + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - s) : len - pos;
        pos += ll + (nl ? 1 : 0);
        line++;
        if (ll > 0 && s[ll - 1] == '\r')
            ll--;
        if (memchr(s, '\0', ll)) {
            err = csv_error(diag, line, "", "%sa NUL byte", "", 0);
            goto fail;
        }
        if (!header) {
            if (ll != 12 || memcmp(s, "region,level", 12) != 0) {
                err = csv_error(diag, line, "", "the header must be \"region,level\", not \"%s\"", s, ll);
                goto fail;
            }
            header = true;
            continue;
        }
        if (ll == 0)
            continue;   /* blank lines (a final newline, a spacer) carry nothing */
        const char *comma = memchr(s, ',', ll);
        if (!comma || memchr(comma + 1, ',', ll - (size_t)(comma - s) - 1)) {
            err = csv_error(diag, line, "", "expected \"region,level\", got \"%s\"", s, ll);
            goto fail;
        }
        size_t rl = (size_t)(comma - s), vl = ll - rl - 1;
        uint32_t key;
        hc_risk_level lv;
        if (!key_parse(s, rl, &key)) {
            err = csv_error(diag, line, "region",
                            "\"%s\" is neither a GB/T 2260 region code nor an ISO 3166 alpha-2 country",
                            s, rl);
            goto fail;
        }
        if (!level_parse(comma + 1, vl, &lv)) {
            err = csv_error(diag, line, "level",
                            "unknown level \"%s\" (levels: low, lower, medium, higher, high)",
                            comma + 1, vl);
            goto fail;
        }
        if (n == HC_RISK_MAP_MAX) {
            err = csv_error(diag, line, "", "more than %s entries", "100000", 6);
            goto fail;
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            map_item *ni = realloc(items, nc * sizeof *ni);
            if (!ni) {
                err = HC_E_NOMEM;
                goto fail;
            }
            items = ni;
            cap = nc;
        }
        items[n].e.key = key;
        items[n].e.level = (uint8_t)lv;
        items[n].line = line;
        n++;
    }
    if (!header) {
        err = csv_error(diag, 1, "", "the header must be \"region,level\"%s", "", 0);
        goto fail;
    }
    err = items_finish(p, items, n, HC_E_RISK_MAP, "", diag);
fail:
    free(items);
    return err;
}

/* Reads path (at most max bytes; a failure is said in diag with the path)
 * and hands its text to parse with ctx. */
typedef hc_err (*parse_fn)(void *ctx, const char *text, size_t len, hc_diag *diag);

static hc_err load_file(const char *path, size_t max, parse_fn parse, void *ctx, hc_diag *diag)
{
    char *data;
    size_t len;
    hc_err err = hc_read_file(path, max, &data, &len);
    if (err != HC_OK)
        return hc_diag_set(diag, err, "", "%s: %s", path, hc_strerror(err));
    err = parse(ctx, data, len, diag);
    free(data);
    return err;
}

static hc_err parse_risk_map(void *p, const char *text, size_t len, hc_diag *diag)
{
    return hc_policy_set_risk_map_csv(p, text, len, diag);
}

static hc_err parse_policy_text(void *out, const char *text, size_t len, hc_diag *diag)
{
    return hc_policy_parse_json(text, len, out, diag);
}

hc_err hc_policy_load_risk_map(hc_policy *p, const char *path, hc_diag *diag)
{
    if (!p || !path)
        return hc_diag_set(diag, HC_E_ARG, "", "no policy or no path");
    return load_file(path, HC_RISK_MAP_FILE_MAX, parse_risk_map, p, diag);
}

static const hc_risk_entry *map_find(const hc_policy *p, uint32_t key)
{
    size_t lo = 0, hi = p->n_map;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t k = p->map[mid].key;
        if (k == key)
            return &p->map[mid];
        if (k < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

hc_risk_level hc_policy_region_level(const hc_policy *p, uint32_t code, uint32_t *matched)
{
    /* County first, then its prefecture, then its province: the most specific wins. */
    const uint32_t tries[3] = {code, code / 100 * 100, code / 10000 * 10000};
    for (int i = 0; i < 3; i++) {
        if (i > 0 && tries[i] == tries[i - 1])
            continue;
        const hc_risk_entry *e = map_find(p, tries[i]);
        if (e) {
            if (matched)
                *matched = tries[i];
            return (hc_risk_level)e->level;
        }
    }
    if (matched)
        *matched = 0;
    return HC_LEVEL_LOW;
}

hc_risk_level hc_policy_country_level(const hc_policy *p, const char *cc)
{
    if (!cc || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z')
        return HC_LEVEL_LOW;
    uint32_t key = HC_RISK_COUNTRY_BASE + 26u * (uint32_t)(cc[0] - 'A') + (uint32_t)(cc[1] - 'A');
    const hc_risk_entry *e = map_find(p, key);
    return e ? (hc_risk_level)e->level : HC_LEVEL_LOW;
}

/* ------------------------------------------------------------ policy JSON */

static hc_err perr(hc_diag *diag, const char *key, const char *what)
{
    return hc_diag_set(diag, HC_E_POLICY, key, "%s: %s", key, what);
}

/* Every key of obj is in allowed, and every allowed key is present. */
static hc_err check_keys(json_t *obj, const char *path, const char *const *allowed, size_t n,
                         hc_diag *diag)
{
    char k[HC_DIAG_FIELD_MAX];
    if (!json_is_object(obj))
        return perr(diag, path[0] ? path : "(policy)", "must be an object");
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        bool ok = false;
        for (size_t i = 0; i < n && !ok; i++)
            ok = strcmp(key, allowed[i]) == 0;
        if (!ok) {
            snprintf(k, sizeof k, "%s%s%s", path, path[0] ? "." : "", key);
            return perr(diag, k, "unknown key");
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!json_object_get(obj, allowed[i])) {
            snprintf(k, sizeof k, "%s%s%s", path, path[0] ? "." : "", allowed[i]);
            return perr(diag, k, "missing");
        }
    return HC_OK;
}

static hc_err get_days(json_t *v, const char *key, int32_t lo, int32_t *out, hc_diag *diag)
{
    char what[64];
    snprintf(what, sizeof what, "must be an integer from %d to %d", (int)lo, HC_POLICY_DAYS_MAX);
    if (!json_is_integer(v))
        return perr(diag, key, what);
    json_int_t d = json_integer_value(v);
    if (d < lo || d > HC_POLICY_DAYS_MAX)
        return perr(diag, key, what);
    *out = (int32_t)d;
    return HC_OK;
}

static hc_err parse_tz(json_t *v, int32_t *out, hc_diag *diag)
{
    static const char *const what = "must be a fixed UTC offset \"+HH:MM\" or \"-HH:MM\" (up to 14:00)";
    const char *s = json_string_value(v);
    if (!s)
        return perr(diag, "time_zone", what);
    if (strcmp(s, "Z") == 0) {
        *out = 0;
        return HC_OK;
    }
    if (strlen(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':')
        return perr(diag, "time_zone", what);
    for (int i = 1; i < 6; i++)
        if (i != 3 && (s[i] < '0' || s[i] > '9'))
            return perr(diag, "time_zone", what);
    int h = (s[1] - '0') * 10 + (s[2] - '0'), m = (s[4] - '0') * 10 + (s[5] - '0');
    if (m > 59 || h * 60 + m > 14 * 60)
        return perr(diag, "time_zone", what);
    *out = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
    return HC_OK;
}

static hc_err parse_triggers(json_t *obj, hc_policy *p, hc_diag *diag)
{
    hc_err err = check_keys(obj, "triggers", trigger_names, HC_TRIG__COUNT, diag);
    if (err != HC_OK)
        return err;
    static const char *const rule_keys[] = {"colour", "days"};
    for (unsigned t = 0; t < HC_TRIG__COUNT; t++) {
        char path[48], key[HC_DIAG_FIELD_MAX];
        snprintf(path, sizeof path, "triggers.%s", trigger_names[t]);
        json_t *rule = json_object_get(obj, trigger_names[t]);
        if ((err = check_keys(rule, path, rule_keys, 2, diag)) != HC_OK)
            return err;
        snprintf(key, sizeof key, "%s.colour", path);
        const char *c = json_string_value(json_object_get(rule, "colour"));
        if (c && strcmp(c, "red") == 0)
            p->trigger[t].colour = HC_RED;
        else if (c && strcmp(c, "yellow") == 0)
            p->trigger[t].colour = HC_YELLOW;
        else
            return perr(diag, key, "must be \"yellow\" or \"red\"");
        snprintf(key, sizeof key, "%s.days", path);
        json_t *d = json_object_get(rule, "days");
        if (t == HC_TRIG_CASE) {
            /* A case holds while the status does: there is no date to count from. */
            if (!json_is_null(d))
                return perr(diag, key, "must be null (a case holds while the status holds)");
            p->trigger[t].days = -1;
        } else if ((err = get_days(d, key, 0, &p->trigger[t].days, diag)) != HC_OK) {
            return err;
        }
    }
    return HC_OK;
}

static hc_err parse_levels(json_t *obj, hc_policy *p, hc_diag *diag)
{
    static const char *const keys[] = {"high_risk_travel", "medium_risk_travel"};
    static const hc_trigger trig[] = {HC_TRIG_HIGH_RISK_TRAVEL, HC_TRIG_MEDIUM_RISK_TRAVEL};
    hc_err err = check_keys(obj, "risk_levels", keys, 2, diag);
    if (err != HC_OK)
        return err;
    for (unsigned l = 0; l < HC_LEVEL__COUNT; l++)
        p->level_trigger[l] = HC_TRIG__COUNT;
    for (unsigned i = 0; i < 2; i++) {
        char key[HC_DIAG_FIELD_MAX];
        json_t *arr = json_object_get(obj, keys[i]);
        snprintf(key, sizeof key, "risk_levels.%s", keys[i]);
        if (!json_is_array(arr))
            return perr(diag, key, "must be an array of levels (low, lower, medium, higher, high)");
        size_t j;
        json_t *v;
        json_array_foreach(arr, j, v) {
            snprintf(key, sizeof key, "risk_levels.%s[%zu]", keys[i], j);
            const char *s = json_string_value(v);
            hc_risk_level lv;
            if (!s || !level_parse(s, strlen(s), &lv))
                return perr(diag, key, "must be one of low, lower, medium, higher, high");
            if (p->level_trigger[lv] != HC_TRIG__COUNT)
                return perr(diag, key, "this level is already listed");
            p->level_trigger[lv] = trig[i];
        }
    }
    return HC_OK;
}

static hc_err parse_map(json_t *obj, hc_policy *p, hc_diag *diag)
{
    if (!json_is_object(obj))
        return perr(diag, "risk_map", "must be an object of region or country → level");
    size_t n = json_object_size(obj);
    if (n > HC_RISK_MAP_MAX)
        return perr(diag, "risk_map", "has more than 100000 entries");
    map_item *items = malloc((n ? n : 1) * sizeof *items);
    if (!items)
        return HC_E_NOMEM;
    size_t i = 0;
    const char *k;
    json_t *v;
    hc_err err = HC_OK;
    json_object_foreach(obj, k, v) {
        char key[HC_DIAG_FIELD_MAX];
        snprintf(key, sizeof key, "risk_map.%s", k);
        const char *s = json_string_value(v);
        hc_risk_level lv;
        if (!key_parse(k, strlen(k), &items[i].e.key)) {
            err = perr(diag, key, "is neither a GB/T 2260 region code nor an ISO 3166 alpha-2 country");
            goto done;
        }
        if (!s || !level_parse(s, strlen(s), &lv)) {
            err = perr(diag, key, "must be one of low, lower, medium, higher, high");
            goto done;
        }
        items[i].e.level = (uint8_t)lv;
        items[i].line = 0;
        i++;
    }
    /* Keys of a JSON object are unique (duplicates are refused when decoding). */
    err = items_finish(p, items, i, HC_E_POLICY, "risk_map", diag);
done:
    free(items);
    return err;
}

static hc_err parse_policy(json_t *root, hc_policy *p, hc_diag *diag)
{
    static const char *const top[] = {"name", "time_zone", "fever_threshold_c", "triggers",
                                      "checkin_runs", "risk_levels", "risk_map"};
    static const char *const runs[] = {"red", "yellow"};
    hc_err err = check_keys(root, "", top, sizeof top / sizeof top[0], diag);
    if (err != HC_OK)
        return err;
    const char *name = json_string_value(json_object_get(root, "name"));
    if (!name || !name[0] || strlen(name) >= sizeof p->name)
        return perr(diag, "name", "must be a string of 1 to 63 bytes");
    hc_strlcpy(p->name, name, sizeof p->name);
    if ((err = parse_tz(json_object_get(root, "time_zone"), &p->utc_offset_s, diag)) != HC_OK)
        return err;
    json_t *f = json_object_get(root, "fever_threshold_c");
    if (!json_is_number(f) || json_number_value(f) < 35.0 || json_number_value(f) > 42.0)
        return perr(diag, "fever_threshold_c", "must be a number from 35 to 42 (°C)");
    p->fever_threshold_c = json_number_value(f);
    if ((err = parse_triggers(json_object_get(root, "triggers"), p, diag)) != HC_OK)
        return err;
    json_t *r = json_object_get(root, "checkin_runs");
    if ((err = check_keys(r, "checkin_runs", runs, 2, diag)) != HC_OK ||
        (err = get_days(json_object_get(r, "red"), "checkin_runs.red", 1, &p->run_red, diag)) != HC_OK ||
        (err = get_days(json_object_get(r, "yellow"), "checkin_runs.yellow", 1, &p->run_yellow,
                        diag)) != HC_OK)
        return err;
    if ((err = parse_levels(json_object_get(root, "risk_levels"), p, diag)) != HC_OK)
        return err;
    return parse_map(json_object_get(root, "risk_map"), p, diag);
}

hc_err hc_policy_parse_json(const char *json, size_t len, hc_policy **out, hc_diag *diag)
{
    if (!out || (!json && len))
        return hc_diag_set(diag, HC_E_ARG, "", "no output or no JSON text");
    *out = NULL;
    if (len > HC_POLICY_FILE_MAX)
        return hc_diag_set(diag, HC_E_LIMIT, "", "the policy is larger than %u bytes", HC_POLICY_FILE_MAX);
    json_error_t je;
    json_t *root = json_loadb(json ? json : "", len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        hc_diag_set(diag, HC_E_POLICY, "", "line %d, column %d: %s", je.line, je.column, je.text);
        if (diag)
            diag->line = je.line > 0 ? je.line : 0;
        return HC_E_POLICY;
    }
    hc_policy *p = calloc(1, sizeof *p);
    hc_err err = p ? parse_policy(root, p, diag) : HC_E_NOMEM;
    json_decref(root);
    if (err != HC_OK) {
        hc_policy_free(p);
        return err;
    }
    *out = p;
    return HC_OK;
}

hc_err hc_policy_load(const char *path, hc_policy **out, hc_diag *diag)
{
    if (!out)
        return hc_diag_set(diag, HC_E_ARG, "", "no output");
    *out = NULL;
    if (!path)
        return policy_new_default(out);
    return load_file(path, HC_POLICY_FILE_MAX, parse_policy_text, out, diag);
}

/* assess.c — applies a policy to a record at an instant (doc/architecture.md "Default
 * policy"): the triggers, the previous-colour rule and the colour. Pure
 * computation: no clock, no printing, and no allocation except for a record
 * with more than CHECKIN_STACK check-ins after a previous colour. The reasons'
 * sentences are assess_text.c's. The interpretations of doc/architecture.md
 * made here are written in assess.h. */
#include "assess_text_impl.h"
#include "strbuf_impl.h"

#include <stdlib.h>

/* ------------------------------------------------------------ days */

/* The calendar date of instant t in the policy's zone. */
static hc_day local_day(const hc_policy *p, int64_t t)
{
    return (hc_day)hc_clock_local_day(t, p->utc_offset_s);
}

/* The instant local midnight begins day d in the policy's zone. */
static int64_t local_midnight(const hc_policy *p, hc_day d)
{
    return hc_clock_local_midnight(d, p->utc_offset_s);
}

static void day_text(hc_day d, char b[11])
{
    hc_clock_format_day(d, b);
}

/* ------------------------------------------------------------ the run */

typedef struct {
    const hc_policy *p;
    const hc_record *r;
    hc_day today;
    int64_t now;
    hc_assessment *out;
    /* per colour: does a holder exist, the latest day one stops, or forever */
    bool held[3], forever[3];
    hc_day last[3];
} actx;

/* Counts a trigger, and returns the slot for its reason or NULL when
 * reasons[] is full. A full array gives way to a holding trigger by dropping
 * its oldest resolved reason, so the reasons for the colour are kept. */
static hc_reason *reason_slot(actx *c, bool holds)
{
    hc_assessment *o = c->out;
    o->n_found++;
    if (o->n_reasons < HC_MAX_REASONS)
        return &o->reasons[o->n_reasons++];
    if (!holds)
        return NULL;
    for (size_t i = 0; i < o->n_reasons; i++)
        if (!o->reasons[i].holds) {
            memmove(&o->reasons[i], &o->reasons[i + 1], (o->n_reasons - 1 - i) * sizeof o->reasons[0]);
            return &o->reasons[o->n_reasons - 1];
        }
    return NULL;
}

static void note_holder(actx *c, hc_colour col, hc_day until)
{
    c->held[col] = true;
    if (until == HC_DAY_NONE)
        c->forever[col] = true;
    else if (until > c->last[col])
        c->last[col] = until;
}

/* Records a trigger with date t lasting days; returns its reason slot (code,
 * colour, dates filled; field and text left to the caller) or NULL. */
static hc_reason *add_trigger(actx *c, const char *code, hc_colour col, hc_day from, hc_day until,
                              bool holds)
{
    if (holds)
        note_holder(c, col, until);
    hc_reason *rs = reason_slot(c, holds);
    if (!rs)
        return NULL;
    hc_strlcpy(rs->code, code, sizeof rs->code);
    rs->colour = col;
    rs->holds = holds;
    rs->from = from;
    rs->until = until;
    rs->field[0] = rs->zh[0] = rs->en[0] = '\0';
    return rs;
}

static hc_reason *add_dated(actx *c, hc_trigger t, hc_day from, bool *holds_out)
{
    const hc_trigger_rule *rule = &c->p->trigger[t];
    hc_day until = from + rule->days;
    bool holds = c->today < until;
    if (holds_out)
        *holds_out = holds;
    return add_trigger(c, hc_trigger_name(t), rule->colour, from, until, holds);
}

static void set_field_idx(hc_reason *rs, const char *head, size_t i, const char *tail)
{
    sb f;
    sb_init(&f, rs->field, sizeof rs->field);
    sb_s(&f, head);
    sb_s(&f, "[");
    sb_u(&f, i);
    sb_s(&f, "].");
    sb_s(&f, tail);
}

/* ------------------------------------------------------------ validation */

static hc_err date_after(actx *c, hc_diag *diag, const char *field, hc_day d)
{
    char a[11], b[11];
    day_text(d, a);
    day_text(c->today, b);
    return hc_diag_set(diag, HC_E_RECORD, field, "%s (%s) is after the date of assessment (%s)",
                       field, a, b);
}

/* No date in the record may be after the local date of now: a record from
 * the future is an error, not a guess. Checked in record order. */
static hc_err validate(actx *c, hc_diag *diag)
{
    const hc_record *r = c->r;
    char f[HC_DIAG_FIELD_MAX];
    sb s;
    for (size_t i = 0; i < r->n_travel; i++) {
        const hc_stay *st = &r->travel[i];
        static const char *const which[2] = {"from", "to"};
        hc_day d[2] = {st->from, st->to};
        for (int k = 0; k < 2; k++) {
            sb_init(&s, f, sizeof f);
            sb_s(&s, "travel[");
            sb_u(&s, i);
            sb_s(&s, "].");
            sb_s(&s, which[k]);
            if (d[k] == HC_DAY_NONE)
                return hc_diag_set(diag, HC_E_RECORD, f, "%s is missing", f);
            if (d[k] > c->today)
                return date_after(c, diag, f, d[k]);
        }
        if (st->to < st->from) {
            char a[11], b[11];
            day_text(st->to, a);
            day_text(st->from, b);
            return hc_diag_set(diag, HC_E_RECORD, f, "%s (%s) is before travel[%zu].from (%s)", f, a,
                               i, b);
        }
    }
    if (r->last_contact != HC_DAY_NONE && r->last_contact > c->today)
        return date_after(c, diag, "contact.last_contact", r->last_contact);
    if (r->discharged != HC_DAY_NONE && r->discharged > c->today)
        return date_after(c, diag, "contact.discharged", r->discharged);
    if ((r->contact == HC_CONTACT_CLOSE || r->contact == HC_CONTACT_SECONDARY) &&
        r->last_contact == HC_DAY_NONE)
        return hc_diag_set(diag, HC_E_RECORD, "contact.last_contact",
                           "contact.last_contact is required when contact.status is %s",
                           r->contact == HC_CONTACT_CLOSE ? "close" : "secondary");
    if (r->contact == HC_CONTACT_RECOVERED && r->discharged == HC_DAY_NONE)
        return hc_diag_set(diag, HC_E_RECORD, "contact.discharged",
                           "contact.discharged is required when contact.status is recovered");
    if (r->has_declaration && local_day(c->p, r->declaration_at) > c->today)
        return date_after(c, diag, "declaration.at", local_day(c->p, r->declaration_at));
    for (size_t i = 0; i < r->n_checkins; i++)
        if (r->checkins[i].date > c->today) {
            sb_init(&s, f, sizeof f);
            sb_s(&s, "checkins[");
            sb_u(&s, i);
            sb_s(&s, "].date");
            return date_after(c, diag, f, r->checkins[i].date);
        }
    if (r->has_entry && r->entry_date > c->today)
        return date_after(c, diag, "entry.date", r->entry_date);
    if (r->has_previous && r->previous != HC_GREEN && r->previous_since == HC_DAY_NONE)
        return hc_diag_set(diag, HC_E_RECORD, "previous.since",
                           "previous.since is required when previous.colour is %s",
                           hc_colour_name(r->previous));
    if (r->has_previous && r->previous != HC_GREEN && r->previous_since > c->today)
        return date_after(c, diag, "previous.since", r->previous_since);
    return HC_OK;
}

/* ------------------------------------------------------------ triggers */

static hc_risk_level stay_level(const hc_policy *p, const hc_stay *st, uint32_t *matched)
{
    if (st->region)
        return hc_policy_region_level(p, st->region, matched);
    *matched = 0;
    return hc_policy_country_level(p, st->country);
}

static void travel_triggers(actx *c)
{
    const hc_record *r = c->r;
    for (size_t i = 0; i < r->n_travel; i++) {
        const hc_stay *st = &r->travel[i];
        uint32_t matched;
        hc_risk_level lv = stay_level(c->p, st, &matched);
        hc_trigger t = c->p->level_trigger[lv];
        if (t == HC_TRIG__COUNT)
            continue;   /* a stay in a region without a level that raises a code is no trigger */
        hc_reason *rs = add_dated(c, t, st->to, NULL);
        if (!rs)
            continue;
        set_field_idx(rs, "travel", i, "to");
        hc_assess_text_stay(rs, st, lv, matched);
    }
}

static void contact_triggers(actx *c)
{
    const hc_record *r = c->r;
    hc_reason *rs;
    const char *field;
    switch (r->contact) {
    case HC_CONTACT_CONFIRMED:
    case HC_CONTACT_SUSPECTED:
    case HC_CONTACT_ASYMPTOMATIC:
        rs = add_trigger(c, hc_trigger_name(HC_TRIG_CASE), c->p->trigger[HC_TRIG_CASE].colour,
                         HC_DAY_NONE, HC_DAY_NONE, true);
        field = "contact.status";
        break;
    case HC_CONTACT_RECOVERED:
        rs = add_dated(c, HC_TRIG_RECOVERED, r->discharged, NULL);
        field = "contact.discharged";
        break;
    case HC_CONTACT_CLOSE:
    case HC_CONTACT_SECONDARY:
        rs = add_dated(c, r->contact == HC_CONTACT_CLOSE ? HC_TRIG_CLOSE_CONTACT : HC_TRIG_SECONDARY_CONTACT,
                       r->last_contact, NULL);
        field = "contact.last_contact";
        break;
    case HC_CONTACT_NONE:
    default:
        return;
    }
    if (!rs)
        return;
    hc_strlcpy(rs->field, field, sizeof rs->field);
    hc_assess_text_contact(rs, r);
}

static void entry_trigger(actx *c)
{
    const hc_record *r = c->r;
    if (!r->has_entry)
        return;
    hc_reason *rs = add_dated(c, HC_TRIG_INBOUND, r->entry_date, NULL);
    if (!rs)
        return;
    hc_strlcpy(rs->field, "entry.date", sizeof rs->field);
    hc_assess_text_entry(rs, r);
}

/* An exposure that fever_with_exposure pairs with a symptom. */
typedef struct {
    int kind;        /* 0 none, 1 stay, 2 contact, 3 entry */
    size_t index;    /* the stay */
    hc_day t;        /* the exposure's date t */
    hc_risk_level level;
} exposure;

/* Among the travel and contact triggers whose colour is yellow, those that
 * hold on day s (s on or after the exposure began — the stay's from, the
 * last contact, the entry — and before t + days); returns the one with the
 * latest t, which gives fever_with_exposure its latest date. */
static exposure find_exposure(actx *c, hc_day s)
{
    const hc_policy *p = c->p;
    const hc_record *r = c->r;
    exposure best = {0, 0, HC_DAY_NONE, HC_LEVEL_LOW};
    for (size_t i = 0; i < r->n_travel; i++) {
        const hc_stay *st = &r->travel[i];
        uint32_t matched;
        hc_risk_level lv = stay_level(p, st, &matched);
        hc_trigger t = p->level_trigger[lv];
        if (t == HC_TRIG__COUNT || p->trigger[t].colour != HC_YELLOW)
            continue;
        if (s >= st->from && s < st->to + p->trigger[t].days && (best.kind == 0 || st->to > best.t))
            best = (exposure){1, i, st->to, lv};
    }
    if (r->contact == HC_CONTACT_CLOSE || r->contact == HC_CONTACT_SECONDARY) {
        hc_trigger t = r->contact == HC_CONTACT_CLOSE ? HC_TRIG_CLOSE_CONTACT : HC_TRIG_SECONDARY_CONTACT;
        if (p->trigger[t].colour == HC_YELLOW && s >= r->last_contact &&
            s < r->last_contact + p->trigger[t].days && (best.kind == 0 || r->last_contact > best.t))
            best = (exposure){2, 0, r->last_contact, HC_LEVEL_LOW};
    }
    if (r->has_entry && p->trigger[HC_TRIG_INBOUND].colour == HC_YELLOW && s >= r->entry_date &&
        s < r->entry_date + p->trigger[HC_TRIG_INBOUND].days && (best.kind == 0 || r->entry_date > best.t))
        best = (exposure){3, 0, r->entry_date, HC_LEVEL_LOW};
    return best;
}

static void fever_with_exposure(actx *c, hc_day s, const char *symptom_field)
{
    exposure x = find_exposure(c, s);
    if (x.kind == 0)
        return;
    hc_reason *rs = add_dated(c, HC_TRIG_FEVER_WITH_EXPOSURE, s > x.t ? s : x.t, NULL);
    if (!rs)
        return;
    hc_strlcpy(rs->field, symptom_field, sizeof rs->field);
    hc_assess_text_exposure(rs, c->r, s, x.kind, x.index, x.level);
}

static void declaration_trigger(actx *c)
{
    const hc_record *r = c->r;
    if (!r->has_declaration)
        return;
    bool fever = r->has_declared_temperature && r->declared_temperature_c >= c->p->fever_threshold_c;
    if (!r->symptoms && !fever)
        return;
    hc_day d = local_day(c->p, r->declaration_at);
    const char *field = r->symptoms ? "declaration.symptoms" : "declaration.temperature_c";
    hc_reason *rs = add_dated(c, HC_TRIG_SYMPTOMS, d, NULL);
    if (rs) {
        hc_strlcpy(rs->field, field, sizeof rs->field);
        hc_assess_text_declaration(rs, r, d, fever);
    }
    fever_with_exposure(c, d, field);
}

static bool checkin_fever(const hc_policy *p, const hc_checkin *k)
{
    return k->has_temperature && k->temperature_c >= p->fever_threshold_c;
}

static void checkin_triggers(actx *c)
{
    const hc_record *r = c->r;
    for (size_t i = 0; i < r->n_checkins; i++) {
        const hc_checkin *k = &r->checkins[i];
        bool fever = checkin_fever(c->p, k);
        if (k->normal && !fever)
            continue;
        char field[HC_DIAG_FIELD_MAX];
        sb f;
        sb_init(&f, field, sizeof field);
        sb_s(&f, "checkins[");
        sb_u(&f, i);
        sb_s(&f, fever ? "].temperature_c" : "].normal");
        hc_reason *rs = add_dated(c, HC_TRIG_SYMPTOMS, k->date, NULL);
        if (rs) {
            hc_strlcpy(rs->field, field, sizeof rs->field);
            hc_assess_text_checkin(rs, k, fever);
        }
        fever_with_exposure(c, k->date, field);
    }
}

/* ------------------------------------------------------------ previous colour */

typedef struct {
    hc_day day;
    bool abnormal;
} dayflag;

#define CHECKIN_STACK 256

static int dayflag_cmp(const void *a, const void *b)
{
    const dayflag *x = a, *y = b;
    return x->day < y->day ? -1 : x->day > y->day;
}

/* Where a previous colour's runs stand: the day the first run of need
 * completed (HC_DAY_NONE if none has), the last run's days, today's state. */
typedef struct {
    hc_day run_start, run_end, done_day;
    bool today_seen, today_abnormal;
} runs;

/* The check-in days after since, in date order (sorted only when the record's
 * order is not), each abnormal when any check-in on it is; n_out days. The
 * caller frees *days_out when it is not stack. */
static hc_err checkin_days(actx *c, hc_day since, dayflag *stack, dayflag **days_out, size_t *n_out)
{
    const hc_record *r = c->r;
    dayflag *days = stack;
    size_t n = 0;
    if (r->n_checkins > CHECKIN_STACK) {
        days = malloc(r->n_checkins * sizeof *days);
        if (!days)
            return HC_E_NOMEM;
    }
    bool sorted = true;
    for (size_t i = 0; i < r->n_checkins; i++) {
        const hc_checkin *k = &r->checkins[i];
        if (k->date <= since)
            continue;
        days[n].day = k->date;
        days[n].abnormal = !k->normal || checkin_fever(c->p, k);
        if (n > 0 && days[n].day < days[n - 1].day)
            sorted = false;
        n++;
    }
    if (!sorted)
        qsort(days, n, sizeof *days, dayflag_cmp);
    *days_out = days;
    *n_out = n;
    return HC_OK;
}

/* Walks the days in order; a day is normal when every check-in on it is. */
static runs walk_runs(const dayflag *days, size_t n, int32_t need, hc_day today)
{
    runs w = {HC_DAY_NONE, HC_DAY_NONE, HC_DAY_NONE, false, false};
    for (size_t i = 0; i < n && w.done_day == HC_DAY_NONE;) {
        hc_day d = days[i].day;
        bool abnormal = false;
        for (; i < n && days[i].day == d; i++)
            abnormal |= days[i].abnormal;
        if (d == today) {
            w.today_seen = true;
            w.today_abnormal = abnormal;
        }
        if (abnormal) {
            w.run_start = w.run_end = HC_DAY_NONE;
            continue;
        }
        if (w.run_end != HC_DAY_NONE && d == w.run_end + 1)
            w.run_end = d;
        else
            w.run_start = w.run_end = d;
        if (w.run_end - w.run_start + 1 >= need)
            w.done_day = w.run_end;
    }
    return w;
}

/* A previous red or yellow holds until a run of `need` consecutive calendar
 * days, each with a check-in and none abnormal, all after since. Finds the
 * day the first such run completes, or — if none has — the day it would
 * complete with a normal check-in every day from today on. */
static hc_err previous_rule(actx *c)
{
    const hc_record *r = c->r;
    if (!r->has_previous || r->previous == HC_GREEN)
        return HC_OK;
    hc_colour col = r->previous;
    int32_t need = col == HC_RED ? c->p->run_red : c->p->run_yellow;
    hc_day since = r->previous_since;

    dayflag stack[CHECKIN_STACK], *days;
    size_t n;
    hc_err err = checkin_days(c, since, stack, &days, &n);
    if (err != HC_OK)
        return err;
    runs w = walk_runs(days, n, need, c->today);
    if (days != stack)
        free(days);

    bool holds = w.done_day == HC_DAY_NONE;
    hc_day until, run_len = 0;
    if (!holds) {
        until = w.done_day;
    } else if (w.today_seen && w.today_abnormal) {
        until = c->today + need;   /* the run starts again tomorrow */
    } else if (w.run_end != HC_DAY_NONE && (w.run_end == c->today || w.run_end == c->today - 1)) {
        /* the current run continues (today's check-in still to come if it ends yesterday) */
        until = w.run_start + need - 1;
        run_len = w.run_end - w.run_start + 1;
    } else {
        /* a fresh run from today, or from the day after since */
        hc_day start = c->today > since ? c->today : since + 1;
        until = start + need - 1;
    }

    /* add_trigger notes the holder; until may be today: today's check-in completes the run */
    hc_reason *rs = add_trigger(c, "previous_colour", col, since, until, holds);
    if (!rs)
        return HC_OK;
    hc_strlcpy(rs->field, "previous.colour", sizeof rs->field);
    hc_assess_text_previous(rs, since, need, w.done_day, run_len);
    return HC_OK;
}

/* ------------------------------------------------------------ hc_assess */

hc_err hc_assess(const hc_policy *p, const hc_record *r, int64_t now, hc_assessment *out,
                 hc_diag *diag)
{
    if (!p || !r || !out)
        return hc_diag_set(diag, HC_E_ARG, "", "no policy, record or result");
    if (now < 0 || now > INT64_C(253402300799))   /* up to 9999-12-31T23:59:59Z */
        return hc_diag_set(diag, HC_E_ARG, "", "the time of assessment is out of range");
    out->colour = HC_GREEN;
    out->until = 0;
    out->n_reasons = 0;
    out->n_found = 0;

    actx c;
    memset(&c, 0, sizeof c);
    c.p = p;
    c.r = r;
    c.now = now;
    c.today = local_day(p, now);
    c.out = out;
    for (int i = 0; i < 3; i++)
        c.last[i] = HC_DAY_NONE;

    hc_err err = validate(&c, diag);
    if (err != HC_OK)
        return err;
    travel_triggers(&c);
    contact_triggers(&c);
    entry_trigger(&c);
    declaration_trigger(&c);
    checkin_triggers(&c);
    if ((err = previous_rule(&c)) != HC_OK) {
        out->n_reasons = out->n_found = 0;
        return err;
    }

    /* The colour is the worst that holds; it changes when the last holder of
     * that colour stops (no new trigger arises from normal check-ins). */
    hc_colour col = c.held[HC_RED] ? HC_RED : c.held[HC_YELLOW] ? HC_YELLOW : HC_GREEN;
    out->colour = col;
    if (col != HC_GREEN && !c.forever[col]) {
        int64_t u = local_midnight(p, c.last[col]);
        out->until = u < now ? now : u;
    }
    return HC_OK;
}

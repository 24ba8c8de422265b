/* assess.c — applies a policy to a record at an instant (DESIGN.md "Default
 * policy"). Pure computation: no clock, no printing, and no allocation except
 * for a record with more than CHECKIN_STACK check-ins after a previous colour.
 * The interpretations of DESIGN.md made here are written in assess.h. */
#include "clock_impl.h"
#include "policy_impl.h"
#include "record_impl.h"
#include "regions_impl.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

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

/* ------------------------------------------------------------ text */

/* A bounded string builder: appends never overflow, truncation backs off to
 * a UTF-8 character boundary, the text is always NUL-terminated. Cheaper
 * than snprintf, which matters at 200 000 assessments a second. */
typedef struct {
    char *b;
    size_t cap, n;
} sb;

static void sb_init(sb *s, char *buf, size_t cap)
{
    s->b = buf;
    s->cap = cap;
    s->n = 0;
    buf[0] = '\0';
}

static void sb_mem(sb *s, const char *p, size_t len)
{
    size_t room = s->cap - 1 - s->n;
    if (len > room) {
        len = room;
        while (len > 0 && ((unsigned char)p[len] & 0xC0) == 0x80)
            len--;   /* do not cut a multi-byte character */
    }
    memcpy(s->b + s->n, p, len);
    s->n += len;
    s->b[s->n] = '\0';
}

static void sb_s(sb *s, const char *p) { sb_mem(s, p, strlen(p)); }

static void sb_u(sb *s, unsigned long v)
{
    char t[24];
    size_t i = sizeof t;
    do {
        t[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sb_mem(s, t + i, sizeof t - i);
}

static void sb_code6(sb *s, uint32_t code)
{
    char t[6];
    for (int i = 5; i >= 0; i--) {
        t[i] = (char)('0' + code % 10);
        code /= 10;
    }
    sb_mem(s, t, 6);
}

static void sb_day(sb *s, hc_day d)
{
    char t[11];
    day_text(d, t);
    sb_mem(s, t, 10);
}

/* A temperature with one decimal: 37.8 */
static void sb_temp(sb *s, double c)
{
    long v = c >= 0 ? (long)(c * 10 + 0.5) : -(long)(-c * 10 + 0.5);
    if (v < 0) {
        sb_s(s, "-");
        v = -v;
    }
    sb_u(s, (unsigned long)(v / 10));
    char frac[2] = {'.', (char)('0' + v % 10)};
    sb_mem(s, frac, 2);
}

/* ------------------------------------------------------------ words */

static const char *const level_en[HC_LEVEL__COUNT] = {"low", "lower", "medium", "higher", "high"};
static const char *const level_zh[HC_LEVEL__COUNT] = {"低风险", "较低风险", "中风险", "较高风险", "高风险"};
static const char *const colour_zh[3] = {"绿码", "黄码", "红码"};

static const struct {
    unsigned bit;
    const char *en, *zh;
} symptom_words[] = {
    {HC_SYM_FEVER, "fever", "发热"},
    {HC_SYM_COUGH, "cough", "咳嗽"},
    {HC_SYM_FATIGUE, "fatigue", "乏力"},
    {HC_SYM_SORE_THROAT, "sore throat", "咽痛"},
    {HC_SYM_SHORT_BREATH, "shortness of breath", "呼吸急促"},
    {HC_SYM_DIARRHOEA, "diarrhoea", "腹泻"},
    {HC_SYM_HEADACHE, "headache", "头痛"},
    {HC_SYM_MUSCLE_ACHE, "muscle ache", "肌肉酸痛"},
    {HC_SYM_LOSS_SMELL, "loss of smell or taste", "嗅觉或味觉减退"},
    {HC_SYM_OTHER, "other symptoms", "其他症状"},
};

/* The place of a stay, in words. */
static void sb_place_zh(sb *s, const hc_stay *st)
{
    if (st->region) {
        char name[192];
        const char *n = hc_region_name_zh(st->region, name, sizeof name);
        if (n)
            sb_s(s, n);
        else
            sb_code6(s, st->region);
    } else {
        const char *n = hc_country_name_zh(st->country);
        sb_s(s, n ? n : st->country);
    }
}

static void sb_country_en(sb *s, const char *cc)
{
    const char *n = hc_country_name_en(cc);
    if (n) {
        sb_s(s, n);
        sb_s(s, " (");
        sb_s(s, cc);
        sb_s(s, ")");
    } else {
        sb_s(s, cc);
    }
}

static void sb_country_zh(sb *s, const char *cc)
{
    const char *n = hc_country_name_zh(cc);
    sb_s(s, n ? n : cc);
}

/* The common ending: ": red until 2020-02-04 00:00." */
static void end_en_if(sb *s, hc_colour c, bool holds, hc_day until, bool daily)
{
    sb_s(s, ": ");
    sb_s(s, hc_colour_name(c));
    if (until == HC_DAY_NONE) {
        sb_s(s, " while the status holds.");
        return;
    }
    sb_s(s, " until ");
    sb_day(s, until);
    sb_s(s, !holds ? " 00:00 (ended)." : daily ? " 00:00 with a normal check-in every day." : " 00:00.");
}

static void end_en(sb *s, hc_colour c, bool holds, hc_day until) { end_en_if(s, c, holds, until, false); }

static void end_zh_if(sb *s, hc_colour c, bool holds, hc_day until, bool daily)
{
    sb_s(s, "：");
    sb_s(s, colour_zh[c]);
    if (until == HC_DAY_NONE) {
        sb_s(s, "，直至该状态解除。");
        return;
    }
    sb_s(s, "至");
    sb_day(s, until);
    sb_s(s, !holds ? " 00:00（已结束）。" : daily ? " 00:00（须每天正常打卡）。" : " 00:00。");
}

static void end_zh(sb *s, hc_colour c, bool holds, hc_day until) { end_zh_if(s, c, holds, until, false); }

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
        sb e, z;
        sb_init(&e, rs->en, sizeof rs->en);
        sb_init(&z, rs->zh, sizeof rs->zh);
        sb_s(&e, "Stayed in ");
        if (st->region) {
            sb_s(&e, "region ");
            sb_code6(&e, st->region);
            sb_s(&e, " (");
            sb_s(&e, level_en[lv]);
            sb_s(&e, " risk");
            if (matched != st->region) {
                sb_s(&e, " as part of ");
                sb_code6(&e, matched);
            }
            sb_s(&e, ")");
        } else {
            const char *n = hc_country_name_en(st->country);
            sb_s(&e, n ? n : st->country);
            sb_s(&e, " (");
            sb_s(&e, st->country);
            sb_s(&e, ", ");
            sb_s(&e, level_en[lv]);
            sb_s(&e, " risk)");
        }
        sb_s(&e, " from ");
        sb_day(&e, st->from);
        sb_s(&e, " to ");
        sb_day(&e, st->to);
        end_en(&e, rs->colour, rs->holds, rs->until);

        sb_day(&z, st->from);
        sb_s(&z, "至");
        sb_day(&z, st->to);
        sb_s(&z, "在");
        sb_place_zh(&z, st);
        sb_s(&z, "（");
        if (st->region) {
            sb_code6(&z, st->region);
            sb_s(&z, "，");
            if (matched != st->region) {
                sb_s(&z, "所属");
                sb_code6(&z, matched);
                sb_s(&z, "为");
            }
        } else {
            sb_s(&z, st->country);
            sb_s(&z, "，");
        }
        sb_s(&z, level_zh[lv]);
        sb_s(&z, "地区）停留");
        end_zh(&z, rs->colour, rs->holds, rs->until);
    }
}

static void contact_triggers(actx *c)
{
    const hc_record *r = c->r;
    sb e, z;
    hc_reason *rs;
    switch (r->contact) {
    case HC_CONTACT_CONFIRMED:
    case HC_CONTACT_SUSPECTED:
    case HC_CONTACT_ASYMPTOMATIC: {
        static const char *const en[] = {"a confirmed case", "a suspected case", "an asymptomatic infection"};
        static const char *const zh[] = {"确诊病例", "疑似病例", "无症状感染者"};
        int k = r->contact == HC_CONTACT_CONFIRMED ? 0 : r->contact == HC_CONTACT_SUSPECTED ? 1 : 2;
        rs = add_trigger(c, hc_trigger_name(HC_TRIG_CASE), c->p->trigger[HC_TRIG_CASE].colour,
                         HC_DAY_NONE, HC_DAY_NONE, true);
        if (!rs)
            return;
        hc_strlcpy(rs->field, "contact.status", sizeof rs->field);
        sb_init(&e, rs->en, sizeof rs->en);
        sb_init(&z, rs->zh, sizeof rs->zh);
        sb_s(&e, "Recorded as ");
        sb_s(&e, en[k]);
        end_en(&e, rs->colour, true, HC_DAY_NONE);
        sb_s(&z, "登记为");
        sb_s(&z, zh[k]);
        end_zh(&z, rs->colour, true, HC_DAY_NONE);
        return;
    }
    case HC_CONTACT_RECOVERED:
        rs = add_dated(c, HC_TRIG_RECOVERED, r->discharged, NULL);
        if (!rs)
            return;
        hc_strlcpy(rs->field, "contact.discharged", sizeof rs->field);
        sb_init(&e, rs->en, sizeof rs->en);
        sb_init(&z, rs->zh, sizeof rs->zh);
        sb_s(&e, "Recovered and discharged from hospital on ");
        sb_day(&e, r->discharged);
        end_en(&e, rs->colour, rs->holds, rs->until);
        sb_s(&z, "已治愈，于");
        sb_day(&z, r->discharged);
        sb_s(&z, "出院");
        end_zh(&z, rs->colour, rs->holds, rs->until);
        return;
    case HC_CONTACT_CLOSE:
    case HC_CONTACT_SECONDARY: {
        bool close = r->contact == HC_CONTACT_CLOSE;
        rs = add_dated(c, close ? HC_TRIG_CLOSE_CONTACT : HC_TRIG_SECONDARY_CONTACT, r->last_contact, NULL);
        if (!rs)
            return;
        hc_strlcpy(rs->field, "contact.last_contact", sizeof rs->field);
        sb_init(&e, rs->en, sizeof rs->en);
        sb_init(&z, rs->zh, sizeof rs->zh);
        sb_s(&e, close ? "Close contact of a case, last contact on "
                       : "Contact of a close contact, last contact on ");
        sb_day(&e, r->last_contact);
        end_en(&e, rs->colour, rs->holds, rs->until);
        sb_s(&z, close ? "为密切接触者，最后接触于" : "为密切接触者的接触者，最后接触于");
        sb_day(&z, r->last_contact);
        end_zh(&z, rs->colour, rs->holds, rs->until);
        return;
    }
    case HC_CONTACT_NONE:
        return;
    }
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
    sb e, z;
    sb_init(&e, rs->en, sizeof rs->en);
    sb_init(&z, rs->zh, sizeof rs->zh);
    sb_s(&e, "Entered China from ");
    sb_country_en(&e, r->entry_from);
    sb_s(&e, " on ");
    sb_day(&e, r->entry_date);
    end_en(&e, rs->colour, rs->holds, rs->until);
    sb_day(&z, r->entry_date);
    sb_s(&z, "自");
    sb_country_zh(&z, r->entry_from);
    sb_s(&z, "（");
    sb_s(&z, r->entry_from);
    sb_s(&z, "）入境");
    end_zh(&z, rs->colour, rs->holds, rs->until);
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
    const hc_record *r = c->r;
    hc_strlcpy(rs->field, symptom_field, sizeof rs->field);
    sb e, z;
    sb_init(&e, rs->en, sizeof rs->en);
    sb_init(&z, rs->zh, sizeof rs->zh);
    sb_s(&e, "Symptoms on ");
    sb_day(&e, s);
    sb_s(&e, " during a yellow-code exposure (");
    sb_day(&z, s);
    sb_s(&z, "出现症状时处于黄码风险期（");
    if (x.kind == 1) {
        const hc_stay *st = &r->travel[x.index];
        sb_s(&e, "stay in ");
        if (st->region) {
            sb_s(&e, "region ");
            sb_code6(&e, st->region);
        } else {
            sb_s(&e, st->country);
        }
        sb_s(&e, ", ");
        sb_s(&e, level_en[x.level]);
        sb_s(&e, " risk, until ");
        sb_day(&e, st->to);
        sb_s(&z, "在");
        sb_place_zh(&z, st);
        sb_s(&z, "（");
        sb_s(&z, level_zh[x.level]);
        sb_s(&z, "地区）停留至");
        sb_day(&z, st->to);
    } else if (x.kind == 2) {
        bool close = r->contact == HC_CONTACT_CLOSE;
        sb_s(&e, close ? "close contact" : "contact of a close contact");
        sb_s(&e, ", last contact on ");
        sb_day(&e, r->last_contact);
        sb_s(&z, close ? "密切接触者" : "密切接触者的接触者");
        sb_s(&z, "，最后接触于");
        sb_day(&z, r->last_contact);
    } else {
        sb_s(&e, "entry from ");
        sb_s(&e, r->entry_from);
        sb_s(&e, " on ");
        sb_day(&e, r->entry_date);
        sb_day(&z, r->entry_date);
        sb_s(&z, "自");
        sb_country_zh(&z, r->entry_from);
        sb_s(&z, "入境");
    }
    sb_s(&e, ")");
    sb_s(&z, "）");
    end_en(&e, rs->colour, rs->holds, rs->until);
    end_zh(&z, rs->colour, rs->holds, rs->until);
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
        sb e, z;
        sb_init(&e, rs->en, sizeof rs->en);
        sb_init(&z, rs->zh, sizeof rs->zh);
        /* "Declared fever, cough and a temperature of 37.8 °C on 2020-02-05" */
        unsigned n = 0, total = (unsigned)__builtin_popcount(r->symptoms) + (fever ? 1u : 0u);
        sb_s(&e, "Declared ");
        sb_day(&z, d);
        sb_s(&z, "健康申报");
        if (r->symptoms)
            sb_s(&z, "症状为");
        for (size_t i = 0; i < sizeof symptom_words / sizeof symptom_words[0]; i++) {
            if (!(r->symptoms & symptom_words[i].bit))
                continue;
            if (n > 0) {
                sb_s(&e, n + 1 == total ? " and " : ", ");
                sb_s(&z, "、");
            }
            sb_s(&e, symptom_words[i].en);
            sb_s(&z, symptom_words[i].zh);
            n++;
        }
        if (fever) {
            if (n > 0) {
                sb_s(&e, " and ");
                sb_s(&z, "，");
            }
            sb_s(&e, "a temperature of ");
            sb_temp(&e, r->declared_temperature_c);
            sb_s(&e, " °C");
            sb_s(&z, "体温");
            sb_temp(&z, r->declared_temperature_c);
            sb_s(&z, "°C");
        }
        sb_s(&e, " on ");
        sb_day(&e, d);
        end_en(&e, rs->colour, rs->holds, rs->until);
        end_zh(&z, rs->colour, rs->holds, rs->until);
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
            sb e, z;
            sb_init(&e, rs->en, sizeof rs->en);
            sb_init(&z, rs->zh, sizeof rs->zh);
            sb_s(&e, "Check-in on ");
            sb_day(&e, k->date);
            sb_day(&z, k->date);
            sb_s(&z, "健康打卡");
            if (!k->normal) {
                sb_s(&e, " reported feeling unwell");
                sb_s(&z, "报告身体异常");
            }
            if (fever) {
                sb_s(&e, k->normal ? " recorded a temperature of " : " with a temperature of ");
                sb_temp(&e, k->temperature_c);
                sb_s(&e, " °C");
                sb_s(&z, k->normal ? "体温" : "，体温");
                sb_temp(&z, k->temperature_c);
                sb_s(&z, "°C");
            }
            end_en(&e, rs->colour, rs->holds, rs->until);
            end_zh(&z, rs->colour, rs->holds, rs->until);
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

/* A previous red or yellow holds until a run of `need` consecutive calendar
 * days, each with a check-in and none abnormal, all after since. Finds the
 * day the first such run completes, or — if none has — the day it would
 * complete with a normal check-in every day from today on. */
static hc_err previous_rule(actx *c)
{
    const hc_record *r = c->r;
    const hc_policy *p = c->p;
    if (!r->has_previous || r->previous == HC_GREEN)
        return HC_OK;
    hc_colour col = r->previous;
    int32_t need = col == HC_RED ? p->run_red : p->run_yellow;
    hc_day since = r->previous_since;

    dayflag stack[CHECKIN_STACK], *days = stack;
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
        days[n].abnormal = !k->normal || checkin_fever(p, k);
        if (n > 0 && days[n].day < days[n - 1].day)
            sorted = false;
        n++;
    }
    if (!sorted)
        qsort(days, n, sizeof *days, dayflag_cmp);

    /* Walk the days in order; a day is normal when every check-in on it is. */
    hc_day run_start = HC_DAY_NONE, run_end = HC_DAY_NONE, done_day = HC_DAY_NONE;
    hc_day today_state_day = HC_DAY_NONE;
    bool today_abnormal = false;
    for (size_t i = 0; i < n && done_day == HC_DAY_NONE;) {
        hc_day d = days[i].day;
        bool abnormal = false;
        for (; i < n && days[i].day == d; i++)
            abnormal |= days[i].abnormal;
        if (d == c->today) {
            today_state_day = d;
            today_abnormal = abnormal;
        }
        if (abnormal) {
            run_start = run_end = HC_DAY_NONE;
            continue;
        }
        if (run_end != HC_DAY_NONE && d == run_end + 1)
            run_end = d;
        else
            run_start = run_end = d;
        if (run_end - run_start + 1 >= need)
            done_day = run_end;
    }

    bool holds = done_day == HC_DAY_NONE;
    hc_day until, run_len = 0;
    if (!holds) {
        until = done_day;
    } else if (today_state_day != HC_DAY_NONE && today_abnormal) {
        until = c->today + need;   /* the run starts again tomorrow */
    } else if (run_end != HC_DAY_NONE && (run_end == c->today || run_end == c->today - 1)) {
        /* the current run continues (today's check-in still to come if it ends yesterday) */
        until = run_start + need - 1;
        run_len = run_end - run_start + 1;
    } else {
        /* a fresh run from today, or from the day after since */
        hc_day start = c->today > since ? c->today : since + 1;
        until = start + need - 1;
    }
    if (days != stack)
        free(days);

    if (holds) {
        note_holder(c, col, until);   /* until may be today: today's check-in completes the run */
    }
    hc_reason *rs = add_trigger(c, "previous_colour", col, since, until, holds);
    if (!rs)
        return HC_OK;
    hc_strlcpy(rs->field, "previous.colour", sizeof rs->field);
    sb e, z;
    sb_init(&e, rs->en, sizeof rs->en);
    sb_init(&z, rs->zh, sizeof rs->zh);
    const char *cn = hc_colour_name(col);
    if (!holds) {
        /* "The red code of 2020-01-22 has ended: 14 consecutive days of … were completed on …" */
        sb_s(&e, "The ");
        sb_s(&e, cn);
        sb_s(&e, " code of ");
        sb_day(&e, since);
        sb_s(&e, " has ended: ");
        sb_u(&e, (unsigned long)need);
        sb_s(&e, " consecutive days of normal check-ins after that date were completed on ");
        sb_day(&e, done_day);
        sb_s(&e, ".");
        sb_day(&z, since);
        sb_s(&z, "起的");
        sb_s(&z, colour_zh[col]);
        sb_s(&z, "已解除：此后连续");
        sb_u(&z, (unsigned long)need);
        sb_s(&z, "天健康打卡正常，于");
        sb_day(&z, done_day);
        sb_s(&z, "完成。");
        return HC_OK;
    }
    sb_s(&e, "The code has been ");
    sb_s(&e, cn);
    sb_s(&e, " since ");
    sb_day(&e, since);
    sb_s(&e, " and stays ");
    sb_s(&e, cn);
    sb_s(&e, " until ");
    sb_u(&e, (unsigned long)need);
    sb_s(&e, " consecutive days of normal check-ins after that date (");
    sb_u(&e, (unsigned long)run_len);
    sb_s(&e, " so far)");
    end_en_if(&e, col, true, until, true);
    sb_s(&z, "自");
    sb_day(&z, since);
    sb_s(&z, "起为");
    sb_s(&z, colour_zh[col]);
    sb_s(&z, "，须此后连续");
    sb_u(&z, (unsigned long)need);
    sb_s(&z, "天健康打卡正常方可转码（已连续");
    sb_u(&z, (unsigned long)run_len);
    sb_s(&z, "天）");
    end_zh_if(&z, col, true, until, true);
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

/* assess_text.c — the sentences of an assessment's reasons, in Chinese and in
 * English (doc/architecture.md "Default policy"); assess.c decides which
 * reasons there are. Bounded builders, no allocation, no snprintf. */
#include "assess_text_impl.h"
#include "regions_impl.h"
#include "strbuf_impl.h"

#include <stdarg.h>

/* A region code as its six digits. */
static void sb_code6(sb *s, uint32_t code)
{
    char t[6];
    for (int i = 5; i >= 0; i--) {
        t[i] = (char)('0' + code % 10);
        code /= 10;
    }
    sb_mem(s, t, 6);
}

/* A day as YYYY-MM-DD. */
static void sb_day(sb *s, hc_day d)
{
    char t[11];
    hc_clock_format_day(d, t);
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

/* Appends tpl with its directives filled from the arguments, in order, so
 * that a sentence reads as one line:
 *   %s  a string                %D  an hc_day, YYYY-MM-DD
 *   %u  an unsigned long        %C  a region code (uint32_t), six digits
 *   %T  a temperature (double), one decimal
 * Every directive has its bounded builder above; nothing else follows a %. */
static void sb_f(sb *s, const char *tpl, ...)
{
    va_list ap;
    va_start(ap, tpl);
    for (const char *p = tpl; *p;) {
        const char *pct = strchr(p, '%');
        size_t n = pct ? (size_t)(pct - p) : strlen(p);
        sb_mem(s, p, n);
        if (!pct)
            break;
        switch (pct[1]) {
        case 's': sb_s(s, va_arg(ap, const char *)); break;
        case 'D': sb_day(s, va_arg(ap, hc_day)); break;
        case 'u': sb_u(s, va_arg(ap, unsigned long)); break;
        case 'C': sb_code6(s, va_arg(ap, uint32_t)); break;
        default: sb_temp(s, va_arg(ap, double)); break;   /* %T */
        }
        p = pct + 2;
    }
    va_end(ap);
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

/* The place of a stay, in words: a region by the name it had at the end of
 * the stay (330103 → 浙江省杭州市下城区, retired in 2021). */
static void sb_place_zh(sb *s, const hc_stay *st)
{
    if (st->region) {
        char name[192];
        const char *n = hc_region_name_zh(st->region, st->to, name, sizeof name);
        if (n)
            sb_s(s, n);
        else
            sb_code6(s, st->region);
    } else {
        const char *n = hc_country_name_zh(st->country);
        sb_s(s, n ? n : st->country);
    }
}

/* A region in English: "region 420100"; a code retired since is followed by
 * the name it had then, which today's lists no longer give ("region 330103
 * 浙江省杭州市下城区"). */
static void sb_region_en(sb *s, const hc_stay *st)
{
    sb_s(s, "region ");
    sb_code6(s, st->region);
    char name[192];
    if (hc_region_retired(st->region) && hc_region_name_zh(st->region, st->to, name, sizeof name)) {
        sb_s(s, " ");
        sb_s(s, name);
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

/* The words of a sentence's ending, in one language. */
typedef struct {
    const char *colon, *while_holds, *until, *ended, *daily, *plain;
} ending_words;

static const ending_words ending_en = {": ", " while the status holds.", " until ", " 00:00 (ended).",
                                       " 00:00 with a normal check-in every day.", " 00:00."};
static const ending_words ending_zh = {"：", "，直至该状态解除。", "至", " 00:00（已结束）。",
                                       " 00:00（须每天正常打卡）。", " 00:00。"};

/* The common ending in w's language, colour being the colour's name in it:
 * ": red until 2020-02-04 00:00." */
static void end_if(sb *s, const ending_words *w, const char *colour, bool holds, hc_day until,
                   bool daily)
{
    sb_s(s, w->colon);
    sb_s(s, colour);
    if (until == HC_DAY_NONE) {
        sb_s(s, w->while_holds);
        return;
    }
    sb_s(s, w->until);
    sb_day(s, until);
    sb_s(s, !holds ? w->ended : daily ? w->daily : w->plain);
}

static void end_en_if(sb *s, hc_colour c, bool holds, hc_day until, bool daily)
{
    end_if(s, &ending_en, hc_colour_name(c), holds, until, daily);
}

static void end_zh_if(sb *s, hc_colour c, bool holds, hc_day until, bool daily)
{
    end_if(s, &ending_zh, colour_zh[c], holds, until, daily);
}

/* The ending of rs itself. */
static void end_en(sb *s, const hc_reason *rs) { end_en_if(s, rs->colour, rs->holds, rs->until, false); }

static void end_zh(sb *s, const hc_reason *rs) { end_zh_if(s, rs->colour, rs->holds, rs->until, false); }

/* Starts both sentences of rs. */
static void texts(hc_reason *rs, sb *e, sb *z)
{
    sb_init(e, rs->en, sizeof rs->en);
    sb_init(z, rs->zh, sizeof rs->zh);
}

/* The commonest sentence (one a stay in a risk area) is built piece by piece:
 * constant pieces cost a few moves each, where a template costs a call. */
void hc_assess_text_stay(hc_reason *rs, const hc_stay *st, hc_risk_level lv, uint32_t matched)
{
    sb e, z;
    texts(rs, &e, &z);
    sb_s(&e, "Stayed in ");
    bool part = st->region && matched != st->region;   /* matched a larger division */
    if (st->region) {
        sb_region_en(&e, st);
        sb_s(&e, " (");
        sb_s(&e, level_en[lv]);
        sb_s(&e, part ? " risk as part of " : " risk)");
        if (part) {
            sb_code6(&e, matched);
            sb_s(&e, ")");
        }
    } else {
        const char *n = hc_country_name_en(st->country);
        sb_f(&e, "%s (%s, %s risk)", n ? n : st->country, st->country, level_en[lv]);
    }
    sb_s(&e, " from ");
    sb_day(&e, st->from);
    sb_s(&e, " to ");
    sb_day(&e, st->to);
    end_en(&e, rs);

    sb_day(&z, st->from);
    sb_s(&z, "至");
    sb_day(&z, st->to);
    sb_s(&z, "在");
    sb_place_zh(&z, st);
    if (!st->region) {
        sb_f(&z, "（%s，", st->country);
    } else {
        sb_s(&z, "（");
        sb_code6(&z, st->region);
        sb_s(&z, part ? "，所属" : "，");
        if (part) {
            sb_code6(&z, matched);
            sb_s(&z, "为");
        }
    }
    sb_s(&z, level_zh[lv]);
    sb_s(&z, "地区）停留");
    end_zh(&z, rs);
}

void hc_assess_text_contact(hc_reason *rs, const hc_record *r)
{
    sb e, z;
    texts(rs, &e, &z);
    switch (r->contact) {
    case HC_CONTACT_CONFIRMED:
    case HC_CONTACT_SUSPECTED:
    case HC_CONTACT_ASYMPTOMATIC: {
        static const char *const en[] = {"a confirmed case", "a suspected case", "an asymptomatic infection"};
        static const char *const zh[] = {"确诊病例", "疑似病例", "无症状感染者"};
        int k = r->contact == HC_CONTACT_CONFIRMED ? 0 : r->contact == HC_CONTACT_SUSPECTED ? 1 : 2;
        sb_f(&e, "Recorded as %s", en[k]);
        sb_f(&z, "登记为%s", zh[k]);
        break;
    }
    case HC_CONTACT_RECOVERED:
        sb_f(&e, "Recovered and discharged from hospital on %D", r->discharged);
        sb_f(&z, "已治愈，于%D出院", r->discharged);
        break;
    case HC_CONTACT_CLOSE:
    case HC_CONTACT_SECONDARY: {
        bool close = r->contact == HC_CONTACT_CLOSE;
        sb_f(&e, "%s, last contact on %D", close ? "Close contact of a case" : "Contact of a close contact",
             r->last_contact);
        sb_f(&z, "%s，最后接触于%D", close ? "为密切接触者" : "为密切接触者的接触者", r->last_contact);
        break;
    }
    case HC_CONTACT_NONE:
        return;
    }
    end_en(&e, rs);
    end_zh(&z, rs);
}

void hc_assess_text_entry(hc_reason *rs, const hc_record *r)
{
    sb e, z;
    texts(rs, &e, &z);
    sb_s(&e, "Entered China from ");
    sb_country_en(&e, r->entry_from);
    sb_f(&e, " on %D", r->entry_date);
    end_en(&e, rs);
    sb_f(&z, "%D自", r->entry_date);
    sb_country_zh(&z, r->entry_from);
    sb_f(&z, "（%s）入境", r->entry_from);
    end_zh(&z, rs);
}

void hc_assess_text_exposure(hc_reason *rs, const hc_record *r, hc_day s, int kind, size_t index,
                             hc_risk_level lv)
{
    sb e, z;
    texts(rs, &e, &z);
    sb_f(&e, "Symptoms on %D during a yellow-code exposure (", s);
    sb_f(&z, "%D出现症状时处于黄码风险期（", s);
    if (kind == 1) {
        const hc_stay *st = &r->travel[index];
        sb_s(&e, "stay in ");
        if (st->region)
            sb_region_en(&e, st);
        else
            sb_s(&e, st->country);
        sb_f(&e, ", %s risk, until %D", level_en[lv], st->to);
        sb_s(&z, "在");
        sb_place_zh(&z, st);
        sb_f(&z, "（%s地区）停留至%D", level_zh[lv], st->to);
    } else if (kind == 2) {
        bool close = r->contact == HC_CONTACT_CLOSE;
        sb_f(&e, "%s, last contact on %D", close ? "close contact" : "contact of a close contact",
             r->last_contact);
        sb_f(&z, "%s，最后接触于%D", close ? "密切接触者" : "密切接触者的接触者", r->last_contact);
    } else {
        sb_f(&e, "entry from %s on %D", r->entry_from, r->entry_date);
        sb_f(&z, "%D自", r->entry_date);
        sb_country_zh(&z, r->entry_from);
        sb_s(&z, "入境");
    }
    sb_s(&e, ")");
    sb_s(&z, "）");
    end_en(&e, rs);
    end_zh(&z, rs);
}

/* "Declared fever, cough and a temperature of 37.8 °C on 2020-02-05" */
void hc_assess_text_declaration(hc_reason *rs, const hc_record *r, hc_day d, bool fever)
{
    sb e, z;
    texts(rs, &e, &z);
    unsigned n = 0, total = (unsigned)__builtin_popcount(r->symptoms) + (fever ? 1u : 0u);
    sb_s(&e, "Declared ");
    sb_f(&z, "%D健康申报%s", d, r->symptoms ? "症状为" : "");
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
        sb_f(&e, "%sa temperature of %T °C", n > 0 ? " and " : "", r->declared_temperature_c);
        sb_f(&z, "%s体温%T°C", n > 0 ? "，" : "", r->declared_temperature_c);
    }
    sb_f(&e, " on %D", d);
    end_en(&e, rs);
    end_zh(&z, rs);
}

void hc_assess_text_checkin(hc_reason *rs, const hc_checkin *k, bool fever)
{
    sb e, z;
    texts(rs, &e, &z);
    sb_f(&e, "Check-in on %D%s", k->date, k->normal ? "" : " reported feeling unwell");
    sb_f(&z, "%D健康打卡%s", k->date, k->normal ? "" : "报告身体异常");
    if (fever) {
        sb_f(&e, "%s%T °C", k->normal ? " recorded a temperature of " : " with a temperature of ",
             k->temperature_c);
        sb_f(&z, "%s%T°C", k->normal ? "体温" : "，体温", k->temperature_c);
    }
    end_en(&e, rs);
    end_zh(&z, rs);
}

/* The held code's English sentence piece by piece (it is in most
 * assessments of a batch); the others from templates. */
void hc_assess_text_previous(hc_reason *rs, hc_day since, int32_t need, hc_day done_day,
                             hc_day run_len)
{
    sb e, z;
    texts(rs, &e, &z);
    hc_colour col = rs->colour;
    const char *cn = hc_colour_name(col);
    if (!rs->holds) {
        /* "The red code of 2020-01-22 has ended: 14 consecutive days of … were completed on …" */
        sb_f(&e, "The %s code of %D has ended: %u consecutive days of normal check-ins after that "
             "date were completed on %D.", cn, since, (unsigned long)need, done_day);
        sb_f(&z, "%D起的%s已解除：此后连续%u天健康打卡正常，于%D完成。", since, colour_zh[col],
             (unsigned long)need, done_day);
        return;
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
    end_en_if(&e, col, true, rs->until, true);
    sb_f(&z, "自%D起为%s，须此后连续%u天健康打卡正常方可转码（已连续%u天）", since, colour_zh[col],
         (unsigned long)need, (unsigned long)run_len);
    end_zh_if(&z, col, true, rs->until, true);
}

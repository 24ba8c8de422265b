/*
 * checkpoint.c — the venue's decision on a verified token.
 *
 * The checks run in this order, and the first that fails is the reason given:
 *   1. fever    — an on-site temperature at or above rules->fever_c, whatever
 *                 the colour: the one reason staff must act on (send the
 *                 person to a fever clinic), so it is shown even on a red code;
 *   2. colour   — the token's colour is not one the venue admits;
 *   3. too_old  — rules->max_age_s > 0 and the code was issued more than that
 *                 many seconds before now (a screenshot of an old code);
 *   4. not_live — a code bound to a phone shown as a plain token where the
 *                 venue requires live codes (a copied code, a screenshot);
 *      unbound  — a paper code where the venue refuses them;
 *   5. repeat   — the same cti admitted here within the live window (with a
 *                 repeat memory: hc_checkpoint_decide_repeats).
 * Otherwise the person is admitted: "check_id" (a paper code: the staff
 * compare an ID document, which is how someone without a phone still gets
 * through a hospital door), "admitted_not_live" (a bound code shown plain
 * where live codes are preferred), or "admitted".
 */
#include "internal.h"
#include <healthcode/checkpoint.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A reading that prints as the threshold is at the threshold: 37.3 typed by
 * hand and 37.3 from a JSON file may differ in the last bit after arithmetic. */
#define HC_FEVER_EPSILON 1e-6

/* snprintf that never leaves half a UTF-8 character at the end when it has
 * to truncate (the zh messages are 3 bytes a character). */
static void set_msg(char *dst, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_msg(char *dst, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(dst, cap, fmt, ap);
    va_end(ap);
    if (n < 0) {
        dst[0] = '\0';
        return;
    }
    if ((size_t)n < cap)
        return;
    size_t end = cap - 1;
    while (end > 0 && ((unsigned char)dst[end] & 0xC0) == 0x80)
        end--;  /* end is now on the lead byte of the cut character */
    dst[end] = '\0';
}

/* "5 minutes" / "5 分钟": whole hours or minutes when exact or long enough
 * to round down without misleading, seconds otherwise. */
static void duration_text(int64_t s, char *en, size_t en_cap, char *zh, size_t zh_cap)
{
    long long v = (long long)s;
    if (s >= 7200 || (s >= 3600 && s % 3600 == 0)) {
        snprintf(en, en_cap, "%lld hour%s", v / 3600, v / 3600 == 1 ? "" : "s");
        snprintf(zh, zh_cap, "%lld 小时", v / 3600);
    } else if (s >= 120 || (s >= 60 && s % 60 == 0)) {
        snprintf(en, en_cap, "%lld minute%s", v / 60, v / 60 == 1 ? "" : "s");
        snprintf(zh, zh_cap, "%lld 分钟", v / 60);
    } else {
        snprintf(en, en_cap, "%lld second%s", v, v == 1 ? "" : "s");
        snprintf(zh, zh_cap, "%lld 秒", v);
    }
}

static const char *const zh_colour[3] = {"绿码", "黄码", "红码"};

/* "green", "green or yellow", … and the zh equivalent. */
static void admitted_text(const hc_venue_rules *rules, char *en, size_t en_cap, char *zh, size_t zh_cap)
{
    en[0] = zh[0] = '\0';
    size_t k = 0;
    for (int c = 0; c < 3; c++) {
        if (!rules->admit[c])
            continue;
        size_t el = strlen(en), zl = strlen(zh);
        snprintf(en + el, en_cap - el, "%s%s", k ? " or " : "", hc_colour_name((hc_colour)c));
        snprintf(zh + zl, zh_cap - zl, "%s%s", k ? "或" : "", zh_colour[c]);
        k++;
    }
    if (k == 0) {
        snprintf(en, en_cap, "no colour");
        snprintf(zh, zh_cap, "任何颜色的健康码");
    }
}

/* Step 4: the binding rules. true when they deny (out filled); *admit_code
 * the code an admission will carry. */
static bool binding_denies(const hc_claims *c, const hc_venue_rules *rules, unsigned col,
                           hc_decision *out, const char **admit_code)
{
    *admit_code = "admitted";
    if (!c->bound && rules->unbound == HC_UNBOUND_REFUSE) {
        hc_strlcpy(out->code, "unbound", sizeof out->code);
        set_msg(out->zh, sizeof out->zh, "禁止入内：本场所只接受绑定手机、实时出示的健康码，纸质码不可用");
        set_msg(out->en, sizeof out->en,
                "Denied: this venue accepts only codes bound to a phone and shown live; no paper codes");
        return true;
    }
    if (c->bound && !c->live && rules->live == HC_LIVE_REQUIRED) {
        hc_strlcpy(out->code, "not_live", sizeof out->code);
        set_msg(out->zh, sizeof out->zh, "禁止入内：%s未实时出示，请在手机应用中出示动态码（截图或复制的码无效）",
                zh_colour[col]);
        set_msg(out->en, sizeof out->en,
                "Denied: %s code not shown live; show the live code in the phone's app (no screenshots or copies)",
                hc_colour_name((hc_colour)col));
        return true;
    }
    if (!c->bound && rules->unbound == HC_UNBOUND_CHECK_ID)
        *admit_code = "check_id";
    else if (c->bound && !c->live && rules->live == HC_LIVE_PREFERRED)
        *admit_code = "admitted_not_live";
    return false;
}

/* The admission's sentences for its code. */
static void admitted(const char *code, unsigned col, hc_decision *out)
{
    out->verdict = HC_ADMIT;
    hc_strlcpy(out->code, code, sizeof out->code);
    const char *zh = zh_colour[col], *en = hc_colour_name((hc_colour)col);
    if (strcmp(code, "check_id") == 0) {
        set_msg(out->zh, sizeof out->zh, "准予进入：%s（纸质码）。请核对身份证件与码上的姓名和证件号", zh);
        set_msg(out->en, sizeof out->en,
                "Admitted: %s paper code; compare an ID document with the name and number on the code", en);
    } else if (strcmp(code, "admitted_not_live") == 0) {
        set_msg(out->zh, sizeof out->zh, "准予进入：%s（未实时出示，请提醒出示动态码）", zh);
        set_msg(out->en, sizeof out->en, "Admitted: %s code, not shown live; ask for the live code", en);
    } else {
        set_msg(out->zh, sizeof out->zh, "准予进入：%s", zh);
        set_msg(out->en, sizeof out->en, "Admitted: %s code", en);
    }
}

hc_err hc_checkpoint_decide(const hc_claims *claims, const hc_venue_rules *rules, int64_t now,
                            double temperature_c, hc_decision *out)
{
    return hc_checkpoint_decide_repeats(claims, rules, now, temperature_c, NULL, out);
}

hc_err hc_checkpoint_decide_repeats(const hc_claims *claims, const hc_venue_rules *rules,
                                    int64_t now, double temperature_c, hc_repeats *repeats,
                                    hc_decision *out)
{
    if (!out)
        return HC_E_ARG;
    memset(out, 0, sizeof *out);
    out->verdict = HC_DENY;
    if (!claims || !rules || !claims->claims_ok || (unsigned)claims->colour > HC_RED ||
        isnan(rules->fever_c) || rules->max_age_s < 0 || (unsigned)rules->live > HC_LIVE_REQUIRED ||
        (unsigned)rules->unbound > HC_UNBOUND_REFUSE)
        return HC_E_ARG;

    const unsigned col = (unsigned)claims->colour;
    if (!isnan(temperature_c) && temperature_c >= rules->fever_c - HC_FEVER_EPSILON) {
        hc_strlcpy(out->code, "fever", sizeof out->code);
        set_msg(out->zh, sizeof out->zh, "禁止入内：体温 %.1f °C，达到或超过 %.1f °C，请前往发热门诊",
                temperature_c, rules->fever_c);
        set_msg(out->en, sizeof out->en,
                "Denied: temperature %.1f °C is at or above %.1f °C; please go to a fever clinic",
                temperature_c, rules->fever_c);
        return HC_OK;
    }
    if (!rules->admit[col]) {
        char en[48], zh[48];
        admitted_text(rules, en, sizeof en, zh, sizeof zh);
        hc_strlcpy(out->code, "colour", sizeof out->code);
        set_msg(out->zh, sizeof out->zh, "禁止入内：%s，本场所只允许%s进入", zh_colour[col], zh);
        set_msg(out->en, sizeof out->en, "Denied: %s code; this venue admits %s only",
                hc_colour_name((hc_colour)col), en);
        return HC_OK;
    }
    /* now - iat without overflow: both are within int64 but may be far apart */
    if (rules->max_age_s > 0 && now > claims->iat &&
        (uint64_t)now - (uint64_t)claims->iat > (uint64_t)rules->max_age_s) {
        uint64_t age = (uint64_t)now - (uint64_t)claims->iat;
        char age_en[32], age_zh[32], max_en[32], max_zh[32];
        duration_text(age > INT64_MAX ? INT64_MAX : (int64_t)age, age_en, sizeof age_en, age_zh,
                      sizeof age_zh);
        duration_text(rules->max_age_s, max_en, sizeof max_en, max_zh, sizeof max_zh);
        hc_strlcpy(out->code, "too_old", sizeof out->code);
        set_msg(out->zh, sizeof out->zh, "禁止入内：健康码签发于 %s前，本场所要求 %s内签发（截图无效）",
                age_zh, max_zh);
        set_msg(out->en, sizeof out->en,
                "Denied: code issued %s ago; this venue needs one issued within %s (no screenshots)",
                age_en, max_en);
        return HC_OK;
    }
    const char *code;
    if (binding_denies(claims, rules, col, out, &code))
        return HC_OK;
    int64_t then = 0;
    if (repeats && hc_repeats_seen(repeats, claims->cti, now, &then)) {
        char ago_en[32], ago_zh[32];
        uint64_t ago = now > then ? (uint64_t)now - (uint64_t)then : (uint64_t)then - (uint64_t)now;
        duration_text(ago > INT64_MAX ? INT64_MAX : (int64_t)ago, ago_en, sizeof ago_en, ago_zh,
                      sizeof ago_zh);
        hc_strlcpy(out->code, "repeat", sizeof out->code);
        set_msg(out->zh, sizeof out->zh, "禁止入内：此码 %s前已在此通过（可能是转发的截图），请核对本人", ago_zh);
        set_msg(out->en, sizeof out->en,
                "Denied: this code was admitted here %s ago (a screenshot passed back?); check the person",
                ago_en);
        return HC_OK;
    }
    if (repeats && hc_repeats_note(repeats, claims->cti, now) != HC_OK)
        return HC_E_ARG;
    admitted(code, col, out);
    return HC_OK;
}

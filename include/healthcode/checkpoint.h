/*
 * healthcode/checkpoint.h — the venue's decision on a verified token.
 *
 * A venue admits some colours (default: green only), may demand a code issued
 * within the last N seconds (a screenshot of an old code fails), and denies
 * anyone whose on-site temperature is at or above its threshold (37.3 °C by
 * default) whatever the colour.
 */
#ifndef HEALTHCODE_CHECKPOINT_H
#define HEALTHCODE_CHECKPOINT_H

#include <healthcode/common.h>
#include <healthcode/verify.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    bool admit[3];            /* indexed by hc_colour */
    int64_t max_age_s;        /* 0: any age within validity */
    double fever_c;           /* on-site temperature at or above this denies */
    char name[64];            /* venue name, for messages; may be "" */
} hc_venue_rules;

/* Green only, any age, 37.3 °C. */
#define HC_VENUE_RULES_DEFAULT { { true, false, false }, 0, 37.3, "" }

/* Parses venue rules from JSON {"name":…, "admit":["green",…], "max_age":"5m"
 * or seconds, "fever_c":37.3}; keys absent keep the defaults; an unknown key
 * or a key given twice is an error. Every build has it (the library's own
 * JSON reader; the verify-only build too).
 * Errors: HC_E_VENUE (diag names the key; nesting deeper than 32 is a
 * syntax error), HC_E_LIMIT (a text over 64 KiB, refused before parsing). */
HC_API hc_err hc_venue_parse_json(const char *json, size_t len, hc_venue_rules *out,
                                  hc_diag *diag) HC_WARN_UNUSED;

typedef enum { HC_DENY = 0, HC_ADMIT = 1 } hc_verdict;

typedef struct {
    hc_verdict verdict;
    char code[24];       /* "admitted", "colour", "too_old", "fever" */
    char zh[160];
    char en[160];
} hc_decision;

/* Decides on claims that hc_verify() returned HC_OK for, at instant now.
 * temperature_c: the on-site reading, or NAN when none was taken.
 * Errors: HC_E_ARG (claims not verified, NULL). */
HC_API hc_err hc_checkpoint_decide(const hc_claims *claims, const hc_venue_rules *rules,
                                   int64_t now, double temperature_c,
                                   hc_decision *out) HC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif

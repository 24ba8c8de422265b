/*
 * healthcode/assess.h — the policy and the assessment (issuer side).
 *
 * A policy holds every number and table of doc/architecture.md's "Default policy":
 * trigger colours and days, check-in runs, fever threshold, time zone, the
 * risk levels that raise red and yellow, and the regional risk map.
 * hc_assess() applies it to a record at a given instant and returns the
 * colour, when it may change, and every trigger found with its reason.
 *
 * A loaded policy is immutable (once its risk map is set) and may be shared
 * between threads.
 */
#ifndef HEALTHCODE_ASSESS_H
#define HEALTHCODE_ASSESS_H

#include <healthcode/common.h>
#include <healthcode/record.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hc_policy hc_policy;

/* A policy file is one JSON object; every key is required and unknown keys
 * are errors (examples/policies/zhejiang-2020.json is the default):
 *   name               string, 1-63 bytes
 *   time_zone          fixed offset "+08:00" ("-HH:MM", "Z"), up to 14:00
 *   fever_threshold_c  number 35-42: a temperature >= it is a fever
 *   triggers           {case, recovered, close_contact, high_risk_travel,
 *                       inbound, medium_risk_travel, secondary_contact,
 *                       symptoms, fever_with_exposure}: each {"colour":
 *                       "yellow"|"red", "days": 0-365}; case's days is null
 *   checkin_runs       {"red": 1-365, "yellow": 1-365}
 *   risk_levels        {"high_risk_travel": [levels], "medium_risk_travel":
 *                       [levels]}: which levels raise which trigger (a level
 *                       in neither raises nothing)
 *   risk_map           {"420000": "high", "IT": "medium", …}
 * An error names the key: "triggers.close_contact.days: must be an integer
 * from 0 to 365" (diag field "triggers.close_contact.days"). */

/* Loads a policy file (JSON). path NULL gives the built-in default, which is
 * the same as examples/policies/zhejiang-2020.json. Free with hc_policy_free().
 * Errors: HC_E_IO, HC_E_POLICY (diag names the key), HC_E_LIMIT (a file over
 * 8 MiB, refused before it is parsed), HC_E_NOMEM. */
HC_API hc_err hc_policy_load(const char *path, hc_policy **out, hc_diag *diag) HC_WARN_UNUSED;

/* Parses a policy from JSON text (len bytes; over 8 MiB: HC_E_LIMIT before
 * parsing; nesting deeper than 2048 is a syntax error, HC_E_POLICY). */
HC_API hc_err hc_policy_parse_json(const char *json, size_t len, hc_policy **out,
                                   hc_diag *diag) HC_WARN_UNUSED;

/* Replaces the policy's risk map by the CSV text (header "region,level";
 * levels low, lower, medium, higher, high; regions GB/T 2260 codes or ISO
 * 3166 alpha-2 countries). diag gives the line of an error (1-based, the
 * header is line 1). Looked up county, then prefecture (XXXX00), then
 * province (XX0000): the most specific entry wins. A region code valid in
 * any shipped revision of GB/T 2260 (2002 to 2023) is accepted, a retired
 * one too (330103 杭州市下城区, merged in 2021): it belongs to the
 * prefecture and province its prefix names. Old and new codes are distinct
 * entries: a stay is matched by the code its record gives, so when a map
 * names both 330103 and its successor 330105, a stay recorded as 330103
 * takes 330103's level (doc/regions.md). A malformed line, an
 * unknown level, a code that names no region or country, a region given
 * twice, more than 100 000 entries: HC_E_RISK_MAP, and the policy keeps its
 * map. A UTF-8 BOM, CRLF and blank lines are accepted; spaces are not.
 * Errors: HC_E_RISK_MAP, HC_E_LIMIT (over 8 MiB), HC_E_NOMEM, HC_E_ARG. */
HC_API hc_err hc_policy_set_risk_map_csv(hc_policy *p, const char *csv, size_t len,
                                         hc_diag *diag) HC_WARN_UNUSED;

/* Same, reading the file at path. Errors as above, and HC_E_IO. */
HC_API hc_err hc_policy_load_risk_map(hc_policy *p, const char *path, hc_diag *diag) HC_WARN_UNUSED;

/* Releases the policy. NULL is a no-op. */
HC_API void hc_policy_free(hc_policy *p);

/* The policy's time zone as seconds east of UTC (28800 for "+08:00"): the
 * zone of every hc_day in an assessment, and of the local midnight `until`
 * names. Lets a caller print `until` as local time. 0 for NULL. */
HC_API int32_t hc_policy_utc_offset(const hc_policy *p);

/* A day as days since 1970-01-01 (a calendar date in the policy's zone). */
typedef int32_t hc_day;
#define HC_DAY_NONE INT32_MIN

#define HC_REASON_CODE_MAX 24
#define HC_REASON_TEXT_MAX 256
#define HC_MAX_REASONS 32

/* One trigger found in the record. */
typedef struct {
    char code[HC_REASON_CODE_MAX];  /* "close_contact", "high_risk_travel", … */
    hc_colour colour;               /* the colour it raises */
    bool holds;                     /* whether it holds at the time assessed */
    hc_day from;                    /* its date t; HC_DAY_NONE for a case status */
    hc_day until;                   /* first day it no longer holds; HC_DAY_NONE: while the status holds */
    char field[HC_DIAG_FIELD_MAX];  /* path into the record: "travel[1].to" */
    char zh[HC_REASON_TEXT_MAX];    /* a sentence in Chinese (UTF-8) */
    char en[HC_REASON_TEXT_MAX];    /* a sentence in English */
} hc_reason;

/* The result of an assessment, filled in caller memory. A back end that
 * decides the colour by its own rules may fill colour (and leave the rest
 * zero) and pass it to hc_issue(). */
typedef struct {
    hc_colour colour;
    int64_t until;          /* earliest instant the colour could change; 0: not expected to */
    size_t n_reasons;       /* entries in reasons[] */
    size_t n_found;         /* triggers found; > n_reasons if reasons[] was too small */
    hc_reason reasons[HC_MAX_REASONS];
} hc_assessment;

/*
 * Assesses record r under policy p at instant now (0 to 9999-12-31). Dates in
 * the record after the local date of now are an error (HC_E_RECORD, diag
 * names the field: "checkins[3].date (2020-02-06) is after the date of
 * assessment (2020-02-05)"); so are a stay whose to is before its from, a
 * close/secondary contact without last_contact, a recovered one without
 * discharged. Allocates nothing, except a sort buffer for a record with more
 * than 256 check-ins after a previous colour.
 * Errors: HC_E_RECORD, HC_E_ARG, HC_E_NOMEM.
 *
 * How doc/architecture.md's "Default policy" is read, to the day ("today" is the
 * calendar date of now in the policy's zone, +08:00 by default):
 *  - A trigger with date t and d days holds while today < t + d; reason.until
 *    is t + d, the first day it no longer holds. So a stay in Wuhan to
 *    2020-01-21 (14 days) is red through 2020-02-03 and green on 2020-02-04
 *    from 00:00 +08:00.
 *  - case (confirmed, suspected, asymptomatic) holds while the status does:
 *    from and until are HC_DAY_NONE.
 *  - Travel: the stay's region is looked up county, prefecture (XXXX00),
 *    province (XX0000); a country by its code. A level the policy names in
 *    neither high_risk_travel nor medium_risk_travel (low and lower by
 *    default, and any region with no entry) raises no trigger and no reason.
 *  - symptoms: one trigger per finding — the declaration (any declared
 *    symptom, or temperature_c >= the fever threshold; its date is the date
 *    of declaration.at in the policy's zone) and each abnormal check-in. A
 *    check-in is abnormal when normal is false (the person reported being
 *    unwell: a declared symptom) or its temperature_c >= the threshold. The
 *    field is "declaration.symptoms" (or ".temperature_c" when only the
 *    temperature is high), "checkins[i].temperature_c" for a fever, else
 *    "checkins[i].normal".
 *  - fever_with_exposure: for each symptoms finding on day s, the travel and
 *    contact triggers (high/medium_risk_travel, inbound, close/
 *    secondary_contact) whose colour in the policy is yellow and that hold on
 *    day s — s on or after the exposure began (the stay's from, the last
 *    contact, the entry date) and before its t + days. If any does, one
 *    fever_with_exposure reason with t = the later of s and the latest such
 *    exposure's t, for its days (14); its field is the symptom's field. With
 *    the default policy these are medium_risk_travel and secondary_contact.
 *  - previous_colour (field "previous.colour", from = since): a previous red
 *    (yellow) holds until the check-ins show a run of 14 (7) consecutive
 *    calendar days, each strictly after since, each with a check-in and no
 *    abnormal one. Several check-ins on one day count as one day, abnormal
 *    if any is. Once such a run has completed the rule is over for good
 *    (holds false, until = the day the run completed); later abnormal
 *    check-ins raise their own symptoms triggers. While it holds, until is
 *    the day the run would complete with a normal check-in every day from
 *    today: continuing the current run if it reaches today (or yesterday,
 *    today's check-in still to come), starting tomorrow if today has an
 *    abnormal check-in, else starting today (or the day after since).
 *    A previous green raises nothing.
 *  - colour = the worst colour among the holding triggers and the previous
 *    colour rule; green when none holds. Normal check-ins raise nothing, so
 *    the colour can only fall: until = local midnight (epoch seconds) of the
 *    latest reason.until among the holders of the result's colour, or now
 *    itself when that day is today (today's check-in completes a run). 0 when
 *    the colour is green, or a case holds (not expected to change).
 *  - Reasons are in record order: travel, contact, entry, declaration,
 *    check-ins (each symptoms reason followed by its fever_with_exposure),
 *    previous colour. When more than HC_MAX_REASONS are found, a holding
 *    reason displaces the oldest resolved one, so the reasons for the colour
 *    are kept; n_found counts them all.
 *  - Sentences name places in zh by their full name as it was on the last day
 *    of the stay ("湖北省武汉市"; "浙江省杭州市下城区" for 330103, retired in
 *    2021) and in en by code and level ("region 420100 (high risk as part of
 *    420000)"), a retired code followed by that name ("region 330103
 *    浙江省杭州市下城区 (high risk)"),
 *    countries by name; they end "red until 2020-02-04 00:00." (or
 *    "(ended)" for a reason that no longer holds).
 */
HC_API hc_err hc_assess(const hc_policy *p, const hc_record *r, int64_t now,
                        hc_assessment *out, hc_diag *diag) HC_WARN_UNUSED;

/* Formats a day as "YYYY-MM-DD" into buf (at least 11 bytes). */
HC_API void hc_day_format(hc_day d, char buf[11]);

#ifdef __cplusplus
}
#endif
#endif

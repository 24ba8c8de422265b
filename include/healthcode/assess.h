/*
 * healthcode/assess.h — the policy and the assessment (issuer side).
 *
 * A policy holds every number and table of DESIGN.md's "Default policy":
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

/* Loads a policy file (JSON). path NULL gives the built-in default, which is
 * the same as examples/policies/zhejiang-2020.json. Free with hc_policy_free().
 * Errors: HC_E_IO, HC_E_POLICY (diag names the key), HC_E_NOMEM. */
HC_API hc_err hc_policy_load(const char *path, hc_policy **out, hc_diag *diag) HC_WARN_UNUSED;

/* Parses a policy from JSON text. */
HC_API hc_err hc_policy_parse_json(const char *json, size_t len, hc_policy **out,
                                   hc_diag *diag) HC_WARN_UNUSED;

/* Replaces the policy's risk map by the CSV text (header "region,level";
 * levels low, lower, medium, higher, high; regions GB/T 2260 codes or ISO
 * 3166 alpha-2 countries). diag gives the line of an error.
 * Errors: HC_E_RISK_MAP, HC_E_NOMEM. */
HC_API hc_err hc_policy_set_risk_map_csv(hc_policy *p, const char *csv, size_t len,
                                         hc_diag *diag) HC_WARN_UNUSED;

/* Same, reading the file at path. */
HC_API hc_err hc_policy_load_risk_map(hc_policy *p, const char *path, hc_diag *diag) HC_WARN_UNUSED;

/* Releases the policy. NULL is a no-op. */
HC_API void hc_policy_free(hc_policy *p);

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

/* Assesses record r under policy p at instant now. Dates in the record after
 * the local date of now are an error (HC_E_RECORD, diag names the field).
 * Errors: HC_E_RECORD, HC_E_ARG. */
HC_API hc_err hc_assess(const hc_policy *p, const hc_record *r, int64_t now,
                        hc_assessment *out, hc_diag *diag) HC_WARN_UNUSED;

/* Formats a day as "YYYY-MM-DD" into buf (at least 11 bytes). */
HC_API void hc_day_format(hc_day d, char buf[11]);

#ifdef __cplusplus
}
#endif
#endif

/*
 * healthcode/record.h — the person record of doc/architecture.md (issuer side).
 *
 * A record is parsed from JSON (strict RFC 8259, UTF-8 checked; one
 * allocation for the text however many values) and checked for shape:
 * types, ISO 8601 dates, known enumerations, a Chinese resident ID's length,
 * birth date and GB 11643 check digit, region codes that exist (GB/T 2260,
 * valid in any revision from 2002 to 2023, so that a record of 2020 may use
 * the codes of 2020: 330103 杭州市下城区, retired in 2021, is accepted)
 * and ISO 3166 alpha-2 country codes. Checks against the time of assessment
 * (no date after now) are made by hc_assess(). Every error fills hc_diag with
 * the field path ("travel[1].to") and a sentence naming it.
 *
 * Strict: an unknown key at any level is an error naming it (a typo such as
 * "travle" would otherwise drop data silently); a wrong JSON type, a number
 * out of range, a repeated key or a repeated check-in date is an error;
 * nothing is defaulted (an absent optional section is simply absent).
 * Dates are "YYYY-MM-DD" (real dates, 1900-2199); declaration.at is an ISO
 * 8601 date-time with an offset or Z. Country codes are upper case.
 *
 * Bounds (each an HC_E_RECORD naming the field, but the first): the text at
 * most HC_RECORD_MAX bytes (HC_E_LIMIT, checked before parsing); nesting at
 * most 32 deep (deeper is a JSON syntax error); name at most 127 bytes of
 * UTF-8 without control characters or NUL; id at most 39 characters; at most
 * 256 travel stays, 1000 check-ins and 32 symptoms; temperatures 30-45.
 *
 * An hc_record is immutable after parsing and may be shared between threads.
 */
#ifndef HEALTHCODE_RECORD_H
#define HEALTHCODE_RECORD_H

#include <healthcode/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hc_record hc_record;

/* The largest record text accepted, in bytes. */
#define HC_RECORD_MAX (1u << 20)

/* Parses one record from JSON text (len bytes; need not be NUL-terminated).
 * *out is freed with hc_record_free(). diag may be NULL; its line is left 0
 * (callers reading many records set it).
 * Errors: HC_E_RECORD (diag says where), HC_E_LIMIT (over HC_RECORD_MAX),
 * HC_E_NOMEM, HC_E_ARG. */
HC_API hc_err hc_record_parse_json(const char *json, size_t len, hc_record **out,
                                   hc_diag *diag) HC_WARN_UNUSED;

/* Checks a Chinese resident ID (GB 11643-1999): 18 characters, 17 digits then
 * a check character (digit or 'X'), a real birth date, the check digit.
 * HC_OK or HC_E_RECORD with a message in diag (field "id"). */
HC_API hc_err hc_resident_id_check(const char *id, hc_diag *diag) HC_WARN_UNUSED;

/* Accessors; the strings live as long as the record. */
HC_API const char *hc_record_id(const hc_record *r);        /* the document number as given */
HC_API const char *hc_record_id_type(const hc_record *r);   /* "cn_resident" or "passport" */
HC_API const char *hc_record_name(const hc_record *r);      /* "" when absent */
HC_API uint32_t hc_record_residence(const hc_record *r);    /* 0 when absent */

/* Releases the record. NULL is a no-op. */
HC_API void hc_record_free(hc_record *r);

#ifdef __cplusplus
}
#endif
#endif

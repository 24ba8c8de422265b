/*
 * healthcode/checkpoint.h — the venue's decision on a verified token.
 *
 * A venue admits some colours (default: green only), may demand a code issued
 * within the last N seconds (a screenshot of an old code fails), and denies
 * anyone whose on-site temperature is at or above its threshold (37.3 °C by
 * default) whatever the colour. It says what it does with codes bound to a
 * phone and not shown live, and with paper codes (bound to nothing), and it
 * may remember the codes it admitted to refuse the same code shown again
 * within the live window (a screenshot passed back through the queue).
 */
#ifndef HEALTHCODE_CHECKPOINT_H
#define HEALTHCODE_CHECKPOINT_H

#include <healthcode/common.h>
#include <healthcode/verify.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a venue does with a code bound to a phone (doc/format.md, "Holder
 * binding") that is shown as a plain token, not live. */
typedef enum {
    HC_LIVE_OFF = 0,         /* nothing: a plain bound token is admitted like any other */
    HC_LIVE_PREFERRED = 1,   /* admitted, and the staff are told to ask for the live code */
    HC_LIVE_REQUIRED = 2     /* denied ("not_live"): a copied code or a screenshot */
} hc_live_rule;

/* What a venue does with a code bound to nothing (a paper code, never live). */
typedef enum {
    HC_UNBOUND_ADMIT = 0,    /* admitted like any other */
    HC_UNBOUND_CHECK_ID = 1, /* admitted ("check_id"), the staff told to compare an ID document */
    HC_UNBOUND_REFUSE = 2    /* denied ("unbound") */
} hc_unbound_rule;

typedef struct {
    bool admit[3];            /* indexed by hc_colour */
    int64_t max_age_s;        /* 0: any age within validity */
    double fever_c;           /* on-site temperature at or above this denies */
    char name[64];            /* venue name, for messages; may be "" */
    hc_live_rule live;        /* a bound code shown plain */
    hc_unbound_rule unbound;  /* a paper code */
} hc_venue_rules;

/* Green only, any age, 37.3 °C, live off, unbound admitted. */
#define HC_VENUE_RULES_DEFAULT { { true, false, false }, 0, 37.3, "", HC_LIVE_OFF, HC_UNBOUND_ADMIT }

/* Parses venue rules from JSON {"name":…, "admit":["green",…], "max_age":"5m"
 * or seconds, "fever_c":37.3, "live":"required"|"preferred"|"off",
 * "unbound":"admit"|"check_id"|"refuse"}; keys absent keep the defaults; an
 * unknown key or value, or a key given twice, is an error. Every build has
 * it (the library's own JSON reader; the verify-only build too).
 * Errors: HC_E_VENUE (diag names the key; nesting deeper than 32 is a
 * syntax error), HC_E_LIMIT (a text over 64 KiB, refused before parsing). */
HC_API hc_err hc_venue_parse_json(const char *json, size_t len, hc_venue_rules *out,
                                  hc_diag *diag) HC_WARN_UNUSED;

typedef enum { HC_DENY = 0, HC_ADMIT = 1 } hc_verdict;

typedef struct {
    hc_verdict verdict;
    char code[24];       /* admitted: "admitted", "check_id", "admitted_not_live";
                            denied: "fever", "colour", "too_old", "not_live", "unbound",
                            "repeat" */
    char zh[160];
    char en[160];
} hc_decision;

/* Decides on claims that hc_verify() returned HC_OK for, at instant now.
 * temperature_c: the on-site reading, or NAN when none was taken. The
 * checks, in order, the first that fails giving the reason:
 *   fever     on-site temperature at or above fever_c, whatever the colour;
 *   colour    not a colour the venue admits;
 *   too_old   max_age_s > 0 and now - iat > max_age_s;
 *   not_live  a bound code shown plain (claims->live false) where live is
 *             HC_LIVE_REQUIRED;
 *   unbound   a paper code (claims->bound false) where unbound is
 *             HC_UNBOUND_REFUSE.
 * Otherwise admitted: "check_id" for a paper code where unbound is
 * HC_UNBOUND_CHECK_ID (the staff compare an ID document with the name and
 * document number on the code), "admitted_not_live" for a bound code shown
 * plain where live is HC_LIVE_PREFERRED, else "admitted".
 * Errors: HC_E_ARG (claims not verified, NULL, a rule out of range). */
HC_API hc_err hc_checkpoint_decide(const hc_claims *claims, const hc_venue_rules *rules,
                                   int64_t now, double temperature_c,
                                   hc_decision *out) HC_WARN_UNUSED;

/* ------------------------------------------------------------- repeats */

/*
 * The codes a checkpoint admitted lately, to refuse the same code shown
 * again within the live window: a screenshot of a live code passed back
 * through the queue, or one paper code shown for two people. A code is its
 * cti (never its text: a presentation is remade every few seconds).
 *
 * The memory is bounded: it holds the last `capacity` admissions (a ring;
 * the oldest is forgotten first), each 16 bytes, allocated once by
 * hc_repeats_new. A door that admits one person a second needs window_s
 * entries to remember a whole window; HC_REPEATS_DEFAULT_CAPACITY (1024)
 * covers 17 a second at the default 60 s window. Looking up scans the
 * entries (about a microsecond at 1024); it allocates nothing.
 *
 * One hc_repeats belongs to one checkpoint and one thread at a time (a
 * scanner loop holds it). A command that runs once a scan keeps it in a
 * file between runs (hc_repeats_load / hc_repeats_save; `healthcode check
 * --seen FILE`).
 */
typedef struct hc_repeats hc_repeats;

#define HC_REPEATS_DEFAULT_CAPACITY 1024
#define HC_REPEATS_MAX_CAPACITY 65536

/* A new, empty memory of capacity entries (1 to HC_REPEATS_MAX_CAPACITY)
 * remembering admissions for window_s seconds (1 to HC_LIVE_WINDOW_MAX_S).
 * Free with hc_repeats_free(). Errors: HC_E_ARG, HC_E_NOMEM. */
HC_API hc_err hc_repeats_new(size_t capacity, int64_t window_s, hc_repeats **out) HC_WARN_UNUSED;

/* Whether cti was admitted within the window of now (|now - then| <=
 * window_s, so a clock set back does not hide a repeat); *then gets the
 * latest such instant if then is not NULL. */
HC_API bool hc_repeats_seen(const hc_repeats *r, const uint8_t cti[8], int64_t now,
                            int64_t *then);

/* Remembers that cti was admitted at now (the oldest entry gives way when
 * the memory is full). Errors: HC_E_ARG. */
HC_API hc_err hc_repeats_note(hc_repeats *r, const uint8_t cti[8], int64_t now) HC_WARN_UNUSED;

/* Number of entries held. */
HC_API size_t hc_repeats_count(const hc_repeats *r);

/* Reads a memory saved by hc_repeats_save into r (replacing what r held;
 * entries beyond r's capacity: the newest are kept). A missing file is an
 * empty memory (HC_OK). The file: "HCSEEN1\0", a 4-byte big-endian count,
 * then count entries of 8 bytes cti and 8 bytes big-endian instant, oldest
 * first; at most HC_REPEATS_MAX_CAPACITY entries.
 * Errors: HC_E_IO (unreadable, not a regular file, or not such a file: the
 * magic, the size), HC_E_ARG. */
HC_API hc_err hc_repeats_load(hc_repeats *r, const char *path) HC_WARN_UNUSED;

/* Writes r to path (mode 0600), atomically. Errors: HC_E_IO, HC_E_NOMEM, HC_E_ARG. */
HC_API hc_err hc_repeats_save(const hc_repeats *r, const char *path) HC_WARN_UNUSED;

/* Releases the memory. NULL is a no-op. */
HC_API void hc_repeats_free(hc_repeats *r);

/* hc_checkpoint_decide with a repeat memory (NULL: the same as it): a code
 * whose cti r holds within its window is denied ("repeat") when it would
 * otherwise be admitted, and a code admitted is noted in r. A denied code is
 * not noted (showing it again is no repeat of an admission).
 * Errors: as hc_checkpoint_decide. */
HC_API hc_err hc_checkpoint_decide_repeats(const hc_claims *claims, const hc_venue_rules *rules,
                                           int64_t now, double temperature_c, hc_repeats *r,
                                           hc_decision *out) HC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif

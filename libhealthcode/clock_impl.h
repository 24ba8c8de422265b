/* clock_impl.h — the one place a date rule lives: civil dates, ISO 8601 in
 * and out, durations, and the local day of an instant at a UTC offset.
 *
 * The rule, documented once (doc/architecture.md, "Times and dates"):
 *  - an instant is epoch seconds, or an ISO 8601 date-time
 *    "YYYY-MM-DDTHH:MM[:SS[.fraction]]" with "Z" or an offset "±HH:MM"
 *    ("±HHMM", "±HH" too); fractions of a second are dropped;
 *  - a date-time without an offset, and a date alone ("YYYY-MM-DD", meaning
 *    its midnight), are read at UTC+08:00 (HC_CLOCK_HOME_OFFSET), the zone of
 *    the default policy: the same in trust lists, bundles, venues and --now.
 * Calendar dates (travel days, check-ins) are days, not instants: a day is
 * counted from 1970-01-01 in the proleptic Gregorian calendar, and becomes an
 * instant only through the policy's own offset (hc_clock_local_midnight).
 * Internal: never installed. Verify side (trust lists and bundles use it). */
#ifndef HC_CLOCK_IMPL_H
#define HC_CLOCK_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HC_CLOCK_DAY_S 86400
/* What a date or a date-time without an offset means: UTC+08:00. */
#define HC_CLOCK_HOME_OFFSET (8 * 3600)
/* The largest epoch-seconds text read (12 digits: past year 33 000 is a typo). */
#define HC_CLOCK_EPOCH_DIGITS 12

/* Days since 1970-01-01 of y-m-d (H. Hinnant's days_from_civil; no checks). */
int64_t hc_clock_days_from_civil(int64_t y, unsigned m, unsigned d);
/* The inverse: the civil date of a day count. */
void hc_clock_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
/* true when y-m-d exists (month 1-12, day within the month, leap years). */
bool hc_clock_real_date(int64_t y, unsigned m, unsigned d);

/* The calendar day of instant t at UTC offset off (seconds east), rounding
 * towards the past; and the instant that day begins there. */
int64_t hc_clock_local_day(int64_t t, int32_t off);
int64_t hc_clock_local_midnight(int64_t day, int32_t off);

/* "YYYY-MM-DD", exactly n == 10 bytes, a real date with ymin <= year <= ymax. */
bool hc_clock_parse_date(const char *s, size_t n, int ymin, int ymax, int64_t *day);

/* An ISO 8601 date-time (NUL-terminated), as in the rule above. Without an
 * offset it is read at default_off, or refused when offset_required.
 * *at is the instant; *day (may be NULL) the date as written, local to the
 * offset. Years 1900-2199 (a record's range; instants before 1970 are the
 * caller's to refuse). */
bool hc_clock_parse_datetime(const char *s, bool offset_required, int32_t default_off,
                             int64_t *at, int64_t *day);

/* An instant by the rule: epoch seconds, a date or a date-time. Refuses
 * instants before 1970 and anything else. */
bool hc_clock_parse_time(const char *s, int64_t *out);

/* "300", "300s", "5m", "2h", "7d" → seconds; false when the text is not one
 * or the value exceeds max. */
bool hc_clock_parse_duration(const char *s, int64_t max, int64_t *out);

/* "YYYY-MM-DD" plus NUL; "invalid" outside years 0-9999. */
void hc_clock_format_day(int64_t day, char buf[11]);

/* "2020-02-05T09:00:00+08:00" (or "…Z" at offset 0) plus NUL into buf;
 * returns the length, or 0 when cap is too small or the year is outside
 * 0-9999. */
size_t hc_clock_format_iso(int64_t t, int32_t off, char *buf, size_t cap);

#endif

/* clock.c — calendar, ISO 8601 and durations: the rule of clock_impl.h, in
 * one place so that a trust list, a bundle, a venue, a record and the CLI's
 * --now can never read one text as two instants. */
#include "clock_impl.h"
#include "internal.h"

#include <stdio.h>
#include <string.h>

int64_t hc_clock_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void hc_clock_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    const int64_t z = days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

bool hc_clock_real_date(int64_t y, unsigned m, unsigned d)
{
    static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

int64_t hc_clock_local_day(int64_t t, int32_t off)
{
    int64_t s = t + off;
    int64_t d = s / HC_CLOCK_DAY_S;
    return s % HC_CLOCK_DAY_S < 0 ? d - 1 : d;
}

int64_t hc_clock_local_midnight(int64_t day, int32_t off)
{
    return day * HC_CLOCK_DAY_S - off;
}

/* n decimal digits at *p, advancing it; false if any is not a digit. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

bool hc_clock_parse_date(const char *s, size_t n, int ymin, int ymax, int64_t *day)
{
    const char *p = s;
    int y, m, d;
    if (n != 10 || !digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &m) || *p++ != '-' ||
        !digits(&p, 2, &d))
        return false;
    if (y < ymin || y > ymax || !hc_clock_real_date(y, (unsigned)m, (unsigned)d))
        return false;
    *day = hc_clock_days_from_civil(y, (unsigned)m, (unsigned)d);
    return true;
}

/* "Z", "±HH:MM", "±HHMM" or "±HH", and nothing after it. */
static bool parse_offset(const char *p, int32_t *off)
{
    if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0') {
        *off = 0;
        return true;
    }
    if (*p != '+' && *p != '-')
        return false;
    int sign = *p++ == '-' ? -1 : 1, hh, mm = 0;
    if (!digits(&p, 2, &hh))
        return false;
    if (*p == ':' && p[1])
        p++;
    if (*p && !digits(&p, 2, &mm))
        return false;
    if (*p || hh > 14 || mm > 59)
        return false;
    *off = sign * (hh * 3600 + mm * 60);
    return true;
}

/* "HH:MM[:SS[.fraction]]" at *p, advancing it. */
static bool parse_clock_time(const char **p, int *secs)
{
    int h, mi, sec = 0;
    if (!digits(p, 2, &h) || *(*p)++ != ':' || !digits(p, 2, &mi))
        return false;
    if (**p == ':') {
        (*p)++;
        if (!digits(p, 2, &sec))
            return false;
        if (**p == '.' || **p == ',') {   /* fractions of a second are dropped */
            (*p)++;
            const char *f = *p;
            while (**p >= '0' && **p <= '9' && *p - f < 9)
                (*p)++;
            if (*p == f)
                return false;
        }
    }
    if (h > 23 || mi > 59 || sec > 59)
        return false;
    *secs = h * 3600 + mi * 60 + sec;
    return true;
}

bool hc_clock_parse_datetime(const char *s, bool offset_required, int32_t default_off,
                             int64_t *at, int64_t *day)
{
    int64_t d;
    int secs;
    if (strlen(s) < 16 || !hc_clock_parse_date(s, 10, 1900, 2199, &d))
        return false;
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
        return false;
    const char *p = s + 11;
    if (!parse_clock_time(&p, &secs))
        return false;
    int32_t off = default_off;
    if (*p ? !parse_offset(p, &off) : offset_required)
        return false;
    *at = d * HC_CLOCK_DAY_S + secs - off;
    if (day)
        *day = d;
    return true;
}

bool hc_clock_parse_time(const char *s, int64_t *out)
{
    if (!s || !*s)
        return false;
    size_t n = strlen(s), nd = strspn(s, "0123456789");
    int64_t t;
    if (nd == n) {
        if (n > HC_CLOCK_EPOCH_DIGITS)
            return false;
        t = 0;
        for (size_t i = 0; i < n; i++)
            t = t * 10 + (s[i] - '0');
    } else if (n == 10) {
        int64_t d;
        if (!hc_clock_parse_date(s, n, 1970, 9999, &d))
            return false;
        t = hc_clock_local_midnight(d, HC_CLOCK_HOME_OFFSET);
    } else if (!hc_clock_parse_datetime(s, false, HC_CLOCK_HOME_OFFSET, &t, NULL)) {
        return false;
    }
    if (t < 0)
        return false;
    *out = t;
    return true;
}

bool hc_clock_parse_duration(const char *s, int64_t max, int64_t *out)
{
    if (!s || !*s)
        return false;
    int64_t v = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        int d = *p - '0';
        if (v > (max - d) / 10)   /* v * 10 + d would pass max (or overflow) */
            return false;
        v = v * 10 + d;
    }
    if (p == s)
        return false;
    int64_t unit = 1;
    switch (*p) {
    case '\0': break;
    case 's': p++; break;
    case 'm': unit = 60; p++; break;
    case 'h': unit = 3600; p++; break;
    case 'd': unit = HC_CLOCK_DAY_S; p++; break;
    default: return false;
    }
    if (*p || v > max / unit)
        return false;
    *out = v * unit;
    return true;
}

/* Written digit by digit: reasons format dates on the assessment's hot path. */
void hc_clock_format_day(int64_t day, char b[11])
{
    int64_t y;
    unsigned m, d;
    hc_clock_civil_from_days(day, &y, &m, &d);
    if (y < 0 || y > 9999) {
        memcpy(b, "invalid", 8);
        return;
    }
    unsigned yy = (unsigned)y;
    b[0] = (char)('0' + yy / 1000);
    b[1] = (char)('0' + yy / 100 % 10);
    b[2] = (char)('0' + yy / 10 % 10);
    b[3] = (char)('0' + yy % 10);
    b[4] = '-';
    b[5] = (char)('0' + m / 10);
    b[6] = (char)('0' + m % 10);
    b[7] = '-';
    b[8] = (char)('0' + d / 10);
    b[9] = (char)('0' + d % 10);
    b[10] = '\0';
}

size_t hc_clock_format_iso(int64_t t, int32_t off, char *buf, size_t cap)
{
    if (t > INT64_MAX - 86400 * 2 || t < INT64_MIN + 86400 * 2)
        return 0;
    int64_t local = t + off, day = hc_clock_local_day(t, off);
    int64_t secs = local - day * HC_CLOCK_DAY_S, y;
    unsigned m, d;
    hc_clock_civil_from_days(day, &y, &m, &d);
    if (y < 0 || y > 9999)
        return 0;
    char zone[8] = "Z";
    if (off != 0) {
        int32_t a = off < 0 ? -off : off;
        snprintf(zone, sizeof zone, "%c%02d:%02d", off < 0 ? '-' : '+', (int)(a / 3600 % 100),
                 (int)(a % 3600 / 60));
    }
    int n = snprintf(buf, cap, "%04d-%02u-%02uT%02d:%02d:%02d%s", (int)y, m % 100, d % 100,
                     (int)(secs / 3600), (int)(secs % 3600 / 60), (int)(secs % 60), zone);
    if (n < 0 || (size_t)n >= cap) {
        if (cap)
            buf[0] = '\0';
        return 0;
    }
    return (size_t)n;
}

/* ---- the public face of the rule (common.h) ------------------------------ */

hc_err hc_time_parse(const char *text, int64_t *out)
{
    if (!text || !out)
        return HC_E_ARG;
    return hc_clock_parse_time(text, out) ? HC_OK : HC_E_ARG;
}

hc_err hc_duration_parse(const char *text, int64_t max_s, int64_t *out_s)
{
    if (!text || !out_s || max_s < 0)
        return HC_E_ARG;
    return hc_clock_parse_duration(text, max_s, out_s) ? HC_OK : HC_E_ARG;
}

hc_err hc_time_format(int64_t t, int32_t utc_offset_s, char *buf, size_t cap)
{
    if (!buf)
        return HC_E_ARG;
    if (cap < HC_TIME_TEXT_MAX) {
        if (cap)
            buf[0] = '\0';
        return HC_E_BUFFER;
    }
    return hc_clock_format_iso(t, utc_offset_s, buf, cap) ? HC_OK : HC_E_ARG;
}

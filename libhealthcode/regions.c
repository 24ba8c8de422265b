/* regions.c — GB/T 2260 administrative divisions and ISO 3166-1 countries.
 * The tables are generated (data/gen_tables.py → regions_data.inc): sorted
 * arrays searched by bisection, region names in one string pool. A code has
 * one row per name it bore, with the set of revisions (a bit mask) in which
 * it was valid under that name; the revisions' dates are in hc_revision_day. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "regions_impl.h"
#include "regions_data.inc"

/* Index of the first row of code in hc_region_codes, or -1. */
static long region_index(uint32_t code)
{
    size_t lo = 0, hi = HC_N_REGIONS;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (hc_region_codes[mid] < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < HC_N_REGIONS && hc_region_codes[lo] == code ? (long)lo : -1;
}

bool hc_region_exists(uint32_t code)
{
    return region_index(code) >= 0;
}

_Static_assert(HC_N_REVISIONS >= 1 && HC_N_REVISIONS <= 32, "a code's revisions are a uint32_t mask");

/* The revisions (bit mask) in which code was valid under any name, 0 if
 * never; *first is its first row, or -1. */
static uint32_t region_mask(uint32_t code, long *first)
{
    long i = region_index(code);
    uint32_t all = 0;
    *first = i;
    for (; i >= 0 && (size_t)i < HC_N_REGIONS && hc_region_codes[i] == code; i++)
        all |= hc_region_masks[i];
    return all;
}

bool hc_region_retired(uint32_t code)
{
    long first;
    uint32_t all = region_mask(code, &first);
    return all != 0 && !(all >> (HC_N_REVISIONS - 1) & 1u);
}

/* The latest revision dated on or before day; -1 if day precedes them all.
 * Searched from the latest: records are of recent years. */
static int revision_at(int32_t day)
{
    int r = HC_N_REVISIONS - 1;
    while (r >= 0 && hc_revision_day[r] > day)
        r--;
    return r;
}

/* The row of the name code bore in revision rev, or — when it was not valid
 * then — in the latest revision before rev in which it was, else the
 * earliest after. -1 if code is unknown. */
static long row_at(uint32_t code, int rev)
{
    long first;
    uint32_t all = region_mask(code, &first);
    if (!all)
        return -1;
    if (all == hc_region_masks[first])
        return first;   /* one name in all its revisions: the common case */
    uint32_t upto = rev < 0 ? 0 : rev >= 31 ? all : all & ((2u << rev) - 1u);
    uint32_t bit;
    if (upto) {
        while (upto & (upto - 1u))
            upto &= upto - 1u;   /* keep the highest bit */
        bit = upto;
    } else {
        bit = all & (~all + 1u);   /* the lowest bit */
    }
    long i = first;
    while (!(hc_region_masks[i] & bit))
        i++;   /* bit is one of the rows' */
    return i;
}

/* Appends the name code bore in revision rev, unless code is unknown or a
 * placeholder level (市辖区, 县, 省直辖县级行政区划, …: the generator puts
 * those first in the pool). false if buf is too small. */
static bool append(long row, char *buf, size_t *len, unsigned cap)
{
    if (row < 0 || hc_region_name_off[row] < HC_REGION_PLACEHOLDERS_END)
        return true;
    const char *name = hc_region_names + hc_region_name_off[row];
    size_t n = strlen(name);
    if (*len + n + 1 > cap)
        return false;
    memcpy(buf + *len, name, n + 1);
    *len += n;
    return true;
}

const char *hc_region_name_zh(uint32_t code, int32_t day, char *buf, unsigned cap)
{
    if (!buf || cap == 0)
        return NULL;
    int rev = revision_at(day);
    long row = row_at(code, rev);
    if (row < 0)
        return NULL;
    uint32_t province = code / 10000 * 10000, prefecture = code / 100 * 100;
    size_t len = 0;
    buf[0] = '\0';
    if (!append(code == province ? row : row_at(province, rev), buf, &len, cap))
        return NULL;
    if (prefecture != province && !append(code == prefecture ? row : row_at(prefecture, rev), buf, &len, cap))
        return NULL;
    if (code != prefecture && !append(row, buf, &len, cap))
        return NULL;
    return buf;
}

static const struct hc_country_row *country(const char *cc)
{
    if (!cc || strlen(cc) != 2)
        return NULL;
    size_t lo = 0, hi = HC_N_COUNTRIES;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(hc_countries[mid].cc, cc);
        if (c == 0)
            return &hc_countries[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

bool hc_country_exists(const char *cc)
{
    return country(cc) != NULL;
}

const char *hc_country_name_en(const char *cc)
{
    const struct hc_country_row *c = country(cc);
    return c ? c->en : NULL;
}

const char *hc_country_name_zh(const char *cc)
{
    const struct hc_country_row *c = country(cc);
    return c ? c->zh : NULL;
}

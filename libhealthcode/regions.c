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

/* The revisions (bit mask) in which code was valid under any name; 0 if never. */
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

/* The latest revision dated on or before day; -1 if day precedes them all. */
static int revision_at(int32_t day)
{
    int r = -1;
    while (r + 1 < HC_N_REVISIONS && hc_revision_day[r + 1] <= day)
        r++;
    return r;
}

/* The name code bore in revision rev, or — when it was not valid then — in the
 * latest revision before rev in which it was, else the earliest after. NULL
 * if code is unknown. */
static const char *name_at(uint32_t code, int rev)
{
    long first;
    uint32_t all = region_mask(code, &first);
    if (!all)
        return NULL;
    uint32_t upto = rev < 0 ? 0 : rev >= 31 ? all : all & ((2u << rev) - 1u);
    uint32_t bit;
    if (upto) {
        while (upto & (upto - 1u))
            upto &= upto - 1u;   /* keep the highest bit */
        bit = upto;
    } else {
        bit = all & (~all + 1u);   /* the lowest bit */
    }
    for (size_t i = (size_t)first; i < HC_N_REGIONS && hc_region_codes[i] == code; i++)
        if (hc_region_masks[i] & bit)
            return hc_region_names + hc_region_name_off[i];
    return NULL;   /* not reached: bit is one of the rows' */
}

/* Placeholder levels that are not part of a place's name: the municipal
 * districts (110100 市辖区), Chongqing's counties (500200 县) and the counties
 * administered directly by a province (429000 省直辖县级行政区划, in older
 * revisions 省直辖县级行政单位 or 省直辖行政单位). */
static bool placeholder(const char *name)
{
    static const char *const suffixes[] = {"直辖县级行政区划", "直辖县级行政单位", "直辖行政单位"};
    if (strcmp(name, "市辖区") == 0 || strcmp(name, "县") == 0)
        return true;
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t k = strlen(suffixes[i]);
        if (n >= k && strcmp(name + n - k, suffixes[i]) == 0)
            return true;
    }
    return false;
}

/* Appends the name of code in revision rev (if it exists and is not a placeholder). */
static bool append(uint32_t code, int rev, char *buf, size_t *len, unsigned cap)
{
    const char *name = name_at(code, rev);
    if (!name || placeholder(name))
        return true;
    size_t n = strlen(name);
    if (*len + n + 1 > cap)
        return false;
    memcpy(buf + *len, name, n + 1);
    *len += n;
    return true;
}

const char *hc_region_name_zh(uint32_t code, int32_t day, char *buf, unsigned cap)
{
    if (!buf || cap == 0 || region_index(code) < 0)
        return NULL;
    int rev = revision_at(day);
    uint32_t province = code / 10000 * 10000, prefecture = code / 100 * 100;
    size_t len = 0;
    buf[0] = '\0';
    if (!append(province, rev, buf, &len, cap))
        return NULL;
    if (prefecture != province && !append(prefecture, rev, buf, &len, cap))
        return NULL;
    if (code != prefecture && !append(code, rev, buf, &len, cap))
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

/* regions.c — GB/T 2260 administrative divisions and ISO 3166-1 countries.
 * The tables are generated (data/gen_tables.py → regions_data.inc): sorted
 * arrays searched by bisection, region names in one string pool. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "regions_impl.h"
#include "regions_data.inc"

/* Index of code in hc_region_codes, or -1. */
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

/* Placeholder levels that are not part of a place's name: the municipal
 * districts (110100 市辖区), Chongqing's counties (500200 县) and the counties
 * administered directly by a province (429000 省直辖县级行政区划). */
static bool placeholder(const char *name)
{
    static const char suffix[] = "直辖县级行政区划";
    size_t n = strlen(name), k = sizeof suffix - 1;
    return strcmp(name, "市辖区") == 0 || strcmp(name, "县") == 0 || (n >= k && strcmp(name + n - k, suffix) == 0);
}

/* Appends the name of code (if it exists and is not a placeholder). */
static bool append(uint32_t code, char *buf, size_t *len, unsigned cap)
{
    long i = region_index(code);
    if (i < 0)
        return true;
    const char *name = hc_region_names + hc_region_name_off[i];
    if (placeholder(name))
        return true;
    size_t n = strlen(name);
    if (*len + n + 1 > cap)
        return false;
    memcpy(buf + *len, name, n + 1);
    *len += n;
    return true;
}

const char *hc_region_name_zh(uint32_t code, char *buf, unsigned cap)
{
    if (!buf || cap == 0 || region_index(code) < 0)
        return NULL;
    uint32_t province = code / 10000 * 10000, prefecture = code / 100 * 100;
    size_t len = 0;
    buf[0] = '\0';
    if (!append(province, buf, &len, cap))
        return NULL;
    if (prefecture != province && !append(prefecture, buf, &len, cap))
        return NULL;
    if (code != prefecture && !append(code, buf, &len, cap))
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

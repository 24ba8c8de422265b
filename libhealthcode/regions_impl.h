/* regions_impl.h — GB/T 2260 administrative divisions and ISO 3166 countries
 * (regions.c, generated tables). Not installed. */
#ifndef HC_REGIONS_IMPL_H
#define HC_REGIONS_IMPL_H

#include <stdbool.h>
#include <stdint.h>

/* The region table holds every code valid in any shipped revision of the
 * division codes (GB/T 2260 as published by the Ministry of Civil Affairs,
 * 2002-12 to 2016-07, and the statistical codes of the National Bureau of
 * Statistics, 2016 to 2023; data/gb2260/SOURCE.md), each with the revisions
 * in which it was valid and its name then. */

/* true if code is a six-digit division code (province XX0000, prefecture
 * XXXX00 or county) valid in at least one shipped revision: 330103 下城区,
 * retired in 2021, exists; 999999 does not. */
bool hc_region_exists(uint32_t code);

/* true if code exists but is not valid in the latest shipped revision
 * (330103, 330104); false for a current or an unknown code. */
bool hc_region_retired(uint32_t code);

/* Writes the full Chinese name, province first, that code bore on day (days
 * since 1970-01-01, an hc_day) into buf (NUL-terminated): 420100 →
 * "湖北省武汉市", 330103 on 2020-01-20 → "浙江省杭州市下城区". Each level is
 * named as in the latest revision dated on or before day in which that code
 * was valid, else as in the earliest revision after it (so 420600 is 襄樊市
 * in 2009 and 襄阳市 in 2020). Placeholder levels (市辖区, 县,
 * 省直辖县级行政区划) are left out. Returns buf, or NULL if the code is
 * unknown or buf too small. */
const char *hc_region_name_zh(uint32_t code, int32_t day, char *buf, unsigned cap);

/* true if cc (two upper-case letters) is an ISO 3166-1 alpha-2 code. */
bool hc_country_exists(const char *cc);

/* English and Chinese short names of a country ("Italy", "意大利"); NULL if unknown. */
const char *hc_country_name_en(const char *cc);
const char *hc_country_name_zh(const char *cc);

#endif

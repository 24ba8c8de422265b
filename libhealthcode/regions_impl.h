/* regions_impl.h — GB/T 2260 administrative divisions and ISO 3166 countries
 * (regions.c, generated tables). Not installed. */
#ifndef HC_REGIONS_IMPL_H
#define HC_REGIONS_IMPL_H

#include <stdbool.h>
#include <stdint.h>

/* true if code is a GB/T 2260 code in the shipped table (province XX0000,
 * prefecture XXXX00 or county). */
bool hc_region_exists(uint32_t code);

/* Writes the full Chinese name, province first, into buf (NUL-terminated):
 * 420100 → "湖北省武汉市", 330402 → "浙江省嘉兴市南湖区". Returns buf, or
 * NULL if the code is unknown or buf too small. */
const char *hc_region_name_zh(uint32_t code, char *buf, unsigned cap);

/* true if cc (two upper-case letters) is an ISO 3166-1 alpha-2 code. */
bool hc_country_exists(const char *cc);

/* English and Chinese short names of a country ("Italy", "意大利"); NULL if unknown. */
const char *hc_country_name_en(const char *cc);
const char *hc_country_name_zh(const char *cc);

#endif

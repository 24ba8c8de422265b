/* policy_impl.h — the loaded policy, shared by policy.c (which builds it) and
 * assess.c (which applies it). Not installed. */
#ifndef HC_POLICY_IMPL_H
#define HC_POLICY_IMPL_H

#include <healthcode/assess.h>

/* The triggers of doc/architecture.md's table, in its order. */
typedef enum {
    HC_TRIG_CASE = 0, HC_TRIG_RECOVERED, HC_TRIG_CLOSE_CONTACT, HC_TRIG_HIGH_RISK_TRAVEL,
    HC_TRIG_INBOUND, HC_TRIG_MEDIUM_RISK_TRAVEL, HC_TRIG_SECONDARY_CONTACT, HC_TRIG_SYMPTOMS,
    HC_TRIG_FEVER_WITH_EXPOSURE,
    HC_TRIG__COUNT
} hc_trigger;

/* The five levels of Zhejiang's county map, lowest first. */
typedef enum {
    HC_LEVEL_LOW = 0, HC_LEVEL_LOWER, HC_LEVEL_MEDIUM, HC_LEVEL_HIGHER, HC_LEVEL_HIGH,
    HC_LEVEL__COUNT
} hc_risk_level;

/* Bounds of every number a policy file may hold. */
#define HC_POLICY_DAYS_MAX 365
#define HC_RISK_MAP_MAX 100000          /* entries */
#define HC_RISK_MAP_FILE_MAX (8u << 20) /* bytes of CSV */
#define HC_POLICY_FILE_MAX (8u << 20)   /* bytes of JSON */
#define HC_POLICY_NAME_MAX 64

/* A risk-map key: a GB/T 2260 code (< 1 000 000) as is, a country as
 * HC_RISK_COUNTRY_BASE + 26 * (c0 - 'A') + (c1 - 'A'). */
#define HC_RISK_COUNTRY_BASE 1000000u

typedef struct {
    uint32_t key;
    uint8_t level;   /* hc_risk_level */
} hc_risk_entry;

typedef struct {
    hc_colour colour;   /* HC_YELLOW or HC_RED */
    int32_t days;       /* 0..365; -1 for case: "while the status holds" */
} hc_trigger_rule;

struct hc_policy {
    char name[HC_POLICY_NAME_MAX];
    int32_t utc_offset_s;                  /* the policy's time zone, seconds east of UTC */
    double fever_threshold_c;              /* a temperature >= this is a fever */
    hc_trigger_rule trigger[HC_TRIG__COUNT];
    int32_t run_red, run_yellow;           /* consecutive normal check-ins that end a previous colour */
    /* Which travel trigger each level raises: HC_TRIG_HIGH_RISK_TRAVEL,
     * HC_TRIG_MEDIUM_RISK_TRAVEL, or HC_TRIG__COUNT for none. */
    hc_trigger level_trigger[HC_LEVEL__COUNT];
    hc_risk_entry *map;                    /* sorted by key, no duplicates */
    size_t n_map;
};

/* "case", "recovered", … ; "previous_colour" is not a trigger of the table. */
const char *hc_trigger_name(hc_trigger t);
/* "low" … "high". */
const char *hc_risk_level_name(hc_risk_level l);

/* The level of GB/T 2260 region code: the entry for the county, else its
 * prefecture (XXXX00), else its province (XX0000), else HC_LEVEL_LOW.
 * *matched (if not NULL) receives the code of the entry used, 0 if none. */
hc_risk_level hc_policy_region_level(const hc_policy *p, uint32_t code, uint32_t *matched);
/* The level of an ISO 3166 alpha-2 country; HC_LEVEL_LOW if not in the map. */
hc_risk_level hc_policy_country_level(const hc_policy *p, const char *cc);

#endif

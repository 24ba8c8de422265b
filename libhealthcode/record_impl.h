/* record_impl.h — the parsed person record, shared by record.c (which fills it)
 * and assess.c / issue.c (which read it). Not installed. */
#ifndef HC_RECORD_IMPL_H
#define HC_RECORD_IMPL_H

#include <healthcode/record.h>
#include <healthcode/assess.h>
#include "device_impl.h"

typedef enum {
    HC_CONTACT_NONE = 0, HC_CONTACT_CLOSE, HC_CONTACT_SECONDARY, HC_CONTACT_SUSPECTED,
    HC_CONTACT_CONFIRMED, HC_CONTACT_ASYMPTOMATIC, HC_CONTACT_RECOVERED
} hc_contact_status;

/* Declared symptoms, as a bit set. */
enum {
    HC_SYM_FEVER = 1u << 0, HC_SYM_COUGH = 1u << 1, HC_SYM_FATIGUE = 1u << 2,
    HC_SYM_SORE_THROAT = 1u << 3, HC_SYM_SHORT_BREATH = 1u << 4, HC_SYM_DIARRHOEA = 1u << 5,
    HC_SYM_HEADACHE = 1u << 6, HC_SYM_MUSCLE_ACHE = 1u << 7, HC_SYM_LOSS_SMELL = 1u << 8,
    HC_SYM_OTHER = 1u << 9
};

typedef struct {
    uint32_t region;     /* GB/T 2260 code, 0 when the stay is abroad */
    char country[3];     /* ISO 3166 alpha-2, "" when the stay is in China */
    hc_day from, to;     /* inclusive calendar dates */
} hc_stay;

typedef struct {
    hc_day date;
    bool normal;
    bool has_temperature;
    double temperature_c;
} hc_checkin;

struct hc_record {
    char id[40];
    char id_type[16];          /* "cn_resident" or "passport" */
    char name[128];            /* UTF-8, "" when absent */
    uint32_t residence;        /* 0 when absent */

    hc_stay *travel;
    size_t n_travel;

    hc_contact_status contact;
    hc_day last_contact;       /* HC_DAY_NONE when absent */
    hc_day discharged;         /* HC_DAY_NONE when absent */

    bool has_declaration;
    int64_t declaration_at;    /* epoch seconds */
    hc_day declaration_day;    /* local calendar date as written in the timestamp */
    unsigned symptoms;         /* HC_SYM_* bits */
    bool has_declared_temperature;
    double declared_temperature_c;

    hc_checkin *checkins;      /* in the order given */
    size_t n_checkins;

    bool has_entry;
    hc_day entry_date;
    char entry_from[3];

    bool has_previous;
    hc_colour previous;
    hc_day previous_since;

    bool has_device;           /* device_key: the token is bound to it (cnf) */
    hc_device_key device;
};

/* hc_record_parse_json reading the JSON in scratch (NULL: its own buffer),
 * for the batch, which parses millions of records without an allocation
 * each for the text's values. */
#include "json_impl.h"
hc_err hc_record_parse_json_scratch(const char *json, size_t len, hc_json_scratch *scratch,
                                    hc_record **out, hc_diag *diag);

/* Days since 1970-01-01 for a proleptic Gregorian date (no validation). */
hc_day hc_days_from_civil(int y, unsigned m, unsigned d);
/* Parses "YYYY-MM-DD" strictly (real date, years 1900-2199). false if not. */
bool hc_parse_date(const char *s, hc_day *out);

/* identity.c: a passport number of 5 to 20 letters and digits, upper-cased
 * in place; HC_E_RECORD with diag naming "id" otherwise. */
hc_err hc_passport_check(char *id, hc_diag *diag);

#endif

/* test_assess.c — doc/architecture.md's default policy applied to records, to the day.
 *
 * A table of scenarios: each a record (JSON, through hc_record_parse_json, the
 * public path), an instant `now` (+08:00 unless written otherwise), an
 * optional risk map, and the expected colour, `until` (exact local date-time,
 * or "-" for 0) and reasons ("code(field)+" for a holding reason, "-" for a
 * resolved one, in order). Errors name the field.
 *
 * The rule that decides every date below: a trigger with date t and d days
 * holds while the local date of now is before t + d. So t + d is the first
 * day on which it no longer holds, and `until` is that day's 00:00 +08:00.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include <healthcode/healthcode.h>
#include "record_impl.h"
#include "policy_impl.h"

/* ------------------------------------------------------------ helpers */

static int64_t civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "2020-02-04T10:00:00+08:00" or "...Z" → epoch seconds; a bare "2020-02-04T10:00" is +08:00. */
static int64_t at(const char *s)
{
    int y, mo, d, h, mi, sec = 0;
    int n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &h, &mi, &n) != 5)
        fail_msg("bad time in test: %s", s);
    const char *p = s + n;
    if (*p == ':') {
        sec = atoi(p + 1);
        p += 3;
    }
    int off = 8 * 3600;
    if (*p == 'Z')
        off = 0;
    else if (*p == '+' || *p == '-')
        off = (*p == '-' ? -1 : 1) * (atoi(p + 1) * 3600 + atoi(p + 4) * 60);
    return civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
}

/* epoch → "YYYY-MM-DDTHH:MM:SS+08:00" */
static void iso8(int64_t t, char *buf, size_t cap)
{
    int64_t l = t + 8 * 3600;
    int64_t days = l / 86400, rem = l % 86400;
    char d[11];
    hc_day_format((hc_day)days, d);
    snprintf(buf, cap, "%sT%02d:%02d:%02d+08:00", d, (int)(rem / 3600), (int)(rem / 60 % 60),
             (int)(rem % 60));
}

static hc_day day(const char *s)
{
    int y, m, d;
    if (sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3)
        fail_msg("bad day in test: %s", s);
    return (hc_day)civil(y, m, d);
}

#define PERSON "\"id\":\"330402199001011230\",\"id_type\":\"cn_resident\",\"name\":\"张三\",\"residence\":330402"

#define CK(d) "{\"date\":\"" d "\",\"normal\":true}"

typedef struct {
    const char *name;
    const char *record;   /* fields after the person's, without braces; "" for none */
    const char *now;
    const char *map;      /* risk-map CSV replacing the default map, or NULL */
    hc_err err;
    const char *colour;
    const char *until;    /* "-" for 0 */
    const char *reasons;  /* "code(field)+ code(field)-" */
    const char *field;    /* on error: the diag field (prefix) */
    const char *message;  /* on error: the exact diag message, or NULL */
} scenario;

static const char *const JIANGXI_MEDIUM = "region,level\n420000,high\n330300,high\n331000,high\n360000,medium\n";

static const scenario scenarios[] = {
    /* --- nothing found */
    {"nothing found", "", "2020-02-05T10:00", NULL, HC_OK, "green", "-", "", NULL, NULL},

    /* --- the driver back from Wuhan on 21 January (the seeds). t = 2020-01-21, 14 days:
     * t + 14 = 2020-02-04. The trigger holds while the local date of now is before
     * 2020-02-04, i.e. through 2020-02-03; assessed on 4 February he is green — the 14
     * days 21 Jan … 3 Feb (counting the day of return as day 1) are over. */
    {"wuhan driver on 4 February",
     "\"travel\":[{\"region\":420100,\"from\":\"2020-01-18\",\"to\":\"2020-01-21\"}]",
     "2020-02-04T10:00", NULL, HC_OK, "green", "-", "high_risk_travel(travel[0].to)-", NULL, NULL},
    {"wuhan driver the day before (3 Feb)",
     "\"travel\":[{\"region\":420100,\"from\":\"2020-01-18\",\"to\":\"2020-01-21\"}]",
     "2020-02-03T10:00", NULL, HC_OK, "red", "2020-02-04T00:00:00+08:00",
     "high_risk_travel(travel[0].to)+", NULL, NULL},
    {"wuhan driver the day after (5 Feb)",
     "\"travel\":[{\"region\":420100,\"from\":\"2020-01-18\",\"to\":\"2020-01-21\"}]",
     "2020-02-05T10:00", NULL, HC_OK, "green", "-", "high_risk_travel(travel[0].to)-", NULL, NULL},
    {"wuhan driver at 23:59 local on 3 Feb",
     "\"travel\":[{\"region\":420100,\"from\":\"2020-01-18\",\"to\":\"2020-01-21\"}]",
     "2020-02-03T23:59:00+08:00", NULL, HC_OK, "red", "2020-02-04T00:00:00+08:00",
     "high_risk_travel(travel[0].to)+", NULL, NULL},
    /* 00:01 local on 4 Feb is 16:01 UTC on 3 Feb: the local date decides. */
    {"wuhan driver at 00:01 local on 4 Feb",
     "\"travel\":[{\"region\":420100,\"from\":\"2020-01-18\",\"to\":\"2020-01-21\"}]",
     "2020-02-03T16:01:00Z", NULL, HC_OK, "green", "-", "high_risk_travel(travel[0].to)-", NULL, NULL},
    {"wuhan driver at 23:59 UTC on 3 Feb (07:59 local on 4 Feb)",
     "\"travel\":[{\"region\":420100,\"from\":\"2020-01-18\",\"to\":\"2020-01-21\"}]",
     "2020-02-03T23:59:00Z", NULL, HC_OK, "green", "-", "high_risk_travel(travel[0].to)-", NULL, NULL},
    {"Wenzhou county (330302) high through its prefecture",
     "\"travel\":[{\"region\":330302,\"from\":\"2020-02-01\",\"to\":\"2020-02-02\"}]",
     "2020-02-05T10:00", NULL, HC_OK, "red", "2020-02-16T00:00:00+08:00",
     "high_risk_travel(travel[0].to)+", NULL, NULL},

    /* --- the couple back from Jiangxi on 28 January */
    {"jiangxi couple, default map (no entry: level low, no trigger)",
     "\"travel\":[{\"region\":360100,\"from\":\"2020-01-20\",\"to\":\"2020-01-28\"}]",
     "2020-02-05T10:00", NULL, HC_OK, "green", "-", "", NULL, NULL},
    {"jiangxi couple, Jiangxi medium",
     "\"travel\":[{\"region\":360100,\"from\":\"2020-01-20\",\"to\":\"2020-01-28\"}]",
     "2020-02-05T10:00", JIANGXI_MEDIUM, HC_OK, "yellow", "2020-02-11T00:00:00+08:00",
     "medium_risk_travel(travel[0].to)+", NULL, NULL},
    {"jiangxi couple, Jiangxi medium, on 11 Feb",
     "\"travel\":[{\"region\":360100,\"from\":\"2020-01-20\",\"to\":\"2020-01-28\"}]",
     "2020-02-11T00:00:00+08:00", JIANGXI_MEDIUM, HC_OK, "green", "-",
     "medium_risk_travel(travel[0].to)-", NULL, NULL},
    {"jiangxi higher raises red",
     "\"travel\":[{\"region\":360100,\"from\":\"2020-01-20\",\"to\":\"2020-01-28\"}]",
     "2020-02-05T10:00", "region,level\n360000,higher\n", HC_OK, "red", "2020-02-11T00:00:00+08:00",
     "high_risk_travel(travel[0].to)+", NULL, NULL},
    {"jiangxi lower raises nothing",
     "\"travel\":[{\"region\":360100,\"from\":\"2020-01-20\",\"to\":\"2020-01-28\"}]",
     "2020-02-05T10:00", "region,level\n360000,lower\n", HC_OK, "green", "-", "", NULL, NULL},
    {"the prefecture's entry beats the province's",
     "\"travel\":[{\"region\":420102,\"from\":\"2020-01-20\",\"to\":\"2020-01-28\"}]",
     "2020-02-05T10:00", "region,level\n420000,high\n420100,medium\n", HC_OK, "yellow",
     "2020-02-11T00:00:00+08:00", "medium_risk_travel(travel[0].to)+", NULL, NULL},
    {"a stay abroad in a country of the map",
     "\"travel\":[{\"country\":\"IT\",\"from\":\"2020-03-01\",\"to\":\"2020-03-14\"}]",
     "2020-03-20T10:00", "region,level\nIT,high\n", HC_OK, "red", "2020-03-28T00:00:00+08:00",
     "high_risk_travel(travel[0].to)+", NULL, NULL},
    {"a stay abroad, default map (no countries)",
     "\"travel\":[{\"country\":\"IT\",\"from\":\"2020-03-01\",\"to\":\"2020-03-14\"}]",
     "2020-03-20T10:00", NULL, HC_OK, "green", "-", "", NULL, NULL},

    /* --- contacts */
    {"close contact of a confirmed case",
     "\"contact\":{\"status\":\"close\",\"last_contact\":\"2020-02-01\"}",
     "2020-02-05T10:00", NULL, HC_OK, "red", "2020-02-15T00:00:00+08:00",
     "close_contact(contact.last_contact)+", NULL, NULL},
    {"close contact, the day before t+14",
     "\"contact\":{\"status\":\"close\",\"last_contact\":\"2020-02-01\"}",
     "2020-02-14T23:59:00+08:00", NULL, HC_OK, "red", "2020-02-15T00:00:00+08:00",
     "close_contact(contact.last_contact)+", NULL, NULL},
    {"close contact, the day of t+14",
     "\"contact\":{\"status\":\"close\",\"last_contact\":\"2020-02-01\"}",
     "2020-02-15T00:01:00+08:00", NULL, HC_OK, "green", "-", "close_contact(contact.last_contact)-",
     NULL, NULL},
    {"secondary contact",
     "\"contact\":{\"status\":\"secondary\",\"last_contact\":\"2020-02-01\"}",
     "2020-02-05T10:00", NULL, HC_OK, "yellow", "2020-02-15T00:00:00+08:00",
     "secondary_contact(contact.last_contact)+", NULL, NULL},
    {"confirmed case", "\"contact\":{\"status\":\"confirmed\"}", "2020-02-05T10:00", NULL, HC_OK, "red",
     "-", "case(contact.status)+", NULL, NULL},
    {"suspected case", "\"contact\":{\"status\":\"suspected\"}", "2020-02-05T10:00", NULL, HC_OK, "red",
     "-", "case(contact.status)+", NULL, NULL},
    {"asymptomatic infection", "\"contact\":{\"status\":\"asymptomatic\"}", "2020-02-05T10:00", NULL,
     HC_OK, "red", "-", "case(contact.status)+", NULL, NULL},
    {"recovered, 14 days from discharge",
     "\"contact\":{\"status\":\"recovered\",\"discharged\":\"2020-02-10\"}",
     "2020-02-20T10:00", NULL, HC_OK, "red", "2020-02-24T00:00:00+08:00",
     "recovered(contact.discharged)+", NULL, NULL},
    {"recovered, the day of t+14",
     "\"contact\":{\"status\":\"recovered\",\"discharged\":\"2020-02-10\"}",
     "2020-02-24T10:00", NULL, HC_OK, "green", "-", "recovered(contact.discharged)-", NULL, NULL},

    /* --- the traveller entering from Italy on 20 March */
    {"inbound from Italy", "\"entry\":{\"date\":\"2020-03-20\",\"from\":\"IT\"}", "2020-03-21T10:00",
     NULL, HC_OK, "red", "2020-04-03T00:00:00+08:00", "inbound(entry.date)+", NULL, NULL},
    {"inbound from Italy, 2 April 23:59", "\"entry\":{\"date\":\"2020-03-20\",\"from\":\"IT\"}",
     "2020-04-02T23:59:00+08:00", NULL, HC_OK, "red", "2020-04-03T00:00:00+08:00",
     "inbound(entry.date)+", NULL, NULL},
    {"inbound from Italy, 3 April", "\"entry\":{\"date\":\"2020-03-20\",\"from\":\"IT\"}",
     "2020-04-03T10:00", NULL, HC_OK, "green", "-", "inbound(entry.date)-", NULL, NULL},

    /* --- symptoms */
    {"declared cough",
     "\"declaration\":{\"at\":\"2020-02-05T09:00:00+08:00\",\"symptoms\":[\"cough\"]}",
     "2020-02-05T10:00", NULL, HC_OK, "yellow", "2020-02-12T00:00:00+08:00",
     "symptoms(declaration.symptoms)+", NULL, NULL},
    {"declared temperature exactly 37.3 (threshold is inclusive)",
     "\"declaration\":{\"at\":\"2020-02-05T09:00:00+08:00\",\"symptoms\":[],\"temperature_c\":37.3}",
     "2020-02-05T10:00", NULL, HC_OK, "yellow", "2020-02-12T00:00:00+08:00",
     "symptoms(declaration.temperature_c)+", NULL, NULL},
    {"declared temperature 37.2 is normal",
     "\"declaration\":{\"at\":\"2020-02-05T09:00:00+08:00\",\"symptoms\":[],\"temperature_c\":37.2}",
     "2020-02-05T10:00", NULL, HC_OK, "green", "-", "", NULL, NULL},
    /* 18:00 UTC on 29 Jan is 02:00 on 30 Jan in +08:00: its date is the 30th. */
    {"declaration date is its local date in the policy's zone",
     "\"declaration\":{\"at\":\"2020-01-29T18:00:00Z\",\"symptoms\":[\"fever\"]}",
     "2020-02-05T10:00", NULL, HC_OK, "yellow", "2020-02-06T00:00:00+08:00",
     "symptoms(declaration.symptoms)+", NULL, NULL},
    {"check-in with a fever",
     "\"checkins\":[{\"date\":\"2020-02-03\",\"normal\":true,\"temperature_c\":37.5}]",
     "2020-02-05T10:00", NULL, HC_OK, "yellow", "2020-02-10T00:00:00+08:00",
     "symptoms(checkins[0].temperature_c)+", NULL, NULL},
    {"check-in reporting unwell (normal: false) is a declared symptom",
     "\"checkins\":[{\"date\":\"2020-02-03\",\"normal\":false}]",
     "2020-02-05T10:00", NULL, HC_OK, "yellow", "2020-02-10T00:00:00+08:00",
     "symptoms(checkins[0].normal)+", NULL, NULL},
    {"check-in symptom, the day of t+7",
     "\"checkins\":[{\"date\":\"2020-02-03\",\"normal\":false}]",
     "2020-02-10T00:01:00+08:00", NULL, HC_OK, "green", "-", "symptoms(checkins[0].normal)-", NULL, NULL},

    /* --- fever with exposure */
    {"fever after a medium-risk stay",
     "\"travel\":[{\"region\":360100,\"from\":\"2020-01-20\",\"to\":\"2020-01-28\"}],"
     "\"checkins\":[{\"date\":\"2020-02-03\",\"normal\":true,\"temperature_c\":38.0}]",
     "2020-02-05T10:00", JIANGXI_MEDIUM, HC_OK, "red", "2020-02-17T00:00:00+08:00",
     "medium_risk_travel(travel[0].to)+ symptoms(checkins[0].temperature_c)+ "
     "fever_with_exposure(checkins[0].temperature_c)+", NULL, NULL},
    {"symptoms during the stay: t is the later date, the stay's end",
     "\"travel\":[{\"region\":360100,\"from\":\"2020-01-25\",\"to\":\"2020-02-01\"}],"
     "\"checkins\":[{\"date\":\"2020-01-28\",\"normal\":false}]",
     "2020-02-05T10:00", JIANGXI_MEDIUM, HC_OK, "red", "2020-02-15T00:00:00+08:00",
     "medium_risk_travel(travel[0].to)+ symptoms(checkins[0].normal)- "
     "fever_with_exposure(checkins[0].normal)+", NULL, NULL},
    {"fever of a secondary contact",
     "\"contact\":{\"status\":\"secondary\",\"last_contact\":\"2020-02-01\"},"
     "\"declaration\":{\"at\":\"2020-02-04T09:00:00+08:00\",\"symptoms\":[\"fever\",\"cough\"]}",
     "2020-02-05T10:00", NULL, HC_OK, "red", "2020-02-18T00:00:00+08:00",
     "secondary_contact(contact.last_contact)+ symptoms(declaration.symptoms)+ "
     "fever_with_exposure(declaration.symptoms)+", NULL, NULL},
    {"symptoms after the exposure ended: no fever_with_exposure",
     "\"travel\":[{\"region\":360100,\"from\":\"2020-01-05\",\"to\":\"2020-01-10\"}],"
     "\"checkins\":[{\"date\":\"2020-02-03\",\"normal\":false}]",
     "2020-02-05T10:00", JIANGXI_MEDIUM, HC_OK, "yellow", "2020-02-10T00:00:00+08:00",
     "medium_risk_travel(travel[0].to)- symptoms(checkins[0].normal)+", NULL, NULL},
    {"symptoms before the stay began: no fever_with_exposure",
     "\"travel\":[{\"region\":360100,\"from\":\"2020-01-25\",\"to\":\"2020-02-01\"}],"
     "\"checkins\":[{\"date\":\"2020-01-24\",\"normal\":false}]",
     "2020-02-05T10:00", JIANGXI_MEDIUM, HC_OK, "yellow", "2020-02-15T00:00:00+08:00",
     "medium_risk_travel(travel[0].to)+ symptoms(checkins[0].normal)-", NULL, NULL},

    /* --- several triggers: the worst wins; until is when the worst colour ends */
    {"red travel and yellow contact: red until the red ends",
     "\"travel\":[{\"region\":420100,\"from\":\"2020-01-20\",\"to\":\"2020-01-25\"}],"
     "\"contact\":{\"status\":\"secondary\",\"last_contact\":\"2020-02-01\"}",
     "2020-02-05T10:00", NULL, HC_OK, "red", "2020-02-08T00:00:00+08:00",
     "high_risk_travel(travel[0].to)+ secondary_contact(contact.last_contact)+", NULL, NULL},
    {"two reds: until the later one",
     "\"travel\":[{\"region\":420100,\"from\":\"2020-01-20\",\"to\":\"2020-01-25\"},"
     "{\"region\":331002,\"from\":\"2020-01-26\",\"to\":\"2020-01-27\"}],"
     "\"contact\":{\"status\":\"close\",\"last_contact\":\"2020-02-01\"}",
     "2020-02-05T10:00", NULL, HC_OK, "red", "2020-02-15T00:00:00+08:00",
     "high_risk_travel(travel[0].to)+ high_risk_travel(travel[1].to)+ close_contact(contact.last_contact)+",
     NULL, NULL},
    {"a case outlasts every dated trigger",
     "\"travel\":[{\"region\":420100,\"from\":\"2020-01-20\",\"to\":\"2020-01-25\"}],"
     "\"contact\":{\"status\":\"confirmed\"}",
     "2020-02-05T10:00", NULL, HC_OK, "red", "-",
     "high_risk_travel(travel[0].to)+ case(contact.status)+", NULL, NULL},
    {"resolved red and holding yellow: yellow",
     "\"travel\":[{\"region\":420100,\"from\":\"2020-01-10\",\"to\":\"2020-01-15\"}],"
     "\"checkins\":[{\"date\":\"2020-02-04\",\"normal\":true,\"temperature_c\":37.4}]",
     "2020-02-05T10:00", NULL, HC_OK, "yellow", "2020-02-11T00:00:00+08:00",
     "high_risk_travel(travel[0].to)- symptoms(checkins[0].temperature_c)+", NULL, NULL},

    /* --- the previous colour and the check-in runs */
    {"previous red, 14 normal check-ins complete",
     "\"previous\":{\"colour\":\"red\",\"since\":\"2020-01-20\"},\"checkins\":["
     CK("2020-01-21") "," CK("2020-01-22") "," CK("2020-01-23") "," CK("2020-01-24") ","
     CK("2020-01-25") "," CK("2020-01-26") "," CK("2020-01-27") "," CK("2020-01-28") ","
     CK("2020-01-29") "," CK("2020-01-30") "," CK("2020-01-31") "," CK("2020-02-01") ","
     CK("2020-02-02") "," CK("2020-02-03") "]",
     "2020-02-05T10:00", NULL, HC_OK, "green", "-", "previous_colour(previous.colour)-", NULL, NULL},
    {"previous red, one day short (13, today checked in)",
     "\"previous\":{\"colour\":\"red\",\"since\":\"2020-01-20\"},\"checkins\":["
     CK("2020-01-23") "," CK("2020-01-24") "," CK("2020-01-25") "," CK("2020-01-26") ","
     CK("2020-01-27") "," CK("2020-01-28") "," CK("2020-01-29") "," CK("2020-01-30") ","
     CK("2020-01-31") "," CK("2020-02-01") "," CK("2020-02-02") "," CK("2020-02-03") ","
     CK("2020-02-04") "]",
     "2020-02-04T10:00", NULL, HC_OK, "red", "2020-02-05T00:00:00+08:00",
     "previous_colour(previous.colour)+", NULL, NULL},
    /* 13 days up to yesterday: today's check-in completes the run, so the colour
     * may change now — until is now itself. */
    {"previous red, 13 up to yesterday: until is now",
     "\"previous\":{\"colour\":\"red\",\"since\":\"2020-01-20\"},\"checkins\":["
     CK("2020-01-23") "," CK("2020-01-24") "," CK("2020-01-25") "," CK("2020-01-26") ","
     CK("2020-01-27") "," CK("2020-01-28") "," CK("2020-01-29") "," CK("2020-01-30") ","
     CK("2020-01-31") "," CK("2020-02-01") "," CK("2020-02-02") "," CK("2020-02-03") ","
     CK("2020-02-04") "]",
     "2020-02-05T10:00", NULL, HC_OK, "red", "2020-02-05T10:00:00+08:00",
     "previous_colour(previous.colour)+", NULL, NULL},
    {"previous red, run broken by a gap on 28 Jan",
     "\"previous\":{\"colour\":\"red\",\"since\":\"2020-01-20\"},\"checkins\":["
     CK("2020-01-21") "," CK("2020-01-22") "," CK("2020-01-23") "," CK("2020-01-24") ","
     CK("2020-01-25") "," CK("2020-01-26") "," CK("2020-01-27") "," CK("2020-01-29") ","
     CK("2020-01-30") "," CK("2020-01-31") "," CK("2020-02-01") "," CK("2020-02-02") ","
     CK("2020-02-03") "," CK("2020-02-04") "]",
     "2020-02-04T10:00", NULL, HC_OK, "red", "2020-02-11T00:00:00+08:00",
     "previous_colour(previous.colour)+", NULL, NULL},
    {"previous red, run broken by an unwell check-in on 28 Jan",
     "\"previous\":{\"colour\":\"red\",\"since\":\"2020-01-20\"},\"checkins\":["
     CK("2020-01-21") "," CK("2020-01-22") "," CK("2020-01-23") "," CK("2020-01-24") ","
     CK("2020-01-25") "," CK("2020-01-26") "," CK("2020-01-27") ","
     "{\"date\":\"2020-01-28\",\"normal\":false},"
     CK("2020-01-29") "," CK("2020-01-30") "," CK("2020-01-31") "," CK("2020-02-01") ","
     CK("2020-02-02") "," CK("2020-02-03") "," CK("2020-02-04") "]",
     "2020-02-04T10:00", NULL, HC_OK, "red", "2020-02-11T00:00:00+08:00",
     "symptoms(checkins[7].normal)- previous_colour(previous.colour)+", NULL, NULL},
    {"previous red, run broken by a fever on 28 Jan",
     "\"previous\":{\"colour\":\"red\",\"since\":\"2020-01-20\"},\"checkins\":["
     CK("2020-01-21") "," CK("2020-01-22") "," CK("2020-01-23") "," CK("2020-01-24") ","
     CK("2020-01-25") "," CK("2020-01-26") "," CK("2020-01-27") ","
     "{\"date\":\"2020-01-28\",\"normal\":true,\"temperature_c\":37.6},"
     CK("2020-01-29") "," CK("2020-01-30") "," CK("2020-01-31") "," CK("2020-02-01") ","
     CK("2020-02-02") "," CK("2020-02-03") "," CK("2020-02-04") "]",
     "2020-02-04T10:00", NULL, HC_OK, "red", "2020-02-11T00:00:00+08:00",
     "symptoms(checkins[7].temperature_c)- previous_colour(previous.colour)+", NULL, NULL},
    {"previous red, today's check-in abnormal: the run restarts tomorrow",
     "\"previous\":{\"colour\":\"red\",\"since\":\"2020-01-20\"},\"checkins\":["
     CK("2020-01-29") "," CK("2020-01-30") "," CK("2020-01-31") "," CK("2020-02-01") ","
     CK("2020-02-02") "," CK("2020-02-03") ","
     "{\"date\":\"2020-02-04\",\"normal\":true,\"temperature_c\":37.5}]",
     "2020-02-04T10:00", NULL, HC_OK, "red", "2020-02-18T00:00:00+08:00",
     "symptoms(checkins[6].temperature_c)+ previous_colour(previous.colour)+", NULL, NULL},
    {"previous red, check-in on the day of since does not count",
     "\"previous\":{\"colour\":\"red\",\"since\":\"2020-01-21\"},\"checkins\":["
     CK("2020-01-21") "," CK("2020-01-22") "," CK("2020-01-23") "," CK("2020-01-24") ","
     CK("2020-01-25") "," CK("2020-01-26") "," CK("2020-01-27") "," CK("2020-01-28") ","
     CK("2020-01-29") "," CK("2020-01-30") "," CK("2020-01-31") "," CK("2020-02-01") ","
     CK("2020-02-02") "," CK("2020-02-03") "]",
     "2020-02-03T20:00", NULL, HC_OK, "red", "2020-02-04T00:00:00+08:00",
     "previous_colour(previous.colour)+", NULL, NULL},
    {"previous red, no check-ins yet: 14 days from today",
     "\"previous\":{\"colour\":\"red\",\"since\":\"2020-02-01\"}",
     "2020-02-05T10:00", NULL, HC_OK, "red", "2020-02-18T00:00:00+08:00",
     "previous_colour(previous.colour)+", NULL, NULL},
    {"previous red since today: the run starts tomorrow",
     "\"previous\":{\"colour\":\"red\",\"since\":\"2020-02-05\"}",
     "2020-02-05T10:00", NULL, HC_OK, "red", "2020-02-19T00:00:00+08:00",
     "previous_colour(previous.colour)+", NULL, NULL},
    {"previous yellow, 7 normal check-ins complete",
     "\"previous\":{\"colour\":\"yellow\",\"since\":\"2020-02-01\"},\"checkins\":["
     CK("2020-02-02") "," CK("2020-02-03") "," CK("2020-02-04") "," CK("2020-02-05") ","
     CK("2020-02-06") "," CK("2020-02-07") "," CK("2020-02-08") "]",
     "2020-02-08T20:00", NULL, HC_OK, "green", "-", "previous_colour(previous.colour)-", NULL, NULL},
    {"previous yellow, one day short",
     "\"previous\":{\"colour\":\"yellow\",\"since\":\"2020-02-01\"},\"checkins\":["
     CK("2020-02-02") "," CK("2020-02-03") "," CK("2020-02-04") "," CK("2020-02-05") ","
     CK("2020-02-06") "," CK("2020-02-07") "]",
     "2020-02-07T20:00", NULL, HC_OK, "yellow", "2020-02-08T00:00:00+08:00",
     "previous_colour(previous.colour)+", NULL, NULL},
    {"previous yellow under a red trigger: red until the trigger ends",
     "\"contact\":{\"status\":\"close\",\"last_contact\":\"2020-02-01\"},"
     "\"previous\":{\"colour\":\"yellow\",\"since\":\"2020-02-01\"}",
     "2020-02-05T10:00", NULL, HC_OK, "red", "2020-02-15T00:00:00+08:00",
     "close_contact(contact.last_contact)+ previous_colour(previous.colour)+", NULL, NULL},
    {"previous red outlasts a resolved trigger",
     "\"travel\":[{\"region\":420100,\"from\":\"2020-01-18\",\"to\":\"2020-01-21\"}],"
     "\"previous\":{\"colour\":\"red\",\"since\":\"2020-01-25\"}",
     "2020-02-05T10:00", NULL, HC_OK, "red", "2020-02-18T00:00:00+08:00",
     "high_risk_travel(travel[0].to)- previous_colour(previous.colour)+", NULL, NULL},
    {"previous green raises nothing", "\"previous\":{\"colour\":\"green\",\"since\":\"2020-02-01\"}",
     "2020-02-05T10:00", NULL, HC_OK, "green", "-", "", NULL, NULL},

    /* --- dates against now: the local date decides */
    {"a check-in dated today at 00:30 local (16:30 UTC the day before)",
     "\"checkins\":[" CK("2020-02-05") "]", "2020-02-04T16:30:00Z", NULL, HC_OK, "green", "-", "",
     NULL, NULL},
    {"a check-in dated today at 23:59 local", "\"checkins\":[" CK("2020-02-05") "]",
     "2020-02-05T23:59:00+08:00", NULL, HC_OK, "green", "-", "", NULL, NULL},

    /* --- errors: a date after now (hc_assess) */
    {"travel date after now",
     "\"travel\":[{\"region\":420100,\"from\":\"2020-02-04\",\"to\":\"2020-02-06\"}]",
     "2020-02-05T23:59:00+08:00", NULL, HC_E_RECORD, NULL, NULL, NULL, "travel[0].to",
     "travel[0].to (2020-02-06) is after the date of assessment (2020-02-05)"},
    {"check-in after now",
     "\"checkins\":[" CK("2020-02-02") "," CK("2020-02-03") "," CK("2020-02-04") "," CK("2020-02-06") "]",
     "2020-02-05T10:00", NULL, HC_E_RECORD, NULL, NULL, NULL, "checkins[3].date",
     "checkins[3].date (2020-02-06) is after the date of assessment (2020-02-05)"},
    {"check-in dated tomorrow local at 23:59 UTC of today", "\"checkins\":[" CK("2020-02-06") "]",
     "2020-02-05T15:59:00Z", NULL, HC_E_RECORD, NULL, NULL, NULL, "checkins[0].date",
     "checkins[0].date (2020-02-06) is after the date of assessment (2020-02-05)"},
    {"last contact after now", "\"contact\":{\"status\":\"close\",\"last_contact\":\"2020-02-06\"}",
     "2020-02-05T10:00", NULL, HC_E_RECORD, NULL, NULL, NULL, "contact.last_contact",
     "contact.last_contact (2020-02-06) is after the date of assessment (2020-02-05)"},
    {"discharge after now", "\"contact\":{\"status\":\"recovered\",\"discharged\":\"2020-02-06\"}",
     "2020-02-05T10:00", NULL, HC_E_RECORD, NULL, NULL, NULL, "contact.discharged",
     "contact.discharged (2020-02-06) is after the date of assessment (2020-02-05)"},
    {"declaration after now", "\"declaration\":{\"at\":\"2020-02-06T08:00:00+08:00\",\"symptoms\":[]}",
     "2020-02-05T10:00", NULL, HC_E_RECORD, NULL, NULL, NULL, "declaration.at",
     "declaration.at (2020-02-06) is after the date of assessment (2020-02-05)"},
    {"entry after now", "\"entry\":{\"date\":\"2020-03-21\",\"from\":\"IT\"}", "2020-03-20T10:00", NULL,
     HC_E_RECORD, NULL, NULL, NULL, "entry.date",
     "entry.date (2020-03-21) is after the date of assessment (2020-03-20)"},
    {"previous since after now", "\"previous\":{\"colour\":\"red\",\"since\":\"2020-02-06\"}",
     "2020-02-05T10:00", NULL, HC_E_RECORD, NULL, NULL, NULL, "previous.since",
     "previous.since (2020-02-06) is after the date of assessment (2020-02-05)"},

    /* --- errors: the record itself (hc_record_parse_json) */
    {"a stay whose to is before its from",
     "\"travel\":[{\"region\":420100,\"from\":\"2020-01-21\",\"to\":\"2020-01-18\"}]",
     "2020-02-05T10:00", NULL, HC_E_RECORD, NULL, NULL, NULL, "travel[0].to", NULL},
    {"a date not in ISO 8601",
     "\"travel\":[{\"region\":420100,\"from\":\"2020/01/18\",\"to\":\"2020-01-21\"}]",
     "2020-02-05T10:00", NULL, HC_E_RECORD, NULL, NULL, NULL, "travel[0].from", NULL},
    {"a date that does not exist", "\"checkins\":[{\"date\":\"2020-02-30\",\"normal\":true}]",
     "2020-03-05T10:00", NULL, HC_E_RECORD, NULL, NULL, NULL, "checkins[0].date", NULL},
    {"an unknown contact status", "\"contact\":{\"status\":\"maybe\",\"last_contact\":\"2020-02-01\"}",
     "2020-02-05T10:00", NULL, HC_E_RECORD, NULL, NULL, NULL, "contact.status", NULL},
    {"an unknown symptom",
     "\"declaration\":{\"at\":\"2020-02-05T09:00:00+08:00\",\"symptoms\":[\"sneezing fits\"]}",
     "2020-02-05T10:00", NULL, HC_E_RECORD, NULL, NULL, NULL, "declaration.symptoms", NULL},
    {"an unknown country (entry)", "\"entry\":{\"date\":\"2020-03-20\",\"from\":\"XX\"}",
     "2020-03-21T10:00", NULL, HC_E_RECORD, NULL, NULL, NULL, "entry.from", NULL},
    {"an unknown country (stay)",
     "\"travel\":[{\"country\":\"QQ\",\"from\":\"2020-03-01\",\"to\":\"2020-03-14\"}]",
     "2020-03-21T10:00", NULL, HC_E_RECORD, NULL, NULL, NULL, "travel[0].country", NULL},
    {"an unknown region code",
     "\"travel\":[{\"region\":429999,\"from\":\"2020-01-18\",\"to\":\"2020-01-21\"}]",
     "2020-02-05T10:00", NULL, HC_E_RECORD, NULL, NULL, NULL, "travel[0].region", NULL},
};

/* "code(field)+ code(field)-" for the reasons kept. */
static void reasons_text(const hc_assessment *a, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < a->n_reasons && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s(%s)%c", i ? " " : "", a->reasons[i].code,
                              a->reasons[i].field, a->reasons[i].holds ? '+' : '-');
}

static hc_err assess_json(const hc_policy *p, const char *fields, int64_t now, hc_assessment *a,
                          hc_diag *diag)
{
    char json[8192];
    snprintf(json, sizeof json, "{" PERSON "%s%s}", fields[0] ? "," : "", fields);
    hc_record *r = NULL;
    hc_err err = hc_record_parse_json(json, strlen(json), &r, diag);
    if (err != HC_OK)
        return err;
    err = hc_assess(p, r, now, a, diag);
    hc_record_free(r);
    return err;
}

static void run_scenario(const scenario *s)
{
    hc_policy *p = NULL;
    hc_diag diag;
    memset(&diag, 0, sizeof diag);
    assert_int_equal(hc_policy_load(NULL, &p, NULL), HC_OK);
    if (s->map)
        assert_int_equal(hc_policy_set_risk_map_csv(p, s->map, strlen(s->map), &diag), HC_OK);
    static hc_assessment a;
    hc_err err = assess_json(p, s->record, at(s->now), &a, &diag);
    hc_policy_free(p);
    if (err != s->err)
        fail_msg("[%s] error %s (%s: %s), expected %s", s->name, hc_err_name(err), diag.field,
                 diag.message, hc_err_name(s->err));
    if (err != HC_OK) {
        if (strncmp(diag.field, s->field, strlen(s->field)) != 0)
            fail_msg("[%s] diag field \"%s\", expected \"%s\"", s->name, diag.field, s->field);
        if (s->message && strcmp(diag.message, s->message) != 0)
            fail_msg("[%s] diag message \"%s\", expected \"%s\"", s->name, diag.message, s->message);
        return;
    }
    char until[40], rs[1024];
    if (a.until)
        iso8(a.until, until, sizeof until);
    else
        strcpy(until, "-");
    reasons_text(&a, rs, sizeof rs);
    if (strcmp(hc_colour_name(a.colour), s->colour) != 0 || strcmp(until, s->until) != 0 ||
        strcmp(rs, s->reasons) != 0)
        fail_msg("[%s]\n   got %s until %s: %s\n  want %s until %s: %s", s->name,
                 hc_colour_name(a.colour), until, rs, s->colour, s->until, s->reasons);
    assert_int_equal(a.n_found, a.n_reasons);
    for (size_t i = 0; i < a.n_reasons; i++) {
        assert_true(a.reasons[i].zh[0] != '\0');
        assert_true(a.reasons[i].en[0] != '\0');
    }
}

static void test_scenarios(void **state)
{
    (void)state;
    size_t n = sizeof scenarios / sizeof scenarios[0];
    assert_true(n >= 40);
    for (size_t i = 0; i < n; i++)
        run_scenario(&scenarios[i]);
}

/* ------------------------------------------------------------ reasons in detail */

static void assess_default(const char *fields, const char *now, hc_assessment *a)
{
    hc_policy *p = NULL;
    hc_diag d;
    assert_int_equal(hc_policy_load(NULL, &p, NULL), HC_OK);
    hc_err err = assess_json(p, fields, at(now), a, &d);
    if (err != HC_OK)
        fail_msg("%s: %s", hc_err_name(err), d.message);
    hc_policy_free(p);
}

/* The driver's reason names the place in words and gives the dates a person can check. */
static void test_wuhan_sentences(void **state)
{
    (void)state;
    static hc_assessment a;
    assess_default("\"travel\":[{\"region\":420100,\"from\":\"2020-01-18\",\"to\":\"2020-01-21\"}]",
                   "2020-02-03T10:00", &a);
    assert_int_equal(a.n_reasons, 1);
    const hc_reason *r = &a.reasons[0];
    assert_string_equal(r->code, "high_risk_travel");
    assert_int_equal(r->colour, HC_RED);
    assert_int_equal(r->from, day("2020-01-21"));
    assert_int_equal(r->until, day("2020-02-04"));
    assert_string_equal(r->en, "Stayed in region 420100 (high risk as part of 420000) from 2020-01-18 "
                               "to 2020-01-21: red until 2020-02-04 00:00.");
    assert_string_equal(r->zh, "2020-01-18至2020-01-21在湖北省武汉市（420100，所属420000为高风险地区）"
                               "停留：红码至2020-02-04 00:00。");
    assess_default("\"travel\":[{\"region\":420100,\"from\":\"2020-01-18\",\"to\":\"2020-01-21\"}]",
                   "2020-02-04T10:00", &a);
    assert_false(a.reasons[0].holds);
    assert_string_equal(a.reasons[0].en, "Stayed in region 420100 (high risk as part of 420000) from "
                                         "2020-01-18 to 2020-01-21: red until 2020-02-04 00:00 (ended).");
}

static void test_other_sentences(void **state)
{
    (void)state;
    static hc_assessment a;
    assess_default("\"entry\":{\"date\":\"2020-03-20\",\"from\":\"IT\"}", "2020-03-21T10:00", &a);
    assert_string_equal(a.reasons[0].en, "Entered China from Italy (IT) on 2020-03-20: red until 2020-04-03 00:00.");
    assert_string_equal(a.reasons[0].zh, "2020-03-20自意大利（IT）入境：红码至2020-04-03 00:00。");

    assess_default("\"contact\":{\"status\":\"close\",\"last_contact\":\"2020-02-01\"}", "2020-02-05T10:00", &a);
    assert_string_equal(a.reasons[0].en, "Close contact of a case, last contact on 2020-02-01: red until 2020-02-15 00:00.");
    assert_string_equal(a.reasons[0].zh, "为密切接触者，最后接触于2020-02-01：红码至2020-02-15 00:00。");

    assess_default("\"contact\":{\"status\":\"confirmed\"}", "2020-02-05T10:00", &a);
    assert_string_equal(a.reasons[0].en, "Recorded as a confirmed case: red while the status holds.");
    assert_int_equal(a.reasons[0].from, HC_DAY_NONE);
    assert_int_equal(a.reasons[0].until, HC_DAY_NONE);

    assess_default("\"declaration\":{\"at\":\"2020-02-05T09:00:00+08:00\",\"symptoms\":[\"fever\",\"cough\"],"
                   "\"temperature_c\":37.8}", "2020-02-05T10:00", &a);
    assert_string_equal(a.reasons[0].en, "Declared fever, cough and a temperature of 37.8 °C on 2020-02-05: "
                                         "yellow until 2020-02-12 00:00.");
    assert_string_equal(a.reasons[0].zh, "2020-02-05健康申报症状为发热、咳嗽，体温37.8°C：黄码至2020-02-12 00:00。");

    assess_default("\"checkins\":[{\"date\":\"2020-02-03\",\"normal\":true,\"temperature_c\":37.5}]",
                   "2020-02-05T10:00", &a);
    assert_string_equal(a.reasons[0].en, "Check-in on 2020-02-03 recorded a temperature of 37.5 °C: "
                                         "yellow until 2020-02-10 00:00.");

    assess_default("\"previous\":{\"colour\":\"red\",\"since\":\"2020-02-01\"},\"checkins\":["
                   CK("2020-02-03") "," CK("2020-02-04") "," CK("2020-02-05") "]", "2020-02-05T10:00", &a);
    const hc_reason *r = &a.reasons[0];
    assert_string_equal(r->code, "previous_colour");
    assert_int_equal(r->from, day("2020-02-01"));
    assert_int_equal(r->until, day("2020-02-16"));
    assert_string_equal(r->en, "The code has been red since 2020-02-01 and stays red until 14 consecutive "
                               "days of normal check-ins after that date (3 so far): red until 2020-02-16 "
                               "00:00 with a normal check-in every day.");
    assert_string_equal(r->zh, "自2020-02-01起为红码，须此后连续14天健康打卡正常方可转码（已连续3天）："
                               "红码至2020-02-16 00:00（须每天正常打卡）。");
    assess_default("\"previous\":{\"colour\":\"yellow\",\"since\":\"2020-02-01\"},\"checkins\":["
                   CK("2020-02-02") "," CK("2020-02-03") "," CK("2020-02-04") "," CK("2020-02-05") ","
                   CK("2020-02-06") "," CK("2020-02-07") "," CK("2020-02-08") "]", "2020-02-09T10:00", &a);
    r = &a.reasons[0];
    assert_false(r->holds);
    assert_int_equal(r->until, day("2020-02-08"));
    assert_string_equal(r->en, "The yellow code of 2020-02-01 has ended: 7 consecutive days of normal "
                               "check-ins after that date were completed on 2020-02-08.");
    assert_string_equal(r->zh, "2020-02-01起的黄码已解除：此后连续7天健康打卡正常，于2020-02-08完成。");
}

/* ------------------------------------------------------------ codes of 2020 */

/* A Hangzhou resident of 下城区 (330103) back from 江干区 (330104) in January
 * 2020: both codes were retired in 2021, and are read as they were then. */
#define HANGZHOU_2020 "{\"id\":\"330103199001011230\",\"id_type\":\"cn_resident\",\"name\":\"李四\"," \
    "\"residence\":%u,\"travel\":[{\"region\":%u,\"from\":\"2020-01-10\",\"to\":\"2020-01-14\"}]}"

static hc_err assess_hangzhou(unsigned residence, unsigned region, const char *map, hc_assessment *a,
                              hc_diag *d)
{
    char json[512];
    snprintf(json, sizeof json, HANGZHOU_2020, residence, region);
    hc_policy *p = NULL;
    hc_record *r = NULL;
    assert_int_equal(hc_policy_load(NULL, &p, NULL), HC_OK);
    if (map)
        assert_int_equal(hc_policy_set_risk_map_csv(p, map, strlen(map), d), HC_OK);
    hc_err err = hc_record_parse_json(json, strlen(json), &r, d);
    if (err == HC_OK)
        err = hc_assess(p, r, at("2020-01-20T10:00"), a, d);
    hc_record_free(r);
    hc_policy_free(p);
    return err;
}

static void test_retired_codes(void **state)
{
    (void)state;
    static hc_assessment a;
    hc_diag d;
    /* Under the seeds' map Hangzhou is not held back: green. */
    assert_int_equal(assess_hangzhou(330103, 330104, NULL, &a, &d), HC_OK);
    assert_int_equal(a.colour, HC_GREEN);
    assert_int_equal(a.n_reasons, 0);

    /* A map listing the prefecture (330100) covers its retired county, and
     * the reasons name the county as it was then, in both languages. */
    assert_int_equal(assess_hangzhou(330103, 330104, "region,level\n330100,high\n", &a, &d), HC_OK);
    assert_int_equal(a.colour, HC_RED);
    assert_int_equal(a.n_reasons, 1);
    assert_string_equal(a.reasons[0].en, "Stayed in region 330104 浙江省杭州市江干区 (high risk as part of "
                                         "330100) from 2020-01-10 to 2020-01-14: red until 2020-01-28 00:00.");
    assert_string_equal(a.reasons[0].zh, "2020-01-10至2020-01-14在浙江省杭州市江干区（330104，所属330100为"
                                         "高风险地区）停留：红码至2020-01-28 00:00。");

    /* A map may name the retired code itself; when it names both the old
     * code and the new one (330103 下城区, merged into 330105 拱墅区), a
     * stay is matched by the code the record gives: the old code's entry. */
    const char *both = "region,level\n330103,high\n330105,medium\n";
    assert_int_equal(assess_hangzhou(330103, 330103, both, &a, &d), HC_OK);
    assert_int_equal(a.colour, HC_RED);
    assert_string_equal(a.reasons[0].en, "Stayed in region 330103 浙江省杭州市下城区 (high risk) from "
                                         "2020-01-10 to 2020-01-14: red until 2020-01-28 00:00.");
    assert_int_equal(assess_hangzhou(330103, 330105, both, &a, &d), HC_OK);
    assert_int_equal(a.colour, HC_YELLOW);
    assert_string_equal(a.reasons[0].en, "Stayed in region 330105 (medium risk) from 2020-01-10 to "
                                         "2020-01-14: yellow until 2020-01-28 00:00.");
    assert_string_equal(a.reasons[0].zh, "2020-01-10至2020-01-14在浙江省杭州市拱墅区（330105，中风险地区）"
                                         "停留：黄码至2020-01-28 00:00。");

    /* A code valid in no revision is still refused, with the field named. */
    assert_int_equal(assess_hangzhou(330199, 330104, NULL, &a, &d), HC_E_RECORD);
    assert_string_equal(d.field, "residence");
    assert_string_equal(d.message, "residence (330199) is not a known GB/T 2260 region code");
    assert_int_equal(assess_hangzhou(330103, 330115, NULL, &a, &d), HC_E_RECORD);
    assert_string_equal(d.field, "travel[0].region");
    /* And in a risk map. */
    hc_policy *p = NULL;
    assert_int_equal(hc_policy_load(NULL, &p, NULL), HC_OK);
    const char *bad = "region,level\n330199,high\n";
    assert_int_equal(hc_policy_set_risk_map_csv(p, bad, strlen(bad), &d), HC_E_RISK_MAP);
    assert_string_equal(d.field, "region");
    hc_policy_free(p);
}

/* Check-ins count in date order whatever their order in the record. */
static void test_checkin_order_and_same_day(void **state)
{
    (void)state;
    static hc_assessment a;
    assess_default("\"previous\":{\"colour\":\"yellow\",\"since\":\"2020-02-01\"},\"checkins\":["
                   CK("2020-02-05") "," CK("2020-02-02") "," CK("2020-02-04") "," CK("2020-02-03") ","
                   CK("2020-02-08") "," CK("2020-02-06") "," CK("2020-02-07") "]", "2020-02-08T20:00", &a);
    assert_int_equal(a.colour, HC_GREEN);
    assert_int_equal(a.reasons[0].until, day("2020-02-08"));
    /* the same days in any order with an unwell day among them: the run is 6–8 Feb */
    assess_default("\"previous\":{\"colour\":\"yellow\",\"since\":\"2020-02-01\"},\"checkins\":["
                   CK("2020-02-08") "," CK("2020-02-03") "," CK("2020-02-04") ","
                   "{\"date\":\"2020-02-05\",\"normal\":false},"
                   CK("2020-02-06") "," CK("2020-02-02") "," CK("2020-02-07") "]", "2020-02-08T20:00", &a);
    assert_int_equal(a.colour, HC_YELLOW);
    assert_int_equal(a.n_reasons, 2);
    assert_int_equal(a.reasons[1].until, day("2020-02-12"));   /* 6, 7, 8 Feb done: 9, 10, 11 to go */
    char until[40];
    iso8(a.until, until, sizeof until);
    assert_string_equal(until, "2020-02-12T00:00:00+08:00");
    /* two check-ins on one day are refused by the record parser, naming the second */
    hc_policy *p = NULL;
    hc_diag d;
    assert_int_equal(hc_policy_load(NULL, &p, NULL), HC_OK);
    assert_int_equal(assess_json(p, "\"checkins\":[" CK("2020-02-04") "," CK("2020-02-04") "]",
                                 at("2020-02-05T10:00"), &a, &d), HC_E_RECORD);
    assert_string_equal(d.field, "checkins[1].date");
    hc_policy_free(p);
}

/* More findings than HC_MAX_REASONS: n_found counts them all, and the
 * holding ones are kept over resolved ones. */
static void test_reason_overflow(void **state)
{
    (void)state;
    char fields[8192];
    size_t n = 0;
    n += (size_t)snprintf(fields + n, sizeof fields - n, "\"checkins\":[");
    for (int i = 0; i < 40; i++)   /* 40 unwell days from 2020-01-01 to 2020-02-09 */
        n += (size_t)snprintf(fields + n, sizeof fields - n, "%s{\"date\":\"2020-%02d-%02d\",\"normal\":false}",
                              i ? "," : "", i < 31 ? 1 : 2, i < 31 ? i + 1 : i - 30);
    snprintf(fields + n, sizeof fields - n, "]");
    static hc_assessment a;
    assess_default(fields, "2020-02-09T10:00", &a);
    assert_int_equal(a.n_found, 40);
    assert_int_equal(a.n_reasons, HC_MAX_REASONS);
    assert_int_equal(a.colour, HC_YELLOW);
    assert_string_equal(a.reasons[HC_MAX_REASONS - 1].field, "checkins[39].normal");
    size_t holding = 0;
    for (size_t i = 0; i < a.n_reasons; i++)
        holding += a.reasons[i].holds;
    assert_int_equal(holding, 7);   /* 3 Feb … 9 Feb hold on 9 Feb */
    char until[40];
    iso8(a.until, until, sizeof until);
    assert_string_equal(until, "2020-02-16T00:00:00+08:00");
}

/* A policy in another zone moves the day boundary. */
static void test_policy_zone(void **state)
{
    (void)state;
    static const char *pol =
        "{\"name\":\"utc\",\"time_zone\":\"Z\",\"fever_threshold_c\":37.3,\"triggers\":{"
        "\"case\":{\"colour\":\"red\",\"days\":null},\"recovered\":{\"colour\":\"red\",\"days\":14},"
        "\"close_contact\":{\"colour\":\"red\",\"days\":14},\"high_risk_travel\":{\"colour\":\"red\",\"days\":14},"
        "\"inbound\":{\"colour\":\"red\",\"days\":14},\"medium_risk_travel\":{\"colour\":\"yellow\",\"days\":14},"
        "\"secondary_contact\":{\"colour\":\"yellow\",\"days\":14},\"symptoms\":{\"colour\":\"yellow\",\"days\":7},"
        "\"fever_with_exposure\":{\"colour\":\"red\",\"days\":14}},\"checkin_runs\":{\"red\":14,\"yellow\":7},"
        "\"risk_levels\":{\"high_risk_travel\":[\"high\",\"higher\"],\"medium_risk_travel\":[\"medium\"]},"
        "\"risk_map\":{\"420000\":\"high\"}}";
    hc_policy *p = NULL;
    hc_diag d;
    assert_int_equal(hc_policy_parse_json(pol, strlen(pol), &p, &d), HC_OK);
    assert_int_equal(hc_policy_utc_offset(p), 0);
    static hc_assessment a;
    /* 2020-02-04T07:00+08:00 is 2020-02-03T23:00Z: still the 3rd in UTC → red until 4 Feb 00:00Z. */
    assert_int_equal(assess_json(p, "\"travel\":[{\"region\":420100,\"from\":\"2020-01-18\",\"to\":\"2020-01-21\"}]",
                                 at("2020-02-03T23:00:00Z"), &a, &d), HC_OK);
    assert_int_equal(a.colour, HC_RED);
    assert_int_equal(a.until, at("2020-02-04T00:00:00Z"));
    hc_policy_free(p);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    hc_policy *p = NULL;
    static hc_assessment a;
    assert_int_equal(hc_policy_load(NULL, &p, NULL), HC_OK);
    assert_int_equal(hc_assess(p, NULL, 0, &a, NULL), HC_E_ARG);
    assert_int_equal(hc_assess(NULL, NULL, 0, &a, NULL), HC_E_ARG);
    hc_policy_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenarios),
        cmocka_unit_test(test_wuhan_sentences),
        cmocka_unit_test(test_other_sentences),
        cmocka_unit_test(test_checkin_order_and_same_day),
        cmocka_unit_test(test_reason_overflow),
        cmocka_unit_test(test_policy_zone),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_retired_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

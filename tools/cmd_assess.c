/* cmd_assess.c — `healthcode assess`: a record's colour and reasons, as JSON
 * or (--explain) as sentences. */
#include "cli.h"
#include "cmd.h"

#include <stdlib.h>

static const char usage_assess[] =
    "usage: healthcode assess [--policy P.json] [--risk-map MAP.csv] [--now T] [--explain]\n"
    "                         RECORD.json|-\n"
    "\n"
    "Assesses a person record under the policy and prints JSON: colour, until (when\n"
    "the colour may change; null if not expected to) and every reason found.\n"
    "\n"
    "  --policy FILE    a policy file (default: the built-in Zhejiang 2020 policy)\n"
    "  --risk-map FILE  a CSV \"region,level\" replacing the policy's risk map\n"
    "  --now T          the instant assessed: epoch seconds or ISO 8601 (default: now)\n"
    "  --explain        print the reasons as sentences (zh, then en; '*' marks those\n"
    "                   that hold) instead of JSON\n";

static json_t *day_json(hc_day d)
{
    if (d == HC_DAY_NONE)
        return json_null();
    char buf[11];
    hc_day_format(d, buf);
    return json_string(buf);
}

/* An instant in the policy's zone: the days of the reasons are in it too. */
static json_t *time_json(int64_t t, int32_t offset)
{
    if (t == 0)
        return json_null();
    char buf[40];
    cli_format_time(t, offset, buf, sizeof buf);
    return json_string(buf);
}

json_t *cli_assessment_json(const hc_assessment *as, int32_t offset)
{
    json_t *o = json_object(), *reasons = json_array();
    json_object_set_new(o, "colour", json_string(hc_colour_name(as->colour)));
    json_object_set_new(o, "until", time_json(as->until, offset));
    for (size_t i = 0; i < as->n_reasons && i < HC_MAX_REASONS; i++) {
        const hc_reason *r = &as->reasons[i];
        json_t *j = json_object();
        json_object_set_new(j, "code", json_string(r->code));
        json_object_set_new(j, "colour", json_string(hc_colour_name(r->colour)));
        json_object_set_new(j, "holds", json_boolean(r->holds));
        json_object_set_new(j, "from", day_json(r->from));
        json_object_set_new(j, "until", day_json(r->until));
        json_object_set_new(j, "field", r->field[0] ? json_string(r->field) : json_null());
        json_object_set_new(j, "zh", json_string(r->zh));
        json_object_set_new(j, "en", json_string(r->en));
        json_array_append_new(reasons, j);
    }
    json_object_set_new(o, "reasons", reasons);
    if (as->n_found > as->n_reasons)
        json_object_set_new(o, "reasons_omitted", json_integer((json_int_t)(as->n_found - as->n_reasons)));
    return o;
}

static void explain(const hc_assessment *as, int32_t offset)
{
    char until[40] = "";
    if (as->until)
        cli_format_time(as->until, offset, until, sizeof until);
    printf("colour: %s%s%s\n", hc_colour_name(as->colour), as->until ? ", until " : "", until);
    for (size_t i = 0; i < as->n_reasons && i < HC_MAX_REASONS; i++) {
        const hc_reason *r = &as->reasons[i];
        const char *mark = r->holds ? "* " : "  ";
        printf("%s%s\n%s%s\n", mark, r->zh, mark, r->en);
    }
}

int cmd_assess(int argc, char **argv)
{
    enum { O_EXPLAIN = 1 };
    const char *val, *policy = NULL, *risk = NULL, *now_s = NULL, *path = NULL;
    const cli_opt opts[] = {{"policy", true, 0, &policy}, {"risk-map", true, 0, &risk},
                            {"now", true, 0, &now_s},     {"explain", false, O_EXPLAIN, NULL},
                            {NULL, false, 0, NULL}};
    cli_args a;
    cli_args_init(&a, "assess", usage_assess, argc, argv);
    cli_args_operand(&a, "record", "a file, or - for standard input", &path);
    bool expl = false;
    for (int id; (id = cli_next(&a, opts, &val)) != CLI_END;) {
        if (id != O_EXPLAIN)
            return cli_stop(id);
        expl = true;
    }
    if (cli_operand_missing(&a))
        return EX_USAGE;
    int64_t now;
    if (!cli_now("assess", now_s, &now))
        return EX_USAGE;

    hc_policy *pol = NULL;
    hc_record *rec = NULL;
    int rc = cli_load_policy(policy, risk, &pol);
    if (!rc)
        rc = cli_load_record(path, &rec);
    if (!rc) {
        hc_assessment *as = calloc(1, sizeof *as);
        hc_diag d = {0};
        hc_err e = as ? hc_assess(pol, rec, now, as, &d) : HC_E_NOMEM;
        if (e) {
            cli_diag(path, e, &d);
            rc = EX_INPUT;
        } else if (expl) {
            explain(as, hc_policy_utc_offset(pol));
        } else {
            rc = cli_print_json(cli_assessment_json(as, hc_policy_utc_offset(pol)));
        }
        free(as);
    }
    hc_record_free(rec);
    hc_policy_free(pol);
    return rc;
}

/* cmd_correct.c — `healthcode correct` (纠错): a wrong code corrected with the
 * register: the corrected record re-assessed and issued anew, the old cti
 * revoked, the operator and the reason recorded — all of it, or nothing
 * (hc_register_correct). Public API only. */
#include "cli.h"
#include "cmd.h"

#include <stdlib.h>
#include <string.h>

static const char usage_correct[] =
    "usage: healthcode correct --register R.db --key PRIV.pem --issuer ISS --cti OLD\n"
    "                          --record CORRECTED.json|- --reason TEXT --operator ID\n"
    "                          [--evidence REF] [--now T] [--policy P.json] [--risk-map MAP.csv]\n"
    "                          [--subject-secret FILE] [--validity 24h]\n"
    "                          [--key-pass file:PATH|env:VAR]\n"
    "\n"
    "Corrects the code OLD (its cti, 16 hex digits): assesses the corrected record,\n"
    "issues its new code, and in one transaction of the register records the new\n"
    "code, the correction (old and new cti, operator, reason, evidence, time) and\n"
    "the revocation of OLD. Prints {\"old_cti\",\"old_colour\",\"new_cti\",\"new_colour\",\n"
    "\"reasons\",\"until\",\"token\",\"seq\"}. Then 'register revocations' writes the list\n"
    "that checkpoints load, so the old code stops working there.\n"
    "Refused with nothing written: an unknown (42) or already revoked (43) OLD, a\n"
    "record of another subject (44: by sub when the old code has one, so give the\n"
    "same --subject-secret; else by the masked document), an empty reason or\n"
    "operator (2).\n"
    "\n"
    "  --evidence REF         a reference for the record (case number, document id)\n"
    "  --now T                the time of the correction and of the new code\n"
    "  --validity D           the new code's validity (default 24h; at most 30d)\n"
    "  --policy, --risk-map, --subject-secret, --key-pass   as for issue\n";

typedef struct {
    const char *reg, *keyp, *iss, *cti, *record, *reason, *op, *evidence, *policy, *risk, *secretp;
    const char *key_pass;   /* --key-pass: the passphrase of an encrypted key */
    int64_t now, validity;
} correct_args;

#if HC_WITH_REGISTER
/* The new token, signed but not yet recorded or shown. */
static int new_token(const correct_args *ca, const hc_key *key, hc_assessment *as, int32_t *offset,
                     char *text, size_t *len)
{
    hc_record *rec = NULL;
    hc_policy *pol = NULL;
    hc_issuer *is = NULL;
    uint8_t *secret = NULL;
    size_t secret_len = 0;
    hc_diag d = {0};
    hc_err e;
    int rc = cli_load_record(ca->record, &rec);
    if (!rc)
        rc = cli_load_policy(ca->policy, ca->risk, &pol);
    if (!rc && ca->secretp)
        rc = cli_load_secret(ca->secretp, &secret, &secret_len);
    if (!rc && (e = hc_assess(pol, rec, ca->now, as, &d))) {
        cli_diag(ca->record, e, &d);
        rc = EX_INPUT;
    }
    if (!rc)
        rc = cli_issuer_new("correct", ca->iss, key, ca->keyp, secret, secret_len, ca->secretp, &is);
    if (!rc && (e = hc_issue(is, rec, as, ca->now, ca->validity, text, HC_TOKEN_MAX + 1, len))) {
        cli_error("correct: cannot issue: %s", hc_strerror(e));
        rc = EX_INPUT;
    }
    if (!rc)
        *offset = hc_policy_utc_offset(pol);
    if (secret) {
        explicit_bzero(secret, secret_len);
        free(secret);
    }
    hc_issuer_free(is);
    hc_policy_free(pol);
    hc_record_free(rec);
    return rc;
}

static int print_correction(const hc_register_correction *c, const hc_assessment *as, int32_t offset,
                            const char *token)
{
    json_t *a = cli_assessment_json(as, offset);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:O, s:O, s:s, s:I}", "old_cti", c->old_code.cti, "old_colour",
                          hc_colour_name(c->old_code.colour), "new_cti", c->new_cti, "new_colour",
                          hc_colour_name(c->new_colour), "reasons", json_object_get(a, "reasons"), "until",
                          json_object_get(a, "until"), "token", token, "seq", (json_int_t)c->seq);
    json_decref(a);
    return cli_print_json(o);
}

static int run_correct(const correct_args *ca)
{
    hc_key *key = NULL;
    hc_register *reg = NULL;
    hc_assessment *as = calloc(1, sizeof *as);
    char *text = malloc(HC_TOKEN_MAX + 1);
    int32_t offset = 0;
    size_t len = 0;
    int rc = as && text ? 0 : EX_INPUT;
    if (!rc)
        rc = cli_load_private_key(ca->keyp, ca->key_pass, &key);
    if (!rc)
        rc = cli_register_open("correct", ca->reg, 0, key, &reg);
    /* refuse an unknown or revoked code before assessing anything */
    hc_register_code old;
    hc_err e = rc ? HC_OK : hc_register_lookup(reg, ca->cti, &old);
    if (!rc && e)
        rc = e == HC_E_ARG ? cli_usage_error("correct", "--cti: '%s' is not 16 hex digits", ca->cti)
                           : cli_register_error("correct", e, NULL);
    if (!rc && old.revoked) {
        hc_diag d = {0};
        snprintf(d.message, sizeof d.message, "the code %s is already revoked (corrected or revoked before)",
                 old.cti);
        rc = cli_register_error("correct", HC_E_REGISTER_REVOKED, &d);
    }
    if (!rc)
        rc = new_token(ca, key, as, &offset, text, &len);
    hc_register_action act = {ca->op, ca->reason, ca->evidence, ca->now};
    hc_register_correction out;
    hc_diag d = {0};
    if (!rc && (e = hc_register_correct(reg, ca->cti, text, len, &act, &out, &d)))
        rc = cli_register_error("correct", e, &d);
    if (!rc)
        rc = print_correction(&out, as, offset, text);
    free(text);
    free(as);
    hc_register_free(reg);
    hc_key_free(key);
    return rc;
}

#endif

int cmd_correct(int argc, char **argv)
{
    enum { O_VALIDITY = 1 };
    correct_args ca = {.validity = 86400};
    const char *now_s = NULL, *val;
    const cli_opt opts[] = {
        {"register", true, 0, &ca.reg},   {"key", true, 0, &ca.keyp},       {"issuer", true, 0, &ca.iss},
        {"cti", true, 0, &ca.cti},        {"record", true, 0, &ca.record},  {"reason", true, 0, &ca.reason},
        {"operator", true, 0, &ca.op},    {"evidence", true, 0, &ca.evidence},
        {"now", true, 0, &now_s},         {"policy", true, 0, &ca.policy},  {"risk-map", true, 0, &ca.risk},
        {"subject-secret", true, 0, &ca.secretp}, {"validity", true, O_VALIDITY, NULL},
        {"key-pass", true, 0, &ca.key_pass}, {NULL, false, 0, NULL}};
    cli_args a;
    cli_args_init(&a, "correct", usage_correct, argc, argv);
    for (int id; (id = cli_next(&a, opts, &val)) != CLI_END;) {
        if (id == O_VALIDITY) {
            if (!cli_parse_duration(val, &ca.validity) || ca.validity <= 0 || ca.validity > HC_VALIDITY_MAX)
                return cli_usage_error("correct", "--validity: '%s' is not a duration from 1s to 30d", val);
        } else if (id == CLI_POSITIONAL) {
            return cli_usage_error("correct", "unexpected operand '%s' (the record is --record FILE)", val);
        } else {
            return cli_stop(id);
        }
    }
#if !HC_WITH_REGISTER
    (void)now_s;
    return cli_usage_error("correct", "this build has no register (meson -Dregister: libsqlite3-dev)");
#else
    if (!ca.reg || !ca.keyp || !ca.iss || !ca.cti || !ca.record)
        return cli_usage_error("correct", "--register, --key, --issuer, --cti and --record are needed");
    if (!ca.reason || !*ca.reason)
        return cli_usage_error("correct", "--reason: say why the code was wrong (it is recorded)");
    if (!ca.op || !*ca.op)
        return cli_usage_error("correct", "--operator: who corrects it (it is recorded)");
    if (!cli_now("correct", now_s, &ca.now))
        return EX_USAGE;
    return run_correct(&ca);
#endif
}

/* cmd_issue.c — `healthcode issue`: assess a record and sign its token. */
#include "cli.h"
#include "cmd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char usage_issue[] =
    "usage: healthcode issue --key PRIV.pem --issuer ISS [--policy P.json] [--risk-map MAP.csv]\n"
    "                        [--now T] [--validity 24h] [--colour green|yellow|red]\n"
    "                        [--subject-secret FILE] [--device-pub PUB.pem] [--png OUT.png]\n"
    "                        [--register R.db] [--key-pass file:PATH|env:VAR] RECORD.json|-\n"
    "\n"
    "Assesses the record and prints the signed token (one line) on stdout.\n"
    "\n"
    "  --key FILE             the private signing key (mode 0600), or a pkcs11: URI\n"
    "  --key-pass SRC         the passphrase of an encrypted key: file:PATH (mode 0600,\n"
    "                         its first line) or env:VAR\n"
    "  --issuer ISS           the issuer identifier, e.g. CN-330000 (1-32 characters)\n"
    "  --policy FILE          a policy file (default: the built-in policy)\n"
    "  --risk-map FILE        a CSV \"region,level\" replacing the policy's risk map\n"
    "  --now T                the time of issue: epoch seconds or ISO 8601 (default: now)\n"
    "  --validity D           how long the token is valid: 90s, 15m, 24h (default), 7d,\n"
    "                         or seconds; at most 30d\n"
    "  --colour C             sign this colour instead of assessing (a back end's own\n"
    "                         decision); the record still gives the name and document\n"
    "  --subject-secret FILE  16-64 bytes (mode 0600): adds the sub pseudonym\n"
    "  --device-pub FILE      the holder's device public key (PEM: P-256, Ed25519 or\n"
    "                         SM2): the code is bound to it and shown live with\n"
    "                         'healthcode present' (as the record's device_key)\n"
    "  --png FILE             also write the QR code as a PNG (atomically)\n"
    "  --register R.db        record the code in the issuer's register (made if missing;\n"
    "                         doc/register.md): the token is printed only once recorded\n";

/* The command line of issue, once parsed. */
typedef struct {
    const char *keyp, *iss, *policy, *risk, *secretp, *pngp, *path, *devicep, *reg;
    const char *key_pass;   /* --key-pass: the passphrase of an encrypted key */
    int64_t now, validity;
    bool fixed;          /* --colour: sign this colour without assessing */
    hc_colour colour;
} issue_args;

static int run_issue(const issue_args *ia);

int cmd_issue(int argc, char **argv)
{
    enum { O_VALIDITY = 1, O_COLOUR };
    issue_args ia = {.validity = 86400, .colour = HC_GREEN};
    const char *val, *now_s = NULL;
    const cli_opt opts[] = {
        {"key", true, 0, &ia.keyp},       {"issuer", true, 0, &ia.iss},
        {"policy", true, 0, &ia.policy},  {"risk-map", true, 0, &ia.risk},
        {"now", true, 0, &now_s},         {"subject-secret", true, 0, &ia.secretp},
        {"png", true, 0, &ia.pngp},       {"device-pub", true, 0, &ia.devicep},
        {"register", true, 0, &ia.reg},   {"validity", true, O_VALIDITY, NULL},
        {"colour", true, O_COLOUR, NULL}, {"color", true, O_COLOUR, NULL},
        {"key-pass", true, 0, &ia.key_pass}, {NULL, false, 0, NULL}};
    cli_args a;
    cli_args_init(&a, "issue", usage_issue, argc, argv);
    cli_args_operand(&a, "record", "a file, or - for standard input", &ia.path);
    for (int id; (id = cli_next(&a, opts, &val)) != CLI_END;) {
        switch (id) {
        case O_VALIDITY:
            if (!cli_parse_duration(val, &ia.validity) || ia.validity <= 0 || ia.validity > HC_VALIDITY_MAX)
                return cli_usage_error("issue", "--validity: '%s' is not a duration from 1s to 30d "
                                                "(90s, 15m, 24h, 7d, or seconds)", val);
            break;
        case O_COLOUR:
            if (hc_colour_parse(val, &ia.colour))
                return cli_usage_error("issue", "--colour: '%s' is not green, yellow or red", val);
            ia.fixed = true;
            break;
        default: return cli_stop(id);
        }
    }
    if (!ia.keyp || !ia.iss)
        return cli_usage_error("issue", "both --key PRIV.pem and --issuer ISS are needed");
    if (cli_operand_missing(&a))
        return EX_USAGE;
    if ((ia.policy || ia.risk) && ia.fixed)
        return cli_usage_error("issue", "--colour signs a colour without assessing: "
                                        "--policy and --risk-map have no use with it");
#if !HC_WITH_RENDER
    if (ia.pngp)
        return cli_usage_error("issue", "--png: this build has no render support (meson -Drender)");
#endif
#if !HC_WITH_REGISTER
    if (ia.reg)
        return cli_usage_error("issue", "--register: this build has no register (meson -Dregister: libsqlite3-dev)");
#endif
    if (!cli_now("issue", now_s, &ia.now))
        return EX_USAGE;
    return run_issue(&ia);
}

#if HC_WITH_REGISTER
/* --register: the code recorded (one event, a signed head) before anything
 * is shown, so that no code goes out that the register lacks. */
static int record_code(const issue_args *ia, const hc_key *key, const char *text, size_t len)
{
    hc_register *reg = NULL;
    int rc = cli_register_open("issue", ia->reg, HC_REGISTER_CREATE, key, &reg);
    hc_diag d = {0};
    hc_err e = rc ? HC_OK : hc_register_record(reg, text, len, &d);
    if (!rc && e)
        rc = cli_register_error("issue", e, &d);
    hc_register_free(reg);
    return rc;
}
#endif

/* Loads what the command line names, assesses (unless --colour), signs,
 * records it if asked, writes the PNG if asked, then prints the token. */
static int run_issue(const issue_args *ia)
{
    hc_key *key = NULL, *device = NULL;
    hc_record *rec = NULL;
    hc_policy *pol = NULL;
    hc_issuer *is = NULL;
    uint8_t *secret = NULL;
    size_t secret_len = 0;
    hc_assessment *as = calloc(1, sizeof *as);
    char *text = malloc(HC_TOKEN_MAX + 1);
    int rc = as && text ? 0 : EX_INPUT;
    hc_err e;

    if (!rc)
        rc = cli_load_private_key(ia->keyp, ia->key_pass, &key);
    if (!rc && ia->secretp)
        rc = cli_load_secret(ia->secretp, &secret, &secret_len);
    if (!rc && ia->devicep && (e = hc_key_load_file(ia->devicep, &device))) {
        if (e == HC_E_KEY)
            cli_error("%s: not a P-256, Ed25519 or SM2 public key", ia->devicep);
        else
            cli_error("%s: %s", ia->devicep, cli_why(ia->devicep, e));
        rc = EX_INPUT;
    }
    if (!rc)
        rc = cli_load_record(ia->path, &rec);
    if (!rc && ia->fixed) {
        as->colour = ia->colour;
    } else if (!rc) {
        rc = cli_load_policy(ia->policy, ia->risk, &pol);
        hc_diag d = {0};
        if (!rc && (e = hc_assess(pol, rec, ia->now, as, &d))) {
            cli_diag(ia->path, e, &d);
            rc = EX_INPUT;
        }
    }
    if (!rc)
        rc = cli_issuer_new("issue", ia->iss, key, ia->keyp, secret, secret_len, ia->secretp, &is);
    size_t len = 0;
    if (!rc && (e = hc_issue_bound(is, rec, as, device, ia->now, ia->validity, text,
                                   HC_TOKEN_MAX + 1, &len))) {
        if (device && e == HC_E_KEY)
            cli_error("%s: not a P-256, Ed25519 or SM2 public key", ia->devicep);
        else if (device && e == HC_E_ARG)
            cli_error("%s: the record's device_key is another key: give one or the other", ia->devicep);
        else
            cli_error("cannot issue: %s", hc_strerror(e));
        rc = EX_INPUT;
    }
#if HC_WITH_REGISTER
    if (!rc && ia->reg)
        rc = record_code(ia, key, text, len);
#endif
#if HC_WITH_RENDER
    if (!rc && ia->pngp) {
        hc_render_opts ro = HC_RENDER_OPTS_DEFAULT;
        rc = cli_write_png("issue", ia->pngp, text, as->colour, &ro);
    }
#endif
    /* the token goes out only once everything asked for has been done */
    if (!rc && (puts(text) == EOF || fflush(stdout) != 0)) {
        cli_error("cannot write the token: %s", strerror(errno));
        rc = EX_INPUT;
    }
    if (secret) {
        explicit_bzero(secret, secret_len);
        free(secret);
    }
    free(text);
    free(as);
    hc_issuer_free(is);
    hc_policy_free(pol);
    hc_record_free(rec);
    hc_key_free(key);
    hc_key_free(device);
    return rc;
}

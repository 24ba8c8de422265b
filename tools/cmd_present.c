/* cmd_present.c — `healthcode present`: the holder's side of a bound code,
 * a live presentation of the token at one second (doc/format.md, "Holder
 * binding and live presentations"). A phone's app does the same every few
 * seconds with its keystore's key (hc_present_with_signer). */
#include "cli.h"
#include "cmd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char usage_present[] =
    "usage: healthcode present --device-key PRIV.pem [--key-pass file:PATH|env:VAR] [--now T]\n"
    "                          [--png OUT.png] TOKEN|-\n"
    "\n"
    "Prints the live presentation (HCLIVE1:...) of a token bound to the device key:\n"
    "the token and the time, signed by the device. A checkpoint accepts it for the\n"
    "live window around T (60 seconds by default); the holder's app shows a new one\n"
    "every few seconds.\n"
    "\n"
    "  --device-key FILE  the device's private key (mode 0600), the one the token's\n"
    "                     cnf names (issue --device-pub, or the record's device_key)\n"
    "  --key-pass SRC     the passphrase of an encrypted device key: file:PATH (mode\n"
    "                     0600) or env:VAR\n"
    "  --now T            the time of the presentation: epoch seconds or ISO 8601\n"
    "                     (default: now)\n"
    "  --png FILE         also write it as a QR code PNG (atomically; - for stdout)\n"
    "\n"
    "Exit status: 0 done, 2 usage, 3 input or I/O error (key, file), 10 malformed\n"
    "token, 31 the token is bound to no device, 32 the device key is of another\n"
    "algorithm than the token's binding.\n";

/* Why hc_present refused, and the exit status. */
static int present_error(const char *keyp, hc_err e)
{
    switch (e) {
    case HC_E_KEY:
        cli_error("%s: not the key the token is bound to", keyp);
        return EX_INPUT;
    case HC_E_UNBOUND:
        cli_error("present: the token is bound to no device (it has no cnf): it is shown as it is");
        break;
    case HC_E_DEVICE_ALG:
        cli_error("present: %s is not of the algorithm of the token's binding", keyp);
        break;
    default:
        cli_error("present: %s (%s)", hc_strerror(e), hc_err_name(e));
        break;
    }
    return cli_exit_for(e);
}

int cmd_present(int argc, char **argv)
{
    const char *val, *keyp = NULL, *pass = NULL, *now_s = NULL, *pngp = NULL, *arg = NULL;
    const cli_opt opts[] = {
        {"device-key", true, 0, &keyp}, {"now", true, 0, &now_s}, {"png", true, 0, &pngp},
        {"key-pass", true, 0, &pass},   {NULL, false, 0, NULL}};
    cli_args a;
    cli_args_init(&a, "present", usage_present, argc, argv);
    cli_args_operand(&a, "token", "the text, or - for standard input", &arg);
    for (int id; (id = cli_next(&a, opts, &val)) != CLI_END;)
        return cli_stop(id);
    if (!keyp)
        return cli_usage_error("present", "no device key: give --device-key PRIV.pem");
    if (cli_operand_missing(&a))
        return EX_USAGE;
#if !HC_WITH_RENDER
    if (pngp)
        return cli_usage_error("present", "--png: this build has no render support (meson -Drender)");
#endif
    int64_t now = 0;
    if (!cli_now("present", now_s, &now))
        return EX_USAGE;
    if (now < 0)
        return cli_usage_error("present", "--now: '%s' is before 1970", now_s);

    hc_key *key = NULL;
    cli_token *t = malloc(sizeof *t);
    char *text = malloc(HC_TOKEN_MAX + 1);
    int rc = t && text ? 0 : EX_INPUT;
    if (!rc)
        rc = cli_load_private_key(keyp, pass, &key);
    if (!rc)
        rc = cli_token_from_arg("present", arg, t);
    size_t len = 0;
    hc_err e;
    if (!rc && (e = hc_present(t->text, t->len, key, now, text, HC_TOKEN_MAX + 1, &len)))
        rc = present_error(keyp, e);
#if HC_WITH_RENDER
    hc_claims c;
    if (!rc && pngp) {
        hc_render_opts ro = HC_RENDER_OPTS_DEFAULT;
        e = hc_inspect(text, len, &c);
        rc = e ? cli_exit_for(e) : cli_write_png("present", pngp, text, c.colour, &ro);
    }
#endif
    if (!rc && (puts(text) == EOF || fflush(stdout) != 0)) {
        cli_error("cannot write the presentation: %s", strerror(errno));
        rc = EX_INPUT;
    }
    free(text);
    free(t);
    hc_key_free(key);
    return rc;
}

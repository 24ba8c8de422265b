/* cmd_inspect.c — `healthcode inspect`: a token's claims, NOT verified. */
#include "cli.h"
#include "cmd.h"

#include <stdlib.h>
#include <string.h>

static const char usage_inspect[] =
    "usage: healthcode inspect TOKEN|-\n"
    "\n"
    "Decodes a token WITHOUT verifying its signature and prints its claims as JSON\n"
    "with \"verified\": false. Do not trust them: use 'healthcode verify'.\n"
    "For a live presentation (HCLIVE1:) it prints the token's claims, \"presented\":\n"
    "true and its t; \"bound\" says whether the token carries a device key.\n";

int cmd_inspect(int argc, char **argv)
{
    static const cli_opt opts[] = {{NULL, false, 0, NULL}};
    const char *val, *arg = NULL;
    cli_args a;
    cli_args_init(&a, "inspect", usage_inspect, argc, argv);
    cli_args_operand(&a, "token", "the text, or - for standard input", &arg);
    int id = cli_next(&a, opts, &val);   /* no options: anything but the end stops here */
    if (id != CLI_END)
        return cli_stop(id);
    if (cli_operand_missing(&a))
        return EX_USAGE;
    cli_token *t = malloc(sizeof *t);
    if (!t)
        return EX_INPUT;
    int rc = cli_token_from_arg("inspect", arg, t);
    if (rc) {
        free(t);
        return rc;
    }
    fputs("warning: inspect does not verify the signature; do not trust these claims\n", stderr);
    hc_claims c;
    memset(&c, 0, sizeof c);
    hc_err e = hc_inspect(t->text, t->len, &c);
    free(t);
    json_t *o = json_object();
    json_object_set_new(o, "verified", json_false());
    json_object_set_new(o, "error", e ? json_string(hc_err_name(e)) : json_null());
    json_object_set_new(o, "message", e ? json_string(hc_strerror(e)) : json_null());
    cli_claims_json(o, &c, c.header_ok, c.claims_ok);
    /* what a presentation says of itself, unchecked: never "live", which only
     * P1-P5 with the device's signature can say */
    json_object_set_new(o, "bound", c.claims_ok ? json_boolean(c.bound) : json_null());
    json_object_set_new(o, "presented", json_boolean(c.presented));
    json_object_set_new(o, "t", c.presented ? json_integer(c.t) : json_null());
    int prc = cli_print_json(o);
    return prc ? prc : cli_exit_for(e);
}

/* main.c — the healthcode command: its table of commands, the global
 * --help and --version, and the dispatch to tools/cmd_NAME.c (cmd.h). It
 * uses the public API only, like any user of the library; doc/healthcode.1
 * is its manual. */
#include "cli.h"
#include "cmd.h"

#include <string.h>

/* The commands, in the order --help lists them. */
static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"keygen", cmd_keygen, "make a signing key pair"},
    {"assess", cmd_assess, "assess a person record: colour and reasons"},
    {"issue", cmd_issue, "assess and sign: the token on stdout"},
    {"render", cmd_render, "draw a token as a QR code (PNG, SVG, terminal)"},
    {"verify", cmd_verify, "verify a token offline: JSON verdict"},
    {"inspect", cmd_inspect, "decode a token without verifying it"},
    {"present", cmd_present, "show a bound token live: signed by the device, now"},
    {"check", cmd_check, "verify, then decide entry at a venue"},
    {"batch", cmd_batch, "issue many codes from a JSON-lines or CSV file"},
    {"bundle", cmd_bundle, "make or show a signed trust bundle"},
    {"trust", cmd_trust, "the trust-list entry of a public key or a token's key"},
    {"correct", cmd_correct, "correct a code: re-assess, issue anew, revoke the old (register)"},
    {"register", cmd_register, "the issuer's register: revocations, revoke, audit, stats, purge"},
#if HC_WITH_SHEETS
    {"sheets", cmd_sheets, "print paper codes (PDF or PNG A4 sheets) from tokens.jsonl"},
#endif
};

static void usage(FILE *f)
{
    fputs("usage: healthcode COMMAND [OPTIONS] [ARGS]\n"
          "       healthcode --help | -h | help [COMMAND [SUB-COMMAND]] | --version\n\ncommands:\n", f);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fputs("\n'healthcode COMMAND --help' (or -h, or 'healthcode help COMMAND') describes a command;\n"
          "'man healthcode' all of them.\n", f);
}

static int (*find_command(const char *name))(int, char **)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].run;
    return NULL;
}

static int unknown_command(const char *name)
{
    fprintf(stderr, "healthcode: unknown command '%s'\ntry 'healthcode --help'\n", name);
    return EX_USAGE;
}

/* `healthcode help [CMD [SUB…]]`: CMD's own --help (after its sub-command words),
 * so that the text is the one `healthcode CMD [SUB] --help` prints. */
static int help(int argc, char **argv)
{
    if (argc == 0) {
        usage(stdout);
        return 0;
    }
    int (*run)(int, char **) = find_command(argv[0]);
    if (!run)
        return unknown_command(argv[0]);
    char *args[8], help_opt[] = "--help";
    int n = argc - 1;
    if (n >= (int)(sizeof args / sizeof args[0]))
        return cli_usage_error("help", "too many words after '%s'", argv[0]);
    for (int i = 0; i < n; i++)
        args[i] = argv[i + 1];
    args[n] = help_opt;
    return run(n + 1, args);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EX_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "help") == 0)
        return help(argc - 2, argv + 2);
    if (strcmp(cmd, "--version") == 0) {
        /* the parts built, so that scripts (tests/cli.sh) can tell what to expect */
        printf("healthcode %s (libhealthcode %s; issuer%s%s)\n", HC_VERSION_STRING, hc_version(),
               HC_WITH_RENDER ? ", render" : "", HC_WITH_SCAN ? ", scan" : "");
        return 0;
    }
    int (*run)(int, char **) = find_command(cmd);
    if (!run)
        return unknown_command(cmd);
    return run(argc - 2, argv + 2);   /* -h is each command's (cli_is_help, cli_next) */
}

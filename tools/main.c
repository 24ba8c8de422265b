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
    {"check", cmd_check, "verify, then decide entry at a venue"},
    {"batch", cmd_batch, "issue many codes from a JSON-lines or CSV file"},
    {"bundle", cmd_bundle, "make or show a signed trust bundle"},
    {"correct", cmd_correct, "correct a code: re-assess, issue anew, revoke the old (register)"},
    {"register", cmd_register, "the issuer's register: revocations, revoke, audit, stats, purge"},
#if HC_WITH_SHEETS
    {"sheets", cmd_sheets, "print paper codes (PDF or PNG A4 sheets) from tokens.jsonl"},
#endif
};

static void usage(FILE *f)
{
    fputs("usage: healthcode COMMAND [OPTIONS] [ARGS]\n"
          "       healthcode --help | --version\n\ncommands:\n", f);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fputs("\n'healthcode COMMAND --help' describes a command; 'man healthcode' all of them.\n", f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EX_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        /* the parts built, so that scripts (tests/cli.sh) can tell what to expect */
        printf("healthcode %s (libhealthcode %s; issuer%s%s)\n", HC_VERSION_STRING, hc_version(),
               HC_WITH_RENDER ? ", render" : "", HC_WITH_SCAN ? ", scan" : "");
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 2, argv + 2);
    fprintf(stderr, "healthcode: unknown command '%s'\ntry 'healthcode --help'\n", cmd);
    return EX_USAGE;
}

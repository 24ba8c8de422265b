/* cmd_keygen.c — `healthcode keygen`: a new signing key pair. */
#include "cli.h"
#include "cmd.h"

#include <string.h>
#include <unistd.h>

static const char usage_keygen[] =
    "usage: healthcode keygen [--alg ES256|EdDSA] [--force] --out PRIV.pem --pub PUB.pem\n"
    "\n"
    "Makes a new signing key. The private key is written as PKCS#8 PEM with mode\n"
    "0600, the public key as SPKI PEM (0644), each atomically. Prints the key id\n"
    "(kid, 16 hex digits) on stdout; never any key material.\n"
    "\n"
    "  --alg ALG     ES256 (ECDSA P-256, the default) or EdDSA (Ed25519)\n"
    "  --out FILE    where to write the private key\n"
    "  --pub FILE    where to write the public key\n"
    "  --force       replace existing files\n";

int cmd_keygen(int argc, char **argv)
{
    enum { O_HELP, O_ALG, O_OUT, O_PUB, O_FORCE };
    static const cli_opt opts[] = {{"help", false, O_HELP}, {"alg", true, O_ALG},
                                   {"out", true, O_OUT},    {"pub", true, O_PUB},
                                   {"force", false, O_FORCE}, {NULL, false, 0}};
    cli_args a;
    cli_args_init(&a, "keygen", argc, argv);
    const char *val, *out = NULL, *pub = NULL;
    hc_alg alg = HC_ALG_ES256;
    bool force = false;
    for (int id; (id = cli_next(&a, opts, &val)) != CLI_END;) {
        switch (id) {
        case O_HELP: fputs(usage_keygen, stdout); return 0;
        case O_ALG:
            if (hc_alg_parse(val, &alg))
                return cli_usage_error("keygen", "--alg: '%s' is not ES256 or EdDSA", val);
            break;
        case O_OUT: out = val; break;
        case O_PUB: pub = val; break;
        case O_FORCE: force = true; break;
        case CLI_POSITIONAL: return cli_usage_error("keygen", "unexpected operand '%s'", val);
        default: return EX_USAGE;
        }
    }
    if (!out || !pub)
        return cli_usage_error("keygen", "both --out PRIV.pem and --pub PUB.pem are needed");
    if (strcmp(out, pub) == 0)
        return cli_usage_error("keygen", "--out and --pub name the same file");
    if (!force) {
        const char *files[2] = {out, pub};
        for (int i = 0; i < 2; i++)
            if (access(files[i], F_OK) == 0) {
                cli_error("%s exists; not replacing it (use --force)", files[i]);
                return EX_INPUT;
            }
    }
    hc_key *key = NULL;
    hc_err e = hc_key_generate(alg, &key);
    if (e) {
        cli_error("cannot make a key: %s", hc_strerror(e));
        return EX_INPUT;
    }
    uint8_t kid[HC_KID_LEN];
    int rc = 0;
    if ((e = hc_key_save_private(key, out))) {
        cli_error("%s: cannot write the private key: %s", out, hc_strerror(e));
        rc = EX_INPUT;
    } else if ((e = hc_key_save_public(key, pub))) {
        cli_error("%s: cannot write the public key: %s", pub, hc_strerror(e));
        rc = EX_INPUT;
    } else if ((e = hc_key_kid(key, kid))) {
        cli_error("cannot compute the kid: %s", hc_strerror(e));
        rc = EX_INPUT;
    } else {
        char hex[2 * HC_KID_LEN + 1];
        cli_hex(kid, HC_KID_LEN, hex);
        puts(hex);
    }
    hc_key_free(key);
    return rc;
}

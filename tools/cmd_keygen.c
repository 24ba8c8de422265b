/* cmd_keygen.c — `healthcode keygen`: a new signing key pair. */
#include "cli.h"
#include "cmd.h"

#include <string.h>
#include <unistd.h>

static const char usage_keygen[] =
    "usage: healthcode keygen [--alg ES256|EdDSA|SM2] [--force] --out PRIV.pem --pub PUB.pem\n"
    "       healthcode keygen [--alg ES256|EdDSA] --pkcs11 URI [--force] --pub PUB.pem\n"
    "\n"
    "Makes a new signing key. The private key is written as PKCS#8 PEM with mode\n"
    "0600, the public key as SPKI PEM (0644), each atomically. Prints the key id\n"
    "(kid, 16 hex digits) on stdout; never any key material.\n"
    "\n"
    "  --alg ALG     ES256 (ECDSA P-256, the default), EdDSA (Ed25519) or SM2\n"
    "                (SM2 with SM3, where OpenSSL has it)\n"
    "  --pkcs11 URI  make the key pair on a PKCS#11 token (RFC 7512 URI naming\n"
    "                token= and object=; module from module-path= or\n"
    "                HC_PKCS11_MODULE, PIN from pin-source=file:PATH or the file\n"
    "                HC_PKCS11_PIN_FILE names, mode 0600). The private key never\n"
    "                leaves the token; only the public key is written\n"
    "  --out FILE    where to write the private key\n"
    "  --pub FILE    where to write the public key\n"
    "  --force       replace existing files\n";

/* Prints the kid of key on stdout (never any key material). */
static int print_kid(const hc_key *key)
{
    uint8_t kid[HC_KID_LEN];
    hc_err e = hc_key_kid(key, kid);
    if (e) {
        cli_error("cannot compute the kid: %s", hc_strerror(e));
        return EX_INPUT;
    }
    char hex[2 * HC_KID_LEN + 1];
    cli_hex(kid, HC_KID_LEN, hex);
    puts(hex);
    return 0;
}

/* keygen --pkcs11: the pair is made on the token; only PUB.pem is written. */
/* Writes the key's files (the private one only when out is given: a key on a
 * token stays there), prints its kid, frees the key; the exit status. */
static int save_key(hc_key *key, const char *out, const char *pub)
{
    hc_err e;
    int rc = 0;
    if (out && (e = hc_key_save_private(key, out))) {
        cli_error("%s: cannot write the private key: %s", out, hc_strerror(e));
        rc = EX_INPUT;
    } else if ((e = hc_key_save_public(key, pub))) {
        cli_error("%s: cannot write the public key: %s", pub, hc_strerror(e));
        rc = EX_INPUT;
    } else {
        rc = print_kid(key);
    }
    hc_key_free(key);
    return rc;
}

static int keygen_pkcs11(hc_alg alg, const char *uri, const char *pub, bool force, bool have_out)
{
    if (have_out)
        return cli_usage_error("keygen", "--pkcs11 keeps the private key on the token: no --out");
    if (!pub)
        return cli_usage_error("keygen", "--pkcs11 needs --pub PUB.pem");
    if (!force && access(pub, F_OK) == 0) {
        cli_error("%s exists; not replacing it (use --force)", pub);
        return EX_INPUT;
    }
    hc_key *key = NULL;
    hc_err e = hc_key_generate_pkcs11(alg, uri, &key);
    if (e) {
        cli_error("cannot make a key on the token: %s%s", hc_strerror(e),
                  e == HC_E_KEY ? " (no such token, or a key of that object= name exists)" : "");
        return EX_INPUT;
    }
    return save_key(key, NULL, pub);
}

int cmd_keygen(int argc, char **argv)
{
    enum { O_ALG = 1, O_FORCE };
    hc_alg alg = HC_ALG_ES256;
    bool force = false;
    const char *val, *out = NULL, *pub = NULL, *uri = NULL;
    const cli_opt opts[] = {{"out", true, 0, &out},          {"pub", true, 0, &pub},
                            {"pkcs11", true, 0, &uri},       {"alg", true, O_ALG, NULL},
                            {"force", false, O_FORCE, NULL}, {NULL, false, 0, NULL}};
    cli_args a;
    cli_args_init(&a, "keygen", usage_keygen, argc, argv);
    for (int id; (id = cli_next(&a, opts, &val)) != CLI_END;) {
        if (id == O_ALG && hc_alg_parse(val, &alg))
            return cli_usage_error("keygen", "--alg: '%s' is not ES256, EdDSA or SM2", val);
        else if (id == O_FORCE)
            force = true;
        else if (id == CLI_POSITIONAL)
            return cli_usage_error("keygen", "unexpected operand '%s'", val);
        else if (id != O_ALG)
            return cli_stop(id);
    }
    if (uri)
        return keygen_pkcs11(alg, uri, pub, force, out != NULL);
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
        cli_error("cannot make a%s key: %s", e == HC_E_UNSUPPORTED ? "n SM2" : "",
                  e == HC_E_UNSUPPORTED ? "this OpenSSL was built without SM2/SM3" : hc_strerror(e));
        return EX_INPUT;
    }
    return save_key(key, out, pub);
}

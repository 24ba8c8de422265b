/* cmd_keygen.c — `healthcode keygen`: a new signing key pair. */
#include "cli.h"
#include "cmd.h"

#include <string.h>
#include <sys/stat.h>
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
    "                leaves the token; only the public key is written. ES256 or\n"
    "                EdDSA: PKCS#11 has no standard SM2 mechanism. Exit 7: the\n"
    "                module, 8: no such token, 9: the PIN refused\n"
    "  --out FILE    where to write the private key\n"
    "  --pub FILE    where to write the public key\n"
    "  --force       replace existing files (without it, nothing is replaced, even a\n"
    "                file made while the key is written)\n";

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

/* Writes one key file (private or public); without force, never over an
 * existing file (atomically: one made meanwhile is kept too). */
static int save_one(const hc_key *key, bool priv, const char *path, bool force)
{
    unsigned fl = force ? 0 : HC_KEY_SAVE_NO_REPLACE;
    hc_err e = priv ? hc_key_save_private_ex(key, path, fl) : hc_key_save_public_ex(key, path, fl);
    struct stat st;
    if (e == HC_E_IO && !force && lstat(path, &st) == 0)
        cli_error("%s exists; not replacing it (use --force)", path);
    else if (e)
        cli_error("%s: cannot write the %s key: %s", path, priv ? "private" : "public",
                  e == HC_E_IO && lstat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)
                      ? "not a regular file" : hc_strerror(e));
    return e ? EX_INPUT : 0;
}

/* Writes the key's files (the private one only when out is given: a key on a
 * token stays there), prints its kid, frees the key; the exit status. */
static int save_key(hc_key *key, const char *out, const char *pub, bool force)
{
    int rc = out ? save_one(key, true, out, force) : 0;
    if (!rc)
        rc = save_one(key, false, pub, force);
    if (!rc)
        rc = print_kid(key);
    hc_key_free(key);
    return rc;
}

/* keygen --pkcs11: the pair is made on the token; only PUB.pem is written. */
/* Says which of files exists already (nothing is made then: a key whose
 * public half could not be written would be lost). */
static bool existing(const char *const files[], int n)
{
    for (int i = 0; i < n; i++)
        if (access(files[i], F_OK) == 0) {
            cli_error("%s exists; not replacing it (use --force)", files[i]);
            return true;
        }
    return false;
}

static int keygen_pkcs11(hc_alg alg, const char *uri, const char *pub, bool force, bool have_out)
{
    if (have_out)
        return cli_usage_error("keygen", "--pkcs11 keeps the private key on the token: no --out");
    if (!pub)
        return cli_usage_error("keygen", "--pkcs11 needs --pub PUB.pem");
    if (alg == HC_ALG_SM2)
        return cli_usage_error("keygen", "--alg SM2 --pkcs11: PKCS#11 has no standard SM2 "
                                         "mechanism, so SM2 keys are made as files (--out, --pub); "
                                         "a token holds ES256 or EdDSA keys");
    const char *files[1] = {pub};
    if (!force && existing(files, 1))
        return EX_INPUT;
    hc_key *key = NULL;
    hc_err e = hc_key_generate_pkcs11(alg, uri, &key);
    if (e == HC_E_KEY) {
        cli_key_error(uri, "cannot make the key: a key of that object= name exists on the token");
        return EX_INPUT;
    }
    if (e)
        return cli_key_failed(uri, e);
    return save_key(key, NULL, pub, force);
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
    const char *files[2] = {out, pub};
    if (!force && existing(files, 2))
        return EX_INPUT;
    hc_key *key = NULL;
    hc_err e = hc_key_generate(alg, &key);
    if (e) {
        cli_error("cannot make a%s key: %s", e == HC_E_UNSUPPORTED ? "n SM2" : "",
                  e == HC_E_UNSUPPORTED ? "this OpenSSL was built without SM2/SM3" : hc_strerror(e));
        return EX_INPUT;
    }
    return save_key(key, out, pub, force);
}

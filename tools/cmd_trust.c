/* cmd_trust.c — `healthcode trust entry`: the trust-list entry of a public key
 * (doc/checkpoint.md), computed from the key itself — kid, alg — so that a
 * province publishing a key made on its token never recomputes them by hand.
 * Public API only. */
#include "cli.h"
#include "cmd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage_trust[] =
    "usage: healthcode trust entry ...   (healthcode trust entry --help)\n"
    "\n"
    "  entry   the trust-list entry of a public key or a token's key, printed or\n"
    "          appended to a trust list\n";

static const char usage_entry[] =
    "usage: healthcode trust entry --pub PUB.pem|--key PRIV.pem|pkcs11:URI --issuer ISS\n"
    "                              [--key-pass file:PATH|env:VAR] [--not-before T]\n"
    "                              [--not-after T] [--append LIST.json]\n"
    "\n"
    "The trust-list entry of one public key (doc/checkpoint.md): issuer, kid, alg and\n"
    "public_key taken from the key itself, and its window. Without --append, prints the\n"
    "entry (a JSON object on one line); with it, adds the entry to LIST.json (made if\n"
    "missing) and prints what it added.\n"
    "\n"
    "  --pub PUB.pem       the public key (SPKI PEM, as keygen --pub writes it)\n"
    "  --key KEY           or the signing key: a private key file, or a pkcs11: URI\n"
    "                      (its public half is read from the token; needs the PIN)\n"
    "  --key-pass SRC      the passphrase of an encrypted --key: file:PATH (mode 0600)\n"
    "                      or env:VAR\n"
    "  --issuer ISS        the issuer the key signs for (iss, 1 to 32 bytes)\n"
    "  --not-before T      the window of iat the key is trusted for: from T (inclusive)\n"
    "  --not-after T       until T (exclusive); each absent: no bound. T: epoch seconds\n"
    "                      or ISO 8601 (a date alone is its midnight at UTC+08:00);\n"
    "                      written as UTC (2026-11-30T16:00:00Z)\n"
    "  --append LIST.json  add to this trust list: it must load as one, and must not\n"
    "                      hold the kid already; it is rewritten atomically (same mode),\n"
    "                      under the lock LIST.json.lock (two appends at once both land)\n"
    "\n"
    "Exit status: 0 done, 2 usage, 3 unusable key or list, or the kid already listed.\n";

/* A trust list the library reads (so that a list it cannot use is never
 * appended to), then jansson's tree of it to edit; 0 or EX_INPUT. A missing
 * file is an empty list. */
static int load_list(const char *path, json_t **root, unsigned *mode)
{
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT) {
        *mode = 0644;
        *root = json_pack("{s:i, s:[]}", "version", 1, "entries");
        return *root ? 0 : EX_INPUT;
    }
    *mode = (unsigned)st.st_mode & 0777;
    hc_trust *t = NULL;
    hc_diag d = {0};
    hc_err e = hc_trust_new(&t);
    if (!e)
        e = hc_trust_add_path(t, path, &d);
    hc_trust_free(t);
    if (e)
        return cli_load_error(path, e, &d);
    json_error_t je;
    *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!*root) {
        cli_error("%s:%d: %s", path, je.line, je.text);
        return EX_INPUT;
    }
    return 0;
}

/* A string member of o, or "" (the library has checked the list; jansson reads it again). */
static const char *member(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* Adds entry to the list at path, refusing a kid it holds already. */
static int append_locked(const char *path, json_t *entry);

/* Two --append at once each read the list and write it back: PATH.lock is
 * held (flock) from the read to the rename, so that neither entry is lost. */
static int append_entry(const char *path, json_t *entry)
{
    char lock[4096];
    int fd = cli_lock_beside(path, lock, sizeof lock);
    if (fd < 0) {
        if (errno == ENAMETOOLONG)
            cli_error("%s: path too long", path);
        else
            cli_error("%s: %s: nothing added", lock, strerror(errno));
        return EX_INPUT;
    }
    int rc = append_locked(path, entry);
    close(fd);
    return rc;
}

static int append_locked(const char *path, json_t *entry)
{
    json_t *root = NULL;
    unsigned mode;
    int rc = load_list(path, &root, &mode);
    if (rc)
        return rc;
    json_t *entries = json_object_get(root, "entries");
    const char *kid = member(entry, "kid");
    size_t i;
    json_t *old;
    json_array_foreach(entries, i, old) {
        if (strcasecmp(member(old, "kid"), kid) == 0) {
            cli_error("%s: entries[%zu] has kid %s already (issuer %s): nothing added", path, i, kid,
                      member(old, "issuer"));
            json_decref(root);
            return EX_INPUT;
        }
    }
    json_array_append(entries, entry);
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    size_t n = json_array_size(entries);
    json_decref(root);
    if (!text)
        return EX_INPUT;
    size_t len = strlen(text);
    text[len++] = '\n';   /* json_dumps leaves room: its NUL becomes the newline */
    /* what is written is what a checkpoint will load: checked by the library first */
    hc_trust *t = NULL;
    hc_diag d = {0};
    hc_err e = hc_trust_new(&t);
    if (!e)
        e = hc_trust_add_list_json(t, text, len, &d);
    hc_trust_free(t);
    if (e) {
        cli_error("%s: the list with this entry would not load (%s%s%s): nothing written", path,
                  d.field, d.field[0] ? ": " : "", d.message[0] ? d.message : hc_strerror(e));
        free(text);
        return EX_INPUT;
    }
    int err = cli_write_atomic(path, text, len, mode);
    free(text);
    if (err) {
        cli_error("%s: %s", path, strerror(err));
        return EX_INPUT;
    }
    printf("%s: added %s, kid %s, for %s (%zu entr%s)\n", path, member(entry, "alg"), kid,
           member(entry, "issuer"), n, n == 1 ? "y" : "ies");
    return fflush(stdout) == 0 ? 0 : EX_INPUT;
}

/* The entry of key: issuer, kid, alg, public_key, then the bounds given. */
static json_t *entry_json(const hc_key *key, const char *issuer, const char *nb, const char *na,
                          int64_t nb_t, int64_t na_t)
{
    uint8_t kid[HC_KID_LEN];
    char hex[2 * HC_KID_LEN + 1], pem[1024], iso[40];
    size_t len;
    if (hc_key_kid(key, kid) != HC_OK || hc_key_public_pem(key, pem, sizeof pem, &len) != HC_OK)
        return NULL;
    cli_hex(kid, HC_KID_LEN, hex);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "issuer", issuer, "kid", hex,
                          "alg", hc_alg_name(hc_key_alg(key)), "public_key", pem);
    if (o && nb) {
        cli_format_time(nb_t, 0, iso, sizeof iso);
        json_object_set_new(o, "not_before", json_string(iso));
    }
    if (o && na) {
        cli_format_time(na_t, 0, iso, sizeof iso);
        json_object_set_new(o, "not_after", json_string(iso));
    }
    return o;
}

static int load_key(const char *pub, const char *priv, const char *pass, hc_key **key)
{
    if (priv)
        return cli_load_private_key(priv, pass, key);
    hc_diag d = {0};
    hc_err e = hc_key_load_file(pub, key);
    if (e)
        return cli_load_error(pub, e, &d);
    if (hc_key_is_private(*key)) {
        hc_key_free(*key);
        *key = NULL;
        cli_error("%s: a private key: give it as --key (--pub takes the public key)", pub);
        return EX_INPUT;
    }
    return 0;
}

static int trust_entry(int argc, char **argv)
{
    const char *cmd = "trust entry", *pub = NULL, *priv = NULL, *pass = NULL, *issuer = NULL,
               *nb = NULL, *na = NULL, *list = NULL, *val;
    const cli_opt opts[] = {   /* plain string options: cli_next stores each value */
        {"pub", true, 0, &pub},        {"key", true, 0, &priv},     {"issuer", true, 0, &issuer},
        {"not-before", true, 0, &nb},  {"not-after", true, 0, &na}, {"append", true, 0, &list},
        {"key-pass", true, 0, &pass},  {NULL, false, 0, NULL}};
    cli_args a;
    cli_args_init(&a, cmd, usage_entry, argc, argv);
    for (int id; (id = cli_next(&a, opts, &val)) != CLI_END;) {
        if (id == CLI_POSITIONAL)
            return cli_usage_error(cmd, "unexpected '%s'", val);
        return cli_stop(id);
    }
    if (!pub == !priv)
        return cli_usage_error(cmd, "one key: --pub PUB.pem or --key PRIV.pem|pkcs11:URI");
    size_t il = issuer ? strlen(issuer) : 0;
    if (il == 0 || il > HC_ISS_MAX)
        return cli_usage_error(cmd, "--issuer: 1 to %d bytes", HC_ISS_MAX);
    int64_t nb_t = 0, na_t = 0;
    if (nb && !cli_parse_time(nb, &nb_t))
        return cli_usage_error(cmd, "--not-before: '%s' is not a time (2026-12-01, epoch seconds)", nb);
    if (na && !cli_parse_time(na, &na_t))
        return cli_usage_error(cmd, "--not-after: '%s' is not a time (2027-12-01, epoch seconds)", na);
    if (nb && na && nb_t >= na_t)
        return cli_usage_error(cmd, "--not-before must come before --not-after");
    hc_key *key = NULL;
    int rc = load_key(pub, priv, pass, &key);
    if (rc)
        return rc;
    json_t *entry = entry_json(key, issuer, nb, na, nb_t, na_t);
    hc_key_free(key);
    if (!entry) {
        cli_error("%s: cannot make the entry of this key", pub ? pub : "--key");
        return EX_INPUT;
    }
    if (!list)
        return cli_print_json(entry);   /* frees it */
    rc = append_entry(list, entry);
    json_decref(entry);
    return rc;
}

int cmd_trust(int argc, char **argv)
{
    static const cli_sub subs[] = {{"entry", trust_entry}, {NULL, NULL}};
    return cli_dispatch("trust", usage_trust, subs, argc, argv);
}

/* healthcode.c — the healthcode command: keygen, assess, issue, render,
 * verify, inspect, check. It uses the public API only, like any user of the
 * library (DESIGN.md's table is the contract; doc/healthcode.1 the manual). */
#include "cli.h"
#ifdef HC_CLI_HAVE_BATCH
#include "cmd_batch.h"
#endif
#ifdef HC_CLI_HAVE_BUNDLE
#include "cmd_bundle.h"
#endif

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Everything a command needs to know about "now". */
static bool now_or_clock(const char *cmd, const char *arg, int64_t *now)
{
    if (!arg) {
        *now = (int64_t)time(NULL);   /* the CLI reads the clock; the library never does */
        return true;
    }
    if (!cli_parse_time(arg, now)) {
        cli_usage_error(cmd, "--now: '%s' is neither epoch seconds nor an ISO 8601 date "
                             "(2020-02-05, 2020-02-05T09:00:00+08:00, …Z)", arg);
        return false;
    }
    return true;
}

/* Cleanses a secret buffer in a way the compiler keeps. */
static void wipe(void *p, size_t n)
{
    if (p)
        explicit_bzero(p, n);
}

/* Why a file the library could not use: for an I/O error, ask the file
 * system (the library's errno is not part of its contract). */
static const char *why(const char *path, hc_err e)
{
    if (e == HC_E_IO && access(path, R_OK) != 0)
        return strerror(errno);
    return hc_strerror(e);
}

/* Reports a file the library refused: its diagnostic when it gave one,
 * otherwise why(). Returns EX_INPUT. */
static int load_error(const char *path, hc_err e, const hc_diag *d)
{
    if (d->message[0])
        cli_diag(path, e, d);
    else
        cli_error("%s: %s", path, why(path, e));
    return EX_INPUT;
}

/* Loads a private key file; prints why not (the library's message for the
 * permissions, which says to chmod 600). Returns 0 or EX_INPUT. */
static int load_private_key(const char *path, hc_key **key)
{
    hc_err e = hc_key_load_file(path, key);
    if (e == HC_E_KEY_PERMS) {
        cli_error("%s: %s", path, hc_strerror(e));
        cli_error("run: chmod 600 %s", path);
        return EX_INPUT;
    }
    if (e) {
        cli_error("%s: %s", path, why(path, e));
        return EX_INPUT;
    }
    if (!hc_key_is_private(*key)) {
        cli_error("%s: this is a public key; signing needs the private key", path);
        hc_key_free(*key);
        *key = NULL;
        return EX_INPUT;
    }
    return 0;
}

/* Reads a person record file (or "-") and parses it; prints the error with its place. */
static int load_record(const char *path, hc_record **rec)
{
    char *json = NULL;
    size_t len = 0;
    int rc = cli_read(path, HC_RECORD_MAX, &json, &len);
    if (rc) {
        cli_error("%s: %s", path, rc == EFBIG ? "the record is larger than 1 MiB" : strerror(rc));
        return EX_INPUT;
    }
    hc_diag d = {0};
    hc_err e = hc_record_parse_json(json, len, rec, &d);
    free(json);
    if (e) {
        cli_diag(path, e, &d);
        return EX_INPUT;
    }
    return 0;
}

/* The policy (NULL path: the built-in default) with the risk map, if any. */
static int load_policy(const char *path, const char *risk_map, hc_policy **pol)
{
    hc_diag d = {0};
    hc_err e = hc_policy_load(path, pol, &d);
    if (e) {
        cli_diag(path ? path : "default policy", e, &d);
        return EX_INPUT;
    }
    if (risk_map) {
        memset(&d, 0, sizeof d);
        e = hc_policy_load_risk_map(*pol, risk_map, &d);
        if (e) {
            cli_diag(risk_map, e, &d);
            hc_policy_free(*pol);
            *pol = NULL;
            return EX_INPUT;
        }
    }
    return 0;
}

/* ================================================================ keygen */

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

static int cmd_keygen(int argc, char **argv)
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

/* ================================================================ assess */

static const char usage_assess[] =
    "usage: healthcode assess [--policy P.json] [--risk-map MAP.csv] [--now T] [--explain]\n"
    "                         RECORD.json|-\n"
    "\n"
    "Assesses a person record under the policy and prints JSON: colour, until (when\n"
    "the colour may change; null if not expected to) and every reason found.\n"
    "\n"
    "  --policy FILE    a policy file (default: the built-in Zhejiang 2020 policy)\n"
    "  --risk-map FILE  a CSV \"region,level\" replacing the policy's risk map\n"
    "  --now T          the instant assessed: epoch seconds or ISO 8601 (default: now)\n"
    "  --explain        print the reasons as sentences (zh, then en; '*' marks those\n"
    "                   that hold) instead of JSON\n";

static json_t *day_json(hc_day d)
{
    if (d == HC_DAY_NONE)
        return json_null();
    char buf[11];
    hc_day_format(d, buf);
    return json_string(buf);
}

/* An instant in the policy's zone: the days of the reasons are in it too. */
static json_t *time_json(int64_t t, int32_t offset)
{
    if (t == 0)
        return json_null();
    char buf[40];
    cli_format_time(t, offset, buf, sizeof buf);
    return json_string(buf);
}

static json_t *assessment_json(const hc_assessment *as, int32_t offset)
{
    json_t *o = json_object(), *reasons = json_array();
    json_object_set_new(o, "colour", json_string(hc_colour_name(as->colour)));
    json_object_set_new(o, "until", time_json(as->until, offset));
    for (size_t i = 0; i < as->n_reasons && i < HC_MAX_REASONS; i++) {
        const hc_reason *r = &as->reasons[i];
        json_t *j = json_object();
        json_object_set_new(j, "code", json_string(r->code));
        json_object_set_new(j, "colour", json_string(hc_colour_name(r->colour)));
        json_object_set_new(j, "holds", json_boolean(r->holds));
        json_object_set_new(j, "from", day_json(r->from));
        json_object_set_new(j, "until", day_json(r->until));
        json_object_set_new(j, "field", r->field[0] ? json_string(r->field) : json_null());
        json_object_set_new(j, "zh", json_string(r->zh));
        json_object_set_new(j, "en", json_string(r->en));
        json_array_append_new(reasons, j);
    }
    json_object_set_new(o, "reasons", reasons);
    if (as->n_found > as->n_reasons)
        json_object_set_new(o, "reasons_omitted", json_integer((json_int_t)(as->n_found - as->n_reasons)));
    return o;
}

static void explain(const hc_assessment *as, int32_t offset)
{
    char until[40] = "";
    if (as->until)
        cli_format_time(as->until, offset, until, sizeof until);
    printf("colour: %s%s%s\n", hc_colour_name(as->colour), as->until ? ", until " : "", until);
    for (size_t i = 0; i < as->n_reasons && i < HC_MAX_REASONS; i++) {
        const hc_reason *r = &as->reasons[i];
        const char *mark = r->holds ? "* " : "  ";
        printf("%s%s\n%s%s\n", mark, r->zh, mark, r->en);
    }
}

static int cmd_assess(int argc, char **argv)
{
    enum { O_HELP, O_POLICY, O_RISK, O_NOW, O_EXPLAIN };
    static const cli_opt opts[] = {{"help", false, O_HELP},     {"policy", true, O_POLICY},
                                   {"risk-map", true, O_RISK},  {"now", true, O_NOW},
                                   {"explain", false, O_EXPLAIN}, {NULL, false, 0}};
    cli_args a;
    cli_args_init(&a, "assess", argc, argv);
    const char *val, *policy = NULL, *risk = NULL, *now_s = NULL, *path = NULL;
    bool expl = false;
    for (int id; (id = cli_next(&a, opts, &val)) != CLI_END;) {
        switch (id) {
        case O_HELP: fputs(usage_assess, stdout); return 0;
        case O_POLICY: policy = val; break;
        case O_RISK: risk = val; break;
        case O_NOW: now_s = val; break;
        case O_EXPLAIN: expl = true; break;
        case CLI_POSITIONAL:
            if (path)
                return cli_usage_error("assess", "one record at a time ('%s' is one too many)", val);
            path = val;
            break;
        default: return EX_USAGE;
        }
    }
    if (!path)
        return cli_usage_error("assess", "no record given (a file, or - for standard input)");
    int64_t now;
    if (!now_or_clock("assess", now_s, &now))
        return EX_USAGE;

    hc_policy *pol = NULL;
    hc_record *rec = NULL;
    int rc = load_policy(policy, risk, &pol);
    if (!rc)
        rc = load_record(path, &rec);
    if (!rc) {
        hc_assessment *as = calloc(1, sizeof *as);
        hc_diag d = {0};
        hc_err e = as ? hc_assess(pol, rec, now, as, &d) : HC_E_NOMEM;
        if (e) {
            cli_diag(path, e, &d);
            rc = EX_INPUT;
        } else if (expl) {
            explain(as, hc_policy_utc_offset(pol));
        } else {
            rc = cli_print_json(assessment_json(as, hc_policy_utc_offset(pol)));
        }
        free(as);
    }
    hc_record_free(rec);
    hc_policy_free(pol);
    return rc;
}

/* ================================================================= issue */

static const char usage_issue[] =
    "usage: healthcode issue --key PRIV.pem --issuer ISS [--policy P.json] [--risk-map MAP.csv]\n"
    "                        [--now T] [--validity 24h] [--colour green|yellow|red]\n"
    "                        [--subject-secret FILE] [--png OUT.png] RECORD.json|-\n"
    "\n"
    "Assesses the record and prints the signed token (one line) on stdout.\n"
    "\n"
    "  --key FILE             the private signing key (mode 0600)\n"
    "  --issuer ISS           the issuer identifier, e.g. CN-330000 (1-32 characters)\n"
    "  --policy FILE          a policy file (default: the built-in policy)\n"
    "  --risk-map FILE        a CSV \"region,level\" replacing the policy's risk map\n"
    "  --now T                the time of issue: epoch seconds or ISO 8601 (default: now)\n"
    "  --validity D           how long the token is valid: 90s, 15m, 24h (default), 7d,\n"
    "                         or seconds; at most 30d\n"
    "  --colour C             sign this colour instead of assessing (a back end's own\n"
    "                         decision); the record still gives the name and document\n"
    "  --subject-secret FILE  16-64 bytes (mode 0600): adds the sub pseudonym\n"
    "  --png FILE             also write the QR code as a PNG (atomically)\n";

/* The subject secret: the file's bytes as they are, kept private like a key. */
static int load_secret(const char *path, uint8_t **secret, size_t *len)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        cli_error("%s: %s", path, strerror(errno));
        return EX_INPUT;
    }
    if (st.st_mode & 077) {
        cli_error("%s: the subject secret is readable by group or others (fix: chmod 600 %s)",
                  path, path);
        return EX_INPUT;
    }
    uint8_t *data = NULL;   /* read(2), no stdio buffer: wiped on every path */
    int rc = cli_read_secret(path, 64, &data, len);
    if (rc || *len < 16) {
        cli_error("%s: %s", path,
                  rc == EFBIG || (!rc && *len < 16) ? "a subject secret is 16 to 64 bytes"
                                                     : strerror(rc));
        if (data)
            wipe(data, *len);
        free(data);
        return EX_INPUT;
    }
    *secret = data;
    return 0;
}

#if HC_WITH_RENDER
static int write_png(const char *cmd, const char *path, const char *text, hc_colour col,
                     const hc_render_opts *ro)
{
    uint8_t *png = NULL;
    size_t len = 0;
    hc_err e = hc_render_png(text, col, ro, &png, &len);
    if (e) {
        cli_error("%s: cannot render the QR code: %s", cmd, hc_strerror(e));
        return cli_exit_for(e) == EX_MALFORMED ? EX_MALFORMED : EX_INPUT;
    }
    int rc = cli_write_atomic(path, png, len, 0644);
    hc_free(png);
    if (rc) {
        cli_error("%s: %s", path, strerror(rc));
        return EX_INPUT;
    }
    return 0;
}
#endif

static int cmd_issue(int argc, char **argv)
{
    enum { O_HELP, O_KEY, O_ISS, O_POLICY, O_RISK, O_NOW, O_VALIDITY, O_COLOUR, O_SECRET, O_PNG };
    static const cli_opt opts[] = {
        {"help", false, O_HELP},      {"key", true, O_KEY},         {"issuer", true, O_ISS},
        {"policy", true, O_POLICY},   {"risk-map", true, O_RISK},   {"now", true, O_NOW},
        {"validity", true, O_VALIDITY}, {"colour", true, O_COLOUR}, {"color", true, O_COLOUR},
        {"subject-secret", true, O_SECRET}, {"png", true, O_PNG},   {NULL, false, 0}};
    cli_args a;
    cli_args_init(&a, "issue", argc, argv);
    const char *val, *keyp = NULL, *iss = NULL, *policy = NULL, *risk = NULL, *now_s = NULL;
    const char *secretp = NULL, *pngp = NULL, *path = NULL;
    int64_t validity = 86400;
    bool fixed = false;
    hc_colour colour = HC_GREEN;
    for (int id; (id = cli_next(&a, opts, &val)) != CLI_END;) {
        switch (id) {
        case O_HELP: fputs(usage_issue, stdout); return 0;
        case O_KEY: keyp = val; break;
        case O_ISS: iss = val; break;
        case O_POLICY: policy = val; break;
        case O_RISK: risk = val; break;
        case O_NOW: now_s = val; break;
        case O_VALIDITY:
            if (!cli_parse_duration(val, &validity) || validity <= 0 || validity > HC_VALIDITY_MAX)
                return cli_usage_error("issue", "--validity: '%s' is not a duration from 1s to 30d "
                                                "(90s, 15m, 24h, 7d, or seconds)", val);
            break;
        case O_COLOUR:
            if (hc_colour_parse(val, &colour))
                return cli_usage_error("issue", "--colour: '%s' is not green, yellow or red", val);
            fixed = true;
            break;
        case O_SECRET: secretp = val; break;
        case O_PNG: pngp = val; break;
        case CLI_POSITIONAL:
            if (path)
                return cli_usage_error("issue", "one record at a time ('%s' is one too many)", val);
            path = val;
            break;
        default: return EX_USAGE;
        }
    }
    if (!keyp || !iss)
        return cli_usage_error("issue", "both --key PRIV.pem and --issuer ISS are needed");
    if (!path)
        return cli_usage_error("issue", "no record given (a file, or - for standard input)");
    if ((policy || risk) && fixed)
        return cli_usage_error("issue", "--colour signs a colour without assessing: "
                                        "--policy and --risk-map have no use with it");
#if !HC_WITH_RENDER
    if (pngp)
        return cli_usage_error("issue", "--png: this build has no render support (meson -Drender)");
#endif
    int64_t now;
    if (!now_or_clock("issue", now_s, &now))
        return EX_USAGE;

    hc_key *key = NULL;
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
        rc = load_private_key(keyp, &key);
    if (!rc && secretp)
        rc = load_secret(secretp, &secret, &secret_len);
    if (!rc)
        rc = load_record(path, &rec);
    if (!rc && fixed) {
        as->colour = colour;
    } else if (!rc) {
        rc = load_policy(policy, risk, &pol);
        hc_diag d = {0};
        if (!rc && (e = hc_assess(pol, rec, now, as, &d))) {
            cli_diag(path, e, &d);
            rc = EX_INPUT;
        }
    }
    if (!rc && (e = hc_issuer_new(iss, key, &is))) {
        if (e == HC_E_ARG)
            rc = cli_usage_error("issue", "--issuer: '%s' is not 1-32 printable ASCII characters", iss);
        else {
            cli_error("%s: %s", keyp, hc_strerror(e));
            rc = EX_INPUT;
        }
    }
    if (!rc && secret && (e = hc_issuer_set_subject_secret(is, secret, secret_len))) {
        cli_error("%s: %s", secretp, hc_strerror(e));
        rc = EX_INPUT;
    }
    size_t len = 0;
    if (!rc && (e = hc_issue(is, rec, as, now, validity, text, HC_TOKEN_MAX + 1, &len))) {
        cli_error("cannot issue: %s", hc_strerror(e));
        rc = EX_INPUT;
    }
#if HC_WITH_RENDER
    if (!rc && pngp) {
        hc_render_opts ro = HC_RENDER_OPTS_DEFAULT;
        rc = write_png("issue", pngp, text, as->colour, &ro);
    }
#endif
    /* the token goes out only once everything asked for has been done */
    if (!rc && (puts(text) == EOF || fflush(stdout) != 0)) {
        cli_error("cannot write the token: %s", strerror(errno));
        rc = EX_INPUT;
    }
    if (secret) {
        wipe(secret, secret_len);
        free(secret);
    }
    free(text);
    free(as);
    hc_issuer_free(is);
    hc_policy_free(pol);
    hc_record_free(rec);
    hc_key_free(key);
    return rc;
}

/* ======================================================== token operands */

/* A token from argv or stdin, trimmed; one byte over HC_TOKEN_MAX so that a
 * longer text reaches the library and is refused there as too long. */
typedef struct {
    char text[HC_TOKEN_MAX + 2];
    size_t len;
} token_buf;

static int token_from_arg(const char *cmd, const char *arg, token_buf *t)
{
    bool trunc;
    int rc = cli_token_arg(arg, t->text, sizeof t->text, &t->len, &trunc);
    if (rc) {
        cli_error("%s: cannot read the token: %s", cmd, strerror(rc));
        return EX_INPUT;
    }
    return 0;
}

/* A token from a QR image. HC_OK, or the scan error (the caller reports it). */
static hc_err token_from_png(const char *path, token_buf *t)
{
#if HC_WITH_SCAN
    hc_err e = hc_scan_png_file(path, t->text, sizeof t->text, &t->len);
    if (e == HC_E_BUFFER)
        e = HC_E_LIMIT;
    if (!e)
        t->len = cli_trim(t->text, t->len);
    return e;
#else
    (void)path;
    (void)t;
    return HC_E_UNSUPPORTED;
#endif
}

/* ================================================================ render */

static const char usage_render[] =
    "usage: healthcode render [--png OUT|--svg OUT|--terminal] [--scale N] [--ecc L|M|Q|H]\n"
    "                         [--colour C] TOKEN|-\n"
    "\n"
    "Renders a token as a QR code in the token's colour (read from the token, which\n"
    "is not verified), alphanumeric mode, quiet zone of 4 modules.\n"
    "\n"
    "  --png FILE     write a PNG (- for stdout)\n"
    "  --svg FILE     write an SVG (- for stdout)\n"
    "  --terminal     print it with UTF-8 half blocks (the default on a terminal)\n"
    "  --scale N      pixels per module in the PNG, 1-64 (default 8)\n"
    "  --ecc LEVEL    error correction L, M (default), Q or H\n"
    "  --colour C     draw in this colour instead of the token's\n";

static int cmd_render(int argc, char **argv)
{
    enum { O_HELP, O_PNG, O_SVG, O_TERM, O_SCALE, O_ECC, O_COLOUR };
    static const cli_opt opts[] = {
        {"help", false, O_HELP}, {"png", true, O_PNG},     {"svg", true, O_SVG},
        {"terminal", false, O_TERM}, {"scale", true, O_SCALE}, {"ecc", true, O_ECC},
        {"colour", true, O_COLOUR}, {"color", true, O_COLOUR}, {NULL, false, 0}};
    cli_args a;
    cli_args_init(&a, "render", argc, argv);
    const char *val, *png = NULL, *svg = NULL, *arg = NULL;
    bool term = false, fixed = false;
    hc_colour colour = HC_GREEN;
    long scale = 0;
    const char *ecc = NULL;
    for (int id; (id = cli_next(&a, opts, &val)) != CLI_END;) {
        switch (id) {
        case O_HELP: fputs(usage_render, stdout); return 0;
        case O_PNG: png = val; break;
        case O_SVG: svg = val; break;
        case O_TERM: term = true; break;
        case O_SCALE: {
            char *end;
            scale = strtol(val, &end, 10);
            if (*end || end == val || scale < 1 || scale > 64)
                return cli_usage_error("render", "--scale: '%s' is not a number from 1 to 64", val);
            break;
        }
        case O_ECC: ecc = val; break;
        case O_COLOUR:
            if (hc_colour_parse(val, &colour))
                return cli_usage_error("render", "--colour: '%s' is not green, yellow or red", val);
            fixed = true;
            break;
        case CLI_POSITIONAL:
            if (arg)
                return cli_usage_error("render", "one token at a time ('%s' is one too many)", val);
            arg = val;
            break;
        default: return EX_USAGE;
        }
    }
    if (!arg)
        return cli_usage_error("render", "no token given (the text, or - for standard input)");
    if ((png != NULL) + (svg != NULL) + term > 1)
        return cli_usage_error("render", "choose one of --png, --svg and --terminal");
#if !HC_WITH_RENDER
    (void)scale;
    (void)ecc;
    (void)colour;
    (void)fixed;
    return cli_usage_error("render", "this build has no render support (meson -Drender)");
#else
    if (!png && !svg && !term) {
        if (!isatty(STDOUT_FILENO))
            return cli_usage_error("render", "stdout is not a terminal: give --png FILE, --svg FILE "
                                             "or --terminal");
        term = true;
    }
    hc_render_opts ro = HC_RENDER_OPTS_DEFAULT;
    if (scale)
        ro.scale = (int)scale;
    if (ecc && hc_ecc_parse(ecc, &ro.ecc))
        return cli_usage_error("render", "--ecc: '%s' is not L, M, Q or H", ecc);

    token_buf *t = malloc(sizeof *t);
    if (!t)
        return EX_INPUT;
    int rc = token_from_arg("render", arg, t);
    if (!rc && !fixed) {
        hc_claims c;
        hc_err e = hc_inspect(t->text, t->len, &c);
        if (e) {
            cli_error("render: %s (%s); give --colour to draw it anyway", hc_strerror(e),
                      hc_err_name(e));
            rc = cli_exit_for(e);
        } else {
            colour = c.colour;
        }
    }
    if (!rc && png) {
        rc = write_png("render", png, t->text, colour, &ro);
    } else if (!rc) {
        char *out = NULL;
        size_t len = 0;
        hc_err e = svg ? hc_render_svg(t->text, colour, &ro, &out, &len)
                       : hc_render_terminal(t->text, colour, &ro,
                                            isatty(STDOUT_FILENO) && !getenv("NO_COLOR"), &out, &len);
        if (e) {
            cli_error("render: cannot render the QR code: %s", hc_strerror(e));
            rc = EX_INPUT;
        } else if (svg) {
            int w = cli_write_atomic(svg, out, len, 0644);
            if (w) {
                cli_error("%s: %s", svg, strerror(w));
                rc = EX_INPUT;
            }
        } else if (fwrite(out, 1, len, stdout) != len || fflush(stdout) != 0) {
            rc = EX_INPUT;
        }
        hc_free(out);
    }
    free(t);
    return rc;
#endif
}

/* ======================================================= verify, inspect */

/* The claims as JSON members. header / claims: which parts are known. */
static void claims_json(json_t *o, const hc_claims *c, bool header, bool claims)
{
    char hex[2 * 16 + 1], iso[40];
    json_object_set_new(o, "colour", claims ? json_string(hc_colour_name(c->colour)) : json_null());
    json_object_set_new(o, "iss", claims ? json_string(c->iss) : json_null());
    json_object_set_new(o, "iat", claims ? json_integer(c->iat) : json_null());
    if (claims)
        cli_format_time(c->iat, 0, iso, sizeof iso);
    json_object_set_new(o, "iat_iso", claims ? json_string(iso) : json_null());
    json_object_set_new(o, "exp", claims ? json_integer(c->exp) : json_null());
    if (claims)
        cli_format_time(c->exp, 0, iso, sizeof iso);
    json_object_set_new(o, "exp_iso", claims ? json_string(iso) : json_null());
    cli_hex(c->kid, HC_KID_LEN, hex);
    json_object_set_new(o, "kid", header ? json_string(hex) : json_null());
    json_object_set_new(o, "alg", header ? json_string(hc_alg_name(c->alg)) : json_null());
    cli_hex(c->cti, sizeof c->cti, hex);
    json_object_set_new(o, "cti", claims ? json_string(hex) : json_null());
    cli_hex(c->sub, sizeof c->sub, hex);
    json_object_set_new(o, "sub", claims && c->has_sub ? json_string(hex) : json_null());
    json_object_set_new(o, "nam", claims && c->nam[0] ? json_string(c->nam) : json_null());
    json_object_set_new(o, "doc", claims && c->doc[0] ? json_string(c->doc) : json_null());
    json_object_set_new(o, "reg", claims && c->reg ? json_integer(c->reg) : json_null());
    json_object_set_new(o, "knd", claims ? json_integer(c->knd) : json_null());
}

/* The verdict members: valid, error, message, then the claims. */
static void verdict_json(json_t *o, hc_err e, const hc_claims *c)
{
    json_object_set_new(o, "valid", json_boolean(e == HC_OK));
    json_object_set_new(o, "error", e ? json_string(hc_err_name(e)) : json_null());
    json_object_set_new(o, "message", e ? json_string(hc_strerror(e)) : json_null());
    bool header = c && c->header_ok, claims = c && c->claims_ok;
    hc_claims none;
    memset(&none, 0, sizeof none);
    claims_json(o, c ? c : &none, header, claims);
}

/* What verify and check share: the trust store, revocations, clock, skew and token. */
typedef struct {
    hc_trust *trust;
    hc_revocations *rev;
    int64_t now;
    int64_t skew;
    const char *png;
    const char *arg;
    cli_bundle_opts bundle;   /* --root/--bundle/--state/--accept-stale (cmd_bundle.c) */
} verifier;

static void verifier_free(verifier *v)
{
    hc_trust_free(v->trust);
    hc_revocations_free(v->rev);
    cli_bundle_free(&v->bundle);
}

/* Handles an option verify and check share. Returns 0 (handled), 1 (not
 * one of them) or EX_USAGE/EX_INPUT. */
enum { V_TRUST = 100, V_REVOKED, V_NOW, V_SKEW, V_PNG,
       V_ROOT, V_BUNDLE, V_STATE, V_STALE };
#define BUNDLE_OPTS {"root", true, V_ROOT}, {"bundle", true, V_BUNDLE}, {"state", true, V_STATE}, \
                    {"accept-stale", false, V_STALE}
static int verifier_option(const char *cmd, verifier *v, int id, const char *val)
{
    hc_diag d = {0};
    hc_err e;
    static const char *const bundle_names[] = {"root", "bundle", "state", "accept-stale"};
    if (id >= V_ROOT && id <= V_STALE)
        return cli_bundle_option(cmd, &v->bundle, bundle_names[id - V_ROOT], val);
    switch (id) {
    case V_TRUST:
        if (!v->trust && (e = hc_trust_new(&v->trust)))
            return EX_INPUT;
        if ((e = hc_trust_add_path(v->trust, val, &d)))
            return load_error(val, e, &d);
        return 0;
    case V_REVOKED:
        if (!v->rev && (e = hc_revocations_new(&v->rev)))
            return EX_INPUT;
        if ((e = hc_revocations_load(v->rev, val, &d)))
            return load_error(val, e, &d);
        return 0;
    case V_NOW:
        if (!cli_parse_time(val, &v->now))
            return cli_usage_error(cmd, "--now: '%s' is neither epoch seconds nor an ISO 8601 date "
                                        "(2020-02-05, 2020-02-05T09:00:00+08:00, …Z)", val);
        return 0;
    case V_SKEW:
        if (!cli_parse_duration(val, &v->skew) || v->skew > 86400)
            return cli_usage_error(cmd, "--skew: '%s' is not a duration up to 1 day (seconds, or 90s, 5m)", val);
        return 0;
    case V_PNG:
#if HC_WITH_SCAN
        v->png = val;
        return 0;
#else
        return cli_usage_error(cmd, "--png: this build has no scan support (meson -Dscan)");
#endif
    }
    return 1;
}

/* After the options: checks them and gets the token. *e is the scan error,
 * if reading the image failed (the caller prints it as a verdict). */
static int verifier_ready(const char *cmd, verifier *v, bool now_given, token_buf *t, hc_err *e)
{
    *e = HC_OK;
    if (!now_given)
        v->now = (int64_t)time(NULL);
    if (v->bundle.n_bundles && (v->trust || v->rev))
        return cli_usage_error(cmd, "--bundle replaces --trust and --revoked: give one or the other");
    int brc = cli_bundle_load(cmd, &v->bundle, v->now);
    if (brc)
        return brc;
    if (!v->trust && !v->bundle.store)
        return cli_usage_error(cmd, "no trusted key: give --trust PUB.pem|DIR (or --root and --bundle)");
    if (v->png && v->arg)
        return cli_usage_error(cmd, "give the token or --png IMG, not both");
    if (!v->png && !v->arg)
        return cli_usage_error(cmd, "no token given (the text, - for standard input, or --png IMG)");
    if (v->png) {
        *e = token_from_png(v->png, t);
        if (*e)
            cli_error("%s: %s", v->png, why(v->png, *e));
        return 0;
    }
    return token_from_arg(cmd, v->arg, t);
}

static const char usage_verify[] =
    "usage: healthcode verify --trust PUB.pem|DIR [--trust ...] [--revoked FILE] [--now T]\n"
    "                         [--skew S] [--png IMG] [TOKEN|-]\n"
    "\n"
    "Verifies a token offline and prints one JSON object: valid, error, message,\n"
    "colour, iss, iat, exp, kid, alg, cti, sub, nam, doc, reg, knd.\n"
    "\n"
    "  --trust PATH    a public key PEM, a directory of .pem files, or a trust list\n"
    "                  (.json); repeatable\n"
    "  --revoked FILE  a revocation list (hex cti/sub lines, or the binary form)\n"
    "  --now T         the time of the check: epoch seconds or ISO 8601 (default: now)\n"
    "  --skew S        clock allowance (default 300 seconds)\n"
    "  --png IMG       read the token from the QR code in a PNG image\n"
    "\n"
    "Exit status: 0 valid, 2 usage, 3 input or I/O error, 10 malformed token,\n"
    "11 unknown kid, 12 bad signature (or algorithm, issuer, key window),\n"
    "13 expired, 14 not yet valid, 15 revoked.\n";

static const char usage_check[] =
    "usage: healthcode check --trust PUB.pem|DIR [--trust ...] [--revoked FILE]\n"
    "                        [--venue VENUE.json] [--temperature 37.9] [--now T] [--skew S]\n"
    "                        TOKEN|-|--png IMG\n"
    "\n"
    "Verifies the token, then decides entry at a venue, and prints JSON: admit,\n"
    "code, zh, en, then the fields of 'healthcode verify'.\n"
    "\n"
    "  --trust, --revoked, --now, --skew, --png   as for 'healthcode verify'\n"
    "  --venue FILE       the venue rules (JSON: name, admit, max_age, fever_c);\n"
    "                     default: green only, any age, 37.3 °C\n"
    "  --temperature C    the temperature taken on site, in °C\n"
    "\n"
    "Exit status: 0 admitted, 1 denied, otherwise that of 'healthcode verify'.\n";

/* verify and check; check adds --venue and --temperature. */
static int run_verify(const char *cmd, int argc, char **argv, bool check)
{
    enum { O_HELP, O_VENUE, O_TEMP };
    static const cli_opt vopts[] = {
        {"help", false, O_HELP}, {"trust", true, V_TRUST}, {"revoked", true, V_REVOKED},
        {"now", true, V_NOW},    {"skew", true, V_SKEW},   {"png", true, V_PNG},
        BUNDLE_OPTS, {NULL, false, 0}};
    static const cli_opt copts[] = {
        {"help", false, O_HELP}, {"trust", true, V_TRUST}, {"revoked", true, V_REVOKED},
        {"now", true, V_NOW},    {"skew", true, V_SKEW},   {"png", true, V_PNG},
        {"venue", true, O_VENUE}, {"temperature", true, O_TEMP}, BUNDLE_OPTS, {NULL, false, 0}};
    verifier v;
    memset(&v, 0, sizeof v);
    v.skew = HC_DEFAULT_SKEW_S;
    cli_args a;
    cli_args_init(&a, cmd, argc, argv);
    const char *val, *venue = NULL;
    double temp = NAN;
    bool now_given = false;
    int rc = 0;
    /* options are handled in order, so a --help after a bad --trust still loads it:
     * look for --help first, as every command promises it */
    for (int i = 0; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0) {
            fputs(check ? usage_check : usage_verify, stdout);
            return 0;
        }
    for (int id; !rc && (id = cli_next(&a, check ? copts : vopts, &val)) != CLI_END;) {
        switch (id) {
        case O_HELP: break;   /* handled above */
        case O_VENUE: venue = val; break;
        case O_TEMP:
            if (!cli_parse_double(val, &temp) || temp < 20 || temp > 50)
                rc = cli_usage_error(cmd, "--temperature: '%s' is not a body temperature in °C", val);
            break;
        case CLI_POSITIONAL:
            if (v.arg)
                rc = cli_usage_error(cmd, "one token at a time ('%s' is one too many)", val);
            v.arg = val;
            break;
        case CLI_ERROR: rc = EX_USAGE; break;
        default:
            now_given |= id == V_NOW;
            rc = verifier_option(cmd, &v, id, val);
            break;
        }
    }
    hc_venue_rules rules = HC_VENUE_RULES_DEFAULT;
    if (!rc && venue) {
        char *json = NULL;
        size_t len = 0;
        int r = cli_read(venue, 1u << 20, &json, &len);
        hc_diag d = {0};
        hc_err e;
        if (r) {
            cli_error("%s: %s", venue, strerror(r));
            rc = EX_INPUT;
        } else if ((e = hc_venue_parse_json(json, len, &rules, &d))) {
            cli_diag(venue, e, &d);
            rc = EX_INPUT;
        }
        free(json);
    }
    token_buf *t = rc ? NULL : malloc(sizeof *t);
    hc_err e = HC_OK;
    if (!rc && !t)
        rc = EX_INPUT;
    if (!rc)
        rc = verifier_ready(cmd, &v, now_given, t, &e);
    if (rc) {
        free(t);
        verifier_free(&v);
        return rc;
    }
    hc_claims c;
    memset(&c, 0, sizeof c);
    if (!e) {
        hc_bundle_store *bs = v.bundle.store;
        hc_verify_opts vo = {v.skew, bs ? hc_bundle_store_revocations(bs) : v.rev};
        e = hc_verify(bs ? hc_bundle_store_trust(bs) : v.trust, t->text, t->len, v.now, &vo, &c);
    }
    json_t *o = json_object();
    rc = cli_exit_for(e);
    if (check) {
        hc_decision dec;
        memset(&dec, 0, sizeof dec);
        hc_err de = HC_E_ARG;
        if (!e && (de = hc_checkpoint_decide(&c, &rules, v.now, temp, &dec))) {
            cli_error("check: cannot decide: %s", hc_strerror(de));
            rc = EX_INPUT;
        }
        bool decided = !e && !de;
        if (decided)
            rc = dec.verdict == HC_ADMIT ? EX_VALID : EX_DENY;
        json_object_set_new(o, "admit", json_boolean(decided && dec.verdict == HC_ADMIT));
        json_object_set_new(o, "code", decided ? json_string(dec.code) : json_null());
        json_object_set_new(o, "zh", decided ? json_string(dec.zh) : json_null());
        json_object_set_new(o, "en", decided ? json_string(dec.en) : json_null());
    }
    verdict_json(o, e, &c);
    if (v.bundle.store)   /* trust from an expired bundle accepted with --accept-stale */
        json_object_set_new(o, "stale_trust", json_boolean(hc_bundle_store_stale(v.bundle.store)));
    int prc = cli_print_json(o);
    free(t);
    verifier_free(&v);
    return prc ? prc : rc;
}

static int cmd_verify(int argc, char **argv) { return run_verify("verify", argc, argv, false); }

static int cmd_check(int argc, char **argv) { return run_verify("check", argc, argv, true); }

static const char usage_inspect[] =
    "usage: healthcode inspect TOKEN|-\n"
    "\n"
    "Decodes a token WITHOUT verifying its signature and prints its claims as JSON\n"
    "with \"verified\": false. Do not trust them: use 'healthcode verify'.\n";

static int cmd_inspect(int argc, char **argv)
{
    static const cli_opt opts[] = {{"help", false, 0}, {NULL, false, 0}};
    cli_args a;
    cli_args_init(&a, "inspect", argc, argv);
    const char *val, *arg = NULL;
    for (int id; (id = cli_next(&a, opts, &val)) != CLI_END;) {
        if (id == 0) {
            fputs(usage_inspect, stdout);
            return 0;
        }
        if (id != CLI_POSITIONAL)
            return EX_USAGE;
        if (arg)
            return cli_usage_error("inspect", "one token at a time ('%s' is one too many)", val);
        arg = val;
    }
    if (!arg)
        return cli_usage_error("inspect", "no token given (the text, or - for standard input)");
    token_buf *t = malloc(sizeof *t);
    if (!t)
        return EX_INPUT;
    int rc = token_from_arg("inspect", arg, t);
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
    claims_json(o, &c, c.header_ok, c.claims_ok);
    int prc = cli_print_json(o);
    return prc ? prc : cli_exit_for(e);
}

/* ================================================================== main */

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
#ifdef HC_CLI_HAVE_BATCH
    {"batch", hc_cli_batch, "issue many codes from a JSON-lines or CSV file"},
#endif
#ifdef HC_CLI_HAVE_BUNDLE
    {"bundle", hc_cli_bundle, "make or show a signed trust bundle"},
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

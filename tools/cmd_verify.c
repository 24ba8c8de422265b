/* cmd_verify.c — `healthcode verify` and `healthcode check`: a token's
 * offline verdict, and (check) a venue's decision on it. */
#include "cli.h"
#include "cmd.h"
#include "cmd_bundle.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The live members (doc/format.md, "Holder binding"): bound (null until the
 * claims are read), live (shown live by the bound device and verified), t
 * (the presentation's second, once its shape was read; else null). */
static void live_json(json_t *o, const hc_claims *c)
{
    json_object_set_new(o, "bound", c->claims_ok ? json_boolean(c->bound) : json_null());
    json_object_set_new(o, "live", json_boolean(c->live));
    json_object_set_new(o, "t", c->presented ? json_integer(c->t) : json_null());
}

/* The verdict members: valid, error, message, then the claims. message:
 * what went wrong in words (NULL: hc_strerror's sentence). */
static void verdict_json(json_t *o, hc_err e, const char *message, const hc_claims *c)
{
    json_object_set_new(o, "valid", json_boolean(e == HC_OK));
    json_object_set_new(o, "error", e ? json_string(hc_err_name(e)) : json_null());
    json_object_set_new(o, "message", e ? json_string(message ? message : hc_strerror(e))
                                        : json_null());
    bool header = c && c->header_ok, claims = c && c->claims_ok;
    hc_claims none;
    memset(&none, 0, sizeof none);
    cli_claims_json(o, c ? c : &none, header, claims);
    live_json(o, c ? c : &none);
}

/* What verify and check share: the trust store, revocations, clock, skew and token. */
typedef struct {
    hc_trust *trust;
    hc_revocations *rev;
    int64_t now;
    int64_t skew;
    int64_t live_window;      /* --live-window: P5's window, 1-300 s */
    bool require_live;        /* --require-live: a plain token is not_live */
    const char *png;
    const char *arg;
    cli_bundle_opts bundle;   /* --root/--bundle/--state/--accept-stale (cmd_bundle.c) */
    hc_err fail;              /* an input that failed (a file, the image, a bundle): the */
    char why[512];            /* verdict reports it, with this message */
} verifier;

/* Records why an input failed, for the verdict (printed on stderr already). */
static int input_failed(verifier *v, hc_err e, int rc, const char *path, const char *what)
{
    v->fail = e;
    char shown[4096 + 8];   /* a pkcs11: URI is named without its query */
    snprintf(v->why, sizeof v->why, "%s: %s", cli_key_ref_shown(path, shown, sizeof shown), what);
    return rc;
}

static void verifier_free(verifier *v)
{
    hc_trust_free(v->trust);
    hc_revocations_free(v->rev);
    cli_bundle_free(&v->bundle);
}

/* Handles an option verify and check share. Returns 0 (handled), 1 (not
 * one of them) or EX_USAGE/EX_INPUT. */
enum { V_TRUST = 100, V_REVOKED, V_NOW, V_SKEW, V_PNG,
       V_ROOT, V_BUNDLE, V_STATE, V_STALE, V_LIVE_WINDOW, V_REQUIRE_LIVE };
#define LIVE_OPTS {"live-window", true, V_LIVE_WINDOW, NULL}, {"require-live", false, V_REQUIRE_LIVE, NULL}
#define BUNDLE_OPTS {"root", true, V_ROOT, NULL}, {"bundle", true, V_BUNDLE, NULL}, \
                    {"state", true, V_STATE, NULL}, {"accept-stale", false, V_STALE, NULL}
static int verifier_option(const char *cmd, verifier *v, int id, const char *val)
{
    hc_diag d = {0};
    hc_err e;
    static const char *const bundle_names[] = {"root", "bundle", "state", "accept-stale"};
    if (id >= V_ROOT && id <= V_STALE)
        return cli_bundle_option(cmd, &v->bundle, bundle_names[id - V_ROOT], val);
    switch (id) {
    case V_TRUST:
    case V_REVOKED: /* the store is made at its first file; each file adds to it */
        if (id == V_TRUST ? !v->trust && hc_trust_new(&v->trust)
                          : !v->rev && hc_revocations_new(&v->rev))
            return EX_INPUT;
        e = id == V_TRUST ? hc_trust_add_path(v->trust, val, &d)
                          : hc_revocations_load(v->rev, val, &d);
        if (!e)
            return 0;
        /* the path once: the library's message may start with it */
        size_t pl = strlen(val);
        const char *what = !d.message[0] || e == HC_E_IO ? cli_why(val, e)
                           : strncmp(d.message, val, pl) == 0 && strncmp(d.message + pl, ": ", 2) == 0
                               ? d.message + pl + 2 : d.message;
        return input_failed(v, e, cli_load_error(val, e, &d), val, what);
    case V_NOW:
        return cli_now(cmd, val, &v->now) ? 0 : EX_USAGE;
    case V_SKEW:
        if (!cli_parse_duration(val, &v->skew) || v->skew > 86400)
            return cli_usage_error(cmd, "--skew: '%s' is not a duration up to 1 day (seconds, or 90s, 5m)", val);
        return 0;
    case V_LIVE_WINDOW:
        if (!cli_parse_duration(val, &v->live_window) || v->live_window < 1 ||
            v->live_window > HC_LIVE_WINDOW_MAX_S)
            return cli_usage_error(cmd, "--live-window: '%s' is not a duration from 1 to 300 seconds", val);
        return 0;
    case V_REQUIRE_LIVE:
        v->require_live = true;
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
static int verifier_ready(const char *cmd, verifier *v, bool now_given, cli_token *t, hc_err *e)
{
    *e = HC_OK;
    if (!now_given)
        v->now = (int64_t)time(NULL);
    if (v->bundle.n_bundles && (v->trust || v->rev))
        return cli_usage_error(cmd, "--bundle replaces --trust and --revoked: give one or the other");
    int brc = cli_bundle_load(cmd, &v->bundle, v->now);
    if (brc && v->bundle.err) {
        v->fail = v->bundle.err;
        snprintf(v->why, sizeof v->why, "%s", v->bundle.message);
    }
    if (brc)
        return brc;
    if (!v->trust && !v->bundle.store)
        return cli_usage_error(cmd, "no trusted key: give --trust PUB.pem|DIR (or --root and --bundle)");
    if (v->png && v->arg)
        return cli_usage_error(cmd, "give the token or --png IMG, not both");
    if (!v->png && !v->arg)
        return cli_usage_error(cmd, "no token given (the text, - for standard input, or --png IMG)");
    if (v->png) {
        *e = cli_token_from_png(v->png, t);
        if (*e) {
            cli_error("%s: %s", v->png, cli_why(v->png, *e));
            (void)input_failed(v, *e, 0, v->png, cli_why(v->png, *e));
        }
        return 0;
    }
    int rc = cli_token_from_arg(cmd, v->arg, t);
    return rc ? input_failed(v, HC_E_IO, rc, "<stdin>", "cannot read the token") : 0;
}

static const char usage_verify[] =
    "usage: healthcode verify --trust PUB.pem|DIR [--trust ...] [--revoked FILE] [--now T]\n"
    "                         [--skew S] [--live-window S] [--require-live] [--png IMG]\n"
    "                         [TOKEN|-]\n"
    "       healthcode verify --root ROOT.pem --bundle FILE [--bundle DELTA] [--state DIR]\n"
    "                         [--accept-stale] [--now T] [--skew S] [--live-window S]\n"
    "                         [--require-live] [--png IMG] [TOKEN|-]\n"
    "\n"
    "Verifies a token (HCODE1:...) or a live presentation of one (HCLIVE1:...)\n"
    "offline and prints one JSON object: valid, error, message, colour, iss, iat,\n"
    "exp, kid, alg, cti, sub, nam, doc, reg, knd, bound, live, t.\n"
    "\n"
    "  --trust PATH    a public key PEM, a directory of .pem files, or a trust list\n"
    "                  (.json); repeatable\n"
    "  --revoked FILE  a revocation list (hex cti/sub lines, or the binary form)\n"
    "  --now T         the time of the check: epoch seconds or ISO 8601 (default: now)\n"
    "  --skew S        clock allowance (default 300 seconds)\n"
    "  --png IMG       read the token from the QR code in a PNG image\n"
    "  --live-window S how far a presentation's time may be from --now (default 60\n"
    "                  seconds, at most 300)\n"
    "  --require-live  refuse a plain token (not_live, exit 35): only a presentation\n"
    "                  by the bound device is valid\n"
    "  --root ROOT.pem a root key that signs trust bundles (repeatable)\n"
    "  --bundle FILE   the keys and revocations from a signed trust bundle (instead of\n"
    "                  --trust and --revoked); a second --bundle is a delta on the first\n"
    "  --state DIR     where the last accepted bundle is kept (refuses a rollback)\n"
    "  --accept-stale  use an expired bundle, and say \"stale_trust\": true\n"
    "\n"
    "Exit status: 0 valid, 2 usage, 3 input or I/O error, 10 malformed token,\n"
    "11 unknown kid, 12 bad signature (or algorithm, issuer, key window),\n"
    "13 expired, 14 not yet valid, 15 revoked; a refused bundle: 20 malformed,\n"
    "21 wrong root, 22 bad signature, 23 rollback, 24 expired, 25 wrong base,\n"
    "26 kid mismatch, 27 bad state file (doc/bundle.md); a presentation: 30\n"
    "malformed, 31 unbound token, 32 device algorithm, 33 device signature, 34 stale\n"
    "or future; 35 a plain token where --require-live.\n";

static const char usage_check[] =
    "usage: healthcode check --trust PUB.pem|DIR [--trust ...] [--revoked FILE]\n"
    "                        [--venue VENUE.json] [--temperature 37.9] [--now T] [--skew S]\n"
    "                        [--live-window S] [--require-live] [--seen FILE]\n"
    "                        TOKEN|-|--png IMG\n"
    "       healthcode check --root ROOT.pem --bundle FILE [--bundle DELTA] --state DIR\n"
    "                        [--venue-class NAME] [--temperature 37.9] ... TOKEN|-|--png IMG\n"
    "\n"
    "Verifies the token, then decides entry at a venue, and prints JSON: admit,\n"
    "code, zh, en, then the fields of 'healthcode verify'.\n"
    "\n"
    "  --trust, --revoked, --now, --skew, --png   as for 'healthcode verify'\n"
    "  --live-window, --require-live              as for 'healthcode verify'\n"
    "  --root, --bundle, --state, --accept-stale  as for 'healthcode verify'\n"
    "  --venue FILE       the venue rules (JSON: name, admit, max_age, fever_c, live,\n"
    "                     unbound); default: green only, any age, 37.3 °C, live off,\n"
    "                     paper codes admitted\n"
    "  --venue-class NAME the venue rules named NAME in the verified bundle (signed\n"
    "                     with its trust by 'bundle make --venues')\n"
    "  --temperature C    the temperature taken on site, in °C\n"
    "  --seen FILE        the codes admitted here lately, kept in FILE between runs:\n"
    "                     the same code (cti) admitted again within the live window is\n"
    "                     denied as a repeat (a screenshot passed back); at most 1024\n"
    "                     codes are kept\n"
    "\n"
    "Exit status: 0 admitted, 1 denied, otherwise that of 'healthcode verify'.\n";

/* check --venue FILE: the venue's rules. 0 or EX_INPUT (printed). */
static int load_venue(verifier *v, const char *path, hc_venue_rules *rules)
{
    char *json = NULL;
    size_t len = 0;
    int r = cli_read(path, 1u << 20, &json, &len), rc = 0;
    hc_diag d = {0};
    hc_err e;
    if (r) {
        cli_error("%s: %s", path, strerror(r));
        rc = input_failed(v, r == EFBIG ? HC_E_LIMIT : HC_E_IO, EX_INPUT, path, strerror(r));
    } else if ((e = hc_venue_parse_json(json, len, rules, &d))) {
        cli_diag(path, e, &d);
        rc = input_failed(v, e, EX_INPUT, path, d.message[0] ? d.message : hc_strerror(e));
    }
    free(json);
    return rc;
}

/* check --venue-class NAME: the rules the verified bundle carries under
 * NAME. 0 or EX_INPUT (printed, and recorded for the verdict). */
static int bundle_venue(verifier *v, const char *name, hc_venue_rules *rules)
{
    hc_diag d = {0};
    hc_err e = hc_bundle_store_venue(v->bundle.store, name, rules, &d);
    if (!e)
        return 0;
    cli_error("--venue-class %s: %s", name, d.message[0] ? d.message : hc_strerror(e));
    return input_failed(v, e, EX_INPUT, "--venue-class", d.message[0] ? d.message : hc_strerror(e));
}

/* check: the venue's decision on a token verified with error e (none when
 * it is not valid), as the members admit, code, zh, en of o. Returns the
 * exit status: 0 admitted, 1 denied, else rc (verify's). */
static int decide(json_t *o, hc_err e, const hc_claims *c, const hc_venue_rules *rules,
                  int64_t now, double temp, hc_repeats *seen, int rc)
{
    hc_decision dec;
    memset(&dec, 0, sizeof dec);
    hc_err de = HC_E_ARG;
    if (!e && (de = hc_checkpoint_decide_repeats(c, rules, now, temp, seen, &dec))) {
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
    return rc;
}

/* check --seen FILE: the codes admitted lately, kept in FILE between runs
 * (hc_repeats_load/save) so that the same code shown again within the live
 * window is a repeat. FILE.lock is held (flock) from reading the memory to
 * writing it back, so that two checks at one door do not lose an entry. */
typedef struct {
    const char *path;
    int lock;              /* -1: none */
    hc_repeats *mem;
} seen_file;

/* A --seen FILE that cannot be locked or read is an input refused, with a
 * verdict like any other (v->fail). */
static int seen_open(seen_file *s, verifier *v)
{
    char lock[4096];
    hc_err e;
    if ((s->lock = cli_lock_beside(s->path, lock, sizeof lock)) < 0) {
        if (errno == ENAMETOOLONG) {
            cli_error("%s: path too long", s->path);
            return input_failed(v, HC_E_ARG, EX_INPUT, s->path, "path too long");
        }
        cli_error("%s: %s", lock, strerror(errno));
        return input_failed(v, HC_E_IO, EX_INPUT, lock, strerror(errno));
    }
    if ((e = hc_repeats_new(HC_REPEATS_DEFAULT_CAPACITY, v->live_window, &s->mem)) ||
        (e = hc_repeats_load(s->mem, s->path))) {
        const char *why = e == HC_E_IO ? "not a memory of admitted codes (or unreadable)" : hc_strerror(e);
        cli_error("%s: %s", s->path, why);
        return input_failed(v, e, EX_INPUT, s->path, why);
    }
    return 0;
}

/* Writes the memory back when the decision noted an admission in it (its
 * count alone does not say so: a full ring replaces its oldest entry) and
 * lets go of the lock. */
static int seen_close(seen_file *s, bool noted)
{
    int rc = 0;
    hc_err e;
    if (s->mem && noted && (e = hc_repeats_save(s->mem, s->path))) {
        cli_error("%s: %s", s->path, cli_why(s->path, e));
        rc = EX_INPUT;
    }
    hc_repeats_free(s->mem);
    if (s->lock >= 0)
        close(s->lock);
    return rc;
}

/* verify and check; check adds --venue and --temperature. */
static int run_verify(const char *cmd, int argc, char **argv, bool check)
{
    enum { O_HELP, O_VENUE, O_TEMP, O_VENUE_CLASS, O_SEEN };
    static const cli_opt vopts[] = {
        {"help", false, O_HELP, NULL}, {"trust", true, V_TRUST, NULL}, {"revoked", true, V_REVOKED, NULL},
        {"now", true, V_NOW, NULL},    {"skew", true, V_SKEW, NULL},   {"png", true, V_PNG, NULL},
        BUNDLE_OPTS, LIVE_OPTS, {NULL, false, 0, NULL}};
    static const cli_opt copts[] = {
        {"help", false, O_HELP, NULL}, {"trust", true, V_TRUST, NULL}, {"revoked", true, V_REVOKED, NULL},
        {"now", true, V_NOW, NULL},    {"skew", true, V_SKEW, NULL},   {"png", true, V_PNG, NULL},
        {"venue", true, O_VENUE, NULL}, {"temperature", true, O_TEMP, NULL}, BUNDLE_OPTS, LIVE_OPTS,
        {"venue-class", true, O_VENUE_CLASS, NULL}, {"seen", true, O_SEEN, NULL},
        {NULL, false, 0, NULL}};
    verifier v;
    memset(&v, 0, sizeof v);
    v.skew = HC_DEFAULT_SKEW_S;
    v.live_window = HC_DEFAULT_LIVE_WINDOW_S;
    cli_args a;
    cli_args_init(&a, cmd, NULL, argc, argv);   /* --help: looked for first, below */
    const char *val, *venue = NULL, *venue_class = NULL;
    seen_file seen = {NULL, -1, NULL};
    double temp = NAN;
    bool now_given = false;
    int rc = 0;
    /* options are handled in order, so a --help after a bad --trust still loads it:
     * look for --help first, as every command promises it */
    for (int i = 0; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (cli_is_help(argv[i])) {
            fputs(check ? usage_check : usage_verify, stdout);
            return 0;
        }
    for (int id; !rc && (id = cli_next(&a, check ? copts : vopts, &val)) != CLI_END;) {
        switch (id) {
        case O_HELP: break;   /* handled above */
        case O_VENUE: venue = val; break;
        case O_VENUE_CLASS: venue_class = val; break;
        case O_SEEN: seen.path = val; break;
        case O_TEMP:
            if (!cli_parse_double(val, &temp) || temp < 20 || temp > 50)
                rc = cli_usage_error(cmd, "--temperature: '%s' is not a body temperature in °C", val);
            break;
        case CLI_POSITIONAL:
            rc = cli_one_operand(cmd, "token", &v.arg, val);
            break;
        case CLI_ERROR: rc = EX_USAGE; break;
        default:
            now_given |= id == V_NOW;
            rc = verifier_option(cmd, &v, id, val);
            break;
        }
    }
    hc_venue_rules rules = HC_VENUE_RULES_DEFAULT;
    if (!rc && venue_class && (venue || !v.bundle.n_bundles))
        rc = cli_usage_error(cmd, venue ? "--venue or --venue-class, not both"
                                        : "--venue-class takes the rules from a bundle: give "
                                          "--root and --bundle");
    if (!rc && venue)
        rc = load_venue(&v, venue, &rules);
    cli_token *t = rc ? NULL : malloc(sizeof *t);
    hc_err e = HC_OK;
    if (!rc && !t)
        rc = EX_INPUT;
    if (!rc)
        rc = verifier_ready(cmd, &v, now_given, t, &e);
    if (!rc && venue_class)
        rc = bundle_venue(&v, venue_class, &rules);
    if (!rc && check && seen.path)
        rc = seen_open(&seen, &v);   /* held until the decision is written back */
    if (rc && v.fail) {   /* an input refused: a verdict all the same (issue 26.12) */
        json_t *o = json_object();
        if (check)
            (void)decide(o, v.fail, NULL, &rules, v.now, temp, NULL, rc);
        verdict_json(o, v.fail, v.why, NULL);
        cli_bundle_json(o, &v.bundle);
        int prc = cli_print_json(o);
        rc = prc ? prc : rc;
    }
    if (rc) {
        seen_close(&seen, false);
        free(t);
        verifier_free(&v);
        return rc;
    }
    hc_claims c;
    memset(&c, 0, sizeof c);
    if (!e) {
        hc_bundle_store *bs = v.bundle.store;
        hc_verify_opts vo = {v.skew, bs ? hc_bundle_store_revocations(bs) : v.rev, v.live_window,
                             v.require_live};
        e = hc_verify(bs ? hc_bundle_store_trust(bs) : v.trust, t->text, t->len, v.now, &vo, &c);
    }
    json_t *o = json_object();
    rc = cli_exit_for(e);
    int src;
    if (check)
        rc = decide(o, e, &c, &rules, v.now, temp, seen.mem, rc);
    /* hc_checkpoint_decide_repeats notes exactly the codes it admits */
    if ((src = seen_close(&seen, check && rc == EX_VALID)) != 0)
        rc = src;
    verdict_json(o, e, v.fail ? v.why : NULL, &c);
    cli_bundle_json(o, &v.bundle);   /* stale_trust, rollback_protected */
    int prc = cli_print_json(o);
    free(t);
    verifier_free(&v);
    return prc ? prc : rc;
}

int cmd_verify(int argc, char **argv) { return run_verify("verify", argc, argv, false); }

int cmd_check(int argc, char **argv) { return run_verify("check", argc, argv, true); }

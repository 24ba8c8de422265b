/* cmd_bundle.c — `healthcode bundle make|show` and the bundle options of
 * verify and check (doc/bundle.md). Public API only. */
#include "cmd_bundle.h"
#include "cli.h"
#include "cmd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Exit statuses of the refusals, one each (doc/healthcode.1). */
int cli_bundle_exit_for(hc_err err)
{
    switch (err) {
    case HC_E_BUNDLE: return 20;
    case HC_E_BUNDLE_ROOT: return 21;
    case HC_E_BUNDLE_SIGNATURE: return 22;
    case HC_E_BUNDLE_ROLLBACK: return 23;
    case HC_E_BUNDLE_EXPIRED: return 24;
    case HC_E_BUNDLE_BASE: return 25;
    case HC_E_BUNDLE_KID: return 26;
    case HC_E_BUNDLE_STATE: return 27;
    default: return 0;
    }
}

/* "PATH: what went wrong" into msg (cap bytes): the diagnostic when there
 * is one, else what the file system or hc_strerror says. */
static void bundle_message(char *msg, size_t cap, const char *path, hc_err e, const hc_diag *d)
{
    const char *why = d && d->message[0] ? d->message
                      : e == HC_E_IO || e == HC_E_LIMIT ? cli_why(path, e) : hc_strerror(e);
    snprintf(msg, cap, "%s: %s", path, why);
}

/* Prints a refusal, "PATH: message (error_name)", and returns its exit
 * status (20-27, or 3 for a file that cannot be read); with b, records it
 * for the verdict verify and check print (cli_bundle_opts.err, .message). */
static int bundle_fail(cli_bundle_opts *b, const char *path, hc_err e, const hc_diag *d)
{
    char local[sizeof b->message];
    char *msg = b ? b->message : local;
    bundle_message(msg, sizeof local, path, e, d);
    if (b)
        b->err = e;
    cli_error("%s (%s)", msg, hc_err_name(e));
    int rc = cli_bundle_exit_for(e);
    return rc ? rc : EX_INPUT;
}

static int bundle_error(const char *path, hc_err e, const hc_diag *d)
{
    return bundle_fail(NULL, path, e, d);
}

static int load_key(const char *path, hc_key **k)
{
    return cli_load_key(path, NULL, k);   /* a pkcs11: URI's query is never shown */
}

/* ------------------------------------------------- verify/check options */

int cli_bundle_option(const char *cmd, cli_bundle_opts *b, const char *name, const char *val)
{
    if (strcmp(name, "root") == 0 || strcmp(name, "bundle") == 0) {
        bool root = name[0] == 'r';
        size_t *n = root ? &b->n_roots : &b->n_bundles;
        if (*n == CLI_BUNDLE_MAX)
            return cli_usage_error(cmd, "--%s: at most %d", name, CLI_BUNDLE_MAX);
        (root ? b->roots : b->bundles)[(*n)++] = val;
        return 0;
    }
    if (strcmp(name, "state") == 0) {
        b->state_dir = val;
        return 0;
    }
    if (strcmp(name, "accept-stale") == 0) {
        b->accept_stale = true;
        return 0;
    }
    return 1;
}

int cli_bundle_load(const char *cmd, cli_bundle_opts *b, int64_t now)
{
    if (!b->n_bundles)
        return b->n_roots || b->state_dir || b->accept_stale
                   ? cli_usage_error(cmd, "--root, --state and --accept-stale need --bundle FILE")
                   : 0;
    if (!b->n_roots && !b->state_dir)
        return cli_usage_error(cmd, "--bundle needs a pinned root key (--root ROOT.pem)");
    if (!b->state_dir)   /* issue 26.8: say it, here and in the verdict */
        cli_error("warning: no --state DIR: this run cannot refuse an older bundle than one "
                  "accepted before (rollback); \"rollback_protected\": false (doc/bundle.md)");
    if (hc_bundle_store_new(&b->store))
        return EX_INPUT;
    for (size_t i = 0; i < b->n_roots; i++) {
        hc_key *k = NULL;
        int rc = load_key(b->roots[i], &k);
        hc_err e = rc ? HC_E_KEY : hc_bundle_store_add_root(b->store, k);
        hc_key_free(k);
        if (rc) {   /* printed */
            b->err = e;
            char shown[4096 + 8];   /* a pkcs11: URI without its query */
            snprintf(b->message, sizeof b->message, "%s: cannot load the root key",
                     cli_key_ref_shown(b->roots[i], shown, sizeof shown));
            return rc;
        }
        if (e)
            return bundle_fail(b, b->roots[i], e, NULL);
    }
    if (b->state_dir) {
        hc_diag d = {0};
        hc_err e = hc_bundle_store_set_state_dir(b->store, b->state_dir, &d);
        if (e)
            return bundle_fail(b, "--state", e, &d);
    }
    /* all or nothing: a refused run leaves the state file as it was */
    hc_diag d = {0};
    size_t failed = 0;
    unsigned flags = HC_BUNDLE_COMPLETE | (b->accept_stale ? HC_BUNDLE_ACCEPT_STALE : 0);
    hc_err e = hc_bundle_store_apply_files(b->store, b->bundles, b->n_bundles, now, flags, NULL,
                                           &failed, &d);
    if (e) {
        /* a bundle refused, or the set (a withheld delta), or the state itself */
        const char *path = failed < b->n_bundles ? b->bundles[failed]
                           : e == HC_E_BUNDLE_ROLLBACK ? b->bundles[b->n_bundles - 1] : "--state";
        if (e == HC_E_IO || e == HC_E_LIMIT)
            d.message[0] = '\0';   /* the file system's reason, not "cannot read" */
        return bundle_fail(b, path, e, &d);
    }
    return 0;
}

void cli_bundle_json(json_t *o, const cli_bundle_opts *b)
{
    if (!b->n_bundles)
        return;
    json_object_set_new(o, "stale_trust", b->store && hc_bundle_store_ready(b->store, NULL) == HC_OK
                                              ? json_boolean(hc_bundle_store_stale(b->store))
                                              : json_null());
    json_object_set_new(o, "rollback_protected", json_boolean(b->state_dir != NULL));
}

void cli_bundle_free(cli_bundle_opts *b)
{
    hc_bundle_store_free(b->store);
    b->store = NULL;
}

/* ---------------------------------------------------------- bundle make */

static const char usage_make[] =
    "usage: healthcode bundle make --root ROOT.pem --trust PUB.pem|DIR|LIST.json [--issuer ISS]\n"
    "                              [--trust ... [--issuer ISS]] [--revoked FILE] --seq N\n"
    "                              --expires 7d [--publisher NAME] [--next-root PUB.pem]\n"
    "                              [--delta-from OLD [--allow-removals]] [--venues FILE]\n"
    "                              [--now T] --out FILE [--key-pass file:PATH|env:VAR]\n"
    "\n"
    "Signs a trust bundle with the root key (doc/bundle.md).\n"
    "  --trust SRC        keys read as 'healthcode verify' reads them; repeatable\n"
    "  --issuer ISS       the issuer of the keys of the --trust just before it (a key\n"
    "                     without an issuer binding is refused otherwise)\n"
    "  --revoked FILE     revoked cti/sub (text or binary); repeatable\n"
    "  --seq N            the sequence number (above every earlier bundle's)\n"
    "  --expires D        the bundle's lifetime from --now (7d, 24h)\n"
    "  --next-root PUB    a root key that may sign later bundles; repeatable\n"
    "  --delta-from OLD   make a delta against the full bundle OLD (signed by ROOT);\n"
    "                     --revoked is still every revocation in force: a delta that\n"
    "                     would lift revocations of OLD is refused, naming how many\n"
    "  --allow-removals   ... unless this says they are lifted on purpose\n"
    "  --venues FILE      venue rules to sign with the trust: a JSON object of named\n"
    "                     rules, {\"hospital\": {\"admit\": [\"green\"], ...}, ...}, each\n"
    "                     as 'check --venue' reads one; 'check --venue-class NAME' uses it\n"
    "  --out FILE         written atomically, mode 0644\n"
    "  --key-pass SRC     the passphrase of an encrypted ROOT.pem: file:PATH (mode\n"
    "                     0600, its first line) or env:VAR\n";

typedef struct {
    const char *path, *issuer;
    hc_trust *t;
} trust_src;

#define MAKE_SRC_MAX 64

typedef struct {
    hc_key *root;
    const char *root_path, *root_pass;   /* --root, loaded after the options with --key-pass */
    trust_src src[MAKE_SRC_MAX];
    size_t n_src;
    hc_revocations *rev, *base_rev;
    hc_key *next[HC_BUNDLE_ROOTS_MAX];
    size_t n_next;
    hc_bundle_key *keys;
    hc_bundle_store *base;
    bool allow_removals;   /* --allow-removals: a delta may lift revocations */
    json_t *venues_json;   /* --venues FILE, parsed */
    hc_bundle_venue venues[HC_BUNDLE_VENUES_MAX];
    char *venue_text[HC_BUNDLE_VENUES_MAX];
    size_t n_venues;
} make_ctx;

static void make_free(make_ctx *m)
{
    hc_key_free(m->root);
    for (size_t i = 0; i < m->n_src; i++)
        hc_trust_free(m->src[i].t);
    hc_revocations_free(m->rev);
    for (size_t i = 0; i < m->n_next; i++)
        hc_key_free(m->next[i]);
    free(m->keys);
    hc_bundle_store_free(m->base);
    for (size_t i = 0; i < m->n_venues; i++)
        free(m->venue_text[i]);
    json_decref(m->venues_json);
}

/* --venues FILE: a JSON object of named venue rules; each rule goes into
 * the bundle as its compact JSON text, checked as 'check --venue' reads it. */
static int load_venues(make_ctx *m, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    int r = cli_read(path, 1u << 20, &text, &len);
    if (r) {
        cli_error("%s: %s", path, strerror(r));
        return EX_INPUT;
    }
    json_error_t je;
    m->venues_json = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (!m->venues_json || !json_is_object(m->venues_json)) {
        cli_error("%s:%d: %s", path, m->venues_json ? 1 : je.line,
                  m->venues_json ? "not a JSON object of named venue rules" : je.text);
        return EX_INPUT;
    }
    if (json_object_size(m->venues_json) > HC_BUNDLE_VENUES_MAX) {
        cli_error("%s: more than %d venue rules", path, HC_BUNDLE_VENUES_MAX);
        return EX_INPUT;
    }
    const char *name;
    json_t *rule;
    json_object_foreach(m->venues_json, name, rule) {
        hc_venue_rules parsed;
        hc_diag d = {0};
        char *t = json_dumps(rule, JSON_COMPACT | JSON_ENCODE_ANY);
        size_t tl = t ? strlen(t) : 0;
        m->venue_text[m->n_venues] = t;
        m->venues[m->n_venues++] = (hc_bundle_venue){name, t, tl};
        if (!*name || strlen(name) > HC_BUNDLE_VENUE_NAME_MAX) {
            cli_error("%s: venue '%s': a name of 1 to %d bytes", path, name,
                      HC_BUNDLE_VENUE_NAME_MAX);
            return EX_INPUT;
        }
        hc_err e = !t ? HC_E_NOMEM : !json_is_object(rule) ? HC_E_VENUE
                   : tl > HC_BUNDLE_VENUE_JSON_MAX ? HC_E_LIMIT
                   : hc_venue_parse_json(t, tl, &parsed, &d);
        if (e) {
            cli_error("%s: venue '%s': %s", path, name,
                      d.message[0] ? d.message : e == HC_E_LIMIT ? "longer than 4096 bytes"
                                                 : "not a venue rule (a JSON object)");
            return EX_INPUT;
        }
    }
    return 0;
}

/* The keys of every source, each with its issuer. */
static int collect_keys(make_ctx *m, size_t *n)
{
    size_t total = 0;
    for (size_t i = 0; i < m->n_src; i++)
        total += hc_trust_count(m->src[i].t);
    if (total > HC_BUNDLE_KEYS_MAX) {
        cli_error("bundle make: %zu keys, more than %d", total, HC_BUNDLE_KEYS_MAX);
        return EX_INPUT;
    }
    m->keys = calloc(total ? total : 1, sizeof *m->keys);
    if (!m->keys)
        return EX_INPUT;
    *n = 0;
    for (size_t i = 0; i < m->n_src; i++) {
        for (size_t j = 0; j < hc_trust_count(m->src[i].t); j++) {
            hc_bundle_key *k = &m->keys[(*n)++];
            if (hc_bundle_key_from_trust(m->src[i].t, j, k))
                return EX_INPUT;
            if (m->src[i].issuer && k->iss[0] && strcmp(k->iss, m->src[i].issuer) != 0) {
                cli_error("%s: a key bound to issuer '%s', not --issuer %s", m->src[i].path,
                          k->iss, m->src[i].issuer);
                return EX_INPUT;
            }
            if (m->src[i].issuer)
                k->iss = m->src[i].issuer;
            if (!k->iss[0]) {
                cli_error("%s: a key without an issuer binding: give --issuer ISS after it",
                          m->src[i].path);
                return EX_INPUT;
            }
        }
    }
    return 0;
}

static int make_parse(make_ctx *m, int argc, char **argv, hc_bundle_spec *sp, const char **out,
                      const char **delta_from, int64_t *now, int64_t *life)
{
    enum { O_HELP, O_ROOT, O_TRUST, O_ISSUER, O_REVOKED, O_SEQ, O_EXPIRES, O_PUB, O_NEXT,
           O_DELTA, O_NOW, O_OUT, O_KEYPASS, O_REMOVALS, O_VENUES };
    static const cli_opt opts[] = {
        {"help", false, O_HELP, NULL},     {"root", true, O_ROOT, NULL},     {"trust", true, O_TRUST, NULL},
        {"issuer", true, O_ISSUER, NULL},  {"revoked", true, O_REVOKED, NULL}, {"seq", true, O_SEQ, NULL},
        {"expires", true, O_EXPIRES, NULL}, {"publisher", true, O_PUB, NULL}, {"next-root", true, O_NEXT, NULL},
        {"delta-from", true, O_DELTA, NULL}, {"now", true, O_NOW, NULL},     {"out", true, O_OUT, NULL},
        {"key-pass", true, O_KEYPASS, NULL}, {"allow-removals", false, O_REMOVALS, NULL},
        {"venues", true, O_VENUES, NULL},   {NULL, false, 0, NULL}};
    const char *cmd = "bundle make", *val;
    cli_args a;
    cli_args_init(&a, cmd, NULL, argc, argv);   /* --help is the table's: it returns -1 */
    int rc = 0, prev = -1;
    for (int id; !rc && (id = cli_next(&a, opts, &val)) != CLI_END; prev = id) {
        hc_diag d = {0};
        hc_err e;
        char *end;
        switch (id) {
        case O_HELP: fputs(usage_make, stdout); return -1;
        case O_ROOT: rc = m->root_path ? cli_usage_error(cmd, "one --root") : (m->root_path = val, 0); break;
        case O_KEYPASS: m->root_pass = val; break;
        case O_TRUST:
            if (m->n_src == MAKE_SRC_MAX)
                return cli_usage_error(cmd, "at most %d --trust", MAKE_SRC_MAX);
            m->src[m->n_src].path = val;
            if (hc_trust_new(&m->src[m->n_src].t))
                return EX_INPUT;
            m->n_src++;
            if ((e = hc_trust_add_path(m->src[m->n_src - 1].t, val, &d)))
                rc = cli_load_error(val, e, &d);   /* a pkcs11: URI shown without its query */
            break;
        case O_ISSUER:
            if (prev != O_TRUST)
                return cli_usage_error(cmd, "--issuer goes right after the --trust it names");
            if (!*val || strlen(val) > HC_ISS_MAX)
                return cli_usage_error(cmd, "--issuer: 1 to %d characters", HC_ISS_MAX);
            m->src[m->n_src - 1].issuer = val;
            break;
        case O_REVOKED:
            if (!m->rev && hc_revocations_new(&m->rev))
                return EX_INPUT;
            if ((e = hc_revocations_load(m->rev, val, &d))) {
                cli_diag(val, e, &d);
                rc = EX_INPUT;
            }
            break;
        case O_SEQ:
            errno = 0;
            sp->seq = strtoull(val, &end, 10);
            if (errno || *end || !*val || val[0] == '-' || sp->seq == 0 || sp->seq > INT64_MAX)
                rc = cli_usage_error(cmd, "--seq: '%s' is not a number from 1 to 2^63-1", val);
            break;
        case O_EXPIRES:
            if (!cli_parse_duration(val, life) || *life <= 0)
                rc = cli_usage_error(cmd, "--expires: '%s' is not a duration (7d, 24h)", val);
            break;
        case O_PUB: sp->publisher = val; break;
        case O_NEXT:
            if (m->n_next == HC_BUNDLE_ROOTS_MAX)
                return cli_usage_error(cmd, "at most %d --next-root", HC_BUNDLE_ROOTS_MAX);
            rc = load_key(val, &m->next[m->n_next]);
            m->n_next += rc == 0;
            break;
        case O_DELTA: *delta_from = val; break;
        case O_NOW:
            if (!cli_parse_time(val, now))
                rc = cli_usage_error(cmd, "--now: '%s' is not a time", val);
            break;
        case O_OUT: *out = val; break;
        case O_REMOVALS: m->allow_removals = true; break;
        case O_VENUES:
            rc = m->venues_json ? cli_usage_error(cmd, "one --venues") : load_venues(m, val);
            break;
        case CLI_POSITIONAL: rc = cli_usage_error(cmd, "unexpected '%s'", val); break;
        default: rc = EX_USAGE; break;
        }
    }
    if (!rc && m->root_path)
        rc = cli_load_key(m->root_path, m->root_pass, &m->root);
    if (!rc && (!m->root || !m->n_src || !sp->seq || !*life || !*out))
        rc = cli_usage_error(cmd, "--root, --trust, --seq, --expires and --out are required");
    if (!rc && m->allow_removals && !*delta_from)
        rc = cli_usage_error(cmd, "--allow-removals is for a delta (--delta-from OLD)");
    return rc;
}

/* The base of a delta: OLD, checked with the root's public half. */
static int load_base(make_ctx *m, const char *old, int64_t now, hc_bundle_spec *sp)
{
    hc_diag d = {0};
    hc_bundle_info info;
    hc_err e;
    if ((e = hc_bundle_store_new(&m->base)) || (e = hc_bundle_store_add_root(m->base, m->root)) ||
        (e = hc_bundle_store_apply_file(m->base, old, now, HC_BUNDLE_ACCEPT_STALE, &info, &d)))
        return bundle_error(old, e, &d);
    if (info.delta) {
        cli_error("%s: a delta; --delta-from needs a full bundle", old);
        return EX_INPUT;
    }
    sp->delta = true;
    sp->base_seq = info.seq;
    sp->base_revoked = hc_bundle_store_revocations(m->base);
    return 0;
}

/* A delta is made from the whole list in force (--revoked), so one made
 * from today's additions alone would lift every earlier revocation: refused,
 * naming how many, unless --allow-removals says it is meant. */
static int refuse_removals(const uint8_t *b, size_t len, const char *old)
{
    hc_bundle_info info;
    hc_err e = hc_bundle_inspect(b, len, &info, NULL, 0);
    if (e) {
        cli_error("bundle make: %s", hc_strerror(e));
        return EX_INPUT;
    }
    if (info.n_cti_removed == 0 && info.n_sub_removed == 0)
        return 0;
    cli_error("bundle make: the delta would lift %zu revocation%s of %s (%zu cti, %zu sub): "
              "--revoked gives every revocation in force, not only the new ones; give "
              "--allow-removals to lift them", info.n_cti_removed + info.n_sub_removed,
              info.n_cti_removed + info.n_sub_removed == 1 ? "" : "s", old, info.n_cti_removed,
              info.n_sub_removed);
    return EX_INPUT;
}

static int bundle_make(int argc, char **argv)
{
    make_ctx m;
    memset(&m, 0, sizeof m);
    hc_bundle_spec sp;
    memset(&sp, 0, sizeof sp);
    sp.publisher = "healthcode";
    const char *out = NULL, *delta_from = NULL;
    int64_t now = (int64_t)time(NULL), life = 0;
    uint8_t *b = NULL;
    size_t len = 0;
    int rc = make_parse(&m, argc, argv, &sp, &out, &delta_from, &now, &life);
    if (!rc)   /* rc < 0: --help was answered, nothing more to do (status 0 below) */
        rc = collect_keys(&m, &sp.n_keys);
    if (!rc && delta_from)
        rc = load_base(&m, delta_from, now, &sp);
    if (!rc) {
        sp.iat = now;
        sp.exp = now + life;
        sp.keys = m.keys;
        sp.revoked = m.rev;
        sp.next_roots = (const hc_key *const *)m.next;
        sp.n_next_roots = m.n_next;
        sp.venues = m.venues;
        sp.n_venues = m.n_venues;
        hc_err e = hc_bundle_make(m.root, &sp, &b, &len);
        if (e) {
            cli_error("bundle make: %s", hc_strerror(e));
            rc = EX_INPUT;
        } else if (sp.delta && !m.allow_removals && (rc = refuse_removals(b, len, delta_from))) {
            /* said */
        } else if ((rc = cli_write_atomic(out, b, len, 0644)) != 0) {
            cli_error("%s: %s", out, strerror(rc));
            rc = EX_INPUT;
        }
    }
    hc_free(b);
    make_free(&m);
    return rc < 0 ? 0 : rc;
}

/* ---------------------------------------------------------- bundle show */

static const char usage_show[] =
    "usage: healthcode bundle show [--json] FILE\n"
    "\n"
    "Prints what a bundle says WITHOUT checking its signature (verify it with\n"
    "'healthcode verify --root ROOT.pem --bundle FILE').\n";

/* A time as verify prints one (issue 26.12): NAME, epoch seconds, and
 * NAME_iso, ISO 8601 in UTC; both null when absent (an unbounded window). */
static void time_json(json_t *o, const char *name, int64_t t, bool absent)
{
    char iso[40], key[40];
    cli_format_time(t, 0, iso, sizeof iso);
    snprintf(key, sizeof key, "%s_iso", name);
    json_object_set_new(o, name, absent ? json_null() : json_integer((json_int_t)t));
    json_object_set_new(o, key, absent ? json_null() : json_string(iso));
}

static json_t *show_json(const hc_bundle_info *in, const hc_bundle_key_info *k, size_t nk)
{
    char hex[65];
    json_t *o = json_object(), *keys = json_array();
    json_object_set_new(o, "verified", json_false());
    json_object_set_new(o, "publisher", json_string(in->publisher));
    json_object_set_new(o, "seq", json_integer((json_int_t)in->seq));
    time_json(o, "iat", in->iat, false);
    time_json(o, "exp", in->exp, false);
    json_object_set_new(o, "delta", json_boolean(in->delta));
    json_object_set_new(o, "base_seq", in->delta ? json_integer((json_int_t)in->base_seq) : json_null());
    json_object_set_new(o, "root_alg", json_string(hc_alg_name(in->root_alg)));
    cli_hex(in->root_kid, HC_KID_LEN, hex);
    json_object_set_new(o, "root_kid", json_string(hex));
    cli_hex(in->hash, 32, hex);
    json_object_set_new(o, "sha256", json_string(hex));
    cli_hex(in->id, 32, hex);
    json_object_set_new(o, "id", json_string(hex));
    for (size_t i = 0; i < nk; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "iss", json_string(k[i].iss));
        cli_hex(k[i].kid, HC_KID_LEN, hex);
        json_object_set_new(e, "kid", json_string(hex));
        json_object_set_new(e, "alg", json_string(hc_alg_name(k[i].alg)));
        time_json(e, "not_before", k[i].not_before, k[i].not_before == HC_TIME_UNBOUNDED_BEFORE);
        time_json(e, "not_after", k[i].not_after, k[i].not_after == HC_TIME_UNBOUNDED_AFTER);
        json_array_append_new(keys, e);
    }
    json_object_set_new(o, "keys", keys);
    json_object_set_new(o, "revoked_cti", json_integer((json_int_t)in->n_cti));
    json_object_set_new(o, "revoked_sub", json_integer((json_int_t)in->n_sub));
    json_object_set_new(o, "removed_cti", json_integer((json_int_t)in->n_cti_removed));
    json_object_set_new(o, "removed_sub", json_integer((json_int_t)in->n_sub_removed));
    json_object_set_new(o, "next_roots", json_integer((json_int_t)in->n_next_roots));
    json_object_set_new(o, "venues", json_integer((json_int_t)in->n_venues));
    return o;
}

/* Whether code point c must not reach a terminal as it is: C0 and C1
 * controls (ESC starts the sequences that move the cursor, recolour or
 * retitle the terminal), DEL, and the invisible or reordering ones
 * (zero-width, bidi overrides and isolates, separators). */
static bool unprintable(uint32_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x200b && c <= 0x200f) ||
           (c >= 0x2028 && c <= 0x202e) || (c >= 0x2060 && c <= 0x206f) || c == 0xfeff;
}

/* A publisher's or issuer's text (UTF-8, checked by the reader) as the
 * terminal must show it: what unprintable() names as \xNN (below 0x80) or
 * \u{XXXX}, a backslash doubled; the rest as it is. */
static void put_escaped(const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        uint32_t c = *p;
        int n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
        if (n > 1)
            c &= 0x3fu >> (n - 1);
        for (int i = 1; i < n && p[i]; i++)
            c = c << 6 | (p[i] & 0x3fu);
        if (c == '\\')
            fputs("\\\\", stdout);
        else if (unprintable(c) && c < 0x80)
            printf("\\x%02x", (unsigned)c);
        else if (unprintable(c))
            printf("\\u{%04x}", (unsigned)c);
        else
            fwrite(p, 1, (size_t)n, stdout);
        for (int i = 0; i < n && *p; i++)
            p++;
    }
}

static void show_text(const hc_bundle_info *in, const hc_bundle_key_info *k, size_t nk)
{
    char hex[65], t1[32], t2[32];
    cli_format_time(in->iat, 0, t1, sizeof t1);
    cli_format_time(in->exp, 0, t2, sizeof t2);
    fputs("bundle (NOT verified)\n publisher  ", stdout);
    put_escaped(in->publisher);
    printf("\n seq        %llu%s", (unsigned long long)in->seq, in->delta ? " (delta on " : "\n");
    if (in->delta)
        printf("%llu)\n", (unsigned long long)in->base_seq);
    cli_hex(in->root_kid, HC_KID_LEN, hex);
    printf(" issued     %s\n expires    %s\n root       %s kid %s\n", t1, t2,
           hc_alg_name(in->root_alg), hex);
    cli_hex(in->hash, 32, hex);
    printf(" sha256     %s\n", hex);
    cli_hex(in->id, 32, hex);
    printf(" id         %s\n keys       %zu\n", hex, in->n_keys);
    for (size_t i = 0; i < nk; i++) {
        cli_hex(k[i].kid, HC_KID_LEN, hex);
        fputs("   ", stdout);
        put_escaped(k[i].iss);
        printf("%*s %s %-5s", (int)(strlen(k[i].iss) < 12 ? 12 - strlen(k[i].iss) : 0), "", hex,
               hc_alg_name(k[i].alg));
        if (k[i].not_before != HC_TIME_UNBOUNDED_BEFORE) {
            cli_format_time(k[i].not_before, 0, t1, sizeof t1);
            printf(" from %s", t1);
        }
        if (k[i].not_after != HC_TIME_UNBOUNDED_AFTER) {
            cli_format_time(k[i].not_after, 0, t1, sizeof t1);
            printf(" until %s", t1);
        }
        putchar('\n');
    }
    printf(" revoked    %zu cti, %zu sub\n", in->n_cti, in->n_sub);
    if (in->delta)
        printf(" removed    %zu cti, %zu sub\n", in->n_cti_removed, in->n_sub_removed);
    printf(" next roots %zu\n venues     %zu\n", in->n_next_roots, in->n_venues);
}

static int bundle_show(int argc, char **argv)
{
    enum { O_HELP, O_JSON };
    static const cli_opt opts[] = {{"help", false, O_HELP, NULL}, {"json", false, O_JSON, NULL}, {NULL, false, 0, NULL}};
    cli_args a;
    cli_args_init(&a, "bundle show", NULL, argc, argv);   /* its own "one FILE" */
    const char *val, *path = NULL;
    bool json = false;
    for (int id; (id = cli_next(&a, opts, &val)) != CLI_END;) {
        if (id == O_HELP) {
            fputs(usage_show, stdout);
            return 0;
        }
        if (id == O_JSON)
            json = true;
        else if (id == CLI_POSITIONAL && !path)
            path = val;
        else
            return id == CLI_ERROR ? EX_USAGE : cli_usage_error("bundle show", "one FILE");
    }
    if (!path)
        return cli_usage_error("bundle show", "no FILE given");
    char *data = NULL;
    size_t len = 0;
    int r = cli_read(path, HC_BUNDLE_FILE_MAX, &data, &len);
    if (r) {
        cli_error("%s: %s", path, strerror(r));
        return EX_INPUT;
    }
    hc_bundle_info info;
    hc_bundle_key_info *keys = calloc(HC_BUNDLE_KEYS_MAX, sizeof *keys);
    hc_err e = keys ? hc_bundle_inspect((const uint8_t *)data, len, &info, keys, HC_BUNDLE_KEYS_MAX)
                    : HC_E_NOMEM;
    free(data);
    int rc = 0;
    if (e) {
        rc = bundle_error(path, e, NULL);
    } else if (json) {
        rc = cli_print_json(show_json(&info, keys, info.n_keys));
    } else {
        show_text(&info, keys, info.n_keys);
    }
    if (keys && !e)
        hc_bundle_key_info_clear(keys, info.n_keys);
    free(keys);
    return rc;
}

static const char usage_bundle[] =
    "usage: healthcode bundle make|show ...   (healthcode bundle make --help)\n";

int cmd_bundle(int argc, char **argv)
{
    if (argc >= 1 && strcmp(argv[0], "make") == 0)
        return bundle_make(argc - 1, argv + 1);
    if (argc >= 1 && strcmp(argv[0], "show") == 0)
        return bundle_show(argc - 1, argv + 1);
    if (argc >= 1 && cli_is_help(argv[0])) {
        fputs(usage_bundle, stdout);
        return 0;
    }
    fputs(usage_bundle, stderr);
    return EX_USAGE;
}

/* cmd_register.c — `healthcode register revocations|revoke|audit|stats|purge`
 * (the issuer's register, doc/register.md), and opening a register for the
 * --register of issue, batch and correct. Public API only. */
#include "cli.h"
#include "cmd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#if HC_WITH_REGISTER

/* ------------------------------------------------------------ shared */

int cli_register_error(const char *cmd, hc_err e, const hc_diag *d)
{
    if (d && d->message[0])
        cli_error("%s: %s (%s)", cmd, d->message, hc_err_name(e));
    else
        cli_error("%s: %s (%s)", cmd, hc_strerror(e), hc_err_name(e));
    return e == HC_E_ARG ? EX_USAGE : cli_exit_for(e);
}

int cli_register_open(const char *cmd, const char *path, unsigned flags, const hc_key *key, hc_register **reg)
{
    hc_diag d = {0};
    hc_err e = hc_register_open(path, flags, reg, &d);
    if (e == HC_OK && key && (e = hc_register_set_key(*reg, key)) != HC_OK) {
        snprintf(d.message, sizeof d.message, "%s: the key cannot sign the register's heads: %s", path,
                 hc_strerror(e));
        hc_register_free(*reg);
        *reg = NULL;
    }
    if (e == HC_OK)
        return 0;
    if (e == HC_E_IO && !d.message[0])
        snprintf(d.message, sizeof d.message, "%s: %s", path, cli_why(path, e));
    return cli_register_error(cmd, e, &d);
}

/* An unsigned decimal, the whole string. */
static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = s && *s >= '0' && *s <= '9' ? strtoull(s, &end, 10) : 0;
    if (!s || *s < '0' || *s > '9' || errno || *end)
        return false;
    *out = v;
    return true;
}

/* The option loop of a subcommand whose options are all plain strings:
 * CLI_END to go on, or the exit status (--help: 0, a usage error, an operand). */
static int options_only(cli_args *a, const cli_opt *opts)
{
    const char *val;
    int id = cli_next(a, opts, &val);
    if (id == CLI_END)
        return CLI_END;
    return id == CLI_POSITIONAL ? cli_usage_error(a->cmd, "unexpected operand '%s'", val) : cli_stop(id);
}

/* The signing key and the register opened to write with it. */
static int open_writer(const char *cmd, const char *path, const char *keyp, const char *pass,
                       hc_key **key, hc_register **reg)
{
    int rc = cli_load_private_key(keyp, pass, key);
    return rc ? rc : cli_register_open(cmd, path, 0, *key, reg);
}

/* ----------------------------------------------------- revocations */

static const char usage_revocations[] =
    "usage: healthcode register revocations --register R.db --out FILE|- [--since SEQ]\n"
    "\n"
    "Writes the register's revocation list (one revoked cti or sub a line) to FILE,\n"
    "atomically: what 'verify --revoked' and 'bundle make --revoked' read. With\n"
    "--since, only the revocations recorded after event SEQ (a delta for a bundle).\n"
    "Prints {\"out\",\"since\",\"last_seq\",\"cti\",\"sub\"}: last_seq is the next --since.\n";

static int reg_revocations(int argc, char **argv)
{
    const char *path = NULL, *out = NULL, *since_s = NULL;
    const cli_opt opts[] = {{"register", true, 0, &path}, {"out", true, 0, &out},
                            {"since", true, 0, &since_s}, {NULL, false, 0, NULL}};
    cli_args a;
    cli_args_init(&a, "register revocations", usage_revocations, argc, argv);
    int rc = options_only(&a, opts);
    if (rc != CLI_END)
        return rc;
    uint64_t since = 0;
    if (!path || !out)
        return cli_usage_error("register revocations", "both --register R.db and --out FILE are needed");
    if (since_s && (!parse_u64(since_s, &since) || since > INT64_MAX))
        return cli_usage_error("register revocations", "--since: '%s' is not an event number", since_s);
    hc_register *reg = NULL;
    rc = cli_register_open("register revocations", path, HC_REGISTER_READ_ONLY, NULL, &reg);
    if (rc)
        return rc;
    char *text = NULL;
    size_t len = 0;
    hc_register_revocations_info info;
    hc_err e = hc_register_revocations(reg, (int64_t)since, &text, &len, &info);
    if (e) {
        rc = cli_register_error("register revocations", e, NULL);
    } else if ((rc = cli_write_atomic(out, text, len, 0644)) != 0) {
        cli_error("register revocations: cannot write %s: %s", out, strerror(rc));
        rc = EX_INPUT;
    } else if (strcmp(out, "-") != 0) {
        rc = cli_print_json(json_pack("{s:s, s:I, s:I, s:I, s:I}", "out", out, "since", (json_int_t)info.since,
                                      "last_seq", (json_int_t)info.last_seq, "cti", (json_int_t)info.n_cti,
                                      "sub", (json_int_t)info.n_sub));
    }
    hc_free(text);
    hc_register_free(reg);
    return rc;
}

/* ------------------------------------------------------------ revoke */

static const char usage_revoke[] =
    "usage: healthcode register revoke --register R.db --key PRIV.pem (--cti CTI | --sub SUB)\n"
    "                                  --reason TEXT --operator ID [--now T]\n"
    "                                  [--key-pass file:PATH|env:VAR]\n"
    "\n"
    "Revokes one code (its cti, 16 hex digits) or every code of a subject (its sub,\n"
    "32 hex digits) in the register, with who and why; the head is signed with --key\n"
    "(a PEM file or a pkcs11: URI). Then 'register revocations' writes the list out.\n"
    "Exit status: 0, 2 usage, 3 input or I/O, 40 not a register, 41 another schema\n"
    "version, 42 no such code or sub, 43 already revoked, 46 the register stayed busy.\n";

static int reg_revoke(int argc, char **argv)
{
    const char *path = NULL, *keyp = NULL, *cti = NULL, *sub = NULL, *reason = NULL, *op = NULL;
    const char *now_s = NULL, *pass = NULL;
    const cli_opt opts[] = {{"register", true, 0, &path}, {"key", true, 0, &keyp}, {"cti", true, 0, &cti},
                            {"sub", true, 0, &sub},       {"reason", true, 0, &reason},
                            {"operator", true, 0, &op},   {"now", true, 0, &now_s},
                            {"key-pass", true, 0, &pass}, {NULL, false, 0, NULL}};
    cli_args a;
    cli_args_init(&a, "register revoke", usage_revoke, argc, argv);
    int rc = options_only(&a, opts);
    if (rc != CLI_END)
        return rc;
    if (!path || !keyp)
        return cli_usage_error("register revoke", "both --register R.db and --key PRIV.pem are needed");
    if (!cti == !sub)
        return cli_usage_error("register revoke", "give one of --cti CTI and --sub SUB");
    if (!reason || !*reason || !op || !*op)
        return cli_usage_error("register revoke", "--reason TEXT and --operator ID are needed (not empty)");
    hc_register_action act = {op, reason, NULL, 0};
    if (!cli_now("register revoke", now_s, &act.now))
        return EX_USAGE;
    hc_key *key = NULL;
    hc_register *reg = NULL;
    rc = open_writer("register revoke", path, keyp, pass, &key, &reg);
    hc_diag d = {0};
    int64_t seq = 0;
    hc_err e = rc ? HC_OK : hc_register_revoke(reg, cti, sub, &act, &seq, &d);
    if (!rc && e)
        rc = cli_register_error("register revoke", e, &d);
    else if (!rc)
        rc = cli_print_json(json_pack("{s:s, s:s, s:I}", "revoked", cti ? "cti" : "sub", "id", cti ? cti : sub,
                                      "seq", (json_int_t)seq));
    hc_register_free(reg);
    hc_key_free(key);
    return rc;
}

/* ------------------------------------------------------------- audit */

static const char usage_audit[] =
    "usage: healthcode register audit --register R.db --pub ISSUER.pub [--pub …] [--head SEQ:HASH]\n"
    "\n"
    "Checks every event of the register against its hash chain (each event's hash\n"
    "covers the one before and the event's bytes), the personal columns against the\n"
    "digest the chain holds, every signed head against the chain and the issuer's\n"
    "public keys (--pub, one per key that signed), and the counts against the codes.\n"
    "Prints {\"ok\",\"events\",\"heads\",\"head\":{\"seq\",\"hash\"}}; keep the head outside the\n"
    "register (a bundle, a print-out) and give it back as --head SEQ:HASH: then even\n"
    "someone holding the signing key cannot rewrite what came before it unseen.\n"
    "A failure names the first row that does not match (\"bad_seq\", \"where\").\n"
    "Exit status: 0 intact, 2 usage, 3 input, 40 not a register, 41 another schema\n"
    "version, 45 the audit failed.\n";

#define MAX_PUBS 16

static bool parse_head(const char *s, hc_register_audit_opts *o)
{
    const char *colon = strchr(s, ':');
    uint64_t seq;
    char num[24];
    if (!colon || (size_t)(colon - s) >= sizeof num || strlen(colon + 1) != 64)
        return false;
    memcpy(num, s, (size_t)(colon - s));
    num[colon - s] = '\0';
    if (!parse_u64(num, &seq) || seq == 0 || seq > INT64_MAX)
        return false;
    for (int i = 0; i < 64; i++) {   /* hex digits only: sscanf's %x took " f", "+f", "-1" */
        char c = colon[1 + i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (v < 0)
            return false;
        o->expect_hash[i / 2] = (uint8_t)(i % 2 ? o->expect_hash[i / 2] | v : v << 4);
    }
    o->expect_seq = (int64_t)seq;
    return true;
}

static int audit_report(hc_err e, const hc_register_audit_report *rep)
{
    char hash[65];
    cli_hex(rep->head_hash, 32, hash);
    json_t *o = json_pack("{s:b, s:s, s:I, s:I, s:{s:I, s:s}}", "ok", e == HC_OK, "error", hc_err_name(e),
                          "events", (json_int_t)rep->events, "heads", (json_int_t)rep->heads, "head", "seq",
                          (json_int_t)rep->last_seq, "hash", hash);
    if (e == HC_OK) {
        json_object_set_new(o, "error", json_null());
    } else {
        json_object_set_new(o, "bad_seq", rep->bad_seq ? json_integer(rep->bad_seq) : json_null());
        json_object_set_new(o, "where", json_string(rep->where));
        json_object_set_new(o, "message", json_string(rep->message));
        json_object_del(o, "head");
        cli_error("register audit: %s%s%s (%s)", rep->where, rep->where[0] ? ": " : "", rep->message,
                  hc_err_name(e));
    }
    int rc = cli_print_json(o);
    return rc ? rc : cli_exit_for(e);
}

static int reg_audit(int argc, char **argv)
{
    enum { O_PUB = 1, O_HEAD };
    const char *path = NULL, *val;
    const char *pubs[MAX_PUBS];
    size_t n_pubs = 0;
    hc_register_audit_opts o = {0};
    const cli_opt opts[] = {{"register", true, 0, &path}, {"pub", true, O_PUB, NULL},
                            {"head", true, O_HEAD, NULL}, {NULL, false, 0, NULL}};
    cli_args a;
    cli_args_init(&a, "register audit", usage_audit, argc, argv);
    for (int id; (id = cli_next(&a, opts, &val)) != CLI_END;) {
        if (id == O_PUB && n_pubs < MAX_PUBS)
            pubs[n_pubs++] = val;
        else if (id == O_PUB)
            return cli_usage_error("register audit", "--pub: at most %d keys", MAX_PUBS);
        else if (id == O_HEAD && !parse_head(val, &o))
            return cli_usage_error("register audit", "--head: '%s' is not SEQ:HASH (an event number, a colon, "
                                                     "64 hex digits)", val);
        else if (id == CLI_POSITIONAL)
            return cli_usage_error("register audit", "unexpected operand '%s'", val);
        else if (id != O_HEAD && id != 0)
            return cli_stop(id);
    }
    if (!path || n_pubs == 0)
        return cli_usage_error("register audit", "--register R.db and the issuer's --pub ISSUER.pub are needed");
    hc_key *keys[MAX_PUBS] = {0};
    int rc = 0;
    for (size_t i = 0; i < n_pubs && !rc; i++) {
        hc_err e = hc_key_load_file(pubs[i], &keys[i]);
        if (e)
            rc = cli_load_error(pubs[i], e, NULL);
    }
    hc_register *reg = NULL;
    if (!rc)
        rc = cli_register_open("register audit", path, HC_REGISTER_READ_ONLY, NULL, &reg);
    if (!rc) {
        hc_register_audit_report rep;
        o.keys = (const hc_key *const *)keys;
        o.n_keys = n_pubs;
        hc_err e = hc_register_audit(reg, &o, &rep);
        rc = e == HC_OK || e == HC_E_AUDIT ? audit_report(e, &rep) : cli_register_error("register audit", e, NULL);
    }
    hc_register_free(reg);
    for (size_t i = 0; i < n_pubs; i++)
        hc_key_free(keys[i]);
    return rc;
}

/* ------------------------------------------------------------- stats */

static const char usage_stats[] =
    "usage: healthcode register stats --register R.db [--by total|day|province|prefecture]\n"
    "                                 [--json] [--chart OUT.svg|OUT.png]\n"
    "\n"
    "Counts the codes the register recorded, by colour, with the green share:\n"
    "in all (default), per day of issue (UTC+08:00), or per province or prefecture\n"
    "of the holder's residence. --json prints one JSON object; --chart also draws\n"
    "stacked bars per day (or the --by given), in Chinese and English, as SVG or PNG\n"
    "(from the file's extension; needs a build with cairo). Reads the counts table\n"
    "only: milliseconds for any number of codes.\n";

static const char *const by_names[] = {"total", "day", "province", "prefecture"};

static json_t *colours_json(const uint64_t n[3])
{
    uint64_t all = n[0] + n[1] + n[2];
    return json_pack("{s:I, s:I, s:I, s:I, s:f}", "green", (json_int_t)n[0], "yellow", (json_int_t)n[1], "red",
                     (json_int_t)n[2], "all", (json_int_t)all,
                     "green_share", all ? (double)n[0] / (double)all : 0.0);
}

static void key_text(hc_stats_by by, int64_t key, char *buf, size_t cap)
{
    if (by == HC_STATS_BY_DAY)
        hc_day_format((hc_day)key, buf);
    else if (by == HC_STATS_TOTAL)
        snprintf(buf, cap, "all");
    else if (key)
        snprintf(buf, cap, "%06" PRId64, key);
    else
        snprintf(buf, cap, "none");
}

static int stats_json(const hc_register_stats *s)
{
    json_t *rows = json_array();
    for (size_t i = 0; i < s->n_rows; i++) {
        json_t *r = colours_json(s->rows[i].issued);
        if (s->by == HC_STATS_BY_DAY) {
            char day[11];
            hc_day_format((hc_day)s->rows[i].key, day);
            json_object_set_new(r, "day", json_string(day));
        } else if (s->by != HC_STATS_TOTAL) {
            json_object_set_new(r, by_names[s->by], s->rows[i].key ? json_integer(s->rows[i].key) : json_null());
        }
        json_array_append_new(rows, r);
    }
    return cli_print_json(json_pack("{s:s, s:o, s:I, s:{s:I, s:I}, s:o}", "by", by_names[s->by], "issued",
                                    colours_json(s->issued), "corrections", (json_int_t)s->corrections,
                                    "revoked", "cti", (json_int_t)s->revoked_cti, "sub",
                                    (json_int_t)s->revoked_sub, "rows", rows));
}

static void stats_text(const hc_register_stats *s)
{
    uint64_t all = s->issued[0] + s->issued[1] + s->issued[2];
    printf("codes issued %" PRIu64 ": green %" PRIu64 ", yellow %" PRIu64 ", red %" PRIu64
           "; green share %.1f %%\ncorrections %" PRIu64 "; revoked %" PRIu64 " cti, %" PRIu64 " sub\n",
           all, s->issued[0], s->issued[1], s->issued[2], all ? 100.0 * (double)s->issued[0] / (double)all : 0.0,
           s->corrections, s->revoked_cti, s->revoked_sub);
    if (s->by == HC_STATS_TOTAL)
        return;
    printf("%-10s %12s %12s %12s %12s %7s\n", by_names[s->by], "green", "yellow", "red", "all", "green%");
    for (size_t i = 0; i < s->n_rows; i++) {
        const uint64_t *n = s->rows[i].issued;
        uint64_t t = n[0] + n[1] + n[2];
        char key[16];
        key_text(s->by, s->rows[i].key, key, sizeof key);
        printf("%-10s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %6.1f%%\n", key, n[0], n[1], n[2], t,
               t ? 100.0 * (double)n[0] / (double)t : 0.0);
    }
}

static bool ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && strcasecmp(s + n - k, suf) == 0;
}

static int reg_stats(int argc, char **argv)
{
    enum { O_JSON = 1 };
    const char *path = NULL, *by_s = NULL, *chart = NULL, *val;
    bool json = false;
    const cli_opt opts[] = {{"register", true, 0, &path}, {"by", true, 0, &by_s}, {"chart", true, 0, &chart},
                            {"json", false, O_JSON, NULL}, {NULL, false, 0, NULL}};
    cli_args a;
    cli_args_init(&a, "register stats", usage_stats, argc, argv);
    for (int id; (id = cli_next(&a, opts, &val)) != CLI_END;) {
        if (id == O_JSON)
            json = true;
        else if (id == CLI_POSITIONAL)
            return cli_usage_error("register stats", "unexpected operand '%s'", val);
        else if (id != 0)
            return cli_stop(id);
    }
    if (!path)
        return cli_usage_error("register stats", "--register R.db is needed");
    hc_stats_by by = chart ? HC_STATS_BY_DAY : HC_STATS_TOTAL;
    if (by_s) {
        size_t i = 0;
        while (i < 4 && strcmp(by_s, by_names[i]) != 0)
            i++;
        if (i == 4)
            return cli_usage_error("register stats", "--by: '%s' is not total, day, province or prefecture", by_s);
        by = (hc_stats_by)i;
    }
    hc_chart_format fmt = HC_CHART_SVG;
    if (chart) {
        if (!HC_WITH_REGISTER_CHART)
            return cli_usage_error("register stats", "--chart: this build has no chart (it needs cairo and the "
                                                     "render part: libcairo2-dev)");
        if (ends_with(chart, ".png"))
            fmt = HC_CHART_PNG;
        else if (!ends_with(chart, ".svg"))
            return cli_usage_error("register stats", "--chart: '%s' ends neither in .svg nor in .png", chart);
        if (by == HC_STATS_TOTAL)
            return cli_usage_error("register stats", "--chart draws bars per day, province or prefecture: "
                                                     "not with --by total");
    }
    hc_register *reg = NULL;
    int rc = cli_register_open("register stats", path, HC_REGISTER_READ_ONLY, NULL, &reg);
    hc_register_stats *s = NULL;
    hc_err e = rc ? HC_OK : hc_register_stats_get(reg, by, &s);
    if (!rc && e)
        rc = cli_register_error("register stats", e, NULL);
    if (!rc && chart && (e = hc_register_chart(s, fmt, chart)) != HC_OK) {
        cli_error("register stats: cannot write %s: %s", chart, cli_why(chart, e));
        rc = EX_INPUT;
    }
    if (!rc) {
        if (json)
            rc = stats_json(s);
        else
            stats_text(s);
    }
    hc_register_stats_free(s);
    hc_register_free(reg);
    return rc;
}

/* ------------------------------------------------------------- purge */

static const char usage_purge[] =
    "usage: healthcode register purge --register R.db --key PRIV.pem --before DATE --operator ID\n"
    "                                 [--now T] [--key-pass file:PATH|env:VAR]\n"
    "\n"
    "Deletes the personal columns (sub, region, doc) of every code that expired\n"
    "before DATE (ISO 8601 or epoch seconds); the counts stay, the purge itself is\n"
    "an event of the audit chain (who, when, how many), and the audit still passes.\n"
    "Prints {\"purged\",\"before\"}: the codes purged, and DATE as epoch seconds.\n";

static int reg_purge(int argc, char **argv)
{
    const char *path = NULL, *keyp = NULL, *before_s = NULL, *op = NULL, *now_s = NULL, *pass = NULL;
    const cli_opt opts[] = {{"register", true, 0, &path}, {"key", true, 0, &keyp},
                            {"before", true, 0, &before_s}, {"operator", true, 0, &op},
                            {"now", true, 0, &now_s},      {"key-pass", true, 0, &pass},
                            {NULL, false, 0, NULL}};
    cli_args a;
    cli_args_init(&a, "register purge", usage_purge, argc, argv);
    int rc = options_only(&a, opts);
    if (rc != CLI_END)
        return rc;
    int64_t before;
    if (!path || !keyp || !before_s || !op || !*op)
        return cli_usage_error("register purge", "--register, --key, --before and --operator are needed");
    if (!cli_parse_time(before_s, &before))
        return cli_usage_error("register purge", "--before: '%s' is neither epoch seconds nor an ISO 8601 date",
                               before_s);
    hc_register_action act = {op, NULL, NULL, 0};
    if (!cli_now("register purge", now_s, &act.now))
        return EX_USAGE;
    hc_key *key = NULL;
    hc_register *reg = NULL;
    rc = open_writer("register purge", path, keyp, pass, &key, &reg);
    hc_diag d = {0};
    uint64_t rows = 0;
    hc_err e = rc ? HC_OK : hc_register_purge(reg, before, &act, &rows, &d);
    if (!rc && e)
        rc = cli_register_error("register purge", e, &d);
    else if (!rc)
        rc = cli_print_json(json_pack("{s:I, s:I}", "purged", (json_int_t)rows, "before", (json_int_t)before));
    hc_register_free(reg);
    hc_key_free(key);
    return rc;
}

/* ---------------------------------------------------------- dispatch */

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
} subs[] = {
    {"revocations", reg_revocations, usage_revocations},
    {"revoke", reg_revoke, usage_revoke},
    {"audit", reg_audit, usage_audit},
    {"stats", reg_stats, usage_stats},
    {"purge", reg_purge, usage_purge},
};

#endif /* HC_WITH_REGISTER */

static const char usage_register[] =
    "usage: healthcode register revocations --register R.db --out FILE [--since SEQ]\n"
    "       healthcode register revoke --register R.db --key PRIV.pem (--cti CTI | --sub SUB)\n"
    "                                  --reason TEXT --operator ID [--now T]\n"
    "                                  [--key-pass file:PATH|env:VAR]\n"
    "       healthcode register audit --register R.db --pub ISSUER.pub [--pub …] [--head SEQ:HASH]\n"
    "       healthcode register stats --register R.db [--by total|day|province|prefecture]\n"
    "                                 [--json] [--chart OUT.svg|OUT.png]\n"
    "       healthcode register purge --register R.db --key PRIV.pem --before DATE --operator ID [--now T]\n"
    "\n"
    "The issuer's register (an SQLite file, doc/register.md): every code issued with\n"
    "'issue --register' or 'batch --register', the corrections ('healthcode correct'),\n"
    "the revocations, and an audit chain whose head is signed with the issuer's key.\n"
    "'healthcode register SUBCOMMAND --help' describes each.\n";

int cmd_register(int argc, char **argv)
{
    if (argc >= 1 && (cli_is_help(argv[0]) || strcmp(argv[0], "help") == 0)) {
#if HC_WITH_REGISTER
        for (size_t i = 0; argc >= 2 && i < sizeof subs / sizeof subs[0]; i++)
            if (strcmp(argv[1], subs[i].name) == 0) {
                fputs(subs[i].usage, stdout);
                return 0;
            }
#endif
        fputs(usage_register, stdout);
        return 0;
    }
#if HC_WITH_REGISTER
    for (size_t i = 0; argc >= 1 && i < sizeof subs / sizeof subs[0]; i++)
        if (strcmp(argv[0], subs[i].name) == 0)
            return subs[i].run(argc - 1, argv + 1);
    if (argc >= 1)
        return cli_usage_error("register", "unknown subcommand '%s' (revocations, revoke, audit, stats, purge)",
                               argv[0]);
    return cli_usage_error("register", "a subcommand is needed: revocations, revoke, audit, stats or purge");
#else
    (void)usage_register;
    return cli_usage_error("register", "this build has no register (meson -Dregister: libsqlite3-dev)");
#endif
}

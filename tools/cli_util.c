/* cli_util.c — helpers of the healthcode command (see cli.h): exit statuses,
 * the option iterator, messages, values, JSON output. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int cli_exit_for(hc_err err)
{
    switch (err) {
    case HC_OK:
        return EX_VALID;
    case HC_E_PREFIX: case HC_E_BASE45: case HC_E_CBOR: case HC_E_INDEFINITE:
    case HC_E_DUPLICATE_KEY: case HC_E_TRAILING: case HC_E_COSE: case HC_E_CLAIMS:
    case HC_E_LIMIT: case HC_E_LIFETIME:
        return EX_MALFORMED;
    case HC_E_UNKNOWN_KID:
        return EX_UNKNOWN_KID;
    case HC_E_ALG: case HC_E_SIGNATURE: case HC_E_KEY_NOT_VALID: case HC_E_ISSUER_MISMATCH:
        return EX_SIGNATURE;
    case HC_E_EXPIRED:
        return EX_EXPIRED;
    case HC_E_NOT_YET_VALID:
        return EX_NOT_YET;
    case HC_E_REVOKED: case HC_E_SUBJECT_REVOKED:
        return EX_REVOKED;
    case HC_E_PKCS11_MODULE: return EX_PKCS11_MODULE;
    case HC_E_PKCS11_TOKEN: return EX_PKCS11_TOKEN;
    case HC_E_PKCS11_PIN: return EX_PKCS11_PIN;
    case HC_E_PRESENTATION: return EX_PRESENTATION;
    case HC_E_UNBOUND: return EX_UNBOUND;
    case HC_E_DEVICE_ALG: return EX_DEVICE_ALG;
    case HC_E_DEVICE_SIGNATURE: return EX_DEVICE_SIGNATURE;
    case HC_E_STALE: return EX_STALE;
    case HC_E_NOT_LIVE: return EX_NOT_LIVE;
    case HC_E_REGISTER: return EX_REGISTER;
    case HC_E_REGISTER_VERSION: return EX_REGISTER_VERSION;
    case HC_E_REGISTER_UNKNOWN: return EX_REGISTER_UNKNOWN;
    case HC_E_REGISTER_REVOKED: return EX_REGISTER_REVOKED;
    case HC_E_SUBJECT_MISMATCH: return EX_SUBJECT_MISMATCH;
    case HC_E_AUDIT: return EX_AUDIT;
    case HC_E_REGISTER_BUSY: return EX_REGISTER_BUSY;
    default:
        /* files, keys, images, memory: the input could not be used */
        return EX_INPUT;
    }
}

/* ------------------------------------------------------------ arguments */

void cli_args_init(cli_args *a, const char *cmd, const char *usage, int argc, char **argv)
{
    *a = (cli_args){.cmd = cmd, .usage = usage, .argc = argc, .argv = argv};
}

void cli_args_operand(cli_args *a, const char *what, const char *hint, const char **slot)
{
    a->what = what;
    a->hint = hint;
    a->operand = slot;
}

int cli_operand_missing(const cli_args *a)
{
    if (!a->operand || *a->operand)
        return 0;
    if (!a->hint)
        return cli_usage_error(a->cmd, "no %s given", a->what);
    return cli_usage_error(a->cmd, "no %s given (%s)", a->what, a->hint);
}

int cli_stop(int id)
{
    return id == CLI_HELP ? 0 : EX_USAGE;
}

/* --help, for a command that gave its usage text; -1 if arg is not it. */
static int help_option(cli_args *a, const char *arg)
{
    if (!a->usage || strncmp(arg, "--help", 6) != 0 || (arg[6] != '\0' && arg[6] != '='))
        return -1;
    if (arg[6] == '=') {
        cli_usage_error(a->cmd, "option '--help' takes no value");
        return CLI_ERROR;
    }
    fputs(a->usage, stdout);
    return CLI_HELP;
}

#define STORED (-5)   /* one_option: a plain string option, stored through its dest */

/* One option word arg (not an operand): its id, CLI_HELP, CLI_ERROR or
 * STORED. "-h" is "--help" for every command (the one short option). */
static int one_option(cli_args *a, const cli_opt *opts, const char *arg, const char **val)
{
    if (strcmp(arg, "-h") == 0)   /* "--help=x" stays an error below */
        arg = "--help";
    int help = help_option(a, arg);
    if (help != -1)
        return help;
    if (arg[1] != '-') {
        cli_usage_error(a->cmd, "unknown option '%s'", arg);
        return CLI_ERROR;
    }
    const char *name = arg + 2;
    const char *eq = strchr(name, '=');
    size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
    for (const cli_opt *o = opts; o->name; o++) {
        if (strlen(o->name) != nlen || strncmp(o->name, name, nlen) != 0)
            continue;
        if (!o->has_arg) {
            if (eq) {
                cli_usage_error(a->cmd, "option '--%s' takes no value", o->name);
                return CLI_ERROR;
            }
            return o->id;
        }
        if (eq) {
            *val = eq + 1;
        } else if (a->i < a->argc) {
            *val = a->argv[a->i++];
        } else {
            cli_usage_error(a->cmd, "option '--%s' needs a value", o->name);
            return CLI_ERROR;
        }
        if (!o->dest)
            return o->id;
        *o->dest = *val;
        return STORED;
    }
    cli_usage_error(a->cmd, "unknown option '%.*s'", (int)(nlen + 2), arg);
    return CLI_ERROR;
}

/* A loop, not recursion: the number of arguments is the caller's. */
int cli_next(cli_args *a, const cli_opt *opts, const char **val)
{
    for (;;) {
        *val = NULL;
        if (a->i >= a->argc)
            return CLI_END;
        const char *arg = a->argv[a->i++];
        if (!a->operands_only && strcmp(arg, "--") == 0) {
            a->operands_only = true;
            continue;
        }
        bool operand = a->operands_only || arg[0] != '-' || strcmp(arg, "-") == 0;
        if (operand && !a->operand) {
            *val = arg;
            return CLI_POSITIONAL;
        }
        if (operand && cli_one_operand(a->cmd, a->what, a->operand, arg))
            return CLI_ERROR;
        int id = operand ? STORED : one_option(a, opts, arg, val);
        if (id != STORED)
            return id;
    }
}

bool cli_is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int cli_dispatch(const char *cmd, const char *usage, const cli_sub *subs, int argc, char **argv)
{
    if (argc >= 1 && cli_is_help(argv[0])) {
        fputs(usage, stdout);
        return 0;
    }
    for (const cli_sub *s = subs; argc >= 1 && s->name; s++)
        if (strcmp(argv[0], s->name) == 0)
            return s->run(argc - 1, argv + 1);
    if (argc >= 1)
        fprintf(stderr, "healthcode %s: unknown sub-command '%s'\n", cmd, argv[0]);
    fputs(usage, stderr);
    return EX_USAGE;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "healthcode%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\ntry 'healthcode%s%s --help'\n", cmd ? " " : "", cmd ? cmd : "");
    return EX_USAGE;
}

int cli_one_operand(const char *cmd, const char *what, const char **slot, const char *val)
{
    if (*slot)
        return cli_usage_error(cmd, "one %s at a time ('%s' is one too many)", what, val);
    *slot = val;
    return 0;
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("healthcode: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_diag(const char *path, hc_err err, const hc_diag *d)
{
    fprintf(stderr, "healthcode: %s", strcmp(path, "-") == 0 ? "<stdin>" : path);
    if (d && d->line > 0)
        fprintf(stderr, ":%ld", d->line);
    /* the library's message may start with the path or the field already: say each once */
    const char *msg = d ? d->message : "";
    size_t pl = strlen(path);
    if (strncmp(msg, path, pl) == 0 && strncmp(msg + pl, ": ", 2) == 0)
        msg += pl + 2;
    size_t fl = d ? strlen(d->field) : 0;
    bool named = fl && strncmp(msg, d->field, fl) == 0 && (msg[fl] == ':' || msg[fl] == ' ');
    if (fl && !named)
        fprintf(stderr, ": %s", d->field);
    if (d && d->line > 0) {   /* and the line number once */
        char pre[32];
        int n = snprintf(pre, sizeof pre, "line %ld: ", d->line);
        if (n > 0 && strncmp(msg, pre, (size_t)n) == 0)
            msg += n;
    }
    if (msg[0])
        fprintf(stderr, ": %s\n", msg);
    else
        fprintf(stderr, ": %s\n", hc_strerror(err));
}

/* ------------------------------------------------------ standard input */

int cli_copy_stdin(int fd, char *first)
{
    char buf[1 << 16];
    *first = '\0';
    for (;;) {
        ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        if (n == 0)
            break;
        for (ssize_t i = 0; !*first && i < n; i++)
            if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r' && buf[i] != '\n')
                *first = buf[i];
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(fd, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                return errno;
            off += w;
        }
    }
    return fsync(fd) == 0 ? 0 : errno;
}

/* --------------------------------------------------------------- values */

/* Times and durations follow the library's one rule (common.h). */
bool cli_parse_time(const char *s, int64_t *out)
{
    return hc_time_parse(s, out) == HC_OK;
}

bool cli_now(const char *cmd, const char *arg, int64_t *now)
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

/* Nine digits of the largest unit: the callers bound the value themselves. */
bool cli_parse_duration(const char *s, int64_t *out)
{
    return hc_duration_parse(s, (int64_t)999999999 * 86400, out) == HC_OK;
}

bool cli_parse_double(const char *s, double *out)
{
    if (!s || !*s)
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno || !isfinite(v))
        return false;
    *out = v;
    return true;
}

void cli_format_time(int64_t t, int32_t offset_s, char *buf, size_t cap)
{
    if (hc_time_format(t, offset_s, buf, cap) != HC_OK)
        snprintf(buf, cap, "%lld", (long long)t);
}

void cli_hex(const uint8_t *b, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[2 * n] = '\0';
}

/* ---------------------------------------------------------- JSON output */

int cli_print_json(json_t *v)
{
    if (!v)
        return EX_INPUT;
    char *s = json_dumps(v, JSON_PRESERVE_ORDER);
    json_decref(v);
    if (!s)
        return EX_INPUT;
    puts(s);
    free(s);
    return fflush(stdout) == 0 ? 0 : EX_INPUT;
}

void cli_claims_json(json_t *o, const hc_claims *c, bool header, bool claims)
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

/* cli_util.c — helpers of the healthcode command (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
    default:
        /* files, keys, images, memory: the input could not be used */
        return EX_INPUT;
    }
}

/* ------------------------------------------------------------ arguments */

void cli_args_init(cli_args *a, const char *cmd, int argc, char **argv)
{
    a->cmd = cmd;
    a->argc = argc;
    a->argv = argv;
    a->i = 0;
    a->operands_only = false;
}

int cli_next(cli_args *a, const cli_opt *opts, const char **val)
{
    *val = NULL;
    if (a->i >= a->argc)
        return CLI_END;
    const char *arg = a->argv[a->i++];
    if (!a->operands_only && strcmp(arg, "--") == 0) {
        a->operands_only = true;
        return cli_next(a, opts, val);
    }
    if (a->operands_only || arg[0] != '-' || strcmp(arg, "-") == 0) {
        *val = arg;
        return CLI_POSITIONAL;
    }
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
        return o->id;
    }
    cli_usage_error(a->cmd, "unknown option '%.*s'", (int)(nlen + 2), arg);
    return CLI_ERROR;
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

/* --------------------------------------------------------------- values */

/* Times and durations follow the library's one rule (common.h). */
bool cli_parse_time(const char *s, int64_t *out)
{
    return hc_time_parse(s, out) == HC_OK;
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

/* ---------------------------------------------------------------- files */

int cli_read(const char *path, size_t max, char **data, size_t *len)
{
    bool in = strcmp(path, "-") == 0;
    int fd = 0;
    if (!in) {
        /* a named file must be a regular one, as for --trust: a FIFO would
         * block for ever (opened non-blocking, then refused), a device such
         * as /dev/zero would be read up to the bound; its size is known */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
            return errno;
        struct stat st;
        int rc = fstat(fd, &st) != 0 ? errno : !S_ISREG(st.st_mode) ? EINVAL
               : (uintmax_t)st.st_size > max ? EFBIG : 0;
        if (rc) {
            close(fd);
            return rc;
        }
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    int rc = buf ? 0 : ENOMEM;
    while (!rc) {
        if (n == cap) {
            if (cap > max) {   /* standard input: never more than max + 1 bytes read */
                rc = EFBIG;
                break;
            }
            size_t ncap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                rc = ENOMEM;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            rc = errno ? errno : EIO;
        else if (got == 0)
            break;
        else
            n += (size_t)got;
    }
    if (!rc && n > max)
        rc = EFBIG;
    if (!in)
        close(fd);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

int cli_read_secret(const char *path, size_t max, uint8_t **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);   /* a FIFO: refused, not waited on */
    if (fd < 0)
        return errno;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = errno ? errno : EINVAL;
        close(fd);
        return e;
    }
    if (st.st_mode & 077) {
        close(fd);
        return EACCES;
    }
    uint8_t *buf = malloc(max + 1);
    if (!buf) {
        close(fd);
        return ENOMEM;
    }
    size_t n = 0;
    int rc = 0;
    while (n <= max) {   /* one byte more than max tells a file that is too long */
        ssize_t r = read(fd, buf + n, max + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = errno;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (!rc && n > max)
        rc = EFBIG;
    if (rc) {
        explicit_bzero(buf, max + 1);
        free(buf);
        return rc;
    }
    *data = buf;
    *len = n;
    return 0;
}

int cli_write_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
    if (strcmp(path, "-") == 0) {
        if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
            return errno ? errno : EIO;
        return 0;
    }
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp)
        return ENOMEM;
    /* beside the target, so that rename() stays on one file system */
    snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return e;
    }
    mode_t mask = umask(0);
    umask(mask);
    int rc = 0;
    const uint8_t *p = data;
    size_t left = len;
    if (fchmod(fd, (mode_t)mode & ~mask) != 0)
        rc = errno;
    while (!rc && left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            rc = errno;
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    if (!rc && fsync(fd) != 0)
        rc = errno;
    if (close(fd) != 0 && !rc)
        rc = errno;
    if (!rc && rename(tmp, path) != 0)
        rc = errno;
    if (rc)
        unlink(tmp);
    free(tmp);
    return rc;
}

size_t cli_trim(char *s, size_t len)
{
    size_t a = 0;
    while (a < len && strchr(" \t\r\n\v\f", s[a]) && s[a])
        a++;
    while (len > a && strchr(" \t\r\n\v\f", s[len - 1]) && s[len - 1])
        len--;
    memmove(s, s + a, len - a);
    s[len - a] = '\0';
    return len - a;
}

int cli_token_arg(const char *arg, char *buf, size_t cap, size_t *len, bool *truncated)
{
    char *data = NULL;
    size_t n;
    if (strcmp(arg, "-") == 0) {
        /* a scanner types one line; allow generous padding but stay bounded */
        int rc = cli_read("-", 1u << 20, &data, &n);
        if (rc)
            return rc;
    } else {
        n = strlen(arg);
        data = malloc(n + 1);
        if (!data)
            return ENOMEM;
        memcpy(data, arg, n + 1);
    }
    n = cli_trim(data, n);
    *truncated = n > cap - 1;
    if (*truncated)
        n = cap - 1;
    memcpy(buf, data, n);
    buf[n] = '\0';
    *len = n;
    free(data);
    return 0;
}

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

/* cli_files.c — what the commands read and write (see cli.h): whole files,
 * atomic writes, keys, the subject secret, records, policies, token
 * operands and QR images. Public API only. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------- whole files */

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

int cli_write_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
    if (strcmp(path, "-") == 0) {
        if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
            return errno ? errno : EIO;
        return 0;
    }
    /* never renamed over a FIFO, a device node or a socket (as root: over
     * /dev/null); a regular file or a link is replaced */
    struct stat st;
    if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
        return S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
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

int cli_lock_beside(const char *path, char *lock, size_t cap)
{
    if (snprintf(lock, cap, "%s.lock", path) >= (int)cap) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0 && flock(fd, LOCK_EX) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* ------------------------------------------------ files the library reads */

const char *cli_why(const char *path, hc_err e)
{
    if (e == HC_E_IO && access(path, R_OK) != 0)
        return strerror(errno);
    return hc_strerror(e);
}

int cli_load_error(const char *path, hc_err e, const hc_diag *d)
{
    if ((size_t)cli_key_ref_len(path) < strlen(path)) /* the diagnostic would quote the query */
        cli_key_error(path, "%s", cli_why(path, e));
    else if (d && d->message[0])
        cli_diag(path, e, d);
    else
        cli_error("%s: %s", path, cli_why(path, e));
    return EX_INPUT;
}

/* ---------------------------------------------------------------- keys */

/* Opens the secret and checks the open descriptor: 0, or an errno value;
 * EACCES: readable by group or others. O_NONBLOCK so that a FIFO in its
 * place cannot hang the open (it is then refused as not a regular file). */
static int open_secret(const char *path, int *fd)
{
    *fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (*fd < 0)
        return errno;
    struct stat st;
    int rc = 0;
    if (fstat(*fd, &st) != 0)
        rc = errno;
    else if (!S_ISREG(st.st_mode))
        rc = EINVAL;
    else if (st.st_mode & 077)
        rc = EACCES;
    if (rc) {
        close(*fd);
        *fd = -1;
    }
    return rc;
}


int cli_key_ref_len(const char *ref)
{
    size_t n = strncmp(ref, "pkcs11:", 7) == 0 ? strcspn(ref, "?") : strlen(ref);
    return n > 4096 ? 4096 : (int)n;
}

const char *cli_key_ref_shown(const char *ref, char *buf, size_t cap)
{
    int n = cli_key_ref_len(ref);
    snprintf(buf, cap, "%.*s%s", n, ref, (size_t)n < strlen(ref) ? "?…" : "");
    return buf;
}

void cli_key_error(const char *ref, const char *fmt, ...)
{
    char shown[4096 + 8];
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "healthcode: %s: ", cli_key_ref_shown(ref, shown, sizeof shown));
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* What a pkcs11: key's failure means, in words for the command line. */
static const char *pkcs11_why(hc_err e)
{
    switch (e) {
    case HC_E_KEY_PERMS: return "the PIN file is readable by group or others; chmod 600 it";
    case HC_E_IO: return "cannot read the PIN file (missing, or not a regular file)";
    case HC_E_ARG:
        return "invalid argument: the URI must name object= (or id=), each attribute once "
               "(no unknown one, type= only private), a module (module-path= or "
               "HC_PKCS11_MODULE), and never hold pin-value=";
    case HC_E_PKCS11_MODULE:
        return "the PKCS#11 module cannot be loaded: no such file, not a PKCS#11 module, or it "
               "(or a directory above it) may be changed by others than root and you";
    case HC_E_PKCS11_TOKEN: return "no PKCS#11 token, or no private key on it, matches the URI";
    case HC_E_PKCS11_PIN:
        return "the token refused the PIN (wrong, expired or locked), or needs one and none was "
               "given (pin-source=file:PATH or HC_PKCS11_PIN_FILE)";
    case HC_E_KEY:
        return "the key is of an unsupported type, several keys match, or it has no public "
               "twin on the token (P-256 and Ed25519 keys only)";
    default: return hc_strerror(e);
    }
}

/* The exit status of a key that cannot be loaded: the PKCS#11 causes have
 * their own (7 module, 8 token, 9 PIN); every other is EX_INPUT. */
static int key_exit(hc_err e)
{
    int rc = cli_exit_for(e);
    return rc == EX_PKCS11_MODULE || rc == EX_PKCS11_TOKEN || rc == EX_PKCS11_PIN ? rc : EX_INPUT;
}

/* The largest passphrase read (OpenSSL's PEM callbacks hold 1 KiB). */
#define PASS_MAX HC_KEY_PASS_MAX   /* the library's bound (key.h) */

/* Reads --key-pass SRC into buf (PASS_MAX + 1 bytes): "file:PATH", the
 * first line of a regular file group and others cannot read, or "env:VAR",
 * whose value is then wiped and removed from the environment (no child
 * inherits it). 0, or the exit status after the message. */
static int read_pass(const char *src, char *buf, size_t *len)
{
    size_t n = 0;
    if (strncmp(src, "env:", 4) == 0) {
        char *v = getenv(src + 4);
        if (!v || !*v) {
            cli_error("--key-pass %s: the variable is not set, or empty", src);
            return EX_INPUT;
        }
        n = strlen(v);
        if (n <= PASS_MAX)
            memcpy(buf, v, n);
        explicit_bzero(v, strlen(v));
        unsetenv(src + 4);
    } else if (strncmp(src, "file:", 5) == 0) {
        int fd;
        int rc = open_secret(src + 5, &fd);
        if (rc) {
            cli_error("--key-pass %s: %s", src,
                      rc == EACCES ? "the passphrase file is readable by group or others (fix: chmod 600 it)"
                                   : rc == EINVAL ? "not a regular file" : strerror(rc));
            return EX_INPUT;
        }
        for (ssize_t r; n <= PASS_MAX; n += (size_t)r) {
            r = read(fd, buf + n, PASS_MAX + 1 - n);
            if (r < 0 && errno == EINTR)
                r = 0;
            else if (r <= 0)
                break;
        }
        close(fd);
        size_t line = 0; /* the first line: an editor's final newline is not part of it */
        while (line < n && line <= PASS_MAX && buf[line] != '\n' && buf[line] != '\r')
            line++;
        if (n <= PASS_MAX) {
            explicit_bzero(buf + line, n - line);
            n = line;
        }
    } else {
        /* not echoed: a user may have typed the passphrase itself */
        return cli_usage_error(NULL, "--key-pass: give file:PATH or env:VAR (never the passphrase "
                                     "itself: it would show in ps and the shell's history)");
    }
    if (n > PASS_MAX || n == 0) {
        explicit_bzero(buf, PASS_MAX + 1);
        cli_error("--key-pass %s: a passphrase is 1 to %d bytes", src, PASS_MAX);
        return EX_INPUT;
    }
    *len = n;
    return 0;
}

/* hc_key_load_file, or with the passphrase of --key-pass pass; the
 * passphrase is wiped before this returns. */
static int load_key_pass(const char *ref, const char *pass, hc_key **key, hc_err *e)
{
    if (!pass) {
        *e = hc_key_load_file(ref, key);
        return 0;
    }
    char buf[PASS_MAX + 1] = {0};
    size_t n = 0;
    int rc = read_pass(pass, buf, &n);
    if (!rc)
        *e = hc_key_load_file_pass(ref, buf, n, key);
    explicit_bzero(buf, sizeof buf);
    return rc;
}

int cli_key_failed(const char *ref, hc_err e)
{
    if (strncmp(ref, "pkcs11:", 7) == 0)
        cli_key_error(ref, "%s", pkcs11_why(e));
    else if (e == HC_E_KEY_PERMS)
        cli_key_error(ref, "%s (run: chmod 600 %s)", hc_strerror(e), ref);
    else if (e == HC_E_KEY_ENCRYPTED)
        cli_key_error(ref, "the key is encrypted, and no passphrase was given (--key-pass "
                           "file:PATH or env:VAR) or it is wrong");
    else
        cli_key_error(ref, "%s", cli_why(ref, e));
    return key_exit(e);
}

int cli_load_key(const char *ref, const char *pass, hc_key **key)
{
    hc_err e = HC_OK;
    int rc = load_key_pass(ref, pass, key, &e);
    return rc ? rc : e ? cli_key_failed(ref, e) : 0;
}

int cli_load_private_key(const char *path, const char *pass, hc_key **key)
{
    int rc = cli_load_key(path, pass, key);
    if (!rc && !hc_key_is_private(*key)) {
        cli_key_error(path, "this is a public key; signing needs the private key");
        hc_key_free(*key);
        *key = NULL;
        return EX_INPUT;
    }
    return rc;
}

/* The subject secret's size (the sub pseudonym's HMAC key, issue.h). */
enum { SECRET_MIN = 16, SECRET_MAX = 64 };

int cli_load_secret(const char *path, uint8_t **secret, size_t *len)
{
    int fd;
    int rc = open_secret(path, &fd);
    if (rc == EACCES) {
        cli_error("%s: the subject secret is readable by group or others (fix: chmod 600 %s)",
                  path, path);
        return EX_INPUT;
    }
    /* read(2) into one buffer, no stdio buffer or realloc: no copy left behind */
    uint8_t *buf = rc ? NULL : malloc(SECRET_MAX + 1);
    if (!rc && !buf)
        rc = ENOMEM;
    size_t n = 0;
    while (!rc && n <= SECRET_MAX) {   /* one byte more than the maximum tells a longer file */
        ssize_t r = read(fd, buf + n, SECRET_MAX + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rc = errno;
        else if (r == 0)
            break;
        else
            n += (size_t)r;
    }
    if (fd >= 0)
        close(fd);
    if (!rc && (n < SECRET_MIN || n > SECRET_MAX))
        rc = EFBIG;
    if (rc) {
        cli_error("%s: %s", path, rc == EFBIG ? "a subject secret is 16 to 64 bytes" : strerror(rc));
        if (buf)
            explicit_bzero(buf, SECRET_MAX + 1);
        free(buf);
        return EX_INPUT;
    }
    *secret = buf;
    *len = n;
    return 0;
}

int cli_issuer_new(const char *cmd, const char *iss, const hc_key *key, const char *keyp,
                   const uint8_t *secret, size_t secret_len, const char *secretp, hc_issuer **out)
{
    hc_err e = hc_issuer_new(iss, key, out);
    if (e == HC_E_ARG)
        return cli_usage_error(cmd, "--issuer: '%s' is not 1-32 printable ASCII characters", iss);
    if (e) {
        cli_key_error(keyp, "%s", hc_strerror(e));
        return cli_exit_for(e);
    }
    if (secret && (e = hc_issuer_set_subject_secret(*out, secret, secret_len))) {
        cli_error("%s: %s", secretp, hc_strerror(e));
        return EX_INPUT;
    }
    return 0;
}

int cli_load_record(const char *path, hc_record **rec)
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

int cli_load_policy(const char *path, const char *risk_map, hc_policy **pol)
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

/* ------------------------------------------------------------ tokens */

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


int cli_token_from_arg(const char *cmd, const char *arg, cli_token *t)
{
    bool trunc;
    int rc = cli_token_arg(arg, t->text, sizeof t->text, &t->len, &trunc);
    if (rc) {
        cli_error("%s: cannot read the token: %s", cmd, strerror(rc));
        return EX_INPUT;
    }
    return 0;
}

hc_err cli_token_from_png(const char *path, cli_token *t)
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

#if HC_WITH_RENDER
int cli_write_png(const char *cmd, const char *path, const char *text, hc_colour col,
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

/* common.c — errors, names and small helpers shared by every stage. */
#define _POSIX_C_SOURCE 200809L
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

const char *hc_version(void) { return HC_VERSION_STRING; }

static const struct {
    const char *name;
    const char *text;
} errors[HC_E__COUNT] = {
    [HC_OK] = {"ok", "success"},
    [HC_E_NOMEM] = {"out_of_memory", "out of memory"},
    [HC_E_ARG] = {"invalid_argument", "invalid argument"},
    [HC_E_BUFFER] = {"buffer_too_small", "output buffer too small"},
    [HC_E_IO] = {"io_error", "a file could not be read or written"},
    [HC_E_UNSUPPORTED] = {"unsupported", "this part of libhealthcode was not built, or the request is not supported"},
    [HC_E_CRYPTO] = {"crypto_error", "the cryptographic backend failed"},
    [HC_E_LIMIT] = {"too_large", "input larger than the library accepts"},
    [HC_E_RECORD] = {"invalid_record", "the person record is invalid"},
    [HC_E_POLICY] = {"invalid_policy", "the policy is invalid"},
    [HC_E_RISK_MAP] = {"invalid_risk_map", "the risk map is invalid"},
    [HC_E_KEY] = {"invalid_key", "the key is malformed or of an unsupported type"},
    [HC_E_KEY_PERMS] = {"key_permissions", "the private key file is readable by group or others (fix: chmod 600 FILE)"},
    [HC_E_TRUST_LIST] = {"invalid_trust_list", "the trust list is invalid"},
    [HC_E_REVOCATION_LIST] = {"invalid_revocation_list", "the revocation list is invalid"},
    [HC_E_VENUE] = {"invalid_venue", "the venue rules are invalid"},
    [HC_E_IMAGE] = {"invalid_image", "the image could not be decoded"},
    [HC_E_NO_CODE] = {"no_code_found", "no QR code was found in the image"},
    [HC_E_PREFIX] = {"bad_prefix", "the token does not start with HCODE1:"},
    [HC_E_BASE45] = {"bad_base45", "the token is not valid base45"},
    [HC_E_CBOR] = {"bad_cbor", "the token is not well-formed CBOR"},
    [HC_E_INDEFINITE] = {"indefinite_length", "the token has a CBOR item of indefinite length"},
    [HC_E_DUPLICATE_KEY] = {"duplicate_key", "a CBOR map in the token has a key twice"},
    [HC_E_TRAILING] = {"trailing_bytes", "bytes follow the COSE_Sign1 structure"},
    [HC_E_COSE] = {"bad_cose", "the token is not a COSE_Sign1 of the expected shape"},
    [HC_E_ALG] = {"algorithm_mismatch", "the algorithm is unknown or not the algorithm of the signing key"},
    [HC_E_UNKNOWN_KID] = {"unknown_kid", "no trusted key has the token's key identifier"},
    [HC_E_SIGNATURE] = {"bad_signature", "the signature does not verify"},
    [HC_E_KEY_NOT_VALID] = {"key_not_valid", "the signing key was outside its validity window when the token was issued"},
    [HC_E_ISSUER_MISMATCH] = {"issuer_mismatch", "the token's issuer is not the issuer the key is trusted for"},
    [HC_E_CLAIMS] = {"bad_claims", "a required claim is missing or invalid"},
    [HC_E_EXPIRED] = {"expired", "the token has expired"},
    [HC_E_NOT_YET_VALID] = {"not_yet_valid", "the token is not yet valid"},
    [HC_E_REVOKED] = {"revoked", "the token has been revoked"},
    [HC_E_SUBJECT_REVOKED] = {"subject_revoked", "the token's subject has been revoked"},
    [HC_E_PKCS11] = {"pkcs11", "the PKCS#11 module or token failed (not loadable, login refused, or token removed)"},
    [HC_E_LIFETIME] = {"bad_lifetime", "the token is issued after it expires, or lives longer than 30 days"},
    [HC_E_BUNDLE] = {"bad_bundle", "the trust bundle is malformed or truncated"},
    [HC_E_BUNDLE_ROOT] = {"bundle_wrong_root", "the trust bundle is not signed by a trusted root key"},
    [HC_E_BUNDLE_SIGNATURE] = {"bundle_bad_signature", "the trust bundle's signature does not verify"},
    [HC_E_BUNDLE_ROLLBACK] = {"bundle_rollback", "the trust bundle is older than the one already accepted"},
    [HC_E_BUNDLE_EXPIRED] = {"bundle_expired", "the trust bundle has expired"},
    [HC_E_BUNDLE_BASE] = {"bundle_wrong_base", "the delta bundle's base is not the bundle held"},
    [HC_E_BUNDLE_KID] = {"bundle_kid_mismatch", "a key in the trust bundle does not match its kid or algorithm"},
    [HC_E_BUNDLE_STATE] = {"bad_bundle_state", "the checkpoint's bundle state file is invalid"},
    [HC_E_PKCS11_MODULE] = {"pkcs11_module", "the PKCS#11 module cannot be loaded (missing, not a PKCS#11 module, or writable by others)"},
    [HC_E_PKCS11_TOKEN] = {"pkcs11_no_token", "no PKCS#11 token or key matches the URI"},
    [HC_E_PKCS11_PIN] = {"pkcs11_pin", "the PKCS#11 token refused the PIN (wrong, expired or locked)"},
    [HC_E_KEY_ENCRYPTED] = {"key_encrypted", "the key file is encrypted: no passphrase was given, or it is wrong"},
    [HC_E_PRESENTATION] = {"bad_presentation", "the live presentation is malformed"},
    [HC_E_UNBOUND] = {"unbound_token", "the presented token is not bound to a device (no cnf)"},
    [HC_E_DEVICE_ALG] = {"device_algorithm_mismatch", "the presentation's algorithm is not the bound device key's"},
    [HC_E_DEVICE_SIGNATURE] = {"bad_device_signature", "the device signature of the presentation does not verify"},
    [HC_E_STALE] = {"stale_presentation", "the presentation was made outside the live window (stale, or in the future)"},
    [HC_E_NOT_LIVE] = {"not_live", "a live presentation is required, and this is a plain token"},
    [HC_E_REGISTER] = {"bad_register", "the file is not a libhealthcode register (not SQLite, corrupt, or other tables)"},
    [HC_E_REGISTER_VERSION] = {"register_version", "the register has another schema version"},
    [HC_E_REGISTER_UNKNOWN] = {"unknown_code", "the register has no such code or subject"},
    [HC_E_REGISTER_REVOKED] = {"already_revoked", "the code is already revoked"},
    [HC_E_SUBJECT_MISMATCH] = {"subject_mismatch", "the corrected record is not the subject of the code it corrects"},
    [HC_E_AUDIT] = {"audit_failed", "the register's audit chain does not match its rows or signed heads"},
    [HC_E_REGISTER_BUSY] = {"register_busy", "the register stayed locked by another writer past the busy timeout"},
};

const char *hc_strerror(hc_err err)
{
    if ((unsigned)err >= HC_E__COUNT || !errors[err].text)
        return "unknown error";
    return errors[err].text;
}

const char *hc_err_name(hc_err err)
{
    if ((unsigned)err >= HC_E__COUNT || !errors[err].name)
        return "unknown_error";
    return errors[err].name;
}

void hc_hex_encode(const uint8_t *b, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

bool hc_hex_decode(const char *s, size_t len, uint8_t *b, size_t n)
{
    if (!s || len != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        b[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

bool hc_hex_parse(const char *s, uint8_t *b, size_t n)
{
    return s && hc_hex_decode(s, strlen(s), b, n);
}

static const char *const colour_names[] = {"green", "yellow", "red"};

const char *hc_colour_name(hc_colour c)
{
    return (unsigned)c < 3 ? colour_names[c] : "invalid";
}

hc_err hc_colour_parse(const char *name, hc_colour *out)
{
    if (!name || !out)
        return HC_E_ARG;
    for (unsigned i = 0; i < 3; i++)
        if (strcasecmp(name, colour_names[i]) == 0) {
            *out = (hc_colour)i;
            return HC_OK;
        }
    return HC_E_ARG;
}

const char *hc_alg_name(hc_alg a)
{
    switch (a) {
    case HC_ALG_ES256: return "ES256";
    case HC_ALG_EDDSA: return "EdDSA";
    case HC_ALG_SM2: return "SM2";
    }
    return "invalid";
}

hc_err hc_alg_parse(const char *name, hc_alg *out)
{
    if (!name || !out)
        return HC_E_ARG;
    if (strcasecmp(name, "ES256") == 0)
        *out = HC_ALG_ES256;
    else if (strcasecmp(name, "EdDSA") == 0 || strcasecmp(name, "Ed25519") == 0)
        *out = HC_ALG_EDDSA;
    else if (strcasecmp(name, "SM2") == 0)
        *out = HC_ALG_SM2;
    else
        return HC_E_ARG;
    return HC_OK;
}

void hc_free(void *p) { free(p); }

bool hc_strlcpy(char *dst, const char *src, size_t cap)
{
    if (cap == 0)
        return false;
    size_t n = strlen(src);
    bool fits = n < cap;
    if (!fits)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return fits;
}

hc_err hc_diag_set(hc_diag *diag, hc_err err, const char *field, const char *fmt, ...)
{
    if (!diag)
        return err;
    hc_strlcpy(diag->field, field ? field : "", sizeof diag->field);
    diag->line = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(diag->message, sizeof diag->message, fmt, ap);
    va_end(ap);
    return err;
}

hc_err hc_open_regular(const char *path, int *fd, uint64_t *size)
{
    if (!path || !fd || !size)
        return HC_E_ARG;
    /* O_NONBLOCK: opening a FIFO for reading must not wait for a writer;
     * the descriptor is refused below anyway, and a regular file ignores it */
    int f = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (f < 0)
        return HC_E_IO;
    struct stat st;
    if (fstat(f, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0) {
        close(f);
        return HC_E_IO;
    }
    int fl = fcntl(f, F_GETFL);
    if (fl < 0 || fcntl(f, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        close(f);
        return HC_E_IO;
    }
    *fd = f;
    *size = (uint64_t)st.st_size;
    return HC_OK;
}

hc_err hc_read_fd(int fd, size_t max, uint64_t hint, char **data, size_t *len)
{
    if (!data || !len)
        return HC_E_ARG;
    if (hint > max)
        return HC_E_LIMIT;
    /* room for the size fstat gave plus one byte, which tells a file that
     * grew; past that, growth by doubling, never beyond max + 1 bytes */
    size_t cap = (size_t)hint + 1, n = 0;
    if (cap < 4096)
        cap = 4096;
    if (cap > max + 1)
        cap = max + 1;
    char *buf = malloc(cap + 1);
    if (!buf)
        return HC_E_NOMEM;
    hc_err err = HC_OK;
    for (;;) {
        if (n == cap) {
            if (cap > max) {
                err = HC_E_LIMIT;
                break;
            }
            size_t ncap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                err = HC_E_NOMEM;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            err = HC_E_IO;
            break;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    if (err == HC_OK && n > max)
        err = HC_E_LIMIT;
    if (err != HC_OK) {
        free(buf);
        return err;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return HC_OK;
}

hc_err hc_read_file(const char *path, size_t max, char **data, size_t *len)
{
    if (!path || !data || !len)
        return HC_E_ARG;
    int fd = -1;
    uint64_t size = 0;
    hc_err err = hc_open_regular(path, &fd, &size);
    if (err != HC_OK)
        return err;
    err = hc_read_fd(fd, max, size, data, len);
    close(fd);
    return err;
}

static bool write_all(int fd, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += w;
        len -= (size_t)w;
    }
    return true;
}

static void fsync_parent(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash) {
        strcpy(dir, ".");
    } else {
        size_t n = (size_t)(slash - path);
        if (n == 0)
            n = 1;
        if (n >= sizeof dir)
            return;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

hc_err hc_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
    return hc_write_file_atomic_ex(path, data, len, mode, 0);
}

hc_err hc_write_file_atomic_ex(const char *path, const void *data, size_t len, unsigned mode,
                               unsigned flags)
{
    if (!path || (!data && len))
        return HC_E_ARG;
    /* never renamed over a FIFO, a device or a socket (as root, over
     * /dev/null): an output is a regular file, or a link to be replaced */
    struct stat st;
    bool there = lstat(path, &st) == 0;
    if (there && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
        return HC_E_IO;
    if ((flags & HC_WRITE_NO_REPLACE) && there)
        return HC_E_IO; /* said at once; link() below closes the race */
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp)
        return HC_E_NOMEM;
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", 12);
    int fd = mkstemp(tmp);     /* created 0600: never readable by others, even briefly */
    if (fd < 0) {
        free(tmp);
        return HC_E_IO;
    }
    bool ok = fchmod(fd, (mode_t)mode) == 0 && write_all(fd, data, len) && fsync(fd) == 0;
    ok = (close(fd) == 0) && ok;
    /* no replace: link() fails if path exists, whoever made it meanwhile */
    if (ok && ((flags & HC_WRITE_NO_REPLACE) ? link(tmp, path) : rename(tmp, path)) != 0)
        ok = false;
    if (!ok || (flags & HC_WRITE_NO_REPLACE))
        unlink(tmp);
    if (ok)
        fsync_parent(path);
    free(tmp);
    return ok ? HC_OK : HC_E_IO;
}

/* internal.h — helpers every stage of libhealthcode shares. Not installed. */
#ifndef HC_INTERNAL_H
#define HC_INTERNAL_H

#include <healthcode/common.h>
#include <stdarg.h>

/* Fills diag (if not NULL) with field, line 0 and a printf-style message.
 * Returns err, so a caller can write `return hc_diag_set(d, HC_E_RECORD, "id", "...")`. */
hc_err hc_diag_set(hc_diag *diag, hc_err err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#include <stdint.h>

/* Opens path for reading only if it is a regular file: a FIFO, a device
 * (/dev/zero), a socket or a directory is HC_E_IO, without blocking and
 * without reading a byte (a FIFO is opened non-blocking, then refused).
 * *fd is a blocking descriptor the caller closes; *size is fstat's size.
 * Every file the library reads goes through here. Errors: HC_E_IO, HC_E_ARG. */
hc_err hc_open_regular(const char *path, int *fd, uint64_t *size);

/* Reads fd to its end into a NUL-terminated malloc'd buffer (*len bytes,
 * the NUL not counted). hint is the size fstat gave: over max, it is
 * HC_E_LIMIT before any read; while reading, more than max bytes is
 * HC_E_LIMIT after at most max + 1 bytes. Errors: HC_E_IO, HC_E_LIMIT,
 * HC_E_NOMEM, HC_E_ARG. */
hc_err hc_read_fd(int fd, size_t max, uint64_t hint, char **data, size_t *len);

/* Lower-case hex of the n bytes at b into out (2n + 1 bytes, NUL-terminated). */
void hc_hex_encode(const uint8_t *b, size_t n, char *out);

/* Reads exactly 2n hex digits (either case) at s (len characters; not
 * NUL-terminated) into b. false for another length or a non-hex character
 * (b then partly written). */
bool hc_hex_decode(const char *s, size_t len, uint8_t *b, size_t n);

/* hc_hex_decode of the NUL-terminated s (NULL: false). */
bool hc_hex_parse(const char *s, uint8_t *b, size_t n);

/* Big-endian integers of 1 to 8 bytes in the files the library writes
 * (revocation lists, repeat memories, the register's signed heads). */
static inline void hc_put_be(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static inline uint64_t hc_get_be(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | p[i];
    return v;
}

/* hc_open_regular then hc_read_fd: a whole regular file of at most max
 * bytes. Errors: HC_E_IO (missing, unreadable, not a regular file),
 * HC_E_LIMIT, HC_E_NOMEM. */
hc_err hc_read_file(const char *path, size_t max, char **data, size_t *len);

/* Writes len bytes to path atomically: a temporary file beside it created with
 * mode, written, fsync'd, renamed over path, and the directory fsync'd. An
 * existing path that is not a regular file (or a symbolic link, replaced) is
 * refused: a FIFO, a device node or a socket is never renamed over.
 * Errors: HC_E_IO. */
hc_err hc_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode);

/* hc_write_file_atomic with flags: HC_WRITE_NO_REPLACE puts the file in
 * place only if path does not exist (link(2), atomic: whoever made path in
 * the meantime keeps it), else HC_E_IO with path untouched. */
#define HC_WRITE_NO_REPLACE 1u
hc_err hc_write_file_atomic_ex(const char *path, const void *data, size_t len, unsigned mode,
                               unsigned flags);

/* Copies src into dst (cap bytes, always NUL-terminated when cap > 0); returns
 * false if it had to truncate. */
bool hc_strlcpy(char *dst, const char *src, size_t cap);

#endif

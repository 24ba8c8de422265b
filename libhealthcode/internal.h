/* internal.h — helpers every stage of libhealthcode shares. Not installed. */
#ifndef HC_INTERNAL_H
#define HC_INTERNAL_H

#include <healthcode/common.h>
#include <stdarg.h>

/* Fills diag (if not NULL) with field, line 0 and a printf-style message.
 * Returns err, so a caller can write `return hc_diag_set(d, HC_E_RECORD, "id", "...")`. */
hc_err hc_diag_set(hc_diag *diag, hc_err err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Reads a whole file into a NUL-terminated malloc'd buffer, refusing files
 * larger than max bytes (HC_E_LIMIT). Errors: HC_E_IO, HC_E_LIMIT, HC_E_NOMEM. */
hc_err hc_read_file(const char *path, size_t max, char **data, size_t *len);

/* Writes len bytes to path atomically: a temporary file beside it created with
 * mode, written, fsync'd, renamed over path, and the directory fsync'd.
 * Errors: HC_E_IO. */
hc_err hc_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode);

/* Copies src into dst (cap bytes, always NUL-terminated when cap > 0); returns
 * false if it had to truncate. */
bool hc_strlcpy(char *dst, const char *src, size_t cap);

#endif

/*
 * healthcode/scan.h — reading a QR code back from an image (zbar, libpng).
 * Built with -Dscan=enabled.
 */
#ifndef HEALTHCODE_SCAN_H
#define HEALTHCODE_SCAN_H

#include <healthcode/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The largest image accepted: 64 megapixels and 64 MiB of PNG. */
#define HC_SCAN_MAX_PIXELS (64u * 1024 * 1024)

/* Decodes a PNG (len bytes) and reads the first QR code in it into text (cap
 * bytes, NUL-terminated); *len_out = its length. Any PNG colour type, bit
 * depth and interlacing is accepted; transparent pixels count as white.
 * On error text is "" (when cap > 0).
 * Errors: HC_E_IMAGE (not a PNG, truncated, corrupt, a side above 16384 or
 * more than HC_SCAN_MAX_PIXELS pixels), HC_E_NO_CODE, HC_E_BUFFER (*len_out =
 * the text's length: cap must be at least one more), HC_E_NOMEM. */
HC_API hc_err hc_scan_png(const uint8_t *png, size_t len, char *text, size_t cap,
                          size_t *len_out) HC_WARN_UNUSED;

/* Same, reading the file at path (HC_E_IO if it cannot be read). */
HC_API hc_err hc_scan_png_file(const char *path, char *text, size_t cap,
                               size_t *len_out) HC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif

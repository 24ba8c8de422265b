/*
 * healthcode/scan.h — reading a QR code from a camera frame or from a PNG
 * image (libpng), with zxing-cpp (the default) or zbar (-Ddecoder=zbar: no
 * C++ runtime). Built with -Dscan=enabled; hc_scan_png and
 * hc_scan_png_file exist only when HC_WITH_SCAN_PNG is 1 (libpng found and
 * not -Dscan_png=disabled), so a scanner's firmware links no image codec.
 */
#ifndef HEALTHCODE_SCAN_H
#define HEALTHCODE_SCAN_H

#include <healthcode/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The largest image accepted: 64 megapixels and 64 MiB of PNG. */
#define HC_SCAN_MAX_PIXELS (64u * 1024 * 1024)
/* The longest side of a frame hc_scan_frame accepts. */
#define HC_SCAN_FRAME_MAX_SIDE 16384u

/* Reads the first QR code in a camera frame into text (cap bytes,
 * NUL-terminated); *len_out = its length. The frame is 8-bit luminance, one
 * byte a pixel, row r starting at y + r * stride: a grey sensor's output, or
 * the Y plane of NV12/NV21/I420 as the camera delivers it (stride = the
 * plane's line length). For YUYV, pass the luma bytes packed into their own
 * buffer. The pixels are only read, never kept; zxing-cpp reads them in
 * place whatever the stride, zbar when stride == width (otherwise the
 * visible width of each row is copied once). Reentrant: frames may be
 * scanned from several threads at once. A text is never cut at a NUL: a code
 * holding one is refused, so *len_out == strlen(text) on success.
 * On error text is "" (when cap > 0).
 * Errors: HC_E_ARG (NULL, width or height 0, stride < width, a side above
 * HC_SCAN_FRAME_MAX_SIDE, more than HC_SCAN_MAX_PIXELS pixels, stride *
 * height beyond SIZE_MAX), HC_E_NO_CODE,
 * HC_E_BUFFER (*len_out = the text's length: cap must be at least one more),
 * HC_E_NOMEM, HC_E_IMAGE (the decoder refused the frame, or the code's data
 * holds a NUL byte: binary data, not a text). */
HC_API hc_err hc_scan_frame(const uint8_t *y, unsigned width, unsigned height, size_t stride,
                            char *text, size_t cap, size_t *len_out) HC_WARN_UNUSED;

#if HC_WITH_SCAN_PNG

/* Decodes a PNG (len bytes) and reads the first QR code in it into text (cap
 * bytes, NUL-terminated); *len_out = its length. Any PNG colour type, bit
 * depth and interlacing is accepted; transparent pixels count as white.
 * On error text is "" (when cap > 0).
 * Errors: HC_E_IMAGE (not a PNG, truncated, corrupt, a side above 16384 or
 * more than HC_SCAN_MAX_PIXELS pixels, a code whose data holds a NUL byte), HC_E_NO_CODE, HC_E_BUFFER (*len_out =
 * the text's length: cap must be at least one more), HC_E_NOMEM. */
HC_API hc_err hc_scan_png(const uint8_t *png, size_t len, char *text, size_t cap,
                          size_t *len_out) HC_WARN_UNUSED;

/* Same, reading the file at path (HC_E_IO if it cannot be read). */
HC_API hc_err hc_scan_png_file(const char *path, char *text, size_t cap,
                               size_t *len_out) HC_WARN_UNUSED;
#endif

#ifdef __cplusplus
}
#endif
#endif

/* frame.c — reading a QR code from a camera frame: 8-bit luminance rows
 * (the Y plane of NV12, or grey from a sensor) handed to the decoder as they
 * are: zxing-cpp (frame_zxing.cpp, the default) or zbar (-Ddecoder=zbar, a
 * firmware without a C++ runtime). Needs the decoder only: a scanner's
 * firmware links no image codec. scan.c reads PNG files into the same kind
 * of buffer and calls hc_scan_gray. */
#include "internal.h"
#include "scan_impl.h"

#include <healthcode/scan.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#ifndef HC_DECODER_ZXING
#include <zbar.h>
#endif

#ifdef HC_DECODER_ZXING
/* zxing-cpp reads strided rows in place. */
static hc_err decode(const uint8_t *gray, unsigned w, unsigned h, size_t stride, char *text,
                     size_t cap, size_t *len_out)
{
    return hc_zxing_find(gray, w, h, stride, text, cap, len_out);
}
#else
/* zbar's image scanner (its QR decoder's tables) costs about what a frame
 * does to make, so each thread keeps one, made on its first frame and
 * destroyed when the thread ends. */
static pthread_key_t scanner_key;
static pthread_once_t scanner_once = PTHREAD_ONCE_INIT;
static int scanner_key_ok;

static void scanner_destroy(void *s)
{
    zbar_image_scanner_destroy(s);
}

static void scanner_key_make(void)
{
    scanner_key_ok = pthread_key_create(&scanner_key, scanner_destroy) == 0;
}

static zbar_image_scanner_t *thread_scanner(void)
{
    pthread_once(&scanner_once, scanner_key_make);
    zbar_image_scanner_t *s = scanner_key_ok ? pthread_getspecific(scanner_key) : NULL;
    if (s)
        return s;
    s = zbar_image_scanner_create();
    if (!s)
        return NULL;
    /* Only QR: other symbologies cost time and could misread the band. */
    zbar_image_scanner_set_config(s, 0, ZBAR_CFG_ENABLE, 0);
    zbar_image_scanner_set_config(s, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
    if (scanner_key_ok && pthread_setspecific(scanner_key, s) == 0)
        return s;
    zbar_image_scanner_destroy(s);   /* cannot keep it: the caller makes its own */
    return NULL;
}

/* Runs zbar over a packed w x h gray image; copies the first QR code's text.
 * HC_E_NO_CODE when there is none. */
static hc_err zbar_find(const uint8_t *gray, unsigned w, unsigned h, char *text, size_t cap,
                        size_t *len_out)
{
    hc_err err = HC_E_NOMEM;
    zbar_image_scanner_t *kept = thread_scanner(), *own = NULL;
    zbar_image_scanner_t *scanner = kept;
    if (!scanner) {
        scanner = own = zbar_image_scanner_create();
        if (own) {
            zbar_image_scanner_set_config(own, 0, ZBAR_CFG_ENABLE, 0);
            zbar_image_scanner_set_config(own, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
        }
    }
    zbar_image_t *img = zbar_image_create();
    if (!scanner || !img)
        goto done;
    zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
    zbar_image_set_size(img, w, h);
    /* No cleanup handler: the pixels stay the caller's. */
    zbar_image_set_data(img, gray, (unsigned long)w * h, NULL);
    if (zbar_scan_image(scanner, img) < 0) {
        err = HC_E_IMAGE;
        goto done;
    }
    err = HC_E_NO_CODE;
    for (const zbar_symbol_t *s = zbar_image_first_symbol(img); s; s = zbar_symbol_next(s)) {
        if (zbar_symbol_get_type(s) != ZBAR_QRCODE)
            continue;
        size_t n = zbar_symbol_get_data_length(s);
        *len_out = n;
        if (n >= cap) {
            err = HC_E_BUFFER;
            break;
        }
        memcpy(text, zbar_symbol_get_data(s), n);
        text[n] = '\0';
        err = HC_OK;
        break;
    }
done:
    if (img)
        zbar_image_destroy(img);
    if (own)
        zbar_image_scanner_destroy(own);
    return err;
}

/* zbar wants packed rows: a strided frame's visible part is copied once. */
static hc_err decode(const uint8_t *gray, unsigned w, unsigned h, size_t stride, char *text,
                     size_t cap, size_t *len_out)
{
    if (stride == w)   /* packed: zbar reads the caller's buffer in place */
        return zbar_find(gray, w, h, text, cap, len_out);
    uint8_t *packed = malloc((size_t)w * h);
    if (!packed)
        return HC_E_NOMEM;
    for (unsigned r = 0; r < h; r++)
        memcpy(packed + (size_t)r * w, gray + (size_t)r * stride, w);
    hc_err err = zbar_find(packed, w, h, text, cap, len_out);
    free(packed);
    return err;
}
#endif

/* The decoder's text, refused when it holds a NUL byte: binary data, not a
 * text, and a caller comparing C strings would see only its first part. */
static hc_err decode_text(const uint8_t *gray, unsigned w, unsigned h, size_t stride, char *text,
                          size_t cap, size_t *len_out)
{
    hc_err err = decode(gray, w, h, stride, text, cap, len_out);
    if (err == HC_OK && memchr(text, '\0', *len_out)) {
        text[0] = '\0';
        return HC_E_IMAGE;
    }
    return err;
}

/* zbar's QR finder misses about half of the codes drawn at 1 pixel a module
 * (hc_render_png with scale 1; which ones depends on the image size), and
 * reads all of them at 2. So a small image without a code found is scanned
 * once more at twice its size, pixels doubled. */
#define RETRY_MAX_SIDE 2048u

hc_err hc_scan_gray(const uint8_t *gray, unsigned w, unsigned h, char *text, size_t cap,
                    size_t *len_out)
{
    hc_err err = decode_text(gray, w, h, w, text, cap, len_out);
    if (err != HC_E_NO_CODE || w > RETRY_MAX_SIDE || h > RETRY_MAX_SIDE)
        return err;
    unsigned w2 = 2 * w, h2 = 2 * h;
    uint8_t *big = malloc((size_t)w2 * h2);
    if (!big)
        return HC_E_NOMEM;
    for (unsigned y = 0; y < h2; y++)
        for (unsigned x = 0; x < w2; x++)
            big[(size_t)y * w2 + x] = gray[(size_t)(y / 2) * w + x / 2];
    err = decode_text(big, w2, h2, w2, text, cap, len_out);
    free(big);
    return err;
}

hc_err hc_scan_frame(const uint8_t *y, unsigned width, unsigned height, size_t stride, char *text,
                     size_t cap, size_t *len_out)
{
    if (!y || !text || !len_out)
        return HC_E_ARG;
    if (cap > 0)
        text[0] = '\0';   /* never leave the caller a stale text on error */
    if (width == 0 || height == 0 || stride < width || width > HC_SCAN_FRAME_MAX_SIDE ||
        height > HC_SCAN_FRAME_MAX_SIDE || (uint64_t)width * height > HC_SCAN_MAX_PIXELS)
        return HC_E_ARG;
    /* The last row ends at (height - 1) * stride + width: past SIZE_MAX, no
     * buffer holds the frame (a wrapped product allocated small by a caller). */
    if (stride > (SIZE_MAX - width) / height)
        return HC_E_ARG;
    /* No second pass at twice the size here (hc_scan_gray's, for PNGs drawn
     * at 1 pixel a module): a camera never sees a code that small, and a
     * frame without a code is the common case a scanner must answer fast. */
    return decode_text(y, width, height, stride, text, cap, len_out);
}

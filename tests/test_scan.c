/* test_scan.c — a rendered code scans back to exactly its text, in every
 * colour and at the sizes users pick; broken, empty and hostile images give
 * the documented errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <healthcode/render.h>
#include <healthcode/scan.h>

#include "common.h"
#include "degrade.h"

static void round_trip(const char *text, hc_colour c, const hc_render_opts *o)
{
    uint8_t *png = NULL;
    size_t len = 0, got = 0;
    assert_int_equal(hc_render_png(text, c, o, &png, &len), HC_OK);
    char out[HC_TOKEN_MAX + 1];
    assert_int_equal(hc_scan_png(png, len, out, sizeof out, &got), HC_OK);
    assert_int_equal(got, strlen(text));
    assert_string_equal(out, text);
    hc_free(png);
}

static void test_every_colour(void **state)
{
    (void)state;
    for (int c = HC_GREEN; c <= HC_RED; c++)
        round_trip(th_token240((unsigned)c + 1), (hc_colour)c, NULL);
}

/* Smaller pixels, more error correction, no band, a wide band. */
/* Live presentations (version 12 and 13 at ECC M) read back from PNGs in
 * every colour, at the default scale and at 1 pixel a module. */
static void test_presentations(void **state)
{
    (void)state;
    hc_render_opts one = HC_RENDER_OPTS_DEFAULT;
    one.scale = 1;
    for (unsigned seed = 0; seed < 2; seed++) {
        char text[HC_TOKEN_MAX + 1];
        snprintf(text, sizeof text, "%s", dg_code_text(DG_PRESENTATION, seed));
        int version = 0;
        assert_int_equal(hc_qr_version(text, HC_ECC_M, &version), HC_OK);
        assert_int_equal(version, seed ? 13 : 12);
        for (int c = 0; c < 3; c++) {
            round_trip(text, (hc_colour)c, NULL);
            round_trip(text, (hc_colour)c, &one);
        }
    }
}

static void test_sizes_and_ecc(void **state)
{
    (void)state;
    const hc_render_opts opts[] = {
        {2, HC_ECC_M, 2}, {2, HC_ECC_H, 2}, {8, HC_ECC_H, 2}, {3, HC_ECC_L, 0},
        {4, HC_ECC_Q, 16}, {2, HC_ECC_L, 0},
    };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        for (int c = HC_GREEN; c <= HC_RED; c++)
            round_trip(th_token240(100 + (unsigned)i), (hc_colour)c, &opts[i]);
    round_trip("HCODE1:", HC_YELLOW, NULL);   /* the shortest */
}

/* zbar alone misses this text at 1 pixel a module, no band, at every ECC
 * level (61 to 77 px images); scan.c retries small images at twice the size. */
static void test_one_pixel_a_module(void **state)
{
    (void)state;
    for (int e = HC_ECC_L; e <= HC_ECC_H; e++) {
        const hc_render_opts o = {1, (hc_ecc)e, 0};
        round_trip(th_token240(1), HC_GREEN, &o);
        const hc_render_opts b = {1, (hc_ecc)e, 3};
        round_trip(th_token240(2), HC_RED, &b);
    }
}

static void test_buffer_too_small(void **state)
{
    (void)state;
    uint8_t *png = NULL;
    size_t len = 0, got = 0;
    assert_int_equal(hc_render_png(th_token240(7), HC_GREEN, NULL, &png, &len), HC_OK);
    char out[240];   /* no room for the NUL */
    assert_int_equal(hc_scan_png(png, len, out, sizeof out, &got), HC_E_BUFFER);
    assert_int_equal(got, 240);
    char fits[241];
    assert_int_equal(hc_scan_png(png, len, fits, sizeof fits, &got), HC_OK);
    hc_free(png);
}

static void test_not_png(void **state)
{
    (void)state;
    static const uint8_t gif[] = "GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00";
    char out[64];
    size_t got;
    strcpy(out, "stale");
    assert_int_equal(hc_scan_png(gif, sizeof gif, out, sizeof out, &got), HC_E_IMAGE);
    assert_string_equal(out, "");   /* never a stale text on error */
    assert_int_equal(hc_scan_png((const uint8_t *)"\x89PNG", 4, out, sizeof out, &got), HC_E_IMAGE);
    assert_int_equal(hc_scan_png(gif, 0, out, sizeof out, &got), HC_E_IMAGE);
    assert_int_equal(hc_scan_png(NULL, 10, out, sizeof out, &got), HC_E_ARG);
}

static void test_truncated(void **state)
{
    (void)state;
    uint8_t *png = NULL;
    size_t len = 0, got;
    assert_int_equal(hc_render_png(th_token240(9), HC_RED, NULL, &png, &len), HC_OK);
    char out[HC_TOKEN_MAX + 1];
    assert_int_equal(hc_scan_png(png, len / 2, out, sizeof out, &got), HC_E_IMAGE);
    assert_int_equal(hc_scan_png(png, 40, out, sizeof out, &got), HC_E_IMAGE);   /* inside IHDR */
    /* A flipped byte in the image data: the CRC catches it. */
    png[len / 2] ^= 0x40;
    assert_int_equal(hc_scan_png(png, len, out, sizeof out, &got), HC_E_IMAGE);
    hc_free(png);
}

/* Writes a w x h image in the given simplified-API format to memory. */
static uint8_t *write_png(const void *px, unsigned w, unsigned h, png_uint_32 format,
                          const void *colormap, unsigned entries, size_t *len)
{
    png_image pi;
    memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    pi.width = w;
    pi.height = h;
    pi.format = format;
    pi.colormap_entries = entries;
    png_alloc_size_t n = 0;
    assert_true(png_image_write_get_memory_size(pi, n, 0, px, 0, colormap));
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    assert_true(png_image_write_to_memory(&pi, buf, &n, 0, px, 0, colormap));
    *len = n;
    return buf;
}

static void test_blank(void **state)
{
    (void)state;
    uint8_t *white = malloc(300 * 300 * 3);
    assert_non_null(white);
    memset(white, 0xFF, 300 * 300 * 3);
    size_t len, got;
    uint8_t *png = write_png(white, 300, 300, PNG_FORMAT_RGB, NULL, 0, &len);
    char out[64];
    assert_int_equal(hc_scan_png(png, len, out, sizeof out, &got), HC_E_NO_CODE);
    free(png);
    free(white);
}

/* Re-encodes a rendered code in other PNG flavours the scanner must read:
 * gray+alpha with a transparent background, 16-bit linear gray, a palette. */
static void test_other_png_formats(void **state)
{
    (void)state;
    const char *text = th_token240(21);
    uint8_t *png = NULL;
    size_t len = 0, got;
    const hc_render_opts o = {4, HC_ECC_M, 2};
    assert_int_equal(hc_render_png(text, HC_GREEN, &o, &png, &len), HC_OK);
    png_image pi;
    memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    assert_true(png_image_begin_read_from_memory(&pi, png, len));
    pi.format = PNG_FORMAT_GRAY;
    size_t n = (size_t)pi.width * pi.height;
    unsigned w = pi.width, h = pi.height;
    uint8_t *gray = malloc(n);
    assert_non_null(gray);
    assert_true(png_image_finish_read(&pi, NULL, gray, 0, NULL));
    hc_free(png);
    char out[HC_TOKEN_MAX + 1];

    /* Transparent background: light pixels are (0, alpha 0) — black if the
     * alpha were simply dropped — dark ones opaque. */
    uint8_t *ga = malloc(2 * n);
    assert_non_null(ga);
    for (size_t i = 0; i < n; i++) {
        ga[2 * i] = gray[i] > 128 ? 0 : gray[i];
        ga[2 * i + 1] = gray[i] > 128 ? 0 : 255;
    }
    png = write_png(ga, w, h, PNG_FORMAT_GA, NULL, 0, &len);
    assert_int_equal(png[25], PNG_COLOR_TYPE_GRAY_ALPHA);
    assert_int_equal(hc_scan_png(png, len, out, sizeof out, &got), HC_OK);
    assert_string_equal(out, text);
    free(png);
    free(ga);

    uint16_t *lin = malloc(2 * n);
    assert_non_null(lin);
    for (size_t i = 0; i < n; i++)
        lin[i] = (uint16_t)(gray[i] > 128 ? 65535 : 1000);
    png = write_png(lin, w, h, PNG_FORMAT_LINEAR_Y, NULL, 0, &len);
    assert_int_equal(png[24], 16);
    assert_int_equal(hc_scan_png(png, len, out, sizeof out, &got), HC_OK);
    assert_string_equal(out, text);
    free(png);
    free(lin);

    static const uint8_t cmap[2 * 3] = {0x0B, 0x4D, 0x22, 0xFF, 0xFF, 0xFF};
    uint8_t *idx = malloc(n);
    assert_non_null(idx);
    for (size_t i = 0; i < n; i++)
        idx[i] = gray[i] > 128;
    png = write_png(idx, w, h, PNG_FORMAT_RGB_COLORMAP, cmap, 2, &len);
    assert_int_equal(png[25], PNG_COLOR_TYPE_PALETTE);
    assert_int_equal(hc_scan_png(png, len, out, sizeof out, &got), HC_OK);
    assert_string_equal(out, text);
    free(png);
    free(idx);
    free(gray);
}

typedef struct {
    uint8_t *buf;
    size_t len, cap;
} membuf;

static void mem_write(png_structp png, png_bytep data, size_t n)
{
    membuf *m = png_get_io_ptr(png);
    if (m->len + n > m->cap) {
        m->cap = (m->len + n) * 2;
        m->buf = realloc(m->buf, m->cap);
        assert_non_null(m->buf);
    }
    memcpy(m->buf + m->len, data, n);
    m->len += n;
}

static void mem_flush(png_structp png)
{
    (void)png;
}

/* Adam7-interlaced, 1 bit a pixel: what an optimiser (optipng, zopflipng)
 * may turn a QR image into. */
static void test_interlaced_1bit(void **state)
{
    (void)state;
    const char *text = th_token240(55);
    uint8_t *png = NULL;
    size_t len = 0, got;
    const hc_render_opts o = {3, HC_ECC_Q, 1};
    assert_int_equal(hc_render_png(text, HC_RED, &o, &png, &len), HC_OK);
    png_image pi;
    memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    assert_true(png_image_begin_read_from_memory(&pi, png, len));
    pi.format = PNG_FORMAT_GRAY;
    unsigned w = pi.width, h = pi.height;
    uint8_t *gray = malloc((size_t)w * h);
    assert_non_null(gray);
    assert_true(png_image_finish_read(&pi, NULL, gray, 0, NULL));
    hc_free(png);

    size_t stride = (w + 7) / 8;
    uint8_t *bits = calloc(h, stride);
    png_bytep *rows = malloc(h * sizeof *rows);
    assert_non_null(bits);
    assert_non_null(rows);
    for (unsigned y = 0; y < h; y++) {
        rows[y] = bits + y * stride;
        for (unsigned x = 0; x < w; x++)
            if (gray[(size_t)y * w + x] > 128)
                rows[y][x / 8] |= (uint8_t)(0x80 >> (x % 8));
    }
    membuf m = {0};
    png_structp wp = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop wi = png_create_info_struct(wp);
    assert_non_null(wi);
    assert_int_equal(setjmp(png_jmpbuf(wp)), 0);
    png_set_write_fn(wp, &m, mem_write, mem_flush);
    png_set_IHDR(wp, wi, w, h, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_ADAM7,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(wp, wi);
    png_write_image(wp, rows);
    png_write_end(wp, wi);
    png_destroy_write_struct(&wp, &wi);
    assert_int_equal(m.buf[24], 1);    /* bit depth */
    assert_int_equal(m.buf[28], 1);    /* interlace */

    char out[HC_TOKEN_MAX + 1];
    assert_int_equal(hc_scan_png(m.buf, m.len, out, sizeof out, &got), HC_OK);
    assert_string_equal(out, text);
    free(m.buf);
    free(rows);
    free(bits);
    free(gray);
}

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
    }
    return ~c;
}

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A valid signature and IHDR (correct CRC) claiming w x h 8-bit gray, then a
 * tiny IDAT and IEND: only the header is needed to refuse it. */
static size_t huge_header(uint8_t *p, uint32_t w, uint32_t h)
{
    memcpy(p, "\x89PNG\r\n\x1a\n", 8);
    be32(p + 8, 13);
    memcpy(p + 12, "IHDR", 4);
    be32(p + 16, w);
    be32(p + 20, h);
    memcpy(p + 24, "\x08\x00\x00\x00\x00", 5);
    be32(p + 29, crc32_of(p + 12, 17));
    static const uint8_t tail[] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
    memcpy(p + 33, tail, sizeof tail);
    return 33 + sizeof tail;
}

static void test_too_large(void **state)
{
    (void)state;
    uint8_t p[64];
    char out[64];
    size_t got;
    clock_t t0 = clock();
    size_t n = huge_header(p, 100000, 100000);
    assert_int_equal(hc_scan_png(p, n, out, sizeof out, &got), HC_E_IMAGE);
    /* Within the per-side limit but 16000 * 16000 > HC_SCAN_MAX_PIXELS. */
    n = huge_header(p, 16000, 16000);
    assert_int_equal(hc_scan_png(p, n, out, sizeof out, &got), HC_E_IMAGE);
    n = huge_header(p, 0x7FFFFFFF, 1);
    assert_int_equal(hc_scan_png(p, n, out, sizeof out, &got), HC_E_IMAGE);
    /* Refused from the header: well under a second of CPU, nothing allocated
     * for the pixels (ASan and valgrind would see a 10 GB malloc). */
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 0.5);
    /* The same header with a sane size is decoded and found empty of IDAT. */
    n = huge_header(p, 10, 10);
    assert_int_equal(hc_scan_png(p, n, out, sizeof out, &got), HC_E_IMAGE);
}

static void test_file(void **state)
{
    (void)state;
    char path[] = "/tmp/hc_test_scan_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    uint8_t *png = NULL;
    size_t len = 0, got;
    const char *text = th_token240(33);
    assert_int_equal(hc_render_png(text, HC_YELLOW, NULL, &png, &len), HC_OK);
    assert_int_equal(write(fd, png, len), (ssize_t)len);
    close(fd);
    hc_free(png);
    char out[HC_TOKEN_MAX + 1];
    assert_int_equal(hc_scan_png_file(path, out, sizeof out, &got), HC_OK);
    assert_string_equal(out, text);
    unlink(path);
    assert_int_equal(hc_scan_png_file(path, out, sizeof out, &got), HC_E_IO);
    assert_int_equal(hc_scan_png_file(HC_SOURCE_ROOT "/meson.build", out, sizeof out, &got), HC_E_IMAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_colour),
        cmocka_unit_test(test_presentations),
        cmocka_unit_test(test_sizes_and_ecc),
        cmocka_unit_test(test_one_pixel_a_module),
        cmocka_unit_test(test_buffer_too_small),
        cmocka_unit_test(test_not_png),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_blank),
        cmocka_unit_test(test_other_png_formats),
        cmocka_unit_test(test_interlaced_1bit),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

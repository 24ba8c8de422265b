/* test_render.c — the QR picture a person and a scanner see: version, layout,
 * colours and contrast of the PNG, the SVG document, the terminal text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>

#include <healthcode/render.h>
#include "common.h"
#include "render_impl.h"

/* Decodes a PNG to 8-bit RGB with libpng's simplified API. */
typedef struct {
    unsigned w, h;
    uint8_t *rgb;
} image;

static image decode_png(const uint8_t *png, size_t len)
{
    png_image pi;
    memset(&pi, 0, sizeof pi);
    pi.version = PNG_IMAGE_VERSION;
    assert_true(png_image_begin_read_from_memory(&pi, png, len));
    pi.format = PNG_FORMAT_RGB;
    image im = {pi.width, pi.height, malloc(PNG_IMAGE_SIZE(pi))};
    assert_non_null(im.rgb);
    assert_true(png_image_finish_read(&pi, NULL, im.rgb, 0, NULL));
    return im;
}

static uint32_t pixel(const image *im, unsigned x, unsigned y)
{
    const uint8_t *p = im->rgb + ((size_t)y * im->w + x) * 3;
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* WCAG 2 relative luminance and contrast ratio. */
static double channel(unsigned v)
{
    double c = v / 255.0;
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double luminance(uint32_t rgb)
{
    return 0.2126 * channel((rgb >> 16) & 255) + 0.7152 * channel((rgb >> 8) & 255) +
           0.0722 * channel(rgb & 255);
}

static double contrast(uint32_t a, uint32_t b)
{
    double la = luminance(a), lb = luminance(b);
    return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}

/* 240 characters need version 9 at M (53 modules: 9-M holds 262 alphanumeric
 * characters, 8-M only 221), 8 at L, 11 at Q and 13 at H. */
static void test_version_grows_with_ecc(void **state)
{
    (void)state;
    int v[4];
    for (int e = HC_ECC_L; e <= HC_ECC_H; e++)
        assert_int_equal(hc_qr_version(th_token240(12345), (hc_ecc)e, &v[e]), HC_OK);
    assert_int_equal(v[HC_ECC_L], 8);
    assert_int_equal(v[HC_ECC_M], 9);
    assert_int_equal(v[HC_ECC_Q], 11);
    assert_int_equal(v[HC_ECC_H], 13);
    /* Exactly 262 characters still fit 9-M, 263 need 10. */
    char t[264];
    memset(t, 'A', 263);
    t[262] = '\0';
    assert_int_equal(hc_qr_version(t, HC_ECC_M, &v[0]), HC_OK);
    assert_int_equal(v[0], 9);
    t[262] = 'A';
    t[263] = '\0';
    assert_int_equal(hc_qr_version(t, HC_ECC_M, &v[0]), HC_OK);
    assert_int_equal(v[0], 10);
}

static void test_bad_text(void **state)
{
    (void)state;
    int v = -1;
    assert_int_equal(hc_qr_version("HCODE1:abc", HC_ECC_M, &v), HC_E_ARG);   /* lower case */
    assert_int_equal(hc_qr_version("HCODE1:A#B", HC_ECC_M, &v), HC_E_ARG);
    assert_int_equal(hc_qr_version("", HC_ECC_M, &v), HC_E_ARG);
    assert_int_equal(hc_qr_version(NULL, HC_ECC_M, &v), HC_E_ARG);
    assert_int_equal(hc_qr_version("A", (hc_ecc)4, &v), HC_E_ARG);
    assert_int_equal(v, -1);

    char *big = malloc(5001);
    assert_non_null(big);
    memset(big, 'A', 5000);
    big[5000] = '\0';
    assert_int_equal(hc_qr_version(big, HC_ECC_L, &v), HC_E_LIMIT);
    uint8_t *png = NULL;
    size_t len = 0;
    assert_int_equal(hc_render_png(big, HC_GREEN, NULL, &png, &len), HC_E_LIMIT);
    /* 4096 fit version 40 at L (4296) but not at M (3391). */
    big[HC_TOKEN_MAX] = '\0';
    assert_int_equal(hc_qr_version(big, HC_ECC_L, &v), HC_OK);
    assert_int_equal(v, 40);
    assert_int_equal(hc_qr_version(big, HC_ECC_M, &v), HC_E_LIMIT);
    free(big);

    assert_int_equal(hc_render_png("hcode1:", HC_GREEN, NULL, &png, &len), HC_E_ARG);
    char *svg = NULL;
    assert_int_equal(hc_render_svg("hcode1:", HC_GREEN, NULL, &svg, &len), HC_E_ARG);
    assert_int_equal(hc_render_terminal("hcode1:", HC_GREEN, NULL, false, &svg, &len), HC_E_ARG);
    assert_null(png);
    assert_null(svg);
}

static void test_bad_opts(void **state)
{
    (void)state;
    uint8_t *png = NULL;
    size_t len = 0;
    const hc_render_opts bad[] = {
        {0, HC_ECC_M, 2}, {65, HC_ECC_M, 2}, {-1, HC_ECC_M, 2},
        {8, HC_ECC_M, -1}, {8, HC_ECC_M, 17}, {8, (hc_ecc)4, 2},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(hc_render_png("HCODE1:X", HC_GREEN, &bad[i], &png, &len), HC_E_ARG);
    char *s = NULL;
    assert_int_equal(hc_render_svg("HCODE1:X", HC_GREEN, &bad[1], &s, &len), HC_E_ARG);
    assert_int_equal(hc_render_terminal("HCODE1:X", HC_GREEN, &bad[0], true, &s, &len), HC_E_ARG);
    assert_int_equal(hc_render_png("HCODE1:X", (hc_colour)3, NULL, &png, &len), HC_E_ARG);
    assert_int_equal(hc_render_png("HCODE1:X", HC_GREEN, NULL, NULL, &len), HC_E_ARG);
    assert_null(png);
    assert_null(s);

    /* The largest side: version 40 (177 modules) at 64 px is 12096 px: refused. */
    char *big = malloc(HC_TOKEN_MAX + 1);
    assert_non_null(big);
    memset(big, '7', HC_TOKEN_MAX);
    big[HC_TOKEN_MAX] = '\0';
    const hc_render_opts huge = {64, HC_ECC_L, 2};
    assert_int_equal(hc_render_png(big, HC_GREEN, &huge, &png, &len), HC_E_LIMIT);
    free(big);
}

static void test_ecc_parse(void **state)
{
    (void)state;
    hc_ecc e = HC_ECC_L;
    assert_int_equal(hc_ecc_parse("h", &e), HC_OK);
    assert_int_equal(e, HC_ECC_H);
    assert_int_equal(hc_ecc_parse("Q", &e), HC_OK);
    assert_int_equal(e, HC_ECC_Q);
    assert_int_equal(hc_ecc_parse("l", &e), HC_OK);
    assert_int_equal(e, HC_ECC_L);
    assert_int_equal(hc_ecc_parse("m", &e), HC_OK);
    assert_int_equal(e, HC_ECC_M);
    assert_int_equal(hc_ecc_parse("X", &e), HC_E_ARG);
    assert_int_equal(hc_ecc_parse("MM", &e), HC_E_ARG);
    assert_int_equal(hc_ecc_parse("", &e), HC_E_ARG);
    assert_int_equal(hc_ecc_parse(" ", &e), HC_E_ARG);
    assert_int_equal(hc_ecc_parse(NULL, &e), HC_E_ARG);
    assert_int_equal(e, HC_ECC_M);
}

/* The exact colours as documented in qr.c: coloured bands, black modules
 * (tests/scan_robust.c measures why). */
static void test_colour_table(void **state)
{
    (void)state;
    assert_int_equal(hc_render_band_rgb(HC_GREEN), 0x1FA34A);
    assert_int_equal(hc_render_module_rgb(HC_GREEN), 0x000000);
    assert_int_equal(hc_render_band_rgb(HC_YELLOW), 0xF7C600);
    assert_int_equal(hc_render_module_rgb(HC_YELLOW), 0x000000);
    assert_int_equal(hc_render_band_rgb(HC_RED), 0xE0262B);
    assert_int_equal(hc_render_module_rgb(HC_RED), 0x000000);
    assert_int_equal(hc_render_module_rgb((hc_colour)7), 0);
}

/* Layout of the PNG, for each colour: size, band, quiet zone, modules, and
 * the contrast a scanner sees, measured on the rendered pixels. */
static void check_png(hc_colour c, const hc_render_opts *o, double want_contrast)
{
    uint8_t *png = NULL;
    size_t len = 0;
    assert_int_equal(hc_render_png(th_token240(12345), c, o, &png, &len), HC_OK);
    assert_true(len > 8 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);
    /* The file says 2-bit palette, non-interlaced. */
    assert_int_equal(png[24], 2);
    assert_int_equal(png[25], PNG_COLOR_TYPE_PALETTE);
    assert_int_equal(png[28], PNG_INTERLACE_NONE);
    image im = decode_png(png, len);
    hc_free(png);

    hc_qr_matrix m;
    assert_int_equal(hc_qr_encode(th_token240(12345), o->ecc, &m), HC_OK);
    unsigned side = (unsigned)(m.width + 2 * 4 + 2 * o->band);
    assert_int_equal(im.w, side * (unsigned)o->scale);
    assert_int_equal(im.h, im.w);

    uint32_t band = hc_render_band_rgb(c), mod = hc_render_module_rgb(c);
    unsigned s = (unsigned)o->scale, b = (unsigned)o->band;
    /* Corner: the band (or white with no band); just inside: quiet zone. */
    assert_int_equal(pixel(&im, 0, 0), b ? band : 0xFFFFFF);
    assert_int_equal(pixel(&im, im.w - 1, im.h - 1), b ? band : 0xFFFFFF);
    assert_int_equal(pixel(&im, (b + 2) * s, (b + 1) * s + s / 2), 0xFFFFFF);
    /* The top-left finder pattern's outer corner is dark. */
    unsigned q = (b + 4) * s;
    assert_int_equal(pixel(&im, q, q), mod);
    assert_int_equal(pixel(&im, q - 1, q - 1), 0xFFFFFF);
    /* Every module, at its centre and its corner, is what the matrix says. */
    for (int y = 0; y < m.width; y++)
        for (int x = 0; x < m.width; x++) {
            uint32_t want = m.dark[y * m.width + x] ? mod : 0xFFFFFF;
            unsigned px = q + (unsigned)x * s, py = q + (unsigned)y * s;
            assert_int_equal(pixel(&im, px + s / 2, py + s / 2), want);
            assert_int_equal(pixel(&im, px + s - 1, py + s - 1), want);
        }
    /* Contrast of module to white, from the rendered pixels. */
    double r = contrast(pixel(&im, q, q), pixel(&im, q - 1, q - 1));
    assert_true(r >= 7.0);
    assert_true(fabs(r - want_contrast) < 0.005);
    hc_qr_matrix_free(&m);
    free(im.rgb);
}

static void test_png_layout(void **state)
{
    (void)state;
    const hc_render_opts def = HC_RENDER_OPTS_DEFAULT;
    check_png(HC_GREEN, &def, 21.0);
    check_png(HC_YELLOW, &def, 21.0);
    check_png(HC_RED, &def, 21.0);
    /* Version 9: 53 modules; (53 + 8 + 4) * 8 = 520 pixels. */
    uint8_t *png;
    size_t len;
    assert_int_equal(hc_render_png(th_token240(12345), HC_GREEN, NULL, &png, &len), HC_OK);
    image im = decode_png(png, len);
    assert_int_equal(im.w, 520);
    free(im.rgb);
    hc_free(png);

    const hc_render_opts small = {1, HC_ECC_H, 0}, wide = {3, HC_ECC_L, 16};
    check_png(HC_RED, &small, 21.0);
    check_png(HC_YELLOW, &wide, 21.0);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_svg(void **state)
{
    (void)state;
    char *svg = NULL;
    size_t len = 0;
    assert_int_equal(hc_render_svg(th_token240(12345), HC_RED, NULL, &svg, &len), HC_OK);
    assert_int_equal(strlen(svg), len);
    /* 53 + 8 + 4 = 65 modules a side; 520 pixels at the default scale. */
    assert_non_null(strstr(svg, "viewBox=\"0 0 65 65\""));
    assert_non_null(strstr(svg, "width=\"520\" height=\"520\""));
    assert_non_null(strstr(svg, "shape-rendering=\"crispEdges\""));
    assert_int_equal(count(svg, "<path"), 1);
    assert_non_null(strstr(svg, "<rect width=\"65\" height=\"65\" fill=\"#E0262B\"/>"));
    assert_non_null(strstr(svg, "<rect x=\"2\" y=\"2\" width=\"61\" height=\"61\" fill=\"#FFFFFF\"/>"));
    assert_non_null(strstr(svg, "<path fill=\"#000000\" d=\"M6 6h7v1h-7z"));   /* the finder's top row */
    assert_true(strncmp(svg, "<?xml", 5) == 0);
    assert_string_equal(svg + len - 7, "</svg>\n");

    /* The path covers exactly the dark modules: sum of runs = dark count. */
    hc_qr_matrix m;
    assert_int_equal(hc_qr_encode(th_token240(12345), HC_ECC_M, &m), HC_OK);
    size_t dark = 0, covered = 0;
    for (int i = 0; i < m.width * m.width; i++)
        dark += m.dark[i];
    for (const char *p = strstr(svg, "h"); p; p = strstr(p + 1, "h")) {
        if (p[1] >= '0' && p[1] <= '9')
            covered += strtoul(p + 1, NULL, 10);
    }
    assert_int_equal(covered, dark);
    hc_qr_matrix_free(&m);
    hc_free(svg);

    const hc_render_opts noband = {2, HC_ECC_H, 0};
    assert_int_equal(hc_render_svg(th_token240(12345), HC_GREEN, &noband, &svg, &len), HC_OK);
    /* Version 13: 69 modules + 8 = 77. */
    assert_non_null(strstr(svg, "viewBox=\"0 0 77 77\""));
    assert_int_equal(count(svg, "<rect"), 1);
    assert_null(strstr(svg, "#1FA34A"));
    hc_free(svg);
}

/* Display width of a line: code points outside ANSI escapes. */
static size_t display_width(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\x1b') {
            while (i < n && s[i] != 'm')
                i++;
            continue;
        }
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            w++;
    }
    return w;
}

static void check_terminal(bool ansi, const hc_render_opts *o, size_t want_lines, size_t want_width)
{
    char *t = NULL;
    size_t len = 0;
    assert_int_equal(hc_render_terminal(th_token240(12345), HC_YELLOW, o, ansi, &t, &len), HC_OK);
    assert_int_equal(strlen(t), len);
    assert_int_equal(t[len - 1], '\n');
    size_t lines = 0;
    for (const char *p = t; *p;) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        assert_int_equal(display_width(p, (size_t)(nl - p)), want_width);
        if (ansi)
            assert_true(nl - p >= 4 && memcmp(nl - 4, "\x1b[0m", 4) == 0);
        lines++;
        p = nl + 1;
    }
    assert_int_equal(lines, want_lines);
    if (!ansi) {
        /* The first line is two rows of quiet zone: all full blocks. */
        for (size_t i = 0; i < want_width; i++)
            assert_memory_equal(t + 3 * i, "\xE2\x96\x88", 3);
        /* Line 3 holds module rows 0 and 1 (after 4 quiet rows): the top
         * of the finder is dark over dark at its edges (spaces) and dark
         * over light inside (lower half blocks). */
        const char *l3 = t + 2 * (want_width * 3 + 1);
        assert_memory_equal(l3 + 4 * 3, " \xE2\x96\x84\xE2\x96\x84\xE2\x96\x84\xE2\x96\x84\xE2\x96\x84 ", 17);
    } else {
        assert_non_null(strstr(t, "\x1b[38;2;247;198;0m"));   /* the band, #F7C600 */
        assert_non_null(strstr(t, "\x1b[48;2;0;0;0m"));       /* a module, black */
    }
    hc_free(t);
}

static void test_terminal(void **state)
{
    (void)state;
    const hc_render_opts def = HC_RENDER_OPTS_DEFAULT;
    /* 53 modules + 8 quiet = 61 rows: ceil(61 / 2) = 31 lines, 61 wide. */
    check_terminal(false, &def, 31, 61);
    /* With colour the band shows too: 65 rows, 33 lines, 65 wide. */
    check_terminal(true, &def, 33, 65);
    const hc_render_opts h = {1, HC_ECC_H, 1};   /* 69 + 8 + 2 = 79 */
    check_terminal(true, &h, 40, 79);
    check_terminal(false, &h, 39, 77);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_grows_with_ecc),
        cmocka_unit_test(test_bad_text),
        cmocka_unit_test(test_bad_opts),
        cmocka_unit_test(test_ecc_parse),
        cmocka_unit_test(test_colour_table),
        cmocka_unit_test(test_png_layout),
        cmocka_unit_test(test_svg),
        cmocka_unit_test(test_terminal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_sheet.c — paper sheets (sheet.h) measured on their own raster: the QR
 * module's size on paper, the quiet zone, pages, and what is refused. The
 * PDF read back by poppler and zbar is tests/sheets.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <cairo.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <healthcode/healthcode.h>
#include "mint.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    return th_tmpdir(dir, sizeof dir, "hc-sheet");
}

static int teardown(void **state)
{
    (void)state;
    return th_rmtree(dir);
}

/* A signed token of colour c with a masked name, as a batch would print. */
static void token(hc_colour c, char *text)
{
    hc_key *k = mint_load_key("tests/keys/es256.pem");
    assert_non_null(k);
    hc_claims cl = mint_claims("CN-330000", 1580868000, 1580954400, c, 0x0102030405060708ull);
    hc_strlcpy(cl.nam, "张*三", sizeof cl.nam);
    hc_strlcpy(cl.doc, "3304**********1230", sizeof cl.doc);
    size_t len;
    assert_int_equal(mint_token(k, &cl, text, HC_TOKEN_MAX + 1, &len), HC_OK);
    hc_key_free(k);
}

static bool near(const unsigned char *p, uint32_t rgb)
{
    int d = abs(p[2] - (int)(rgb >> 16 & 255)) + abs(p[1] - (int)(rgb >> 8 & 255)) +
            abs(p[0] - (int)(rgb & 255));
    return d < 90;
}

/* At 254 dpi (10 px a millimetre): the first row holding a dark module is the
 * top edge of the top-left finder pattern, 7 modules of dark; left of it, 4
 * modules of quiet zone before the band. */
static void test_module_size_and_quiet_zone(void **state)
{
    (void)state;
    char text[HC_TOKEN_MAX + 1], path[128];
    token(HC_GREEN, text);
    hc_sheet_opts o = HC_SHEET_OPTS_DEFAULT;
    o.format = HC_SHEET_PNG;
    o.dpi = 254;
    hc_sheet *s = NULL;
    snprintf(path, sizeof path, "%s/png", dir);
    assert_int_equal(hc_sheet_new(path, &o, &s), HC_OK);
    assert_int_equal(hc_sheet_add(s, text, "line 1"), HC_OK);
    unsigned long pages = 0;
    assert_int_equal(hc_sheet_finish(s, &pages), HC_OK);
    hc_sheet_free(s);
    assert_int_equal(pages, 1);
    snprintf(path, sizeof path, "%s/png/page-000001.png", dir);
    cairo_surface_t *img = cairo_image_surface_create_from_png(path);
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    assert_int_equal(w, 2100);   /* A4 at 10 px/mm */
    assert_int_equal(h, 2970);
    const unsigned char *px = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    uint32_t dark = hc_render_module_rgb(HC_GREEN), band = hc_render_band_rgb(HC_GREEN);
    int y = 0, x0 = -1;
    for (; y < h / 3 && x0 < 0; y++)
        for (int x = 0; x < w / 2 && x0 < 0; x++)
            if (near(px + (size_t)y * stride + 4 * x, dark))
                x0 = x;
    assert_true(x0 > 0);
    const unsigned char *row = px + (size_t)(y + 5) * stride;   /* inside the top edge */
    int x1 = x0;
    while (near(row + 4 * x1, dark))
        x1++;
    double module_mm = (x1 - x0) / 7.0 / 10.0;
    assert_true(module_mm >= HC_SHEET_MODULE_MIN_MM);
    assert_true(module_mm > 0.75 && module_mm < 0.85);   /* 0.8 mm at 6 a page */
    int b = x0;
    while (b > 0 && !near(row + 4 * b, band))
        b--;
    double quiet = (x0 - b - 1) / 10.0 / module_mm;
    assert_true(quiet > 3.7 && quiet < 4.3);
    cairo_surface_destroy(img);
}

static void test_pages_and_empty(void **state)
{
    (void)state;
    char text[HC_TOKEN_MAX + 1], path[128];
    token(HC_RED, text);
    hc_sheet *s = NULL;
    snprintf(path, sizeof path, "%s/seven.pdf", dir);
    assert_int_equal(hc_sheet_new(path, NULL, &s), HC_OK);
    for (int i = 0; i < 7; i++)
        assert_int_equal(hc_sheet_add(s, text, NULL), HC_OK);
    assert_int_not_equal(access(path, F_OK), 0);   /* nothing before finish */
    unsigned long pages = 0;
    assert_int_equal(hc_sheet_finish(s, &pages), HC_OK);
    hc_sheet_free(s);
    assert_int_equal(pages, 2);
    assert_int_equal(access(path, F_OK), 0);
    /* no code: no page, no file */
    snprintf(path, sizeof path, "%s/empty.pdf", dir);
    assert_int_equal(hc_sheet_new(path, NULL, &s), HC_OK);
    assert_int_equal(hc_sheet_finish(s, &pages), HC_OK);
    hc_sheet_free(s);
    assert_int_equal(pages, 0);
    assert_int_not_equal(access(path, F_OK), 0);
    /* abandoned: no file, no temporary */
    snprintf(path, sizeof path, "%s/gone.pdf", dir);
    assert_int_equal(hc_sheet_new(path, NULL, &s), HC_OK);
    assert_int_equal(hc_sheet_add(s, text, NULL), HC_OK);
    hc_sheet_free(s);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -c gone", dir);
    FILE *p = popen(cmd, "r");
    char out[16] = "";
    assert_non_null(fgets(out, sizeof out, p));
    pclose(p);
    assert_string_equal(out, "0\n");
}

static void test_refusals(void **state)
{
    (void)state;
    char path[128], in[128];
    hc_sheet *s = NULL;
    hc_sheet_opts o = HC_SHEET_OPTS_DEFAULT;
    snprintf(path, sizeof path, "%s/x.pdf", dir);
    o.per_page = 5;
    assert_int_equal(hc_sheet_new(path, &o, &s), HC_E_ARG);
    o.per_page = 6;
    o.dpi = 1000;
    o.format = HC_SHEET_PNG;
    assert_int_equal(hc_sheet_new(path, &o, &s), HC_E_ARG);
    assert_null(s);
    hc_sheet_format f;
    assert_int_equal(hc_sheet_format_parse("PDF", &f), HC_OK);
    assert_int_equal(f, HC_SHEET_PDF);
    assert_int_equal(hc_sheet_format_parse("svg", &f), HC_E_ARG);
    /* a tokens.jsonl line that is not an entry is named, and no PDF appears */
    snprintf(in, sizeof in, "%s/t.jsonl", dir);
    FILE *fp = fopen(in, "w");
    char text[HC_TOKEN_MAX + 1];
    token(HC_YELLOW, text);
    fprintf(fp, "{\"line\":1,\"token\":\"%s\"}\n\n{\"line\":3}\n", text);
    fclose(fp);
    hc_diag d;
    memset(&d, 0, sizeof d);
    assert_int_equal(hc_sheet_from_jsonl(in, path, NULL, NULL, &d), HC_E_RECORD);
    assert_int_equal(d.line, 3);
    assert_string_equal(d.message, "line 3: not a tokens.jsonl entry (an object with \"line\" >= 1 "
                                   "and a \"token\" string)");
    assert_int_not_equal(access(path, F_OK), 0);
    /* a directory (or a FIFO) is not read */
    assert_int_equal(hc_sheet_from_jsonl(dir, path, NULL, NULL, &d), HC_E_IO);
    snprintf(in, sizeof in, "%s/fifo", dir);
    assert_int_equal(mkfifo(in, 0600), 0);
    assert_int_equal(hc_sheet_from_jsonl(in, path, NULL, NULL, &d), HC_E_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_module_size_and_quiet_zone),
        cmocka_unit_test(test_pages_and_empty),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

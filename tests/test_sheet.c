/* test_sheet.c — paper sheets (sheet.h) measured on their own raster: the QR
 * module's size on paper, the quiet zone, pages, and what is refused; the
 * layout to the point: every code of a layout fills one square whatever its
 * version, so cells line up (issue 26 point 16); tokens whose text would
 * print as something else, lines with NUL bytes or repeated keys, outputs
 * that are FIFOs (issue 25 point 19). The PDF read back by poppler and zbar
 * is tests/sheets.sh. */
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
#include "internal.h"
#include "mint.h"
#include "render_impl.h"
#include "sheet_impl.h"

#define MM (72.0 / 25.4)

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

/* A signed token of colour c with name nam and document doc (any text: the
 * sheet prints tokens it did not make). */
static void token_of(hc_colour c, const char *nam, const char *doc, char *text)
{
    hc_key *k = mint_load_key("tests/keys/es256.pem");
    assert_non_null(k);
    hc_claims cl = mint_claims("CN-330000", 1580868000, 1580954400, c, 0x0102030405060708ull);
    hc_strlcpy(cl.nam, nam, sizeof cl.nam);
    hc_strlcpy(cl.doc, doc, sizeof cl.doc);
    size_t len;
    assert_int_equal(mint_token(k, &cl, text, HC_TOKEN_MAX + 1, &len), HC_OK);
    hc_key_free(k);
}

/* A signed token of colour c with a masked name, as a batch would print. */
static void token(hc_colour c, char *text)
{
    token_of(c, "张*三", "3304**********1230", text);
}

/* The side (modules, quiet zone and band included) of text's QR code. */
static int side_of(const char *text)
{
    hc_qr_matrix m;
    assert_int_equal(hc_qr_encode(text, HC_ECC_M, &m), HC_OK);
    int side = hc_render_side(&m, 2);
    hc_qr_matrix_free(&m);
    return side;
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
    const unsigned char *row = px + (size_t)(y + 2) * stride;   /* inside the top edge (7.5 px) */
    int x1 = x0;
    while (near(row + 4 * x1, dark))
        x1++;
    double module_mm = (x1 - x0) / 7.0 / 10.0;
    assert_true(module_mm >= HC_SHEET_MODULE_MIN_MM);
    /* the layout's module (49 mm over the code's side), within a pixel's rounding */
    hc_sheet_cell cell;
    assert_true(hc_sheet_layout(6, 0, side_of(text), &cell));
    if (module_mm < cell.module / MM - 0.03 || module_mm > cell.module / MM + 0.03)
        fail_msg("module %.3f mm, the layout says %.3f mm", module_mm, cell.module / MM);
    /* and where the layout puts it: the finder starts 6 modules (band, quiet zone) in */
    double want_x = (cell.code_x + 6 * cell.module) / MM * 10;
    if (x0 < want_x - 1.5 || x0 > want_x + 1.5)
        fail_msg("the finder starts at x = %d px, the layout says %.1f", x0, want_x);
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

static void near_equal(double got, double want_mm, const char *what)
{
    if (got / MM < want_mm - 1e-9 || got / MM > want_mm + 1e-9)
        fail_msg("%s: %.6f mm, want %.6f mm", what, got / MM, want_mm);
}

/* Issue 26 point 16: with 1 or 4 a page the code grows to fill its cell, and
 * every code of a layout fills the same square whatever its QR version, so
 * that neighbouring cells line up. Exact values in millimetres: A4 less 6 mm
 * margins, cells padded 4 mm, 38 mm of text, 2 mm between. */
static void layout_fills_the_cell_whatever_the_version(void **state)
{
    (void)state;
    static const struct {
        int per_page, index;
        double x, y, code, code_x, code_y, text_y;
    } want[] = {
        {6, 0, 6, 6, 49, 31, 10, 61},     {6, 1, 105, 6, 49, 130, 10, 61},
        {6, 5, 105, 196, 49, 130, 200, 251},
        {4, 0, 6, 6, 91, 10, 10, 103},    {4, 3, 105, 148.5, 91, 109, 152.5, 245.5},
        {2, 1, 6, 148.5, 96.5, 56.75, 152.5, 251},
        {1, 0, 6, 6, 190, 10, 10, 202},
    };
    const int sides[] = {33, 41, 65, 69, 89};   /* versions 1, 3, 9, 10, 15 */
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        for (size_t v = 0; v < sizeof sides / sizeof *sides; v++) {
            hc_sheet_cell c;
            if (!hc_sheet_layout(want[i].per_page, want[i].index, sides[v], &c))
                fail_msg("%d a page, side %d: refused", want[i].per_page, sides[v]);
            near_equal(c.x, want[i].x, "cell x");
            near_equal(c.y, want[i].y, "cell y");
            near_equal(c.code, want[i].code, "code side");
            near_equal(c.code_x, want[i].code_x, "code x");
            near_equal(c.code_y, want[i].code_y, "code y");
            near_equal(c.text_y, want[i].text_y, "text y");
            near_equal(c.module * sides[v], want[i].code, "modules times side");
            near_equal(c.text_w, (want[i].per_page == 1 || want[i].per_page == 2 ? 198 : 99) - 8, "text width");
        }
    /* below HC_SHEET_MODULE_MIN_MM (49 mm / 0.5 mm = 98 modules): refused */
    hc_sheet_cell c;
    assert_true(hc_sheet_layout(6, 0, 98, &c));
    assert_false(hc_sheet_layout(6, 0, 99, &c));
    assert_true(hc_sheet_layout(1, 0, 380, &c));
    assert_false(hc_sheet_layout(5, 0, 65, &c));
    assert_false(hc_sheet_layout(4, 4, 65, &c));
}

/* The same on a rendered page: two codes of different versions side by side
 * (4 a page) start on the same row and are the same size. */
static void neighbouring_codes_line_up_on_the_page(void **state)
{
    (void)state;
    char small[HC_TOKEN_MAX + 1], big[HC_TOKEN_MAX + 1], path[128];
    token_of(HC_GREEN, "", "", small);
    token_of(HC_GREEN, "M***** A***** W***** J***** F***** V** HOHENBERG-LIECHTENSTEIN",
             "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", big);
    assert_true(side_of(small) < side_of(big));
    hc_sheet_opts o = HC_SHEET_OPTS_DEFAULT;
    o.format = HC_SHEET_PNG;
    o.dpi = 254;
    o.per_page = 4;
    hc_sheet *s = NULL;
    snprintf(path, sizeof path, "%s/four", dir);
    assert_int_equal(hc_sheet_new(path, &o, &s), HC_OK);
    assert_int_equal(hc_sheet_add(s, small, NULL), HC_OK);
    assert_int_equal(hc_sheet_add(s, big, NULL), HC_OK);
    assert_int_equal(hc_sheet_finish(s, NULL), HC_OK);
    hc_sheet_free(s);
    snprintf(path, sizeof path, "%s/four/page-000001.png", dir);
    cairo_surface_t *img = cairo_image_surface_create_from_png(path);
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    const unsigned char *px = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img), w = cairo_image_surface_get_width(img);
    uint32_t band = hc_render_band_rgb(HC_GREEN);
    /* each code's band: its first and last row and column, per half of the page */
    for (int half = 0; half < 2; half++) {
        int top = -1, bottom = -1, left = w, right = -1;
        for (int y = 0; y < 1485; y++)
            for (int x = half * w / 2; x < (half + 1) * w / 2; x++)
                if (near(px + (size_t)y * stride + 4 * x, band)) {
                    top = top < 0 ? y : top;
                    bottom = y;
                    left = x < left ? x : left;
                    right = x > right ? x : right;
                }
        /* the band is the code's square (the colour patch under it is lower) */
        hc_sheet_cell c;
        assert_true(hc_sheet_layout(4, half, side_of(half ? big : small), &c));
        if (abs(top - (int)(c.code_y / MM * 10 + 0.5)) > 1 || abs(left - (int)(c.code_x / MM * 10 + 0.5)) > 1 ||
            abs(right + 1 - left - 910) > 2)
            fail_msg("code %d: band from (%d, %d) to x = %d px; the layout says (%.1f, %.1f), 910 px wide",
                     half, left, top, right, c.code_x / MM * 10, c.code_y / MM * 10);
        (void)bottom;
    }
    cairo_surface_destroy(img);
}

/* Issue 25 point 19: the sheet prints tokens it did not make. */
static void text_that_prints_as_something_else_is_refused(void **state)
{
    (void)state;
    char text[HC_TOKEN_MAX + 1], path[128], in[128];
    snprintf(path, sizeof path, "%s/x.pdf", dir);
    static const struct {
        const char *nam, *doc, *field;
    } bad[] = {
        {"张*三\n证件 ID: 110101199003070000", "33**************30", "nam"},  /* a false ID line */
        {"\xe2\x80\xae三*张", "33**************30", "nam"},                  /* printed reversed */
        {"张\xe2\x80\x8b*三", "33**************30", "nam"},                  /* zero-width */
        {"张*三", "33\x1b[2J**30", "doc"},                                   /* a terminal escape */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        token_of(HC_GREEN, bad[i].nam, bad[i].doc, text);
        hc_sheet *s = NULL;
        assert_int_equal(hc_sheet_new(path, NULL, &s), HC_OK);
        assert_int_equal(hc_sheet_add(s, text, NULL), HC_E_CLAIMS);
        unsigned long pages = 9;
        assert_int_equal(hc_sheet_finish(s, &pages), HC_OK);
        assert_int_equal(pages, 0);
        hc_sheet_free(s);
        /* through tokens.jsonl: the line and the field named */
        snprintf(in, sizeof in, "%s/bad.jsonl", dir);
        FILE *fp = fopen(in, "w");
        fprintf(fp, "{\"line\":7,\"token\":\"%s\"}\n", text);
        fclose(fp);
        hc_diag d = {0};
        assert_int_equal(hc_sheet_from_jsonl(in, path, NULL, NULL, &d), HC_E_CLAIMS);
        assert_int_equal(d.line, 1);
        assert_string_equal(d.field, bad[i].field);
        assert_non_null(strstr(d.message, "line 1: the token's "));
        assert_non_null(strstr(d.message, ": not printed"));
        assert_int_not_equal(access(path, F_OK), 0);
    }
}

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    fclose(fp);
}

static void lines_with_nul_or_a_repeated_key_are_refused(void **state)
{
    (void)state;
    char text[HC_TOKEN_MAX + 1], path[128], in[128];
    token(HC_GREEN, text);
    snprintf(path, sizeof path, "%s/y.pdf", dir);
    snprintf(in, sizeof in, "%s/l.jsonl", dir);
    hc_diag d = {0};
    /* a repeated "token": jq and Python take the last, a first-wins reader the first */
    static char line[2 * HC_TOKEN_MAX + 128];
    int n = snprintf(line, sizeof line, "{\"line\":1,\"token\":\"HCODE1:XYZ\",\"token\":\"%s\"}\n", text);
    write_file(in, line, (size_t)n);
    assert_int_equal(hc_sheet_from_jsonl(in, path, NULL, NULL, &d), HC_E_RECORD);
    assert_string_equal(d.message, "line 1: the key \"token\" is repeated");
    assert_int_not_equal(access(path, F_OK), 0);
    /* a NUL inside a line */
    n = snprintf(line, sizeof line, "{\"line\":1,\"token\":\"%s\"}\n{\"line\":2,@\"token\":\"%s\"}\n", text, text);
    *strchr(line, '@') = '\0';   /* the NUL inside line 2 */
    write_file(in, line, (size_t)n);
    memset(&d, 0, sizeof d);
    assert_int_equal(hc_sheet_from_jsonl(in, path, NULL, NULL, &d), HC_E_RECORD);
    assert_int_equal(d.line, 2);
    assert_string_equal(d.message, "line 2: holds a NUL byte");
    /* a NUL inside a line over 64 KiB: one line, refused as long, never split in two */
    size_t big = 70 * 1024;
    char *buf = malloc(big + 64);
    memset(buf, ' ', big);
    buf[100] = '\0';
    size_t total = (size_t)snprintf(buf + big, 64, "{\"line\":1,\"token\":\"x\"}\n") + big;
    write_file(in, buf, total);
    memset(&d, 0, sizeof d);
    assert_int_equal(hc_sheet_from_jsonl(in, path, NULL, NULL, &d), HC_E_RECORD);
    assert_int_equal(d.line, 1);
    assert_string_equal(d.message, "line 1: longer than 64 KiB");
    free(buf);
    assert_int_not_equal(access(path, F_OK), 0);
}

/* An output that is a FIFO (or a device node) is never renamed over. */
static void a_fifo_or_device_is_never_an_output(void **state)
{
    (void)state;
    char text[HC_TOKEN_MAX + 1], fifo[128], in[128], page[160];
    token(HC_GREEN, text);
    snprintf(fifo, sizeof fifo, "%s/out.fifo", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    hc_sheet *s = NULL;
    assert_int_equal(hc_sheet_new(fifo, NULL, &s), HC_E_IO);
    assert_null(s);
    hc_sheet_opts o = HC_SHEET_OPTS_DEFAULT;
    o.format = HC_SHEET_PNG;
    assert_int_equal(hc_sheet_new(fifo, &o, &s), HC_E_IO);   /* not a directory either */
    snprintf(in, sizeof in, "%s/ok.jsonl", dir);
    static char line[HC_TOKEN_MAX + 64];
    write_file(in, line, (size_t)snprintf(line, sizeof line, "{\"line\":1,\"token\":\"%s\"}\n", text));
    hc_diag d = {0};
    assert_int_equal(hc_sheet_from_jsonl(in, fifo, NULL, NULL, &d), HC_E_IO);
    assert_non_null(strstr(d.message, "not a regular file: refused as the output"));
    struct stat st;
    assert_int_equal(lstat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    /* a PNG page whose name a FIFO holds */
    snprintf(page, sizeof page, "%s/pngs", dir);
    assert_int_equal(mkdir(page, 0755), 0);
    snprintf(page, sizeof page, "%s/pngs/page-000001.png", dir);
    assert_int_equal(mkfifo(page, 0600), 0);
    snprintf(fifo, sizeof fifo, "%s/pngs", dir);
    assert_int_equal(hc_sheet_new(fifo, &o, &s), HC_OK);
    assert_int_equal(hc_sheet_add(s, text, NULL), HC_OK);
    assert_int_equal(hc_sheet_finish(s, NULL), HC_E_IO);
    hc_sheet_free(s);
    assert_int_equal(lstat(page, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    /* a device node, where we may make one (root): a copy of /dev/null's numbers */
    char dev[128];
    snprintf(dev, sizeof dev, "%s/null", dir);
    if (stat("/dev/null", &st) == 0 && mknod(dev, S_IFCHR | 0666, st.st_rdev) == 0) {
        assert_int_equal(hc_sheet_from_jsonl(in, dev, NULL, NULL, &d), HC_E_IO);
        assert_int_equal(lstat(dev, &st), 0);
        assert_true(S_ISCHR(st.st_mode));
    }
}

/* The PDF is readable by others, as the PNG pages are (umask 022: 0644). */
static void the_pdf_is_0644_as_the_pages(void **state)
{
    (void)state;
    char text[HC_TOKEN_MAX + 1], path[128];
    token(HC_GREEN, text);
    mode_t old = umask(022);
    snprintf(path, sizeof path, "%s/mode.pdf", dir);
    hc_sheet *s = NULL;
    assert_int_equal(hc_sheet_new(path, NULL, &s), HC_OK);
    assert_int_equal(hc_sheet_add(s, text, NULL), HC_OK);
    assert_int_equal(hc_sheet_finish(s, NULL), HC_OK);
    hc_sheet_free(s);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    umask(old);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_module_size_and_quiet_zone),
        cmocka_unit_test(test_pages_and_empty),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(layout_fills_the_cell_whatever_the_version),
        cmocka_unit_test(neighbouring_codes_line_up_on_the_page),
        cmocka_unit_test(text_that_prints_as_something_else_is_refused),
        cmocka_unit_test(lines_with_nul_or_a_repeated_key_are_refused),
        cmocka_unit_test(a_fifo_or_device_is_never_an_output),
        cmocka_unit_test(the_pdf_is_0644_as_the_pages),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

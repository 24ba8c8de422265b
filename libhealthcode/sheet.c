/* sheet.c — paper codes (sheet.h): A4 pages of codes drawn with cairo, the
 * text laid out by pango so that a Chinese name prints as itself. Units are
 * PostScript points (1/72 inch) throughout; a PNG page is the same drawing
 * scaled to its dpi. */
#include "clock_impl.h"
#include "internal.h"
#include "json_impl.h"
#include "mask_impl.h"
#include "render_impl.h"
#include "sheet_impl.h"

#include <healthcode/sheet.h>
#include <healthcode/verify.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <fcntl.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define MM (72.0 / 25.4)
#define PAGE_W (210.0 * MM)
#define PAGE_H (297.0 * MM)
#define PAGE_MARGIN (6.0 * MM)
#define CELL_PAD (4.0 * MM)
#define TEXT_BLOCK (38.0 * MM)     /* the six lines under the code */
#define TEXT_GAP (2.0 * MM)        /* between the code and its text */
#define FONT "Noto Sans CJK SC, sans-serif"
#define LINE_MAX_BYTES (64 * 1024)

struct hc_sheet {
    hc_sheet_opts o;
    char *path;                 /* PDF file, or PNG directory */
    char *tmp;                  /* PDF: the temporary file written until finish */
    cairo_surface_t *surface;   /* PDF: the document; PNG: the current page */
    cairo_t *cr;
    int cols, rows;
    int on_page;                /* codes on the current page */
    unsigned long pages;        /* pages begun */
    bool finished;
};

hc_err hc_sheet_format_parse(const char *name, hc_sheet_format *out)
{
    if (!name || !out)
        return HC_E_ARG;
    if (strcasecmp(name, "pdf") == 0)
        *out = HC_SHEET_PDF;
    else if (strcasecmp(name, "png") == 0)
        *out = HC_SHEET_PNG;
    else
        return HC_E_ARG;
    return HC_OK;
}

static bool grid_of(int per_page, int *cols, int *rows)
{
    static const int grid[7][2] = {{0, 0}, {1, 1}, {1, 2}, {0, 0}, {2, 2}, {0, 0}, {2, 3}};
    if (per_page < 1 || per_page > 6 || grid[per_page][0] == 0)
        return false;
    *cols = grid[per_page][0];
    *rows = grid[per_page][1];
    return true;
}

bool hc_sheet_layout(int per_page, int index, int side, hc_sheet_cell *c)
{
    int cols, rows;
    if (!grid_of(per_page, &cols, &rows) || index < 0 || index >= per_page || side <= 0)
        return false;
    c->w = (PAGE_W - 2 * PAGE_MARGIN) / cols;
    c->h = (PAGE_H - 2 * PAGE_MARGIN) / rows;
    c->x = PAGE_MARGIN + (index % cols) * c->w;
    c->y = PAGE_MARGIN + (index / cols) * c->h;
    /* the largest square above the text block: the same for every version */
    c->code = c->w - 2 * CELL_PAD;
    if (c->h - 2 * CELL_PAD - TEXT_BLOCK < c->code)
        c->code = c->h - 2 * CELL_PAD - TEXT_BLOCK;
    c->module = c->code / side;
    c->code_x = c->x + (c->w - c->code) / 2;
    c->code_y = c->y + CELL_PAD;
    c->text_x = c->x + CELL_PAD;
    c->text_w = c->w - 2 * CELL_PAD;
    c->text_y = c->code_y + c->code + TEXT_GAP;
    return c->module >= HC_SHEET_MODULE_MIN_MM * MM;
}

static hc_err check_opts(const hc_sheet_opts *in, hc_sheet_opts *o, int *cols, int *rows)
{
    static const hc_sheet_opts def = HC_SHEET_OPTS_DEFAULT;
    *o = in ? *in : def;
    if ((o->format != HC_SHEET_PDF && o->format != HC_SHEET_PNG) || !grid_of(o->per_page, cols, rows) ||
        o->utc_offset_s < -14 * 3600 || o->utc_offset_s > 14 * 3600 || o->dpi < 72 || o->dpi > 600)
        return HC_E_ARG;
    return HC_OK;
}

static hc_err cairo_err(cairo_status_t st)
{
    if (st == CAIRO_STATUS_SUCCESS)
        return HC_OK;
    return st == CAIRO_STATUS_NO_MEMORY ? HC_E_NOMEM : HC_E_IO;
}

/* true if nothing is at path, or what is there may be replaced by a file
 * (dir false: a regular file or a link) or filled with pages (dir true: a
 * directory). A FIFO or a device node is never renamed over. */
static bool output_ok(const char *path, bool dir)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT;
    return dir ? S_ISDIR(st.st_mode) || (S_ISLNK(st.st_mode) && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
               : S_ISREG(st.st_mode) || S_ISLNK(st.st_mode);
}

/* PDF: one surface for the document, in a temporary file beside path,
 * created with mode 0666 less the umask (as the PNG pages are, through
 * fopen): mkstemp's 0600 would make a PDF others cannot print from. */
static hc_err open_pdf(hc_sheet *s)
{
    size_t n = strlen(s->path);
    s->tmp = malloc(n + 16);
    if (!s->tmp)
        return HC_E_NOMEM;
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 8; tries++) {
        memcpy(s->tmp, s->path, n);
        memcpy(s->tmp + n, ".tmp.XXXXXX", 12);
        int probe = mkstemp(s->tmp); /* a fresh name; the file is made again below */
        if (probe < 0)
            break;
        close(probe);
        unlink(s->tmp);
        fd = open(s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
    }
    if (fd < 0) {
        free(s->tmp);
        s->tmp = NULL;
        return HC_E_IO;
    }
    close(fd);
    s->surface = cairo_pdf_surface_create(s->tmp, PAGE_W, PAGE_H);
    cairo_pdf_surface_set_metadata(s->surface, CAIRO_PDF_METADATA_TITLE, "Health codes");
    cairo_pdf_surface_set_metadata(s->surface, CAIRO_PDF_METADATA_CREATOR, "libhealthcode");
    return cairo_err(cairo_surface_status(s->surface));
}

hc_err hc_sheet_new(const char *path, const hc_sheet_opts *opts, hc_sheet **out)
{
    if (!path || !*path || !out)
        return HC_E_ARG;
    *out = NULL;
    hc_sheet *s = calloc(1, sizeof *s);
    if (!s)
        return HC_E_NOMEM;
    hc_err err = check_opts(opts, &s->o, &s->cols, &s->rows);
    if (err == HC_OK && !output_ok(path, s->o.format == HC_SHEET_PNG))
        err = HC_E_IO;
    if (err == HC_OK && !(s->path = strdup(path)))
        err = HC_E_NOMEM;
    if (err == HC_OK && s->o.format == HC_SHEET_PDF)
        err = open_pdf(s);
    if (err == HC_OK && s->o.format == HC_SHEET_PNG && mkdir(path, 0755) != 0 && errno != EEXIST)
        err = HC_E_IO;
    if (err != HC_OK) {
        hc_sheet_free(s);
        return err;
    }
    *out = s;
    return HC_OK;
}

/* ------------------------------------------------------------ pages */

static hc_err page_begin(hc_sheet *s)
{
    if (s->o.format == HC_SHEET_PNG) {
        double k = s->o.dpi / 72.0;
        s->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)(PAGE_W * k + 0.5),
                                                (int)(PAGE_H * k + 0.5));
        hc_err err = cairo_err(cairo_surface_status(s->surface));
        if (err != HC_OK)
            return err;
        s->cr = cairo_create(s->surface);
        cairo_scale(s->cr, k, k);
    } else if (!s->cr) {
        s->cr = cairo_create(s->surface);
    }
    cairo_set_source_rgb(s->cr, 1, 1, 1);
    cairo_paint(s->cr);
    s->pages++;
    s->on_page = 0;
    return cairo_err(cairo_status(s->cr));
}

/* Dashed cut lines between the cells. */
static void cut_lines(hc_sheet *s)
{
    cairo_t *cr = s->cr;
    double cw = (PAGE_W - 2 * PAGE_MARGIN) / s->cols, ch = (PAGE_H - 2 * PAGE_MARGIN) / s->rows;
    const double dash[] = {3.0 * MM, 2.0 * MM};
    cairo_save(cr);
    cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
    cairo_set_line_width(cr, 0.25 * MM);
    cairo_set_dash(cr, dash, 2, 0);
    for (int c = 1; c < s->cols; c++) {
        cairo_move_to(cr, PAGE_MARGIN + c * cw, 0);
        cairo_line_to(cr, PAGE_MARGIN + c * cw, PAGE_H);
    }
    for (int r = 1; r < s->rows; r++) {
        cairo_move_to(cr, 0, PAGE_MARGIN + r * ch);
        cairo_line_to(cr, PAGE_W, PAGE_MARGIN + r * ch);
    }
    cairo_stroke(cr);
    cairo_restore(cr);
}

/* DIR/page-NNNNNN.png, written beside and renamed: a page is whole or absent. */
static hc_err write_png_page(hc_sheet *s)
{
    size_t n = strlen(s->path) + 32;
    char *path = malloc(n), *tmp = malloc(n + 8);
    hc_err err = path && tmp ? HC_OK : HC_E_NOMEM;
    if (err == HC_OK) {
        snprintf(path, n, "%s/page-%06lu.png", s->path, s->pages);
        snprintf(tmp, n + 8, "%s/.page-%06lu.png.tmp", s->path, s->pages);
        cairo_surface_flush(s->surface);
        err = output_ok(path, false) ? cairo_err(cairo_surface_write_to_png(s->surface, tmp)) : HC_E_IO;
        if (err == HC_OK && rename(tmp, path) != 0)
            err = HC_E_IO;
        if (err != HC_OK)
            unlink(tmp);
    }
    free(path);
    free(tmp);
    return err;
}

static hc_err page_end(hc_sheet *s)
{
    cut_lines(s);
    hc_err err = HC_OK;
    if (s->o.format == HC_SHEET_PDF) {
        cairo_show_page(s->cr);
        err = cairo_err(cairo_status(s->cr));
    } else {
        err = write_png_page(s);
        cairo_destroy(s->cr);
        cairo_surface_destroy(s->surface);
        s->cr = NULL;
        s->surface = NULL;
    }
    s->on_page = 0;
    return err;
}

/* ------------------------------------------------------------ one code */

static void set_rgb(cairo_t *cr, uint32_t c)
{
    cairo_set_source_rgb(cr, (c >> 16 & 255) / 255.0, (c >> 8 & 255) / 255.0, (c & 255) / 255.0);
}

/* The code at (x, y), side modules of size u: runs of band and dark cells as
 * rectangles over a light square, so the PDF stays vector and small. */
static void draw_qr(cairo_t *cr, const hc_qr_matrix *m, hc_colour colour, double x, double y,
                    double u)
{
    const int band = 2, side = hc_render_side(m, band);
    set_rgb(cr, hc_render_cell_rgb(colour, HC_CELL_LIGHT));
    cairo_rectangle(cr, x, y, side * u, side * u);
    cairo_fill(cr);
    static const hc_cell kinds[] = {HC_CELL_BAND, HC_CELL_DARK};
    for (int k = 0; k < 2; k++) {
        hc_cell kind = kinds[k];
        for (int r = 0; r < side; r++)
            for (int c = 0; c < side;) {
                int e = c;
                while (e < side && hc_render_cell(m, band, e, r) == kind)
                    e++;
                if (e > c)   /* a hair wider, so abutting runs leave no seam */
                    cairo_rectangle(cr, x + c * u, y + r * u, (e - c) * u + 0.01, u + 0.01);
                c = e > c ? e : c + 1;
            }
        set_rgb(cr, hc_render_cell_rgb(colour, kind));
        cairo_fill(cr);
    }
}

#define NO_BACKGROUND 0xFFFFFFFFu

/* How a line too wide for its cell is fitted: cut at its end with "…", or
 * (a name, whose end is the family name) set smaller down to min_pt first,
 * then cut in its middle. */
typedef enum { FIT_END, FIT_SHRINK } fit_mode;

/* One line of text centred in width w at (x, *y), on a patch of colour bg
 * (NO_BACKGROUND: none); advances *y. One paragraph whatever the text
 * holds: a newline never starts a false line. */
static void text_line(cairo_t *cr, const char *text, double size_pt, bool bold, uint32_t rgb,
                      uint32_t bg, fit_mode fit, double x, double w, double *y)
{
    PangoLayout *l = pango_cairo_create_layout(cr);
    PangoFontDescription *f = pango_font_description_from_string(FONT);
    pango_font_description_set_weight(f, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_single_paragraph_mode(l, TRUE);
    pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
    pango_layout_set_text(l, text, -1);
    int lw, lh;
    for (double pt = size_pt;; pt -= 0.5) { /* FIT_SHRINK: down to 3/4 of the size */
        pango_font_description_set_absolute_size(f, pt * PANGO_SCALE);
        pango_layout_set_font_description(l, f);
        pango_layout_set_width(l, -1);
        pango_layout_get_size(l, &lw, &lh);
        if (fit != FIT_SHRINK || lw <= w * PANGO_SCALE || pt - 0.5 < size_pt * 0.75)
            break;
    }
    pango_layout_set_width(l, (int)(w * PANGO_SCALE));
    pango_layout_set_ellipsize(l, fit == FIT_SHRINK ? PANGO_ELLIPSIZE_MIDDLE : PANGO_ELLIPSIZE_END);
    pango_layout_get_size(l, &lw, &lh);
    if (bg != NO_BACKGROUND) {
        PangoRectangle ink, logical;
        pango_layout_get_extents(l, &ink, &logical);
        const double pad = 1.5 * MM;
        set_rgb(cr, bg);
        cairo_rectangle(cr, x + (double)logical.x / PANGO_SCALE - 2 * pad, *y - pad / 2,
                        (double)logical.width / PANGO_SCALE + 4 * pad, (double)lh / PANGO_SCALE + pad);
        cairo_fill(cr);
    }
    set_rgb(cr, rgb);
    cairo_move_to(cr, x, *y);
    pango_cairo_show_layout(cr, l);
    *y += (double)lh / PANGO_SCALE + 0.8 * MM;
    pango_font_description_free(f);
    g_object_unref(l);
}

static const char *colour_words(hc_colour c)
{
    static const char *const words[] = {"绿码 GREEN", "黄码 YELLOW", "红码 RED"};
    return (unsigned)c < 3 ? words[c] : "?";
}

/* The end of validity for people, in the zone off: "2020年02月11日 09:00"
 * (zh) and "11 Feb 2020 09:00 (UTC+08:00)" (en); seconds only when there
 * are some. false outside years 1-9999. */
static bool validity_text(int64_t t, int32_t off, char zh[64], char en[64])
{
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int64_t day = hc_clock_local_day(t, off), y;
    unsigned m, d;
    hc_clock_civil_from_days(day, &y, &m, &d);
    if (y < 1 || y > 9999)
        return false;
    int64_t sec = t + off - day * HC_CLOCK_DAY_S;
    char hm[16], zone[16];
    if (sec % 60)
        snprintf(hm, sizeof hm, "%02d:%02d:%02d", (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
    else
        snprintf(hm, sizeof hm, "%02d:%02d", (int)(sec / 3600), (int)(sec / 60 % 60));
    int32_t a = off < 0 ? -off : off;
    snprintf(zone, sizeof zone, "UTC%c%02d:%02d", off < 0 ? '-' : '+', (int)(a / 3600), (int)(a / 60 % 60));
    snprintf(zh, 64, "%04d年%02u月%02u日 %s", (int)y, m, d, hm);
    snprintf(en, 64, "%u %s %04d %s (%s)", d, mon[m - 1], (int)y, hm, zone);
    return true;
}

/* The six lines under the code. */
static void draw_text(hc_sheet *s, const hc_claims *c, const char *label, double x, double w,
                      double y)
{
    char buf[200], zh[64], en[64];
    /* the colour word in black on a patch of the code's colour: the modules are
     * black (render.h), the band and this patch carry the colour */
    text_line(s->cr, colour_words(c->colour), 15, true, 0x000000, hc_render_band_rgb(c->colour), FIT_END,
              x, w, &y);
    y += 1.0 * MM;
    snprintf(buf, sizeof buf, "姓名 Name: %s", c->nam[0] ? c->nam : "—");
    text_line(s->cr, buf, 11, false, 0x000000, NO_BACKGROUND, FIT_SHRINK, x, w, &y);
    snprintf(buf, sizeof buf, "证件 ID: %s", c->doc[0] ? c->doc : "—");
    text_line(s->cr, buf, 9.5, false, 0x000000, NO_BACKGROUND, FIT_END, x, w, &y);
    if (!validity_text(c->exp, s->o.utc_offset_s, zh, en)) {
        hc_strlcpy(zh, "?", sizeof zh);
        hc_strlcpy(en, "?", sizeof en);
    }
    snprintf(buf, sizeof buf, "有效期至 %s", zh);
    text_line(s->cr, buf, 8.5, false, 0x000000, NO_BACKGROUND, FIT_END, x, w, &y);
    snprintf(buf, sizeof buf, "Valid until %s", en);
    text_line(s->cr, buf, 8.5, false, 0x000000, NO_BACKGROUND, FIT_END, x, w, &y);
    snprintf(buf, sizeof buf, "签发 Issuer %s%s%.40s", c->iss, label && *label ? " · " : "",
             label ? label : "");
    text_line(s->cr, buf, 7.5, false, 0x505050, NO_BACKGROUND, FIT_END, x, w, &y);
}

static hc_err draw_code(hc_sheet *s, const hc_claims *c, const hc_qr_matrix *m, const char *label)
{
    hc_sheet_cell cell;
    if (!hc_sheet_layout(s->o.per_page, s->on_page, hc_render_side(m, 2), &cell))
        return HC_E_LIMIT;
    draw_qr(s->cr, m, c->colour, cell.code_x, cell.code_y, cell.module);
    draw_text(s, c, label, cell.text_x, cell.text_w, cell.text_y);
    return cairo_err(cairo_status(s->cr));
}

/* What the sheet prints of a token is text a person reads: a name, number
 * or issuer holding a control character (a newline would print a false
 * line), a bidirectional control (U+202E prints it reversed) or an
 * invisible character is refused, the field named in *field. A token is
 * printed unverified: it may come from anyone. */
static hc_err printable(const hc_claims *c, const char **field, const char **what)
{
    const char *fields[] = {"nam", "doc", "iss"}, *values[] = {c->nam, c->doc, c->iss};
    for (int i = 0; i < 3; i++) {
        size_t at;
        if (hc_name_check(values[i], strlen(values[i]), &at, what) != HC_OK) {
            *field = fields[i];
            return HC_E_CLAIMS;
        }
    }
    return HC_OK;
}

/* hc_sheet_add, saying in diag (may be NULL) what of the token is refused. */
static hc_err sheet_add(hc_sheet *s, const char *token, const char *label, hc_diag *diag)
{
    if (!s || !token || s->finished)
        return HC_E_ARG;
    hc_claims c;
    hc_err err = hc_inspect(token, strlen(token), &c);
    if (err != HC_OK)
        return hc_diag_set(diag, err, "token", "%s", hc_strerror(err));
    const char *field = NULL, *what = NULL;
    if ((err = printable(&c, &field, &what)) != HC_OK)
        return hc_diag_set(diag, err, field, "the token's %s holds %s: not printed", field, what);
    hc_qr_matrix m;
    if ((err = hc_qr_encode(token, HC_ECC_M, &m)) != HC_OK)
        return hc_diag_set(diag, err, "token", "%s", hc_strerror(err));
    if (s->on_page == 0)
        err = page_begin(s);
    if (err == HC_OK)
        err = draw_code(s, &c, &m, label);
    hc_qr_matrix_free(&m);
    if (err == HC_OK && ++s->on_page == s->o.per_page)
        err = page_end(s);
    return err == HC_OK ? err : hc_diag_set(diag, err, "token", "%s", hc_strerror(err));
}

hc_err hc_sheet_add(hc_sheet *s, const char *token, const char *label)
{
    return sheet_add(s, token, label, NULL);
}

hc_err hc_sheet_finish(hc_sheet *s, unsigned long *pages)
{
    if (!s || s->finished)
        return HC_E_ARG;
    s->finished = true;
    hc_err err = s->on_page > 0 ? page_end(s) : HC_OK;
    if (s->o.format == HC_SHEET_PDF) {
        if (s->cr)
            cairo_destroy(s->cr);
        s->cr = NULL;
        cairo_surface_finish(s->surface);
        if (err == HC_OK)
            err = cairo_err(cairo_surface_status(s->surface));
        cairo_surface_destroy(s->surface);
        s->surface = NULL;
        if (err == HC_OK && s->pages > 0 && rename(s->tmp, s->path) != 0)
            err = HC_E_IO;
        if (err != HC_OK || s->pages == 0)
            unlink(s->tmp);
        free(s->tmp);
        s->tmp = NULL;
    }
    if (pages)
        *pages = s->pages;
    return err;
}

void hc_sheet_free(hc_sheet *s)
{
    if (!s)
        return;
    if (s->cr)
        cairo_destroy(s->cr);
    if (s->surface) {
        if (s->o.format == HC_SHEET_PDF)
            cairo_surface_finish(s->surface);
        cairo_surface_destroy(s->surface);
    }
    if (s->tmp) {
        unlink(s->tmp);
        free(s->tmp);
    }
    free(s->path);
    free(s);
}

/* ------------------------------------------------------------ tokens.jsonl */

/* One line of tokens.jsonl: its "line" and "token". A key twice is refused
 * (readers disagree on which one counts: jq and Python take the last). */
static hc_err jsonl_entry(const char *text, size_t n, long lineno, long long *line, char **token,
                          hc_diag *diag)
{
    hc_json_doc doc = {0};
    hc_err err = hc_json_parse(text, n, &doc);
    if (err != HC_OK) {
        hc_diag_set(diag, err, "", "line %ld: %s", lineno, doc.message);
        hc_json_doc_free(&doc);
        return err == HC_E_NOMEM ? err : HC_E_RECORD;
    }
    const hc_json *obj = NULL, *dup = hc_json_duplicate_key(doc.root, 64, &obj);
    if (dup) {
        err = hc_diag_set(diag, HC_E_RECORD, "", "line %ld: the key \"%.40s\" is repeated", lineno,
                          dup->type == HC_JSON_STRING ? dup->u.s : "");
        hc_json_doc_free(&doc);
        return err;
    }
    const hc_json *l = hc_json_get(doc.root, "line"), *t = hc_json_get(doc.root, "token");
    if (!l || l->type != HC_JSON_INTEGER || l->u.i < 1 || !t || t->type != HC_JSON_STRING ||
        strlen(t->u.s) != t->count) {
        hc_json_doc_free(&doc);
        return hc_diag_set(diag, HC_E_RECORD, "token", "line %ld: not a tokens.jsonl entry "
                           "(an object with \"line\" >= 1 and a \"token\" string)", lineno);
    }
    *line = l->u.i;
    *token = strdup(t->u.s);
    hc_json_doc_free(&doc);
    return *token ? HC_OK : HC_E_NOMEM;
}

static hc_err open_jsonl(const char *path, FILE **f, hc_diag *diag)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        return hc_diag_set(diag, HC_E_IO, "", "%s: %s", path,
                           fd < 0 ? strerror(errno) : "not a regular file");
    }
    if (!(*f = fdopen(fd, "r"))) {
        close(fd);
        return HC_E_NOMEM;
    }
    return HC_OK;
}

/* Reads one line of f into buf (LINE_MAX_BYTES), its newline cut, *n its
 * length. A NUL byte is part of the line (and refused by the caller), never
 * its end: a line is what lies between newlines. LINE_LONG: the line did
 * not fit (the rest of it is passed over); LINE_EOF: nothing was left. */
typedef enum { LINE_OK, LINE_LONG, LINE_EOF } line_read;
static line_read read_line(FILE *f, char *buf, size_t *n)
{
    size_t k = 0;
    int ch;
    while ((ch = getc(f)) != EOF && ch != '\n') {
        if (k == LINE_MAX_BYTES - 1) { /* too long: the rest is passed over */
            while ((ch = getc(f)) != EOF && ch != '\n')
                ;
            return LINE_LONG;
        }
        buf[k++] = (char)ch;
    }
    buf[k] = '\0';
    *n = k;
    return ch == EOF && k == 0 ? LINE_EOF : LINE_OK;
}

/* One line to s; a blank line is skipped. */
static hc_err sheet_line(hc_sheet *s, char *buf, size_t n, long lineno, hc_diag *diag)
{
    if (memchr(buf, '\0', n))
        return hc_diag_set(diag, HC_E_RECORD, "", "line %ld: holds a NUL byte", lineno);
    while (n && buf[n - 1] == '\r')
        buf[--n] = '\0';
    if (strspn(buf, " \t") == n)
        return HC_OK;
    long long line = 0;
    char *token = NULL, label[32];
    hc_err err = jsonl_entry(buf, n, lineno, &line, &token, diag);
    if (err != HC_OK)
        return err;
    snprintf(label, sizeof label, "line %lld", line);
    hc_diag d = {0};
    err = sheet_add(s, token, label, &d);
    free(token);
    return err == HC_OK ? err : hc_diag_set(diag, err, d.field, "line %ld: %s", lineno, d.message);
}

/* Feeds every entry of f to s, labelled with its input line. */
static hc_err sheet_jsonl(hc_sheet *s, FILE *f, char *buf, hc_diag *diag)
{
    size_t n = 0;
    long lineno = 1;
    for (line_read r; (r = read_line(f, buf, &n)) != LINE_EOF; lineno++) {
        hc_err err = r == LINE_LONG
                         ? hc_diag_set(diag, HC_E_RECORD, "", "line %ld: longer than 64 KiB", lineno)
                         : sheet_line(s, buf, n, lineno, diag);
        if (err != HC_OK) {
            if (diag)
                diag->line = lineno;
            return err;
        }
    }
    return ferror(f) ? HC_E_IO : HC_OK;
}

hc_err hc_sheet_from_jsonl(const char *jsonl, const char *out, const hc_sheet_opts *opts,
                           unsigned long *pages, hc_diag *diag)
{
    if (!jsonl || !out)
        return HC_E_ARG;
    FILE *f = NULL;
    hc_err err = open_jsonl(jsonl, &f, diag);
    if (err != HC_OK)
        return err;
    /* the output checked before a line is read: never renamed over a FIFO or device */
    if (!output_ok(out, opts && opts->format == HC_SHEET_PNG)) {
        fclose(f);
        return hc_diag_set(diag, HC_E_IO, "", "%s: not a %s: refused as the output", out,
                           opts && opts->format == HC_SHEET_PNG ? "directory" : "regular file");
    }
    hc_sheet *s = NULL;
    char *buf = malloc(LINE_MAX_BYTES);
    err = buf ? hc_sheet_new(out, opts, &s) : HC_E_NOMEM;
    if (err == HC_OK)
        err = sheet_jsonl(s, f, buf, diag);
    if (err == HC_OK)
        err = hc_sheet_finish(s, pages);
    hc_sheet_free(s);
    free(buf);
    fclose(f);
    return err;
}

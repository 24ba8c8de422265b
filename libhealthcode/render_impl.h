/* render_impl.h — what qr.c, png.c, svg.c and terminal.c share. Not installed.
 *
 * qr.c turns a token text into a module matrix; the three writers lay the
 * same picture out (band, quiet zone, modules) in their own formats. */
#ifndef HC_RENDER_IMPL_H
#define HC_RENDER_IMPL_H

#include <healthcode/render.h>

/* The quiet zone the QR specification asks for, in modules. */
#define HC_QUIET_ZONE 4

/* Bounds of hc_render_opts (render.h documents them). */
#define HC_SCALE_MIN 1
#define HC_SCALE_MAX 64
#define HC_BAND_MAX 16

/* A QR symbol as a square of modules: dark[y * width + x] is 1 for a dark
 * module, 0 for a light one. */
typedef struct {
    int version;           /* 1–40 */
    int width;             /* modules per side: 17 + 4 * version */
    unsigned char *dark;   /* width * width bytes, malloc'd */
} hc_qr_matrix;

/* Encodes text (QR alphanumeric set only, 1..HC_TOKEN_MAX characters) at the
 * smallest version that fits ecc. Errors: HC_E_ARG (NULL, empty, a character
 * outside the set, bad ecc), HC_E_LIMIT (too long for any version),
 * HC_E_NOMEM. On success release with hc_qr_matrix_free. */
hc_err hc_qr_encode(const char *text, hc_ecc ecc, hc_qr_matrix *out);

/* Releases m->dark and clears m. NULL is a no-op. */
void hc_qr_matrix_free(hc_qr_matrix *m);

/* Copies opts (or the defaults when NULL) into out after checking every
 * field. HC_E_ARG when one is out of range. */
hc_err hc_render_opts_check(const hc_render_opts *opts, hc_render_opts *out);

/* What a writer gets: the encoded matrix, the checked options (defaults
 * filled in), the colour, and the writer's own argument. */
typedef struct {
    const hc_qr_matrix *m;
    const hc_render_opts *o;
    hc_colour colour;
    const void *arg;
} hc_render_job;

/* One output format: makes the caller's output from j (allocating it, for
 * the caller to free) into *out, which is the caller's uint8_t ** or
 * char **, and its length into *len. */
typedef hc_err (*hc_render_writer)(const hc_render_job *j, void *out, size_t *len);

/* What every hc_render_* entry point does around its writer: checks that
 * the caller gave its output pointers (outputs_given false: HC_E_ARG),
 * colour and opts (defaults when opts is NULL), encodes text, calls write
 * with arg and releases the matrix. */
hc_err hc_render_run(const char *text, hc_colour colour, const hc_render_opts *opts,
                     bool outputs_given, hc_render_writer write, const void *arg, void *out,
                     size_t *len);

/* What is at module coordinate (x, y) of the whole picture, whose side is
 * m->width + 2 * HC_QUIET_ZONE + 2 * band modules. */
typedef enum { HC_CELL_BAND, HC_CELL_LIGHT, HC_CELL_DARK } hc_cell;

static inline int hc_render_side(const hc_qr_matrix *m, int band)
{
    return m->width + 2 * HC_QUIET_ZONE + 2 * band;
}

static inline hc_cell hc_render_cell(const hc_qr_matrix *m, int band, int x, int y)
{
    int side = hc_render_side(m, band);
    if (x < band || y < band || x >= side - band || y >= side - band)
        return HC_CELL_BAND;
    int qx = x - band - HC_QUIET_ZONE, qy = y - band - HC_QUIET_ZONE;
    if (qx < 0 || qy < 0 || qx >= m->width || qy >= m->width)
        return HC_CELL_LIGHT;
    return m->dark[(size_t)qy * (size_t)m->width + (size_t)qx] ? HC_CELL_DARK : HC_CELL_LIGHT;
}

/* The sRGB colour (0xRRGGBB) of a cell for colour c. */
uint32_t hc_render_cell_rgb(hc_colour c, hc_cell cell);

#endif

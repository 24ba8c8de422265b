/* svg.c — the QR picture as a standalone SVG document.
 *
 * The viewBox is in modules, so the picture scales without blur; the band is
 * one rect, the quiet zone and light modules one white rect on top of it, and
 * the dark modules ONE path of horizontal runs (a rect per module would make
 * documents ten times larger and slow to draw). */
#include "render_impl.h"
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    char *buf;
    size_t len, cap;   /* cap was computed up front as an upper bound */
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    /* The bound makes truncation impossible; stay safe if it ever were. */
    if (n > 0)
        b->len += (size_t)n < b->cap - b->len ? (size_t)n : b->cap - b->len - 1;
}

/* Number of horizontal runs of dark modules. */
static size_t count_runs(const hc_qr_matrix *m)
{
    size_t runs = 0;
    for (int y = 0; y < m->width; y++)
        for (int x = 0; x < m->width; x++)
            if (m->dark[(size_t)y * (size_t)m->width + (size_t)x] &&
                (x == 0 || !m->dark[(size_t)y * (size_t)m->width + (size_t)x - 1]))
                runs++;
    return runs;
}

/* The SVG writer of hc_render_run. */
static hc_err svg_writer(const hc_render_job *j, void *svg, size_t *len)
{
    const hc_qr_matrix *m = j->m;
    const hc_render_opts *o = j->o;
    int side = hc_render_side(m, o->band);
    int off = o->band + HC_QUIET_ZONE;   /* where the modules start */
    /* Every number is at most 5 digits (side <= 177 + 8 + 32, px <= side * 64):
     * 1024 bytes cover the fixed text, 32 each path segment. */
    sbuf b = {NULL, 0, 1024 + 32 * count_runs(m)};
    b.buf = malloc(b.cap);
    if (!b.buf)
        return HC_E_NOMEM;
    b.buf[0] = '\0';
    put(&b,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
        "viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">\n",
        side * o->scale, side * o->scale, side, side);
    if (o->band > 0)
        put(&b, "<rect width=\"%d\" height=\"%d\" fill=\"#%06X\"/>\n", side, side,
            (unsigned)hc_render_band_rgb(j->colour));
    put(&b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#FFFFFF\"/>\n", o->band, o->band,
        side - 2 * o->band, side - 2 * o->band);
    put(&b, "<path fill=\"#%06X\" d=\"", (unsigned)hc_render_module_rgb(j->colour));
    for (int y = 0; y < m->width; y++) {
        const unsigned char *row = m->dark + (size_t)y * (size_t)m->width;
        for (int x = 0; x < m->width;) {
            if (!row[x]) {
                x++;
                continue;
            }
            int start = x;
            while (x < m->width && row[x])
                x++;
            put(&b, "M%d %dh%dv1h-%dz", off + start, off + y, x - start, x - start);
        }
    }
    put(&b, "\"/>\n</svg>\n");
    *(char **)svg = b.buf;
    *len = b.len;
    return HC_OK;
}

hc_err hc_render_svg(const char *text, hc_colour colour, const hc_render_opts *opts, char **svg,
                     size_t *len)
{
    return hc_render_run(text, colour, opts, svg && len, svg_writer, NULL, svg, len);
}

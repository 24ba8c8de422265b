/* terminal.c — the QR picture as UTF-8 text for a terminal.
 *
 * A character cell is about twice as tall as it is wide, so each text line
 * carries two module rows, in half blocks. Without colour, light modules are
 * printed as block characters (the terminal's foreground, light on a typical
 * dark terminal) and dark modules as spaces (its background): a scanner sees
 * dark modules on light. The band cannot be shown without colour, so only the
 * quiet zone and the code are drawn. With ansi, every cell is an upper half
 * block whose 24-bit foreground is the upper module's colour and background
 * the lower one's, band included, and each line ends with a reset. */
#include "render_impl.h"
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UPPER "\xE2\x96\x80"   /* ▀ U+2580 */
#define LOWER "\xE2\x96\x84"   /* ▄ U+2584 */
#define FULL "\xE2\x96\x88"    /* █ U+2588 */
#define RESET "\x1b[0m"

/* Longest escape: "\x1b[38;2;255;255;255m" is 19 bytes. */
#define ESC_MAX 19

typedef struct {
    char *buf;
    size_t len;
} tbuf;   /* sized up front, so appends need no check */

static void put(tbuf *t, const char *s)
{
    size_t n = strlen(s);
    memcpy(t->buf + t->len, s, n);
    t->len += n;
}

static void put_rgb(tbuf *t, int layer, uint32_t rgb)
{
    t->len += (size_t)sprintf(t->buf + t->len, "\x1b[%d;2;%u;%u;%um", layer, (unsigned)(rgb >> 16) & 255,
                              (unsigned)(rgb >> 8) & 255, (unsigned)rgb & 255);
}

static void plain(tbuf *t, const hc_qr_matrix *m)
{
    /* Coordinates of the picture without the band: band = 0. */
    int side = hc_render_side(m, 0);
    for (int y = 0; y < side; y += 2) {
        for (int x = 0; x < side; x++) {
            bool top = hc_render_cell(m, 0, x, y) != HC_CELL_DARK;
            /* Below the last row is the terminal's background: "dark". */
            bool bottom = y + 1 < side && hc_render_cell(m, 0, x, y + 1) != HC_CELL_DARK;
            put(t, top ? (bottom ? FULL : UPPER) : (bottom ? LOWER : " "));
        }
        put(t, "\n");
    }
}

static void coloured(tbuf *t, const hc_qr_matrix *m, hc_colour c, int band)
{
    int side = hc_render_side(m, band);
    for (int y = 0; y < side; y += 2) {
        uint32_t fg = UINT32_MAX, bg = UINT32_MAX;   /* none set on this line yet */
        for (int x = 0; x < side; x++) {
            uint32_t top = hc_render_cell_rgb(c, hc_render_cell(m, band, x, y));
            if (top != fg)
                put_rgb(t, 38, fg = top);
            if (y + 1 < side) {
                uint32_t bottom = hc_render_cell_rgb(c, hc_render_cell(m, band, x, y + 1));
                if (bottom != bg)
                    put_rgb(t, 48, bg = bottom);
            } else if (x == 0) {
                put(t, "\x1b[49m");   /* odd last row: the terminal's own background below */
            }
            put(t, UPPER);
        }
        put(t, RESET "\n");
    }
}

/* The terminal writer of hc_render_run; arg points to the bool ansi. */
static hc_err terminal_writer(const hc_render_job *j, void *out, size_t *len)
{
    bool ansi = *(const bool *)j->arg;
    size_t side = (size_t)hc_render_side(j->m, ansi ? j->o->band : 0);
    size_t lines = (side + 1) / 2;
    /* Per cell: a 3-byte glyph, plus two escapes with colour; per line a
     * reset and a newline. */
    size_t per_cell = ansi ? 3 + 2 * ESC_MAX : 3;
    size_t cap = lines * (side * per_cell + sizeof RESET + sizeof "\x1b[49m" + 1) + 1;
    tbuf t = {malloc(cap), 0};
    if (!t.buf)
        return HC_E_NOMEM;
    if (ansi)
        coloured(&t, j->m, j->colour, j->o->band);
    else
        plain(&t, j->m);
    t.buf[t.len] = '\0';
    *(char **)out = t.buf;
    *len = t.len;
    return HC_OK;
}

hc_err hc_render_terminal(const char *text, hc_colour colour, const hc_render_opts *opts, bool ansi,
                          char **out, size_t *len)
{
    return hc_render_run(text, colour, opts, out && len, terminal_writer, &ansi, out, len);
}

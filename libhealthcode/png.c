/* png.c — the QR picture as a 2-bit palette PNG, written to memory with libpng.
 *
 * Three colours (band, light, dark) fit a 2-bit palette: a quarter of a byte
 * a pixel instead of three, so deflate has 12 times less to read, and at
 * level 1 with the "up" filter (repeated rows become zeros) a code costs
 * about what libqrencode took to encode it. Every viewer and zbar expand a
 * palette.
 *
 * libpng reports errors by longjmp. The setjmp lives in write_png(), which
 * touches only memory its caller (hc_render_png) owns, so nothing that must
 * be freed is a local of the function that called setjmp: after a longjmp
 * the caller frees everything, whatever the state. Errors and warnings go to
 * our handlers, which never print. */
#include "render_impl.h"
#include "internal.h"

#include "png_impl.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint8_t *buf;       /* the PNG so far */
    size_t len, cap;
    bool nomem;         /* the error was an allocation failure */
    uint8_t *row;       /* one image row, 4 pixels a byte */
} png_out;

static void on_write(png_structp png, png_bytep data, size_t n)
{
    png_out *o = png_get_io_ptr(png);
    if (n > o->cap - o->len) {
        size_t cap = o->cap ? o->cap : 4096;
        while (n > cap - o->len) {
            if (cap > SIZE_MAX / 2) {
                o->nomem = true;
                png_error(png, "PNG too large");
            }
            cap *= 2;
        }
        uint8_t *nb = realloc(o->buf, cap);
        if (!nb) {
            o->nomem = true;
            png_error(png, "out of memory");
        }
        o->buf = nb;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, data, n);
    o->len += n;
}

static void on_flush(png_structp png)
{
    (void)png;
}

/* Fills row with one pixel row of module row my of the picture: palette
 * index = hc_cell value, 2 bits a pixel, leftmost pixel in the high bits. */
static void fill_row(uint8_t *row, size_t row_bytes, const hc_qr_matrix *m,
                     const hc_render_opts *opts, int side, int my)
{
    memset(row, 0, row_bytes);
    size_t x = 0;
    for (int mx = 0; mx < side; mx++) {
        unsigned cell = (unsigned)hc_render_cell(m, opts->band, mx, my);
        for (int k = 0; k < opts->scale; k++, x++)
            row[x >> 2] |= (uint8_t)(cell << (6 - 2 * (x & 3)));
    }
}

/* Returns 0 on success, 1 when libpng failed (o->nomem says why). */
static int write_png(png_structp png, png_infop info, png_out *o, const hc_qr_matrix *m, hc_colour c,
                     const hc_render_opts *opts)
{
    if (setjmp(png_jmpbuf(png)))
        return 1;
    int side = hc_render_side(m, opts->band);
    png_uint_32 px = (png_uint_32)side * (png_uint_32)opts->scale;
    size_t row_bytes = ((size_t)px + 3) / 4;
    png_set_write_fn(png, o, on_write, on_flush);
    png_set_IHDR(png, info, px, px, 2, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_color pal[3];
    for (int i = 0; i < 3; i++) {   /* indexed by hc_cell */
        uint32_t rgb = hc_render_cell_rgb(c, (hc_cell)i);
        pal[i].red = (png_byte)(rgb >> 16);
        pal[i].green = (png_byte)(rgb >> 8);
        pal[i].blue = (png_byte)rgb;
    }
    png_set_PLTE(png, info, pal, 3);
    /* The "up" filter turns each repeated row into zeros; level 1 is
     * enough for data this regular (a default code is about 2 kB). */
    png_set_filter(png, 0, PNG_FILTER_UP);
    png_set_compression_level(png, 1);
    /* A 2 kB window reaches a dozen rows back, all the repetition there is;
     * zlib's default 256 kB of state would be mapped and zeroed per image. */
    png_set_compression_window_bits(png, 11);
    png_set_compression_mem_level(png, 4);
    png_set_compression_strategy(png, 3 /* Z_RLE */);
    png_write_info(png, info);
    for (int my = 0; my < side; my++) {
        fill_row(o->row, row_bytes, m, opts, side, my);
        for (int k = 0; k < opts->scale; k++)
            png_write_row(png, o->row);
    }
    png_write_end(png, info);
    return 0;
}

/* The PNG writer of hc_render_run. */
static hc_err png_writer(const hc_render_job *j, void *dest, size_t *len)
{
    size_t px = (size_t)hc_render_side(j->m, j->o->band) * (size_t)j->o->scale;
    if (px > HC_RENDER_MAX_SIDE)
        return HC_E_LIMIT;
    png_out out = {0};
    png_structp p = NULL;
    png_infop info = NULL;
    hc_err err = HC_OK;
    out.row = malloc((px + 3) / 4);
    if (!out.row) {
        err = HC_E_NOMEM;
        goto done;
    }
    p = png_create_write_struct(PNG_LIBPNG_VER_STRING, &out.nomem, hc_png_on_error,
                                hc_png_on_warning);
    if (p)
        info = png_create_info_struct(p);
    if (!p || !info) {
        err = HC_E_NOMEM;
        goto done;
    }
    if (write_png(p, info, &out, j->m, j->colour, j->o) != 0) {
        err = out.nomem ? HC_E_NOMEM : HC_E_IMAGE;
        goto done;
    }
    *(uint8_t **)dest = out.buf;
    *len = out.len;
    out.buf = NULL;
done:
    png_destroy_write_struct(&p, &info);
    free(out.buf);
    free(out.row);
    return err;
}

hc_err hc_render_png(const char *text, hc_colour colour, const hc_render_opts *opts, uint8_t **png,
                     size_t *len)
{
    return hc_render_run(text, colour, opts, png && len, png_writer, NULL, png, len);
}

/* scan.c — reading a QR code back from a PNG: libpng decodes to 8-bit gray,
 * frame.c's decoder (zxing-cpp or zbar) finds the code. Built only when
 * libpng is (the CLI's convenience; a scanner's firmware reads frames with
 * hc_scan_frame).
 *
 * The PNG is untrusted: its dimensions are bounded before anything is
 * allocated for them (png_set_user_limits, then width * height against
 * HC_SCAN_MAX_PIXELS), chunk sizes are bounded, and every libpng error ends in
 * a longjmp to decode(), which touches only memory its caller owns, so the
 * caller frees everything whatever the state. Nothing is printed. */
#include "internal.h"
#include "scan_impl.h"

#include <healthcode/scan.h>
#include "png_impl.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>

/* A side longer than this is refused by libpng while reading the header. A
 * square of HC_SCAN_MAX_PIXELS is 8192 pixels a side; allow thin images up to
 * twice that. */
#define SIDE_MAX 16384u
/* No ancillary chunk we care about is big; stops a 2 GiB iCCP/zTXt bomb. */
#define CHUNK_MAX (1u << 20)
/* The PNG itself, as hc_scan_png_file reads it. */
#define FILE_MAX ((size_t)64 * 1024 * 1024)

typedef struct {
    const uint8_t *in;      /* the PNG */
    size_t in_len, in_pos;
    bool nomem;             /* the error was an allocation failure */
    uint8_t *gray;          /* width * height bytes, one a pixel */
    png_bytep *rows;
    png_uint_32 width, height;
} png_in;

static void on_read(png_structp png, png_bytep data, size_t n)
{
    png_in *c = png_get_io_ptr(png);
    if (n > c->in_len - c->in_pos)
        png_error(png, "truncated PNG");
    memcpy(data, c->in + c->in_pos, n);
    c->in_pos += n;
}

/* Whatever the colour type and depth, ask libpng for 8-bit gray, with an
 * alpha channel when the image has transparency. Returns the channels (1, 2). */
static int to_gray8(png_structp png, png_infop info)
{
    int type = png_get_color_type(png, info);
    bool alpha = (type & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS);
    png_set_expand(png);        /* palette to RGB, gray 1/2/4 to 8, tRNS to alpha */
    png_set_strip_16(png);
    if (type & PNG_COLOR_MASK_COLOR)   /* RGB, RGBA, palette */
        png_set_rgb_to_gray_fixed(png, 1, -1, -1);   /* 1: silently; default weights */
    png_set_interlace_handling(png);
    return alpha ? 2 : 1;
}

/* Transparent pixels are composited on white, in place: a code drawn on a
 * transparent background (dark modules, alpha 0 elsewhere) stays readable,
 * where stripping the alpha would leave black on black. */
static void flatten_alpha(uint8_t *px, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned g = px[2 * i], a = px[2 * i + 1];
        px[i] = (uint8_t)((g * a + 255u * (255u - a) + 127u) / 255u);
    }
}

/* Returns 0 with c->gray filled, 1 on a libpng error, 2 on a bad size. */
static int decode(png_structp png, png_infop info, png_in *c)
{
    if (setjmp(png_jmpbuf(png)))
        return 1;
    png_set_read_fn(png, c, on_read);
    png_set_user_limits(png, SIDE_MAX, SIDE_MAX);
    png_set_chunk_malloc_max(png, CHUNK_MAX);
    /* libpng allocates and zeroes a text or metadata chunk's whole declared
     * length before reading it, and over CHUNK_MAX it only warns: a 69-byte
     * PNG declaring a 2 GB zTXt cost 2 GB and seconds (found by fuzz_scan).
     * None of these matter to a scan: they are skipped, bounded by the input. */
    static const png_byte skip[] = "tEXt\0zTXt\0iTXt\0sPLT\0pCAL\0sCAL\0eXIf\0iCCP";
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, skip, (int)(sizeof skip / 5));
    png_read_info(png, info);
    c->width = png_get_image_width(png, info);
    c->height = png_get_image_height(png, info);
    if (c->width == 0 || c->height == 0 || (uint64_t)c->width * c->height > HC_SCAN_MAX_PIXELS)
        return 2;
    int channels = to_gray8(png, info);
    png_read_update_info(png, info);
    if (png_get_bit_depth(png, info) != 8 || png_get_channels(png, info) != channels ||
        png_get_rowbytes(png, info) != (size_t)c->width * (size_t)channels)
        return 2;   /* a transformation we did not expect: refuse rather than misread */
    size_t pixels = (size_t)c->width * c->height;
    c->gray = malloc(pixels * (size_t)channels);
    c->rows = malloc(c->height * sizeof *c->rows);
    if (!c->gray || !c->rows) {
        c->nomem = true;
        return 1;
    }
    for (png_uint_32 y = 0; y < c->height; y++)
        c->rows[y] = c->gray + (size_t)y * c->width * (size_t)channels;
    png_read_image(png, c->rows);
    png_read_end(png, NULL);
    if (channels == 2)
        flatten_alpha(c->gray, pixels);
    return 0;
}

hc_err hc_scan_png(const uint8_t *png, size_t len, char *text, size_t cap, size_t *len_out)
{
    if (!png || !text || !len_out)
        return HC_E_ARG;
    if (cap > 0)
        text[0] = '\0';   /* never leave the caller a stale text on error */
    if (len < 8 || png_sig_cmp(png, 0, 8) != 0)
        return HC_E_IMAGE;
    png_in c = {.in = png, .in_len = len};
    hc_err err;
    png_structp p = png_create_read_struct(PNG_LIBPNG_VER_STRING, &c.nomem, hc_png_on_error,
                                               hc_png_on_warning);
    png_infop info = p ? png_create_info_struct(p) : NULL;
    if (!p || !info) {
        err = HC_E_NOMEM;
        goto done;
    }
    switch (decode(p, info, &c)) {
    case 0: err = hc_scan_gray(c.gray, c.width, c.height, text, cap, len_out); break;
    case 1: err = c.nomem ? HC_E_NOMEM : HC_E_IMAGE; break;
    default: err = HC_E_IMAGE; break;
    }
done:
    png_destroy_read_struct(&p, &info, NULL);
    free(c.rows);
    free(c.gray);
    return err;
}

hc_err hc_scan_png_file(const char *path, char *text, size_t cap, size_t *len_out)
{
    if (!path || !text || !len_out)
        return HC_E_ARG;
    char *data;
    size_t len;
    hc_err err = hc_read_file(path, FILE_MAX, &data, &len);
    if (err == HC_E_LIMIT)
        return HC_E_IMAGE;   /* scan.h: a too-large image is HC_E_IMAGE */
    if (err != HC_OK)
        return err;
    err = hc_scan_png((const uint8_t *)data, len, text, cap, len_out);
    free(data);
    return err;
}

/*
 * healthcode/render.h — the QR image of a token (libqrencode, libpng).
 *
 * The text is encoded in alphanumeric mode (the token alphabet is base45's,
 * which is the QR alphanumeric set), at the smallest version that fits the
 * chosen error-correction level, with a quiet zone of 4 modules. Modules are
 * black on white in every colour, and a band of the code's colour surrounds
 * the quiet zone, so a person sees the colour at a glance and a scanner reads
 * every colour as it reads black on white, whichever channel its camera sees
 * (a grey sensor, a red-LED light, JPEG, noise: measured by
 * tests/scan_robust.c). The band does not change what a scanner reads.
 */
#ifndef HEALTHCODE_RENDER_H
#define HEALTHCODE_RENDER_H

#include <healthcode/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { HC_ECC_L = 0, HC_ECC_M = 1, HC_ECC_Q = 2, HC_ECC_H = 3 } hc_ecc;

/* Parses "L", "M", "Q" or "H" (case-insensitive). */
HC_API hc_err hc_ecc_parse(const char *s, hc_ecc *out) HC_WARN_UNUSED;

typedef struct {
    int scale;      /* pixels per module, 1–64 (PNG) */
    hc_ecc ecc;     /* error correction level */
    int band;       /* width of the coloured band, in modules, 0–16 */
} hc_render_opts;

/* ECC M, 8 pixels a module, a band of 2 modules. */
#define HC_RENDER_OPTS_DEFAULT { 8, HC_ECC_M, 2 }

/* The largest PNG side, in pixels: (modules + 8 + 2 * band) * scale must not
 * exceed it (HC_E_LIMIT), so that every PNG rendered here is small enough for
 * hc_scan_png (8192 * 8192 = HC_SCAN_MAX_PIXELS). */
#define HC_RENDER_MAX_SIDE 8192

/* The QR version (1–40) the text needs at ecc. HC_E_LIMIT if none fits. */
HC_API hc_err hc_qr_version(const char *text, hc_ecc ecc, int *version) HC_WARN_UNUSED;

/* Renders text as a PNG with a 3-colour palette (2 bits a pixel: band,
 * light, dark in the colours below). *png is allocated; free with hc_free().
 * opts NULL means HC_RENDER_OPTS_DEFAULT.
 * The image is (modules + 2 * 4 + 2 * band) * scale pixels square.
 * Errors: HC_E_ARG (text not in the alphanumeric set, bad opts or colour),
 * HC_E_LIMIT (text longer than HC_TOKEN_MAX or than version 40 holds at ecc,
 * or image side above HC_RENDER_MAX_SIDE), HC_E_NOMEM, HC_E_IMAGE (libpng failed). */
HC_API hc_err hc_render_png(const char *text, hc_colour colour, const hc_render_opts *opts,
                            uint8_t **png, size_t *len) HC_WARN_UNUSED;

/* Renders text as an SVG document (one path for the modules, scale-free).
 * *svg is NUL-terminated and allocated; free with hc_free(). */
HC_API hc_err hc_render_svg(const char *text, hc_colour colour, const hc_render_opts *opts,
                            char **svg, size_t *len) HC_WARN_UNUSED;

/* Renders text for a UTF-8 terminal: two module rows per line in half blocks
 * (▀ ▄ █ and space), with a quiet zone, dark modules printed as spaces on a
 * light background so it scans from a dark terminal; colour = ANSI 24-bit
 * colour escapes for the band, or none if ansi is false.
 * *out is NUL-terminated and allocated; free with hc_free(). */
HC_API hc_err hc_render_terminal(const char *text, hc_colour colour, const hc_render_opts *opts,
                                 bool ansi, char **out, size_t *len) HC_WARN_UNUSED;

/* The sRGB colours used (0xRRGGBB): the colour of the band, and that of the
 * modules (black, 0x000000, for every colour). 0 for a colour outside
 * hc_colour. */
HC_API uint32_t hc_render_band_rgb(hc_colour colour);
HC_API uint32_t hc_render_module_rgb(hc_colour colour);

#ifdef __cplusplus
}
#endif
#endif

/* qr.c — token text to QR modules (libqrencode), the colour table and the
 * checks every writer shares. */
#include "render_impl.h"
#include "internal.h"

#include <errno.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * The colours, in one place. The band is the full colour a person reads at a
 * glance; the modules are black in every colour, because a scanner reads
 * one channel or the luma, and any tint dark enough to be seen as a colour is
 * lighter than black in some channel: the former shades (#0B4D22, #5C4A00,
 * #6B0F12) lost 30-58 % of their darkness in one of R, G, B or Y, and under
 * sensor noise, heavy JPEG or dim light read in half as many frames as black
 * on white (tests/scan_robust.c, README "Scanning"). Measured there: even a
 * neutral #181818 costs a quarter of the reads at the noise edge; black
 * costs none, and the band costs none whatever its colour.
 *   band       R    G    B    Y (BT.601 luma, 0-255)
 *   green   #1FA34A  31  163  74  113
 *   yellow  #F7C600 247  198   0  190
 *   red     #E0262B 224   38  43  94
 * Contrast of module to white: 21:1 (WCAG 2) in every colour and channel.
 */
static const struct {
    uint32_t band, module;
} colours[] = {
    [HC_GREEN] = {0x1FA34A, 0x000000},
    [HC_YELLOW] = {0xF7C600, 0x000000},
    [HC_RED] = {0xE0262B, 0x000000},
};

#define LIGHT_RGB 0xFFFFFFu

uint32_t hc_render_band_rgb(hc_colour colour)
{
    return (unsigned)colour <= HC_RED ? colours[colour].band : 0;
}

uint32_t hc_render_module_rgb(hc_colour colour)
{
    return (unsigned)colour <= HC_RED ? colours[colour].module : 0;
}

uint32_t hc_render_cell_rgb(hc_colour c, hc_cell cell)
{
    switch (cell) {
    case HC_CELL_BAND: return hc_render_band_rgb(c);
    case HC_CELL_DARK: return hc_render_module_rgb(c);
    case HC_CELL_LIGHT: break;
    }
    return LIGHT_RGB;
}

hc_err hc_ecc_parse(const char *s, hc_ecc *out)
{
    static const char names[] = "LMQH";   /* in hc_ecc order */
    if (!s || !out || s[0] == '\0' || s[1] != '\0')
        return HC_E_ARG;
    const char *p = strchr(names, s[0] & ~0x20);   /* ASCII upper case */
    if (!p || *p == '\0')
        return HC_E_ARG;
    *out = (hc_ecc)(p - names);
    return HC_OK;
}

hc_err hc_render_opts_check(const hc_render_opts *opts, hc_render_opts *out)
{
    static const hc_render_opts def = HC_RENDER_OPTS_DEFAULT;
    if (!out)
        return HC_E_ARG;
    const hc_render_opts *o = opts ? opts : &def;
    if (o->scale < HC_SCALE_MIN || o->scale > HC_SCALE_MAX || o->band < 0 || o->band > HC_BAND_MAX ||
        (unsigned)o->ecc > HC_ECC_H)
        return HC_E_ARG;
    *out = *o;
    return HC_OK;
}

hc_err hc_render_run(const char *text, hc_colour colour, const hc_render_opts *opts,
                     bool outputs_given, hc_render_writer write, const void *arg, void *out,
                     size_t *len)
{
    if (!outputs_given || (unsigned)colour > HC_RED)
        return HC_E_ARG;
    hc_render_opts o;
    hc_err err = hc_render_opts_check(opts, &o);
    hc_qr_matrix m;
    if (err != HC_OK || (err = hc_qr_encode(text, o.ecc, &m)) != HC_OK)
        return err;
    const hc_render_job j = {&m, &o, colour, arg};
    err = write(&j, out, len);
    hc_qr_matrix_free(&m);
    return err;
}

/* The token alphabet is base45's, which is exactly QR's alphanumeric set:
 * checked here so that libqrencode never has to guess a mode. */
static bool is_alnum_set(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c != '\0' && strchr(" $%*+-./:", c));
}

static hc_err check_text(const char *text, size_t *len)
{
    if (!text)
        return HC_E_ARG;
    /* Bounded scan: never walk past HC_TOKEN_MAX + 1 characters. */
    size_t n = strnlen(text, (size_t)HC_TOKEN_MAX + 1);
    if (n > HC_TOKEN_MAX)
        return HC_E_LIMIT;
    if (n == 0)
        return HC_E_ARG;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum_set(text[i]))
            return HC_E_ARG;
    *len = n;
    return HC_OK;
}

static QRcode *encode(const char *text, size_t len, hc_ecc ecc, hc_err *err)
{
    static const QRecLevel levels[] = {QR_ECLEVEL_L, QR_ECLEVEL_M, QR_ECLEVEL_Q, QR_ECLEVEL_H};
    QRinput *in = QRinput_new2(0, levels[ecc]);   /* version 0: the smallest that fits */
    if (!in) {
        *err = HC_E_NOMEM;
        return NULL;
    }
    QRcode *qr = NULL;
    errno = 0;
    if (QRinput_append(in, QR_MODE_AN, (int)len, (const unsigned char *)text) != 0) {
        *err = errno == ENOMEM ? HC_E_NOMEM : HC_E_ARG;
        goto done;
    }
    errno = 0;
    qr = QRcode_encodeInput(in);
    if (!qr)   /* ERANGE: the text does not fit version 40 at this level */
        *err = errno == ENOMEM ? HC_E_NOMEM : errno == ERANGE ? HC_E_LIMIT : HC_E_ARG;
done:
    QRinput_free(in);
    return qr;
}

hc_err hc_qr_encode(const char *text, hc_ecc ecc, hc_qr_matrix *out)
{
    if (!out || (unsigned)ecc > HC_ECC_H)
        return HC_E_ARG;
    memset(out, 0, sizeof *out);
    size_t len;
    hc_err err = check_text(text, &len);
    if (err != HC_OK)
        return err;
    QRcode *qr = encode(text, len, ecc, &err);
    if (!qr)
        return err;
    size_t n = (size_t)qr->width * (size_t)qr->width;
    unsigned char *dark = malloc(n);
    if (!dark) {
        QRcode_free(qr);
        return HC_E_NOMEM;
    }
    /* libqrencode packs flags into each byte; bit 0 is "dark". */
    for (size_t i = 0; i < n; i++)
        dark[i] = qr->data[i] & 1;
    out->version = qr->version;
    out->width = qr->width;
    out->dark = dark;
    QRcode_free(qr);
    return HC_OK;
}

void hc_qr_matrix_free(hc_qr_matrix *m)
{
    if (!m)
        return;
    free(m->dark);
    memset(m, 0, sizeof *m);
}

hc_err hc_qr_version(const char *text, hc_ecc ecc, int *version)
{
    if (!version)
        return HC_E_ARG;
    hc_qr_matrix m;
    hc_err err = hc_qr_encode(text, ecc, &m);
    if (err != HC_OK)
        return err;
    *version = m.version;
    hc_qr_matrix_free(&m);
    return HC_OK;
}

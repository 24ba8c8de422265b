/* cmd_render.c — `healthcode render`: a token as a QR code (PNG, SVG, terminal). */
#include "cli.h"
#include "cmd.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_render[] =
    "usage: healthcode render [--png OUT|--svg OUT|--terminal] [--scale N] [--ecc L|M|Q|H]\n"
    "                         [--colour C] TOKEN|-\n"
    "\n"
    "Renders a token as a QR code in the token's colour (read from the token, which\n"
    "is not verified), alphanumeric mode, quiet zone of 4 modules.\n"
    "\n"
    "  --png FILE     write a PNG (- for stdout)\n"
    "  --svg FILE     write an SVG (- for stdout)\n"
    "  --terminal     print it with UTF-8 half blocks (the default on a terminal)\n"
    "  --scale N      pixels per module in the PNG, 1-64 (default 8)\n"
    "  --ecc LEVEL    error correction L, M (default), Q or H\n"
    "  --colour C     draw in this colour instead of the token's\n";

#if HC_WITH_RENDER
/* Draws text in colour: a PNG to png, an SVG to svg, or (neither) UTF-8
 * blocks on stdout, with ANSI colour on a terminal unless NO_COLOR is set. */
static int draw(const char *text, hc_colour colour, const hc_render_opts *ro, const char *png,
                const char *svg)
{
    if (png)
        return cli_write_png("render", png, text, colour, ro);
    char *out = NULL;
    size_t len = 0;
    int rc = 0;
    hc_err e = svg ? hc_render_svg(text, colour, ro, &out, &len)
                   : hc_render_terminal(text, colour, ro,
                                        isatty(STDOUT_FILENO) && !getenv("NO_COLOR"), &out, &len);
    if (e) {
        cli_error("render: cannot render the QR code: %s", hc_strerror(e));
        rc = EX_INPUT;
    } else if (svg) {
        int w = cli_write_atomic(svg, out, len, 0644);
        if (w) {
            cli_error("%s: %s", svg, strerror(w));
            rc = EX_INPUT;
        }
    } else if (fwrite(out, 1, len, stdout) != len || fflush(stdout) != 0) {
        rc = EX_INPUT;
    }
    hc_free(out);
    return rc;
}
#endif

int cmd_render(int argc, char **argv)
{
    enum { O_TERM = 1, O_SCALE, O_COLOUR };
    const char *val, *png = NULL, *svg = NULL, *arg = NULL, *ecc = NULL;
    const cli_opt opts[] = {
        {"png", true, 0, &png}, {"svg", true, 0, &svg}, {"ecc", true, 0, &ecc},
        {"terminal", false, O_TERM, NULL}, {"scale", true, O_SCALE, NULL},
        {"colour", true, O_COLOUR, NULL}, {"color", true, O_COLOUR, NULL}, {NULL, false, 0, NULL}};
    cli_args a;
    cli_args_init(&a, "render", usage_render, argc, argv);
    cli_args_operand(&a, "token", "the text, or - for standard input", &arg);
    bool term = false, fixed = false;
    hc_colour colour = HC_GREEN;
    long scale = 0;
    for (int id; (id = cli_next(&a, opts, &val)) != CLI_END;) {
        switch (id) {
        case O_TERM: term = true; break;
        case O_SCALE: {
            char *end;
            scale = strtol(val, &end, 10);
            if (*end || end == val || scale < 1 || scale > 64)
                return cli_usage_error("render", "--scale: '%s' is not a number from 1 to 64", val);
            break;
        }
        case O_COLOUR:
            if (hc_colour_parse(val, &colour))
                return cli_usage_error("render", "--colour: '%s' is not green, yellow or red", val);
            fixed = true;
            break;
        default: return cli_stop(id);
        }
    }
    if (cli_operand_missing(&a))
        return EX_USAGE;
    if ((png != NULL) + (svg != NULL) + term > 1)
        return cli_usage_error("render", "choose one of --png, --svg and --terminal");
#if !HC_WITH_RENDER
    (void)scale;
    (void)ecc;
    (void)colour;
    (void)fixed;
    return cli_usage_error("render", "this build has no render support (meson -Drender)");
#else
    if (!png && !svg && !term) {
        if (!isatty(STDOUT_FILENO))
            return cli_usage_error("render", "stdout is not a terminal: give --png FILE, --svg FILE "
                                             "or --terminal");
        term = true;
    }
    hc_render_opts ro = HC_RENDER_OPTS_DEFAULT;
    if (scale)
        ro.scale = (int)scale;
    if (ecc && hc_ecc_parse(ecc, &ro.ecc))
        return cli_usage_error("render", "--ecc: '%s' is not L, M, Q or H", ecc);

    cli_token *t = malloc(sizeof *t);
    if (!t)
        return EX_INPUT;
    int rc = cli_token_from_arg("render", arg, t);
    if (!rc && !fixed) {
        hc_claims c;
        hc_err e = hc_inspect(t->text, t->len, &c);
        if (e) {
            cli_error("render: %s (%s); give --colour to draw it anyway", hc_strerror(e),
                      hc_err_name(e));
            rc = cli_exit_for(e);
        } else {
            colour = c.colour;
        }
    }
    if (!rc)
        rc = draw(t->text, colour, &ro, png, svg);
    free(t);
    return rc;
#endif
}

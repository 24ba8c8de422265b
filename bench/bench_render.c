/*
 * bench_render.c — rendering and scanning rates against bare libqrencode.
 *
 * Baseline: QRcode_encodeInput of the same 240-character text in
 * alphanumeric mode at ECC M, the work every renderer must do. Reported for
 * each: calls per second and the ratio to the baseline (how many encodes one
 * call costs). Then hc_scan_png on the default PNG and on the largest one
 * (64 px a module), and whether zbar reads each ECC level at 1 px a module.
 *
 * Run: build/bench/bench_render [seconds-per-case]
 */
#include <healthcode/render.h>
#include <healthcode/scan.h>

#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_NAME "bench_render"
#include "bench_util.h"

static char text[241];
static uint8_t *scan_png;
static size_t scan_len;

static void make_text(void)
{
    static const char b45[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    unsigned s = 12345;
    memcpy(text, "HCODE1:", 7);
    for (int i = 7; i < 240; i++) {
        s = s * 1103515245u + 12345u;
        text[i] = b45[(s >> 16) % 45];
    }
}

static void run_bare(void)
{
    QRinput *in = QRinput_new2(0, QR_ECLEVEL_M);
    if (!in || QRinput_append(in, QR_MODE_AN, 240, (const unsigned char *)text) != 0)
        bench_die("QRinput");
    QRcode *qr = QRcode_encodeInput(in);
    if (!qr)
        bench_die("QRcode_encodeInput");
    QRcode_free(qr);
    QRinput_free(in);
}

static void run_png(void)
{
    uint8_t *p;
    size_t n;
    if (hc_render_png(text, HC_GREEN, NULL, &p, &n) != HC_OK)
        bench_die("hc_render_png");
    hc_free(p);
}

static void run_svg(void)
{
    char *p;
    size_t n;
    if (hc_render_svg(text, HC_GREEN, NULL, &p, &n) != HC_OK)
        bench_die("hc_render_svg");
    hc_free(p);
}

static void run_terminal(void)
{
    char *p;
    size_t n;
    if (hc_render_terminal(text, HC_GREEN, NULL, true, &p, &n) != HC_OK)
        bench_die("hc_render_terminal");
    hc_free(p);
}

static void run_scan(void)
{
    char out[HC_TOKEN_MAX + 1];
    size_t n;
    if (hc_scan_png(scan_png, scan_len, out, sizeof out, &n) != HC_OK || strcmp(out, text) != 0)
        bench_die("hc_scan_png");
}

static double rate(void (*fn)(void), double secs)
{
    long n = 0;
    double t0 = bench_seconds(CLOCK_MONOTONIC), t;
    do {
        fn();
        n++;
        t = bench_seconds(CLOCK_MONOTONIC) - t0;
    } while (t < secs);
    return (double)n / t;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 1.0;
    make_text();
    if (hc_render_png(text, HC_GREEN, NULL, &scan_png, &scan_len) != HC_OK)
        bench_die("render");
    double base = rate(run_bare, secs);
    printf("baseline QRcode_encodeInput (240 chars, AN, M): %10.0f /s\n", base);
    const struct {
        const char *name;
        void (*fn)(void);
    } cases[] = {
        {"hc_render_png (default, 520 px, %zu bytes)", run_png},
        {"hc_render_svg (default)", run_svg},
        {"hc_render_terminal (ansi)", run_terminal},
        {"hc_scan_png (default PNG)", run_scan},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double r = rate(cases[i].fn, secs);
        char label[96];
        snprintf(label, sizeof label, cases[i].name, scan_len);
        printf("%-46s %10.0f /s  = %.1f encodes\n", label, r, base / r);
    }

    /* The largest PNG of this text: 64 px a module, 4160 px a side. */
    hc_free(scan_png);
    const hc_render_opts big = {64, HC_ECC_M, 2};
    double t0 = bench_seconds(CLOCK_MONOTONIC);
    if (hc_render_png(text, HC_GREEN, &big, &scan_png, &scan_len) != HC_OK)
        bench_die("render big");
    double t1 = bench_seconds(CLOCK_MONOTONIC);
    run_scan();
    printf("scale 64 (4160 px, %zu bytes): render %.3f s, scan %.3f s\n", scan_len, t1 - t0,
           bench_seconds(CLOCK_MONOTONIC) - t1);
    hc_free(scan_png);

    /* Smallest pixels zbar reads, per ECC level. */
    for (int e = HC_ECC_L; e <= HC_ECC_H; e++) {
        const hc_render_opts one = {1, (hc_ecc)e, 0};
        if (hc_render_png(text, HC_RED, &one, &scan_png, &scan_len) != HC_OK)
            bench_die("render 1px");
        char out[HC_TOKEN_MAX + 1];
        size_t n;
        hc_err err = hc_scan_png(scan_png, scan_len, out, sizeof out, &n);
        printf("1 px a module, no band, ECC %c: %s\n", "LMQH"[e], err == HC_OK ? "read" : "not read");
        hc_free(scan_png);
    }
    return 0;
}

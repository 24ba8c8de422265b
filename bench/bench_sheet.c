/*
 * bench_sheet.c — paper sheets against rendering the same codes alone.
 *
 * Baseline: hc_render_png of the six tokens of a page (the default PNG, 8 px
 * a module), which every way of printing a code must at least match in QR
 * work. Measured in the same run, interleaved: a document of PAGES pages of
 * 6 codes as one PDF (vector, pango text; the CJK font subset is embedded
 * once a document, as in a real run) and as 150-dpi PNG pages, written to
 * /tmp. Reported: pages per CPU-second and the ratio of a page's CPU time to
 * the six PNGs' (CPU time: these machines are shared and wall time drifts).
 *
 * Run: build/bench/bench_sheet [seconds-per-case]
 */
#include "mint.h"

#include <healthcode/render.h>
#include <healthcode/sheet.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define BENCH_NAME "bench_sheet"
#include "bench_util.h"

static char tokens[6][HC_TOKEN_MAX + 1];

static void make_tokens(void)
{
    hc_key *k = mint_load_key("tests/keys/es256.pem");
    if (!k)
        bench_die("cannot load tests/keys/es256.pem (run from the source tree or set HC_SOURCE_ROOT)");
    static const char *const names[] = {"张*三", "李*四", "G***** ROSSI", "欧**娜", "王*五", "赵*六"};
    for (int i = 0; i < 6; i++) {
        hc_claims c = mint_claims("CN-330000", 1580868000, 1580954400, (hc_colour)(i % 3), 1000 + i);
        hc_strlcpy(c.nam, names[i], sizeof c.nam);
        hc_strlcpy(c.doc, "3304**********1230", sizeof c.doc);
        size_t len;
        if (mint_token(k, &c, tokens[i], sizeof tokens[i], &len) != HC_OK)
            bench_die("cannot mint a token");
    }
    hc_key_free(k);
}

static void six_pngs(void)
{
    for (int i = 0; i < 6; i++) {
        uint8_t *png;
        size_t len;
        if (hc_render_png(tokens[i], (hc_colour)(i % 3), NULL, &png, &len) != HC_OK)
            bench_die("hc_render_png failed");
        hc_free(png);
    }
}

#define PAGES 10

static void document(hc_sheet_format f)
{
    hc_sheet_opts o = HC_SHEET_OPTS_DEFAULT;
    o.format = f;
    hc_sheet *s = NULL;
    unsigned long pages;
    if (hc_sheet_new(f == HC_SHEET_PDF ? "/tmp/bench_sheet.pdf" : "/tmp/bench_sheet", &o, &s) != HC_OK)
        bench_die("hc_sheet_new failed");
    for (int i = 0; i < 6 * PAGES; i++)
        if (hc_sheet_add(s, tokens[i % 6], "line 1") != HC_OK)
            bench_die("hc_sheet_add failed");
    if (hc_sheet_finish(s, &pages) != HC_OK || pages != PAGES)
        bench_die("hc_sheet_finish failed");
    hc_sheet_free(s);
}

/* Seconds per call of f over about budget seconds. */
static double per_call(void (*f)(int), int arg, double budget)
{
    long n = 0;
    double t0 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID), t;
    do {
        f(arg);
        n++;
    } while ((t = bench_seconds(CLOCK_PROCESS_CPUTIME_ID) - t0) < budget);
    return t / (double)n;
}

static void run_pngs(int unused) { (void)unused; six_pngs(); }
static void run_doc(int f) { document((hc_sheet_format)f); }

int main(int argc, char **argv)
{
    double budget = argc > 1 ? atof(argv[1]) : 2.0;
    if (argc > 1 && (budget <= 0 || budget > 600)) {
        fprintf(stderr, "usage: bench_sheet [seconds-per-case]\n");
        return 2;
    }
    make_tokens();
    document(HC_SHEET_PDF);   /* warm: fontconfig's cache, pango's font map */
    double base = 0, pdf = 0, png = 0;
    for (int round = 0; round < 3; round++) {   /* interleaved: the machine drifts */
        base += per_call(run_pngs, 0, budget / 3);
        pdf += per_call(run_doc, HC_SHEET_PDF, budget / 3) / PAGES;
        png += per_call(run_doc, HC_SHEET_PNG, budget / 3) / PAGES;
    }
    printf("CPU time a page of 6 codes, documents of %d pages\n", PAGES);
    printf("six hc_render_png (baseline): %8.2f ms  (%.1f pages' worth a second)\n", base / 3 * 1e3, 3 / base);
    printf("PDF page of 6 codes:          %8.2f ms  %6.1f pages/s  ratio %.2f of the baseline's time\n",
           pdf / 3 * 1e3, 3 / pdf, pdf / base);
    printf("PNG page of 6 codes, 150 dpi: %8.2f ms  %6.1f pages/s  ratio %.2f of the baseline's time\n",
           png / 3 * 1e3, 3 / png, png / base);
    unlink("/tmp/bench_sheet.pdf");
    char p[64];
    for (int i = 1; i <= PAGES; i++) {
        snprintf(p, sizeof p, "/tmp/bench_sheet/page-%06d.png", i);
        unlink(p);
    }
    rmdir("/tmp/bench_sheet");
    return 0;
}

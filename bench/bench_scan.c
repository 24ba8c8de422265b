/*
 * bench_scan.c — frame to verdict against the decoder's own scan.
 *
 * A 640x480 and a 1280x720 gray frame hold examples/trust/sample.token's
 * code at a size a checkpoint camera sees (4 and 6 pixels a module, the
 * code a third of the frame's height), dark 20 on light 230, with some
 * sensor noise. Timed per frame, median of 9 runs of N frames each:
 *   hc   hc_scan_frame + hc_verify + hc_checkpoint_decide (the firmware's loop)
 *   bare zbar_scan_image on the same frame with a scanner made once (QR only)
 * Ratio = bare / hc (goal >= 0.95), and the absolute time of hc, both in
 * process CPU time (run it pinned: taskset -c 1 bench_scan).
 *
 *   bench_scan [N]     (default 30 frames a run)
 */
#include <healthcode/checkpoint.h>
#include <healthcode/scan.h>
#include <healthcode/verify.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zbar.h>

#define BENCH_NAME "bench_scan"
#include "bench_util.h"

static char modules[200][200];
static int side;
static char token[HC_TOKEN_MAX + 1];
static int64_t now;

static void load(void)
{
    FILE *f = fopen(HC_SOURCE_ROOT "/tests/frames/sample.modules", "r");
    if (!f)
        bench_die("tests/frames/sample.modules");
    while (side < 200 && fgets(modules[side], sizeof modules[side], f))
        side++;
    fclose(f);
    f = fopen(HC_SOURCE_ROOT "/examples/trust/sample.token", "r");
    if (!f || !fgets(token, sizeof token, f))
        bench_die("examples/trust/sample.token");
    fclose(f);
    token[strcspn(token, "\r\n")] = '\0';
    f = fopen(HC_SOURCE_ROOT "/examples/trust/sample.now", "r");
    long long t = 0;
    if (!f || fscanf(f, "%lld", &t) != 1)
        bench_die("examples/trust/sample.now");
    fclose(f);
    now = t;
}

static uint8_t *make_frame(int w, int h, int px)
{
    uint8_t *f = malloc((size_t)w * h);
    if (!f)
        bench_die("memory");
    unsigned s = 12345;
    int full = (side + 8) * px, x0 = (w - full) / 2 + 7, y0 = (h - full) / 2 - 5;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int mx = (x - x0) / px - 4, my = (y - y0) / px - 4;
            int v = 120;
            if (x >= x0 && y >= y0 && x < x0 + full && y < y0 + full)
                v = mx >= 0 && my >= 0 && mx < side && my < side && modules[my][mx] == '#' ? 20 : 230;
            s = s * 1103515245u + 12345u;
            v += (int)((s >> 16) % 17) - 8;   /* +-8 levels of noise */
            f[(size_t)y * w + x] = (uint8_t)v;
        }
    return f;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 30;
    if (n < 1)
        bench_die("usage: bench_scan [N]");
    load();
    hc_trust *trust;
    hc_diag d;
    if (hc_trust_new(&trust) != HC_OK ||
        hc_trust_add_path(trust, HC_SOURCE_ROOT "/examples/trust/keys", &d) != HC_OK)
        bench_die("trust");
    const hc_venue_rules rules = HC_VENUE_RULES_DEFAULT;
    zbar_image_scanner_t *zs = zbar_image_scanner_create();
    zbar_image_scanner_set_config(zs, 0, ZBAR_CFG_ENABLE, 0);
    zbar_image_scanner_set_config(zs, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
    const struct { int w, h, px; } sizes[] = {{640, 480, 4}, {1280, 720, 6}};
    for (size_t k = 0; k < 2; k++) {
        int w = sizes[k].w, h = sizes[k].h;
        uint8_t *f = make_frame(w, h, sizes[k].px);
        double hc[9], bare[9];
        for (int r = 0; r < 9; r++) {
            double t0 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID);
            for (int i = 0; i < n; i++) {
                char text[HC_TOKEN_MAX + 1];
                size_t len;
                hc_claims c;
                hc_decision dec;
                hc_verify_opts opts = HC_VERIFY_OPTS_DEFAULT;
                if (hc_scan_frame(f, (unsigned)w, (unsigned)h, (size_t)w, text, sizeof text, &len) != HC_OK ||
                    hc_verify(trust, text, len, now, &opts, &c) != HC_OK ||
                    hc_checkpoint_decide(&c, &rules, now, NAN, &dec) != HC_OK || dec.verdict != HC_ADMIT)
                    bench_die("frame to verdict failed");
            }
            double t1 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID);
            for (int i = 0; i < n; i++) {
                zbar_image_t *img = zbar_image_create();
                zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
                zbar_image_set_size(img, (unsigned)w, (unsigned)h);
                zbar_image_set_data(img, f, (unsigned long)w * h, NULL);
                if (zbar_scan_image(zs, img) < 1)
                    bench_die("zbar found no code");
                zbar_image_destroy(img);
            }
            double t2 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID);
            hc[r] = (t1 - t0) / n;
            bare[r] = (t2 - t1) / n;
        }
        qsort(hc, 9, sizeof *hc, cmp);
        qsort(bare, 9, sizeof *bare, cmp);
        printf("%4dx%-4d %d px/module: frame to verdict %.2f ms, zbar alone %.2f ms, ratio %.3f "
               "(range %.3f-%.3f)\n", w, h, sizes[k].px, hc[4] * 1e3, bare[4] * 1e3, bare[4] / hc[4],
               bare[0] / hc[8], bare[8] / hc[0]);
        free(f);
    }
    zbar_image_scanner_destroy(zs);
    hc_trust_free(trust);
    return 0;
}

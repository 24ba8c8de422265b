/*
 * bench_scan.c — the build's decoder path (hc_scan_frame) against zbar alone,
 * on degraded camera frames, and frame to verdict.
 *
 * 1. The degraded set (tests/degrade.h, the families of tests/scan_robust.c:
 *    clean, noise, JPEG, blur, rotation, perspective, dim and uneven light,
 *    three strengths each; a colour camera's Y plane and a mono sensor under
 *    red, green and blue light, so red-LED and grey-sensor reads; SEEDS
 *    seeds). Four sets of 640x480 frames: a plain token (version 9) and a
 *    live presentation (version 12-13) drawn at the same on-screen width,
 *    with the picture at 60 % of the frame's height (a phone held to a
 *    reader: the goal set), then at 40 % (held further away: reported), and
 *    the presentation at 40 % at ECC L, and drawn 1.25 times as wide as the
 *    token (its modules the token's size). The codes are in the three
 *    colours in turn. Each frame is read by
 *    hc_scan_frame and by zbar_scan_image with a scanner made once (QR only),
 *    in alternating order, each timed in process CPU time. Per family: the
 *    reads of each, the mean time a frame of each, their ratio. Then frames
 *    without a code (the idle camera), and the presentation's reads over the
 *    token's.
 *    Goal: time <= 0.35 of zbar's over the goal set, reads >= zbar's in every
 *    family of the goal set (printed as "met" or "MISSED"); the
 *    presentation's reads >= 0.95 of the token's in every family at 60 %.
 * 2. Frame to verdict: examples/trust/sample.token's code, 640x480 at 4
 *    pixels a module and 1280x720 at 6, dark 20 on light 230 with some sensor
 *    noise; hc_scan_frame + hc_verify + hc_checkpoint_decide (the firmware's
 *    loop) against zbar alone, median of 9 runs of N frames.
 *
 * Run it pinned to one core, the machine otherwise quiet:
 *   taskset -c 1 build/bench/bench_scan [SEEDS [N]]     (default 3 seeds, N 30)
 */
#include <healthcode/checkpoint.h>
#include <healthcode/scan.h>
#include <healthcode/verify.h>

#include "degrade.h"
#include "render_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zbar.h>

#define BENCH_NAME "bench_scan"
#include "bench_util.h"

static zbar_image_scanner_t *zs;

/* ---------------------------------------------------------------- degraded set */

enum { DEC_DEFAULT, DEC_ZBAR, DEC__COUNT };

typedef struct {
    int n[DG__FAMILIES];
    int reads[DG__FAMILIES][DEC__COUNT];
    double sec[DG__FAMILIES][DEC__COUNT];
} set_result;

static int read_default(const uint8_t *f, int w, int h, const char *text)
{
    char out[HC_TOKEN_MAX + 1];
    size_t n = 0;
    return hc_scan_frame(f, (unsigned)w, (unsigned)h, (size_t)w, out, sizeof out, &n) == HC_OK &&
           n == strlen(text) && memcmp(out, text, n) == 0;
}

static int read_zbar(const uint8_t *f, int w, int h, const char *text)
{
    zbar_image_t *img = zbar_image_create();
    if (!img)
        bench_die("memory");
    zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
    zbar_image_set_size(img, (unsigned)w, (unsigned)h);
    zbar_image_set_data(img, f, (unsigned long)w * h, NULL);
    int ok = 0;
    if (zbar_scan_image(zs, img) > 0) {
        const zbar_symbol_t *s = zbar_image_first_symbol(img);
        ok = s && zbar_symbol_get_data_length(s) == strlen(text) &&
             memcmp(zbar_symbol_get_data(s), text, strlen(text)) == 0;
    }
    zbar_image_destroy(img);
    return ok;
}

/* Times one decoder on one frame; returns its read (1 or 0). */
static int timed(int dec, const uint8_t *f, int w, int h, const char *text, double *sec)
{
    double t0 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID);
    int ok = dec == DEC_DEFAULT ? read_default(f, w, h, text) : read_zbar(f, w, h, text);
    *sec += bench_seconds(CLOCK_PROCESS_CPUTIME_ID) - t0;
    return ok;
}

typedef struct {
    uint8_t *frame;
    uint32_t *cell;
    int32_t *geo;
} buffers;

/* Renders the case into b->frame (a picture of m with the colour's band). */
static void render_case(const hc_qr_matrix *m, hc_colour colour, const dg_scene *s, buffers *b)
{
    int side = s->side;
    size_t px = (size_t)s->width * s->height;
    b->frame = realloc(b->frame, px);
    b->cell = realloc(b->cell, sizeof *b->cell * (size_t)side * side);
    b->geo = realloc(b->geo, sizeof *b->geo * 4 * px);
    if (!b->frame || !b->cell || !b->geo)
        bench_die("memory");
    for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++)
            b->cell[(size_t)y * side + x] = hc_render_cell_rgb(colour, hc_render_cell(m, 2, x, y));
    dg_scene sc = *s;
    sc.cell_rgb = b->cell;
    dg_geometry(&sc, b->geo);
    if (dg_render(&sc, b->geo, b->frame) != 0)
        bench_die("memory");
}

/* Runs a set; vmin, vmax: the versions its codes took. */
static void run_set(dg_code kind, double frac, hc_ecc ecc, int seeds, set_result *r, int *vmin, int *vmax)
{
    const dg_view camera = {640, 480, frac};
    buffers b = {0};
    memset(r, 0, sizeof *r);
    int turn = 0;
    for (int seed = 0; seed < seeds; seed++) {
        const char *text = dg_code_text(kind, (unsigned)seed);
        hc_qr_matrix m;
        if (hc_qr_encode(text, ecc, &m) != HC_OK)
            bench_die("hc_qr_encode");
        if (seed == 0 || m.version < *vmin)
            *vmin = m.version;
        if (seed == 0 || m.version > *vmax)
            *vmax = m.version;
        for (int fam = 0; fam < DG__FAMILIES; fam++)
            for (int k = 0; k < dg_strengths(fam); k++)
                for (int rd = 0; rd < READ__COUNT; rd++, turn++) {
                    dg_scene s;
                    dg_case(&s, hc_render_side(&m, 2), &camera, fam, k, rd, (unsigned)seed);
                    render_case(&m, (hc_colour)((turn + seed) % 3), &s, &b);
                    r->n[fam]++;
                    for (int i = 0; i < DEC__COUNT; i++) {   /* alternate which goes first */
                        int dec = (turn + i) % DEC__COUNT;
                        r->reads[fam][dec] += timed(dec, b.frame, s.width, s.height, text, &r->sec[fam][dec]);
                    }
                }
        hc_qr_matrix_free(&m);
    }
    free(b.frame);
    free(b.cell);
    free(b.geo);
}

/* Prints the table of a set; returns 1 when the default path reads fewer
 * than zbar in a family. Adds the set's totals to sums[]. */
static int print_set(const char *title, const set_result *r, double sums[3])
{
    printf("\n%s\n%-12s %5s %8s %6s %11s %8s %6s\n", title, "family", "n", "default", "zbar",
           "default ms", "zbar ms", "ratio");
    int fewer = 0, n = 0, rd[DEC__COUNT] = {0};
    double sec[DEC__COUNT] = {0};
    for (int fam = 0; fam < DG__FAMILIES; fam++) {
        const double *s = r->sec[fam];
        printf("%-12s %5d %8d %6d %11.2f %8.2f %6.3f%s\n", dg_family_name[fam], r->n[fam],
               r->reads[fam][DEC_DEFAULT], r->reads[fam][DEC_ZBAR], s[DEC_DEFAULT] * 1e3 / r->n[fam],
               s[DEC_ZBAR] * 1e3 / r->n[fam], s[DEC_DEFAULT] / s[DEC_ZBAR],
               r->reads[fam][DEC_DEFAULT] < r->reads[fam][DEC_ZBAR] ? "  fewer reads" : "");
        fewer |= r->reads[fam][DEC_DEFAULT] < r->reads[fam][DEC_ZBAR];
        n += r->n[fam];
        for (int d = 0; d < DEC__COUNT; d++)
            rd[d] += r->reads[fam][d], sec[d] += s[d];
    }
    printf("%-12s %5d %8d %6d %11.2f %8.2f %6.3f\n", "all", n, rd[DEC_DEFAULT], rd[DEC_ZBAR],
           sec[DEC_DEFAULT] * 1e3 / n, sec[DEC_ZBAR] * 1e3 / n, sec[DEC_DEFAULT] / sec[DEC_ZBAR]);
    sums[0] += sec[DEC_DEFAULT], sums[1] += sec[DEC_ZBAR], sums[2] += n;
    return fewer;
}

/* The presentation's reads over the token's, per family, for both paths. */
static void print_live_ratio(const char *what, const set_result *tok, const set_result *live)
{
    printf("\npresentation / token reads, %s:\n%-12s %8s %6s\n", what, "family", "default", "zbar");
    for (int fam = 0; fam < DG__FAMILIES; fam++) {
        printf("%-12s", dg_family_name[fam]);
        for (int d = 0; d < DEC__COUNT; d++) {
            int t = tok->reads[fam][d], l = live->reads[fam][d], width = d == DEC_DEFAULT ? 8 : 6;
            if (t)
                printf(" %*.2f", width, (double)l / t);
            else
                printf(" %*s", width, "-");
        }
        printf("\n");
    }
}

/* Frames without a code: the desk and a phone's blank screen, noisy. */
static void idle_frames(int count)
{
    uint8_t *f = malloc(640 * 480);
    if (!f)
        bench_die("memory");
    double sec[DEC__COUNT] = {0};
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < count; i++) {
        for (int y = 0; y < 480; y++)
            for (int x = 0; x < 640; x++) {
                s ^= s << 13, s ^= s >> 7, s ^= s << 17;
                int v = (x > 200 && x < 440 && y > 60 && y < 420 ? 200 : 110) + (int)(s % 17) - 8 +
                        (x + y + 20 * i) % 50 / 10;
                f[(size_t)y * 640 + x] = (uint8_t)v;
            }
        for (int d = 0; d < DEC__COUNT; d++)
            if (timed((i + d) % DEC__COUNT, f, 640, 480, "-", &sec[(i + d) % DEC__COUNT]))
                bench_die("a code in an empty frame");
    }
    printf("\nframes without a code (%d): default %.2f ms, zbar %.2f ms, ratio %.3f\n", count,
           sec[DEC_DEFAULT] * 1e3 / count, sec[DEC_ZBAR] * 1e3 / count, sec[DEC_DEFAULT] / sec[DEC_ZBAR]);
    free(f);
}

/* The sets: the goal set first (a phone held to the reader), then the same
 * codes held further away, and two answers to that: the presentation at ECC
 * L (a smaller version), and drawn larger (its modules the token's size). */
static const struct {
    dg_code kind;
    double frac;
    hc_ecc ecc;
    int goal;
    const char *what;
} sets[] = {
    {DG_TOKEN, 0.6, HC_ECC_M, 1, "token"},
    {DG_PRESENTATION, 0.6, HC_ECC_M, 1, "presentation"},
    {DG_TOKEN, 0.4, HC_ECC_M, 0, "token"},
    {DG_PRESENTATION, 0.4, HC_ECC_M, 0, "presentation"},
    {DG_PRESENTATION, 0.4, HC_ECC_L, 0, "presentation at ECC L"},
    {DG_PRESENTATION, 0.5, HC_ECC_M, 0, "presentation drawn 1.25 times as wide as the token"},
};
#define NSETS (sizeof sets / sizeof *sets)

static void degraded(int seeds)
{
    set_result r[NSETS];
    double goal[3] = {0}, other[3] = {0};
    int fewer[2] = {0, 0};
    for (size_t i = 0; i < NSETS; i++) {
        int vmin = 0, vmax = 0;
        run_set(sets[i].kind, sets[i].frac, sets[i].ecc, seeds, &r[i], &vmin, &vmax);
        int side = 17 + 4 * vmax + 2 * HC_QUIET_ZONE + 4;
        char title[240], versions[16];
        snprintf(versions, sizeof versions, vmin == vmax ? "%d" : "%d-%d", vmin, vmax);
        snprintf(title, sizeof title, "%s (version %s), picture %.0f %% of a 640x480 frame's height "
                 "(%.1f pixels a module), %d seeds, %d frames%s", sets[i].what, versions,
                 sets[i].frac * 100, sets[i].frac * 480 / side, seeds, seeds * 22 * READ__COUNT,
                 sets[i].goal ? " [goal set]" : "");
        fewer[!sets[i].goal] |= print_set(title, &r[i], sets[i].goal ? goal : other);
    }
    print_live_ratio("the same width, 60 % (goal >= 0.95 in every family)", &r[0], &r[1]);
    print_live_ratio("the same width, 40 %", &r[2], &r[3]);
    print_live_ratio("40 %, the presentation at ECC L", &r[2], &r[4]);
    print_live_ratio("token at 40 %, presentation 1.25 times as wide (50 %)", &r[2], &r[5]);
    idle_frames(30);
    printf("\ngoal set (60 %%): time %.3f of zbar's (goal <= 0.35), reads %s zbar's in every family: %s\n",
           goal[0] / goal[1], fewer[0] ? "not >=" : ">=",
           goal[0] / goal[1] <= 0.35 && !fewer[0] ? "met" : "MISSED");
    printf("the other sets: time %.3f of zbar's, reads %s zbar's in every family\n", other[0] / other[1],
           fewer[1] ? "not >=" : ">=");
}

/* ---------------------------------------------------------------- frame to verdict */

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

static void to_verdict(int n)
{
    load();
    hc_trust *trust;
    hc_diag d;
    if (hc_trust_new(&trust) != HC_OK ||
        hc_trust_add_path(trust, HC_SOURCE_ROOT "/examples/trust/keys", &d) != HC_OK)
        bench_die("trust");
    const hc_venue_rules rules = HC_VENUE_RULES_DEFAULT;
    const struct { int w, h, px; } sizes[] = {{640, 480, 4}, {1280, 720, 6}};
    printf("\nframe to verdict (sample.token, clean):\n");
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
            for (int i = 0; i < n; i++)
                if (!read_zbar(f, w, h, token))
                    bench_die("zbar found no code");
            double t2 = bench_seconds(CLOCK_PROCESS_CPUTIME_ID);
            hc[r] = (t1 - t0) / n;
            bare[r] = (t2 - t1) / n;
        }
        qsort(hc, 9, sizeof *hc, cmp);
        qsort(bare, 9, sizeof *bare, cmp);
        printf("%4dx%-4d %d px/module: frame to verdict %.2f ms, zbar alone %.2f ms, "
               "verdict / zbar %.3f (range %.3f-%.3f)\n", w, h, sizes[k].px, hc[4] * 1e3, bare[4] * 1e3,
               hc[4] / bare[4], hc[0] / bare[8], hc[8] / bare[0]);
        free(f);
    }
    hc_trust_free(trust);
}

int main(int argc, char **argv)
{
    int seeds = argc > 1 ? atoi(argv[1]) : 3, n = argc > 2 ? atoi(argv[2]) : 30;
    if (seeds < 1 || n < 1)
        bench_die("usage: bench_scan [SEEDS [N]]");
    zs = zbar_image_scanner_create();
    if (!zs)
        bench_die("memory");
    zbar_image_scanner_set_config(zs, 0, ZBAR_CFG_ENABLE, 0);
    zbar_image_scanner_set_config(zs, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
    printf("decoder of this build: %s; zbar_scan_image alone as the baseline; process CPU time\n",
           HC_DECODER_NAME);
    degraded(seeds);
    to_verdict(n);
    zbar_image_scanner_destroy(zs);
    return 0;
}

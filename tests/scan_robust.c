/* scan_robust.c — do the coloured codes scan like black on white, and a live
 * presentation like a plain token?
 *
 * 1. Colours. Renders the same token in black on white and in each colour,
 *    puts each through the same synthetic camera (degrade.h: the same seed,
 *    so the same noise, angle and position for every colour), decodes with
 *    hc_scan_frame and counts exact reads. Each family of degradations
 *    (noise, JPEG, blur, rotation, perspective, dim light, uneven light, and
 *    none) is run at three strengths, read by a colour camera's Y plane and
 *    by a mono sensor under red, green and blue light. Fails when a colour
 *    reads fewer than 0.95 of the codes black on white reads, in any family
 *    (summed over the reads) or any read (summed over the families).
 * 2. Presentations. A live presentation (version 12-13) and a plain token
 *    (version 9) drawn at the same on-screen width, seen by a 640x480 camera
 *    with the picture at 60 % of the frame's height (a phone held to a
 *    reader), through the same cases, in the three colours in turn. Fails
 *    when the presentation reads fewer than 0.95 of the token's reads in any
 *    family, but with --no-live-goal (a -Ddecoder=zbar build: zbar reads a
 *    blurred presentation 0.65 as often as the token, README, Scanning).
 *
 * The CI run is small (2 seeds a case); HC_ROBUST_SEEDS=N runs N for the
 * report. --expect FILE also fails when any count differs from FILE (the
 * --cells output of the same decoder on x86-64, seed by seed): the cross
 * builds run seed 0 under qemu with --no-goals (the ratios are the x86 run's
 * to check), so an ARM scanner reads exactly what a PC does.
 *
 *   scan_robust [--module g,y,r] [--band g,y,r] [--bandw N] [--family F] [--frac F]
 *               [--cells] [--dump DIR] [--expect FILE] [--no-goals] [--no-live-goal]
 *
 * --module and --band try other module and band colours (RRGGBB each),
 * --bandw another band width in modules, --family runs one family, --frac
 * another height for the presentations' picture (0.4: a phone held further
 * away), --cells prints every count, --dump writes each frame of part 1 as a
 * PGM (for other decoders). */
#include "degrade.h"
#include "render_impl.h"

#include <healthcode/scan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCOL 4   /* black on white, green, yellow, red */
static const char *col_name[NCOL] = {"black", "green", "yellow", "red"};
#define GOAL 0.95

typedef struct {
    uint32_t module[NCOL], band[NCOL];
    int bandw;
    const char *only, *dump;
    double frac;
    int seeds;
} options;

/* A reusable frame and its geometry. */
typedef struct {
    uint8_t *frame;
    uint32_t *cell;
    int32_t *geo;
} buffers;

static int grow(buffers *b, const dg_scene *s)
{
    size_t px = (size_t)s->width * s->height, cells = (size_t)s->side * s->side;
    uint8_t *f = realloc(b->frame, px);
    if (f)
        b->frame = f;
    uint32_t *c = realloc(b->cell, sizeof *c * cells);
    if (c)
        b->cell = c;
    int32_t *g = realloc(b->geo, sizeof *g * 4 * px);
    if (g)
        b->geo = g;
    return f && c && g ? 0 : -1;
}

/* Paints m's picture (band bandw) into b->cell in module and band colours. */
static void paint(const hc_qr_matrix *m, int bandw, uint32_t module, uint32_t band, buffers *b)
{
    int side = hc_render_side(m, bandw);
    for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++) {
            hc_cell t = hc_render_cell(m, bandw, x, y);
            b->cell[(size_t)y * side + x] = t == HC_CELL_DARK ? module : t == HC_CELL_BAND ? band : 0xFFFFFFu;
        }
}

/* 1 when the frame of s (geometry in b->geo, colours in b->cell) reads as text. */
static int reads(dg_scene *s, buffers *b, const char *text)
{
    s->cell_rgb = b->cell;
    if (dg_render(s, b->geo, b->frame) != 0)
        exit(2);
    char out[HC_TOKEN_MAX + 1];
    size_t n = 0;
    return hc_scan_frame(b->frame, (unsigned)s->width, (unsigned)s->height, (size_t)s->width, out,
                         sizeof out, &n) == HC_OK && n == strlen(text) && memcmp(out, text, n) == 0;
}

static int wanted(const options *o, int fam)
{
    return !o->only || strcmp(o->only, dg_family_name[fam]) == 0;
}

static void dump(const options *o, const dg_scene *s, const uint8_t *frame, int fam, int k, int rd,
                 int c, int seed)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s-%s-%d-%s-%d.pgm", o->dump, dg_family_name[fam],
             dg_read_name[rd], k, col_name[c], seed);
    FILE *f = fopen(path, "wb");
    if (f) {
        fprintf(f, "P5\n%d %d\n255\n", s->width, s->height);
        fwrite(frame, 1, (size_t)s->width * s->height, f);
        fclose(f);
    }
}

/* The counts of one seed, then of all. */
typedef struct {
    int ok[DG__FAMILIES][READ__COUNT][NCOL], total[DG__FAMILIES][READ__COUNT];
    int live_ok[DG__FAMILIES][2], live_total[DG__FAMILIES];
} counts;

/* Part 1: every case in black on white and in each colour. */
static void colours(const options *o, buffers *b, int seed, counts *t)
{
    const dg_view tight = {0, 0, 0};
    {
        const char *text = dg_code_text(DG_TOKEN, (unsigned)seed);
        hc_qr_matrix m;
        if (hc_qr_encode(text, HC_ECC_M, &m) != HC_OK)
            exit(2);
        int side = hc_render_side(&m, o->bandw);
        for (int fam = 0; fam < DG__FAMILIES; fam++)
            for (int k = 0; k < dg_strengths(fam) && wanted(o, fam); k++)
                for (int rd = 0; rd < READ__COUNT; rd++) {
                    dg_scene s;
                    dg_case(&s, side, &tight, fam, k, rd, (unsigned)seed);
                    if (grow(b, &s) != 0)
                        exit(2);
                    dg_geometry(&s, b->geo);
                    t->total[fam][rd]++;
                    for (int c = 0; c < NCOL; c++) {
                        paint(&m, o->bandw, o->module[c], o->band[c], b);
                        t->ok[fam][rd][c] += reads(&s, b, text);
                        if (o->dump)
                            dump(o, &s, b->frame, fam, k, rd, c, seed);
                    }
                }
        hc_qr_matrix_free(&m);
    }
}

/* Part 2: a token and a presentation at the same on-screen width, in the
 * three colours in turn (case by case). */
static void presentations(const options *o, buffers *b, int seed, counts *t)
{
    const dg_view camera = {640, 480, o->frac};
    {
        hc_qr_matrix m[2];
        for (int kind = 0; kind < 2; kind++)
            if (hc_qr_encode(dg_code_text((dg_code)kind, (unsigned)seed), HC_ECC_M, &m[kind]) != HC_OK)
                exit(2);
        int n = 0;
        for (int fam = 0; fam < DG__FAMILIES; fam++)
            for (int k = 0; k < dg_strengths(fam) && wanted(o, fam); k++)
                for (int rd = 0; rd < READ__COUNT; rd++, n++) {
                    int c = 1 + (n + seed) % 3;
                    t->live_total[fam]++;
                    for (int kind = 0; kind < 2; kind++) {
                        dg_scene s;
                        dg_case(&s, hc_render_side(&m[kind], o->bandw), &camera, fam, k, rd, (unsigned)seed);
                        if (grow(b, &s) != 0)
                            exit(2);
                        dg_geometry(&s, b->geo);
                        paint(&m[kind], o->bandw, o->module[c], o->band[c], b);
                        t->live_ok[fam][kind] += reads(&s, b, dg_code_text((dg_code)kind, (unsigned)seed));
                    }
                }
        hc_qr_matrix_free(&m[0]);
        hc_qr_matrix_free(&m[1]);
    }
}

/* The colour table: each family over the reads, then each read over the
 * families. Returns 1 when a colour is under GOAL of black anywhere. */
static int colour_table(const options *o, const counts *t)
{
    int fail = 0;
    printf("modules:");
    for (int c = 1; c < NCOL; c++)
        printf(" %s #%06X (band #%06X)", col_name[c], (unsigned)o->module[c], (unsigned)o->band[c]);
    printf("; band %d modules; %d seeds\n", o->bandw, o->seeds);
    printf("%-12s %5s", "family", "n");
    for (int c = 0; c < NCOL; c++)
        printf(" %12s", col_name[c]);
    printf("\n");
    for (int row = 0; row < DG__FAMILIES + READ__COUNT; row++) {
        int sum[NCOL] = {0}, n = 0;
        for (int fam = 0; fam < DG__FAMILIES; fam++)
            for (int rd = 0; rd < READ__COUNT; rd++)
                if (row < DG__FAMILIES ? fam == row : rd == row - DG__FAMILIES) {
                    n += t->total[fam][rd];
                    for (int c = 0; c < NCOL; c++)
                        sum[c] += t->ok[fam][rd][c];
                }
        if (n == 0)
            continue;
        char label[32];
        snprintf(label, sizeof label, "%s%s", row < DG__FAMILIES ? "" : "read ",
                 row < DG__FAMILIES ? dg_family_name[row] : dg_read_name[row - DG__FAMILIES]);
        printf("%-12s %5d %12d", label, n, sum[0]);
        for (int c = 1; c < NCOL; c++) {
            double r = sum[0] ? (double)sum[c] / sum[0] : 1.0;
            printf(" %5d (%.2f)", sum[c], r);
            fail |= r < GOAL;
        }
        printf("%s\n", row == DG__FAMILIES - 1 ? "\n" : "");
    }
    return fail;
}

/* The presentation table. Returns 1 when a family is under GOAL. */
static int live_table(const options *o, const counts *t)
{
    int fail = 0, sum[2] = {0, 0}, n = 0;
    printf("\npresentation (version 12-13) against token (version 9), the same width, "
           "%.0f %% of a 640x480 frame's height:\n%-12s %5s %8s %13s\n",
           o->frac * 100, "family", "n", "token", "presentation");
    for (int fam = 0; fam < DG__FAMILIES; fam++) {
        if (t->live_total[fam] == 0)
            continue;
        double r = t->live_ok[fam][0] ? (double)t->live_ok[fam][1] / t->live_ok[fam][0] : 1.0;
        printf("%-12s %5d %8d %6d (%.2f)\n", dg_family_name[fam], t->live_total[fam], t->live_ok[fam][0],
               t->live_ok[fam][1], r);
        fail |= r < GOAL;
        sum[0] += t->live_ok[fam][0], sum[1] += t->live_ok[fam][1], n += t->live_total[fam];
    }
    printf("%-12s %5d %8d %6d (%.2f)\n", "all", n, sum[0], sum[1], sum[0] ? (double)sum[1] / sum[0] : 1.0);
    return fail;
}

/* The counts of seed, a line each: what --cells prints and --expect
 * compares. Appended to buf (cap bytes) at *len. */
static void cells_text(int seed, const counts *t, char *buf, size_t cap, size_t *len)
{
    size_t n = *len;
    for (int fam = 0; fam < DG__FAMILIES; fam++)
        for (int rd = 0; rd < READ__COUNT && n < cap; rd++) {
            n += (size_t)snprintf(buf + n, cap - n, "seed %d %-12s %s %2d:", seed, dg_family_name[fam],
                                  dg_read_name[rd], t->total[fam][rd]);
            for (int c = 0; c < NCOL && n < cap; c++)
                n += (size_t)snprintf(buf + n, cap - n, " %s %d", col_name[c], t->ok[fam][rd][c]);
            if (n < cap)
                n += (size_t)snprintf(buf + n, cap - n, "\n");
        }
    for (int fam = 0; fam < DG__FAMILIES && n < cap; fam++)
        n += (size_t)snprintf(buf + n, cap - n, "seed %d %-12s live %2d: token %d presentation %d\n", seed,
                              dg_family_name[fam], t->live_total[fam], t->live_ok[fam][0],
                              t->live_ok[fam][1]);
    *len = n < cap ? n : cap;
}

static void add(counts *sum, const counts *t)
{
    for (int fam = 0; fam < DG__FAMILIES; fam++) {
        for (int rd = 0; rd < READ__COUNT; rd++) {
            sum->total[fam][rd] += t->total[fam][rd];
            for (int c = 0; c < NCOL; c++)
                sum->ok[fam][rd][c] += t->ok[fam][rd][c];
        }
        sum->live_total[fam] += t->live_total[fam];
        sum->live_ok[fam][0] += t->live_ok[fam][0];
        sum->live_ok[fam][1] += t->live_ok[fam][1];
    }
}

/* 0 when the counts are the first lines of FILE, byte for byte (all of it
 * with the seeds it was made with; seed 0's with HC_ROBUST_SEEDS=1). */
static int expect(const char *path, const char *got, size_t len)
{
    static char want[32768];
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(want, 1, sizeof want, f) : 0;
    if (f)
        fclose(f);
    if (n >= len && memcmp(want, got, len) == 0)
        return 0;
    fprintf(stderr, "FAIL: the counts differ from %s\n--- want\n%.*s--- got\n%.*s", path, (int)n, want,
            (int)len, got);
    return 1;
}

static uint32_t parse_rgb(const char *s)
{
    return (uint32_t)strtoul(s, NULL, 16) & 0xFFFFFFu;
}

/* "a,b,c" into three colours. */
static int parse3(const char *arg, uint32_t out[3])
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", arg);
    char *save = NULL, *p = strtok_r(buf, ",", &save);
    for (int i = 0; i < 3; i++, p = strtok_r(NULL, ",", &save)) {
        if (!p)
            return -1;
        out[i] = parse_rgb(p);
    }
    return 0;
}

int main(int argc, char **argv)
{
    const hc_render_opts def = HC_RENDER_OPTS_DEFAULT;
    options o = {.module = {0x000000}, .band = {0xFFFFFF}, .bandw = def.band, .frac = 0.6};
    for (int c = 0; c < 3; c++) {
        o.module[c + 1] = hc_render_module_rgb((hc_colour)c);
        o.band[c + 1] = hc_render_band_rgb((hc_colour)c);
    }
    int cells = 0, no_goals = 0, live_goal = 1;
    const char *expect_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--module") && i + 1 < argc && parse3(argv[i + 1], o.module + 1) == 0)
            i++;
        else if (!strcmp(argv[i], "--band") && i + 1 < argc && parse3(argv[i + 1], o.band + 1) == 0)
            i++;
        else if (!strcmp(argv[i], "--bandw") && i + 1 < argc)
            o.bandw = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--family") && i + 1 < argc)
            o.only = argv[++i];
        else if (!strcmp(argv[i], "--frac") && i + 1 < argc)
            o.frac = atof(argv[++i]);
        else if (!strcmp(argv[i], "--cells"))
            cells = 1;
        else if (!strcmp(argv[i], "--dump") && i + 1 < argc)
            o.dump = argv[++i];
        else if (!strcmp(argv[i], "--expect") && i + 1 < argc)
            expect_path = argv[++i];
        else if (!strcmp(argv[i], "--no-goals"))
            no_goals = 1;
        else if (!strcmp(argv[i], "--no-live-goal"))
            live_goal = 0;
        else {
            fprintf(stderr, "usage: scan_robust [--module g,y,r] [--band g,y,r] [--bandw N] [--family F] "
                            "[--frac F] [--cells] [--dump DIR] [--expect FILE] [--no-goals] [--no-live-goal]\n");
            return 2;
        }
    }
    if (o.bandw < 0 || o.bandw > HC_BAND_MAX || o.frac < 0.1 || o.frac > 0.9) {
        fprintf(stderr, "scan_robust: --bandw 0-%d, --frac 0.1-0.9\n", HC_BAND_MAX);
        return 2;
    }
    const char *env = getenv("HC_ROBUST_SEEDS");
    o.seeds = env && atoi(env) > 0 ? atoi(env) : 2;

    buffers b = {0};
    static counts all, one;
    static char text[32768];
    size_t len = 0;
    for (int seed = 0; seed < o.seeds; seed++) {
        memset(&one, 0, sizeof one);
        colours(&o, &b, seed, &one);
        presentations(&o, &b, seed, &one);
        cells_text(seed, &one, text, sizeof text, &len);
        add(&all, &one);
    }
    free(b.frame);
    free(b.cell);
    free(b.geo);

    int fail = 0;
    if (!no_goals) {
        fail = colour_table(&o, &all);
        fail |= (live_table(&o, &all) && live_goal) << 1;
    }
    if (cells)
        fwrite(text, 1, len, stdout);
    if (fail & 1)
        printf("FAIL: a colour reads under %.2f of black on white\n", GOAL);
    if (fail & 2)
        printf("FAIL: the presentation reads under %.2f of the token\n", GOAL);
    if (expect_path)
        fail |= expect(expect_path, text, len) << 2;
    if (!fail)
        printf("ok\n");
    return fail ? 1 : 0;
}

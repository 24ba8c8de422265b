/* scan_robust.c — do the coloured codes scan like black on white?
 *
 * Renders the same token in black on white and in each colour, puts each
 * through the same synthetic camera (degrade.h: the same seed, so the same
 * noise, angle and position for every colour), decodes with hc_scan_frame
 * and counts exact reads. A family of degradations (noise, JPEG, blur,
 * rotation, perspective, dim light, uneven light, and none) is run at three
 * strengths, read by a colour camera's Y plane and by a mono sensor under
 * red, green and blue light.
 *
 * It fails (exit 1) when a colour reads fewer than 0.95 of the codes black on
 * white reads, in any family (summed over the reads) or any read (summed
 * over the families). The CI run is small; HC_ROBUST_SEEDS=N (default 2)
 * runs N seeds a case for the report.
 *
 *   scan_robust [--module g,y,r] [--band g,y,r] [--bandw N] [--family F] [--cells] [--dump DIR]
 *
 * --module and --band try other module and band colours (RRGGBB each),
 * --bandw another band width in modules, --family runs one family, --cells prints every
 * family x read cell, --dump writes each frame as a PGM (for other decoders). */
#include "common.h"
#include "degrade.h"
#include "render_impl.h"

#include <healthcode/scan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FAM_CLEAN, FAM_NOISE, FAM_JPEG, FAM_BLUR, FAM_ROTATE, FAM_PERSPECTIVE, FAM_DIM, FAM_UNEVEN,
       FAM__COUNT };
static const char *fam_name[] = {"clean", "noise", "jpeg", "blur", "rotation", "perspective",
                                 "dim", "uneven"};
static const char *read_name[] = {"Y", "R", "G", "B"};
#define NCOL 4   /* black on white, green, yellow, red */
static const char *col_name[NCOL] = {"black", "green", "yellow", "red"};

/* One degradation at strength k (0..2). */
static void apply(dg_scene *s, int fam, int k)
{
    switch (fam) {
    case FAM_NOISE: s->noise_sigma = (double[]){24, 36, 48}[k]; break;
    case FAM_JPEG: s->jpeg_quality = (int[]){20, 10, 5}[k]; s->noise_sigma = 4; break;
    case FAM_BLUR: s->blur_sigma = (double[]){1.3, 1.7, 2.1}[k]; s->noise_sigma = 4; break;
    case FAM_ROTATE: s->angle_deg += (double[]){15, 30, 45}[k]; s->noise_sigma = 8; break;
    case FAM_PERSPECTIVE: s->tilt = (double[]){0.1, 0.2, 0.3}[k]; s->noise_sigma = 8; break;
    case FAM_DIM:
        s->light_min = s->light_max = (double[]){0.25, 0.12, 0.07}[k];
        s->noise_sigma = 5;
        break;
    case FAM_UNEVEN:
        s->light_max = 1.0;
        s->light_min = (double[]){0.35, 0.2, 0.1}[k];
        s->noise_sigma = 5;
        break;
    default: break;
    }
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
    uint32_t module[NCOL] = {0x000000}, band[NCOL] = {0xFFFFFF};
    for (int c = 0; c < 3; c++) {
        module[c + 1] = hc_render_module_rgb((hc_colour)c);
        band[c + 1] = hc_render_band_rgb((hc_colour)c);
    }
    const hc_render_opts def = HC_RENDER_OPTS_DEFAULT;
    int bandw = def.band, cells = 0;
    const char *dump = NULL, *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--module") && i + 1 < argc && parse3(argv[i + 1], module + 1) == 0)
            i++;
        else if (!strcmp(argv[i], "--band") && i + 1 < argc && parse3(argv[i + 1], band + 1) == 0)
            i++;
        else if (!strcmp(argv[i], "--bandw") && i + 1 < argc)
            bandw = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--family") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--cells"))
            cells = 1;
        else if (!strcmp(argv[i], "--dump") && i + 1 < argc)
            dump = argv[++i];
        else {
            fprintf(stderr, "usage: scan_robust [--module g,y,r] [--band g,y,r] [--bandw N] "
                            "[--cells] [--dump DIR]\n");
            return 2;
        }
    }
    const char *env = getenv("HC_ROBUST_SEEDS");
    int seeds = env ? atoi(env) : 2;
    if (seeds < 1)
        seeds = 1;

    static int ok[FAM__COUNT][READ__COUNT][NCOL], total[FAM__COUNT][READ__COUNT];
    uint8_t *frame = NULL;
    uint32_t *cell = NULL;
    int32_t *geo = NULL;
    for (int seed = 0; seed < seeds; seed++) {
        const char *text = th_token240((unsigned)seed * 2654435761u + 7);
        hc_qr_matrix m;
        if (hc_qr_encode(text, HC_ECC_M, &m) != HC_OK)
            return 2;
        int side = hc_render_side(&m, bandw);
        cell = realloc(cell, sizeof *cell * (size_t)side * side);
        for (int fam = 0; fam < FAM__COUNT; fam++)
            for (int k = 0; k < (fam == FAM_CLEAN ? 1 : 3) && (!only || !strcmp(only, fam_name[fam])); k++)
                for (int rd = 0; rd < READ__COUNT; rd++) {
                    uint64_t sd = (uint64_t)seed * 1000003u + (uint64_t)fam * 101u + (uint64_t)k * 7u + (uint64_t)rd;
                    dg_scene s = {.side = side, .module_px = 3.5 + 0.5 * (double)(sd % 3),
                                  .angle_deg = (double)(sd % 11) - 5.0, .background = 0x8C8478,
                                  .light_min = 1.0, .light_max = 1.0, .read = (dg_read)rd, .seed = sd};
                    apply(&s, fam, k);
                    double extent = s.module_px * side * 1.45;
                    s.width = s.height = (int)extent + 16;
                    s.cx = s.width / 2.0 + (double)(sd % 7) - 3.0;
                    s.cy = s.height / 2.0 + (double)(sd % 5) - 2.0;
                    frame = realloc(frame, (size_t)s.width * s.height);
                    geo = realloc(geo, sizeof *geo * 4 * (size_t)s.width * s.height);
                    if (!frame || !cell || !geo)
                        return 2;
                    dg_geometry(&s, geo);
                    total[fam][rd]++;
                    for (int c = 0; c < NCOL; c++) {
                        for (int y = 0; y < side; y++)
                            for (int x = 0; x < side; x++) {
                                hc_cell t = hc_render_cell(&m, bandw, x, y);
                                cell[(size_t)y * side + x] = t == HC_CELL_DARK ? module[c]
                                                           : t == HC_CELL_BAND ? band[c] : 0xFFFFFFu;
                            }
                        s.cell_rgb = cell;
                        if (dg_render(&s, geo, frame) != 0)
                            return 2;
                        char out[HC_TOKEN_MAX + 1];
                        size_t n = 0;
                        if (hc_scan_frame(frame, (unsigned)s.width, (unsigned)s.height, (size_t)s.width,
                                          out, sizeof out, &n) == HC_OK && strcmp(out, text) == 0)
                            ok[fam][rd][c]++;
                        if (dump) {
                            char path[512];
                            snprintf(path, sizeof path, "%s/%s-%s-%d-%s-%d.pgm", dump, fam_name[fam],
                                     read_name[rd], k, col_name[c], seed);
                            FILE *f = fopen(path, "wb");
                            if (f) {
                                fprintf(f, "P5\n%d %d\n255\n", s.width, s.height);
                                fwrite(frame, 1, (size_t)s.width * s.height, f);
                                fclose(f);
                            }
                        }
                    }
                }
        hc_qr_matrix_free(&m);
    }
    free(frame);
    free(cell);
    free(geo);

    int fail = 0;
    printf("modules:");
    for (int c = 1; c < NCOL; c++)
        printf(" %s #%06X (band #%06X)", col_name[c], (unsigned)module[c], (unsigned)band[c]);
    printf("; band %d modules; %d seeds\n", bandw, seeds);
    printf("%-12s %5s", "family", "n");
    for (int c = 0; c < NCOL; c++)
        printf(" %12s", col_name[c]);
    printf("\n");
    /* rows: each family summed over the reads, then each read summed over the families */
    for (int row = 0; row < FAM__COUNT + READ__COUNT; row++) {
        int sum[NCOL] = {0}, n = 0;
        for (int fam = 0; fam < FAM__COUNT; fam++)
            for (int rd = 0; rd < READ__COUNT; rd++)
                if (row < FAM__COUNT ? fam == row : rd == row - FAM__COUNT) {
                    n += total[fam][rd];
                    for (int c = 0; c < NCOL; c++)
                        sum[c] += ok[fam][rd][c];
                }
        char label[32];
        snprintf(label, sizeof label, "%s%s", row < FAM__COUNT ? "" : "read ",
                 row < FAM__COUNT ? fam_name[row] : read_name[row - FAM__COUNT]);
        printf("%-12s %5d %12d", label, n, sum[0]);
        for (int c = 1; c < NCOL; c++) {
            double r = sum[0] ? (double)sum[c] / sum[0] : 1.0;
            if (n == 0)
                continue;
            printf(" %5d (%.2f)", sum[c], r);
            if (r < 0.95)
                fail = 1;
        }
        printf("%s\n", row == FAM__COUNT - 1 ? "\n" : "");
    }
    if (cells)
        for (int fam = 0; fam < FAM__COUNT; fam++)
            for (int rd = 0; rd < READ__COUNT; rd++) {
                printf("%-12s %s %3d:", fam_name[fam], read_name[rd], total[fam][rd]);
                for (int c = 0; c < NCOL; c++)
                    printf(" %s %d", col_name[c], ok[fam][rd][c]);
                printf("\n");
            }
    printf("%s\n", fail ? "FAIL: a colour reads under 0.95 of black on white" : "ok");
    return fail;
}

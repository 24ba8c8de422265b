/* seed_png.c — writes the scan target's seed images (run by seed.sh, not a test):
 *   seed_png OUT.png TEXT COLOUR(0-2) SCALE ECC(L/M/Q/H) BAND
 * Small scales keep the seeds small and the scan target fast. */
#include <stdio.h>
#include <stdlib.h>
#include <healthcode/healthcode.h>

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: seed_png OUT.png TEXT COLOUR SCALE ECC BAND\n");
        return 2;
    }
    hc_render_opts o = HC_RENDER_OPTS_DEFAULT;
    o.scale = atoi(argv[4]);
    o.band = atoi(argv[6]);
    if (hc_ecc_parse(argv[5], &o.ecc) != HC_OK)
        return 2;
    uint8_t *png = NULL;
    size_t len = 0;
    hc_err e = hc_render_png(argv[2], (hc_colour)atoi(argv[3]), &o, &png, &len);
    if (e != HC_OK) {
        fprintf(stderr, "seed_png: %s\n", hc_err_name(e));
        return 1;
    }
    FILE *f = fopen(argv[1], "wb");
    if (!f || fwrite(png, 1, len, f) != len || fclose(f) != 0) {
        perror(argv[1]);
        return 1;
    }
    hc_free(png);
    return 0;
}

/* degrade.h — synthetic camera frames of a rendered code, for the scan
 * robustness suite (scan_robust.c) and the degraded set of bench_scan.c:
 * the same families, strengths, placements and texts for both.
 *
 * A frame is what a scanner's sensor delivers: the code's picture (band,
 * quiet zone, modules in the library's colours) seen through a camera —
 * placed, rotated and tilted in perspective, blurred by the optics, lit
 * dimly or unevenly, read either by a colour sensor whose Y plane is used
 * (and maybe JPEG-compressed) or by a mono sensor under red, green or blue
 * light (one channel of the reflectance), with sensor noise. Everything is
 * deterministic in the seed. */
#ifndef HC_TEST_DEGRADE_H
#define HC_TEST_DEGRADE_H

#include <stdint.h>

/* How the sensor reads the scene. */
typedef enum { READ_Y, READ_R, READ_G, READ_B, READ__COUNT } dg_read;

typedef struct {
    /* the code: side x side cells, cell_rgb[i] its sRGB colour (0xRRGGBB) */
    int side;
    const uint32_t *cell_rgb;
    /* frame */
    int width, height;       /* pixels */
    double module_px;        /* pixels a cell at the centre of the frame */
    double cx, cy;           /* where the code's centre lands, in pixels */
    double angle_deg;        /* rotation */
    double tilt;             /* perspective: 0 none, 0.5 strong keystone */
    uint32_t background;     /* sRGB of what surrounds the code */
    /* optics and light */
    double blur_sigma;       /* Gaussian, pixels; 0 none */
    double light_min;        /* illumination: 1 even; the darkest corner's factor */
    double light_max;        /* the brightest corner's factor */
    /* sensor */
    dg_read read;
    double noise_sigma;      /* Gaussian, in 8-bit levels */
    int jpeg_quality;        /* 0 none, else 1..100 (IJG scaling, 4:2:0 for READ_Y) */
    uint64_t seed;
} dg_scene;

/* The geometry of scene (everything up to the cell colours): fills cells
 * (4 * width * height entries) with the cell each of 4 sample points a pixel
 * sees, -1 for the background. Shared by every colour of one scene. */
void dg_geometry(const dg_scene *scene, int32_t *cells);

/* Renders scene, whose geometry dg_geometry gave in cells, into out
 * (width * height bytes, packed rows). Returns 0, or -1 when memory runs
 * out. */
int dg_render(const dg_scene *scene, const int32_t *cells, uint8_t *out);

/* The families of degradation, each at three strengths (clean: one). */
typedef enum {
    DG_CLEAN, DG_NOISE, DG_JPEG, DG_BLUR, DG_ROTATION, DG_PERSPECTIVE, DG_DIM, DG_UNEVEN,
    DG__FAMILIES
} dg_family;

extern const char *const dg_family_name[DG__FAMILIES];
extern const char *const dg_read_name[READ__COUNT];

static inline int dg_strengths(dg_family f)
{
    return f == DG_CLEAN ? 1 : 3;
}

/* Where a case puts the code. */
typedef struct {
    /* 0 x 0: a square frame fitted to the code (1.45 times its side), at 3.5,
     * 4 or 4.5 pixels a module: scan_robust's colour comparison. */
    int width, height;
    /* otherwise the picture's side (band included) over the frame's height:
     * 0.6 is a phone held to a reader */
    double code_frac;
} dg_view;

/* The scene of one case: a picture of side x side cells (cell_rgb still to
 * set) seen in view, degraded by family fam at strength k (0 .. dg_strengths
 * - 1), read as rd, with the angle, position and noise drawn from seed. The
 * same arguments give the same scene. */
void dg_case(dg_scene *scene, int side, const dg_view *view, dg_family fam, int k, dg_read rd,
             unsigned seed);

/* What a code holds. */
typedef enum { DG_TOKEN, DG_PRESENTATION } dg_code;

/* The text of a code of kind `kind` for seed: a plain token's shape (240
 * characters, "HCODE1:" and base45, version 9 at ECC M; th_token240's text)
 * or a live presentation's ("HCLIVE1:" and base45: 412 characters, version 12
 * at ECC M, for even seeds, 440, version 13, for odd ones). Random base45
 * stands in for signed bytes, which a QR code cannot tell apart: the one
 * place to put real presentations in. A static buffer, overwritten by the
 * next call. */
const char *dg_code_text(dg_code kind, unsigned seed);

#endif

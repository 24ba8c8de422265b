/* degrade.h — synthetic camera frames of a rendered code, for the scan
 * robustness suite (scan_robust.c) and bench_scan.c.
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

#endif

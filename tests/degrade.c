/* degrade.c — synthetic camera frames (degrade.h). Plain C, no image
 * library: the scene is sampled analytically (4 points a pixel), then
 * blurred, lit, made noisy, JPEG-compressed (an 8x8 DCT with the IJG
 * quantisation tables, chroma 4:2:0) and read through one channel. */
#include "degrade.h"
#include "common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* About a standard normal: the sum of four uniforms (Irwin-Hall), centred and
 * scaled to variance 1, from one draw. No libm call: the C libraries of x86-64
 * and ARM round log and cos differently in the last place, and a frame must
 * be the same pixels on both (tests/cross.sh compares the reads). */
static double rng_gauss(uint64_t *s)
{
    uint64_t r = rng_next(s);
    double sum = (double)(r & 0xFFFF) + (double)((r >> 16) & 0xFFFF) + (double)((r >> 32) & 0xFFFF) +
                 (double)(r >> 48);
    return (sum / 65536.0 - 2.0) * 1.7320508075688772;   /* sqrt(3): each uniform has variance 1/12 */
}

/* The cell (index into cell_rgb) seen at frame point (u, v), or -1 for the
 * background: a keystone around the vertical axis (a homography), the
 * inverse rotation, then frame pixels to cells. */
static int32_t cell_at(const dg_scene *s, double ca, double sa, double u, double v)
{
    double r = s->module_px * s->side / 2.0;
    double nx = (u - s->cx) / r, ny = (v - s->cy) / r;
    double rx = nx * ca - ny * sa, ry = nx * sa + ny * ca;
    double w = 1.0 + s->tilt * rx * 0.5;
    if (w < 0.05)
        return -1;
    double cx = (rx / w + 1.0) * s->side / 2.0, cy = (ry / w + 1.0) * s->side / 2.0;
    if (cx < 0 || cy < 0 || cx >= s->side || cy >= s->side)
        return -1;
    return (int32_t)((size_t)cy * (size_t)s->side + (size_t)cx);
}

/* Where the code's corner (X, Y), each -1 or 1, lands in the frame: the
 * inverse of cell_at's mapping. */
static void corner(const dg_scene *s, double ca, double sa, double X, double Y, double *u, double *v)
{
    double r = s->module_px * s->side / 2.0;
    double rx = X / (1.0 - s->tilt * X * 0.5), ry = Y * (1.0 + s->tilt * rx * 0.5);
    double nx = rx * ca + ry * sa, ny = -rx * sa + ry * ca;
    *u = s->cx + nx * r, *v = s->cy + ny * r;
}

void dg_geometry(const dg_scene *s, int32_t *cells)
{
    static const double sub[4][2] = {{0.25, 0.25}, {0.75, 0.25}, {0.25, 0.75}, {0.75, 0.75}};
    double a = -s->angle_deg * M_PI / 180.0, ca = cos(a), sa = sin(a);
    /* Outside the box around the code's four corners (and a margin) no
     * sample point can see it: those pixels are background, uncomputed. */
    double x0 = s->width, y0 = s->height, x1 = 0, y1 = 0;
    for (int k = 0; k < 4; k++) {
        double u, v;
        corner(s, ca, sa, k & 1 ? 1.0 : -1.0, k & 2 ? 1.0 : -1.0, &u, &v);
        x0 = u < x0 ? u : x0, x1 = u > x1 ? u : x1, y0 = v < y0 ? v : y0, y1 = v > y1 ? v : y1;
    }
    for (int y = 0; y < s->height; y++)
        for (int x = 0; x < s->width; x++)
            for (int k = 0; k < 4; k++)
                *cells++ = x < x0 - 2 || x > x1 + 2 || y < y0 - 2 || y > y1 + 2
                               ? -1
                               : cell_at(s, ca, sa, x + sub[k][0], y + sub[k][1]);
}

static void gauss_blur(float *p, int w, int h, double sigma)
{
    int rad = (int)ceil(3.0 * sigma);
    float *k = malloc(sizeof *k * (size_t)(2 * rad + 1));
    float *tmp = malloc(sizeof *tmp * (size_t)(w > h ? w : h));
    if (!k || !tmp)
        goto done;
    double sum = 0;
    for (int i = -rad; i <= rad; i++)
        sum += k[i + rad] = (float)exp(-(double)(i * i) / (2 * sigma * sigma));
    for (int i = 0; i <= 2 * rad; i++)
        k[i] = (float)(k[i] / sum);
    for (int y = 0; y < h; y++) {
        float *row = p + (size_t)y * w;
        for (int x = 0; x < w; x++) {
            float acc = 0;
            for (int i = -rad; i <= rad; i++) {
                int xx = x + i < 0 ? 0 : x + i >= w ? w - 1 : x + i;
                acc += k[i + rad] * row[xx];
            }
            tmp[x] = acc;
        }
        memcpy(row, tmp, sizeof *tmp * (size_t)w);
    }
    for (int x = 0; x < w; x++) {
        for (int y = 0; y < h; y++) {
            float acc = 0;
            for (int i = -rad; i <= rad; i++) {
                int yy = y + i < 0 ? 0 : y + i >= h ? h - 1 : y + i;
                acc += k[i + rad] * p[(size_t)yy * w + x];
            }
            tmp[y] = acc;
        }
        for (int y = 0; y < h; y++)
            p[(size_t)y * w + x] = tmp[y];
    }
done:
    free(k);
    free(tmp);
}

/* ---- JPEG: 8x8 DCT-II, IJG tables scaled by quality, in place on a plane */
static const int q_luma[64] = {
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};
static const int q_chroma[64] = {
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99};

static void jpeg_plane(float *p, int w, int h, int quality, const int *base)
{
    int scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
    double q[64], c[8][8];
    for (int i = 0; i < 64; i++) {
        int v = (base[i] * scale + 50) / 100;
        q[i] = v < 1 ? 1 : v > 255 ? 255 : v;
    }
    for (int k = 0; k < 8; k++)
        for (int n = 0; n < 8; n++)
            c[k][n] = (k == 0 ? sqrt(0.125) : 0.5) * cos((2 * n + 1) * k * M_PI / 16);
    for (int by = 0; by < h; by += 8)
        for (int bx = 0; bx < w; bx += 8) {
            double b[8][8], t[8][8], f[8][8];
            for (int y = 0; y < 8; y++)
                for (int x = 0; x < 8; x++) {
                    int yy = by + y < h ? by + y : h - 1, xx = bx + x < w ? bx + x : w - 1;
                    b[y][x] = p[(size_t)yy * w + xx] - 128.0;
                }
            for (int v = 0; v < 8; v++)   /* rows then columns */
                for (int u = 0; u < 8; u++) {
                    double a = 0;
                    for (int x = 0; x < 8; x++)
                        a += c[u][x] * b[v][x];
                    t[v][u] = a;
                }
            for (int v = 0; v < 8; v++)
                for (int u = 0; u < 8; u++) {
                    double a = 0;
                    for (int y = 0; y < 8; y++)
                        a += c[v][y] * t[y][u];
                    f[v][u] = round(a / q[v * 8 + u]) * q[v * 8 + u];
                }
            for (int y = 0; y < 8; y++)   /* inverse */
                for (int u = 0; u < 8; u++) {
                    double a = 0;
                    for (int v = 0; v < 8; v++)
                        a += c[v][y] * f[v][u];
                    t[y][u] = a;
                }
            for (int y = 0; y < 8 && by + y < h; y++)
                for (int x = 0; x < 8 && bx + x < w; x++) {
                    double a = 0;
                    for (int u = 0; u < 8; u++)
                        a += c[u][x] * t[y][u];
                    a += 128.0;
                    p[(size_t)(by + y) * w + bx + x] = (float)(a < 0 ? 0 : a > 255 ? 255 : a);
                }
        }
}

/* Colour JPEG of rgb (3 planes) in place: YCbCr, chroma averaged 2x2 and
 * quantised with the chroma table, luma with the luma table. */
static int jpeg_rgb(float *rgb[3], int w, int h, int quality)
{
    size_t n = (size_t)w * h;
    int cw = (w + 1) / 2, chh = (h + 1) / 2;
    float *yp = malloc(n * sizeof *yp);
    float *cb = calloc((size_t)cw * chh, sizeof *cb), *cr = calloc((size_t)cw * chh, sizeof *cr);
    if (!yp || !cb || !cr) {
        free(yp), free(cb), free(cr);
        return -1;
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x, j = (size_t)(y / 2) * cw + x / 2;
            double r = rgb[0][i], g = rgb[1][i], b = rgb[2][i];
            yp[i] = (float)(0.299 * r + 0.587 * g + 0.114 * b);
            cb[j] += (float)(0.25 * (128 - 0.168736 * r - 0.331264 * g + 0.5 * b));
            cr[j] += (float)(0.25 * (128 + 0.5 * r - 0.418688 * g - 0.081312 * b));
        }
    jpeg_plane(yp, w, h, quality, q_luma);
    jpeg_plane(cb, cw, chh, quality, q_chroma);
    jpeg_plane(cr, cw, chh, quality, q_chroma);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x, j = (size_t)(y / 2) * cw + x / 2;
            double Y = yp[i], B = cb[j] - 128.0, R = cr[j] - 128.0;
            rgb[0][i] = (float)(Y + 1.402 * R);
            rgb[1][i] = (float)(Y - 0.344136 * B - 0.714136 * R);
            rgb[2][i] = (float)(Y + 1.772 * B);
        }
    free(yp), free(cb), free(cr);
    return 0;
}

int dg_render(const dg_scene *s, const int32_t *cells, uint8_t *out)
{
    int w = s->width, h = s->height;
    size_t n = (size_t)w * h;
    /* A mono sensor reads one channel; unless JPEG mixes them, only that one
     * is computed. */
    int all = s->read == READ_Y || s->jpeg_quality > 0;
    int first = all ? 0 : (int)s->read - READ_R, last = all ? 2 : first;
    float *rgb[3] = {NULL, NULL, NULL};
    int rc = -1;
    uint64_t rs = s->seed * 0x9E3779B97F4A7C15ull + 1;
    for (int ch = first; ch <= last; ch++)
        if (!(rgb[ch] = malloc(n * sizeof(float))))
            goto done;
    for (size_t i = 0; i < n; i++) {
        unsigned acc[3] = {0, 0, 0};
        for (int k = 0; k < 4; k++) {
            int32_t c = cells[4 * i + (size_t)k];
            uint32_t v = c < 0 ? s->background : s->cell_rgb[c];
            acc[0] += (v >> 16) & 0xFF, acc[1] += (v >> 8) & 0xFF, acc[2] += v & 0xFF;
        }
        for (int ch = first; ch <= last; ch++)
            rgb[ch][i] = (float)acc[ch] / 4.0f;
    }
    for (int ch = first; ch <= last; ch++)
        if (s->blur_sigma > 0)
            gauss_blur(rgb[ch], w, h, s->blur_sigma);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double light = s->light_max + (s->light_min - s->light_max) * ((double)x / w + (double)y / h) / 2;
            for (int ch = first; ch <= last; ch++) {
                float *p = &rgb[ch][(size_t)y * w + x];
                /* a sensor's black level and flare: black paper is 16, white 235 */
                double v = 16.0 + *p * light * (219.0 / 255.0) +
                           (s->noise_sigma > 0 ? s->noise_sigma * rng_gauss(&rs) : 0);
                *p = (float)(v < 0 ? 0 : v > 255 ? 255 : floor(v + 0.5));
            }
        }
    if (s->jpeg_quality > 0 && jpeg_rgb(rgb, w, h, s->jpeg_quality) != 0)
        goto done;
    for (size_t i = 0; i < n; i++) {
        double v = s->read == READ_Y ? 0.299 * rgb[0][i] + 0.587 * rgb[1][i] + 0.114 * rgb[2][i]
                                     : rgb[s->read - READ_R][i];
        out[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : floor(v + 0.5));
    }
    rc = 0;
done:
    free(rgb[0]), free(rgb[1]), free(rgb[2]);
    return rc;
}

const char *const dg_family_name[DG__FAMILIES] = {"clean", "noise", "jpeg", "blur", "rotation",
                                                   "perspective", "dim", "uneven"};
const char *const dg_read_name[READ__COUNT] = {"Y", "R", "G", "B"};

/* Family fam at strength k on top of the scene's placement. */
static void degrade(dg_scene *s, dg_family fam, int k)
{
    switch (fam) {
    case DG_NOISE: s->noise_sigma = (double[]){24, 36, 48}[k]; break;
    case DG_JPEG: s->jpeg_quality = (int[]){20, 10, 5}[k]; s->noise_sigma = 4; break;
    case DG_BLUR: s->blur_sigma = (double[]){1.3, 1.7, 2.1}[k]; s->noise_sigma = 4; break;
    case DG_ROTATION: s->angle_deg += (double[]){15, 30, 45}[k]; s->noise_sigma = 8; break;
    case DG_PERSPECTIVE: s->tilt = (double[]){0.1, 0.2, 0.3}[k]; s->noise_sigma = 8; break;
    case DG_DIM:
        s->light_min = s->light_max = (double[]){0.25, 0.12, 0.07}[k];
        s->noise_sigma = 5;
        break;
    case DG_UNEVEN:
        s->light_max = 1.0;
        s->light_min = (double[]){0.35, 0.2, 0.1}[k];
        s->noise_sigma = 5;
        break;
    default: break;
    }
}

void dg_case(dg_scene *s, int side, const dg_view *view, dg_family fam, int k, dg_read rd,
             unsigned seed)
{
    uint64_t sd = (uint64_t)seed * 1000003u + (uint64_t)fam * 101u + (uint64_t)k * 7u + (uint64_t)rd;
    *s = (dg_scene){.side = side, .angle_deg = (double)(sd % 11) - 5.0, .background = 0x8C8478,
                    .light_min = 1.0, .light_max = 1.0, .read = rd, .seed = sd};
    if (view->width > 0) {
        s->width = view->width;
        s->height = view->height;
        s->module_px = view->code_frac * view->height / side;
        s->cx = view->width / 2.0 + (double)(sd % 41) - 20.0;
        s->cy = view->height / 2.0 + (double)(sd % 23) - 11.0;
    } else {
        s->module_px = 3.5 + 0.5 * (double)(sd % 3);
        s->width = s->height = (int)(s->module_px * side * 1.45) + 16;
        s->cx = s->width / 2.0 + (double)(sd % 7) - 3.0;
        s->cy = s->height / 2.0 + (double)(sd % 5) - 2.0;
    }
    degrade(s, fam, k);
}

const char *dg_code_text(dg_code kind, unsigned seed)
{
    if (kind == DG_TOKEN)
        return th_token240(seed * 2654435761u + 7);
    static char t[441];
    static const char b45[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    size_t n = seed % 2 ? 440 : 412;
    unsigned state = seed * 2246822519u + 11;
    memcpy(t, "HCLIVE1:", 8);
    for (size_t i = 8; i < n; i++) {
        state = state * 1103515245u + 12345u;
        t[i] = b45[(state >> 16) % 45];
    }
    t[n] = '\0';
    return t;
}

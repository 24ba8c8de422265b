/* degrade.c — synthetic camera frames (degrade.h). Plain C, no image
 * library: the scene is sampled analytically (4 points a pixel), then
 * blurred, lit, made noisy, JPEG-compressed (an 8x8 DCT with the IJG
 * quantisation tables, chroma 4:2:0) and read through one channel. */
#include "degrade.h"

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

static double rng_gauss(uint64_t *s)
{
    double u1 = ((double)(rng_next(s) >> 11) + 1.0) / 9007199254740993.0;
    double u2 = (double)(rng_next(s) >> 11) / 9007199254740992.0;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
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

void dg_geometry(const dg_scene *s, int32_t *cells)
{
    static const double sub[4][2] = {{0.25, 0.25}, {0.75, 0.25}, {0.25, 0.75}, {0.75, 0.75}};
    double a = -s->angle_deg * M_PI / 180.0, ca = cos(a), sa = sin(a);
    for (int y = 0; y < s->height; y++)
        for (int x = 0; x < s->width; x++)
            for (int k = 0; k < 4; k++)
                *cells++ = cell_at(s, ca, sa, x + sub[k][0], y + sub[k][1]);
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
    float *rgb[3] = {malloc(n * sizeof(float)), malloc(n * sizeof(float)), malloc(n * sizeof(float))};
    int rc = -1;
    uint64_t rs = s->seed * 0x9E3779B97F4A7C15ull + 1;
    if (!rgb[0] || !rgb[1] || !rgb[2])
        goto done;
    for (size_t i = 0; i < n; i++) {
        unsigned acc[3] = {0, 0, 0};
        for (int k = 0; k < 4; k++) {
            int32_t c = cells[4 * i + (size_t)k];
            uint32_t v = c < 0 ? s->background : s->cell_rgb[c];
            acc[0] += (v >> 16) & 0xFF, acc[1] += (v >> 8) & 0xFF, acc[2] += v & 0xFF;
        }
        for (int ch = 0; ch < 3; ch++)
            rgb[ch][i] = (float)acc[ch] / 4.0f;
    }
    for (int ch = 0; ch < 3; ch++)
        if (s->blur_sigma > 0)
            gauss_blur(rgb[ch], w, h, s->blur_sigma);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double light = s->light_max + (s->light_min - s->light_max) * ((double)x / w + (double)y / h) / 2;
            for (int ch = 0; ch < 3; ch++) {
                float *p = &rgb[ch][(size_t)y * w + x];
                /* a sensor's black level and flare: black paper is 16, white 235 */
                double v = 16.0 + *p * light * (219.0 / 255.0) +
                           (s->noise_sigma > 0 ? s->noise_sigma * rng_gauss(&rs) : 0);
                *p = (float)(v < 0 ? 0 : v > 255 ? 255 : round(v));
            }
        }
    if (s->jpeg_quality > 0 && jpeg_rgb(rgb, w, h, s->jpeg_quality) != 0)
        goto done;
    for (size_t i = 0; i < n; i++) {
        double v = s->read == READ_Y ? 0.299 * rgb[0][i] + 0.587 * rgb[1][i] + 0.114 * rgb[2][i]
                                     : rgb[s->read - READ_R][i];
        out[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lround(v));
    }
    rc = 0;
done:
    free(rgb[0]), free(rgb[1]), free(rgb[2]);
    return rc;
}

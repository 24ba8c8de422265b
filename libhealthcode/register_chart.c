/* register_chart.c — the province's numbers as a chart: stacked bars of
 * green, yellow and red codes per day, province or prefecture, in the
 * bands' colours (render.h), labelled in Chinese and English, drawn with
 * cairo into SVG or PNG. It reads an hc_register_stats (the counts), never
 * a token. Built when cairo and the render part are (-Dregister). */
#include "internal.h"
#include "register_impl.h"
#include "regions_impl.h"

#include <healthcode/assess.h>
#include <healthcode/render.h>

#include <cairo.h>
#include <cairo-svg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define W 1000.0
#define H 600.0
#define LEFT 90.0
#define RIGHT 110.0
#define TOP 80.0
#define BOTTOM 140.0
#define FONT "Noto Sans CJK SC"

/* The bytes cairo writes, collected for one atomic write. */
typedef struct {
    uint8_t *p;
    size_t len, cap;
    bool nomem;
} sink;

static cairo_status_t sink_write(void *closure, const unsigned char *data, unsigned int n)
{
    sink *s = closure;
    if (s->len + n > s->cap) {
        size_t cap = s->cap ? s->cap : 65536;
        while (cap < s->len + n)
            cap *= 2;
        uint8_t *p = realloc(s->p, cap);
        if (!p) {
            s->nomem = true;
            return CAIRO_STATUS_NO_MEMORY;
        }
        s->p = p;
        s->cap = cap;
    }
    memcpy(s->p + s->len, data, n);
    s->len += n;
    return CAIRO_STATUS_SUCCESS;
}

static void set_rgb(cairo_t *cr, uint32_t rgb)
{
    cairo_set_source_rgb(cr, (rgb >> 16 & 255) / 255.0, (rgb >> 8 & 255) / 255.0, (rgb & 255) / 255.0);
}

static void text_at(cairo_t *cr, double x, double y, double size, const char *s, double align)
{
    cairo_text_extents_t e;
    cairo_set_font_size(cr, size);
    cairo_text_extents(cr, s, &e);
    cairo_move_to(cr, x - align * e.x_advance, y);
    cairo_show_text(cr, s);
}

/* 12345678 → "12 345 678" */
static void group_digits(uint64_t v, char *out, size_t cap)
{
    char d[24];
    int n = snprintf(d, sizeof d, "%" PRIu64, v);
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = ' ';
        out[o++] = d[i];
    }
    out[o] = '\0';
}

/* A round step for about 5 ticks up to max. */
static uint64_t tick_step(uint64_t max)
{
    uint64_t step = 1;
    while (step * 10 <= max / 2)
        step *= 10;
    if (max / step > 10)
        step *= 5;
    else if (max / step > 5)
        step *= 2;
    return step ? step : 1;
}

static void row_label(const hc_register_stats *s, const hc_stats_row *r, char *buf, size_t cap)
{
    if (s->by == HC_STATS_BY_DAY) {
        char day[11];
        hc_day_format((hc_day)r->key, day);
        hc_strlcpy(buf, day, cap);
        return;
    }
    char name[128];
    /* named as it was in the newest revision (INT32_MAX: the latest) */
    if (r->key && hc_region_name_zh((uint32_t)r->key, INT32_MAX, name, sizeof name))
        snprintf(buf, cap, "%s %06" PRId64, name, r->key);
    else if (r->key)
        snprintf(buf, cap, "%06" PRId64, r->key);
    else
        hc_strlcpy(buf, "无地区 none", cap);
}

static const char *const titles[] = {
    [HC_STATS_BY_DAY] = "每日发放健康码  Health codes issued per day",
    [HC_STATS_BY_PROVINCE] = "各省发放健康码  Health codes issued per province",
    [HC_STATS_BY_PREFECTURE] = "各地市发放健康码  Health codes issued per prefecture",
};

static void draw_legend(cairo_t *cr, const hc_register_stats *s)
{
    static const char *const names[3] = {"绿码 green", "黄码 yellow", "红码 red"};
    uint64_t all = s->issued[0] + s->issued[1] + s->issued[2];
    char total[32], line[160];
    group_digits(all, total, sizeof total);
    snprintf(line, sizeof line, "共 %s 个  total %s   绿码占比 green share %.1f %%", total, total,
             all ? 100.0 * (double)s->issued[HC_GREEN] / (double)all : 0.0);
    set_rgb(cr, 0x333333);
    text_at(cr, LEFT, TOP - 22, 14, line, 0);
    double x = W - RIGHT - 3 * 130;
    for (int c = 0; c < 3; c++, x += 130) {
        set_rgb(cr, hc_render_band_rgb((hc_colour)c));
        cairo_rectangle(cr, x, TOP - 34, 14, 14);
        cairo_fill(cr);
        set_rgb(cr, 0x333333);
        text_at(cr, x + 20, TOP - 22, 13, names[c], 0);
    }
}

static void draw_axes(cairo_t *cr, uint64_t top, uint64_t step)
{
    double ph = H - TOP - BOTTOM;
    cairo_set_line_width(cr, 1);
    for (uint64_t v = 0; v <= top; v += step) {
        double y = H - BOTTOM - ph * (double)v / (double)top;
        char lab[32];
        group_digits(v, lab, sizeof lab);
        set_rgb(cr, 0xdddddd);
        cairo_move_to(cr, LEFT, y);
        cairo_line_to(cr, W - RIGHT, y);
        cairo_stroke(cr);
        set_rgb(cr, 0x555555);
        text_at(cr, LEFT - 8, y + 4, 11, lab, 1);
    }
    set_rgb(cr, 0x555555);
    cairo_save(cr);
    cairo_move_to(cr, 22, H - BOTTOM);
    cairo_rotate(cr, -1.5707963);
    cairo_set_font_size(cr, 13);
    cairo_show_text(cr, "健康码数量  codes issued");
    cairo_restore(cr);
}

static void draw_bars(cairo_t *cr, const hc_register_stats *s, uint64_t top)
{
    double pw = W - LEFT - RIGHT, ph = H - TOP - BOTTOM;
    double slot = pw / (double)s->n_rows, bar = slot * 0.7;
    size_t every = (size_t)(14.0 / slot) + 1;   /* a label each 14 px at least */
    for (size_t i = 0; i < s->n_rows; i++) {
        const hc_stats_row *r = &s->rows[i];
        double x = LEFT + slot * (double)i + (slot - bar) / 2, y = H - BOTTOM;
        for (int c = 0; c < 3; c++) {
            double h = ph * (double)r->issued[c] / (double)top;
            set_rgb(cr, hc_render_band_rgb((hc_colour)c));
            cairo_rectangle(cr, x, y - h, bar, h);
            cairo_fill(cr);
            y -= h;
        }
        if (i % every)
            continue;
        char lab[160];
        row_label(s, r, lab, sizeof lab);
        set_rgb(cr, 0x333333);
        cairo_save(cr);
        cairo_move_to(cr, x + bar / 2 + 4, H - BOTTOM + 8);
        cairo_rotate(cr, 0.7853981);
        cairo_set_font_size(cr, 11);
        cairo_show_text(cr, lab);
        cairo_restore(cr);
    }
}

static void draw(cairo_t *cr, const hc_register_stats *s)
{
    uint64_t max = 1;
    for (size_t i = 0; i < s->n_rows; i++) {
        uint64_t t = s->rows[i].issued[0] + s->rows[i].issued[1] + s->rows[i].issued[2];
        max = t > max ? t : max;
    }
    uint64_t step = tick_step(max), top = (max + step - 1) / step * step;
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    set_rgb(cr, 0x111111);
    text_at(cr, LEFT, 32, 20, titles[s->by], 0);
    draw_legend(cr, s);
    draw_axes(cr, top, step);
    draw_bars(cr, s, top);
}

hc_err hc_register_chart(const hc_register_stats *s, hc_chart_format format, const char *path)
{
    if (!s || !path || s->by == HC_STATS_TOTAL || (unsigned)s->by > HC_STATS_BY_PREFECTURE ||
        (format != HC_CHART_SVG && format != HC_CHART_PNG))
        return HC_E_ARG;
    sink out = {0};
    cairo_surface_t *surf = format == HC_CHART_SVG
                                ? cairo_svg_surface_create_for_stream(sink_write, &out, W, H)
                                : cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)W, (int)H);
    cairo_t *cr = cairo_create(surf);
    draw(cr, s);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    if (format == HC_CHART_PNG && st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_write_to_png_stream(surf, sink_write, &out);
    cairo_surface_finish(surf);   /* the SVG is written out here */
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(surf);
    cairo_surface_destroy(surf);
    hc_err err = out.nomem || st == CAIRO_STATUS_NO_MEMORY ? HC_E_NOMEM
               : st != CAIRO_STATUS_SUCCESS ? HC_E_IO
               : hc_write_file_atomic(path, out.p, out.len, 0644);
    free(out.p);
    return err;
}

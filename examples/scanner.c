/*
 * scanner.c — the loop a checkpoint scanner's firmware runs, on the public
 * API: camera frame → token text (hc_scan_frame) → hc_verify → the venue's
 * decision, one line a person who shows a code.
 *
 * Frames are raw, as a camera driver delivers them, width x height pixels:
 *   gray   8-bit luminance, stride bytes a row (a mono sensor)
 *   nv12   the Y plane (stride x height) then interleaved chroma (half as
 *          much): only the Y plane is read, in place
 *   yuyv   Y0 U Y1 V: the luma bytes are gathered into a packed plane
 * from a directory (each regular file one frame, in name order) or from one
 * file or stdin ("-") holding frames back to back, e.g. a video's frames:
 *   ffmpeg -i clip.mp4 -f rawvideo -pix_fmt gray - | scanner --trust keys/ --size 640x480 -
 *
 *   scanner --trust PEM|DIR [--trust …] [--revoked FILE] [--venue VENUE.json]
 *           --size WxH [--stride N] [--format gray|nv12|yuyv] [--now EPOCH] SOURCE
 *
 * A code held in front of the camera is seen in many frames: it is decided
 * once, until a frame without it (or another code) arrives. "It" is the same
 * text (the same length and bytes) or, for a phone that remakes its live
 * presentation while held, a text with the same cti. A code admitted here and
 * shown again within the live window (60 s) after it left the frame is denied
 * as a repeat (a screenshot passed back through the queue): the repeat memory
 * (hc_repeats, 1024 entries) is allocated once, at the start. At the end a line gives the frames read and the
 * mean and worst time from frame to verdict. Input that is not whole frames
 * (a stream whose length the frame size does not divide, a file of a
 * directory that is not one frame) is reported on stderr, with its size and
 * the frame's: a wrong --size, --stride or --format shows there. Exit status:
 * 0; 2 usage (a frame whose size does not fit in memory included); 3 a file
 * could not be loaded; 4 the input held bytes that were not a whole frame
 * (the whole frames were still read).
 *
 * Build against an installed library:
 *   cc scanner.c $(pkg-config --cflags --libs healthcode) -o scanner
 */
#define _POSIX_C_SOURCE 200809L   /* clock_gettime, strdup: also under -std=c11 */
#include <healthcode/healthcode.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef enum { FMT_GRAY, FMT_NV12, FMT_YUYV } frame_format;

typedef struct {
    hc_trust *trust;
    hc_revocations *revoked;
    hc_venue_rules rules;
    int64_t now;                 /* 0: the clock */
    unsigned width, height;
    size_t stride, frame_bytes;
    frame_format format;
    uint8_t *raw, *luma;         /* one frame as read; its packed Y (yuyv) */
    hc_repeats *seen;            /* the codes admitted lately */
    char last[HC_TOKEN_MAX + 1]; /* the text decided last */
    size_t last_len;             /* its length; 0 after a frame without it */
    uint8_t last_cti[8];         /* its cti, when it verified */
    int last_verified;
    long frames, decisions;
    int partial;                 /* input that was not a whole frame was seen */
    double total_ms, worst_ms;
} scanner;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Verifies a text new to the camera and prints the venue's decision, unless
 * it is the code held there already (held: it was in the frame before),
 * remade with the same cti. */
static void decide(scanner *s, const char *text, size_t len, int held)
{
    hc_verify_opts opts = HC_VERIFY_OPTS_DEFAULT;
    opts.revoked = s->revoked;
    int64_t now = s->now ? s->now : (int64_t)time(NULL);
    hc_claims c;
    hc_decision d;
    hc_err err = hc_verify(s->trust, text, len, now, &opts, &c);
    int same = held && err == HC_OK && s->last_verified && memcmp(c.cti, s->last_cti, 8) == 0;
    s->last_verified = err == HC_OK;
    if (err == HC_OK)
        memcpy(s->last_cti, c.cti, 8);
    if (same)
        return;
    if (err == HC_OK)
        err = hc_checkpoint_decide_repeats(&c, &s->rules, now, NAN, s->seen, &d);
    if (err != HC_OK)
        printf("frame %ld: DENY  invalid %s (%s)\n", s->frames, hc_err_name(err), hc_strerror(err));
    else
        printf("frame %ld: %s %s %s, issued by %s: %s\n", s->frames,
               d.verdict == HC_ADMIT ? "ADMIT" : "DENY ", d.code, hc_colour_name(c.colour), c.iss,
               d.en);
    s->decisions++;
}

/* One frame in s->raw: scan, and decide on a code not decided already. */
static void on_frame(scanner *s)
{
    double t0 = now_ms();
    const uint8_t *y = s->raw;
    size_t stride = s->stride;
    if (s->format == FMT_YUYV) {   /* luma is every other byte */
        for (unsigned r = 0; r < s->height; r++)
            for (unsigned x = 0; x < s->width; x++)
                s->luma[(size_t)r * s->width + x] = s->raw[(size_t)r * s->stride + 2 * (size_t)x];
        y = s->luma;
        stride = s->width;
    }
    char text[HC_TOKEN_MAX + 1];
    size_t len = 0;
    hc_err err = hc_scan_frame(y, s->width, s->height, stride, text, sizeof text, &len);
    s->frames++;
    if (err == HC_OK && (len != s->last_len || memcmp(text, s->last, len) != 0)) {
        decide(s, text, len, s->last_len != 0);
        memcpy(s->last, text, len);
        s->last_len = len;
    } else if (err != HC_OK) {
        s->last_len = 0;   /* the code left the frame: show it again, decide again */
    }
    double ms = now_ms() - t0;
    s->total_ms += ms;
    if (ms > s->worst_ms)
        s->worst_ms = ms;
}

/* Frames back to back in f until EOF. A short last frame is reported, not
 * scanned: its bytes are not a frame of this size. */
static void read_stream(scanner *s, FILE *f, const char *name)
{
    size_t n;
    unsigned long long total = 0;
    while ((n = fread(s->raw, 1, s->frame_bytes, f)) == s->frame_bytes) {
        total += n;
        on_frame(s);
    }
    if (n > 0) {
        total += n;
        fprintf(stderr, "%s: %llu bytes: %ld whole frames of %zu bytes and %zu bytes more, not a "
                        "whole frame (check --size, --stride and --format)\n",
                name, total, s->frames, s->frame_bytes, n);
        s->partial = 1;
    }
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Each regular file of dir is one frame, in name order. */
static int read_dir(scanner *s, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char **names = NULL;
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        char **nn = e->d_name[0] != '.' ? realloc(names, (n + 1) * sizeof *names) : NULL;
        if (nn && (nn[n] = strdup(e->d_name)))
            names = nn, n++;
        else if (nn)
            names = nn;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "rb");
        size_t n = f ? fread(s->raw, 1, s->frame_bytes, f) : 0;
        int more = f && n == s->frame_bytes && fgetc(f) != EOF;
        if (f && n == s->frame_bytes && !more) {
            on_frame(s);
        } else {
            fprintf(stderr, "%s: %s, not one frame of %zu bytes (check --size, --stride and --format): "
                            "skipped\n", path, !f ? "cannot be read" : more ? "longer" : "shorter",
                    s->frame_bytes);
            s->partial = 1;
        }
        if (f)
            fclose(f);
        free(names[i]);
    }
    free(names);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: scanner --trust PEM|DIR [--trust …] [--revoked FILE]%s\n"
                    "               --size WxH [--stride N] [--format gray|nv12|yuyv] [--now EPOCH]\n"
                    "               DIR|FILE|-\n",
            HC_WITH_JSON ? " [--venue VENUE.json]" : "");
    return 2;
}

/* "640x480": two sides of 1 to 16384 pixels, nothing else. */
static int parse_size(const char *v, unsigned *w, unsigned *h)
{
    char *end;
    unsigned long a = strtoul(v, &end, 10), b;
    if (end == v || *end != 'x' || v[0] == '-' || v[0] == '+')
        return -1;
    const char *p = end + 1;
    b = strtoul(p, &end, 10);
    if (end == p || *end || p[0] == '-' || p[0] == '+' || a == 0 || b == 0 || a > 16384 || b > 16384)
        return -1;
    *w = (unsigned)a;
    *h = (unsigned)b;
    return 0;
}

/* A stride in bytes: digits only, at most 1 GiB (16384 pixels of YUYV is 32 KiB). */
static int parse_stride(const char *v, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (end == v || *end || v[0] == '-' || v[0] == '+' || errno || n == 0 || n > (1ull << 30))
        return -1;
    *out = (size_t)n;
    return 0;
}

/* The bytes of one frame (stride * height, with NV12's chroma half as much
 * again), refused when it would not fit in memory: a wrapped product would
 * be a small buffer that hc_scan_frame reads past. */
static int frame_size(scanner *s)
{
    size_t rows = s->format == FMT_NV12 ? (size_t)s->height + (s->height + 1) / 2 : s->height;
    if (s->stride > SIZE_MAX / rows || (size_t)s->width > SIZE_MAX / s->height)
        return -1;
    s->frame_bytes = s->stride * rows;
    return 0;
}

static int load_venue(const char *path, hc_venue_rules *rules)
{
    char buf[65536];
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 3;
    }
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    hc_diag d;
    hc_err err = hc_venue_parse_json(buf, n, rules, &d);
    if (err != HC_OK) {
        fprintf(stderr, "%s: %s: %s\n", path, hc_err_name(err), d.message);
        return 3;
    }
    return 0;
}

/* Reads the options into s and *source. Returns 0, or the exit status. */
static int parse_args(scanner *s, int argc, char **argv, const char **source)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        hc_diag d;
        memset(&d, 0, sizeof d);
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            *source = a;
            continue;
        }
        if (!v)
            return usage();
        i++;
        if (strcmp(a, "--trust") == 0) {
            hc_err err = hc_trust_add_path(s->trust, v, &d);
            if (err != HC_OK) {
                fprintf(stderr, "%s: %s: %s %s\n", v, hc_err_name(err), d.field, d.message);
                return 3;
            }
        } else if (strcmp(a, "--revoked") == 0) {
            if ((!s->revoked && hc_revocations_new(&s->revoked) != HC_OK) ||
                hc_revocations_load(s->revoked, v, &d) != HC_OK) {
                fprintf(stderr, "%s: line %ld: %s\n", v, d.line, d.message);
                return 3;
            }
        } else if (strcmp(a, "--venue") == 0) {
            if (load_venue(v, &s->rules) != 0)
                return 3;
        } else if (strcmp(a, "--size") == 0) {
            if (parse_size(v, &s->width, &s->height) != 0) {
                fprintf(stderr, "--size %s: want WxH, each side 1 to 16384 pixels\n", v);
                return usage();
            }
        } else if (strcmp(a, "--stride") == 0) {
            if (parse_stride(v, &s->stride) != 0) {
                fprintf(stderr, "--stride %s: want a number of bytes, 1 to 1073741824\n", v);
                return usage();
            }
        } else if (strcmp(a, "--format") == 0) {
            s->format = !strcmp(v, "nv12") ? FMT_NV12 : !strcmp(v, "yuyv") ? FMT_YUYV : FMT_GRAY;
            if (s->format == FMT_GRAY && strcmp(v, "gray") != 0)
                return usage();
        } else if (strcmp(a, "--now") == 0) {
            s->now = strtoll(v, NULL, 10);
        } else {
            return usage();
        }
    }
    if (!*source || s->width == 0 || s->height == 0 || hc_trust_count(s->trust) == 0)
        return usage();
    size_t row = s->format == FMT_YUYV ? 2 * (size_t)s->width : s->width;
    if (s->stride == 0)
        s->stride = row;
    if (s->stride < row) {
        fprintf(stderr, "--stride %zu: shorter than a row (%zu bytes)\n", s->stride, row);
        return usage();
    }
    if (frame_size(s) != 0) {
        fprintf(stderr, "--size %ux%u --stride %zu: a frame does not fit in memory\n", s->width,
                s->height, s->stride);
        return usage();
    }
    return 0;
}

/* Reads the frames of source (a directory, a file or "-"). Returns the exit status. */
static int run(scanner *s, const char *source)
{
    int status = 0;
    s->raw = malloc(s->frame_bytes);
    s->luma = malloc((size_t)s->width * s->height);
    if (!s->raw || !s->luma)
        return 3;
    DIR *probe = strcmp(source, "-") ? opendir(source) : NULL;
    if (probe) {
        closedir(probe);
        read_dir(s, source);
    } else {
        FILE *f = strcmp(source, "-") ? fopen(source, "rb") : stdin;
        if (!f) {
            perror(source);
            status = 3;
        } else {
            read_stream(s, f, source);
            if (f != stdin)
                fclose(f);
        }
    }
    fprintf(stderr, "%ld frames, %ld decisions; frame to verdict %.2f ms mean, %.2f ms worst\n",
            s->frames, s->decisions, s->frames ? s->total_ms / (double)s->frames : 0.0, s->worst_ms);
    return status == 0 && s->partial ? 4 : status;
}

int main(int argc, char **argv)
{
    scanner s = {.rules = HC_VENUE_RULES_DEFAULT};
    const char *source = NULL;
    if (hc_trust_new(&s.trust) != HC_OK ||
        hc_repeats_new(HC_REPEATS_DEFAULT_CAPACITY, HC_DEFAULT_LIVE_WINDOW_S, &s.seen) != HC_OK)
        return 3;
    int status = parse_args(&s, argc, argv, &source);
    if (status == 0)
        status = run(&s, source);
    free(s.raw);
    free(s.luma);
    hc_trust_free(s.trust);
    hc_revocations_free(s.revoked);
    hc_repeats_free(s.seen);
    return status;
}

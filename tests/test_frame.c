/* test_frame.c — hc_scan_frame reads a code from a camera-like luminance
 * frame: packed or with a stride (the Y plane of NV12), and gives the
 * documented errors. Needs no renderer and no libpng: the code's modules come
 * from tests/frames/sample.modules (examples/trust/sample.token, ECC M, one
 * row a line, '#' dark), so it runs in the scanner's own build, under qemu.
 * tests/frames/nul.modules is a code in byte mode whose 27 bytes are
 * "HCODE1:BEFORE", a NUL, "AFTER THE NUL" (libqrencode's QRcode_encodeData,
 * ECC M).
 *
 * tests/frames/live-a.modules and live-b.modules are two live presentations
 * of one bound token (tests/frames/make-live.sh made them).
 *
 * With --write DIR or --write-live DIR it writes the frames examples/scanner
 * reads in tests/scanner.sh instead of testing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <healthcode/scan.h>

#define W 640
#define H 480

static char modules[200][200];
static int side;
static char token[HC_TOKEN_MAX + 1];

static void load_modules(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        abort();
    side = 0;
    while (side < 200 && fgets(modules[side], sizeof modules[side], f))
        side++;
    fclose(f);
}

static void load(void)
{
    load_modules(HC_SOURCE_ROOT "/tests/frames/sample.modules");
    FILE *f = fopen(HC_SOURCE_ROOT "/examples/trust/sample.token", "r");
    if (!f || !fgets(token, sizeof token, f))
        abort();
    fclose(f);
    token[strcspn(token, "\r\n")] = '\0';
}

/* The code, `px` pixels a module, dark = 20, light = 230, on a grey desk of
 * 120, at (x0, y0) of a W x H frame whose rows are `stride` bytes apart. */
static uint8_t *frame(size_t stride, int px, int x0, int y0, bool with_code)
{
    uint8_t *f = malloc(stride * H);
    assert_non_null(f);
    memset(f, 0xEE, stride * H);   /* the padding after each row: never read */
    for (int y = 0; y < H; y++)
        memset(f + (size_t)y * stride, 120, W);
    if (!with_code)
        return f;
    int full = (side + 8) * px;    /* with the quiet zone */
    for (int y = 0; y < full; y++)
        for (int x = 0; x < full; x++) {
            int mx = x / px - 4, my = y / px - 4;
            bool dark = mx >= 0 && my >= 0 && mx < side && my < side && modules[my][mx] == '#';
            f[(size_t)(y0 + y) * stride + (size_t)(x0 + x)] = dark ? 20 : 230;
        }
    return f;
}

static void test_packed_and_strided(void **state)
{
    (void)state;
    const size_t strides[] = {W, W + 64, 1024};
    for (size_t i = 0; i < sizeof strides / sizeof *strides; i++) {
        uint8_t *f = frame(strides[i], 5, 60 + (int)i * 20, 40, true);
        char out[HC_TOKEN_MAX + 1];
        size_t n = 0;
        assert_int_equal(hc_scan_frame(f, W, H, strides[i], out, sizeof out, &n), HC_OK);
        assert_int_equal(n, strlen(token));
        assert_string_equal(out, token);
        free(f);
    }
}

static void test_no_code(void **state)
{
    (void)state;
    uint8_t *f = frame(W, 5, 0, 0, false);
    char out[8] = "stale";
    size_t n = 0;
    assert_int_equal(hc_scan_frame(f, W, H, W, out, sizeof out, &n), HC_E_NO_CODE);
    assert_string_equal(out, "");
    free(f);
}

static void test_buffer_too_small(void **state)
{
    (void)state;
    uint8_t *f = frame(W, 4, 100, 50, true);
    char out[16];
    size_t n = 0;
    assert_int_equal(hc_scan_frame(f, W, H, W, out, sizeof out, &n), HC_E_BUFFER);
    assert_int_equal(n, strlen(token));
    free(f);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    uint8_t px[64] = {0};
    char out[8];
    size_t n;
    assert_int_equal(hc_scan_frame(NULL, 8, 8, 8, out, sizeof out, &n), HC_E_ARG);
    assert_int_equal(hc_scan_frame(px, 8, 8, 8, NULL, sizeof out, &n), HC_E_ARG);
    assert_int_equal(hc_scan_frame(px, 8, 8, 8, out, sizeof out, NULL), HC_E_ARG);
    assert_int_equal(hc_scan_frame(px, 0, 8, 8, out, sizeof out, &n), HC_E_ARG);
    assert_int_equal(hc_scan_frame(px, 8, 0, 8, out, sizeof out, &n), HC_E_ARG);
    assert_int_equal(hc_scan_frame(px, 8, 8, 7, out, sizeof out, &n), HC_E_ARG);
    assert_int_equal(hc_scan_frame(px, HC_SCAN_FRAME_MAX_SIDE + 1, 1, HC_SCAN_FRAME_MAX_SIDE + 1, out,
                                   sizeof out, &n), HC_E_ARG);
    assert_int_equal(hc_scan_frame(px, 16384, 8192, 16384, out, sizeof out, &n), HC_E_ARG);
}

/* A code whose data holds a NUL byte is refused: a caller comparing C
 * strings would see "HCODE1:BEFORE" only, and two such codes as one. */
static void test_nul_refused(void **state)
{
    (void)state;
    load_modules(HC_SOURCE_ROOT "/tests/frames/nul.modules");
    uint8_t *f = frame(W + 32, 6, 100, 60, true);
    char out[HC_TOKEN_MAX + 1] = "stale";
    size_t n = 0;
    hc_err err = hc_scan_frame(f, W, H, W + 32, out, sizeof out, &n);
    load_modules(HC_SOURCE_ROOT "/tests/frames/sample.modules");
    assert_int_equal(err, HC_E_IMAGE);
    assert_string_equal(out, "");
    free(f);
}

/* A stride whose product with the height does not fit in memory is refused
 * before a byte is read (examples/scanner --stride 2^60 read past its
 * buffer). */
static void test_stride_overflow(void **state)
{
    (void)state;
    uint8_t px[256] = {0};
    char out[8];
    size_t n;
    assert_int_equal(hc_scan_frame(px, 16, 16, SIZE_MAX / 8, out, sizeof out, &n), HC_E_ARG);
    assert_int_equal(hc_scan_frame(px, 16, 16, SIZE_MAX, out, sizeof out, &n), HC_E_ARG);
}

/* A live presentation (tests/frames/live-a.modules: HCLIVE1:, version 13)
 * read from a camera frame like a token. */
static void test_presentation(void **state)
{
    (void)state;
    load_modules(HC_SOURCE_ROOT "/tests/frames/live-a.modules");
    uint8_t *f = frame(W, 5, 60, 30, true);
    char out[HC_TOKEN_MAX + 1];
    size_t n = 0;
    hc_err err = hc_scan_frame(f, W, H, W, out, sizeof out, &n);
    load_modules(HC_SOURCE_ROOT "/tests/frames/sample.modules");
    free(f);
    assert_int_equal(err, HC_OK);
    assert_int_equal(n, 439);
    assert_memory_equal(out, "HCLIVE1:", 8);
}

/* Frames of `n` codes (modules files; NULL: a frame without a code) into
 * dir/frameNN.gray and, when stream, dir/stream.gray. */
static int write_set(const char *dir, const char *const files[], int n, bool stream)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/stream.gray", dir);
    FILE *all = stream ? fopen(path, "wb") : NULL;
    if (stream && !all)
        return 1;
    for (int i = 0; i < n; i++) {
        if (files[i])
            load_modules(files[i]);
        uint8_t *f = frame(W, 5, 50 + 10 * i, 30, files[i] != NULL);
        snprintf(path, sizeof path, "%s/frame%02d.gray", dir, i);
        FILE *one = fopen(path, "wb");
        if (!one || fwrite(f, 1, (size_t)W * H, one) != (size_t)W * H || fclose(one) != 0 ||
            (all && fwrite(f, 1, (size_t)W * H, all) != (size_t)W * H))
            return 1;
        free(f);
    }
    return all && fclose(all) != 0;
}

/* Frames for tests/scanner.sh. --write DIR: the sample token in 3 frames
 * (one decision), 1 without, 2 with it again (a second showing of the code: a
 * repeat); then the same as one stream. --write-live DIR: a phone held to
 * the camera, its presentation remade between frames 2 and 3 (two texts, one
 * cti: one decision), 1 frame without, then the first again (a repeat). */
static int write_frames(const char *dir, bool live)
{
    const char *const s = HC_SOURCE_ROOT "/tests/frames/sample.modules";
    const char *const a = HC_SOURCE_ROOT "/tests/frames/live-a.modules";
    const char *const b = HC_SOURCE_ROOT "/tests/frames/live-b.modules";
    const char *const token[] = {s, s, s, NULL, s, s};
    const char *const shown[] = {a, a, b, b, NULL, a};
    return live ? write_set(dir, shown, 6, false) : write_set(dir, token, 6, true);
}

int main(int argc, char **argv)
{
    load();
    if (argc == 3 && (strcmp(argv[1], "--write") == 0 || strcmp(argv[1], "--write-live") == 0))
        return write_frames(argv[2], strcmp(argv[1], "--write-live") == 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packed_and_strided),
        cmocka_unit_test(test_no_code),
        cmocka_unit_test(test_buffer_too_small),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_nul_refused),
        cmocka_unit_test(test_stride_overflow),
        cmocka_unit_test(test_presentation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

// frame_zxing.cpp — hc_scan_frame's decoder in the default build (zxing-cpp,
// -Ddecoder=auto or zxing): the first QR code of an 8-bit gray image read in
// place, rows stride bytes apart. The only C++ in the library; frame.c calls
// it through a C declaration (scan_impl.h). zxing-cpp reports errors by
// result, never throws for a bad image; an allocation failure
// (std::bad_alloc) is caught and becomes HC_E_NOMEM.
//
// Up to three passes; a frame the first pass reads costs one.
//  1. zxing-cpp's default binarizer, LocalAverage: each 8x8 block against
//     the mean of the 5x5 blocks around it. It reads in dim and uneven light.
//     But a coloured band that is dark in the channel read (green under red
//     light, yellow under blue) lies inside that window of the finder
//     patterns at 3-5 pixels a module and pulls the threshold down: a blurred
//     finder ring then reads as light. Measured (README, Scanning): under blur
//     17/14/13/15 of 24 frames black/green/yellow/red, zbar 13/15/14/15.
//  2. A fixed threshold at mid-grey, which never looks at the band: 18 in
//     every colour. It reads nothing in dim light, hence second.
//  3. The same after an unsharp mask (7x7 box, amount 2), for codes whose
//     modules blur into each other: a version 12-13 presentation at 3.6
//     pixels a module reads all 72 blurred frames of bench_scan (6 seeds), as
//     the token does; with two passes it read 16 of 24 (2 seeds).
// A light ring between the band and the quiet zone also gives pass 1 back
// its blurred reads, but only to codes drawn from now on and at the cost of
// smaller modules at the same on-screen width; passes 2 and 3 read the codes
// already on phones and paper too.
#define ZX_USE_UTF8 1   // Result::text() as UTF-8 std::string (zxing-cpp 1.4; the default from 2.0)
#include <ZXing/ReadBarcode.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

extern "C" {
#include "scan_impl.h"
}

namespace {

const int SHARPEN_RADIUS = 3;       // the box is 2 * 3 + 1 = 7 pixels a side
const int SHARPEN_GAIN = 2;         // out = in + 2 * (in - the box's mean)
// zxing-cpp binarizes into a byte a pixel, and its downscaled copies (a
// ninth, an 81st) are made up front; pass 3 copies the frame. Above this many
// pixels (no camera frame a scanner reads; a PNG of up to 64 Mpixel) a scan
// costs the image and one binary copy: no downscaled copies, no pass 3
// (tests/test_hostile.c: a 64-Mpixel PNG within twice its pixels and 64 MiB).
const uint64_t LARGE_PIXELS = 8u * 1024 * 1024;

// Memory that is freed however the scope is left (zxing-cpp may throw).
// Plain malloc, not std::vector: the library exports no C++ template.
struct buffer {
    void *p;
    explicit buffer(size_t n) : p(std::malloc(n ? n : 1)) {}
    ~buffer() { std::free(p); }
    buffer(const buffer &) = delete;
    buffer &operator=(const buffer &) = delete;
};

ZXing::Result decode_pass(const ZXing::ImageView &view, ZXing::Binarizer binarizer)
{
    ZXing::DecodeHints hints;
    hints.setFormats(ZXing::BarcodeFormat::QRCode);   // nothing else: the band is not a barcode
    // tryHarder and tryRotate change no read of a QR code in frames under 1200
    // pixels high (measured) and cost a few percent. Downscaling stays on but
    // for large images: it is tried on frames of 500 pixels and more, after
    // the full frame.
    bool large = (uint64_t)view.width() * (uint64_t)view.height() > LARGE_PIXELS;
    hints.setTryHarder(false).setTryRotate(false).setTryDownscale(!large).setBinarizer(binarizer);
    return ZXing::ReadBarcode(view, hints);
}

int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

// out (w * h bytes) = in + 2 * (in - mean of the 7x7 box around it),
// clamped; the box is clamped at the edges. A ring of the box's 8 latest
// row sums, not a frame of them. Integers only: the same pixels on every CPU.
// false when memory runs out.
bool sharpen(const uint8_t *in, int w, int h, size_t stride, uint8_t *out)
{
    const int r = SHARPEN_RADIUS, rows = 2 * r + 2, area = (2 * r + 1) * (2 * r + 1);
    buffer ring_mem(sizeof(uint16_t) * (size_t)rows * (size_t)w), col_mem(sizeof(uint32_t) * (size_t)w);
    auto *ring = static_cast<uint16_t *>(ring_mem.p);   // row sums, at most 7 * 255
    auto *col = static_cast<uint32_t *>(col_mem.p);     // their sums down the box, at most 49 * 255
    if (!ring || !col)
        return false;
    auto row_sum = [&](int y) {   // the horizontal box sums of row y (clamped) into its ring slot
        int yy = clampi(y, 0, h - 1);
        const uint8_t *p = in + (size_t)yy * stride;
        uint16_t *s = ring + (size_t)((y + rows * 4) % rows) * (size_t)w;
        int acc = 0;
        for (int x = -r; x <= r; x++)
            acc += p[clampi(x, 0, w - 1)];
        for (int x = 0; x < w; x++) {
            s[x] = (uint16_t)acc;
            acc += p[clampi(x + r + 1, 0, w - 1)] - p[clampi(x - r, 0, w - 1)];
        }
        return s;
    };
    for (int x = 0; x < w; x++)
        col[x] = 0;
    for (int y = -r; y <= r; y++) {
        const uint16_t *s = row_sum(y);
        for (int x = 0; x < w; x++)
            col[x] += s[x];
    }
    for (int y = 0; y < h; y++) {
        const uint8_t *p = in + (size_t)y * stride;
        uint8_t *o = out + (size_t)y * w;
        for (int x = 0; x < w; x++)
            o[x] = (uint8_t)clampi(p[x] + SHARPEN_GAIN * (area * p[x] - (int)col[x]) / area, 0, 255);
        const uint16_t *sub = ring + (size_t)((y - r + rows * 4) % rows) * (size_t)w;
        const uint16_t *add = row_sum(y + r + 1);   // the slot of row y - r - 1, no longer needed
        for (int x = 0; x < w; x++)
            col[x] += add[x] - sub[x];
    }
    return true;
}

}   // namespace

extern "C" hc_err hc_zxing_find(const uint8_t *gray, unsigned w, unsigned h, size_t stride, char *text,
                                size_t cap, size_t *len_out)
{
    try {
        ZXing::ImageView view(gray, (int)w, (int)h, ZXing::ImageFormat::Lum, (int)stride);
        ZXing::Result r = decode_pass(view, ZXing::Binarizer::LocalAverage);
        if (!r.isValid())
            r = decode_pass(view, ZXing::Binarizer::FixedThreshold);
        if (!r.isValid() && (uint64_t)w * h <= LARGE_PIXELS) {
            buffer sharp((size_t)w * h);
            if (!sharp.p || !sharpen(gray, (int)w, (int)h, stride, static_cast<uint8_t *>(sharp.p)))
                return HC_E_NOMEM;
            r = decode_pass(ZXing::ImageView(static_cast<uint8_t *>(sharp.p), (int)w, (int)h,
                                             ZXing::ImageFormat::Lum),
                            ZXing::Binarizer::FixedThreshold);
        }
        if (!r.isValid())
            return HC_E_NO_CODE;
        std::string s = r.text();   // UTF-8; a token is ASCII
        *len_out = s.size();
        if (s.size() >= cap)
            return HC_E_BUFFER;
        std::memcpy(text, s.data(), s.size());
        text[s.size()] = '\0';
        return HC_OK;
    } catch (const std::bad_alloc &) {
        return HC_E_NOMEM;
    } catch (...) {
        return HC_E_IMAGE;
    }
}

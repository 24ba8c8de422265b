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
#include <new>
#include <vector>

extern "C" {
#include "scan_impl.h"
}

namespace {

const int SHARPEN_RADIUS = 3;       // the box is 2 * 3 + 1 = 7 pixels a side
const int SHARPEN_GAIN = 2;         // out = in + 2 * (in - the box's mean)

ZXing::Result read(const ZXing::ImageView &view, ZXing::Binarizer binarizer)
{
    ZXing::DecodeHints hints;
    hints.setFormats(ZXing::BarcodeFormat::QRCode);   // nothing else: the band is not a barcode
    // tryHarder and tryRotate change no read of a QR code in frames under 1200
    // pixels high (measured) and cost a few percent. Downscaling stays on: it
    // is tried on frames of 500 pixels and more, after the full frame.
    hints.setTryHarder(false).setTryRotate(false).setBinarizer(binarizer);
    return ZXing::ReadBarcode(view, hints);
}

// out = in + 2 * (in - mean of the 7x7 box around it), clamped; the box
// is clamped at the edges. Integers only: the same pixels on every CPU.
void sharpen(const uint8_t *in, int w, int h, size_t stride, std::vector<uint8_t> &out)
{
    const int r = SHARPEN_RADIUS, area = (2 * r + 1) * (2 * r + 1);
    std::vector<uint16_t> rows((size_t)w * h);   // horizontal sums, at most 7 * 255
    std::vector<uint32_t> col((size_t)w, 0);     // vertical sums of those, at most 49 * 255
    out.resize((size_t)w * h);
    auto clampi = [](int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; };
    for (int y = 0; y < h; y++) {
        const uint8_t *p = in + (size_t)y * stride;
        uint16_t *s = &rows[(size_t)y * w];
        int acc = 0;
        for (int x = -r; x <= r; x++)
            acc += p[clampi(x, 0, w - 1)];
        for (int x = 0; x < w; x++) {
            s[x] = (uint16_t)acc;
            acc += p[clampi(x + r + 1, 0, w - 1)] - p[clampi(x - r, 0, w - 1)];
        }
    }
    for (int y = -r; y <= r; y++)
        for (int x = 0; x < w; x++)
            col[x] += rows[(size_t)clampi(y, 0, h - 1) * w + x];
    for (int y = 0; y < h; y++) {
        const uint8_t *p = in + (size_t)y * stride;
        uint8_t *o = &out[(size_t)y * w];
        const uint16_t *add = &rows[(size_t)clampi(y + r + 1, 0, h - 1) * w];
        const uint16_t *sub = &rows[(size_t)clampi(y - r, 0, h - 1) * w];
        for (int x = 0; x < w; x++) {
            int v = p[x] + SHARPEN_GAIN * (area * p[x] - (int)col[x]) / area;
            o[x] = (uint8_t)clampi(v, 0, 255);
            col[x] += add[x] - sub[x];
        }
    }
}

}   // namespace

extern "C" hc_err hc_zxing_find(const uint8_t *gray, unsigned w, unsigned h, size_t stride, char *text,
                                size_t cap, size_t *len_out)
{
    try {
        ZXing::ImageView view(gray, (int)w, (int)h, ZXing::ImageFormat::Lum, (int)stride);
        ZXing::Result r = read(view, ZXing::Binarizer::LocalAverage);
        if (!r.isValid())
            r = read(view, ZXing::Binarizer::FixedThreshold);
        if (!r.isValid()) {
            std::vector<uint8_t> sharp;
            sharpen(gray, (int)w, (int)h, stride, sharp);
            r = read(ZXing::ImageView(sharp.data(), (int)w, (int)h, ZXing::ImageFormat::Lum),
                     ZXing::Binarizer::FixedThreshold);
        }
        if (!r.isValid())
            return HC_E_NO_CODE;
        std::string s = r.text();   // UTF-8; a token is ASCII
        return hc_scan_copy_text(s.data(), s.size(), text, cap, len_out);
    } catch (const std::bad_alloc &) {
        return HC_E_NOMEM;
    } catch (...) {
        return HC_E_IMAGE;
    }
}

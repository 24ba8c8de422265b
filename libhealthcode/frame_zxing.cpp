// frame_zxing.cpp — hc_scan_frame's decoder when built with -Ddecoder=zxing
// (zxing-cpp): the first QR code of a packed 8-bit gray image. The only C++
// in the library; frame.c calls it through a C declaration (scan_impl.h).
// zxing-cpp reports errors by result, never throws for a bad image; an
// allocation failure (std::bad_alloc) is caught and becomes HC_E_NOMEM.
#define ZX_USE_UTF8 1   // Result::text() as UTF-8 std::string (zxing-cpp 1.4; the default from 2.0)
#include <ZXing/ReadBarcode.h>

#include <cstring>
#include <new>

extern "C" {
#include "scan_impl.h"
}

extern "C" hc_err hc_zxing_find(const uint8_t *gray, unsigned w, unsigned h, size_t stride, char *text,
                                size_t cap, size_t *len_out)
{
    try {
        ZXing::DecodeHints hints;
        hints.setFormats(ZXing::BarcodeFormat::QRCode);   // nothing else: the band is not a barcode
        ZXing::ImageView view(gray, (int)w, (int)h, ZXing::ImageFormat::Lum, (int)stride);
        ZXing::Result r = ZXing::ReadBarcode(view, hints);
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

/* scan_impl.h — what frame.c gives scan.c. Not installed. */
#ifndef HC_SCAN_IMPL_H
#define HC_SCAN_IMPL_H

#include <healthcode/common.h>

/* Reads the first QR code in a packed w x h 8-bit gray image (w, h > 0,
 * w * h <= HC_SCAN_MAX_PIXELS) into text, as hc_scan_frame documents; a small
 * image without a code is tried once more at twice its size. The pixels are
 * only read. */
hc_err hc_scan_gray(const uint8_t *gray, unsigned w, unsigned h, char *text, size_t cap,
                    size_t *len_out);

/* frame_zxing.cpp (-Ddecoder=auto or zxing): the first QR code of a w x h
 * gray image whose rows are stride bytes apart, its bytes as the code holds
 * them (frame.c refuses a NUL among them). HC_OK, HC_E_NO_CODE, HC_E_BUFFER,
 * HC_E_IMAGE, HC_E_NOMEM. */
hc_err hc_zxing_find(const uint8_t *gray, unsigned w, unsigned h, size_t stride, char *text,
                     size_t cap, size_t *len_out);

#endif

/* fuzz_scan.c — PNG decoding and QR reading of any bytes. */
#include <healthcode/healthcode.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[HC_TOKEN_MAX + 1];
    size_t len = 0;
    if (hc_scan_png(data, size, text, sizeof text, &len) != HC_OK) {
        /* refusals are expected: only a crash or a sanitizer report fails */
    }
    return 0;
}

/* fuzz_base45.c — strict RFC 9285 decoding: never crashes, and whatever
 * decodes re-encodes to exactly the same text (one text per byte string). */
#include <stdlib.h>
#include <string.h>
#include "token_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[8192];
    static char back[12288];
    size_t len = 0, blen = 0;
    if (size > 12000)
        return 0;
    if (hc_base45_decode((const char *)data, size, out, sizeof out, &len) != HC_OK)
        return 0;
    if (hc_base45_encode(out, len, back, sizeof back, &blen) != HC_OK || blen != size ||
        memcmp(back, data, size) != 0)
        abort();
    return 0;
}

/* fuzz_scan.c — PNG decoding and QR reading of any bytes.
 *
 * libpng refuses a chunk whose CRC is wrong before it looks inside, so almost
 * every mutation of a seed would stop at the first CRC. So a copy of the input
 * gets every complete chunk's CRC recomputed, and the fuzzer reaches the header
 * checks, the transformations, the image data and zbar. The CRC refusal itself
 * is tested in test_scan.c (test_truncated). */
#include <stdlib.h>
#include <string.h>
#include <healthcode/healthcode.h>

static uint32_t crc_table[256];

static void crc_init(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

static uint32_t crc32_png(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++)
        c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

/* Rewrites the CRC of every complete chunk after the 8-byte signature. */
static void fix_crcs(uint8_t *p, size_t n)
{
    size_t pos = 8;
    while (n - pos >= 12) {
        uint32_t len = (uint32_t)p[pos] << 24 | (uint32_t)p[pos + 1] << 16 |
                       (uint32_t)p[pos + 2] << 8 | p[pos + 3];
        if (len > n - pos - 12)
            break;
        uint32_t crc = crc32_png(p + pos + 4, 4 + (size_t)len);
        uint8_t *q = p + pos + 8 + len;
        q[0] = (uint8_t)(crc >> 24);
        q[1] = (uint8_t)(crc >> 16);
        q[2] = (uint8_t)(crc >> 8);
        q[3] = (uint8_t)crc;
        pos += 12 + (size_t)len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        crc_init();
        ready = 1;
    }
    char text[HC_TOKEN_MAX + 1];
    size_t len = 0;
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    if (size >= 8)
        fix_crcs(copy, size);
    if (hc_scan_png(copy, size, text, sizeof text, &len) != HC_OK) {
        /* refusals are expected: only a crash or a sanitizer report fails */
    }
    free(copy);
    return 0;
}

/* fuzz_revocations.c — the revocation list: text and binary forms. */
#include <healthcode/healthcode.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hc_revocations *r = NULL;
    hc_diag d;
    if (hc_revocations_new(&r) != HC_OK)
        return 0;
    if (hc_revocations_add_text(r, (const char *)data, size, &d) == HC_OK && size >= 8) {
        uint8_t cti[8] = {0};
        for (int i = 0; i < 8; i++)
            cti[i] = data[i];
        bool hit = hc_revocations_has_cti(r, cti);
        (void)hit;
    }
    hc_revocations_free(r);
    return 0;
}

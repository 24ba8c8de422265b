/* fuzz_trustlist.c — the trust-list JSON parser. */
#include <healthcode/healthcode.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hc_trust *t = NULL;
    hc_diag d;
    if (hc_trust_new(&t) != HC_OK)
        return 0;
    if (hc_trust_add_list_json(t, (const char *)data, size, &d) != HC_OK) {
        /* refusals are expected: only a crash or a sanitizer report fails */
    }
    hc_trust_free(t);
    return 0;
}

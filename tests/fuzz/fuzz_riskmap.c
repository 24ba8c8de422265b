/* fuzz_riskmap.c — the risk-map CSV parser, on a fresh default policy each time. */
#include <stdlib.h>
#include <healthcode/healthcode.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hc_policy *p = NULL;
    hc_diag d;
    if (hc_policy_load(NULL, &p, NULL) != HC_OK)
        abort();
    if (hc_policy_set_risk_map_csv(p, (const char *)data, size, &d) != HC_OK) {
        /* refusals are expected: only a crash or a sanitizer report fails */
    }
    hc_policy_free(p);
    return 0;
}

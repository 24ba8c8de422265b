/* fuzz_policy.c — the policy JSON parser. */
#include <healthcode/healthcode.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hc_policy *p = NULL;
    hc_diag d;
    if (hc_policy_parse_json((const char *)data, size, &p, &d) == HC_OK)
        hc_policy_free(p);
    return 0;
}

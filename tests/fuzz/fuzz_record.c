/* fuzz_record.c — the person record parser, and the assessment of whatever parses. */
#include <stdlib.h>
#include <healthcode/healthcode.h>

static hc_policy *policy;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return hc_policy_load(NULL, &policy, NULL) == HC_OK ? 0 : (abort(), 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hc_record *r = NULL;
    hc_diag d;
    if (hc_record_parse_json((const char *)data, size, &r, &d) != HC_OK)
        return 0;
    static hc_assessment a;
    if (hc_assess(policy, r, 1580868000, &a, &d) != HC_OK) {
        /* refusals are expected: only a crash or a sanitizer report fails */
    }
    hc_record_free(r);
    return 0;
}

/* revoke.c — STUB so that verify.c links; replaced by the checkpoint work (issue 4). */
#include <healthcode/verify.h>
#include <stdlib.h>

struct hc_revocations { size_t n; };

hc_err hc_revocations_new(hc_revocations **out)
{
    if (!out)
        return HC_E_ARG;
    *out = calloc(1, sizeof **out);
    return *out ? HC_OK : HC_E_NOMEM;
}
hc_err hc_revocations_add_text(hc_revocations *r, const char *text, size_t len, hc_diag *diag)
{
    (void)r; (void)text; (void)len; (void)diag;
    return HC_E_UNSUPPORTED;
}
hc_err hc_revocations_load(hc_revocations *r, const char *path, hc_diag *diag)
{
    (void)r; (void)path; (void)diag;
    return HC_E_UNSUPPORTED;
}
bool hc_revocations_has_cti(const hc_revocations *r, const uint8_t cti[8]) { (void)r; (void)cti; return false; }
bool hc_revocations_has_sub(const hc_revocations *r, const uint8_t sub[16]) { (void)r; (void)sub; return false; }
size_t hc_revocations_count(const hc_revocations *r) { return r ? r->n : 0; }
void hc_revocations_free(hc_revocations *r) { free(r); }

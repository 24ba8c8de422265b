/* trustlist.c — STUB, replaced by the checkpoint work (issue 4). */
#include "trust_impl.h"
#include "internal.h"

hc_err hc_trust_add_list_file(hc_trust *t, const char *path, hc_diag *diag)
{
    (void)t;
    (void)path;
    return hc_diag_set(diag, HC_E_UNSUPPORTED, "", "trust-list JSON files are not supported yet");
}

/* pkcs11_none.c — keys on a PKCS#11 token in a build without them (no
 * p11-kit, or the verify-only build, which never signs): the two entry
 * points of key.h answer HC_E_UNSUPPORTED, and no key ever has a token.
 * With p11-kit, pkcs11.c takes this file's place. */
#include <healthcode/key.h>

#include <stddef.h>

hc_err hc_key_load_pkcs11(const char *uri, hc_key **out)
{
    (void)uri;
    if (out)
        *out = NULL;
    return HC_E_UNSUPPORTED;
}

hc_err hc_key_generate_pkcs11(hc_alg alg, const char *uri, hc_key **out)
{
    (void)alg, (void)uri;
    if (out)
        *out = NULL;
    return HC_E_UNSUPPORTED;
}

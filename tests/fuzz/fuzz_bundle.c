/* fuzz_bundle.c — the trust-bundle reader: hc_bundle_inspect on any bytes,
 * then hc_bundle_store_apply with tests/keys/ed25519.pem pinned as the root
 * (the seeds are signed by it, so an input that keeps its signature reaches
 * the checks after it: order, base, expiry, building the trust), then a delta
 * on top when the first one is accepted. */
#include <healthcode/bundle.h>
#include "../mint.h"

#include <stdlib.h>

static hc_key *root;

/* Its public half, once: pinning a private key would copy it through DER
 * on every input (hc_bundle_store_add_root keeps only the public half). */
static void load_root(void)
{
    if (root)
        return;
    hc_key *priv = mint_load_key("tests/keys/ed25519.pem");
    if (priv && hc_key_public_copy(priv, &root) != HC_OK)
        root = NULL;
    hc_key_free(priv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load_root();
    hc_bundle_info info;
    hc_bundle_key_info keys[4];
    if (hc_bundle_inspect(data, size, &info, keys, 4) == HC_OK)
        hc_bundle_key_info_clear(keys, info.n_keys < 4 ? info.n_keys : 4);
    hc_bundle_store *s = NULL;
    if (!root || hc_bundle_store_new(&s) != HC_OK)
        return 0;
    if (hc_bundle_store_add_root(s, root) == HC_OK &&
        hc_bundle_store_apply(s, data, size, 1580864400, HC_BUNDLE_ACCEPT_STALE, NULL, NULL) ==
            HC_OK) {
        /* the same bytes again: a reload (full) or a wrong base (delta) */
        hc_err again = hc_bundle_store_apply(s, data, size, 1580864400, 0, NULL, NULL);
        (void)again;
        (void)hc_bundle_store_trust(s);
    }
    hc_bundle_store_free(s);
    return 0;
}

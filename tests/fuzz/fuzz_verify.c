/* fuzz_verify.c — hc_verify and hc_inspect on any text: never crash, never
 * accept. The trust store holds the fixed test keys, so seeds that are real
 * tokens reach the signature and claims steps. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <healthcode/healthcode.h>

static hc_trust *trust;

static void add_key(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/keys/%s", HC_SOURCE_ROOT, name);
    if (hc_trust_add_path(trust, path, NULL) != HC_OK) {
        fprintf(stderr, "fuzz_verify: cannot load %s\n", path);
        abort();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (hc_trust_new(&trust) != HC_OK)
        abort();
    add_key("es256.pub.pem");
    add_key("ed25519.pub.pem");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hc_claims c;
    /* a time inside the vectors' validity, so that good seeds verify all the way */
    hc_err err = hc_verify(trust, (const char *)data, size, 1580868000, NULL, &c);
    if (err == HC_OK && (c.colour > HC_RED || !c.claims_ok))
        abort();
    hc_err ie = hc_inspect((const char *)data, size, &c);
    (void)ie;
    return 0;
}

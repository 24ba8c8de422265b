/* fuzz_present.c — live presentations (doc/format.md P1-P5) and the holder's
 * side, on any bytes:
 *   - the input as a presentation's COSE bytes, written "HCLIVE1:" + base45
 *     so that the fuzzer mutates CBOR rather than text: hc_verify and
 *     hc_inspect; a text that already starts with "HCLIVE1:" is verified as
 *     it is too;
 *   - the input as a token's COSE bytes: hc_present with the P-256 device
 *     key of tests/keys, and what it makes verified again.
 * Never crash, never accept what P1-P5 refuse: a presentation verified OK is
 * live, bound, its claims read and t within the window; a presentation the
 * library made never fails P1, P3, P4 or P5 (only the token inside, P2, may
 * be refused: unknown issuer, expired…). The trust store holds the test
 * issuer keys, and the time is the vectors' (tests/vectors), so the seeds
 * (every live vector) verify all the way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <healthcode/healthcode.h>
#include "token_impl.h"

#define NOW 1580601600   /* the vectors' now */

static hc_trust *trust;
static hc_key *device;

static char *read_key(const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/keys/%s", HC_SOURCE_ROOT, name);
    FILE *f = fopen(path, "rb");
    static char buf[8192];
    *len = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (f)
        fclose(f);
    if (*len == 0) {
        fprintf(stderr, "fuzz_present: cannot read %s\n", path);
        abort();
    }
    return buf;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const char *const issuers[] = {"es256.pub.pem", "ed25519.pub.pem", "sm2.pub.pem"};
    if (hc_trust_new(&trust) != HC_OK)
        abort();
    for (size_t i = 0; i < 3; i++) {
        size_t n = 0;
        char *pem = read_key(issuers[i], &n);
        if (hc_trust_add_pem(trust, pem, n, NULL) != HC_OK)
            abort();
    }
    size_t n = 0;
    char *pem = read_key("device-es256.pem", &n);   /* from memory: git keeps no 0600 */
    if (hc_key_load_pem(pem, n, &device) != HC_OK)
        abort();
    return 0;
}

/* A verify that says OK must mean what P1-P5 promise. */
static void verify_checked(const char *text, size_t len)
{
    hc_claims c;
    hc_err err = hc_verify(trust, text, len, NOW, NULL, &c);
    if (err == HC_OK && (!c.live || !c.bound || !c.claims_ok || !c.presented || c.t < NOW - 60 ||
                         c.t > NOW + 60 || c.colour > HC_RED))
        abort();
    if (err != HC_OK && c.live)
        abort();
    hc_err ie = hc_inspect(text, len, &c);
    (void)ie;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char text[HC_TOKEN_MAX + 64], pres[HC_TOKEN_MAX + 1];
    size_t b45 = 0, len = 0;
    if (size >= 8 && memcmp(data, HC_LIVE_PREFIX, 8) == 0)
        verify_checked((const char *)data, size);
    if (size > HC_COSE_MAX)
        return 0;
    memcpy(text, HC_LIVE_PREFIX, 8);
    if (hc_base45_encode(data, size, text + 8, sizeof text - 8, &b45) == HC_OK)
        verify_checked(text, 8 + b45);
    /* the input as a token: the holder's side */
    memcpy(text, HC_PREFIX, 7);
    if (hc_base45_encode(data, size, text + 7, sizeof text - 7, &b45) != HC_OK)
        return 0;
    if (hc_present(text, 7 + b45, device, NOW, pres, sizeof pres, &len) == HC_OK) {
        hc_claims c;
        hc_err err = hc_verify(trust, pres, len, NOW, NULL, &c);
        if (err == HC_E_PRESENTATION || err == HC_E_UNBOUND || err == HC_E_DEVICE_ALG ||
            err == HC_E_DEVICE_SIGNATURE || err == HC_E_STALE || !c.presented || c.t != NOW)
            abort();
    }
    return 0;
}

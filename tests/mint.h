/* mint.h — makes tokens for tests and benchmarks from the library's internal
 * encoders (token_impl.h, crypto_impl.h), so that the verify-only build, which
 * has no hc_issue(), can still test and time hc_verify() on real tokens.
 * Every step is doc/format.md's, so a token minted here is one hc_issue() could
 * have written; unlike hc_issue() it lets a test put any kid in the header. */
#ifndef HC_TEST_MINT_H
#define HC_TEST_MINT_H

#include "common.h"
#include "crypto_impl.h"
#include "internal.h"
#include "token_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The source-tree file and key loaders under their older names (tests/common.h). */
static inline char *mint_read_source(const char *rel, size_t *len)
{
    return th_read_source(rel, len);
}

static inline hc_key *mint_load_key(const char *rel)
{
    return th_load_key(rel);
}

/* Claims with the required fields set; the rest zero. */
static inline hc_claims mint_claims(const char *iss, int64_t iat, int64_t exp, hc_colour col,
                                    uint64_t cti)
{
    hc_claims c;
    memset(&c, 0, sizeof c);
    hc_strlcpy(c.iss, iss, sizeof c.iss);
    c.iat = iat;
    c.exp = exp;
    c.colour = col;
    for (int i = 0; i < 8; i++)
        c.cti[i] = (uint8_t)(cti >> (56 - 8 * i));
    return c;
}

/* Signs c with key under the header {alg: key's alg, kid} (kid NULL: the
 * key's own) and writes "HCODE1:…" into text. Also returns the signed bytes
 * (Sig_structure) in sig_structure/sig_len if given (cap HC_COSE_MAX + 64). */
static inline hc_err mint_token_kid(const hc_key *key, const uint8_t *kid, const hc_claims *c,
                                    char *text, size_t cap, size_t *len,
                                    uint8_t *sig_structure, size_t *sig_len)
{
    uint8_t prot[64], payload[HC_COSE_MAX], tbs[HC_COSE_MAX + 64], cose[HC_COSE_MAX], sig[64];
    size_t prot_len, payload_len, tbs_len, cose_len, b45_len;
    uint8_t own_kid[HC_KID_LEN];
    hc_err err = hc_key_kid(key, own_kid);
    if (err != HC_OK)
        return err;
    if ((err = hc_cose_protected_encode(hc_key_alg(key), kid ? kid : own_kid, prot, sizeof prot,
                                        &prot_len)) != HC_OK ||
        (err = hc_claims_encode(c, payload, sizeof payload, &payload_len)) != HC_OK ||
        (err = hc_cose_sig_structure(prot, prot_len, payload, payload_len, tbs, sizeof tbs,
                                     &tbs_len)) != HC_OK)
        return err;
    hc_signer *s = NULL;
    if ((err = hc_signer_new(key, &s)) != HC_OK)
        return err;
    err = hc_signer_sign(s, tbs, tbs_len, sig);
    hc_signer_free(s);
    if (err != HC_OK ||
        (err = hc_cose_sign1_encode(prot, prot_len, payload, payload_len, sig, cose, sizeof cose,
                                    &cose_len)) != HC_OK)
        return err;
    if (cap < sizeof HC_PREFIX)
        return HC_E_BUFFER;
    memcpy(text, HC_PREFIX, sizeof HC_PREFIX - 1);
    if ((err = hc_base45_encode(cose, cose_len, text + sizeof HC_PREFIX - 1,
                                cap - (sizeof HC_PREFIX - 1), &b45_len)) != HC_OK)
        return err;
    *len = sizeof HC_PREFIX - 1 + b45_len;
    if (sig_structure && sig_len) {
        memcpy(sig_structure, tbs, tbs_len);
        *sig_len = tbs_len;
    }
    return HC_OK;
}

static inline hc_err mint_token(const hc_key *key, const hc_claims *c, char *text, size_t cap,
                                size_t *len)
{
    return mint_token_kid(key, NULL, c, text, cap, len, NULL, NULL);
}

#endif

/* mint.h — makes tokens for tests and benchmarks from the library's internal
 * encoders (token_impl.h, crypto_impl.h), so that the verify-only build, which
 * has no hc_issue(), can still test and time hc_verify() on real tokens.
 * Every step is doc/format.md's, so a token minted here is one hc_issue() could
 * have written; unlike hc_issue() it lets a test put any kid in the header. */
#ifndef HC_TEST_MINT_H
#define HC_TEST_MINT_H

#include "common.h"
#include "crypto_impl.h"
#include "device_impl.h"
#include "internal.h"
#include "presentation_impl.h"
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

/* The COSE_Sign1 18([bstr(prot), {}, bstr(payload), sig]) of any protected
 * header and payload, signed by key over their Sig_structure, into cose
 * (HC_COSE_MAX + 128 bytes). The Sig_structure goes to tbs/tbs_len if given
 * (cap HC_COSE_MAX + 64). */
static inline hc_err mint_sign1(const hc_key *key, const uint8_t *prot, size_t prot_len,
                                const uint8_t *payload, size_t payload_len, uint8_t *cose,
                                size_t *cose_len, uint8_t *tbs_out, size_t *tbs_len_out)
{
    static uint8_t tbs[HC_COSE_MAX + 64];
    uint8_t sig[64];
    size_t tbs_len = 0;
    hc_err err = hc_cose_sig_structure(prot, prot_len, payload, payload_len, tbs, sizeof tbs, &tbs_len);
    if (err != HC_OK)
        return err;
    hc_signer *s = NULL;
    if ((err = hc_signer_new(key, &s)) != HC_OK)
        return err;
    err = hc_signer_sign(s, tbs, tbs_len, sig);
    hc_signer_free(s);
    if (err != HC_OK ||
        (err = hc_cose_sign1_encode(prot, prot_len, payload, payload_len, sig, cose,
                                    HC_COSE_MAX + 128, cose_len)) != HC_OK)
        return err;
    if (tbs_out && tbs_len_out) {
        memcpy(tbs_out, tbs, tbs_len);
        *tbs_len_out = tbs_len;
    }
    return HC_OK;
}

/* prefix || base45(cose) into text (cap bytes, NUL-terminated). */
static inline hc_err mint_text(const char *prefix, const uint8_t *cose, size_t cose_len, char *text,
                               size_t cap, size_t *len)
{
    size_t p = strlen(prefix), b45 = 0;
    if (cap <= p)
        return HC_E_BUFFER;
    memcpy(text, prefix, p);
    hc_err err = hc_base45_encode(cose, cose_len, text + p, cap - p, &b45);
    if (err == HC_OK)
        *len = p + b45;
    return err;
}

/* Signs c with key under the header {alg: key's alg, kid} (kid NULL: the
 * key's own) and writes "HCODE1:…" into text. Also returns the signed bytes
 * (Sig_structure) in sig_structure/sig_len if given (cap HC_COSE_MAX + 64). */
static inline hc_err mint_token_kid(const hc_key *key, const uint8_t *kid, const hc_claims *c,
                                    char *text, size_t cap, size_t *len,
                                    uint8_t *sig_structure, size_t *sig_len)
{
    uint8_t prot[64], payload[HC_COSE_MAX], cose[HC_COSE_MAX + 128];
    size_t prot_len, payload_len, cose_len;
    uint8_t own_kid[HC_KID_LEN];
    hc_err err = hc_key_kid(key, own_kid);
    if (err != HC_OK)
        return err;
    if ((err = hc_cose_protected_encode(hc_key_alg(key), kid ? kid : own_kid, prot, sizeof prot,
                                        &prot_len)) != HC_OK ||
        (err = hc_claims_encode(c, payload, sizeof payload, &payload_len)) != HC_OK ||
        (err = mint_sign1(key, prot, prot_len, payload, payload_len, cose, &cose_len,
                          sig_structure, sig_len)) != HC_OK)
        return err;
    return mint_text(HC_PREFIX, cose, cose_len, text, cap, len);
}

static inline hc_err mint_token(const hc_key *key, const hc_claims *c, char *text, size_t cap,
                                size_t *len)
{
    return mint_token_kid(key, NULL, c, text, cap, len, NULL, NULL);
}

/* Binds c to device's public key (its cnf), as hc_issue_bound would. */
static inline hc_err mint_bind(hc_claims *c, const hc_key *device)
{
    hc_device_key d;
    hc_err err = hc_device_from_key(device, &d);
    if (err != HC_OK)
        return err;
    c->bound = true;
    c->device_alg = d.alg;
    memcpy(c->device_x, d.x, 32);
    c->device_ybit = d.ybit;
    return HC_OK;
}

/* The COSE bytes of a token text ("HCODE1:…") into cose (HC_COSE_MAX). */
static inline hc_err mint_cose_of(const char *text, size_t len, uint8_t *cose, size_t *cose_len)
{
    if (len < 7 || memcmp(text, HC_PREFIX, 7) != 0)
        return HC_E_PREFIX;
    return hc_base45_decode(text + 7, len - 7, cose, HC_COSE_MAX, cose_len);
}

/* A presentation made of any parts, so that a test can write one that is
 * malformed but validly signed: prot (the protected header's content) and
 * payload (the payload bstr's content) as given, signed by signer over
 * their Sig_structure ("HCLIVE1:" || base45 of 18([prot, {}, payload,
 * sig]); untagged: without the tag). */
static inline hc_err mint_presentation_raw(const hc_key *signer, const uint8_t *prot, size_t prot_len,
                                           const uint8_t *payload, size_t payload_len, bool untagged,
                                           char *text, size_t cap, size_t *len)
{
    static uint8_t cose[HC_COSE_MAX + 128];
    size_t cose_len;
    hc_err err = mint_sign1(signer, prot, prot_len, payload, payload_len, cose, &cose_len, NULL, NULL);
    size_t off = untagged ? 1 : 0;   /* the tag 18 is the one byte 0xd2 */
    return err != HC_OK ? err : mint_text(HC_LIVE_PREFIX, cose + off, cose_len - off, text, cap, len);
}

/* The presentation of the token text at t, with header {1: alg} and the
 * payload [token, t], signed by signer (which may be any key: a test of P3
 * or P4 signs with the wrong one). */
static inline hc_err mint_presentation(const hc_key *signer, hc_alg alg, const char *token,
                                       size_t token_len, uint64_t t, char *text, size_t cap,
                                       size_t *len)
{
    static uint8_t cose[HC_COSE_MAX], payload[HC_COSE_MAX + 16];
    uint8_t prot[16];
    size_t cose_len, prot_len, payload_len;
    hc_err err = mint_cose_of(token, token_len, cose, &cose_len);
    if (err != HC_OK ||
        (err = hc_cose_protected_encode(alg, NULL, prot, sizeof prot, &prot_len)) != HC_OK ||
        (err = hc_pres_payload_encode(cose, cose_len, t, payload, sizeof payload, &payload_len)) != HC_OK)
        return err;
    return mint_presentation_raw(signer, prot, prot_len, payload, payload_len, false, text, cap, len);
}

#endif

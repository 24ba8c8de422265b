/* issue.c — the issuer: claims from a record and an assessment, signed into
 * "HCODE1:" || base45(COSE_Sign1) (doc/format.md). */
#include <healthcode/issue.h>

#include "crypto_impl.h"
#include "device_impl.h"
#include "internal.h"
#include "record_impl.h"
#include "token_impl.h"
#include "issue_impl.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#define SECRET_MIN 16
#define SECRET_MAX 64

struct hc_issuer {
    char iss[HC_ISS_MAX + 1];
    hc_signer *signer;         /* holds our reference to the key */
    uint8_t secret[SECRET_MAX];
    size_t secret_len;         /* 0: no sub */
    hc_random_fn random;       /* NULL: hc_crypto_random */
    void *random_ctx;
};

hc_err hc_issuer_new(const char *iss, const hc_key *key, hc_issuer **out)
{
    if (!iss || !key || !out)
        return HC_E_ARG;
    *out = NULL;
    size_t n = strnlen(iss, HC_ISS_MAX + 1);
    if (n < 1 || n > HC_ISS_MAX)
        return HC_E_ARG;
    for (size_t i = 0; i < n; i++)
        if (iss[i] < 0x20 || iss[i] > 0x7e)
            return HC_E_ARG;
    hc_issuer *is = calloc(1, sizeof *is);
    if (!is)
        return HC_E_NOMEM;
    memcpy(is->iss, iss, n);
    hc_err err = hc_signer_new(key, &is->signer);   /* HC_E_KEY: no private half */
    if (err != HC_OK)
        hc_issuer_free(is);
    else
        *out = is;
    return err;
}

hc_err hc_issuer_set_subject_secret(hc_issuer *is, const uint8_t *secret, size_t len)
{
    if (!is || !secret || len < SECRET_MIN || len > SECRET_MAX)
        return HC_E_ARG;
    OPENSSL_cleanse(is->secret, sizeof is->secret);
    memcpy(is->secret, secret, len);
    is->secret_len = len;
    return HC_OK;
}

void hc_issuer_set_random(hc_issuer *is, hc_random_fn fn, void *ctx)
{
    if (!is)
        return;
    is->random = fn;
    is->random_ctx = fn ? ctx : NULL;
}

void hc_issuer_free(hc_issuer *is)
{
    if (!is)
        return;
    hc_signer_free(is->signer);
    OPENSSL_cleanse(is, sizeof *is);
    free(is);
}

/* ------------------------------------------------------------ issuing */

/* The document number as sub hashes it: ASCII upper case, no spaces or hyphens. */
static size_t normalise_id(const char *id, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *p = id; *p && o + 1 < cap; p++) {
        if (*p == ' ' || *p == '-')
            continue;
        out[o++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
    }
    out[o] = '\0';
    return o;
}

static hc_err fill_from_record(const hc_issuer *is, const hc_record *r, hc_claims *c)
{
    hc_err err;
    if (r->name[0] && (err = hc_mask_name(r->name, c->nam, sizeof c->nam)) != HC_OK)
        return err;
    /* the document as sub hashes it (no spaces or hyphens, upper case) */
    char norm[sizeof r->id];
    size_t norm_len = normalise_id(r->id, norm, sizeof norm);
    if (norm_len && (err = hc_mask_document(norm, c->doc, sizeof c->doc)) != HC_OK)
        return err;
    c->reg = r->residence <= 999999 ? r->residence : 0;
    c->knd = (strcmp(r->id_type, "passport") == 0 || r->has_entry) ? 1 : 0;
    if (is->secret_len && norm_len) {
        uint8_t mac[32];
        err = hc_crypto_hmac_sha256(is->secret, is->secret_len, (const uint8_t *)norm, norm_len, mac);
        OPENSSL_cleanse(norm, sizeof norm);
        if (err != HC_OK)
            return err;
        memcpy(c->sub, mac, sizeof c->sub);
        c->has_sub = true;
        OPENSSL_cleanse(mac, sizeof mac);
    }
    OPENSSL_cleanse(norm, sizeof norm);
    return HC_OK;
}

/* The binding (cnf) of the token: device if given, else the record's
 * device_key; none for neither. A device that is not the record's key is
 * HC_E_ARG: which one the holder's phone has cannot be guessed. */
static hc_err fill_binding(const hc_record *r, const hc_key *device, hc_claims *c)
{
    hc_device_key d;
    if (device) {
        hc_err err = hc_device_from_key(device, &d);
        if (err != HC_OK)
            return err;
        if (r && r->has_device && !hc_device_equal(&d, &r->device))
            return HC_E_ARG;
    } else if (r && r->has_device) {
        d = r->device;
    } else {
        return HC_OK;
    }
    c->bound = true;
    c->device_alg = d.alg;
    memcpy(c->device_x, d.x, sizeof c->device_x);
    c->device_ybit = d.ybit;
    return HC_OK;
}

hc_err hc_issue(hc_issuer *is, const hc_record *r, const hc_assessment *a, int64_t now,
                int64_t validity_s, char *text, size_t cap, size_t *len)
{
    return hc_issue_claims(is, r, a, NULL, now, validity_s, text, cap, len, NULL);
}

hc_err hc_issue_bound(hc_issuer *is, const hc_record *r, const hc_assessment *a,
                      const hc_key *device, int64_t now, int64_t validity_s, char *text,
                      size_t cap, size_t *len)
{
    return hc_issue_claims(is, r, a, device, now, validity_s, text, cap, len, NULL);
}

hc_err hc_issue_claims(hc_issuer *is, const hc_record *r, const hc_assessment *a,
                       const hc_key *device, int64_t now, int64_t validity_s, char *text,
                       size_t cap, size_t *len, hc_claims *out)
{
    if (!is || !a || !len || (unsigned)a->colour > HC_RED || now < 0 || validity_s < 1 ||
        validity_s > HC_VALIDITY_MAX || now > INT64_MAX - validity_s)
        return HC_E_ARG;
    hc_claims c;
    memset(&c, 0, sizeof c);
    memcpy(c.iss, is->iss, sizeof c.iss);
    c.iat = now;
    c.exp = now + validity_s;
    c.colour = a->colour;
    hc_err err;
    if ((r && (err = fill_from_record(is, r, &c)) != HC_OK) ||
        (err = fill_binding(r, device, &c)) != HC_OK)
        return err;

    uint8_t prot[32], payload[HC_COSE_MAX], cose[HC_COSE_MAX], tbs[HC_COSE_MAX];
    uint8_t sig[64] = {0};
    size_t prot_len, payload_len, cose_len, tbs_len;
    const hc_key *key = hc_signer_key(is->signer);
    if ((err = hc_cose_protected_encode(key->alg, key->kid, prot, sizeof prot,
                                        &prot_len)) != HC_OK)
        return err;
    /* The length does not depend on the cti or the signature: unless text
     * can hold any token, size it first (the batch's buffer can: it skips
     * the second encoding). */
    if (!text || cap < HC_TEXT_MAX + 1) {
        if ((err = hc_claims_encode(&c, payload, sizeof payload, &payload_len)) != HC_OK ||
            (err = hc_cose_sign1_encode(prot, prot_len, payload, payload_len, sig, cose,
                                        sizeof cose, &cose_len)) != HC_OK)
            return err == HC_E_BUFFER ? HC_E_ARG : err;
        size_t text_len = sizeof HC_PREFIX - 1 + cose_len / 2 * 3 + (cose_len % 2) * 2;
        if (!text || cap < text_len + 1) {
            *len = text_len + 1;
            return HC_E_BUFFER;
        }
    }

    int rc = is->random ? is->random(is->random_ctx, c.cti, sizeof c.cti)
                        : (hc_crypto_random(c.cti, sizeof c.cti) == HC_OK ? 0 : -1);
    if (rc != 0)
        return HC_E_CRYPTO;
    if ((err = hc_claims_encode(&c, payload, sizeof payload, &payload_len)) != HC_OK ||
        (err = hc_cose_sig_structure(prot, prot_len, payload, payload_len, tbs, sizeof tbs,
                                     &tbs_len)) != HC_OK ||
        (err = hc_signer_sign(is->signer, tbs, tbs_len, sig)) != HC_OK ||
        (err = hc_cose_sign1_encode(prot, prot_len, payload, payload_len, sig, cose,
                                    sizeof cose, &cose_len)) != HC_OK)
        return err == HC_E_BUFFER ? HC_E_ARG : err;
    memcpy(text, HC_PREFIX, sizeof HC_PREFIX - 1);
    size_t b45 = 0;
    if ((err = hc_base45_encode(cose, cose_len, text + sizeof HC_PREFIX - 1,
                                cap - (sizeof HC_PREFIX - 1), &b45)) != HC_OK)
        return err;
    *len = sizeof HC_PREFIX - 1 + b45;
    if (out) {   /* what the token says, without decoding it again */
        *out = c;
        out->alg = key->alg;
        memcpy(out->kid, key->kid, HC_KID_LEN);
        out->header_ok = out->claims_ok = true;
    }
    return HC_OK;
}

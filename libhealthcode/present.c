/* present.c — the holder's side (present.h): a bound token and a second
 * into a live presentation, signed by the device key or through a signer
 * callback (doc/format.md, "The presentation").
 *
 * The token is read as a verifier reads it up to its claims' shape (steps
 * 1–3, 6), so that a presentation no checkpoint could accept is refused
 * here, with the token's own error: an unbound token, a device key of
 * another algorithm or another key than the cnf's. The issuer's signature is
 * not checked (the holder has no trust store). Everything is on the stack;
 * only OpenSSL (and a signer callback) may allocate. */
#include <healthcode/present.h>

#include "crypto_impl.h"
#include "device_impl.h"
#include "presentation_impl.h"
#include "token_impl.h"

#include <string.h>


/* What both ways of signing share: the token's binding, the protected
 * header and the payload, and the Sig_structure to sign. */
typedef struct {
    hc_claims claims;                    /* the token's, unverified: only its cnf is used */
    uint8_t prot[16];
    size_t prot_len;
    uint8_t payload[HC_COSE_MAX + 16];   /* [bstr(token), t] */
    size_t payload_len;
    uint8_t tbs[HC_COSE_MAX + 64];       /* the Sig_structure */
    size_t tbs_len;
    size_t text_len;                     /* the presentation's text, without the NUL */
} work;

/* Reads the token text into w (its COSE bytes straight into the payload),
 * checks that it is bound to a key of alg, and builds what is signed. */
static hc_err prepare(const char *token, size_t len, hc_alg alg, int64_t t, work *w)
{
    if (len > HC_TOKEN_MAX)
        return HC_E_LIMIT;
    uint8_t cose[HC_COSE_MAX];
    size_t cose_len = 0;
    hc_cose_view view;
    hc_err err = hc_token_text_decode(token, len, cose, sizeof cose, &cose_len);
    if (err != HC_OK)
        return err;
    memset(&w->claims, 0, sizeof w->claims);
    if ((err = hc_cose_parse(cose, cose_len, &view)) != HC_OK ||
        (err = hc_claims_decode_checked(view.payload, view.payload_len, &w->claims)) != HC_OK)
        return err;
    if (!w->claims.bound)
        return HC_E_UNBOUND;
    if (w->claims.device_alg != alg)
        return HC_E_DEVICE_ALG;
    if ((err = hc_cose_protected_encode(alg, NULL, w->prot, sizeof w->prot, &w->prot_len)) != HC_OK ||
        (err = hc_pres_payload_encode(cose, cose_len, (uint64_t)t, w->payload, sizeof w->payload,
                                      &w->payload_len)) != HC_OK ||
        (err = hc_cose_sig_structure(w->prot, w->prot_len, w->payload, w->payload_len, w->tbs,
                                     sizeof w->tbs, &w->tbs_len)) != HC_OK)
        return err == HC_E_BUFFER ? HC_E_LIMIT : err;
    /* 18([bstr(prot), {}, bstr(payload), bstr(sig64)]): the size without signing */
    size_t cose_out = 0;
    uint8_t zero[64] = {0};
    if (hc_cose_sign1_encode(w->prot, w->prot_len, w->payload, w->payload_len, zero, NULL, 0,
                             &cose_out) != HC_E_BUFFER)
        return HC_E_CRYPTO;
    w->text_len = HC_LIVE_PREFIX_LEN + cose_out / 2 * 3 + cose_out % 2 * 2;
    return w->text_len > HC_TOKEN_MAX ? HC_E_LIMIT : HC_OK;
}

/* The signed presentation into text: "HCLIVE1:" || base45(COSE_Sign1). */
static hc_err finish(const work *w, const uint8_t sig[64], char *text, size_t cap, size_t *out_len)
{
    uint8_t cose[HC_COSE_MAX + 128];
    size_t cose_len = 0, b45 = 0;
    hc_err err = hc_cose_sign1_encode(w->prot, w->prot_len, w->payload, w->payload_len, sig, cose,
                                      sizeof cose, &cose_len);
    if (err != HC_OK)
        return err == HC_E_BUFFER ? HC_E_LIMIT : err;
    memcpy(text, HC_LIVE_PREFIX, HC_LIVE_PREFIX_LEN);
    if ((err = hc_base45_encode(cose, cose_len, text + HC_LIVE_PREFIX_LEN,
                                cap - HC_LIVE_PREFIX_LEN, &b45)) != HC_OK)
        return err;
    *out_len = HC_LIVE_PREFIX_LEN + b45;
    return HC_OK;
}

/* Whether text (cap bytes) can hold the presentation; *out_len the need if not. */
static bool fits(const work *w, const char *text, size_t cap, size_t *out_len)
{
    if (text && cap >= w->text_len + 1)
        return true;
    *out_len = w->text_len + 1;
    return false;
}

/* The device key's cnf form (its point exported: 4.5 us for a P-256 key,
 * a fifth of a signature), remembered for the last key this thread
 * presented with: a phone presents with one key every few seconds. The
 * entry is recognised by the key's address and its kid, so a key freed and
 * another made at the same address is never taken for it (a kid is the
 * SHA-256 of the key's SPKI). It holds public values only, and no
 * reference: nothing to free. */
static _Thread_local struct {
    const hc_key *key;
    uint8_t kid[HC_KID_LEN];
    hc_device_key device;
} last;

static hc_err device_of(const hc_key *key, hc_device_key *out)
{
    if (last.key == key && memcmp(last.kid, key->kid, HC_KID_LEN) == 0) {
        *out = last.device;
        return HC_OK;
    }
    hc_err err = hc_device_from_key(key, out);
    if (err == HC_OK) {
        last.key = key;
        memcpy(last.kid, key->kid, HC_KID_LEN);
        last.device = *out;
    }
    return err;
}

hc_err hc_present(const char *token, size_t len, const hc_key *device, int64_t t, char *text,
                  size_t cap, size_t *out_len)
{
    if (!token || !device || !out_len || t < 0)
        return HC_E_ARG;
    if (!hc_key_is_private(device))
        return HC_E_KEY;
    hc_device_key mine;
    hc_err err = device_of(device, &mine);
    if (err != HC_OK)
        return err;
    work w;
    if ((err = prepare(token, len, mine.alg, t, &w)) != HC_OK)
        return err;
    hc_device_key bound = hc_device_of_claims(&w.claims);
    if (!hc_device_equal(&mine, &bound))
        return HC_E_KEY;
    if (!fits(&w, text, cap, out_len))
        return HC_E_BUFFER;
    hc_signer *s = NULL;
    uint8_t sig[64];
    if ((err = hc_signer_new(device, &s)) == HC_OK)
        err = hc_signer_sign(s, w.tbs, w.tbs_len, sig);
    hc_signer_free(s);
    return err != HC_OK ? err : finish(&w, sig, text, cap, out_len);
}

hc_err hc_present_with_signer(const char *token, size_t len, hc_alg alg, hc_sign_fn sign,
                              void *ctx, int64_t t, char *text, size_t cap, size_t *out_len)
{
    if (!token || !sign || !out_len || t < 0 ||
        (alg != HC_ALG_ES256 && alg != HC_ALG_EDDSA && alg != HC_ALG_SM2))
        return HC_E_ARG;
    work w;
    hc_err err = prepare(token, len, alg, t, &w);
    if (err != HC_OK)
        return err;
    if (!fits(&w, text, cap, out_len))
        return HC_E_BUFFER;
    /* the cnf key first: a token whose point is off its curve is refused
     * before the keystore is asked for anything */
    hc_device_key bound = hc_device_of_claims(&w.claims);
    EVP_PKEY *pkey = NULL;
    if ((err = hc_device_pkey(&bound, &pkey)) != HC_OK)
        return err == HC_E_KEY ? HC_E_CLAIMS : err;
    uint8_t sig[64];
    memset(sig, 0, sizeof sig);
    if (sign(ctx, w.tbs, w.tbs_len, sig) != 0)
        err = HC_E_CRYPTO;
    else if ((err = hc_device_verify(alg, pkey, w.tbs, w.tbs_len, sig)) == HC_E_SIGNATURE)
        err = HC_E_DEVICE_SIGNATURE;
    EVP_PKEY_free(pkey);
    return err != HC_OK ? err : finish(&w, sig, text, cap, out_len);
}

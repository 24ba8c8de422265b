/* verify.c — doc/format.md's eight steps, in order, each failure its own
 * error; and a live presentation's P1–P5 around them.
 *
 * Everything lives on the stack, in one buffer of HC_COSE_MAX bytes: the
 * decoded COSE bytes, which then become the Sig_structure in place (see
 * sig_structure_in_place). A presentation takes two: its own bytes, which
 * stay whole for the device signature (P4), and a copy of the token inside
 * it, which becomes the token's Sig_structure. Nothing here calls malloc;
 * only OpenSSL may, inside the signature checks and where a bound token's
 * cnf point becomes a key (device.c). */
#include "cbor_impl.h"
#include "device_impl.h"
#include "presentation_impl.h"
#include "token_impl.h"
#include "trust_impl.h"

#include <string.h>


/* A token's COSE bytes and its parsed view (which points into them). */
typedef struct {
    uint8_t cose[HC_COSE_MAX];
    size_t cose_len;
    hc_cose_view view;
} decoded;

/* Step 3 on the COSE bytes in d (and the header part of step 4): the view,
 * and alg and kid into out. */
static hc_err decode_cose(decoded *d, hc_claims *out)
{
    hc_cose_view *view = &d->view;
    hc_err err = hc_cose_parse(d->cose, d->cose_len, view);
    if (err != HC_OK)
        return err;
    /* hc_alg is an int-sized enum: keep an out-of-range alg recognisably invalid */
    out->alg = (view->alg == HC_ALG_ES256 || view->alg == HC_ALG_EDDSA || view->alg == HC_ALG_SM2)
                   ? (hc_alg)view->alg : (hc_alg)0;
    memcpy(out->kid, view->kid, HC_KID_LEN);
    out->header_ok = true;
    return HC_OK;
}

/* Steps 1-3: prefix, base45, COSE shape, into d (on the caller's stack). */
static hc_err decode_text(const char *text, size_t len, decoded *d, hc_claims *out)
{
    hc_err err = hc_token_text_decode(text, len, d->cose, HC_COSE_MAX, &d->cose_len);
    return err != HC_OK ? err : decode_cose(d, out);
}

/* Rewrites the COSE_Sign1 in buf as ["Signature1", protected, h'', payload]
 * (the bstrs' contents as received; the Sig_structure's own heads in their
 * shortest form, as RFC 9052 encodes it), so that one stack buffer serves
 * both; the signature is copied out first and the view re-pointed. It fits:
 * the Sig_structure drops the tag, the unprotected map and 66 bytes of
 * signature, adds 12, and its heads are never longer than the ones read.
 *
 * The two contents move independently: with the shortest heads the
 * protected bytes move right, but a token may write the tag, array and bstr
 * heads in up to 9 bytes each (step 3 accepts non-shortest forms), and then
 * they move left. Whichever order is taken, one move must not overwrite
 * bytes the other has still to read. Moving the payload first is safe when
 * its new place starts at or after the end of the old protected bytes;
 * otherwise the protected bytes' new place ends before the old payload
 * (y_new < end of old protected implies p_new < old protected start, and
 * the new protected bytes end before y_new, which is before the old
 * payload), so moving them first is safe. */
static hc_err sig_structure_in_place(uint8_t *buf, size_t cap, hc_cose_view *v, size_t *len,
                                     uint8_t sig[64])
{
    static const char context[] = "Signature1";
    memcpy(sig, v->signature, 64);
    uint8_t head[9];
    hc_cbor_writer w;
    hc_cbor_w_init(&w, head, sizeof head);
    hc_cbor_w_bstr_head(&w, v->protected_len);
    size_t hp = w.len;
    hc_cbor_w_init(&w, head, sizeof head);
    hc_cbor_w_bstr_head(&w, v->payload_len);
    size_t hy = w.len;
    size_t prefix = 1 + 1 + (sizeof context - 1);            /* 84 6a "Signature1" */
    size_t p_new = prefix + hp;
    size_t y_new = p_new + v->protected_len + 1 + hy;          /* after h'' (0x40) */
    if (y_new + v->payload_len > cap)
        return HC_E_LIMIT;
    const uint8_t *p_end = v->protected_bstr + v->protected_len;
    if (buf + y_new >= p_end) {
        memmove(buf + y_new, v->payload, v->payload_len);
        memmove(buf + p_new, v->protected_bstr, v->protected_len);
    } else {
        memmove(buf + p_new, v->protected_bstr, v->protected_len);
        memmove(buf + y_new, v->payload, v->payload_len);
    }
    hc_cbor_w_init(&w, buf, prefix + hp);
    hc_cbor_w_array(&w, 4);
    hc_cbor_w_tstr(&w, context, sizeof context - 1);
    hc_cbor_w_bstr_head(&w, v->protected_len);
    size_t n = 0;
    hc_err err = hc_cbor_w_finish(&w, &n);
    if (err != HC_OK || n != prefix + hp)
        return HC_E_LIMIT;
    hc_cbor_w_init(&w, buf + p_new + v->protected_len, 1 + hy);
    hc_cbor_w_bstr_head(&w, 0);                                /* h'' */
    hc_cbor_w_bstr_head(&w, v->payload_len);
    if ((err = hc_cbor_w_finish(&w, &n)) != HC_OK || n != 1 + hy)
        return HC_E_LIMIT;
    v->protected_bstr = buf + p_new;
    v->payload = buf + y_new;
    v->signature = sig;
    *len = y_new + v->payload_len;
    return HC_OK;
}

/* The key's own conditions (step 5): issuer, then validity window at iat. */
static hc_err key_conditions(const hc_trusted_key *k, const hc_claims *c)
{
    if (k->iss[0] != '\0' && strcmp(k->iss, c->iss) != 0)
        return HC_E_ISSUER_MISMATCH;
    /* INT64_MIN/INT64_MAX are "no bound"; iat <= INT64_MAX, so an open
     * end must not refuse iat = INT64_MAX as at or after it */
    if (c->iat < k->not_before ||
        (k->not_after != HC_TIME_UNBOUNDED_AFTER && c->iat >= k->not_after))
        return HC_E_KEY_NOT_VALID;
    return HC_OK;
}

/* The first of keys[from..n) of the token's algorithm (and, given c, whose
 * conditions allow c) that verifies v's signature over tbs: its index in
 * *found. HC_E_SIGNATURE when none does; any other error ends the search. */
static hc_err find_signer(const hc_trusted_key *keys, size_t from, size_t n,
                          const hc_cose_view *v, const uint8_t *tbs, size_t tbs_len,
                          const hc_claims *c, size_t *found)
{
    for (size_t i = from; i < n; i++) {
        if (keys[i].key->alg != (hc_alg)v->alg || (c && key_conditions(&keys[i], c) != HC_OK))
            continue;
        hc_err err = hc_crypto_verify(keys[i].key, tbs, tbs_len, v->signature);
        if (err != HC_E_SIGNATURE) {
            *found = i;
            return err;
        }
    }
    return HC_E_SIGNATURE;
}

/* Step 7. iat and exp are in [0, INT64_MAX] and skew >= 0, so iat - skew
 * and exp - iat (once iat <= exp) cannot overflow; exp + skew can, and then
 * the token never expires. The lifetime comes first and does not depend on
 * now: a token backdated by a leaked key is refused at any time. */
static hc_err check_time(const hc_claims *c, int64_t now, int64_t skew)
{
    if (c->iat > c->exp || c->exp - c->iat > HC_LIFETIME_MAX_S)
        return HC_E_LIFETIME;
    if (now < c->iat - skew)
        return HC_E_NOT_YET_VALID;
    if (c->exp <= INT64_MAX - skew && now >= c->exp + skew)
        return HC_E_EXPIRED;
    return HC_OK;
}

/* Step 6's last part: a bound token's cnf must be a point on its curve (a
 * binding that cannot be checked makes the token invalid). The key made
 * goes to *device when device is not NULL (a presentation's P4 uses it),
 * else it is freed. */
static hc_err check_binding(const hc_claims *c, EVP_PKEY **device)
{
    if (!c->bound)
        return HC_OK;
    hc_device_key d = hc_device_of_claims(c);
    EVP_PKEY *pkey = NULL;
    hc_err err = hc_device_pkey(&d, &pkey);
    if (err != HC_OK)
        return err == HC_E_UNSUPPORTED ? err : HC_E_CLAIMS;
    if (device)
        *device = pkey;
    else
        EVP_PKEY_free(pkey);
    return HC_OK;
}

/* Steps 4-8 on a token that steps 1-3 accepted (in d, which becomes its
 * Sig_structure). device: see check_binding. */
static hc_err verify_decoded(const hc_trust *trust, decoded *d, int64_t now,
                             const hc_verify_opts *opts, hc_claims *out, EVP_PKEY **device)
{
    hc_cose_view view = d->view;
    hc_err err;

    /* step 4: an algorithm we know, a kid we trust, a key of that algorithm */
    if (view.alg != HC_ALG_ES256 && view.alg != HC_ALG_EDDSA && view.alg != HC_ALG_SM2)
        return HC_E_ALG;
    size_t n_keys = 0;
    const hc_trusted_key *keys = hc_trust_lookup(trust, view.kid, &n_keys);
    if (n_keys == 0 || !keys)
        return HC_E_UNKNOWN_KID;
    size_t n_alg = 0;
    for (size_t i = 0; i < n_keys; i++)
        n_alg += keys[i].key->alg == (hc_alg)view.alg;
    if (n_alg == 0)
        return HC_E_ALG;

    /* step 5: the Sig_structure over the bytes as received; any key of the
     * kid may have signed (kids can collide) */
    uint8_t *tbs = d->cose, sig[64];
    size_t tbs_len = 0;
    if ((err = sig_structure_in_place(d->cose, sizeof d->cose, &view, &tbs_len, sig)) != HC_OK)
        return err;
    size_t first, other;
    if ((err = find_signer(keys, 0, n_keys, &view, tbs, tbs_len, NULL, &first)) != HC_OK)
        return err;

    /* step 6 */
    if ((err = hc_claims_decode_checked(view.payload, view.payload_len, out)) != HC_OK)
        return err;

    /* step 5, the key's conditions: any key that verifies and allows this
     * issuer at this iat will do; otherwise the first key's reason */
    hc_err key_err = key_conditions(&keys[first], out);
    if (key_err != HC_OK &&
        (err = find_signer(keys, first + 1, n_keys, &view, tbs, tbs_len, out, &other)) != HC_E_SIGNATURE)
        key_err = err;   /* HC_OK: another key signed and allows it; or a crypto failure */
    if (key_err != HC_OK)
        return key_err;

    /* step 6, the binding: after the key's conditions, which doc/format.md
     * counts in step 5 (a token with broken claims reports bad_claims
     * first, one with a broken cnf too) */
    EVP_PKEY *dev = NULL;
    if ((err = check_binding(out, device ? &dev : NULL)) != HC_OK) {
        out->claims_ok = false;   /* step 6 failed, as for any other malformed claim */
        return err;
    }

    /* step 7 */
    if ((err = check_time(out, now, opts->skew_s)) == HC_OK && opts->revoked) {
        /* step 8 */
        if (hc_revocations_has_cti(opts->revoked, out->cti))
            err = HC_E_REVOKED;
        else if (out->has_sub && hc_revocations_has_sub(opts->revoked, out->sub))
            err = HC_E_SUBJECT_REVOKED;
    }
    if (err == HC_OK && device)
        *device = dev;
    else
        EVP_PKEY_free(dev);
    return err;
}

/* P1: the presentation's shape into p (its bytes in pres), and presented
 * and t into out. */
static hc_err decode_presentation(const char *text, size_t len, decoded *pres, hc_pres_view *p,
                                  hc_claims *out)
{
    hc_err err = hc_base45_decode(text + HC_LIVE_PREFIX_LEN, len - HC_LIVE_PREFIX_LEN, pres->cose,
                                  HC_COSE_MAX, &pres->cose_len);
    if (err == HC_OK)
        err = hc_pres_parse(pres->cose, pres->cose_len, p);
    if (err != HC_OK)
        return HC_E_PRESENTATION;
    out->presented = true;
    out->t = p->t > INT64_MAX ? INT64_MAX : (int64_t)p->t;
    return HC_OK;
}

/* The token inside a presentation, copied into tok for steps 3-8 (the
 * presentation's bytes stay whole for P4). */
static hc_err decode_inner(const hc_pres_view *p, decoded *tok, hc_claims *out)
{
    if (p->token_len > sizeof tok->cose)
        return HC_E_LIMIT;   /* cannot happen: it came out of a buffer that size */
    memcpy(tok->cose, p->token, p->token_len);
    tok->cose_len = p->token_len;
    return decode_cose(tok, out);
}

/* P5: |now - t| <= window, in unsigned arithmetic (t is any uint64, now any
 * int64): a t in the future is as stale as one in the past. */
static bool within_window(int64_t now, uint64_t t, int64_t window)
{
    uint64_t n = (uint64_t)now;
    if (now < 0)
        return false;   /* no presentation precedes 1970 */
    uint64_t diff = t > n ? t - n : n - t;
    return diff <= (uint64_t)window;
}

/* P1-P5 (doc/format.md, "Verifying a presentation"). Its two buffers stay
 * in its own frame, and a plain token's one in verify_token's: the stack
 * either takes is its own (2.9 KiB for a token, 5.9 for a presentation). */
__attribute__((noinline)) static hc_err verify_presentation(const hc_trust *trust, const char *text, size_t len,
                                  int64_t now, const hc_verify_opts *opts, int64_t window,
                                  hc_claims *out)
{
    decoded pres, tok;
    hc_pres_view p;
    hc_err err = decode_presentation(text, len, &pres, &p, out);
    if (err != HC_OK)
        return err;
    /* P2 */
    EVP_PKEY *device = NULL;
    if ((err = decode_inner(&p, &tok, out)) != HC_OK ||
        (err = verify_decoded(trust, &tok, now, opts, out, &device)) != HC_OK)
        return err;
    /* P3 */
    if (!out->bound)
        err = HC_E_UNBOUND;
    else if (p.cose.alg != (int64_t)out->device_alg)
        err = HC_E_DEVICE_ALG;
    /* P4: the Sig_structure over the presentation's bytes as received */
    hc_cose_view v = p.cose;
    uint8_t sig[64];
    size_t tbs_len = 0;
    if (err == HC_OK &&
        (err = sig_structure_in_place(pres.cose, sizeof pres.cose, &v, &tbs_len, sig)) == HC_OK) {
        err = hc_device_verify(out->device_alg, device, pres.cose, tbs_len, sig);
        if (err == HC_E_SIGNATURE)
            err = HC_E_DEVICE_SIGNATURE;
    }
    EVP_PKEY_free(device);
    /* P5 */
    if (err == HC_OK && !within_window(now, p.t, window))
        err = HC_E_STALE;
    out->live = err == HC_OK;
    return err;
}

/* Steps 1-8 of a plain token; require_live makes a valid one not live. */
__attribute__((noinline)) static hc_err verify_token(const hc_trust *trust, const char *text,
                                                     size_t len, int64_t now,
                                                     const hc_verify_opts *opts, hc_claims *out)
{
    decoded d;
    hc_err err = decode_text(text, len, &d, out);
    if (err == HC_OK)
        err = verify_decoded(trust, &d, now, opts, out, NULL);
    if (err == HC_OK && opts->require_live)
        err = HC_E_NOT_LIVE;
    return err;
}

hc_err hc_verify(const hc_trust *trust, const char *text, size_t len, int64_t now,
                 const hc_verify_opts *opts, hc_claims *out)
{
    if (!out)
        return HC_E_ARG;
    memset(out, 0, sizeof *out);
    const hc_verify_opts defaults = HC_VERIFY_OPTS_DEFAULT;
    if (!opts)
        opts = &defaults;
    int64_t window = opts->live_window_s ? opts->live_window_s : HC_DEFAULT_LIVE_WINDOW_S;
    if (!trust || (!text && len) || opts->skew_s < 0 || window < 0 ||
        window > HC_LIVE_WINDOW_MAX_S)
        return HC_E_ARG;
    if (len > HC_TOKEN_MAX)
        return HC_E_LIMIT;
    if (len >= HC_LIVE_PREFIX_LEN && memcmp(text, HC_LIVE_PREFIX, HC_LIVE_PREFIX_LEN) == 0)
        return verify_presentation(trust, text, len, now, opts, window, out);
    return verify_token(trust, text, len, now, opts, out);
}

/* hc_inspect of a presentation: P1, then the token inside, unverified. */
__attribute__((noinline)) static hc_err inspect_presentation(const char *text, size_t len,
                                                             hc_claims *out)
{
    decoded d, pres;
    hc_pres_view p;
    hc_err err = decode_presentation(text, len, &pres, &p, out);
    if (err == HC_OK)
        err = decode_inner(&p, &d, out);
    return err != HC_OK ? err : hc_claims_decode_checked(d.view.payload, d.view.payload_len, out);
}

hc_err hc_inspect(const char *text, size_t len, hc_claims *out)
{
    if (!out)
        return HC_E_ARG;
    memset(out, 0, sizeof *out);
    if (!text && len)
        return HC_E_ARG;
    if (len > HC_TOKEN_MAX)
        return HC_E_LIMIT;
    if (len >= HC_LIVE_PREFIX_LEN && memcmp(text, HC_LIVE_PREFIX, HC_LIVE_PREFIX_LEN) == 0)
        return inspect_presentation(text, len, out);
    decoded d;
    hc_err err = decode_text(text, len, &d, out);
    return err != HC_OK ? err : hc_claims_decode_checked(d.view.payload, d.view.payload_len, out);
}

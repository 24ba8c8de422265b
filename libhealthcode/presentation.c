/* presentation.c — a live presentation's COSE_Sign1 (doc/format.md, "The
 * presentation"): the wire form both sides share, parsed with step 3's
 * strictness and encoded deterministically.
 *
 * Decisions beyond doc/format.md's text, as for a token (cose.c): the
 * protected header holds exactly {1: alg} (a parameter we do not read must
 * not ride under the device's signature unread), the protected and payload
 * bstrs hold exactly one item each, and the untagged array is accepted as
 * a token's is. Every failure of P1 is the one error HC_E_PRESENTATION. */
#include "cbor_impl.h"
#include "presentation_impl.h"

#include <string.h>

#define COSE_SIGN1_TAG 18
#define HDR_ALG 1

/* Whether p[0..n) is exactly one well-formed item. */
static bool one_item(const uint8_t *p, size_t n)
{
    size_t size = 0;
    return n > 0 && hc_cbor_check(p, n, &size) == HC_OK && size == n;
}

/* The head at buf[*pos..len) into it, which must be of type t; *pos past it. */
static bool take(const uint8_t *buf, size_t len, size_t *pos, hc_cbor_type t, hc_cbor_item *it)
{
    if (*pos >= len || hc_cbor_head(buf + *pos, len - *pos, it) != HC_OK || it->type != t)
        return false;
    *pos += it->size;
    return true;
}

/* {1: alg}, alg any integer that fits int64_t. */
static bool parse_protected(const uint8_t *p, size_t n, int64_t *alg)
{
    hc_cbor_item m, k, v;
    size_t pos = 0;
    int64_t key;
    if (!take(p, n, &pos, HC_CBOR_MAP, &m) || m.value != 1 ||
        hc_cbor_head(p + pos, n - pos, &k) != HC_OK || !hc_cbor_int(&k, &key) || key != HDR_ALG)
        return false;
    pos += k.size;
    return hc_cbor_head(p + pos, n - pos, &v) == HC_OK && hc_cbor_int(&v, alg);
}

/* [bstr token, uint t] */
static bool parse_payload(const uint8_t *p, size_t n, hc_pres_view *out)
{
    hc_cbor_item a, tok, t;
    size_t pos = 0;
    if (!take(p, n, &pos, HC_CBOR_ARRAY, &a) || a.value != 2 ||
        !take(p, n, &pos, HC_CBOR_BSTR, &tok) || !take(p, n, &pos, HC_CBOR_UINT, &t))
        return false;
    out->token = tok.data;
    out->token_len = tok.len;
    out->t = t.value;
    return true;
}

hc_err hc_pres_parse(const uint8_t *buf, size_t len, hc_pres_view *out)
{
    if (!buf || !out)
        return HC_E_ARG;
    memset(out, 0, sizeof *out);
    if (!one_item(buf, len))
        return HC_E_PRESENTATION;
    hc_cbor_item it, prot, unprot, payload, sig;
    size_t pos = 0;
    if (hc_cbor_head(buf, len, &it) != HC_OK)
        return HC_E_PRESENTATION;
    if (it.type == HC_CBOR_TAG) {
        if (it.value != COSE_SIGN1_TAG)
            return HC_E_PRESENTATION;
        pos += it.size;
    }
    if (!take(buf, len, &pos, HC_CBOR_ARRAY, &it) || it.value != 4 ||
        !take(buf, len, &pos, HC_CBOR_BSTR, &prot) || pos >= len ||
        hc_cbor_head(buf + pos, len - pos, &unprot) != HC_OK || unprot.type != HC_CBOR_MAP)
        return HC_E_PRESENTATION;
    pos += hc_cbor_skip(buf + pos, len - pos);   /* contents ignored, checked above */
    if (!take(buf, len, &pos, HC_CBOR_BSTR, &payload) || !take(buf, len, &pos, HC_CBOR_BSTR, &sig) ||
        sig.len != 64)
        return HC_E_PRESENTATION;
    /* the wrapped items obey the same rules as the outer ones */
    if (!one_item(prot.data, prot.len) || !one_item(payload.data, payload.len) ||
        !parse_protected(prot.data, prot.len, &out->cose.alg) ||
        !parse_payload(payload.data, payload.len, out))
        return HC_E_PRESENTATION;
    out->cose.protected_bstr = prot.data;
    out->cose.protected_len = prot.len;
    out->cose.payload = payload.data;
    out->cose.payload_len = payload.len;
    out->cose.signature = sig.data;
    return HC_OK;
}

hc_err hc_pres_payload_encode(const uint8_t *token, size_t token_len, uint64_t t, uint8_t *buf,
                              size_t cap, size_t *len)
{
    if ((!token && token_len) || !len)
        return HC_E_ARG;
    hc_cbor_writer w;
    hc_cbor_w_init(&w, buf, cap);
    hc_cbor_w_array(&w, 2);
    hc_cbor_w_bstr(&w, token, token_len);
    hc_cbor_w_uint(&w, t);
    return hc_cbor_w_finish(&w, len);
}

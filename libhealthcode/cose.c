/* cose.c — COSE_Sign1 (RFC 9052) as doc/format.md restricts it.
 *
 * Parsing checks the whole structure before looking at its shape: every
 * CBOR item in the token, including those inside the protected header and
 * the payload bstrs and the ignored unprotected map, has a definite length,
 * no map has a key twice (compared by value) and every text string is UTF-8.
 * Decisions beyond doc/format.md's text:
 *   - the protected header must hold exactly {1: alg, 4: kid} — any other key
 *     is HC_E_COSE (a header parameter we do not understand, such as `crit`,
 *     must not be silently dropped from what the signature covers);
 *   - the protected and payload bstrs must each hold exactly one CBOR item
 *     (an empty bstr is HC_E_COSE);
 *     bytes after it inside the bstr are HC_E_COSE (HC_E_TRAILING is kept for
 *     bytes after the COSE_Sign1 itself);
 *   - alg must be an integer that fits int64_t (else HC_E_COSE); whether it
 *     is one we accept is step 4's question (HC_E_ALG in verify.c). */
#include "cbor_impl.h"
#include "token_impl.h"

#include <string.h>

#define COSE_SIGN1_TAG 18
#define HDR_ALG 1
#define HDR_KID 4

/* Checks that a bstr's content is exactly one well-formed item. */
static hc_err check_wrapped(const uint8_t *p, size_t n)
{
    size_t size = 0;
    hc_err err = hc_cbor_check(p, n, &size);
    if (err != HC_OK)
        return err;
    return size == n ? HC_OK : HC_E_COSE;
}

/* {1: alg, 4: kid} in any order (the signature covers the bytes as they
 * are), no other key; duplicates were already refused by check_wrapped. */
static hc_err parse_protected(const uint8_t *p, size_t n, hc_cose_view *out)
{
    hc_cbor_item it;
    hc_err err = hc_cbor_head(p, n, &it);
    if (err != HC_OK)
        return err;
    if (it.type != HC_CBOR_MAP || it.value != 2)
        return HC_E_COSE;
    size_t pos = it.size;
    bool have_alg = false, have_kid = false;
    for (int i = 0; i < 2; i++) {
        hc_cbor_item k, v;
        int64_t key;
        if ((err = hc_cbor_head(p + pos, n - pos, &k)) != HC_OK)
            return err;
        pos += k.size;
        if ((err = hc_cbor_head(p + pos, n - pos, &v)) != HC_OK)
            return err;
        if (!hc_cbor_int(&k, &key))
            return HC_E_COSE;
        if (key == HDR_ALG && !have_alg) {
            if (!hc_cbor_int(&v, &out->alg))
                return HC_E_COSE;
            have_alg = true;
        } else if (key == HDR_KID && !have_kid) {
            if (v.type != HC_CBOR_BSTR || v.len != HC_KID_LEN)
                return HC_E_COSE;
            memcpy(out->kid, v.data, HC_KID_LEN);
            have_kid = true;
        } else {
            return HC_E_COSE;   /* another key (1 as 0x1801 next to 0x01 was refused by cbor.c) */
        }
        pos += hc_cbor_skip(p + pos, n - pos);
    }
    return HC_OK;
}

/* The head at buf[pos..len) into it; HC_E_COSE where it is not of type t. */
static hc_err head_of_type(const uint8_t *buf, size_t len, size_t pos, hc_cbor_type t,
                           hc_cbor_item *it)
{
    hc_err err = hc_cbor_head(buf + pos, len - pos, it);
    if (err != HC_OK)
        return err;
    return it->type == t ? HC_OK : HC_E_COSE;
}

hc_err hc_cose_parse(const uint8_t *buf, size_t len, hc_cose_view *out)
{
    if (!buf || !out)
        return HC_E_ARG;
    memset(out, 0, sizeof *out);
    size_t size = 0;
    hc_err err = hc_cbor_check(buf, len, &size);
    if (err != HC_OK)
        return err;
    if (size != len)
        return HC_E_TRAILING;

    hc_cbor_item it;
    size_t pos = 0;
    if ((err = hc_cbor_head(buf, len, &it)) != HC_OK)
        return err;
    if (it.type == HC_CBOR_TAG) {
        if (it.value != COSE_SIGN1_TAG)
            return HC_E_COSE;
        pos += it.size;
        if ((err = hc_cbor_head(buf + pos, len - pos, &it)) != HC_OK)
            return err;
    }
    if (it.type != HC_CBOR_ARRAY || it.value != 4)
        return HC_E_COSE;
    pos += it.size;

    hc_cbor_item prot, unprot, payload, sig;
    if ((err = head_of_type(buf, len, pos, HC_CBOR_BSTR, &prot)) != HC_OK)
        return err;
    pos += prot.size;
    if ((err = head_of_type(buf, len, pos, HC_CBOR_MAP, &unprot)) != HC_OK)
        return err;
    pos += hc_cbor_skip(buf + pos, len - pos);   /* contents ignored, already checked */
    if ((err = head_of_type(buf, len, pos, HC_CBOR_BSTR, &payload)) != HC_OK)
        return err;
    pos += payload.size;
    if ((err = head_of_type(buf, len, pos, HC_CBOR_BSTR, &sig)) != HC_OK)
        return err;
    if (sig.len != 64)
        return HC_E_COSE;

    /* an empty protected header (RFC 9052's encoding of no header) has no
     * alg; an empty payload has no claims: both are the wrong shape */
    if (prot.len == 0 || payload.len == 0)
        return HC_E_COSE;
    /* the wrapped items obey the same rules as the outer ones */
    if ((err = check_wrapped(prot.data, prot.len)) != HC_OK ||
        (err = check_wrapped(payload.data, payload.len)) != HC_OK)
        return err;
    if ((err = parse_protected(prot.data, prot.len, out)) != HC_OK)
        return err;
    out->protected_bstr = prot.data;
    out->protected_len = prot.len;
    out->payload = payload.data;
    out->payload_len = payload.len;
    out->signature = sig.data;
    return HC_OK;
}

hc_err hc_cose_protected_encode(hc_alg alg, const uint8_t kid[HC_KID_LEN], uint8_t *buf,
                                size_t cap, size_t *len)
{
    if (!len || (alg != HC_ALG_ES256 && alg != HC_ALG_EDDSA && alg != HC_ALG_SM2))
        return HC_E_ARG;
    hc_cbor_writer w;
    hc_cbor_w_init(&w, buf, cap);
    hc_cbor_w_map(&w, kid ? 2 : 1);
    hc_cbor_w_uint(&w, HDR_ALG);
    hc_cbor_w_int(&w, alg);
    if (kid) {
        hc_cbor_w_uint(&w, HDR_KID);
        hc_cbor_w_bstr(&w, kid, HC_KID_LEN);
    }
    return hc_cbor_w_finish(&w, len);
}

hc_err hc_cose_sig_structure(const uint8_t *prot, size_t prot_len, const uint8_t *payload,
                             size_t payload_len, uint8_t *buf, size_t cap, size_t *len)
{
    static const char context[] = "Signature1";
    if ((!prot && prot_len) || (!payload && payload_len) || !len)
        return HC_E_ARG;
    hc_cbor_writer w;
    hc_cbor_w_init(&w, buf, cap);
    hc_cbor_w_array(&w, 4);
    hc_cbor_w_tstr(&w, context, sizeof context - 1);
    hc_cbor_w_bstr(&w, prot, prot_len);
    hc_cbor_w_bstr(&w, NULL, 0);             /* external_aad: empty */
    hc_cbor_w_bstr(&w, payload, payload_len);
    return hc_cbor_w_finish(&w, len);
}

hc_err hc_cose_sign1_encode(const uint8_t *prot, size_t prot_len, const uint8_t *payload,
                            size_t payload_len, const uint8_t sig[64], uint8_t *buf,
                            size_t cap, size_t *len)
{
    if ((!prot && prot_len) || (!payload && payload_len) || !sig || !len)
        return HC_E_ARG;
    hc_cbor_writer w;
    hc_cbor_w_init(&w, buf, cap);
    hc_cbor_w_tag(&w, COSE_SIGN1_TAG);
    hc_cbor_w_array(&w, 4);
    hc_cbor_w_bstr(&w, prot, prot_len);
    hc_cbor_w_map(&w, 0);
    hc_cbor_w_bstr(&w, payload, payload_len);
    hc_cbor_w_bstr(&w, sig, 64);
    return hc_cbor_w_finish(&w, len);
}

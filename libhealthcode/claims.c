/* claims.c — the CWT claims map of doc/format.md (RFC 8392), encoded in core
 * deterministic order and decoded in place.
 *
 * Decoding ignores unknown keys (doc/format.md). A known key that appears twice
 * under two encodings (1 as 0x01 and as 0x18 0x01) was refused already by
 * cbor.c, which compares keys by value; the `seen` bits below refuse it
 * again, so that this file is safe on its own. */
#include "cbor_impl.h"
#include "token_impl.h"

#include <string.h>

enum { CLAIM_ISS = 1, CLAIM_EXP = 4, CLAIM_IAT = 6, CLAIM_CTI = 7, CLAIM_CNF = 8,
       CLAIM_HCODE = -65537 };
/* cnf (RFC 8747) and its COSE_Key (RFC 9052 §7, RFC 9053 §7) */
enum { CNF_COSE_KEY = 1 };
enum { KEY_KTY = 1, KEY_CRV = -1, KEY_X = -2, KEY_Y = -3 };
enum { KTY_OKP = 1, KTY_EC2 = 2, CRV_P256 = 1, CRV_ED25519 = 6, CRV_SM2 = -65537 };
enum { HC_COL = 1, HC_SUB = 2, HC_NAM = 3, HC_DOC = 4, HC_REG = 5, HC_KND = 6 };
#define REG_MAX 999999u

/* Strict UTF-8 (hc_cbor_check refused any other already), and no NUL,
 * since the text is copied into a C string. */
static bool text_ok(const uint8_t *s, size_t n)
{
    return hc_cbor_utf8_ok(s, n) && (n == 0 || memchr(s, 0, n) == NULL);
}

static bool copy_text(const hc_cbor_item *v, char *dst, size_t max, size_t min)
{
    if (v->type != HC_CBOR_TSTR || v->len < min || v->len > max || !text_ok(v->data, v->len))
        return false;
    memcpy(dst, v->data, v->len);
    dst[v->len] = '\0';
    return true;
}

/* Whether v is a byte string of exactly n bytes; copies it into dst if so. */
static bool copy_bytes(const hc_cbor_item *v, uint8_t *dst, size_t n)
{
    if (v->type != HC_CBOR_BSTR || v->len != n)
        return false;
    memcpy(dst, v->data, n);
    return true;
}

static bool uint_ok(const hc_cbor_item *v, uint64_t max)
{
    return v->type == HC_CBOR_UINT && v->value <= max;
}

/* One entry of the hcode map; *seen collects the keys met. */
static bool hcode_entry(int64_t key, const hc_cbor_item *v, hc_claims *c, unsigned *seen)
{
    if (key < HC_COL || key > HC_KND)
        return true;   /* unknown: ignored */
    if (*seen & (1u << key))
        return false;
    *seen |= 1u << key;
    /* a value is stored before it is checked: c is the decoder's own copy,
     * handed out only when every entry passed */
    switch (key) {
    case HC_COL:
        c->colour = (hc_colour)v->value;
        return uint_ok(v, 2);
    case HC_SUB:
        return (c->has_sub = copy_bytes(v, c->sub, sizeof c->sub));
    case HC_NAM:
        return copy_text(v, c->nam, HC_NAM_MAX, 0);
    case HC_DOC:
        return copy_text(v, c->doc, HC_DOC_MAX, 0);
    case HC_REG:
        c->reg = (uint32_t)v->value;
        return uint_ok(v, REG_MAX);
    default: /* HC_KND */
        c->knd = (int)v->value;
        return uint_ok(v, 1);
    }
}

/* Walks the map at buf[0..len), which hc_cbor_check() accepted, calling
 * entry() for every integer key (other keys are ignored). */
static bool each_entry(const uint8_t *buf, size_t len,
                       bool (*entry)(int64_t, const hc_cbor_item *, const uint8_t *, size_t,
                                     hc_claims *, unsigned *),
                       hc_claims *c, unsigned *seen)
{
    hc_cbor_item m;
    if (hc_cbor_head(buf, len, &m) != HC_OK || m.type != HC_CBOR_MAP)
        return false;
    size_t pos = m.size;
    for (uint64_t i = 0; i < m.value; i++) {
        hc_cbor_item k, v;
        int64_t key;
        if (hc_cbor_head(buf + pos, len - pos, &k) != HC_OK)
            return false;
        size_t klen = hc_cbor_span(buf + pos, len - pos, &k);
        pos += klen;
        if (hc_cbor_head(buf + pos, len - pos, &v) != HC_OK)
            return false;
        size_t vlen = hc_cbor_span(buf + pos, len - pos, &v);
        if (klen == 0 || vlen == 0)
            return false;
        if (hc_cbor_int(&k, &key) && !entry(key, &v, buf + pos, vlen, c, seen))
            return false;
        pos += vlen;
    }
    return true;
}

static bool hcode_cb(int64_t key, const hc_cbor_item *v, const uint8_t *raw, size_t raw_len,
                     hc_claims *c, unsigned *seen)
{
    (void)raw, (void)raw_len;
    return hcode_entry(key, v, c, seen);
}

#define SEEN_HCODE (1u << 9)

/* The COSE_Key of a cnf: exactly {1: kty, -1: crv, -2: x, -3: ybit} for
 * an EC2 key (P-256, SM2) or {1: kty, -1: crv, -2: x} for an OKP key
 * (Ed25519), in any order, x of 32 bytes, ybit a boolean (RFC 9053 point
 * compression). Any other key (an alg, a kid, y as coordinates) or kty/crv
 * pair cannot be checked as doc/format.md binds a device, and refuses the
 * token: a binding is never dropped silently. Whether the point is on its
 * curve is verify.c's question (it needs the crypto).
 * *seen: bits 0-3 the keys met, bits 8-9 the kty (1 OKP, 2 EC2, 3 other). */
#define SEEN_KTY(s) ((s) >> 8 & 3u)
static bool cose_key_entry(int64_t key, const hc_cbor_item *v, const uint8_t *raw, size_t raw_len,
                           hc_claims *c, unsigned *seen)
{
    (void)raw, (void)raw_len;
    int64_t n = 0;
    unsigned bit = key == KEY_KTY ? 1u : key == KEY_CRV ? 2u : key == KEY_X ? 4u : key == KEY_Y ? 8u : 0;
    if (!bit || (*seen & bit))
        return false;
    *seen |= bit;
    switch (key) {
    case KEY_KTY:
        if (!hc_cbor_int(v, &n))
            return false;
        *seen |= (n == KTY_OKP ? 1u : n == KTY_EC2 ? 2u : 3u) << 8;
        return true;
    case KEY_CRV:
        if (!hc_cbor_int(v, &n))
            return false;
        c->device_alg = n == CRV_P256 ? HC_ALG_ES256 : n == CRV_ED25519 ? HC_ALG_EDDSA
                      : n == CRV_SM2 ? HC_ALG_SM2 : (hc_alg)0;
        return c->device_alg != 0;
    case KEY_X:
        return copy_bytes(v, c->device_x, sizeof c->device_x);
    default: /* KEY_Y */
        if (v->type != HC_CBOR_SIMPLE || v->is_float || (v->value != 20 && v->value != 21))
            return false;
        c->device_ybit = v->value == 21;
        return true;
    }
}

/* cnf: {1: COSE_Key}; the COSE_Key as above, its entry count checked too
 * (each_entry passes only integer keys: a text key must not slip by). */
static bool cnf_entry(int64_t key, const hc_cbor_item *v, const uint8_t *raw, size_t raw_len,
                      hc_claims *c, unsigned *seen)
{
    if (key != CNF_COSE_KEY || (*seen & 1u) || v->type != HC_CBOR_MAP)
        return false;
    *seen |= 1u;
    unsigned kseen = 0;
    if (!each_entry(raw, raw_len, cose_key_entry, c, &kseen))
        return false;
    bool ec2 = c->device_alg == HC_ALG_ES256 || c->device_alg == HC_ALG_SM2;
    if (ec2 ? SEEN_KTY(kseen) != 2u || (kseen & 15u) != 15u || v->value != 4
            : SEEN_KTY(kseen) != 1u || (kseen & 15u) != 7u || v->value != 3)
        return false;
    c->bound = true;
    return true;
}

/* Whether the map at raw (a cnf value) is exactly {1: COSE_Key}: each_entry
 * calls cnf_entry for integer keys only, so the count is checked too. */
static bool cnf_ok(const hc_cbor_item *v, const uint8_t *raw, size_t raw_len, hc_claims *c)
{
    unsigned cseen = 0;
    return v->type == HC_CBOR_MAP && v->value == 1 &&
           each_entry(raw, raw_len, cnf_entry, c, &cseen) && cseen == 1u;
}

static bool claims_cb(int64_t key, const hc_cbor_item *v, const uint8_t *raw, size_t raw_len,
                      hc_claims *c, unsigned *seen)
{
    unsigned bit;
    switch (key) {
    case CLAIM_ISS: bit = 1u << 1; break;
    case CLAIM_EXP: bit = 1u << 4; break;
    case CLAIM_IAT: bit = 1u << 6; break;
    case CLAIM_CTI: bit = 1u << 7; break;
    case CLAIM_CNF: bit = 1u << 8; break;
    case CLAIM_HCODE: bit = SEEN_HCODE; break;
    default: return true;
    }
    if (*seen & bit)
        return false;
    *seen |= bit;
    switch (key) {
    case CLAIM_ISS:
        return copy_text(v, c->iss, HC_ISS_MAX, 1);
    case CLAIM_EXP:
    case CLAIM_IAT: /* stored before the check, as in hcode_entry */
        *(key == CLAIM_EXP ? &c->exp : &c->iat) = (int64_t)v->value;
        return uint_ok(v, INT64_MAX);
    case CLAIM_CTI:
        return copy_bytes(v, c->cti, sizeof c->cti);
    case CLAIM_CNF:
        return cnf_ok(v, raw, raw_len, c);
    default: { /* CLAIM_HCODE */
        unsigned hseen = 0;
        if (v->type != HC_CBOR_MAP || !each_entry(raw, raw_len, hcode_cb, c, &hseen))
            return false;
        return (hseen & (1u << HC_COL)) != 0;
    }
    }
}

hc_err hc_claims_decode(const uint8_t *buf, size_t len, hc_claims *out)
{
    if (!buf || !out)
        return HC_E_ARG;
    /* checked again here so that the function is safe on its own (tests,
     * fuzzers); hc_verify and hc_inspect use the view's payload, which
     * hc_cose_parse checked, and skip this walk */
    size_t size = 0;
    if (hc_cbor_check(buf, len, &size) != HC_OK || size != len)
        return HC_E_CLAIMS;
    return hc_claims_decode_checked(buf, len, out);
}

hc_err hc_claims_decode_checked(const uint8_t *buf, size_t len, hc_claims *out)
{
    if (!buf || !out)
        return HC_E_ARG;
    hc_claims c;
    memset(&c, 0, sizeof c);
    unsigned seen = 0;
    const unsigned required = 1u << 1 | 1u << 4 | 1u << 6 | 1u << 7 | SEEN_HCODE;
    if (!each_entry(buf, len, claims_cb, &c, &seen) || (seen & required) != required)
        return HC_E_CLAIMS;
    c.alg = out->alg;
    memcpy(c.kid, out->kid, sizeof c.kid);
    c.header_ok = out->header_ok;
    c.presented = out->presented;   /* what a presentation's P1 learnt, kept */
    c.t = out->t;
    c.claims_ok = true;
    *out = c;
    return HC_OK;
}

/* 8: {1: COSE_Key}, the COSE_Key's keys in the order 1, -1, -2, -3 (their
 * encoded bytes 0x01 0x20 0x21 0x22). */
static void cnf_encode(hc_cbor_writer *w, const hc_claims *c)
{
    bool okp = c->device_alg == HC_ALG_EDDSA;
    hc_cbor_w_uint(w, CLAIM_CNF);
    hc_cbor_w_map(w, 1);
    hc_cbor_w_uint(w, CNF_COSE_KEY);
    hc_cbor_w_map(w, okp ? 3 : 4);
    hc_cbor_w_int(w, KEY_KTY);
    hc_cbor_w_int(w, okp ? KTY_OKP : KTY_EC2);
    hc_cbor_w_int(w, KEY_CRV);
    hc_cbor_w_int(w, okp ? CRV_ED25519 : c->device_alg == HC_ALG_SM2 ? CRV_SM2 : CRV_P256);
    hc_cbor_w_int(w, KEY_X);
    hc_cbor_w_bstr(w, c->device_x, sizeof c->device_x);
    if (!okp) {
        hc_cbor_w_int(w, KEY_Y);
        hc_cbor_w_raw(w, (const uint8_t *)(c->device_ybit ? "\xf5" : "\xf4"), 1);
    }
}

hc_err hc_claims_encode(const hc_claims *c, uint8_t *buf, size_t cap, size_t *len)
{
    if (!c || !len)
        return HC_E_ARG;
    if (c->bound && c->device_alg != HC_ALG_ES256 && c->device_alg != HC_ALG_EDDSA &&
        c->device_alg != HC_ALG_SM2)
        return HC_E_ARG;
    size_t iss_len = strnlen(c->iss, sizeof c->iss);
    size_t nam_len = strnlen(c->nam, sizeof c->nam);
    size_t doc_len = strnlen(c->doc, sizeof c->doc);
    if (iss_len < 1 || iss_len > HC_ISS_MAX || nam_len > HC_NAM_MAX || doc_len > HC_DOC_MAX ||
        c->iat < 0 || c->exp < 0 || (unsigned)c->colour > HC_RED || c->reg > REG_MAX ||
        (c->knd != 0 && c->knd != 1))
        return HC_E_ARG;
    size_t n = 1 + (c->has_sub ? 1 : 0) + (nam_len ? 1 : 0) + (doc_len ? 1 : 0) +
               (c->reg ? 1 : 0) + (c->knd ? 1 : 0);

    /* keys in the order of their encoded bytes: 0x01 0x04 0x06 0x07 (0x08) 0x3a… */
    hc_cbor_writer w;
    hc_cbor_w_init(&w, buf, cap);
    hc_cbor_w_map(&w, c->bound ? 6 : 5);
    hc_cbor_w_uint(&w, CLAIM_ISS);
    hc_cbor_w_tstr(&w, c->iss, iss_len);
    hc_cbor_w_uint(&w, CLAIM_EXP);
    hc_cbor_w_uint(&w, (uint64_t)c->exp);
    hc_cbor_w_uint(&w, CLAIM_IAT);
    hc_cbor_w_uint(&w, (uint64_t)c->iat);
    hc_cbor_w_uint(&w, CLAIM_CTI);
    hc_cbor_w_bstr(&w, c->cti, sizeof c->cti);
    if (c->bound)
        cnf_encode(&w, c);
    hc_cbor_w_int(&w, CLAIM_HCODE);
    hc_cbor_w_map(&w, n);
    hc_cbor_w_uint(&w, HC_COL);
    hc_cbor_w_uint(&w, (uint64_t)c->colour);
    if (c->has_sub) {
        hc_cbor_w_uint(&w, HC_SUB);
        hc_cbor_w_bstr(&w, c->sub, sizeof c->sub);
    }
    if (nam_len) {
        hc_cbor_w_uint(&w, HC_NAM);
        hc_cbor_w_tstr(&w, c->nam, nam_len);
    }
    if (doc_len) {
        hc_cbor_w_uint(&w, HC_DOC);
        hc_cbor_w_tstr(&w, c->doc, doc_len);
    }
    if (c->reg) {
        hc_cbor_w_uint(&w, HC_REG);
        hc_cbor_w_uint(&w, c->reg);
    }
    if (c->knd) {
        hc_cbor_w_uint(&w, HC_KND);
        hc_cbor_w_uint(&w, (uint64_t)c->knd);
    }
    return hc_cbor_w_finish(&w, len);
}

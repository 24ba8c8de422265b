/* token_impl.h — the wire format's layers (base45.c, cbor.c, cose.c,
 * claims.c), shared by issue.c (encode) and verify.c (decode). Not installed.
 *
 * Decoding is in place and bounded: no function here allocates; views point
 * into the caller's buffer. */
#ifndef HC_TOKEN_IMPL_H
#define HC_TOKEN_IMPL_H

#include <healthcode/verify.h>

/* ---- base45 (RFC 9285) ---- */
/* Encodes n bytes; out gets NUL-terminated text; HC_E_BUFFER with *len = needed. */
hc_err hc_base45_encode(const uint8_t *in, size_t n, char *out, size_t cap, size_t *len);
/* Decodes strictly: HC_E_BASE45 on a length of 3k+1, a character outside the 45
 * (lower case included), or a triplet/pair above its range. */
hc_err hc_base45_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *len);
/* Steps 1-2 of a token's text: the "HCODE1:" prefix (HC_E_PREFIX), then
 * base45 into out; a text that would not fit cap is HC_E_LIMIT. */
hc_err hc_token_text_decode(const char *text, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* ---- COSE_Sign1 ---- */
/* The largest COSE_Sign1 the library reads: base45 of HC_TOKEN_MAX chars. */
#define HC_COSE_MAX ((HC_TOKEN_MAX / 3) * 2 + 2)
/* The longest text hc_issue can make from a COSE_Sign1 of HC_COSE_MAX bytes:
 * a buffer this long (and the NUL) is never too small. */
#define HC_TEXT_MAX (sizeof HC_PREFIX - 1 + (HC_COSE_MAX + 1) / 2 * 3)

typedef struct {
    const uint8_t *protected_bstr;   /* the bstr's content, as received */
    size_t protected_len;
    const uint8_t *payload;          /* the payload bstr's content, as received */
    size_t payload_len;
    const uint8_t *signature;        /* exactly 64 bytes */
    int64_t alg;                     /* from the protected header, any value */
    uint8_t kid[HC_KID_LEN];
} hc_cose_view;

/* Step 3 and the header part of step 4: one COSE_Sign1 (tag 18 or untagged),
 * definite lengths, no duplicate keys anywhere (payload included), nothing
 * after it, protected {1: alg, 4: kid(8 bytes)}, signature of 64 bytes.
 * Errors: HC_E_CBOR, HC_E_INDEFINITE, HC_E_DUPLICATE_KEY, HC_E_TRAILING, HC_E_COSE. */
hc_err hc_cose_parse(const uint8_t *buf, size_t len, hc_cose_view *out);

/* Encodes the protected header map {1: alg, 4: kid} (not wrapped in a bstr);
 * kid NULL: {1: alg}, a live presentation's header (doc/format.md). */
hc_err hc_cose_protected_encode(hc_alg alg, const uint8_t kid[HC_KID_LEN], uint8_t *buf,
                                size_t cap, size_t *len);
/* Encodes ["Signature1", protected, h'', payload] — the bytes that are signed. */
hc_err hc_cose_sig_structure(const uint8_t *prot, size_t prot_len, const uint8_t *payload,
                             size_t payload_len, uint8_t *buf, size_t cap, size_t *len);
/* Encodes 18([bstr(prot), {}, bstr(payload), bstr(sig64)]). */
hc_err hc_cose_sign1_encode(const uint8_t *prot, size_t prot_len, const uint8_t *payload,
                            size_t payload_len, const uint8_t sig[64], uint8_t *buf,
                            size_t cap, size_t *len);

/* ---- CWT claims ---- */
/* Encodes the claims map in core deterministic encoding from c: iss, iat,
 * exp, cti, colour always; cnf if bound (device_alg, device_x,
 * device_ybit); sub if has_sub; nam, doc if non-empty; reg if non-zero; knd
 * if non-zero. alg/kid/flags are ignored. */
hc_err hc_claims_encode(const hc_claims *c, uint8_t *buf, size_t cap, size_t *len);
/* Step 6: parses the payload (already checked well-formed by hc_cose_parse)
 * into out's claims fields and sets claims_ok. HC_E_CLAIMS otherwise. A cnf
 * is parsed for its shape (bound, device_*); whether its point is on the
 * curve is checked by the caller (device.c). */
hc_err hc_claims_decode(const uint8_t *buf, size_t len, hc_claims *out);
/* The same for a payload that hc_cose_parse has already accepted (a
 * view's payload): the well-formedness walk is not done again. Anything
 * else must go through hc_claims_decode. */
hc_err hc_claims_decode_checked(const uint8_t *buf, size_t len, hc_claims *out);

#endif

/* test_cbor.c — the deterministic encoding byte for byte (derived by hand
 * from RFC 8949), and the bounded reader's rejections. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <stdio.h>

#include "cbor_impl.h"
#include "common.h"
#include "internal.h"
#include "token_impl.h"

/* hex to bytes (tests/common.h); bad hex or too long fails the test */
static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = th_unhex(hex, out, cap);
    assert_true(n != TH_HEX_BAD);
    return n;
}

static hc_claims fixed_claims(void)
{
    hc_claims c;
    memset(&c, 0, sizeof c);
    strcpy(c.iss, "CN-330000");
    c.exp = 1580601600;   /* 0x5e361100 */
    c.iat = 1580515200;   /* 0x5e34bf80 */
    for (int i = 0; i < 8; i++)
        c.cti[i] = (uint8_t)(i + 1);
    c.colour = HC_GREEN;
    strcpy(c.nam, "张*");
    strcpy(c.doc, "3304**********1230");
    c.reg = 330402;       /* 0x00050aa2 */
    return c;
}

/* RFC 8949 §3 / §4.2.1, by hand:
 *   a5                      map(5)
 *   01 69 "CN-330000"       1: tstr(9)
 *   04 1a 5e361100          4: uint32
 *   06 1a 5e34bf80          6: uint32
 *   07 48 0102030405060708  7: bstr(8)
 *   3a 00010000             -65537 = -1 - 65536: major 1, 4-byte argument 0x10000
 *   a4                      map(4)
 *     01 00                 col: 0
 *     03 64 e5bca0 2a       nam: tstr(4) "张*" (U+5F20 is e5 bc a0)
 *     04 72 "3304**********1230"  doc: tstr(18)
 *     05 1a 00050aa2        reg: 330402 needs 4 bytes */
static const char claims_hex[] =
    "a5 01 69 434e2d333330303030 04 1a 5e361100 06 1a 5e34bf80 07 48 0102030405060708"
    " 3a 00010000 a4 01 00 03 64 e5bca02a 04 72 333330342a2a2a2a2a2a2a2a2a2a31323330"
    " 05 1a 00050aa2";

static void test_claims_encoding(void **state)
{
    (void)state;
    hc_claims c = fixed_claims();
    uint8_t want[128], got[128];
    size_t want_len = unhex(claims_hex, want, sizeof want), len = 0;
    assert_int_equal(hc_claims_encode(&c, got, sizeof got, &len), HC_OK);
    assert_int_equal(len, want_len);
    assert_memory_equal(got, want, len);
    /* too small: the exact size needed */
    size_t need = 0;
    assert_int_equal(hc_claims_encode(&c, got, 10, &need), HC_E_BUFFER);
    assert_int_equal(need, want_len);
    assert_int_equal(hc_claims_encode(&c, NULL, 0, &need), HC_E_BUFFER);
    assert_int_equal(need, want_len);

    hc_claims back;
    memset(&back, 0, sizeof back);
    assert_int_equal(hc_claims_decode(got, len, &back), HC_OK);
    assert_true(back.claims_ok);
    assert_string_equal(back.iss, "CN-330000");
    assert_int_equal(back.exp, 1580601600);
    assert_int_equal(back.iat, 1580515200);
    assert_memory_equal(back.cti, c.cti, 8);
    assert_int_equal(back.colour, HC_GREEN);
    assert_string_equal(back.nam, "张*");
    assert_string_equal(back.doc, "3304**********1230");
    assert_int_equal(back.reg, 330402);
    assert_int_equal(back.knd, 0);
    assert_false(back.has_sub);
}

/* {1: -7, 4: h'0001020304050607'} and the Sig_structure around it */
static void test_header_and_sig_structure(void **state)
{
    (void)state;
    const uint8_t kid[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    uint8_t buf[64], want[64];
    size_t len = 0;
    assert_int_equal(hc_cose_protected_encode(HC_ALG_ES256, kid, buf, sizeof buf, &len), HC_OK);
    size_t n = unhex("a2 01 26 04 48 0001020304050607", want, sizeof want);
    assert_int_equal(len, n);
    assert_memory_equal(buf, want, n);
    assert_int_equal(hc_cose_protected_encode(HC_ALG_EDDSA, kid, buf, sizeof buf, &len), HC_OK);
    assert_int_equal(buf[2], 0x27);   /* -8 */

    uint8_t tbs[64];
    const uint8_t prot[3] = {0xa1, 0x01, 0x26}, payload[2] = {0xa0, 0x00};
    assert_int_equal(hc_cose_sig_structure(prot, 3, payload, 1, tbs, sizeof tbs, &len), HC_OK);
    n = unhex("84 6a 5369676e617475726531 43 a10126 40 41 a0", want, sizeof want);
    assert_int_equal(len, n);
    assert_memory_equal(tbs, want, n);

    uint8_t sig[64], cose[128];
    memset(sig, 0xab, sizeof sig);
    assert_int_equal(hc_cose_sign1_encode(prot, 3, payload, 1, sig, cose, sizeof cose, &len), HC_OK);
    assert_int_equal(len, 1 + 1 + 4 + 1 + 2 + 2 + 64);
    n = unhex("d2 84 43 a10126 a0 41 a0 58 40", want, sizeof want);
    assert_memory_equal(cose, want, n);
}

static hc_err check_hex(const char *hex)
{
    uint8_t buf[512];
    size_t n = unhex(hex, buf, sizeof buf), size = 0;
    return hc_cbor_check(buf, n, &size);
}

static void test_reader_rejections(void **state)
{
    (void)state;
    assert_int_equal(check_hex("a2 01 00 02"), HC_E_CBOR);               /* truncated */
    assert_int_equal(check_hex("58 05 0102"), HC_E_CBOR);                /* bstr past the end */
    assert_int_equal(check_hex("5b 00000000ffffffff 00"), HC_E_CBOR);
    assert_int_equal(check_hex("9b ffffffffffffffff 00"), HC_E_CBOR);    /* count past the end */
    assert_int_equal(check_hex("1c"), HC_E_CBOR);                        /* reserved */
    assert_int_equal(check_hex("ff"), HC_E_CBOR);                        /* stray break */
    assert_int_equal(check_hex(""), HC_E_CBOR);
    assert_int_equal(check_hex("bf 01 00 ff"), HC_E_INDEFINITE);
    assert_int_equal(check_hex("9f ff"), HC_E_INDEFINITE);
    assert_int_equal(check_hex("5f 41 00 ff"), HC_E_INDEFINITE);
    assert_int_equal(check_hex("7f ff"), HC_E_INDEFINITE);
    assert_int_equal(check_hex("a1 01 81 9f ff"), HC_E_INDEFINITE);      /* nested */
    assert_int_equal(check_hex("a2 01 00 01 01"), HC_E_DUPLICATE_KEY);
    assert_int_equal(check_hex("a2 61 61 00 61 61 01"), HC_E_DUPLICATE_KEY);
    /* in an unknown nested map, after a long value */
    assert_int_equal(check_hex("a2 01 a1 00 00 18 63 a3 00 82 01 02 61 61 00 00 01"),
                     HC_E_DUPLICATE_KEY);
    /* keys are compared by value, not by bytes (issue 12, point 2) */
    assert_int_equal(check_hex("a2 01 00 18 01 00"), HC_E_DUPLICATE_KEY);
    /* heads libcbor 0.8's streaming decoder refuses, decoded by hand in cbor.c:
     * one-byte tags 6-20 (COSE_Sign1 is tag 18 = 0xd2) and simple values */
    assert_int_equal(check_hex("d2 80"), HC_OK);
    assert_int_equal(check_hex("c6 00"), HC_OK);
    assert_int_equal(check_hex("d2"), HC_E_CBOR);                        /* tag of nothing */
    assert_int_equal(check_hex("83 e0 f3 f8 20"), HC_OK);                /* simple 0, 19, 32 */
    assert_int_equal(check_hex("f8 1f"), HC_E_CBOR);                     /* §3.3: not well-formed */
    assert_int_equal(check_hex("f8"), HC_E_CBOR);
    assert_int_equal(check_hex("fc"), HC_E_CBOR);                        /* reserved */
    hc_cbor_item it;
    uint8_t tag18[] = {0xd2, 0x80};
    assert_int_equal(hc_cbor_head(tag18, 2, &it), HC_OK);
    assert_int_equal(it.type, HC_CBOR_TAG);
    assert_int_equal(it.value, 18);
    assert_int_equal(it.size, 1);
    size_t size = 0;
    uint8_t two[] = {0x01, 0x02};
    assert_int_equal(hc_cbor_check(two, 2, &size), HC_OK);
    assert_int_equal(size, 1);   /* what follows is the caller's business */
}

/* Issue 12, point 2: one key written two ways is a duplicate in every map,
 * the ones a verifier ignores included. */
static void test_duplicate_by_value(void **state)
{
    (void)state;
    assert_int_equal(check_hex("a2 01 00 19 0001 00"), HC_E_DUPLICATE_KEY);      /* 1 in 3 bytes */
    assert_int_equal(check_hex("a2 01 00 1b 0000000000000001 00"), HC_E_DUPLICATE_KEY);
    assert_int_equal(check_hex("a2 20 00 38 00 00"), HC_E_DUPLICATE_KEY);        /* -1 twice */
    assert_int_equal(check_hex("a2 3a 00010000 00 3b 0000000000010000 00"),
                     HC_E_DUPLICATE_KEY);                                        /* -65537 */
    assert_int_equal(check_hex("a2 61 61 00 78 01 61 00"), HC_E_DUPLICATE_KEY);  /* "a" twice */
    assert_int_equal(check_hex("a2 41 00 00 58 01 00 00"), HC_E_DUPLICATE_KEY);     /* h'00' twice */
    assert_int_equal(check_hex("a2 f9 3c00 00 fa 3f800000 00"), HC_E_DUPLICATE_KEY); /* 1.0 */
    assert_int_equal(check_hex("a2 f9 7e00 00 fb 7ff8000000000001 00"), HC_E_DUPLICATE_KEY);
    assert_int_equal(check_hex("a2 f4 00 f8 ff 00"), HC_OK);                     /* false, 255 */
    assert_int_equal(check_hex("a2 82 01 02 00 82 18 01 02 00"), HC_E_DUPLICATE_KEY); /* [1,2] */
    assert_int_equal(check_hex("a2 c1 01 00 d8 01 18 01 00"), HC_E_DUPLICATE_KEY);    /* 1(1) */
    /* nested in a value nobody reads */
    assert_int_equal(check_hex("a1 00 81 a2 01 00 18 01 00"), HC_E_DUPLICATE_KEY);
    /* the same number under two types, or strings of two types, are two keys */
    assert_int_equal(check_hex("a2 01 00 21 00"), HC_OK);                        /* 1 and -2 */
    assert_int_equal(check_hex("a2 01 00 f9 3c00 00"), HC_OK);                   /* 1 and 1.0 */
    assert_int_equal(check_hex("a2 41 61 00 61 61 00"), HC_OK);                  /* h'61', "a" */
    assert_int_equal(check_hex("a2 82 01 02 00 82 01 03 00"), HC_OK);
    assert_int_equal(check_hex("a2 c1 01 00 c2 01 00"), HC_OK);
    assert_int_equal(check_hex("a2 f9 0000 00 f9 8000 00"), HC_OK);              /* 0.0, -0.0 */
}

/* Long maps: a duplicate of the first, a middle and the last key before it,
 * scalar and array keys. */
static void test_duplicate_in_long_map(void **state)
{
    (void)state;
    /* keys 0..11, no duplicate */
    assert_int_equal(check_hex("ac 00 00 01 00 02 00 03 00 04 00 05 00 06 00 07 00 08 00 09 00 0a 00 0b 00"),
                     HC_OK);
    /* the 12th key repeats the 1st (kept), the 9th (walked), the 12th the 11th */
    assert_int_equal(check_hex("ac 00 00 01 00 02 00 03 00 04 00 05 00 06 00 07 00 08 00 09 00 0a 00 18 00 00"),
                     HC_E_DUPLICATE_KEY);
    assert_int_equal(check_hex("ac 00 00 01 00 02 00 03 00 04 00 05 00 06 00 07 00 08 00 09 00 0a 00 18 08 00"),
                     HC_E_DUPLICATE_KEY);
    assert_int_equal(check_hex("ac 00 00 01 00 02 00 03 00 04 00 05 00 06 00 07 00 08 00 09 00 0a 00 18 0a 00"),
                     HC_E_DUPLICATE_KEY);
    /* array keys past the kept ones: [1,2] as the 2nd and as the 10th key */
    assert_int_equal(check_hex("aa 00 00 82 01 02 00 02 00 03 00 04 00 05 00 06 00 07 00 08 00 82 18 01 02 00"),
                     HC_E_DUPLICATE_KEY);
    assert_int_equal(check_hex("aa 00 00 82 01 02 00 02 00 03 00 04 00 05 00 06 00 07 00 08 00 82 01 03 00"),
                     HC_OK);
}

/* Issue 25.6: 64 keys, each an array of n items differing only in the last
 * (the construction that took seconds per megabyte): the walk decodes a
 * constant number of heads per item, and still finds a real duplicate. */
static size_t put_head(uint8_t *p, unsigned mt, uint64_t v)
{
    if (v < 24) {
        p[0] = (uint8_t)(mt << 5 | v);
        return 1;
    }
    p[0] = (uint8_t)(mt << 5 | 26);
    for (int i = 0; i < 4; i++)
        p[1 + i] = (uint8_t)(v >> (24 - 8 * i));
    return 5;
}

/* {64 keys [0 × (n-1), k] => 0}, the last key made equal to the first
 * (written with a wider head) when dup. */
static uint8_t *array_keys(size_t n, bool dup, size_t *len)
{
    uint8_t *b = malloc(8 + 64 * (n + 16)), *p = b;
    assert_non_null(b);
    p += put_head(p, 5, 64);
    for (unsigned k = 0; k < 64; k++) {
        p += put_head(p, 4, n);
        memset(p, 0, n - 1);
        p += n - 1;
        if (dup && k == 63) {   /* 0, as the first key's, in 5 bytes */
            *p++ = 0x1a;
            memset(p, 0, 4);
            p += 4;
        } else {
            p += put_head(p, 0, k);
        }
        *p++ = 0x00;
    }
    *len = (size_t)(p - b);
    return b;
}

static void test_duplicate_check_linear(void **state)
{
    (void)state;
    size_t n = 4000, len = 0, size = 0;
    uint64_t work = 0;
    uint8_t *b = array_keys(n, false, &len);
    uint64_t items = 1 + 64 * (1 + n + 1);
    assert_int_equal(hc_cbor_check_work(b, len, &size, &work), HC_OK);
    assert_int_equal(size, len);
    assert_true(work <= 2 * items);   /* was ~ 2016 * 2n = 16 million */
    free(b);
    b = array_keys(n, true, &len);
    assert_int_equal(hc_cbor_check_work(b, len, &size, &work), HC_E_DUPLICATE_KEY);
    assert_true(work <= 4 * items);   /* one full comparison, of the duplicate */
    free(b);
    /* 64 byte-string keys of 1000 bytes, differing in the last: no key is
     * compared in full */
    uint8_t *s = malloc(64 * 1010 + 8), *p = s;
    p += put_head(p, 5, 64);
    for (unsigned k = 0; k < 64; k++) {
        p += put_head(p, 2, 1000);
        memset(p, 'x', 999);
        p[999] = (uint8_t)k;
        p += 1000;
        *p++ = 0x00;
    }
    assert_int_equal(hc_cbor_check_work(s, (size_t)(p - s), &size, &work), HC_OK);
    assert_true(work <= 1 + 2 * 64);
    s[5 + 63 * 1006 + 5 + 999] = 0;   /* the last key's last byte: now the first key */
    assert_int_equal(hc_cbor_check_work(s, (size_t)(p - s), &size, &work), HC_E_DUPLICATE_KEY);
    free(s);
}

/* Keys compared by a fingerprint keep the data model's equality: long
 * strings and containers, written with other head widths, nested in keys. */
static void test_duplicate_by_fingerprint(void **state)
{
    (void)state;
    char hex[1024];
    /* a 40-byte text key, its length in 1 and in 2 bytes */
    char t40[81] = "";
    for (int i = 0; i < 40; i++)
        strcat(t40, "61");
    snprintf(hex, sizeof hex, "a2 78 28 %s 00 79 0028 %s 00", t40, t40);
    assert_int_equal(check_hex(hex), HC_E_DUPLICATE_KEY);
    snprintf(hex, sizeof hex, "a2 78 28 %s 00 78 28 %.78s62 00", t40, t40);
    assert_int_equal(check_hex(hex), HC_OK);
    /* a map key holding array keys, the second with wider heads */
    assert_int_equal(check_hex("a2 a2 82 01 02 00 82 01 03 00 00 a2 82 18 01 02 00 82 01 19 0003 00 00"),
                     HC_E_DUPLICATE_KEY);
    assert_int_equal(check_hex("a2 a2 82 01 02 00 82 01 03 00 00 a2 82 01 02 00 82 01 04 00 00"), HC_OK);
    /* the same two entries in another order are two keys (compared as written) */
    assert_int_equal(check_hex("a2 a2 01 00 02 00 00 a2 02 00 01 00 00"), HC_OK);
    /* a duplicate inside a key's own map */
    assert_int_equal(check_hex("a1 a2 82 01 02 00 82 18 01 02 00 00"), HC_E_DUPLICATE_KEY);
    /* a long string inside an array key */
    snprintf(hex, sizeof hex, "a2 81 78 28 %s 00 81 79 0028 %s 00", t40, t40);
    assert_int_equal(check_hex(hex), HC_E_DUPLICATE_KEY);
    /* a tag around an array */
    assert_int_equal(check_hex("a2 c1 82 01 02 00 d8 01 82 01 18 02 00"), HC_E_DUPLICATE_KEY);
    assert_int_equal(check_hex("a2 c1 82 01 02 00 c2 82 01 02 00"), HC_OK);
}

/* Issue 12, point 3: every text string is UTF-8, wherever it is. */
static void test_reader_utf8(void **state)
{
    (void)state;
    assert_int_equal(check_hex("62 c3a9"), HC_OK);                               /* é */
    assert_int_equal(check_hex("64 f09f9880"), HC_OK);                           /* U+1F600 */
    assert_int_equal(check_hex("63 efbfbf"), HC_OK);                             /* U+FFFF */
    assert_int_equal(check_hex("61 00"), HC_OK);                                 /* NUL is UTF-8 */
    assert_int_equal(check_hex("61 ff"), HC_E_CBOR);
    assert_int_equal(check_hex("61 80"), HC_E_CBOR);                             /* lone continuation */
    assert_int_equal(check_hex("62 c0 80"), HC_E_CBOR);                          /* overlong NUL */
    assert_int_equal(check_hex("63 e0 80 80"), HC_E_CBOR);                       /* overlong */
    assert_int_equal(check_hex("63 ed a0 80"), HC_E_CBOR);                       /* surrogate */
    assert_int_equal(check_hex("64 f4 90 80 80"), HC_E_CBOR);                    /* > U+10FFFF */
    assert_int_equal(check_hex("61 c3"), HC_E_CBOR);                             /* cut short */
    /* as a key, as an ignored value, nested in an array in a map */
    assert_int_equal(check_hex("a1 61 ff 00"), HC_E_CBOR);
    assert_int_equal(check_hex("a1 18 63 61 ff"), HC_E_CBOR);
    assert_int_equal(check_hex("a1 00 81 61 ff"), HC_E_CBOR);
    /* bytes are bytes */
    assert_int_equal(check_hex("41 ff"), HC_OK);
}

static void test_reader_limits(void **state)
{
    (void)state;
    uint8_t buf[600];
    size_t size = 0;
    /* depth: 16 nested arrays around an int are fine, 17 are not */
    memset(buf, 0x81, 17);
    buf[16] = 0x00;
    assert_int_equal(hc_cbor_check(buf, 17, &size), HC_OK);
    buf[16] = 0x81;
    buf[17] = 0x00;
    assert_int_equal(hc_cbor_check(buf, 18, &size), HC_E_CBOR);
    /* tags count as depth too */
    memset(buf, 0xc1, 17);
    buf[17] = 0x00;
    assert_int_equal(hc_cbor_check(buf, 18, &size), HC_E_CBOR);
    /* map entries: 64 are fine, 65 are not */
    size_t n = 0;
    buf[n++] = 0xb8;
    buf[n++] = 64;
    for (unsigned i = 0; i < 64; i++) {
        buf[n++] = 0x18;
        buf[n++] = (uint8_t)i;
        buf[n++] = 0x00;
    }
    assert_int_equal(hc_cbor_check(buf, n, &size), HC_OK);
    assert_int_equal(size, n);
    buf[1] = 65;
    buf[n++] = 0x18;
    buf[n++] = 64;
    buf[n++] = 0x00;
    assert_int_equal(hc_cbor_check(buf, n, &size), HC_E_CBOR);
}

/* a COSE_Sign1 from parts given as hex */
static size_t cose_of(const char *prot_hex, const char *unprot_hex, const char *payload_hex,
                      size_t sig_len, uint8_t *out)
{
    uint8_t prot[64], unprot[64], payload[128];
    size_t pl = unhex(prot_hex, prot, sizeof prot), ul = unhex(unprot_hex, unprot, sizeof unprot);
    size_t yl = unhex(payload_hex, payload, sizeof payload);
    hc_cbor_writer w;
    hc_cbor_w_init(&w, out, 512);
    hc_cbor_w_tag(&w, 18);
    hc_cbor_w_array(&w, 4);
    hc_cbor_w_bstr(&w, prot, pl);
    hc_cbor_w_raw(&w, unprot, ul);
    hc_cbor_w_bstr(&w, payload, yl);
    uint8_t sig[80] = {0};
    hc_cbor_w_bstr(&w, sig, sig_len);
    size_t len = 0;
    assert_int_equal(hc_cbor_w_finish(&w, &len), HC_OK);
    return len;
}

#define PROT "a2 01 26 04 48 0001020304050607"

static void test_cose_parse(void **state)
{
    (void)state;
    uint8_t buf[512];
    hc_cose_view v;
    size_t n = cose_of(PROT, "a0", "a0", 64, buf);
    assert_int_equal(hc_cose_parse(buf, n, &v), HC_OK);
    assert_int_equal(v.alg, -7);
    assert_int_equal(v.kid[7], 7);
    assert_int_equal(v.payload_len, 1);
    assert_int_equal(v.protected_len, 13);
    assert_ptr_equal(v.signature, buf + n - 64);
    /* untagged is accepted */
    assert_int_equal(hc_cose_parse(buf + 1, n - 1, &v), HC_OK);
    /* another tag is not */
    buf[0] = 0xd1;
    assert_int_equal(hc_cose_parse(buf, n, &v), HC_E_COSE);
    buf[0] = 0xd2;
    /* one byte more */
    buf[n] = 0x00;
    assert_int_equal(hc_cose_parse(buf, n + 1, &v), HC_E_TRAILING);
    /* one byte less */
    assert_int_equal(hc_cose_parse(buf, n - 1, &v), HC_E_CBOR);
    /* header keys in the other order are the same header */
    n = cose_of("a2 04 48 0001020304050607 01 27", "a0", "a0", 64, buf);
    assert_int_equal(hc_cose_parse(buf, n, &v), HC_OK);
    assert_int_equal(v.alg, -8);

    n = cose_of(PROT, "a0", "a0", 63, buf);
    assert_int_equal(hc_cose_parse(buf, n, &v), HC_E_COSE);
    n = cose_of("a3 01 26 04 48 0001020304050607 03 00", "a0", "a0", 64, buf);
    assert_int_equal(hc_cose_parse(buf, n, &v), HC_E_COSE);        /* extra protected key */
    n = cose_of("a1 01 26", "a0", "a0", 64, buf);
    assert_int_equal(hc_cose_parse(buf, n, &v), HC_E_COSE);        /* no kid */
    n = cose_of("a2 01 26 04 47 00010203040506", "a0", "a0", 64, buf);
    assert_int_equal(hc_cose_parse(buf, n, &v), HC_E_COSE);        /* kid of 7 */
    n = cose_of("a2 01 26 18 01 27", "a0", "a0", 64, buf);
    assert_int_equal(hc_cose_parse(buf, n, &v), HC_E_DUPLICATE_KEY); /* alg twice, two spellings */
    n = cose_of("a2 01 26 01 27", "a0", "a0", 64, buf);
    assert_int_equal(hc_cose_parse(buf, n, &v), HC_E_DUPLICATE_KEY);
    n = cose_of(PROT " 00", "a0", "a0", 64, buf);
    assert_int_equal(hc_cose_parse(buf, n, &v), HC_E_COSE);        /* bytes after the header */
    n = cose_of("", "a0", "a0", 64, buf);
    assert_int_equal(hc_cose_parse(buf, n, &v), HC_E_COSE);        /* empty protected header */
    n = cose_of(PROT, "a0", "", 64, buf);
    assert_int_equal(hc_cose_parse(buf, n, &v), HC_E_COSE);        /* empty payload */
    n = cose_of(PROT, "a0", "a0 00", 64, buf);
    assert_int_equal(hc_cose_parse(buf, n, &v), HC_E_COSE);        /* bytes after the payload */
    n = cose_of(PROT, "a2 01 00 01 00", "a0", 64, buf);
    assert_int_equal(hc_cose_parse(buf, n, &v), HC_E_DUPLICATE_KEY);   /* unprotected too */
    n = cose_of(PROT, "bf ff", "a0", 64, buf);
    assert_int_equal(hc_cose_parse(buf, n, &v), HC_E_INDEFINITE);
    n = cose_of(PROT, "80", "a0", 64, buf);
    assert_int_equal(hc_cose_parse(buf, n, &v), HC_E_COSE);        /* unprotected not a map */
    n = cose_of(PROT, "a1 04 48 0001020304050607", "a0", 64, buf);
    assert_int_equal(hc_cose_parse(buf, n, &v), HC_OK);            /* ignored, never used */
    assert_int_equal(v.kid[0], 0);
    n = cose_of(PROT, "a0", "a2 01 00 01 00", 64, buf);
    assert_int_equal(hc_cose_parse(buf, n, &v), HC_E_DUPLICATE_KEY);   /* payload too */
    n = cose_of(PROT, "a0", "9f ff", 64, buf);
    assert_int_equal(hc_cose_parse(buf, n, &v), HC_E_INDEFINITE);
    /* issue 12: 1 as 0x01 and 0x18 0x01 in the ignored unprotected map;
     * invalid UTF-8 there; in an unknown claim of the payload */
    n = cose_of(PROT, "a2 01 00 18 01 00", "a0", 64, buf);
    assert_int_equal(hc_cose_parse(buf, n, &v), HC_E_DUPLICATE_KEY);
    n = cose_of(PROT, "a1 18 63 61 ff", "a0", 64, buf);
    assert_int_equal(hc_cose_parse(buf, n, &v), HC_E_CBOR);
    n = cose_of(PROT, "a0", "a2 18 63 62 c3 28 18 64 00", 64, buf);
    assert_int_equal(hc_cose_parse(buf, n, &v), HC_E_CBOR);
    n = cose_of(PROT, "a0", "a2 18 63 00 19 0063 00", 64, buf);
    assert_int_equal(hc_cose_parse(buf, n, &v), HC_E_DUPLICATE_KEY);
}

static hc_err decode_hex(const char *hex, hc_claims *c)
{
    uint8_t buf[256];
    size_t n = unhex(hex, buf, sizeof buf);
    memset(c, 0, sizeof *c);
    return hc_claims_decode(buf, n, c);
}

#define HEAD "01 61 41 04 1a 5e361100 06 1a 5e34bf80 07 48 0102030405060708 3a 00010000"

static void test_claims_rejections(void **state)
{
    (void)state;
    hc_claims c;
    assert_int_equal(decode_hex("a5 " HEAD " a1 01 02", &c), HC_OK);
    assert_int_equal(c.colour, HC_RED);
    assert_string_equal(c.iss, "A");
    /* unknown keys, in both maps and of any type, are ignored */
    assert_int_equal(decode_hex("a6 " HEAD " a2 01 01 18 63 f6 63 66 6f 6f 80", &c), HC_OK);
    assert_int_equal(c.colour, HC_YELLOW);
    assert_int_equal(decode_hex("a5 " HEAD " a1 01 03", &c), HC_E_CLAIMS);      /* col 3 */
    assert_false(c.claims_ok);
    assert_int_equal(decode_hex("a5 " HEAD " a1 02 50 00000000000000000000000000000000", &c),
                     HC_E_CLAIMS);                                            /* no col */
    assert_int_equal(decode_hex("a5 " HEAD " a0", &c), HC_E_CLAIMS);
    assert_int_equal(decode_hex("a5 " HEAD " a1 01 20", &c), HC_E_CLAIMS);      /* col -1 */
    assert_int_equal(decode_hex("a5 " HEAD " a2 01 00 06 02", &c), HC_E_CLAIMS); /* knd 2 */
    assert_int_equal(decode_hex("a5 " HEAD " a2 01 00 05 1a 000f4240", &c), HC_E_CLAIMS); /* reg 10^6 */
    assert_int_equal(decode_hex("a5 " HEAD " a2 01 00 02 4f 000000000000000000000000000000", &c),
                     HC_E_CLAIMS);                                            /* sub of 15 */
    assert_int_equal(decode_hex("a5 " HEAD " a2 01 00 03 62 c3 28", &c), HC_E_CLAIMS); /* bad UTF-8 */
    assert_int_equal(decode_hex("a5 " HEAD " a2 01 00 03 42 4142", &c), HC_E_CLAIMS);  /* nam bstr */
    assert_int_equal(decode_hex("a5 " HEAD " a2 01 00 18 01 01", &c), HC_E_CLAIMS);   /* col twice */
    /* issue 12: an unknown hcode key twice by value, invalid UTF-8 in an
     * unknown claim */
    assert_int_equal(decode_hex("a5 " HEAD " a3 01 00 18 63 00 19 0063 01", &c), HC_E_CLAIMS);
    assert_int_equal(decode_hex("a6 " HEAD " a1 01 00 18 63 61 ff", &c), HC_E_CLAIMS);
    assert_int_equal(decode_hex("a4 " HEAD, &c), HC_E_CLAIMS);                 /* no hcode */
    assert_int_equal(decode_hex(
        "a5 01 60 04 1a 5e361100 06 1a 5e34bf80 07 48 0102030405060708 3a 00010000 a1 01 00", &c),
        HC_E_CLAIMS);                                                         /* iss empty */
    assert_int_equal(decode_hex(
        "a5 01 78 21 414141414141414141414141414141414141414141414141414141414141414141"
        " 04 1a 5e361100 06 1a 5e34bf80 07 48 0102030405060708 3a 00010000 a1 01 00", &c),
        HC_E_CLAIMS);                                                         /* iss of 33 */
    assert_int_equal(decode_hex(
        "a5 01 61 41 04 1b 8000000000000000 06 1a 5e34bf80 07 48 0102030405060708 3a 00010000 a1 01 00", &c),
        HC_E_CLAIMS);                                                         /* exp > INT64_MAX */
    assert_int_equal(decode_hex(
        "a5 01 61 41 04 1b 7fffffffffffffff 06 00 07 48 0102030405060708 3a 00010000 a1 01 00", &c),
        HC_OK);
    assert_int_equal(c.exp, INT64_MAX);
    assert_int_equal(decode_hex(
        "a5 01 61 41 04 3a 5e361100 06 1a 5e34bf80 07 48 0102030405060708 3a 00010000 a1 01 00", &c),
        HC_E_CLAIMS);                                                         /* exp negative */
    assert_int_equal(decode_hex(
        "a5 01 61 41 04 1a 5e361100 06 1a 5e34bf80 07 47 01020304050607 3a 00010000 a1 01 00", &c),
        HC_E_CLAIMS);                                                         /* cti of 7 */
    assert_int_equal(decode_hex(
        "a6 01 61 41 18 01 61 42 04 1a 5e361100 06 1a 5e34bf80 07 48 0102030405060708 3a 00010000 a1 01 00", &c),
        HC_E_CLAIMS);                                                         /* iss twice */
    assert_int_equal(decode_hex("80", &c), HC_E_CLAIMS);                       /* not a map */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claims_encoding),
        cmocka_unit_test(test_header_and_sig_structure),
        cmocka_unit_test(test_reader_rejections),
        cmocka_unit_test(test_reader_limits),
        cmocka_unit_test(test_duplicate_by_value),
        cmocka_unit_test(test_duplicate_in_long_map),
        cmocka_unit_test(test_duplicate_check_linear),
        cmocka_unit_test(test_duplicate_by_fingerprint),
        cmocka_unit_test(test_reader_utf8),
        cmocka_unit_test(test_cose_parse),
        cmocka_unit_test(test_claims_rejections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* cbor.c — bounded, allocation-free CBOR reading and writing (cbor_impl.h).
 *
 * Heads are decoded by libcbor's streaming decoder, which calls back once per
 * item head and never allocates; the structure (depth, counts, duplicate keys)
 * is walked here, so every limit is ours and visible in one place. */
#include "cbor_impl.h"

#include <cbor.h>
#include <math.h>
#include <string.h>

/* ------------------------------------------------------------ reading */

typedef struct {
    hc_cbor_item *it;
    bool indefinite;   /* an indefinite-length start was seen */
    bool bad;          /* a stray break */
} head_ctx;

static void on_uint8(void *c, uint8_t v) { ((head_ctx *)c)->it->type = HC_CBOR_UINT; ((head_ctx *)c)->it->value = v; }
static void on_uint16(void *c, uint16_t v) { ((head_ctx *)c)->it->type = HC_CBOR_UINT; ((head_ctx *)c)->it->value = v; }
static void on_uint32(void *c, uint32_t v) { ((head_ctx *)c)->it->type = HC_CBOR_UINT; ((head_ctx *)c)->it->value = v; }
static void on_uint64(void *c, uint64_t v) { ((head_ctx *)c)->it->type = HC_CBOR_UINT; ((head_ctx *)c)->it->value = v; }
static void on_neg8(void *c, uint8_t v) { ((head_ctx *)c)->it->type = HC_CBOR_NEGINT; ((head_ctx *)c)->it->value = v; }
static void on_neg16(void *c, uint16_t v) { ((head_ctx *)c)->it->type = HC_CBOR_NEGINT; ((head_ctx *)c)->it->value = v; }
static void on_neg32(void *c, uint32_t v) { ((head_ctx *)c)->it->type = HC_CBOR_NEGINT; ((head_ctx *)c)->it->value = v; }
static void on_neg64(void *c, uint64_t v) { ((head_ctx *)c)->it->type = HC_CBOR_NEGINT; ((head_ctx *)c)->it->value = v; }

static void on_bstr(void *c, cbor_data d, size_t n)
{
    hc_cbor_item *it = ((head_ctx *)c)->it;
    it->type = HC_CBOR_BSTR;
    it->data = d;
    it->len = n;
}

static void on_tstr(void *c, cbor_data d, size_t n)
{
    hc_cbor_item *it = ((head_ctx *)c)->it;
    it->type = HC_CBOR_TSTR;
    it->data = d;
    it->len = n;
}

static void on_indef(void *c) { ((head_ctx *)c)->indefinite = true; }
static void on_break(void *c) { ((head_ctx *)c)->bad = true; }
static void on_array(void *c, size_t n) { ((head_ctx *)c)->it->type = HC_CBOR_ARRAY; ((head_ctx *)c)->it->value = n; }
static void on_map(void *c, size_t n) { ((head_ctx *)c)->it->type = HC_CBOR_MAP; ((head_ctx *)c)->it->value = n; }
static void on_tag(void *c, uint64_t t) { ((head_ctx *)c)->it->type = HC_CBOR_TAG; ((head_ctx *)c)->it->value = t; }
/* A float's value as the bits of a double, so that 1.0 written in 2, 4 or 8
 * bytes is one value (every NaN is one value too). */
static void on_double(void *c, double f)
{
    hc_cbor_item *it = ((head_ctx *)c)->it;
    it->type = HC_CBOR_SIMPLE;
    it->is_float = true;
    if (isnan(f))
        f = NAN;
    memcpy(&it->value, &f, sizeof f);
}
static void on_float(void *c, float f) { on_double(c, (double)f); }
static void on_null(void *c) { ((head_ctx *)c)->it->type = HC_CBOR_SIMPLE; ((head_ctx *)c)->it->value = 22; }
static void on_undef(void *c) { ((head_ctx *)c)->it->type = HC_CBOR_SIMPLE; ((head_ctx *)c)->it->value = 23; }
static void on_bool(void *c, bool b) { ((head_ctx *)c)->it->type = HC_CBOR_SIMPLE; ((head_ctx *)c)->it->value = b ? 21 : 20; }

static const struct cbor_callbacks head_callbacks = {
    .uint8 = on_uint8, .uint16 = on_uint16, .uint32 = on_uint32, .uint64 = on_uint64,
    .negint8 = on_neg8, .negint16 = on_neg16, .negint32 = on_neg32, .negint64 = on_neg64,
    .byte_string_start = on_indef, .byte_string = on_bstr,
    .string = on_tstr, .string_start = on_indef,
    .indef_array_start = on_indef, .array_start = on_array,
    .indef_map_start = on_indef, .map_start = on_map,
    .tag = on_tag,
    .float2 = on_float, .float4 = on_float, .float8 = on_double,
    .undefined = on_undef, .null = on_null, .boolean = on_bool,
    .indef_break = on_break,
};

/* The heads libcbor 0.8's streaming decoder refuses although RFC 8949 calls
 * them well-formed: one-byte tags 6-20 (0xc6-0xd4, reported as "unassigned"
 * — among them tag 18, COSE_Sign1 itself) and the simple values 0-19 and
 * 32-255 (0xe0-0xf3, 0xf8). They are decoded here; true if buf[0] is one
 * of them, with *err set. */
static bool head_by_hand(const uint8_t *buf, size_t len, hc_cbor_item *it, hc_err *err)
{
    uint8_t b = buf[0];
    *err = HC_OK;
    if (b >= 0xc6 && b <= 0xd4) {
        it->type = HC_CBOR_TAG;
        it->value = b - 0xc0u;
        it->size = 1;
    } else if (b >= 0xe0 && b <= 0xf3) {
        it->type = HC_CBOR_SIMPLE;
        it->value = b - 0xe0u;
        it->size = 1;
    } else if (b == 0xf8) {
        /* §3.3: a one-byte simple value below 32 is not well-formed */
        if (len < 2 || buf[1] < 32)
            *err = HC_E_CBOR;
        it->type = HC_CBOR_SIMPLE;
        it->value = len >= 2 ? buf[1] : 0;
        it->size = 2;
    } else {
        return false;
    }
    return true;
}

hc_err hc_cbor_head(const uint8_t *buf, size_t len, hc_cbor_item *it)
{
    memset(it, 0, sizeof *it);
    if (len == 0)
        return HC_E_CBOR;
    hc_err err;
    if (head_by_hand(buf, len, it, &err))
        return err;
    it->type = HC_CBOR_SIMPLE;
    head_ctx ctx = {it, false, false};
    struct cbor_decoder_result r = cbor_stream_decode(buf, len, &head_callbacks, &ctx);
    if (r.status != CBOR_DECODER_FINISHED || r.read == 0 || r.read > len || ctx.bad)
        return HC_E_CBOR;
    if (ctx.indefinite)
        return HC_E_INDEFINITE;
    it->size = r.read;
    return HC_OK;
}

bool hc_cbor_utf8_ok(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t k;
        uint8_t lo = 0x80, hi = 0xbf;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            k = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            if (c == 0xe0)
                lo = 0xa0;          /* overlong */
            else if (c == 0xed)
                hi = 0x9f;          /* surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            if (c == 0xf0)
                lo = 0x90;          /* overlong */
            else if (c == 0xf4)
                hi = 0x8f;          /* above U+10FFFF */
        } else {
            return false;
        }
        if (n - i - 1 < k || s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t j = 2; j <= k; j++)
            if ((s[i + j] & 0xc0) != 0x80)
                return false;
        i += k + 1;
    }
    return true;
}

/* Whether the items at b+p and b+q (both already checked) are the same
 * value in CBOR's data model (RFC 8949 §2): heads are compared by type and
 * value, never by how many bytes they take, so 1 written as 0x01 and as
 * 0x18 0x01 is one key, and so is 1.0 written in 2, 4 or 8 bytes. Arrays,
 * maps and tags are compared item by item, in the order written. */
/* The walk over one input: the bytes, and how many heads it decoded (its
 * work, which hc_cbor_check_work reports so that a test can hold it linear). */
typedef struct {
    const uint8_t *b;
    size_t n;
    uint64_t heads;
} walker;

static hc_err head_at(walker *w, size_t pos, hc_cbor_item *it)
{
    w->heads++;
    return hc_cbor_head(w->b + pos, w->n - pos, it);
}

static bool same_value(walker *w, size_t p, size_t q)
{
    uint64_t pending = 1;
    while (pending > 0) {
        hc_cbor_item x, y;
        if (head_at(w, p, &x) != HC_OK || head_at(w, q, &y) != HC_OK)
            return false;
        if (x.type != y.type || x.value != y.value || x.is_float != y.is_float)
            return false;
        if ((x.type == HC_CBOR_BSTR || x.type == HC_CBOR_TSTR) &&
            (x.len != y.len || (x.len && memcmp(x.data, y.data, x.len) != 0)))
            return false;
        p += x.size;
        q += y.size;
        pending--;
        if (x.type == HC_CBOR_MAP)
            pending += 2 * x.value;
        else if (x.type == HC_CBOR_ARRAY)
            pending += x.value;
        else if (x.type == HC_CBOR_TAG)
            pending += 1;
    }
    return true;
}

/* ---- fingerprints: the duplicate-key check in time linear in the input
 *
 * Comparing each key with every earlier one costs, for 64 keys that are
 * arrays of n items differing only in the last, 2016 walks of n items: a
 * 6 MB bundle took seconds before its signature was looked at (issue 25.6).
 * So each key gets a 64-bit fingerprint of its value in the data model,
 * computed while the key is walked anyway, and two keys are compared in
 * full only when their fingerprints are equal (a real duplicate, found
 * once).
 *
 * An integer, a simple value or a string of at most SHORT_KEY bytes takes
 * a cheap mix of its head (two such keys that collide are compared in O(1)
 * or O(SHORT_KEY)). An array, map or tag key, or a longer string, takes
 * SipHash-2-4 of its items' heads in the order written (type, value, a
 * string's length and bytes). A key inside such a key gets a fingerprint
 * of its own, for its own map's check, and only that fingerprint goes into
 * the outer key's hash: every byte of the input is hashed at most once,
 * whatever the nesting. SipHash keeps colliding keys to the pairs an
 * attacker can find by brute force, never one key colliding with many. */

#define SHORT_KEY 32

typedef struct {
    uint64_t v0, v1, v2, v3, words;
} sip_state;

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(sip_state *s)
{
    s->v0 += s->v1; s->v1 = ROTL(s->v1, 13); s->v1 ^= s->v0; s->v0 = ROTL(s->v0, 32);
    s->v2 += s->v3; s->v3 = ROTL(s->v3, 16); s->v3 ^= s->v2;
    s->v0 += s->v3; s->v3 = ROTL(s->v3, 21); s->v3 ^= s->v0;
    s->v2 += s->v1; s->v1 = ROTL(s->v1, 17); s->v1 ^= s->v2; s->v2 = ROTL(s->v2, 32);
}

/* A fixed key: the fingerprints bound the time only, comparisons decide. */
static void sip_init(sip_state *s)
{
    const uint64_t k0 = 0x0706050403020100ull, k1 = 0x0f0e0d0c0b0a0908ull;
    s->v0 = k0 ^ 0x736f6d6570736575ull;
    s->v1 = k1 ^ 0x646f72616e646f6dull;
    s->v2 = k0 ^ 0x6c7967656e657261ull;
    s->v3 = k1 ^ 0x7465646279746573ull;
    s->words = 0;
}

static void sip_word(sip_state *s, uint64_t m)
{
    s->v3 ^= m;
    sip_round(s);
    sip_round(s);
    s->v0 ^= m;
    s->words++;
}

static uint64_t sip_final(sip_state *s)
{
    sip_word(s, s->words << 3);
    s->v2 ^= 0xff;
    for (int i = 0; i < 4; i++)
        sip_round(s);
    return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/* Bit set in the type word of a key that goes into an outer hash by its
 * own fingerprint. */
#define FP_HASHED 0x100u

/* An item's head into h, in the data model: type (and float-ness), value,
 * and a string's length and bytes (little-endian words, the last padded
 * with zeros: the length before them makes that unambiguous). */
static void sip_head(sip_state *h, const hc_cbor_item *it)
{
    sip_word(h, (uint64_t)it->type << 1 | it->is_float);
    sip_word(h, it->value);
    if (it->type != HC_CBOR_BSTR && it->type != HC_CBOR_TSTR)
        return;
    sip_word(h, it->len);
    const uint8_t *p = it->data;
    size_t n = it->len;
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t m = 0;
        for (int i = 7; i >= 0; i--)
            m = m << 8 | p[i];
        sip_word(h, m);
    }
    if (n) {
        uint64_t m = 0;
        for (size_t i = n; i-- > 0;)
            m = m << 8 | p[i];
        sip_word(h, m);
    }
}

static bool small_key(const hc_cbor_item *it)
{
    if (it->type == HC_CBOR_BSTR || it->type == HC_CBOR_TSTR)
        return it->len <= SHORT_KEY;
    return it->type != HC_CBOR_ARRAY && it->type != HC_CBOR_MAP && it->type != HC_CBOR_TAG;
}

/* The cheap fingerprint of a small key: equal values give equal ones. */
static uint64_t cheap_fp(const hc_cbor_item *it)
{
    uint64_t h = ((uint64_t)it->type << 1 | it->is_float) * 0x9e3779b97f4a7c15ull;
    h ^= it->value + 0x632be59bd9b4e019ull + (h << 6) + (h >> 2);
    if (it->type == HC_CBOR_BSTR || it->type == HC_CBOR_TSTR) {
        h ^= it->len;
        for (size_t i = 0; i < it->len; i++)
            h = (h ^ it->data[i]) * 0x100000001b3ull;
    }
    return h;
}

/* Whether the keys at b+p (head x) and b+q (head y) are one value. */
static bool same_key(walker *w, const hc_cbor_item *x, size_t p, const hc_cbor_item *y,
                     size_t q)
{
    if (x->type != y->type || x->value != y->value || x->is_float != y->is_float)
        return false;
    if (x->type == HC_CBOR_ARRAY || x->type == HC_CBOR_MAP || x->type == HC_CBOR_TAG)
        return same_value(w, p, q);
    if (x->type == HC_CBOR_BSTR || x->type == HC_CBOR_TSTR)
        return x->len == y->len && (x->len == 0 || memcmp(x->data, y->data, x->len) == 0);
    return true;
}

static hc_err walk(walker *w, size_t *pos, unsigned depth, sip_state *into);
static hc_err walk_item(walker *w, size_t *pos, unsigned depth, const hc_cbor_item *it,
                        sip_state *into);

/* Checks a map's entries: no key equal to an earlier one by value. Each
 * key's fingerprint and offset are kept (a map has at most 64 entries), so
 * a key is decoded again only when its fingerprint equals an earlier one's.
 * into (a map inside a key being hashed, or NULL) receives the entries. */
static hc_err walk_map(walker *w, size_t *pos, uint64_t count, unsigned depth, sip_state *into)
{
    if (count > HC_CBOR_MAX_MAP_ENTRIES)
        return HC_E_CBOR;
    uint64_t fps[HC_CBOR_MAX_MAP_ENTRIES];
    size_t at[HC_CBOR_MAX_MAP_ENTRIES];
    for (uint64_t i = 0; i < count; i++) {
        hc_cbor_item key;
        at[i] = *pos;
        hc_err err = head_at(w, *pos, &key);
        if (err != HC_OK)
            return err;
        if (small_key(&key)) {
            fps[i] = cheap_fp(&key);
            err = walk_item(w, pos, depth + 1, &key, into);
        } else {
            sip_state ks;
            sip_init(&ks);
            err = walk_item(w, pos, depth + 1, &key, &ks);
            fps[i] = sip_final(&ks);
            if (into) {
                sip_word(into, FP_HASHED | (uint64_t)key.type << 1);
                sip_word(into, fps[i]);
            }
        }
        if (err != HC_OK)
            return err;
        for (uint64_t j = 0; j < i; j++) {
            hc_cbor_item earlier;
            if (fps[j] == fps[i] && head_at(w, at[j], &earlier) == HC_OK &&
                same_key(w, &earlier, at[j], &key, at[i]))
                return HC_E_DUPLICATE_KEY;
        }
        if ((err = walk(w, pos, depth + 1, into)) != HC_OK)
            return err;
    }
    return HC_OK;
}

/* Checks the item whose head it was decoded at *pos, and moves past it;
 * into (NULL: none) receives its heads in the order written. */
static hc_err walk_item(walker *w, size_t *pos, unsigned depth, const hc_cbor_item *it,
                        sip_state *into)
{
    if (depth > HC_CBOR_MAX_DEPTH)
        return HC_E_CBOR;
    *pos += it->size;
    if (into)
        sip_head(into, it);
    hc_err err;
    switch (it->type) {
    case HC_CBOR_ARRAY:
        /* every element takes at least one byte: a count above what is left
         * is a truncation, found before looping on it */
        if (it->value > w->n - *pos)
            return HC_E_CBOR;
        for (uint64_t i = 0; i < it->value; i++)
            if ((err = walk(w, pos, depth + 1, into)) != HC_OK)
                return err;
        return HC_OK;
    case HC_CBOR_MAP:
        return walk_map(w, pos, it->value, depth, into);
    case HC_CBOR_TAG:
        return walk(w, pos, depth + 1, into);
    case HC_CBOR_TSTR:
        /* RFC 8949 §3.1: a text string is UTF-8; invalid ones are refused
         * wherever they are, the ones a verifier ignores included */
        return hc_cbor_utf8_ok(it->data, it->len) ? HC_OK : HC_E_CBOR;
    default:
        return HC_OK;
    }
}

static hc_err walk(walker *w, size_t *pos, unsigned depth, sip_state *into)
{
    if (depth > HC_CBOR_MAX_DEPTH)
        return HC_E_CBOR;
    hc_cbor_item it;
    hc_err err = head_at(w, *pos, &it);
    if (err != HC_OK)
        return err;
    return walk_item(w, pos, depth, &it, into);
}

hc_err hc_cbor_check_work(const uint8_t *buf, size_t len, size_t *size, uint64_t *work)
{
    walker w = {buf, len, 0};
    size_t pos = 0;
    hc_err err = walk(&w, &pos, 0, NULL);
    if (err == HC_OK)
        *size = pos;
    if (work)
        *work = w.heads;
    return err;
}

hc_err hc_cbor_check(const uint8_t *buf, size_t len, size_t *size)
{
    return hc_cbor_check_work(buf, len, size, NULL);
}

size_t hc_cbor_skip(const uint8_t *buf, size_t len)
{
    size_t pos = 0;
    uint64_t pending = 1;
    while (pending > 0) {
        hc_cbor_item it;
        if (hc_cbor_head(buf + pos, len - pos, &it) != HC_OK)
            return 0;
        pos += it.size;
        pending--;
        if (it.type == HC_CBOR_ARRAY || it.type == HC_CBOR_MAP || it.type == HC_CBOR_TAG) {
            uint64_t more = it.type == HC_CBOR_MAP ? 2 * it.value
                          : it.type == HC_CBOR_ARRAY ? it.value : 1;
            /* every pending item takes at least one byte */
            if (it.type != HC_CBOR_TAG && (it.value > len || more > len - pos + 1))
                return 0;
            pending += more;
        }
    }
    return pos;
}

size_t hc_cbor_span(const uint8_t *buf, size_t len, const hc_cbor_item *it)
{
    bool nested = it->type == HC_CBOR_ARRAY || it->type == HC_CBOR_MAP || it->type == HC_CBOR_TAG;
    return nested ? hc_cbor_skip(buf, len) : it->size;
}

bool hc_cbor_int(const hc_cbor_item *it, int64_t *out)
{
    if ((it->type != HC_CBOR_UINT && it->type != HC_CBOR_NEGINT) || it->value > INT64_MAX)
        return false;
    *out = it->type == HC_CBOR_UINT ? (int64_t)it->value : -1 - (int64_t)it->value;
    return true;
}

/* ------------------------------------------------------------ writing */

void hc_cbor_w_init(hc_cbor_writer *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = buf ? cap : 0;
    w->len = 0;
    w->overflow = false;
}

/* Bytes of a head carrying v (RFC 8949 §3: the shortest form). */
static size_t head_size(uint64_t v)
{
    return v < 24 ? 1 : v <= 0xff ? 2 : v <= 0xffff ? 3 : v <= 0xffffffffu ? 5 : 9;
}

/* Writes with fn when it fits; otherwise only counts the size. */
static void put(hc_cbor_writer *w, size_t need, size_t (*fn)(uint64_t, unsigned char *, size_t),
                uint64_t v)
{
    if (!w->overflow && need <= w->cap - w->len) {
        size_t got = fn(v, w->buf + w->len, w->cap - w->len);
        if (got != need)
            w->overflow = true;   /* cannot happen: libcbor writes the shortest form too */
    } else {
        w->overflow = true;
    }
    w->len += need;
}

static size_t enc_bstr(uint64_t v, unsigned char *b, size_t c) { return cbor_encode_bytestring_start((size_t)v, b, c); }
static size_t enc_tstr(uint64_t v, unsigned char *b, size_t c) { return cbor_encode_string_start((size_t)v, b, c); }
static size_t enc_array(uint64_t v, unsigned char *b, size_t c) { return cbor_encode_array_start((size_t)v, b, c); }
static size_t enc_map(uint64_t v, unsigned char *b, size_t c) { return cbor_encode_map_start((size_t)v, b, c); }

void hc_cbor_w_uint(hc_cbor_writer *w, uint64_t v) { put(w, head_size(v), cbor_encode_uint, v); }

void hc_cbor_w_int(hc_cbor_writer *w, int64_t v)
{
    if (v >= 0)
        put(w, head_size((uint64_t)v), cbor_encode_uint, (uint64_t)v);
    else
        put(w, head_size((uint64_t)(-1 - v)), cbor_encode_negint, (uint64_t)(-1 - v));
}

void hc_cbor_w_raw(hc_cbor_writer *w, const uint8_t *p, size_t n)
{
    if (!w->overflow && n <= w->cap - w->len) {
        if (n)
            memcpy(w->buf + w->len, p, n);
    } else {
        w->overflow = true;
    }
    w->len += n;
}

void hc_cbor_w_bstr_head(hc_cbor_writer *w, size_t n) { put(w, head_size(n), enc_bstr, n); }

void hc_cbor_w_bstr(hc_cbor_writer *w, const uint8_t *p, size_t n)
{
    put(w, head_size(n), enc_bstr, n);
    hc_cbor_w_raw(w, p, n);
}

void hc_cbor_w_tstr(hc_cbor_writer *w, const char *s, size_t n)
{
    put(w, head_size(n), enc_tstr, n);
    hc_cbor_w_raw(w, (const uint8_t *)s, n);
}

void hc_cbor_w_array(hc_cbor_writer *w, size_t n) { put(w, head_size(n), enc_array, n); }
void hc_cbor_w_map(hc_cbor_writer *w, size_t n) { put(w, head_size(n), enc_map, n); }
void hc_cbor_w_tag(hc_cbor_writer *w, uint64_t tag) { put(w, head_size(tag), cbor_encode_tag, tag); }

hc_err hc_cbor_w_finish(const hc_cbor_writer *w, size_t *len)
{
    *len = w->len;
    return w->overflow ? HC_E_BUFFER : HC_OK;
}

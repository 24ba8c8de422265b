/* bundle.c — reading a trust bundle (doc/bundle.md): the COSE_Sign1 layer
 * through cose.c, then the payload map, every field bounded.
 *
 * Decisions beyond the text:
 *   - an unknown payload or key-entry field is refused (HC_E_BUNDLE): a
 *     checkpoint must not silently drop a rule it does not understand
 *     (a later format names itself by refusing old readers, fail closed);
 *   - the id lists are single bstrs of sorted fixed-size ids, so 10 million
 *     revoked cti are one CBOR item: the CBOR walk is O(1) in their number and
 *     loading them is one pass (8 bytes an entry in memory);
 *   - a key entry's kid and alg must be its key's (HC_E_BUNDLE_KID): a
 *     checkpoint looks keys up by kid, a wrong one would shadow another. */
#include "bundle_impl.h"
#include "cbor_impl.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define BAD(...) hc_diag_set(diag, HC_E_BUNDLE, __VA_ARGS__)

/* An integer value that fits int64_t. */
static bool get_int(const hc_cbor_item *it, int64_t *out)
{
    return hc_cbor_int(it, out);
}

/* ids: a bstr of n*size bytes, strictly increasing as bytes. */
static hc_err get_ids(const hc_cbor_item *it, size_t size, const uint8_t **p, size_t *n,
                      const char *field, hc_diag *diag)
{
    if (it->type != HC_CBOR_BSTR || it->len % size != 0)
        return BAD(field, "%s: not a byte string of %zu-byte ids", field, size);
    size_t count = it->len / size;
    for (size_t i = 1; i < count; i++)
        if (memcmp(it->data + (i - 1) * size, it->data + i * size, size) >= 0)
            return BAD(field, "%s: id %zu is not above the one before (sorted, no duplicates)",
                       field, i);
    *p = it->data;
    *n = count;
    return HC_OK;
}

/* A map's next key (an unsigned integer) and the head of its value. */
static hc_err next_entry(const uint8_t *b, size_t n, size_t *pos, uint64_t *key,
                         hc_cbor_item *val, const char *where, hc_diag *diag)
{
    hc_cbor_item k;
    if (hc_cbor_head(b + *pos, n - *pos, &k) != HC_OK)
        return BAD(where, "%s: truncated", where);
    if (k.type != HC_CBOR_UINT)
        return BAD(where, "%s: a key that is not an unsigned integer", where);
    *pos += k.size;
    if (hc_cbor_head(b + *pos, n - *pos, val) != HC_OK)
        return BAD(where, "%s: truncated", where);
    *key = k.value;
    return HC_OK;
}

static hc_err key_field(hc_bundle_key_info *ki, uint64_t key, const hc_cbor_item *v,
                        const uint8_t **spki, size_t *spki_len, unsigned *seen, const char *f,
                        hc_diag *diag)
{
    int64_t x;
    switch (key) {
    case HC_BKE_ISS:
        if (v->type != HC_CBOR_TSTR || v->len == 0 || v->len > HC_ISS_MAX ||
            memchr(v->data, 0, v->len))
            return BAD(f, "%s.iss: a text of 1 to %d bytes", f, HC_ISS_MAX);
        memcpy(ki->iss, v->data, v->len);
        ki->iss[v->len] = '\0';
        break;
    case HC_BKE_KID:
        if (v->type != HC_CBOR_BSTR || v->len != HC_KID_LEN)
            return BAD(f, "%s.kid: not %d bytes", f, HC_KID_LEN);
        memcpy(ki->kid, v->data, HC_KID_LEN);
        break;
    case HC_BKE_ALG:
        if (!get_int(v, &x) || x < INT32_MIN || x > INT32_MAX)
            return BAD(f, "%s.alg: not an integer", f);
        ki->alg = (hc_alg)x;
        break;
    case HC_BKE_SPKI:
        if (v->type != HC_CBOR_BSTR || v->len == 0 || v->len > HC_BUNDLE_SPKI_MAX)
            return BAD(f, "%s.spki: not a DER key of at most %d bytes", f, HC_BUNDLE_SPKI_MAX);
        *spki = v->data;
        *spki_len = v->len;
        break;
    case HC_BKE_NBF:
    case HC_BKE_NAF:
        if (!get_int(v, &x))
            return BAD(f, "%s.%s: not an integer", f, key == HC_BKE_NBF ? "nbf" : "naf");
        if (key == HC_BKE_NBF)
            ki->not_before = x;
        else
            ki->not_after = x;
        break;
    default:
        return BAD(f, "%s: unknown field %llu", f, (unsigned long long)key);
    }
    *seen |= 1u << key;
    return HC_OK;
}

/* One key entry {1 iss, 2 kid, 3 alg, 4 spki, ?5 nbf, ?6 naf}. */
static hc_err parse_key(const uint8_t *b, size_t n, size_t *pos, size_t idx,
                        hc_bundle_key_info *ki, hc_diag *diag)
{
    char f[32];
    snprintf(f, sizeof f, "keys[%zu]", idx);
    hc_cbor_item m;
    if (hc_cbor_head(b + *pos, n - *pos, &m) != HC_OK || m.type != HC_CBOR_MAP)
        return BAD(f, "%s: not a map", f);
    *pos += m.size;
    memset(ki, 0, sizeof *ki);
    ki->not_before = HC_TIME_UNBOUNDED_BEFORE;
    ki->not_after = HC_TIME_UNBOUNDED_AFTER;
    const uint8_t *spki = NULL;
    size_t spki_len = 0;
    unsigned seen = 0;
    for (uint64_t i = 0; i < m.value; i++) {
        uint64_t key;
        hc_cbor_item v;
        hc_err err = next_entry(b, n, pos, &key, &v, f, diag);
        if (err == HC_OK)
            err = key_field(ki, key, &v, &spki, &spki_len, &seen, f, diag);
        if (err != HC_OK)
            return err;
        *pos += hc_cbor_skip(b + *pos, n - *pos);
    }
    const unsigned required = 1u << HC_BKE_ISS | 1u << HC_BKE_KID | 1u << HC_BKE_ALG |
                              1u << HC_BKE_SPKI;
    if ((seen & required) != required)
        return BAD(f, "%s: iss, kid, alg and spki are required", f);
    if (ki->not_before >= ki->not_after)
        return BAD(f, "%s: nbf is not before naf", f);
    if (hc_key_from_spki(spki, spki_len, &ki->pub) != HC_OK)
        return BAD(f, "%s.spki: not a public key of a supported algorithm", f);
    if (memcmp(ki->pub->kid, ki->kid, HC_KID_LEN) != 0)
        return hc_diag_set(diag, HC_E_BUNDLE_KID, f, "%s: kid is not the key's", f);
    if (ki->pub->alg != ki->alg)
        return hc_diag_set(diag, HC_E_BUNDLE_KID, f, "%s: alg is not the key's", f);
    return HC_OK;
}

static hc_err parse_keys(hc_bundle_view *v, const uint8_t *b, size_t n, size_t pos,
                         uint64_t count, hc_diag *diag)
{
    if (count > HC_BUNDLE_KEYS_MAX)
        return BAD("keys", "keys: more than %d entries", HC_BUNDLE_KEYS_MAX);
    v->keys = count ? calloc(count, sizeof *v->keys) : NULL;
    if (count && !v->keys)
        return HC_E_NOMEM;
    for (uint64_t i = 0; i < count; i++) {
        hc_err err = parse_key(b, n, &pos, i, &v->keys[i], diag);
        v->info.n_keys = i + 1;   /* so that clear frees a half-made entry */
        if (err != HC_OK)
            return err;
    }
    return HC_OK;
}

static hc_err parse_roots(hc_bundle_view *v, const uint8_t *b, size_t n, size_t pos,
                          uint64_t count, hc_diag *diag)
{
    if (count > HC_BUNDLE_ROOTS_MAX)
        return BAD("next_roots", "next_roots: more than %d keys", HC_BUNDLE_ROOTS_MAX);
    for (uint64_t i = 0; i < count; i++) {
        hc_cbor_item it;
        if (hc_cbor_head(b + pos, n - pos, &it) != HC_OK || it.type != HC_CBOR_BSTR ||
            it.len > HC_BUNDLE_SPKI_MAX || hc_key_from_spki(it.data, it.len, &v->next_roots[i]) != HC_OK)
            return BAD("next_roots", "next_roots[%llu]: not a public key DER",
                       (unsigned long long)i);
        v->info.n_next_roots = i + 1;
        pos += it.size;
    }
    return HC_OK;
}

/* venues: {name: JSON text}, each text a venue rule hc_venue_parse_json
 * reads (the verify-only build has it: no JSON library needed), so a rule
 * a checkpoint cannot read refuses the whole bundle, never a venue later. */
static hc_err parse_venues(hc_bundle_view *v, const uint8_t *b, size_t n, size_t pos,
                           uint64_t count, hc_diag *diag)
{
    if (count > HC_BUNDLE_VENUES_MAX)
        return BAD("venues", "venues: more than %d rules", HC_BUNDLE_VENUES_MAX);
    for (uint64_t i = 0; i < count; i++) {
        hc_cbor_item k, t;
        if (hc_cbor_head(b + pos, n - pos, &k) != HC_OK || k.type != HC_CBOR_TSTR ||
            k.len == 0 || k.len > HC_BUNDLE_VENUE_NAME_MAX || memchr(k.data, 0, k.len))
            return BAD("venues", "venues: a name that is not a text of 1 to %d bytes",
                       HC_BUNDLE_VENUE_NAME_MAX);
        pos += k.size;
        int nl = (int)k.len;
        if (hc_cbor_head(b + pos, n - pos, &t) != HC_OK || t.type != HC_CBOR_TSTR ||
            t.len == 0 || t.len > HC_BUNDLE_VENUE_JSON_MAX)
            return BAD("venues", "venues.%.*s: not a JSON text of 1 to %d bytes", nl,
                       (const char *)k.data, HC_BUNDLE_VENUE_JSON_MAX);
        pos += t.size;
        hc_venue_rules rules;
        hc_diag vd = {{0}, 0, {0}};
        if (hc_venue_parse_json((const char *)t.data, t.len, &rules, &vd) != HC_OK)
            return BAD("venues", "venues.%.*s: %s", nl, (const char *)k.data,
                       vd.message[0] ? vd.message : "not a venue rule");
        v->venue_name[i] = k.data;
        v->venue_name_len[i] = k.len;
        v->venue_json[i] = t.data;
        v->venue_json_len[i] = t.len;
        v->info.n_venues = i + 1;
    }
    return HC_OK;
}

/* One payload field. */
static hc_err payload_field(hc_bundle_view *v, uint64_t key, const hc_cbor_item *it,
                            const uint8_t *b, size_t n, size_t pos, hc_diag *diag)
{
    hc_bundle_info *in = &v->info;
    int64_t x;
    switch (key) {
    case HC_BK_PUBLISHER:
        if (it->type != HC_CBOR_TSTR || it->len == 0 || it->len > HC_BUNDLE_PUBLISHER_MAX ||
            memchr(it->data, 0, it->len))
            return BAD("publisher", "publisher: a text of 1 to %d bytes", HC_BUNDLE_PUBLISHER_MAX);
        memcpy(in->publisher, it->data, it->len);
        in->publisher[it->len] = '\0';
        return HC_OK;
    case HC_BK_SEQ:
    case HC_BK_BASE_SEQ:
        if (it->type != HC_CBOR_UINT || it->value == 0 || it->value > INT64_MAX)
            return BAD("seq", "%s: not an integer from 1 to 2^63-1",
                       key == HC_BK_SEQ ? "seq" : "base_seq");
        *(key == HC_BK_SEQ ? &in->seq : &in->base_seq) = it->value;
        in->delta |= key == HC_BK_BASE_SEQ;
        return HC_OK;
    case HC_BK_IAT:
    case HC_BK_EXP:
        if (!get_int(it, &x))
            return BAD("iat", "%s: not an integer", key == HC_BK_IAT ? "iat" : "exp");
        *(key == HC_BK_IAT ? &in->iat : &in->exp) = x;
        return HC_OK;
    case HC_BK_KEYS:
        if (it->type != HC_CBOR_ARRAY)
            return BAD("keys", "keys: not an array");
        return parse_keys(v, b, n, pos + it->size, it->value, diag);
    case HC_BK_CTI:
        return get_ids(it, 8, &v->cti, &in->n_cti, "cti", diag);
    case HC_BK_SUB:
        return get_ids(it, 16, &v->sub, &in->n_sub, "sub", diag);
    case HC_BK_CTI_REMOVED:
        return get_ids(it, 8, &v->cti_rm, &in->n_cti_removed, "cti_removed", diag);
    case HC_BK_SUB_REMOVED:
        return get_ids(it, 16, &v->sub_rm, &in->n_sub_removed, "sub_removed", diag);
    case HC_BK_NEXT_ROOTS:
        if (it->type != HC_CBOR_ARRAY)
            return BAD("next_roots", "next_roots: not an array");
        return parse_roots(v, b, n, pos + it->size, it->value, diag);
    case HC_BK_VENUES:
        if (it->type != HC_CBOR_MAP)
            return BAD("venues", "venues: not a map");
        return parse_venues(v, b, n, pos + it->size, it->value, diag);
    default:
        return BAD("", "unknown payload field %llu", (unsigned long long)key);
    }
}

/* A delta may not add and remove one id: which would win is a rule a
 * publisher's tool and a checkpoint could read two ways (issue 25.15), so
 * such a delta is refused, naming the id. Both lists are sorted: one merge. */
static hc_err added_and_removed(const uint8_t *add, size_t na, const uint8_t *rm, size_t nr,
                                size_t size, const char *what, hc_diag *diag)
{
    size_t i = 0, j = 0;
    while (i < na && j < nr) {
        int c = memcmp(add + i * size, rm + j * size, size);
        if (c == 0) {
            char hex[33];
            for (size_t k = 0; k < size; k++)
                snprintf(hex + 2 * k, 3, "%02x", add[i * size + k]);
            return BAD(what, "%s %s is both added and removed", what, hex);
        }
        if (c < 0)
            i++;
        else
            j++;
    }
    return HC_OK;
}

static hc_err parse_payload(hc_bundle_view *v, const uint8_t *b, size_t n, hc_diag *diag)
{
    hc_cbor_item m;
    if (hc_cbor_head(b, n, &m) != HC_OK || m.type != HC_CBOR_MAP)
        return BAD("", "the payload is not a map");
    size_t pos = m.size;
    unsigned seen = 0;
    for (uint64_t i = 0; i < m.value; i++) {
        uint64_t key;
        hc_cbor_item it;
        hc_err err = next_entry(b, n, &pos, &key, &it, "payload", diag);
        if (err == HC_OK)
            err = payload_field(v, key, &it, b, n, pos, diag);
        if (err != HC_OK)
            return err;
        seen |= 1u << (key & 31);
        pos += hc_cbor_skip(b + pos, n - pos);
    }
    const unsigned required = 1u << HC_BK_PUBLISHER | 1u << HC_BK_SEQ | 1u << HC_BK_IAT |
                              1u << HC_BK_EXP | 1u << HC_BK_KEYS;
    if ((seen & required) != required)
        return BAD("", "publisher, seq, iat, exp and keys are required");
    if (v->info.iat >= v->info.exp)
        return BAD("exp", "exp is not after iat");
    if (v->info.delta && v->info.base_seq >= v->info.seq)
        return BAD("base_seq", "base_seq is not below seq");
    if (!v->info.delta && (seen & (1u << HC_BK_CTI_REMOVED | 1u << HC_BK_SUB_REMOVED)))
        return BAD("", "a full bundle has no removed ids (only a delta, with base_seq)");
    hc_err err = added_and_removed(v->cti, v->info.n_cti, v->cti_rm, v->info.n_cti_removed, 8,
                                   "cti", diag);
    if (err == HC_OK)
        err = added_and_removed(v->sub, v->info.n_sub, v->sub_rm, v->info.n_sub_removed, 16,
                                "sub", diag);
    return err;
}

void hc_bundle_view_clear(hc_bundle_view *v)
{
    if (!v)
        return;
    if (v->keys)
        hc_bundle_key_info_clear(v->keys, v->info.n_keys);
    free(v->keys);
    for (size_t i = 0; i < v->info.n_next_roots; i++)
        hc_key_free(v->next_roots[i]);
    memset(v, 0, sizeof *v);
}

hc_err hc_bundle_parse(const uint8_t *buf, size_t len, hc_bundle_view *v, hc_diag *diag)
{
    memset(v, 0, sizeof *v);
    if (len > HC_BUNDLE_FILE_MAX)
        return hc_diag_set(diag, HC_E_LIMIT, "", "a bundle over %zu bytes", HC_BUNDLE_FILE_MAX);
    hc_err err = hc_cose_parse(buf, len, &v->cose);
    if (err != HC_OK)
        return BAD("", "not a COSE_Sign1 of the bundle's shape (%s)", hc_err_name(err));
    v->info.root_alg = (hc_alg)v->cose.alg;
    memcpy(v->info.root_kid, v->cose.kid, HC_KID_LEN);
    err = parse_payload(v, v->cose.payload, v->cose.payload_len, diag);
    if (err != HC_OK)
        hc_bundle_view_clear(v);
    return err;
}

void hc_bundle_key_info_clear(hc_bundle_key_info *keys, size_t n)
{
    for (size_t i = 0; keys && i < n; i++) {
        hc_key_free(keys[i].pub);
        memset(&keys[i], 0, sizeof keys[i]);
    }
}

hc_err hc_bundle_signed(hc_bundle_view *v, uint8_t **tbs, size_t *len)
{
    const hc_cose_view *c = &v->cose;
    size_t sl = 0;
    *tbs = NULL;
    (void)hc_cose_sig_structure(c->protected_bstr, c->protected_len, c->payload, c->payload_len,
                                NULL, 0, &sl);
    if (!(*tbs = malloc(sl)))
        return HC_E_NOMEM;
    hc_err err = hc_cose_sig_structure(c->protected_bstr, c->protected_len, c->payload,
                                       c->payload_len, *tbs, sl, len);
    if (err == HC_OK)
        err = hc_crypto_sha256(*tbs, *len, v->info.id);
    if (err != HC_OK) {
        free(*tbs);
        *tbs = NULL;
    }
    return err;
}

hc_err hc_bundle_inspect(const uint8_t *buf, size_t len, hc_bundle_info *info,
                         hc_bundle_key_info *keys, size_t max_keys)
{
    if (!buf || !info || (!keys && max_keys))
        return HC_E_ARG;
    hc_bundle_view v;
    hc_err err = hc_bundle_parse(buf, len, &v, NULL);
    if (err != HC_OK)
        return err;
    uint8_t *tbs = NULL;
    size_t tl = 0;
    if ((err = hc_bundle_signed(&v, &tbs, &tl)) == HC_OK &&
        (err = hc_crypto_sha256(buf, len, v.info.hash)) == HC_OK) {
        *info = v.info;
        /* hand the first max_keys keys over: the view no longer owns them */
        for (size_t i = 0; i < v.info.n_keys && i < max_keys; i++) {
            keys[i] = v.keys[i];
            v.keys[i].pub = NULL;
        }
    }
    free(tbs);
    hc_bundle_view_clear(&v);
    return err;
}

/* bundle_make.c — writing and signing a trust bundle (doc/bundle.md), the
 * publisher's side. Needs no JSON: it is built with the verify side so a
 * root-holding machine needs nothing more.
 *
 * The payload is written in core deterministic order (keys ascending) so the
 * same inputs give the same bytes (and, with an EdDSA root, the same file). */
#include "bundle_impl.h"
#include "cbor_impl.h"
#include "internal.h"
#include "revoke_impl.h"
#include "trust_impl.h"

#include <stdlib.h>
#include <string.h>

/* The raw ids of a list (NULL: none). */
typedef struct {
    uint8_t *cti, *sub;
    size_t ncti, nsub;
} raw_ids;

static void raw_free(raw_ids *r)
{
    free(r->cti);
    free(r->sub);
    memset(r, 0, sizeof *r);
}

static hc_err raw_of(const hc_revocations *r, raw_ids *out)
{
    memset(out, 0, sizeof *out);
    if (!r)
        return HC_OK;
    return hc_revocations_export(r, &out->cti, &out->ncti, &out->sub, &out->nsub);
}

/* a \ b for sorted raw ids of size bytes, into a fresh array. */
static hc_err minus(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, size_t size,
                    uint8_t **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (na == 0)
        return HC_OK;
    uint8_t *o = malloc(na * size);
    if (!o)
        return HC_E_NOMEM;
    size_t j = 0, w = 0;
    for (size_t i = 0; i < na; i++) {
        while (j < nb && memcmp(b + j * size, a + i * size, size) < 0)
            j++;
        if (j < nb && memcmp(b + j * size, a + i * size, size) == 0)
            continue;
        memcpy(o + w++ * size, a + i * size, size);
    }
    *out = o;
    *nout = w;
    return HC_OK;
}

/* Venue class names in the order core deterministic encoding sorts text
 * keys: shorter first, then bytewise. */
static int venue_cmp(const hc_bundle_venue *a, const hc_bundle_venue *b)
{
    size_t la = strlen(a->name), lb = strlen(b->name);
    if (la != lb)
        return la < lb ? -1 : 1;
    return memcmp(a->name, b->name, la);
}

/* Each rule signed is one a checkpoint reads: a name, a text within the
 * bounds that hc_venue_parse_json accepts, no name twice. */
static hc_err check_venues(const hc_bundle_spec *sp)
{
    if (sp->n_venues > HC_BUNDLE_VENUES_MAX)
        return HC_E_LIMIT;
    if (sp->n_venues && !sp->venues)
        return HC_E_ARG;
    for (size_t i = 0; i < sp->n_venues; i++) {
        const hc_bundle_venue *v = &sp->venues[i];
        if (!v->name || !*v->name || strlen(v->name) > HC_BUNDLE_VENUE_NAME_MAX ||
            !hc_cbor_utf8_ok((const uint8_t *)v->name, strlen(v->name)) || !v->json ||
            v->json_len == 0 || v->json_len > HC_BUNDLE_VENUE_JSON_MAX ||
            !hc_cbor_utf8_ok((const uint8_t *)v->json, v->json_len))
            return HC_E_ARG;
        hc_venue_rules r;
        if (hc_venue_parse_json(v->json, v->json_len, &r, NULL) != HC_OK)
            return HC_E_VENUE;
        for (size_t j = 0; j < i; j++)
            if (venue_cmp(&sp->venues[j], v) == 0)
                return HC_E_ARG;
    }
    return HC_OK;
}

static hc_err check_spec(const hc_key *root, const hc_bundle_spec *sp)
{
    if (!sp->publisher || !*sp->publisher || strlen(sp->publisher) > HC_BUNDLE_PUBLISHER_MAX ||
        !hc_cbor_utf8_ok((const uint8_t *)sp->publisher, strlen(sp->publisher)))
        return HC_E_ARG;
    if (sp->seq == 0 || sp->seq > INT64_MAX || sp->iat >= sp->exp)
        return HC_E_ARG;
    if (sp->n_keys > HC_BUNDLE_KEYS_MAX || sp->n_next_roots > HC_BUNDLE_ROOTS_MAX)
        return HC_E_LIMIT;
    if ((sp->n_keys && !sp->keys) || (sp->n_next_roots && !sp->next_roots))
        return HC_E_ARG;
    if (sp->delta && (sp->base_seq == 0 || sp->base_seq >= sp->seq))
        return HC_E_ARG;
    for (size_t i = 0; i < sp->n_keys; i++) {
        const hc_bundle_key *k = &sp->keys[i];
        if (!k->key || !k->iss || !*k->iss || strlen(k->iss) > HC_ISS_MAX ||
            !hc_cbor_utf8_ok((const uint8_t *)k->iss, strlen(k->iss)) ||
            k->not_before >= k->not_after)
            return HC_E_ARG;
    }
    for (size_t i = 0; i < sp->n_next_roots; i++)
        if (!sp->next_roots[i])
            return HC_E_ARG;
    hc_err err = check_venues(sp);
    if (err != HC_OK)
        return err;
    return hc_key_is_private(root) ? HC_OK : HC_E_KEY;
}

static void write_key(hc_cbor_writer *w, const hc_bundle_key *k, const uint8_t *der, size_t dl)
{
    bool nbf = k->not_before != HC_TIME_UNBOUNDED_BEFORE;
    bool naf = k->not_after != HC_TIME_UNBOUNDED_AFTER;
    hc_cbor_w_map(w, 4 + nbf + naf);
    hc_cbor_w_uint(w, HC_BKE_ISS);
    hc_cbor_w_tstr(w, k->iss, strlen(k->iss));
    hc_cbor_w_uint(w, HC_BKE_KID);
    hc_cbor_w_bstr(w, k->key->kid, HC_KID_LEN);
    hc_cbor_w_uint(w, HC_BKE_ALG);
    hc_cbor_w_int(w, k->key->alg);
    hc_cbor_w_uint(w, HC_BKE_SPKI);
    hc_cbor_w_bstr(w, der, dl);
    if (nbf) {
        hc_cbor_w_uint(w, HC_BKE_NBF);
        hc_cbor_w_int(w, k->not_before);
    }
    if (naf) {
        hc_cbor_w_uint(w, HC_BKE_NAF);
        hc_cbor_w_int(w, k->not_after);
    }
}

/* The ids into w (the map's entries): the ctis under cti_key, the subs under
 * sub_key, each only where there are any. */
static void write_ids(hc_cbor_writer *w, const raw_ids *ids, uint64_t cti_key, uint64_t sub_key)
{
    if (ids->ncti) {
        hc_cbor_w_uint(w, cti_key);
        hc_cbor_w_bstr(w, ids->cti, ids->ncti * 8);
    }
    if (ids->nsub) {
        hc_cbor_w_uint(w, sub_key);
        hc_cbor_w_bstr(w, ids->sub, ids->nsub * 16);
    }
}

/* The venue rules as the map {name: JSON text}, in key order. */
static void write_venues(hc_cbor_writer *w, const hc_bundle_spec *sp)
{
    const hc_bundle_venue *order[HC_BUNDLE_VENUES_MAX];
    for (size_t i = 0; i < sp->n_venues; i++) {   /* insertion sort: at most 64 */
        size_t j = i;
        for (; j > 0 && venue_cmp(order[j - 1], &sp->venues[i]) > 0; j--)
            order[j] = order[j - 1];
        order[j] = &sp->venues[i];
    }
    hc_cbor_w_uint(w, HC_BK_VENUES);
    hc_cbor_w_map(w, sp->n_venues);
    for (size_t i = 0; i < sp->n_venues; i++) {
        hc_cbor_w_tstr(w, order[i]->name, strlen(order[i]->name));
        hc_cbor_w_tstr(w, order[i]->json, order[i]->json_len);
    }
}

/* The payload into w; add/rm are the ids the bundle carries. */
static hc_err write_payload(hc_cbor_writer *w, const hc_bundle_spec *sp, const raw_ids *add,
                            const raw_ids *rm)
{
    size_t n = 5 + (add->ncti > 0) + (add->nsub > 0) + (sp->n_next_roots > 0) +
               (sp->n_venues > 0);
    if (sp->delta)
        n += 1 + (rm->ncti > 0) + (rm->nsub > 0);
    hc_cbor_w_map(w, n);
    hc_cbor_w_uint(w, HC_BK_PUBLISHER);
    hc_cbor_w_tstr(w, sp->publisher, strlen(sp->publisher));
    hc_cbor_w_uint(w, HC_BK_SEQ);
    hc_cbor_w_uint(w, sp->seq);
    hc_cbor_w_uint(w, HC_BK_IAT);
    hc_cbor_w_int(w, sp->iat);
    hc_cbor_w_uint(w, HC_BK_EXP);
    hc_cbor_w_int(w, sp->exp);
    hc_cbor_w_uint(w, HC_BK_KEYS);
    hc_cbor_w_array(w, sp->n_keys);
    uint8_t der[HC_BUNDLE_SPKI_MAX];
    size_t dl = 0;
    hc_err err;
    for (size_t i = 0; i < sp->n_keys; i++) {
        if ((err = hc_key_spki(sp->keys[i].key, der, sizeof der, &dl)) != HC_OK)
            return err == HC_E_BUFFER ? HC_E_KEY : err;
        write_key(w, &sp->keys[i], der, dl);
    }
    write_ids(w, add, HC_BK_CTI, HC_BK_SUB);
    if (sp->n_next_roots) {
        hc_cbor_w_uint(w, HC_BK_NEXT_ROOTS);
        hc_cbor_w_array(w, sp->n_next_roots);
        for (size_t i = 0; i < sp->n_next_roots; i++) {
            if ((err = hc_key_spki(sp->next_roots[i], der, sizeof der, &dl)) != HC_OK)
                return err == HC_E_BUFFER ? HC_E_KEY : err;
            hc_cbor_w_bstr(w, der, dl);
        }
    }
    if (sp->delta) {
        hc_cbor_w_uint(w, HC_BK_BASE_SEQ);
        hc_cbor_w_uint(w, sp->base_seq);
        write_ids(w, rm, HC_BK_CTI_REMOVED, HC_BK_SUB_REMOVED);
    }
    if (sp->n_venues)
        write_venues(w, sp);
    return HC_OK;
}

/* The ids the bundle carries: the whole list, or for a delta what the new
 * list adds to the base (add) and what it drops from it (rm). */
static hc_err ids_of(const hc_bundle_spec *sp, raw_ids *add, raw_ids *rm)
{
    raw_ids cur, base;
    memset(add, 0, sizeof *add);
    memset(rm, 0, sizeof *rm);
    hc_err err = raw_of(sp->revoked, &cur);
    if (err != HC_OK || !sp->delta) {
        *add = cur;
        return err;
    }
    if ((err = raw_of(sp->base_revoked, &base)) == HC_OK &&
        (err = minus(cur.cti, cur.ncti, base.cti, base.ncti, 8, &add->cti, &add->ncti)) == HC_OK &&
        (err = minus(cur.sub, cur.nsub, base.sub, base.nsub, 16, &add->sub, &add->nsub)) == HC_OK &&
        (err = minus(base.cti, base.ncti, cur.cti, cur.ncti, 8, &rm->cti, &rm->ncti)) == HC_OK)
        err = minus(base.sub, base.nsub, cur.sub, cur.nsub, 16, &rm->sub, &rm->nsub);
    raw_free(&cur);
    raw_free(&base);
    return err;
}

/* Encodes with two passes: the first only counts. */
static hc_err encode_payload(const hc_bundle_spec *sp, const raw_ids *add, const raw_ids *rm,
                             uint8_t **out, size_t *len)
{
    hc_cbor_writer w;
    hc_cbor_w_init(&w, NULL, 0);
    hc_err err = write_payload(&w, sp, add, rm);
    if (err != HC_OK)
        return err;
    size_t need = 0;
    (void)hc_cbor_w_finish(&w, &need);
    if (need > HC_BUNDLE_FILE_MAX - 256)
        return HC_E_LIMIT;
    if (!(*out = malloc(need)))
        return HC_E_NOMEM;
    hc_cbor_w_init(&w, *out, need);
    if ((err = write_payload(&w, sp, add, rm)) == HC_OK)
        err = hc_cbor_w_finish(&w, len);
    return err;
}

static hc_err sign_and_wrap(const hc_key *root, const uint8_t *payload, size_t plen,
                            uint8_t **out, size_t *len)
{
    uint8_t prot[32], sig[64];
    size_t prot_len = 0, tl = 0, cl = 0;
    hc_signer *signer = NULL;
    uint8_t *tbs = NULL;
    hc_err err = hc_cose_protected_encode(root->alg, root->kid, prot, sizeof prot, &prot_len);
    if (err != HC_OK)
        return err;
    (void)hc_cose_sig_structure(prot, prot_len, payload, plen, NULL, 0, &tl);
    if (!(tbs = malloc(tl)))
        return HC_E_NOMEM;
    if ((err = hc_cose_sig_structure(prot, prot_len, payload, plen, tbs, tl, &tl)) == HC_OK &&
        (err = hc_signer_new(root, &signer)) == HC_OK)
        err = hc_signer_sign(signer, tbs, tl, sig);
    hc_signer_free(signer);
    free(tbs);
    if (err != HC_OK)
        return err;
    (void)hc_cose_sign1_encode(prot, prot_len, payload, plen, sig, NULL, 0, &cl);
    if (!(*out = malloc(cl)))
        return HC_E_NOMEM;
    if ((err = hc_cose_sign1_encode(prot, prot_len, payload, plen, sig, *out, cl, len)) != HC_OK) {
        free(*out);
        *out = NULL;
    }
    return err;
}

hc_err hc_bundle_make(const hc_key *root, const hc_bundle_spec *spec, uint8_t **out, size_t *len)
{
    if (!root || !spec || !out || !len)
        return HC_E_ARG;
    *out = NULL;
    *len = 0;
    hc_err err = check_spec(root, spec);
    if (err != HC_OK)
        return err;
    raw_ids add, rm;
    uint8_t *payload = NULL;
    size_t plen = 0;
    if ((err = ids_of(spec, &add, &rm)) == HC_OK &&
        (err = encode_payload(spec, &add, &rm, &payload, &plen)) == HC_OK)
        err = sign_and_wrap(root, payload, plen, out, len);
    raw_free(&add);
    raw_free(&rm);
    free(payload);
    return err;
}

hc_err hc_bundle_key_from_trust(const hc_trust *t, size_t i, hc_bundle_key *out)
{
    const hc_trusted_key *tk = hc_trust_at(t, i);
    if (!tk || !out)
        return HC_E_ARG;
    out->iss = tk->iss;
    out->key = tk->key;
    out->not_before = tk->not_before;
    out->not_after = tk->not_after;
    return HC_OK;
}

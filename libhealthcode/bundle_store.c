/* bundle_store.c — the checkpoint's side of trust bundles: root keys,
 * signature, rollback and freeze, deltas, and the state file.
 *
 * Every check runs before anything changes: the new trust store and
 * revocation list are built aside (a delta on a clone of the current list)
 * and the state file is written before they replace the old ones, so a
 * refused bundle leaves memory and disk as they were.
 *
 * The state file (read, locked and written by bundle_state.c) holds no
 * secret (sequence numbers, ids, public keys); its integrity is guarded by
 * the directory's permissions, which only the checkpoint's user may write. */
#include "bundle_impl.h"
#include "bundle_state_impl.h"
#include "internal.h"
#include "revoke_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The venue rules of an accepted bundle, copied out of its buffer. */
typedef struct {
    size_t n;
    char name[HC_BUNDLE_VENUES_MAX][HC_BUNDLE_VENUE_NAME_MAX + 1];
    char *json[HC_BUNDLE_VENUES_MAX];
    size_t len[HC_BUNDLE_VENUES_MAX];
} venue_set;

static void venues_free(venue_set *vs)
{
    for (size_t i = 0; vs && i < vs->n; i++)
        free(vs->json[i]);
    free(vs);
}

/* v's venue rules (NULL when it carries none). */
static hc_err venues_of(const hc_bundle_view *v, venue_set **out)
{
    *out = NULL;
    if (!v->info.n_venues)
        return HC_OK;
    venue_set *vs = calloc(1, sizeof *vs);
    if (!vs)
        return HC_E_NOMEM;
    for (size_t i = 0; i < v->info.n_venues; i++) {
        memcpy(vs->name[i], v->venue_name[i], v->venue_name_len[i]);
        vs->name[i][v->venue_name_len[i]] = '\0';
        if (!(vs->json[i] = malloc(v->venue_json_len[i] + 1))) {
            venues_free(vs);
            return HC_E_NOMEM;
        }
        memcpy(vs->json[i], v->venue_json[i], v->venue_json_len[i]);
        vs->json[i][v->venue_json_len[i]] = '\0';
        vs->len[i] = v->venue_json_len[i];
        vs->n = i + 1;
    }
    *out = vs;
    return HC_OK;
}

/* What the accepted bundles give, replaced as a whole: a set of bundles is
 * applied to a working copy, which becomes the store's only if every one
 * of them is accepted. */
typedef struct {
    hc_trust *trust;
    hc_revocations *rev;
    venue_set *venues;           /* the last bundle's venue rules (NULL: none) */
    bool held;                   /* a bundle is applied in memory */
    uint64_t seq, full_seq;
    uint8_t full_id[32];         /* the id of the full bundle held */
    char publisher[HC_BUNDLE_PUBLISHER_MAX + 1];
    bool delta_applied, stale;
} held_trust;

struct hc_bundle_store {
    hc_key *pinned[HC_BUNDLE_ROOTS_MAX];
    size_t n_pinned;
    bundle_state st;
    char *state_path;            /* NULL: the state lives in memory only */
    char *lock_path;             /* the lock file beside it */
    held_trust h;
};

hc_err hc_bundle_store_new(hc_bundle_store **out)
{
    if (!out)
        return HC_E_ARG;
    *out = calloc(1, sizeof **out);
    return *out ? HC_OK : HC_E_NOMEM;
}

void hc_bundle_store_free(hc_bundle_store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_pinned; i++)
        hc_key_free(s->pinned[i]);
    hc_bundle_state_clear(&s->st);
    free(s->state_path);
    free(s->lock_path);
    hc_trust_free(s->h.trust);
    hc_revocations_free(s->h.rev);
    venues_free(s->h.venues);
    free(s);
}

hc_err hc_bundle_store_add_root(hc_bundle_store *s, const hc_key *root)
{
    if (!s || !root)
        return HC_E_ARG;
    if (s->n_pinned == HC_BUNDLE_ROOTS_MAX)
        return HC_E_LIMIT;
    hc_err err = hc_key_public_copy(root, &s->pinned[s->n_pinned]);
    if (err == HC_OK)
        s->n_pinned++;
    return err;
}

/* The state records a later bundle than h holds. */
static bool behind(const bundle_state *st, const held_trust *h)
{
    return st->have && (!h->held || st->seq > h->seq);
}

bool hc_bundle_store_behind(const hc_bundle_store *s) { return s && behind(&s->st, &s->h); }

/* One message for a store behind its state, whoever finds it (the CLI's
 * set of bundles, a binding's verify). */
static hc_err behind_error(const bundle_state *st, const held_trust *h, hc_diag *diag)
{
    if (!h->held)
        return hc_diag_set(diag, HC_E_BUNDLE_ROLLBACK, "seq",
                           "the state records seq %llu and no bundle of it is applied (give "
                           "its full bundle and delta)", (unsigned long long)st->seq);
    return hc_diag_set(diag, HC_E_BUNDLE_ROLLBACK, "seq",
                       "the state records seq %llu, later than the bundles applied (seq %llu): "
                       "give the delta too", (unsigned long long)st->seq,
                       (unsigned long long)h->seq);
}

hc_err hc_bundle_store_ready(const hc_bundle_store *s, hc_diag *diag)
{
    if (!s)
        return HC_E_ARG;
    if (behind(&s->st, &s->h))
        return behind_error(&s->st, &s->h, diag);
    if (!s->h.held)
        return hc_diag_set(diag, HC_E_UNKNOWN_KID, "", "no bundle has been accepted yet");
    return HC_OK;
}

/* Only a store that is ready hands out its trust: see bundle.h. */
const hc_trust *hc_bundle_store_trust(const hc_bundle_store *s)
{
    return hc_bundle_store_ready(s, NULL) == HC_OK ? s->h.trust : NULL;
}

const hc_revocations *hc_bundle_store_revocations(const hc_bundle_store *s)
{
    return hc_bundle_store_ready(s, NULL) == HC_OK ? s->h.rev : NULL;
}

size_t hc_bundle_store_venue_count(const hc_bundle_store *s)
{
    return hc_bundle_store_ready(s, NULL) == HC_OK && s->h.venues ? s->h.venues->n : 0;
}

const char *hc_bundle_store_venue_name(const hc_bundle_store *s, size_t i)
{
    return i < hc_bundle_store_venue_count(s) ? s->h.venues->name[i] : NULL;
}

hc_err hc_bundle_store_venue(const hc_bundle_store *s, const char *name, hc_venue_rules *rules,
                             hc_diag *diag)
{
    if (!s || !name || !rules)
        return HC_E_ARG;
    hc_err err = hc_bundle_store_ready(s, diag);
    if (err != HC_OK)
        return err;
    size_t n = hc_bundle_store_venue_count(s);
    char have[HC_DIAG_MESSAGE_MAX] = "";
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s->h.venues->name[i], name) == 0)
            return hc_venue_parse_json(s->h.venues->json[i], s->h.venues->len[i], rules, diag);
        size_t l = strlen(have);
        snprintf(have + l, sizeof have - l, "%s%s", l ? ", " : "", s->h.venues->name[i]);
    }
    return hc_diag_set(diag, HC_E_VENUE, "venue", "the bundle has no venue rule '%.40s' (%s%s)",
                       name, n ? "it has: " : "it carries none", have);
}

bool hc_bundle_store_stale(const hc_bundle_store *s) { return s && s->h.stale; }
uint64_t hc_bundle_store_seq(const hc_bundle_store *s) { return s && s->h.held ? s->h.seq : 0; }

hc_err hc_bundle_store_set_state(hc_bundle_store *s, const char *path)
{
    return hc_bundle_store_set_state_path(s, path, NULL);
}

/* Shared by set_state and set_state_dir: reads the state at path and keeps
 * path and the lock file's path. */
static hc_err set_state(hc_bundle_store *s, const char *path, const char *lock, hc_diag *diag)
{
    if (!s || !path || !lock || s->h.held || s->state_path)
        return HC_E_ARG;
    char *p = strdup(path), *l = strdup(lock);
    bundle_state st;
    hc_err err = p && l ? hc_bundle_state_load(path, &st, diag) : HC_E_NOMEM;
    if (err != HC_OK) {
        free(p);
        free(l);
        return err;
    }
    hc_bundle_state_clear(&s->st);
    s->st = st;
    s->state_path = p;
    s->lock_path = l;
    return HC_OK;
}

hc_err hc_bundle_store_set_state_path(hc_bundle_store *s, const char *path, hc_diag *diag)
{
    char lock[4096];
    if (!path || snprintf(lock, sizeof lock, "%s.lock", path) >= (int)sizeof lock)
        return HC_E_ARG;
    return set_state(s, path, lock, diag);
}

hc_err hc_bundle_store_set_state_dir(hc_bundle_store *s, const char *dir, hc_diag *diag)
{
    char path[4096], lock[4096];
    if (!dir || !*dir ||
        snprintf(path, sizeof path, "%s/bundle-state.cbor", dir) >= (int)sizeof path ||
        snprintf(lock, sizeof lock, "%s/bundle-state.lock", dir) >= (int)sizeof lock)
        return HC_E_ARG;
    return set_state(s, path, lock, diag);
}

/* Under the lock: what the state file records now, in case another
 * process sharing it accepted a later bundle since this store read it. The
 * store adopts a state at least as recent as its own (so it refuses what is
 * older than that, and is behind if it holds less); a file gone or older
 * (restored from a backup) does not take the store back. */
static hc_err state_refresh(hc_bundle_store *s, hc_diag *diag)
{
    bundle_state disk;
    hc_err err = hc_bundle_state_load(s->state_path, &disk, diag);
    if (err != HC_OK)
        return err;
    if (disk.have && (!s->st.have || disk.seq >= s->st.seq)) {
        hc_bundle_state_clear(&s->st);
        s->st = disk;
    } else {
        hc_bundle_state_clear(&disk);
    }
    return HC_OK;
}

/* ------------------------------------------------------------- applying */

/* Finds the root that signed v (its Sig_structure tbs, tl bytes) among
 * the pinned ones and those the state accepted: *signer is borrowed. */
static hc_err check_root(const hc_bundle_store *s, const bundle_state *st,
                         const hc_bundle_view *v, const uint8_t *tbs, size_t tl,
                         const hc_key **signer, hc_diag *diag)
{
    const hc_key *cand[HC_BUNDLE_ROOTS_MAX + EXTRA_MAX];
    size_t nc = 0;
    for (size_t i = 0; i < s->n_pinned; i++)
        cand[nc++] = s->pinned[i];
    for (size_t i = 0; i < st->n_roots; i++)
        cand[nc++] = st->roots[i];
    bool kid_known = false, tried = false;
    hc_err err = HC_E_BUNDLE_ROOT;
    for (size_t i = 0; i < nc; i++) {
        if (memcmp(cand[i]->kid, v->cose.kid, HC_KID_LEN) != 0)
            continue;
        kid_known = true;
        if ((int64_t)cand[i]->alg != v->cose.alg)
            continue;
        tried = true;
        err = hc_crypto_verify(cand[i], tbs, tl, v->cose.signature);
        if (err == HC_OK) {
            *signer = cand[i];
            return HC_OK;
        }
        if (err == HC_E_SIGNATURE)
            err = HC_E_BUNDLE_SIGNATURE;
        else
            return err;
    }
    if (!tried)
        return hc_diag_set(diag, HC_E_BUNDLE_ROOT, "kid",
                           kid_known ? "the root key with this kid has another algorithm"
                                     : "no trusted root key has the bundle's kid");
    return hc_diag_set(diag, err, "", "the bundle's signature does not verify");
}

/* Rollback and base, against the state st and the trust h; sets *reload
 * when v is the very bundle the state records (a restart): the same seq and
 * id (hash: v's id, or its whole file's hash for a legacy state). */
static hc_err check_order(const bundle_state *st, const held_trust *h, const hc_bundle_view *v,
                          const uint8_t hash[32], bool *reload, hc_diag *diag)
{
    const hc_bundle_info *in = &v->info;
    *reload = false;
    if (st->have && in->seq <= st->seq) {
        if (!in->delta && in->seq == st->full_seq && memcmp(hash, st->full_hash, 32) == 0)
            *reload = true;
        else if (in->delta && in->seq == st->seq && memcmp(hash, st->hash, 32) == 0)
            *reload = true;
        else
            return hc_diag_set(diag, HC_E_BUNDLE_ROLLBACK, "seq",
                               "seq %llu: the checkpoint has accepted seq %llu",
                               (unsigned long long)in->seq, (unsigned long long)st->seq);
    }
    if (in->delta && (!h->held || h->delta_applied || h->full_seq != in->base_seq ||
                      strcmp(h->publisher, in->publisher) != 0))
        return hc_diag_set(diag, HC_E_BUNDLE_BASE, "base_seq",
                           "the delta applies to %s's full bundle seq %llu; the checkpoint holds %s",
                           in->publisher, (unsigned long long)in->base_seq,
                           !h->held ? "none" : h->delta_applied ? "a delta already" : "another");
    return HC_OK;
}

/* The new trust and revocations, built aside (a delta on a clone of rev). */
static hc_err build(const hc_revocations *rev, const hc_bundle_view *v, hc_trust **t,
                    hc_revocations **r)
{
    hc_err err = hc_trust_new(t);
    for (size_t i = 0; err == HC_OK && i < v->info.n_keys; i++) {
        const hc_bundle_key_info *k = &v->keys[i];
        hc_trust_key_opts o = {k->iss, k->not_before, k->not_after};
        err = hc_trust_add_key(*t, k->pub, &o);
    }
    if (err == HC_OK)
        err = v->info.delta ? hc_revocations_clone(rev, r) : hc_revocations_new(r);
    if (err == HC_OK)
        err = hc_revocations_apply_raw(*r, v->cti, v->info.n_cti, v->sub, v->info.n_sub, false);
    if (err == HC_OK && v->info.delta)
        err = hc_revocations_apply_raw(*r, v->cti_rm, v->info.n_cti_removed, v->sub_rm,
                                       v->info.n_sub_removed, true);
    if (err == HC_E_REVOCATION_LIST)
        err = HC_E_BUNDLE;
    return err;
}

static bool has_kid(hc_key *const *keys, size_t n, const hc_key *k)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(keys[i]->kid, k->kid, HC_KID_LEN) == 0 && keys[i]->alg == k->alg)
            return true;
    return false;
}

/* The state after v. A reload (the very bundle the state records) changes
 * nothing: the roots stay those of the last bundle accepted, which may be a
 * delta that withdrew the reloaded full bundle's next roots. Otherwise the
 * accepted roots become exactly v's next roots and its signer if it is not
 * pinned (so a rotated-to root keeps working once the old one is unpinned). */
static hc_err next_state(const hc_bundle_store *s, const bundle_state *st, const held_trust *h,
                         const hc_bundle_view *v, const hc_key *signer, bool reload,
                         bundle_state *ns)
{
    if (reload)
        return hc_bundle_state_copy(ns, st);
    memset(ns, 0, sizeof *ns);
    const hc_key *add[EXTRA_MAX];
    size_t na = 0;
    ns->have = true;
    ns->seq = v->info.seq;
    memcpy(ns->hash, v->info.id, 32);
    /* a delta's base is the full bundle held (check_order): its id */
    ns->full_seq = v->info.delta ? h->full_seq : v->info.seq;
    memcpy(ns->full_hash, v->info.delta ? h->full_id : v->info.id, 32);
    if (!has_kid(s->pinned, s->n_pinned, signer))
        add[na++] = signer;
    for (size_t i = 0; i < v->info.n_next_roots; i++)
        add[na++] = v->next_roots[i];
    for (size_t i = 0; i < na; i++) {
        if (has_kid(ns->roots, ns->n_roots, add[i]))
            continue;
        hc_err err = hc_key_ref(add[i], &ns->roots[ns->n_roots]);
        if (err != HC_OK) {
            hc_bundle_state_clear(ns);
            return err;
        }
        ns->n_roots++;
    }
    return HC_OK;
}

/* Releases what w holds that the store does not (built during this apply). */
static void held_release(const hc_bundle_store *s, held_trust *w)
{
    if (w->trust != s->h.trust)
        hc_trust_free(w->trust);
    if (w->rev != s->h.rev)
        hc_revocations_free(w->rev);
    if (w->venues != s->h.venues)
        venues_free(w->venues);
    w->trust = NULL;
    w->rev = NULL;
    w->venues = NULL;
}

/* Checks v (its Sig_structure tbs, tl bytes; hash: what the state's
 * hashes are compared with) against the working state *st and trust *w
 * and, if it passes, replaces them with what v gives. */
static hc_err apply_one(const hc_bundle_store *s, bundle_state *st, held_trust *w,
                        const hc_bundle_view *v, const uint8_t *tbs, size_t tl,
                        const uint8_t hash[32], int64_t now, unsigned flags, hc_diag *diag)
{
    const hc_key *signer = NULL;
    bool reload = false;
    hc_err err = check_root(s, st, v, tbs, tl, &signer, diag);
    if (err != HC_OK || (err = check_order(st, w, v, hash, &reload, diag)) != HC_OK)
        return err;
    bool stale = now >= v->info.exp;
    if (stale && !(flags & HC_BUNDLE_ACCEPT_STALE)) {
        char at[HC_TIME_TEXT_MAX];
        if (hc_time_format(v->info.exp, 0, at, sizeof at) != HC_OK)
            snprintf(at, sizeof at, "%lld", (long long)v->info.exp);
        return hc_diag_set(diag, HC_E_BUNDLE_EXPIRED, "exp", "the bundle expired at %s", at);
    }
    hc_trust *t = NULL;
    hc_revocations *r = NULL;
    venue_set *vs = NULL;
    bundle_state ns;
    memset(&ns, 0, sizeof ns);
    if ((err = build(w->rev, v, &t, &r)) != HC_OK || (err = venues_of(v, &vs)) != HC_OK ||
        (err = next_state(s, st, w, v, signer, reload, &ns)) != HC_OK) {
        hc_trust_free(t);
        hc_revocations_free(r);
        venues_free(vs);
        return err;
    }
    held_release(s, w);
    w->trust = t;
    w->rev = r;
    w->venues = vs;
    w->held = true;
    w->seq = v->info.seq;
    if (!v->info.delta) {
        w->full_seq = v->info.seq;
        memcpy(w->full_id, v->info.id, 32);
    }
    w->delta_applied = v->info.delta;
    w->stale = stale;
    memcpy(w->publisher, v->info.publisher, sizeof w->publisher);
    hc_bundle_state_clear(st);
    *st = ns;
    return HC_OK;
}

/* Parses bundle i and applies it to the working copy. */
static hc_err apply_bytes(const hc_bundle_store *s, bundle_state *st, held_trust *w,
                          const hc_bundle_bytes *b, int64_t now, unsigned flags,
                          hc_bundle_info *info, hc_diag *diag)
{
    hc_bundle_view v;
    hc_err err = hc_bundle_parse(b->buf, b->len, &v, diag);
    if (err != HC_OK)
        return err;
    uint8_t *tbs = NULL, file_hash[32];
    size_t tl = 0;
    if ((err = hc_bundle_signed(&v, &tbs, &tl)) == HC_OK &&
        (!st->legacy || (err = hc_crypto_sha256(b->buf, b->len, file_hash)) == HC_OK))
        err = apply_one(s, st, w, &v, tbs, tl, st->legacy ? file_hash : v.info.id, now, flags,
                        diag);
    if (info)
        *info = v.info;
    free(tbs);
    hc_bundle_view_clear(&v);
    return err;
}

hc_err hc_bundle_store_apply_set(hc_bundle_store *s, const hc_bundle_bytes *bundles, size_t n,
                                 int64_t now, unsigned flags, hc_bundle_info *info,
                                 size_t *failed, hc_diag *diag)
{
    if (failed)
        *failed = n;   /* the set as a whole, until a bundle is refused */
    if (!s || (!bundles && n))
        return HC_E_ARG;
    for (size_t i = 0; i < n; i++)
        if (!bundles[i].buf && bundles[i].len)
            return HC_E_ARG;
    /* the lock is held from reading the state to renaming the new one, so
     * two processes sharing it apply one after the other, each against
     * what the other accepted */
    int lock = -1;
    hc_err err = HC_OK;
    if (s->state_path && ((err = hc_bundle_state_lock(s->lock_path, &lock, diag)) != HC_OK ||
                          (err = state_refresh(s, diag)) != HC_OK)) {
        hc_bundle_state_unlock(lock);
        return err;
    }
    if (s->n_pinned == 0 && s->st.n_roots == 0) {
        hc_bundle_state_unlock(lock);
        return hc_diag_set(diag, HC_E_BUNDLE_ROOT, "", "no root key is pinned");
    }
    bundle_state st;
    held_trust w = s->h;
    if ((err = hc_bundle_state_copy(&st, &s->st)) != HC_OK) {
        hc_bundle_state_unlock(lock);
        return err;
    }
    size_t i = 0;
    for (; err == HC_OK && i < n; i++)
        err = apply_bytes(s, &st, &w, &bundles[i], now, flags, info ? &info[i] : NULL, diag);
    if (failed)
        *failed = err == HC_OK ? n : i - 1;
    if (err == HC_OK && (flags & HC_BUNDLE_COMPLETE) && behind(&st, &w))
        err = behind_error(&st, &w, diag);
    if (err == HC_OK && s->state_path)
        err = hc_bundle_state_write(s->state_path, &st, &s->st);
    hc_bundle_state_unlock(lock);
    if (err != HC_OK) {
        held_release(s, &w);
        hc_bundle_state_clear(&st);
        return err;
    }
    /* commit */
    if (s->h.trust != w.trust)
        hc_trust_free(s->h.trust);
    if (s->h.rev != w.rev)
        hc_revocations_free(s->h.rev);
    if (s->h.venues != w.venues)
        venues_free(s->h.venues);
    s->h = w;
    hc_bundle_state_clear(&s->st);
    s->st = st;
    return HC_OK;
}

hc_err hc_bundle_store_apply(hc_bundle_store *s, const uint8_t *buf, size_t len, int64_t now,
                             unsigned flags, hc_bundle_info *info, hc_diag *diag)
{
    hc_bundle_bytes b = {buf, len};
    return hc_bundle_store_apply_set(s, &b, 1, now, flags, info, NULL, diag);
}

hc_err hc_bundle_store_apply_files(hc_bundle_store *s, const char *const *paths, size_t n,
                                   int64_t now, unsigned flags, hc_bundle_info *info,
                                   size_t *failed, hc_diag *diag)
{
    if (failed)
        *failed = 0;
    if (!s || (!paths && n) || n > HC_BUNDLE_SET_MAX)
        return HC_E_ARG;
    hc_bundle_bytes b[HC_BUNDLE_SET_MAX];
    char *data[HC_BUNDLE_SET_MAX] = {NULL};
    hc_err err = HC_OK;
    size_t i = 0;
    for (; i < n; i++) {
        if (!paths[i]) {
            err = HC_E_ARG;
            break;
        }
        size_t len = 0;
        if ((err = hc_read_file(paths[i], HC_BUNDLE_FILE_MAX, &data[i], &len)) != HC_OK) {
            err = hc_diag_set(diag, err, "", "%s: cannot read", paths[i]);
            break;
        }
        b[i] = (hc_bundle_bytes){(const uint8_t *)data[i], len};
    }
    if (err == HC_OK)
        err = hc_bundle_store_apply_set(s, b, n, now, flags, info, failed, diag);
    else if (failed)
        *failed = i;
    for (size_t j = 0; j < n; j++)
        free(data[j]);
    return err;
}

hc_err hc_bundle_store_apply_file(hc_bundle_store *s, const char *path, int64_t now,
                                  unsigned flags, hc_bundle_info *info, hc_diag *diag)
{
    if (!s || !path)
        return HC_E_ARG;
    return hc_bundle_store_apply_files(s, &path, 1, now, flags, info, NULL, diag);
}

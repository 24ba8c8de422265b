/* trust.c — the trust store: public keys indexed by kid, each with the issuer
 * and validity window it is trusted for.
 *
 * A sorted array (by kid; insertion order within one kid) rather than a hash
 * table: a checkpoint holds tens of keys, a lookup is a binary search that
 * allocates nothing, and a store is read-only once loaded, so any number of
 * threads may look up at once. */
#include "trust_impl.h"
#include "internal.h"
#include "trustlist_impl.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

/* A PEM key file is small; this bounds what one file may make us read. */
#define TRUST_PEM_MAX (64u * 1024u)
/* A directory of keys: far above any real deployment, bounds the work. */
#define TRUST_DIR_MAX 4096u

struct hc_trust {
    hc_trusted_key *keys; /* sorted by kid, stable */
    size_t n, cap;
};

hc_err hc_trust_new(hc_trust **out)
{
    if (!out)
        return HC_E_ARG;
    *out = calloc(1, sizeof **out);
    return *out ? HC_OK : HC_E_NOMEM;
}

size_t hc_trust_count(const hc_trust *t)
{
    return t ? t->n : 0;
}

void hc_trust_free(hc_trust *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        hc_key_free(t->keys[i].key);
    free(t->keys);
    free(t);
}

/* First index whose kid is > kid (upper) or >= kid (lower). */
static size_t bound(const hc_trust *t, const uint8_t kid[HC_KID_LEN], bool upper)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(t->keys[mid].key->kid, kid, HC_KID_LEN);
        if (c < 0 || (upper && c == 0))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const hc_trusted_key *hc_trust_lookup(const hc_trust *t, const uint8_t kid[HC_KID_LEN],
                                      size_t *count)
{
    size_t n = 0;
    const hc_trusted_key *first = NULL;
    if (t && kid && t->n > 0) {
        size_t lo = bound(t, kid, false);
        size_t hi = bound(t, kid, true);
        if (hi > lo) {
            first = &t->keys[lo];
            n = hi - lo;
        }
    }
    if (count)
        *count = n;
    return first;
}

const hc_trusted_key *hc_trust_at(const hc_trust *t, size_t i)
{
    return t && i < t->n ? &t->keys[i] : NULL;
}

hc_err hc_trust_add_key(hc_trust *t, const hc_key *key, const hc_trust_key_opts *opts)
{
    if (!t || !key)
        return HC_E_ARG;
    static const hc_trust_key_opts none = HC_TRUST_KEY_OPTS_DEFAULT;
    if (!opts)
        opts = &none;
    const char *iss = opts->iss ? opts->iss : "";
    /* an empty window is a mistake, never "no window": 0 is 1970, not "none" */
    if (strlen(iss) > HC_ISS_MAX || opts->not_before >= opts->not_after)
        return HC_E_ARG;
    if (t->n == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 8;
        hc_trusted_key *nk = realloc(t->keys, ncap * sizeof *nk);
        if (!nk)
            return HC_E_NOMEM;
        t->keys = nk;
        t->cap = ncap;
    }
    hc_key *pub = NULL;
    hc_err err = hc_key_public_copy(key, &pub);
    if (err != HC_OK)
        return err;
    /* after every key with the same kid: keys sharing a kid are tried in the
     * order they were added */
    size_t at = bound(t, pub->kid, true);
    memmove(&t->keys[at + 1], &t->keys[at], (t->n - at) * sizeof t->keys[0]);
    hc_trusted_key *tk = &t->keys[at];
    memset(tk, 0, sizeof *tk);
    tk->key = pub;
    hc_strlcpy(tk->iss, iss, sizeof tk->iss);
    tk->not_before = opts->not_before;
    tk->not_after = opts->not_after;
    t->n++;
    return HC_OK;
}

hc_err hc_trust_add_pem(hc_trust *t, const char *pem, size_t len, const hc_trust_key_opts *opts)
{
    if (!t || !pem)
        return HC_E_ARG;
    if (opts && ((opts->iss && strlen(opts->iss) > HC_ISS_MAX) ||
                 opts->not_before >= opts->not_after))
        return HC_E_ARG;
    hc_key *k = NULL;
    hc_err err = hc_key_load_pem(pem, len, &k);
    if (err != HC_OK)
        return err;
    err = hc_trust_add_key(t, k, opts);
    hc_key_free(k);
    return err;
}

/* ------------------------------------------------------------------ paths */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Loads one PEM key file (the public half of whatever key it holds). */
static hc_err load_pem_file(const char *path, hc_key **out, hc_diag *diag)
{
    char *text = NULL;
    size_t len = 0;
    hc_err err = hc_read_file(path, TRUST_PEM_MAX, &text, &len);
    if (err == HC_E_LIMIT)
        return hc_diag_set(diag, err, path, "%s: larger than %u bytes, not a key file", path,
                           TRUST_PEM_MAX);
    if (err != HC_OK)
        return hc_diag_set(diag, err, path, "%s: cannot read", path);
    err = hc_key_load_pem(text, len, out);
    /* the file may hold a private key: leave no copy in freed memory */
    OPENSSL_cleanse(text, len);
    free(text);
    if (err == HC_E_KEY)
        return hc_diag_set(diag, err, path,
                           "%s: not a PEM P-256 or Ed25519 key (or encrypted, or truncated)",
                           path);
    if (err != HC_OK)
        return hc_diag_set(diag, err, path, "%s: cannot load the key", path);
    /* a private key file is refused when others may read it, here as in
     * hc_key_load_file: a trust store that is handed one says so */
    struct stat st;
    if (hc_key_is_private(*out) && stat(path, &st) == 0 && (st.st_mode & 077)) {
        hc_key_free(*out);
        *out = NULL;
        return hc_diag_set(diag, HC_E_KEY_PERMS, path,
                           "%s: holds a private key readable by group or others (fix: chmod 600 "
                           "%s; a trust store needs only the public key)", path, path);
    }
    return HC_OK;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.pem regular files of dir, sorted by name (each a malloc'd full path). */
static hc_err list_pem_files(const char *dir, char ***names, size_t *count, hc_diag *diag)
{
    DIR *d = opendir(dir);
    if (!d)
        return hc_diag_set(diag, HC_E_IO, dir, "%s: cannot open the directory", dir);
    char **v = NULL;
    size_t n = 0, cap = 0;
    hc_err err = HC_OK;
    size_t dlen = strlen(dir);
    struct dirent *e;
    while (err == HC_OK && (e = readdir(d)) != NULL) {
        if (!ends_with(e->d_name, ".pem") || e->d_name[0] == '.')
            continue;
        if (n == TRUST_DIR_MAX) {
            err = hc_diag_set(diag, HC_E_LIMIT, dir, "%s: more than %u key files", dir,
                              TRUST_DIR_MAX);
            break;
        }
        size_t flen = dlen + 1 + strlen(e->d_name) + 1;
        char *full = malloc(flen);
        if (!full) {
            err = HC_E_NOMEM;
            break;
        }
        snprintf(full, flen, "%s%s%s", dir, dlen && dir[dlen - 1] == '/' ? "" : "/", e->d_name);
        /* follows symlinks on purpose: a key may be linked into the directory */
        struct stat st;
        if (stat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(full);
            continue;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **nv = realloc(v, ncap * sizeof *nv);
            if (!nv) {
                free(full);
                err = HC_E_NOMEM;
                break;
            }
            v = nv;
            cap = ncap;
        }
        v[n++] = full;
    }
    closedir(d);
    if (err == HC_OK && n == 0)
        err = hc_diag_set(diag, HC_E_IO, dir, "%s: the directory holds no .pem key file", dir);
    if (err != HC_OK) {
        for (size_t i = 0; i < n; i++)
            free(v[i]);
        free(v);
        return err;
    }
    qsort(v, n, sizeof *v, cmp_names); /* a deterministic order of insertion */
    *names = v;
    *count = n;
    return HC_OK;
}

/* Every *.pem of dir: all keys are read first, so one bad file adds nothing. */
static hc_err add_dir(hc_trust *t, const char *dir, hc_diag *diag)
{
    char **names = NULL;
    size_t n = 0;
    hc_err err = list_pem_files(dir, &names, &n, diag);
    if (err != HC_OK)
        return err;
    hc_key **keys = calloc(n, sizeof *keys);
    if (!keys)
        err = HC_E_NOMEM;
    for (size_t i = 0; i < n && err == HC_OK; i++)
        err = load_pem_file(names[i], &keys[i], diag);
    for (size_t i = 0; i < n && err == HC_OK; i++)
        err = hc_trust_add_key(t, keys[i], NULL);
    for (size_t i = 0; i < n; i++) {
        if (keys)
            hc_key_free(keys[i]);
        free(names[i]);
    }
    free(keys);
    free(names);
    return err;
}

/* Adds trust-list entries, every one already checked by the parser: only
 * HC_E_NOMEM can stop it half-way (as before this split). */
static hc_err add_entries(hc_trust *t, const hc_trustlist_entry *e, size_t n)
{
    hc_err err = HC_OK;
    for (size_t i = 0; i < n && err == HC_OK; i++) {
        hc_trust_key_opts opts = {e[i].iss, e[i].not_before, e[i].not_after};
        err = hc_trust_add_key(t, e[i].key, &opts);
    }
    return err;
}

hc_err hc_trust_add_list_json(hc_trust *t, const char *json, size_t len, hc_diag *diag)
{
    if (!t || (!json && len))
        return HC_E_ARG;
    hc_trustlist_entry *e = NULL;
    size_t n = 0;
    hc_err err = hc_trustlist_parse(json, len, "trust list", &e, &n, diag);
    if (err == HC_OK)
        err = add_entries(t, e, n);
    hc_trustlist_free(e, n);
    return err;
}

static hc_err add_list_file(hc_trust *t, const char *path, hc_diag *diag)
{
    char *text = NULL;
    size_t len = 0;
    hc_err err = hc_read_file(path, HC_TRUST_LIST_MAX, &text, &len);
    if (err == HC_E_LIMIT)
        return hc_diag_set(diag, err, "", "%s: over %d bytes", path, HC_TRUST_LIST_MAX);
    if (err != HC_OK)
        return hc_diag_set(diag, err, "", "%s: cannot read", path);
    hc_trustlist_entry *e = NULL;
    size_t n = 0;
    err = hc_trustlist_parse(text, len, path, &e, &n, diag);
    free(text);
    if (err == HC_OK)
        err = add_entries(t, e, n);
    hc_trustlist_free(e, n);
    return err;
}

hc_err hc_trust_add_path(hc_trust *t, const char *path, hc_diag *diag)
{
    if (!t || !path)
        return HC_E_ARG;
    struct stat st;
    if (stat(path, &st) != 0)
        return hc_diag_set(diag, HC_E_IO, path, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return add_dir(t, path, diag);
    if (!S_ISREG(st.st_mode))
        return hc_diag_set(diag, HC_E_IO, path, "%s: not a file or directory", path);
    if (ends_with(path, ".json"))
        return add_list_file(t, path, diag);
    hc_key *k = NULL;
    hc_err err = load_pem_file(path, &k, diag);
    if (err != HC_OK)
        return err;
    err = hc_trust_add_key(t, k, NULL);
    hc_key_free(k);
    return err;
}

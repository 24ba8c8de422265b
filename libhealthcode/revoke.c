/*
 * revoke.c — the revocation list: revoked token ids (cti, 8 bytes) and
 * revoked subject pseudonyms (sub, 16 bytes).
 *
 * Both are kept as sorted arrays without duplicates, so a lookup is a binary
 * search (O(log n), no allocation) and a cti costs exactly 8 bytes. A cti is
 * held as the big-endian uint64 of its bytes, so numeric order is the byte
 * order of the binary file and the file can be read straight into the array.
 *
 * Text form: one hex id a line (16 digits cti, 32 digits sub); '#' starts a
 * comment; a leading '-' removes the id instead (a daily delta), '+' adds.
 * Binary form: see "Binary revocation file" in healthcode/verify.h.
 */
#include "internal.h"
#include "revoke_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A sub as two host-order halves, compared hi then lo (= byte order). */
typedef struct {
    uint64_t hi, lo;
} sub128;

struct hc_revocations {
    uint64_t *cti;
    size_t ncti;
    sub128 *sub;
    size_t nsub;
};

/* Bounds on what a list may hold: far above any real list (a province issues
 * tens of millions of codes a day), low enough that sizes never overflow. */
#define REV_MAX_CTI ((uint64_t)1 << 31)
#define REV_MAX_SUB ((uint64_t)1 << 30)
#define REV_TEXT_MAX ((size_t)1 << 30)

static const uint8_t rev_magic[8] = {'H', 'C', 'R', 'V', '1', 0, 0, 0};
#define REV_HEADER_LEN 24

/* ------------------------------------------------------------- byte order */


static sub128 load_sub(const uint8_t *p)
{
    sub128 s = {hc_get_be(p, 8), hc_get_be(p + 8, 8)};
    return s;
}

static int sub_cmp(sub128 a, sub128 b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo)
        return a.lo < b.lo ? -1 : 1;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_sub(const void *a, const void *b)
{
    return sub_cmp(*(const sub128 *)a, *(const sub128 *)b);
}

/* ------------------------------------------------------------ set algebra */

/* One implementation for both id kinds, in the style of qsort: arrays of n
 * elements of `size` bytes (8 for a cti, 16 for a sub), ordered by cmp. */
typedef int (*set_cmp)(const void *, const void *);

#define AT(base, i, size) ((unsigned char *)(base) + (i) * (size))

/* Sorts v and drops duplicates; returns the new count. */
static size_t sort_unique(void *v, size_t n, size_t size, set_cmp cmp)
{
    if (n < 2)
        return n;
    qsort(v, n, size, cmp);
    size_t w = 1;
    for (size_t i = 1; i < n; i++)
        if (cmp(AT(v, i, size), AT(v, w - 1, size)) != 0)
            memcpy(AT(v, w++, size), AT(v, i, size), size);
    return w;
}

/* *a (sorted, unique) becomes *a ∪ b (sorted, unique): *a is freed and
 * replaced. On HC_E_NOMEM *a is unchanged. The result is allocated to its
 * exact size: 8 bytes a cti. */
static hc_err set_union(void **a, size_t *na, const void *b, size_t nb, size_t size, set_cmp cmp)
{
    if (nb == 0)
        return HC_OK;
    unsigned char *out = malloc((*na + nb) * size);
    if (!out)
        return HC_E_NOMEM;
    size_t i = 0, j = 0, w = 0;
    while (i < *na && j < nb) {
        int c = cmp(AT(*a, i, size), AT(b, j, size));
        if (c <= 0)
            memcpy(AT(out, w++, size), AT(*a, i++, size), size);
        else
            memcpy(AT(out, w++, size), AT(b, j++, size), size);
        if (c == 0)
            j++;
    }
    if (i < *na) {   /* the rest of one side (never a NULL *a with nothing in it) */
        memcpy(AT(out, w, size), AT(*a, i, size), (*na - i) * size);
        w += *na - i;
    }
    if (j < nb) {
        memcpy(AT(out, w, size), AT(b, j, size), (nb - j) * size);
        w += nb - j;
    }
    if (w < *na + nb) {
        unsigned char *shrunk = realloc(out, w * size);
        if (shrunk)
            out = shrunk;
    }
    free(*a);
    *a = out;
    *na = w;
    return HC_OK;
}

/* a \ b in place (both sorted, unique); returns the new count. Never allocates. */
static size_t set_minus(void *a, size_t na, const void *b, size_t nb, size_t size, set_cmp cmp)
{
    size_t i = 0, j = 0, w = 0;
    while (i < na) {
        while (j < nb && cmp(AT(b, j, size), AT(a, i, size)) < 0)
            j++;
        if (j < nb && cmp(AT(b, j, size), AT(a, i, size)) == 0)
            i++;
        else
            memmove(AT(a, w++, size), AT(a, i++, size), size);
    }
    return w;
}

/* Whether key is in a (n elements, sorted, unique): a binary search. static
 * inline with cmp a constant at each call, so that the compiler inlines the
 * comparison into the lookups (hc_revocations_has_*, the hot path). */
static inline bool set_has(const void *a, size_t n, size_t size, const void *key, set_cmp cmp)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp(AT(a, mid, size), key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && cmp(AT(a, lo, size), key) == 0;
}

/* r (empty) takes cti and sub (sorted, unique) as its lists, freeing its own. */
static void adopt(hc_revocations *r, uint64_t *cti, size_t nc, sub128 *sub, size_t ns)
{
    free(r->cti);
    free(r->sub);
    r->cti = cti;
    r->ncti = nc;
    r->sub = sub;
    r->nsub = ns;
}

/* r's ctis ∪= cti and subs ∪= sub. HC_E_NOMEM between the two steps leaves
 * the ctis merged. */
static hc_err union_ids(hc_revocations *r, const uint64_t *cti, size_t nc, const sub128 *sub,
                        size_t ns)
{
    void *p = r->cti;
    hc_err err = set_union(&p, &r->ncti, cti, nc, sizeof *cti, cmp_u64);
    r->cti = p;
    if (err != HC_OK)
        return err;
    p = r->sub;
    err = set_union(&p, &r->nsub, sub, ns, sizeof *sub, cmp_sub);
    r->sub = p;
    return err;
}

/* ------------------------------------------------------------- text parse */

/* The ids of one text, split into what it adds and what it removes. */
typedef struct {
    uint64_t *cti[2];  /* [0] add, [1] remove */
    size_t ncti[2], capcti[2];
    sub128 *sub[2];
    size_t nsub[2], capsub[2];
} delta;

static void delta_free(delta *d)
{
    for (int k = 0; k < 2; k++) {
        free(d->cti[k]);
        free(d->sub[k]);
    }
}

/* Appends the element v (size bytes) to arr, growing it by doubling; returns
 * the array (moved or not), NULL on HC_E_NOMEM with arr still valid. */
static void *push(void *arr, size_t *n, size_t *cap, size_t size, const void *v)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        void *p = realloc(arr, nc * size);
        if (!p)
            return NULL;
        arr = p;
        *cap = nc;
    }
    memcpy(AT(arr, (*n)++, size), v, size);
    return arr;
}

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* HC_E_REVOCATION_LIST for line `line`: "line N: " then the message. */
static hc_err line_error(hc_diag *diag, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static hc_err line_error(hc_diag *diag, long line, const char *fmt, ...)
{
    char what[HC_DIAG_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    hc_err err = hc_diag_set(diag, HC_E_REVOCATION_LIST, "", "line %ld: %s", line, what);
    if (diag)
        diag->line = line;
    return err;
}

/* Parses text into d. force_remove: every line removes (a leading '-' is
 * then allowed but not needed, and '+' is an error). */
static hc_err parse_text(const char *text, size_t len, bool force_remove, delta *d, hc_diag *diag)
{
    size_t pos = 0;
    long line = 0;
    while (pos < len) {
        line++;
        /* memchr: a hostile line of a gigabyte is crossed at memory speed */
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t s = pos, e = end;
        pos = end + 1;
        while (s < e && is_blank(text[s]))
            s++;
        /* a comment runs to the end of the line, after an id or alone */
        const char *hash = memchr(text + s, '#', e - s);
        if (hash)
            e = (size_t)(hash - text);
        while (e > s && is_blank(text[e - 1]))
            e--;
        if (s == e)
            continue;
        int k = force_remove ? 1 : 0;
        if (text[s] == '-' || text[s] == '+') {
            if (text[s] == '+' && force_remove)
                return line_error(diag, line, "'+' in a list of ids to remove: %.*s",
                                  (int)(e - s > 40 ? 40 : e - s), text + s);
            k = text[s] == '-';
            s++;
        }
        size_t n = e - s;
        uint8_t bytes[16];
        bool ok = (n == 16 || n == 32) && hc_hex_decode(text + s, n, bytes, n / 2);
        if (!ok) {
            size_t show = n > 40 ? 40 : n;
            return line_error(diag, line,
                              "expected 16 hex digits (a cti) or 32 (a sub), found \"%.*s\"",
                              (int)show, text + s);
        }
        uint64_t cti = hc_get_be(bytes, 8);
        sub128 sub = load_sub(bytes);
        void *grown = n == 16 ? push(d->cti[k], &d->ncti[k], &d->capcti[k], sizeof cti, &cti)
                              : push(d->sub[k], &d->nsub[k], &d->capsub[k], sizeof sub, &sub);
        hc_err err = grown ? HC_OK : HC_E_NOMEM;
        if (grown && n == 16)
            d->cti[k] = grown;
        else if (grown)
            d->sub[k] = grown;
        if (err != HC_OK)
            return err;
        if ((uint64_t)d->ncti[k] > REV_MAX_CTI || (uint64_t)d->nsub[k] > REV_MAX_SUB)
            return line_error(diag, line, "too many entries");
    }
    return HC_OK;
}

/* Applies d to r: additions first, then removals (an id both added and
 * removed by one delta ends up not revoked). On error r is unchanged, except
 * that HC_E_NOMEM between the cti and the sub step leaves the ctis applied. */
static hc_err apply_delta(hc_revocations *r, delta *d)
{
    for (int k = 0; k < 2; k++) {
        d->ncti[k] = sort_unique(d->cti[k], d->ncti[k], sizeof(uint64_t), cmp_u64);
        d->nsub[k] = sort_unique(d->sub[k], d->nsub[k], sizeof(sub128), cmp_sub);
    }
    if ((uint64_t)r->ncti + d->ncti[0] > REV_MAX_CTI || (uint64_t)r->nsub + d->nsub[0] > REV_MAX_SUB)
        return HC_E_LIMIT;
    hc_err err = union_ids(r, d->cti[0], d->ncti[0], d->sub[0], d->nsub[0]);
    if (err != HC_OK)
        return err;
    r->ncti = set_minus(r->cti, r->ncti, d->cti[1], d->ncti[1], sizeof(uint64_t), cmp_u64);
    r->nsub = set_minus(r->sub, r->nsub, d->sub[1], d->nsub[1], sizeof(sub128), cmp_sub);
    return HC_OK;
}

static hc_err apply_text(hc_revocations *r, const char *text, size_t len, bool force_remove,
                         hc_diag *diag)
{
    if (!r || (!text && len))
        return HC_E_ARG;
    if (len > REV_TEXT_MAX)
        return hc_diag_set(diag, HC_E_LIMIT, "", "revocation text over %zu bytes", REV_TEXT_MAX);
    delta d;
    memset(&d, 0, sizeof d);
    hc_err err = parse_text(text, len, force_remove, &d, diag);
    if (err == HC_OK)
        err = apply_delta(r, &d);
    delta_free(&d);
    return err;
}

/* ------------------------------------------------------------- public API */

hc_err hc_revocations_new(hc_revocations **out)
{
    if (!out)
        return HC_E_ARG;
    *out = calloc(1, sizeof **out);
    return *out ? HC_OK : HC_E_NOMEM;
}

hc_err hc_revocations_add_text(hc_revocations *r, const char *text, size_t len, hc_diag *diag)
{
    return apply_text(r, text, len, false, diag);
}

hc_err hc_revocations_remove_text(hc_revocations *r, const char *text, size_t len, hc_diag *diag)
{
    return apply_text(r, text, len, true, diag);
}

/* Reads the binary form from f (positioned after the magic) into fresh
 * arrays, checking the size against the counts and the strict order. */
static hc_err load_binary(hc_revocations *r, FILE *f, uint64_t file_size, const char *path,
                          hc_diag *diag)
{
    uint8_t hdr[16];
    if (fread(hdr, 1, sizeof hdr, f) != sizeof hdr)
        return hc_diag_set(diag, HC_E_REVOCATION_LIST, "", "%s: truncated header", path);
    uint64_t nc = hc_get_be(hdr, 8), ns = hc_get_be(hdr + 8, 8);
    if (nc > REV_MAX_CTI || ns > REV_MAX_SUB)
        return hc_diag_set(diag, HC_E_REVOCATION_LIST, "", "%s: counts out of range", path);
    if (file_size != REV_HEADER_LEN + nc * 8 + ns * 16)
        return hc_diag_set(diag, HC_E_REVOCATION_LIST, "",
                           "%s: %llu bytes, the header's counts (%llu cti, %llu sub) need %llu",
                           path, (unsigned long long)file_size, (unsigned long long)nc,
                           (unsigned long long)ns,
                           (unsigned long long)(REV_HEADER_LEN + nc * 8 + ns * 16));
    uint64_t *cti = nc ? malloc(nc * 8) : NULL;
    sub128 *sub = ns ? malloc(ns * 16) : NULL;
    hc_err err = HC_OK;
    if ((nc && !cti) || (ns && !sub)) {
        err = HC_E_NOMEM;
        goto fail;
    }
    if ((nc && fread(cti, 8, nc, f) != nc) || (ns && fread(sub, 16, ns, f) != ns)) {
        err = hc_diag_set(diag, HC_E_IO, "", "%s: read failed", path);
        goto fail;
    }
    /* the file holds the raw bytes; the arrays hold host-order integers */
    for (uint64_t i = 0; i < nc; i++) {
        cti[i] = hc_get_be((const uint8_t *)&cti[i], 8);
        if (i && cti[i] <= cti[i - 1]) {
            err = hc_diag_set(diag, HC_E_REVOCATION_LIST, "",
                              "%s: cti entry %llu is not above the one before (the list must be sorted, without duplicates)",
                              path, (unsigned long long)i);
            goto fail;
        }
    }
    for (uint64_t i = 0; i < ns; i++) {
        sub[i] = load_sub((const uint8_t *)&sub[i]);
        if (i && sub_cmp(sub[i], sub[i - 1]) <= 0) {
            err = hc_diag_set(diag, HC_E_REVOCATION_LIST, "",
                              "%s: sub entry %llu is not above the one before (the list must be sorted, without duplicates)",
                              path, (unsigned long long)i);
            goto fail;
        }
    }
    if (r->ncti == 0 && r->nsub == 0) {
        /* the common case: the arrays become the list, no second copy */
        adopt(r, cti, nc, sub, ns);
        return HC_OK;
    }
    if ((uint64_t)r->ncti + nc > REV_MAX_CTI || (uint64_t)r->nsub + ns > REV_MAX_SUB) {
        err = HC_E_LIMIT;
        goto fail;
    }
    err = union_ids(r, cti, nc, sub, ns);
fail:
    free(cti);
    free(sub);
    return err;
}

hc_err hc_revocations_load(hc_revocations *r, const char *path, hc_diag *diag)
{
    if (!r || !path)
        return HC_E_ARG;
    /* one descriptor for the whole load: a regular file only (a FIFO or
     * /dev/zero is refused at once), its size from fstat bounds what is read */
    int fd = -1;
    uint64_t size = 0;
    if (hc_open_regular(path, &fd, &size) != HC_OK)
        return hc_diag_set(diag, HC_E_IO, "", "%s: cannot open (or not a regular file)", path);
    uint8_t magic[8];
    hc_err err;
    if (size >= sizeof magic && pread(fd, magic, sizeof magic, 0) == (ssize_t)sizeof magic &&
        memcmp(magic, rev_magic, sizeof magic) == 0) {
        FILE *f = fdopen(fd, "rb");
        if (!f) {
            close(fd);
            return hc_diag_set(diag, HC_E_IO, "", "%s: cannot open", path);
        }
        if (fseek(f, (long)sizeof magic, SEEK_SET) != 0)
            err = hc_diag_set(diag, HC_E_IO, "", "%s: cannot read", path);
        else
            err = load_binary(r, f, size, path, diag);
        fclose(f);
        return err;
    }
    if (size > REV_TEXT_MAX) {
        close(fd);
        return hc_diag_set(diag, HC_E_LIMIT, "", "%s: a text list over %zu bytes", path, REV_TEXT_MAX);
    }
    char *text = NULL;
    size_t len = 0;
    err = hc_read_fd(fd, REV_TEXT_MAX, size, &text, &len);
    close(fd);
    if (err != HC_OK)
        return hc_diag_set(diag, err, "", "%s: cannot read", path);
    err = hc_revocations_add_text(r, text, len, diag);
    free(text);
    return err;
}

hc_err hc_revocations_save_binary(const hc_revocations *r, const char *path)
{
    if (!r || !path)
        return HC_E_ARG;
    size_t size = REV_HEADER_LEN + r->ncti * 8 + r->nsub * 16;
    uint8_t *buf = malloc(size);
    if (!buf)
        return HC_E_NOMEM;
    memcpy(buf, rev_magic, 8);
    hc_put_be(buf + 8, r->ncti, 8);
    hc_put_be(buf + 16, r->nsub, 8);
    uint8_t *p = buf + REV_HEADER_LEN;
    for (size_t i = 0; i < r->ncti; i++, p += 8)
        hc_put_be(p, r->cti[i], 8);
    for (size_t i = 0; i < r->nsub; i++, p += 16) {
        hc_put_be(p, r->sub[i].hi, 8);
        hc_put_be(p + 8, r->sub[i].lo, 8);
    }
    hc_err err = hc_write_file_atomic(path, buf, size, 0644);
    free(buf);
    return err;
}

bool hc_revocations_has_cti(const hc_revocations *r, const uint8_t cti[8])
{
    if (!r || !cti)
        return false;
    uint64_t key = hc_get_be(cti, 8);
    return set_has(r->cti, r->ncti, sizeof key, &key, cmp_u64);
}

bool hc_revocations_has_sub(const hc_revocations *r, const uint8_t sub[16])
{
    if (!r || !sub)
        return false;
    sub128 key = load_sub(sub);
    return set_has(r->sub, r->nsub, sizeof key, &key, cmp_sub);
}

size_t hc_revocations_count(const hc_revocations *r)
{
    return r ? r->ncti + r->nsub : 0;
}

void hc_revocations_free(hc_revocations *r)
{
    if (!r)
        return;
    free(r->cti);
    free(r->sub);
    free(r);
}

/* ------------------------------------------- raw ids (bundle.c, revoke_impl.h) */

hc_err hc_revocations_clone(const hc_revocations *r, hc_revocations **out)
{
    if (!out)
        return HC_E_ARG;
    hc_revocations *c = calloc(1, sizeof *c);
    if (!c)
        return HC_E_NOMEM;
    if (r && r->ncti) {
        if (!(c->cti = malloc(r->ncti * sizeof *c->cti)))
            goto nomem;
        memcpy(c->cti, r->cti, r->ncti * sizeof *c->cti);
        c->ncti = r->ncti;
    }
    if (r && r->nsub) {
        if (!(c->sub = malloc(r->nsub * sizeof *c->sub)))
            goto nomem;
        memcpy(c->sub, r->sub, r->nsub * sizeof *c->sub);
        c->nsub = r->nsub;
    }
    *out = c;
    return HC_OK;
nomem:
    hc_revocations_free(c);
    return HC_E_NOMEM;
}

/* Raw sorted ids into host-order arrays (fresh), checking the strict order. */
static hc_err raw_decode(const uint8_t *cti, size_t nc, const uint8_t *sub, size_t ns,
                         uint64_t **oc, sub128 **os)
{
    *oc = NULL;
    *os = NULL;
    if (nc > REV_MAX_CTI || ns > REV_MAX_SUB)
        return HC_E_LIMIT;
    uint64_t *c = nc ? malloc(nc * sizeof *c) : NULL;
    sub128 *s = ns ? malloc(ns * sizeof *s) : NULL;
    if ((nc && !c) || (ns && !s)) {
        free(c);
        free(s);
        return HC_E_NOMEM;
    }
    hc_err err = HC_OK;
    for (size_t i = 0; i < nc && err == HC_OK; i++) {
        c[i] = hc_get_be(cti + i * 8, 8);
        if (i && c[i] <= c[i - 1])
            err = HC_E_REVOCATION_LIST;
    }
    for (size_t i = 0; i < ns && err == HC_OK; i++) {
        s[i] = load_sub(sub + i * 16);
        if (i && sub_cmp(s[i], s[i - 1]) <= 0)
            err = HC_E_REVOCATION_LIST;
    }
    if (err != HC_OK) {
        free(c);
        free(s);
        return err;
    }
    *oc = c;
    *os = s;
    return HC_OK;
}

hc_err hc_revocations_apply_raw(hc_revocations *r, const uint8_t *cti, size_t ncti,
                                const uint8_t *sub, size_t nsub, bool remove)
{
    if (!r || (!cti && ncti) || (!sub && nsub))
        return HC_E_ARG;
    uint64_t *c;
    sub128 *s;
    hc_err err = raw_decode(cti, ncti, sub, nsub, &c, &s);
    if (err != HC_OK)
        return err;
    if (remove) {
        r->ncti = set_minus(r->cti, r->ncti, c, ncti, sizeof *c, cmp_u64);
        r->nsub = set_minus(r->sub, r->nsub, s, nsub, sizeof *s, cmp_sub);
    } else if (r->ncti == 0 && r->nsub == 0) {
        /* a full bundle into an empty list: the arrays become the list */
        adopt(r, c, ncti, s, nsub);
        return HC_OK;
    } else if ((uint64_t)r->ncti + ncti > REV_MAX_CTI || (uint64_t)r->nsub + nsub > REV_MAX_SUB) {
        err = HC_E_LIMIT;
    } else {
        err = union_ids(r, c, ncti, s, nsub);
    }
    free(c);
    free(s);
    return err;
}

hc_err hc_revocations_export(const hc_revocations *r, uint8_t **cti, size_t *ncti, uint8_t **sub,
                             size_t *nsub)
{
    if (!r || !cti || !ncti || !sub || !nsub)
        return HC_E_ARG;
    uint8_t *c = r->ncti ? malloc(r->ncti * 8) : NULL;
    uint8_t *s = r->nsub ? malloc(r->nsub * 16) : NULL;
    if ((r->ncti && !c) || (r->nsub && !s)) {
        free(c);
        free(s);
        return HC_E_NOMEM;
    }
    for (size_t i = 0; i < r->ncti; i++)
        hc_put_be(c + i * 8, r->cti[i], 8);
    for (size_t i = 0; i < r->nsub; i++) {
        hc_put_be(s + i * 16, r->sub[i].hi, 8);
        hc_put_be(s + i * 16 + 8, r->sub[i].lo, 8);
    }
    *cti = c;
    *ncti = r->ncti;
    *sub = s;
    *nsub = r->nsub;
    return HC_OK;
}

/* bundle_state.c — the checkpoint's bundle state file: the last accepted
 * sequence numbers and bundle ids, and the next roots they carried, as a
 * CBOR map {1: seq, 2: id, 3: full_seq, 4: full_id, 5: [next root SPKI
 * DER…], 6: 1} (doc/bundle.md), mode 0644; its integrity is its directory's
 * permissions. Every apply holds the lock from reading it to its rename. */
#include "bundle_state_impl.h"
#include "bundle_impl.h"
#include "cbor_impl.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void hc_bundle_state_clear(bundle_state *st)
{
    for (size_t i = 0; i < st->n_roots; i++)
        hc_key_free(st->roots[i]);
    memset(st, 0, sizeof *st);
}


/* ------------------------------------------------------------ state file */

static hc_err state_field(bundle_state *st, uint64_t key, const hc_cbor_item *v,
                          const uint8_t *b, size_t n, size_t pos)
{
    switch (key) {
    case ST_SEQ:
    case ST_FULL_SEQ:
        if (v->type != HC_CBOR_UINT || v->value == 0 || v->value > INT64_MAX)
            return HC_E_BUNDLE_STATE;
        *(key == ST_SEQ ? &st->seq : &st->full_seq) = v->value;
        return HC_OK;
    case ST_HASH:
    case ST_FULL_HASH:
        if (v->type != HC_CBOR_BSTR || v->len != 32)
            return HC_E_BUNDLE_STATE;
        memcpy(key == ST_HASH ? st->hash : st->full_hash, v->data, 32);
        return HC_OK;
    case ST_ROOTS:
        if (v->type != HC_CBOR_ARRAY || v->value > EXTRA_MAX)
            return HC_E_BUNDLE_STATE;
        pos += v->size;
        for (uint64_t i = 0; i < v->value; i++) {
            hc_cbor_item r;
            if (hc_cbor_head(b + pos, n - pos, &r) != HC_OK || r.type != HC_CBOR_BSTR ||
                hc_key_from_spki(r.data, r.len, &st->roots[st->n_roots]) != HC_OK)
                return HC_E_BUNDLE_STATE;
            st->n_roots++;
            pos += r.size;
        }
        return HC_OK;
    case ST_FORM:
        return v->type == HC_CBOR_UINT && v->value == ST_FORM_ID ? HC_OK : HC_E_BUNDLE_STATE;
    default:
        return HC_E_BUNDLE_STATE;
    }
}

static hc_err state_parse(const uint8_t *b, size_t n, bundle_state *st)
{
    size_t size = 0;
    hc_cbor_item m;
    if (hc_cbor_check(b, n, &size) != HC_OK || size != n || hc_cbor_head(b, n, &m) != HC_OK ||
        m.type != HC_CBOR_MAP || (m.value != 5 && m.value != 6))
        return HC_E_BUNDLE_STATE;
    st->legacy = m.value == 5;
    size_t pos = m.size;
    for (uint64_t i = 0; i < m.value; i++) {
        hc_cbor_item k, v;
        if (hc_cbor_head(b + pos, n - pos, &k) != HC_OK || k.type != HC_CBOR_UINT)
            return HC_E_BUNDLE_STATE;
        pos += k.size;
        if (hc_cbor_head(b + pos, n - pos, &v) != HC_OK)
            return HC_E_BUNDLE_STATE;
        hc_err err = state_field(st, k.value, &v, b, n, pos);
        if (err != HC_OK)
            return err;
        pos += hc_cbor_skip(b + pos, n - pos);
    }
    /* the five (six) keys are distinct (cbor.c refuses duplicates) and each known */
    if (st->full_seq > st->seq)
        return HC_E_BUNDLE_STATE;
    st->have = true;
    return HC_OK;
}

/* The state's integrity is its directory's (and file's) permissions: a
 * root written into a state others may write would be trusted with no
 * --root at all (issue 25.14). So a state file or directory that group or
 * others may write is refused, as key files others may read are. */
static hc_err state_perms(const char *path, hc_diag *diag)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (n >= sizeof dir)
        return hc_diag_set(diag, HC_E_IO, "", "%s: path too long", path);
    if (!slash) {
        strcpy(dir, ".");
    } else if (n == 0) {
        strcpy(dir, "/");
    } else {
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return hc_diag_set(diag, HC_E_IO, "", "%s: cannot read the state's directory", dir);
    if (sb.st_mode & (S_IWGRP | S_IWOTH))
        return hc_diag_set(diag, HC_E_BUNDLE_STATE, "", "%s: the state's directory is writable by "
                           "group or others (fix: chmod go-w %s)", dir, dir);
    if (stat(path, &sb) == 0 && (sb.st_mode & (S_IWGRP | S_IWOTH)))
        return hc_diag_set(diag, HC_E_BUNDLE_STATE, "", "%s: writable by group or others (fix: "
                           "chmod go-w %s)", path, path);
    return HC_OK;
}

/* Reads the state file at path into *st (a missing file: st->have false).
 * Errors: HC_E_BUNDLE_STATE (not a state file, or one others may write),
 * HC_E_IO, HC_E_NOMEM. */
hc_err hc_bundle_state_load(const char *path, bundle_state *st, hc_diag *diag)
{
    memset(st, 0, sizeof *st);
    char *data = NULL;
    size_t len = 0;
    struct stat sb;
    hc_err err = state_perms(path, diag);
    if (err != HC_OK)
        return err;
    if (stat(path, &sb) != 0 && errno == ENOENT)
        return HC_OK;   /* a fresh checkpoint */
    if ((err = hc_read_file(path, STATE_MAX, &data, &len)) == HC_OK)
        err = state_parse((const uint8_t *)data, len, st);
    free(data);
    if (err != HC_OK)
        hc_bundle_state_clear(st);
    if (err == HC_E_LIMIT || err == HC_E_BUNDLE_STATE)
        return hc_diag_set(diag, HC_E_BUNDLE_STATE, "", "%s: not a bundle state file", path);
    if (err == HC_E_IO)
        return hc_diag_set(diag, err, "", "%s: cannot read", path);
    return err;
}

/* ------------------------------------------------------------ the lock */

/* How long an apply waits for another process's apply to finish, in steps
 * of LOCK_STEP_NS (no clock is read: the steps are counted). An apply
 * holds the lock from reading the state to renaming the new one: a 100 MB
 * bundle takes about 2 s. */
#define LOCK_STEPS 1000
#define LOCK_STEP_NS 10000000L   /* 10 ms: 10 s in all */

/* Takes the state's lock: an exclusive flock on the lock file beside the
 * state, created 0600 (a lock others could open, they could hold). *fd is
 * -1 when the directory cannot be written at all (a read-only state): then
 * nothing will be written either, and reading needs no lock, as every
 * state file appears whole (rename). */
hc_err hc_bundle_state_lock(const char *lock, int *fd, hc_diag *diag)
{
    *fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
    if (*fd < 0)
        return errno == EROFS || errno == EACCES ? HC_OK
               : hc_diag_set(diag, HC_E_IO, "", "%s: cannot open the state's lock", lock);
    for (int i = 0; i < LOCK_STEPS; i++) {
        if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
            return HC_OK;
        if (errno != EWOULDBLOCK && errno != EINTR)
            break;
        struct timespec step = {0, LOCK_STEP_NS};
        nanosleep(&step, NULL);
    }
    close(*fd);
    *fd = -1;
    return hc_diag_set(diag, HC_E_IO, "", "%s: another process holds the state's lock", lock);
}

void hc_bundle_state_unlock(int fd)
{
    if (fd >= 0)
        close(fd);   /* releases the flock */
}

/* The state's bytes into a malloc'd buffer (at most 17 roots of at most
 * HC_BUNDLE_SPKI_MAX bytes: well under STATE_MAX). */
static hc_err state_encode(const bundle_state *st, uint8_t **out, size_t *len)
{
    uint8_t *buf = malloc(STATE_MAX);
    if (!buf)
        return HC_E_NOMEM;
    hc_cbor_writer w;
    hc_cbor_w_init(&w, buf, STATE_MAX);
    hc_cbor_w_map(&w, 6);
    hc_cbor_w_uint(&w, ST_SEQ);
    hc_cbor_w_uint(&w, st->seq);
    hc_cbor_w_uint(&w, ST_HASH);
    hc_cbor_w_bstr(&w, st->hash, 32);
    hc_cbor_w_uint(&w, ST_FULL_SEQ);
    hc_cbor_w_uint(&w, st->full_seq);
    hc_cbor_w_uint(&w, ST_FULL_HASH);
    hc_cbor_w_bstr(&w, st->full_hash, 32);
    hc_cbor_w_uint(&w, ST_ROOTS);
    hc_cbor_w_array(&w, st->n_roots);
    hc_err err = HC_OK;
    for (size_t i = 0; i < st->n_roots && err == HC_OK; i++) {
        uint8_t der[HC_BUNDLE_SPKI_MAX];
        size_t dl = 0;
        if ((err = hc_key_spki(st->roots[i], der, sizeof der, &dl)) == HC_OK)
            hc_cbor_w_bstr(&w, der, dl);
    }
    hc_cbor_w_uint(&w, ST_FORM);
    hc_cbor_w_uint(&w, ST_FORM_ID);
    if (err == HC_OK)
        err = hc_cbor_w_finish(&w, len);
    if (err != HC_OK)
        free(buf);
    else
        *out = buf;
    return err;
}

/* Writes st to path unless it records the same as was: a run that accepts
 * nothing new (a restart reloading its bundles) leaves the file as it is. */
hc_err hc_bundle_state_write(const char *path, const bundle_state *st, const bundle_state *was)
{
    uint8_t *a = NULL, *b = NULL;
    size_t al = 0, bl = 0;
    if (!st->have)
        return HC_OK;   /* nothing accepted yet: no file */
    hc_err err = state_encode(st, &a, &al);
    if (err == HC_OK && was->have && (err = state_encode(was, &b, &bl)) == HC_OK &&
        al == bl && memcmp(a, b, al) == 0) {
        free(a);
        free(b);
        return HC_OK;
    }
    if (err == HC_OK)
        err = hc_write_file_atomic(path, a, al, 0644);
    free(a);
    free(b);
    return err;
}

/* A copy of src whose roots are new references. */
hc_err hc_bundle_state_copy(bundle_state *dst, const bundle_state *src)
{
    *dst = *src;
    dst->n_roots = 0;
    for (size_t i = 0; i < src->n_roots; i++) {
        hc_err err = hc_key_ref(src->roots[i], &dst->roots[i]);
        if (err != HC_OK) {
            hc_bundle_state_clear(dst);
            return err;
        }
        dst->n_roots = i + 1;
    }
    return HC_OK;
}


/* repeats.c — the codes a checkpoint admitted lately (checkpoint.h,
 * hc_repeats): a ring of the last `capacity` admissions, cti and instant,
 * allocated once. A lookup scans the ring (at most 65 536 entries of 16
 * bytes; 1 024 by default, about a microsecond); noting overwrites the
 * oldest. The memory is per checkpoint and per thread, like the scanner
 * loop that holds it; a file keeps it between runs of a command. */
#include "internal.h"
#include <healthcode/checkpoint.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC "HCSEEN1"          /* and a NUL: 8 bytes */
#define HEAD 12                  /* magic, count */
#define ENTRY 16                 /* cti, instant */

typedef struct {
    uint8_t cti[8];
    int64_t at;
} seen;

struct hc_repeats {
    size_t cap;
    size_t n;        /* entries held, at most cap */
    size_t next;     /* where the next one goes (the oldest once full) */
    int64_t window;
    seen *ring;
};

hc_err hc_repeats_new(size_t capacity, int64_t window_s, hc_repeats **out)
{
    if (!out)
        return HC_E_ARG;
    *out = NULL;
    if (capacity < 1 || capacity > HC_REPEATS_MAX_CAPACITY || window_s < 1 ||
        window_s > HC_LIVE_WINDOW_MAX_S)
        return HC_E_ARG;
    hc_repeats *r = calloc(1, sizeof *r);
    seen *ring = calloc(capacity, sizeof *ring);
    if (!r || !ring) {
        free(r);
        free(ring);
        return HC_E_NOMEM;
    }
    r->cap = capacity;
    r->window = window_s;
    r->ring = ring;
    *out = r;
    return HC_OK;
}

bool hc_repeats_seen(const hc_repeats *r, const uint8_t cti[8], int64_t now, int64_t *then)
{
    if (!r || !cti)
        return false;
    bool found = false;
    for (size_t i = 0; i < r->n; i++) {
        const seen *e = &r->ring[i];
        if (memcmp(e->cti, cti, 8) != 0)
            continue;
        uint64_t d = now >= e->at ? (uint64_t)now - (uint64_t)e->at : (uint64_t)e->at - (uint64_t)now;
        if (d <= (uint64_t)r->window && (!found || e->at > *then)) {
            found = true;
            if (then)
                *then = e->at;
            else
                return true;
        }
    }
    return found;
}

static void put(hc_repeats *r, const uint8_t cti[8], int64_t at)
{
    seen *e = &r->ring[r->next];
    memcpy(e->cti, cti, 8);
    e->at = at;
    r->next = (r->next + 1) % r->cap;
    if (r->n < r->cap)
        r->n++;
}

hc_err hc_repeats_note(hc_repeats *r, const uint8_t cti[8], int64_t now)
{
    if (!r || !cti)
        return HC_E_ARG;
    put(r, cti, now);
    return HC_OK;
}

size_t hc_repeats_count(const hc_repeats *r)
{
    return r ? r->n : 0;
}

hc_err hc_repeats_save(const hc_repeats *r, const char *path)
{
    if (!r || !path)
        return HC_E_ARG;
    size_t len = HEAD + r->n * ENTRY;
    uint8_t *buf = malloc(len);
    if (!buf)
        return HC_E_NOMEM;
    memcpy(buf, MAGIC, 8);
    hc_put_be(buf + 8, r->n, 4);
    /* oldest first: the ring from its oldest entry on */
    size_t start = r->n < r->cap ? 0 : r->next;
    for (size_t i = 0; i < r->n; i++) {
        const seen *e = &r->ring[(start + i) % r->cap];
        memcpy(buf + HEAD + i * ENTRY, e->cti, 8);
        hc_put_be(buf + HEAD + i * ENTRY + 8, (uint64_t)e->at, 8);
    }
    hc_err err = hc_write_file_atomic(path, buf, len, 0600);
    free(buf);
    return err;
}

hc_err hc_repeats_load(hc_repeats *r, const char *path)
{
    if (!r || !path)
        return HC_E_ARG;
    char *data = NULL;
    size_t len = 0;
    hc_err err = hc_read_file(path, HEAD + (size_t)HC_REPEATS_MAX_CAPACITY * ENTRY, &data, &len);
    if (err == HC_E_IO && access(path, F_OK) != 0) {   /* no file yet: nothing seen */
        r->n = r->next = 0;
        return HC_OK;
    }
    if (err == HC_E_LIMIT)
        err = HC_E_IO;
    if (err != HC_OK)
        return err;
    const uint8_t *b = (const uint8_t *)data;
    size_t n = len >= HEAD ? (size_t)hc_get_be(b + 8, 4) : 0;
    if (len < HEAD || memcmp(b, MAGIC, 8) != 0 || n > HC_REPEATS_MAX_CAPACITY ||
        len != HEAD + n * ENTRY) {
        free(data);
        return HC_E_IO;
    }
    r->n = r->next = 0;
    for (size_t i = n > r->cap ? n - r->cap : 0; i < n; i++) {
        put(r, b + HEAD + i * ENTRY, (int64_t)hc_get_be(b + HEAD + i * ENTRY + 8, 8));
    }
    free(data);
    return HC_OK;
}

void hc_repeats_free(hc_repeats *r)
{
    if (!r)
        return;
    free(r->ring);
    free(r);
}

/* tests/common.h — the helpers the C tests share, written once: a temporary
 * directory for a fixture, hex decoding, a file of the source tree in memory,
 * and a key loaded from tests/keys/. Everything is static inline, so a test
 * includes this header and links nothing more.
 *
 * Files of the source tree are found under $HC_SOURCE_ROOT (meson test sets it),
 * else under the HC_SOURCE_ROOT macro the build passes, else under ".". Keys
 * are read into memory and loaded from there: git does not keep 0600 modes.
 *
 * The helpers do not assert: each reports failure by its return value, so the
 * programs without cmocka (make_vectors, sm2_interop) use them too; a cmocka
 * test asserts on the result where it calls them. */
#ifndef HC_TEST_COMMON_H
#define HC_TEST_COMMON_H

#include "crypto_impl.h"
#include "internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* th_tmpdir: makes a fresh directory "$TMPDIR/NAME-XXXXXX" (TMPDIR unset or
 * empty: /tmp) with mkdtemp() and writes its path to dir (cap bytes). Returns
 * 0, or -1 if the path does not fit or the directory cannot be made; the
 * shape of a cmocka group setup. Remove it with th_rmtree(). */
static inline int th_tmpdir(char *dir, size_t cap, const char *name)
{
    const char *t = getenv("TMPDIR");
    int n = snprintf(dir, cap, "%s/%s-XXXXXX", t && *t ? t : "/tmp", name);
    if (n < 0 || (size_t)n >= cap)
        return -1;
    return mkdtemp(dir) ? 0 : -1;
}

/* th_rmtree: removes a directory th_tmpdir() made and everything in it.
 * Returns 0, or -1 if "rm -rf" failed. dir must be a path th_tmpdir() wrote
 * (no quote in it). */
static inline int th_rmtree(const char *dir)
{
    char cmd[1100];
    if (strchr(dir, '\'') || snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir) >= (int)sizeof cmd)
        return -1;
    return system(cmd) == 0 ? 0 : -1;
}

#define TH_HEX_BAD ((size_t)-1)

/* th_unhex: decodes hex digits into out (cap bytes); spaces between bytes are
 * skipped, so a test can lay out CBOR by item. Returns the number of bytes, or
 * TH_HEX_BAD on a character that is not a hex pair or when out is too small. */
static inline size_t th_unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = hex; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        unsigned v;
        if (sscanf(p, "%2x", &v) != 1 || n >= cap)
            return TH_HEX_BAD;
        out[n++] = (uint8_t)v;
        p += 2;
    }
    return n;
}

/* th_read_source: the file REL of the source tree (e.g. "tests/keys/es256.pem")
 * in memory, NUL-terminated, at most 1 MiB; its length in *len if len is not
 * NULL. The caller frees it. NULL if it cannot be read. */
static inline char *th_read_source(const char *rel, size_t *len)
{
    char path[1024];
    const char *root = getenv("HC_SOURCE_ROOT");
#ifdef HC_SOURCE_ROOT
    if (!root)
        root = HC_SOURCE_ROOT;
#endif
    if (!root)
        root = ".";
    snprintf(path, sizeof path, "%s/%s", root, rel);
    char *data = NULL;
    size_t n = 0;
    if (hc_read_file(path, 1 << 20, &data, &n) != HC_OK)
        return NULL;
    if (len)
        *len = n;
    return data;
}

/* th_read_key: th_read_source() of tests/keys/NAME. */
static inline char *th_read_key(const char *name, size_t *len)
{
    char rel[512];
    snprintf(rel, sizeof rel, "tests/keys/%s", name);
    return th_read_source(rel, len);
}

/* th_load_key: a key (private or public) from the PEM file REL of the source
 * tree; the caller frees it with hc_key_free(). NULL if the file cannot be read
 * or is not a key. */
static inline hc_key *th_load_key(const char *rel)
{
    size_t len = 0;
    char *pem = th_read_source(rel, &len);
    if (!pem)
        return NULL;
    hc_key *k = NULL;
    hc_err err = hc_key_load_pem(pem, len, &k);
    free(pem);
    return err == HC_OK ? k : NULL;
}

/* th_token240: a token-shaped text of 240 characters, as long as a real
 * signed token: "HCODE1:" and 233 characters of the base45 alphabet drawn by
 * a linear congruential generator started at state (the same state, the same
 * text). In a static buffer, overwritten by the next call. */
static inline const char *th_token240(unsigned state)
{
    static char t[241];
    static const char b45[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    memcpy(t, "HCODE1:", 7);
    for (int i = 7; i < 240; i++) {
        state = state * 1103515245u + 12345u;
        t[i] = b45[(state >> 16) % 45];
    }
    t[240] = '\0';
    return t;
}

#endif

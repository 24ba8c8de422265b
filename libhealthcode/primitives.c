/* primitives.c — SHA-256, HMAC-SHA-256 and random bytes: the OpenSSL
 * primitives under keys (key.c), signatures (crypto.c) and the rest of the
 * library. Each call site clears OpenSSL's error queue on failure, so a
 * stale error never leaks into an unrelated caller's ERR_get_error(). */
#include "primitives_impl.h"

#include <limits.h>
#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

/* ------------------------------------------------------------ fetch cache */

/* SHA-256 fetched once: EVP_sha256() is a legacy stub that makes OpenSSL 3
 * fetch the implementation by name on every init, which costs time on the
 * hot verify/sign paths. The cached EVP_MD is immutable and thread-safe.
 * Fetched lazily (not in a constructor) so a program may still call
 * CRYPTO_set_mem_functions() before its first OpenSSL use. */
static CRYPTO_ONCE sha256_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_MD *sha256_md;

static void sha256_fetch(void) { sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL); }

const EVP_MD *hc_sha256_md(void)
{
    if (!CRYPTO_THREAD_run_once(&sha256_once, sha256_fetch) || !sha256_md)
        return EVP_sha256(); /* still correct, only slower */
    return sha256_md;
}

/* ---------------------------------------------------------------- SHA-256 */

hc_err hc_crypto_sha256(const uint8_t *msg, size_t len, uint8_t out[32])
{
    unsigned int n = 0;
    if ((!msg && len) || !out)
        return HC_E_ARG;
    if (EVP_Digest(msg, len, out, &n, hc_sha256_md(), NULL) != 1 || n != 32) {
        ERR_clear_error();
        return HC_E_CRYPTO;
    }
    return HC_OK;
}

/* A SHA-256 context kept for many short messages (the register's chain:
 * two digests a code): EVP_Digest makes and frees a context each call,
 * which costs more than hashing 100 bytes. */
struct hc_sha256 {
    EVP_MD_CTX *ctx;
};

hc_err hc_sha256_new(hc_sha256 **out)
{
    hc_sha256 *h = calloc(1, sizeof *h);
    if (!h || !(h->ctx = EVP_MD_CTX_new())) {
        free(h);
        return HC_E_NOMEM;
    }
    *out = h;
    return HC_OK;
}

hc_err hc_sha256_digest(hc_sha256 *h, const uint8_t *msg, size_t len, uint8_t out[32])
{
    unsigned int n = 0;
    if (EVP_DigestInit_ex2(h->ctx, hc_sha256_md(), NULL) != 1 ||
        EVP_DigestUpdate(h->ctx, msg, len) != 1 || EVP_DigestFinal_ex(h->ctx, out, &n) != 1 ||
        n != 32) {
        ERR_clear_error();
        return HC_E_CRYPTO;
    }
    return HC_OK;
}

void hc_sha256_free(hc_sha256 *h)
{
    if (!h)
        return;
    EVP_MD_CTX_free(h->ctx);
    free(h);
}

/* ------------------------------------------------------------ HMAC, RNG */

hc_err hc_crypto_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t len,
                             uint8_t out[32])
{
    if ((!key && key_len) || (!msg && len) || !out || key_len > INT_MAX)
        return HC_E_ARG;
    static const uint8_t empty[1];
    unsigned int outlen = 0;
    if (!HMAC(hc_sha256_md(), key ? key : empty, (int)key_len, msg ? msg : empty, len, out,
              &outlen) ||
        outlen != 32) {
        ERR_clear_error();
        return HC_E_CRYPTO;
    }
    return HC_OK;
}

hc_err hc_crypto_random(uint8_t *buf, size_t len)
{
    if (!buf && len)
        return HC_E_ARG;
    while (len > 0) {
        int n = len > INT_MAX ? INT_MAX : (int)len;
        if (RAND_bytes(buf, n) != 1) {
            ERR_clear_error();
            return HC_E_CRYPTO;
        }
        buf += n;
        len -= (size_t)n;
    }
    return HC_OK;
}

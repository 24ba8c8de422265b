/*
 * healthcode/key.h — signing and verification keys (OpenSSL 3 underneath).
 *
 * A key is ES256 (ECDSA on P-256) or EdDSA (Ed25519). A private key also
 * holds its public half. Keys are immutable once made and may be shared
 * between threads; hc_key_free() cleanses private material.
 *
 * Files: private keys are PKCS#8 PEM written with mode 0600 (atomically:
 * temporary file, fsync, rename); public keys are SubjectPublicKeyInfo PEM.
 * A private key file that is readable by group or others is refused when
 * loaded (HC_E_KEY_PERMS). No function here ever prints key material.
 */
#ifndef HEALTHCODE_KEY_H
#define HEALTHCODE_KEY_H

#include <healthcode/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hc_key hc_key;

/* The kid of doc/format.md: first 8 bytes of SHA-256 over the SPKI DER. */
#define HC_KID_LEN 8

/* Makes a new private key for alg. *out is freed with hc_key_free().
 * Errors: HC_E_ARG (bad alg or NULL out), HC_E_CRYPTO, HC_E_NOMEM. */
HC_API hc_err hc_key_generate(hc_alg alg, hc_key **out) HC_WARN_UNUSED;

/* Reads a key from PEM text (len bytes, need not be NUL-terminated):
 * a PKCS#8 private key ("PRIVATE KEY", also "EC PRIVATE KEY") or an SPKI
 * public key ("PUBLIC KEY"). Only P-256 and Ed25519 keys are accepted.
 * Errors: HC_E_KEY (malformed, truncated, encrypted, other curve or type,
 * or a text over 64 KiB, refused before it is read), HC_E_ARG, HC_E_NOMEM. */
HC_API hc_err hc_key_load_pem(const char *pem, size_t len, hc_key **out) HC_WARN_UNUSED;

/* Reads a key file. If the file holds a private key, it must not be readable
 * by group or others (HC_E_KEY_PERMS: fix with `chmod 600 FILE`); a file
 * whose PEM BEGIN line names a private key is refused for its mode before
 * anything in it is decoded.
 * Errors: HC_E_IO, HC_E_KEY, HC_E_KEY_PERMS, HC_E_LIMIT (over 64 KiB). */
HC_API hc_err hc_key_load_file(const char *path, hc_key **out) HC_WARN_UNUSED;

/* Writes the private key as PKCS#8 PEM to path with mode 0600, atomically.
 * Errors: HC_E_KEY (key has no private half), HC_E_IO. */
HC_API hc_err hc_key_save_private(const hc_key *key, const char *path) HC_WARN_UNUSED;

/* Writes the public key as SPKI PEM to path (mode 0644), atomically. */
HC_API hc_err hc_key_save_public(const hc_key *key, const char *path) HC_WARN_UNUSED;

/* The public key as SPKI PEM into buf (cap bytes, NUL-terminated);
 * *len = length without the NUL. HC_E_BUFFER with *len = needed if too small. */
HC_API hc_err hc_key_public_pem(const hc_key *key, char *buf, size_t cap, size_t *len) HC_WARN_UNUSED;

/* The key's kid (HC_KID_LEN bytes). */
HC_API hc_err hc_key_kid(const hc_key *key, uint8_t kid[HC_KID_LEN]) HC_WARN_UNUSED;

/* The key's algorithm. */
HC_API hc_alg hc_key_alg(const hc_key *key);

/* true if the key holds a private half. */
HC_API bool hc_key_is_private(const hc_key *key);

/* Releases the key, cleansing private material. NULL is a no-op. */
HC_API void hc_key_free(hc_key *key);

#ifdef __cplusplus
}
#endif
#endif

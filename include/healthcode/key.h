/*
 * healthcode/key.h — signing and verification keys (OpenSSL 3 underneath).
 *
 * A key is ES256 (ECDSA on P-256), EdDSA (Ed25519) or SM2 (SM2 with SM3;
 * needs an OpenSSL with SM2, else HC_E_UNSUPPORTED). A private key also
 * holds its public half, or names a private half kept inside a PKCS#11
 * token (an HSM): see hc_key_load_pkcs11. Keys are immutable once made and may be shared
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
 * Errors: HC_E_ARG (bad alg or NULL out), HC_E_UNSUPPORTED (SM2 on an
 * OpenSSL without it), HC_E_CRYPTO, HC_E_NOMEM. */
HC_API hc_err hc_key_generate(hc_alg alg, hc_key **out) HC_WARN_UNUSED;

/* Reads a key from PEM text (len bytes, need not be NUL-terminated):
 * a PKCS#8 private key ("PRIVATE KEY", also "EC PRIVATE KEY") or an SPKI
 * public key ("PUBLIC KEY"). Only P-256, Ed25519 and SM2 keys are accepted
 * (an SM2 key where OpenSSL lacks SM2: HC_E_UNSUPPORTED).
 * Errors: HC_E_KEY (malformed, truncated, encrypted, other curve or type,
 * or a text over 64 KiB, refused before it is read), HC_E_ARG, HC_E_NOMEM. */
HC_API hc_err hc_key_load_pem(const char *pem, size_t len, hc_key **out) HC_WARN_UNUSED;

/* Reads a key file, or a key on a token: a path that starts with "pkcs11:"
 * is an RFC 7512 URI and goes to hc_key_load_pkcs11() (a file of that name
 * is reached as "./pkcs11:…"). If the file holds a private key, it must not be readable
 * by group or others (HC_E_KEY_PERMS: fix with `chmod 600 FILE`); a file
 * whose PEM BEGIN line names a private key is refused for its mode before
 * anything in it is decoded.
 * Errors: HC_E_IO, HC_E_KEY, HC_E_KEY_PERMS, HC_E_LIMIT (over 64 KiB). */
HC_API hc_err hc_key_load_file(const char *path, hc_key **out) HC_WARN_UNUSED;

/* A private key kept inside a PKCS#11 token, named by an RFC 7512 URI:
 *   pkcs11:token=LABEL;object=KEYLABEL[;id=%01…]?module-path=/usr/lib/…/libsofthsm2.so&pin-source=file:/etc/…/pin
 * The module comes from module-path=, else the environment variable
 * HC_PKCS11_MODULE; the user PIN from the file of pin-source= ("file:PATH"
 * or a path), else the file HC_PKCS11_PIN_FILE names; the PIN file must not
 * be readable by group or others (HC_E_KEY_PERMS). A PIN in the URI itself
 * (pin-value=) is refused (HC_E_ARG): it would show in argv and logs.
 * The token must hold exactly one private key matching object=/id= and its
 * public twin (same CKA_ID, else same CKA_LABEL): ES256 (CKK_EC on P-256)
 * or EdDSA (CKK_EC_EDWARDS, Ed25519). The key signs through the token:
 * every hc_issuer (each batch thread) opens its own session; the private
 * half is never read. hc_key_free() logs out and unloads the module when
 * the last reference goes. hc_key_save_private() on it: HC_E_KEY.
 * Errors: HC_E_ARG (not a URI, no object named, a PIN in it, no module),
 * HC_E_KEY (no such token or key, several match, unsupported type),
 * HC_E_KEY_PERMS, HC_E_IO (PIN file), HC_E_PKCS11 (module not loadable,
 * login refused), HC_E_UNSUPPORTED (built without p11-kit), HC_E_NOMEM. */
HC_API hc_err hc_key_load_pkcs11(const char *uri, hc_key **out) HC_WARN_UNUSED;

/* Generates a key pair for alg on the token that uri names (as above; the
 * PIN is needed, the new key's CKA_LABEL is object=, its CKA_ID is id= or 8
 * random bytes). The private key is CKA_SENSITIVE, not CKA_EXTRACTABLE, and
 * stays on the token; *out is the same as hc_key_load_pkcs11() would give.
 * Errors: as hc_key_load_pkcs11; HC_E_KEY if a key with that label exists;
 * HC_E_UNSUPPORTED for SM2 (PKCS#11 has no standard SM2 mechanism). */
HC_API hc_err hc_key_generate_pkcs11(hc_alg alg, const char *uri, hc_key **out) HC_WARN_UNUSED;

/* Writes the private key as PKCS#8 PEM to path with mode 0600, atomically.
 * Errors: HC_E_KEY (key has no private half, or it is on a token), HC_E_IO. */
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

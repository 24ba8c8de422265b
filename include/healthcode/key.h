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
 * Errors: HC_E_KEY (malformed, truncated, other curve or type, or a text
 * over 64 KiB, refused before it is read), HC_E_KEY_ENCRYPTED (an encrypted
 * key: use hc_key_load_pem_pass), HC_E_ARG, HC_E_NOMEM. */
HC_API hc_err hc_key_load_pem(const char *pem, size_t len, hc_key **out) HC_WARN_UNUSED;

/* The longest passphrase hc_key_load_pem_pass and hc_key_load_file_pass take. */
#define HC_KEY_PASS_MAX 1023

/* hc_key_load_pem for a key that may be encrypted: PKCS#8 "ENCRYPTED
 * PRIVATE KEY" (as `openssl pkcs8 -topk8 -v2 aes-256-cbc` writes it) or a
 * legacy "EC PRIVATE KEY" with "Proc-Type: 4,ENCRYPTED". pass is the
 * passphrase, passlen bytes (1 to HC_KEY_PASS_MAX; not NUL-terminated; NULL
 * with passlen 0: none). It is used once, never kept or copied beyond
 * OpenSSL's decryption (which cleanses its copy); the caller wipes its own.
 * A key that is not encrypted loads as with hc_key_load_pem, pass unused.
 * Errors: those of hc_key_load_pem; HC_E_KEY_ENCRYPTED (the key is
 * encrypted and pass is NULL, empty or wrong); HC_E_ARG (passlen over
 * HC_KEY_PASS_MAX, or pass NULL with passlen > 0). */
HC_API hc_err hc_key_load_pem_pass(const char *pem, size_t len, const void *pass, size_t passlen,
                                   hc_key **out) HC_WARN_UNUSED;

/* Reads a key file, or a key on a token: a path that starts with "pkcs11:"
 * is an RFC 7512 URI and goes to hc_key_load_pkcs11() (a file of that name
 * is reached as "./pkcs11:…"). If the file holds a private key, it must not be readable
 * by group or others (HC_E_KEY_PERMS: fix with `chmod 600 FILE`); a file
 * whose PEM BEGIN line names a private key is refused for its mode before
 * anything in it is decoded.
 * A FIFO, device or directory is refused at once (HC_E_IO), never waited on.
 * Errors: HC_E_IO, HC_E_KEY, HC_E_KEY_PERMS, HC_E_KEY_ENCRYPTED (an encrypted
 * key: use hc_key_load_file_pass), HC_E_LIMIT (over 64 KiB), and for a URI
 * those of hc_key_load_pkcs11. */
HC_API hc_err hc_key_load_file(const char *path, hc_key **out) HC_WARN_UNUSED;

/* hc_key_load_file for a key file that may be encrypted, with its
 * passphrase (pass, passlen: as for hc_key_load_pem_pass). The file's mode
 * is checked as for hc_key_load_file: an encrypted private key readable by
 * group or others is refused too (HC_E_KEY_PERMS). A "pkcs11:" URI ignores
 * pass (its PIN comes from pin-source=).
 * Errors: those of hc_key_load_file; HC_E_KEY_ENCRYPTED (the key is
 * encrypted and pass is NULL, empty or wrong), HC_E_ARG. */
HC_API hc_err hc_key_load_file_pass(const char *path, const void *pass, size_t passlen,
                                    hc_key **out) HC_WARN_UNUSED;

/* A private key kept inside a PKCS#11 token, named by an RFC 7512 URI:
 *   pkcs11:token=LABEL;object=KEYLABEL[;id=%01…]?module-path=/usr/lib/…/libsofthsm2.so&pin-source=file:/etc/…/pin
 * The URI is read strictly: each attribute at most once (path and query),
 * no attribute p11-kit does not know, type= absent or "private"; the
 * library-*, slot-* and token attributes all select the token.
 * The module comes from module-path= (a relative path is under p11-kit's
 * module directory), else the environment variable HC_PKCS11_MODULE. It
 * runs inside this process, so it is loaded only from a regular file that,
 * like every directory above it (symbolic links followed), is owned by root
 * or the caller and not writable by others (a sticky directory such as
 * /tmp excepted). The user PIN comes from the file of pin-source=
 * ("file:PATH" or a path), else the file HC_PKCS11_PIN_FILE names: a
 * regular file (a FIFO is refused at once, never waited on) not readable by
 * group or others (HC_E_KEY_PERMS). A PIN in the URI itself (pin-value=) is
 * refused (HC_E_ARG): it would show in argv and logs.
 * The token must hold exactly one private key matching object=/id= and its
 * public twin (same CKA_ID, else same CKA_LABEL): ES256 (CKK_EC on P-256)
 * or EdDSA (CKK_EC_EDWARDS, Ed25519). The key signs through the token:
 * every hc_issuer (each batch thread) opens its own session; the private
 * half is never read. hc_key_free() logs out and unloads the module when
 * the last reference goes. hc_key_save_private() on it: HC_E_KEY.
 * Errors, each its own so that a user with a PIN retry counter knows at once:
 *   HC_E_PKCS11_MODULE  the module is missing, not a PKCS#11 module, or in a
 *                       file or directory others may change;
 *   HC_E_PKCS11_TOKEN   no token matches the URI, or no private key object
 *                       on it does;
 *   HC_E_PKCS11_PIN     the token refused the PIN (wrong, expired, locked),
 *                       or it needs one and none was given;
 *   HC_E_ARG            not a URI, an attribute twice or unknown, type= not
 *                       private, no object named, a PIN in it, no module;
 *   HC_E_KEY            several keys match, no public twin, unsupported type;
 *   HC_E_KEY_PERMS, HC_E_IO (PIN file missing or not a regular file),
 *   HC_E_PKCS11 (another failure of the module), HC_E_UNSUPPORTED (built
 *   without p11-kit), HC_E_NOMEM. */
HC_API hc_err hc_key_load_pkcs11(const char *uri, hc_key **out) HC_WARN_UNUSED;

/* Generates a key pair for alg on the token that uri names (as above; the
 * PIN is needed, the new key's CKA_LABEL is object=, its CKA_ID is id= or 8
 * random bytes). The private key is CKA_SENSITIVE, not CKA_EXTRACTABLE, and
 * stays on the token; *out is the same as hc_key_load_pkcs11() would give.
 * Errors: as hc_key_load_pkcs11; HC_E_KEY if a key with that label exists;
 * HC_E_UNSUPPORTED for SM2 (PKCS#11 has no standard SM2 mechanism). */
HC_API hc_err hc_key_generate_pkcs11(hc_alg alg, const char *uri, hc_key **out) HC_WARN_UNUSED;

/* Writes the private key as PKCS#8 PEM to path with mode 0600, atomically
 * (a temporary file beside path, fsync, rename), replacing a file there; a
 * FIFO, device node or socket at path is refused (HC_E_IO), never renamed
 * over. To keep an existing key: hc_key_save_private_ex.
 * Errors: HC_E_KEY (key has no private half, or it is on a token), HC_E_IO,
 * HC_E_ARG. */
HC_API hc_err hc_key_save_private(const hc_key *key, const char *path) HC_WARN_UNUSED;

/* Flags of hc_key_save_private_ex and hc_key_save_public_ex. */
#define HC_KEY_SAVE_NO_REPLACE 1u /* refuse (HC_E_IO) if path exists: an issuer's key is never lost */

/* hc_key_save_private with flags (0 or HC_KEY_SAVE_NO_REPLACE). With
 * HC_KEY_SAVE_NO_REPLACE the file appears only if nothing (not even a
 * dangling link) is at path, atomically: a file made at path meanwhile by
 * anyone is kept and HC_E_IO returned, path untouched. A caller that must
 * tell "exists" from other I/O errors checks path after HC_E_IO (lstat).
 * Errors: as hc_key_save_private; HC_E_ARG for an unknown flag. */
HC_API hc_err hc_key_save_private_ex(const hc_key *key, const char *path,
                                     unsigned flags) HC_WARN_UNUSED;

/* Writes the public key as SPKI PEM to path (mode 0644), atomically. */
HC_API hc_err hc_key_save_public(const hc_key *key, const char *path) HC_WARN_UNUSED;

/* hc_key_save_public with flags, as hc_key_save_private_ex. */
HC_API hc_err hc_key_save_public_ex(const hc_key *key, const char *path,
                                    unsigned flags) HC_WARN_UNUSED;

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

/*
 * healthcode/present.h — the holder's side: a live presentation of a bound
 * token (doc/format.md, "Holder binding and live presentations").
 *
 * A token issued with a device key (a record's device_key, hc_issue_bound)
 * carries that key in its cnf claim. The holder's app does not show the
 * token itself but a presentation, remade every few seconds:
 *
 *   "HCLIVE1:" || base45( COSE_Sign1 {1: alg} over [token, t], signed by the device key )
 *
 * A checkpoint verifies it with hc_verify (verify.h): the issuer's signature,
 * the device's signature, and that t is within its live window (60 s by
 * default), so a screenshot stops working within a minute and a copied token
 * is useless without the device's key.
 *
 * The device key is an hc_key (hc_present) or, for a key that never leaves
 * a phone's keystore (Android Keystore, Secure Enclave, a TEE with SM2), a
 * signer callback (hc_present_with_signer) that gets the bytes to sign.
 * Neither reads the clock: t is the caller's.
 *
 * Built with the verify side: every build has it, the verify-only one
 * included. Functions here are reentrant and thread-safe. The one state
 * they keep is per thread and public: hc_present remembers the cnf form (the
 * exported point) of the last device key it signed with, recognised by the
 * key's address and kid, as a phone presents with one key every few seconds.
 */
#ifndef HEALTHCODE_PRESENT_H
#define HEALTHCODE_PRESENT_H

#include <healthcode/common.h>
#include <healthcode/key.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A device signer: signs msg (len bytes) with the device key and writes the
 * 64-byte signature to sig; returns 0 on success, anything else on failure
 * (the keystore refused, the user cancelled). It is called once per
 * presentation, from the thread that called hc_present_with_signer.
 *
 * msg is the presentation's Sig_structure (RFC 9052 §4.4), the complete
 * message to sign, never a digest:
 *
 *   ["Signature1", bstr({1: alg}), h'', bstr([bstr(token), t])]
 *   84 6a 5369676e617475726531 43 a10126 40 58 d4 82 58 cc d284…(the token) 1a 5e3a21b4
 *   (ES256, a 204-byte token, t = 1580868020; EdDSA: 43 a10127; SM2: 47 a1013a00010000)
 *
 * and the signature is the one a standard API makes over that message,
 * written as COSE writes it:
 *   - HC_ALG_ES256: ECDSA P-256 with SHA-256 of msg (Java
 *     Signature.getInstance("SHA256withECDSA"): update(msg), sign()), as
 *     r || s, each 32 bytes big-endian, left-padded with zeros. The DER
 *     ECDSA-Sig-Value such APIs return must be converted: DER is refused.
 *   - HC_ALG_EDDSA: Ed25519 (pure, RFC 8032) of msg, the 64 bytes R || S
 *     (Java "Ed25519").
 *   - HC_ALG_SM2: SM2 with SM3 (GB/T 32918.2) of msg with the distinguishing
 *     ID "1234567812345678" (e = SM3(Z || msg)), as r || s like ES256.
 */
typedef int (*hc_sign_fn)(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64]);

/*
 * Makes the live presentation of token (its text "HCODE1:…", len bytes,
 * need not be NUL-terminated) at instant t (seconds since the epoch, >= 0)
 * with the device's private key, which must be the key the token is bound to
 * (its cnf). Writes the NUL-terminated text "HCLIVE1:…" to text (cap bytes);
 * *len = its length without the NUL. With text NULL (or cap too small)
 * returns HC_E_BUFFER and *len = the capacity needed (NUL included),
 * signing nothing. At most HC_TOKEN_MAX characters (a verifier reads no
 * more): a larger one is HC_E_LIMIT.
 *
 * The token is read (steps 1–3 and the claims' shape of doc/format.md) but
 * its issuer's signature is not verified: the holder has no trust store.
 *
 * Errors: HC_E_ARG (NULL arguments, t < 0), HC_E_KEY (device has no private
 * half, or is not the key the token is bound to), HC_E_UNBOUND (the token
 * has no cnf), HC_E_DEVICE_ALG (device is of another algorithm than the cnf
 * key), the token's own errors (HC_E_PREFIX, HC_E_BASE45, HC_E_CBOR, …,
 * HC_E_CLAIMS, HC_E_LIMIT), HC_E_BUFFER, HC_E_CRYPTO, HC_E_PKCS11 (a device
 * key on a token).
 */
HC_API hc_err hc_present(const char *token, size_t len, const hc_key *device, int64_t t,
                         char *text, size_t cap, size_t *out_len) HC_WARN_UNUSED;

/*
 * The same with a signer callback instead of a key: alg is the device key's
 * algorithm (it must be the token's cnf algorithm), sign signs as described
 * at hc_sign_fn, ctx is passed to it. The signature it returns is verified
 * with the token's cnf key before the presentation is written, so a
 * signature in the wrong form (DER, s || r) or by another key never leaves
 * as a presentation that every checkpoint would refuse.
 *
 * Errors: as hc_present (HC_E_ARG also for sign NULL); HC_E_CRYPTO (the
 * callback returned non-zero), HC_E_DEVICE_SIGNATURE (its signature does not
 * verify with the token's cnf key), HC_E_CLAIMS (the cnf point is not on its
 * curve).
 */
HC_API hc_err hc_present_with_signer(const char *token, size_t len, hc_alg alg, hc_sign_fn sign,
                                     void *ctx, int64_t t, char *text, size_t cap,
                                     size_t *out_len) HC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif

/*
 * healthcode/issue.h — signing a health code (issuer side).
 *
 * An issuer pairs an issuer identifier (`iss`, e.g. "CN-330000") with a
 * private key, and optionally a subject secret for the `sub` pseudonym.
 * hc_issue() writes the token text "HCODE1:" || base45(COSE_Sign1) of
 * doc/format.md into a caller buffer.
 *
 * Threads: an hc_issuer holds a prepared signing context; use one issuer per
 * thread (hc_issuer_new is cheap; the key may be shared).
 */
#ifndef HEALTHCODE_ISSUE_H
#define HEALTHCODE_ISSUE_H

#include <healthcode/common.h>
#include <healthcode/key.h>
#include <healthcode/record.h>
#include <healthcode/assess.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hc_issuer hc_issuer;

/* Source of random bytes for the cti: fills buf with len bytes, returns 0 on
 * success. The default is OpenSSL's RAND_bytes. */
typedef int (*hc_random_fn)(void *ctx, uint8_t *buf, size_t len);

/* A new issuer for iss (1–32 bytes, printable ASCII) signing with key (which
 * must be private; the issuer takes its own reference, the caller keeps and
 * frees its own). Free with hc_issuer_free().
 * Errors: HC_E_ARG (bad iss), HC_E_KEY (not a private key), HC_E_NOMEM. */
HC_API hc_err hc_issuer_new(const char *iss, const hc_key *key, hc_issuer **out) HC_WARN_UNUSED;

/* Sets the subject secret (copied; 16 to 64 bytes). With it, tokens carry
 * sub = HMAC-SHA256(secret, normalised document number)[0..16): the document
 * number upper-cased with spaces and hyphens removed. */
HC_API hc_err hc_issuer_set_subject_secret(hc_issuer *is, const uint8_t *secret,
                                           size_t len) HC_WARN_UNUSED;

/* Replaces the random source (for reproducible tests). fn NULL restores the default. */
HC_API void hc_issuer_set_random(hc_issuer *is, hc_random_fn fn, void *ctx);

/* Releases the issuer, cleansing its secret. NULL is a no-op. */
HC_API void hc_issuer_free(hc_issuer *is);

/* Longest validity accepted: 30 days. */
#define HC_VALIDITY_MAX (30 * 86400)

/*
 * Issues a token for record r (NULL: no nam, doc, sub, reg, knd, cnf) with
 * the colour of a (from hc_assess, or filled by the caller), valid from now
 * (iat) for validity_s seconds (exp = now + validity_s; 1 s to
 * HC_VALIDITY_MAX). The name is masked (张*三, J*** SMITH) and the document
 * shows at most 4 characters (hc_mask_name, hc_mask_document); a record with
 * a device_key gives a bound token (cnf, see hc_issue_bound). Writes the
 * NUL-terminated text to
 * text (cap bytes); *len = its length without the NUL. With text NULL (or
 * cap too small) returns HC_E_BUFFER and *len = the size needed, signing
 * nothing.
 * Errors: HC_E_ARG (colour, now < 0, validity), HC_E_BUFFER, HC_E_CRYPTO.
 */
HC_API hc_err hc_issue(hc_issuer *is, const hc_record *r, const hc_assessment *a,
                       int64_t now, int64_t validity_s, char *text, size_t cap,
                       size_t *len) HC_WARN_UNUSED;

/*
 * hc_issue, the token bound to a device (doc/format.md, "Holder binding"):
 * its cnf claim holds device's public key, so that only that device can
 * show it live (hc_present). device is a P-256, Ed25519 or SM2 key, public
 * or private (only its public half is used); NULL binds to the record's
 * device_key if it has one, and to nothing otherwise (then it is hc_issue).
 * hc_issue itself binds to the record's device_key.
 * Errors: as hc_issue; HC_E_KEY (device is of another kind, or an Ed25519
 * key that does not decode), HC_E_ARG (the record's device_key is another
 * key: which one the holder's phone has cannot be guessed).
 */
HC_API hc_err hc_issue_bound(hc_issuer *is, const hc_record *r, const hc_assessment *a,
                             const hc_key *device, int64_t now, int64_t validity_s,
                             char *text, size_t cap, size_t *len) HC_WARN_UNUSED;

/* Masks a display name as doc/format.md shows, so that no masked name of two
 * or more letters shows them all. The script is decided by the name's
 * letters (not its first character): when CJK letters (Han, kana, Hangul,
 * Bopomofo) are at least as many as the others, the letters alone are kept
 * (spaces, brackets, digits dropped), the first and the last shown and a
 * '*' for each between ("张*三", "(张 小三)" → "张*三", two letters "张*", one
 * "*"). Other names keep the initial of each given name with a '*' for each
 * other character, and the family name (the last word) in full, upper case
 * by Unicode's rules, the process locale never consulted ("J*** SMITH",
 * "jóse garcía" → "J*** GARCÍA"); when the given names hide no letter, the
 * family name is masked too ("Madonna" → "M******", "J SMITH" → "J S****").
 * Spaces of any kind (U+00A0, U+3000, …) separate words and are trimmed.
 * Within HC_NAM_MAX bytes a long name keeps its family name whole when it
 * fits: the given names' stars are cut first, then middle names dropped.
 * Writes at most HC_NAM_MAX bytes plus NUL to out (65 bytes).
 * Errors: HC_E_ARG (not UTF-8, or a control, bidirectional control or
 * zero-width character: the record parser refuses those names too),
 * HC_E_BUFFER (cap too small). */
HC_API hc_err hc_mask_name(const char *name, char *out, size_t cap) HC_WARN_UNUSED;

/* Masks a document number of n characters: at most 4 shown and never more
 * than half (min(4, n/2)), the first half of them at the start and the rest
 * at the end, '*' between ("330402199001011230" → "33**************30",
 * "YA1234567" → "YA*****67", "AB" → "*B"); at most HC_DOC_MAX bytes (the
 * stars are capped). Errors: HC_E_ARG (a space, control or non-ASCII
 * character), HC_E_BUFFER. */
HC_API hc_err hc_mask_document(const char *doc, char *out, size_t cap) HC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif

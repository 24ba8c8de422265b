/*
 * healthcode/common.h — types shared by every part of libhealthcode:
 * errors, colours, algorithms, diagnostics, memory release.
 *
 * Conventions (see also healthcode.h):
 *  - every fallible function returns hc_err; HC_OK is 0, everything else is an
 *    error that hc_strerror() explains and hc_err_name() names;
 *  - the caller owns what it passes in; a function that allocates its result
 *    says so, and the result is released with the matching _free (or hc_free);
 *  - time is always an input (int64_t seconds since the Unix epoch);
 *  - the library never prints, never exits, never reads the clock.
 */
#ifndef HEALTHCODE_COMMON_H
#define HEALTHCODE_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include <healthcode/features.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(HC_BUILDING_LIBRARY) && defined(__GNUC__)
#define HC_API __attribute__((visibility("default")))
#else
#define HC_API
#endif

#if defined(__GNUC__)
#define HC_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define HC_WARN_UNUSED
#endif

/* The version of the library, as "MAJOR.MINOR.PATCH". Never NULL. */
HC_API const char *hc_version(void);

/*
 * Errors. Values are stable within a major version; hc_err_name() gives the
 * stable snake_case name that the command-line tool prints and scripts match.
 * The verification errors come in the order of FORMAT.md's eight steps.
 */
typedef enum {
    HC_OK = 0,                /* success */

    /* general */
    HC_E_NOMEM,               /* out of memory */
    HC_E_ARG,                 /* invalid argument (NULL pointer, value out of range) */
    HC_E_BUFFER,              /* output buffer too small; *len holds the size needed */
    HC_E_IO,                  /* a file could not be read, written or renamed */
    HC_E_UNSUPPORTED,         /* the part was not built (meson option off) or is not supported */
    HC_E_CRYPTO,              /* the crypto backend failed unexpectedly */
    HC_E_LIMIT,               /* input larger than the documented bound */

    /* inputs: each fills an hc_diag when one is given */
    HC_E_RECORD,              /* the person record is invalid (field in hc_diag) */
    HC_E_POLICY,              /* the policy file is invalid (key in hc_diag) */
    HC_E_RISK_MAP,            /* the risk-map CSV is invalid (line in hc_diag) */
    HC_E_KEY,                 /* a key is malformed, of an unsupported type, or the wrong kind */
    HC_E_KEY_PERMS,           /* a private key file is readable by group or others */
    HC_E_TRUST_LIST,          /* a trust list is invalid (entry in hc_diag) */
    HC_E_REVOCATION_LIST,     /* a revocation list is invalid (line in hc_diag) */
    HC_E_VENUE,               /* venue rules are invalid (key in hc_diag) */
    HC_E_IMAGE,               /* an image could not be decoded (not a PNG, truncated, too large) */
    HC_E_NO_CODE,             /* no QR code was found in the image */

    /* verification, FORMAT.md step 1 */
    HC_E_PREFIX,              /* the text does not start with "HCODE1:" */
    /* step 2 */
    HC_E_BASE45,              /* base45 decoding failed (length 3k+1, bad character, triplet > 65535) */
    /* step 3 */
    HC_E_CBOR,                /* the bytes are not well-formed CBOR (truncated, reserved values, too deep),
                                 or a text string is not valid UTF-8 */
    HC_E_INDEFINITE,          /* a CBOR item has an indefinite length */
    HC_E_DUPLICATE_KEY,       /* a CBOR map has the same key twice (keys compared by value) */
    HC_E_TRAILING,            /* bytes follow the COSE_Sign1 */
    HC_E_COSE,                /* the COSE_Sign1 does not have the shape FORMAT.md gives */
    /* step 4 */
    HC_E_ALG,                 /* alg is unknown, or not the algorithm of the key that kid names */
    HC_E_UNKNOWN_KID,         /* no trusted key has this kid */
    /* step 5 */
    HC_E_SIGNATURE,           /* the signature does not verify */
    HC_E_KEY_NOT_VALID,       /* the key that signed is outside its validity window */
    HC_E_ISSUER_MISMATCH,     /* the token's iss is not the issuer the key is trusted for */
    /* step 6 */
    HC_E_CLAIMS,              /* a required claim is missing or of the wrong type, or col is not 0-2 */
    /* step 7 */
    HC_E_EXPIRED,             /* now >= exp + skew */
    HC_E_NOT_YET_VALID,       /* now < iat - skew */
    /* step 8 */
    HC_E_REVOKED,             /* the token's cti is on the revocation list */
    HC_E_SUBJECT_REVOKED,     /* the token's sub is on the revocation list */

    /* step 7, added later (numbered here until the enum is renumbered) */
    HC_E_LIFETIME,            /* iat > exp, or exp - iat is over HC_LIFETIME_MAX_S (30 days) */

    HC_E__COUNT               /* number of values; not an error */
} hc_err;

/* A sentence explaining err, in English. Never NULL (unknown values give a generic text). */
HC_API const char *hc_strerror(hc_err err);

/* The stable snake_case name of err ("ok", "bad_signature", …). Never NULL. */
HC_API const char *hc_err_name(hc_err err);

/* Health code colours: the values are the wire values of the `col` claim. */
typedef enum { HC_GREEN = 0, HC_YELLOW = 1, HC_RED = 2 } hc_colour;

/* "green", "yellow", "red"; "invalid" for any other value. */
HC_API const char *hc_colour_name(hc_colour c);

/* Parses "green"/"yellow"/"red" (ASCII case-insensitive). HC_E_ARG otherwise. */
HC_API hc_err hc_colour_parse(const char *name, hc_colour *out) HC_WARN_UNUSED;

/* Signature algorithms: the values are the COSE alg identifiers. */
typedef enum { HC_ALG_ES256 = -7, HC_ALG_EDDSA = -8 } hc_alg;

/* "ES256" or "EdDSA"; "invalid" otherwise. */
HC_API const char *hc_alg_name(hc_alg a);

/* Parses "ES256" or "EdDSA" (case-insensitive). HC_E_ARG otherwise. */
HC_API hc_err hc_alg_parse(const char *name, hc_alg *out) HC_WARN_UNUSED;

/*
 * Where an input error is. Functions that parse user input take an optional
 * hc_diag * (NULL when the caller does not want it) and fill it on error:
 *   field   – a path into the input: "travel[1].to", "hcode.col", "level";
 *             empty when the error is not about one field;
 *   line    – 1-based line of a multi-line input (CSV, JSON lines), 0 if none;
 *   message – a sentence in English naming the field and what is wrong.
 * All three are always NUL-terminated.
 */
#define HC_DIAG_FIELD_MAX 96
#define HC_DIAG_MESSAGE_MAX 256
typedef struct {
    char field[HC_DIAG_FIELD_MAX];
    long line;
    char message[HC_DIAG_MESSAGE_MAX];
} hc_diag;

/* Releases memory the library allocated for a result (PNG bytes, SVG text …).
 * NULL is a no-op. */
HC_API void hc_free(void *p);

/* The token prefix of FORMAT.md. */
#define HC_PREFIX "HCODE1:"

/* The longest token text the library reads or writes, in characters (without
 * the terminating NUL). It is above any token the library issues and below
 * the capacity of a version-40 QR code. */
#define HC_TOKEN_MAX 4096

#ifdef __cplusplus
}
#endif
#endif

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
#include <healthcode/version.h>

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
 * Errors. The numbers are part of the ABI: a value never changes meaning
 * within a soversion, new values are only appended. hc_err_name() gives the
 * stable snake_case name that the command-line tool prints and scripts match.
 * The verification errors come in the order of doc/format.md's eight steps.
 */
typedef enum {
    HC_OK = 0,                /* success */

    /* general */
    HC_E_NOMEM = 1,           /* out of memory */
    HC_E_ARG = 2,             /* invalid argument (NULL pointer, value out of range) */
    HC_E_BUFFER = 3,          /* output buffer too small; *len holds the size needed */
    HC_E_IO = 4,              /* a file could not be read, written or renamed */
    HC_E_UNSUPPORTED = 5,     /* the part was not built (meson option off) or is not supported */
    HC_E_CRYPTO = 6,          /* the crypto backend failed unexpectedly */
    HC_E_LIMIT = 7,           /* input larger than the documented bound */

    /* inputs: each fills an hc_diag when one is given */
    HC_E_RECORD = 8,          /* the person record is invalid (field in hc_diag) */
    HC_E_POLICY = 9,          /* the policy file is invalid (key in hc_diag) */
    HC_E_RISK_MAP = 10,       /* the risk-map CSV is invalid (line in hc_diag) */
    HC_E_KEY = 11,            /* a key is malformed, of an unsupported type, or the wrong kind */
    HC_E_KEY_PERMS = 12,      /* a private key file is readable by group or others */
    HC_E_TRUST_LIST = 13,     /* a trust list is invalid (entry in hc_diag) */
    HC_E_REVOCATION_LIST = 14,/* a revocation list is invalid (line in hc_diag) */
    HC_E_VENUE = 15,          /* venue rules are invalid (key in hc_diag) */
    HC_E_IMAGE = 16,          /* an image could not be decoded (not a PNG, truncated, too large) */
    HC_E_NO_CODE = 17,        /* no QR code was found in the image */

    /* verification, doc/format.md step 1 */
    HC_E_PREFIX = 18,         /* the text does not start with "HCODE1:" */
    /* step 2 */
    HC_E_BASE45 = 19,         /* base45 decoding failed (length 3k+1, bad character, triplet > 65535) */
    /* step 3 */
    HC_E_CBOR = 20,           /* the bytes are not well-formed CBOR (truncated, reserved values, too deep),
                                 or a text string is not valid UTF-8 */
    HC_E_INDEFINITE = 21,     /* a CBOR item has an indefinite length */
    HC_E_DUPLICATE_KEY = 22,  /* a CBOR map has the same key twice (keys compared by value) */
    HC_E_TRAILING = 23,       /* bytes follow the COSE_Sign1 */
    HC_E_COSE = 24,           /* the COSE_Sign1 does not have the shape doc/format.md gives */
    /* step 4 */
    HC_E_ALG = 25,            /* alg is unknown, or not the algorithm of the key that kid names */
    HC_E_UNKNOWN_KID = 26,    /* no trusted key has this kid */
    /* step 5 */
    HC_E_SIGNATURE = 27,      /* the signature does not verify */
    HC_E_KEY_NOT_VALID = 28,  /* the key that signed is outside its validity window */
    HC_E_ISSUER_MISMATCH = 29,/* the token's iss is not the issuer the key is trusted for */
    /* step 6 */
    HC_E_CLAIMS = 30,         /* a required claim is missing or of the wrong type, or col is not 0-2 */
    /* step 7 */
    HC_E_EXPIRED = 31,        /* now >= exp + skew */
    HC_E_NOT_YET_VALID = 32,  /* now < iat - skew */
    /* step 8 */
    HC_E_REVOKED = 33,        /* the token's cti is on the revocation list */
    HC_E_SUBJECT_REVOKED = 34,/* the token's sub is on the revocation list */
    HC_E_PKCS11 = 35,         /* a PKCS#11 module or token failed: not loadable, login
                                 refused, token removed, session lost */

    /* step 7 */
    HC_E_LIFETIME = 36,       /* iat > exp, or exp - iat is over HC_LIFETIME_MAX_S (30 days) */

    /* trust bundles (healthcode/bundle.h) */
    HC_E_BUNDLE = 37,           /* a trust bundle is malformed: not a COSE_Sign1 of the documented
                                   shape, truncated, an unknown or missing field, a bound exceeded */
    HC_E_BUNDLE_ROOT = 38,      /* the bundle is not signed by a trusted root key (kid unknown,
                                   or alg not the root key's algorithm) */
    HC_E_BUNDLE_SIGNATURE = 39, /* the bundle's signature does not verify (a byte was altered) */
    HC_E_BUNDLE_ROLLBACK = 40,  /* the bundle's sequence number is below the last one accepted
                                   (or equal to it with other content) */
    HC_E_BUNDLE_EXPIRED = 41,   /* the bundle has expired (now >= exp): trust is frozen */
    HC_E_BUNDLE_BASE = 42,      /* a delta bundle whose base is not the full bundle held */
    HC_E_BUNDLE_KID = 43,       /* a key entry's kid (or alg) is not its public key's */
    HC_E_BUNDLE_STATE = 44,     /* the checkpoint's bundle state file is invalid */

    /* PKCS#11 keys: what a token user must tell apart (a PIN has a retry counter) */
    HC_E_PKCS11_MODULE = 45,    /* the PKCS#11 module cannot be loaded: no such file, not a
                                   PKCS#11 module, or a file or directory others may write */
    HC_E_PKCS11_TOKEN = 46,     /* no token (label, serial, …) or no key object matches the URI */
    HC_E_PKCS11_PIN = 47,       /* the token refused the PIN (wrong, expired or locked) */
    HC_E_KEY_ENCRYPTED = 48,    /* the key file is encrypted and no passphrase was given, or
                                   the passphrase is wrong */

    /* live presentations (doc/format.md, "Verifying a presentation", P1–P5) */
    HC_E_PRESENTATION = 49,     /* P1: not a presentation of the documented shape */
    HC_E_UNBOUND = 50,          /* P3: the presented token has no cnf (it is bound to no device) */
    HC_E_DEVICE_ALG = 51,       /* P3: the presentation's alg is not the cnf key's algorithm */
    HC_E_DEVICE_SIGNATURE = 52, /* P4: the device signature does not verify */
    HC_E_STALE = 53,            /* P5: t is outside the live window (stale, or in the future) */
    HC_E_NOT_LIVE = 54,         /* a plain token where a live presentation is required */

    /* the issuer's register (healthcode/register.h, doc/register.md) */
    HC_E_REGISTER = 55,         /* the file is not a register (not SQLite, corrupt, other tables) */
    HC_E_REGISTER_VERSION = 56, /* the register has another schema version */
    HC_E_REGISTER_UNKNOWN = 57, /* the register has no such code (cti) or subject */
    HC_E_REGISTER_REVOKED = 58, /* the code is already revoked */
    HC_E_SUBJECT_MISMATCH = 59, /* a corrected record is not the old code's subject */
    HC_E_AUDIT = 60,            /* the register's audit chain or a signed head does not match */
    HC_E_REGISTER_BUSY = 61,    /* the register stayed locked by another writer past the timeout */

    HC_E__COUNT = 62          /* number of values; not an error */
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

/* Signature algorithms: the values are the COSE alg identifiers. SM2 has no
 * registered COSE value: -65537 is from the private-use range (doc/format.md:
 * SM2 signature with SM3, distinguishing identifier "1234567812345678").
 * SM2 needs an OpenSSL built with it; where it is not, key generation and
 * loading answer HC_E_UNSUPPORTED (see hc_alg_supported). */
typedef enum { HC_ALG_ES256 = -7, HC_ALG_EDDSA = -8, HC_ALG_SM2 = -65537 } hc_alg;

/* "ES256", "EdDSA" or "SM2"; "invalid" otherwise. */
HC_API const char *hc_alg_name(hc_alg a);

/* true if this build's OpenSSL can sign and verify with alg (SM2 may be
 * missing from some distributions' OpenSSL; ES256 and EdDSA never are). */
HC_API bool hc_alg_supported(hc_alg a);

/* Parses "ES256", "EdDSA" or "SM2" (case-insensitive). HC_E_ARG otherwise. */
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

/*
 * Times, read and written by one rule everywhere (the CLI's --now, trust
 * lists, venues, bundles):
 *   - epoch seconds ("1580864400"), or an ISO 8601 date-time
 *     "2020-02-05T09:00:00+08:00" with "Z" or an offset "±HH:MM" ("±HHMM",
 *     "±HH"); seconds and fractions of a second are optional (fractions are
 *     dropped);
 *   - a date alone ("2020-02-05") means its midnight, and a date-time without
 *     an offset is local time, both at UTC+08:00 (China Standard Time, the zone
 *     of the default policy).
 * hc_time_parse: HC_E_ARG for NULL arguments, any other text, or an instant
 * before 1970.
 */
HC_API hc_err hc_time_parse(const char *text, int64_t *out) HC_WARN_UNUSED;

/* A duration: "300" or "300s", "5m", "2h", "7d" → seconds. HC_E_ARG for any
 * other text or a value above max_s. */
HC_API hc_err hc_duration_parse(const char *text, int64_t max_s, int64_t *out_s) HC_WARN_UNUSED;

/* Writes instant t at UTC offset utc_offset_s (seconds east, as a policy's
 * hc_policy_utc_offset) as "2020-02-05T09:00:00+08:00" ("…Z" at offset 0)
 * into buf (cap bytes, NUL-terminated). HC_E_BUFFER when cap < 26, HC_E_ARG
 * when the year is outside 0-9999 or buf is NULL. */
#define HC_TIME_TEXT_MAX 26
HC_API hc_err hc_time_format(int64_t t, int32_t utc_offset_s, char *buf, size_t cap);

/* The token prefix of doc/format.md. */
#define HC_PREFIX "HCODE1:"

/* The longest token text the library reads or writes, in characters (without
 * the terminating NUL). It is above any token the library issues and below
 * the capacity of a version-40 QR code. */
#define HC_TOKEN_MAX 4096

#ifdef __cplusplus
}
#endif
#endif

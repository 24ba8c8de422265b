/* device_impl.h — the holder's device key (device.c): what a token's cnf
 * carries (doc/format.md, "The cnf claim"), read from a record's SPKI, made
 * into an OpenSSL key again by decompressing its point, and used to verify a
 * live presentation. Shared by claims.c (the COSE_Key), record.c and
 * issue.c (the issuer's side), verify.c and present.c. Not installed. */
#ifndef HC_DEVICE_IMPL_H
#define HC_DEVICE_IMPL_H

#include <healthcode/key.h>
#include <healthcode/verify.h>
#include <openssl/evp.h>
#include <string.h>

/* A device key as the cnf claim writes it. */
typedef struct {
    hc_alg alg;      /* ES256 (P-256), EdDSA (Ed25519) or SM2: the presentation's alg */
    uint8_t x[32];   /* EC: x, big-endian; Ed25519: the encoded public key (RFC 8032) */
    bool ybit;       /* EC: the lowest bit of y (RFC 9053 point compression); Ed25519: false */
} hc_device_key;

/* The device key a bound token's claims carry (its cnf). */
static inline hc_device_key hc_device_of_claims(const hc_claims *c)
{
    hc_device_key d = {c->device_alg, {0}, c->device_ybit};
    memcpy(d.x, c->device_x, sizeof d.x);
    return d;
}

/* The device key of pkey (a P-256, Ed25519 or SM2 key, public or private).
 * HC_E_KEY for any other key, and for an Ed25519 key that does not decode.
 * Allocates nothing of ours. */
hc_err hc_device_from_pkey(EVP_PKEY *pkey, hc_device_key *out);

/* The device key of an hc_key (its public half). HC_E_KEY as above. */
hc_err hc_device_from_key(const hc_key *key, hc_device_key *out);

/* The device key of a SubjectPublicKeyInfo DER (exactly len bytes): the
 * point must be on its curve (an Ed25519 key must decode). HC_E_KEY
 * otherwise. */
hc_err hc_device_from_spki(const uint8_t *der, size_t len, hc_device_key *out);

/* Strict base64 (RFC 4648 §4: the standard alphabet, '=' padding to a
 * multiple of 4, no white space, zero bits after the last character) of at
 * most cap bytes into out. false on anything else. */
bool hc_base64_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *len);

/* An OpenSSL public key for d, its point decompressed (EC) or decoded
 * (Ed25519) and checked: HC_E_KEY when x is not the x of a point on the
 * curve (or not below the field's prime), or an Ed25519 key that does not
 * decode. *out is freed with EVP_PKEY_free. Only OpenSSL allocates. */
hc_err hc_device_pkey(const hc_device_key *d, EVP_PKEY **out);

/* Verifies a 64-byte COSE signature (r||s; Ed25519 R||S) over msg with the
 * device key pkey (from hc_device_pkey) for alg: SM2 with the ID
 * "1234567812345678". HC_OK, HC_E_SIGNATURE, HC_E_CRYPTO. Only OpenSSL
 * allocates. */
hc_err hc_device_verify(hc_alg alg, EVP_PKEY *pkey, const uint8_t *msg, size_t len,
                        const uint8_t sig[64]);

/* Whether two device keys are the same key. */
bool hc_device_equal(const hc_device_key *a, const hc_device_key *b);

#endif

/* sigder.c — the two encodings of an ECDSA or SM2 signature: COSE's raw
 * r || s (32 bytes each, big-endian, left-padded; doc/format.md) and OpenSSL's
 * DER ECDSA-Sig-Value. No allocation; every length is checked. */
#include "sigder_impl.h"

#include <string.h>

/* Appends the DER INTEGER for a 32-byte unsigned big-endian value; returns the
 * bytes written (at most 35), 0 if the value is zero. */
static size_t der_integer(uint8_t *out, const uint8_t v[32])
{
    size_t i = 0;
    while (i < 32 && v[i] == 0)
        i++;
    if (i == 32)
        return 0;
    size_t n = 32 - i;
    bool pad = v[i] & 0x80; /* keep the INTEGER positive */
    out[0] = 0x02;
    out[1] = (uint8_t)(n + pad);
    out[2] = 0x00;
    memcpy(out + 2 + pad, v + i, n);
    return 2 + pad + n;
}

/* r||s → DER ECDSA-Sig-Value in out (at least 72 bytes); 0 if r or s is zero. */
size_t hc_sig_raw_to_der(const uint8_t sig[64], uint8_t out[72])
{
    size_t rn = der_integer(out + 2, sig);
    if (rn == 0)
        return 0;
    size_t sn = der_integer(out + 2 + rn, sig + 32);
    if (sn == 0)
        return 0;
    out[0] = 0x30;
    out[1] = (uint8_t)(rn + sn); /* ≤ 70: short form */
    return 2 + rn + sn;
}

/* Reads one DER INTEGER at *p (end e) into a 32-byte left-padded field. */
static bool der_read_integer(const uint8_t **p, const uint8_t *e, uint8_t out[32])
{
    const uint8_t *q = *p;
    if (e - q < 2 || q[0] != 0x02)
        return false;
    size_t n = q[1];
    q += 2;
    if (n == 0 || n > 33 || (size_t)(e - q) < n)
        return false;
    const uint8_t *v = q;
    size_t m = n;
    if (m == 33) { /* only a sign byte may make it longer than 32 */
        if (v[0] != 0)
            return false;
        v++;
        m--;
    }
    memset(out, 0, 32 - m);
    memcpy(out + 32 - m, v, m);
    *p = q + n;
    return true;
}

/* OpenSSL's DER ECDSA signature → r||s (each 32 bytes, left-padded). */
bool hc_sig_der_to_raw(const uint8_t *der, size_t len, uint8_t sig[64])
{
    const uint8_t *e = der + len;
    if (len < 8 || der[0] != 0x30 || der[1] != len - 2)
        return false;
    const uint8_t *p = der + 2;
    return der_read_integer(&p, e, sig) && der_read_integer(&p, e, sig + 32) && p == e;
}


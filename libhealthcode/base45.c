/* base45.c — RFC 9285, strictly: every malformed input is an error, so one
 * text decodes one way only. */
#include "token_impl.h"

static const char alphabet[45] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

hc_err hc_base45_encode(const uint8_t *in, size_t n, char *out, size_t cap, size_t *len)
{
    if ((!in && n) || !len)
        return HC_E_ARG;
    if (n > (SIZE_MAX - 3) / 2)
        return HC_E_LIMIT;
    size_t need = n / 2 * 3 + (n % 2) * 2;
    if (!out || cap < need + 1) {
        *len = need + 1;   /* the capacity needed, NUL included */
        return HC_E_BUFFER;
    }
    size_t o = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        unsigned v = (unsigned)in[i] * 256u + in[i + 1];
        out[o++] = alphabet[v % 45];
        out[o++] = alphabet[v / 45 % 45];
        out[o++] = alphabet[v / 2025];
    }
    if (n % 2) {
        unsigned v = in[n - 1];
        out[o++] = alphabet[v % 45];
        out[o++] = alphabet[v / 45];
    }
    out[o] = '\0';
    *len = o;
    return HC_OK;
}

/* The value of one base45 character, -1 if it is not one of the 45
 * (lower case is not: RFC 9285 §4 lists upper case only). */
static int value_of(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    switch (c) {
    case ' ': return 36;
    case '$': return 37;
    case '%': return 38;
    case '*': return 39;
    case '+': return 40;
    case '-': return 41;
    case '.': return 42;
    case '/': return 43;
    case ':': return 44;
    default: return -1;
    }
}

hc_err hc_base45_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *len)
{
    if ((!in && n) || !len)
        return HC_E_ARG;
    if (n % 3 == 1)
        return HC_E_BASE45;
    size_t need = n / 3 * 2 + (n % 3 == 2);
    /* characters first, so a bad text is HC_E_BASE45 whatever the buffer */
    for (size_t i = 0; i < n; i += 3) {
        size_t k = n - i < 3 ? n - i : 3;
        unsigned long v = 0, mul = 1;
        for (size_t j = 0; j < k; j++) {
            int d = value_of(in[i + j]);
            if (d < 0)
                return HC_E_BASE45;
            v += (unsigned long)d * mul;
            mul *= 45;
        }
        if ((k == 3 && v > 0xffff) || (k == 2 && v > 0xff))
            return HC_E_BASE45;
    }
    if (!out || cap < need) {
        *len = need;
        return HC_E_BUFFER;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        if (n - i >= 3) {
            unsigned v = (unsigned)value_of(in[i]) + (unsigned)value_of(in[i + 1]) * 45u +
                         (unsigned)value_of(in[i + 2]) * 2025u;
            out[o++] = (uint8_t)(v >> 8);
            out[o++] = (uint8_t)(v & 0xff);
        } else {
            out[o++] = (uint8_t)(value_of(in[i]) + value_of(in[i + 1]) * 45);
        }
    }
    *len = o;
    return HC_OK;
}

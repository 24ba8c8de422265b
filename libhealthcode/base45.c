/* base45.c — RFC 9285, strictly: every malformed input is an error, so one
 * text decodes one way only. */
#include "token_impl.h"

#include <stdbool.h>
#include <string.h>

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

/* One more than each character's value; 0 for a byte that is not one of
 * the 45 (lower case is not: RFC 9285 §4 lists upper case only). A table,
 * not a switch: the decoder runs on every scan. */
static const uint8_t value_plus1[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
    ['8'] = 9, ['9'] = 10, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
    ['G'] = 17, ['H'] = 18, ['I'] = 19, ['J'] = 20, ['K'] = 21, ['L'] = 22, ['M'] = 23, ['N'] = 24,
    ['O'] = 25, ['P'] = 26, ['Q'] = 27, ['R'] = 28, ['S'] = 29, ['T'] = 30, ['U'] = 31, ['V'] = 32,
    ['W'] = 33, ['X'] = 34, ['Y'] = 35, ['Z'] = 36,
    [' '] = 37, ['$'] = 38, ['%'] = 39, ['*'] = 40, ['+'] = 41, ['-'] = 42, ['.'] = 43,
    ['/'] = 44, [':'] = 45,
};

/* The value of in[0..k) (k = 2 or 3, least significant first), or -1 if a
 * character is not base45 or the value does not fit k - 1 bytes. */
static long group(const char *in, size_t k)
{
    unsigned a = value_plus1[(uint8_t)in[0]], b = value_plus1[(uint8_t)in[1]];
    unsigned c = k == 3 ? value_plus1[(uint8_t)in[2]] : 1;
    if (a == 0 || b == 0 || c == 0)
        return -1;
    unsigned v = (a - 1) + (b - 1) * 45u + (c - 1) * 2025u;
    return v > (k == 3 ? 0xffffu : 0xffu) ? -1 : (long)v;
}

hc_err hc_base45_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *len)
{
    if ((!in && n) || !len)
        return HC_E_ARG;
    if (n % 3 == 1)
        return HC_E_BASE45;
    size_t need = n / 3 * 2 + (n % 3 == 2);
    /* one pass; a bad text is HC_E_BASE45 whatever the buffer, so a short
     * buffer still reads every character and only then says so */
    bool room = out && cap >= need;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        size_t k = n - i < 3 ? n - i : 3;
        long v = group(in + i, k);
        if (v < 0)
            return HC_E_BASE45;
        if (room && k == 3)
            out[o++] = (uint8_t)(v >> 8);
        if (room)
            out[o++] = (uint8_t)(v & 0xff);
    }
    if (!room) {
        *len = need;
        return HC_E_BUFFER;
    }
    *len = o;
    return HC_OK;
}

hc_err hc_token_text_decode(const char *text, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    const size_t prefix = sizeof HC_PREFIX - 1;
    if (len < prefix || memcmp(text, HC_PREFIX, prefix) != 0)
        return HC_E_PREFIX;
    hc_err err = hc_base45_decode(text + prefix, len - prefix, out, cap, out_len);
    return err == HC_E_BUFFER ? HC_E_LIMIT : err;
}

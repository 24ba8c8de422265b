/* strbuf_impl.h — a bounded string builder over a caller's buffer: appends
 * never overflow, truncation backs off to a UTF-8 character boundary, the
 * text is always NUL-terminated. Cheaper than snprintf, which matters at
 * 200 000 assessments a second (assess.c's field paths, assess_text.c's
 * sentences). Header only: every append is inlined. Never installed. */
#ifndef HC_STRBUF_IMPL_H
#define HC_STRBUF_IMPL_H

#include <stddef.h>
#include <string.h>

typedef struct {
    char *b;
    size_t cap, n;
} sb;

/* Starts an empty text in buf (cap >= 1 bytes). */
static inline void sb_init(sb *s, char *buf, size_t cap)
{
    s->b = buf;
    s->cap = cap;
    s->n = 0;
    buf[0] = '\0';
}

/* Appends len bytes of p, or as many whole characters of them as fit. */
static inline void sb_mem(sb *s, const char *p, size_t len)
{
    size_t room = s->cap - 1 - s->n;
    if (len > room) {
        len = room;
        while (len > 0 && ((unsigned char)p[len] & 0xC0) == 0x80)
            len--;   /* do not cut a multi-byte character */
    }
    memcpy(s->b + s->n, p, len);
    s->n += len;
    s->b[s->n] = '\0';
}

static inline void sb_s(sb *s, const char *p) { sb_mem(s, p, strlen(p)); }

/* v in decimal. */
static inline void sb_u(sb *s, unsigned long v)
{
    char t[24];
    size_t i = sizeof t;
    do {
        t[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sb_mem(s, t + i, sizeof t - i);
}

#endif

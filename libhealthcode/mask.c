/* mask.c — what a token shows of a person (doc/format.md, `nam` and `doc`):
 * the name masked by the script of its letters, the document number with
 * at most 4 of its characters. Also the one rule of which characters a
 * name may hold, for the record parser and the sheet printer.
 *
 * Unicode through glib (character classes, scripts, upper case): the
 * classes are read per code point and never from the process locale, so a
 * name masks the same everywhere. */
#include "internal.h"
#include "mask_impl.h"

#include <healthcode/issue.h>
#include <healthcode/verify.h>

#include <glib.h>
#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------ what a name holds */

/* Bidirectional controls: a name would print reversed or reordered. */
static bool is_bidi_control(uint32_t c)
{
    return c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
           (c >= 0x2066 && c <= 0x2069);
}

/* Characters that print as nothing: a name would look like another. */
static bool is_invisible(uint32_t c)
{
    return (c >= 0x200b && c <= 0x200d) || (c >= 0x2060 && c <= 0x2064) || c == 0xfeff ||
           c == 0x00ad || c == 0x034f || c == 0x180e || c == 0x115f || c == 0x1160 ||
           c == 0x3164 || c == 0xffa0;
}

static bool is_control(uint32_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

hc_err hc_name_check(const char *s, size_t n, size_t *at, const char **what)
{
    const char *end = NULL;
    if (!g_utf8_validate(s, (gssize)n, &end)) {
        *at = (size_t)(end - s);
        *what = "malformed UTF-8";
        return HC_E_ARG;
    }
    for (const char *p = s; p < s + n; p = g_utf8_next_char(p)) {
        uint32_t c = g_utf8_get_char(p);
        *what = is_control(c) ? "a control character"
              : is_bidi_control(c) ? "a bidirectional control character"
              : is_invisible(c) ? "an invisible (zero-width) character" : NULL;
        if (*what) {
            *at = (size_t)(p - s);
            return HC_E_ARG;
        }
    }
    return HC_OK;
}

/* ------------------------------------------------------------ names */

/* Separators between the words of a name: ASCII, no-break, ideographic and
 * the other Unicode spaces. Leading, trailing and repeated ones vanish. */
static bool is_space(uint32_t c)
{
    return c == ' ' || c == '\t' || g_unichar_type(c) == G_UNICODE_SPACE_SEPARATOR;
}

/* A letter of a script written without spaces between the parts of a name. */
static bool is_cjk_letter(uint32_t c)
{
    if (!g_unichar_isalpha(c))
        return false;
    GUnicodeScript sc = g_unichar_get_script(c);
    return sc == G_UNICODE_SCRIPT_HAN || sc == G_UNICODE_SCRIPT_HIRAGANA ||
           sc == G_UNICODE_SCRIPT_KATAKANA || sc == G_UNICODE_SCRIPT_HANGUL ||
           sc == G_UNICODE_SCRIPT_BOPOMOFO;
}

/* An output of at most HC_NAM_MAX bytes: appends stop, at a character
 * boundary, at the first that would pass it. */
typedef struct {
    char buf[HC_NAM_MAX + 1];
    size_t len;
    bool full;
} text_out;

static void put_bytes(text_out *o, const char *s, size_t n)
{
    if (o->full || o->len + n > HC_NAM_MAX) {
        o->full = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void put_char(text_out *o, uint32_t c)
{
    char u[6];
    put_bytes(o, u, (size_t)g_unichar_to_utf8(c, u));
}

static void put_stars(text_out *o, size_t n)
{
    while (n-- > 0)
        put_bytes(o, "*", 1);
}

/* CJK: the letters only (spaces, brackets, digits dropped), the first and
 * the last kept, a '*' for each between ("王小明", "(王 小明)" → "王*明");
 * two letters keep the first ("张三" → "张*"). n letters, n >= 1. Stars are
 * capped so that the last letter always fits. */
static void mask_cjk(const char *s, size_t n, text_out *o)
{
    uint32_t first = 0, last = 0;
    for (const char *p = s; *p; p = g_utf8_next_char(p)) {
        uint32_t c = g_utf8_get_char(p);
        if (g_unichar_isalpha(c)) {
            first = first ? first : c;
            last = c;
        }
    }
    if (n == 1) {
        put_stars(o, 1);
        return;
    }
    put_char(o, first);
    if (n == 2) {
        put_stars(o, 1);
        return;
    }
    char u[6];
    size_t ul = (size_t)g_unichar_to_utf8(last, u);
    size_t room = HC_NAM_MAX - o->len - ul;
    put_stars(o, n - 2 < room ? n - 2 : room);
    put_bytes(o, u, ul);
}

/* The words of a name: at most WORDS_MAX (more are folded into the last). */
#define WORDS_MAX 32
typedef struct {
    const char *w[WORDS_MAX];
    size_t bytes[WORDS_MAX], chars[WORDS_MAX]; /* chars: not counting combining marks after the first */
    size_t n;
} words;

static void split_words(const char *s, words *ws)
{
    ws->n = 0;
    for (const char *p = s; *p;) {
        if (is_space(g_utf8_get_char(p))) {
            p = g_utf8_next_char(p);
            continue;
        }
        const char *start = p;
        size_t chars = 0;
        for (; *p && !is_space(g_utf8_get_char(p)); p = g_utf8_next_char(p))
            chars += p == start || !g_unichar_ismark(g_utf8_get_char(p));
        if (ws->n == WORDS_MAX) { /* more words than any name: fold into the last */
            ws->bytes[ws->n - 1] = (size_t)(p - ws->w[ws->n - 1]);
            ws->chars[ws->n - 1] += chars;
            continue;
        }
        ws->w[ws->n] = start;
        ws->bytes[ws->n] = (size_t)(p - start);
        ws->chars[ws->n++] = chars;
    }
}

/* A word's first character, upper-cased (with its combining marks). */
static void put_initial(text_out *o, const char *w, size_t bytes)
{
    const char *p = w, *end = w + bytes;
    put_char(o, g_unichar_toupper(g_utf8_get_char(p)));
    for (p = g_utf8_next_char(p); p < end && g_unichar_ismark(g_utf8_get_char(p));
         p = g_utf8_next_char(p))
        put_char(o, g_utf8_get_char(p));
}

/* A word in full, upper-cased. */
static void put_upper(text_out *o, const char *w, size_t bytes)
{
    for (const char *p = w; p < w + bytes; p = g_utf8_next_char(p))
        put_char(o, g_unichar_toupper(g_utf8_get_char(p)));
}

/* The letters of a word after its first character: what masking it hides. */
static size_t letters_after_initial(const char *w, size_t bytes)
{
    size_t n = 0;
    for (const char *p = g_utf8_next_char(w); p < w + bytes; p = g_utf8_next_char(p))
        n += g_unichar_isalpha(g_utf8_get_char(p));
    return n;
}

/* A word masked: its initial and a '*' for each other character (at most k). */
static void put_masked(text_out *o, const char *w, size_t bytes, size_t chars, size_t k)
{
    put_initial(o, w, bytes);
    put_stars(o, chars - 1 < k ? chars - 1 : k);
}

/* The bytes of the word-style form with given names 0..given-1 (their
 * initials and at most k stars each) and a family name of family_bytes. */
static size_t words_len(const words *ws, size_t given, size_t k, size_t family_bytes)
{
    size_t n = family_bytes;
    for (size_t i = 0; i < given; i++) {
        text_out t = {{0}, 0, false};
        put_masked(&t, ws->w[i], ws->bytes[i], ws->chars[i], k);
        n += t.len + 1;
    }
    return n;
}

/* Other scripts: the given names become their initial and a '*' per other
 * character, the family name (the last word) is shown, all upper case
 * ("John Smith" → "J*** SMITH"). Within HC_NAM_MAX bytes the family name
 * stays whole when it fits: the given names' stars are cut first (evenly,
 * never below one), then the middle names go, and only then is the family
 * name cut. A masked name always hides a letter: when the given names hide
 * none (one word, initials only: "J SMITH", "Madonna") the family name is
 * masked too ("J S****", "M******"); when that hides none either ("J S"),
 * only the first letter is shown ("J*"), and of a one-letter name nothing ("*"). */
static void mask_words(const char *s, text_out *o)
{
    words ws;
    split_words(s, &ws);
    size_t given = ws.n - 1, hidden = 0;
    const char *fw = ws.w[given];
    size_t fb = ws.bytes[given];
    for (size_t i = 0; i < given; i++)
        hidden += letters_after_initial(ws.w[i], ws.bytes[i]);
    text_out fam = {{0}, 0, false};
    if (hidden > 0) {
        put_upper(&fam, fw, fb);
    } else if (letters_after_initial(fw, fb) > 0) {
        put_masked(&fam, fw, fb, ws.chars[given], SIZE_MAX);
    } else {
        size_t letters = 0; /* the first letter only, and only of a name of two or more */
        for (const char *p = s; *p; p = g_utf8_next_char(p))
            letters += g_unichar_isalpha(g_utf8_get_char(p));
        for (const char *p = s; *p && letters > 1; p = g_utf8_next_char(p))
            if (g_unichar_isalpha(g_utf8_get_char(p))) {
                put_char(o, g_unichar_toupper(g_utf8_get_char(p)));
                break;
            }
        put_stars(o, 1);
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < given; i++)
        k = ws.chars[i] - 1 > k ? ws.chars[i] - 1 : k;
    while (k > 1 && words_len(&ws, given, k, fam.len) > HC_NAM_MAX)
        k--;
    while (given > 1 && words_len(&ws, given, k, fam.len) > HC_NAM_MAX)
        given--; /* the middle names go, the first given name stays */
    for (size_t i = 0; i < given; i++) {
        put_masked(o, ws.w[i], ws.bytes[i], ws.chars[i], k);
        put_bytes(o, " ", 1);
    }
    /* a family name longer than what is left: cut at a character boundary */
    for (const char *p = fam.buf; (size_t)(p - fam.buf) < fam.len && !o->full; p = g_utf8_next_char(p))
        put_bytes(o, p, (size_t)(g_utf8_next_char(p) - p));
}

hc_err hc_mask_name(const char *name, char *out, size_t cap)
{
    if (!name || !out || cap == 0)
        return HC_E_ARG;
    size_t at;
    const char *what;
    if (hc_name_check(name, strlen(name), &at, &what) != HC_OK)
        return HC_E_ARG;
    size_t cjk = 0, other = 0;
    for (const char *p = name; *p; p = g_utf8_next_char(p)) {
        uint32_t c = g_utf8_get_char(p);
        cjk += is_cjk_letter(c);
        other += g_unichar_isalpha(c) && !is_cjk_letter(c);
    }
    text_out o = {{0}, 0, false};
    /* the script by the letters, not the first code point: "(张小三)", "1张小三" */
    if (cjk > 0 && cjk >= other)
        mask_cjk(name, cjk + other, &o);
    else if (cjk + other > 0)
        mask_words(name, &o);
    else if (*name)
        put_stars(&o, 1); /* no letter at all: nothing of it is shown */
    while (o.len > 0 && o.buf[o.len - 1] == ' ')
        o.len--;
    if (o.len + 1 > cap)
        return HC_E_BUFFER;
    memcpy(out, o.buf, o.len);
    out[o.len] = '\0';
    return HC_OK;
}

/* ------------------------------------------------------------ documents */

hc_err hc_mask_document(const char *doc, char *out, size_t cap)
{
    if (!doc || !out || cap == 0)
        return HC_E_ARG;
    size_t n = strlen(doc);
    for (size_t i = 0; i < n; i++)
        if (doc[i] <= 0x20 || doc[i] > 0x7e)
            return HC_E_ARG;
    /* at most 4 characters shown, never more than half: the first and last
     * halves of them, the rest '*' (stars capped at what HC_DOC_MAX holds) */
    size_t shown = n / 2 < 4 ? n / 2 : 4, front = shown / 2, back = shown - front;
    size_t stars = n - shown > HC_DOC_MAX - shown ? HC_DOC_MAX - shown : n - shown;
    if (front + stars + back + 1 > cap)
        return HC_E_BUFFER;
    memcpy(out, doc, front);
    memset(out + front, '*', stars);
    memcpy(out + front + stars, doc + n - back, back);
    out[front + stars + back] = '\0';
    return HC_OK;
}

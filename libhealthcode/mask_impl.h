/* mask_impl.h — the one rule of what a person's name may hold (mask.c), for
 * the record parser, the masker and the sheet printer. Not installed. */
#ifndef HC_MASK_IMPL_H
#define HC_MASK_IMPL_H

#include <healthcode/common.h>

/* Checks a name of n bytes: UTF-8 (no overlong form, surrogate or truncated
 * sequence), and no character that would print as something else: C0 and
 * C1 controls and DEL (a newline prints a false line), bidirectional
 * controls (U+202E prints the name reversed; U+061C, U+200E-U+200F,
 * U+202A-U+202E, U+2066-U+2069) and invisible ones (zero-width U+200B-U+200D,
 * U+2060-U+2064, U+FEFF, the soft hyphen, the Hangul fillers). HC_OK, or
 * HC_E_ARG with *at the offending byte's offset (from 0) and *what naming
 * it ("a control character", "a bidirectional control character", "an
 * invisible (zero-width) character", "malformed UTF-8"). */
hc_err hc_name_check(const char *s, size_t n, size_t *at, const char **what);

#endif

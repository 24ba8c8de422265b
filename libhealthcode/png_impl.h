/* png_impl.h — the libpng error and warning handlers of png.c (writing) and
 * scan.c (reading). Not installed.
 *
 * The error pointer given to png_create_*_struct is a bool that records an
 * allocation failure: libpng's own say "Out of memory", so the caller can
 * answer HC_E_NOMEM rather than HC_E_IMAGE. Warnings are dropped: the
 * library never prints. */
#ifndef HC_PNG_IMPL_H
#define HC_PNG_IMPL_H

#include <png.h>
#include <stdbool.h>
#include <string.h>

static inline void hc_png_on_error(png_structp png, png_const_charp msg)
{
    bool *nomem = png_get_error_ptr(png);
    if (nomem && msg && strstr(msg, "memory"))
        *nomem = true;
    png_longjmp(png, 1);
}

static inline void hc_png_on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

#endif

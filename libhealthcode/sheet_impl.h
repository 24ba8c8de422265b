/* sheet_impl.h — where sheet.c puts a code on an A4 page, as a function of
 * its own so that the layout can be tested to the point (test_sheet.c).
 * Units are PostScript points (1/72 inch). Not installed. */
#ifndef HC_SHEET_IMPL_H
#define HC_SHEET_IMPL_H

#include <stdbool.h>

typedef struct {
    double x, y;          /* the cell's top-left corner */
    double w, h;          /* the cell */
    double code_x, code_y, code; /* the code's square, quiet zone and band included */
    double module;        /* the side of one module: code / side */
    double text_x, text_y, text_w; /* the text block under the code */
} hc_sheet_cell;

/* The place of code number index (0-based, on its page) of a page of
 * per_page codes (1, 2, 4 or 6), for a code of side modules (quiet zone and
 * band included, hc_render_side). Every code of a layout fills the same
 * square, the largest the cell holds above its text block, whatever its QR
 * version: neighbouring cells line up, code and text. false for a per_page
 * or index out of range, or a module below HC_SHEET_MODULE_MIN_MM. */
bool hc_sheet_layout(int per_page, int index, int side, hc_sheet_cell *cell);

#endif

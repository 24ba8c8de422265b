/*
 * healthcode/sheet.h — printable paper codes: A4 sheets, PDF or PNG, drawn
 * with cairo and laid out with pango (part of the render side; built when
 * meson finds cairo and pango, -Dsheets).
 *
 * Each code on a sheet carries its QR code in its colour (the same picture as
 * hc_render_png: band, quiet zone, modules), the colour word in Chinese and
 * English (绿码 GREEN, 黄码 YELLOW, 红码 RED), the masked name and masked
 * document number exactly as the token holds them, the end of validity for
 * people in the sheet's zone ("有效期至 2020年02月11日 09:00" and "Valid until
 * 11 Feb 2020 09:00 (UTC+08:00)"), the issuer, an optional label (a batch
 * prints its input line), and dashed cut lines between the cells. Text is set
 * in the font fontconfig gives for "Noto Sans CJK SC" (Debian:
 * fonts-noto-cjk), with sans-serif as the fallback, one line each (a newline
 * in a field never starts another); a name too wide for its cell is set
 * smaller, then cut in its middle with "…" (its end is the family name).
 *
 * Print size: every code of a layout fills the same square, the largest its
 * cell holds above the text, whatever its QR version, so that neighbouring
 * cells line up, codes and text: 49 mm at 6 codes a page (0.75 mm modules
 * for a version 9 code), 91 mm at 4, 96.5 mm at 2, 190 mm at 1. A code
 * whose module would print below HC_SHEET_MODULE_MIN_MM is refused. The PDF
 * is vector (modules are filled rectangles), a PNG page is rasterised at
 * opts.dpi.
 *
 * The sheet prints what a token says without verifying it (hc_inspect): it is
 * a printer, not a checkpoint; a token whose nam, doc or iss holds a control,
 * bidirectional-control or invisible character is refused (HC_E_CLAIMS).
 * Outputs appear whole or not at all: a PDF is written to a temporary file
 * beside its path (mode 0666 less the umask, as the PNG pages) and renamed by
 * hc_sheet_finish; a PNG page is written and renamed one page at a time. An
 * output is never renamed over a FIFO, a device node or a socket (HC_E_IO).
 */
#ifndef HEALTHCODE_SHEET_H
#define HEALTHCODE_SHEET_H

#include <healthcode/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { HC_SHEET_PDF = 0, HC_SHEET_PNG = 1 } hc_sheet_format;

typedef struct {
    hc_sheet_format format;
    int per_page;           /* codes a page: 1, 2, 4 or 6 (grid 1×1, 1×2, 2×2, 2×3) */
    int32_t utc_offset_s;   /* zone of the printed validity end (a policy's hc_policy_utc_offset) */
    int dpi;                /* PNG only: 72–600 */
} hc_sheet_opts;

/* PDF, 6 a page, UTC+08:00, 150 dpi. */
#define HC_SHEET_OPTS_DEFAULT { HC_SHEET_PDF, 6, 8 * 3600, 150 }

/* The smallest QR module printed, in millimetres. */
#define HC_SHEET_MODULE_MIN_MM 0.5

typedef struct hc_sheet hc_sheet;

/* Parses "pdf" or "png" (case-insensitive). HC_E_ARG otherwise. */
HC_API hc_err hc_sheet_format_parse(const char *name, hc_sheet_format *out) HC_WARN_UNUSED;

/*
 * Starts a set of sheets. PDF: path is the PDF file to write. PNG: path is a
 * directory (created if missing) that receives page-000001.png, … .
 * opts NULL means HC_SHEET_OPTS_DEFAULT. Nothing appears at path before
 * hc_sheet_finish (PDF) or before a page is complete (PNG).
 * Errors: HC_E_ARG (NULL path or out, opts out of range), HC_E_IO (the
 * temporary file or the directory cannot be made; path is a FIFO, device
 * node or socket, or for PNG not a directory), HC_E_NOMEM.
 * Free with hc_sheet_free().
 */
HC_API hc_err hc_sheet_new(const char *path, const hc_sheet_opts *opts,
                           hc_sheet **out) HC_WARN_UNUSED;

/*
 * Adds one code. token is the token text (NUL-terminated), label a short
 * line printed under the issuer (NULL or "" for none; copied).
 * Errors: HC_E_PREFIX … HC_E_CLAIMS (the token does not decode, or its nam,
 * doc or iss holds a control, bidi-control or invisible character: nothing
 * is added), HC_E_LIMIT (its QR code would print below HC_SHEET_MODULE_MIN_MM),
 * HC_E_IO (a finished PNG page could not be written), HC_E_NOMEM.
 */
HC_API hc_err hc_sheet_add(hc_sheet *s, const char *token, const char *label) HC_WARN_UNUSED;

/*
 * Writes the last page and puts the output in place; *pages (may be NULL)
 * receives the number of pages. A sheet with no code writes no page and no
 * file (HC_OK, *pages 0). After it, only hc_sheet_free is allowed.
 * Errors: HC_E_IO, HC_E_NOMEM.
 */
HC_API hc_err hc_sheet_finish(hc_sheet *s, unsigned long *pages) HC_WARN_UNUSED;

/* Releases s; an unfinished PDF's temporary file is removed. NULL is a no-op. */
HC_API void hc_sheet_free(hc_sheet *s);

/*
 * Makes sheets from a batch's tokens.jsonl (one JSON object a line with at
 * least "line" (integer) and "token" (string), as `healthcode batch` writes
 * them; blank lines are skipped): each code is labelled with its input line.
 * diag, if given, names the line of a refused entry (and the field of a
 * token refused for its text).
 * Errors: HC_E_IO (jsonl unreadable, not a regular file; out a FIFO or
 * device node), HC_E_RECORD (a line is not such an object, holds a key twice
 * or a NUL byte, or is longer than 64 KiB), the errors of hc_sheet_new,
 * hc_sheet_add and hc_sheet_finish. On error nothing is left at out (PDF).
 */
HC_API hc_err hc_sheet_from_jsonl(const char *jsonl, const char *out, const hc_sheet_opts *opts,
                                  unsigned long *pages, hc_diag *diag) HC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif

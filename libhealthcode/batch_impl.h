/* batch_impl.h — the pieces of the batch that tests and the benchmark reach
 * directly: the line reader and the CSV mapping (batch_input.c), the cti pool
 * (batch_worker.c), the output line format (batch_output.c) and the sheet
 * renderer (batch.c). Not installed; batch_run.h has the rest. */
#ifndef HC_BATCH_IMPL_H
#define HC_BATCH_IMPL_H

#include <healthcode/batch.h>

/* A buffered reader of lines from a file descriptor, bounded by max. */
typedef struct {
    int fd;
    char *buf;
    size_t cap, pos, end, max;
    bool eof;
    uint64_t off;          /* file offset of buf[pos] */
    uint64_t line_start;   /* file offset where the last line returned starts */
    uint64_t line_no;      /* 1-based number of the last line returned */
} hc_lr;

hc_err hc_lr_open(hc_lr *r, const char *path, size_t max_line);
void hc_lr_close(hc_lr *r);
hc_err hc_lr_seek(hc_lr *r, uint64_t off, uint64_t line_no);
/* 1: a line (too_long: over max, *line NULL), 0: end of file, -1: I/O error. */
int hc_lr_next(hc_lr *r, const char **line, size_t *len, bool *too_long);

/* The default cti source of a batch thread: random bytes drawn from OpenSSL
 * 4 KiB at a time and handed out once each, in order. A pool filled before
 * the process forked is refilled in the child, so parent and child never
 * hand out the same bytes. Zero-initialise; 0 on success, -1 if OpenSSL's
 * generator fails. */
typedef struct {
    uint8_t bytes[4096];
    size_t left;           /* unused bytes at the end of bytes */
    unsigned forks;        /* the process's fork count when it was filled */
} hc_cti_pool;

int hc_cti_pool_draw(hc_cti_pool *p, uint8_t *buf, size_t len);

/* The CSV columns (batch.h lists them), in this order. */
enum {
    HC_CSV_ID, HC_CSV_ID_TYPE, HC_CSV_NAME, HC_CSV_RESIDENCE, HC_CSV_CONTACT_STATUS,
    HC_CSV_LAST_CONTACT, HC_CSV_DISCHARGED, HC_CSV_ENTRY_DATE, HC_CSV_ENTRY_FROM,
    HC_CSV_PREV_COLOUR, HC_CSV_PREV_SINCE, HC_CSV_DECL_AT, HC_CSV_DECL_TEMP,
    HC_CSV_DECL_SYMPTOMS, HC_CSV_DEVICE_KEY, HC_CSV_NCOLS
};

typedef struct {
    int ncols;
    int col[HC_CSV_NCOLS];   /* column i of the file is field col[i] */
} hc_csv_header;

/* Parses the header line. HC_E_RECORD (diag: the column) if a column is
 * unknown or repeated, or id is missing. */
hc_err hc_batch_csv_header(const char *line, size_t len, hc_csv_header *h, hc_diag *diag);
/* Turns one row into a record (through the JSON record parser); errors name
 * the CSV column. */
hc_err hc_batch_csv_record(const hc_csv_header *h, const char *line, size_t len, hc_record **out,
                           hc_diag *diag);

/* The output lines, with their checksum and '\n'. out: HC_TOKEN_MAX + 3072 bytes. */
size_t hc_batch_format_token(char *out, uint64_t line, const uint8_t cti[8], hc_colour c,
                             const char *token);
size_t hc_batch_format_error(char *out, uint64_t line, const char *field, hc_err err,
                             const char *message);
/* Checks an output line (without '\n'); colour is -1 for an error line. */
bool hc_batch_parse_output(const char *s, size_t n, uint64_t *line, int *colour);

/* true if DIR/png/LINE.png exists and ends with an IEND chunk. */
bool hc_batch_png_complete(const char *dir, uint64_t line);

#if HC_WITH_SHEETS
/* Writes the sheets of opts->sheets_format from DIR/tokens.jsonl, the
 * validity printed in the policy's zone. *pages = pages written. */
hc_err hc_batch_sheets(const char *dir, const hc_batch_opts *opts, const hc_policy *policy,
                       uint64_t *pages, hc_diag *diag);
#endif

#endif

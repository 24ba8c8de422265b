/*
 * healthcode/batch.h — issuing many codes from a file (issuer side).
 *
 * hc_batch_run() reads person records, one per line, from a JSON-lines file
 * (*.jsonl, each line one record as in doc/architecture.md) or a CSV file (*.csv, the
 * flat fields below), assesses and signs each, and writes into a directory:
 *
 *   DIR/tokens.jsonl   one line per issued record, in input order:
 *       {"line":N,"cti":"<16 hex>","colour":"green","token":"HCODE1:…","ck":"<8 hex>"}
 *   DIR/errors.jsonl   one line per input line that could not be issued:
 *       {"line":N,"field":"travel[1].to","error":"invalid_record","message":"…","ck":"<8 hex>"}
 *   DIR/png/N.png      with opts.png: the QR image of line N's token
 *   DIR/sheets.pdf               with opts.sheets: printable A4 pages (sheet.h),
 *   DIR/sheets/page-NNNNNN.png   … or PNG pages with opts.sheets_format 1
 *   DIR/batch.json     the run's parameters, checked by a resume
 *
 * N is the 1-based physical line number in the input file (a CSV header is
 * line 1). Every input line of the shard ends in exactly one of tokens.jsonl
 * or errors.jsonl — a blank line too ("empty line"). "ck" is the CRC-32
 * (IEEE, as zlib) of the line's bytes before `,"ck":`, in lower-case hex:
 * a resume uses it to find torn lines.
 *
 * Crash safety (doc/batch.md explains it): both files are append-only and
 * written in input order; PNGs are written to a temporary name and renamed;
 * every opts.checkpoint records the files are fsync'd (and the PNG directory's
 * file system synced). After a kill -9 or a power cut, hc_batch_run() with
 * opts.resume truncates both files to the longest prefix of input lines that
 * is complete (every line present once, checksum valid, PNG present), and
 * continues from there. The resumed run keeps the first run's now and
 * validity (from DIR/batch.json), so the batch has one iat and one exp.
 *
 * CSV: RFC 4180 quoting ("a ""b""" is a"b) without line breaks inside a
 * field (one record is one line). The header names the columns, in any order;
 * "id" is required, every other column is optional, an unknown or repeated
 * column is an error, an empty cell means the field is absent:
 *   id, id_type, name, residence, contact_status, last_contact, discharged,
 *   entry_date, entry_from, previous_colour, previous_since,
 *   declaration_at, declaration_temperature_c, declaration_symptoms,
 *   device_key
 * (symptoms separated by ';'; device_key the record's, base64 of an SPKI). Travel stays and daily check-ins are lists
 * and are not expressible in CSV: use JSON lines for records that have them.
 * Errors in a CSV row name the CSV column ("last_contact", not
 * "contact.last_contact").
 *
 * Sharding: line N belongs to shard K of S when N mod S == K (the CSV
 * header belongs to none). Shards 0..S-1 are disjoint and cover every line,
 * need no coordination, and keep the original line numbers: concatenating
 * the shards' outputs and sorting by "line" gives the unsharded output.
 *
 * Threads: opts.threads workers, each with its own hc_issuer (prepared
 * signing context); the output order is the input order whatever the count.
 * Memory is bounded by the in-flight window (about 256 records a thread),
 * not by the input size. A line longer than HC_RECORD_MAX is not read into
 * memory: the reader holds at most HC_RECORD_MAX + 1 MiB of it while looking
 * for its end, and the line becomes an errors.jsonl line ("too_large").
 */
#ifndef HEALTHCODE_BATCH_H
#define HEALTHCODE_BATCH_H

#include <healthcode/common.h>
#include <healthcode/key.h>
#include <healthcode/assess.h>
#include <healthcode/issue.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Progress, reported from the thread that called hc_batch_run() after each
 * window of records is written (and once at the end). The library reads no
 * clock: a caller computes rates and ETA from its own. */
typedef struct {
    uint64_t lines;          /* input lines of the shard handled so far (resumed ones included) */
    uint64_t issued;         /* lines in tokens.jsonl */
    uint64_t errors;         /* lines in errors.jsonl */
    uint64_t bytes_read;     /* input bytes consumed */
    uint64_t bytes_total;    /* input size in bytes (0 if not a regular file) */
    bool done;               /* the last call */
} hc_batch_progress;

typedef void (*hc_batch_progress_fn)(void *ctx, const hc_batch_progress *p);

typedef struct {
    const hc_key *key;           /* private signing key (required) */
    const char *iss;             /* issuer identifier (required) */
    const hc_policy *policy;     /* NULL: the built-in default policy */
    const uint8_t *subject_secret; /* optional, for sub (see hc_issuer_set_subject_secret) */
    size_t subject_secret_len;
    int64_t now;                 /* iat of every token and the instant of assessment */
    int64_t validity_s;          /* 0: 24 h */
    unsigned threads;            /* 0: 1 */
    bool png;                    /* write DIR/png/N.png */
    bool sheets;                 /* write paper sheets (6 codes an A4 page; needs the sheets part) */
    unsigned shard_k, shard_n;   /* shard_n 0 or 1: the whole input */
    uint64_t max_errors;         /* stop with HC_E_LIMIT once errors.jsonl has this many lines; 0: no limit */
    bool resume;                 /* continue the run in out_dir (see above) */
    uint64_t checkpoint;         /* fsync every this many records; 0: 10000 */
    hc_batch_progress_fn progress; /* optional */
    void *progress_ctx;
    /* For tests: a deterministic cti source given to each thread's issuer
     * (see hc_issuer_set_random). NULL: OpenSSL's RAND_bytes. */
    hc_random_fn random;
    void *random_ctx;
    int sheets_format;           /* with sheets: 0 DIR/sheets.pdf, 1 DIR/sheets/page-NNNNNN.png */
    /* Optional: record every issued code in this register (register.h,
     * -Dregister; its key set with hc_register_set_key), exactly once per
     * line of tokens.jsonl. Rows are committed, with a signed head, at each
     * checkpoint once tokens.jsonl is fsync'd, so the register is never
     * ahead of the file; a resume adds the rows of the lines the file holds
     * and the register does not (a kill between the two) and refuses a
     * register holding rows the file does not. DIR/batch.json names the
     * register's id and the batch's id (the codes' `batch` column): a
     * batch begun with a register resumes only with that register. NULL:
     * none. Without the register part: HC_E_UNSUPPORTED. */
    struct hc_register *reg;
} hc_batch_opts;

/* What a run did (the whole output, resumed lines included). */
typedef struct {
    uint64_t lines;              /* input lines of the shard handled */
    uint64_t issued[3];          /* by colour: [HC_GREEN], [HC_YELLOW], [HC_RED] */
    uint64_t errors;             /* lines in errors.jsonl */
    uint64_t resumed_lines;      /* of lines, those found complete in out_dir by a resume */
    uint64_t sheets;             /* sheet pages written */
    int64_t now;                 /* the now used (the first run's, on a resume) */
    int64_t validity_s;          /* the validity used */
    bool max_errors_reached;     /* stopped early by max_errors */
} hc_batch_summary;

/* Threads for opts.threads when the caller has no preference: the number of
 * online processors (at least 1). */
HC_API unsigned hc_batch_default_threads(void);

/*
 * Runs a batch from in_path (format from its extension: ".csv" is CSV,
 * anything else JSON lines) into out_dir (created if missing). summary and
 * diag may be NULL. The batch goes on past input errors (each becomes a line
 * of errors.jsonl) unless max_errors is reached.
 *
 * Errors (diag says what and where):
 *   HC_E_ARG    bad opts (no key or iss, shard_k >= shard_n, validity, now
 *               outside 0 to 9999-12-31T23:59:59Z as for hc_assess), or
 *               out_dir already holds a batch and resume is false, or a
 *               resume whose DIR/batch.json does not match (shard, input);
 *   HC_E_RECORD the CSV header is invalid (diag: line 1, the column), or
 *               the input is a PEM private key (its first line says so):
 *               refused before a line of it is read as a record;
 *   HC_E_LIMIT  max_errors reached (summary->max_errors_reached; the output
 *               is consistent and can be resumed with a higher limit);
 *   HC_E_IO     the input cannot be read, an output cannot be written;
 *   HC_E_UNSUPPORTED  png without the render part, sheets without the sheets part,
 *               reg without the register part;
 *   HC_E_REGISTER, HC_E_REGISTER_BUSY  (opts.reg) the register refused the
 *               rows or stayed locked; HC_E_IO also for a register on a full
 *               disk: the batch stops, and a resume adds what it missed;
 *   HC_E_KEY, HC_E_CRYPTO, HC_E_NOMEM.
 */
HC_API hc_err hc_batch_run(const hc_batch_opts *opts, const char *in_path, const char *out_dir,
                           hc_batch_summary *summary, hc_diag *diag) HC_WARN_UNUSED;

/* CRC-32 (IEEE 802.3, as zlib's crc32) of len bytes: the "ck" of an output line. */
HC_API uint32_t hc_batch_crc32(const void *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif

/* cli.h — helpers of the healthcode command: argument parsing, time and
 * duration syntax, files, JSON output, exit statuses. Public API only. */
#ifndef HC_CLI_H
#define HC_CLI_H

#include <healthcode/healthcode.h>

#include <jansson.h>
#include <stdio.h>

/* Exit statuses: the contract of DESIGN.md ("healthcode verify"). */
enum {
    EX_VALID = 0,       /* success; verify: valid; check: admitted */
    EX_DENY = 1,        /* check: the venue denies a valid token */
    EX_USAGE = 2,       /* bad command line */
    EX_INPUT = 3,       /* input or I/O error: file, key, record, policy, image */
    EX_MALFORMED = 10,  /* prefix, base45, CBOR, COSE shape, claims, too long */
    EX_UNKNOWN_KID = 11,
    EX_SIGNATURE = 12,  /* bad signature, algorithm, issuer, key window */
    EX_EXPIRED = 13,
    EX_NOT_YET = 14,
    EX_REVOKED = 15,    /* cti or sub */
};

/* The exit status for an error of a token's verification (or of an input). */
int cli_exit_for(hc_err err);

/* ---- command-line parsing: a tiny long-option iterator ---- */

typedef struct {
    const char *name;   /* without the leading "--" */
    bool has_arg;
    int id;             /* returned by cli_next */
} cli_opt;

#define CLI_POSITIONAL (-1)   /* *val is an operand ("-" included) */
#define CLI_END (-2)          /* no more arguments */
#define CLI_ERROR (-3)        /* a usage error; the message is printed */

typedef struct {
    const char *cmd;    /* "verify", for messages */
    int argc;
    char **argv;
    int i;              /* next argument */
    bool operands_only; /* after "--" */
} cli_args;

void cli_args_init(cli_args *a, const char *cmd, int argc, char **argv);

/* Next option (its id; *val its value or NULL) or operand. Accepts
 * "--name value" and "--name=value"; "--" ends the options; "-" is an
 * operand; any other word starting with '-' is an unknown option. */
int cli_next(cli_args *a, const cli_opt *opts, const char **val);

/* Prints "healthcode CMD: <message>" and the --help hint to stderr; returns EX_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "healthcode: <message>" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints an input error with its place: "healthcode: PATH:LINE: FIELD: message". */
void cli_diag(const char *path, hc_err err, const hc_diag *d);

/* ---- values ---- */

/* hc_time_parse (common.h): epoch seconds ("1580868000") or ISO 8601: "2020-02-05" (midnight),
 * "2020-02-05T09:00[:00[.fff]]" with "Z", "+08:00", "+0800" or "+08"; a
 * date or time without an offset is read at UTC+08:00, the zone of the
 * default policy. */
bool cli_parse_time(const char *s, int64_t *out);

/* hc_duration_parse: "90s", "15m", "24h", "7d", or a bare number of seconds; digits only, no sign. */
bool cli_parse_duration(const char *s, int64_t *out);

/* A decimal number (strtod, the whole string, finite). */
bool cli_parse_double(const char *s, double *out);

/* "2020-02-05T10:00:00Z" (offset_s 0) or "…+08:00". buf: at least 32 bytes. */
void cli_format_time(int64_t t, int32_t offset_s, char *buf, size_t cap);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void cli_hex(const uint8_t *b, size_t n, char *out);

/* ---- files ---- */

/* Reads path, or standard input for "-", into a NUL-terminated malloc'd
 * buffer of at most max bytes. Returns 0, or an errno value: EFBIG if larger
 * (a regular file: from its size, before reading; standard input: after at
 * most max + 1 bytes), EINVAL if path is not a regular file (a FIFO, a
 * device, a directory: refused at once, never waited on). */
int cli_read(const char *path, size_t max, char **data, size_t *len);

/* Reads a secret file of at most max bytes (the subject secret) with read(2)
 * into a malloc'd buffer, so that no stdio buffer or realloc leaves a copy in
 * freed memory; the buffer is wiped on every error path (the caller wipes it
 * after use). The file is checked on the descriptor read: a regular file not
 * readable by group or others. Returns 0, EACCES (readable by group or
 * others), EFBIG (over max), or another errno value. */
int cli_read_secret(const char *path, size_t max, uint8_t **data, size_t *len);

/* Writes data to path atomically (temporary file beside it, fsync, rename)
 * with mode (less the umask); "-" writes to standard output. 0 or errno. */
int cli_write_atomic(const char *path, const void *data, size_t len, unsigned mode);

/* Removes leading and trailing ASCII white space in place; returns the new length. */
size_t cli_trim(char *s, size_t len);

/* A token from an operand: the text itself, or standard input for "-", with
 * surrounding white space removed, into buf (cap bytes). Returns 0 or an
 * errno value; a text longer than cap-1 is cut at cap-1 characters and
 * *truncated set (the verifier then refuses it as too long). */
int cli_token_arg(const char *arg, char *buf, size_t cap, size_t *len, bool *truncated);

/* ---- commands in their own files ----
 * A command is int cmd_NAME(int argc, char **argv): argv holds the
 * arguments after the command's name; it returns the exit status. It
 * answers --help with its usage on stdout (status 0) and reports usage
 * errors with cli_usage_error (status 2). healthcode.c lists it in its
 * command table when meson defines HC_CLI_HAVE_NAME (the file exists):
 * batch is hc_cli_batch of tools/cmd_batch.h. */

/* Prints a JSON value (jansson) as one line to stdout and frees it. */
int cli_print_json(json_t *v);

#endif

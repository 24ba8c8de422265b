/* cli.h — helpers that several commands of the healthcode command share:
 * argument parsing, time and duration syntax, exit statuses and JSON output
 * (cli_util.c); files, keys, secrets, records, policies and token operands
 * (cli_files.c). Public API only. The commands are in cmd.h. */
#ifndef HC_CLI_H
#define HC_CLI_H

#include <healthcode/healthcode.h>

#include <jansson.h>
#include <stdio.h>

/* Exit statuses: the contract of doc/architecture.md ("The healthcode command"). */
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
    /* 20-27: trust bundles (cli_bundle_exit_for) */
    EX_PKCS11_MODULE = 7,   /* the PKCS#11 module cannot be loaded */
    EX_PKCS11_TOKEN = 8,    /* no token or key matches the pkcs11: URI */
    EX_PKCS11_PIN = 9,      /* the token refused the PIN */
    EX_PRESENTATION = 30,   /* P1: malformed live presentation */
    EX_UNBOUND = 31,        /* P3: the presented token is bound to no device */
    EX_DEVICE_ALG = 32,     /* P3: presentation alg is not the cnf key's */
    EX_DEVICE_SIGNATURE = 33, /* P4 */
    EX_STALE = 34,          /* P5: stale or future t */
    EX_NOT_LIVE = 35,       /* a plain token where live is required */
    EX_REGISTER = 40,       /* not a register */
    EX_REGISTER_VERSION = 41,
    EX_REGISTER_UNKNOWN = 42, /* no such cti or sub */
    EX_REGISTER_REVOKED = 43, /* already revoked */
    EX_SUBJECT_MISMATCH = 44,
    EX_AUDIT = 45,
    EX_REGISTER_BUSY = 46,
};

/* The exit status for an error of a token's verification (or of an input). */
int cli_exit_for(hc_err err);

/* ---- command-line parsing: a tiny long-option iterator ---- */

typedef struct {
    const char *name;   /* without the leading "--" */
    bool has_arg;
    int id;             /* returned by cli_next */
    const char **dest;  /* a plain string option: its value is stored here, not returned */
} cli_opt;

#define CLI_POSITIONAL (-1)   /* *val is an operand ("-" included) */
#define CLI_END (-2)          /* no more arguments */
#define CLI_ERROR (-3)        /* a usage error; the message is printed */
#define CLI_HELP (-4)         /* --help: the usage text is printed */

typedef struct {
    const char *cmd;    /* "verify", for messages */
    const char *usage;  /* printed for --help; NULL: the command handles --help itself */
    int argc;
    char **argv;
    int i;              /* next argument */
    bool operands_only; /* after "--" */
    const char *what, *hint; /* the one operand, if the command takes one: "record" */
    const char **operand;    /* where it goes; NULL: operands are returned */
} cli_args;

void cli_args_init(cli_args *a, const char *cmd, const char *usage, int argc, char **argv);

/* The command takes one operand (WHAT, e.g. "record"), stored in *slot by
 * cli_next: a second one is the usage error "one WHAT at a time ('VAL' is one
 * too many)". hint explains it when it is missing (cli_operand_missing). */
void cli_args_operand(cli_args *a, const char *what, const char *hint, const char **slot);

/* After the loop: "no WHAT given (HINT)" and EX_USAGE if the operand is
 * missing, else 0. */
int cli_operand_missing(const cli_args *a);

/* The exit status for what ended an option loop early: 0 for CLI_HELP,
 * EX_USAGE for a usage error (already printed). */
int cli_stop(int id);

/* Next option (its id; *val its value or NULL) or operand. Accepts
 * "--name value" and "--name=value"; "--" ends the options; "-" is an
 * operand; any other word starting with '-' is an unknown option, but for
 * "-h", which is "--help" everywhere. With a usage text, "--help" prints it
 * and returns CLI_HELP (without one, the table's "help" entry answers it);
 * with an operand slot, operands are stored there (not returned). */
int cli_next(cli_args *a, const cli_opt *opts, const char **val);

/* A command made of sub-commands (`healthcode trust entry …`): runs the one
 * argv[0] names with the arguments after it; "--help" (or none) prints usage,
 * whose first line must be "usage: healthcode CMD SUB1|SUB2 ..." (tests/help.sh
 * finds the sub-commands there), on stdout (status 0) or, for no or an unknown
 * sub-command, on stderr (EX_USAGE). subs ends with {NULL, NULL}. */
typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
} cli_sub;
/* Whether arg asks for help: "--help" or "-h" (the one short option). */
bool cli_is_help(const char *arg);

int cli_dispatch(const char *cmd, const char *usage, const cli_sub *subs, int argc, char **argv);

/* Prints "healthcode CMD: <message>" and the --help hint to stderr; returns EX_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An operand of a command that takes one (a record, a token): the first
 * goes to *slot; another is the usage error "one WHAT at a time ('VAL' is
 * one too many)". Returns 0 or EX_USAGE. */
int cli_one_operand(const char *cmd, const char *what, const char **slot, const char *val);

/* Prints "healthcode: <message>" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints an input error with its place: "healthcode: PATH:LINE: FIELD: message". */
void cli_diag(const char *path, hc_err err, const hc_diag *d);

/* ---- standard input as a file (cli_util.c) ---- */

/* Copies all of standard input to fd and fsyncs it, for a command that needs
 * its input as a file (to read it twice, or to resume from it): 0 or an errno
 * value. *first: the first byte that is not white space ('\0' if none). */
int cli_copy_stdin(int fd, char *first);

/* ---- values ---- */

/* hc_time_parse (common.h): epoch seconds ("1580868000") or ISO 8601: "2020-02-05" (midnight),
 * "2020-02-05T09:00[:00[.fff]]" with "Z", "+08:00", "+0800" or "+08"; a
 * date or time without an offset is read at UTC+08:00, the zone of the
 * default policy. */
bool cli_parse_time(const char *s, int64_t *out);

/* The instant a command works at: arg parsed by cli_parse_time, or the
 * clock when arg is NULL (the CLI reads the clock; the library never does).
 * A bad arg is a usage error of cmd ("--now: …"); returns false then. */
bool cli_now(const char *cmd, const char *arg, int64_t *now);

/* hc_duration_parse: "90s", "15m", "24h", "7d", or a bare number of seconds; digits only, no sign. */
bool cli_parse_duration(const char *s, int64_t *out);

/* A decimal number (strtod, the whole string, finite). */
bool cli_parse_double(const char *s, double *out);

/* "2020-02-05T10:00:00Z" (offset_s 0) or "…+08:00". buf: at least 32 bytes. */
void cli_format_time(int64_t t, int32_t offset_s, char *buf, size_t cap);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void cli_hex(const uint8_t *b, size_t n, char *out);

/* ---- files (cli_files.c) ---- */

/* Reads path, or standard input for "-", into a NUL-terminated malloc'd
 * buffer of at most max bytes. Returns 0, or an errno value: EFBIG if larger
 * (a regular file: from its size, before reading; standard input: after at
 * most max + 1 bytes), EINVAL if path is not a regular file (a FIFO, a
 * device, a directory: refused at once, never waited on). */
int cli_read(const char *path, size_t max, char **data, size_t *len);

/* Writes data to path atomically (temporary file beside it, fsync, rename)
 * with mode (less the umask); "-" writes to standard output. A path that is
 * a FIFO, device node or socket is refused (EINVAL; a directory EISDIR),
 * never renamed over. 0 or errno. */
int cli_write_atomic(const char *path, const void *data, size_t len, unsigned mode);

/* Locks path against the other commands that read it and write it back:
 * an exclusive flock on "PATH.lock" (its name into lock[cap]; created 0600,
 * never through a link), waited for, held until the returned fd is closed.
 * Returns the fd, or -1 with errno set (ENAMETOOLONG: the name does not fit). */
int cli_lock_beside(const char *path, char *lock, size_t cap);

/* Why a file the library could not use: for HC_E_IO, what the file system
 * says (the library's errno is not part of its contract); otherwise
 * hc_strerror(e). Never NULL. */
const char *cli_why(const char *path, hc_err e);

/* Reports a file the library refused: its diagnostic when d (may be NULL:
 * a call that gives none) has a message, otherwise cli_why(). A "pkcs11:" URI given where a file was expected is
 * shown by cli_key_error, never with its query. Returns EX_INPUT. */
int cli_load_error(const char *path, hc_err e, const hc_diag *d);

/* ---- the inputs of the commands (cli_files.c); each prints why it failed
 * and returns 0 or EX_INPUT; on success the caller frees what it got ---- */

/* How every message shows a key reference (a key file's path, or a
 * "pkcs11:" URI, RFC 7512): a URI without its query, where pin-source= (or
 * a refused pin-value=, a PIN) may be; a path whole. Returns how many bytes
 * of ref to show (for "%.*s"). */
int cli_key_ref_len(const char *ref);

/* ref as every message shows it, into buf: the cli_key_ref_len bytes, then
 * "?…" where a query was left out. Returns buf. */
const char *cli_key_ref_shown(const char *ref, char *buf, size_t cap);

/* Prints "healthcode: REF: <message>" to stderr, REF shown as
 * cli_key_ref_len says ("?…" marks a query left out). Every message about
 * a key goes through it. */
void cli_key_error(const char *ref, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints why the key at ref could not be loaded or made (e, from
 * hc_key_load_file or hc_key_generate_pkcs11) through cli_key_error: for a
 * URI what it lacks or which of module, token and PIN failed, for a file
 * its mode, encryption or I/O error. Returns the exit status: EX_PKCS11_MODULE,
 * EX_PKCS11_TOKEN, EX_PKCS11_PIN, or EX_INPUT. */
int cli_key_failed(const char *ref, hc_err e);

/* A key, public or private (hc_key_load_file): a PEM file, or a key on a
 * PKCS#11 token (a "pkcs11:" URI). pass: --key-pass's value (NULL: none),
 * "file:PATH" (the first line of a file group and others cannot read) or
 * "env:VAR" (the variable is wiped and unset once read), the passphrase of
 * an encrypted PEM key, wiped after use. A failure is printed through
 * cli_key_error: a key file readable by group or others ("run: chmod 600
 * PATH"), an encrypted key without its passphrase, what a URI lacks.
 * Returns 0, EX_INPUT, EX_USAGE (a pass that is neither file: nor env:), or
 * for a token EX_PKCS11_MODULE, EX_PKCS11_TOKEN or EX_PKCS11_PIN; *key is
 * NULL on failure. */
int cli_load_key(const char *ref, const char *pass, hc_key **key);

/* A private signing key: cli_load_key, and a public key refused ("this is
 * a public key; signing needs the private key", EX_INPUT). */
int cli_load_private_key(const char *path, const char *pass, hc_key **key);

/* The subject secret: 16 to 64 bytes, read with read(2) from a regular file
 * that group and others cannot read, checked with fstat on the descriptor
 * read (no race between the check and the read), into a malloc'd buffer
 * that no stdio buffer or realloc copies. The buffer is wiped on every
 * error path; the caller wipes (explicit_bzero) and frees it after use.
 * A readable file is refused with "… readable by group or others (fix:
 * chmod 600 PATH)". */
int cli_load_secret(const char *path, uint8_t **secret, size_t *len);

/* The issuer iss signing with key (named keyp in messages), given the
 * subject secret when secret is not NULL (read from secretp): what issue and
 * correct both make. An issuer name that is not 1-32 printable ASCII
 * characters is a usage error of cmd; a key the library refuses prints
 * through cli_key_error. Returns 0 or the exit status. */
int cli_issuer_new(const char *cmd, const char *iss, const hc_key *key, const char *keyp,
                   const uint8_t *secret, size_t secret_len, const char *secretp, hc_issuer **out);

/* A person record file (or "-" for standard input), at most HC_RECORD_MAX
 * bytes, parsed; an error is printed with its place. */
int cli_load_record(const char *path, hc_record **rec);

/* The policy file (NULL: the built-in default), then the risk map if
 * risk_map is not NULL. */
int cli_load_policy(const char *path, const char *risk_map, hc_policy **pol);

/* ---- token operands (cli_files.c) ---- */

/* Removes leading and trailing ASCII white space in place; returns the new length. */
size_t cli_trim(char *s, size_t len);

/* A token from an operand: the text itself, or standard input for "-", with
 * surrounding white space removed, into buf (cap bytes). Returns 0 or an
 * errno value; a text longer than cap-1 is cut at cap-1 characters and
 * *truncated set (the verifier then refuses it as too long). */
int cli_token_arg(const char *arg, char *buf, size_t cap, size_t *len, bool *truncated);

/* A token as the commands hold it: one byte over HC_TOKEN_MAX, so that a
 * longer text reaches the library and is refused there as too long. Large:
 * allocate it. */
typedef struct {
    char text[HC_TOKEN_MAX + 2];
    size_t len;
} cli_token;

/* The token of an operand (cli_token_arg); prints "CMD: cannot read the
 * token: …" on failure. Returns 0 or EX_INPUT. */
int cli_token_from_arg(const char *cmd, const char *arg, cli_token *t);

/* The token of the QR code in a PNG image (hc_scan_png_file), trimmed.
 * Returns HC_OK or the scan error, unprinted: verify reports it as a
 * verdict. HC_E_UNSUPPORTED in a build without scan support. */
hc_err cli_token_from_png(const char *path, cli_token *t);

#if HC_WITH_RENDER
/* Renders text as a QR PNG in colour col and writes it atomically (0644)
 * to path ("-": stdout). Prints "CMD: cannot render …" or the file's
 * error; returns 0, EX_MALFORMED (a text the encoder refuses as malformed)
 * or EX_INPUT. */
int cli_write_png(const char *cmd, const char *path, const char *text, hc_colour col,
                  const hc_render_opts *ro);
#endif

/* ---- JSON output (cli_util.c) ---- */

/* Prints a JSON value (jansson) as one line to stdout and frees it. */
int cli_print_json(json_t *v);

/* Adds the claims to o as the members colour, iss, iat, iat_iso, exp,
 * exp_iso, kid, alg, cti, sub, nam, doc, reg, knd, in that order. header /
 * claims: which parts of c are known (the others are null). */
void cli_claims_json(json_t *o, const hc_claims *c, bool header, bool claims);

#endif

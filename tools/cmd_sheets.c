/* cmd_sheets.c — `healthcode sheets`: printable paper codes (PDF or PNG A4
 * pages) from a batch's tokens.jsonl, so a community office can reprint one
 * street without issuing again. Public API only (hc_sheet_from_jsonl). */
#include "cli.h"
#include "cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_sheets[] =
    "usage: healthcode sheets --in TOKENS.jsonl|- --out FILE.pdf|DIR [--format pdf|png]\n"
    "                         [--per-page N] [--policy P.json] [--utc-offset ±HH:MM]\n"
    "\n"
    "Prints the codes of TOKENS.jsonl (what `healthcode batch` writes: one object a\n"
    "line with \"line\" and \"token\"; grep it to reprint a few) on A4 pages: each code\n"
    "with its QR code in its colour, 绿码/黄码/红码 and GREEN/YELLOW/RED, the masked name\n"
    "and document number as the token holds them, the end of validity in local time,\n"
    "the issuer, the input line, and cut lines. Tokens are printed, not verified; a\n"
    "name, number or issuer holding a control, bidi-control or invisible character\n"
    "is refused (the line is named).\n"
    "--in - reads standard input (through a temporary file in TMPDIR).\n"
    "\n"
    "  --format pdf|png   pdf (default): one vector PDF at OUT; png: DIR/page-NNNNNN.png\n"
    "                     at 150 dpi\n"
    "  --per-page N       codes a page: 1, 2, 4 or 6 (default 6); each code fills the\n"
    "                     square its cell holds above its text, whatever its version\n"
    "  --policy P.json    print validity in this policy's time zone (default UTC+08:00)\n"
    "  --utc-offset OFF   or give the zone directly: +08:00, -05:00, Z\n"
    "\n"
    "The output appears whole or not at all (the PDF with mode 0644, less the umask,\n"
    "as the PNG pages), and never replaces a FIFO or device node. Exit status: 0\n"
    "done, 2 usage, 3 input or I/O error (the line is named).\n";

/* "+08:00", "-0530", "+8", "Z" → seconds east of UTC. */
static bool parse_offset(const char *s, int32_t *out)
{
    char buf[64];
    int64_t t;
    /* the library's one time rule reads the offset: 1970-01-02T00:00 at it */
    if (strlen(s) > 8 || snprintf(buf, sizeof buf, "1970-01-02T00:00:00%s", s) < 0 ||
        hc_time_parse(buf, &t) != HC_OK)
        return false;
    *out = (int32_t)(86400 - t);
    return true;
}

static int offset_of_policy(const char *path, int32_t *off)
{
    hc_policy *p = NULL;
    hc_diag d = {0};
    hc_err err = hc_policy_load(path, &p, &d);
    if (err != HC_OK) {
        cli_diag(path, err, &d);
        return EX_INPUT;
    }
    *off = hc_policy_utc_offset(p);
    hc_policy_free(p);
    return 0;
}

/* `--in -` (a filter: grep … tokens.jsonl | healthcode sheets --in - …): standard
 * input into a temporary file of TMPDIR first, which the library reads as a file
 * (it refuses pipes, which it cannot measure); the caller unlinks path. */
static int spool_stdin(char *path, size_t cap)
{
    const char *dir = getenv("TMPDIR");
    if ((size_t)snprintf(path, cap, "%s/healthcode-sheets-XXXXXX", dir && *dir ? dir : "/tmp") >= cap)
        return cli_usage_error("sheets", "TMPDIR: the path is too long");
    int fd = mkstemp(path), err = fd < 0 ? errno : 0;
    char first;
    if (!err)
        err = cli_copy_stdin(fd, &first);
    if (fd >= 0 && close(fd) != 0 && !err)
        err = errno;
    if (err) {
        cli_error("sheets: cannot read standard input into %s: %s", path, strerror(err));
        if (fd >= 0)
            unlink(path);
        path[0] = '\0';
        return EX_INPUT;
    }
    return 0;
}

int cmd_sheets(int argc, char **argv)
{
    enum { O_FORMAT = 1, O_PER_PAGE, O_OFFSET };
    const char *in = NULL, *out = NULL, *policy = NULL, *val;
    const cli_opt opts[] = {
        {"in", true, 0, &in}, {"out", true, 0, &out}, {"policy", true, 0, &policy},
        {"format", true, O_FORMAT, NULL}, {"per-page", true, O_PER_PAGE, NULL},
        {"utc-offset", true, O_OFFSET, NULL}, {NULL, false, 0, NULL}};
    cli_args a;
    cli_args_init(&a, "sheets", usage_sheets, argc, argv);
    hc_sheet_opts so = HC_SHEET_OPTS_DEFAULT;
    bool have_offset = false;
    for (int id; (id = cli_next(&a, opts, &val)) != CLI_END;) {
        switch (id) {
        case O_FORMAT:
            if (hc_sheet_format_parse(val, &so.format) != HC_OK)
                return cli_usage_error("sheets", "--format: '%s' is neither pdf nor png", val);
            break;
        case O_PER_PAGE: {
            char *end;
            long n = strtol(val, &end, 10);
            if (*end || (n != 1 && n != 2 && n != 4 && n != 6))
                return cli_usage_error("sheets", "--per-page: '%s' is not 1, 2, 4 or 6", val);
            so.per_page = (int)n;
            break;
        }
        case O_OFFSET:
            if (!parse_offset(val, &so.utc_offset_s))
                return cli_usage_error("sheets", "--utc-offset: '%s' is not an offset such as +08:00 or Z", val);
            have_offset = true;
            break;
        case CLI_POSITIONAL:
            return cli_usage_error("sheets", "unexpected operand '%s' (the input is --in FILE)", val);
        default: return cli_stop(id);
        }
    }
    if (!in || !out)
        return cli_usage_error("sheets", "both --in TOKENS.jsonl and --out FILE are needed");
    if (policy && have_offset)
        return cli_usage_error("sheets", "give --policy or --utc-offset, not both");
    int rc = policy ? offset_of_policy(policy, &so.utc_offset_s) : 0;
    if (rc)
        return rc;
    unsigned long pages = 0;
    hc_diag d = {0};
    char spooled[4096] = "";
    if (strcmp(in, "-") == 0 && (rc = spool_stdin(spooled, sizeof spooled)) != 0)
        return rc;
    hc_err err = hc_sheet_from_jsonl(spooled[0] ? spooled : in, out, &so, &pages, &d);
    if (spooled[0])
        unlink(spooled);
    if (err != HC_OK) {
        if (d.message[0] && strncmp(d.message, out, strlen(out)) == 0)
            cli_error("%s", d.message);   /* about the output, not a line of the input */
        else if (d.message[0])
            cli_diag(in, err, &d);
        else
            cli_error("%s: %s", out, hc_strerror(err));
        return EX_INPUT;
    }
    fprintf(stderr, "healthcode sheets: %lu page%s in %s\n", pages, pages == 1 ? "" : "s", out);
    return 0;
}

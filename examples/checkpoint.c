/*
 * checkpoint.c — a checkpoint scanner on libhealthcode's public API.
 *
 * A USB QR scanner is a keyboard: it types each code followed by Enter. This
 * program reads those lines from stdin, verifies each token offline against
 * the trusted keys and prints a large verdict a guard can read from a metre
 * away: green ADMIT or red DENY, with the reason in Chinese and English.
 *
 *   checkpoint --trust keys/ [--trust list.json] [--revoked revoked.bin]
 *              [--venue venue.json] [--temperature 37.9] [--now T] [--no-color]
 *              [--png IMG…]
 *
 * Exit status: that of the last token read: 0 admitted, 1 denied; 2 usage, 3
 * a trust, revocation or venue file could not be loaded.
 *
 * Build against an installed library:
 *   cc checkpoint.c $(pkg-config --cflags --libs healthcode) -o checkpoint
 */
#include <healthcode/healthcode.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static bool colour_out = true;

/* A 5-row block font, just the letters of ADMIT and DENY. */
static const char *glyph(char c, int row)
{
    static const char *const A[5] = {" ███ ", "█   █", "█████", "█   █", "█   █"};
    static const char *const D[5] = {"████ ", "█   █", "█   █", "█   █", "████ "};
    static const char *const M[5] = {"█   █", "██ ██", "█ █ █", "█   █", "█   █"};
    static const char *const I[5] = {"█████", "  █  ", "  █  ", "  █  ", "█████"};
    static const char *const T[5] = {"█████", "  █  ", "  █  ", "  █  ", "  █  "};
    static const char *const E[5] = {"█████", "█    ", "████ ", "█    ", "█████"};
    static const char *const N[5] = {"█   █", "██  █", "█ █ █", "█  ██", "█   █"};
    static const char *const Y[5] = {"█   █", " █ █ ", "  █  ", "  █  ", "  █  "};
    switch (c) {
    case 'A': return A[row];
    case 'D': return D[row];
    case 'M': return M[row];
    case 'I': return I[row];
    case 'T': return T[row];
    case 'E': return E[row];
    case 'N': return N[row];
    case 'Y': return Y[row];
    }
    return "     ";
}

static void banner(const char *word, bool admit)
{
    const char *on = colour_out ? (admit ? "\033[1;32m" : "\033[1;31m") : "";
    const char *off = colour_out ? "\033[0m" : "";
    putchar('\n');
    for (int row = 0; row < 5; row++) {
        printf("  %s", on);
        for (const char *w = word; *w; w++)
            printf("%s  ", glyph(*w, row));
        printf("%s\n", off);
    }
    putchar('\n');
}

/* The verdict for a token that did not verify: what a guard should tell the
 * holder. The stable error name is printed too, for the log. */
static void show_invalid(hc_err err, const hc_claims *c)
{
    const char *zh = "健康码无效";
    switch (err) {
    case HC_E_EXPIRED: zh = "健康码已过期，请刷新"; break;
    case HC_E_NOT_YET_VALID: zh = "健康码尚未生效（请检查设备时间）"; break;
    case HC_E_REVOKED: case HC_E_SUBJECT_REVOKED: zh = "健康码已被撤销"; break;
    case HC_E_UNKNOWN_KID: case HC_E_ISSUER_MISMATCH: case HC_E_KEY_NOT_VALID:
        zh = "无法识别签发机构"; break;
    case HC_E_SIGNATURE: case HC_E_ALG: zh = "健康码签名无效（可能被篡改）"; break;
    default: break;
    }
    banner("DENY", false);
    printf("  %s\n  Denied: %s (%s)\n", zh, hc_strerror(err), hc_err_name(err));
    if (c->claims_ok)
        printf("  issuer %s, colour %s (not trusted)\n", c->iss, hc_colour_name(c->colour));
}

static void show_decision(const hc_decision *d, const hc_claims *c, const char *venue)
{
    bool admit = d->verdict == HC_ADMIT;
    banner(admit ? "ADMIT" : "DENY", admit);
    printf("  %s\n  %s\n", d->zh, d->en);
    printf("  [%s] %s, issued by %s%s%s\n", d->code, hc_colour_name(c->colour), c->iss,
           venue[0] ? " — " : "", venue);
}

typedef struct {
    hc_trust *trust;
    hc_revocations *revoked;
    hc_venue_rules rules;
    double temperature;
    int64_t now;      /* 0: the clock, read for each token */
} checkpoint;

/* Verifies one token and decides; returns 0 admit, 1 deny. */
static int check_token(const checkpoint *cp, const char *text, size_t len)
{
    hc_verify_opts opts = HC_VERIFY_OPTS_DEFAULT;
    opts.revoked = cp->revoked;
    int64_t now = cp->now ? cp->now : (int64_t)time(NULL);
    hc_claims c;
    hc_err err = hc_verify(cp->trust, text, len, now, &opts, &c);
    if (err != HC_OK) {
        show_invalid(err, &c);
        return 1;
    }
    hc_decision d;
    err = hc_checkpoint_decide(&c, &cp->rules, now, cp->temperature, &d);
    if (err != HC_OK) {
        show_invalid(err, &c);
        return 1;
    }
    show_decision(&d, &c, cp->rules.name);
    return d.verdict == HC_ADMIT ? 0 : 1;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: checkpoint --trust PEM|DIR%s [--trust …] [--revoked FILE]%s\n"
            "                  [--temperature C] [--now EPOCH] [--no-color]%s\n"
            "Reads tokens from stdin, one a line (as a USB scanner types them).\n",
            HC_WITH_JSON ? "|LIST.json" : "", HC_WITH_JSON ? " [--venue VENUE.json]" : "",
            HC_WITH_SCAN ? " [--png IMG…]" : "");
    return 2;
}

static int load_venue(const char *path, hc_venue_rules *rules)
{
#if HC_WITH_JSON
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 3;
    }
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    hc_diag d;
    hc_err err = hc_venue_parse_json(buf, n, rules, &d);
    if (err != HC_OK) {
        fprintf(stderr, "%s: %s: %s\n", path, hc_err_name(err), d.message);
        return 3;
    }
    return 0;
#else
    (void)rules;
    fprintf(stderr, "%s: this build has no JSON support; the default venue rules apply\n", path);
    return 0;
#endif
}

int main(int argc, char **argv)
{
    checkpoint cp = {NULL, NULL, HC_VENUE_RULES_DEFAULT, NAN, 0};
    int status = 0, first_png = 0;
    colour_out = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
    if (hc_trust_new(&cp.trust) != HC_OK)
        return 3;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        hc_diag d;
        memset(&d, 0, sizeof d);
        if (strcmp(a, "--no-color") == 0) {
            colour_out = false;
        } else if (strcmp(a, "--color") == 0) {
            colour_out = true;
        } else if (strcmp(a, "--png") == 0) {
            first_png = i + 1;
            break;
        } else if (!v) {
            return usage();
        } else if (strcmp(a, "--trust") == 0) {
            hc_err err = hc_trust_add_path(cp.trust, v, &d);
            if (err != HC_OK) {
                fprintf(stderr, "%s: %s: %s %s\n", v, hc_err_name(err), d.field, d.message);
                return 3;
            }
            i++;
        } else if (strcmp(a, "--revoked") == 0) {
            if (!cp.revoked && hc_revocations_new(&cp.revoked) != HC_OK)
                return 3;
            hc_err err = hc_revocations_load(cp.revoked, v, &d);
            if (err != HC_OK) {
                fprintf(stderr, "%s: %s: line %ld: %s\n", v, hc_err_name(err), d.line, d.message);
                return 3;
            }
            i++;
        } else if (strcmp(a, "--venue") == 0) {
            if ((status = load_venue(v, &cp.rules)) != 0)
                return status;
            i++;
        } else if (strcmp(a, "--temperature") == 0) {
            char *end;
            cp.temperature = strtod(v, &end);
            if (*end || end == v)
                return usage();
            i++;
        } else if (strcmp(a, "--now") == 0) {
            cp.now = strtoll(v, NULL, 10);
            i++;
        } else {
            return usage();
        }
    }
    if (hc_trust_count(cp.trust) == 0) {
        fprintf(stderr, "no trusted keys: give --trust\n");
        return usage();
    }

    if (first_png) {
#if HC_WITH_SCAN
        for (int i = first_png; i < argc; i++) {
            char text[HC_TOKEN_MAX + 1];
            size_t len = 0;
            hc_err err = hc_scan_png_file(argv[i], text, sizeof text, &len);
            if (err != HC_OK) {
                fprintf(stderr, "%s: %s\n", argv[i], hc_strerror(err));
                status = 1;
                continue;
            }
            status = check_token(&cp, text, len);
        }
#else
        fprintf(stderr, "this build cannot read images (built without -Dscan)\n");
        status = 2;
#endif
    } else {
        /* one token a line; a scanner may send CR LF */
        char line[HC_TOKEN_MAX + 4];
        while (fgets(line, sizeof line, stdin)) {
            size_t len = strcspn(line, "\r\n");
            if (line[len] == '\0' && !feof(stdin)) {
                /* longer than any token: drop the rest of the line */
                int ch;
                while ((ch = getchar()) != EOF && ch != '\n')
                    ;
                show_invalid(HC_E_LIMIT, &(hc_claims){.claims_ok = false});
                status = 1;
                continue;
            }
            if (len == 0)
                continue;
            status = check_token(&cp, line, len);
            fflush(stdout);
        }
    }
    hc_trust_free(cp.trust);
    hc_revocations_free(cp.revoked);
    return status;
}

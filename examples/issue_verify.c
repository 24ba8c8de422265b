/* issue_verify.c — the whole pipeline through the public API, as a provincial
 * back end would call it: parse a record, assess it under the default policy,
 * sign a code, render it as a PNG, and verify it as a checkpoint would.
 *
 *   build/examples/issue_verify examples/record.json code.png [now]
 *
 * Prints the colour with its reasons, the token, and the verdict. Exit 0 when
 * the token verifies, 1 on any error (named with hc_err_name and the field). */
#include <healthcode/healthcode.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *colour_name(hc_colour c)
{
    return c == HC_GREEN ? "green" : c == HC_YELLOW ? "yellow" : "red";
}

static int fail(const char *what, hc_err err, const hc_diag *d)
{
    fprintf(stderr, "issue_verify: %s: %s (%s)%s%s\n", what, hc_strerror(err), hc_err_name(err),
            d && d->field[0] ? ": " : "", d && d->field[0] ? d->field : "");
    return 1;
}

/* Reads a whole small file; the caller frees. NULL on failure. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 20);
    *len = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (buf)
        buf[*len] = '\0';
    return buf;
}

static int write_png(const char *token, hc_colour colour, const char *path)
{
    uint8_t *png = NULL;
    size_t n = 0;
    hc_err err = hc_render_png(token, colour, NULL, &png, &n);
    if (err != HC_OK)
        return fail("render", err, NULL);
    FILE *f = fopen(path, "wb");
    int bad = !f || fwrite(png, 1, n, f) != n;
    if (f && fclose(f) != 0)
        bad = 1;
    hc_free(png);
    if (bad)
        fprintf(stderr, "issue_verify: cannot write %s\n", path);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: issue_verify RECORD.json OUT.png [NOW-EPOCH-SECONDS]\n");
        return 2;
    }
    int64_t now = argc == 4 ? strtoll(argv[3], NULL, 10) : (int64_t)time(NULL);
    size_t len = 0;
    char *json = slurp(argv[1], &len);
    if (!json) {
        fprintf(stderr, "issue_verify: cannot read %s\n", argv[1]);
        return 1;
    }

    int rc = 1;
    hc_diag d = {0};
    hc_record *rec = NULL;
    hc_policy *pol = NULL;
    hc_key *key = NULL;
    hc_issuer *is = NULL;
    hc_trust *trust = NULL;
    hc_err err;
    if ((err = hc_record_parse_json(json, len, &rec, &d)) != HC_OK) {
        rc = fail("record", err, &d);
        goto out;
    }
    if ((err = hc_policy_load(NULL, &pol, &d)) != HC_OK) {
        rc = fail("policy", err, &d);
        goto out;
    }
    static hc_assessment a;   /* large (reasons with sentences): not on the stack */
    if ((err = hc_assess(pol, rec, now, &a, &d)) != HC_OK) {
        rc = fail("assess", err, &d);
        goto out;
    }
    printf("colour: %s\n", colour_name(a.colour));
    for (size_t i = 0; i < a.n_reasons; i++)
        printf("  %s %s\n", a.reasons[i].holds ? "*" : "-", a.reasons[i].en);

    /* A fresh key for the example; a real issuer loads its own with hc_key_load_file. */
    if ((err = hc_key_generate(HC_ALG_ES256, &key)) != HC_OK ||
        (err = hc_issuer_new("CN-330000", key, &is)) != HC_OK) {
        rc = fail("key", err, NULL);
        goto out;
    }
    char token[HC_TOKEN_MAX + 1];
    size_t tlen = 0;
    if ((err = hc_issue(is, rec, &a, now, 24 * 3600, token, sizeof token, &tlen)) != HC_OK) {
        rc = fail("issue", err, NULL);
        goto out;
    }
    printf("token (%zu chars): %s\n", tlen, token);
    if (write_png(token, a.colour, argv[2]) != 0)
        goto out;

    /* The checkpoint: trust the public half, verify a minute later. */
    if ((err = hc_trust_new(&trust)) != HC_OK || (err = hc_trust_add_key(trust, key, NULL)) != HC_OK) {
        rc = fail("trust", err, NULL);
        goto out;
    }
    hc_claims c;
    err = hc_verify(trust, token, tlen, now + 60, NULL, &c);
    if (err != HC_OK) {
        rc = fail("verify", err, NULL);
        goto out;
    }
    printf("verified: %s code from %s, valid until %" PRId64 "\n", colour_name(c.colour), c.iss, c.exp);
    rc = 0;
out:
    hc_trust_free(trust);
    hc_issuer_free(is);
    hc_key_free(key);
    hc_policy_free(pol);
    hc_record_free(rec);
    free(json);
    return rc;
}

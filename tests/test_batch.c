/* test_batch.c — batch issuance: input order whatever the threads, every line
 * in exactly one output, exact error lines, shards, CSV, max-errors, resume
 * after torn and corrupt tails, PNGs and sheets. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <healthcode/healthcode.h>
#include "batch_impl.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOW 1581292800   /* 2020-02-10T00:00:00Z */

static hc_key *key;
static hc_trust *trust;

/* Records with known colours at NOW under the default policy. */
#define R_GREEN "{\"id\":\"330402199001011230\",\"id_type\":\"cn_resident\",\"name\":\"张三\",\"residence\":330402}"
#define R_RED "{\"id\":\"330102198503154564\",\"id_type\":\"cn_resident\",\"name\":\"李四\",\"residence\":330102," \
              "\"contact\":{\"status\":\"close\",\"last_contact\":\"2020-02-05\"}}"
#define R_YELLOW "{\"id\":\"330302199511200028\",\"id_type\":\"cn_resident\",\"name\":\"王五\",\"residence\":330302," \
                 "\"contact\":{\"status\":\"secondary\",\"last_contact\":\"2020-02-06\"}}"
#define R_PASSPORT "{\"id\":\"E12345678\",\"id_type\":\"passport\",\"name\":\"John Smith\"}"
#define R_BAD_ID "{\"id\":\"330402199001011231\",\"id_type\":\"cn_resident\",\"name\":\"赵六\"}"

/* ------------------------------------------------------------- helpers */

static int rm_one(const char *p, const struct stat *s, int f, struct FTW *w)
{
    (void)s, (void)f, (void)w;
    return remove(p);
}

static void rm_rf(const char *dir) { nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS); }

typedef struct {
    char root[64];
    char in[128];
    char out[128];
} fixture;

static void fixture_make(fixture *f, const char *ext, const char *text, size_t len)
{
    strcpy(f->root, "/tmp/hc_batch_test_XXXXXX");
    assert_non_null(mkdtemp(f->root));
    snprintf(f->in, sizeof f->in, "%s/in.%s", f->root, ext);
    snprintf(f->out, sizeof f->out, "%s/out", f->root);
    FILE *fp = fopen(f->in, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, len, fp), len);
    fclose(fp);
}

static void opts_init(hc_batch_opts *o, unsigned threads)
{
    memset(o, 0, sizeof *o);
    o->key = key;
    o->iss = "CN-330000";
    o->now = NOW;
    o->validity_s = 86400;
    o->threads = threads;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        *len = 0;
        return strdup("");
    }
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static char *out_file(const fixture *f, const char *name, size_t *len)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", f->out, name);
    return slurp(p, len);
}

/* "line:colour" for each token line and "line:E:field" for each error line,
 * merged in line order, one per '\n'; every line checksummed and every token
 * verified against the key. */
static char *digest(const fixture *f)
{
    size_t tl, el;
    char *t = out_file(f, "tokens.jsonl", &tl), *e = out_file(f, "errors.jsonl", &el);
    size_t cap = 64 + 64 * (tl + el) / 40;
    char *d = calloc(1, cap);
    size_t n = 0;
    char *tp = t, *ep = e;
    for (;;) {
        uint64_t tline = UINT64_MAX, eline = UINT64_MAX;
        int col;
        char *tn = strchr(tp, '\n'), *en = strchr(ep, '\n');
        if (tn)
            assert_true(hc_batch_parse_output(tp, (size_t)(tn - tp), &tline, &col));
        if (en)
            assert_true(hc_batch_parse_output(ep, (size_t)(en - ep), &eline, &col));
        if (!tn && !en)
            break;
        if (tline < eline) {
            assert_true(hc_batch_parse_output(tp, (size_t)(tn - tp), &tline, &col));
            char *tok = strstr(tp, "\"token\":\"") + 9;
            size_t tlen = strcspn(tok, "\"");
            hc_claims c;
            assert_int_equal(hc_verify(trust, tok, tlen, NOW, NULL, &c), HC_OK);
            assert_int_equal((int)c.colour, col);
            assert_int_equal(c.iat, NOW);
            assert_int_equal(c.exp, NOW + 86400);
            char hex[17];
            for (int i = 0; i < 8; i++)
                snprintf(hex + 2 * i, 3, "%02x", c.cti[i]);
            assert_memory_equal(strstr(tp, "\"cti\":\"") + 7, hex, 16);   /* the line's cti is the token's */
            n += (size_t)snprintf(d + n, cap - n, "%llu:%s\n", (unsigned long long)tline,
                                  hc_colour_name((hc_colour)col));
            tp = tn + 1;
        } else {
            char *field = strstr(ep, "\"field\":\"") + 9;
            n += (size_t)snprintf(d + n, cap - n, "%llu:E:%.*s\n", (unsigned long long)eline,
                                  (int)strcspn(field, "\""), field);
            ep = en + 1;
        }
    }
    assert_int_equal(*tp, '\0');   /* no torn tail */
    assert_int_equal(*ep, '\0');
    free(t);
    free(e);
    return d;
}

static const char *mixed_input(void)
{
    return R_GREEN "\n" R_RED "\n" R_BAD_ID "\n" R_YELLOW "\n\n" "{not json\n" R_PASSPORT "\n";
}

static const char mixed_digest[] =
    "1:green\n2:red\n3:E:id\n4:yellow\n5:E:\n6:E:\n7:green\n";

/* ---------------------------------------------------------------- tests */

static void test_mixed_exact(void **state)
{
    (void)state;
    fixture f;
    const char *in = mixed_input();
    fixture_make(&f, "jsonl", in, strlen(in));
    hc_batch_opts o;
    opts_init(&o, 1);
    hc_batch_summary s;
    hc_diag d;
    assert_int_equal(hc_batch_run(&o, f.in, f.out, &s, &d), HC_OK);
    assert_int_equal(s.lines, 7);
    assert_int_equal(s.issued[HC_GREEN], 2);
    assert_int_equal(s.issued[HC_YELLOW], 1);
    assert_int_equal(s.issued[HC_RED], 1);
    assert_int_equal(s.errors, 3);
    char *dg = digest(&f);
    assert_string_equal(dg, mixed_digest);
    free(dg);
    /* the empty line's error is ours: exact, checksum included */
    size_t el;
    char *e = out_file(&f, "errors.jsonl", &el);
    const char *want = "{\"line\":5,\"field\":\"\",\"error\":\"invalid_record\","
                       "\"message\":\"empty line: every line must hold one record\"";
    char *l5 = strstr(e, "{\"line\":5,");
    assert_non_null(l5);
    assert_memory_equal(l5, want, strlen(want));
    char expect[512];
    snprintf(expect, sizeof expect, "%s,\"ck\":\"%08x\"}\n", want, hc_batch_crc32(want, strlen(want)));
    assert_memory_equal(l5, expect, strlen(expect));
    free(e);
    rm_rf(f.root);
}

/* 60 records: the same lines and colours with 1, 2 and 3 threads. */
static void test_order_threads(void **state)
{
    (void)state;
    const char *recs[] = {R_GREEN, R_RED, R_YELLOW, R_PASSPORT, R_BAD_ID, ""};
    size_t cap = 60 * 300, n = 0;
    char *in = malloc(cap);
    for (int i = 0; i < 60; i++)
        n += (size_t)snprintf(in + n, cap - n, "%s\n", recs[(i * 7) % 6]);
    char *first = NULL;
    for (unsigned t = 1; t <= 3; t++) {
        fixture f;
        fixture_make(&f, "jsonl", in, n);
        hc_batch_opts o;
        opts_init(&o, t);
        assert_int_equal(hc_batch_run(&o, f.in, f.out, NULL, NULL), HC_OK);
        char *dg = digest(&f);
        size_t el;
        char *e = out_file(&f, "errors.jsonl", &el);
        if (!first) {
            first = dg;
            assert_non_null(strstr(first, "1:green\n2:red\n3:yellow\n4:green\n5:E:id\n6:E:\n7:green\n"));
        } else {
            assert_string_equal(dg, first);
            free(dg);
        }
        free(e);
        rm_rf(f.root);
    }
    free(first);
    free(in);
}

/* Shards 0..2 of 3 are disjoint and together are the whole input. */
static void test_shards(void **state)
{
    (void)state;
    const char *recs[] = {R_GREEN, R_RED, R_BAD_ID, R_YELLOW};
    size_t cap = 20 * 300, n = 0;
    char *in = malloc(cap);
    for (int i = 0; i < 20; i++)
        n += (size_t)snprintf(in + n, cap - n, "%s\n", recs[i % 4]);
    int seen[21] = {0};
    for (unsigned k = 0; k < 3; k++) {
        fixture f;
        fixture_make(&f, "jsonl", in, n);
        hc_batch_opts o;
        opts_init(&o, 2);
        o.shard_k = k;
        o.shard_n = 3;
        hc_batch_summary s;
        assert_int_equal(hc_batch_run(&o, f.in, f.out, &s, NULL), HC_OK);
        char *dg = digest(&f);
        uint64_t count = 0;
        for (char *p = dg; *p; p = strchr(p, '\n') + 1) {
            int line = atoi(p);
            assert_true(line >= 1 && line <= 20);
            assert_int_equal(line % 3, (int)k);
            seen[line]++;
            count++;
        }
        assert_int_equal(count, s.lines);
        free(dg);
        rm_rf(f.root);
    }
    for (int i = 1; i <= 20; i++)
        assert_int_equal(seen[i], 1);
    free(in);
}

static void test_csv(void **state)
{
    (void)state;
    const char *csv =
        "id,id_type,name,residence,contact_status,last_contact,previous_colour,previous_since\r\n"
        "330402199001011230,cn_resident,张三,330402,,,,\r\n"
        "330102198503154564,cn_resident,李四,330102,close,2020-02-05,,\r\n"
        "330302199511200028,cn_resident,\"Wang, Wu\",330302,secondary,2020-02-99,,\r\n"
        "E12345678,passport,John Smith,,,,,\r\n"
        "330402199001011230,cn_resident,张三,330402\r\n"
        "330402199001011230,cn_resident,\"open,330402,,,,,\r\n";
    fixture f;
    fixture_make(&f, "csv", csv, strlen(csv));
    hc_batch_opts o;
    opts_init(&o, 2);
    hc_batch_summary s;
    assert_int_equal(hc_batch_run(&o, f.in, f.out, &s, NULL), HC_OK);
    char *dg = digest(&f);
    /* line 1 is the header; the bad date names its CSV column */
    assert_string_equal(dg, "2:green\n3:red\n4:E:last_contact\n5:green\n6:E:\n7:E:\n");
    free(dg);
    size_t el;
    char *e = out_file(&f, "errors.jsonl", &el);
    assert_non_null(strstr(e, "{\"line\":6,\"field\":\"\",\"error\":\"invalid_record\","
                              "\"message\":\"the CSV row has 4 cells, the header has 8\""));
    assert_non_null(strstr(e, "{\"line\":7,\"field\":\"\",\"error\":\"invalid_record\","
                              "\"message\":\"the CSV row is invalid: unterminated quoted cell\""));
    free(e);
    assert_int_equal(s.lines, 6);
    rm_rf(f.root);
}

static void check_header(const char *csv, const char *field)
{
    fixture f;
    fixture_make(&f, "csv", csv, strlen(csv));
    hc_batch_opts o;
    opts_init(&o, 1);
    hc_diag d;
    assert_int_equal(hc_batch_run(&o, f.in, f.out, NULL, &d), HC_E_RECORD);
    assert_int_equal(d.line, 1);
    assert_string_equal(d.field, field);
    rm_rf(f.root);
}

static void test_csv_header_errors(void **state)
{
    (void)state;
    check_header("id,name,colour\n1,2,3\n", "colour");
    check_header("name,residence\nA,330402\n", "id");
    check_header("id,name,name\n1,2,3\n", "name");
    check_header("", "");
    hc_csv_header h;
    hc_diag d;
    assert_int_equal(hc_batch_csv_header("\xEF\xBB\xBFid,name", 10, &h, &d), HC_OK);   /* BOM */
    assert_int_equal(h.ncols, 2);
    assert_int_equal(h.col[1], HC_CSV_NAME);
}

static void test_max_errors_then_resume(void **state)
{
    (void)state;
    const char *in = R_GREEN "\n" R_BAD_ID "\n" R_RED "\n\n" R_YELLOW "\n" R_BAD_ID "\n" R_GREEN "\n";
    fixture f;
    fixture_make(&f, "jsonl", in, strlen(in));
    hc_batch_opts o;
    opts_init(&o, 2);
    o.max_errors = 2;
    hc_batch_summary s;
    hc_diag d;
    assert_int_equal(hc_batch_run(&o, f.in, f.out, &s, &d), HC_E_LIMIT);
    assert_true(s.max_errors_reached);
    assert_string_equal(d.message, "stopped at line 4: 2 input errors reached the limit (max_errors)");
    char *dg = digest(&f);
    assert_string_equal(dg, "1:green\n2:E:id\n3:red\n4:E:\n");
    free(dg);
    /* without resume the directory is refused */
    o.max_errors = 0;
    assert_int_equal(hc_batch_run(&o, f.in, f.out, &s, &d), HC_E_ARG);
    o.resume = true;
    assert_int_equal(hc_batch_run(&o, f.in, f.out, &s, &d), HC_OK);
    assert_int_equal(s.resumed_lines, 4);
    assert_int_equal(s.lines, 7);
    dg = digest(&f);
    assert_string_equal(dg, "1:green\n2:E:id\n3:red\n4:E:\n5:yellow\n6:E:id\n7:green\n");
    free(dg);
    /* a resume with another shard is refused */
    o.shard_k = 1;
    o.shard_n = 2;
    assert_int_equal(hc_batch_run(&o, f.in, f.out, &s, &d), HC_E_ARG);
    rm_rf(f.root);
}

static void truncate_to(const fixture *f, const char *name, long len)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", f->out, name);
    assert_int_equal(truncate(p, len), 0);
}

/* Torn tails and a corrupt line are cut; the resume issues each lost line
 * exactly once, with the first run's now even if asked for another. */
static void test_resume_torn(void **state)
{
    (void)state;
    const char *recs[] = {R_GREEN, R_RED, R_BAD_ID, R_YELLOW, R_PASSPORT};
    size_t cap = 50 * 300, n = 0;
    char *in = malloc(cap);
    for (int i = 0; i < 50; i++)
        n += (size_t)snprintf(in + n, cap - n, "%s\n", recs[i % 5]);
    fixture f;
    fixture_make(&f, "jsonl", in, n);
    hc_batch_opts o;
    opts_init(&o, 2);
    assert_int_equal(hc_batch_run(&o, f.in, f.out, NULL, NULL), HC_OK);
    char *want = digest(&f);

    /* 1: tokens torn in the middle of a line, errors missing its last lines */
    size_t tl, el;
    free(out_file(&f, "tokens.jsonl", &tl));
    free(out_file(&f, "errors.jsonl", &el));
    truncate_to(&f, "tokens.jsonl", (long)tl / 2 + 7);
    truncate_to(&f, "errors.jsonl", (long)el / 3);
    o.resume = true;
    o.now = NOW + 999;   /* ignored: the batch keeps its first now */
    hc_batch_summary s;
    assert_int_equal(hc_batch_run(&o, f.in, f.out, &s, NULL), HC_OK);
    assert_true(s.resumed_lines > 0 && s.resumed_lines < 50);
    assert_int_equal(s.now, NOW);
    char *got = digest(&f);
    assert_string_equal(got, want);
    free(got);

    /* 2: a flipped byte inside tokens.jsonl: everything from there is redone */
    char p[256];
    snprintf(p, sizeof p, "%s/tokens.jsonl", f.out);
    FILE *fp = fopen(p, "r+b");
    fseek(fp, 300, SEEK_SET);
    int c = fgetc(fp);
    fseek(fp, 300, SEEK_SET);
    fputc(c == 'A' ? 'B' : 'A', fp);
    fclose(fp);
    assert_int_equal(hc_batch_run(&o, f.in, f.out, &s, NULL), HC_OK);
    assert_true(s.resumed_lines < 3);
    got = digest(&f);
    assert_string_equal(got, want);
    free(got);

    /* 3: a complete batch resumed does nothing */
    assert_int_equal(hc_batch_run(&o, f.in, f.out, &s, NULL), HC_OK);
    assert_int_equal(s.resumed_lines, 50);
    got = digest(&f);
    assert_string_equal(got, want);
    free(got);
    free(want);
    free(in);
    rm_rf(f.root);
}

/* The default cti source draws ahead: bytes are handed out once each, in
 * order, and a child process forked with a filled pool does not hand out
 * what the parent will (both would issue the same cti). */
static void test_cti_pool(void **state)
{
    (void)state;
    static hc_cti_pool pool;
    uint8_t a[8], b[8], zero[8] = {0};
    assert_int_equal(hc_cti_pool_draw(&pool, a, 8), 0);
    assert_int_equal(hc_cti_pool_draw(&pool, b, 8), 0);
    assert_memory_not_equal(a, b, 8);
    assert_memory_not_equal(a, zero, 8);
    assert_int_equal(pool.left, sizeof pool.bytes - 16);
    for (size_t i = 0; i < sizeof pool.bytes / 8 - 2; i++)   /* empty it, then refill */
        assert_int_equal(hc_cti_pool_draw(&pool, a, 8), 0);
    assert_int_equal(pool.left, 0);
    assert_int_equal(hc_cti_pool_draw(&pool, a, 8), 0);
    assert_int_equal(pool.left, sizeof pool.bytes - 8);

    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        uint8_t c[8];
        _exit(hc_cti_pool_draw(&pool, c, 8) != 0 || write(fds[1], c, 8) != 8);
    }
    uint8_t child[8], parent[8];
    assert_int_equal(read(fds[0], child, 8), 8);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_int_equal(st, 0);
    assert_int_equal(hc_cti_pool_draw(&pool, parent, 8), 0);
    assert_memory_not_equal(child, parent, 8);
    close(fds[0]);
    close(fds[1]);
}

static void test_line_format(void **state)
{
    (void)state;
    char buf[HC_TOKEN_MAX + 3072];
    const uint8_t cti[8] = {0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3};
    size_t n = hc_batch_format_token(buf, 42, cti, HC_RED, "HCODE1:ABC");
    const char *body = "{\"line\":42,\"cti\":\"deadbeef00010203\",\"colour\":\"red\",\"token\":\"HCODE1:ABC\"";
    assert_memory_equal(buf, body, strlen(body));
    assert_int_equal(buf[n - 1], '\n');
    uint64_t line;
    int col;
    assert_true(hc_batch_parse_output(buf, n - 1, &line, &col));
    assert_int_equal(line, 42);
    assert_int_equal(col, HC_RED);
    buf[20] ^= 1;
    assert_false(hc_batch_parse_output(buf, n - 1, &line, &col));
    n = hc_batch_format_error(buf, 7, "travel[1].to", HC_E_RECORD, "a \"quoted\"\tword");
    const char *ebody = "{\"line\":7,\"field\":\"travel[1].to\",\"error\":\"invalid_record\","
                        "\"message\":\"a \\\"quoted\\\"\\u0009word\"";
    char expect[512];
    snprintf(expect, sizeof expect, "%s,\"ck\":\"%08x\"}\n", ebody, hc_batch_crc32(ebody, strlen(ebody)));
    assert_string_equal(buf, expect);
    assert_int_equal(n, strlen(expect));
    /* invalid UTF-8 in a message becomes U+FFFD: every line stays valid JSON */
    hc_batch_format_error(buf, 1, "name", HC_E_RECORD, "bad \xff byte, good \xe5\xbc\xa0");
    assert_non_null(strstr(buf, "\"message\":\"bad \xef\xbf\xbd byte, good \xe5\xbc\xa0\""));
    /* CRC-32 check value of the standard */
    assert_int_equal(hc_batch_crc32("123456789", 9), 0xCBF43926u);
}

/* A line over the record limit becomes an error and the next line still counts. */
static void test_long_line(void **state)
{
    (void)state;
    size_t big = HC_RECORD_MAX + 100;
    char *in = malloc(big + 400);
    memset(in, ' ', big);
    in[big] = '\n';
    size_t n = big + 1;
    n += (size_t)sprintf(in + n, "%s\n", R_GREEN);
    fixture f;
    fixture_make(&f, "jsonl", in, n);
    hc_batch_opts o;
    opts_init(&o, 1);
    assert_int_equal(hc_batch_run(&o, f.in, f.out, NULL, NULL), HC_OK);
    char *dg = digest(&f);
    assert_string_equal(dg, "1:E:\n2:green\n");
    free(dg);
    size_t el;
    char *e = out_file(&f, "errors.jsonl", &el);
    assert_non_null(strstr(e, "\"error\":\"too_large\",\"message\":\"the line is longer than 1048576 bytes\""));
    free(e);
    free(in);
    rm_rf(f.root);
}

typedef struct {
    int calls;
    hc_batch_progress last;
} prog;

static void on_prog(void *ctx, const hc_batch_progress *p)
{
    prog *pr = ctx;
    assert_false(pr->last.done);   /* done comes once, last */
    assert_true(p->lines >= pr->last.lines);
    pr->calls++;
    pr->last = *p;
}

static void test_progress(void **state)
{
    (void)state;
    const char *in = mixed_input();
    fixture f;
    fixture_make(&f, "jsonl", in, strlen(in));
    hc_batch_opts o;
    opts_init(&o, 2);
    prog pr = {0};
    o.progress = on_prog;
    o.progress_ctx = &pr;
    assert_int_equal(hc_batch_run(&o, f.in, f.out, NULL, NULL), HC_OK);
    assert_true(pr.calls >= 2);
    assert_true(pr.last.done);
    assert_int_equal(pr.last.lines, 7);
    assert_int_equal(pr.last.issued, 4);
    assert_int_equal(pr.last.errors, 3);
    assert_int_equal(pr.last.bytes_read, strlen(in));
    assert_int_equal(pr.last.bytes_total, strlen(in));
    rm_rf(f.root);
}

#if HC_WITH_RENDER
#if HC_WITH_SHEETS
static void png_size(const char *path, unsigned *w, unsigned *h)
{
    size_t len;
    unsigned char *b = (unsigned char *)slurp(path, &len);
    assert_true(len > 24);
    assert_memory_equal(b, "\x89PNG\r\n\x1a\n", 8);
    *w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
    *h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23];
    free(b);
}
#endif

static void test_png_and_sheets(void **state)
{
    (void)state;
    const char *in = R_GREEN "\n" R_RED "\n" R_BAD_ID "\n" R_YELLOW "\n" R_PASSPORT "\n" R_GREEN "\n"
                     R_RED "\n" R_YELLOW "\n";
    fixture f;
    fixture_make(&f, "jsonl", in, strlen(in));
    hc_batch_opts o;
    opts_init(&o, 2);
    o.png = true;
    o.sheets = HC_WITH_SHEETS;
    o.sheets_format = 1;   /* PNG pages (the default, a PDF, is test_sheet's) */
    hc_batch_summary s;
    assert_int_equal(hc_batch_run(&o, f.in, f.out, &s, NULL), HC_OK);
    for (uint64_t l = 1; l <= 8; l++)
        assert_int_equal(hc_batch_png_complete(f.out, l), l != 3);
    char p[256];
#if HC_WITH_SHEETS
    assert_int_equal(s.sheets, 2);   /* 7 codes: 6 + 1 */
    unsigned w, h;
    snprintf(p, sizeof p, "%s/sheets/page-000002.png", f.out);
    png_size(p, &w, &h);
    assert_int_equal(w, 1240);
    assert_int_equal(h, 1754);
    snprintf(p, sizeof p, "%s/sheets/page-000003.png", f.out);
    assert_int_not_equal(access(p, F_OK), 0);
#if HC_WITH_SCAN
    /* a code printed on a sheet scans back to a token of tokens.jsonl */
    char text[HC_TOKEN_MAX + 1];
    size_t tl, toklen;
    snprintf(p, sizeof p, "%s/sheets/page-000001.png", f.out);
    assert_int_equal(hc_scan_png_file(p, text, sizeof text, &tl), HC_OK);
    char *toks = out_file(&f, "tokens.jsonl", &toklen);
    char quoted[HC_TOKEN_MAX + 4];
    snprintf(quoted, sizeof quoted, "\"%s\"", text);
    assert_non_null(strstr(toks, quoted));
    free(toks);
#endif
#endif

    /* a lost image makes a resume redo its line (and only from there) */
    snprintf(p, sizeof p, "%s/png/7.png", f.out);
    assert_int_equal(unlink(p), 0);
    o.resume = true;
    assert_int_equal(hc_batch_run(&o, f.in, f.out, &s, NULL), HC_OK);
    assert_int_equal(s.resumed_lines, 6);
    assert_true(hc_batch_png_complete(f.out, 7));
    char *dg = digest(&f);
    assert_string_equal(dg, "1:green\n2:red\n3:E:id\n4:yellow\n5:green\n6:green\n7:red\n8:yellow\n");
    free(dg);
    rm_rf(f.root);
}
#endif

static int setup(void **state)
{
    (void)state;
    if (hc_key_generate(HC_ALG_ES256, &key) != HC_OK || hc_trust_new(&trust) != HC_OK ||
        hc_trust_add_key(trust, key, NULL) != HC_OK)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hc_trust_free(trust);
    hc_key_free(key);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_format),
        cmocka_unit_test(test_cti_pool),
        cmocka_unit_test(test_mixed_exact),
        cmocka_unit_test(test_order_threads),
        cmocka_unit_test(test_shards),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_csv_header_errors),
        cmocka_unit_test(test_max_errors_then_resume),
        cmocka_unit_test(test_resume_torn),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_progress),
#if HC_WITH_RENDER
        cmocka_unit_test(test_png_and_sheets),
#endif
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

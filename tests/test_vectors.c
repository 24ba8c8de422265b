/* test_vectors.c — runs every .json file in tests/vectors (format in
 * tests/vectors/README.md): the error name must match, and the "expected"
 * flags must say exactly which step failed — every step before it true,
 * it and every later one false, "valid" only for a token that passes all. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <healthcode/verify.h>

static const char *const steps[] = {"prefix", "base45", "cose", "kid", "signature", "claims", "time"};
#define N_STEPS 7

/* The step (index in steps[]) an error belongs to; N_STEPS for HC_OK. */
static int step_of(hc_err err)
{
    switch (err) {
    case HC_OK: return N_STEPS;
    case HC_E_PREFIX: return 0;
    case HC_E_BASE45: case HC_E_LIMIT: return 1;
    case HC_E_CBOR: case HC_E_INDEFINITE: case HC_E_DUPLICATE_KEY: case HC_E_TRAILING:
    case HC_E_COSE: return 2;
    case HC_E_ALG: case HC_E_UNKNOWN_KID: return 3;
    case HC_E_SIGNATURE: case HC_E_KEY_NOT_VALID: case HC_E_ISSUER_MISMATCH: return 4;
    case HC_E_CLAIMS: return 5;
    case HC_E_EXPIRED: case HC_E_NOT_YET_VALID: case HC_E_LIFETIME: return 6;
    default: return -1;
    }
}

/* A presentation's P-step (index in p_steps[]) an error belongs to; N_P for HC_OK. */
static const char *const p_steps[] = {"p1", "p2", "p3", "p4", "p5"};
#define N_P 5
static int p_step_of(hc_err err)
{
    switch (err) {
    case HC_OK: return N_P;
    case HC_E_PRESENTATION: case HC_E_LIMIT: return 0;
    case HC_E_UNBOUND: case HC_E_DEVICE_ALG: return 2;
    case HC_E_DEVICE_SIGNATURE: return 3;
    case HC_E_STALE: return 4;
    default: return step_of(err) >= 2 && step_of(err) < N_STEPS ? 1 : -1;   /* steps 3-8 of the token */
    }
}

/* A presentation vector (tests/vectors/README.md): flags p1-p5. */
static void check_presentation_flags(const char *name, json_t *expected, hc_err err,
                                     const hc_claims *out)
{
    int failed = p_step_of(err);
    assert_true(failed >= 0);
    for (int i = 0; i < N_P; i++) {
        json_t *flag = json_object_get(expected, p_steps[i]);
        if (!json_is_boolean(flag) || json_is_true(flag) != (i < failed))
            fail_msg("%s: expected.%s is inconsistent with %s", name, p_steps[i], hc_err_name(err));
    }
    assert_int_equal(out->presented, failed > 0);
    assert_int_equal(out->live, err == HC_OK);
}

static void run_vector(const char *path, const char *name)
{
    json_error_t jerr;
    json_t *v = json_load_file(path, 0, &jerr);
    if (!v)
        fail_msg("%s: %s", name, jerr.text);
    const char *token = json_string_value(json_object_get(v, "token"));
    const char *pem = json_string_value(json_object_get(v, "public_key_pem"));
    const char *iss = json_string_value(json_object_get(v, "iss"));   /* optional */
    const char *error = json_string_value(json_object_get(v, "error"));
    json_t *now = json_object_get(v, "now"), *skew = json_object_get(v, "skew");
    json_t *expected = json_object_get(v, "expected");
    assert_non_null(token);
    assert_non_null(pem);
    assert_non_null(error);
    assert_true(json_is_integer(now) && json_is_integer(skew) && json_is_object(expected));
    assert_non_null(json_string_value(json_object_get(v, "description")));

    hc_trust *t = NULL;
    hc_trust_key_opts opts = {iss, HC_TIME_UNBOUNDED_BEFORE, HC_TIME_UNBOUNDED_AFTER};
    assert_int_equal(hc_trust_new(&t), HC_OK);
    assert_int_equal(hc_trust_add_pem(t, pem, strlen(pem), &opts), HC_OK);
    json_t *window = json_object_get(v, "live_window");   /* optional: 0 is the default 60 */
    hc_verify_opts vo = {json_integer_value(skew), NULL, json_integer_value(window),
                         json_is_true(json_object_get(v, "require_live"))};
    hc_claims out;
    hc_err err = hc_verify(t, token, strlen(token), json_integer_value(now), &vo, &out);
    hc_trust_free(t);
    if (strcmp(hc_err_name(err), error) != 0)
        fail_msg("%s: got %s, vector says %s", name, hc_err_name(err), error);

    json_t *valid = json_object_get(expected, "valid");
    assert_true(json_is_boolean(valid));
    assert_int_equal(json_is_true(valid), err == HC_OK);
    if (strncmp(token, HC_LIVE_PREFIX, strlen(HC_LIVE_PREFIX)) == 0) {
        check_presentation_flags(name, expected, err, &out);
        json_decref(v);
        return;
    }
    int failed = step_of(err);
    assert_true(failed >= 0);
    for (int i = 0; i < N_STEPS; i++) {
        json_t *flag = json_object_get(expected, steps[i]);
        if (!json_is_boolean(flag) || json_is_true(flag) != (i < failed))
            fail_msg("%s: expected.%s is inconsistent with %s", name, steps[i], error);
    }
    /* what hc_verify reports it learnt agrees with the flags */
    assert_int_equal(out.header_ok, failed > 2);
    assert_int_equal(out.claims_ok, failed > 5 || (failed == 4 && err != HC_E_SIGNATURE));
    json_decref(v);
}

static void test_all_vectors(void **state)
{
    (void)state;
    char dir[1024];
    const char *root = getenv("HC_SOURCE_ROOT");
    snprintf(dir, sizeof dir, "%s/tests/vectors", root ? root : HC_SOURCE_ROOT);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int count = 0, valid = 0, live = 0, live_valid = 0;
    bool seen[N_STEPS] = {false}, p_seen[N_P] = {false};
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        char path[2048];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        run_vector(path, e->d_name);
        json_t *v = json_load_file(path, 0, NULL);
        hc_err err = HC_OK;
        for (int k = 0; k < HC_E__COUNT; k++)
            if (strcmp(hc_err_name((hc_err)k), json_string_value(json_object_get(v, "error"))) == 0)
                err = (hc_err)k;
        bool is_live = strncmp(json_string_value(json_object_get(v, "token")), HC_LIVE_PREFIX, 8) == 0;
        json_decref(v);
        if (is_live) {
            live++;
            live_valid += err == HC_OK;
            if (err != HC_OK)
                p_seen[p_step_of(err)] = true;
            continue;
        }
        count++;
        if (err == HC_OK)
            valid++;
        else
            seen[step_of(err)] = true;
    }
    closedir(d);
    /* the set make_vectors writes: tokens 8 valid, 27 invalid (SM2: 2 valid, 4
     * invalid; issue 12's four; a bound token, two cnf it cannot check), every
     * step failing at least once; presentations 4 valid (ES256, EdDSA, SM2, the
     * window's edge) and 14 invalid, every P-step failing at least once */
    assert_int_equal(count, 35);
    assert_int_equal(valid, 8);
    for (int i = 0; i < N_STEPS; i++)
        assert_true(seen[i]);
    assert_int_equal(live, 18);
    assert_int_equal(live_valid, 4);
    for (int i = 0; i < N_P; i++)
        assert_true(p_seen[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

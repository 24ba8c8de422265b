/* hcj_verify.c — the checkpoint's side: cn.healthcode.Verifier (a trust store and a
 * revocation list), BundleStore (the trust of signed bundles), and Checkpoint (venue
 * rules), which verifies through either: both handles start with an hcj_source. */
#include "hcj.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ Verifier */

typedef struct {
    hcj_source source;   /* first: a Checkpoint reads the handle as an hcj_source */
    hc_trust *trust;
    hc_revocations *revoked;
} jverifier;

static hc_err verifier_get(const hcj_source *s, const hc_trust **trust, const hc_revocations **revoked,
                           hc_diag *diag)
{
    (void)diag;
    const jverifier *v = (const jverifier *)s;
    *trust = v->trust;
    *revoked = v->revoked;
    return HC_OK;
}

static void jverifier_free(jverifier *v)
{
    if (!v)
        return;
    hc_trust_free(v->trust);
    hc_revocations_free(v->revoked);
    free(v);
}

JNIEXPORT jlong JNICALL Java_cn_healthcode_Verifier_open(JNIEnv *env, jclass cls)
{
    (void)cls;
    jverifier *v = calloc(1, sizeof *v);
    HCJ_CHECK(env, v ? HC_OK : HC_E_NOMEM, NULL);
    v->source.get = verifier_get;
    HCJ_CHECK(env, hc_trust_new(&v->trust), NULL);
    HCJ_CHECK(env, hc_revocations_new(&v->revoked), NULL);
    return HCJ_HANDLE(v);
fail:
    jverifier_free(v);
    return 0;
}

JNIEXPORT void JNICALL Java_cn_healthcode_Verifier_addPem(JNIEnv *env, jclass cls, jlong h, jstring jpem,
                                                          jstring jiss, jlong nb, jlong na)
{
    (void)cls;
    jverifier *v = HCJ_PTR(jverifier, h);
    hcj_args a = {0};
    const char *pem = hcj_arg(env, &a, jpem);
    const char *iss = hcj_arg(env, &a, jiss);
    HCJ_CHECK(env, a.failed ? HC_E_NOMEM : pem && (!iss || hcj_arg_cstr(&a, 1)) ? HC_OK : HC_E_ARG, NULL);
    hc_trust_key_opts o = {iss, (int64_t)nb, (int64_t)na};
    HCJ_CHECK(env, hc_trust_add_pem(v->trust, pem, a.len[0], &o), NULL);
fail:
    hcj_args_free(&a);
}

JNIEXPORT void JNICALL Java_cn_healthcode_Verifier_addKey(JNIEnv *env, jclass cls, jlong h, jlong key,
                                                          jstring jiss, jlong nb, jlong na)
{
    (void)cls;
    hcj_args a = {0};
    const char *iss = hcj_arg(env, &a, jiss);
    HCJ_CHECK(env, a.failed ? HC_E_NOMEM : !iss || hcj_arg_cstr(&a, 0) ? HC_OK : HC_E_ARG, NULL);
    hc_trust_key_opts o = {iss, (int64_t)nb, (int64_t)na};
    HCJ_CHECK(env, hc_trust_add_key(HCJ_PTR(jverifier, h)->trust, HCJ_PTR(hc_key, key), &o), NULL);
fail:
    hcj_args_free(&a);
}

/* The Verifier's calls that take one string and may fill an hc_diag. */
typedef enum { ADD_TRUST_PATH, REVOKE_TEXT, LOAD_REVOCATIONS } verifier_op;

static void verifier_call(JNIEnv *env, jlong h, jstring js, verifier_op op)
{
    jverifier *v = HCJ_PTR(jverifier, h);
    hcj_args a = {0};
    hc_diag diag = {0};
    const char *s = hcj_arg(env, &a, js);
    /* a revocation text goes with its length; a path must be a C string */
    bool ok = op == REVOKE_TEXT ? s != NULL : hcj_arg_cstr(&a, 0);
    HCJ_CHECK(env, a.failed ? HC_E_NOMEM : ok ? HC_OK : HC_E_ARG, NULL);
    hc_err err = op == ADD_TRUST_PATH ? hc_trust_add_path(v->trust, s, &diag)
               : op == REVOKE_TEXT    ? hc_revocations_add_text(v->revoked, s, a.len[0], &diag)
                                      : hc_revocations_load(v->revoked, s, &diag);
    HCJ_CHECK_PATH(env, err, &diag, op == REVOKE_TEXT ? NULL : s, "read");
fail:
    hcj_args_free(&a);
}

JNIEXPORT void JNICALL Java_cn_healthcode_Verifier_addPath(JNIEnv *env, jclass cls, jlong h, jstring jpath)
{
    (void)cls;
    verifier_call(env, h, jpath, ADD_TRUST_PATH);
}

JNIEXPORT void JNICALL Java_cn_healthcode_Verifier_revoke(JNIEnv *env, jclass cls, jlong h, jstring jlines)
{
    (void)cls;
    verifier_call(env, h, jlines, REVOKE_TEXT);
}

JNIEXPORT void JNICALL Java_cn_healthcode_Verifier_loadRevocations(JNIEnv *env, jclass cls, jlong h,
                                                                   jstring jpath)
{
    (void)cls;
    verifier_call(env, h, jpath, LOAD_REVOCATIONS);
}

JNIEXPORT jint JNICALL Java_cn_healthcode_Verifier_count0(JNIEnv *env, jclass cls, jlong h, jboolean keys)
{
    (void)env;
    (void)cls;
    jverifier *v = HCJ_PTR(jverifier, h);
    size_t n = keys ? hc_trust_count(v->trust) : hc_revocations_count(v->revoked);
    return n > INT32_MAX ? INT32_MAX : (jint)n;
}

/* Verifies a token through the source at handle h (a Verifier or a BundleStore). */
JNIEXPORT jobject JNICALL Java_cn_healthcode_Verifier_verify0(JNIEnv *env, jclass cls, jlong h, jstring jtok,
                                                             jlong now, jlong skew)
{
    (void)cls;
    hc_claims c;
    hc_diag diag = {0};
    HCJ_CHECK(env, hcj_verify(env, HCJ_PTR(hcj_source, h), jtok, now, skew, &c, &diag), &diag);
    return hcj_claims(env, &c, true);
fail:
    return NULL;
}

HCJ_DEFINE_FREE(Verifier_free, jverifier_free, jverifier)

/* ------------------------------------------------------------ BundleStore */

typedef struct {
    hcj_source source;   /* first, as in jverifier */
    hc_bundle_store *store;
} jbundles;

/* The trust of the bundles accepted, refused while the store is behind its state
 * file (issue 25 point 2): a restart that reloaded the full bundle but not the delta
 * accepted after it, or the full bundle applied again over its delta, would trust
 * keys the delta dropped and accept the tokens it revoked. The CLI refuses the same
 * case (bundle_rollback). */
static hc_err bundles_get(const hcj_source *s, const hc_trust **trust, const hc_revocations **revoked,
                          hc_diag *diag)
{
    const jbundles *b = (const jbundles *)s;
    if (hc_bundle_store_behind(b->store)) {
        snprintf(diag->message, sizeof diag->message,
                 "the state file records a later bundle than this store holds (seq %llu): apply the "
                 "bundles accepted after it (the delta) before verifying",
                 (unsigned long long)hc_bundle_store_seq(b->store));
        return HC_E_BUNDLE_ROLLBACK;
    }
    *trust = hc_bundle_store_trust(b->store);
    *revoked = hc_bundle_store_revocations(b->store);
    if (!*trust) {
        snprintf(diag->message, sizeof diag->message, "no bundle has been accepted yet");
        return HC_E_UNKNOWN_KID;
    }
    return HC_OK;
}

static void jbundles_free(jbundles *b)
{
    if (!b)
        return;
    hc_bundle_store_free(b->store);
    free(b);
}

JNIEXPORT jlong JNICALL Java_cn_healthcode_BundleStore_open(JNIEnv *env, jclass cls, jlongArray jroots,
                                                            jstring jstate)
{
    (void)cls;
    hcj_args a = {0};
    hc_diag diag = {0};
    jbundles *b = calloc(1, sizeof *b);
    const char *state = hcj_arg(env, &a, jstate);
    HCJ_CHECK(env, !b || a.failed ? HC_E_NOMEM : !state || hcj_arg_cstr(&a, 0) ? HC_OK : HC_E_ARG, NULL);
    b->source.get = bundles_get;
    HCJ_CHECK(env, hc_bundle_store_new(&b->store), NULL);
    jsize n = (*env)->GetArrayLength(env, jroots);
    for (jsize i = 0; i < n; i++) {
        jlong root;
        (*env)->GetLongArrayRegion(env, jroots, i, 1, &root);
        HCJ_CHECK(env, hc_bundle_store_add_root(b->store, HCJ_PTR(hc_key, root)), NULL);
    }
    if (state)
        HCJ_CHECK_PATH(env, hc_bundle_store_set_state(b->store, state), &diag, state, "read");
    hcj_args_free(&a);
    return HCJ_HANDLE(b);
fail:
    jbundles_free(b);
    hcj_args_free(&a);
    return 0;
}

/* Applies a bundle: its bytes (jbytes) or the file at jpath. Returns its seq. */
JNIEXPORT jlong JNICALL Java_cn_healthcode_BundleStore_apply0(JNIEnv *env, jclass cls, jlong h,
                                                             jbyteArray jbytes, jstring jpath, jlong now,
                                                             jboolean accept_stale)
{
    (void)cls;
    jbundles *b = HCJ_PTR(jbundles, h);
    hcj_args a = {0};
    hc_diag diag = {0};
    hc_bundle_info info;
    jlong seq = 0;
    unsigned flags = accept_stale ? HC_BUNDLE_ACCEPT_STALE : 0;
    const char *path = hcj_arg(env, &a, jpath);
    HCJ_CHECK(env, a.failed ? HC_E_NOMEM : jbytes || hcj_arg_cstr(&a, 0) ? HC_OK : HC_E_ARG, NULL);
    if (jbytes) {
        jsize n = (*env)->GetArrayLength(env, jbytes);
        /* the whole bundle at once (up to HC_BUNDLE_FILE_MAX): a copy, so the JVM's
         * array is never pinned while the signature is checked */
        uint8_t *buf = malloc(n ? (size_t)n : 1);
        HCJ_CHECK(env, buf ? HC_OK : HC_E_NOMEM, NULL);
        (*env)->GetByteArrayRegion(env, jbytes, 0, n, (jbyte *)buf);
        hc_err err = hc_bundle_store_apply(b->store, buf, (size_t)n, (int64_t)now, flags, &info, &diag);
        free(buf);
        HCJ_CHECK(env, err, &diag);
    } else {
        HCJ_CHECK_PATH(env, hc_bundle_store_apply_file(b->store, path, (int64_t)now, flags, &info, &diag), &diag,
                       path, "read");
    }
    seq = (jlong)hc_bundle_store_seq(b->store);
fail:
    hcj_args_free(&a);
    return seq;
}

/* 0: seq, 1: stale, 2: behind. */
JNIEXPORT jlong JNICALL Java_cn_healthcode_BundleStore_state0(JNIEnv *env, jclass cls, jlong h, jint what)
{
    (void)env;
    (void)cls;
    const hc_bundle_store *s = HCJ_PTR(jbundles, h)->store;
    return what == 0 ? (jlong)hc_bundle_store_seq(s) : what == 1 ? hc_bundle_store_stale(s) : hc_bundle_store_behind(s);
}

HCJ_DEFINE_FREE(BundleStore_free, jbundles_free, jbundles)

/* ------------------------------------------------------------ Checkpoint */

JNIEXPORT jlong JNICALL Java_cn_healthcode_Checkpoint_open(JNIEnv *env, jclass cls, jstring jvenue)
{
    (void)cls;
    hcj_args a = {0};
    hc_diag diag = {0};
    hc_venue_rules *r = malloc(sizeof *r);
    const char *venue = hcj_arg(env, &a, jvenue);
    HCJ_CHECK(env, !r || a.failed ? HC_E_NOMEM : HC_OK, NULL);
    *r = (hc_venue_rules)HC_VENUE_RULES_DEFAULT;
    if (venue)
        HCJ_CHECK(env, hc_venue_parse_json(venue, a.len[0], r, &diag), &diag);
    hcj_args_free(&a);
    return HCJ_HANDLE(r);
fail:
    free(r);
    hcj_args_free(&a);
    return 0;
}

/* Verifies through the source at handle src (a Verifier's or a BundleStore's), then
 * decides by the rules. */
JNIEXPORT jobject JNICALL Java_cn_healthcode_Checkpoint_check(JNIEnv *env, jclass cls, jlong rules, jlong src,
                                                             jstring jtok, jlong now, jlong skew, jdouble t)
{
    (void)cls;
    hc_claims c;
    hc_decision d;
    hc_diag diag = {0};
    HCJ_CHECK(env, hcj_verify(env, HCJ_PTR(hcj_source, src), jtok, now, skew, &c, &diag), &diag);
    HCJ_CHECK(env, hc_checkpoint_decide(&c, HCJ_PTR(const hc_venue_rules, rules), (int64_t)now, t, &d), NULL);
    return hcj_decision(env, &d);
fail:
    return NULL;
}

HCJ_DEFINE_FREE(Checkpoint_free, free, void)

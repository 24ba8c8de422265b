/* hcj_verify.c — the checkpoint's side: cn.healthcode.Verifier (a trust store and a
 * revocation list), BundleStore (the trust of signed bundles, and the venue rules they
 * carry), Checkpoint (venue rules), which verifies through either: both handles start
 * with an hcj_source; Venue (rules as a Java value) and Repeats (hc_repeats: the codes a
 * checkpoint admitted lately). */
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

/* Verifies a token or a presentation through the source at handle h (a Verifier or a
 * BundleStore) with VerifyOptions' skew, live window and require-live. */
JNIEXPORT jobject JNICALL Java_cn_healthcode_Verifier_verify0(JNIEnv *env, jclass cls, jlong h, jstring jtok,
                                                             jlong now, jlong skew, jlong window,
                                                             jboolean require_live)
{
    (void)cls;
    hc_claims c;
    hc_diag diag = {0};
    hcj_verify_opts o = {skew, window, require_live};
    HCJ_CHECK(env, hcj_verify(env, HCJ_PTR(hcj_source, h), jtok, now, &o, &c, &diag), &diag);
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

/* The trust of the bundles accepted: none (hc_bundle_store_ready says why) before the
 * first bundle, and none while the store is behind its state file (issue 25 point 2):
 * a restart that reloaded the full bundle but not the delta accepted after it would
 * trust keys the delta dropped and accept the tokens it revoked. The CLI refuses the
 * same case (bundle_rollback). */
static hc_err bundles_get(const hcj_source *s, const hc_trust **trust, const hc_revocations **revoked,
                          hc_diag *diag)
{
    const jbundles *b = (const jbundles *)s;
    hc_err err = hc_bundle_store_ready(b->store, diag);
    if (err != HC_OK)
        return err;
    *trust = hc_bundle_store_trust(b->store);
    *revoked = hc_bundle_store_revocations(b->store);
    return *trust ? HC_OK : HC_E_UNKNOWN_KID;   /* ready says it is there: never NULL */
}

static hc_err bundles_venue(const hcj_source *s, const char *name, hc_venue_rules *rules, hc_diag *diag)
{
    return hc_bundle_store_venue(((const jbundles *)s)->store, name, rules, diag);
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
    b->source.venue = bundles_venue;
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

/* The names of the venue classes the accepted bundle carries, in its order. */
JNIEXPORT jobjectArray JNICALL Java_cn_healthcode_BundleStore_venueClasses0(JNIEnv *env, jclass cls, jlong h)
{
    (void)cls;
    const hc_bundle_store *s = HCJ_PTR(jbundles, h)->store;
    size_t n = hc_bundle_store_venue_count(s);
    jclass string = (*env)->FindClass(env, "java/lang/String");
    jobjectArray names = string ? (*env)->NewObjectArray(env, (jsize)n, string, NULL) : NULL;
    for (size_t i = 0; names && i < n; i++) {
        jstring name = hcj_string(env, hc_bundle_store_venue_name(s, i));
        if (!name)
            return NULL;
        (*env)->SetObjectArrayElement(env, names, (jsize)i, name);
        (*env)->DeleteLocalRef(env, name);
    }
    return names;
}

/* The venue rules of class jname in the accepted bundle, as a Venue. */
JNIEXPORT jobject JNICALL Java_cn_healthcode_BundleStore_venue0(JNIEnv *env, jclass cls, jlong h, jstring jname)
{
    (void)cls;
    hcj_args a = {0};
    hc_diag diag = {0};
    hc_venue_rules r;
    jobject result = NULL;
    hcj_arg(env, &a, jname);
    HCJ_CHECK(env, hcj_args_check(&a, 1), NULL);
    HCJ_CHECK(env, bundles_venue(HCJ_PTR(hcj_source, h), a.s[0], &r, &diag), &diag);
    result = hcj_venue(env, &r);
fail:
    hcj_args_free(&a);
    return result;
}

HCJ_DEFINE_FREE(BundleStore_free, jbundles_free, jbundles)

/* ------------------------------------------------------------ Venue */

jobject hcj_venue(JNIEnv *env, const hc_venue_rules *r)
{
    jstring name = hcj_string(env, r->name);
    if (!name)
        return NULL;
    jobject o = (*env)->NewObject(env, J.venue, J.venue_init, name, (jboolean)r->admit[HC_GREEN],
                                  (jboolean)r->admit[HC_YELLOW], (jboolean)r->admit[HC_RED], (jlong)r->max_age_s,
                                  (jdouble)r->fever_c, (jint)r->live, (jint)r->unbound);
    (*env)->DeleteLocalRef(env, name);
    return o;
}

/* Venue rules from JSON (hc_venue_parse_json), as a Venue. */
JNIEXPORT jobject JNICALL Java_cn_healthcode_Venue_fromJson0(JNIEnv *env, jclass cls, jstring jjson)
{
    (void)cls;
    hcj_args a = {0};
    hc_diag diag = {0};
    hc_venue_rules r = HC_VENUE_RULES_DEFAULT;
    jobject result = NULL;
    const char *json = hcj_arg(env, &a, jjson);
    HCJ_CHECK(env, a.failed ? HC_E_NOMEM : json ? HC_OK : HC_E_ARG, NULL);
    HCJ_CHECK(env, hc_venue_parse_json(json, a.len[0], &r, &diag), &diag);
    result = hcj_venue(env, &r);
fail:
    hcj_args_free(&a);
    return result;
}

/* ------------------------------------------------------------ Repeats */

JNIEXPORT jlong JNICALL Java_cn_healthcode_Repeats_open(JNIEnv *env, jclass cls, jint capacity, jlong window)
{
    (void)cls;
    hc_repeats *r = NULL;
    if (capacity < 1 || capacity > HC_REPEATS_MAX_CAPACITY || window < 1 || window > HC_LIVE_WINDOW_MAX_S) {
        char msg[HC_DIAG_MESSAGE_MAX];
        snprintf(msg, sizeof msg, "a repeat memory holds 1 to %d codes (got %d) over 1 to %d seconds (got %lld)",
                 HC_REPEATS_MAX_CAPACITY, (int)capacity, HC_LIVE_WINDOW_MAX_S, (long long)window);
        hcj_throw_msg(env, HC_E_ARG, msg, capacity < 1 || capacity > HC_REPEATS_MAX_CAPACITY ? "capacity" : "window");
        return 0;
    }
    HCJ_CHECK(env, hc_repeats_new((size_t)capacity, (int64_t)window, &r), NULL);
fail:
    return HCJ_HANDLE(r);
}

/* load (save false) or save the memory at jpath. */
JNIEXPORT void JNICALL Java_cn_healthcode_Repeats_file0(JNIEnv *env, jclass cls, jlong h, jstring jpath,
                                                        jboolean save)
{
    (void)cls;
    hcj_args a = {0};
    hcj_arg(env, &a, jpath);
    HCJ_CHECK(env, hcj_args_check(&a, 1), NULL);
    hc_repeats *r = HCJ_PTR(hc_repeats, h);
    HCJ_CHECK_PATH(env, save ? hc_repeats_save(r, a.s[0]) : hc_repeats_load(r, a.s[0]), NULL, a.s[0],
                   save ? "write" : "read");
fail:
    hcj_args_free(&a);
}

/* The 8 bytes of a cti in 16 hex digits; false (and thrown) otherwise. */
static bool cti_of(JNIEnv *env, jstring jcti, uint8_t cti[8])
{
    hcj_args a = {0};
    hcj_arg(env, &a, jcti);
    hc_err err = hcj_args_check(&a, 1);
    if (err == HC_OK && strlen(a.s[0]) != 16)
        err = HC_E_ARG;
    for (int i = 0; err == HC_OK && i < 16; i++) {
        char c = a.s[0][i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (v < 0)
            err = HC_E_ARG;
        else
            cti[i / 2] = (uint8_t)(i % 2 ? cti[i / 2] | v : v << 4);
    }
    hcj_args_free(&a);
    if (err == HC_E_ARG)
        hcj_throw_msg(env, err, "a cti is 16 hex digits", "cti");
    else if (err != HC_OK)
        hcj_throw(env, err, NULL);
    return err == HC_OK;
}

/* seen (note false): the last instant cti was admitted within the window of now, or
 * Long.MIN_VALUE; note: remembers it at now (returns now). */
JNIEXPORT jlong JNICALL Java_cn_healthcode_Repeats_seen0(JNIEnv *env, jclass cls, jlong h, jstring jcti, jlong now,
                                                         jboolean note)
{
    (void)cls;
    uint8_t cti[8];
    int64_t then = 0;
    if (!cti_of(env, jcti, cti))
        return 0;
    hc_repeats *r = HCJ_PTR(hc_repeats, h);
    if (note) {
        HCJ_CHECK(env, hc_repeats_note(r, cti, (int64_t)now), NULL);
        return now;
    }
    return hc_repeats_seen(r, cti, (int64_t)now, &then) ? (jlong)then : INT64_MIN;
fail:
    return 0;
}

JNIEXPORT jint JNICALL Java_cn_healthcode_Repeats_count0(JNIEnv *env, jclass cls, jlong h)
{
    (void)env;
    (void)cls;
    size_t n = hc_repeats_count(HCJ_PTR(hc_repeats, h));
    return n > INT32_MAX ? INT32_MAX : (jint)n;
}

HCJ_DEFINE_FREE(Repeats_free, hc_repeats_free, hc_repeats)

/* ------------------------------------------------------------ Checkpoint */

/* The rules of a Venue's fields, kept natively for the checks. */
JNIEXPORT jlong JNICALL Java_cn_healthcode_Checkpoint_open(JNIEnv *env, jclass cls, jstring jname, jboolean green,
                                                           jboolean yellow, jboolean red, jlong max_age,
                                                           jdouble fever, jint live, jint unbound)
{
    (void)cls;
    hcj_args a = {0};
    hc_venue_rules *r = malloc(sizeof *r);
    const char *name = hcj_arg(env, &a, jname);
    HCJ_CHECK(env, !r || a.failed ? HC_E_NOMEM : hcj_args_check(&a, 1), NULL);
    *r = (hc_venue_rules)HC_VENUE_RULES_DEFAULT;
    snprintf(r->name, sizeof r->name, "%s", name);
    r->admit[HC_GREEN] = green;
    r->admit[HC_YELLOW] = yellow;
    r->admit[HC_RED] = red;
    r->max_age_s = (int64_t)max_age;
    r->fever_c = fever;
    r->live = (hc_live_rule)live;
    r->unbound = (hc_unbound_rule)unbound;
    hcj_args_free(&a);
    return HCJ_HANDLE(r);
fail:
    free(r);
    hcj_args_free(&a);
    return 0;
}

/* Verifies through the source at handle src (a Verifier's or a BundleStore's) with the
 * options, then decides by the rules at handle rules, or (rules 0) by the rules of the
 * venue class jclass in the source's bundle as it is now; with the Repeats handle
 * repeats (0: none), a code admitted within its window is a repeat. */
JNIEXPORT jobject JNICALL Java_cn_healthcode_Checkpoint_check(JNIEnv *env, jclass cls, jlong rules, jlong src,
                                                             jstring jtok, jlong now, jlong skew, jlong window,
                                                             jboolean require_live, jdouble t, jlong repeats,
                                                             jstring jclass_name)
{
    (void)cls;
    const hcj_source *s = HCJ_PTR(const hcj_source, src);
    hc_claims c;
    hc_decision d;
    hc_diag diag = {0};
    hc_venue_rules class_rules;
    const hc_venue_rules *r = HCJ_PTR(const hc_venue_rules, rules);
    hcj_verify_opts o = {skew, window, require_live};
    if (!r) {
        hcj_args a = {0};
        hcj_arg(env, &a, jclass_name);
        hc_err err = hcj_args_check(&a, 1);
        if (err == HC_OK)
            err = s->venue ? s->venue(s, a.s[0], &class_rules, &diag) : HC_E_ARG;
        hcj_args_free(&a);
        HCJ_CHECK(env, err, &diag);
        r = &class_rules;
    }
    HCJ_CHECK(env, hcj_verify(env, s, jtok, now, &o, &c, &diag), &diag);
    HCJ_CHECK(env, hc_checkpoint_decide_repeats(&c, r, (int64_t)now, t, HCJ_PTR(hc_repeats, repeats), &d), NULL);
    return hcj_decision(env, &d);
fail:
    return NULL;
}

HCJ_DEFINE_FREE(Checkpoint_free, free, void)

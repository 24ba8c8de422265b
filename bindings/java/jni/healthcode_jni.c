/* healthcode_jni.c — the JNI layer of the Java binding (package cn.healthcode).
 *
 * Public API only: every rule lives in libhealthcode; this file converts
 * strings, results and errors between Java and C, and owns the C handles
 * behind Issuer, Verifier and Checkpoint (released by their close(), or by the
 * Cleaner of NativeHandle.java on its own thread: the free functions use no JNIEnv).
 *
 * Strings cross as real UTF-8, converted here from and to UTF-16: JNI's own
 * "modified UTF-8" differs for U+0000 and for characters outside the BMP
 * (rare CJK name characters among them). A Java string with a NUL in it is
 * refused (HC_E_ARG) where the C API takes a NUL-terminated string, and is
 * passed with its full length where the API takes a length, so a token with
 * a NUL and garbage after it never verifies as the part before the NUL.
 *
 * Errors: a failing call throws HealthCodeException (or its subclass
 * InvalidInputException / TokenRejectedException) with hc_err_name() and the
 * hc_diag field path, and returns 0 / null. Nothing is thrown when a Java
 * exception (OutOfMemoryError …) is already pending.
 */
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <healthcode/healthcode.h>

/* Classes and constructors, looked up once when the library is loaded. */
static struct {
    jclass exception, invalid_input, token_rejected;
    jmethodID exception_init, invalid_input_init, token_rejected_init;
    jclass claims, reason, assessment, decision;
    jmethodID claims_init, reason_init, assessment_init, decision_init;
} J;

#define EXCEPTION_SIG "(ILjava/lang/String;Ljava/lang/String;Ljava/lang/String;J)V"
#define STR "Ljava/lang/String;"

static jclass global_class(JNIEnv *env, const char *name)
{
    jclass local = (*env)->FindClass(env, name);
    if (!local)
        return NULL;
    jclass global = (jclass)(*env)->NewGlobalRef(env, local);
    (*env)->DeleteLocalRef(env, local);
    return global;
}

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved)
{
    (void)reserved;
    JNIEnv *env;
    if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_8) != JNI_OK)
        return JNI_ERR;
    static const struct {
        jclass *cls;
        jmethodID *init;
        const char *name, *sig;
    } classes[] = {
        {&J.exception, &J.exception_init, "cn/healthcode/HealthCodeException", EXCEPTION_SIG},
        {&J.invalid_input, &J.invalid_input_init, "cn/healthcode/InvalidInputException", EXCEPTION_SIG},
        {&J.token_rejected, &J.token_rejected_init, "cn/healthcode/TokenRejectedException", EXCEPTION_SIG},
        {&J.claims, &J.claims_init, "cn/healthcode/HealthCode$Claims",
         "(" STR STR STR STR STR STR STR STR "JJIIZ)V"},
        {&J.reason, &J.reason_init, "cn/healthcode/HealthCode$Reason",
         "(" STR STR "Z" STR STR STR STR STR ")V"},
        {&J.assessment, &J.assessment_init, "cn/healthcode/HealthCode$Assessment",
         "(" STR "J[Lcn/healthcode/HealthCode$Reason;)V"},
        {&J.decision, &J.decision_init, "cn/healthcode/Checkpoint$Decision",
         "(Z" STR STR STR ")V"},
    };
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
        *classes[i].cls = global_class(env, classes[i].name);
        if (!*classes[i].cls)
            return JNI_ERR;
        *classes[i].init = (*env)->GetMethodID(env, *classes[i].cls, "<init>", classes[i].sig);
        if (!*classes[i].init)
            return JNI_ERR;
    }
    return JNI_VERSION_1_8;
}

/* ------------------------------------------------------------ strings */

/* A Java String from UTF-8 (invalid sequences become U+FFFD); NULL with an
 * exception pending if out of memory. */
static jstring jstring_of(JNIEnv *env, const char *s)
{
    size_t n = strlen(s);
    jchar stack[512] = {0};   /* initialised: keeps -Wmaybe-uninitialized quiet for "" */
    jchar *u = n <= sizeof stack / sizeof stack[0] ? stack : malloc(n * sizeof *u);
    if (!u)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp = 0xfffd;
        size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        if (len == 1) {
            cp = c;
        } else if (len > 1 && i + len <= n) {
            cp = c & (0x7f >> len);
            size_t j = 1;
            for (; j < len && ((unsigned char)s[i + j] & 0xc0) == 0x80; j++)
                cp = cp << 6 | ((unsigned char)s[i + j] & 0x3f);
            static const uint32_t least[5] = {0, 0, 0x80, 0x800, 0x10000};
            if (j < len || cp < least[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                cp = 0xfffd, len = 1;
        } else {
            len = 1;
        }
        i += len;
        if (cp >= 0x10000) {
            u[k++] = (jchar)(0xd800 + ((cp - 0x10000) >> 10));
            u[k++] = (jchar)(0xdc00 + ((cp - 0x10000) & 0x3ff));
        } else {
            u[k++] = (jchar)cp;
        }
    }
    jstring str = (*env)->NewString(env, u, (jsize)k);
    if (u != stack)
        free(u);
    return str;
}

/* A Java String as UTF-8, NUL-terminated and malloc'd (free() it), its
 * length in *len. NULL for a null String, or on failure (then *failed is set:
 * an exception is pending or out of memory). Unpaired surrogates become U+FFFD. */
static char *utf8_of(JNIEnv *env, jstring s, size_t *len, bool *failed)
{
    *len = 0;
    if (!s)
        return NULL;
    jsize n = (*env)->GetStringLength(env, s);
    const jchar *u = (*env)->GetStringChars(env, s, NULL);
    char *out = u ? malloc((size_t)n * 3 + 1) : NULL;
    if (!out) {
        if (u)
            (*env)->ReleaseStringChars(env, s, u);
        *failed = true;
        return NULL;
    }
    size_t k = 0;
    for (jsize i = 0; i < n; i++) {
        uint32_t cp = u[i];
        if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n && u[i + 1] >= 0xdc00 && u[i + 1] <= 0xdfff)
            cp = 0x10000 + ((cp - 0xd800) << 10) + (u[++i] - 0xdc00u);
        else if (cp >= 0xd800 && cp <= 0xdfff)
            cp = 0xfffd;
        if (cp < 0x80) {
            out[k++] = (char)cp;
        } else if (cp < 0x800) {
            out[k++] = (char)(0xc0 | cp >> 6);
            out[k++] = (char)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out[k++] = (char)(0xe0 | cp >> 12);
            out[k++] = (char)(0x80 | (cp >> 6 & 0x3f));
            out[k++] = (char)(0x80 | (cp & 0x3f));
        } else {
            out[k++] = (char)(0xf0 | cp >> 18);
            out[k++] = (char)(0x80 | (cp >> 12 & 0x3f));
            out[k++] = (char)(0x80 | (cp >> 6 & 0x3f));
            out[k++] = (char)(0x80 | (cp & 0x3f));
        }
    }
    (*env)->ReleaseStringChars(env, s, u);
    out[k] = '\0';
    *len = k;
    return out;
}

/* Up to four Java strings of one call, converted together and freed together. */
typedef struct {
    char *s[4];
    size_t len[4];
    int n;
    bool failed;
} args;

/* Converts s into a->s[a->n++]; returns it (NULL for null). */
static const char *arg(JNIEnv *env, args *a, jstring s)
{
    int i = a->n++;
    a->s[i] = utf8_of(env, s, &a->len[i], &a->failed);
    return a->s[i];
}

/* true if argument i is a usable NUL-terminated string (not null, no NUL inside). */
static bool arg_cstr(const args *a, int i)
{
    return a->s[i] && strlen(a->s[i]) == a->len[i];
}

static void args_free(args *a)
{
    for (int i = 0; i < a->n; i++)
        free(a->s[i]);
}

/* ------------------------------------------------------------ errors */

static void throw_hc(JNIEnv *env, hc_err err, const hc_diag *diag)
{
    if ((*env)->ExceptionCheck(env))
        return;
    jclass cls = J.exception;
    jmethodID init = J.exception_init;
    if ((err >= HC_E_PREFIX && err <= HC_E_SUBJECT_REVOKED) || err == HC_E_LIFETIME ||
        (err >= HC_E_PRESENTATION && err <= HC_E_NOT_LIVE)) {
        cls = J.token_rejected;
        init = J.token_rejected_init;
    } else if (err >= HC_E_RECORD && err <= HC_E_NO_CODE) {
        cls = J.invalid_input;
        init = J.invalid_input_init;
    }
    const char *msg = diag && diag->message[0] ? diag->message : hc_strerror(err);
    jstring name = jstring_of(env, hc_err_name(err));
    jstring jmsg = name ? jstring_of(env, msg) : NULL;
    jstring field = jmsg ? jstring_of(env, diag ? diag->field : "") : NULL;
    if (!field)
        return;
    jobject ex = (*env)->NewObject(env, cls, init, (jint)err, name, jmsg, field,
                                   (jlong)(diag ? diag->line : 0));
    if (ex)
        (*env)->Throw(env, (jthrowable)ex);
}

/* Runs a library call; on error throws and jumps to fail. */
#define CHECK(env, call, diag)           \
    do {                                 \
        hc_err e_ = (call);              \
        if (e_ != HC_OK) {               \
            throw_hc((env), e_, (diag)); \
            goto fail;                   \
        }                                \
    } while (0)

/* ------------------------------------------------------------ results */

static void hex(const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static jobject make_claims(JNIEnv *env, const hc_claims *c, bool verified)
{
    char kid[2 * HC_KID_LEN + 1], cti[17], sub[33] = "";
    hex(c->kid, HC_KID_LEN, kid);
    hex(c->cti, sizeof c->cti, cti);
    if (c->has_sub)
        hex(c->sub, sizeof c->sub, sub);
    return (*env)->NewObject(env, J.claims, J.claims_init, jstring_of(env, c->iss),
                             jstring_of(env, hc_colour_name(c->colour)), jstring_of(env, kid),
                             jstring_of(env, cti), jstring_of(env, sub), jstring_of(env, c->nam),
                             jstring_of(env, c->doc), jstring_of(env, hc_alg_name(c->alg)),
                             (jlong)c->iat, (jlong)c->exp, (jint)c->reg, (jint)c->knd,
                             (jboolean)verified);
}

static jobject make_assessment(JNIEnv *env, const hc_assessment *a)
{
    jobjectArray reasons = (*env)->NewObjectArray(env, (jsize)a->n_reasons, J.reason, NULL);
    if (!reasons)
        return NULL;
    for (size_t i = 0; i < a->n_reasons; i++) {
        /* eight strings a reason, up to HC_MAX_REASONS reasons: a frame each */
        if ((*env)->PushLocalFrame(env, 16) != 0)
            return NULL;
        const hc_reason *r = &a->reasons[i];
        char from[11] = "", until[11] = "";
        if (r->from != HC_DAY_NONE)
            hc_day_format(r->from, from);
        if (r->until != HC_DAY_NONE)
            hc_day_format(r->until, until);
        jobject o = (*env)->NewObject(env, J.reason, J.reason_init, jstring_of(env, r->code),
                                      jstring_of(env, hc_colour_name(r->colour)), (jboolean)r->holds,
                                      jstring_of(env, from), jstring_of(env, until),
                                      jstring_of(env, r->field), jstring_of(env, r->zh),
                                      jstring_of(env, r->en));
        if (o)
            (*env)->SetObjectArrayElement(env, reasons, (jsize)i, o);
        (*env)->PopLocalFrame(env, NULL);
        if (!o)
            return NULL;
    }
    return (*env)->NewObject(env, J.assessment, J.assessment_init,
                             jstring_of(env, hc_colour_name(a->colour)), (jlong)a->until, reasons);
}

/* ------------------------------------------------------------ records */

/* Parses the record in a UTF-8 byte[] (String.getBytes(UTF_8)). */
static hc_err parse_record(JNIEnv *env, jbyteArray json, hc_record **out, hc_diag *diag)
{
    if (!json)
        return HC_E_ARG;
    jsize n = (*env)->GetArrayLength(env, json);
    char *s = malloc((size_t)n + 1);
    if (!s)
        return HC_E_NOMEM;
    (*env)->GetByteArrayRegion(env, json, 0, n, (jbyte *)s);
    hc_err err = hc_record_parse_json(s, (size_t)n, out, diag);
    free(s);
    return err;
}

/* ------------------------------------------------------------ HealthCode */

JNIEXPORT jstring JNICALL Java_cn_healthcode_HealthCode_version(JNIEnv *env, jclass cls)
{
    (void)cls;
    return jstring_of(env, hc_version());
}

/* A new key pair of algorithm jalg, its kid in hex. In a file (where is the
 * private key's path, written 0600) or on a token (where is a pkcs11: URI;
 * the pair is made there), with the public key written to jpub either way. */
static jstring generate(JNIEnv *env, jstring jalg, jstring jwhere, jstring jpub, bool on_token)
{
    args a = {0};
    hc_key *key = NULL;
    jstring result = NULL;
    hc_alg alg;
    uint8_t kid[HC_KID_LEN];
    char kidhex[2 * HC_KID_LEN + 1];
    arg(env, &a, jalg);
    arg(env, &a, jwhere);
    arg(env, &a, jpub);
    CHECK(env, a.failed ? HC_E_NOMEM : arg_cstr(&a, 0) && arg_cstr(&a, 1) && arg_cstr(&a, 2) ? HC_OK : HC_E_ARG,
          NULL);
    CHECK(env, hc_alg_parse(a.s[0], &alg), NULL);
    if (on_token) {
        CHECK(env, hc_key_generate_pkcs11(alg, a.s[1], &key), NULL);
    } else {
        CHECK(env, hc_key_generate(alg, &key), NULL);
        CHECK(env, hc_key_save_private(key, a.s[1]), NULL);
    }
    CHECK(env, hc_key_save_public(key, a.s[2]), NULL);
    CHECK(env, hc_key_kid(key, kid), NULL);
    hex(kid, HC_KID_LEN, kidhex);
    result = jstring_of(env, kidhex);
fail:
    hc_key_free(key);
    args_free(&a);
    return result;
}

JNIEXPORT jstring JNICALL Java_cn_healthcode_HealthCode_generateKey(JNIEnv *env, jclass cls, jstring jalg,
                                                                   jstring jpriv, jstring jpub)
{
    (void)cls;
    return generate(env, jalg, jpriv, jpub, false);
}

/* keygen --pkcs11: the pair is made on the token; only the public key is written. */
JNIEXPORT jstring JNICALL Java_cn_healthcode_HealthCode_generateKeyOnToken(JNIEnv *env, jclass cls,
                                                                          jstring jalg, jstring juri,
                                                                          jstring jpub)
{
    (void)cls;
    return generate(env, jalg, juri, jpub, true);
}

JNIEXPORT jobject JNICALL Java_cn_healthcode_HealthCode_assess(JNIEnv *env, jclass cls, jbyteArray jrec,
                                                              jstring jpolicy, jlong now)
{
    (void)cls;
    args a = {0};
    hc_policy *policy = NULL;
    hc_record *rec = NULL;
    hc_assessment *as = malloc(sizeof *as);   /* about 20 KiB: not on a JVM thread's stack */
    hc_diag diag = {0};
    jobject result = NULL;
    const char *path = arg(env, &a, jpolicy);
    CHECK(env, !as || a.failed ? HC_E_NOMEM : path && !arg_cstr(&a, 0) ? HC_E_ARG : HC_OK, NULL);
    CHECK(env, hc_policy_load(path, &policy, &diag), &diag);
    CHECK(env, parse_record(env, jrec, &rec, &diag), &diag);
    CHECK(env, hc_assess(policy, rec, (int64_t)now, as, &diag), &diag);
    result = make_assessment(env, as);
fail:
    free(as);
    hc_record_free(rec);
    hc_policy_free(policy);
    args_free(&a);
    return result;
}

JNIEXPORT jbyteArray JNICALL Java_cn_healthcode_HealthCode_renderPng(JNIEnv *env, jclass cls, jstring jtok,
                                                                    jint scale)
{
    (void)cls;
    args a = {0};
    uint8_t *png = NULL;
    size_t len = 0;
    jbyteArray result = NULL;
    hc_claims c;
    hc_render_opts opts = HC_RENDER_OPTS_DEFAULT;
    opts.scale = scale;
    const char *tok = arg(env, &a, jtok);
    CHECK(env, a.failed ? HC_E_NOMEM : arg_cstr(&a, 0) ? HC_OK : HC_E_ARG, NULL);
    /* the colour of the image is the token's own (read, not verified) */
    CHECK(env, hc_inspect(tok, a.len[0], &c), NULL);
    CHECK(env, hc_render_png(tok, c.colour, &opts, &png, &len), NULL);
    result = (*env)->NewByteArray(env, (jsize)len);
    if (result)
        (*env)->SetByteArrayRegion(env, result, 0, (jsize)len, (const jbyte *)png);
fail:
    hc_free(png);
    args_free(&a);
    return result;
}

JNIEXPORT jobject JNICALL Java_cn_healthcode_HealthCode_inspect(JNIEnv *env, jclass cls, jstring jtok)
{
    (void)cls;
    args a = {0};
    hc_claims c;
    jobject result = NULL;
    const char *tok = arg(env, &a, jtok);
    CHECK(env, a.failed ? HC_E_NOMEM : tok ? HC_OK : HC_E_ARG, NULL);
    CHECK(env, hc_inspect(tok, a.len[0], &c), NULL);
    result = make_claims(env, &c, false);
fail:
    args_free(&a);
    return result;
}

/* ------------------------------------------------------------ Issuer */

typedef struct {
    hc_key *key;
    hc_issuer *issuer;
    hc_policy *policy;
} jissuer;

static void jissuer_free(jissuer *j)
{
    if (!j)
        return;
    hc_issuer_free(j->issuer);
    hc_key_free(j->key);
    hc_policy_free(j->policy);
    free(j);
}

JNIEXPORT jlong JNICALL Java_cn_healthcode_Issuer_open(JNIEnv *env, jclass cls, jstring jiss, jstring jpath,
                                                       jstring jpolicy)
{
    (void)cls;
    args a = {0};
    hc_diag diag = {0};
    jissuer *j = calloc(1, sizeof *j);
    arg(env, &a, jiss);
    arg(env, &a, jpath);
    const char *policy = arg(env, &a, jpolicy);
    CHECK(env, !j || a.failed ? HC_E_NOMEM
               : arg_cstr(&a, 0) && arg_cstr(&a, 1) && (!policy || arg_cstr(&a, 2)) ? HC_OK : HC_E_ARG,
          NULL);
    CHECK(env, hc_key_load_file(a.s[1], &j->key), NULL);
    CHECK(env, hc_issuer_new(a.s[0], j->key, &j->issuer), NULL);
    CHECK(env, hc_policy_load(policy, &j->policy, &diag), &diag);
    args_free(&a);
    return (jlong)(intptr_t)j;
fail:
    jissuer_free(j);
    args_free(&a);
    return 0;
}

JNIEXPORT jstring JNICALL Java_cn_healthcode_Issuer_issue(JNIEnv *env, jclass cls, jlong h, jbyteArray jrec,
                                                          jstring jcolour, jlong now, jlong validity)
{
    (void)cls;
    jissuer *j = (jissuer *)(intptr_t)h;
    args a = {0};
    hc_record *rec = NULL;
    hc_assessment *as = calloc(1, sizeof *as);
    hc_diag diag = {0};
    jstring result = NULL;
    char text[HC_TOKEN_MAX + 1];
    size_t len = 0;
    const char *colour = arg(env, &a, jcolour);
    CHECK(env, !as || a.failed ? HC_E_NOMEM : colour && !arg_cstr(&a, 0) ? HC_E_ARG : HC_OK, NULL);
    CHECK(env, parse_record(env, jrec, &rec, &diag), &diag);
    if (colour)
        CHECK(env, hc_colour_parse(colour, &as->colour), NULL);
    else
        CHECK(env, hc_assess(j->policy, rec, (int64_t)now, as, &diag), &diag);
    CHECK(env, hc_issue(j->issuer, rec, as, (int64_t)now, (int64_t)validity, text, sizeof text, &len), NULL);
    result = jstring_of(env, text);
fail:
    free(as);
    hc_record_free(rec);
    args_free(&a);
    return result;
}

JNIEXPORT void JNICALL Java_cn_healthcode_Issuer_free(JNIEnv *env, jclass cls, jlong h)
{
    (void)env;
    (void)cls;
    jissuer_free((jissuer *)(intptr_t)h);
}

/* ------------------------------------------------------------ Verifier */

typedef struct {
    hc_trust *trust;
    hc_revocations *revoked;
} jverifier;

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
    CHECK(env, v ? HC_OK : HC_E_NOMEM, NULL);
    CHECK(env, hc_trust_new(&v->trust), NULL);
    CHECK(env, hc_revocations_new(&v->revoked), NULL);
    return (jlong)(intptr_t)v;
fail:
    jverifier_free(v);
    return 0;
}

JNIEXPORT void JNICALL Java_cn_healthcode_Verifier_addPem(JNIEnv *env, jclass cls, jlong h, jstring jpem,
                                                          jstring jiss, jlong nb, jlong na)
{
    (void)cls;
    jverifier *v = (jverifier *)(intptr_t)h;
    args a = {0};
    const char *pem = arg(env, &a, jpem);
    const char *iss = arg(env, &a, jiss);
    CHECK(env, a.failed ? HC_E_NOMEM : pem && (!iss || arg_cstr(&a, 1)) ? HC_OK : HC_E_ARG, NULL);
    hc_trust_key_opts o = {iss, (int64_t)nb, (int64_t)na};
    CHECK(env, hc_trust_add_pem(v->trust, pem, a.len[0], &o), NULL);
fail:
    args_free(&a);
}

/* The Verifier's calls that take one string and may fill an hc_diag. */
typedef enum { ADD_TRUST_PATH, REVOKE_TEXT, LOAD_REVOCATIONS } verifier_op;

static void verifier_call(JNIEnv *env, jlong h, jstring js, verifier_op op)
{
    jverifier *v = (jverifier *)(intptr_t)h;
    args a = {0};
    hc_diag diag = {0};
    const char *s = arg(env, &a, js);
    /* a revocation text goes with its length; a path must be a C string */
    bool ok = op == REVOKE_TEXT ? s != NULL : arg_cstr(&a, 0);
    CHECK(env, a.failed ? HC_E_NOMEM : ok ? HC_OK : HC_E_ARG, NULL);
    hc_err err = op == ADD_TRUST_PATH ? hc_trust_add_path(v->trust, s, &diag)
               : op == REVOKE_TEXT    ? hc_revocations_add_text(v->revoked, s, a.len[0], &diag)
                                      : hc_revocations_load(v->revoked, s, &diag);
    CHECK(env, err, &diag);
fail:
    args_free(&a);
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

/* Verifies jtok with v's trust store and revocation list. */
static hc_err verify_token(JNIEnv *env, jverifier *v, jstring jtok, jlong now, jlong skew, hc_claims *c)
{
    args a = {0};
    const char *tok = arg(env, &a, jtok);
    hc_err err = a.failed ? HC_E_NOMEM : tok ? HC_OK : HC_E_ARG;
    if (err == HC_OK) {
        hc_verify_opts o = {(int64_t)skew, v->revoked, 0, false};
        err = hc_verify(v->trust, tok, a.len[0], (int64_t)now, &o, c);
    }
    args_free(&a);
    return err;
}

JNIEXPORT jobject JNICALL Java_cn_healthcode_Verifier_verify(JNIEnv *env, jclass cls, jlong h, jstring jtok,
                                                            jlong now, jlong skew)
{
    (void)cls;
    hc_claims c;
    CHECK(env, verify_token(env, (jverifier *)(intptr_t)h, jtok, now, skew, &c), NULL);
    return make_claims(env, &c, true);
fail:
    return NULL;
}

JNIEXPORT void JNICALL Java_cn_healthcode_Verifier_free(JNIEnv *env, jclass cls, jlong h)
{
    (void)env;
    (void)cls;
    jverifier_free((jverifier *)(intptr_t)h);
}

/* ------------------------------------------------------------ Checkpoint */

JNIEXPORT jlong JNICALL Java_cn_healthcode_Checkpoint_open(JNIEnv *env, jclass cls, jstring jvenue)
{
    (void)cls;
    args a = {0};
    hc_diag diag = {0};
    hc_venue_rules *r = malloc(sizeof *r);
    const char *venue = arg(env, &a, jvenue);
    CHECK(env, !r || a.failed ? HC_E_NOMEM : HC_OK, NULL);
    *r = (hc_venue_rules)HC_VENUE_RULES_DEFAULT;
    if (venue)
        CHECK(env, hc_venue_parse_json(venue, a.len[0], r, &diag), &diag);
    args_free(&a);
    return (jlong)(intptr_t)r;
fail:
    free(r);
    args_free(&a);
    return 0;
}

JNIEXPORT jobject JNICALL Java_cn_healthcode_Checkpoint_check(JNIEnv *env, jclass cls, jlong rules, jlong h,
                                                             jstring jtok, jlong now, jlong skew, jdouble t)
{
    (void)cls;
    hc_claims c;
    hc_decision d;
    CHECK(env, verify_token(env, (jverifier *)(intptr_t)h, jtok, now, skew, &c), NULL);
    CHECK(env, hc_checkpoint_decide(&c, (const hc_venue_rules *)(intptr_t)rules, (int64_t)now, t, &d), NULL);
    return (*env)->NewObject(env, J.decision, J.decision_init, (jboolean)(d.verdict == HC_ADMIT),
                             jstring_of(env, d.code), jstring_of(env, d.zh), jstring_of(env, d.en));
fail:
    return NULL;
}

JNIEXPORT void JNICALL Java_cn_healthcode_Checkpoint_free(JNIEnv *env, jclass cls, jlong h)
{
    (void)env;
    (void)cls;
    free((void *)(intptr_t)h);
}

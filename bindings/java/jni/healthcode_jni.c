/* healthcode_jni.c — the JNI layer of the Java binding (package cn.healthcode): what
 * every native shares. hcj.h lists the other files and the conventions.
 *
 * Public API only: every rule lives in libhealthcode; these files convert strings,
 * results and errors between Java and C, and own the C handles behind Key, Issuer,
 * Verifier, BundleStore, Checkpoint and Sheets (released by their close(), or by the
 * Cleaner of NativeHandle.java on its own thread: the free functions use no JNIEnv).
 *
 * Strings cross as real UTF-8, converted here from and to UTF-16: JNI's own
 * "modified UTF-8" differs for U+0000 and for characters outside the BMP
 * (rare CJK name characters among them). A Java string with a NUL in it is
 * refused (HC_E_ARG) where the C API takes a NUL-terminated string, and is
 * passed with its full length where the API takes a length, so a token with
 * a NUL and garbage after it never verifies as the part before the NUL.
 *
 * Errors: a failing call throws the family of its hc_err that
 * HealthCodeException.of() picks (TokenRejectedException, InvalidInputException,
 * KeyException, HealthCodeIOException, BundleException, …) with hc_err_name() and
 * the hc_diag field path, and returns 0 / null.
 */
#include "hcj.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

hcj_classes J;

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
    /* is_static: a static factory; otherwise a constructor ("<init>") or, for an
     * interface, its one method */
    static const struct {
        jclass *cls;
        jmethodID *method;
        const char *name, *method_name, *sig;
        bool is_static;
    } classes[] = {
        {&J.exception, &J.exception_of, "cn/healthcode/HealthCodeException", "of",
         "(I" STR STR STR "J)Lcn/healthcode/HealthCodeException;", true},
        {&J.claims, &J.claims_init, "cn/healthcode/HealthCode$Claims", "<init>",
         "(" STR STR STR STR STR STR STR STR "JJIIZZ" STR "ZZJ)V", false},
        {&J.reason, &J.reason_init, "cn/healthcode/HealthCode$Reason", "<init>",
         "(" STR STR "Z" STR STR STR STR STR ")V", false},
        {&J.assessment, &J.assessment_init, "cn/healthcode/HealthCode$Assessment", "<init>",
         "(" STR "J[Lcn/healthcode/HealthCode$Reason;)V", false},
        {&J.decision, &J.decision_init, "cn/healthcode/Checkpoint$Decision", "<init>", "(Z" STR STR STR ")V",
         false},
        {&J.batch_progress, &J.batch_progress_init, "cn/healthcode/Batch$Progress", "<init>", "(JJJJJZ)V", false},
        {&J.batch_summary, &J.batch_summary_init, "cn/healthcode/Batch$Summary", "<init>", "(JJJJJJJJJZ)V",
         false},
        {&J.progress_listener, &J.progress_listener_call, "cn/healthcode/Batch$ProgressListener", "progress",
         "(Lcn/healthcode/Batch$Progress;)V", false},
        {&J.venue, &J.venue_init, "cn/healthcode/Venue", "<init>", "(" STR "ZZZJDII)V", false},
        {&J.presenter, &J.presenter_sign, "cn/healthcode/Presenter", "signForNative", "([B)[B", false},
    };
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
        *classes[i].cls = global_class(env, classes[i].name);
        if (!*classes[i].cls)
            return JNI_ERR;
        *classes[i].method = classes[i].is_static
            ? (*env)->GetStaticMethodID(env, *classes[i].cls, classes[i].method_name, classes[i].sig)
            : (*env)->GetMethodID(env, *classes[i].cls, classes[i].method_name, classes[i].sig);
        if (!*classes[i].method)
            return JNI_ERR;
    }
    return JNI_VERSION_1_8;
}

/* ------------------------------------------------------------ strings */

jstring hcj_string(JNIEnv *env, const char *s)
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

const char *hcj_arg(JNIEnv *env, hcj_args *a, jstring s)
{
    if (a->n >= HCJ_ARGS_MAX) {   /* a bug of this file: never reached */
        a->failed = true;
        return NULL;
    }
    int i = a->n++;
    a->s[i] = utf8_of(env, s, &a->len[i], &a->failed);
    return a->s[i];
}

bool hcj_arg_cstr(const hcj_args *a, int i)
{
    return i < a->n && a->s[i] && strlen(a->s[i]) == a->len[i];
}

hc_err hcj_args_check(const hcj_args *a, int n)
{
    if (a->failed)
        return HC_E_NOMEM;
    for (int i = 0; i < n; i++)
        if (!hcj_arg_cstr(a, i))
            return HC_E_ARG;
    return HC_OK;
}

void hcj_args_free(hcj_args *a)
{
    for (int i = 0; i < a->n; i++)
        free(a->s[i]);
    a->n = 0;
}

const char *hcj_key_ref(const char *ref, char *buf, size_t cap)
{
    if (strncmp(ref, "pkcs11:", 7) != 0)
        return ref;
    size_t n = strcspn(ref, "?");
    snprintf(buf, cap, "%.*s", (int)(n < cap ? n : cap - 1), ref);
    return buf;
}

void hcj_wipe(void *p, size_t n)
{
    volatile uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        b[i] = 0;
}

void hcj_hex(const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

/* ------------------------------------------------------------ errors */

/* Throws HealthCodeException.of(err, …): the class of err's family. */
static void throw_of(JNIEnv *env, hc_err err, const char *message, const char *field, long line)
{
    if ((*env)->ExceptionCheck(env))
        return;
    jstring name = hcj_string(env, hc_err_name(err));
    jstring jmsg = name ? hcj_string(env, message) : NULL;
    jstring jfield = jmsg ? hcj_string(env, field) : NULL;
    jobject ex = jfield ? (*env)->CallStaticObjectMethod(env, J.exception, J.exception_of, (jint)err, name, jmsg,
                                                         jfield, (jlong)line)
                        : NULL;
    if (ex && !(*env)->ExceptionCheck(env))
        (*env)->Throw(env, (jthrowable)ex);
    if (ex)
        (*env)->DeleteLocalRef(env, ex);
    if (jfield)
        (*env)->DeleteLocalRef(env, jfield);
    if (jmsg)
        (*env)->DeleteLocalRef(env, jmsg);
    if (name)
        (*env)->DeleteLocalRef(env, name);
}

void hcj_throw_msg(JNIEnv *env, hc_err err, const char *message, const char *field)
{
    throw_of(env, err, message, field ? field : "", 0);
}

void hcj_throw(JNIEnv *env, hc_err err, const hc_diag *diag)
{
    throw_of(env, err, diag && diag->message[0] ? diag->message : hc_strerror(err), diag ? diag->field : "",
             diag ? diag->line : 0);
}

/* What is wrong with the file at path, for a message (the library says only
 * that reading or writing failed). Writing: a missing or unwritable directory. */
static const char *file_problem(const char *path, bool writing)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return "is a directory";
        if (!S_ISREG(st.st_mode))
            return "is not a regular file";
        if (access(path, writing ? W_OK : R_OK) != 0)
            return "permission denied";
        return writing ? "could not be written" : "could not be read";
    }
    if (errno == EACCES)
        return "permission denied";
    if (errno == ENOTDIR)
        return "a component of the path is not a directory";
    if (errno != ENOENT)
        return "cannot be reached";
    return writing ? "its directory does not exist or cannot be written" : "no such file";
}

void hcj_throw_path(JNIEnv *env, hc_err err, const hc_diag *diag, const char *path, const char *what)
{
    if (!path) {
        hcj_throw(env, err, diag);
        return;
    }
    bool writing = strcmp(what, "write") == 0;
    char msg[HC_DIAG_MESSAGE_MAX + 4096];
    bool uri = strncmp(path, "pkcs11:", 7) == 0;   /* an I/O error there is the PIN file's */
    if (err == HC_E_IO && !(diag && diag->message[0]) && !uri)
        snprintf(msg, sizeof msg, "cannot %s %s: %s", what, path, file_problem(path, writing));
    else if (uri || err == HC_E_KEY_PERMS || err == HC_E_KEY || err == HC_E_LIMIT || err == HC_E_KEY_ENCRYPTED)
        snprintf(msg, sizeof msg, "%s: %s", path, diag && diag->message[0] ? diag->message : hc_strerror(err));
    else {
        hcj_throw(env, err, diag);
        return;
    }
    hcj_throw_msg(env, err, msg, diag && diag->field[0] ? diag->field : path);
}

/* ------------------------------------------------------------ results */

jobject hcj_claims(JNIEnv *env, const hc_claims *c, bool verified)
{
    char kid[2 * HC_KID_LEN + 1], cti[17], sub[33] = "";
    hcj_hex(c->kid, HC_KID_LEN, kid);
    hcj_hex(c->cti, sizeof c->cti, cti);
    if (c->has_sub)
        hcj_hex(c->sub, sizeof c->sub, sub);
    /* nine strings: in a frame of their own, so a caller's loop keeps none */
    if ((*env)->PushLocalFrame(env, 12) != 0)
        return NULL;
    jobject o = (*env)->NewObject(env, J.claims, J.claims_init, hcj_string(env, c->iss),
                                  hcj_string(env, hc_colour_name(c->colour)), hcj_string(env, kid),
                                  hcj_string(env, cti), hcj_string(env, sub), hcj_string(env, c->nam),
                                  hcj_string(env, c->doc), hcj_string(env, hc_alg_name(c->alg)), (jlong)c->iat,
                                  (jlong)c->exp, (jint)c->reg, (jint)c->knd, (jboolean)verified,
                                  (jboolean)c->bound, hcj_string(env, c->bound ? hc_alg_name(c->device_alg) : ""),
                                  (jboolean)c->presented, (jboolean)c->live, (jlong)c->t);
    return (*env)->PopLocalFrame(env, o);
}

jobject hcj_assessment(JNIEnv *env, const hc_assessment *a)
{
    if ((*env)->PushLocalFrame(env, 4) != 0)
        return NULL;
    jobject result = NULL;
    jobjectArray reasons = (*env)->NewObjectArray(env, (jsize)a->n_reasons, J.reason, NULL);
    if (!reasons)
        goto done;
    for (size_t i = 0; i < a->n_reasons; i++) {
        /* eight strings a reason, up to HC_MAX_REASONS reasons: a frame each */
        if ((*env)->PushLocalFrame(env, 16) != 0)
            goto done;
        const hc_reason *r = &a->reasons[i];
        char from[11] = "", until[11] = "";
        if (r->from != HC_DAY_NONE)
            hc_day_format(r->from, from);
        if (r->until != HC_DAY_NONE)
            hc_day_format(r->until, until);
        jobject o = (*env)->NewObject(env, J.reason, J.reason_init, hcj_string(env, r->code),
                                      hcj_string(env, hc_colour_name(r->colour)), (jboolean)r->holds,
                                      hcj_string(env, from), hcj_string(env, until), hcj_string(env, r->field),
                                      hcj_string(env, r->zh), hcj_string(env, r->en));
        if (o)
            (*env)->SetObjectArrayElement(env, reasons, (jsize)i, o);
        (*env)->PopLocalFrame(env, NULL);
        if (!o)
            goto done;
    }
    result = (*env)->NewObject(env, J.assessment, J.assessment_init, hcj_string(env, hc_colour_name(a->colour)),
                               (jlong)a->until, reasons);
done:
    return (*env)->PopLocalFrame(env, result);
}

jobject hcj_decision(JNIEnv *env, const hc_decision *d)
{
    if ((*env)->PushLocalFrame(env, 4) != 0)
        return NULL;
    jobject o = (*env)->NewObject(env, J.decision, J.decision_init, (jboolean)(d->verdict == HC_ADMIT),
                                  hcj_string(env, d->code), hcj_string(env, d->zh), hcj_string(env, d->en));
    return (*env)->PopLocalFrame(env, o);
}

/* ------------------------------------------------------------ verification */

hc_err hcj_verify(JNIEnv *env, const hcj_source *s, jstring jtok, jlong now, const hcj_verify_opts *vo,
                  hc_claims *c, hc_diag *diag)
{
    /* checked here, not left to hc_verify: its 0 means the default window */
    if (vo->skew < 0) {
        snprintf(diag->field, sizeof diag->field, "skew");
        snprintf(diag->message, sizeof diag->message, "the clock allowance is %lld s: it cannot be negative",
                 (long long)vo->skew);
        return HC_E_ARG;
    }
    if (vo->live_window < 1 || vo->live_window > HC_LIVE_WINDOW_MAX_S) {
        snprintf(diag->field, sizeof diag->field, "liveWindow");
        snprintf(diag->message, sizeof diag->message, "the live window is %lld s: it is 1 to %d seconds",
                 (long long)vo->live_window, HC_LIVE_WINDOW_MAX_S);
        return HC_E_ARG;
    }
    hcj_args a = {0};
    const hc_trust *trust = NULL;
    const hc_revocations *revoked = NULL;
    const char *tok = hcj_arg(env, &a, jtok);
    hc_err err = a.failed ? HC_E_NOMEM : tok ? HC_OK : HC_E_ARG;
    if (err == HC_OK)
        err = s->get(s, &trust, &revoked, diag);
    if (err == HC_OK) {
        hc_verify_opts o = HC_VERIFY_OPTS_DEFAULT;
        o.skew_s = (int64_t)vo->skew;
        o.revoked = revoked;
        o.live_window_s = (int64_t)vo->live_window;
        o.require_live = vo->require_live;
        err = hc_verify(trust, tok, a.len[0], (int64_t)now, &o, c);
    }
    hcj_args_free(&a);
    return err;
}

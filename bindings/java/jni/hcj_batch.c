/* hcj_batch.c — cn.healthcode.Batch (hc_batch_run: many codes from a file, resumable,
 * with a progress listener called back on the caller's thread) and Sheets (hc_sheet_*:
 * printable A4 pages), when the build has them. */
#include "hcj.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ Batch */

/* What the progress callback needs: the JNIEnv of the thread that called
 * hc_batch_run (the library calls back on that thread only), the listener, and
 * whether it threw. An exception thrown by the listener stays pending: no further
 * call goes to Java, and it is what the Java caller gets once the batch ends (the
 * library has no way to stop a batch early; a resume is what makes that safe). */
typedef struct {
    JNIEnv *env;
    jobject listener;   /* may be NULL */
    bool threw;
} progress_ctx;

static void on_progress(void *ctx, const hc_batch_progress *p)
{
    progress_ctx *c = ctx;
    JNIEnv *env = c->env;
    if (!c->listener || c->threw)
        return;
    if ((*env)->PushLocalFrame(env, 2) != 0) {
        c->threw = true;
        return;
    }
    jobject o = (*env)->NewObject(env, J.batch_progress, J.batch_progress_init, (jlong)p->lines, (jlong)p->issued,
                                  (jlong)p->errors, (jlong)p->bytes_read, (jlong)p->bytes_total,
                                  (jboolean)p->done);
    if (o)
        (*env)->CallVoidMethod(env, c->listener, J.progress_listener_call, o);
    (*env)->PopLocalFrame(env, NULL);
    if ((*env)->ExceptionCheck(env))
        c->threw = true;
}

/* Copies the Java byte[] secret into buf (16 to 64 bytes); *n = 0 for null. */
static hc_err secret_of(JNIEnv *env, jbyteArray js, uint8_t *buf, size_t cap, size_t *n)
{
    *n = 0;
    if (!js)
        return HC_OK;
    jsize len = (*env)->GetArrayLength(env, js);
    if (len < 16 || (size_t)len > cap)
        return HC_E_ARG;
    (*env)->GetByteArrayRegion(env, js, 0, len, (jbyte *)buf);
    *n = (size_t)len;
    return HC_OK;
}

/* The numbers of a run, as Batch.Summary. */
static jobject summary_of(JNIEnv *env, const hc_batch_summary *s)
{
    return (*env)->NewObject(env, J.batch_summary, J.batch_summary_init, (jlong)s->lines,
                             (jlong)s->issued[HC_GREEN], (jlong)s->issued[HC_YELLOW], (jlong)s->issued[HC_RED],
                             (jlong)s->errors, (jlong)s->resumed_lines, (jlong)s->sheets, (jlong)s->now,
                             (jlong)s->validity_s, (jboolean)s->max_errors_reached);
}

/* cfg: threads, shard_k, shard_n, sheets_format; nums: now, validity, max_errors,
 * checkpoint, the Register's handle (0: none); flags: png, sheets, resume. Strings: iss, policy (may be null), in, out. */
JNIEXPORT jobject JNICALL Java_cn_healthcode_Batch_run0(JNIEnv *env, jclass cls, jlong key, jstring jiss,
                                                       jstring jpolicy, jbyteArray jsecret, jintArray jcfg,
                                                       jlongArray jnums, jbooleanArray jflags, jobject listener,
                                                       jstring jin, jstring jout)
{
    (void)cls;
    hcj_args a = {0};
    hc_diag diag = {0};
    hc_policy *policy = NULL;
    hc_batch_summary sum = {0};
    uint8_t secret[64];
    size_t secret_len = 0;
    jint cfg[4];
    jlong nums[5];
    jboolean flags[3];
    jobject result = NULL;
    const char *iss = hcj_arg(env, &a, jiss);
    const char *in = hcj_arg(env, &a, jin);
    const char *out = hcj_arg(env, &a, jout);
    const char *policy_path = hcj_arg(env, &a, jpolicy);
    HCJ_CHECK(env, a.failed ? HC_E_NOMEM : (!policy_path || hcj_arg_cstr(&a, 3)) ? hcj_args_check(&a, 3) : HC_E_ARG,
              NULL);
    HCJ_CHECK(env, secret_of(env, jsecret, secret, sizeof secret, &secret_len), NULL);
    (*env)->GetIntArrayRegion(env, jcfg, 0, 4, cfg);
    (*env)->GetLongArrayRegion(env, jnums, 0, 5, nums);
    (*env)->GetBooleanArrayRegion(env, jflags, 0, 3, flags);
    if ((*env)->ExceptionCheck(env))
        goto fail;
    if (policy_path)
        HCJ_CHECK_PATH(env, hc_policy_load(policy_path, &policy, &diag), &diag, policy_path, "read");
    progress_ctx ctx = {env, listener, false};
    hc_batch_opts o = {0};
    o.key = HCJ_PTR(const hc_key, key);
    o.iss = iss;
    o.policy = policy;
    o.subject_secret = secret_len ? secret : NULL;
    o.subject_secret_len = secret_len;
    o.now = (int64_t)nums[0];
    o.validity_s = (int64_t)nums[1];
    o.max_errors = (uint64_t)nums[2];
    o.checkpoint = (uint64_t)nums[3];
    o.reg = HCJ_PTR(struct hc_register, nums[4]);
    o.threads = (unsigned)cfg[0];
    o.shard_k = (unsigned)cfg[1];
    o.shard_n = (unsigned)cfg[2];
    o.sheets_format = cfg[3];
    o.png = flags[0];
    o.sheets = flags[1];
    o.resume = flags[2];
    o.progress = on_progress;
    o.progress_ctx = &ctx;
    hc_err err = hc_batch_run(&o, in, out, &sum, &diag);
    if (ctx.threw)   /* the listener's exception is pending: it is what the caller gets */
        goto fail;
    if (err == HC_E_IO && !diag.message[0]) {
        /* the library names the outputs it cannot write; what it leaves unnamed is the
         * input, or a file of the output directory */
        if (access(in, R_OK) != 0)
            hcj_throw_path(env, err, NULL, in, "read");
        else
            snprintf(diag.message, sizeof diag.message, "a file of the batch in %.200s could not be read or written",
                     out);
    }
    HCJ_CHECK(env, err, &diag);
    result = summary_of(env, &sum);
fail:
    hcj_wipe(secret, sizeof secret);
    hc_policy_free(policy);
    hcj_args_free(&a);
    return result;
}

/* ------------------------------------------------------------ Sheets */

#if HC_WITH_SHEETS
/* Sheet options from the Java side's ints: format, per page, UTC offset, dpi. */
static hc_sheet_opts sheet_opts(jint format, jint per_page, jint utc_offset_s, jint dpi)
{
    hc_sheet_opts o = HC_SHEET_OPTS_DEFAULT;
    o.format = format == 1 ? HC_SHEET_PNG : HC_SHEET_PDF;
    o.per_page = per_page;
    o.utc_offset_s = utc_offset_s;
    o.dpi = dpi;
    return o;
}
#define NO_SHEETS(env) (void)0
#else
#define NO_SHEETS(env) hcj_throw_msg((env), HC_E_UNSUPPORTED, "this build of libhealthcode has no sheets part "   \
                                                           "(cairo, pango: meson -Dsheets=enabled)", "")
#endif

JNIEXPORT jlong JNICALL Java_cn_healthcode_Sheets_open0(JNIEnv *env, jclass cls, jstring jpath, jint format,
                                                        jint per_page, jint utc_offset_s, jint dpi)
{
    (void)cls;
#if HC_WITH_SHEETS
    hcj_args a = {0};
    hc_sheet *s = NULL;
    hc_sheet_opts o = sheet_opts(format, per_page, utc_offset_s, dpi);
    hcj_arg(env, &a, jpath);
    HCJ_CHECK(env, hcj_args_check(&a, 1), NULL);
    HCJ_CHECK_PATH(env, hc_sheet_new(a.s[0], &o, &s), NULL, a.s[0], "write");
fail:
    hcj_args_free(&a);
    return HCJ_HANDLE(s);
#else
    (void)jpath, (void)format, (void)per_page, (void)utc_offset_s, (void)dpi;
    NO_SHEETS(env);
    return 0;
#endif
}

JNIEXPORT void JNICALL Java_cn_healthcode_Sheets_add0(JNIEnv *env, jclass cls, jlong h, jstring jtok,
                                                      jstring jlabel)
{
    (void)cls;
#if HC_WITH_SHEETS
    hcj_args a = {0};
    hcj_arg(env, &a, jtok);
    const char *label = hcj_arg(env, &a, jlabel);
    HCJ_CHECK(env, a.failed ? HC_E_NOMEM : !label || hcj_arg_cstr(&a, 1) ? hcj_args_check(&a, 1) : HC_E_ARG, NULL);
    HCJ_CHECK(env, hc_sheet_add(HCJ_PTR(hc_sheet, h), a.s[0], label), NULL);
fail:
    hcj_args_free(&a);
#else
    (void)h, (void)jtok, (void)jlabel;
    NO_SHEETS(env);
#endif
}

JNIEXPORT jlong JNICALL Java_cn_healthcode_Sheets_finish0(JNIEnv *env, jclass cls, jlong h)
{
    (void)cls;
#if HC_WITH_SHEETS
    unsigned long pages = 0;
    HCJ_CHECK(env, hc_sheet_finish(HCJ_PTR(hc_sheet, h), &pages), NULL);
fail:
    return (jlong)pages;
#else
    (void)h;
    NO_SHEETS(env);
    return 0;
#endif
}

JNIEXPORT jlong JNICALL Java_cn_healthcode_Sheets_fromJsonl0(JNIEnv *env, jclass cls, jstring jjsonl, jstring jout,
                                                             jint format, jint per_page, jint utc_offset_s, jint dpi)
{
    (void)cls;
#if HC_WITH_SHEETS
    hcj_args a = {0};
    hc_diag diag = {0};
    unsigned long pages = 0;
    hc_sheet_opts o = sheet_opts(format, per_page, utc_offset_s, dpi);
    hcj_arg(env, &a, jjsonl);
    hcj_arg(env, &a, jout);
    HCJ_CHECK(env, hcj_args_check(&a, 2), NULL);
    HCJ_CHECK_PATH(env, hc_sheet_from_jsonl(a.s[0], a.s[1], &o, &pages, &diag), &diag, a.s[0], "read");
fail:
    hcj_args_free(&a);
    return (jlong)pages;
#else
    (void)jjsonl, (void)jout, (void)format, (void)per_page, (void)utc_offset_s, (void)dpi;
    NO_SHEETS(env);
    return 0;
#endif
}

#if HC_WITH_SHEETS
HCJ_DEFINE_FREE(Sheets_free0, hc_sheet_free, hc_sheet)
#else
HCJ_DEFINE_FREE(Sheets_free0, (void), void)
#endif

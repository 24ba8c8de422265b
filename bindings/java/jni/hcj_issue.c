/* hcj_issue.c — the issuer's side: HealthCode's version, assess, render and inspect,
 * and cn.healthcode.Issuer (a key, an hc_issuer and a policy). */
#include "hcj.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

JNIEXPORT jstring JNICALL Java_cn_healthcode_HealthCode_version0(JNIEnv *env, jclass cls)
{
    (void)cls;
    return hcj_string(env, hc_version());
}

JNIEXPORT jobject JNICALL Java_cn_healthcode_HealthCode_assess0(JNIEnv *env, jclass cls, jbyteArray jrec,
                                                               jstring jpolicy, jlong now)
{
    (void)cls;
    hcj_args a = {0};
    hc_policy *policy = NULL;
    hc_record *rec = NULL;
    hc_assessment *as = malloc(sizeof *as);   /* about 20 KiB: not on a JVM thread's stack */
    hc_diag diag = {0};
    jobject result = NULL;
    const char *path = hcj_arg(env, &a, jpolicy);
    HCJ_CHECK(env, !as || a.failed ? HC_E_NOMEM : path && !hcj_arg_cstr(&a, 0) ? HC_E_ARG : HC_OK, NULL);
    HCJ_CHECK_PATH(env, hc_policy_load(path, &policy, &diag), &diag, path, "read");
    HCJ_CHECK(env, parse_record(env, jrec, &rec, &diag), &diag);
    HCJ_CHECK(env, hc_assess(policy, rec, (int64_t)now, as, &diag), &diag);
    result = hcj_assessment(env, as);
fail:
    free(as);
    hc_record_free(rec);
    hc_policy_free(policy);
    hcj_args_free(&a);
    return result;
}

/* PNG bytes, or the SVG document's UTF-8, of the token's QR code in the token's
 * own colour (read, not verified). */
JNIEXPORT jbyteArray JNICALL Java_cn_healthcode_HealthCode_render0(JNIEnv *env, jclass cls, jstring jtok,
                                                                  jint scale, jboolean svg)
{
    (void)cls;
    hcj_args a = {0};
    uint8_t *out = NULL;
    char *text = NULL;
    size_t len = 0;
    jbyteArray result = NULL;
    hc_claims c;
    hc_render_opts opts = HC_RENDER_OPTS_DEFAULT;
    opts.scale = scale;
    const char *tok = hcj_arg(env, &a, jtok);
    HCJ_CHECK(env, hcj_args_check(&a, 1), NULL);
    HCJ_CHECK(env, hc_inspect(tok, a.len[0], &c), NULL);
    if (svg)
        HCJ_CHECK(env, hc_render_svg(tok, c.colour, &opts, &text, &len), NULL);
    else
        HCJ_CHECK(env, hc_render_png(tok, c.colour, &opts, &out, &len), NULL);
    result = (*env)->NewByteArray(env, (jsize)len);
    if (result)
        (*env)->SetByteArrayRegion(env, result, 0, (jsize)len, svg ? (const jbyte *)text : (const jbyte *)out);
fail:
    hc_free(out);
    hc_free(text);
    hcj_args_free(&a);
    return result;
}

JNIEXPORT jint JNICALL Java_cn_healthcode_HealthCode_qrVersion0(JNIEnv *env, jclass cls, jstring jtext)
{
    (void)cls;
    hcj_args a = {0};
    int version = 0;
    hcj_arg(env, &a, jtext);
    HCJ_CHECK(env, hcj_args_check(&a, 1), NULL);
    HCJ_CHECK(env, hc_qr_version(a.s[0], HC_ECC_M, &version), NULL);
fail:
    hcj_args_free(&a);
    return version;
}

JNIEXPORT jobject JNICALL Java_cn_healthcode_HealthCode_inspect0(JNIEnv *env, jclass cls, jstring jtok)
{
    (void)cls;
    hcj_args a = {0};
    hc_claims c;
    jobject result = NULL;
    const char *tok = hcj_arg(env, &a, jtok);
    HCJ_CHECK(env, a.failed ? HC_E_NOMEM : tok ? HC_OK : HC_E_ARG, NULL);
    HCJ_CHECK(env, hc_inspect(tok, a.len[0], &c), NULL);
    result = hcj_claims(env, &c, false);
fail:
    hcj_args_free(&a);
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

/* An issuer signing with the key file at jpath, or with the Key handle kh (jpath
 * null), assessing under the policy file jpolicy (null: the default). A public key
 * is refused as the CLI refuses it, saying so: hc_issuer_new's HC_E_KEY alone reads
 * as a malformed key. */
static jlong issuer_open(JNIEnv *env, jstring jiss, jstring jpath, jlong kh, jstring jpolicy)
{
    hcj_args a = {0};
    hc_diag diag = {0};
    jissuer *j = calloc(1, sizeof *j);
    const char *iss = hcj_arg(env, &a, jiss);
    const char *policy = hcj_arg(env, &a, jpolicy);
    const char *path = hcj_arg(env, &a, jpath);
    HCJ_CHECK(env, !j || a.failed ? HC_E_NOMEM
                   : hcj_arg_cstr(&a, 0) && (!policy || hcj_arg_cstr(&a, 1)) && (!path || hcj_arg_cstr(&a, 2))
                       ? HC_OK
                       : HC_E_ARG,
              NULL);
    if (path) {
        char buf[512];
        const char *ref = hcj_key_ref(path, buf, sizeof buf);
        HCJ_CHECK_PATH(env, hc_key_load_file(path, &j->key), NULL, ref, "read");
        if (!hc_key_is_private(j->key)) {
            char msg[HC_DIAG_MESSAGE_MAX];
            snprintf(msg, sizeof msg, "%.200s: this is a public key; signing needs the private key", ref);
            hcj_throw_msg(env, HC_E_KEY, msg, ref);
            goto fail;
        }
        HCJ_CHECK(env, hc_issuer_new(iss, j->key, &j->issuer), NULL);
    } else {
        if (!hc_key_is_private(HCJ_PTR(hc_key, kh))) {
            hcj_throw_msg(env, HC_E_KEY, "this is a public key; signing needs the private key", "");
            goto fail;
        }
        HCJ_CHECK(env, hc_issuer_new(iss, HCJ_PTR(hc_key, kh), &j->issuer), NULL);   /* takes its own reference */
    }
    HCJ_CHECK_PATH(env, hc_policy_load(policy, &j->policy, &diag), &diag, policy, "read");
    hcj_args_free(&a);
    return HCJ_HANDLE(j);
fail:
    jissuer_free(j);
    hcj_args_free(&a);
    return 0;
}

JNIEXPORT jlong JNICALL Java_cn_healthcode_Issuer_open(JNIEnv *env, jclass cls, jstring jiss, jstring jpath,
                                                       jstring jpolicy)
{
    (void)cls;
    return issuer_open(env, jiss, jpath, 0, jpolicy);
}

JNIEXPORT jlong JNICALL Java_cn_healthcode_Issuer_openWithKey(JNIEnv *env, jclass cls, jstring jiss, jlong key,
                                                              jstring jpolicy)
{
    (void)cls;
    return issuer_open(env, jiss, NULL, key, jpolicy);
}

JNIEXPORT void JNICALL Java_cn_healthcode_Issuer_setSubjectSecret0(JNIEnv *env, jclass cls, jlong h,
                                                                   jbyteArray jsecret)
{
    (void)cls;
    uint8_t secret[64];
    jsize n = (*env)->GetArrayLength(env, jsecret);
    if (n < 16 || n > (jsize)sizeof secret) {
        hcj_throw_msg(env, HC_E_ARG, "the subject secret must be 16 to 64 bytes", "");
        return;
    }
    (*env)->GetByteArrayRegion(env, jsecret, 0, n, (jbyte *)secret);
    hc_err err = hc_issuer_set_subject_secret(HCJ_PTR(jissuer, h)->issuer, secret, (size_t)n);
    hcj_wipe(secret, sizeof secret);   /* the library keeps its own copy */
    if (err != HC_OK)
        hcj_throw(env, err, NULL);
}

hc_err hcj_issuer_issue(JNIEnv *env, jlong h, jbyteArray jrec, const char *colour, int64_t now, int64_t validity,
                        char *text, size_t cap, size_t *len, hc_assessment *as, hc_diag *diag)
{
    jissuer *j = HCJ_PTR(jissuer, h);
    hc_record *rec = NULL;
    hc_err err = parse_record(env, jrec, &rec, diag);
    if (err == HC_OK)
        err = colour ? hc_colour_parse(colour, &as->colour) : hc_assess(j->policy, rec, now, as, diag);
    if (err == HC_OK)
        err = hc_issue(j->issuer, rec, as, now, validity, text, cap, len);
    hc_record_free(rec);
    return err;
}

JNIEXPORT jstring JNICALL Java_cn_healthcode_Issuer_issue(JNIEnv *env, jclass cls, jlong h, jbyteArray jrec,
                                                          jstring jcolour, jlong now, jlong validity)
{
    (void)cls;
    hcj_args a = {0};
    hc_assessment *as = calloc(1, sizeof *as);   /* about 20 KiB: not on a JVM thread's stack */
    hc_diag diag = {0};
    jstring result = NULL;
    char text[HC_TOKEN_MAX + 1];
    size_t len = 0;
    const char *colour = hcj_arg(env, &a, jcolour);
    HCJ_CHECK(env, !as || a.failed ? HC_E_NOMEM : colour && !hcj_arg_cstr(&a, 0) ? HC_E_ARG : HC_OK, NULL);
    HCJ_CHECK(env, hcj_issuer_issue(env, h, jrec, colour, (int64_t)now, (int64_t)validity, text, sizeof text, &len, as,
                                    &diag), &diag);
    result = hcj_string(env, text);
fail:
    free(as);
    hcj_args_free(&a);
    return result;
}

HCJ_DEFINE_FREE(Issuer_free, jissuer_free, jissuer)

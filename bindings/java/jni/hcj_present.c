/* hcj_present.c — cn.healthcode.Presenter: the live presentation of a bound token
 * (present.h), signed by a device Key (hc_present) or by Java (hc_present_with_signer
 * calling Presenter.signForNative, which signs through java.security.Signature or the
 * caller's Signer).
 *
 * The signer callback runs on the thread that called the native method, with its JNIEnv:
 * the library calls it once, from hc_present_with_signer. An exception thrown by the Java
 * side is left pending and the callback answers failure, so the library returns
 * HC_E_CRYPTO having written nothing, and the Java caller gets that exception itself (a
 * keystore's UserNotAuthenticatedException, a cancelled prompt), never a library error
 * in its place. */
#include "hcj.h"

#include <string.h>

typedef struct {
    JNIEnv *env;
    jobject presenter;
    bool threw;        /* Java threw (or could not be called): its exception is pending */
    bool bad_length;   /* Java returned something other than 64 bytes */
} signer_ctx;

static int sign_in_java(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64])
{
    signer_ctx *c = ctx;
    JNIEnv *env = c->env;
    if (c->threw || (*env)->ExceptionCheck(env) || len > INT32_MAX) {
        c->threw = (*env)->ExceptionCheck(env);
        return -1;
    }
    if ((*env)->PushLocalFrame(env, 4) != 0) {
        c->threw = true;
        return -1;
    }
    int rc = -1;
    jbyteArray jmsg = (*env)->NewByteArray(env, (jsize)len);
    if (jmsg) {
        (*env)->SetByteArrayRegion(env, jmsg, 0, (jsize)len, (const jbyte *)msg);
        jbyteArray jsig = (jbyteArray)(*env)->CallObjectMethod(env, c->presenter, J.presenter_sign, jmsg);
        if (!(*env)->ExceptionCheck(env)) {
            /* Presenter.signForNative returns 64 bytes or throws; checked again here */
            if (jsig && (*env)->GetArrayLength(env, jsig) == 64) {
                (*env)->GetByteArrayRegion(env, jsig, 0, 64, (jbyte *)sig);
                rc = 0;
            } else {
                c->bad_length = true;
            }
        }
    }
    c->threw = (*env)->ExceptionCheck(env);
    (*env)->PopLocalFrame(env, NULL);
    return rc;
}

/* The presentation of the token jtok at t, with the Key handle key or (key 0) the
 * signer presenter of algorithm jalg. */
static jstring present(JNIEnv *env, jstring jtok, jlong key, jstring jalg, jobject presenter, jlong t)
{
    hcj_args a = {0};
    jstring result = NULL;
    char text[HC_TOKEN_MAX + 1];
    size_t len = 0;
    hc_alg alg;
    hc_err err;
    const char *tok = hcj_arg(env, &a, jtok);
    if (jalg)
        hcj_arg(env, &a, jalg);
    HCJ_CHECK(env, a.failed ? HC_E_NOMEM : tok && (!jalg || hcj_arg_cstr(&a, 1)) ? HC_OK : HC_E_ARG, NULL);
    if (key) {
        err = hc_present(tok, a.len[0], HCJ_PTR(const hc_key, key), (int64_t)t, text, sizeof text, &len);
    } else {
        HCJ_CHECK(env, hc_alg_parse(a.s[1], &alg), NULL);
        signer_ctx ctx = {env, presenter, false, false};
        err = hc_present_with_signer(tok, a.len[0], alg, sign_in_java, &ctx, (int64_t)t, text, sizeof text, &len);
        if (ctx.threw)   /* the Java exception is what the caller gets */
            goto fail;
        if (ctx.bad_length) {
            hcj_throw_msg(env, HC_E_DEVICE_SIGNATURE, "the signer did not return the 64 bytes of a signature", "");
            goto fail;
        }
    }
    if (err == HC_E_KEY && key) {
        hcj_throw_msg(env, err, "the device key is not the key this token is bound to (its cnf), or has no "
                      "private half", "");
        goto fail;
    }
    HCJ_CHECK(env, err, NULL);
    result = hcj_string(env, text);
fail:
    hcj_args_free(&a);
    return result;
}

JNIEXPORT jstring JNICALL Java_cn_healthcode_Presenter_presentKey0(JNIEnv *env, jclass cls, jstring jtok, jlong key,
                                                                   jlong t)
{
    (void)cls;
    return present(env, jtok, key, NULL, NULL, t);
}

JNIEXPORT jstring JNICALL Java_cn_healthcode_Presenter_presentSigner0(JNIEnv *env, jclass cls, jstring jtok,
                                                                      jstring jalg, jobject presenter, jlong t)
{
    (void)cls;
    return present(env, jtok, 0, jalg, presenter, t);
}

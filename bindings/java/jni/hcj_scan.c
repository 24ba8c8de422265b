/* hcj_scan.c — HealthCode.scanFrame (a camera frame's luminance → the code's text)
 * and scanPng, when the build has the scan part; otherwise they throw
 * "unsupported", naming the part, as the Python binding does. */
#include "hcj.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if HC_WITH_SCAN_FRAME || HC_WITH_SCAN_PNG
/* The text read, as a String; a text with a NUL inside is refused: as a C string it
 * would be another, shorter text (issue 25 point 17). */
static jstring code_text(JNIEnv *env, const char *text, size_t n)
{
    if (strlen(text) != n) {
        hcj_throw_msg(env, HC_E_IMAGE, "the code's text holds a NUL byte", "");
        return NULL;
    }
    return hcj_string(env, text);
}
#endif

#if !HC_WITH_SCAN_FRAME || !HC_WITH_SCAN_PNG
/* Throws the "this build has no …" error. */
static void no_part(JNIEnv *env, const char *what)
{
    char msg[128];
    snprintf(msg, sizeof msg, "this build of libhealthcode has no %s", what);
    hcj_throw_msg(env, HC_E_UNSUPPORTED, msg, "");
}
#endif

#if HC_WITH_SCAN_FRAME
/* Scans len bytes at y holding a width x height frame of rows stride bytes apart. */
static jstring scan_frame(JNIEnv *env, const uint8_t *y, uint64_t len, jint width, jint height, jint stride)
{
    char text[HC_TOKEN_MAX + 1];
    size_t n = 0;
    /* the last row needs only width bytes: a Y plane often ends there */
    if (width <= 0 || height <= 0 || stride < width ||
        len < (uint64_t)stride * (uint64_t)(height - 1) + (uint64_t)width) {
        hcj_throw_msg(env, HC_E_ARG, "the frame is smaller than width, height and stride say", "");
        return NULL;
    }
    HCJ_CHECK(env, hc_scan_frame(y, (unsigned)width, (unsigned)height, (size_t)stride, text, sizeof text, &n),
              NULL);
    return code_text(env, text, n);
fail:
    return NULL;
}
#endif

/* jy is a byte[], or a direct ByteBuffer (a camera's Y plane, as Android's
 * Image.Plane gives it) read in place; the frame starts at byte offset. */
JNIEXPORT jstring JNICALL Java_cn_healthcode_HealthCode_scanFrame0(JNIEnv *env, jclass cls, jobject jy, jint offset,
                                                                  jint width, jint height, jint stride)
{
    (void)cls;
#if HC_WITH_SCAN_FRAME
    const uint8_t *direct = (*env)->GetDirectBufferAddress(env, jy);   /* NULL for an array */
    jlong n = direct ? (*env)->GetDirectBufferCapacity(env, jy) : (*env)->GetArrayLength(env, (jbyteArray)jy);
    if (n < 0 || offset < 0 || offset > n) {
        hcj_throw_msg(env, HC_E_ARG, "the offset is outside the frame's buffer", "");
        return NULL;
    }
    if (direct)
        return scan_frame(env, direct + offset, (uint64_t)(n - offset), width, height, stride);
    /* read-only: released with JNI_ABORT, so a copy the JVM made is not written back */
    jbyte *y = (*env)->GetByteArrayElements(env, (jbyteArray)jy, NULL);
    if (!y)
        return NULL;
    jstring text = scan_frame(env, (const uint8_t *)y + offset, (uint64_t)(n - offset), width, height, stride);
    (*env)->ReleaseByteArrayElements(env, (jbyteArray)jy, y, JNI_ABORT);
    return text;
#else
    (void)jy, (void)offset, (void)width, (void)height, (void)stride;
    no_part(env, "frame scanning (meson -Dscan=enabled)");
    return NULL;
#endif
}

JNIEXPORT jstring JNICALL Java_cn_healthcode_HealthCode_scanPng0(JNIEnv *env, jclass cls, jbyteArray jpng)
{
    (void)cls;
#if HC_WITH_SCAN_PNG
    char text[HC_TOKEN_MAX + 1];
    size_t n = 0;
    jstring result = NULL;
    jsize len = (*env)->GetArrayLength(env, jpng);
    jbyte *png = (*env)->GetByteArrayElements(env, jpng, NULL);
    if (!png)
        return NULL;
    hc_err err = hc_scan_png((const uint8_t *)png, (size_t)len, text, sizeof text, &n);
    (*env)->ReleaseByteArrayElements(env, jpng, png, JNI_ABORT);
    if (err != HC_OK)
        hcj_throw(env, err, NULL);
    else
        result = code_text(env, text, n);
    return result;
#else
    (void)jpng;
    no_part(env, "PNG scanning (meson -Dscan=enabled -Dscan_png=enabled)");
    return NULL;
#endif
}

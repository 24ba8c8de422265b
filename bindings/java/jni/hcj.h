/* hcj.h — what the JNI files of the Java binding share (never installed).
 *
 * One file a group of Java classes, each over the public API only:
 *   healthcode_jni.c  JNI_OnLoad, strings (UTF-8 <-> UTF-16), arguments, exceptions,
 *                     the result objects (Claims, Assessment, Reason, Decision)
 *   hcj_key.c         Key, HealthCode.generateKey / generateKeyOnToken
 *   hcj_issue.c       HealthCode's assess, render, inspect; Issuer
 *   hcj_verify.c      Verifier, BundleStore, Checkpoint (over either), Venue, Repeats
 *   hcj_present.c     Presenter (hc_present, and hc_present_with_signer calling Java)
 *   hcj_register.c    Register (when the build has the register part)
 *   hcj_scan.c        HealthCode.scanFrame / scanPng
 *   hcj_batch.c       Batch, Sheets
 * A new group is a new file with its natives, its class lookups added to hcj_classes in
 * healthcode_jni.c (or, for plain values, out-arrays that the Java side turns into its
 * objects, as hcj_register.c does). A call from the library back into Java (Batch's
 * progress listener, hcj_batch.c; the Presenter's signer, hcj_present.c) keeps the JNIEnv
 * of the thread that made the library call, runs each call in a local frame, and stops
 * calling once Java has thrown, leaving that exception for the caller.
 *
 * Conventions of every native: arguments are checked non-null by the Java side
 * (Objects.requireNonNull, the parameter's name in the message), so a null here is a
 * bug and answers HC_E_ARG; a failing call throws through hcj_throw() and returns
 * 0 / NULL; nothing is thrown when a Java exception is already pending; every
 * Get*ArrayElements / GetStringChars is released on every path; loops that make
 * Java objects run each turn in a local frame; nothing prints, nothing exits.
 */
#ifndef HCJ_H
#define HCJ_H

#include <jni.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <healthcode/healthcode.h>

/* Classes and methods looked up once in JNI_OnLoad (global references). */
typedef struct {
    jclass exception;           /* HealthCodeException: its static of() picks the family */
    jmethodID exception_of;
    jclass claims, reason, assessment, decision;
    jmethodID claims_init, reason_init, assessment_init, decision_init;
    jclass batch_progress, batch_summary, progress_listener;
    jmethodID batch_progress_init, batch_summary_init, progress_listener_call;
    jclass venue, presenter;
    jmethodID venue_init, presenter_sign;
} hcj_classes;

extern hcj_classes J;

/* ------------------------------------------------------------ strings */

/* A Java String from UTF-8 (invalid sequences become U+FFFD); NULL with an
 * exception pending when out of memory. */
jstring hcj_string(JNIEnv *env, const char *s);

/* Up to six Java strings of one call as UTF-8, converted together and freed
 * together by hcj_args_free. */
#define HCJ_ARGS_MAX 6
typedef struct {
    char *s[HCJ_ARGS_MAX];
    size_t len[HCJ_ARGS_MAX];
    int n;
    bool failed;                /* out of memory, or an exception is pending */
} hcj_args;

/* Converts s into a->s[a->n++] and returns it (NULL for a null s). */
const char *hcj_arg(JNIEnv *env, hcj_args *a, jstring s);

/* true if argument i is a usable C string: not null, no NUL inside (a path,
 * a name); a text passed with its length may hold a NUL and need not pass. */
bool hcj_arg_cstr(const hcj_args *a, int i);

/* HC_E_NOMEM when a conversion failed, HC_E_ARG when one of the first n
 * arguments is not a C string, else HC_OK. */
hc_err hcj_args_check(const hcj_args *a, int n);

void hcj_args_free(hcj_args *a);

/* A key reference as a message may show it: a pkcs11: URI without its query
 * (module-path, pin-source: no message shows them), cut to cap - 1 bytes in buf;
 * a path as it is. */
const char *hcj_key_ref(const char *ref, char *buf, size_t cap);

/* Zeroes n bytes of a secret this layer copied, in a way the compiler keeps. */
void hcj_wipe(void *p, size_t n);

/* b as lower-case hex into out (2n + 1 bytes). */
void hcj_hex(const uint8_t *b, size_t n, char *out);

/* ------------------------------------------------------------ errors */

/* Throws the HealthCodeException family of err (HealthCodeException.of) with
 * the diag's message, field and line, or hc_strerror's text. */
void hcj_throw(JNIEnv *env, hc_err err, const hc_diag *diag);

/* The same with a message of the caller's (field: the file, for an I/O error). */
void hcj_throw_msg(JNIEnv *env, hc_err err, const char *message, const char *field);

/* An error about the file at path: HC_E_IO says what is wrong with it (no such
 * file, a directory, permission denied) and names it; other errors keep the
 * diag's text, with the path as the field when the diag names none. what is
 * "read" or "write". */
void hcj_throw_path(JNIEnv *env, hc_err err, const hc_diag *diag, const char *path, const char *what);

/* Runs a library call; on error throws and jumps to fail. */
#define HCJ_CHECK(env, call, diag)        \
    do {                                  \
        hc_err e_ = (call);               \
        if (e_ != HC_OK) {                \
            hcj_throw((env), e_, (diag)); \
            goto fail;                    \
        }                                 \
    } while (0)

/* The same for a call about a file. */
#define HCJ_CHECK_PATH(env, call, diag, path, what)                \
    do {                                                           \
        hc_err e_ = (call);                                        \
        if (e_ != HC_OK) {                                         \
            hcj_throw_path((env), e_, (diag), (path), (what));     \
            goto fail;                                             \
        }                                                          \
    } while (0)

/* ------------------------------------------------------------ results */

jobject hcj_claims(JNIEnv *env, const hc_claims *c, bool verified);
jobject hcj_assessment(JNIEnv *env, const hc_assessment *a);
jobject hcj_decision(JNIEnv *env, const hc_decision *d);

/* ------------------------------------------------------------ handles */

/* A native handle as the jlong the Java side keeps, and back. */
#define HCJ_HANDLE(p) ((jlong)(intptr_t)(p))
#define HCJ_PTR(type, h) ((type *)(intptr_t)(h))

/* Defines the native free of a Java class's handle (Java_cn_healthcode_CLASS_METHOD),
 * which calls free_fn on it. Called by close() or by the Cleaner on its own thread: it
 * uses no JNIEnv. */
#define HCJ_DEFINE_FREE(cls_method, free_fn, type)                                             \
    JNIEXPORT void JNICALL Java_cn_healthcode_##cls_method(JNIEnv *env, jclass cls, jlong h)  \
    {                                                                                          \
        (void)env;                                                                             \
        (void)cls;                                                                             \
        free_fn(HCJ_PTR(type, h));                                                             \
    }

/* What the Verifier and the BundleStore hand a verification: the trust and
 * revocations to use now. The first member of both handles, so a Checkpoint
 * verifies through either without knowing which. */
typedef struct hcj_source hcj_source;
struct hcj_source {
    /* HC_OK with *trust (never NULL) and *revoked (may be NULL), or the error
     * that refuses every verification now (diag says why). */
    hc_err (*get)(const hcj_source *s, const hc_trust **trust, const hc_revocations **revoked, hc_diag *diag);
    /* The venue rules of a venue class (a bundle's, bundle.h), or NULL: a source
     * that carries none (the Verifier). */
    hc_err (*venue)(const hcj_source *s, const char *name, hc_venue_rules *rules, hc_diag *diag);
};

/* What VerifyOptions holds, as the natives receive it: the clock allowance, the live
 * window (1 to HC_LIVE_WINDOW_MAX_S: checked by hcj_verify) and require-live. */
typedef struct {
    jlong skew, live_window;
    jboolean require_live;
} hcj_verify_opts;

/* Verifies the text jtok (a token or a live presentation) through source s at now
 * with the options o. HC_E_ARG, with diag naming the option, for a negative skew or a
 * live window outside 1 to HC_LIVE_WINDOW_MAX_S. */
hc_err hcj_verify(JNIEnv *env, const hcj_source *s, jstring jtok, jlong now, const hcj_verify_opts *o,
                  hc_claims *c, hc_diag *diag);

/* A cn.healthcode.Venue of the rules r; NULL with an exception pending on failure. */
jobject hcj_venue(JNIEnv *env, const hc_venue_rules *r);

/* ------------------------------------------------------------ issuing */

/* What the Issuer's handle (hcj_issue.c) issues: the record in the UTF-8 byte[] jrec,
 * assessed under the issuer's policy at now (colour NULL) or given colour, signed into
 * text (cap bytes, *len) valid validity seconds; *as gets the assessment (its colour
 * only when colour is given). Errors as hc_issue, with diag for a bad record. */
hc_err hcj_issuer_issue(JNIEnv *env, jlong issuer, jbyteArray jrec, const char *colour, int64_t now,
                        int64_t validity, char *text, size_t cap, size_t *len, hc_assessment *as, hc_diag *diag);

#endif

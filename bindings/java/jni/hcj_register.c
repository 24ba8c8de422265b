/* hcj_register.c — cn.healthcode.Register (register.h: the issuer's register of codes,
 * corrections, revocations and purges, with its audit chain), when the build has the
 * register part. Without it only Register.open0 is defined, and throws "unsupported"
 * naming the part: every other native takes an open Register's handle, so none is ever
 * reached (Batch.register() needs an open Register too).
 *
 * Results go back in out-arrays (String[] and long[]) that Register.java turns into its
 * value classes: no class lookups here, and no object built natively but the
 * Assessment of a correction (hcj_assessment). */
#include "hcj.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if HC_WITH_REGISTER
/* Sets out[i] to the Java string of s; false with an exception pending on failure. */
static bool put_string(JNIEnv *env, jobjectArray out, jsize i, const char *s)
{
    jstring js = hcj_string(env, s);
    if (!js)
        return false;
    (*env)->SetObjectArrayElement(env, out, i, js);
    (*env)->DeleteLocalRef(env, js);
    return !(*env)->ExceptionCheck(env);
}

/* A code's strings (7) and numbers (8) into s and n from index off (Register.Code). */
static bool put_code(JNIEnv *env, const hc_register_code *c, jobjectArray s, jlongArray n, jsize off)
{
    const char *strs[7] = {c->cti, c->sub, c->iss, c->kid, hc_colour_name(c->colour), c->doc, c->batch};
    for (jsize i = 0; i < 7; i++)
        if (!put_string(env, s, off + i, strs[i]))
            return false;
    jlong nums[8] = {(jlong)c->seq, (jlong)c->iat, (jlong)c->exp, (jlong)c->region, (jlong)c->kind,
                     (jlong)c->line, c->revoked, c->purged};
    (*env)->SetLongArrayRegion(env, n, off, 8, nums);
    return !(*env)->ExceptionCheck(env);
}

/* An act from Java strings: a->s[0..2] operator, reason, evidence (the last two may be
 * null), at now. HC_E_ARG for a NUL inside one. */
static hc_err action_of(const hcj_args *a, int first, jlong now, hc_register_action *act)
{
    for (int i = first; i < first + 3; i++)
        if (a->s[i] && !hcj_arg_cstr(a, i))
            return HC_E_ARG;
    if (!a->s[first])
        return HC_E_ARG;
    act->operator_id = a->s[first];
    act->reason = a->s[first + 1];
    act->evidence = a->s[first + 2];
    act->now = (int64_t)now;
    return HC_OK;
}
#define REG(h) HCJ_PTR(hc_register, h)

JNIEXPORT jlong JNICALL Java_cn_healthcode_Register_open0(JNIEnv *env, jclass cls, jstring jpath, jint flags)
{
    (void)cls;
    hcj_args a = {0};
    hc_diag diag = {0};
    hc_register *reg = NULL;
    hcj_arg(env, &a, jpath);
    HCJ_CHECK(env, hcj_args_check(&a, 1), NULL);
    HCJ_CHECK_PATH(env, hc_register_open(a.s[0], (unsigned)flags, &reg, &diag), &diag, a.s[0], "read");
fail:
    hcj_args_free(&a);
    return HCJ_HANDLE(reg);
}

JNIEXPORT void JNICALL Java_cn_healthcode_Register_setKey0(JNIEnv *env, jclass cls, jlong h, jlong key)
{
    (void)cls;
    hc_err err = hc_register_set_key(REG(h), HCJ_PTR(const hc_key, key));
    if (err == HC_E_KEY)
        hcj_throw_msg(env, err, "this is a public key; the register's heads are signed with the issuer's private key",
                      "");
    else if (err != HC_OK)
        hcj_throw(env, err, NULL);
}

JNIEXPORT void JNICALL Java_cn_healthcode_Register_setBusyTimeout0(JNIEnv *env, jclass cls, jlong h, jint ms)
{
    (void)cls;
    HCJ_CHECK(env, hc_register_set_busy_timeout(REG(h), (int)ms), NULL);
fail:
    return;
}

JNIEXPORT jstring JNICALL Java_cn_healthcode_Register_id0(JNIEnv *env, jclass cls, jlong h)
{
    (void)cls;
    char id[33];
    HCJ_CHECK(env, hc_register_id(REG(h), id, sizeof id), NULL);
    return hcj_string(env, id);
fail:
    return NULL;
}

JNIEXPORT void JNICALL Java_cn_healthcode_Register_record0(JNIEnv *env, jclass cls, jlong h, jstring jtok)
{
    (void)cls;
    hcj_args a = {0};
    hc_diag diag = {0};
    const char *tok = hcj_arg(env, &a, jtok);
    HCJ_CHECK(env, a.failed ? HC_E_NOMEM : tok ? HC_OK : HC_E_ARG, NULL);
    HCJ_CHECK(env, hc_register_record(REG(h), tok, a.len[0], &diag), &diag);
fail:
    hcj_args_free(&a);
}

JNIEXPORT void JNICALL Java_cn_healthcode_Register_lookup0(JNIEnv *env, jclass cls, jlong h, jstring jcti,
                                                           jobjectArray s, jlongArray n)
{
    (void)cls;
    hcj_args a = {0};
    hc_register_code code;
    hcj_arg(env, &a, jcti);
    HCJ_CHECK(env, hcj_args_check(&a, 1), NULL);
    hc_err err = hc_register_lookup(REG(h), a.s[0], &code);
    if (err == HC_E_ARG) {
        hcj_throw_msg(env, err, "a cti is 16 hex digits", "cti");
        goto fail;
    }
    HCJ_CHECK(env, err, NULL);
    put_code(env, &code, s, n, 0);
fail:
    hcj_args_free(&a);
}

/* Issues the corrected record with the Issuer's handle, then corrects cti with it: the
 * new token and cti into s[0], s[1], the old code from s[2] and n[2]; the new colour and
 * the correction's event into n[0], n[1]. Returns the corrected record's assessment. */
JNIEXPORT jobject JNICALL Java_cn_healthcode_Register_correct0(JNIEnv *env, jclass cls, jlong h, jstring jcti,
                                                               jlong issuer, jbyteArray jrec, jstring jop,
                                                               jstring jreason, jstring jevidence, jlong now,
                                                               jlong validity, jobjectArray s, jlongArray n)
{
    (void)cls;
    hcj_args a = {0};
    hc_diag diag = {0};
    hc_register_action act;
    hc_register_correction out;
    hc_assessment *as = calloc(1, sizeof *as);   /* about 20 KiB: not on a JVM thread's stack */
    char text[HC_TOKEN_MAX + 1];
    size_t len = 0;
    jobject result = NULL;
    hcj_arg(env, &a, jcti);
    hcj_arg(env, &a, jop);
    hcj_arg(env, &a, jreason);
    hcj_arg(env, &a, jevidence);
    HCJ_CHECK(env, !as ? HC_E_NOMEM : hcj_args_check(&a, 1), NULL);
    HCJ_CHECK(env, action_of(&a, 1, now, &act), NULL);
    HCJ_CHECK(env, hcj_issuer_issue(env, issuer, jrec, NULL, (int64_t)now, (int64_t)validity, text, sizeof text,
                                    &len, as, &diag), &diag);
    HCJ_CHECK(env, hc_register_correct(REG(h), a.s[0], text, len, &act, &out, &diag), &diag);
    jlong nums[2] = {(jlong)out.new_colour, (jlong)out.seq};
    (*env)->SetLongArrayRegion(env, n, 0, 2, nums);
    if (put_string(env, s, 0, text) && put_string(env, s, 1, out.new_cti) && put_code(env, &out.old_code, s, n, 2))
        result = hcj_assessment(env, as);
fail:
    free(as);
    hcj_args_free(&a);
    return result;
}

/* Revokes by cti or by sub (one of them null); returns the event's number. */
JNIEXPORT jlong JNICALL Java_cn_healthcode_Register_revoke0(JNIEnv *env, jclass cls, jlong h, jstring jcti,
                                                            jstring jsub, jstring jop, jstring jreason,
                                                            jstring jevidence, jlong now)
{
    (void)cls;
    hcj_args a = {0};
    hc_diag diag = {0};
    hc_register_action act;
    int64_t seq = 0;
    const char *cti = hcj_arg(env, &a, jcti);
    const char *sub = hcj_arg(env, &a, jsub);
    hcj_arg(env, &a, jop);
    hcj_arg(env, &a, jreason);
    hcj_arg(env, &a, jevidence);
    HCJ_CHECK(env, a.failed ? HC_E_NOMEM : (cti ? hcj_arg_cstr(&a, 0) : hcj_arg_cstr(&a, 1)) ? HC_OK : HC_E_ARG,
              NULL);
    HCJ_CHECK(env, action_of(&a, 2, now, &act), NULL);
    HCJ_CHECK(env, hc_register_revoke(REG(h), cti, sub, &act, &seq, &diag), &diag);
fail:
    hcj_args_free(&a);
    return (jlong)seq;
}

JNIEXPORT jstring JNICALL Java_cn_healthcode_Register_revocations0(JNIEnv *env, jclass cls, jlong h, jlong since,
                                                                   jlongArray n)
{
    (void)cls;
    char *text = NULL;
    size_t len = 0;
    hc_register_revocations_info info;
    jstring result = NULL;
    HCJ_CHECK(env, hc_register_revocations(REG(h), (int64_t)since, &text, &len, &info), NULL);
    jlong nums[4] = {(jlong)info.n_cti, (jlong)info.n_sub, (jlong)info.since, (jlong)info.last_seq};
    (*env)->SetLongArrayRegion(env, n, 0, 4, nums);
    if (!(*env)->ExceptionCheck(env))
        result = hcj_string(env, text);
fail:
    hc_free(text);
    return result;
}

/* Audits with the Key handles jkeys (and the head expect_seq / jexpect, a 32-byte hash,
 * when jexpect is not null): events, heads and the last seq into n, its hash into jhead.
 * A failed audit throws AuditFailedException with the row in field and its seq in line. */
JNIEXPORT void JNICALL Java_cn_healthcode_Register_audit0(JNIEnv *env, jclass cls, jlong h, jlongArray jkeys,
                                                          jlong expect_seq, jbyteArray jexpect, jlongArray n,
                                                          jbyteArray jhead)
{
    (void)cls;
    jsize nk = (*env)->GetArrayLength(env, jkeys);
    jlong *handles = malloc((size_t)(nk ? nk : 1) * sizeof *handles);
    const hc_key **keys = malloc((size_t)(nk ? nk : 1) * sizeof *keys);
    hc_register_audit_opts o = {0};
    hc_register_audit_report rep;
    HCJ_CHECK(env, handles && keys ? HC_OK : HC_E_NOMEM, NULL);
    (*env)->GetLongArrayRegion(env, jkeys, 0, nk, handles);
    for (jsize i = 0; i < nk; i++)
        keys[i] = HCJ_PTR(const hc_key, handles[i]);
    o.keys = keys;
    o.n_keys = (size_t)nk;
    if (jexpect) {
        o.expect_seq = (int64_t)expect_seq;
        (*env)->GetByteArrayRegion(env, jexpect, 0, 32, (jbyte *)o.expect_hash);
    }
    if ((*env)->ExceptionCheck(env))
        goto fail;
    memset(&rep, 0, sizeof rep);
    hc_err err = hc_register_audit(REG(h), &o, &rep);
    if (err == HC_E_AUDIT) {
        hc_diag diag = {0};
        snprintf(diag.field, sizeof diag.field, "%s", rep.where);
        snprintf(diag.message, sizeof diag.message, "%.90s: %.150s", rep.where, rep.message);
        diag.line = (long)rep.bad_seq;
        hcj_throw(env, err, &diag);
        goto fail;
    }
    if (err == HC_E_ARG && nk == 0) {
        hcj_throw_msg(env, err, "an audit needs the issuer's public key(s)", "keys");
        goto fail;
    }
    HCJ_CHECK(env, err, NULL);
    jlong nums[3] = {(jlong)rep.events, (jlong)rep.heads, (jlong)rep.last_seq};
    (*env)->SetLongArrayRegion(env, n, 0, 3, nums);
    (*env)->SetByteArrayRegion(env, jhead, 0, 32, (const jbyte *)rep.head_hash);
fail:
    free(keys);
    free(handles);
}

/* Stats grouped by by (hc_stats_by): totals into jtotals, the rows as key, green,
 * yellow, red each. */
JNIEXPORT jlongArray JNICALL Java_cn_healthcode_Register_stats0(JNIEnv *env, jclass cls, jlong h, jint by,
                                                                jlongArray jtotals)
{
    (void)cls;
    hc_register_stats *st = NULL;
    jlongArray rows = NULL;
    jlong *flat = NULL;
    HCJ_CHECK(env, hc_register_stats_get(REG(h), (hc_stats_by)by, &st), NULL);
    jlong totals[6] = {(jlong)st->issued[HC_GREEN], (jlong)st->issued[HC_YELLOW], (jlong)st->issued[HC_RED],
                       (jlong)st->corrections, (jlong)st->revoked_cti, (jlong)st->revoked_sub};
    (*env)->SetLongArrayRegion(env, jtotals, 0, 6, totals);
    HCJ_CHECK(env, st->n_rows > INT32_MAX / 4 ? HC_E_LIMIT : HC_OK, NULL);
    flat = malloc((st->n_rows ? st->n_rows : 1) * 4 * sizeof *flat);
    HCJ_CHECK(env, flat ? HC_OK : HC_E_NOMEM, NULL);
    for (size_t i = 0; i < st->n_rows; i++) {
        const hc_stats_row *r = &st->rows[i];
        flat[4 * i] = (jlong)r->key;
        flat[4 * i + 1] = (jlong)r->issued[HC_GREEN];
        flat[4 * i + 2] = (jlong)r->issued[HC_YELLOW];
        flat[4 * i + 3] = (jlong)r->issued[HC_RED];
    }
    if (!(*env)->ExceptionCheck(env))
        rows = (*env)->NewLongArray(env, (jsize)(4 * st->n_rows));
    if (rows)
        (*env)->SetLongArrayRegion(env, rows, 0, (jsize)(4 * st->n_rows), flat);
fail:
    free(flat);
    hc_register_stats_free(st);
    return rows;
}

JNIEXPORT void JNICALL Java_cn_healthcode_Register_chart0(JNIEnv *env, jclass cls, jlong h, jint by, jboolean png,
                                                          jstring jpath)
{
    (void)cls;
    hcj_args a = {0};
    hc_register_stats *st = NULL;
    hcj_arg(env, &a, jpath);
    HCJ_CHECK(env, hcj_args_check(&a, 1), NULL);
    if (by == HC_STATS_TOTAL) {
        hcj_throw_msg(env, HC_E_ARG, "a chart is by day, province or prefecture, not the total", "by");
        goto fail;
    }
    HCJ_CHECK(env, hc_register_stats_get(REG(h), (hc_stats_by)by, &st), NULL);
    HCJ_CHECK_PATH(env, hc_register_chart(st, png ? HC_CHART_PNG : HC_CHART_SVG, a.s[0]), NULL, a.s[0], "write");
fail:
    hc_register_stats_free(st);
    hcj_args_free(&a);
}

JNIEXPORT jlong JNICALL Java_cn_healthcode_Register_purge0(JNIEnv *env, jclass cls, jlong h, jlong before,
                                                           jstring jop, jlong now)
{
    (void)cls;
    hcj_args a = {0};
    hc_diag diag = {0};
    uint64_t rows = 0;
    hcj_arg(env, &a, jop);
    HCJ_CHECK(env, hcj_args_check(&a, 1), NULL);
    hc_register_action act = {a.s[0], NULL, NULL, (int64_t)now};
    HCJ_CHECK(env, hc_register_purge(REG(h), (int64_t)before, &act, &rows, &diag), &diag);
fail:
    hcj_args_free(&a);
    return (jlong)rows;
}

HCJ_DEFINE_FREE(Register_free, hc_register_free, hc_register)

#else

JNIEXPORT jlong JNICALL Java_cn_healthcode_Register_open0(JNIEnv *env, jclass cls, jstring jpath, jint flags)
{
    (void)cls, (void)jpath, (void)flags;
    hcj_throw_msg(env, HC_E_UNSUPPORTED, "this build of libhealthcode has no register (meson -Dregister=enabled, "
                  "with libsqlite3-dev)", "");
    return 0;
}

#endif

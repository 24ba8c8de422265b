/* hcj_key.c — cn.healthcode.Key (an hc_key handle) and HealthCode.generateKey /
 * generateKeyOnToken, which make a pair and write it.
 *
 * Files are never replaced unless the caller says overwrite: a private key file
 * is an issuer's signing key, and losing it to a mistyped path is what the CLI's
 * keygen refuses too (issue 26 point 7). The refusal holds even against a file
 * that appears while the key is written: see save_file. */
#include "hcj.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The algorithm jalg names; false (and thrown) for null, NUL or an unknown name. */
static bool alg_of(JNIEnv *env, jstring jalg, hc_alg *alg)
{
    hcj_args a = {0};
    hcj_arg(env, &a, jalg);
    hc_err err = hcj_args_check(&a, 1);
    if (err == HC_OK)
        err = hc_alg_parse(a.s[0], alg);
    hcj_args_free(&a);
    if (err != HC_OK)
        hcj_throw(env, err, NULL);
    return err == HC_OK;
}

/* Throws a failed save of the key at path: the library's HC_E_KEY for a private save
 * means there is no private half to write, which its text ("malformed") hides. */
static void throw_save(JNIEnv *env, hc_err err, const char *path, bool priv)
{
    if (err == HC_E_KEY && priv) {
        char msg[HC_DIAG_MESSAGE_MAX];
        snprintf(msg, sizeof msg, "%.120s: this key has no private half to write (a public key, or a key kept "
                 "on a PKCS#11 token, which never leaves it)", path);
        hcj_throw_msg(env, err, msg, path);
        return;
    }
    hcj_throw_path(env, err, NULL, path, "write");
}

/* Throws "PATH exists" (an I/O error naming the file). */
static void throw_exists(JNIEnv *env, const char *path)
{
    char msg[HC_DIAG_MESSAGE_MAX];
    snprintf(msg, sizeof msg, "%.200s exists; not replacing it (pass overwrite = true)", path);
    hcj_throw_msg(env, HC_E_IO, msg, path);
}

/* true (and throws) if a file has the name path: checked before a key is made, so
 * that no key is made on a token only to be lost, and no private file is written
 * and then removed. */
static bool refuse_existing(JNIEnv *env, const char *path)
{
    if (access(path, F_OK) != 0)
        return false;
    throw_exists(env, path);
    return true;
}

/* Writes key at path, replacing a file there only when overwrite: the
 * library's HC_KEY_SAVE_NO_REPLACE (link() onto the name, so a file that
 * appears meanwhile is kept). Throws on error: "PATH exists" when that is why. */
static bool save_file(JNIEnv *env, const hc_key *key, const char *path, bool priv, bool overwrite)
{
    unsigned flags = overwrite ? 0 : HC_KEY_SAVE_NO_REPLACE;
    hc_err err = priv ? hc_key_save_private_ex(key, path, flags) : hc_key_save_public_ex(key, path, flags);
    struct stat st;
    if (err == HC_E_IO && !overwrite && lstat(path, &st) == 0)
        throw_exists(env, path);
    else if (err != HC_OK)
        throw_save(env, err, path, priv);
    return err == HC_OK;
}

/* The key's kid as 16 hex digits into out (17 bytes). */
static hc_err kid_hex(const hc_key *key, char *out)
{
    uint8_t kid[HC_KID_LEN];
    hc_err err = hc_key_kid(key, kid);
    if (err == HC_OK)
        hcj_hex(kid, HC_KID_LEN, out);
    return err;
}

/* A new key pair of algorithm jalg, its kid in hex. In a file (where is the
 * private key's path, written 0600) or on a token (where is a pkcs11: URI;
 * the pair is made there), with the public key written to jpub either way. */
static jstring generate(JNIEnv *env, jstring jalg, jstring jwhere, jstring jpub, bool on_token, bool overwrite)
{
    hcj_args a = {0};
    hc_key *key = NULL;
    jstring result = NULL;
    hc_alg alg;
    char kid[2 * HC_KID_LEN + 1], ref[512];
    hcj_arg(env, &a, jalg);
    hcj_arg(env, &a, jwhere);
    hcj_arg(env, &a, jpub);
    HCJ_CHECK(env, hcj_args_check(&a, 3), NULL);
    HCJ_CHECK(env, hc_alg_parse(a.s[0], &alg), NULL);
    if (strcmp(a.s[1], a.s[2]) == 0) {
        hcj_throw_msg(env, HC_E_ARG, "the private and the public key would be the same file", a.s[2]);
        goto fail;
    }
    if (!overwrite && ((!on_token && refuse_existing(env, a.s[1])) || refuse_existing(env, a.s[2])))
        goto fail;
    if (on_token) {
        HCJ_CHECK_PATH(env, hc_key_generate_pkcs11(alg, a.s[1], &key), NULL, hcj_key_ref(a.s[1], ref, sizeof ref),
                       "use");
    } else {
        HCJ_CHECK(env, hc_key_generate(alg, &key), NULL);
        if (!save_file(env, key, a.s[1], true, overwrite))
            goto fail;
    }
    if (!save_file(env, key, a.s[2], false, overwrite)) {
        if (!on_token && !overwrite)
            unlink(a.s[1]);   /* the private key this call wrote a moment ago: no half pair */
        goto fail;
    }
    HCJ_CHECK(env, kid_hex(key, kid), NULL);
    result = hcj_string(env, kid);
fail:
    hc_key_free(key);
    hcj_args_free(&a);
    return result;
}

/* HealthCode.generateKey (where: the private key's path) and generateKeyOnToken (where:
 * the pkcs11: URI; keygen --pkcs11: only the public key is written). */
JNIEXPORT jstring JNICALL Java_cn_healthcode_HealthCode_generate0(JNIEnv *env, jclass cls, jstring jalg,
                                                                 jstring jwhere, jstring jpub, jboolean on_token,
                                                                 jboolean overwrite)
{
    (void)cls;
    return generate(env, jalg, jwhere, jpub, on_token, overwrite);
}

/* ------------------------------------------------------------ Key */

JNIEXPORT jboolean JNICALL Java_cn_healthcode_Key_algSupported0(JNIEnv *env, jclass cls, jstring jalg)
{
    (void)cls;
    hc_alg alg;
    return alg_of(env, jalg, &alg) && hc_alg_supported(alg) ? JNI_TRUE : JNI_FALSE;
}

JNIEXPORT jlong JNICALL Java_cn_healthcode_Key_generate0(JNIEnv *env, jclass cls, jstring jalg)
{
    (void)cls;
    hc_alg alg;
    hc_key *key = NULL;
    if (alg_of(env, jalg, &alg))
        HCJ_CHECK(env, hc_key_generate(alg, &key), NULL);
fail:
    return HCJ_HANDLE(key);
}

/* A key from a file or a pkcs11: URI (load), a URI naming where to make one
 * (generate on a token), or PEM text. */
typedef enum { KEY_LOAD, KEY_ON_TOKEN, KEY_PEM } key_source;

static jlong key_open(JNIEnv *env, jstring jsrc, jstring jalg, key_source how)
{
    hcj_args a = {0};
    hc_key *key = NULL;
    hc_alg alg;
    char ref[512];
    const char *src = hcj_arg(env, &a, jsrc);
    if (how == KEY_ON_TOKEN)
        hcj_arg(env, &a, jalg);
    /* PEM text goes with its length; a path or a URI must be a C string */
    HCJ_CHECK(env, a.failed ? HC_E_NOMEM : how == KEY_PEM ? (src ? HC_OK : HC_E_ARG) : hcj_args_check(&a, a.n),
              NULL);
    if (how == KEY_PEM) {
        HCJ_CHECK(env, hc_key_load_pem(src, a.len[0], &key), NULL);
    } else if (how == KEY_LOAD) {
        HCJ_CHECK_PATH(env, hc_key_load_file(src, &key), NULL, hcj_key_ref(src, ref, sizeof ref), "read");
    } else {
        HCJ_CHECK(env, hc_alg_parse(a.s[1], &alg), NULL);
        HCJ_CHECK_PATH(env, hc_key_generate_pkcs11(alg, src, &key), NULL, hcj_key_ref(src, ref, sizeof ref), "use");
    }
fail:
    hcj_args_free(&a);
    return HCJ_HANDLE(key);
}

JNIEXPORT jlong JNICALL Java_cn_healthcode_Key_load0(JNIEnv *env, jclass cls, jstring jpath)
{
    (void)cls;
    return key_open(env, jpath, NULL, KEY_LOAD);
}

JNIEXPORT jlong JNICALL Java_cn_healthcode_Key_fromPem0(JNIEnv *env, jclass cls, jstring jpem)
{
    (void)cls;
    return key_open(env, jpem, NULL, KEY_PEM);
}

/* The passphrase jpass (a char[]) as UTF-8 into out (HC_KEY_PASS_MAX bytes), *n its
 * length; the UTF-16 copy is wiped before returning. HC_E_ARG (thrown by the caller)
 * for an unpaired surrogate or more than HC_KEY_PASS_MAX bytes. */
static hc_err passphrase_utf8(JNIEnv *env, jcharArray jpass, uint8_t out[HC_KEY_PASS_MAX], size_t *n)
{
    jchar u[HC_KEY_PASS_MAX];   /* each char gives at least one byte: more cannot fit */
    jsize len = (*env)->GetArrayLength(env, jpass);
    *n = 0;
    if (len > HC_KEY_PASS_MAX)
        return HC_E_ARG;
    (*env)->GetCharArrayRegion(env, jpass, 0, len, u);
    hc_err err = HC_OK;
    size_t k = 0;
    for (jsize i = 0; i < len && err == HC_OK; i++) {
        uint32_t cp = u[i];
        if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < len && u[i + 1] >= 0xdc00 && u[i + 1] <= 0xdfff)
            cp = 0x10000 + ((cp - 0xd800) << 10) + (u[++i] - 0xdc00u);
        else if (cp >= 0xd800 && cp <= 0xdfff)
            err = HC_E_ARG;
        size_t need = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (err != HC_OK || k + need > HC_KEY_PASS_MAX) {
            err = HC_E_ARG;
            break;
        }
        if (need == 1) {
            out[k++] = (uint8_t)cp;
        } else {
            out[k++] = (uint8_t)((need == 2 ? 0xc0 : need == 3 ? 0xe0 : 0xf0) | cp >> (6 * (need - 1)));
            for (size_t j = need - 1; j > 0; j--)
                out[k++] = (uint8_t)(0x80 | (cp >> (6 * (j - 1)) & 0x3f));
        }
    }
    hcj_wipe(u, sizeof u);
    *n = err == HC_OK ? k : 0;
    return err;
}

/* Key.load(path, passphrase) (pem false) and Key.fromPem(pem, passphrase). */
JNIEXPORT jlong JNICALL Java_cn_healthcode_Key_loadPass0(JNIEnv *env, jclass cls, jstring jsrc, jcharArray jpass,
                                                         jboolean pem)
{
    (void)cls;
    hcj_args a = {0};
    hc_key *key = NULL;
    uint8_t pass[HC_KEY_PASS_MAX];
    size_t passlen = 0;
    char ref[512];
    const char *src = hcj_arg(env, &a, jsrc);
    HCJ_CHECK(env, a.failed ? HC_E_NOMEM : pem ? (src ? HC_OK : HC_E_ARG) : hcj_args_check(&a, 1), NULL);
    if (passphrase_utf8(env, jpass, pass, &passlen) != HC_OK) {
        hcj_throw_msg(env, HC_E_ARG, "the passphrase is over 1023 bytes in UTF-8, or holds an unpaired surrogate",
                      "passphrase");
        goto fail;
    }
    if (pem)
        HCJ_CHECK(env, hc_key_load_pem_pass(src, a.len[0], passlen ? pass : NULL, passlen, &key), NULL);
    else
        HCJ_CHECK_PATH(env, hc_key_load_file_pass(src, passlen ? pass : NULL, passlen, &key), NULL,
                       hcj_key_ref(src, ref, sizeof ref), "read");
fail:
    hcj_wipe(pass, sizeof pass);
    hcj_args_free(&a);
    return HCJ_HANDLE(key);
}

JNIEXPORT jlong JNICALL Java_cn_healthcode_Key_generateOnToken0(JNIEnv *env, jclass cls, jstring juri,
                                                                jstring jalg)
{
    (void)cls;
    return key_open(env, juri, jalg, KEY_ON_TOKEN);
}

JNIEXPORT void JNICALL Java_cn_healthcode_Key_save0(JNIEnv *env, jclass cls, jlong h, jstring jpath,
                                                    jboolean priv, jboolean overwrite)
{
    (void)cls;
    hcj_args a = {0};
    hcj_arg(env, &a, jpath);
    HCJ_CHECK(env, hcj_args_check(&a, 1), NULL);
    save_file(env, HCJ_PTR(hc_key, h), a.s[0], priv, overwrite);
fail:
    hcj_args_free(&a);
}

JNIEXPORT jstring JNICALL Java_cn_healthcode_Key_publicPem0(JNIEnv *env, jclass cls, jlong h)
{
    (void)cls;
    char pem[1024];   /* an SPKI PEM of the three key types is under 300 bytes */
    size_t len;
    HCJ_CHECK(env, hc_key_public_pem(HCJ_PTR(hc_key, h), pem, sizeof pem, &len), NULL);
    return hcj_string(env, pem);
fail:
    return NULL;
}

JNIEXPORT jstring JNICALL Java_cn_healthcode_Key_kid0(JNIEnv *env, jclass cls, jlong h)
{
    (void)cls;
    char kid[2 * HC_KID_LEN + 1];
    HCJ_CHECK(env, kid_hex(HCJ_PTR(hc_key, h), kid), NULL);
    return hcj_string(env, kid);
fail:
    return NULL;
}

JNIEXPORT jstring JNICALL Java_cn_healthcode_Key_alg0(JNIEnv *env, jclass cls, jlong h)
{
    (void)cls;
    return hcj_string(env, hc_alg_name(hc_key_alg(HCJ_PTR(hc_key, h))));
}

JNIEXPORT jboolean JNICALL Java_cn_healthcode_Key_isPrivate0(JNIEnv *env, jclass cls, jlong h)
{
    (void)env;
    (void)cls;
    return hc_key_is_private(HCJ_PTR(hc_key, h)) ? JNI_TRUE : JNI_FALSE;
}

HCJ_DEFINE_FREE(Key_free0, hc_key_free, hc_key)

/* pkcs11.c — signing keys that stay inside a cryptographic module, reached
 * through PKCS#11 directly (p11-kit loads the module and parses RFC 7512
 * URIs). Behind the opaque hc_key: a token key's hc_key holds the public half
 * as an EVP_PKEY (kid, verification, trust lists as for any key) and a
 * reference to an hc_p11 for the private half (key.c reaches it only through
 * p11_ops), which never leaves the token: no code path here reads CKA_VALUE,
 * and generated keys are CKA_SENSITIVE, not CKA_EXTRACTABLE. Built with
 * p11-kit only (issuer side); pkcs11_none.c answers without it.
 *
 * One login session is held for the key's lifetime: PKCS#11 logs in the
 * application, not the session, so every signer's own session (one per
 * signing thread: p11_session_open) can sign without the PIN, which is
 * cleansed as soon as the login is done.
 *
 * Why direct PKCS#11 and not libp11's ENGINE (libengine-pkcs11-openssl):
 * libp11 0.4.12 cannot load Ed25519 objects, its README says it is not fully
 * thread-safe, and the ENGINE API is deprecated in OpenSSL 3. The cost of
 * this path is measured by bench/bench_keys.c against the module's raw
 * C_Sign rate through the same interface. */
#include "key_impl.h"
#include "primitives_impl.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include <p11-kit/p11-kit.h>
#include <p11-kit/uri.h>

#define PIN_MAX 256
#define ATTR_MAX 128 /* CKA_EC_PARAMS, CKA_EC_POINT, CKA_ID, CKA_LABEL we read */

typedef struct hc_p11 hc_p11;
struct hc_p11 {
    hc_key_token base;       /* first: the key's reference (key_impl.h) */
    CK_FUNCTION_LIST *fn;    /* p11-kit managed module: ours to finalize/release */
    CK_SLOT_ID slot;
    CK_SESSION_HANDLE login; /* held open: keeps the application logged in */
    CK_OBJECT_HANDLE priv;   /* the private key object (a token object) */
    CK_MECHANISM_TYPE mech;  /* CKM_ECDSA or CKM_EDDSA */
    bool login_required;     /* the token's CKF_LOGIN_REQUIRED */
};

struct hc_key_session {
    hc_p11 *p; /* a reference of ours */
    CK_SESSION_HANDLE h;
};

static const uint8_t oid_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t oid_ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
static const uint8_t str_ed25519[] = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5', '5', '1', '9'};

/* The last reference to the token went (hc_key_token_unref). */
static void p11_destroy(hc_key_token *t)
{
    hc_p11 *p = (hc_p11 *)t;
    if (p->fn) {
        if (p->login != CK_INVALID_HANDLE)
            (void)p->fn->C_CloseSession(p->login);
        (void)p11_kit_module_finalize(p->fn);
        p11_kit_module_release(p->fn);
    }
    free(p);
}

static hc_err p11_session_open(hc_key_token *t, hc_key_session **out);
static hc_err p11_sign(hc_key_session *s, const uint8_t *data, size_t len, uint8_t sig[64]);
static void p11_session_close(hc_key_session *s);

/* What the key (key.c) and its signers (crypto.c) reach the token through. */
static const hc_key_token_ops p11_ops = {p11_session_open, p11_sign, p11_session_close,
                                         p11_destroy};

static void p11_unref(hc_p11 *p)
{
    if (p)
        hc_key_token_unref(&p->base);
}

/* ------------------------------------------------------------- opening */

/* Reads the PIN file (pin-source=file:PATH, or HC_PKCS11_PIN_FILE): a
 * regular file not readable by group or others; one line, its newline cut.
 * O_NONBLOCK: a FIFO in its place must not block the open (it is refused
 * as not a regular file); a regular file's reads ignore the flag. */
static hc_err read_pin(const char *src, char pin[PIN_MAX + 1], size_t *len)
{
    if (strncmp(src, "file:", 5) == 0)
        src += 5;
    if (strncmp(src, "//", 2) == 0) /* file:///abs/path */
        src += 2;
    int fd = open(src, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return HC_E_IO;
    struct stat st;
    hc_err err = HC_OK;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        err = HC_E_IO;
    else if (st.st_mode & 077)
        err = HC_E_KEY_PERMS;
    ssize_t n = err == HC_OK ? read(fd, pin, PIN_MAX + 1) : 0;
    close(fd);
    if (err == HC_OK && (n < 0 || n > PIN_MAX))
        err = n < 0 ? HC_E_IO : HC_E_LIMIT;
    if (err != HC_OK)
        return err;
    while (n > 0 && (pin[n - 1] == '\n' || pin[n - 1] == '\r'))
        n--;
    pin[n] = '\0';
    *len = (size_t)n;
    return HC_OK;
}

/* A file or directory no one but root and us may change: owned by one of
 * them, and not writable by others (a world-writable directory with the
 * sticky bit, /tmp, is safe: no one else may rename or remove our entries). */
static bool safe_node(const struct stat *st, bool dir)
{
    if (st->st_uid != 0 && st->st_uid != geteuid())
        return false;
    return !(st->st_mode & S_IWOTH) || (dir && (st->st_mode & S_ISVTX));
}

/* The module's file, made absolute as p11-kit would (a relative path is
 * under p11-kit's module directory) and resolved (symbolic links followed)
 * into real (PATH_MAX bytes): a regular file which, like every directory
 * above it, no one but root and us may change. The module is then loaded
 * from real, so that a link replaced after this check is not followed.
 * HC_E_PKCS11_MODULE otherwise: a module runs inside the signing process. */
static hc_err module_file(const char *path, char real[PATH_MAX])
{
    char full[PATH_MAX];
    int n = path[0] == '/' ? snprintf(full, sizeof full, "%s", path)
                           : snprintf(full, sizeof full, "%s/%s", HC_P11_MODULE_DIR, path);
    if (n < 0 || (size_t)n >= sizeof full || !realpath(full, real))
        return HC_E_PKCS11_MODULE;
    struct stat st;
    if (stat(real, &st) != 0 || !S_ISREG(st.st_mode) || !safe_node(&st, false))
        return HC_E_PKCS11_MODULE;
    char dir[PATH_MAX];
    memcpy(dir, real, strlen(real) + 1);
    for (char *slash; (slash = strrchr(dir, '/')) != NULL;) {
        slash[slash == dir] = '\0'; /* "/a/b" → "/a" → "/" */
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || !safe_node(&st, true))
            return HC_E_PKCS11_MODULE;
        if (slash == dir)
            break;
    }
    return HC_OK;
}

/* Loads the module and finds the first slot (and its token) that the URI's
 * library-*, slot-* and token attributes match. */
static hc_err open_module(P11KitUri *uri, hc_p11 *p)
{
    const char *path = p11_kit_uri_get_module_path(uri);
    if (!path)
        path = getenv("HC_PKCS11_MODULE");
    if (!path || !*path)
        return HC_E_ARG; /* no module named: module-path= or HC_PKCS11_MODULE */
    char real[PATH_MAX];
    hc_err err = module_file(path, real);
    if (err != HC_OK)
        return err;
    p->fn = p11_kit_module_load(real, 0);
    if (!p->fn)
        return HC_E_PKCS11_MODULE; /* not a PKCS#11 module */
    if (p11_kit_module_initialize(p->fn) != CKR_OK) {
        p11_kit_module_release(p->fn);
        p->fn = NULL;
        return HC_E_PKCS11_MODULE;
    }
    CK_INFO info;
    if (p->fn->C_GetInfo(&info) != CKR_OK)
        return HC_E_PKCS11;
    if (!p11_kit_uri_match_module_info(uri, &info))
        return HC_E_PKCS11_TOKEN; /* library-manufacturer=, … name another module */
    CK_SLOT_ID slots[64];
    CK_ULONG n = 64;
    if (p->fn->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
        return HC_E_PKCS11;
    CK_SLOT_ID want = p11_kit_uri_get_slot_id(uri); /* (CK_SLOT_ID)-1: any */
    for (CK_ULONG i = 0; i < n; i++) {
        CK_SLOT_INFO si;
        CK_TOKEN_INFO ti;
        if ((want == (CK_SLOT_ID)-1 || want == slots[i]) &&
            p->fn->C_GetSlotInfo(slots[i], &si) == CKR_OK && p11_kit_uri_match_slot_info(uri, &si) &&
            p->fn->C_GetTokenInfo(slots[i], &ti) == CKR_OK && p11_kit_uri_match_token_info(uri, &ti)) {
            p->slot = slots[i];
            p->login_required = (ti.flags & CKF_LOGIN_REQUIRED) != 0;
            return HC_OK;
        }
    }
    return HC_E_PKCS11_TOKEN; /* no such token (or it was removed) */
}

/* What C_Login's refusal means: the PIN (wrong, of a bad length, expired,
 * locked) or something else. */
static hc_err login_error(CK_RV rv)
{
    switch (rv) {
    case CKR_OK:
    case CKR_USER_ALREADY_LOGGED_IN: return HC_OK;
    case CKR_PIN_INCORRECT:
    case CKR_PIN_INVALID:
    case CKR_PIN_LEN_RANGE:
    case CKR_PIN_EXPIRED:
    case CKR_PIN_LOCKED: return HC_E_PKCS11_PIN;
    default: return HC_E_PKCS11;
    }
}

/* Opens the login session and logs in with the PIN of the URI's
 * pin-source (or HC_PKCS11_PIN_FILE); without either, no login, and a
 * token that needs one says so now (HC_E_PKCS11_PIN) rather than showing
 * no private key. */
static hc_err login(P11KitUri *uri, hc_p11 *p, bool rw)
{
    CK_FLAGS fl = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
    if (p->fn->C_OpenSession(p->slot, fl, NULL, NULL, &p->login) != CKR_OK) {
        p->login = CK_INVALID_HANDLE;
        return HC_E_PKCS11;
    }
    const char *src = p11_kit_uri_get_pin_source(uri);
    if (!src)
        src = getenv("HC_PKCS11_PIN_FILE");
    if (!src || !*src)
        return p->login_required ? HC_E_PKCS11_PIN : HC_OK;
    char pin[PIN_MAX + 1];
    size_t len = 0;
    hc_err err = read_pin(src, pin, &len);
    if (err == HC_OK)
        err = login_error(p->fn->C_Login(p->login, CKU_USER, (CK_UTF8CHAR *)pin, len));
    OPENSSL_cleanse(pin, sizeof pin);
    return err;
}

/* true if one of the n attributes in s (separated by sep, up to end) has
 * the name of an earlier one. RFC 7512 allows each attribute once;
 * p11-kit keeps the last of two silently (object=nope;object=k1 would sign
 * with k1), so two are refused here, before it reads them. */
static bool repeats(const char *s, const char *end, char sep)
{
    for (const char *a = s; a < end;) {
        const char *ae = memchr(a, sep, (size_t)(end - a));
        ae = ae ? ae : end;
        const char *eq = memchr(a, '=', (size_t)(ae - a));
        size_t an = (size_t)((eq ? eq : ae) - a);
        for (const char *b = ae < end ? ae + 1 : end; b < end;) {
            const char *be = memchr(b, sep, (size_t)(end - b));
            be = be ? be : end;
            const char *beq = memchr(b, '=', (size_t)(be - b));
            size_t bn = (size_t)((beq ? beq : be) - b);
            if (an == bn && memcmp(a, b, an) == 0)
                return true;
            b = be < end ? be + 1 : end;
        }
        a = ae < end ? ae + 1 : end;
    }
    return false;
}

/* RFC 7512 read strictly: every attribute once, in the path and in the
 * query; none p11-kit does not know (a misspelt one would be ignored);
 * no pin-value= (it would end up in argv and logs); a type= only if it is
 * private (we sign with a private key: type=public is not "ignored"); the
 * key named: object= (the new key's label when making one, rw) or id=.
 * All before the module is loaded or the PIN tried. */
static hc_err parse_uri(const char *text, bool rw, P11KitUri *uri)
{
    const char *q = strchr(text, '?'), *end = text + strlen(text);
    const char *path = text + (strncmp(text, "pkcs11:", 7) == 0 ? 7 : 0);
    if (repeats(path, q ? q : end, ';') || (q && repeats(q + 1, end, '&')))
        return HC_E_ARG;
    const int flags = P11_KIT_URI_FOR_OBJECT_ON_TOKEN_AND_MODULE | P11_KIT_URI_FOR_SLOT;
    if (p11_kit_uri_parse(text, flags, uri) != P11_KIT_URI_OK || p11_kit_uri_any_unrecognized(uri) ||
        p11_kit_uri_get_pin_value(uri))
        return HC_E_ARG;
    CK_ATTRIBUTE *cls = p11_kit_uri_get_attribute(uri, CKA_CLASS);
    if (cls && (cls->ulValueLen != sizeof(CK_OBJECT_CLASS) ||
                *(CK_OBJECT_CLASS *)cls->pValue != CKO_PRIVATE_KEY))
        return HC_E_ARG;
    if (!p11_kit_uri_get_attribute(uri, CKA_LABEL) && (rw || !p11_kit_uri_get_attribute(uri, CKA_ID)))
        return HC_E_ARG;
    return HC_OK;
}

/* Parses uri and opens module, token and login into a new *out. */
static hc_err p11_open(const char *text, bool rw, P11KitUri **uri_out, hc_p11 **out)
{
    *out = NULL;
    *uri_out = NULL;
    if (strnlen(text, 4097) > 4096)
        return HC_E_LIMIT;
    P11KitUri *uri = p11_kit_uri_new();
    if (!uri)
        return HC_E_NOMEM;
    hc_err perr = parse_uri(text, rw, uri);
    if (perr != HC_OK) {
        p11_kit_uri_free(uri);
        return perr;
    }
    hc_p11 *p = calloc(1, sizeof *p);
    if (!p) {
        p11_kit_uri_free(uri);
        return HC_E_NOMEM;
    }
    hc_key_token_init(&p->base, &p11_ops);
    p->login = CK_INVALID_HANDLE;
    hc_err err = open_module(uri, p);
    if (err == HC_OK)
        err = login(uri, p, rw);
    if (err != HC_OK) {
        p11_unref(p);
        p11_kit_uri_free(uri);
        return err;
    }
    *out = p;
    *uri_out = uri;
    return HC_OK;
}

/* ------------------------------------------------------------- objects */

/* The objects of class cls matching the URI's id/label (or the given ones):
 * exactly one; none: HC_E_PKCS11_TOKEN, several: HC_E_KEY. */
static hc_err find_one(hc_p11 *p, CK_OBJECT_CLASS cls, const CK_ATTRIBUTE *id,
                       const CK_ATTRIBUTE *label, CK_OBJECT_HANDLE *h, CK_ULONG *count)
{
    CK_ATTRIBUTE t[3] = {{CKA_CLASS, &cls, sizeof cls}};
    CK_ULONG n = 1;
    if (id)
        t[n++] = *id;
    if (label)
        t[n++] = *label;
    CK_OBJECT_HANDLE found[2];
    CK_ULONG got = 0;
    if (p->fn->C_FindObjectsInit(p->login, t, n) != CKR_OK)
        return HC_E_PKCS11;
    CK_RV rv = p->fn->C_FindObjects(p->login, found, 2, &got);
    (void)p->fn->C_FindObjectsFinal(p->login);
    if (rv != CKR_OK)
        return HC_E_PKCS11;
    if (count)
        *count = got;
    if (got != 1)
        return got == 0 ? HC_E_PKCS11_TOKEN : HC_E_KEY;
    *h = found[0];
    return HC_OK;
}

/* CKA_EC_POINT: a DER OCTET STRING around the point (PKCS#11 2.40 and
 * SoftHSM), or the bare point some modules return. */
static bool unwrap_point(const uint8_t *v, size_t n, const uint8_t **pt, size_t *len)
{
    if (n >= 2 && v[0] == 0x04 && v[1] == n - 2 && (n - 2 == 65 || n - 2 == 32)) {
        *pt = v + 2;
        *len = n - 2;
    } else {
        *pt = v;
        *len = n;
    }
    return true;
}

/* The public half from the public key object's CKA_EC_PARAMS and CKA_EC_POINT. */
static hc_err public_of(hc_p11 *p, CK_OBJECT_HANDLE pub, bool eddsa, EVP_PKEY **out)
{
    uint8_t params[ATTR_MAX], point[ATTR_MAX];
    CK_ATTRIBUTE t[2] = {{CKA_EC_PARAMS, params, sizeof params}, {CKA_EC_POINT, point, sizeof point}};
    if (p->fn->C_GetAttributeValue(p->login, pub, t, 2) != CKR_OK)
        return HC_E_KEY;
    const uint8_t *pt;
    size_t plen;
    unwrap_point(point, t[1].ulValueLen, &pt, &plen);
    *out = NULL;
    if (eddsa) {
        bool ok = (t[0].ulValueLen == sizeof oid_ed25519 && !memcmp(params, oid_ed25519, sizeof oid_ed25519)) ||
                  (t[0].ulValueLen == sizeof str_ed25519 && !memcmp(params, str_ed25519, sizeof str_ed25519));
        if (!ok || plen != 32)
            return HC_E_KEY;
        *out = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, pt, 32);
    } else {
        if (t[0].ulValueLen != sizeof oid_p256 || memcmp(params, oid_p256, sizeof oid_p256) || plen != 65)
            return HC_E_KEY;
        *out = hc_pkey_from_ec_point(HC_ALG_ES256, pt, plen);
    }
    if (!*out) {
        ERR_clear_error();
        return HC_E_KEY;
    }
    return HC_OK;
}

/* The hc_key of the private object priv (its public twin: pub). */
static hc_err key_of(hc_p11 *p, CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pub, hc_key **out)
{
    CK_KEY_TYPE type = 0;
    CK_ATTRIBUTE t = {CKA_KEY_TYPE, &type, sizeof type};
    if (p->fn->C_GetAttributeValue(p->login, priv, &t, 1) != CKR_OK)
        return HC_E_KEY;
    if (type != CKK_EC && type != CKK_EC_EDWARDS)
        return HC_E_KEY; /* SM2 and RSA keys on a token are not supported */
    bool eddsa = type == CKK_EC_EDWARDS;
    EVP_PKEY *pkey = NULL;
    hc_err err = public_of(p, pub, eddsa, &pkey);
    if (err == HC_OK)
        err = hc_key_wrap(pkey, true, out);
    if (err != HC_OK)
        return err;
    p->priv = priv;
    p->mech = eddsa ? CKM_EDDSA : CKM_ECDSA;
    (*out)->token = &p->base;
    return HC_OK;
}

/* The public object that pairs with priv: same CKA_ID, else same CKA_LABEL. */
static hc_err twin_of(hc_p11 *p, CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE *pub)
{
    uint8_t id[ATTR_MAX], label[ATTR_MAX];
    CK_ATTRIBUTE a[2] = {{CKA_ID, id, sizeof id}, {CKA_LABEL, label, sizeof label}};
    if (p->fn->C_GetAttributeValue(p->login, priv, &a[0], 1) == CKR_OK && a[0].ulValueLen > 0 &&
        find_one(p, CKO_PUBLIC_KEY, &a[0], NULL, pub, NULL) == HC_OK)
        return HC_OK;
    if (p->fn->C_GetAttributeValue(p->login, priv, &a[1], 1) == CKR_OK && a[1].ulValueLen > 0 &&
        find_one(p, CKO_PUBLIC_KEY, NULL, &a[1], pub, NULL) == HC_OK)
        return HC_OK;
    return HC_E_KEY;
}

/* The token a URI names, opened for one key, and that key's CKA_ID and
 * CKA_LABEL as the URI gives them (NULL when absent; they point into uri). */
typedef struct {
    P11KitUri *uri;
    hc_p11 *p;
    CK_ATTRIBUTE *id, *label;
} p11_target;

/* What both entry points do first: check text and out, clear *out, report
 * bad (an error the caller found in its other arguments) if any, then parse
 * the URI and open the token (rw: to make a key). */
static hc_err p11_start(const char *text, hc_key **out, hc_err bad, bool rw, p11_target *t)
{
    if (!text || !out)
        return HC_E_ARG;
    *out = NULL;
    hc_err err = bad != HC_OK ? bad : p11_open(text, rw, &t->uri, &t->p);
    if (err == HC_OK) {
        t->id = p11_kit_uri_get_attribute(t->uri, CKA_ID);
        t->label = p11_kit_uri_get_attribute(t->uri, CKA_LABEL);
    }
    return err;
}

/* And last: the URI freed, the token kept only by a key made. */
static hc_err p11_finish(p11_target *t, hc_err err)
{
    p11_kit_uri_free(t->uri);
    if (err != HC_OK)
        p11_unref(t->p);
    return err;
}

hc_err hc_key_load_pkcs11(const char *text, hc_key **out)
{
    p11_target t;
    hc_err err = p11_start(text, out, HC_OK, false, &t);
    if (err != HC_OK)
        return err;
    CK_OBJECT_HANDLE priv, pub; /* the URI names the key (parse_uri) */
    if ((err = find_one(t.p, CKO_PRIVATE_KEY, t.id, t.label, &priv, NULL)) == HC_OK &&
        (err = twin_of(t.p, priv, &pub)) == HC_OK)
        err = key_of(t.p, priv, pub, out);
    return p11_finish(&t, err);
}

hc_err hc_key_generate_pkcs11(hc_alg alg, const char *text, hc_key **out)
{
    /* no standard PKCS#11 mechanism for SM2 */
    hc_err bad = alg == HC_ALG_SM2 ? HC_E_UNSUPPORTED
               : alg != HC_ALG_ES256 && alg != HC_ALG_EDDSA ? HC_E_ARG : HC_OK;
    p11_target t;
    hc_err err = p11_start(text, out, bad, true, &t);
    if (err != HC_OK)
        return err;
    hc_p11 *p = t.p;
    CK_ATTRIBUTE *label = t.label, *uid = t.id;
    uint8_t idv[8];
    CK_ATTRIBUTE id = uid ? *uid : (CK_ATTRIBUTE){CKA_ID, idv, sizeof idv};
    CK_OBJECT_HANDLE priv, pub;
    CK_ULONG existing = 0;
    if (!uid && (err = hc_crypto_random(idv, sizeof idv)) != HC_OK) /* object= is there (parse_uri) */
        ;
    else if ((err = find_one(p, CKO_PRIVATE_KEY, NULL, label, &priv, &existing)) == HC_E_PKCS11)
        ;
    else if (existing != 0)
        err = HC_E_KEY; /* a key of that name exists: never replaced */
    else {
        bool ed = alg == HC_ALG_EDDSA;
        CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
        CK_MECHANISM m = {ed ? CKM_EC_EDWARDS_KEY_PAIR_GEN : CKM_EC_KEY_PAIR_GEN, NULL, 0};
        CK_ATTRIBUTE pt[] = {{CKA_TOKEN, &yes, 1}, {CKA_VERIFY, &yes, 1}, *label, id,
                             {CKA_EC_PARAMS, (void *)(ed ? oid_ed25519 : oid_p256),
                              ed ? sizeof oid_ed25519 : sizeof oid_p256}};
        CK_ATTRIBUTE st[] = {{CKA_TOKEN, &yes, 1},     {CKA_PRIVATE, &yes, 1}, {CKA_SENSITIVE, &yes, 1},
                             {CKA_EXTRACTABLE, &no, 1}, {CKA_SIGN, &yes, 1},    *label, id};
        if (p->fn->C_GenerateKeyPair(p->login, &m, pt, sizeof pt / sizeof *pt, st,
                                     sizeof st / sizeof *st, &pub, &priv) != CKR_OK)
            err = HC_E_PKCS11;
        else
            err = key_of(p, priv, pub, out);
    }
    return p11_finish(&t, err);
}

/* ------------------------------------------------------------ sessions */

static hc_err p11_session_open(hc_key_token *t, hc_key_session **out)
{
    hc_p11 *p = (hc_p11 *)t;
    *out = NULL;
    hc_key_session *s = calloc(1, sizeof *s);
    if (!s)
        return HC_E_NOMEM;
    if (p->fn->C_OpenSession(p->slot, CKF_SERIAL_SESSION, NULL, NULL, &s->h) != CKR_OK) {
        free(s);
        return HC_E_PKCS11;
    }
    hc_key_token_ref(t);
    s->p = p;
    *out = s;
    return HC_OK;
}

static hc_err p11_sign(hc_key_session *s, const uint8_t *data, size_t len, uint8_t sig[64])
{
    CK_MECHANISM m = {s->p->mech, NULL, 0};
    CK_ULONG n = 64;
    if (s->p->fn->C_SignInit(s->h, &m, s->p->priv) != CKR_OK)
        return HC_E_PKCS11;
    if (s->p->fn->C_Sign(s->h, (CK_BYTE *)data, len, sig, &n) != CKR_OK || n != 64)
        return HC_E_PKCS11;
    return HC_OK;
}

static void p11_session_close(hc_key_session *s)
{
    if (!s)
        return;
    (void)s->p->fn->C_CloseSession(s->h);
    p11_unref(s->p);
    free(s);
}

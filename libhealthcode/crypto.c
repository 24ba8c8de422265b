/* crypto.c — the OpenSSL 3 boundary: keys, signing, verification (SHA-256,
 * HMAC and randomness are primitives.c's). Only EVP-level APIs are used (no
 * deprecated EC_KEY/ECDSA_do_*).
 *
 * Shape of every OpenSSL call site: one function, one exit that frees what it
 * made, and ERR_clear_error() on failure so a stale error never leaks into an
 * unrelated caller's ERR_get_error(). */
#include "crypto_impl.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/* No PEM key we accept comes near this; it bounds the BIO's int length too. */
#define KEY_FILE_MAX (64u * 1024u)

/* ------------------------------------------------------------------ keys */

/* The largest passphrase: OpenSSL's PEM callbacks get a 1 KiB buffer. */
#define PASS_MAX 1023

/* The passphrase a key is decrypted with; NULL p: none, and the callback
 * refuses, so an encrypted key fails to load instead of OpenSSL prompting
 * on the terminal. OpenSSL cleanses the buffer it hands us after use. */
typedef struct {
    const void *p;
    size_t len;
} key_pass;

static int give_password(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    const key_pass *kp = u;
    if (!kp || !kp->p || kp->len == 0 || size < 0 || kp->len > (size_t)size)
        return -1;
    memcpy(buf, kp->p, kp->len);
    return (int)kp->len;
}

/* true if a PEM BEGIN line in t (len bytes) ends in tail (the "-----"
 * included), or with tail NULL, if a legacy encrypted PEM ("Proc-Type:
 * 4,ENCRYPTED") is there. */
static bool pem_has(const char *t, size_t len, const char *tail)
{
    static const char begin[] = "-----BEGIN ", proc[] = "Proc-Type: 4,ENCRYPTED";
    const char *what = tail ? begin : proc;
    const size_t bl = strlen(what), tl = tail ? strlen(tail) : 0;
    for (size_t i = 0; t && i + bl <= len; i++) {
        if (memcmp(t + i, what, bl) != 0)
            continue;
        if (!tail)
            return true;
        size_t e = i + bl;
        while (e < len && t[e] != '\n' && t[e] != '\r')
            e++;
        if (e - (i + bl) >= tl && memcmp(t + e - tl, tail, tl) == 0)
            return true;
    }
    return false;
}

/* true if t holds an encrypted private key: PKCS#8 "ENCRYPTED PRIVATE KEY",
 * or a legacy "EC PRIVATE KEY" with a Proc-Type: 4,ENCRYPTED header. */
static bool pem_encrypted(const char *t, size_t len)
{
    return pem_has(t, len, "ENCRYPTED PRIVATE KEY-----") || pem_has(t, len, NULL);
}

/* The algorithm of pkey if it is one we accept (P-256, Ed25519 or SM2).
 * OpenSSL 3 gives SM2 keys their own type (EVP_PKEY_get_id() is -1 for them);
 * an "EC" key on the SM2 curve would sign ECDSA and is refused. */
static bool key_alg_of(EVP_PKEY *pkey, hc_alg *alg)
{
    if (EVP_PKEY_is_a(pkey, "ED25519")) {
        *alg = HC_ALG_EDDSA;
        return true;
    }
    if (EVP_PKEY_is_a(pkey, "SM2")) {
        *alg = HC_ALG_SM2;
        return hc_sm2_available();
    }
    if (EVP_PKEY_is_a(pkey, "EC")) {
        char group[64];
        size_t glen = 0;
        /* explicit-parameter keys have no group name and are refused */
        if (EVP_PKEY_get_group_name(pkey, group, sizeof group, &glen) != 1)
            return false;
        if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0) {
            *alg = HC_ALG_ES256;
            return true;
        }
    }
    return false;
}

/* kid = SHA-256(SPKI DER)[0..8): doc/format.md. */
static hc_err compute_kid(EVP_PKEY *pkey, uint8_t kid[HC_KID_LEN])
{
    unsigned char *der;
    size_t n;
    hc_err err = hc_pkey_spki_der(pkey, &der, &n);
    if (err != HC_OK)
        return err;
    unsigned char md[32];
    unsigned int mdlen = 0;
    int ok = EVP_Digest(der, n, md, &mdlen, hc_sha256_md(), NULL);
    OPENSSL_free(der);
    if (ok != 1 || mdlen != 32) {
        ERR_clear_error();
        return HC_E_CRYPTO;
    }
    memcpy(kid, md, HC_KID_LEN);
    return HC_OK;
}

void hc_key_prepare_verify(hc_key *k)
{
    atomic_flag_clear(&k->verify_busy);
    k->verify_tmpl = NULL;
    if (k->alg == HC_ALG_EDDSA)
        return;
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
    if (pctx && EVP_PKEY_verify_init(pctx) == 1) {
        k->verify_tmpl = pctx;
        return;
    }
    EVP_PKEY_CTX_free(pctx);
    ERR_clear_error();
}

hc_err hc_key_wrap(EVP_PKEY *pkey, bool priv, hc_key **out)
{
    hc_alg alg;
    if (!key_alg_of(pkey, &alg)) {
        EVP_PKEY_free(pkey);
        ERR_clear_error();
        return HC_E_KEY;
    }
    hc_key *k = calloc(1, sizeof *k);
    if (!k) {
        EVP_PKEY_free(pkey);
        return HC_E_NOMEM;
    }
    hc_err err = compute_kid(pkey, k->kid);
    if (err == HC_OK && alg == HC_ALG_SM2)
        err = hc_sm2_z(pkey, k->sm2_z);
    if (err != HC_OK) {
        EVP_PKEY_free(pkey);
        free(k);
        return err;
    }
    k->pkey = pkey;
    k->alg = alg;
    k->priv = priv;
    hc_key_prepare_verify(k);
    *out = k;
    return HC_OK;
}

hc_err hc_key_generate(hc_alg alg, hc_key **out)
{
    if (!out)
        return HC_E_ARG;
    *out = NULL;
    EVP_PKEY *pkey;
    if (alg == HC_ALG_ES256)
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    else if (alg == HC_ALG_EDDSA)
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    else if (alg == HC_ALG_SM2) {
        hc_err err = hc_sm2_generate(&pkey);
        if (err != HC_OK)
            return err;
    } else
        return HC_E_ARG;
    if (!pkey) {
        ERR_clear_error();
        return HC_E_CRYPTO;
    }
    hc_err err = hc_key_wrap(pkey, true, out);
    return err == HC_E_KEY ? HC_E_CRYPTO : err;
}

hc_err hc_key_load_pem_pass(const char *pem, size_t len, const void *pass, size_t passlen,
                            hc_key **out)
{
    if (!out || !pem || (!pass && passlen) || passlen > PASS_MAX)
        return HC_E_ARG;
    *out = NULL;
    if (len == 0 || len > KEY_FILE_MAX)
        return HC_E_KEY;
    /* no passphrase for an encrypted key: said before anything is decoded */
    bool encrypted = pem_encrypted(pem, len);
    if (encrypted && (!pass || passlen == 0))
        return HC_E_KEY_ENCRYPTED;
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (!bio) {
        ERR_clear_error();
        return HC_E_NOMEM;
    }
    key_pass kp = {pass, passlen};
    bool priv = true;
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey_ex(bio, NULL, give_password, &kp, NULL, NULL);
    if (!pkey && !encrypted) {
        /* not a (readable) private key: try a public one from the start, and
         * forget the first attempt's errors so a success leaves none */
        ERR_clear_error();
        priv = false;
        if (BIO_reset(bio) == 1)
            pkey = PEM_read_bio_PUBKEY_ex(bio, NULL, give_password, NULL, NULL, NULL);
    }
    BIO_free(bio);
    if (!pkey) {
        ERR_clear_error();
        return encrypted ? HC_E_KEY_ENCRYPTED : HC_E_KEY; /* the passphrase is wrong */
    }
    /* a recognisable SM2 key on an OpenSSL without SM2: say so, not "malformed" */
    if (EVP_PKEY_is_a(pkey, "SM2") && !hc_sm2_available()) {
        EVP_PKEY_free(pkey);
        return HC_E_UNSUPPORTED;
    }
    return hc_key_wrap(pkey, priv, out);
}

hc_err hc_key_load_pem(const char *pem, size_t len, hc_key **out)
{
    return hc_key_load_pem_pass(pem, len, NULL, 0, out);
}

/* Reads at most KEY_FILE_MAX bytes of fd into buf (cap KEY_FILE_MAX + 1). */
static hc_err read_fd(int fd, char *buf, size_t *len)
{
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, KEY_FILE_MAX + 1 - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return HC_E_IO;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > KEY_FILE_MAX)
            return HC_E_LIMIT;
    }
    *len = n;
    return HC_OK;
}

/* true if a PEM BEGIN line in t (len bytes) names a private key ("PRIVATE
 * KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY"). */
static bool pem_names_private(const char *t, size_t len)
{
    return pem_has(t, len, "PRIVATE KEY-----");
}

hc_err hc_key_load_file_pass(const char *path, const void *pass, size_t passlen, hc_key **out)
{
    if (!path || !out)
        return HC_E_ARG;
    *out = NULL;
    if (strncmp(path, "pkcs11:", 7) == 0) /* RFC 7512: a key on a token */
        return hc_key_load_pkcs11(path, out);
    /* O_NONBLOCK: a FIFO must not block the open; it is refused below, and
     * a regular file's reads ignore the flag */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return HC_E_IO;
    /* fstat on the descriptor we read: the mode checked is the file's we load */
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return HC_E_IO;
    }
    if (st.st_size > (off_t)KEY_FILE_MAX) {
        close(fd);
        return HC_E_LIMIT;
    }
    char *buf = malloc(KEY_FILE_MAX + 1);
    if (!buf) {
        close(fd);
        return HC_E_NOMEM;
    }
    size_t len = 0;
    hc_err err = read_fd(fd, buf, &len);
    close(fd);
    /* refused before the key is decoded: a decoder leaves copies of what it
     * read in memory it frees (OpenSSL's do); the check after decoding
     * below still catches a key whose BEGIN line says otherwise */
    if (err == HC_OK && (st.st_mode & 077) && pem_names_private(buf, len))
        err = HC_E_KEY_PERMS;
    if (err == HC_OK)
        err = hc_key_load_pem_pass(buf, len, pass, passlen, out);
    OPENSSL_cleanse(buf, KEY_FILE_MAX + 1);
    free(buf);
    if (err == HC_OK && (*out)->priv && (st.st_mode & 077)) {
        hc_key_free(*out);
        *out = NULL;
        return HC_E_KEY_PERMS;
    }
    return err;
}

hc_err hc_key_load_file(const char *path, hc_key **out)
{
    return hc_key_load_file_pass(path, NULL, 0, out);
}

/* Writes pkey as PEM (private PKCS#8 or SPKI) to path with mode, through a
 * secure-heap memory BIO so no copy of a private key is left in freed memory. */
static hc_err save_pem(const hc_key *key, bool priv, const char *path, unsigned mode,
                       unsigned flags)
{
    BIO *bio = BIO_new(priv ? BIO_s_secmem() : BIO_s_mem());
    if (!bio) {
        ERR_clear_error();
        return HC_E_NOMEM;
    }
    hc_err err = HC_OK;
    int ok = priv ? PEM_write_bio_PrivateKey(bio, key->pkey, NULL, NULL, 0, NULL, NULL)
                  : PEM_write_bio_PUBKEY(bio, key->pkey);
    char *data = NULL;
    long n = ok == 1 ? BIO_get_mem_data(bio, &data) : 0;
    if (ok != 1 || n <= 0 || !data) {
        ERR_clear_error();
        err = HC_E_CRYPTO;
    } else {
        err = hc_write_file_atomic_ex(path, data, (size_t)n, mode, flags);
    }
    if (data && n > 0)
        OPENSSL_cleanse(data, (size_t)n);
    BIO_free(bio);
    return err;
}

hc_err hc_key_save_private_ex(const hc_key *key, const char *path, unsigned flags)
{
    if (!key || !path || (flags & ~HC_KEY_SAVE_NO_REPLACE))
        return HC_E_ARG;
    if (!key->priv || key->p11) /* a token's key never leaves it */
        return HC_E_KEY;
    return save_pem(key, true, path, 0600,
                    (flags & HC_KEY_SAVE_NO_REPLACE) ? HC_WRITE_NO_REPLACE : 0);
}

hc_err hc_key_save_private(const hc_key *key, const char *path)
{
    return hc_key_save_private_ex(key, path, 0);
}

hc_err hc_key_save_public_ex(const hc_key *key, const char *path, unsigned flags)
{
    if (!key || !path || (flags & ~HC_KEY_SAVE_NO_REPLACE))
        return HC_E_ARG;
    return save_pem(key, false, path, 0644,
                    (flags & HC_KEY_SAVE_NO_REPLACE) ? HC_WRITE_NO_REPLACE : 0);
}

hc_err hc_key_save_public(const hc_key *key, const char *path)
{
    return hc_key_save_public_ex(key, path, 0);
}

hc_err hc_key_public_pem(const hc_key *key, char *buf, size_t cap, size_t *len)
{
    if (!key || !len || (!buf && cap))
        return HC_E_ARG;
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio) {
        ERR_clear_error();
        return HC_E_NOMEM;
    }
    hc_err err = HC_OK;
    char *data = NULL;
    long n = 0;
    if (PEM_write_bio_PUBKEY(bio, key->pkey) != 1 || (n = BIO_get_mem_data(bio, &data)) <= 0) {
        ERR_clear_error();
        err = HC_E_CRYPTO;
    } else if ((size_t)n >= cap) {
        *len = (size_t)n + 1; /* the capacity needed, NUL included */
        err = HC_E_BUFFER;
    } else {
        memcpy(buf, data, (size_t)n);
        buf[n] = '\0';
        *len = (size_t)n;
    }
    BIO_free(bio);
    return err;
}

hc_err hc_key_kid(const hc_key *key, uint8_t kid[HC_KID_LEN])
{
    if (!key || !kid)
        return HC_E_ARG;
    memcpy(kid, key->kid, HC_KID_LEN);
    return HC_OK;
}

hc_alg hc_key_alg(const hc_key *key)
{
    return key ? key->alg : (hc_alg)0;
}

bool hc_key_is_private(const hc_key *key)
{
    return key && key->priv;
}

void hc_key_free(hc_key *key)
{
    if (!key)
        return;
    /* OpenSSL clears private scalars when the last reference goes */
    EVP_PKEY_CTX_free(key->verify_tmpl);
    EVP_PKEY_free(key->pkey);
    hc_p11_unref(key->p11);
    OPENSSL_cleanse(key, sizeof *key);
    free(key);
}

hc_err hc_key_ref(const hc_key *key, hc_key **out)
{
    if (!key || !out)
        return HC_E_ARG;
    *out = NULL;
    hc_key *k = malloc(sizeof *k);
    if (!k)
        return HC_E_NOMEM;
    if (EVP_PKEY_up_ref(key->pkey) != 1) {
        free(k);
        ERR_clear_error();
        return HC_E_CRYPTO;
    }
    *k = *key;
    k->verify_tmpl = key->verify_tmpl ? EVP_PKEY_CTX_dup(key->verify_tmpl) : NULL;
    atomic_flag_clear(&k->verify_busy); /* the copy may have caught it set */
    ERR_clear_error(); /* a failed dup only costs speed */
    if (k->p11)
        hc_p11_ref(k->p11);
    *out = k;
    return HC_OK;
}

/* ---------------------------------------------------------------- signer */

struct hc_signer {
    hc_key *key;         /* a reference of our own */
    EVP_PKEY_CTX *pctx;  /* ES256, SM2: sign-initialised once, reused per signature */
    EVP_MD_CTX *mdctx;   /* ES256, SM2: hash context; EdDSA: the prepared DigestSign */
    EVP_MD_CTX *tmpl;    /* EdDSA: template copied per signature */
    hc_p11_session *p11; /* a token key: this signer's own session */
};

hc_err hc_signer_new(const hc_key *key, hc_signer **out)
{
    if (!key || !out)
        return HC_E_ARG;
    *out = NULL;
    if (!key->priv)
        return HC_E_KEY;
    hc_signer *s = calloc(1, sizeof *s);
    if (!s)
        return HC_E_NOMEM;
    hc_err err = hc_key_ref(key, &s->key);
    if (err == HC_OK && key->p11)
        err = hc_p11_session_open(key->p11, &s->p11);
    if (err != HC_OK) {
        hc_signer_free(s);
        return err;
    }
    bool ok;
    s->mdctx = EVP_MD_CTX_new();
    if (key->p11) {
        ok = s->mdctx != NULL;
    } else if (key->alg == HC_ALG_ES256 || key->alg == HC_ALG_SM2) {
        s->pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
        ok = s->mdctx && s->pctx && EVP_PKEY_sign_init(s->pctx) == 1;
    } else {
        s->tmpl = EVP_MD_CTX_new();
        ok = s->mdctx && s->tmpl &&
             EVP_DigestSignInit_ex(s->tmpl, NULL, NULL, NULL, NULL, key->pkey, NULL) == 1;
    }
    if (!ok) {
        ERR_clear_error();
        hc_signer_free(s);
        return HC_E_CRYPTO;
    }
    *out = s;
    return HC_OK;
}

/* The digest an ES256 or SM2 signature signs: SHA-256(msg), or SM3(Z || msg). */
static hc_err sign_digest(hc_signer *s, const uint8_t *msg, size_t len, uint8_t md[32])
{
    if (s->key->alg == HC_ALG_SM2)
        return hc_sm2_digest(s->mdctx, s->key->sm2_z, msg, len, md);
    unsigned int mdlen = 0;
    if (EVP_DigestInit_ex2(s->mdctx, hc_sha256_md(), NULL) != 1 ||
        EVP_DigestUpdate(s->mdctx, msg, len) != 1 ||
        EVP_DigestFinal_ex(s->mdctx, md, &mdlen) != 1 || mdlen != 32) {
        ERR_clear_error();
        return HC_E_CRYPTO;
    }
    return HC_OK;
}

/* ES256 and SM2: the digest signed by the prepared context, DER → r||s. */
static hc_err sign_ec(hc_signer *s, const uint8_t *msg, size_t len, uint8_t sig[64])
{
    unsigned char md[32];
    uint8_t der[80];
    size_t derlen = sizeof der;
    hc_err err = sign_digest(s, msg, len, md);
    if (err != HC_OK)
        return err;
    if (EVP_PKEY_sign(s->pctx, der, &derlen, md, 32) != 1 || !hc_sig_der_to_raw(der, derlen, sig)) {
        ERR_clear_error();
        return HC_E_CRYPTO;
    }
    return HC_OK;
}

static hc_err sign_eddsa(hc_signer *s, const uint8_t *msg, size_t len, uint8_t sig[64])
{
    size_t siglen = 64;
    /* a one-shot DigestSign finalises its context: sign with a fresh copy of
     * the prepared one instead of initialising (and fetching) again */
    if (EVP_MD_CTX_copy_ex(s->mdctx, s->tmpl) != 1 ||
        EVP_DigestSign(s->mdctx, sig, &siglen, msg, len) != 1 || siglen != 64) {
        ERR_clear_error();
        return HC_E_CRYPTO;
    }
    return HC_OK;
}

/* A token key: ES256 hashes here and the token signs the digest (CKM_ECDSA);
 * EdDSA gives the token the message (CKM_EDDSA). */
static hc_err sign_token(hc_signer *s, const uint8_t *msg, size_t len, uint8_t sig[64])
{
    if (s->key->alg == HC_ALG_EDDSA)
        return hc_p11_sign(s->p11, msg, len, sig);
    unsigned char md[32];
    hc_err err = sign_digest(s, msg, len, md);
    return err != HC_OK ? err : hc_p11_sign(s->p11, md, 32, sig);
}

hc_err hc_signer_sign(hc_signer *s, const uint8_t *msg, size_t len, uint8_t sig[64])
{
    if (!s || !sig || (!msg && len))
        return HC_E_ARG;
    if (!msg)
        msg = (const uint8_t *)"";
    if (s->p11)
        return sign_token(s, msg, len, sig);
    return s->key->alg == HC_ALG_EDDSA ? sign_eddsa(s, msg, len, sig) : sign_ec(s, msg, len, sig);
}

const hc_key *hc_signer_key(const hc_signer *s)
{
    return s->key;
}

void hc_signer_free(hc_signer *s)
{
    if (s) { /* each part may be missing: a signer freed half made */
        hc_p11_session_close(s->p11);
        EVP_PKEY_CTX_free(s->pctx);
        EVP_MD_CTX_free(s->mdctx);
        EVP_MD_CTX_free(s->tmpl);
        hc_key_free(s->key);
    }
    free(s);
}

/* ---------------------------------------------------------------- verify */

/* 0: does not verify; < 0: r or s out of range, say */
static hc_err verify_digest(EVP_PKEY_CTX *pctx, const uint8_t *der, size_t derlen,
                            const unsigned char md[32])
{
    return EVP_PKEY_verify(pctx, der, derlen, md, 32) == 1 ? HC_OK : HC_E_SIGNATURE;
}

/* ES256 and SM2: hash (the cached SHA-256, or SM3 over Z || msg), then a raw
 * ECDSA/SM2 verify of the digest. Cheaper than EVP_DigestVerify (which
 * fetches the digest by name inside the provider on every init, and for SM2
 * hashes Z again): fewer allocations and a little faster than the bare
 * OpenSSL baseline. The shared key (and its prepared context, duplicated
 * here) is only read; the context we verify with is ours. */
static hc_err verify_ec(const hc_key *key, const uint8_t *msg, size_t len, const uint8_t sig[64])
{
    uint8_t der[72]; /* on the stack */
    size_t derlen = hc_sig_raw_to_der(sig, der);
    if (derlen == 0)
        return HC_E_SIGNATURE; /* r or s is zero: never a valid signature */
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (key->alg == HC_ALG_SM2) {
        if (hc_sm2_digest(NULL, key->sm2_z, msg, len, md) != HC_OK)
            return HC_E_CRYPTO;
    } else if (EVP_Digest(msg, len, md, &mdlen, hc_sha256_md(), NULL) != 1 || mdlen != 32) {
        return HC_E_CRYPTO;
    }
    /* the key's own prepared context if no other thread holds it now (the
     * flag lives in the key's malloc'd memory, never in a const object) */
    atomic_flag *busy = (atomic_flag *)&key->verify_busy;
    if (key->verify_tmpl && !atomic_flag_test_and_set_explicit(busy, memory_order_acquire)) {
        hc_err err = verify_digest(key->verify_tmpl, der, derlen, md);
        atomic_flag_clear_explicit(busy, memory_order_release);
        return err;
    }
    EVP_PKEY_CTX *pctx = key->verify_tmpl ? EVP_PKEY_CTX_dup(key->verify_tmpl)
                                          : EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
    if (!pctx)
        return HC_E_CRYPTO;
    hc_err err = !key->verify_tmpl && EVP_PKEY_verify_init(pctx) != 1
                     ? HC_E_CRYPTO : verify_digest(pctx, der, derlen, md);
    EVP_PKEY_CTX_free(pctx);
    return err;
}

/* EdDSA: one-shot DigestVerify (Ed25519 hashes inside). */
static hc_err verify_eddsa(const hc_key *key, const uint8_t *msg, size_t len,
                           const uint8_t sig[64])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return HC_E_CRYPTO;
    hc_err err;
    if (EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, key->pkey, NULL) != 1)
        err = HC_E_CRYPTO;
    else
        err = EVP_DigestVerify(ctx, sig, 64, msg, len) == 1 ? HC_OK : HC_E_SIGNATURE;
    EVP_MD_CTX_free(ctx);
    return err;
}

hc_err hc_crypto_verify(const hc_key *key, const uint8_t *msg, size_t len, const uint8_t sig[64])
{
    if (!key || !sig || (!msg && len))
        return HC_E_ARG;
    if (!msg)
        msg = (const uint8_t *)"";
    /* the key's own algorithm only: an ES256 key given an Ed25519 or SM2
     * signature (or the reverse) simply does not verify */
    hc_err err = key->alg == HC_ALG_EDDSA ? verify_eddsa(key, msg, len, sig)
                                          : verify_ec(key, msg, len, sig);
    if (err != HC_OK)
        ERR_clear_error();
    return err;
}

/* key_file.c — keys as PEM text and files: private keys in PKCS#8 (also
 * encrypted, with a passphrase), public keys as SubjectPublicKeyInfo; files
 * read with their mode checked and written atomically. A "pkcs11:" path is a
 * key on a token and goes to the token backend (pkcs11.c). No function here
 * ever prints key material.
 *
 * Shape of every OpenSSL call site: one function, one exit that frees what it
 * made, and ERR_clear_error() on failure so a stale error never leaks into an
 * unrelated caller's ERR_get_error(). */
#include "key_impl.h"
#include "sm2_impl.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

/* No PEM key we accept comes near this; it bounds the BIO's int length too. */
#define KEY_FILE_MAX (64u * 1024u)

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

hc_err hc_key_load_pem_pass(const char *pem, size_t len, const void *pass, size_t passlen,
                            hc_key **out)
{
    if (!out || !pem || (!pass && passlen) || passlen > HC_KEY_PASS_MAX)
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
    if (!key->priv || key->token) /* a token's key never leaves it */
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


/* test_crypto.c — keys, signatures, HMAC (crypto.c).
 *
 * The kids below were computed by the openssl command-line tool, not by the
 * library (tests/keys/README.md):
 *   openssl pkey -pubin -in X.pub.pem -outform DER | openssl dgst -sha256
 * and ES256 signatures are checked against OpenSSL's own DER verifier. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common.h"
#include "crypto_impl.h"
#include "spki_impl.h"
#include "internal.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/pem.h>

static char tmpdir[256];

/* A file of tests/keys/ in memory. */
static char *read_key_text(const char *name, size_t *len)
{
    char *data = th_read_key(name, len);
    if (!data)
        fail_msg("cannot read tests/keys/%s", name);
    return data;
}

static hc_err load_key(const char *name, hc_key **out)
{
    size_t len;
    char *pem = read_key_text(name, &len);
    hc_err err = hc_key_load_pem(pem, len, out);
    free(pem);
    return err;
}

static hc_key *must_load(const char *name)
{
    hc_key *k = NULL;
    hc_err err = load_key(name, &k);
    if (err != HC_OK)
        fail_msg("%s: %s", name, hc_err_name(err));
    return k;
}

static const char *tmp_path(const char *name)
{
    static char path[4][512];
    static int slot;
    slot = (slot + 1) % 4;
    snprintf(path[slot], sizeof path[slot], "%s/%s", tmpdir, name);
    return path[slot];
}

/* Writes text to a temporary file with mode; returns its path. */
static const char *write_tmp(const char *name, const char *text, size_t len, mode_t mode)
{
    const char *p = tmp_path(name);
    unlink(p);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    assert_int_equal(chmod(p, mode), 0);
    return p;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

static const uint8_t MSG[] = "Signature1 over some protected header and payload";

/* ------------------------------------------------------------------ kids */

static void kids_match_the_openssl_tool(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        const char *kid;
        hc_alg alg;
        bool priv;
    } cases[] = {
        {"es256.pem", "e65e247f468dc0bf", HC_ALG_ES256, true},
        {"es256.pub.pem", "e65e247f468dc0bf", HC_ALG_ES256, false},
        {"es256-b.pem", "b0bccce43b7a2b72", HC_ALG_ES256, true},
        {"es256-b.pub.pem", "b0bccce43b7a2b72", HC_ALG_ES256, false},
        {"ed25519.pem", "0fb7b8bbdc82e5c4", HC_ALG_EDDSA, true},
        {"ed25519.pub.pem", "0fb7b8bbdc82e5c4", HC_ALG_EDDSA, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hc_key *k = must_load(cases[i].file);
        uint8_t kid[HC_KID_LEN];
        char h[2 * HC_KID_LEN + 1];
        assert_int_equal(hc_key_kid(k, kid), HC_OK);
        hex(kid, HC_KID_LEN, h);
        if (strcmp(h, cases[i].kid) != 0)
            fail_msg("%s: kid %s, openssl says %s", cases[i].file, h, cases[i].kid);
        assert_int_equal(hc_key_alg(k), cases[i].alg);
        assert_int_equal(hc_key_is_private(k), cases[i].priv);
        assert_int_equal(ERR_peek_error(), 0); /* a success leaves no OpenSSL error */
        hc_key_free(k);
    }
}

/* The "EC PRIVATE KEY" (SEC1) form is read too, and gives the same key. */
static void sec1_private_key_loads(void **state)
{
    (void)state;
    hc_key *k = must_load("es256.pem");
    BIO *bio = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PrivateKey_traditional(bio, k->pkey, NULL, NULL, 0, NULL,
                                                          NULL), 1);
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    assert_non_null(strstr(data, "-----BEGIN EC PRIVATE KEY-----"));
    hc_key *k2 = NULL;
    assert_int_equal(hc_key_load_pem(data, (size_t)n, &k2), HC_OK);
    assert_memory_equal(k2->kid, k->kid, HC_KID_LEN);
    assert_true(hc_key_is_private(k2));
    BIO_free(bio);
    hc_key_free(k);
    hc_key_free(k2);
}

/* ----------------------------------------------------------- bad keys */

static void refused_keys_are_invalid_key(void **state)
{
    (void)state;
    const char *files[] = {"truncated.pem", "p384.pub.pem", "rsa.pub.pem"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        hc_key *k = (hc_key *)1;
        hc_err err = load_key(files[i], &k);
        if (err != HC_E_KEY)
            fail_msg("%s: %s, want invalid_key", files[i], hc_err_name(err));
        assert_null(k);
        assert_int_equal(ERR_peek_error(), 0); /* no stale OpenSSL error left behind */
    }
    /* the same through a file (mode 0600, so only the content is at fault) */
    size_t len;
    char *enc = read_key_text("encrypted.pem", &len);
    hc_key *k = NULL;
    assert_int_equal(hc_key_load_file(write_tmp("enc.pem", enc, len, 0600), &k), HC_E_KEY_ENCRYPTED);
    free(enc);

    const char *texts[] = {
        "", "garbage", "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        assert_int_equal(hc_key_load_pem(texts[i], strlen(texts[i]), &k), HC_E_KEY);
        assert_int_equal(ERR_peek_error(), 0);
    }

    /* X25519 is a 25519 key but not a signing key */
    EVP_PKEY *x = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    assert_non_null(x);
    BIO *bio = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PUBKEY(bio, x), 1);
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    assert_int_equal(hc_key_load_pem(data, (size_t)n, &k), HC_E_KEY);
    BIO_free(bio);
    EVP_PKEY_free(x);

    assert_int_equal(hc_key_load_pem(NULL, 0, &k), HC_E_ARG);
    assert_int_equal(hc_key_load_pem("x", 1, NULL), HC_E_ARG);
}

static void load_file_errors(void **state)
{
    (void)state;
    hc_key *k = NULL;
    assert_int_equal(hc_key_load_file(tmp_path("does-not-exist.pem"), &k), HC_E_IO);
    assert_int_equal(hc_key_load_file(tmpdir, &k), HC_E_IO);
    size_t big = 64 * 1024 + 1;
    char *junk = malloc(big);
    memset(junk, 'A', big);
    assert_int_equal(hc_key_load_file(write_tmp("big.pem", junk, big, 0600), &k), HC_E_LIMIT);
    /* exactly 64 KiB is read (and is not a key) */
    assert_int_equal(hc_key_load_file(write_tmp("big.pem", junk, big - 1, 0600), &k), HC_E_KEY);
    free(junk);
    assert_null(k);
}

/* ----------------------------------------------------------- files */

/* ----------------------------------------------------- encrypted keys */

/* An encrypted key says so (HC_E_KEY_ENCRYPTED), without a passphrase and
 * with a wrong one, and loads with the right one: PKCS#8 (encrypted.pem,
 * "healthcode") and the legacy "Proc-Type: 4,ENCRYPTED" EC form. */
static void encrypted_keys_take_their_passphrase(void **state)
{
    (void)state;
    static const char pass[] = "healthcode";
    size_t len;
    char *enc = read_key_text("encrypted.pem", &len);
    hc_key *k = (hc_key *)1;
    assert_int_equal(hc_key_load_pem(enc, len, &k), HC_E_KEY_ENCRYPTED);
    assert_null(k);
    assert_int_equal(hc_key_load_pem_pass(enc, len, NULL, 0, &k), HC_E_KEY_ENCRYPTED);
    assert_int_equal(hc_key_load_pem_pass(enc, len, "wrong", 5, &k), HC_E_KEY_ENCRYPTED);
    assert_int_equal(hc_key_load_pem_pass(enc, len, pass, 9, &k), HC_E_KEY_ENCRYPTED); /* "healthcod" */
    assert_null(k);
    assert_int_equal(ERR_peek_error(), 0);
    assert_int_equal(hc_key_load_pem_pass(enc, len, pass, 10, &k), HC_OK);
    assert_true(hc_key_is_private(k));
    assert_int_equal(hc_key_alg(k), HC_ALG_ES256);
    assert_int_equal(ERR_peek_error(), 0);
    /* it signs, and the signature verifies with its public half */
    hc_signer *s = NULL;
    uint8_t sig[64];
    assert_int_equal(hc_signer_new(k, &s), HC_OK);
    assert_int_equal(hc_signer_sign(s, (const uint8_t *)"m", 1, sig), HC_OK);
    assert_int_equal(hc_crypto_verify(k, (const uint8_t *)"m", 1, sig), HC_OK);
    hc_signer_free(s);
    /* through a file: mode 0600 loads; readable by others is refused first */
    hc_key *f = NULL;
    const char *p = write_tmp("enc.pem", enc, len, 0600);
    assert_int_equal(hc_key_load_file_pass(p, pass, 10, &f), HC_OK);
    assert_memory_equal(f->kid, k->kid, HC_KID_LEN);
    hc_key_free(f);
    f = (hc_key *)1;
    assert_int_equal(hc_key_load_file_pass(p, "nope", 4, &f), HC_E_KEY_ENCRYPTED);
    assert_null(f);
    assert_int_equal(chmod(p, 0644), 0);
    assert_int_equal(hc_key_load_file_pass(p, pass, 10, &f), HC_E_KEY_PERMS);
    /* bounds: a passphrase over HC_KEY_PASS_MAX, or NULL with a length */
    static char longpass[HC_KEY_PASS_MAX + 1];
    memset(longpass, 'a', sizeof longpass);
    assert_int_equal(hc_key_load_pem_pass(enc, len, longpass, sizeof longpass, &f), HC_E_ARG);
    assert_int_equal(hc_key_load_pem_pass(enc, len, NULL, 3, &f), HC_E_ARG);
    free(enc);

    /* the legacy form of es256.pem, encrypted with AES-256-CBC */
    hc_key *es = must_load("es256.pem");
    BIO *bio = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PrivateKey_traditional(bio, es->pkey, EVP_aes_256_cbc(),
                                                          (unsigned char *)pass, 10, NULL, NULL), 1);
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    assert_non_null(strstr(data, "Proc-Type: 4,ENCRYPTED"));
    assert_int_equal(hc_key_load_pem(data, (size_t)n, &f), HC_E_KEY_ENCRYPTED);
    assert_int_equal(hc_key_load_pem_pass(data, (size_t)n, "x", 1, &f), HC_E_KEY_ENCRYPTED);
    assert_int_equal(hc_key_load_pem_pass(data, (size_t)n, pass, 10, &f), HC_OK);
    assert_memory_equal(f->kid, es->kid, HC_KID_LEN);
    hc_key_free(f);
    BIO_free(bio);
    /* a key that is not encrypted loads whatever passphrase comes with it */
    enc = read_key_text("ed25519.pem", &len);
    assert_int_equal(hc_key_load_pem_pass(enc, len, pass, 10, &f), HC_OK);
    hc_key_free(f);
    free(enc);
    hc_key_free(es);
    hc_key_free(k);
    assert_int_equal(ERR_peek_error(), 0);
}

/* HC_KEY_SAVE_NO_REPLACE keeps whatever is at the path; no save renames
 * over a FIFO or device node. */
static void save_never_replaces_what_it_must_not(void **state)
{
    (void)state;
    hc_key *k = NULL;
    assert_int_equal(hc_key_generate(HC_ALG_ES256, &k), HC_OK);
    const char *p = write_tmp("x.pem", "another issuer's key\n", 21, 0600);
    assert_int_equal(hc_key_save_private_ex(k, p, HC_KEY_SAVE_NO_REPLACE), HC_E_IO);
    assert_int_equal(hc_key_save_public_ex(k, p, HC_KEY_SAVE_NO_REPLACE), HC_E_IO);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(hc_read_file(p, 1 << 16, &text, &len), HC_OK);
    assert_string_equal(text, "another issuer's key\n");
    free(text);
    assert_int_equal(hc_key_save_private_ex(k, p, 2), HC_E_ARG); /* an unknown flag */
    unlink(p);
    assert_int_equal(hc_key_save_private_ex(k, p, HC_KEY_SAVE_NO_REPLACE), HC_OK);
    hc_key *back = NULL;
    assert_int_equal(hc_key_load_file(p, &back), HC_OK);
    assert_memory_equal(back->kid, k->kid, HC_KID_LEN);
    hc_key_free(back);
    /* nothing left beside it (the temporary file is gone) */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls %s | grep -q tmp", tmpdir);
    assert_int_not_equal(system(cmd), 0);
    /* a FIFO stays a FIFO, with or without the flag */
    const char *fifo = tmp_path("nope.pem");
    unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(hc_key_save_private(k, fifo), HC_E_IO);
    assert_int_equal(hc_key_save_public(k, fifo), HC_E_IO);
    struct stat st;
    assert_int_equal(lstat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    unlink(fifo);
    unlink(p);
    hc_key_free(k);
}

static void save_private_is_0600_and_reloads(void **state)
{
    (void)state;
    const hc_alg algs[] = {HC_ALG_ES256, HC_ALG_EDDSA};
    for (size_t i = 0; i < 2; i++) {
        hc_key *k = NULL;
        assert_int_equal(hc_key_generate(algs[i], &k), HC_OK);
        const char *p = tmp_path("saved.pem");
        assert_int_equal(hc_key_save_private(k, p), HC_OK);
        struct stat st;
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);

        char *text = NULL;
        size_t len = 0;
        assert_int_equal(hc_read_file(p, 1 << 16, &text, &len), HC_OK);
        assert_non_null(strstr(text, "-----BEGIN PRIVATE KEY-----")); /* PKCS#8 */
        free(text);

        hc_key *back = NULL;
        assert_int_equal(hc_key_load_file(p, &back), HC_OK);
        assert_true(hc_key_is_private(back));
        assert_int_equal(hc_key_alg(back), algs[i]);
        assert_memory_equal(back->kid, k->kid, HC_KID_LEN);
        hc_key_free(back);

        /* readable by group, or by others: refused */
        const mode_t bad[] = {0640, 0604, 0644, 0660};
        for (size_t j = 0; j < sizeof bad / sizeof bad[0]; j++) {
            assert_int_equal(chmod(p, bad[j]), 0);
            back = (hc_key *)1;
            hc_err err = hc_key_load_file(p, &back);
            if (err != HC_E_KEY_PERMS)
                fail_msg("mode %o: %s, want key_permissions", (unsigned)bad[j], hc_err_name(err));
            assert_null(back);
        }
        assert_int_equal(chmod(p, 0400), 0);
        assert_int_equal(hc_key_load_file(p, &back), HC_OK);
        hc_key_free(back);

        /* the public half: 0644, and any mode loads */
        const char *pp = tmp_path("saved.pub.pem");
        assert_int_equal(hc_key_save_public(k, pp), HC_OK);
        assert_int_equal(stat(pp, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0644);
        assert_int_equal(chmod(pp, 0666), 0);
        assert_int_equal(hc_key_load_file(pp, &back), HC_OK);
        assert_false(hc_key_is_private(back));
        assert_memory_equal(back->kid, k->kid, HC_KID_LEN);
        /* a public key has no private half to save */
        assert_int_equal(hc_key_save_private(back, tmp_path("nope.pem")), HC_E_KEY);
        assert_int_equal(access(tmp_path("nope.pem"), F_OK), -1);
        hc_key_free(back);
        hc_key_free(k);
    }
}

static void committed_private_key_with_0600_loads(void **state)
{
    (void)state;
    size_t len;
    char *pem = read_key_text("ed25519.pem", &len);
    hc_key *k = NULL;
    assert_int_equal(hc_key_load_file(write_tmp("ed.pem", pem, len, 0640), &k), HC_E_KEY_PERMS);
    assert_int_equal(hc_key_load_file(write_tmp("ed.pem", pem, len, 0600), &k), HC_OK);
    assert_true(hc_key_is_private(k));
    hc_key_free(k);
    free(pem);
}

static void public_pem_sizes_and_text(void **state)
{
    (void)state;
    size_t flen;
    char *file = read_key_text("es256.pub.pem", &flen);
    hc_key *k = must_load("es256.pem");
    size_t len = 0;
    assert_int_equal(hc_key_public_pem(k, NULL, 0, &len), HC_E_BUFFER);
    assert_int_equal(len, flen + 1); /* the capacity needed, NUL included */
    char *buf = malloc(flen + 1);
    size_t len2 = 0;
    assert_int_equal(hc_key_public_pem(k, buf, flen, &len2), HC_E_BUFFER);
    assert_int_equal(len2, flen + 1);
    assert_int_equal(hc_key_public_pem(k, buf, flen + 1, &len2), HC_OK);
    assert_int_equal(len2, flen);
    assert_string_equal(buf, file); /* the same text the openssl tool wrote */
    free(buf);
    free(file);
    hc_key_free(k);
}

/* ------------------------------------------------------ sign and verify */

static void sign_verify_round_trip(void **state)
{
    (void)state;
    const char *files[] = {"es256.pem", "ed25519.pem"};
    const char *pubs[] = {"es256.pub.pem", "ed25519.pub.pem"};
    for (size_t i = 0; i < 2; i++) {
        hc_key *k = must_load(files[i]);
        hc_key *pub = must_load(pubs[i]);
        hc_signer *s = NULL;
        assert_int_equal(hc_signer_new(k, &s), HC_OK);
        uint8_t sig[64];
        for (int round = 0; round < 3; round++) { /* the prepared context is reusable */
            assert_int_equal(hc_signer_sign(s, MSG, sizeof MSG, sig), HC_OK);
            assert_int_equal(hc_crypto_verify(pub, MSG, sizeof MSG, sig), HC_OK);
            assert_int_equal(hc_crypto_verify(k, MSG, sizeof MSG, sig), HC_OK);
        }
        /* a flipped message bit, and a flipped signature bit anywhere */
        uint8_t msg[sizeof MSG];
        memcpy(msg, MSG, sizeof msg);
        msg[7] ^= 0x01;
        assert_int_equal(hc_crypto_verify(pub, msg, sizeof msg, sig), HC_E_SIGNATURE);
        assert_int_equal(hc_crypto_verify(pub, MSG, sizeof MSG - 1, sig), HC_E_SIGNATURE);
        for (size_t b = 0; b < 64; b += 7) {
            sig[b] ^= 0x10;
            assert_int_equal(hc_crypto_verify(pub, MSG, sizeof MSG, sig), HC_E_SIGNATURE);
            sig[b] ^= 0x10;
        }
        assert_int_equal(ERR_peek_error(), 0);
        /* an empty message signs too */
        assert_int_equal(hc_signer_sign(s, NULL, 0, sig), HC_OK);
        assert_int_equal(hc_crypto_verify(pub, NULL, 0, sig), HC_OK);
        hc_signer_free(s);
        /* a public key cannot make a signer */
        assert_int_equal(hc_signer_new(pub, &s), HC_E_KEY);
        assert_null(s);
        hc_key_free(pub);
        hc_key_free(k);
    }
    /* Ed25519 is deterministic: RFC 8032 signing gives the same bytes each time */
    hc_key *ed = must_load("ed25519.pem");
    hc_signer *s = NULL;
    uint8_t a[64], b[64];
    assert_int_equal(hc_signer_new(ed, &s), HC_OK);
    assert_int_equal(hc_signer_sign(s, MSG, sizeof MSG, a), HC_OK);
    assert_int_equal(hc_signer_sign(s, MSG, sizeof MSG, b), HC_OK);
    assert_memory_equal(a, b, 64);
    hc_signer_free(s);
    hc_key_free(ed);
    hc_signer_free(NULL);
    hc_key_free(NULL);
}

/* r||s → DER with OpenSSL's own encoder (independent of ours). */
static int raw_to_der_openssl(const uint8_t sig[64], unsigned char **der)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
    assert_int_equal(ECDSA_SIG_set0(es, r, s), 1);
    *der = NULL;
    int n = i2d_ECDSA_SIG(es, der);
    ECDSA_SIG_free(es);
    return n;
}

static bool openssl_verify_der(EVP_PKEY *pkey, const unsigned char *der, size_t dlen,
                               const uint8_t *msg, size_t len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pkey) == 1 &&
              EVP_DigestVerify(ctx, der, dlen, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

/* Many signatures, so r and s with a leading zero byte and with the high bit
 * set both occur; every one must agree with OpenSSL both ways. */
static void es256_agrees_with_openssl_der(void **state)
{
    (void)state;
    hc_key *k = must_load("es256.pem");
    hc_signer *s = NULL;
    assert_int_equal(hc_signer_new(k, &s), HC_OK);
    int high = 0;
    for (int i = 0; i < 200; i++) {
        uint8_t msg[4] = {(uint8_t)i, 1, 2, 3};
        uint8_t sig[64];
        assert_int_equal(hc_signer_sign(s, msg, sizeof msg, sig), HC_OK);
        high += (sig[0] & 0x80) != 0;
        unsigned char *der = NULL;
        int n = raw_to_der_openssl(sig, &der);
        assert_true(n > 0);
        assert_true(openssl_verify_der(k->pkey, der, (size_t)n, msg, sizeof msg));
        OPENSSL_free(der);

        /* and the other way: OpenSSL signs (DER), we verify its r||s */
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        unsigned char d2[80];
        size_t d2len = sizeof d2;
        assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k->pkey), 1);
        assert_int_equal(EVP_DigestSign(ctx, d2, &d2len, msg, sizeof msg), 1);
        EVP_MD_CTX_free(ctx);
        const unsigned char *p = d2;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)d2len);
        assert_non_null(es);
        uint8_t raw[64];
        BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32);
        ECDSA_SIG_free(es);
        assert_int_equal(hc_crypto_verify(k, msg, sizeof msg, raw), HC_OK);
    }
    assert_true(high > 50 && high < 150); /* both shapes were exercised */
    hc_signer_free(s);
    hc_key_free(k);
}

static void es256_zero_or_out_of_range_r_s_rejected(void **state)
{
    (void)state;
    hc_key *k = must_load("es256.pem");
    hc_signer *s = NULL;
    uint8_t sig[64], bad[64];
    assert_int_equal(hc_signer_new(k, &s), HC_OK);
    assert_int_equal(hc_signer_sign(s, MSG, sizeof MSG, sig), HC_OK);
    memcpy(bad, sig, 64);
    memset(bad, 0, 32); /* r = 0 */
    assert_int_equal(hc_crypto_verify(k, MSG, sizeof MSG, bad), HC_E_SIGNATURE);
    memcpy(bad, sig, 64);
    memset(bad + 32, 0, 32); /* s = 0 */
    assert_int_equal(hc_crypto_verify(k, MSG, sizeof MSG, bad), HC_E_SIGNATURE);
    memset(bad, 0, 64);
    assert_int_equal(hc_crypto_verify(k, MSG, sizeof MSG, bad), HC_E_SIGNATURE);
    memset(bad, 0xff, 64); /* r, s ≥ n */
    assert_int_equal(hc_crypto_verify(k, MSG, sizeof MSG, bad), HC_E_SIGNATURE);
    /* s replaced by n - s is also valid ECDSA (malleability); r + n is not */
    static const uint8_t n_p256[32] = {
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
    memcpy(bad, sig, 64);
    memcpy(bad, n_p256, 32); /* r = n */
    assert_int_equal(hc_crypto_verify(k, MSG, sizeof MSG, bad), HC_E_SIGNATURE);
    assert_int_equal(ERR_peek_error(), 0);
    hc_signer_free(s);
    hc_key_free(k);
}

static void an_alg_never_verifies_the_other(void **state)
{
    (void)state;
    hc_key *es = must_load("es256.pem"), *ed = must_load("ed25519.pem");
    hc_signer *ses = NULL, *sed = NULL;
    uint8_t sig_es[64], sig_ed[64];
    assert_int_equal(hc_signer_new(es, &ses), HC_OK);
    assert_int_equal(hc_signer_new(ed, &sed), HC_OK);
    assert_int_equal(hc_signer_sign(ses, MSG, sizeof MSG, sig_es), HC_OK);
    assert_int_equal(hc_signer_sign(sed, MSG, sizeof MSG, sig_ed), HC_OK);
    assert_int_equal(hc_crypto_verify(es, MSG, sizeof MSG, sig_ed), HC_E_SIGNATURE);
    assert_int_equal(hc_crypto_verify(ed, MSG, sizeof MSG, sig_es), HC_E_SIGNATURE);
    /* nor does another key of the same alg */
    hc_key *b = must_load("es256-b.pub.pem");
    assert_int_equal(hc_crypto_verify(b, MSG, sizeof MSG, sig_es), HC_E_SIGNATURE);
    hc_key_free(b);
    hc_signer_free(ses);
    hc_signer_free(sed);
    hc_key_free(es);
    hc_key_free(ed);
}

/* The SubjectPublicKeyInfo of each key type, written straight into the
 * caller's buffer: its exact length, HC_E_BUFFER with that length when the
 * buffer is short, and the same bytes OpenSSL's own encoder gives. */
static void spki_lengths_and_short_buffer(void **state)
{
    (void)state;
    const struct { hc_alg alg; size_t len; } cases[] = {
        {HC_ALG_ES256, 91}, {HC_ALG_EDDSA, 44}, {HC_ALG_SM2, 91}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hc_key *k = NULL;
        assert_int_equal(hc_key_generate(cases[i].alg, &k), HC_OK);
        uint8_t buf[128];
        size_t len = 0;
        assert_int_equal(hc_key_spki(k, buf, 10, &len), HC_E_BUFFER);
        assert_int_equal(len, cases[i].len);
        assert_int_equal(hc_key_spki(k, buf, sizeof buf, &len), HC_OK);
        assert_int_equal(len, cases[i].len);
        unsigned char *der = NULL;
        size_t n = 0;
        assert_int_equal(hc_pkey_spki_der(k->pkey, &der, &n), HC_OK);
        assert_int_equal(n, len);
        assert_memory_equal(der, buf, n);
        OPENSSL_free(der);
        hc_key_free(k);
    }
}

static void generate_copy_and_ref(void **state)
{
    (void)state;
    hc_key *k = (hc_key *)1;
    assert_int_equal(hc_key_generate((hc_alg)-35, &k), HC_E_ARG);
    assert_int_equal(hc_key_generate(HC_ALG_ES256, NULL), HC_E_ARG);
    const hc_alg algs[] = {HC_ALG_ES256, HC_ALG_EDDSA};
    for (size_t i = 0; i < 2; i++) {
        hc_key *a = NULL, *b = NULL;
        assert_int_equal(hc_key_generate(algs[i], &a), HC_OK);
        assert_int_equal(hc_key_generate(algs[i], &b), HC_OK);
        assert_int_equal(hc_key_alg(a), algs[i]);
        assert_true(hc_key_is_private(a));
        assert_memory_not_equal(a->kid, b->kid, HC_KID_LEN);

        hc_key *pub = NULL, *ref = NULL;
        assert_int_equal(hc_key_public_copy(a, &pub), HC_OK);
        assert_int_equal(hc_key_ref(a, &ref), HC_OK);
        assert_false(hc_key_is_private(pub));
        assert_true(hc_key_is_private(ref));
        assert_memory_equal(pub->kid, a->kid, HC_KID_LEN);
        /* the copy really has no private half: OpenSSL cannot write one */
        assert_int_equal(hc_key_save_private(pub, tmp_path("x.pem")), HC_E_KEY);
        BIO *bio = BIO_new(BIO_s_mem());
        assert_int_equal(PEM_write_bio_PrivateKey(bio, pub->pkey, NULL, NULL, 0, NULL, NULL), 0);
        BIO_free(bio);
        ERR_clear_error();

        hc_signer *s = NULL;
        uint8_t sig[64];
        assert_int_equal(hc_signer_new(ref, &s), HC_OK);
        hc_key_free(a); /* the signer and the copies hold their own references */
        assert_int_equal(hc_signer_sign(s, MSG, sizeof MSG, sig), HC_OK);
        assert_int_equal(hc_crypto_verify(pub, MSG, sizeof MSG, sig), HC_OK);
        assert_int_equal(hc_crypto_verify(b, MSG, sizeof MSG, sig), HC_E_SIGNATURE);
        hc_signer_free(s);
        hc_key_free(ref);
        hc_key_free(pub);
        hc_key_free(b);
    }
}

/* Many threads verify with one shared key at once. */
typedef struct {
    const hc_key *key;
    const uint8_t *sig;
    int failures;
} verify_job;

static void *verify_many(void *arg)
{
    verify_job *j = arg;
    uint8_t bad[64];
    memcpy(bad, j->sig, 64);
    bad[40] ^= 1;
    for (int i = 0; i < 100; i++) {
        j->failures += hc_crypto_verify(j->key, MSG, sizeof MSG, j->sig) != HC_OK;
        j->failures += hc_crypto_verify(j->key, MSG, sizeof MSG, bad) != HC_E_SIGNATURE;
    }
    return NULL;
}

static void shared_key_verifies_in_threads(void **state)
{
    (void)state;
    const char *files[] = {"es256.pem", "ed25519.pem"};
    for (size_t a = 0; a < 2; a++) {
        hc_key *priv = must_load(files[a]), *k = NULL;
        hc_signer *s = NULL;
        uint8_t sig[64];
        assert_int_equal(hc_signer_new(priv, &s), HC_OK);
        assert_int_equal(hc_signer_sign(s, MSG, sizeof MSG, sig), HC_OK);
        /* the trust store's kind of key, never used before: first uses race */
        assert_int_equal(hc_key_public_copy(priv, &k), HC_OK);
        hc_key_free(priv);
        enum { T = 8 };
        pthread_t th[T];
        verify_job jobs[T];
        for (int i = 0; i < T; i++) {
            jobs[i] = (verify_job){k, sig, 0};
            assert_int_equal(pthread_create(&th[i], NULL, verify_many, &jobs[i]), 0);
        }
        int failures = 0;
        for (int i = 0; i < T; i++) {
            pthread_join(th[i], NULL);
            failures += jobs[i].failures;
        }
        assert_int_equal(failures, 0);
        hc_signer_free(s);
        hc_key_free(k);
    }
}

/* ------------------------------------------------------------ HMAC, RNG */

static void hmac_rfc4231_case_2(void **state)
{
    (void)state;
    static const uint8_t want[32] = {
        0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
        0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};
    const char *key = "Jefe", *data = "what do ya want for nothing?";
    uint8_t out[32];
    assert_int_equal(hc_crypto_hmac_sha256((const uint8_t *)key, 4, (const uint8_t *)data,
                                           strlen(data), out), HC_OK);
    assert_memory_equal(out, want, 32);
    assert_int_equal(hc_crypto_hmac_sha256(NULL, 4, (const uint8_t *)data, 1, out), HC_E_ARG);
}

static void random_bytes_differ(void **state)
{
    (void)state;
    uint8_t a[32], b[32], zero[32] = {0};
    assert_int_equal(hc_crypto_random(a, sizeof a), HC_OK);
    assert_int_equal(hc_crypto_random(b, sizeof b), HC_OK);
    assert_memory_not_equal(a, b, 32);
    assert_memory_not_equal(a, zero, 32);
    assert_int_equal(hc_crypto_random(NULL, 1), HC_E_ARG);
    assert_int_equal(hc_crypto_random(NULL, 0), HC_OK);
}

static int setup(void **state)
{
    (void)state;
    return th_tmpdir(tmpdir, sizeof tmpdir, "hc_test_crypto");
}

static int teardown(void **state)
{
    (void)state;
    const char *names[] = {"enc.pem", "big.pem", "saved.pem", "saved.pub.pem", "ed.pem",
                           "nope.pem", "x.pem"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        unlink(tmp_path(names[i]));
    return rmdir(tmpdir);
}

int main(void)
{
    /* an encrypted key must fail, never prompt: there is no one to answer */
    close(STDIN_FILENO);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kids_match_the_openssl_tool),
        cmocka_unit_test(sec1_private_key_loads),
        cmocka_unit_test(refused_keys_are_invalid_key),
        cmocka_unit_test(load_file_errors),
        cmocka_unit_test(encrypted_keys_take_their_passphrase),
        cmocka_unit_test(save_never_replaces_what_it_must_not),
        cmocka_unit_test(save_private_is_0600_and_reloads),
        cmocka_unit_test(committed_private_key_with_0600_loads),
        cmocka_unit_test(public_pem_sizes_and_text),
        cmocka_unit_test(sign_verify_round_trip),
        cmocka_unit_test(es256_agrees_with_openssl_der),
        cmocka_unit_test(es256_zero_or_out_of_range_r_s_rejected),
        cmocka_unit_test(an_alg_never_verifies_the_other),
        cmocka_unit_test(spki_lengths_and_short_buffer),
        cmocka_unit_test(generate_copy_and_ref),
        cmocka_unit_test(shared_key_verifies_in_threads),
        cmocka_unit_test(hmac_rfc4231_case_2),
        cmocka_unit_test(random_bytes_differ),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

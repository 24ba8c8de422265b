/*
 * engine_compare.c — the measurement behind pkcs11.c's choice (issue 13):
 * signing with a SoftHSM2 key through libp11's OpenSSL ENGINE
 * (libengine-pkcs11-openssl, deprecated ENGINE API) against our direct
 * PKCS#11 signer (p11-kit, one session a signer), same token, same key, same
 * run; and whether libp11 loads an Ed25519 object at all.
 *
 * Not built by meson (it needs the deprecated ENGINE API and an extra
 * package). By hand, from the source root after `ninja -C build`:
 *   apt-get install -y libengine-pkcs11-openssl softhsm2
 *   cc -O2 -DOPENSSL_API_COMPAT=10101 -Iinclude -Ilibhealthcode -Ibuild/include \
 *      bench/engine_compare.c build/libhealthcode/libhealthcode.a -o /tmp/engine_compare \
 *      $(pkg-config --libs openssl libcbor jansson zlib libqrencode libpng zbar p11-kit-1) -lpthread -lm
 *   /tmp/engine_compare [seconds]
 */
#include "crypto_impl.h"

#include <openssl/engine.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SOFTHSM "/usr/lib/softhsm/libsofthsm2.so"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *m)
{
    fprintf(stderr, "engine_compare: %s\n", m);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static double rate_engine(EVP_PKEY *k, double secs)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k, NULL);
    if (!c || EVP_PKEY_sign_init(c) != 1)
        die("engine sign_init");
    uint8_t md[32] = {1}, sig[80];
    long n = 0;
    double t0 = now(), t;
    do {
        for (int i = 0; i < 16; i++) {
            size_t sl = sizeof sig;
            if (EVP_PKEY_sign(c, sig, &sl, md, 32) != 1)
                die("engine sign");
        }
        n += 16;
    } while ((t = now() - t0) < secs);
    EVP_PKEY_CTX_free(c);
    return n / t;
}

static double rate_ours(const hc_key *k, double secs)
{
    hc_signer *s = NULL;
    if (hc_signer_new(k, &s) != HC_OK)
        die("hc_signer_new");
    uint8_t msg[200] = {1}, sig[64];
    long n = 0;
    double t0 = now(), t;
    do {
        for (int i = 0; i < 16; i++)
            if (hc_signer_sign(s, msg, sizeof msg, sig) != HC_OK)
                die("hc_signer_sign");
        n += 16;
    } while ((t = now() - t0) < secs);
    hc_signer_free(s);
    return n / t;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 1.0;
    char dir[] = "/tmp/hc_engine_cmp.XXXXXX", cmd[1024], uri[1024], path[512];
    if (!mkdtemp(dir))
        die("mkdtemp");
    snprintf(path, sizeof path, "%s/softhsm2.conf", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n", dir);
    fclose(f);
    setenv("SOFTHSM2_CONF", path, 1);
    snprintf(cmd, sizeof cmd, "softhsm2-util --init-token --free --label cmp --so-pin 87654321 --pin 123456 "
             ">/dev/null && printf 123456 > %s/pin && chmod 600 %s/pin", dir, dir);
    if (system(cmd) != 0)
        die("softhsm2-util");
    hc_key *es = NULL, *ed = NULL;
    snprintf(uri, sizeof uri, "pkcs11:token=cmp;object=es?module-path=%s&pin-source=file:%s/pin", SOFTHSM, dir);
    if (hc_key_generate_pkcs11(HC_ALG_ES256, uri, &es) != HC_OK)
        die("generate es");

    ENGINE_load_builtin_engines();
    ENGINE *e = ENGINE_by_id("pkcs11");
    if (!e || ENGINE_ctrl_cmd_string(e, "MODULE_PATH", SOFTHSM, 0) != 1 ||
        ENGINE_ctrl_cmd_string(e, "PIN", "123456", 0) != 1 || ENGINE_init(e) != 1)
        die("libp11 engine");
    EVP_PKEY *ek = ENGINE_load_private_key(e, "pkcs11:token=cmp;object=es;type=private", NULL, NULL);
    if (!ek)
        die("engine: load the ES256 key");
    double be = 0, bo = 0;
    for (int r = 0; r < 3; r++) {
        double x;
        if ((x = rate_engine(ek, secs)) > be)
            be = x;
        if ((x = rate_ours(es, secs)) > bo)
            bo = x;
    }
    printf("ES256 on SoftHSM, 1 thread: libp11 engine EVP_PKEY_sign %.0f/s, direct PKCS#11 hc_signer %.0f/s "
           "(ratio direct/engine %.2f)\n", be, bo, bo / be);
    /* then an Ed25519 key on the same token: can libp11 load it, and still the ES256 one? */
    snprintf(uri, sizeof uri, "pkcs11:token=cmp;object=ed?module-path=%s&pin-source=file:%s/pin", SOFTHSM, dir);
    if (hc_key_generate_pkcs11(HC_ALG_EDDSA, uri, &ed) != HC_OK)
        die("generate ed");
    printf("direct PKCS#11 signs with the Ed25519 object: %s\n", rate_ours(ed, 0.1) > 0 ? "yes" : "no");
    ENGINE *e2 = ENGINE_by_id("pkcs11");
    if (!e2 || ENGINE_ctrl_cmd_string(e2, "MODULE_PATH", SOFTHSM, 0) != 1 ||
        ENGINE_ctrl_cmd_string(e2, "PIN", "123456", 0) != 1 || ENGINE_init(e2) != 1)
        die("libp11 engine (2)");
    EVP_PKEY *edk = ENGINE_load_private_key(e2, "pkcs11:token=cmp;object=ed;type=private", NULL, NULL);
    printf("libp11 engine loads the Ed25519 object: %s\n", edk ? "yes" : "no");
    EVP_PKEY *ek2 = ENGINE_load_private_key(e2, "pkcs11:token=cmp;object=es;type=private", NULL, NULL);
    printf("libp11 engine loads the ES256 object once an Ed25519 one is on the token: %s\n", ek2 ? "yes" : "no");
    ERR_clear_error();
    EVP_PKEY_free(ek2);
    EVP_PKEY_free(edk);
    ENGINE_finish(e2);
    ENGINE_free(e2);
    EVP_PKEY_free(ek);
    ENGINE_finish(e);
    ENGINE_free(e);
    hc_key_free(es);
    hc_key_free(ed);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}

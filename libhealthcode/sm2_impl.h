/* sm2_impl.h — SM2 with SM3 (sm2.c): whether this OpenSSL has it, key
 * generation, Z and the digest e = SM3(Z || M). Not installed. */
#ifndef HC_SM2_IMPL_H
#define HC_SM2_IMPL_H

#include <healthcode/common.h>
#include <openssl/evp.h>

#define HC_SM2_ID_LEN 16
extern const uint8_t hc_sm2_id[HC_SM2_ID_LEN]; /* "1234567812345678", no NUL */
/* true if OpenSSL has SM2 and SM3 (probed once). */
bool hc_sm2_available(void);
/* A new SM2 key pair (type "SM2"). HC_E_UNSUPPORTED, HC_E_CRYPTO. */
hc_err hc_sm2_generate(EVP_PKEY **out);
/* Z for pkey's public point and hc_sm2_id. */
hc_err hc_sm2_z(EVP_PKEY *pkey, uint8_t z[32]);
/* e = SM3(z || msg); ctx is a scratch context (NULL: one is made). */
hc_err hc_sm2_digest(EVP_MD_CTX *ctx, const uint8_t z[32], const uint8_t *msg, size_t len,
                     uint8_t e[32]);

#endif

/* bundle_impl.h — the trust bundle's wire format, shared by bundle.c (read,
 * the checkpoint) and bundle_make.c (write). Not installed. doc/bundle.md
 * is the byte-by-byte description. */
#ifndef HC_BUNDLE_IMPL_H
#define HC_BUNDLE_IMPL_H

#include <healthcode/bundle.h>
#include <healthcode/checkpoint.h>
#include "crypto_impl.h"
#include "spki_impl.h"
#include "token_impl.h"

/* Payload map keys. */
enum {
    HC_BK_PUBLISHER = 1, HC_BK_SEQ = 2, HC_BK_IAT = 3, HC_BK_EXP = 4, HC_BK_KEYS = 5,
    HC_BK_CTI = 6, HC_BK_SUB = 7, HC_BK_NEXT_ROOTS = 8, HC_BK_BASE_SEQ = 9,
    HC_BK_CTI_REMOVED = 10, HC_BK_SUB_REMOVED = 11, HC_BK_VENUES = 12
};
/* Key entry map keys. */
enum { HC_BKE_ISS = 1, HC_BKE_KID = 2, HC_BKE_ALG = 3, HC_BKE_SPKI = 4, HC_BKE_NBF = 5,
       HC_BKE_NAF = 6 };

/* The longest SPKI DER accepted in a bundle or state file. */
#define HC_BUNDLE_SPKI_MAX 1024

/* A parsed bundle: views into the caller's buffer, keys loaded. */
typedef struct {
    hc_cose_view cose;
    hc_bundle_info info;
    const uint8_t *publisher;
    size_t publisher_len;
    const uint8_t *cti, *sub, *cti_rm, *sub_rm;   /* raw ids, counts in info */
    hc_bundle_key_info *keys;                     /* info.n_keys, malloc'd */
    hc_key *next_roots[HC_BUNDLE_ROOTS_MAX];      /* info.n_next_roots */
    /* venue rules (info.n_venues): names and JSON texts in the buffer, not
     * NUL-terminated; each text parsed with hc_venue_parse_json already */
    const uint8_t *venue_name[HC_BUNDLE_VENUES_MAX], *venue_json[HC_BUNDLE_VENUES_MAX];
    size_t venue_name_len[HC_BUNDLE_VENUES_MAX], venue_json_len[HC_BUNDLE_VENUES_MAX];
} hc_bundle_view;

/* The COSE layer and the payload (no signature check): HC_E_BUNDLE,
 * HC_E_BUNDLE_KID, HC_E_NOMEM. On success the caller releases v with
 * hc_bundle_view_clear. info.hash and info.id are not filled. */
hc_err hc_bundle_parse(const uint8_t *buf, size_t len, hc_bundle_view *v, hc_diag *diag);

/* The Sig_structure of v (what its signature covers) into *tbs (malloc'd,
 * *len bytes), and its SHA-256 into v->info.id. Errors: HC_E_NOMEM. */
hc_err hc_bundle_signed(hc_bundle_view *v, uint8_t **tbs, size_t *len);
void hc_bundle_view_clear(hc_bundle_view *v);

#endif

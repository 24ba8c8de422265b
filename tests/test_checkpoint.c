/* test_checkpoint.c — the venue decision: colour, age, temperature, order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <healthcode/checkpoint.h>
#include "mint.h"
#include "trust_impl.h"

#include <math.h>
#include <string.h>

#define NOW 1581300000 /* 2020-02-10T02:00:00Z */

static hc_claims verified(hc_colour colour, int64_t iat)
{
    hc_claims c;
    memset(&c, 0, sizeof c);
    c.header_ok = c.claims_ok = true;
    c.alg = HC_ALG_ES256;
    strcpy(c.iss, "CN-330000");
    c.iat = iat;
    c.exp = iat + 86400;
    c.colour = colour;
    return c;
}

static hc_decision decide(hc_colour colour, int64_t iat, const hc_venue_rules *rules, double temp)
{
    hc_claims c = verified(colour, iat);
    hc_decision d;
    assert_int_equal(hc_checkpoint_decide(&c, rules, NOW, temp, &d), HC_OK);
    return d;
}

static void default_rules_admit_green_only(void **state)
{
    (void)state;
    const hc_venue_rules rules = HC_VENUE_RULES_DEFAULT;
    hc_decision d = decide(HC_GREEN, NOW - 3600, &rules, NAN);
    assert_int_equal(d.verdict, HC_ADMIT);
    assert_string_equal(d.code, "admitted");
    assert_string_equal(d.en, "Admitted: green code");
    assert_string_equal(d.zh, "准予进入：绿码");

    d = decide(HC_YELLOW, NOW - 3600, &rules, NAN);
    assert_int_equal(d.verdict, HC_DENY);
    assert_string_equal(d.code, "colour");
    assert_string_equal(d.en, "Denied: yellow code; this venue admits green only");
    assert_string_equal(d.zh, "禁止入内：黄码，本场所只允许绿码进入");

    d = decide(HC_RED, NOW - 3600, &rules, 36.5);
    assert_int_equal(d.verdict, HC_DENY);
    assert_string_equal(d.code, "colour");
}

static void hospital_admits_yellow_not_red(void **state)
{
    (void)state;
    const hc_venue_rules rules = {{true, true, false}, 0, 37.3, "hospital", HC_LIVE_OFF, HC_UNBOUND_ADMIT};
    assert_int_equal(decide(HC_YELLOW, NOW, &rules, NAN).verdict, HC_ADMIT);
    hc_decision d = decide(HC_RED, NOW, &rules, NAN);
    assert_int_equal(d.verdict, HC_DENY);
    assert_string_equal(d.en, "Denied: red code; this venue admits green or yellow only");
    assert_string_equal(d.zh, "禁止入内：红码，本场所只允许绿码或黄码进入");
}

static void temperature_threshold(void **state)
{
    (void)state;
    const hc_venue_rules rules = HC_VENUE_RULES_DEFAULT;
    hc_decision d = decide(HC_GREEN, NOW, &rules, 37.2);
    assert_int_equal(d.verdict, HC_ADMIT);

    d = decide(HC_GREEN, NOW, &rules, 37.3);
    assert_int_equal(d.verdict, HC_DENY);
    assert_string_equal(d.code, "fever");
    assert_string_equal(d.en, "Denied: temperature 37.3 °C is at or above 37.3 °C; please go to a fever clinic");
    assert_string_equal(d.zh, "禁止入内：体温 37.3 °C，达到或超过 37.3 °C，请前往发热门诊");

    /* 37.3 reached by arithmetic (36.5 + 0.8 is 37.29999…) is still 37.3 */
    d = decide(HC_GREEN, NOW, &rules, 36.5 + 0.8);
    assert_string_equal(d.code, "fever");
    d = decide(HC_GREEN, NOW, &rules, 37.29);
    assert_string_equal(d.code, "admitted");
    d = decide(HC_GREEN, NOW, &rules, INFINITY);
    assert_string_equal(d.code, "fever");

    /* a venue with its own threshold */
    const hc_venue_rules strict = {{true, false, false}, 0, 37.0, "", HC_LIVE_OFF, HC_UNBOUND_ADMIT};
    assert_string_equal(decide(HC_GREEN, NOW, &strict, 37.0).code, "fever");
    assert_string_equal(decide(HC_GREEN, NOW, &strict, 36.9).code, "admitted");
}

static void fever_is_the_reason_shown_first(void **state)
{
    (void)state;
    const hc_venue_rules rules = {{true, false, false}, 300, 37.3, "station", HC_LIVE_OFF, HC_UNBOUND_ADMIT};
    /* red, too old and feverish: fever is what staff must act on */
    hc_decision d = decide(HC_RED, NOW - 86400, &rules, 38.5);
    assert_int_equal(d.verdict, HC_DENY);
    assert_string_equal(d.code, "fever");
    /* red and too old: the colour comes before the age */
    d = decide(HC_RED, NOW - 86400, &rules, 36.6);
    assert_string_equal(d.code, "colour");
}

static void max_age(void **state)
{
    (void)state;
    const hc_venue_rules rules = {{true, false, false}, 300, 37.3, "station", HC_LIVE_OFF, HC_UNBOUND_ADMIT};
    assert_int_equal(decide(HC_GREEN, NOW - 300, &rules, NAN).verdict, HC_ADMIT); /* exactly 5 min */
    hc_decision d = decide(HC_GREEN, NOW - 301, &rules, NAN);
    assert_int_equal(d.verdict, HC_DENY);
    assert_string_equal(d.code, "too_old");
    assert_string_equal(d.en, "Denied: code issued 5 minutes ago; this venue needs one issued within 5 minutes (no screenshots)");
    assert_string_equal(d.zh, "禁止入内：健康码签发于 5 分钟前，本场所要求 5 分钟内签发（截图无效）");

    d = decide(HC_GREEN, NOW - 3 * 3600, &rules, NAN);
    assert_string_equal(d.en, "Denied: code issued 3 hours ago; this venue needs one issued within 5 minutes (no screenshots)");

    /* a code issued slightly in the future (clock skew) is not too old */
    assert_int_equal(decide(HC_GREEN, NOW + 60, &rules, NAN).verdict, HC_ADMIT);

    /* max_age 0: any age */
    const hc_venue_rules any = HC_VENUE_RULES_DEFAULT;
    assert_int_equal(decide(HC_GREEN, NOW - 30 * 86400, &any, NAN).verdict, HC_ADMIT);

    const hc_venue_rules short_rules = {{true, false, false}, 45, 37.3, "", HC_LIVE_OFF, HC_UNBOUND_ADMIT};
    d = decide(HC_GREEN, NOW - 50, &short_rules, NAN);
    assert_string_equal(d.en, "Denied: code issued 50 seconds ago; this venue needs one issued within 45 seconds (no screenshots)");
}

static void refuses_unverified_claims(void **state)
{
    (void)state;
    const hc_venue_rules rules = HC_VENUE_RULES_DEFAULT;
    hc_claims c = verified(HC_GREEN, NOW);
    hc_decision d;
    c.claims_ok = false;
    assert_int_equal(hc_checkpoint_decide(&c, &rules, NOW, NAN, &d), HC_E_ARG);
    assert_int_equal(d.verdict, HC_DENY);
    c.claims_ok = true;
    c.colour = (hc_colour)3;
    assert_int_equal(hc_checkpoint_decide(&c, &rules, NOW, NAN, &d), HC_E_ARG);
    c.colour = HC_GREEN;
    assert_int_equal(hc_checkpoint_decide(NULL, &rules, NOW, NAN, &d), HC_E_ARG);
    assert_int_equal(hc_checkpoint_decide(&c, NULL, NOW, NAN, &d), HC_E_ARG);
    assert_int_equal(hc_checkpoint_decide(&c, &rules, NOW, NAN, NULL), HC_E_ARG);
}


/* ------------------------------------------------ refusals, end to end
 * Tokens here are minted from the internal encoders (tests/mint.h) so that
 * the verify-only build, which has no hc_issue(), runs these too. */

static hc_key *key_a, *key_b;

static int load_keys(void **state)
{
    (void)state;
    key_a = mint_load_key("tests/keys/es256.pem");
    key_b = mint_load_key("tests/keys/es256-b.pem");
    return key_a && key_b ? 0 : -1;
}

static int free_keys(void **state)
{
    (void)state;
    hc_key_free(key_a);
    hc_key_free(key_b);
    return 0;
}

static hc_err verify_claims(const hc_trust *t, const hc_key *k, const hc_claims *c,
                            const hc_verify_opts *opts, int64_t now, hc_claims *out)
{
    char text[HC_TOKEN_MAX + 1];
    size_t len = 0;
    assert_int_equal(mint_token(k, c, text, sizeof text, &len), HC_OK);
    return hc_verify(t, text, len, now, opts, out);
}

static hc_trust *trust_with(const hc_key *k, const hc_trust_key_opts *opts)
{
    hc_trust *t = NULL;
    char pem[1024];
    size_t len = 0;
    assert_int_equal(hc_trust_new(&t), HC_OK);
    assert_int_equal(hc_key_public_pem(k, pem, sizeof pem, &len), HC_OK);
    assert_int_equal(hc_trust_add_pem(t, pem, len, opts), HC_OK);
    return t;
}

static void key_window_and_issuer(void **state)
{
    (void)state;
    const hc_trust_key_opts o = {"CN-330000", NOW - 86400, NOW + 86400};
    hc_trust *t = trust_with(key_a, &o);
    hc_claims out;
    hc_claims c = mint_claims("CN-330000", NOW - 600, NOW + 3600, HC_GREEN, 1);
    assert_int_equal(verify_claims(t, key_a, &c, NULL, NOW, &out), HC_OK);
    /* issued before the key's window opened */
    c = mint_claims("CN-330000", NOW - 86401, NOW + 3600, HC_GREEN, 2);
    assert_int_equal(verify_claims(t, key_a, &c, NULL, NOW, &out), HC_E_KEY_NOT_VALID);
    /* issued at the (exclusive) end of the window, checked with a clock there */
    c = mint_claims("CN-330000", NOW + 86400, NOW + 90000, HC_GREEN, 3);
    assert_int_equal(verify_claims(t, key_a, &c, NULL, NOW + 86400, &out), HC_E_KEY_NOT_VALID);
    /* the key is Zhejiang's; a token claiming Beijing is refused */
    c = mint_claims("CN-110000", NOW - 600, NOW + 3600, HC_GREEN, 4);
    assert_int_equal(verify_claims(t, key_a, &c, NULL, NOW, &out), HC_E_ISSUER_MISMATCH);
    hc_trust_free(t);
}

static void kid_collision_tries_every_key(void **state)
{
    (void)state;
    /* A decoy key stored under key_a's kid (a real collision of 64-bit kids
     * cannot be made on purpose): forge the decoy's kid before adding it. */
    uint8_t kid_a[HC_KID_LEN];
    assert_int_equal(hc_key_kid(key_a, kid_a), HC_OK);
    char pem[1024];
    size_t len = 0;
    assert_int_equal(hc_key_public_pem(key_b, pem, sizeof pem, &len), HC_OK);
    hc_key *decoy = NULL;
    assert_int_equal(hc_key_load_pem(pem, len, &decoy), HC_OK);
    memcpy(decoy->kid, kid_a, HC_KID_LEN);

    hc_trust *t = NULL;
    assert_int_equal(hc_trust_new(&t), HC_OK);
    assert_int_equal(hc_trust_add_key(t, decoy, NULL), HC_OK);
    size_t n = 0;
    const hc_trusted_key *tk = hc_trust_lookup(t, kid_a, &n);
    assert_int_equal(n, 1);

    hc_claims out;
    hc_claims c = mint_claims("CN-330000", NOW - 600, NOW + 3600, HC_GREEN, 5);
    /* only the decoy under that kid: the signature cannot verify */
    assert_int_equal(verify_claims(t, key_a, &c, NULL, NOW, &out), HC_E_SIGNATURE);

    /* the right key, added second under the same kid, is tried too */
    assert_int_equal(hc_trust_add_key(t, key_a, NULL), HC_OK);
    tk = hc_trust_lookup(t, kid_a, &n);
    assert_int_equal(n, 2);
    assert_memory_equal(tk[0].key->kid, kid_a, HC_KID_LEN);
    assert_int_equal(verify_claims(t, key_a, &c, NULL, NOW, &out), HC_OK);
    assert_string_equal(out.iss, "CN-330000");
    hc_key_free(decoy);
    hc_trust_free(t);
}

static void revoked_cti_and_sub(void **state)
{
    (void)state;
    hc_trust *t = trust_with(key_a, NULL);
    hc_revocations *r = NULL;
    assert_int_equal(hc_revocations_new(&r), HC_OK);
    static const char list[] = "00000000000000a1\n"
                               "5ub0000000000000000000000000000b\n";
    hc_diag d;
    /* "5ub…" is not hex: the list is refused and names line 2 */
    assert_int_equal(hc_revocations_add_text(r, list, strlen(list), &d), HC_E_REVOCATION_LIST);
    assert_int_equal(d.line, 2);
    static const char good[] = "00000000000000a1\n"
                               "5eb0000000000000000000000000000b\n";
    assert_int_equal(hc_revocations_add_text(r, good, strlen(good), &d), HC_OK);
    hc_verify_opts opts = HC_VERIFY_OPTS_DEFAULT;
    opts.revoked = r;

    hc_claims out;
    hc_claims c = mint_claims("CN-330000", NOW - 600, NOW + 3600, HC_GREEN, 0xa1);
    assert_int_equal(verify_claims(t, key_a, &c, &opts, NOW, &out), HC_E_REVOKED);
    assert_int_equal(verify_claims(t, key_a, &c, NULL, NOW, &out), HC_OK); /* no list */

    c = mint_claims("CN-330000", NOW - 600, NOW + 3600, HC_GREEN, 0xa2);
    c.has_sub = true;
    static const uint8_t sub[16] = {0x5e, 0xb0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b};
    memcpy(c.sub, sub, 16);
    assert_int_equal(verify_claims(t, key_a, &c, &opts, NOW, &out), HC_E_SUBJECT_REVOKED);
    c.sub[15] = 0x0c;
    assert_int_equal(verify_claims(t, key_a, &c, &opts, NOW, &out), HC_OK);

    /* the daily delta reinstates the cti */
    assert_int_equal(hc_revocations_add_text(r, "-00000000000000a1\n", 18, NULL), HC_OK);
    c = mint_claims("CN-330000", NOW - 600, NOW + 3600, HC_GREEN, 0xa1);
    assert_int_equal(verify_claims(t, key_a, &c, &opts, NOW, &out), HC_OK);
    hc_revocations_free(r);
    hc_trust_free(t);
}

/* Verify, then decide: the station demands a code issued within 5 minutes. */
static void station_end_to_end(void **state)
{
    (void)state;
    hc_trust *t = trust_with(key_a, NULL);
    const hc_venue_rules station = {{true, false, false}, 300, 37.3, "station", HC_LIVE_OFF, HC_UNBOUND_ADMIT};
    hc_claims out;
    hc_decision dec;
    hc_claims c = mint_claims("CN-330000", NOW - 120, NOW + 86400, HC_GREEN, 6);
    assert_int_equal(verify_claims(t, key_a, &c, NULL, NOW, &out), HC_OK);
    assert_int_equal(hc_checkpoint_decide(&out, &station, NOW, 36.6, &dec), HC_OK);
    assert_int_equal(dec.verdict, HC_ADMIT);
    assert_int_equal(hc_checkpoint_decide(&out, &station, NOW, 37.3, &dec), HC_OK);
    assert_string_equal(dec.code, "fever");
    /* the same code shown again an hour later: a screenshot */
    assert_int_equal(verify_claims(t, key_a, &c, NULL, NOW + 3600, &out), HC_OK);
    assert_int_equal(hc_checkpoint_decide(&out, &station, NOW + 3600, NAN, &dec), HC_OK);
    assert_string_equal(dec.code, "too_old");
    /* a yellow code, fresh */
    c = mint_claims("CN-330000", NOW - 10, NOW + 86400, HC_YELLOW, 7);
    assert_int_equal(verify_claims(t, key_a, &c, NULL, NOW, &out), HC_OK);
    assert_int_equal(hc_checkpoint_decide(&out, &station, NOW, NAN, &dec), HC_OK);
    assert_string_equal(dec.code, "colour");
    /* a token that failed verification cannot be decided on */
    c = mint_claims("CN-330000", NOW - 10, NOW + 86400, HC_GREEN, 8);
    assert_int_equal(verify_claims(t, key_b, &c, NULL, NOW, &out), HC_E_UNKNOWN_KID);
    assert_int_equal(hc_checkpoint_decide(&out, &station, NOW, NAN, &dec), HC_E_ARG);
    assert_int_equal(dec.verdict, HC_DENY);
    hc_trust_free(t);
}

/* A claims as hc_verify gives it for a paper code (unbound), a bound code
 * shown plain, and a bound code shown live. */
static hc_claims shown(bool bound, bool live)
{
    hc_claims c = verified(HC_GREEN, NOW - 3600);
    c.bound = bound;
    c.device_alg = bound ? HC_ALG_ES256 : (hc_alg)0;
    c.live = live;
    c.presented = live;
    c.t = live ? NOW - 3 : 0;
    memcpy(c.cti, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    return c;
}

/* live: required / preferred / off, against the three ways a code is shown. */
static void live_rules(void **state)
{
    (void)state;
    static const struct {
        hc_live_rule rule;
        const char *paper, *plain, *live;   /* the codes of the decisions */
    } cases[] = {
        {HC_LIVE_OFF, "admitted", "admitted", "admitted"},
        {HC_LIVE_PREFERRED, "admitted", "admitted_not_live", "admitted"},
        {HC_LIVE_REQUIRED, "admitted", "not_live", "admitted"},
    };
    for (size_t i = 0; i < 3; i++) {
        hc_venue_rules rules = HC_VENUE_RULES_DEFAULT;
        rules.live = cases[i].rule;
        const char *want[3] = {cases[i].paper, cases[i].plain, cases[i].live};
        for (int k = 0; k < 3; k++) {
            hc_claims c = shown(k > 0, k == 2);
            hc_decision d;
            assert_int_equal(hc_checkpoint_decide(&c, &rules, NOW, NAN, &d), HC_OK);
            if (strcmp(d.code, want[k]) != 0)
                fail_msg("live rule %d, shown %d: %s, want %s", (int)cases[i].rule, k, d.code, want[k]);
            assert_int_equal(d.verdict, strcmp(want[k], "not_live") == 0 ? HC_DENY : HC_ADMIT);
        }
    }
    hc_venue_rules rules = HC_VENUE_RULES_DEFAULT;
    rules.live = HC_LIVE_REQUIRED;
    hc_claims c = shown(true, false);
    hc_decision d;
    assert_int_equal(hc_checkpoint_decide(&c, &rules, NOW, NAN, &d), HC_OK);
    assert_string_equal(d.en, "Denied: green code not shown live; show the live code in the phone's "
                              "app (no screenshots or copies)");
    assert_string_equal(d.zh, "禁止入内：绿码未实时出示，请在手机应用中出示动态码（截图或复制的码无效）");
    rules.live = HC_LIVE_PREFERRED;
    assert_int_equal(hc_checkpoint_decide(&c, &rules, NOW, NAN, &d), HC_OK);
    assert_string_equal(d.en, "Admitted: green code, not shown live; ask for the live code");
    /* fever and colour still come first */
    rules.live = HC_LIVE_REQUIRED;
    assert_int_equal(hc_checkpoint_decide(&c, &rules, NOW, 38.0, &d), HC_OK);
    assert_string_equal(d.code, "fever");
    rules.live = 7;
    assert_int_equal(hc_checkpoint_decide(&c, &rules, NOW, NAN, &d), HC_E_ARG);
}

/* unbound: admit / check_id / refuse, for a paper code only. */
static void unbound_rules(void **state)
{
    (void)state;
    hc_venue_rules rules = HC_VENUE_RULES_DEFAULT;
    hc_claims paper = shown(false, false), live = shown(true, true);
    hc_decision d;
    rules.unbound = HC_UNBOUND_CHECK_ID;
    assert_int_equal(hc_checkpoint_decide(&paper, &rules, NOW, NAN, &d), HC_OK);
    assert_int_equal(d.verdict, HC_ADMIT);
    assert_string_equal(d.code, "check_id");
    assert_string_equal(d.en, "Admitted: green paper code; compare an ID document with the name and "
                              "number on the code");
    assert_string_equal(d.zh, "准予进入：绿码（纸质码）。请核对身份证件与码上的姓名和证件号");
    assert_int_equal(hc_checkpoint_decide(&live, &rules, NOW, NAN, &d), HC_OK);
    assert_string_equal(d.code, "admitted");
    rules.unbound = HC_UNBOUND_REFUSE;
    assert_int_equal(hc_checkpoint_decide(&paper, &rules, NOW, NAN, &d), HC_OK);
    assert_int_equal(d.verdict, HC_DENY);
    assert_string_equal(d.code, "unbound");
    assert_string_equal(d.en, "Denied: this venue accepts only codes bound to a phone and shown live; "
                              "no paper codes");
    assert_int_equal(hc_checkpoint_decide(&live, &rules, NOW, NAN, &d), HC_OK);
    assert_string_equal(d.code, "admitted");
    /* the hospital of examples/venues: a live code in, the bound code shown
     * plain out, a paper code in with the ID check */
    const hc_venue_rules hospital = {{true, true, false}, 0, 37.3, "hospital", HC_LIVE_REQUIRED,
                                     HC_UNBOUND_CHECK_ID};
    hc_claims plain = shown(true, false);
    assert_int_equal(hc_checkpoint_decide(&live, &hospital, NOW, NAN, &d), HC_OK);
    assert_string_equal(d.code, "admitted");
    assert_int_equal(hc_checkpoint_decide(&plain, &hospital, NOW, NAN, &d), HC_OK);
    assert_string_equal(d.code, "not_live");
    assert_int_equal(hc_checkpoint_decide(&paper, &hospital, NOW, NAN, &d), HC_OK);
    assert_string_equal(d.code, "check_id");
    /* every message fits, whole characters only */
    assert_true(strlen(d.zh) < sizeof d.zh - 1 && strlen(d.en) < sizeof d.en - 1);
}

/* The repeat memory: the same cti admitted twice within the window at one
 * checkpoint is refused the second time; after the window, or another
 * cti, admitted; a denied code is not remembered; the ring is bounded. */
static void repeats(void **state)
{
    (void)state;
    hc_repeats *r = NULL;
    assert_int_equal(hc_repeats_new(0, 60, &r), HC_E_ARG);
    assert_int_equal(hc_repeats_new(4, 301, &r), HC_E_ARG);
    assert_int_equal(hc_repeats_new(HC_REPEATS_MAX_CAPACITY + 1, 60, &r), HC_E_ARG);
    assert_int_equal(hc_repeats_new(4, 60, &r), HC_OK);
    hc_venue_rules rules = HC_VENUE_RULES_DEFAULT;
    hc_claims c = shown(true, true), other = shown(true, true);
    other.cti[7] = 9;
    hc_decision d;
    assert_int_equal(hc_checkpoint_decide_repeats(&c, &rules, NOW, NAN, r, &d), HC_OK);
    assert_string_equal(d.code, "admitted");
    assert_int_equal(hc_repeats_count(r), 1);
    assert_int_equal(hc_checkpoint_decide_repeats(&other, &rules, NOW + 1, NAN, r, &d), HC_OK);
    assert_string_equal(d.code, "admitted");
    /* the screenshot passed back 45 s later */
    assert_int_equal(hc_checkpoint_decide_repeats(&c, &rules, NOW + 45, NAN, r, &d), HC_OK);
    assert_int_equal(d.verdict, HC_DENY);
    assert_string_equal(d.code, "repeat");
    assert_string_equal(d.en, "Denied: this code was admitted here 45 seconds ago (a screenshot passed "
                              "back?); check the person");
    assert_string_equal(d.zh, "禁止入内：此码 45 秒前已在此通过（可能是转发的截图），请核对本人");
    assert_int_equal(hc_repeats_count(r), 2);   /* a refusal is not noted */
    /* at the window's edge, and past it */
    assert_true(hc_repeats_seen(r, c.cti, NOW + 60, NULL));
    assert_false(hc_repeats_seen(r, c.cti, NOW + 61, NULL));
    assert_true(hc_repeats_seen(r, c.cti, NOW - 60, NULL));   /* a clock set back */
    assert_int_equal(hc_checkpoint_decide_repeats(&c, &rules, NOW + 61, NAN, r, &d), HC_OK);
    assert_string_equal(d.code, "admitted");
    int64_t then = 0;
    assert_true(hc_repeats_seen(r, c.cti, NOW + 62, &then));
    assert_int_equal(then, NOW + 61);   /* the latest admission */
    /* a denied decision (fever) neither is a repeat nor is noted */
    hc_claims fresh = shown(true, true);
    fresh.cti[0] = 0x77;
    assert_int_equal(hc_checkpoint_decide_repeats(&fresh, &rules, NOW + 62, 38.5, r, &d), HC_OK);
    assert_string_equal(d.code, "fever");
    assert_false(hc_repeats_seen(r, fresh.cti, NOW + 62, NULL));
    /* bounded: four entries; the fifth admission forgets the oldest */
    for (int i = 0; i < 4; i++) {
        hc_claims k = shown(true, true);
        k.cti[0] = (uint8_t)(0xa0 + i);
        assert_int_equal(hc_checkpoint_decide_repeats(&k, &rules, NOW + 70, NAN, r, &d), HC_OK);
        assert_string_equal(d.code, "admitted");
    }
    assert_int_equal(hc_repeats_count(r), 4);
    assert_false(hc_repeats_seen(r, c.cti, NOW + 70, NULL));   /* forgotten */
    hc_claims k0 = shown(true, true);
    k0.cti[0] = 0xa0;
    assert_true(hc_repeats_seen(r, k0.cti, NOW + 70, NULL));
    hc_repeats_free(r);
    hc_repeats_free(NULL);
}

/* The memory kept in a file between runs: saved and loaded back, oldest
 * first; a missing file is empty; a damaged one is refused. */
static void repeats_file(void **state)
{
    (void)state;
    char dir[512], path[600];
    assert_int_equal(th_tmpdir(dir, sizeof dir, "hc-repeats"), 0);
    snprintf(path, sizeof path, "%s/seen", dir);
    hc_repeats *r = NULL, *back = NULL, *small = NULL;
    assert_int_equal(hc_repeats_new(8, 60, &r), HC_OK);
    assert_int_equal(hc_repeats_load(r, path), HC_OK);   /* no file yet */
    assert_int_equal(hc_repeats_count(r), 0);
    uint8_t cti[8] = {1, 2, 3, 4, 5, 6, 7, 0};
    for (int i = 0; i < 10; i++) {   /* wraps: the last 8 are kept */
        cti[7] = (uint8_t)i;
        assert_int_equal(hc_repeats_note(r, cti, NOW + i), HC_OK);
    }
    assert_int_equal(hc_repeats_save(r, path), HC_OK);
    assert_int_equal(hc_repeats_new(8, 60, &back), HC_OK);
    assert_int_equal(hc_repeats_load(back, path), HC_OK);
    assert_int_equal(hc_repeats_count(back), 8);
    for (int i = 0; i < 10; i++) {
        cti[7] = (uint8_t)i;
        int64_t then = 0;
        assert_int_equal(hc_repeats_seen(back, cti, NOW + 10, &then), i >= 2);
        if (i >= 2)
            assert_int_equal(then, NOW + i);
    }
    /* a smaller memory keeps the newest */
    assert_int_equal(hc_repeats_new(3, 60, &small), HC_OK);
    assert_int_equal(hc_repeats_load(small, path), HC_OK);
    assert_int_equal(hc_repeats_count(small), 3);
    cti[7] = 9;
    assert_true(hc_repeats_seen(small, cti, NOW + 10, NULL));
    cti[7] = 6;
    assert_false(hc_repeats_seen(small, cti, NOW + 10, NULL));
    /* damaged: a byte short, another magic */
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(hc_read_file(path, 1 << 20, &data, &len), HC_OK);
    assert_int_equal(len, 12 + 8 * 16);
    assert_int_equal(hc_write_file_atomic(path, data, len - 1, 0600), HC_OK);
    assert_int_equal(hc_repeats_load(back, path), HC_E_IO);
    data[0] = 'X';
    assert_int_equal(hc_write_file_atomic(path, data, len, 0600), HC_OK);
    assert_int_equal(hc_repeats_load(back, path), HC_E_IO);
    free(data);
    assert_int_equal(hc_repeats_load(back, dir), HC_E_IO);   /* a directory */
    hc_repeats_free(r);
    hc_repeats_free(back);
    hc_repeats_free(small);
    assert_int_equal(th_rmtree(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_rules_admit_green_only),
        cmocka_unit_test(hospital_admits_yellow_not_red),
        cmocka_unit_test(temperature_threshold),
        cmocka_unit_test(fever_is_the_reason_shown_first),
        cmocka_unit_test(max_age),
        cmocka_unit_test(refuses_unverified_claims),
        cmocka_unit_test(live_rules),
        cmocka_unit_test(unbound_rules),
        cmocka_unit_test(repeats),
        cmocka_unit_test(repeats_file),
    };
    const struct CMUnitTest tokens[] = {
        cmocka_unit_test(key_window_and_issuer),
        cmocka_unit_test(kid_collision_tries_every_key),
        cmocka_unit_test(revoked_cti_and_sub),
        cmocka_unit_test(station_end_to_end),
    };
    int failed = cmocka_run_group_tests_name("decisions", tests, NULL, NULL);
    return failed + cmocka_run_group_tests_name("tokens", tokens, load_keys, free_keys);
}

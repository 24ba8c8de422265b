/* layout.c — prints the size and field offsets of every public struct the
 * Python binding declares with ctypes, as one JSON object, so that
 * test_healthcode.py can check _lib.py against the headers of this build:
 *   {"hc_diag": {"size": 360, "field": 0, "line": 96, ...}, ...} */
#include <stddef.h>
#include <stdio.h>

#include <healthcode/healthcode.h>

static int first;

static void open_struct(const char *name, size_t size)
{
    printf("%s\"%s\": {\"size\": %zu", first ? "" : ", ", name, size);
    first = 0;
}

#define STRUCT(type) open_struct(#type, sizeof(type))
#define FIELD(type, field) printf(", \"%s\": %zu", #field, offsetof(type, field))
#define END() printf("}")

int main(void)
{
    first = 1;
    printf("{");
    STRUCT(hc_diag);
    FIELD(hc_diag, field); FIELD(hc_diag, line); FIELD(hc_diag, message);
    END();
    STRUCT(hc_claims);
    FIELD(hc_claims, alg); FIELD(hc_claims, kid); FIELD(hc_claims, iss); FIELD(hc_claims, iat);
    FIELD(hc_claims, exp); FIELD(hc_claims, cti); FIELD(hc_claims, colour); FIELD(hc_claims, has_sub);
    FIELD(hc_claims, sub); FIELD(hc_claims, nam); FIELD(hc_claims, doc); FIELD(hc_claims, reg);
    FIELD(hc_claims, knd); FIELD(hc_claims, header_ok); FIELD(hc_claims, claims_ok);
    END();
    STRUCT(hc_reason);
    FIELD(hc_reason, code); FIELD(hc_reason, colour); FIELD(hc_reason, holds); FIELD(hc_reason, from);
    FIELD(hc_reason, until); FIELD(hc_reason, field); FIELD(hc_reason, zh); FIELD(hc_reason, en);
    END();
    STRUCT(hc_assessment);
    FIELD(hc_assessment, colour); FIELD(hc_assessment, until); FIELD(hc_assessment, n_reasons);
    FIELD(hc_assessment, n_found); FIELD(hc_assessment, reasons);
    END();
    STRUCT(hc_verify_opts);
    FIELD(hc_verify_opts, skew_s); FIELD(hc_verify_opts, revoked);
    END();
    STRUCT(hc_trust_key_opts);
    FIELD(hc_trust_key_opts, iss); FIELD(hc_trust_key_opts, not_before); FIELD(hc_trust_key_opts, not_after);
    END();
    STRUCT(hc_render_opts);
    FIELD(hc_render_opts, scale); FIELD(hc_render_opts, ecc); FIELD(hc_render_opts, band);
    END();
    STRUCT(hc_venue_rules);
    FIELD(hc_venue_rules, admit); FIELD(hc_venue_rules, max_age_s); FIELD(hc_venue_rules, fever_c);
    FIELD(hc_venue_rules, name);
    END();
    STRUCT(hc_decision);
    FIELD(hc_decision, verdict); FIELD(hc_decision, code); FIELD(hc_decision, zh); FIELD(hc_decision, en);
    END();
#if HC_WITH_REGISTER
    STRUCT(hc_register_code);
    FIELD(hc_register_code, seq); FIELD(hc_register_code, cti); FIELD(hc_register_code, sub);
    FIELD(hc_register_code, iss); FIELD(hc_register_code, kid); FIELD(hc_register_code, colour);
    FIELD(hc_register_code, iat); FIELD(hc_register_code, exp); FIELD(hc_register_code, region);
    FIELD(hc_register_code, kind); FIELD(hc_register_code, doc); FIELD(hc_register_code, batch);
    FIELD(hc_register_code, line); FIELD(hc_register_code, revoked); FIELD(hc_register_code, purged);
    END();
    STRUCT(hc_register_action);
    FIELD(hc_register_action, operator_id); FIELD(hc_register_action, reason);
    FIELD(hc_register_action, evidence); FIELD(hc_register_action, now);
    END();
    STRUCT(hc_register_correction);
    FIELD(hc_register_correction, old_code); FIELD(hc_register_correction, new_cti);
    FIELD(hc_register_correction, new_colour); FIELD(hc_register_correction, seq);
    END();
    STRUCT(hc_register_revocations_info);
    FIELD(hc_register_revocations_info, n_cti); FIELD(hc_register_revocations_info, n_sub);
    FIELD(hc_register_revocations_info, since); FIELD(hc_register_revocations_info, last_seq);
    END();
    STRUCT(hc_register_audit_opts);
    FIELD(hc_register_audit_opts, keys); FIELD(hc_register_audit_opts, n_keys);
    FIELD(hc_register_audit_opts, expect_seq); FIELD(hc_register_audit_opts, expect_hash);
    END();
    STRUCT(hc_register_audit_report);
    FIELD(hc_register_audit_report, events); FIELD(hc_register_audit_report, heads);
    FIELD(hc_register_audit_report, last_seq); FIELD(hc_register_audit_report, head_hash);
    FIELD(hc_register_audit_report, bad_seq); FIELD(hc_register_audit_report, where);
    FIELD(hc_register_audit_report, message);
    END();
    STRUCT(hc_stats_row);
    FIELD(hc_stats_row, key); FIELD(hc_stats_row, issued);
    END();
    STRUCT(hc_register_stats);
    FIELD(hc_register_stats, by); FIELD(hc_register_stats, issued); FIELD(hc_register_stats, corrections);
    FIELD(hc_register_stats, revoked_cti); FIELD(hc_register_stats, revoked_sub);
    FIELD(hc_register_stats, n_rows); FIELD(hc_register_stats, rows);
    END();
#endif
    /* enums the binding passes as c_int */
    open_struct("enums", sizeof(hc_err));
    printf(", \"hc_colour\": %zu, \"hc_alg\": %zu, \"hc_ecc\": %zu, \"hc_verdict\": %zu, \"bool\": %zu",
           sizeof(hc_colour), sizeof(hc_alg), sizeof(hc_ecc), sizeof(hc_verdict), sizeof(bool));
    END();
    printf("}\n");
    return 0;
}

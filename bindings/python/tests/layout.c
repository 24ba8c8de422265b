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
    FIELD(hc_claims, bound); FIELD(hc_claims, device_alg); FIELD(hc_claims, device_x);
    FIELD(hc_claims, device_ybit); FIELD(hc_claims, presented); FIELD(hc_claims, live);
    FIELD(hc_claims, t);
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
    FIELD(hc_verify_opts, live_window_s); FIELD(hc_verify_opts, require_live);
    END();
    STRUCT(hc_trust_key_opts);
    FIELD(hc_trust_key_opts, iss); FIELD(hc_trust_key_opts, not_before); FIELD(hc_trust_key_opts, not_after);
    END();
    STRUCT(hc_render_opts);
    FIELD(hc_render_opts, scale); FIELD(hc_render_opts, ecc); FIELD(hc_render_opts, band);
    END();
    STRUCT(hc_venue_rules);
    FIELD(hc_venue_rules, admit); FIELD(hc_venue_rules, max_age_s); FIELD(hc_venue_rules, fever_c);
    FIELD(hc_venue_rules, name); FIELD(hc_venue_rules, live); FIELD(hc_venue_rules, unbound);
    END();
    STRUCT(hc_decision);
    FIELD(hc_decision, verdict); FIELD(hc_decision, code); FIELD(hc_decision, zh); FIELD(hc_decision, en);
    END();
    STRUCT(hc_batch_progress);
    FIELD(hc_batch_progress, lines); FIELD(hc_batch_progress, issued); FIELD(hc_batch_progress, errors);
    FIELD(hc_batch_progress, bytes_read); FIELD(hc_batch_progress, bytes_total); FIELD(hc_batch_progress, done);
    END();
    STRUCT(hc_batch_opts);
    FIELD(hc_batch_opts, key); FIELD(hc_batch_opts, iss); FIELD(hc_batch_opts, policy);
    FIELD(hc_batch_opts, subject_secret); FIELD(hc_batch_opts, subject_secret_len); FIELD(hc_batch_opts, now);
    FIELD(hc_batch_opts, validity_s); FIELD(hc_batch_opts, threads); FIELD(hc_batch_opts, png);
    FIELD(hc_batch_opts, sheets); FIELD(hc_batch_opts, shard_k); FIELD(hc_batch_opts, shard_n);
    FIELD(hc_batch_opts, max_errors); FIELD(hc_batch_opts, resume); FIELD(hc_batch_opts, checkpoint);
    FIELD(hc_batch_opts, progress); FIELD(hc_batch_opts, progress_ctx); FIELD(hc_batch_opts, random);
    FIELD(hc_batch_opts, random_ctx); FIELD(hc_batch_opts, sheets_format); FIELD(hc_batch_opts, reg);
    END();
    STRUCT(hc_batch_summary);
    FIELD(hc_batch_summary, lines); FIELD(hc_batch_summary, issued); FIELD(hc_batch_summary, errors);
    FIELD(hc_batch_summary, resumed_lines); FIELD(hc_batch_summary, sheets); FIELD(hc_batch_summary, now);
    FIELD(hc_batch_summary, validity_s); FIELD(hc_batch_summary, max_errors_reached);
    END();
#if HC_WITH_SHEETS
    STRUCT(hc_sheet_opts);
    FIELD(hc_sheet_opts, format); FIELD(hc_sheet_opts, per_page); FIELD(hc_sheet_opts, utc_offset_s);
    FIELD(hc_sheet_opts, dpi);
    END();
#endif
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

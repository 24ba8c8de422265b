/* assess_text_impl.h — the sentences of an assessment's reasons, zh and en
 * (assess_text.c), which assess.c (the triggers and the colour) writes into
 * the reasons it finds. Never installed. */
#ifndef HC_ASSESS_TEXT_IMPL_H
#define HC_ASSESS_TEXT_IMPL_H

#include "clock_impl.h"
#include "policy_impl.h"
#include "record_impl.h"
#include "internal.h"

/* The sentences of a reason: each fills rs->en and rs->zh (whole, NUL-terminated,
 * truncated at a character boundary) from rs->colour, rs->holds, rs->until and
 * what it is given; rs->code and rs->field are the caller's. */

/* A stay at risk level lv; matched is the code whose level applied (the
 * stay's own region, a prefecture or province holding it, or 0 for a country). */
void hc_assess_text_stay(hc_reason *rs, const hc_stay *st, hc_risk_level lv, uint32_t matched);
/* r->contact (not none): a case, recovered, a close or secondary contact. */
void hc_assess_text_contact(hc_reason *rs, const hc_record *r);
/* r->entry_date and r->entry_from. */
void hc_assess_text_entry(hc_reason *rs, const hc_record *r);
/* Symptoms on day s during a yellow exposure: kind 1 the stay r->travel[index]
 * at level lv, 2 the contact, 3 the entry. */
void hc_assess_text_exposure(hc_reason *rs, const hc_record *r, hc_day s, int kind, size_t index,
                             hc_risk_level lv);
/* The declaration of day d: its symptoms, and its temperature when fever. */
void hc_assess_text_declaration(hc_reason *rs, const hc_record *r, hc_day d, bool fever);
/* The check-in k, unwell and/or with a fever. */
void hc_assess_text_checkin(hc_reason *rs, const hc_checkin *k, bool fever);
/* A previous colour since since that needs runs of need normal days: ended on
 * done_day (when !rs->holds), or run_len days so far. */
void hc_assess_text_previous(hc_reason *rs, hc_day since, int32_t need, hc_day done_day,
                             hc_day run_len);

#endif

package cn.healthcode;

/** A live presentation failed one of its own steps (doc/format.md, P1-P5): malformed
 *  ("bad_presentation"), a token bound to no device ("unbound_token"), the device key's
 *  algorithm ("device_algorithm_mismatch") or signature ("bad_device_signature"), made outside
 *  the live window ("stale_presentation"), or a plain token where a live one is required
 *  ("not_live"). A TokenRejectedException too: the checkpoint denies entry. */
public class PresentationRejectedException extends TokenRejectedException {
    private static final long serialVersionUID = 1L;

    /** The error of hc_err value code (see {@link HealthCodeException}). */
    public PresentationRejectedException(int code, String name, String message, String field, long line) {
        super(code, name, message, field, line);
    }
}

package cn.healthcode;

/** A token failed verification: {@link #name} says at which step of doc/format.md
 *  ("bad_prefix", "unknown_kid", "bad_signature", "expired", "not_yet_valid", "revoked", …). A
 *  checkpoint denies entry. */
public class TokenRejectedException extends HealthCodeException {
    private static final long serialVersionUID = 1L;

    /** The error of hc_err value code (see {@link HealthCodeException}). */
    public TokenRejectedException(int code, String name, String message, String field, long line) {
        super(code, name, message, field, line);
    }
}

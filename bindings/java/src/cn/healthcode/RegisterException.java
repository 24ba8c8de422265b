package cn.healthcode;

/** The issuer's register refused an operation: not a register ("bad_register"), another schema
 *  version ("register_version"), no such code ("unknown_code"), already revoked
 *  ("already_revoked"), a correction for another subject ("subject_mismatch"), an audit chain
 *  that does not match ("audit_failed"), or a register locked by another writer
 *  ("register_busy"). */
public class RegisterException extends HealthCodeException {
    private static final long serialVersionUID = 1L;

    /** The error of hc_err value code (see {@link HealthCodeException}). */
    public RegisterException(int code, String name, String message, String field, long line) {
        super(code, name, message, field, line);
    }
}

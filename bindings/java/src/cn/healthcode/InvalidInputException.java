package cn.healthcode;

/** An input is invalid: a person record, policy, risk map, trust list, revocation list, venue
 *  rules or image ("invalid_record", "invalid_image", "no_code_found", …), an argument out of
 *  range ("invalid_argument": an unknown colour or algorithm, a validity over 30 days), or an
 *  input over its bound ("too_large"). {@link #field} names what is wrong ("travel[1].to"). */
public class InvalidInputException extends HealthCodeException {
    private static final long serialVersionUID = 1L;

    /** The error of hc_err value code (see {@link HealthCodeException}). */
    public InvalidInputException(int code, String name, String message, String field, long line) {
        super(code, name, message, field, line);
    }
}

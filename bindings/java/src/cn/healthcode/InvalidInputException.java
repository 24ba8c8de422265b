package cn.healthcode;

/** The input is invalid: a person record, policy, risk map, key, trust list, revocation
 *  list, venue rules or image. {@link #field} names what is wrong ("travel[1].to"). */
public class InvalidInputException extends HealthCodeException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(int code, String name, String message, String field, long line) {
        super(code, name, message, field, line);
    }
}

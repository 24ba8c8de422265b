package cn.healthcode;

/** An error from libhealthcode. {@link #name} is the stable hc_err_name ("bad_signature",
 *  "invalid_record", …) that the command-line tool prints too; {@link #field} and
 *  {@link #line} locate an input error ("travel[1].to"; the line of a CSV or list).
 *  Subclasses group the errors a caller usually tells apart:
 *  {@link InvalidInputException} and {@link TokenRejectedException}. */
public class HealthCodeException extends Exception {
    private static final long serialVersionUID = 1L;
    /** The hc_err value. */
    public final int code;
    public final String name;
    /** Path of the bad field in the input, "" when the error is not about one field. */
    public final String field;
    /** 1-based line of a multi-line input, 0 if none. */
    public final long line;

    public HealthCodeException(int code, String name, String message, String field, long line) {
        super(name + ": " + message);
        this.code = code;
        this.name = name;
        this.field = field;
        this.line = line;
    }
}

package cn.healthcode;

/** An error from libhealthcode. {@link #name} is the stable hc_err_name ("bad_signature",
 *  "invalid_record", …) that the command-line tool prints too; {@link #field} and
 *  {@link #line} locate an input error ("travel[1].to"; the line of a CSV or list).
 *
 *  <p>Each error is thrown as the subclass of its family, so that a caller catches what it
 *  handles instead of comparing names:
 *  <ul>
 *  <li>{@link TokenRejectedException}: a token failed verification (the checkpoint denies);
 *      {@link PresentationRejectedException} for a live presentation's own steps;</li>
 *  <li>{@link InvalidInputException}: a record, policy, risk map, trust list, revocation
 *      list, venue rules, image or argument is invalid;</li>
 *  <li>{@link KeyException}: a key is malformed, of the wrong kind, readable by others,
 *      encrypted, or its PKCS#11 module, token or PIN failed;</li>
 *  <li>{@link HealthCodeIOException}: a file could not be read or written (it names the file);</li>
 *  <li>{@link BundleException}: a trust bundle or the checkpoint's bundle state was refused;</li>
 *  <li>{@link RegisterException}: the issuer's register refused an operation
 *      ({@link AuditFailedException} when its audit found a row that does not match);</li>
 *  <li>HealthCodeException itself for the rest: out of memory, a part not built
 *      ("unsupported"), a failure of the crypto backend.</li>
 *  </ul> */
public class HealthCodeException extends Exception {
    private static final long serialVersionUID = 1L;
    /** The hc_err value. */
    public final int code;
    /** The stable snake_case name of the error (hc_err_name): "expired", "invalid_record", … */
    public final String name;
    /** Path of the bad field in the input ("travel[1].to"), or the file an I/O error is
     *  about; "" when the error is not about one field. */
    public final String field;
    /** 1-based line of a multi-line input, 0 if none. */
    public final long line;

    /** An error of hc_err value code named name (hc_err_name), with a sentence saying what
     *  went wrong; field and line locate it ("" and 0 when they do not apply). */
    public HealthCodeException(int code, String name, String message, String field, long line) {
        super(name + ": " + message);
        this.code = code;
        this.name = name;
        this.field = field;
        this.line = line;
    }

    // The families, by hc_err value (include/healthcode/common.h). Values 45-61 were
    // reserved with their names before their features landed: PKCS#11 causes and
    // encrypted keys (keys), live presentations P1-P5, the register.
    static final int E_ARG = 2, E_IO = 4, E_LIMIT = 7, E_RECORD = 8, E_KEY = 11, E_KEY_PERMS = 12,
        E_NO_CODE = 17, E_PREFIX = 18, E_SUBJECT_REVOKED = 34, E_PKCS11 = 35, E_LIFETIME = 36,
        E_BUNDLE = 37, E_BUNDLE_STATE = 44, E_PKCS11_MODULE = 45, E_KEY_ENCRYPTED = 48,
        E_PRESENTATION = 49, E_NOT_LIVE = 54, E_REGISTER = 55, E_AUDIT = 60, E_REGISTER_BUSY = 61;

    /** The exception of error code's family: what the native layer throws. */
    static HealthCodeException of(int code, String name, String message, String field, long line) {
        if (code >= E_PRESENTATION && code <= E_NOT_LIVE)
            return new PresentationRejectedException(code, name, message, field, line);
        if ((code >= E_PREFIX && code <= E_SUBJECT_REVOKED) || code == E_LIFETIME)
            return new TokenRejectedException(code, name, message, field, line);
        if (code == E_KEY || code == E_KEY_PERMS || code == E_PKCS11
                || (code >= E_PKCS11_MODULE && code <= E_KEY_ENCRYPTED))
            return new KeyException(code, name, message, field, line);
        if (code == E_ARG || code == E_LIMIT || (code >= E_RECORD && code <= E_NO_CODE))
            return new InvalidInputException(code, name, message, field, line);
        if (code == E_IO)
            return new HealthCodeIOException(code, name, message, field, line);
        if (code >= E_BUNDLE && code <= E_BUNDLE_STATE)
            return new BundleException(code, name, message, field, line);
        if (code == E_AUDIT)
            return new AuditFailedException(code, name, message, field, line);
        if (code >= E_REGISTER && code <= E_REGISTER_BUSY)
            return new RegisterException(code, name, message, field, line);
        return new HealthCodeException(code, name, message, field, line);
    }
}

package cn.healthcode;

/** A key could not be used: malformed or of the wrong kind ("invalid_key": a public key given
 *  to sign), readable by group or others ("key_permissions": chmod 600 it), encrypted
 *  ("key_encrypted"), or a key on a PKCS#11 token whose module ("pkcs11_module"), token or
 *  object ("pkcs11_no_token") or PIN ("pkcs11_pin") failed ("pkcs11" for the rest). A message
 *  names the key file, or the pkcs11: URI without its query (no message shows a PIN source). */
public class KeyException extends HealthCodeException {
    private static final long serialVersionUID = 1L;

    /** The error of hc_err value code (see {@link HealthCodeException}). */
    public KeyException(int code, String name, String message, String field, long line) {
        super(code, name, message, field, line);
    }
}

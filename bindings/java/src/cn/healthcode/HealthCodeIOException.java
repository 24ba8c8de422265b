package cn.healthcode;

/** A file could not be read or written ("io_error"). The message says which file and what
 *  is wrong with it ("cannot read /etc/hc/key.pem: no such file"; "… exists; not replacing
 *  it" where a call refuses to overwrite), and {@link #path()} gives the file. Not a
 *  {@link java.io.IOException}: like every error of the library it is a
 *  {@link HealthCodeException}, with the library's {@link #name} and {@link #code}. */
public class HealthCodeIOException extends HealthCodeException {
    private static final long serialVersionUID = 1L;

    /** The error of hc_err value code; field is the file's path ("" when unknown). */
    public HealthCodeIOException(int code, String name, String message, String field, long line) {
        super(code, name, message, field, line);
    }

    /** The file the error is about, as the caller named it; "" when the library did not say. */
    public String path() { return field; }
}

package cn.healthcode;

import java.nio.charset.StandardCharsets;

/** Signs health codes for one issuer id with one private key, assessing records under a
 *  policy. Holds native handles: close() it (try-with-resources). Use one per thread. */
public final class Issuer implements AutoCloseable {
    static { HealthCode.ensureLoaded(); }
    private long handle;

    /** keyPath: a PKCS#8 PEM file, mode 0600 (a key readable by others is refused with
     *  "key_permissions"); records are assessed under the built-in default policy. */
    public Issuer(String iss, String keyPath) throws HealthCodeException {
        this(iss, keyPath, null);
    }

    /** The same, assessing under the policy file at policyPath (null: the default). */
    public Issuer(String iss, String keyPath, String policyPath) throws HealthCodeException {
        handle = open(iss, keyPath, policyPath);
    }

    /** Assesses the record (JSON) under the policy at now and signs the result, valid for
     *  validitySeconds. An invalid record throws InvalidInputException naming the field. */
    public String issue(String recordJson, long now, long validitySeconds) throws HealthCodeException {
        return issue(handle(), utf8(recordJson), null, now, validitySeconds);
    }

    /** Signs a colour decided by the caller's own rules ("green", "yellow", "red"). */
    public String issue(String recordJson, String colour, long now, long validitySeconds)
            throws HealthCodeException {
        if (colour == null) throw new IllegalArgumentException("colour is null");
        return issue(handle(), utf8(recordJson), colour, now, validitySeconds);
    }

    private static byte[] utf8(String s) {
        if (s == null) throw new IllegalArgumentException("recordJson is null");
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private long handle() {
        if (handle == 0) throw new IllegalStateException("Issuer is closed");
        return handle;
    }

    /** Releases the native issuer, key and policy; later calls throw IllegalStateException. */
    @Override public void close() {
        if (handle != 0) { free(handle); handle = 0; }
    }

    private static native long open(String iss, String keyPath, String policyPath)
        throws HealthCodeException;
    private static native String issue(long h, byte[] recordJson, String colour, long now, long validity)
        throws HealthCodeException;
    private static native void free(long h);
}

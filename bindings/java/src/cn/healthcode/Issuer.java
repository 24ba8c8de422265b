package cn.healthcode;

import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;

/** Signs health codes for one issuer id with one private key, assessing records under a
 *  policy. Holds native handles: close() it (try-with-resources); one never closed is freed
 *  by a Cleaner after the collector finds it unreachable. Use one per thread. */
public final class Issuer implements AutoCloseable {
    static { HealthCode.ensureLoaded(); }
    private final NativeHandle handle;

    /** keyPath: a PKCS#8 PEM file, mode 0600 (a key readable by others is refused with
     *  "key_permissions"); records are assessed under the built-in default policy. */
    public Issuer(String iss, String keyPath) throws HealthCodeException {
        this(iss, keyPath, null);
    }

    /** The same, assessing under the policy file at policyPath (null: the default). */
    public Issuer(String iss, String keyPath, String policyPath) throws HealthCodeException {
        handle = new NativeHandle(this, open(iss, keyPath, policyPath), Issuer::free);
    }

    /** Assesses the record (JSON) under the policy at now and signs the result, valid for
     *  validitySeconds. An invalid record throws InvalidInputException naming the field. */
    public String issue(String recordJson, long now, long validitySeconds) throws HealthCodeException {
        try {
            return issue(handle.get(), utf8(recordJson), null, now, validitySeconds);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Signs a colour decided by the caller's own rules ("green", "yellow", "red"). */
    public String issue(String recordJson, String colour, long now, long validitySeconds)
            throws HealthCodeException {
        if (colour == null) throw new IllegalArgumentException("colour is null");
        try {
            return issue(handle.get(), utf8(recordJson), colour, now, validitySeconds);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private static byte[] utf8(String s) {
        if (s == null) throw new IllegalArgumentException("recordJson is null");
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Releases the native issuer, key and policy; later calls throw IllegalStateException. */
    @Override public void close() { handle.close(); }

    private static native long open(String iss, String keyPath, String policyPath)
        throws HealthCodeException;
    private static native String issue(long h, byte[] recordJson, String colour, long now, long validity)
        throws HealthCodeException;
    private static native void free(long h);
}

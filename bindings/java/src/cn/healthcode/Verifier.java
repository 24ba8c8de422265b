package cn.healthcode;

import java.lang.ref.Reference;

/** A trust store and a revocation list; verifies tokens in doc/format.md's eight steps.
 *  Holds native handles: close() it (try-with-resources); one never closed is freed by a
 *  Cleaner after the collector finds it unreachable. Not for use by several threads
 *  while keys or revocations are being added. */
public final class Verifier implements AutoCloseable {
    static { HealthCode.ensureLoaded(); }
    /** The clock allowance of {@link #verify(String, long)}, seconds. */
    public static final long DEFAULT_SKEW = 300;
    private final NativeHandle handle;

    public Verifier() throws HealthCodeException { handle = new NativeHandle(this, open(), Verifier::free); }

    /** No lower bound on a key's window (0 is 1970-01-01, never "open"). */
    public static final long UNBOUNDED_BEFORE = Long.MIN_VALUE;
    /** No upper bound on a key's window. */
    public static final long UNBOUNDED_AFTER = Long.MAX_VALUE;

    /** Trusts a PEM public key, for issuer iss (null: any), with no validity window. */
    public void addTrustPem(String pem, String iss) throws HealthCodeException {
        addPem(handle(), pem, iss, UNBOUNDED_BEFORE, UNBOUNDED_AFTER);
    }

    /** Trusts a PEM public key, for issuer iss (null: any), within [notBefore, notAfter), epoch
     *  seconds; UNBOUNDED_BEFORE / UNBOUNDED_AFTER for no bound (0 is 1970, a real bound). */
    public void addTrustPem(String pem, String iss, long notBefore, long notAfter) throws HealthCodeException {
        try {
            addPem(handle.get(), pem, iss, notBefore, notAfter);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Trusts a PEM file, a directory of .pem files, or a trust-list JSON file. */
    public void addTrustPath(String path) throws HealthCodeException {
        try {
            addPath(handle.get(), path);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Revokes token ids (16 hex digits) or subjects (32), one a line; a line "-ID" un-revokes. */
    public void revoke(String hexLines) throws HealthCodeException {
        try {
            revoke(handle.get(), hexLines);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Adds a revocation file (text or the binary HCRV1 form). */
    public void loadRevocations(String path) throws HealthCodeException {
        try {
            loadRevocations(handle.get(), path);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The verified claims, or a TokenRejectedException named after the failing step. */
    public HealthCode.Claims verify(String token, long now, long skewSeconds) throws HealthCodeException {
        try {
            return verify(handle.get(), token, now, skewSeconds);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The same with a clock allowance of {@link #DEFAULT_SKEW} seconds. */
    public HealthCode.Claims verify(String token, long now) throws HealthCodeException {
        return verify(token, now, DEFAULT_SKEW);
    }

    /** The native handle, for a Checkpoint's call (which keeps this Verifier reachable). */
    long handle() { return handle.get(); }

    /** Releases the native trust store and revocation list. */
    @Override public void close() { handle.close(); }

    private static native long open() throws HealthCodeException;
    private static native void addPem(long h, String pem, String iss, long nb, long na) throws HealthCodeException;
    private static native void addPath(long h, String path) throws HealthCodeException;
    private static native void revoke(long h, String lines) throws HealthCodeException;
    private static native void loadRevocations(long h, String path) throws HealthCodeException;
    private static native HealthCode.Claims verify(long h, String token, long now, long skew)
        throws HealthCodeException;
    private static native void free(long h);
}

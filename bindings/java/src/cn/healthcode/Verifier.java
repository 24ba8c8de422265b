package cn.healthcode;

import java.lang.ref.Reference;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** A trust store and a revocation list; verifies tokens in doc/format.md's eight steps, and
 *  live presentations of bound tokens in its P1-P5 around them ({@link VerifyOptions}).
 *  Holds native handles: close() it (try-with-resources); one never closed is freed by a
 *  Cleaner after the collector finds it unreachable. Verifying from several threads at once
 *  is safe; adding keys or revocations while another thread verifies is not. For the trust
 *  of signed bundles, see {@link BundleStore}. */
public final class Verifier implements AutoCloseable {
    static { HealthCode.ensureLoaded(); }
    /** The clock allowance of {@link #verify(String, long)}, seconds. */
    public static final long DEFAULT_SKEW = VerifyOptions.DEFAULT_SKEW;
    private final NativeHandle handle;

    /** An empty trust store and revocation list. */
    public Verifier() throws HealthCodeException { handle = new NativeHandle(this, open(), Verifier::free); }

    /** No lower bound on a key's window (0 is 1970-01-01, never "open"). */
    public static final long UNBOUNDED_BEFORE = Long.MIN_VALUE;
    /** No upper bound on a key's window. */
    public static final long UNBOUNDED_AFTER = Long.MAX_VALUE;

    /** Trusts a PEM public key, for issuer iss (null: any), with no validity window. */
    public void addTrustPem(String pem, @Nullable String iss) throws HealthCodeException {
        addTrustPem(pem, iss, UNBOUNDED_BEFORE, UNBOUNDED_AFTER);
    }

    /** Trusts a PEM public key, for issuer iss (null: any), within [notBefore, notAfter), epoch
     *  seconds; UNBOUNDED_BEFORE / UNBOUNDED_AFTER for no bound (0 is 1970, a real bound). */
    public void addTrustPem(String pem, @Nullable String iss, long notBefore, long notAfter)
            throws HealthCodeException {
        Objects.requireNonNull(pem, "pem");
        try {
            addPem(handle.get(), pem, iss, notBefore, notAfter);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The same with Instants; null is no bound (never 1970). */
    public void addTrustPem(String pem, @Nullable String iss, @Nullable Instant notBefore,
                            @Nullable Instant notAfter) throws HealthCodeException {
        addTrustPem(pem, iss, notBefore == null ? UNBOUNDED_BEFORE : notBefore.getEpochSecond(),
                    notAfter == null ? UNBOUNDED_AFTER : notAfter.getEpochSecond());
    }

    /** Trusts the public half of a {@link Key} (copied: the Key may be closed afterwards),
     *  for issuer iss (null: any), with no validity window. */
    public void addTrustKey(Key key, @Nullable String iss) throws HealthCodeException {
        addTrustKey(key, iss, UNBOUNDED_BEFORE, UNBOUNDED_AFTER);
    }

    /** The same within [notBefore, notAfter), epoch seconds, as {@link #addTrustPem(String,
     *  String, long, long)}. */
    public void addTrustKey(Key key, @Nullable String iss, long notBefore, long notAfter) throws HealthCodeException {
        Objects.requireNonNull(key, "key");
        try {
            addKey(handle.get(), key.handle(), iss, notBefore, notAfter);
        } finally {
            Reference.reachabilityFence(this);
            Reference.reachabilityFence(key);
        }
    }

    /** The same with Instants; null is no bound (never 1970). */
    public void addTrustKey(Key key, @Nullable String iss, @Nullable Instant notBefore, @Nullable Instant notAfter)
            throws HealthCodeException {
        addTrustKey(key, iss, notBefore == null ? UNBOUNDED_BEFORE : notBefore.getEpochSecond(),
                    notAfter == null ? UNBOUNDED_AFTER : notAfter.getEpochSecond());
    }

    /** Trusts a PEM file, a directory of .pem files, or a trust-list JSON file. */
    public void addTrustPath(String path) throws HealthCodeException {
        Objects.requireNonNull(path, "path");
        try {
            addPath(handle.get(), path);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Revokes token ids (16 hex digits) or subjects (32), one a line; a line "-ID" un-revokes. */
    public void revoke(String hexLines) throws HealthCodeException {
        Objects.requireNonNull(hexLines, "hexLines");
        try {
            revoke(handle.get(), hexLines);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Adds a revocation file (text or the binary HCRV1 form). */
    public void loadRevocations(String path) throws HealthCodeException {
        Objects.requireNonNull(path, "path");
        try {
            loadRevocations(handle.get(), path);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The number of keys trusted. */
    public int keyCount() {
        try {
            return count0(handle.get(), true);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The number of revoked ids (token ids and subjects). */
    public int revocationCount() {
        try {
            return count0(handle.get(), false);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The verified claims at now (epoch seconds) with a clock allowance of skewSeconds, or a
     *  TokenRejectedException named after the failing step. The text is a token ("HCODE1:")
     *  or a live presentation of one ("HCLIVE1:", from a {@link Presenter}), checked within
     *  the default live window (see {@link #verify(String, long, VerifyOptions)}). */
    public HealthCode.Claims verify(String token, long now, long skewSeconds) throws HealthCodeException {
        Objects.requireNonNull(token, "token");
        return verify(token, now, VerifyOptions.DEFAULT.withSkew(skewSeconds));
    }

    /** The same with a clock allowance of {@link #DEFAULT_SKEW} seconds. */
    public HealthCode.Claims verify(String token, long now) throws HealthCodeException {
        return verify(token, now, DEFAULT_SKEW);
    }

    /** The same at an Instant, with a clock allowance. */
    public HealthCode.Claims verify(String token, Instant now, Duration skew) throws HealthCodeException {
        Objects.requireNonNull(token, "token");
        return verify(token, Time.seconds(now, "now"), Time.seconds(skew, "skew"));
    }

    /** The same at an Instant with the default clock allowance. */
    public HealthCode.Claims verify(String token, Instant now) throws HealthCodeException {
        Objects.requireNonNull(token, "token");
        return verify(token, Time.seconds(now, "now"), DEFAULT_SKEW);
    }

    /** Verifies a token or a live presentation at now (epoch seconds) with the options' clock
     *  allowance, live window and require-live. A presentation passes doc/format.md's P1-P5
     *  around the token's own steps, or throws {@link PresentationRejectedException}
     *  ("bad_presentation", "unbound_token", "device_algorithm_mismatch",
     *  "bad_device_signature", "stale_presentation"); the claims say {@link
     *  HealthCode.Claims#live} and {@link HealthCode.Claims#t}. With require-live, a plain
     *  token throws "not_live". */
    public HealthCode.Claims verify(String token, long now, VerifyOptions options) throws HealthCodeException {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(options, "options");
        try {
            return verify0(handle.get(), token, now, options.skewSeconds, options.liveWindowSeconds,
                           options.requireLive);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The same at an Instant. */
    public HealthCode.Claims verify(String token, Instant now, VerifyOptions options) throws HealthCodeException {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(options, "options");
        return verify(token, Time.seconds(now, "now"), options);
    }

    /** The native handle, for a Checkpoint's call (which keeps this Verifier reachable). */
    long handle() { return handle.get(); }

    /** Releases the native trust store and revocation list. */
    @Override public void close() { handle.close(); }

    private static native long open() throws HealthCodeException;
    private static native void addPem(long h, String pem, String iss, long nb, long na) throws HealthCodeException;
    private static native void addKey(long h, long key, String iss, long nb, long na) throws HealthCodeException;
    private static native void addPath(long h, String path) throws HealthCodeException;
    private static native void revoke(long h, String lines) throws HealthCodeException;
    private static native void loadRevocations(long h, String path) throws HealthCodeException;
    private static native int count0(long h, boolean keys);
    /** Verifies through a Verifier's or a BundleStore's handle (both start with the same source). */
    static native HealthCode.Claims verify0(long source, String token, long now, long skew, long liveWindow,
                                            boolean requireLive) throws HealthCodeException;
    private static native void free(long h);
}

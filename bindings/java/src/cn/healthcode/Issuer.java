package cn.healthcode;

import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** Signs health codes for one issuer id with one private key, assessing records under a
 *  policy. A record with a device_key (the holder's phone's public key, base64 of its SPKI
 *  DER) gives a code bound to that device, which it shows live with a {@link Presenter}. With
 *  a {@link Register}, each code is recorded there too. Holds native handles: close() it (try-with-resources); one never closed is freed
 *  by a Cleaner after the collector finds it unreachable. Use one per thread. */
public final class Issuer implements AutoCloseable {
    static { HealthCode.ensureLoaded(); }
    private final NativeHandle handle;

    /** keyPath: a PKCS#8 PEM file, mode 0600 (one readable by others is refused with
     *  KeyException "key_permissions"; a public key with KeyException "invalid_key" saying
     *  so; a missing file with HealthCodeIOException naming it), or a pkcs11: URI; records
     *  are assessed under the built-in default policy. */
    public Issuer(String iss, String keyPath) throws HealthCodeException {
        this(iss, keyPath, null);
    }

    /** The same, assessing under the policy file at policyPath (null: the default). */
    public Issuer(String iss, String keyPath, @Nullable String policyPath) throws HealthCodeException {
        Objects.requireNonNull(iss, "iss");
        Objects.requireNonNull(keyPath, "keyPath");
        handle = new NativeHandle(this, open(iss, keyPath, policyPath), Issuer::free);
    }

    /** An issuer signing with a private {@link Key} (a file's, a token's, or one just
     *  generated: ES256, EdDSA or SM2), under the default policy. The issuer keeps its own
     *  reference: the Key may be closed afterwards. */
    public Issuer(String iss, Key key) throws HealthCodeException {
        this(iss, key, null);
    }

    /** The same, assessing under the policy file at policyPath (null: the default). */
    public Issuer(String iss, Key key, @Nullable String policyPath) throws HealthCodeException {
        Objects.requireNonNull(iss, "iss");
        Objects.requireNonNull(key, "key");
        try {
            handle = new NativeHandle(this, openWithKey(iss, key.handle(), policyPath), Issuer::free);
        } finally {
            Reference.reachabilityFence(key);
        }
    }

    /** Sets the subject secret (16 to 64 bytes, copied): tokens then carry sub, a pseudonym
     *  of the person's document number (HMAC-SHA256) that a revocation list can name to
     *  revoke every code of that person. */
    public void setSubjectSecret(byte[] secret) throws HealthCodeException {
        Objects.requireNonNull(secret, "secret");
        try {
            setSubjectSecret0(handle.get(), secret);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Assesses the record (JSON) under the policy at now (epoch seconds) and signs the
     *  result, valid for validitySeconds (1 s to 30 days). An invalid record throws
     *  InvalidInputException naming the field. */
    public String issue(String recordJson, long now, long validitySeconds) throws HealthCodeException {
        byte[] record = utf8(recordJson);
        try {
            return issue(handle.get(), record, null, now, validitySeconds);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The same at an Instant, valid for a Duration (whole seconds). */
    public String issue(String recordJson, Instant now, Duration validity) throws HealthCodeException {
        Objects.requireNonNull(recordJson, "recordJson");
        return issue(recordJson, Time.seconds(now, "now"), Time.seconds(validity, "validity"));
    }

    /** Signs a colour decided by the caller's own rules ("green", "yellow", "red"). */
    public String issue(String recordJson, String colour, long now, long validitySeconds)
            throws HealthCodeException {
        byte[] record = utf8(recordJson);
        Objects.requireNonNull(colour, "colour");
        try {
            return issue(handle.get(), record, colour, now, validitySeconds);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The same at an Instant, valid for a Duration (whole seconds). */
    public String issue(String recordJson, String colour, Instant now, Duration validity)
            throws HealthCodeException {
        Objects.requireNonNull(recordJson, "recordJson");
        Objects.requireNonNull(colour, "colour");
        return issue(recordJson, colour, Time.seconds(now, "now"), Time.seconds(validity, "validity"));
    }

    /** Issues as {@link #issue(String, long, long)} and records the code in register before
     *  returning it (a code the register refuses throws, and is not returned; the register
     *  needs its key set). */
    public String issue(String recordJson, long now, long validitySeconds, Register register)
            throws HealthCodeException {
        Objects.requireNonNull(recordJson, "recordJson");
        Objects.requireNonNull(register, "register");
        String token = issue(recordJson, now, validitySeconds);
        register.record(token);
        return token;
    }

    /** The same at an Instant, valid for a Duration (whole seconds). */
    public String issue(String recordJson, Instant now, Duration validity, Register register)
            throws HealthCodeException {
        Objects.requireNonNull(recordJson, "recordJson");
        Objects.requireNonNull(register, "register");
        return issue(recordJson, Time.seconds(now, "now"), Time.seconds(validity, "validity"), register);
    }

    /** Issues a colour decided by the caller's own rules, as {@link #issue(String, String,
     *  long, long)}, and records the code in register before returning it. */
    public String issue(String recordJson, String colour, long now, long validitySeconds, Register register)
            throws HealthCodeException {
        Objects.requireNonNull(recordJson, "recordJson");
        Objects.requireNonNull(colour, "colour");
        Objects.requireNonNull(register, "register");
        String token = issue(recordJson, colour, now, validitySeconds);
        register.record(token);
        return token;
    }

    /** The same at an Instant, valid for a Duration (whole seconds). */
    public String issue(String recordJson, String colour, Instant now, Duration validity, Register register)
            throws HealthCodeException {
        Objects.requireNonNull(recordJson, "recordJson");
        Objects.requireNonNull(colour, "colour");
        Objects.requireNonNull(register, "register");
        return issue(recordJson, colour, Time.seconds(now, "now"), Time.seconds(validity, "validity"), register);
    }

    /** The native handle, for a Register's correction (which keeps this Issuer reachable). */
    long handle() { return handle.get(); }

    private static byte[] utf8(String recordJson) {
        return Objects.requireNonNull(recordJson, "recordJson").getBytes(StandardCharsets.UTF_8);
    }

    /** Releases the native issuer, key and policy; later calls throw IllegalStateException. */
    @Override public void close() { handle.close(); }

    private static native long open(String iss, String keyPath, String policyPath) throws HealthCodeException;
    private static native long openWithKey(String iss, long key, String policyPath) throws HealthCodeException;
    private static native void setSubjectSecret0(long h, byte[] secret) throws HealthCodeException;
    private static native String issue(long h, byte[] recordJson, String colour, long now, long validity)
        throws HealthCodeException;
    private static native void free(long h);
}

package cn.healthcode;

import java.lang.ref.Reference;

/** A venue's gate: verifies a token with a {@link Verifier}, then applies the venue's rules
 *  (admitted colours, maximum token age, fever threshold). Holds a native handle: close() it
 *  (one never closed is freed by a Cleaner after the collector finds it unreachable).
 *  The Verifier must stay open while the Checkpoint is used. */
public final class Checkpoint implements AutoCloseable {
    static { HealthCode.ensureLoaded(); }
    private final Verifier verifier;
    private final NativeHandle rules;

    /** venueJson: {"name":"…","admit":["green"],"max_age":"5m","fever_c":37.3}, keys absent
     *  keep the defaults; null: green only, any age, 37.3 °C. Bad rules throw
     *  InvalidInputException naming the key. */
    public Checkpoint(Verifier verifier, String venueJson) throws HealthCodeException {
        if (verifier == null) throw new IllegalArgumentException("verifier is null");
        this.verifier = verifier;
        this.rules = new NativeHandle(this, open(venueJson), Checkpoint::free);
    }

    /** Verifies the token and decides; temperatureC is the on-site reading, NaN when none was
     *  taken. A token that fails verification throws TokenRejectedException: the gate denies. */
    public Decision check(String token, long now, double temperatureC) throws HealthCodeException {
        try {
            return check(rules.get(), verifier.handle(), token, now, Verifier.DEFAULT_SKEW, temperatureC);
        } finally {
            Reference.reachabilityFence(this);
            Reference.reachabilityFence(verifier);
        }
    }

    @Override public void close() { rules.close(); }

    /** admit, and why: code "admitted", "colour", "too_old" or "fever", with sentences. */
    public static final class Decision {
        public final boolean admit;
        public final String code, zh, en;
        Decision(boolean admit, String code, String zh, String en) {
            this.admit = admit; this.code = code; this.zh = zh; this.en = en;
        }
    }

    private static native long open(String venueJson) throws HealthCodeException;
    private static native Decision check(long rules, long verifier, String token, long now, long skew,
                                         double t) throws HealthCodeException;
    private static native void free(long h);
}

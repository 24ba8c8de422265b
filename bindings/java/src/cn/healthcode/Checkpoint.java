package cn.healthcode;

import java.lang.ref.Reference;
import java.time.Instant;
import java.util.Objects;

/** A venue's gate: verifies a token with a {@link Verifier} or a {@link BundleStore}, then
 *  applies the venue's rules (admitted colours, maximum token age, fever threshold). Holds a
 *  native handle: close() it (one never closed is freed by a Cleaner after the collector
 *  finds it unreachable). The Verifier or BundleStore must stay open while the Checkpoint is
 *  used. */
public final class Checkpoint implements AutoCloseable {
    static { HealthCode.ensureLoaded(); }
    private final Verifier verifier;   // one of the two
    private final BundleStore store;
    private final NativeHandle rules;

    /** venueJson: {"name":"…","admit":["green"],"max_age":"5m","fever_c":37.3}, keys absent
     *  keep the defaults; null: green only, any age, 37.3 °C. Bad rules throw
     *  InvalidInputException naming the key. */
    public Checkpoint(Verifier verifier, @Nullable String venueJson) throws HealthCodeException {
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.store = null;
        this.rules = new NativeHandle(this, open(venueJson), Checkpoint::free);
    }

    /** The same, verifying with the keys and revocations of signed bundles. */
    public Checkpoint(BundleStore store, @Nullable String venueJson) throws HealthCodeException {
        this.verifier = null;
        this.store = Objects.requireNonNull(store, "store");
        this.rules = new NativeHandle(this, open(venueJson), Checkpoint::free);
    }

    /** Verifies the token at now (epoch seconds) and decides; temperatureC is the on-site
     *  reading, NaN when none was taken. A token that fails verification throws
     *  TokenRejectedException: the gate denies. */
    public Decision check(String token, long now, double temperatureC) throws HealthCodeException {
        Objects.requireNonNull(token, "token");
        try {
            if (store != null)
                return store.check(rules.get(), token, now, Verifier.DEFAULT_SKEW, temperatureC);
            return check(rules.get(), verifier.handle(), token, now, Verifier.DEFAULT_SKEW, temperatureC);
        } finally {
            Reference.reachabilityFence(this);
            Reference.reachabilityFence(verifier);
        }
    }

    /** The same at an Instant. */
    public Decision check(String token, Instant now, double temperatureC) throws HealthCodeException {
        Objects.requireNonNull(token, "token");
        return check(token, Time.seconds(now, "now"), temperatureC);
    }

    /** Releases the venue rules. */
    @Override public void close() { rules.close(); }

    /** admit, and why: code "admitted", "colour", "too_old" or "fever", with sentences. */
    public static final class Decision {
        /** true: let the person in. */
        public final boolean admit;
        /** "admitted", "colour", "too_old" or "fever". */
        public final String code;
        /** The sentence for the staff and the person, in Chinese. */
        public final String zh;
        /** The same in English. */
        public final String en;

        Decision(boolean admit, String code, String zh, String en) {
            this.admit = admit; this.code = code; this.zh = zh; this.en = en;
        }

        /** "Decision{admit admitted: …}" or "Decision{deny fever: …}", with the English sentence. */
        @Override public String toString() {
            return "Decision{" + (admit ? "admit " : "deny ") + code + ": " + en + "}";
        }
    }

    static native Decision check(long rules, long source, String token, long now, long skew, double t)
        throws HealthCodeException;
    private static native long open(String venueJson) throws HealthCodeException;
    private static native void free(long h);
}

package cn.healthcode;

import java.lang.ref.Reference;
import java.time.Instant;
import java.util.Objects;

/** A venue's gate: verifies a token or a live presentation with a {@link Verifier} or a
 *  {@link BundleStore}, then applies the venue's rules ({@link Venue}: admitted colours,
 *  maximum token age, fever threshold, what to do with a phone-bound code shown plain and
 *  with a paper code). With a {@link Repeats} memory, a code admitted within the live window
 *  and shown again is denied as a "repeat".
 *
 *  <pre>{@code
 *  try (Checkpoint gate = Checkpoint.ofVenueClass(store, "hospital").repeats(new Repeats())) {
 *      for (;;) {   // the scanner loop
 *          Checkpoint.Decision d = gate.check(scanner.next(), Instant.now(), Double.NaN);
 *          show(d.admit, d.zh, d.en);                       // d.code "repeat" for a second showing
 *      }
 *  }
 *  }</pre>
 *
 *  <p>Holds a native handle: close() it (one never closed is freed by a Cleaner after the
 *  collector finds it unreachable). The Verifier or BundleStore, and the Repeats, must stay
 *  open while the Checkpoint is used. Checks may run from several threads at once. */
public final class Checkpoint implements AutoCloseable {
    static { HealthCode.ensureLoaded(); }
    private final Verifier verifier;   // one of the two
    private final BundleStore store;
    private final Venue venue;         // null for a venue class: the bundle's rules at each check
    private final String venueClass;
    private final NativeHandle rules;  // null for a venue class
    private volatile Repeats repeats;

    /** venueJson: {"name":"…","admit":["green"],"max_age":"5m","fever_c":37.3,
     *  "live":"required","unbound":"check_id"} (see {@link Venue#fromJson}), keys absent keep
     *  the defaults; null: {@link Venue#DEFAULT}. Bad rules throw InvalidInputException
     *  naming the key. */
    public Checkpoint(Verifier verifier, @Nullable String venueJson) throws HealthCodeException {
        this(Objects.requireNonNull(verifier, "verifier"), null, rulesOf(venueJson), null);
    }

    /** The same, verifying with the keys and revocations of signed bundles. */
    public Checkpoint(BundleStore store, @Nullable String venueJson) throws HealthCodeException {
        this(null, Objects.requireNonNull(store, "store"), rulesOf(venueJson), null);
    }

    /** A gate with the venue's rules (from {@link Venue#fromJson}, or a bundle's:
     *  {@link BundleStore#venue}), verifying with verifier. */
    public static Checkpoint of(Verifier verifier, Venue venue) throws HealthCodeException {
        return new Checkpoint(Objects.requireNonNull(verifier, "verifier"), null, Objects.requireNonNull(venue, "venue"),
                              null);
    }

    /** A gate with the venue's rules, verifying with the bundles' trust (these rules stay: for
     *  rules that follow each new bundle, see {@link #ofVenueClass}). */
    public static Checkpoint of(BundleStore store, Venue venue) throws HealthCodeException {
        return new Checkpoint(null, Objects.requireNonNull(store, "store"), Objects.requireNonNull(venue, "venue"), null);
    }

    private Checkpoint(Verifier verifier, BundleStore store, Venue venue, String venueClass)
            throws HealthCodeException {
        this.verifier = verifier;
        this.store = store;
        this.venue = venue;
        this.venueClass = venueClass;
        this.rules = venue == null ? null : new NativeHandle(this, venue.open(), Checkpoint::free);
    }

    private static Venue rulesOf(String venueJson) throws HealthCodeException {
        return venueJson == null ? Venue.DEFAULT : Venue.fromJson(venueJson);
    }

    /** A gate of the venue class name ("hospital") whose rules come from the bundle the store
     *  holds at each check, so that a province changes "hospitals: live required" once and
     *  every gate follows at its next bundle ({@code healthcode check --venue-class}). The
     *  bundle held now must carry that class (InvalidInputException "invalid_venue" listing the
     *  classes it has); a later bundle without it makes the checks throw the same. */
    public static Checkpoint ofVenueClass(BundleStore store, String name) throws HealthCodeException {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(name, "name");
        store.venue(name);   // refused now rather than at the first scan
        return new Checkpoint(null, store, null, name);
    }

    /** Remembers the codes this gate admits in repeats (null: no memory, the default), and
     *  denies one shown again within its window ("repeat"): see {@link Repeats}. Returns this
     *  gate. */
    public Checkpoint repeats(@Nullable Repeats repeats) {
        this.repeats = repeats;
        return this;
    }

    /** The rules this gate applies now: its own, or its venue class's in the bundle held. */
    public Venue venue() throws HealthCodeException {
        return venue != null ? venue : store.venue(venueClass);
    }

    /** Verifies the token (or live presentation) at now (epoch seconds) and decides;
     *  temperatureC is the on-site reading, NaN when none was taken. A text that fails
     *  verification throws TokenRejectedException (PresentationRejectedException for a
     *  presentation's own steps): the gate denies. */
    public Decision check(String token, long now, double temperatureC) throws HealthCodeException {
        Objects.requireNonNull(token, "token");
        return check(token, now, temperatureC, VerifyOptions.DEFAULT);
    }

    /** The same at an Instant. */
    public Decision check(String token, Instant now, double temperatureC) throws HealthCodeException {
        Objects.requireNonNull(token, "token");
        return check(token, Time.seconds(now, "now"), temperatureC);
    }

    /** The same with verification options (the live window; require-live refuses plain
     *  tokens by exception, where a venue's live "required" denies them by decision,
     *  "not_live"). */
    public Decision check(String token, long now, double temperatureC, VerifyOptions options)
            throws HealthCodeException {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(options, "options");
        Repeats r = repeats;
        if (r == null) return decide(token, now, temperatureC, options, 0);
        synchronized (r) {
            try {
                return decide(token, now, temperatureC, options, r.handle());
            } finally {
                Reference.reachabilityFence(r);
            }
        }
    }

    /** The same at an Instant. */
    public Decision check(String token, Instant now, double temperatureC, VerifyOptions options)
            throws HealthCodeException {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(options, "options");
        return check(token, Time.seconds(now, "now"), temperatureC, options);
    }

    private Decision decide(String token, long now, double t, VerifyOptions o, long rep) throws HealthCodeException {
        try {
            long r = rules == null ? 0 : rules.get();
            if (store != null) return store.check(r, venueClass, token, now, o, t, rep);
            return check(r, verifier.handle(), token, now, o.skewSeconds, o.liveWindowSeconds, o.requireLive, t,
                         rep, null);
        } finally {
            Reference.reachabilityFence(this);
            Reference.reachabilityFence(verifier);
        }
    }

    /** Releases the venue rules. */
    @Override public void close() {
        if (rules != null) rules.close();
    }

    /** admit, and why: the code, with sentences for the staff and the person. */
    public static final class Decision {
        /** true: let the person in. */
        public final boolean admit;
        /** Admitted: "admitted", "check_id" (a paper code: compare an ID document),
         *  "admitted_not_live" (a phone-bound code shown plain where live is preferred).
         *  Denied: "colour", "too_old", "fever", "not_live" (a phone-bound code shown plain
         *  where live is required), "unbound" (a paper code where refused), "repeat" (a code
         *  admitted within the window, shown again). */
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

    /** rules 0: the rules of venueClass in the source's bundle. repeats 0: none. */
    static native Decision check(long rules, long source, String token, long now, long skew, long liveWindow,
                                 boolean requireLive, double t, long repeats, String venueClass)
        throws HealthCodeException;
    static native long open(String name, boolean green, boolean yellow, boolean red, long maxAge, double fever,
                            int live, int unbound) throws HealthCodeException;
    private static native void free(long h);
}

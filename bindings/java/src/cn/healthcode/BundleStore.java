package cn.healthcode;

import java.io.File;
import java.lang.ref.Reference;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/** A checkpoint's trust from signed bundles (doc/bundle.md): pinned root keys, the last
 *  accepted sequence (kept in a state directory across restarts, so an older bundle is
 *  refused), then the issuer keys, revocations and venue rules of the bundles applied.
 *
 *  <p>A store that is behind its state file refuses to verify (BundleException
 *  "bundle_rollback"): after a restart that applied only the full bundle, or the full bundle
 *  applied again over its delta, it would hold the keys the delta dropped and miss the
 *  revocations it added. Apply the delta (or a newer full bundle) and it verifies again.
 *
 *  <p>Threads: verify() from any number of threads at once; apply() waits for them and
 *  they for it. Holds a native handle: close() it; one never closed is freed by a Cleaner. */
public final class BundleStore implements AutoCloseable {
    static { HealthCode.ensureLoaded(); }
    /** The name of the state file in the state directory, as the CLI's --state writes it. */
    public static final String STATE_FILE = "bundle-state.cbor";
    private final NativeHandle handle;
    /** apply() replaces the trust that verifications read: writer and readers. */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final boolean stateful;

    /** A store trusting bundles signed by roots (their public halves are copied), with no
     *  state kept across restarts: rollback protection lasts as long as the object. */
    public BundleStore(Collection<Key> roots) throws HealthCodeException {
        this(roots, null);
    }

    /** The same, reading and keeping its state in stateDir/{@value #STATE_FILE} (null: none),
     *  as {@code healthcode verify --state DIR} does. */
    public BundleStore(Collection<Key> roots, @Nullable String stateDir) throws HealthCodeException {
        Objects.requireNonNull(roots, "roots");
        stateful = stateDir != null;
        Key[] keys = roots.toArray(new Key[0]);
        long[] handles = new long[keys.length];
        try {
            for (int i = 0; i < keys.length; i++)
                handles[i] = Objects.requireNonNull(keys[i], "roots[" + i + "]").handle();
            handle = new NativeHandle(this, open(handles, stateDir == null ? null
                                                 : new File(stateDir, STATE_FILE).getPath()), BundleStore::free);
        } finally {
            Reference.reachabilityFence(keys);
        }
    }

    /** Checks a bundle's bytes and makes it the trust; returns its sequence number. A refused
     *  bundle (BundleException "bundle_rollback", "bundle_expired", "bundle_wrong_root", …)
     *  changes nothing, in memory or in the state file. */
    public long apply(byte[] bundle, long now) throws HealthCodeException {
        return apply(Objects.requireNonNull(bundle, "bundle"), null, now, false);
    }

    /** The same; acceptStale accepts an expired bundle, flagged {@link #stale()}. */
    public long apply(byte[] bundle, long now, boolean acceptStale) throws HealthCodeException {
        return apply(Objects.requireNonNull(bundle, "bundle"), null, now, acceptStale);
    }

    /** The same at an Instant. */
    public long apply(byte[] bundle, Instant now, boolean acceptStale) throws HealthCodeException {
        Objects.requireNonNull(bundle, "bundle");
        return apply(bundle, null, Time.seconds(now, "now"), acceptStale);
    }

    /** Checks the bundle file at path and makes it the trust, as {@link #apply(byte[], long)}. */
    public long applyFile(String path, long now) throws HealthCodeException {
        return apply(null, Objects.requireNonNull(path, "path"), now, false);
    }

    /** The same; acceptStale accepts an expired bundle, flagged {@link #stale()}. */
    public long applyFile(String path, long now, boolean acceptStale) throws HealthCodeException {
        return apply(null, Objects.requireNonNull(path, "path"), now, acceptStale);
    }

    /** The same at an Instant. */
    public long applyFile(String path, Instant now, boolean acceptStale) throws HealthCodeException {
        Objects.requireNonNull(path, "path");
        return apply(null, path, Time.seconds(now, "now"), acceptStale);
    }

    private long apply(byte[] bundle, String path, long now, boolean acceptStale) throws HealthCodeException {
        lock.writeLock().lock();
        try {
            return apply0(handle.get(), bundle, path, now, acceptStale);
        } finally {
            lock.writeLock().unlock();
            Reference.reachabilityFence(this);
        }
    }

    /** The sequence number of the last bundle applied (0 before the first). */
    public long seq() { return state(0); }

    /** true when the trust comes from an expired bundle accepted with acceptStale. */
    public boolean stale() { return state(1) != 0; }

    /** true when the state file records a later bundle than this store holds: verify()
     *  refuses until the bundles after it are applied. */
    public boolean behind() { return state(2) != 0; }

    private long state(int what) {
        lock.readLock().lock();
        try {
            return state0(handle.get(), what);
        } finally {
            lock.readLock().unlock();
            Reference.reachabilityFence(this);
        }
    }

    /** Verifies a token or a live presentation with the bundles' keys and revocations at now
     *  (epoch seconds), as {@link Verifier#verify(String, long, long)} does. Before any bundle
     *  is accepted: TokenRejectedException "unknown_kid"; on a store behind its state:
     *  BundleException "bundle_rollback". */
    public HealthCode.Claims verify(String token, long now, long skewSeconds) throws HealthCodeException {
        Objects.requireNonNull(token, "token");
        return verify(token, now, VerifyOptions.DEFAULT.withSkew(skewSeconds));
    }

    /** The same with a clock allowance of {@link Verifier#DEFAULT_SKEW} seconds. */
    public HealthCode.Claims verify(String token, long now) throws HealthCodeException {
        return verify(token, now, Verifier.DEFAULT_SKEW);
    }

    /** The same at an Instant, with a clock allowance. */
    public HealthCode.Claims verify(String token, Instant now, Duration skew) throws HealthCodeException {
        Objects.requireNonNull(token, "token");
        return verify(token, Time.seconds(now, "now"), Time.seconds(skew, "skew"));
    }

    /** The same at an Instant with the default clock allowance. */
    public HealthCode.Claims verify(String token, Instant now) throws HealthCodeException {
        Objects.requireNonNull(token, "token");
        return verify(token, Time.seconds(now, "now"), Verifier.DEFAULT_SKEW);
    }

    /** The same with options: a live window, require-live (as
     *  {@link Verifier#verify(String, long, VerifyOptions)}). */
    public HealthCode.Claims verify(String token, long now, VerifyOptions options) throws HealthCodeException {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(options, "options");
        lock.readLock().lock();
        try {
            return Verifier.verify0(handle.get(), token, now, options.skewSeconds, options.liveWindowSeconds,
                                    options.requireLive);
        } finally {
            lock.readLock().unlock();
            Reference.reachabilityFence(this);
        }
    }

    /** The same at an Instant. */
    public HealthCode.Claims verify(String token, Instant now, VerifyOptions options) throws HealthCodeException {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(options, "options");
        return verify(token, Time.seconds(now, "now"), options);
    }

    /** The names of the venue classes ("hospital", "mall") whose rules the accepted bundle
     *  carries, in the bundle's order; empty before the first bundle, on a store behind its
     *  state, and for a bundle without venue rules. */
    public List<String> venueClasses() {
        lock.readLock().lock();
        try {
            return List.of(venueClasses0(handle.get()));
        } finally {
            lock.readLock().unlock();
            Reference.reachabilityFence(this);
        }
    }

    /** The venue rules of the venue class name that the accepted bundle carries (signed
     *  with its trust: {@code healthcode bundle make --venues}). InvalidInputException
     *  "invalid_venue" when the bundle has no rules of that name (the message lists those it
     *  has); before the first bundle TokenRejectedException "unknown_kid", on a store behind
     *  its state BundleException "bundle_rollback". A {@link Checkpoint#ofVenueClass
     *  Checkpoint of a venue class} follows the rules of each new bundle. */
    public Venue venue(String name) throws HealthCodeException {
        Objects.requireNonNull(name, "name");
        lock.readLock().lock();
        try {
            return venue0(handle.get(), name);
        } finally {
            lock.readLock().unlock();
            Reference.reachabilityFence(this);
        }
    }

    /** true when the store keeps its state in a directory (made with a stateDir): only then
     *  does it refuse, across restarts, a bundle older than one it accepted before. */
    public boolean rollbackProtected() { return stateful; }

    /** A Checkpoint's decision through this store's trust, under the read lock: by the
     *  rules at handle rules, or (rules 0) by those of the venue class venueClass in the
     *  bundle held now. */
    Checkpoint.Decision check(long rules, String venueClass, String token, long now, VerifyOptions o, double t,
                              long repeats) throws HealthCodeException {
        lock.readLock().lock();
        try {
            return Checkpoint.check(rules, handle.get(), token, now, o.skewSeconds, o.liveWindowSeconds,
                                    o.requireLive, t, repeats, venueClass);
        } finally {
            lock.readLock().unlock();
            Reference.reachabilityFence(this);
        }
    }

    /** Releases the store (waiting for verifications in progress). */
    @Override public void close() {
        lock.writeLock().lock();
        try {
            handle.close();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private static native long open(long[] roots, String statePath) throws HealthCodeException;
    private static native long apply0(long h, byte[] bundle, String path, long now, boolean acceptStale)
        throws HealthCodeException;
    private static native long state0(long h, int what);
    private static native String[] venueClasses0(long h);
    private static native Venue venue0(long h, String name) throws HealthCodeException;
    private static native void free(long h);
}

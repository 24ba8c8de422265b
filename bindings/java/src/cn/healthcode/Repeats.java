package cn.healthcode;

import java.lang.ref.Reference;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** The codes a checkpoint admitted lately, so that the same code shown again within the live
 *  window is denied as a "repeat": a screenshot of a live code passed back through the queue,
 *  or one paper code shown for two people. A code is its cti, never its text (a presentation
 *  is remade every few seconds). Give it to a {@link Checkpoint} ({@link Checkpoint#repeats}).
 *
 *  <p>The memory is bounded: it holds the last {@code capacity} admissions (a ring, the oldest
 *  forgotten first), 16 bytes each, allocated once. A door admitting one person a second needs
 *  window-seconds entries to remember a whole window; the default {@value #DEFAULT_CAPACITY}
 *  covers 17 a second at the default 60 s window. A scanner loop keeps one in memory; a
 *  command run once a scan keeps it in a file ({@link #load}, {@link #save}: the format of
 *  {@code healthcode check --seen FILE}).
 *
 *  <p>Thread-safe: its methods, and the checks of the Checkpoints that use it, take its lock
 *  (one memory may serve several Checkpoints of one door). Holds a native handle: close() it; one never closed is freed by
 *  a Cleaner. */
public final class Repeats implements AutoCloseable {
    static { HealthCode.ensureLoaded(); }
    /** The capacity of {@link #Repeats()}: admissions remembered. */
    public static final int DEFAULT_CAPACITY = 1024;
    /** The largest capacity. */
    public static final int MAX_CAPACITY = 65536;
    private final NativeHandle handle;
    /** The window, seconds. */
    public final long windowSeconds;

    /** {@value #DEFAULT_CAPACITY} admissions over the default live window (60 s). */
    public Repeats() throws HealthCodeException { this(DEFAULT_CAPACITY, VerifyOptions.DEFAULT_LIVE_WINDOW); }

    /** capacity admissions (1 to {@value #MAX_CAPACITY}) remembered for windowSeconds (1 to
     *  300; the live window of the checkpoint's verifications is the natural value). Out of
     *  range: InvalidInputException "invalid_argument". */
    public Repeats(int capacity, long windowSeconds) throws HealthCodeException {
        handle = new NativeHandle(this, open(capacity, windowSeconds), Repeats::free);
        this.windowSeconds = windowSeconds;
    }

    /** The same with the window as a Duration (whole seconds). */
    public Repeats(int capacity, Duration window) throws HealthCodeException {
        this(capacity, Time.seconds(window, "window"));
    }

    /** Replaces what this memory holds by the file at path, written by {@link #save} or by
     *  {@code healthcode check --seen} (entries beyond the capacity: the newest are kept). A
     *  missing file is an empty memory. Not such a file: HealthCodeIOException naming it. */
    public void load(String path) throws HealthCodeException { file(Objects.requireNonNull(path, "path"), false); }

    /** Writes the memory to path (mode 0600), atomically. */
    public void save(String path) throws HealthCodeException { file(Objects.requireNonNull(path, "path"), true); }

    private synchronized void file(String path, boolean save) throws HealthCodeException {
        try {
            file0(handle.get(), path, save);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Whether the code with this cti (16 hex digits, {@link HealthCode.Claims#cti}) was
     *  admitted within the window of now (either side of it: a clock set back hides no
     *  repeat). */
    public synchronized boolean seen(String cti, long now) throws HealthCodeException {
        Objects.requireNonNull(cti, "cti");
        try {
            return seen0(handle.get(), cti, now, false) != Long.MIN_VALUE;
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The same at an Instant. */
    public boolean seen(String cti, Instant now) throws HealthCodeException {
        Objects.requireNonNull(cti, "cti");
        return seen(cti, Time.seconds(now, "now"));
    }

    /** Remembers that the code with this cti was admitted at now (what a Checkpoint does for
     *  each code it admits). */
    public synchronized void note(String cti, long now) throws HealthCodeException {
        Objects.requireNonNull(cti, "cti");
        try {
            seen0(handle.get(), cti, now, true);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The number of admissions held (at most the capacity). */
    public synchronized int count() {
        try {
            return count0(handle.get());
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The native handle, for a Checkpoint's call (made holding this object's lock). */
    long handle() { return handle.get(); }

    /** "Repeats{3 admissions, window 60 s}". */
    @Override public String toString() {
        try {
            return "Repeats{" + count() + (count() == 1 ? " admission" : " admissions") + ", window "
                + windowSeconds + " s}";
        } catch (IllegalStateException e) {
            return "Repeats{closed}";
        }
    }

    /** Releases the memory. */
    @Override public void close() { handle.close(); }

    private static native long open(int capacity, long window) throws HealthCodeException;
    private static native void file0(long h, String path, boolean save) throws HealthCodeException;
    private static native long seen0(long h, String cti, long now, boolean note) throws HealthCodeException;
    private static native int count0(long h);
    private static native void free(long h);
}

package cn.healthcode;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/** One native handle owned by one Java object (an Issuer, a Verifier, a Checkpoint): freed
 *  by the owner's close(), or by a {@link Cleaner} once the owner has become unreachable
 *  without being closed. close() stays the way to free at a known moment; the Cleaner only
 *  bounds what a forgotten close() costs.
 *
 *  <p>The owner calls {@link #get()} for each native call and keeps itself reachable until
 *  the call returns ({@code Reference.reachabilityFence(this)} in a finally block): otherwise
 *  the collector may find the owner unreachable while the native code still uses the handle,
 *  and the Cleaner would free it under that code. */
final class NativeHandle {
    private static final Cleaner CLEANER = Cleaner.create();
    /** Handles the Cleaner freed (their owners were never closed), for the tests. */
    static final AtomicLong collected = new AtomicLong();

    /** What the cleaning action holds: the handle and its free function, never the owner
     *  (that would keep the owner reachable, and it would never be cleaned). */
    private static final class State implements Runnable {
        private final LongConsumer free;
        private long handle;
        private boolean closing;

        State(long handle, LongConsumer free) {
            this.handle = handle;
            this.free = free;
        }

        @Override public synchronized void run() {
            if (handle == 0) return;
            if (!closing) collected.incrementAndGet();
            free.accept(handle);
            handle = 0;
        }
    }

    private final State state;
    private final Cleaner.Cleanable cleanable;
    private final String what;

    /** Takes ownership of handle (not 0), freed by free(handle) exactly once. free must be
     *  a static method: a lambda that captured owner would keep it reachable. */
    NativeHandle(Object owner, long handle, LongConsumer free) {
        this.state = new State(handle, free);
        this.cleanable = CLEANER.register(owner, state);
        this.what = owner.getClass().getSimpleName();
    }

    /** The handle; IllegalStateException once closed. */
    long get() {
        synchronized (state) {
            if (state.handle == 0) throw new IllegalStateException(what + " is closed");
            return state.handle;
        }
    }

    /** Frees the handle now; later get() calls throw. A second close() does nothing. */
    void close() {
        synchronized (state) { state.closing = true; }
        cleanable.clean();
    }
}

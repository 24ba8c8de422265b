package cn.healthcode;

import java.time.Duration;

/** How a {@link Verifier}, a {@link BundleStore} or a {@link Checkpoint} verifies: the clock
 *  allowance, the live window of presentations, and whether a plain token is refused where a
 *  live presentation is required. Immutable: each {@code with} method returns a copy.
 *
 *  <pre>{@code
 *  VerifyOptions strict = VerifyOptions.DEFAULT.withLiveWindow(Duration.ofSeconds(30)).withRequireLive(true);
 *  HealthCode.Claims c = verifier.verify(scanned, Instant.now(), strict);   // c.live
 *  }</pre>
 *
 *  <p>Out-of-range values are refused when used: the verification throws
 *  InvalidInputException "invalid_argument" naming "skew" or "liveWindow". */
public final class VerifyOptions {
    /** The clock allowance of the verifications without options, seconds. */
    public static final long DEFAULT_SKEW = 300;
    /** The live window of the verifications without options, seconds (doc/format.md P5). */
    public static final long DEFAULT_LIVE_WINDOW = 60;
    /** The longest live window, seconds. */
    public static final long MAX_LIVE_WINDOW = 300;
    /** A skew of {@value #DEFAULT_SKEW} s, a live window of {@value #DEFAULT_LIVE_WINDOW} s,
     *  plain tokens accepted. */
    public static final VerifyOptions DEFAULT = new VerifyOptions(DEFAULT_SKEW, DEFAULT_LIVE_WINDOW, false);

    /** The clock allowance for iat and exp, seconds (doc/format.md step 7; 0 or more). */
    public final long skewSeconds;
    /** A presentation's t must be within this many seconds of now (1 to {@value #MAX_LIVE_WINDOW}),
     *  else PresentationRejectedException "stale_presentation". */
    public final long liveWindowSeconds;
    /** true: a plain token ("HCODE1:") is refused with PresentationRejectedException
     *  "not_live" once it has passed every other step. */
    public final boolean requireLive;

    private VerifyOptions(long skewSeconds, long liveWindowSeconds, boolean requireLive) {
        this.skewSeconds = skewSeconds;
        this.liveWindowSeconds = liveWindowSeconds;
        this.requireLive = requireLive;
    }

    /** A copy with a clock allowance of seconds. */
    public VerifyOptions withSkew(long seconds) { return new VerifyOptions(seconds, liveWindowSeconds, requireLive); }

    /** The same as a Duration (whole seconds). */
    public VerifyOptions withSkew(Duration skew) { return withSkew(Time.seconds(skew, "skew")); }

    /** A copy with a live window of seconds (1 to {@value #MAX_LIVE_WINDOW}). */
    public VerifyOptions withLiveWindow(long seconds) {
        return new VerifyOptions(skewSeconds, seconds, requireLive);
    }

    /** The same as a Duration (whole seconds). */
    public VerifyOptions withLiveWindow(Duration liveWindow) {
        return withLiveWindow(Time.seconds(liveWindow, "liveWindow"));
    }

    /** A copy that refuses plain tokens (true) or accepts them (false). */
    public VerifyOptions withRequireLive(boolean on) { return new VerifyOptions(skewSeconds, liveWindowSeconds, on); }

    /** "VerifyOptions{skew 300 s, live window 60 s, plain tokens accepted}". */
    @Override public String toString() {
        return "VerifyOptions{skew " + skewSeconds + " s, live window " + liveWindowSeconds + " s, "
            + (requireLive ? "live required}" : "plain tokens accepted}");
    }
}

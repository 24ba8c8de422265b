package cn.healthcode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/** A venue's rules, as a {@link Checkpoint} applies them: the colours it admits, the oldest
 *  code it takes, the fever threshold, what it does with a code bound to a phone but shown
 *  plain ({@link #live}), and with a paper code bound to nothing ({@link #unbound}). Read
 *  from JSON ({@link #fromJson}) or from a signed bundle ({@link BundleStore#venue}), or made
 *  from {@link #DEFAULT} with the {@code with…} methods, which keep the bounds of the JSON
 *  rules and throw IllegalArgumentException outside them:
 *  <pre>{@code Venue hospital = Venue.DEFAULT.withName("浙大一院").withAdmit("green", "yellow")
 *      .withLive("required").withUnbound("check_id");}</pre>
 *  Immutable; equal when every rule is. */
public final class Venue {
    static { HealthCode.ensureLoaded(); }
    private static final String[] LIVE = {"off", "preferred", "required"};
    private static final String[] UNBOUND = {"admit", "check_id", "refuse"};
    private static final String[] COLOURS = {"green", "yellow", "red"};

    /** Green only, any age, 37.3 °C, live "off", unbound "admit": the rules of {@code {}}. */
    public static final Venue DEFAULT = new Venue("", true, false, false, 0, 37.3, 0, 0);

    /** The venue's name, for messages; "" when none. */
    public final String name;
    /** The colours admitted, in the order green, yellow, red. */
    public final List<String> admit;
    /** The oldest code admitted, seconds since its iat; 0: any age within its validity. */
    public final long maxAgeSeconds;
    /** An on-site temperature at or above this denies, °C. */
    public final double feverC;
    /** A code bound to a phone shown plain, not live: "off" (admitted), "preferred"
     *  (admitted, "admitted_not_live": ask for the live code) or "required" (denied,
     *  "not_live"). */
    public final String live;
    /** A paper code (bound to nothing): "admit", "check_id" (admitted, "check_id": the staff
     *  compare an ID document) or "refuse" (denied, "unbound"). */
    public final String unbound;
    private final boolean[] admits;
    private final int liveRule, unboundRule;

    Venue(String name, boolean green, boolean yellow, boolean red, long maxAgeSeconds, double feverC, int live,
          int unbound) {
        this.name = name;
        this.admits = new boolean[] {green, yellow, red};
        List<String> a = new ArrayList<>();
        for (int i = 0; i < 3; i++) if (admits[i]) a.add(COLOURS[i]);
        this.admit = Collections.unmodifiableList(a);
        this.maxAgeSeconds = maxAgeSeconds;
        this.feverC = feverC;
        this.liveRule = live;
        this.unboundRule = unbound;
        this.live = LIVE[live];
        this.unbound = UNBOUND[unbound];
    }

    /** These rules under another name (for messages; at most 63 bytes of UTF-8). */
    public Venue withName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.getBytes(StandardCharsets.UTF_8).length > 63)
            throw new IllegalArgumentException("name: at most 63 bytes of UTF-8");
        return new Venue(name, admits[0], admits[1], admits[2], maxAgeSeconds, feverC, liveRule, unboundRule);
    }

    /** These rules admitting exactly these colours ("green", "yellow", "red"). */
    public Venue withAdmit(String... colours) {
        Objects.requireNonNull(colours, "colours");
        boolean[] a = new boolean[3];
        for (String c : colours) a[index(COLOURS, Objects.requireNonNull(c, "colour"), "admit")] = true;
        return new Venue(name, a[0], a[1], a[2], maxAgeSeconds, feverC, liveRule, unboundRule);
    }

    /** These rules with the oldest code admitted (from its iat; zero: any age, at most a year). */
    public Venue withMaxAge(Duration maxAge) {
        long s = Objects.requireNonNull(maxAge, "maxAge").getSeconds();
        if (maxAge.isNegative() || s > 366L * 86400)
            throw new IllegalArgumentException("maxAge " + maxAge + ": zero (any age) to a year");
        return new Venue(name, admits[0], admits[1], admits[2], s, feverC, liveRule, unboundRule);
    }

    /** These rules with the fever threshold, 35 to 42 °C. */
    public Venue withFeverC(double feverC) {
        if (!(feverC >= 35.0 && feverC <= 42.0))
            throw new IllegalArgumentException("feverC " + feverC + ": between 35 and 42 °C");
        return new Venue(name, admits[0], admits[1], admits[2], maxAgeSeconds, feverC, liveRule, unboundRule);
    }

    /** These rules with {@link #live} "off", "preferred" or "required". */
    public Venue withLive(String live) {
        int l = index(LIVE, Objects.requireNonNull(live, "live"), "live");
        return new Venue(name, admits[0], admits[1], admits[2], maxAgeSeconds, feverC, l, unboundRule);
    }

    /** These rules with {@link #unbound} "admit", "check_id" or "refuse". */
    public Venue withUnbound(String unbound) {
        int u = index(UNBOUND, Objects.requireNonNull(unbound, "unbound"), "unbound");
        return new Venue(name, admits[0], admits[1], admits[2], maxAgeSeconds, feverC, liveRule, u);
    }

    private static int index(String[] words, String w, String what) {
        int i = Arrays.asList(words).indexOf(w);
        if (i < 0) throw new IllegalArgumentException(what + ": '" + w + "' is not one of " + Arrays.toString(words));
        return i;
    }

    /** Rules from JSON: {"name":"…","admit":["green"],"max_age":"5m","fever_c":37.3,
     *  "live":"required"|"preferred"|"off","unbound":"admit"|"check_id"|"refuse"}; keys absent
     *  keep the defaults of {@link #DEFAULT}. Bad rules throw InvalidInputException
     *  "invalid_venue" naming the key. */
    public static Venue fromJson(String json) throws HealthCodeException {
        return fromJson0(Objects.requireNonNull(json, "json"));
    }

    /** The rules as native arguments, for a Checkpoint. */
    long open() throws HealthCodeException {
        return Checkpoint.open(name, admits[0], admits[1], admits[2], maxAgeSeconds, feverC, liveRule, unboundRule);
    }

    @Override public boolean equals(@Nullable Object o) {
        if (!(o instanceof Venue)) return false;
        Venue v = (Venue) o;
        return name.equals(v.name) && admit.equals(v.admit) && maxAgeSeconds == v.maxAgeSeconds
            && Double.compare(feverC, v.feverC) == 0 && liveRule == v.liveRule && unboundRule == v.unboundRule;
    }

    @Override public int hashCode() {
        return Objects.hash(name, admit, maxAgeSeconds, feverC, liveRule, unboundRule);
    }

    /** "Venue{hospital: admit [green, yellow], max age 300 s, fever 37.3 °C, live required,
     *  unbound check_id}" (no name: "Venue{admit …"; any age: no "max age"). */
    @Override public String toString() {
        return "Venue{" + (name.isEmpty() ? "" : name + ": ") + "admit " + admit
            + (maxAgeSeconds > 0 ? ", max age " + maxAgeSeconds + " s" : "") + ", fever " + feverC + " °C, live "
            + live + ", unbound " + unbound + "}";
    }

    private static native Venue fromJson0(String json) throws HealthCodeException;
}

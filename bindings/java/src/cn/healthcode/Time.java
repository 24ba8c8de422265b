package cn.healthcode;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** The conversions of the Instant and Duration overloads: the library counts whole seconds
 *  since the epoch, as the long overloads do; a fraction of a second is dropped. */
final class Time {
    private Time() {}

    /** now as epoch seconds (null: NullPointerException named name). */
    static long seconds(Instant now, String name) {
        return Objects.requireNonNull(now, name).getEpochSecond();
    }

    /** d in whole seconds (null: NullPointerException named name). */
    static long seconds(Duration d, String name) {
        return Objects.requireNonNull(d, name).getSeconds();
    }

    /** An epoch-seconds instant for toString(): ISO 8601 in UTC. */
    static String iso(long epochSeconds) {
        try {
            return Instant.ofEpochSecond(epochSeconds).toString();
        } catch (java.time.DateTimeException e) {
            return Long.toString(epochSeconds);
        }
    }
}

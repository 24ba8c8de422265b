package cn.healthcode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The tests' harness: checks counted and reported, expected errors, helpers shared by the
 *  test classes (HealthCodeTest runs them all). */
final class T {
    private T() {}
    static int passed, failed;

    static void check(boolean ok, String what) {
        if (ok) passed++; else { failed++; System.out.println("FAIL: " + what); }
    }

    static void eq(Object got, Object want, String what) {
        check(want == null ? got == null : want.equals(got), what + ": got <" + got + ">, want <" + want + ">");
    }

    interface ThrowingRunnable { void run() throws Exception; }

    /** Runs r, which must throw a HealthCodeException of class cls (exactly, or a subclass when
     *  cls is a family) named name; returns it. */
    static HealthCodeException expectError(Class<?> cls, String name, String what, ThrowingRunnable r) {
        try {
            r.run();
            check(false, what + ": expected " + name + ", nothing thrown");
        } catch (HealthCodeException e) {
            check(e.name.equals(name) && cls.isInstance(e),
                  what + ": expected " + cls.getSimpleName() + " " + name + ", got " + e);
            return e;
        } catch (Exception e) {
            check(false, what + ": expected " + name + ", got " + e);
        }
        return null;
    }

    static HealthCodeException rejected(String name, String what, ThrowingRunnable r) {
        return expectError(TokenRejectedException.class, name, what, r);
    }

    /** Runs r, which must throw an exception of class cls; returns it. */
    static <X extends Throwable> X expectThrown(Class<X> cls, String what, ThrowingRunnable r) {
        try {
            r.run();
            check(false, what + ": expected " + cls.getSimpleName() + ", nothing thrown");
        } catch (Throwable e) {
            check(cls.isInstance(e), what + ": expected " + cls.getSimpleName() + ", got " + e);
            if (cls.isInstance(e)) return cls.cast(e);
        }
        return null;
    }

    /** Resident memory in KiB, from /proc/self/statm (pages; 4 KiB on the Linux targets). */
    static long rssKiB() throws Exception {
        String[] f = Files.readString(Path.of("/proc/self/statm")).trim().split(" ");
        return Long.parseLong(f[1]) * 4;
    }

    /** Runs a command, returns its exit status; its output goes to out (may be null: discarded). */
    static int run(List<String> cmd, StringBuilder out) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Process p = pb.start();
        String text = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        if (out != null) out.append(text);
        return p.exitValue();
    }

    static List<String> cmd(String... words) { return new ArrayList<>(List.of(words)); }

    /** Deletes a directory tree (the tests' temporary files). */
    static void rmTree(Path p) throws Exception {
        if (!Files.exists(p)) return;
        try (var s = Files.walk(p)) {
            for (Path q : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) Files.delete(q);
        }
    }
}

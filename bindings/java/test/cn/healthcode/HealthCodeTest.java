package cn.healthcode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Tests of the Java binding, run by meson test (suite java): round trips for each colour and
 *  algorithm, each refusal of the C tests, the shared test vectors, and a 100 000-call
 *  issue+verify loop without growth of the process's RSS, and the same for handles never
 *  closed (freed by the Cleaner). It runs the other test classes first: ApiTest (exception
 *  families, toString, Instant overloads, null arguments, parameter names), KeysTest (SM2,
 *  PKCS#11 tokens, no overwriting, errors naming files), BundlesTest (BundleStore, a store
 *  behind its state), LiveTest (Presenter with java.security keys, live verification, venue rules live/unbound,
 *  repeats, venue classes of bundles), RegisterTest (Register, corrections, audit, stats,
 *  purge), ScanTest (scanFrame, scanPng) and BatchTest (Batch with resume, Sheets). Prints one line per failure, the
 *  RSS numbers, and "N passed, N failed"; exits 1 on failure. Needs HC_SOURCE_ROOT;
 *  HC_JAVA_LOOP and HC_JAVA_UNCLOSED set the loops' lengths, HC_JAVA_TRACE prints the RSS every 10 000 calls. */
public final class HealthCodeTest {
    static final long NOW = 1580868000L; // 2020-02-05T10:00:00+08:00
    static void check(boolean ok, String what) { T.check(ok, what); }

    static HealthCodeException expectError(Class<?> cls, String name, String what, T.ThrowingRunnable r) {
        return T.expectError(cls, name, what, r);
    }

    static HealthCodeException rejected(String name, String what, T.ThrowingRunnable r) {
        return T.rejected(name, what, r);
    }

    static long rssKiB() throws Exception { return T.rssKiB(); }

    // ---- base45 (RFC 9285), to forge a bad signature: the test's own, not the binding's
    static final String B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

    static byte[] b45decode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i += 3) {
            int v = 0, m = 1;
            for (int j = i; j < Math.min(i + 3, s.length()); j++, m *= 45) v += B45.indexOf(s.charAt(j)) * m;
            if (s.length() - i >= 3) out.write(v >> 8);
            out.write(v & 0xff);
        }
        return out.toByteArray();
    }

    static String b45encode(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < b.length; i += 2) {
            int v = i + 1 < b.length ? (b[i] & 0xff) * 256 + (b[i + 1] & 0xff) : b[i] & 0xff;
            for (int k = 0; k < (i + 1 < b.length ? 3 : 2); k++, v /= 45) sb.append(B45.charAt(v % 45));
        }
        return sb.toString();
    }

    /** The token with one bit of the last signature byte changed (the signature ends the COSE_Sign1). */
    static String flipSignature(String token) {
        byte[] cose = b45decode(token.substring(7));
        cose[cose.length - 1] ^= 1;
        return "HCODE1:" + b45encode(cose);
    }

    // ---- the shared vectors of tests/vectors (flat JSON: a regex per field is enough)
    static String jsonString(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        if (!m.find()) return null;
        return m.group(1).replace("\\n", "\n").replace("\\/", "/").replace("\\\"", "\"").replace("\\\\", "\\");
    }

    static long jsonLong(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*(-?[0-9]+)").matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    static void vectors(Path dir) throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().collect(Collectors.toList());
        }
        check(files.size() >= 20, "test vectors found: " + files.size());
        for (Path p : files) {
            String j = Files.readString(p);
            String error = jsonString(j, "error"), token = jsonString(j, "token");
            try (Verifier v = new Verifier()) {
                v.addTrustPem(jsonString(j, "public_key_pem"), jsonString(j, "iss"));
                long now = jsonLong(j, "now"), skew = jsonLong(j, "skew");
                if (error.equals("ok"))
                    check(v.verify(token, now, skew).verified, p.getFileName() + " verifies");
                else
                    rejected(error, p.getFileName().toString(), () -> v.verify(token, now, skew));
            }
        }
    }

    /** n tokens issued by a and b in turn, each verified by v. */
    static void loop(Issuer a, Issuer b, Verifier v, String record, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            String t = (i % 2 == 0 ? a : b).issue(record, "green", NOW, 60);
            v.verify(t, NOW);
            if (TRACE && i % 10000 == 0) System.out.println(i + " " + rssKiB());
        }
    }

    /** n rounds of: a Key from PEM, a Verifier trusting it, a verification at an Instant, the
     *  claims' toString, and a missing key file's exception (its message names the file). */
    static void loopKeys(String pem, String token, String missing, int n) throws Exception {
        java.time.Instant now = java.time.Instant.ofEpochSecond(NOW);
        for (int i = 0; i < n; i++) {
            try (Key k = Key.fromPem(pem); Verifier v = new Verifier()) {
                v.addTrustKey(k, null);
                if (v.verify(token, now).toString().isEmpty()) throw new AssertionError("no toString");
            }
            try {
                Key.load(missing).close();
                throw new AssertionError("a missing file loaded");
            } catch (HealthCodeIOException expected) {
                if (!expected.path().equals(missing)) throw new AssertionError(expected);
            }
        }
    }

    /** n rounds of the live path: a presentation made through a Signer (the library calling
     *  back into Java, which hands back the signature it made once over the same message),
     *  verified live, decided at a gate with a repeat memory (a repeat but the first time), a
     *  register's lookup, and a stale presentation's exception. */
    static void loopLive(Presenter p, String token, Verifier v, Checkpoint gate, Register reg, String cti, int n)
            throws Exception {
        for (int i = 0; i < n; i++) {
            String pres = p.present(token, NOW);
            if (!v.verify(pres, NOW + i % 60).live) throw new AssertionError("not live");
            gate.check(pres, NOW + i % 60, Double.NaN);
            if (reg.lookup(cti).seq != 1) throw new AssertionError("lookup");
            try {
                v.verify(pres, NOW + 61 + i % 60);
                throw new AssertionError("a stale presentation verified");
            } catch (PresentationRejectedException expected) {
                if (!expected.name.equals("stale_presentation")) throw expected;
            }
        }
    }

    static final boolean TRACE = System.getenv("HC_JAVA_TRACE") != null;

    /** A loop of n calls. */
    interface Loop { void run(int n) throws Exception; }

    /** Runs loop for n calls, warmed up by the caller, in two halves, and checks that RSS
     *  grew less than rssLimit / 2 KiB in one of them at least: a leak grows both halves
     *  alike (so this is as strict as rssLimit over the whole), while a one-off step, the
     *  JIT or the collector taking memory once on a loaded machine, shows in one half only.
     *  Prints both. */
    static void flat(String what, int n, long rssLimit, Loop loop) throws Exception {
        long[] grew = new long[2];
        long t0 = System.nanoTime();
        for (int half = 0; half < 2; half++) {
            long rss0 = rssKiB();
            loop.run(n / 2);
            grew[half] = rssKiB() - rss0;
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("RSS %+d KiB, then %+d KiB over %d %s in %.1f s%n", grew[0], grew[1], n, what, secs);
        check(Math.min(grew[0], grew[1]) < rssLimit / 2, "RSS grew " + grew[0] + " KiB, then " + grew[1] + " KiB over "
              + n + " " + what);
    }

    /** n Issuers, Verifiers, Keys, Checkpoints, BundleStores and Repeats made, used once and dropped WITHOUT close(): the
     *  Cleaner must free their native handles once the collector finds them unreachable. */
    static void unclosed(String key, String pem, String record, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            String t = new Issuer("CN-330000", key).issue(record, "green", NOW, 60);
            Verifier v = new Verifier();
            Key k = Key.fromPem(pem);
            v.addTrustKey(k, null);
            if (!new Checkpoint(v, null).check(t, NOW, Double.NaN).admit) throw new AssertionError("not admitted");
            if (new BundleStore(java.util.List.of(k)).seq() != 0) throw new AssertionError("a new store has a seq");
            if (new Repeats(64, 60).count() != 0) throw new AssertionError("a new memory holds something");
            if (TRACE && i % 500 == 0)
                System.out.println("unclosed " + i + " " + rssKiB() + " KiB, collected " + NativeHandle.collected.get());
        }
    }

    /** `HealthCodeTest unclosed`: rounds that never call close(), in a JVM of their own (a small
     *  fixed heap whose frequent young collections run the Cleaner). Each round leaves an Issuer
     *  (key, policy), a Verifier (trust store, revocations) and a Checkpoint to the collector;
     *  RSS must stay flat after a warm-up of a few collections, where without the Cleaner it
     *  grows by the native size of every handle (several KiB a round). */
    static void unclosedMain(Path record) throws Exception {
        long started = System.nanoTime();
        Path dir = Files.createTempDirectory("hcjava");
        Path key = dir.resolve("es.pem"), pub = dir.resolve("es.pub.pem");
        HealthCode.generateKey("ES256", key.toString(), pub.toString());
        String pem = Files.readString(pub), rec = Files.readString(record, StandardCharsets.UTF_8);
        int m = Integer.parseInt(System.getenv().getOrDefault("HC_JAVA_UNCLOSED", "2000"));
        unclosed(key.toString(), pem, rec, 2000);     // warm-up: the first collections, the JIT
        long collected0 = NativeHandle.collected.get();
        long before = rssKiB(), t0 = System.nanoTime();
        unclosed(key.toString(), pem, rec, m);
        double secs = (System.nanoTime() - t0) / 1e9;
        long after = rssKiB(), collected = NativeHandle.collected.get() - collected0;
        System.out.printf("unclosed: RSS before %d KiB, after %d KiB (%+d KiB) over %d rounds in %.1f s; "
                          + "the Cleaner freed %d handles%n", before, after, after - before, m, secs, collected);
        check(collected > 2L * m, "the Cleaner freed only " + collected + " handles of " + 5L * m + " over " + m + " rounds");
        check(after - before < 2048, "RSS grew " + (after - before) + " KiB over " + m + " unclosed rounds");
        Files.delete(key);
        Files.delete(pub);
        Files.delete(dir);
        System.out.printf("%d passed, %d failed (%.1f s)%n", T.passed, T.failed, (System.nanoTime() - started) / 1e9);
        System.exit(T.failed == 0 ? 0 : 1);
    }

    public static void main(String[] args) throws Exception {
        long started = System.nanoTime();
        if (args.length > 0 && args[0].equals("unclosed"))
            unclosedMain(Path.of(System.getenv("HC_SOURCE_ROOT")).resolve("examples/record.json"));
        Path root = Path.of(System.getenv("HC_SOURCE_ROOT"));
        String record = Files.readString(root.resolve("examples/record.json"), StandardCharsets.UTF_8);
        Path dir = Files.createTempDirectory("hcjava");
        Path es = dir.resolve("es.pem"), esPub = dir.resolve("es.pub.pem");
        Path ed = dir.resolve("ed.pem"), edPub = dir.resolve("ed.pub.pem");
        Path other = dir.resolve("other.pem"), otherPub = dir.resolve("other.pub.pem");
        check(HealthCode.version().matches("[0-9]+\\.[0-9]+\\.[0-9]+"), "version " + HealthCode.version());
        ApiTest.run(root, dir);
        KeysTest.run(root, dir);
        BundlesTest.run(root, dir);
        LiveTest.run(root, dir);
        RegisterTest.run(root, dir);
        ScanTest.run(root);
        BatchTest.run(root, dir);
        String kid = HealthCode.generateKey("ES256", es.toString(), esPub.toString());
        HealthCode.generateKey("EdDSA", ed.toString(), edPub.toString());
        HealthCode.generateKey("ES256", other.toString(), otherPub.toString());
        check(kid.matches("[0-9a-f]{16}"), "kid is 16 hex digits: " + kid);
        check(Files.getPosixFilePermissions(es).equals(
              Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)), "private key 0600");
        expectError(InvalidInputException.class, "invalid_argument", "unknown algorithm",
                    () -> HealthCode.generateKey("RS256", es + ".x", esPub + ".x"));

        // assessment: a stay in Wuhan to 2020-01-21 holds red through 2020-02-03
        HealthCode.Assessment a = HealthCode.assess(record, null, NOW);
        check(a.reasons.length > 0 && a.colour.matches("green|yellow|red"), "assessment " + a.colour);
        for (HealthCode.Reason r : a.reasons)
            check(!r.code.isEmpty() && !r.field.isEmpty() && !r.zh.isEmpty() && !r.en.isEmpty(),
                  "reason filled: " + r.code);
        String badRecord = record.replaceFirst("\"travel\"\\s*:\\s*\\[",
            "\"travel\": [{\"region\": 420100, \"from\": \"2020-01-21\", \"to\": \"2020-01-18\"}, ");
        HealthCodeException e = expectError(InvalidInputException.class, "invalid_record", "to before from",
                                            () -> HealthCode.assess(badRecord, null, NOW));
        check(e != null && e.field.equals("travel[0].to"), "record error names travel[0].to: "
              + (e == null ? null : e.field));
        e = expectError(InvalidInputException.class, "invalid_record", "unknown key",
                        () -> HealthCode.assess("{\"id\":\"E1234567\",\"id_type\":\"passport\",\"travle\":[]}",
                                                null, NOW));
        check(e != null && e.field.equals("travle"), "unknown key named: " + (e == null ? null : e.field));
        expectError(HealthCodeIOException.class, "io_error", "missing policy file",
                    () -> HealthCode.assess(record, dir.resolve("none.json").toString(), NOW));

        try (Issuer esIssuer = new Issuer("CN-330000", es.toString());
             Issuer edIssuer = new Issuer("CN-330000", ed.toString(),
                                          root.resolve("examples/policies/zhejiang-2020.json").toString());
             Verifier v = new Verifier();
             Checkpoint mall = new Checkpoint(v, null);
             Checkpoint hospital = new Checkpoint(v, "{\"admit\":[\"green\",\"yellow\"],\"max_age\":\"5m\"}")) {
            v.addTrustPem(Files.readString(esPub), null);
            v.addTrustPath(edPub.toString());

            for (Issuer is : new Issuer[] {esIssuer, edIssuer}) {
                String alg = is == esIssuer ? "ES256" : "EdDSA";
                for (String colour : new String[] {"green", "yellow", "red"}) {
                    String token = is.issue(record, colour, NOW, 86400);
                    HealthCode.Claims c = v.verify(token, NOW + 60);
                    check(c.verified && c.colour.equals(colour) && c.iss.equals("CN-330000")
                          && c.exp - c.iat == 86400 && c.alg.equals(alg),
                          "round trip " + colour + " " + alg + ": " + c.colour + " " + c.alg);
                    check(c.name.equals("张*"), "masked name survives UTF-8: " + c.name);
                    check(c.cti.matches("[0-9a-f]{16}") && c.kid.matches("[0-9a-f]{16}"), "cti and kid in hex");
                }
                String token = is.issue(record, NOW, 3600);   // assessed by the issuer's policy
                check(v.verify(token, NOW).colour.equals(a.colour), alg + " assessed colour " + a.colour);
                check(token.length() <= 260, "sample token at most 260 characters: " + token.length());
                rejected("expired", alg + " expired", () -> v.verify(token, NOW + 3600 + 300));
                rejected("not_yet_valid", alg + " not yet valid", () -> v.verify(token, NOW - 301));
                check(v.verify(token, NOW - 300).verified, alg + " within the skew");
                rejected("bad_prefix", alg + " prefix", () -> v.verify("HC1:" + token.substring(7), NOW));
                rejected("bad_base45", alg + " base45", () -> v.verify(token + "a", NOW));
                rejected("bad_signature", alg + " signature", () -> v.verify(flipSignature(token), NOW));
                rejected("bad_base45", alg + " NUL inside", () -> v.verify(token + "\0", NOW));
                try (Verifier empty = new Verifier()) {
                    rejected("unknown_kid", alg + " unknown kid", () -> empty.verify(token, NOW));
                }
                try (Verifier byPath = new Verifier()) {
                    byPath.addTrustPath(is == esIssuer ? esPub.toString() : edPub.toString());
                    byPath.addTrustPem(Files.readString(otherPub), "CN-110000");
                    check(byPath.verify(token, NOW).verified, alg + " trusted by path");
                }
                v.revoke(HealthCode.inspect(token).cti + "\n");
                rejected("revoked", alg + " revoked", () -> v.verify(token, NOW));
                rejected("revoked", alg + " revoked at the gate", () -> mall.check(token, NOW, Double.NaN));
            }
            try (Issuer wrong = new Issuer("CN-110000", other.toString());
                 Verifier only330 = new Verifier()) {
                only330.addTrustPem(Files.readString(otherPub), "CN-330000");
                rejected("issuer_mismatch", "key trusted for another issuer",
                         () -> only330.verify(wrong.issue(record, "green", NOW, 60), NOW));
            }

            String token = esIssuer.issue(record, "green", NOW, 86400);
            HealthCode.Claims unverified = HealthCode.inspect(token);
            check(!unverified.verified && unverified.colour.equals("green"), "inspect is unverified");
            byte[] png = HealthCode.renderPng(token, 4);
            check(png.length > 100 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "PNG rendered");
            expectError(InvalidInputException.class, "invalid_argument", "scale 0",
                        () -> HealthCode.renderPng(token, 0));
            rejected("bad_prefix", "render a non-token", () -> HealthCode.renderPng("HELLO"));

            expectError(InvalidInputException.class, "invalid_record", "issue a bad record",
                        () -> esIssuer.issue("{\"id\":\"1\"}", "green", NOW, 60));
            expectError(InvalidInputException.class, "invalid_argument", "colour purple",
                        () -> esIssuer.issue(record, "purple", NOW, 60));
            expectError(InvalidInputException.class, "invalid_argument", "validity 31 days",
                        () -> esIssuer.issue(record, "green", NOW, 31 * 86400));
            expectError(KeyException.class, "key_permissions", "key readable by others", () -> {
                Files.setPosixFilePermissions(other, Set.of(PosixFilePermission.OWNER_READ,
                    PosixFilePermission.OWNER_WRITE, PosixFilePermission.OTHERS_READ));
                new Issuer("CN-330000", other.toString()).close();
            });
            expectError(KeyException.class, "invalid_key", "public key to sign",
                        () -> new Issuer("CN-330000", esPub.toString()).close());
            e = expectError(InvalidInputException.class, "invalid_venue", "venue rules",
                            () -> new Checkpoint(v, "{\"admit\":[\"purple\"]}").close());
            check(e != null && e.field.startsWith("admit"), "venue error names admit: "
                  + (e == null ? null : e.field));

            // the venue's decisions
            Checkpoint.Decision d = mall.check(token, NOW, Double.NaN);
            check(d.admit && d.code.equals("admitted"), "green admitted");
            check(mall.check(token, NOW, 37.2).admit, "37.2 admitted");
            d = mall.check(token, NOW, 37.3);
            check(!d.admit && d.code.equals("fever") && !d.zh.isEmpty() && !d.en.isEmpty(), "37.3 denied: fever");
            String yellow = edIssuer.issue(record, "yellow", NOW, 86400);
            d = mall.check(yellow, NOW, Double.NaN);
            check(!d.admit && d.code.equals("colour"), "yellow denied at a green-only venue: " + d.code);
            check(hospital.check(yellow, NOW + 60, 36.5).admit, "yellow admitted where yellow is");
            d = hospital.check(yellow, NOW + 600, 36.5);
            check(!d.admit && d.code.equals("too_old"), "a code older than max_age denied: " + d.code);
            rejected("bad_signature", "gate refuses a forged token",
                     () -> mall.check(flipSignature(token), NOW, Double.NaN));

            // closed handles
            Verifier closed = new Verifier();
            closed.close();
            closed.close();
            try { closed.verify(token, NOW); check(false, "closed Verifier used"); }
            catch (IllegalStateException ok) { check(true, ""); }

            vectors(root.resolve("tests/vectors"));

            // 100 000 issue+verify calls: RSS must stay flat (the heap is fixed and pre-touched
            // by the meson test's -Xms/-Xmx/-XX:+AlwaysPreTouch, so RSS moves with native memory).
            // RSS is coarse: memory the JVM freed before absorbs a few MiB of leaks before it
            // moves (a leak of 300 bytes a call, injected, did not show over 10 000 calls), so
            // these loops catch a handle or a copy lost each call over many calls, not a few
            // bytes. The loop is its own small method, warmed up until the JIT has compiled
            // it: the compiler's own arenas are then allocated before the first measurement.
            // No System.gc() around the measurements: a full collection allocates native
            // memory of its own (+6 MiB under meson's MALLOC_PERTURB_), and the binding frees
            // its handles explicitly, not through the collector.
            int n = Integer.parseInt(System.getenv().getOrDefault("HC_JAVA_LOOP", "100000"));
            for (int i = 0; i < 10; i++) loop(esIssuer, edIssuer, v, record, Math.min(2000, n));
            flat("issue+verify calls", n, 4096, m -> loop(esIssuer, edIssuer, v, record, m));

            // the calls added with Key, the Instant overloads and the I/O errors that name the
            // file: a tenth as many rounds, each making and closing handles and throwing once
            String pem = Files.readString(esPub), missing = dir.resolve("missing.pem").toString();
            int k = n / 10;
            for (int i = 0; i < 5; i++) loopKeys(pem, token, missing, Math.min(2000, k));
            flat("Key+Verifier rounds", k, 1024, m -> loopKeys(pem, token, missing, m));

            // the live path and the register, as many rounds. The Signer returns the signature
            // java.security made once (the message is the same each time: t is fixed), so that
            // the JIT compiling java.security's ECDSA does not move RSS while it is measured
            java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
            g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
            java.security.KeyPair phone = g.generateKeyPair();
            String bound = esIssuer.issue(LiveTest.boundTo(java.util.Base64.getEncoder()
                .encodeToString(phone.getPublic().getEncoded())), "green", NOW, 86400);
            byte[][] once = new byte[1][];
            Presenter p = new Presenter(m -> {
                if (once[0] == null) {
                    java.security.Signature s = java.security.Signature.getInstance("SHA256withECDSA");
                    s.initSign(phone.getPrivate());
                    s.update(m);
                    try {
                        once[0] = Presenter.rawOfDer(s.sign());
                    } catch (HealthCodeException bad) {
                        throw new java.security.SignatureException(bad);
                    }
                }
                return once[0].clone();
            }, "ES256");
            try (Key regKey = Key.generate("ES256"); Register reg = new Register(dir.resolve("loop.db").toString(), regKey);
                 Repeats repeats = new Repeats(); Checkpoint gate = new Checkpoint(v, null).repeats(repeats)) {
                reg.record(bound);
                String cti = HealthCode.inspect(bound).cti;
                for (int i = 0; i < 10; i++) loopLive(p, bound, v, gate, reg, cti, Math.min(1000, k));
                flat("present+verify+check+lookup rounds", k, 1024, m -> loopLive(p, bound, v, gate, reg, cti, m));
            }
        }
        T.rmTree(dir);
        System.out.printf("%d passed, %d failed (%.1f s)%n", T.passed, T.failed, (System.nanoTime() - started) / 1e9);
        System.exit(T.failed == 0 ? 0 : 1);
    }
}

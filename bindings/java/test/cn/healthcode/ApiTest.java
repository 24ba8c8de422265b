package cn.healthcode;

import static cn.healthcode.T.check;
import static cn.healthcode.T.eq;

import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Issue 26 point 13, what a Java developer expects of the API: an exception class per
 *  family, toString() on the results, Instant and Duration beside epoch seconds,
 *  NullPointerException naming the parameter for every null argument, and the parameter
 *  names kept in the class files. */
final class ApiTest {
    private ApiTest() {}

    static void run(Path root, Path dir) throws Exception {
        families();
        parameterNames();
        strings(root);
        instants(root, dir);
        nulls(root, dir);
    }

    /** Each hc_err value in the family common.h groups it in (values 45-61 included, reserved
     *  before their features landed). */
    static void families() {
        Map<Class<?>, int[]> want = new HashMap<>();
        want.put(TokenRejectedException.class, range(18, 34, 36));
        want.put(PresentationRejectedException.class, range(49, 54));
        want.put(InvalidInputException.class, new int[] {2, 7, 8, 9, 10, 13, 14, 15, 16, 17});
        want.put(KeyException.class, new int[] {11, 12, 35, 45, 46, 47, 48});
        want.put(HealthCodeIOException.class, new int[] {4});
        want.put(BundleException.class, range(37, 44));
        want.put(RegisterException.class, new int[] {55, 56, 57, 58, 59, 61});
        want.put(AuditFailedException.class, new int[] {60});
        want.put(HealthCodeException.class, new int[] {1, 3, 5, 6, 62});
        int seen = 0;
        for (Map.Entry<Class<?>, int[]> e : want.entrySet())
            for (int code : e.getValue()) {
                HealthCodeException x = HealthCodeException.of(code, "n" + code, "m", "f", 3);
                eq(x.getClass(), e.getKey(), "the class of hc_err " + code);
                check(x.code == code && x.name.equals("n" + code) && x.field.equals("f") && x.line == 3
                      && x.getMessage().equals("n" + code + ": m"), "the fields of hc_err " + code);
                seen++;
            }
        eq(seen, 62, "every hc_err value 1-61, and 62 (unknown), has its family");
        check(new PresentationRejectedException(50, "unbound_token", "m", "", 0) instanceof TokenRejectedException,
              "a refused presentation is a refused token (the gate denies)");
        eq(new HealthCodeIOException(4, "io_error", "m", "/x/k.pem", 0).path(), "/x/k.pem", "path() of an I/O error");
        AuditFailedException audit = new AuditFailedException(60, "audit_failed", "m", "codes seq 2 (cti 00)", 2);
        check(audit instanceof RegisterException && audit.where().equals("codes seq 2 (cti 00)") && audit.badSeq() == 2,
              "an audit failure is a register error naming the row and its event");
    }

    static int[] range(int from, int to, int... more) {
        int[] r = new int[to - from + 1 + more.length];
        for (int i = from; i <= to; i++) r[i - from] = i;
        System.arraycopy(more, 0, r, to - from + 1, more.length);
        return r;
    }

    /** javac -parameters: the names callers see in an IDE, and that NullPointerExceptions carry. */
    static void parameterNames() throws Exception {
        Parameter[] p = Issuer.class.getConstructor(String.class, String.class, String.class).getParameters();
        check(p[1].isNamePresent(), "parameter names are in the class files (javac -parameters)");
        eq(p[0].getName() + "," + p[1].getName() + "," + p[2].getName(), "iss,keyPath,policyPath",
           "Issuer's parameter names");
        eq(Verifier.class.getMethod("verify", String.class, Instant.class, Duration.class).getParameters()[2].getName(),
           "skew", "Verifier.verify's third parameter");
    }

    /** toString() of what a caller prints or logs: exact, from the sample token and record. */
    static void strings(Path root) throws Exception {
        String token = Files.readString(root.resolve("examples/trust/sample.token")).trim();
        long now = Long.parseLong(Files.readString(root.resolve("examples/trust/sample.now")).trim());
        String record = Files.readString(root.resolve("examples/record.json"));
        try (Verifier v = new Verifier(); Checkpoint gate = new Checkpoint(v, null)) {
            v.addTrustPath(root.resolve("examples/trust/keys").toString());
            HealthCode.Claims c = v.verify(token, now);
            eq(c.toString(), "Claims{verified green from CN-330000, ES256 kid e65e247f468dc0bf, cti dab4fb8183cf950a, "
               + "2020-02-10T02:00:00Z to 2020-02-17T02:00:00Z}", "Claims.toString");
            eq(HealthCode.inspect(token).toString().substring(0, 20), "Claims{UNVERIFIED gr", "inspected Claims.toString");
            eq(gate.check(token, now, Double.NaN).toString(), "Decision{admit admitted: Admitted: green code}",
               "Decision.toString");
            eq(gate.check(token, now, 37.3).toString(), "Decision{deny fever: Denied: temperature 37.3 °C is at or "
               + "above 37.3 °C; please go to a fever clinic}", "Decision.toString of a fever");
        }
        HealthCode.Assessment a = HealthCode.assess(record, null, HealthCodeTest.NOW);
        eq(a.toString(), "Assessment{green, no change expected, 1 reason}", "Assessment.toString");
        eq(a.reasons[0].toString(), "Reason{high_risk_travel red, holds=false, 2020-01-21..2020-02-04, "
           + "field=travel[0].to}", "Reason.toString");
        eq(a.untilInstant(), null, "untilInstant() of a colour not expected to change");
        eq(new HealthCode.Assessment("red", 1581004800L, new HealthCode.Reason[0]).toString(),
           "Assessment{red, until 2020-02-06T16:00:00Z, 0 reasons}", "Assessment.toString with an until");
        eq(new Batch.Progress(1200, 1198, 2, 450, 1000, false).toString(),
           "Progress{1200 lines: 1198 issued, 2 errors, 45%}", "Batch.Progress.toString");
        eq(new Batch.Summary(100, 90, 5, 2, 3, 40, 0, 1580868000L, 86400, false).toString(),
           "Summary{100 lines: 97 issued (90 green, 5 yellow, 2 red), 3 errors, 40 resumed, issued at "
           + "2020-02-05T02:00:00Z for 86400 s}", "Batch.Summary.toString");
        eq(new Sheets.Options().toString(), "Options{PDF, 6 a page, +08:00, 150 dpi}", "Sheets.Options.toString");
        Key k = Key.fromPem(Files.readString(root.resolve("examples/trust/keys/CN-330000.pem")));
        eq(k.toString(), "Key{ES256 public, kid e65e247f468dc0bf}", "Key.toString");
        k.close();
        eq(k.toString(), "Key{closed}", "Key.toString once closed");
    }

    /** The Instant and Duration overloads give what the epoch-second ones give. */
    static void instants(Path root, Path dir) throws Exception {
        String record = Files.readString(root.resolve("examples/record.json"));
        Instant now = Instant.ofEpochSecond(HealthCodeTest.NOW);
        try (Key key = Key.generate("EdDSA"); Issuer issuer = new Issuer("CN-330000", key);
             Verifier v = new Verifier(); Checkpoint gate = new Checkpoint(v, null)) {
            v.addTrustKey(key, "CN-330000", Instant.parse("2020-01-01T00:00:00Z"), null);
            String token = issuer.issue(record, "green", now, Duration.ofHours(1));
            HealthCode.Claims c = v.verify(token, now);
            eq(c.issuedAt(), now, "issuedAt()");
            eq(c.expiresAt(), now.plus(Duration.ofHours(1)), "expiresAt(): validity as a Duration");
            check(v.verify(token, now.plusSeconds(3600 + 299), Duration.ofMinutes(5)).verified, "within a skew Duration");
            T.rejected("expired", "expired at an Instant", () -> v.verify(token, now.plusSeconds(3600 + 300)));
            T.rejected("expired", "a skew of zero", () -> v.verify(token, now.plusSeconds(3600), Duration.ZERO));
            check(gate.check(token, now, Double.NaN).admit, "Checkpoint.check at an Instant");
            eq(HealthCode.assess(record, null, now).colour, HealthCode.assess(record, null, HealthCodeTest.NOW).colour,
               "assess at an Instant");
            eq(v.verify(issuer.issue(record, now, Duration.ofDays(2)), now).exp, HealthCodeTest.NOW + 2 * 86400,
               "issue (assessed) with a Duration");
            try (Verifier late = new Verifier()) {   // a key window starting after iat
                late.addTrustKey(key, null, Instant.parse("2020-03-01T00:00:00Z"), null);
                T.rejected("key_not_valid", "a window given as Instants", () -> late.verify(token, now));
            }
        }
    }

    /** Every public constructor and method: each required reference parameter, null, throws
     *  NullPointerException whose message is the parameter's name, before the native layer is
     *  reached; parameters marked @Nullable take null. Found by reflection, so a method added
     *  later is checked too. */
    static void nulls(Path root, Path dir) throws Exception {
        Map<Class<?>, Object> values = new HashMap<>();
        Key key = Key.generate("ES256");
        Verifier verifier = new Verifier();
        BundleStore store = new BundleStore(List.of(key));
        Path sheetsFile = dir.resolve("nulls.pdf");
        Sheets sheets = new Sheets(sheetsFile.toString(), new Sheets.Options());
        Issuer issuer = new Issuer("CN-330000", key);
        Checkpoint checkpoint = new Checkpoint(verifier, null);
        Register register = new Register(dir.resolve("nulls.db").toString(), key);
        Repeats repeats = new Repeats();
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
        g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        java.security.PrivateKey device = g.generateKeyPair().getPrivate();
        values.put(String.class, "x");
        values.put(byte[].class, new byte[1]);
        values.put(Instant.class, Instant.EPOCH);
        values.put(Duration.class, Duration.ZERO);
        values.put(ByteBuffer.class, ByteBuffer.allocate(1));
        values.put(Collection.class, List.of());
        values.put(ZoneOffset.class, ZoneOffset.UTC);
        values.put(Key.class, key);
        values.put(Verifier.class, verifier);
        values.put(BundleStore.class, store);
        values.put(Issuer.class, issuer);
        values.put(Checkpoint.class, checkpoint);
        values.put(Sheets.class, sheets);
        values.put(Sheets.Options.class, new Sheets.Options());
        values.put(Sheets.Format.class, Sheets.Format.PDF);
        values.put(Batch.class, new Batch(key, "CN-330000", 0));
        values.put(Batch.ProgressListener.class, (Batch.ProgressListener) p -> { });
        values.put(char[].class, new char[] {'x'});
        values.put(Register.class, register);
        values.put(Register.Action.class, new Register.Action("op", "r", 0));
        values.put(Register.By.class, Register.By.DAY);
        values.put(Repeats.class, repeats);
        values.put(Venue.class, Venue.DEFAULT);
        values.put(VerifyOptions.class, VerifyOptions.DEFAULT);
        values.put(java.security.PrivateKey.class, device);
        values.put(java.security.Provider.class, java.security.Security.getProviders()[0]);
        values.put(Presenter.Signer.class, (Presenter.Signer) m -> new byte[64]);
        values.put(Presenter.class, new Presenter(device));
        Class<?>[] api = {HealthCode.class, Key.class, Issuer.class, Verifier.class, BundleStore.class,
                          Checkpoint.class, Batch.class, Sheets.class, Sheets.Options.class, Presenter.class,
                          Register.class, Register.Action.class, Repeats.class, Venue.class, VerifyOptions.class};
        int checked = 0;
        List<String> wrong = new ArrayList<>();
        for (Class<?> cls : api) {
            List<Executable> all = new ArrayList<>(List.of(cls.getDeclaredConstructors()));
            all.addAll(List.of(cls.getDeclaredMethods()));
            for (Executable x : all) {
                if (!Modifier.isPublic(x.getModifiers())) continue;
                Parameter[] ps = x.getParameters();
                for (int i = 0; i < ps.length; i++) {
                    if (ps[i].getType().isPrimitive() || ps[i].isAnnotationPresent(Nullable.class)) continue;
                    Object[] args = new Object[ps.length];
                    for (int j = 0; j < ps.length; j++)
                        args[j] = j == i ? null : value(ps[j].getType(), values);
                    String what = cls.getSimpleName() + "." + x.getName() + "(" + ps[i].getName() + " = null)";
                    Throwable t = invoke(x, values.get(cls), args);
                    if (!(t instanceof NullPointerException) || !ps[i].getName().equals(t.getMessage()))
                        wrong.add(what + " threw " + t);
                    checked++;
                }
            }
        }
        eq(wrong, List.of(), "null arguments");
        check(checked > 150, "null checks found by reflection: " + checked);
        for (AutoCloseable c : new AutoCloseable[] {checkpoint, issuer, sheets, store, verifier, register, repeats, key})
            c.close();
        check(!Files.exists(sheetsFile), "unfinished sheets leave no file");
    }

    static Object value(Class<?> type, Map<Class<?>, Object> values) {
        if (type == int.class) return 1;
        if (type == long.class) return 1L;
        if (type == double.class) return 1.0;
        if (type == boolean.class) return false;
        Object v = values.get(type);
        if (v == null) throw new AssertionError("no test value of " + type);
        return v;
    }

    /** What calling x threw (null: nothing). */
    static Throwable invoke(Executable x, Object receiver, Object[] args) {
        try {
            if (x instanceof Constructor) ((Constructor<?>) x).newInstance(args);
            else ((Method) x).invoke(Modifier.isStatic(x.getModifiers()) ? null : receiver, args);
            return null;
        } catch (InvocationTargetException e) {
            return e.getCause();
        } catch (ReflectiveOperationException e) {
            return e;
        }
    }
}

package cn.healthcode;

import static cn.healthcode.T.check;
import static cn.healthcode.T.eq;
import static cn.healthcode.T.expectError;
import static cn.healthcode.T.expectThrown;
import static cn.healthcode.T.rejected;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Security;
import java.security.Signature;
import java.security.SignatureException;
import java.security.SignatureSpi;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/** Issue 22 points 2, 4, 5 and 7, the Java path: codes bound to a phone's key, presented live
 *  by a {@link Presenter} that signs through java.security (a desktop JVM's software keys stand
 *  in for an Android Keystore's), verified live by Verifier and BundleStore and by the CLI,
 *  stale 100 s later; signatures in the wrong form or by the wrong key refused; the venue's
 *  live/unbound rules, repeats, and venue rules from a signed bundle. Python's Live tests,
 *  step for step where they apply. */
final class LiveTest {
    private LiveTest() {}

    static final long NOW = HealthCodeTest.NOW;
    static String record;
    static Path dir;

    static void run(Path root, Path tmp) throws Exception {
        record = Files.readString(root.resolve("examples/record.json"));
        dir = Files.createDirectories(tmp.resolve("live"));
        try (Key issuerKey = Key.generate("ES256"); Issuer issuer = new Issuer("CN-330000", issuerKey);
             Verifier v = new Verifier()) {
            v.addTrustKey(issuerKey, "CN-330000");
            issuerKey.savePublic(dir.resolve("issuer.pub.pem").toString());
            javaSecurity(issuer, v);
            ed25519(issuer, v);
            refusals(issuer, v);
            misbehaving(issuer, v);
            withKey(issuer, v);
            signer(issuer, v);
            derConversion();
            sm2Refused();
            venues(root, issuer, v);
            repeats(issuer, v);
            bundleVenues(issuerKey, issuer);
        }
    }

    static KeyPair ecPair(String curve) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec(curve));
        return g.generateKeyPair();
    }

    /** A record's device_key: base64 of the SPKI DER, what PublicKey.getEncoded() gives. */
    static String bound(PublicKey device) {
        return boundTo(Base64.getEncoder().encodeToString(device.getEncoded()));
    }

    static String boundTo(String spkiB64) {
        return record.replaceFirst("\\{", "{\"device_key\": \"" + spkiB64 + "\",");
    }

    /** The PEM body of a Key's public half on one line: the same base64 of the SPKI DER. */
    static String spkiOf(Key key) throws HealthCodeException {
        StringBuilder b = new StringBuilder();
        for (String line : key.publicPem().split("\n")) if (!line.startsWith("-----")) b.append(line.trim());
        return b.toString();
    }

    /** The done-when of issue 22 in Java: issued by Java's Issuer with a java.security device
     *  key, presented by the Presenter with that key, verified live by Java's Verifier and by
     *  the CLI, stale 100 s later (PresentationRejectedException here, exit 34 there). */
    static void javaSecurity(Issuer issuer, Verifier v) throws Exception {
        KeyPair phone = ecPair("secp256r1");
        String token = issuer.issue(bound(phone.getPublic()), "green", NOW, 86400);
        HealthCode.Claims plain = v.verify(token, NOW);
        check(plain.bound && !plain.live && !plain.presented && plain.t == 0 && plain.presentedAt() == null,
              "a bound token shown plain: bound, not live: " + plain);
        eq(plain.deviceAlg, "ES256", "the token's device algorithm");
        Presenter p = new Presenter(phone.getPrivate());
        eq(p.toString(), "Presenter{ES256, java.security}", "Presenter.toString");
        String pres = p.present(token, NOW + 10);
        check(pres.startsWith("HCLIVE1:"), "a presentation: " + pres.substring(0, 8));
        HealthCode.Claims c = v.verify(pres, NOW + 30);
        check(c.verified && c.live && c.bound && c.presented, "verified live: " + c);
        eq(c.t, NOW + 10, "t");
        eq(c.presentedAt(), Instant.ofEpochSecond(NOW + 10), "presentedAt()");
        eq(c.colour, "green", "the colour of a presentation");
        eq(c.cti, plain.cti, "a presentation's token is the token");
        check(c.toString().endsWith(", bound ES256, live at 2020-02-05T02:00:10Z}"), "Claims.toString live: " + c);
        HealthCode.Claims seen = HealthCode.inspect(pres);
        check(!seen.verified && seen.presented && !seen.live && seen.t == NOW + 10
              && seen.toString().endsWith(", presented at 2020-02-05T02:00:10Z}"), "inspect of a presentation: " + seen);
        eq(v.verify(pres, Instant.ofEpochSecond(NOW + 30), VerifyOptions.DEFAULT.withRequireLive(true)).live, true,
           "require-live with a presentation");
        PresentationRejectedException stale = (PresentationRejectedException) expectError(
            PresentationRejectedException.class, "stale_presentation", "the same presentation 100 s later",
            () -> v.verify(pres, NOW + 110));
        check(stale != null && stale instanceof TokenRejectedException, "a stale presentation is a refused token");
        check(v.verify(pres, NOW + 110, VerifyOptions.DEFAULT.withLiveWindow(Duration.ofMinutes(2))).live,
              "within a live window of 120 s");
        rejected("stale_presentation", "a presentation from the future", () -> v.verify(pres, NOW - 60));
        expectError(PresentationRejectedException.class, "not_live", "a plain token where live is required",
                    () -> v.verify(token, NOW, VerifyOptions.DEFAULT.withRequireLive(true)));
        HealthCodeException e = expectError(InvalidInputException.class, "invalid_argument", "a live window of 301 s",
                                            () -> v.verify(pres, NOW, VerifyOptions.DEFAULT.withLiveWindow(301)));
        eq(e == null ? null : e.field, "liveWindow", "the option named");
        expectError(InvalidInputException.class, "invalid_argument", "a live window of 0 s",
                    () -> v.verify(pres, NOW, VerifyOptions.DEFAULT.withLiveWindow(0)));
        expectError(InvalidInputException.class, "invalid_argument", "a negative skew",
                    () -> v.verify(pres, NOW, VerifyOptions.DEFAULT.withSkew(-1)));
        eq(VerifyOptions.DEFAULT.withRequireLive(true).toString(),
           "VerifyOptions{skew 300 s, live window 60 s, live required}", "VerifyOptions.toString");
        // the device signs the presentation afresh every time: many, to meet r and s with a
        // high bit (DER pads them with a zero: 33 bytes) and with leading zeros (31 bytes)
        int live = 0;
        for (int i = 0; i < 64; i++) if (v.verify(p.present(token, NOW + i), NOW + 60).live) live++;
        eq(live, 64, "64 presentations from DER signatures of every shape verify live");

        String cli = System.getenv("HC_CLI");
        if (cli == null) {
            System.out.println("HC_CLI not set: the CLI half of the Presenter check skipped");
            return;
        }
        String pub = dir.resolve("issuer.pub.pem").toString();
        StringBuilder out = new StringBuilder();
        int rc = T.run(T.cmd(cli, "verify", "--trust", pub, "--now", Long.toString(NOW + 30), pres), out);
        check(rc == 0 && Pattern.compile("\"live\"\\s*:\\s*true").matcher(out).find()
              && Pattern.compile("\"t\"\\s*:\\s*" + (NOW + 10)).matcher(out).find(),
              "the CLI verifies Java's presentation live: exit " + rc + " " + out);
        out.setLength(0);
        rc = T.run(T.cmd(cli, "verify", "--trust", pub, "--now", Long.toString(NOW + 110), pres), out);
        check(rc == 34 && out.toString().contains("stale_presentation"),
              "the CLI refuses it 100 s later as stale, exit 34: exit " + rc + " " + out);
    }

    /** Ed25519 through java.security (Java 15 and later; on 11 the Presenter refuses the key
     *  as "unsupported", which a JVM here cannot show). */
    static void ed25519(Issuer issuer, Verifier v) throws Exception {
        KeyPairGenerator g;
        try {
            g = KeyPairGenerator.getInstance("Ed25519");
        } catch (java.security.NoSuchAlgorithmException e) {
            System.out.println("no Ed25519 in this JVM (Java " + System.getProperty("java.version") + "): skipped");
            return;
        }
        KeyPair phone = g.generateKeyPair();
        String token = issuer.issue(bound(phone.getPublic()), "green", NOW, 86400);
        eq(v.verify(token, NOW).deviceAlg, "EdDSA", "an Ed25519-bound token");
        Presenter p = new Presenter(phone.getPrivate());
        eq(p.alg(), "EdDSA", "the Presenter's algorithm from an Ed25519 key");
        HealthCode.Claims c = v.verify(p.present(token, Instant.ofEpochSecond(NOW)), NOW + 5);
        check(c.live && c.deviceAlg.equals("EdDSA"), "an Ed25519 presentation verified live: " + c);
    }

    /** Wrong tokens and wrong keys, each with its own error. */
    static void refusals(Issuer issuer, Verifier v) throws Exception {
        KeyPair phone = ecPair("secp256r1"), other = ecPair("secp256r1");
        String token = issuer.issue(bound(phone.getPublic()), "green", NOW, 86400);
        expectError(PresentationRejectedException.class, "bad_device_signature", "another P-256 key's signature",
                    () -> new Presenter(other.getPrivate()).present(token, NOW));
        String paper = issuer.issue(record, "green", NOW, 86400);
        check(!v.verify(paper, NOW).bound && v.verify(paper, NOW).deviceAlg.isEmpty(), "a paper code is not bound");
        expectError(PresentationRejectedException.class, "unbound_token", "presenting a paper code",
                    () -> new Presenter(phone.getPrivate()).present(paper, NOW));
        try {
            KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            expectError(PresentationRejectedException.class, "device_algorithm_mismatch", "an Ed25519 key, a P-256 token",
                        () -> new Presenter(ed.getPrivate()).present(token, NOW));
        } catch (java.security.NoSuchAlgorithmException e) {
            System.out.println("no Ed25519 in this JVM: the algorithm mismatch is checked with Key below");
        }
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        HealthCodeException e = expectError(KeyException.class, "invalid_key", "an RSA device key",
                                            () -> new Presenter(rsa.generateKeyPair().getPrivate()));
        check(e != null && e.getMessage().contains("device keys are P-256 (EC), Ed25519 or SM2"), "says why: " + e);
        e = expectError(KeyException.class, "invalid_key", "a P-384 device key",
                        () -> new Presenter(ecPair("secp384r1").getPrivate()));
        check(e != null && e.getMessage().contains("384-bit order"), "names the curve's size: " + e);
        expectError(InvalidInputException.class, "invalid_record", "a device_key that is not base64",
                    () -> issuer.issue(boundTo("not base64!"), "green", NOW, 86400));
        HealthCodeException bad = expectError(InvalidInputException.class, "invalid_record", "an RSA device_key",
            () -> issuer.issue(bound(rsa.generateKeyPair().getPublic()), "green", NOW, 86400));
        eq(bad == null ? null : bad.field, "device_key", "the field named");
        rejected("bad_prefix", "presenting a text that is no token",
                 () -> new Presenter(phone.getPrivate()).present("HELLO", NOW));
        expectError(InvalidInputException.class, "invalid_argument", "a negative t",
                    () -> new Presenter(phone.getPrivate()).present(token, -1));
    }

    /** Signatures that misbehave, from a provider of the test's own: garbage that is DER, bytes
     *  that are not, a keystore that refuses (its exception is what present() throws, and the
     *  next presentation works), a runtime exception. */
    static void misbehaving(Issuer issuer, Verifier v) throws Exception {
        KeyPair phone = ecPair("secp256r1");
        String token = issuer.issue(bound(phone.getPublic()), "green", NOW, 86400);
        for (Misbehaving.Mode m : new Misbehaving.Mode[] {Misbehaving.Mode.GARBAGE_DER, Misbehaving.Mode.NOT_DER,
                                                           Misbehaving.Mode.P1363}) {
            Presenter p = new Presenter(phone.getPrivate(), new Misbehaving(m));
            HealthCodeException e = expectError(PresentationRejectedException.class, "bad_device_signature",
                                                "a Signature that returns " + m, () -> p.present(token, NOW));
            check(e != null && !e.getMessage().isEmpty(), "says what: " + e);
        }
        Presenter cancel = new Presenter(phone.getPrivate(), new Misbehaving(Misbehaving.Mode.CANCEL));
        SignatureException thrown = T.expectThrown(SignatureException.class, "a keystore that refuses",
                                                   () -> cancel.present(token, NOW));
        check(thrown != null && thrown == Misbehaving.lastThrown, "the Signature's own exception, rethrown as it is");
        Presenter locked = new Presenter(phone.getPrivate(), new Misbehaving(Misbehaving.Mode.RUNTIME));
        IllegalStateException ise = T.expectThrown(IllegalStateException.class, "a runtime exception in the Signature",
                                                   () -> locked.present(token, NOW));
        check(ise != null && ise == Misbehaving.lastThrown, "the runtime exception itself");
        Presenter wrongKey = new Presenter(phone.getPrivate(), new Misbehaving(Misbehaving.Mode.REFUSE_KEY));
        T.expectThrown(InvalidKeyException.class, "initSign refusing the key", () -> wrongKey.present(token, NOW));
        check(v.verify(new Presenter(phone.getPrivate()).present(token, NOW), NOW).live,
              "after the refusals, a presentation works (no exception left pending)");
    }

    /** A Signature provider whose SHA256withECDSA misbehaves as its mode says. */
    static final class Misbehaving extends Provider {
        private static final long serialVersionUID = 1L;
        /** GARBAGE_DER: a DER signature of random r and s; NOT_DER: 70 random bytes; P1363: r || s
         *  already (as a "…inP1363Format" Signature gives it), which SHA256withECDSA never is. */
        enum Mode { GARBAGE_DER, NOT_DER, P1363, CANCEL, RUNTIME, REFUSE_KEY }
        static volatile Exception lastThrown;

        Misbehaving(Mode mode) {
            super("HcTestMisbehaving", "1.0", "signatures that misbehave");
            putService(new Provider.Service(this, "Signature", "SHA256withECDSA", Spi.class.getName(), null, null) {
                @Override public Object newInstance(Object param) { return new Spi(mode); }
            });
        }

        @SuppressWarnings("deprecation")
        static final class Spi extends SignatureSpi {
            private final Mode mode;
            Spi(Mode mode) { this.mode = mode; }
            @Override protected void engineInitVerify(PublicKey k) { }
            @Override protected void engineInitSign(PrivateKey k) throws InvalidKeyException {
                if (mode == Mode.REFUSE_KEY) throw new InvalidKeyException("this provider takes no such key");
            }
            @Override protected void engineUpdate(byte b) { }
            @Override protected void engineUpdate(byte[] b, int off, int len) { }
            @Override protected byte[] engineSign() throws SignatureException {
                byte[] r = new byte[32], s = new byte[32];
                new SecureRandom().nextBytes(r);
                new SecureRandom().nextBytes(s);
                switch (mode) {
                    case GARBAGE_DER: return der(new BigInteger(1, r), new BigInteger(1, s));
                    case NOT_DER: return Arrays.copyOf(r, 70);
                    case P1363: r[0] = 0; return Arrays.copyOf(r, 64);
                    case CANCEL: throw remember(new SignatureException("the user cancelled"));
                    default: throw remember(new IllegalStateException("the keystore is locked"));
                }
            }
            @Override protected boolean engineVerify(byte[] sig) { return false; }
            @Override protected void engineSetParameter(String p, Object v) { }
            @Override protected Object engineGetParameter(String p) { return null; }
        }

        static <X extends Exception> X remember(X e) { lastThrown = e; return e; }
    }

    /** SEQUENCE { INTEGER r, INTEGER s } as DER (short lengths: r and s of at most 32 bytes). */
    static byte[] der(BigInteger r, BigInteger s) {
        byte[] rb = r.toByteArray(), sb = s.toByteArray();
        byte[] out = new byte[6 + rb.length + sb.length];
        out[0] = 0x30;
        out[1] = (byte) (4 + rb.length + sb.length);
        out[2] = 0x02;
        out[3] = (byte) rb.length;
        System.arraycopy(rb, 0, out, 4, rb.length);
        out[4 + rb.length] = 0x02;
        out[5 + rb.length] = (byte) sb.length;
        System.arraycopy(sb, 0, out, 6 + rb.length, sb.length);
        return out;
    }

    /** The DER to r || s conversion on its own: padding, a 33-byte r, refusals. */
    static void derConversion() throws Exception {
        byte[] raw = Presenter.rawOfDer(der(BigInteger.ONE, BigInteger.TWO.pow(255)));
        byte[] want = new byte[64];
        want[31] = 1;
        want[32] = (byte) 0x80;
        check(Arrays.equals(raw, want), "r = 1 left-padded to 32 bytes, s with its high bit (33 bytes in DER)");
        for (byte[] bad : new byte[][] {new byte[0], der(BigInteger.TWO.pow(256), BigInteger.ONE),
                                        der(BigInteger.ONE.negate(), BigInteger.ONE),
                                        Arrays.copyOf(der(BigInteger.ONE, BigInteger.ONE), 9)})
            expectError(PresentationRejectedException.class, "bad_device_signature", "not a DER signature of P-256 "
                        + Arrays.toString(bad), () -> Presenter.rawOfDer(bad));
    }

    /** A device Key of this library (hc_present), and one of the wrong kind. */
    static void withKey(Issuer issuer, Verifier v) throws Exception {
        try (Key dev = Key.generate("EdDSA"); Key other = Key.generate("EdDSA"); Key es = Key.generate("ES256");
             Key pub = Key.fromPem(dev.publicPem())) {
            String token = issuer.issue(boundTo(spkiOf(dev)), "green", NOW, 86400);
            Presenter p = new Presenter(dev);
            eq(p.toString(), "Presenter{EdDSA, Key}", "Presenter.toString with a Key");
            check(v.verify(p.present(token, NOW), NOW + 59).live, "a Key's presentation verified live");
            expectError(KeyException.class, "invalid_key", "another EdDSA Key",
                        () -> new Presenter(other).present(token, NOW));
            expectError(PresentationRejectedException.class, "device_algorithm_mismatch", "a P-256 Key, an EdDSA token",
                        () -> new Presenter(es).present(token, NOW));
            expectError(KeyException.class, "invalid_key", "a public Key", () -> new Presenter(pub));
        }
    }

    /** A Signer of the caller's own (a keystore outside java.security): it gets the whole
     *  Sig_structure, and must return r || s. */
    static void signer(Issuer issuer, Verifier v) throws Exception {
        KeyPair phone = ecPair("secp256r1");
        String token = issuer.issue(bound(phone.getPublic()), "green", NOW, 86400);
        List<byte[]> calls = new ArrayList<>();
        Presenter p = new Presenter(m -> {
            calls.add(m);
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(phone.getPrivate());
            s.update(m);
            try {
                return Presenter.rawOfDer(s.sign());
            } catch (HealthCodeException e) {
                throw new SignatureException(e);
            }
        }, "ES256");
        check(v.verify(p.present(token, NOW), NOW).live, "a Signer's presentation verified live");
        byte[] head = {(byte) 0x84, 0x6a, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1', 0x43, (byte) 0xa1, 0x01, 0x26,
                       0x40};
        eq(calls.size(), 1, "the signer is called once");
        check(calls.size() == 1 && Arrays.equals(Arrays.copyOf(calls.get(0), head.length), head),
              "the signer gets the Sig_structure itself (\"Signature1\", {1: -7}, h''), never a digest");
        byte[] tok = token.getBytes(StandardCharsets.US_ASCII);
        check(calls.size() == 1 && calls.get(0).length > 200 + 17 && calls.get(0).length < 17 + 4 + tok.length + 16,
              "the message holds the token's COSE bytes and t: " + (calls.isEmpty() ? 0 : calls.get(0).length));
        expectError(PresentationRejectedException.class, "bad_device_signature", "a Signer returning 63 bytes",
                    () -> new Presenter(m -> new byte[63], "ES256").present(token, NOW));
        expectError(PresentationRejectedException.class, "bad_device_signature", "a Signer returning DER as it is",
                    () -> new Presenter(m -> {
                        Signature s = Signature.getInstance("SHA256withECDSA");
                        s.initSign(phone.getPrivate());
                        s.update(m);
                        return Arrays.copyOf(s.sign(), 64);
                    }, "ES256").present(token, NOW));
        expectError(InvalidInputException.class, "invalid_argument", "a Signer of algorithm RS256",
                    () -> new Presenter(m -> new byte[64], "RS256"));
    }

    /** SM2: desktop JDKs have no SM3withSM2 Signature, so a Presenter of an SM2 key is refused
     *  at once, saying why (an SM2 key here is a stand-in: nothing of it is read). */
    static void sm2Refused() throws Exception {
        if (Security.getAlgorithms("Signature").contains("SM3WITHSM2")) {
            System.out.println("this JVM has an SM3withSM2 Signature: the SM2 refusal is not shown");
            return;
        }
        PrivateKey sm2 = new PrivateKey() {
            private static final long serialVersionUID = 1L;
            @Override public String getAlgorithm() { return "SM2"; }
            @Override public String getFormat() { return null; }
            @Override public byte[] getEncoded() { return null; }
        };
        HealthCodeException e = expectError(HealthCodeException.class, "unsupported", "an SM2 key on a desktop JVM",
                                            () -> new Presenter(sm2));
        check(e != null && e.getClass() == HealthCodeException.class && e.getMessage().contains("SM3withSM2")
              && e.getMessage().contains("desktop JDKs have none") && e.getMessage().contains("Presenter.Signer")
              && e.getMessage().contains("SunEC"), "says why and what to do: " + e);
        eq(new Presenter(m -> new byte[64], "SM2").alg(), "SM2", "an SM2 Signer is taken (it signs elsewhere)");
    }

    /** Issue 22 point 4 at a Checkpoint: a hospital (live required, unbound check_id) admits a
     *  live code, denies the same code shown plain, admits a paper code with the check-ID
     *  message; a venue refusing unbound codes denies it. */
    static void venues(Path root, Issuer issuer, Verifier v) throws Exception {
        KeyPair phone = ecPair("secp256r1");
        String token = issuer.issue(bound(phone.getPublic()), "green", NOW, 86400);
        String paper = issuer.issue(record, "green", NOW, 86400);
        Venue hospital = Venue.fromJson(Files.readString(root.resolve("examples/venues/hospital.json")));
        eq(hospital.live + " " + hospital.unbound, "required check_id", "the hospital's rules");
        eq(hospital.admit, List.of("green", "yellow"), "the hospital admits");
        eq(hospital.toString(), "Venue{浙大一院 First Affiliated Hospital: admit [green, yellow], fever 37.3 °C, "
           + "live required, unbound check_id}", "Venue.toString");
        eq(Venue.fromJson("{}"), Venue.DEFAULT, "Venue.DEFAULT is the rules of {}");
        HealthCodeException e = expectError(InvalidInputException.class, "invalid_venue", "live: always",
                                            () -> Venue.fromJson("{\"live\": \"always\"}"));
        eq(e == null ? null : e.field, "live", "the key named");
        Venue built = Venue.DEFAULT.withName("浙大一院 First Affiliated Hospital").withAdmit("yellow", "green")
            .withLive("required").withUnbound("check_id");
        eq(built, hospital, "the hospital built with the with… methods equals its JSON");
        eq(Venue.DEFAULT.withMaxAge(Duration.ofMinutes(5)).withFeverC(38).toString(),
           "Venue{admit [green], max age 300 s, fever 38.0 °C, live off, unbound admit}", "withMaxAge, withFeverC");
        eq(Venue.DEFAULT.withAdmit().admit, List.of(), "withAdmit() admits no colour");
        IllegalArgumentException iae = expectThrown(IllegalArgumentException.class, "withAdmit(purple)",
                                                    () -> Venue.DEFAULT.withAdmit("green", "purple"));
        eq(iae == null ? null : iae.getMessage(), "admit: 'purple' is not one of [green, yellow, red]",
           "the colour named");
        expectThrown(IllegalArgumentException.class, "withLive(always)", () -> Venue.DEFAULT.withLive("always"));
        expectThrown(IllegalArgumentException.class, "withUnbound(x)", () -> Venue.DEFAULT.withUnbound("x"));
        expectThrown(IllegalArgumentException.class, "withFeverC(34.9)", () -> Venue.DEFAULT.withFeverC(34.9));
        expectThrown(IllegalArgumentException.class, "withFeverC(NaN)", () -> Venue.DEFAULT.withFeverC(Double.NaN));
        expectThrown(IllegalArgumentException.class, "withMaxAge(-1 s)",
                     () -> Venue.DEFAULT.withMaxAge(Duration.ofSeconds(-1)));
        expectThrown(IllegalArgumentException.class, "withMaxAge(367 d)",
                     () -> Venue.DEFAULT.withMaxAge(Duration.ofDays(367)));
        expectThrown(IllegalArgumentException.class, "withName(64 bytes)",
                     () -> Venue.DEFAULT.withName("浙".repeat(21) + "x"));
        expectThrown(NullPointerException.class, "withLive(null)", () -> Venue.DEFAULT.withLive(null));
        Presenter p = new Presenter(phone.getPrivate());
        try (Checkpoint gate = Checkpoint.of(v, hospital);
             Checkpoint strict = new Checkpoint(v, "{\"live\": \"required\", \"unbound\": \"refuse\"}");
             Checkpoint preferred = new Checkpoint(v, "{\"live\": \"preferred\"}")) {
            eq(gate.venue(), hospital, "the gate's rules");
            Checkpoint.Decision d = gate.check(p.present(token, NOW), NOW, 36.5);
            check(d.admit && d.code.equals("admitted"), "a live code admitted: " + d);
            d = gate.check(token, NOW, 36.5);
            check(!d.admit && d.code.equals("not_live"), "the same code shown plain denied: " + d);
            d = gate.check(paper, NOW, 36.5);
            check(d.admit && d.code.equals("check_id") && d.en.contains("ID document") && !d.zh.isEmpty(),
                  "a paper code admitted with the check-ID message: " + d);
            eq(strict.check(paper, NOW, Double.NaN).code, "unbound", "a paper code where unbound codes are refused");
            eq(preferred.check(token, NOW, Double.NaN).code, "admitted_not_live", "plain where live is preferred");
            rejected("stale_presentation", "a gate refuses a stale presentation",
                     () -> gate.check(p.present(token, NOW), NOW + 61, Double.NaN));
            eq(gate.check(p.present(token, NOW), NOW + 61, Double.NaN,
                          VerifyOptions.DEFAULT.withLiveWindow(90)).code, "admitted", "a gate's live window of 90 s");
            expectError(PresentationRejectedException.class, "not_live", "a gate with require-live",
                        () -> gate.check(paper, Instant.ofEpochSecond(NOW), Double.NaN,
                                         VerifyOptions.DEFAULT.withRequireLive(true)));
        }
    }

    /** Repeats: the same code admitted twice within the window is a repeat, whatever the
     *  presentation's t; after the window it is admitted again; the memory is kept in a file. */
    static void repeats(Issuer issuer, Verifier v) throws Exception {
        KeyPair phone = ecPair("secp256r1");
        String token = issuer.issue(bound(phone.getPublic()), "green", NOW, 86400);
        String paper = issuer.issue(record, "green", NOW, 86400);
        Presenter p = new Presenter(phone.getPrivate());
        Path seenFile = dir.resolve("seen.bin");
        try (Repeats seen = new Repeats(); Checkpoint gate = new Checkpoint(v, null).repeats(seen)) {
            eq(gate.check(p.present(token, NOW), NOW, Double.NaN).code, "admitted", "first showing");
            Checkpoint.Decision d = gate.check(p.present(token, NOW + 5), NOW + 5, Double.NaN);
            check(!d.admit && d.code.equals("repeat") && !d.en.isEmpty(), "a fresh presentation 5 s later: " + d);
            eq(gate.check(paper, NOW + 6, Double.NaN).code, "admitted", "another code");
            eq(gate.check(paper, NOW + 7, Double.NaN).code, "repeat", "one paper code shown for two people");
            eq(seen.count(), 2, "two admissions remembered");
            HealthCode.Claims c = v.verify(token, NOW);
            check(seen.seen(c.cti, NOW + 30) && !seen.seen(c.cti, NOW + 61), "seen() within the window only");
            eq(gate.check(p.present(token, NOW + 61), NOW + 61, Double.NaN).code, "admitted", "after the window");
            seen.save(seenFile.toString());
            eq(seen.toString(), "Repeats{3 admissions, window 60 s}", "Repeats.toString");
        }
        try (Repeats again = new Repeats(16, Duration.ofSeconds(60)); Checkpoint gate = new Checkpoint(v, null)) {
            again.load(seenFile.toString());
            eq(again.count(), 3, "the memory read back from its file");
            gate.repeats(again);
            eq(gate.check(p.present(token, NOW + 62), NOW + 62, Double.NaN).code, "repeat",
               "a repeat remembered across a restart");
            gate.repeats(null);
            eq(gate.check(p.present(token, NOW + 63), NOW + 63, Double.NaN).code, "admitted", "no memory, no repeat");
        }
        expectError(InvalidInputException.class, "invalid_argument", "a memory of 0 entries", () -> new Repeats(0, 60));
        expectError(InvalidInputException.class, "invalid_argument", "a window of 301 s", () -> new Repeats(8, 301));
        try (Repeats r = new Repeats()) {
            expectError(InvalidInputException.class, "invalid_argument", "a cti that is not hex",
                        () -> r.seen("not-a-cti-at-all", NOW));
            Files.writeString(dir.resolve("not-seen.bin"), "something else entirely");
            expectError(HealthCodeIOException.class, "io_error", "a file that is no memory",
                        () -> r.load(dir.resolve("not-seen.bin").toString()));
        }
    }

    /** Issue 22 point 5 in Java: venue rules signed into a bundle (bundle make --venues), read
     *  by BundleStore.venue(), and a Checkpoint of a venue class that follows the next bundle;
     *  a presentation verified live through the store. */
    static void bundleVenues(Key issuerKey, Issuer issuer) throws Exception {
        String cli = System.getenv("HC_CLI");
        if (cli == null) {
            System.out.println("HC_CLI not set: the bundle venue checks skipped");
            return;
        }
        try (Key root = Key.generate("ES256")) {
            root.savePrivate(dir.resolve("root.pem").toString());
            Files.writeString(dir.resolve("venues5.json"), "{\"hospital\": {\"admit\": [\"green\"], \"live\": "
                + "\"required\", \"unbound\": \"check_id\"}, \"mall\": {\"admit\": [\"green\"]}}");
            Files.writeString(dir.resolve("venues6.json"), "{\"hospital\": {\"admit\": [\"green\"], \"live\": \"off\"}}");
            String b5 = bundle(cli, 5, "venues5.json"), b6 = bundle(cli, 6, "venues6.json");
            KeyPair phone = ecPair("secp256r1");
            String token = issuer.issue(bound(phone.getPublic()), "green", NOW, 86400);
            Presenter p = new Presenter(phone.getPrivate());
            try (BundleStore store = new BundleStore(List.of(root))) {
                check(!store.rollbackProtected(), "a store without a state directory says it has no rollback protection");
                eq(store.venueClasses(), List.of(), "no venue classes before a bundle");
                expectError(TokenRejectedException.class, "unknown_kid", "a venue before any bundle",
                            () -> store.venue("hospital"));
                store.applyFile(b5, NOW);
                eq(store.venueClasses(), List.of("mall", "hospital"), "the bundle's venue classes, in its order");
                Venue h = store.venue("hospital");
                eq(h.live + " " + h.unbound, "required check_id", "the hospital's rules from the bundle");
                HealthCodeException e = expectError(InvalidInputException.class, "invalid_venue", "a class the bundle lacks",
                                                    () -> store.venue("school"));
                check(e != null && e.getMessage().contains("mall") && e.getMessage().contains("hospital"),
                      "names the classes it has: " + e);
                expectError(InvalidInputException.class, "invalid_venue", "a Checkpoint of a class the bundle lacks",
                            () -> Checkpoint.ofVenueClass(store, "school"));
                HealthCode.Claims c = store.verify(p.present(token, NOW), NOW + 20,
                                                   VerifyOptions.DEFAULT.withRequireLive(true));
                check(c.live && c.t == NOW, "a presentation verified live through the bundle's trust");
                try (Checkpoint gate = Checkpoint.ofVenueClass(store, "hospital")) {
                    eq(gate.check(token, NOW, Double.NaN).code, "not_live", "bundle 5's hospital: live required");
                    eq(gate.check(p.present(token, NOW), NOW, Double.NaN).code, "admitted", "a live code");
                    store.applyFile(b6, NOW);
                    eq(gate.venue().live, "off", "the gate's rules are bundle 6's");
                    eq(gate.check(token, NOW, Double.NaN).code, "admitted", "bundle 6's hospital: live off");
                }
                try (Checkpoint mall = Checkpoint.of(store, store.venue("hospital"))) {
                    eq(mall.check(token, NOW, Double.NaN).code, "admitted", "a gate with a bundle's rules kept");
                }
            }
        }
    }

    /** healthcode bundle make … --venues FILE: bundle bN.cbor trusting the issuer key. */
    static String bundle(String cli, int seq, String venues) throws Exception {
        Path out = dir.resolve("b" + seq + ".cbor");
        StringBuilder log = new StringBuilder();
        int rc = T.run(T.cmd(cli, "bundle", "make", "--root", dir.resolve("root.pem").toString(), "--trust",
                             dir.resolve("issuer.pub.pem").toString(), "--issuer", "CN-330000", "--seq",
                             Integer.toString(seq), "--now", Long.toString(NOW), "--expires", "7d", "--venues",
                             dir.resolve(venues).toString(), "--out", out.toString()), log);
        if (rc != 0) throw new AssertionError("bundle make failed: " + log);
        return out.toString();
    }
}

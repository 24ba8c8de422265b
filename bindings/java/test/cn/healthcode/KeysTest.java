package cn.healthcode;

import static cn.healthcode.T.check;
import static cn.healthcode.T.eq;
import static cn.healthcode.T.expectError;
import static cn.healthcode.T.rejected;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Keys as the Python binding has them (issue 22 point 7): generated, saved, loaded, SM2 beside
 *  ES256 and EdDSA, keys made and used on a PKCS#11 token (SoftHSM2); key files never
 *  overwritten unless asked (issue 26 point 7); errors that name the file and say what is
 *  wrong (issue 26 point 10). */
final class KeysTest {
    private KeysTest() {}

    static final Set<PosixFilePermission> MODE_600 = PosixFilePermissions.fromString("rw-------");

    static void run(Path root, Path dir) throws Exception {
        String record = Files.readString(root.resolve("examples/record.json"), StandardCharsets.UTF_8);
        noOverwrite(dir);
        errorsNameTheFile(dir);
        passphrases(dir);
        for (String alg : algs()) eachAlgorithm(alg, record, dir);
        token(record, dir);
    }

    /** Issue 26 point 10: an encrypted PKCS#8 key made by openssl, loaded with its passphrase
     *  (file and PEM text), refused as "key_encrypted" without one or with a wrong one. */
    static void passphrases(Path dir) throws Exception {
        String secret = "correct horse 电池 staple";
        Path passFile = dir.resolve("pass.txt");
        Files.write(passFile, secret.getBytes(StandardCharsets.UTF_8));
        for (String alg : new String[] {"ES256", "EdDSA"}) {
            Path plain = dir.resolve("plain-" + alg + ".pem"), enc = dir.resolve("enc-" + alg + ".pem");
            String kid;
            try (Key k = Key.generate(alg)) {
                k.savePrivate(plain.toString());
                kid = k.kid();
            }
            StringBuilder log = new StringBuilder();
            int rc = T.run(T.cmd("openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", plain.toString(), "-out",
                                 enc.toString(), "-passout", "file:" + passFile), log);
            if (rc != 0) throw new AssertionError("openssl pkcs8 failed: " + log);
            Files.setPosixFilePermissions(enc, MODE_600);
            check(Files.readString(enc).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----"), "openssl wrote an encrypted key");
            char[] pass = secret.toCharArray();
            try (Key k = Key.load(enc.toString(), pass)) {
                eq(k.kid(), kid, alg + ": the encrypted key loaded with its passphrase");
                check(k.isPrivate(), alg + ": a private key");
            }
            eq(new String(pass), secret, "the caller's array is the caller's: left as it was");
            try (Key k = Key.fromPem(Files.readString(enc), pass)) {
                eq(k.kid(), kid, alg + ": the same from PEM text");
            }
            HealthCodeException e = expectError(KeyException.class, "key_encrypted", alg + ": no passphrase",
                                                () -> Key.load(enc.toString()));
            check(e != null && e.getMessage().contains(enc.toString()), "names the file: " + e);
            expectError(KeyException.class, "key_encrypted", alg + ": a wrong passphrase",
                        () -> Key.load(enc.toString(), "correct horse battery staple".toCharArray()));
            expectError(KeyException.class, "key_encrypted", alg + ": an empty passphrase",
                        () -> Key.load(enc.toString(), new char[0]));
            expectError(KeyException.class, "key_encrypted", alg + ": PEM text without a passphrase",
                        () -> Key.fromPem(Files.readString(enc)));
            expectError(KeyException.class, "key_encrypted", alg + ": PEM text with a wrong passphrase",
                        () -> Key.fromPem(Files.readString(enc), "wrong".toCharArray()));
            try (Key k = Key.load(plain.toString(), "unused".toCharArray())) {
                eq(k.kid(), kid, alg + ": a key that is not encrypted loads with a passphrase too");
            }
        }
        Path enc = dir.resolve("enc-ES256.pem");
        HealthCodeException e = expectError(InvalidInputException.class, "invalid_argument", "an unpaired surrogate",
                                            () -> Key.load(enc.toString(), new char[] {'a', '\ud800', 'b'}));
        eq(e == null ? null : e.field, "passphrase", "the passphrase named");
        char[] tooLong = new char[1024];
        java.util.Arrays.fill(tooLong, 'x');
        expectError(InvalidInputException.class, "invalid_argument", "a passphrase of 1024 bytes",
                    () -> Key.load(enc.toString(), tooLong));
        char[] wide = new char[400];
        java.util.Arrays.fill(wide, '电');   // 1200 bytes in UTF-8
        expectError(InvalidInputException.class, "invalid_argument", "a passphrase of 1200 bytes in UTF-8",
                    () -> Key.load(enc.toString(), wide));
        Files.setPosixFilePermissions(enc, PosixFilePermissions.fromString("rw-r--r--"));
        expectError(KeyException.class, "key_permissions", "an encrypted key readable by others",
                    () -> Key.load(enc.toString(), secret.toCharArray()));
        Files.setPosixFilePermissions(enc, MODE_600);
        try (Key k = Key.load(enc.toString(), secret.toCharArray()); Issuer issuer = new Issuer("CN-330000", k);
             Verifier v = new Verifier()) {
            v.addTrustKey(k, "CN-330000");
            eq(v.verify(issuer.issue(FIXED_RECORD, "green", HealthCodeTest.NOW, 60), HealthCodeTest.NOW).colour, "green",
               "a code signed by the key loaded with its passphrase");
        }
    }

    static final String FIXED_RECORD = "{\"id\": \"330402199001011230\", \"id_type\": \"cn_resident\"}";

    static List<String> algs() throws HealthCodeException {
        List<String> algs = new ArrayList<>(List.of("ES256", "EdDSA"));
        if (Key.algSupported("SM2")) algs.add("SM2");
        else System.out.println("SM2 not in this OpenSSL: its round trips skipped");
        return algs;
    }

    /** A file holding something else is never replaced by a new key, unless overwrite. */
    static void noOverwrite(Path dir) throws Exception {
        Path priv = dir.resolve("precious.pem"), pub = dir.resolve("precious.pub.pem");
        String other = "not a key: the issuer's only copy of something\n";
        Files.writeString(priv, other);
        HealthCodeException e = expectError(HealthCodeIOException.class, "io_error", "generateKey over a file",
            () -> HealthCode.generateKey("ES256", priv.toString(), pub.toString()));
        check(e != null && e.getMessage().contains(priv + " exists") && e.field.equals(priv.toString()),
              "the refusal names the file: " + e);
        eq(Files.readString(priv), other, "the file generateKey refused to replace");
        check(!Files.exists(pub), "no public key written beside a refused private key");
        Files.writeString(pub, other);
        Path priv2 = dir.resolve("fresh.pem");
        expectError(HealthCodeIOException.class, "io_error", "generateKey over a public key file",
                    () -> HealthCode.generateKey("EdDSA", priv2.toString(), pub.toString()));
        check(!Files.exists(priv2), "no private key written when the public key file exists");
        eq(Files.readString(pub), other, "the public key file generateKey refused to replace");
        String kid = HealthCode.generateKey("ES256", priv.toString(), pub.toString(), true);
        try (Key k = Key.load(priv.toString())) {
            eq(k.kid(), kid, "overwrite = true replaces the file with the new key");
        }
        eq(Files.getPosixFilePermissions(priv), MODE_600, "the replaced private key's mode");

        Path saved = dir.resolve("saved.pem");
        Files.writeString(saved, other);
        try (Key k = Key.generate("EdDSA")) {
            expectError(HealthCodeIOException.class, "io_error", "Key.savePrivate over a file",
                        () -> k.savePrivate(saved.toString()));
            eq(Files.readString(saved), other, "the file savePrivate refused to replace");
            expectError(HealthCodeIOException.class, "io_error", "Key.savePublic over a file",
                        () -> k.savePublic(saved.toString()));
            k.savePrivate(saved.toString(), true);
            try (Key again = Key.load(saved.toString())) {
                eq(again.kid(), k.kid(), "savePrivate(path, true) wrote the key");
            }
            Path fresh = dir.resolve("new.pem");
            k.savePrivate(fresh.toString());
            eq(Files.getPosixFilePermissions(fresh), MODE_600, "a new private key file's mode");
            List<Path> left = leftovers(dir);
            check(left.isEmpty(), "no temporary file left by the saves: " + left);
        }
    }

    /** The temporary files a save uses (PATH.XXXXXX) still in dir. */
    static List<Path> leftovers(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            List<Path> found = new ArrayList<>();
            s.filter(p -> p.getFileName().toString().matches(".*\\.pem\\.[A-Za-z0-9]{6}")).forEach(found::add);
            return found;
        }
    }

    /** new Issuer(iss, "/missing.pem") names the file; a public key to sign says so. */
    static void errorsNameTheFile(Path dir) throws Exception {
        Path missing = dir.resolve("missing.pem");
        HealthCodeException e = expectError(HealthCodeIOException.class, "io_error", "Issuer with a missing key file",
            () -> new Issuer("CN-330000", missing.toString()).close());
        check(e != null && e.getMessage().equals("io_error: cannot read " + missing + ": no such file"),
              "the message names the file and the cause: " + e);
        check(e instanceof HealthCodeIOException && ((HealthCodeIOException) e).path().equals(missing.toString()),
              "path() is the missing file");
        e = expectError(HealthCodeIOException.class, "io_error", "Key.load of a directory",
                        () -> Key.load(dir.toString()).close());
        check(e != null && e.getMessage().endsWith(dir + ": is a directory"), "a directory is named as one: " + e);
        expectError(HealthCodeIOException.class, "io_error", "a missing policy file",
                    () -> new Issuer("CN-330000", Key.generate("EdDSA"), dir.resolve("none.json").toString()).close());

        Path priv = dir.resolve("signer.pem"), pub = dir.resolve("signer.pub.pem");
        HealthCode.generateKey("ES256", priv.toString(), pub.toString());
        e = expectError(KeyException.class, "invalid_key", "a public key file to sign",
                        () -> new Issuer("CN-330000", pub.toString()).close());
        check(e != null && e.getMessage().equals("invalid_key: " + pub
              + ": this is a public key; signing needs the private key"), "says it is a public key: " + e);
        try (Key p = Key.load(pub.toString())) {
            check(!p.isPrivate(), "a public key file loads as a public key");
            e = expectError(KeyException.class, "invalid_key", "a public Key to sign",
                            () -> new Issuer("CN-330000", p).close());
            check(e != null && e.getMessage().contains("public key; signing needs the private key"), "" + e);
            e = expectError(KeyException.class, "invalid_key", "savePrivate of a public key",
                            () -> p.savePrivate(dir.resolve("never.pem").toString()));
            check(e != null && e.getMessage().contains("never.pem: this key has no private half to write"), "" + e);
            check(!Files.exists(dir.resolve("never.pem")), "no file from a refused savePrivate");
        }
        Files.setPosixFilePermissions(priv, PosixFilePermissions.fromString("rw-r--r--"));
        e = expectError(KeyException.class, "key_permissions", "a key file readable by others",
                        () -> Key.load(priv.toString()).close());
        check(e != null && e.getMessage().startsWith("key_permissions: " + priv + ": "), "names the file: " + e);
        Files.setPosixFilePermissions(priv, MODE_600);

        // An encrypted PKCS#8 key: refused as a key error naming the file ("key_encrypted" once
        // the library takes passphrases; "invalid_key" before: either way not a crash or an I/O error).
        Path enc = dir.resolve("encrypted.pem");
        StringBuilder out = new StringBuilder();
        int rc = T.run(T.cmd("openssl", "genpkey", "-algorithm", "ed25519", "-aes-256-cbc", "-pass", "pass:secret",
                             "-out", enc.toString()), out);
        if (rc == 0) {
            Files.setPosixFilePermissions(enc, MODE_600);
            try {
                Key.load(enc.toString()).close();
                check(false, "an encrypted key loaded without its passphrase");
            } catch (KeyException k) {
                check((k.name.equals("key_encrypted") || k.name.equals("invalid_key"))
                      && k.getMessage().contains(enc.toString()), "an encrypted key: " + k);
            }
        } else {
            System.out.println("openssl genpkey failed (" + out + "): the encrypted-key check skipped");
        }
        expectError(InvalidInputException.class, "invalid_argument", "an unknown algorithm",
                    () -> Key.generate("RS256"));
        expectError(InvalidInputException.class, "invalid_argument", "algSupported of an unknown name",
                    () -> Key.algSupported("RS256"));
        expectError(KeyException.class, "invalid_key", "a bad PEM",
                    () -> Key.fromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n"));
    }

    /** Python's test_each_colour_and_algorithm and test_refusals_each_algorithm, with Key
     *  objects: generate, save, load, sign, verify. */
    static void eachAlgorithm(String alg, String record, Path dir) throws Exception {
        long now = HealthCodeTest.NOW;
        Path priv = dir.resolve(alg + ".pem"), pub = dir.resolve(alg + ".pub.pem");
        try (Key key = Key.generate(alg.toLowerCase()); Key other = Key.generate(alg)) {
            eq(key.alg(), alg, alg + " alg()");
            check(key.isPrivate() && key.kid().matches("[0-9a-f]{16}"), alg + " key");
            check(key.publicPem().startsWith("-----BEGIN PUBLIC KEY-----"), alg + " public PEM");
            check(!key.toString().contains("PRIVATE") && key.toString().contains(key.kid()), alg + " toString");
            key.savePrivate(priv.toString());
            key.savePublic(pub.toString());
            eq(Files.getPosixFilePermissions(priv), MODE_600, alg + " private key file mode");
            try (Key loaded = Key.load(priv.toString()); Key p = Key.load(pub.toString())) {
                check(loaded.isPrivate() && loaded.kid().equals(key.kid()), alg + " private key round trip");
                check(!p.isPrivate() && p.kid().equals(key.kid()) && p.alg().equals(alg), alg + " public key");
                eq(p.publicPem(), key.publicPem(), alg + " public PEM round trip");
            }
            try (Issuer byKey = new Issuer("CN-330000", key); Issuer byPath = new Issuer("CN-330000", priv.toString());
                 Verifier v = new Verifier()) {
                v.addTrustKey(key, null);
                for (String colour : new String[] {"green", "yellow", "red"}) {
                    HealthCode.Claims c = v.verify(byKey.issue(record, colour, now, 86400), now + 60);
                    check(c.verified && c.colour.equals(colour) && c.alg.equals(alg) && c.kid.equals(key.kid())
                          && c.iat == now && c.exp == now + 86400 && c.name.equals("张*")
                          && c.document.startsWith("33") && c.document.contains("*") && c.region == 330402
                          && c.sub.isEmpty(),
                          alg + " " + colour + ": " + c);
                }
                String token = byPath.issue(record, "green", now, 3600);
                check(v.verify(token, now - 300).verified, alg + " within the skew");
                rejected("expired", alg + " expired", () -> v.verify(token, now + 3600 + 300));
                rejected("not_yet_valid", alg + " not yet valid", () -> v.verify(token, now - 301));
                rejected("bad_signature", alg + " signature", () -> v.verify(HealthCodeTest.flipSignature(token), now));
                try (Verifier wrong = new Verifier()) {
                    wrong.addTrustPem(other.publicPem(), null);
                    rejected("unknown_kid", alg + " unknown kid", () -> wrong.verify(token, now));
                }
                try (Verifier v3 = new Verifier()) {
                    v3.addTrustKey(key, "CN-110000");
                    rejected("issuer_mismatch", alg + " another issuer's key", () -> v3.verify(token, now));
                }
                try (Verifier v4 = new Verifier()) {   // 0 is 1970-01-01, never "no bound"
                    v4.addTrustKey(key, null, Verifier.UNBOUNDED_BEFORE, 0);
                    rejected("key_not_valid", alg + " a window ending in 1970", () -> v4.verify(token, now));
                    expectError(InvalidInputException.class, "invalid_argument", alg + " an empty window",
                                () -> v4.addTrustKey(key, null, 0, 0));
                }
                v.revoke(HealthCode.inspect(token).cti + "\n");
                rejected("revoked", alg + " revoked", () -> v.verify(token, now));
                try (Issuer withSub = new Issuer("CN-330000", key)) {
                    withSub.setSubjectSecret("s".repeat(32).getBytes(StandardCharsets.US_ASCII));
                    HealthCode.Claims c = v.verify(withSub.issue(record, "green", now, 60), now);
                    check(c.sub.matches("[0-9a-f]{32}"), alg + " sub with a subject secret");
                    v.revoke(c.sub + "\n");   // a new token for the same person: its own cti, the same sub
                    rejected("subject_revoked", alg + " subject revoked",
                             () -> v.verify(withSub.issue(record, "green", now, 60), now));
                    expectError(InvalidInputException.class, "invalid_argument", "a subject secret of 8 bytes",
                                () -> withSub.setSubjectSecret(new byte[8]));
                }
            }
        }
    }

    /** SoftHSM2's module, or null. */
    static String softhsm() {
        for (String m : new String[] {"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
                                      "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so"})
            if (Files.isReadable(Path.of(m))) return m;
        return null;
    }

    /** Python's test_sm2_and_a_key_on_a_token, token half: a key made on a SoftHSM2 token
     *  signs tokens its public half verifies, and is never exported. SOFTHSM2_CONF (set by
     *  meson, since a JVM cannot set its own environment) names the file this writes. */
    static void token(String record, Path dir) throws Exception {
        String module = softhsm(), conf = System.getenv("SOFTHSM2_CONF");
        if (module == null || conf == null || T.run(T.cmd("sh", "-c", "command -v softhsm2-util"), null) != 0) {
            System.out.println("SoftHSM2 (or SOFTHSM2_CONF) missing: the PKCS#11 checks skipped");
            return;
        }
        Path tokens = Files.createDirectories(dir.resolve("tokens"));
        Files.writeString(Path.of(conf), "directories.tokendir = " + tokens + "\nobjectstore.backend = file\n"
                          + "log.level = ERROR\n");
        StringBuilder out = new StringBuilder();
        check(T.run(T.cmd("softhsm2-util", "--init-token", "--free", "--label", "java", "--so-pin", "87654321",
                          "--pin", "123456"), out) == 0, "softhsm2-util --init-token: " + out);
        Path pin = dir.resolve("pin");
        Files.writeString(pin, "123456");
        Files.setPosixFilePermissions(pin, MODE_600);
        String query = "?module-path=" + module + "&pin-source=file:" + pin;
        String uri = "pkcs11:token=java;object=k1" + query;
        long now = HealthCodeTest.NOW;
        try (Key k = Key.generateOnToken(uri, "EdDSA"); Key again = Key.load(uri);
             Issuer issuer = new Issuer("CN-330000", again); Verifier v = new Verifier()) {
            check(k.isPrivate() && k.alg().equals("EdDSA"), "a key on the token: " + k);
            eq(again.kid(), k.kid(), "the token key loaded again by its URI");
            Path never = dir.resolve("never.pem");
            HealthCodeException e = expectError(KeyException.class, "invalid_key", "savePrivate of a token key",
                                                 () -> k.savePrivate(never.toString()));
            check(!Files.exists(never), "no file from a token key");
            check(e != null && e.getMessage().contains("no private half to write") && !e.getMessage().contains("PRIVATE"),
                  "says why, with no key material: " + e);
            v.addTrustPem(k.publicPem(), null);
            eq(v.verify(issuer.issue(record, "green", now, 86400), now).alg, "EdDSA", "a token signed on the token");
            T.expectThrown(KeyException.class, "a second key of the same label",
                           () -> Key.generateOnToken(uri, "EdDSA").close());
        }
        // the file-path API: generateKeyOnToken writes only the public key; an Issuer takes the URI
        String uri2 = "pkcs11:token=java;object=k2" + query;
        Path pub = dir.resolve("k2.pub.pem");
        String kid = HealthCode.generateKeyOnToken("ES256", uri2, pub.toString());
        try (Issuer issuer = new Issuer("CN-330000", uri2); Verifier v = new Verifier()) {
            v.addTrustPath(pub.toString());
            HealthCode.Claims c = v.verify(issuer.issue(record, "yellow", now, 600), now);
            check(c.kid.equals(kid) && c.alg.equals("ES256") && c.colour.equals("yellow"), "ES256 on the token: " + c);
        }
        check(!Files.readString(pub).contains("PRIVATE"), "only the public key came out");
        expectError(HealthCodeIOException.class, "io_error", "generateKeyOnToken over an existing public key file",
                    () -> HealthCode.generateKeyOnToken("ES256", "pkcs11:token=java;object=k3" + query, pub.toString()));
        // an unknown token: a key error naming the key without the URI's query (the PIN's file)
        // (pkcs11_no_token once the library tells the PKCS#11 causes apart, issue 26 point 11)
        KeyException e = T.expectThrown(KeyException.class, "an unknown token",
                                        () -> Key.load(uri.replace("token=java", "token=gone")).close());
        check(e != null && e.getMessage().contains("pkcs11:token=gone;object=k1") && !e.getMessage().contains(pin.toString())
              && !e.field.contains(pin.toString()), "the message names the URI without its query: " + e);
    }
}

package cn.healthcode;

import static cn.healthcode.T.check;
import static cn.healthcode.T.eq;
import static cn.healthcode.T.expectError;
import static cn.healthcode.T.rejected;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** BundleStore (issue 22 point 7): Python's test_bundle_store, and a store behind its state
 *  file refusing to verify (issue 25 point 2). The bundles are made by the CLI
 *  (HC_CLI, set by meson); without it these checks are skipped, saying so. */
final class BundlesTest {
    private BundlesTest() {}

    static final long NOW = HealthCodeTest.NOW;
    static String cli;
    static Path dir;

    static void run(Path root, Path tmp) throws Exception {
        cli = System.getenv("HC_CLI");
        if (cli == null) {
            System.out.println("HC_CLI not set (no healthcode command in this build): BundleStore checks skipped");
            return;
        }
        dir = Files.createDirectories(tmp.resolve("bundles"));
        String record = Files.readString(root.resolve("examples/record.json"));
        try (Key rootKey = Key.generate("ES256"); Key zj = Key.generate("ES256"); Key ev = Key.generate("EdDSA");
             Issuer zjIssuer = new Issuer("CN-330000", zj); Issuer evIssuer = new Issuer("CN-110000", ev)) {
            rootKey.savePrivate(dir.resolve("root.pem").toString());
            zj.savePublic(dir.resolve("zj.pub.pem").toString());
            ev.savePublic(dir.resolve("ev.pub.pem").toString());
            python(rootKey, zjIssuer.issue(record, "green", NOW, 86400));
            behind(rootKey, record, zjIssuer, evIssuer);
        }
    }

    /** healthcode bundle make … --seq SEQ --out bN.cbor, with extra arguments; returns the file. */
    static String make(String name, int seq, String expires, String... extra) throws Exception {
        Path out = dir.resolve(name);
        List<String> cmd = T.cmd(cli, "bundle", "make", "--root", dir.resolve("root.pem").toString(), "--seq",
                                 Integer.toString(seq), "--now", Long.toString(NOW), "--expires", expires,
                                 "--out", out.toString());
        cmd.addAll(List.of(extra));
        StringBuilder log = new StringBuilder();
        if (T.run(cmd, log) != 0) throw new AssertionError("bundle make failed: " + log);
        return out.toString();
    }

    static String[] zjOnly() {
        return new String[] {"--trust", dir.resolve("zj.pub.pem").toString(), "--issuer", "CN-330000"};
    }

    /** The Python binding's test_bundle_store, step for step. */
    static void python(Key rootKey, String token) throws Exception {
        String b5 = make("b5.cbor", 5, "7d", zjOnly()), b4 = make("b4.cbor", 4, "7d", zjOnly());
        String state = Files.createDirectories(dir.resolve("state")).toString();
        try (Key r = Key.load(dir.resolve("root.pem").toString()); BundleStore store = new BundleStore(List.of(r), state)) {
            HealthCodeException e = rejected("unknown_kid", "verify before any bundle", () -> store.verify(token, NOW));
            check(e != null && e.getMessage().contains("no bundle has been accepted yet"), "says why: " + e);
            eq(store.applyFile(b5, NOW), 5L, "apply b5");
            eq(store.verify(token, NOW).colour, "green", "a token verified with the bundle's keys");
            expectError(BundleException.class, "bundle_rollback", "an older bundle", () -> store.applyFile(b4, NOW));
            eq(store.seq(), 5L, "seq after a refused bundle");
            check(!store.stale() && !store.behind(), "neither stale nor behind");
            try (Checkpoint gate = new Checkpoint(store, null)) {
                check(gate.check(token, Instant.ofEpochSecond(NOW), Double.NaN).admit, "a Checkpoint over the store");
            }
        }
        // the state survives: a new store refuses the older bundle too
        try (BundleStore again = new BundleStore(List.of(rootKey), state)) {
            byte[] old = Files.readAllBytes(Path.of(b4));
            expectError(BundleException.class, "bundle_rollback", "an older bundle after a restart",
                        () -> again.apply(old, NOW));
            expectError(BundleException.class, "bundle_expired", "an expired bundle",
                        () -> again.applyFile(make("b6.cbor", 6, "1d", zjOnly()), NOW + 2 * 86400));
            eq(again.applyFile(make("b7.cbor", 7, "1d", zjOnly()), Instant.ofEpochSecond(NOW + 2 * 86400), true), 7L,
               "an expired bundle accepted stale");
            check(again.stale(), "stale()");
        }
        try (Key other = Key.generate("ES256"); BundleStore wrong = new BundleStore(List.of(other))) {
            expectError(BundleException.class, "bundle_wrong_root", "another root",
                        () -> wrong.apply(Files.readAllBytes(Path.of(b5)), NOW));
            expectError(HealthCodeIOException.class, "io_error", "a missing bundle file",
                        () -> wrong.applyFile(dir.resolve("none.cbor").toString(), NOW));
        }
    }

    /** Issue 25 point 2: full bundle 5 trusts ZJ and EV; delta 6 revokes a ZJ token and drops
     *  EV. Re-applying the full bundle in the same process, or restarting and applying only the
     *  full bundle, leaves the store behind its state: it must refuse to verify (the revoked
     *  token and EV's tokens would pass) until the delta is applied again. */
    static void behind(Key rootKey, String record, Issuer zjIssuer, Issuer evIssuer) throws Exception {
        String revokedToken = zjIssuer.issue(record, "green", NOW, 86400), fresh = zjIssuer.issue(record, "green", NOW, 86400);
        String evToken = evIssuer.issue(record, "green", NOW, 86400);
        Files.writeString(dir.resolve("revoked.txt"), HealthCode.inspect(revokedToken).cti + "\n");
        String full = make("f5.cbor", 5, "7d", "--trust", dir.resolve("zj.pub.pem").toString(), "--issuer", "CN-330000",
                           "--trust", dir.resolve("ev.pub.pem").toString(), "--issuer", "CN-110000");
        String[] deltaArgs = {"--trust", dir.resolve("zj.pub.pem").toString(), "--issuer", "CN-330000",
                              "--revoked", dir.resolve("revoked.txt").toString(), "--delta-from", full};
        String delta = make("d6.cbor", 6, "7d", deltaArgs);
        String state = Files.createDirectories(dir.resolve("state-behind")).toString();
        try (BundleStore store = new BundleStore(List.of(rootKey), state)) {
            eq(store.applyFile(full, NOW), 5L, "full bundle 5");
            eq(store.verify(evToken, NOW).iss, "CN-110000", "EV's token under bundle 5");
            eq(store.applyFile(delta, NOW), 6L, "delta 6");
            rejected("revoked", "the token delta 6 revokes", () -> store.verify(revokedToken, NOW));
            rejected("unknown_kid", "EV's token after delta 6 dropped EV", () -> store.verify(evToken, NOW));
            // the very full bundle the state was built on, again: reloaded (or refused, once the
            // library refuses it by construction); either way nothing the delta took away passes
            reapply(store, full, "the full bundle applied again over its delta");
            HealthCodeException e = refused(store, revokedToken, "revoked",
                                            "the revoked token on a store that re-applied its full bundle");
            check(e == null || !store.behind() || e.getMessage().contains("later than the bundles applied (seq 5): give the delta too"),
                  "says what to do: " + e);
            refused(store, evToken, "unknown_kid", "EV's token on a store that re-applied its full bundle");
            try (Checkpoint gate = new Checkpoint(store, null)) {
                if (store.behind())
                    expectError(BundleException.class, "bundle_rollback", "a Checkpoint over a store behind its state",
                                () -> gate.check(fresh, NOW, Double.NaN));
            }
        }
        // a restart that applies only the full bundle
        try (BundleStore restarted = new BundleStore(List.of(rootKey), state)) {
            reapply(restarted, full, "the full bundle alone after a restart");
            refused(restarted, revokedToken, "revoked", "the revoked token after a restart without the delta");
            refused(restarted, evToken, "unknown_kid", "EV's token after a restart without the delta");
            eq(restarted.applyFile(delta, NOW), 6L, "the delta applied again");
            check(!restarted.behind(), "caught up with its state");
            rejected("revoked", "the revoked token once the delta is back", () -> restarted.verify(revokedToken, NOW));
            rejected("unknown_kid", "EV's token once the delta is back", () -> restarted.verify(evToken, NOW));
            eq(restarted.verify(fresh, NOW).colour, "green", "another ZJ token once the delta is back");
        }
    }

    /** Applies the full bundle on a store whose state has its delta: accepted (the store is then
     *  behind its state) or refused as a rollback. */
    static void reapply(BundleStore store, String full, String what) throws Exception {
        try {
            eq(store.applyFile(full, NOW), 5L, what);
            check(store.behind(), what + ": behind() once accepted");
        } catch (BundleException e) {
            eq(e.name, "bundle_rollback", what + ": refused");
        }
    }

    /** token must not verify on store: refused as a rollback while the store is behind its state,
     *  else as the delta says (name: "revoked", "unknown_kid"). Returns the exception. */
    static HealthCodeException refused(BundleStore store, String token, String name, String what) {
        if (store.behind())
            return expectError(BundleException.class, "bundle_rollback", what, () -> store.verify(token, NOW));
        return rejected(name, what, () -> store.verify(token, NOW));
    }
}

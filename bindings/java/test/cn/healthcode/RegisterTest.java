package cn.healthcode;

import static cn.healthcode.T.check;
import static cn.healthcode.T.eq;
import static cn.healthcode.T.expectError;
import static cn.healthcode.T.rejected;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Issue 23 in Java (Python's RegisterTests, step for step): a red code for a stay in Wuhan
 *  corrected to green, the old cti refused with the list from revocations(); refusals that
 *  write nothing; an audit that passes, then names the row changed (and the row deleted) with
 *  the sqlite3 shell; stats, charts and a purge that keeps the counts; Issuer.issue and Batch
 *  recording into a register. */
final class RegisterTest {
    private RegisterTest() {}

    static final long NOW = HealthCodeTest.NOW;
    static final long THEN = NOW - 10 * 86400;   // 2020-01-26: the stay in Wuhan holds red
    static final String WUHAN = "{\"id\": \"330402199001011230\", \"id_type\": \"cn_resident\", \"name\": \"张三\", "
        + "\"residence\": 330402, \"travel\": [{\"region\": 420100, \"from\": \"2020-01-18\", \"to\": \"2020-01-21\"}]}";
    static final String FIXED = WUHAN.replaceFirst(", \"travel\": \\[.*\\]", "");
    static final String OTHER = FIXED.replace("330402199001011230", "330102198503154564");
    static final byte[] SECRET = "ssssssssssssssssssssssssssssssss".getBytes(StandardCharsets.US_ASCII);
    static Path dir;

    static void run(Path root, Path tmp) throws Exception {
        dir = Files.createDirectories(tmp.resolve("register"));
        try (Key key = Key.generate("ES256"); Issuer issuer = new Issuer("CN-330000", key)) {
            issuer.setSubjectSecret(SECRET);
            try {
                Register.openReadOnly(dir.resolve("probe.db").toString()).close();
            } catch (HealthCodeException e) {
                if (e.name.equals("unsupported")) {
                    System.out.println("this build has no register: the Register checks skipped");
                    return;
                }
            }
            correctThenRefused(key, issuer);
            refusalsWriteNothing(key, issuer);
            auditNamesTheRow(key, issuer);
            statsChartPurge(key, issuer);
            notARegister();
            batch(key);
        }
    }

    static String path(String name) { return dir.resolve(name).toString(); }

    static String redCode(Issuer issuer, Register reg) throws HealthCodeException {
        HealthCode.Assessment a = HealthCode.assess(WUHAN, null, THEN);
        eq(a.colour, "red", "a stay in Wuhan on " + Instant.ofEpochSecond(THEN));
        return issuer.issue(WUHAN, THEN, 86400, reg);
    }

    /** The done-when of issue 23, in Java: red corrected to green, the old code refused with
     *  the list from revocations(), one corrections row naming the operator and reason. */
    static void correctThenRefused(Key key, Issuer issuer) throws Exception {
        String file = path("R.db");
        try (Register reg = new Register(file, key); Verifier v = new Verifier()) {
            check(reg.id().matches("[0-9a-f]{32}"), "the register's id: " + reg.id());
            String token = redCode(issuer, reg);
            String old = HealthCode.inspect(token).cti;
            Register.Code code = reg.lookup(old);
            eq(code.colour + " " + code.region + " " + code.document + " " + code.revoked,
               "red 330402 33**************30 false", "the code recorded");
            check(code.sub.matches("[0-9a-f]{32}") && code.iss.equals("CN-330000") && code.kid.equals(key.kid())
                  && code.iat == THEN && code.exp == THEN + 86400 && code.batch.isEmpty() && code.seq == 1,
                  "the code's row: " + code);
            Register.Action act = new Register.Action("op-1", "the trip was not taken", "case 7", THEN + 3600);
            Register.Correction fix = reg.correct(old, issuer, FIXED, act);
            eq(fix.old.cti + " " + fix.old.colour + " " + fix.newColour, old + " red green", "the correction");
            eq(fix.newCti, HealthCode.inspect(fix.token).cti, "the new cti is the new token's");
            eq(fix.assessment.colour, "green", "the corrected record's assessment");
            check(fix.toString().startsWith("Correction{" + old + " red -> " + fix.newCti + " green, seq "),
                  "Correction.toString: " + fix);
            check(reg.lookup(old).revoked && !reg.lookup(fix.newCti).revoked, "the old code revoked, the new not");
            Register.Revocations list = reg.revocations();
            check(list.ctiCount == 1 && list.subCount == 0 && list.text.contains(old), "the list: " + list);
            v.addTrustKey(key, "CN-330000");
            v.revoke(list.text);
            rejected("revoked", "the old code at a checkpoint with the register's list",
                     () -> v.verify(token, THEN + 7200));
            eq(v.verify(fix.token, THEN + 7200).colour, "green", "the new code verifies");
            Register.AuditReport report = reg.audit(List.of(key));
            eq(report.events + " " + report.heads, "4 2", "events (issue, code, correction, revocation) and heads");
            check(report.headHash.matches("[0-9a-f]{64}") && report.lastSeq == 4, "the head: " + report);
            eq(reg.audit(List.of(key), report.lastSeq, report.headHash).events, 4L, "the audit with the head kept outside");
            expectError(AuditFailedException.class, "audit_failed", "a head kept outside that the chain lacks",
                        () -> reg.audit(List.of(key), report.lastSeq, "00".repeat(32)));
        }
        String rows = sqlite(file, "SELECT operator || '|' || reason || '|' || evidence FROM corrections");
        eq(rows.trim(), "op-1|the trip was not taken|case 7", "one corrections row naming the operator and reason");
    }

    static void refusalsWriteNothing(Key key, Issuer issuer) throws Exception {
        try (Register reg = new Register(path("R2.db"), key)) {
            String old = HealthCode.inspect(redCode(issuer, reg)).cti;
            expectError(RegisterException.class, "subject_mismatch", "a corrected record of another person",
                        () -> reg.correct(old, issuer, OTHER, new Register.Action("op", "r", THEN)));
            expectError(RegisterException.class, "unknown_code", "an unknown cti",
                        () -> reg.correct("00".repeat(8), issuer, FIXED, new Register.Action("op", "r", THEN)));
            expectError(InvalidInputException.class, "invalid_argument", "an empty reason",
                        () -> reg.correct(old, issuer, FIXED, new Register.Action("op", "", THEN)));
            expectError(InvalidInputException.class, "invalid_record", "a corrected record that is not one",
                        () -> reg.correct(old, issuer, "{\"id\": 1}", new Register.Action("op", "r", THEN)));
            eq(reg.audit(List.of(key)).events, 1L, "nothing written by the refusals");
            eq(reg.revoke(old, new Register.Action("op-2", "stolen phone", THEN)), 2L, "a revocation's event");
            expectError(RegisterException.class, "already_revoked", "revoked twice",
                        () -> reg.revoke(old, new Register.Action("op-2", "again", THEN)));
            Register.Revocations since = reg.revocations(2);
            eq(since.lastSeq, 2L, "nothing after event 2: the next since stays 2");
            check(!since.text.contains(old), "the list since event 2 does not hold it");
            String sub = reg.lookup(old).sub;
            eq(reg.revokeSubject(sub, new Register.Action("op-3", "every code of this person", "order 12", THEN)), 3L,
               "a subject revoked");
            eq(reg.revocations(2).subCount, 1L, "the delta since event 2 holds the subject");
            expectError(InvalidInputException.class, "invalid_argument", "a cti that is not hex",
                        () -> reg.lookup("not a cti"));
        }
    }

    /** Changing a row with the sqlite3 shell makes the audit fail naming it; so does deleting one. */
    static void auditNamesTheRow(Key key, Issuer issuer) throws Exception {
        String file = path("R3.db"), copy = path("R3-copy.db");
        try (Register reg = new Register(file, key)) {
            for (int i = 0; i < 3; i++) redCode(issuer, reg);
            eq(reg.audit(List.of(key)).events, 3L, "the audit passes first");
        }
        Files.copy(Path.of(file), Path.of(copy), StandardCopyOption.REPLACE_EXISTING);
        sqlite(file, "UPDATE codes SET colour='green' WHERE seq=2");
        try (Register reg = Register.openReadOnly(file)) {
            AuditFailedException e = (AuditFailedException) expectError(AuditFailedException.class, "audit_failed",
                "a colour changed by hand", () -> reg.audit(List.of(key)));
            check(e != null && e.badSeq() == 2 && e.where().contains("codes seq 2") && e.getMessage().contains("codes seq 2"),
                  "names the row changed: " + (e == null ? null : e.where() + " / " + e.badSeq() + " / " + e.getMessage()));
        }
        sqlite(copy, "DELETE FROM codes WHERE seq=2");
        try (Register reg = Register.openReadOnly(copy)) {
            AuditFailedException e = (AuditFailedException) expectError(AuditFailedException.class, "audit_failed",
                "a row deleted by hand", () -> reg.audit(List.of(key)));
            check(e != null && e.badSeq() == 3 && e.getMessage().contains("event 2 is missing before codes seq 3"),
                  "names the event deleted: "
                  + (e == null ? null : e.where() + " / " + e.badSeq() + " / " + e.getMessage()));
        }
    }

    static void statsChartPurge(Key key, Issuer issuer) throws Exception {
        try (Register reg = new Register(path("R4.db"), key)) {
            redCode(issuer, reg);
            issuer.issue(FIXED, Instant.ofEpochSecond(THEN + 86400), java.time.Duration.ofDays(1), reg);
            Register.Stats st = reg.stats(Register.By.DAY);
            eq(st.green + " " + st.yellow + " " + st.red, "1 0 1", "stats by colour");
            List<LocalDate> days = new ArrayList<>();
            for (Register.Stats.Row r : st.rows) days.add(r.day);
            eq(days, List.of(LocalDate.parse("2020-01-26"), LocalDate.parse("2020-01-27")), "the days");
            eq(st.greenShare(), 0.5, "the green share");
            eq(st.toString(), "Stats{2 issued (1 green, 0 yellow, 1 red), 50.0% green, 0 corrections, 0 revoked, "
               + "2 rows by DAY}", "Stats.toString");
            Register.Stats pref = reg.stats(Register.By.PREFECTURE);
            eq(pref.rows.size() == 1 ? pref.rows.get(0).toString() : pref.rows.toString(),
               "Row{330400: 1 green, 0 yellow, 1 red}", "stats by prefecture");
            eq(reg.stats().rows.size(), 1, "the total: one row");
            Path svg = dir.resolve("day.svg"), png = dir.resolve("day.png");
            reg.chart(svg.toString(), Register.By.DAY);
            check(Files.readString(svg).contains("<svg"), "an SVG chart");
            reg.chart(png.toString(), Register.By.PREFECTURE);
            byte[] b = Files.readAllBytes(png);
            check(b.length > 8 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G', "a PNG chart");
            expectError(InvalidInputException.class, "invalid_argument", "a chart of the total",
                        () -> reg.chart(svg.toString(), Register.By.TOTAL));
            eq(reg.purge(Instant.ofEpochSecond(THEN + 3 * 86400), "dpo", Instant.ofEpochSecond(THEN + 4 * 86400)), 2L,
               "codes purged");
            Register.Stats after = reg.stats(Register.By.DAY);
            eq(after.green + " " + after.yellow + " " + after.red, "1 0 1", "the counts stay");
            eq(reg.audit(List.of(key)).events, 3L, "the audit passes after the purge");
            Register.Code c = reg.lookup(sqlite(path("R4.db"), "SELECT cti FROM codes WHERE seq=1").trim());
            check(c.purged && c.sub.isEmpty() && c.region == 0 && c.document.isEmpty(), "the personal columns cleared: " + c);
        }
    }

    static void notARegister() throws Exception {
        Path bad = dir.resolve("text.db");
        Files.writeString(bad, "not a database, only some words to fill the first page\n");
        expectError(RegisterException.class, "bad_register", "a text file", () -> new Register(bad.toString(), null));
        HealthCodeException e = expectError(HealthCodeIOException.class, "io_error", "a missing register read-only",
                                            () -> Register.openReadOnly(path("missing.db")));
        check(e != null && e.getMessage().contains("missing.db"), "names the file: " + e);
        expectError(HealthCodeIOException.class, "io_error", "a missing register without create",
                    () -> Register.openExisting(path("missing.db"), null));
        try (Register noKey = new Register(path("nokey.db"), null); Key k = Key.generate("EdDSA");
             Issuer is = new Issuer("CN-330000", k); Key pub = Key.fromPem(k.publicPem())) {
            expectError(InvalidInputException.class, "invalid_argument", "recording without the key",
                        () -> is.issue(FIXED, "green", NOW, 60, noKey));
            expectError(KeyException.class, "invalid_key", "a public key to sign the heads", () -> noKey.setKey(pub));
        }
    }

    /** Batch with a register: one row a line of tokens.jsonl, with its line number. */
    static void batch(Key key) throws Exception {
        Path in = dir.resolve("people.jsonl"), out = dir.resolve("batch-out");
        Files.writeString(in, WUHAN + "\n" + FIXED + "\n{\"id\": \"bad\"}\n" + OTHER + "\n");
        try (Register reg = new Register(path("R5.db"), key)) {
            Batch.Summary s = new Batch(key, "CN-330000", THEN).subjectSecret(SECRET).register(reg)
                .run(in.toString(), out.toString());
            eq(s.issued() + " " + s.errors, "3 1", "the batch");
            Register.Stats st = reg.stats();
            eq(st.green + " " + st.yellow + " " + st.red, s.green + " " + s.yellow + " " + s.red,
               "the register counts each colour as the batch does");
            Matcher m = Pattern.compile("\"token\"\\s*:\\s*\"([^\"]+)\"").matcher(Files.readString(out.resolve("tokens.jsonl")));
            List<Long> lines = new ArrayList<>();
            while (m.find()) {
                Register.Code c = reg.lookup(HealthCode.inspect(m.group(1)).cti);
                check(c.batch.matches("[0-9a-f]{16}"), "a batch code names its batch: " + c.batch);
                lines.add(c.line);
            }
            eq(lines, List.of(1L, 2L, 4L), "one row a line of tokens.jsonl, with its input line");
            eq(reg.audit(List.of(key)).events, 3L, "the batch's events audit");
        }
    }

    /** Runs the sqlite3 shell on the file; returns what it printed. */
    static String sqlite(String file, String sql) throws Exception {
        StringBuilder out = new StringBuilder();
        int rc = T.run(T.cmd("sqlite3", file, sql), out);
        if (rc != 0) throw new AssertionError("sqlite3 " + sql + ": exit " + rc + " " + out);
        return out.toString();
    }
}

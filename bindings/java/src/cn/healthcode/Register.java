package cn.healthcode;

import java.lang.ref.Reference;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/** The issuer's register (doc/register.md): an SQLite file of every code issued, the
 *  corrections that replace a wrong code (and revoke it), the revocations and the purges of
 *  personal columns, each an event of a hash chain whose head is signed with the issuer's key,
 *  so that a row changed by hand shows in {@link #audit}. No reasons, travel or health data go
 *  in it.
 *
 *  <pre>{@code
 *  try (Key key = Key.load("issuer.pem"); Issuer issuer = new Issuer("CN-330000", key);
 *       Register reg = new Register("R.db", key)) {
 *      String token = issuer.issue(record, now, Duration.ofDays(1), reg);    // recorded
 *      Register.Correction fix = reg.correct(cti, issuer, correctedRecord,
 *          new Register.Action("op-0042", "the trip was not taken", "case 7", now));
 *      verifier.revoke(reg.revocations().text);                              // the old code is refused
 *      reg.audit(List.of(key));                                              // AuditFailedException if tampered
 *  }
 *  }</pre>
 *
 *  <p>Every method that writes needs the key (the issuer's private key: a file's or a
 *  token's) and takes the register's write lock, waiting for another writer (another process:
 *  a batch, a correction) up to the busy timeout (10 s; then RegisterException
 *  "register_busy"); it writes all of its rows or none. Errors: RegisterException
 *  ("bad_register" not a register, "register_version", "unknown_code", "already_revoked",
 *  "subject_mismatch", "register_busy"), {@link AuditFailedException}, HealthCodeIOException
 *  (a missing file, a read-only file, a full disk), HealthCodeException "unsupported" in a
 *  build without the register part.
 *
 *  <p>One SQLite connection: use a Register from one thread at a time (its methods are
 *  synchronized), and open one per thread or process for more; they share the file safely.
 *  Holds a native handle: close() it; one never closed is freed by a Cleaner. */
public final class Register implements AutoCloseable {
    static { HealthCode.ensureLoaded(); }
    private static final int CREATE = 1, READ_ONLY = 2;   // HC_REGISTER_* flags
    private final NativeHandle handle;

    /** Opens the register at path, making the file (mode 0600) and its schema when missing;
     *  key (a private key, kept by reference: it may be closed afterwards) signs the chain's
     *  heads, null: none yet ({@link #setKey}; reading needs none). */
    public Register(String path, @Nullable Key key) throws HealthCodeException {
        this(Objects.requireNonNull(path, "path"), key, CREATE);
    }

    private Register(String path, Key key, int flags) throws HealthCodeException {
        handle = new NativeHandle(this, open0(path, flags), Register::free);
        if (key != null) {
            try {
                setKey(key);
            } catch (HealthCodeException | RuntimeException e) {
                handle.close();
                throw e;
            }
        }
    }

    /** Opens an existing register (a missing file: HealthCodeIOException naming it). */
    public static Register openExisting(String path, @Nullable Key key) throws HealthCodeException {
        return new Register(Objects.requireNonNull(path, "path"), key, 0);
    }

    /** Opens an existing register for reading only: lookups, revocations, audit, stats. */
    public static Register openReadOnly(String path) throws HealthCodeException {
        return new Register(Objects.requireNonNull(path, "path"), null, READ_ONLY);
    }

    /** The key that signs the chain's heads: the issuer's private key (the register keeps its
     *  own reference). A public key: KeyException "invalid_key". */
    public synchronized void setKey(Key key) throws HealthCodeException {
        Objects.requireNonNull(key, "key");
        try {
            setKey0(handle.get(), key.handle());
        } finally {
            Reference.reachabilityFence(this);
            Reference.reachabilityFence(key);
        }
    }

    /** How long a write waits for another writer's lock before "register_busy" (default 10 s;
     *  zero: do not wait). */
    public synchronized void setBusyTimeout(Duration timeout) throws HealthCodeException {
        long ms = Objects.requireNonNull(timeout, "timeout").toMillis();
        try {
            setBusyTimeout0(handle.get(), (int) Math.min(Integer.MAX_VALUE, Math.max(-1, ms)));
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The register's identifier, 32 hex digits (made with the file; signed into every head). */
    public synchronized String id() throws HealthCodeException {
        try {
            return id0(handle.get());
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Records an issued token as a code (what {@link Issuer#issue(String, long, long,
     *  Register)} does): its cti, sub, colour, validity, region and masked document, read from
     *  the token. A token already recorded: InvalidInputException "invalid_argument". */
    public synchronized void record(String token) throws HealthCodeException {
        Objects.requireNonNull(token, "token");
        try {
            record0(handle.get(), token);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The code with this cti (16 hex digits); RegisterException "unknown_code" if none. */
    public synchronized Code lookup(String cti) throws HealthCodeException {
        Objects.requireNonNull(cti, "cti");
        String[] s = new String[Code.STRINGS];
        long[] n = new long[Code.NUMBERS];
        try {
            lookup0(handle.get(), cti, s, n);
        } finally {
            Reference.reachabilityFence(this);
        }
        return new Code(s, n, 0);
    }

    /** Corrects the code cti: assesses the corrected record (JSON) under the issuer's policy
     *  at action.now, issues its new code with issuer (give it the subject secret of the old
     *  code's issuer), and records the new code, the correction (operator, reason, evidence)
     *  and the revocation of the old cti, in one transaction; valid 24 h. Refused with nothing
     *  written: RegisterException "unknown_code", "already_revoked", "subject_mismatch" (by sub
     *  where the old code has one, else by the masked document), InvalidInputException
     *  (an empty reason or operator, a bad record naming its field). */
    public Correction correct(String cti, Issuer issuer, String recordJson, Action action)
            throws HealthCodeException {
        return correct(cti, issuer, recordJson, action, 86400);
    }

    /** The same, the new code valid for validitySeconds. */
    public synchronized Correction correct(String cti, Issuer issuer, String recordJson, Action action,
                                           long validitySeconds) throws HealthCodeException {
        Objects.requireNonNull(cti, "cti");
        Objects.requireNonNull(issuer, "issuer");
        byte[] record = Objects.requireNonNull(recordJson, "recordJson")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Objects.requireNonNull(action, "action");
        String[] s = new String[2 + Code.STRINGS];
        long[] n = new long[2 + Code.NUMBERS];
        HealthCode.Assessment a;
        try {
            a = correct0(handle.get(), cti, issuer.handle(), record, action.operator, action.reason, action.evidence,
                         action.now, validitySeconds, s, n);
        } finally {
            Reference.reachabilityFence(this);
            Reference.reachabilityFence(issuer);
        }
        return new Correction(new Code(s, n, 2), s[1], Code.COLOURS[(int) n[0]], s[0], a, n[1]);
    }

    /** The same, the new code valid for a Duration (whole seconds). */
    public Correction correct(String cti, Issuer issuer, String recordJson, Action action, Duration validity)
            throws HealthCodeException {
        Objects.requireNonNull(cti, "cti");
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(recordJson, "recordJson");
        Objects.requireNonNull(action, "action");
        return correct(cti, issuer, recordJson, action, Time.seconds(validity, "validity"));
    }

    /** Revokes the code cti (16 hex digits) for action's operator and reason; returns the
     *  revocation's event number. RegisterException "unknown_code", "already_revoked". */
    public long revoke(String cti, Action action) throws HealthCodeException {
        return revoke(Objects.requireNonNull(cti, "cti"), null, Objects.requireNonNull(action, "action"));
    }

    /** Revokes every code of the subject sub (32 hex digits, {@link HealthCode.Claims#sub}):
     *  the codes issued and those to come; returns the event number. */
    public long revokeSubject(String sub, Action action) throws HealthCodeException {
        return revoke(null, Objects.requireNonNull(sub, "sub"), Objects.requireNonNull(action, "action"));
    }

    private synchronized long revoke(String cti, String sub, Action action) throws HealthCodeException {
        try {
            return revoke0(handle.get(), cti, sub, action.operator, action.reason, action.evidence, action.now);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The whole revocation list: what {@link Verifier#revoke}, {@code verify --revoked} and
     *  {@code bundle make --revoked} read. */
    public Revocations revocations() throws HealthCodeException { return revocations(0); }

    /** The revocations recorded after event since (0: all), for a bundle delta; the list's
     *  {@link Revocations#lastSeq} is the next since. */
    public synchronized Revocations revocations(long since) throws HealthCodeException {
        long[] n = new long[4];
        String text;
        try {
            text = revocations0(handle.get(), since, n);
        } finally {
            Reference.reachabilityFence(this);
        }
        return new Revocations(text, n[0], n[1], n[2], n[3]);
    }

    /** Checks every event against the hash chain, the personal columns against the digests it
     *  holds, every signed head against the chain and one of keys (the issuer's public keys,
     *  or key pairs), and the counts against the codes. Throws {@link AuditFailedException}
     *  naming the first row that does not match (a row changed, deleted, inserted or reordered
     *  with the sqlite3 shell; a forged or missing head). */
    public AuditReport audit(Collection<Key> keys) throws HealthCodeException {
        return auditWith(Objects.requireNonNull(keys, "keys"), 0, null);
    }

    /** The same, also checking that the chain holds event expectSeq with the chain hash
     *  expectHash (64 hex digits): a head kept outside the register ({@link AuditReport#headHash}
     *  of an earlier audit, or published), which catches a rewrite by someone holding the key. */
    public AuditReport audit(Collection<Key> keys, long expectSeq, String expectHash) throws HealthCodeException {
        Objects.requireNonNull(keys, "keys");
        return auditWith(keys, expectSeq, hash(Objects.requireNonNull(expectHash, "expectHash")));
    }

    private synchronized AuditReport auditWith(Collection<Key> keys, long expectSeq, byte[] expectHash)
            throws HealthCodeException {
        Key[] ks = keys.toArray(new Key[0]);
        long[] handles = new long[ks.length];
        long[] n = new long[3];
        byte[] head = new byte[32];
        try {
            for (int i = 0; i < ks.length; i++) handles[i] = Objects.requireNonNull(ks[i], "keys[" + i + "]").handle();
            audit0(handle.get(), handles, expectSeq, expectHash, n, head);
        } finally {
            Reference.reachabilityFence(this);
            Reference.reachabilityFence(ks);
        }
        return new AuditReport(n[0], n[1], n[2], hex(head));
    }

    /** The codes issued by colour, in all (with corrections and revocations). */
    public Stats stats() throws HealthCodeException { return stats(By.TOTAL); }

    /** The same grouped by day (UTC+08:00), province or prefecture: from the register's counts,
     *  milliseconds over 10 million codes. */
    public synchronized Stats stats(By by) throws HealthCodeException {
        Objects.requireNonNull(by, "by");
        long[] totals = new long[6];
        long[] rows;
        try {
            rows = stats0(handle.get(), by.ordinal(), totals);
        } finally {
            Reference.reachabilityFence(this);
        }
        return new Stats(by, totals, rows);
    }

    /** Draws the stats by day, province or prefecture (not {@link By#TOTAL}) as stacked bars
     *  in the codes' colours, with Chinese and English labels, to path, atomically: PNG for a
     *  name ending in ".png", SVG otherwise. A build without cairo: "unsupported". */
    public synchronized void chart(String path, By by) throws HealthCodeException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(by, "by");
        try {
            chart0(handle.get(), by.ordinal(), path.toLowerCase(java.util.Locale.ROOT).endsWith(".png"), path);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Clears the personal columns (sub, region, document) of the codes that expired before
     *  before (epoch seconds), recording the purge for operator at now; the counts stay and the
     *  audit still passes. Returns the codes cleared. */
    public synchronized long purge(long before, String operator, long now) throws HealthCodeException {
        Objects.requireNonNull(operator, "operator");
        try {
            return purge0(handle.get(), before, operator, now);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The same with Instants. */
    public long purge(Instant before, String operator, Instant now) throws HealthCodeException {
        Objects.requireNonNull(operator, "operator");
        return purge(Time.seconds(before, "before"), operator, Time.seconds(now, "now"));
    }

    /** The native handle, for a Batch's call (which keeps this Register reachable). */
    long handle() { return handle.get(); }

    /** Closes the register's connection. */
    @Override public synchronized void close() { handle.close(); }

    /** What stats groups by. */
    public enum By {
        /** One row: everything. */
        TOTAL,
        /** The day of iat at UTC+08:00. */
        DAY,
        /** The province of the code's region (XX0000). */
        PROVINCE,
        /** The prefecture of the code's region (XXXX00). */
        PREFECTURE
    }

    /** Who does an act on the register, why, and when: operator (an operator's id, 1-128
     *  bytes), reason (1-1024 bytes: why the code was wrong, never health data), evidence (a
     *  case number, a document's reference; optional), now (epoch seconds). Text without
     *  control characters, or InvalidInputException "invalid_argument". */
    public static final class Action {
        /** Who: an operator's id. */
        public final String operator;
        /** Why, in a sentence. */
        public final String reason;
        /** A reference to the evidence; null when none. */
        public final String evidence;
        /** When, epoch seconds. */
        public final long now;

        /** An act by operator for reason at now (epoch seconds), without evidence. */
        public Action(String operator, String reason, long now) { this(operator, reason, null, now); }

        /** An act by operator for reason, with evidence (null: none), at now. */
        public Action(String operator, String reason, @Nullable String evidence, long now) {
            this.operator = Objects.requireNonNull(operator, "operator");
            this.reason = Objects.requireNonNull(reason, "reason");
            this.evidence = evidence;
            this.now = now;
        }

        /** The same at an Instant. */
        public Action(String operator, String reason, @Nullable String evidence, Instant now) {
            this(Objects.requireNonNull(operator, "operator"), Objects.requireNonNull(reason, "reason"), evidence,
                 Time.seconds(now, "now"));
        }

        /** "Action{op-0042 at 2020-01-25T03:00:00Z: the trip was not taken (case 7)}". */
        @Override public String toString() {
            return "Action{" + operator + " at " + Time.iso(now) + ": " + reason
                + (evidence != null ? " (" + evidence + ")" : "") + "}";
        }
    }

    /** A row of the codes table: what the token said, where it came from, and what became of
     *  it. Hex identifiers in lower case; "" (or 0) where the token had none or a purge cleared
     *  it. */
    public static final class Code {
        static final int STRINGS = 7, NUMBERS = 8;
        static final String[] COLOURS = {"green", "yellow", "red"};
        /** Its event in the audit chain. */
        public final long seq;
        /** The token's id, 16 hex digits. */
        public final String cti;
        /** The subject pseudonym, 32 hex digits; "" when none or purged. */
        public final String sub;
        /** The issuer. */
        public final String iss;
        /** The kid of the key that signed it. */
        public final String kid;
        /** "green", "yellow" or "red". */
        public final String colour;
        /** Issued at and expires at, epoch seconds. */
        public final long iat, exp;
        /** The holder's residence region (GB/T 2260); 0 when none or purged. */
        public final int region;
        /** true for an international code. */
        public final boolean international;
        /** The masked document number; "" when none or purged. */
        public final String document;
        /** The batch it came from (16 hex digits); "" for a single issue or a correction. */
        public final String batch;
        /** Its input line in that batch; 0 when not from a batch. */
        public final long line;
        /** Its cti, or its sub, is revoked. */
        public final boolean revoked;
        /** Its personal columns were cleared by a purge. */
        public final boolean purged;

        Code(String[] s, long[] n, int off) {
            cti = s[off]; sub = s[off + 1]; iss = s[off + 2]; kid = s[off + 3]; colour = s[off + 4];
            document = s[off + 5]; batch = s[off + 6];
            seq = n[off]; iat = n[off + 1]; exp = n[off + 2]; region = (int) n[off + 3]; international = n[off + 4] == 1;
            line = n[off + 5]; revoked = n[off + 6] != 0; purged = n[off + 7] != 0;
        }

        /** "Code{dab4fb8183cf950a red, seq 1, 2020-01-25T00:00:00Z to 2020-01-26T00:00:00Z,
         *  revoked}". */
        @Override public String toString() {
            return "Code{" + cti + " " + colour + ", seq " + seq + ", " + Time.iso(iat) + " to " + Time.iso(exp)
                + (revoked ? ", revoked" : "") + (purged ? ", purged" : "") + "}";
        }
    }

    /** What {@link #correct} did: the old code (as it was; revoked now), the new code's cti,
     *  colour and token, the assessment of the corrected record, and the correction's event. */
    public static final class Correction {
        /** The code corrected, as it was before. */
        public final Code old;
        /** The new code's cti and colour. */
        public final String newCti, newColour;
        /** The new code's token, to hand to the holder. */
        public final String token;
        /** The corrected record's assessment (its reasons). */
        public final HealthCode.Assessment assessment;
        /** The correction's event number. */
        public final long seq;

        Correction(Code old, String newCti, String newColour, String token, HealthCode.Assessment assessment,
                   long seq) {
            this.old = old; this.newCti = newCti; this.newColour = newColour; this.token = token;
            this.assessment = assessment; this.seq = seq;
        }

        /** "Correction{dab4fb8183cf950a red -> 0011223344556677 green, seq 4}". */
        @Override public String toString() {
            return "Correction{" + old.cti + " " + old.colour + " -> " + newCti + " " + newColour + ", seq " + seq + "}";
        }
    }

    /** A revocation list in the text form (one id a line, '#' comments) and what it holds. */
    public static final class Revocations {
        /** The list: give it to {@link Verifier#revoke}, or write it for {@code verify --revoked}. */
        public final String text;
        /** Ids of codes (cti) and of subjects (sub) in it. */
        public final long ctiCount, subCount;
        /** The since it was asked for, and the last revocation's event in it (since when none):
         *  the since of the next delta. */
        public final long since, lastSeq;

        Revocations(String text, long ctiCount, long subCount, long since, long lastSeq) {
            this.text = text; this.ctiCount = ctiCount; this.subCount = subCount; this.since = since;
            this.lastSeq = lastSeq;
        }

        /** "Revocations{1 cti, 0 sub, events 0..4}". */
        @Override public String toString() {
            return "Revocations{" + ctiCount + " cti, " + subCount + " sub, events " + since + ".." + lastSeq + "}";
        }
    }

    /** A passed audit: the events and signed heads checked, and the chain's head, to keep
     *  outside the register and give back to {@link #audit(Collection, long, String)}. */
    public static final class AuditReport {
        /** Events and signed heads checked. */
        public final long events, heads;
        /** The last event's number (0: an empty register) and the chain hash there (64 hex digits). */
        public final long lastSeq;
        /** The chain hash at lastSeq. */
        public final String headHash;

        AuditReport(long events, long heads, long lastSeq, String headHash) {
            this.events = events; this.heads = heads; this.lastSeq = lastSeq; this.headHash = headHash;
        }

        /** "AuditReport{4 events, 2 heads, head 4 9f86d0…}". */
        @Override public String toString() {
            return "AuditReport{" + events + " events, " + heads + " heads, head " + lastSeq + " " + headHash + "}";
        }
    }

    /** Codes issued by colour (corrections' new codes included), with the corrections and
     *  revocations, and the rows of the grouping. */
    public static final class Stats {
        /** The grouping. */
        public final By by;
        /** Codes issued, by colour. */
        public final long green, yellow, red;
        /** Corrections, and revocations by cti and by sub. */
        public final long corrections, revokedCti, revokedSub;
        /** The rows in key order (one for {@link By#TOTAL}). */
        public final List<Row> rows;

        Stats(By by, long[] t, long[] r) {
            this.by = by;
            green = t[0]; yellow = t[1]; red = t[2]; corrections = t[3]; revokedCti = t[4]; revokedSub = t[5];
            List<Row> list = new ArrayList<>();
            for (int i = 0; i + 3 < r.length; i += 4) list.add(new Row(by, r[i], r[i + 1], r[i + 2], r[i + 3]));
            rows = Collections.unmodifiableList(list);
        }

        /** All codes issued. */
        public long issued() { return green + yellow + red; }

        /** green / issued, 0 to 1; 0 when none was issued. */
        public double greenShare() { return issued() == 0 ? 0 : (double) green / issued(); }

        /** "Stats{2 issued (1 green, 0 yellow, 1 red), 50.0% green, 1 corrections, 1 revoked, 2 rows by DAY}". */
        @Override public String toString() {
            return "Stats{" + issued() + " issued (" + green + " green, " + yellow + " yellow, " + red + " red), "
                + String.format(java.util.Locale.ROOT, "%.1f", 100 * greenShare()) + "% green, " + corrections
                + " corrections, " + (revokedCti + revokedSub) + " revoked, " + rows.size() + " rows by " + by + "}";
        }

        /** One group's counts: a day, or a region. */
        public static final class Row {
            /** The day (UTC+08:00) for {@link By#DAY}, else null. */
            public final LocalDate day;
            /** The province or prefecture code (GB/T 2260; 0: codes without a region) for those
             *  groupings, else 0. */
            public final int region;
            /** Codes issued, by colour. */
            public final long green, yellow, red;

            Row(By by, long key, long green, long yellow, long red) {
                this.day = by == By.DAY ? LocalDate.ofEpochDay(key) : null;
                this.region = by == By.PROVINCE || by == By.PREFECTURE ? (int) key : 0;
                this.green = green; this.yellow = yellow; this.red = red;
            }

            /** "Row{2020-01-26: 0 green, 0 yellow, 1 red}" or "Row{330400: …}". */
            @Override public String toString() {
                return "Row{" + (day != null ? day.toString() : region != 0 ? Integer.toString(region) : "all") + ": "
                    + green + " green, " + yellow + " yellow, " + red + " red}";
            }
        }
    }

    private static byte[] hash(String hex) throws HealthCodeException {
        if (!hex.matches("[0-9a-fA-F]{64}"))
            throw HealthCodeException.of(HealthCodeException.E_ARG, "invalid_argument",
                                         "a chain hash is 64 hex digits", "expectHash", 0);
        byte[] b = new byte[32];
        for (int i = 0; i < 32; i++) b[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        return b;
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) s.append(String.format("%02x", x & 0xff));
        return s.toString();
    }

    private static native long open0(String path, int flags) throws HealthCodeException;
    private static native void setKey0(long h, long key) throws HealthCodeException;
    private static native void setBusyTimeout0(long h, int ms) throws HealthCodeException;
    private static native String id0(long h) throws HealthCodeException;
    private static native void record0(long h, String token) throws HealthCodeException;
    /** s: cti, sub, iss, kid, colour, doc, batch; n: seq, iat, exp, region, kind, line, revoked, purged. */
    private static native void lookup0(long h, String cti, String[] s, long[] n) throws HealthCodeException;
    /** s: token, new cti, then the old code's strings; n: new colour, seq, then the old code's numbers. */
    private static native HealthCode.Assessment correct0(long h, String cti, long issuer, byte[] recordJson,
                                                         String operator, String reason, String evidence, long now,
                                                         long validity, String[] s, long[] n)
        throws HealthCodeException;
    private static native long revoke0(long h, String cti, String sub, String operator, String reason,
                                       String evidence, long now) throws HealthCodeException;
    /** n: cti ids, sub ids, since, last seq. */
    private static native String revocations0(long h, long since, long[] n) throws HealthCodeException;
    /** n: events, heads, last seq; head: the chain hash there. */
    private static native void audit0(long h, long[] keys, long expectSeq, byte[] expectHash, long[] n, byte[] head)
        throws HealthCodeException;
    /** totals: green, yellow, red, corrections, revoked cti, revoked sub; returns key, green, yellow, red a row. */
    private static native long[] stats0(long h, int by, long[] totals) throws HealthCodeException;
    private static native void chart0(long h, int by, boolean png, String path) throws HealthCodeException;
    private static native long purge0(long h, long before, String operator, long now) throws HealthCodeException;
    private static native void free(long h);
}

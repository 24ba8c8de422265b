package cn.healthcode;

import java.lang.ref.Reference;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** Issues codes for a file of records, as {@code healthcode batch} does (doc/batch.md): JSON
 *  lines or CSV in, {@code DIR/tokens.jsonl} and {@code DIR/errors.jsonl} out (every input
 *  line in exactly one of them, in input order), with optional PNGs and printable sheets.
 *  The run is crash-safe: after a kill or a power cut, the same run with {@link #resume}
 *  keeps every line that was written whole and issues the rest, each line exactly once, with
 *  the first run's time and validity.
 *
 *  <pre>{@code
 *  try (Key key = Key.load("issuer.pem")) {
 *      Batch.Summary s = new Batch(key, "CN-330000", Instant.parse("2020-02-05T02:00:00Z"))
 *          .threads(2).resume(true)
 *          .progress(p -> System.err.printf("%d lines%n", p.lines))
 *          .run("people.jsonl", "night");
 *  }
 *  }</pre>
 *
 *  <p>The settings are kept by this object (not thread-safe; run it from one thread at a
 *  time); the Key must stay open while {@link #run} runs. */
public final class Batch {
    static { HealthCode.ensureLoaded(); }
    private final Key key;
    private final String iss;
    private final long now;
    private String policyPath;
    private byte[] subjectSecret;
    private long validitySeconds = 86400, maxErrors, checkpointEvery;
    private int threads = 1, shardK, shardN, sheetsFormat;
    private boolean png, sheets, resume;
    private ProgressListener listener;
    private Register register;

    /** A batch signed by key (private: a file's or a token's) for issuer iss, every token
     *  issued at now (epoch seconds) and assessed at that instant, valid 24 h. */
    public Batch(Key key, String iss, long now) {
        this.key = Objects.requireNonNull(key, "key");
        this.iss = Objects.requireNonNull(iss, "iss");
        this.now = now;
    }

    /** The same at an Instant. */
    public Batch(Key key, String iss, Instant now) {
        this(Objects.requireNonNull(key, "key"), Objects.requireNonNull(iss, "iss"), Time.seconds(now, "now"));
    }

    /** Assesses under the policy file at path (null: the built-in default). */
    public Batch policy(@Nullable String path) { policyPath = path; return this; }

    /** Tokens carry sub, the pseudonym of the document number under this secret (16-64
     *  bytes, copied; null: none). */
    public Batch subjectSecret(@Nullable byte[] secret) {
        subjectSecret = secret == null ? null : secret.clone();
        return this;
    }

    /** Each token is valid for seconds (1 s to 30 days; default 24 h). */
    public Batch validity(long seconds) { validitySeconds = seconds; return this; }

    /** The same as a Duration (whole seconds). */
    public Batch validity(Duration validity) { validitySeconds = Time.seconds(validity, "validity"); return this; }

    /** Worker threads, each with its own signing context (default 1); the output order is
     *  the input order whatever the count. */
    public Batch threads(int n) { threads = n; return this; }

    /** Writes DIR/png/N.png, the QR code of line N's token. */
    public Batch png(boolean on) { png = on; return this; }

    /** Writes printable A4 sheets (6 codes a page): DIR/sheets.pdf, or with format PNG the
     *  pages DIR/sheets/page-NNNNNN.png. */
    public Batch sheets(Sheets.Format format) {
        sheets = true;
        sheetsFormat = Objects.requireNonNull(format, "format") == Sheets.Format.PNG ? 1 : 0;
        return this;
    }

    /** Takes the lines whose number mod n is k (0 &lt;= k &lt; n): shards need no
     *  coordination and keep the original line numbers. */
    public Batch shard(int k, int n) { shardK = k; shardN = n; return this; }

    /** Stops with InvalidInputException "too_large" once errors.jsonl has this many lines
     *  (0: no limit); the output stays consistent and a resume with a higher limit goes on. */
    public Batch maxErrors(long n) { maxErrors = n; return this; }

    /** Continues the run in the output directory (see the class comment); without it, a
     *  directory that already holds a batch is refused. */
    public Batch resume(boolean on) { resume = on; return this; }

    /** fsyncs the outputs every n records (0: 10 000). */
    public Batch checkpointEvery(long n) { checkpointEvery = n; return this; }

    /** Called on the thread that runs the batch after each window of records is written, and
     *  once at the end ({@link Progress#done}). An exception it throws ends the calls to it
     *  and is what {@link #run} throws once the batch has ended (the batch itself is not cut
     *  short: run it again with resume to go on from where it stopped). null: no calls. */
    public Batch progress(@Nullable ProgressListener listener) { this.listener = listener; return this; }

    /** Records every code issued in register (its key set), exactly once per line of
     *  tokens.jsonl, a resume included: a batch begun with a register resumes only with that
     *  register (DIR/batch.json names it). null: none. The Register must stay open while
     *  {@link #run} runs; a build without the register part throws "unsupported" from run. */
    public Batch register(@Nullable Register register) { this.register = register; return this; }

    /** Runs the batch from the file in (".csv": CSV, anything else JSON lines) into the
     *  directory out (created if missing). Input errors do not stop it: each becomes a line
     *  of errors.jsonl. Throws InvalidInputException for bad settings ("invalid_argument": a
     *  directory with a batch and no resume, a resume of another input or shard) or a bad CSV
     *  header, HealthCodeIOException when a file cannot be read or written. */
    public Summary run(String in, String out) throws HealthCodeException {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(out, "out");
        Register reg = register;
        if (reg == null) return run(in, out, 0);
        synchronized (reg) {   // one thread at a time on a register's connection
            try {
                return run(in, out, reg.handle());
            } finally {
                Reference.reachabilityFence(reg);
            }
        }
    }

    private Summary run(String in, String out, long reg) throws HealthCodeException {
        try {
            return run0(key.handle(), iss, policyPath, subjectSecret, new int[] {threads, shardK, shardN, sheetsFormat},
                        new long[] {now, validitySeconds, maxErrors, checkpointEvery, reg},
                        new boolean[] {png, sheets, resume}, listener, in, out);
        } finally {
            Reference.reachabilityFence(key);
        }
    }

    /** Told after each window of records is written. */
    @FunctionalInterface
    public interface ProgressListener {
        /** The run so far; p.done on the last call. */
        void progress(Progress p);
    }

    /** How far a run is. */
    public static final class Progress {
        /** Input lines of the shard handled so far (resumed ones included). */
        public final long lines;
        /** Lines in tokens.jsonl. */
        public final long issued;
        /** Lines in errors.jsonl. */
        public final long errors;
        /** Input bytes consumed. */
        public final long bytesRead;
        /** The input's size in bytes (0 if not a regular file). */
        public final long bytesTotal;
        /** true on the last call. */
        public final boolean done;

        Progress(long lines, long issued, long errors, long bytesRead, long bytesTotal, boolean done) {
            this.lines = lines; this.issued = issued; this.errors = errors; this.bytesRead = bytesRead;
            this.bytesTotal = bytesTotal; this.done = done;
        }

        /** bytesRead / bytesTotal, 0 to 1; 0 when the size is not known. */
        public double fraction() { return bytesTotal > 0 ? Math.min(1.0, (double) bytesRead / bytesTotal) : 0; }

        /** "Progress{1200 lines: 1198 issued, 2 errors, 45%}" ("done" on the last). */
        @Override public String toString() {
            return "Progress{" + lines + " lines: " + issued + " issued, " + errors + " errors, "
                + (done ? "done" : Math.round(fraction() * 100) + "%") + "}";
        }
    }

    /** What a run did: the whole output, resumed lines included. */
    public static final class Summary {
        /** Input lines of the shard handled. */
        public final long lines;
        /** Codes issued, by colour. */
        public final long green, yellow, red;
        /** Lines in errors.jsonl. */
        public final long errors;
        /** Of the lines, those a resume found complete and kept. */
        public final long resumedLines;
        /** Sheet pages written. */
        public final long sheets;
        /** The time the tokens were issued at (the first run's, on a resume), epoch seconds. */
        public final long now;
        /** The validity used, seconds. */
        public final long validitySeconds;
        /** Stopped early by the maxErrors limit (a run that throws "too_large" says so too). */
        public final boolean maxErrorsReached;

        Summary(long lines, long green, long yellow, long red, long errors, long resumedLines, long sheets, long now,
                long validitySeconds, boolean maxErrorsReached) {
            this.lines = lines; this.green = green; this.yellow = yellow; this.red = red; this.errors = errors;
            this.resumedLines = resumedLines; this.sheets = sheets; this.now = now;
            this.validitySeconds = validitySeconds; this.maxErrorsReached = maxErrorsReached;
        }

        /** Codes issued, all colours. */
        public long issued() { return green + yellow + red; }

        /** "Summary{100 lines: 97 issued (90 green, 5 yellow, 2 red), 3 errors, 40 resumed, issued at
         *  2020-02-05T02:00:00Z for 86400 s}". */
        @Override public String toString() {
            return "Summary{" + lines + " lines: " + issued() + " issued (" + green + " green, " + yellow + " yellow, "
                + red + " red), " + errors + " errors" + (resumedLines > 0 ? ", " + resumedLines + " resumed" : "")
                + (sheets > 0 ? ", " + sheets + " sheet pages" : "") + ", issued at " + Time.iso(now) + " for "
                + validitySeconds + " s" + (maxErrorsReached ? ", stopped at maxErrors" : "") + "}";
        }
    }

    private static native Summary run0(long key, String iss, String policyPath, byte[] subjectSecret, int[] cfg,
                                       long[] nums, boolean[] flags, ProgressListener listener, String in,
                                       String out) throws HealthCodeException;
}

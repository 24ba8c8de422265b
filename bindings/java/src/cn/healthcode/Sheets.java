package cn.healthcode;

import java.lang.ref.Reference;
import java.time.ZoneOffset;
import java.util.Objects;

/** Printable paper codes: A4 pages of QR codes in their colours with the colour word in
 *  Chinese and English, the masked name and document number as the token holds them, the
 *  end of validity in local time, the issuer, a label and cut lines (README "Paper codes").
 *  A PDF (vector) or one PNG a page. The sheet prints what a token says without verifying
 *  it: it is a printer, not a checkpoint.
 *
 *  <pre>{@code
 *  try (Sheets s = new Sheets("street-12.pdf", new Sheets.Options())) {
 *      for (String token : tokens) s.add(token, null);
 *      long pages = s.finish();        // the PDF appears now, whole
 *  }
 *  }</pre>
 *
 *  <p>Nothing appears at the path before {@link #finish} (a PDF), or before a page is
 *  complete (PNG pages in a directory); closing unfinished sheets leaves nothing. Needs a
 *  build with the sheets part (cairo, pango); otherwise HealthCodeException "unsupported". */
public final class Sheets implements AutoCloseable {
    static { HealthCode.ensureLoaded(); }
    private final NativeHandle handle;
    private boolean finished;

    /** The output's form. */
    public enum Format {
        /** One PDF file. */
        PDF,
        /** A directory of page-000001.png, … */
        PNG
    }

    /** How the sheets look: format, codes a page, the zone of the printed validity, the
     *  resolution of PNG pages. Defaults: PDF, 6 a page, UTC+08:00, 150 dpi. */
    public static final class Options {
        Format format = Format.PDF;
        int perPage = 6;
        int utcOffsetSeconds = 8 * 3600;
        int dpi = 150;

        /** The defaults. */
        public Options() {}

        /** PDF or PNG. */
        public Options format(Format f) { format = Objects.requireNonNull(f, "f"); return this; }

        /** Codes a page: 1, 2, 4 or 6 (others: InvalidInputException when the sheets start). */
        public Options perPage(int n) { perPage = n; return this; }

        /** The zone the validity's end is printed in (a policy's: UTC+08:00 for China). */
        public Options utcOffset(ZoneOffset offset) {
            utcOffsetSeconds = Objects.requireNonNull(offset, "offset").getTotalSeconds();
            return this;
        }

        /** PNG pages only: 72 to 600 dots an inch. */
        public Options dpi(int d) { dpi = d; return this; }

        /** "Options{PDF, 6 a page, +08:00, 150 dpi}". */
        @Override public String toString() {
            return "Options{" + format + ", " + perPage + " a page, " + ZoneOffset.ofTotalSeconds(utcOffsetSeconds)
                + ", " + dpi + " dpi}";
        }
    }

    /** Starts sheets at path: the PDF file, or the directory of PNG pages (created if
     *  missing). */
    public Sheets(String path, Options options) throws HealthCodeException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        handle = new NativeHandle(this, open0(path, options.format.ordinal(), options.perPage,
                                              options.utcOffsetSeconds, options.dpi), Sheets::free0);
    }

    /** Adds one code, with a short label printed under the issuer (null: none). A token that
     *  does not decode throws TokenRejectedException and adds nothing. */
    public void add(String token, @Nullable String label) throws HealthCodeException {
        Objects.requireNonNull(token, "token");
        try {
            if (finished) throw new IllegalStateException("Sheets are finished");
            add0(handle.get(), token, label);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Writes the last page and puts the output in place; returns the number of pages (0 and
     *  no file when no code was added). After it, only close() is allowed. */
    public long finish() throws HealthCodeException {
        try {
            if (finished) throw new IllegalStateException("Sheets are finished");
            finished = true;
            return finish0(handle.get());
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Sheets of every code of a batch's tokens.jsonl (as {@link Batch} writes it), each
     *  labelled with its input line, at out (a PDF file, or a directory of PNG pages).
     *  Returns the number of pages; on error nothing is left at out (PDF). */
    public static long fromJsonl(String tokensJsonl, String out, Options options) throws HealthCodeException {
        Objects.requireNonNull(tokensJsonl, "tokensJsonl");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(options, "options");
        return fromJsonl0(tokensJsonl, out, options.format.ordinal(), options.perPage, options.utcOffsetSeconds,
                          options.dpi);
    }

    /** Releases the sheets; unfinished ones leave no file behind. */
    @Override public void close() { handle.close(); }

    private static native long open0(String path, int format, int perPage, int utcOffset, int dpi)
        throws HealthCodeException;
    private static native void add0(long h, String token, String label) throws HealthCodeException;
    private static native long finish0(long h) throws HealthCodeException;
    private static native long fromJsonl0(String jsonl, String out, int format, int perPage, int utcOffset, int dpi)
        throws HealthCodeException;
    private static native void free0(long h);
}

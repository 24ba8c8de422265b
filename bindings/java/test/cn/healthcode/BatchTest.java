package cn.healthcode;

import static cn.healthcode.T.check;
import static cn.healthcode.T.eq;
import static cn.healthcode.T.expectError;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Batch issuance and paper sheets from Java (issue 26 point 14): a progress listener, the
 *  exactly-once resume after a crash, a listener that throws, the max-errors stop, CSV, and
 *  sheets from a batch, from tokens, as PDF and as PNG pages. */
final class BatchTest {
    private BatchTest() {}

    static final long NOW = HealthCodeTest.NOW;
    static final int LINES = 40;
    static final Pattern LINE = Pattern.compile("^\\{\"line\":(\\d+),");
    static final Pattern TOKEN = Pattern.compile("\"token\":\"(HCODE1:[^\"]+)\"");

    static void run(Path root, Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("batch"));
        String record = Files.readString(root.resolve("examples/record.json")).replaceAll("\\s*\\n\\s*", " ");
        StringBuilder in = new StringBuilder();
        for (int i = 1; i <= LINES; i++)
            in.append(i == 3 ? "{\"id\": " : i == 7 ? record.replace("\"2020-01-21\"", "\"2020-01-17\"") : record)
              .append('\n');
        Path input = dir.resolve("people.jsonl");
        Files.writeString(input, in, StandardCharsets.UTF_8);
        try (Key key = Key.generate("ES256"); Verifier v = new Verifier()) {
            v.addTrustKey(key, "CN-330000");
            resume(key, v, input, dir);
            stops(key, input, dir);
            csv(key, v, dir);
            sheets(key, input, dir, root);
        }
    }

    /** A run, a crash simulated by cutting tokens.jsonl inside its 16th line, and a resume:
     *  every line exactly once, the kept lines not issued again, the first run's time kept. */
    static void resume(Key key, Verifier v, Path input, Path dir) throws Exception {
        Path out = dir.resolve("run");
        List<Batch.Progress> seen = new ArrayList<>();
        Batch.Summary s = new Batch(key, "CN-330000", NOW).threads(2).checkpointEvery(5)
            .progress(seen::add).run(input.toString(), out.toString());
        eq(s.lines + "/" + s.issued() + "/" + s.errors, LINES + "/38/2", "lines/issued/errors of the first run");
        eq(s.green, 38L, "all green");
        check(!seen.isEmpty() && seen.get(seen.size() - 1).done, "the last progress call says done");
        for (int i = 1; i < seen.size(); i++)
            check(seen.get(i).lines >= seen.get(i - 1).lines, "progress only goes forward: " + seen);
        Batch.Progress last = seen.get(seen.size() - 1);
        check(last.lines == LINES && last.issued == 38 && last.errors == 2 && last.bytesTotal == Files.size(input)
              && last.bytesRead == last.bytesTotal, "the last progress: " + last);
        Map<Integer, String> first = lines(out, "tokens.jsonl");
        Map<Integer, String> errors = lines(out, "errors.jsonl");
        eq(errors.keySet().toString(), "[3, 7]", "the bad lines in errors.jsonl");
        check(errors.get(7).contains("\"field\":\"travel[0].to\""), "a record error names its field: " + errors.get(7));
        for (String line : first.values()) {
            Matcher m = TOKEN.matcher(line);
            check(m.find() && v.verify(m.group(1), NOW).iat == NOW, "a batch token verifies");
        }

        List<String> kept = Files.readAllLines(out.resolve("tokens.jsonl"));
        String torn = kept.get(15).substring(0, kept.get(15).length() / 2);
        Files.writeString(out.resolve("tokens.jsonl"), String.join("\n", kept.subList(0, 15)) + "\n" + torn);
        int prefix = Integer.parseInt(lineOf(kept.get(14)));   // complete up to the 15th token's line
        expectError(InvalidInputException.class, "invalid_argument", "a batch directory run again without resume",
                    () -> new Batch(key, "CN-330000", NOW).run(input.toString(), out.toString()));
        seen.clear();
        Batch.Summary r = new Batch(key, "CN-330000", NOW + 999).resume(true).progress(seen::add)
            .run(input.toString(), out.toString());
        eq(r.resumedLines, (long) prefix, "the lines the resume kept");
        eq(r.lines + "/" + r.issued() + "/" + r.errors, LINES + "/38/2", "lines/issued/errors after the resume");
        eq(r.now, NOW, "a resume keeps the first run's time");
        Map<Integer, String> after = lines(out, "tokens.jsonl");
        eq(after.size(), 38, "tokens.jsonl lines after the resume");
        for (int n = 1; n <= prefix; n++)
            if (first.containsKey(n)) eq(after.get(n), first.get(n), "line " + n + " kept, not issued again");
        List<String> all = Files.readAllLines(out.resolve("tokens.jsonl"));
        all.addAll(Files.readAllLines(out.resolve("errors.jsonl")));
        eq(all.size(), LINES, "every input line exactly once across both files");
        for (String line : all) {
            Matcher m = TOKEN.matcher(line);
            if (m.find()) check(v.verify(m.group(1), NOW).iat == NOW, "a resumed token has the first run's iat");
        }
        check(seen.get(seen.size() - 1).done && seen.get(0).lines >= prefix, "the resume's progress starts at the kept lines");
    }

    /** A listener that throws stops the calls and is what run throws; max errors stops with
     *  too_large; both outputs are finished by a resume. */
    static void stops(Key key, Path input, Path dir) throws Exception {
        Path out = dir.resolve("thrown");
        RuntimeException stop = new RuntimeException("operator pressed stop");
        int[] calls = {0};
        RuntimeException got = T.expectThrown(RuntimeException.class, "a listener that throws", () ->
            new Batch(key, "CN-330000", NOW).checkpointEvery(1).progress(p -> { calls[0]++; throw stop; })
                .run(input.toString(), out.toString()));
        check(got == stop, "run throws the listener's own exception: " + got);
        eq(calls[0], 1, "no call after the listener threw");
        Batch.Summary s = new Batch(key, "CN-330000", NOW).resume(true).run(input.toString(), out.toString());
        eq(s.lines + "/" + s.issued() + "/" + s.errors, LINES + "/38/2", "the thrown run resumed");

        Path limited = dir.resolve("limited");
        HealthCodeException e = expectError(InvalidInputException.class, "too_large", "max errors reached",
            () -> new Batch(key, "CN-330000", NOW).maxErrors(1).run(input.toString(), limited.toString()));
        check(e != null && e.getMessage().contains("max_errors"), "the message names max_errors: " + e);
        s = new Batch(key, "CN-330000", NOW).resume(true).maxErrors(0).run(input.toString(), limited.toString());
        eq(s.lines + "/" + s.errors, LINES + "/2", "a stopped batch resumed with no limit");
        expectError(HealthCodeIOException.class, "io_error", "a missing input",
                    () -> new Batch(key, "CN-330000", NOW).run(dir.resolve("none.jsonl").toString(),
                                                               dir.resolve("none").toString()));
        expectError(KeyException.class, "invalid_key", "a public key to sign a batch", () -> {
            try (Key pub = Key.fromPem(key.publicPem())) {
                new Batch(pub, "CN-330000", NOW).run(input.toString(), dir.resolve("pub").toString());
            }
        });
    }

    static void csv(Key key, Verifier v, Path dir) throws Exception {
        Path in = dir.resolve("people.csv");
        Files.writeString(in, "id,id_type,name,residence\n330402199001011230,cn_resident,张三,330402\n"
                          + "E12345678,passport,\"SMITH, JOHN\",\n");
        Path out = dir.resolve("csv");
        Batch.Summary s = new Batch(key, "CN-330000", NOW).validity(java.time.Duration.ofHours(2))
            .run(in.toString(), out.toString());
        eq(s.issued() + "/" + s.errors + "/" + s.validitySeconds, "2/0/7200", "a CSV batch");
        Matcher m = TOKEN.matcher(lines(out, "tokens.jsonl").get(2));
        check(m.find() && v.verify(m.group(1), NOW).name.equals("张*"), "CSV line 2's token");
    }

    /** Sheets from a batch (PDF), from its tokens.jsonl (4 a page), and added one by one
     *  (PNG pages, read back by scanPng). */
    static void sheets(Key key, Path input, Path dir, Path root) throws Exception {
        Path out = dir.resolve("printed");
        Batch.Summary s;
        try {
            s = new Batch(key, "CN-330000", NOW).sheets(Sheets.Format.PDF).run(input.toString(), out.toString());
        } catch (HealthCodeException e) {
            check(e.name.equals("unsupported"), "sheets: " + e);
            System.out.println("no sheets part in this build: the sheets checks skipped");
            return;
        }
        eq(s.sheets, 7L, "38 codes at 6 a page");
        check(Files.readString(out.resolve("sheets.pdf"), StandardCharsets.ISO_8859_1).startsWith("%PDF-"),
              "sheets.pdf is a PDF");
        pdfPages(out.resolve("sheets.pdf"), 7, "pages of the batch's sheets.pdf");
        Path four = dir.resolve("four.pdf");
        eq(Sheets.fromJsonl(out.resolve("tokens.jsonl").toString(), four.toString(),
                            new Sheets.Options().perPage(4)), 10L, "fromJsonl, 4 a page");
        pdfPages(four, 10, "pages of the 4-a-page PDF");
        expectError(HealthCodeIOException.class, "io_error", "fromJsonl of a missing file",
                    () -> Sheets.fromJsonl(dir.resolve("none.jsonl").toString(), dir.resolve("x.pdf").toString(),
                                           new Sheets.Options()));
        expectError(InvalidInputException.class, "invalid_argument", "5 a page",
                    () -> new Sheets(dir.resolve("five.pdf").toString(), new Sheets.Options().perPage(5)).close());

        List<String> tokens = new ArrayList<>();
        for (String line : lines(out, "tokens.jsonl").values()) {
            Matcher m = TOKEN.matcher(line);
            if (m.find() && tokens.size() < 7) tokens.add(m.group(1));
        }
        Path pages = dir.resolve("pages");
        try (Sheets sh = new Sheets(pages.toString(), new Sheets.Options().format(Sheets.Format.PNG).dpi(150)
                                                          .utcOffset(java.time.ZoneOffset.ofHours(8)))) {
            for (int i = 0; i < tokens.size(); i++) sh.add(tokens.get(i), "line " + (i + 1));
            T.rejected("bad_prefix", "a sheet refuses what is not a token", () -> sh.add("HELLO", null));
            eq(sh.finish(), 2L, "7 codes, PNG pages");
            T.expectThrown(IllegalStateException.class, "add after finish", () -> sh.add(tokens.get(0), null));
        }
        check(Files.exists(pages.resolve("page-000001.png")) && Files.exists(pages.resolve("page-000002.png"))
              && !Files.exists(pages.resolve("page-000003.png")), "page-000001.png and page-000002.png");
        try {
            String read = HealthCode.scanPng(Files.readAllBytes(pages.resolve("page-000002.png")));
            eq(read, tokens.get(6), "the code on the second page, read back");
        } catch (HealthCodeException e) {
            check(e.name.equals("unsupported"), "scanPng of a page: " + e);
        }
        Path none = dir.resolve("none.pdf");
        try (Sheets empty = new Sheets(none.toString(), new Sheets.Options())) {
            eq(empty.finish(), 0L, "sheets with no code");
        }
        check(!Files.exists(none), "no file for sheets with no code");
    }

    /** Checks the pages of a PDF by pdfinfo (poppler-utils; skipped when it is not installed). */
    static void pdfPages(Path pdf, int want, String what) throws Exception {
        StringBuilder out = new StringBuilder();
        if (T.run(T.cmd("sh", "-c", "command -v pdfinfo"), null) != 0) return;
        T.run(T.cmd("pdfinfo", pdf.toString()), out);
        Matcher m = Pattern.compile("Pages:\\s+(\\d+)").matcher(out);
        eq(m.find() ? Integer.parseInt(m.group(1)) : 0, want, what);
    }

    static String lineOf(String jsonLine) {
        Matcher m = LINE.matcher(jsonLine);
        if (!m.find()) throw new AssertionError("no line number in " + jsonLine);
        return m.group(1);
    }

    /** The lines of an output file by their input line number. */
    static Map<Integer, String> lines(Path out, String file) throws Exception {
        Map<Integer, String> m = new TreeMap<>();
        for (String l : Files.readAllLines(out.resolve(file)))
            if (!l.isEmpty() && m.put(Integer.parseInt(lineOf(l)), l) != null) throw new AssertionError("line twice: " + l);
        return m;
    }
}

"""unittest for healthcode.batch() and healthcode.sheets(), the result objects' as_dict()
against the CLI's JSON (HC_CLI: the healthcode command of the build), and times as the CLI
reads them. HC_SOURCE_ROOT is the source tree (bench/gen_records.py)."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import healthcode as hc

ROOT = os.environ.get("HC_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", "..", ".."))
CLI = os.environ.get("HC_CLI")
KEYS = os.path.join(ROOT, "tests", "keys")
NOW = 1581292800  # 2020-02-10T08:00:00+08:00


def gen(path, n, *args):
    with open(path, "w") as f:
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_records.py"), "--n", str(n),
                        "--now", "2020-02-10", *args], stdout=f, check=True)


def lines_of(d, name):
    with open(os.path.join(d, name), encoding="utf-8") as f:
        return [json.loads(x) for x in f]


def every_line_once(test, d, n):
    got = sorted(x["line"] for x in lines_of(d, "tokens.jsonl") + lines_of(d, "errors.jsonl"))
    test.assertEqual(got, list(range(1, n + 1)))


class Batch(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.d = self.tmp.name
        self.key = hc.Key.generate("ES256")

    def tearDown(self):
        self.key.close()
        self.tmp.cleanup()

    def test_jsonl_progress_and_summary(self):
        gen(os.path.join(self.d, "p.jsonl"), 2000, "--error-rate", "0.02")
        seen = []
        s = hc.batch(self.key, "CN-330000", os.path.join(self.d, "p.jsonl"), os.path.join(self.d, "out"),
                     now="2020-02-10T08:00", threads=2, progress=lambda p: seen.append((p.lines, p.done)))
        toks, errs = lines_of(self.d, "out/tokens.jsonl"), lines_of(self.d, "out/errors.jsonl")
        self.assertEqual((s.lines, s.errors, sum(s.issued.values())), (2000, len(errs), len(toks)))
        self.assertGreater(len(errs), 0)
        self.assertEqual(s.issued, {c: sum(t["colour"] == c for t in toks) for c in ("green", "yellow", "red")})
        self.assertEqual((s.now, s.validity, s.resumed_lines, s.max_errors_reached), (NOW, 86400, 0, False))
        every_line_once(self, os.path.join(self.d, "out"), 2000)
        self.assertEqual(seen[-1], (2000, True))                      # the last call says done
        self.assertEqual([x for x in seen if x[1]], [(2000, True)])   # once
        self.assertEqual([a for a, _ in seen], sorted(a for a, _ in seen))
        with hc.Trust() as trust:
            trust.add_key(self.key)
            c = hc.verify(trust, toks[0]["token"], now=NOW + 60)
            self.assertEqual((c.iat, c.exp, c.colour), (NOW, NOW + 86400, toks[0]["colour"]))

    @unittest.skipUnless(CLI, "HC_CLI (the healthcode command) not set")
    def test_same_as_the_cli_csv(self):
        gen(os.path.join(self.d, "p.csv"), 300, "--csv", "--error-rate", "0.05")
        pem = os.path.join(self.d, "k.pem")
        self.key.save_private(pem)
        subprocess.run([CLI, "batch", "--key", pem, "--issuer", "CN-330000", "--now", str(NOW), "--quiet",
                        "--in", os.path.join(self.d, "p.csv"), "--out", os.path.join(self.d, "cli")])
        hc.batch(self.key, "CN-330000", os.path.join(self.d, "p.csv"), os.path.join(self.d, "py"), now=NOW)
        strip = lambda rows: [{k: v for k, v in r.items() if k not in ("cti", "token", "ck")} for r in rows]
        self.assertEqual(strip(lines_of(self.d, "py/tokens.jsonl")), strip(lines_of(self.d, "cli/tokens.jsonl")))
        self.assertEqual(lines_of(self.d, "py/errors.jsonl"), lines_of(self.d, "cli/errors.jsonl"))

    def test_kill_and_resume(self):
        n = 60000
        src, out = os.path.join(self.d, "p.jsonl"), os.path.join(self.d, "out")
        gen(src, n, "--error-rate", "0.01", "--seed", "5")
        pem = os.path.join(self.d, "k.pem")
        self.key.save_private(pem)
        script = ("import healthcode as hc, sys\n"
                  "hc.batch(hc.Key.load(sys.argv[1]), 'CN-330000', sys.argv[2], sys.argv[3], now=%d,\n"
                  "         threads=1, checkpoint=500, progress=lambda p: None)\n" % NOW)
        child = subprocess.Popen([sys.executable, "-c", script, pem, src, out])
        tokens = os.path.join(out, "tokens.jsonl")
        for _ in range(1000):
            if os.path.exists(tokens) and os.path.getsize(tokens) > 0:
                break
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
        child.wait()
        with open(tokens) as f:
            before = sum(1 for _ in f)
        self.assertLess(before, n, "the batch finished before the kill: nothing was tested")
        seen = []
        s = hc.batch(self.key, "CN-330000", src, out, now=NOW + 3600, resume=True,
                     progress=lambda p: seen.append(p.lines))
        self.assertEqual(s.lines, n)
        self.assertGreater(s.resumed_lines, 0)
        self.assertEqual(s.now, NOW)            # the first run's now, whatever the resume says
        every_line_once(self, out, n)
        # the same colours, line by line, as an uninterrupted run
        hc.batch(self.key, "CN-330000", src, os.path.join(self.d, "whole"), now=NOW)
        colours = lambda d: [(t["line"], t["colour"]) for t in lines_of(self.d, d + "/tokens.jsonl")]
        self.assertEqual(colours("out"), colours("whole"))
        # a resume of a finished batch issues nothing more
        s2 = hc.batch(self.key, "CN-330000", src, out, resume=True)
        self.assertEqual((s2.lines, s2.resumed_lines), (n, n))

    def test_errors(self):
        gen(os.path.join(self.d, "p.jsonl"), 50, "--error-rate", "0.5")
        with self.assertRaises(hc.HealthCodeError) as cm:
            hc.batch(self.key, "CN-330000", os.path.join(self.d, "p.jsonl"), os.path.join(self.d, "o"),
                     now=NOW, max_errors=3, threads=1)
        self.assertEqual(cm.exception.name, "too_large")   # HC_E_LIMIT
        self.assertTrue(cm.exception.summary.max_errors_reached)
        self.assertEqual(cm.exception.summary.errors, 3)
        # the output dir holds a batch: a new one there without resume is refused
        with self.assertRaises(hc.InvalidArgumentError):
            hc.batch(self.key, "CN-330000", os.path.join(self.d, "p.jsonl"), os.path.join(self.d, "o"), now=NOW)
        with self.assertRaises(hc.IoError):
            hc.batch(self.key, "CN-330000", os.path.join(self.d, "missing.jsonl"), os.path.join(self.d, "m"))
        with open(os.path.join(self.d, "bad.csv"), "w") as f:
            f.write("id,colour_of_hat\n1,red\n")
        with self.assertRaises(hc.InvalidRecordError) as cm:
            hc.batch(self.key, "CN-330000", os.path.join(self.d, "bad.csv"), os.path.join(self.d, "b"))
        self.assertEqual((cm.exception.line, cm.exception.field), (1, "colour_of_hat"))
        with self.assertRaises(hc.InvalidArgumentError):
            hc.batch(self.key, "CN-330000", os.path.join(self.d, "p.jsonl"), os.path.join(self.d, "x"),
                     now="next tuesday")

    def test_progress_exception_is_raised_after_the_batch(self):
        gen(os.path.join(self.d, "p.jsonl"), 100)

        def boom(p):
            raise KeyError("from the callback")
        with self.assertRaises(KeyError):
            hc.batch(self.key, "CN-330000", os.path.join(self.d, "p.jsonl"), os.path.join(self.d, "o"),
                     now=NOW, progress=boom)
        every_line_once(self, os.path.join(self.d, "o"), 100)   # the batch ran to its end


@unittest.skipIf(hc._lib.hc_sheet_new is None, "a build without the sheets part")
class Sheets(unittest.TestCase):
    def test_from_tokens_jsonl_and_from_tokens(self):
        with tempfile.TemporaryDirectory() as d, hc.Key.generate() as key:
            gen(os.path.join(d, "p.jsonl"), 14)
            hc.batch(key, "CN-330000", os.path.join(d, "p.jsonl"), os.path.join(d, "o"), now=NOW)
            self.assertEqual(hc.sheets(os.path.join(d, "o", "tokens.jsonl"), os.path.join(d, "a.pdf")), 3)
            self.assertTrue(os.path.getsize(os.path.join(d, "a.pdf")) > 1000)
            toks = [t["token"] for t in lines_of(d, "o/tokens.jsonl")]
            self.assertEqual(hc.sheets(toks[:5], os.path.join(d, "b.pdf"), per_page=4), 2)
            self.assertEqual(hc.sheets([(t, "street 12") for t in toks[:2]], os.path.join(d, "png"),
                                       format="png", per_page=1, dpi=72), 2)
            self.assertEqual(sorted(os.listdir(os.path.join(d, "png"))), ["page-000001.png", "page-000002.png"])
            with self.assertRaises(hc.TokenRejectedError) as cm:
                hc.sheets([toks[0], "HCODE1:nonsense"], os.path.join(d, "c.pdf"))
            self.assertEqual(cm.exception.line, 2)
            self.assertFalse(os.path.exists(os.path.join(d, "c.pdf")))
            with open(os.path.join(d, "bad.jsonl"), "w") as f:
                f.write(json.dumps({"line": 1, "token": toks[0]}) + "\n{\"line\": 2}\n")
            with self.assertRaises(hc.InvalidRecordError) as cm:
                hc.sheets(os.path.join(d, "bad.jsonl"), os.path.join(d, "d.pdf"))
            self.assertEqual(cm.exception.line, 2)
            with self.assertRaises(hc.InvalidArgumentError):
                hc.sheets(toks, os.path.join(d, "e.pdf"), format="tiff")


class Names(unittest.TestCase):
    """as_dict() is the CLI's JSON, names and values; times read as the CLI reads them."""

    def test_times(self):
        self.assertEqual(hc.parse_time("2020-02-05T10:00:00+08:00"), 1580868000)
        self.assertEqual(hc.parse_time("2020-02-05T10:00"), 1580868000)      # no offset: +08:00
        self.assertEqual(hc.parse_time("1580868000"), 1580868000)
        self.assertEqual(hc.format_time(1580868000), "2020-02-05T02:00:00Z")
        self.assertEqual(hc.format_time(1580868000, 8 * 3600), "2020-02-05T10:00:00+08:00")
        with self.assertRaises(hc.InvalidArgumentError):
            hc.parse_time("1970-01-01")     # before the epoch at +08:00

    def test_record_line(self):
        with self.assertRaises(hc.InvalidRecordError) as cm:
            hc.Record('{"id": ,}', line=42)
        self.assertEqual(cm.exception.line, 42)
        self.assertIn("JSON syntax error at column 8", str(cm.exception))
        with self.assertRaises(hc.InvalidRecordError) as cm:
            hc.Record('{"id":\n ,}', line=10)
        self.assertEqual(cm.exception.line, 11)

    @unittest.skipUnless(CLI, "HC_CLI (the healthcode command) not set")
    def test_as_dict_is_the_cli_json(self):
        record = os.path.join(ROOT, "examples", "records", "close-contact.json")
        now = "2020-02-05T10:00:00+08:00"
        cli = json.loads(subprocess.run([CLI, "assess", "--now", now, record], capture_output=True,
                                        check=True).stdout)
        with hc.Policy() as pol, open(record, encoding="utf-8") as f, hc.Record(f.read()) as rec:
            a = hc.assess(pol, rec, now)
            self.assertEqual(a.as_dict(), cli)
        key = os.path.join(KEYS, "es256.pem")
        tmp = tempfile.mkdtemp()
        os.chmod(tmp, 0o700)
        k = os.path.join(tmp, "k.pem")
        with open(key, "rb") as src, open(os.open(k, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as dst:
            dst.write(src.read())
        token = subprocess.run([CLI, "issue", "--key", k, "--issuer", "CN-330000", "--now", now,
                                os.path.join(ROOT, "examples", "record.json")], capture_output=True, text=True,
                               check=True).stdout.strip()
        pub = os.path.join(KEYS, "es256.pub.pem")
        cli = json.loads(subprocess.run([CLI, "verify", "--trust", pub, "--now", now, token],
                                        capture_output=True, check=True).stdout)
        with hc.Trust() as trust:
            trust.add_path(pub)
            claims = hc.verify(trust, token, now)
        self.assertEqual(claims.as_dict(), {k: v for k, v in cli.items() if k not in ("valid", "error", "message")})
        venue = os.path.join(ROOT, "examples", "venues", "mall.json")
        cli = json.loads(subprocess.run([CLI, "check", "--trust", pub, "--venue", venue, "--now", now,
                                         "--temperature", "36.6", token], capture_output=True).stdout)
        with open(venue, encoding="utf-8") as f:
            d = hc.decide(claims, hc.Venue.from_json(f.read()), now, temperature=36.6)
        self.assertEqual(d.as_dict(), {k: cli[k] for k in ("admit", "code", "zh", "en")})
        os.unlink(k)
        os.rmdir(tmp)

    def test_python_m_healthcode_now_iso(self):
        with hc.Key.generate() as key, hc.Policy() as pol, tempfile.TemporaryDirectory() as d:
            with open(os.path.join(ROOT, "examples", "record.json"), encoding="utf-8") as f, \
                    hc.Record(f.read()) as rec, hc.Issuer("CN-330000", key) as iss:
                token = hc.issue(iss, rec, hc.assess(pol, rec, "2020-02-05"), "2020-02-05T10:00")
            key.save_public(os.path.join(d, "pub.pem"))
            r = subprocess.run([sys.executable, "-m", "healthcode", "verify", "--trust", os.path.join(d, "pub.pem"),
                                "--now", "2020-02-05T11:00:00+08:00", token], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(json.loads(r.stdout)["iat"], 1580868000)
            r = subprocess.run([sys.executable, "-m", "healthcode", "verify", "--trust", os.path.join(d, "pub.pem"),
                                "--now", "soon", token], capture_output=True, text=True)
            self.assertEqual(r.returncode, 2)
            self.assertIn("'soon' is neither epoch seconds nor an ISO 8601 date", r.stderr)


if __name__ == "__main__":
    unittest.main()

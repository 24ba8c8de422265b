"""unittest for examples/batch_issue.py: a community worker's CSV in, codes out."""
import csv
import io
import os
import subprocess
import sys
import tempfile
import unittest

import healthcode as hc

ROOT = os.environ.get("HC_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SCRIPT = os.path.join(ROOT, "examples", "batch_issue.py")
NOW = 1580868000  # 2020-02-05T10:00:00+08:00

PEOPLE = """\
id,id_type,name,residence,contact_status,last_contact,previous_colour,previous_since
330402199001011230,cn_resident,张三,330402,,,,
E12345678,passport,John Smith,,close,2020-02-01,,
330402199001011231,cn_resident,李四,330402,,,,

330106194909126149,cn_resident,邹勇,330106,secondary,2020-02-03,,
420106199602195945,cn_resident,吴晓,420106,,,red,2020-02-01
"""


class BatchIssue(unittest.TestCase):
    def test_csv_to_codes(self):
        with tempfile.TemporaryDirectory() as d, hc.Key.generate("ES256") as key, hc.Trust() as trust:
            key.save_private(os.path.join(d, "key.pem"))
            trust.add_key(key)
            people = os.path.join(d, "people.csv")
            with open(people, "w", encoding="utf-8") as f:
                f.write(PEOPLE)
            # --now as the CLI reads it: ISO 8601 (no offset: UTC+08:00), the same instant as NOW
            r = subprocess.run([sys.executable, SCRIPT, "--key", os.path.join(d, "key.pem"),
                                "--issuer", "CN-330000", "--now", "2020-02-05T10:00", "--validity", "3600",
                                "--out", os.path.join(d, "out"), "--progress", people],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 4, r.stderr)          # one bad row
            rows = list(csv.DictReader(io.StringIO(r.stdout)))
            self.assertEqual([int(x["line"]) for x in rows], [2, 3, 6, 7])
            self.assertEqual([x["colour"] for x in rows], ["green", "red", "yellow", "red"])
            self.assertEqual(rows[0]["document"], "33**************30")
            for x in rows:
                c = hc.verify(trust, x["token"], now=NOW)
                self.assertEqual((c.colour, c.iss, c.iat, c.exp - c.iat), (x["colour"], "CN-330000", NOW, 3600))
            # the bad check digit on line 4, named with its field; the blank line 5 is an
            # error line too (every line ends in tokens.jsonl or errors.jsonl, doc/batch.md)
            self.assertIn("people.csv:4: invalid_record: id: check digit is 1, expected 0", r.stderr)
            self.assertIn("people.csv:5: invalid_record: empty line", r.stderr)
            self.assertIn("6 lines, 100%", r.stderr)
            self.assertIn("issued 4, errors 2", r.stderr)
            # run again: the batch is there; --resume finds it whole and prints the same codes
            again = subprocess.run([sys.executable, SCRIPT, "--key", os.path.join(d, "key.pem"),
                                    "--issuer", "CN-330000", "--out", os.path.join(d, "out"), "--resume", people],
                                   capture_output=True, text=True, timeout=60)
            self.assertEqual((again.returncode, again.stdout), (4, r.stdout), again.stderr)

    def test_now_not_a_time(self):
        with tempfile.TemporaryDirectory() as d:
            r = subprocess.run([sys.executable, SCRIPT, "--key", os.path.join(d, "k.pem"), "--issuer", "X",
                                "--out", d, "--now", "yesterday", os.path.join(d, "p.csv")],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 3)
            self.assertIn("'yesterday' is neither epoch seconds nor an ISO 8601 date", r.stderr)

    def test_unreadable_key(self):
        with tempfile.TemporaryDirectory() as d:
            r = subprocess.run([sys.executable, SCRIPT, "--key", os.path.join(d, "none.pem"),
                                "--issuer", "CN-330000", "--out", d, os.path.join(d, "none.csv")],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 3)
            self.assertIn("io_error", r.stderr)


if __name__ == "__main__":
    unittest.main()

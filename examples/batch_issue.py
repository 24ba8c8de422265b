#!/usr/bin/env python3
"""Issue health codes for a CSV of people, the way a community worker's script would.

    HC_LIBRARY=build/libhealthcode/libhealthcode.so PYTHONPATH=bindings/python \\
        python3 examples/batch_issue.py --key hc-key.pem --issuer CN-330000 people.csv > codes.csv

people.csv has a header naming its columns, the flat fields of the batch CSV
(healthcode/batch.h): `id` (required), `id_type` (default cn_resident), `name`,
`residence`, `contact_status`, `last_contact`, `discharged`, `entry_date`,
`entry_from`, `previous_colour`, `previous_since`, `declaration_at`,
`declaration_temperature_c`, `declaration_symptoms` (separated by ';'); an
empty cell leaves the field out. `python3 bench/gen_records.py --n 1000 --csv`
writes such a file.

Each person's record is assessed under the policy (the built-in default, or
--policy) and signed. The output CSV has line, document (masked, as in the
token), colour and token. A bad row is reported on stderr with its line and
field and does not stop the run; the exit status is then 4. A progress line
is drawn on stderr when it is a terminal (or with --progress).
"""
import argparse
import csv
import sys
import time

import healthcode as hc

# CSV column -> where it goes in the record (doc/architecture.md), and how to read it.
COLUMNS = {
    "id": (("id",), str),
    "id_type": (("id_type",), str),
    "name": (("name",), str),
    "residence": (("residence",), int),
    "contact_status": (("contact", "status"), str),
    "last_contact": (("contact", "last_contact"), str),
    "discharged": (("contact", "discharged"), str),
    "entry_date": (("entry", "date"), str),
    "entry_from": (("entry", "from"), str),
    "previous_colour": (("previous", "colour"), str),
    "previous_since": (("previous", "since"), str),
    "declaration_at": (("declaration", "at"), str),
    "declaration_temperature_c": (("declaration", "temperature_c"), float),
    "declaration_symptoms": (("declaration", "symptoms"), lambda v: [s for s in v.split(";") if s]),
}


def record_of(row):
    """The record (a dict) of one CSV row; raises ValueError naming a bad cell."""
    rec = {"id_type": "cn_resident"}
    for column, value in row.items():
        if column is None or column not in COLUMNS:
            raise ValueError(f"unknown column {column!r}")
        if value is None or value == "":
            continue
        path, read = COLUMNS[column]
        try:
            value = read(value)
        except ValueError:
            raise ValueError(f"{column}: {value!r} is not a {read.__name__}") from None
        node = rec
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return rec


class Progress:
    """One line on stderr, redrawn at most every 0.2 s: done/total, rate, errors."""

    def __init__(self, total, enabled, tty):
        self.total, self.enabled, self.tty = total, enabled, tty
        self.start = self.last = time.monotonic()
        self.drawn = False

    def clear(self):
        """Ends the line drawn so far, so that a message starts on its own line."""
        if self.drawn:
            print("\r\033[K" if self.tty else "", file=sys.stderr, end="" if self.tty else "\n")
            self.drawn = False

    def update(self, done, errors, final=False):
        now = time.monotonic()
        if not self.enabled or (not final and now - self.last < 0.2):
            return
        self.last = now
        rate = done / max(now - self.start, 1e-9)
        print(f"\r{done}/{self.total} people, {rate:.0f}/s, {errors} errors", end="\n" if final else "",
              file=sys.stderr, flush=True)
        self.drawn = not final


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--key", required=True, help="private key (PKCS#8 PEM, mode 0600)")
    ap.add_argument("--issuer", required=True, help="issuer id, e.g. CN-330000")
    ap.add_argument("--policy", help="policy JSON file (default: the built-in policy)")
    ap.add_argument("--risk-map", help="risk map CSV (region,level) replacing the policy's map")
    ap.add_argument("--validity", type=int, default=86400, help="seconds (default 24 h)")
    ap.add_argument("--now", type=int, default=None, help="epoch seconds (default: the clock)")
    ap.add_argument("--progress", action="store_true", help="draw the progress line even when not a terminal")
    ap.add_argument("csv", help="people.csv")
    args = ap.parse_args()

    now = args.now if args.now is not None else int(time.time())
    issued = errors = 0
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["line", "document", "colour", "token"])
    try:
        key = hc.Key.load(args.key)
        policy = hc.Policy(args.policy)
        if args.risk_map:
            policy.load_risk_map(args.risk_map)
        f = open(args.csv, newline="", encoding="utf-8-sig")
    except (hc.HealthCodeError, OSError) as e:
        where = f" ({e.field})" if getattr(e, "field", "") else ""
        print(f"batch_issue: {e}{where}", file=sys.stderr)
        return 3
    with key, policy, f, hc.Issuer(args.issuer, key) as issuer:
        reader = csv.DictReader(f)
        rows = [(reader.line_num, row) for row in reader]     # physical lines: blank ones are skipped
        tty = sys.stderr.isatty()
        progress = Progress(len(rows), args.progress or tty, tty)
        for done, (line, row) in enumerate(rows, start=1):
            try:
                with hc.Record(record_of(row)) as rec:
                    a = hc.assess(policy, rec, now)
                    token = hc.issue(issuer, rec, a, now, args.validity)
                out.writerow([line, hc.inspect(token).document, a.colour, token])
                issued += 1
            except (hc.HealthCodeError, ValueError) as e:
                errors += 1         # the message names the field (e.field has its path)
                progress.clear()
                print(f"{args.csv}:{line}: {e}", file=sys.stderr)
            progress.update(done, errors, final=done == len(rows))
    print(f"issued {issued}, errors {errors}, {time.monotonic() - progress.start:.1f} s", file=sys.stderr)
    return 0 if errors == 0 else 4


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Issue health codes for a CSV of people, the way a community worker's script would.

    HC_LIBRARY=build/libhealthcode/libhealthcode.so.1 PYTHONPATH=bindings/python \\
        python3 examples/batch_issue.py --key hc-key.pem --issuer CN-330000 --out night/ people.csv > codes.csv

people.csv has a header naming its columns, the flat fields of the batch CSV
(doc/batch.md): `id` (required), `id_type`, `name`, `residence`, `contact_status`,
`last_contact`, `discharged`, `entry_date`, `entry_from`, `previous_colour`,
`previous_since`, `declaration_at`, `declaration_temperature_c`, `declaration_symptoms`
(separated by ';'); an empty cell leaves the field out. A file not ending in .csv is
read as JSON lines. `python3 bench/gen_records.py --n 1000 --csv` writes such a file.

The records are read, assessed under the policy (the built-in default, or --policy),
signed and written by healthcode.batch(), the library's batch engine: every line of the
file ends in DIR/tokens.jsonl or DIR/errors.jsonl, once, and a run stopped at any
instant continues with --resume. The output CSV on stdout has line, document (masked,
as in the token), colour and token; each bad line is reported on stderr with its line
and field, and the exit status is then 4. A progress line is drawn on stderr when it is
a terminal (or with --progress).
"""
import argparse
import json
import os
import sys
import time

import healthcode as hc


class Progress:
    """One line on stderr, redrawn at most every 0.2 s: lines, share of the input, rate, errors."""

    def __init__(self, enabled, tty):
        self.enabled, self.tty = enabled, tty
        self.start = self.last = time.monotonic()

    def __call__(self, p):
        now = time.monotonic()
        if not self.enabled or (not p.done and now - self.last < 0.2):
            return
        self.last = now
        share = f"{100 * p.bytes_read // p.bytes_total}%, " if p.bytes_total else ""
        rate = p.lines / max(now - self.start, 1e-9)
        end = "\n" if p.done or not self.tty else ""
        print(f"\r{p.lines} lines, {share}{rate:.0f}/s, {p.errors} errors", end=end, file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--key", required=True, help="private key (PKCS#8 PEM, mode 0600) or a pkcs11: URI")
    ap.add_argument("--issuer", required=True, help="issuer id, e.g. CN-330000")
    ap.add_argument("--out", required=True, help="the batch's directory (tokens.jsonl, errors.jsonl)")
    ap.add_argument("--resume", action="store_true", help="continue the batch in --out")
    ap.add_argument("--policy", help="policy JSON file (default: the built-in policy)")
    ap.add_argument("--risk-map", help="risk map CSV (region,level) replacing the policy's map")
    ap.add_argument("--validity", type=int, default=86400, help="seconds (default 24 h)")
    ap.add_argument("--now", help="epoch seconds or ISO 8601, as the CLI reads it "
                    "(2020-02-05T10:00:00+08:00; default: the clock)")
    ap.add_argument("--progress", action="store_true", help="draw the progress line even when not a terminal")
    ap.add_argument("people", help="people.csv (or a JSON-lines file)")
    args = ap.parse_args()

    start = time.monotonic()
    try:
        now = hc.parse_time(args.now) if args.now is not None else None
        key = hc.Key.load(args.key)
        policy = hc.Policy(args.policy)
        if args.risk_map:
            policy.load_risk_map(args.risk_map)
    except (hc.HealthCodeError, OSError) as e:
        where = f" ({e.field})" if getattr(e, "field", "") else ""
        print(f"batch_issue: {e}{where}", file=sys.stderr)
        return 3
    tty = sys.stderr.isatty()
    with key, policy:
        try:
            s = hc.batch(key, args.issuer, args.people, args.out, now=now, validity=args.validity,
                         policy=policy, resume=args.resume, progress=Progress(args.progress or tty, tty))
        except hc.HealthCodeError as e:
            print(f"batch_issue: {args.people}{':' + str(e.line) if e.line else ''}: {e}", file=sys.stderr)
            return 3
    print("line,document,colour,token")
    with open(os.path.join(args.out, "tokens.jsonl"), encoding="utf-8") as f:
        for row in map(json.loads, f):
            document = hc.inspect(row["token"]).document
            print(f"{row['line']},{document},{row['colour']},{row['token']}")
    with open(os.path.join(args.out, "errors.jsonl"), encoding="utf-8") as f:
        for row in map(json.loads, f):
            # the message names the field (row["field"] has its path, or the CSV column)
            print(f"{args.people}:{row['line']}: {row['error']}: {row['message']}", file=sys.stderr)
    issued = sum(s.issued.values())
    print(f"issued {issued}, errors {s.errors}, {time.monotonic() - start:.1f} s", file=sys.stderr)
    return 0 if s.errors == 0 else 4


if __name__ == "__main__":
    sys.exit(main())

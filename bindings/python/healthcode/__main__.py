"""python3 -m healthcode: which library this package loaded, and a token's claims.

    python3 -m healthcode                    # versions, the library's path, its parts
    python3 -m healthcode inspect TOKEN      # the claims, NOT verified (display only)
    python3 -m healthcode verify --trust PATH [--now T] TOKEN     # T: epoch seconds or ISO 8601

A TOKEN of "-" is read from standard input. verify exits 1 when the token is
rejected, printing the failed step's hc_err_name; 2 on a usage or input error.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import List, Optional

import healthcode as hc


def _info() -> str:
    parts = [name for name, fn in (("issuer", hc.L.hc_issue), ("render", hc.L.hc_render_png),
                                   ("scan", hc.L.hc_scan_png)) if fn is not None]
    return (f"healthcode {hc.__version__} (Python package in {os.path.dirname(os.path.abspath(hc.__file__))})\n"
            f"libhealthcode {hc.version()} loaded from {hc.library_path()}\n"
            f"parts: verify{''.join(', ' + p for p in parts)}")


def _claims_json(c: hc.Claims) -> str:
    return json.dumps({"verified": c.verified, "iss": c.iss, "colour": c.colour, "alg": c.alg,
                       "kid": c.kid.hex(), "cti": c.cti.hex(), "iat": c.iat, "exp": c.exp,
                       "sub": c.sub.hex() if c.sub is not None else None, "name": c.name,
                       "document": c.document, "region": c.region or None,
                       "international": c.international}, ensure_ascii=False, indent=2)


def _time(arg: str) -> int:
    """--now: the library's reading of a time (hc_time_parse); a usage error otherwise."""
    try:
        return hc.parse_time(arg)
    except hc.HealthCodeError as e:
        raise argparse.ArgumentTypeError(e.message) from None


def _token(arg: str) -> str:
    return (sys.stdin.readline() if arg == "-" else arg).strip()


def main(argv: Optional[List[str]] = None) -> int:
    """The command line; returns the exit status."""
    # raw: the version line holds a path, which must not be wrapped at the terminal's width
    ap = argparse.ArgumentParser(prog="python3 -m healthcode", formatter_class=argparse.RawDescriptionHelpFormatter,
                                 description="libhealthcode for Python: the library this package loaded,\n"
                                             "and a token's claims. Without a command: the versions and paths.")
    ap.add_argument("--version", action="version", version=f"healthcode {hc.__version__} "
                    f"(libhealthcode {hc.version()}, {hc.library_path()})")
    sub = ap.add_subparsers(dest="command")
    sub.add_parser("info", help="versions, the library's path and its parts (the default)")
    p = sub.add_parser("inspect", help="print a token's claims WITHOUT verifying them (display only)")
    p.add_argument("token", help='the token text ("-": standard input)')
    p = sub.add_parser("verify", help="verify a token and print its claims")
    p.add_argument("--trust", required=True, action="append",
                   help="a PEM file, a directory of .pem files or a trust-list JSON file (repeatable)")
    p.add_argument("--now", type=_time, help="epoch seconds or ISO 8601, as the CLI reads it "
                   "(2020-02-05T10:00:00+08:00; default: the clock)")
    p.add_argument("token", help='the token text ("-": standard input)')
    args = ap.parse_args(argv)
    try:
        if args.command == "inspect":
            print(_claims_json(hc.inspect(_token(args.token))))
        elif args.command == "verify":
            with hc.Trust() as trust:
                for path in args.trust:
                    trust.add_path(path)
                print(_claims_json(hc.verify(trust, _token(args.token), args.now)))
        else:
            print(_info())
    except hc.TokenRejectedError as e:
        print(f"rejected: {e}", file=sys.stderr)
        return 1
    except hc.HealthCodeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

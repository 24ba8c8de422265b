"""healthcode.batch() and healthcode.sheets(): the C library's batch engine and paper
sheets (healthcode/batch.h, healthcode/sheet.h; doc/batch.md), for a script that issues a
province's codes: the same CSV and JSON-lines reading, the same output directory, the same
exactly-once resume as `healthcode batch`, with a progress callback.
"""
from __future__ import annotations

import ctypes
import os
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

from . import _lib as L

#: What a progress callback receives (after each window of records, and once at the end).
BatchProgress = L.BatchProgress


class BatchSummary:
    """What a batch did, over the whole output (resumed lines included).

    lines: input lines of the shard handled; issued: {"green": n, "yellow": n, "red": n};
    errors: lines in errors.jsonl; resumed_lines: of lines, those found complete by a resume;
    sheets: sheet pages written; now, validity: the iat and validity of every code (the first
    run's, on a resume); max_errors_reached: stopped early by max_errors."""

    def __init__(self, raw: L.BatchSummary) -> None:
        self.lines: int = raw.lines
        self.issued: Dict[str, int] = {"green": raw.issued[0], "yellow": raw.issued[1], "red": raw.issued[2]}
        self.errors: int = raw.errors
        self.resumed_lines: int = raw.resumed_lines
        self.sheets: int = raw.sheets
        self.now: int = raw.now
        self.validity: int = raw.validity_s
        self.max_errors_reached: bool = bool(raw.max_errors_reached)

    def __repr__(self) -> str:
        return (f"BatchSummary(lines={self.lines}, issued={self.issued}, errors={self.errors}, "
                f"resumed_lines={self.resumed_lines})")


Path = Union[str, bytes, "os.PathLike[str]"]


def batch(hc: Any, key: Any, issuer: str, input: Path, out_dir: Path, *, now: Any = None, validity: int = 86400,
          policy: Any = None, subject_secret: Optional[bytes] = None, threads: int = 0,
          png: bool = False, sheets: bool = False, sheets_format: str = "pdf",
          shard: Optional[Tuple[int, int]] = None, max_errors: int = 0, resume: bool = False,
          progress: Optional[Callable[[L.BatchProgress], None]] = None,
          checkpoint: int = 0, register: Any = None) -> BatchSummary:
    """The body of healthcode.batch() (documented there); hc is the package."""
    opts = L.BatchOpts()
    opts.key = key.handle
    opts.iss = issuer.encode()
    opts.policy = policy.handle if policy is not None else None
    secret = bytes(subject_secret) if subject_secret is not None else None
    if secret is not None:
        opts.subject_secret, opts.subject_secret_len = secret, len(secret)
    opts.now = hc._now(now)
    opts.validity_s = int(validity)
    opts.threads = int(threads) if threads else L.hc_batch_default_threads()
    opts.png, opts.sheets, opts.resume = bool(png), bool(sheets), bool(resume)
    if sheets_format not in ("pdf", "png"):
        raise hc._error("invalid_argument", f"sheets_format: {sheets_format!r} is neither 'pdf' nor 'png'")
    opts.sheets_format = 1 if sheets_format == "png" else 0
    if sheets_format == "png":
        opts.sheets = True
    if shard is not None:
        opts.shard_k, opts.shard_n = int(shard[0]), int(shard[1])
    opts.max_errors = int(max_errors)
    opts.checkpoint = int(checkpoint)
    # the register (issue 23): referenced by `register` for the whole run
    opts.reg = register.handle if register is not None else None

    # The callback runs in this thread (the one inside hc_batch_run); an exception it
    # raises cannot stop the C loop, so it is kept and raised once the batch returns
    # (the output is consistent then, and resume=True continues it).
    failure: List[BaseException] = []

    def on_progress(_ctx: Any, p: Any) -> None:
        if failure:
            return
        try:
            progress(p.contents)  # type: ignore[misc]
        except BaseException as e:  # noqa: B902 — re-raised below, KeyboardInterrupt included
            failure.append(e)

    callback = L.BatchProgressFn(on_progress) if progress is not None else L.BatchProgressFn(0)   # 0: NULL
    opts.progress = callback
    raw = L.BatchSummary()
    diag = L.Diag()
    code = L.hc_batch_run(ctypes.byref(opts), hc._path(input), hc._path(out_dir), ctypes.byref(raw),
                          ctypes.byref(diag))
    if failure:
        raise failure[0]
    summary = BatchSummary(raw)
    if code != 0:
        try:
            hc._raise(code, diag)
        except hc.HealthCodeError as e:
            setattr(e, "summary", summary)    # max_errors: what was done; the output is resumable
            raise
    return summary


def _sheet_opts(hc: Any, format: str, per_page: int, policy: Any, utc_offset: Optional[int],
                dpi: int) -> L.SheetOpts:
    if format not in ("pdf", "png"):
        raise hc._error("invalid_argument", f"format: {format!r} is neither 'pdf' nor 'png'")
    if policy is not None and utc_offset is not None:
        raise hc._error("invalid_argument", "give policy or utc_offset, not both")
    offset = 8 * 3600 if utc_offset is None else int(utc_offset)
    if policy is not None:
        offset = L.hc_policy_utc_offset(policy.handle)
    return L.SheetOpts(1 if format == "png" else 0, int(per_page), offset, int(dpi))


def sheets(hc: Any, source: Union[Path, Iterable[Union[str, Tuple[str, str]]]], out: Path, *, format: str = "pdf", per_page: int = 6,
           policy: Any = None, utc_offset: Optional[int] = None, dpi: int = 150) -> int:
    """The body of healthcode.sheets() (documented there); hc is the package."""
    opts = _sheet_opts(hc, format, per_page, policy, utc_offset, dpi)
    pages = ctypes.c_ulong(0)
    diag = L.Diag()
    fn = hc._need(L.hc_sheet_new, "sheets (cairo, pango)")
    if isinstance(source, (str, bytes, os.PathLike)):
        hc._check(L.hc_sheet_from_jsonl(hc._path(source), hc._path(out), ctypes.byref(opts), ctypes.byref(pages),
                                        ctypes.byref(diag)), diag)
        return int(pages.value)
    s = ctypes.c_void_p()
    hc._check(fn(hc._path(out), ctypes.byref(opts), ctypes.byref(s)))
    try:
        for n, item in enumerate(source, start=1):
            token, label = (item, "") if isinstance(item, (str, bytes)) else item
            code = L.hc_sheet_add(s, hc._b(token), hc._b(label))
            if code != 0:
                diag = L.Diag()
                diag.line = n
                diag.message = f"item {n} of the tokens: {L.hc_strerror(code).decode()}".encode()[:255]
                hc._raise(code, diag)
        hc._check(L.hc_sheet_finish(s, ctypes.byref(pages)))
    finally:
        L.hc_sheet_free(s)
    return int(pages.value)

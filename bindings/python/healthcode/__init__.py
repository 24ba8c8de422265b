"""libhealthcode for Python: issue, render and verify signed health codes.

A thin, Pythonic layer over the C library through ctypes (standard library
only); every rule lives in the C library. Objects that hold a C handle free it
when closed, when used as a context manager, or when garbage-collected.

    import healthcode as hc
    key = hc.Key.generate("ES256")              # or hc.Key.load("key.pem")
    with hc.Issuer("CN-330000", key) as issuer, hc.Policy() as policy, \
            hc.Record({...}) as record:         # a dict or JSON text; InvalidRecordError.field
        a = hc.assess(policy, record, now)      # a.colour, a.until, a.reasons
        token = hc.issue(issuer, record, a, now)
    png = hc.render_png(token)                  # bytes
    trust = hc.Trust(); trust.add_key(key)      # or add_pem / add_path
    claims = hc.verify(trust, token, now)       # raises ExpiredError, BadSignatureError, ...
    hc.decide(claims, hc.Venue(), now, temperature=36.6).admit

Errors raise HealthCodeError subclasses named after hc_err_name (bad_signature:
BadSignatureError); `now` is epoch seconds, a datetime, or an ISO 8601 string read by
the library's one rule ("2020-02-05", "2020-02-05T10:00:00+08:00"; no offset: UTC+08:00);
None is the clock.

Names. The result objects keep Python names where the CLI's JSON has short ones, and
`as_dict()` gives the CLI's JSON object, names and values, exactly:

    Claims (verify, inspect)    CLI JSON      Reason            CLI JSON
    .colour .iss .iat .exp      the same      .code .colour     the same
    .kid .cti .sub (bytes)      hex strings   .holds .field     the same
    .alg                        alg           .from_date        from ("2020-02-01")
    .name                       nam           .until_date       until
    .document                   doc           .zh .en           the same
    .region (0: none)           reg (null)    Assessment        CLI JSON (assess)
    .international (bool)       knd (0 or 1)  .colour .reasons  the same
    (iat, exp as ISO 8601)      iat_iso, exp_iso  .until (epoch) until (ISO, the policy's zone)
    .bound .live .t             the same (t: None unless a presentation was read)
    Decision (check)            admit, code, zh, en: the same names

Batches: batch() runs the C batch engine (healthcode batch: CSV or JSON lines, the output
directory, the exactly-once resume, a progress callback); sheets() prints paper codes.

`python3 -m healthcode --help` prints the version and the library loaded.
"""
from __future__ import annotations

import ctypes
import datetime
import errno
import json
import math
import os
import stat as _stat
import sys
from typing import Any, Callable, Dict, Iterable, List, Mapping, NoReturn, Optional, Tuple, Type, TypeVar, Union

from . import _lib as L

__version__ = "0.1.0"

#: A time: epoch seconds, an aware datetime, an ISO 8601 string, or None for the clock.
Now = Union[int, float, datetime.datetime, str, None]
#: Text the library reads: str (UTF-8) or bytes.
Text = Union[str, bytes]
#: A file name.
PathLike = Union[str, bytes]
_H = TypeVar("_H", bound="_Handle")

__all__ = ["HealthCodeError", "InvalidInputError", "TokenRejectedError", "Policy", "Record", "Key",
           "Issuer", "Trust", "Revocations", "Venue", "Claims", "Assessment", "Reason", "Decision", "assess", "issue",
           "Register", "RegisterCode", "Correction", "AuditReport", "Stats",
           "render_png", "render_svg", "qr_version", "scan_png", "scan_frame", "BundleStore", "verify",
           "inspect", "decide", "present", "batch", "sheets", "BatchSummary", "BatchProgress", "parse_time",
           "format_time",
           "version", "library_path", "__version__", "GREEN", "YELLOW", "RED", "ES256", "EDDSA",
           "SM2", "alg_supported"]

GREEN, YELLOW, RED = 0, 1, 2
COLOURS = ("green", "yellow", "red")
ES256, EDDSA, SM2 = -7, -8, -65537


def version() -> str:
    """The version of the C library loaded (hc_version), such as "0.1.0"."""
    return str(L.hc_version().decode())


def library_path() -> str:
    """The path of the libhealthcode shared library this package loaded."""
    return str(L.library_path())


# ------------------------------------------------------------------ errors

class HealthCodeError(Exception):
    """An error from libhealthcode. `code` is the hc_err value, `name` its
    stable snake_case name (hc_err_name), `field` and `line` locate an input
    error (the record field path such as "travel[1].to", the CSV line).

    Each hc_err has its subclass, named after hc_err_name: invalid_record is
    InvalidRecordError, bad_signature BadSignatureError. Input errors
    (invalid_record … no_code_found) also derive from InvalidInputError, and
    verification failures (bad_prefix … subject_revoked) from
    TokenRejectedError."""

    def __init__(self, code: int, message: Optional[str] = None, field: str = "", line: int = 0) -> None:
        self.code: int = code
        self.name: str = L.hc_err_name(code).decode()
        self.field: str = field
        self.line: int = line
        self.message: str = message or L.hc_strerror(code).decode()
        super().__init__(f"{self.name}: {self.message}")

    def __str__(self) -> str:   # also where an OSError is mixed in (_file_error)
        return f"{self.name}: {self.message}"


def _class_name(snake: str) -> str:
    name = "".join(part.capitalize() for part in snake.split("_"))
    return name if name.endswith("Error") else name + "Error"


class InvalidInputError(HealthCodeError):
    """An input is invalid: a record, policy, risk map, key, trust list,
    revocation list, venue rules or image; `field` says where."""


class TokenRejectedError(HealthCodeError):
    """A token failed verification; the subclass names the step."""


def _error_classes() -> Tuple[Dict[int, Type[HealthCodeError]], Dict[str, int]]:
    """One class per hc_err, from the library's own names (hc_err_name); the
    groups are those of common.h: inputs from invalid_record to no_code_found
    and the trust bundles' refusals, verification from bad_prefix to
    subject_revoked and bad_lifetime."""
    names: Dict[int, str] = {}
    n = 1
    while (nm := L.hc_err_name(n).decode()) != "unknown_error":
        names[n] = nm
        n += 1
    codes = {nm: c for c, nm in names.items()}
    classes: Dict[int, Type[HealthCodeError]] = {}
    for c, nm in names.items():
        base: Type[HealthCodeError]
        if (codes["bad_prefix"] <= c <= codes["subject_revoked"] or nm == "bad_lifetime"
                or codes["bad_presentation"] <= c <= codes["not_live"]):
            base = TokenRejectedError
        elif codes["invalid_record"] <= c <= codes["no_code_found"] or "bundle" in nm:
            base = InvalidInputError
        else:
            base = HealthCodeError
        # the PKCS#11 causes are kinds of Pkcs11Error, an encrypted key a kind of
        # InvalidKeyError: code that caught those before they were told apart still does
        if nm.startswith("pkcs11_"):
            base = classes[codes["pkcs11"]]
        elif nm == "key_encrypted":
            base = classes[codes["invalid_key"]]
        classes[c] = type(_class_name(nm), (base,), {"__doc__": L.hc_strerror(c).decode(),
                                                     "__module__": __name__})
    return classes, codes


_ERRORS, _CODES = _error_classes()
for _cls in _ERRORS.values():
    globals()[_cls.__name__] = _cls
    __all__.append(_cls.__name__)


def _raise(code: int, diag: Optional[L.Diag] = None) -> NoReturn:
    cls = _ERRORS.get(code, HealthCodeError)
    if diag is None:
        raise cls(code)
    # a field path can hold a key of the input, cut at HC_DIAG_FIELD_MAX bytes
    raise cls(code, diag.message.decode("utf-8", "replace") or None,
              diag.field.decode("utf-8", "replace"), diag.line)


def _check(code: int, diag: Optional[L.Diag] = None) -> None:
    if code != 0:
        _raise(code, diag)


def _error(name: str, message: str) -> HealthCodeError:
    code = _CODES[name]
    return _ERRORS[code](code, message)


def _need(fn: Any, what: str) -> Any:
    if fn is None:
        raise _error("unsupported", f"this build of libhealthcode has no {what}")
    return fn


def _parse(fn: Optional[Callable[..., int]], text: Text, what: str) -> int:
    """An enum value parsed by the library's own parser (hc_alg_parse, …)."""
    out = ctypes.c_int()
    if _need(fn, "parser for " + what)(_b(text), ctypes.byref(out)) != 0:
        raise _error("invalid_argument", f"unknown {what}: {text!r}")
    return int(out.value)


def _alg(alg: Union[str, int]) -> int:
    return _parse(L.hc_alg_parse, alg, "algorithm") if isinstance(alg, str) else int(alg)


def _colour(colour: Union[str, int]) -> int:
    return _parse(L.hc_colour_parse, colour, "colour") if isinstance(colour, str) else int(colour)


def _ecc(ecc: str) -> int:
    return _parse(L.hc_ecc_parse, ecc, "error correction level")


def _b(s: Union[str, bytes, bytearray]) -> bytes:
    return s.encode() if isinstance(s, str) else bytes(s)


def _path(path: PathLike) -> bytes:
    """A file name for the C library: str (file-system encoding), bytes or an
    os.PathLike; ValueError for an embedded NUL byte, as open() raises, where C
    would silently read the name only up to it ("k.pem\\0x" is not "k.pem")."""
    p = os.fsencode(path)
    if b"\0" in p:
        raise ValueError("embedded null byte in the path %r" % (path,))
    return p


def _uri(uri: Text) -> bytes:
    """A pkcs11: URI (or any key reference) for C: ValueError for an embedded NUL byte."""
    u = _b(uri)
    if b"\0" in u:
        raise ValueError("embedded null byte in a pkcs11: URI")
    return u


def _file_error(code: int, path: PathLike, exists: bool = False) -> HealthCodeError:
    """The library could not read or write the file path (HC_E_IO): an exception that is
    both the library's IoError and the OSError the file system gives (FileNotFoundError,
    PermissionError, IsADirectoryError, FileExistsError…), naming path."""
    try:
        st = os.stat(path)
        err, why = (0, "") if _stat.S_ISREG(st.st_mode) else (errno.EINVAL, "not a regular file")
    except OSError as oe:
        err, why = oe.errno or 0, oe.strerror or ""
    if exists:
        err, why = errno.EEXIST, "the file exists and is not replaced (overwrite=True replaces it)"
    oscls = {errno.ENOENT: FileNotFoundError, errno.EACCES: PermissionError, errno.EPERM: PermissionError,
             errno.EISDIR: IsADirectoryError, errno.ENOTDIR: NotADirectoryError,
             errno.EEXIST: FileExistsError}.get(err, OSError)
    cls = _ERRORS.get(code, HealthCodeError)
    both = type(cls.__name__, (cls, oscls), {"__module__": __name__, "__doc__": cls.__doc__,
                                             "__str__": HealthCodeError.__str__})   # not OSError's
    fe: Any = both(code, "%s: %s" % (os.fsdecode(path), why or L.hc_strerror(code).decode()))
    fe.errno, fe.strerror, fe.filename = err or None, why or L.hc_strerror(code).decode(), os.fsdecode(path)
    out: HealthCodeError = fe
    return out


class _Secret:
    """A passphrase in a C buffer of its own, wiped when done (the Python str or bytes it
    came from cannot be wiped: keep it short-lived, or pass a bytearray and clear it)."""

    def __init__(self, password: Union[str, bytes, bytearray, None]) -> None:
        data = bytearray(password.encode() if isinstance(password, str) else password or b"")
        if len(data) > L.HC_KEY_PASS_MAX:
            data[:] = bytes(len(data))
            raise ValueError("a passphrase is at most %d bytes" % L.HC_KEY_PASS_MAX)
        self.n = len(data)
        self.buf = (ctypes.c_char * max(self.n, 1)).from_buffer_copy(bytes(data) or b"\0")
        data[:] = bytes(len(data))

    def __enter__(self) -> "_Secret":
        return self

    def __exit__(self, *exc: object) -> None:
        ctypes.memset(self.buf, 0, ctypes.sizeof(self.buf))


def _now(now: Now) -> int:
    if now is None:
        return int(datetime.datetime.now(datetime.timezone.utc).timestamp())
    if isinstance(now, datetime.datetime):
        return int(now.timestamp())
    if isinstance(now, str):
        return parse_time(now)
    return int(now)


def parse_time(text: str) -> int:
    """Epoch seconds of a time as the library and the CLI read it (hc_time_parse): epoch
    seconds ("1580868000") or ISO 8601 ("2020-02-05", "2020-02-05T10:00:00+08:00", "…Z");
    a date or time without an offset is read at UTC+08:00. InvalidArgumentError otherwise."""
    out = ctypes.c_int64()
    if L.hc_time_parse(text.encode(), ctypes.byref(out)) != 0:
        raise _error("invalid_argument", f"{text!r} is neither epoch seconds nor an ISO 8601 date "
                     "(2020-02-05, 2020-02-05T09:00:00+08:00, …Z)")
    return out.value


def format_time(t: int, utc_offset: int = 0) -> str:
    """t as ISO 8601 at an offset in seconds ("2020-02-05T02:00:00Z", "…+08:00"), as the CLI prints it."""
    buf = ctypes.create_string_buffer(40)
    _check(L.hc_time_format(int(t), int(utc_offset), buf, len(buf)))
    return buf.value.decode()


class _Handle:
    """Owns one C handle; close() (or the context manager, or GC) frees it once."""
    _free: Any = None
    _ptr: Any = None     # also when a constructor raised before the handle existed

    def __init__(self, ptr: Any) -> None:
        self._ptr = ptr

    @property
    def handle(self) -> Any:
        """The C handle (a ctypes pointer); ValueError once closed."""
        if not self._ptr:
            raise ValueError(f"{type(self).__name__} is closed")
        return self._ptr

    def close(self) -> None:
        """Frees the C object now; later uses raise ValueError. Closing twice is harmless."""
        if self._ptr:
            type(self)._free(self._ptr)
            self._ptr = None

    def __enter__(self: _H) -> _H:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


def _new(fn: Callable[..., int], *args: Any) -> ctypes.c_void_p:
    out = ctypes.c_void_p()
    _check(fn(*args, ctypes.byref(out)))
    return out


# ------------------------------------------------------------------ keys

def alg_supported(alg: Union[str, int]) -> bool:
    """True if this library's OpenSSL can sign and verify with alg ("SM2" may be missing)."""
    return bool(L.hc_alg_supported(_alg(alg)))


class Key(_Handle):
    """A signing (private) or verification (public) key: ES256, EdDSA or SM2; a
    private key may live inside a PKCS#11 token (Key.load("pkcs11:…"))."""
    _free = staticmethod(L.hc_key_free)

    @classmethod
    def generate(cls, alg: Union[str, int] = "ES256") -> Key:
        """A new private key: "ES256" (P-256), "EdDSA" (Ed25519) or "SM2" (SM2 with SM3)."""
        return cls(_new(L.hc_key_generate, _alg(alg)))

    @classmethod
    def from_pkcs11(cls, uri: Text) -> Key:
        """A private key kept in a PKCS#11 token, by RFC 7512 URI (module-path=,
        pin-source=file:PATH with mode 0600; or HC_PKCS11_MODULE/HC_PKCS11_PIN_FILE).
        It signs inside the token and is never exported. Errors: Pkcs11Error,
        InvalidKeyError, KeyPermissionsError, InvalidArgumentError."""
        return cls(_new(L.hc_key_load_pkcs11, _uri(uri)))

    @classmethod
    def generate_on_token(cls, uri: Text, alg: Union[str, int] = "ES256") -> Key:
        """A new key pair made on the token the URI names (object= is its label);
        only the public half ever leaves it: save_public() it for the trust list."""
        return cls(_new(L.hc_key_generate_pkcs11, _alg(alg), _uri(uri)))

    @classmethod
    def from_pem(cls, pem: Text, password: Union[str, bytes, bytearray, None] = None) -> Key:
        """A key from PEM text: PKCS#8 private (also encrypted, with its password) or
        SPKI public. An encrypted key without its password, or with a wrong one,
        raises KeyEncryptedError (a kind of InvalidKeyError)."""
        pem = _b(pem)
        with _Secret(password) as pw:
            return cls(_new(L.hc_key_load_pem_pass, pem, len(pem), pw.buf if password is not None else None,
                            pw.n))

    @classmethod
    def load(cls, path: PathLike, password: Union[str, bytes, bytearray, None] = None) -> Key:
        """Reads a key file (or a "pkcs11:" URI: from_pkcs11); an encrypted PEM key
        takes its password. A missing or unreadable file raises an IoError that is
        also the OSError of the file system (FileNotFoundError, PermissionError…),
        naming the path; a private key readable by others KeyPermissionsError; an
        encrypted key without its password, or a wrong one, KeyEncryptedError.
        ValueError for a path with an embedded NUL byte."""
        if isinstance(path, str) and path.startswith("pkcs11:"):
            return cls.from_pkcs11(path)
        p = _path(path)
        out = ctypes.c_void_p()
        with _Secret(password) as pw:
            code = L.hc_key_load_file_pass(p, pw.buf if password is not None else None, pw.n,
                                           ctypes.byref(out))
        if code == _CODES["io_error"]:
            raise _file_error(code, path)
        _check(code)
        return cls(out)

    def save_private(self, path: PathLike, overwrite: bool = False) -> None:
        """Writes the private key as PKCS#8 PEM, mode 0600, atomically. An existing
        file is never replaced unless overwrite=True (FileExistsError, which is
        also an IoError, naming it): for an issuer that file is its signing key."""
        p = _path(path)
        code = L.hc_key_save_private_ex(self.handle, p, 0 if overwrite else L.HC_KEY_SAVE_NO_REPLACE)
        if code == _CODES["io_error"]:
            raise _file_error(code, path, exists=not overwrite and os.path.lexists(p))
        _check(code)

    def save_public(self, path: PathLike) -> None:
        """Writes the public key as SPKI PEM, atomically."""
        code = L.hc_key_save_public(self.handle, _path(path))
        if code == _CODES["io_error"]:
            raise _file_error(code, path)
        _check(code)

    @property
    def public_pem(self) -> str:
        """The public key as SPKI PEM text."""
        n = ctypes.c_size_t()
        err = L.hc_key_public_pem(self.handle, None, 0, ctypes.byref(n))   # the size needed
        if err != _CODES["buffer_too_small"]:
            _check(err)
        buf = ctypes.create_string_buffer(n.value + 1)
        _check(L.hc_key_public_pem(self.handle, buf, len(buf), ctypes.byref(n)))
        return buf.value.decode()

    @property
    def kid(self) -> bytes:
        """The 8-byte key id that tokens carry (doc/format.md)."""
        kid = (ctypes.c_uint8 * 8)()
        _check(L.hc_key_kid(self.handle, kid))
        return bytes(kid)

    @property
    def alg(self) -> str:
        """"ES256" or "EdDSA"."""
        return str(L.hc_alg_name(L.hc_key_alg(self.handle)).decode())

    @property
    def is_private(self) -> bool:
        """True for a signing key, False for a public (verification) key."""
        return bool(L.hc_key_is_private(self.handle))


# ------------------------------------------------------------------ issuer side

class Policy(_Handle):
    """An assessment policy: Policy() is the built-in default (Zhejiang, Feb 2020)."""
    _free = staticmethod(L.hc_policy_free)

    def __init__(self, path: Optional[PathLike] = None, json_text: Optional[Text] = None) -> None:
        diag = L.Diag()
        out = ctypes.c_void_p()
        if json_text is not None:
            data = _b(json_text)
            _check(_need(L.hc_policy_parse_json, "issuer part")(data, len(data), ctypes.byref(out),
                                                                ctypes.byref(diag)), diag)
        else:
            _check(_need(L.hc_policy_load, "issuer part")(_path(path) if path else None, ctypes.byref(out),
                                                          ctypes.byref(diag)), diag)
        super().__init__(out)

    def set_risk_map_csv(self, csv_text: Text) -> None:
        """Replaces the policy's risk map by a CSV text (region,level,from,until)."""
        data = _b(csv_text)
        diag = L.Diag()
        _check(L.hc_policy_set_risk_map_csv(self.handle, data, len(data), ctypes.byref(diag)), diag)

    def load_risk_map(self, path: PathLike) -> None:
        """Replaces the policy's risk map by the CSV file at path."""
        diag = L.Diag()
        _check(L.hc_policy_load_risk_map(self.handle, _path(path), ctypes.byref(diag)), diag)


class Record(_Handle):
    """A person record (doc/architecture.md), parsed and checked by the library:
    Record(dict) or Record(json_text). An invalid record raises
    InvalidRecordError whose `field` is the path ("travel[1].to") and `line` the line of
    a JSON syntax error. `line`: where the text starts in a file of the caller's (a JSON-lines
    file: its line number), so that `e.line` is the file's line, as in the batch's errors."""
    _free = staticmethod(L.hc_record_free)

    def __init__(self, data: Union[Mapping[str, Any], Text], line: int = 0) -> None:
        if isinstance(data, Mapping):
            data = json.dumps(dict(data), ensure_ascii=False)
        data = _b(data)
        diag = L.Diag()
        out = ctypes.c_void_p()
        code = _need(L.hc_record_parse_json, "issuer part")(data, len(data), ctypes.byref(out),
                                                            ctypes.byref(diag))
        if code != 0 and line > 0:
            diag.line = line + max(diag.line, 1) - 1
        _check(code, diag)
        super().__init__(out)

    @classmethod
    def from_json(cls, text: Text) -> Record:
        """A record from JSON text."""
        return cls(_b(text))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Record:
        """A record from a dict, as json.loads would give it."""
        return cls(dict(d))

    @property
    def id(self) -> str:
        """The document number, as written in the record."""
        return str(L.hc_record_id(self.handle).decode())

    @property
    def id_type(self) -> str:
        """"cn_resident", "passport", …"""
        return str(L.hc_record_id_type(self.handle).decode())

    @property
    def name(self) -> str:
        """The person's name ("" when absent)."""
        return str(L.hc_record_name(self.handle).decode())

    @property
    def residence(self) -> Optional[int]:
        """The region code of residence (GB/T 2260), None when absent."""
        return L.hc_record_residence(self.handle) or None


def _day(d: int) -> Optional[str]:
    if d == -2**31:
        return None
    buf = ctypes.create_string_buffer(16)
    L.hc_day_format(d, buf)
    return buf.value.decode()


class Reason:
    """One trigger found in the record, holding or not: its code, the colour it
    calls for, the dates it applies between (YYYY-MM-DD or None), the record
    field it comes from, and sentences in Chinese and English."""

    def __init__(self, r: L.Reason) -> None:
        self.code: str = r.code.decode()
        self.colour: str = COLOURS[r.colour]
        self.holds: bool = bool(r.holds)
        self.from_date: Optional[str] = _day(r.from_)
        self.until_date: Optional[str] = _day(r.until)
        self.field: str = r.field.decode()
        self.zh: str = r.zh.decode("utf-8", "replace")
        self.en: str = r.en.decode("utf-8", "replace")

    def __repr__(self) -> str:
        return f"Reason({self.code!r}, {self.colour}, holds={self.holds}, field={self.field!r})"

    def as_dict(self) -> Dict[str, Any]:
        """The reason as `healthcode assess` prints it: code, colour, holds, from, until, field, zh, en."""
        return {"code": self.code, "colour": self.colour, "holds": self.holds, "from": self.from_date,
                "until": self.until_date, "field": self.field or None, "zh": self.zh, "en": self.en}


class Assessment:
    """The colour, when it may change (`until`, epoch seconds or 0) and the reasons."""

    def __init__(self, raw: L.Assessment, utc_offset: int = 8 * 3600) -> None:
        self._raw = raw
        self.colour: str = COLOURS[raw.colour]
        self.until: int = raw.until
        self.reasons: List[Reason] = [Reason(raw.reasons[i]) for i in range(raw.n_reasons)]
        #: the policy's zone (seconds east of UTC), in which as_dict() writes `until`
        self.utc_offset: int = utc_offset

    def as_dict(self) -> Dict[str, Any]:
        """The assessment as `healthcode assess` prints it: colour, until (ISO 8601 in the
        policy's zone, or None), reasons (Reason.as_dict), and reasons_omitted if any."""
        d: Dict[str, Any] = {"colour": self.colour,
                             "until": format_time(self.until, self.utc_offset) if self.until else None,
                             "reasons": [r.as_dict() for r in self.reasons]}
        if self._raw.n_found > self._raw.n_reasons:
            d["reasons_omitted"] = self._raw.n_found - self._raw.n_reasons
        return d

    @classmethod
    def of_colour(cls, colour: Union[str, int]) -> Assessment:
        """An assessment a back end decided by its own rules."""
        raw = L.Assessment()
        raw.colour = _colour(colour)
        return cls(raw)


def assess(policy: Policy, record: Record, now: Now = None) -> Assessment:
    """Assesses a record under a policy at `now`: the colour, until when, and why."""
    raw = L.Assessment()
    diag = L.Diag()
    _check(L.hc_assess(policy.handle, record.handle, _now(now), ctypes.byref(raw), ctypes.byref(diag)), diag)
    return Assessment(raw, L.hc_policy_utc_offset(policy.handle))


class Issuer(_Handle):
    """Signs tokens for issuer `iss` with a private Key. One per thread."""
    _free = staticmethod(L.hc_issuer_free)

    def __init__(self, iss: str, key: Key, subject_secret: Optional[Text] = None) -> None:
        if not key.is_private:   # said as the CLI says it, not as "malformed key"
            raise _error("invalid_key", "this is a public key; signing needs the private key")
        super().__init__(_new(_need(L.hc_issuer_new, "issuer part"), _b(iss), key.handle))
        self._key = key     # the C issuer holds its own reference; this keeps the object alive too
        if subject_secret is not None:
            s = _b(subject_secret)
            _check(L.hc_issuer_set_subject_secret(self.handle, s, len(s)))


def issue(issuer: Issuer, record: Optional[Record], assessment: Union[Assessment, str, int], now: Now = None,
          validity: int = 86400, register: Optional[Register] = None) -> str:
    """The token text. `assessment` is an Assessment or a colour name. With
    `register`, the code is recorded there before it is returned (a code the
    register refuses raises, and is not returned)."""
    if not isinstance(assessment, Assessment):
        assessment = Assessment.of_colour(assessment)
    buf = ctypes.create_string_buffer(L.HC_TOKEN_MAX + 1)
    n = ctypes.c_size_t()
    _check(L.hc_issue(issuer.handle, record.handle if record is not None else None,
                      ctypes.byref(assessment._raw), _now(now), int(validity), buf, len(buf),
                      ctypes.byref(n)))
    token = buf.raw[:n.value].decode()
    if register is not None:
        register.record(token)
    return token


# ------------------------------------------------------------------ the register

class RegisterCode:
    """A row of the register's codes table (doc/register.md): cti, sub (or
    None), iss, kid, colour, iat, exp, region (or None), kind ("domestic" or
    "international"), doc (the masked document, or None), batch and line (or
    None), revoked, purged, and seq, its event in the audit chain."""

    def __init__(self, raw: L.RegisterCode) -> None:
        self.seq: int = raw.seq
        self.cti: str = raw.cti.decode()
        self.sub: Optional[str] = raw.sub.decode() or None
        self.iss: str = raw.iss.decode()
        self.kid: str = raw.kid.decode()
        self.colour: str = COLOURS[raw.colour]
        self.iat: int = raw.iat
        self.exp: int = raw.exp
        self.region: Optional[int] = raw.region or None
        self.kind: str = "international" if raw.kind else "domestic"
        self.doc: Optional[str] = raw.doc.decode() or None
        self.batch: Optional[str] = raw.batch.decode() or None
        self.line: Optional[int] = raw.line or None
        self.revoked: bool = bool(raw.revoked)
        self.purged: bool = bool(raw.purged)

    def __repr__(self) -> str:
        return f"RegisterCode({self.cti}, {self.colour}, seq={self.seq}, revoked={self.revoked})"


class Correction:
    """What Register.correct did: old_cti, old_colour, new_cti, new_colour,
    the new code's token and assessment (its reasons), and seq, the
    correction's event."""

    def __init__(self, raw: L.RegisterCorrection, token: str, assessment: Assessment) -> None:
        self.old_cti: str = raw.old_code.cti.decode()
        self.old_colour: str = COLOURS[raw.old_code.colour]
        self.new_cti: str = raw.new_cti.decode()
        self.new_colour: str = COLOURS[raw.new_colour]
        self.token: str = token
        self.assessment: Assessment = assessment
        self.reasons: List[Reason] = assessment.reasons
        self.seq: int = raw.seq

    def __repr__(self) -> str:
        return f"Correction({self.old_cti} {self.old_colour} -> {self.new_cti} {self.new_colour})"


class AuditReport:
    """A passed audit: events and heads checked, and the head (seq, hash as
    hex) to keep outside the register and give back as Register.audit(head=)."""

    def __init__(self, raw: L.RegisterAuditReport) -> None:
        self.events: int = raw.events
        self.heads: int = raw.heads
        self.head: Tuple[int, str] = (raw.last_seq, bytes(raw.head_hash).hex())


class Stats:
    """Codes issued by colour: `issued` ({"green": n, "yellow": n, "red": n}),
    the green share, corrections and revocations, and `rows`: (key, issued)
    pairs, the key a day ("YYYY-MM-DD"), a GB/T 2260 code (0: none) or None."""

    def __init__(self, raw: L.RegisterStats) -> None:
        self.by: str = ("total", "day", "province", "prefecture")[raw.by]
        self.issued: Dict[str, int] = {c: raw.issued[i] for i, c in enumerate(COLOURS)}
        total = sum(self.issued.values())
        self.green_share: float = self.issued["green"] / total if total else 0.0
        self.corrections: int = raw.corrections
        self.revoked_cti: int = raw.revoked_cti
        self.revoked_sub: int = raw.revoked_sub
        self.rows: List[Tuple[Union[str, int, None], Dict[str, int]]] = []
        for i in range(raw.n_rows):
            r = raw.rows[i]
            key: Union[str, int, None] = _day(r.key) if self.by == "day" else (r.key if self.by != "total" else None)
            self.rows.append((key, {c: r.issued[k] for k, c in enumerate(COLOURS)}))


_STATS_BY = {"total": 0, "day": 1, "province": 2, "prefecture": 3}


class Register(_Handle):
    """The issuer's register (doc/register.md): an SQLite file of every code
    issued, the corrections, revocations and purges, each an event of a hash
    chain whose head is signed with the issuer's key.

        with hc.Register("R.db", key=key) as reg:
            token = hc.issue(issuer, record, a, now, register=reg)
            fix = reg.correct(cti, issuer, corrected, reason="...", operator="op-1", now=now)
            open("revoked.txt", "w").write(reg.revocations())
            reg.audit([key])

    `key` (a private Key) signs the heads: every method that writes needs it.
    create: make the file if missing; read_only: open for reading only. One
    thread at a time; open one Register per thread or process."""
    _free = staticmethod(L.hc_register_free)

    def __init__(self, path: PathLike, key: Optional[Key] = None, create: bool = True,
                 read_only: bool = False, busy_timeout_ms: Optional[int] = None) -> None:
        flags = L.HC_REGISTER_READ_ONLY if read_only else (L.HC_REGISTER_CREATE if create else 0)
        diag = L.Diag()
        out = ctypes.c_void_p()
        _check(_need(L.hc_register_open, "register (meson -Dregister)")(_path(path), flags, ctypes.byref(out),
                                                                        ctypes.byref(diag)), diag)
        super().__init__(out)
        self._key = key
        if key is not None:
            _check(L.hc_register_set_key(self.handle, key.handle))
        if busy_timeout_ms is not None:
            _check(L.hc_register_set_busy_timeout(self.handle, int(busy_timeout_ms)))

    @property
    def id(self) -> str:
        """The register's identifier (32 hex digits)."""
        buf = ctypes.create_string_buffer(33)
        _check(L.hc_register_id(self.handle, buf, len(buf)))
        return buf.value.decode()

    def record(self, token: Text) -> None:
        """Records an issued token as a code (what issue(register=) does)."""
        data, diag = _b(token), L.Diag()
        _check(L.hc_register_record(self.handle, data, len(data), ctypes.byref(diag)), diag)

    def lookup(self, cti: Union[str, bytes]) -> RegisterCode:
        """The code with this cti (hex, or the 8 bytes of Claims.cti); UnknownCodeError if none."""
        raw = L.RegisterCode()
        _check(L.hc_register_lookup(self.handle, _cti(cti), ctypes.byref(raw)))
        return RegisterCode(raw)

    def correct(self, cti: Union[str, bytes], issuer: Issuer, record: Record, *, reason: str, operator: str,
                evidence: Optional[str] = None, policy: Optional[Policy] = None, now: Now = None,
                validity: int = 86400) -> Correction:
        """Corrects the code `cti`: assesses the corrected record (policy: the
        built-in one if None), issues its new code with issuer (give it the
        same subject secret as the old code's), and records the new code, the
        correction and the revocation of the old cti in one transaction. Refused
        with nothing written: UnknownCodeError, AlreadyRevokedError,
        SubjectMismatchError, InvalidArgumentError (empty reason or operator)."""
        when = _now(now)
        pol = policy if policy is not None else Policy()
        try:
            a = assess(pol, record, when)
        finally:
            if pol is not policy:
                pol.close()
        token = issue(issuer, record, a, when, validity)
        data, diag, out = _b(token), L.Diag(), L.RegisterCorrection()
        act = L.RegisterAction(_b(operator), _b(reason), _b(evidence) if evidence is not None else None, when)
        _check(L.hc_register_correct(self.handle, _cti(cti), data, len(data), ctypes.byref(act),
                                     ctypes.byref(out), ctypes.byref(diag)), diag)
        return Correction(out, token, a)

    def revoke(self, cti: Union[str, bytes, None] = None, sub: Union[str, bytes, None] = None, *, reason: str,
               operator: str, now: Now = None) -> int:
        """Revokes a code by cti, or every code of a subject by sub (hex or
        bytes); returns the revocation's event number."""
        seq, diag = ctypes.c_int64(), L.Diag()
        act = L.RegisterAction(_b(operator), _b(reason), None, _now(now))
        _check(L.hc_register_revoke(self.handle, _cti(cti) if cti is not None else None,
                                    _hex(sub) if sub is not None else None, ctypes.byref(act),
                                    ctypes.byref(seq), ctypes.byref(diag)), diag)
        return int(seq.value)

    def revocations(self, since: int = 0) -> str:
        """The revocation list (text: one cti or sub a line) of every revocation
        after event `since`: what Revocations(), verify --revoked and bundle
        make --revoked read. self.last_revocation_seq is the next `since`."""
        text, n, info = ctypes.c_void_p(), ctypes.c_size_t(), L.RegisterRevocationsInfo()
        _check(L.hc_register_revocations(self.handle, int(since), ctypes.byref(text), ctypes.byref(n),
                                         ctypes.byref(info)))
        try:
            out = ctypes.string_at(text, n.value).decode()
        finally:
            L.hc_free(text)
        self.last_revocation_seq: int = info.last_seq
        return out

    def audit(self, keys: Iterable[Key], head: Optional[Tuple[int, str]] = None) -> AuditReport:
        """Checks the chain, the personal columns, the signed heads (against
        keys, the issuer's public keys) and the counts. head: a (seq, hex hash)
        kept outside the register. AuditFailedError names the first row that
        does not match (its .where, .bad_seq)."""
        ks = list(keys)
        arr = (ctypes.c_void_p * max(1, len(ks)))(*[k.handle for k in ks])
        opts = L.RegisterAuditOpts(ctypes.cast(arr, ctypes.POINTER(ctypes.c_void_p)), len(ks), 0)
        if head is not None:
            opts.expect_seq = int(head[0])
            h = bytes.fromhex(head[1])
            if len(h) != 32:
                raise _error("invalid_argument", "head: the hash is 64 hex digits")
            opts.expect_hash[:] = list(h)
        rep = L.RegisterAuditReport()
        err = L.hc_register_audit(self.handle, ctypes.byref(opts), ctypes.byref(rep))
        if err == _CODES["audit_failed"]:
            e = _ERRORS[err](err, f"{rep.where.decode()}: {rep.message.decode()}", rep.where.decode())
            e.bad_seq = rep.bad_seq or None   # type: ignore[attr-defined]
            e.where = rep.where.decode()      # type: ignore[attr-defined]
            raise e
        _check(err)
        return AuditReport(rep)

    def _stats(self, by: str) -> Any:
        if by not in _STATS_BY:
            raise _error("invalid_argument", f"by: {by!r} is not total, day, province or prefecture")
        out = ctypes.POINTER(L.RegisterStats)()
        _check(L.hc_register_stats_get(self.handle, _STATS_BY[by], ctypes.byref(out)))
        return out

    def stats(self, by: str = "total") -> Stats:
        """Codes issued by colour: in all, or by "day", "province" or "prefecture"."""
        out = self._stats(by)
        try:
            return Stats(out.contents)
        finally:
            L.hc_register_stats_free(out)

    def chart(self, path: PathLike, by: str = "day") -> None:
        """Draws the stats by day, province or prefecture as stacked bars to
        path: SVG, or PNG for a name ending in .png (needs cairo: UnsupportedError)."""
        fmt = 1 if os.fsdecode(path).lower().endswith(".png") else 0
        out = self._stats(by)
        try:
            _check(L.hc_register_chart(out, fmt, _path(path)))
        finally:
            L.hc_register_stats_free(out)

    def purge(self, before: Now, *, operator: str, now: Now = None) -> int:
        """Empties the personal columns of the codes that expired before
        `before`; the counts stay. Returns the codes cleared."""
        rows, diag = ctypes.c_uint64(), L.Diag()
        act = L.RegisterAction(_b(operator), None, None, _now(now))
        _check(L.hc_register_purge(self.handle, _now(before), ctypes.byref(act), ctypes.byref(rows),
                                   ctypes.byref(diag)), diag)
        return int(rows.value)


def _hex(v: Union[str, bytes, bytearray]) -> bytes:
    return bytes(v).hex().encode() if isinstance(v, (bytes, bytearray)) else v.encode()


def _cti(v: Union[str, bytes, bytearray]) -> bytes:
    return _hex(v)


# ------------------------------------------------------------------ render

def _render(fn: Optional[Callable[..., int]], text: Text, colour: Union[str, int, None], scale: int, ecc: str,
            band: int) -> bytes:
    """The bytes hc_render_png or hc_render_svg allocates, copied and freed."""
    out = ctypes.c_void_p()
    n = ctypes.c_size_t()
    opts = L.RenderOpts(scale, _ecc(ecc), band)
    if colour is None:
        colour = inspect(text).colour
        if colour is None:
            raise _error("invalid_argument", "the token has no known colour: pass colour=")
    c = _colour(colour)
    _check(_need(fn, "render part")(_b(text), c, ctypes.byref(opts), ctypes.byref(out), ctypes.byref(n)))
    try:
        return ctypes.string_at(out, n.value)
    finally:
        L.hc_free(out)


def render_png(text: Text, colour: Union[str, int, None] = None, scale: int = 8, ecc: str = "M",
               band: int = 2) -> bytes:
    """PNG bytes of the QR code; the colour is read from the token unless given."""
    return _render(L.hc_render_png, text, colour, scale, ecc, band)


def render_svg(text: Text, colour: Union[str, int, None] = None, scale: int = 8, ecc: str = "M",
               band: int = 2) -> str:
    """An SVG document (str) of the QR code; the colour as for render_png."""
    return _render(L.hc_render_svg, text, colour, scale, ecc, band).decode()


def qr_version(text: Text, ecc: str = "M") -> int:
    """The QR version (1-40) the text needs at error correction level ecc."""
    v = ctypes.c_int()
    _check(L.hc_qr_version(_b(text), _ecc(ecc), ctypes.byref(v)))
    return int(v.value)


def scan_png(png: Union[bytes, bytearray]) -> str:
    """The text of the first QR code in a PNG image."""
    png = bytes(png)
    buf = ctypes.create_string_buffer(L.HC_TOKEN_MAX + 1)
    n = ctypes.c_size_t()
    _check(_need(L.hc_scan_png, "scan part")(png, len(png), buf, len(buf), ctypes.byref(n)))
    return buf.raw[:n.value].decode()


def scan_frame(y: Union[bytes, bytearray, memoryview], width: int, height: int,
               stride: Optional[int] = None) -> str:
    """The text of the first QR code in a camera frame: 8-bit luminance, height rows of
    stride bytes (default: width), as a grey sensor or the Y plane of NV12 gives it."""
    data = bytes(y)
    stride = width if stride is None else int(stride)
    if width <= 0 or height <= 0 or stride < width or len(data) < stride * (height - 1) + width:
        raise _error("invalid_argument", "the frame is smaller than width, height and stride say")
    buf = ctypes.create_string_buffer(L.HC_TOKEN_MAX + 1)
    n = ctypes.c_size_t()
    _check(_need(L.hc_scan_frame, "frame scanning")(data, width, height, stride, buf, len(buf),
                                                    ctypes.byref(n)))
    return buf.raw[:n.value].decode()


# ------------------------------------------------------------------ checkpoint side

class Trust(_Handle):
    """The keys a checkpoint trusts."""
    _free = staticmethod(L.hc_trust_free)

    def __init__(self) -> None:
        super().__init__(_new(L.hc_trust_new))

    @staticmethod
    def _opts(iss: Optional[str], not_before: Optional[int], not_after: Optional[int]) -> Any:
        # None is "no bound" (INT64_MIN / INT64_MAX in C); 0 is 1970-01-01
        nb = -(1 << 63) if not_before is None else int(not_before)
        na = (1 << 63) - 1 if not_after is None else int(not_after)
        return L.TrustKeyOpts(_b(iss) if iss else None, nb, na)

    def add_pem(self, pem: Text, iss: Optional[str] = None, not_before: Optional[int] = None,
                not_after: Optional[int] = None) -> None:
        """Trusts a PEM public key for iss (None: any) within
        [not_before, not_after) in epoch seconds (None: no bound)."""
        pem = _b(pem)
        opts = self._opts(iss, not_before, not_after)
        _check(L.hc_trust_add_pem(self.handle, pem, len(pem), ctypes.byref(opts)))

    def add_key(self, key: Key, iss: Optional[str] = None, not_before: Optional[int] = None,
                not_after: Optional[int] = None) -> None:
        """Trusts the public half of a Key, as add_pem."""
        opts = self._opts(iss, not_before, not_after)
        _check(L.hc_trust_add_key(self.handle, key.handle, ctypes.byref(opts)))

    def add_path(self, path: PathLike) -> None:
        """Trusts a PEM file, a directory of .pem files, or a trust-list JSON file."""
        diag = L.Diag()
        _check(L.hc_trust_add_path(self.handle, _path(path), ctypes.byref(diag)), diag)

    def __len__(self) -> int:
        return int(L.hc_trust_count(self.handle))


class Revocations(_Handle):
    """Revoked token ids (cti) and subjects (sub)."""
    _free = staticmethod(L.hc_revocations_free)

    def __init__(self, path: Optional[PathLike] = None) -> None:
        super().__init__(_new(L.hc_revocations_new))
        if path:
            diag = L.Diag()
            _check(L.hc_revocations_load(self.handle, _path(path), ctypes.byref(diag)), diag)

    def add_text(self, text: Text) -> None:
        """Adds revocations, one hex id a line (16 digits: a token id, 32: a subject); "-ID" un-revokes."""
        data = _b(text)
        diag = L.Diag()
        _check(L.hc_revocations_add_text(self.handle, data, len(data), ctypes.byref(diag)), diag)

    def add(self, ident: Union[bytes, bytearray]) -> None:
        """Revokes one token id (cti, 8 bytes) or subject (sub, 16 bytes)."""
        self.add_text(bytes(ident).hex() + "\n")

    def __len__(self) -> int:
        return int(L.hc_revocations_count(self.handle))


class Claims:
    """What a verified (or inspected) token says."""

    def __init__(self, raw: L.Claims, verified: bool) -> None:
        self._raw = raw
        self.verified: bool = verified
        self.alg: Optional[str] = L.hc_alg_name(raw.alg).decode() if raw.header_ok else None
        self.kid: bytes = bytes(raw.kid)
        self.iss: str = raw.iss.decode()
        self.iat: int = raw.iat
        self.exp: int = raw.exp
        self.cti: bytes = bytes(raw.cti)
        self.colour: Optional[str] = COLOURS[raw.colour] if 0 <= raw.colour <= 2 else None
        self.sub: Optional[bytes] = bytes(raw.sub) if raw.has_sub else None
        self.name: str = raw.nam.decode("utf-8", "replace")
        self.document: str = raw.doc.decode()
        self.region: int = raw.reg
        self.international: bool = raw.knd == 1
        # holder binding (doc/format.md): bound to a device key; shown live by it
        self.bound: bool = bool(raw.bound)
        self.device_alg: Optional[str] = L.hc_alg_name(raw.device_alg).decode() if raw.bound else None
        self.live: bool = bool(raw.live)
        self.t: Optional[int] = raw.t if raw.presented else None

    def __repr__(self) -> str:
        return (f"Claims(iss={self.iss!r}, colour={self.colour}, exp={self.exp}, bound={self.bound}, "
                f"live={self.live}, verified={self.verified})")

    def as_dict(self) -> Dict[str, Any]:
        """The claims as `healthcode verify` prints them (after its valid, error and message):
        colour, iss, iat, iat_iso, exp, exp_iso, kid, alg, cti, sub, nam, doc, reg, knd, bound,
        live, t."""
        return {"colour": self.colour, "iss": self.iss, "iat": self.iat, "iat_iso": format_time(self.iat),
                "exp": self.exp, "exp_iso": format_time(self.exp), "kid": self.kid.hex(), "alg": self.alg,
                "cti": self.cti.hex(), "sub": self.sub.hex() if self.sub is not None else None,
                "nam": self.name or None, "doc": self.document or None, "reg": self.region or None,
                "knd": self._raw.knd, "bound": self.bound, "live": self.live, "t": self.t}


def _verify_opts(skew: int, revoked: Any, live_window: int, require_live: bool) -> L.VerifyOpts:
    """hc_verify_opts, the live window checked first (1 to 300 s) as verify() documents."""
    if not 1 <= int(live_window) <= 300:
        raise _error("invalid_argument", f"live_window {live_window}: 1 to 300 seconds")
    return L.VerifyOpts(int(skew), revoked, int(live_window), bool(require_live))


def verify(trust: Trust, text: Text, now: Now = None, skew: int = 300,
           revoked: Optional[Revocations] = None, live_window: int = 60,
           require_live: bool = False) -> Claims:
    """Verifies a token ("HCODE1:…") in doc/format.md's eight steps, or a live
    presentation ("HCLIVE1:…", from present()) in P1-P5 around them: the token's
    issuer, the device's signature, and |now - t| <= live_window (1 to 300 s).
    Returns Claims (bound, live, t) or raises the step's error (a presentation's:
    BadPresentationError, UnboundTokenError, DeviceAlgorithmMismatchError,
    BadDeviceSignatureError, StalePresentationError); with require_live a plain
    token raises NotLiveError."""
    data = _b(text)
    raw = L.Claims()
    opts = _verify_opts(skew, revoked.handle if revoked is not None else None, live_window, require_live)
    _check(L.hc_verify(trust.handle, data, len(data), _now(now), ctypes.byref(opts), ctypes.byref(raw)))
    return Claims(raw, True)


# ------------------------------------------------------------------ holder

def present(token: Text, device: Union[Key, Callable[[bytes], bytes]], now: Now = None,
            alg: Union[str, int, None] = None) -> str:
    """The live presentation ("HCLIVE1:…") of a token bound to the holder's device, at
    `now` (seconds, an ISO 8601 text, or the clock). `device` is the private Key the
    token's cnf names, or a signer: a callable that gets the bytes to sign (the
    presentation's Sig_structure, the whole message) and returns the 64-byte
    signature r || s (ES256: ECDSA P-256 with SHA-256 of the message; EdDSA: Ed25519;
    SM2: SM2 with SM3 and the ID "1234567812345678"); `alg` names its algorithm
    (ES256, EdDSA or SM2). A signer's signature is checked against the token's cnf
    before the presentation is made (BadDeviceSignatureError: in DER, or by another
    key). Raises UnboundTokenError for a token bound to nothing,
    DeviceAlgorithmMismatchError for a key of another algorithm."""
    data = _b(token)
    buf = ctypes.create_string_buffer(L.HC_TOKEN_MAX + 1)
    n = ctypes.c_size_t()
    t = _now(now)
    if isinstance(device, Key):
        if alg is not None and _alg(alg) != _alg(device.alg):
            raise _error("invalid_argument", f"alg {alg} is not the key's ({device.alg})")
        _check(L.hc_present(data, len(data), device.handle, t, buf, len(buf), ctypes.byref(n)))
        return buf.raw[:n.value].decode()
    if not callable(device) or alg is None:
        raise _error("invalid_argument", "present() needs a Key, or a signer callable and its alg")
    signer: Callable[[bytes], bytes] = device   # narrowed here; the closure below cannot see that
    failure: List[BaseException] = []

    def sign(_ctx: Any, msg: Any, length: int, sig: Any) -> int:
        try:
            out = bytes(signer(ctypes.string_at(msg, length)))
            if len(out) != 64:
                raise ValueError(f"the signer returned {len(out)} bytes, not the 64 of r || s")
            ctypes.memmove(sig, out, 64)
            return 0
        except BaseException as e:   # the C side cannot carry it: raised below
            failure.append(e)
            return -1

    cb = L.SignFn(sign)
    err = L.hc_present_with_signer(data, len(data), _alg(alg), cb, None, t, buf, len(buf),
                                   ctypes.byref(n))
    if failure:
        raise failure[0]
    _check(err)
    return buf.raw[:n.value].decode()


class BundleStore(_Handle):
    """A checkpoint's trust from signed bundles (doc/bundle.md): pinned root keys, the
    last accepted sequence (kept in state_dir across restarts, so an older bundle is
    refused), then the keys and revocations of the bundles applied."""
    _free = staticmethod(L.hc_bundle_store_free)

    def __init__(self, roots: Iterable[Key], state_dir: Optional[PathLike] = None) -> None:
        super().__init__(_new(_need(L.hc_bundle_store_new, "trust bundles")))
        self._state = state_dir is not None
        for root in roots:
            _check(L.hc_bundle_store_add_root(self.handle, root.handle))
        if state_dir is not None:
            diag = L.Diag()
            _check(L.hc_bundle_store_set_state_dir(self.handle, _path(state_dir),
                                                   ctypes.byref(diag)), diag)

    def apply(self, bundle: Union[bytes, PathLike], now: Now = None, accept_stale: bool = False) -> int:
        """Checks a bundle (its bytes, or a file's path) and makes it the trust; returns its
        sequence number. A refused bundle (BundleRollbackError, BundleExpiredError, …)
        changes nothing."""
        diag = L.Diag()
        flags = L.HC_BUNDLE_ACCEPT_STALE if accept_stale else 0
        if isinstance(bundle, (bytes, bytearray)):
            data = bytes(bundle)
            _check(L.hc_bundle_store_apply(self.handle, data, len(data), _now(now), flags, None,
                                           ctypes.byref(diag)), diag)
        else:
            _check(L.hc_bundle_store_apply_file(self.handle, _path(bundle), _now(now), flags, None,
                                                ctypes.byref(diag)), diag)
        return self.seq

    @property
    def seq(self) -> int:
        """The sequence number of the last bundle accepted (0 before the first)."""
        return int(L.hc_bundle_store_seq(self.handle))

    @property
    def stale(self) -> bool:
        """True when the trust comes from an expired bundle accepted with accept_stale."""
        return bool(L.hc_bundle_store_stale(self.handle))

    @property
    def rollback_protected(self) -> bool:
        """True when the store keeps a state (state_dir): without one it cannot refuse a bundle
        older than one accepted before."""
        return self._state

    @property
    def venue_classes(self) -> List[str]:
        """The names of the venue rules the accepted bundle carries (doc/bundle.md)."""
        return [L.hc_bundle_store_venue_name(self.handle, i).decode()
                for i in range(L.hc_bundle_store_venue_count(self.handle))]

    def venue(self, name: str) -> "Venue":
        """The venue rules named name (a venue class, "hospital") that the accepted bundle
        carries, signed with its trust. Raises InvalidVenueError when it has none of that
        name, BundleRollbackError on a store behind its state."""
        v = Venue()
        diag = L.Diag()
        _check(_need(L.hc_bundle_store_venue, "trust bundles")(self.handle, _b(name),
                                                                ctypes.byref(v._raw),
                                                                ctypes.byref(diag)), diag)
        return v

    @property
    def behind(self) -> bool:
        """True when the state records a later bundle than the store holds (a full bundle
        reloaded without the delta its state records, or a later bundle accepted by another
        process sharing the state): verify() refuses until that bundle is applied."""
        return bool(L.hc_bundle_store_behind(self.handle))

    def verify(self, text: Text, now: Now = None, skew: int = 300, live_window: int = 60,
               require_live: bool = False) -> Claims:
        """Verifies a token or a live presentation with the bundles' keys and revocations,
        as verify() does (live_window, require_live likewise). Raises
        BundleRollbackError on a store that is behind its state (as the CLI refuses, exit
        23) and UnknownKidError before the first bundle."""
        diag = L.Diag()
        _check(L.hc_bundle_store_ready(self.handle, ctypes.byref(diag)), diag)
        opts = _verify_opts(skew, L.hc_bundle_store_revocations(self.handle), live_window, require_live)
        trust = L.hc_bundle_store_trust(self.handle)
        data = _b(text)
        raw = L.Claims()
        _check(L.hc_verify(trust, data, len(data), _now(now), ctypes.byref(opts), ctypes.byref(raw)))
        return Claims(raw, True)


def inspect(text: Text) -> Claims:
    """Decodes a token WITHOUT verifying it: for display only."""
    data = _b(text)
    raw = L.Claims()
    _check(L.hc_inspect(data, len(data), ctypes.byref(raw)))
    return Claims(raw, False)


_LIVE_RULES = ("off", "preferred", "required")          # hc_live_rule
_UNBOUND_RULES = ("admit", "check_id", "refuse")        # hc_unbound_rule


class Venue:
    """What a venue admits: colours, the maximum token age (s), the fever threshold,
    what it does with a phone-bound code not shown live (live: "off", "preferred",
    "required") and with a paper code (unbound: "admit", "check_id", "refuse")."""

    def __init__(self, admit: Iterable[str] = ("green",), max_age: int = 0, fever_c: float = 37.3,
                 name: str = "", live: str = "off", unbound: str = "admit") -> None:
        # the bounds of the JSON rules (doc/checkpoint.md): nothing out of them is
        # cut or dropped silently
        admit = tuple(admit)
        if live not in _LIVE_RULES or unbound not in _UNBOUND_RULES:
            raise _error("invalid_argument", f"live must be one of {_LIVE_RULES}, unbound one of "
                                             f"{_UNBOUND_RULES}")
        bad = [c for c in admit if c not in COLOURS]
        if bad:
            raise _error("invalid_argument", f"admit: {bad[0]!r} is not a colour (green, yellow, red)")
        if not 0 <= int(max_age) <= 366 * 86400:
            raise _error("invalid_argument", f"max_age {max_age}: 0 (any age) to a year, in seconds")
        if not 35.0 <= float(fever_c) <= 42.0:
            raise _error("invalid_argument", f"fever_c {fever_c}: between 35 and 42 °C")
        if len(_b(name)) > 63:
            raise _error("invalid_argument", "name: at most 63 bytes of UTF-8")
        self._raw = L.VenueRules()
        for i, c in enumerate(COLOURS):
            self._raw.admit[i] = c in admit
        self._raw.max_age_s = int(max_age)
        self._raw.fever_c = float(fever_c)
        self._raw.name = _b(name)
        self._raw.live = _LIVE_RULES.index(live)
        self._raw.unbound = _UNBOUND_RULES.index(unbound)

    @property
    def live(self) -> str:
        """What the venue does with a phone-bound code shown plain: "off", "preferred", "required"."""
        return _LIVE_RULES[self._raw.live]

    @property
    def unbound(self) -> str:
        """What the venue does with a paper code: "admit", "check_id", "refuse"."""
        return _UNBOUND_RULES[self._raw.unbound]

    @classmethod
    def from_json(cls, text: Text) -> Venue:
        """Venue rules from JSON: {"name":…,"admit":["green"],"max_age":"5m","fever_c":37.3}."""
        v = cls()
        data = _b(text)
        diag = L.Diag()
        _check(_need(L.hc_venue_parse_json, "JSON support")(data, len(data), ctypes.byref(v._raw),
                                                            ctypes.byref(diag)), diag)
        return v


class Decision:
    """A venue's decision: admit or not, and why: code "admitted", "check_id",
    "admitted_not_live", "colour", "too_old", "fever", "not_live", "unbound" or
    "repeat", with sentences in Chinese and English."""

    def __init__(self, raw: L.Decision) -> None:
        self.admit: bool = raw.verdict == 1
        self.code: str = raw.code.decode()
        self.zh: str = raw.zh.decode("utf-8", "replace")
        self.en: str = raw.en.decode("utf-8", "replace")

    def __repr__(self) -> str:
        return f"Decision(admit={self.admit}, code={self.code!r})"

    def as_dict(self) -> Dict[str, Any]:
        """The decision as `healthcode check` prints it (before the claims): admit, code, zh, en."""
        return {"admit": self.admit, "code": self.code, "zh": self.zh, "en": self.en}


def decide(claims: Claims, venue: Venue, now: Now = None, temperature: Optional[float] = None) -> Decision:
    """The venue's decision on verified claims (an on-site temperature in °C, or None)."""
    if not claims.verified:
        raise _error("invalid_argument", "decide() needs claims from verify(), not inspect()")
    raw = L.Decision()
    t = math.nan if temperature is None else float(temperature)
    _check(L.hc_checkpoint_decide(ctypes.byref(claims._raw), ctypes.byref(venue._raw), _now(now), t,
                                  ctypes.byref(raw)))
    return Decision(raw)


# ------------------------------------------------------------------ batches

from . import _batch  # noqa: E402 — needs the definitions above
from ._batch import BatchProgress, BatchSummary  # noqa: E402


def batch(key: Key, issuer: str, input: PathLike, out_dir: PathLike, *, now: Now = None,
          validity: int = 86400, policy: Optional[Policy] = None, subject_secret: Optional[bytes] = None,
          threads: int = 0, png: bool = False, sheets: bool = False, sheets_format: str = "pdf",
          shard: Optional[Tuple[int, int]] = None, max_errors: int = 0, resume: bool = False,
          progress: Optional[Callable[[BatchProgress], None]] = None, checkpoint: int = 0,
          register: Optional["Register"] = None) -> BatchSummary:
    """Issues a code for every record of `input` into `out_dir`, as `healthcode batch` does
    (doc/batch.md): a ".csv" file is CSV with a header (the batch's columns), anything else
    JSON lines. out_dir/tokens.jsonl and out_dir/errors.jsonl get every input line exactly
    once, in input order, each line checksummed; png=True adds out_dir/png/LINE.png,
    sheets=True out_dir/sheets.pdf (sheets_format="png": out_dir/sheets/page-NNNNNN.png).

    A batch stopped at any instant (a kill, a power cut) continues with resume=True: it
    keeps what is whole and issues the rest, every record once, with the first run's now
    and validity. threads: signing threads (0: the number of cores); shard=(k, n): the lines
    whose number mod n is k; max_errors: stop once that many lines failed (raises LimitError
    with .summary; the output is consistent and resumable). progress(p) is called in this
    thread after each window of records and at the end, with p.lines, p.issued, p.errors,
    p.bytes_read, p.bytes_total and p.done; an exception it raises is raised when the batch
    returns (the batch itself runs to its end). register: a Register opened with key=, into
    which every code is recorded exactly once, as `healthcode batch --register` does (a
    resume needs the same register).

    Returns a BatchSummary. Lines that fail are in errors.jsonl, not raised; a bad CSV
    header, an unreadable input, an output directory holding another batch (without
    resume), a bad option raise their HealthCodeError before anything is issued."""
    return _batch.batch(sys.modules[__name__], key, issuer, input, out_dir, now=now, validity=validity,
                        policy=policy, subject_secret=subject_secret, threads=threads, png=png,
                        sheets=sheets, sheets_format=sheets_format, shard=shard, max_errors=max_errors,
                        resume=resume, progress=progress, checkpoint=checkpoint, register=register)


def sheets(source: Union[PathLike, Iterable[Union[str, Tuple[str, str]]]], out: PathLike, *,
           format: str = "pdf", per_page: int = 6, policy: Optional[Policy] = None,
           utc_offset: Optional[int] = None, dpi: int = 150) -> int:
    """Prints paper codes on A4 pages, as `healthcode sheets` does: `source` is a batch's
    tokens.jsonl (each code labelled with its input line), or an iterable of tokens or of
    (token, label) pairs. format "pdf" writes one vector PDF at `out`; "png" writes
    out/page-NNNNNN.png at `dpi`. per_page: 1, 2, 4 or 6. The validity end is printed in the
    policy's zone, or at utc_offset seconds east of UTC (default +08:00). Nothing appears at
    `out` unless it is whole. Returns the number of pages; raises the error of the first
    entry that is not a token (InvalidRecordError for a tokens.jsonl line, with .line)."""
    return _batch.sheets(sys.modules[__name__], source, out, format=format, per_page=per_page,
                         policy=policy, utc_offset=utc_offset, dpi=dpi)

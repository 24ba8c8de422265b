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
BadSignatureError); `now` is epoch seconds or a datetime (None: the clock).

`python3 -m healthcode --help` prints the version and the library loaded.
"""
from __future__ import annotations

import ctypes
import datetime
import json
import math
import os
from typing import Any, Callable, Dict, Iterable, List, Mapping, NoReturn, Optional, Tuple, Type, TypeVar, Union

from . import _lib as L

__version__ = "0.1.0"

#: A time: epoch seconds, an aware datetime, or None for the clock.
Now = Union[int, float, datetime.datetime, None]
#: Text the library reads: str (UTF-8) or bytes.
Text = Union[str, bytes]
#: A file name.
PathLike = Union[str, bytes]
_H = TypeVar("_H", bound="_Handle")

__all__ = ["HealthCodeError", "InvalidInputError", "TokenRejectedError", "Policy", "Record", "Key",
           "Issuer", "Trust", "Revocations", "Venue", "Claims", "Assessment", "Reason", "Decision", "assess", "issue",
           "render_png", "render_svg", "qr_version", "scan_png", "scan_frame", "BundleStore", "verify",
           "inspect", "decide", "present",
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


def _now(now: Now) -> int:
    if now is None:
        return int(datetime.datetime.now(datetime.timezone.utc).timestamp())
    if isinstance(now, datetime.datetime):
        return int(now.timestamp())
    return int(now)


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
        return cls(_new(L.hc_key_load_pkcs11, _b(uri)))

    @classmethod
    def generate_on_token(cls, uri: Text, alg: Union[str, int] = "ES256") -> Key:
        """A new key pair made on the token the URI names (object= is its label);
        only the public half ever leaves it: save_public() it for the trust list."""
        return cls(_new(L.hc_key_generate_pkcs11, _alg(alg), _b(uri)))

    @classmethod
    def from_pem(cls, pem: Text) -> Key:
        """A key from PEM text: PKCS#8 private or SPKI public."""
        pem = _b(pem)
        return cls(_new(L.hc_key_load_pem, pem, len(pem)))

    @classmethod
    def load(cls, path: PathLike) -> Key:
        """Reads a key file (or a "pkcs11:" URI: from_pkcs11); a private key
        readable by others raises KeyPermissionsError."""
        return cls(_new(L.hc_key_load_file, _b(path)))

    def save_private(self, path: PathLike) -> None:
        """Writes the private key as PKCS#8 PEM, mode 0600, atomically."""
        _check(L.hc_key_save_private(self.handle, _b(path)))

    def save_public(self, path: PathLike) -> None:
        """Writes the public key as SPKI PEM, atomically."""
        _check(L.hc_key_save_public(self.handle, _b(path)))

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
            _check(_need(L.hc_policy_load, "issuer part")(_b(path) if path else None, ctypes.byref(out),
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
        _check(L.hc_policy_load_risk_map(self.handle, _b(path), ctypes.byref(diag)), diag)


class Record(_Handle):
    """A person record (doc/architecture.md), parsed and checked by the library:
    Record(dict) or Record(json_text). An invalid record raises
    InvalidRecordError whose `field` is the path ("travel[1].to")."""
    _free = staticmethod(L.hc_record_free)

    def __init__(self, data: Union[Mapping[str, Any], Text]) -> None:
        if isinstance(data, Mapping):
            data = json.dumps(dict(data), ensure_ascii=False)
        data = _b(data)
        diag = L.Diag()
        out = ctypes.c_void_p()
        _check(_need(L.hc_record_parse_json, "issuer part")(data, len(data), ctypes.byref(out),
                                                            ctypes.byref(diag)), diag)
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


class Assessment:
    """The colour, when it may change (`until`, epoch seconds or 0) and the reasons."""

    def __init__(self, raw: L.Assessment) -> None:
        self._raw = raw
        self.colour: str = COLOURS[raw.colour]
        self.until: int = raw.until
        self.reasons: List[Reason] = [Reason(raw.reasons[i]) for i in range(raw.n_reasons)]

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
    return Assessment(raw)


class Issuer(_Handle):
    """Signs tokens for issuer `iss` with a private Key. One per thread."""
    _free = staticmethod(L.hc_issuer_free)

    def __init__(self, iss: str, key: Key, subject_secret: Optional[Text] = None) -> None:
        super().__init__(_new(_need(L.hc_issuer_new, "issuer part"), _b(iss), key.handle))
        self._key = key     # the C issuer holds its own reference; this keeps the object alive too
        if subject_secret is not None:
            s = _b(subject_secret)
            _check(L.hc_issuer_set_subject_secret(self.handle, s, len(s)))


def issue(issuer: Issuer, record: Optional[Record], assessment: Union[Assessment, str, int], now: Now = None,
          validity: int = 86400) -> str:
    """The token text. `assessment` is an Assessment or a colour name."""
    if not isinstance(assessment, Assessment):
        assessment = Assessment.of_colour(assessment)
    buf = ctypes.create_string_buffer(L.HC_TOKEN_MAX + 1)
    n = ctypes.c_size_t()
    _check(L.hc_issue(issuer.handle, record.handle if record is not None else None,
                      ctypes.byref(assessment._raw), _now(now), int(validity), buf, len(buf),
                      ctypes.byref(n)))
    return buf.raw[:n.value].decode()


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
        _check(L.hc_trust_add_path(self.handle, _b(path), ctypes.byref(diag)), diag)

    def __len__(self) -> int:
        return int(L.hc_trust_count(self.handle))


class Revocations(_Handle):
    """Revoked token ids (cti) and subjects (sub)."""
    _free = staticmethod(L.hc_revocations_free)

    def __init__(self, path: Optional[PathLike] = None) -> None:
        super().__init__(_new(L.hc_revocations_new))
        if path:
            diag = L.Diag()
            _check(L.hc_revocations_load(self.handle, _b(path), ctypes.byref(diag)), diag)

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
    if not 1 <= int(live_window) <= 300:
        raise _error("invalid_argument", f"live_window {live_window}: 1 to 300 seconds")
    opts = L.VerifyOpts(int(skew), revoked.handle if revoked is not None else None, int(live_window),
                        bool(require_live))
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
    failure: List[BaseException] = []

    def sign(_ctx: Any, msg: Any, length: int, sig: Any) -> int:
        try:
            out = bytes(device(ctypes.string_at(msg, length)))
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
        for root in roots:
            _check(L.hc_bundle_store_add_root(self.handle, root.handle))
        if state_dir is not None:
            _check(L.hc_bundle_store_set_state(self.handle, _b(os.path.join(os.fspath(state_dir),
                                                                            "bundle-state.cbor"))))

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
            _check(L.hc_bundle_store_apply_file(self.handle, _b(bundle), _now(now), flags, None,
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

    def verify(self, text: Text, now: Now = None, skew: int = 300) -> Claims:
        """Verifies a token with the bundles' keys and revocations, as verify() does."""
        trust = L.hc_bundle_store_trust(self.handle)
        if not trust:
            raise _error("unknown_kid", "no bundle has been accepted yet")
        data = _b(text)
        raw = L.Claims()
        opts = L.VerifyOpts(int(skew), L.hc_bundle_store_revocations(self.handle))
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
        admit = tuple(admit)
        if live not in _LIVE_RULES or unbound not in _UNBOUND_RULES:
            raise _error("invalid_argument", f"live must be one of {_LIVE_RULES}, unbound one of "
                                             f"{_UNBOUND_RULES}")
        self._raw = L.VenueRules()
        for i, c in enumerate(COLOURS):
            self._raw.admit[i] = c in admit
        self._raw.max_age_s = int(max_age)
        self._raw.fever_c = float(fever_c)
        self._raw.name = _b(name)[:63]
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


def decide(claims: Claims, venue: Venue, now: Now = None, temperature: Optional[float] = None) -> Decision:
    """The venue's decision on verified claims (an on-site temperature in °C, or None)."""
    if not claims.verified:
        raise _error("invalid_argument", "decide() needs claims from verify(), not inspect()")
    raw = L.Decision()
    t = math.nan if temperature is None else float(temperature)
    _check(L.hc_checkpoint_decide(ctypes.byref(claims._raw), ctypes.byref(venue._raw), _now(now), t,
                                  ctypes.byref(raw)))
    return Decision(raw)

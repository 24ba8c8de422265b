"""Loading libhealthcode and declaring the C API for ctypes (standard library only).

The library is loaded from, in order:

1. $HC_LIBRARY, the path of a libhealthcode.so.1 (nothing else is tried then);
2. the library installed with this package by `meson install` (the paths
   meson recorded in _install.py, relative to where the package now lies, so a
   staged install (DESTDIR) finds its own library), then the same at the
   configured prefix;
3. libhealthcode.so.1 through the dynamic linker's search (LD_LIBRARY_PATH,
   the ld.so cache of `ldconfig`, the default directories): the case of a
   package installed by pip next to a library installed by the system.

When none loads, importing healthcode raises ImportError naming each place
tried and HC_LIBRARY.

Adding a C function to the binding: declare it at the end of this file with
_decl (its name, return type and argument types, as in the header), then wrap
it in healthcode/__init__.py in the section of its header; a function of a
part the library was built without is None here, and _need() turns that into
UnsupportedError.
"""
import ctypes
import importlib
import os
from typing import Any, List, Tuple

SONAME = "libhealthcode.so.1"


def _candidates() -> List[Tuple[str, str]]:
    """(where it came from, path or soname) pairs to try, in order."""
    env = os.environ.get("HC_LIBRARY")
    if env:
        return [("HC_LIBRARY", env)]
    out = []
    # _install.py is written by meson at install time; a source tree or a pip
    # install has none (imported by name: it is not there for a type checker)
    try:
        _install: Any = importlib.import_module(__package__ + "._install")
    except ImportError:
        _install = None
    if _install is not None:
        site = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        rel = _install.SITE_DIR
        if rel and not os.path.isabs(rel) and not os.path.isabs(_install.LIBDIR) \
                and site.endswith(os.sep + os.path.normpath(rel)):
            base = site[:-len(os.path.normpath(rel)) - 1]
            out.append(("installed with the package", os.path.join(base, _install.LIBDIR, SONAME)))
        out.append(("meson install prefix", os.path.join(_install.PREFIX, _install.LIBDIR, SONAME)))
    out.append(("the dynamic linker's search", SONAME))
    return out


def _load() -> ctypes.CDLL:
    tried: List[str] = []
    for how, path in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append(f"{path} ({how}): no such file")
            continue
        try:
            return ctypes.CDLL(path)
        except OSError as e:
            tried.append(f"{path} ({how}): {e}")
    raise ImportError("healthcode: cannot load the C library libhealthcode; tried " + "; ".join(tried) +
                      ". Install libhealthcode (meson install, then ldconfig), or set HC_LIBRARY to the "
                      "path of libhealthcode.so.1 (for instance HC_LIBRARY=build/libhealthcode/libhealthcode.so.1).",
                      name="healthcode")


lib = _load()


def library_path() -> str:
    """The file the library was loaded from (dladdr on one of its functions)."""
    class DlInfo(ctypes.Structure):
        _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                    ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]
    info = DlInfo()
    dladdr = ctypes.CDLL(None).dladdr
    dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(DlInfo)]
    addr = ctypes.cast(lib.hc_version, ctypes.c_void_p)
    if not dladdr(addr, ctypes.byref(info)) or not info.dli_fname:
        return str(lib._name)
    return os.path.abspath(os.fsdecode(info.dli_fname))


c_int64 = ctypes.c_int64
c_size_t = ctypes.c_size_t
c_char_p = ctypes.c_char_p
c_void_p = ctypes.c_void_p
c_uint8_p = ctypes.POINTER(ctypes.c_uint8)

HC_KID_LEN = 8
HC_DIAG_FIELD_MAX = 96
HC_DIAG_MESSAGE_MAX = 256
HC_ISS_MAX = 32
HC_NAM_MAX = 64
HC_DOC_MAX = 32
HC_REASON_CODE_MAX = 24
HC_REASON_TEXT_MAX = 256
HC_MAX_REASONS = 32
HC_TOKEN_MAX = 4096


# The structures of the public headers, field for field. tests/layout.c prints
# the compiler's sizes and offsets and the unittest compares them with these.
class Diag(ctypes.Structure):
    _fields_ = [("field", ctypes.c_char * HC_DIAG_FIELD_MAX),
                ("line", ctypes.c_long),
                ("message", ctypes.c_char * HC_DIAG_MESSAGE_MAX)]


class Claims(ctypes.Structure):
    _fields_ = [("alg", ctypes.c_int),
                ("kid", ctypes.c_uint8 * HC_KID_LEN),
                ("iss", ctypes.c_char * (HC_ISS_MAX + 1)),
                ("iat", c_int64),
                ("exp", c_int64),
                ("cti", ctypes.c_uint8 * 8),
                ("colour", ctypes.c_int),
                ("has_sub", ctypes.c_bool),
                ("sub", ctypes.c_uint8 * 16),
                ("nam", ctypes.c_char * (HC_NAM_MAX + 1)),
                ("doc", ctypes.c_char * (HC_DOC_MAX + 1)),
                ("reg", ctypes.c_uint32),
                ("knd", ctypes.c_int),
                ("header_ok", ctypes.c_bool),
                ("claims_ok", ctypes.c_bool),
                ("bound", ctypes.c_bool),
                ("device_alg", ctypes.c_int),
                ("device_x", ctypes.c_uint8 * 32),
                ("device_ybit", ctypes.c_bool),
                ("presented", ctypes.c_bool),
                ("live", ctypes.c_bool),
                ("t", c_int64)]


class Reason(ctypes.Structure):
    _fields_ = [("code", ctypes.c_char * HC_REASON_CODE_MAX),
                ("colour", ctypes.c_int),
                ("holds", ctypes.c_bool),
                ("from_", ctypes.c_int32),
                ("until", ctypes.c_int32),
                ("field", ctypes.c_char * HC_DIAG_FIELD_MAX),
                ("zh", ctypes.c_char * HC_REASON_TEXT_MAX),
                ("en", ctypes.c_char * HC_REASON_TEXT_MAX)]


class Assessment(ctypes.Structure):
    _fields_ = [("colour", ctypes.c_int),
                ("until", c_int64),
                ("n_reasons", c_size_t),
                ("n_found", c_size_t),
                ("reasons", Reason * HC_MAX_REASONS)]


class VerifyOpts(ctypes.Structure):
    _fields_ = [("skew_s", c_int64), ("revoked", c_void_p),
                ("live_window_s", c_int64), ("require_live", ctypes.c_bool)]


class TrustKeyOpts(ctypes.Structure):
    _fields_ = [("iss", c_char_p), ("not_before", c_int64), ("not_after", c_int64)]


class RenderOpts(ctypes.Structure):
    _fields_ = [("scale", ctypes.c_int), ("ecc", ctypes.c_int), ("band", ctypes.c_int)]


class VenueRules(ctypes.Structure):
    _fields_ = [("admit", ctypes.c_bool * 3),
                ("max_age_s", c_int64),
                ("fever_c", ctypes.c_double),
                ("name", ctypes.c_char * 64),
                ("live", ctypes.c_int),
                ("unbound", ctypes.c_int)]


class Decision(ctypes.Structure):
    _fields_ = [("verdict", ctypes.c_int),
                ("code", ctypes.c_char * 24),
                ("zh", ctypes.c_char * 160),
                ("en", ctypes.c_char * 160)]


# the issuer's register (register.h)
class RegisterCode(ctypes.Structure):
    _fields_ = [("seq", c_int64), ("cti", ctypes.c_char * 17), ("sub", ctypes.c_char * 33),
                ("iss", ctypes.c_char * 33), ("kid", ctypes.c_char * 17), ("colour", ctypes.c_int),
                ("iat", c_int64), ("exp", c_int64), ("region", ctypes.c_uint32), ("kind", ctypes.c_int),
                ("doc", ctypes.c_char * 33), ("batch", ctypes.c_char * 17), ("line", ctypes.c_uint64),
                ("revoked", ctypes.c_bool), ("purged", ctypes.c_bool)]


class RegisterAction(ctypes.Structure):
    _fields_ = [("operator_id", c_char_p), ("reason", c_char_p), ("evidence", c_char_p), ("now", c_int64)]


class RegisterCorrection(ctypes.Structure):
    _fields_ = [("old_code", RegisterCode), ("new_cti", ctypes.c_char * 17), ("new_colour", ctypes.c_int),
                ("seq", c_int64)]


class RegisterRevocationsInfo(ctypes.Structure):
    _fields_ = [("n_cti", c_size_t), ("n_sub", c_size_t), ("since", c_int64), ("last_seq", c_int64)]


class RegisterAuditOpts(ctypes.Structure):
    _fields_ = [("keys", ctypes.POINTER(c_void_p)), ("n_keys", c_size_t), ("expect_seq", c_int64),
                ("expect_hash", ctypes.c_uint8 * 32)]


class RegisterAuditReport(ctypes.Structure):
    _fields_ = [("events", ctypes.c_uint64), ("heads", ctypes.c_uint64), ("last_seq", c_int64),
                ("head_hash", ctypes.c_uint8 * 32), ("bad_seq", c_int64), ("where", ctypes.c_char * 96),
                ("message", ctypes.c_char * 256)]


class StatsRow(ctypes.Structure):
    _fields_ = [("key", c_int64), ("issued", ctypes.c_uint64 * 3)]


class RegisterStats(ctypes.Structure):
    _fields_ = [("by", ctypes.c_int), ("issued", ctypes.c_uint64 * 3), ("corrections", ctypes.c_uint64),
                ("revoked_cti", ctypes.c_uint64), ("revoked_sub", ctypes.c_uint64), ("n_rows", c_size_t),
                ("rows", ctypes.POINTER(StatsRow))]


def _decl(name: str, restype: Any, *argtypes: Any) -> Any:
    fn = getattr(lib, name, None)
    if fn is None:      # a part this build of the library does not have
        return None
    fn.restype = restype
    fn.argtypes = list(argtypes)
    return fn


P = ctypes.POINTER
pp = P(c_void_p)
hc_err = ctypes.c_int

hc_version = _decl("hc_version", c_char_p)
hc_strerror = _decl("hc_strerror", c_char_p, hc_err)
hc_err_name = _decl("hc_err_name", c_char_p, hc_err)
hc_free = _decl("hc_free", None, c_void_p)
hc_alg_name = _decl("hc_alg_name", c_char_p, ctypes.c_int)
hc_alg_parse = _decl("hc_alg_parse", hc_err, c_char_p, P(ctypes.c_int))
hc_colour_parse = _decl("hc_colour_parse", hc_err, c_char_p, P(ctypes.c_int))

hc_key_generate = _decl("hc_key_generate", hc_err, ctypes.c_int, pp)
hc_key_load_pem = _decl("hc_key_load_pem", hc_err, c_char_p, c_size_t, pp)
hc_key_load_file = _decl("hc_key_load_file", hc_err, c_char_p, pp)
hc_key_save_private = _decl("hc_key_save_private", hc_err, c_void_p, c_char_p)
hc_key_save_public = _decl("hc_key_save_public", hc_err, c_void_p, c_char_p)
hc_key_public_pem = _decl("hc_key_public_pem", hc_err, c_void_p, c_char_p, c_size_t, P(c_size_t))
hc_key_kid = _decl("hc_key_kid", hc_err, c_void_p, c_uint8_p)
hc_key_alg = _decl("hc_key_alg", ctypes.c_int, c_void_p)
hc_key_is_private = _decl("hc_key_is_private", ctypes.c_bool, c_void_p)
hc_key_free = _decl("hc_key_free", None, c_void_p)
hc_key_load_pkcs11 = _decl("hc_key_load_pkcs11", hc_err, c_char_p, pp)
hc_key_generate_pkcs11 = _decl("hc_key_generate_pkcs11", hc_err, ctypes.c_int, c_char_p, pp)
# encrypted PEM keys, and saving without replacing (key.h)
hc_key_load_pem_pass = _decl("hc_key_load_pem_pass", hc_err, c_char_p, c_size_t, c_void_p, c_size_t, pp)
hc_key_load_file_pass = _decl("hc_key_load_file_pass", hc_err, c_char_p, c_void_p, c_size_t, pp)
hc_key_save_private_ex = _decl("hc_key_save_private_ex", hc_err, c_void_p, c_char_p, ctypes.c_uint)
HC_KEY_SAVE_NO_REPLACE = 1
HC_KEY_PASS_MAX = 1023
hc_alg_supported = _decl("hc_alg_supported", ctypes.c_bool, ctypes.c_int)

hc_trust_new = _decl("hc_trust_new", hc_err, pp)
hc_trust_add_pem = _decl("hc_trust_add_pem", hc_err, c_void_p, c_char_p, c_size_t, P(TrustKeyOpts))
hc_trust_add_key = _decl("hc_trust_add_key", hc_err, c_void_p, c_void_p, P(TrustKeyOpts))
hc_trust_add_path = _decl("hc_trust_add_path", hc_err, c_void_p, c_char_p, P(Diag))
hc_trust_count = _decl("hc_trust_count", c_size_t, c_void_p)
hc_trust_free = _decl("hc_trust_free", None, c_void_p)

hc_revocations_new = _decl("hc_revocations_new", hc_err, pp)
hc_revocations_add_text = _decl("hc_revocations_add_text", hc_err, c_void_p, c_char_p, c_size_t, P(Diag))
hc_revocations_load = _decl("hc_revocations_load", hc_err, c_void_p, c_char_p, P(Diag))
hc_revocations_count = _decl("hc_revocations_count", c_size_t, c_void_p)
hc_revocations_free = _decl("hc_revocations_free", None, c_void_p)

hc_verify = _decl("hc_verify", hc_err, c_void_p, c_char_p, c_size_t, c_int64, P(VerifyOpts), P(Claims))
# the holder's side (present.h): a signer callback gets the bytes to sign
SignFn = ctypes.CFUNCTYPE(ctypes.c_int, c_void_p, P(ctypes.c_uint8), c_size_t, P(ctypes.c_uint8))
hc_present = _decl("hc_present", hc_err, c_char_p, c_size_t, c_void_p, c_int64, ctypes.c_char_p,
                   c_size_t, P(c_size_t))
hc_present_with_signer = _decl("hc_present_with_signer", hc_err, c_char_p, c_size_t, ctypes.c_int,
                               SignFn, c_void_p, c_int64, ctypes.c_char_p, c_size_t, P(c_size_t))

# trust bundles (bundle.h): a checkpoint's store of signed keys and revocations
hc_bundle_store_new = _decl("hc_bundle_store_new", hc_err, pp)
hc_bundle_store_free = _decl("hc_bundle_store_free", None, c_void_p)
hc_bundle_store_add_root = _decl("hc_bundle_store_add_root", hc_err, c_void_p, c_void_p)
hc_bundle_store_set_state = _decl("hc_bundle_store_set_state", hc_err, c_void_p, c_char_p)
hc_bundle_store_set_state_dir = _decl("hc_bundle_store_set_state_dir", hc_err, c_void_p, c_char_p, c_void_p)
hc_bundle_store_apply = _decl("hc_bundle_store_apply", hc_err, c_void_p, c_char_p, c_size_t, c_int64,
                              ctypes.c_uint, c_void_p, P(Diag))
hc_bundle_store_apply_file = _decl("hc_bundle_store_apply_file", hc_err, c_void_p, c_char_p, c_int64,
                                   ctypes.c_uint, c_void_p, P(Diag))
hc_bundle_store_trust = _decl("hc_bundle_store_trust", c_void_p, c_void_p)
hc_bundle_store_revocations = _decl("hc_bundle_store_revocations", c_void_p, c_void_p)
hc_bundle_store_stale = _decl("hc_bundle_store_stale", ctypes.c_bool, c_void_p)
hc_bundle_store_seq = _decl("hc_bundle_store_seq", ctypes.c_uint64, c_void_p)
hc_bundle_store_behind = _decl("hc_bundle_store_behind", ctypes.c_bool, c_void_p)
hc_bundle_store_ready = _decl("hc_bundle_store_ready", hc_err, c_void_p, c_void_p)
hc_bundle_store_venue_count = _decl("hc_bundle_store_venue_count", c_size_t, c_void_p)
hc_bundle_store_venue_name = _decl("hc_bundle_store_venue_name", c_char_p, c_void_p, c_size_t)
HC_BUNDLE_ACCEPT_STALE = 1
hc_inspect = _decl("hc_inspect", hc_err, c_char_p, c_size_t, P(Claims))

hc_venue_parse_json = _decl("hc_venue_parse_json", hc_err, c_char_p, c_size_t, P(VenueRules), P(Diag))
hc_bundle_store_venue = _decl("hc_bundle_store_venue", hc_err, c_void_p, c_char_p, P(VenueRules), P(Diag))
hc_checkpoint_decide = _decl("hc_checkpoint_decide", hc_err, P(Claims), P(VenueRules), c_int64,
                             ctypes.c_double, P(Decision))

hc_policy_load = _decl("hc_policy_load", hc_err, c_char_p, pp, P(Diag))
hc_policy_parse_json = _decl("hc_policy_parse_json", hc_err, c_char_p, c_size_t, pp, P(Diag))
hc_policy_set_risk_map_csv = _decl("hc_policy_set_risk_map_csv", hc_err, c_void_p, c_char_p, c_size_t, P(Diag))
hc_policy_load_risk_map = _decl("hc_policy_load_risk_map", hc_err, c_void_p, c_char_p, P(Diag))
hc_policy_free = _decl("hc_policy_free", None, c_void_p)

hc_record_parse_json = _decl("hc_record_parse_json", hc_err, c_char_p, c_size_t, pp, P(Diag))
hc_record_free = _decl("hc_record_free", None, c_void_p)
hc_record_id = _decl("hc_record_id", c_char_p, c_void_p)
hc_record_id_type = _decl("hc_record_id_type", c_char_p, c_void_p)
hc_record_name = _decl("hc_record_name", c_char_p, c_void_p)
hc_record_residence = _decl("hc_record_residence", ctypes.c_uint32, c_void_p)
hc_assess = _decl("hc_assess", hc_err, c_void_p, c_void_p, c_int64, P(Assessment), P(Diag))
hc_day_format = _decl("hc_day_format", None, ctypes.c_int32, c_char_p)

hc_issuer_new = _decl("hc_issuer_new", hc_err, c_char_p, c_void_p, pp)
hc_issuer_set_subject_secret = _decl("hc_issuer_set_subject_secret", hc_err, c_void_p, c_char_p, c_size_t)
hc_issuer_free = _decl("hc_issuer_free", None, c_void_p)
hc_issue = _decl("hc_issue", hc_err, c_void_p, c_void_p, P(Assessment), c_int64, c_int64,
                 c_char_p, c_size_t, P(c_size_t))

hc_render_png = _decl("hc_render_png", hc_err, c_char_p, ctypes.c_int, P(RenderOpts), P(c_void_p), P(c_size_t))
hc_render_svg = _decl("hc_render_svg", hc_err, c_char_p, ctypes.c_int, P(RenderOpts), P(c_void_p), P(c_size_t))
hc_ecc_parse = _decl("hc_ecc_parse", hc_err, c_char_p, P(ctypes.c_int))
hc_qr_version = _decl("hc_qr_version", hc_err, c_char_p, ctypes.c_int, P(ctypes.c_int))
hc_scan_frame = _decl("hc_scan_frame", hc_err, c_char_p, ctypes.c_uint, ctypes.c_uint, c_size_t,
                      c_char_p, c_size_t, P(c_size_t))
hc_scan_png = _decl("hc_scan_png", hc_err, c_char_p, c_size_t, c_char_p, c_size_t, P(c_size_t))

# ---- batch.h and sheet.h (healthcode._batch: batch(), sheets()) ----

class BatchProgress(ctypes.Structure):
    """What healthcode.batch()'s progress callback receives (hc_batch_progress): lines (of the
    shard handled, resumed ones included), issued, errors, bytes_read and bytes_total (0 when
    the input is not a regular file) of the input, and done (the last call). Valid during the
    call only: copy what you keep."""
    _fields_ = [("lines", ctypes.c_uint64), ("issued", ctypes.c_uint64), ("errors", ctypes.c_uint64),
                ("bytes_read", ctypes.c_uint64), ("bytes_total", ctypes.c_uint64), ("done", ctypes.c_bool)]


BatchProgressFn = ctypes.CFUNCTYPE(None, c_void_p, P(BatchProgress))
RandomFn = ctypes.CFUNCTYPE(ctypes.c_int, c_void_p, P(ctypes.c_uint8), c_size_t)


class BatchOpts(ctypes.Structure):
    _fields_ = [("key", c_void_p), ("iss", c_char_p), ("policy", c_void_p),
                ("subject_secret", c_char_p), ("subject_secret_len", c_size_t),
                ("now", c_int64), ("validity_s", c_int64), ("threads", ctypes.c_uint),
                ("png", ctypes.c_bool), ("sheets", ctypes.c_bool),
                ("shard_k", ctypes.c_uint), ("shard_n", ctypes.c_uint),
                ("max_errors", ctypes.c_uint64), ("resume", ctypes.c_bool), ("checkpoint", ctypes.c_uint64),
                ("progress", BatchProgressFn), ("progress_ctx", c_void_p),
                ("random", RandomFn), ("random_ctx", c_void_p), ("sheets_format", ctypes.c_int),
                ("reg", c_void_p)]


class BatchSummary(ctypes.Structure):
    _fields_ = [("lines", ctypes.c_uint64), ("issued", ctypes.c_uint64 * 3), ("errors", ctypes.c_uint64),
                ("resumed_lines", ctypes.c_uint64), ("sheets", ctypes.c_uint64), ("now", c_int64),
                ("validity_s", c_int64), ("max_errors_reached", ctypes.c_bool)]


class SheetOpts(ctypes.Structure):
    _fields_ = [("format", ctypes.c_int), ("per_page", ctypes.c_int), ("utc_offset_s", ctypes.c_int32),
                ("dpi", ctypes.c_int)]


hc_batch_run = _decl("hc_batch_run", hc_err, P(BatchOpts), c_char_p, c_char_p, P(BatchSummary), P(Diag))
hc_batch_default_threads = _decl("hc_batch_default_threads", ctypes.c_uint)
hc_sheet_new = _decl("hc_sheet_new", hc_err, c_char_p, P(SheetOpts), pp)
hc_sheet_add = _decl("hc_sheet_add", hc_err, c_void_p, c_char_p, c_char_p)
hc_sheet_finish = _decl("hc_sheet_finish", hc_err, c_void_p, P(ctypes.c_ulong))
hc_sheet_free = _decl("hc_sheet_free", None, c_void_p)
hc_sheet_from_jsonl = _decl("hc_sheet_from_jsonl", hc_err, c_char_p, c_char_p, P(SheetOpts),
                            P(ctypes.c_ulong), P(Diag))
hc_policy_utc_offset = _decl("hc_policy_utc_offset", ctypes.c_int32, c_void_p)
hc_time_parse = _decl("hc_time_parse", hc_err, c_char_p, P(c_int64))
hc_time_format = _decl("hc_time_format", hc_err, c_int64, ctypes.c_int32, c_char_p, c_size_t)

# the issuer's register (register.h): None when the library was built without it
hc_register_open = _decl("hc_register_open", hc_err, c_char_p, ctypes.c_uint, pp, P(Diag))
hc_register_free = _decl("hc_register_free", None, c_void_p)
hc_register_set_key = _decl("hc_register_set_key", hc_err, c_void_p, c_void_p)
hc_register_set_busy_timeout = _decl("hc_register_set_busy_timeout", hc_err, c_void_p, ctypes.c_int)
hc_register_id = _decl("hc_register_id", hc_err, c_void_p, c_char_p, c_size_t)
hc_register_record = _decl("hc_register_record", hc_err, c_void_p, c_char_p, c_size_t, P(Diag))
hc_register_lookup = _decl("hc_register_lookup", hc_err, c_void_p, c_char_p, P(RegisterCode))
hc_register_correct = _decl("hc_register_correct", hc_err, c_void_p, c_char_p, c_char_p, c_size_t,
                            P(RegisterAction), P(RegisterCorrection), P(Diag))
hc_register_revoke = _decl("hc_register_revoke", hc_err, c_void_p, c_char_p, c_char_p, P(RegisterAction),
                           P(c_int64), P(Diag))
hc_register_revocations = _decl("hc_register_revocations", hc_err, c_void_p, c_int64, P(c_void_p), P(c_size_t),
                                P(RegisterRevocationsInfo))
hc_register_audit = _decl("hc_register_audit", hc_err, c_void_p, P(RegisterAuditOpts), P(RegisterAuditReport))
hc_register_stats_get = _decl("hc_register_stats_get", hc_err, c_void_p, ctypes.c_int, P(P(RegisterStats)))
hc_register_stats_free = _decl("hc_register_stats_free", None, P(RegisterStats))
hc_register_chart = _decl("hc_register_chart", hc_err, P(RegisterStats), ctypes.c_int, c_char_p)
hc_register_purge = _decl("hc_register_purge", hc_err, c_void_p, c_int64, P(RegisterAction),
                          P(ctypes.c_uint64), P(Diag))
HC_REGISTER_CREATE = 1
HC_REGISTER_READ_ONLY = 2

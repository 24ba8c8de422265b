"""unittest for the Python binding: the C tests' round trips and refusals, through Python.

Run by meson test (suite python) with HC_LIBRARY naming the library of the build,
HC_SOURCE_ROOT the source tree and HC_LAYOUT the layout program (tests/layout.c).
HC_PY_LOOP sets the length of the memory loop (default 100 000).
"""
import gc
import json
import os
import stat
import subprocess
import sys
import tempfile
import unittest

import healthcode as hc
from healthcode import _lib

ROOT = os.environ.get("HC_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", "..", ".."))
NOW = 1580868000  # 2020-02-05T10:00:00+08:00
ALGS = ("ES256", "EdDSA") + (("SM2",) if hc.alg_supported("SM2") else ())


def sample_record():
    with open(os.path.join(ROOT, "examples", "record.json"), encoding="utf-8") as f:
        return json.load(f)


# base45 (RFC 9285), the test's own: to forge a token whose signature is wrong
B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def b45decode(s):
    out = bytearray()
    for i in range(0, len(s), 3):
        v = sum(B45.index(c) * 45 ** k for k, c in enumerate(s[i:i + 3]))
        out += v.to_bytes(2 if len(s) - i >= 3 else 1, "big")
    return bytes(out)


def b45encode(b):
    out = []
    for i in range(0, len(b), 2):
        v, k = int.from_bytes(b[i:i + 2], "big"), 3 if i + 1 < len(b) else 2
        out += [B45[v // 45 ** j % 45] for j in range(k)]
    return "".join(out)


def flip_signature(token):
    """The token with one bit of its last byte (the end of the signature) changed."""
    cose = bytearray(b45decode(token[len("HCODE1:"):]))
    cose[-1] ^= 1
    return "HCODE1:" + b45encode(bytes(cose))


def rss_kib():
    """Resident memory now, from /proc/self/statm (pages)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


class Layout(unittest.TestCase):
    STRUCTS = {"hc_diag": _lib.Diag, "hc_claims": _lib.Claims, "hc_reason": _lib.Reason,
               "hc_assessment": _lib.Assessment, "hc_verify_opts": _lib.VerifyOpts,
               "hc_trust_key_opts": _lib.TrustKeyOpts, "hc_render_opts": _lib.RenderOpts,
               "hc_venue_rules": _lib.VenueRules, "hc_decision": _lib.Decision,
               "hc_batch_progress": _lib.BatchProgress, "hc_batch_opts": _lib.BatchOpts,
               "hc_batch_summary": _lib.BatchSummary}
    OPTIONAL = {"hc_sheet_opts": _lib.SheetOpts}     # a build with the sheets part
    if _lib.hc_register_open is not None:
        STRUCTS.update({"hc_register_code": _lib.RegisterCode, "hc_register_action": _lib.RegisterAction,
                        "hc_register_correction": _lib.RegisterCorrection,
                        "hc_register_revocations_info": _lib.RegisterRevocationsInfo,
                        "hc_register_audit_opts": _lib.RegisterAuditOpts,
                        "hc_register_audit_report": _lib.RegisterAuditReport,
                        "hc_stats_row": _lib.StatsRow, "hc_register_stats": _lib.RegisterStats})

    def test_ctypes_structures_match_the_headers(self):
        prog = os.environ.get("HC_LAYOUT")
        if not prog:
            self.skipTest("HC_LAYOUT (the layout program of tests/layout.c) not set")
        c = json.loads(subprocess.run([prog], check=True, capture_output=True, text=True).stdout)
        structs = dict(self.STRUCTS, **{k: v for k, v in self.OPTIONAL.items() if k in c})
        self.assertEqual(set(c) - {"enums"}, set(structs))
        for name, struct in structs.items():
            want = dict(c[name])
            size = want.pop("size")
            got = {f.rstrip("_"): getattr(struct, f).offset for f, _ in struct._fields_}
            self.assertEqual(got, want, f"field offsets of {name}")
            self.assertEqual(__import__("ctypes").sizeof(struct), size, f"size of {name}")
        for enum, size in c["enums"].items():
            self.assertEqual(size, 4 if enum != "bool" else 1, enum)


class KeysAndErrors(unittest.TestCase):
    def test_error_classes_are_named_after_hc_err_name(self):
        for cls, name, group in ((hc.BadSignatureError, "bad_signature", hc.TokenRejectedError),
                                 (hc.ExpiredError, "expired", hc.TokenRejectedError),
                                 (hc.UnknownKidError, "unknown_kid", hc.TokenRejectedError),
                                 (hc.RevokedError, "revoked", hc.TokenRejectedError),
                                 (hc.InvalidRecordError, "invalid_record", hc.InvalidInputError),
                                 (hc.KeyPermissionsError, "key_permissions", hc.InvalidInputError),
                                 (hc.InvalidArgumentError, "invalid_argument", hc.HealthCodeError)):
            self.assertTrue(issubclass(cls, group), cls)
            self.assertEqual(cls.__module__, "healthcode")
            try:
                raise cls(hc._CODES[name])
            except hc.HealthCodeError as e:
                self.assertEqual(e.name, name)
                self.assertTrue(str(e).startswith(name + ": "))
        self.assertFalse(issubclass(hc.InvalidArgumentError, hc.InvalidInputError))

    def test_keygen_save_load_0600(self):
        with tempfile.TemporaryDirectory() as d, hc.Key.generate("EdDSA") as key:
            priv, pub = os.path.join(d, "k.pem"), os.path.join(d, "p.pem")
            key.save_private(priv)
            key.save_public(pub)
            self.assertEqual(stat.S_IMODE(os.stat(priv).st_mode), 0o600)
            with hc.Key.load(priv) as again:
                self.assertEqual(again.kid, key.kid)
                self.assertTrue(again.is_private)
            os.chmod(priv, 0o644)
            with self.assertRaises(hc.KeyPermissionsError):
                hc.Key.load(priv)
            with hc.Key.load(pub) as p:
                self.assertFalse(p.is_private)
                self.assertEqual(p.alg, "EdDSA")
                self.assertEqual(p.public_pem, key.public_pem)
            with self.assertRaises(hc.IoError):
                hc.Key.load(os.path.join(d, "missing.pem"))

    def test_sm2_and_a_key_on_a_token(self):
        """SM2 round trip; a SoftHSM2 token (skipped without it): a key made on
        it signs tokens that its public half verifies, and is never exported."""
        self.assertEqual(hc.SM2, -65537)
        if hc.alg_supported("SM2"):
            with hc.Key.generate("sm2") as k:
                self.assertEqual(k.alg, "SM2")
        module = "/usr/lib/softhsm/libsofthsm2.so"
        if not os.path.exists(module) or subprocess.call(["sh", "-c", "command -v softhsm2-util"],
                                                         stdout=subprocess.DEVNULL) != 0:
            self.skipTest("SoftHSM2 is not installed")
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "softhsm2.conf"), "w") as f:
                f.write("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n" % d)
            env = dict(os.environ, SOFTHSM2_CONF=os.path.join(d, "softhsm2.conf"))
            os.environ["SOFTHSM2_CONF"] = env["SOFTHSM2_CONF"]
            subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "py", "--so-pin",
                            "87654321", "--pin", "123456"], env=env, check=True, stdout=subprocess.DEVNULL)
            pin = os.path.join(d, "pin")
            with open(os.open(pin, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
                f.write("123456")
            uri = "pkcs11:token=py;object=k1?module-path=%s&pin-source=file:%s" % (module, pin)
            with hc.Key.generate_on_token(uri, "EdDSA") as k, hc.Key.from_pkcs11(uri) as again, \
                    hc.Issuer("CN-330000", again) as issuer, hc.Trust() as trust:
                self.assertTrue(k.is_private)
                self.assertEqual(again.kid, k.kid)
                with self.assertRaises(hc.InvalidKeyError):
                    k.save_private(os.path.join(d, "never.pem"))
                self.assertFalse(os.path.exists(os.path.join(d, "never.pem")))
                trust.add_pem(k.public_pem)
                with hc.Record(sample_record()) as rec:
                    token = hc.issue(issuer, rec, hc.Assessment.of_colour("green"), now=NOW)
                self.assertEqual(hc.verify(trust, token, now=NOW).alg, "EdDSA")
            with self.assertRaises(hc.Pkcs11Error):
                hc.Key.from_pkcs11(uri.replace("token=py", "token=gone"))

    def test_bad_pem_and_algorithm(self):
        with self.assertRaises(hc.InvalidKeyError):
            hc.Key.from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n")
        with self.assertRaises(hc.InvalidArgumentError):
            hc.Key.generate("RS256")
        with hc.Key.generate("es256") as k:
            self.assertEqual(k.alg, "ES256")
            self.assertEqual(len(k.kid), 8)
            self.assertTrue(k.public_pem.startswith("-----BEGIN PUBLIC KEY-----"))

    def test_closed_handles(self):
        key = hc.Key.generate()
        key.close()
        key.close()
        with self.assertRaises(ValueError):
            key.kid
        with hc.Trust() as t:
            pass
        with self.assertRaises(ValueError):
            len(t)


class RoundTrip(unittest.TestCase):
    def setUp(self):
        self.policy = hc.Policy()
        self.record = hc.Record(sample_record())

    def tearDown(self):
        self.policy.close()
        self.record.close()

    def test_each_colour_and_algorithm(self):
        for alg in ALGS:
            with hc.Key.generate(alg) as key, hc.Issuer("CN-330000", key) as issuer, hc.Trust() as trust:
                trust.add_key(key)
                for colour in ("green", "yellow", "red"):
                    token = hc.issue(issuer, self.record, colour, now=NOW)
                    self.assertTrue(token.startswith("HCODE1:"))
                    c = hc.verify(trust, token, now=NOW + 60)
                    self.assertTrue(c.verified)
                    self.assertEqual(c.colour, colour)
                    self.assertEqual(c.iss, "CN-330000")
                    self.assertEqual((c.iat, c.exp), (NOW, NOW + 86400))
                    self.assertEqual(c.kid, key.kid)
                    self.assertEqual(c.alg, alg)
                    self.assertEqual(c.name, "张*")
                    self.assertEqual(c.document, "33**************30")
                    self.assertEqual(c.region, 330402)
                    self.assertIsNone(c.sub)

    def test_record_from_json_and_dict(self):
        text = json.dumps(sample_record(), ensure_ascii=False)
        for r in (hc.Record(text), hc.Record.from_json(text.encode()), hc.Record.from_dict(sample_record())):
            with r:
                self.assertEqual((r.id, r.id_type, r.name, r.residence),
                                 ("330402199001011230", "cn_resident", "张三", 330402))

    def test_assess_then_issue(self):
        a = hc.assess(self.policy, self.record, now=NOW)
        # the stay in Wuhan to 2020-01-21 holds red for 14 days: through 2020-02-03
        self.assertEqual(a.colour, "green")
        travel = [r for r in a.reasons if r.code == "high_risk_travel"]
        self.assertEqual(len(travel), 1)
        self.assertEqual((travel[0].field, travel[0].holds, travel[0].until_date),
                         ("travel[0].to", False, "2020-02-04"))
        earlier = sample_record()
        del earlier["declaration"], earlier["checkins"]      # dated after 2020-02-03
        with hc.Record(earlier) as r:
            self.assertEqual(hc.assess(self.policy, r, now=NOW - 2 * 86400).colour, "red")
        for r in a.reasons:
            self.assertTrue(r.en and r.zh and r.field)
        with hc.Key.generate() as key, hc.Issuer("CN-330000", key) as issuer:
            token = hc.issue(issuer, self.record, a, now=NOW)
            self.assertLessEqual(len(token), 260)
            self.assertEqual(hc.inspect(token).colour, a.colour)
            self.assertFalse(hc.inspect(token).verified)
            with self.assertRaises(hc.InvalidArgumentError):
                hc.issue(issuer, self.record, "purple", now=NOW)
            with self.assertRaises(hc.InvalidArgumentError):
                hc.issue(issuer, self.record, "green", now=NOW, validity=31 * 86400)

    def test_refusals_each_algorithm(self):
        for alg in ALGS:
            with self.subTest(alg=alg), hc.Key.generate(alg) as key, hc.Key.generate(alg) as other, \
                    hc.Issuer("CN-330000", key) as issuer, hc.Trust() as trust:
                trust.add_key(key)
                token = hc.issue(issuer, self.record, "green", now=NOW, validity=3600)
                self.assertTrue(hc.verify(trust, token, now=NOW - 300).verified)   # within the skew
                with self.assertRaises(hc.ExpiredError):
                    hc.verify(trust, token, now=NOW + 3600 + 300)
                with self.assertRaises(hc.NotYetValidError):
                    hc.verify(trust, token, now=NOW - 301)
                with self.assertRaises(hc.BadPrefixError):
                    hc.verify(trust, "HC1:" + token[7:], now=NOW)
                with self.assertRaises(hc.BadBase45Error):
                    hc.verify(trust, token + "a", now=NOW)
                with self.assertRaises(hc.BadBase45Error):
                    hc.verify(trust, token + "\0", now=NOW)     # not cut short at a NUL
                with self.assertRaises(hc.BadSignatureError):
                    hc.verify(trust, flip_signature(token), now=NOW)
                with hc.Revocations() as rev:
                    rev.add(hc.inspect(token).cti)
                    with self.assertRaises(hc.RevokedError):
                        hc.verify(trust, token, now=NOW, revoked=rev)
                with hc.Trust() as t2:
                    t2.add_pem(other.public_pem)
                    with self.assertRaises(hc.UnknownKidError) as cm:
                        hc.verify(t2, token, now=NOW)
                    self.assertIsInstance(cm.exception, hc.TokenRejectedError)
                with hc.Trust() as t3:
                    t3.add_key(key, iss="CN-110000")
                    with self.assertRaises(hc.IssuerMismatchError):
                        hc.verify(t3, token, now=NOW)
                with hc.Trust() as t4:
                    t4.add_key(key, not_before=NOW + 1)
                    with self.assertRaises(hc.KeyNotValidError):
                        hc.verify(t4, token, now=NOW)
                # 0 is 1970-01-01, never "no bound" (issue 12): a window
                # ending at the epoch trusts the key for nothing
                with hc.Trust() as t5:
                    t5.add_key(key, not_after=0)
                    with self.assertRaises(hc.KeyNotValidError):
                        hc.verify(t5, token, now=NOW)
                with hc.Trust() as t6:
                    with self.assertRaises(hc.InvalidArgumentError):
                        t6.add_key(key, not_before=0, not_after=0)

    def test_subject_revoked(self):
        with hc.Key.generate() as key, hc.Issuer("CN-330000", key, subject_secret=b"s" * 32) as issuer, \
                hc.Trust() as trust, hc.Revocations() as rev:
            trust.add_key(key)
            c = hc.verify(trust, hc.issue(issuer, self.record, "green", now=NOW), now=NOW)
            self.assertEqual(len(c.sub), 16)
            rev.add(c.sub)
            # a new token for the same person: its own cti, the same sub
            with self.assertRaises(hc.SubjectRevokedError):
                hc.verify(trust, hc.issue(issuer, self.record, "green", now=NOW), now=NOW, revoked=rev)

    def test_vectors(self):
        vdir = os.path.join(ROOT, "tests", "vectors")
        names = sorted(n for n in os.listdir(vdir) if n.endswith(".json"))
        self.assertGreaterEqual(len(names), 20)
        for name in names:
            with open(os.path.join(vdir, name), encoding="utf-8") as f:
                v = json.load(f)
            with self.subTest(vector=name), hc.Trust() as trust:
                trust.add_pem(v["public_key_pem"], iss=v.get("iss"))
                try:
                    hc.verify(trust, v["token"], now=v["now"], skew=v["skew"],
                              live_window=v.get("live_window", 60),
                              require_live=v.get("require_live", False))
                    got = "ok"
                except hc.HealthCodeError as e:
                    got = e.name
                self.assertEqual(got, v["error"])

    def test_record_error_names_the_field(self):
        bad = sample_record()
        bad["travel"] = [{"region": 420100, "from": "2020-01-21", "to": "2020-01-18"}]
        with self.assertRaises(hc.InvalidRecordError) as cm:
            hc.Record(bad)
        self.assertEqual(cm.exception.field, "travel[0].to")
        self.assertIsInstance(cm.exception, hc.InvalidInputError)
        bad = sample_record()
        bad["checkins"][1]["date"] = "2020-02-06"       # after the date of assessment
        with hc.Record(bad) as r, self.assertRaises(hc.InvalidRecordError) as cm:
            hc.assess(self.policy, r, now=NOW)
        self.assertEqual(cm.exception.field, "checkins[1].date")
        with self.assertRaises(hc.InvalidRecordError) as cm:
            hc.Record('{"id": "330402199001011230", "travle": []}')
        self.assertEqual(cm.exception.field, "travle")

    def test_policy_errors(self):
        with self.assertRaises(hc.InvalidPolicyError) as cm:
            hc.Policy(json_text='{"name": "x"}')
        self.assertTrue(cm.exception.field)
        with self.assertRaises(hc.InvalidRiskMapError) as cm:
            self.policy.set_risk_map_csv("region,level\n420000,high\n420100,purple\n")
        self.assertEqual(cm.exception.line, 3)
        with hc.Policy(os.path.join(ROOT, "examples", "policies", "zhejiang-2020.json")) as p:
            self.assertEqual(hc.assess(p, self.record, now=NOW).colour, "green")

    def test_render_and_scan(self):
        with hc.Key.generate() as key, hc.Issuer("CN-330000", key) as issuer:
            token = hc.issue(issuer, self.record, "yellow", now=NOW)
        png = hc.render_png(token)
        self.assertIsInstance(png, bytes)
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        self.assertTrue(hc.render_svg(token, scale=4).lstrip().startswith("<"))
        self.assertLessEqual(hc.qr_version(token), 9)
        with self.assertRaises(hc.InvalidArgumentError):
            hc.render_png(token, scale=0)
        with self.assertRaises(hc.InvalidArgumentError):
            hc.render_png(token, ecc="X")
        if _lib.hc_scan_png is not None:
            self.assertEqual(hc.scan_png(png), token)
            with self.assertRaises(hc.InvalidImageError):
                hc.scan_png(b"not a png")

    @unittest.skipIf(_lib.hc_scan_frame is None, "no frame scanning in this build")
    def test_scan_frame(self):
        # the sample token's modules (tests/frames/sample.modules), 4 px a module,
        # a quiet zone of 4, in a frame whose rows are longer than its width
        with open(os.path.join(ROOT, "tests", "frames", "sample.modules"), encoding="ascii") as f:
            rows = [r.strip() for r in f if r.strip()]
        with open(os.path.join(ROOT, "examples", "trust", "sample.token"), encoding="ascii") as f:
            token = f.read().strip()
        px, side = 4, len(rows) + 8
        width, stride = side * px, side * px + 24
        frame = bytearray(b"\xff" * (stride * side * px))
        for y, row in enumerate(rows):
            for x, m in enumerate(row):
                if m == "#":
                    for dy in range(px):
                        o = ((y + 4) * px + dy) * stride + (x + 4) * px
                        frame[o:o + px] = b"\x00" * px
        self.assertEqual(hc.scan_frame(frame, width, side * px, stride), token)
        with self.assertRaises(hc.NoCodeFoundError):
            hc.scan_frame(b"\xff" * (64 * 64), 64, 64)
        with self.assertRaises(hc.InvalidArgumentError):
            hc.scan_frame(b"\x00" * 10, 64, 64)

    @unittest.skipIf(not os.environ.get("HC_CLI"), "no healthcode command to make bundles")
    def test_bundle_store(self):
        cli = os.environ["HC_CLI"]
        with tempfile.TemporaryDirectory() as d, hc.Key.generate() as root, \
                hc.Key.generate() as key, hc.Issuer("CN-330000", key) as issuer:
            root.save_private(os.path.join(d, "root.pem"))
            key.save_public(os.path.join(d, "zj.pub.pem"))

            def make(seq, expires="7d"):
                out = os.path.join(d, f"b{seq}.cbor")
                subprocess.run([cli, "bundle", "make", "--root", os.path.join(d, "root.pem"),
                                "--trust", os.path.join(d, "zj.pub.pem"), "--issuer", "CN-330000",
                                "--seq", str(seq), "--now", str(NOW), "--expires", expires,
                                "--out", out], check=True, capture_output=True)
                return out

            b5, b4 = make(5), make(4)
            token = hc.issue(issuer, self.record, "green", now=NOW)
            with hc.Key.load(os.path.join(d, "root.pem")) as r, hc.BundleStore([r], d) as store:
                with self.assertRaises(hc.UnknownKidError):
                    store.verify(token, now=NOW)
                self.assertEqual(store.apply(b5, now=NOW), 5)
                self.assertEqual(store.verify(token, now=NOW).colour, "green")
                with self.assertRaises(hc.BundleRollbackError):
                    store.apply(b4, now=NOW)
                self.assertEqual(store.seq, 5)
                self.assertFalse(store.stale)
            # the state survives: a new store refuses the older bundle too
            with hc.BundleStore([root], d) as again:
                with self.assertRaises(hc.BundleRollbackError):
                    with open(b4, "rb") as f:
                        again.apply(f.read(), now=NOW)
                with self.assertRaises(hc.BundleExpiredError):
                    again.apply(make(6, "1d"), now=NOW + 2 * 86400)
                self.assertEqual(again.apply(make(7, "1d"), now=NOW + 2 * 86400, accept_stale=True), 7)
                self.assertTrue(again.stale)
            with hc.Key.generate() as other, hc.BundleStore([other]) as wrong:
                with self.assertRaises(hc.BundleWrongRootError):
                    wrong.apply(b5, now=NOW)

    @unittest.skipIf(not os.environ.get("HC_CLI"), "no healthcode command to make bundles")
    def test_bundle_store_behind_refuses(self):
        """Issue 25.2: full 5 trusts ZJ and EV, delta 6 revokes a cti and drops EV; a store
        that reloads full 5 without delta 6 refuses to verify, as the CLI does (exit 23)."""
        cli = os.environ["HC_CLI"]
        with tempfile.TemporaryDirectory() as d, hc.Key.generate() as root, \
                hc.Key.generate() as zj, hc.Key.generate() as ev, \
                hc.Issuer("CN-ZJ", zj) as izj, hc.Issuer("CN-EV", ev) as iev:
            root.save_private(os.path.join(d, "root.pem"))
            zj.save_public(os.path.join(d, "zj.pub.pem"))
            ev.save_public(os.path.join(d, "ev.pub.pem"))
            revoked = hc.issue(izj, self.record, "green", now=NOW)
            cti = hc.inspect(revoked).cti.hex()
            ev_token = hc.issue(iev, self.record, "green", now=NOW)
            state = os.path.join(d, "state")
            os.mkdir(state)

            def make(out, *args):
                subprocess.run([cli, "bundle", "make", "--root", os.path.join(d, "root.pem"),
                                "--trust", os.path.join(d, "zj.pub.pem"), "--issuer", "CN-ZJ",
                                "--now", str(NOW), "--expires", "7d", "--out",
                                os.path.join(d, out), *args], check=True, capture_output=True)
                return os.path.join(d, out)

            full = make("full.cbor", "--trust", os.path.join(d, "ev.pub.pem"), "--issuer", "CN-EV",
                        "--seq", "5")
            with open(os.path.join(d, "rev.txt"), "w") as f:
                f.write(cti + "\n")
            delta = make("delta.cbor", "--revoked", os.path.join(d, "rev.txt"), "--seq", "6",
                         "--delta-from", full)
            with hc.BundleStore([root], state) as store:
                store.apply(full, now=NOW)
                store.apply(delta, now=NOW)
                with self.assertRaises(hc.RevokedError):
                    store.verify(revoked, now=NOW)
                with self.assertRaises(hc.UnknownKidError):
                    store.verify(ev_token, now=NOW)
                store.apply(full, now=NOW)         # re-applied in the same process
                self.assertTrue(store.behind)
                for token in (revoked, ev_token):
                    with self.assertRaises(hc.BundleRollbackError) as e:
                        store.verify(token, now=NOW)
                    self.assertEqual(str(e.exception.message),
                                     "the state records seq 6, later than the bundles applied "
                                     "(seq 5): give the delta too")
            with hc.BundleStore([root], state) as again:   # a restart, the full bundle only
                again.apply(full, now=NOW)
                for token in (revoked, ev_token):
                    with self.assertRaises(hc.BundleRollbackError):
                        again.verify(token, now=NOW)
                again.apply(delta, now=NOW)
                self.assertFalse(again.behind)
                with self.assertRaises(hc.RevokedError):
                    again.verify(revoked, now=NOW)
            # the CLI says the same, with the same error
            r = subprocess.run([cli, "verify", "--root", os.path.join(d, "root.pem"), "--bundle", full,
                                "--state", state, "--now", str(NOW), revoked], capture_output=True,
                               text=True)
            self.assertEqual(r.returncode, 23)
            self.assertIn("the state records seq 6, later than the bundles applied (seq 5): "
                          "give the delta too (bundle_rollback)", r.stderr)

    @unittest.skipIf(not os.environ.get("HC_CLI"), "no healthcode command to make bundles")
    def test_bundle_store_venue(self):
        """Issue 22.5: venue rules signed into a bundle, taken by name."""
        cli = os.environ["HC_CLI"]
        with tempfile.TemporaryDirectory() as d, hc.Key.generate() as root, \
                hc.Key.generate() as key, hc.Issuer("CN-ZJ", key) as issuer:
            root.save_private(os.path.join(d, "root.pem"))
            key.save_public(os.path.join(d, "zj.pub.pem"))
            with open(os.path.join(d, "venues.json"), "w") as f:
                f.write('{"hospital": {"name": "Hospital", "max_age": "30m"}, '
                        '"mall": {"admit": ["green", "yellow"]}}')
            out = os.path.join(d, "b.cbor")
            subprocess.run([cli, "bundle", "make", "--root", os.path.join(d, "root.pem"), "--trust",
                            os.path.join(d, "zj.pub.pem"), "--issuer", "CN-ZJ", "--seq", "1", "--now",
                            str(NOW), "--expires", "7d", "--venues", os.path.join(d, "venues.json"),
                            "--out", out], check=True, capture_output=True)
            token = hc.issue(issuer, self.record, "yellow", now=NOW - 3600)
            with hc.BundleStore([root]) as store:
                self.assertFalse(store.rollback_protected)
                store.apply(out, now=NOW)
                self.assertEqual(store.venue_classes, ["mall", "hospital"])
                claims = store.verify(token, now=NOW)
                self.assertEqual(hc.decide(claims, store.venue("mall"), now=NOW).code, "admitted")
                self.assertEqual(hc.decide(claims, store.venue("hospital"), now=NOW).code, "colour")
                with self.assertRaises(hc.InvalidVenueError) as e:
                    store.venue("school")
                self.assertEqual(e.exception.message,
                                 "the bundle has no venue rule 'school' (it has: mall, hospital)")
            with hc.BundleStore([root], d) as kept:
                self.assertTrue(kept.rollback_protected)

    def test_venue_decision(self):
        with hc.Key.generate() as key, hc.Issuer("CN-330000", key) as issuer, hc.Trust() as trust:
            trust.add_key(key)
            c = hc.verify(trust, hc.issue(issuer, self.record, "green", now=NOW), now=NOW)
            venue = hc.Venue()
            d = hc.decide(c, venue, now=NOW)
            self.assertTrue(d.admit)
            self.assertEqual(d.code, "admitted")
            self.assertTrue(hc.decide(c, venue, now=NOW, temperature=37.2).admit)
            d = hc.decide(c, venue, now=NOW, temperature=37.3)
            self.assertFalse(d.admit)
            self.assertEqual(d.code, "fever")
            self.assertTrue(d.zh and d.en)
            y = hc.verify(trust, hc.issue(issuer, self.record, "yellow", now=NOW), now=NOW)
            d = hc.decide(y, venue, now=NOW)
            self.assertFalse(d.admit)
            self.assertEqual(d.code, "colour")
            clinic = hc.Venue.from_json('{"name": "clinic", "admit": ["green", "yellow"], "max_age": "5m"}')
            self.assertTrue(hc.decide(y, clinic, now=NOW + 60).admit)
            self.assertEqual(hc.decide(y, clinic, now=NOW + 600).code, "too_old")
            self.assertTrue(hc.decide(y, hc.Venue(admit=("green", "yellow")), now=NOW).admit)
            with self.assertRaises(hc.InvalidVenueError) as cm:
                hc.Venue.from_json('{"admit": ["purple"]}')
            self.assertTrue(cm.exception.field.startswith("admit"))
            # the constructor keeps the JSON rules' bounds: nothing dropped or cut silently
            for kw, says in (({"admit": ("green", "purple")}, "admit: 'purple' is not a colour"),
                             ({"max_age": -1}, "max_age -1"),
                             ({"max_age": 367 * 86400}, "max_age 31708800"),
                             ({"fever_c": 34.9}, "fever_c 34.9"),
                             ({"name": "浙" * 22}, "name: at most 63 bytes")):
                with self.subTest(**{k: str(v) for k, v in kw.items()}), \
                        self.assertRaises(hc.InvalidArgumentError) as cm:
                    hc.Venue(**kw)
                self.assertIn(says, str(cm.exception))
            edge = hc.Venue(name="浙" * 21, max_age=366 * 86400, fever_c=42)   # 63 bytes, a year, 42 °C
            self.assertTrue(hc.decide(c, edge, now=NOW, temperature=41.9).admit)
            self.assertEqual(hc.decide(c, edge, now=NOW, temperature=42).code, "fever")
            with self.assertRaises(hc.InvalidArgumentError):
                hc.decide(hc.inspect(hc.issue(issuer, self.record, "green", now=NOW)), venue, now=NOW)


class Live(unittest.TestCase):
    """Codes bound to the holder's phone and shown live (doc/format.md, "Holder binding"):
    a record's device_key, present() with a Key and with a signer callable (here the
    openssl command, as a phone's keystore would be: a key the library never sees),
    verify() of presentations, and the venue's live/unbound rules."""

    @staticmethod
    def spki_b64(key):
        """A record's device_key: base64 of the SPKI DER, i.e. the PEM body on one line."""
        return "".join(line for line in key.public_pem.splitlines() if not line.startswith("-----"))

    def setUp(self):
        self.issuer_key = hc.Key.generate()
        self.trust = hc.Trust()
        self.trust.add_key(self.issuer_key)
        self.issuer = hc.Issuer("CN-330000", self.issuer_key)

    def tearDown(self):
        for h in (self.issuer, self.trust, self.issuer_key):
            h.close()

    def bound_token(self, device):
        rec = sample_record()
        rec["device_key"] = self.spki_b64(device)
        with hc.Record(rec) as r:
            return hc.issue(self.issuer, r, "green", now=NOW)

    @unittest.skipIf(not os.environ.get("HC_CLI"), "no healthcode command to make bundles")
    def test_bundle_store_live(self):
        """A BundleStore verifies presentations as verify() does: live_window, require_live."""
        cli = os.environ["HC_CLI"]
        with tempfile.TemporaryDirectory() as d, hc.Key.generate() as root, hc.Key.generate() as dev:
            root.save_private(os.path.join(d, "root.pem"))
            self.issuer_key.save_public(os.path.join(d, "zj.pub.pem"))
            out = os.path.join(d, "b.cbor")
            subprocess.run([cli, "bundle", "make", "--root", os.path.join(d, "root.pem"), "--trust",
                            os.path.join(d, "zj.pub.pem"), "--issuer", "CN-330000", "--seq", "1",
                            "--now", str(NOW), "--expires", "7d", "--out", out],
                           check=True, capture_output=True)
            tok = self.bound_token(dev)
            pres = hc.present(tok, dev, now=NOW + 10)
            with hc.BundleStore([root]) as store:
                store.apply(out, now=NOW)
                c = store.verify(pres, now=NOW + 30, require_live=True)
                self.assertTrue(c.live and c.bound)
                self.assertEqual(c.t, NOW + 10)
                with self.assertRaises(hc.StalePresentationError):
                    store.verify(pres, now=NOW + 110)
                self.assertTrue(store.verify(pres, now=NOW + 110, live_window=120).live)
                self.assertFalse(store.verify(tok, now=NOW).live)
                with self.assertRaises(hc.NotLiveError):
                    store.verify(tok, now=NOW, require_live=True)
                with self.assertRaises(hc.InvalidArgumentError):
                    store.verify(pres, now=NOW, live_window=0)

    def test_present_with_key(self):
        for alg in ALGS:
            with self.subTest(alg=alg), hc.Key.generate(alg) as dev:
                tok = self.bound_token(dev)
                plain = hc.verify(self.trust, tok, now=NOW)
                self.assertTrue(plain.bound)
                self.assertFalse(plain.live)
                self.assertIsNone(plain.t)
                self.assertEqual(plain.device_alg, alg)
                pres = hc.present(tok, dev, now=NOW + 10)
                self.assertTrue(pres.startswith("HCLIVE1:"))
                c = hc.verify(self.trust, pres, now=NOW + 30)
                self.assertTrue(c.live and c.bound)
                self.assertEqual(c.t, NOW + 10)
                self.assertEqual(c.colour, "green")
                self.assertTrue(hc.verify(self.trust, pres, now=NOW + 30, require_live=True).live)
                with self.assertRaises(hc.StalePresentationError):
                    hc.verify(self.trust, pres, now=NOW + 110)
                self.assertTrue(hc.verify(self.trust, pres, now=NOW + 110, live_window=120).live)
                with self.assertRaises(hc.NotLiveError):
                    hc.verify(self.trust, tok, now=NOW, require_live=True)
                with self.assertRaises(hc.InvalidArgumentError):
                    hc.verify(self.trust, pres, now=NOW, live_window=301)

    def test_present_refusals(self):
        with hc.Key.generate() as dev, hc.Key.generate() as other, hc.Key.generate("EdDSA") as ed:
            tok = self.bound_token(dev)
            with self.assertRaises(hc.InvalidKeyError):
                hc.present(tok, other, now=NOW)
            with self.assertRaises(hc.DeviceAlgorithmMismatchError):
                hc.present(tok, ed, now=NOW)
            paper = hc.issue(self.issuer, None, "green", now=NOW)
            with self.assertRaises(hc.UnboundTokenError):
                hc.present(paper, dev, now=NOW)
            with self.assertRaises(hc.InvalidArgumentError):
                hc.present(tok, lambda m: b"", now=NOW)        # a signer without its alg
            rec = sample_record()
            rec["device_key"] = "not base64"
            with self.assertRaises(hc.InvalidRecordError) as cm:
                hc.Record(rec)
            self.assertEqual(cm.exception.field, "device_key")

    def test_present_with_a_foreign_signer(self):
        """The device key lives outside the library (a keystore): the signer gets the
        message and returns r || s; openssl signs here, as a phone's keystore would."""
        with tempfile.TemporaryDirectory() as d, hc.Key.generate() as dev:
            path = os.path.join(d, "dev.pem")
            dev.save_private(path)
            tok = self.bound_token(dev)
            calls = []

            def der(msg):
                calls.append(msg)
                return subprocess.run(["openssl", "dgst", "-sha256", "-sign", path], input=msg,
                                      capture_output=True, check=True).stdout

            def raw(msg):
                sig = der(msg)   # SEQUENCE { INTEGER r, INTEGER s } -> r || s, 32 bytes each
                assert sig[0] == 0x30
                i, out = 2 if sig[1] < 0x80 else 3, b""
                for _ in range(2):
                    n = sig[i + 1]
                    out += int.from_bytes(sig[i + 2:i + 2 + n], "big").to_bytes(32, "big")
                    i += 2 + n
                return out

            pres = hc.present(tok, raw, alg="ES256", now=NOW)
            self.assertTrue(hc.verify(self.trust, pres, now=NOW).live)
            self.assertTrue(calls[0].startswith(b"\x84\x6aSignature1\x43\xa1\x01\x26\x40"))
            with self.assertRaises(hc.BadDeviceSignatureError):   # DER handed back as it is
                hc.present(tok, lambda m: der(m)[:64].ljust(64, b"\0"), alg="ES256", now=NOW)
            with self.assertRaises(ValueError):                   # the signer's own error
                hc.present(tok, lambda m: b"short", alg="ES256", now=NOW)

            def refuse(msg):
                raise PermissionError("the user cancelled")
            with self.assertRaises(PermissionError):
                hc.present(tok, refuse, alg="ES256", now=NOW)

    def test_hospital(self):
        with hc.Key.generate() as dev:
            tok = self.bound_token(dev)
            paper = hc.issue(self.issuer, None, "green", now=NOW)
            with open(os.path.join(ROOT, "examples", "venues", "hospital.json"), encoding="utf-8") as f:
                hospital = hc.Venue.from_json(f.read())
            self.assertEqual((hospital.live, hospital.unbound), ("required", "check_id"))
            live = hc.verify(self.trust, hc.present(tok, dev, now=NOW), now=NOW)
            self.assertEqual(hc.decide(live, hospital, now=NOW).code, "admitted")
            d = hc.decide(hc.verify(self.trust, tok, now=NOW), hospital, now=NOW)
            self.assertEqual((d.admit, d.code), (False, "not_live"))
            d = hc.decide(hc.verify(self.trust, paper, now=NOW), hospital, now=NOW)
            self.assertEqual((d.admit, d.code), (True, "check_id"))
            self.assertIn("ID document", d.en)
            strict = hc.Venue(live="required", unbound="refuse")
            self.assertEqual(hc.decide(hc.verify(self.trust, paper, now=NOW), strict, now=NOW).code, "unbound")
            with self.assertRaises(hc.InvalidArgumentError):
                hc.Venue(live="always")


@unittest.skipIf(_lib.hc_register_open is None, "the library was built without the register")
class RegisterTests(unittest.TestCase):
    """healthcode.Register: issue(register=), correct, revoke, revocations, audit, stats, purge."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "R.db")
        self.key = hc.Key.generate()
        self.issuer = hc.Issuer("CN-330000", self.key, subject_secret=b"s" * 32)
        self.policy = hc.Policy()
        wuhan = sample_record()
        del wuhan["declaration"], wuhan["checkins"]   # dated after the day of the red code
        self.wuhan = hc.Record(wuhan)
        del wuhan["travel"]
        self.fixed = hc.Record(wuhan)
        self.other = hc.Record(dict(wuhan, id="330102198503154564"))
        self.then = NOW - 10 * 86400                  # 2020-01-26: the stay in Wuhan holds red

    def tearDown(self):
        for h in (self.other, self.fixed, self.wuhan, self.policy, self.issuer, self.key):
            h.close()
        self.dir.cleanup()

    def red_code(self, reg):
        a = hc.assess(self.policy, self.wuhan, self.then)
        self.assertEqual(a.colour, "red")
        return hc.issue(self.issuer, self.wuhan, a, self.then, register=reg)

    def test_correct_then_refused_at_a_checkpoint(self):
        with hc.Register(self.path, key=self.key) as reg, hc.Trust() as trust:
            token = self.red_code(reg)
            old = hc.inspect(token).cti.hex()
            code = reg.lookup(old)
            self.assertEqual((code.colour, code.region, code.doc, code.revoked), ("red", 330402,
                                                                                 "33**************30", False))
            self.assertEqual(len(code.sub), 32)
            fix = reg.correct(old, self.issuer, self.fixed, reason="the trip was not taken", operator="op-1",
                              evidence="case 7", now=self.then + 3600)
            self.assertEqual((fix.old_cti, fix.old_colour, fix.new_colour), (old, "red", "green"))
            self.assertEqual(fix.new_cti, hc.inspect(fix.token).cti.hex())
            self.assertTrue(reg.lookup(old).revoked)
            rev = hc.Revocations()
            rev.add_text(reg.revocations())
            trust.add_key(self.key)
            with self.assertRaises(hc.RevokedError):
                hc.verify(trust, token, now=self.then + 7200, revoked=rev)
            self.assertEqual(hc.verify(trust, fix.token, now=self.then + 7200, revoked=rev).colour, "green")
            rev.close()
            report = reg.audit([self.key])
            self.assertEqual((report.events, report.heads), (4, 2))
            self.assertEqual(reg.audit([self.key], head=report.head).events, 4)

    def test_refusals_write_nothing(self):
        with hc.Register(self.path, key=self.key) as reg:
            old = hc.inspect(self.red_code(reg)).cti.hex()
            with self.assertRaises(hc.SubjectMismatchError):
                reg.correct(old, self.issuer, self.other, reason="r", operator="op", now=self.then)
            with self.assertRaises(hc.UnknownCodeError):
                reg.correct("00" * 8, self.issuer, self.fixed, reason="r", operator="op", now=self.then)
            with self.assertRaises(hc.InvalidArgumentError):
                reg.correct(old, self.issuer, self.fixed, reason="", operator="op", now=self.then)
            self.assertEqual(reg.audit([self.key]).events, 1)
            self.assertEqual(reg.revoke(old, reason="stolen phone", operator="op-2", now=self.then), 2)
            with self.assertRaises(hc.AlreadyRevokedError):
                reg.revoke(old, reason="again", operator="op-2", now=self.then)
            self.assertEqual(reg.revocations(since=2), reg.revocations(since=2))
            self.assertEqual(reg.last_revocation_seq, 2)
            self.assertNotIn(old, reg.revocations(since=2).split("\n"))

    def test_audit_names_the_row_changed_by_hand(self):
        import sqlite3
        with hc.Register(self.path, key=self.key) as reg:
            for _ in range(3):
                self.red_code(reg)
        db = sqlite3.connect(self.path)
        db.execute("UPDATE codes SET colour='green' WHERE seq=2")
        db.commit()
        db.close()
        with hc.Register(self.path, read_only=True) as reg:
            with self.assertRaises(hc.AuditFailedError) as e:
                reg.audit([self.key])
            self.assertEqual(e.exception.bad_seq, 2)
            self.assertIn("codes seq 2", e.exception.where)

    def test_stats_chart_purge(self):
        with hc.Register(self.path, key=self.key) as reg:
            self.red_code(reg)
            a = hc.assess(self.policy, self.fixed, self.then)
            hc.issue(self.issuer, self.fixed, a, self.then + 86400, register=reg)
            st = reg.stats("day")
            self.assertEqual(st.issued, {"green": 1, "yellow": 0, "red": 1})
            self.assertEqual([k for k, _ in st.rows], ["2020-01-26", "2020-01-27"])
            self.assertAlmostEqual(st.green_share, 0.5)
            self.assertEqual(reg.stats("prefecture").rows, [(330400, {"green": 1, "yellow": 0, "red": 1})])
            svg = os.path.join(self.dir.name, "day.svg")
            reg.chart(svg)
            with open(svg, "rb") as f:
                self.assertIn(b"<svg", f.read(4096))
            self.assertEqual(reg.purge(self.then + 3 * 86400, operator="dpo", now=self.then + 4 * 86400), 2)
            self.assertEqual(reg.stats("day").issued, st.issued)
            self.assertEqual(reg.audit([self.key]).events, 3)
            with self.assertRaises(hc.InvalidArgumentError):
                reg.stats("county")

    def test_not_a_register(self):
        bad = os.path.join(self.dir.name, "text.db")
        with open(bad, "w") as f:
            f.write("not a database, only some words to fill the first page\n")
        with self.assertRaises(hc.BadRegisterError):
            hc.Register(bad)
        with self.assertRaises(hc.IoError):
            hc.Register(os.path.join(self.dir.name, "missing.db"), read_only=True)


class Package(unittest.TestCase):
    """What a user of the installed package sees: docstrings, the library it
    loaded, the message when there is none, python3 -m healthcode."""

    def test_every_public_name_has_a_docstring(self):
        import inspect as pyinspect
        missing = []
        for name in hc.__all__:
            obj = getattr(hc, name)
            if not (pyinspect.isclass(obj) or pyinspect.isfunction(obj)):
                continue
            if not (obj.__doc__ or "").strip():
                missing.append(name)
            if pyinspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    fn = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
                    if callable(fn) and not (fn.__doc__ or "").strip():
                        missing.append(f"{name}.{attr}")
        self.assertEqual(missing, [])

    def test_type_hints_are_shipped(self):
        pkg = os.path.dirname(hc.__file__)
        self.assertTrue(os.path.isfile(os.path.join(pkg, "py.typed")))
        import typing
        self.assertEqual(typing.get_type_hints(hc.verify)["return"], hc.Claims)
        self.assertEqual(typing.get_type_hints(hc.Key.generate)["return"], hc.Key)

    def test_library_path_is_the_one_loaded(self):
        want = os.environ.get("HC_LIBRARY")
        if not want:
            self.skipTest("HC_LIBRARY not set: the library came from elsewhere")
        self.assertEqual(os.path.realpath(hc.library_path()), os.path.realpath(want))

    def run_py(self, args, env=None, **kw):
        e = dict(os.environ)
        e.update(env or {})
        return subprocess.run([sys.executable] + args, capture_output=True, text=True, env=e, timeout=60, **kw)

    def test_no_library_says_which_variable_to_set(self):
        r = self.run_py(["-c", "import healthcode"], {"HC_LIBRARY": "/nonexistent/libhealthcode.so.1"})
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ImportError: healthcode: cannot load the C library libhealthcode; "
                      "tried /nonexistent/libhealthcode.so.1 (HC_LIBRARY): no such file", r.stderr)
        self.assertIn("set HC_LIBRARY to the path of libhealthcode.so.1", r.stderr)

    def test_main(self):
        r = self.run_py(["-m", "healthcode", "--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("usage: python3 -m healthcode", r.stdout)
        r = self.run_py(["-m", "healthcode"])
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], f"healthcode {hc.__version__} (Python package in {os.path.dirname(hc.__file__)})")
        self.assertEqual(lines[1], f"libhealthcode {hc.version()} loaded from {hc.library_path()}")
        self.assertEqual(lines[2], "parts: verify, issuer, render, scan" if hc._lib.hc_scan_png else
                         "parts: verify, issuer, render")
        with open(os.path.join(ROOT, "examples", "trust", "sample.token")) as f:
            token = f.read().strip()
        with open(os.path.join(ROOT, "examples", "trust", "sample.now")) as f:
            now = f.read().strip()
        r = self.run_py(["-m", "healthcode", "inspect", "-"], input=token + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        c = json.loads(r.stdout)
        self.assertEqual((c["verified"], c["iss"], c["colour"], c["alg"]), (False, "CN-330000", "green", "ES256"))
        trust = os.path.join(ROOT, "examples", "trust", "keys")
        r = self.run_py(["-m", "healthcode", "verify", "--trust", trust, "--now", now, token])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(json.loads(r.stdout)["verified"])
        r = self.run_py(["-m", "healthcode", "verify", "--trust", trust, "--now", str(int(now) + 40 * 86400), token])
        self.assertEqual((r.returncode, r.stderr), (1, "rejected: expired: the token has expired\n"))


class NoLeaks(unittest.TestCase):
    def test_100000_issue_verify_calls_flat_memory(self):
        if os.environ.get("HC_PY_SANITIZED"):
            self.skipTest("RSS is not a leak measure under ASan's allocator (the plain build runs this)")
        n = int(os.environ.get("HC_PY_LOOP", "100000"))
        text = json.dumps(sample_record(), ensure_ascii=False)
        with hc.Key.generate("EdDSA") as ed, hc.Key.generate("ES256") as es, \
                hc.Issuer("CN-330000", ed) as ed_issuer, hc.Issuer("CN-330000", es) as es_issuer, \
                hc.Trust() as trust, hc.Record(text) as record:
            trust.add_key(ed)
            trust.add_key(es)

            def run(k):
                for i in range(k):
                    t = hc.issue(es_issuer if i % 2 else ed_issuer, record, "green", now=NOW)
                    hc.verify(trust, t, now=NOW)
                    with hc.Record(text):
                        pass
            run(min(2000, n))                       # warm-up: caches, free lists, arenas
            gc.collect()
            before = rss_kib()
            run(n)
            gc.collect()
            after = rss_kib()
        print(f"\nRSS before {before} KiB, after {after} KiB ({after - before:+d} KiB) over {n} "
              "issue+verify+parse calls", file=sys.stderr)
        # a leak of 48 bytes a call would add 4.7 MiB over 100 000 calls
        self.assertLess(after - before, 4096, f"RSS grew {after - before} KiB over {n} calls")


if __name__ == "__main__":
    unittest.main()

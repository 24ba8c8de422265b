"""Keys and file names in the Python binding (issues 25 and 26): every path
argument refuses an embedded NUL byte; a missing key file is a
FileNotFoundError naming it; save_private never replaces a file unless told
to; a public key given as the signing key says so; encrypted PEM keys take
their password; a PKCS#11 PIN file that is a FIFO is refused at once.

Run by `meson test python-keys` (HC_LIBRARY names the library of the build)."""
import os
import signal
import stat
import subprocess
import tempfile
import unittest

import healthcode as hc

SRC = os.environ.get("HC_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", "..", ".."))
KEYS = os.path.join(SRC, "tests", "keys")


def key_text(name):
    with open(os.path.join(KEYS, name)) as f:
        return f.read()


class Paths(unittest.TestCase):
    def test_an_embedded_nul_is_a_value_error_everywhere(self):
        """C would read "k.pem\\0x" as "k.pem": every path argument refuses it,
        as open() does, before anything is read or written."""
        with tempfile.TemporaryDirectory() as d, hc.Key.generate() as key:
            good = os.path.join(d, "k.pem")
            key.save_private(good)
            bad = good + "\0x"
            calls = {
                "Key.load": lambda: hc.Key.load(bad),
                "Key.load bytes": lambda: hc.Key.load(os.fsencode(bad)),
                "Key.save_private": lambda: key.save_private(os.path.join(d, "n.pem\0x")),
                "Key.save_public": lambda: key.save_public(os.path.join(d, "n.pem\0x")),
                "Key.from_pkcs11": lambda: hc.Key.from_pkcs11("pkcs11:object=k\0x"),
                "Policy": lambda: hc.Policy(os.path.join(d, "p.json\0x")),
                "Policy.load_risk_map": lambda: hc.Policy().load_risk_map(os.path.join(d, "m.csv\0x")),
                "Trust.add_path": lambda: hc.Trust().add_path(bad),
                "Revocations": lambda: hc.Revocations(os.path.join(d, "r.txt\0x")),
                "BundleStore state_dir": lambda: hc.BundleStore([key], state_dir=d + "\0x"),
                "BundleStore.apply": lambda: hc.BundleStore([key]).apply(os.path.join(d, "b.cbor\0x")),
            }
            for what, call in calls.items():
                with self.subTest(what):
                    with self.assertRaises(ValueError):
                        call()
            self.assertEqual(sorted(os.listdir(d)), ["k.pem"])   # nothing written under a cut name

    def test_a_path_like_object_is_a_path(self):
        import pathlib
        with tempfile.TemporaryDirectory() as d, hc.Key.generate("EdDSA") as key:
            p = pathlib.Path(d) / "k.pem"
            key.save_private(p)
            with hc.Key.load(p) as back:
                self.assertEqual(back.kid, key.kid)


class KeyFiles(unittest.TestCase):
    def test_a_missing_key_file_is_file_not_found_naming_it(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "missing.pem")
            with self.assertRaises(FileNotFoundError) as cm:
                hc.Key.load(path)
            e = cm.exception
            self.assertIsInstance(e, hc.IoError)
            self.assertIsInstance(e, hc.HealthCodeError)
            self.assertEqual(e.filename, path)
            self.assertEqual(e.name, "io_error")
            self.assertIn(path, str(e))
            # a directory is not a key file either: an OSError naming it
            with self.assertRaises(OSError) as cm:
                hc.Key.load(d)
            self.assertEqual(cm.exception.filename, d)
            self.assertIn("not a regular file", str(cm.exception))

    def test_save_private_never_replaces_unless_told(self):
        with tempfile.TemporaryDirectory() as d, hc.Key.generate() as key, hc.Key.generate() as other:
            path = os.path.join(d, "issuer.pem")
            with open(path, "w") as f:
                f.write("another issuer's signing key\n")
            with self.assertRaises(FileExistsError) as cm:
                key.save_private(path)
            self.assertIsInstance(cm.exception, hc.IoError)
            self.assertEqual(cm.exception.filename, path)
            with open(path) as f:
                self.assertEqual(f.read(), "another issuer's signing key\n")
            self.assertEqual(os.listdir(d), ["issuer.pem"])   # no temporary file left
            key.save_private(path, overwrite=True)
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
            with hc.Key.load(path) as back:
                self.assertEqual(back.kid, key.kid)
            # a dangling link counts as a file there too
            link = os.path.join(d, "link.pem")
            os.symlink(os.path.join(d, "nowhere"), link)
            with self.assertRaises(FileExistsError):
                other.save_private(link)
            self.assertFalse(os.path.exists(os.path.join(d, "nowhere")))
            # a FIFO is never replaced, even with overwrite=True
            fifo = os.path.join(d, "fifo")
            os.mkfifo(fifo)
            with self.assertRaises(OSError):
                other.save_private(fifo, overwrite=True)
            self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode))

    def test_a_public_key_as_the_signing_key_says_so(self):
        with hc.Key.from_pem(key_text("es256.pub.pem")) as pub:
            with self.assertRaises(hc.InvalidKeyError) as cm:
                hc.Issuer("CN-330000", pub)
            self.assertIn("this is a public key; signing needs the private key", str(cm.exception))

    def test_encrypted_keys_take_their_password(self):
        enc = key_text("encrypted.pem")   # PKCS#8, password "healthcode"
        for password in (None, "wrong", b"healthcod"):
            with self.subTest(password=password):
                with self.assertRaises(hc.KeyEncryptedError) as cm:
                    hc.Key.from_pem(enc, password=password)
                self.assertIsInstance(cm.exception, hc.InvalidKeyError)
        for password in ("healthcode", b"healthcode", bytearray(b"healthcode")):
            with hc.Key.from_pem(enc, password=password) as k:
                self.assertTrue(k.is_private)
                self.assertEqual(k.alg, "ES256")
        with self.assertRaises(ValueError):
            hc.Key.from_pem(enc, password="x" * 1024)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "enc.pem")
            with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
                f.write(enc)
            with self.assertRaises(hc.KeyEncryptedError):
                hc.Key.load(path)
            with hc.Key.load(path, password="healthcode") as k, hc.Issuer("CN-330000", k) as issuer, \
                    hc.Trust() as trust:
                token = hc.issue(issuer, None, "green", now=1580868000)
                trust.add_pem(k.public_pem)
                self.assertEqual(hc.verify(trust, token, now=1580868000).colour, "green")


class Pkcs11(unittest.TestCase):
    MODULE = "/usr/lib/softhsm/libsofthsm2.so"

    def setUp(self):
        if not os.path.exists(self.MODULE) or subprocess.call(
                ["sh", "-c", "command -v softhsm2-util"], stdout=subprocess.DEVNULL) != 0:
            self.skipTest("SoftHSM2 is not installed")
        self.dir = tempfile.TemporaryDirectory()
        d = self.dir.name
        with open(os.path.join(d, "softhsm2.conf"), "w") as f:
            f.write("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n" % d)
        self.old_conf = os.environ.get("SOFTHSM2_CONF")
        os.environ["SOFTHSM2_CONF"] = os.path.join(d, "softhsm2.conf")
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "keys", "--so-pin",
                        "87654321", "--pin", "123456"], check=True, stdout=subprocess.DEVNULL)
        self.pin = os.path.join(d, "pin")
        with open(os.open(self.pin, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write("123456\n")

    def tearDown(self):
        if self.old_conf is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = self.old_conf
        self.dir.cleanup()

    def uri(self, pin, token="keys"):
        return "pkcs11:token=%s;object=k?module-path=%s&pin-source=file:%s" % (token, self.MODULE, pin)

    def test_a_pin_file_that_is_a_fifo_is_refused_at_once(self):
        fifo = os.path.join(self.dir.name, "fifo")
        os.mkfifo(fifo, 0o600)

        def blocked(*_):
            raise AssertionError("Key.from_pkcs11 blocked on a FIFO for 10 s")
        old = signal.signal(signal.SIGALRM, blocked)
        signal.alarm(10)
        try:
            with self.assertRaises(hc.IoError):
                hc.Key.from_pkcs11(self.uri(fifo))
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)

    def test_each_cause_its_error_all_of_them_pkcs11_errors(self):
        with hc.Key.generate_on_token(self.uri(self.pin)):
            pass
        wrong = os.path.join(self.dir.name, "wrong")
        with open(os.open(wrong, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write("654321\n")
        cases = [(self.uri(wrong), hc.Pkcs11PinError),
                 (self.uri(self.pin, token="nope"), hc.Pkcs11NoTokenError),
                 (self.uri(self.pin).replace(self.MODULE, "/nonexistent/module.so"), hc.Pkcs11ModuleError)]
        for uri, cls in cases:
            with self.subTest(cls=cls.__name__):
                with self.assertRaises(cls) as cm:
                    hc.Key.from_pkcs11(uri)
                self.assertIsInstance(cm.exception, hc.Pkcs11Error)


if __name__ == "__main__":
    unittest.main()

#!/bin/bash
# make-live.sh HEALTHCODE — writes tests/frames/live-a.modules and live-b.modules:
# two live presentations (t = sample.now + 5 and + 10) of one green token that
# CN-330000 (tests/keys/es256.pem) bound to tests/keys/device-es256.pem at
# examples/trust/sample.now, valid 7 days. The same cti in two different texts:
# what a phone held to a scanner shows as it remakes its presentation
# (tests/scanner.sh). The modules are libqrencode's, alphanumeric mode, ECC M,
# as libhealthcode draws them, one row a line, '#' dark. Run once, from a full
# build; the files are kept in the repository for the scanner's own builds.
set -euo pipefail
hc=$(realpath "$1")
cd "$(dirname "$0")/../.."
now=$(cat examples/trust/sample.now)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
install -m 600 tests/keys/es256.pem tests/keys/device-es256.pem "$tmp/"
tok=$("$hc" issue --key "$tmp/es256.pem" --issuer CN-330000 --now "$now" --validity 7d \
      --device-pub tests/keys/device-es256.pub.pem examples/record.json | head -n 1)
for x in a:5 b:10; do
    "$hc" present --device-key "$tmp/device-es256.pem" --now $((now + ${x#*:})) "$tok" > "$tmp/${x%%:*}.txt"
done
python3 - "$tmp" <<'PY'
import ctypes, sys
q = ctypes.CDLL("libqrencode.so.4")
class QRcode(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int), ("width", ctypes.c_int), ("data", ctypes.POINTER(ctypes.c_ubyte))]
q.QRinput_new2.restype = ctypes.c_void_p
q.QRinput_new2.argtypes = [ctypes.c_int, ctypes.c_int]
q.QRinput_append.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_char_p]
q.QRcode_encodeInput.restype = ctypes.POINTER(QRcode)
q.QRcode_encodeInput.argtypes = [ctypes.c_void_p]
for name in ("a", "b"):
    text = open(f"{sys.argv[1]}/{name}.txt", "rb").read().strip()
    inp = q.QRinput_new2(0, 1)                      # the smallest version, ECC M
    assert q.QRinput_append(inp, 1, len(text), text) == 0   # QR_MODE_AN
    code = q.QRcode_encodeInput(inp).contents
    w = code.width
    rows = ["".join("#" if code.data[r * w + c] & 1 else "." for c in range(w)) for r in range(w)]
    open(f"tests/frames/live-{name}.modules", "w").write("\n".join(rows) + "\n")
    print(f"live-{name}.modules: version {code.version}, {w} modules, {len(text)} characters")
PY

#!/usr/bin/env bash
# live_interop.sh HEALTHCODE BUILDDIR — live presentations against an independent
# implementation, both ways (issue 22: "presentations made with any other COSE
# toolkit from the spec verify, and ours verify there"). tests/live_interop/live.js
# is written from doc/format.md alone with node-cbor, Node's crypto and sm-crypto
# (npm, pinned by the committed tests/live_interop/package-lock.json, installed into
# BUILDDIR/live_interop by `npm ci`; the registry must be reachable the first time).
#  - it verifies every presentation vector and reaches the step each names;
#  - for P-256, Ed25519 and SM2 device keys: presentations the healthcode command
#    makes are live there, stale there 100 s later, refused there with a bit of the
#    device signature flipped; presentations it makes are live here, stale here
#    (exit 34), refused here when tampered (33), and of an unbound token (31).
# Skipped, saying so, only when node or npm is absent; an install failure fails.
set -euo pipefail
hc=${1:?usage: live_interop.sh PATH/TO/healthcode BUILDDIR}
BUILD=${2:?usage: live_interop.sh PATH/TO/healthcode BUILDDIR}
src=${HC_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "SKIP: node and npm are needed for the independent implementation (apt-get install nodejs npm)"
    exit 77
fi
. "$src/tests/lib.sh"   # $tmp, ok/bad, run, expect, is, jf, finish
D="$BUILD/live_interop"
mkdir -p "$D"
cp "$src/tests/live_interop/package.json" "$src/tests/live_interop/package-lock.json" \
   "$src/tests/live_interop/live.js" "$D/"
if [ ! -f "$D/node_modules/cbor/package.json" ] ||
   ! cmp -s "$src/tests/live_interop/package-lock.json" "$D/node_modules/.package-lock.json.ours"; then
    (cd "$D" && npm ci --no-audit --no-fund --loglevel=error) || { echo "FAIL: npm ci"; exit 1; }
    cp "$src/tests/live_interop/package-lock.json" "$D/node_modules/.package-lock.json.ours"
fi
js() { node "$D/live.js" "$@"; }
cd "$tmp"
iat=1580868000
for k in es256 device-es256 device-ed25519 device-sm2 es256-b; do
    install -m 600 "$src/tests/keys/$k.pem" "$k.pem"
    cp "$src/tests/keys/$k.pub.pem" . 2>/dev/null || true
done

run js vectors "$src/tests/vectors"
if [ "$rc" = 0 ]; then ok; else bad "the independent verifier and the vectors disagree"; cat "$tmp/out"; fi

flip() {   # the presentation with one bit of its device signature (the last byte) flipped
    python3 - "$1" <<'PY'
import sys
A = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
t = sys.argv[1][8:]
v = [A.index(c) for c in t]
b = bytearray()
for i in range(0, len(v), 3):
    g = v[i:i + 3]
    n = sum(x * 45 ** k for k, x in enumerate(g))
    b += bytes([n >> 8, n & 255]) if len(g) == 3 else bytes([n])
b[-1] ^= 1
out = []
for i in range(0, len(b), 2):
    n, k = int.from_bytes(b[i:i + 2], "big"), 3 if i + 1 < len(b) else 2
    out += [A[n // 45 ** j % 45] for j in range(k)]
print("HCLIVE1:" + "".join(out))
PY
}

for pair in ES256:device-es256 EdDSA:device-ed25519 SM2:device-sm2; do
    alg=${pair%%:*} key=${pair#*:}
    tok=$("$hc" issue --key es256.pem --issuer CN-330000 --now $iat --device-pub $key.pub.pem \
          "$src/examples/record.json")
    # ours, verified there
    ours=$("$hc" present --device-key $key.pem --now $((iat + 10)) "$tok")
    is "$alg: ours is live there" "$(js verify es256.pub.pem $((iat + 30)) "$ours")" live
    is "$alg: ours is stale there 100 s later" "$(js verify es256.pub.pem $((iat + 110)) "$ours")" P5
    is "$alg: ours tampered is refused there" "$(js verify es256.pub.pem $((iat + 30)) "$(flip "$ours")")" P4
    # theirs, verified here
    theirs=$(js present $key.pem $alg $((iat + 10)) "$tok")
    expect 0 "$alg: theirs verifies here" "$hc" verify --trust es256.pub.pem --now $((iat + 30)) "$theirs"
    is "$alg: theirs is live here" "$(jf live)" true
    is "$alg: theirs has its t" "$(jf t)" $((iat + 10))
    expect 34 "$alg: theirs is stale here 100 s later" "$hc" verify --trust es256.pub.pem \
        --now $((iat + 110)) "$theirs"
    expect 33 "$alg: theirs tampered is refused here" "$hc" verify --trust es256.pub.pem \
        --now $((iat + 30)) "$(flip "$theirs")"
    is "$alg: and there" "$(js verify es256.pub.pem $((iat + 30)) "$(flip "$theirs")")" P4
done
# a token bound to nothing, presented by the other implementation: unbound here and there
paper=$("$hc" issue --key es256.pem --issuer CN-330000 --now $iat "$src/examples/record.json")
theirs=$(js present device-es256.pem ES256 $iat "$paper")
expect 31 "theirs of an unbound token: unbound_token here" "$hc" verify --trust es256.pub.pem --now $iat "$theirs"
is "and P3 there" "$(js verify es256.pub.pem $iat "$theirs")" P3
# another device's key: refused both ways alike
tok=$("$hc" issue --key es256.pem --issuer CN-330000 --now $iat --device-pub device-es256.pub.pem \
      "$src/examples/record.json")
theirs=$(js present es256-b.pem ES256 $iat "$tok")
expect 33 "theirs signed by another P-256 key: refused here" "$hc" verify --trust es256.pub.pem --now $iat "$theirs"
is "and there" "$(js verify es256.pub.pem $iat "$theirs")" P4
finish live_interop

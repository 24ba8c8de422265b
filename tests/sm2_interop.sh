#!/usr/bin/env bash
# sm2_interop.sh INTEROP BUILDDIR — our SM2 against an independent
# implementation, both ways (issue 13): sm-crypto (npm, MIT; pinned in
# tests/sm2/package.json) verifies every SM2 vector's signature and those of
# fresh tokens (and rejects tampered ones); it signs the vectors'
# Sig_structures and hc_verify accepts the tokens so made (and rejects them
# with one bit of r flipped).
# sm-crypto is installed into BUILDDIR/sm2 by `npm ci` from the committed lock
# file (the npm registry must be reachable the first time). Skipped, saying
# so, only when node or npm is absent; an install failure is a failure.
set -u
BIN=${1:?usage: sm2_interop.sh PATH/TO/sm2_interop BUILDDIR}
BUILD=${2:?usage: sm2_interop.sh PATH/TO/sm2_interop BUILDDIR}
SRC=${HC_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "SKIP: node and npm are needed for the sm-crypto cross-check (apt-get install nodejs npm)"
    exit 77
fi
fail() { echo "FAIL: $*"; exit 1; }
D="$BUILD/sm2"
mkdir -p "$D"
cp "$SRC/tests/sm2/package.json" "$SRC/tests/sm2/package-lock.json" "$SRC/tests/sm2/sm2.js" "$D/"
if [ ! -f "$D/node_modules/sm-crypto/package.json" ] ||
   ! cmp -s "$SRC/tests/sm2/package-lock.json" "$D/node_modules/.package-lock.json.ours"; then
    (cd "$D" && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci of sm-crypto failed"
    cp "$SRC/tests/sm2/package-lock.json" "$D/node_modules/.package-lock.json.ours"
fi
W=$(mktemp -d /tmp/hc_sm2.XXXXXX)
trap 'rm -rf "$W"' EXIT
"$BIN" export "$W/cases.json"
rc=$?
[ $rc = 77 ] && exit 77
[ $rc = 0 ] || fail "export"
node "$D/sm2.js" verify "$W/cases.json" || fail "sm-crypto disagrees with our signatures"
node "$D/sm2.js" sign "$W/cases.json" "$W/signed.json" || fail "sm-crypto could not sign"
"$BIN" import "$W/signed.json" || fail "hc_verify disagrees with sm-crypto's signatures"
echo "sm-crypto and libhealthcode agree on every SM2 case, both ways"

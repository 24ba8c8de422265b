#!/usr/bin/env bash
# Runs the CLI round trip — keygen, assess, issue, render (PNG, SVG), verify by
# text and by image, inspect; a live code (issue --device-pub, present, verify,
# check --seen, a stale refusal); the register (issue --register, audit) —
# under valgrind; any error or leak fails.
set -euo pipefail
hc=$1
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
vg() { valgrind -q --error-exitcode=99 --suppressions="$root/tests/valgrind.supp" --leak-check=full --errors-for-leak-kinds=definite,indirect "$@"; }
now=1580868000   # 2020-02-05T10:00:00+08:00
vg "$hc" keygen --out "$tmp/k.pem" --pub "$tmp/p.pem" >/dev/null
vg "$hc" assess --now $now "$root/examples/record.json" >/dev/null
tok=$(vg "$hc" issue --key "$tmp/k.pem" --issuer CN-330000 --now $now --png "$tmp/c.png" "$root/examples/record.json")
vg "$hc" render --svg "$tmp/c.svg" "$tok"
vg "$hc" verify --trust "$tmp/p.pem" --now $((now + 60)) "$tok" >/dev/null
if "$hc" verify --help | grep -q -- '--png'; then
    vg "$hc" verify --trust "$tmp/p.pem" --now $((now + 60)) --png "$tmp/c.png" >/dev/null
fi
vg "$hc" inspect "$tok" >/dev/null 2>&1
# a refusal path too: an unknown kid must exit 11, cleanly
vg "$hc" keygen --alg EdDSA --out "$tmp/k2.pem" --pub "$tmp/p2.pem" >/dev/null
set +e
vg "$hc" verify --trust "$tmp/p2.pem" --now $((now + 60)) "$tok" >/dev/null
rc=$?
set -e
[ "$rc" = 11 ] || { echo "valgrind run: expected exit 11 for an unknown kid, got $rc"; exit 1; }
# a live code: bound, presented, verified live, checked at a hospital with a
# repeat memory, and refused as stale (34) 100 s later
install -m 600 "$root/tests/keys/device-es256.pem" "$tmp/dev.pem"
bound=$(vg "$hc" issue --key "$tmp/k.pem" --issuer CN-330000 --now $now \
        --device-pub "$root/tests/keys/device-es256.pub.pem" "$root/examples/record.json")
pres=$(vg "$hc" present --device-key "$tmp/dev.pem" --now $((now + 10)) "$bound")
vg "$hc" verify --trust "$tmp/p.pem" --now $((now + 30)) --require-live "$pres" >/dev/null
vg "$hc" check --trust "$tmp/p.pem" --now $((now + 30)) --venue "$root/examples/venues/hospital.json" \
    --seen "$tmp/seen" "$pres" >/dev/null
set +e
vg "$hc" verify --trust "$tmp/p.pem" --now $((now + 110)) "$pres" >/dev/null
rc=$?
set -e
[ "$rc" = 34 ] || { echo "valgrind run: expected exit 34 for a stale presentation, got $rc"; exit 1; }
# the register: a code recorded, the audit chain checked against the signed heads
if "$hc" --help | grep -q '^  register'; then
    vg "$hc" issue --key "$tmp/k.pem" --issuer CN-330000 --now $now --register "$tmp/r.db" \
        "$root/examples/record.json" >/dev/null
    vg "$hc" register audit --register "$tmp/r.db" --pub "$tmp/p.pem" >/dev/null
fi
echo "valgrind: CLI round trip clean"

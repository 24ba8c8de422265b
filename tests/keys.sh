#!/usr/bin/env bash
# tests/keys.sh — key files at the command line (issues 25 and 26):
#   - an encrypted PEM key: refused as "encrypted" (exit 3) without
#     --key-pass or with a wrong one; loaded with --key-pass file:PATH (mode
#     0600 only, never a FIFO) or env:VAR by issue, batch and bundle make;
#     the passphrase is never printed;
#   - keygen never replaces an existing file without --force, and never
#     renames over a FIFO even with it; nor does issue --png.
#   usage: tests/keys.sh PATH/TO/healthcode        (meson test keys-cli)
set -euo pipefail
hc=$1
root=${HC_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/lib.sh"
rec="$root/examples/record.json"
python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))))' "$rec" >"$tmp/one.jsonl"
now=2020-02-10T08:00:00+08:00
PASS='correct horse battery staple'

"$hc" keygen --out "$tmp/plain.pem" --pub "$tmp/pub.pem" >/dev/null
openssl pkcs8 -topk8 -v2 aes-256-cbc -passout "pass:$PASS" -in "$tmp/plain.pem" -out "$tmp/enc.pem"
chmod 600 "$tmp/enc.pem"
printf '%s\n' "$PASS" >"$tmp/pass"
chmod 600 "$tmp/pass"
printf 'not it\n' >"$tmp/wrong"
chmod 600 "$tmp/wrong"

# --- issue: the key says it is encrypted; the right passphrase signs
expect 3 "an encrypted key without --key-pass" "$hc" issue --key "$tmp/enc.pem" --issuer CN-330000 --now $now "$rec"
says "the message says why" "the key is encrypted"
expect 3 "a wrong passphrase" "$hc" issue --key "$tmp/enc.pem" --key-pass "file:$tmp/wrong" --issuer CN-330000 --now $now "$rec"
says "a wrong passphrase says so" "or it is wrong"
expect 0 "--key-pass file:" "$hc" issue --key "$tmp/enc.pem" --key-pass "file:$tmp/pass" --issuer CN-330000 --now $now "$rec"
token=$(cat "$tmp/out")
expect 0 "the token verifies with the public key" "$hc" verify --trust "$tmp/pub.pem" --now $now "$token"
export HC_TEST_PASS="$PASS"
expect 0 "--key-pass env:" "$hc" issue --key "$tmp/enc.pem" --key-pass env:HC_TEST_PASS --issuer CN-330000 --now $now "$rec"
unset HC_TEST_PASS
expect 3 "--key-pass env: of an unset variable" "$hc" issue --key "$tmp/enc.pem" --key-pass env:HC_TEST_PASS --issuer CN-330000 --now $now "$rec"
expect 2 "--key-pass of another form" "$hc" issue --key "$tmp/enc.pem" --key-pass "$PASS" --issuer CN-330000 --now $now "$rec"
chmod 644 "$tmp/pass"
expect 3 "a passphrase file others may read" "$hc" issue --key "$tmp/enc.pem" --key-pass "file:$tmp/pass" --issuer CN-330000 --now $now "$rec"
says "the fix is named" "chmod 600"
chmod 600 "$tmp/pass"
mkfifo "$tmp/fifo"
expect 3 "a passphrase file that is a FIFO, refused at once" timeout 10 "$hc" issue --key "$tmp/enc.pem" --key-pass "file:$tmp/fifo" --issuer CN-330000 --now $now "$rec"
says "a FIFO is not a regular file" "not a regular file"
# an unencrypted key with --key-pass: the passphrase is simply not needed
expect 0 "--key-pass with a plain key" "$hc" issue --key "$tmp/plain.pem" --key-pass "file:$tmp/pass" --issuer CN-330000 --now $now "$rec"

# --- batch and bundle make take it too
expect 3 "batch: an encrypted key without --key-pass" "$hc" batch --key "$tmp/enc.pem" --issuer CN-330000 --now $now --in "$tmp/one.jsonl" --out "$tmp/b1" --quiet
expect 0 "batch --key-pass" "$hc" batch --key "$tmp/enc.pem" --key-pass "file:$tmp/pass" --issuer CN-330000 --now $now --in "$tmp/one.jsonl" --out "$tmp/b2" --quiet
is "batch issued the record" "$(wc -l <"$tmp/b2/tokens.jsonl")" 1
expect 3 "bundle make: an encrypted root without --key-pass" "$hc" bundle make --root "$tmp/enc.pem" --trust "$tmp/pub.pem" --issuer CN-330000 --seq 1 --expires 7d --now $now --out "$tmp/b.cbor"
says "bundle make says why" "the key is encrypted"
expect 0 "bundle make --key-pass" "$hc" bundle make --root "$tmp/enc.pem" --key-pass "file:$tmp/pass" --trust "$tmp/pub.pem" --issuer CN-330000 --seq 1 --expires 7d --now $now --out "$tmp/b.cbor"
expect 0 "the bundle verifies with the root's public half" "$hc" verify --root "$tmp/pub.pem" --bundle "$tmp/b.cbor" --now $now "$token"

# --- the passphrase is never printed, whatever happened
if grep -qF "$PASS" "$tmp/all-output"; then bad "the passphrase was printed"; else ok; fi

# --- keygen never loses a key: no replace without --force, never over a FIFO
printf 'an issuer key that must survive\n' >"$tmp/keep.pem"
expect 3 "keygen over an existing --out" "$hc" keygen --out "$tmp/keep.pem" --pub "$tmp/new.pub.pem"
says "keygen names the file" "keep.pem exists; not replacing it (use --force)"
is "the existing file is untouched" "$(cat "$tmp/keep.pem")" "an issuer key that must survive"
is "no public key was written either" "$(ls "$tmp/new.pub.pem" 2>/dev/null || true)" ""
mkfifo "$tmp/out.fifo"
expect 3 "keygen --force over a FIFO" "$hc" keygen --force --out "$tmp/out.fifo" --pub "$tmp/p2.pem"
says "a FIFO is not a regular file" "not a regular file"
if [ -p "$tmp/out.fifo" ]; then ok; else bad "the FIFO was replaced"; fi
# the CLI's other outputs too: a PNG is never renamed over a FIFO
mkfifo "$tmp/code.png"
expect 3 "issue --png over a FIFO" "$hc" issue --key "$tmp/plain.pem" --issuer CN-330000 --now $now --png "$tmp/code.png" "$rec"
if [ -p "$tmp/code.png" ]; then ok; else bad "issue --png replaced the FIFO"; fi
if ls "$tmp" | grep -q '\.tmp\.'; then bad "a temporary file was left"; else ok; fi

finish keys

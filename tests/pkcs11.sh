#!/usr/bin/env bash
# pkcs11.sh HEALTHCODE — signing keys inside a token (issue 13), through
# SoftHSM2 with a token of the test's own (SOFTHSM2_CONF in a temporary
# directory):
#   - keygen --pkcs11 makes ES256 and EdDSA pairs on the token and writes only
#     the public key; a second key of the same name is refused;
#   - issue with the pkcs11: URI; the token verifies with the public key,
#     beside an SM2 and a file ES256 token at one checkpoint (one trust dir);
#   - the PIN: pin-source=file: (mode 0600 only), HC_PKCS11_PIN_FILE and
#     HC_PKCS11_MODULE; pin-value= in the URI, a wrong PIN, an unknown token
#     or object are refused with a clear message;
#   - the token disappears mid-batch (its directory emptied): the batch stops
#     with exit 3 and a message naming PKCS#11; once the token is back,
#     --resume finishes it: every line exactly once, every token verifies;
#   - tests/batch_kill.sh through the token: SIGKILL at random instants,
#     resumed each time (CI size; the issue's size:
#     HC_P11_KILL_N=100000 HC_P11_KILL_COUNT=20 tests/pkcs11.sh build/tools/healthcode).
# Skipped (exit 77), saying so, when SoftHSM2 is absent or the build has no p11-kit.
set -u
BIN=${1:?usage: pkcs11.sh PATH/TO/healthcode}
SRC=${HC_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
MOD=${HC_SOFTHSM_MODULE:-}
for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
         /usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so; do
    [ -z "$MOD" ] && [ -r "$m" ] && MOD=$m
done
if [ -z "$MOD" ] || ! command -v softhsm2-util >/dev/null; then
    echo "SKIP: SoftHSM2 is not installed (apt-get install softhsm2)"
    exit 77
fi
W=$(mktemp -d /tmp/hc_pkcs11.XXXXXX)
[ "${HC_P11_KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
mkdir -p "$W/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$W" > "$W/softhsm2.conf"
export SOFTHSM2_CONF="$W/softhsm2.conf"
unset HC_PKCS11_MODULE HC_PKCS11_PIN_FILE
softhsm2-util --init-token --free --label province --so-pin 87654321 --pin 123456 >/dev/null ||
    fail "softhsm2-util --init-token"
printf '123456\n' > "$W/pin"
chmod 600 "$W/pin"
Q="module-path=$MOD&pin-source=file:$W/pin"
ES="pkcs11:token=province;object=es256-2026?$Q"
ED="pkcs11:token=province;object=ed25519-2026?$Q"
NOW=2020-02-10T08:00:00+08:00
REC="$SRC/examples/record.json"

# --- keys made on the token: only the public half comes out
out=$("$BIN" keygen --pkcs11 "$ES" --pub "$W/es.pub.pem" 2>&1) || fail "keygen --pkcs11 ES256: $out"
echo "$out" | grep -Eq '^[0-9a-f]{16}$' || fail "keygen --pkcs11 printed '$out', not a kid"
if "$BIN" keygen --pkcs11 "$ES" --out "$W/priv.pem" --pub "$W/x.pem" 2>/dev/null; then
    fail "keygen --pkcs11 with --out was accepted"
fi
[ -e "$W/priv.pem" ] && fail "a private key file was written"
"$BIN" keygen --alg EdDSA --pkcs11 "$ED" --pub "$W/ed.pub.pem" >/dev/null || fail "keygen --pkcs11 EdDSA"
grep -q "PRIVATE" "$W/es.pub.pem" "$W/ed.pub.pem" && fail "a public key file holds a private key"
msg=$("$BIN" keygen --pkcs11 "$ES" --pub "$W/again.pem" --force 2>&1) && fail "a second es256-2026 was made"
echo "$msg" | grep -q "exists" || fail "no clear message for an existing key: $msg"
echo "keygen --pkcs11: ES256 and EdDSA pairs on the token, public keys written, no private file"

# --- issue through the token; three algorithms side by side at one checkpoint
mkdir -p "$W/trust"
cp "$W/es.pub.pem" "$W/ed.pub.pem" "$W/trust/"
"$BIN" keygen --alg SM2 --out "$W/sm2.pem" --pub "$W/trust/sm2.pub.pem" >/dev/null || fail "keygen SM2"
"$BIN" keygen --out "$W/file.pem" --pub "$W/trust/file.pub.pem" >/dev/null || fail "keygen ES256"
for k in "$ES" "$ED" "$W/sm2.pem" "$W/file.pem"; do
    t=$("$BIN" issue --key "$k" --issuer CN-330000 --now "$NOW" "$REC") || fail "issue with $k"
    v=$("$BIN" verify --trust "$W/trust" --now "$NOW" "$t") || fail "verify of the token of $k: $v"
    echo "$v" | grep -q '"valid": true' || fail "not valid: $v"
    echo "$v" | sed 's/.*"alg": "\([A-Za-z0-9]*\)".*/\1/'
done | sort | tr '\n' ' ' > "$W/algs"
[ "$(cat "$W/algs")" = "ES256 ES256 EdDSA SM2 " ] || fail "algorithms verified: $(cat "$W/algs")"
echo "one checkpoint (one trust directory) verifies: $(cat "$W/algs")"
# the same through a trust list (the token's key and an SM2 key); an alg that is not the key's is refused
python3 - "$W" <<'EOF2' || fail "cannot write the trust list"
import json, subprocess, sys
w = sys.argv[1]
def entry(pub, alg):
    der = subprocess.run(["openssl", "pkey", "-pubin", "-in", pub, "-outform", "DER"], capture_output=True, check=True).stdout
    kid = subprocess.run(["openssl", "dgst", "-sha256", "-r"], input=der, capture_output=True, check=True).stdout[:16].decode()
    return {"issuer": "CN-330000", "kid": kid, "alg": alg, "public_key": open(pub).read()}
good = [entry(w + "/es.pub.pem", "ES256"), entry(w + "/trust/sm2.pub.pem", "SM2")]
json.dump({"version": 1, "entries": good}, open(w + "/list.json", "w"))
json.dump({"version": 1, "entries": [entry(w + "/trust/sm2.pub.pem", "ES256")]}, open(w + "/bad.json", "w"))
EOF2
for k in "$ES" "$W/sm2.pem"; do
    t=$("$BIN" issue --key "$k" --issuer CN-330000 --now "$NOW" "$REC") || fail "issue with $k"
    "$BIN" verify --trust "$W/list.json" --now "$NOW" "$t" >/dev/null || fail "trust list: the token of $k"
done
"$BIN" verify --trust "$W/bad.json" --now "$NOW" "$t" > "$W/bad.out" 2>&1 && fail "an SM2 key listed as ES256 was accepted"
grep -q "alg" "$W/bad.out" || fail "no clear message for an SM2 key listed as ES256: $(cat "$W/bad.out")"
echo "trust list: the token's ES256 key and an SM2 key verify; an SM2 key listed as ES256 is refused"

# --- the PIN and the module from the environment; refusals
HC_PKCS11_MODULE=$MOD HC_PKCS11_PIN_FILE=$W/pin \
    "$BIN" issue --key "pkcs11:token=province;object=es256-2026" --issuer CN-330000 --now "$NOW" "$REC" >/dev/null ||
    fail "HC_PKCS11_MODULE and HC_PKCS11_PIN_FILE"
refused() {   # refused WHAT EXIT GREP KEY: issue refuses KEY with status EXIT and a message matching GREP
    local m rc
    m=$("$BIN" issue --key "$4" --issuer CN-330000 --now "$NOW" "$REC" 2>&1)
    rc=$?
    [ $rc = "$2" ] || fail "$1: exit $rc, expected $2 ($m)"
    echo "$m" | grep -qi -- "$3" || fail "$1: no clear message: $m"
    case "$m" in *123456*|*654321*|*"path=$MOD"*|*"file:$W"*) fail "$1: the message shows the URI's query: $m" ;; esac
}
chmod 644 "$W/pin"
refused "a PIN file readable by others" 3 "chmod 600" "$ES"
chmod 600 "$W/pin"
refused "a PIN in the URI" 3 "invalid argument" "pkcs11:token=province;object=es256-2026?module-path=$MOD&pin-value=123456"
printf '654321\n' > "$W/wrong"
chmod 600 "$W/wrong"
# each cause its own status (issue 26 point 11): 9 the PIN, 8 the token or key, 7 the module
refused "a wrong PIN" 9 "refused the PIN" "pkcs11:token=province;object=es256-2026?module-path=$MOD&pin-source=file:$W/wrong"
refused "no PIN" 9 "none was given" "pkcs11:token=province;object=es256-2026?module-path=$MOD"
refused "an unknown token" 8 "no PKCS#11 token" "pkcs11:token=nope;object=es256-2026?$Q"
refused "an unknown object" 8 "no private key on it" "pkcs11:token=province;object=nope?$Q"
refused "a missing module" 7 "cannot be loaded" "pkcs11:token=province;object=es256-2026?module-path=$W/none.so&pin-source=file:$W/pin"
mkdir -p "$W/open" && cp "$MOD" "$W/open/mod.so" && chmod 777 "$W/open"
refused "a module in a world-writable directory" 7 "changed by others" \
    "pkcs11:token=province;object=es256-2026?module-path=$W/open/mod.so&pin-source=file:$W/pin"
refused "no module" 3 "invalid argument" "pkcs11:token=province;object=es256-2026?pin-source=file:$W/pin"
refused "an attribute twice" 3 "each attribute once" "pkcs11:token=province;object=nope;object=es256-2026?$Q"
refused "type=public" 3 "type= only private" "pkcs11:token=province;object=es256-2026;type=public?$Q"
# a PIN file that is a FIFO: refused at once, through the URI and through HC_PKCS11_PIN_FILE
mkfifo "$W/fifo"
refused "a PIN file that is a FIFO" 3 "not a regular file" "pkcs11:token=province;object=es256-2026?module-path=$MOD&pin-source=file:$W/fifo"
m=$(HC_PKCS11_MODULE=$MOD HC_PKCS11_PIN_FILE=$W/fifo timeout 10 "$BIN" issue --key "pkcs11:token=province;object=es256-2026" \
    --issuer CN-330000 --now "$NOW" "$REC" 2>&1)
rc=$?
[ $rc = 3 ] || fail "HC_PKCS11_PIN_FILE naming a FIFO: exit $rc (124: it blocked), $m"
# keygen: SM2 on a token is a usage error that names the limitation; the causes keep their status
m=$("$BIN" keygen --alg SM2 --pkcs11 "pkcs11:token=province;object=sm2?$Q" --pub "$W/sm2tok.pem" 2>&1)
rc=$?
[ $rc = 2 ] || fail "keygen --alg SM2 --pkcs11: exit $rc, expected 2 ($m)"
echo "$m" | grep -q "no standard SM2 mechanism" || fail "keygen --alg SM2 --pkcs11: $m"
[ -e "$W/sm2tok.pem" ] && fail "keygen --alg SM2 --pkcs11 wrote a file"
"$BIN" keygen --pkcs11 "pkcs11:token=province;object=k9?module-path=$MOD&pin-source=file:$W/wrong" \
    --pub "$W/k9.pem" >/dev/null 2>&1
rc=$?
[ $rc = 9 ] || fail "keygen --pkcs11 with a wrong PIN: exit $rc, expected 9"
echo "PIN file 0600 only, never a FIFO; pin-value=, a repeated attribute, type=public refused;"
echo "  wrong PIN 9, unknown token/object 8, missing or unsafe module 7; keygen SM2 --pkcs11 exit 2"

# --- a URI's query (here a pin-value=, a PIN) is shown by no command (issue 25 point 7)
LEAK="pkcs11:token=province;object=es256-2026?module-path=$MOD&pin-value=123456"
"$BIN" keygen --out "$W/root.pem" --pub "$W/root.pub.pem" >/dev/null || fail "keygen root"
for cmd in "bundle make --root $LEAK --trust $W/es.pub.pem --issuer CN-330000 --seq 1 --expires 7d --out $W/b.cbor" \
           "bundle make --root $W/root.pem --trust $W/es.pub.pem --issuer CN-330000 --seq 1 --expires 7d --next-root $LEAK --out $W/b.cbor" \
           "bundle make --root $W/root.pem --trust $LEAK --seq 1 --expires 7d --out $W/b.cbor" \
           "verify --root $LEAK --bundle $W/none.cbor HCODE1:X" \
           "verify --trust $LEAK HCODE1:X" \
           "check --trust $LEAK HCODE1:X" \
           "issue --key $LEAK --issuer CN-330000 $REC" \
           "batch --key $LEAK --issuer CN-330000 --in $REC --out $W/leakbatch"; do
    # shellcheck disable=SC2086
    m=$("$BIN" $cmd 2>&1) && fail "accepted: $cmd"
    case "$m" in *123456*|*"pin-value=1"*|*"path=$MOD"*) fail "the URI's query is shown by '$cmd': $m" ;; esac
    echo "$m" | grep -q "pkcs11:token=province;object=es256-2026" || fail "'$cmd' does not name the key: $m"
done
echo "no message shows a pkcs11: URI's query: bundle make --root/--next-root/--trust, verify/check --root/--trust, issue, batch"

# --- the token disappears mid-batch, comes back, --resume finishes exactly once
N=${HC_P11_GONE_N:-2500}
python3 "$SRC/bench/gen_records.py" --n "$N" --seed 3 > "$W/gone.jsonl" || fail "gen_records"
cp -a "$W/tokens" "$W/tokens.bak"
"$BIN" batch --key "$ES" --issuer CN-330000 --now "$NOW" --in "$W/gone.jsonl" --out "$W/gone" \
    --threads 2 --quiet 2> "$W/gone.err" &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
    [ "$(cat "$W/gone/tokens.jsonl" 2>/dev/null | wc -l)" -ge $((N / 5)) ] && break
    sleep 0.01
done
rm -rf "$W/tokens/"*
wait "$pid"
rc=$?
[ $rc = 3 ] || fail "the batch whose token vanished exited $rc, expected 3 ($(cat "$W/gone.err"))"
grep -q "PKCS#11" "$W/gone.err" || fail "no clear message when the token vanished: $(cat "$W/gone.err")"
done_before=$(wc -l < "$W/gone/tokens.jsonl")
[ "$done_before" -lt "$N" ] || fail "the token vanished too late ($done_before of $N done)"
"$BIN" batch --key "$ES" --issuer CN-330000 --now "$NOW" --in "$W/gone.jsonl" --out "$W/gone" \
    --threads 2 --quiet --resume 2>/dev/null && fail "resumed without the token"
cp -a "$W/tokens.bak/." "$W/tokens/"
"$BIN" batch --key "$ES" --issuer CN-330000 --now "$NOW" --in "$W/gone.jsonl" --out "$W/gone" \
    --threads 2 --quiet --resume || fail "--resume with the token back"
python3 - "$W/gone" "$N" <<'EOF' || exit 1
import json, sys
d, n = sys.argv[1], int(sys.argv[2])
lines = [json.loads(l)["line"] for l in open(d + "/tokens.jsonl")]
lines += [json.loads(l)["line"] for l in open(d + "/errors.jsonl")]
if sorted(lines) != list(range(1, n + 1)):
    sys.exit("FAIL: %d lines, %d distinct, of %d" % (len(lines), len(set(lines)), n))
EOF
bad=0
while read -r tok; do
    "$BIN" verify --trust "$W/es.pub.pem" --now "$NOW" "$tok" >/dev/null || bad=$((bad + 1))
done < <(python3 -c "
import json,sys
t=[json.loads(l)['token'] for l in open('$W/gone/tokens.jsonl')]
print('\n'.join(t[::max(1,len(t)//20)]))")
[ $bad = 0 ] || fail "$bad sampled tokens of the resumed batch do not verify"
echo "token removed after $done_before of $N lines: exit 3, message names PKCS#11; resumed once it was back: every line exactly once"

# --- kill and resume through the token (batch_kill.sh with the token's key)
HC_KILL_KEY=$ES HC_KILL_PUB=$W/es.pub.pem HC_KILL_N=${HC_P11_KILL_N:-2000} \
    HC_KILL_COUNT=${HC_P11_KILL_COUNT:-3} HC_KILL_THREADS=2 HC_KILL_VERIFY=${HC_P11_KILL_VERIFY:-30} \
    bash "$SRC/tests/batch_kill.sh" "$BIN" || fail "batch_kill.sh through SoftHSM"
echo "pkcs11: all checks passed"

#!/usr/bin/env bash
# batch_kill.sh HEALTHCODE — the crash test of `healthcode batch` (issue 5).
#
# Generates N records, runs the batch and kills it with SIGKILL at KILLS
# random instants, resuming each time, then runs it to the end and checks the
# outputs line by line:
#   - every line of tokens.jsonl and errors.jsonl ends with '\n' and its "ck"
#     (CRC-32 of the bytes before ,"ck":) is right: no torn line;
#   - the line numbers of each file increase strictly, and the two files
#     together hold every input line exactly once;
#   - line for line, the colours equal those of an uninterrupted reference
#     run, and the errors name the same fields (nothing re-issued differently);
#   - a sample of VERIFY tokens (or all) verifies with `healthcode verify`.
#
# Environment (defaults: the full test of the issue; meson registers a CI size):
#   HC_KILL_N=200000  HC_KILL_COUNT=20  HC_KILL_THREADS=2  HC_KILL_VERIFY=200 (or all)
#   HC_KILL_PNG=0 (1: also --png, and every kept token line must have its image)
#   HC_KILL_SEED=1    HC_KILL_KEEP=0 (1: keep the work directory)
#   HC_KILL_KEY=KEY HC_KILL_PUB=PUB.pem: sign with this key (a pkcs11: URI, say:
#   tests/pkcs11.sh runs this script through SoftHSM) instead of a new key file
#   HC_KILL_REGISTER=1: the killed runs also record into a register (--register,
#   issue 23); then the register must hold exactly one codes row per line of
#   tokens.jsonl (same line, cti and colour; none else), `register stats --json`
#   must count each colour as tokens.jsonl does, and `register audit` must pass
set -u
BIN=${1:?usage: batch_kill.sh PATH/TO/healthcode}
SRC=${HC_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
N=${HC_KILL_N:-200000}
KILLS=${HC_KILL_COUNT:-20}
THREADS=${HC_KILL_THREADS:-2}
VERIFY=${HC_KILL_VERIFY:-200}
PNG=${HC_KILL_PNG:-0}
REG=${HC_KILL_REGISTER:-0}
SEED=${HC_KILL_SEED:-1}
NOW=2020-02-10T08:00:00+08:00

if ! "$BIN" batch --help >/dev/null 2>&1; then
    echo "SKIP: '$BIN batch' is not available in this build"
    exit 77
fi
if [ "$REG" = 1 ] && ! "$BIN" batch --help | grep -q -- --register; then
    echo "SKIP: this build has no register"
    exit 77
fi
W=$(mktemp -d /tmp/hc_batch_kill.XXXXXX)
[ "${HC_KILL_KEEP:-0}" = 1 ] || trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

python3 "$SRC/bench/gen_records.py" --n "$N" --seed "$SEED" --error-rate 0.01 > "$W/in.jsonl" ||
    fail "cannot generate the records"
KEY=${HC_KILL_KEY:-$W/key.pem}
PUB=${HC_KILL_PUB:-$W/key.pub}
[ -n "${HC_KILL_KEY:-}" ] || "$BIN" keygen --out "$KEY" --pub "$PUB" >/dev/null || fail "keygen"
# The exit statuses of the command (doc/batch.md), on small inputs.
status() {   # status EXPECTED DESCRIPTION ARGS...
    local want=$1 what=$2
    shift 2
    "$BIN" "$@" >"$W/status.out" 2>"$W/status.err"
    local rc=$?
    [ "$rc" = "$want" ] || { cat "$W/status.err"; fail "$what: exit $rc, expected $want"; }
}
python3 "$SRC/bench/gen_records.py" --n 200 --seed 5 > "$W/small.jsonl"
printf '%s\n' "$(head -n 1 "$W/in.jsonl")" '{"id":"330402199001011231","id_type":"cn_resident"}' '' > "$W/bad.jsonl"
printf 'id,name,colour\n1,2,3\n' > "$W/bad.csv"
base=(batch --key "$KEY" --issuer CN-330000 --now "$NOW" --quiet)
status 2 "no --out" "${base[@]}" --in "$W/small.jsonl"
status 2 "bad --shard" "${base[@]}" --in "$W/small.jsonl" --out "$W/s0" --shard 3/3
status 3 "missing input" "${base[@]}" --in "$W/nope.jsonl" --out "$W/s1"
status 3 "CSV header" "${base[@]}" --in "$W/bad.csv" --out "$W/s2"
grep -q "colour" "$W/status.err" || fail "the CSV header error does not name the column"
status 4 "input errors" "${base[@]}" --in "$W/bad.jsonl" --out "$W/s3"
[ "$(wc -l < "$W/s3/errors.jsonl")" = 2 ] || fail "errors.jsonl should have 2 lines"
status 2 "existing batch without --resume" "${base[@]}" --in "$W/bad.jsonl" --out "$W/s3"
status 5 "--max-errors" "${base[@]}" --in "$W/bad.jsonl" --out "$W/s4" --max-errors 1
grep -q "max-errors" "$W/status.err" || fail "no clear message at --max-errors"
status 4 "resume past --max-errors" "${base[@]}" --in "$W/bad.jsonl" --out "$W/s4" --resume
status 0 "all issued" "${base[@]}" --in "$W/small.jsonl" --out "$W/s5" --threads 1
status 0 "resume of a complete batch" "${base[@]}" --in "$W/small.jsonl" --out "$W/s5" --resume
echo "exit statuses: 0, 2, 3, 4, 5 as documented"

args=(batch --key "$KEY" --issuer CN-330000 --now "$NOW" --in "$W/in.jsonl"
      --threads "$THREADS" --quiet)
[ "$PNG" = 1 ] && args+=(--png)

# The reference: one uninterrupted run (also gives the run time for the delays).
t0=$(date +%s.%N)
"$BIN" "${args[@]}" --out "$W/ref"
rc=$?
t1=$(date +%s.%N)
[ $rc = 0 ] || [ $rc = 4 ] || fail "reference run exit $rc"
total=$(python3 -c "print(max(0.05, $t1 - $t0))")
echo "reference run: $N records in ${total}s"

# Random instants spread over the whole run: for each kill a random point of
# progress (a size of tokens.jsonl below the reference's) plus a random 0-50 ms,
# so kills land while issuing, while writing, during checkpoints and, right
# after a restart, during start-up and the resume scan.
ref_size=$(stat -c %s "$W/ref/tokens.jsonl")
python3 - "$KILLS" "$ref_size" "$SEED" > "$W/targets" <<'EOF'
import random, sys
k, size, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed * 7919)
for t in sorted(rng.randrange(1, max(2, size * 95 // 100)) for _ in range(k)):
    print(t, "%.3f" % rng.uniform(0, 0.05))
EOF
# The killed runs (not the reference) record into the register.
[ "$REG" = 1 ] && args+=(--register "$W/R.db")
kills=0
positions=""
while read -r target extra; do
    "$BIN" "${args[@]}" --out "$W/out" --resume &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        size=$(stat -c %s "$W/out/tokens.jsonl" 2>/dev/null || echo 0)
        [ "$size" -ge "$target" ] && break
        sleep 0.005
    done
    sleep "$extra"
    if kill -9 "$pid" 2>/dev/null; then
        kills=$((kills + 1))
    fi
    wait "$pid" 2>/dev/null
    # where it died: lines on disk, and whether a file ended in a torn line
    at=$(cat "$W/out/tokens.jsonl" "$W/out/errors.jsonl" 2>/dev/null | wc -l)
    torn=""
    for f in "$W/out/tokens.jsonl" "$W/out/errors.jsonl"; do
        [ -s "$f" ] && [ "$(tail -c1 "$f" | od -An -c | tr -d ' ')" != '\n' ] && torn=" (torn tail in ${f##*/})"
    done
    positions="$positions $at$torn"
done < "$W/targets"
echo "lines on disk after each kill:$positions"
t2=$(date +%s.%N)
"$BIN" "${args[@]}" --out "$W/out" --resume
rc=$?
t3=$(date +%s.%N)
[ $rc = 0 ] || [ $rc = 4 ] || fail "final resume exit $rc"
echo "killed $kills times with SIGKILL; the final resume took $(python3 -c "print(round($t3 - $t2, 2))")s"
[ "$kills" -ge 1 ] || fail "no kill landed (the run was too fast for the delays)"

python3 - "$W" "$N" "$PNG" <<'EOF' || exit 1
import json, os, sys, zlib
w, n, png = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"

def lines(path):
    data = open(path, "rb").read()
    if data and not data.endswith(b"\n"):
        sys.exit("FAIL: %s ends with a torn line" % path)
    out = []
    for raw in data.split(b"\n")[:-1]:
        i = raw.rfind(b',"ck":"')
        if i < 0 or not raw.endswith(b'"}') or int(raw[i + 7:i + 15], 16) != zlib.crc32(raw[:i]):
            sys.exit("FAIL: %s: bad checksum: %r" % (path, raw[:80]))
        out.append(json.loads(raw))
    return out

def merged(d):
    t, e = lines(os.path.join(d, "tokens.jsonl")), lines(os.path.join(d, "errors.jsonl"))
    for name, seq in (("tokens", t), ("errors", e)):
        nums = [x["line"] for x in seq]
        if any(a >= b for a, b in zip(nums, nums[1:])):
            sys.exit("FAIL: %s/%s.jsonl: line numbers not strictly increasing" % (d, name))
    got = {}
    for x in t:
        got[x["line"]] = ("token", x["colour"])
    for x in e:
        if x["line"] in got:
            sys.exit("FAIL: %s: line %d in both files" % (d, x["line"]))
        got[x["line"]] = ("error", x["field"])
    if sorted(got) != list(range(1, n + 1)):
        missing = sorted(set(range(1, n + 1)) - set(got))[:5]
        sys.exit("FAIL: %s: %d lines covered of %d (missing e.g. %s)" % (d, len(got), n, missing))
    return got, t

ref, _ = merged(os.path.join(w, "ref"))
out, toks = merged(os.path.join(w, "out"))
diff = [l for l in range(1, n + 1) if ref[l] != out[l]]
if diff:
    sys.exit("FAIL: %d lines differ from the reference, first %d: %s vs %s" % (len(diff), diff[0], ref[diff[0]], out[diff[0]]))
if png:
    for x in toks:
        p = os.path.join(w, "out", "png", "%d.png" % x["line"])
        b = open(p, "rb").read()
        if not b.startswith(b"\x89PNG") or not b.endswith(b"IEND\xaeB`\x82"):
            sys.exit("FAIL: %s is not a whole PNG" % p)
ctis = [x["cti"] for x in toks]
if len(set(ctis)) != len(ctis):
    sys.exit("FAIL: a cti appears twice")
with open(os.path.join(w, "sample"), "w") as f:
    want = os.environ.get("HC_KILL_VERIFY", "200")
    step = 1 if want == "all" else max(1, len(toks) // max(1, int(want)))
    for x in toks[::step]:
        f.write("%s %s\n" % (x["colour"], x["token"]))
print("outputs: %d lines, %d tokens, %d errors; every line exactly once, in order, no torn line"
      % (n, len(toks), n - len(toks)))
EOF

if [ "$REG" = 1 ]; then
    "$BIN" register stats --register "$W/R.db" --json >"$W/stats.json" || fail "register stats"
    "$BIN" register audit --register "$W/R.db" --pub "$PUB" >"$W/audit.json" ||
        fail "register audit: $(cat "$W/audit.json")"
    python3 - "$W" <<'EOF' || exit 1
import json, os, sqlite3, sys
w = sys.argv[1]
toks = [json.loads(l) for l in open(os.path.join(w, "out", "tokens.jsonl"), "rb")]
db = sqlite3.connect(os.path.join(w, "R.db"))
n_rows, n_lines = db.execute("SELECT count(*), count(DISTINCT line) FROM codes").fetchone()
if n_rows != len(toks) or n_lines != len(toks):
    sys.exit("FAIL: the register has %d codes rows (%d lines) for %d lines of tokens.jsonl" % (n_rows, n_lines, len(toks)))
rows = {(l, c, col) for l, c, col in db.execute("SELECT line, cti, colour FROM codes")}
want = {(t["line"], t["cti"], t["colour"]) for t in toks}
if rows != want:
    extra, missing = sorted(rows - want)[:3], sorted(want - rows)[:3]
    sys.exit("FAIL: register rows differ from tokens.jsonl: extra %s, missing %s" % (extra, missing))
stats = json.load(open(os.path.join(w, "stats.json")))["issued"]
for col in ("green", "yellow", "red"):
    n = sum(1 for t in toks if t["colour"] == col)
    if stats[col] != n:
        sys.exit("FAIL: register stats counts %d %s, tokens.jsonl %d" % (stats[col], col, n))
audit = json.load(open(os.path.join(w, "audit.json")))
print("register: %d codes rows, one per line of tokens.jsonl (same line, cti, colour); stats count "
      "each colour as tokens.jsonl (%s); audit passes over %d events and %d signed heads"
      % (n_rows, ", ".join("%s %d" % (c, stats[c]) for c in ("green", "yellow", "red")), audit["events"], audit["heads"]))
EOF
fi

# Verify the sample (HC_KILL_VERIFY=all: every token) with the command, one
# loop per core.
verify_part() {
    local n=0
    while read -r colour token; do
        v=$("$BIN" verify --trust "$PUB" --now "$NOW" "$token") ||
            { echo "token does not verify: $v" > "$W/verify.fail.$1"; return; }
        case "$v" in *"\"colour\":\"$colour\""* | *"\"colour\": \"$colour\""*) ;;
            *) echo "colour mismatch: $v" > "$W/verify.fail.$1"; return ;; esac
        n=$((n + 1))
    done
    echo "$n" > "$W/verify.count.$1"
}
jobs_n=$(nproc 2>/dev/null || echo 2)
split -n "r/$jobs_n" -d "$W/sample" "$W/sample."
for part in "$W"/sample.*; do
    verify_part "${part##*.}" < "$part" &
done
wait
if ls "$W"/verify.fail.* >/dev/null 2>&1; then
    fail "$(cat "$W"/verify.fail.*)"
fi
checked=$(cat "$W"/verify.count.* | awk '{s += $1} END {print s}')
echo "verified $checked tokens with '$BIN verify' (HC_KILL_VERIFY=$VERIFY)"
echo "PASS"

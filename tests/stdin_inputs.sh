#!/usr/bin/env bash
# stdin_inputs.sh HEALTHCODE — `--in -` of batch and sheets, the filters the docs recommend
# (grep … | healthcode sheets --in - …):
#   batch: standard input kept in DIR/stdin.jsonl (or .csv) before a record is issued, 0600;
#          the same tokens as from the file; killed with SIGKILL mid-batch, `--resume`
#          continues from that copy (standard input not read) and every line ends once;
#          killed while still reading standard input, nothing is issued and a new run
#          starts clean; a second run without --resume is refused and the copy kept;
#   sheets: the pages of a filtered tokens.jsonl, no temporary file left behind.
set -euo pipefail
hc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=${HC_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$src/tests/lib.sh"
cd "$tmp"
cp "$src/tests/keys/es256.pem" k.pem && chmod 600 k.pem
gen() { python3 "$src/bench/gen_records.py" --now 2020-02-10 "$@"; }
B=(batch --key k.pem --issuer CN-330000 --now 2020-02-10T08:00 --threads 2 --quiet)
# every line 1..N once, in order, across tokens.jsonl and errors.jsonl
lines_once() { # DIR N
    python3 - "$1" "$2" <<'PY'
import json, sys
d, n = sys.argv[1], int(sys.argv[2])
seen = []
for f in ("tokens.jsonl", "errors.jsonl"):
    seen += [json.loads(l)["line"] for l in open(f"{d}/{f}")]
sys.exit(0 if sorted(seen) == list(range(1, n + 1)) and len(seen) == n else 1)
PY
}

# --- the same batch from a pipe and from the file
gen --n 300 --error-rate 0.02 >p.jsonl
expect 4 "batch from the file (some error lines)" "$hc" "${B[@]}" --in p.jsonl --out fromfile
run "$hc" "${B[@]}" --in - --out frompipe <p.jsonl
is "batch --in - exits as from the file" "$rc" 4
cmp -s p.jsonl frompipe/stdin.jsonl && ok || bad "frompipe/stdin.jsonl is not the input"
is "the kept input is 0600" "$(stat -c %a frompipe/stdin.jsonl)" 600
[ ! -e frompipe/.stdin.tmp ] && ok || bad "the temporary copy was left"
is "the same lines issued, same colours" \
    "$(cut -d, -f1,3 frompipe/tokens.jsonl | md5sum)" "$(cut -d, -f1,3 fromfile/tokens.jsonl | md5sum)"
is "the same errors" "$(md5sum <frompipe/errors.jsonl)" "$(md5sum <fromfile/errors.jsonl)"
lines_once frompipe 300 && ok || bad "frompipe: not every line once"
tok=$(head -n1 frompipe/tokens.jsonl | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
expect 0 "a token of the piped batch verifies" "$hc" verify --trust "$src/tests/keys/es256.pub.pem" \
    --now 2020-02-10T09:00 "$tok"

# a second run into the same DIR without --resume: refused, the copy untouched
gen --n 100 --seed 4 >small.jsonl
run "$hc" "${B[@]}" --in - --out frompipe <small.jsonl
is "a new batch into a DIR read from stdin: usage error" "$rc" 2
says "it says --resume" "--resume continues it"
cmp -s p.jsonl frompipe/stdin.jsonl && ok || bad "the refused run changed frompipe/stdin.jsonl"
run "$hc" "${B[@]}" --in - --out fromfile <small.jsonl
is "a new batch from stdin into a DIR holding a batch: usage error" "$rc" 2
[ ! -e fromfile/stdin.jsonl ] && ok || bad "stdin was kept in a DIR that held another batch"

# CSV on standard input (its header does not start with '{')
gen --n 40 --csv >p.csv
run "$hc" "${B[@]}" --in - --out csv <p.csv
is "batch --in - of CSV" "$rc" 0
[ -f csv/stdin.csv ] && ok || bad "the CSV was not kept as stdin.csv: $(ls csv)"
is "40 rows issued (the header is line 1)" "$(wc -l <csv/tokens.jsonl)" 40
is "first row is line 2" "$(head -c 9 csv/tokens.jsonl)" '{"line":2'

# --- SIGKILL mid-batch, then --resume from the kept copy (no stdin)
N=60000
gen --n $N --seed 3 --error-rate 0.01 >big.jsonl
"$hc" batch --key k.pem --issuer CN-330000 --now 2020-02-10T08:00 --threads 1 --quiet --checkpoint 500 \
    --in - --out killed <big.jsonl &
pid=$!
for _ in $(seq 400); do
    [ -s killed/tokens.jsonl ] && break
    sleep 0.01
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
done_before=$(cat killed/tokens.jsonl killed/errors.jsonl 2>/dev/null | wc -l)
[ "$done_before" -lt $N ] && ok || bad "the batch finished before the kill ($done_before lines): nothing tested"
cmp -s big.jsonl killed/stdin.jsonl && ok || bad "the kept input is not the whole input"
run "$hc" "${B[@]}" --in - --out killed --resume </dev/null
is "--resume after SIGKILL: finished with the error lines" "$rc" 4
says "it says where it resumes from" "resuming from killed/stdin.jsonl"
lines_once killed $N && ok || bad "after the kill and resume: not every line once"
run "$hc" "${B[@]}" --in big.jsonl --out whole
is "uninterrupted: same colours, line by line" "$(cut -d, -f1,3 killed/tokens.jsonl | md5sum)" \
    "$(cut -d, -f1,3 whole/tokens.jsonl | md5sum)"

# --- SIGKILL while standard input is still being read: nothing issued, a new run is clean
mkfifo fifo
"$hc" "${B[@]}" --in - --out early <fifo &
pid=$!
exec 7>fifo
head -n 50 small.jsonl >&7
for _ in $(seq 200); do
    [ -s early/.stdin.tmp ] && break
    sleep 0.01
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
exec 7>&-
[ ! -e early/batch.json ] && [ ! -e early/stdin.jsonl ] && ok ||
    bad "a batch killed while reading stdin left $(ls early)"
run "$hc" "${B[@]}" --in - --out early <small.jsonl
is "a new run after a kill while reading stdin" "$rc" 0
lines_once early 100 && ok || bad "early: not every line once"

# --- sheets from a filter
grep '"colour":"red"' fromfile/tokens.jsonl >red.jsonl
reds=$(wc -l <red.jsonl)
[ "$reds" -gt 0 ] && ok || bad "no red code to print"
export TMPDIR=$tmp/t && mkdir "$TMPDIR"
run "$hc" sheets --in - --out red.pdf --per-page 6 < <(grep '"colour":"red"' fromfile/tokens.jsonl)
is "grep … | sheets --in -" "$rc" 0
pages=$(( (reds + 5) / 6 ))
says "its pages" "$pages page"
is "same PDF page count as from the file" "$(pdfinfo red.pdf 2>/dev/null | sed -n 's/^Pages: *//p')" "$pages"
is "no temporary file left in TMPDIR" "$(ls -A "$TMPDIR")" ""
run "$hc" sheets --in - --out bad.pdf < <(printf '{"line": 1, "token": 3}\n')
is "a bad line on stdin" "$rc" 3
says "it is named as <stdin>:1" "<stdin>:1: token"
[ ! -e bad.pdf ] && ok || bad "a refused stdin left bad.pdf"
is "no temporary file left after an error" "$(ls -A "$TMPDIR")" ""

finish stdin_inputs

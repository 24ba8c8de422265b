#!/usr/bin/env bash
# run-target.sh TARGET SECONDS CORPUS [ARTIFACTS] — libFuzzer smoke run: the
# seed corpus, then SECONDS (HC_FUZZ_SECONDS in the environment wins) of
# fuzzing into a scratch directory; the committed corpus is not modified.
# A crash, leak, timeout or OOM fails the test, prints the log and keeps the
# input in ARTIFACTS (default: ./fuzz-artifacts) as NAME-crash-… etc.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/flags.sh"
target=$1 seconds=${HC_FUZZ_SECONDS:-$2} corpus=$3
artifacts=$(mkdir -p "${4:-fuzz-artifacts}" && cd "${4:-fuzz-artifacts}" && pwd)
name=$(basename "$target"); name=${name#fuzz_}
[ -d "$corpus" ] || { echo "no corpus $corpus"; exit 1; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/corpus"
cd "$scratch"
mapfile -t flags < <(fuzz_flags "$name")
set +e
"$target" -max_total_time="$seconds" "${flags[@]}" -artifact_prefix="$artifacts/$name-" \
    "$scratch/corpus" "$corpus" > "$scratch/log" 2>&1 < /dev/null
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
    echo "fuzz_$name failed (exit $rc); the input is in $artifacts:"
    tail -n 150 "$scratch/log"
    exit "$rc"
fi
grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$scratch/log"

#!/usr/bin/env bash
# run-long.sh BUILDDIR NAME [RUNS|SECONDS s] [extra libFuzzer flags…] — one long
# libFuzzer run of one target in one process (no -jobs: libFuzzer would fork
# and log to ./fuzz-0.log), with the flags the recorded figures
# were taken with. The growing corpus lives in BUILDDIR/fuzz-work/NAME (never in
# git); the committed corpus is read, not written. Crashes, leaks, timeouts and
# OOMs are written to BUILDDIR/fuzz-work/NAME-artifacts/. The log is
# BUILDDIR/fuzz-work/NAME.log; the last lines give executions, exec/s, cov/ft and
# peak RSS.
#   bash tests/fuzz/run-long.sh build-fz verify 10000000
#   bash tests/fuzz/run-long.sh build-fz scan 1200s
set -euo pipefail
build=$(cd "${1:?usage: run-long.sh BUILDDIR NAME [RUNS|SECONDSs]}" && pwd)
name=${2:?target name}
amount=${3:-10000000}
shift $(( $# < 3 ? $# : 3 ))
cd "$(dirname "$0")/../.."
src=$(pwd)/tests/fuzz
exe=$build/tests/fuzz/fuzz_$name
[ -x "$exe" ] || { echo "no $exe: configure BUILDDIR with CC=clang -Dfuzz=enabled"; exit 1; }
case $amount in
    *s) limit=(-max_total_time="${amount%s}") ;;
    *) limit=(-runs="$amount") ;;
esac
work=$build/fuzz-work
mkdir -p "$work/$name" "$work/$name-artifacts"
. "$src/flags.sh"
mapfile -t flags < <(fuzz_flags "$name")
start=$(date +%s)
set +e
"$exe" "${limit[@]}" "${flags[@]}" -artifact_prefix="$work/$name-artifacts/" "$@" \
    "$work/$name" "$src/corpus/$name" > "$work/$name.log" 2>&1
rc=$?
set -e
end=$(date +%s)
echo "fuzz_$name: exit $rc after $((end - start)) s" | tee -a "$work/$name.log"
grep -E '^#[0-9]+[[:space:]]+(DONE|INITED)|stat::|ERROR|SUMMARY' "$work/$name.log" | tail -12
exit $rc

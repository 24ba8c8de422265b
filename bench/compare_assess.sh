#!/bin/bash
# compare_assess.sh — bench_assess of two builds in the same run: the ratio
# new/old of assessments per second (interleaved rounds, best and median of
# each), and, when valgrind is installed, of instructions per assessment
# inside hc_assess (callgrind; deterministic, unlike the clock of a shared
# machine).
#
#   mkdir /tmp/old && git archive OLD_COMMIT | tar -x -C /tmp/old
#   meson setup /tmp/old/build /tmp/old && ninja -C /tmp/old/build bench/bench_assess
#   bench/compare_assess.sh /tmp/old/build/bench/bench_assess build/bench/bench_assess [rounds] [seconds]
set -euo pipefail
old=${1:?usage: compare_assess.sh OLD_BENCH NEW_BENCH [rounds] [seconds]}
new=${2:?usage: compare_assess.sh OLD_BENCH NEW_BENCH [rounds] [seconds]}
rounds=${3:-10}
secs=${4:-1}

rate() { "$1" "$secs" | sed -n 's/^hc_assess: \([0-9]*\) assessments.*/\1/p'; }
stats() { sort -n | awk '{v[NR]=$1} END {printf "%d %d\n", v[NR], v[int((NR+1)/2)]}'; }

o=() n=()
for ((i = 0; i < rounds; i++)); do
    o+=("$(rate "$old")")
    n+=("$(rate "$new")")
done
read -r ob om < <(printf '%s\n' "${o[@]}" | stats)
read -r nb nm < <(printf '%s\n' "${n[@]}" | stats)
printf 'assessments/s, %d interleaved rounds of %s s: old best %d median %d; new best %d median %d\n' \
    "$rounds" "$secs" "$ob" "$om" "$nb" "$nm"
awk -v ob="$ob" -v om="$om" -v nb="$nb" -v nm="$nm" \
    'BEGIN { printf "ratio new/old: best %.3f, median %.3f (goal >= 0.95)\n", nb / ob, nm / om }'

if command -v valgrind >/dev/null; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    ir() {   # instructions inside hc_assess over the 1001 assessments of a minimal run
        valgrind --tool=callgrind --toggle-collect=hc_assess --callgrind-out-file="$tmp/cg" \
            "$1" 0.000001 >/dev/null 2>"$tmp/log"
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$tmp/log"
    }
    io=$(ir "$old")
    in=$(ir "$new")
    awk -v a="$io" -v b="$in" 'BEGIN { printf "instructions per assessment: old %.0f, new %.0f, ratio new/old %.4f\n", a / 1001, b / 1001, b / a }'
fi

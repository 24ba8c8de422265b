#!/bin/bash
# compare_outputs.sh — what a user sees, from two builds: the healthcode
# command's help texts, usage errors and exit statuses; assessments (colour,
# reasons in both languages) of generated records at three instants under two
# policies; the record parser's errors on the fuzz corpus and on mutated
# records; render outputs (PNG, SVG, terminal); verify and check with every
# example trust file. Prints "same" and exits 0 when every byte matches, else
# the diff and exit 1. For a refactoring that must not change behaviour.
#
#   mkdir /tmp/old && git archive OLD_COMMIT | tar -x -C /tmp/old
#   meson setup /tmp/old/build /tmp/old && ninja -C /tmp/old/build tools/healthcode
#   bench/compare_outputs.sh /tmp/old/build/tools/healthcode build/tools/healthcode
set -uo pipefail
old=$(realpath "${1:?usage: compare_outputs.sh OLD_HEALTHCODE NEW_HEALTHCODE}") || exit 2
new=$(realpath "${2:?usage: compare_outputs.sh OLD_HEALTHCODE NEW_HEALTHCODE}") || exit 2
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/records"
python3 "$root/bench/gen_outputs_records.py" "$root" "$work/records" || exit 2

# run H OUT ARGS...: one command's stdout, stderr and exit status into OUT
run() {
    local h=$1 out=$2
    shift 2
    echo "== $*" >>"$out"
    "$h" "$@" >>"$out" 2>&1
    echo "rc $?" >>"$out"
}

outputs() {   # outputs H DIR
    local h=$1 d=$2 o=$2/out.txt
    mkdir -p "$d"
    local T N
    T=$(cat "$root/examples/trust/sample.token")
    N=$(cat "$root/examples/trust/sample.now")
    cd "$d" || exit 2
    run "$h" "$o" --help; run "$h" "$o"; run "$h" "$o" bogus
    for c in keygen assess issue render verify check inspect batch bundle sheets "bundle make" "bundle show"; do
        # shellcheck disable=SC2086
        for args in "--help" "--bogus" "--help=x" "--bogus --help" "--help --bogus" "a b" "" "-- --help" "--now"; do
            run "$h" "$o" $c $args
        done
    done
    run "$h" "$o" render --scale 0 "$T"; run "$h" "$o" render --scale 65 "$T"
    run "$h" "$o" render --colour blue "$T"; run "$h" "$o" render --terminal "$T" "$T"
    run "$h" "$o" render --png x.png --svg y.svg "$T"
    run "$h" "$o" render --png a.png --colour yellow "$T"; run "$h" "$o" render --svg a.svg --colour red "$T"
    run "$h" "$o" render --terminal "$T"; run "$h" "$o" render --terminal --colour red "$T"
    run "$h" "$o" sheets --per-page 0; run "$h" "$o" sheets --format gif; run "$h" "$o" sheets --utc-offset 99
    run "$h" "$o" batch --threads 0; run "$h" "$o" batch x y
    run "$h" "$o" issue --validity 0 "$root/examples/record.json"; run "$h" "$o" keygen --alg rsa
    run "$h" "$o" verify --skew 2d "$T"; run "$h" "$o" verify "$T" "$T"; run "$h" "$o" inspect "$T"
    run "$h" "$o" check --temperature 99 "$T"; run "$h" "$o" bundle show a b
    for f in "$root"/examples/trust/*; do
        run "$h" "$o" verify --trust "$f" --now "$N" "$T"; run "$h" "$o" verify --revoked "$f" --now "$N" "$T"
        run "$h" "$o" check --trust "$f" --now "$N" "$T"
    done
    for f in "$work"/records/*.json "$root"/tests/fuzz/corpus/record/*; do
        for now in 2020-02-05 2020-02-20; do
            run "$h" "$o" assess --now $now --explain "$f"
            run "$h" "$o" assess --now $now --policy "$root/examples/policies/zhejiang-2020.json" \
                --risk-map "$root/examples/risk-maps/sample-five-levels.csv" "$f"
        done
    done
    # absolute paths of this run's directory are not a difference
    sed -i "s|$d|DIR|g; s|$work|WORK|g" "$o"
}

outputs "$old" "$work/old"
outputs "$new" "$work/new"
if diff -r "$work/old" "$work/new" >"$work/diff"; then
    echo "same: $(wc -l <"$work/new/out.txt") lines of output and $(find "$work/new" -type f | wc -l) files"
    exit 0
fi
head -n 200 "$work/diff"
exit 1

#!/usr/bin/env bash
# run-target.sh TARGET SECONDS CORPUS — libFuzzer smoke run: the seed corpus,
# then SECONDS of fuzzing into a scratch directory (the committed corpus is not
# modified); a crash leaves its input in the scratch dir and fails the test.
set -euo pipefail
target=$1 seconds=$2 corpus=$3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 "$scratch" "$corpus" 2>&1 | tail -15

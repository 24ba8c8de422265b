#!/usr/bin/env bash
# run-smoke.sh OUTDIR — builds the libFuzzer targets with clang (ASan+UBSan) in
# OUTDIR/fuzz and runs `meson test --suite fuzz-smoke`: each target over its
# corpus plus HC_FUZZ_SECONDS (default 30) of fuzzing.
set -euo pipefail
out=$1
cd "$(dirname "$0")/../.."
if ! command -v clang >/dev/null; then echo "fuzz smoke: clang not installed"; exit 1; fi
dir="$out/fuzz"
if [ -f "$dir/build.ninja" ]; then meson setup --reconfigure "$dir" >/dev/null
else CC=clang meson setup "$dir" -Dfuzz=enabled -Db_sanitize=address,undefined -Db_lundef=false \
        -Dtests=true -Dbench=false -Dcli=disabled >/dev/null; fi
ninja -C "$dir" >/dev/null
meson test -C "$dir" --suite fuzz-smoke --print-errorlogs --num-processes "$(nproc)"

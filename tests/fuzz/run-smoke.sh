#!/usr/bin/env bash
# run-smoke.sh OUTDIR — builds the libFuzzer targets with clang (ASan+UBSan) in
# OUTDIR/fuzz and runs `meson test --suite fuzz-smoke`: each target over its
# corpus plus HC_FUZZ_SECONDS (default 30) of fuzzing, as many at a time as
# there are cores. Only the library and the fuzz targets are built there.
# A directory configured otherwise (another compiler, no -Dfuzz) is wiped first;
# every run reconfigures with the options below, so HC_FUZZ_SECONDS is re-read.
# CXX is clang++ too: with the zxing-cpp decoder the targets link through the
# C++ driver, and g++ knows no -fsanitize=fuzzer.
set -euo pipefail
out=${1:?usage: run-smoke.sh OUTDIR}
cd "$(dirname "$0")/../.."
if ! command -v clang >/dev/null; then
    echo "fuzz smoke: clang not installed (apt-get install clang libclang-rt-14-dev)"; exit 1
fi
# libFuzzer itself: clang exists but its runtime package may not.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
    > "$probe/p.c"
if ! clang -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" 2> "$probe/err"; then
    cat "$probe/err"
    echo "fuzz smoke: clang cannot link libFuzzer (apt-get install libclang-rt-14-dev)"; exit 1
fi

dir="$out/fuzz"
opts=(-Dfuzz=enabled -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized
      -Dtests=true -Dbench=false -Dcli=disabled)
if [ -f "$dir/build.ninja" ]; then
    # the compilers are fixed when a directory is first set up: wipe one that is
    # not clang's (a C++ linker, when there is one, must be clang++ as well)
    if grep -A1 '^rule c_COMPILER' "$dir/build.ninja" | grep -q '^ command = [^ ]*clang' &&
       { ! grep -q '^rule cpp_LINKER' "$dir/build.ninja" ||
         grep -A1 '^rule cpp_LINKER' "$dir/build.ninja" | grep -q '^ command = [^ ]*clang++ '; }; then
        CC=clang CXX=clang++ meson setup --reconfigure "$dir" "${opts[@]}" >/dev/null
    else
        CC=clang CXX=clang++ meson setup --wipe "$dir" "${opts[@]}" >/dev/null
    fi
else
    rm -rf "$dir"
    CC=clang CXX=clang++ meson setup "$dir" "${opts[@]}" >/dev/null
fi
targets=$(ninja -C "$dir" -t targets all | grep -o '^tests/fuzz/fuzz_[a-z0-9_]*' | sort -u || true)
if [ -z "$targets" ]; then echo "fuzz smoke: no fuzz targets configured in $dir"; exit 1; fi
# shellcheck disable=SC2086  # one word per target
# quiet when it builds; the whole log when it does not
if ! ninja -C "$dir" $targets > "$dir/fuzz-build.log" 2>&1; then
    grep -v '^\[' "$dir/fuzz-build.log" | tail -40
    echo "fuzz smoke: building the fuzz targets failed (log: $dir/fuzz-build.log)"; exit 1
fi
meson test -C "$dir" --no-rebuild --suite fuzz-smoke --print-errorlogs --num-processes "$(nproc)"

#!/usr/bin/env bash
# The whole test suite — README's second command, and what .ci/run runs.
#   1. README's first command as written (packages, build/, keygen, issue, verify);
#   2. the full build: every unit, CLI and install test (meson test);
#   3. the verify-only build for scanner firmware (OpenSSL + libcbor alone) and its tests,
#      then the scanner firmware with zbar (a C-only decoder: no C++ runtime) and its tests;
#   4. an ASan+UBSan build running the whole suite;
#   5. valgrind on the CLI round trip (keygen, issue, render, verify), errors fatal;
#   6. each fuzz target over its corpus (and briefly fuzzing, when clang's libFuzzer is there);
#   7. the verify + scan build cross-compiled for aarch64 and armhf, its tests under qemu-user;
#   8. every command README and doc/ tell a user to run, builds and installs included.
# Step 1 builds build/, as README's first command does; the other builds live under build-ci/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=build-ci
jobs=$(nproc 2>/dev/null || echo 2)
step() { printf "\n==== %s  (%ds)\n" "$*" "$SECONDS"; }

# 1. README's first command, as written: the Debian packages, the build in build/, and
# the main job (keygen, issue with --png, verify --png). The package list stays one list.
step "README's first command, as written"
mkdir -p "$out"
setup_cmd=$(awk '/^```sh/ { f = 1; next } f { print; exit }' README.md)
case $setup_cmd in apt-get\ update*) ;; *) echo "README.md does not open with its set-up command"; exit 1 ;; esac
DEBIAN_FRONTEND=noninteractive bash -euo pipefail -c "$setup_cmd" >"$root/$out/setup.log" 2>&1 ||
    { tail -n 40 "$root/$out/setup.log"; echo "README's first command failed ($out/setup.log)"; exit 1; }
tail -n 3 "$root/$out/setup.log"

# npm (for the independent SM2 implementation of tests/sm2_interop.sh) comes with
# some nodejs builds and is a package of its own in Debian's: installed only if absent.
if ! command -v npm >/dev/null; then
    step "installing: npm"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm
fi

setup() { # dir, options…
    local dir=$1; shift
    if [ -f "$dir/build.ninja" ]; then meson setup --reconfigure "$dir" "$@" >/dev/null
    else meson setup "$dir" "$@" >/dev/null; fi
}

step "full build: meson test"
setup "$out/full" -Dwerror=true
ninja -C "$out/full" -j "$jobs" >/dev/null
meson test -C "$out/full" --print-errorlogs --num-processes "$jobs"

step "verify-only build (scanner firmware): OpenSSL and libcbor alone"
setup "$out/verify-only" -Dissuer=disabled -Drender=disabled -Dcli=disabled -Dscan=disabled -Dwerror=true
ninja -C "$out/verify-only" -j "$jobs" >/dev/null
if ldd "$out/verify-only/libhealthcode/libhealthcode.so" | grep -E 'jansson|qrencode|png|zbar|ZXing|stdc\+\+'; then
    echo "verify-only library links a dependency it must not have"; exit 1
fi
meson test -C "$out/verify-only" --print-errorlogs --num-processes "$jobs"

step "scanner firmware with zbar (-Ddecoder=zbar, no C++ runtime): frame, scanner, scan_robust"
setup "$out/fw-zbar" -Ddecoder=zbar -Dissuer=disabled -Drender=disabled -Dcli=disabled -Dscan=enabled \
    -Dscan_png=disabled -Dwerror=true
ninja -C "$out/fw-zbar" -j "$jobs" >/dev/null
if ldd "$out/fw-zbar/libhealthcode/libhealthcode.so" | grep -E 'ZXing|stdc\+\+'; then
    echo "the zbar scanner library links a C++ runtime"; exit 1
fi
meson test -C "$out/fw-zbar" --print-errorlogs --num-processes "$jobs"

step "ASan+UBSan build: the whole suite"
setup "$out/asan" -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
ninja -C "$out/asan" -j "$jobs" >/dev/null
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
    LSAN_OPTIONS=suppressions="$root/tests/lsan.supp":print_suppressions=0 \
    meson test -C "$out/asan" --print-errorlogs --num-processes "$jobs" --timeout-multiplier 4 \
        --no-suite java   # the JVM does not run under the ASan runtime; Python gets it preloaded

step "valgrind: the CLI round trip"
bash tests/valgrind.sh "$out/full/tools/healthcode"

# 7. ARM: the packages of tests/cross-packages.txt (foreign architectures added
# first), then tests/cross.sh per triplet: meson cross files in cross/, tests
# through the exe_wrapper (CI machines have no binfmt_misc).
cross_arm() {
    local list="$root/tests/cross-packages.txt" want="" p
    for p in $(grep -v '^#' "$list"); do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || want="$want $p"
    done
    if [ -n "$want" ]; then
        step "installing (cross):$want"
        dpkg --add-architecture arm64 && dpkg --add-architecture armhf
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends --no-remove $want
    fi
    for t in aarch64-linux-gnu arm-linux-gnueabihf; do
        step "cross build $t: verify + scan (no libpng), tests under qemu-user"
        bash tests/cross.sh "$t" "$out/cross-$t"
    done
}
if [ -f tests/cross.sh ]; then
    cross_arm
fi

if [ -f tests/fuzz/run-smoke.sh ]; then
    step "fuzz smoke"
    # 15 s of fuzzing a target (the script's default is 30): eleven targets, two at a
    # time, in under two minutes; run-long.sh is for long runs
    HC_FUZZ_SECONDS=${HC_FUZZ_SECONDS:-15} bash tests/fuzz/run-smoke.sh "$out"
fi

# 8. Every command README and doc/ tell a user to run, the slow ones too (builds,
# installs into /usr/local as README says, benchmarks): the last step, since it
# installs the full build into the system as a user would.
step "documented commands, slow ones included (tests/doc_commands.sh --full)"
bash tests/doc_commands.sh --full "$root" "$out/full"

step "all suites passed"

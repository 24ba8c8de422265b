#!/bin/bash
# cross.sh TRIPLET [BUILD_DIR [DECODER]] — cross-compiles the verify + scan
# build (no issuer, render, CLI or libpng) for TRIPLET (aarch64-linux-gnu or
# arm-linux-gnueabihf) with DECODER (auto, the default: zxing-cpp; or zbar)
# and runs its unit tests under qemu-user (the cross file's exe_wrapper;
# binfmt_misc is not needed): test_frame, tests/scanner.sh and scan_robust,
# whose counts must be those x86-64 reads (tests/scan_robust-DECODER.txt).
# Then the installed-library test (tests/pkgconfig.sh: install into a
# temporary DESTDIR, build examples/ with the cross compiler and the target's
# pkg-config, run them under qemu-user) and the firmware footprint
# (cross/footprint.sh: the static scanner and what it needs).
# The packages: tests/cross-packages.txt. The logs go into BUILD_DIR.
set -euo pipefail
triplet=$1
root=$(cd "$(dirname "$0")/.." && pwd)
build=${2:-$root/build-$triplet}
decoder=${3:-auto}
# zbar has no .pc of the target's own on Debian: cross/pkgconfig/ has one.
pcdir=$root/cross/pkgconfig/$triplet
setup_log=$(mktemp)
trap 'rm -f "$setup_log"' EXIT
meson setup "$build" "$root" $([ -d "$build/meson-private" ] && echo --wipe) \
    --cross-file "$root/cross/$triplet.ini" -Ddecoder="$decoder" -Dpkg_config_path="$pcdir" \
    -Dissuer=disabled -Drender=disabled -Dcli=disabled -Dscan=enabled -Dscan_png=disabled \
    -Dpython=disabled -Djava=disabled -Dbench=false -Dwerror=true > "$setup_log" 2>&1 ||
    { tail -30 "$setup_log"; exit 1; }
cp "$setup_log" "$build/cross-setup.log"
grep -E 'scan frames' "$build/cross-setup.log"
ninja -C "$build" > "$build/cross-ninja.log" || { tail -30 "$build/cross-ninja.log"; exit 1; }
meson test -C "$build" --print-errorlogs --suite unit --timeout-multiplier 3
PKG_CONFIG_PATH=$pcdir meson test -C "$build" --print-errorlogs --suite install
bash "$root/cross/footprint.sh" "$triplet" "$build"

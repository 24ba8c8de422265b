#!/bin/bash
# cross.sh TRIPLET [BUILD_DIR] — cross-compiles the verify + scan build (no
# issuer, render, CLI or libpng) for TRIPLET (aarch64-linux-gnu or
# arm-linux-gnueabihf) and runs its tests under qemu-user (the cross file's
# exe_wrapper; binfmt_misc is not needed), then the installed-library test
# (tests/pkgconfig.sh): install into a temporary DESTDIR, build examples/ with
# the cross compiler and the target's pkg-config, run them under qemu-user.
#
# Debian's libzbar-dev of one architecture replaces the other's (it is not
# Multi-Arch: same), so the target's zbar is its runtime package (libzbar0:ARCH)
# with the host's headers, described by a pkg-config file written here.
set -euo pipefail
triplet=$1
root=$(cd "$(dirname "$0")/.." && pwd)
build=${2:-$root/build-$triplet}
pc=$(mktemp -d)
trap 'rm -rf "$pc"' EXIT
mkdir -p "$pc/include"
cp -r /usr/include/zbar.h /usr/include/zbar "$pc/include/"
lib=/usr/lib/$triplet/libzbar.so.0
[ -e "$lib" ] || { echo "cross.sh: $lib missing (apt-get install libzbar0:ARCH)"; exit 1; }
cat > "$pc/zbar.pc" <<PC
Name: zbar
Description: zbar (target runtime library, host headers)
Version: 0.23.92
Cflags: -isystem $pc/include
Libs: $lib
PC
PKG_CONFIG_PATH=$pc meson setup "$build" "$root" $([ -d "$build/meson-private" ] && echo --wipe) --cross-file "$root/cross/$triplet.ini" \
    -Dissuer=disabled -Drender=disabled -Dcli=disabled -Dscan=enabled -Dscan_png=disabled \
    -Dpython=disabled -Djava=disabled -Dbench=false -Dwerror=true > "$build.setup.log" 2>&1 ||
    { tail -30 "$build.setup.log"; exit 1; }
PKG_CONFIG_PATH=$pc ninja -C "$build" > "$build.ninja.log" || { tail -30 "$build.ninja.log"; exit 1; }
meson test -C "$build" --print-errorlogs --suite unit
PKG_CONFIG_PATH=$pc meson test -C "$build" --print-errorlogs --suite install

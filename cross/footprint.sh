#!/bin/bash
# footprint.sh TRIPLET BUILD_DIR — what a scanner's firmware carries, from a
# cross build of the verify + scan part (tests/cross.sh makes one; README,
# Scanning, gives the command): BUILD_DIR's libhealthcode.a stripped of what
# a link does not need, and examples/scanner.c linked against it and
# OpenSSL's static libcrypto, stripped, with the shared libraries it still
# needs beyond the C library (Debian ships no static zxing-cpp, zbar or
# libcbor), each with its size. Writes BUILD_DIR/footprint/.
set -euo pipefail
triplet=$1
build=$(cd "$2" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
out=$build/footprint
lib=/usr/lib/$triplet
mkdir -p "$out"

cp "$build/libhealthcode/libhealthcode.a" "$out/"
"$triplet-strip" --strip-unneeded "$out/libhealthcode.a"

# The decoder is the one the archive holds.
if "$triplet-ar" t "$build/libhealthcode/libhealthcode.a" | grep -q frame_zxing; then
    decoder=zxing-cpp
    link=("$triplet-g++" -L"$lib" -lZXing)   # the C++ driver: frame_zxing.cpp needs libstdc++
else
    decoder=zbar
    link=("$triplet-gcc" "$lib/libzbar.so.0")
fi
"$triplet-gcc" -std=c11 -O2 -c "$root/examples/scanner.c" -I"$root/include" -I"$build/include" \
    -o "$out/scanner.o"
"${link[0]}" -o "$out/scanner" "$out/scanner.o" "$build/libhealthcode/libhealthcode.a" \
    "$lib/libcrypto.a" -L"$lib" -lcbor "${link[@]:1}" -lm -lpthread -ldl
"$triplet-strip" "$out/scanner"

# The shared libraries the scanner needs, and theirs, but the C library's own.
needed() { "$triplet-readelf" -d "$1" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'; }
declare -A seen=()
queue=($(needed "$out/scanner"))
while [ ${#queue[@]} -gt 0 ]; do
    name=${queue[0]}
    queue=("${queue[@]:1}")
    case $name in libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|ld-linux*) continue ;; esac
    [ -z "${seen[$name]:-}" ] || continue
    path=$(readlink -f "$lib/$name" 2>/dev/null || true)
    [ -f "$path" ] || path=$(readlink -f "/lib/$triplet/$name" 2>/dev/null || true)
    [ -f "$path" ] || { echo "footprint.sh: $name not found for $triplet" >&2; exit 1; }
    "$triplet-strip" --strip-unneeded -o "$out/$name" "$path"
    seen[$name]=$(stat -c %s "$out/$name")
    queue+=($(needed "$path"))
done

size() { stat -c %s "$1" | sed ':a;s/\B[0-9]\{3\}\>/ &/;ta'; }
echo "footprint, $triplet, decoder $decoder (stripped, bytes):"
echo "  libhealthcode.a                         $(size "$out/libhealthcode.a")"
echo "  scanner (libhealthcode, libcrypto static) $(size "$out/scanner")"
total=0
for name in $(printf '%s\n' "${!seen[@]}" | sort); do
    echo "  + $name $(size "$out/$name")"
    total=$((total + seen[$name]))
done
echo "  shared libraries in all: $(echo $total | sed ':a;s/\B[0-9]\{3\}\>/ &/;ta')"

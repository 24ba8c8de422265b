#!/usr/bin/env bash
# exports.sh — the ABI is exactly what the headers say: the symbols the shared
# library exports equal the HC_API declarations of the public headers this
# build installs (as libfido2's diff_exports.sh does).
#   exports.sh CC LIB.so SOURCE_ROOT BUILD_ROOT
# The umbrella header is preprocessed as the library sees it, so a part that
# is off (features.h) contributes neither declarations nor symbols.
set -euo pipefail
cc=$1 lib=$2 src=$3 bld=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Declared: every function whose declaration carries HC_API's visibility attribute.
"$cc" -E -P -DHC_BUILDING_LIBRARY -I"$bld/include" -I"$src/include" \
    "$src/include/healthcode/healthcode.h" |
    tr '\n' ' ' | sed 's/;/;\n/g' |
    grep 'visibility *( *"default" *)' |
    sed -E 's/__attribute__ *\(\([a-z_]+(\("[a-z]+"\))?\)\)//g; s/\(.*//; s/.*[^A-Za-z0-9_]([A-Za-z_][A-Za-z0-9_]*) *$/\1/' |
    sort -u >"$tmp/declared"

# Exported: defined dynamic symbols of the shared library.
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sed 's/@.*//' | sort -u >"$tmp/exported"

if ! diff -u "$tmp/declared" "$tmp/exported" >"$tmp/diff"; then
    echo "exports.sh: the exported symbols (+) differ from the HC_API declarations (-):"
    grep '^[-+][a-z]' "$tmp/diff" || cat "$tmp/diff"
    exit 1
fi
n=$(wc -l <"$tmp/declared")
[ "$n" -gt 20 ] || { echo "exports.sh: only $n declarations found: the header scan is broken"; exit 1; }
echo "exports: $n functions declared HC_API, the same $n exported"

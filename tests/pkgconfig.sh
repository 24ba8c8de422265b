#!/usr/bin/env bash
# pkgconfig.sh BUILD_DIR SOURCE_ROOT [CC [EXE_WRAPPER [PKG_CONFIG_LIBDIR]]] —
# examples/ build against the INSTALLED library like any user's program:
# install into a temporary DESTDIR, compile examples/checkpoint.c with nothing
# but `pkg-config --cflags --libs healthcode`, and run it on the sample token
# and trust files of examples/trust/.
# A cross build (tests/cross.sh) passes its cross compiler, the wrapper that
# runs the target's programs (qemu-user) and the target's pkg-config
# directories; by default: $CC or cc, no wrapper, the host's pkg-config.
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
cc=${3:-${CC:-cc}}
wrapper=${4:-}
[ -z "${5:-}" ] || export PKG_CONFIG_LIBDIR=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { printf "pkgconfig.sh: %b\n" "$*" >&2; exit 1; }

meson install -C "$build" --destdir "$tmp/root" --no-rebuild --quiet >/dev/null
pc=$(find "$tmp/root" -name healthcode.pc | head -n1)
[ -n "$pc" ] || fail "no healthcode.pc installed"
# The .pc names the final prefix; the sysroot maps it into the DESTDIR.
export PKG_CONFIG_PATH=$(dirname "$pc")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH} PKG_CONFIG_SYSROOT_DIR="$tmp/root"
flags=$(pkg-config --cflags --libs healthcode) || fail "pkg-config cannot resolve healthcode"
# pkgconf prefixes the sysroot to variables too
libdir=$(pkg-config --variable=libdir healthcode)
case $libdir in "$tmp/root"/*) ;; *) libdir="$tmp/root$libdir" ;; esac
# a sanitized library needs a sanitized program (the runtime must come first)
san=$(meson introspect "$build" --buildoptions |
      python3 -c 'import json,sys; print(next((o["value"] for o in json.load(sys.stdin) if o["name"] == "b_sanitize"), "none"))')
extra=()
[ "$san" = none ] || [ -z "$san" ] || extra=(-fsanitize="$san")
$cc -std=c11 -Wall -Wextra -Werror "${extra[@]}" -o "$tmp/checkpoint" "$src/examples/checkpoint.c" $flags \
    || fail "examples/checkpoint.c does not build against the installed headers"
run() { LD_LIBRARY_PATH="$libdir" $wrapper "$tmp/checkpoint" --no-color "$@"; }

# which trust form this build reads: the JSON list needs the JSON support
if grep -q 'define HC_WITH_JSON 1' "$(find "$tmp/root" -name features.h | head -n1)"; then
    trust=(--trust "$src/examples/trust/trustlist.json")
    json=1
else
    trust=(--trust "$src/examples/trust/keys")
    json=0
fi
token=$(cat "$src/examples/trust/sample.token")
now=$(cat "$src/examples/trust/sample.now")

expect() { # status pattern output
    [ "$1" = "$2" ] || fail "exit status $2, expected $1; output:\n$4"
    grep -q -- "$3" <<<"$4" || fail "output lacks '$3':\n$4"
}

set +e
out=$(echo "$token" | run "${trust[@]}" --now "$now"); st=$?
expect 0 "$st" "Admitted: green code" "$out"
out=$(printf '%s\r\n' "$token" | run "${trust[@]}" --now "$now" --temperature 37.3); st=$?
expect 1 "$st" "fever" "$out"
out=$(echo "HCODE1:NOT-A-TOKEN" | run "${trust[@]}" --now "$now"); st=$?
expect 1 "$st" "bad_base45" "$out"
out=$(echo "$token" | run "${trust[@]}" --now $((now + 40 * 86400))); st=$?
expect 1 "$st" "(expired)" "$out"
if [ "$json" = 1 ]; then
    out=$(echo "$token" | run "${trust[@]}" --now $((now + 3600)) --venue "$src/examples/venues/station.json"); st=$?
    expect 1 "$st" "too_old" "$out"
    out=$(echo "$token" | run "${trust[@]}" --now "$now" --venue "$src/examples/venues/hospital.json"); st=$?
    expect 0 "$st" "ADMIT\|Admitted" "$out"
fi
if grep -q 'define HC_WITH_SCAN 1' "$(find "$tmp/root" -name features.h | head -n1)"; then
    out=$(run "${trust[@]}" --now "$now" --png "$src/examples/trust/sample.png"); st=$?
    expect 0 "$st" "Admitted: green code" "$out"
fi
# The pipeline example, where the issuer and render parts are installed.
if grep -q 'define HC_WITH_RENDER 1' "$(find "$tmp/root" -name features.h | head -n1)" &&
   grep -q 'define HC_WITH_ISSUER 1' "$(find "$tmp/root" -name features.h | head -n1)"; then
    $cc -std=c11 -Wall -Wextra -Werror "${extra[@]}" -o "$tmp/issue_verify" "$src/examples/issue_verify.c" $flags \
        || fail "examples/issue_verify.c does not build against the installed headers"
    out=$(LD_LIBRARY_PATH="$libdir" $wrapper "$tmp/issue_verify" "$src/examples/record.json" "$tmp/iv.png" 1580868000); st=$?
    expect 0 "$st" "verified: green code from CN-330000, valid until 1580954400" "$out"
    [ "$(head -c 4 "$tmp/iv.png" | tail -c 3)" = PNG ] || fail "issue_verify wrote no PNG"
fi
echo "pkgconfig: examples/checkpoint.c built against the installed library by $cc and ran${wrapper:+ under $wrapper} ($([ $json = 1 ] && echo JSON trust list || echo PEM directory))"

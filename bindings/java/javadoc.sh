#!/usr/bin/env bash
# javadoc.sh JAVADOC JAR OUT.jar SRC_DIR WORK_DIR — the javadoc of package cn.healthcode
# (public API only) into OUT.jar. Doclint on: any warning fails the build (a public name
# without its comment, a broken link or HTML), except the per-tag ones (@param, @return,
# @throws): the comments are written as sentences that name the parameters. No
# timestamps in the pages (-notimestamp).
set -euo pipefail
javadoc=$1 jar=$2 out=$3 src=$4 work=$5
rm -rf "$work/html"
mkdir -p "$work"
log=$work/javadoc.log
if ! "$javadoc" -notimestamp -Xdoclint:all -Xmaxwarns 10000 --release 11 -encoding UTF-8 -charset UTF-8 \
        -sourcepath "$src" -d "$work/html" -windowtitle "libhealthcode for Java" cn.healthcode >"$log" 2>&1; then
    cat "$log" >&2
    exit 1
fi
bad=$(grep -E ': (warning|error):' "$log" | grep -v -E 'warning: no @(param|return|throws)' || true)
if [ -n "$bad" ]; then
    printf '%s\njavadoc.sh: fix these javadoc warnings\n' "$bad" >&2
    exit 1
fi
rm -f "$out.tmp"
"$jar" cf "$out.tmp" -C "$work/html" .
mv "$out.tmp" "$out"

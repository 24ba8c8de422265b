#!/usr/bin/env bash
# help.sh HEALTHCODE MANPAGE — every command's help, and the manual's synopsis.
#   For every command `healthcode --help` lists, and every sub-command whose
#   help's first line names them (`usage: healthcode bundle make|show ...`):
#   `CMD --help`, `CMD -h` and `healthcode help CMD` exit 0, print the same
#   usage on stdout, starting "usage: healthcode CMD", and nothing on stderr.
#   The man page's SYNOPSIS has a `.B healthcode CMD` line for each command,
#   so that a command added to main.c's table cannot be left out of it.
set -uo pipefail
hc=$1
man=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { printf 'FAIL: %s\n' "$*"; fails=$((fails + 1)); }

# the commands, from the list under "commands:" in `healthcode --help`
"$hc" --help >"$tmp/top" 2>"$tmp/err" || fail "healthcode --help exited $?"
cmds=$(sed -n '/^commands:/,/^$/{s/^  \([a-z][a-z0-9-]*\) .*/\1/p}' "$tmp/top")
[ -n "$cmds" ] || fail "healthcode --help lists no command"
for form in "-h" "help"; do
    "$hc" $form >"$tmp/o" 2>&1 || fail "healthcode $form exited $?"
    cmp -s "$tmp/o" "$tmp/top" || fail "healthcode $form differs from healthcode --help"
done

# one command or sub-command, "bundle make": its three forms of help agree
check_help() {
    local words=$1 rc
    # shellcheck disable=SC2086
    "$hc" $words --help >"$tmp/help" 2>"$tmp/err"; rc=$?
    [ "$rc" = 0 ] || fail "healthcode $words --help exited $rc: $(head -n2 "$tmp/err")"
    [ -s "$tmp/err" ] && fail "healthcode $words --help wrote to stderr: $(head -n2 "$tmp/err")"
    head -n1 "$tmp/help" | grep -q "^usage: healthcode $words\b" ||
        fail "healthcode $words --help does not start with 'usage: healthcode $words': $(head -n1 "$tmp/help")"
    # shellcheck disable=SC2086
    "$hc" $words -h >"$tmp/o" 2>"$tmp/err"; rc=$?
    [ "$rc" = 0 ] || fail "healthcode $words -h exited $rc: $(head -n2 "$tmp/err")"
    cmp -s "$tmp/o" "$tmp/help" || fail "healthcode $words -h differs from --help"
    # shellcheck disable=SC2086
    "$hc" help $words >"$tmp/o" 2>"$tmp/err"; rc=$?
    [ "$rc" = 0 ] || fail "healthcode help $words exited $rc: $(head -n2 "$tmp/err")"
    cmp -s "$tmp/o" "$tmp/help" || fail "healthcode help $words differs from healthcode $words --help"
}

n=0
for c in $cmds; do
    check_help "$c"; n=$((n + 1))
    # sub-commands: "usage: healthcode CMD a|b|c ..." (cli_dispatch's convention, cli.h)
    subs=$("$hc" "$c" --help 2>/dev/null | head -n1 |
           sed -n "s/^usage: healthcode $c \([a-z][a-z0-9-]*\(|[a-z][a-z0-9-]*\)*\) \.\.\..*$/\1/p" | tr '|' ' ')
    for s in $subs; do
        check_help "$c $s"; n=$((n + 1))
    done
done

# the errors around help stay usage errors
"$hc" help no-such-command >/dev/null 2>"$tmp/err"
[ $? = 2 ] || fail "healthcode help no-such-command: not exit 2"
grep -q "unknown command 'no-such-command'" "$tmp/err" || fail "help of an unknown command: $(cat "$tmp/err")"
"$hc" verify --help=yes >/dev/null 2>&1
[ $? = 2 ] || fail "verify --help=yes: not exit 2"
# -h after an operand, as --help there: help, exit 0 (verify and check look for it
# before loading anything)
for c in verify check; do
    "$hc" $c HCODE1:X -h >"$tmp/o" 2>/dev/null || fail "$c TOKEN -h exited $?"
    "$hc" $c --help | cmp -s - "$tmp/o" || fail "$c TOKEN -h differs from $c --help"
done

# the manual's SYNOPSIS (from .SH SYNOPSIS to the next .SH) names every command
sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' "$man" >"$tmp/synopsis"
for c in $cmds; do
    grep -q "^\.B healthcode $c\( \|$\)" "$tmp/synopsis" ||
        fail "doc/healthcode.1: SYNOPSIS has no '.B healthcode $c' line"
done

if [ "$fails" -gt 0 ]; then
    echo "help.sh: $fails failure(s)"
    exit 1
fi
echo "help.sh: $n commands and sub-commands answer --help, -h and help CMD; SYNOPSIS names all $(wc -w <<<"$cmds")"

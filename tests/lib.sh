# tests/lib.sh — what the shell tests of the command share, written once.
# Sourced (". tests/lib.sh") by cli.sh, hostile.sh, sheets.sh and bundle.sh after their
# "set -euo pipefail". It gives:
#   $tmp             a fresh directory, removed when the script exits
#   $pass, $fail     the counters; ok and bad DESCRIPTION… count one check
#   run CMD…         runs a command: stdout in $tmp/out, stderr in $tmp/err,
#                    status in $rc; both outputs are appended to
#                    $tmp/all-output (for the key-material checks). When $TIME
#                    names GNU time (a script sets it after sourcing), also
#                    peak RSS (KiB) in $mem and wall time (s) in $secs.
#   expect STATUS DESCRIPTION CMD…   run, and check the exit status
#   is DESCRIPTION GOT WANT          the two strings are equal
#   has DESCRIPTION FILE STRING      the file contains the fixed string
#   says DESCRIPTION STRING          stdout or stderr of the last run holds it
#   jf FIELD [FILE]                  a top-level JSON field of the output
#                                    ($tmp/out): strings raw, null as "null"
#   finish [NAME]    prints "[NAME: ]N passed, N failed" (the line CI reads)
#                    and returns non-zero if a check failed; a script ends
#                    with it.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/all-output"

pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
    echo "FAIL: $*" >&2
    fail=$((fail + 1))
}

TIME=
rc=0
mem=0
secs=0
run() {
    rc=0
    if [ -n "$TIME" ]; then
        "$TIME" -f '%M %e' -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
        # GNU time writes "Command exited with non-zero status N" first
        read -r mem secs < <(tail -n 1 "$tmp/time") || true
    else
        "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
    fi
    cat "$tmp/out" "$tmp/err" >>"$tmp/all-output"
}
expect() {
    local want=$1 desc=$2
    shift 2
    run "$@"
    if [ "$rc" = "$want" ]; then ok; else
        bad "$desc: exit $rc, expected $want"
        sed 's/^/    | /' "$tmp/err" "$tmp/out" | head -n 8 >&2
    fi
}
is() {
    if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', expected '$3'"; fi
}
has() {
    if grep -qF -- "$3" "$2"; then ok; else bad "$1: '$3' not in output"; sed 's/^/    | /' "$2" | head -n 5 >&2; fi
}
says() {
    if grep -qF -- "$2" "$tmp/err" "$tmp/out"; then ok; else
        bad "$1: '$2' not in the output"
        sed 's/^/    | /' "$tmp/err" "$tmp/out" | head -n 5 >&2
    fi
}
jf() {
    python3 -c 'import json,sys
v = json.load(open(sys.argv[2])).get(sys.argv[1], "MISSING")
print("null" if v is None else (v if isinstance(v, str) else json.dumps(v)))' "$1" "${2:-$tmp/out}"
}
finish() {
    echo "${1:+$1: }$pass passed, $fail failed"
    [ "$fail" = 0 ]
}

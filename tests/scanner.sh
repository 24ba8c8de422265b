#!/bin/bash
# scanner.sh SCANNER TEST_FRAME — examples/scanner, the firmware loop, over
# raw 640x480 gray frames that test_frame writes: a code for 3 frames, none
# for 1, the code for 2 more. Decided once, then again after it left the
# frame; the same from a directory and from one stream on stdin.
set -euo pipefail
scanner=$1 test_frame=$2
src=${HC_SOURCE_ROOT:?}
wrap=${HC_EXE_WRAPPER:-}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/frames"
$wrap "$test_frame" --write "$dir/frames"
mv "$dir/frames/stream.gray" "$dir/stream.gray"
now=$(cat "$src/examples/trust/sample.now")
args=(--trust "$src/examples/trust/keys" --size 640x480 --now "$now")

want='frame 1: ADMIT admitted green, issued by CN-330000: '
$wrap "$scanner" "${args[@]}" "$dir/frames" > "$dir/out" 2> "$dir/err"
$wrap "$scanner" "${args[@]}" - < "$dir/stream.gray" > "$dir/out2" 2> "$dir/err2"
for o in out out2; do
    [ "$(wc -l < "$dir/$o")" -eq 2 ] || { cat "$dir/$o"; echo "want 2 decisions"; exit 1; }
    grep -q "^frame 1: ADMIT admitted green, issued by CN-330000" "$dir/$o" || { cat "$dir/$o"; exit 1; }
    grep -q "^frame 5: ADMIT admitted green" "$dir/$o" || { cat "$dir/$o"; exit 1; }
done
grep -q "^6 frames, 2 decisions" "$dir/err" || { cat "$dir/err"; exit 1; }
grep -q "^6 frames, 2 decisions" "$dir/err2" || { cat "$dir/err2"; exit 1; }
# The same frames, 2 days later than the token's validity (7 days): denied.
$wrap "$scanner" --trust "$src/examples/trust/keys" --size 640x480 --now $((now + 9 * 86400)) \
    "$dir/frames" > "$dir/out3" 2>/dev/null
grep -q "^frame 1: DENY  invalid expired" "$dir/out3" || { cat "$dir/out3"; exit 1; }
# Usage errors
if $wrap "$scanner" --trust "$src/examples/trust/keys" "$dir/frames" 2>/dev/null; then exit 1; fi
echo ok

#!/bin/bash
# scanner.sh SCANNER TEST_FRAME — examples/scanner, the firmware loop, over
# raw 640x480 gray frames that test_frame writes: a code for 3 frames, none
# for 1, the code for 2 more. Decided once, then again after it left the
# frame: denied as a repeat (issue 22.4); the same from a directory and from
# one stream on stdin. Then a phone held to the camera remaking its live
# presentation (two texts, one cti): one decision, and a repeat when it is
# shown again.
set -euo pipefail
scanner=$1 test_frame=$2
src=${HC_SOURCE_ROOT:?}
wrap=${HC_EXE_WRAPPER:-}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/frames"
$wrap "$test_frame" --write "$dir/frames"
mv "$dir/frames/stream.gray" "$dir/stream.gray"
mkdir "$dir/live"
$wrap "$test_frame" --write-live "$dir/live"
now=$(cat "$src/examples/trust/sample.now")
args=(--trust "$src/examples/trust/keys" --size 640x480 --now "$now")

want='frame 1: ADMIT admitted green, issued by CN-330000: '
$wrap "$scanner" "${args[@]}" "$dir/frames" > "$dir/out" 2> "$dir/err"
$wrap "$scanner" "${args[@]}" - < "$dir/stream.gray" > "$dir/out2" 2> "$dir/err2"
for o in out out2; do
    [ "$(wc -l < "$dir/$o")" -eq 2 ] || { cat "$dir/$o"; echo "want 2 decisions"; exit 1; }
    grep -q "^frame 1: ADMIT admitted green, issued by CN-330000" "$dir/$o" || { cat "$dir/$o"; exit 1; }
    grep -q "^frame 5: DENY  repeat green, issued by CN-330000: Denied: this code was admitted here 0 seconds ago" \
        "$dir/$o" || { cat "$dir/$o"; exit 1; }
done
grep -q "^6 frames, 2 decisions" "$dir/err" || { cat "$dir/err"; exit 1; }
grep -q "^6 frames, 2 decisions" "$dir/err2" || { cat "$dir/err2"; exit 1; }
# The live presentation: frames 1-2 text A, 3-4 text B (the same cti), 5 none, 6 A.
$wrap "$scanner" "${args[@]}" "$dir/live" > "$dir/out4" 2> "$dir/err4"
[ "$(cut -d: -f1 "$dir/out4" | tr '\n' ' ')" = "frame 1 frame 6 " ] &&
    grep -q "^frame 1: ADMIT admitted green, issued by CN-330000" "$dir/out4" &&
    grep -q "^frame 6: DENY  repeat green" "$dir/out4" && grep -q "^6 frames, 2 decisions" "$dir/err4" ||
    { cat "$dir/out4" "$dir/err4"; echo "live: want frame 1 admitted, frame 6 a repeat"; exit 1; }
# 66 s later the presentation is stale: denied, once a text (a stale one has no cti to go by).
$wrap "$scanner" --trust "$src/examples/trust/keys" --size 640x480 --now $((now + 66)) "$dir/live" \
    > "$dir/out5" 2>/dev/null
[ "$(cut -d: -f1 "$dir/out5" | tr '\n' ' ')" = "frame 1 frame 3 frame 6 " ] &&
    grep -q "^frame 1: DENY  invalid stale_presentation" "$dir/out5" || { cat "$dir/out5"; exit 1; }
# The same frames, 2 days later than the token's validity (7 days): denied.
$wrap "$scanner" --trust "$src/examples/trust/keys" --size 640x480 --now $((now + 9 * 86400)) \
    "$dir/frames" > "$dir/out3" 2>/dev/null
grep -q "^frame 1: DENY  invalid expired" "$dir/out3" || { cat "$dir/out3"; exit 1; }
# Usage errors: no --size; a stride whose frame would wrap size_t (issue 25.18:
# the example allocated the wrapped size and hc_scan_frame read past it).
if $wrap "$scanner" --trust "$src/examples/trust/keys" "$dir/frames" 2>/dev/null; then exit 1; fi
status() { local s=0; "$@" > "$dir/o" 2> "$dir/e" || s=$?; echo $s; }
s=$(status $wrap "$scanner" --trust "$src/examples/trust/keys" --size 16x16 --stride 1152921504606846976 "$dir/stream.gray")
[ "$s" = 2 ] && grep -q -- '--stride 1152921504606846976: want a number of bytes' "$dir/e" || { echo "exit $s"; cat "$dir/e"; exit 1; }
for bad in 640x 0x480 640x480x 640x-480 -640x480 99999x480; do
    s=$(status $wrap "$scanner" "${args[@]}" --size "$bad" "$dir/stream.gray")
    [ "$s" = 2 ] && grep -q -- "--size $bad: want WxH" "$dir/e" || { echo "--size $bad: exit $s"; cat "$dir/e"; exit 1; }
done
# Input that is not whole frames (issue 26.15): reported with its sizes, exit 4.
head -c 1000 "$dir/stream.gray" > "$dir/short.gray"
s=$(status $wrap "$scanner" "${args[@]}" "$dir/short.gray")
[ "$s" = 4 ] || { echo "1000 bytes: exit $s"; cat "$dir/e"; exit 1; }
grep -q "short.gray: 1000 bytes: 0 whole frames of 307200 bytes and 1000 bytes more, not a whole frame" "$dir/e" &&
    grep -q "^0 frames, 0 decisions" "$dir/e" || { cat "$dir/e"; exit 1; }
# A wrong --size: 6 frames of 640x480 are 6.4 of 600x480.
s=$(status $wrap "$scanner" "${args[@]}" --size 600x480 - < "$dir/stream.gray")
[ "$s" = 4 ] && grep -q "^-: 1843200 bytes: 6 whole frames of 288000 bytes and 115200 bytes more" "$dir/e" ||
    { echo "wrong size: exit $s"; cat "$dir/e"; exit 1; }
# In a directory, a file that is not one frame is named and skipped; the others are read.
cp "$dir/short.gray" "$dir/frames/frame02b.gray"
cat "$dir/frames/frame00.gray" "$dir/frames/frame00.gray" > "$dir/frames/frame05b.gray"
s=$(status $wrap "$scanner" "${args[@]}" "$dir/frames")
[ "$s" = 4 ] && grep -q "frame02b.gray: shorter, not one frame of 307200 bytes" "$dir/e" &&
    grep -q "frame05b.gray: longer, not one frame of 307200 bytes" "$dir/e" && grep -q "^6 frames, 2 decisions" "$dir/e" ||
    { echo "directory: exit $s"; cat "$dir/e"; exit 1; }
echo ok

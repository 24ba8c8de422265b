#!/usr/bin/env bash
# tests/hostile.sh — the healthcode command against hostile input and key
# hygiene (issue 7, parts 3 and 4): each case's exact exit status and a
# substring of its message, and for the big inputs the command's peak memory
# and wall time.
#   usage: tests/hostile.sh PATH/TO/healthcode     (meson test hostile-cli)
#
# Memory and time: GNU time (/usr/bin/time -f '%M %e') gives the command's
# peak RSS (ru_maxrss of the child) and wall time. The peak is compared with
# the same command on a small input (the baseline), so a sanitizer build's
# larger footprint does not count: a 100 MB input must cost under 16 MiB more
# than a 100-byte one (the CLI reads a record file with a 1 MiB bound, the
# batch reader holds 2 MiB of a line), and take under 5 s. Without GNU time
# the measurements are skipped (the statuses are still checked).
#
# The unit-level cases, with their memory bounds, are in tests/test_hostile.c
# and tests/test_secrets.c; this script checks what the command adds: exit
# statuses, messages, nothing of a key in any output, and file modes.
set -euo pipefail
hc=$1
. "$(dirname "$0")/lib.sh"   # $tmp, ok/bad, run, expect, is, says, jf, finish
umask 022

# run (tests/lib.sh) also measures the command's peak RSS ($mem, KiB) and
# wall time ($secs) when GNU time is there.
TIME=/usr/bin/time
[ -x "$TIME" ] && "$TIME" -f '%M' true 2>/dev/null || TIME=

# bounded DESCRIPTION BASELINE_KIB: the last command's peak is under the
# baseline + 16 MiB and its time under 5 s
bounded() {
    [ -n "$TIME" ] || return 0
    local grew=$((mem - $2))
    printf '  %-48s peak %7d KiB (+%6d KiB)  %5s s\n' "$1" "$mem" "$grew" "$secs"
    if [ "$grew" -lt $((16 * 1024)) ]; then ok; else bad "$1: peak grew by $grew KiB (bound 16 MiB)"; fi
    if awk -v s="$secs" 'BEGIN { exit !(s < 5) }'; then ok; else bad "$1: $secs s (bound 5 s)"; fi
}

now=1580868000
later=$((now + 60))
features=$("$hc" --version)
have_batch=false
"$hc" --help | grep -q '^  batch ' && have_batch=true

# ------------------------------------------------------------------ set-up
expect 0 "keygen" "$hc" keygen --out "$tmp/es.pem" --pub "$tmp/es.pub"
cat >"$tmp/rec.json" <<'EOF'
{"id": "11010519491231002X", "id_type": "cn_resident", "name": "张小三", "residence": 330402}
EOF
head='{"id": "11010519491231002X", "id_type": "cn_resident"'
expect 0 "issue (baseline)" "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --now $now "$tmp/rec.json"
base_issue=$mem
tok=$(cat "$tmp/out")
expect 0 "assess (baseline)" "$hc" assess --now $now "$tmp/rec.json"
base_assess=$mem

# ------------------------------------------------------ a 100 MB record line
{ printf '%s, "name": "' "$head"; head -c 100000000 /dev/zero | tr '\0' A; printf '"}\n'; } >"$tmp/big.json"
expect 3 "issue: 100 MB record" "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --now $now "$tmp/big.json"
says "issue: 100 MB record" "the record is larger than 1 MiB"
is "issue: 100 MB record: no token" "$(wc -c <"$tmp/out")" 0
bounded "issue: 100 MB record file" "$base_issue"
expect 3 "issue: 100 MB record on stdin" "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --now $now - <"$tmp/big.json"
says "issue: 100 MB on stdin" "the record is larger than 1 MiB"
bounded "issue: 100 MB record on stdin" "$base_issue"
expect 3 "assess: 100 MB record" "$hc" assess --now $now "$tmp/big.json"
bounded "assess: 100 MB record file" "$base_assess"

if $have_batch; then
    { cat "$tmp/rec.json"; cat "$tmp/big.json"; cat "$tmp/rec.json"; } >"$tmp/big.jsonl"
    expect 0 "batch (baseline)" "$hc" batch --key "$tmp/es.pem" --issuer CN-330000 --now $now \
        --threads 1 --in "$tmp/rec.json" --out "$tmp/batch-base"
    base_batch=$mem
    expect 4 "batch: a 100 MB line among good ones" "$hc" batch --key "$tmp/es.pem" --issuer CN-330000 \
        --now $now --threads 1 --in "$tmp/big.jsonl" --out "$tmp/batch-big"
    bounded "batch: a 100 MB line" "$base_batch"
    is "batch: two issued" "$(wc -l <"$tmp/batch-big/tokens.jsonl")" 2
    is "batch: the long line is line 2" "$(jf line "$tmp/batch-big/errors.jsonl")" 2
    is "batch: its error" "$(jf error "$tmp/batch-big/errors.jsonl")" too_large
fi
rm -f "$tmp/big.json" "$tmp/big.jsonl"

# ------------------------------------------------------ JSON 100 000 deep
python3 -c 'import sys; sys.stdout.write("[" * 100000 + "]" * 100000)' >"$tmp/deep.json"
expect 3 "assess: record 100 000 deep" "$hc" assess --now $now "$tmp/deep.json"
says "record 100 000 deep" "maximum depth (32)"
expect 3 "assess: policy 100 000 deep" "$hc" assess --now $now --policy "$tmp/deep.json" "$tmp/rec.json"
says "policy 100 000 deep" "maximum parsing depth"
expect 3 "verify: trust list 100 000 deep" "$hc" verify --trust "$tmp/deep.json" --now $later "$tok"
says "trust list 100 000 deep" "maximum depth (32)"   # json.c, the verify side's reader
expect 3 "check: venue 100 000 deep" "$hc" check --trust "$tmp/es.pub" --venue "$tmp/deep.json" --now $later "$tok"

# -------------------------------------------- NUL and invalid UTF-8 in a name
printf '%s, "name": "Zh\xffng"}' "$head" >"$tmp/utf8.json"
expect 3 "assess: invalid UTF-8 in the name" "$hc" assess --now $now "$tmp/utf8.json"
says "invalid UTF-8" "invalid UTF-8 in a string (byte 0xff)"
printf '%s, "name": "Zhang\\u0000San"}' "$head" >"$tmp/nul.json"
expect 3 "assess: \\u0000 in the name" "$hc" assess --now $now "$tmp/nul.json"
says "\\u0000 in the name" "name contains a NUL character"
printf '%s, "name": "Zhang\0San"}' "$head" >"$tmp/rawnul.json"
expect 3 "issue: a raw NUL byte in the name" "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --now $now "$tmp/rawnul.json"
says "raw NUL" "control character"
if $have_batch; then
    printf 'id,id_type,name\n11010519491231002X,cn_resident,Zhang\0San\n11010519491231002X,cn_resident,Zh\xffng\n' >"$tmp/nul.csv"
    expect 4 "batch: NUL and invalid UTF-8 in CSV names" "$hc" batch --key "$tmp/es.pem" --issuer CN-330000 \
        --now $now --in "$tmp/nul.csv" --out "$tmp/batch-nul"
    is "batch CSV: both lines are errors" "$(wc -l <"$tmp/batch-nul/errors.jsonl")" 2
    is "batch CSV: the NUL names its column" "$(head -n 1 "$tmp/batch-nul/errors.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["field"])')" name
    is "batch CSV: the bad UTF-8 names its column" "$(tail -n 1 "$tmp/batch-nul/errors.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["field"])')" name
fi

# ---------------------------------------------------- numbers out of range
printf '%s, "declaration": {"at": "2020-02-05T09:00:00+08:00", "temperature_c": 1e309}}' "$head" >"$tmp/temp.json"
expect 3 "assess: temperature 1e309" "$hc" assess --now $now "$tmp/temp.json"
says "temperature 1e309" "a number out of range"
printf '%s, "declaration": {"at": "2020-02-05T09:00:00+08:00", "temperature_c": 1e308}}' "$head" >"$tmp/temp.json"
expect 3 "assess: temperature 1e308" "$hc" assess --now $now "$tmp/temp.json"
says "temperature 1e308" "declaration.temperature_c"
for v in 31d 2592001 99999999999 -1 0 1e3 ''; do
    expect 2 "issue --validity '$v'" "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --now $now --validity "$v" "$tmp/rec.json"
    says "--validity '$v'" "--validity"
done
expect 0 "issue --validity 30d (the maximum)" "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --now $now --validity 30d "$tmp/rec.json"
for v in 2d 86401 -1 99999999999; do
    expect 2 "verify --skew '$v'" "$hc" verify --trust "$tmp/es.pub" --skew "$v" --now $later "$tok"
done

# ----------------------------------------------- negative and far-future times
for t in -1 -9223372036854775808 9223372036854775807 1e9 1969-12-31; do
    expect 2 "issue --now '$t'" "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --now "$t" "$tmp/rec.json"
    says "issue --now '$t'" "--now"
    expect 2 "verify --now '$t'" "$hc" verify --trust "$tmp/es.pub" --now "$t" "$tok"
done
expect 3 "issue --now 999999999999 (year 33658: assess refuses)" "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --now 999999999999 "$tmp/rec.json"
says "assess out of range" "out of range"
if $have_batch; then
    expect 2 "batch --now 999999999999 (refused before any line)" "$hc" batch --key "$tmp/es.pem" --issuer CN-330000 \
        --now 999999999999 --in "$tmp/rec.json" --out "$tmp/batch-far"
    says "batch far-future now" "9999-12-31"
fi
expect 0 "issue --colour --now 999999999999" "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --now 999999999999 --colour green "$tmp/rec.json"
far=$(cat "$tmp/out")
expect 0 "verify a far-future token then" "$hc" verify --trust "$tmp/es.pub" --now 999999999999 "$far"
is "far-future iat" "$(jf iat)" 999999999999
expect 14 "verify a far-future token now" "$hc" verify --trust "$tmp/es.pub" --now $later "$far"
expect 13 "verify at year 33658" "$hc" verify --trust "$tmp/es.pub" --now 999999999999 "$tok"
expect 14 "verify at the epoch" "$hc" verify --trust "$tmp/es.pub" --now 0 "$tok"

# ------------------------------------------------- a 10 000-character token
long="HCODE1:$(head -c 9993 /dev/zero | tr '\0' A)"
expect 10 "verify: 10 000 characters" "$hc" verify --trust "$tmp/es.pub" --now $later "$long"
is "verify 10 000: error" "$(jf error)" too_large
is "verify 10 000: valid" "$(jf valid)" false
expect 10 "verify: 10 000 characters on stdin" "$hc" verify --trust "$tmp/es.pub" --now $later - <<<"$long"
expect 10 "inspect: 10 000 characters" "$hc" inspect "$long"
is "inspect 10 000: error" "$(jf error)" too_large
if [[ $features == *render* ]]; then
    expect 10 "render: 10 000 characters" "$hc" render --png "$tmp/long.png" "$long"
    [ ! -e "$tmp/long.png" ] && ok || bad "render wrote an image of a refused token"
fi
expect 10 "verify: 10 000 characters, no prefix" "$hc" verify --trust "$tmp/es.pub" --now $later "$(head -c 10000 /dev/zero | tr '\0' x)"
head -c 2000000 /dev/zero | tr '\0' A >"$tmp/2mb.txt"
expect 3 "verify: 2 MB on stdin" "$hc" verify --trust "$tmp/es.pub" --now $later - <"$tmp/2mb.txt"
says "2 MB on stdin" "cannot read the token"

# ------------------------------------------------------- a PNG that is not one
if [[ $features == *scan* ]]; then
    head -c 65536 /dev/urandom >"$tmp/random.png"
    expect 3 "verify --png random bytes" "$hc" verify --trust "$tmp/es.pub" --now $later --png "$tmp/random.png"
    is "random bytes: error" "$(jf error)" invalid_image
    expect 0 "render a real code" "$hc" render --png "$tmp/code.png" "$tok"
    size=$(wc -c <"$tmp/code.png")
    for cut in $((size - 12)) $((size / 2)) 33 8 0; do
        head -c $cut "$tmp/code.png" >"$tmp/cut.png"
        expect 3 "verify --png truncated to $cut of $size" "$hc" verify --trust "$tmp/es.pub" --now $later --png "$tmp/cut.png"
        is "truncated $cut: error" "$(jf error)" invalid_image
    done
    for wh in "1000000 1000000" "16384 16384" "2147483647 1" "8192 8192"; do
        python3 - "$tmp/ihdr.png" $wh <<'EOF'
import struct, sys, zlib
w, h = int(sys.argv[2]), int(sys.argv[3])
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b""))
EOF
        expect 3 "verify --png IHDR ${wh/ /x}" "$hc" verify --trust "$tmp/es.pub" --now $later --png "$tmp/ihdr.png"
        is "IHDR ${wh/ /x}: error" "$(jf error)" invalid_image
        bounded "verify --png IHDR ${wh/ /x}" "$base_issue"
    done
    expect 3 "verify --png a missing file" "$hc" verify --trust "$tmp/es.pub" --now $later --png "$tmp/nope.png"
fi

# ------------------------------------------------------------ truncated PEMs
head -c 150 "$tmp/es.pem" >"$tmp/trunc.pem"
chmod 600 "$tmp/trunc.pem"
expect 3 "issue --key truncated" "$hc" issue --key "$tmp/trunc.pem" --issuer CN-330000 --now $now "$tmp/rec.json"
says "issue --key truncated" "trunc.pem"
is "issue --key truncated: no token" "$(wc -c <"$tmp/out")" 0
head -c 100 "$tmp/es.pub" >"$tmp/trunc.pub"
expect 3 "verify --trust truncated" "$hc" verify --trust "$tmp/trunc.pub" --now $later "$tok"
says "verify --trust truncated" "truncated"
mkdir "$tmp/tdir"
cp "$tmp/es.pub" "$tmp/tdir/a.pem"
cp "$tmp/trunc.pub" "$tmp/tdir/b.pem"
expect 3 "verify --trust DIR with a truncated key" "$hc" verify --trust "$tmp/tdir" --now $later "$tok"
says "trust dir" "b.pem"
if $have_batch; then
    expect 3 "batch --key truncated" "$hc" batch --key "$tmp/trunc.pem" --issuer CN-330000 --now $now \
        --in "$tmp/rec.json" --out "$tmp/batch-trunc"
fi

# ------------------------------------- secrets: no piece of a key in any output
# A broken private key carrying a marker, and a real key with one character
# changed: every command that reads a key refuses them, and nothing it prints
# holds 16 characters of their bodies.
cat >"$tmp/marker.pem" <<'EOF'
-----BEGIN PRIVATE KEY-----
SECRETMARKERhc7qZ0x9ZW50aWFsLXRvcC1zZWNyZXQtbWFya2VyLWRvLW5vdC1sZWFr
TUFSS0VSLXNlY29uZC1saW5lLW9mLXRoZS1icm9rZW4ta2V5LWJvZHktMTIzNDU2Nzg5
-----END PRIVATE KEY-----
EOF
python3 - "$tmp/es.pem" "$tmp/corrupt.pem" <<'EOF'
import sys
t = open(sys.argv[1]).read()
i = t.index("\n") + 40
open(sys.argv[2], "w").write(t[:i] + ("Q" if t[i] != "Q" else "R") + t[i + 1:])
EOF
chmod 600 "$tmp/marker.pem" "$tmp/corrupt.pem"
for k in marker corrupt; do
    : >"$tmp/all-output"
    expect 3 "issue --key $k" "$hc" issue --key "$tmp/$k.pem" --issuer CN-330000 --now $now "$tmp/rec.json"
    expect 3 "verify --trust $k" "$hc" verify --trust "$tmp/$k.pem" --now $later "$tok"
    expect 3 "check --trust $k" "$hc" check --trust "$tmp/$k.pem" --now $later "$tok"
    if $have_batch; then
        expect 3 "batch --key $k" "$hc" batch --key "$tmp/$k.pem" --issuer CN-330000 --now $now \
            --in "$tmp/rec.json" --out "$tmp/batch-$k"
    fi
    body=$(grep -v -- '-----' "$tmp/$k.pem" | tr -d '\n')
    leaked=
    for ((i = 0; i + 16 <= ${#body}; i++)); do
        if grep -qF -- "${body:i:16}" "$tmp/all-output"; then leaked=${body:i:16}; break; fi
    done
    [ -z "$leaked" ] && ok || bad "$k: '$leaked' of the key body appeared in the output"
done
# the real key given where a record, a policy, a map, a list or a token goes
# (swapped arguments): refused, and no 16 characters of it in any output
: >"$tmp/all-output"
k="$tmp/es.pem"
expect 3 "assess KEY.pem" "$hc" assess --now $now "$k"
expect 3 "issue with KEY.pem as the record" "$hc" issue --key "$k" --issuer CN-330000 --now $now "$k"
expect 3 "assess --policy KEY.pem" "$hc" assess --now $now --policy "$k" "$tmp/rec.json"
expect 3 "assess --risk-map KEY.pem" "$hc" assess --now $now --risk-map "$k" "$tmp/rec.json"
expect 3 "verify --revoked KEY.pem" "$hc" verify --trust "$tmp/es.pub" --revoked "$k" --now $later "$tok"
expect 3 "check --venue KEY.pem" "$hc" check --trust "$tmp/es.pub" --venue "$k" --now $later "$tok"
expect 10 "verify - < KEY.pem" "$hc" verify --trust "$tmp/es.pub" --now $later - <"$k"
expect 10 "inspect - < KEY.pem" "$hc" inspect - <"$k"
if [[ $features == *render* ]]; then
    expect 10 "render - < KEY.pem" "$hc" render --svg "$tmp/k.svg" - <"$k"
fi
if $have_batch; then
    expect 3 "batch --in KEY.pem" "$hc" batch --key "$k" --issuer CN-330000 --now $now --in "$k" --out "$tmp/batch-keyin"
    says "batch --in KEY.pem" "the input is a PEM private key"
    [ ! -e "$tmp/batch-keyin/errors.jsonl" ] && ok || bad "batch --in KEY.pem wrote errors.jsonl"
    cp "$k" "$tmp/key-as.csv"
    expect 3 "batch --in KEY (as .csv)" "$hc" batch --key "$k" --issuer CN-330000 --now $now --in "$tmp/key-as.csv" --out "$tmp/batch-keycsv"
fi
body=$(grep -v -- '-----' "$k" | tr -d '\n')
leaked=
for ((i = 0; i + 16 <= ${#body}; i++)); do
    if grep -qF -- "${body:i:16}" "$tmp/all-output"; then leaked=${body:i:16}; break; fi
done
[ -z "$leaked" ] && ok || bad "the key given as an input: '$leaked' of it appeared in the output"

# and the real key, used successfully, never appears either
: >"$tmp/all-output"
expect 0 "issue with the real key" "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --now $now "$tmp/rec.json"
body=$(grep -v -- '-----' "$tmp/es.pem" | tr -d '\n')
leaked=
for ((i = 0; i + 16 <= ${#body}; i += 4)); do
    if grep -qF -- "${body:i:16}" "$tmp/all-output"; then leaked=${body:i:16}; break; fi
done
[ -z "$leaked" ] && ok || bad "the private key appeared in the output"

# ------------------------- a private key readable by others, at every entry point
head -c 32 /dev/urandom >"$tmp/secret"
mkdir "$tmp/privdir"
for mode in 640 604 644 660 606 666 440 404; do
    cp "$tmp/es.pem" "$tmp/open.pem"
    chmod $mode "$tmp/open.pem"
    expect 3 "issue --key mode $mode" "$hc" issue --key "$tmp/open.pem" --issuer CN-330000 --now $now "$tmp/rec.json"
    says "issue --key mode $mode" "readable by group or others"
    says "issue --key mode $mode" "chmod 600"
    is "issue --key mode $mode: no token" "$(wc -c <"$tmp/out")" 0
    if $have_batch; then
        expect 3 "batch --key mode $mode" "$hc" batch --key "$tmp/open.pem" --issuer CN-330000 --now $now \
            --in "$tmp/rec.json" --out "$tmp/batch-perm-$mode"
        says "batch --key mode $mode" "readable by group or others"
        says "batch --key mode $mode" "chmod 600"
        [ ! -e "$tmp/batch-perm-$mode/tokens.jsonl" ] && ok || bad "batch --key mode $mode wrote tokens"
    fi
    expect 3 "verify --trust PRIVATE mode $mode" "$hc" verify --trust "$tmp/open.pem" --now $later "$tok"
    says "verify --trust PRIVATE mode $mode" "readable by group or others"
    says "verify --trust PRIVATE mode $mode" "chmod 600"
    expect 3 "check --trust PRIVATE mode $mode" "$hc" check --trust "$tmp/open.pem" --now $later "$tok"
    says "check --trust PRIVATE mode $mode" "readable by group or others"
    cp -p "$tmp/open.pem" "$tmp/privdir/signing.pem"
    expect 3 "verify --trust DIR holding a private key mode $mode" "$hc" verify --trust "$tmp/privdir" --now $later "$tok"
    says "verify --trust DIR mode $mode" "signing.pem"
    rm -f "$tmp/privdir/signing.pem"
    cp "$tmp/secret" "$tmp/open.secret"
    chmod $mode "$tmp/open.secret"
    expect 3 "issue --subject-secret mode $mode" "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --now $now \
        --subject-secret "$tmp/open.secret" "$tmp/rec.json"
    says "issue --subject-secret mode $mode" "readable by group or others"
    is "issue --subject-secret mode $mode: no token" "$(wc -c <"$tmp/out")" 0
    if $have_batch; then
        expect 3 "batch --subject-secret mode $mode" "$hc" batch --key "$tmp/es.pem" --issuer CN-330000 --now $now \
            --subject-secret "$tmp/open.secret" --in "$tmp/rec.json" --out "$tmp/batch-sperm-$mode"
        says "batch --subject-secret mode $mode" "readable by group or others"
    fi
done
for mode in 600 400; do
    cp "$tmp/es.pem" "$tmp/closed.pem"
    chmod $mode "$tmp/closed.pem"
    cp "$tmp/secret" "$tmp/closed.secret"
    chmod $mode "$tmp/closed.secret"
    expect 0 "issue --key mode $mode" "$hc" issue --key "$tmp/closed.pem" --issuer CN-330000 --now $now \
        --subject-secret "$tmp/closed.secret" "$tmp/rec.json"
    expect 0 "verify --trust PRIVATE mode $mode (its public half)" "$hc" verify --trust "$tmp/closed.pem" --now $later "$tok"
    if $have_batch; then
        expect 0 "batch --key mode $mode" "$hc" batch --key "$tmp/closed.pem" --issuer CN-330000 --now $now \
            --subject-secret "$tmp/closed.secret" --in "$tmp/rec.json" --out "$tmp/batch-ok-$mode"
    fi
    rm -f "$tmp/closed.pem" "$tmp/closed.secret"
done
# subject secrets of the wrong size, kept private: refused (and not echoed)
head -c 65 /dev/urandom >"$tmp/long.secret"
chmod 600 "$tmp/long.secret"
expect 3 "issue --subject-secret of 65 bytes" "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --now $now \
    --subject-secret "$tmp/long.secret" "$tmp/rec.json"
says "65-byte secret" "16 to 64 bytes"
head -c 4096 /dev/zero | tr '\0' S >"$tmp/big.secret"
chmod 600 "$tmp/big.secret"
expect 3 "issue --subject-secret of 4 KiB" "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --now $now \
    --subject-secret "$tmp/big.secret" "$tmp/rec.json"
grep -qF SSSSSSSS "$tmp/out" "$tmp/err" && bad "the secret file's text was printed" || ok
# a FIFO in the secret's place, mode 0600: refused as not a regular file at
# once (the check is on the opened descriptor, and the open does not wait
# for a writer; timeout's 124 would mean it hung)
mkfifo -m 600 "$tmp/fifo.secret"
expect 3 "issue --subject-secret FIFO" timeout 20 "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 \
    --now $now --subject-secret "$tmp/fifo.secret" "$tmp/rec.json"
says "issue --subject-secret FIFO" "fifo.secret: Invalid argument"
if $have_batch; then
    expect 3 "batch --subject-secret FIFO" timeout 20 "$hc" batch --key "$tmp/es.pem" --issuer CN-330000 \
        --now $now --subject-secret "$tmp/fifo.secret" --in "$tmp/rec.json" --out "$tmp/batch-fifo"
    says "batch --subject-secret FIFO" "fifo.secret: Invalid argument"
fi

# ------------------------------------------ keygen: 0600 whatever the umask
(
    umask 000
    "$hc" keygen --out "$tmp/u0.pem" --pub "$tmp/u0.pub" >/dev/null
    printf 'old\n' >"$tmp/wide.pem"
    chmod 666 "$tmp/wide.pem"
    "$hc" keygen --force --out "$tmp/wide.pem" --pub "$tmp/wide.pub" >/dev/null
) && ok || bad "keygen with umask 000 failed"
is "keygen, umask 000: private key mode" "$(stat -c %a "$tmp/u0.pem")" 600
is "keygen, umask 000: public key mode" "$(stat -c %a "$tmp/u0.pub")" 644
is "keygen --force over a 0666 file: mode" "$(stat -c %a "$tmp/wide.pem")" 600
grep -q -- "-----BEGIN PRIVATE KEY-----" "$tmp/wide.pem" && ok || bad "keygen --force did not replace the file"
ls "$tmp" | grep -q '\.tmp\.' && bad "a temporary key file was left behind" || ok
cp "$tmp/es.pem" "$tmp/old-open.pem"
chmod 644 "$tmp/old-open.pem"
expect 0 "keygen --force over a private key readable by others" "$hc" keygen --force --out "$tmp/old-open.pem" --pub "$tmp/old-open.pub"
is "keygen --force: the new key is 0600" "$(stat -c %a "$tmp/old-open.pem")" 600

finish hostile.sh

#!/usr/bin/env bash
# tests/register.sh — the issuer's register at the command line (issue 23):
# a red code (a Wuhan stay) corrected to green and refused by verify
# --revoked with the list `register revocations` writes; correct's refusals,
# each leaving the file as it was; the audit against the sqlite3 shell
# (update, delete, reorder, a forged head); purge; stats and the chart files;
# a register that is not one, of another version, read-only, on a full disk;
# a correction while a batch writes the same register, both real processes.
#   usage: tests/register.sh PATH/TO/healthcode     (meson test register-cli)
set -euo pipefail
hc=$1
. "$(dirname "$0")/lib.sh"   # $tmp, ok/bad, run, expect, is, jf, has, says, finish
SRC=${HC_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
if ! "$hc" register stats --help >/dev/null 2>&1 || "$hc" register stats --register /nonexistent 2>&1 |
        grep -q "no register"; then
    echo "SKIP: this build has no register"
    exit 77
fi
cd "$tmp"
"$hc" keygen --out k.pem --pub k.pub >/dev/null
"$hc" keygen --alg EdDSA --out other.pem --pub other.pub >/dev/null
head -c 32 /dev/urandom >secret && chmod 600 secret
cat >wuhan.json <<'EOF'
{"id":"330402199001011230","id_type":"cn_resident","name":"张三","residence":330402,
 "travel":[{"region":420100,"from":"2020-01-18","to":"2020-01-21"}]}
EOF
cat >fixed.json <<'EOF'
{"id":"330402199001011230","id_type":"cn_resident","name":"张三","residence":330402}
EOF
cat >other.json <<'EOF'
{"id":"330102198503154564","id_type":"cn_resident","name":"李四","residence":330102}
EOF
T0=2020-01-25T08:00:00+08:00
T1=2020-01-26T10:00:00+08:00
sql() { sqlite3 "${R:-R.db}" "$@"; }
cti_of() { "$hc" inspect "$1" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["cti"])'; }
state() { sqlite3 "${1:-R.db}" "SELECT (SELECT count(*) FROM codes)||'/'||(SELECT count(*) FROM corrections)||'/'||
    (SELECT count(*) FROM revocations)||'/'||(SELECT count(*) FROM heads)"; }

# ---------------------------------------------------------------- --help
for sub in revocations revoke audit stats purge; do
    expect 0 "register $sub --help" "$hc" register $sub --help
    says "register $sub --help: usage" "usage: healthcode register $sub"
done
expect 0 "register --help" "$hc" register --help
expect 0 "help register stats" "$hc" register help stats
says "register help stats" "--chart"
expect 0 "correct --help" "$hc" correct --help
expect 2 "register without a subcommand" "$hc" register
expect 2 "register frobnicate" "$hc" register frobnicate

# ------------------------------------- a red code corrected, refused at checkpoints
expect 0 "issue --register (red)" "$hc" issue --key k.pem --issuer CN-330000 --now $T0 \
    --subject-secret secret --register R.db wuhan.json
red=$(cat "$tmp/out")
old=$(cti_of "$red")
is "the register holds the code" "$(sql "SELECT colour FROM codes WHERE cti='$old'")" red
is "mode 0600" "$(stat -c %a R.db)" 600
expect 0 "issue --register (another person)" "$hc" issue --key k.pem --issuer CN-330000 --now $T0 \
    --subject-secret secret --register R.db other.json
stranger_cti=$(cti_of "$(cat "$tmp/out")")
before=$(state)
C() { "$hc" correct --register R.db --key k.pem --issuer CN-330000 --subject-secret secret --now $T1 "$@"; }
expect 42 "correct: unknown cti" C --cti 0123456789abcdef --record fixed.json --reason r --operator op
expect 44 "correct: another subject" C --cti "$old" --record other.json --reason r --operator op
says "another subject: says sub" "sub"
expect 44 "correct: no subject secret, old code has a sub" "$hc" correct --register R.db --key k.pem \
    --issuer CN-330000 --now $T1 --cti "$old" --record fixed.json --reason r --operator op
expect 2 "correct: empty reason" C --cti "$old" --record fixed.json --reason "" --operator op
expect 2 "correct: empty operator" C --cti "$old" --record fixed.json --reason r --operator ""
expect 2 "correct: no reason" C --cti "$old" --record fixed.json --operator op
expect 3 "correct: not a record" C --cti "$old" --record k.pub --reason r --operator op
is "refusals wrote nothing" "$(state)" "$before"
expect 0 "correct the Wuhan stay" C --cti "$old" --record fixed.json --operator op-0042 \
    --reason "the trip of 2020-01-18 was not taken (ticket refunded)" --evidence "case 2020-0211"
is "correct: old colour" "$(jf old_colour)" red
is "correct: new colour" "$(jf new_colour)" green
is "correct: old cti" "$(jf old_cti)" "$old"
is "correct: reasons of the new code" "$(jf reasons)" "[]"
new_token=$(jf token)
new_cti=$(jf new_cti)
is "correct: new cti is the token's" "$(jf new_cti)" "$(cti_of "$new_token")"
is "one corrections row with operator and reason" "$(sql "SELECT count(*) FROM corrections WHERE old_cti='$old'
    AND operator='op-0042' AND reason LIKE 'the trip of 2020-01-18%' AND evidence='case 2020-0211'")" 1
expect 43 "correct: already corrected" C --cti "$old" --record fixed.json --reason r --operator op
expect 0 "register revocations" "$hc" register revocations --register R.db --out revoked.txt
is "revocations: one cti" "$(jf cti)" 1
rev_seq=$(jf last_seq)
has "the list holds the old cti" revoked.txt "$old"
expect 15 "verify --revoked refuses the old code" "$hc" verify --trust k.pub --revoked revoked.txt \
    --now 2020-01-25T20:00:00+08:00 "$red"
is "verify: revoked" "$(jf error)" revoked
expect 0 "the new code verifies" "$hc" verify --trust k.pub --revoked revoked.txt \
    --now 2020-01-26T12:00:00+08:00 "$new_token"
is "verify: green" "$(jf colour)" green

# revoke by hand, the list's delta
expect 2 "revoke: both --cti and --sub" "$hc" register revoke --register R.db --key k.pem --cti "$old" \
    --sub 00000000000000000000000000000000 --reason r --operator op
sub=$(sql "SELECT sub FROM codes WHERE cti='$stranger_cti'")
expect 0 "revoke --sub" "$hc" register revoke --register R.db --key k.pem --sub "$sub" \
    --reason "document reported stolen" --operator op-7 --now $T1
expect 43 "revoke the same sub again" "$hc" register revoke --register R.db --key k.pem --sub "$sub" \
    --reason again --operator op-7
expect 42 "revoke an unknown cti" "$hc" register revoke --register R.db --key k.pem --cti 0123456789abcdef \
    --reason r --operator op
expect 0 "revocations --since" "$hc" register revocations --register R.db --out delta.txt --since "$rev_seq"
is "delta: the sub only" "$(jf sub)/$(jf cti)" "1/0"
has "delta holds the sub" delta.txt "$sub"
if grep -q "$old" delta.txt; then bad "the delta repeats the old cti"; else ok; fi
"$hc" keygen --alg EdDSA --out root.pem --pub root.pub >/dev/null
expect 0 "bundle make reads the list" "$hc" bundle make --root root.pem --trust k.pub --issuer CN-330000 \
    --revoked revoked.txt --revoked delta.txt --seq 1 --now $T1 --expires 7d --out b.cbor
expect 0 "revocations to stdout" "$hc" register revocations --register R.db --out -
has "stdout list" "$tmp/out" "$old"

# --------------------------------------------------------------- audit
expect 0 "audit passes" "$hc" register audit --register R.db --pub k.pub
is "audit: ok" "$(jf ok)" true
head_arg="$(python3 -c 'import json,sys; h=json.load(open(sys.argv[1]))["head"]; print("%d:%s" % (h["seq"], h["hash"]))' "$tmp/out")"
expect 0 "audit with the head kept outside" "$hc" register audit --register R.db --pub k.pub --head "$head_arg"
bad_head="${head_arg%%:*}: ${head_arg#*:?}"   # its first hex digit made a space: 64 characters, not hex
expect 2 "audit --head with a space among its hex digits" "$hc" register audit --register R.db --pub k.pub \
    --head "$bad_head"
expect 45 "audit with another key" "$hc" register audit --register R.db --pub other.pub
expect 2 "audit without --pub" "$hc" register audit --register R.db
expect 3 "audit with a --pub that is missing (it crashed: no diagnostic was passed)" "$hc" register audit \
    --register R.db --pub missing.pub
says "audit: the missing key named" "missing.pub: No such file or directory"
seq_old=$(sql "SELECT seq FROM codes WHERE cti='$old'")
tamper() {   # tamper NAME SQL BAD_SEQ WHERE: on a copy, the audit names the row
    cp R.db "$1.db"
    sqlite3 "$1.db" "$2"
    expect 45 "audit after: $2" "$hc" register audit --register "$1.db" --pub k.pub
    is "$1: bad_seq" "$(jf bad_seq)" "$3"
    says "$1: names the row" "$4"
}
sqlite3 R.db "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
tamper upd "update codes set colour='green' where cti='$old'" "$seq_old" "codes seq $seq_old (cti $old)"
tamper del "delete from codes where seq=2" 3 "codes seq 3"
tamper reorder "update codes set seq=-1 where seq=1; update codes set seq=1 where seq=2;
    update codes set seq=2 where seq=-1" 1 "codes seq 1"
tamper forged "update heads set sig=randomblob(64) where seq=(select max(seq) from heads)" null "heads seq"
tamper rewrite "update corrections set reason='typo', operator='nobody'" \
    "$(sql 'SELECT seq FROM corrections')" "corrections seq"
expect 0 "the original still passes" "$hc" register audit --register R.db --pub k.pub

# --------------------------------------------------- stats, chart, purge
expect 0 "stats --json" "$hc" register stats --register R.db --json
is "stats: 3 codes" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["issued"]["all"])' "$tmp/out")" 3
cp "$tmp/out" stats-before.json
expect 0 "chart svg" "$hc" register stats --register R.db --by day --chart day.svg
expect 0 "xmllint parses the SVG" xmllint --noout day.svg
expect 0 "chart png" "$hc" register stats --register R.db --by prefecture --chart pref.png
png_ok() {   # the PNG decodes: chunks, CRCs, IDAT inflates to height rows of width pixels
    python3 - "$1" <<'EOF'
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n", "signature"
i, idat, ihdr = 8, b"", None
while i < len(b):
    n, kind = struct.unpack(">I4s", b[i:i + 8])
    data = b[i + 8:i + 8 + n]
    assert zlib.crc32(kind + data) == struct.unpack(">I", b[i + 8 + n:i + 12 + n])[0], "crc"
    if kind == b"IHDR": ihdr = struct.unpack(">IIBBBBB", data)
    if kind == b"IDAT": idat += data
    i += 12 + n
w, h, depth, ctype = ihdr[:4]
bpp = {2: 3, 6: 4}[ctype] * depth // 8
assert len(zlib.decompress(idat)) == h * (1 + w * bpp), "size"
print(w, h)
EOF
}
expect 0 "the PNG decodes" png_ok pref.png
says "chart size" "1000 600"
expect 2 "chart: another extension" "$hc" register stats --register R.db --chart c.gif
expect 2 "chart: --by total" "$hc" register stats --register R.db --by total --chart c.svg
expect 2 "stats: --by bogus" "$hc" register stats --register R.db --by county
expect 0 "purge" "$hc" register purge --register R.db --key k.pem --before 2020-02-10 --operator dpo-1 \
    --now 2020-02-20
is "purge: rows" "$(jf purged)" 3
is "personal columns cleared" "$(sql "SELECT count(*) FROM codes WHERE sub IS NOT NULL OR doc IS NOT NULL
    OR region IS NOT NULL")" 0
is "the purge is on the record" "$(sql "SELECT operator||' '||rows FROM purges")" "dpo-1 3"
expect 0 "stats after purge" "$hc" register stats --register R.db --json
is "purge keeps the counts" "$(cat "$tmp/out")" "$(cat stats-before.json)"
expect 0 "audit after purge" "$hc" register audit --register R.db --pub k.pub
expect 2 "purge without --operator" "$hc" register purge --register R.db --key k.pem --before 2020-02-10
expect 44 "a purged code cannot be corrected" C --cti "$new_cti" --record fixed.json --reason r --operator op
says "purged: says so" "purged"

# ------------------------------------------- files that are not a register
echo "not a database at all, just some text that is long enough" >text.db
expect 40 "a text file" "$hc" register stats --register text.db
expect 40 "issue into a text file" "$hc" issue --key k.pem --issuer CN-330000 --register text.db fixed.json
is "no token printed" "$(cat "$tmp/out")" ""
sqlite3 other.db "CREATE TABLE t(x)"
expect 40 "another SQLite database" "$hc" register stats --register other.db
cp R.db v2.db && sqlite3 v2.db "PRAGMA user_version=2"
expect 41 "another schema version" "$hc" register stats --register v2.db
says "version: says which" "version 2"
expect 3 "a missing register" "$hc" register stats --register nope.db
if [ -e nope.db ]; then bad "a reader made a file"; else ok; fi

# -------------------------------------------------------------- read-only
cp R.db ro.db
ro_before=$(state ro.db)
if [ "$(id -u)" = 0 ]; then chattr +i ro.db 2>/dev/null || true; else chmod 444 ro.db; fi
if touch ro.db 2>/dev/null && [ -w ro.db ] && [ "$(id -u)" != 0 ]; then
    echo "SKIP: cannot make a read-only file here"
else
    expect 3 "issue into a read-only register" "$hc" issue --key k.pem --issuer CN-330000 --register ro.db fixed.json
    says "read-only: says so" "read-only"
    is "read-only: no token printed" "$(cat "$tmp/out")" ""
    expect 3 "revoke in a read-only register" "$hc" register revoke --register ro.db --key k.pem \
        --cti "$old" --reason r --operator op
    expect 0 "a read-only register still audits" "$hc" register audit --register ro.db --pub k.pub
fi
chattr -i ro.db 2>/dev/null || true
chmod 644 ro.db
is "read-only: nothing lost" "$(state ro.db)" "$ro_before"

# ------------------------------------------------------------- full disk
python3 "$SRC/bench/gen_records.py" --n 4000 --seed 3 --error-rate 0 --now 2020-01-25 >people.jsonl
full=""
if [ "$(id -u)" = 0 ] && mkdir -p small && mount -t tmpfs -o size=400k tmpfs small 2>/dev/null; then
    full=small
    trap 'umount "$tmp/small" 2>/dev/null || true; rm -rf "$tmp"' EXIT
fi
if [ -z "$full" ]; then
    echo "SKIP: the full-disk checks need root (a small tmpfs)"
else
    expect 0 "issue on the small disk" "$hc" issue --key k.pem --issuer CN-330000 --register small/F.db fixed.json
    full_before=$(state small/F.db)
    dd if=/dev/zero of=small/fill bs=4k 2>/dev/null || true   # not a byte left
    expect 3 "issue on the full disk" "$hc" issue --key k.pem --issuer CN-330000 --register small/F.db fixed.json
    says "full disk: issue says so" "full"
    is "full disk: no token printed" "$(cat "$tmp/out")" ""
    rm -f small/fill
    is "full disk: nothing lost" "$(state small/F.db)" "$full_before"
    "$hc" batch --key k.pem --issuer CN-330000 --now $T0 --in people.jsonl --out full-out --quiet \
        --register small/F.db --checkpoint 500 >"$tmp/out" 2>"$tmp/err" && rc=0 || rc=$?
    is "a batch on a full disk stops: exit 3" "$rc" 3
    says "full disk: the batch says so" "full"
    rows=$(sqlite3 small/F.db "SELECT count(*) FROM codes WHERE batch IS NOT NULL")
    lines=$(wc -l <full-out/tokens.jsonl)
    if [ "$rows" -ge 500 ] && [ "$rows" -lt "$lines" ]; then ok; else bad "full disk: $rows rows for $lines lines"; fi
    expect 0 "full disk: what was written audits" "$hc" register audit --register small/F.db --pub k.pub
    # room again (the register moved to a larger disk): the resume adds the rest
    cp small/F.db* . && umount small && full=""
    expect 0 "resume on a disk with room" "$hc" batch --key k.pem --issuer CN-330000 --in people.jsonl \
        --out full-out --quiet --register F.db --resume
    is "then one row a line" "$(sqlite3 F.db "SELECT count(*) FROM codes WHERE batch IS NOT NULL")" \
        "$(wc -l <full-out/tokens.jsonl)"
    expect 0 "and the audit passes" "$hc" register audit --register F.db --pub k.pub
fi

# ----------------------------------------- a correction during a batch
python3 "$SRC/bench/gen_records.py" --n 40000 --seed 9 --error-rate 0 --now 2020-01-25 >many.jsonl
expect 0 "a code to correct" "$hc" issue --key k.pem --issuer CN-330000 --now $T0 --register B.db wuhan.json
busy_old=$(cti_of "$(cat "$tmp/out")")
"$hc" batch --key k.pem --issuer CN-330000 --now $T0 --in many.jsonl --out many-out --quiet \
    --register B.db --checkpoint 1000 --threads 2 >batch.out 2>batch.err &
bpid=$!
for _ in $(seq 1 400); do   # until the batch has committed rows of its own
    n=$(sqlite3 B.db "SELECT count(*) FROM codes WHERE batch IS NOT NULL" 2>/dev/null || echo 0)
    [ "${n:-0}" -gt 0 ] && break
    sleep 0.05
done
during=$(kill -0 $bpid 2>/dev/null && echo running || echo finished)
expect 0 "correct while the batch writes" "$hc" correct --register B.db --key k.pem --issuer CN-330000 \
    --now $T1 --cti "$busy_old" --record fixed.json --reason "a concurrent correction" --operator op-9
rc=0
wait $bpid || rc=$?
is "the correction came while the batch ran" "$during" running
is "the batch succeeded too" "$rc" 0
is "one row a token line, plus the two codes" "$(sqlite3 B.db "SELECT count(*) FROM codes")" \
    "$(( $(wc -l <many-out/tokens.jsonl) + 2 ))"
expect 0 "the concurrent register audits" "$hc" register audit --register B.db --pub k.pub

finish register-cli

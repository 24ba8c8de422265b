#!/usr/bin/env bash
# tests/live.sh — codes bound to the holder's phone and shown live, at the
# command line (issue 22, doc/format.md "Holder binding and live
# presentations", doc/checkpoint.md): issue --device-pub and device_key in
# records and CSV, present, verify and check of presentations, every P-step's
# exit status, the venue rules live/unbound, the repeat memory of check --seen,
# and a presentation drawn as a QR code and read back (--png).
# Issue 22's "done when", each a check below:
#  - a P-256-bound token issued, presented and verified by the CLI is live; the
#    same presentation 100 s later is stale, with its own exit status (34);
#  - check with the hospital rule (live: required, unbound: check_id) admits a
#    live code, refuses the bound code shown as a plain token, and admits a
#    paper code with the check-ID message.
#   usage: tests/live.sh PATH/TO/healthcode     (meson test live-cli)
set -euo pipefail
hc=$1
src=${HC_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/lib.sh"   # $tmp, ok/bad, run, expect, is, has, says, jf, finish
umask 022
cd "$tmp"

iat=1580868000           # 2020-02-05T10:00:00+08:00
now=$((iat + 30))
for k in es256 device-es256 device-ed25519 device-sm2 es256-b; do
    install -m 600 "$src/tests/keys/$k.pem" "$k.pem"
    cp "$src/tests/keys/$k.pub.pem" "$k.pub.pem" 2>/dev/null || true
done
rec=$src/examples/record.json
hospital=$src/examples/venues/hospital.json
trust=(--trust es256.pub.pem)

# ---- issuing: --device-pub, and device_key in a record
expect 0 "issue --device-pub" "$hc" issue --key es256.pem --issuer CN-330000 --now $iat \
    --device-pub device-es256.pub.pem "$rec"
tok=$(cat "$tmp/out")
expect 0 "verify the bound token (plain)" "$hc" verify "${trust[@]}" --now $now "$tok"
is "plain bound: bound" "$(jf bound)" true
is "plain bound: live" "$(jf live)" false
is "plain bound: t" "$(jf t)" null
expect 35 "--require-live refuses the plain token" "$hc" verify "${trust[@]}" --now $now --require-live "$tok"
is "not_live error" "$(jf error)" not_live
b64=$(openssl pkey -pubin -in device-ed25519.pub.pem -outform DER | base64 -w0)
python3 - "$rec" "$b64" >bound.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); r["device_key"] = sys.argv[2]; print(json.dumps(r, ensure_ascii=False))
PY
expect 0 "issue a record with device_key (Ed25519)" "$hc" issue --key es256.pem --issuer CN-330000 \
    --now $iat bound.json
tok_ed=$(cat "$tmp/out")
expect 3 "--device-pub and another device_key in the record" "$hc" issue --key es256.pem \
    --issuer CN-330000 --now $iat --device-pub device-es256.pub.pem bound.json
says "names the conflict" "device_key is another key"
expect 0 "--device-pub the record's own key" "$hc" issue --key es256.pem --issuer CN-330000 \
    --now $iat --device-pub device-ed25519.pub.pem bound.json
openssl ec -pubin -in device-es256.pub.pem -conv_form compressed -out devc.pub.pem 2>/dev/null
expect 0 "--device-pub with a compressed point" "$hc" issue --key es256.pem --issuer CN-330000 \
    --now $iat --device-pub devc.pub.pem "$rec"
tok_c=$(cat "$tmp/out")
expect 0 "present it with the device's key" "$hc" present --device-key device-es256.pem --now $iat "$tok_c"
expect 0 "and it is live: the same binding as the uncompressed key's" "$hc" verify "${trust[@]}" \
    --now $now "$(cat "$tmp/out")"
expect 3 "--device-pub an RSA key" "$hc" issue --key es256.pem --issuer CN-330000 --now $iat \
    --device-pub "$src/tests/keys/rsa.pub.pem" "$rec"
expect 3 "--device-pub a P-384 key" "$hc" issue --key es256.pem --issuer CN-330000 --now $iat \
    --device-pub "$src/tests/keys/p384.pub.pem" "$rec"
for bad in "not base64!" "$(openssl pkey -pubin -in "$src/tests/keys/rsa.pub.pem" -outform DER | base64 -w0)" \
           "${b64%?}" "$(printf 'x%.0s' {1..8})"; do
    python3 - "$rec" "$bad" >badkey.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); r["device_key"] = sys.argv[2]; print(json.dumps(r, ensure_ascii=False))
PY
    expect 3 "a record's bad device_key ($(printf %.12s "$bad")…)" "$hc" issue --key es256.pem \
        --issuer CN-330000 --now $iat badkey.json
    says "the error names device_key" "device_key"
done

# ---- batch: device_key as a CSV column; a bad key sends its line to errors.jsonl
es_b64=$(openssl pkey -pubin -in device-es256.pub.pem -outform DER | base64 -w0)
sm_b64=$(openssl pkey -pubin -in device-sm2.pub.pem -outform DER | base64 -w0)
cat >people.csv <<EOF
id,id_type,name,residence,device_key
330402199001011230,cn_resident,张三,330402,$es_b64
11010519491231002X,cn_resident,李四,330402,AAAA
330402199001011230,cn_resident,王五,330402,$sm_b64
330402199001011230,cn_resident,赵六,330402,
EOF
expect 4 "batch with a device_key column, one bad key" "$hc" batch --key es256.pem --issuer CN-330000 \
    --now $iat --in people.csv --out night --quiet
is "batch: one line in errors.jsonl" "$(wc -l <night/errors.jsonl)" 1
has "batch: the error names device_key" night/errors.jsonl device_key
has "batch: the error is line 3" night/errors.jsonl '"line":3'
is "batch: three tokens" "$(wc -l <night/tokens.jsonl)" 3
python3 - night/tokens.jsonl >batch-tokens.txt <<'PY'
import json, sys
for line in open(sys.argv[1]):
    print(json.loads(line)["token"])
PY
bound=0
while read -r t; do
    "$hc" verify "${trust[@]}" --now $now "$t" >v.json || true
    [ "$(jf bound v.json)" = true ] && bound=$((bound + 1))
done <batch-tokens.txt
is "batch: the P-256 and SM2 lines are bound, the empty cell is not" "$bound" 2

# ---- present, and verify what was presented
expect 0 "present" "$hc" present --device-key device-es256.pem --now $((iat + 10)) "$tok"
pres=$(cat "$tmp/out")
case "$pres" in HCLIVE1:*) ok ;; *) bad "present prints an HCLIVE1 text: $pres" ;; esac
expect 0 "present from stdin" sh -c "printf '%s\n' '$tok' | '$hc' present --device-key device-es256.pem --now $((iat + 10)) -"
expect 0 "done when: issued, presented and verified by the CLI: live" "$hc" verify "${trust[@]}" \
    --now $now "$pres"
is "live: valid" "$(jf valid)" true
is "live: live" "$(jf live)" true
is "live: bound" "$(jf bound)" true
is "live: t" "$(jf t)" $((iat + 10))
expect 0 "--require-live accepts the presentation" "$hc" verify "${trust[@]}" --now $now --require-live "$pres"
expect 34 "done when: the same presentation 100 s later is stale (34)" "$hc" verify "${trust[@]}" \
    --now $((iat + 10 + 100)) "$pres"
is "stale: error" "$(jf error)" stale_presentation
is "stale: live" "$(jf live)" false
is "stale: t" "$(jf t)" $((iat + 10))
expect 34 "made in the future (61 s ahead)" "$hc" verify "${trust[@]}" --now $((iat + 10 - 61)) "$pres"
expect 0 "--live-window 120 accepts 100 s" "$hc" verify "${trust[@]}" --now $((iat + 110)) \
    --live-window 120 "$pres"
expect 0 "--live-window 2m" "$hc" verify "${trust[@]}" --now $((iat + 110)) --live-window 2m "$pres"
expect 2 "--live-window 301" "$hc" verify "${trust[@]}" --now $now --live-window 301 "$pres"
expect 2 "--live-window 0" "$hc" verify "${trust[@]}" --now $now --live-window 0 "$pres"
expect 2 "--live-window x" "$hc" verify "${trust[@]}" --now $now --live-window x "$pres"
expect 0 "inspect a presentation" "$hc" inspect "$pres"
is "inspect: the token inside" "$(jf iat)" $iat
is "inspect: bound, presented, t, and no live" "$(jf bound) $(jf presented) $(jf t) $(jf live)" \
    "true true $((iat + 10)) MISSING"
expect 0 "inspect the plain bound token" "$hc" inspect "$tok"
is "inspect the token: bound, not presented, no t" "$(jf bound) $(jf presented) $(jf t)" "true false null"

# the holder's mistakes
expect 3 "present with another P-256 key" "$hc" present --device-key es256-b.pem --now $iat "$tok"
says "says which" "not the key the token is bound to"
expect 32 "present with a key of another algorithm" "$hc" present --device-key device-ed25519.pem --now $iat "$tok"
expect 0 "a paper code" "$hc" issue --key es256.pem --issuer CN-330000 --now $iat "$rec"
paper=$(cat "$tmp/out")
expect 31 "present an unbound token" "$hc" present --device-key device-es256.pem --now $iat "$paper"
expect 10 "present a malformed token" "$hc" present --device-key device-es256.pem --now $iat "HCODE1:A"
expect 2 "present without --device-key" "$hc" present --now $iat "$tok"
expect 3 "present with a public key" "$hc" present --device-key device-es256.pub.pem --now $iat "$tok"
chmod 644 device-es256.pem
expect 3 "present with a device key readable by others" "$hc" present --device-key device-es256.pem --now $iat "$tok"
chmod 600 device-es256.pem
expect 0 "present --help" "$hc" present --help
expect 0 "help present" "$hc" help present

# every P-step's exit status at the command line (the library's tests go
# byte by byte; here the statuses): 30 malformed, 31 unbound, 32 device alg,
# 33 device signature, 34 stale
expect 30 "P1: a malformed presentation" "$hc" verify "${trust[@]}" --now $now "HCLIVE1:ABC"
is "P1 error" "$(jf error)" bad_presentation
expect 33 "P4: one character of the signature changed" "$hc" verify "${trust[@]}" --now $now \
    "${pres%?}$( [ "${pres: -1}" = 0 ] && echo 1 || echo 0)"
is "P4 error" "$(jf error)" bad_device_signature
expect 0 "Ed25519: present" "$hc" present --device-key device-ed25519.pem --now $iat "$tok_ed"
pres_ed=$(cat "$tmp/out")
expect 0 "Ed25519: live" "$hc" verify "${trust[@]}" --now $now "$pres_ed"
is "Ed25519 live" "$(jf live)" true

# ---- the venue: the hospital of examples/venues (live required, paper codes by ID)
expect 0 "done when: the hospital admits the live code" "$hc" check "${trust[@]}" --now $now \
    --venue "$hospital" "$pres"
is "hospital live: code" "$(jf code)" admitted
is "hospital live: admit" "$(jf admit)" true
expect 1 "done when: the hospital refuses the bound code shown plain" "$hc" check "${trust[@]}" \
    --now $now --venue "$hospital" "$tok"
is "hospital plain: code" "$(jf code)" not_live
is "hospital plain: en" "$(jf en)" "Denied: green code not shown live; show the live code in the phone's app (no screenshots or copies)"
expect 0 "done when: the hospital admits a paper code with the ID check" "$hc" check "${trust[@]}" \
    --now $now --venue "$hospital" "$paper"
is "hospital paper: code" "$(jf code)" check_id
is "hospital paper: zh" "$(jf zh)" "准予进入：绿码（纸质码）。请核对身份证件与码上的姓名和证件号"
is "hospital paper: en" "$(jf en)" "Admitted: green paper code; compare an ID document with the name and number on the code"
echo '{"unbound": "refuse"}' >strict.json
expect 1 "unbound: refuse" "$hc" check "${trust[@]}" --now $now --venue strict.json "$paper"
is "refuse: code" "$(jf code)" unbound
echo '{"live": "preferred"}' >pref.json
expect 0 "live: preferred admits the plain code" "$hc" check "${trust[@]}" --now $now --venue pref.json "$tok"
is "preferred: code" "$(jf code)" admitted_not_live
expect 34 "check of a stale presentation: its exit status" "$hc" check "${trust[@]}" \
    --now $((iat + 200)) --venue "$hospital" "$pres"
echo '{"live": "sometimes"}' >badvenue.json
expect 3 "a venue with live: sometimes" "$hc" check "${trust[@]}" --now $now --venue badvenue.json "$pres"
says "names live" "live"

# ---- repeats: the same code admitted twice within the window at one door
expect 0 "check --seen: first" "$hc" check "${trust[@]}" --now $now --venue "$hospital" --seen seen "$pres"
is "first: admitted" "$(jf code)" admitted
expect 0 "present again 20 s later" "$hc" present --device-key device-es256.pem --now $((now + 20)) "$tok"
pres2=$(cat "$tmp/out")
expect 1 "check --seen: the same code again (a new presentation, the same cti)" "$hc" check \
    "${trust[@]}" --now $((now + 25)) --venue "$hospital" --seen seen "$pres2"
is "again: repeat" "$(jf code)" repeat
is "again: en" "$(jf en)" "Denied: this code was admitted here 25 seconds ago (a screenshot passed back?); check the person"
expect 0 "check --seen: another code" "$hc" check "${trust[@]}" --now $((now + 26)) --venue "$hospital" \
    --seen seen "$paper"
expect 0 "present 90 s later" "$hc" present --device-key device-es256.pem --now $((now + 90)) "$tok"
expect 0 "check --seen: the first code after the window" "$hc" check "${trust[@]}" --now $((now + 90)) \
    --venue "$hospital" --seen seen "$(cat "$tmp/out")"
is "after the window: admitted" "$(jf code)" admitted
is "the memory file is 0600" "$(stat -c %a seen)" 600
echo garbage >seen
expect 3 "check --seen: a damaged memory" "$hc" check "${trust[@]}" --now $now --seen seen "$pres"
is "a damaged memory: a verdict all the same, not admitted" "$(jf valid) $(jf admit)" "false false"
is "a damaged memory: the verdict names the file" "$(jf error): $(jf message)" \
    "io_error: seen: not a memory of admitted codes (or unreadable)"
rm seen
# a full memory (1 024 entries, the default capacity): an admission replaces the
# oldest entry, the count stays, and the memory must still be written back
python3 -c 'import struct,sys; n=1024; t=int(sys.argv[1]); open("seen","wb").write(b"HCSEEN1\0" + struct.pack(">I", n) + b"".join(struct.pack(">QQ", 0xAA00000000000000 + i, t) for i in range(n)))' $((now - 5))
expect 0 "check --seen: a full memory admits" "$hc" check "${trust[@]}" --now $now --venue "$hospital" --seen seen "$pres"
expect 1 "check --seen: and remembers (a repeat)" "$hc" check "${trust[@]}" --now $((now + 5)) --venue "$hospital" \
    --seen seen "$pres"
is "a full memory: the repeat" "$(jf code)" repeat
rm seen
rm -f seen.lock && mkdir seen.lock
expect 3 "check --seen: a lock that cannot be opened" "$hc" check "${trust[@]}" --now $now --seen seen "$pres"
is "no lock: a verdict all the same" "$(jf error) $(jf admit) $(jf message)" \
    "io_error false seen.lock: Is a directory"
rmdir seen.lock

# ---- the QR code: a presentation drawn and read back
if "$hc" --version | grep -q 'render, scan'; then
    expect 0 "present --png" "$hc" present --device-key device-es256.pem --now $iat --png pres.png "$tok"
    pres_png=$(cat "$tmp/out")
    expect 0 "verify --png of the presentation" "$hc" verify "${trust[@]}" --now $now --png pres.png
    is "--png: live" "$(jf live)" true
    is "--png: t" "$(jf t)" $iat
    expect 0 "render a presentation" "$hc" render --png r.png "$pres_png"
    expect 0 "check --png, hospital" "$hc" check "${trust[@]}" --now $now --venue "$hospital" --png r.png
    is "check --png: admitted" "$(jf code)" admitted
fi

finish live

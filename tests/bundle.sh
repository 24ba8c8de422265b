#!/usr/bin/env bash
# tests/bundle.sh — `healthcode bundle make|show` and verify/check with
# --root/--bundle/--state (doc/bundle.md): three provinces, one bundle, one
# checkpoint; every refusal's exit status; the state across runs; a delta.
#   usage: tests/bundle.sh PATH/TO/healthcode     (meson test bundle-cli)
set -euo pipefail
hc=$1
. "$(dirname "$0")/lib.sh"   # $tmp, ok/bad, run, expect, is, jf, finish
umask 022

now=1580864400            # 2020-02-05T09:00:00+08:00
cd "$tmp"
for k in root root2 other; do "$hc" keygen --alg EdDSA --out $k.pem --pub $k.pub.pem >/dev/null; done
for p in zj ah js; do "$hc" keygen --out $p.pem --pub $p.pub.pem >/dev/null; done
cat >rec.json <<'EOF'
{"id": "11010519491231002X", "id_type": "cn_resident", "name": "张小三", "residence": 330402}
EOF
tok() { "$hc" issue --key $1.pem --issuer $2 --now $((now - 3600)) --colour green rec.json; }
tok_zj=$(tok zj CN-ZJ); tok_ah=$(tok ah CN-AH); tok_js=$(tok js CN-JS)
tok_zj2=$(tok zj CN-ZJ)
"$hc" verify --trust zj.pub.pem --now $now "$tok_zj2" >out.json || true
cti=$(python3 -c 'import json; print(json.load(open("out.json"))["cti"])')
printf '%s\n' "$cti" >revoked.txt
# Jiangsu's key: a trust list whose window ended 10 days ago
kid_js=$("$hc" verify --trust js.pub.pem --now $now "$tok_js" | python3 -c 'import json,sys; print(json.load(sys.stdin)["kid"])')
python3 -c 'import json,sys
print(json.dumps({"version": 1, "entries": [{"issuer": "CN-JS", "kid": sys.argv[1], "alg": "ES256",
    "public_key": open("js.pub.pem").read(), "not_before": int(sys.argv[2]) - 8640000,
    "not_after": int(sys.argv[2]) - 864000}]}))' "$kid_js" $now >js.json

make() { "$hc" bundle make --root root.pem --trust zj.pub.pem --issuer CN-ZJ --trust ah.pub.pem \
    --issuer CN-AH --trust js.json --revoked revoked.txt --now $now --expires 7d --publisher CN-NHC "$@"; }
expect 0 "make seq 5" make --seq 5 --out b5.cbor
expect 0 "make seq 4" make --seq 4 --out b4.cbor
expect 3 "a key without its issuer" "$hc" bundle make --root root.pem --trust zj.pub.pem --seq 1 \
    --expires 1d --out x.cbor
expect 2 "--issuer not after --trust" "$hc" bundle make --root root.pem --issuer CN-ZJ --trust zj.pub.pem \
    --seq 1 --expires 1d --out x.cbor
expect 0 "show --json" "$hc" bundle show --json b5.cbor
is "show: seq" "$(jf seq)" 5
is "show: publisher" "$(jf publisher)" CN-NHC
is "show: verified" "$(jf verified)" false
is "show: revoked" "$(jf revoked_cti)" 1

V() { "$hc" verify --root root.pub.pem --now $now "$@"; }
expect 0 "Zhejiang code" V --bundle b5.cbor "$tok_zj"
is "stale_trust" "$(jf stale_trust)" false
expect 0 "Anhui code" V --bundle b5.cbor "$tok_ah"
expect 12 "Jiangsu key outside its window" V --bundle b5.cbor "$tok_js"
is "window: error" "$(jf error)" key_not_valid
expect 15 "revoked cti" V --bundle b5.cbor "$tok_zj2"
expect 0 "check admits" "$hc" check --root root.pub.pem --bundle b5.cbor --now $now "$tok_zj"
is "check: admit" "$(jf admit)" true

# refusals, each with its own status
expect 21 "wrong root" "$hc" verify --root other.pub.pem --bundle b5.cbor --now $now "$tok_zj"
python3 -c 'import sys; b = bytearray(open("b5.cbor", "rb").read()); b[-3] ^= 0xff
open("flip.cbor", "wb").write(b)' 
expect 22 "an altered byte (signature)" V --bundle flip.cbor "$tok_zj"
head -c 100 b5.cbor >trunc.cbor
expect 20 "truncated" V --bundle trunc.cbor "$tok_zj"
expect 24 "expired (freeze)" "$hc" verify --root root.pub.pem --bundle b5.cbor --now $((now + 8 * 86400)) "$tok_zj"
run "$hc" verify --root root.pub.pem --bundle b5.cbor --accept-stale --now $((now + 8 * 86400)) "$tok_zj"
is "stale accepted: stale_trust" "$(jf stale_trust)" true
expect 2 "--bundle with --trust" V --bundle b5.cbor --trust zj.pub.pem "$tok_zj"

# the state: rollback refused across runs
mkdir state
expect 0 "seq 5 with state" V --bundle b5.cbor --state state "$tok_zj"
is "state mode" "$(stat -c %a state/bundle-state.cbor)" 644
expect 23 "rollback to seq 4" V --bundle b4.cbor --state state "$tok_zj"
expect 0 "seq 5 again" V --bundle b5.cbor --state state "$tok_zj"

# a delta: the revoked cti is lifted
: >empty.txt
expect 3 "a delta that lifts a revocation, unasked" "$hc" bundle make --root root.pem --trust zj.pub.pem \
    --issuer CN-ZJ --trust ah.pub.pem --issuer CN-AH --trust js.json --revoked empty.txt --now $now \
    --expires 7d --publisher CN-NHC --seq 6 --delta-from b5.cbor --out d6.cbor
is "nothing written" "$(ls d6.cbor 2>/dev/null)" ""
expect 0 "make delta" "$hc" bundle make --root root.pem --trust zj.pub.pem --issuer CN-ZJ --trust ah.pub.pem \
    --issuer CN-AH --trust js.json --revoked empty.txt --now $now --expires 7d --publisher CN-NHC \
    --seq 6 --delta-from b5.cbor --allow-removals --out d6.cbor
run "$hc" bundle show --json d6.cbor
is "delta: base" "$(jf base_seq)" 5
is "delta: removed" "$(jf removed_cti)" 1
expect 0 "delta lifts the revocation" V --bundle b5.cbor --bundle d6.cbor --state state "$tok_zj2"
expect 25 "delta on the wrong base" V --bundle b4.cbor --bundle d6.cbor "$tok_zj2"
expect 23 "the full bundle alone after the delta" V --bundle b5.cbor --state state "$tok_zj"

# Issue 25.14: a state directory or file others may write is refused
chmod g+w state
expect 27 "a group-writable state directory" V --bundle b5.cbor --state state "$tok_zj"
is "its message" "$(cat "$tmp/err")" "healthcode: --state: state: the state's directory is writable by group or others (fix: chmod go-w state) (bad_bundle_state)"
chmod go-w state; chmod o+w state/bundle-state.cbor
expect 27 "a world-writable state file" V --bundle b5.cbor --state state "$tok_zj"
chmod go-w state/bundle-state.cbor

# Issue 25.13: bundle show prints the publisher's and issuers' control and
# bidi characters escaped, never raw
expect 0 "a bundle with control characters" "$hc" bundle make --root root.pem --trust zj.pub.pem \
    --issuer $'CN\e]0;pwned\a\u202eZJ' --now $now --expires 7d --publisher $'NHC\e[2J\x7f\u0085\\' \
    --seq 1 --out esc.cbor
expect 0 "show it" "$hc" bundle show esc.cbor
is "publisher escaped" "$(sed -n 2p "$tmp/out")" ' publisher  NHC\x1b[2J\x7f\u{0085}\\'
is "iss escaped" "$(sed -n 10p "$tmp/out" | cut -c1-32)" '   CN\x1b]0;pwned\x07\u{202e}ZJ '
is "no escape byte reaches the terminal" "$(tr -d '\n' <"$tmp/out" | LC_ALL=C grep -c $'[\x01-\x1f\x7f]')" 0

# Issue 26.12: verify and check print one verdict shape for every outcome,
# a refused bundle and a missing file included; times as verify prints them.
nulls='"colour": null, "iss": null, "iat": null, "iat_iso": null, "exp": null, "exp_iso": null, "kid": null, "alg": null, "cti": null, "sub": null, "nam": null, "doc": null, "reg": null, "knd": null, "bound": null, "live": false, "t": null'
mkdir shape
expect 0 "shape: seq 5" V --bundle b5.cbor --state shape "$tok_zj"
expect 23 "shape: a refused bundle" V --bundle b4.cbor --state shape "$tok_zj"
is "its verdict" "$(cat "$tmp/out")" '{"valid": false, "error": "bundle_rollback", "message": "b4.cbor: seq 4: the checkpoint has accepted seq 5", '"$nulls"', "stale_trust": null, "rollback_protected": true}'
is "and stderr" "$(cat "$tmp/err")" "healthcode: b4.cbor: seq 4: the checkpoint has accepted seq 5 (bundle_rollback)"
expect 24 "shape: check, an expired bundle, no state" "$hc" check --root root.pub.pem --bundle b5.cbor \
    --now $((now + 8 * 86400)) "$tok_zj"
is "its verdict" "$(cat "$tmp/out")" '{"admit": false, "code": null, "zh": null, "en": null, "valid": false, "error": "bundle_expired", "message": "b5.cbor: the bundle expired at 2020-02-12T01:00:00Z", '"$nulls"', "stale_trust": null, "rollback_protected": false}'
is "bundle_expired in ISO time, and the rollback warning" "$(cat "$tmp/err")" 'healthcode: warning: no --state DIR: this run cannot refuse an older bundle than one accepted before (rollback); "rollback_protected": false (doc/bundle.md)
healthcode: b5.cbor: the bundle expired at 2020-02-12T01:00:00Z (bundle_expired)'
expect 3 "shape: a missing bundle file" V --bundle nothere.cbor "$tok_zj"
is "its verdict" "$(cat "$tmp/out")" '{"valid": false, "error": "io_error", "message": "nothere.cbor: No such file or directory", '"$nulls"', "stale_trust": null, "rollback_protected": false}'
expect 3 "shape: a missing --trust file" "$hc" verify --trust nothere.pem --now $now "$tok_zj"
is "its verdict" "$(cat "$tmp/out")" '{"valid": false, "error": "io_error", "message": "nothere.pem: No such file or directory", '"$nulls"'}'
expect 3 "shape: check, a missing --revoked file" "$hc" check --trust zj.pub.pem --revoked nothere.txt \
    --now $now "$tok_zj"
is "its verdict" "$(cat "$tmp/out")" '{"admit": false, "code": null, "zh": null, "en": null, "valid": false, "error": "io_error", "message": "nothere.txt: No such file or directory", '"$nulls"'}'
if "$hc" verify --trust zj.pub.pem --png nothere.png >/dev/null 2>&1 || [ $? != 2 ]; then
    expect 3 "shape: a missing image" "$hc" verify --trust zj.pub.pem --now $now --png nothere.png
    is "its verdict" "$(cat "$tmp/out")" '{"valid": false, "error": "io_error", "message": "nothere.png: No such file or directory", '"$nulls"'}'
fi
expect 12 "shape: a token refused under a bundle" V --bundle b5.cbor "$tok_js"
is "its bundle members" "$(jf stale_trust) $(jf rollback_protected)" "false false"
expect 2 "a usage error prints no verdict" V --bundle b5.cbor --skew nope "$tok_zj"
is "no verdict" "$(cat "$tmp/out")" ""

# Issue 26.8: a bundle without --state warns and says so in the verdict
expect 0 "no --state" V --bundle b5.cbor "$tok_zj"
is "rollback_protected false" "$(jf rollback_protected)" false
says "the warning" 'healthcode: warning: no --state DIR: this run cannot refuse an older bundle'
expect 0 "with --state" V --bundle b5.cbor --state shape "$tok_zj"
is "rollback_protected true" "$(jf rollback_protected)" true
is "no warning" "$(cat "$tmp/err")" ""
expect 0 "--trust alone: no bundle members" "$hc" verify --trust zj.pub.pem --now $now "$tok_zj"
is "no rollback_protected" "$(jf rollback_protected)" MISSING

# bundle show --json: times as verify prints them, epoch and ISO
run "$hc" bundle show --json b5.cbor
is "show: iat, iat_iso, exp, exp_iso" "$(jf iat) $(jf iat_iso) $(jf exp) $(jf exp_iso)" \
    "1580864400 2020-02-05T01:00:00Z 1581469200 2020-02-12T01:00:00Z"
is "show: a key's window" "$(python3 -c 'import json,sys; k = json.load(open(sys.argv[1]))["keys"][2]
print(k["not_before"], k["not_before_iso"], k["not_after"], k["not_after_iso"])' "$tmp/out")" \
    "1572224400 2019-10-28T01:00:00Z 1580000400 2020-01-26T01:00:00Z"
run "$hc" bundle show --json d6.cbor
is "show: unbounded window" "$(python3 -c 'import json,sys; k = json.load(open(sys.argv[1]))["keys"][0]
print(k["not_before"], k["not_before_iso"], k["not_after"], k["not_after_iso"])' "$tmp/out")" "None None None None"

# Issue 22.5: venue rules travel in the signed bundle
cat >venues.json <<'EOF2'
{"hospital": {"name": "Hospital", "admit": ["green"], "max_age": "30m"},
 "mall": {"name": "Mall", "admit": ["green", "yellow"]}}
EOF2
expect 0 "make with --venues" make --seq 30 --venues venues.json --out v30.cbor
run "$hc" bundle show --json v30.cbor
is "show: venues" "$(jf venues)" 2
mkdir vstate
C() { "$hc" check --root root.pub.pem --bundle v30.cbor --state vstate --now $now "$@"; }
expect 1 "hospital: a code an hour old is denied" C --venue-class hospital "$tok_zj"
is "hospital: too old" "$(jf code)" too_old
expect 0 "mall admits it" C --venue-class mall "$tok_zj"
is "mall: admitted" "$(jf admit)" true
expect 3 "an unknown venue class" C --venue-class school "$tok_zj"
is "its verdict" "$(jf error) $(jf message)" "invalid_venue --venue-class: the bundle has no venue rule 'school' (it has: mall, hospital)"
expect 2 "--venue-class without a bundle" "$hc" check --trust zj.pub.pem --venue-class mall "$tok_zj"
expect 2 "--venue and --venue-class" C --venue-class mall --venue venues.json "$tok_zj"
printf '{"gym": {"admit": ["blue"]}}' >badvenue.json
expect 3 "a rule check would refuse is not signed" make --seq 31 --venues badvenue.json --out x.cbor
says "it names the rule" "badvenue.json: venue 'gym': admit[0] must be"
expect 0 "a delta carries its venue rules" make --seq 31 --delta-from v30.cbor --out v31.cbor
expect 3 "… whole: none given, none held" C --bundle v31.cbor --venue-class mall "$tok_zj"

# Issue 25.1: a withdrawn next root stays withdrawn across restarts, and a
# refused run writes nothing. Full 10 (root) names root2 as next; delta 11
# withdraws it; the attacker holds root2 and signs a full bundle trusting
# his own issuer key.
mkdir rot
"$hc" keygen --out evil.pem --pub evil.pub.pem >/dev/null
tok_evil=$("$hc" issue --key evil.pem --issuer CN-ZJ --now $((now - 3600)) --colour green rec.json)
expect 0 "full 10 naming root2" make --seq 10 --next-root root2.pub.pem --out f10.cbor
expect 0 "delta 11 without it" make --seq 11 --delta-from f10.cbor --out d11.cbor
run "$hc" bundle show --json d11.cbor
is "delta 11: next roots" "$(jf next_roots)" 0
expect 0 "evil full 12 by root2" "$hc" bundle make --root root2.pem --trust evil.pub.pem --issuer CN-ZJ \
    --now $now --expires 7d --publisher CN-NHC --seq 12 --out evil12.cbor
expect 0 "full 10 + delta 11" V --bundle f10.cbor --bundle d11.cbor --state rot "$tok_zj"
cp rot/bundle-state.cbor rot.before
expect 21 "root2's bundle refused" V --bundle evil12.cbor --state rot "$tok_evil"
expect 23 "the delta withheld" V --bundle f10.cbor --state rot "$tok_zj"
is "the refused run wrote nothing" "$(cmp rot.before rot/bundle-state.cbor && echo same)" same
expect 0 "restart: full 10 + delta 11 again" V --bundle f10.cbor --bundle d11.cbor --state rot "$tok_zj"
is "the reload wrote nothing" "$(cmp rot.before rot/bundle-state.cbor && echo same)" same
expect 21 "after the restart root2's bundle is still refused" V --bundle evil12.cbor --state rot "$tok_evil"
expect 21 "and with the reloaded bundles before it" V --bundle f10.cbor --bundle d11.cbor \
    --bundle evil12.cbor --state rot "$tok_evil"
is "state untouched" "$(cmp rot.before rot/bundle-state.cbor && echo same)" same

# Issue 25.4: the daily delta made from today's additions alone would lift
# the full bundle's three revocations: refused, naming the count; made from
# the whole list in force it adds one and removes none.
printf '%s\n' 00000000000000a1 00000000000000a2 "$cti" >all.txt
printf '00000000000000b1\n' >today.txt
make_r() { "$hc" bundle make --root root.pem --trust zj.pub.pem --issuer CN-ZJ --now $now --expires 7d \
    --publisher CN-NHC "$@"; }
expect 0 "full 20 with three revocations" make_r --seq 20 --revoked all.txt --out f20.cbor
expect 3 "delta from today's additions only" make_r --seq 21 --revoked today.txt --delta-from f20.cbor \
    --out d21.cbor
is "the refusal names the count" "$(cat "$tmp/err")" "healthcode: bundle make: the delta would lift 3 revocations of f20.cbor (3 cti, 0 sub): --revoked gives every revocation in force, not only the new ones; give --allow-removals to lift them"
is "no delta written" "$(ls d21.cbor 2>/dev/null)" ""
cat all.txt today.txt >now.txt
expect 0 "delta from the whole list" make_r --seq 21 --revoked now.txt --delta-from f20.cbor --out d21.cbor
run "$hc" bundle show --json d21.cbor
is "delta 21: added" "$(jf revoked_cti)" 1
is "delta 21: removed" "$(jf removed_cti)" 0
expect 15 "the full bundle's revocation holds under the delta" V --bundle f20.cbor --bundle d21.cbor "$tok_zj2"
expect 2 "--allow-removals without a delta" make --seq 22 --allow-removals --out x.cbor

# doc/bundle.md's publisher commands, as written (its sh blocks, from the
# repository's root, healthcode on PATH): the daily delta lifts nothing
repo=$(cd "$(dirname "$0")/.." && pwd)
awk '/^```sh$/{f=1;next} /^```$/{f=0} f' "$repo/doc/bundle.md" >doc.sh
mkdir -p bin; ln -sf "$hc" bin/healthcode
expect 0 "doc/bundle.md's commands run" env PATH="$PWD/bin:$PATH" sh -c "cd '$repo' && sh -e '$PWD/doc.sh'"
says "the doc's delta adds one" " revoked    1 cti, 0 sub"
says "the doc's delta removes none" " removed    0 cti, 0 sub"

# Issue 25.3: two checkpoint processes sharing one --state directory, one
# with seq 8 and one with seq 5, at once: whatever the order, the state ends
# at seq 8 and seq 5 is refused afterwards.
expect 0 "make seq 8" make --seq 8 --out b8.cbor
rounds=${HC_BUNDLE_RACE_ROUNDS:-40}
lost=0
for i in $(seq "$rounds"); do
    rm -rf race; mkdir race
    V --bundle b8.cbor --state race "$tok_zj" >/dev/null 2>&1 &
    p8=$!
    V --bundle b5.cbor --state race "$tok_zj" >/dev/null 2>&1 &
    p5=$!
    wait $p8 || true
    wait $p5 || true
    r=0; V --bundle b5.cbor --state race "$tok_zj" >/dev/null 2>&1 || r=$?
    [ "$r" = 23 ] || lost=$((lost + 1))
done
is "two processes, $rounds rounds: seq 5 refused after every round" "$lost" 0

finish bundle.sh

#!/usr/bin/env bash
# tests/cli.sh — the healthcode command against its contract (doc/architecture.md's
# table, doc/healthcode.1): every command, every exit status, key hygiene.
#   usage: tests/cli.sh PATH/TO/healthcode     (meson test cli)
# Times are fixed (--now), never the clock, so every result is exact.
set -euo pipefail
hc=$1
root=${HC_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/lib.sh"   # $tmp, ok/bad, run, expect, is, has, jf, finish
umask 022   # so that the public key's 0644 is exactly what the library asked for

now=1580868000          # 2020-02-05T10:00:00+08:00
later=$((now + 60))
features=$("$hc" --version)

# ------------------------------------------------------------ help, usage
cmds="keygen assess issue render verify inspect check"
"$hc" --help | grep -q '^  batch ' && cmds="$cmds batch"
for c in $cmds; do
    expect 0 "$c --help" "$hc" "$c" --help
    has "$c --help prints its usage" "$tmp/out" "usage: healthcode $c"
done
expect 0 "--help" "$hc" --help
has "--help lists the commands" "$tmp/out" "verify"
expect 0 "--version" "$hc" --version
has "--version" "$tmp/out" "healthcode "
expect 2 "no command" "$hc"
expect 2 "unknown command" "$hc" frobnicate
expect 2 "unknown option" "$hc" verify --bogus x
has "usage error hint" "$tmp/err" "try 'healthcode verify --help'"
expect 2 "option without its value" "$hc" issue --key
expect 2 "issue without --key" "$hc" issue --issuer CN-330000 x.json

# ------------------------------------------------------------------ keygen
expect 0 "keygen ES256 (default)" "$hc" keygen --out "$tmp/es.pem" --pub "$tmp/es.pub"
kid_es=$(cat "$tmp/out")
[[ $kid_es =~ ^[0-9a-f]{16}$ ]] && ok || bad "keygen prints the kid as 16 hex digits: '$kid_es'"
is "private key mode" "$(stat -c %a "$tmp/es.pem")" 600
is "public key mode" "$(stat -c %a "$tmp/es.pub")" 644
has "public key is SPKI PEM" "$tmp/es.pub" "-----BEGIN PUBLIC KEY-----"
has "private key is PKCS#8 PEM" "$tmp/es.pem" "-----BEGIN PRIVATE KEY-----"
expect 0 "keygen EdDSA" "$hc" keygen --alg EdDSA --out "$tmp/ed.pem" --pub "$tmp/ed.pub"
kid_ed=$(cat "$tmp/out")
[[ $kid_ed =~ ^[0-9a-f]{16}$ ]] && ok || bad "EdDSA kid: '$kid_ed'"
is "EdDSA private key mode" "$(stat -c %a "$tmp/ed.pem")" 600
expect 3 "keygen refuses to overwrite" "$hc" keygen --out "$tmp/es.pem" --pub "$tmp/new.pub"
has "keygen names --force" "$tmp/err" "--force"
[ ! -e "$tmp/new.pub" ] && ok || bad "keygen wrote the public key although it refused"
expect 0 "keygen --force" "$hc" keygen --force --out "$tmp/tmpk.pem" --pub "$tmp/tmpk.pub"
expect 0 "keygen --force over existing files" "$hc" keygen --force --out "$tmp/tmpk.pem" --pub "$tmp/tmpk.pub"
expect 2 "keygen --alg RS256" "$hc" keygen --alg RS256 --out "$tmp/x.pem" --pub "$tmp/x.pub"
expect 2 "keygen without --pub" "$hc" keygen --out "$tmp/x.pem"

# ----------------------------------------------------------------- records
# A minimal record of our own (the sample record is tested below).
cat >"$tmp/rec.json" <<'EOF'
{"id": "11010519491231002X", "id_type": "cn_resident", "name": "张小三", "residence": 330402}
EOF
cat >"$tmp/badid.json" <<'EOF'
{"id": "110105194912310021", "id_type": "cn_resident", "name": "张三"}
EOF

# ------------------------------------------- round trip: each colour, each alg
for alg in es ed; do
    for col in green yellow red; do
        expect 0 "issue $alg $col" "$hc" issue --key "$tmp/$alg.pem" --issuer CN-330000 --now $now \
            --colour $col "$tmp/rec.json"
        tok=$(cat "$tmp/out")
        [[ $tok == HCODE1:* ]] && ok || bad "issue $alg $col: token '$tok'"
        is "issue prints one line" "$(wc -l <"$tmp/out")" 1
        printf '%s' "$tok" >"$tmp/tok-$alg-$col"
        expect 0 "verify $alg $col" "$hc" verify --trust "$tmp/$alg.pub" --now $later "$tok"
        is "verify $alg $col: valid" "$(jf valid)" true
        is "verify $alg $col: error" "$(jf error)" null
        is "verify $alg $col: colour" "$(jf colour)" $col
        is "verify $alg $col: iss" "$(jf iss)" CN-330000
        is "verify $alg $col: iat" "$(jf iat)" $now
        is "verify $alg $col: exp (24 h default)" "$(jf exp)" $((now + 86400))
        is "verify $alg $col: iat_iso" "$(jf iat_iso)" 2020-02-05T02:00:00Z
        is "verify $alg $col: nam masked" "$(jf nam)" "张*三"
        is "verify $alg $col: doc masked" "$(jf doc)" "11**************2X"
        is "verify $alg $col: reg" "$(jf reg)" 330402
        kid=$kid_es; alg_name=ES256
        [ $alg = ed ] && { kid=$kid_ed; alg_name=EdDSA; }
        is "verify $alg $col: kid" "$(jf kid)" "$kid"
        is "verify $alg $col: alg" "$(jf alg)" $alg_name
        [[ $(jf cti) =~ ^[0-9a-f]{16}$ ]] && ok || bad "verify $alg $col: cti '$(jf cti)'"
    done
done
tok=$(cat "$tmp/tok-es-green")
tok_red=$(cat "$tmp/tok-es-red")

# A trust directory and a token on stdin with surrounding white space.
mkdir "$tmp/trust"
cp "$tmp/es.pub" "$tmp/trust/a.pem"
cp "$tmp/ed.pub" "$tmp/trust/b.pem"
expect 0 "verify --trust DIR, EdDSA" "$hc" verify --trust "$tmp/trust" --now $later "$(cat "$tmp/tok-ed-red")"
printf '  %s \r\n' "$tok" >"$tmp/tok-padded"
expect 0 "verify - (stdin, trimmed)" "$hc" verify --trust "$tmp/es.pub" --now $later - <"$tmp/tok-padded"
expect 0 "verify two --trust" "$hc" verify --trust "$tmp/ed.pub" --trust "$tmp/es.pub" --now $later "$tok"

# ---------------------------------------------------------- exit statuses
expect 10 "bad prefix" "$hc" verify --trust "$tmp/es.pub" --now $later "HCODE2:${tok#HCODE1:}"
is "bad prefix: error" "$(jf error)" bad_prefix
is "bad prefix: valid" "$(jf valid)" false
is "bad prefix: kid unknown at that step" "$(jf kid)" null
expect 10 "bad base45 (lower case)" "$hc" verify --trust "$tmp/es.pub" --now $later "${tok,,}"
expect 10 "bad base45 (lower case, prefix fixed)" "$hc" verify --trust "$tmp/es.pub" --now $later \
    "HCODE1:$(printf '%s' "${tok#HCODE1:}" | tr 'A-Z' 'a-z')"
is "bad base45: error" "$(jf error)" bad_base45
body=${tok#HCODE1:}
pad=A
case $((${#body} % 3)) in 0) pad=A ;; 1) pad=AAA ;; 2) pad=AA ;; esac
expect 10 "bad base45 (length 3k+1)" "$hc" verify --trust "$tmp/es.pub" --now $later "$tok$pad"
is "length 3k+1: error" "$(jf error)" bad_base45
expect 10 "too long" "$hc" verify --trust "$tmp/es.pub" --now $later "HCODE1:$(head -c 5000 /dev/zero | tr '\0' 'A')"
expect 11 "unknown kid" "$hc" verify --trust "$tmp/ed.pub" --now $later "$tok"
is "unknown kid: error" "$(jf error)" unknown_kid
is "unknown kid: kid known" "$(jf kid)" "$kid_es"

# A bad signature, deterministically: the base45 triplet of the 5th byte pair
# before the end (inside the 64-byte signature) is moved by one, lowering its
# first (least significant) character, or raising it if it is '0'. The pair
# stays valid base45; one signature byte changes by one.
b45='0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:'
tamper() { # token → token with one signature byte changed
    local body=${1#HCODE1:}
    local n=${#body}
    local nbytes=$(((n / 3) * 2 + (n % 3 == 2 ? 1 : 0)))
    local pos=$((3 * (nbytes / 2 - 5)))
    local c=${body:pos:1}
    local idx=${b45%%"$c"*}
    idx=${#idx}
    local nc
    if [ "$idx" -gt 0 ]; then nc=${b45:idx-1:1}; else nc=${b45:1:1}; fi
    printf 'HCODE1:%s%s%s' "${body:0:pos}" "$nc" "${body:pos+1}"
}
for alg in es ed; do
    t=$(cat "$tmp/tok-$alg-green")
    expect 12 "bad signature ($alg)" "$hc" verify --trust "$tmp/$alg.pub" --now $later "$(tamper "$t")"
    is "bad signature ($alg): error" "$(jf error)" bad_signature
done
# Time, with the default skew of 300 s at both edges.
exp=$((now + 86400))
expect 13 "expired at exp+skew" "$hc" verify --trust "$tmp/es.pub" --now $((exp + 300)) "$tok"
is "expired: error" "$(jf error)" expired
is "expired: colour still reported" "$(jf colour)" green
expect 0 "valid at exp+skew-1" "$hc" verify --trust "$tmp/es.pub" --now $((exp + 299)) "$tok"
expect 13 "expired at exp with --skew 0" "$hc" verify --trust "$tmp/es.pub" --skew 0 --now $exp "$tok"
expect 14 "not yet valid at iat-skew-1" "$hc" verify --trust "$tmp/es.pub" --now $((now - 301)) "$tok"
is "not yet valid: error" "$(jf error)" not_yet_valid
expect 0 "valid at iat-skew" "$hc" verify --trust "$tmp/es.pub" --now $((now - 300)) "$tok"
# Revocation by cti.
run "$hc" verify --trust "$tmp/es.pub" --now $later "$tok"
cti=$(jf cti)
printf '# revoked today\n%s\n' "$cti" >"$tmp/revoked.txt"
expect 15 "revoked cti" "$hc" verify --trust "$tmp/es.pub" --revoked "$tmp/revoked.txt" --now $later "$tok"
is "revoked: error" "$(jf error)" revoked
expect 0 "another token is not revoked" "$hc" verify --trust "$tmp/es.pub" --revoked "$tmp/revoked.txt" \
    --now $later "$tok_red"
# A trust list: the key trusted for another issuer, or outside its window → 12.
trust_list() { # issuer not_before not_after → trust-list JSON of the ES256 key
    python3 -c 'import json,sys
print(json.dumps({"version": 1, "entries": [{"issuer": sys.argv[1], "kid": sys.argv[2], "alg": "ES256",
    "public_key": open(sys.argv[3]).read(), "not_before": int(sys.argv[4]), "not_after": int(sys.argv[5])}]}))' \
        "$1" "$kid_es" "$tmp/es.pub" "$2" "$3"
}
trust_list CN-330000 $((now - 86400)) $((now + 86400)) >"$tmp/tl-ok.json"
trust_list CN-420000 $((now - 86400)) $((now + 86400)) >"$tmp/tl-iss.json"
trust_list CN-330000 $((now + 3600)) $((now + 86400)) >"$tmp/tl-window.json"
expect 0 "trust list" "$hc" verify --trust "$tmp/tl-ok.json" --now $later "$tok"
expect 12 "trust list: issuer mismatch" "$hc" verify --trust "$tmp/tl-iss.json" --now $later "$tok"
is "issuer mismatch: error" "$(jf error)" issuer_mismatch
expect 12 "trust list: key outside its window" "$hc" verify --trust "$tmp/tl-window.json" --now $later "$tok"
is "key window: error" "$(jf error)" key_not_valid
echo '{"version": 1, "entries": [{"issuer": "CN-330000"}]}' >"$tmp/tl-bad.json"
expect 3 "bad trust list" "$hc" verify --trust "$tmp/tl-bad.json" --now $later "$tok"
has "bad trust list: names the entry" "$tmp/err" "entries[0]"
# Input errors: 3.
expect 3 "missing trust file" "$hc" verify --trust "$tmp/nope.pem" --now $later "$tok"
echo "not a key" >"$tmp/junk.pem"
expect 3 "bad trust key" "$hc" verify --trust "$tmp/junk.pem" --now $later "$tok"
expect 2 "verify without --trust" "$hc" verify --now $later "$tok"
expect 2 "verify without a token" "$hc" verify --trust "$tmp/es.pub"
expect 2 "verify --now junk" "$hc" verify --trust "$tmp/es.pub" --now yesterday "$tok"

# ------------------------------------------------------------- --validity
v_exp() { # validity → exp - iat of the token issued with it
    run "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --now $now --colour green --validity "$1" "$tmp/rec.json"
    [ "$rc" = 0 ] || { echo "issue --validity $1 failed: $(cat "$tmp/err")"; return; }
    run "$hc" inspect "$(cat "$tmp/out")"
    local e i
    e=$(jf exp) i=$(jf iat)
    [[ $e =~ ^[0-9]+$ && $i =~ ^[0-9]+$ ]] || { echo "inspect: exp '$e', iat '$i'"; return; }
    echo $((e - i))
}
is "--validity 90s" "$(v_exp 90s)" 90
is "--validity 15m" "$(v_exp 15m)" 900
is "--validity 24h" "$(v_exp 24h)" 86400
is "--validity 7d" "$(v_exp 7d)" 604800
is "--validity 3600 (seconds)" "$(v_exp 3600)" 3600
is "--validity 30d" "$(v_exp 30d)" 2592000
for junk in 0 0s 31d 2592001 abc 10x -5 1.5h "" 24H; do
    expect 2 "--validity '$junk'" "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --now $now \
        --colour green --validity "$junk" "$tmp/rec.json"
done
has "--validity message" "$tmp/err" "--validity"

# ------------------------------------------------------------------ --now
iat_of() { # --now value → iat of the token issued then
    run "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --now "$1" --colour green "$tmp/rec.json"
    [ "$rc" = 0 ] || { echo "issue --now $1 failed: $(cat "$tmp/err")"; return; }
    run "$hc" inspect "$(cat "$tmp/out")"
    jf iat
}
is "--now epoch" "$(iat_of 1580868000)" 1580868000
is "--now with +08:00" "$(iat_of 2020-02-05T10:00:00+08:00)" 1580868000
is "--now with Z" "$(iat_of 2020-02-05T02:00:00Z)" 1580868000
is "--now with +0800" "$(iat_of 2020-02-05T10:00:00+0800)" 1580868000
is "--now date only (midnight, UTC+08:00)" "$(iat_of 2020-02-05)" 1580832000
is "--now without seconds" "$(iat_of 2020-02-05T02:00Z)" 1580868000
for junk in yesterday 2020-02-30 2020-13-01 2020-02-05T25:00:00Z 2020-02-05T10:00:00+8 2020/02/05 ""; do
    expect 2 "--now '$junk'" "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --now "$junk" \
        --colour green "$tmp/rec.json"
done

# ------------------------------------------------------------ issue inputs
expect 3 "record with a bad ID check digit" "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 \
    --now $now --colour green "$tmp/badid.json"
has "record error names the file" "$tmp/err" "healthcode: $tmp/badid.json"
has "record error names the field" "$tmp/err" ": id: "
expect 3 "missing record" "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --now $now "$tmp/none.json"
expect 0 "record on stdin" "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --now $now --colour red - <"$tmp/rec.json"
expect 2 "--issuer too long" "$hc" issue --key "$tmp/es.pem" --issuer "$(printf 'X%.0s' {1..40})" \
    --now $now --colour green "$tmp/rec.json"
expect 2 "--colour purple" "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --colour purple "$tmp/rec.json"
expect 3 "public key as --key" "$hc" issue --key "$tmp/es.pub" --issuer CN-330000 --now $now --colour green "$tmp/rec.json"
# A private key readable by others is refused, with the fix.
cp "$tmp/es.pem" "$tmp/open.pem"
chmod 644 "$tmp/open.pem"
expect 3 "private key mode 644" "$hc" issue --key "$tmp/open.pem" --issuer CN-330000 --now $now --colour green "$tmp/rec.json"
has "mode 644: says chmod 600" "$tmp/err" "chmod 600"
is "mode 644: no token printed" "$(wc -c <"$tmp/out")" 0
# The subject pseudonym.
head -c 32 /dev/urandom >"$tmp/secret"
chmod 600 "$tmp/secret"
expect 0 "issue --subject-secret" "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --now $now --colour green \
    --subject-secret "$tmp/secret" "$tmp/rec.json"
sub_tok=$(cat "$tmp/out")
run "$hc" verify --trust "$tmp/es.pub" --now $later "$sub_tok"
[[ $(jf sub) =~ ^[0-9a-f]{32}$ ]] && ok || bad "sub with a subject secret: '$(jf sub)'"
sub=$(jf sub)
printf '%s\n' "$sub" >"$tmp/revoked-sub.txt"
expect 15 "revoked sub" "$hc" verify --trust "$tmp/es.pub" --revoked "$tmp/revoked-sub.txt" --now $later "$sub_tok"
is "revoked sub: error" "$(jf error)" subject_revoked
run "$hc" verify --trust "$tmp/es.pub" --now $later "$tok"
is "no sub without a secret" "$(jf sub)" null
chmod 644 "$tmp/secret"
expect 3 "subject secret readable by others" "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --now $now \
    --colour green --subject-secret "$tmp/secret" "$tmp/rec.json"

# ----------------------------------------------------------------- inspect
expect 0 "inspect" "$hc" inspect "$tok_red"
has "inspect warns" "$tmp/err" "warning: inspect does not verify the signature; do not trust these claims"
is "inspect: verified" "$(jf verified)" false
is "inspect: colour" "$(jf colour)" red
is "inspect: iss" "$(jf iss)" CN-330000
expect 10 "inspect a bad prefix" "$hc" inspect "X${tok}"

# ------------------------------------------------------------------ render
if [[ $features == *render* ]]; then
    expect 0 "render --svg" "$hc" render --svg "$tmp/c.svg" "$tok_red"
    has "render --svg writes SVG" "$tmp/c.svg" "</svg>"
    expect 0 "render --png" "$hc" render --png "$tmp/c.png" --scale 4 --ecc Q "$tok_red"
    is "render --png writes a PNG" "$(head -c 8 "$tmp/c.png" | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a
    expect 0 "render --terminal" "$hc" render --terminal "$tok"
    [ -s "$tmp/out" ] && ok || bad "render --terminal printed nothing"
    expect 2 "render to a pipe without an output option" "$hc" render "$tok"
    expect 2 "render --scale 0" "$hc" render --png "$tmp/x.png" --scale 0 "$tok"
    expect 2 "render --ecc X" "$hc" render --png "$tmp/x.png" --ecc X "$tok"
    expect 10 "render a malformed token" "$hc" render --png "$tmp/x.png" "NOPE"
    expect 0 "issue --png" "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --now $now --colour yellow \
        --png "$tmp/issued.png" "$tmp/rec.json"
    tok_png=$(cat "$tmp/out")
    is "issue --png writes a PNG" "$(head -c 8 "$tmp/issued.png" | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a
    ls "$tmp" | grep -q '\.tmp\.' && bad "a temporary file was left behind" || ok
    if [[ $features == *scan* ]]; then
        expect 0 "verify --png (render)" "$hc" verify --trust "$tmp/es.pub" --now $later --png "$tmp/c.png"
        is "verify --png: colour" "$(jf colour)" red
        expect 0 "verify --png (issue --png)" "$hc" verify --trust "$tmp/es.pub" --now $later --png "$tmp/issued.png"
        is "verify --png: colour" "$(jf colour)" yellow
        expect 3 "verify --png of a missing image" "$hc" verify --trust "$tmp/es.pub" --png "$tmp/none.png"
        cp "$tmp/rec.json" "$tmp/notpng.png"
        expect 3 "verify --png of a non-PNG" "$hc" verify --trust "$tmp/es.pub" --png "$tmp/notpng.png"
        expect 1 "check --png (red at a green-only venue)" "$hc" check --trust "$tmp/es.pub" --now $later --png "$tmp/c.png"
        is "check --png: code" "$(jf code)" colour
        expect 2 "verify --png and a token" "$hc" verify --trust "$tmp/es.pub" --png "$tmp/c.png" "$tok"
    else
        expect 2 "verify --png without scan support" "$hc" verify --trust "$tmp/es.pub" --png "$tmp/c.png"
    fi
else
    expect 2 "render without render support" "$hc" render --svg "$tmp/c.svg" "$tok"
fi

# ------------------------------------------------------------------- check
cat >"$tmp/venue.json" <<'EOF'
{"name": "test market", "admit": ["green"]}
EOF
expect 0 "check green" "$hc" check --trust "$tmp/es.pub" --venue "$tmp/venue.json" --now $later "$tok"
is "check green: admit" "$(jf admit)" true
is "check green: valid" "$(jf valid)" true
expect 1 "check red" "$hc" check --trust "$tmp/es.pub" --venue "$tmp/venue.json" --now $later "$tok_red"
is "check red: admit" "$(jf admit)" false
is "check red: code" "$(jf code)" colour
expect 0 "check at 37.2 °C" "$hc" check --trust "$tmp/es.pub" --venue "$tmp/venue.json" --temperature 37.2 --now $later "$tok"
expect 1 "check at 37.3 °C" "$hc" check --trust "$tmp/es.pub" --venue "$tmp/venue.json" --temperature 37.3 --now $later "$tok"
is "check fever: code" "$(jf code)" fever
expect 13 "check an expired token" "$hc" check --trust "$tmp/es.pub" --venue "$tmp/venue.json" --now $((exp + 300)) "$tok"
is "check expired: admit" "$(jf admit)" false
expect 2 "check --temperature junk" "$hc" check --trust "$tmp/es.pub" --temperature hot "$tok"
# operator files that are not regular files are refused at once (issue 12):
# a FIFO used to block for ever, /dev/zero to be read to the bound
mkfifo "$tmp/fifo"
expect 3 "check --venue FIFO" timeout 20 "$hc" check --trust "$tmp/es.pub" --venue "$tmp/fifo" --now $later "$tok"
expect 3 "check --venue /dev/zero" timeout 20 "$hc" check --trust "$tmp/es.pub" --venue /dev/zero --now $later "$tok"
expect 3 "verify --revoked FIFO" timeout 20 "$hc" verify --trust "$tmp/es.pub" --revoked "$tmp/fifo" --now $later "$tok"
expect 3 "verify --revoked /dev/zero" timeout 20 "$hc" verify --trust "$tmp/es.pub" --revoked /dev/zero --now $later "$tok"
echo '{"admit": ["purple"]}' >"$tmp/badvenue.json"
expect 3 "check with bad venue rules" "$hc" check --trust "$tmp/es.pub" --venue "$tmp/badvenue.json" --now $later "$tok"

# ------------------------------------------------------ the sample record
sample=$root/examples/record.json
if [ -f "$sample" ]; then
    expect 0 "assess the sample record" "$hc" assess --now $now "$sample"
    case $(jf colour) in green | yellow | red) ok ;; *) bad "assess: colour '$(jf colour)'" ;; esac
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert isinstance(d["reasons"], list)
for r in d["reasons"]: assert {"code","colour","holds","from","until","field","zh","en"} <= set(r)' "$tmp/out" \
        && ok || bad "assess: reasons shape"
    expect 0 "assess --explain" "$hc" assess --now $now --explain "$sample"
    has "assess --explain: colour line" "$tmp/out" "colour: "
    expect 0 "issue the sample record" "$hc" issue --key "$tmp/es.pem" --issuer CN-330000 --now $now "$sample"
    sample_tok=$(cat "$tmp/out")
    [ ${#sample_tok} -le 260 ] && ok || bad "sample token is ${#sample_tok} characters (at most 260)"
    echo "sample token: ${#sample_tok} characters"
    expect 0 "verify the sample token" "$hc" verify --trust "$tmp/es.pub" --now $later "$sample_tok"
else
    bad "examples/record.json is missing"
fi
expect 3 "assess a record with a bad ID" "$hc" assess --now $now "$tmp/badid.json"
has "assess error names the field" "$tmp/err" ": id: "
expect 0 "assess our record" "$hc" assess --now $now "$tmp/rec.json"
is "assess our record: green" "$(jf colour)" green

# ------------------------------------ no key material in any output at all
for k in es ed; do
    while read -r line; do
        case $line in -----*) continue ;; esac
        if grep -qF -- "$line" "$tmp/all-output"; then bad "a line of the $k private key appeared in the output"; break; fi
    done <"$tmp/$k.pem"
done
grep -q "PRIVATE KEY" "$tmp/all-output" && bad "'PRIVATE KEY' appeared in the output" || ok

finish

#!/usr/bin/env bash
# seed.sh BUILDDIR — regenerates the seed corpora in tests/fuzz/corpus/NAME/
# (seed-* files only: regress-* files, the fuzzers' findings, are never touched).
# BUILDDIR is any configured build with the render part (for seed_png); jq and
# openssl are needed. The seeds are small on purpose: the fuzzer grows them.
set -euo pipefail
build=${1:?usage: seed.sh BUILDDIR}
cd "$(dirname "$0")/../.."
root=$(pwd)
c=tests/fuzz/corpus
for n in verify base45 record json policy riskmap trustlist revocations scan present; do
    mkdir -p "$c/$n"
    find "$c/$n" -name 'seed-*' -delete
done
put() { printf '%s' "$2" > "$1"; }   # file, exact content (no newline added)

# ---- verify (whole token text) and base45 (the text after the prefix)
for v in tests/vectors/*.json; do
    n=$(basename "$v" .json)
    tok=$(jq -r .token "$v")
    put "$c/verify/seed-vec-$n" "$tok"
    put "$c/base45/seed-vec-$n" "${tok#HCODE1:}"
done
put "$c/verify/seed-sample" "$(cat examples/trust/sample.token)"

# ---- present: every vector's COSE bytes (a presentation's, or a token's for
# hc_present), and a few live texts whole
for v in tests/vectors/*.json; do
    n=$(basename "$v" .json)
    tok=$(jq -r .token "$v")
    python3 -c 'import sys
A = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
s = sys.argv[1].split(":", 1)[1]
v = [A.index(ch) for ch in s]
out = bytearray()
for i in range(0, len(v), 3):
    g = v[i:i + 3]
    n = sum(x * 45 ** k for k, x in enumerate(g))
    out += bytes([n >> 8, n & 255]) if len(g) == 3 else bytes([n])
sys.stdout.buffer.write(out)' "$tok" > "$c/present/seed-cose-$n" || rm -f "$c/present/seed-cose-$n"
done
for n in live_valid_es256 live_valid_sm2 live_three_items; do
    put "$c/present/seed-text-$n" "$(jq -r .token tests/vectors/$n.json)"
done
put "$c/verify/seed-lower-prefix" "hcode1:$(jq -r .token tests/vectors/valid_eddsa_yellow.json | cut -c8-)"
put "$c/verify/seed-newline" "$(jq -r .token tests/vectors/valid_es256_green.json)
"
for t in "HCODE1:" "HCODE1:ABC" "HCODE1:A#B" "HCODE1:X" "HCODE1:abc" "HC1:6BFOXN" "HCODE1:BB8"; do
    put "$c/verify/seed-unit-$(printf '%s' "$t" | md5sum | cut -c1-8)" "$t"
done
# RFC 9285's examples and test_base45.c's edges
i=0
for t in "BB8" "%69 VD92EX0" "UJCLQE7W581" "QED8WEX0" "" "FGW" "GGW" ":0" "U5" "BB8A" "bb8" "BB~" "00000"; do
    put "$c/base45/seed-rfc-$i" "$t"; i=$((i + 1))
done

# ---- record: the examples, one line of bad.jsonl per file, and edge shapes
cp examples/record.json "$c/record/seed-record"
for f in examples/records/*.json; do cp "$f" "$c/record/seed-$(basename "$f" .json)"; done
i=0
while IFS= read -r line; do put "$c/record/seed-bad-$i" "$line"; i=$((i + 1)); done < examples/records/bad.jsonl
put "$c/record/seed-empty-object" '{}'
put "$c/record/seed-minimal" '{"id": "11010519491231002X", "id_type": "cn_resident"}'
put "$c/record/seed-secondary" '{"id":"330402199001011230","id_type":"cn_resident","contact":{"status":"secondary","last_contact":"2020-02-03"},"previous":{"colour":"yellow","since":"2020-02-01"}}'
put "$c/record/seed-recovered" '{"id":"330402199001011230","id_type":"cn_resident","contact":{"status":"recovered","discharged":"2020-02-01"},"declaration":{"at":"2020-02-05T09:00:00+08:00","symptoms":["cough","loss_of_smell_or_taste"],"temperature_c":38.1}}'
put "$c/record/seed-travel-country" '{"id":"YA1234567","id_type":"passport","name":"JOHN SMITH","travel":[{"country":"IT","from":"2020-02-20","to":"2020-03-01"}],"entry":{"date":"2020-03-02","from":"IT"}}'

# ---- json: the record seeds, every kind of value, UTF-8, a repeated key, ranges
for f in "$c"/record/seed-*; do cp "$f" "$c/json/"; done
printf '[1,-0,0.5e-3,1E+2,-9223372036854775808,9223372036854775807,"\\ud83d\\ude00\\u00e9\\/\\b\\f\\n\\r\\t",true,false,null,{}]' > "$c/json/seed-values"
printf '"\xe4\xb8\xad\xf0\x9f\x98\x80"' > "$c/json/seed-utf8"
put "$c/json/seed-repeated" '{"a":1,"a":2}'
put "$c/json/seed-range" '[1e-400, 1e400]'
printf ' \n\t\r{ "k" : [ ] } \n' > "$c/json/seed-space"

# ---- policy
cp examples/policies/zhejiang-2020.json "$c/policy/seed-zhejiang-2020"
put "$c/policy/seed-empty-object" '{}'
put "$c/policy/seed-minimal" '{"name":"p","time_zone":"+00:00","fever_threshold_c":37.3}'

# ---- riskmap
for f in examples/risk-maps/*.csv; do cp "$f" "$c/riskmap/seed-$(basename "$f" .csv)"; done
put "$c/riskmap/seed-crlf" $'region,level\r\n420000,high\r\nIT,higher\r\n'
put "$c/riskmap/seed-header-only" $'region,level\n'

# ---- trustlist: the example, and one entry per test key (good and refused kinds)
cp examples/trust/trustlist.json "$c/trustlist/seed-example"
for k in es256 es256-b ed25519 p384 rsa; do
    pem=tests/keys/$k.pub.pem
    kid=$(openssl pkey -pubin -in "$pem" -outform DER 2>/dev/null | openssl dgst -sha256 -r | cut -c1-16)
    alg=ES256; [ "$k" = ed25519 ] && alg=EdDSA
    jq -n --arg kid "$kid" --arg alg "$alg" --rawfile pem "$pem" \
        '{version: 1, entries: [{issuer: "CN-330000", kid: $kid, alg: $alg, public_key: $pem,
          not_before: "2020-01-01T00:00:00Z", not_after: 1612137600}]}' > "$c/trustlist/seed-key-$k"
done
jq -n --rawfile pem tests/keys/truncated.pem \
    '{version: 1, entries: [{issuer: "CN-1", kid: "0000000000000000", alg: "ES256", public_key: $pem}]}' \
    > "$c/trustlist/seed-truncated-pem"
jq -n --rawfile pem tests/keys/es256.pem \
    '{version: 1, entries: [{issuer: "CN-1", kid: "e65e247f468dc0bf", alg: "ES256", public_key: $pem}]}' \
    > "$c/trustlist/seed-private-key"
put "$c/trustlist/seed-empty" '{"version": 1, "entries": []}'

# ---- revocations: small hex-line texts
cp examples/trust/revoked.txt "$c/revocations/seed-revoked"
cp examples/trust/delta.txt "$c/revocations/seed-delta"
put "$c/revocations/seed-one-cti" $'0123456789abcdef\n'
put "$c/revocations/seed-one-sub" $'00112233445566778899AABBCCDDEEFF\n'
put "$c/revocations/seed-crlf-comment" $'# list\r\n+0123456789abcdef\r\n-0123456789abcdef\r\n\r\n'
put "$c/revocations/seed-bad-hex" $'0123456789abcdeg\n'
put "$c/revocations/seed-no-newline" '0123456789abcdef'

# ---- scan: small renders (scale 1–3: zbar's time grows with the pixels), and non-images
seed_png=$build/tests/fuzz/seed_png
tok=$(cat examples/trust/sample.token)
"$seed_png" "$c/scan/seed-short-s2" "HCODE1:ABC" 0 2 M 0
"$seed_png" "$c/scan/seed-short-s3-band" "HCODE1:BB8" 2 3 H 2
"$seed_png" "$c/scan/seed-token-s2-green" "$tok" 0 2 M 1
"$seed_png" "$c/scan/seed-token-s2-yellow-L" "$tok" 1 2 L 0
"$seed_png" "$c/scan/seed-token-s1-red" "$tok" 2 1 M 0
head -c 40 "$c/scan/seed-short-s2" > "$c/scan/seed-truncated-ihdr"
printf 'GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00' > "$c/scan/seed-gif"

du -sh "$c"/* | sed 's/^/  /'
echo "seeds written under $c (root $root)"

# ---- bundle: bundles signed by tests/keys/ed25519.pem (the root the target pins)
bundle_seeds() {
    local hc=$build/tools/healthcode t
    [ -x "$hc" ] || { echo "bundle seeds need the CLI in $build"; return; }
    t=$(mktemp -d)
    install -m 600 tests/keys/ed25519.pem "$t/root.pem"
    printf '0000000000000007\n00000000000000aa\n00112233445566778899aabbccddeeff\n' >"$t/rev.txt"
    printf '00000000000000bb\n' >"$t/rev2.txt"
    local mk=("$hc" bundle make --root "$t/root.pem" --now 1580864400 --publisher CN-NHC)
    "${mk[@]}" --trust tests/keys/es256.pub.pem --issuer CN-ZJ --trust tests/keys/ed25519.pub.pem \
        --issuer CN-AH --revoked "$t/rev.txt" --seq 5 --expires 7d --out "$c/bundle/seed-full"
    "${mk[@]}" --trust tests/keys/es256-b.pub.pem --issuer CN-JS --seq 9 --expires 1d \
        --next-root tests/keys/es256.pub.pem --out "$c/bundle/seed-next-root"
    "${mk[@]}" --trust tests/keys/es256.pub.pem --issuer CN-ZJ --revoked "$t/rev2.txt" --seq 6 \
        --expires 7d --delta-from "$c/bundle/seed-full" --out "$c/bundle/seed-delta"
    "${mk[@]}" --trust examples/trust/trustlist.json --seq 3 --expires 1h --out "$c/bundle/seed-list"
    printf '{"mall": %s, "station": %s}' "$(cat examples/venues/mall.json)" \
        "$(cat examples/venues/station.json)" >"$t/venues.json"
    "${mk[@]}" --trust tests/keys/es256.pub.pem --issuer CN-ZJ --seq 7 --expires 7d \
        --venues "$t/venues.json" --out "$c/bundle/seed-venues"
    rm -rf "$t"
}
mkdir -p "$c/bundle"
find "$c/bundle" -name 'seed-*' -delete
bundle_seeds

#!/usr/bin/env bash
# trust_entry.sh HEALTHCODE — `healthcode trust entry`: the trust-list entry of a
# public key (kid and alg from the key, issuer, window), printed or appended to a
# list atomically; a duplicate kid or a list the library cannot load is refused and
# the list left as it was; the list made verifies tokens of those keys (and only in
# their windows). The pkcs11: form is run by README's "A province's setup"
# (tests/doc_commands.sh, SoftHSM2).
set -euo pipefail
hc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=${HC_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$src/tests/lib.sh"
keys=$src/tests/keys
cd "$tmp"

# --- the entry printed: every member, from the key
expect 0 "entry of the ES256 test key" "$hc" trust entry --pub "$keys/es256.pub.pem" --issuer CN-330000 \
    --not-before 2026-12-01 --not-after 2027-12-01T00:00:00Z
is "issuer" "$(jf issuer)" CN-330000
is "kid (tests/keys/README.md)" "$(jf kid)" e65e247f468dc0bf
is "alg" "$(jf alg)" ES256
is "public_key is the PEM file" "$(jf public_key)" "$(cat "$keys/es256.pub.pem")"
is "a date alone is its midnight at UTC+08:00, written as UTC" "$(jf not_before)" 2026-11-30T16:00:00Z
is "not_after" "$(jf not_after)" 2027-12-01T00:00:00Z
is "member order" "$(python3 -c 'import json,sys; print(",".join(json.load(open(sys.argv[1]))))' "$tmp/out")" \
    issuer,kid,alg,public_key,not_before,not_after
expect 0 "no window: no bounds" "$hc" trust entry --pub "$keys/ed25519.pub.pem" --issuer CN-420000
is "EdDSA key: alg from the key" "$(jf alg)" EdDSA
is "no not_before member" "$(jf not_before)" MISSING
expect 0 "SM2 key" "$hc" trust entry --pub "$keys/sm2.pub.pem" --issuer CN-440000
is "SM2 key: alg" "$(jf alg)" SM2

# --- from the private key (its public half), and what is refused
cp "$keys/es256-b.pem" key.pem && chmod 600 key.pem
expect 0 "--key takes a private key file" "$hc" trust entry --key key.pem --issuer CN-110000
is "its kid is the public key's" "$(jf kid)" \
    "$(openssl pkey -in key.pem -pubout -outform DER | openssl dgst -sha256 -r | cut -c1-16)"
expect 3 "--pub of a private key" "$hc" trust entry --pub key.pem --issuer CN-110000
says "it says to use --key" "a private key: give it as --key"
expect 3 "a key that is not P-256, Ed25519 or SM2" "$hc" trust entry --pub "$keys/rsa.pub.pem" --issuer X
expect 3 "a missing key file" "$hc" trust entry --pub missing.pem --issuer X
says "it names the file" "missing.pem"
expect 2 "no key" "$hc" trust entry --issuer X
expect 2 "two keys" "$hc" trust entry --pub "$keys/es256.pub.pem" --key key.pem --issuer X
expect 2 "no issuer" "$hc" trust entry --pub "$keys/es256.pub.pem"
expect 0 "an issuer of 32 bytes" "$hc" trust entry --pub "$keys/es256.pub.pem" \
    --issuer "$(printf 'x%.0s' $(seq 32))"
expect 0 "a list with an issuer of 32 bytes" "$hc" trust entry --pub "$keys/es256.pub.pem" \
    --issuer "$(printf 'x%.0s' $(seq 32))" --append long.json
expect 10 "it loads (the verdict is the empty token's)" "$hc" verify --trust long.json --now 2020-02-05 HCODE1:
expect 2 "an issuer of 33 bytes" "$hc" trust entry --pub "$keys/es256.pub.pem" \
    --issuer "$(printf 'x%.0s' $(seq 33))"
expect 2 "a bad time" "$hc" trust entry --pub "$keys/es256.pub.pem" --issuer X --not-before soon
expect 2 "an empty window" "$hc" trust entry --pub "$keys/es256.pub.pem" --issuer X \
    --not-before 2027-01-01 --not-after 2026-01-01
expect 2 "an operand" "$hc" trust entry --pub "$keys/es256.pub.pem" --issuer X extra

# --- appended: made when missing, then grown; the kid refused twice
expect 0 "append to a new list" "$hc" trust entry --pub "$keys/es256.pub.pem" --issuer CN-330000 \
    --not-before 2020-01-01 --append list.json
has "it says what it added" "$tmp/out" "list.json: added ES256, kid e65e247f468dc0bf, for CN-330000 (1 entry)"
expect 0 "append a second key" "$hc" trust entry --pub "$keys/ed25519.pub.pem" --issuer CN-420000 --append list.json
has "two entries" "$tmp/out" "(2 entries)"
is "the list is version 1 with both kids in order" \
    "$(python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); print(l["version"], *[e["kid"] for e in l["entries"]])' list.json)" \
    "1 e65e247f468dc0bf 0fb7b8bbdc82e5c4"
is "mode of a new list" "$(stat -c %a list.json)" 644
cp list.json before.json
expect 3 "the same kid again (another issuer)" "$hc" trust entry --pub "$keys/es256.pub.pem" --issuer CN-999999 \
    --append list.json
says "it names the entry holding it" "list.json: entries[0] has kid e65e247f468dc0bf already (issuer CN-330000): nothing added"
cmp -s list.json before.json && ok || bad "a refused append changed the list"
chmod 600 list.json
expect 0 "append the SM2 key" "$hc" trust entry --pub "$keys/sm2.pub.pem" --issuer CN-440000 --append list.json
is "the list keeps its mode" "$(stat -c %a list.json)" 600
ls -a | grep -q '\.tmp' && bad "a temporary file was left: $(ls -a)" || ok

# a file the library does not load as a trust list is never rewritten
printf '{"version": 1, "entries": [ {"issuer": "X"} ]}\n' >bad.json
cp bad.json bad.before
expect 3 "append to a list with a bad entry" "$hc" trust entry --pub "$keys/es256.pub.pem" --issuer X --append bad.json
says "it says where" "entries[0]"
cmp -s bad.json bad.before && ok || bad "a bad list was rewritten"
printf 'not json\n' >bad2.json
expect 3 "append to a file that is not JSON" "$hc" trust entry --pub "$keys/es256.pub.pem" --issuer X --append bad2.json
is "it is unchanged" "$(cat bad2.json)" "not json"
mkdir ro && printf '{"version": 1, "entries": []}\n' >ro/l.json && chmod 555 ro
if [ "$(id -u)" != 0 ]; then
    expect 3 "a list in a directory it cannot write" "$hc" trust entry --pub "$keys/es256.pub.pem" --issuer X \
        --append ro/l.json
fi
chmod 755 ro

# --- appends at once: each reads the list and writes it back, under LIST.lock
for i in $(seq 12); do "$hc" keygen --out "k$i.pem" --pub "k$i.pub.pem" >/dev/null 2>&1; done
for i in $(seq 12); do   # the first ones find no list yet: made under the lock too
    "$hc" trust entry --pub "k$i.pub.pem" --issuer "CN-$i" --append many.json >/dev/null 2>"app$i.err" &
done
wait
is "12 appends at once: 12 entries" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["entries"]))' many.json)" 12

# --- the list made verifies tokens, inside the windows only
cp "$keys/es256.pem" es.pem && chmod 600 es.pem
tok=$("$hc" issue --key es.pem --issuer CN-330000 --now 2020-02-05T10:00 "$src/examples/record.json")
expect 0 "a token of the listed key verifies" "$hc" verify --trust list.json --now 2020-02-05T11:00 "$tok"
is "valid" "$(jf valid)" true
expect 0 "a list whose window starts later" "$hc" trust entry --pub "$keys/es256.pub.pem" --issuer CN-330000 \
    --not-before 2020-03-01 --append later.json
expect 12 "a token before the key's not_before" "$hc" verify --trust later.json --now 2020-02-05T11:00 "$tok"
is "refused for the window" "$(jf error)" key_not_valid
tok=$("$hc" issue --key es.pem --issuer CN-110000 --now 2020-02-05T10:00 "$src/examples/record.json")
expect 12 "a token of another issuer" "$hc" verify --trust list.json --now 2020-02-05T11:00 "$tok"
is "refused for the issuer" "$(jf error)" issuer_mismatch

finish trust_entry

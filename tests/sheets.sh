#!/usr/bin/env bash
# tests/sheets.sh — paper codes as a community office gets them: the PDF of
# `healthcode sheets` rasterised at 150 dpi (pdftoppm) and read back (zbarimg),
# its text extracted (pdftotext), its images listed (pdfimages).
#   usage: tests/sheets.sh PATH/TO/healthcode        (meson test sheets)
set -euo pipefail
hc=$1
root=${HC_SOURCE_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/lib.sh"   # $tmp, ok/bad, is, finish
for t in pdftoppm pdftotext pdfimages pdfinfo zbarimg; do
    command -v $t >/dev/null || { echo "sheets.sh: $t is missing (apt-get install poppler-utils zbar-tools)"; exit 1; }
done
now=1580868000   # 2020-02-05T10:00:00+08:00
"$hc" keygen --out "$tmp/k.pem" --pub "$tmp/p.pem" >/dev/null

# issue NAME ID ID_TYPE COLOUR: one token with that name, signed in that colour
issue() {
    printf '{"id":"%s","id_type":"%s","name":"%s","residence":330402}\n' "$2" "$3" "$1" >"$tmp/r.json"
    "$hc" issue --key "$tmp/k.pem" --issuer CN-330000 --now $now --colour "$4" "$tmp/r.json"
}
long="Maximilian Alexander Wolfgang Johannes Friedrich Von Hohenberg-Liechtenstein"
{
    i=0
    for spec in "张小三|330402199001011230|cn_resident|green" "李大四|330106198512120011|cn_resident|yellow" \
                "王小五|330102197001010013|cn_resident|red" "Giulia Rossi|YA1234567|passport|green" \
                "$long|XB7654321|passport|yellow" "欧阳娜娜|330281200005056663|cn_resident|red" \
                "赵老六|330402196003033333|cn_resident|green"; do
        IFS='|' read -r name id type col <<<"$spec"
        i=$((i + 1))
        printf '{"line":%d,"token":"%s"}\n' $((i * 10)) "$(issue "$name" "$id" "$type" "$col")"
    done
} >"$tmp/tokens.jsonl"
is "seven tokens issued" "$(grep -c HCODE1 "$tmp/tokens.jsonl")" 7

"$hc" sheets --in "$tmp/tokens.jsonl" --out "$tmp/codes.pdf" 2>"$tmp/err"
is "sheets exit" $? 0
is "summary" "$(cat "$tmp/err")" "healthcode sheets: 2 pages in $tmp/codes.pdf"
is "two A4 pages for 7 codes at 6 a page" "$(pdfinfo "$tmp/codes.pdf" | awk '/^Pages:/{print $2}')" 2
is "A4" "$(pdfinfo "$tmp/codes.pdf" | grep -c 'Page size: *595.276 x 841.89 pts (A4)')" 1
is "vector: no image in the PDF" "$(pdfimages -list "$tmp/codes.pdf" | tail -n +3 | wc -l)" 0

# Every code decodes at 150 dpi to the token of its line, on its page.
pdftoppm -r 150 -png "$tmp/codes.pdf" "$tmp/page"
want() { sed -n "$1,$2p" "$tmp/tokens.jsonl" | sed 's/.*"token":"\([^"]*\)".*/\1/' | sort; }
got() { zbarimg -q --raw "$tmp/page-$1.png" 2>/dev/null | sort; }
is "page 1 decodes to lines 1-6" "$(got 1 | md5sum)" "$(want 1 6 | md5sum)"
is "page 2 decodes to line 7" "$(got 2)" "$(want 7 7)"
is "page 1 holds six codes" "$(got 1 | wc -l)" 6

# The text a person reads: masked names as the tokens hold them, colour words.
pdftotext "$tmp/codes.pdf" "$tmp/codes.txt"
for s in '张*三' '李*四' '王*五' '欧**娜' '赵*六' 'G***** ROSSI' '绿码 GREEN' '黄码 YELLOW' '红码 RED' \
         '有效期至 2020年02月06日 10:00' 'Valid until 6 Feb 2020 10:00 (UTC+08:00)' 'CN-330000 · line 70'; do
    if grep -qF -- "$s" "$tmp/codes.txt"; then ok; else bad "'$s' not on the sheet"; fi
done
# A long name (76 bytes: masked to 62 with its family name whole) ends inside
# the left cell (x <= 6 mm + 99 mm = 297.6 pt).
pdftotext -bbox "$tmp/codes.pdf" "$tmp/bbox.html"
y=$(grep -F '>M*****<' "$tmp/bbox.html" | sed 's/.*yMin="\([0-9.]*\)".*/\1/')
xmax=$(grep -F "yMin=\"$y\"" "$tmp/bbox.html" | sed 's/.*xMax="\([0-9.]*\)".*/\1/' | sort -n | tail -n 1)
if [ -n "$y" ] && awk -v x="$xmax" 'BEGIN{exit !(x > 200 && x <= 297.6)}'; then ok; else
    bad "the long name ends at x=$xmax, past its cell"; fi
# its family name, the only part shown unmasked, survives whole (issue 26 point 9)
if grep -qF 'HOHENBERG-LIECHTENSTEIN' "$tmp/codes.txt"; then ok; else bad "the long name lost its family name"; fi

# The validity in another zone, PNG pages, and refusals.
"$hc" sheets --in "$tmp/tokens.jsonl" --out "$tmp/png" --format png --per-page 4 --utc-offset -05:00 2>/dev/null
is "png pages" "$(ls "$tmp/png" | tr '\n' ' ')" "page-000001.png page-000002.png "
is "png page decodes" "$(zbarimg -q --raw "$tmp/png/page-000002.png" 2>/dev/null | sort | md5sum)" "$(want 5 7 | md5sum)"
printf '{"line":1,"token":"HCODE1:XYZ"}\n' >"$tmp/bad.jsonl"
set +e
"$hc" sheets --in "$tmp/bad.jsonl" --out "$tmp/bad.pdf" 2>"$tmp/err"; rc=$?
set -e
is "bad token exit" $rc 3
is "bad token message" "$(cat "$tmp/err")" "healthcode: $tmp/bad.jsonl:1: token: the token is not valid base45"
if [ -e "$tmp/bad.pdf" ] || ls "$tmp" | grep -q 'bad.pdf.tmp'; then bad "a refused run left a file"; else ok; fi
set +e
"$hc" sheets --in "$tmp/tokens.jsonl" --out "$tmp/x.pdf" --per-page 5 2>/dev/null; rc=$?
set -e
is "--per-page 5 is a usage error" $rc 2

# The PDF is readable by others, as the PNG pages are (issue 26 point 16).
is "the PDF's mode" "$(umask 022 && "$hc" sheets --in "$tmp/tokens.jsonl" --out "$tmp/m.pdf" 2>/dev/null && stat -c %a "$tmp/m.pdf")" 644
is "a PNG page's mode" "$(stat -c %a "$tmp/png/page-000001.png")" 644
# One code a page fills the page's width less 12 mm of margins and 8 of padding:
# 190 mm, its band's left edge at 10 mm (pdftoppm at 25.4 dpi: 1 px a millimetre).
"$hc" sheets --in "$tmp/tokens.jsonl" --out "$tmp/one.pdf" --per-page 1 2>/dev/null
pdftoppm -r 25.4 -f 1 -l 1 "$tmp/one.pdf" "$tmp/one"   # a PPM: P6, width height 255, RGB
is "one a page: the band's extent in mm (left right top)" "$(python3 - "$tmp"/one-1.ppm <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
magic, w, h, maxv, rest = data.split(maxsplit=4)
w, h = int(w), int(h)
px = rest[:w * h * 3]
green = [(i // 3 % w, i // 3 // w) for i in range(0, len(px), 3)
         if px[i + 1] > 120 and px[i] < 90 and px[i + 2] < 120]
print(min(x for x, _ in green), max(x for x, _ in green) + 1, min(y for _, y in green))
PY
)" "10 200 10"

# Issue 25 point 19: a repeated "token" key, a NUL inside a line over 64 KiB,
# and an output that is a FIFO are refused, nothing written.
first=$(sed -n 1p "$tmp/tokens.jsonl" | sed 's/.*"token":"\([^"]*\)".*/\1/')
printf '{"line":1,"token":"HCODE1:XYZ","token":"%s"}\n' "$first" >"$tmp/dup.jsonl"
set +e
"$hc" sheets --in "$tmp/dup.jsonl" --out "$tmp/dup.pdf" 2>"$tmp/err"; rc=$?
set -e
is "a repeated token key: exit" $rc 3
is "a repeated token key: message" "$(cat "$tmp/err")" "healthcode: $tmp/dup.jsonl:1: the key \"token\" is repeated"
# (the NUL early: a reader that stops at it sees a blank line, then the rest as another)
{ printf ' \0'; head -c 70000 /dev/zero | tr '\0' ' '; printf '{"line":1,"token":"%s"}\n' "$first"; } >"$tmp/nul.jsonl"
set +e
"$hc" sheets --in "$tmp/nul.jsonl" --out "$tmp/nul.pdf" 2>"$tmp/err"; rc=$?
set -e
is "a NUL in a long line: exit" $rc 3
is "a NUL in a long line: one line, refused" "$(cat "$tmp/err")" "healthcode: $tmp/nul.jsonl:1: longer than 64 KiB"
mkfifo "$tmp/fifo.pdf"
set +e
timeout 20 "$hc" sheets --in "$tmp/tokens.jsonl" --out "$tmp/fifo.pdf" 2>"$tmp/err"; rc=$?
set -e
is "a FIFO as the output: exit" $rc 3
is "a FIFO as the output: message" "$(cat "$tmp/err")" "healthcode: $tmp/fifo.pdf: not a regular file: refused as the output"
if [ -p "$tmp/fifo.pdf" ]; then ok; else bad "the FIFO was replaced"; fi
if ls "$tmp" | grep -q '\.tmp\.'; then bad "a refused run left a temporary file"; else ok; fi

# batch --sheets: DIR/sheets.pdf, validity in the policy's own zone.
python3 - "$root/examples/policies/zhejiang-2020.json" "$tmp/west.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1])); p["time_zone"] = "-05:00"; json.dump(p, open(sys.argv[2], "w"))
PY
printf '%s\n' '{"id":"330402199001011230","id_type":"cn_resident","name":"张小三","residence":330402}' \
    '{"id":"YA1234567","id_type":"passport","name":"Giulia Rossi","residence":330106}' >"$tmp/people.jsonl"
"$hc" batch --key "$tmp/k.pem" --issuer CN-330000 --policy "$tmp/west.json" --now $now \
    --in "$tmp/people.jsonl" --out "$tmp/run" --sheets --quiet
is "batch sheets.pdf pages" "$(pdfinfo "$tmp/run/sheets.pdf" | awk '/^Pages:/{print $2}')" 1
pdftotext "$tmp/run/sheets.pdf" "$tmp/run.txt"
is "validity in the policy's zone" "$(grep -c 'Valid until 5 Feb 2020 21:00 (UTC-05:00)' "$tmp/run.txt")" 2
is "validity in Chinese, the same zone" "$(grep -c '有效期至 2020年02月05日 21:00' "$tmp/run.txt")" 2
pdftoppm -r 150 -png "$tmp/run/sheets.pdf" "$tmp/run-page"
is "batch sheet decodes to tokens.jsonl" "$(zbarimg -q --raw "$tmp/run-page-1.png" 2>/dev/null | sort | md5sum)" \
   "$(sed 's/.*"token":"\([^"]*\)".*/\1/' "$tmp/run/tokens.jsonl" | sort | md5sum)"

finish sheets.sh

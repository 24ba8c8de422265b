#!/usr/bin/env python3
"""Synthetic person records for the batch benchmark and the kill test.

    python3 bench/gen_records.py --n 1000000 --seed 1 > people.jsonl
    python3 bench/gen_records.py --n 1000 --csv > people.csv
    python3 bench/gen_records.py --n 200000 --error-rate 0.01 > people.jsonl

Records follow doc/architecture.md: Chinese resident IDs with real birth dates and
valid GB 11643 check digits (and some passport holders), names, residence
codes, travel stays, contacts, declarations and daily check-ins, previous
colours — every date on or before --now (default 2020-02-10). With
--error-rate, that fraction of lines is deliberately wrong (bad check digit,
a 'to' before its 'from', an unknown status, a blank line) so the errors path
is exercised too. The output is deterministic for a given --seed.
"""
import argparse
import datetime as dt
import json
import random
import sys

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"
# Counties that exist in GB/T 2260 (Zhejiang mostly, and a few elsewhere).
COUNTIES = [330102, 330105, 330106, 330108, 330402, 330411, 330302, 330303, 331002, 330602,
            330782, 320102, 310101, 110101, 440305, 420106, 420102, 510104]
TRAVEL = [420100, 420106, 330300, 331000, 310000, 440300, 110000, 330100, 320100, 510100]
COUNTRIES = ["IT", "KR", "JP", "US", "FR", "DE", "GB", "IR", "ES", "TH"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建华飞鹏宇浩然子涵梓轩欣怡思雨晨阳雪梅国庆海燕建国志强晓东"
LATIN_GIVEN = ["John", "Mary", "Luca", "Anna", "Min-jun", "Yuki", "Pierre", "Sofia", "Hans", "Olivia"]
LATIN_FAMILY = ["Smith", "Rossi", "Kim", "Tanaka", "Martin", "Garcia", "Muller", "Brown", "Lee", "Silva"]
STATUSES = ["close", "secondary", "suspected", "confirmed", "asymptomatic", "recovered"]
SYMPTOMS = ["fever", "cough", "fatigue", "sore_throat"]


def resident_id(rng):
    county = rng.choice(COUNTIES)
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 78))
    body = "%06d%s%03d" % (county, birth.strftime("%Y%m%d"), rng.randrange(0, 1000))
    return body + CHECK[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11], county


def iso(d):
    return d.isoformat()


def record(rng, now):
    r = {}
    if rng.random() < 0.05:
        r["id"] = "%s%08d" % (rng.choice("EGP"), rng.randrange(10**8))
        r["id_type"] = "passport"
        r["name"] = "%s %s" % (rng.choice(LATIN_GIVEN), rng.choice(LATIN_FAMILY))
        county = rng.choice(COUNTIES)
    else:
        r["id"], county = resident_id(rng)
        r["id_type"] = "cn_resident"
        r["name"] = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    r["residence"] = county
    if rng.random() < 0.15:
        stays = []
        for _ in range(rng.randint(1, 3)):
            to = now - dt.timedelta(days=rng.randrange(1, 40))
            frm = to - dt.timedelta(days=rng.randrange(0, 10))
            stay = {"from": iso(frm), "to": iso(to)}
            if rng.random() < 0.2:
                stay["country"] = rng.choice(COUNTRIES)
            else:
                stay["region"] = rng.choice(TRAVEL)
            stays.append(stay)
        r["travel"] = stays
    if rng.random() < 0.08:
        status = rng.choice(STATUSES)
        c = {"status": status}
        if status in ("close", "secondary"):
            c["last_contact"] = iso(now - dt.timedelta(days=rng.randrange(0, 30)))
        if status == "recovered":
            c["discharged"] = iso(now - dt.timedelta(days=rng.randrange(0, 30)))
        r["contact"] = c
    if rng.random() < 0.3:
        checkins = []
        start = now - dt.timedelta(days=rng.randrange(3, 20))
        d = start
        while d <= now:
            ci = {"date": iso(d), "normal": rng.random() > 0.03}
            if rng.random() < 0.5:
                ci["temperature_c"] = round(rng.uniform(36.0, 37.6), 1)
            checkins.append(ci)
            d += dt.timedelta(days=1)
        r["checkins"] = checkins
    if rng.random() < 0.1:
        day = now - dt.timedelta(days=rng.randrange(0, 10))
        decl = {"at": "%sT09:00:00+08:00" % iso(day),
                "temperature_c": round(rng.uniform(36.2, 38.5), 1)}
        if rng.random() < 0.3:
            decl["symptoms"] = rng.sample(SYMPTOMS, rng.randint(1, 2))
        r["declaration"] = decl
    if rng.random() < 0.05:
        r["previous"] = {"colour": rng.choice(["red", "yellow"]),
                         "since": iso(now - dt.timedelta(days=rng.randrange(1, 30)))}
    return r


def broken(rng, now):
    kind = rng.randrange(4)
    if kind == 0:
        return ""
    r = record(rng, now)
    if kind == 1 and r["id_type"] == "cn_resident":
        last = r["id"][-1]
        r["id"] = r["id"][:-1] + ("0" if last != "0" else "1")
    elif kind == 2:
        r["travel"] = [{"region": 420100, "from": iso(now), "to": iso(now - dt.timedelta(days=3))}]
    else:
        r["contact"] = {"status": "maybe"}
    return json.dumps(r, ensure_ascii=False, separators=(",", ":"))


CSV_COLUMNS = ["id", "id_type", "name", "residence", "contact_status", "last_contact", "discharged",
               "previous_colour", "previous_since"]


def csv_cell(v):
    s = "" if v is None else str(v)
    if any(c in s for c in ',"'):
        s = '"' + s.replace('"', '""') + '"'
    return s


def csv_row(r):
    c = r.get("contact", {})
    p = r.get("previous", {})
    vals = [r["id"], r["id_type"], r.get("name"), r.get("residence"), c.get("status"),
            c.get("last_contact"), c.get("discharged"), p.get("colour"), p.get("since")]
    return ",".join(csv_cell(v) for v in vals)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--now", default="2020-02-10")
    ap.add_argument("--error-rate", type=float, default=0.0)
    ap.add_argument("--csv", action="store_true", help="flat CSV (travel and check-ins dropped)")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    now = dt.date.fromisoformat(a.now)
    out = sys.stdout
    buf = []
    if a.csv:
        buf.append(",".join(CSV_COLUMNS))
    for _ in range(a.n):
        if a.error_rate and rng.random() < a.error_rate:
            line = broken(rng, now)
            if a.csv:
                line = "" if not line else csv_row(json.loads(line))
        else:
            r = record(rng, now)
            line = csv_row(r) if a.csv else json.dumps(r, ensure_ascii=False, separators=(",", ":"))
        buf.append(line)
        if len(buf) >= 10000:
            out.write("\n".join(buf) + "\n")
            buf = []
    if buf:
        out.write("\n".join(buf) + "\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""gen_outputs_records.py ROOT DIR — the records compare_outputs.sh assesses:
valid ones that raise every kind of reason (stays in regions, districts,
retired codes and countries; each contact status; entries from abroad;
declared symptoms and temperatures; check-ins; previous colours with their
check-in runs) and invalid ones (each member missing or of each wrong type,
bad values in every section)."""
import copy
import json
import sys
from datetime import date, timedelta

root, out = sys.argv[1], sys.argv[2]
base = json.load(open(f"{root}/examples/record.json", encoding="utf-8"))
for k in ("travel", "contact", "declaration", "checkins"):
    base.pop(k, None)
n = 0


def write(d):
    global n
    with open(f"{out}/r{n:03d}.json", "w", encoding="utf-8") as f:
        json.dump(d, f, ensure_ascii=False)
    n += 1


def with_(**kw):
    d = copy.deepcopy(base)
    d.update(copy.deepcopy(kw))
    return d


DECL = {"at": "2020-02-05T09:00:00+08:00", "symptoms": ["cough", "fever"], "temperature_c": 38.2}
stays = [{"region": 420100, "from": "2020-01-18", "to": "2020-01-21"},
         {"region": 420102, "from": "2020-01-25", "to": "2020-02-03"},
         {"region": 330103, "from": "2020-01-30", "to": "2020-02-02"},
         {"country": "IT", "from": "2020-01-28", "to": "2020-02-01"},
         {"country": "XK", "from": "2020-01-28", "to": "2020-02-01"},
         {"region": 110101, "from": "2020-02-01", "to": "2020-02-04"}]
for st in stays:
    write(with_(travel=[st]))
    write(with_(travel=[st], declaration=DECL))
write(with_(travel=stays))
for cs in ["none", "close", "secondary", "suspected", "confirmed", "asymptomatic", "recovered"]:
    c = {"status": cs}
    if cs in ("close", "secondary"):
        c["last_contact"] = "2020-02-01"
    if cs == "recovered":
        c["discharged"] = "2020-01-30"
    write(with_(contact=c))
    write(with_(contact=c, declaration={"at": "2020-02-05T09:00:00+08:00", "symptoms": ["headache"]}))
for fr in ["IT", "US"]:
    write(with_(entry={"date": "2020-02-01", "from": fr}))
    write(with_(entry={"date": "2020-02-01", "from": fr},
                checkins=[{"date": "2020-02-03", "normal": False, "temperature_c": 38.0},
                          {"date": "2020-02-04", "normal": True, "temperature_c": 37.9}]))
for sy in [[], ["fever"], ["cough", "fatigue", "sore_throat"],
           ["shortness_of_breath", "diarrhoea", "headache", "muscle_ache", "loss_of_smell_or_taste", "other"]]:
    for t in [None, 36.5, 38.9]:
        dec = {"at": "2020-02-05T09:00:00+08:00", "symptoms": sy}
        if t is not None:
            dec["temperature_c"] = t
        write(with_(declaration=dec))
for col in ["green", "yellow", "red"]:
    for since in ["2020-01-20", "2020-02-01"]:
        for k in [0, 3, 15]:
            s = date.fromisoformat(since)
            write(with_(previous={"colour": col, "since": since},
                        checkins=[{"date": str(s + timedelta(days=i + 1)), "normal": True} for i in range(k)]))
# invalid: each member missing, or of each wrong type
full = with_(travel=stays[:1], contact={"status": "none"}, declaration=DECL,
             checkins=[{"date": "2020-02-04", "normal": True}],
             entry={"date": "2020-02-01", "from": "IT"}, previous={"colour": "green", "since": "2020-02-01"})
for k in list(full):
    d = copy.deepcopy(full)
    del d[k]
    write(d)
    for bad in [1, "x", [], {}, None, True, 1.5]:
        d = copy.deepcopy(full)
        d[k] = bad
        write(d)
for sect, val in [("contact", {"status": "close"}), ("contact", {"status": "recovered"}),
                  ("contact", {"status": "none", "discharged": "2020-02-01"}), ("contact", {"status": "bogus"}),
                  ("contact", {"status": "none", "x": 1}), ("declaration", {"at": "bad"}),
                  ("declaration", {"at": "2020-02-05T09:00:00+08:00", "symptoms": ["cough", "nope"]}),
                  ("declaration", {"at": "2020-02-05T09:00:00+08:00", "temperature_c": 50}),
                  ("entry", {"date": "2020-02-01"}), ("entry", {"date": "x", "from": "US", "y": 2}),
                  ("previous", {"colour": "GREEN", "since": "2020-02-01"}), ("previous", {"colour": "red"}),
                  ("previous", {"colour": "blue", "since": "2020-02-01"}),
                  ("travel", [{"region": 330100, "from": "2020-02-01", "to": "2020-01-01"}]),
                  ("travel", [{"country": "US", "region": 1}]),
                  ("checkins", [{"date": "2020-02-01", "normal": True}, {"date": "2020-02-01", "normal": False}]),
                  ("checkins", [{"date": "2020-02-01", "normal": 1}]),
                  ("name", "a\u0001b"), ("id_type", "foo"), ("id", "123"), ("id_type", "passport"),
                  ("residence", 999999), ("extra", 1)]:
    write(with_(**{sect: val}))
print(f"{n} records", file=sys.stderr)

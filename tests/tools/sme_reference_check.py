#!/usr/bin/env python3
"""An independent exact scorer for the SME digital level 2024, compared with `assess score`.

The second method: the computed figures are written out here by hand from the questionnaire's
notes (not read from its JsonLogic), every number is a Fraction of the decimal as typed, and the
level follows the requirement list (score bands and scene gates, read as data). Random answer sets
put about a third of the figures exactly on a band edge (±2 %, 10/20/40/60 %).

usage: sme_reference_check.py ASSESS_BINARY SOURCE_DIR [COUNT] [SEED]
Prints "N passed, M failed" and exits non-zero on any disagreement.
"""
import json
import os
import random
import subprocess
import sys
import tempfile
from fractions import Fraction as F


def dec(x):
    """The decimal as typed (a float written by json with repr, read back exactly)."""
    return F(repr(x)) if isinstance(x, float) else F(x)


def walk(section, out):
    for q in section.get("questions", []):
        out.append((section, q))
    for s in section.get("sections", []):
        walk(s, out)


def scored_sections(definition):
    """Ids of the sections that contribute to the total (every ancestor scored)."""
    ok = set()

    def rec(s, parent_ok):
        here = parent_ok and s.get("scored", True)
        if here:
            ok.add(s["id"])
        for c in s.get("sections", []):
            rec(c, here)

    rec(definition, True)
    return ok


def band(options, value):
    for o in options:
        r = o["range"]
        if "gt" in r and not value > dec(r["gt"]):
            continue
        if "ge" in r and not value >= dec(r["ge"]):
            continue
        if "lt" in r and not value < dec(r["lt"]):
            continue
        if "le" in r and not value <= dec(r["le"]):
            continue
        return o
    return None


def computed(a):
    """The figures of the questionnaire's notes; None when an input is missing or not usable."""
    g = lambda k: dec(a[k]) if k in a else None
    out = {}
    total, dig, net = g("raw_equipment_total"), g("raw_equipment_digitised"), g("raw_equipment_networked")
    out["q02_equipment_digitised"] = dig * 100 / total if total and total > 0 and dig is not None and dig <= total else None
    out["q03_equipment_networked"] = net * 100 / total if total and total > 0 and net is not None and net <= total else None
    rev, spend = g("raw_revenue_last_year"), g("raw_digital_spend_avg3")
    out["q11_funding"] = spend * 100 / rev if rev and rev > 0 and spend is not None else None
    eb, ea, rb, ra = g("raw_energy_before"), g("raw_energy_after"), g("raw_revenue_before_retrofit"), g("raw_revenue_after_retrofit")
    if None in (eb, ea, rb, ra) or eb <= 0 or rb <= 0 or ra <= 0:
        out["q12_energy"] = None
    else:
        out["q12_energy"] = (ea / ra) / (eb / rb) - 1  # change of energy per revenue
    pb, pa = g("raw_pass_rate_before"), g("raw_pass_rate_after")
    out["q13_quality"] = (pa - pb) / pb if pb and pb > 0 and pa is not None else None
    rl, ry, el, ey = g("raw_revenue_last_year"), g("raw_revenue_year_before"), g("raw_employees_last_year"), g("raw_employees_year_before")
    if None in (rl, ry, el, ey) or el <= 0 or ry <= 0 or ey <= 0:
        out["q14_market"] = None
    else:
        out["q14_market"] = (rl / el) / (ry / ey) - 1
    cl, cb = g("raw_cost_per_100_last_year"), g("raw_cost_per_100_year_before")
    out["q15_value"] = (cl - cb) / cb if cb and cb > 0 and cl is not None else None
    return out


def reference(definition, answers):
    questions = []
    walk(definition, questions)
    ok = scored_sections(definition)
    figures = computed(answers)
    total = F(0)
    grade = {}
    for section, q in questions:
        qid = q["id"]
        points = F(0)
        if q["type"] == "band" and "value_from" in q:
            v = figures.get(qid)
            o = band(q["options"], v) if v is not None else None
            points = dec(o["points"]) if o else F(0)
        elif qid in answers:
            v = answers[qid]
            if q["type"] == "multi":
                points = sum((dec(o["points"]) for o in q["options"] if o["id"] in v), F(0))
                if "max_points" in q:
                    points = min(points, dec(q["max_points"]))
            elif q["type"] == "single":
                points = next(dec(o["points"]) for o in q["options"] if o["id"] == v)
            elif q["type"] == "ladder":
                grade[qid] = v
                points = next(dec(o.get("points", 0)) for o in q["options"] if o["level"] == v)
        if section["id"] in ok:
            total += points * dec(q.get("weight", 1))
    level = None
    by_section = {}
    for section, q in questions:
        by_section.setdefault(section["id"], []).append(q)
    for item in definition["levels"]["items"]:
        holds = True
        for req in item["requires"]:
            if "score" in req:
                actual = total
            else:
                sel = req["count"]
                qs = [q for q in by_section[sel["section"]] if "tag" not in sel or sel["tag"] in q.get("tags", [])]
                actual = sum(1 for q in qs if q["id"] in grade and grade[q["id"]] >= req["at_least"])
            holds = holds and actual >= dec(req[">="])
        if holds:
            level = item["id"]
    return total, level


def random_answers(rng):
    def cents(lo, hi):
        return rng.randint(lo, hi) / 100

    def edge(before, pct):
        # a value exactly pct % above or below `before` (kept to two decimals) or a random one
        b = dec(before)
        if rng.random() < 0.6:
            x = b * (1 + F(pct * rng.choice([-1, 1]), 100))
            if x.denominator in (1, 2, 4, 5, 10, 20, 25, 50, 100):
                return float(x)
        return round(before * rng.uniform(0.85, 1.15), 2)

    a = {}
    total = rng.randint(1, 400)
    a["raw_equipment_total"] = total
    a["raw_equipment_digitised"] = rng.choice([total * p // 100 for p in (10, 20, 40, 60)] + [rng.randint(0, total)])
    a["raw_equipment_networked"] = rng.randint(0, total)
    rev = cents(100, 10_000_000)
    a["raw_revenue_last_year"] = rev
    a["raw_revenue_year_before"] = rng.choice([edge(rev, 2), cents(100, 10_000_000)])
    emp = rng.randint(1, 900)
    a["raw_employees_last_year"] = emp
    a["raw_employees_year_before"] = rng.choice([emp, rng.randint(1, 900)])
    if rng.random() < 0.5:
        p = rng.choice([10, 20, 40, 60])
        s = dec(rev) * p / 100
        a["raw_digital_spend_avg3"] = float(s) if (s * 100).denominator == 1 else round(float(s), 2)
    else:
        a["raw_digital_spend_avg3"] = cents(0, int(rev * 100))
    eb = cents(100, 1_000_000)
    a["raw_energy_before"] = eb
    a["raw_energy_after"] = edge(eb, 2)
    rb = cents(100, 10_000_000)
    a["raw_revenue_before_retrofit"] = rb
    a["raw_revenue_after_retrofit"] = rng.choice([rb, cents(100, 10_000_000)])
    pb = cents(5000, 10000)
    a["raw_pass_rate_before"] = pb
    pa = edge(pb, 2)
    a["raw_pass_rate_after"] = min(pa, 100.0)
    cb = cents(100, 20000)
    a["raw_cost_per_100_year_before"] = cb
    a["raw_cost_per_100_last_year"] = edge(cb, 2)
    for k in list(a):
        if rng.random() < 0.03:
            del a[k]  # a missing figure leaves its band unanswered
    return a


def main():
    binary, source = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 20261206
    path = os.path.join(source, "questionnaires/sme-digital-2024/sme-digital-2024.json")
    definition = json.load(open(path, encoding="utf-8"))
    questions = []
    walk(definition, questions)
    rng = random.Random(seed)
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(count):
            a = random_answers(rng)
            for _, q in questions:
                if q["type"] == "multi" and rng.random() < 0.95:
                    opts = [o["id"] for o in q["options"] if not o.get("exclusive")]
                    pick = [o for o in opts if rng.random() < 0.5]
                    a[q["id"]] = pick if pick else ["none"]
                elif q["type"] == "single" and rng.random() < 0.95:
                    a[q["id"]] = rng.choice(q["options"])["id"]
                elif q["type"] == "ladder" and rng.random() < 0.97:
                    a[q["id"]] = rng.choice(q["options"])["level"]
            expected_total, expected_level = reference(definition, a)
            file = os.path.join(tmp, f"a{i}.json")
            with open(file, "w", encoding="utf-8") as f:
                json.dump({"questionnaire": definition["id"], "answers": a}, f)
            out = subprocess.run([binary, "score", "-q", path, "--answers", file, "--json"],
                                 capture_output=True, text=True)
            if out.returncode not in (0, 1):
                print(f"case {i}: exit {out.returncode}: {out.stderr.strip()}")
                failed += 1
                continue
            doc = json.loads(out.stdout)
            total = F(repr(float(doc["total"]["score"])))
            level = (doc.get("level") or {}).get("id")
            if abs(total - expected_total) > F(1, 10**6) or level != expected_level:
                failed += 1
                print(f"case {i}: assess total {doc['total']['score']} level {level}; "
                      f"reference total {float(expected_total)} level {expected_level}; answers {json.dumps(a)}")
            else:
                passed += 1
    print(f"sme reference: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

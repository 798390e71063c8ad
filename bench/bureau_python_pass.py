#!/usr/bin/env python3
"""A plain Python csv pass over the bureau's records: the yardstick of bench/bureau_bench.

Reads the facts CSV bureau_bench writes (one row per enterprise: id, name, then the typed fact
columns of scoring/include/scoring/fact_table.h; yes/no as true/false, lists joined by "|", an empty
cell for a missing fact) and does what `assess rank` / `assess dashboard` do for one criteria file
or one region, written directly in Python with the csv module:

  bureau_python_pass.py rank-sf FILE         先进级 recommendation (policies/criteria/xishan-sf-advanced-recommendation.json)
  bureau_python_pass.py rank-pilot FILE      SME pilot (policies/criteria/sme-digital-pilot-l2.json)
  bureau_python_pass.py dashboard REGION FILE

Prints a one-line summary (counts, the first ids) so the work cannot be skipped.
"""
import csv
import sys


def num(text):
    return float(text) if text != "" else None


def region_prefix(area):
    if area == "100000":
        return ""
    p = area
    if len(p) == 6:
        while len(p) > 2 and p.endswith("00"):
            p = p[:-2]
    return p


def rank_sf(rows):
    out = []
    for r in rows:
        if r["region"] != "320205":
            continue
        if r["profile.above_designated_size"] != "true":
            continue
        if r["results.smart-factory-2025.level"] not in ("SF2", "SF3", "SF4"):
            continue
        if r["profile.smart_factory_tier"] not in ("none", "basic"):
            continue
        cnc = num(r["profile.key_process_cnc_rate"]) or 0.0
        rd = 100 if r["profile.digital_rd_tools"] == "true" else 0
        labels = [x for x in r["profile.provincial_labels"].split("|") if x]
        label = 100 if labels and "none" not in labels else 0
        score = 0.5 * cnc + 0.25 * rd + 0.25 * label
        level = r["results.smart-factory-2025.level"]
        inv = num(r["profile.tech_investment_two_years"])
        rev = num(r["profile.revenue_last_year"])
        out.append((-round(score * 1e6), level, -(inv if inv is not None else -1e300), -(rev if rev is not None else -1e300), r["id"]))
    out.sort()
    return out


def rank_pilot(rows):
    out = []
    for r in rows:
        if r["profile.is_sme"] != "true":
            continue
        total = num(r["results.sme-digital-2024.total"])
        if total is None:
            continue
        if r["results.sme-digital-2024.level"] in ("L2", "L3", "L4"):
            continue
        score = 100 - 2.5 * max(0.0, 40 - total)
        cnc = num(r["profile.key_process_cnc_rate"])
        emp = num(r["profile.employees"])
        out.append((-round(score * 1e6), -(cnc if cnc is not None else -1e300), -(emp if emp is not None else -1e300), r["id"]))
    out.sort()
    return out


def dashboard(rows, region):
    prefix = region_prefix(region)
    tiers = {"none": 0, "basic": 1, "advanced": 2, "excellent": 3, "leading": 4}
    classes = {"none": 0, "innovative": 1, "provincial_zjtx": 2, "little_giant": 3}
    levels = {"": 0, "L1": 1, "L2": 2, "L3": 3, "L4": 4}
    green = {"none": 0, "municipal": 1, "provincial": 2, "national": 3}
    n = above = unknown = sf_known = rd_known = rd_yes = cnc_known = green_known = 0
    at_least = [0] * 5
    cnc_sum = 0.0
    sme = {}
    green_by = [0] * 4
    for r in rows:
        if not r["region"].startswith(prefix):
            continue
        n += 1
        flag = r["profile.above_designated_size"]
        if flag == "":
            unknown += 1
        if flag == "true":
            above += 1
            t = tiers.get(r["profile.smart_factory_tier"], -1)
            if t >= 0:
                sf_known += 1
                for k in range(1, t + 1):
                    at_least[k] += 1
            rd = r["profile.digital_rd_tools"]
            if rd != "":
                rd_known += 1
                rd_yes += rd == "true"
            c = num(r["profile.key_process_cnc_rate"])
            if c is not None and 0 <= c <= 100:
                cnc_known += 1
                cnc_sum += c
        cls = classes.get(r["profile.sme_quality_tier"], -1)
        if r["results.sme-digital-2024"] == "true":
            lv = levels.get(r["results.sme-digital-2024.level"], -1)
            key = (cls, lv)
            sme[key] = sme.get(key, 0) + 1
        g = green.get(r["profile.green_factory_level"], -1)
        if g >= 0:
            green_known += 1
            green_by[g] += 1
    return n, above, unknown, sf_known, at_least, rd_known, rd_yes, cnc_known, cnc_sum, len(sme), green_known, green_by


def main():
    what = sys.argv[1]
    path = sys.argv[-1]
    with open(path, newline="", encoding="utf-8") as f:
        rows = csv.DictReader(f)
        if what == "rank-sf":
            ranked = rank_sf(rows)
            print(len(ranked), [x[-1] for x in ranked[:3]])
        elif what == "rank-pilot":
            ranked = rank_pilot(rows)
            print(len(ranked), [x[-1] for x in ranked[:3]])
        else:
            print(dashboard(rows, sys.argv[2]))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Every CTest test has at least one of the labels CONTRIBUTING.md lists (unit, data, browser, server, postgres,
durability, style), so `ctest -L <label>` selections together cover the whole suite.
Usage: labels_check.py BUILD_DIR"""
import json
import subprocess
import sys

KNOWN = {"unit", "data", "browser", "server", "durability", "style", "postgres"}
out = subprocess.run(["ctest", "--test-dir", sys.argv[1], "--show-only=json-v1"], capture_output=True, text=True, check=True)
tests = json.loads(out.stdout)["tests"]
bad = []
for t in tests:
    labels = set()
    for p in t.get("properties", []):
        if p["name"] == "LABELS":
            labels.update(p["value"])
    if not labels & KNOWN:
        bad.append(f"{t['name']}: labels {sorted(labels)}")
    unknown = labels - KNOWN
    if unknown:
        bad.append(f"{t['name']}: unknown labels {sorted(unknown)}")
for b in bad:
    print("FAIL", b)
print(f"{len(tests)} tests, {len(bad)} without a known label")
sys.exit(1 if bad or len(tests) < 10 else 0)

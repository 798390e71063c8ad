#!/usr/bin/env python3
"""Validates every shipped questionnaire definition and answer set against the JSON Schemas in
questionnaires/schema/, so the schema editors use stays faithful to the loader."""
import glob
import json
import sys

import jsonschema

root = sys.argv[1] if len(sys.argv) > 1 else "."
definition_schema = json.load(open(f"{root}/questionnaires/schema/questionnaire.schema.json"))
answers_schema = json.load(open(f"{root}/questionnaires/schema/answers.schema.json"))
failures = 0
checked = 0
for path in sorted(glob.glob(f"{root}/questionnaires/*/*.json")):
    doc = json.load(open(path))
    if "sections" in doc or "questions" in doc:
        schema = definition_schema
    elif "answers" in doc and "modules" not in doc:
        schema = answers_schema
    else:
        continue
    checked += 1
    try:
        jsonschema.validate(doc, schema)
        print(f"ok: {path}")
    except jsonschema.ValidationError as e:
        failures += 1
        print(f"FAIL: {path}: {e.message} at /{'/'.join(map(str, e.absolute_path))}")
print(f"{checked - failures} passed, {failures} failed")
sys.exit(1 if failures or checked == 0 else 0)

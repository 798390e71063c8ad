#!/usr/bin/env python3
"""HTTP side of the SIGKILL durability test (sigkill_test.sh drives the server process).

  first-login --port P --password PW
      replaces the admin's one-time password (nothing else is allowed before) and prints the new one.
  setup  --port P --password PW --state FILE
      logs in as admin, creates an enterprise and an assessment, writes the state file.
  load   --port P --password PW --state FILE --round R --clients N --ready FILE
      N threads, each on its own keep-alive connection and its own number question, PUT unique
      values one after another until the server goes away (or --seconds pass). Every PUT answered
      200 {"saved": true} is an acknowledged save; the PUT in flight when the connection broke is
      recorded as "in flight" (it may or may not have been committed). The acknowledgements are
      appended to the state file. --ready is created once enough saves were acknowledged, so the
      driver kills the server mid-load.
  verify --port P --password PW --state FILE --db FILE
      after the restart: the value the API returns for each question is the last acknowledged
      value (or the one in flight after it), and the audit table holds every acknowledged value,
      in the order it was acknowledged.

Standard library only.
"""

import argparse
import http.client
import json
import os
import sqlite3
import sys
import threading
import time

MODULE = "sme-digital-2024"
# Number questions of the SME questionnaire (min 0, no max): one per client.
QUESTIONS = [
    "raw_equipment_total", "raw_equipment_digitised", "raw_equipment_networked", "raw_revenue_last_year",
    "raw_revenue_year_before", "raw_employees_last_year", "raw_employees_year_before", "raw_digital_spend_avg3",
    "raw_energy_before", "raw_revenue_before_retrofit", "raw_energy_after", "raw_revenue_after_retrofit",
    "raw_cost_per_100_last_year", "raw_cost_per_100_year_before",
]


class Session:
    """One keep-alive connection with the admin's session cookie and CSRF token."""

    def __init__(self, port, password, timeout=15):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        status, body, headers = self.request("POST", "/api/login", {"name": "admin", "password": password}, auth=False)
        if status != 200:
            raise RuntimeError(f"login failed: {status} {body}")
        cookie = dict(headers).get("Set-Cookie", "")
        self.cookie = cookie.split(";", 1)[0]
        self.csrf = json.loads(body)["csrf"]

    def request(self, method, path, body=None, auth=True):
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Cookie"] = self.cookie
            headers["X-CSRF-Token"] = self.csrf
        data = None if body is None else json.dumps(body).encode()
        self.conn.request(method, path, body=data, headers=headers)
        r = self.conn.getresponse()
        return r.status, r.read().decode(), r.getheaders()

    def json(self, method, path, body=None, expect=200):
        status, text, _ = self.request(method, path, body)
        if status != expect:
            raise RuntimeError(f"{method} {path}: {status} {text}")
        return json.loads(text)


def load_state(path):
    with open(path) as f:
        return json.load(f)


def save_state(path, state):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f)
    os.replace(tmp, path)


def cmd_setup(args):
    s = Session(args.port, args.password)
    e = s.json("POST", "/api/enterprises", {"name": "durability test enterprise"}, expect=201)
    a = s.json("POST", f"/api/enterprises/{e['id']}/assessments", {"modules": [MODULE]}, expect=201)
    save_state(args.state, {"assessment": a["id"], "rounds": []})
    print(f"setup: enterprise {e['id']}, assessment {a['id']}")


def cmd_load(args):
    state = load_state(args.state)
    assessment = state["assessment"]
    clients = min(args.clients, len(QUESTIONS))
    results = [None] * clients
    acked_total = [0]
    lock = threading.Lock()
    deadline = time.time() + args.seconds
    ready_written = [False]

    def client(i):
        question = QUESTIONS[i]
        acked, inflight, error = [], None, None
        try:
            s = Session(args.port, args.password)
        except Exception as ex:  # the server may already be gone
            results[i] = {"question": question, "acked": [], "inflight": None, "error": f"login: {ex!r}"}
            return
        path = f"/api/assessments/{assessment}/answers/{MODULE}/{question}"
        seq = 0
        while time.time() < deadline:
            # Unique across rounds, clients and saves.
            value = args.round * 10_000_000 + i * 100_000 + seq
            seq += 1
            inflight = value
            try:
                status, body, _ = s.request("PUT", path, value)
            except Exception as ex:
                error = repr(ex)
                break
            if status == 200 and json.loads(body).get("saved") is True:
                acked.append(value)
                inflight = None
                with lock:
                    acked_total[0] += 1
                    if acked_total[0] >= args.ready_after and not ready_written[0]:
                        ready_written[0] = True
                        open(args.ready, "w").close()
            else:
                error = f"HTTP {status}: {body[:200]}"
                inflight = None  # refused, so not saved
                break
        else:
            inflight = None
        results[i] = {"question": question, "acked": acked, "inflight": inflight, "error": error}

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if not ready_written[0]:
        open(args.ready, "w").close()
    state = load_state(args.state)
    state["rounds"].append({"round": args.round, "clients": results})
    save_state(args.state, state)
    n = sum(len(r["acked"]) for r in results)
    inflight = sum(1 for r in results if r["inflight"] is not None)
    errors = sorted({(r["error"] or "none").split("(")[0] for r in results})
    print(f"load round {args.round}: {clients} clients, {n} acknowledged saves, {inflight} in flight at the kill; "
          f"client errors: {', '.join(errors)}")


def cmd_verify(args):
    state = load_state(args.state)
    assessment = state["assessment"]
    failures = []
    # Per question: every acknowledged value in order, and the in-flight value after the last one.
    acked = {}
    allowed_last = {}
    for rnd in state["rounds"]:
        for c in rnd["clients"]:
            q = c["question"]
            acked.setdefault(q, []).extend(c["acked"])
            if c["acked"]:
                allowed_last[q] = {c["acked"][-1]}
            if c["inflight"] is not None:
                allowed_last.setdefault(q, set()).add(c["inflight"])
    total = sum(len(v) for v in acked.values())

    s = Session(args.port, args.password)
    doc = s.json("GET", f"/api/assessments/{assessment}")
    answers = doc.get("answers", {}).get(MODULE, {})
    inflight_committed = 0
    for q, values in acked.items():
        if not values:
            continue
        got = answers.get(q)
        if got == values[-1]:
            continue
        if got in allowed_last.get(q, set()):
            inflight_committed += 1  # committed, the acknowledgement was lost with the process
            continue
        failures.append(f"{q}: the API returns {got!r}, the last acknowledged value is {values[-1]!r}")

    # The newest audit rows through the API (it returns at most 500), the whole table through SQLite.
    api_audit = s.json("GET", f"/api/assessments/{assessment}/audit")
    db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    if integrity != "ok":
        failures.append(f"integrity_check: {integrity}")
    audit_rows = 0
    for q, values in acked.items():
        rows = db.execute("SELECT id, new FROM audit WHERE assessment_id = ? AND module = ? AND question = ? ORDER BY id",
                          (assessment, MODULE, q)).fetchall()
        audit_rows += len(rows)
        position = {}
        for row_id, new in rows:
            if new is not None:
                position.setdefault(json.loads(new), row_id)
        missing = [v for v in values if v not in position]
        if missing:
            failures.append(f"{q}: {len(missing)} acknowledged values missing from the audit log, e.g. {missing[:5]}")
        ids = [position[v] for v in values if v in position]
        if ids != sorted(ids):
            failures.append(f"{q}: the audit log has acknowledged values out of order")
    for row in api_audit:
        if row["question"] in acked and row["new"] is not None and row["new"] not in set(acked[row["question"]]) \
                and row["new"] not in allowed_last.get(row["question"], set()):
            failures.append(f"the audit API shows {row['question']} = {row['new']!r}, which no client sent")
    db.close()

    if failures:
        print(f"FAIL: durability: {len(failures)} problems after SIGKILL and restart")
        for f in failures[:20]:
            print(f"  {f}")
        sys.exit(1)
    print(f"ok: durability: all {total} acknowledged saves of {len(state['rounds'])} SIGKILL rounds survived: "
          f"the API returns the last acknowledged value of each of {len(acked)} questions "
          f"({inflight_committed} held a save committed just before the kill, unacknowledged), and the audit log "
          f"({audit_rows} rows) holds every acknowledged value in order; integrity_check ok")


def cmd_first_login(args):
    """Replaces the first-start one-time password (the API allows nothing else before) and prints
    the new one."""
    s = Session(args.port, args.password)
    new = args.password + "-durability"
    s.json("POST", "/api/password", {"current_password": args.password, "new_password": new})
    print(new)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["first-login", "setup", "load", "verify"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--state", default="")
    p.add_argument("--round", type=int, default=1)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--ready", default="")
    p.add_argument("--ready-after", type=int, default=300)
    p.add_argument("--db", default="")
    args = p.parse_args()
    {"first-login": cmd_first_login, "setup": cmd_setup, "load": cmd_load, "verify": cmd_verify}[args.command](args)


if __name__ == "__main__":
    main()

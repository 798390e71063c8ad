#!/usr/bin/env python3
"""Laptop <-> server sync with real processes (issue 16, item 3).

A server (`assess serve`, on SQLite, or on the PostgreSQL of ASSESS_TEST_DATABASE under
tests/tools/pg_cluster.sh) and a laptop (`assess serve` on its own SQLite folder, edited through its
API like the browser does); `assess sync` runs as its own process with the machine token in
ASSESS_SYNC_TOKEN or on standard input. The test checks:

  - the first sync carries the enterprise (by USCC), the assessment, its answers, audit and evidence
    file to the server, byte for byte;
  - offline edits on both sides then a sync: a question changed on one side only takes that value on
    both; a question changed on both keeps the server's value, lists the conflict with both values
    and who/when, and both values are in both audits;
  - evidence goes once: the second sync sends no file bytes (the report counts them);
  - the conflict is resolved on the server (keep the laptop's value): the answer takes it, the audit
    records it, and the next sync brings it to the laptop;
  - a sync cut off at its second batch, after the server applied it and before the laptop saved its
    cursor (ASSESS_SYNC_STOP_AFTER=2, batches of 3), and run again and again until it finishes leaves a second server in the same state as an uninterrupted sync left the first;
  - a revoked token is refused; a hostile batch gets a 400 naming the place.

usage: sync_test.py ASSESS_BINARY
"""
import hashlib
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ASSESS = sys.argv[1]
DATABASE = os.environ.get("ASSESS_TEST_DATABASE", "")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SME = "sme-digital-2024"
USCC = "91320205MA1Y8KQ38L"
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failures.append(what)


class Server:
    def __init__(self, data, database=None):
        args = [ASSESS, "serve", "--port", "0", "--data-dir", data]
        if database:
            args += ["--database", database]
        self.data = data
        self.proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.port = None
        deadline = time.time() + 60
        while time.time() < deadline and not self.port:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("assess serve exited: " + self.proc.stderr.read())
            m = re.search(r"running at http://127\.0\.0\.1:(\d+)/", line)
            if m:
                self.port = int(m.group(1))
        m = re.search(r"one-time password (\S+)", self.proc.stdout.readline())
        one_time = m.group(1)
        _, admin = login(self.port, "admin", one_time)
        self.admin_password = "sync-admin-" + one_time
        status, body, _ = request(self.port, "POST", "/api/password",
                                  {"current_password": one_time, "new_password": self.admin_password}, headers=admin)
        assert status == 200, body
        _, self.admin = login(self.port, "admin", self.admin_password)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def add_user(self, name, role="consultant"):
        password = name + "-password-1"
        status, body, _ = request(self.port, "POST", "/api/users", {"name": name, "password": password, "role": role},
                                  headers=self.admin)
        assert status == 201, body
        _, session = login(self.port, name, password)
        return session

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def request(port, method, path, body=None, headers=None, content_type="application/json", raw=False):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    h = dict(headers or {})
    data = None
    if body is not None:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        h["Content-Type"] = content_type
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    payload = r.read()
    conn.close()
    if raw:
        return r.status, payload, dict(r.getheaders())
    return r.status, payload.decode(errors="replace"), dict(r.getheaders())


def get_json(port, path, headers):
    status, body, _ = request(port, "GET", path, headers=headers)
    assert status == 200, f"GET {path}: {status} {body[:300]}"
    return json.loads(body)


def login(port, name, password):
    status, body, headers = request(port, "POST", "/api/login", {"name": name, "password": password})
    if status != 200:
        return status, None
    cookie = headers.get("Set-Cookie", "").split(";", 1)[0]
    return status, {"Cookie": cookie, "X-CSRF-Token": json.loads(body)["csrf"]}


def machine_token(server, session, name="laptop"):
    status, body, _ = request(server.port, "POST", "/api/machine-tokens", {"name": name}, headers=session)
    assert status == 201, body
    return json.loads(body)["token"]


def sync(laptop_dir, server, token, *extra, env_extra=None, stdin_token=False):
    """Runs `assess sync` as its own process; returns (exit code, report or None, stderr)."""
    env = dict(os.environ)
    env.pop("ASSESS_SYNC_TOKEN", None)
    env.pop("ASSESS_SYNC_STOP_AFTER", None)
    if not stdin_token:
        env["ASSESS_SYNC_TOKEN"] = token
    env.update(env_extra or {})
    p = subprocess.run([ASSESS, "sync", "--server", server.url, "--data-dir", laptop_dir, "--json", *extra], cwd=ROOT,
                       env=env, input=(token + "\n") if stdin_token else "", capture_output=True, text=True,
                       timeout=300)
    report = None
    try:
        report = json.loads(p.stdout) if p.stdout.strip() else None
    except json.JSONDecodeError:
        pass
    return p.returncode, report, p.stderr


def answers_by_uscc(port, session):
    """{uscc: [(date, modules, answers)]} as the server's API shows them, ids left out."""
    out = {}
    for e in get_json(port, "/api/enterprises?limit=500", session):
        if not e["uscc"]:
            continue  # not synced
        detail = get_json(port, f"/api/enterprises/{e['id']}", session)
        rows = []
        for a in detail["assessments"]:
            full = get_json(port, f"/api/assessments/{a['id']}", session)
            rows.append((full["date"], full["modules"], full["status"], json.dumps(full["answers"], sort_keys=True),
                         json.dumps(full["projects"], sort_keys=True),
                         sorted((ev["sha256"], ev["question"]) for ev in full["evidence"])))
        out[e["uscc"]] = sorted(rows)
    return out


def audits(port, session):
    """Every audit row of every assessment as (question, old, new, at), sorted (ids differ per database)."""
    rows = []
    for e in get_json(port, "/api/enterprises?limit=500", session):
        for a in get_json(port, f"/api/enterprises/{e['id']}", session)["assessments"]:
            for r in get_json(port, f"/api/assessments/{a['id']}/audit", session):
                rows.append(json.dumps([r["module"], r["question"], r["old"], r["new"], r["at"]], sort_keys=True))
    return sorted(rows)


def main():
    work = tempfile.mkdtemp(prefix="assess-sync-")
    servers = []
    try:
        server = Server(os.path.join(work, "server"), DATABASE or None)
        servers.append(server)
        laptop = Server(os.path.join(work, "laptop"))
        servers.append(laptop)
        on_server = server.add_user("zhang")
        on_laptop = laptop.add_user("zhang")
        token = machine_token(server, on_server)

        # --- Work on the laptop, offline: an enterprise, an assessment, answers, an evidence file.
        status, body, _ = request(laptop.port, "POST", "/api/enterprises",
                                  {"name": "苏州精密机械有限公司", "uscc": USCC, "region": "320205"}, headers=on_laptop)
        check(status == 201, "the laptop adds an enterprise: " + body[:200])
        eid = json.loads(body)["id"]
        status, body, _ = request(laptop.port, "POST", "/api/enterprises", {"name": "无代码小作坊"}, headers=on_laptop)
        check(status == 201, "the laptop adds an enterprise without a USCC: " + body[:200])
        status, body, _ = request(laptop.port, "POST", f"/api/enterprises/{eid}/assessments",
                                  {"modules": [SME], "date": "2026-11-02"}, headers=on_laptop)
        aid = json.loads(body)["id"]
        answer = f"/api/assessments/{aid}/answers/{SME}/"
        for q, v in (("raw_equipment_total", 280), ("raw_equipment_digitised", 100), ("raw_equipment_networked", 50)):
            status, body, _ = request(laptop.port, "PUT", answer + q, v, headers=on_laptop)
            check(status == 200, f"the laptop saves {q} = {v}: " + body[:200])
        photo = b"\x89PNG\r\n\x1a\n" + os.urandom(20000)
        status, body, _ = request(laptop.port, "POST",
                                  f"/api/assessments/{aid}/evidence/{SME}/q08_planning?name=plan.png", photo,
                                  headers=on_laptop, content_type="image/png")
        check(status == 201, "the laptop stores an evidence photo: " + body[:200])
        sha = hashlib.sha256(photo).hexdigest()

        # --- First sync: the token on standard input.
        rc, report, err = sync(laptop.data, server, token, stdin_token=True)
        check(rc == 0, "assess sync with the token on standard input exits 0: " + err)
        check(report and report["files_sent"] == 1 and report["bytes_sent"] == len(photo),
              f"the first sync sends the one evidence file, {len(photo)} bytes: {report}")
        check(report and report["pushed"].get("enterprises") == 1 and report["pushed"].get("assessments") == 1,
              f"the server applies 1 enterprise and 1 assessment: {report and report['pushed']}")
        server_view = answers_by_uscc(server.port, on_server)
        laptop_view = answers_by_uscc(laptop.port, on_laptop)
        check(server_view == laptop_view and USCC in server_view,
              "after the first sync the server shows the laptop's enterprise, assessment, answers and evidence")
        check([e["name"] for e in get_json(server.port, "/api/enterprises", on_server)] == ["苏州精密机械有限公司"],
              "an enterprise without a USCC stays on the laptop")
        status, got, _ = request(server.port, "GET", f"/api/evidence/{sha}", headers=on_server, raw=True)
        check(status == 200 and got == photo, "the server serves the evidence file byte for byte")
        sid = get_json(server.port, f"/api/enterprises?q={USCC}", on_server)[0]["id"]
        said = get_json(server.port, f"/api/enterprises/{sid}", on_server)["assessments"][0]["id"]
        server_answer = f"/api/assessments/{said}/answers/{SME}/"
        check(len(get_json(server.port, f"/api/assessments/{said}/audit", on_server)) ==
              len(get_json(laptop.port, f"/api/assessments/{aid}/audit", on_laptop)),
              "the server's audit of the assessment has as many rows as the laptop's")

        # --- Evidence once: nothing new, so no file bytes.
        rc, report, err = sync(laptop.data, server, token)
        check(rc == 0 and report["files_sent"] == 0 and report["bytes_sent"] == 0,
              f"the second sync sends no file bytes: {report}")

        # --- Offline edits on both sides.
        request(server.port, "PUT", server_answer + "raw_equipment_digitised", 120, headers=on_server)  # both
        request(server.port, "PUT", server_answer + "raw_revenue_last_year", 5000, headers=on_server)  # server only
        request(laptop.port, "PUT", answer + "raw_equipment_digitised", 140, headers=on_laptop)  # both
        request(laptop.port, "PUT", answer + "raw_equipment_total", 300, headers=on_laptop)  # laptop only
        rc, report, err = sync(laptop.data, server, token)
        check(rc == 0 and report["pushed"].get("conflicts") == 1 and report["conflicts_open"] == 1,
              f"the sync after edits on both sides reports one conflict: {report} {err}")
        s_answers = get_json(server.port, f"/api/assessments/{said}", on_server)["answers"][SME]
        l_answers = get_json(laptop.port, f"/api/assessments/{aid}", on_laptop)["answers"][SME]
        check(s_answers.get("raw_equipment_total") == 300 and l_answers.get("raw_equipment_total") == 300,
              "a question changed on the laptop only takes the laptop's value on both sides")
        check(s_answers.get("raw_revenue_last_year") == 5000 and l_answers.get("raw_revenue_last_year") == 5000,
              "a question changed on the server only takes the server's value on both sides")
        check(s_answers.get("raw_equipment_digitised") == 120 and l_answers.get("raw_equipment_digitised") == 120,
              "a question changed on both sides keeps the server's value on both, until a person decides")
        for port, session, a in ((server.port, on_server, said), (laptop.port, on_laptop, aid)):
            news = [r["new"] for r in get_json(port, f"/api/assessments/{a}/audit", session)
                    if r["question"] == "raw_equipment_digitised"]
            check(120 in news and 140 in news, f"both values of the conflict are in the audit on port {port}: {news}")
        conflicts = get_json(server.port, "/api/sync/conflicts", on_server)
        check(len(conflicts) == 1 and conflicts[0]["question"] == "raw_equipment_digitised" and
              conflicts[0]["server"]["value"] == 120 and conflicts[0]["incoming"]["value"] == 140 and
              conflicts[0]["server"]["by"] == "zhang" and conflicts[0]["incoming"]["by"] == "zhang" and
              conflicts[0]["incoming"]["at"] != "",
              f"the conflict lists both values with who and when: {conflicts}")

        # --- The person keeps the laptop's value.
        cid = conflicts[0]["id"]
        status, body, _ = request(server.port, "POST", f"/api/sync/conflicts/{cid}/resolve", {"keep": "incoming"},
                                  headers=on_server)
        check(status == 200, "the conflict is resolved on the server: " + body[:200])
        status, body, _ = request(server.port, "POST", f"/api/sync/conflicts/{cid}/resolve", {"keep": "server"},
                                  headers=on_server)
        check(status == 409, "a resolved conflict cannot be resolved again: " + body[:200])
        check(get_json(server.port, "/api/sync/conflicts", on_server) == [], "no open conflict is left")
        latest = get_json(server.port, f"/api/assessments/{said}/audit", on_server)[0]
        check(latest["question"] == "raw_equipment_digitised" and latest["old"] == 120 and latest["new"] == 140 and
              latest["user"] == "zhang", f"the resolution is in the audit: {latest}")
        rc, report, err = sync(laptop.data, server, token)
        l_answers = get_json(laptop.port, f"/api/assessments/{aid}", on_laptop)["answers"][SME]
        check(rc == 0 and l_answers.get("raw_equipment_digitised") == 140,
              "the next sync brings the kept value to the laptop")
        check(answers_by_uscc(server.port, on_server) == answers_by_uscc(laptop.port, on_laptop),
              "laptop and server show the same enterprises, assessments, answers and evidence")

        # --- Interrupted and resumed equals uninterrupted: two fresh servers.
        more = [("raw_revenue_year_before", 4000), ("raw_employees_last_year", 90), ("raw_employees_year_before", 80),
                ("raw_digital_spend_avg3", 12), ("q08_planning", "planned")]
        for q, v in more:
            request(laptop.port, "PUT", answer + q, v, headers=on_laptop)
        whole = Server(os.path.join(work, "whole"))
        servers.append(whole)
        pieces = Server(os.path.join(work, "pieces"))
        servers.append(pieces)
        whole_zhang = whole.add_user("zhang")
        pieces_zhang = pieces.add_user("zhang")
        rc, report, err = sync(laptop.data, whole, machine_token(whole, whole_zhang), "--batch", "3")
        check(rc == 0, "an uninterrupted sync to a new server: " + err)
        pieces_token = machine_token(pieces, pieces_zhang)
        token_file = os.path.join(work, "pieces.token")
        with open(token_file, "w") as f:
            f.write(pieces_token + "\n")
        runs = 0
        rc = 1
        sent = 0
        while rc != 0 and runs < 100:
            rc, report, err = sync(laptop.data, pieces, "", "--batch", "3", "--token-file", token_file,
                                   env_extra={"ASSESS_SYNC_STOP_AFTER": "2"})
            runs += 1
            if report:
                sent += report["bytes_sent"]
            if rc != 0 and "stopped after 2 batches" not in err:
                break
        check(rc == 0 and runs > 3, f"a sync cut off at every second batch finishes when run again ({runs} runs)")
        check(sent == len(photo), f"the cut-off syncs together sent the evidence file once ({sent} bytes)")
        check(answers_by_uscc(whole.port, whole_zhang) == answers_by_uscc(pieces.port, pieces_zhang),
              "the server synced in pieces shows what the server synced at once shows")
        check(audits(whole.port, whole_zhang) == audits(pieces.port, pieces_zhang),
              "both servers hold the same audit rows")
        check(answers_by_uscc(whole.port, whole_zhang) == answers_by_uscc(laptop.port, on_laptop),
              "and that is the laptop's state")
        rc, report, err = sync(laptop.data, pieces, pieces_token)
        check(rc == 0 and report["pushed"].get("changes", 0) == 0 and report["bytes_sent"] == 0,
              f"a further sync to it has nothing left to apply: {report}")

        # --- Tokens and hostile input.
        status, body, _ = request(server.port, "GET", "/api/enterprises", headers={"Authorization": "Bearer " + token})
        check(status == 401, "a machine token does not open the rest of the API: " + body[:200])
        status, body, _ = request(server.port, "POST", "/api/sync/push",
                                  {"audit": [{"id": "x.1", "assessment": "x.2", "module": SME,
                                              "question": "raw_equipment_total", "new": "many"}]},
                                  headers={"Authorization": "Bearer " + token})
        check(status == 400 and json.loads(body)["error"].get("pointer", "").startswith("/audit/0"),
              "a hostile row gets a 400 naming its place: " + body[:300])
        tokens = get_json(server.port, "/api/machine-tokens", on_server)
        status, body, _ = request(server.port, "DELETE", f"/api/machine-tokens/{tokens[0]['id']}", headers=on_server)
        check(status == 200, "the user revokes the machine token: " + body[:200])
        rc, report, err = sync(laptop.data, server, token)
        check(rc != 0 and "unknown or revoked" in err, "a revoked token is refused: " + err.strip()[:200])
        p = subprocess.run([ASSESS, "sync", "--server", "http://192.0.2.1:8080", "--data-dir", laptop.data], cwd=ROOT,
                           env=dict(os.environ, ASSESS_SYNC_TOKEN=token), capture_output=True, text=True, timeout=60)
        check(p.returncode != 0 and "plain HTTP" in p.stderr,
              "plain HTTP to another computer is refused without --allow-plain-http: " + p.stderr.strip()[:200])
        p = subprocess.run([ASSESS, "sync", "--server", server.url, "--data-dir", laptop.data, "--token", token],
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
        check(p.returncode == 2, "the token is not taken from the command line: " + p.stderr.strip()[:200])
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"{len(failures)} checks failed")
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

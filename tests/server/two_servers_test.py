#!/usr/bin/env python3
"""Two `assess serve` processes on one PostgreSQL database (issue 16, item 2).

Run under tests/tools/pg_cluster.sh, which starts a throwaway cluster and sets ASSESS_TEST_DATABASE.
Both servers get the same --database and --evidence-dir and their own --data-dir, and the test checks
that nothing one server keeps can be made stale by the other:

  - a session made on A works on B, and a logout on B ends it on A;
  - saves to one answer alternate between A and B: after each, the OTHER server reads the value
    just saved (the answer, and the score's live total), and the audit holds every save once with
    each row's old value equal to the previous row's new value;
  - 2 x 4 clients save different questions through both servers at once: every value is stored;
  - an evidence file uploaded through A is served by B, byte for byte;
  - an invite made on A is accepted on B and is used up on A;
  - failed logins counted on A hold back the same name on B (429).

usage: two_servers_test.py ASSESS_BINARY
"""
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ASSESS = sys.argv[1]
DATABASE = os.environ.get("ASSESS_TEST_DATABASE", "")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failures.append(what)


class Server:
    def __init__(self, data, evidence, *extra):
        self.proc = subprocess.Popen(
            [ASSESS, "serve", "--port", "0", "--data-dir", data, "--database", DATABASE, "--evidence-dir", evidence,
             *extra], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.port = None
        self.password = None
        deadline = time.time() + 60
        while time.time() < deadline and not self.port:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("assess serve exited: " + self.proc.stderr.read())
            m = re.search(r"running at http://127\.0\.0\.1:(\d+)/", line)
            if m:
                self.port = int(m.group(1))
        # The one-time password line follows the address on a fresh database.
        if self.port:
            self.proc.stdout.flush()
        if not self.port:
            raise RuntimeError("no port")

    def read_password(self):
        line = self.proc.stdout.readline()
        m = re.search(r"one-time password (\S+)", line)
        return m.group(1) if m else None

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def request(port, method, path, body=None, headers=None, content_type="application/json", raw=False):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
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


def login(port, name, password):
    status, body, headers = request(port, "POST", "/api/login", {"name": name, "password": password})
    if status != 200:
        return status, None
    cookie = headers.get("Set-Cookie", "").split(";", 1)[0]
    return status, {"Cookie": cookie, "X-CSRF-Token": json.loads(body)["csrf"]}


def main():
    if not DATABASE.startswith("postgresql://"):
        print("two_servers_test.py: ASSESS_TEST_DATABASE must be a postgresql:// URL (run it under pg_cluster.sh)")
        return 2
    work = tempfile.mkdtemp(prefix="assess-two-servers-")
    evidence = os.path.join(work, "evidence")
    servers = []
    try:
        a = Server(os.path.join(work, "a"), evidence, "--demo")
        servers.append(a)
        one_time = a.read_password()
        check(one_time is not None, "the first server on an empty database prints the one-time password")
        b = Server(os.path.join(work, "b"), evidence)
        servers.append(b)
        check(a.port != b.port, "two servers run at once on one database (no data-folder lock)")

        # The one-time password is changed through A; B sees the change.
        status, admin_a = login(a.port, "admin", one_time)
        password = "two-servers-" + one_time
        status, body, _ = request(a.port, "POST", "/api/password",
                                  {"current_password": one_time, "new_password": password}, headers=admin_a)
        check(status == 200, "the one-time password is changed through A: " + body)
        status, admin_b = login(b.port, "admin", password)
        check(status == 200, "B accepts the password changed through A")

        # Sessions live in the database.
        status, zhang_body, _ = request(a.port, "POST", "/api/users",
                                        {"name": "zhang", "password": "zhang-password-1", "role": "consultant"},
                                        headers=admin_a)
        check(status == 201, "a consultant is added through A: " + zhang_body)
        status, zhang = login(a.port, "zhang", "zhang-password-1")
        status, _, _ = request(b.port, "GET", "/api/me", headers=zhang)
        check(status == 200, "a session made on A works on B")
        status, other = login(b.port, "zhang", "zhang-password-1")
        status, _, _ = request(b.port, "POST", "/api/logout", headers=other)
        status, _, _ = request(a.port, "GET", "/api/me", headers=other)
        check(status == 401, "a logout on B ends the session on A")

        # The demo assessment, seeded by A.
        status, body, _ = request(b.port, "GET", "/api/enterprises", headers=zhang)
        enterprises = json.loads(body)
        enterprises = enterprises.get("enterprises", enterprises) if isinstance(enterprises, dict) else enterprises
        eid = enterprises[0]["id"]
        status, body, _ = request(a.port, "POST", f"/api/enterprises/{eid}/assessments",
                                  {"modules": ["sme-digital-2024"]}, headers=zhang)
        check(status == 201, "an assessment is created through A: " + body[:200])
        aid = json.loads(body)["id"]
        path = f"/api/assessments/{aid}/answers/sme-digital-2024/raw_equipment_total"

        # Both servers read the assessment once, so both hold it in their caches.
        for s in (a, b):
            request(s.port, "GET", f"/api/assessments/{aid}/score", headers=zhang)

        # Alternate saves: the other server must read each value at once.
        stale = []
        for i in range(1, 21):
            writer, reader = (a, b) if i % 2 else (b, a)
            status, body, _ = request(writer.port, "PUT", path, i * 10, headers=zhang)
            if status != 200:
                stale.append(f"save {i}: {status} {body[:200]}")
                continue
            live_writer = json.loads(body)["live"]["sme-digital-2024"]["total"]
            status, body, _ = request(reader.port, "GET", f"/api/assessments/{aid}", headers=zhang)
            got = json.loads(body)["answers"].get("sme-digital-2024", {}).get("raw_equipment_total")
            if got != i * 10:
                stale.append(f"save {i}: the other server read {got}")
            status, body, _ = request(reader.port, "GET", f"/api/assessments/{aid}/score", headers=zhang)
            live_reader = json.loads(body)["live"]["sme-digital-2024"]["total"]
            if live_reader != live_writer:
                stale.append(f"save {i}: live total {live_reader} on the reader, {live_writer} on the writer")
        check(not stale, "20 saves alternating between A and B: the other server reads each at once " + str(stale[:3]))
        status, body, _ = request(a.port, "GET", f"/api/assessments/{aid}/audit?limit=500", headers=zhang)
        audit = json.loads(body)
        audit = audit.get("audit", audit) if isinstance(audit, dict) else audit
        rows = [r for r in reversed(audit) if r["question"] == "raw_equipment_total"]
        check([r["new"] for r in rows] == [i * 10 for i in range(1, 21)], "the audit holds the 20 saves in order")
        check(all(rows[k]["old"] == rows[k - 1]["new"] for k in range(1, len(rows))) and rows and rows[0]["old"] is None,
              "each audit row's old value is the new value of the save before it")

        # Concurrent saves of different questions through both servers.
        questions = ["raw_equipment_digitised", "raw_equipment_networked", "raw_revenue_last_year",
                     "raw_revenue_year_before", "raw_employees_last_year", "raw_employees_year_before",
                     "raw_digital_spend_avg3", "raw_equipment_total"]
        errors = []

        def client(k):
            server = (a, b)[k % 2]
            q = questions[k]
            for v in range(1, 11):
                st, bd, _ = request(server.port, "PUT", f"/api/assessments/{aid}/answers/sme-digital-2024/{q}",
                                    v * 1000 + k, headers=zhang)
                if st != 200:
                    errors.append(f"{q} {v}: {st} {bd[:120]}")

        threads = [threading.Thread(target=client, args=(k,)) for k in range(len(questions))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        check(not errors, "8 clients save 10 times each through both servers at once: all answered 200 " + str(errors[:3]))
        for s, name in ((a, "A"), (b, "B")):
            status, body, _ = request(s.port, "GET", f"/api/assessments/{aid}", headers=zhang)
            answers = json.loads(body)["answers"]["sme-digital-2024"]
            check(all(answers.get(q) == 10 * 1000 + k for k, q in enumerate(questions)),
                  f"after the concurrent saves {name} reads every question's last value")
        status, body_a, _ = request(a.port, "GET", f"/api/assessments/{aid}/score", headers=zhang)
        status, body_b, _ = request(b.port, "GET", f"/api/assessments/{aid}/score", headers=zhang)
        check(json.loads(body_a)["live"] == json.loads(body_b)["live"], "A and B score the assessment alike")

        # Evidence uploaded through A is served by B.
        png = b"\x89PNG\r\n\x1a\n" + os.urandom(64)
        status, body, _ = request(a.port, "POST",
                                  f"/api/assessments/{aid}/evidence/sme-digital-2024/raw_equipment_total?name=p.png",
                                  png, headers=zhang, content_type="image/png")
        check(status == 201, "evidence is uploaded through A: " + body[:200])
        sha = json.loads(body)["sha256"] if status == 201 else ""
        status, payload, _ = request(b.port, "GET", f"/api/evidence/{sha}", headers=zhang, raw=True)
        check(status == 200 and payload == png, "B serves the evidence file A stored, byte for byte")
        check(os.path.exists(os.path.join(evidence, sha)), "the file is in the shared --evidence-dir")

        # Invites live in the database.
        status, body, _ = request(a.port, "POST", f"/api/enterprises/{eid}/invites", {}, headers=zhang)
        if status in (200, 201):
            token = json.loads(body)["token"]
            status, body, _ = request(b.port, "POST", f"/api/invites/{token}/accept",
                                      {"name": "boss", "password": "boss-password-1"})
            check(status in (200, 201), "an invite made on A is accepted on B: " + body[:200])
            status, body, _ = request(a.port, "POST", f"/api/invites/{token}/accept",
                                      {"name": "boss2", "password": "boss-password-1"})
            check(status == 404, "the invite is used up on A too")
        else:
            check(False, "an invite is made on A: " + str(status) + " " + body[:200])

        # Login throttling is shared: failures on A hold the name back on B. Fail on A until A asks
        # for a wait of at least 2 s (waiting out shorter ones), then ask B at once.
        retry = 0
        for _ in range(30):
            status, _, headers = request(a.port, "POST", "/api/login", {"name": "zhang", "password": "wrong password!"})
            if status == 429:
                retry = int(headers.get("Retry-After", "0"))
                if retry >= 2:
                    break
                time.sleep(retry)
        check(retry >= 2, "failed logins on A build up a backoff on A")
        status, _, headers = request(b.port, "POST", "/api/login", {"name": "zhang", "password": "wrong password!"})
        check(status == 429 and int(headers.get("Retry-After", "0")) >= 1,
              "B answers 429 for the name A is holding back (the counts are rows)")
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"two servers: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The installed binary works on its own (issue 12, item 6).

`cmake --install` into a temporary prefix, then the prefix is moved elsewhere (a packaged or copied
install), and from an unrelated working directory, with the source-tree fallback switched off
(ASSESS_NO_SOURCE_DATA=1), the moved `assess`:
  - reports its data root as <moved prefix>/share/assess, found next to the executable;
  - scores the shipped demo assessment, renders its report, and serves the web app (GET / and a
    module of the UI over HTTP);
  - takes --data-root and ASSESS_DATA_ROOT over the installed layout, and refuses an unusable one;
  - copied alone, without its share/ folder, fails with an error naming every place it looked.
Usage: install_test.py BUILD_DIR SOURCE_DIR
"""
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

BUILD, SOURCE = sys.argv[1], os.path.realpath(sys.argv[2])
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failures.append(what)


def run(binary, *args, env_extra=None, cwd):
    env = {k: v for k, v in os.environ.items() if k != "ASSESS_DATA_ROOT"}
    env["ASSESS_NO_SOURCE_DATA"] = "1"
    env.update(env_extra or {})
    return subprocess.run([binary, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def serve_and_get(binary, data_dir, cwd):
    env = {k: v for k, v in os.environ.items() if k != "ASSESS_DATA_ROOT"}
    env["ASSESS_NO_SOURCE_DATA"] = "1"
    proc = subprocess.Popen([binary, "serve", "--port", "0", "--data-dir", data_dir], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = None
        out = ""
        deadline = time.time() + 60
        while time.time() < deadline and port is None:
            line = proc.stdout.readline()
            if not line:
                break
            out += line
            m = re.search(r"running at http://127\.0\.0\.1:(\d+)/", out)
            if m:
                port = int(m.group(1))
        check(port is not None, "assess serve starts from the moved install (" + out.strip()[:200] + ")")
        if port is None:
            print(proc.stderr.read() if proc.poll() is not None else "", file=sys.stderr)
            return
        pages = {}
        for path in ("/", "/rules.js", "/jsonlogic.js"):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path)
            r = conn.getresponse()
            pages[path] = (r.status, r.read().decode(errors="replace"))
            conn.close()
        status, body = pages["/"]
        check(status == 200 and "<html" in body.lower() and "app.js" in body,
              f"GET / serves the installed web/index.html (status {status})")
        with open(os.path.join(SOURCE, "web/rules.js"), encoding="utf-8") as f:
            check(pages["/rules.js"] == (200, f.read()), "GET /rules.js serves the installed copy of web/rules.js")
        check(pages["/jsonlogic.js"][0] == 200, "GET /jsonlogic.js is served")
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    work = tempfile.mkdtemp(prefix="assess-install-")
    try:
        stage = os.path.join(work, "stage")
        r = subprocess.run(["cmake", "--install", BUILD, "--prefix", stage], capture_output=True, text=True)
        check(r.returncode == 0, "cmake --install into a temporary prefix" + ("" if r.returncode == 0 else ": " + r.stderr))
        if r.returncode != 0:
            return
        moved = os.path.join(work, "elsewhere", "opt-assess")
        os.makedirs(os.path.dirname(moved))
        shutil.move(stage, moved)  # the prefix compiled into nothing: it moves as a whole
        binary = os.path.join(moved, "bin", "assess")
        data = os.path.join(moved, "share", "assess")
        for sub in ("questionnaires", "policies", "templates", "web"):
            check(os.path.isdir(os.path.join(data, sub)), f"installed share/assess/{sub}/")
        check(os.path.isfile(os.path.join(moved, "share", "doc", "assess", "README.md")), "installed share/doc/assess/README.md")
        check(not os.path.exists(os.path.join(data, "policies", "tools")), "developer tools are not installed")
        cwd = os.path.join(work, "somewhere")
        os.makedirs(cwd)

        r = run(binary, "where", cwd=cwd)
        check(r.returncode == 0 and r.stdout.strip() == f"data root: {data} (installed)",
              f"the moved binary finds its data next to itself: {r.stdout.strip()} {r.stderr.strip()}")

        demo = os.path.join(data, "questionnaires", "demo", "assessment.json")
        r = run(binary, "score", "--answers", demo, "--json", cwd=cwd)
        ok = r.returncode == 0
        modules = json.loads(r.stdout)["modules"] if ok else []
        check(ok and len(modules) >= 2 and all("sections" in m for m in modules),
              f"assess score scores the demo assessment ({len(modules)} modules) {r.stderr.strip()[:300]}")

        html = os.path.join(work, "report.html")
        r = run(binary, "report", "--assessment", demo, "-o", html, "--generated-at", "2026-01-01 00:00", cwd=cwd)
        text = open(html, encoding="utf-8").read() if os.path.exists(html) else ""
        enterprise = json.load(open(demo, encoding="utf-8"))["assessment"]["enterprise"]
        check(r.returncode == 0 and "<html" in text.lower() and enterprise in text,
              f"assess report renders with the installed templates {r.stderr.strip()[:300]}")

        serve_and_get(binary, os.path.join(work, "var"), cwd)

        # An explicit choice wins over the installed layout; an unusable one is refused, not replaced.
        alt = os.path.join(work, "alt-root")
        shutil.copytree(data, alt)
        r = run(binary, "--data-root", alt, "where", cwd=cwd)
        check(r.stdout.strip() == f"data root: {alt} (--data-root)", "--data-root wins: " + r.stdout.strip())
        r = run(binary, "where", env_extra={"ASSESS_DATA_ROOT": alt}, cwd=cwd)
        check(r.stdout.strip() == f"data root: {alt} (ASSESS_DATA_ROOT)", "ASSESS_DATA_ROOT wins: " + r.stdout.strip())
        bogus = os.path.join(work, "no-such-root")
        r = run(binary, "score", "--answers", demo, "--data-root", bogus, cwd=cwd)
        check(r.returncode == 3 and r.stderr.strip() == f"{bogus}: the data root given by --data-root is unusable: no such folder",
              "an unusable --data-root is refused: " + r.stderr.strip())

        # The binary copied alone: nothing next to it, the source tree switched off.
        lonely = os.path.join(work, "lonely", "bin")
        os.makedirs(lonely)
        shutil.copy2(binary, lonely)
        r = run(os.path.join(lonely, "assess"), "where", cwd=cwd)
        expected_place = os.path.join(work, "lonely", "share", "assess") + " (next to the executable: no such folder)"
        check(r.returncode == 3 and r.stderr.startswith("assess: no data root") and expected_place in r.stderr
              and "ASSESS_DATA_ROOT (not set)" in r.stderr and ("switched off by ASSESS_NO_SOURCE_DATA=1" in r.stderr or "ASSESS_SOURCE_DATA_FALLBACK=OFF" in r.stderr),
              "a binary without data names every place it looked: " + r.stderr.strip())
        r = run(os.path.join(lonely, "assess"), "where", "--data-root", data, cwd=cwd)
        check(r.returncode == 0 and r.stdout.strip() == f"data root: {data} (--data-root)", "the lonely binary works with --data-root")
    finally:
        shutil.rmtree(work, ignore_errors=True)


main()
if failures:
    print(f"{len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)

#!/usr/bin/env python3
"""The HTML trace viewer (docs/viewer.md), end to end.

    viewer_test.py page ZABSIM SOURCE WORK      the file: bytes, records, escaping, errors
    viewer_test.py browser ZABSIM SOURCE WORK   the page in headless Chromium, clicked through

`page` needs nothing but Python. `browser` drives Debian's chromium through chromedriver's
WebDriver HTTP API (urllib only); it exits 77 (a skip for ctest) when either is missing.
It checks what the page shows against what this file computes on its own from the JSON
Lines trace of the same run. Chromium runs as root with --no-sandbox, headless, with a
temporary profile that is removed afterwards, and every process it started is ended
even when a check fails.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

SKIP = 77


def fail(what):
    print(f"FAIL: {what}", file=sys.stderr)
    sys.exit(1)


def expect(cond, what):
    if not cond:
        fail(what)


def zabsim(zabsim_path, args, want_code, cwd):
    p = subprocess.run([zabsim_path] + args, cwd=cwd, capture_output=True, text=True)
    if p.returncode != want_code:
        fail(f"zabsim {' '.join(args)}: exit {p.returncode}, expected {want_code}\n{p.stdout}{p.stderr}")
    return p


def embedded(html, element_id):
    """The text of <script type="application/json" id=element_id>, as JSON."""
    m = re.search(r'<script type="application/json" id="' + element_id + r'">(.*?)</script>', html, re.S)
    expect(m, f"the page has no {element_id} element")
    return json.loads(m.group(1))


def trace_pair(zabsim_path, source, work, name, args, want_code):
    """Writes the run's trace as HTML and as JSON Lines; returns (html path, header, records)."""
    html = os.path.join(work, name + ".html")
    jsonl = os.path.join(work, name + ".jsonl")
    zabsim(zabsim_path, args[:1] + ["--trace", html, "--format", "html"] + args[1:], want_code, source)
    zabsim(zabsim_path, args[:1] + ["--trace", jsonl, "--format", "jsonl"] + args[1:], want_code, source)
    with open(jsonl) as f:
        lines = f.read().splitlines()
    return html, json.loads(lines[0]), [json.loads(line) for line in lines[1:]]


# ---------------------------------------------------------------------------------------
# The file alone.

def check_page(zabsim_path, source, work):
    runs = [("scenario", ["run", "scenarios/happy-path.scn"], 0),
            ("bug", ["sim", "--bug", "ZK-4925", "--seed", "11"], 1)]
    for name, args, code in runs:
        html, header, records = trace_pair(zabsim_path, source, work, name, args, code)
        with open(html, encoding="utf-8") as f:
            page = f.read()
        # The same run gives the same bytes.
        again = os.path.join(work, name + ".again.html")
        zabsim(zabsim_path, args[:1] + ["--trace", again, "--format", "html"] + args[1:], code, source)
        with open(again, encoding="utf-8") as f:
            expect(f.read() == page, f"{name}: two runs wrote different HTML")
        # The page embeds exactly the JSON Lines records, and needs nothing from outside.
        # The headers differ only in the arguments' --format value.
        page_header = embedded(page, "zabsim-header")
        expect(page_header["args"] == [a if a != "jsonl" else "html" for a in header["args"]]
               and dict(page_header, args=None) == dict(header, args=None),
               f"{name}: the embedded header differs from the JSONL one:\n{page_header}\n{header}")
        expect(embedded(page, "zabsim-records") == records, f"{name}: the embedded records differ from the JSONL ones")
        expect(records[-1]["k"] == "end", f"{name}: no end record")
        for outside in ("http://", "https://", "<link", " src=", "@import"):
            expect(outside not in page, f"{name}: the page refers to something outside it ({outside!r})")
        expect(page.count("</script") == 3, f"{name}: expected 3 </script> tags, found {page.count('</script')}")

    # Every scenario of the library gives a page that holds exactly its records (every
    # ZABSIM_SCENARIO_STRIDE-th one: sanitizer builds take every third, tests/CMakeLists.txt).
    stride = int(os.environ.get("ZABSIM_SCENARIO_STRIDE", "1"))
    library = sorted(f for f in os.listdir(os.path.join(source, "scenarios")) if f.endswith(".scn"))
    for scn in library[::stride]:
        html, header, records = trace_pair(zabsim_path, source, work, "library", ["run", "scenarios/" + scn], 0)
        with open(html, encoding="utf-8") as f:
            expect(embedded(f.read(), "zabsim-records") == records, f"{scn}: the page's records differ")

    # A string that would end a <script> element early must be escaped: a scenario path
    # holding "</script>" (directory "a<", file "script>b.scn") lands in the header.
    os.makedirs(os.path.join(work, "a<"), exist_ok=True)
    odd = os.path.join(work, "a<", "script><!--b.scn")
    shutil.copy(os.path.join(source, "scenarios", "happy-path.scn"), odd)
    html = os.path.join(work, "odd.html")
    zabsim(zabsim_path, ["run", "--trace", html, "--format", "html", odd], 0, source)
    with open(html, encoding="utf-8") as f:
        page = f.read()
    expect(page.count("</script") == 3, "a '</script>' in the scenario path was not escaped")
    expect(embedded(page, "zabsim-header")["scenario"] == odd, "the escaped scenario path does not read back")

    # A bad --format names the flag and the choices.
    p = zabsim(zabsim_path, ["sim", "--trace", os.path.join(work, "x"), "--format", "htm"], 2, source)
    expect("expected one of text|jsonl|mermaid|shiviz|html" in p.stderr, f"--format htm: unexpected message {p.stderr!r}")
    print("viewer page: ok")


# ---------------------------------------------------------------------------------------
# What the page should show, computed here from the JSON Lines records.

def fold_servers(header, records, upto):
    """Each server's role, phase, epochs, last logged, committed and applied zxids and
    up/down after records[:upto] (docs/viewer.md says what the panel shows)."""
    servers = {p: {"up": "up", "role": "", "phase": "", "epochs": "? / ?", "last-logged": "",
                   "committed": "", "applied": ""}
               for p in range(1, header["servers"] + 1)}
    history = {p: "" for p in servers}  # What a NEWLEADER (or UPTODATE) will commit.
    def zxid(text):
        return int(text, 16) if text else -1
    def higher(a, b):
        return b if b and b != "0x0" and zxid(b) > zxid(a) else a
    for r in records[:upto]:
        s = servers.get(r["p"])
        if s is None:
            continue
        k = r["k"]
        if k in ("start", "crash"):  # Memory is lost; epochs and the log are on disk.
            s.update(up="up" if k == "start" else "down", role="", phase="", applied="", committed="")
            history[r["p"]] = ""
        elif k == "state":
            s.update(role=r["state"], phase=r["phase"], epochs=f"{r['accepted_epoch']} / {r['current_epoch']}")
        elif k in ("apply", "tree-loaded"):
            s["applied"] = r["zxid"]
        elif k == "logged":
            s["last-logged"] = r["last"]
        elif k == "truncate-log":
            s["last-logged"] = r["to"]
        elif k == "commit":
            s["committed"] = r["zxid"]
        elif k == "recv" and r["type"] in ("COMMIT", "INFORM") and zxid(r["zxid"]) > zxid(s["committed"]):
            s["committed"] = r["zxid"]
        elif k == "epoch-proposed":
            history[r["p"]] = higher(r["last"], r["log_last"])
        elif k == "newleader-processed":
            history[r["p"]] = r["log_last"]
        elif k == "established" or (k == "recv" and r["type"] == "UPTODATE"):
            s["committed"] = higher(s["committed"], history[r["p"]])
    return servers


def phase_changes(header, records):
    """Indices of `state` records that change a server's role or phase."""
    last = {}
    out = []
    for i, r in enumerate(records):
        if r["p"] < 1 or r["p"] > header["servers"]:
            continue
        if r["k"] in ("start", "crash"):
            last[r["p"]] = ("", "")
        elif r["k"] == "state":
            now = (r["state"], r["phase"])
            if last.get(r["p"], ("", "")) != now:
                out.append(i)
            last[r["p"]] = now
    return out


# ---------------------------------------------------------------------------------------
# A WebDriver client over urllib.

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class Browser:
    def __init__(self, work):
        self.chromium = shutil.which("chromium")
        self.driver_path = shutil.which("chromedriver")
        self.profile = tempfile.mkdtemp(prefix="zabsim-viewer-chromium-", dir=work)
        self.driver = None
        self.session = None
        with socket.socket() as s:  # A free port for chromedriver.
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"

    def call(self, method, path, body=None, timeout=120):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return json.loads(resp.read() or b"{}").get("value")
        except urllib.error.HTTPError as e:
            fail(f"WebDriver {method} {path}: {e.code} {e.read()[:500]!r}")

    def start(self):
        # Its own session and process group, so that ending the group ends chromium too.
        self.driver = subprocess.Popen([self.driver_path, f"--port={self.port}"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       start_new_session=True)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.base + "/status", timeout=2) as resp:
                    if json.loads(resp.read())["value"].get("ready"):
                        break
            except (OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                fail("chromedriver did not start")
            time.sleep(0.1)
        args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--window-size=1400,1000", f"--user-data-dir={self.profile}"]
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": self.chromium, "args": args}}}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def stop(self):
        if self.session is not None:
            try:
                urllib.request.urlopen(urllib.request.Request(
                    f"{self.base}/session/{self.session}", method="DELETE"), timeout=20).read()
            except OSError:
                pass
            self.session = None
        if self.driver is not None:
            for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.driver.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.driver.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    pass
            self.driver = None
        # Any browser process that left the group still names our profile: end it too.
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if self.profile.encode() in f.read():
                        os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def s(self, path):
        return f"/session/{self.session}{path}"

    def open(self, path):
        self.call("POST", self.s("/url"), {"url": "file://" + os.path.abspath(path)})
        deadline = time.monotonic() + 120
        while not self.js("return document.body && document.body.dataset.ready === '1'"):
            if time.monotonic() > deadline:
                fail(f"{path}: the page did not get ready: {self.js('return document.body.innerText')[:500]}")
            time.sleep(0.05)

    def js(self, script, *args):
        return self.call("POST", self.s("/execute/sync"), {"script": script, "args": list(args)})

    def find(self, css):
        return self.call("POST", self.s("/element"), {"using": "css selector", "value": css})[ELEMENT]

    def click(self, css):
        self.call("POST", self.s(f"/element/{self.find(css)}/click"), {})

    def text(self, css):
        return self.call("GET", self.s(f"/element/{self.find(css)}/text"))

    def type(self, css, keys):
        element = self.find(css)
        self.call("POST", self.s(f"/element/{element}/clear"), {})
        self.call("POST", self.s(f"/element/{element}/value"), {"text": keys})

    def keys(self, keys):
        """Presses keys on the page, as a user would (WebDriver actions)."""
        actions = []
        for key in keys:
            actions += [{"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]
        self.call("POST", self.s("/actions"), {"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})
        self.call("DELETE", self.s("/actions"))

    def no_error(self, what):
        error = self.js("return document.body.dataset.error || ''")
        expect(not error, f"{what}: the page reported an error: {error}")

    def step(self):
        return int(self.js("return document.getElementById('step').value"))

    def servers(self):
        """The state panel's server rows, as the page shows them."""
        return self.js("""
            const out = {};
            for (const tr of document.querySelectorAll('#state-table tr[data-peer]')) {
              const row = {};
              for (const td of tr.querySelectorAll('td[data-field]')) row[td.dataset.field] = td.textContent;
              out[tr.dataset.peer] = row;
            }
            return out;""")


def expect_servers(browser, header, records, step, what):
    shown = browser.servers()
    want = fold_servers(header, records, step)
    for p, w in want.items():
        got = shown.get(str(p))
        expect(got is not None, f"{what}: no row for server {p}")
        for field, value in w.items():
            got_value = got[field].split(" (")[0] if field in ("applied", "last-logged") else got[field]
            expect(got_value == value, f"{what}: server {p} {field} shows {got[field]!r}, expected {value!r}")


def check_browser(zabsim_path, source, work):
    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        print("SKIP: chromium and chromedriver are needed (Debian packages chromium, chromium-driver; "
              "./build.sh test installs them)")
        sys.exit(SKIP)
    happy, header, records = trace_pair(zabsim_path, source, work, "b-scenario",
                                        ["run", "scenarios/happy-path.scn"], 0)
    bug, bug_header, bug_records = trace_pair(zabsim_path, source, work, "b-bug",
                                              ["sim", "--bug", "ZK-4925", "--seed", "11"], 1)
    # A scenario whose trace has a `check`'s verdicts before the violation: the
    # violation's "trace record N" counts the run's records only, not those verdicts.
    with open(os.path.join(source, "scenarios", "bug-commit-without-quorum.scn")) as f:
        story = f.read()
    converged = "run until=converged show=none\n----\nok\n"
    expect(converged in story, "bug-commit-without-quorum.scn changed: update this test")
    mid = os.path.join(work, "b-mid-check.scn")
    with open(mid, "w") as f:
        f.write(story.replace(converged, converged + "\ncheck\n----\nchecks: ok\n", 1))
    zabsim(zabsim_path, ["run", "--rewrite", mid], 0, source)
    mid_html, _, mid_records = trace_pair(zabsim_path, source, work, "b-mid", ["run", mid], 0)
    observer, observer_header, observer_records = trace_pair(
        zabsim_path, source, work, "b-observer", ["sim", "--seed", "5", "--voters", "5", "--observers", "1"], 0)
    large, large_header, large_records = trace_pair(
        zabsim_path, source, work, "b-large", ["sim", "--seed", "1", "--ops", "3000", "--time", "120s"], 0)
    expect(len(large_records) >= 100000, f"the large run has only {len(large_records)} records")

    browser = Browser(work)
    try:
        browser.start()

        # Stepping: N clicks on "next" show step N and the Nth record as the current one.
        browser.open(happy)
        expect(browser.step() == 0, "the page does not open at step 0")
        for _ in range(7):
            browser.click("#btn-next")
        expect(browser.step() == 7, f"after 7 clicks on next the step is {browser.step()}")
        current = browser.text("#events .current")
        expect(current.split()[0] == "7" and f" {records[6]['k']}" in current,
               f"after 7 clicks the current event is {current!r}, record 7 is {records[6]}")
        browser.click("#btn-prev")
        expect(browser.step() == 6, "previous did not go back one step")
        browser.keys(["j", "j", "\ue014"])  # J, J, Right arrow.
        expect(browser.step() == 9, f"keys J J Right went to step {browser.step()}, expected 9")

        # Phase changes, one by one from the start: each lands on the next state record
        # that changes a role or phase, and the panel shows every server as folded here.
        changes = phase_changes(header, records)
        expect(changes, "the scenario has no phase changes")
        browser.click("#btn-first")
        saw_leader = False
        for n, i in enumerate(changes):
            if n % 2 == 0:
                browser.click("#btn-next-phase")
            else:
                browser.keys(["]"])
            expect(browser.step() == i + 1, f"phase change {n + 1}: at step {browser.step()}, expected {i + 1}")
            expect_servers(browser, header, records, i + 1, f"phase change {n + 1}")
            r = records[i]
            row = browser.servers()[str(r["p"])]
            if row["role"] == "LEADING" and row["phase"] == "BROADCAST":
                saw_leader = True
                expect(row["epochs"].endswith(f"/ {r['current_epoch']}"),
                       f"the leader's epochs show {row['epochs']!r}, its state record says {r}")
        expect(saw_leader, "no phase change showed a leader in BROADCAST")
        browser.no_error("the scenario")
        browser.click("#btn-prev-phase")
        expect(browser.step() == changes[-2] + 1, "previous phase change did not go back one change")

        # Going anywhere: typed steps, across checkpoints, in both directions.
        browser.open(bug)
        n = len(bug_records)
        for target in (1, 999, 1000, 1001, 5555, 12345 % n, 2500, n):
            browser.type("#step", f"{target}\ue007")  # Enter.
            expect(browser.step() == target, f"typed step {target}, the page is at {browser.step()}")
            expect_servers(browser, bug_header, bug_records, target, f"bug run, step {target}")

        # The violation: the jump lands on the record the violation names.
        targets = []
        for r in bug_records:
            m = re.search(r"\(trace record (\d+)\)", r.get("detail", "")) if r["k"] == "violation" else None
            if m:
                targets.append(int(m.group(1)))
        expect(targets, "the ZK-4925 run has no violation naming a record")
        browser.click("#btn-first")
        browser.click("#btn-next-violation")
        expect(browser.step() == min(targets), f"next violation went to {browser.step()}, expected {min(targets)}")
        banner = browser.text("#banner")
        expect("violation:" in banner and f"trace record {min(targets)}" in banner,
               f"the violation banner says {banner!r}")
        browser.keys(["v"])
        later = sorted(t for t in set(targets) if t > min(targets))
        expect(browser.step() == (later[0] if later else min(targets)), f"V went to {browser.step()}")
        failed = browser.js("return [...document.querySelectorAll('#verdicts li.bad')].map(li => li.dataset.check)")
        expect("digest-agreement" in failed, f"the failed checks shown are {failed}")

        browser.no_error("the ZK-4925 run")

        browser.open(mid_html)
        run_records = [i for i, r in enumerate(mid_records) if r["k"] not in ("verdict", "violation", "end")]
        named = [int(m.group(1)) for r in mid_records if r["k"] == "violation"
                 for m in [re.search(r"\(trace record (\d+)\)", r["detail"])] if m]
        expect(named and run_records[min(named) - 1] > min(named) - 1,
               "the scenario with a mid-run check has no violation after the check's verdicts")
        browser.click("#btn-next-violation")
        want = run_records[min(named) - 1] + 1
        expect(browser.step() == want, f"mid-run check: next violation went to {browser.step()}, expected {want}")
        browser.no_error("the scenario with a mid-run check")

        # Every control, on a swarm run with an observer: nothing fails, and the state
        # panel agrees wherever they lead.
        browser.open(observer)
        browser.keys(["\ue010"])  # End: the observer has been OBSERVING.
        roles = {row.get("role") for row in browser.servers().values()}
        expect("OBSERVING" in roles, f"no server shows OBSERVING at the end of the observer run: {roles}")
        browser.click("#btn-first")
        for button in ("next-fault", "next-fault", "next-phase", "next", "prev-fault", "prev-phase", "prev",
                       "zoom-out", "zoom-out", "next-violation", "last", "zoom-in", "prev-violation"):
            browser.click(f"#btn-{button}")
            expect_servers(browser, observer_header, observer_records, browser.step(), f"observer run, {button}")
        faults = [i for i, r in enumerate(observer_records) if r["k"] == "fault"]
        expect(faults, "the observer run has no faults")
        browser.click("#btn-first")
        browser.keys(["f", "f"])
        expect(browser.step() == faults[1] + 1, f"F F went to {browser.step()}, the second fault is {faults[1] + 1}")
        browser.no_error("the observer run")

        # A run of more than 100,000 records: it loads, steps and jumps.
        browser.open(large)
        load_ms = int(browser.js("return document.body.dataset.loadMs"))
        size_mb = os.path.getsize(large) / 1e6
        started = time.monotonic()
        for _ in range(20):
            browser.click("#btn-next")
        expect(browser.step() == 20, "the large run did not step")
        step_ms = (time.monotonic() - started) * 1000 / 20
        started = time.monotonic()
        browser.keys(["\ue010"])  # End.
        end_ms = (time.monotonic() - started) * 1000
        expect(browser.step() == len(large_records), "End did not go to the last step")
        expect_servers(browser, large_header, large_records, len(large_records), "large run, last step")
        browser.type("#step", f"{len(large_records) // 2 + 7}\ue007")
        expect_servers(browser, large_header, large_records, len(large_records) // 2 + 7, "large run, middle")
        browser.no_error("the large run")
        print(f"large run: {len(large_records)} records, {size_mb:.1f} MB, loaded in {load_ms} ms, "
              f"{step_ms:.0f} ms per click on next, {end_ms:.0f} ms to jump to the end (WebDriver round trips included)")
    finally:
        browser.stop()
    print("viewer in chromium: ok")


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("page", "browser"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    mode, zabsim_path, source, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    # ctest ends a test that runs too long with SIGTERM: turn it into an exit, so that
    # the browser is still cleaned up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if mode == "page":
        check_page(zabsim_path, source, work)
    else:
        check_browser(zabsim_path, source, work)


if __name__ == "__main__":
    main()

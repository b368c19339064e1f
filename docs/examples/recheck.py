#!/usr/bin/env python3
"""Re-check a zabsim run's safety from its JSON Lines trace alone.

    zabsim sim --seed 7 --trace run.jsonl --format jsonl
    python3 docs/examples/recheck.py run.jsonl

This program shares no code with zabsim: it reads only the trace (docs/trace-format.md)
and checks, independently of the simulator's own checkers,

  one-leader-per-epoch   at most one server is established as leader in each epoch;
  digest-agreement       every server that reaches zxid Z (by applying it, or by loading
                         a tree at Z) holds the same tree digest there;
  applied-in-order       each server applies txns in increasing zxid order, and never
                         skips a txn that was already committed;
  leader-completeness    a newly established leader's tree already holds every txn
                         committed before it;
  acked-writes-committed every write a client was told succeeded is a committed txn.

It then compares its findings with the simulator's verdict records. Exit status: 0 when
every check holds, 1 when one fails, 2 when the file cannot be read as a whole zabsim trace
of a ZAB run (not found, not JSON, no header, or cut short before its end record).
"""

import bisect
import json
import sys

WRITES = {"create", "delete", "setData", "createSession", "closeSession"}


def zxid(text):
    return int(text, 16)


def hexz(value):
    return f"0x{value:x}"


class Recheck:
    def __init__(self, header):
        self.servers = header["servers"]
        self.violations = {}  # check -> [message]
        self.leaders = {}  # epoch -> sid
        self.digest_at = {}  # zxid -> (digest, sid)
        self.last = {}  # sid -> zxid of its tree
        self.committed = []  # sorted zxids
        self.committed_set = set()
        self.acked = []  # (time, client, zxid)
        self.sim_verdicts = {}

    def fail(self, check, t, message):
        self.violations.setdefault(check, []).append(f"{t / 1e6:.6f}: {message}")

    def digest(self, t, sid, z, digest, how):
        if z == 0:
            return  # The empty tree: nothing to agree on.
        known = self.digest_at.setdefault(z, (digest, sid))
        if known[0] != digest:
            self.fail("digest-agreement", t,
                      f"server {sid} {how} {hexz(z)} with digest {digest}, "
                      f"server {known[1]} had {known[0]}")

    def record(self, r):
        t, p, k = r["t"], r["p"], r["k"]
        if k == "established":
            sid = self.leaders.setdefault(r["epoch"], p)
            if sid != p:
                self.fail("one-leader-per-epoch", t,
                          f"two leaders established in epoch {r['epoch']}: {sid} and {p}")
            if self.committed and self.last.get(p, 0) < self.committed[-1]:
                self.fail("leader-completeness", t,
                          f"server {p} leads epoch {r['epoch']} at {hexz(self.last.get(p, 0))}, "
                          f"but {hexz(self.committed[-1])} was committed")
        elif k == "commit":
            z = zxid(r["zxid"])
            if z not in self.committed_set:
                self.committed_set.add(z)
                bisect.insort(self.committed, z)
        elif k == "start":
            self.last[p] = 0  # Until its tree is loaded from disk.
        elif k == "tree-loaded":
            z = zxid(r["zxid"])
            self.digest(t, p, z, r["digest"], f"loaded a tree ({r['from']}) at")
            self.last[p] = z
        elif k == "apply":
            z = zxid(r["zxid"])
            prev = self.last.get(p, 0)
            if z <= prev:
                self.fail("applied-in-order", t,
                          f"server {p} applied {hexz(z)} after {hexz(prev)}")
            else:
                i = bisect.bisect_right(self.committed, prev)
                if i < len(self.committed) and self.committed[i] < z:
                    self.fail("applied-in-order", t,
                              f"server {p} applied {hexz(z)} after {hexz(prev)}, skipping "
                              f"committed {hexz(self.committed[i])}")
            self.digest(t, p, z, r["digest"], "applied")
            self.last[p] = z
        elif k == "complete":
            if (r["op"] in WRITES and r["code"] == "OK" and not r["indeterminate"]):
                self.acked.append((t, p, zxid(r["zxid"])))
        elif k == "verdict":
            self.sim_verdicts[r["check"]] = r["ok"]

    def finish(self):
        for t, client, z in self.acked:
            if z not in self.committed_set:
                self.fail("acked-writes-committed", t,
                          f"client process {client} was told {hexz(z)} succeeded, "
                          f"but no leader committed it")


def main(argv):
    if len(argv) != 2:
        print("usage: recheck.py TRACE.jsonl", file=sys.stderr)
        return 2
    path = argv[1]
    try:
        with open(path, encoding="utf-8") as f:
            lines = iter(enumerate(f, start=1))
            try:
                _, first = next(lines)
                header = json.loads(first)
            except (StopIteration, json.JSONDecodeError):
                header = {}
            if not isinstance(header, dict) or header.get("format") != "zabsim-trace" \
                    or header.get("version") != 1:
                print(f"{path}:1: expected a zabsim-trace version 1 header", file=sys.stderr)
                return 2
            if not isinstance(header.get("servers"), int):
                print(f"{path}:1: not a ZAB run (no 'servers' in the header)", file=sys.stderr)
                return 2
            check = Recheck(header)
            ended = False
            for number, line in lines:
                try:
                    r = json.loads(line)
                    if not isinstance(r, dict) or not isinstance(r.get("k"), str):
                        raise ValueError("a record needs a kind 'k'")
                    check.record(r)
                except (ValueError, KeyError, TypeError) as e:
                    print(f"{path}:{number}: unreadable record: {e}", file=sys.stderr)
                    return 2
                ended = ended or r["k"] == "end"
    except (OSError, UnicodeDecodeError) as e:
        print(f"{path}: {e}", file=sys.stderr)
        return 2
    check.finish()
    if not ended:
        # A cut trace may lack the very records that would show a violation.
        print(f"{path}: no end record: the trace is cut short, nothing can be vouched for",
              file=sys.stderr)
        return 2
    checks = ["one-leader-per-epoch", "digest-agreement", "applied-in-order",
              "leader-completeness", "acked-writes-committed"]
    for name in checks:
        found = check.violations.get(name, [])
        print(f"{name}: {'ok' if not found else f'VIOLATED ({len(found)})'}")
        for v in found[:10]:
            print(f"  {v}")
    ok = not check.violations
    sim_ok = all(check.sim_verdicts.values()) if check.sim_verdicts else None
    if sim_ok is not None and sim_ok != ok:
        print(f"note: the simulator's own verdicts say {'ok' if sim_ok else 'violated'}")
    print(f"recheck: {'ok' if ok else 'VIOLATED'} ({len(check.committed)} txns committed, "
          f"{len(check.leaders)} epochs)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

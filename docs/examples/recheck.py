#!/usr/bin/env python3
"""Re-check a zabsim run's safety from its JSON Lines trace alone.

    zabsim sim --seed 7 --trace run.jsonl --format jsonl
    python3 docs/examples/recheck.py run.jsonl

This program shares no code with zabsim: it reads only the trace (docs/trace-format.md)
and checks, independently of the simulator's own checkers, what docs/invariants.md
defines, with "committed" as defined there (a `commit`, a write a client was told
succeeded, or the history of a leader once it is `established`):

  one-leader-per-epoch        at most one server is established as leader in each epoch;
  digest-agreement            every server that reaches zxid Z (by applying it, or by
                              loading a tree at Z) holds the same tree digest there;
  applied-in-order            each server applies txns in increasing zxid order (txns
                              applied again must leave the tree as it was once the
                              replay is back at the tree's zxid), and never
                              skips a txn that was already committed;
  leader-completeness         a newly established leader's tree holds every txn of an
                              older epoch committed so far, its own history included;
  committed-applied           a txn a tree went past without applying it is never
                              committed; and when a run ends converged, every live tree
                              holds every committed txn it owes;
  truncation-keeps-committed  no truncation removes a txn its server had logged (by the
                              disk's word: `logged`) and that was committed when the
                              truncation was decided;
  newleader-prefix            a learner that processed NEWLEADER holds a prefix of its
                              leader's history (`log_runs` of both, and the leader's
                              proposals since);
  acked-writes-committed      every write a client was told succeeded was committed by
                              the protocol (a `commit`, or an established leader's
                              history), not only by the client's word.

The first seven are the simulator's checks of the same names: the program compares its
findings with the trace's verdict records and says whether they agree. Exit status: 0
when every check holds, 1 when one fails, 2 when the file cannot be read as a whole zabsim
trace of a ZAB run (not found, not JSON, no header, or cut short before its end record).
"""

import bisect
import json
import sys

WRITES = {"create", "delete", "setData", "createSession", "closeSession"}
CHECKS = ["one-leader-per-epoch", "digest-agreement", "applied-in-order", "leader-completeness",
          "committed-applied", "truncation-keeps-committed", "newleader-prefix",
          "acked-writes-committed"]
# The checks that the simulator also makes, under the same name.
SHARED = CHECKS[:-1]


def zxid(text):
    return int(text, 16)


def hexz(value):
    return f"0x{value:x}"


def epoch_of(z):
    return z >> 32


def runs(text):
    """The zxids of a `log_runs` field: "0x100000001..0x100000003,0x200000001"."""
    out = []
    for part in filter(None, text.split(",")):
        first, _, last = part.partition("..")
        out.extend(range(zxid(first), zxid(last or first) + 1))
    return out


def describe(first, last, count):
    return hexz(first) if count <= 1 else f"{hexz(first)} .. {hexz(last)} ({count} txns)"


class Server:
    def __init__(self):
        self.tree = 0  # Where its tree is (None: unknown, from a start to the next load).
        self.digest = None
        self.applied = 0  # The last txn the tree holds (the tree's label can differ).
        self.gaps = set()  # Proposed zxids the tree went past without applying them.
        self.last_logged = 0  # The last txn its log holds durably, by `logged`.
        self.live = True
        self.state = self.phase = None
        self.leader = 0
        self.current_epoch = 0


class Recheck:
    def __init__(self, header):
        self.servers = {sid: Server() for sid in range(1, header["servers"] + 1)}
        self.violations = {}  # check -> [message]
        self.leaders = {}  # epoch -> sid
        self.digest_at = {}  # zxid -> (digest, sid)
        self.committed = []  # sorted zxids
        self.order = {}  # zxid -> the order in which it became committed
        self.by_protocol = set()  # committed by a `commit` or an establishment
        self.proposed = set()
        # sid -> its history from its last `epoch-proposed`: [epoch, from, [zxid], initial],
        # where `from` is where the listed zxids start (below lie snapshots), and `initial`
        # how many it held then; its proposals in that epoch extend the list.
        self.histories = {}
        self.trunc_decided = {}  # learner -> how many txns were committed at its TRUNC
        self.acked = []  # (time, client, zxid)
        self.converged_reported = {}  # sid -> the newest committed txn reported lacking
        self.sim_verdicts = {}  # check -> ok (the last verdict record of each check)
        self.in_verdicts = False

    def fail(self, check, t, message):
        self.violations.setdefault(check, []).append(f"{t / 1e6:.6f}: {message}")

    def commit(self, t, z):
        if z in self.order:
            return  # The first time counts.
        self.order[z] = len(self.order)
        bisect.insort(self.committed, z)
        for sid, s in self.servers.items():
            if z in s.gaps:
                s.gaps.discard(z)
                self.fail("committed-applied", t,
                          f"{hexz(z)} is committed, but server {sid}'s tree (at "
                          f"{hexz(s.tree) if s.tree is not None else '?'}) went past it "
                          f"without applying it")

    def committed_in(self, above, to):
        """The committed zxids in (above, to]."""
        i = bisect.bisect_right(self.committed, above)
        j = bisect.bisect_right(self.committed, to)
        return self.committed[i:j]

    def tree_at(self, t, sid, z, digest, how):
        s = self.servers[sid]
        s.tree, s.digest = z, digest
        if z == 0:
            return  # The empty tree: nothing to agree on.
        known = self.digest_at.setdefault(z, (digest, sid))
        if known[0] != digest:
            self.fail("digest-agreement", t,
                      f"server {sid} {how} {hexz(z)} with digest {digest}, "
                      f"server {known[1]} had {known[0]}")

    def established(self, t, p, epoch):
        sid = self.leaders.setdefault(epoch, p)
        if sid != p:
            self.fail("one-leader-per-epoch", t,
                      f"two leaders established in epoch {epoch}: {sid} and {p}")
        # A quorum acked NEWLEADER: the history the leader proposed the epoch with is
        # committed; then the leader must hold every older epoch's committed txn.
        h = self.histories.get(p)
        if h and h[0] == epoch:
            for z in h[2][:h[3]]:
                self.by_protocol.add(z)
                self.commit(t, z)
        tree = self.servers[p].tree
        older = self.committed_in(-1, (epoch << 32) - 1)
        if tree is None or not older:
            return
        missing = self.committed_in(tree, older[-1])
        if missing:
            self.fail("leader-completeness", t,
                      f"server {p} was established in epoch {epoch} at {hexz(tree)}, without the "
                      f"committed {describe(missing[0], missing[-1], len(missing))}")

    def applied(self, t, p, z, digest):
        s = self.servers[p]
        if s.tree is not None:
            if z <= s.tree:
                # Applied again (a SNAP's tree, a fuzzy snapshot): the replay may take the
                # tree back on its way, but must leave it as it was once it reaches its zxid.
                if z < s.tree or digest == s.digest:
                    return
                self.fail("applied-in-order", t,
                          f"server {p} applied {hexz(z)} to a tree already at {hexz(s.tree)}, "
                          f"and it changed the tree")
            else:
                skipped = self.committed_in(s.tree, z - 1)
                if skipped:
                    self.fail("applied-in-order", t,
                              f"server {p} applied {hexz(z)} after {hexz(s.tree)}, skipping the "
                              f"committed {hexz(skipped[0])}")
                s.gaps.update(q for q in self.proposed
                              if s.tree < q < z and q not in self.order)
        self.tree_at(t, p, z, digest, "applied")
        s.applied = z

    def newleader_processed(self, t, p, r):
        """newleader-prefix: where both list their zxids, the learner's log is the leader's
        history, up to the learner's last txn."""
        h = self.histories.get(r["leader"])
        log = runs(r["log_runs"])
        if not h or h[0] != r["epoch"] or not log:
            return
        start = max(h[1], log[0])
        i = bisect.bisect_left(log, start)
        j = bisect.bisect_left(h[2], start)
        while i < len(log) and j < len(h[2]) and log[i] == h[2][j]:
            i += 1
            j += 1
        if i == len(log):
            return  # A prefix, as far as the learner goes.
        if j == len(h[2]) or log[i] < h[2][j]:
            self.fail("newleader-prefix", t,
                      f"server {p} acked NEWLEADER of epoch {r['epoch']} holding {hexz(log[i])}, "
                      f"which leader {r['leader']}'s history lacks")
        else:
            self.fail("newleader-prefix", t,
                      f"server {p} acked NEWLEADER of epoch {r['epoch']} without {hexz(h[2][j])} "
                      f"of leader {r['leader']}'s history, holding {hexz(log[i])} after it")

    def truncated(self, t, p, to):
        s = self.servers[p]
        decided = self.trunc_decided.pop(p, len(self.order))
        for z in self.committed_in(to, s.last_logged):
            if self.order[z] < decided:
                self.fail("truncation-keeps-committed", t,
                          f"server {p} truncated its log after {hexz(to)}, removing the "
                          f"committed {hexz(z)} it had logged")
                break
        s.last_logged = min(s.last_logged, to)

    def converged(self, t):
        """committed-applied at a converged, quiet end: every live tree holds what it owes."""
        live = {sid: s for sid, s in self.servers.items() if s.live}
        leaders = [sid for sid, s in live.items() if s.state == "LEADING" and s.phase == "BROADCAST"]
        if len(leaders) != 1:
            return
        leader = live[leaders[0]]
        for sid, s in live.items():
            if s is leader:
                continue
            if (s.state not in ("FOLLOWING", "OBSERVING") or s.phase != "BROADCAST"
                    or s.leader != leaders[0] or s.digest != leader.digest):
                return
        if any(s.tree is None or s.applied != leader.applied for s in live.values()):
            return  # A txn still on its way (an error txn changes no digest): not quiet.
        older = self.committed_in(-1, (leader.current_epoch << 32) - 1)
        owed = max([s.tree for s in live.values()] + older[-1:])
        for sid, s in sorted(live.items()):
            missing = self.committed_in(s.tree, owed)
            if not missing:
                continue
            if self.converged_reported.get(sid, -1) >= missing[-1]:
                continue
            self.converged_reported[sid] = missing[-1]
            self.fail("committed-applied", t,
                      f"the ensemble converged under the leader of epoch {leader.current_epoch}, "
                      f"but server {sid}'s tree (at {hexz(s.tree)}) lacks the committed "
                      f"{describe(missing[0], missing[-1], len(missing))}")

    def record(self, r):
        t, p, k = r["t"], r["p"], r["k"]
        if k in ("verdict", "violation", "end"):
            # The simulator's verdicts at a `check` or at the end: the run's state then is
            # what the converged check reads (once per group of verdicts).
            if k == "verdict" and not self.in_verdicts:
                self.converged(t)
            self.in_verdicts = k != "end"
            if k == "verdict":
                self.sim_verdicts[r["check"]] = r["ok"]
            return
        self.in_verdicts = False
        s = self.servers.get(p)
        if k == "established":
            self.established(t, p, r["epoch"])
        elif k == "epoch-proposed":
            log = runs(r["log_runs"])
            self.histories[p] = [r["epoch"], log[0] if log else zxid(r["last"]) + 1, log, len(log)]
        elif k == "newleader-processed":
            self.newleader_processed(t, p, r)
        elif k == "propose":
            z = zxid(r["zxid"])
            self.proposed.add(z)
            h = self.histories.get(p)
            if h and h[0] == epoch_of(z) and (not h[2] or h[2][-1] < z):
                h[2].append(z)
        elif k == "commit":
            z = zxid(r["zxid"])
            self.by_protocol.add(z)
            self.commit(t, z)
        elif k == "complete":
            z = zxid(r["zxid"])
            if r["op"] in WRITES and r["code"] == "OK" and not r["indeterminate"] and z != 0:
                self.acked.append((t, p, z))
                self.commit(t, z)  # A write a client was told succeeded is committed.
        elif s is None:
            return  # A client's record.
        elif k == "start":
            s.tree, s.live = None, True  # Until its tree is loaded from disk.
        elif k in ("crash", "exit"):
            s.live = False
        elif k == "state":
            s.state, s.phase, s.leader = r["state"], r["phase"], r["leader"]
            s.current_epoch = r["current_epoch"]
        elif k == "tree-loaded":
            s.gaps.clear()  # A loaded tree is taken as whole up to its zxid.
            self.tree_at(t, p, zxid(r["zxid"]), r["digest"], f"loaded a tree ({r['from']}) at")
            s.applied = zxid(r["applied"])
        elif k == "apply":
            self.applied(t, p, zxid(r["zxid"]), r["digest"])
        elif k == "logged":
            s.last_logged = max(s.last_logged, zxid(r["last"]))
        elif k == "sync-choice":
            if r["mode"] == "TRUNC":
                self.trunc_decided[r["learner"]] = len(self.order)
        elif k == "truncate-log":
            self.truncated(t, p, zxid(r["to"]))

    def finish(self):
        for t, client, z in self.acked:
            if z not in self.by_protocol:
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
    for name in CHECKS:
        found = check.violations.get(name, [])
        print(f"{name}: {'ok' if not found else f'VIOLATED ({len(found)})'}")
        for v in found[:10]:
            print(f"  {v}")
        if len(found) > 10:
            print("  ...")
    # Agreement with the simulator, check by check, on the checks both make.
    differ = [name for name in SHARED if name in check.sim_verdicts
              and check.sim_verdicts[name] != (name not in check.violations)]
    compared = sum(1 for name in SHARED if name in check.sim_verdicts)
    if differ:
        print(f"agreement: DIFFERS from the simulator's verdicts on {', '.join(differ)}")
    elif compared:
        print(f"agreement: the simulator's verdicts agree on all {compared} shared checks")
    ok = not check.violations
    print(f"recheck: {'ok' if ok else 'VIOLATED'} ({len(check.committed)} txns committed, "
          f"{len(check.leaders)} epochs)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

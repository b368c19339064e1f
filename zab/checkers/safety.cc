#include "zab/checkers/safety.h"

#include <algorithm>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

namespace zabsim::zab::checkers {

std::vector<std::string_view> SafetyChecker::Names() {
  return {kOneLeaderPerEpoch,  kDigestAgreement,          kAppliedInOrder,
          kLeaderCompleteness, kCommittedApplied,         kTruncationKeepsCommitted,
          kEpochsMonotone,     kClientNeverGoesBack,      kIntegrity,
          kProposalInOrder,    kCommitPending,            kAckConsistent,
          kNewLeaderPrefix};
}

void SafetyChecker::Fail(std::string_view check, At at, std::string detail) {
  violations_.push_back(Violation{check, at, std::move(detail)});
}

void SafetyChecker::Observe(At at, PeerId peer, const Event& event) {
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, LeaderEstablished>) {
          OnEstablished(at, peer, e.epoch);
        } else if constexpr (std::is_same_v<T, EpochProposed>) {
          // An empty log: the history is all in the tree, up to `last`.
          histories_[peer.value] = LeaderHistory{
              e.epoch, e.log.empty() ? Zxid{e.last.value + 1} : e.log.front(), e.log, e.log.size()};
        } else if constexpr (std::is_same_v<T, NewLeaderProcessed>) {
          OnNewLeaderProcessed(at, peer, e);
        } else if constexpr (std::is_same_v<T, zab::Committed>) {
          Commit(at, e.zxid);
        } else if constexpr (std::is_same_v<T, ClientCompleted>) {
          // A write a client was told succeeded is committed, whatever any leader saw.
          if (e.code == Code::kOk && !e.indeterminate && IsWrite(e.op.type) && e.zxid.value != 0) {
            Commit(at, e.zxid);
          }
          OnClientCompleted(at, peer, e);
        } else if constexpr (std::is_same_v<T, Applied>) {
          OnApplied(at, peer, e);
        } else if constexpr (std::is_same_v<T, TreeLoaded>) {
          peers_[peer.value].gaps.clear();
          TreeAt(at, peer, e.zxid, e.digest, fmt::format("loaded a tree ({}) at", e.from));
        } else if constexpr (std::is_same_v<T, Logged>) {
          PeerState& p = peers_[peer.value];
          p.last_logged = std::max(p.last_logged, e.last);
        } else if constexpr (std::is_same_v<T, SyncChosen>) {
          if (e.mode == SyncMode::kTrunc) trunc_decided_[e.learner.value] = committed_.size();
        } else if constexpr (std::is_same_v<T, Truncated>) {
          OnTruncated(at, peer, e);
        } else if constexpr (std::is_same_v<T, EpochWritten>) {
          OnEpochWritten(at, peer, e);
        } else if constexpr (std::is_same_v<T, Proposed>) {
          OnProposed(at, peer, e);
        } else if constexpr (std::is_same_v<T, Unexpected>) {
          OnUnexpected(at, peer, e);
        }
      },
      event);
}

void SafetyChecker::Commit(At at, Zxid zxid) {
  if (!committed_.emplace(zxid, committed_.size()).second) return;  // The first time counts.
  // committed-applied: a tree that went past this txn without it now lacks a committed
  // txn below where it is, and nothing will bring it back (trees only move forward).
  for (auto& [sid, p] : peers_) {
    if (p.gaps.erase(zxid) == 0) continue;
    Fail(kCommittedApplied, at,
         fmt::format("{} is committed, but server {}'s tree (at {}) went past it without applying it",
                     ToString(zxid), sid, p.tree ? ToString(*p.tree) : "?"));
  }
}

std::vector<Zxid> SafetyChecker::Missing(const PeerState& p, Zxid to, size_t limit) const {
  std::vector<Zxid> out;
  if (!p.tree.has_value()) return out;
  // Gaps are never committed (Commit reports and forgets them), so what a tree lacks of
  // the committed txns up to `to` is what lies above it.
  for (auto c = committed_.upper_bound(*p.tree); c != committed_.end() && c->first <= to; ++c) {
    if (out.size() == limit) break;
    out.push_back(c->first);
  }
  return out;
}

size_t SafetyChecker::CountCommitted(Zxid above, Zxid to) const {
  if (to <= above) return 0;
  size_t n = 0;
  for (auto c = committed_.upper_bound(above); c != committed_.end() && c->first <= to; ++c) ++n;
  return n;
}

std::string SafetyChecker::DescribeRange(Zxid first, Zxid last, size_t count) {
  if (count <= 1) return ToString(first);
  return fmt::format("{} .. {} ({} txns)", ToString(first), ToString(last), count);
}

void SafetyChecker::CheckConverged(At at, Epoch epoch, const std::vector<PeerId>& live) {
  // Owed: every committed txn of an older epoch (the leader of `epoch` proposes none of
  // them again), and every committed txn some live tree already holds.
  Zxid owed;
  if (const auto older_end = committed_.lower_bound(Zxid::Make(epoch, 0)); older_end != committed_.begin()) {
    owed = std::prev(older_end)->first;
  }
  for (const PeerId sid : live) {
    const auto it = peers_.find(sid.value);
    if (it != peers_.end() && it->second.tree) owed = std::max(owed, *it->second.tree);
  }
  for (const PeerId sid : live) {
    const auto it = peers_.find(sid.value);
    if (it == peers_.end() || !it->second.tree) continue;
    const Zxid tree = *it->second.tree;
    const size_t count = CountCommitted(tree, owed);
    if (count == 0) continue;
    const std::vector<Zxid> first = Missing(it->second, owed, 1);
    const auto last = std::prev(committed_.upper_bound(owed))->first;
    if (const auto [r, fresh] = converged_reported_.emplace(sid.value, last); !fresh) {
      if (r->second >= last) continue;
      r->second = last;
    }
    Fail(kCommittedApplied, at,
         fmt::format("the ensemble converged under the leader of epoch {}, but server {}'s tree (at {}) "
                     "lacks the committed {}",
                     epoch.value, sid.value, ToString(tree), DescribeRange(first.front(), last, count)));
  }
}

std::optional<Zxid> SafetyChecker::FirstCommittedAbove(Zxid zxid) const {
  const auto it = committed_.upper_bound(zxid);
  if (it == committed_.end()) return std::nullopt;
  return it->first;
}

// digest-agreement: the first peer to reach a zxid fixes the digest every other must
// have there. Zxid 0 (the empty tree) is everyone's start and says nothing.
void SafetyChecker::TreeAt(At at, PeerId peer, Zxid zxid, uint64_t digest, std::string_view how) {
  peers_[peer.value].tree = zxid;
  peers_[peer.value].digest = digest;
  if (zxid.value == 0) return;
  const auto [it, fresh] = digests_.emplace(zxid, std::make_pair(digest, peer.value));
  if (!fresh && it->second.first != digest) {
    Fail(kDigestAgreement, at,
         fmt::format("server {} {} {} with digest {:016x}, but server {} had {:016x} there", peer.value,
                     how, ToString(zxid), digest, it->second.second, it->second.first));
  }
}

// applied-in-order: Zab's local primary order (a peer delivers a leader's txns in the
// order proposed) and global primary order (an older epoch's txns come first) both come
// down to increasing zxids; skipping a committed txn would leave a gap in the history.
void SafetyChecker::OnApplied(At at, PeerId peer, const Applied& e) {
  // integrity: Zab's "a delivered txn was broadcast by some primary".
  if (const auto it = proposed_.find(e.zxid); it == proposed_.end()) {
    Fail(kIntegrity, at,
         fmt::format("server {} applied {} ({} of session {:#x}), which no leader proposed", peer.value,
                     ToString(e.zxid), ToString(e.op), e.session));
  } else if (it->second.session != e.session || it->second.cxid != e.cxid) {
    Fail(kIntegrity, at,
         fmt::format("server {} applied {} as session {:#x} cxid {}, but leader {} proposed it as "
                     "session {:#x} cxid {}",
                     peer.value, ToString(e.zxid), e.session, e.cxid, it->second.leader,
                     it->second.session, it->second.cxid));
  }
  const std::optional<Zxid> tree = peers_[peer.value].tree;
  if (tree.has_value()) {
    if (e.zxid <= *tree) {
      // ZooKeeper applies some txns again, by design: a SNAP's tree may already hold the
      // txns forwarded after it, and a fuzzy snapshot those replayed after it. Each txn
      // says what its path becomes, so a replay may take the tree back for a moment (an
      // older setData of a path that a newer one set again), but once it reaches the
      // tree's own zxid the tree must be the one it was there. Until then it is between
      // states (not a state of the history: no digest to compare), and a replay that
      // stops short leaves a tree that digest-agreement finds at the next txn.
      if (e.zxid < *tree) return;
      if (e.digest == peers_[peer.value].digest) return;
      Fail(kAppliedInOrder, at,
           fmt::format("server {} applied {} to a tree already at {}, and it changed the tree",
                       peer.value, ToString(e.zxid), ToString(*tree)));
    } else {
      if (const std::optional<Zxid> c = FirstCommittedAbove(*tree); c && *c < e.zxid) {
        Fail(kAppliedInOrder, at,
             fmt::format("server {} applied {} after {}, skipping the committed {}", peer.value,
                         ToString(e.zxid), ToString(*tree), ToString(*c)));
      }
      // What it passes over that some leader proposed and nobody committed yet must stay
      // uncommitted for ever (committed-applied, in Commit).
      PeerState& p = peers_[peer.value];
      for (auto it = proposed_.upper_bound(*tree); it != proposed_.end() && it->first < e.zxid; ++it) {
        if (!Committed(it->first)) p.gaps.insert(it->first);
      }
    }
  }
  TreeAt(at, peer, e.zxid, e.digest, "applied");
}

// one-leader-per-epoch, and leader-completeness: the new leader's tree (its whole log,
// which ZooKeeper loads into memory when it starts leading) reaches every txn committed
// so far; digest-agreement then says its history is the same as theirs.
void SafetyChecker::OnEstablished(At at, PeerId peer, Epoch epoch) {
  const auto [it, fresh] = leaders_.emplace(epoch.value, peer.value);
  if (!fresh && it->second != peer.value) {
    Fail(kOneLeaderPerEpoch, at,
         fmt::format("two leaders established in epoch {}: {} and {}", epoch.value, it->second,
                     peer.value));
  }
  // The history a quorum acked with NEWLEADER is committed from now on; the leader must
  // hold it in its tree as well as what was committed before: ZooKeeper's leader serves
  // from its tree, and proposes nothing below (epoch, 1) again.
  if (const auto h = histories_.find(peer.value); h != histories_.end() && h->second.epoch == epoch) {
    for (size_t i = 0; i < h->second.initial; ++i) Commit(at, h->second.zxids[i]);
  }
  // Only txns of older epochs count. A leader whose own currentEpoch write was slow may be
  // established after a newer epoch has committed txns (a quorum acked its NEWLEADER, then
  // moved on): it owes nothing of that epoch, and it can commit nothing in its own, since
  // a quorum has accepted the newer epoch. (Zab's property is about a leader of a later
  // epoch than the commit's; no txn of its own epoch can precede it.)
  const PeerState& p = peers_[peer.value];
  const auto older_end = committed_.lower_bound(Zxid::Make(epoch, 0));
  if (older_end == committed_.begin() || !p.tree.has_value()) return;
  const Zxid newest = std::prev(older_end)->first;
  const size_t count = CountCommitted(*p.tree, newest);
  if (count == 0) return;
  Fail(kLeaderCompleteness, at,
       fmt::format("server {} was established in epoch {} at {}, without the committed {}", peer.value,
                   epoch.value, ToString(*p.tree),
                   DescribeRange(Missing(p, newest, 1).front(), newest, count)));
}

// newleader-prefix (ProcessConsistency): where both histories list their zxids (each
// log is contiguous from its first txn; below it lie snapshots), the learner's must be
// the leader's, up to the learner's last txn. Zxids name txns (integrity), so equal
// zxids are equal txns.
void SafetyChecker::OnNewLeaderProcessed(At at, PeerId peer, const NewLeaderProcessed& e) {
  const auto it = histories_.find(e.leader.value);
  if (it == histories_.end() || it->second.epoch != e.epoch || e.log.empty()) return;
  const LeaderHistory& h = it->second;
  const Zxid from = std::max(h.from, e.log.front());
  const auto learner = std::lower_bound(e.log.begin(), e.log.end(), from);
  const auto leader = std::lower_bound(h.zxids.begin(), h.zxids.end(), from);
  // Walk both from `from`: the first zxid where they part is the report.
  auto l = learner;
  auto m = leader;
  while (l != e.log.end() && m != h.zxids.end() && *l == *m) {
    ++l;
    ++m;
  }
  if (l == e.log.end()) return;  // A prefix (or equal), as far as the learner goes.
  const bool extra = m == h.zxids.end() || *l < *m;
  Fail(kNewLeaderPrefix, at,
       extra ? fmt::format("server {} acked NEWLEADER of epoch {} holding {}, which leader {}'s "
                           "history lacks{}",
                           peer.value, e.epoch.value, ToString(*l), e.leader.value,
                           m == h.zxids.end() ? "" : fmt::format(" (it has {} next)", ToString(*m)))
             : fmt::format("server {} acked NEWLEADER of epoch {} without {} of leader {}'s "
                           "history, holding {} after it",
                           peer.value, e.epoch.value, ToString(*m), e.leader.value, ToString(*l)));
}

void SafetyChecker::OnTruncated(At at, PeerId peer, const Truncated& e) {
  PeerState& p = peers_[peer.value];
  // A truncation with no TRUNC behind it (a reload) is decided now.
  uint64_t decided = committed_.size();
  if (const auto it = trunc_decided_.find(peer.value); it != trunc_decided_.end()) {
    decided = it->second;
    trunc_decided_.erase(it);
  }
  for (auto c = committed_.upper_bound(e.to); c != committed_.end() && c->first <= p.last_logged; ++c) {
    if (c->second >= decided) continue;
    Fail(kTruncationKeepsCommitted, at,
         fmt::format("server {} truncated its log after {}, removing the committed {} it had logged",
                     peer.value, ToString(e.to), ToString(c->first)));
    break;
  }
  p.last_logged = std::min(p.last_logged, e.to);
}

void SafetyChecker::OnEpochWritten(At at, PeerId peer, const EpochWritten& e) {
  if (!e.durable) return;  // Only what survives a crash counts.
  PeerState& p = peers_[peer.value];
  const bool accepted = e.file == "acceptedEpoch";
  Epoch& value = accepted ? p.accepted : p.current;
  if (e.epoch < value) {
    Fail(kEpochsMonotone, at,
         fmt::format("server {} {} went back from {} to {}", peer.value, e.file, value.value, e.epoch.value));
  }
  value = e.epoch;
  if (!accepted && p.current > p.accepted) {
    Fail(kEpochsMonotone, at,
         fmt::format("server {} currentEpoch {} is above its acceptedEpoch {}", peer.value,
                     p.current.value, p.accepted.value));
  }
}

// client-never-goes-back: every answer carries the zxid of the server's state when it
// answered (the txn's own zxid for a write). A session that saw zxid z must never be
// answered from an older state: ZooKeeper refuses a client whose last seen zxid is
// ahead of the server it connects to. Indeterminate completions carry no answer.
void SafetyChecker::OnClientCompleted(At at, PeerId client, const ClientCompleted& e) {
  if (e.indeterminate) return;
  auto [it, fresh] = seen_.emplace(e.session, std::make_pair(e.zxid, e.server.value));
  if (fresh) return;
  if (e.zxid < it->second.first) {
    Fail(kClientNeverGoesBack, at,
         fmt::format("client process {} (session {:#x}) was answered by server {} at {} ({} {}), "
                     "after server {} had answered it at {}",
                     client.value, e.session, e.server.value, ToString(e.zxid), ToString(e.op.type),
                     e.op.path, it->second.second, ToString(it->second.first)));
    return;
  }
  it->second = {e.zxid, e.server.value};
}

// integrity: a zxid names one txn for ever. A leader that reuses an epoch (or a
// counter) hands out a zxid another txn already has.
void SafetyChecker::OnProposed(At at, PeerId peer, const Proposed& e) {
  // The proposal extends the leader's history in its epoch (newleader-prefix).
  if (auto h = histories_.find(peer.value);
      h != histories_.end() && h->second.epoch == e.zxid.epoch() &&
      (h->second.zxids.empty() || h->second.zxids.back() < e.zxid)) {
    h->second.zxids.push_back(e.zxid);
  }
  const auto [it, fresh] =
      proposed_.emplace(e.zxid, ProposedTxn{e.session, e.cxid, e.op, peer.value});
  if (fresh) return;
  const ProposedTxn& first = it->second;
  if (first.session == e.session && first.cxid == e.cxid) return;
  Fail(kIntegrity, at,
       fmt::format("leader {} proposed {} for session {:#x} cxid {} ({}), but leader {} had already "
                   "proposed it for session {:#x} cxid {} ({})",
                   peer.value, ToString(e.zxid), e.session, e.cxid, ToString(e.op), first.leader,
                   first.session, first.cxid, ToString(first.op)));
}

void SafetyChecker::OnUnexpected(At at, PeerId peer, const Unexpected& e) {
  std::string_view check;
  for (const std::string_view name : {kProposalInOrder, kCommitPending, kAckConsistent}) {
    if (e.check == name) check = name;
  }
  if (check.empty()) return;  // Not one of ours: nothing to hold it to.
  Fail(check, at,
       fmt::format("server {} got {} {} from {}{}: {}", peer.value, e.what, ToString(e.zxid),
                   e.from.value,
                   e.expected.value == 0 ? "" : fmt::format(" (expected {})", ToString(e.expected)),
                   e.why));
}

}  // namespace zabsim::zab::checkers

#include "zab/sync_choice.h"

#include "base/check.h"

namespace zabsim::zab {
namespace {

// Planner is LearnerHandler's queueing state during one syncFollower call.
struct Planner {
  Zxid peer_last;
  bool peer_at_epoch_start = false;  // isPeerNewEpochZxid: the peer reports (e, 0).
  bool need_op = true;               // No DIFF or TRUNC queued yet.
  bool new_epoch_diff = false;       // DIFF chosen because the peer reports (e, 0).
  std::optional<SyncMode> mode;
  Zxid packet_zxid;
  std::vector<TxnPtr> txns;

  void Op(SyncMode m, Zxid z) {
    mode = m;
    packet_zxid = z;
    need_op = false;
  }

  // QueueCommittedProposals walks `txns_in` in zxid order and queues what the peer lacks
  // above `from`, choosing DIFF or TRUNC on the way. Returns the last zxid queued
  // (queuedZxid). A second pass starts from where the first stopped.
  template <typename Range>
  Zxid QueueCommittedProposals(const Range& txns_in, Zxid from, std::optional<Zxid> max_zxid,
                               Zxid last_committed) {
    const Zxid peer = from;
    Zxid queued = from;
    std::optional<Zxid> prev;
    for (const TxnPtr& p : txns_in) {
      const Zxid z = p->zxid;
      if (max_zxid && z > *max_zxid) break;
      if (z < peer) {
        prev = z;  // The peer already has it.
        continue;
      }
      if (need_op) {
        if (z == peer) {
          Op(SyncMode::kDiff, last_committed);  // The peer's last zxid is in our history.
          continue;
        }
        if (peer_at_epoch_start) {
          Op(SyncMode::kDiff, last_committed);
          new_epoch_diff = true;
        } else if (z > peer) {
          // The peer holds txns we never saw: cut it back to our zxid just below, unless
          // that would cross an epoch (then SNAP, later).
          if (z.epoch() != peer.epoch()) return queued;
          // Every source starts at or below the peer's zxid, so the zxid just below it is
          // known: a TRUNC to an unknown point would cut the learner's whole log.
          ZABSIM_CHECK(prev.has_value(), "TRUNC for peer {} with no txn below it", ToString(peer));
          Op(SyncMode::kTrunc, *prev);
        }
      }
      if (z <= queued) continue;
      txns.push_back(p);
      queued = z;
    }
    if (need_op && peer_at_epoch_start) {
      Op(SyncMode::kDiff, last_committed);
      new_epoch_diff = true;
    }
    return queued;
  }
};

}  // namespace

SyncPlan ChooseSync(Zxid peer_last, const std::deque<TxnPtr>& committed_log,
                    Zxid leader_last_processed, const TxnLogReader& txn_log, const Bugs& bugs) {
  Planner planner{peer_last, peer_last.IsEpochStart()};
  Zxid max = committed_log.empty() ? leader_last_processed : committed_log.back()->zxid;
  Zxid min = committed_log.empty() ? leader_last_processed : committed_log.front()->zxid;
  Zxid current = peer_last;
  bool need_snap = true;
  std::string_view why = "unhandled: send a snapshot";
  // The reason's coverage mark, by the mode it ends in: DIFF, TRUNC, or SNAP.
  Mark diff_reason = Mark::kSyncDiffCommittedLog;
  Mark trunc_reason = Mark::kSyncTruncCommittedLog;
  Mark snap_reason = Mark::kSyncSnapUnhandled;
  bool zk1154_changed_plan = false;
  if (leader_last_processed == peer_last) {
    planner.Op(SyncMode::kDiff, peer_last);
    need_snap = false;
    why = "in sync";
    diff_reason = Mark::kSyncDiffInSync;
  } else if (peer_last > max && !planner.peer_at_epoch_start) {
    planner.Op(SyncMode::kTrunc, max);
    current = max;
    need_snap = false;
    why = "peer ahead of the committed log";
    trunc_reason = Mark::kSyncTruncPeerAhead;
  } else if (min <= peer_last && peer_last <= max) {
    if (bugs.zk1154) {
      // ZOOKEEPER-1154: DIFF from the peer's zxid without checking it exists here. The
      // switch's branch makes a difference when the fixed walk would not DIFF.
      Planner fixed{peer_last, peer_last.IsEpochStart()};
      fixed.QueueCommittedProposals(committed_log, peer_last, std::nullopt, max);
      zk1154_changed_plan = fixed.need_op || fixed.mode != SyncMode::kDiff;
      planner.Op(SyncMode::kDiff, max);
      for (const TxnPtr& p : committed_log) {
        if (p->zxid > peer_last) {
          planner.txns.push_back(p);
          current = p->zxid;
        }
      }
    } else {
      current = planner.QueueCommittedProposals(committed_log, peer_last, std::nullopt, max);
    }
    need_snap = false;
    why = "within the committed log";
  } else if (peer_last < min && txn_log) {
    if (const auto from_log = txn_log(peer_last); from_log && !from_log->empty()) {
      current = planner.QueueCommittedProposals(*from_log, peer_last, min, max);
      if (current < min) {
        // The txn log and the committed log do not meet: a gap, so SNAP after all.
        current = peer_last;
        planner = Planner{peer_last, peer_last.IsEpochStart()};
        why = "gap between the txn log and the committed log";
        snap_reason = Mark::kSyncSnapTxnLogGap;
      } else {
        current = planner.QueueCommittedProposals(committed_log, current, std::nullopt, max);
        need_snap = false;
        why = "from the txn log";
        diff_reason = Mark::kSyncDiffTxnLog;
        trunc_reason = Mark::kSyncTruncTxnLog;
      }
    } else {
      why = "behind the committed log, txn log too far or too large";
      snap_reason = Mark::kSyncSnapTxnLogTooFar;
    }
  } else if (peer_last < min) {
    why = "behind the committed log";
    snap_reason = Mark::kSyncSnapBehind;
  }
  SyncPlan plan;
  if (need_snap || planner.need_op) {
    // No DIFF or TRUNC possible (e.g. a TRUNC would cross an epoch): SNAP.
    plan.mode = SyncMode::kSnap;
    // syncFollower forwards from the leader's last zxid when it knew it would SNAP, and
    // from where queueing stopped when it found out only afterwards.
    plan.forward_from = need_snap ? leader_last_processed : current;
    plan.why = need_snap ? why : "a TRUNC would cross an epoch";
    plan.marks = {Mark::kSyncSnap, need_snap ? snap_reason : Mark::kSyncSnapTruncCrossesEpoch};
    return plan;
  }
  plan.mode = *planner.mode;
  if (plan.mode == SyncMode::kDiff) {
    plan.marks = {Mark::kSyncDiff, diff_reason};
    if (planner.new_epoch_diff) plan.marks.push_back(Mark::kSyncDiffNewEpochZxid);
  } else {
    plan.marks = {Mark::kSyncTrunc, trunc_reason};
  }
  if (zk1154_changed_plan) plan.marks.push_back(Mark::kBugZk1154);
  plan.packet_zxid = planner.packet_zxid;
  plan.txns = std::move(planner.txns);
  plan.forward_from = current;
  plan.why = why;
  return plan;
}

}  // namespace zabsim::zab

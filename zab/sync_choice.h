// File: zab/sync_choice.h
//
// How a leader brings a learner up to date (LearnerHandler.syncFollower), as a pure
// function of what the learner reported (its last zxid, from ACKEPOCH) and what the
// leader holds: its committed log (the last ~500 committed txns), its last processed
// zxid, and, for learners further behind, its on-disk txn log.
//
//   in sync (peer last == leader last)          -> empty DIFF
//   peer ahead of the committed log             -> TRUNC(max committed)
//   peer's last zxid inside the committed log   -> DIFF + PROPOSAL/COMMIT pairs
//   peer has txns the leader never saw          -> TRUNC(the leader's zxid just below) + pairs,
//                                                  unless that would cross an epoch: SNAP
//   peer behind the committed log               -> from the txn log if it reaches back and is
//                                                  small enough (0.33 of a snapshot), else SNAP

#ifndef ZABSIM_ZAB_SYNC_CHOICE_H_
#define ZABSIM_ZAB_SYNC_CHOICE_H_

#include <deque>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "zab/config.h"
#include "zab/coverage.h"
#include "zab/database.h"
#include "zab/types.h"

namespace zabsim::zab {

struct SyncPlan {
  SyncMode mode = SyncMode::kSnap;
  Zxid packet_zxid;           // The DIFF or TRUNC packet's zxid (unused for SNAP).
  std::vector<TxnPtr> txns;   // PROPOSAL+COMMIT pairs that follow the DIFF or TRUNC.
  Zxid forward_from;          // Where startForwarding takes over (currentZxid).
  std::string_view why;
  // The coverage marks of the branches taken (zab/coverage.h): the mode, its reason, and
  // any bug switch whose branch changed the plan. The caller reports them.
  std::vector<Mark> marks;
};

// TxnLogReader returns the leader's logged txns from the start of the log file that holds
// a zxid (ZooKeeper's readTxnLog(zxid, false)), so that the txns just below it are there
// too; or nullopt if its log does not reach back that far or would be too large
// (Database::ProposalsFromTxnLog).
using TxnLogReader = std::function<std::optional<std::vector<TxnPtr>>(Zxid from)>;

// ChooseSync is syncFollower. `txn_log` may be empty (no txn-log sync).
SyncPlan ChooseSync(Zxid peer_last, const std::deque<TxnPtr>& committed_log,
                    Zxid leader_last_processed, const TxnLogReader& txn_log, const Bugs& bugs);

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_SYNC_CHOICE_H_

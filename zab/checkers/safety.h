// File: zab/checkers/safety.h
//
// The safety checker watches every event of every peer of one ensemble, in the order
// they happened, and reports each broken guarantee the moment it breaks. It knows nothing
// of the simulator: whoever drives the peers hands it their events with a time and a
// position (the trace record the event became), which it only repeats in its reports.
//
// Each check has a stable name and a definition in docs/invariants.md:
//
//   one-leader-per-epoch      at most one peer is established as leader in each epoch
//   digest-agreement          two peers whose trees are at the same zxid hold the same tree
//   applied-in-order          a peer applies txns in increasing zxid order and never skips
//                             a committed one (local and global primary order)
//   leader-completeness       a leader, once established, holds in its tree every txn
//                             committed in an earlier epoch, its own history included
//   committed-applied         a tree that applies a txn holds every committed txn below
//                             it, and when a run ends converged every live tree holds
//                             every committed txn it can owe
//   truncation-keeps-committed  no truncation removes a txn a peer had logged that was
//                             committed when the truncation was decided
//   epochs-monotone           acceptedEpoch and currentEpoch, as durable on a peer's disk,
//                             never go back, and currentEpoch <= acceptedEpoch
//   client-never-goes-back    a client session never sees a zxid older than one it has
//                             already seen (ZooKeeper's single system image)
//   integrity                 every txn a peer applies was proposed by a leader with that
//                             zxid, and no zxid is ever given to two different txns
//   proposal-in-order         a learner receives its leader's PROPOSALs in zxid order
//   commit-pending            a learner receives a COMMIT only for its next pending txn
//   ack-consistent            a leader receives an ACK only for a proposal it waits for,
//                             and a learner's first ACK after NEWLEADER is NEWLEADER's
//   newleader-prefix          a learner that processed NEWLEADER holds a prefix of its
//                             leader's history (ProcessConsistency)
//
// The last three are message-level: a peer reports (event Unexpected) each packet its
// state says cannot come now, where ZooKeeper logs an error, throws or exits.
//
// "Committed" is defined once, here (Committed(zxid)): a txn is committed from the
// moment a leader saw a quorum of ACKs for it, or a client was told its write
// succeeded, whichever comes first. A quorum's ACK of NEWLEADER is an ACK of the whole
// history the leader synced them from, so its establishment commits every txn of that
// history. No committed txn may ever be lost.

#ifndef ZABSIM_ZAB_CHECKERS_SAFETY_H_
#define ZABSIM_ZAB_CHECKERS_SAFETY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "zab/events.h"
#include "zab/types.h"

namespace zabsim::zab::checkers {

// Where in the run something happened: the driver's time (microseconds) and the
// position of the trace record (0-based), both only repeated in reports.
struct At {
  int64_t time_us = 0;
  uint64_t position = 0;
};

struct Violation {
  std::string_view check;  // One of SafetyChecker::Names().
  At at;
  std::string detail;      // Names the peers, epochs and zxids involved.
};

class SafetyChecker {
 public:
  static constexpr std::string_view kOneLeaderPerEpoch = "one-leader-per-epoch";
  static constexpr std::string_view kDigestAgreement = "digest-agreement";
  static constexpr std::string_view kAppliedInOrder = "applied-in-order";
  static constexpr std::string_view kLeaderCompleteness = "leader-completeness";
  static constexpr std::string_view kCommittedApplied = "committed-applied";
  static constexpr std::string_view kTruncationKeepsCommitted = "truncation-keeps-committed";
  static constexpr std::string_view kEpochsMonotone = "epochs-monotone";
  static constexpr std::string_view kClientNeverGoesBack = "client-never-goes-back";
  static constexpr std::string_view kIntegrity = "integrity";
  static constexpr std::string_view kProposalInOrder = "proposal-in-order";
  static constexpr std::string_view kCommitPending = "commit-pending";
  static constexpr std::string_view kAckConsistent = "ack-consistent";
  static constexpr std::string_view kNewLeaderPrefix = "newleader-prefix";
  // Names lists every check, in the order above.
  static std::vector<std::string_view> Names();

  // Observe takes the next event, of peer `peer`. (A restarted peer's first event is
  // the tree it loaded from disk, so crashes need no event of their own.)
  void Observe(At at, PeerId peer, const Event& event);

  // CheckConverged is the end of a run whose ensemble converged (an established leader
  // of `epoch`, every live server serving it with the same tree): every txn committed in
  // an older epoch, and every committed txn at or below the furthest tree, must be in the
  // tree of each peer in `live` (committed-applied). Txns of `epoch` above every tree may
  // still be on their way, and are not owed yet.
  void CheckConverged(At at, Epoch epoch, const std::vector<PeerId>& live);

  const std::vector<Violation>& violations() const { return violations_; }
  bool Committed(Zxid zxid) const { return committed_.contains(zxid); }
  // Epoch -> the first peer established as leader in it.
  const std::map<uint32_t, uint32_t>& leaders() const { return leaders_; }
  uint64_t committed() const { return committed_.size(); }

 private:
  struct PeerState {
    std::optional<Zxid> tree;  // Where its tree is; unknown from a crash to the next load.
    uint64_t digest = 0;       // The tree's digest there.
    // Zxids some leader proposed that the tree went past without applying, since it was
    // last loaded (a loaded tree is taken as whole up to its zxid: what a disk keeps is
    // truncation-keeps-committed's concern). None of them may ever be committed.
    absl::btree_set<Zxid> gaps;
    Zxid last_logged;          // The last txn its log holds durably (as far as events say).
    Epoch accepted;            // Durable acceptedEpoch and currentEpoch.
    Epoch current;
  };

  void Fail(std::string_view check, At at, std::string detail);
  void Commit(At at, Zxid zxid);
  void TreeAt(At at, PeerId peer, Zxid zxid, uint64_t digest, std::string_view how);
  void OnApplied(At at, PeerId peer, const Applied& e);
  void OnEstablished(At at, PeerId peer, Epoch epoch);
  // Missing: the first `limit` committed txns up to `to` that peer's tree lacks.
  std::vector<Zxid> Missing(const PeerState& p, Zxid to, size_t limit) const;
  // CountCommitted: how many committed txns lie in (above, to].
  size_t CountCommitted(Zxid above, Zxid to) const;
  // DescribeRange: "0x1 .. 0x3 (3 txns)", or one zxid.
  static std::string DescribeRange(Zxid first, Zxid last, size_t count);
  void OnTruncated(At at, PeerId peer, const Truncated& e);
  // FirstCommittedAbove: the lowest committed zxid above `zxid`, if any.
  std::optional<Zxid> FirstCommittedAbove(Zxid zxid) const;
  void OnEpochWritten(At at, PeerId peer, const EpochWritten& e);
  void OnClientCompleted(At at, PeerId client, const ClientCompleted& e);
  void OnProposed(At at, PeerId peer, const Proposed& e);
  void OnUnexpected(At at, PeerId peer, const Unexpected& e);
  void OnNewLeaderProcessed(At at, PeerId peer, const NewLeaderProcessed& e);

  std::map<uint32_t, PeerState> peers_;
  std::map<uint32_t, uint32_t> leaders_;  // Epoch -> the peer established in it.
  // Session -> the newest zxid it was answered with, and by which server.
  std::map<uint64_t, std::pair<Zxid, uint32_t>> seen_;
  // Per-txn facts live in B-trees: ordered like std::map, but a few bytes of overhead per
  // entry rather than a node each, which matters at 100,000 txns (bench BM_LongRun).
  absl::btree_map<Zxid, uint64_t> committed_;  // Zxid -> the order in which it became committed.
  // Learner -> how many txns were committed when the leader chose to TRUNC it. A TRUNC
  // goes to the leader's last committed zxid then; a proposal in flight above it may be
  // committed (by other ACKs) before the TRUNC arrives, and the learner gets it again
  // right after, as ZooKeeper's LearnerHandler does. Only older commits count.
  std::map<uint32_t, uint64_t> trunc_decided_;
  // Zxid -> the txn a leader proposed with it: (session, cxid), and the leader.
  struct ProposedTxn {
    uint64_t session = 0;
    uint64_t cxid = 0;
    OpType op = OpType::kCreate;
    uint32_t leader = 0;
  };
  absl::btree_map<Zxid, ProposedTxn> proposed_;
  absl::btree_map<Zxid, std::pair<uint64_t, uint32_t>> digests_;  // Zxid -> (digest, first peer).
  // Leader -> its history in the epoch it leads now: its log when it proposed the epoch,
  // then every txn it proposed in it. Above `from` it is every zxid of the history; below,
  // the history lies in the leader's snapshots, where zxids cannot be listed.
  struct LeaderHistory {
    Epoch epoch;
    Zxid from;
    std::vector<Zxid> zxids;  // Increasing.
    size_t initial = 0;       // How many of them it held when it proposed the epoch.
  };
  std::map<uint32_t, LeaderHistory> histories_;
  // Peer -> the newest committed txn CheckConverged has reported its tree lacks, so that
  // a scenario checking again reports each loss once.
  std::map<uint32_t, Zxid> converged_reported_;
  std::vector<Violation> violations_;
};

}  // namespace zabsim::zab::checkers

#endif  // ZABSIM_ZAB_CHECKERS_SAFETY_H_

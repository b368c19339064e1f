// File: zab/events.h
//
// What a peer reports about itself as it runs: state changes, votes, epochs written,
// sync decisions, proposals, commits, txns logged and applied. Events are the peer's
// side of the trace (the environment records every message sent and received), and the
// feed the cluster checkers read. Each event is a plain struct; `Event` is their variant.

#ifndef ZABSIM_ZAB_EVENTS_H_
#define ZABSIM_ZAB_EVENTS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "zab/txn.h"
#include "zab/types.h"

namespace zabsim::zab {

// The peer's role or Zab phase changed.
struct StateChanged {
  ServerState state;
  ZabPhase phase;
  Epoch accepted_epoch;
  Epoch current_epoch;
  PeerId leader;  // The leader it follows or is; 0 while looking.
};

// FLE: a new round started with this initial vote, or the proposal changed.
struct VoteChanged {
  uint64_t round = 0;  // logicalclock.
  PeerId leader;
  Zxid zxid;
  Epoch peer_epoch;
  std::string_view why;  // "new-round", "higher-round", "better-vote".
  PeerId because_of;     // The peer whose notification caused it (0: none).
};

// FLE ended: this peer follows, leads or observes `leader`.
struct ElectionDecided {
  uint64_t round = 0;
  PeerId leader;
  Zxid zxid;
  Epoch peer_epoch;
  ServerState state;
  std::string_view how;  // "quorum" (own round) or "joined" (an established ensemble).
};

// An epoch file write was started (durable = false) or became durable (true).
struct EpochWritten {
  std::string_view file;  // "acceptedEpoch" or "currentEpoch".
  Epoch epoch;
  bool durable = false;
};

// The leader decided the new epoch from a quorum of FOLLOWERINFO (getEpochToPropose).
// `log` is its history then, the zxids of its txn log oldest first: what it will sync
// learners from, and what a quorum's NEWLEADER ACK will commit. The tree was
// fast-forwarded to it; `last` is the tree's last processed zxid, so an empty log means
// a history that lies wholly in the tree. The trace writes the log's size and ends only.
struct EpochProposed {
  Epoch epoch;
  Zxid last;
  std::vector<Zxid> log;
};

// A quorum acknowledged NEWLEADER: the leader is established in `epoch`.
struct LeaderEstablished {
  Epoch epoch;
};

// The leader chose how to synchronise a learner (LearnerHandler.syncFollower).
struct SyncChosen {
  PeerId learner;
  SyncMode mode;
  Zxid peer_last_zxid;  // What the learner reported in ACKEPOCH.
  Zxid zxid;            // The DIFF/TRUNC/SNAP packet's zxid.
  uint32_t txns = 0;    // PROPOSAL+COMMIT pairs queued with it.
  std::string_view why;
};

// A learner processed NEWLEADER and is about to ACK it. `log` is its txn log then, the
// zxids oldest first, which must be a prefix of its leader's history (the TLA+
// specifications' ProcessConsistency). The trace writes only its size and ends.
struct NewLeaderProcessed {
  Epoch epoch;
  PeerId leader;
  std::vector<Zxid> log;
};

// A learner finished processing the leader's first sync packet.
struct SyncApplied {
  SyncMode mode;
  Zxid zxid;
};

// The leader assigned a zxid to a write (Leader.propose).
struct Proposed {
  Zxid zxid;
  uint64_t session = 0;
  uint64_t cxid = 0;
  OpType op = OpType::kCreate;
};

// The leader saw a quorum of ACKs for zxid and committed it (Leader.tryToCommit).
struct Committed {
  Zxid zxid;
};

// Txns up to `last` (from `first`) are durable in this peer's log (fsync completed).
struct Logged {
  Zxid first;
  Zxid last;
  uint32_t count = 0;
};

// A txn was applied to this peer's data tree (delivered, in the paper's words).
struct Applied {
  Zxid zxid;
  uint64_t session = 0;
  uint64_t cxid = 0;
  OpType op = OpType::kCreate;
  Code code = Code::kOk;
  uint64_t digest = 0;  // The tree's digest after it.
};

// The log was truncated after `to` (TRUNC, or a reload), removing `removed` txns.
struct Truncated {
  Zxid to;
  uint32_t removed = 0;
};

// The data tree was replaced or caught up at once: from a SNAP, reloaded from disk
// (start-up, after a truncation), or fast-forwarded from the log on a role change.
struct TreeLoaded {
  Zxid zxid;
  std::string_view from;  // "snap", "disk", "truncated-log", "trunc", "fast-forward".
  uint64_t digest = 0;
  // The last txn the tree holds: `zxid` is its label, which a SNAP of a relabeled leader
  // tree ((e, 0)) or a TRUNC's zxid (learner) can set apart from its content.
  Zxid applied;
};

// A new leader set its tree's last processed zxid to (epoch, 0) (Leader.startZkServer):
// a relabel, not a change of content, which still ends at `applied`.
struct TreeRelabeled {
  Zxid zxid;
  Zxid applied;
  uint64_t digest = 0;
};

struct SnapshotTaken {
  Zxid zxid;
};

// A thread ran one step (Core::Post): the steps ZooKeeper's threads take in an order the
// operating system chooses, so that the trace shows which ran when.
struct StepRan {
  Thread thread;
  uint32_t instance = 0;  // Which one of its kind (a LearnerHandler's learner sid).
  std::string_view step;  // e.g. "apply", "sync-follower", "flush".
  Zxid zxid;              // The txn it is about, if any.
};

// A write or an fsync of `file` failed (a disk error): "write" or "fsync".
struct DiskFailed {
  std::string_view file;
  std::string_view what;
};

// A message or request was dropped on purpose: stale, duplicate, or out of place.
struct Ignored {
  std::string_view what;  // e.g. "ACK", "NOTIFICATION".
  std::string_view why;   // e.g. "already committed", "stale round".
  PeerId from;
  Zxid zxid;
};

// A packet arrived that ZooKeeper's code does not expect in this state: it logs an
// error, throws, or exits. Each names the message-level check of
// zab/checkers/safety.h it breaks (the TLA+ specifications' commitConsistent,
// ackConsistent and the in-order PROPOSAL stream a FIFO channel guarantees).
struct Unexpected {
  std::string_view check;  // "proposal-in-order", "commit-pending" or "ack-consistent".
  std::string_view what;   // The packet: "PROPOSAL", "COMMIT", "ACK".
  PeerId from;
  Zxid zxid;
  Zxid expected;           // What the peer expected instead (0: nothing).
  std::string_view why;
};

// The peer left its role (leader shutdown, learner gave up) and goes back to looking.
struct RoleEnded {
  ServerState state;
  std::string reason;
};

// The leader dropped one learner (its LearnerHandler ended); the leader goes on.
struct LearnerDropped {
  PeerId learner;
  std::string reason;
};

// The server process exits (ZooKeeper's System.exit): the environment crashes it.
struct Halted {
  std::string reason;
};

// A client request reached this server, or was answered by it.
struct ClientServed {
  uint64_t session = 0;
  uint64_t cxid = 0;
  OpType op = OpType::kGetData;
  Code code = Code::kOk;
  Zxid zxid;
};

// A client invoked an operation (recorded for the client-history checks).
struct ClientInvoked {
  uint64_t session = 0;
  uint64_t cxid = 0;
  Op op;
  PeerId server;  // Where it was sent (0: not connected yet).
};

// A client's operation completed. `indeterminate` (connection loss, timeout) means it
// may or may not have taken effect.
struct ClientCompleted {
  uint64_t session = 0;
  uint64_t cxid = 0;
  Op op;
  Code code = Code::kOk;
  Zxid zxid;
  std::string data;
  int32_t version = -1;
  bool exists = false;
  bool indeterminate = false;
  PeerId server;
};

using Event = std::variant<StateChanged, VoteChanged, ElectionDecided, EpochWritten,
                           EpochProposed, LeaderEstablished, SyncChosen, NewLeaderProcessed,
                           SyncApplied, Proposed, Committed, Logged, Applied, Truncated,
                           TreeLoaded, TreeRelabeled, SnapshotTaken, StepRan, DiskFailed, Ignored, Unexpected, RoleEnded,
                           LearnerDropped, Halted, ClientServed, ClientInvoked, ClientCompleted>;

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_EVENTS_H_

// File: zab/coverage.h
//
// Coverage marks: named places in the protocol's branches (each sync mode and its
// reason, each step of NEWLEADER, each way a role ends, each bug switch's branch), so
// that a user can see which windows a run, a sweep or a hunt actually reached. A clean
// sweep says nothing about a window it never entered; the marks say which those were.
//
// A peer reports a mark through its Outbox (Outbox::Cover); the environment counts it in
// a Coverage table that it owns, outside the peer, so that counts survive a crash of the
// simulated process. Marks are a side channel: they are never trace records, and
// counting one changes nothing a run does, so no trace or fingerprint depends on them.
//
// Every mark is declared once, in kMarks (zab/coverage.cc), in the order `Mark` declares
// it: its stable name, what it means, and the place in ZooKeeper's source it corresponds
// to.
// docs/coverage.md explains each (a test keeps the two the same).
//
//   Coverage c;
//   c.Hit(Mark::kSyncTrunc);
//   for (const MarkInfo& m : kMarks) fmt::print("{} {}\n", m.name, c.count(m.mark));

#ifndef ZABSIM_ZAB_COVERAGE_H_
#define ZABSIM_ZAB_COVERAGE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace zabsim::zab {

enum class Mark : uint16_t {
  // Fast Leader Election.
  kElectionLeading,
  kElectionFollowing,
  kElectionObserving,
  kElectionJoined,
  // Discovery.
  kDiscoveryEpochProposed,
  kDiscoveryLeaderAcceptedEpochWritten,
  kDiscoveryLeaderCurrentEpochWritten,
  kDiscoveryLearnerAcceptedEpochWritten,
  kDiscoveryLearnerEpochAlreadyAccepted,
  // The leader's choice of sync (LearnerHandler.syncFollower).
  kSyncDiff,
  kSyncDiffInSync,
  kSyncDiffCommittedLog,
  kSyncDiffTxnLog,
  kSyncDiffNewEpochZxid,
  kSyncTrunc,
  kSyncTruncPeerAhead,
  kSyncTruncCommittedLog,
  kSyncTruncTxnLog,
  kSyncSnap,
  kSyncSnapBehind,
  kSyncSnapTxnLogTooFar,
  kSyncSnapTxnLogGap,
  kSyncSnapTruncCrossesEpoch,
  kSyncSnapUnhandled,
  kSyncForwardToBeApplied,
  kSyncForwardOutstanding,
  // The learner's side of the sync, before NEWLEADER (Learner.syncWithLeader).
  kSyncLearnerDiff,
  kSyncLearnerTrunc,
  kSyncLearnerTruncRelabel,
  kSyncLearnerSnap,
  kSyncLearnerCommitApplied,
  kSyncLearnerCommitBuffered,
  // NEWLEADER, on the leader.
  kNewLeaderLeaderSnapSent,
  kNewLeaderLeaderQueued,
  kNewLeaderLeaderAck,
  kNewLeaderLeaderAckNotNewLeader,
  kNewLeaderLeaderEstablished,
  kNewLeaderLeaderUpToDateSent,
  // NEWLEADER, on the learner.
  kNewLeaderLearnerReceived,
  kNewLeaderLearnerSnapshotTaken,
  kNewLeaderLearnerSnapshotTakenTrunc,
  kNewLeaderLearnerOrderG1,
  kNewLeaderLearnerOrderG2,
  kNewLeaderLearnerObserver,
  kNewLeaderLearnerCommittedLogged,
  kNewLeaderLearnerPendingKept,
  kNewLeaderLearnerTxnsFsynced,
  kNewLeaderLearnerCurrentEpochWritten,
  kNewLeaderLearnerAckSent,
  // UPTODATE, on the learner.
  kUpToDateLearnerServing,
  kUpToDateLearnerAcksReleased,
  kUpToDateLearnerBufferedLogged,
  // Broadcast.
  kBroadcastSyncDeferred,
  // Roles: how each starts and ends.
  kRoleLeaderStart,
  kRoleFollowerStart,
  kRoleObserverStart,
  kRoleLeaderEndLostQuorum,
  kRoleLeaderEndEpochTimeout,
  kRoleLeaderEndEpochAckTimeout,
  kRoleLeaderEndNewLeaderAckTimeout,
  kRoleLeaderEndError,
  kRoleLeaderEndZxidRollover,
  kRoleLearnerEndConnectFailed,
  kRoleLearnerEndLeaderGone,
  kRoleLearnerEndReadTimeout,
  kRoleLearnerEndEpochBehind,
  kRoleLearnerEndProtocol,
  kRoleLearnerEndProposalGap,
  kRoleLearnerEndCommitNpe,
  kRoleLearnerEndNewLeaderFsyncFailed,
  kRoleLearnerEndError,
  kRoleEndEpochWriteFailed,
  kRoleEndRestart,
  kRoleEndAfterEpochWrite,
  // The leader's LearnerHandlers: how each ends.
  kHandlerEndReadTimeout,
  kHandlerEndWaitTimeout,
  kHandlerEndConnectionLost,
  kHandlerEndProtocol,
  kHandlerEndFollowerAhead,
  kHandlerEndSyncLimit,
  kHandlerEndLeaderShutdown,
  // The server process exits (System.exit) or refuses to start.
  kExitStartupRefused,
  kExitReloadFailed,
  kExitTruncateFailed,
  kExitUnexpectedSyncPacket,
  kExitUnmatchedTxnCommit,
  kExitSnapshotFailed,
  // Disk errors.
  kDiskLogWriteFailed,
  kDiskLogFsyncFailed,
  kDiskEpochWriteFailed,
  kDiskEpochFsyncFailed,
  kDiskSnapshotFailed,
  // The log, snapshots and memory.
  kLogTruncated,
  kLogTruncateMissingZxid,
  kLogNewerSnapshotsRemoved,
  kLogUnvouchedDropped,
  kSnapshotBackground,
  kSnapshotFuzzy,
  kSnapshotSkippedBusy,
  kDbFastForward,
  kDbCleared,
  kPurgeRan,
  // Clients.
  kClientRefusedStale,
  // Bug switches (zab/config.h): each counted where its branch differs from the fix.
  kBugZk1154,
  kBugZk1419,
  kBugZk2845,
  kBugZk3911,
  kBugZk4643,
  kBugZk4646,
  kBugZk4685,
  kBugZk4394,
  kBugZk4712,
  kBugZk3642,
  kBugZk1549,
  kBugZk4925,
  kBugZk2846,
  kBugTruncKeepsNext,
  kBugTruncToApplied,
  kBugErrorKeepsServing,
  kBugStaleAckCounts,
  kBugCommitWithoutQuorum,
  kBugAckBeforeFsync,
  kBugMajorityIsHalf,
  kBugElectionIgnoresZxid,
  kBugReuseEpoch,
  kBugServeStaleClients,
  kCount,  // Not a mark: how many there are.
};

inline constexpr size_t kMarkCount = static_cast<size_t>(Mark::kCount);

// MarkInfo describes one mark: `name` is stable (scripts and docs use it), `meaning`
// says in one line what reaching it means, `zookeeper` names the place in ZooKeeper's
// source that the branch corresponds to.
struct MarkInfo {
  Mark mark;
  std::string_view name;
  std::string_view meaning;
  std::string_view zookeeper;
};

// kMarks lists every mark, in the order of `Mark` (checked below): the order in which
// coverage is printed.
extern const std::array<MarkInfo, kMarkCount> kMarks;

// Info returns mark `m`'s description. REQUIRES: m != Mark::kCount.
const MarkInfo& Info(Mark m);
// FindMark returns the mark called `name`, or nullopt.
std::optional<Mark> FindMark(std::string_view name);

// Coverage counts how often each mark was reached. Counting is an array increment;
// tables add up (a sweep sums its seeds' tables).
class Coverage {
 public:
  void Hit(Mark m) { ++counts_[static_cast<size_t>(m)]; }
  uint64_t count(Mark m) const { return counts_[static_cast<size_t>(m)]; }
  // Add adds `other`'s counts to these.
  void Add(const Coverage& other);
  // Hits is how many marks were reached at least once.
  size_t Hits() const;
  friend bool operator==(const Coverage&, const Coverage&) = default;

 private:
  std::array<uint64_t, kMarkCount> counts_{};
};

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_COVERAGE_H_

#include "zab/coverage.h"

#include "base/check.h"

namespace zabsim::zab {
namespace {

using M = Mark;

constexpr std::array<MarkInfo, kMarkCount> kTable = {{
    // Fast Leader Election.
    {M::kElectionLeading, "election.leading", "FLE ended: this server leads",
     "FastLeaderElection.lookForLeader"},
    {M::kElectionFollowing, "election.following", "FLE ended: this server follows",
     "FastLeaderElection.lookForLeader"},
    {M::kElectionObserving, "election.observing", "FLE ended: this observer observes",
     "FastLeaderElection.lookForLeader"},
    {M::kElectionJoined, "election.joined",
     "FLE ended by joining an established ensemble (a quorum already follows a leader)",
     "FastLeaderElection.lookForLeader (outofelection)"},
    // Discovery.
    {M::kDiscoveryEpochProposed, "discovery.epoch-proposed",
     "a leader decided its new epoch from a quorum of FOLLOWERINFO", "Leader.getEpochToPropose"},
    {M::kDiscoveryLeaderAcceptedEpochWritten, "discovery.leader.accepted-epoch-written",
     "the leader's acceptedEpoch is durable", "QuorumPeer.setAcceptedEpoch (Leader.getEpochToPropose)"},
    {M::kDiscoveryLeaderCurrentEpochWritten, "discovery.leader.current-epoch-written",
     "the leader's currentEpoch is durable, after a quorum of ACKEPOCH",
     "QuorumPeer.setCurrentEpoch (Leader.lead)"},
    {M::kDiscoveryLearnerAcceptedEpochWritten, "discovery.learner.accepted-epoch-written",
     "a learner's acceptedEpoch is durable, before its ACKEPOCH",
     "QuorumPeer.setAcceptedEpoch (Learner.registerWithLeader)"},
    {M::kDiscoveryLearnerEpochAlreadyAccepted, "discovery.learner.epoch-already-accepted",
     "LEADERINFO's epoch was already accepted: ACKEPOCH says so (-1)", "Learner.registerWithLeader"},
    // Sync, the leader's choice.
    {M::kSyncDiff, "sync.diff", "the leader chose DIFF", "LearnerHandler.syncFollower"},
    {M::kSyncDiffInSync, "sync.diff.in-sync",
     "DIFF with nothing to send: the learner's last zxid is the leader's", "LearnerHandler.syncFollower"},
    {M::kSyncDiffCommittedLog, "sync.diff.committed-log",
     "DIFF from the committed log (the learner's last zxid lies in it)",
     "LearnerHandler.syncFollower (queueCommittedProposals)"},
    {M::kSyncDiffTxnLog, "sync.diff.txn-log",
     "DIFF from the on-disk txn log (the learner is behind the committed log)",
     "LearnerHandler.syncFollower (getProposalsFromTxnLog)"},
    {M::kSyncDiffNewEpochZxid, "sync.diff.new-epoch-zxid",
     "DIFF to a learner whose last zxid is (e, 0), the start of an epoch",
     "LearnerHandler.queueCommittedProposals (isPeerNewEpochZxid)"},
    {M::kSyncTrunc, "sync.trunc", "the leader chose TRUNC", "LearnerHandler.syncFollower"},
    {M::kSyncTruncPeerAhead, "sync.trunc.peer-ahead",
     "TRUNC to the last committed zxid: the learner is past the leader's committed log",
     "LearnerHandler.syncFollower"},
    {M::kSyncTruncCommittedLog, "sync.trunc.committed-log",
     "TRUNC of txns the leader never saw, within the committed log",
     "LearnerHandler.queueCommittedProposals"},
    {M::kSyncTruncTxnLog, "sync.trunc.txn-log", "TRUNC of txns the leader never saw, found via the txn log",
     "LearnerHandler.queueCommittedProposals (getProposalsFromTxnLog)"},
    {M::kSyncSnap, "sync.snap", "the leader chose SNAP", "LearnerHandler.syncFollower"},
    {M::kSyncSnapBehind, "sync.snap.behind",
     "SNAP: the learner is behind the committed log and txn-log sync is off",
     "LearnerHandler.syncFollower"},
    {M::kSyncSnapTxnLogTooFar, "sync.snap.txn-log-too-far",
     "SNAP: the txn log does not reach back to the learner, or is too large",
     "LearnerHandler.syncFollower (calculateTxnLogSizeLimit)"},
    {M::kSyncSnapTxnLogGap, "sync.snap.txn-log-gap",
     "SNAP: the txn log and the committed log do not meet", "LearnerHandler.syncFollower"},
    {M::kSyncSnapTruncCrossesEpoch, "sync.snap.trunc-crosses-epoch",
     "SNAP: a TRUNC would cross an epoch", "LearnerHandler.queueCommittedProposals"},
    {M::kSyncSnapUnhandled, "sync.snap.unhandled",
     "SNAP: no other case applies (a learner at (e, 0) past the committed log)",
     "LearnerHandler.syncFollower (\"Unhandled scenario\")"},
    {M::kSyncForwardToBeApplied, "sync.forward.to-be-applied",
     "startForwarding sent txns committed but not yet applied (toBeApplied)", "Leader.startForwarding"},
    {M::kSyncForwardOutstanding, "sync.forward.outstanding",
     "startForwarding sent outstanding proposals to a follower", "Leader.startForwarding"},
    // Sync, the learner's side.
    {M::kSyncLearnerDiff, "sync.learner.diff", "a learner got DIFF", "Learner.syncWithLeader"},
    {M::kSyncLearnerTrunc, "sync.learner.trunc", "a learner truncated its log on TRUNC",
     "Learner.syncWithLeader (ZKDatabase.truncateLog)"},
    {M::kSyncLearnerTruncRelabel, "sync.learner.trunc-relabel",
     "after TRUNC the reloaded tree's last zxid differs from the TRUNC's, and is set to it",
     "Learner.syncWithLeader (setlastProcessedZxid)"},
    {M::kSyncLearnerSnap, "sync.learner.snap", "a learner replaced its tree with a SNAP",
     "Learner.syncWithLeader (deserializeSnapshot)"},
    {M::kSyncLearnerCommitApplied, "sync.learner.commit-applied",
     "a COMMIT before NEWLEADER after SNAP or TRUNC, applied at once (not logged)",
     "Learner.syncWithLeader (!writeToTxnLog)"},
    {M::kSyncLearnerCommitBuffered, "sync.learner.commit-buffered",
     "a COMMIT before NEWLEADER after DIFF, kept for NEWLEADER", "Learner.syncWithLeader (packetsCommitted)"},
    // NEWLEADER, the leader.
    {M::kNewLeaderLeaderSnapSent, "newleader.leader.snap-sent",
     "a LearnerHandler serialized the tree onto the socket (SNAP)", "LearnerHandler.run"},
    {M::kNewLeaderLeaderQueued, "newleader.leader.queued",
     "NEWLEADER queued behind the sync packets, the sender started", "LearnerHandler.run"},
    {M::kNewLeaderLeaderAck, "newleader.leader.ack", "the ACK of NEWLEADER counted",
     "Leader.waitForNewLeaderAck"},
    {M::kNewLeaderLeaderAckNotNewLeader, "newleader.leader.ack-not-newleader",
     "the first ACK after NEWLEADER was a proposal's, not counted", "Leader.waitForNewLeaderAck"},
    {M::kNewLeaderLeaderEstablished, "newleader.leader.established",
     "a quorum acked NEWLEADER: the leader is established", "Leader.lead (startZkServer)"},
    {M::kNewLeaderLeaderUpToDateSent, "newleader.leader.uptodate-sent", "UPTODATE queued to a learner",
     "LearnerHandler.run"},
    // NEWLEADER, the learner.
    {M::kNewLeaderLearnerReceived, "newleader.learner.received", "a learner read NEWLEADER",
     "Learner.syncWithLeader"},
    {M::kNewLeaderLearnerSnapshotTaken, "newleader.learner.snapshot-taken",
     "after a SNAP, the learner's NEWLEADER snapshot (fsynced)", "Learner.syncWithLeader (takeSnapshot)"},
    {M::kNewLeaderLearnerSnapshotTakenTrunc, "newleader.learner.snapshot-taken-trunc",
     "after a TRUNC, the learner's NEWLEADER snapshot", "Learner.syncWithLeader (takeSnapshot)"},
    {M::kNewLeaderLearnerOrderG1, "newleader.learner.order-g1",
     "the 3.8.0..3.8.4 order: currentEpoch first, every buffered proposal to the log pipeline",
     "Learner.syncWithLeader (3.8.0)"},
    {M::kNewLeaderLearnerOrderG2, "newleader.learner.order-g2",
     "the 3.8.5/3.9.2 order: every buffered proposal logged and fsynced, ACKs held",
     "Learner.syncWithLeader (3.9.2)"},
    {M::kNewLeaderLearnerObserver, "newleader.learner.observer",
     "an observer's NEWLEADER: nothing logged before the ACK", "Observer.observeLeader"},
    {M::kNewLeaderLearnerCommittedLogged, "newleader.learner.committed-logged",
     "the committed buffered txns appended and applied at NEWLEADER",
     "Learner.syncWithLeader (packetsCommitted)"},
    {M::kNewLeaderLearnerPendingKept, "newleader.learner.pending-kept",
     "uncommitted proposals stay buffered past NEWLEADER, for UPTODATE",
     "Learner.syncWithLeader (packetsNotLogged)"},
    {M::kNewLeaderLearnerTxnsFsynced, "newleader.learner.txns-fsynced",
     "the txns synced at NEWLEADER are durable, before currentEpoch", "Learner.syncWithLeader (zk.getZKDatabase().commit())"},
    {M::kNewLeaderLearnerCurrentEpochWritten, "newleader.learner.current-epoch-written",
     "a learner's currentEpoch is durable at NEWLEADER", "QuorumPeer.setCurrentEpoch (Learner.syncWithLeader)"},
    {M::kNewLeaderLearnerAckSent, "newleader.learner.ack-sent", "a learner acked NEWLEADER",
     "Learner.syncWithLeader (writePacket ACK)"},
    // UPTODATE.
    {M::kUpToDateLearnerServing, "uptodate.learner.serving", "a learner read UPTODATE and serves",
     "Learner.syncWithLeader (UPTODATE)"},
    {M::kUpToDateLearnerAcksReleased, "uptodate.learner.acks-released",
     "the ACKs held back at NEWLEADER (3.9.2 order) sent after UPTODATE's",
     "Learner.syncWithLeader (requestsToAck)"},
    {M::kUpToDateLearnerBufferedLogged, "uptodate.learner.buffered-logged",
     "proposals still buffered at UPTODATE go to the log pipeline", "Learner.syncWithLeader (packetsNotLogged)"},
    // Broadcast.
    {M::kBroadcastSyncDeferred, "broadcast.sync-deferred",
     "a client's sync waits for the last outstanding proposal to commit", "Leader.processSync"},
    // Roles.
    {M::kRoleLeaderStart, "role.leader.start", "a server started leading", "QuorumPeer.run (LEADING)"},
    {M::kRoleFollowerStart, "role.follower.start", "a server started following", "QuorumPeer.run (FOLLOWING)"},
    {M::kRoleObserverStart, "role.observer.start", "a server started observing", "QuorumPeer.run (OBSERVING)"},
    {M::kRoleLeaderEndLostQuorum, "role.leader.end.lost-quorum",
     "the leader stepped down: not sufficient followers synced", "Leader.lead"},
    {M::kRoleLeaderEndEpochTimeout, "role.leader.end.epoch-timeout",
     "the leader gave up waiting for a quorum of FOLLOWERINFO (initLimit)", "Leader.getEpochToPropose"},
    {M::kRoleLeaderEndEpochAckTimeout, "role.leader.end.epoch-ack-timeout",
     "the leader gave up waiting for a quorum of ACKEPOCH (initLimit)", "Leader.waitForEpochAck"},
    {M::kRoleLeaderEndNewLeaderAckTimeout, "role.leader.end.newleader-ack-timeout",
     "the leader gave up waiting for a quorum of NEWLEADER ACKs (initLimit)", "Leader.waitForNewLeaderAck"},
    {M::kRoleLeaderEndError, "role.leader.end.error",
     "the leader ended on an internal error (its SyncThread died)", "Leader.lead (isRunning)"},
    {M::kRoleLeaderEndZxidRollover, "role.leader.end.zxid-rollover",
     "the zxid counter would roll over: a new epoch is forced", "Leader.propose (ZOOKEEPER-1277)"},
    {M::kRoleLearnerEndConnectFailed, "role.learner.end.connect-failed",
     "a learner could not connect to its leader", "Learner.connectToLeader"},
    {M::kRoleLearnerEndLeaderGone, "role.learner.end.leader-gone",
     "a learner's connection to its leader was lost", "Follower.followLeader / Observer.observeLeader"},
    {M::kRoleLearnerEndReadTimeout, "role.learner.end.read-timeout",
     "a learner heard nothing from its leader within the read timeout", "Learner.readPacket (SocketTimeoutException)"},
    {M::kRoleLearnerEndEpochBehind, "role.learner.end.epoch-behind",
     "LEADERINFO's epoch is below the learner's acceptedEpoch", "Learner.registerWithLeader"},
    {M::kRoleLearnerEndProtocol, "role.learner.end.protocol",
     "a learner got a packet out of place (not LEADERINFO, UPTODATE before NEWLEADER, a bad SNAP)",
     "Learner.registerWithLeader / syncWithLeader"},
    {M::kRoleLearnerEndProposalGap, "role.learner.end.proposal-gap",
     "a gap between the PROPOSALs of a sync ended it", "Learner.enforceContinuousProposal"},
    {M::kRoleLearnerEndCommitNpe, "role.learner.end.commit-npe",
     "a COMMIT during the sync found no pending proposal (NullPointerException)", "Learner.syncWithLeader"},
    {M::kRoleLearnerEndNewLeaderFsyncFailed, "role.learner.end.newleader-fsync-failed",
     "the txn log's fsync failed at NEWLEADER", "Learner.syncWithLeader (ZKDatabase.commit)"},
    {M::kRoleLearnerEndError, "role.learner.end.error",
     "a learner ended on an internal error (its SyncThread died)", "Follower.followLeader (isRunning)"},
    {M::kRoleEndEpochWriteFailed, "role.end.epoch-write-failed",
     "writing an epoch file failed (IOException): the role ended", "QuorumPeer.writeLongToFile"},
    {M::kRoleEndRestart, "role.end.restart", "a role restarted without a crash (a signal)",
     "QuorumPeer.run (shutdown of the role)"},
    {M::kRoleEndAfterEpochWrite, "role.end.after-epoch-write",
     "a role ended while an epoch write was under way, and stopped once it was durable",
     "QuorumPeer.setCurrentEpoch / setAcceptedEpoch"},
    // LearnerHandlers.
    {M::kHandlerEndReadTimeout, "learnerhandler.end.read-timeout",
     "the leader heard nothing from a learner within the read timeout", "LearnerHandler.run"},
    {M::kHandlerEndWaitTimeout, "learnerhandler.end.wait-timeout",
     "a LearnerHandler's wait for the leader (epoch, acks) took longer than initLimit", "LearnerHandler.run"},
    {M::kHandlerEndConnectionLost, "learnerhandler.end.connection-lost", "a learner's connection was lost",
     "LearnerHandler.run"},
    {M::kHandlerEndProtocol, "learnerhandler.end.protocol",
     "a learner sent a packet out of place (not FOLLOWERINFO, ACKEPOCH or NEWLEADER's ACK)", "LearnerHandler.run"},
    {M::kHandlerEndFollowerAhead, "learnerhandler.end.follower-ahead",
     "a learner more recent than the leader was dropped", "Leader.waitForEpochAck"},
    {M::kHandlerEndSyncLimit, "learnerhandler.end.sync-limit",
     "a proposal was not acked within syncLimit", "LearnerHandler.ping (SyncLimitCheck)"},
    {M::kHandlerEndLeaderShutdown, "learnerhandler.end.leader-shutdown",
     "the leader shut its LearnerHandlers down", "Leader.shutdown"},
    // Exits.
    {M::kExitStartupRefused, "exit.startup-refused",
     "a server refused to start (its data or epoch files are inconsistent or unwritable)",
     "QuorumPeer.loadDataBase"},
    {M::kExitReloadFailed, "exit.reload-failed", "reloading the database from disk failed",
     "ZKDatabase.loadDataBase"},
    {M::kExitTruncateFailed, "exit.truncate-failed", "a learner could not truncate its log to TRUNC's zxid",
     "Learner.syncWithLeader (\"Not able to truncate the log\")"},
    {M::kExitUnexpectedSyncPacket, "exit.unexpected-sync-packet",
     "the first sync packet was not DIFF, TRUNC or SNAP", "Learner.syncWithLeader"},
    {M::kExitUnmatchedTxnCommit, "exit.unmatched-txn-commit",
     "a follower got a COMMIT for a txn that is not its next pending one",
     "FollowerZooKeeperServer.commit (UNMATCHED_TXN_COMMIT)"},
    {M::kExitSnapshotFailed, "exit.snapshot-failed", "writing or fsyncing a snapshot failed",
     "ZooKeeperServer.takeSnapshot (TXNLOG_ERROR_TAKING_SNAPSHOT)"},
    // Disk errors.
    {M::kDiskLogWriteFailed, "disk.log.write-failed", "a txn log file could not be opened anew",
     "FileTxnLog.append"},
    {M::kDiskLogFsyncFailed, "disk.log.fsync-failed", "a txn log fsync failed: the SyncThread died",
     "SyncRequestProcessor.run"},
    {M::kDiskEpochWriteFailed, "disk.epoch.write-failed", "an epoch file write failed",
     "QuorumPeer.writeLongToFile"},
    {M::kDiskEpochFsyncFailed, "disk.epoch.fsync-failed", "an epoch file's fsync failed",
     "AtomicFileOutputStream.close"},
    {M::kDiskSnapshotFailed, "disk.snapshot.failed", "a snapshot's write or fsync failed",
     "FileTxnSnapLog.save"},
    // The log, snapshots and memory.
    {M::kLogTruncated, "log.truncated", "a truncation removed txns from the log", "FileTxnLog.truncate"},
    {M::kLogTruncateMissingZxid, "log.truncate-missing-zxid",
     "a TRUNC to a zxid the log lacks also removed the txn above it (the fix of trunc-keeps-next)",
     "FileTxnLog.truncate"},
    {M::kLogNewerSnapshotsRemoved, "log.newer-snapshots-removed",
     "a truncation removed snapshots above its point (the fix of ZK-1549)", "FileTxnSnapLog.truncateLog"},
    {M::kLogUnvouchedDropped, "log.unvouched-dropped",
     "log segments below a snapshot that cannot vouch for them removed (the fix of ZK-2846)",
     "FileTxnSnapLog (no such step in ZooKeeper)"},
    {M::kSnapshotBackground, "snapshot.background", "the snapshot thread wrote a snapshot",
     "SyncRequestProcessor.run (snapThread)"},
    {M::kSnapshotFuzzy, "snapshot.fuzzy",
     "txns were applied between naming a background snapshot and writing it (a fuzzy snapshot)",
     "ZooKeeperServer.takeSnapshot"},
    {M::kSnapshotSkippedBusy, "snapshot.skipped-busy", "a snapshot was due while one was still running",
     "SyncRequestProcessor.run (\"Too busy to snap\")"},
    {M::kDbFastForward, "db.fast-forward", "memory caught up with the log on a role change",
     "ZKDatabase.fastForwardDataBase (ZOOKEEPER-2678)"},
    {M::kDbCleared, "db.cleared",
     "memory was dropped, to be reloaded from disk (a SNAP cut short, or a SyncThread that died)",
     "ZKDatabase.clear"},
    {M::kPurgeRan, "purge.ran", "autopurge removed old snapshots and logs", "PurgeTxnLog.purge"},
    // Clients.
    {M::kClientRefusedStale, "client.refused-stale",
     "a server refused a client that has seen a newer zxid than it has",
     "ZooKeeperServer.processConnectRequest"},
    // Bug switches.
    {M::kBugZk1154, "bug.ZK-1154", "DIFF from the committed log without checking the learner's zxid is in it",
     "LearnerHandler.syncFollower (ZOOKEEPER-1154)"},
    {M::kBugZk1419, "bug.ZK-1419", "a vote compared differently than the fixed total order would",
     "FastLeaderElection.totalOrderPredicate (ZOOKEEPER-1419)"},
    {M::kBugZk2845, "bug.ZK-2845", "a role ended without memory catching up with the log it had",
     "ZooKeeperServer.shutdown (ZOOKEEPER-2845)"},
    {M::kBugZk3911, "bug.ZK-3911", "a follower acked NEWLEADER with its synced txns not yet logged",
     "Learner.syncWithLeader (ZOOKEEPER-3911)"},
    {M::kBugZk4643, "bug.ZK-4643", "currentEpoch written before the synced txns are on disk",
     "Learner.syncWithLeader (ZOOKEEPER-4643)"},
    {M::kBugZk4646, "bug.ZK-4646", "NEWLEADER acked with synced txns appended but not fsynced",
     "Learner.syncWithLeader (ZOOKEEPER-4646)"},
    {M::kBugZk4685, "bug.ZK-4685", "synced txns logged through the pipeline, whose ACKs race NEWLEADER's",
     "Learner.syncWithLeader (ZOOKEEPER-4685)"},
    {M::kBugZk4394, "bug.ZK-4394", "NEWLEADER dropped buffered uncommitted proposals",
     "Learner.syncWithLeader (ZOOKEEPER-4394)"},
    {M::kBugZk4712, "bug.ZK-4712", "a learner's log pipeline kept logging after the role ended",
     "Learner.shutdown (ZOOKEEPER-4712)"},
    {M::kBugZk3642, "bug.ZK-3642", "a SNAP cut short before NEWLEADER was kept in memory",
     "Learner.syncWithLeader (ZOOKEEPER-3642)"},
    {M::kBugZk1549, "bug.ZK-1549", "a truncation kept snapshots above its point",
     "FileTxnSnapLog.truncateLog (ZOOKEEPER-1549)"},
    {M::kBugZk4925, "bug.ZK-4925", "a txn applied during the sync was left out of the committed log",
     "Learner.syncWithLeader (ZOOKEEPER-4925)"},
    {M::kBugZk2846, "bug.ZK-2846", "a log that a snapshot cannot vouch for was kept",
     "Learner.syncWithLeader (ZOOKEEPER-2846)"},
    {M::kBugTruncKeepsNext, "bug.trunc-keeps-next", "a TRUNC to a zxid the log lacks kept the txn above it",
     "FileTxnLog.truncate"},
    {M::kBugTruncToApplied, "bug.trunc-to-applied",
     "a sync was chosen from applied txns while committed ones waited in toBeApplied",
     "LearnerHandler.syncFollower"},
    {M::kBugErrorKeepsServing, "bug.error-keeps-serving", "a role went on after its SyncThread died",
     "SyncRequestProcessor.run / ZooKeeperServer.setState(ERROR)"},
    {M::kBugStaleAckCounts, "bug.stale-ack-counts",
     "an ACK sent before a learner's re-sync kept counting toward a quorum", "Leader.startForwarding"},
    {M::kBugCommitWithoutQuorum, "bug.commit-without-quorum", "a txn committed without a quorum of ACKs",
     "Leader.tryToCommit"},
    {M::kBugAckBeforeFsync, "bug.ack-before-fsync", "txns acked before their fsync",
     "SyncRequestProcessor.flush"},
    {M::kBugMajorityIsHalf, "bug.majority-is-half", "half of the voters counted as a quorum",
     "QuorumMaj.containsQuorum"},
    {M::kBugElectionIgnoresZxid, "bug.election-ignores-zxid",
     "a vote compared differently than with zxids", "FastLeaderElection.totalOrderPredicate"},
    {M::kBugReuseEpoch, "bug.reuse-epoch", "a leader proposed an epoch already accepted",
     "Leader.getEpochToPropose"},
    {M::kBugServeStaleClients, "bug.serve-stale-clients",
     "a server answered a client that has seen a newer zxid", "ZooKeeperServer.processConnectRequest"},
}};

constexpr bool InDeclarationOrder() {
  for (size_t i = 0; i < kTable.size(); ++i) {
    if (static_cast<size_t>(kTable[i].mark) != i) return false;
  }
  return true;
}
static_assert(InDeclarationOrder(), "kMarks must list the marks in the order Mark declares them");

constexpr bool NamesUnique() {
  for (size_t i = 0; i < kTable.size(); ++i) {
    for (size_t j = i + 1; j < kTable.size(); ++j) {
      if (kTable[i].name == kTable[j].name) return false;
    }
  }
  return true;
}
static_assert(NamesUnique(), "two marks have one name");

}  // namespace

const std::array<MarkInfo, kMarkCount> kMarks = kTable;

const MarkInfo& Info(Mark m) {
  ZABSIM_CHECK(m != Mark::kCount, "Info of Mark::kCount");
  return kMarks[static_cast<size_t>(m)];
}

std::optional<Mark> FindMark(std::string_view name) {
  for (const MarkInfo& m : kMarks) {
    if (m.name == name) return m.mark;
  }
  return std::nullopt;
}

void Coverage::Add(const Coverage& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
}

size_t Coverage::Hits() const {
  size_t n = 0;
  for (const uint64_t c : counts_) n += c > 0 ? 1 : 0;
  return n;
}

}  // namespace zabsim::zab

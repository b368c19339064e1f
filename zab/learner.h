// File: zab/learner.h
//
// A learner: a follower or an observer (Learner.java, Follower.java, Observer.java).
//
// It connects to the leader it elected (retrying a few times), registers with
// FOLLOWERINFO (OBSERVERINFO) carrying its acceptedEpoch, persists the new epoch the
// leader answers with (LEADERINFO) before acknowledging it (ACKEPOCH), then applies
// the leader's sync: DIFF (nothing to undo), TRUNC (cut its log back and reload) or SNAP
// (replace its tree). PROPOSAL and COMMIT packets of the sync are buffered until
// NEWLEADER, on which a follower, in this order, logs and fsyncs the buffered txns that
// are committed, persists currentEpoch, and only then ACKs (the order ZooKeeper arrived
// at after ZOOKEEPER-4643/4646/4394). On UPTODATE it starts serving and hands the
// remaining buffered proposals to its log pipeline.
//
// In broadcast a follower logs each PROPOSAL and ACKs it once durable (SyncProcessor),
// applies each COMMIT in order, and answers PINGs; an observer applies each INFORM.
// Silence from the leader for initLimit ticks (syncLimit once synced) ends the role.
//
// ZooKeeper's learner thread blocks while it writes an epoch file or fsyncs at
// NEWLEADER; packets that arrive meanwhile wait, and are read afterwards.

#ifndef ZABSIM_ZAB_LEARNER_H_
#define ZABSIM_ZAB_LEARNER_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "zab/commit_processor.h"
#include "zab/core.h"
#include "zab/database.h"
#include "zab/messages.h"
#include "zab/role.h"
#include "zab/sync_processor.h"

namespace zabsim::zab {

class Learner final : public Role,
                      public ConnHandler,
                      public Part,
                      public SyncProcessor::Next,
                      public CommitProcessor::Next {
 public:
  Learner(Core& core, Database& db, RoleHost& host, PeerId leader);
  ~Learner() override;

  // FollowLeader / ObserveLeader: connect and register.
  void Start();

  void Submit(const Request& request) override;
  void EpochWritten(EpochFile file) override;
  void Shutdown() override;
  void OnTimer(uint32_t what, uint64_t arg) override;
  void OnSynced(uint32_t what, uint64_t arg) override;
  void OnStep(uint32_t what, uint64_t arg) override;
  // SyncProcessor::Next: the SendAckRequestProcessor, a follower's ACK of a logged txn.
  void ProcessRequest(const TxnPtr& txn) override;
  void Idle() override;
  void Failed() override;
  void OnSyncFailed(uint32_t what, uint64_t arg) override;
  // CommitProcessor::Next: FinalRequestProcessor.
  void ApplyCommitted(const TxnPtr& txn) override;
  void SyncCommitted() override { host_.OnSyncDone(); }

  void OnConnected(ConnId conn) override;
  void OnMessage(ConnId conn, const Message& message) override;
  void OnDisconnected(ConnId conn) override;

  // CheckStep asserts the learner's invariants after a step, and what must only grow
  // against the step before.
  void CheckStep();

  bool observer() const { return observer_; }
  PeerId leader() const { return leader_; }

 private:
  friend struct LearnerTestPeer;  // Tests of CheckStep set fields directly.
  enum class Stage {
    kConnecting,
    kAwaitLeaderInfo,
    kWritingAcceptedEpoch,
    kAwaitSync,      // The first sync packet: DIFF, TRUNC or SNAP.
    kSyncing,        // Until UPTODATE.
    kNewLeaderBusy,  // Logging, fsyncing and writing currentEpoch at NEWLEADER.
    kBroadcast,
    kDone,
  };

  enum Wake : uint32_t {
    kConnectDeadline,       // Timer: connectToLeader gives up after initLimit.
    kReadTimeout,           // Timer: no packet from the leader (read_timer_).
    kReconnect,             // Timer: the pause before the next connection attempt.
    kSnapSnapshotDurable,   // Sync: the NEWLEADER snapshot of a SNAP sync.
    kSyncedLogDurable,      // Sync: the txns logged at NEWLEADER; then currentEpoch.
    kLogDurableAfterEpoch,  // Sync: ZK-4643's order, the txns logged after currentEpoch.
    kAckNewLeader,          // Step: G1's ACK of NEWLEADER, after the txns went to the pipeline.
  };

  void Connect();
  // Fail ends the role, counting `why`, the coverage mark of the way it ends.
  void Fail(Mark why, std::string reason);
  bool Blocked() const;
  void ArmReadTimer();
  void ReadNext();
  void Read(const QuorumPacket& p);
  void OnLeaderInfo(const QuorumPacket& p);
  void SendAckEpoch(int64_t current_epoch);
  void OnFirstSyncPacket(const QuorumPacket& p);
  void OnSyncPacket(const QuorumPacket& p);
  void OnNewLeader(const QuorumPacket& p);
  void PersistSynced();
  // LogCommittedBuffered appends and applies the buffered txns that are committed;
  // true if it appended any (they still need an fsync).
  bool LogCommittedBuffered();
  void NewLeaderLogged();
  void NewLeaderEpochWritten();
  void OnUpToDate();
  void OnBroadcastPacket(const QuorumPacket& p);
  void ProcessPacket(const QuorumPacket& p);  // Follower.processPacket / Observer's.
  void LogRequest(const TxnPtr& txn);
  void CommitTxn(Zxid zxid);
  void CheckProposalOrder(Zxid zxid);
  // EnforceContinuousProposal ends the sync (false) on a gap in one epoch's proposals, in
  // releases that check (Config::continuous_proposals).
  bool EnforceContinuousProposal(Zxid zxid);
  void UnexpectedCommit(Zxid zxid, Zxid expected, std::string_view why);
  void ApplyAndReport(const TxnPtr& txn, bool to_committed_log);
  void SendAck(Zxid zxid);
  void Send(QuorumPacket p);

  Core& core_;
  Database& db_;
  RoleHost& host_;
  Owner owner_;
  PeerId leader_;
  bool observer_;
  Stage stage_ = Stage::kConnecting;
  ConnId conn_;
  uint32_t attempts_ = 0;
  TimerId read_timer_;
  bool read_timeout_sync_limit_ = false;
  std::deque<QuorumPacket> deferred_;

  // Registration and sync (Learner.registerWithLeader, Learner.syncWithLeader).
  Zxid last_logged_at_register_;
  int64_t ack_epoch_current_ = -1;  // currentEpoch read before acceptedEpoch's write, for ACKEPOCH.
  Epoch new_epoch_;
  SyncMode mode_ = SyncMode::kNone;
  bool snapshot_needed_ = true;
  bool write_to_txn_log_ = false;
  bool newleader_seen_ = false;
  bool epoch_before_log_ = false;  // ZK-4643's order: currentEpoch is being written first.
  std::deque<TxnPtr> not_committed_;  // packetsNotCommitted / packetsNotLogged.
  std::deque<Zxid> committed_;        // packetsCommitted.
  Zxid last_queued_;                  // The highest PROPOSAL zxid received.
  Zxid sync_last_queued_;             // The last PROPOSAL of this sync (lastQueued).
  std::deque<Zxid> requests_to_ack_;  // G2: logged at NEWLEADER, ACKed after UPTODATE.
  // Only with the switch ZK-4394: the proposals NEWLEADER took out of the buffer.
  std::deque<TxnPtr> dropped_at_newleader_;

  // Broadcast (FollowerZooKeeperServer).
  bool serving_ = false;
  // A critical thread died (server state ERROR): the read loop ends after the next packet.
  // In syncWithLeader nobody looks, and starting to serve sets the state back to RUNNING.
  bool server_error_ = false;
  std::deque<TxnPtr> pending_txns_;
  std::unique_ptr<SyncProcessor> sync_;
  std::unique_ptr<CommitProcessor> commit_processor_;

  struct Checked {
    Epoch new_epoch;
    Zxid last_queued;
    bool serving = false;
  };
  Checked checked_;  // What CheckStep saw after the last step.
};

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_LEARNER_H_

// File: zab/leader.h
//
// The leader (Leader.java) and, for each connected learner, its LearnerHandler.
//
// Discovery: each learner sends FOLLOWERINFO with its acceptedEpoch. Once a quorum of
// voters (the leader included) has reported, the leader persists acceptedEpoch :=
// max(reported) + 1 and answers LEADERINFO with it; learners answer ACKEPOCH with their
// currentEpoch and last zxid. A learner more recent than the leader is dropped. With a
// quorum of ACKEPOCHs the leader persists currentEpoch.
//
// Synchronisation: for each learner the leader chooses DIFF, TRUNC or SNAP
// (sync_choice.h), queues the txns the learner lacks, starts forwarding live proposals
// to it, and queues NEWLEADER. With a quorum of NEWLEADER ACKs (within initLimit ticks)
// the leader is established: it starts serving and sends UPTODATE.
//
// Broadcast: writes get the next zxid and go out as PROPOSAL to every follower over
// its FIFO connection; the leader logs them too and acks itself after fsync. A proposal
// commits once a quorum has acked it and every earlier proposal has committed: COMMIT to
// followers, INFORM to observers. Every half tick the leader PINGs its learners; every
// tick it checks that a quorum is still in touch, else it steps down.
//
// Waits that ZooKeeper's threads block in (getEpochToPropose, waitForEpochAck,
// waitForNewLeaderAck, waitForStartup) are states here, each with its own initLimit
// deadline; packets a handler receives while it waits are kept and read afterwards.

#ifndef ZABSIM_ZAB_LEADER_H_
#define ZABSIM_ZAB_LEADER_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "zab/commit_processor.h"
#include "zab/core.h"
#include "zab/database.h"
#include "zab/messages.h"
#include "zab/prep_request_processor.h"
#include "zab/role.h"
#include "zab/sync_choice.h"
#include "zab/sync_processor.h"

namespace zabsim::zab {

class Leader;

// StateSummary is what a learner reports in ACKEPOCH: (currentEpoch, last zxid).
struct StateSummary {
  int64_t current_epoch = -1;  // -1: the learner had already accepted this epoch.
  Zxid last_zxid;
  bool IsMoreRecentThan(const StateSummary& other) const {
    return current_epoch > other.current_epoch ||
           (current_epoch == other.current_epoch && last_zxid > other.last_zxid);
  }
};

class LearnerHandler final : public ConnHandler, public Part {
 public:
  LearnerHandler(Leader& leader, Core& core, ConnId conn, PeerId sid);
  ~LearnerHandler() override;

  PeerId sid() const { return sid_; }
  ConnId conn() const { return conn_; }
  bool observer() const { return observer_; }
  bool dead() const { return stage_ == Stage::kDead; }
  bool forwarding() const { return forwarding_; }

  void OnConnected(ConnId) override {}
  void OnMessage(ConnId conn, const Message& message) override;
  void OnDisconnected(ConnId conn) override;
  void OnTimer(uint32_t what, uint64_t arg) override;
  void OnStep(uint32_t what, uint64_t arg) override;

  // Releases from the leader's waits.
  void EpochReady(Epoch epoch);
  void EpochAckQuorum();
  void NewLeaderQuorum();
  void LeaderRunning();

  // Queue sends a packet in FIFO order behind everything queued before.
  void Queue(QuorumPacket packet);
  void StartForwarding() { forwarding_ = true; }
  // Synced: the handler counts toward the leader's heartbeat quorum at `tick`.
  bool Synced(uint64_t tick) const;
  // Ping: every half tick, once the handler has started sending.
  void Ping(Zxid last_proposed, uint64_t half_ticks);
  // Fail ends the handler, counting `why`, the coverage mark of the way it ends.
  void Fail(Mark why, std::string reason);

 private:
  enum class Stage {
    kAwaitInfo,            // FOLLOWERINFO / OBSERVERINFO.
    kAwaitEpoch,           // getEpochToPropose.
    kAwaitAckEpoch,        // ACKEPOCH.
    kAwaitEpochQuorum,     // waitForEpochAck.
    kSyncing,              // Its own steps: syncFollower, the SNAP, NEWLEADER (not reading).
    kAwaitNewLeaderAck,    // The ACK of NEWLEADER.
    kAwaitNewLeaderQuorum, // waitForNewLeaderAck.
    kAwaitStartup,         // waitForStartup, then UPTODATE.
    kRunning,              // The main loop.
    kDead,
  };

  enum Wake : uint32_t {
    kReadTimeout,     // Timer: no packet from the learner within the read timeout (read_timer_).
    kWaitTimeout,     // Timer: a wait of the leader's (waiting_for_) took longer than initLimit.
    kSyncFollower,    // Step: syncFollower and startForwarding, under the leader's locks.
    kSendSnapshot,    // Step: read the SNAP zxid, serialize the tree onto the socket.
    kQueueNewLeader,  // Step: queue NEWLEADER and start the sender thread.
  };

  bool Blocked() const;
  void Read(const QuorumPacket& p);
  void ReadNext();  // Reads deferred packets while not blocked.
  void ArmReadTimer();
  void ArmWaitTimer(std::string_view what);
  void OnInfo(const QuorumPacket& p);
  void OnAckEpoch(const QuorumPacket& p);
  void SyncFollower();
  void SendSnapshot();
  void QueueNewLeader();
  void OnNewLeaderAck(const QuorumPacket& p);
  void OnRunningPacket(const QuorumPacket& p);
  void SendUpToDate();

  Leader& leader_;
  Core& core_;
  Owner owner_;
  ConnId conn_;
  PeerId sid_;
  bool observer_ = false;
  Stage stage_ = Stage::kAwaitInfo;
  std::deque<QuorumPacket> deferred_;
  Epoch epoch_;
  StateSummary summary_;
  bool sending_ = false;     // NEWLEADER was queued: later packets go out at once.
  bool forwarding_ = false;  // In forwardingFollowers / observingLearners.
  std::vector<QuorumPacket> queued_;  // Queued before the sender started.
  uint64_t tick_of_next_ack_deadline_ = 0;
  bool read_timeout_sync_limit_ = false;  // After the NEWLEADER ACK: syncLimit.
  TimerId read_timer_;
  TimerId wait_timer_;
  std::string_view waiting_for_;  // What wait_timer_ is the deadline of.
  // SyncLimitCheck: the oldest and newest un-acked proposals, with the half tick each
  // was sent at, in the leader's half ticks (a stand-in for ZooKeeper's nanoTime).
  std::optional<std::pair<Zxid, uint64_t>> oldest_unacked_;
  std::optional<std::pair<Zxid, uint64_t>> newest_unacked_;
  bool sync_limit_started_ = false;
};

class Leader final : public Role,
                     public Part,
                     public SyncProcessor::Next,
                     public CommitProcessor::Next {
 public:
  Leader(Core& core, Database& db, RoleHost& host);
  ~Leader() override;

  // Lead starts Leader.lead(): discovery, then synchronisation, then broadcast.
  void Lead();
  void OnAccepted(ConnId conn, PeerId from);

  void Submit(const Request& request) override;
  void EpochWritten(EpochFile file) override;
  void Shutdown() override;
  void OnTimer(uint32_t what, uint64_t arg) override;
  void OnDeferred(uint32_t what, uint64_t arg) override;
  // SyncProcessor::Next: the AckRequestProcessor, the leader's ACK of its own txn.
  void ProcessRequest(const TxnPtr& txn) override;
  // CommitProcessor::Next: ToBeAppliedRequestProcessor and FinalRequestProcessor.
  void ApplyCommitted(const TxnPtr& txn) override;
  // SyncProcessor::Next: the SyncThread died of a disk error (server state ERROR).
  void Failed() override;

  // --- Used by LearnerHandler. ---
  // The epoch to propose once a quorum has reported; nullopt: wait for EpochReady.
  std::optional<Epoch> GetEpochToPropose(PeerId sid, Epoch last_accepted, bool participant);
  enum class Wait { kReady, kWait, kSkip };
  // WaitForEpochAck: kSkip means the learner is ahead of the leader and must go.
  Wait WaitForEpochAck(PeerId sid, const StateSummary& ss, bool participant);
  // WaitForNewLeaderAck: kSkip means the ACK was not NEWLEADER's and was not counted.
  Wait WaitForNewLeaderAck(PeerId sid, Zxid zxid, bool participant);
  bool running() const { return running_; }
  // SyncLearner runs syncFollower for `h` and startForwarding; returns the plan.
  SyncPlan SyncLearner(LearnerHandler& h, Zxid peer_last);
  void ProcessAck(PeerId sid, Zxid zxid);
  void ProcessRequest(LearnerHandler& h, const Request& request);
  void HandlerFailed(LearnerHandler& h);

  // CheckStep asserts the leader's invariants after a step, and what must only grow
  // against the step before.
  void CheckStep();

  Epoch epoch() const { return Epoch{static_cast<uint32_t>(epoch_ < 0 ? 0 : epoch_)}; }
  uint64_t tick() const { return tick_; }
  uint64_t half_ticks() const { return half_ticks_; }
  Zxid last_proposed() const { return last_proposed_; }
  Zxid last_committed() const { return last_committed_; }
  size_t outstanding() const { return outstanding_.size(); }
  const std::deque<TxnPtr>& to_be_applied() const { return to_be_applied_; }
  const Config& config() const { return core_.config(); }
  Database& db() { return db_; }

 private:
  friend struct LeaderTestPeer;  // Tests of CheckStep set fields directly.
  struct Proposal {
    TxnPtr txn;
    std::set<uint32_t> acks;  // Voters that acked (SyncedLearnerTracker).
  };
  struct PendingSync {
    ConnId handler;
    std::shared_ptr<const Request> request;
  };

  enum Wake : uint32_t {
    kWaitTimeout,              // initLimit for the wait of the current stage (wait_timer_).
    kHeartbeat,                // Every half tick.
    kWakeEpochAckWaiters,      // Deferred: the handlers waiting in waitForEpochAck go on.
    kWakeNewLeaderAckWaiters,  // Deferred: the same for waitForNewLeaderAck.
    kReapHandler,              // Deferred: destroy a dead handler; arg: its connection.
  };

  bool IsQuorum(const std::set<uint32_t>& sids) const;
  void OnEpochReady();
  void OnEpochAckQuorum();
  void OnCurrentEpochWritten();
  void StartZkServer();
  void Heartbeat();
  void Propose(const Request& request);
  void TryToCommit(Zxid zxid);
  void Commit(Proposal proposal);
  // Fail ends the role, counting `why`, the coverage mark of the way it ends.
  void Fail(Mark why, std::string reason);
  LearnerHandler* Handler(ConnId conn);
  std::string SyncedSids() const;

  Core& core_;
  Database& db_;
  RoleHost& host_;
  Owner owner_;
  std::unique_ptr<SyncProcessor> sync_;
  std::unique_ptr<CommitProcessor> commit_processor_;
  PrepRequestProcessor prep_;
  std::map<uint64_t, std::unique_ptr<LearnerHandler>> handlers_;  // By connection id.
  bool accepting_ = false;
  bool failed_ = false;
  bool server_error_ = false;  // A critical thread died: the next tick ends the role.

  // Discovery.
  enum class Stage { kIdle, kWaitEpoch, kWaitEpochAck, kWritingCurrentEpoch, kWaitNewLeaderAck,
                     kRunning };
  Stage stage_ = Stage::kIdle;
  int64_t epoch_ = -1;
  bool waiting_for_new_epoch_ = true;
  bool epoch_ready_ = false;  // acceptedEpoch is durable: waiters may go on.
  std::set<uint32_t> connecting_;
  bool election_finished_ = false;
  std::set<uint32_t> electing_;
  bool quorum_formed_ = false;
  std::set<uint32_t> newleader_acks_;
  StateSummary leader_summary_;
  TimerId wait_timer_;

  // Broadcast.
  bool running_ = false;
  Zxid hzxid_;  // The last zxid handed out (ZooKeeperServer.hzxid).
  Zxid last_proposed_;
  Zxid last_committed_;
  std::map<Zxid, Proposal> outstanding_;
  // toBeApplied: committed, COMMIT sent, not yet applied by the CommitProcessor.
  std::deque<TxnPtr> to_be_applied_;
  std::map<Zxid, std::vector<PendingSync>> pending_syncs_;
  uint64_t tick_ = 0;
  uint64_t half_ticks_ = 0;
  bool tick_skip_ = true;

  struct Checked {
    int64_t epoch = -1;
    bool decided = false;
    Zxid last_proposed;
    Zxid last_committed;
    bool running = false;
  };
  Checked checked_;  // What CheckStep saw after the last step.
};

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_LEADER_H_

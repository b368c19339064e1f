// File: zab/peer.h
//
// One ZooKeeper server (QuorumPeer) as a deterministic state machine. Every input (a
// connection event, a message, a timer, an fsync completion, a role-restart signal) is
// one step; everything the peer does in response goes through its Outbox. After every
// step the peer checks its own invariants.
//
// The peer cycles through roles as QuorumPeer.run does: LOOKING runs Fast Leader
// Election; its outcome starts a Leader or a Learner (follower or observer); when the
// role ends the peer is LOOKING again, with a new election round. Memory (the data
// tree) survives role changes and is fast-forwarded from the log, as in ZooKeeper since
// ZOOKEEPER-2678; a crash is not a role change: the environment builds a new Peer from
// what the disk kept.
//
//   Peer peer(config, PeerId{2}, seed, &outbox);  // Reads its disk through the outbox.
//   peer.Start();
//   peer.OnMessage(conn, message);   // ... one input at a time

#ifndef ZABSIM_ZAB_PEER_H_
#define ZABSIM_ZAB_PEER_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "zab/client_service.h"
#include "zab/core.h"
#include "zab/database.h"
#include "zab/election.h"
#include "zab/leader.h"
#include "zab/learner.h"
#include "zab/role.h"

namespace zabsim::zab {

class Peer final : public ElectionHost, public RoleHost, public Part {
 public:
  // Peer reads its disk, as the Outbox's Files hold it at start-up.
  Peer(const Config& config, PeerId self, uint64_t seed, Outbox* out);
  ~Peer() override;
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  // Inputs.
  void Start();
  void OnConnected(ConnId conn);
  void OnAccepted(ConnId conn, PeerId from, Channel channel);
  void OnDisconnected(ConnId conn);
  void OnMessage(ConnId conn, const Message& message);
  void OnTimer(uint64_t tag);
  void OnSynced(SyncToken token);
  void OnSyncFailed(SyncToken token);
  void OnStep(uint64_t tag);
  // OnRoleRestart ends the current role without a crash (memory kept).
  void OnRoleRestart();

  // Views, for tests, checkers and traces.
  PeerId self() const { return core_.self(); }
  ServerState state() const override { return state_; }
  ZabPhase phase() const { return phase_; }
  PeerId leader() const { return leader_id_; }
  Epoch accepted_epoch() const override { return accepted_epoch_; }
  Epoch current_epoch() const override { return current_epoch_; }
  const Database& db() const { return db_; }
  bool serving() const { return clients_.serving(); }
  bool halted() const { return core_.halted(); }
  const Leader* leader_role() const { return leader_.get(); }
  const Learner* learner_role() const { return learner_.get(); }
  uint64_t election_round() const { return election_.logical_clock(); }
  const Election& election() const { return election_; }

  // ElectionHost.
  Zxid LastLoggedZxid() override;
  Epoch CurrentEpoch() const override { return current_epoch_; }
  Vote CurrentVote() const override { return current_vote_; }
  void ElectionDecided(const Vote& vote, ServerState state, std::string_view how) override;

  // RoleHost.
  void WriteEpoch(EpochFile file, Epoch epoch) override;
  void SetPhase(ZabPhase phase) override;
  void UpdateElectionVote(Epoch epoch) override { current_vote_.peer_epoch = epoch; }
  void StartServing() override;
  void OnApplied(const Txn& txn, const ApplyResult& result) override;
  void OnSyncDone() override { clients_.OnSyncDone(); }
  void EndRole(std::string reason) override;
  void KeepRunning(std::unique_ptr<SyncProcessor> pipeline) override;

  // Part.
  void OnTimer(uint32_t what, uint64_t arg) override;
  void OnSynced(uint32_t what, uint64_t arg) override;
  void OnSyncFailed(uint32_t what, uint64_t arg) override;
  void OnDeferred(uint32_t what, uint64_t arg) override;

 private:
  friend struct PeerTestPeer;  // Tests of CheckInvariants set fields directly.
  // What the peer itself waits for.
  enum Wake : uint32_t {
    kStartRole,          // Deferred: the role the election decided (starting_).
    kEndRole,            // Deferred: a role's end (stopping_), unless epoch writes are under way.
    kStopRole,           // Deferred: the end held back by epoch writes, now they are durable.
    kObserverLookAgain,  // Timer: an observer's pause before it looks again; arg: generation.
    kEpochDurable,       // Sync: an epoch write (epoch_writes_), arg: its id.
    kAutopurge,          // Timer: autopurge's next run.
  };
  struct RoleToStart {
    ServerState state;
    PeerId leader;
    uint64_t generation = 0;
  };
  struct RoleToStop {
    std::string reason;
    uint64_t generation = 0;
  };
  struct EpochWrite {
    EpochFile file;
    Epoch epoch;
    uint64_t generation = 0;  // The role that asked, told once durable if still running.
  };

  void StartRole(ServerState state, PeerId leader, uint64_t generation);
  void StopRole(std::string reason, uint64_t generation);
  void StartLooking();
  void AfterStep();
  // CheckInvariants asserts the peer's and its role's invariants, and that what must only
  // grow did not shrink since the last step (a delta check, as TigerBeetle's replicas do).
  void CheckInvariants();
  void EmitState();

  Core core_;
  Owner owner_;
  Database db_;
  Election election_;
  ClientService clients_;
  std::unique_ptr<Leader> leader_;
  std::unique_ptr<Learner> learner_;
  // Log pipelines of roles gone that still log what they had queued (ZOOKEEPER-4712).
  std::vector<std::unique_ptr<SyncProcessor>> orphans_;
  std::optional<std::string> startup_error_;
  struct Checked {
    Epoch accepted;
    Epoch current;
  };
  Checked checked_;  // What CheckInvariants saw after the last step.
  bool epochs_missing_[2] = {false, false};  // acceptedEpoch, currentEpoch.

  ServerState state_ = ServerState::kLooking;
  ZabPhase phase_ = ZabPhase::kElection;
  PeerId leader_id_;
  Epoch accepted_epoch_;
  Epoch current_epoch_;
  Vote current_vote_;
  uint64_t role_generation_ = 0;  // Bumped at each role change; stale callbacks check it.
  std::deque<RoleToStart> starting_;      // Decided; each starts once the input is handled.
  bool ending_ = false;                   // EndRole was called; the role is on its way out...
  std::optional<RoleToStop> stopping_;    // ...and stops once deferred, or once epochs are durable.
  // Epoch writes not yet durable, by id. ZooKeeper's QuorumPeer thread writes an epoch
  // file and fsyncs it before it goes on, so a role cannot end (nor the next begin) in
  // the middle: a role that ends meanwhile stops only once they are done
  // (`stop_after_writes_`). Otherwise the next role would choose an epoch from the old
  // value and write it after the newer one, and acceptedEpoch would go back.
  std::map<uint64_t, EpochWrite> epoch_writes_;
  uint64_t next_epoch_write_ = 1;
  bool stop_after_writes_ = false;
};

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_PEER_H_

// File: zab/role.h
//
// The contract between the peer and the role it currently plays. QuorumPeer runs one
// role at a time (Leader, Follower, Observer) and builds a new one each time it leaves
// LOOKING; the role asks the peer for what outlives it (the epochs on disk, the current
// vote, the client sessions) through RoleHost, and the peer asks the role to carry client
// writes and syncs through Role.

#ifndef ZABSIM_ZAB_ROLE_H_
#define ZABSIM_ZAB_ROLE_H_

#include <memory>
#include <string>

#include "zab/data_tree.h"
#include "zab/database.h"
#include "zab/sync_processor.h"
#include "zab/txn.h"
#include "zab/types.h"

namespace zabsim::zab {

// The two epoch files of QuorumPeer.
enum class EpochFile : uint8_t { kAccepted, kCurrent };

class RoleHost {
 public:
  virtual ~RoleHost() = default;

  virtual Epoch accepted_epoch() const = 0;
  virtual Epoch current_epoch() const = 0;
  // Epoch writes are atomic file writes with an fsync
  // (QuorumPeer.setAcceptedEpoch/setCurrentEpoch). Once durable, the in-memory value
  // changes and the role that asked is told (Role::EpochWritten), if it still runs.
  virtual void WriteEpoch(EpochFile file, Epoch epoch) = 0;
  // LastLoggedZxid: the in-memory last processed zxid, reloading memory if it was cleared.
  virtual Zxid LastLoggedZxid() = 0;

  virtual void SetPhase(ZabPhase phase) = 0;
  // UpdateElectionVote: after syncing, answer FLE with the new epoch (ZOOKEEPER-1732).
  virtual void UpdateElectionVote(Epoch epoch) = 0;
  // StartServing: the role's ZooKeeperServer is running; clients may be served.
  virtual void StartServing() = 0;
  // OnApplied: a txn was applied to the tree; answer the client that sent it, if ours.
  virtual void OnApplied(const Txn& txn, const ApplyResult& result) = 0;
  // OnSyncDone: a client sync forwarded by this server is answered (SYNC arrived).
  virtual void OnSyncDone() = 0;
  // KeepRunning takes a role's log pipeline that outlives it (ZOOKEEPER-4712).
  virtual void KeepRunning(std::unique_ptr<SyncProcessor> pipeline) = 0;
  // EndRole: the role is over (leader shutdown, learner lost its leader). The peer tears
  // it down once the current step returns, then goes back to LOOKING.
  virtual void EndRole(std::string reason) = 0;
};

class Role {
 public:
  virtual ~Role() = default;
  // Submit carries a client write or sync to the leader (a learner forwards it as
  // REQUEST; the leader proposes it).
  virtual void Submit(const Request& request) = 0;
  // EpochWritten: the epoch write this role asked for is durable.
  virtual void EpochWritten(EpochFile file) = 0;
  // Shutdown is the role's part of leaving: stop the sync pipeline and bring memory in
  // line with the log as ZooKeeperServer.shutdown does. Called once, before destruction.
  virtual void Shutdown() = 0;
};

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_ROLE_H_

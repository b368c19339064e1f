#include "zab/peer.h"

#include <tuple>

#include <fmt/format.h>

#include "zab/storage.h"

namespace zabsim::zab {

Peer::Peer(const Config& config, PeerId self, uint64_t seed, Outbox* out)
    : core_(config, self, out, seed),
      owner_(core_.NewOwner(this)),
      db_(core_),
      election_(core_, *this),
      clients_(core_, db_) {
  // QuorumPeer.loadDataBase: the database, then the epoch files with their checks.
  if (absl::Status s = db_.Load(); !s.ok()) {
    startup_error_ = fmt::format("cannot load the database: {}", std::string(s.message()));
    return;
  }
  auto epochs = LoadEpochs(core_.disk().files(), db_.last_processed());
  if (!epochs.ok()) {
    startup_error_ = std::string(epochs.status().message());
    return;
  }
  accepted_epoch_ = epochs->accepted;
  current_epoch_ = epochs->current;
  epochs_missing_[0] = epochs->wrote_accepted;
  epochs_missing_[1] = epochs->wrote_current;
  current_vote_ = Vote{self, db_.last_processed(), 0, current_epoch_, ServerState::kLooking, 0};
}

Peer::~Peer() {
  core_.Detach();
  leader_.reset();
  learner_.reset();
  orphans_.clear();
  core_.Drop(owner_);
}

void Peer::Start() {
  if (startup_error_.has_value()) {
    // ZooKeeper refuses to start (e.g. "current epoch is older than the last zxid").
    core_.Cover(Mark::kExitStartupRefused);
    core_.Exit(*startup_error_);
    return;
  }
  // A missing epoch file defaults to the epoch of the last zxid and is written now.
  // (A failure to write one is an IOException of QuorumPeer.loadDataBase: no start.)
  for (const auto& [missing, file, epoch] :
       {std::tuple{epochs_missing_[0], kAcceptedEpochFile, accepted_epoch_},
        std::tuple{epochs_missing_[1], kCurrentEpochFile, current_epoch_}}) {
    if (!missing) continue;
    if (!core_.disk().Replace(file, {EncodeEpoch(epoch)})) {
      core_.Cover(Mark::kExitStartupRefused);
      core_.Exit(fmt::format("unable to run quorum server: cannot write {}", file));
      return;
    }
    core_.disk().Sync(file);
  }
  // Finish a removal of log segments that a crash interrupted (ZOOKEEPER-2846, see
  // Database::DropUnvouchedLog); the constructor loaded the database but may not write.
  db_.RepairLog();
  core_.Emit(TreeLoaded{db_.last_processed(), "disk", db_.tree().digest(), db_.tree().last_applied_txn()});
  // The quorum port listens only while this server leads (Leader's learner acceptor).
  core_.out().Listen(Channel::kQuorum, false);
  // DatadirCleanupManager: autopurge runs at start, then every interval.
  if (core_.config().autopurge_interval_ms > 0) core_.SetTimer(owner_, 0, kAutopurge);
  StartLooking();
  AfterStep();
}

void Peer::AfterStep() {
  core_.RunDeferred();
  if (!core_.halted()) CheckInvariants();
}

void Peer::CheckInvariants() {
  ZABSIM_CHECK(accepted_epoch_ >= current_epoch_, "peer {}: acceptedEpoch {} < currentEpoch {}",
               self().value, accepted_epoch_.value, current_epoch_.value);
  // The delta from the step before: the epochs a server has promised never go back.
  ZABSIM_CHECK(accepted_epoch_ >= checked_.accepted && current_epoch_ >= checked_.current,
               "peer {}: epochs went back from accepted {} current {} to {} {}", self().value,
               checked_.accepted.value, checked_.current.value, accepted_epoch_.value,
               current_epoch_.value);
  checked_.accepted = accepted_epoch_;
  checked_.current = current_epoch_;
  if (leader_ != nullptr) leader_->CheckStep();
  if (learner_ != nullptr) learner_->CheckStep();
  ZABSIM_CHECK((state_ == ServerState::kLeading) == (leader_ != nullptr),
               "peer {}: state and leader role disagree", self().value);
  ZABSIM_CHECK(!(leader_ != nullptr && learner_ != nullptr), "peer {}: two roles", self().value);
  ZABSIM_CHECK(state_ != ServerState::kLooking || phase_ == ZabPhase::kElection,
               "peer {}: looking in phase {}", self().value, ToString(phase_));
}

void Peer::EmitState() {
  core_.Emit(StateChanged{state_, phase_, accepted_epoch_, current_epoch_, leader_id_});
}

Zxid Peer::LastLoggedZxid() {
  if (!db_.initialized()) {
    // After a full shutdown cleared memory, the next use reloads it from disk.
    if (absl::Status s = db_.Load(/*new_log_file=*/false); !s.ok()) {
      core_.Cover(Mark::kExitReloadFailed);
      core_.Exit(fmt::format("cannot reload the database: {}", std::string(s.message())));
    } else {
      db_.RepairLog();  // See Database::DropUnvouchedLog (ZOOKEEPER-2846).
    }
    core_.Emit(TreeLoaded{db_.last_processed(), "disk", db_.tree().digest(), db_.tree().last_applied_txn()});
  }
  return db_.last_processed();
}

// ---------------------------------------------------------------------------------------
// Inputs.

void Peer::OnConnected(ConnId conn) {
  if (core_.halted()) return;
  if (ConnHandler* h = core_.HandlerOf(conn)) h->OnConnected(conn);
  AfterStep();
}

void Peer::OnAccepted(ConnId conn, PeerId from, Channel channel) {
  if (core_.halted()) return;
  switch (channel) {
    case Channel::kElection:
      election_.OnAccepted(conn, from);
      break;
    case Channel::kQuorum:
      if (leader_ != nullptr) {
        leader_->OnAccepted(conn, from);
      } else {
        core_.out().Close(conn);  // Not leading: nobody listens on the quorum port.
      }
      break;
    case Channel::kClient:
      clients_.OnAccepted(conn);
      break;
  }
  AfterStep();
}

void Peer::OnDisconnected(ConnId conn) {
  if (core_.halted()) return;
  if (ConnHandler* h = core_.HandlerOf(conn)) {
    h->OnDisconnected(conn);
    core_.Forget(conn);
  }
  AfterStep();
}

void Peer::OnMessage(ConnId conn, const Message& message) {
  if (core_.halted()) return;
  if (ConnHandler* h = core_.HandlerOf(conn)) h->OnMessage(conn, message);
  AfterStep();
}

void Peer::OnTimer(uint64_t tag) {
  if (core_.halted()) return;
  core_.FireTimer(tag);
  AfterStep();
}

void Peer::OnSynced(SyncToken token) {
  if (core_.halted()) return;
  db_.LogSynced(token);
  core_.CompleteSync(token);
  AfterStep();
}

void Peer::OnSyncFailed(SyncToken token) {
  if (core_.halted()) return;
  db_.LogSyncFailed(token);
  core_.FailSync(token);
  AfterStep();
}

void Peer::OnStep(uint64_t tag) {
  if (core_.halted()) return;
  core_.RunStep(tag);
  AfterStep();
}

void Peer::OnRoleRestart() {
  if (core_.halted()) return;
  if (state_ == ServerState::kLooking) {
    core_.Emit(Ignored{"SIGNAL", "role restart while looking", PeerId{}, Zxid{}});
  } else {
    if (!ending_) core_.Cover(Mark::kRoleEndRestart);
    EndRole("role restart");
  }
  AfterStep();
}

// ---------------------------------------------------------------------------------------
// Roles.

void Peer::StartLooking() {
  state_ = ServerState::kLooking;
  phase_ = ZabPhase::kElection;
  leader_id_ = PeerId{};
  EmitState();
  election_.LookForLeader();
}

void Peer::ElectionDecided(const Vote& vote, ServerState state, std::string_view) {
  current_vote_ = vote;
  current_vote_.state = state;
  starting_.push_back(RoleToStart{state, vote.leader, ++role_generation_});
  core_.Defer(owner_, kStartRole);
}

void Peer::StartRole(ServerState state, PeerId leader, uint64_t generation) {
  if (generation != role_generation_) return;
  state_ = state;
  leader_id_ = leader;
  ending_ = false;
  core_.Cover(state == ServerState::kLeading     ? Mark::kRoleLeaderStart
              : state == ServerState::kFollowing ? Mark::kRoleFollowerStart
                                                 : Mark::kRoleObserverStart);
  if (state == ServerState::kLeading) {
    leader_ = std::make_unique<Leader>(core_, db_, *this);
    EmitState();
    leader_->Lead();
    return;
  }
  learner_ = std::make_unique<Learner>(core_, db_, *this, leader);
  EmitState();
  learner_->Start();
}

void Peer::EndRole(std::string reason) {
  if (ending_) return;
  ending_ = true;
  stopping_ = RoleToStop{std::move(reason), role_generation_};
  core_.Defer(owner_, kEndRole);
}

void Peer::OnDeferred(uint32_t what, uint64_t) {
  switch (what) {
    case kStartRole: {
      const RoleToStart r = starting_.front();
      starting_.pop_front();
      StartRole(r.state, r.leader, r.generation);
      return;
    }
    case kEndRole:
      if (!epoch_writes_.empty()) {
        core_.Cover(Mark::kRoleEndAfterEpochWrite);
        stop_after_writes_ = true;  // Once they are durable (OnSynced).
        return;
      }
      [[fallthrough]];
    case kStopRole: {
      RoleToStop r = std::move(*stopping_);
      stopping_.reset();
      StopRole(std::move(r.reason), r.generation);
      return;
    }
    default:
      Part::OnDeferred(what, 0);
  }
}

void Peer::OnTimer(uint32_t what, uint64_t arg) {
  switch (what) {
    case kObserverLookAgain:
      if (arg == role_generation_ && state_ == ServerState::kLooking) election_.LookForLeader();
      return;
    case kAutopurge:
      // PurgeTxnLog.purge on the PurgeTask thread, alongside whatever the server does.
      if (db_.initialized()) db_.PurgeOldFiles(core_.config().snap_retain_count);
      core_.SetTimer(owner_, core_.config().autopurge_interval_ms, kAutopurge);
      return;
    default:
      Part::OnTimer(what, arg);
  }
}

void Peer::StopRole(std::string reason, uint64_t generation) {
  if (generation != role_generation_ || (leader_ == nullptr && learner_ == nullptr)) return;
  ++role_generation_;
  core_.Emit(RoleEnded{state_, reason});
  clients_.Stop();
  Role* role = leader_ != nullptr ? static_cast<Role*>(leader_.get()) : learner_.get();
  role->Shutdown();
  leader_.reset();
  learner_.reset();
  ending_ = false;
  if (state_ == ServerState::kObserving) {
    // An observer waits a random while before looking again.
    state_ = ServerState::kLooking;
    phase_ = ZabPhase::kElection;
    leader_id_ = PeerId{};
    EmitState();
    core_.SetTimer(owner_,
                   static_cast<int64_t>(core_.Random(
                       static_cast<uint64_t>(core_.config().observer_election_delay_ms) + 1)),
                   kObserverLookAgain, role_generation_);
    return;
  }
  StartLooking();
}

void Peer::KeepRunning(std::unique_ptr<SyncProcessor> pipeline) {
  std::erase_if(orphans_, [](const auto& p) { return p->idle(); });
  if (!pipeline->idle()) orphans_.push_back(std::move(pipeline));
}

void Peer::SetPhase(ZabPhase phase) {
  phase_ = phase;
  EmitState();
}

void Peer::StartServing() {
  if (leader_ != nullptr) {
    clients_.Serve(leader_.get(), /*leader=*/true);
  } else if (learner_ != nullptr) {
    clients_.Serve(learner_.get(), /*leader=*/false);
  }
}

void Peer::OnApplied(const Txn& txn, const ApplyResult& result) {
  core_.Emit(Applied{txn.zxid, txn.session, txn.cxid, txn.op.type, result.code,
                     db_.tree().digest()});
  clients_.OnApplied(txn, result);
}

// ---------------------------------------------------------------------------------------
// Epoch files (QuorumPeer.setAcceptedEpoch / setCurrentEpoch): an atomic write and an
// fsync, then the in-memory copy.

void Peer::WriteEpoch(EpochFile file, Epoch epoch) {
  const std::string_view name = file == EpochFile::kAccepted ? kAcceptedEpochFile : kCurrentEpochFile;
  if (!core_.disk().Replace(name, {EncodeEpoch(epoch)})) {
    // writeLongToFile throws; the in-memory epoch stays; the role that asked ends.
    core_.Cover(Mark::kDiskEpochWriteFailed);
    if (!ending_) core_.Cover(Mark::kRoleEndEpochWriteFailed);
    core_.Emit(DiskFailed{name, "write"});
    EndRole(fmt::format("IOException writing {}", name));
    return;
  }
  core_.Emit(EpochWritten{name, epoch, false});
  const uint64_t id = next_epoch_write_++;
  epoch_writes_.emplace(id, EpochWrite{file, epoch, role_generation_});
  core_.Sync(owner_, name, kEpochDurable, id);
}

void Peer::OnSyncFailed(uint32_t what, uint64_t arg) {
  ZABSIM_CHECK(what == kEpochDurable, "peer sync {}", what);
  auto it = epoch_writes_.find(arg);
  ZABSIM_CHECK(it != epoch_writes_.end(), "unknown epoch write {}", arg);
  const EpochWrite w = it->second;
  epoch_writes_.erase(it);
  const std::string_view name = w.file == EpochFile::kAccepted ? kAcceptedEpochFile : kCurrentEpochFile;
  core_.Cover(Mark::kDiskEpochFsyncFailed);
  core_.Emit(DiskFailed{name, "fsync"});
  // The atomic write's fsync failed: the file was not renamed into place, the epoch in
  // memory stays, and the QuorumPeer thread's IOException ends the role.
  if (stop_after_writes_) {
    if (!epoch_writes_.empty()) return;
    stop_after_writes_ = false;
    core_.Defer(owner_, kStopRole);
    return;
  }
  if (w.generation == role_generation_) {
    if (!ending_) core_.Cover(Mark::kRoleEndEpochWriteFailed);
    EndRole(fmt::format("IOException writing {}", name));
  }
}

void Peer::OnSynced(uint32_t what, uint64_t arg) {
  ZABSIM_CHECK(what == kEpochDurable, "peer sync {}", what);
  auto it = epoch_writes_.find(arg);
  ZABSIM_CHECK(it != epoch_writes_.end(), "unknown epoch write {}", arg);
  const EpochWrite w = it->second;
  epoch_writes_.erase(it);
  const bool accepted = w.file == EpochFile::kAccepted;
  if (w.generation == role_generation_ && !stop_after_writes_) {
    const bool leading = state_ == ServerState::kLeading;
    core_.Cover(accepted ? (leading ? Mark::kDiscoveryLeaderAcceptedEpochWritten
                                    : Mark::kDiscoveryLearnerAcceptedEpochWritten)
                         : (leading ? Mark::kDiscoveryLeaderCurrentEpochWritten
                                    : Mark::kNewLeaderLearnerCurrentEpochWritten));
  }
  (accepted ? accepted_epoch_ : current_epoch_) = w.epoch;
  core_.Emit(EpochWritten{accepted ? kAcceptedEpochFile : kCurrentEpochFile, w.epoch, true});
  EmitState();
  if (stop_after_writes_) {
    // The role ended while the write was under way: it stops now, without going on.
    if (!epoch_writes_.empty()) return;
    stop_after_writes_ = false;
    core_.Defer(owner_, kStopRole);
    return;
  }
  if (w.generation != role_generation_) return;
  Role* role = leader_ != nullptr ? static_cast<Role*>(leader_.get()) : learner_.get();
  if (role != nullptr) role->EpochWritten(w.file);
}

}  // namespace zabsim::zab

// Leader: discovery waits, the start of an epoch, broadcast and heartbeats (Leader.java).

#include "zab/leader.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace zabsim::zab {

Leader::Leader(Core& core, Database& db, RoleHost& host)
    : core_(core), db_(db), host_(host), owner_(core.NewOwner(this)), prep_(db.tree()) {
  // The leader logs its own proposals and acks them once durable (AckRequestProcessor).
  sync_ = std::make_unique<SyncProcessor>(core_, db_, this);
  commit_processor_ = std::make_unique<CommitProcessor>(core_, this);
}

void Leader::CheckStep() {
  const PeerId me = core_.self();
  ZABSIM_CHECK(last_committed_ <= last_proposed_ || !running_, "leader {}: committed {} > proposed {}",
               me.value, ToString(last_committed_), ToString(last_proposed_));
  for (const auto& [zxid, p] : outstanding_) {
    ZABSIM_CHECK(zxid > last_committed_ && zxid <= last_proposed_ && zxid.epoch() == epoch(),
                 "leader {}: outstanding {} outside ({}, {}] of epoch {}", me.value, ToString(zxid),
                 ToString(last_committed_), ToString(last_proposed_), epoch().value);
  }
  Zxid previous = db_.last_processed();
  const auto& queued = commit_processor_->committed_requests();
  ZABSIM_CHECK(failed_ || queued.size() == to_be_applied_.size(),
               "leader {}: {} txns to apply but {} in toBeApplied", me.value, queued.size(),
               to_be_applied_.size());
  for (size_t i = 0; i < to_be_applied_.size(); ++i) {
    const Zxid z = to_be_applied_[i]->zxid;
    ZABSIM_CHECK(z > previous && z <= last_committed_, "leader {}: toBeApplied {} after {}, committed {}",
                 me.value, ToString(z), ToString(previous), ToString(last_committed_));
    ZABSIM_CHECK(failed_ || queued[i]->zxid == z, "leader {}: toBeApplied and the CommitProcessor disagree",
                 me.value);
    previous = z;
  }
  // The delta: the epoch, once decided, stays; proposals and commits only move forward.
  ZABSIM_CHECK(!checked_.decided || epoch_ == checked_.epoch, "leader {}: epoch {} became {}",
               me.value, checked_.epoch, epoch_);
  ZABSIM_CHECK(last_proposed_ >= checked_.last_proposed && last_committed_ >= checked_.last_committed,
               "leader {}: proposed {} committed {} went back to {} {}", me.value,
               ToString(checked_.last_proposed), ToString(checked_.last_committed),
               ToString(last_proposed_), ToString(last_committed_));
  ZABSIM_CHECK(running_ || !checked_.running, "leader {}: stopped running", me.value);
  checked_ = Checked{epoch_, !waiting_for_new_epoch_, last_proposed_, last_committed_, running_};
}

void Leader::ProcessRequest(const TxnPtr& txn) { ProcessAck(core_.self(), txn->zxid); }

void Leader::Failed() {
  server_error_ = true;
  // ZooKeeper notices at the next tick; the fix stops at once.
  if (core_.config().bugs.error_keeps_serving) {
    core_.Cover(Mark::kBugErrorKeepsServing);
    return;
  }
  Fail(Mark::kRoleLeaderEndError, "Unexpected internal error");
}

void Leader::ApplyCommitted(const TxnPtr& txn) {
  // FinalRequestProcessor, then ToBeAppliedRequestProcessor takes it off toBeApplied.
  const ApplyResult result = db_.ApplyCommitted(txn);
  prep_.Applied(txn->zxid);
  host_.OnApplied(*txn, result);
  if (!to_be_applied_.empty() && to_be_applied_.front()->zxid == txn->zxid) {
    to_be_applied_.pop_front();
  } else {
    core_.Emit(Ignored{"APPLY", "committed request not found on toBeApplied", PeerId{}, txn->zxid});
  }
}

void Leader::OnTimer(uint32_t what, uint64_t arg) {
  switch (what) {
    case kWaitTimeout:
      wait_timer_ = TimerId{};
      switch (stage_) {
        case Stage::kWaitEpoch:
          Fail(Mark::kRoleLeaderEndEpochTimeout, "timeout while waiting for the epoch from a quorum");
          return;
        case Stage::kWaitEpochAck:
          Fail(Mark::kRoleLeaderEndEpochAckTimeout, "timeout while waiting for a quorum of epoch acks");
          return;
        case Stage::kWaitNewLeaderAck:
          Fail(Mark::kRoleLeaderEndNewLeaderAckTimeout,
               fmt::format("waiting for a quorum of followers, only synced with sids: [{}]",
                           SyncedSids()));
          return;
        default:
          ZABSIM_CHECK(false, "leader wait timer in stage {}", static_cast<int>(stage_));
      }
      return;
    case kHeartbeat:
      Heartbeat();
      return;
    default:
      Part::OnTimer(what, arg);
  }
}

void Leader::OnDeferred(uint32_t what, uint64_t arg) {
  switch (what) {
    case kWakeEpochAckWaiters:
      // notifyAll in waitForEpochAck, once the caller has gone on.
      if (failed_) return;
      OnEpochAckQuorum();
      for (auto& [conn, h] : handlers_) h->EpochAckQuorum();
      return;
    case kWakeNewLeaderAckWaiters:
      if (failed_) return;
      if (stage_ == Stage::kWaitNewLeaderAck) StartZkServer();
      for (auto& [conn, h] : handlers_) h->NewLeaderQuorum();
      return;
    case kReapHandler: {
      auto it = handlers_.find(arg);
      if (it != handlers_.end() && it->second->dead()) handlers_.erase(it);
      return;
    }
    default:
      Part::OnDeferred(what, arg);
  }
}

void Leader::EpochWritten(EpochFile file) {
  if (file == EpochFile::kAccepted) {
    epoch_ready_ = true;
    OnEpochReady();
    for (auto& [conn, h] : handlers_) h->EpochReady(epoch());
    return;
  }
  OnCurrentEpochWritten();
}

Leader::~Leader() {
  handlers_.clear();
  commit_processor_.reset();
  sync_.reset();
  core_.Drop(owner_);
}

bool Leader::IsQuorum(const std::set<uint32_t>& sids) const {
  const bool quorum = core_.config().IsQuorum(sids);
  if (quorum && core_.config().IsQuorumOnlyByHalf(sids)) core_.Cover(Mark::kBugMajorityIsHalf);
  return quorum;
}

void Leader::Fail(Mark why, std::string reason) {
  if (failed_) return;
  failed_ = true;
  core_.Cover(why);
  host_.EndRole(std::move(reason));
}

LearnerHandler* Leader::Handler(ConnId conn) {
  auto it = handlers_.find(conn.value);
  return it == handlers_.end() || it->second->dead() ? nullptr : it->second.get();
}

// ---------------------------------------------------------------------------------------
// Leader.lead(): discovery.

void Leader::Lead() {
  host_.SetPhase(ZabPhase::kDiscovery);
  tick_ = 0;
  // zk.loadData(): memory is reused (it was loaded or fast-forwarded already), and a
  // snapshot is taken at every start of leadership.
  db_.TakeSnapshot(/*fsync=*/false);
  leader_summary_ = StateSummary{static_cast<int64_t>(host_.current_epoch().value),
                                 db_.last_processed()};
  accepting_ = true;
  core_.out().Listen(Channel::kQuorum, true);
  stage_ = Stage::kWaitEpoch;
  const std::optional<Epoch> epoch =
      GetEpochToPropose(core_.self(), host_.accepted_epoch(), /*participant=*/true);
  if (epoch.has_value()) {
    OnEpochReady();
  } else {
    wait_timer_ = core_.SetTimer(owner_, core_.config().init_limit_ms(), kWaitTimeout);
  }
}

std::optional<Epoch> Leader::GetEpochToPropose(PeerId sid, Epoch last_accepted,
                                               bool participant) {
  if (!waiting_for_new_epoch_) {
    // Decided. Late callers get it at once, once acceptedEpoch is on disk.
    if (epoch_ready_) return epoch();
    return std::nullopt;
  }
  // Every acceptedEpoch reported before the quorum forms raises the epoch, observers'
  // too; only participants count toward the quorum.
  if (static_cast<int64_t>(last_accepted.value) >= epoch_) {
    if (core_.config().bugs.reuse_epoch) core_.Cover(Mark::kBugReuseEpoch);
    epoch_ = core_.config().bugs.reuse_epoch ? last_accepted.value
                                             : static_cast<int64_t>(last_accepted.value) + 1;
  }
  if (participant) connecting_.insert(sid.value);
  if (connecting_.contains(core_.self().value) && IsQuorum(connecting_)) {
    waiting_for_new_epoch_ = false;
    core_.Cover(Mark::kDiscoveryEpochProposed);
    core_.Emit(EpochProposed{epoch(), db_.last_processed(), HistoryZxids(db_)});
    host_.WriteEpoch(EpochFile::kAccepted, epoch());  // Then EpochWritten.
  }
  return std::nullopt;
}

void Leader::OnEpochReady() {
  if (stage_ != Stage::kWaitEpoch) return;
  core_.CancelTimer(wait_timer_);
  last_proposed_ = Zxid::Make(epoch(), 0);
  hzxid_ = Zxid::Make(epoch(), core_.config().initial_counter);
  stage_ = Stage::kWaitEpochAck;
  if (WaitForEpochAck(core_.self(), leader_summary_, true) == Wait::kReady) {
    OnEpochAckQuorum();
  } else {
    wait_timer_ = core_.SetTimer(owner_, core_.config().init_limit_ms(), kWaitTimeout);
  }
}

Leader::Wait Leader::WaitForEpochAck(PeerId sid, const StateSummary& ss, bool participant) {
  if (election_finished_) return Wait::kReady;
  if (ss.current_epoch != -1) {
    // ZooKeeper relies on FLE to elect the most up-to-date server; one that is more
    // recent than the leader is not synced from it.
    if (ss.IsMoreRecentThan(leader_summary_)) return Wait::kSkip;
    if (participant) electing_.insert(sid.value);
  }
  if (electing_.contains(core_.self().value) && IsQuorum(electing_)) {
    election_finished_ = true;
    // Wake the other waiters once the caller has gone on (notifyAll).
    core_.Defer(owner_, kWakeEpochAckWaiters);
    return Wait::kReady;
  }
  return Wait::kWait;
}

void Leader::OnEpochAckQuorum() {
  if (stage_ != Stage::kWaitEpochAck) return;
  core_.CancelTimer(wait_timer_);
  stage_ = Stage::kWritingCurrentEpoch;
  host_.WriteEpoch(EpochFile::kCurrent, epoch());  // Then EpochWritten.
}

void Leader::OnCurrentEpochWritten() {
  if (stage_ != Stage::kWritingCurrentEpoch) return;
  host_.SetPhase(ZabPhase::kSynchronization);
  stage_ = Stage::kWaitNewLeaderAck;
  if (WaitForNewLeaderAck(core_.self(), Zxid::Make(epoch(), 0), true) == Wait::kReady) {
    StartZkServer();
    return;
  }
  wait_timer_ = core_.SetTimer(owner_, core_.config().init_limit_ms(), kWaitTimeout);
}

std::string Leader::SyncedSids() const { return fmt::format("{}", fmt::join(newleader_acks_, ",")); }

Leader::Wait Leader::WaitForNewLeaderAck(PeerId sid, Zxid zxid, bool participant) {
  if (quorum_formed_) return Wait::kReady;
  if (zxid != Zxid::Make(epoch(), 0)) return Wait::kSkip;
  if (participant) newleader_acks_.insert(sid.value);
  if (IsQuorum(newleader_acks_)) {
    quorum_formed_ = true;
    core_.Defer(owner_, kWakeNewLeaderAckWaiters);
    return Wait::kReady;
  }
  return Wait::kWait;
}

void Leader::StartZkServer() {
  if (running_) return;
  core_.CancelTimer(wait_timer_);
  stage_ = Stage::kRunning;
  last_committed_ = Zxid::Make(epoch(), 0);
  running_ = true;
  host_.UpdateElectionVote(epoch());
  // Leader.startZkServer also resets the tree's last processed zxid to (e, 0).
  db_.tree().set_last_processed_zxid(Zxid::Make(epoch(), 0));
  core_.Emit(TreeRelabeled{Zxid::Make(epoch(), 0), db_.tree().last_applied_txn(), db_.tree().digest()});
  host_.StartServing();
  host_.SetPhase(ZabPhase::kBroadcast);
  core_.Cover(Mark::kNewLeaderLeaderEstablished);
  core_.Emit(LeaderEstablished{epoch()});
  for (auto& [conn, h] : handlers_) h->LeaderRunning();
  tick_skip_ = true;
  core_.SetTimer(owner_, core_.config().tick_ms / 2, kHeartbeat);
}

// ---------------------------------------------------------------------------------------
// Learners.

void Leader::OnAccepted(ConnId conn, PeerId from) {
  if (!accepting_ || failed_ || !(core_.config().IsVoter(from) || core_.config().IsObserver(from))) {
    core_.out().Close(conn);
    return;
  }
  handlers_[conn.value] = std::make_unique<LearnerHandler>(*this, core_, conn, from);
}

void Leader::HandlerFailed(LearnerHandler& h) {
  // Destroy it once the current step is over: it may be on the stack.
  core_.Defer(owner_, kReapHandler, h.conn().value);
}

SyncPlan Leader::SyncLearner(LearnerHandler& h, Zxid peer_last) {
  // ZKDatabase.calculateTxnLogSizeLimit: a share of the newest snapshot's size.
  TxnLogReader txn_log;
  if (core_.config().txn_log_sync != 0) {
    txn_log = [this](Zxid from) {
      const uint64_t limit =
          db_.NewestSnapshotBytes() * core_.config().snapshot_size_factor_permille / 1000;
      return db_.ProposalsFromTxnLog(from, limit);
    };
  }
  // syncFollower reads the committed log and the last processed zxid: what has been
  // applied, not what has been committed. A learner holding a txn committed but still in
  // toBeApplied is "ahead of the committed log" and TRUNCated below it, then gets it
  // again from startForwarding (trunc-to-applied, zabsim's finding). The fix chooses as
  // if toBeApplied were applied.
  SyncPlan plan;
  if (core_.config().bugs.trunc_to_applied && !to_be_applied_.empty()) {
    core_.Cover(Mark::kBugTruncToApplied);
  }
  if (core_.config().bugs.trunc_to_applied || to_be_applied_.empty()) {
    plan = ChooseSync(peer_last, db_.committed_log(), db_.last_processed(), txn_log,
                      core_.config().bugs);
  } else {
    std::deque<TxnPtr> committed = db_.committed_log();
    for (const TxnPtr& t : to_be_applied_) committed.push_back(t);
    plan = ChooseSync(peer_last, committed, to_be_applied_.back()->zxid, txn_log, core_.config().bugs);
    // A SNAP holds the tree as applied: toBeApplied goes after it, from startForwarding.
    if (plan.mode == SyncMode::kSnap) plan.forward_from = std::min(plan.forward_from, db_.last_processed());
  }
  for (const Mark m : plan.marks) core_.Cover(m);
  core_.Emit(SyncChosen{h.sid(), plan.mode, peer_last,
                        plan.mode == SyncMode::kSnap ? db_.last_processed() : plan.packet_zxid,
                        static_cast<uint32_t>(plan.txns.size()), plan.why});
  if (plan.mode != SyncMode::kSnap) {
    QuorumPacket op;
    op.type = plan.mode == SyncMode::kDiff ? PacketType::kDiff : PacketType::kTrunc;
    op.zxid = plan.packet_zxid;
    h.Queue(op);
    for (const TxnPtr& t : plan.txns) {
      QuorumPacket proposal;
      proposal.type = PacketType::kProposal;
      proposal.zxid = t->zxid;
      proposal.txn = t;
      h.Queue(proposal);
      QuorumPacket commit;
      commit.type = PacketType::kCommit;
      commit.zxid = t->zxid;
      h.Queue(commit);
    }
  }
  // startForwarding: above where the sync stops, the txns committed but not yet applied
  // (toBeApplied) as PROPOSAL+COMMIT, then the outstanding proposals as PROPOSAL
  // (participants only).
  if (last_proposed_ > plan.forward_from) {
    for (const TxnPtr& t : to_be_applied_) {
      if (t->zxid <= plan.forward_from) continue;
      core_.Cover(Mark::kSyncForwardToBeApplied);
      QuorumPacket proposal;
      proposal.type = PacketType::kProposal;
      proposal.zxid = t->zxid;
      proposal.txn = t;
      h.Queue(proposal);
      QuorumPacket commit;
      commit.type = PacketType::kCommit;
      commit.zxid = t->zxid;
      h.Queue(commit);
    }
    if (!h.observer()) {
      for (auto& [zxid, p] : outstanding_) {
        if (zxid <= plan.forward_from) continue;
        // The learner gets these again and ACKs them once logged again; an ACK it sent
        // before this sync (a TRUNC may have cut the txn since) is stale. ZooKeeper keeps
        // it in the ack set (stale-ack-counts, zabsim's finding); the fix drops it.
        if (!core_.config().bugs.stale_ack_counts) {
          p.acks.erase(h.sid().value);
        } else if (p.acks.contains(h.sid().value)) {
          core_.Cover(Mark::kBugStaleAckCounts);
        }
        core_.Cover(Mark::kSyncForwardOutstanding);
        QuorumPacket proposal;
        proposal.type = PacketType::kProposal;
        proposal.zxid = zxid;
        proposal.txn = p.txn;
        h.Queue(proposal);
      }
    }
  }
  h.StartForwarding();
  return plan;
}

// ---------------------------------------------------------------------------------------
// Broadcast.

void Leader::Submit(const Request& request) {
  if (!running_ || failed_) return;
  if (request.op.type == OpType::kSync) return;  // Served locally at the leader.
  Propose(request);
}

void Leader::ProcessRequest(LearnerHandler& h, const Request& request) {
  if (!running_ || failed_) return;
  if (request.op.type != OpType::kSync) {
    Propose(request);
    return;
  }
  // Leader.processSync: answer now if nothing is outstanding, else once the last
  // proposal commits.
  auto r = std::make_shared<const Request>(request);
  if (outstanding_.empty()) {
    QuorumPacket sync;
    sync.type = PacketType::kSync;
    sync.request = r;
    h.Queue(sync);
  } else {
    core_.Cover(Mark::kBroadcastSyncDeferred);
    pending_syncs_[last_proposed_].push_back(PendingSync{h.conn(), r});
  }
}

void Leader::Propose(const Request& request) {
  const Zxid zxid{hzxid_.value + 1};
  if (zxid.counter() == 0xffffffffu) {
    // ZOOKEEPER-1277: never let the counter wrap; force a new epoch instead.
    Fail(Mark::kRoleLeaderEndZxidRollover, "zxid lower 32 bits have rolled over, forcing re-election");
    return;
  }
  hzxid_ = zxid;
  auto txn = std::make_shared<const Txn>(prep_.Prepare(request, zxid));
  last_proposed_ = zxid;
  outstanding_[zxid] = Proposal{txn, {}};
  core_.Emit(Proposed{zxid, request.session, request.cxid, request.op.type});
  QuorumPacket proposal;
  proposal.type = PacketType::kProposal;
  proposal.zxid = zxid;
  proposal.txn = txn;
  for (auto& [conn, h] : handlers_) {
    if (!h->dead() && h->forwarding() && !h->observer()) h->Queue(proposal);
  }
  sync_->Submit(txn);
}

void Leader::ProcessAck(PeerId sid, Zxid zxid) {
  if (failed_) return;
  if (zxid.IsEpochStart()) return;  // The ACKs of NEWLEADER and UPTODATE.
  if (outstanding_.empty()) return;
  if (last_committed_ >= zxid) return;  // Already committed: a late ACK.
  auto it = outstanding_.find(zxid);
  if (it == outstanding_.end()) {
    core_.Emit(Unexpected{"ack-consistent", "ACK", sid, zxid, Zxid{},
                          "no outstanding proposal with this zxid"});
    return;
  }
  if (core_.config().IsVoter(sid)) it->second.acks.insert(sid.value);
  TryToCommit(zxid);
}

void Leader::TryToCommit(Zxid zxid) {
  // Commit in zxid order: never before the previous proposal.
  if (outstanding_.contains(Zxid{zxid.value - 1})) return;
  auto it = outstanding_.find(zxid);
  const bool quorum = core_.config().bugs.commit_without_quorum
                          ? it->second.acks.contains(core_.self().value)
                          : IsQuorum(it->second.acks);
  if (!quorum) return;
  if (core_.config().bugs.commit_without_quorum && !IsQuorum(it->second.acks)) {
    core_.Cover(Mark::kBugCommitWithoutQuorum);
  }
  Proposal p = std::move(it->second);
  outstanding_.erase(it);
  Commit(std::move(p));
}

void Leader::Commit(Proposal p) {
  const Zxid zxid = p.txn->zxid;
  last_committed_ = zxid;
  core_.Emit(Committed{zxid});
  QuorumPacket commit;
  commit.type = PacketType::kCommit;
  commit.zxid = zxid;
  QuorumPacket inform;
  inform.type = PacketType::kInform;
  inform.zxid = zxid;
  inform.txn = p.txn;
  for (auto& [conn, h] : handlers_) {
    if (h->dead() || !h->forwarding()) continue;
    h->Queue(h->observer() ? inform : commit);
  }
  // The leader's own CommitProcessor applies it when it gets to it.
  to_be_applied_.push_back(p.txn);
  commit_processor_->Commit(p.txn);
  if (auto s = pending_syncs_.find(zxid); s != pending_syncs_.end()) {
    for (const PendingSync& ps : s->second) {
      if (LearnerHandler* h = Handler(ps.handler)) {
        QuorumPacket sync;
        sync.type = PacketType::kSync;
        sync.request = ps.request;
        h->Queue(sync);
      }
    }
    pending_syncs_.erase(s);
  }
}

void Leader::Heartbeat() {
  if (failed_) return;
  if (server_error_) {
    // Leader.lead's loop checks isRunning() every half tick.
    Fail(Mark::kRoleLeaderEndError, "Unexpected internal error");
    return;
  }
  if (!tick_skip_) ++tick_;
  ++half_ticks_;
  std::set<uint32_t> synced = {core_.self().value};
  for (const auto& [conn, h] : handlers_) {
    if (h->Synced(tick_)) synced.insert(h->sid().value);
  }
  if (!tick_skip_ && !IsQuorum(synced)) {
    Fail(Mark::kRoleLeaderEndLostQuorum,
         fmt::format("not sufficient followers synced, only synced with sids: [{}]",
                     fmt::join(synced, ",")));
    return;
  }
  tick_skip_ = !tick_skip_;
  for (auto& [conn, h] : handlers_) h->Ping(last_proposed_, half_ticks_);
  core_.SetTimer(owner_, core_.config().tick_ms / 2, kHeartbeat);
}

void Leader::Shutdown() {
  failed_ = true;
  core_.out().Listen(Channel::kQuorum, false);
  core_.Drop(owner_);
  for (auto& [conn, h] : handlers_) h->Fail(Mark::kHandlerEndLeaderShutdown, "leader shutdown");
  commit_processor_->Shutdown();
  if (server_error_ && !core_.config().bugs.error_keeps_serving) {
    // The fix: memory may hold what the dead SyncThread never logged; it is dropped and
    // reloaded from disk, as a full shutdown does (zk.shutdown(true)).
    core_.Cover(Mark::kDbCleared);
    db_.Clear();
    return;
  }
  if (running_) {
    // ZooKeeperServer.shutdown: the log pipeline drains first, then memory catches up.
    sync_->DrainForShutdown();
    db_.CatchUpOnRoleEnd();
  }
}

}  // namespace zabsim::zab

#include "zab/learner.h"

#include <fmt/format.h>

#include "zab/data_tree.h"

namespace zabsim::zab {

Learner::Learner(Core& core, Database& db, RoleHost& host, PeerId leader)
    : core_(core),
      db_(db),
      host_(host),
      owner_(core.NewOwner(this)),
      leader_(leader),
      observer_(!core.config().IsVoter(core.self())) {
  // A follower ACKs each proposal once it is durable (SendAckRequestProcessor); an
  // observer logs and acks nothing.
  sync_ = std::make_unique<SyncProcessor>(core_, db_, observer_ ? nullptr : this);
  commit_processor_ = std::make_unique<CommitProcessor>(core_, this);
}

void Learner::ApplyCommitted(const TxnPtr& txn) { ApplyAndReport(txn, /*to_committed_log=*/true); }

void Learner::CheckStep() {
  const PeerId me = core_.self();
  ZABSIM_CHECK(serving_ == (stage_ == Stage::kBroadcast) || stage_ == Stage::kDone,
               "learner {}: serving {} in stage {}", me.value, serving_, static_cast<int>(stage_));
  ZABSIM_CHECK(!newleader_seen_ || stage_ >= Stage::kSyncing, "learner {}: NEWLEADER seen in stage {}",
               me.value, static_cast<int>(stage_));
  // Past LEADERINFO, the learner has promised the new epoch.
  if (stage_ >= Stage::kAwaitSync && stage_ != Stage::kDone) {
    ZABSIM_CHECK(host_.accepted_epoch() >= new_epoch_, "learner {}: acceptedEpoch {} below epoch {}",
                 me.value, host_.accepted_epoch().value, new_epoch_.value);
  }
  // The delta: the epoch it syncs to is one; PROPOSALs seen and serving only go forward.
  ZABSIM_CHECK(checked_.new_epoch.value == 0 || new_epoch_ == checked_.new_epoch,
               "learner {}: epoch {} became {}", me.value, checked_.new_epoch.value, new_epoch_.value);
  ZABSIM_CHECK(last_queued_ >= checked_.last_queued, "learner {}: last queued went back", me.value);
  ZABSIM_CHECK(serving_ || !checked_.serving, "learner {}: stopped serving", me.value);
  checked_ = Checked{new_epoch_, last_queued_, serving_};
}

void Learner::ProcessRequest(const TxnPtr& txn) { SendAck(txn->zxid); }

void Learner::Idle() {
  // ZOOKEEPER-4685's order: the pipeline has logged (and ACKed) the synced txns.
  NewLeaderLogged();
}

void Learner::OnTimer(uint32_t what, uint64_t arg) {
  switch (what) {
    case kConnectDeadline:
      if (stage_ == Stage::kConnecting) {
        Fail(Mark::kRoleLearnerEndConnectFailed, "could not connect to the leader within initLimit");
      }
      return;
    case kReadTimeout:
      read_timer_ = TimerId{};
      Fail(Mark::kRoleLearnerEndReadTimeout, "read timed out: no packet from the leader");
      return;
    case kReconnect:
      Connect();
      return;
    default:
      Part::OnTimer(what, arg);
  }
}

void Learner::Failed() {
  server_error_ = true;
  // ZooKeeper notices after the next packet (or never, before UPTODATE); the fix stops at once.
  if (core_.config().bugs.error_keeps_serving) {
    core_.Cover(Mark::kBugErrorKeepsServing);
    return;
  }
  Fail(Mark::kRoleLearnerEndError, "the SyncThread died of a disk error");
}

void Learner::OnSyncFailed(uint32_t what, uint64_t arg) {
  switch (what) {
    case kSnapSnapshotDurable:
      // takeSnapshot(true) failed: "Severe unrecoverable error, exiting".
      core_.Emit(DiskFailed{"snapshot", "fsync"});
      core_.Cover(Mark::kDiskSnapshotFailed);
      core_.Cover(Mark::kExitSnapshotFailed);
      core_.Exit("exit 10 (TXNLOG_ERROR_TAKING_SNAPSHOT): the NEWLEADER snapshot's fsync failed");
      return;
    case kSyncedLogDurable:
    case kLogDurableAfterEpoch:
      // ZKDatabase.commit throws in syncWithLeader: the sync ends with the exception.
      core_.Emit(DiskFailed{"log", "fsync"});
      Fail(Mark::kRoleLearnerEndNewLeaderFsyncFailed, "IOException: the txn log's fsync failed at NEWLEADER");
      return;
    default:
      Part::OnSyncFailed(what, arg);
  }
}

void Learner::OnStep(uint32_t what, uint64_t arg) {
  if (what != kAckNewLeader) {
    Part::OnStep(what, arg);
    return;
  }
  NewLeaderEpochWritten();
}

void Learner::OnSynced(uint32_t what, uint64_t arg) {
  switch (what) {
    case kSnapSnapshotDurable:
      PersistSynced();
      return;
    case kSyncedLogDurable:
      core_.Cover(Mark::kNewLeaderLearnerTxnsFsynced);
      NewLeaderLogged();
      return;
    case kLogDurableAfterEpoch:
      core_.Cover(Mark::kNewLeaderLearnerTxnsFsynced);
      NewLeaderEpochWritten();
      return;
    default:
      Part::OnSynced(what, arg);
  }
}

void Learner::EpochWritten(EpochFile file) {
  if (file == EpochFile::kAccepted) {
    if (stage_ != Stage::kWritingAcceptedEpoch) return;
    SendAckEpoch(ack_epoch_current_);
    ReadNext();
    return;
  }
  if (stage_ != Stage::kNewLeaderBusy) return;
  if (epoch_before_log_ && core_.config().newleader_order == NewLeaderOrder::kG1) {
    // G1: the buffered proposals go to the log pipeline, which ACKs each once durable,
    // on its own thread; the buffer is cleared; NEWLEADER's ACK goes at once.
    epoch_before_log_ = false;
    for (const TxnPtr& t : not_committed_) LogRequest(t);
    not_committed_.clear();
    // The ACK is the thread's next write; the SyncThread, running beside it, may ACK a
    // proposal first (ZOOKEEPER-4685).
    core_.Post(owner_, Thread::kQuorumPeer, 0, "ack-newleader", kAckNewLeader);
    return;
  }
  if (epoch_before_log_) {
    // ZOOKEEPER-4643: currentEpoch was written first; now the synced txns.
    epoch_before_log_ = false;
    if (LogCommittedBuffered()) {
      db_.FsyncLog(owner_, kLogDurableAfterEpoch);
    } else {
      NewLeaderEpochWritten();
    }
    return;
  }
  NewLeaderEpochWritten();
}

Learner::~Learner() {
  commit_processor_.reset();
  sync_.reset();
  core_.Drop(owner_);
}

void Learner::Start() {
  host_.SetPhase(ZabPhase::kDiscovery);
  // connectToLeader gives up once initLimit ticks have passed, whatever the attempts.
  core_.SetTimer(owner_, core_.config().init_limit_ms(), kConnectDeadline);
  Connect();
}

void Learner::Connect() {
  ++attempts_;
  stage_ = Stage::kConnecting;
  conn_ = core_.Connect(owner_, leader_, Channel::kQuorum, this);
}

void Learner::Fail(Mark why, std::string reason) {
  if (stage_ == Stage::kDone) return;
  core_.Cover(why);
  stage_ = Stage::kDone;
  deferred_.clear();
  core_.CancelTimer(read_timer_);
  host_.EndRole(std::move(reason));
}

bool Learner::Blocked() const {
  return stage_ == Stage::kWritingAcceptedEpoch || stage_ == Stage::kNewLeaderBusy;
}

void Learner::ArmReadTimer() {
  core_.CancelTimer(read_timer_);
  if (Blocked() || stage_ == Stage::kDone || stage_ == Stage::kConnecting) return;
  const int64_t ms = read_timeout_sync_limit_ ? core_.config().sync_limit_ms()
                                              : core_.config().init_limit_ms();
  read_timer_ = core_.SetTimer(owner_, ms, kReadTimeout);
}

void Learner::Send(QuorumPacket p) {
  if (stage_ == Stage::kDone || stage_ == Stage::kConnecting) return;
  core_.Send(conn_, std::move(p));
}

void Learner::OnConnected(ConnId) {
  stage_ = Stage::kAwaitLeaderInfo;
  // registerWithLeader: the last logged zxid is read before FOLLOWERINFO goes out.
  last_logged_at_register_ = host_.LastLoggedZxid();
  QuorumPacket info;
  info.type = observer_ ? PacketType::kObserverInfo : PacketType::kFollowerInfo;
  info.zxid = Zxid::Make(host_.accepted_epoch(), 0);
  info.number = kProtocolVersion;
  Send(info);
  ArmReadTimer();
}

void Learner::OnDisconnected(ConnId conn) {
  core_.Forget(conn);
  if (stage_ == Stage::kDone) return;
  if (stage_ == Stage::kConnecting && attempts_ < core_.config().learner_connect_attempts) {
    core_.SetTimer(owner_, core_.config().learner_connect_delay_ms, kReconnect);
    return;
  }
  if (stage_ == Stage::kConnecting) {
    Fail(Mark::kRoleLearnerEndConnectFailed, "could not connect to the leader");
  } else {
    Fail(Mark::kRoleLearnerEndLeaderGone, "connection to the leader lost");
  }
}

void Learner::OnMessage(ConnId, const Message& message) {
  if (stage_ == Stage::kDone) return;
  const auto* p = std::get_if<QuorumPacket>(&message);
  if (p == nullptr) {
    core_.Emit(Ignored{Tag(message), "not a quorum packet", leader_, Zxid{}});
    return;
  }
  if (Blocked() || !deferred_.empty()) {
    deferred_.push_back(*p);  // The learner thread is busy: the packet waits in the socket.
    return;
  }
  Read(*p);
  ArmReadTimer();
}

void Learner::ReadNext() {
  while (!Blocked() && stage_ != Stage::kDone && !deferred_.empty()) {
    const QuorumPacket p = std::move(deferred_.front());
    deferred_.pop_front();
    Read(p);
  }
  ArmReadTimer();
}

void Learner::Read(const QuorumPacket& p) {
  switch (stage_) {
    case Stage::kAwaitLeaderInfo:
      OnLeaderInfo(p);
      return;
    case Stage::kAwaitSync:
      OnFirstSyncPacket(p);
      return;
    case Stage::kSyncing:
      OnSyncPacket(p);
      return;
    case Stage::kBroadcast:
      OnBroadcastPacket(p);
      return;
    default:
      return;
  }
}

// ---------------------------------------------------------------------------------------
// Discovery (Learner.registerWithLeader).

void Learner::OnLeaderInfo(const QuorumPacket& p) {
  if (p.type != PacketType::kLeaderInfo) {
    Fail(Mark::kRoleLearnerEndProtocol, fmt::format("expected LEADERINFO, got {}", ToString(p.type)));
    return;
  }
  new_epoch_ = p.zxid.epoch();
  const Epoch accepted = host_.accepted_epoch();
  if (new_epoch_ > accepted) {
    // Persist the new epoch before acknowledging it; the ACK carries our currentEpoch.
    ack_epoch_current_ = host_.current_epoch().value;
    stage_ = Stage::kWritingAcceptedEpoch;
    host_.WriteEpoch(EpochFile::kAccepted, new_epoch_);  // Then EpochWritten.
    return;
  }
  if (new_epoch_ == accepted) {
    core_.Cover(Mark::kDiscoveryLearnerEpochAlreadyAccepted);
    SendAckEpoch(-1);  // "Not an ack, but here is my last zxid."
    return;
  }
  Fail(Mark::kRoleLearnerEndEpochBehind,
       fmt::format("leader's epoch {} is less than accepted epoch {}", new_epoch_.value,
                   accepted.value));
}

void Learner::SendAckEpoch(int64_t current_epoch) {
  QuorumPacket ack;
  ack.type = PacketType::kAckEpoch;
  ack.zxid = last_logged_at_register_;
  ack.number = current_epoch;
  stage_ = Stage::kAwaitSync;
  Send(ack);
  host_.SetPhase(ZabPhase::kSynchronization);
}

// ---------------------------------------------------------------------------------------
// Synchronisation (Learner.syncWithLeader).

void Learner::OnFirstSyncPacket(const QuorumPacket& p) {
  switch (p.type) {
    case PacketType::kDiff:
      core_.Cover(Mark::kSyncLearnerDiff);
      mode_ = SyncMode::kDiff;
      snapshot_needed_ = false;
      break;
    case PacketType::kSnap: {
      if (!p.snapshot) {
        Fail(Mark::kRoleLearnerEndProtocol, "SNAP without a snapshot");
        return;
      }
      auto tree = DataTree::Deserialize(*p.snapshot);
      if (!tree.ok()) {
        Fail(Mark::kRoleLearnerEndProtocol,
             fmt::format("bad snapshot in SNAP: {}", std::string(tree.status().message())));
        return;
      }
      core_.Cover(Mark::kSyncLearnerSnap);
      mode_ = SyncMode::kSnap;
      db_.ReplaceTree(*std::move(tree));
      db_.tree().set_last_processed_zxid(p.zxid);
      core_.Emit(TreeLoaded{p.zxid, "snap", db_.tree().digest(), db_.tree().last_applied_txn()});
      break;
    }
    case PacketType::kTrunc:
      mode_ = SyncMode::kTrunc;
      if (!db_.TruncateLog(p.zxid)) {
        core_.Cover(Mark::kExitTruncateFailed);
        core_.Exit(fmt::format("not able to truncate the log to {}", ToString(p.zxid)));
        return;
      }
      if (db_.tree().last_processed_zxid() != p.zxid) {
        // ZooKeeper sets lastProcessedZxid to the TRUNC's zxid whatever the reload
        // brought back; the tree now claims that zxid (ZOOKEEPER-1549 makes them differ).
        core_.Cover(Mark::kSyncLearnerTruncRelabel);
        db_.tree().set_last_processed_zxid(p.zxid);
        core_.Emit(TreeLoaded{p.zxid, "trunc", db_.tree().digest(), db_.tree().last_applied_txn()});
      }
      core_.Cover(Mark::kSyncLearnerTrunc);
      break;
    default:
      core_.Cover(Mark::kExitUnexpectedSyncPacket);
      core_.Exit(fmt::format("unexpected first packet {} while syncing", ToString(p.type)));
      return;
  }
  core_.Emit(SyncApplied{mode_, p.zxid});
  write_to_txn_log_ = !snapshot_needed_;
  stage_ = Stage::kSyncing;
}

void Learner::OnSyncPacket(const QuorumPacket& p) {
  switch (p.type) {
    case PacketType::kProposal:
      CheckProposalOrder(p.txn->zxid);
      if (!EnforceContinuousProposal(p.txn->zxid)) return;
      not_committed_.push_back(p.txn);
      return;
    case PacketType::kCommit:
    case PacketType::kInform:
      if (p.type == PacketType::kInform) {
        if (!EnforceContinuousProposal(p.txn->zxid)) return;
        not_committed_.push_back(p.txn);
      }
      if (!write_to_txn_log_) {
        // SNAP/TRUNC before NEWLEADER: apply it now; the NEWLEADER snapshot covers it.
        if (not_committed_.empty()) {
          UnexpectedCommit(p.zxid, Zxid{}, "no proposal is pending");
          Fail(Mark::kRoleLearnerEndCommitNpe, "NullPointerException: COMMIT while no proposal is pending");
          return;
        }
        if (not_committed_.front()->zxid != p.zxid) {
          UnexpectedCommit(p.zxid, not_committed_.front()->zxid,
                           "does not match the first pending proposal");
          return;
        }
        // Into the committed log too: leaving it out opens the hole of ZOOKEEPER-4925.
        core_.Cover(Mark::kSyncLearnerCommitApplied);
        ApplyAndReport(not_committed_.front(), !core_.config().bugs.zk4925);
        not_committed_.pop_front();
        return;
      }
      if ((core_.config().bugs.zk4394 || core_.config().newleader_order != NewLeaderOrder::kG3) &&
          newleader_seen_ && not_committed_.empty()) {
        // ZOOKEEPER-4394: syncWithLeader peeks at packetsNotCommitted before it looks at
        // writeToTxnLog, and NEWLEADER emptied it (as G1 and G2 do): the COMMIT of a
        // proposal buffered before NEWLEADER dereferences null and the sync dies.
        UnexpectedCommit(p.zxid, Zxid{}, "NEWLEADER dropped the pending proposals");
        Fail(Mark::kRoleLearnerEndCommitNpe,
             "NullPointerException: COMMIT after NEWLEADER dropped the pending proposals");
        return;
      }
      if (!newleader_seen_) core_.Cover(Mark::kSyncLearnerCommitBuffered);
      committed_.push_back(p.zxid);
      return;
    case PacketType::kNewLeader:
      OnNewLeader(p);
      return;
    case PacketType::kUpToDate:
      if (!newleader_seen_) {
        Fail(Mark::kRoleLearnerEndProtocol, "UPTODATE before NEWLEADER");
        return;
      }
      OnUpToDate();
      return;
    case PacketType::kPing:
      return;  // Not answered while syncing.
    default:
      core_.Emit(Ignored{ToString(p.type), "unexpected while syncing", leader_, p.zxid});
      return;
  }
}

void Learner::OnNewLeader(const QuorumPacket& p) {
  (void)p;
  core_.Cover(Mark::kNewLeaderLearnerReceived);
  newleader_seen_ = true;
  stage_ = Stage::kNewLeaderBusy;
  core_.CancelTimer(read_timer_);
  if (snapshot_needed_) {
    // The log below this snapshot is not the history it holds: after a SNAP it is the
    // old one, after a TRUNC it lacks the txns applied since. Its segments go, their
    // removals fsynced after the snapshot and before anything else of this sync
    // (ZOOKEEPER-2846; see Database::DropUnvouchedLog).
    if (mode_ == SyncMode::kSnap) {
      core_.Cover(Mark::kNewLeaderLearnerSnapshotTaken);
      db_.TakeSnapshot(owner_, kSnapSnapshotDurable);
      db_.DropUnvouchedLog();
      return;
    }
    // A TRUNC's snapshot is not fsynced; zabsim's fix for ZOOKEEPER-2846 fsyncs it, so
    // that the log segments it removes next never go before the snapshot is durable.
    core_.Cover(Mark::kNewLeaderLearnerSnapshotTakenTrunc);
    db_.TakeSnapshot(/*fsync=*/!core_.config().bugs.zk2846);
    db_.DropUnvouchedLog();
  }
  PersistSynced();
}

// NEWLEADER, once the snapshot (if any) is taken: the committed buffered txns are
// logged, applied and fsynced, then currentEpoch is written, then NEWLEADER is acked;
// the uncommitted ones stay buffered for UPTODATE. That order took ZooKeeper five bugs
// to reach; each switch below puts back one of the orders it had before.
void Learner::PersistSynced() {
  if (stage_ != Stage::kNewLeaderBusy) return;
  const Bugs& bugs = core_.config().bugs;
  if (!observer_ && core_.config().newleader_order == NewLeaderOrder::kG1) {
    // 3.8.0 .. 3.8.4: currentEpoch first; then every buffered proposal, committed or
    // not, to the log pipeline (ZOOKEEPER-4643, 4646, 4685, 4394 all live here).
    core_.Cover(Mark::kNewLeaderLearnerOrderG1);
    epoch_before_log_ = true;
    host_.WriteEpoch(EpochFile::kCurrent, new_epoch_);  // Then EpochWritten.
    return;
  }
  if (!observer_ && core_.config().newleader_order == NewLeaderOrder::kG2) {
    // 3.8.5, 3.9.2: every buffered proposal appended and fsynced, its ACK held back
    // until after UPTODATE (requestsToAck); the buffer is cleared (ZOOKEEPER-4394).
    core_.Cover(Mark::kNewLeaderLearnerOrderG2);
    for (const TxnPtr& t : not_committed_) {
      db_.Append(t);
      pending_txns_.push_back(t);
      requests_to_ack_.push_back(t->zxid);
    }
    not_committed_.clear();
    db_.FsyncLog(owner_, kSyncedLogDurable);
    return;
  }
  if (observer_ || bugs.zk3911) {
    // ZOOKEEPER-3911: nothing is logged before the ACK; every buffered txn goes to the
    // log pipeline at UPTODATE. (An observer logs its INFORMs at UPTODATE anyway.)
    core_.Cover(observer_ ? Mark::kNewLeaderLearnerObserver : Mark::kBugZk3911);
    NewLeaderLogged();
    return;
  }
  if (bugs.zk4643) {
    // ZOOKEEPER-4643: currentEpoch (FLE's first key) is durable before the txns it
    // vouches for are.
    core_.Cover(Mark::kBugZk4643);
    epoch_before_log_ = true;
    host_.WriteEpoch(EpochFile::kCurrent, new_epoch_);  // Then EpochWritten.
    return;
  }
  if (bugs.zk4685) {
    // ZOOKEEPER-4685: the committed txns are applied as usual but logged through the
    // log pipeline, whose own thread ACKs each once durable, ahead of the NEWLEADER ACK
    // the learner thread sends.
    bool queued = false;
    while (!committed_.empty() && !not_committed_.empty() &&
           committed_.front() == not_committed_.front()->zxid) {
      const TxnPtr txn = not_committed_.front();
      not_committed_.pop_front();
      committed_.pop_front();
      sync_->Submit(txn);
      ApplyAndReport(txn, !core_.config().bugs.zk4925);
      queued = true;
    }
    if (queued) {
      core_.Cover(Mark::kBugZk4685);
      sync_->NotifyIdle();  // Then Idle.
    } else {
      NewLeaderLogged();
    }
    return;
  }
  const bool appended = LogCommittedBuffered();
  if (appended) core_.Cover(Mark::kNewLeaderLearnerCommittedLogged);
  if (!not_committed_.empty()) {
    core_.Cover(bugs.zk4394 ? Mark::kBugZk4394 : Mark::kNewLeaderLearnerPendingKept);
  }
  if (bugs.zk4394) {
    // ZOOKEEPER-4394: NEWLEADER also empties packetsNotCommitted; the uncommitted
    // proposals only reach the log at UPTODATE.
    dropped_at_newleader_ = std::move(not_committed_);
    not_committed_.clear();
  }
  if (appended && !bugs.zk4646) {
    db_.FsyncLog(owner_, kSyncedLogDurable);
  } else {
    // ZOOKEEPER-4646: the txns are appended, not fsynced; the log pipeline's next
    // flush makes them durable, whenever that comes.
    if (appended) core_.Cover(Mark::kBugZk4646);
    NewLeaderLogged();
  }
}

bool Learner::LogCommittedBuffered() {
  bool appended = false;
  while (!committed_.empty()) {
    const Zxid z = committed_.front();
    committed_.pop_front();
    if (not_committed_.empty() || not_committed_.front()->zxid != z) {
      UnexpectedCommit(z, not_committed_.empty() ? Zxid{} : not_committed_.front()->zxid,
                       "no matching buffered proposal at NEWLEADER");
      continue;
    }
    const TxnPtr txn = not_committed_.front();
    not_committed_.pop_front();
    db_.Append(txn);
    ApplyAndReport(txn, !core_.config().bugs.zk4925);  // See ZOOKEEPER-4925.
    appended = true;
  }
  return appended;
}

void Learner::NewLeaderLogged() {
  if (stage_ != Stage::kNewLeaderBusy) return;
  // currentEpoch only after the txns it vouches for are durable (ZOOKEEPER-4643).
  host_.WriteEpoch(EpochFile::kCurrent, new_epoch_);  // Then EpochWritten.
}

void Learner::NewLeaderEpochWritten() {
  if (stage_ != Stage::kNewLeaderBusy) return;
  read_timeout_sync_limit_ = true;
  mode_ = SyncMode::kNone;
  write_to_txn_log_ = true;
  stage_ = Stage::kSyncing;
  core_.Cover(Mark::kNewLeaderLearnerAckSent);
  core_.Emit(NewLeaderProcessed{new_epoch_, leader_, HistoryZxids(db_)});
  SendAck(Zxid::Make(new_epoch_, 0));
  ReadNext();
}

void Learner::OnUpToDate() {
  core_.Cover(Mark::kUpToDateLearnerServing);
  SendAck(Zxid::Make(new_epoch_, 0));
  serving_ = true;
  server_error_ = false;  // startServing sets the state to RUNNING, whatever it was.
  stage_ = Stage::kBroadcast;
  host_.StartServing();
  host_.UpdateElectionVote(new_epoch_);
  host_.SetPhase(ZabPhase::kBroadcast);
  if (!observer_) {
    // G2 sends the ACKs of what it logged at NEWLEADER now, after NEWLEADER's and
    // UPTODATE's ("to avoid leader shutdown due to timeout").
    if (!requests_to_ack_.empty()) core_.Cover(Mark::kUpToDateLearnerAcksReleased);
    for (const Zxid z : requests_to_ack_) SendAck(z);
    requests_to_ack_.clear();
    // The proposals still buffered go through the log pipeline (ACK once durable), then
    // the commits received for them.
    if (!dropped_at_newleader_.empty() || !not_committed_.empty()) {
      core_.Cover(Mark::kUpToDateLearnerBufferedLogged);
    }
    for (const TxnPtr& t : dropped_at_newleader_) LogRequest(t);
    dropped_at_newleader_.clear();
    for (const TxnPtr& t : not_committed_) LogRequest(t);
    not_committed_.clear();
    for (const Zxid z : committed_) CommitTxn(z);
    committed_.clear();
    return;
  }
  for (const TxnPtr& t : not_committed_) {
    if (committed_.empty() || committed_.front() != t->zxid) {
      core_.Emit(Ignored{"INFORM", "buffered txn without its commit", leader_, t->zxid});
      continue;
    }
    committed_.pop_front();
    sync_->Submit(t);
    commit_processor_->Commit(t);
  }
  not_committed_.clear();
  committed_.clear();
}

// ---------------------------------------------------------------------------------------
// Broadcast (Follower.processPacket, Observer.processPacket).

void Learner::OnBroadcastPacket(const QuorumPacket& p) {
  ProcessPacket(p);
  // followLeader's loop: while (isRunning()) { readPacket; processPacket; }.
  if (server_error_ && stage_ == Stage::kBroadcast) {
    Fail(Mark::kRoleLearnerEndError, "the ZooKeeperServer is not running (a critical thread died)");
  }
}

void Learner::ProcessPacket(const QuorumPacket& p) {
  switch (p.type) {
    case PacketType::kProposal:
      if (observer_) return;  // Observers ignore proposals.
      CheckProposalOrder(p.txn->zxid);
      LogRequest(p.txn);
      return;
    case PacketType::kCommit:
      if (observer_) return;
      CommitTxn(p.zxid);
      return;
    case PacketType::kInform:
      if (!observer_) return;
      // ObserverZooKeeperServer.commitRequest: logged, and handed to the CommitProcessor.
      sync_->Submit(p.txn);
      commit_processor_->Commit(p.txn);
      return;
    case PacketType::kPing: {
      QuorumPacket pong;
      pong.type = PacketType::kPing;
      pong.zxid = p.zxid;
      Send(pong);
      return;
    }
    case PacketType::kSync:
      // FollowerZooKeeperServer.sync: the answer waits behind the commits before it.
      commit_processor_->CommitSync();
      return;
    default:
      core_.Emit(Ignored{ToString(p.type), "unexpected in broadcast", leader_, p.zxid});
      return;
  }
}

void Learner::LogRequest(const TxnPtr& txn) {
  pending_txns_.push_back(txn);
  sync_->Submit(txn);
}

void Learner::CommitTxn(Zxid zxid) {
  if (pending_txns_.empty()) {
    // FollowerZooKeeperServer.commit only warns.
    UnexpectedCommit(zxid, Zxid{}, "committing a txn never seen");
    return;
  }
  if (pending_txns_.front()->zxid != zxid) {
    UnexpectedCommit(zxid, pending_txns_.front()->zxid, "not the next pending txn");
    // FollowerZooKeeperServer.commit: System.exit(UNMATCHED_TXN_COMMIT).
    core_.Cover(Mark::kExitUnmatchedTxnCommit);
    core_.Exit(fmt::format("committing zxid {} but the next pending txn is {}", ToString(zxid),
                           ToString(pending_txns_.front()->zxid)));
    return;
  }
  const TxnPtr txn = pending_txns_.front();
  pending_txns_.pop_front();
  commit_processor_->Commit(txn);  // Applied once the CommitProcessor gets to it.
}

bool Learner::EnforceContinuousProposal(Zxid zxid) {
  // master's Learner.enforceContinuousProposal, for the proposals of one sync.
  if (!core_.config().continuous_proposals) return true;
  const Zxid last = sync_last_queued_;
  sync_last_queued_ = zxid;
  if (last.value == 0 || zxid.value == last.value + 1 || zxid.epoch() > last.epoch()) return true;
  Fail(Mark::kRoleLearnerEndProposalGap,
       fmt::format("DIFF sync got proposal {}, last queued {}, expected {}", ToString(zxid),
                   ToString(last), ToString(Zxid{last.value + 1})));
  return false;
}

void Learner::CheckProposalOrder(Zxid zxid) {
  // Follower.processPacket warns when a PROPOSAL is not the one after lastQueued; over
  // a FIFO channel from one leader they only ever go up (a new epoch restarts the
  // counter, so only "up" is checked, not "up by one").
  if (zxid <= last_queued_) {
    core_.Emit(Unexpected{"proposal-in-order", "PROPOSAL", leader_, zxid, last_queued_,
                          "not above the last PROPOSAL from this leader"});
  }
  if (zxid > last_queued_) last_queued_ = zxid;
}

void Learner::UnexpectedCommit(Zxid zxid, Zxid expected, std::string_view why) {
  core_.Emit(Unexpected{"commit-pending", "COMMIT", leader_, zxid, expected, why});
}

void Learner::ApplyAndReport(const TxnPtr& txn, bool to_committed_log) {
  // Every caller but ApplyCommitted leaves it out of the committed log only as ZK-4925.
  if (!to_committed_log) core_.Cover(Mark::kBugZk4925);
  const ApplyResult r = to_committed_log ? db_.ApplyCommitted(txn) : db_.ApplyOnly(txn);
  host_.OnApplied(*txn, r);
}

void Learner::SendAck(Zxid zxid) {
  QuorumPacket ack;
  ack.type = PacketType::kAck;
  ack.zxid = zxid;
  Send(ack);
}

void Learner::Submit(const Request& request) {
  if (stage_ != Stage::kBroadcast) return;
  QuorumPacket p;
  p.type = PacketType::kRequest;
  p.request = std::make_shared<const Request>(request);
  Send(p);
}

void Learner::Shutdown() {
  const bool mid_snap = mode_ == SyncMode::kSnap && !newleader_seen_;
  stage_ = Stage::kDone;
  core_.Drop(owner_);  // Closes the connection to the leader.
  commit_processor_->Shutdown();
  if (mid_snap && !core_.config().bugs.zk3642) {
    // A SNAP that never reached NEWLEADER is not on disk: forget it (ZOOKEEPER-3642).
    core_.Cover(Mark::kDbCleared);
    db_.Clear();
    return;
  }
  if (mid_snap) core_.Cover(Mark::kBugZk3642);
  if (server_error_ && !core_.config().bugs.error_keeps_serving) {
    // The fix: memory may hold what the dead SyncThread never logged (a COMMIT is applied
    // whether or not its txn was); it is dropped and reloaded from disk.
    core_.Cover(Mark::kDbCleared);
    db_.Clear();
    return;
  }
  if (!serving_) return;  // ZooKeeperServer not running: memory is left as it is.
  if (core_.config().bugs.zk4712) {
    // ZOOKEEPER-4712 (3.8, 3.9.2): Learner.shutdown's zk.shutdown(boolean) never stops
    // the SyncRequestProcessor. Memory catches up with the log, and the old SyncThread
    // goes on logging what it had queued, after that and beside the next role.
    if (!sync_->idle()) core_.Cover(Mark::kBugZk4712);
    db_.CatchUpOnRoleEnd();
    sync_->Orphan();
    host_.KeepRunning(std::move(sync_));
    return;
  }
  sync_->DrainForShutdown();
  db_.CatchUpOnRoleEnd();
}

}  // namespace zabsim::zab

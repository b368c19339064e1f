// LearnerHandler: the leader's side of one learner connection (LearnerHandler.java).

#include <fmt/format.h>

#include "zab/data_tree.h"
#include "zab/leader.h"

namespace zabsim::zab {

LearnerHandler::LearnerHandler(Leader& leader, Core& core, ConnId conn, PeerId sid)
    : leader_(leader), core_(core), owner_(core.NewOwner(this)), conn_(conn), sid_(sid) {
  core_.Adopt(owner_, conn_, this);
  tick_of_next_ack_deadline_ =
      leader_.tick() + core_.config().init_limit + core_.config().sync_limit;
  ArmReadTimer();
}

LearnerHandler::~LearnerHandler() { core_.Drop(owner_); }

bool LearnerHandler::Blocked() const {
  return stage_ == Stage::kAwaitEpoch || stage_ == Stage::kAwaitEpochQuorum ||
         stage_ == Stage::kSyncing || stage_ == Stage::kAwaitNewLeaderQuorum ||
         stage_ == Stage::kAwaitStartup;
}

void LearnerHandler::ArmReadTimer() {
  core_.CancelTimer(read_timer_);
  if (Blocked() || dead()) return;  // Not reading: no read timeout runs.
  const int64_t ms = read_timeout_sync_limit_ ? core_.config().sync_limit_ms()
                                              : core_.config().init_limit_ms();
  read_timer_ = core_.SetTimer(owner_, ms, kReadTimeout);
}

void LearnerHandler::OnTimer(uint32_t what, uint64_t arg) {
  switch (what) {
    case kReadTimeout:
      read_timer_ = TimerId{};
      Fail(Mark::kHandlerEndReadTimeout, "read timed out");
      return;
    case kWaitTimeout:
      wait_timer_ = TimerId{};
      Fail(Mark::kHandlerEndWaitTimeout, fmt::format("timeout while waiting for {}", waiting_for_));
      return;
    default:
      Part::OnTimer(what, arg);
  }
}

void LearnerHandler::ArmWaitTimer(std::string_view what) {
  core_.CancelTimer(wait_timer_);
  core_.CancelTimer(read_timer_);
  waiting_for_ = what;
  wait_timer_ = core_.SetTimer(owner_, core_.config().init_limit_ms(), kWaitTimeout);
}

void LearnerHandler::OnDisconnected(ConnId) {
  core_.Forget(conn_);
  Fail(Mark::kHandlerEndConnectionLost, "connection lost");
}

void LearnerHandler::OnMessage(ConnId, const Message& message) {
  if (dead()) return;
  const auto* p = std::get_if<QuorumPacket>(&message);
  if (p == nullptr) {
    core_.Emit(Ignored{Tag(message), "not a quorum packet", sid_, Zxid{}});
    return;
  }
  if (Blocked() || !deferred_.empty()) {
    deferred_.push_back(*p);  // The handler thread is not reading right now.
    return;
  }
  Read(*p);
}

void LearnerHandler::ReadNext() {
  while (!dead() && !Blocked() && !deferred_.empty()) {
    const QuorumPacket p = std::move(deferred_.front());
    deferred_.pop_front();
    Read(p);
  }
  ArmReadTimer();
}

void LearnerHandler::Read(const QuorumPacket& p) {
  switch (stage_) {
    case Stage::kAwaitInfo:
      OnInfo(p);
      break;
    case Stage::kAwaitAckEpoch:
      OnAckEpoch(p);
      break;
    case Stage::kAwaitNewLeaderAck:
      OnNewLeaderAck(p);
      break;
    case Stage::kRunning:
      OnRunningPacket(p);
      break;
    default:
      break;
  }
  if (!dead() && !Blocked()) ArmReadTimer();
}

void LearnerHandler::OnInfo(const QuorumPacket& p) {
  if (p.type != PacketType::kFollowerInfo && p.type != PacketType::kObserverInfo) {
    Fail(Mark::kHandlerEndProtocol, fmt::format("first packet is {}, not FOLLOWERINFO", ToString(p.type)));
    return;
  }
  observer_ = p.type == PacketType::kObserverInfo || !core_.config().IsVoter(sid_);
  const bool participant = !observer_;
  const std::optional<Epoch> epoch = leader_.GetEpochToPropose(sid_, p.zxid.epoch(), participant);
  stage_ = Stage::kAwaitEpoch;
  if (epoch.has_value()) {
    EpochReady(*epoch);
  } else {
    ArmWaitTimer("the epoch from a quorum");
  }
}

void LearnerHandler::EpochReady(Epoch epoch) {
  if (stage_ != Stage::kAwaitEpoch) return;
  core_.CancelTimer(wait_timer_);
  epoch_ = epoch;
  // LEADERINFO goes straight onto the socket, before the sender thread exists.
  QuorumPacket info;
  info.type = PacketType::kLeaderInfo;
  info.zxid = Zxid::Make(epoch, 0);
  info.number = kProtocolVersion;
  core_.Send(conn_, info);
  stage_ = Stage::kAwaitAckEpoch;
  ReadNext();
}

void LearnerHandler::OnAckEpoch(const QuorumPacket& p) {
  if (p.type != PacketType::kAckEpoch) {
    Fail(Mark::kHandlerEndProtocol, fmt::format("expected ACKEPOCH, got {}", ToString(p.type)));
    return;
  }
  summary_ = StateSummary{p.number, p.zxid};
  const Leader::Wait w = leader_.WaitForEpochAck(sid_, summary_, !observer_);
  if (w == Leader::Wait::kSkip) {
    Fail(Mark::kHandlerEndFollowerAhead, "follower is ahead of the leader");
    return;
  }
  stage_ = Stage::kAwaitEpochQuorum;
  if (w == Leader::Wait::kReady) {
    EpochAckQuorum();
  } else {
    ArmWaitTimer("a quorum of epoch acks");
  }
}

void LearnerHandler::EpochAckQuorum() {
  if (stage_ != Stage::kAwaitEpochQuorum) return;
  core_.CancelTimer(wait_timer_);
  // LearnerHandler.run goes on with the sync on its own thread, in three steps that
  // other threads may interleave with: the leader's commits and proposals queue
  // packets to this learner between them, ahead of NEWLEADER.
  stage_ = Stage::kSyncing;
  core_.Post(owner_, Thread::kLearnerHandler, sid_.value, "sync-follower", kSyncFollower);
}

void LearnerHandler::OnStep(uint32_t what, uint64_t arg) {
  switch (what) {
    case kSyncFollower:
      SyncFollower();
      return;
    case kSendSnapshot:
      SendSnapshot();
      return;
    case kQueueNewLeader:
      QueueNewLeader();
      return;
    default:
      Part::OnStep(what, arg);
  }
}

void LearnerHandler::SyncFollower() {
  // syncFollower holds the database's log read lock and, in startForwarding, the leader's
  // monitor: nothing is applied or committed in the middle of this step.
  const SyncPlan plan = leader_.SyncLearner(*this, summary_.last_zxid);
  if (dead()) return;
  if (plan.mode == SyncMode::kSnap) {
    core_.Post(owner_, Thread::kLearnerHandler, sid_.value, "send-snapshot", kSendSnapshot);
  } else {
    core_.Post(owner_, Thread::kLearnerHandler, sid_.value, "queue-newleader", kQueueNewLeader);
  }
}

void LearnerHandler::SendSnapshot() {
  // SNAP and the serialized tree go straight onto the socket, before anything queued.
  // The zxid is read now, after startForwarding: a txn applied in between is in the
  // snapshot and also follows as PROPOSAL+COMMIT (ZooKeeper's txns replay harmlessly).
  // zabsim serializes the tree in this one step; ZooKeeper's copy is fuzzy, taken node
  // by node while txns apply, which adds nothing the replay does not already cover.
  Database& db = leader_.db();
  QuorumPacket snap;
  snap.type = PacketType::kSnap;
  snap.zxid = db.last_processed();
  snap.snapshot = std::make_shared<const std::string>(db.tree().Serialize());
  core_.Cover(Mark::kNewLeaderLeaderSnapSent);
  core_.Send(conn_, snap);
  core_.Post(owner_, Thread::kLearnerHandler, sid_.value, "queue-newleader", kQueueNewLeader);
}

void LearnerHandler::QueueNewLeader() {
  // NEWLEADER goes behind everything queued so far, and the sender thread starts: from
  // now on queued packets go out at once.
  for (QuorumPacket& q : queued_) core_.Send(conn_, std::move(q));
  queued_.clear();
  sending_ = true;
  QuorumPacket newleader;
  newleader.type = PacketType::kNewLeader;
  newleader.zxid = Zxid::Make(epoch_, 0);
  core_.Cover(Mark::kNewLeaderLeaderQueued);
  core_.Send(conn_, newleader);
  stage_ = Stage::kAwaitNewLeaderAck;
  ReadNext();
}

void LearnerHandler::OnNewLeaderAck(const QuorumPacket& p) {
  if (p.type != PacketType::kAck) {
    Fail(Mark::kHandlerEndProtocol,
         fmt::format("expected the ACK of NEWLEADER, got {}", ToString(p.type)));
    return;
  }
  const Leader::Wait w = leader_.WaitForNewLeaderAck(sid_, p.zxid, !observer_);
  if (w == Leader::Wait::kSkip) {
    // Leader.waitForNewLeaderAck logs an error and goes on without counting it: if
    // this learner was needed for the quorum, the leader times out (ZOOKEEPER-4685).
    core_.Cover(Mark::kNewLeaderLeaderAckNotNewLeader);
    core_.Emit(Unexpected{"ack-consistent", "ACK", sid_, p.zxid, Zxid::Make(epoch_, 0),
                          "the first ACK after NEWLEADER is not NEWLEADER's"});
  }
  if (w != Leader::Wait::kSkip) core_.Cover(Mark::kNewLeaderLeaderAck);
  stage_ = Stage::kAwaitNewLeaderQuorum;
  if (w == Leader::Wait::kWait) {
    ArmWaitTimer("a quorum of NEWLEADER acks");
  } else {
    NewLeaderQuorum();
  }
}

void LearnerHandler::NewLeaderQuorum() {
  if (stage_ != Stage::kAwaitNewLeaderQuorum) return;
  core_.CancelTimer(wait_timer_);
  // syncLimitCheck starts; reads now time out after syncLimit ticks.
  read_timeout_sync_limit_ = true;
  sync_limit_started_ = true;
  stage_ = Stage::kAwaitStartup;
  if (leader_.running()) LeaderRunning();
}

void LearnerHandler::LeaderRunning() {
  if (stage_ != Stage::kAwaitStartup) return;
  SendUpToDate();
}

void LearnerHandler::SendUpToDate() {
  QuorumPacket up;
  up.type = PacketType::kUpToDate;
  core_.Cover(Mark::kNewLeaderLeaderUpToDateSent);
  Queue(up);
  stage_ = Stage::kRunning;
  ReadNext();
}

void LearnerHandler::OnRunningPacket(const QuorumPacket& p) {
  tick_of_next_ack_deadline_ = leader_.tick() + core_.config().sync_limit;
  switch (p.type) {
    case PacketType::kAck:
      if (oldest_unacked_ && oldest_unacked_->first == p.zxid) {
        oldest_unacked_ = newest_unacked_;
        newest_unacked_.reset();
      } else if (newest_unacked_ && newest_unacked_->first == p.zxid) {
        newest_unacked_.reset();
      }
      leader_.ProcessAck(sid_, p.zxid);
      return;
    case PacketType::kPing:
      return;  // Session touches: sessions never expire here.
    case PacketType::kRequest:
      if (p.request) leader_.ProcessRequest(*this, *p.request);
      return;
    default:
      core_.Emit(Ignored{ToString(p.type), "unexpected from a learner", sid_, p.zxid});
      return;
  }
}

void LearnerHandler::Queue(QuorumPacket packet) {
  if (dead()) return;
  if (packet.type == PacketType::kProposal && sync_limit_started_) {
    // SyncLimitCheck remembers when the oldest and newest outstanding proposals left.
    const uint64_t now = leader_.half_ticks();
    if (!oldest_unacked_) {
      oldest_unacked_ = {packet.zxid, now};
    } else {
      newest_unacked_ = {packet.zxid, now};
    }
  }
  if (!sending_) {
    queued_.push_back(std::move(packet));
    return;
  }
  core_.Send(conn_, std::move(packet));
}

bool LearnerHandler::Synced(uint64_t tick) const {
  return !dead() && tick <= tick_of_next_ack_deadline_;
}

void LearnerHandler::Ping(Zxid last_proposed, uint64_t half_ticks) {
  if (dead() || !sending_) return;
  if (oldest_unacked_ &&
      half_ticks - oldest_unacked_->second >= 2ULL * core_.config().sync_limit) {
    Fail(Mark::kHandlerEndSyncLimit,
         fmt::format("proposal {} not acked within syncLimit", ToString(oldest_unacked_->first)));
    return;
  }
  QuorumPacket ping;
  ping.type = PacketType::kPing;
  ping.zxid = last_proposed;
  Queue(ping);
}

void LearnerHandler::Fail(Mark why, std::string reason) {
  if (dead()) return;
  core_.Cover(why);
  stage_ = Stage::kDead;
  deferred_.clear();
  core_.Emit(LearnerDropped{sid_, std::move(reason)});
  core_.Drop(owner_);  // Closes the connection and cancels our timers.
  read_timer_ = TimerId{};
  wait_timer_ = TimerId{};
  leader_.HandlerFailed(*this);
}

}  // namespace zabsim::zab

#include "zab/election.h"

#include <algorithm>
#include <vector>

namespace zabsim::zab {

bool Vote::Equals(const Vote& other) const {
  if (state == ServerState::kLooking || other.state == ServerState::kLooking) {
    return leader == other.leader && zxid == other.zxid &&
           election_epoch == other.election_epoch && peer_epoch == other.peer_epoch;
  }
  if ((version > 0) != (other.version > 0)) return leader == other.leader;
  return leader == other.leader && peer_epoch == other.peer_epoch;
}

Election::Election(Core& core, ElectionHost& host)
    : core_(core), host_(host), owner_(core.NewOwner(this)), round_owner_(core.NewOwner(this)) {}

Election::~Election() {
  core_.Drop(round_owner_);
  core_.Drop(owner_);
}

// ---------------------------------------------------------------------------------------
// FastLeaderElection.

PeerId Election::InitId() const {
  return core_.config().IsVoter(core_.self()) ? core_.self() : PeerId{};
}

Zxid Election::InitZxid() {
  return core_.config().IsVoter(core_.self()) ? host_.LastLoggedZxid() : Zxid{};
}

Epoch Election::InitEpoch() const {
  return core_.config().IsVoter(core_.self()) ? host_.CurrentEpoch() : Epoch{};
}

bool Election::TotalOrder(PeerId new_id, Zxid new_zxid, Epoch new_epoch, PeerId cur_id,
                          Zxid cur_zxid, Epoch cur_epoch) const {
  // Candidates with weight zero (non-voters) never win.
  if (!core_.config().IsVoter(new_id)) return false;
  const Bugs& bugs = core_.config().bugs;
  const bool fixed = new_epoch > cur_epoch ||
                     (new_epoch == cur_epoch &&
                      (new_zxid > cur_zxid || (new_zxid == cur_zxid && new_id > cur_id)));
  if (bugs.election_ignores_zxid) {
    const bool buggy = new_epoch > cur_epoch || (new_epoch == cur_epoch && new_id > cur_id);
    if (buggy != fixed) core_.Cover(Mark::kBugElectionIgnoresZxid);
    return buggy;
  }
  if (bugs.zk1419) {
    // Before ZOOKEEPER-1419 the sid tie-break did not require equal epochs.
    const bool buggy = new_epoch > cur_epoch || (new_epoch == cur_epoch && new_zxid > cur_zxid) ||
                       (new_zxid == cur_zxid && new_id > cur_id);
    if (buggy != fixed) core_.Cover(Mark::kBugZk1419);
    return buggy;
  }
  return fixed;
}

void Election::UpdateProposal(PeerId leader, Zxid zxid, Epoch epoch, std::string_view why,
                              PeerId from) {
  proposed_leader_ = leader;
  proposed_zxid_ = zxid;
  proposed_epoch_ = epoch;
  core_.Emit(VoteChanged{logical_clock_, leader, zxid, epoch, why, from});
}

void Election::LookForLeader() {
  ZABSIM_CHECK(host_.state() == ServerState::kLooking);
  core_.Drop(round_owner_);
  round_owner_ = core_.NewOwner(this);
  poll_timer_ = TimerId{};
  finalize_timer_ = TimerId{};
  looking_ = true;
  finalizing_ = false;
  recvset_.clear();
  outofelection_.clear();
  not_timeout_ms_ = core_.config().min_notification_ms;
  ++logical_clock_;
  UpdateProposal(InitId(), InitZxid(), InitEpoch(), "new-round", PeerId{});
  SendNotifications();
  ArmPollTimer();
}

void Election::StopLooking() {
  looking_ = false;
  finalizing_ = false;
  core_.Drop(round_owner_);
  round_owner_ = core_.NewOwner(this);
  poll_timer_ = TimerId{};
  finalize_timer_ = TimerId{};
}

void Election::SendNotifications() {
  const Notification n{ServerState::kLooking, proposed_leader_, proposed_zxid_, logical_clock_,
                       proposed_epoch_};
  for (uint32_t sid = 1; sid <= core_.config().voters; ++sid) ToSend(PeerId{sid}, n);
}

void Election::ArmPollTimer() {
  core_.CancelTimer(poll_timer_);
  poll_timer_ = core_.SetTimer(round_owner_, not_timeout_ms_, kPollTimeout);
}

void Election::OnTimer(uint32_t what, uint64_t arg) {
  switch (what) {
    case kPollTimeout:
      OnPollTimeout();
      return;
    case kFinalizeTimeout:
      OnFinalizeTimeout();
      return;
    case kLoopback: {
      // Zero-delay timers of one owner fire in the order they were set.
      const Notification n = loopback_.front();
      loopback_.pop_front();
      Receive(core_.self(), n);
      return;
    }
    default:
      Part::OnTimer(what, arg);
  }
}

void Election::OnPollTimeout() {
  poll_timer_ = TimerId{};
  if (!looking_) return;
  // No notification for a while: re-send if some peer's outbox is empty (the last ones
  // went out), else try to connect to everyone we have messages for.
  bool delivered = false;
  for (const auto& [sid, link] : links_) delivered = delivered || !link.queued.has_value();
  if (delivered || links_.empty()) {
    SendNotifications();
  } else {
    for (const auto& [sid, link] : links_) ConnectOne(PeerId{sid});
  }
  not_timeout_ms_ = std::min(not_timeout_ms_ * 2, core_.config().max_notification_ms);
  ArmPollTimer();
}

bool Election::HasQuorum(const std::map<uint32_t, Vote>& votes, const Vote& vote) const {
  std::vector<uint32_t> agree;
  for (const auto& [sid, v] : votes) {
    if (vote.Equals(v)) agree.push_back(sid);
  }
  const bool quorum = core_.config().IsQuorum(agree);
  if (quorum && core_.config().IsQuorumOnlyByHalf(agree)) core_.Cover(Mark::kBugMajorityIsHalf);
  return quorum;
}

bool Election::CheckLeader(const std::map<uint32_t, Vote>& votes, PeerId leader,
                           uint64_t election_epoch) const {
  if (leader != core_.self()) {
    const auto it = votes.find(leader.value);
    return it != votes.end() && it->second.state == ServerState::kLeading;
  }
  return logical_clock_ == election_epoch;
}

void Election::Receive(PeerId from, const Notification& n) {
  const Config& config = core_.config();
  if (!config.IsVoter(from)) {
    // A non-voter (an observer) gets our current vote at once and is never counted.
    const Vote v = host_.CurrentVote();
    ToSend(from, Notification{host_.state(), v.leader, v.zxid, logical_clock_, v.peer_epoch});
    return;
  }
  if (host_.state() == ServerState::kLooking) {
    if (n.state == ServerState::kLooking && n.election_epoch < logical_clock_) {
      // Help a peer in an older round catch up with ours.
      ToSend(from, Notification{ServerState::kLooking, proposed_leader_, proposed_zxid_,
                                logical_clock_, proposed_epoch_});
    }
    if (looking_) Process(from, n);
    return;
  }
  if (n.state == ServerState::kLooking) {
    // Not looking: tell a looking peer who leads.
    const Vote v = host_.CurrentVote();
    ToSend(from, Notification{host_.state(), v.leader, v.zxid, v.election_epoch, v.peer_epoch});
  }
}

void Election::Process(PeerId from, const Notification& n) {
  if (finalizing_) {
    // The finalize wait: anything not better than our proposal is dropped; a better
    // vote ends the wait and is processed as usual.
    if (!TotalOrder(n.leader, n.zxid, n.peer_epoch, proposed_leader_, proposed_zxid_,
                    proposed_epoch_)) {
      // lookForLeader polls again: the decision needs finalizeWait of silence.
      core_.Emit(Ignored{"NOTIFICATION", "finalize wait", from, n.zxid});
      core_.CancelTimer(finalize_timer_);
      finalize_timer_ =
          core_.SetTimer(round_owner_, core_.config().finalize_wait_ms, kFinalizeTimeout);
      return;
    }
    finalizing_ = false;
    core_.CancelTimer(finalize_timer_);
  }
  ArmPollTimer();
  if (!core_.config().IsVoter(n.leader)) {
    core_.Emit(Ignored{"NOTIFICATION", "leader is not a voter", from, n.zxid});
    return;
  }
  switch (n.state) {
    case ServerState::kLooking: {
      if (n.election_epoch > logical_clock_) {
        logical_clock_ = n.election_epoch;
        recvset_.clear();
        if (TotalOrder(n.leader, n.zxid, n.peer_epoch, InitId(), InitZxid(), InitEpoch())) {
          UpdateProposal(n.leader, n.zxid, n.peer_epoch, "higher-round", from);
        } else {
          UpdateProposal(InitId(), InitZxid(), InitEpoch(), "higher-round", from);
        }
        SendNotifications();
      } else if (n.election_epoch < logical_clock_) {
        core_.Emit(Ignored{"NOTIFICATION", "stale round", from, n.zxid});
        return;
      } else if (TotalOrder(n.leader, n.zxid, n.peer_epoch, proposed_leader_, proposed_zxid_,
                            proposed_epoch_)) {
        UpdateProposal(n.leader, n.zxid, n.peer_epoch, "better-vote", from);
        SendNotifications();
      }
      recvset_[from.value] =
          Vote{n.leader, n.zxid, n.election_epoch, n.peer_epoch, ServerState::kLooking, 0};
      const Vote proposal{proposed_leader_, proposed_zxid_, logical_clock_, proposed_epoch_,
                          ServerState::kLooking, 0};
      if (HasQuorum(recvset_, proposal)) {
        // lookForLeader now polls with finalizeWait instead of notTimeout.
        core_.CancelTimer(poll_timer_);
        finalizing_ = true;
        finalize_timer_ =
            core_.SetTimer(round_owner_, core_.config().finalize_wait_ms, kFinalizeTimeout);
      }
      return;
    }
    case ServerState::kObserving:
      core_.Emit(Ignored{"NOTIFICATION", "from an observer", from, n.zxid});
      return;
    case ServerState::kFollowing:
    case ServerState::kLeading:
      ProcessFollowing(from, n);
      return;
  }
}

void Election::ProcessFollowing(PeerId from, const Notification& n) {
  const ServerState learning =
      core_.config().IsVoter(core_.self()) ? ServerState::kFollowing : ServerState::kObserving;
  const ServerState next = n.leader == core_.self() ? ServerState::kLeading : learning;
  const Vote compared{n.leader, n.zxid, n.election_epoch, n.peer_epoch, n.state, 2};
  const Vote end{n.leader, n.zxid, n.election_epoch, n.peer_epoch, ServerState::kLooking, 0};
  if (n.election_epoch == logical_clock_) {
    recvset_[from.value] = Vote{n.leader, n.zxid, n.election_epoch, n.peer_epoch, n.state, 0};
    if (HasQuorum(recvset_, compared) && CheckLeader(recvset_, n.leader, n.election_epoch)) {
      Decide(end, next, "quorum");
      return;
    }
  }
  // Joining an established ensemble: a quorum follows the same leader, and it leads.
  outofelection_[from.value] = compared;
  if (HasQuorum(outofelection_, compared) &&
      CheckLeader(outofelection_, n.leader, n.election_epoch)) {
    logical_clock_ = n.election_epoch;
    Decide(end, next, "joined");
  }
}

void Election::OnFinalizeTimeout() {
  finalize_timer_ = TimerId{};
  if (!finalizing_ || !looking_) return;
  finalizing_ = false;
  const ServerState learning =
      core_.config().IsVoter(core_.self()) ? ServerState::kFollowing : ServerState::kObserving;
  const ServerState next = proposed_leader_ == core_.self() ? ServerState::kLeading : learning;
  Decide(Vote{proposed_leader_, proposed_zxid_, logical_clock_, proposed_epoch_,
              ServerState::kLooking, 0},
         next, "quorum");
}

void Election::Decide(const Vote& vote, ServerState state, std::string_view how) {
  StopLooking();
  core_.Cover(state == ServerState::kLeading     ? Mark::kElectionLeading
              : state == ServerState::kFollowing ? Mark::kElectionFollowing
                                                 : Mark::kElectionObserving);
  if (how == "joined") core_.Cover(Mark::kElectionJoined);
  core_.Emit(ElectionDecided{logical_clock_, vote.leader, vote.zxid, vote.peer_epoch, state, how});
  host_.ElectionDecided(vote, state, how);
}

// ---------------------------------------------------------------------------------------
// QuorumCnxManager.

void Election::ToSend(PeerId to, const Notification& n) {
  if (to == core_.self()) {
    // Loopback: the notification goes through our own receive queue, later.
    loopback_.push_back(n);
    core_.SetTimer(owner_, 0, kLoopback);
    return;
  }
  Link& link = links_[to.value];
  link.queued = n;  // Capacity one: a newer message replaces one not yet sent.
  if (link.established) {
    StartSending(link);
  } else {
    ConnectOne(to);
  }
}

void Election::ConnectOne(PeerId to) {
  Link& link = links_[to.value];
  if (link.conn.value != 0) return;
  link.conn = core_.Connect(owner_, to, Channel::kElection, this);
  link.established = false;
}

void Election::StartSending(Link& link) {
  if (!link.queued.has_value()) return;
  core_.Send(link.conn, *link.queued);
  link.last_sent = link.queued;
  link.queued.reset();
}

Election::Link* Election::LinkOf(ConnId conn, PeerId* peer) {
  for (auto& [sid, link] : links_) {
    if (link.conn == conn) {
      *peer = PeerId{sid};
      return &link;
    }
  }
  return nullptr;
}

void Election::OnConnected(ConnId conn) {
  PeerId peer;
  Link* link = LinkOf(conn, &peer);
  if (link == nullptr) return;
  if (peer > core_.self()) {
    // Only a connection opened by the larger sid survives; that peer connects back.
    core_.Close(conn);
    link->conn = ConnId{};
    return;
  }
  link->established = true;
  // A new SendWorker re-sends the last message if nothing newer is queued.
  if (!link->queued.has_value() && link->last_sent.has_value()) link->queued = link->last_sent;
  StartSending(*link);
}

void Election::OnAccepted(ConnId conn, PeerId from) {
  if (from == core_.self() || !(core_.config().IsVoter(from) || core_.config().IsObserver(from))) {
    core_.out().Close(conn);
    return;
  }
  Link& link = links_[from.value];
  if (from < core_.self()) {
    // Refuse it, drop our own connection to that peer, and connect back.
    core_.out().Close(conn);
    if (link.conn.value != 0) core_.Close(link.conn);
    link.conn = ConnId{};
    link.established = false;
    ConnectOne(from);
    return;
  }
  if (link.conn.value != 0) core_.Close(link.conn);
  link.conn = conn;
  link.established = true;
  core_.Adopt(owner_, conn, this);
  if (!link.queued.has_value() && link.last_sent.has_value()) link.queued = link.last_sent;
  StartSending(link);
}

void Election::OnDisconnected(ConnId conn) {
  PeerId peer;
  Link* link = LinkOf(conn, &peer);
  if (link == nullptr) return;
  // The outbox and the last message survive for the next connection.
  link->conn = ConnId{};
  link->established = false;
}

void Election::OnMessage(ConnId conn, const Message& message) {
  PeerId from;
  if (LinkOf(conn, &from) == nullptr) return;
  const auto* n = std::get_if<Notification>(&message);
  if (n == nullptr) {
    core_.Emit(Ignored{Tag(message), "not a notification on the election port", from, Zxid{}});
    return;
  }
  Receive(from, *n);
}

}  // namespace zabsim::zab

// File: zab/election.h
//
// Fast Leader Election (FastLeaderElection.java) and the election connections it runs on
// (QuorumCnxManager.java).
//
// A LOOKING peer starts a round (logicalclock + 1) voting for itself with its in-memory
// last zxid and its currentEpoch, and tells every voter. Votes are ordered by
// (peerEpoch, zxid, sid). A peer adopts a better vote and re-broadcasts it; a vote from
// a later round resets its round. When the votes of its round that equal its proposal
// form a quorum, it waits `finalizeWait` (200 ms) for anything better, then decides:
// LEADING if it proposed itself, else FOLLOWING (or OBSERVING). Notifications from
// FOLLOWING/LEADING peers let a latecomer join an established ensemble once a quorum
// backs the same leader and that leader says it leads.
//
// Connections: one per pair of servers, kept only if the larger sid opened it; each peer
// keeps, per other server, a one-message outbox (a new message replaces an unsent one)
// and the last message sent, which is re-sent when a connection comes up. A peer that is
// not LOOKING still answers every LOOKING notification with its current vote.

#ifndef ZABSIM_ZAB_ELECTION_H_
#define ZABSIM_ZAB_ELECTION_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>

#include "zab/core.h"
#include "zab/messages.h"
#include "zab/types.h"

namespace zabsim::zab {

// Vote is ZooKeeper's Vote. `version` matters only to Equals: votes kept in the round's
// recvset are stored with version 0, those kept in outofelection with the notification's
// version (2), and Vote.equals compares differently depending on versions and states.
struct Vote {
  PeerId leader;
  Zxid zxid;
  uint64_t election_epoch = 0;
  Epoch peer_epoch;
  ServerState state = ServerState::kLooking;
  int version = 0;

  // Equals is Vote.equals: with a LOOKING side, all of (leader, zxid, electionEpoch,
  // peerEpoch) must match; between two non-LOOKING votes of which exactly one has a
  // version, only the leader; otherwise (leader, peerEpoch) (ZOOKEEPER-1805).
  bool Equals(const Vote& other) const;
};

// ElectionHost is what FLE needs from the rest of the peer.
class ElectionHost {
 public:
  virtual ~ElectionHost() = default;
  virtual ServerState state() const = 0;
  // The in-memory last processed zxid (reloading the database if it was cleared).
  virtual Zxid LastLoggedZxid() = 0;
  virtual Epoch CurrentEpoch() const = 0;
  // The vote a non-LOOKING peer answers with (QuorumPeer.getCurrentVote).
  virtual Vote CurrentVote() const = 0;
  // The round is decided: become `state` following `vote.leader`.
  virtual void ElectionDecided(const Vote& vote, ServerState state, std::string_view how) = 0;
};

class Election final : public ConnHandler, public Part {
 public:
  Election(Core& core, ElectionHost& host);
  ~Election() override;

  // LookForLeader starts a round (lookForLeader). REQUIRES: the host is LOOKING.
  void LookForLeader();
  // StopLooking ends the round's timers when the peer leaves LOOKING another way.
  void StopLooking();
  // OnAccepted: a server opened an election connection to us.
  void OnAccepted(ConnId conn, PeerId from);

  void OnConnected(ConnId conn) override;
  void OnMessage(ConnId conn, const Message& message) override;
  void OnDisconnected(ConnId conn) override;
  void OnTimer(uint32_t what, uint64_t arg) override;

  uint64_t logical_clock() const { return logical_clock_; }
  // The vote this peer proposes in the current round (its proposed leader, zxid, epoch).
  PeerId proposed_leader() const { return proposed_leader_; }
  Zxid proposed_zxid() const { return proposed_zxid_; }
  Epoch proposed_epoch() const { return proposed_epoch_; }
  bool looking() const { return looking_; }

 private:
  enum Wake : uint32_t {
    kPollTimeout,      // notTimeout without a notification (poll_timer_).
    kFinalizeTimeout,  // finalizeWait of silence with a quorum (finalize_timer_).
    kLoopback,         // Our own notification, through our receive queue (loopback_).
  };
  struct Link {
    ConnId conn;            // 0: none.
    bool established = false;
    std::optional<Notification> queued;     // The one-message outbox.
    std::optional<Notification> last_sent;  // Re-sent when a connection comes up.
  };

  // FastLeaderElection.
  void Receive(PeerId from, const Notification& n);  // WorkerReceiver.
  void Process(PeerId from, const Notification& n);  // One step of lookForLeader's loop.
  void ProcessFollowing(PeerId from, const Notification& n);
  bool TotalOrder(PeerId new_id, Zxid new_zxid, Epoch new_epoch, PeerId cur_id, Zxid cur_zxid,
                  Epoch cur_epoch) const;
  void UpdateProposal(PeerId leader, Zxid zxid, Epoch epoch, std::string_view why, PeerId from);
  void SendNotifications();
  bool HasQuorum(const std::map<uint32_t, Vote>& votes, const Vote& vote) const;
  bool CheckLeader(const std::map<uint32_t, Vote>& votes, PeerId leader,
                   uint64_t election_epoch) const;
  void Decide(const Vote& vote, ServerState state, std::string_view how);
  void ArmPollTimer();
  void OnPollTimeout();
  void OnFinalizeTimeout();
  PeerId InitId() const;
  Zxid InitZxid();
  Epoch InitEpoch() const;

  // QuorumCnxManager.
  void ToSend(PeerId to, const Notification& n);
  void ConnectOne(PeerId to);
  void StartSending(Link& link);
  Link* LinkOf(ConnId conn, PeerId* peer);

  Core& core_;
  ElectionHost& host_;
  Owner owner_;        // Connections: live as long as the peer.
  Owner round_owner_;  // Timers of the current round.

  uint64_t logical_clock_ = 0;
  bool looking_ = false;
  PeerId proposed_leader_;
  Zxid proposed_zxid_;
  Epoch proposed_epoch_;
  std::map<uint32_t, Vote> recvset_;
  std::map<uint32_t, Vote> outofelection_;
  int64_t not_timeout_ms_ = 0;
  TimerId poll_timer_;
  TimerId finalize_timer_;
  bool finalizing_ = false;

  std::map<uint32_t, Link> links_;  // By peer sid.
  std::deque<Notification> loopback_;  // Sent to ourselves, not yet received.
};

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_ELECTION_H_

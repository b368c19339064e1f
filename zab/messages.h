// File: zab/messages.h
//
// Everything ZAB servers and clients say to each other, with ZooKeeper's names:
//  - Notification: a Fast Leader Election vote, on the election port;
//  - QuorumPacket: (type, zxid, data) between the leader and its learners, with
//    Leader.java's packet types (FOLLOWERINFO, LEADERINFO, ACKEPOCH, NEWLEADER, UPTODATE,
//    DIFF, TRUNC, SNAP, PROPOSAL, ACK, COMMIT, INFORM, PING, REQUEST, SYNC);
//  - ClientRequest / ClientReply: a client session's operations on the client port.
// Payloads that many receivers share (a txn broadcast to every follower, a snapshot) are
// held by shared_ptr, so that copying a packet to N queues copies no bytes.

#ifndef ZABSIM_ZAB_MESSAGES_H_
#define ZABSIM_ZAB_MESSAGES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "zab/txn.h"
#include "zab/types.h"

namespace zabsim::zab {

// Notification is FastLeaderElection.Notification; the sender is known from the
// connection. A non-participant (an observer) proposes leader 0.
struct Notification {
  ServerState state = ServerState::kLooking;  // The sender's state.
  PeerId leader;                // Proposed leader.
  Zxid zxid;                    // Proposed leader's last zxid.
  uint64_t election_epoch = 0;  // The sender's logical clock (its election round).
  Epoch peer_epoch;             // Proposed leader's (current) epoch.
};

enum class PacketType : uint8_t {
  kRequest = 1,
  kProposal = 2,
  kAck = 3,
  kCommit = 4,
  kPing = 5,
  kSync = 7,
  kInform = 8,
  kNewLeader = 10,
  kFollowerInfo = 11,
  kUpToDate = 12,
  kDiff = 13,
  kTrunc = 14,
  kSnap = 15,
  kObserverInfo = 16,
  kLeaderInfo = 17,
  kAckEpoch = 18,
};

std::string_view ToString(PacketType type);

// The protocol version learners and leaders exchange (0x10000 since ZooKeeper 3.4).
inline constexpr int64_t kProtocolVersion = 0x10000;

struct QuorumPacket {
  PacketType type = PacketType::kPing;
  Zxid zxid;
  // FOLLOWERINFO / OBSERVERINFO / LEADERINFO: protocol version. ACKEPOCH: the learner's
  // currentEpoch, or -1 ("not an ack, but here is my last zxid").
  int64_t number = 0;
  std::shared_ptr<const Txn> txn;                // PROPOSAL, INFORM.
  std::shared_ptr<const std::string> snapshot;   // SNAP: the serialized data tree.
  std::shared_ptr<const Request> request;        // REQUEST (and its reply, SYNC).
};

// ClientRequest is an operation of a client session, sent to the server the client is
// connected to. Sessions are named by the client (see docs/protocol.md).
struct ClientRequest {
  uint64_t session = 0;
  uint64_t cxid = 0;
  Op op;
  // The highest zxid the client has seen; a server that is behind it refuses the client
  // rather than show it an older state (ZooKeeper checks this at connection time).
  Zxid last_zxid_seen;
};

// ClientReply answers one ClientRequest.
struct ClientReply {
  uint64_t session = 0;
  uint64_t cxid = 0;
  Code code = Code::kOk;
  Zxid zxid;            // A write's zxid; for a read, the server's last processed zxid.
  std::string data;     // kGetData.
  int32_t version = -1;  // The node's version (reads, create, setData), -1 if none.
  bool exists = false;  // kExists.
};

using Message = std::variant<Notification, QuorumPacket, ClientRequest, ClientReply>;

// Tag names a message for traces and fault rules: "NOTIFICATION", a packet type such as
// "PROPOSAL", "CLIENT-REQUEST" or "CLIENT-REPLY".
std::string_view Tag(const Message& message);
// MessageTags lists every tag Tag can return: the packet types, then NOTIFICATION,
// CLIENT-REQUEST and CLIENT-REPLY.
std::vector<std::string_view> MessageTags();

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_MESSAGES_H_

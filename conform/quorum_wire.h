// File: conform/quorum_wire.h
//
// ZooKeeper 3.8's quorum wire formats, read by the conformance proxy (conform/quorum_proxy.h)
// to find where one message ends and the next begins, and what it is. Two kinds of
// connection join the servers of an ensemble:
//
// - Election connections (QuorumCnxManager), to a server's election port. The connecting
//   side first sends its initial message: protocol version (a long, -65536 or -65535),
//   its sid (a long), then its election address (an int length and the bytes). After it,
//   both directions carry length-prefixed messages (an int and the bytes): the
//   notifications of FastLeaderElection (state, leader, zxid, election epoch, peer epoch,
//   version, config).
// - Quorum connections, from a learner to its leader's quorum port. Both directions carry
//   jute-serialised QuorumPackets: type (int), zxid (long), data (an int length, -1 for
//   none, and the bytes), authinfo (an int count, -1 for none, and per Id two strings).
//   After a SNAP packet the leader writes the snapshot itself, not in a packet, then the
//   string "BenWasHere" (LearnerHandler); the decoder takes the packet, the snapshot and
//   the signature as one frame.
//
// Only framing and the fields a rule matches are read; nothing is rewritten.

#ifndef ZABSIM_CONFORM_QUORUM_WIRE_H_
#define ZABSIM_CONFORM_QUORUM_WIRE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace zabsim::conform {

enum class ConnKind { kQuorum, kElection };

struct WireFrame {
  size_t size = 0;       // Bytes of the stream it takes.
  std::string type;      // As zabsim's output spells it ("PROPOSAL", "NOTIFICATION"); empty
                         // for an election connection's initial message, which is not a
                         // frame to a rule (a connection request, docs/scenarios.md).
  std::optional<uint64_t> zxid;  // Quorum packets.
};

// QuorumPacketTypeName is zabsim's name for Leader.java's packet type code ("ACK" for 3),
// or "TYPE-N" for a code zabsim has no name for.
std::string QuorumPacketTypeName(int32_t type);

// WireDecoder reads one direction of one connection. `initiator`: the direction from the
// side that connected (it starts with the initial message on an election connection).
class WireDecoder {
 public:
  WireDecoder(ConnKind kind, bool initiator) : kind_(kind), initial_pending_(kind == ConnKind::kElection && initiator) {}

  // Next returns the first whole frame at the start of `bytes`, nullopt when `bytes` holds
  // only part of one, or an error when they cannot be ZooKeeper's (a negative or absurd
  // length): the proxy then breaks the connection.
  absl::StatusOr<std::optional<WireFrame>> Next(std::string_view bytes);

 private:
  absl::StatusOr<std::optional<WireFrame>> NextPacket(std::string_view bytes);

  ConnKind kind_;
  bool initial_pending_;
};

// The largest message the decoder accepts: a snapshot of a scenario's tree is far
// smaller; anything larger is not ZooKeeper's traffic.
inline constexpr size_t kMaxWireFrame = size_t{256} << 20;

}  // namespace zabsim::conform

#endif  // ZABSIM_CONFORM_QUORUM_WIRE_H_

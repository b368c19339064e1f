#include "zab/messages.h"

namespace zabsim::zab {

std::string_view ToString(PacketType type) {
  switch (type) {
    case PacketType::kRequest:
      return "REQUEST";
    case PacketType::kProposal:
      return "PROPOSAL";
    case PacketType::kAck:
      return "ACK";
    case PacketType::kCommit:
      return "COMMIT";
    case PacketType::kPing:
      return "PING";
    case PacketType::kSync:
      return "SYNC";
    case PacketType::kInform:
      return "INFORM";
    case PacketType::kNewLeader:
      return "NEWLEADER";
    case PacketType::kFollowerInfo:
      return "FOLLOWERINFO";
    case PacketType::kUpToDate:
      return "UPTODATE";
    case PacketType::kDiff:
      return "DIFF";
    case PacketType::kTrunc:
      return "TRUNC";
    case PacketType::kSnap:
      return "SNAP";
    case PacketType::kObserverInfo:
      return "OBSERVERINFO";
    case PacketType::kLeaderInfo:
      return "LEADERINFO";
    case PacketType::kAckEpoch:
      return "ACKEPOCH";
  }
  return "?";
}

std::string_view Tag(const Message& message) {
  struct Visitor {
    std::string_view operator()(const Notification&) const { return "NOTIFICATION"; }
    std::string_view operator()(const QuorumPacket& p) const { return ToString(p.type); }
    std::string_view operator()(const ClientRequest&) const { return "CLIENT-REQUEST"; }
    std::string_view operator()(const ClientReply&) const { return "CLIENT-REPLY"; }
  };
  return std::visit(Visitor{}, message);
}

std::vector<std::string_view> MessageTags() {
  std::vector<std::string_view> out;
  for (uint8_t t = 0; t < 32; ++t) {
    const std::string_view name = ToString(static_cast<PacketType>(t));
    if (name != "?") out.push_back(name);
  }
  for (const std::string_view other : {"NOTIFICATION", "CLIENT-REQUEST", "CLIENT-REPLY"}) {
    out.push_back(other);
  }
  return out;
}

}  // namespace zabsim::zab

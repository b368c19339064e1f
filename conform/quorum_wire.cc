#include "conform/quorum_wire.h"

#include <fmt/format.h>

namespace zabsim::conform {
namespace {

// Big-endian integers, as Java's DataOutputStream writes them.
uint64_t ReadBig(std::string_view bytes, size_t at, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v = (v << 8) | static_cast<uint8_t>(bytes[at + i]);
  return v;
}
int32_t Int(std::string_view b, size_t at) { return static_cast<int32_t>(ReadBig(b, at, 4)); }
int64_t Long(std::string_view b, size_t at) { return static_cast<int64_t>(ReadBig(b, at, 8)); }

constexpr int32_t kSnap = 15;
// LearnerHandler writes this string (jute: an int length, then the bytes) after the snapshot.
constexpr std::string_view kSignature{"\0\0\0\x0a" "BenWasHere", 14};

absl::Status Malformed(std::string_view what, int64_t value) {
  return absl::DataLossError(fmt::format("not a ZooKeeper quorum message: {} {}", what, value));
}

// Cursor walks a jute record, and reports "incomplete" instead of reading past the end.
struct Cursor {
  std::string_view b;
  size_t at = 0;
  bool short_read = false;
  bool Have(size_t n) {
    if (b.size() - at < n) short_read = true;
    return !short_read;
  }
};

}  // namespace

std::string QuorumPacketTypeName(int32_t type) {
  switch (type) {
    case 1: return "REQUEST";
    case 2: return "PROPOSAL";
    case 3: return "ACK";
    case 4: return "COMMIT";
    case 5: return "PING";
    case 6: return "REVALIDATE";
    case 7: return "SYNC";
    case 8: return "INFORM";
    case 9: return "COMMITANDACTIVATE";
    case 10: return "NEWLEADER";
    case 11: return "FOLLOWERINFO";
    case 12: return "UPTODATE";
    case 13: return "DIFF";
    case 14: return "TRUNC";
    case 15: return "SNAP";
    case 16: return "OBSERVERINFO";
    case 17: return "LEADERINFO";
    case 18: return "ACKEPOCH";
    case 19: return "INFORMANDACTIVATE";
    default: return fmt::format("TYPE-{}", type);
  }
}

absl::StatusOr<std::optional<WireFrame>> WireDecoder::Next(std::string_view bytes) {
  if (kind_ == ConnKind::kQuorum) return NextPacket(bytes);
  if (initial_pending_) {
    // protocol version, sid, address length, address (QuorumCnxManager.startConnection).
    // A non-negative first long is the oldest protocol: the sid alone.
    if (bytes.size() < 8) return std::nullopt;
    if (Long(bytes, 0) >= 0) {
      initial_pending_ = false;
      return WireFrame{8, "", std::nullopt};
    }
    if (bytes.size() < 20) return std::nullopt;
    const int32_t len = Int(bytes, 16);
    if (len < 0 || len > 4096) return Malformed("election address length", len);
    if (bytes.size() < 20 + static_cast<size_t>(len)) return std::nullopt;
    initial_pending_ = false;
    return WireFrame{20 + static_cast<size_t>(len), "", std::nullopt};
  }
  if (bytes.size() < 4) return std::nullopt;
  const int32_t len = Int(bytes, 0);
  // QuorumCnxManager refuses a message over 512 KB (PACKETMAXSIZE) too.
  if (len < 0 || len > (512 << 10)) return Malformed("election message length", len);
  if (bytes.size() < 4 + static_cast<size_t>(len)) return std::nullopt;
  return WireFrame{4 + static_cast<size_t>(len), "NOTIFICATION", std::nullopt};
}

absl::StatusOr<std::optional<WireFrame>> WireDecoder::NextPacket(std::string_view bytes) {
  Cursor c{bytes};
  if (!c.Have(16)) return std::nullopt;
  const int32_t type = Int(bytes, 0);
  const uint64_t zxid = static_cast<uint64_t>(Long(bytes, 4));
  c.at = 12;
  const int32_t data = Int(bytes, c.at);
  c.at += 4;
  if (data < -1 || (data > 0 && static_cast<size_t>(data) > kMaxWireFrame)) return Malformed("packet data length", data);
  if (data > 0) {
    if (!c.Have(static_cast<size_t>(data))) return std::nullopt;
    c.at += static_cast<size_t>(data);
  }
  if (!c.Have(4)) return std::nullopt;
  const int32_t ids = Int(bytes, c.at);
  c.at += 4;
  if (ids < -1 || ids > 1024) return Malformed("packet authinfo count", ids);
  for (int32_t i = 0; i < ids * 2; ++i) {  // Each Id: scheme and id, two strings.
    if (!c.Have(4)) return std::nullopt;
    const int32_t len = Int(bytes, c.at);
    c.at += 4;
    if (len < -1 || len > 4096) return Malformed("packet authinfo string length", len);
    if (len > 0) {
      if (!c.Have(static_cast<size_t>(len))) return std::nullopt;
      c.at += static_cast<size_t>(len);
    }
  }
  size_t size = c.at;
  if (type == kSnap) {
    // The snapshot follows, then the signature: all of it is the SNAP's.
    const size_t end = bytes.find(kSignature, size);
    if (end == std::string_view::npos) {
      if (bytes.size() > kMaxWireFrame) return Malformed("snapshot larger than", static_cast<int64_t>(kMaxWireFrame));
      return std::nullopt;
    }
    size = end + kSignature.size();
  }
  return WireFrame{size, QuorumPacketTypeName(type), zxid};
}

}  // namespace zabsim::conform

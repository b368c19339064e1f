// File: sim/ids.h
//
// Strong identifiers the world hands out. Processes are numbered from 1 (0 stands for
// the world itself in traces); connections, timers and disk syncs get ids that are
// unique within a run and never reused, so a stale id can always be told apart.

#ifndef ZABSIM_SIM_IDS_H_
#define ZABSIM_SIM_IDS_H_

#include <compare>
#include <cstdint>
#include <string_view>

namespace zabsim::sim {

struct ProcessId {
  uint32_t value = 0;
  friend constexpr auto operator<=>(ProcessId, ProcessId) = default;
};

struct ConnId {
  uint64_t value = 0;
  friend constexpr auto operator<=>(ConnId, ConnId) = default;
};

struct TimerId {
  uint64_t value = 0;
  friend constexpr auto operator<=>(TimerId, TimerId) = default;
};

struct SyncToken {
  uint64_t value = 0;
  friend constexpr auto operator<=>(SyncToken, SyncToken) = default;
};

// ThreadId names one of a process's threads, whose steps it asks the world to schedule
// (Context::Schedule): a kind, such as "commit-processor", and an instance number for
// kinds a process runs several of (0 when it runs one). `name` must point to storage
// that outlives the world, such as a string literal.
struct ThreadId {
  std::string_view name;
  uint32_t instance = 0;
};

// Why a process is told that one of its connections is gone.
enum class DisconnectReason : uint8_t {
  kClosedByPeer,   // The other end closed it; everything it sent first was delivered.
  kBroken,         // A frame was lost (fault, partition): whatever was in flight is gone.
  kPeerCrashed,    // The other end's process died.
  kConnectFailed,  // The connection attempt timed out (the peer is unreachable).
  kRefused,        // The peer's host answered that nothing is listening (process down).
};

constexpr std::string_view ToString(DisconnectReason reason) {
  switch (reason) {
    case DisconnectReason::kClosedByPeer:
      return "closed-by-peer";
    case DisconnectReason::kBroken:
      return "broken";
    case DisconnectReason::kPeerCrashed:
      return "peer-crashed";
    case DisconnectReason::kConnectFailed:
      return "connect-failed";
    case DisconnectReason::kRefused:
      return "refused";
  }
  return "?";
}

}  // namespace zabsim::sim

#endif  // ZABSIM_SIM_IDS_H_

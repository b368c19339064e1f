// File: zab/types.h
//
// The identifiers of ZAB, as ZooKeeper defines them. A zxid is a 64-bit number with the
// epoch in the high 32 bits and a counter in the low 32 bits; zxids compare as plain
// integers, which orders them by (epoch, counter). Each new leader starts at (e, 0), a
// value only used by NEWLEADER and as a marker, so real txns start at (e, 1).
//
//   const Zxid z = Zxid::Make(Epoch{2}, 5);   // 0x200000005
//   z.epoch() == Epoch{2}; z.counter() == 5;

#ifndef ZABSIM_ZAB_TYPES_H_
#define ZABSIM_ZAB_TYPES_H_

#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace zabsim::zab {

// PeerId is a server's id ("sid", ZooKeeper's myid). Voters are 1..voters, observers
// follow. 0 means "no peer".
struct PeerId {
  uint32_t value = 0;
  friend constexpr auto operator<=>(PeerId, PeerId) = default;
};

struct Epoch {
  uint32_t value = 0;
  friend constexpr auto operator<=>(Epoch, Epoch) = default;
};

struct Zxid {
  uint64_t value = 0;

  static constexpr Zxid Make(Epoch epoch, uint32_t counter) {
    return Zxid{(static_cast<uint64_t>(epoch.value) << 32) | counter};
  }
  constexpr Epoch epoch() const { return Epoch{static_cast<uint32_t>(value >> 32)}; }
  constexpr uint32_t counter() const { return static_cast<uint32_t>(value); }
  // IsEpochStart: (e, 0), the NEWLEADER marker; never the zxid of a txn.
  constexpr bool IsEpochStart() const { return counter() == 0; }
  friend constexpr auto operator<=>(Zxid, Zxid) = default;
};

// The last counter a leader may use: ZooKeeper shuts the leader down rather than let the
// counter reach 0xffffffff (ZOOKEEPER-1277).
inline constexpr uint32_t kMaxZxidCounter = 0xfffffffe;

// ToString writes a zxid as ZooKeeper logs it: "0x200000005".
std::string ToString(Zxid zxid);

// ServerState is QuorumPeer.ServerState.
enum class ServerState : uint8_t { kLooking, kFollowing, kLeading, kObserving };
// ZabPhase is QuorumPeer.ZabState.
enum class ZabPhase : uint8_t { kElection, kDiscovery, kSynchronization, kBroadcast };
// SyncMode is what the leader chose to bring a learner up to date.
enum class SyncMode : uint8_t { kNone, kDiff, kTrunc, kSnap };

// Thread names the ZooKeeper threads whose steps zabsim schedules separately, so that the
// world can interleave them as an operating system would (Outbox::Schedule).
enum class Thread : uint8_t {
  kQuorumPeer,       // QuorumPeer: a learner's sync (syncWithLeader) and its reads.
  kLearnerHandler,   // LearnerHandler, one per learner on the leader (instance: its sid).
  kCommitProcessor,  // CommitProcessor's main thread: applies committed txns.
  kSyncThread,       // SyncRequestProcessor ("SyncThread"): logs, fsyncs, hands txns on.
  kSnapshot,         // "Snapshot Thread": a fuzzy snapshot, started by the SyncThread.
};

std::string_view ToString(ServerState state);
// ToString names a thread as the trace and the stall fault write it: "commit-processor".
std::string_view ToString(Thread thread);
std::string_view ToString(ZabPhase phase);
std::string_view ToString(SyncMode mode);

// Handles the environment gives the peer: a connection, a timer, a pending fsync.
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

// Channel is the port a connection was opened to, as in a ZooKeeper server config:
// the election port (FLE notifications), the quorum port (leader and learners), and the
// client port.
enum class Channel : uint32_t { kElection = 1, kQuorum = 2, kClient = 3 };

// DiskContents is a server's disk as it reads it: file name -> records, in order. (The
// simulator's sim::Files has exactly this type.)
using DiskContents = std::map<std::string, std::vector<std::string>, std::less<>>;

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_TYPES_H_

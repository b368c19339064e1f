#include "zab/types.h"

#include <fmt/format.h>

namespace zabsim::zab {

std::string ToString(Zxid zxid) {
  // ZooKeeper's Long.toHexString: lowercase, no leading zeros, so zero is "0x0".
  return fmt::format("{:#x}", zxid.value);
}

std::string_view ToString(ServerState state) {
  switch (state) {
    case ServerState::kLooking:
      return "LOOKING";
    case ServerState::kFollowing:
      return "FOLLOWING";
    case ServerState::kLeading:
      return "LEADING";
    case ServerState::kObserving:
      return "OBSERVING";
  }
  return "?";
}

std::string_view ToString(ZabPhase phase) {
  switch (phase) {
    case ZabPhase::kElection:
      return "ELECTION";
    case ZabPhase::kDiscovery:
      return "DISCOVERY";
    case ZabPhase::kSynchronization:
      return "SYNCHRONIZATION";
    case ZabPhase::kBroadcast:
      return "BROADCAST";
  }
  return "?";
}

std::string_view ToString(SyncMode mode) {
  switch (mode) {
    case SyncMode::kNone:
      return "NONE";
    case SyncMode::kDiff:
      return "DIFF";
    case SyncMode::kTrunc:
      return "TRUNC";
    case SyncMode::kSnap:
      return "SNAP";
  }
  return "?";
}

std::string_view ToString(Thread thread) {
  switch (thread) {
    case Thread::kQuorumPeer:
      return "quorum-peer";
    case Thread::kLearnerHandler:
      return "learner-handler";
    case Thread::kCommitProcessor:
      return "commit-processor";
    case Thread::kSyncThread:
      return "sync-thread";
    case Thread::kSnapshot:
      return "snapshot";
  }
  return "?";
}

}  // namespace zabsim::zab

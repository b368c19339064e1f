// File: runner/scenario/render.h
//
// Renders trace records as the short lines scenario files show: one line per message
// or state change, prefixed with the time in seconds, e.g.
//
//     0.209 3 LOOKING -> LEADING
//     0.211 2->3 ACKEPOCH last=0x100000003 epoch=1
//     0.215 3 sync learner 2: DIFF 0x100000003 +0 txns (in sync)
//
// Lines come from the same trace records as the JSON Lines trace, so the two never
// disagree. Each line belongs to a category, and a scenario chooses which categories it
// shows (`show state,sync`).

#ifndef ZABSIM_RUNNER_SCENARIO_RENDER_H_
#define ZABSIM_RUNNER_SCENARIO_RENDER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "sim/trace.h"

namespace zabsim::runner::scenario {

enum Category : uint32_t {
  kState = 1 << 0,      // Role and phase changes, elections decided, leaders established.
  kElection = 1 << 1,   // Votes: notifications received and proposals changed.
  kDiscovery = 1 << 2,  // FOLLOWERINFO, LEADERINFO, ACKEPOCH; the epoch chosen.
  kSync = 1 << 3,       // The sync choice, DIFF/TRUNC/SNAP, NEWLEADER, UPTODATE and their ACKs.
  kBroadcast = 1 << 4,  // PROPOSAL, ACK, COMMIT, INFORM, REQUEST, SYNC; commits decided.
  kApply = 1 << 5,      // Txns applied to a server's tree.
  kPing = 1 << 6,       // PINGs.
  kClient = 1 << 7,     // Client operations invoked and completed.
  kDisk = 1 << 8,       // Epoch files, fsyncs of the log, snapshots, truncations.
  kFault = 1 << 9,      // Faults applied (crash, partition, ...).
  kNet = 1 << 10,       // Frames dropped, connections broken.
  kIgnore = 1 << 11,    // Messages dropped on purpose by a server (stale, duplicate).
  kStep = 1 << 12,      // Steps of ZooKeeper's threads (CommitProcessor, SyncThread, ...).
};

inline constexpr uint32_t kAllCategories = (1u << 13) - 1;
// The categories of a received message's line.
inline constexpr uint32_t kMessageCategories = kElection | kDiscovery | kSync | kBroadcast | kPing;
inline constexpr uint32_t kDefaultCategories =
    kState | kDiscovery | kSync | kBroadcast | kClient | kFault | kNet;

// ParseCategories reads "state,sync", "all", "none", or "+ping,-broadcast" (relative to
// `current`). Unknown names are an error listing the known ones.
absl::StatusOr<uint32_t> ParseCategories(std::string_view text, uint32_t current);
std::string CategoryNames();

class Renderer {
 public:
  // `servers`: process ids 1..servers are servers; later ones are clients c1, c2, ...
  explicit Renderer(uint32_t servers) : servers_(servers) {}

  // Render returns the record's category and line, or nullopt for records that are
  // never shown (timers, connections opened, fsync requests, ...). The line is written
  // only if the category is one of `wanted`, and left empty otherwise; every record must
  // still go through Render, which keeps the state some lines depend on. A received
  // message with none of kMessageCategories wanted is nullopt: no state depends on it.
  std::optional<std::pair<Category, std::string>> Render(const sim::TraceRecord& r,
                                                         uint32_t wanted = kAllCategories);

 private:
  std::string Who(uint64_t process) const;
  std::optional<std::pair<Category, std::string>> RenderMessage(const sim::TraceRecord& r, uint32_t wanted);
  std::optional<std::pair<Category, std::string>> RenderState(const sim::TraceRecord& r, uint32_t wanted);

  uint32_t servers_;
  std::map<uint32_t, std::pair<std::string, std::string>> last_state_;  // Process -> (state, phase).
};

}  // namespace zabsim::runner::scenario

#endif  // ZABSIM_RUNNER_SCENARIO_RENDER_H_

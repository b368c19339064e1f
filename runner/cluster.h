// File: runner/cluster.h
//
// A ZAB ensemble in the simulated world: `voters` + `observers` servers (process ids =
// sids 1..servers) and `clients` client processes after them, each running its own
// workload. The cluster fans every server and client event out to its listeners (the
// checkers, the summary, the scenario runner) with the time it happened.
//
//   ClusterOptions options;
//   options.seed = 7;
//   options.zab.voters = 5;
//   options.clients = 3;
//   options.workload.ops = 100;
//   auto cluster = Cluster::Create(options);
//   (*cluster)->world().RunUntil(sim::Time{60'000'000});

#ifndef ZABSIM_RUNNER_CLUSTER_H_
#define ZABSIM_RUNNER_CLUSTER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "runner/processes.h"
#include "sim/world.h"
#include "zab/config.h"
#include "zab/coverage.h"
#include "zab/events.h"

namespace zabsim::runner {

using World = sim::World<zab::Message>;

// DefaultWorld is the world a ZAB ensemble runs in by default: the simulator's defaults,
// with connection attempts timing out after ZooKeeper's cnxTimeout (5 s).
sim::WorldConfig DefaultWorld();

struct ClusterOptions {
  uint64_t seed = 1;
  zab::Config zab;
  sim::WorldConfig world = DefaultWorld();  // Its seed and process count are set from the above.
  uint32_t clients = 0;
  // client_homes[i], if present and not empty, lists the only servers client i uses.
  std::vector<std::vector<uint32_t>> client_homes;
  Workload workload;
  int64_t client_op_timeout_ms = 4000;
};

struct EventRecord {
  sim::Time time;
  uint32_t process = 0;
  zab::Event event;
};

class Cluster {
 public:
  static absl::StatusOr<std::unique_ptr<Cluster>> Create(const ClusterOptions& options);

  World& world() { return *world_; }
  const World& world() const { return *world_; }
  const ClusterOptions& options() const { return options_; }
  uint32_t servers() const { return options_.zab.servers(); }
  uint32_t clients() const { return options_.clients; }
  bool IsServer(uint32_t process) const { return process >= 1 && process <= servers(); }

  // peer returns server `sid`'s state machine, or nullptr while it is down.
  const zab::Peer* peer(uint32_t sid);
  // client returns client number `index` (0-based), or nullptr while it is down.
  ClientProcess* client(uint32_t index);
  uint32_t ClientProcessId(uint32_t index) const { return servers() + 1 + index; }

  void AddListener(std::function<void(const EventRecord&)> listener);

  // coverage counts the coverage marks every server reached so far (zab/coverage.h),
  // across crashes and restarts. Counting changes nothing the run does.
  const zab::Coverage& coverage() const { return coverage_; }

  // EstablishedLeader: a live server leading an established epoch (the one with the
  // highest epoch if a deposed leader still believes it leads).
  std::optional<uint32_t> EstablishedLeader();
  bool WorkloadDone();
  // Converged: an established leader, every other live server serving under it, and
  // every tree equal to the leader's.
  bool Converged();

 private:
  explicit Cluster(const ClusterOptions& options) : options_(options) {}

  ClusterOptions options_;
  zab::Coverage coverage_;  // Before world_: the servers count into it until they go.
  EventSink sink_;
  std::vector<std::function<void(const EventRecord&)>> listeners_;
  std::unique_ptr<World> world_;
};

}  // namespace zabsim::runner

#endif  // ZABSIM_RUNNER_CLUSTER_H_

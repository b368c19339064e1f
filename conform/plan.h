// File: conform/plan.h
//
// A conformance plan: the steps of one scenario file that both a real ZooKeeper ensemble
// and zabsim can perform, read from the same parsed file (runner/scenario/parser.h).
// MakePlan refuses, naming FILE:LINE:COLUMN, every command or setting a real ensemble on
// loopback cannot reproduce (partitions, message rules, clock and disk faults, random
// workloads, bug switches...), so that nothing in a scenario is silently skipped.

#ifndef ZABSIM_CONFORM_PLAN_H_
#define ZABSIM_CONFORM_PLAN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runner/scenario/parser.h"

namespace zabsim::conform {

// Ensemble is what the `cluster` command sets that the real side needs too.
struct Ensemble {
  uint32_t voters = 3;
  uint32_t clients = 0;
  std::vector<std::vector<uint32_t>> client_homes;  // Per client; empty: any server.
  // zabsim's defaults are ZooKeeper's sample config (tickTime=2000); the real ensemble
  // uses a short tick for speed unless the scenario sets one. Timing is never compared.
  std::optional<int64_t> tick_ms;
  std::optional<uint32_t> init_limit;
  std::optional<uint32_t> sync_limit;
  std::optional<uint32_t> commit_log_count;               // zookeeper.commitLogCount
  std::optional<uint64_t> snap_count;                     // snapCount
  std::optional<uint32_t> snapshot_size_factor_permille;  // zookeeper.snapshotSizeFactor
  std::optional<uint32_t> txn_log_sync;                   // 0: a negative snapshotSizeFactor
  std::optional<uint32_t> prealloc_kb;                    // zookeeper.preAllocSize (KB)
};

enum class StepKind {
  kCluster,       // Creates the ensemble (starts every server).
  kSimOnly,       // show, check: meaningful in zabsim only; nothing to do on the real side.
  kRunLeader,     // run until=leader
  kRunConverged,  // run until=converged
  kRunEpoch,      // run until=epoch:N
  kRunFor,        // run for=DURATION
  kClientOp,      // create, set, delete, get, exists
  kCrash,         // crash SERVER (kill -9 on the real side)
  kRestart,       // restart SERVER
  kState,         // state [SERVER]...
  // Network faults, carried out by the quorum proxy (conform/quorum_proxy.h).
  kRule,      // hold-next, drop-next, delay-next
  kHold,      // hold A>B
  kRelease,   // release A>B
  kCut,       // partition, oneway
  kHeal,      // heal
  kBreak,     // break A B
  kDelay,     // delay A>B EXTRA FOR
  // Disk faults, carried out by the servers' preload library (conform/preload).
  kDiskSlow,   // disk-slow SERVER FACTOR FOR
  kDiskError,  // disk-error SERVER FOR [PREFIX,...]
};

struct Step {
  const runner::scenario::Directive* directive = nullptr;
  StepKind kind = StepKind::kSimOnly;
  uint32_t server = 0;           // kCrash, kRestart.
  std::vector<uint32_t> servers;  // kState (empty: all).
  uint32_t client = 0;           // kClientOp, 1-based.
  std::string op;                // kClientOp: create, set, delete, get, exists.
  std::string path;
  std::string data;
  std::optional<int32_t> version;
  bool nowait = false;  // kClientOp: a write sent without waiting for its answer.
  int64_t for_ms = 0;  // kRunFor.
  uint64_t epoch = 0;  // kRunEpoch: a leader has established an epoch >= this.
  // Faults. `from`/`to`: kRule, kHold, kRelease, kDelay, and kBreak's two servers.
  uint32_t from = 0;
  uint32_t to = 0;
  std::vector<std::pair<uint32_t, uint32_t>> cuts;  // kCut: the links cut (from, to).
  bool replace_cuts = false;                        // kCut: a partition replaces every cut.
  std::string action;                               // kRule: hold, drop or delay.
  std::string type;                                 // kRule: empty for any message.
  std::optional<uint64_t> zxid;                     // kRule.
  uint32_t count = 1;                               // kRule.
  int64_t extra_ms = 0;                             // kRule (delay), kDelay.
  uint32_t factor = 1;                              // kDiskSlow.
  std::string prefixes;                             // kDiskError: comma-separated, or empty for all.
};

struct Plan {
  Ensemble ensemble;
  std::vector<Step> steps;  // One per directive, in order.
  std::vector<std::string> paths;  // Every path a client op names, in first-seen order.
};

// MakePlan reads `file` for a conformance run. Errors read "PATH:LINE:COLUMN: ...".
absl::StatusOr<Plan> MakePlan(const runner::scenario::ScenarioFile& file);

// LateName names the end-of-run observation of a write sent without waiting: its answer
// ("c1 create /p (answered later)"), OK without a zxid or an error code.
std::string LateName(const Step& step);

// Describe renders a step's command line, for reports ("create 1 /a x").
std::string Describe(const Step& step);

}  // namespace zabsim::conform

#endif  // ZABSIM_CONFORM_PLAN_H_

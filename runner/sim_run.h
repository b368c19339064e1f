// File: runner/sim_run.h
//
// One seeded simulated run, from a spec: the ensemble, its clients and their workload,
// a fault plan within a window, then quiet. Faults end with the window (or the plan's
// last fault, if later); from there a converged ensemble is owed within the liveness
// bound (runner/liveness.h), and the run goes on to the end of the quiet time. Every
// check watches it all (runner/run_summary.h). `zabsim sim`, `sweep` and `hunt`, the
// minimizer and the property tests all run this one code path, so a seed means the same
// run wherever it is run.
//
//   SimSpec spec = SwarmSpec(options, sim::Duration::Seconds(60), sim::Duration::Seconds(90));
//   auto run = SimRun::Create(spec);
//   (*run)->Run();
//   if (!(*run)->ok()) ... (*run)->FailedChecks() ...
//
// AddCheck adds a check of one's own (runner/check.h) to the built-in ones.

#ifndef ZABSIM_RUNNER_SIM_RUN_H_
#define ZABSIM_RUNNER_SIM_RUN_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runner/check.h"
#include "runner/cluster.h"
#include "runner/liveness.h"
#include "runner/run_summary.h"
#include "sim/fault.h"

namespace zabsim::runner {

struct SimSpec {
  ClusterOptions options;
  sim::FaultPlan plan;  // Times from the start of the run.
  sim::Duration window = sim::Duration::Seconds(60);
  sim::Duration quiet = sim::Duration::Seconds(90);
  uint32_t liveness_ticks = 40;  // 0: no liveness check.

  sim::Time horizon() const { return sim::Time::Zero() + window + quiet; }
  // FaultsEnd: the end of the window, or the plan's last fault if that is later.
  sim::Time FaultsEnd() const;
  sim::Duration LivenessBound() const {
    return sim::Duration::Millis(static_cast<int64_t>(liveness_ticks) * options.zab.tick_ms);
  }
};

// SwarmSpec is the spec `zabsim sim` runs by default: faults drawn swarm-style from the
// seed (servers only: clients observe the run), within the window.
SimSpec SwarmSpec(const ClusterOptions& options, sim::Duration window, sim::Duration quiet,
                  sim::SwarmSettings* settings = nullptr);

// The name of the liveness verdict, next to RunSummary's check names.
inline constexpr std::string_view kLiveness = "liveness";

class SimRun {
 public:
  static absl::StatusOr<std::unique_ptr<SimRun>> Create(const SimSpec& spec);

  // AddCheck adds a check that watches the run with the built-in ones; its verdict comes
  // after theirs. REQUIRES: Run has not been called.
  void AddCheck(std::unique_ptr<Check> check);

  // Run runs the world to the end of the quiet time, checking liveness on the way.
  void Run();

  Cluster& cluster() { return *cluster_; }
  RunSummary& summary() { return *summary_; }
  const SimSpec& spec() const { return spec_; }
  const std::optional<LivenessVerdict>& liveness() const { return liveness_; }
  bool live() const {
    return !liveness_ || liveness_->kind != LivenessVerdict::Kind::kViolated;
  }
  bool ok() const;
  // Verdicts: the summary's, then liveness if it was checked, then each added check's.
  std::vector<Verdict> verdicts() const;
  // FailedChecks names the checks with violations, in the order of verdicts().
  std::vector<std::string> FailedChecks() const;
  uint64_t fingerprint() const { return cluster_->world().trace().fingerprint(); }
  uint64_t events() const { return cluster_->world().stats().events; }

 private:
  SimRun(const SimSpec& spec, std::unique_ptr<Cluster> cluster);

  SimSpec spec_;
  std::unique_ptr<Cluster> cluster_;
  std::unique_ptr<RunSummary> summary_;
  std::optional<LivenessVerdict> liveness_;
  std::vector<std::unique_ptr<Check>> checks_;  // AddCheck's, in the order added.
  bool ran_ = false;
};

}  // namespace zabsim::runner

#endif  // ZABSIM_RUNNER_SIM_RUN_H_

#include "runner/sim_run.h"

#include <algorithm>
#include <utility>

#include "base/check.h"

namespace zabsim::runner {

sim::Time SimSpec::FaultsEnd() const {
  sim::Time end = sim::Time::Zero() + window;
  for (const sim::TimedFault& f : plan.faults) end = std::max(end, f.at);
  return end;
}

SimSpec SwarmSpec(const ClusterOptions& options, sim::Duration window, sim::Duration quiet,
                  sim::SwarmSettings* settings) {
  SimSpec spec;
  spec.options = options;
  spec.window = window;
  spec.quiet = quiet;
  spec.plan = sim::Swarm(options.seed, options.zab.servers(), window, /*signals=*/1, settings);
  return spec;
}

SimRun::SimRun(const SimSpec& spec, std::unique_ptr<Cluster> cluster)
    : spec_(spec), cluster_(std::move(cluster)), summary_(std::make_unique<RunSummary>(*cluster_)) {}

absl::StatusOr<std::unique_ptr<SimRun>> SimRun::Create(const SimSpec& spec) {
  auto cluster = Cluster::Create(spec.options);
  if (!cluster.ok()) return cluster.status();
  if (absl::Status s = (*cluster)->world().Schedule(spec.plan); !s.ok()) return s;
  return std::unique_ptr<SimRun>(new SimRun(spec, *std::move(cluster)));
}

void SimRun::AddCheck(std::unique_ptr<Check> check) {
  ZABSIM_CHECK(!ran_, "SimRun::AddCheck after Run");
  Check* const c = check.get();
  cluster_->AddListener([c](const EventRecord& r) { c->OnEvent(r); });
  checks_.push_back(std::move(check));
}

void SimRun::Run() {
  ran_ = true;
  World& world = cluster_->world();
  const sim::Time horizon = spec_.horizon();
  // Running the world in steps leaves the run as it is (same events, same order).
  world.RunUntil(std::min(spec_.FaultsEnd(), horizon));
  if (spec_.liveness_ticks > 0) liveness_ = CheckLiveness(*cluster_, spec_.LivenessBound(), horizon);
  world.RunUntil(horizon);
  summary_->CheckConverged();
  for (const std::unique_ptr<Check>& c : checks_) c->Finish(*cluster_);
}

bool SimRun::ok() const {
  if (!summary_->violations().empty() || !live()) return false;
  for (const std::unique_ptr<Check>& c : checks_) {
    if (!c->violations().empty()) return false;
  }
  return true;
}

std::vector<Verdict> SimRun::verdicts() const {
  std::vector<Verdict> out = summary_->verdicts();
  if (liveness_ && liveness_->kind != LivenessVerdict::Kind::kNotChecked) {
    Verdict v{std::string(liveness_->stall.empty() ? kLiveness : kAcceptedEpochStall), {}};
    if (!live()) {
      v.violations.push_back(Describe(*liveness_, spec_.LivenessBound()) + "\n" + liveness_->detail);
    }
    out.push_back(std::move(v));
  }
  for (const std::unique_ptr<Check>& c : checks_) out.push_back(Verdict{c->name(), c->violations()});
  return out;
}

std::vector<std::string> SimRun::FailedChecks() const {
  std::vector<std::string> out;
  for (const Verdict& v : verdicts()) {
    if (!v.violations.empty()) out.push_back(v.check);
  }
  return out;
}

}  // namespace zabsim::runner

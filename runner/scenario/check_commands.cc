// The verdicts of a scenario (docs/scenarios.md, `check` and `expect`): the checkers'
// violations so far, liveness within a bound, and the expectations on the servers'
// state, with the final verdicts when the run ends.

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status.h"
#include "runner/liveness.h"
#include "runner/scenario/args.h"
#include "runner/scenario/expect.h"
#include "runner/scenario/runner.h"
#include "runner/sim_run.h"

namespace zabsim::runner::scenario {

absl::Status ScenarioRunner::Check(const Directive& /*d*/, Args& args, Lines& out) {
  // liveness=BOUND: from now, with the faults over, the ensemble must converge within
  // BOUND (runner/liveness.h). The world runs until it does or the bound passes.
  std::string not_checked;
  if (const Arg* a = args.Key("liveness")) {
    auto bound = args.Duration(*a, kMaxRun);
    if (!bound.ok()) return bound.status();
    const sim::Time now = cluster_->world().now();
    const LivenessVerdict v = CheckLiveness(*cluster_, *bound, Deadline(*bound));
    liveness_checked_ = liveness_checked_ || v.kind != LivenessVerdict::Kind::kNotChecked;
    if (v.kind == LivenessVerdict::Kind::kViolated && !v.stall.empty()) {
      liveness_violations_.push_back(fmt::format("{}: [{}] {}, as ZooKeeper does: no converged ensemble "
                                                 "within {} of {}s",
                                                 sim::FormatTime(cluster_->world().now()), kAcceptedEpochStall,
                                                 v.stall, sim::FormatDuration(*bound), sim::FormatTime(now)));
      stall_violations_.push_back(liveness_violations_.back());
    } else if (v.kind == LivenessVerdict::Kind::kViolated) {
      liveness_violations_.push_back(
          fmt::format("{}: [liveness] no converged ensemble within {} of {}s: {}",
                      sim::FormatTime(cluster_->world().now()), sim::FormatDuration(*bound),
                      sim::FormatTime(now), absl::StrJoin(absl::StrSplit(v.detail, '\n'), "; ")));
    } else if (v.kind == LivenessVerdict::Kind::kNotChecked) {
      not_checked = fmt::format("liveness: not checked ({})", v.detail);
    }
  }
  summary_->CheckConverged();
  if (trace_file_ != nullptr) trace_file_->Verdicts(cluster_->world().now(), Verdicts());
  const std::vector<std::string> v = Violations();
  if (v.empty()) {
    out.push_back("checks: ok");
  } else {
    for (const std::string& line : v) out.push_back("violation: " + line);
  }
  if (!not_checked.empty()) out.push_back(not_checked);
  return absl::OkStatus();
}

absl::Status ScenarioRunner::Expect(const Directive& d, Args& args, Lines& out) {
  (void)args;  // An expectation reads its own arguments (expect.cc).
  const Directive& written = *written_;
  const size_t before = failures_.size();
  const ExpectView view{*cluster_, captures_, leaders_};
  if (absl::Status s = scenario::Expect(file_, written, d, view, failures_); !s.ok()) {
    if (d.loop.empty()) return s;
    return absl::InvalidArgumentError(fmt::format("{} (in repeat, {})", base::Text(s), d.loop));
  }
  for (size_t i = before; i < failures_.size(); ++i) {
    if (!d.loop.empty()) failures_[i] += fmt::format(" (in repeat, {})", d.loop);
    out.push_back(failures_[i]);
  }
  if (out.empty()) out.push_back("ok");
  return absl::OkStatus();
}

std::vector<Verdict> ScenarioRunner::Verdicts() const {
  std::vector<Verdict> out = summary_->verdicts();
  if (!liveness_checked_) return out;
  Verdict liveness{std::string(kLiveness), {}};
  for (const std::string& v : liveness_violations_) {
    if (std::find(stall_violations_.begin(), stall_violations_.end(), v) == stall_violations_.end()) {
      liveness.violations.push_back(v);
    }
  }
  out.push_back(std::move(liveness));
  if (!stall_violations_.empty()) out.push_back(Verdict{std::string(kAcceptedEpochStall), stall_violations_});
  return out;
}

void ScenarioRunner::Finish() {
  if (!cluster_) return;
  summary_->CheckConverged();
  if (trace_file_ == nullptr) return;
  trace_file_->Verdicts(cluster_->world().now(), Verdicts());
  trace_file_->End(cluster_->world().now());
}

}  // namespace zabsim::runner::scenario

#include "runner/minimize.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "absl/strings/str_split.h"
#include "base/check.h"
#include "base/status.h"
#include "runner/minimize_passes.h"
#include "runner/scenario/parser.h"
#include "runner/scenario/runner.h"
#include "zab/releases.h"

namespace zabsim::runner {
namespace {

// Settings Describe() lists that the `cluster` line writes in its own way, or not at all.
bool WrittenApart(std::string_view key) {
  return key == "voters" || key == "observers" || key == "bugs" || key == "seed" ||
         key == "processes" || key == "zk";
}

std::string ClusterLine(const ClusterOptions& o) {
  std::vector<std::string> args = {fmt::format("voters={}", o.zab.voters)};
  if (o.zab.observers > 0) args.push_back(fmt::format("observers={}", o.zab.observers));
  args.push_back(fmt::format("clients={}", o.clients));
  if (o.clients > 0) args.push_back(fmt::format("workload={}", o.workload.ops));
  args.push_back(fmt::format("seed={}", o.seed));
  for (size_t i = 0; i < o.client_homes.size(); ++i) {
    if (o.client_homes[i].empty()) continue;
    args.push_back(fmt::format("client.{}={}", i + 1, fmt::join(o.client_homes[i], ",")));
  }
  zab::Config defaults;
  const auto zab_default = defaults.Describe();
  const auto zab_now = o.zab.Describe();
  for (size_t i = 0; i < zab_now.size(); ++i) {
    if (WrittenApart(zab_now[i].first) || zab_now[i] == zab_default[i]) continue;
    args.push_back(fmt::format("{}={}", zab_now[i].first, zab_now[i].second));
  }
  const auto world_default = DefaultWorld().Describe();
  const auto world_now = o.world.Describe();
  for (size_t i = 0; i < world_now.size(); ++i) {
    if (WrittenApart(world_now[i].first) || world_now[i] == world_default[i]) continue;
    args.push_back(fmt::format("{}={}", world_now[i].first, world_now[i].second));
  }
  // The release, then the switches that differ from its own.
  zab::Config release;
  ZABSIM_CHECK(zab::UseRelease(release, o.zab.release).ok(), "release {}", o.zab.release);
  if (o.zab.release != zab::kDefaultRelease) args.push_back(fmt::format("zk={}", o.zab.release));
  for (const zab::BugName& b : zab::BugNames()) {
    const bool now = zab::IsBugOn(o.zab.bugs, b.name);
    if (now != zab::IsBugOn(release.bugs, b.name)) {
      args.push_back(fmt::format("{}={}", now ? "bug" : "fix", b.name));
    }
  }
  return fmt::format("cluster {}", fmt::join(args, " "));
}

// FaultCommand is the scenario command for a fault: its written form, except that the
// role-restart signal has a command of its own.
std::string FaultCommand(const sim::Fault& f) {
  if (f.kind == sim::Fault::Kind::kSignal && f.value == 1) return fmt::format("role-restart {}", f.p.value);
  return f.ToString();
}

void Directive(std::string& out, std::string_view command) {
  out += command;
  out += "\n----\n\n";
}

bool IsCheck(const scenario::Directive& d) { return d.name == "check"; }

}  // namespace

std::string CheckOfViolation(std::string_view violation) {
  const size_t open = violation.find(": [");
  if (open != std::string_view::npos) {
    const size_t close = violation.find(']', open);
    if (close != std::string_view::npos) return std::string(violation.substr(open + 3, close - open - 3));
  }
  if (violation.find("the run stopped") != std::string_view::npos) {
    return std::string(RunSummary::kBoundedEvents);
  }
  if (violation.rfind("liveness", 0) == 0) {
    const bool stall = violation.find(kAcceptedEpochStall) != std::string_view::npos;
    return std::string(stall ? kAcceptedEpochStall : kLiveness);
  }
  return std::string(violation);
}

std::vector<std::string> ScenarioCommands(const SimSpec& spec) {
  std::vector<std::string> out = {ClusterLine(spec.options), "show none"};
  sim::Time now = sim::Time::Zero();
  const auto run_to = [&](sim::Time t) {
    if (t <= now) return;
    out.push_back(fmt::format("run for={}", sim::FormatDuration(t - now)));
    now = t;
  };
  for (const sim::TimedFault& f : spec.plan.faults) {
    run_to(f.at);
    out.push_back(FaultCommand(f.fault));
  }
  // Without a liveness check the faults' end is no point of its own: the run goes on to
  // the horizon in one command (running the world in steps leaves the run as it is).
  if (spec.liveness_ticks > 0) {
    run_to(std::min(spec.FaultsEnd(), spec.horizon()));
    out.push_back(fmt::format("check liveness={}", sim::FormatDuration(spec.LivenessBound())));
  }
  run_to(spec.horizon());
  out.push_back("check");
  return out;
}

std::string ScenarioFor(const SimSpec& spec, std::string_view comment) {
  std::string text;
  for (const absl::string_view line : absl::StrSplit(base::Absl(comment), '\n')) {
    text += line.empty() ? "#\n" : fmt::format("# {}\n", base::Std(line));
  }
  if (!comment.empty()) text += "\n";
  for (const std::string& command : ScenarioCommands(spec)) Directive(text, command);
  // Fill in what every other command prints, and have each check claim "checks: ok".
  auto file = scenario::Parse("minimized.scn", text);
  if (!file.ok()) return text;  // Cannot happen for what is written above; shown as is.
  scenario::FileResult r = scenario::RunFile("minimized.scn", text, zab::ReleaseChoice{});
  for (size_t k = 0; k < r.outputs.size() && k < file->directives.size(); ++k) {
    if (IsCheck(file->directives[k])) r.outputs[k] = {"checks: ok"};
  }
  return scenario::Rewrite(*file, r.outputs);
}

std::vector<std::string> ScenarioChecks(std::string_view text) {
  const scenario::FileResult r = scenario::RunFile("candidate.scn", text, zab::ReleaseChoice{});
  if (!r.error.empty()) return {"error: " + r.error};
  std::vector<std::string> out;
  for (const std::string& v : r.violations) {
    std::string name = CheckOfViolation(v);
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
  }
  return out;
}

Minimized Minimize(const SimSpec& failing, std::string_view check, std::string_view comment,
                   const std::function<void(const Minimized&)>& progress) {
  Minimized m;
  m.check = std::string(check);
  m.faults_before = failing.plan.faults.size();
  m.ops_before = failing.options.workload.ops;
  m.clients_before = failing.options.clients;
  Shrinker s;
  s.spec = failing;
  s.fails = [&](const SimSpec& candidate) {
    // The commands without their outputs: the same run as the file ScenarioFor writes
    // (outputs only decide which violations a file expects, and a candidate expects
    // none), without the run that ScenarioFor spends filling the outputs in.
    std::string text;
    for (const std::string& command : ScenarioCommands(candidate)) Directive(text, command);
    const std::vector<std::string> checks = ScenarioChecks(text);
    return std::find(checks.begin(), checks.end(), m.check) != checks.end();
  };
  if (progress) {
    s.kept = [&](const Shrinker& k) {
      m.spec = k.spec;
      m.runs = k.runs;
      progress(m);
    };
  }
  ++s.runs;
  m.reproduced = s.fails(failing);
  if (m.reproduced) {
    ShrinkBothWays(s, m.check == kLiveness || m.check == kAcceptedEpochStall);
  }
  m.spec = s.spec;
  m.runs = s.runs;
  m.scenario = ScenarioFor(m.spec, comment);
  auto file = scenario::Parse("minimized.scn", m.scenario);
  m.steps = file.ok() ? file->directives.size() : 0;
  return m;
}

}  // namespace zabsim::runner

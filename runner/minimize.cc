#include "runner/minimize.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "absl/strings/str_split.h"
#include "base/status.h"
#include "runner/scenario/parser.h"
#include "runner/scenario/runner.h"

namespace zabsim::runner {
namespace {

// Settings Describe() lists that the `cluster` line writes in its own way, or not at all.
bool WrittenApart(std::string_view key) {
  return key == "voters" || key == "observers" || key == "bugs" || key == "seed" || key == "processes";
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
  for (const std::string_view bug : zab::EnabledBugs(o.zab.bugs)) args.push_back(fmt::format("bug={}", bug));
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
  if (violation.rfind("liveness", 0) == 0) return std::string(kLiveness);
  return std::string(violation);
}

std::string ScenarioFor(const SimSpec& spec, std::string_view comment) {
  std::string text;
  for (const absl::string_view line : absl::StrSplit(base::Absl(comment), '\n')) {
    text += line.empty() ? "#\n" : fmt::format("# {}\n", base::Std(line));
  }
  if (!comment.empty()) text += "\n";
  Directive(text, ClusterLine(spec.options));
  Directive(text, "show none");
  sim::Time now = sim::Time::Zero();
  for (const sim::TimedFault& f : spec.plan.faults) {
    if (f.at > now) {
      Directive(text, fmt::format("run for={}", sim::FormatDuration(f.at - now)));
      now = f.at;
    }
    Directive(text, FaultCommand(f.fault));
  }
  const sim::Time faults_end = std::min(spec.FaultsEnd(), spec.horizon());
  if (faults_end > now) Directive(text, fmt::format("run for={}", sim::FormatDuration(faults_end - now)));
  if (spec.liveness_ticks > 0) {
    Directive(text, fmt::format("check liveness={}", sim::FormatDuration(spec.LivenessBound())));
  }
  if (spec.horizon() > faults_end) {
    Directive(text, fmt::format("run for={}", sim::FormatDuration(spec.horizon() - faults_end)));
  }
  Directive(text, "check");
  // Fill in what every other command prints, and have each check claim "checks: ok".
  auto file = scenario::Parse("minimized.scn", text);
  if (!file.ok()) return text;  // Cannot happen for what is written above; shown as is.
  scenario::FileResult r = scenario::RunFile("minimized.scn", text, zab::Bugs{});
  for (size_t k = 0; k < r.outputs.size() && k < file->directives.size(); ++k) {
    if (IsCheck(file->directives[k])) r.outputs[k] = {"checks: ok"};
  }
  return scenario::Rewrite(*file, r.outputs);
}

std::vector<std::string> ScenarioChecks(std::string_view text) {
  const scenario::FileResult r = scenario::RunFile("candidate.scn", text, zab::Bugs{});
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
  m.spec = failing;
  m.faults_before = failing.plan.faults.size();
  m.ops_before = failing.options.workload.ops;
  m.clients_before = failing.options.clients;
  const auto fails = [&](const SimSpec& candidate) {
    ++m.runs;
    const std::vector<std::string> checks = ScenarioChecks(ScenarioFor(candidate, ""));
    return std::find(checks.begin(), checks.end(), m.check) != checks.end();
  };
  const auto keep = [&](SimSpec candidate) {
    m.spec = std::move(candidate);
    if (progress) progress(m);
  };
  m.reproduced = fails(failing);
  if (m.reproduced) {
    // Faults: delta debugging (Zeller's ddmin), removing complements of ever smaller
    // chunks while the failure stays.
    const auto shrink_faults = [&] {
      size_t chunks = 2;
      while (!m.spec.plan.faults.empty()) {
        std::vector<sim::TimedFault>& faults = m.spec.plan.faults;
        const size_t n = faults.size();
        chunks = std::min(chunks, n);
        bool removed = false;
        for (size_t c = 0; c < chunks; ++c) {
          const size_t begin = c * n / chunks;
          const size_t end = (c + 1) * n / chunks;
          SimSpec candidate = m.spec;
          candidate.plan.faults.erase(candidate.plan.faults.begin() + static_cast<ptrdiff_t>(begin),
                                      candidate.plan.faults.begin() + static_cast<ptrdiff_t>(end));
          if (fails(candidate)) {
            keep(std::move(candidate));
            chunks = std::max<size_t>(chunks - 1, 2);
            removed = true;
            break;
          }
        }
        if (removed) continue;
        if (chunks >= n) break;
        chunks = std::min(n, chunks * 2);
      }
    };
    shrink_faults();
    // Fewer operations per client (halving), then fewer clients.
    while (m.spec.options.workload.ops > 0) {
      SimSpec candidate = m.spec;
      candidate.options.workload.ops /= 2;
      if (!fails(candidate)) break;
      keep(std::move(candidate));
    }
    while (m.spec.options.clients > 0) {
      SimSpec candidate = m.spec;
      --candidate.options.clients;
      if (candidate.options.client_homes.size() > candidate.options.clients) {
        candidate.options.client_homes.resize(candidate.options.clients);
      }
      if (!fails(candidate)) break;
      keep(std::move(candidate));
    }
    // With less traffic some faults may have become unnecessary.
    shrink_faults();
  }
  m.scenario = ScenarioFor(m.spec, comment);
  auto file = scenario::Parse("minimized.scn", m.scenario);
  m.steps = file.ok() ? file->directives.size() : 0;
  return m;
}

}  // namespace zabsim::runner

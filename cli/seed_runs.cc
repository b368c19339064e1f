#include "cli/seed_runs.h"

#include <algorithm>

#include <atomic>
#include <csignal>
#include <fstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/junit.h"
#include "runner/output_file.h"
#include "sim/trace.h"
#include "zab/config.h"
#include "zab/releases.h"

namespace zabsim::cli {
namespace {

std::atomic<bool> interrupt_seen{false};

extern "C" void OnInterrupt(int) { interrupt_seen.store(true); }

}  // namespace

CatchInterrupt::CatchInterrupt() {
  interrupt_seen.store(false);
  std::signal(SIGINT, OnInterrupt);
}

CatchInterrupt::~CatchInterrupt() { std::signal(SIGINT, SIG_DFL); }

bool CatchInterrupt::interrupted() { return interrupt_seen.load(); }

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

absl::StatusOr<SeedResult> RunSeed(const RunShape& shape, uint64_t seed) {
  sim::SwarmSettings swarm;
  std::string knobs;
  auto run = runner::SimRun::Create(shape.Spec(seed, &swarm, &knobs));
  if (!run.ok()) return run.status();
  (*run)->Run();
  SeedResult r;
  r.seed = seed;
  r.failed = (*run)->FailedChecks();  // Every check, liveness and the world's bounds.
  r.ok = r.failed.empty();
  if (!r.ok) r.anomaly = KnownAnomaly((*run)->verdicts());
  // The first violation in time: the summary lists them in the order found, then the
  // world's stop; liveness is decided after the faults, so it comes last.
  if (const std::vector<std::string> v = (*run)->summary().violations(); !v.empty()) {
    r.first_violation = v.front();
  } else if (!(*run)->live()) {
    r.first_violation = runner::Describe(*(*run)->liveness(), (*run)->spec().LivenessBound());
  }
  if (!r.first_violation.empty()) r.first_check = runner::CheckOfViolation(r.first_violation);
  r.fingerprint = (*run)->fingerprint();
  r.events = (*run)->events();
  r.end = (*run)->cluster().world().now();
  r.coverage = (*run)->cluster().coverage();
  if (shape.swarm) r.swarm = swarm.ToString();
  r.knobs = std::move(knobs);
  return r;
}

std::string KnownAnomaly(const std::vector<runner::Verdict>& verdicts) {
  const runner::Verdict* failed = nullptr;
  for (const runner::Verdict& v : verdicts) {
    if (v.violations.empty()) continue;
    if (failed != nullptr) return "";
    failed = &v;
  }
  if (failed == nullptr) return "";
  if (failed->check == runner::kAcceptedEpochStall) return failed->check;
  return failed->known;
}

void AddKnownFlag(FlagSet& flags) {
  flags.Add("known", "fail|report|ignore", "fail",
            "a run whose only failure real ZooKeeper also shows (ZOOKEEPER-1675's stale read "
            "after a sync, the acceptedEpoch stall): 'fail' counts it, named; 'report' names it "
            "apart and passes; 'ignore' passes it silently");
}

absl::StatusOr<KnownPolicy> ParseKnown(const FlagSet& flags, std::string_view command) {
  const std::string v = flags.Get("known");
  if (v == "fail") return KnownPolicy::kFail;
  if (v == "report") return KnownPolicy::kReport;
  if (v == "ignore") return KnownPolicy::kIgnore;
  return Fail(fmt::format("zabsim {}: --known '{}': expected fail, report or ignore", command, v));
}

std::string KnownCause(const RunShape& shape, const SeedResult& r) {
  if (r.ok) return "";
  if (!r.anomaly.empty()) return r.anomaly;
  const zab::Release* release = zab::FindRelease(shape.options.zab.release);
  if (release == nullptr) return "";
  // The two message-level failures of the old NEWLEADER orders have a signature of their
  // own: a COMMIT after NEWLEADER that finds the pending proposals gone is ZK-4394's
  // NullPointerException, a proposal's ACK before NEWLEADER's is ZK-4685. A seed that
  // fails only those, in a release that has them, is named by them at once.
  const std::vector<std::string_view> on = zab::EnabledBugs(shape.options.zab.bugs);
  const auto has = [&](std::string_view name) {
    return std::find(on.begin(), on.end(), name) != on.end() ||
           std::find(release->in_order.begin(), release->in_order.end(), name) != release->in_order.end();
  };
  {
    std::vector<std::string> named;
    for (const std::string& check : r.failed) {
      if (check == "commit-pending" && has("ZK-4394")) {
        named.emplace_back("ZK-4394");
      } else if (check == "ack-consistent" && has("ZK-4685")) {
        named.emplace_back("ZK-4685");
      } else {
        named.clear();
        break;
      }
    }
    if (!named.empty()) {
      std::string out;
      for (const std::string& n : named) out += (out.empty() ? "" : "+") + n;
      return out;
    }
  }
  // The switches the command line added (--bug) first: a sweep for a bug finds it.
  std::vector<std::string> candidates = shape.release.add;
  for (const std::string_view name : release->switches) {
    const auto& removed = shape.release.remove;
    if (std::find(removed.begin(), removed.end(), name) == removed.end()) candidates.emplace_back(name);
  }
  // The bugs built into the release's NEWLEADER order (G1: ZK-4643, -4646, -4685 and
  // -4394; G2: ZK-4394) go together, as "order-G1": taking them out runs the fixed order,
  // G3. The failed checks tell them apart (commit-pending is ZK-4394's NullPointerException,
  // ack-consistent ZK-4685's early ACK; data loss is ZK-4643's or -4646's).
  const std::string order = release->in_order.empty() ? "" : fmt::format("order-{}", zab::ToString(release->order));
  if (!order.empty()) candidates.push_back(order);
  // passes_without: the seed passes with these bugs taken out too.
  const auto passes_without = [&](const std::vector<std::string>& names) {
    RunShape fixed = shape;
    bool fix_order = false;
    for (const std::string& n : names) {
      auto& added = fixed.release.add;
      if (n == order) {
        fix_order = true;
      } else if (std::find(added.begin(), added.end(), n) != added.end()) {
        added.erase(std::find(added.begin(), added.end(), n));  // Not added, rather than fixed.
      } else {
        fixed.release.remove.push_back(n);
      }
    }
    if (!fixed.release.ApplyTo(fixed.options.zab).ok()) return false;
    if (fix_order) fixed.options.zab.newleader_order = zab::NewLeaderOrder::kG3;
    auto again = RunSeed(fixed, r.seed);
    return again.ok() && again->ok;
  };
  for (const std::string& name : candidates) {
    if (passes_without({name})) return name;
  }
  // Several together: take them all out, then put back each that is not needed.
  if (candidates.size() < 2 || !passes_without(candidates)) return "";
  std::vector<std::string> needed = candidates;
  for (const std::string& name : candidates) {
    std::vector<std::string> fewer;
    for (const std::string& n : needed) {
      if (n != name) fewer.push_back(n);
    }
    if (passes_without(fewer)) needed = std::move(fewer);
  }
  std::string out;
  for (const std::string& n : needed) out += (out.empty() ? "" : "+") + n;
  return out;
}

void JUnitSeed(JUnitReport& report, std::string_view classname, std::string_view replay,
               const SeedResult& r, KnownPolicy policy, std::string_view minimized) {
  const std::string name = fmt::format("seed {}", r.seed);
  if (r.ok) {
    report.Pass(classname, name);
    return;
  }
  if (policy != KnownPolicy::kFail && !r.anomaly.empty()) {
    report.Pass(classname, name,
                fmt::format("known anomaly of real ZooKeeper, not counted: {}\nreplay: {}\n", r.anomaly, replay));
    return;
  }
  const std::string_view first = std::string_view(r.first_violation).substr(0, r.first_violation.find('\n'));
  std::string detail = fmt::format("{}\nchecks that failed: {}\n", r.first_violation, fmt::join(r.failed, ", "));
  if (!r.known.empty()) detail += fmt::format("known cause: {}\n", r.known);
  if (!r.swarm.empty()) detail += fmt::format("swarm: {}\n", r.swarm);
  if (!r.knobs.empty()) detail += fmt::format("knobs: {}\n", r.knobs);
  if (!minimized.empty()) detail += fmt::format("minimized: {}\n", minimized);
  detail += fmt::format("replay: {}\n", replay);
  report.Fail(classname, name, r.first_check, first, detail);
}

std::string ResultLine(const RunShape& shape, const SeedResult& r) {
  const runner::ClusterOptions& o = shape.options;
  std::vector<std::string> bugs;
  for (const std::string_view b : zab::EnabledBugs(o.zab.bugs)) bugs.push_back(JsonString(b));
  return fmt::format(
      "{{\"seed\":{},\"settings\":{{\"voters\":{},\"observers\":{},\"clients\":{},\"ops\":{},"
      "\"time\":{},\"quiet\":{},\"zk\":{},\"bugs\":[{}],\"flags\":{},\"swarm\":{},\"knobs\":{}}},"
      "\"verdict\":\"{}\",\"failed\":{},\"known\":{},\"first_violation\":{},\"fingerprint\":\"{}\","
      "\"events\":{},\"sim_time_us\":{}}}",
      r.seed, o.zab.voters, o.zab.observers, o.clients, o.workload.ops,
      JsonString(sim::FormatDuration(shape.window)), JsonString(sim::FormatDuration(shape.quiet)),
      JsonString(o.zab.release), fmt::join(bugs, ","), JsonList(shape.args), JsonString(r.swarm), JsonString(r.knobs),
      r.ok ? "ok" : "failed", JsonList(r.failed), r.known.empty() ? "null" : JsonString(r.known),
      JsonString(r.first_violation),
      sim::FormatFingerprint(r.fingerprint), r.events, r.end.us);
}

std::string SeedFilePath(std::string_view dir, uint64_t seed) {
  if (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  return fmt::format("{}/seed-{}.scn", dir, seed);
}

std::string CommandLine(std::string_view command, const RunShape& shape) {
  std::string out(command);
  for (const std::string& a : shape.args) out += " " + a;
  return out;
}

std::string JsonList(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i == 0 ? "" : ",") + JsonString(v[i]);
  return out + "]";
}

absl::StatusOr<MinimizedFile> MinimizeSeed(const RunShape& shape, const SeedResult& r,
                                           const std::string& dir, std::string_view command_line) {
  MinimizedFile out;
  const std::string& check = r.first_check;
  const std::string comment = fmt::format(
      "Minimized by zabsim from seed {} of\n  {}\nwhich broke {}:\n  {}\nThe checks below expect "
      "'checks: ok', so 'zabsim run' fails on this file as long\nas the run still breaks them; "
      "'zabsim run --rewrite' records what they find.",
      r.seed, command_line, check, r.first_violation);
  out.minimized = runner::Minimize(shape.Spec(r.seed), check, comment);
  out.path = SeedFilePath(dir, r.seed);
  if (absl::Status s = runner::WriteFile(out.path, out.minimized.scenario); !s.ok()) return s;
  return out;
}

}  // namespace zabsim::cli

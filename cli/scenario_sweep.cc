#include "cli/scenario_sweep.h"

#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "absl/strings/str_split.h"
#include "base/status.h"
#include "cli/commands.h"
#include "cli/run_flags.h"
#include "runner/minimize.h"
#include "runner/output_file.h"
#include "runner/scenario/parser.h"
#include "runner/scenario/runner.h"
#include "runner/scenario/shrink.h"

namespace zabsim::cli {
namespace {

// The flags of AddRunFlags that shape a sim run; a scenario file says its own.
constexpr std::string_view kShapeFlags[] = {"voters", "observers", "clients",        "ops",
                                            "time",   "quiet",     "liveness-ticks", "faults",
                                            "knobs",  "set",       "zab",            "scheduler",
                                            "pct-depth"};

// Words of a line, split at spaces.
std::vector<std::string> Words(std::string_view line) {
  std::vector<std::string> out;
  for (const absl::string_view w : absl::StrSplit(base::Absl(line), ' ', absl::SkipEmpty())) {
    out.emplace_back(base::Std(w));
  }
  return out;
}

}  // namespace

absl::StatusOr<ScenarioSweep> ScenarioSweepFromFlags(const FlagSet& flags) {
  for (const std::string_view f : kShapeFlags) {
    if (flags.IsSet(f)) {
      return Fail(fmt::format("zabsim sweep: --{} with --scenario: the scenario file shapes its own run", f));
    }
  }
  if (flags.Get("known") != "fail") {
    return Fail("zabsim sweep: --known with --scenario: a scenario's checks decide; give neither");
  }
  ScenarioSweep sweep;
  sweep.path = flags.Get("scenario");
  auto release = ReleaseFromFlags(flags, "sweep");
  if (!release.ok()) return release.status();
  sweep.release = *release;
  std::ifstream in(sweep.path, std::ios::binary);
  if (!in) return Fail(fmt::format("zabsim sweep: --scenario {}: cannot read the file", sweep.path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Fail(fmt::format("zabsim sweep: --scenario {}: cannot read the file", sweep.path));
  sweep.content = buffer.str();
  auto parsed = runner::scenario::Parse(sweep.path, sweep.content);
  if (!parsed.ok()) return parsed.status();
  if (parsed->directives.empty() || parsed->directives.front().name != "cluster") {
    return Fail(fmt::format("{}:1:1: expected a scenario that starts with 'cluster'", sweep.path));
  }
  return sweep;
}

SeedResult RunScenarioSeed(const ScenarioSweep& sweep, uint64_t seed) {
  runner::scenario::RunOptions options;
  options.seed = seed;
  const runner::scenario::FileResult r =
      runner::scenario::RunFile(sweep.path, sweep.content, sweep.release, nullptr, false, options);
  SeedResult out;
  out.seed = seed;
  out.fingerprint = r.fingerprint;
  out.coverage = r.coverage;
  // What broke, in the order a reader meets it: the command that could not run (it stops
  // the file), the checks' violations, then the expectations that did not hold.
  if (!r.error.empty()) {
    out.failed.push_back("error");
    out.first_violation = r.error;
  }
  for (const std::string& v : r.violations) {
    const std::string check = runner::CheckOfViolation(v);
    if (out.first_violation.empty()) out.first_violation = v;
    if (std::find(out.failed.begin(), out.failed.end(), check) == out.failed.end()) out.failed.push_back(check);
  }
  if (!r.failures.empty()) {
    if (out.first_violation.empty()) out.first_violation = r.failures.front();
    out.failed.push_back("expect");
  }
  out.ok = out.failed.empty();
  if (!out.ok) out.first_check = out.failed.front();
  return out;
}

std::string ScenarioResultLine(const ScenarioSweep& sweep, const SeedResult& r) {
  return fmt::format(
      "{{\"seed\":{},\"scenario\":{},\"verdict\":\"{}\",\"failed\":{},\"first_violation\":{},"
      "\"fingerprint\":\"{:016x}\"}}",
      r.seed, JsonString(sweep.path), r.ok ? "ok" : "failed", JsonList(r.failed),
      JsonString(r.first_violation), r.fingerprint);
}

std::string Reseed(std::string_view content, uint64_t seed) {
  std::string out;
  bool cluster_done = false;
  bool in_output = false;  // Between a `----` line and the blank line that ends its block.
  for (const absl::string_view raw : absl::StrSplit(base::Absl(content), '\n')) {
    std::string line(base::Std(raw));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (in_output) {
      if (line.find_first_not_of(" \t") == std::string::npos) {
        in_output = false;
        out += "\n";
      }
      continue;
    }
    if (line == "----") {
      in_output = true;
      continue;
    }
    std::vector<std::string> words = Words(line);
    const bool cluster = !cluster_done && !words.empty() && words.front() == "cluster";
    const bool swarm = !words.empty() && words.front() == "swarm";
    if (cluster || swarm) {
      std::string rewritten = words.front();
      for (size_t i = 1; i < words.size(); ++i) {
        if (words[i].rfind("seed=", 0) == 0) continue;
        rewritten += " " + words[i];
      }
      if (cluster) rewritten += fmt::format(" seed={}", seed);
      cluster_done = cluster_done || cluster;
      line = line.substr(0, line.find_first_not_of(" \t")) + rewritten;
    }
    out += line + "\n";
  }
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
  return out;
}

absl::StatusOr<ReseededFile> WriteReseeded(const ScenarioSweep& sweep, const SeedResult& r,
                                           const std::string& dir) {
  ReseededFile file;
  file.path = SeedFilePath(dir, r.seed);
  const auto comment = [&](const std::string& shrunk) {
    std::string out;
    for (const absl::string_view line : absl::StrSplit(
             fmt::format("Seed {} of {}, written by zabsim sweep --scenario: it broke {}:\n  {}\n"
                         "The file's own seed is replaced by {}{} its frozen outputs are left out{}, so that\n"
                         "'zabsim run' replays this seed and fails on what it broke.",
                         r.seed, sweep.path, r.first_check,
                         r.first_violation.substr(0, r.first_violation.find('\n')), r.seed,
                         shrunk.empty() ? " and" : ",", shrunk),
             '\n')) {
      out += "# " + std::string(base::Std(line)) + "\n";
    }
    return out + "\n";
  };
  const std::string reseeded = Reseed(sweep.content, r.seed);
  // Written before it is replayed: a replay that never returns leaves the seed's file.
  if (absl::Status s = runner::WriteFile(file.path, comment("") + reseeded); !s.ok()) return s;
  // How a replay fails, as far as "the same way" looks: the seed's first check fires (an
  // expectation: the first that fails; an error: the error); nullopt if it does not.
  const auto failure = [&](std::string_view text) -> std::optional<std::string> {
    const runner::scenario::FileResult replay =
        runner::scenario::RunFile(file.path, text, sweep.release, nullptr, false, {});
    if (r.first_check == "expect") {
      if (replay.failures.empty()) return std::nullopt;
      return replay.failures.front();
    }
    if (r.first_check == "error") {
      if (replay.error.empty()) return std::nullopt;
      return replay.error;
    }
    const bool fired = replay.error.empty() &&
                       std::any_of(replay.violations.begin(), replay.violations.end(), [&](const std::string& v) {
                         return runner::CheckOfViolation(v) == r.first_check;
                       });
    if (!fired) return std::nullopt;
    return std::string();
  };
  const std::optional<std::string> reference = failure(reseeded);
  file.reproduces = reference.has_value();
  if (!file.reproduces || r.first_check == "error") return file;
  const runner::scenario::Shrunk shrunk = runner::scenario::ShrinkScenario(
      reseeded, [&](std::string_view text) { return failure(text) == reference; }, kMaxShrinkRuns);
  file.commands_before = shrunk.commands_before;
  file.commands_after = shrunk.commands_after;
  file.runs = shrunk.runs + 1;
  if (shrunk.commands_after == shrunk.commands_before && shrunk.text == reseeded) return file;
  const std::string note = fmt::format(", and it is shrunk to {} of its {} commands", shrunk.commands_after,
                                       shrunk.commands_before);
  if (absl::Status s = runner::WriteFile(file.path, comment(note) + shrunk.text); !s.ok()) return s;
  return file;
}

}  // namespace zabsim::cli

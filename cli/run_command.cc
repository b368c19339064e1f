// zabsim run: replay scenario files, compare each command's output with what the file
// expects, and report mismatches and checker violations (or rewrite the expectations).

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/status.h"
#include "cli/commands.h"
#include "cli/coverage_flags.h"
#include "cli/flags.h"
#include "cli/junit.h"
#include "cli/memory_limit.h"
#include "cli/run_flags.h"
#include "cli/seed_runs.h"
#include "cli/trace_flags.h"
#include "runner/output_file.h"
#include "runner/scenario/parser.h"
#include "runner/scenario/runner.h"
#include "runner/trace_file.h"
#include "zab/config.h"

namespace zabsim::cli {
namespace {

// FirstLine is the first line of `s`.
std::string_view FirstLine(std::string_view s) { return s.substr(0, s.find('\n')); }

}  // namespace

int RunRun(const std::vector<std::string>& args) {
  FlagSet flags("run", "zabsim run [flags] FILE...",
                "Replay scenario files (docs/scenarios.md): run each command, compare its output with\n"
                "the expected output in the file, and check the run. Exit 0 when every output matches\n"
                "and no check fails, 1 on a mismatch or a violation, 2 on a usage or parse error.\n"
                "A violation that a 'check' command shows, with the output the file expects, is\n"
                "expected (a scenario that demonstrates a bug) and does not fail the file.");
  flags.AllowPositional("FILE");
  flags.AddBool("rewrite", "write the actual outputs into the files instead of comparing");
  AddReleaseFlags(flags, "the ZooKeeper release for files whose cluster line names none");
  flags.AddBool("verbose", "print each file's commands, each with its output");
  flags.Add("seed", "N", "",
            "run each file with seed N instead of its own (the cluster's; each swarm draws its "
            "stretch from it as if the file named none): the outputs are then another run's, so "
            "they are not compared, and only the checks decide");
  flags.AddBool("narrate", "explain each command's events, one sentence per step, saying why (docs/teaching.md)");
  flags.AddBool("json", "print one JSON object per file instead of the text (docs/ci.md)");
  AddJUnitFlag(flags);
  AddTraceFlags(flags);
  AddCoverageFlags(flags);
  flags.AddExample("zabsim run scenarios/*.scn");
  flags.AddExample("zabsim run --rewrite scenarios/leader-crash-before-quorum.scn");
  flags.AddExample("zabsim run --bug majority-is-half scenarios/leader-crash-after-quorum.scn");
  flags.AddExample("zabsim run --trace run.jsonl --format jsonl scenarios/happy-path.scn");
  flags.AddExample("zabsim run --narrate scenarios/sync-trunc.scn");
  flags.AddExample("zabsim run --seed 7 scenarios/bug-zk-1154.scn");
  flags.AddExample("zabsim run --junit scenarios.xml scenarios/*.scn");
  flags.AddExample("zabsim run --coverage scenarios/*.scn");
  flags.AddExample("zabsim run --trace trunc.mmd --format mermaid --from 0.5 scenarios/sync-trunc.scn");
  flags.AddNote("--trace takes one scenario file.");
  AddMaxMemoryFlag(flags);
  if (const std::optional<int> done = ParseCommand(flags, args)) return *done;
  if (flags.positional().empty()) {
    fmt::print(stderr, "zabsim run: no scenario files (see 'zabsim run --help')\n");
    return kExitUsage;
  }
  const absl::StatusOr<zab::ReleaseChoice> release = ReleaseFromFlags(flags, "run");
  if (!release.ok()) return Usage(release.status());
  const bool rewrite = flags.GetBool("rewrite");
  runner::scenario::RunOptions options;
  if (flags.IsSet("seed")) {
    auto seed = flags.GetUint("seed", 0, UINT64_MAX);
    if (!seed.ok()) return Usage(seed.status());
    if (rewrite) {
      fmt::print(stderr, "zabsim run: --seed with --rewrite would write another seed's outputs under "
                         "the file's own seed; give one of them\n");
      return kExitUsage;
    }
    options.seed = *seed;
  }
  if (flags.IsSet("trace") && flags.positional().size() != 1) {
    fmt::print(stderr, "zabsim run: --trace takes one scenario file, got {}\n", flags.positional().size());
    return kExitUsage;
  }
  const bool json = flags.GetBool("json");
  if (json) {
    for (const char* other : {"verbose", "narrate", "rewrite"}) {
      if (flags.GetBool(other)) {
        fmt::print(stderr, "zabsim run: --json with --{}: the JSON is the whole of standard output\n", other);
        return kExitUsage;
      }
    }
    if (flags.Get("trace") == "-") {
      fmt::print(stderr, "zabsim run: --json with --trace -: both would be standard output\n");
      return kExitUsage;
    }
    if (flags.GetBool("coverage")) {
      fmt::print(stderr, "zabsim run: --json with --coverage: the JSON is one object per file; "
                         "give --coverage-json FILE\n");
      return kExitUsage;
    }
  }
  auto coverage = CoverageOutput::FromFlags(flags, "run");
  if (!coverage.ok()) return Usage(coverage.status());
  zab::Coverage coverage_total;  // Summed over the files that ran.
  uint64_t coverage_runs = 0;
  auto junit_opened = OpenJUnit(flags, "run");
  if (!junit_opened.ok()) return Usage(junit_opened.status());
  std::unique_ptr<JUnitReport> junit = *std::move(junit_opened);
  const auto wall_start = std::chrono::steady_clock::now();
  auto opened = OpenTraceFromFlags(flags, "run");
  if (!opened.ok()) return Usage(opened.status());
  std::unique_ptr<runner::TraceFile> trace = *std::move(opened);
  // With --trace -, standard output is the trace: reports go to standard error.
  std::FILE* const out = trace != nullptr && trace->to_stdout() ? stderr : stdout;
  // The flags that make the run what it was, for the replay command of a report.
  std::string replay_flags;
  if (flags.IsSet("zk")) replay_flags += fmt::format(" --zk {}", flags.Get("zk"));
  for (const std::string& b : flags.GetAll("bug")) replay_flags += fmt::format(" --bug {}", b);
  for (const std::string& f : flags.GetAll("fix")) replay_flags += fmt::format(" --fix {}", f);
  if (options.seed) replay_flags += fmt::format(" --seed {}", *options.seed);
  int exit = kExitOk;
  bool ran = false;
  // refuse: a file that could not run (exit 2), said on standard error, in the JSON
  // and in the JUnit report.
  const auto refuse = [&](const std::string& path, const std::string& why) {
    fmt::print(stderr, "{}\n", why);
    if (json) fmt::print(out, "{{\"file\":{},\"result\":\"error\",\"error\":{}}}\n", JsonString(path), JsonString(why));
    if (junit != nullptr) junit->Error("zabsim.run", path, why);
    exit = kExitUsage;
  };
  for (const std::string& path : flags.positional()) {
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
      refuse(path, fmt::format("{}: expected a scenario file, found a directory", path));
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      refuse(path, fmt::format("{}: cannot read the file", path));
      continue;
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) {
      refuse(path, fmt::format("{}: cannot read the file", path));
      continue;
    }
    const std::string content = buffer.str();
    const runner::scenario::FileResult r = runner::scenario::RunFile(path, content, *release, trace.get(),
                                                                  flags.GetBool("narrate"), options);
    if (!r.error.empty()) {
      refuse(path, r.error);
      continue;
    }
    if (r.outputs.empty()) {
      // A file with nothing to run proves nothing: "ok" would hide a wrong path or a
      // file emptied by accident.
      refuse(path, fmt::format("{}:1:1: expected a command (a scenario starts with 'cluster'), found none", path));
      continue;
    }
    ran = true;
    coverage_total.Add(r.coverage);
    ++coverage_runs;
    // An expectation that fails fails the file even under --rewrite: it is the author's.
    const bool failed =
        (!rewrite && !r.mismatches.empty()) || !r.violations.empty() || !r.failures.empty();
    const std::string result = failed ? "failed" : rewrite ? "rewritten" : "ok";
    if (junit != nullptr) {
      if (!failed) {
        junit->Pass("zabsim.run", path);
      } else {
        // The first violation, else the first failed expectation, else the first
        // mismatch, is the message.
        const std::string_view type = !r.violations.empty() ? "violation"
                                      : !r.failures.empty() ? "expect"
                                                            : "mismatch";
        const std::string& first = !r.violations.empty() ? r.violations.front()
                                   : !r.failures.empty() ? r.failures.front()
                                                         : r.mismatches.front();
        std::string detail;
        for (const std::string& m : r.mismatches) detail += m;
        for (const std::string& f : r.failures) detail += fmt::format("{}\n", f);
        for (const std::string& v : r.violations) detail += fmt::format("violation: {}\n", v);
        detail += fmt::format("replay: zabsim run{} {}\n", replay_flags, path);
        junit->Fail("zabsim.run", path, type, FirstLine(first), detail);
      }
    }
    if (json) {
      fmt::print(out,
                 "{{\"file\":{},\"result\":\"{}\",\"commands\":{},\"fingerprint\":\"{:016x}\",\"seed\":{},"
                 "\"mismatches\":{},\"expectations_failed\":{},\"violations\":{},\"expected_violations\":{}}}\n",
                 JsonString(path), result, r.outputs.size(), r.fingerprint,
                 options.seed ? fmt::format("{}", *options.seed) : "null", JsonList(r.mismatches),
                 JsonList(r.failures), JsonList(r.violations), JsonList(r.expected_violations));
    }
    if (json) {
      if (failed && exit == kExitOk) exit = kExitFailed;
      continue;
    }
    if (flags.GetBool("verbose")) {
      for (size_t i = 0; i < r.outputs.size(); ++i) {
        fmt::print(out, "> {}\n", r.commands[i]);
        for (const std::string& line : r.outputs[i]) fmt::print(out, "{}\n", line);
        fmt::print(out, "\n");
      }
    }
    for (size_t i = 0; i < r.narrations.size(); ++i) {
      fmt::print(out, "> {}\n", r.commands[i]);
      for (const std::string& line : r.narrations[i]) fmt::print(out, "{}\n", line);
    }
    if (rewrite) {
      auto file = runner::scenario::Parse(path, content);
      if (absl::Status s = runner::WriteFile(path, runner::scenario::Rewrite(*file, r.outputs)); !s.ok()) {
        fmt::print(stderr, "{}\n", base::Text(s));
        exit = kExitUsage;
        continue;
      }
    } else {
      for (const std::string& m : r.mismatches) fmt::print(out, "{}", m);
    }
    // A warning (a trigger that never fired) fails nothing, but is not silent.
    for (const std::string& w : r.warnings) fmt::print(out, "{}\n", w);
    // An expectation is the file's own claim: it fails the file, --rewrite or not.
    for (const std::string& f : r.failures) fmt::print(out, "{}\n", f);
    for (const std::string& v : r.violations) fmt::print(out, "{}: violation: {}\n", path, v);
    if (!r.expected_violations.empty()) {
      fmt::print(out, "{}: {} violation{} expected (shown by 'check')\n", path, r.expected_violations.size(),
                 r.expected_violations.size() == 1 ? "" : "s");
    }
    const std::string seeded =
        options.seed ? fmt::format("; seed {} from --seed, outputs not compared", *options.seed) : "";
    fmt::print(out, "{}: {} ({} commands, fingerprint {:016x}{})\n", path, failed ? "FAILED" : result,
               r.outputs.size(), r.fingerprint, seeded);
    if (failed && exit == kExitOk) exit = kExitFailed;
  }
  if (absl::Status s = coverage->Report(coverage_total, coverage_runs, out); !s.ok()) {
    fmt::print(stderr, "{}\n", base::Text(s));
    exit = kExitUsage;
  }
  // A trace is put in place only for a file that ran; an error leaves nothing behind.
  if (trace != nullptr && ran) {
    if (absl::Status s = trace->Close(); !s.ok()) {
      fmt::print(stderr, "zabsim run: --trace: {}\n", base::Text(s));
      exit = kExitUsage;
    }
  }
  if (junit != nullptr) {
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    if (absl::Status s = junit->Commit(wall); !s.ok()) {
      fmt::print(stderr, "zabsim run: --junit: {}\n", base::Text(s));
      exit = kExitUsage;
    }
  }
  return exit;
}

}  // namespace zabsim::cli

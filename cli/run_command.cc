// zabsim run: replay scenario files, compare each command's output with what the file
// expects, and report mismatches and checker violations (or rewrite the expectations).

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
#include "cli/flags.h"
#include "cli/memory_limit.h"
#include "cli/run_flags.h"
#include "cli/trace_flags.h"
#include "runner/output_file.h"
#include "runner/scenario/parser.h"
#include "runner/scenario/runner.h"
#include "runner/trace_file.h"
#include "zab/config.h"

namespace zabsim::cli {

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
  AddTraceFlags(flags);
  flags.AddExample("zabsim run scenarios/*.scn");
  flags.AddExample("zabsim run --rewrite scenarios/leader-crash-before-quorum.scn");
  flags.AddExample("zabsim run --bug majority-is-half scenarios/leader-crash-after-quorum.scn");
  flags.AddExample("zabsim run --trace run.jsonl --format jsonl scenarios/happy-path.scn");
  flags.AddExample("zabsim run --narrate scenarios/sync-trunc.scn");
  flags.AddExample("zabsim run --seed 7 scenarios/bug-zk-1154.scn");
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
  auto opened = OpenTraceFromFlags(flags, "run");
  if (!opened.ok()) return Usage(opened.status());
  std::unique_ptr<runner::TraceFile> trace = *std::move(opened);
  // With --trace -, standard output is the trace: reports go to standard error.
  std::FILE* const out = trace != nullptr && trace->to_stdout() ? stderr : stdout;
  int exit = kExitOk;
  bool ran = false;
  for (const std::string& path : flags.positional()) {
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
      fmt::print(stderr, "{}: expected a scenario file, found a directory\n", path);
      exit = kExitUsage;
      continue;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      fmt::print(stderr, "{}: cannot read the file\n", path);
      exit = kExitUsage;
      continue;
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) {
      fmt::print(stderr, "{}: cannot read the file\n", path);
      exit = kExitUsage;
      continue;
    }
    const std::string content = buffer.str();
    const runner::scenario::FileResult r = runner::scenario::RunFile(path, content, *release, trace.get(),
                                                                  flags.GetBool("narrate"), options);
    if (!r.error.empty()) {
      fmt::print(stderr, "{}\n", r.error);
      exit = kExitUsage;
      continue;
    }
    if (r.outputs.empty()) {
      // A file with nothing to run proves nothing: "ok" would hide a wrong path or a
      // file emptied by accident.
      fmt::print(stderr, "{}:1:1: expected a command (a scenario starts with 'cluster'), found none\n", path);
      exit = kExitUsage;
      continue;
    }
    ran = true;
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
    // An expectation is the file's own claim: it fails the file, --rewrite or not.
    for (const std::string& f : r.failures) fmt::print(out, "{}\n", f);
    for (const std::string& v : r.violations) fmt::print(out, "{}: violation: {}\n", path, v);
    if (!r.expected_violations.empty()) {
      fmt::print(out, "{}: {} violation{} expected (shown by 'check')\n", path, r.expected_violations.size(),
                 r.expected_violations.size() == 1 ? "" : "s");
    }
    const bool failed =
        (!rewrite && !r.mismatches.empty()) || !r.violations.empty() || !r.failures.empty();
    const std::string seeded =
        options.seed ? fmt::format("; seed {} from --seed, outputs not compared", *options.seed) : "";
    fmt::print(out, "{}: {} ({} commands, fingerprint {:016x}{})\n", path,
               failed ? "FAILED" : rewrite ? "rewritten" : "ok", r.outputs.size(), r.fingerprint, seeded);
    if (failed && exit == kExitOk) exit = kExitFailed;
  }
  // A trace is put in place only for a file that ran; an error leaves nothing behind.
  if (trace != nullptr && ran) {
    if (absl::Status s = trace->Close(); !s.ok()) {
      fmt::print(stderr, "zabsim run: --trace: {}\n", base::Text(s));
      exit = kExitUsage;
    }
  }
  return exit;
}

}  // namespace zabsim::cli

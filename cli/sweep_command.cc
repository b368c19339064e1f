// zabsim sweep: many seeds of one run shape, on several threads, with one result line
// per seed, a progress line on a terminal, shards for batch schedulers, and every
// failing seed minimized into a scenario file. docs/scaling.md shows a million seeds
// over many machines.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "base/status.h"
#include "cli/commands.h"
#include "cli/coverage_flags.h"
#include "cli/flags.h"
#include "cli/junit.h"
#include "cli/memory_limit.h"
#include "cli/run_flags.h"
#include "cli/scenario_sweep.h"
#include "cli/seed_runs.h"
#include "runner/output_file.h"

namespace zabsim::cli {
namespace {

FlagSet SweepFlags() {
  FlagSet flags("sweep", "zabsim sweep [flags]",
                "Run many seeds of one run shape (the same flags as 'zabsim sim') and report each\n"
                "seed's verdict. Seeds run in parallel on --jobs threads; each run stays\n"
                "single-threaded and gives the same result on any thread or machine.");
  flags.Add("seeds", "A..B", "1..100", "the seeds to run, A to B inclusive");
  flags.Add("jobs", "N", "1", "threads, each running one seed at a time");
  flags.Add("shard", "K/N", "1/1",
            "run only shard K of N: the seeds A+K-1, A+K-1+N, ... (for batch schedulers)");
  flags.Add("out", "FILE", "", "write one JSON line per seed to FILE, in seed order");
  flags.Add("minimize", "DIR", "",
            "minimize each failing seed into DIR/seed-N.scn, a scenario 'zabsim run' fails on");
  flags.Add("scenario", "FILE", "",
            "run the scenario FILE once per seed, as 'zabsim run --seed N FILE' does, instead of a "
            "sim run (its checks and expectations decide; --minimize writes the file re-seeded, then shrunk)");
  AddJUnitFlag(flags);
  AddRunFlags(flags);
  AddKnownFlag(flags);
  AddCoverageFlags(flags);
  flags.AddExample("zabsim sweep --seeds 1..1000 --jobs 2");
  flags.AddExample("zabsim sweep --seeds 1..1000 --jobs 2 --coverage");
  flags.AddExample("zabsim sweep --voters 5 --seeds 1..1000 --known report");
  flags.AddExample("zabsim sweep --seeds 1..200 --bug ZK-1154 --minimize found/ --out results.jsonl");
  flags.AddExample("zabsim sweep --seeds 1..1000000 --shard 3/64 --out shard-3.jsonl");
  flags.AddExample("zabsim sweep --seeds 1..50 --bug ZK-1154 --junit sweep.xml --minimize found/");
  flags.AddExample("zabsim sweep --scenario scenarios/swarm-stretch.scn --seeds 1..200 --minimize found/");
  flags.AddNote(
      "A progress line (seeds done, seeds/s, failures, time left) is shown when standard\n"
      "error is a terminal. Ctrl-C stops the sweep: seeds already running finish, and\n"
      "everything done is written whole (exit status 130). Exit status: 0 every seed\n"
      "passed, 1 some seed failed, 2 usage error or --out could not be written (the\n"
      "file is replaced only by a whole new one).");
  return flags;
}

absl::StatusOr<std::pair<uint64_t, uint64_t>> ParseShard(std::string_view text) {
  const size_t slash = text.find('/');
  const auto k = slash == std::string_view::npos ? std::nullopt : WholeNumber(text.substr(0, slash));
  const auto n = slash == std::string_view::npos ? std::nullopt : WholeNumber(text.substr(slash + 1));
  if (!k || !n || *n == 0 || *k == 0 || *k > *n || *n > 9'999'999'999) {
    return Fail(fmt::format("zabsim sweep: --shard '{}': expected K/N with 1 <= K <= N, e.g. 3/64", text));
  }
  return std::pair{*k, *n};
}

std::string Clock(double seconds) {
  const auto s = static_cast<uint64_t>(seconds + 0.5);
  return s >= 3600 ? fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
                   : fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace

int RunSweep(const std::vector<std::string>& args) {
  FlagSet flags = SweepFlags();
  AddMaxMemoryFlag(flags);
  if (const std::optional<int> done = ParseCommand(flags, args)) return *done;
  auto range = flags.GetRange("seeds");
  if (!range.ok()) return Usage(range.status());
  auto jobs = flags.GetUint("jobs", 1, 1024);
  if (!jobs.ok()) return Usage(jobs.status());
  auto shard = ParseShard(flags.Get("shard"));
  if (!shard.ok()) return Usage(shard.status());
  auto shape = ShapeFromFlags(flags, "sweep");
  if (!shape.ok()) return Usage(shape.status());
  auto known_policy = ParseKnown(flags, "sweep");
  if (!known_policy.ok()) return Usage(known_policy.status());
  // --scenario: each seed is a scenario file's run instead of a sim run.
  std::optional<ScenarioSweep> scenario;
  if (flags.IsSet("scenario")) {
    auto s = ScenarioSweepFromFlags(flags);
    if (!s.ok()) return Usage(s.status());
    scenario = *std::move(s);
  }
  const std::string minimize_dir = flags.Get("minimize");
  if (!minimize_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(minimize_dir, ec);
    if (ec) return Usage(Fail(fmt::format("zabsim sweep: --minimize {}: {}", minimize_dir, ec.message())));
  }
  // Check the shape once before starting threads: a bad setting is a usage error.
  if (!scenario) {
    if (auto probe = runner::SimRun::Create(shape->Spec(range->first)); !probe.ok()) {
      return Usage(Fail(fmt::format("zabsim sweep: {}", base::Text(probe.status()))));
    }
  }
  // Every flag is valid: only now is the output started, and an existing file is
  // replaced only by a complete new one (runner/output_file.h).
  std::unique_ptr<runner::OutputFile> out_file;
  if (const std::string path = flags.Get("out"); !path.empty()) {
    auto opened = runner::OutputFile::Open(path);
    if (!opened.ok()) return Usage(Fail(fmt::format("zabsim sweep: --out: {}", base::Text(opened.status()))));
    out_file = *std::move(opened);
  }
  auto junit_opened = OpenJUnit(flags, "sweep");
  if (!junit_opened.ok()) return Usage(junit_opened.status());
  std::unique_ptr<JUnitReport> junit = *std::move(junit_opened);
  auto coverage = CoverageOutput::FromFlags(flags, "sweep");
  if (!coverage.ok()) return Usage(coverage.status());

  // This shard's seeds: A+K-1, A+K-1+N, ..., counted rather than listed, so that a range
  // of any size starts at once.
  const auto [first, last] = *range;
  const auto [k, n] = *shard;
  const uint64_t start = first + (k - 1);
  const uint64_t seed_count = start < first || start > last ? 0 : (last - start) / n + 1;
  const auto seed_at = [start, n = n](uint64_t index) { return start + index * n; };
  // With --scenario the shape holds only --zk, --bug and --fix: what 'zabsim run' takes.
  const std::string command_line = CommandLine(scenario ? "zabsim run" : "zabsim sim", *shape);
  // A seed's run, its results line and its minimized file: of the sim run, or of the
  // scenario file.
  const auto run_seed = [&](uint64_t seed) -> absl::StatusOr<SeedResult> {
    if (scenario) return RunScenarioSeed(*scenario, seed);
    return RunSeed(*shape, seed);
  };
  const auto result_line = [&](const SeedResult& r) {
    return scenario ? ScenarioResultLine(*scenario, r) : ResultLine(*shape, r);
  };
  // The replay command of a seed, for the summary and the JUnit report.
  const auto replay = [&](uint64_t seed) {
    return scenario ? fmt::format("{} --seed {} {}", command_line, seed, scenario->path)
                    : fmt::format("{} --seed {}", command_line, seed);
  };

  std::optional<CatchInterrupt> ctrl_c(std::in_place);
  const bool terminal = isatty(fileno(stderr)) != 0;
  const auto wall_start = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  };

  std::mutex mu;  // Guards everything below it.
  size_t next = 0;       // Index of the next seed to start.
  size_t written = 0;    // Index of the next seed to write (results go out in seed order).
  std::map<size_t, SeedResult> done;
  std::vector<uint64_t> failures;
  std::map<std::string, uint64_t> failed_checks;
  std::map<std::string, uint64_t> causes;  // KnownCause of each failing seed.
  std::map<std::string, std::vector<uint64_t>> anomalies;  // --known report: name -> seeds.
  std::vector<std::string> minimized;
  std::map<uint64_t, std::string> minimized_paths;  // Seed -> its scenario, for --junit.
  std::string error;
  std::string write_error;  // The first minimized scenario that could not be written.
  double last_progress = -1;
  zab::Coverage coverage_total;  // Every thread's table, added once the thread is done.

  const auto progress = [&](bool final) {
    if (!terminal) return;
    const double t = elapsed();
    if (!final && t - last_progress < 0.2) return;
    last_progress = t;
    const size_t finished = written + done.size();
    const double rate = t > 0 ? static_cast<double>(finished) / t : 0;
    const double left = rate > 0 ? static_cast<double>(seed_count - finished) / rate : 0;
    fmt::print(stderr, "\r\033[Ksweep: {}/{} seeds, {:.0f} seeds/s, {} failed, {} left", finished,
               seed_count, rate, failures.size(), Clock(left));
    if (final) fmt::print(stderr, "\n");
  };

  bool out_of_memory = false;
  // `mine` is the thread's own coverage table: seeds add to it without the lock.
  const auto work = [&](zab::Coverage& mine) {
    while (true) {
      size_t index = 0;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (CatchInterrupt::interrupted() || next >= seed_count || !error.empty()) return;
        index = next++;
      }
      auto r = run_seed(seed_at(index));
      if (r.ok()) mine.Add(r->coverage);
      if (r.ok() && !r->ok && !scenario) r->known = KnownCause(*shape, *r);
      // A failure real ZooKeeper shows too, under --known report or ignore, is not one.
      const bool anomaly = r.ok() && !r->ok && *known_policy != KnownPolicy::kFail && !r->anomaly.empty();
      std::optional<std::string> scenario_path;
      absl::Status minimize_status;
      if (r.ok() && !r->ok && !anomaly && !minimize_dir.empty() && !CatchInterrupt::interrupted() &&
          scenario) {
        auto m = WriteReseeded(*scenario, *r, minimize_dir);
        if (m.ok()) {
          const std::string shrunk =
              m->commands_before == 0 ? "not shrunk"
                                      : fmt::format("{} of {} commands kept, {} runs", m->commands_after,
                                                    m->commands_before, m->runs);
          scenario_path = fmt::format("{} (re-seeded, {}; {})", m->path, shrunk,
                                      m->reproduces ? fmt::format("'zabsim run' fails on it with {}", r->first_check)
                                                    : "it does NOT fail the same way when replayed");
        } else {
          minimize_status = m.status();
        }
      } else if (r.ok() && !r->ok && !anomaly && !minimize_dir.empty() && !CatchInterrupt::interrupted()) {
        auto m = MinimizeSeed(*shape, *r, minimize_dir, replay(r->seed));
        if (m.ok()) {
          scenario_path = fmt::format("{} ({} of {} faults kept, {} steps, {} runs)", m->path,
                                      m->minimized.spec.plan.faults.size(), m->minimized.faults_before,
                                      m->minimized.steps, m->minimized.runs);
        } else {
          minimize_status = m.status();
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      if (!minimize_status.ok() && write_error.empty()) {
        write_error = fmt::format("zabsim sweep: --minimize: {}", base::Text(minimize_status));
      }
      if (!r.ok()) {
        error = fmt::format("zabsim sweep: seed {}: {}", seed_at(index), base::Text(r.status()));
        return;
      }
      if (anomaly && *known_policy == KnownPolicy::kReport) anomalies[r->known].push_back(r->seed);
      if (!r->ok && !anomaly) {
        failures.push_back(r->seed);
        for (const std::string& c : r->failed) ++failed_checks[c];
        ++causes[r->known.empty() ? std::string("none known (a new finding?)") : r->known];
      }
      if (scenario_path) {
        minimized.push_back(*scenario_path);
        minimized_paths[r->seed] = *scenario_path;
      }
      done.emplace(index, *std::move(r));
      while (!done.empty() && done.begin()->first == written) {
        const SeedResult& result = done.begin()->second;
        if (out_file != nullptr) fmt::print(out_file->file(), "{}\n", result_line(result));
        if (junit != nullptr) {
          const auto m = minimized_paths.find(result.seed);
          JUnitSeed(*junit, "zabsim.sweep", replay(result.seed), result, *known_policy,
                    m == minimized_paths.end() ? std::string_view() : std::string_view(m->second));
          if (m != minimized_paths.end()) minimized_paths.erase(m);
        }
        done.erase(done.begin());
        ++written;
      }
      progress(false);
    }
  };
  // A seed too large for --max-memory stops the sweep (exit 2), its output left as it was.
  const auto worker = [&] {
    zab::Coverage mine;
    try {
      work(mine);
    } catch (const std::bad_alloc&) {
      std::lock_guard<std::mutex> lock(mu);
      out_of_memory = true;
      if (error.empty()) error = "out of memory";
    }
    std::lock_guard<std::mutex> lock(mu);
    coverage_total.Add(mine);
  };
  std::vector<std::thread> threads;
  for (uint64_t i = 1; i < std::min<uint64_t>(*jobs, seed_count); ++i) {
    try {
      threads.emplace_back(worker);
    } catch (const std::system_error& e) {
      // The system gives no more threads (a memory or process limit): run on those there are.
      fmt::print(stderr, "zabsim sweep: --jobs {}: could start only {} threads ({})\n", *jobs, i, e.what());
      break;
    }
  }
  worker();
  for (std::thread& t : threads) t.join();
  ctrl_c.reset();
  progress(true);
  // Every seed started has finished, so every result is written (an error returns below).
  const size_t finished = written;
  if (out_of_memory) {
    ReportOutOfMemory();
    return kExitUsage;
  }
  if (!error.empty()) {
    fmt::print(stderr, "{}\n", error);
    return kExitUsage;  // The --out file, if any, is left as it was.
  }
  // What was run is written whole, an interrupted sweep's included; a write that failed
  // fails the sweep, after its summary.
  absl::Status out_status;
  if (out_file != nullptr) out_status = out_file->Commit();
  std::sort(failures.begin(), failures.end());
  const double wall = elapsed();
  absl::Status junit_status;
  if (junit != nullptr) junit_status = junit->Commit(wall);
  fmt::print("sweep: {} of {} seeds run ({}..{}, shard {}/{}), {} failed; {:.1f} s, {:.0f} seeds/s on {} "
             "thread{}\n",
             finished, seed_count, first, last, k, n, failures.size(), wall,
             wall > 0 ? static_cast<double>(finished) / wall : 0.0, *jobs, *jobs == 1 ? "" : "s");
  if (!failures.empty()) {
    std::vector<std::string> checks;
    for (const auto& [name, count] : failed_checks) checks.push_back(fmt::format("{} {}", name, count));
    std::vector<std::string> known;
    for (const auto& [name, count] : causes) known.push_back(fmt::format("{} {}", name, count));
    fmt::print("failed seeds: {}\nchecks that failed (seeds): {}\n", fmt::join(failures, " "),
               fmt::join(checks, ", "));
    // Known causes are worked out by rerunning a sim run without each bug; a scenario
    // names its own switches.
    if (!scenario) fmt::print("known causes (seeds): {}\n", fmt::join(known, ", "));
    fmt::print("replay one: {}\n", replay(failures.front()));
  }
  for (auto& [name, which] : anomalies) {
    std::sort(which.begin(), which.end());
    fmt::print("known anomaly of real ZooKeeper, not counted: {} in {} seed{} ({})\n", name, which.size(),
               which.size() == 1 ? "" : "s", fmt::join(which, " "));
  }
  for (const std::string& m : minimized) fmt::print("minimized: {}\n", m);
  if (absl::Status s = coverage->Report(coverage_total, finished, stdout); !s.ok() && write_error.empty()) {
    write_error = base::Text(s);
  }
  if (!out_status.ok()) write_error = fmt::format("zabsim sweep: --out: {}", base::Text(out_status));
  if (!junit_status.ok() && write_error.empty()) {
    write_error = fmt::format("zabsim sweep: --junit: {}", base::Text(junit_status));
  }
  if (!write_error.empty()) {
    fmt::print(stderr, "{}\n", write_error);
    return kExitUsage;
  }
  if (CatchInterrupt::interrupted()) {
    fmt::print("interrupted: {} seeds not run\n", seed_count - finished);
    return 130;
  }
  return failures.empty() ? kExitOk : kExitFailed;
}

}  // namespace zabsim::cli

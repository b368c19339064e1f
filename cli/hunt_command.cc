// zabsim hunt: run random seeds, one after another on one thread, until a check catches
// something (usually a bug switch put back), report how many seeds and how much wall
// time that took, and minimize the catch into a scenario file (more catches, while the
// file is long). With --hunts K it hunts K times over disjoint seed ranges and reports the
// medians: the figures of docs/bug-zoo.md.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/check.h"
#include "base/status.h"
#include "cli/commands.h"
#include "cli/coverage_flags.h"
#include "cli/flags.h"
#include "cli/junit.h"
#include "cli/memory_limit.h"
#include "cli/run_flags.h"
#include "cli/seed_runs.h"
#include "runner/minimize_passes.h"
#include "zab/config.h"

namespace zabsim::cli {
namespace {

FlagSet HuntFlags() {
  FlagSet flags("hunt", "zabsim hunt [flags]",
                "Run seeds one after another (the same flags as 'zabsim sim') until a check\n"
                "fails, report the seeds and wall time it took, and minimize the failing run\n"
                "into a scenario file. Usually with --bug, to show that random search finds it;\n"
                "then a seed counts only if it passes with the switches off.");
  flags.Add("seeds", "A..B", "1..100000",
            "the seeds of the first hunt, which gives up after B; each next hunt runs the next "
            "B-A+1 seeds");
  flags.Add("hunts", "K", "1", "hunt K times over disjoint seeds (see --seeds), and report medians");
  flags.Add("minimize", "DIR", "",
            "minimize the first catch into DIR/seed-N.scn, and the next ones too while the "
            "scenario is over 30 steps");
  AddJUnitFlag(flags);
  AddRunFlags(flags);
  AddCoverageFlags(flags);
  flags.AddDeprecated("from", "SEED", "--seeds SEED..B (--from is a time on sim and run)");
  flags.AddDeprecated("max-seeds", "N", "--seeds A..B (N = B-A+1 seeds a hunt)");
  flags.AddExample("zabsim hunt --bug ZK-1154");
  flags.AddExample("zabsim hunt --bug ZK-4646 --hunts 10 --seeds 1..4000 --minimize found/");
  flags.AddExample("zabsim hunt --bug ZK-1154 --hunts 5 --junit hunt.xml");
  flags.AddExample("zabsim hunt --bug ZK-4643 --seeds 1..500 --coverage");
  flags.AddNote(
      "Exit status: 0 every hunt caught something, 1 some hunt gave up (or was interrupted\n"
      "with Ctrl-C), 2 usage error or a file that could not be written. A progress line\n"
      "is shown when standard error is a terminal.");
  return flags;
}

template <typename T>
T Median(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Catch {
  uint64_t first = 0;  // The hunt's first seed.
  uint64_t seeds = 0;  // Seeds tried, the catch included.
  double seconds = 0;  // Wall time of the hunt.
  std::optional<SeedResult> result;
  std::string minimized;  // Its scenario file, if minimized.
};

}  // namespace

int RunHunt(const std::vector<std::string>& args) {
  FlagSet flags = HuntFlags();
  AddMaxMemoryFlag(flags);
  if (const std::optional<int> done = ParseCommand(flags, args)) return *done;
  // The seeds: --seeds A..B, or the old --from A / --max-seeds N (A..A+N-1).
  uint64_t from = 1;
  uint64_t max_seeds = 100'000;
  if (flags.IsSet("from") || flags.IsSet("max-seeds")) {
    if (flags.IsSet("seeds")) {
      return Usage(Fail("zabsim hunt: --seeds with --from or --max-seeds: give --seeds alone"));
    }
    auto f = flags.IsSet("from") ? flags.GetUint("from", 0, UINT64_MAX / 2) : absl::StatusOr<uint64_t>(1);
    auto m = flags.IsSet("max-seeds") ? flags.GetUint("max-seeds", 1, 1'000'000'000)
                                      : absl::StatusOr<uint64_t>(100'000);
    for (const absl::Status& s : {f.status(), m.status()}) {
      if (!s.ok()) return Usage(s);
    }
    from = *f;
    max_seeds = *m;
  } else {
    auto range = flags.GetRange("seeds");
    if (!range.ok()) return Usage(range.status());
    if (range->first > UINT64_MAX / 2 || range->second - range->first >= 1'000'000'000) {
      return Usage(Fail(fmt::format("zabsim hunt: --seeds '{}': at most 1000000000 seeds a hunt, from at most {}",
                                    flags.Get("seeds"), UINT64_MAX / 2)));
    }
    from = range->first;
    max_seeds = range->second - range->first + 1;
  }
  auto hunts = flags.GetUint("hunts", 1, 1000);
  if (!hunts.ok()) return Usage(hunts.status());
  auto junit_opened = OpenJUnit(flags, "hunt");
  if (!junit_opened.ok()) return Usage(junit_opened.status());
  std::unique_ptr<JUnitReport> junit = *std::move(junit_opened);
  auto coverage = CoverageOutput::FromFlags(flags, "hunt");
  if (!coverage.ok()) return Usage(coverage.status());
  // The coverage of every seed hunted (not of the reruns that judge a catch).
  zab::Coverage coverage_total;
  uint64_t coverage_runs = 0;
  const auto hunt_start = std::chrono::steady_clock::now();
  auto shape = ShapeFromFlags(flags, "hunt");
  if (!shape.ok()) return Usage(shape.status());
  const std::string minimize_dir = flags.Get("minimize");
  if (!minimize_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(minimize_dir, ec);
    if (ec) return Usage(Fail(fmt::format("zabsim hunt: --minimize {}: {}", minimize_dir, ec.message())));
  }
  const std::string command_line = CommandLine("zabsim sim", *shape);

  // A catch counts only if the release without the --bug switches passes the same seed.
  const bool with_bugs = !shape->release.add.empty();
  RunShape without_bugs = *shape;
  without_bugs.release.add.clear();
  ZABSIM_CHECK(without_bugs.release.ApplyTo(without_bugs.options.zab).ok());
  uint64_t not_the_bug = 0;
  std::optional<CatchInterrupt> ctrl_c(std::in_place);
  const bool terminal = isatty(fileno(stderr)) != 0;
  std::vector<Catch> catches;
  bool gave_up = false;
  for (uint64_t h = 0; h < *hunts && !CatchInterrupt::interrupted(); ++h) {
    const uint64_t base = from + h * max_seeds;
    const auto start = std::chrono::steady_clock::now();
    const auto seconds = [&] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    Catch c;
    c.first = base;
    double last_progress = 0;
    for (uint64_t i = 0; i < max_seeds && !CatchInterrupt::interrupted(); ++i) {
      auto r = RunSeed(*shape, base + i);
      if (!r.ok()) {
        return Usage(Fail(fmt::format("zabsim hunt: seed {}: {}", base + i, base::Text(r.status()))));
      }
      c.seeds = i + 1;
      coverage_total.Add(r->coverage);
      ++coverage_runs;
      if (!r->ok && with_bugs) {
        // A catch must be the switch's doing: the same seed without it must pass.
        auto plain = RunSeed(without_bugs, base + i);
        if (plain.ok() && !plain->ok) {
          ++not_the_bug;
          fmt::print("hunt {}: seed {} fails without the switch too ({}); not counted\n", h + 1,
                     base + i, plain->first_check);
          continue;
        }
      }
      if (!r->ok) {
        c.result = *std::move(r);
        break;
      }
      if (terminal && seconds() - last_progress > 0.2) {
        last_progress = seconds();
        fmt::print(stderr, "\r\033[Khunt {}/{}: {} seeds, {:.0f} seeds/s", h + 1, *hunts, c.seeds,
                   static_cast<double>(c.seeds) / seconds());
      }
    }
    c.seconds = seconds();
    if (terminal) fmt::print(stderr, "\r\033[K");
    if (c.result) {
      fmt::print("hunt {}: caught at seed {} after {} seeds, {:.2f} s: {}\n  {}\n", h + 1, c.result->seed,
                 c.seeds, c.seconds, c.result->first_check, c.result->first_violation);
      if (shape->knobs) {
        fmt::print("  knobs: {}\n", c.result->knobs.empty() ? "the defaults" : c.result->knobs);
      }
    } else {
      gave_up = true;
      fmt::print("hunt {}: nothing caught in {} seeds ({}..{}), {:.2f} s{}\n", h + 1, c.seeds, base,
                 base + c.seeds - 1, c.seconds, CatchInterrupt::interrupted() ? " (interrupted)" : "");
    }
    catches.push_back(std::move(c));
  }
  ctrl_c.reset();
  std::vector<uint64_t> seeds;
  std::vector<double> seconds;
  for (const Catch& c : catches) {
    if (!c.result) continue;
    seeds.push_back(c.seeds);
    seconds.push_back(c.seconds);
  }
  if (not_the_bug > 0) {
    fmt::print("{} failing seed{} also failed with the switches off and {} not counted\n", not_the_bug,
               not_the_bug == 1 ? "" : "s", not_the_bug == 1 ? "was" : "were");
  }
  if (catches.size() > 1 && !seeds.empty()) {
    fmt::print("{} of {} hunts caught it: median {} seeds, {:.2f} s (one thread)\n", seeds.size(),
               catches.size(), Median(seeds), Median(seconds));
  }
  if (absl::Status s = coverage->Report(coverage_total, coverage_runs, stdout); !s.ok()) return Usage(s);
  if (!minimize_dir.empty()) {
    // The first catch, then the next ones while the scenario is still longer than a
    // person reads easily: another seed's failure may need a shorter story. The shortest
    // is named at the end.
    std::optional<std::pair<size_t, std::string>> shortest;  // Steps, path.
    size_t minimized = 0;
    for (Catch& c : catches) {
      if (!c.result) continue;
      if (shortest && shortest->first <= runner::kReadableCommandsMax) break;
      const auto start = std::chrono::steady_clock::now();
      auto m = MinimizeSeed(*shape, *c.result, minimize_dir,
                            fmt::format("{} --seed {}", command_line, c.result->seed));
      const double took =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (!m.ok()) {
        // The minimized scenario is the hunt's result: not writing it fails the command.
        fmt::print(stderr, "zabsim hunt: {}\n", base::Text(m.status()));
        return kExitUsage;
      }
      const runner::Minimized& mm = m->minimized;
      c.minimized = m->path;
      if (!mm.reproduced) {
        fmt::print("minimize: the scenario form of seed {} does not break {}; {} is unshrunk\n",
                   c.result->seed, mm.check, m->path);
      } else {
        fmt::print("minimized: {} breaks {}: {} of {} faults, {} of {} clients, {} of {} ops each, "
                   "{} steps; {} runs, {:.1f} s\n",
                   m->path, mm.check, mm.spec.plan.faults.size(), mm.faults_before,
                   mm.spec.options.clients, mm.clients_before, mm.spec.options.workload.ops,
                   mm.ops_before, mm.steps, mm.runs, took);
        if (!shortest || mm.steps < shortest->first) shortest.emplace(mm.steps, m->path);
      }
      ++minimized;
    }
    if (minimized > 1 && shortest) {
      fmt::print("shortest: {} ({} steps, of {} catches minimized)\n", shortest->second,
                 shortest->first, minimized);
    }
  }
  if (junit != nullptr) {
    // A hunt passes when it caught something (the command's exit status says the same).
    for (size_t h = 0; h < catches.size(); ++h) {
      const Catch& c = catches[h];
      const std::string name = fmt::format("hunt {} (seeds {}..{})", h + 1, c.first, c.first + max_seeds - 1);
      if (c.result) {
        std::string out = fmt::format("caught at seed {} after {} seeds: {}\n{}\nreplay: {} --seed {}\n",
                                      c.result->seed, c.seeds, c.result->first_check, c.result->first_violation,
                                      command_line, c.result->seed);
        if (!c.minimized.empty()) out += fmt::format("minimized: {}\n", c.minimized);
        junit->Pass("zabsim.hunt", name, out);
      } else {
        const std::string why = fmt::format("nothing caught in {} seeds ({}..{}){}", c.seeds, c.first,
                                            c.first + c.seeds - 1,
                                            CatchInterrupt::interrupted() ? ", interrupted" : "");
        junit->Fail("zabsim.hunt", name, "nothing-caught", why, why + "\n");
      }
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - hunt_start).count();
    if (absl::Status s = junit->Commit(wall); !s.ok()) {
      fmt::print(stderr, "zabsim hunt: --junit: {}\n", base::Text(s));
      return kExitUsage;
    }
  }
  return gave_up || CatchInterrupt::interrupted() ? kExitFailed : kExitOk;
}

}  // namespace zabsim::cli

// Property tests of whole simulated runs: RapidCheck draws a run as one value (the
// ensemble's shape, its timing, and a fault schedule drawn swarm-style), runs it as
// `zabsim sim` does (runner/sim_run.h), and demands that
//
//   - every check holds, and a converged ensemble is reached within the liveness bound
//     once the schedule has healed;
//   - the same case run twice leaves the same trace fingerprint.
//
// A failing case is printed as a scenario file (runner/minimize.h), ready to be saved as
// a .scn file and replayed with `zabsim run`, next to RapidCheck's usual
// RC_PARAMS="reproduce=..." line. The fault schedule is a vector of self-contained
// episodes (a crash and its restart, a partition and its heal, ...), so RapidCheck's
// shrinking removes whole episodes; the shape shrinks towards 3 voters, no observer, no
// clients or operations, ZooKeeper's tick and the default latencies.
//
// Budget: ctest runs each property with a fixed seed, 1000 cases (30 in Debug and
// sanitizer builds; see tests/CMakeLists.txt); RC_PARAMS="max_success=20000" in the
// environment of ctest searches longer (docs/scaling.md).

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "base/status.h"
#include "tests/runner/failure_artifact.h"
#include "runner/cluster.h"
#include "runner/minimize.h"
#include "runner/sim_run.h"
#include "sim/clock.h"
#include "sim/fault.h"
#include "sim/trace.h"
#include "zab/config.h"
#include "zab/releases.h"

namespace zabsim::runner {
namespace {

using sim::Duration;
using sim::Fault;
using sim::ProcessId;
using sim::Time;
using sim::TimedFault;

// ---------------------------------------------------------------------------------------
// Run shape.

// The liveness bound is FLE's longest notification backoff (max_notification_ms, 60 s)
// as the slowest clock of the run stretches it, plus 20 s: 80 s with true clocks, what
// `zabsim sim` owes by default (40 ticks of ZooKeeper's 2 s). A smaller tick does not
// shorten the backoff, and 5 voters with an observer were measured to take up to 51.6 s
// to converge after a long partition. A slow clock stretches it: a timer is converted to
// global time when it is set (sim/world_impl.h), so a 60 s backoff set at rate 0.25 fires
// 240 s later even if the clock is back to rate 1 within a second.
constexpr int64_t kConvergenceMs = 20'000;
constexpr uint32_t kMinLivenessTicks = 40;
// After the bound, 10 s more of quiet: the checks watch a converged ensemble for a while.
constexpr int64_t kQuietAfterBoundMs = 10'000;
// Abstract process picks lie in [0, kPicks), mapped onto the servers once their number is
// known; 60 is a multiple of every server count (3..6), so each server is as likely.
constexpr uint32_t kPicks = 60;
// Seeds below 10^19: scenario files (the cluster command, runner/scenario/setup_commands.cc)
// read at most 19 digits, so a larger seed would make the printed scenario unreadable.
constexpr uint64_t kSeedLimit = 10'000'000'000'000'000'000ULL;

// Uniform draws from [lo, hi) whatever RapidCheck's current size (gen::inRange alone
// stays near `lo` while the size is small); shrinking still goes towards `lo`.
template <typename T>
T Uniform(T lo, T hi) {
  return *rc::gen::resize(100, rc::gen::inRange<T>(lo, hi));
}

// Fixed draws as Uniform does, but is never shrunk: for draws whose change would redraw
// the fault schedule, a shrink would hardly ever still fail, and each try costs a whole
// run (about 3 ms here, 0.3 s in a Debug build with sanitizers).
template <typename T>
T Fixed(T lo, T hi) {
  return *rc::gen::noShrink(rc::gen::resize(100, rc::gen::inRange<T>(lo, hi)));
}

// The fault kinds a swarm may enable. Each kind's episode ends by the end of the window
// (see PlanOf), so that liveness is owed afterwards. Not here: `channel unsafe`, which
// ZAB is not meant to survive (docs/world.md), and `heal`/`restart`/`release`, which end
// episodes.
constexpr Fault::Kind kKinds[] = {
    Fault::Kind::kCrash,     Fault::Kind::kSignal,    Fault::Kind::kPartition,
    Fault::Kind::kIsolate,   Fault::Kind::kOneWay,    Fault::Kind::kBreak,
    Fault::Kind::kDelay,     Fault::Kind::kHold,      Fault::Kind::kClockRate,
    Fault::Kind::kClockStep, Fault::Kind::kDiskSlow,  Fault::Kind::kLoss,
    Fault::Kind::kTorn,
};
constexpr size_t kKindCount = sizeof(kKinds) / sizeof(kKinds[0]);

// Episode is one fault with its own end, in abstract form: process picks become servers,
// and `amount` becomes the kind's intensity, only when the plan is written (PlanOf).
// Drawing it without the ensemble's shape lets the shape shrink while the schedule stays
// the same.
struct Episode {
  Fault::Kind kind = Fault::Kind::kCrash;
  int64_t start_ms = 0;
  int64_t length_ms = 0;
  uint32_t x = 0;       // The process (or the sending end).
  uint32_t y = 0;       // The other end of a link.
  uint32_t mask = 0;    // kPartition: the servers on the first side, one bit each.
  int64_t amount = 0;   // In [0, kAmounts): scaled onto the kind's range.
};
constexpr int64_t kAmounts = 1'000'000;

// Scale maps an amount onto [lo, hi].
int64_t Scale(int64_t amount, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>((static_cast<__int128>(amount) * (hi - lo)) / (kAmounts - 1));
}

rc::Gen<Episode> GenEpisode(std::vector<Fault::Kind> kinds, int64_t window_ms,
                            int64_t max_outage_ms) {
  return rc::gen::exec([=] {
    Episode e;
    e.kind = kinds[Uniform<size_t>(0, kinds.size())];
    e.start_ms = Uniform<int64_t>(0, window_ms);
    e.length_ms = Uniform<int64_t>(max_outage_ms / 10, max_outage_ms + 1);
    e.x = Uniform<uint32_t>(0, kPicks);
    e.y = Uniform<uint32_t>(0, kPicks);
    e.mask = Uniform<uint32_t>(0, 64);
    e.amount = Uniform<int64_t>(0, kAmounts);
    return e;
  });
}

// Sides splits the servers for a partition: p and the servers of `mask` against the
// rest, or p alone against the rest if `mask` leaves no rest.
std::vector<std::vector<ProcessId>> Sides(uint32_t mask, uint32_t servers, ProcessId p) {
  std::vector<std::vector<ProcessId>> sides(2);
  for (uint32_t s = 1; s <= servers; ++s) {
    const bool first = s == p.value || ((mask >> (s - 1)) & 1) != 0;
    sides[first ? 0 : 1].push_back(ProcessId{s});
  }
  if (!sides[1].empty()) return sides;
  sides = {{p}, {}};
  for (uint32_t s = 1; s <= servers; ++s) {
    if (s != p.value) sides[1].push_back(ProcessId{s});
  }
  return sides;
}

// Begin is the fault that starts episode `e` on server p (the link p>q for link faults);
// a delay or a slow disk lasts `length`.
Fault Begin(const Episode& e, uint32_t servers, ProcessId p, ProcessId q, Duration length) {
  Fault f{.kind = e.kind, .p = p};
  switch (e.kind) {
    case Fault::Kind::kSignal:
      f.value = 1;  // A role restart.
      break;
    case Fault::Kind::kPartition:
      f.groups = Sides(e.mask, servers, p);
      break;
    case Fault::Kind::kOneWay:
      f.groups = {{p}, {q}};
      break;
    case Fault::Kind::kBreak:
    case Fault::Kind::kHold:
      f.a = p;
      f.b = q;
      break;
    case Fault::Kind::kDelay:
      f.a = p;
      f.b = q;
      f.extra = Duration::Millis(Scale(e.amount, 1, 500));
      f.length = length;
      break;
    case Fault::Kind::kClockRate:
      f.value = Scale(e.amount, 250'000, 4'000'000);  // 0.25x to 4x.
      break;
    case Fault::Kind::kClockStep:
      f.extra = Duration::Millis(Scale(e.amount, -5000, 5000));
      break;
    case Fault::Kind::kDiskSlow:
      f.value = Scale(e.amount, 2, 100);
      f.length = length;
      break;
    case Fault::Kind::kLoss:
      f.ratio = sim::Ratio{static_cast<uint64_t>(Scale(e.amount, 1, 100)), 1000};
      break;
    case Fault::Kind::kTorn:
      f.ratio = sim::Ratio{static_cast<uint64_t>(Scale(e.amount, 1, 4)), 4};
      break;
    default:  // kCrash, kIsolate: the process says it all.
      break;
  }
  return f;
}

// End is the fault that ends episode `e`, unless it is instant or ends on its own.
std::optional<Fault> End(const Episode& e, ProcessId p, ProcessId q) {
  switch (e.kind) {
    case Fault::Kind::kCrash:
      return Fault{.kind = Fault::Kind::kRestart, .p = p};
    case Fault::Kind::kPartition:
    case Fault::Kind::kIsolate:
    case Fault::Kind::kOneWay:
      return Fault{.kind = Fault::Kind::kHeal};
    case Fault::Kind::kHold:
      return Fault{.kind = Fault::Kind::kRelease, .a = p, .b = q};
    case Fault::Kind::kClockRate:
      return Fault{.kind = Fault::Kind::kClockRate, .p = p,
                   .value = sim::LocalClock::kPerfectRatePpm};
    case Fault::Kind::kLoss:
    case Fault::Kind::kTorn:
      return Fault{.kind = e.kind, .ratio = sim::Ratio::Never()};
    default:  // Instant (signal, break, clock-step), or over by itself (delay, disk-slow).
      return std::nullopt;
  }
}

// Faults writes one episode as timed faults on `servers` servers, over by `end`.
std::vector<TimedFault> Faults(const Episode& e, uint32_t servers, Time end) {
  const Time at = Time::Zero() + Duration::Millis(e.start_ms);
  const Time until = std::min(at + Duration::Millis(e.length_ms), end);
  const ProcessId p{1 + e.x % servers};
  const ProcessId q{1 + (p.value + e.y % (servers - 1)) % servers};  // Never p.
  std::vector<TimedFault> out = {{at, Begin(e, servers, p, q, until - at)}};
  if (std::optional<Fault> over = End(e, p, q)) out.push_back({until, *std::move(over)});
  return out;
}

// PlanOf writes the episodes as a fault plan, in time order.
sim::FaultPlan PlanOf(const std::vector<Episode>& episodes, uint32_t servers, Time end) {
  sim::FaultPlan plan;
  for (const Episode& e : episodes) {
    for (TimedFault& f : Faults(e, servers, end)) plan.faults.push_back(std::move(f));
  }
  std::stable_sort(plan.faults.begin(), plan.faults.end(),
                   [](const TimedFault& a, const TimedFault& b) { return a.at < b.at; });
  return plan;
}

// GenKinds is the swarm's choice of fault kinds: each with probability 1/2, at least one.
rc::Gen<std::vector<Fault::Kind>> GenKinds() {
  return rc::gen::exec([] {
    std::vector<Fault::Kind> kinds;
    for (const Fault::Kind k : kKinds) {
      if (Uniform(0, 2) == 1) kinds.push_back(k);
    }
    const size_t fallback = Uniform<size_t>(0, kKindCount);  // Drawn always: see GenRun.
    if (kinds.empty()) kinds.push_back(kKinds[fallback]);
    return kinds;
  });
}

// GenDistribution is the default, or a uniform range [lo, lo + span] in microseconds.
rc::Gen<sim::Distribution> GenDistribution(sim::Distribution fallback, int64_t lo_max_us,
                                           int64_t span_max_us) {
  return rc::gen::exec([=] {
    const bool custom = Uniform(0, 2) == 1;
    const int64_t lo = Fixed<int64_t>(0, lo_max_us + 1);
    const int64_t span = Fixed<int64_t>(0, span_max_us + 1);
    if (!custom) return fallback;
    return sim::Distribution::Uniform(Duration::Micros(lo), Duration::Micros(lo + span));
  });
}

// RunCase is one whole run, as RapidCheck draws, shrinks and shows it.
struct RunCase {
  SimSpec spec;
};

void showValue(const RunCase& c, std::ostream& os) {
  const ClusterOptions& o = c.spec.options;
  os << fmt::format("voters={} observers={} clients={} ops={} seed={} tick_ms={} window={} "
                    "quiet={} liveness_ticks={}\n  faults: {}",
                    o.zab.voters, o.zab.observers, o.clients, o.workload.ops, o.seed,
                    o.zab.tick_ms, sim::FormatDuration(c.spec.window),
                    sim::FormatDuration(c.spec.quiet), c.spec.liveness_ticks,
                    c.spec.plan.faults.empty() ? "none" : c.spec.plan.ToString());
}

// LivenessBoundMs is the bound owed after the faults (see kConvergenceMs).
int64_t LivenessBoundMs(const ClusterOptions& o, const sim::FaultPlan& plan) {
  int64_t slowest_ppm = sim::LocalClock::kPerfectRatePpm - o.world.clock_drift_ppm;
  for (const TimedFault& f : plan.faults) {
    if (f.fault.kind != Fault::Kind::kClockRate) continue;
    slowest_ppm = std::min(slowest_ppm, f.fault.value);
  }
  const int64_t backoff_ms =
      (o.zab.max_notification_ms * sim::LocalClock::kPerfectRatePpm + slowest_ppm - 1) /
      slowest_ppm;
  return backoff_ms + kConvergenceMs;
}

// GenRun draws a whole run with the bug switches `bugs`. Every draw happens whatever the
// earlier ones were, so that when RapidCheck shrinks one draw, those after it come out
// the same (it regenerates them from the same random streams): shrinking voters or
// clients leaves the fault schedule as it was.
rc::Gen<RunCase> GenRun(zab::Bugs bugs) {
  return rc::gen::exec([bugs] {
    RunCase c;
    SimSpec& spec = c.spec;
    ClusterOptions& o = spec.options;
    o.seed = Fixed<uint64_t>(0, kSeedLimit);
    // ZAB as it should be (master with its open bugs fixed), plus the switches asked for.
    RC_ASSERT(zab::UseRelease(o.zab, "master+fixes").ok());
    o.zab.bugs = bugs;
    o.zab.voters = *rc::gen::element<uint32_t>(3, 5);
    o.zab.observers = Uniform<uint32_t>(0, 2);
    o.clients = Uniform<uint32_t>(0, 5);
    o.workload.ops = Uniform<uint64_t>(0, 81);
    o.zab.tick_ms = *rc::gen::element<int64_t>(2000, 1000, 500, 200, 100);
    o.world.net.latency = *GenDistribution(o.world.net.latency, 2'000, 20'000);
    o.world.disk.fsync_latency = *GenDistribution(o.world.disk.fsync_latency, 2'000, 30'000);
    o.world.clock_drift_ppm = *rc::gen::element<int64_t>(0, 100, 10'000, 50'000);
    // The swarm: which fault kinds, how often, how long. Its episodes shrink only by
    // going away (an episode shrunk in place would mostly be another fault).
    const int64_t window_ms = 1000 * Fixed<int64_t>(10, 41);
    const std::vector<Fault::Kind> kinds = *rc::gen::noShrink(GenKinds());
    const int64_t mean_gap_ms = Fixed<int64_t>(200, 3001);
    const int64_t max_outage_ms = Fixed<int64_t>(200, 10'001);
    const int max_episodes = static_cast<int>(std::max<int64_t>(1, window_ms / mean_gap_ms));
    const std::vector<Episode> episodes = *rc::gen::resize(
        max_episodes, rc::gen::container<std::vector<Episode>>(
                          rc::gen::noShrink(GenEpisode(kinds, window_ms, max_outage_ms))));
    spec.window = Duration::Millis(window_ms);
    spec.plan = PlanOf(episodes, o.zab.servers(), Time::Zero() + spec.window);
    const int64_t bound_ms = LivenessBoundMs(o, spec.plan);
    spec.liveness_ticks = static_cast<uint32_t>(
        std::max<int64_t>(kMinLivenessTicks, (bound_ms + o.zab.tick_ms - 1) / o.zab.tick_ms));
    spec.quiet = spec.LivenessBound() + Duration::Millis(kQuietAfterBoundMs);
    return c;
  });
}

// ---------------------------------------------------------------------------------------
// Reporting a counterexample.

constexpr std::string_view kScenarioHeading =
    "The case as a scenario file (save it as found.scn; replay: zabsim run found.scn):";

// Counterexample says what broke and writes the case as a scenario file.
std::string Counterexample(const SimSpec& spec, std::string_view what, std::string_view detail) {
  const std::string comment = fmt::format(
      "Found by run_property_test: {}.\n"
      "Each check claims 'checks: ok', so 'zabsim run' fails on this file while the\n"
      "failure stands; 'zabsim run --rewrite' turns it into a demonstration.",
      what);
  const std::string scenario = ScenarioFor(spec, comment);
  zabsim::testing::WriteFailingCase(scenario);  // For CI to keep (ZABSIM_ARTIFACTS_DIR).
  return fmt::format("{}\n{}\n{}\n\n{}", what, detail, kScenarioHeading, scenario);
}

// Violations lists every violation of a finished run, one per line.
std::string Violations(const SimRun& run) {
  std::string out;
  for (const Verdict& v : run.verdicts()) {
    for (const std::string& violation : v.violations) out += "  " + violation + "\n";
  }
  return out;
}

// LivenessTag names the liveness verdict, for RapidCheck's distribution of cases: a
// property that held only because nothing was owed would show here.
std::string_view LivenessTag(const std::optional<LivenessVerdict>& v) {
  if (!v) return "liveness off";
  switch (v->kind) {
    case LivenessVerdict::Kind::kHeld:
      return "liveness held";
    case LivenessVerdict::Kind::kViolated:
      return "liveness violated";
    case LivenessVerdict::Kind::kNotChecked:
      break;
  }
  return "liveness not owed";
}

// CheckRun is property (a): run `c` and fail with its scenario unless it is ok.
void CheckRun(const RunCase& c) {
  auto run = SimRun::Create(c.spec);
  if (!run.ok()) {
    RC_FAIL(fmt::format("the generator drew a run the simulator refuses: {}\n{}",
                        base::Text(run.status()), c.spec.plan.ToString()));
  }
  (*run)->Run();
  RC_TAG(LivenessTag((*run)->liveness()));  // Shown as a distribution: was it owed?
  if (!(*run)->ok()) {
    RC_FAIL(Counterexample(
        c.spec, fmt::format("the run breaks {}", fmt::join((*run)->FailedChecks(), ", ")),
        Violations(**run)));
  }
}

// ---------------------------------------------------------------------------------------
// The properties.

RC_GTEST_PROP(RunProperty, ChecksAndLivenessHold, ()) { CheckRun(*GenRun(zab::Bugs{})); }

RC_GTEST_PROP(RunProperty, SameCaseSameFingerprint, ()) {
  const RunCase c = *GenRun(zab::Bugs{});
  uint64_t fingerprints[2] = {};
  std::vector<std::string> failed[2];
  for (int i = 0; i < 2; ++i) {
    auto run = SimRun::Create(c.spec);
    RC_ASSERT(run.ok());
    (*run)->Run();
    fingerprints[i] = (*run)->fingerprint();
    failed[i] = (*run)->FailedChecks();
  }
  if (fingerprints[0] != fingerprints[1] || failed[0] != failed[1]) {
    RC_FAIL(Counterexample(
        c.spec, "the same case ran twice leaves two different runs",
        fmt::format("  fingerprints {} and {}; failed checks [{}] and [{}]\n",
                    sim::FormatFingerprint(fingerprints[0]),
                    sim::FormatFingerprint(fingerprints[1]), fmt::join(failed[0], ", "),
                    fmt::join(failed[1], ", "))));
  }
}

// ---------------------------------------------------------------------------------------
// The properties can fail: with a bug switched back on, a fixed-seed search finds a
// counterexample and shrinks it to a small scenario that still fails when replayed.

// QuietListener keeps RapidCheck from printing (or asking at exit to reproduce) the
// failure this test expects, and counts the search's work.
class QuietListener final : public rc::detail::TestListener {
 public:
  void onTestCaseFinished(const rc::detail::CaseDescription&) override { ++cases; }
  void onShrinkTried(const rc::detail::CaseDescription&, bool accepted) override {
    ++shrinks_tried;
    shrinks_accepted += accepted ? 1 : 0;
  }
  void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}

  int cases = 0;
  int shrinks_tried = 0;
  int shrinks_accepted = 0;
};

// ScenarioOf cuts the scenario file out of a failure description.
std::string ScenarioOf(const std::string& description) {
  const size_t at = description.find(kScenarioHeading);
  if (at == std::string::npos) return "";
  return description.substr(at + kScenarioHeading.size() + 2);
}

// Commands counts the lines of a scenario file followed by a "----" line.
size_t Commands(std::string_view scenario) {
  size_t n = 0;
  size_t at = 0;
  while ((at = scenario.find("\n----\n", at)) != std::string_view::npos) {
    ++n;
    at += 5;
  }
  return n;
}

TEST(RunPropertyCanFail, ABugSwitchIsFoundAndShrunkToASmallScenario) {
  // The failing case is kept where ZABSIM_ARTIFACTS_DIR says (failure_artifact.h).
  const std::string artifacts = ::testing::TempDir() + "zabsim-artifacts";
  std::filesystem::remove_all(artifacts);
  const char* const saved = std::getenv(zabsim::testing::kArtifactsDirVariable);
  const std::string saved_value = saved == nullptr ? "" : saved;
  setenv(zabsim::testing::kArtifactsDirVariable, artifacts.c_str(), 1);
  zab::Bugs bugs;
  ASSERT_TRUE(zab::EnableBug(bugs, "majority-is-half").ok());
  rc::detail::TestParams params;
  params.seed = 20261128;
  params.maxSuccess = 200;
  QuietListener listener;
  rc::detail::TestMetadata metadata;
  metadata.id = "RunPropertyCanFail/majority-is-half";
  const rc::detail::TestResult result = rc::detail::checkProperty(
      rc::detail::toProperty([bugs] { CheckRun(*GenRun(bugs)); }), metadata, params, listener);
  rc::detail::FailureResult failure;
  ASSERT_TRUE(result.match(failure)) << "no counterexample in " << listener.cases << " cases";
  const std::string scenario = ScenarioOf(failure.description);
  ASSERT_FALSE(scenario.empty()) << failure.description;
  const size_t commands = Commands(scenario);
  std::printf("found after %d cases; %d of %d shrinks accepted; %zu commands:\n%s\n",
              listener.cases, listener.shrinks_accepted, listener.shrinks_tried, commands,
              scenario.c_str());
  EXPECT_LE(commands, 30u) << scenario;
  // The shrunk scenario still fails when replayed as a file.
  EXPECT_FALSE(ScenarioChecks(scenario).empty()) << scenario;
  // The kept file is the shrunk case RapidCheck reports, whole.
  const std::string kept = zabsim::testing::ArtifactPath(".scn");
  if (saved == nullptr) {
    unsetenv(zabsim::testing::kArtifactsDirVariable);
  } else {
    setenv(zabsim::testing::kArtifactsDirVariable, saved_value.c_str(), 1);
  }
  std::ifstream in(artifacts + "/RunPropertyCanFail.ABugSwitchIsFoundAndShrunkToASmallScenario.scn");
  ASSERT_TRUE(in) << "no failing case kept in " << artifacts << " (" << kept << ")";
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, scenario);
}

// A drawn case written with ScenarioFor and replayed as a file reaches the verdicts of
// the SimRun it was written from: what the properties print is what they ran.
TEST(RunPropertyScenario, ScenarioForReplaysTheRunsVerdicts) {
  zab::Bugs buggy;
  ASSERT_TRUE(zab::EnableBug(buggy, "majority-is-half").ok());
  int failing = 0;
  for (const zab::Bugs& bugs : {zab::Bugs{}, buggy}) {
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      const RunCase c = GenRun(bugs)(rc::Random(seed), 100).value();
      auto run = SimRun::Create(c.spec);
      ASSERT_TRUE(run.ok()) << run.status();
      (*run)->Run();
      std::vector<std::string> from_run = (*run)->FailedChecks();
      std::vector<std::string> from_file = ScenarioChecks(ScenarioFor(c.spec, ""));
      std::sort(from_run.begin(), from_run.end());
      std::sort(from_file.begin(), from_file.end());
      EXPECT_EQ(from_run, from_file) << "seed " << seed << "\n" << ScenarioFor(c.spec, "");
      if (bugs == zab::Bugs{}) {
        EXPECT_TRUE(from_run.empty()) << Violations(**run);
      }
      failing += from_run.empty() ? 0 : 1;
    }
  }
  std::printf("%d of 8 drawn runs failed\n", failing);
}

}  // namespace
}  // namespace zabsim::runner

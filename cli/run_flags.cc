#include "cli/run_flags.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "base/check.h"
#include "base/status.h"
#include "cli/commands.h"
#include "runner/knobs.h"
#include "sim/time.h"
#include "zab/config.h"

namespace zabsim::cli {
void AddRunFlags(FlagSet& flags) {
  flags.Add("voters", "N", "3", "voting servers");
  flags.Add("observers", "N", "0", "observers");
  flags.Add("clients", "N", "3", "clients, each running its own workload");
  flags.Add("ops", "N", "100", "operations per client");
  flags.Add("time", "DURATION", "60s", "how long faults may happen (the swarm window)");
  flags.Add("quiet", "DURATION", "90s",
            "fault-free time after --time, for the ensemble to recover and converge");
  flags.Add("liveness-ticks", "N", "40",
            "after the faults, a converged ensemble is owed within N ticks (tick_ms each); "
            "0 turns the liveness check off (docs/invariants.md)");
  flags.Add("faults", "PLAN", "swarm",
            "'swarm' (fault kinds and rates drawn from the seed, within --time), 'none', or a "
            "plan such as '5s crash 1; 12s restart 1' (see docs/world.md)");
  flags.Add("knobs", "fixed|swarm", "fixed",
            "'swarm' draws slow disks, wide latencies and sync modes per seed, as faults are "
            "drawn (docs/bug-zoo.md); --set and --zab still win");
  flags.Add("scheduler", "random|pct", "random",
            "which due event runs first: 'random' (time order; the delays are drawn from the "
            "seed) or 'pct' (random thread priorities with change points, docs/scheduler.md)");
  flags.Add("pct-depth", "D", "3",
            "with --scheduler pct: the bug depth aimed at, D-1 priority change points (1 to 10)");
  flags.AddRepeated("set", "KEY=VALUE", "world setting, e.g. net.latency=1ms..5ms (docs/world.md)");
  flags.AddRepeated("zab", "KEY=VALUE", "ZAB setting, e.g. tick_ms=500 (docs/protocol.md)");
  AddReleaseFlags(flags, "the ZooKeeper release to run as: its NEWLEADER order and its known bugs");
}

void AddReleaseFlags(FlagSet& flags, std::string_view zk_help) {
  flags.Add("zk", "VERSION", std::string(zab::kDefaultRelease),
            fmt::format("{} ({})", zk_help, zab::ReleaseNames()));
  flags.AddRepeated("bug", "NAME",
                    "turn on a bug switch the release lacks: a real ZooKeeper bug or a classic "
                    "mistake (see 'zabsim bugs')");
  flags.AddRepeated("fix", "NAME", "turn off a bug switch the release has (see 'zabsim bugs')");
}

absl::StatusOr<zab::ReleaseChoice> ReleaseFromFlags(const FlagSet& flags, std::string_view command) {
  zab::ReleaseChoice choice;
  if (flags.IsSet("zk")) choice.release = flags.Get("zk");
  choice.add = flags.GetAll("bug");
  choice.remove = flags.GetAll("fix");
  zab::Config probe;
  if (absl::Status st = choice.ApplyTo(probe); !st.ok()) {
    return Fail(fmt::format("zabsim {}: {}", command, base::Text(st)));
  }
  return choice;
}

absl::Status ApplySettings(const FlagSet& flags, std::string_view name, std::string_view command,
                           const std::function<absl::Status(std::string_view, std::string_view)>& set) {
  for (const std::string& s : flags.GetAll(name)) {
    const size_t eq = s.find('=');
    if (eq == std::string::npos) {
      return Fail(fmt::format("zabsim {}: --{} '{}': expected KEY=VALUE", command, name, s));
    }
    if (absl::Status st = set(std::string_view(s).substr(0, eq), std::string_view(s).substr(eq + 1));
        !st.ok()) {
      return Fail(fmt::format("zabsim {}: --{} {}", command, name, base::Text(st)));
    }
  }
  return absl::OkStatus();
}

namespace {

// SchedulerFromFlags reads --scheduler and --pct-depth into the shape's world settings
// and its flags, so that a seed's replay command runs the same schedule.
absl::Status SchedulerFromFlags(const FlagSet& flags, std::string_view command, RunShape& shape) {
  const std::string scheduler = flags.Get("scheduler");
  if (scheduler != "random" && scheduler != "pct") {
    return Fail(fmt::format("zabsim {}: --scheduler '{}': expected 'random' or 'pct'", command, scheduler));
  }
  if (scheduler == "random") {
    if (flags.IsSet("pct-depth")) {
      return Fail(fmt::format("zabsim {}: --pct-depth needs --scheduler pct", command));
    }
    return absl::OkStatus();
  }
  auto depth = flags.GetUint("pct-depth", 1, sim::kMaxPctDepth);
  if (!depth.ok()) return depth.status();
  shape.options.world.sched.policy = sim::SchedPolicy::kPct;
  shape.options.world.sched.pct_depth = static_cast<uint32_t>(*depth);
  shape.args.push_back("--scheduler=pct");
  shape.args.push_back(fmt::format("--pct-depth={}", *depth));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RunShape> ShapeFromFlags(const FlagSet& flags, std::string_view command) {
  RunShape shape;
  auto voters = flags.GetUint("voters", 1, 15);
  auto observers = flags.GetUint("observers", 0, 15);
  auto clients = flags.GetUint("clients", 0, 200);
  auto ops = flags.GetUint("ops", 0, 1000000);
  auto window = flags.GetDuration("time");
  auto quiet = flags.GetDuration("quiet");
  auto liveness_ticks = flags.GetUint("liveness-ticks", 0, 1000000);
  for (const absl::Status& s : {voters.status(), observers.status(), clients.status(), ops.status(),
                                window.status(), quiet.status(), liveness_ticks.status()}) {
    if (!s.ok()) return s;
  }
  if (window->us <= 0) return Fail(fmt::format("zabsim {}: --time must be positive", command));
  // An hour of simulated time each: sixty times the defaults, and a bound on what one run
  // may cost (a scenario's 'run for=' has its own, 600 s).
  constexpr sim::Duration kMaxWindow = sim::Duration::Seconds(3600);
  for (const auto& [name, d] : {std::pair{"time", *window}, std::pair{"quiet", *quiet}}) {
    if (d.us > kMaxWindow.us) {
      return Fail(fmt::format("zabsim {}: --{} {}: expected at most {}", command, name, flags.Get(name),
                              sim::FormatDuration(kMaxWindow)));
    }
  }
  runner::ClusterOptions& options = shape.options;
  options.zab.voters = static_cast<uint32_t>(*voters);
  options.zab.observers = static_cast<uint32_t>(*observers);
  options.clients = static_cast<uint32_t>(*clients);
  options.workload.ops = *ops;
  shape.window = *window;
  shape.quiet = *quiet;
  shape.liveness_ticks = static_cast<uint32_t>(*liveness_ticks);
  // Settings that flags own are refused rather than silently overridden (the seed, which
  // each seed of a sweep sets, and the ensemble's size).
  const auto world_set = [&](std::string_view k, std::string_view v) -> absl::Status {
    if (k == "seed") return absl::InvalidArgumentError("seed: give the seed with --seed");
    if (k == "processes") {
      return absl::InvalidArgumentError("processes: set by --voters, --observers and --clients");
    }
    if (k == "sched.policy" || k == "sched.pct_depth") {
      return absl::InvalidArgumentError(
          fmt::format("{}: give it with --{}", k, k == "sched.policy" ? "scheduler" : "pct-depth"));
    }
    shape.world_keys.emplace_back(k);
    return options.world.Set(k, v);
  };
  const auto zab_set = [&](std::string_view k, std::string_view v) -> absl::Status {
    if (k == "voters" || k == "observers") {
      return absl::InvalidArgumentError(fmt::format("{}: give the number with --{}", k, k));
    }
    shape.zab_keys.emplace_back(k);
    return options.zab.Set(k, v);
  };
  auto release = ReleaseFromFlags(flags, command);
  if (!release.ok()) return release.status();
  shape.release = *release;
  ZABSIM_CHECK(release->ApplyTo(options.zab).ok());
  if (absl::Status s = ApplySettings(flags, "set", command, world_set); !s.ok()) return s;
  if (absl::Status s = ApplySettings(flags, "zab", command, zab_set); !s.ok()) return s;
  if (flags.IsSet("zk")) shape.args.push_back(fmt::format("--zk={}", flags.Get("zk")));
  for (const std::string_view name : {"set", "zab", "bug", "fix"}) {
    for (const std::string& value : flags.GetAll(name)) {
      shape.args.push_back(fmt::format("--{}={}", name, value));
    }
  }
  if (absl::Status s = SchedulerFromFlags(flags, command, shape); !s.ok()) return s;
  const std::string knobs = flags.Get("knobs");
  if (knobs != "fixed" && knobs != "swarm") {
    return Fail(fmt::format("zabsim {}: --knobs '{}': expected 'fixed' or 'swarm'", command, knobs));
  }
  shape.knobs = knobs == "swarm";
  const std::string faults = flags.Get("faults");
  shape.swarm = faults == "swarm";
  if (!shape.swarm && faults != "none") {
    auto parsed = sim::FaultPlan::Parse(faults);
    if (!parsed.ok()) return Fail(fmt::format("zabsim {}: --faults: {}", command, base::Text(parsed.status())));
    shape.plan = *std::move(parsed);
  }
  if (absl::Status s = shape.plan.Validate(options.zab.servers()); !s.ok()) {
    return Fail(fmt::format("zabsim {}: --faults: {}", command, base::Text(s)));
  }
  for (const std::string_view name : {"voters", "observers", "clients", "ops", "time", "quiet",
                                      "liveness-ticks", "faults", "knobs"}) {
    if (flags.IsSet(name)) shape.args.push_back(fmt::format("--{}={}", name, flags.Get(name)));
  }
  return shape;
}

runner::SimSpec RunShape::Spec(uint64_t seed, sim::SwarmSettings* swarm_settings,
                               std::string* knob_flags) const {
  runner::ClusterOptions o = options;
  o.seed = seed;
  if (knobs) {
    std::vector<runner::Knob> drawn;
    for (const runner::Knob& k : runner::DrawKnobs(seed)) {
      const std::vector<std::string>& given = k.zab ? zab_keys : world_keys;
      if (std::find(given.begin(), given.end(), k.key) != given.end()) continue;  // They win.
      ZABSIM_CHECK(runner::ApplyKnob(k, o).ok(), "knob {}={}", k.key, k.value);
      drawn.push_back(k);
    }
    if (knob_flags != nullptr) *knob_flags = runner::KnobFlags(drawn);
  }
  runner::SimSpec spec;
  if (swarm) {
    spec = runner::SwarmSpec(o, window, quiet, swarm_settings);
  } else {
    spec.options = o;
    spec.window = window;
    spec.quiet = quiet;
    spec.plan = plan;
  }
  spec.liveness_ticks = liveness_ticks;
  return spec;
}

}  // namespace zabsim::cli

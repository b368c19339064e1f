// The commands that let simulated time pass (docs/scenarios.md, `run` and `swarm`):
// for a while, until a condition holds, or under a seeded random plan of faults.

#include <functional>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "base/status.h"
#include "runner/scenario/args.h"
#include "runner/scenario/numbers.h"
#include "runner/scenario/runner.h"
#include "sim/fault.h"

namespace zabsim::runner::scenario {

absl::Status ScenarioRunner::Run(const Directive& /*d*/, Args& args, Lines& out) {
  const Arg* for_arg = args.Key("for");
  const Arg* until = args.Key("until");
  if ((for_arg == nullptr) == (until == nullptr)) return args.Missing("for=DURATION or until=CONDITION");
  if (for_arg != nullptr) {
    auto d = args.Duration(*for_arg, kMaxRun);
    if (!d.ok()) return d.status();
    cluster_->world().RunUntil(Deadline(*d));
    return absl::OkStatus();
  }
  sim::Duration limit = sim::Duration::Seconds(60);
  if (const Arg* l = args.Key("limit")) {
    auto d = args.Duration(*l, kMaxRun);
    if (!d.ok()) return d.status();
    limit = *d;
  }
  const Arg* already = args.Key("already");
  if (already != nullptr && already->value != "ok") {
    return Error(*current_, already->column,
                 fmt::format("expected already=ok, found 'already={}'", already->value));
  }
  std::function<bool()> done;
  if (absl::Status s = Condition(args, *until, done); !s.ok()) return s;
  // The condition as the file writes it, and what its names stood for.
  std::string cond = fmt::format("'{}'", until->value);
  for (const Arg& w : written_->args) {
    if (w.column == until->column && w.value != until->value)
      cond = fmt::format("'{}' ({})", w.value, until->value);
  }
  // A wait that is over before it starts tests nothing: most often a guessed zxid that an
  // earlier txn (a session's, another write's) already reached. Under --seed another run
  // may reach it sooner, which is no mistake of the file.
  if (already == nullptr && !seed_.has_value() && done()) {
    const sim::Time now = cluster_->world().now();
    return Error(*current_, until->column,
                 fmt::format("{} already holds at {}.{:03}; add already=ok if that is intended",
                             cond, now.us / 1000000, (now.us / 1000) % 1000));
  }
  if (!RunUntil(done, limit)) {
    Flush(/*with_state=*/true, out);  // What happened, with the state changes at least.
    out.push_back(fmt::format("run: {} not reached within {}", cond, sim::FormatDuration(limit)));
  }
  return absl::OkStatus();
}

absl::Status ScenarioRunner::Condition(Args& args, const Arg& until, std::function<bool()>& done) {
  const Arg* on = args.Key("on");
  std::optional<uint32_t> sid;
  if (on != nullptr) {
    auto s = Server(*on);
    if (!s.ok()) return s.status();
    sid = *s;
  }
  const std::string& cond = until.value;
  const size_t eq = cond.find(':');
  const std::string name = cond.substr(0, eq);
  const std::string value = eq == std::string::npos ? "" : cond.substr(eq + 1);
  const bool takes_value =
      name == "epoch" || name == "proposed" || name == "committed" || name == "applied";
  if (!takes_value && !value.empty()) {
    return Error(*current_, until.column,
                 fmt::format("condition '{}' takes no value, found '{}'", name, cond));
  }
  if (!takes_value && on != nullptr) {
    return Error(
        *current_, on->column,
        fmt::format("on= applies to epoch:, proposed:, committed: and applied:, not to '{}'",
                    name));
  }
  if (name == "leader") {
    done = [this] { return cluster_->EstablishedLeader().has_value(); };
  } else if (name == "converged") {
    done = [this] { return cluster_->Converged(); };
  } else if (name == "idle") {
    done = [this] {
      for (uint32_t i = 0; i < cluster_->clients(); ++i) {
        if (cluster_->client(i) != nullptr && !cluster_->client(i)->client().idle()) return false;
      }
      return true;
    };
  } else if (name == "quiet") {
    done = [this] { return cluster_->Converged() && cluster_->WorkloadDone(); };
  } else if (name == "proposed" && value.starts_with("$")) {
    // A capture whose zxid is not known yet (Resolve left it): wait for its proposal.
    const std::string capture = value.substr(1);
    done = [this, capture, sid] {
      const scenario::Capture* c = captures_.Find(capture);
      return c->zxid.has_value() && (!sid.has_value() || c->proposer == *sid);
    };
  } else if (takes_value) {
    const std::optional<uint64_t> target = ParseNumber(value);
    if (!target.has_value()) {
      return args.Missing(fmt::format("a number after '{}:' (e.g. {})", name,
                                      name == "epoch" ? "epoch:2" : name + ":0x100000003"));
    }
    done = [this, name, target = *target, sid] {
      const auto it = reached_.find(sid.value_or(0));
      if (it == reached_.end()) return false;
      const Reached& r = it->second;
      if (name == "epoch") return r.epoch != 0 && r.epoch >= target;
      const std::optional<uint64_t>& zxid = name == "proposed"    ? r.proposed
                                            : name == "committed" ? r.committed
                                                                  : r.applied;
      return zxid.has_value() && *zxid >= target;
    };
  } else {
    return args.Missing(fmt::format(
        "a known condition, found '{}' (leader, converged, idle, quiet, epoch:N, proposed:ZXID, "
        "committed:ZXID, applied:ZXID)",
        cond));
  }
  return absl::OkStatus();
}

absl::Status ScenarioRunner::Swarm(const Directive& d, Args& args, Lines& out) {
  const Arg* for_arg = args.Key("for");
  if (for_arg == nullptr) return args.Missing("for=DURATION");
  auto window = args.Duration(*for_arg, kMaxRun);
  if (!window.ok()) return window.status();
  if (window->us < 1000) return Error(d, for_arg->column, "expected at least 1ms");
  uint64_t seed = cluster_->options().seed + 1000 * ++swarms_;
  std::string from_flag;
  if (const Arg* s = args.Key("seed")) {
    auto v = args.Uint(*s, 0, UINT64_MAX);
    if (!v.ok()) return v.status();
    // Under --seed the stretch is drawn from the run's seed, as if the file named none.
    if (seed_.has_value()) {
      from_flag = fmt::format(" (from --seed; the file's is {})", *v);
    } else {
      seed = *v;
    }
  }
  sim::SwarmSettings settings;
  sim::FaultPlan plan = sim::Swarm(seed, cluster_->servers(), *window, /*signals=*/1, &settings);
  runner::World& world = cluster_->world();
  const sim::Time start = world.now();
  for (sim::TimedFault& f : plan.faults) f.at = f.at + (start - sim::Time::Zero());
  if (absl::Status s = world.Schedule(plan); !s.ok()) return Error(d, 1, base::Text(s));
  out.push_back(fmt::format("swarm: seed {}{}, {} faults, {}", seed, from_flag, plan.faults.size(),
                            settings.ToString()));
  world.RunUntil(Deadline(*window));
  return absl::OkStatus();
}

}  // namespace zabsim::runner::scenario

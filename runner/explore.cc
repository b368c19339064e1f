#include "runner/explore.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "absl/container/flat_hash_map.h"
#include "base/check.h"
#include "base/hash.h"
#include "base/status.h"
#include "runner/explore_steps.h"
#include "runner/processes.h"
#include "runner/run_summary.h"
#include "runner/scenario/parser.h"
#include "runner/scenario/runner.h"
#include "sim/fault.h"

namespace zabsim::runner::explore {
namespace {

// Replay is one run of the ensemble under the explorer's control: the cluster, its
// checks, and for each process the fingerprint of the inputs it has handled.
struct Replay {
  std::unique_ptr<Cluster> cluster;
  std::unique_ptr<RunSummary> summary;
  std::vector<uint64_t> history;  // Per process id (index 0 unused).
  uint32_t writes = 0;
  uint32_t crashes = 0;
  uint32_t restarts = 0;
  uint64_t faults_skipped = 0;  // Faults Choices did not offer (the fault reduction).
  // What the step into the current state involved, for the fault reduction (Choices):
  // the processes it touched, and whether it was one after which every fault is offered.
  uint64_t last_involves = 0;
  bool offer_every_fault = true;  // At the start, and after a fault or a timer.
  bool last_arrival = false;      // A frame or notice arrived: a crash may reorder arrivals.
  uint64_t next_seq = 0;          // The world's next event number before the step.
};

// The prefix in time order may take this long at most (`run until=`'s default limit).
constexpr sim::Duration kFromLimit = sim::Duration::Seconds(60);

absl::StatusOr<Replay> Start(const ExploreOptions& options) {
  Replay r;
  auto cluster = Cluster::Create(options.cluster);
  if (!cluster.ok()) return cluster.status();
  r.cluster = *std::move(cluster);
  r.summary = std::make_unique<RunSummary>(*r.cluster);
  r.history.assign(r.cluster->servers() + r.cluster->clients() + 1, 0);
  if (options.from != ExploreOptions::From::kStart) {
    Cluster& c = *r.cluster;
    const bool leader = options.from == ExploreOptions::From::kLeader;
    const auto reached = [&] { return leader ? c.EstablishedLeader().has_value() : c.Converged(); };
    if (!c.world().RunUntilTrue(reached, c.world().now() + kFromLimit)) {
      return absl::FailedPreconditionError(fmt::format(
          "explore: the run in time order is not {} within {}", FromName(options.from),
          sim::FormatDuration(kFromLimit)));
    }
  }
  return r;
}

// Quiet says that the ensemble has converged and that no client waits for a reply.
bool Quiet(Cluster& cluster) {
  for (uint32_t c = 0; c < cluster.clients(); ++c) {
    const ClientProcess* client = cluster.client(c);
    if (client != nullptr && !client->client().idle()) return false;
  }
  return cluster.Converged();
}

// Choices lists the steps that may come next, in a fixed order: events in time order,
// then a client write, crashes, restarts. A timer is a choice only when no other event
// is pending, and then only the earliest: messages, fsyncs and threads are always faster
// than a timeout, and time jumps to the next timer once the ensemble is quiet. This keeps
// the runs of a bounded workload finite in number at every depth; the cost is that a
// timeout never overtakes a message (docs/explore.md, "Limitations").
std::vector<Step> Choices(Replay& r, const ExploreOptions& options) {
  const Budget& budget = options.budget;
  World& world = r.cluster->world();
  Settle(world);
  std::vector<Step> events = ListEvents(world);
  std::vector<Step> out;
  std::vector<bool> arriving(r.history.size(), false);  // A process's next arrival is listed.
  for (Step& s : events) {
    if (s.kind != Step::Kind::kEvent) continue;
    if (s.network && options.inbox_in_time_order) {
      if (arriving[s.process]) continue;
      arriving[s.process] = true;
    }
    out.push_back(std::move(s));
  }
  // Nothing but timers pending in a converged ensemble whose clients wait for nothing: the
  // run in time order would only let time pass (pings), so no timer is offered and the run
  // ends here, unless a write or a fault comes next (docs/explore.md, "The steps").
  const bool quiet = out.empty() && options.stop_when_quiet && Quiet(*r.cluster);
  if (out.empty() && !quiet) {
    // The timer due first; of timers due at the same time, the first by name, so that the
    // choice depends only on what the fingerprint holds (not on which was set first).
    const Step* first = nullptr;
    for (const Step& s : events) {
      if (s.kind != Step::Kind::kTimer) continue;
      if (first == nullptr || std::tie(s.at, s.command) < std::tie(first->at, first->command)) first = &s;
    }
    if (first != nullptr) out.push_back(*first);
  }
  // The client writes as soon as it is idle in the run in time order: a write is the
  // first choice, and taking anything else first delays it (a deviation).
  if (r.writes < budget.writes && r.cluster->clients() > 0) {
    const ClientProcess* c = r.cluster->client(0);
    if (c != nullptr && c->client().idle()) {
      const uint32_t k = r.writes + 1;
      const uint32_t client = r.cluster->ClientProcessId(0);
      out.insert(out.begin(), Step{Step::Kind::kWrite, 0, client, {}, false, ProcessBit(client),
                                   fmt::format("create 1 /e{} v{} nowait", k, k)});
    }
  }
  // The processes the last step touched: its own, and those of every event it created
  // (numbered from the world's next sequence number before it). An event created but not
  // listed (a second frame behind the first on a connection) is not known by its ends:
  // then the step counts as touching every process.
  uint64_t touched = r.last_involves;
  uint64_t created_listed = 0;
  for (const Step& s : events) {
    if (s.seq < r.next_seq) continue;
    touched |= s.involves;
    ++created_listed;
  }
  if (world.NextSeq() - r.next_seq > created_listed) touched = ~uint64_t{0};
  r.next_seq = world.NextSeq();
  const bool every = !options.reduce_faults || r.offer_every_fault;
  for (uint32_t sid = 1; sid <= r.cluster->servers(); ++sid) {
    const bool up = world.IsUp(sim::ProcessId{sid});
    const bool involved = (touched & ProcessBit(sid)) != 0;
    if (up && r.crashes < budget.crashes) {
      // A crash also sends disconnection notices to the server's peers, which may then
      // arrive before a frame that was next: after an arrival it is always offered.
      if (every || involved || r.last_arrival) {
        out.push_back(
            Step{Step::Kind::kCrash, 0, sid, {}, false, ProcessBit(sid), fmt::format("crash {}", sid)});
      } else {
        ++r.faults_skipped;
      }
    }
    if (!up && r.restarts < budget.restarts) {
      if (every || involved) {
        out.push_back(
            Step{Step::Kind::kRestart, 0, sid, {}, false, ProcessBit(sid), fmt::format("restart {}", sid)});
      } else {
        ++r.faults_skipped;
      }
    }
  }
  return out;
}

void Take(Replay& r, const Step& step) {
  World& world = r.cluster->world();
  base::Hasher h(r.history[step.process]);
  h.Add(step.command);
  r.history[step.process] = h.value();
  r.last_involves = step.involves;
  r.last_arrival = step.network;
  // A timer runs only once nothing else is pending, which a fault changes (its notices, a
  // start): it commutes with no fault. Two faults are kept in the order taken.
  r.offer_every_fault = step.kind == Step::Kind::kTimer || step.kind == Step::Kind::kCrash ||
                        step.kind == Step::Kind::kRestart;
  switch (step.kind) {
    case Step::Kind::kEvent:
    case Step::Kind::kTimer:
      RunEvent(world, step);
      return;
    case Step::Kind::kWrite: {
      ++r.writes;
      zab::Op op;
      op.type = zab::OpType::kCreate;
      op.path = fmt::format("/e{}", r.writes);
      op.data = fmt::format("v{}", r.writes);
      world.Invoke(sim::ProcessId{step.process}, [&](sim::Process<zab::Message>& p, Ctx& ctx) {
        static_cast<ClientProcess&>(p).Submit(ctx, op);
      });
      return;
    }
    case Step::Kind::kCrash:
    case Step::Kind::kRestart: {
      (step.kind == Step::Kind::kCrash ? r.crashes : r.restarts) += 1;
      auto fault = sim::ParseFault(step.command);
      ZABSIM_CHECK(fault.ok(), "explore: {}", step.command);
      world.Apply(*fault);
      return;
    }
  }
}

// Fingerprint names the state a replay reached. A deterministic process's state is a
// function of the inputs it has handled, so each process contributes the fingerprint of
// its inputs, in order, named by content (never by time or by the world's ids). Runs that
// differ only in the order of steps at different processes reach the same fingerprint:
// they are one state. The steps pending (timers in their order, the rest as a set) and
// the budget spent are added.
uint64_t Fingerprint(Replay& r) {
  base::Hasher h;
  World& world = r.cluster->world();
  Settle(world);
  const std::vector<Step> pending = ListEvents(world);
  for (size_t p = 1; p < r.history.size(); ++p) {
    h.Add(r.history[p]);
    h.Add(world.IsUp(sim::ProcessId{static_cast<uint32_t>(p)}) ? 1 : 0);
  }
  // Timers in the order they fire (time, then name: see Choices), without their times;
  // the rest as a set.
  std::vector<std::pair<sim::Time, std::string_view>> timers;
  std::vector<std::string_view> others;
  for (const Step& s : pending) {
    if (s.kind == Step::Kind::kTimer) {
      timers.emplace_back(s.at, s.command);
    } else {
      others.push_back(s.command);
    }
  }
  std::sort(timers.begin(), timers.end());
  h.Add(timers.size());
  for (const auto& t : timers) h.Add(t.second);
  std::sort(others.begin(), others.end());
  h.Add(others.size());
  for (const std::string_view s : others) h.Add(s);
  h.Add(r.writes);
  h.Add(r.crashes);
  h.Add(r.restarts);
  return h.value();
}

struct Node {
  uint32_t parent = 0;  // kRoot for the start.
  uint32_t choice = 0;  // Index into the parent's choices.
  uint32_t depth = 0;
  uint32_t deviations = 0;  // Choices other than the first on the way here.
  uint32_t reorders = 0;    // Of those, the ones that are not faults.
};
constexpr uint32_t kRoot = UINT32_MAX;

std::vector<uint32_t> PathTo(const std::vector<Node>& nodes, uint32_t id) {
  std::vector<uint32_t> path;
  for (uint32_t n = id; nodes[n].parent != kRoot; n = nodes[n].parent) path.push_back(nodes[n].choice);
  std::reverse(path.begin(), path.end());
  return path;
}

std::string Plural(uint64_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : word.ends_with("sh") ? "es" : "s");
}

}  // namespace

std::string_view FromName(ExploreOptions::From from) {
  switch (from) {
    case ExploreOptions::From::kStart:
      return "start";
    case ExploreOptions::From::kLeader:
      return "leader";
    case ExploreOptions::From::kConverged:
      return "converged";
  }
  return "?";
}

absl::StatusOr<ClusterOptions> ParseClusterLine(const std::string& line) {
  auto file = scenario::Parse("explore", line + "\n");
  if (!file.ok()) return file.status();
  if (file->directives.size() != 1 || file->directives[0].name != "cluster") {
    return absl::InvalidArgumentError(fmt::format("explore: expected one cluster line, found '{}'", line));
  }
  scenario::ScenarioRunner runner(*file, {});
  auto out = runner.Execute(file->directives[0]);
  if (!out.ok()) return out.status();
  return runner.cluster()->options();
}

namespace {

// Frontier holds the steps not yet taken. Breadth first, they wait in one queue per
// number of deviations from time order, taken from the lowest; depth first, in one stack.
class Frontier {
 public:
  explicit Frontier(bool dfs) : dfs_(dfs) {}
  bool empty() const { return size_ == 0; }
  uint64_t size() const { return size_; }
  void Push(uint32_t id, uint32_t deviations) {
    const size_t b = dfs_ ? 0 : deviations;
    if (queues_.size() <= b) queues_.resize(b + 1);
    queues_[b].push_back(id);
    ++size_;
  }
  // Pop takes the next step; `lowest` is the number of deviations of its queue.
  uint32_t Pop(uint32_t& lowest) {
    for (size_t b = 0; b < queues_.size(); ++b) {
      if (queues_[b].empty()) continue;
      lowest = static_cast<uint32_t>(b);
      uint32_t id;
      if (dfs_) {
        id = queues_[b].back();
        queues_[b].pop_back();
      } else {
        id = queues_[b].front();
        queues_[b].pop_front();
      }
      --size_;
      return id;
    }
    ZABSIM_CHECK(false, "explore: pop from an empty frontier");
    return 0;
  }

 private:
  bool dfs_;
  std::vector<std::deque<uint32_t>> queues_;
  uint64_t size_ = 0;
};

struct Seen {
  uint32_t depth = 0;
  uint32_t deviations = 0;
  uint32_t reorders = 0;
};

Counterexample MakeCounterexample(std::vector<std::string> commands, const RunSummary& summary) {
  Counterexample cx;
  cx.commands = std::move(commands);
  for (const Verdict& v : summary.verdicts()) {
    if (v.violations.empty()) continue;
    cx.checks.push_back(v.check);
    cx.violations.insert(cx.violations.end(), v.violations.begin(), v.violations.end());
  }
  return cx;
}

}  // namespace

absl::StatusOr<ExploreResult> Explore(const ExploreOptions& options) {
  ExploreResult result;
  const bool bounded = options.max_deviations != kAnyDeviations;
  // Bounded or depth first, a replay goes on along the first choice (the run in time
  // order, no deviation) once it reached its node, instead of replaying from the start
  // for each step of it: a run costs its length, not its length squared. Plain breadth
  // first must take the steps in the order of their depth, so it replays each one.
  const bool extend = bounded || options.dfs;
  const bool bounded_reorders = options.max_reorders != kAnyDeviations;
  std::vector<Node> nodes{Node{kRoot, 0, 0, 0, 0}};
  Frontier frontier(options.dfs);
  frontier.Push(0, 0);
  absl::flat_hash_map<uint64_t, Seen> seen;  // Lookup only, never iterated.
  uint64_t progress_at = options.progress_every;
  bool first = true;
  while (!frontier.empty() && !result.counterexample && !result.state_limit) {
    if (options.stop && options.stop()) {
      result.stopped = true;
      break;
    }
    uint32_t lowest = 0;
    uint32_t id = frontier.Pop(lowest);
    if (!options.dfs) {
      // Every step of a lesser depth (plain breadth first) or with fewer deviations
      // (bounded) was taken: nothing adds to those queues any more.
      const Node& n = nodes[id];
      if (!bounded && n.depth > 0) result.complete_depth = std::max(result.complete_depth, n.depth - 1);
      if (bounded) result.complete_deviations = std::max<int64_t>(result.complete_deviations, int64_t{lowest} - 1);
    }
    auto replay = Start(options);
    if (!replay.ok()) return replay.status();
    Replay& r = *replay;
    std::vector<std::string> commands;
    for (const uint32_t index : PathTo(nodes, id)) {
      std::vector<Step> choices = Choices(r, options);
      ZABSIM_CHECK(index < choices.size(), "explore: a replay took another path");
      commands.push_back(choices[index].command);
      Take(r, choices[index]);
    }
    for (;;) {
      const Node node = nodes[id];
      const uint64_t skipped = r.faults_skipped;
      const std::vector<Step> choices = Choices(r, options);
      ++result.taken;
      const uint64_t fp = Fingerprint(r);
      // Reorders tell states apart only when they are bounded.
      const uint32_t reorders = bounded_reorders ? node.reorders : 0;
      if (auto [it, inserted] = seen.try_emplace(fp, Seen{node.depth, node.deviations, reorders}); !inserted) {
        // Seen before with no more steps and no more deviations: nothing new below.
        Seen& was = it->second;
        if (was.depth <= node.depth && was.deviations <= node.deviations && was.reorders <= reorders) {
          ++result.revisits;
          break;
        }
        was.depth = std::min(was.depth, node.depth);
        was.deviations = std::min(was.deviations, node.deviations);
        was.reorders = std::min(was.reorders, reorders);
      } else {
        ++result.states;
        result.faults_skipped += r.faults_skipped - skipped;
      }
      result.deepest = std::max(result.deepest, node.depth);
      const std::vector<std::string> violations = r.summary->violations();
      if (first && !violations.empty()) {
        return absl::FailedPreconditionError(
            fmt::format("explore: a check fails where the search starts: {}", violations[0]));
      }
      first = false;
      if (!violations.empty()) {
        result.counterexample = MakeCounterexample(std::move(commands), *r.summary);
        result.counterexample->deviations = node.deviations;
        result.counterexample->reorders = node.reorders;
        result.counterexample->crashes = r.crashes;
        result.counterexample->restarts = r.restarts;
        break;
      }
      if (options.progress && result.taken >= progress_at) {
        progress_at += options.progress_every;
        result.frontier = frontier.size();
        options.progress(result);
      }
      if (result.states >= options.max_states) {
        result.state_limit = true;
        break;
      }
      if (node.depth >= options.depth || choices.empty()) {
        ++result.leaves;
        break;
      }
      const auto n = static_cast<uint32_t>(choices.size());
      for (uint32_t k = 0; k < n; ++k) {
        // Depth first pushes the last choice first, so that it takes the first one first.
        const uint32_t i = options.dfs ? n - 1 - k : k;
        if (extend && i == 0) continue;  // Taken below, in this replay.
        // The first choice is the run in time order; any other is a deviation from it, and
        // a reorder unless it is a fault.
        const uint32_t deviations = node.deviations + (i > 0 ? 1 : 0);
        const bool fault = choices[i].kind == Step::Kind::kCrash || choices[i].kind == Step::Kind::kRestart;
        const uint32_t child_reorders = node.reorders + (i > 0 && !fault ? 1 : 0);
        if (bounded && deviations > options.max_deviations) continue;
        if (bounded_reorders && child_reorders > options.max_reorders) continue;
        ZABSIM_CHECK(nodes.size() < kRoot, "explore: too many steps");
        nodes.push_back(Node{id, i, node.depth + 1, deviations, child_reorders});
        frontier.Push(static_cast<uint32_t>(nodes.size() - 1), bounded ? deviations : 0);
      }
      if (!extend) break;
      ZABSIM_CHECK(nodes.size() < kRoot, "explore: too many steps");
      nodes.push_back(Node{id, 0, node.depth + 1, node.deviations, node.reorders});
      id = static_cast<uint32_t>(nodes.size() - 1);
      commands.push_back(choices[0].command);
      Take(r, choices[0]);
    }
    result.events += r.cluster->world().stats().events;
  }
  result.frontier = frontier.size();
  if (frontier.empty() && !result.counterexample && !result.stopped && !result.state_limit) {
    result.exhausted = true;
    result.complete_depth = options.depth;
    result.complete_deviations = options.max_deviations;
  }
  if (options.dfs && !result.exhausted) result.complete_depth = 0;
  return result;
}

std::string ScenarioText(const ExploreOptions& options, const ExploreResult& result) {
  ZABSIM_CHECK(result.counterexample.has_value(), "explore: no counterexample to write");
  const Counterexample& cx = *result.counterexample;
  std::string text;
  const bool bounded = options.max_deviations != kAnyDeviations;
  text += fmt::format("# A counterexample found by zabsim explore: {} steps, {} from time order, found {}.\n",
                      cx.commands.size(), Plural(cx.deviations, "deviation"),
                      options.dfs    ? "depth first (not necessarily the shortest)"
                      : bounded      ? "with the fewest deviations first (no run with fewer breaks a check)"
                                     : "breadth first (no shorter run breaks a check)");
  text += "# Each `step` runs one pending event, chosen regardless of its time (docs/explore.md).\n";
  text += fmt::format("# The check that fires: {}.\n\n", fmt::join(cx.checks, ", "));
  text += options.cluster_line + "\n\n";
  text += "show none\n\n";
  if (options.from != ExploreOptions::From::kStart) {
    text += fmt::format("run until={}\n\n", FromName(options.from));
  }
  for (const std::string& c : cx.commands) text += c + "\n";
  text += "\nshow state,fault\n\ncheck\n";
  return text;
}

std::string Coverage(const ExploreOptions& options, const ExploreResult& result) {
  const ClusterOptions& o = options.cluster;
  std::string what = Plural(o.zab.voters, "voter");
  if (o.zab.observers > 0) what += ", " + Plural(o.zab.observers, "observer");
  if (o.clients > 0) what += ", " + Plural(o.clients, "client");
  what += ", " + Plural(options.budget.writes, "write");
  const Budget& b = options.budget;
  std::string faults = b.crashes == 0 && b.restarts == 0 ? "no faults" : "at most ";
  if (b.crashes > 0) faults += Plural(b.crashes, "crash");
  if (b.crashes > 0 && b.restarts > 0) faults += " and ";
  if (b.restarts > 0) faults += Plural(b.restarts, "restart");
  const std::string from = options.from == ExploreOptions::From::kStart
                               ? "from the start"
                               : fmt::format("from the point the run in time order is {}", FromName(options.from));
  const bool bounded = options.max_deviations != kAnyDeviations;
  const std::string states = fmt::format("{} distinct states", result.states);
  if (!options.inbox_in_time_order) faults += ", arrivals in any order";
  if (options.max_reorders != kAnyDeviations) {
    faults += fmt::format(", at most {} out of time order", Plural(options.max_reorders, "step"));
  }
  if (result.exhausted) {
    const std::string dev =
        bounded ? fmt::format(", at most {} from time order", Plural(options.max_deviations, "deviation")) : "";
    return fmt::format("all runs of {}, {}, {}, depth <= {}{}: {}, no violation", what, faults, from,
                       options.depth, dev, states);
  }
  const std::string why = result.stopped       ? "interrupted"
                          : result.state_limit ? fmt::format("stopped at --max-states {}", options.max_states)
                                               : "stopped";
  if (options.dfs) {
    return fmt::format("{}: some runs of {}, {}, {}, depth <= {} (depth first: not every run): {}, no "
                       "violation among them",
                       why, what, faults, from, options.depth, states);
  }
  if (bounded) {
    if (result.complete_deviations < 0) {
      return fmt::format("{}: not every run of {}, {}, {}, depth <= {} in time order was explored: {}, no "
                         "violation among them",
                         why, what, faults, from, options.depth, states);
    }
    return fmt::format("{}: all runs of {}, {}, {}, depth <= {}, at most {} from time order (of "
                       "--deviations {}): {}, no violation",
                       why, what, faults, from, options.depth,
                       Plural(static_cast<uint64_t>(result.complete_deviations), "deviation"),
                       options.max_deviations, states);
  }
  return fmt::format("{}: all runs of {}, {}, {}, depth <= {} (of --depth {}): {}, no violation", why, what,
                     faults, from, result.complete_depth, options.depth, states);
}

}  // namespace zabsim::runner::explore

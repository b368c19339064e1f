#include "conform/plan.h"

#include <fmt/format.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "runner/scenario/numbers.h"
#include "sim/time.h"

namespace zabsim::conform {
namespace {

using runner::scenario::Arg;
using runner::scenario::Directive;
using runner::scenario::ScenarioFile;

absl::Status Error(const ScenarioFile& file, const Directive& d, int column, std::string_view what) {
  return absl::InvalidArgumentError(
      fmt::format("{}: {}: {}", runner::scenario::Location(file, d.line, column), d.name, what));
}

absl::StatusOr<uint64_t> Number(const ScenarioFile& file, const Directive& d, const Arg& a,
                                uint64_t min, uint64_t max) {
  uint64_t v = 0;
  if (!absl::SimpleAtoi(a.value, &v) || v < min || v > max) {
    return Error(file, d, a.column,
                 fmt::format("expected a number in {}..{}, found '{}'", min, max, a.value));
  }
  return v;
}

// The `cluster` settings a real ensemble can reproduce. Others (observers, workload, bug
// switches, the simulated network, disks and clocks) are refused.
absl::Status ReadCluster(const ScenarioFile& file, const Directive& d, Ensemble& e) {
  for (const Arg& a : d.args) {
    if (a.key.empty()) return Error(file, d, a.column, fmt::format("expected KEY=VALUE, found '{}'", a.value));
    absl::StatusOr<uint64_t> v = uint64_t{0};
    if (a.key == "voters") {
      v = Number(file, d, a, 1, 9);
      if (v.ok()) e.voters = static_cast<uint32_t>(*v);
    } else if (a.key == "clients") {
      v = Number(file, d, a, 0, 9);
      if (v.ok()) e.clients = static_cast<uint32_t>(*v);
    } else if (a.key == "seed") {
      v = Number(file, d, a, 0, UINT64_MAX);  // Shapes zabsim's run only.
    } else if (a.key.rfind("client.", 0) == 0) {
      Arg index{"", a.key.substr(7), a.column};
      v = Number(file, d, index, 1, 9);
      if (!v.ok()) return v.status();
      std::vector<uint32_t> homes;
      for (const absl::string_view part : absl::StrSplit(a.value, ',')) {
        auto sid = Number(file, d, Arg{"", std::string(part), a.column}, 1, 9);
        if (!sid.ok()) return sid.status();
        homes.push_back(static_cast<uint32_t>(*sid));
      }
      if (e.client_homes.size() < *v) e.client_homes.resize(*v);
      e.client_homes[*v - 1] = homes;
    } else if (a.key == "tick_ms") {
      v = Number(file, d, a, 20, 10000);
      if (v.ok()) e.tick_ms = static_cast<int64_t>(*v);
    } else if (a.key == "init_limit") {
      v = Number(file, d, a, 1, 1000);
      if (v.ok()) e.init_limit = static_cast<uint32_t>(*v);
    } else if (a.key == "sync_limit") {
      v = Number(file, d, a, 1, 1000);
      if (v.ok()) e.sync_limit = static_cast<uint32_t>(*v);
    } else if (a.key == "commit_log_count") {
      // ZooKeeper 3.8 raises a zookeeper.commitLogCount below 500 to 500 (ZKDatabase's
      // constructor, with a warning): a smaller value would not be the same run.
      v = Number(file, d, a, 500, 1000000);
      if (v.ok()) e.commit_log_count = static_cast<uint32_t>(*v);
    } else if (a.key == "snap_count") {
      v = Number(file, d, a, 2, 100000000);
      if (v.ok()) e.snap_count = *v;
    } else if (a.key == "snapshot_size_factor_permille") {
      // ZooKeeper 3.8 resets a zookeeper.snapshotSizeFactor above 1 to 0.33 (ZKDatabase's
      // constructor): a larger value would not be the same run.
      v = Number(file, d, a, 0, 1000);
      if (v.ok()) e.snapshot_size_factor_permille = static_cast<uint32_t>(*v);
    } else if (a.key == "txn_log_sync") {
      v = Number(file, d, a, 0, 1);
      if (v.ok()) e.txn_log_sync = static_cast<uint32_t>(*v);
    } else if (a.key == "prealloc_kb") {
      v = Number(file, d, a, 1, 4194304);
      if (v.ok()) e.prealloc_kb = static_cast<uint32_t>(*v);
    } else {
      return Error(file, d, a.column,
                   fmt::format("'{}' cannot be reproduced on a real ensemble (conformance runs "
                               "take voters, clients, client.N, seed, tick_ms, init_limit, "
                               "sync_limit, commit_log_count, snap_count, "
                               "snapshot_size_factor_permille, txn_log_sync, prealloc_kb)",
                               a.key));
    }
    if (!v.ok()) return v.status();
  }
  for (size_t i = 0; i < e.client_homes.size(); ++i) {
    for (const uint32_t sid : e.client_homes[i]) {
      if (sid > e.voters) {
        return Error(file, d, 1, fmt::format("client {} uses server {}, but servers are 1..{}", i + 1,
                                             sid, e.voters));
      }
    }
  }
  if (e.client_homes.size() > e.clients) {
    return Error(file, d, 1, fmt::format("client {} named, but there are {} clients",
                                         e.client_homes.size(), e.clients));
  }
  return absl::OkStatus();
}

// `show=` changes only what zabsim prints; every command takes it.
bool IsShow(const Arg& a) { return a.key == "show"; }

absl::Status ReadClientOp(const ScenarioFile& file, const Directive& d, const Ensemble& e, Step& s) {
  s.kind = StepKind::kClientOp;
  s.op = d.name;
  std::vector<const Arg*> words;
  for (const Arg& a : d.args) {
    if (IsShow(a)) continue;
    if (a.key == "version" && (d.name == "set" || d.name == "delete")) {
      auto v = Number(file, d, a, 0, INT32_MAX);
      if (!v.ok()) return v.status();
      s.version = static_cast<int32_t>(*v);
    } else if (a.key.empty() && a.value == "nowait" && d.name != "get" && d.name != "exists") {
      // The real side sends the write and goes on; the client's CLI answers it when
      // ZooKeeper does, before its next command.
      s.nowait = true;
    } else if (a.key.empty() && (a.value == "nowait" || a.value == "ephemeral")) {
      return Error(file, d, a.column,
                   fmt::format("'{}' is not supported in conformance runs (only writes may be sent "
                               "without waiting; the real client's nodes are persistent)",
                               a.value));
    } else if (a.key.empty()) {
      words.push_back(&a);
    } else {
      return Error(file, d, a.column, fmt::format("unexpected argument '{}={}'", a.key, a.value));
    }
  }
  const size_t want = d.name == "set" ? 3 : d.name == "create" ? 2 : 2;
  const size_t most = d.name == "create" || d.name == "set" ? 3 : 2;
  if (words.size() < want || words.size() > most) {
    return Error(file, d, words.size() > most ? words[most]->column : static_cast<int>(d.name.size()) + 2,
                 fmt::format("expected {} CLIENT PATH{}", d.name,
                             d.name == "set" ? " DATA" : d.name == "create" ? " [DATA]" : ""));
  }
  auto client = Number(file, d, *words[0], 1, e.clients == 0 ? 1 : e.clients);
  if (!client.ok()) return client.status();
  if (e.clients == 0) return Error(file, d, words[0]->column, "the cluster has no clients");
  s.client = static_cast<uint32_t>(*client);
  s.path = words[1]->value;
  if (s.path.empty() || s.path[0] != '/') {
    return Error(file, d, words[1]->column, fmt::format("expected an absolute path, found '{}'", s.path));
  }
  if (words.size() > 2) s.data = words[2]->value;
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> OneServer(const ScenarioFile& file, const Directive& d, const Ensemble& e) {
  const Arg* server = nullptr;
  for (const Arg& a : d.args) {
    if (IsShow(a)) continue;
    if (server != nullptr || !a.key.empty()) {
      return Error(file, d, a.column, fmt::format("unexpected argument '{}'", a.key.empty() ? a.value : a.key));
    }
    server = &a;
  }
  if (server == nullptr) {
    return Error(file, d, static_cast<int>(d.name.size()) + 2, fmt::format("expected {} SERVER", d.name));
  }
  auto v = Number(file, d, *server, 1, e.voters);
  if (!v.ok()) return v.status();
  return static_cast<uint32_t>(*v);
}

absl::Status ReadRun(const ScenarioFile& file, const Directive& d, Step& s) {
  for (const Arg& a : d.args) {
    if (IsShow(a)) continue;
    if (a.key == "until" && a.value == "leader") {
      s.kind = StepKind::kRunLeader;
    } else if (a.key == "until" && a.value == "converged") {
      s.kind = StepKind::kRunConverged;
    } else if (a.key == "until" && a.value.starts_with("epoch:")) {
      // On the real side: a server whose srvr says leader, with a zxid whose epoch (the
      // high 32 bits) is at least N; a leader serves only once its epoch is established.
      const std::optional<uint64_t> n = runner::scenario::ParseNumber(a.value.substr(6));
      if (!n.has_value() || *n < 1 || *n > UINT32_MAX) {
        return Error(file, d, a.column,
                     fmt::format("expected an epoch in 1..{} after 'epoch:', found '{}'", UINT32_MAX, a.value));
      }
      s.kind = StepKind::kRunEpoch;
      s.epoch = *n;
    } else if (a.key == "for") {
      auto dur = sim::ParseDuration(a.value);
      if (!dur.ok()) return Error(file, d, a.column, fmt::format("invalid duration '{}'", a.value));
      s.kind = StepKind::kRunFor;
      s.for_ms = dur->us / 1000;
    } else if (a.key == "limit" || (a.key == "already" && a.value == "ok")) {
      // A bound on zabsim's simulated time (the real side has its own wall-clock bound),
      // and leave for zabsim's side to start with the condition already true.
    } else {
      return Error(file, d, a.column,
                   fmt::format("'{}' cannot be reproduced on a real ensemble (conformance runs "
                               "take until=leader, until=converged, until=epoch:N and for=DURATION)",
                               a.key.empty() ? a.value : a.key + "=" + a.value));
    }
  }
  if (s.kind == StepKind::kSimOnly) {
    return Error(file, d, static_cast<int>(d.name.size()) + 2, "expected until=leader, until=converged, until=epoch:N or for=DURATION");
  }
  return absl::OkStatus();
}

// Link reads "A>B" with two different servers.
absl::Status ReadLink(const ScenarioFile& file, const Directive& d, const Arg& a, const Ensemble& e, Step& s) {
  const size_t gt = a.value.find('>');
  if (!a.key.empty() || gt == std::string::npos) {
    return Error(file, d, a.column, fmt::format("expected A>B, found '{}'", a.key.empty() ? a.value : a.key));
  }
  if (a.value.find('*') != std::string::npos) {
    return Error(file, d, a.column,
                 "'*' includes the clients, whose connections the real side does not carry through its proxy; "
                 "name the servers");
  }
  auto from = Number(file, d, Arg{"", a.value.substr(0, gt), a.column}, 1, e.voters);
  if (!from.ok()) return from.status();
  auto to = Number(file, d, Arg{"", a.value.substr(gt + 1), a.column}, 1, e.voters);
  if (!to.ok()) return to.status();
  if (*from == *to) return Error(file, d, a.column, "a server has no link to itself");
  s.from = static_cast<uint32_t>(*from);
  s.to = static_cast<uint32_t>(*to);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Millis(const ScenarioFile& file, const Directive& d, const Arg& a) {
  auto dur = sim::ParseDuration(a.value);
  if (!dur.ok()) return Error(file, d, a.column, fmt::format("invalid duration '{}'", a.value));
  return dur->us / 1000;
}

// Words: the positional arguments, `show=` aside; any other KEY=VALUE is an error.
absl::StatusOr<std::vector<const Arg*>> Words(const ScenarioFile& file, const Directive& d, size_t least,
                                              size_t most, std::string_view form) {
  std::vector<const Arg*> words;
  for (const Arg& a : d.args) {
    if (IsShow(a)) continue;
    if (!a.key.empty()) return Error(file, d, a.column, fmt::format("unexpected argument '{}={}'", a.key, a.value));
    words.push_back(&a);
  }
  if (words.size() < least || words.size() > most) {
    return Error(file, d, words.size() > most ? words[most]->column : static_cast<int>(d.name.size()) + 2,
                 fmt::format("expected {}", form));
  }
  return words;
}

// ReadFault reads the network and disk faults the real side carries out.
absl::Status ReadFault(const ScenarioFile& file, const Directive& d, const Ensemble& e, Step& s) {
  const std::string& n = d.name;
  if (n == "hold-next" || n == "drop-next" || n == "delay-next") {
    s.kind = StepKind::kRule;
    s.action = n.substr(0, n.find('-'));
    bool have_extra = false;
    for (const Arg& a : d.args) {
      if (IsShow(a)) continue;
      absl::StatusOr<uint64_t> v = uint64_t{0};
      if (a.key == "from" || a.key == "to") {
        v = Number(file, d, a, 1, e.voters);
        if (v.ok()) (a.key == "from" ? s.from : s.to) = static_cast<uint32_t>(*v);
      } else if (a.key == "type") {
        s.type = a.value;
      } else if (a.key == "zxid") {
        if (a.value.starts_with("$")) {
          return Error(file, d, a.column,
                       "a capture names a zxid of zabsim's run; conformance runs take a zxid written out "
                       "(both sides number txns alike)");
        }
        const std::optional<uint64_t> z = runner::scenario::ParseNumber(a.value);
        if (!z) return Error(file, d, a.column, fmt::format("expected a zxid, found '{}'", a.value));
        s.zxid = *z;
      } else if (a.key == "count") {
        v = Number(file, d, a, 1, 1000000);
        if (v.ok()) s.count = static_cast<uint32_t>(*v);
      } else if (a.key == "extra" && n == "delay-next") {
        auto ms = Millis(file, d, a);
        if (!ms.ok()) return ms.status();
        s.extra_ms = *ms;
        have_extra = true;
      } else {
        return Error(file, d, a.column, fmt::format("unexpected argument '{}'", a.key.empty() ? a.value : a.key));
      }
      if (!v.ok()) return v.status();
    }
    if (s.from == 0 || s.to == 0 || s.from == s.to || (n == "delay-next" && !have_extra)) {
      return Error(file, d, static_cast<int>(n.size()) + 2,
                   fmt::format("expected {} from=A to=B{} with two different servers", n,
                               n == "delay-next" ? " extra=DURATION" : ""));
    }
    return absl::OkStatus();
  }
  if (n == "hold" || n == "release") {
    auto w = Words(file, d, 1, 1, n + " A>B");
    if (!w.ok()) return w.status();
    s.kind = n == "hold" ? StepKind::kHold : StepKind::kRelease;
    return ReadLink(file, d, *(*w)[0], e, s);
  }
  if (n == "delay") {
    auto w = Words(file, d, 3, 3, "delay A>B EXTRA FOR");
    if (!w.ok()) return w.status();
    s.kind = StepKind::kDelay;
    if (absl::Status st = ReadLink(file, d, *(*w)[0], e, s); !st.ok()) return st;
    auto extra = Millis(file, d, *(*w)[1]);
    if (!extra.ok()) return extra.status();
    auto for_ms = Millis(file, d, *(*w)[2]);
    if (!for_ms.ok()) return for_ms.status();
    s.extra_ms = *extra;
    s.for_ms = *for_ms;
    return absl::OkStatus();
  }
  if (n == "break") {
    auto w = Words(file, d, 2, 2, "break A B");
    if (!w.ok()) return w.status();
    auto a = Number(file, d, *(*w)[0], 1, e.voters);
    if (!a.ok()) return a.status();
    auto b = Number(file, d, *(*w)[1], 1, e.voters);
    if (!b.ok()) return b.status();
    s.kind = StepKind::kBreak;
    s.from = static_cast<uint32_t>(*a);
    s.to = static_cast<uint32_t>(*b);
    return absl::OkStatus();
  }
  if (n == "heal") {
    auto w = Words(file, d, 0, 0, "heal");
    if (!w.ok()) return w.status();
    s.kind = StepKind::kHeal;
    return absl::OkStatus();
  }
  if (n == "partition" || n == "oneway") {
    auto w = Words(file, d, 1, 1, n == "partition" ? "partition GROUP|GROUP[|GROUP]..." : "oneway FROM>TO");
    if (!w.ok()) return w.status();
    const Arg& a = *(*w)[0];
    const auto servers = [&](absl::string_view list) -> absl::StatusOr<std::vector<uint32_t>> {
      std::vector<uint32_t> out;
      for (const absl::string_view part : absl::StrSplit(list, ',')) {
        auto v = Number(file, d, Arg{"", std::string(part), a.column}, 1, e.voters);
        if (!v.ok()) return v.status();
        out.push_back(static_cast<uint32_t>(*v));
      }
      return out;
    };
    s.kind = StepKind::kCut;
    if (n == "oneway") {
      const size_t gt = a.value.find('>');
      if (gt == std::string::npos) return Error(file, d, a.column, fmt::format("expected FROM>TO, found '{}'", a.value));
      auto from = servers(a.value.substr(0, gt));
      if (!from.ok()) return from.status();
      auto to = servers(a.value.substr(gt + 1));
      if (!to.ok()) return to.status();
      for (const uint32_t x : *from) {
        for (const uint32_t y : *to) {
          if (x != y) s.cuts.emplace_back(x, y);
        }
      }
      return absl::OkStatus();
    }
    s.replace_cuts = true;
    std::vector<std::vector<uint32_t>> groups;
    for (const absl::string_view g : absl::StrSplit(a.value, '|')) {
      auto group = servers(g);
      if (!group.ok()) return group.status();
      groups.push_back(*group);
    }
    for (size_t i = 0; i < groups.size(); ++i) {
      for (size_t j = 0; j < groups.size(); ++j) {
        if (i == j) continue;
        for (const uint32_t x : groups[i]) {
          for (const uint32_t y : groups[j]) s.cuts.emplace_back(x, y);
        }
      }
    }
    return absl::OkStatus();
  }
  if (n == "disk-slow") {
    auto w = Words(file, d, 3, 3, "disk-slow SERVER FACTOR FOR");
    if (!w.ok()) return w.status();
    auto server = Number(file, d, *(*w)[0], 1, e.voters);
    if (!server.ok()) return server.status();
    auto factor = Number(file, d, *(*w)[1], 1, 1000);
    if (!factor.ok()) return factor.status();
    auto for_ms = Millis(file, d, *(*w)[2]);
    if (!for_ms.ok()) return for_ms.status();
    s.kind = StepKind::kDiskSlow;
    s.server = static_cast<uint32_t>(*server);
    s.factor = static_cast<uint32_t>(*factor);
    s.for_ms = *for_ms;
    return absl::OkStatus();
  }
  // disk-error
  auto w = Words(file, d, 2, 3, "disk-error SERVER FOR [PREFIX,...]");
  if (!w.ok()) return w.status();
  auto server = Number(file, d, *(*w)[0], 1, e.voters);
  if (!server.ok()) return server.status();
  auto for_ms = Millis(file, d, *(*w)[1]);
  if (!for_ms.ok()) return for_ms.status();
  s.kind = StepKind::kDiskError;
  s.server = static_cast<uint32_t>(*server);
  s.for_ms = *for_ms;
  if (w->size() > 2) s.prefixes = (*w)[2]->value;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Plan> MakePlan(const ScenarioFile& file) {
  Plan plan;
  bool have_cluster = false;
  for (const Directive& d : file.directives) {
    Step s;
    s.directive = &d;
    if (!have_cluster && d.name != "cluster") {
      return Error(file, d, 1, "expected 'cluster' before any other command");
    }
    absl::Status status;
    if (d.name == "cluster") {
      if (have_cluster) return Error(file, d, 1, "the cluster exists already");
      have_cluster = true;
      s.kind = StepKind::kCluster;
      status = ReadCluster(file, d, plan.ensemble);
    } else if (d.name == "show" || d.name == "check") {
      s.kind = StepKind::kSimOnly;
    } else if (d.name == "run") {
      status = ReadRun(file, d, s);
    } else if (d.name == "create" || d.name == "set" || d.name == "delete" || d.name == "get" ||
               d.name == "exists") {
      status = ReadClientOp(file, d, plan.ensemble, s);
      if (status.ok() && std::find(plan.paths.begin(), plan.paths.end(), s.path) == plan.paths.end()) {
        plan.paths.push_back(s.path);
      }
    } else if (d.name == "crash" || d.name == "restart") {
      auto server = OneServer(file, d, plan.ensemble);
      if (!server.ok()) return server.status();
      s.kind = d.name == "crash" ? StepKind::kCrash : StepKind::kRestart;
      s.server = *server;
    } else if (d.name == "state") {
      s.kind = StepKind::kState;
      for (const Arg& a : d.args) {
        if (IsShow(a)) continue;
        if (!a.key.empty()) return Error(file, d, a.column, fmt::format("unexpected argument '{}'", a.key));
        auto v = Number(file, d, a, 1, plan.ensemble.voters);
        if (!v.ok()) return v.status();
        s.servers.push_back(static_cast<uint32_t>(*v));
      }
    } else if (d.name == "hold-next" || d.name == "drop-next" || d.name == "delay-next" || d.name == "hold" ||
               d.name == "release" || d.name == "delay" || d.name == "break" || d.name == "heal" ||
               d.name == "partition" || d.name == "oneway" || d.name == "disk-slow" || d.name == "disk-error") {
      status = ReadFault(file, d, plan.ensemble, s);
    } else {
      return Error(file, d, 1,
                   "cannot be reproduced on a real ensemble on loopback (conformance runs take "
                   "cluster, run, create, set, delete, get, exists, crash, restart, state, show, "
                   "check, hold-next, drop-next, delay-next, hold, release, delay, partition, oneway, "
                   "heal, break, disk-slow, disk-error)");
    }
    if (!status.ok()) return status;
    plan.steps.push_back(std::move(s));
  }
  if (!have_cluster) return absl::InvalidArgumentError(fmt::format("{}: no 'cluster' command", file.path));
  return plan;
}

std::string LateName(const Step& step) {
  return fmt::format("c{} {} {} (answered later)", step.client, step.op, step.path);
}

std::string Describe(const Step& step) {
  std::string out = step.directive->name;
  for (const Arg& a : step.directive->args) {
    if (a.key == "show") continue;
    out += ' ';
    out += a.key.empty() ? a.value : a.key + "=" + a.value;
  }
  if (out.size() > 60) out = out.substr(0, 57) + "...";
  return out;
}

}  // namespace zabsim::conform

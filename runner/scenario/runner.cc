#include "runner/scenario/runner.h"

#include <algorithm>
#include <set>
#include <span>

#include <fmt/format.h>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status.h"
#include "runner/scenario/args.h"
#include "runner/liveness.h"
#include "runner/scenario/expect.h"
#include "runner/scenario/numbers.h"
#include "runner/sim_run.h"
#include "sim/fault.h"
#include "sim/world.h"
#include "sim/world_config.h"
#include "zab/messages.h"

namespace zabsim::runner::scenario {
namespace {

constexpr sim::Duration kMaxRun = sim::Duration::Seconds(600);
constexpr size_t kMaxOutputLines = 5000;


// IsWorldKey: a setting of the simulated world (net.latency, max_pending_events, ...)
// rather than of ZAB. World keys with a dot are world keys even when misspelled, so that
// the error lists the world's settings.
bool IsWorldKey(std::string_view key) {
  if (key.find('.') != std::string_view::npos) return true;
  for (const auto& [name, help] : sim::WorldConfig::Keys()) {
    if (name == key) return true;
  }
  return false;
}

std::string TimePrefix(sim::Time t) {
  return fmt::format("{:>4}.{:03}", t.us / 1000000, (t.us / 1000) % 1000);
}

std::string Hex8(uint64_t digest) { return fmt::format("{:08x}", digest >> 32); }

}  // namespace

std::span<const ScenarioRunner::Command> ScenarioRunner::Commands() {
  // The commands, in the order `zabsim` lists them, each with its synopsis and the
  // handler of its family. Faults and message rules may also follow `do` in `on`.
  static constexpr Command kCommands[] = {
      {"cluster",
       "cluster [voters=N] [observers=N] [clients=N] [seed=N] [workload=N] "
       "[KEY=VALUE]...",
       &ScenarioRunner::Cluster, false},
      {"show", "show CATEGORIES", &ScenarioRunner::Show, false},
      {"run",
       "run for=DURATION | run until=CONDITION [limit=DURATION] [on=SERVER] [already=ok]",
       &ScenarioRunner::Run, false},
      {"create",
       "create CLIENT PATH [DATA] [ephemeral] [nowait] [as=NAME]",
       &ScenarioRunner::ClientOp, false},
      {"set",
       "set CLIENT PATH DATA [version=N] [nowait] [as=NAME]",
       &ScenarioRunner::ClientOp, false},
      {"delete",
       "delete CLIENT PATH [version=N] [nowait] [as=NAME]",
       &ScenarioRunner::ClientOp, false},
      {"get", "get CLIENT PATH [nowait] [as=NAME]", &ScenarioRunner::ClientOp, false},
      {"exists", "exists CLIENT PATH [nowait] [as=NAME]", &ScenarioRunner::ClientOp, false},
      {"sync", "sync CLIENT PATH [nowait] [as=NAME]", &ScenarioRunner::ClientOp, false},
      {"crash", "crash SERVER", &ScenarioRunner::Fault, true},
      {"restart", "restart SERVER", &ScenarioRunner::Fault, true},
      {"role-restart", "role-restart SERVER", &ScenarioRunner::Fault, true},
      {"partition", "partition 1,2|3", &ScenarioRunner::Fault, true},
      {"oneway", "oneway 1,2>3", &ScenarioRunner::Fault, true},
      {"isolate", "isolate SERVER", &ScenarioRunner::Fault, true},
      {"heal", "heal", &ScenarioRunner::Fault, true},
      {"break", "break A B", &ScenarioRunner::Fault, true},
      {"delay", "delay A>B EXTRA FOR", &ScenarioRunner::Fault, true},
      {"hold", "hold A>B", &ScenarioRunner::Fault, true},
      {"release", "release A>B", &ScenarioRunner::Fault, true},
      {"clock-rate", "clock-rate SERVER FACTOR", &ScenarioRunner::Fault, true},
      {"clock-step", "clock-step SERVER [-]DURATION", &ScenarioRunner::Fault, true},
      {"disk-slow", "disk-slow SERVER FACTOR FOR", &ScenarioRunner::Fault, true},
      {"disk-error", "disk-error SERVER FOR [PREFIX,...]", &ScenarioRunner::Fault, true},
      {"stall", "stall SERVER THREAD[:N] [AFTER-STEP]", &ScenarioRunner::Fault, true},
      {"resume", "resume SERVER THREAD[:N]", &ScenarioRunner::Fault, true},
      {"loss", "loss PROBABILITY", &ScenarioRunner::Fault, true},
      {"torn", "torn PROBABILITY", &ScenarioRunner::Fault, true},
      {"channel", "channel tcp|unsafe", &ScenarioRunner::Fault, true},
      {"drop-next",
       "drop-next from=A to=B [type=TYPE] [zxid=ZXID] [count=N]",
       &ScenarioRunner::Rule, true},
      {"delay-next",
       "delay-next from=A to=B extra=DURATION [type=TYPE] [zxid=ZXID] [count=N]",
       &ScenarioRunner::Rule, true},
      {"hold-next",
       "hold-next from=A to=B [type=TYPE] [zxid=ZXID] [count=N]",
       &ScenarioRunner::Rule, true},
      {"swarm", "swarm for=DURATION [seed=N]", &ScenarioRunner::Swarm, false},
      {"step", "step EVENT (a pending event, named as zabsim explore names it)",
       &ScenarioRunner::StepEvent, false},
      {"state", "state [SERVER]...", &ScenarioRunner::State, false},
      {"log", "log SERVER", &ScenarioRunner::Log, false},
      {"tree", "tree SERVER", &ScenarioRunner::Tree, false},
      {"check", "check [liveness=DURATION]", &ScenarioRunner::Check, false},
      {"expect",
       "expect SERVER CHECK... | expect epoch=N leader=SERVER | expect NAME "
       "code=CODE|data=DATA",
       &ScenarioRunner::Expect, false},
      {"on",
       "on [every] SERVER EVENT do COMMAND, EVENT one of: sends TYPE [to SERVER] "
       "[zxid=ZXID], receives TYPE [from SERVER] [zxid=ZXID], "
       "writes|logs|commits|applies [ZXID], enters ROLE|PHASE; COMMAND a fault or a "
       "message rule",
       &ScenarioRunner::On, false},
  };
  return kCommands;
}

const ScenarioRunner::Command* ScenarioRunner::FindCommand(std::string_view name) {
  for (const Command& c : Commands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string_view ScenarioRunner::Usage(std::string_view name) {
  const Command* c = FindCommand(name);
  return c != nullptr ? c->usage : name;
}

std::string ScenarioRunner::CommandNames(bool triggerable_only) {
  std::string out;
  for (const Command& c : Commands()) {
    if (triggerable_only && !c.triggerable) continue;
    if (!out.empty()) out += ", ";
    out += c.name;
  }
  return out;
}

ScenarioRunner::ScenarioRunner(const ScenarioFile& file, zab::ReleaseChoice extra)
    : file_(file), extra_(std::move(extra)) {}

ScenarioRunner::~ScenarioRunner() {
  if (cluster_) cluster_->world().trace().RemoveSink(&sink_);
}

absl::Status ScenarioRunner::Error(const Directive& d, int column, std::string_view what) const {
  // In a repeat block the line is the same for every pass: the variables tell which.
  const std::string loop = d.loop.empty() ? "" : fmt::format(" (in repeat, {})", d.loop);
  // A command armed by `on` (the one directive not at column 1) is named within it.
  const std::string_view within = d.column > 1 ? "on: " : "";
  return absl::InvalidArgumentError(
      fmt::format("{}: {}{}: {}{}", Location(file_, d.line, column), within, d.name, what, loop));
}

std::vector<std::string> ScenarioRunner::Violations() const {
  std::vector<std::string> out = summary_ ? summary_->violations() : std::vector<std::string>{};
  out.insert(out.end(), liveness_violations_.begin(), liveness_violations_.end());
  return out;
}

uint64_t ScenarioRunner::Fingerprint() const {
  return cluster_ ? cluster_->world().trace().fingerprint() : 0;
}

absl::StatusOr<uint32_t> ScenarioRunner::Server(const Arg& arg) const {
  const Directive& d = *current_;
  const uint32_t servers = cluster_->servers();
  uint64_t v = 0;
  bool ok = !arg.value.empty() && arg.value.size() <= 4;
  for (const char c : arg.value) {
    ok = ok && c >= '0' && c <= '9';
    if (ok) v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!ok || v < 1 || v > servers) {
    return Error(d, arg.column, fmt::format("no server '{}' (servers are 1..{})", arg.value, servers));
  }
  return static_cast<uint32_t>(v);
}

void ScenarioRunner::Shown::Add(const std::string& line) {
  if (lines.size() >= kMaxOutputLines) {
    ++hidden;
  } else {
    lines.push_back(line);
  }
}

void ScenarioRunner::Shown::MoveTo(Lines& out) {
  for (std::string& line : lines) out.push_back(std::move(line));
  if (hidden > 0) out.push_back(fmt::format("... {} more lines not shown", hidden));
  lines.clear();
  hidden = 0;
}

std::vector<std::string> ScenarioRunner::TakeNarration() {
  if (narration_untold_ > 0) {
    narration_.push_back(fmt::format("... {} more sentences not shown", narration_untold_));
    narration_untold_ = 0;
  }
  return std::exchange(narration_, {});
}

void ScenarioRunner::Take(const sim::TraceRecord& r) {
  if (!taking_) {
    waiting_.push_back(r);
    return;
  }
  if (narrator_ != nullptr) {
    // Always narrate (the narrator tracks state), but keep at most kMaxOutputLines.
    if (narration_.size() < kMaxOutputLines) {
      narrator_->Narrate(r, narration_);
    } else {
      std::vector<std::string> untold;
      narrator_->Narrate(r, untold);
      narration_untold_ += untold.size();
    }
  }
  // Always render (the renderer tracks state), but write only the lines that may be
  // kept: those of the shown categories, and state changes for a failed wait.
  const auto line = renderer_->Render(r, categories_ | kState);
  if (!line) return;
  const bool shown = (line->first & categories_) != 0;
  // A failed wait shows the state changes too: kept apart while the command hides them.
  const bool with_state = (categories_ & kState) == 0 && (line->first & (categories_ | kState)) != 0;
  if (!shown && !with_state) return;
  const std::string text = TimePrefix(r.time) + " " + captures_.Annotate(line->second);
  if (shown) shown_.Add(text);
  if (with_state) shown_with_state_.Add(text);
}

void ScenarioRunner::Flush(bool with_state, Lines& out) {
  if (with_state && (categories_ & kState) == 0) {
    shown_with_state_.MoveTo(out);
  } else {
    shown_.MoveTo(out);
  }
  shown_ = {};
  shown_with_state_ = {};
}

sim::Time ScenarioRunner::Deadline(sim::Duration wait) const {
  return std::min(cluster_->world().now() + wait, end_);
}

bool ScenarioRunner::RunUntil(const std::function<bool()>& done, sim::Duration limit) {
  return cluster_->world().RunUntilTrue(done, Deadline(limit));
}

absl::StatusOr<Directive> ScenarioRunner::Resolve(const Directive& d) const {
  Directive out = d;
  for (Arg& a : out.args) {
    // `run until=proposed:$w` waits for w's zxid: the one use of a name not known yet.
    if (d.name == "run" && a.key == "until" && a.value.starts_with("proposed:$")) {
      const scenario::Capture* c = captures_.Find(std::string_view(a.value).substr(10));
      if (c != nullptr && !c->zxid.has_value()) continue;
    }
    for (std::string* text : {&a.key, &a.value}) {
      if (text->find('$') == std::string::npos) continue;
      size_t offset = 0;
      auto value = captures_.Substitute(*text, offset);
      if (!value.ok()) {
        const size_t before = text == &a.value && !a.key.empty() ? a.key.size() + 1 : 0;
        return Error(d, a.column + static_cast<int>(before + offset), base::Text(value.status()));
      }
      *text = *std::move(value);
    }
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> ScenarioRunner::Execute(const Directive& written) {
  const Command* command = FindCommand(written.name);
  if (command == nullptr) {
    return Error(written, 1, fmt::format("unknown command (expected one of: {})", CommandNames()));
  }
  auto resolved = Resolve(written);
  if (!resolved.ok()) return resolved.status();
  const Directive& d = *resolved;
  Lines out;
  Args args(*this, d);
  current_ = &d;
  written_ = &written;
  if (d.name == "cluster") {
    if (cluster_) return Error(d, 1, "the cluster exists already (one 'cluster' per scenario)");
    if (absl::Status s = (this->*command->handler)(d, args, out); !s.ok()) return s;
    return out;
  }
  if (!cluster_) return Error(d, 1, "expected 'cluster' before any other command");
  // An expectation lets no time pass and shows no trace: the records that came since the
  // last command stay for the next one, whose frozen output would otherwise lose them.
  if (d.name == "expect") {
    if (absl::Status s = (this->*command->handler)(d, args, out); !s.ok()) return s;
    return out;
  }
  uint32_t categories = show_;
  // The `show=` of an `on` directive is before its `do`: after it, it would be the
  // triggered command's, which takes none.
  int show_before = INT_MAX;
  if (d.name == "on") {
    for (const Arg& a : d.args) {
      if (a.key.empty() && a.value == "do") {
        show_before = a.column;
        break;
      }
    }
  }
  if (const Arg* show = args.Key("show", show_before)) {
    auto c = ParseCategories(show->value, show_);
    if (!c.ok()) return Error(d, show->column, base::Text(c.status()));
    categories = *c;
  }
  categories_ = categories;
  taking_ = true;
  for (const sim::TraceRecord& r : std::exchange(waiting_, {})) Take(r);
  absl::Status s;
  s = (this->*command->handler)(d, args, out);
  // What the command did to the world at once may be a trigger's event.
  FireTriggers();
  taking_ = false;
  if (!trigger_error_.ok()) return std::exchange(trigger_error_, absl::OkStatus());
  if (!s.ok()) return s;
  if (absl::Status f = args.Finish(); !f.ok()) return f;
  // What happened while the command ran comes first, then what it printed itself.
  Lines trace;
  Flush(/*with_state=*/false, trace);
  trace.insert(trace.end(), out.begin(), out.end());
  if (trace.empty()) trace.push_back("ok");
  return trace;
}

absl::Status ScenarioRunner::Cluster(const Directive& d, Args& args, Lines& out) {
  ClusterOptions o;
  uint64_t file_seed = o.seed;
  // The release and its switches: the file's zk=, bug= and fix=, on top of what the
  // command line asked for every file.
  zab::ReleaseChoice release = extra_;
  int release_column = 1;
  for (const Arg* a : args.Rest()) {
    if (a->key.empty()) return Error(d, a->column, fmt::format("expected KEY=VALUE, found '{}'", a->value));
    absl::Status s;
    if (a->key == "voters" || a->key == "observers") {
      auto v = args.Uint(*a, a->key == "voters" ? 1 : 0, 15);
      if (!v.ok()) return v.status();
      (a->key == "voters" ? o.zab.voters : o.zab.observers) = static_cast<uint32_t>(*v);
    } else if (a->key == "clients") {
      auto v = args.Uint(*a, 0, 50);
      if (!v.ok()) return v.status();
      o.clients = static_cast<uint32_t>(*v);
    } else if (a->key == "seed") {
      auto v = args.Uint(*a, 0, UINT64_MAX);
      if (!v.ok()) return v.status();
      o.seed = *v;
      file_seed = *v;
    } else if (a->key == "workload") {
      auto v = args.Uint(*a, 0, 100000);
      if (!v.ok()) return v.status();
      o.workload.ops = *v;
    } else if (a->key == "zk") {
      if (!extra_.release.empty() && extra_.release != a->value) {
        return Error(d, a->column, fmt::format("the file runs as zk={}, but --zk {} was given",
                                               a->value, extra_.release));
      }
      if (zab::FindRelease(a->value) == nullptr) {
        return Error(d, a->column, fmt::format("unknown ZooKeeper release '{}' (known: {})", a->value,
                                               zab::ReleaseNames()));
      }
      release.release = a->value;
      release_column = a->column;
    } else if (a->key == "bug") {
      release.add.push_back(a->value);
      release_column = a->column;
    } else if (a->key == "fix") {
      release.remove.push_back(a->value);
      release_column = a->column;
    } else if (a->key.rfind("client.", 0) == 0) {
      auto index = args.Uint(Arg{"", a->key.substr(7), a->column}, 1, 50);
      if (!index.ok()) return index.status();
      std::vector<uint32_t> homes;
      for (const absl::string_view part : absl::StrSplit(base::Absl(a->value), ',')) {
        auto sid = args.Uint(Arg{"", std::string(part), a->column}, 1, 30);
        if (!sid.ok()) return sid.status();
        homes.push_back(static_cast<uint32_t>(*sid));
      }
      if (o.client_homes.size() < *index) o.client_homes.resize(*index);
      o.client_homes[*index - 1] = homes;
    } else if (a->key == "processes") {
      return Error(d, a->column, "'processes' follows from voters, observers and clients");
    } else if (IsWorldKey(a->key)) {
      s = o.world.Set(a->key, a->value);
    } else {
      s = o.zab.Set(a->key, a->value);
    }
    if (!s.ok()) return Error(d, a->column, base::Text(s));
  }
  if (absl::Status s = release.ApplyTo(o.zab); !s.ok()) return Error(d, release_column, base::Text(s));
  for (size_t i = 0; i < o.client_homes.size(); ++i) {
    for (const uint32_t sid : o.client_homes[i]) {
      if (sid > o.zab.servers()) {
        return Error(d, 1, fmt::format("client {} uses server {}, but servers are 1..{}", i + 1, sid,
                                       o.zab.servers()));
      }
    }
  }
  if (o.client_homes.size() > o.clients) {
    return Error(d, 1, fmt::format("client {} named, but there are {} clients", o.client_homes.size(),
                                   o.clients));
  }
  if (seed_.has_value()) o.seed = *seed_;
  auto c = runner::Cluster::Create(o);
  if (!c.ok()) return Error(d, 1, base::Text(c.status()));
  cluster_ = *std::move(c);
  summary_ = std::make_unique<RunSummary>(*cluster_);
  renderer_ = std::make_unique<Renderer>(cluster_->servers());
  if (narrate_) narrator_ = std::make_unique<Narrator>(o.zab.voters, o.zab.QuorumSize(), cluster_->servers());
  cluster_->AddListener([this](const EventRecord& r) { Note(r); });
  cluster_->world().trace().AddSink(&sink_);
  if (trace_file_ != nullptr) {
    if (absl::Status s = trace_file_->Attach(*cluster_, "run", file_.path, {}); !s.ok()) {
      return Error(d, 1, base::Text(s));
    }
  }
  const auto plural = [](uint32_t n, std::string_view word) {
    return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
  };
  std::string changes;
  if (o.zab.release != zab::kDefaultRelease) changes += fmt::format(", zk {}", o.zab.release);
  for (const std::string& b : release.add) changes += fmt::format(", bug {}", b);
  for (const std::string& b : release.remove) changes += fmt::format(", fix {}", b);
  const std::string from_flag =
      seed_.has_value() ? fmt::format(" (--seed; the file's is {})", file_seed) : "";
  out.push_back(fmt::format("cluster: {}, {}, {}, seed {}{}{}", plural(o.zab.voters, "voter"),
                            plural(o.zab.observers, "observer"), plural(o.clients, "client"), o.seed,
                            from_flag, changes));
  return absl::OkStatus();
}

absl::Status ScenarioRunner::Show(const Directive& /*d*/, Args& args, Lines& /*out*/) {
  const Arg* a = args.Word();
  if (a == nullptr) return args.Missing("the categories");
  auto c = ParseCategories(a->value, show_);
  if (!c.ok()) return Error(*current_, a->column, base::Text(c.status()));
  show_ = *c;
  return absl::OkStatus();
}

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

absl::Status ScenarioRunner::NameRequest(const Directive& d, const Arg& as, uint32_t c,
                                         const zab::Op& op) {
  if (!IsName(as.value)) {
    return Error(d, as.column + 3,
                 fmt::format("expected a name (a letter, then letters, digits or '_'), found '{}'",
                             as.value));
  }
  if (const scenario::Capture* old = captures_.Find(as.value)) {
    return Error(d, as.column + 3,
                 fmt::format("'{}' names c{} {} already (line {}): a name is given once", as.value,
                             old->client, old->what, old->line));
  }
  scenario::Capture capture;
  capture.name = as.value;
  capture.line = d.line;
  capture.client = c + 1;
  capture.process = cluster_->ClientProcessId(c);
  capture.what = fmt::format("{} {}", zab::ToString(op.type), op.path);
  capture.write = op.type == zab::OpType::kCreate || op.type == zab::OpType::kSetData ||
                  op.type == zab::OpType::kDelete;
  // The client runs what it is given in order: the file's operations and its workload's.
  capture.ordinal = submitted_[c] + cluster_->client(c)->issued() + 1;
  captures_.Add(std::move(capture));
  return absl::OkStatus();
}

absl::Status ScenarioRunner::Expect(const Directive& d, Args& args, Lines& out) {
  (void)args;  // An expectation reads its own arguments (expect.cc).
  const Directive& written = *written_;
  const size_t before = failures_.size();
  const ExpectView view{*cluster_, captures_, leaders_};
  if (absl::Status s = scenario::Expect(file_, written, d, view, failures_); !s.ok()) {
    if (d.loop.empty()) return s;
    return absl::InvalidArgumentError(fmt::format("{} (in repeat, {})", base::Text(s), d.loop));
  }
  for (size_t i = before; i < failures_.size(); ++i) {
    if (!d.loop.empty()) failures_[i] += fmt::format(" (in repeat, {})", d.loop);
    out.push_back(failures_[i]);
  }
  if (out.empty()) out.push_back("ok");
  return absl::OkStatus();
}

absl::Status ScenarioRunner::ClientOp(const Directive& d, Args& args, Lines& out) {
  const Arg* client = args.Word();
  const Arg* path = args.Word();
  if (client == nullptr || path == nullptr) return args.Missing("the client and the path");
  auto index = args.Uint(*client, 1, std::max<uint32_t>(cluster_->clients(), 1));
  if (!index.ok() || cluster_->clients() == 0) {
    return Error(d, client->column, fmt::format("no client '{}' (clients are 1..{})", client->value,
                                                cluster_->clients()));
  }
  if (!zab::IsValidPath(path->value)) {
    return Error(d, path->column, fmt::format("expected an absolute path such as /a/b, found '{}'", path->value));
  }
  zab::Op op;
  op.path = path->value;
  if (d.name == "create") {
    op.type = zab::OpType::kCreate;
    op.ephemeral = args.Flag("ephemeral");
  } else if (d.name == "set") {
    op.type = zab::OpType::kSetData;
  } else if (d.name == "delete") {
    op.type = zab::OpType::kDelete;
  } else if (d.name == "get") {
    op.type = zab::OpType::kGetData;
  } else if (d.name == "exists") {
    op.type = zab::OpType::kExists;
  } else {
    op.type = zab::OpType::kSync;
  }
  const bool nowait = args.Flag("nowait");
  if (op.type == zab::OpType::kCreate || op.type == zab::OpType::kSetData) {
    if (const Arg* data = args.Word()) {
      op.data = data->value;
    } else if (op.type == zab::OpType::kSetData) {
      return args.Missing("the data");
    }
  }
  if (op.type == zab::OpType::kSetData || op.type == zab::OpType::kDelete) {
    if (const Arg* v = args.Key("version")) {
      auto version = args.Uint(*v, 0, INT32_MAX);
      if (!version.ok()) return version.status();
      op.version = static_cast<int32_t>(*version);
    }
  }
  const uint32_t c = static_cast<uint32_t>(*index) - 1;
  if (cluster_->client(c) == nullptr) return Error(d, client->column, "that client is down");
  if (const Arg* as = args.Key("as")) {
    if (absl::Status s = NameRequest(d, *as, c, op); !s.ok()) return s;
  }
  ++submitted_[c];
  runner::World& world = cluster_->world();
  world.Invoke(sim::ProcessId{cluster_->ClientProcessId(c)},
               [&](sim::Process<zab::Message>& p, Ctx& ctx) {
                 static_cast<ClientProcess&>(p).Submit(ctx, op);
               });
  FireTriggers();
  if (nowait) return absl::OkStatus();
  if (!RunUntil([&] { return cluster_->client(c) == nullptr || cluster_->client(c)->client().idle(); },
                sim::Duration::Seconds(60))) {
    out.push_back("client: the operation did not complete within 60s");
  }
  return absl::OkStatus();
}

absl::Status ScenarioRunner::Fault(const Directive& d, Args& args, Lines& out) {
  (void)out;
  auto fault = MakeFault(d, args);
  if (!fault.ok()) return fault.status();
  cluster_->world().Apply(*fault);
  return absl::OkStatus();
}

absl::StatusOr<sim::Fault> ScenarioRunner::MakeFault(const Directive& d, Args& args) const {
  std::string text = d.name == "role-restart" ? "signal" : d.name;
  for (const Arg* a : args.Rest()) {
    if (!a->key.empty()) return Error(d, a->column, fmt::format("unexpected argument '{}={}'", a->key, a->value));
    text += " " + a->value;
  }
  if (d.name == "role-restart") text += " 1";
  const int column = d.column + static_cast<int>(d.name.size()) + 1;
  auto fault = sim::ParseFault(text);
  if (!fault.ok()) return Error(d, column, base::Text(fault.status()));
  if (absl::Status s = fault->Validate(cluster_->servers()); !s.ok()) return Error(d, column, base::Text(s));
  return *std::move(fault);
}

absl::Status ScenarioRunner::Rule(const Directive& d, Args& args, Lines& out) {
  auto rule = MakeRule(d, args);
  if (!rule.ok()) return rule.status();
  cluster_->world().network().AddRule(*rule);
  out.push_back("rule: " + RuleText(*rule));
  return absl::OkStatus();
}

std::string ScenarioRunner::RuleText(const sim::MessageRule& rule) const {
  const std::string what = rule.tag.empty() ? "message" : rule.tag;
  const std::string of =
      rule.key.has_value() ? " of " + captures_.Annotate(zab::ToString(zab::Zxid{*rule.key})) : "";
  return fmt::format("{} the next {}{} from {} to {}", sim::ToString(rule.action),
                     rule.remaining == 1 ? what : fmt::format("{} {}s", rule.remaining, what), of,
                     rule.from.value, rule.to.value);
}

absl::StatusOr<sim::MessageRule> ScenarioRunner::MakeRule(const Directive& d, Args& args) const {
  sim::MessageRule rule;
  rule.action = d.name == "drop-next"    ? sim::MessageRule::Action::kDrop
                : d.name == "delay-next" ? sim::MessageRule::Action::kDelay
                                         : sim::MessageRule::Action::kHold;
  const Arg* from = args.Key("from");
  const Arg* to = args.Key("to");
  if (from == nullptr || to == nullptr) return args.Missing("from= and to=");
  auto f = Server(*from);
  if (!f.ok()) return f.status();
  auto t = Server(*to);
  if (!t.ok()) return t.status();
  if (*f == *t) return Error(d, to->column, fmt::format("a process has no link to itself (from={} to={})", *f, *t));
  rule.from = sim::ProcessId{*f};
  rule.to = sim::ProcessId{*t};
  if (const Arg* type = args.Key("type")) {
    // Rules act between servers: client messages never match one.
    std::vector<std::string_view> tags = zab::MessageTags();
    std::erase_if(tags, [](std::string_view tag) { return tag.rfind("CLIENT-", 0) == 0; });
    if (std::find(tags.begin(), tags.end(), type->value) == tags.end()) {
      std::string known;
      for (const std::string_view tag : tags) {
        if (!known.empty()) known += ", ";
        known += tag;
      }
      return Error(d, type->column, fmt::format("no message type '{}' (expected one of: {})", type->value, known));
    }
    rule.tag = type->value;
  }
  if (const Arg* zxid = args.Key("zxid")) {
    const std::optional<uint64_t> z = ParseNumber(zxid->value);
    if (!z.has_value()) {
      return Error(
          d, zxid->column,
          fmt::format(
              "expected a zxid after 'zxid=' (e.g. 0x100000003, or $w for a capture), found '{}'",
              zxid->value));
    }
    rule.key = *z;
  }
  if (const Arg* count = args.Key("count")) {
    auto n = args.Uint(*count, 1, 1000000);
    if (!n.ok()) return n.status();
    rule.remaining = static_cast<int64_t>(*n);
  }
  if (rule.action == sim::MessageRule::Action::kDelay) {
    const Arg* extra = args.Key("extra");
    if (extra == nullptr) return args.Missing("extra=DURATION");
    auto e = args.Duration(*extra, kMaxRun);
    if (!e.ok()) return e.status();
    rule.extra = *e;
  }
  return rule;
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

absl::Status ScenarioRunner::State(const Directive& /*d*/, Args& args, Lines& out) {
  std::vector<uint32_t> sids;
  while (const Arg* a = args.Word()) {
    auto s = Server(*a);
    if (!s.ok()) return s.status();
    sids.push_back(*s);
  }
  if (sids.empty()) {
    for (uint32_t s = 1; s <= cluster_->servers(); ++s) sids.push_back(s);
  }
  for (const uint32_t sid : sids) {
    const zab::Peer* p = cluster_->peer(sid);
    if (p == nullptr) {
      out.push_back(fmt::format("{} down", sid));
      continue;
    }
    const zab::Database& db = p->db();
    std::string leader = p->leader().value == 0 ? "" : fmt::format(" leader={}", p->leader().value);
    std::string log = db.log().empty() ? "log=empty"
                                       : fmt::format("log={}..{} ({} txns)", zab::ToString(db.log().front()->zxid),
                                                     zab::ToString(db.log().back()->zxid), db.log().size());
    out.push_back(fmt::format("{} {} {}{} accepted={} current={} last={} {} digest={}", sid,
                              zab::ToString(p->state()), zab::ToString(p->phase()), leader,
                              p->accepted_epoch().value, p->current_epoch().value,
                              zab::ToString(db.last_processed()), log, Hex8(db.tree().digest())));
  }
  return absl::OkStatus();
}

absl::Status ScenarioRunner::Log(const Directive& /*d*/, Args& args, Lines& out) {
  const Arg* a = args.Word();
  if (a == nullptr) return args.Missing("the server");
  auto sid = Server(*a);
  if (!sid.ok()) return sid.status();
  const zab::Peer* p = cluster_->peer(*sid);
  if (p == nullptr) {
    out.push_back(fmt::format("{} down", *sid));
    return absl::OkStatus();
  }
  const zab::Zxid applied = p->db().tree().last_applied_txn();
  // Each log file's name and length on disk, ahead of its first txn.
  const std::vector<zab::Database::LogFile> files = p->db().LogFiles();
  size_t next_file = 0;
  for (const zab::TxnPtr& t : p->db().log()) {
    while (next_file < files.size() && files[next_file].first <= t->zxid) {
      // ZooKeeper's name for it, "log." and the first zxid in hex, unpadded.
      out.push_back(fmt::format("file log.{:x} ({} bytes on disk)", files[next_file].first.value,
                                files[next_file].length));
      ++next_file;
    }
    out.push_back(fmt::format("{} {} session={} {}", zab::ToString(t->zxid), zab::DescribeOp(t->op),
                              t->session, t->zxid <= applied ? "applied" : "not applied"));
  }
  if (p->db().log().empty()) out.push_back(fmt::format("{} has an empty log", *sid));
  return absl::OkStatus();
}

absl::Status ScenarioRunner::Tree(const Directive& /*d*/, Args& args, Lines& out) {
  const Arg* a = args.Word();
  if (a == nullptr) return args.Missing("the server");
  auto sid = Server(*a);
  if (!sid.ok()) return sid.status();
  const zab::Peer* p = cluster_->peer(*sid);
  if (p == nullptr) {
    out.push_back(fmt::format("{} down", *sid));
    return absl::OkStatus();
  }
  for (const auto& [path, node] : p->db().tree().nodes()) {
    if (path == "/") continue;
    out.push_back(fmt::format("{}={} version={}{}", path, node.data, node.version,
                              node.ephemeral_owner != 0 ? fmt::format(" ephemeral={}", node.ephemeral_owner) : ""));
  }
  out.push_back(fmt::format("{} nodes, {} sessions, digest {}", p->db().tree().node_count() - 1,
                            p->db().tree().sessions().size(), Hex8(p->db().tree().digest())));
  return absl::OkStatus();
}

std::vector<Verdict> ScenarioRunner::Verdicts() const {
  std::vector<Verdict> out = summary_->verdicts();
  if (!liveness_checked_) return out;
  Verdict liveness{std::string(kLiveness), {}};
  for (const std::string& v : liveness_violations_) {
    if (std::find(stall_violations_.begin(), stall_violations_.end(), v) == stall_violations_.end()) {
      liveness.violations.push_back(v);
    }
  }
  out.push_back(std::move(liveness));
  if (!stall_violations_.empty()) out.push_back(Verdict{std::string(kAcceptedEpochStall), stall_violations_});
  return out;
}

void ScenarioRunner::Finish() {
  if (!cluster_) return;
  summary_->CheckConverged();
  if (trace_file_ == nullptr) return;
  trace_file_->Verdicts(cluster_->world().now(), Verdicts());
  trace_file_->End(cluster_->world().now());
}

void ScenarioRunner::Note(const EventRecord& r) {
  const auto raise = [](std::optional<uint64_t>& at, uint64_t value) {
    at = std::max(at.value_or(0), value);
  };
  if (const auto* e = std::get_if<zab::LeaderEstablished>(&r.event)) {
    leaders_[e->epoch.value].push_back(r.process);
  }
  if (std::optional<std::string> line = captures_.Note(r); line.has_value() && taking_) {
    // A name is shown as soon as its zxid is known, whatever the categories shown.
    const std::string text = TimePrefix(r.time) + " " + *line;
    shown_.Add(text);
    shown_with_state_.Add(text);
  }
  for (const uint32_t key : {0u, r.process}) {
    Reached& reached = reached_[key];
    if (const auto* e = std::get_if<zab::LeaderEstablished>(&r.event)) {
      reached.epoch = std::max<uint64_t>(reached.epoch, e->epoch.value);
    } else if (const auto* p = std::get_if<zab::Proposed>(&r.event)) {
      raise(reached.proposed, p->zxid.value);
    } else if (const auto* c = std::get_if<zab::Committed>(&r.event)) {
      raise(reached.committed, c->zxid.value);
    } else if (const auto* a = std::get_if<zab::Applied>(&r.event)) {
      raise(reached.applied, a->zxid.value);
    }
  }
}

absl::Status ScenarioRunner::Check(const Directive& /*d*/, Args& args, Lines& out) {
  // liveness=BOUND: from now, with the faults over, the ensemble must converge within
  // BOUND (runner/liveness.h). The world runs until it does or the bound passes.
  std::string not_checked;
  if (const Arg* a = args.Key("liveness")) {
    auto bound = args.Duration(*a, kMaxRun);
    if (!bound.ok()) return bound.status();
    const sim::Time now = cluster_->world().now();
    const LivenessVerdict v = CheckLiveness(*cluster_, *bound, Deadline(*bound));
    liveness_checked_ = liveness_checked_ || v.kind != LivenessVerdict::Kind::kNotChecked;
    if (v.kind == LivenessVerdict::Kind::kViolated && !v.stall.empty()) {
      liveness_violations_.push_back(fmt::format("{}: [{}] {}, as ZooKeeper does: no converged ensemble "
                                                 "within {} of {}s",
                                                 sim::FormatTime(cluster_->world().now()), kAcceptedEpochStall,
                                                 v.stall, sim::FormatDuration(*bound), sim::FormatTime(now)));
      stall_violations_.push_back(liveness_violations_.back());
    } else if (v.kind == LivenessVerdict::Kind::kViolated) {
      liveness_violations_.push_back(
          fmt::format("{}: [liveness] no converged ensemble within {} of {}s: {}",
                      sim::FormatTime(cluster_->world().now()), sim::FormatDuration(*bound),
                      sim::FormatTime(now), absl::StrJoin(absl::StrSplit(v.detail, '\n'), "; ")));
    } else if (v.kind == LivenessVerdict::Kind::kNotChecked) {
      not_checked = fmt::format("liveness: not checked ({})", v.detail);
    }
  }
  summary_->CheckConverged();
  if (trace_file_ != nullptr) trace_file_->Verdicts(cluster_->world().now(), Verdicts());
  const std::vector<std::string> v = Violations();
  if (v.empty()) {
    out.push_back("checks: ok");
  } else {
    for (const std::string& line : v) out.push_back("violation: " + line);
  }
  if (!not_checked.empty()) out.push_back(not_checked);
  return absl::OkStatus();
}

FileResult RunFile(std::string_view path, std::string_view content, const zab::ReleaseChoice& extra,
                   TraceFile* trace, bool narrate, const RunOptions& options) {
  FileResult result;
  auto file = Parse(path, content);
  if (!file.ok()) {
    result.error = std::string(base::Text(file.status()));
    return result;
  }
  result.parsed = true;
  ScenarioRunner runner(*file, extra);
  runner.SetTraceFile(trace);
  runner.SetNarrate(narrate);
  runner.SetEnd(options.end);
  runner.SetSeed(options.seed);
  // A scenario that shows a bug expects its violations: they are the ones a `check`
  // printed with exactly the output the file expects. Any other violation fails the file.
  std::set<std::string> expected_violations;
  for (const Directive& d : file->directives) {
    auto output = runner.Execute(d);
    if (!output.ok()) {
      result.error = std::string(base::Text(output.status()));
      break;
    }
    // Only a frozen output (a '----' block) is compared.
    const bool compared = !options.seed.has_value() && d.frozen;
    if (compared && d.name == "check" && *output == d.expected) {
      for (std::string& v : runner.Violations()) expected_violations.insert(std::move(v));
    }
    if (compared && *output != d.expected) {
      std::string diff = fmt::format("{}: {} output differs:\n", Location(*file, d.line, 1), d.name);
      const size_t n = std::max(output->size(), d.expected.size());
      for (size_t i = 0; i < n; ++i) {
        const std::string want = i < d.expected.size() ? d.expected[i] : "";
        const std::string got = i < output->size() ? (*output)[i] : "";
        if (want == got) continue;
        if (i < d.expected.size()) diff += fmt::format("  - {}\n", want);
        if (i < output->size()) diff += fmt::format("  + {}\n", got);
      }
      result.mismatches.push_back(diff);
    }
    result.outputs.push_back(*std::move(output));
    result.commands.push_back(CommandText(*file, d));
    if (narrate) result.narrations.push_back(runner.TakeNarration());
  }
  runner.Finish();
  if (result.error.empty()) result.warnings = runner.Warnings();
  result.failures = runner.TakeFailures();
  for (std::string& v : runner.Violations()) {
    (expected_violations.contains(v) ? result.expected_violations : result.violations).push_back(std::move(v));
  }
  result.fingerprint = runner.Fingerprint();
  if (runner.cluster() != nullptr) result.coverage = runner.cluster()->coverage();
  return result;
}

}  // namespace zabsim::runner::scenario

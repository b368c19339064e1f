// The commands that set a scenario up (docs/scenarios.md, `cluster` and `show`): the
// ensemble, its release and settings, and the output categories shown by default.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "absl/strings/str_split.h"
#include "base/status.h"
#include "runner/scenario/args.h"
#include "runner/scenario/runner.h"
#include "sim/world_config.h"
#include "zab/releases.h"

namespace zabsim::runner::scenario {
namespace {

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

}  // namespace

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

}  // namespace zabsim::runner::scenario

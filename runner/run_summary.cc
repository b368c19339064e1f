#include "runner/run_summary.h"

#include <type_traits>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace zabsim::runner {
namespace {

// KnownIssue names the real ZooKeeper issue a violation is, when real ZooKeeper is known
// to show it too (docs/bug-zoo.md, "Known causes"), or returns "". Only one is named
// today: ZOOKEEPER-1675, a read after a sync that misses a write completed before the
// sync, which ZooKeeper's sync does not prevent (linearizable, "sync, then get").
std::string_view KnownIssue(std::string_view check, std::string_view detail) {
  if (check == "linearizable" && detail.find(": sync, then get") != std::string_view::npos) {
    return "ZOOKEEPER-1675";
  }
  return "";
}

}  // namespace

RunSummary::RunSummary(Cluster& cluster, uint64_t history_step_budget)
    : cluster_(cluster), history_step_budget_(history_step_budget) {
  cluster_.AddListener([this](const EventRecord& r) { OnEvent(r); });
}

void RunSummary::OnEvent(const EventRecord& r) {
  // The event's own trace record was written just before: it is record number records().
  const zab::checkers::At at{r.time.us, cluster_.world().trace().records()};
  safety_.Observe(at, zab::PeerId{r.process}, r.event);
  history_.Observe(at, zab::PeerId{r.process}, r.event);
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, zab::LeaderEstablished>) {
          established_at_.emplace(e.epoch.value, r.time);  // The first one counts.
        } else if constexpr (std::is_same_v<T, zab::ElectionDecided>) {
          ++elections_;
        } else if constexpr (std::is_same_v<T, zab::ClientCompleted>) {
          if (e.indeterminate) {
            ++ops_indeterminate_;
          } else if (e.code == zab::Code::kOk) {
            ++ops_ok_;
          } else {
            ++ops_failed_;
          }
        } else if constexpr (std::is_same_v<T, zab::Halted>) {
          halts_.push_back(fmt::format("{} server {} halted: {}", sim::FormatTime(r.time),
                                       r.process, e.reason));
        }
      },
      r.event);
}

void RunSummary::CheckConverged() {
  if (!cluster_.Converged()) return;
  const zab::Peer* leader = cluster_.peer(*cluster_.EstablishedLeader());
  const zab::Zxid applied = leader->db().tree().last_applied_txn();
  std::vector<zab::PeerId> live;
  for (uint32_t sid = 1; sid <= cluster_.servers(); ++sid) {
    const zab::Peer* p = cluster_.peer(sid);
    if (p == nullptr) continue;
    // Equal digests, but a txn still on its way (an error txn changes no digest): not quiet.
    if (p->db().tree().last_applied_txn() != applied) return;
    live.push_back(zab::PeerId{sid});
  }
  safety_.CheckConverged({cluster_.world().now().us, cluster_.world().trace().records()},
                         leader->current_epoch(), live);
}

std::string RunSummary::Describe(const zab::checkers::Violation& v) {
  return fmt::format("{}: [{}] {} (trace record {})", sim::FormatTime(sim::Time{v.at.time_us}), v.check,
                     v.detail, v.at.position);
}

std::string RunSummary::StopViolation() const {
  const World& world = cluster_.world();
  if (!world.stopped()) return "";
  return fmt::format("{}: the run stopped: {}", sim::FormatTime(world.now()), world.stop_reason());
}

const zab::checkers::ClientHistoryChecker& RunSummary::History() const {
  history_.Finish(history_step_budget_);
  return history_;
}

std::vector<zab::checkers::Violation> RunSummary::AllViolations() const {
  std::vector<zab::checkers::Violation> out = safety_.violations();
  const std::vector<zab::checkers::Violation>& history = History().violations();
  out.insert(out.end(), history.begin(), history.end());
  return out;
}

std::vector<std::string> RunSummary::unknown_keys() const { return History().unknown(); }

std::vector<std::string> RunSummary::violations() const {
  std::vector<std::string> out;
  for (const zab::checkers::Violation& v : AllViolations()) out.push_back(Describe(v));
  if (std::string stop = StopViolation(); !stop.empty()) out.push_back(std::move(stop));
  return out;
}

std::vector<Verdict> RunSummary::verdicts() const {
  std::vector<Verdict> out;
  std::vector<std::string_view> checks = zab::checkers::SafetyChecker::Names();
  for (const std::string_view check : zab::checkers::ClientHistoryChecker::Names()) {
    checks.push_back(check);
  }
  const std::vector<zab::checkers::Violation> all = AllViolations();
  for (const std::string_view check : checks) {
    Verdict v{std::string(check), {}};
    for (const zab::checkers::Violation& found : all) {
      if (found.check == check) v.violations.push_back(Describe(found));
    }
    out.push_back(std::move(v));
  }
  Verdict bounded{std::string(kBoundedEvents), {}};
  if (std::string stop = StopViolation(); !stop.empty()) bounded.violations.push_back(std::move(stop));
  out.push_back(std::move(bounded));
  // A known issue is named only when its check is the only one that failed: a write lost
  // by a bug reads like ZOOKEEPER-1675's stale read to the client-history checker, but
  // the server-side checks catch the loss.
  Verdict* failed = nullptr;
  for (Verdict& v : out) {
    if (v.violations.empty()) continue;
    if (failed != nullptr) return out;
    failed = &v;
  }
  if (failed == nullptr) return out;
  std::string_view known = KnownIssue(failed->check, failed->violations.front());
  for (const std::string& detail : failed->violations) {
    if (KnownIssue(failed->check, detail) != known) return out;
  }
  failed->known = known;
  return out;
}

void RunSummary::Print(std::FILE* out) {
  fmt::print(out, "leaders:");
  if (leaders().empty()) fmt::print(out, " none established");
  for (const auto& [epoch, sid] : leaders()) {
    fmt::print(out, " epoch {}: {} (at {}s);", epoch, sid, sim::FormatTime(established_at_[epoch]));
  }
  fmt::print(out, "\nelections decided: {}; txns committed: {}\n", elections_, safety_.committed());
  fmt::print(out, "client operations: {} ok, {} failed (e.g. NODEEXISTS), {} indeterminate\n",
             ops_ok_, ops_failed_, ops_indeterminate_);
  for (const std::string& h : halts_) fmt::print(out, "{}\n", h);
  for (uint32_t sid = 1; sid <= cluster_.servers(); ++sid) {
    const zab::Peer* p = cluster_.peer(sid);
    if (p == nullptr) {
      fmt::print(out, "server {}: down\n", sid);
      continue;
    }
    fmt::print(out,
               "server {}: {} {} leader={} acceptedEpoch={} currentEpoch={} last={} digest={:016x} "
               "nodes={}\n",
               sid, zab::ToString(p->state()), zab::ToString(p->phase()), p->leader().value,
               p->accepted_epoch().value, p->current_epoch().value,
               zab::ToString(p->db().last_processed()), p->db().tree().digest(),
               p->db().tree().node_count());
  }
  fmt::print(out, "converged: {}\n", cluster_.Converged() ? "yes" : "no");
  if (std::string stop = StopViolation(); !stop.empty()) fmt::print(out, "{}\n", stop);
  const std::vector<zab::checkers::Violation> found = AllViolations();
  if (found.empty()) {
    fmt::print(out, "checks: ok ({}, {})\n",
               fmt::join(zab::checkers::SafetyChecker::Names(), ", "),
               fmt::join(zab::checkers::ClientHistoryChecker::Names(), ", "));
  } else {
    fmt::print(out, "checks: VIOLATED ({} violations)\n", found.size());
    for (size_t i = 0; i < found.size() && i < kMaxPrinted; ++i) fmt::print(out, "  {}\n", Describe(found[i]));
    if (found.size() > kMaxPrinted) fmt::print(out, "  ... {} more\n", found.size() - kMaxPrinted);
  }
  // An undecided key is neither a pass nor a failure: say so, without failing the run.
  if (const std::vector<std::string> unknown = unknown_keys(); !unknown.empty()) {
    fmt::print(out,
               "linearizable: unknown for {} (the search ran out of its {} steps; not a failure)\n",
               fmt::join(unknown, ", "), history_step_budget_);
  }
}

}  // namespace zabsim::runner

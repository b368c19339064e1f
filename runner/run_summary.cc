#include "runner/run_summary.h"

#include <type_traits>

#include <fmt/format.h>

namespace zabsim::runner {

RunSummary::RunSummary(Cluster& cluster) : cluster_(cluster) {
  cluster_.AddListener([this](const EventRecord& r) { OnEvent(r); });
}

void RunSummary::OnEvent(const EventRecord& r) {
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, zab::LeaderEstablished>) {
          auto [it, fresh] = leaders_.emplace(e.epoch.value, r.process);
          if (fresh) {
            established_at_[e.epoch.value] = r.time;
          } else if (it->second != r.process) {
            violated_check_.push_back(kOneLeaderPerEpoch);
            violations_.push_back(fmt::format("{}: two leaders established in epoch {}: {} and {}",
                                              sim::FormatTime(r.time), e.epoch.value, it->second,
                                              r.process));
          }
        } else if constexpr (std::is_same_v<T, zab::ElectionDecided>) {
          ++elections_;
        } else if constexpr (std::is_same_v<T, zab::Committed>) {
          committed_.insert(e.zxid);
        } else if constexpr (std::is_same_v<T, zab::Applied>) {
          auto [it, fresh] = digests_.emplace(e.zxid, std::make_pair(e.digest, r.process));
          if (!fresh && it->second.first != e.digest) {
            violated_check_.push_back(kDigestAgreement);
            violations_.push_back(fmt::format(
                "{}: server {} applied {} to a tree with digest {:016x}, server {} had {:016x}",
                sim::FormatTime(r.time), r.process, zab::ToString(e.zxid), e.digest,
                it->second.second, it->second.first));
          }
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

std::string RunSummary::StopViolation() const {
  const World& world = cluster_.world();
  if (!world.stopped()) return "";
  return fmt::format("{}: the run stopped: {}", sim::FormatTime(world.now()), world.stop_reason());
}

std::vector<std::string> RunSummary::violations() const {
  std::vector<std::string> out = violations_;
  if (std::string stop = StopViolation(); !stop.empty()) out.push_back(std::move(stop));
  return out;
}

std::vector<Verdict> RunSummary::verdicts() const {
  std::vector<Verdict> out;
  for (const std::string_view check : {kOneLeaderPerEpoch, kDigestAgreement}) {
    Verdict v{std::string(check), {}};
    for (size_t i = 0; i < violations_.size(); ++i) {
      if (violated_check_[i] == check) v.violations.push_back(violations_[i]);
    }
    out.push_back(std::move(v));
  }
  Verdict bounded{std::string(kBoundedEvents), {}};
  if (std::string stop = StopViolation(); !stop.empty()) bounded.violations.push_back(std::move(stop));
  out.push_back(std::move(bounded));
  return out;
}

void RunSummary::Print(std::FILE* out) {
  fmt::print(out, "leaders:");
  if (leaders_.empty()) fmt::print(out, " none established");
  for (const auto& [epoch, sid] : leaders_) {
    fmt::print(out, " epoch {}: {} (at {}s);", epoch, sid, sim::FormatTime(established_at_[epoch]));
  }
  fmt::print(out, "\nelections decided: {}; txns committed: {}\n", elections_, committed_.size());
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
  if (violations_.empty()) {
    fmt::print(out, "agreement: ok (one leader per epoch; equal digests after equal zxids)\n");
  } else {
    fmt::print(out, "agreement: VIOLATED\n");
    for (const std::string& v : violations_) fmt::print(out, "  {}\n", v);
  }
}

}  // namespace zabsim::runner

#include "zab/releases.h"

#include <algorithm>

#include <fmt/format.h>

namespace zabsim::zab {

// Sources: each bug's fix commit and the release tags that contain it, and each release's
// Learner.syncWithLeader, read in ZooKeeper's repository (docs/bug-zoo.md lists them).
// ZOOKEEPER-4925: the 3.9.3 regression applies the committed txns at NEWLEADER without
// adding them to the committed log; every release before it applies a SNAP's or TRUNC's
// txns committed before NEWLEADER the same way (the two-argument processTxn), which is
// the same mechanism on the path those releases have.
const std::vector<Release>& Releases() {
  static const std::vector<Release>* const kReleases = new std::vector<Release>{
      {"3.8.0", "Debian 12's ZooKeeper, the conformance peer; NEWLEADER order G1",
       NewLeaderOrder::kG1, false, {"ZK-4712", "ZK-4925", "ZK-2846", "ZK-1549", "trunc-keeps-next", "trunc-to-applied", "error-keeps-serving", "stale-ack-counts"},
       {"ZK-4643", "ZK-4646", "ZK-4685", "ZK-4394"}},
      {"3.8.4", "the last 3.8 release before the ZOOKEEPER-4785 fix; the same ZAB as 3.8.0",
       NewLeaderOrder::kG1, false, {"ZK-4712", "ZK-4925", "ZK-2846", "ZK-1549", "trunc-keeps-next", "trunc-to-applied", "error-keeps-serving", "stale-ack-counts"},
       {"ZK-4643", "ZK-4646", "ZK-4685", "ZK-4394"}},
      {"3.8.5", "ZOOKEEPER-4785 fixed (PR #2111): NEWLEADER order G2", NewLeaderOrder::kG2, false,
       {"ZK-4712", "ZK-4925", "ZK-2846", "ZK-1549", "trunc-keeps-next", "trunc-to-applied", "error-keeps-serving", "stale-ack-counts"}, {"ZK-4394"}},
      {"3.9.2", "the 3.9 line before ZOOKEEPER-4394's fix: NEWLEADER order G2",
       NewLeaderOrder::kG2, false, {"ZK-4712", "ZK-4925", "ZK-2846", "ZK-1549", "trunc-keeps-next", "trunc-to-applied", "error-keeps-serving", "stale-ack-counts"}, {"ZK-4394"}},
      {"3.9.3", "NEWLEADER order G3 (PR #2152), with its regression ZOOKEEPER-4925",
       NewLeaderOrder::kG3, false, {"ZK-4925", "ZK-2846", "ZK-1549", "trunc-keeps-next", "trunc-to-applied", "error-keeps-serving", "stale-ack-counts"}, {}},
      {"master", "today's ZooKeeper: G3, a gap in a sync's proposals ends it",
       NewLeaderOrder::kG3, true, {"ZK-2846", "ZK-1549", "trunc-keeps-next", "trunc-to-applied", "error-keeps-serving", "stale-ack-counts"}, {}},
      {"master+fixes", "master with zabsim's fix for each bug still open in it: ZAB as it should be",
       NewLeaderOrder::kG3, true, {}, {}},
  };
  return *kReleases;
}

const Release* FindRelease(std::string_view name) {
  for (const Release& r : Releases()) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

std::string ReleaseNames() {
  std::string out;
  for (const Release& r : Releases()) {
    if (!out.empty()) out += ", ";
    out += r.name;
  }
  return out;
}

absl::Status UseRelease(Config& config, std::string_view name) {
  const Release* r = FindRelease(name);
  if (r == nullptr) {
    return absl::InvalidArgumentError(
        fmt::format("unknown ZooKeeper release '{}' (known: {})", name, ReleaseNames()));
  }
  config.release = std::string(r->name);
  config.newleader_order = r->order;
  config.continuous_proposals = r->continuous_proposals;
  config.bugs = Bugs{};
  for (const std::string_view s : r->switches) {
    if (absl::Status st = EnableBug(config.bugs, s); !st.ok()) return st;
  }
  return absl::OkStatus();
}

absl::Status ReleaseChoice::ApplyTo(Config& config) const {
  if (absl::Status s = UseRelease(config, release.empty() ? kDefaultRelease : release); !s.ok()) {
    return s;
  }
  const Release& r = *FindRelease(config.release);
  const auto in_order = [&](std::string_view name) {
    return std::find(r.in_order.begin(), r.in_order.end(), name) != r.in_order.end();
  };
  for (const std::string& name : add) {
    if (absl::Status s = EnableBug(config.bugs, name); !s.ok()) return s;
    if (in_order(name)) {
      return absl::InvalidArgumentError(fmt::format(
          "{} has bug {} in its NEWLEADER order ({}) already", r.name, name, ToString(r.order)));
    }
    if (std::find(r.switches.begin(), r.switches.end(), name) != r.switches.end()) {
      return absl::InvalidArgumentError(
          fmt::format("{} has bug {} already; a switch adds a bug its release lacks", r.name, name));
    }
  }
  for (const std::string& name : remove) {
    if (absl::Status s = DisableBug(config.bugs, name); !s.ok()) return s;
    if (in_order(name)) {
      return absl::InvalidArgumentError(
          fmt::format("{} has bug {} in its NEWLEADER order ({}), which a switch cannot take out; "
                      "a release with a later order has it fixed",
                      r.name, name, ToString(r.order)));
    }
    if (std::find(add.begin(), add.end(), name) != add.end() ||
        std::find(r.switches.begin(), r.switches.end(), name) == r.switches.end()) {
      return absl::InvalidArgumentError(
          fmt::format("{} does not have bug {}: there is nothing to fix", r.name, name));
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> ReleasesWith(std::string_view name) {
  std::vector<std::string> out;
  for (const Release& r : Releases()) {
    if (std::find(r.switches.begin(), r.switches.end(), name) != r.switches.end()) {
      out.emplace_back(r.name);
    } else if (std::find(r.in_order.begin(), r.in_order.end(), name) != r.in_order.end()) {
      out.push_back(fmt::format("{} (order {})", r.name, ToString(r.order)));
    }
  }
  return out;
}

}  // namespace zabsim::zab

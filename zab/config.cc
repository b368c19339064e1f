#include "zab/config.h"

#include <fmt/format.h>

#include "base/check.h"

#include "base/status.h"

namespace zabsim::zab {
namespace {

absl::Status Bad(std::string_view key, std::string_view value, std::string_view why) {
  return absl::InvalidArgumentError(fmt::format("{}={}: {}", key, value, why));
}

struct BugInfo {
  std::string_view name;
  bool Bugs::*flag;
  std::string_view description;
};

const BugInfo kBugs[] = {
    {"ZK-1154", &Bugs::zk1154, "DIFF without checking that the follower's last zxid exists"},
    {"ZK-1419", &Bugs::zk1419, "a vote order that is not total (sid tie-break ignores epochs)"},
    {"ZK-2845", &Bugs::zk2845, "no fast-forward of memory from the log on a role change"},
    {"ZK-3911", &Bugs::zk3911, "DIFF txns logged only after UPTODATE, after the NEWLEADER ACK"},
    {"ZK-4643", &Bugs::zk4643, "currentEpoch written before the synced txns are on disk"},
    {"ZK-4646", &Bugs::zk4646, "NEWLEADER ACK sent before the synced txns are fsynced"},
    {"ZK-4685", &Bugs::zk4685, "a proposal ACK may overtake the NEWLEADER ACK"},
    {"ZK-4394", &Bugs::zk4394, "NEWLEADER drops pending proposals; a later COMMIT finds none"},
    {"ZK-4712", &Bugs::zk4712, "the sync pipeline still logs after the peer left FOLLOWING"},
    {"ZK-3642", &Bugs::zk3642, "an incomplete SNAP is kept in memory after the sync fails"},
    {"ZK-1549", &Bugs::zk1549,
     "TRUNC keeps newer snapshots, so the reload brings truncated txns back"},
    {"ZK-4925", &Bugs::zk4925, "txns applied while syncing are left out of the committed log"},
    {"ZK-2846", &Bugs::zk2846,
     "a SNAP-synced server keeps its old txn log, and a later txn-log sync sends from it"},
    {"trunc-keeps-next", &Bugs::trunc_keeps_next,
     "a TRUNC to a zxid the log lacks, such as (e, 0), keeps the txn above it (zabsim's finding)"},
    {"trunc-to-applied", &Bugs::trunc_to_applied,
     "a learner holding a txn committed but not yet applied by the leader is TRUNCated below it "
     "(zabsim's finding)"},
    {"error-keeps-serving", &Bugs::error_keeps_serving,
     "a server whose SyncThread died of a disk error keeps its role until its next check, "
     "applying txns it no longer logs (zabsim's finding)"},
    {"stale-ack-counts", &Bugs::stale_ack_counts,
     "an ACK a learner sent before it was synced again (TRUNC) still counts toward a quorum "
     "(zabsim's finding)"},
    {"commit-without-quorum", &Bugs::commit_without_quorum, "the leader commits on its own ACK"},
    {"ack-before-fsync", &Bugs::ack_before_fsync, "followers ACK a proposal before it is durable"},
    {"majority-is-half", &Bugs::majority_is_half, "a quorum of n/2 voters instead of n/2+1"},
    {"election-ignores-zxid", &Bugs::election_ignores_zxid, "FLE compares (epoch, sid) only"},
    {"reuse-epoch", &Bugs::reuse_epoch, "the leader proposes max(acceptedEpoch), not +1"},
    {"serve-stale-clients", &Bugs::serve_stale_clients,
     "a server answers a client that has seen newer zxids than it has"},
};

absl::StatusOr<uint64_t> ParseUint(std::string_view key, std::string_view value, uint64_t min,
                                   uint64_t max) {
  if (value.empty() || value.size() > 19) return Bad(key, value, "expected a whole number");
  uint64_t v = 0;
  for (const char c : value) {
    if (c < '0' || c > '9') return Bad(key, value, "expected a whole number");
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v < min || v > max) return Bad(key, value, fmt::format("must lie in [{}, {}]", min, max));
  return v;
}

// A setting is a name, a field and its bounds; every one is a whole number.
struct Setting {
  std::string_view key;
  std::string_view help;
  uint64_t min;
  uint64_t max;
  uint64_t (*get)(const Config&);
  void (*set)(Config&, uint64_t);
};

#define ZAB_SETTING(key, field, min, max, help)                                  \
  Setting {                                                                      \
    key, help, min, max, [](const Config& c) { return static_cast<uint64_t>(c.field); }, \
        [](Config& c, uint64_t v) { c.field = static_cast<decltype(c.field)>(v); }       \
  }

const Setting kSettings[] = {
    ZAB_SETTING("voters", voters, 1, 15, "voting servers (sids 1..voters)"),
    ZAB_SETTING("observers", observers, 0, 15, "observers (sids after the voters)"),
    ZAB_SETTING("tick_ms", tick_ms, 2, 600000, "tickTime in milliseconds (the leader pings every half)"),
    ZAB_SETTING("init_limit", init_limit, 1, 1000, "initLimit in ticks"),
    ZAB_SETTING("sync_limit", sync_limit, 1, 1000, "syncLimit in ticks"),
    ZAB_SETTING("finalize_wait_ms", finalize_wait_ms, 0, 600000, "FLE finalize wait"),
    ZAB_SETTING("min_notification_ms", min_notification_ms, 1, 600000,
                "FLE first notification timeout"),
    ZAB_SETTING("max_notification_ms", max_notification_ms, 1, 3600000,
                "FLE longest notification timeout"),
    ZAB_SETTING("commit_log_count", commit_log_count, 1, 1000000,
                "committed txns kept in memory for DIFF (ZooKeeper: at least 500)"),
    ZAB_SETTING("snap_count", snap_count, 2, 100000000, "txns between snapshots (x0.5..1)"),
    ZAB_SETTING("snapshot_size_factor_permille", snapshot_size_factor_permille, 0, 1000000,
                "txn-log sync limit, per mille of the newest snapshot's size (0: no limit)"),
    ZAB_SETTING("txn_log_sync", txn_log_sync, 0, 1,
                "1: sync lagging learners from the txn log; 0: never (a negative snapshotSizeFactor)"),
    ZAB_SETTING("prealloc_kb", prealloc_kb, 1, 4194304,
                "txn log files grow in blocks of this many KB (zookeeper.preAllocSize)"),
    ZAB_SETTING("autopurge_interval_ms", autopurge_interval_ms, 0, 1000000000,
                "purge old snapshots and logs this often (autopurge.purgeInterval; 0: off)"),
    ZAB_SETTING("snap_retain_count", snap_retain_count, 1, 100,
                "snapshots a purge keeps (autopurge.snapRetainCount)"),
    ZAB_SETTING("max_batch_size", max_batch_size, 1, 100000, "txns per fsync at most"),
    ZAB_SETTING("learner_connect_delay_ms", learner_connect_delay_ms, 0, 600000,
                "pause between a learner's connection attempts"),
    ZAB_SETTING("learner_connect_attempts", learner_connect_attempts, 1, 100,
                "connection attempts before a learner gives up"),
    ZAB_SETTING("observer_election_delay_ms", observer_election_delay_ms, 0, 600000,
                "an observer's longest pause before looking again"),
    ZAB_SETTING("initial_counter", initial_counter, 0, 0xfffffffe,
                "counter of a new leader's first zxid minus one (Leader's test-only initialZxid)"),
};

#undef ZAB_SETTING

}  // namespace

absl::Status Config::Validate() const {
  for (const Setting& s : kSettings) {
    const uint64_t v = s.get(*this);
    if (v < s.min || v > s.max) {
      return Bad(s.key, fmt::format("{}", v), fmt::format("must lie in [{}, {}]", s.min, s.max));
    }
  }
  if (min_notification_ms > max_notification_ms) {
    return Bad("min_notification_ms", fmt::format("{}", min_notification_ms),
               fmt::format("must not exceed max_notification_ms={}", max_notification_ms));
  }
  return absl::OkStatus();
}

absl::Status Config::Set(std::string_view key, std::string_view value) {
  for (const Setting& s : kSettings) {
    if (s.key != key) continue;
    auto v = ParseUint(key, value, s.min, s.max);
    if (!v.ok()) return v.status();
    s.set(*this, *v);
    return absl::OkStatus();
  }
  std::string known;
  for (const Setting& s : kSettings) {
    if (!known.empty()) known += ", ";
    known += s.key;
  }
  return absl::InvalidArgumentError(
      fmt::format("unknown ZAB setting '{}' (known: {})", key, known));
}

std::vector<std::pair<std::string, std::string>> Config::Describe() const {
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("zk", release);
  for (const Setting& s : kSettings) out.emplace_back(s.key, fmt::format("{}", s.get(*this)));
  std::string bugs_on;
  for (const BugInfo& b : kBugs) {
    if (bugs.*b.flag) {
      if (!bugs_on.empty()) bugs_on += ",";
      bugs_on += b.name;
    }
  }
  out.emplace_back("bugs", bugs_on.empty() ? "none" : bugs_on);
  return out;
}

std::vector<std::pair<std::string_view, std::string_view>> Config::Keys() {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  for (const Setting& s : kSettings) out.emplace_back(s.key, s.help);
  return out;
}

std::vector<BugName> BugNames() {
  std::vector<BugName> out;
  for (const BugInfo& b : kBugs) out.push_back(BugName{b.name, b.description});
  return out;
}

std::vector<std::string_view> EnabledBugs(const Bugs& bugs) {
  std::vector<std::string_view> out;
  for (const BugInfo& b : kBugs) {
    if (bugs.*b.flag) out.push_back(b.name);
  }
  return out;
}

namespace {

absl::Status SetBug(Bugs& bugs, std::string_view name, bool on) {
  for (const BugInfo& b : kBugs) {
    if (b.name != name) continue;
    bugs.*b.flag = on;
    return absl::OkStatus();
  }
  std::string known;
  for (const BugInfo& b : kBugs) {
    if (!known.empty()) known += ", ";
    known += b.name;
  }
  return absl::InvalidArgumentError(fmt::format("unknown bug '{}' (known: {})", name, known));
}

}  // namespace

absl::Status EnableBug(Bugs& bugs, std::string_view name) { return SetBug(bugs, name, true); }
absl::Status DisableBug(Bugs& bugs, std::string_view name) { return SetBug(bugs, name, false); }

bool IsBugOn(const Bugs& bugs, std::string_view name) {
  for (const BugInfo& b : kBugs) {
    if (b.name == name) return bugs.*b.flag;
  }
  ZABSIM_CHECK(false, "unknown bug {}", name);
  return false;
}

std::string_view ToString(NewLeaderOrder order) {
  switch (order) {
    case NewLeaderOrder::kG1:
      return "G1";
    case NewLeaderOrder::kG2:
      return "G2";
    case NewLeaderOrder::kG3:
      return "G3";
  }
  return "?";
}

}  // namespace zabsim::zab

// File: zab/config.h
//
// The settings of a ZAB ensemble. Defaults are ZooKeeper's: the code's defaults where
// it has them, and zoo_sample.cfg's where the code has none (initLimit and syncLimit
// must be set in every real config; the sample uses tickTime=2000, initLimit=10,
// syncLimit=5).
//
//   Config config;                                 // 3 voters, ZooKeeper's timing
//   if (absl::Status s = config.Set("voters", "5"); !s.ok()) ...
//   if (absl::Status s = config.Validate(); !s.ok()) ...

#ifndef ZABSIM_ZAB_CONFIG_H_
#define ZABSIM_ZAB_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "zab/types.h"

namespace zabsim::zab {

// Bugs puts back real ZooKeeper defects, one switch each (all off by default);
// 'zabsim bugs' lists them.
struct Bugs {
  bool zk1154 = false;  // DIFF without checking that the follower's last zxid exists.
  bool zk1419 = false;  // A vote order that is not total (sid tie-break ignores epochs).
  bool zk2845 = false;  // No fast-forward of memory from the log on a role change.
  bool zk3911 = false;  // DIFF txns logged only after UPTODATE (after the NEWLEADER ACK).
  bool zk4643 = false;  // currentEpoch written before the synced txns are on disk.
  bool zk4646 = false;  // NEWLEADER ACK sent before the synced txns are fsynced.
  bool zk4685 = false;  // A proposal ACK may overtake the NEWLEADER ACK.
  bool zk4394 = false;  // NEWLEADER drops pending proposals; a later COMMIT finds none.
  bool zk4712 = false;  // The sync pipeline still logs after the peer left FOLLOWING.
  bool zk3642 = false;  // An incomplete SNAP is kept in memory after the sync fails.
  bool zk1549 = false;  // TRUNC keeps snapshots above the truncation point (reload resurrects).
  bool zk4925 = false;  // Txns applied while syncing are left out of the committed log.
  bool zk2846 = false;  // A SNAP/TRUNC-synced log keeps txns its snapshot cannot vouch for.
  bool trunc_keeps_next = false;  // TRUNC to a zxid the log lacks keeps the txn above it.
  bool trunc_to_applied = false;  // A learner is TRUNCated below txns committed, not applied.
  bool error_keeps_serving = false;  // A role goes on after its SyncThread died, until a check.
  bool stale_ack_counts = false;  // An ACK from before a learner's re-sync still counts.
  bool commit_without_quorum = false;  // The leader commits on its own ACK.
  bool ack_before_fsync = false;       // Followers ACK a proposal before it is durable.
  bool majority_is_half = false;       // A quorum of n/2 instead of n/2+1.
  bool election_ignores_zxid = false;  // FLE compares (epoch, sid) only.
  bool reuse_epoch = false;            // The leader proposes max(acceptedEpoch), not +1.
  bool serve_stale_clients = false;    // A server answers a client that saw newer zxids.

  friend bool operator==(const Bugs&, const Bugs&) = default;
};

// The learner's order of work at NEWLEADER (Learner.syncWithLeader), which changed
// twice; docs/protocol.md section 2.3 describes each.
enum class NewLeaderOrder : uint8_t {
  // 3.8.0 .. 3.8.4: currentEpoch first, then every buffered proposal to the log pipeline
  // (committed or not), the buffer cleared, the ACK at once, before any fsync.
  kG1,
  // 3.8.5, 3.9.2 (PR #2111): every buffered proposal appended and fsynced, then
  // currentEpoch, then the ACK; the proposals' own ACKs wait for UPTODATE.
  kG2,
  // 3.9.3, master (PR #2152): the committed buffered proposals appended, applied and
  // fsynced, then currentEpoch, then the ACK; the uncommitted ones stay buffered.
  kG3,
};
std::string_view ToString(NewLeaderOrder order);

// The open bugs of ZooKeeper's master: on in the default release (zab/releases.h).
inline constexpr Bugs kMasterBugs = [] {
  Bugs b;
  b.zk1549 = true;
  b.zk2846 = true;
  b.trunc_keeps_next = true;
  b.trunc_to_applied = true;
  b.error_keeps_serving = true;
  b.stale_ack_counts = true;
  return b;
}();

struct Config {
  // The ZooKeeper release this ensemble behaves as (zab/releases.h): its NEWLEADER order
  // and the bugs known in it. The defaults are master's.
  std::string release = "master";
  NewLeaderOrder newleader_order = NewLeaderOrder::kG3;
  // master's Learner.enforceContinuousProposal: a gap between the PROPOSALs of one epoch
  // during a sync ends it.
  bool continuous_proposals = true;
  uint32_t voters = 3;
  uint32_t observers = 0;
  int64_t tick_ms = 2000;
  uint32_t init_limit = 10;  // Ticks a learner has to connect and sync.
  uint32_t sync_limit = 5;   // Ticks a learner may lag once synced.
  int64_t finalize_wait_ms = 200;       // FLE: silence needed before deciding.
  int64_t min_notification_ms = 200;    // FLE: first resend interval...
  int64_t max_notification_ms = 60000;  // ...doubling up to this.
  uint32_t commit_log_count = 500;      // ZKDatabase keeps this many committed txns (+1).
  uint64_t snap_count = 100000;         // A snapshot every snap_count/2 .. snap_count txns.
  uint32_t snapshot_size_factor_permille = 330;  // Txn-log sync limit (0.33 of a snapshot).
  uint32_t txn_log_sync = 1;            // 0: never sync from the txn log (a negative factor).
  uint32_t prealloc_kb = 65536;         // Txn log files grow in blocks of this (64 MB).
  int64_t autopurge_interval_ms = 0;    // 0: no autopurge; else purge this often.
  uint32_t snap_retain_count = 3;       // Snapshots (and their logs) an autopurge keeps.
  uint32_t max_batch_size = 1000;       // SyncRequestProcessor: txns per fsync at most.
  int64_t learner_connect_delay_ms = 100;  // Between a learner's connection attempts.
  uint32_t learner_connect_attempts = 5;
  int64_t observer_election_delay_ms = 200;
  // A new leader hands out zxids from (epoch, initial_counter + 1): ZooKeeper's test-only
  // initialZxid, to reach counter exhaustion (ZOOKEEPER-1277) without 4 billion writes.
  uint32_t initial_counter = 0;
  Bugs bugs = kMasterBugs;

  [[nodiscard]] absl::Status Validate() const;
  // Set changes one setting (see Keys()) from its written form.
  [[nodiscard]] absl::Status Set(std::string_view key, std::string_view value);
  std::vector<std::pair<std::string, std::string>> Describe() const;
  static std::vector<std::pair<std::string_view, std::string_view>> Keys();

  uint32_t servers() const { return voters + observers; }
  bool IsVoter(PeerId id) const { return id.value >= 1 && id.value <= voters; }
  bool IsObserver(PeerId id) const { return id.value > voters && id.value <= servers(); }
  // QuorumSize is the smallest number of voters that is a majority (QuorumMaj): the one
  // definition of a quorum; IsQuorum counts the voters among `sids` against it.
  uint32_t QuorumSize() const { return bugs.majority_is_half ? voters / 2 : voters / 2 + 1; }
  template <typename Sids>
  bool IsQuorum(const Sids& sids) const {
    return VotersIn(sids) >= QuorumSize();
  }
  // IsQuorumOnlyByHalf: `sids` make a quorum only because majority-is-half counts n/2
  // voters as one (the switch's branch, for its coverage mark).
  template <typename Sids>
  bool IsQuorumOnlyByHalf(const Sids& sids) const {
    if (!bugs.majority_is_half) return false;
    const uint32_t n = VotersIn(sids);
    return n >= QuorumSize() && n < voters / 2 + 1;
  }
  template <typename Sids>
  uint32_t VotersIn(const Sids& sids) const {
    uint32_t n = 0;
    for (const auto sid : sids) n += IsVoter(PeerId{static_cast<uint32_t>(sid)}) ? 1 : 0;
    return n;
  }
  int64_t init_limit_ms() const { return tick_ms * init_limit; }
  int64_t sync_limit_ms() const { return tick_ms * sync_limit; }
};

// BugNames lists every switch, in a fixed order, with the name used on the command line
// and in scenario files ("ZK-4646", "ack-before-fsync").
struct BugName {
  std::string_view name;
  std::string_view description;
};
std::vector<BugName> BugNames();
// EnableBug turns on the switch called `name`, DisableBug off; unknown names are an
// error listing the known ones.
[[nodiscard]] absl::Status EnableBug(Bugs& bugs, std::string_view name);
[[nodiscard]] absl::Status DisableBug(Bugs& bugs, std::string_view name);
// IsBugOn tells whether the switch `name` is on. REQUIRES: a known name.
bool IsBugOn(const Bugs& bugs, std::string_view name);
// EnabledBugs names the switches that are on, in BugNames() order.
std::vector<std::string_view> EnabledBugs(const Bugs& bugs);

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_CONFIG_H_

// File: conform/observation.h
//
// What a conformance run compares: named observations, made at the same step of the
// scenario on both sides (a real ZooKeeper ensemble and zabsim), in the same words, so
// that a report can put them side by side. An observation that depends on real timing
// is made but not asserted: it is reported, and a difference in it fails nothing.

#ifndef ZABSIM_CONFORM_OBSERVATION_H_
#define ZABSIM_CONFORM_OBSERVATION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace zabsim::conform {

// SyncRecord: the leader chose `mode` (DIFF, TRUNC or SNAP) for learner `learner`.
// `established`: the leader had already been established in its epoch (a quorum had
// acknowledged NEWLEADER) when it chose. A choice made while the epoch is being formed
// depends on the order in which learners arrive, that is on timing: ZooKeeper's leader
// sets its last processed zxid to (epoch, 0) once established, so an empty learner that
// arrives before gets an empty DIFF, and one that arrives after gets a SNAP.
struct SyncRecord {
  uint32_t learner = 0;
  std::string mode;
  bool established = false;
  uint64_t peer_zxid = 0;  // The learner's last zxid, as it reported it.
  bool empty = false;      // A DIFF of nothing: the learner had the leader's last zxid.
  uint64_t zxid = 0;       // The DIFF's, TRUNC's or SNAP's zxid (a TRUNC's: where it cuts).
  std::string at;          // Real side: the log line's time ("2026-12-08 01:47:50,745"), to
                           // put decisions read from several servers' logs in time order.
};

// How a row is compared. Some observations depend on timing in a known way; those are
// still compared, and a difference passes only when it is exactly the one timing explains
// (conform/report.cc, TimingExplains). Wall-clock and simulated times are never compared.
enum class Compare {
  kExact,       // The two values must be equal.
  kNever,       // Reported only (times: the units differ).
  kSyncTiming,  // A sync: equal, or an empty DIFF while forming vs a SNAP once established.
  kEpochStart,  // A follower's last zxid: equal, or an epoch's start on both sides.
};

struct Observation {
  // Which step made it: both sides count their steps alike, one per command of the plan
  // and one for the end. The line alone would not do: the commands of a repeat block
  // share theirs.
  int seq = 0;
  int line = 0;        // The scenario line of the step; 0 for the end of the run.
  std::string step;    // The step's command ("run until=converged"), or "end".
  std::string what;    // "leader", "server 2 mode", "c1 create /a", ...
  std::string value;   // "server 3", "following", "OK 0x100000002", ...
  Compare compare = Compare::kExact;
  std::vector<SyncRecord> syncs;  // kSyncTiming: the decisions `value` lists.
};

using Observations = std::vector<Observation>;

// Observer builds a side's observations step by step, with the words both sides share.
class Observer {
 public:
  void Step(int line, std::string step) {
    ++seq_;
    line_ = line;
    step_ = std::move(step);
  }
  void Add(std::string what, std::string value, Compare compare = Compare::kExact) {
    out_.push_back(Observation{seq_, line_, step_, std::move(what), std::move(value), compare, {}});
  }
  void Leader(uint32_t sid, uint64_t epoch) {
    Add("leader", sid == 0 ? "none" : fmt::format("server {}", sid));
    Add("epoch", sid == 0 ? "-" : fmt::format("{}", epoch));
  }
  // Syncs reports every sync decision since the last call, per learner, in order, with
  // the moment of each (see SyncRecord), which the report weighs when the modes differ.
  void Syncs(const std::vector<SyncRecord>& syncs, uint32_t servers) {
    for (uint32_t sid = 1; sid <= servers; ++sid) {
      std::string modes;
      std::vector<SyncRecord> mine;
      for (const SyncRecord& r : syncs) {
        if (r.learner != sid) continue;
        if (!modes.empty()) modes += ",";
        modes += r.mode;
        mine.push_back(r);
      }
      if (modes.empty()) continue;
      Add(fmt::format("sync of learner {}", sid), modes, Compare::kSyncTiming);
      out_.back().syncs = std::move(mine);
    }
  }
  // Server: mode is leading, following, looking or down; zxid is empty unless serving.
  // A follower whose last zxid is an epoch's start (counter 0: 0x0, 0x100000000, ...)
  // has applied no txn since it synced, and which start it reports depends on whether it
  // synced before the leader was established (it keeps its own last zxid) or after (it
  // takes the leader's, (epoch, 0), from a SNAP): timing, which the report allows for.
  void Server(uint32_t sid, std::string_view mode, std::string_view zxid) {
    Add(fmt::format("server {} mode", sid), std::string(mode));
    Add(fmt::format("server {} last zxid", sid), zxid.empty() ? "-" : std::string(zxid),
        mode == "following" && IsEpochStart(zxid) ? Compare::kEpochStart : Compare::kExact);
  }
  // IsEpochStart: a zxid as srvr prints it whose counter (low 32 bits) is 0.
  static bool IsEpochStart(std::string_view zxid) {
    return zxid == "0x0" || (zxid.size() > 10 && zxid.starts_with("0x") && zxid.ends_with("00000000"));
  }
  const Observations& observations() const { return out_; }

 private:
  int seq_ = 0;
  int line_ = 0;
  std::string step_;
  Observations out_;
};

}  // namespace zabsim::conform

#endif  // ZABSIM_CONFORM_OBSERVATION_H_

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
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace zabsim::conform {

struct Observation {
  // Which step made it: both sides count their steps alike, one per command of the plan
  // and one for the end. The line alone would not do: the commands of a repeat block
  // share theirs.
  int seq = 0;
  int line = 0;        // The scenario line of the step; 0 for the end of the run.
  std::string step;    // The step's command ("run until=converged"), or "end".
  std::string what;    // "leader", "server 2 mode", "c1 create /a", ...
  std::string value;   // "server 3", "following", "OK 0x100000002", ...
  bool asserted = true;
};

using Observations = std::vector<Observation>;

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
};

// Observer builds a side's observations step by step, with the words both sides share.
class Observer {
 public:
  void Step(int line, std::string step) {
    ++seq_;
    line_ = line;
    step_ = std::move(step);
  }
  void Add(std::string what, std::string value, bool asserted = true) {
    out_.push_back(Observation{seq_, line_, step_, std::move(what), std::move(value), asserted});
  }
  void Leader(uint32_t sid, uint64_t epoch) {
    Add("leader", sid == 0 ? "none" : fmt::format("server {}", sid));
    Add("epoch", sid == 0 ? "-" : fmt::format("{}", epoch));
  }
  // Syncs reports every sync decision since the last call, per learner, in order. Those
  // made while an epoch was being formed are reported, not asserted (see SyncRecord).
  void Syncs(const std::vector<SyncRecord>& syncs, uint32_t servers) {
    for (uint32_t sid = 1; sid <= servers; ++sid) {
      std::string modes;
      bool asserted = true;
      for (const SyncRecord& r : syncs) {
        if (r.learner != sid) continue;
        if (!modes.empty()) modes += ",";
        modes += r.mode;
        asserted = asserted && r.established;
      }
      if (!modes.empty()) Add(fmt::format("sync of learner {}", sid), modes, asserted);
    }
  }
  // Server: mode is leading, following, looking or down; zxid is empty unless serving.
  // A follower whose last zxid is an epoch's start (counter 0: 0x0, 0x100000000, ...)
  // has applied no txn since it synced, and which start it reports depends on whether it
  // synced before the leader was established (it keeps its own last zxid) or after (it
  // takes the leader's, (epoch, 0), from a SNAP): timing, so it is reported only.
  void Server(uint32_t sid, std::string_view mode, std::string_view zxid) {
    Add(fmt::format("server {} mode", sid), std::string(mode));
    const bool epoch_start = zxid.size() > 2 && (zxid == "0x0" || zxid.substr(zxid.size() - 8) == "00000000");
    Add(fmt::format("server {} last zxid", sid), zxid.empty() ? "-" : std::string(zxid),
        !(mode == "following" && epoch_start));
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

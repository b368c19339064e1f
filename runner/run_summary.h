// File: runner/run_summary.h
//
// What a run did, gathered from the cluster's events: leaders by epoch, elections,
// txns committed, client operations by outcome, servers that halted, and two agreement
// checks that watch every event (the full checker suite is docs/invariants.md):
//  - at most one leader is established per epoch;
//  - two servers that applied the same zxid hold the same tree digest after it.

#ifndef ZABSIM_RUNNER_RUN_SUMMARY_H_
#define ZABSIM_RUNNER_RUN_SUMMARY_H_

#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "runner/cluster.h"

namespace zabsim::runner {

// Verdict is what one check concluded: it held when `violations` is empty.
struct Verdict {
  std::string check;
  std::vector<std::string> violations;
};

class RunSummary {
 public:
  explicit RunSummary(Cluster& cluster);

  // The names of the checks, as verdicts and trace files use them.
  static constexpr std::string_view kOneLeaderPerEpoch = "one-leader-per-epoch";
  static constexpr std::string_view kDigestAgreement = "digest-agreement";
  // The world stopped the run because events piled up (sim::World::stopped).
  static constexpr std::string_view kBoundedEvents = "bounded-events";

  // violations lists every check's violations, in the order they were found, then the
  // world's stop, if it stopped.
  std::vector<std::string> violations() const;
  std::vector<Verdict> verdicts() const;
  uint64_t committed() const { return committed_.size(); }
  uint64_t elections() const { return elections_; }
  const std::map<uint32_t, uint32_t>& leaders() const { return leaders_; }  // epoch -> sid
  uint64_t ops_ok() const { return ops_ok_; }
  uint64_t ops_failed() const { return ops_failed_; }
  uint64_t ops_indeterminate() const { return ops_indeterminate_; }

  void Print(std::FILE* out);

 private:
  void OnEvent(const EventRecord& r);
  // StopViolation describes the world's stop, or is empty.
  std::string StopViolation() const;

  Cluster& cluster_;
  std::map<uint32_t, uint32_t> leaders_;             // Epoch -> sid established.
  std::map<uint32_t, sim::Time> established_at_;     // Epoch -> time.
  std::set<zab::Zxid> committed_;
  std::map<zab::Zxid, std::pair<uint64_t, uint32_t>> digests_;  // Zxid -> (digest, sid).
  uint64_t elections_ = 0;
  uint64_t ops_ok_ = 0;
  uint64_t ops_failed_ = 0;
  uint64_t ops_indeterminate_ = 0;
  std::vector<std::string> halts_;
  std::vector<std::string> violations_;
  std::vector<std::string_view> violated_check_;  // Parallel to violations_.
};

}  // namespace zabsim::runner

#endif  // ZABSIM_RUNNER_RUN_SUMMARY_H_

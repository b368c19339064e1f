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
#include <vector>

#include "runner/cluster.h"

namespace zabsim::runner {

class RunSummary {
 public:
  explicit RunSummary(Cluster& cluster);

  const std::vector<std::string>& violations() const { return violations_; }
  uint64_t committed() const { return committed_.size(); }
  uint64_t elections() const { return elections_; }
  const std::map<uint32_t, uint32_t>& leaders() const { return leaders_; }  // epoch -> sid
  uint64_t ops_ok() const { return ops_ok_; }
  uint64_t ops_failed() const { return ops_failed_; }
  uint64_t ops_indeterminate() const { return ops_indeterminate_; }

  void Print(std::FILE* out);

 private:
  void OnEvent(const EventRecord& r);

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
};

}  // namespace zabsim::runner

#endif  // ZABSIM_RUNNER_RUN_SUMMARY_H_

// File: runner/run_summary.h
//
// What a run did, gathered from the cluster's events: leaders by epoch, elections,
// txns committed, client operations by outcome, servers that halted, and the verdicts of
// the safety checker (zab/checkers/safety.h, docs/invariants.md), which watches every
// event as it happens, of the client-history checker (zab/checkers/linearizability.h),
// whose linearizability search runs over the whole history when a verdict is first
// asked for, plus the world's own bound on pending events.

#ifndef ZABSIM_RUNNER_RUN_SUMMARY_H_
#define ZABSIM_RUNNER_RUN_SUMMARY_H_

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "runner/cluster.h"
#include "zab/checkers/linearizability.h"
#include "zab/checkers/safety.h"

namespace zabsim::runner {

// Verdict is what one check concluded: it held when `violations` is empty.
struct Verdict {
  std::string check;
  std::vector<std::string> violations;
  // known names the real ZooKeeper issue that every one of the violations is, when they
  // all are one that ZooKeeper itself is known to show (run_summary.cc) and this is the only
  // check of the run's safety and client-history checks that failed; else it is empty.
  std::string known = {};
};


class RunSummary {
 public:
  // history_step_budget bounds the linearizability search (a key it cannot decide within
  // its share is reported as unknown, which is not a failure).
  explicit RunSummary(Cluster& cluster,
                      uint64_t history_step_budget =
                          zab::checkers::ClientHistoryChecker::kDefaultStepBudget);

  // The world stopped the run because events piled up (sim::World::stopped).
  static constexpr std::string_view kBoundedEvents = "bounded-events";

  // violations lists every check's violations, in the order they were found, each as
  // "TIME: [check] detail (trace record N)", then the world's stop, if it stopped.
  // The client-history checks cover the events so far: asking again after more events
  // searches again.
  std::vector<std::string> violations() const;
  std::vector<Verdict> verdicts() const;
  // unknown_keys: the keys the linearizability search could not decide within its budget.
  std::vector<std::string> unknown_keys() const;
  uint64_t committed() const { return safety_.committed(); }
  uint64_t elections() const { return elections_; }
  const std::map<uint32_t, uint32_t>& leaders() const { return safety_.leaders(); }  // epoch -> sid
  uint64_t ops_ok() const { return ops_ok_; }
  uint64_t ops_failed() const { return ops_failed_; }
  uint64_t ops_indeterminate() const { return ops_indeterminate_; }

  // CheckConverged: if the ensemble has converged and is quiet (every live tree holds
  // the same txns as the leader's), every txn it owes must be in every live tree
  // (committed-applied, SafetyChecker::CheckConverged). The end of a run calls it.
  void CheckConverged();

  void Print(std::FILE* out);

 private:
  void OnEvent(const EventRecord& r);
  // StopViolation describes the world's stop, or is empty.
  std::string StopViolation() const;
  static std::string Describe(const zab::checkers::Violation& v);
  // History runs the client-history search if events came since it last ran, and returns
  // the checker. It is const because it only computes what the events already decide.
  const zab::checkers::ClientHistoryChecker& History() const;
  // AllViolations: the safety checker's, then the client-history checker's.
  std::vector<zab::checkers::Violation> AllViolations() const;
  static constexpr size_t kMaxPrinted = 20;  // Violations printed by Print; all are in verdicts.

  Cluster& cluster_;
  zab::checkers::SafetyChecker safety_;
  // Mutable: fed by OnEvent, searched lazily (Finish is idempotent) by the const getters.
  mutable zab::checkers::ClientHistoryChecker history_;
  uint64_t history_step_budget_;
  std::map<uint32_t, sim::Time> established_at_;  // Epoch -> when its first leader was.
  uint64_t elections_ = 0;
  uint64_t ops_ok_ = 0;
  uint64_t ops_failed_ = 0;
  uint64_t ops_indeterminate_ = 0;
  std::vector<std::string> halts_;
};

}  // namespace zabsim::runner

#endif  // ZABSIM_RUNNER_RUN_SUMMARY_H_

// File: runner/check.h
//
// A check of one's own over ZAB runs, next to the built-in ones (docs/invariants.md):
// it sees every server and client event in the order they happened, and its verdict
// joins the run's. This is the entry point for adding a checker without forking zabsim
// (docs/embedding.md, examples/own-check/).
//
//   class FewLeaders : public runner::Check {
//     std::string name() const override { return "few-leaders"; }
//     void OnEvent(const runner::EventRecord& r) override { ... }
//     std::vector<std::string> violations() const override { return violations_; }
//   };
//   auto run = runner::SimRun::Create(spec);
//   (*run)->AddCheck(std::make_unique<FewLeaders>());
//   (*run)->Run();
//   (*run)->ok();  // false if FewLeaders, or any built-in check, found a violation
//
// A check must be deterministic like everything else in a run: no clock, no randomness
// of its own, no iteration over unordered containers that decides what it reports.

#ifndef ZABSIM_RUNNER_CHECK_H_
#define ZABSIM_RUNNER_CHECK_H_

#include <string>
#include <vector>

#include "runner/cluster.h"

namespace zabsim::runner {

class Check {
 public:
  virtual ~Check() = default;

  // name is the check's stable name in verdicts and reports: lower-case words joined by
  // '-', like "one-leader-per-epoch".
  virtual std::string name() const = 0;
  // OnEvent sees each server and client event as it happens (EventRecord: the time, the
  // process, the zab::Event). The check may keep what it needs and report at once.
  virtual void OnEvent(const EventRecord& record) = 0;
  // Finish is called once when the run ends, with the cluster as it then is (to compare
  // the servers' final states, say).
  virtual void Finish(Cluster& cluster) { static_cast<void>(cluster); }
  // violations: one line each, saying what broke, where and when; empty while it holds.
  virtual std::vector<std::string> violations() const = 0;
};

}  // namespace zabsim::runner

#endif  // ZABSIM_RUNNER_CHECK_H_

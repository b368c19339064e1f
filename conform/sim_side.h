// File: conform/sim_side.h
//
// The zabsim side of a conformance run: the scenario's directives run through the
// scenario runner (runner/scenario/runner.h), exactly as `zabsim run` would run them, and
// after each step the simulated ensemble is observed in the words of observation.h.

#ifndef ZABSIM_CONFORM_SIM_SIDE_H_
#define ZABSIM_CONFORM_SIM_SIDE_H_

#include "absl/status/statusor.h"
#include "conform/observation.h"
#include "conform/plan.h"
#include "conform/restarts.h"
#include "runner/scenario/parser.h"
#include "zab/config.h"
#include "zab/releases.h"

namespace zabsim::conform {

// Sessions says, per step, which clients (1-based) opened their session during it in
// zabsim: before the step's own operation, or after it. A zabsim client opens its session
// (a createSession txn) as soon as a server of its serves, whether or not it has an
// operation to run; the real side opens the same sessions at the same points, so that
// both sides number every later txn alike.
struct Sessions {
  std::vector<std::vector<uint32_t>> before;  // Per step.
  std::vector<std::vector<uint32_t>> after;   // Per step.
};

struct SimSide {
  Observations observations;
  Sessions sessions;
  StepFacts facts;  // Which steps took no simulated time; the votes of restarted servers.
};

// `release` is the real server's release, with the switches of zabsim conform --bug and
// --fix: a switch shows that the comparison catches a protocol that is not ZooKeeper's.
absl::StatusOr<SimSide> RunSimSide(const runner::scenario::ScenarioFile& file, const Plan& plan,
                                   const zab::ReleaseChoice& release);

}  // namespace zabsim::conform

#endif  // ZABSIM_CONFORM_SIM_SIDE_H_

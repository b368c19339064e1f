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
#include "runner/scenario/parser.h"

namespace zabsim::conform {

absl::StatusOr<Observations> RunSimSide(const runner::scenario::ScenarioFile& file, const Plan& plan);

}  // namespace zabsim::conform

#endif  // ZABSIM_CONFORM_SIM_SIDE_H_

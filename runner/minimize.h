// File: runner/minimize.h
//
// From a failing run to a small scenario file a person can read and replay.
//
// ScenarioFor writes a run spec (runner/sim_run.h) as a scenario file
// (docs/scenarios.md): the `cluster` line with every setting that is not the default,
// each fault as its own command at its time, the liveness check where the faults end
// (if the spec has one), the quiet time, and a final `check`. Both checks expect
// `checks: ok`, so that `zabsim run` fails on the file exactly when the run breaks a
// check; `--rewrite` turns it into a bug demonstration.
//
// Minimize shrinks a failing spec while the scenario still fails with the same check:
// first the faults (delta debugging: drop halves, then quarters, ... then single faults),
// then the clients and their operations, then the faults once more. Then, within a
// budget of runs, it shortens the file itself (runner/minimize_passes.h): a fault and
// the one that ends it go together, faults move onto each other's times, and the
// liveness check goes when another check is kept; these repeat, with ddmin, until none
// keeps anything. A file still over 30 commands is shrunk once more from `failing`, the
// workload first, and the shorter file is kept (which order does better is luck, as
// most failures hang on timing). Every candidate is judged by running its scenario file
// (its commands, without outputs, which decide nothing about the run), so the file it
// returns fails when run with `zabsim run`. Each step is a whole run: shrinking costs
// runs, not cleverness. No clock or random draw steers it: the same failing spec
// shrinks to the same file.

#ifndef ZABSIM_RUNNER_MINIMIZE_H_
#define ZABSIM_RUNNER_MINIMIZE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "runner/sim_run.h"

namespace zabsim::runner {

// ScenarioFor writes `spec` as a scenario file, `comment` (lines without '#') on top.
std::string ScenarioFor(const SimSpec& spec, std::string_view comment);

// ScenarioCommands lists the commands ScenarioFor writes for `spec`, in order, without
// their outputs; Minimized::steps counts them.
std::vector<std::string> ScenarioCommands(const SimSpec& spec);

// ScenarioChecks runs a scenario file's text and names the checks its unexpected
// violations break ("liveness", "bounded-events", "digest-agreement", ...), or the
// file's error as "error: ...".
std::vector<std::string> ScenarioChecks(std::string_view text);

// CheckOfViolation reads the check's name out of a violation report ("TIME: [NAME] ..."),
// "bounded-events" for the world's stop, "liveness" for a liveness verdict.
std::string CheckOfViolation(std::string_view violation);

struct Minimized {
  bool reproduced = false;  // The unshrunk spec's scenario failed with `check` at all.
  std::string check;        // The check the result still breaks.
  SimSpec spec;             // The smallest failing spec found.
  std::string scenario;     // Its scenario file.
  uint32_t runs = 0;        // Candidates tried.
  size_t faults_before = 0;
  uint64_t ops_before = 0;
  uint32_t clients_before = 0;
  // Steps counts the scenario's commands.
  size_t steps = 0;
};

// Minimize shrinks `failing`, which breaks `check` when run as `zabsim sim` does (pass
// the first of SimRun::FailedChecks()). `progress`, if set, is told of each candidate
// that still fails. `comment` heads the scenario file.
Minimized Minimize(const SimSpec& failing, std::string_view check, std::string_view comment,
                   const std::function<void(const Minimized&)>& progress = nullptr);

}  // namespace zabsim::runner

#endif  // ZABSIM_RUNNER_MINIMIZE_H_

// File: runner/scenario/fault_commands.h
//
// The faults of the scenario language (docs/scenarios.md, "Faults"). A fault command
// is the world's fault of the same name, its words the fault's written arguments:
// `crash 2`, `delay 1>2 50ms 3s`; `role-restart SERVER` is the process-defined signal
// that restarts a server's role (runner/processes.h). The words become a typed
// sim::Fault at once, never a text to parse again.

#ifndef ZABSIM_RUNNER_SCENARIO_FAULT_COMMANDS_H_
#define ZABSIM_RUNNER_SCENARIO_FAULT_COMMANDS_H_

#include <span>
#include <string_view>

#include "absl/status/statusor.h"
#include "sim/fault.h"

namespace zabsim::runner::scenario {

// ReadFaultCommand builds the fault of the command `name` (a fault's name, or
// role-restart) from its bare words. An error reads as sim::ReadFault's, "fault 'crash x':
// expected a process number, found 'x'"; the caller locates it in the file.
// REQUIRES: `name` is the name of a fault command of the table of commands.
absl::StatusOr<sim::Fault> ReadFaultCommand(std::string_view name,
                                            std::span<const std::string_view> words);

}  // namespace zabsim::runner::scenario

#endif  // ZABSIM_RUNNER_SCENARIO_FAULT_COMMANDS_H_

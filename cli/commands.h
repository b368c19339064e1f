// File: cli/commands.h
//
// The zabsim subcommands. Each takes its arguments (after the command name) and returns
// the process exit code: 0 success, 1 a failed check or mismatch, 2 a usage error.

#ifndef ZABSIM_CLI_COMMANDS_H_
#define ZABSIM_CLI_COMMANDS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace zabsim::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// Usage prints a usage error (a bad flag or setting) to standard error and returns
// kExitUsage; Fail makes one from its message.
int Usage(const absl::Status& status);
absl::Status Fail(std::string message);

int RunDemo(const std::vector<std::string>& args);
int RunSim(const std::vector<std::string>& args);
int RunBugs(const std::vector<std::string>& args);
int RunRun(const std::vector<std::string>& args);
int RunSweep(const std::vector<std::string>& args);
int RunHunt(const std::vector<std::string>& args);
int RunConform(const std::vector<std::string>& args);

}  // namespace zabsim::cli

#endif  // ZABSIM_CLI_COMMANDS_H_

// File: cli/commands.h
//
// The zabsim subcommands. Each takes its arguments (after the command name) and returns
// the process exit code: 0 success, 1 a failed check or mismatch, 2 a usage error.

#ifndef ZABSIM_CLI_COMMANDS_H_
#define ZABSIM_CLI_COMMANDS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace zabsim::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// The release in which the deprecated spellings of flags (FlagSet::AddDeprecated) go.
inline constexpr std::string_view kDeprecatedUntil = "0.3";

// Usage prints a usage error (a bad flag or setting) to standard error and returns
// kExitUsage; Fail makes one from its message.
int Usage(const absl::Status& status);
absl::Status Fail(std::string message);

class FlagSet;
// ParseCommand parses a command's arguments into `flags`. It returns the exit code when
// the command ends there (a usage error, printed; or --help, the help printed), nullopt
// when the command goes on:  if (auto done = ParseCommand(flags, args)) return *done;
std::optional<int> ParseCommand(FlagSet& flags, const std::vector<std::string>& args);

int RunDemo(const std::vector<std::string>& args);
int RunSim(const std::vector<std::string>& args);
int RunBugs(const std::vector<std::string>& args);
int RunRun(const std::vector<std::string>& args);
int RunSweep(const std::vector<std::string>& args);
int RunHunt(const std::vector<std::string>& args);
int RunConform(const std::vector<std::string>& args);
int RunExplore(const std::vector<std::string>& args);

}  // namespace zabsim::cli

#endif  // ZABSIM_CLI_COMMANDS_H_

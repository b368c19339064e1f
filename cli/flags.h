// File: cli/flags.h
//
// A small, strict flag parser for zabsim's subcommands. Each command declares its flags;
// anything else is an error (exit 2), so no flag is ever silently ignored, and the help
// text is generated from the same declarations, so it cannot drift from what is parsed.
//
// Abseil's flags are process-global: every command would accept every other command's
// flags without complaint. That is why zabsim has its own parser.
//
//   FlagSet flags("demo", "zabsim demo [flags]", "Run the toy world.");
//   flags.Add("seed", "N", "1", "root seed");
//   flags.AddBool("quiet", "print only the fingerprint");
//   if (absl::Status s = flags.Parse(args); !s.ok()) ...   // args exclude the command name
//   absl::StatusOr<uint64_t> seed = flags.GetUint("seed", 0, UINT64_MAX);

#ifndef ZABSIM_CLI_FLAGS_H_
#define ZABSIM_CLI_FLAGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/time.h"

namespace zabsim::cli {

class FlagSet {
 public:
  FlagSet(std::string command, std::string synopsis, std::string summary);

  // Add declares --name=VALUE with a default (empty: no default).
  void Add(std::string name, std::string value_name, std::string default_value,
           std::string help);
  // AddRepeated declares --name=VALUE that may be given several times.
  void AddRepeated(std::string name, std::string value_name, std::string help);
  // AddBool declares --name (no value; --name=true/false also accepted).
  void AddBool(std::string name, std::string help);
  // AddDeprecated declares an old spelling --name=VALUE, still accepted for one release:
  // its use prints "say INSTEAD" (ParseCommand), and the help lists it apart.
  void AddDeprecated(std::string name, std::string value_name, std::string instead);
  void AddExample(std::string example);
  // AddNote adds a paragraph at the end of the help text.
  void AddNote(std::string note);
  // AllowPositional lets the command take operands (e.g. files), described as `what`.
  void AllowPositional(std::string what);

  // Parse reads args (without the program and command names). "--help" sets help().
  [[nodiscard]] absl::Status Parse(const std::vector<std::string>& args);

  bool help() const { return help_; }
  bool IsSet(std::string_view name) const;
  bool Declares(std::string_view name) const { return Find(name) != nullptr; }
  std::string Get(std::string_view name) const;
  std::vector<std::string> GetAll(std::string_view name) const;
  bool GetBool(std::string_view name) const;
  // Typed readers: errors name the flag and the value.
  absl::StatusOr<uint64_t> GetUint(std::string_view name, uint64_t min, uint64_t max) const;
  absl::StatusOr<sim::Duration> GetDuration(std::string_view name) const;
  // GetRange reads "A..B" (or "A", one value) of whole numbers, A <= B.
  absl::StatusOr<std::pair<uint64_t, uint64_t>> GetRange(std::string_view name) const;
  // Deprecations: a line for each deprecated flag that was given.
  std::vector<std::string> Deprecations() const;
  const std::vector<std::string>& positional() const { return positional_; }

  std::string Help() const;
  const std::string& command() const { return command_; }

 private:
  struct Flag {
    std::string name;
    std::string value_name;  // Empty for booleans.
    std::string default_value;
    std::string help;
    bool repeated = false;
    std::vector<std::string> values;
    std::string instead = {};  // Set for a deprecated spelling: what to say now.
  };
  const Flag* Find(std::string_view name) const;
  Flag* Find(std::string_view name);

  std::string command_;
  std::string synopsis_;
  std::string summary_;
  std::vector<Flag> flags_;
  std::vector<std::string> examples_;
  std::vector<std::string> notes_;
  std::string positional_what_;
  std::vector<std::string> positional_;
  bool help_ = false;
};

// WholeNumber reads a whole number of at most 19 digits, or nothing.
std::optional<uint64_t> WholeNumber(std::string_view s);

}  // namespace zabsim::cli

#endif  // ZABSIM_CLI_FLAGS_H_

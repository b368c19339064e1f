// File: runner/scenario/parser.h
//
// Scenario files, in the spirit of etcd-raft's datadriven tests:
//
//   # What this scenario teaches, in a paragraph of comments.
//
//   cluster voters=3 clients=1
//   ----
//   cluster: 3 voters, 0 observers, 1 client, seed 1
//
//   run until=leader
//   ----
//     0.209 3 LEADING epoch=1
//
// A command is one line: a name, then arguments, each either `key=value` or a bare word.
// It is followed by a line `----` and its expected output, which ends at the first blank
// line (or the end of the file). Lines starting with `#` between commands are comments.
// Outputs never contain blank lines.
//
// The parser keeps the position of every piece, so that errors name the file, line and
// column, and so that --rewrite can replace exactly the expected outputs.

#ifndef ZABSIM_RUNNER_SCENARIO_PARSER_H_
#define ZABSIM_RUNNER_SCENARIO_PARSER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace zabsim::runner::scenario {

struct Arg {
  std::string key;    // Empty for a bare word.
  std::string value;  // The word itself for a bare word.
  int column = 0;     // 1-based column of the argument's first character.
};

struct Directive {
  int line = 0;  // 1-based line of the command.
  std::string name;
  std::vector<Arg> args;
  std::vector<std::string> expected;
  // Lines [output_begin, output_end) of the file (0-based) hold the expected output.
  int output_begin = 0;
  int output_end = 0;
};

struct ScenarioFile {
  std::string path;
  std::vector<std::string> lines;  // The file, line by line.
  std::vector<Directive> directives;
};

// Parse reads a scenario. Errors read "PATH:LINE:COLUMN: what was expected, what was found".
absl::StatusOr<ScenarioFile> Parse(std::string_view path, std::string_view content);

// Rewrite returns the file with each directive's expected output replaced by `outputs`
// (one entry per directive), keeping every other line as it was.
std::string Rewrite(const ScenarioFile& file, const std::vector<std::vector<std::string>>& outputs);

// Location formats "PATH:LINE:COLUMN" for messages.
std::string Location(const ScenarioFile& file, int line, int column);

}  // namespace zabsim::runner::scenario

#endif  // ZABSIM_RUNNER_SCENARIO_PARSER_H_

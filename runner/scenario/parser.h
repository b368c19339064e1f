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
//   expect 3 role=LEADING
//
//   repeat 3 as=i {
//     set 1 /k$i v$i
//   }
//
// A command is one line: a name, then arguments, each either `key=value` or a bare word.
// A command followed by a line `----` has its output frozen: the lines after it, up to
// the first blank line (or the end of the file), are the output it must print. A command
// with no `----` runs but its output is not compared (`expect` checks instead, and the
// commands of a `repeat` block are many). Lines starting with `#` between commands are
// comments. Outputs never contain blank lines.
//
// `repeat N [as=NAME] {` ... `}` runs the commands between the braces N times; blocks
// nest. It is expanded here, once: every consumer of a parsed file (the runner, zabsim
// conform) sees the flat list of commands, each with its loop variables replaced.
// `$NAME` words that name no loop variable are left for the runner (captures).
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

// The bounds of a file once its repeat blocks are expanded: as many commands as a file
// may have lines, and a bound on their text, so that a few lines never ask for more
// memory than the largest file would.
inline constexpr uint64_t kMaxRepeat = 100000;
inline constexpr size_t kMaxCommands = 100000;
inline constexpr size_t kMaxCommandBytes = size_t{16} << 20;

struct Arg {
  std::string key;    // Empty for a bare word.
  std::string value;  // The word itself for a bare word.
  int column = 0;     // 1-based column of the argument's first character.
};

struct Directive {
  int line = 0;  // 1-based line of the command.
  // 1-based column of the command name: 1, except for the command an `on` directive
  // arms (`on 3 sends NEWLEADER do crash 3`), which the runner reads as a directive of
  // its own, at its place in the line, so that its errors point into the line.
  int column = 1;
  std::string name;
  std::vector<Arg> args;
  // Whether a `----` block follows the command: only then is its output compared with
  // `expected`, and written back by --rewrite.
  bool frozen = false;
  std::vector<std::string> expected;
  // Lines [output_begin, output_end) of the file (0-based) hold the expected output.
  int output_begin = 0;
  int output_end = 0;
  // A command of a repeat block: its loop variables, "i=3" or "i=2 j=7"; else empty.
  std::string loop;
};

struct ScenarioFile {
  std::string path;
  std::vector<std::string> lines;  // The file, line by line.
  std::vector<Directive> directives;  // Repeat blocks expanded.
};

// Parse reads a scenario. Errors read "PATH:LINE:COLUMN: what was expected, what was found".
absl::StatusOr<ScenarioFile> Parse(std::string_view path, std::string_view content);

// How the parser sees a line of a file: blank (spaces, tabs and CRs only), a comment
// (its first non-blank character '#'), and its text without the spaces and tabs around it.
bool IsBlank(std::string_view line);
bool IsComment(std::string_view line);
std::string_view Trimmed(std::string_view line);

// Rewrite returns the file with each frozen directive's expected output replaced by
// `outputs` (one entry per directive, frozen or not), keeping every other line as it was.
std::string Rewrite(const ScenarioFile& file, const std::vector<std::vector<std::string>>& outputs);

// Location formats "PATH:LINE:COLUMN" for messages.
std::string Location(const ScenarioFile& file, int line, int column);

// CommandText is the directive's command line as it ran: the file's line, or for a
// command of a repeat block, its words with the loop variables replaced.
std::string CommandText(const ScenarioFile& file, const Directive& d);

// IsName: a capture or loop variable name, a letter then letters, digits or '_'.
bool IsName(std::string_view name);
// NameLength is the length of the name that starts `text` (0 if none).
size_t NameLength(std::string_view text);

}  // namespace zabsim::runner::scenario

#endif  // ZABSIM_RUNNER_SCENARIO_PARSER_H_

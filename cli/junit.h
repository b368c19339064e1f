// File: cli/junit.h
//
// JUnit XML reports for `zabsim run`, `sweep` and `hunt` (--junit FILE), which CI systems
// show as test results (docs/ci.md): one <testcase> per scenario file, seed or hunt, and
// for each that failed a <failure> whose message is the first violation (or mismatch)
// and whose text ends with the command that replays it.
//
// The file is JUnit as Jenkins, GitLab and GitHub's test reporters read it
// (tests/cli/junit.xsd): <testsuites> holding one <testsuite>. Test cases are written
// to a temporary file as they come, so a million seeds take no memory; Commit writes the
// whole report through runner::OutputFile, replacing an existing file only by a
// complete new one. The suite's `time` (wall seconds) is the only value that depends on
// the machine.

#ifndef ZABSIM_CLI_JUNIT_H_
#define ZABSIM_CLI_JUNIT_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cli/flags.h"
#include "runner/output_file.h"

namespace zabsim::cli {

class JUnitReport {
 public:
  // Open starts the report of suite `suite` (e.g. "zabsim sweep"), to be written to `path`
  // by Commit; nothing at `path` changes before.
  static absl::StatusOr<std::unique_ptr<JUnitReport>> Open(const std::string& path, std::string suite);
  ~JUnitReport();
  JUnitReport(const JUnitReport&) = delete;
  JUnitReport& operator=(const JUnitReport&) = delete;

  // Pass records a test case that passed; `output`, if any, becomes its <system-out>.
  void Pass(std::string_view classname, std::string_view name, std::string_view output = {});
  // Fail records a failed one: `type` is the check that failed, `message` its first
  // violation (one line), `detail` the rest, ending with the replay command.
  void Fail(std::string_view classname, std::string_view name, std::string_view type,
            std::string_view message, std::string_view detail);
  // Error records one that could not run (a file that does not parse).
  void Error(std::string_view classname, std::string_view name, std::string_view message);

  // Commit writes the report, with the wall time the suite took. Called once.
  absl::Status Commit(double seconds);

  uint64_t tests() const { return tests_; }

 private:
  JUnitReport(std::unique_ptr<runner::OutputFile> out, std::string suite, std::FILE* body)
      : out_(std::move(out)), suite_(std::move(suite)), body_(body) {}
  void Case(std::string_view classname, std::string_view name, std::string_view inner);

  std::unique_ptr<runner::OutputFile> out_;
  std::string suite_;
  std::FILE* body_;  // The test cases so far (an unnamed temporary file).
  uint64_t tests_ = 0;
  uint64_t failures_ = 0;
  uint64_t errors_ = 0;
};

// AddJUnitFlag declares --junit FILE; OpenJUnit opens the report if it was given (null
// otherwise), an error naming the command and the file if it cannot be.
void AddJUnitFlag(FlagSet& flags);
absl::StatusOr<std::unique_ptr<JUnitReport>> OpenJUnit(const FlagSet& flags, std::string_view command);

// XmlText escapes `s` for an XML attribute (or, with attribute false, for element text,
// where line breaks and tabs stay as they are): markup characters become entities,
// control characters XML cannot hold become U+FFFD, and so do bytes that are not UTF-8.
std::string XmlText(std::string_view s, bool attribute = true);

}  // namespace zabsim::cli

#endif  // ZABSIM_CLI_JUNIT_H_

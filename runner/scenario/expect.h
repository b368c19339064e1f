// File: runner/scenario/expect.h
//
// `expect`: a claim about the run at this point, checked without freezing any output.
//
//   expect 2 role=FOLLOWING phase=BROADCAST current=2 /x=v1 !/y logs=$w applied>=$w
//   expect epoch=2 leader=1
//   expect w code=OK
//
// The subject comes first: a server (its number), an epoch (`epoch=N`), or a capture (a
// name given by `as=`, see captures.h). Each check after it must hold; a leading `!`
// negates one. A check that does not hold is a failure (the file fails, exit 1), which
// says what was expected and what was found; a malformed one is an error (exit 2).
// docs/scenarios.md lists the checks.

#ifndef ZABSIM_RUNNER_SCENARIO_EXPECT_H_
#define ZABSIM_RUNNER_SCENARIO_EXPECT_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "runner/cluster.h"
#include "runner/scenario/captures.h"
#include "runner/scenario/parser.h"

namespace zabsim::runner::scenario {

// What an expectation may look at. `leaders` lists, per epoch, the servers that
// established it, in order (one, unless a check has failed).
struct ExpectView {
  runner::Cluster& cluster;
  const Captures& captures;
  const std::map<uint64_t, std::vector<uint32_t>>& leaders;
};

// Expect checks `d`, whose `$NAME`s are replaced; `written` is the same directive as the
// file writes it, for messages. Each failed check appends "PATH:LINE:COLUMN: expect
// SUBJECT: expected ..., found ..." to `failures`.
absl::Status Expect(const ScenarioFile& file, const Directive& written, const Directive& d,
                    const ExpectView& view, std::vector<std::string>& failures);

}  // namespace zabsim::runner::scenario

#endif  // ZABSIM_RUNNER_SCENARIO_EXPECT_H_

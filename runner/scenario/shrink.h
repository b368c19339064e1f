// File: runner/scenario/shrink.h
//
// Shrinking a failing scenario file: the fewest commands, and the smallest repeat counts,
// on which it still fails the same way. A command line is dropped, or a repeat block's
// count lowered, only if `still_fails` holds on the file without it; the rest of the
// file (comments, the first cluster line, repeat blocks' braces) is kept as written, so
// every candidate parses as the original did. A `swarm` is kept or dropped whole: its
// faults are drawn from the seed at run time, not written in the file.
//
//   Shrunk s = ShrinkScenario(text, [&](std::string_view t) { return FailsLikeSeed(t); }, 200);

#ifndef ZABSIM_RUNNER_SCENARIO_SHRINK_H_
#define ZABSIM_RUNNER_SCENARIO_SHRINK_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace zabsim::runner::scenario {

struct Shrunk {
  std::string text;            // The smallest failing file found (the input if none smaller).
  size_t commands_before = 0;  // Command lines, repeat headers and the cluster line included.
  size_t commands_after = 0;
  size_t runs = 0;  // Calls of still_fails.
};

// ShrinkScenario removes commands from `text` while `still_fails` holds, calling it at most
// `max_runs` times. REQUIRES: still_fails(text) holds (the caller checked it).
Shrunk ShrinkScenario(std::string_view text, const std::function<bool(std::string_view)>& still_fails,
                      size_t max_runs);

}  // namespace zabsim::runner::scenario

#endif  // ZABSIM_RUNNER_SCENARIO_SHRINK_H_

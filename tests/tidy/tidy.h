// File: tests/tidy/tidy.h
//
// The determinism ban-list, in the spirit of TigerBeetle's tidy check. The simulated
// world (sim/), the protocol (zab/) and the shared base (base/) must not read wall
// clocks, draw from unseeded or implementation-defined randomness, start threads, let
// hash-table order reach a run, or reach across the sim/zab boundary. Each rule is a
// textual check on the source with comments and string literals removed.

#ifndef ZABSIM_TESTS_TIDY_TIDY_H_
#define ZABSIM_TESTS_TIDY_TIDY_H_

#include <string>
#include <string_view>
#include <vector>

namespace zabsim::tidy {

struct Finding {
  std::string file;
  int line = 0;
  std::string rule;
  std::string text;
};

// Layer says which boundary rules apply to a file.
enum class Layer { kSim, kZab, kBase };

// Check returns every violation in one source file.
std::vector<Finding> Check(std::string_view file, std::string_view source, Layer layer);

// StripCommentsAndStrings blanks out comments and string/char literals, keeping line
// structure, so that prose about banned APIs never trips the check.
std::string StripCommentsAndStrings(std::string_view source);

}  // namespace zabsim::tidy

#endif  // ZABSIM_TESTS_TIDY_TIDY_H_

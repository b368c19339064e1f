// File: tests/tidy/tidy.h
//
// The determinism ban-list, in the spirit of TigerBeetle's tidy check. The simulated
// world (sim/), the protocol (zab/) and the shared base (base/) must not read wall
// clocks, draw from unseeded or implementation-defined randomness, start threads, let
// hash-table order reach a run, or reach across the sim/zab boundary. Each rule is a
// textual check on the source with comments and string literals removed.

#ifndef ZABSIM_TESTS_TIDY_TIDY_H_
#define ZABSIM_TESTS_TIDY_TIDY_H_

#include <set>
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

// HashContainerNames returns the names declared in `source` with an Abseil hash container
// type (flat/node hash map/set), which must never be iterated.
std::set<std::string> HashContainerNames(std::string_view source);

// Check returns every violation in one source file. `hash_names` adds hash-container
// names declared elsewhere (a member declared in a header, iterated in another file).
std::vector<Finding> Check(std::string_view file, std::string_view source, Layer layer,
                           const std::set<std::string>& hash_names = {});

// StripCommentsAndStrings blanks out comments and string/char literals, keeping line
// structure, so that prose about banned APIs never trips the check.
std::string StripCommentsAndStrings(std::string_view source);

}  // namespace zabsim::tidy

#endif  // ZABSIM_TESTS_TIDY_TIDY_H_

// File: fuzz/fuzz_check.h
//
// What the fuzz targets hold every input to. A broken promise aborts, so that libFuzzer
// (and the replay driver, under ctest) reports it like a crash, with the reason.

#ifndef ZABSIM_FUZZ_FUZZ_CHECK_H_
#define ZABSIM_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace zabsim::fuzz {

// The path the targets give their input: every error must start with it.
inline constexpr std::string_view kPath = "fuzz.scn";

[[noreturn]] inline void Fail(std::string_view what, std::string_view detail) {
  std::fprintf(stderr, "fuzz: %.*s\n%.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

inline void Require(bool ok, std::string_view what, std::string_view detail = {}) {
  if (!ok) Fail(what, detail);
}

// IsLocated: an error names where it is, "fuzz.scn:LINE:COLUMN: ...", with LINE and
// COLUMN at least 1 (docs/scenarios.md, "Errors").
inline bool IsLocated(std::string_view error) {
  if (error.substr(0, kPath.size()) != kPath) return false;
  size_t i = kPath.size();
  for (int part = 0; part < 2; ++part) {
    if (i >= error.size() || error[i] != ':') return false;
    ++i;
    const size_t digits = i;
    while (i < error.size() && error[i] >= '0' && error[i] <= '9') ++i;
    if (i == digits || error[digits] == '0') return false;
  }
  return error.substr(i, 2) == ": ";
}

}  // namespace zabsim::fuzz

#endif  // ZABSIM_FUZZ_FUZZ_CHECK_H_

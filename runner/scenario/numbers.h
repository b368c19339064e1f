// File: runner/scenario/numbers.h
//
// Zxids and epochs as scenario files write them: decimal, or lowercase hex after "0x"
// (0x100000003), any 64-bit value and no more. `run until=` and `expect` read them.

#ifndef ZABSIM_RUNNER_SCENARIO_NUMBERS_H_
#define ZABSIM_RUNNER_SCENARIO_NUMBERS_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace zabsim::runner::scenario {

inline std::optional<uint64_t> ParseNumber(std::string_view text) {
  const bool hex = text.substr(0, 2) == "0x";
  const uint64_t base = hex ? 16 : 10;
  if (hex) text.remove_prefix(2);
  if (text.empty()) return std::nullopt;
  uint64_t value = 0;
  for (const char c : text) {
    const int digit = c >= '0' && c <= '9'          ? c - '0'
                      : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                                                    : -1;
    // Uppercase hex is refused: zxids are printed in lowercase, and one spelling is
    // easier to search for.
    if (digit < 0 || value > (UINT64_MAX - static_cast<uint64_t>(digit)) / base)
      return std::nullopt;
    value = value * base + static_cast<uint64_t>(digit);
  }
  return value;
}

}  // namespace zabsim::runner::scenario

#endif  // ZABSIM_RUNNER_SCENARIO_NUMBERS_H_

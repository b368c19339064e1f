#include "sim/time.h"

#include <cstdlib>

#include <fmt/format.h>

#include "absl/status/status.h"

namespace zabsim::sim {
namespace {

struct Unit {
  std::string_view suffix;
  int64_t us;
};

// Longest suffixes first so that "ms" is not read as "s".
constexpr Unit kUnits[] = {{"us", 1}, {"ms", 1000}, {"s", 1000 * 1000}, {"m", 60 * 1000 * 1000}};

absl::Status Invalid(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(
      fmt::format("invalid duration '{}': {} (expected e.g. 250us, 2ms, 1.5s, 2m)", text, why));
}

}  // namespace

absl::StatusOr<Duration> ParseDuration(std::string_view text) {
  if (!text.empty() && text[0] == '-') return Invalid(text, "negative durations are not allowed");
  size_t digits_end = 0;
  while (digits_end < text.size() &&
         ((text[digits_end] >= '0' && text[digits_end] <= '9') || text[digits_end] == '.')) {
    ++digits_end;
  }
  const std::string_view number = text.substr(0, digits_end);
  const std::string_view suffix = text.substr(digits_end);
  if (number.empty()) return Invalid(text, "no number");
  const Unit* unit = nullptr;
  for (const Unit& u : kUnits) {
    if (suffix == u.suffix) unit = &u;
  }
  if (unit == nullptr) return Invalid(text, suffix.empty() ? "missing unit" : "unknown unit");

  // Exact decimal: integer part times unit plus fraction digits scaled by the unit.
  const size_t dot = number.find('.');
  const std::string_view whole = number.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : number.substr(dot + 1);
  if (fraction.find('.') != std::string_view::npos) return Invalid(text, "two decimal points");
  if (whole.empty() && fraction.empty()) return Invalid(text, "no digits");
  // At most kMaxDurationUs (about 31 years): every sum of a few durations, and any time
  // they are added to, still fits int64 without overflow.
  constexpr int64_t kMaxDurationUs = 1'000'000'000'000'000;
  if (whole.size() > 15) return Invalid(text, "too large (at most 31 years)");
  int64_t us = 0;
  for (const char c : whole) us = us * 10 + (c - '0');
  if (us > kMaxDurationUs / unit->us) return Invalid(text, "too large (at most 31 years)");
  us *= unit->us;
  int64_t scale = unit->us;
  for (const char c : fraction) {
    if (scale % 10 != 0) return Invalid(text, "finer than one microsecond");
    scale /= 10;
    us += (c - '0') * scale;
  }
  return Duration{us};
}

std::string FormatDuration(Duration d) {
  const int64_t us = d.us;
  const int64_t magnitude = us < 0 ? -us : us;
  if (magnitude != 0 && magnitude % 1000000 == 0) return fmt::format("{}s", us / 1000000);
  if (magnitude >= 1000000) {
    std::string s = fmt::format("{}{}.{:06}", us < 0 ? "-" : "", magnitude / 1000000,
                                magnitude % 1000000);
    while (s.back() == '0') s.pop_back();
    return s + "s";
  }
  if (magnitude != 0 && magnitude % 1000 == 0) return fmt::format("{}ms", us / 1000);
  return fmt::format("{}us", us);
}

std::string FormatTime(Time t) {
  const char* sign = t.us < 0 ? "-" : "";
  const int64_t magnitude = t.us < 0 ? -t.us : t.us;
  return fmt::format("{}{}.{:06}", sign, magnitude / 1000000, magnitude % 1000000);
}

}  // namespace zabsim::sim

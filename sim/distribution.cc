#include "sim/distribution.h"

#include <fmt/format.h>

#include "absl/status/status.h"
#include "base/status.h"

namespace zabsim::sim {
namespace {

absl::Status Invalid(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(fmt::format(
      "invalid distribution '{}': {} (expected e.g. 2ms, 1ms..5ms, exp:2ms, 500us+exp:2ms)",
      text, why));
}

}  // namespace

absl::StatusOr<Distribution> Distribution::Parse(std::string_view text) {
  if (text.empty()) return Invalid(text, "empty");
  if (const size_t plus = text.find("+exp:"); plus != std::string_view::npos) {
    auto offset = ParseDuration(text.substr(0, plus));
    auto mean = ParseDuration(text.substr(plus + 5));
    if (!offset.ok()) return Invalid(text, base::Text(offset.status()));
    if (!mean.ok()) return Invalid(text, base::Text(mean.status()));
    if (mean->us <= 0) return Invalid(text, "the mean must be positive");
    return Exponential(*offset, *mean);
  }
  if (text.substr(0, 4) == "exp:") {
    auto mean = ParseDuration(text.substr(4));
    if (!mean.ok()) return Invalid(text, base::Text(mean.status()));
    if (mean->us <= 0) return Invalid(text, "the mean must be positive");
    return Exponential(Duration{}, *mean);
  }
  if (const size_t dots = text.find(".."); dots != std::string_view::npos) {
    auto lo = ParseDuration(text.substr(0, dots));
    auto hi = ParseDuration(text.substr(dots + 2));
    if (!lo.ok()) return Invalid(text, base::Text(lo.status()));
    if (!hi.ok()) return Invalid(text, base::Text(hi.status()));
    if (*hi < *lo) return Invalid(text, "the upper bound is below the lower bound");
    return Uniform(*lo, *hi);
  }
  auto fixed = ParseDuration(text);
  if (!fixed.ok()) return Invalid(text, base::Text(fixed.status()));
  return Fixed(*fixed);
}

Duration Distribution::Sample(Rng& rng) const {
  switch (kind_) {
    case Kind::kFixed:
      return lo_;
    case Kind::kUniform:
      return Duration{rng.Between(lo_.us, hi_.us)};
    case Kind::kExponential: {
      const unsigned __int128 scaled =
          static_cast<unsigned __int128>(rng.NegLogUnitQ24()) * static_cast<uint64_t>(mean_.us);
      return lo_ + Duration{static_cast<int64_t>(scaled >> 24)};
    }
  }
  return lo_;
}

std::string Distribution::ToString() const {
  switch (kind_) {
    case Kind::kFixed:
      return FormatDuration(lo_);
    case Kind::kUniform:
      return fmt::format("{}..{}", FormatDuration(lo_), FormatDuration(hi_));
    case Kind::kExponential:
      if (lo_.us == 0) return fmt::format("exp:{}", FormatDuration(mean_));
      return fmt::format("{}+exp:{}", FormatDuration(lo_), FormatDuration(mean_));
  }
  return "?";
}

}  // namespace zabsim::sim

#include "sim/clock.h"

#include "base/check.h"

namespace zabsim::sim {

Time LocalClock::Now(Time global) const {
  const __int128 elapsed = static_cast<__int128>((global - base_global_).us) * rate_ppm_;
  return base_local_ + Duration{static_cast<int64_t>(elapsed / kPerfectRatePpm)};
}

Duration LocalClock::ToGlobal(Duration local) const {
  ZABSIM_CHECK(local.us >= 0, "negative timer duration {}us", local.us);
  const __int128 scaled = static_cast<__int128>(local.us) * kPerfectRatePpm;
  return Duration{static_cast<int64_t>((scaled + rate_ppm_ - 1) / rate_ppm_)};
}

Time LocalClock::GlobalAt(Time local) const {
  if (local <= base_local_) return base_global_;
  const __int128 scaled = static_cast<__int128>((local - base_local_).us) * kPerfectRatePpm;
  return base_global_ + Duration{static_cast<int64_t>((scaled + rate_ppm_ - 1) / rate_ppm_)};
}

void LocalClock::SetRate(Time at, int64_t rate_ppm) {
  ZABSIM_CHECK(rate_ppm >= kMinRatePpm && rate_ppm <= kMaxRatePpm, "clock rate {}ppm", rate_ppm);
  base_local_ = Now(at);
  base_global_ = at;
  rate_ppm_ = rate_ppm;
}

}  // namespace zabsim::sim

// File: base/status.h
//
// Bridges between Debian's Abseil and the standard library. Debian 12's Abseil does not
// alias std::string_view (ABSL_OPTION_USE_STD_STRING_VIEW is 0), so absl::Status
// messages and absl::StrSplit pieces are absl::string_view, which neither converts to
// std::string_view nor formats with fmt. These helpers do the conversion in one place.

#ifndef ZABSIM_BASE_STATUS_H_
#define ZABSIM_BASE_STATUS_H_

#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace zabsim::base {

// Text returns a status's message as a std::string_view (valid while `status` lives).
inline std::string_view Text(const absl::Status& status) {
  const absl::string_view m = status.message();
  return std::string_view(m.data(), m.size());
}

inline std::string_view Std(absl::string_view s) { return std::string_view(s.data(), s.size()); }
inline absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace zabsim::base

#endif  // ZABSIM_BASE_STATUS_H_

// File: base/check.h
//
// Always-on assertions for programmer errors. Abseil 20220623 (Debian 12) has no
// absl/log/check.h, so we keep our own. A failed check prints the condition, the place
// and an optional fmt message to stderr, then aborts: continuing after a broken
// invariant would only produce a wrong trace that looks right.
//
// Operating errors (bad input, bad configuration) are never checks: they return
// absl::Status. Stale or duplicate protocol messages are not errors either.
//
//   ZABSIM_CHECK(index < size_, "index {} out of {}", index, size_);
//   ZABSIM_DCHECK(IsSorted(log_));  // O(n); compiled out with NDEBUG.

#ifndef ZABSIM_BASE_CHECK_H_
#define ZABSIM_BASE_CHECK_H_

#include <string>

#include <fmt/format.h>

namespace zabsim::base {

[[noreturn]] void CheckFailed(const char* file, int line, const char* condition,
                              const std::string& message = std::string());

}  // namespace zabsim::base

#define ZABSIM_CHECK(condition, ...)                                              \
  do {                                                                            \
    if (!(condition)) [[unlikely]] {                                              \
      ::zabsim::base::CheckFailed(__FILE__, __LINE__,                             \
                                  #condition __VA_OPT__(, ::fmt::format(__VA_ARGS__))); \
    }                                                                             \
  } while (false)

#ifdef NDEBUG
#define ZABSIM_DCHECK(condition, ...) \
  do {                                \
  } while (false && (condition))
#else
#define ZABSIM_DCHECK(condition, ...) ZABSIM_CHECK(condition __VA_OPT__(, __VA_ARGS__))
#endif

#endif  // ZABSIM_BASE_CHECK_H_

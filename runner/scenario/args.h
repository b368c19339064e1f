// File: runner/scenario/args.h
//
// ScenarioRunner::Args, shared by the files that implement the runner's commands (not a
// public header): it hands a directive's arguments out one by one, reads numbers and
// durations with located errors, and complains about the arguments left over.

#ifndef ZABSIM_RUNNER_SCENARIO_ARGS_H_
#define ZABSIM_RUNNER_SCENARIO_ARGS_H_

#include <climits>
#include <cstdint>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "absl/status/statusor.h"
#include "base/status.h"
#include "runner/scenario/parser.h"
#include "runner/scenario/runner.h"
#include "sim/time.h"

namespace zabsim::runner::scenario {

// kMaxRun bounds the simulated time one argument may ask for (run for= and limit=, swarm
// for=, check liveness=, delay-next extra=).
inline constexpr sim::Duration kMaxRun = sim::Duration::Seconds(600);

// Args hands a directive's arguments out one by one and complains about leftovers.
class ScenarioRunner::Args {
 public:
  Args(const ScenarioRunner& runner, const Directive& d) : runner_(runner), d_(d) {
    used_.resize(d.args.size(), false);
  }

  // Key takes the argument `key=...`, if there is one before `column`.
  const Arg* Key(std::string_view key, int column = INT_MAX) {
    for (size_t i = 0; i < d_.args.size(); ++i) {
      if (!used_[i] && d_.args[i].key == key && d_.args[i].column < column) {
        used_[i] = true;
        return &d_.args[i];
      }
    }
    return nullptr;
  }
  // Word returns the next bare word not yet taken.
  const Arg* Word() {
    for (size_t i = 0; i < d_.args.size(); ++i) {
      if (!used_[i] && d_.args[i].key.empty()) {
        used_[i] = true;
        return &d_.args[i];
      }
    }
    return nullptr;
  }
  // Peek returns the next bare word not yet taken, without taking it.
  const Arg* Peek() const {
    for (size_t i = 0; i < d_.args.size(); ++i) {
      if (!used_[i] && d_.args[i].key.empty()) return &d_.args[i];
    }
    return nullptr;
  }
  // Flag takes the bare word `word` if present.
  bool Flag(std::string_view word) {
    for (size_t i = 0; i < d_.args.size(); ++i) {
      if (!used_[i] && d_.args[i].key.empty() && d_.args[i].value == word) {
        used_[i] = true;
        return true;
      }
    }
    return false;
  }
  // Rest returns every argument not taken yet, and takes them.
  std::vector<const Arg*> Rest() {
    std::vector<const Arg*> out;
    for (size_t i = 0; i < d_.args.size(); ++i) {
      if (!used_[i]) {
        used_[i] = true;
        out.push_back(&d_.args[i]);
      }
    }
    return out;
  }
  absl::Status Finish() {
    for (size_t i = 0; i < d_.args.size(); ++i) {
      if (used_[i]) continue;
      const Arg& a = d_.args[i];
      return runner_.Error(d_, a.column,
                           fmt::format("unexpected argument '{}{}{}' (expected: {})", a.key,
                                       a.key.empty() ? "" : "=", a.value, Usage(d_.name)));
    }
    return absl::OkStatus();
  }
  absl::Status Missing(std::string_view what) const {
    return runner_.Error(d_, d_.column + static_cast<int>(d_.name.size()) + 1,
                         fmt::format("missing {} (expected: {})", what, Usage(d_.name)));
  }
  absl::StatusOr<uint64_t> Uint(const Arg& a, uint64_t min, uint64_t max) const {
    uint64_t v = 0;
    bool ok = !a.value.empty() && a.value.size() <= 20;  // 2^64 - 1 has 20 digits.
    for (const char c : a.value) {
      ok = ok && c >= '0' && c <= '9';
      const auto d = static_cast<uint64_t>(c - '0');
      ok = ok && v <= (UINT64_MAX - d) / 10;  // No wrap-around.
      if (ok) v = v * 10 + d;
    }
    if (!ok || v < min || v > max) {
      return runner_.Error(d_, a.column, fmt::format("expected a whole number in [{}, {}], found '{}'",
                                                     min, max, a.value));
    }
    return v;
  }
  absl::StatusOr<sim::Duration> Duration(const Arg& a, sim::Duration max) const {
    auto d = sim::ParseDuration(a.value);
    if (!d.ok()) return runner_.Error(d_, a.column, base::Text(d.status()));
    if (*d > max) {
      return runner_.Error(d_, a.column, fmt::format("expected at most {}, found '{}'",
                                                     sim::FormatDuration(max), a.value));
    }
    return *d;
  }

 private:
  const ScenarioRunner& runner_;
  const Directive& d_;
  std::vector<bool> used_;
};

}  // namespace zabsim::runner::scenario

#endif  // ZABSIM_RUNNER_SCENARIO_ARGS_H_

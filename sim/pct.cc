#include "sim/pct.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "base/check.h"

namespace zabsim::sim {
namespace {
// Initial priorities are drawn from [kInitialBase, 2^63): far above the change points'
// 1..d-1, and far below the world's own priority.
constexpr uint64_t kInitialBase = uint64_t{1} << 32;
constexpr uint64_t kWorldPriority = std::numeric_limits<uint64_t>::max();
}  // namespace

PctPriorities::PctPriorities(Rng rng, uint32_t depth, uint64_t steps)
    : rng_(std::move(rng)) {
  ZABSIM_CHECK(depth >= 1, "PCT depth {} must be at least 1", depth);
  ZABSIM_CHECK(steps >= 1, "PCT steps {} must be at least 1", steps);
  // Change point i (priority i) is drawn uniformly from [1, steps], as in the paper.
  for (uint64_t i = 1; i < depth; ++i) changes_.emplace_back(1 + rng_.Below(steps), i);
  std::sort(changes_.begin(), changes_.end());
}

uint64_t& PctPriorities::Slot(const PctThread& thread) {
  auto [it, added] =
      priorities_.try_emplace(Key{thread.process, thread.name, thread.instance}, 0);
  if (added) {
    // Two threads drawing the same value is a 2^-31-ish accident; ties then go to the
    // event queued first, which keeps the run deterministic all the same.
    it->second = kInitialBase + (rng_.Next() >> 1) % (kWorldPriority / 2 - kInitialBase);
  }
  return it->second;
}

uint64_t PctPriorities::Priority(const PctThread& thread) {
  if (thread.process == 0) return kWorldPriority;
  return Slot(thread);
}

std::optional<uint64_t> PctPriorities::AtStep(uint64_t step, const PctThread& thread) {
  std::optional<uint64_t> changed;
  while (next_ < changes_.size() && changes_[next_].first <= step) {
    // The world's own events (faults) are no thread: a change point landing on one
    // passes to the next thread that runs.
    if (thread.process == 0) return changed;
    Slot(thread) = changes_[next_].second;
    changed = changes_[next_].second;
    ++next_;
  }
  ZABSIM_CHECK(next_ <= changes_.size());
  return changed;
}

std::vector<uint64_t> PctPriorities::ChangePoints() const {
  std::vector<uint64_t> out;
  for (const auto& [step, priority] : changes_) out.push_back(step);
  return out;
}

}  // namespace zabsim::sim

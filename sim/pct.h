// File: sim/pct.h
//
// The priorities of PCT, probabilistic concurrency testing (Burckhardt, Kothari,
// Musuvathi and Nagarakatte, "A Randomized Scheduler with Probabilistic Guarantees of
// Finding Bugs", ASPLOS 2010), for the world's `sched.policy=pct` (docs/scheduler.md).
//
// PCT gives every thread a random priority, always runs the highest-priority thread that
// can run, and at d-1 steps drawn uniformly from [1, k] lowers the priority of the
// thread running then below every other: change point i gives it priority i (1 lowest).
// For a program of n threads and k steps it then finds any bug of depth d (d ordering
// constraints between steps of different threads) with probability at least
// 1/(n * k^(d-1)) per run. Here a thread is one of a process's named threads (its steps,
// Context::Schedule) or its "main" thread (everything else it is given: messages,
// timers, fsync completions, connection news).
//
//   PctPriorities pct(Rng::Derive(seed, "pct"), /*depth=*/3, /*steps=*/20000);
//   const uint64_t p = pct.Priority(PctThread{2, "sync-thread", 0});
//   if (auto change = pct.AtStep(step, thread)) trace(*change);
//
// A thread seen for the first time draws its priority then, from the same stream; the
// draws are independent, so the order of the priorities is a uniform permutation however
// the threads appear.

#ifndef ZABSIM_SIM_PCT_H_
#define ZABSIM_SIM_PCT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

#include "sim/random.h"

namespace zabsim::sim {

// PctThread names a thread across the whole run: a process and one of its threads. The
// same thread keeps its priority across the process's crashes and restarts. `name` must
// outlive the PctPriorities that sees it (a string literal, as ThreadId's names are).
struct PctThread {
  uint32_t process = 0;  // 0: the world itself (its faults), above every thread.
  std::string_view name;
  uint32_t instance = 0;
};

// The name of a process's thread that handles everything but its steps.
inline constexpr std::string_view kPctMainThread = "main";

class PctPriorities {
 public:
  // REQUIRES: depth >= 1, steps >= 1.
  PctPriorities(Rng rng, uint32_t depth, uint64_t steps);

  // Priority of `thread`: higher runs first. The world (process 0) outranks every
  // thread; initial priorities all lie above the change points' 1..d-1.
  uint64_t Priority(const PctThread& thread);

  // AtStep is called with each step's number (1, 2, ...) and the thread that runs it; at
  // a change point it lowers that thread's priority and returns the new one.
  std::optional<uint64_t> AtStep(uint64_t step, const PctThread& thread);

  // The steps at which priorities change, ascending (change point i is the one with
  // priority i, which need not be the i-th in this list).
  std::vector<uint64_t> ChangePoints() const;

 private:
  // Ordered by the name's text, not its address: the order never depends on memory.
  using Key = std::tuple<uint32_t, std::string_view, uint32_t>;
  uint64_t& Slot(const PctThread& thread);

  Rng rng_;
  // (step, priority) of each change point, sorted by step; next_ the first not yet reached.
  std::vector<std::pair<uint64_t, uint64_t>> changes_;
  size_t next_ = 0;
  std::map<Key, uint64_t> priorities_;  // Ordered by key: never iterated for the run.
};

}  // namespace zabsim::sim

#endif  // ZABSIM_SIM_PCT_H_

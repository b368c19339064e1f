// File: conform/restarts.h
//
// Restarts that zabsim performs at one instant, performed together on the real side.
// zabsim restarts the servers of back-to-back `restart` commands at the same simulated
// instant, so every one of them is in the election that follows. A real ensemble cannot
// start JVMs at one instant: the first two up would elect a leader before the third is
// listening, and which server wins would depend on the order of the commands in the file.
// So the real side starts such a group best vote first, each once the one before answers:
// between the group's servers the vote picks the best (current epoch, then last logged
// zxid, then sid: FastLeaderElection.totalOrderPredicate), and being up first it is in the
// election wherever it is decided, as in zabsim. A scenario that wants restarts staggered
// says so, with `run for=` (or any command that lets time pass) between them.

#ifndef ZABSIM_CONFORM_RESTARTS_H_
#define ZABSIM_CONFORM_RESTARTS_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "conform/plan.h"

namespace zabsim::conform {

// Vote: what a restarted server's first vote is made of, as zabsim's side read it from
// the server's disk when it restarted.
struct Vote {
  uint64_t current_epoch = 0;
  uint64_t last_logged_zxid = 0;
  uint32_t sid = 0;
  auto operator<=>(const Vote&) const = default;
};

// StepFacts: what zabsim's side learned per step that the real side needs.
struct StepFacts {
  std::vector<bool> instant;  // Per step: it took no simulated time.
  std::vector<Vote> vote;     // Per step: a `restart`'s server's vote (else zeros).
};

struct RestartPlan {
  // The first step of each group of restarts -> the servers to start there, best vote
  // first. A group's later restart steps find their server started.
  std::map<size_t, std::vector<uint32_t>> start_at;
  std::set<size_t> started_before;
  // Restarts zabsim performs at one instant that the real side cannot start together (a
  // crash or a `state` between them), each as "LINE: ...": the report shows them.
  std::vector<std::string> warnings;
};

// PlanRestarts groups the restarts of `plan` that zabsim performed at one instant
// (consecutive `restart` steps with only show and check between, no simulated time
// passing), and orders each group by the votes zabsim's side read.
RestartPlan PlanRestarts(const Plan& plan, const StepFacts& facts);

}  // namespace zabsim::conform

#endif  // ZABSIM_CONFORM_RESTARTS_H_

// File: runner/liveness.h
//
// The liveness check (docs/invariants.md): once the faults are over, with every link
// whole, nothing held, no random loss, a TCP channel and a quorum of voters up, a leader
// must be established and every live server must serve it with the same tree within a
// bound. Unlike the safety checker, it drives the world: it runs it until the ensemble
// converges or the bound passes. Running the world in steps changes nothing in the run:
// the same events happen in the same order, so the fingerprint is the same.

#ifndef ZABSIM_RUNNER_LIVENESS_H_
#define ZABSIM_RUNNER_LIVENESS_H_

#include <string>

#include "runner/cluster.h"
#include "sim/time.h"

namespace zabsim::runner {

struct LivenessVerdict {
  enum class Kind {
    kNotChecked,  // The faults were not over, or no quorum was up: nothing is owed.
    kHeld,        // The ensemble converged within the bound.
    kViolated,    // It did not.
  };
  Kind kind = Kind::kNotChecked;
  sim::Time from;        // When the check started (the end of the faults).
  sim::Duration took;    // kHeld: from `from` to convergence.
  std::string detail;    // kNotChecked: why. kViolated: what each server was doing.
  // kViolated: the acceptedEpoch stall. A live server has accepted an epoch above the
  // established leader's, so Learner.registerWithLeader refuses that leader, again and
  // again, as ZooKeeper's does, until another election: `stall` names the server and the
  // epochs. Reported as its own check (kAcceptedEpochStall), so that a liveness failure
  // of another kind is never taken for it.
  std::string stall;
};

// The name of the stall's verdict, next to "liveness".
inline constexpr std::string_view kAcceptedEpochStall = "accepted-epoch-stall";

// CheckLiveness starts now, and runs the world until the ensemble converges or `bound`
// has passed (never beyond `limit`; if `limit` comes first, it is not checked).
LivenessVerdict CheckLiveness(Cluster& cluster, sim::Duration bound, sim::Time limit);

// Describe is one line for summaries, e.g. "liveness: ok (converged 1.2s after the
// faults, bound 40s)".
std::string Describe(const LivenessVerdict& v, sim::Duration bound);

}  // namespace zabsim::runner

#endif  // ZABSIM_RUNNER_LIVENESS_H_

// File: conform/story_checks.h
//
// The checks a conformance run applies to what each side observed, the same function on
// both, so that a bug story can be confirmed on a real ensemble: zabsim's checkers read
// its trace, which the real side has no equivalent of, so these read only the
// observations both sides make (conform/observation.h):
//
// - acknowledged-write-lost: a create, set or delete a client was told succeeded (the
//   last one acknowledged for its path, by zxid) is not in a serving server's tree at the
//   end: the path is missing, or holds data older than the write, or still exists after
//   the delete;
// - trees-differ: two serving servers at the same last zxid hold different values for a
//   path at the end;
// - acknowledged-txn-truncated: a leader sent a learner a TRUNC to zxid T while the
//   learner had a txn above T (its last zxid) that a client was told succeeded.
//
// A story that breaks one of them in zabsim is a bug story: the report then says whether
// the real ensemble broke the same ones ("reproduced on ZooKeeper 3.8.0") or not.

#ifndef ZABSIM_CONFORM_STORY_CHECKS_H_
#define ZABSIM_CONFORM_STORY_CHECKS_H_

#include <string>
#include <vector>

#include "conform/observation.h"

namespace zabsim::conform {

struct StoryViolation {
  std::string check;   // "acknowledged-write-lost", "trees-differ", "acknowledged-txn-truncated".
  std::string detail;  // What was seen, in the observations' words.
};

std::vector<StoryViolation> CheckStory(const Observations& observations);

// StoryVerdict renders the checks of both sides for the report: one line per side when a
// check fired on either, and a verdict: "reproduced on ZooKeeper RELEASE" when both broke
// the same checks, "not reproduced" (and how the real run went instead) when only zabsim
// did, and a difference when only the real ensemble did. `differs` is set when the two
// sides broke different checks.
std::string StoryVerdict(const std::vector<StoryViolation>& real, const std::vector<StoryViolation>& sim,
                         const std::string& release, int differing_rows, bool& differs);

}  // namespace zabsim::conform

#endif  // ZABSIM_CONFORM_STORY_CHECKS_H_

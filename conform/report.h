// File: conform/report.h
//
// The side-by-side report of a conformance run: every observation of both sides, in
// scenario order, with each asserted difference marked.

#ifndef ZABSIM_CONFORM_REPORT_H_
#define ZABSIM_CONFORM_REPORT_H_

#include <string>
#include <string_view>
#include <vector>

#include "conform/observation.h"

namespace zabsim::conform {

struct Report {
  std::string text;
  int compared = 0;  // Observations compared: all but the times.
  int differ = 0;    // Compared observations whose values differ.
  int timing = 0;    // Compared observations that differ only as timing explains.
  int reported = 0;  // Observations reported only (times).
  bool checks_differ = false;  // The sides broke different story checks (story_checks.h).
};

// MakeReport lines `real` up against `sim` (made at the same steps with the same names).
// No value is ever cut: one wider than its column is wrapped over the lines below. Every
// observation both sides made is compared (but the times, whose units differ).
// `warnings` ("LINE: ...") say where the harness could not make the sides match; each is
// printed before the summary as "PATH:LINE: warning: ...". The story checks
// (conform/story_checks.h) of both sides and their verdict come before the summary too.
Report MakeReport(std::string_view path, const Observations& real, const Observations& sim,
                  const std::vector<std::string>& warnings = {});

// Wrap splits `s` into lines of at most `width` characters, at a space when one leaves at
// least half a line, mid-word otherwise. Joined back (with the spaces it broke at), the
// lines are `s`.
std::vector<std::string> Wrap(std::string_view s, size_t width);

// TimingExplains says why `real` and `sim` may differ for a row compared as `compare`
// (observation.h), or "" when they may not: a sync whose modes differ only because one
// side's learner arrived while the epoch was being formed (an empty DIFF) and the other's
// once it was established (a SNAP), at the same last zxid; a follower's last zxid that is
// an epoch's start on both sides.
std::string TimingExplains(Compare compare, std::string_view real, std::string_view sim,
                           const std::vector<SyncRecord>& real_syncs, const std::vector<SyncRecord>& sim_syncs);

}  // namespace zabsim::conform

#endif  // ZABSIM_CONFORM_REPORT_H_

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
  int compared = 0;  // Asserted observations.
  int differ = 0;    // Asserted observations whose values differ.
  int reported = 0;  // Observations made but not asserted.
};

// MakeReport lines `real` up against `sim` (made at the same steps with the same names).
// No value is ever cut: one wider than its column is wrapped over the lines below.
// `warnings` ("LINE: ...") say where the harness could not make the sides match; each is
// printed before the summary as "PATH:LINE: warning: ...".
Report MakeReport(std::string_view path, const Observations& real, const Observations& sim,
                  const std::vector<std::string>& warnings = {});

// Wrap splits `s` into lines of at most `width` characters, at a space when one leaves at
// least half a line, mid-word otherwise. Joined back (with the spaces it broke at), the
// lines are `s`.
std::vector<std::string> Wrap(std::string_view s, size_t width);

}  // namespace zabsim::conform

#endif  // ZABSIM_CONFORM_REPORT_H_

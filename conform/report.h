// File: conform/report.h
//
// The side-by-side report of a conformance run: every observation of both sides, in
// scenario order, with each asserted difference marked.

#ifndef ZABSIM_CONFORM_REPORT_H_
#define ZABSIM_CONFORM_REPORT_H_

#include <string>

#include "conform/observation.h"

namespace zabsim::conform {

struct Report {
  std::string text;
  int compared = 0;  // Asserted observations.
  int differ = 0;    // Asserted observations whose values differ.
  int reported = 0;  // Observations made but not asserted.
};

// MakeReport lines `real` up against `sim` (made at the same steps with the same names).
Report MakeReport(std::string_view path, const Observations& real, const Observations& sim);

}  // namespace zabsim::conform

#endif  // ZABSIM_CONFORM_REPORT_H_

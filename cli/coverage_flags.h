// File: cli/coverage_flags.h
//
// The coverage flags of `zabsim sim`, `sweep` and `hunt` (docs/coverage.md): --coverage
// prints which coverage marks (zab/coverage.h) the runs reached and how often, then the
// marks never reached, then "K of N marks hit"; --coverage-json FILE writes the same as
// one JSON object. Without them, nothing of a command's output changes.
//
//   AddCoverageFlags(flags);
//   auto coverage = CoverageOutput::FromFlags(flags, "sweep");   // after parsing
//   ... run, summing each run's Cluster::coverage() into a zab::Coverage ...
//   absl::Status s = coverage->Report(total, runs, stdout);

#ifndef ZABSIM_CLI_COVERAGE_FLAGS_H_
#define ZABSIM_CLI_COVERAGE_FLAGS_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "cli/flags.h"
#include "runner/output_file.h"
#include "zab/coverage.h"

namespace zabsim::cli {

void AddCoverageFlags(FlagSet& flags);

// CoverageText is the printed report of `coverage`, summed over `runs` runs: every mark
// hit, with its count, in the order the marks are declared; then every mark never hit;
// then "coverage: K of N marks hit".
std::string CoverageText(const zab::Coverage& coverage, uint64_t runs);
// CoverageJson is the same as one JSON object: {"runs", "marks", "hit", "counts" (every
// mark by name, in declared order, 0 included), "never_hit" (names)}.
std::string CoverageJson(const zab::Coverage& coverage, uint64_t runs);

class CoverageOutput {
 public:
  // FromFlags reads --coverage and opens the --coverage-json file (nothing at its path
  // changes until Report). Errors name `command` and the flag.
  static absl::StatusOr<CoverageOutput> FromFlags(const FlagSet& flags, std::string_view command);

  // wanted: either flag was given, so the command must gather coverage.
  bool wanted() const { return print_ || json_ != nullptr; }
  bool print() const { return print_; }
  // Report prints the text to `out` (with --coverage, unless `out` is null) and writes
  // the JSON file whole (with --coverage-json); an error is a file that could not be
  // written. Called once.
  absl::Status Report(const zab::Coverage& coverage, uint64_t runs, std::FILE* out);

 private:
  bool print_ = false;
  std::string command_;
  std::unique_ptr<runner::OutputFile> json_;
};

}  // namespace zabsim::cli

#endif  // ZABSIM_CLI_COVERAGE_FLAGS_H_

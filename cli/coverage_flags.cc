#include "cli/coverage_flags.h"

#include <fmt/format.h>

#include "base/status.h"
#include "cli/commands.h"
#include "cli/seed_runs.h"

namespace zabsim::cli {

void AddCoverageFlags(FlagSet& flags) {
  flags.AddBool("coverage",
                "print which coverage marks (protocol branches: sync modes, NEWLEADER steps, role "
                "ends, bug switches) the runs reached, how often, and which never (docs/coverage.md)");
  flags.Add("coverage-json", "FILE", "", "write the coverage counts to FILE as one JSON object");
}

std::string CoverageText(const zab::Coverage& coverage, uint64_t runs) {
  std::string out = fmt::format("coverage marks hit, over {} run{} (docs/coverage.md):\n", runs,
                                runs == 1 ? "" : "s");
  for (const zab::MarkInfo& m : zab::kMarks) {
    if (coverage.count(m.mark) > 0) out += fmt::format("  {:<42} {}\n", m.name, coverage.count(m.mark));
  }
  out += "coverage marks never hit:\n";
  for (const zab::MarkInfo& m : zab::kMarks) {
    if (coverage.count(m.mark) == 0) out += fmt::format("  {}\n", m.name);
  }
  out += fmt::format("coverage: {} of {} marks hit\n", coverage.Hits(), zab::kMarkCount);
  return out;
}

std::string CoverageJson(const zab::Coverage& coverage, uint64_t runs) {
  std::string counts;
  std::string never;
  for (const zab::MarkInfo& m : zab::kMarks) {
    counts += fmt::format("{}{}:{}", counts.empty() ? "" : ",", JsonString(m.name), coverage.count(m.mark));
    if (coverage.count(m.mark) == 0) never += fmt::format("{}{}", never.empty() ? "" : ",", JsonString(m.name));
  }
  return fmt::format("{{\"runs\":{},\"marks\":{},\"hit\":{},\"counts\":{{{}}},\"never_hit\":[{}]}}\n", runs,
                     zab::kMarkCount, coverage.Hits(), counts, never);
}

absl::StatusOr<CoverageOutput> CoverageOutput::FromFlags(const FlagSet& flags, std::string_view command) {
  CoverageOutput out;
  out.print_ = flags.GetBool("coverage");
  out.command_ = std::string(command);
  if (const std::string path = flags.Get("coverage-json"); !path.empty()) {
    auto opened = runner::OutputFile::Open(path);
    if (!opened.ok()) {
      return Fail(fmt::format("zabsim {}: --coverage-json: {}", command, base::Text(opened.status())));
    }
    out.json_ = *std::move(opened);
  }
  return out;
}

absl::Status CoverageOutput::Report(const zab::Coverage& coverage, uint64_t runs, std::FILE* out) {
  if (print_ && out != nullptr) fmt::print(out, "{}", CoverageText(coverage, runs));
  if (json_ == nullptr) return absl::OkStatus();
  fmt::print(json_->file(), "{}", CoverageJson(coverage, runs));
  absl::Status s = json_->Commit();
  json_.reset();
  if (!s.ok()) return Fail(fmt::format("zabsim {}: --coverage-json: {}", command_, base::Text(s)));
  return absl::OkStatus();
}

}  // namespace zabsim::cli

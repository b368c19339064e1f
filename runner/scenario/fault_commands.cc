// The fault commands of ScenarioRunner (docs/scenarios.md, "Faults"): each applies one
// sim::Fault to the world at once, or, after `do` in `on`, when its trigger fires.

#include "runner/scenario/fault_commands.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "base/check.h"
#include "base/status.h"
#include "runner/processes.h"
#include "runner/scenario/args.h"
#include "runner/scenario/runner.h"

namespace zabsim::runner::scenario {

absl::StatusOr<sim::Fault> ReadFaultCommand(std::string_view name,
                                            std::span<const std::string_view> words) {
  if (name == "role-restart") {
    // Read as `signal SERVER CODE` with the code of a role restart, so that a mistake
    // gets the errors it always got.
    const std::string code = fmt::format("{}", kRoleRestartSignal);
    std::vector<std::string_view> signal(words.begin(), words.end());
    signal.push_back(code);
    return sim::ReadFault(sim::Fault::Kind::kSignal, signal);
  }
  const std::optional<sim::Fault::Kind> kind = sim::FindFaultKind(name);
  ZABSIM_CHECK(kind.has_value(), "no fault named '{}'", name);
  return sim::ReadFault(*kind, words);
}

absl::Status ScenarioRunner::Fault(const Directive& d, Args& args, Lines& out) {
  (void)out;
  auto fault = MakeFault(d, args);
  if (!fault.ok()) return fault.status();
  cluster_->world().Apply(*fault);
  return absl::OkStatus();
}

absl::StatusOr<sim::Fault> ScenarioRunner::MakeFault(const Directive& d, Args& args) const {
  std::vector<std::string_view> words;
  for (const Arg* a : args.Rest()) {
    if (!a->key.empty()) return Error(d, a->column, fmt::format("unexpected argument '{}={}'", a->key, a->value));
    words.push_back(a->value);
  }
  // An error names the whole fault, so it points at the first word after the name.
  const int column = d.column + static_cast<int>(d.name.size()) + 1;
  auto fault = ReadFaultCommand(d.name, words);
  if (!fault.ok()) return Error(d, column, base::Text(fault.status()));
  if (absl::Status s = fault->Validate(cluster_->servers()); !s.ok()) return Error(d, column, base::Text(s));
  return *std::move(fault);
}

}  // namespace zabsim::runner::scenario

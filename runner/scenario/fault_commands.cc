// The fault commands of scenario files (docs/scenarios.md, "Faults"): the typed fault
// each command names (fault_commands.h).

#include "runner/scenario/fault_commands.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "base/check.h"
#include "runner/processes.h"

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

}  // namespace zabsim::runner::scenario

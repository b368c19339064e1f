// The `step` command of ScenarioRunner: run one pending event, chosen by name rather
// than by time, as `zabsim explore` chose it (docs/explore.md). The names and the
// listing are runner/explore_steps.h's, the explorer's own, so a counterexample the
// explorer writes replays the run it found.

#include <string>

#include <fmt/format.h>

#include "runner/explore_steps.h"
#include "runner/scenario/args.h"
#include "runner/scenario/runner.h"

namespace zabsim::runner::scenario {

absl::Status ScenarioRunner::StepEvent(const Directive& d, Args& args, Lines& out) {
  (void)out;
  std::string name = "step";
  for (const Arg* a : args.Rest()) name += " " + (a->key.empty() ? a->value : a->key + "=" + a->value);
  if (name == "step") return args.Missing("the event, e.g. 'deliver 3>1 PROPOSAL 0x100000001 conn=3>1:2888'");
  runner::World& world = cluster_->world();
  explore::Settle(world);
  const std::vector<explore::Step> steps = explore::ListEvents(world);
  for (const explore::Step& s : steps) {
    if (s.command != name) continue;
    explore::RunEvent(world, s);
    FireTriggers();
    return absl::OkStatus();
  }
  std::string pending;
  for (const explore::Step& s : steps) {
    pending += fmt::format("{}  {}", pending.empty() ? "" : "\n", s.command);
  }
  return Error(d, d.column + 5,
               fmt::format("no pending event '{}'; pending now:\n{}", name.substr(5),
                           pending.empty() ? "  (none)" : pending));
}

}  // namespace zabsim::runner::scenario

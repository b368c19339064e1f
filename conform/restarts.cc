#include "conform/restarts.h"

#include <algorithm>

#include <fmt/format.h>

namespace zabsim::conform {

RestartPlan PlanRestarts(const Plan& plan, const StepFacts& facts) {
  RestartPlan out;
  const auto instant = [&facts](size_t i) { return i < facts.instant.size() && facts.instant[i]; };
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    if (plan.steps[i].kind != StepKind::kRestart || out.started_before.contains(i)) continue;
    std::vector<size_t> group = {i};
    // The group: the restarts that follow with nothing between but show and check, while
    // no simulated time passes.
    size_t j = i + 1;
    for (; j < plan.steps.size() && instant(j - 1); ++j) {
      const StepKind k = plan.steps[j].kind;
      if (k == StepKind::kRestart) {
        group.push_back(j);
      } else if (k != StepKind::kSimOnly) {
        break;
      }
    }
    // A restart still at the same instant beyond a crash or a `state`: zabsim has it in
    // the same election, the real side cannot start it with the group.
    for (size_t k = j; k < plan.steps.size() && instant(k - 1); ++k) {
      const Step& later = plan.steps[k];
      if (later.kind != StepKind::kRestart) continue;
      const Step& between = plan.steps[j];
      out.warnings.push_back(fmt::format(
          "{}: zabsim restarts server {} at the same instant as server {} (line {}), but the "
          "'{}' at line {} comes between: the real side starts them one after another, and the "
          "election that follows may differ",
          later.directive->line, later.server, plan.steps[i].server, plan.steps[i].directive->line,
          between.directive->name, between.directive->line));
      break;
    }
    if (group.size() == 1) continue;
    std::vector<Vote> votes;
    for (const size_t g : group) {
      Vote v = g < facts.vote.size() ? facts.vote[g] : Vote{};
      v.sid = plan.steps[g].server;
      votes.push_back(v);
    }
    std::sort(votes.begin(), votes.end(), [](const Vote& a, const Vote& b) { return a > b; });
    std::vector<uint32_t>& order = out.start_at[i];
    for (const Vote& v : votes) {
      if (std::find(order.begin(), order.end(), v.sid) == order.end()) order.push_back(v.sid);
    }
    for (size_t g = 1; g < group.size(); ++g) out.started_before.insert(group[g]);
  }
  return out;
}

}  // namespace zabsim::conform

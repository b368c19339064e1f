// zabsim bugs: the switches that put real ZooKeeper bugs (and classic mistakes) back.

#include <fmt/format.h>

#include "base/status.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "zab/config.h"

namespace zabsim::cli {

int RunBugs(const std::vector<std::string>& args) {
  FlagSet flags("bugs", "zabsim bugs",
                "List the bug switches: each puts one real ZooKeeper defect, or a classic mistake,\n"
                "back into the protocol. Turn one on with 'zabsim sim --bug NAME'.");
  flags.AddExample("zabsim bugs");
  flags.AddExample("zabsim sim --bug ZK-1549");
  if (const std::optional<int> done = ParseCommand(flags, args)) return *done;
  for (const zab::BugName& b : zab::BugNames()) {
    fmt::print("{:<24}{}\n", b.name, b.description);
  }
  return kExitOk;
}

}  // namespace zabsim::cli

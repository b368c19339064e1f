// zabsim bugs: the switches that put real ZooKeeper bugs (and classic mistakes) back.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/status.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "zab/config.h"
#include "zab/releases.h"

namespace zabsim::cli {

int RunBugs(const std::vector<std::string>& args) {
  FlagSet flags("bugs", "zabsim bugs",
                "List the bug switches: each puts one real ZooKeeper defect, or a classic mistake,\n"
                "back into the protocol, with the releases that have it. A release (--zk) has its\n"
                "bugs on; --bug NAME adds one, --fix NAME takes one out.");
  flags.AddExample("zabsim bugs");
  flags.AddExample("zabsim sim --bug ZK-1549");
  if (const std::optional<int> done = ParseCommand(flags, args)) return *done;
  for (const zab::BugName& b : zab::BugNames()) {
    fmt::print("{:<24}{}\n", b.name, b.description);
    const std::vector<std::string> in = zab::ReleasesWith(b.name);
    const std::string_view none = std::string_view(b.name).starts_with("ZK-")
                                      ? "none: fixed in every release zabsim has"
                                      : "none: a classic mistake, not a ZooKeeper bug";
    fmt::print("{:<24}in: {}\n", "", in.empty() ? std::string(none) : fmt::format("{}", fmt::join(in, ", ")));
  }
  fmt::print("\nReleases (--zk VERSION; the default is {}):\n", zab::kDefaultRelease);
  for (const zab::Release& r : zab::Releases()) fmt::print("{:<24}{}\n", r.name, r.summary);
  return kExitOk;
}

}  // namespace zabsim::cli

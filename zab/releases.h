// File: zab/releases.h
//
// ZooKeeper releases as zabsim runs them (--zk VERSION, zk=VERSION on a cluster line): the
// learner's NEWLEADER order of the release and every protocol bug known in it, each a
// switch of zab/config.h, on. A --bug switch adds one mechanism on top; a --fix switch
// takes one out. Which release has which bug comes from the JIRA fix versions and from
// reading each release's source (docs/bug-zoo.md, "Bugs by release").
//
//   Config config;                                    // master, the default
//   if (absl::Status s = UseRelease(config, "3.8.0"); !s.ok()) ...
//
// The default is master: the ZooKeeper of today, the one a bug found here is most worth
// reporting against, with its open bugs (ZOOKEEPER-2846, -1549) on as they are there.

#ifndef ZABSIM_ZAB_RELEASES_H_
#define ZABSIM_ZAB_RELEASES_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "zab/config.h"

namespace zabsim::zab {

struct Release {
  std::string_view name;     // "3.8.0", "master".
  std::string_view summary;  // One line: what the release is to zabsim.
  NewLeaderOrder order;
  bool continuous_proposals = false;
  // The switches on in it: bugs that are a mechanism of their own.
  std::vector<std::string_view> switches;
  // Switches whose bug the release has through its NEWLEADER order, not as a switch:
  // turning one on again, or off, is refused.
  std::vector<std::string_view> in_order;
};

inline constexpr std::string_view kDefaultRelease = "master";

// Releases lists the known releases, oldest first.
const std::vector<Release>& Releases();
// FindRelease returns the release called `name`, or nullptr.
const Release* FindRelease(std::string_view name);
// ReleaseNames is "3.8.0, 3.8.4, ..., master", for messages.
std::string ReleaseNames();

// UseRelease makes `config` behave as release `name`: its NEWLEADER order, its
// proposal checks, and exactly its switches (classic mistakes off). An unknown name is an
// error listing the known ones.
[[nodiscard]] absl::Status UseRelease(Config& config, std::string_view name);

// ReleaseChoice is what a command line or a cluster line asks for: a release (empty for
// the default), switches added (--bug) and taken out (--fix).
struct ReleaseChoice {
  std::string release;
  std::vector<std::string> add;
  std::vector<std::string> remove;

  // ApplyTo sets `config`'s release, then adds, then removes. It refuses a switch the
  // release has in its NEWLEADER order, one added that is on already, and one removed
  // that is off.
  [[nodiscard]] absl::Status ApplyTo(Config& config) const;
};

// ReleasesWith lists the releases whose profile has switch `name` on, with "(order)"
// after those that have it through their NEWLEADER order.
std::vector<std::string> ReleasesWith(std::string_view name);

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_RELEASES_H_

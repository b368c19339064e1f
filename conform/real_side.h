// File: conform/real_side.h
//
// The real side of a conformance run: Apache ZooKeeper (Debian's `zookeeper` package) as
// one JVM per server, on loopback ports of our own, in a fresh temporary directory that
// holds every config, data directory and log. Clients are ZooKeeper's own Java CLI
// (org.apache.zookeeper.ZooKeeperMain), one long-lived process per scenario client, fed
// commands on its standard input. Servers are observed through the `srvr` four-letter
// word, their currentEpoch files and their log4j logs (for the sync mode the leader chose).
//
// Everything started is ended, and the directory removed, when the run ends: normally,
// on an error, or on SIGINT/SIGTERM (conform/process.h).

#ifndef ZABSIM_CONFORM_REAL_SIDE_H_
#define ZABSIM_CONFORM_REAL_SIDE_H_

#include <string>

#include "absl/status/statusor.h"
#include "conform/observation.h"
#include "conform/plan.h"
#include "conform/restarts.h"
#include "conform/sim_side.h"

namespace zabsim::conform {

// How a `crash` loses what the server wrote and did not sync (docs/conformance.md, "A
// crash"): the preload library's journal of txn log writes, undone after the kill, or a
// FUSE layer under each data directory that holds every unsynced write in memory.
enum class CrashDisk { kJournal, kLazyFs };

struct RealOptions {
  bool keep = false;     // Keep the temporary directory (its path is printed).
  bool verbose = false;  // Print each step as it runs, to standard error.
  CrashDisk crash_disk = CrashDisk::kJournal;
  std::string lazyfs;  // The FUSE layer's program, with kLazyFs (LazyFsUsable()).
};

// EnsureZooKeeper installs the `zookeeper` package if its jar is missing (as root), or
// says how to.
absl::Status EnsureZooKeeper();

// InstalledRelease is the version of the installed ZooKeeper jar ("3.8.0"), read from the
// name its zookeeper.jar link points to.
absl::StatusOr<std::string> InstalledRelease();

// RunRealSide runs `plan`, opening the clients' sessions where zabsim opened them and
// starting each group of restarts together, best vote first (conform/restarts.h).
absl::StatusOr<Observations> RunRealSide(const Plan& plan, const Sessions& sessions, const RestartPlan& restarts,
                                         const RealOptions& options);

}  // namespace zabsim::conform

#endif  // ZABSIM_CONFORM_REAL_SIDE_H_

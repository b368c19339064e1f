// File: conform/lazyfs_mount.h
//
// One real server's data directory as a mount of the FUSE layer that keeps unsynced
// writes in memory (conform/lazyfs/conform_lazyfs.c; `zabsim conform --crash-disk
// lazyfs`). The harness drives it through its standard input and output: `crash` drops
// what the server wrote and did not sync, and the end of its input writes back what is
// held, unmounts and ends it. Like every child of the harness (conform/process.h), it is
// known by its pid alone.

#ifndef ZABSIM_CONFORM_LAZYFS_MOUNT_H_
#define ZABSIM_CONFORM_LAZYFS_MOUNT_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "conform/process.h"

namespace zabsim::conform {

inline constexpr std::string_view kLazyFsProgram = "zabsim_conform_lazyfs";

// LazyFsUsable says why `--crash-disk lazyfs` cannot run here (the program was not built,
// or there is no /dev/fuse), or returns the program's path.
absl::StatusOr<std::string> LazyFsUsable();

class LazyFsMount {
 public:
  LazyFsMount() = default;
  LazyFsMount(const LazyFsMount&) = delete;
  LazyFsMount& operator=(const LazyFsMount&) = delete;
  ~LazyFsMount() { Unmount(); }

  // Mount mounts `root` on `mountpoint` (both existing directories) and returns once the
  // mount is up.
  absl::Status Mount(const std::string& program, const std::string& root, const std::string& mountpoint);

  // Crash drops every write not synced since the mount or the last crash, and returns the
  // layer's answer ("crashed: dropped N bytes unsynced in M files"). Complete when it
  // returns: call it once the server's process is reaped.
  absl::StatusOr<std::string> Crash();

  // Unmount ends the layer: it writes back what it holds (as a clean unmount would) and
  // unmounts; should it not end within seconds, it is killed and the mount detached. Safe
  // to call twice, and after an interrupt. Returns what the layer printed.
  std::vector<std::string> Unmount();

 private:
  Child child_;
  std::string mountpoint_;
};

}  // namespace zabsim::conform

#endif  // ZABSIM_CONFORM_LAZYFS_MOUNT_H_

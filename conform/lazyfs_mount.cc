#include "conform/lazyfs_mount.h"

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

namespace zabsim::conform {
namespace {

constexpr int64_t kMountWaitMs = 10000;
constexpr int64_t kCrashWaitMs = 30000;  // It drops memory: fast, unless the machine is not.
constexpr int64_t kExitWaitMs = 10000;   // It writes back what it holds, then unmounts.

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < text.size()) {
    size_t nl = text.find('\n', at);
    if (nl == std::string::npos) nl = text.size();
    out.push_back(text.substr(at, nl - at));
    at = nl + 1;
  }
  return out;
}

// Detach unmounts a mount whose layer is gone (killed): lazily, so that a process still
// in it cannot keep it; as a user, through fusermount3, which may unmount their mounts.
void Detach(const std::string& mountpoint) {
  if (umount2(mountpoint.c_str(), MNT_DETACH) == 0 || errno != EPERM) return;
  auto child = Spawn({"fusermount3", "-u", "-z", mountpoint}, /*pipes=*/true, "");
  if (!child.ok()) return;
  AwaitExit(*child, kExitWaitMs);
  Stop(*child);
}

bool InPath(std::string_view name) {
  const char* path = std::getenv("PATH");
  for (std::string_view dirs = path != nullptr ? path : ""; !dirs.empty();) {
    const size_t colon = dirs.find(':');
    const std::string file = fmt::format("{}/{}", dirs.substr(0, colon), name);
    if (access(file.c_str(), X_OK) == 0) return true;
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
  }
  return false;
}

}  // namespace

absl::StatusOr<std::string> LazyFsUsable() {
  auto path = FindHelper(kLazyFsProgram, kLazyFsProgram);
  if (!path.ok()) {
    return absl::FailedPreconditionError(fmt::format(
        "{}; it is built where pkg-config finds libfuse3 (Debian: fuse3 and libfuse3-dev)",
        std::string(path.status().message())));
  }
  if (access("/dev/fuse", R_OK | W_OK) != 0) {
    return absl::FailedPreconditionError(fmt::format(
        "/dev/fuse: {}: the FUSE layer needs the kernel's fuse module (modprobe fuse) and, in a container, the device",
        std::strerror(errno)));
  }
  if (geteuid() != 0 && !InPath("fusermount3")) {
    return absl::FailedPreconditionError(
        "not root, and no fusermount3 to mount the FUSE layer as a user (Debian: fuse3)");
  }
  return path;
}

absl::Status LazyFsMount::Mount(const std::string& program, const std::string& root, const std::string& mountpoint) {
  Unmount();
  auto child = Spawn({program, root, mountpoint}, /*pipes=*/true, "");
  if (!child.ok()) return child.status();
  child_ = *child;
  mountpoint_ = mountpoint;
  std::string said;
  while (true) {
    auto line = ReadLine(child_, kMountWaitMs);
    if (line.ok() && line->starts_with("mounted ")) return absl::OkStatus();
    if (line.ok()) {
      said += "  " + *line + "\n";
      continue;
    }
    for (const std::string& l : Unmount()) said += "  " + l + "\n";
    if (line.status().code() == absl::StatusCode::kCancelled) return line.status();
    return absl::UnavailableError(fmt::format("the FUSE layer did not mount {} on {} ({}); it said:\n{}", root,
                                              mountpoint, std::string(line.status().message()),
                                              said.empty() ? "  (nothing)\n" : said));
  }
}

absl::StatusOr<std::string> LazyFsMount::Crash() {
  if (child_.pid <= 0) return absl::FailedPreconditionError(fmt::format("no FUSE layer on {}", mountpoint_));
  if (absl::Status s = WriteAll(child_, "crash\n"); !s.ok()) return s;
  while (true) {
    auto line = ReadLine(child_, kCrashWaitMs);
    if (!line.ok()) {
      return absl::Status(line.status().code(),
                          fmt::format("the FUSE layer on {}, after 'crash': {}", mountpoint_,
                                      std::string(line.status().message())));
    }
    if (line->starts_with("crashed:")) return *line;
    // A message on its standard error (the memory bound reached): pass it on.
    fmt::print(stderr, "conform: {}\n", *line);
  }
}

std::vector<std::string> LazyFsMount::Unmount() {
  if (child_.pid > 0) {
    if (child_.in >= 0) close(child_.in);
    child_.in = -1;
    if (AwaitExit(child_, kExitWaitMs) != 0) {
      Stop(child_);
      Detach(mountpoint_);
    }
  }
  Stop(child_);  // Closes its output (and reaps it, had it not ended).
  std::vector<std::string> said = Lines(child_.pending);
  child_.pending.clear();
  return said;
}

}  // namespace zabsim::conform

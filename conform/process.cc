#include "conform/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

namespace zabsim::conform {
namespace {

std::atomic<bool> g_interrupted{false};

void OnSignal(int) { g_interrupted.store(true); }

absl::Status Errno(std::string_view what) {
  return absl::InternalError(fmt::format("{}: {}", what, std::strerror(errno)));
}

// PollFor waits until `fd` is ready for `events`, in slices so that an interrupt is seen.
absl::Status PollFor(int fd, short events, int64_t deadline_ms) {
  while (true) {
    if (Interrupted()) return InterruptedError();
    const int64_t left = deadline_ms - NowMs();
    if (left <= 0) return absl::DeadlineExceededError("timed out");
    pollfd p{fd, events, 0};
    const int n = poll(&p, 1, static_cast<int>(left < 100 ? left : 100));
    if (n > 0) return absl::OkStatus();
    if (n < 0 && errno != EINTR) return Errno("poll");
  }
}

bool PortFree(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

}  // namespace

void CatchSignals() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // No SA_RESTART: a blocking call returns EINTR and the flag is seen.
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

bool Interrupted() { return g_interrupted.load(); }

absl::Status InterruptedError() { return absl::CancelledError("interrupted"); }

int64_t NowMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

bool SleepMs(int64_t ms) {
  const int64_t deadline = NowMs() + ms;
  while (!Interrupted()) {
    const int64_t left = deadline - NowMs();
    if (left <= 0) return true;
    const int64_t slice = left < 50 ? left : 50;
    timespec ts{static_cast<time_t>(slice / 1000), static_cast<long>((slice % 1000) * 1000000)};
    nanosleep(&ts, nullptr);
  }
  return false;
}

absl::StatusOr<Child> Spawn(const std::vector<std::string>& argv, bool pipes, const std::string& log_path,
                            const std::vector<std::string>& env) {
  // Everything the child needs is built before fork: after it, only async-signal-safe
  // calls are allowed.
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view var(*e);
    const std::string_view name = var.substr(0, var.find('='));
    const bool replaced = std::any_of(env.begin(), env.end(), [&](const std::string& x) {
      return x.size() > name.size() && x.compare(0, name.size(), name) == 0 && x[name.size()] == '=';
    });
    if (!replaced) envp.push_back(*e);
  }
  for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  int in[2] = {-1, -1};
  int out[2] = {-1, -1};
  int log = -1;
  if (pipes) {
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) return Errno("pipe");
  } else {
    log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log < 0) return Errno(fmt::format("open {}", log_path));
  }
  const int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return Errno("fork");
  if (pid == 0) {
    setpgid(0, 0);  // Its own group: a terminal's Ctrl-C reaches us, and we end it.
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // Should we die without cleaning up, it dies too.
    if (getppid() != parent) _exit(127);
    signal(SIGPIPE, SIG_DFL);
    dup2(pipes ? in[0] : devnull, 0);
    dup2(pipes ? out[1] : log, 1);
    dup2(pipes ? out[1] : log, 2);
    execvpe(args[0], args.data(), envp.data());
    _exit(127);
  }
  setpgid(pid, pid);  // Also here, so a kill of the group right after fork cannot miss.
  close(devnull);
  Child c;
  c.pid = pid;
  if (pipes) {
    close(in[0]);
    close(out[1]);
    c.in = in[1];
    c.out = out[0];
    fcntl(c.out, F_SETFL, fcntl(c.out, F_GETFL) | O_NONBLOCK);
  } else {
    close(log);
  }
  return c;
}

void Stop(Child& c) {
  if (c.pid > 0) {
    kill(-c.pid, SIGKILL);
    kill(c.pid, SIGKILL);
    while (waitpid(c.pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    c.pid = -1;
  }
  if (c.in >= 0) close(c.in);
  if (c.out >= 0) close(c.out);
  c.in = c.out = -1;
}

bool Alive(Child& c) {
  if (c.pid <= 0) return false;
  if (waitpid(c.pid, nullptr, WNOHANG) == c.pid) {
    kill(-c.pid, SIGKILL);  // Whatever it left in its group.
    c.pid = -1;
    return false;
  }
  return true;
}

int AwaitExit(Child& c, int64_t timeout_ms) {
  const int64_t deadline = NowMs() + timeout_ms;
  while (c.pid > 0) {
    char buf[4096];
    for (ssize_t n = 1; c.out >= 0 && n > 0;) {
      n = read(c.out, buf, sizeof buf);
      if (n > 0) c.pending.append(buf, static_cast<size_t>(n));
    }
    int status = 0;
    if (waitpid(c.pid, &status, WNOHANG) == c.pid) {
      c.pid = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (NowMs() > deadline) return -1;
    timespec ts{0, 10 * 1000000};
    nanosleep(&ts, nullptr);
  }
  return 0;
}

absl::StatusOr<std::string> ReadLine(Child& c, int64_t timeout_ms) {
  const int64_t deadline = NowMs() + timeout_ms;
  while (true) {
    if (const size_t nl = c.pending.find('\n'); nl != std::string::npos) {
      std::string line = c.pending.substr(0, nl);
      c.pending.erase(0, nl + 1);
      return line;
    }
    if (absl::Status s = PollFor(c.out, POLLIN, deadline); !s.ok()) return s;
    char buf[4096];
    const ssize_t n = read(c.out, buf, sizeof buf);
    if (n == 0) return absl::UnavailableError("the client exited");
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return Errno("read");
    }
    c.pending.append(buf, static_cast<size_t>(n));
  }
}

absl::Status WriteAll(Child& c, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = write(c.in, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) {
        if (Interrupted()) return InterruptedError();
        continue;
      }
      return Errno("write to the client");
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> FourLetterWord(int port, std::string_view word, int64_t timeout_ms) {
  const int64_t deadline = NowMs() + timeout_ms;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  absl::Status status;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
    status = Errno("connect");
  } else if (status = PollFor(fd, POLLOUT, deadline); status.ok()) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      errno = err;
      status = Errno("connect");
    } else if (send(fd, word.data(), word.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(word.size())) {
      status = Errno("send");
    }
  }
  while (status.ok()) {
    status = PollFor(fd, POLLIN, deadline);
    if (!status.ok()) break;
    char buf[4096];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      if (errno == ECONNRESET) break;  // The server closes hard after answering at times.
      status = Errno("recv");
      break;
    }
    answer.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  if (!status.ok()) return status;
  if (answer.empty()) return absl::UnavailableError(fmt::format("port {}: closed with no answer to {}", port, word));
  return answer;
}

// EphemeralLow is the lowest port the kernel hands to outgoing connections: a port at or
// above it can be taken by any connection on the machine between our probe and the
// server's bind, so the servers' ports stay below it.
int EphemeralLow() {
  std::FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
  int low = 32768;
  if (f != nullptr) {
    if (std::fscanf(f, "%d", &low) != 1) low = 32768;
    std::fclose(f);
  }
  return low;
}

absl::StatusOr<int> FreePorts(int count) {
  constexpr int kLow = 20000;
  const int high = std::max(EphemeralLow(), kLow + 1000);
  const int slots = (high - kLow) / 100;
  int slot = static_cast<int>(getpid() % slots);
  for (int attempt = 0; attempt < slots; ++attempt, slot = (slot + 1) % slots) {
    const int base = kLow + slot * 100;
    bool all = base + count <= high;
    for (int p = base; p < base + count && all; ++p) all = PortFree(p);
    if (all) return base;
  }
  return absl::UnavailableError(fmt::format("no {} free consecutive loopback ports below {}", count, high));
}

absl::StatusOr<std::string> FindHelper(std::string_view name, std::string_view target) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path bin = fs::read_symlink("/proc/self/exe", ec).parent_path();
  const fs::path places[] = {bin / name, bin / ZABSIM_PRELOAD_FROM_BIN / name};
  for (const fs::path& p : places) {
    if (fs::exists(p, ec)) return fs::canonical(p, ec).string();
  }
  return absl::FailedPreconditionError(
      fmt::format("cannot find {} beside zabsim or in {} (build the target {}, or install zabsim)", name,
                  (bin / ZABSIM_PRELOAD_FROM_BIN).lexically_normal().string(), target));
}

absl::StatusOr<std::string> MakeTempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = fmt::format("{}/zabsim-conform-XXXXXX", tmp != nullptr && *tmp != '\0' ? tmp : "/tmp");
  if (mkdtemp(pattern.data()) == nullptr) return Errno("mkdtemp");
  return pattern;
}

}  // namespace zabsim::conform

// File: conform/process.h
//
// Child processes, loopback sockets and interrupts for the real side of a conformance
// run. Every child is started in a process group of its own, with a parent-death signal,
// and is ended by its recorded pid: never by a name pattern, so nothing else on the
// machine (a system ZooKeeper, the shell that started us) can be touched.
//
// This is the one place in zabsim that reads the wall clock and sleeps: it talks to real
// servers. None of it reaches a simulated run.

#ifndef ZABSIM_CONFORM_PROCESS_H_
#define ZABSIM_CONFORM_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace zabsim::conform {

// CatchSignals turns SIGINT and SIGTERM into a flag that every wait below polls, so that
// an interrupted run still stops its servers and removes its files. SIGPIPE is ignored:
// a client that died must not kill the harness that writes to it.
void CatchSignals();
bool Interrupted();
// InterruptedError is what a wait returns once Interrupted().
absl::Status InterruptedError();

// SleepMs sleeps, waking early on an interrupt; false when interrupted.
bool SleepMs(int64_t ms);
// NowMs: a monotonic clock, in milliseconds.
int64_t NowMs();

struct Child {
  pid_t pid = -1;
  int in = -1;   // Its standard input (a pipe), or -1.
  int out = -1;  // Its standard output and error (a pipe), or -1.
  std::string pending;  // Output read but not yet taken as lines.
};

// Spawn starts `argv` (argv[0] looked up in PATH). With `pipes`, its standard input and
// output are pipes to us; otherwise both go to `log_path` (appended). `env` ("NAME=VALUE")
// is added to our environment for the child, replacing a variable of the same name.
absl::StatusOr<Child> Spawn(const std::vector<std::string>& argv, bool pipes, const std::string& log_path,
                            const std::vector<std::string>& env = {});
// Stop kills the child's process group with SIGKILL, reaps it and closes the pipes.
void Stop(Child& child);
// Alive: the child has not exited (reaps it if it has).
bool Alive(Child& child);

// AwaitExit waits up to `timeout_ms` for the child to exit, and reaps it, keeping what it
// printed in `pending`; interrupts do not cut it short: clean-up after one uses it.
// Returns its exit status, or -1 if it did not exit in time (it is left running).
int AwaitExit(Child& child, int64_t timeout_ms);

// ReadLine reads one line of the child's output (without the newline), waiting up to
// `timeout_ms`. An error on a timeout, an interrupt, or the end of its output.
absl::StatusOr<std::string> ReadLine(Child& child, int64_t timeout_ms);
absl::Status WriteAll(Child& child, std::string_view text);

// FourLetterWord sends a four-letter word ("srvr") to 127.0.0.1:port and returns the
// answer; an error if nothing listens, no answer comes within `timeout_ms`, or the
// connection ends with no answer (ZooKeeper binds its client port before it loads its
// data, and one that fails to load it resets the connections waiting there).
absl::StatusOr<std::string> FourLetterWord(int port, std::string_view word, int64_t timeout_ms);

// FreePorts finds `count` consecutive loopback ports that nothing listens on, starting
// from a base derived from our pid so that parallel runs rarely probe the same ones.
absl::StatusOr<int> FreePorts(int count);

// FindHelper finds a file zabsim conform runs beside the zabsim executable (a build tree)
// or, once installed, in LIBDIR/zabsim; the error names `target`, which builds it.
absl::StatusOr<std::string> FindHelper(std::string_view name, std::string_view target);

// MakeTempDir creates a fresh directory under $TMPDIR (or /tmp).
absl::StatusOr<std::string> MakeTempDir();

}  // namespace zabsim::conform

#endif  // ZABSIM_CONFORM_PROCESS_H_

// File: cli/memory_limit.h
//
// A run too large for the machine must stop with a message and exit status 2, never be
// killed by the kernel or abort on an uncaught std::bad_alloc (exit 134). zabsim caps its
// own address space (the limit `ulimit -v` sets) at --max-memory, by default the
// machine's memory, and turns a failed allocation, on any thread, into
//
//   zabsim: out of memory: this run needs more than 4096 MiB (--max-memory=4G) ...
//
// The cap guards the process; it is not part of a run. A run that fits is unchanged, bit
// for bit; where a run that does not fit stops depends on the build, as any machine's
// memory would. Sanitizer builds reserve terabytes of address space for their shadow
// memory, so they cannot cap it: there the flag is checked but not enforced, and says so.
//
//   int main() { InstallOutOfMemoryHandlers(); ... catch (const std::bad_alloc&) ... }
//   flags.Add(kMaxMemoryFlag...)  // AddMaxMemoryFlag; ParseCommand applies it.

#ifndef ZABSIM_CLI_MEMORY_LIMIT_H_
#define ZABSIM_CLI_MEMORY_LIMIT_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"

namespace zabsim::cli {

class FlagSet;

inline constexpr std::string_view kMaxMemoryFlag = "max-memory";

// AddMaxMemoryFlag declares --max-memory=SIZE on a command that runs simulations.
void AddMaxMemoryFlag(FlagSet& flags);

// ParseSize reads "0", "512M", "4G", "1T" or a number of bytes (binary units: M is MiB).
absl::StatusOr<uint64_t> ParseSize(std::string_view text);

// ApplyMaxMemory caps the address space at the flag's value (or the machine's memory);
// a lower limit already in force (ulimit -v) stays. 0 lifts zabsim's own cap.
absl::Status ApplyMaxMemory(const FlagSet& flags);

// InstallOutOfMemoryHandlers keeps a reserve that a failed allocation frees, so that the
// error can still be reported, and makes an out-of-memory that escapes a thread (or a
// noexcept function) print the same message and exit 2 instead of aborting.
void InstallOutOfMemoryHandlers();

// ReportOutOfMemory prints the message; main calls it when it catches std::bad_alloc.
void ReportOutOfMemory();

}  // namespace zabsim::cli

#endif  // ZABSIM_CLI_MEMORY_LIMIT_H_

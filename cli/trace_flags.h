// File: cli/trace_flags.h
//
// The flags that write a run's trace, shared by `zabsim sim` and `zabsim run`: where
// (--trace), in what form (--format) and which part of it (--from, --to, --peers,
// --types; runner/trace_window.h).

#ifndef ZABSIM_CLI_TRACE_FLAGS_H_
#define ZABSIM_CLI_TRACE_FLAGS_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "cli/flags.h"
#include "runner/trace_file.h"

namespace zabsim::cli {

void AddTraceFlags(FlagSet& flags);

// OpenTraceFromFlags opens the --trace file, or returns null without --trace. Errors
// (a bad --format or window, window flags without --trace, a file that cannot be
// written) name `command` and the flag.
absl::StatusOr<std::unique_ptr<runner::TraceFile>> OpenTraceFromFlags(const FlagSet& flags,
                                                                      std::string_view command);

}  // namespace zabsim::cli

#endif  // ZABSIM_CLI_TRACE_FLAGS_H_

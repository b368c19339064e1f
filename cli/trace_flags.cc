#include "cli/trace_flags.h"

#include <fmt/format.h>

#include "base/status.h"
#include "runner/trace_window.h"

namespace zabsim::cli {

void AddTraceFlags(FlagSet& flags) {
  flags.Add("trace", "FILE", "", "write the full trace to FILE ('-' for standard output)");
  flags.Add("format", runner::TraceFile::FormatNames(), "text",
            "form of the --trace output: text and jsonl (docs/trace-format.md), a mermaid sequence "
            "diagram or a shiviz log (docs/teaching.md), or html, a step-through viewer (docs/viewer.md)");
  flags.Add("from", "T", "", "trace only records at or after T (simulated seconds, e.g. 0.2)");
  flags.Add("to", "T", "", "trace only records at or before T (simulated seconds)");
  flags.Add("peers", "N,...", "", "trace only what these processes do (servers 1.., then clients)");
  flags.Add("types", "NAME,...", "",
            "trace only these message types (PROPOSAL, ACK, ...) and record kinds (state, commit, ...)");
}

absl::StatusOr<std::unique_ptr<runner::TraceFile>> OpenTraceFromFlags(const FlagSet& flags,
                                                                      std::string_view command) {
  const auto fail = [command](std::string_view what) {
    return absl::InvalidArgumentError(fmt::format("zabsim {}: {}", command, what));
  };
  const auto format = runner::TraceFile::ParseFormat(flags.Get("format"));
  if (!format.ok()) return fail(base::Text(format.status()));
  const auto window =
      runner::ParseWindow(flags.Get("from"), flags.Get("to"), flags.Get("peers"), flags.Get("types"));
  if (!window.ok()) return fail(base::Text(window.status()));
  const std::string path = flags.Get("trace");
  if (path.empty()) {
    // A window or a form without a trace would be silently ignored.
    for (const std::string_view name : {"format", "from", "to", "peers", "types"}) {
      if (flags.IsSet(name)) return fail(fmt::format("--{} needs --trace FILE", name));
    }
    return std::unique_ptr<runner::TraceFile>();
  }
  auto opened = runner::TraceFile::Open(path, *format, *window);
  if (!opened.ok()) return fail(fmt::format("--trace: {}", base::Text(opened.status())));
  return opened;
}

}  // namespace zabsim::cli

// File: runner/trace_window.h
//
// TraceWindow cuts a trace down to what a reader wants to see: a time range, some
// processes, some message types or record kinds (zabsim sim/run --from, --to, --peers,
// --types). It applies to every form of the trace file; verdicts, violations and the end
// record are always written whole.
//
//   auto w = ParseWindow("0.2", "0.7", "1,2", "PROPOSAL,ACK,state");
//   if (w.ok() && w->Keeps(record)) ...

#ifndef ZABSIM_RUNNER_TRACE_WINDOW_H_
#define ZABSIM_RUNNER_TRACE_WINDOW_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "sim/time.h"
#include "sim/trace.h"

namespace zabsim::runner {

struct TraceWindow {
  std::optional<sim::Time> from;  // Records at or after `from`...
  std::optional<sim::Time> to;    // ... and at or before `to`.
  std::set<uint32_t> peers;       // Processes; empty: all of them.
  std::set<std::string> types;    // Message types and record kinds; empty: all of them.

  bool all() const { return !from && !to && peers.empty() && types.empty(); }
  // Keeps says whether `r` is in the window. A record is in it when its time is in the
  // range, it was written by a listed process (a world record: when it names one, as a
  // drop names its sender and receiver; faults always are), and its kind, or the type of
  // the message it carries, is listed.
  bool Keeps(const sim::TraceRecord& r) const;
  bool KeepsPeer(uint64_t process) const { return peers.empty() || peers.contains(static_cast<uint32_t>(process)); }
  // KeepsType says whether a message type or record kind is listed.
  bool KeepsType(std::string_view name) const { return types.empty() || types.contains(std::string(name)); }
  // ToString is the window as flags would give it, e.g. "from=0.2s to=0.7s peers=1,2".
  std::string ToString() const;
};

// ParseWindow reads the four flags' values (empty: not given). Times are simulated
// seconds ("1.5") or durations ("1500ms"); peers are process numbers; types are message
// types (PROPOSAL, ACK, ...) or record kinds (state, commit, ...) of docs/trace-format.md.
// Errors name the flag and list what is allowed.
absl::StatusOr<TraceWindow> ParseWindow(std::string_view from, std::string_view to,
                                        std::string_view peers, std::string_view types);

// The names --types accepts, comma-separated, for messages.
std::string MessageTypeNames();
std::string RecordKindNames();

}  // namespace zabsim::runner

#endif  // ZABSIM_RUNNER_TRACE_WINDOW_H_

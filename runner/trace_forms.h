// File: runner/trace_forms.h
//
// The forms of the trace file (docs/trace-format.md, docs/teaching.md): each renders the
// same records, in order, for a different reader.
//
//   text     one line per record, for people
//   jsonl    one JSON object per line, for programs (docs/examples/recheck.py)
//   mermaid  a Mermaid sequence diagram: servers and clients, messages as arrows
//   shiviz   a log with vector clocks for the ShiViz visualiser
//   html     a self-contained step-through viewer page (docs/viewer.md)
//
// A form receives every record of the run and keeps those in its window: the diagram
// forms need the records outside it too (a state change before --from still says what
// state a server is in). To add a form, add a factory here and a row to the table in
// trace_file.cc.

#ifndef ZABSIM_RUNNER_TRACE_FORMS_H_
#define ZABSIM_RUNNER_TRACE_FORMS_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "runner/run_summary.h"
#include "runner/trace_window.h"
#include "sim/time.h"
#include "sim/trace.h"

namespace zabsim::runner {

// The trace format's version (docs/trace-format.md, section 1).
inline constexpr int kTraceVersion = 1;

// TraceHeader says what produced the run (docs/trace-format.md, section 3).
struct TraceHeader {
  std::string source;    // "sim" or "run".
  std::string scenario;  // The scenario's path, for "run".
  std::vector<std::string> args;
  uint64_t seed = 0;
  uint32_t voters = 0;
  uint32_t observers = 0;
  uint32_t servers = 0;
  uint32_t clients = 0;
  std::string zk;  // The ZooKeeper release.
  std::vector<std::string> bugs;
};

class TraceForm : public sim::TraceSink {
 public:
  // Header is called once, before any record.
  virtual void Header(const TraceHeader& header) = 0;
  // Verdicts is what the checks concluded at `at` (a scenario's `check`, or the end).
  virtual void Verdicts(sim::Time at, const std::vector<Verdict>& verdicts) = 0;
  // End closes the form: `fingerprint` and `records` cover the whole run.
  virtual void End(sim::Time at, uint64_t fingerprint, uint64_t records) = 0;
};

// REQUIRES for each: `out` stays open while the form is in use. Not owned.
std::unique_ptr<TraceForm> MakeTextForm(std::FILE* out, const TraceWindow& window);
std::unique_ptr<TraceForm> MakeJsonlForm(std::FILE* out, const TraceWindow& window);
std::unique_ptr<TraceForm> MakeMermaidForm(std::FILE* out, const TraceWindow& window);
std::unique_ptr<TraceForm> MakeShivizForm(std::FILE* out, const TraceWindow& window);
std::unique_ptr<TraceForm> MakeHtmlForm(std::FILE* out, const TraceWindow& window);  // trace_html.cc

// The records every JSON form shares (docs/trace-format.md, sections 3 and 6): the header
// object (one line, no newline), the verdict and violation records, the end record.
std::string JsonHeader(const TraceHeader& h, const TraceWindow& window);
std::vector<sim::TraceRecord> VerdictRecords(sim::Time at, const std::vector<Verdict>& verdicts);
sim::TraceRecord EndRecord(sim::Time at, uint64_t fingerprint, uint64_t records);

}  // namespace zabsim::runner

#endif  // ZABSIM_RUNNER_TRACE_FORMS_H_

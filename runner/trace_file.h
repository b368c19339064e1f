// File: runner/trace_file.h
//
// TraceFile writes the full trace of one run for people and other programs
// (docs/trace-format.md). In JSON Lines it is
//
//   {"format":"zabsim-trace","version":1,"seed":7,...}      header, once the cluster exists
//   {"t":0,"p":1,"k":"start","incarnation":0}                 every record of the run
//   ...
//   {"t":120000000,"p":0,"k":"verdict","check":"...","ok":true}   what each check concluded
//   {"t":120000000,"p":0,"k":"end","fingerprint":"...","records":N}
//
// Verdict and end records go straight to the file, not through the run's trace: they
// describe the run rather than being part of it, so the fingerprint is the same with or
// without --trace.
//
// The same records can be written in other forms (runner/trace_forms.h): text, a Mermaid
// sequence diagram, a ShiViz log; and cut to a window (runner/trace_window.h).

#ifndef ZABSIM_RUNNER_TRACE_FILE_H_
#define ZABSIM_RUNNER_TRACE_FILE_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "runner/cluster.h"
#include "runner/output_file.h"
#include "runner/run_summary.h"
#include "runner/trace_forms.h"
#include "runner/trace_window.h"
#include "sim/time.h"
#include "sim/trace.h"

namespace zabsim::runner {

class TraceFile {
 public:
  // The forms of the file; FormatNames lists their --format names.
  enum class Format { kText, kJsonl, kMermaid, kShiviz, kHtml };
  static constexpr int kVersion = kTraceVersion;

  // ParseFormat reads a --format value, one of FormatNames().
  static absl::StatusOr<Format> ParseFormat(std::string_view text);
  // FormatNames is "text|jsonl|mermaid|shiviz|html", for help texts and errors.
  static std::string FormatNames();
  // Open starts writing `path` ("-" is standard output) through an OutputFile: the file
  // appears, whole, at Close. Only the records in `window` are written.
  static absl::StatusOr<std::unique_ptr<TraceFile>> Open(const std::string& path, Format format,
                                                         const TraceWindow& window = {});
  ~TraceFile();  // Without Close, nothing is left at the path: the run did not finish.
  TraceFile(const TraceFile&) = delete;
  TraceFile& operator=(const TraceFile&) = delete;

  // Attach writes the header for `cluster` (`source` says what produced the run:
  // "sim", or "run" with the scenario's path; `args` are the command's arguments, which
  // with the version reproduce the run) and attaches the file to its trace. An error
  // when the window names a process the cluster does not have.
  [[nodiscard]] absl::Status Attach(Cluster& cluster, std::string_view source,
                                    std::string_view scenario, const std::vector<std::string>& args);
  // to_stdout: the file is standard output, so the command must print elsewhere.
  bool to_stdout() const { return out_->to_stdout(); }
  // Verdicts writes one verdict record per check, with one record per violation.
  void Verdicts(sim::Time at, const std::vector<Verdict>& verdicts);
  // End writes the closing record and detaches from the trace. Idempotent.
  void End(sim::Time at);
  // Close finishes the file and puts it in place; an error if any write failed (the
  // command must then fail too: a trace that was asked for is a result).
  [[nodiscard]] absl::Status Close();

 private:
  TraceFile(std::unique_ptr<OutputFile> out, std::unique_ptr<TraceForm> form, TraceWindow window);

  std::unique_ptr<OutputFile> out_;
  std::unique_ptr<TraceForm> form_;
  TraceWindow window_;
  Cluster* cluster_ = nullptr;
};

}  // namespace zabsim::runner

#endif  // ZABSIM_RUNNER_TRACE_FILE_H_

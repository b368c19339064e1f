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
#include "runner/run_summary.h"
#include "sim/time.h"
#include "sim/trace.h"

namespace zabsim::runner {

class HtmlSink;

class TraceFile {
 public:
  enum class Format { kText, kJsonl, kHtml };
  static constexpr int kVersion = 1;

  // ParseFormat reads a --format value: "text", "jsonl" or "html" (docs/viewer.md).
  static absl::StatusOr<Format> ParseFormat(std::string_view text);
  // Open creates (or truncates) `path`; "-" is standard output.
  static absl::StatusOr<std::unique_ptr<TraceFile>> Open(const std::string& path, Format format);
  ~TraceFile();
  TraceFile(const TraceFile&) = delete;
  TraceFile& operator=(const TraceFile&) = delete;

  // Attach writes the header for `cluster` (`source` says what produced the run:
  // "sim", or "run" with the scenario's path; `args` are the command's arguments, which
  // with the version reproduce the run) and attaches the file to its trace.
  void Attach(Cluster& cluster, std::string_view source, std::string_view scenario,
              const std::vector<std::string>& args);
  // to_stdout: the file is standard output, so the command must print elsewhere.
  bool to_stdout() const { return file_ == stdout; }
  // Verdicts writes one verdict record per check, with one record per violation.
  void Verdicts(sim::Time at, const std::vector<Verdict>& verdicts);
  // End writes the closing record and detaches from the trace. Idempotent.
  void End(sim::Time at);

 private:
  TraceFile(std::FILE* file, Format format);
  void WriteDirect(const sim::TraceRecord& record);

  std::FILE* file_;
  Format format_;
  std::unique_ptr<sim::TraceSink> sink_;
  HtmlSink* html_ = nullptr;  // sink_, when the format is HTML.
  Cluster* cluster_ = nullptr;
};

}  // namespace zabsim::runner

#endif  // ZABSIM_RUNNER_TRACE_FILE_H_

// File: runner/trace_html.h
//
// HtmlSink writes the trace of one run as a single self-contained HTML page: a
// step-through viewer (docs/viewer.md) with the run's records embedded as data. The
// page needs no network: its CSS and JavaScript come from runner/viewer/, built into
// zabsim (viewer_page.h), and the records are the JSON Lines records of
// docs/trace-format.md, as one JSON array inside a <script type="application/json">.
//
//   HtmlSink sink(file);
//   sink.Begin(header_json);   // the page up to the records, and the header
//   trace.AddSink(&sink);      // every record: one array element each
//   sink.Finish();             // the end of the array, then the viewer's code
//
// `--format html` uses it through the trace form MakeHtmlForm (trace_forms.h).
//
// The records stream straight to the file, so a long run costs no memory here. The same
// run gives the same bytes: the page holds no date, path or random id.

#ifndef ZABSIM_RUNNER_TRACE_HTML_H_
#define ZABSIM_RUNNER_TRACE_HTML_H_

#include <cstdio>
#include <string>
#include <string_view>

#include "sim/trace.h"

namespace zabsim::runner {

class HtmlSink final : public sim::TraceSink {
 public:
  // REQUIRES: `out` stays open until Finish. Not owned.
  explicit HtmlSink(std::FILE* out) : out_(out) {}

  // Begin writes the page up to the records, with `header_json` (the JSON Lines header
  // object, docs/trace-format.md section 3) as the run's header. Call it once, first.
  void Begin(std::string_view header_json);
  void Write(const sim::TraceRecord& record) override;
  // Finish closes the records and writes the rest of the page. Idempotent; does nothing
  // before Begin.
  void Finish();

  // ForScript makes JSON safe inside a <script> element: every '<' becomes "\u003c",
  // which JSON reads as the same character, so no "</script>" or "<!--" in a string (a
  // fault, a path, a scenario's arguments) can end the element early.
  static std::string ForScript(std::string_view json);

 private:
  std::FILE* out_;
  bool begun_ = false;
  bool finished_ = false;
  bool first_record_ = true;
};

}  // namespace zabsim::runner

#endif  // ZABSIM_RUNNER_TRACE_HTML_H_

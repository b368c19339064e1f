#include "runner/trace_html.h"

#include "base/check.h"
#include "runner/viewer_page.h"

namespace zabsim::runner {

namespace {

void Put(std::FILE* out, std::string_view text) { std::fwrite(text.data(), 1, text.size(), out); }

}  // namespace

std::string HtmlSink::ForScript(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  for (const char c : json) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

void HtmlSink::Begin(std::string_view header_json) {
  ZABSIM_CHECK(!begun_, "HtmlSink::Begin called twice");
  begun_ = true;
  Put(out_, kViewerPageHead);
  Put(out_, "<script type=\"application/json\" id=\"zabsim-header\">");
  Put(out_, ForScript(header_json));
  Put(out_, "</script>\n<script type=\"application/json\" id=\"zabsim-records\">[");
}

void HtmlSink::Write(const sim::TraceRecord& record) {
  ZABSIM_CHECK(begun_ && !finished_, "a trace record outside the HTML page's records");
  // One record per line, so that the page's source reads like the JSON Lines file.
  Put(out_, first_record_ ? "\n" : ",\n");
  first_record_ = false;
  Put(out_, ForScript(sim::JsonlSink::Format(record)));
}

void HtmlSink::Finish() {
  if (!begun_ || finished_) return;
  finished_ = true;
  Put(out_, "\n]</script>\n");
  Put(out_, kViewerPageTail);
}

}  // namespace zabsim::runner

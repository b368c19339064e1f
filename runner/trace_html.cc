#include "runner/trace_html.h"

#include "base/check.h"
#include "runner/trace_forms.h"
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

namespace {

// HtmlForm is the trace form of the page: the JSON Lines records, in the page.
class HtmlForm final : public TraceForm {
 public:
  HtmlForm(std::FILE* out, const TraceWindow& window) : sink_(out), window_(window) {}
  // A run cut short still gives a page that loads (with no end record, like a cut JSON
  // Lines file).
  ~HtmlForm() override { sink_.Finish(); }

  void Header(const TraceHeader& h) override { sink_.Begin(JsonHeader(h, window_)); }
  void Write(const sim::TraceRecord& record) override {
    if (window_.Keeps(record)) sink_.Write(record);
  }
  void Verdicts(sim::Time at, const std::vector<Verdict>& verdicts) override {
    for (const sim::TraceRecord& r : VerdictRecords(at, verdicts)) sink_.Write(r);
  }
  void End(sim::Time at, uint64_t fingerprint, uint64_t records) override {
    sink_.Write(EndRecord(at, fingerprint, records));
    sink_.Finish();
  }

 private:
  HtmlSink sink_;
  TraceWindow window_;
};

}  // namespace

std::unique_ptr<TraceForm> MakeHtmlForm(std::FILE* out, const TraceWindow& window) {
  return std::make_unique<HtmlForm>(out, window);
}

}  // namespace zabsim::runner

// The text and JSON Lines forms (docs/trace-format.md, section 1).

#include "runner/trace_forms.h"

#include <fmt/format.h>

namespace zabsim::runner {
namespace {

// LineForm writes records one per line through a text or JSON Lines sink.
template <typename Sink>
class LineForm final : public TraceForm {
 public:
  LineForm(std::FILE* out, const TraceWindow& window, bool jsonl)
      : out_(out), sink_(out), window_(window), jsonl_(jsonl) {}

  void Write(const sim::TraceRecord& record) override {
    if (window_.Keeps(record)) sink_.Write(record);
  }
  void Header(const TraceHeader& h) override { jsonl_ ? WriteJsonHeader(h) : TextHeader(h); }
  void Verdicts(sim::Time at, const std::vector<Verdict>& verdicts) override {
    for (const sim::TraceRecord& r : VerdictRecords(at, verdicts)) sink_.Write(r);
  }
  void End(sim::Time at, uint64_t fingerprint, uint64_t records) override {
    sink_.Write(EndRecord(at, fingerprint, records));
  }

 private:
  void WriteJsonHeader(const TraceHeader& h) { fmt::print(out_, "{}\n", JsonHeader(h, window_)); }
  void TextHeader(const TraceHeader& h) {
    std::string bugs;
    for (const std::string& b : h.bugs) bugs += fmt::format(" bug={}", b);
    std::string argv;
    for (const std::string& a : h.args) argv += " " + sim::JsonEscape(a);
    const std::string window =
        window_.all() ? "" : fmt::format(" window={}", sim::JsonEscape(window_.ToString()));
    fmt::print(out_,
               "# zabsim-trace version={} source={}{} seed={} voters={} observers={} servers={} "
               "clients={} zk={}{}{} args:{}\n",
               kTraceVersion, h.source, h.scenario.empty() ? "" : fmt::format(" scenario={}", h.scenario), h.seed,
               h.voters, h.observers, h.servers, h.clients, h.zk, bugs, window, argv);
  }

  std::FILE* out_;
  Sink sink_;
  TraceWindow window_;
  bool jsonl_;
};

}  // namespace

std::string JsonHeader(const TraceHeader& h, const TraceWindow& window) {
  std::string bugs;
  for (const std::string& b : h.bugs) bugs += (bugs.empty() ? "" : ",") + sim::JsonEscape(b);
  std::string argv;
  for (const std::string& a : h.args) argv += (argv.empty() ? "" : ",") + sim::JsonEscape(a);
  // The window is written only when it cuts something: a whole trace's header is as it
  // always was.
  const std::string cut =
      window.all() ? "" : fmt::format(",\"window\":{}", sim::JsonEscape(window.ToString()));
  return fmt::format(
      "{{\"format\":\"zabsim-trace\",\"version\":{},\"source\":{},{}\"args\":[{}],"
      "\"seed\":{},\"voters\":{},\"observers\":{},\"servers\":{},\"clients\":{},"
      "\"zk\":{},\"bugs\":[{}]{}}}",
      kTraceVersion, sim::JsonEscape(h.source),
      h.scenario.empty() ? "" : fmt::format("\"scenario\":{},", sim::JsonEscape(h.scenario)), argv, h.seed,
      h.voters, h.observers, h.servers, h.clients, sim::JsonEscape(h.zk), bugs, cut);
}

std::vector<sim::TraceRecord> VerdictRecords(sim::Time at, const std::vector<Verdict>& verdicts) {
  std::vector<sim::TraceRecord> out;
  for (const Verdict& v : verdicts) {
    sim::TraceRecord r;
    r.time = at;
    r.kind = "verdict";
    r.fields.push_back({"check", sim::TraceField::Type::kStr, 0, v.check});
    r.fields.push_back({"ok", sim::TraceField::Type::kBool, v.violations.empty() ? 1u : 0u, ""});
    r.fields.push_back({"violations", sim::TraceField::Type::kUint, v.violations.size(), ""});
    if (!v.known.empty()) r.fields.push_back({"known", sim::TraceField::Type::kStr, 0, v.known});
    out.push_back(std::move(r));
    for (const std::string& detail : v.violations) {
      sim::TraceRecord d;
      d.time = at;
      d.kind = "violation";
      d.fields.push_back({"check", sim::TraceField::Type::kStr, 0, v.check});
      d.fields.push_back({"detail", sim::TraceField::Type::kStr, 0, detail});
      out.push_back(std::move(d));
    }
  }
  return out;
}

sim::TraceRecord EndRecord(sim::Time at, uint64_t fingerprint, uint64_t records) {
  sim::TraceRecord r;
  r.time = at;
  r.kind = "end";
  r.fields.push_back({"fingerprint", sim::TraceField::Type::kStr, 0, sim::FormatFingerprint(fingerprint)});
  r.fields.push_back({"records", sim::TraceField::Type::kUint, records, ""});
  return r;
}

std::unique_ptr<TraceForm> MakeTextForm(std::FILE* out, const TraceWindow& window) {
  return std::make_unique<LineForm<sim::TextSink>>(out, window, false);
}

std::unique_ptr<TraceForm> MakeJsonlForm(std::FILE* out, const TraceWindow& window) {
  return std::make_unique<LineForm<sim::JsonlSink>>(out, window, true);
}

}  // namespace zabsim::runner

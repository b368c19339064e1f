#include "runner/trace_file.h"

#include <fmt/format.h>

#include "runner/trace_html.h"
#include "zab/config.h"

namespace zabsim::runner {

absl::StatusOr<TraceFile::Format> TraceFile::ParseFormat(std::string_view text) {
  if (text == "text") return Format::kText;
  if (text == "jsonl") return Format::kJsonl;
  if (text == "html") return Format::kHtml;
  return absl::InvalidArgumentError(fmt::format("--format={}: expected text, jsonl or html", text));
}

absl::StatusOr<std::unique_ptr<TraceFile>> TraceFile::Open(const std::string& path,
                                                           Format format) {
  std::FILE* file = path == "-" ? stdout : std::fopen(path.c_str(), "w");
  if (file == nullptr) return absl::InvalidArgumentError(fmt::format("cannot write {}", path));
  return std::unique_ptr<TraceFile>(new TraceFile(file, format));
}

TraceFile::TraceFile(std::FILE* file, Format format) : file_(file), format_(format) {
  if (format_ == Format::kJsonl) {
    sink_ = std::make_unique<sim::JsonlSink>(file_);
  } else if (format_ == Format::kHtml) {
    auto html = std::make_unique<HtmlSink>(file_);
    html_ = html.get();
    sink_ = std::move(html);
  } else {
    sink_ = std::make_unique<sim::TextSink>(file_);
  }
}

TraceFile::~TraceFile() {
  if (cluster_ != nullptr) cluster_->world().trace().RemoveSink(sink_.get());
  // A run cut short still gives a page that loads (with no end record, like a cut JSON
  // Lines file); Finish does nothing if End already closed it.
  if (html_ != nullptr) html_->Finish();
  if (file_ == stdout) {
    std::fflush(file_);
  } else {
    std::fclose(file_);
  }
}

void TraceFile::Attach(Cluster& cluster, std::string_view source, std::string_view scenario,
                       const std::vector<std::string>& args) {
  cluster_ = &cluster;
  const ClusterOptions& o = cluster.options();
  if (format_ == Format::kJsonl || format_ == Format::kHtml) {
    std::string bugs;
    for (const std::string_view b : zab::EnabledBugs(o.zab.bugs)) {
      if (!bugs.empty()) bugs += ",";
      bugs += sim::JsonEscape(b);
    }
    std::string argv;
    for (const std::string& a : args) {
      if (!argv.empty()) argv += ",";
      argv += sim::JsonEscape(a);
    }
    const std::string header = fmt::format(
               "{{\"format\":\"zabsim-trace\",\"version\":{},\"source\":{},{}\"args\":[{}],"
               "\"seed\":{},\"voters\":{},\"observers\":{},\"servers\":{},\"clients\":{},"
               "\"bugs\":[{}]}}",
               kVersion, sim::JsonEscape(source),
               scenario.empty() ? "" : fmt::format("\"scenario\":{},", sim::JsonEscape(scenario)), argv,
               o.seed, o.zab.voters, o.zab.observers, cluster.servers(), cluster.clients(), bugs);
    if (html_ != nullptr) {
      html_->Begin(header);
    } else {
      fmt::print(file_, "{}\n", header);
    }
  } else {
    std::string bugs;
    for (const std::string_view b : zab::EnabledBugs(o.zab.bugs)) bugs += fmt::format(" bug={}", b);
    std::string argv;
    for (const std::string& a : args) {
      argv += ' ';
      argv += sim::JsonEscape(a);
    }
    fmt::print(file_,
               "# zabsim-trace version={} source={}{} seed={} voters={} observers={} servers={} "
               "clients={}{} args:{}\n",
               kVersion, source, scenario.empty() ? "" : fmt::format(" scenario={}", scenario), o.seed,
               o.zab.voters, o.zab.observers, cluster.servers(), cluster.clients(), bugs, argv);
  }
  cluster.world().trace().AddSink(sink_.get());
}

void TraceFile::WriteDirect(const sim::TraceRecord& record) { sink_->Write(record); }

void TraceFile::Verdicts(sim::Time at, const std::vector<Verdict>& verdicts) {
  for (const Verdict& v : verdicts) {
    sim::TraceRecord r;
    r.time = at;
    r.kind = "verdict";
    r.fields.push_back({"check", sim::TraceField::Type::kStr, 0, v.check});
    r.fields.push_back({"ok", sim::TraceField::Type::kBool, v.violations.empty() ? 1u : 0u, ""});
    r.fields.push_back({"violations", sim::TraceField::Type::kUint, v.violations.size(), ""});
    WriteDirect(r);
    for (const std::string& detail : v.violations) {
      sim::TraceRecord d;
      d.time = at;
      d.kind = "violation";
      d.fields.push_back({"check", sim::TraceField::Type::kStr, 0, v.check});
      d.fields.push_back({"detail", sim::TraceField::Type::kStr, 0, detail});
      WriteDirect(d);
    }
  }
}

void TraceFile::End(sim::Time at) {
  if (cluster_ == nullptr) return;
  sim::Trace& trace = cluster_->world().trace();
  trace.RemoveSink(sink_.get());
  sim::TraceRecord r;
  r.time = at;
  r.kind = "end";
  r.fields.push_back({"fingerprint", sim::TraceField::Type::kStr, 0,
                      sim::FormatFingerprint(trace.fingerprint())});
  r.fields.push_back({"records", sim::TraceField::Type::kUint, trace.records(), ""});
  WriteDirect(r);
  if (html_ != nullptr) html_->Finish();
  std::fflush(file_);
  cluster_ = nullptr;
}

}  // namespace zabsim::runner

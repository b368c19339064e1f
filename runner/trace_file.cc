#include "runner/trace_file.h"

#include <fmt/format.h>

#include "zab/config.h"

namespace zabsim::runner {
namespace {

// Each form's --format name and maker; a new form is one more row.
struct FormEntry {
  std::string_view name;
  TraceFile::Format format;
  std::unique_ptr<TraceForm> (*make)(std::FILE*, const TraceWindow&);
};

constexpr FormEntry kForms[] = {
    {"text", TraceFile::Format::kText, MakeTextForm},
    {"jsonl", TraceFile::Format::kJsonl, MakeJsonlForm},
    {"mermaid", TraceFile::Format::kMermaid, MakeMermaidForm},
    {"shiviz", TraceFile::Format::kShiviz, MakeShivizForm},
    {"html", TraceFile::Format::kHtml, MakeHtmlForm},
};

}  // namespace

std::string TraceFile::FormatNames() {
  std::string out;
  for (const FormEntry& f : kForms) out += (out.empty() ? "" : "|") + std::string(f.name);
  return out;
}

absl::StatusOr<TraceFile::Format> TraceFile::ParseFormat(std::string_view text) {
  for (const FormEntry& f : kForms) {
    if (f.name == text) return f.format;
  }
  return absl::InvalidArgumentError(fmt::format("--format={}: expected one of {}", text, FormatNames()));
}

absl::StatusOr<std::unique_ptr<TraceFile>> TraceFile::Open(const std::string& path, Format format,
                                                           const TraceWindow& window) {
  const FormEntry* entry = nullptr;
  for (const FormEntry& f : kForms) {
    if (f.format == format) entry = &f;
  }
  if (entry == nullptr) return absl::InvalidArgumentError("unknown trace format");
  auto out = OutputFile::Open(path);
  if (!out.ok()) return out.status();
  std::FILE* const file = (*out)->file();
  return std::unique_ptr<TraceFile>(new TraceFile(*std::move(out), entry->make(file, window), window));
}

TraceFile::TraceFile(std::unique_ptr<OutputFile> out, std::unique_ptr<TraceForm> form, TraceWindow window)
    : out_(std::move(out)), form_(std::move(form)), window_(std::move(window)) {}

TraceFile::~TraceFile() {
  if (cluster_ != nullptr) cluster_->world().trace().RemoveSink(form_.get());
  form_.reset();
}

absl::Status TraceFile::Close() {
  if (cluster_ != nullptr) cluster_->world().trace().RemoveSink(form_.get());
  cluster_ = nullptr;
  // The form may still write (a run cut short still gives an HTML page that loads): it
  // goes before the file is closed.
  form_.reset();
  return out_->Commit();
}

absl::Status TraceFile::Attach(Cluster& cluster, std::string_view source, std::string_view scenario,
                               const std::vector<std::string>& args) {
  const uint32_t processes = cluster.servers() + cluster.clients();
  if (!window_.peers.empty() && *window_.peers.rbegin() > processes) {
    return absl::InvalidArgumentError(fmt::format(
        "--peers: no process {} (the run has servers 1..{} and clients {}..{})", *window_.peers.rbegin(),
        cluster.servers(), cluster.servers() + 1, processes));
  }
  cluster_ = &cluster;
  const ClusterOptions& o = cluster.options();
  TraceHeader h;
  h.source = source;
  h.scenario = scenario;
  h.args = args;
  h.seed = o.seed;
  h.voters = o.zab.voters;
  h.observers = o.zab.observers;
  h.servers = cluster.servers();
  h.clients = cluster.clients();
  h.zk = o.zab.release;
  for (const std::string_view b : zab::EnabledBugs(o.zab.bugs)) h.bugs.emplace_back(b);
  form_->Header(h);
  cluster.world().trace().AddSink(form_.get());
  return absl::OkStatus();
}

void TraceFile::Verdicts(sim::Time at, const std::vector<Verdict>& verdicts) {
  form_->Verdicts(at, verdicts);
}

void TraceFile::End(sim::Time at) {
  if (cluster_ == nullptr) return;
  sim::Trace& trace = cluster_->world().trace();
  trace.RemoveSink(form_.get());
  form_->End(at, trace.fingerprint(), trace.records());
  cluster_ = nullptr;
}

}  // namespace zabsim::runner

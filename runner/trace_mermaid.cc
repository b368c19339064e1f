// The Mermaid form: a sequence diagram of the run (docs/teaching.md).
//
//   sequenceDiagram
//   %% zabsim-trace version=1 source=run scenario=scenarios/sync-trunc.scn seed=1 ...
//   participant S1 as server 1
//   participant C1 as client c1
//   Note over S3: 0.203 LOOKING → LEADING
//   S3->>S1: 0.205 LEADERINFO 0x100000000
//   S3-xS1: 0.287 PROPOSAL 0x100000003 (lost: in-flight)
//
// Messages are drawn when they arrive (or are lost), so the diagram's order is the order
// in which processes learn things. The text is plain Mermaid, not a Markdown block: put
// it in a ```mermaid fence to show it on GitHub.

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "runner/record_fields.h"
#include "runner/scenario/render.h"
#include "runner/trace_forms.h"

namespace zabsim::runner {
namespace {

// Mermaid refuses diagrams over 50,000 characters by default (maxTextSize); the drawn
// part stops below that, with a note of how much was left out.
constexpr size_t kMaxDrawnBytes = 36000;
// Violations are drawn past that cap, but not without end.
constexpr size_t kMaxViolationNotes = 20;

// What a diagram shows when --types does not say: every message but PINGs, and the
// records that explain the protocol's steps.
constexpr std::string_view kDefaultNotes[] = {
    "state",  "established", "sync-choice", "commit",     "truncate-log", "crash",
    "restart", "fault",      "fault-ignored", "unexpected", "role-ended", "halt", "complete"};

std::string Str(const sim::TraceRecord& r, std::string_view key) { return FieldText(r, key); }
uint64_t Num(const sim::TraceRecord& r, std::string_view key) { return FieldNum(r, key); }

// Safe keeps a text inside one Mermaid statement: ';' and '#' have meanings there, and a
// newline would end it.
std::string Safe(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size() && out.size() < 300; ++i) {
    const char c = text[i];
    if (c == '-' && i + 1 < text.size() && text[i + 1] == '>') {
      out += "→";
      ++i;
    } else if (c == ';' || c == '\n') {
      out += ", ";
    } else if (c == '>') {
      out += "→";  // "hold 3>1": the link from 3 to 1.
    } else if (c == '#' || c == '<') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string Seconds(sim::Time t) { return fmt::format("{}.{:03}", t.us / 1000000, (t.us / 1000) % 1000); }

// Label is what an arrow says about a message: its type and what matters in it.
std::string Label(const sim::TraceRecord& r) {
  const std::string type = Str(r, "type");
  const std::string zxid = Str(r, "zxid");
  std::string path = Str(r, "op");
  if (const std::string p = Str(r, "path"); !p.empty()) path += " " + p;
  if (type == "NOTIFICATION") {
    return fmt::format("vote {} zxid={} epoch={} round={} ({})", Num(r, "leader"), zxid, Num(r, "peer_epoch"),
                       Num(r, "round"), Str(r, "state"));
  }
  if (type == "ACKEPOCH") return fmt::format("ACKEPOCH last={} epoch={}", zxid, Str(r, "current_epoch"));
  if (type == "PROPOSAL" || type == "INFORM") return fmt::format("{} {} {}", type, zxid, path);
  if (type == "REQUEST" || type == "SYNC" || type == "CLIENT-REQUEST") {
    return fmt::format("{} {} cxid={}", type, path, Num(r, "cxid"));
  }
  if (type == "CLIENT-REPLY") return fmt::format("REPLY cxid={} {} {}", Num(r, "cxid"), Str(r, "code"), zxid);
  if (type == "UPTODATE") return type;
  return fmt::format("{} {}", type, zxid);
}

class MermaidForm final : public TraceForm {
 public:
  MermaidForm(std::FILE* out, const TraceWindow& window) : out_(out), window_(window) {}

  void Header(const TraceHeader& h) override {
    servers_ = h.servers;
    renderer_ = std::make_unique<scenario::Renderer>(h.servers);
    fmt::print(out_, "sequenceDiagram\n");
    fmt::print(out_, "%% zabsim-trace version={} source={}{} seed={} voters={} observers={} clients={}{}\n",
               kTraceVersion, h.source, h.scenario.empty() ? "" : " scenario=" + Safe(h.scenario), h.seed,
               h.voters, h.observers, h.clients, window_.all() ? "" : " window: " + Safe(window_.ToString()));
    for (uint32_t p = 1; p <= h.servers + h.clients; ++p) {
      if (!window_.KeepsPeer(p)) continue;
      declared_.push_back(p);
      fmt::print(out_, "participant {} as {}\n", Id(p),
                 p <= h.servers ? fmt::format("server {}", p) : fmt::format("client c{}", p - h.servers));
    }
  }

  void Write(const sim::TraceRecord& r) override {
    // The scenario renderer tracks each server's state, so it sees every record.
    const auto line = renderer_ != nullptr ? renderer_->Render(r) : std::nullopt;
    if (!window_.Keeps(r) || declared_.empty()) return;
    const std::string_view k = r.kind;
    if (k == "recv" || k == "drop") {
      const std::string type = Str(r, "type");
      if (window_.types.empty() && type == "PING") return;
      const uint64_t from = Num(r, "from");
      const uint64_t to = k == "recv" ? r.process : Num(r, "to");
      if (!Declared(from) || !Declared(to)) return;
      const std::string arrow = k == "drop" ? "-x" : type == "CLIENT-REPLY" ? "-->>" : "->>";
      const std::string lost = k == "drop" ? fmt::format(" (lost: {})", Str(r, "reason")) : "";
      Draw(fmt::format("{}{}{}: {} {}{}", Id(from), arrow, Id(to), Seconds(r.time), Safe(Label(r)), lost));
      return;
    }
    if (k == "send") return;  // Drawn when it arrives.
    if (k == "park") {
      // A frame held on its link (hold fault): drawn as a note over its sender.
      const uint64_t from = Num(r, "from");
      if (!Declared(from) || r.Find("type") == nullptr) return;
      Draw(fmt::format("Note over {}: {} {} to {} held on the link", Id(from), Seconds(r.time), Safe(Label(r)),
                       ShortName(Num(r, "to"))));
      return;
    }
    if (window_.types.empty() && !DefaultNote(k)) return;
    // A state record that changes neither role nor phase (new epochs) has no note.
    if (k == "state" && !line) return;
    std::string text;
    if (k == "crash") {
      text = "crashed";
    } else if (k == "restart") {
      text = fmt::format("restarts (incarnation {})", Num(r, "incarnation"));
    } else if (line) {
      text = line->second;
    } else {
      text = sim::TextSink::Format(r);  // "T pN kind k=v ...": keep the kind onwards.
      for (int skip = 0; skip < 2 && text.find(' ') != std::string::npos; ++skip) text.erase(0, text.find(' ') + 1);
    }
    // The renderer names the server first ("3 commit ..."); the note is over it already.
    const std::string who = r.process == 0 ? "" : ShortName(r.process) + " ";
    if (!who.empty() && text.rfind(who, 0) == 0) text.erase(0, who.size());
    if (k == "unexpected") {
      Draw({"rect rgb(255, 214, 214)",
            fmt::format("Note over {}: {} UNEXPECTED {}", Over(r.process), Seconds(r.time), Safe(text)), "end"});
      return;
    }
    Draw(fmt::format("Note over {}: {} {}", Over(r.process), Seconds(r.time), Safe(text)));
  }

  void Verdicts(sim::Time at, const std::vector<Verdict>& verdicts) override {
    if (declared_.empty()) return;
    size_t broken = 0;
    for (const Verdict& v : verdicts) {
      for (const std::string& detail : v.violations) {
        // Violations are drawn past the size cap: they are the point.
        if (++broken <= kMaxViolationNotes) {
          fmt::print(out_, "rect rgb(255, 214, 214)\nNote over {}: VIOLATION {}\nend\n", Over(0), Safe(detail));
        }
      }
    }
    if (broken > kMaxViolationNotes) {
      fmt::print(out_, "Note over {}: and {} more violations (see --format text)\n", Over(0), broken - kMaxViolationNotes);
    }
    if (broken == 0) fmt::print(out_, "Note over {}: {} checks: all {} hold\n", Over(0), Seconds(at), verdicts.size());
  }

  void End(sim::Time at, uint64_t fingerprint, uint64_t records) override {
    if (hidden_ > 0 && !declared_.empty()) {
      fmt::print(out_, "Note over {}: {} more steps not drawn (a diagram must stay under Mermaid's size limit): cut the run with --from, --to, --peers or --types\n",
                 Over(0), hidden_);
    }
    fmt::print(out_, "%% end at {} fingerprint={} records={}\n", Seconds(at), sim::FormatFingerprint(fingerprint),
               records);
  }

 private:
  std::string Id(uint64_t p) const { return p <= servers_ ? fmt::format("S{}", p) : fmt::format("C{}", p - servers_); }
  std::string ShortName(uint64_t p) const {
    return p <= servers_ ? fmt::format("{}", p) : fmt::format("c{}", p - servers_);
  }
  bool Declared(uint64_t p) const {
    return std::find(declared_.begin(), declared_.end(), p) != declared_.end();
  }
  static bool DefaultNote(std::string_view kind) {
    return std::find(std::begin(kDefaultNotes), std::end(kDefaultNotes), kind) != std::end(kDefaultNotes);
  }
  // Over is where a note goes: over its process, or across the diagram for the world.
  std::string Over(uint64_t p) const {
    if (p != 0 && Declared(p)) return Id(p);
    if (declared_.size() == 1) return Id(declared_.front());
    return Id(declared_.front()) + "," + Id(declared_.back());
  }
  // Draw writes one step, whole (a highlighted note is three statements), or counts it
  // as left out once the diagram is full.
  void Draw(const std::vector<std::string>& statements) {
    if (drawn_bytes_ > kMaxDrawnBytes) {
      ++hidden_;
      return;
    }
    for (const std::string& s : statements) {
      drawn_bytes_ += s.size() + 1;
      fmt::print(out_, "{}\n", s);
    }
  }
  void Draw(const std::string& statement) { Draw(std::vector<std::string>{statement}); }

  std::FILE* out_;
  TraceWindow window_;
  uint32_t servers_ = 0;
  std::vector<uint64_t> declared_;
  std::unique_ptr<scenario::Renderer> renderer_;
  size_t drawn_bytes_ = 0;
  uint64_t hidden_ = 0;
};

}  // namespace

std::unique_ptr<TraceForm> MakeMermaidForm(std::FILE* out, const TraceWindow& window) {
  return std::make_unique<MermaidForm>(out, window);
}

}  // namespace zabsim::runner

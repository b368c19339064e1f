// The core of ScenarioRunner: it runs each directive through its row of the table of
// commands (command_table.cc), resolves the names of captures, and keeps the trace's
// records as the command's output lines; RunFile runs a whole file and compares the
// outputs. The commands themselves are in the *_commands.cc file of their family.

#include "runner/scenario/runner.h"

#include <algorithm>
#include <climits>
#include <set>

#include <fmt/compile.h>
#include <fmt/format.h>

#include "base/status.h"
#include "runner/scenario/args.h"

namespace zabsim::runner::scenario {
namespace {

constexpr size_t kMaxOutputLines = 5000;

std::string TimePrefix(sim::Time t) {
  return fmt::format(FMT_COMPILE("{:>4}.{:03}"), t.us / 1000000, (t.us / 1000) % 1000);
}

}  // namespace

ScenarioRunner::ScenarioRunner(const ScenarioFile& file, zab::ReleaseChoice extra)
    : file_(file), extra_(std::move(extra)) {}

ScenarioRunner::~ScenarioRunner() {
  if (cluster_) cluster_->world().trace().RemoveSink(&sink_);
}

absl::Status ScenarioRunner::Error(const Directive& d, int column, std::string_view what) const {
  // In a repeat block the line is the same for every pass: the variables tell which.
  const std::string loop = d.loop.empty() ? "" : fmt::format(" (in repeat, {})", d.loop);
  // A command armed by `on` (the one directive not at column 1) is named within it.
  const std::string_view within = d.column > 1 ? "on: " : "";
  return absl::InvalidArgumentError(
      fmt::format("{}: {}{}: {}{}", Location(file_, d.line, column), within, d.name, what, loop));
}

std::vector<std::string> ScenarioRunner::Violations() const {
  std::vector<std::string> out = summary_ ? summary_->violations() : std::vector<std::string>{};
  out.insert(out.end(), liveness_violations_.begin(), liveness_violations_.end());
  return out;
}

uint64_t ScenarioRunner::Fingerprint() const {
  return cluster_ ? cluster_->world().trace().fingerprint() : 0;
}

absl::StatusOr<uint32_t> ScenarioRunner::Server(const Arg& arg) const {
  const Directive& d = *current_;
  const uint32_t servers = cluster_->servers();
  uint64_t v = 0;
  bool ok = !arg.value.empty() && arg.value.size() <= 4;
  for (const char c : arg.value) {
    ok = ok && c >= '0' && c <= '9';
    if (ok) v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!ok || v < 1 || v > servers) {
    return Error(d, arg.column, fmt::format("no server '{}' (servers are 1..{})", arg.value, servers));
  }
  return static_cast<uint32_t>(v);
}

void ScenarioRunner::Shown::Add(std::string line) {
  if (lines.size() >= kMaxOutputLines) {
    ++hidden;
  } else {
    lines.push_back(std::move(line));
  }
}

void ScenarioRunner::Shown::MoveTo(Lines& out) {
  for (std::string& line : lines) out.push_back(std::move(line));
  if (hidden > 0) out.push_back(fmt::format("... {} more lines not shown", hidden));
  lines.clear();
  hidden = 0;
}

std::vector<std::string> ScenarioRunner::TakeNarration() {
  if (narration_untold_ > 0) {
    narration_.push_back(fmt::format("... {} more sentences not shown", narration_untold_));
    narration_untold_ = 0;
  }
  return std::exchange(narration_, {});
}

void ScenarioRunner::Take(const sim::TraceRecord& r) {
  if (!taking_) {
    waiting_.push_back(r);
    return;
  }
  if (narrator_ != nullptr) {
    // Always narrate (the narrator tracks state), but keep at most kMaxOutputLines.
    if (narration_.size() < kMaxOutputLines) {
      narrator_->Narrate(r, narration_);
    } else {
      std::vector<std::string> untold;
      narrator_->Narrate(r, untold);
      narration_untold_ += untold.size();
    }
  }
  // Always render (the renderer tracks state), but write only the lines that may be
  // kept: those of the shown categories, and state changes for a failed wait.
  auto line = renderer_->Render(r, categories_ | kState);
  if (!line) return;
  const bool shown = (line->first & categories_) != 0;
  // A failed wait shows the state changes too: kept apart while the command hides them.
  const bool with_state = (categories_ & kState) == 0 && (line->first & (categories_ | kState)) != 0;
  if (!shown && !with_state) return;
  // A command may show thousands of lines (a replay renders about one for every two
  // records): each is built in one string and moved, not copied, into the lines kept.
  std::string text = TimePrefix(r.time);
  text += ' ';
  text += captures_.Annotate(std::move(line->second));
  if (shown && with_state) shown_with_state_.Add(text);
  if (shown) {
    shown_.Add(std::move(text));
  } else {
    shown_with_state_.Add(std::move(text));
  }
}

void ScenarioRunner::Flush(bool with_state, Lines& out) {
  if (with_state && (categories_ & kState) == 0) {
    shown_with_state_.MoveTo(out);
  } else {
    shown_.MoveTo(out);
  }
  shown_ = {};
  shown_with_state_ = {};
}

sim::Time ScenarioRunner::Deadline(sim::Duration wait) const {
  return std::min(cluster_->world().now() + wait, end_);
}

bool ScenarioRunner::RunUntil(const std::function<bool()>& done, sim::Duration limit) {
  return cluster_->world().RunUntilTrue(done, Deadline(limit));
}

absl::StatusOr<Directive> ScenarioRunner::Resolve(const Directive& d) const {
  Directive out = d;
  for (Arg& a : out.args) {
    // `run until=proposed:$w` waits for w's zxid: the one use of a name not known yet.
    if (d.name == "run" && a.key == "until" && a.value.starts_with("proposed:$")) {
      const scenario::Capture* c = captures_.Find(std::string_view(a.value).substr(10));
      if (c != nullptr && !c->zxid.has_value()) continue;
    }
    for (std::string* text : {&a.key, &a.value}) {
      if (text->find('$') == std::string::npos) continue;
      size_t offset = 0;
      auto value = captures_.Substitute(*text, offset);
      if (!value.ok()) {
        const size_t before = text == &a.value && !a.key.empty() ? a.key.size() + 1 : 0;
        return Error(d, a.column + static_cast<int>(before + offset), base::Text(value.status()));
      }
      *text = *std::move(value);
    }
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> ScenarioRunner::Execute(const Directive& written) {
  const Command* command = FindCommand(written.name);
  if (command == nullptr) {
    return Error(written, 1, fmt::format("unknown command (expected one of: {})", CommandNames()));
  }
  auto resolved = Resolve(written);
  if (!resolved.ok()) return resolved.status();
  const Directive& d = *resolved;
  Lines out;
  Args args(*this, d);
  current_ = &d;
  written_ = &written;
  if (d.name == "cluster") {
    if (cluster_) return Error(d, 1, "the cluster exists already (one 'cluster' per scenario)");
    if (absl::Status s = (this->*command->handler)(d, args, out); !s.ok()) return s;
    return out;
  }
  if (!cluster_) return Error(d, 1, "expected 'cluster' before any other command");
  // An expectation lets no time pass and shows no trace: the records that came since the
  // last command stay for the next one, whose frozen output would otherwise lose them.
  if (d.name == "expect") {
    if (absl::Status s = (this->*command->handler)(d, args, out); !s.ok()) return s;
    return out;
  }
  uint32_t categories = show_;
  // The `show=` of an `on` directive is before its `do`: after it, it would be the
  // triggered command's, which takes none.
  int show_before = INT_MAX;
  if (d.name == "on") {
    for (const Arg& a : d.args) {
      if (a.key.empty() && a.value == "do") {
        show_before = a.column;
        break;
      }
    }
  }
  if (const Arg* show = args.Key("show", show_before)) {
    auto c = ParseCategories(show->value, show_);
    if (!c.ok()) return Error(d, show->column, base::Text(c.status()));
    categories = *c;
  }
  categories_ = categories;
  taking_ = true;
  for (const sim::TraceRecord& r : std::exchange(waiting_, {})) Take(r);
  absl::Status s;
  s = (this->*command->handler)(d, args, out);
  // What the command did to the world at once may be a trigger's event.
  FireTriggers();
  taking_ = false;
  if (!trigger_error_.ok()) return std::exchange(trigger_error_, absl::OkStatus());
  if (!s.ok()) return s;
  if (absl::Status f = args.Finish(); !f.ok()) return f;
  // What happened while the command ran comes first, then what it printed itself.
  Lines trace;
  Flush(/*with_state=*/false, trace);
  trace.insert(trace.end(), out.begin(), out.end());
  if (trace.empty()) trace.push_back("ok");
  return trace;
}

void ScenarioRunner::Note(const EventRecord& r) {
  const auto raise = [](std::optional<uint64_t>& at, uint64_t value) {
    at = std::max(at.value_or(0), value);
  };
  if (const auto* e = std::get_if<zab::LeaderEstablished>(&r.event)) {
    leaders_[e->epoch.value].push_back(r.process);
  }
  if (std::optional<std::string> line = captures_.Note(r); line.has_value() && taking_) {
    // A name is shown as soon as its zxid is known, whatever the categories shown.
    const std::string text = TimePrefix(r.time) + " " + *line;
    shown_.Add(text);
    shown_with_state_.Add(text);
  }
  for (const uint32_t key : {0u, r.process}) {
    Reached& reached = reached_[key];
    if (const auto* e = std::get_if<zab::LeaderEstablished>(&r.event)) {
      reached.epoch = std::max<uint64_t>(reached.epoch, e->epoch.value);
    } else if (const auto* p = std::get_if<zab::Proposed>(&r.event)) {
      raise(reached.proposed, p->zxid.value);
    } else if (const auto* c = std::get_if<zab::Committed>(&r.event)) {
      raise(reached.committed, c->zxid.value);
    } else if (const auto* a = std::get_if<zab::Applied>(&r.event)) {
      raise(reached.applied, a->zxid.value);
    }
  }
}

FileResult RunFile(std::string_view path, std::string_view content, const zab::ReleaseChoice& extra,
                   TraceFile* trace, bool narrate, const RunOptions& options) {
  FileResult result;
  auto file = Parse(path, content);
  if (!file.ok()) {
    result.error = std::string(base::Text(file.status()));
    return result;
  }
  result.parsed = true;
  ScenarioRunner runner(*file, extra);
  runner.SetTraceFile(trace);
  runner.SetNarrate(narrate);
  runner.SetEnd(options.end);
  runner.SetSeed(options.seed);
  // A scenario that shows a bug expects its violations: they are the ones a `check`
  // printed with exactly the output the file expects. Any other violation fails the file.
  std::set<std::string> expected_violations;
  for (const Directive& d : file->directives) {
    auto output = runner.Execute(d);
    if (!output.ok()) {
      result.error = std::string(base::Text(output.status()));
      break;
    }
    // Only a frozen output (a '----' block) is compared.
    const bool compared = !options.seed.has_value() && d.frozen;
    if (compared && d.name == "check" && *output == d.expected) {
      for (std::string& v : runner.Violations()) expected_violations.insert(std::move(v));
    }
    if (compared && *output != d.expected) {
      std::string diff = fmt::format("{}: {} output differs:\n", Location(*file, d.line, 1), d.name);
      const size_t n = std::max(output->size(), d.expected.size());
      for (size_t i = 0; i < n; ++i) {
        const std::string want = i < d.expected.size() ? d.expected[i] : "";
        const std::string got = i < output->size() ? (*output)[i] : "";
        if (want == got) continue;
        if (i < d.expected.size()) diff += fmt::format("  - {}\n", want);
        if (i < output->size()) diff += fmt::format("  + {}\n", got);
      }
      result.mismatches.push_back(diff);
    }
    result.outputs.push_back(*std::move(output));
    result.commands.push_back(CommandText(*file, d));
    if (narrate) result.narrations.push_back(runner.TakeNarration());
  }
  runner.Finish();
  if (result.error.empty()) result.warnings = runner.Warnings();
  result.failures = runner.TakeFailures();
  for (std::string& v : runner.Violations()) {
    (expected_violations.contains(v) ? result.expected_violations : result.violations).push_back(std::move(v));
  }
  result.fingerprint = runner.Fingerprint();
  if (runner.cluster() != nullptr) result.coverage = runner.cluster()->coverage();
  return result;
}

}  // namespace zabsim::runner::scenario

// The `on` directive of ScenarioRunner: triggers (docs/scenarios.md, "Triggers").
//
// A trigger is matched inside the world's handlers, as the trace writes each record
// (Match), but its command runs only between events (FireTriggers): after the event
// whose record matched and before the next one, at the same simulated time.

#include <algorithm>

#include <fmt/format.h>

#include "base/status.h"
#include "runner/scenario/args.h"
#include "runner/scenario/numbers.h"
#include "runner/scenario/runner.h"
#include "zab/messages.h"

namespace zabsim::runner::scenario {
namespace {

// How many triggers may fire between two events: more means triggers that fire each
// other for ever without time passing.
constexpr uint64_t kMaxFiringsBetweenEvents = 1000;

using Verb = TriggerPattern::Verb;

}  // namespace

absl::StatusOr<TriggerPattern> ScenarioRunner::MakePattern(const Directive& d, Args& args) const {
  TriggerPattern p;
  const Arg* server = args.Word();
  if (server == nullptr) return args.Missing("the server");
  auto sid = Server(*server);
  if (!sid.ok()) return sid.status();
  p.server = *sid;
  const Arg* verb = args.Word();
  if (verb == nullptr) return args.Missing(fmt::format("the event after the server ({})", VerbNames()));
  const std::optional<Verb> v = FindVerb(verb->value);
  if (!v.has_value()) {
    return Error(d, verb->column, fmt::format("expected an event ({}), found '{}'", VerbNames(), verb->value));
  }
  p.verb = *v;
  const auto zxid_of = [&](const Arg& a) -> absl::StatusOr<uint64_t> {
    const std::optional<uint64_t> z = ParseNumber(a.value);
    if (!z.has_value()) {
      const int at = a.column + (a.key.empty() ? 0 : static_cast<int>(a.key.size()) + 1);
      return Error(d, at,
                   fmt::format("expected a zxid (e.g. 0x100000003, or $w for a capture), found '{}'", a.value));
    }
    return *z;
  };
  if (p.verb == Verb::kEnters) {
    const Arg* state = args.Word();
    if (state == nullptr) return args.Missing(RolesAndPhases());
    if (!IsRoleOrPhase(state->value)) {
      return Error(d, state->column, fmt::format("expected {}, found '{}'", RolesAndPhases(), state->value));
    }
    p.state = state->value;
    return p;
  }
  if (p.verb == Verb::kSends || p.verb == Verb::kReceives) {
    const Arg* type = args.Word();
    if (type == nullptr) return args.Missing("the message type");
    std::vector<std::string_view> tags = zab::MessageTags();
    std::erase_if(tags, [](std::string_view tag) { return tag.rfind("CLIENT-", 0) == 0; });
    if (std::find(tags.begin(), tags.end(), type->value) == tags.end()) {
      std::string known;
      for (const std::string_view tag : tags) known += fmt::format("{}{}", known.empty() ? "" : ", ", tag);
      return Error(d, type->column, fmt::format("no message type '{}' (expected one of: {})", type->value, known));
    }
    p.type = type->value;
    const std::string_view preposition = p.verb == Verb::kSends ? "to" : "from";
    if (const Arg* next = args.Peek(); next != nullptr && next->value == preposition) {
      args.Word();
      const Arg* peer = args.Word();
      if (peer == nullptr) return args.Missing(fmt::format("the server after '{}'", preposition));
      auto psid = Server(*peer);
      if (!psid.ok()) return psid.status();
      if (*psid == p.server) {
        return Error(d, peer->column, fmt::format("a process has no link to itself ({} {} {} {})", p.server,
                                                  verb->value, preposition, *psid));
      }
      p.peer = *psid;
    }
  }
  const Arg* zxid = args.Key("zxid");
  if (zxid == nullptr && p.verb != Verb::kSends && p.verb != Verb::kReceives) {
    // The txn verbs also take the zxid as a bare word: `on 2 logs $w`.
    if (const Arg* next = args.Peek(); next != nullptr && next->value != "every") zxid = args.Word();
  }
  if (zxid != nullptr) {
    if (p.type == "NOTIFICATION") {
      return Error(d, zxid->column, "a NOTIFICATION (a vote) carries no zxid to match");
    }
    auto z = zxid_of(*zxid);
    if (!z.ok()) return z.status();
    p.zxid = *z;
  }
  return p;
}

absl::Status ScenarioRunner::On(const Directive& d, Args& args, Lines& out) {
  // The directive is two: the pattern before `do`, and the command after it, each read
  // as a directive of its own so that their errors point into the line.
  Directive pattern = d;
  pattern.args.clear();
  Directive command = d;
  command.args.clear();
  bool after_do = false;
  const Arg* do_word = nullptr;
  for (const Arg* a : args.Rest()) {
    if (!after_do && a->key.empty() && a->value == "do") {
      after_do = true;
      do_word = a;
    } else {
      (after_do ? command : pattern).args.push_back(*a);
    }
  }
  if (do_word == nullptr) return args.Missing("'do COMMAND' after the event");
  if (command.args.empty() || !command.args.front().key.empty()) {
    const int at = command.args.empty() ? do_word->column + 3 : command.args.front().column;
    return Error(d, at, fmt::format("expected a command after 'do' ({})", CommandNames(/*triggerable_only=*/true)));
  }
  command.name = command.args.front().value;
  command.column = command.args.front().column;
  command.args.erase(command.args.begin());
  const Command* triggered = FindCommand(command.name);
  if (triggered == nullptr || !triggered->triggerable) {
    return Error(d, command.column,
                 fmt::format("expected a fault or a message rule after 'do' ({}), found '{}'",
                             CommandNames(/*triggerable_only=*/true), command.name));
  }
  Trigger t;
  t.line = d.line;
  t.loop = d.loop;
  t.written = CommandText(file_, *written_);
  Args pattern_args(*this, pattern);
  if (const Arg* first = pattern_args.Peek(); first != nullptr && first->value == "every") {
    pattern_args.Word();
    t.every = true;
  }
  auto p = MakePattern(pattern, pattern_args);
  if (!p.ok()) return p.status();
  if (absl::Status s = pattern_args.Finish(); !s.ok()) return s;
  t.pattern = *std::move(p);
  // The command is read now, so that its mistakes are found at this line, not when (or
  // whether) it fires. Server() locates its errors in the current directive.
  const Directive* outer = current_;
  current_ = &command;
  Args command_args(*this, command);
  absl::Status read;
  if (triggered->handler == &ScenarioRunner::Rule) {
    auto rule = MakeRule(command, command_args);
    read = rule.status();
    if (rule.ok()) {
      t.what = RuleText(*rule);
      t.action = *std::move(rule);
    }
  } else {
    auto fault = MakeFault(command, command_args);
    read = fault.status();
    if (fault.ok()) {
      t.what = fault->ToString();
      t.action = *std::move(fault);
    }
  }
  if (read.ok()) read = command_args.Finish();
  current_ = outer;
  if (!read.ok()) return read;
  // Triggers are numbered, not named by their line: --rewrite moves lines, and its output
  // must hold as written.
  out.push_back(fmt::format("trigger {}: {} {}, {}", triggers_.size() + 1,
                            t.every ? "every time" : "the next time", Describe(t.pattern, captures_), t.what));
  if (triggers_.empty()) cluster_->world().SetObserver([this] { FireTriggers(); });
  triggers_.push_back(std::move(t));
  return absl::OkStatus();
}

void ScenarioRunner::Match(const sim::TraceRecord& r) {
  for (size_t i = 0; i < triggers_.size(); ++i) {
    Trigger& t = triggers_[i];
    if (!t.armed || !matcher_.Matches(t.pattern, r)) continue;
    matched_.push_back(i);
    // The next time only: a second record of the same event does not fire it again.
    if (!t.every) t.armed = false;
  }
  matcher_.Note(r);
}

void ScenarioRunner::FireTriggers() {
  uint64_t firings = 0;
  while (!matched_.empty()) {
    const size_t index = matched_.front();
    Trigger& t = triggers_[index];
    matched_.pop_front();
    if (++firings > kMaxFiringsBetweenEvents) {
      // Triggers that fire each other without end: stop them all, and say so.
      for (Trigger& each : triggers_) each.armed = false;
      matched_.clear();
      const std::string loop = t.loop.empty() ? "" : fmt::format(" (in repeat, {})", t.loop);
      trigger_error_ = absl::InvalidArgumentError(fmt::format(
          "{}: on: triggers fired more than {} times at {}s without time passing, the last this "
          "one: a trigger whose command causes its own event{}",
          Location(file_, t.line, t.column), kMaxFiringsBetweenEvents,
          sim::FormatTime(cluster_->world().now()), loop));
      return;
    }
    ++t.fired;
    if (taking_) {
      // Shown whatever the categories, as the names of captures are: it explains the
      // lines that follow.
      const std::string text =
          fmt::format("{:>4}.{:03} trigger {}: {}", cluster_->world().now().us / 1000000,
                      (cluster_->world().now().us / 1000) % 1000, index + 1, t.what);
      shown_.Add(text);
      shown_with_state_.Add(text);
    }
    if (const auto* fault = std::get_if<sim::Fault>(&t.action)) {
      cluster_->world().Apply(*fault);
    } else {
      cluster_->world().network().AddRule(std::get<sim::MessageRule>(t.action));
    }
  }
}

std::vector<std::string> ScenarioRunner::Warnings() const {
  std::vector<std::string> out;
  for (const Trigger& t : triggers_) {
    if (t.fired > 0) continue;
    const std::string loop = t.loop.empty() ? "" : fmt::format(" (in repeat, {})", t.loop);
    out.push_back(fmt::format("{}: warning: on: the trigger never fired: {}{}", Location(file_, t.line, t.column),
                              t.written, loop));
  }
  return out;
}

}  // namespace zabsim::runner::scenario

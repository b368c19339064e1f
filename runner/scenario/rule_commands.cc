// The message rules of a scenario (docs/scenarios.md, "Message rules"): drop-next,
// delay-next and hold-next act on the next messages of one link that match them.

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "runner/scenario/args.h"
#include "runner/scenario/numbers.h"
#include "runner/scenario/runner.h"
#include "zab/messages.h"

namespace zabsim::runner::scenario {

absl::Status ScenarioRunner::Rule(const Directive& d, Args& args, Lines& out) {
  auto rule = MakeRule(d, args);
  if (!rule.ok()) return rule.status();
  cluster_->world().network().AddRule(*rule);
  out.push_back("rule: " + RuleText(*rule));
  return absl::OkStatus();
}

std::string ScenarioRunner::RuleText(const sim::MessageRule& rule) const {
  const std::string what = rule.tag.empty() ? "message" : rule.tag;
  const std::string of =
      rule.key.has_value() ? " of " + captures_.Annotate(zab::ToString(zab::Zxid{*rule.key})) : "";
  return fmt::format("{} the next {}{} from {} to {}", sim::ToString(rule.action),
                     rule.remaining == 1 ? what : fmt::format("{} {}s", rule.remaining, what), of,
                     rule.from.value, rule.to.value);
}

absl::StatusOr<sim::MessageRule> ScenarioRunner::MakeRule(const Directive& d, Args& args) const {
  sim::MessageRule rule;
  rule.action = d.name == "drop-next"    ? sim::MessageRule::Action::kDrop
                : d.name == "delay-next" ? sim::MessageRule::Action::kDelay
                                         : sim::MessageRule::Action::kHold;
  const Arg* from = args.Key("from");
  const Arg* to = args.Key("to");
  if (from == nullptr || to == nullptr) return args.Missing("from= and to=");
  auto f = Server(*from);
  if (!f.ok()) return f.status();
  auto t = Server(*to);
  if (!t.ok()) return t.status();
  if (*f == *t) return Error(d, to->column, fmt::format("a process has no link to itself (from={} to={})", *f, *t));
  rule.from = sim::ProcessId{*f};
  rule.to = sim::ProcessId{*t};
  if (const Arg* type = args.Key("type")) {
    // Rules act between servers: client messages never match one.
    std::vector<std::string_view> tags = zab::MessageTags();
    std::erase_if(tags, [](std::string_view tag) { return tag.rfind("CLIENT-", 0) == 0; });
    if (std::find(tags.begin(), tags.end(), type->value) == tags.end()) {
      std::string known;
      for (const std::string_view tag : tags) {
        if (!known.empty()) known += ", ";
        known += tag;
      }
      return Error(d, type->column, fmt::format("no message type '{}' (expected one of: {})", type->value, known));
    }
    rule.tag = type->value;
  }
  if (const Arg* zxid = args.Key("zxid")) {
    const std::optional<uint64_t> z = ParseNumber(zxid->value);
    if (!z.has_value()) {
      return Error(
          d, zxid->column,
          fmt::format(
              "expected a zxid after 'zxid=' (e.g. 0x100000003, or $w for a capture), found '{}'",
              zxid->value));
    }
    rule.key = *z;
  }
  if (const Arg* count = args.Key("count")) {
    auto n = args.Uint(*count, 1, 1000000);
    if (!n.ok()) return n.status();
    rule.remaining = static_cast<int64_t>(*n);
  }
  if (rule.action == sim::MessageRule::Action::kDelay) {
    const Arg* extra = args.Key("extra");
    if (extra == nullptr) return args.Missing("extra=DURATION");
    auto e = args.Duration(*extra, kMaxRun);
    if (!e.ok()) return e.status();
    rule.extra = *e;
  }
  return rule;
}

}  // namespace zabsim::runner::scenario

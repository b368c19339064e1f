#include "runner/scenario/triggers.h"

#include <fmt/format.h>

#include "runner/record_fields.h"
#include "zab/messages.h"

namespace zabsim::runner::scenario {
namespace {

using Verb = TriggerPattern::Verb;

struct VerbInfo {
  std::string_view name;
  Verb verb;
  std::string_view kind;  // The trace record it matches (docs/trace-format.md).
};

constexpr VerbInfo kVerbs[] = {
    {"sends", Verb::kSends, "send"},      {"receives", Verb::kReceives, "recv"},
    {"writes", Verb::kWrites, "append"},  {"logs", Verb::kLogs, "logged"},
    {"enters", Verb::kEnters, "state"},   {"commits", Verb::kCommits, "commit"},
    {"applies", Verb::kApplies, "apply"},
};

constexpr std::string_view kRoles[] = {"LOOKING", "FOLLOWING", "LEADING", "OBSERVING"};
constexpr std::string_view kPhases[] = {"ELECTION", "DISCOVERY", "SYNCHRONIZATION", "BROADCAST"};

bool IsRole(std::string_view word) {
  for (const std::string_view r : kRoles) {
    if (r == word) return true;
  }
  return false;
}

const VerbInfo& Info(Verb verb) {
  for (const VerbInfo& v : kVerbs) {
    if (v.verb == verb) return v;
  }
  return kVerbs[0];
}

}  // namespace

std::optional<Verb> FindVerb(std::string_view word) {
  for (const VerbInfo& v : kVerbs) {
    if (v.name == word) return v.verb;
  }
  return std::nullopt;
}

std::string VerbNames() {
  std::string out;
  for (const VerbInfo& v : kVerbs) out += fmt::format("{}{}", out.empty() ? "" : ", ", v.name);
  return out;
}

bool IsRoleOrPhase(std::string_view word) {
  for (const std::string_view p : kPhases) {
    if (p == word) return true;
  }
  return IsRole(word);
}

std::string RolesAndPhases() {
  return "a role (LOOKING, FOLLOWING, LEADING, OBSERVING) or a phase (ELECTION, DISCOVERY, "
         "SYNCHRONIZATION, BROADCAST)";
}

std::string Describe(const TriggerPattern& p, const Captures& captures) {
  std::string out = fmt::format("{} {}", p.server, Info(p.verb).name);
  if (p.verb == Verb::kSends || p.verb == Verb::kReceives) {
    out += " " + p.type;
    if (p.peer != 0) out += fmt::format(" {} {}", p.verb == Verb::kSends ? "to" : "from", p.peer);
    if (p.zxid.has_value()) out += " of " + captures.Annotate(zab::ToString(zab::Zxid{*p.zxid}));
  } else if (p.verb == Verb::kEnters) {
    out += " " + p.state;
  } else if (p.zxid.has_value()) {
    out += " " + captures.Annotate(zab::ToString(zab::Zxid{*p.zxid}));
  } else {
    out += " a txn";
  }
  return out;
}

bool TriggerMatcher::Matches(const TriggerPattern& p, const sim::TraceRecord& r) const {
  if (r.process != p.server || r.kind != Info(p.verb).kind) return false;
  switch (p.verb) {
    case Verb::kSends:
    case Verb::kReceives: {
      if (FieldText(r, "type") != p.type) return false;
      if (p.peer != 0 && FieldNum(r, p.verb == Verb::kSends ? "to" : "from") != p.peer) return false;
      return !p.zxid.has_value() || (r.Find("zxid") != nullptr && FieldNum(r, "zxid") == *p.zxid);
    }
    case Verb::kLogs:
      // One fsync makes a run of txns durable: it is Z's if Z is among them.
      return !p.zxid.has_value() || (FieldNum(r, "first") <= *p.zxid && *p.zxid <= FieldNum(r, "last"));
    case Verb::kWrites:
      // The txn log's records hold txns; a record that is not one has no zxid.
      if (r.Find("zxid") == nullptr) return false;
      [[fallthrough]];
    case Verb::kCommits:
    case Verb::kApplies:
      return !p.zxid.has_value() || FieldNum(r, "zxid") == *p.zxid;
    case Verb::kEnters: {
      const auto it = last_.find(r.process);
      const std::string role = it == last_.end() ? "" : it->second.first;
      const std::string phase = it == last_.end() ? "" : it->second.second;
      if (IsRole(p.state)) return FieldText(r, "state") == p.state && role != p.state;
      return FieldText(r, "phase") == p.state && phase != p.state;
    }
  }
  return false;
}

void TriggerMatcher::Note(const sim::TraceRecord& r) {
  if (r.kind == "crash") last_.erase(r.process);
  if (r.kind == "state") last_[r.process] = {FieldText(r, "state"), FieldText(r, "phase")};
}

}  // namespace zabsim::runner::scenario

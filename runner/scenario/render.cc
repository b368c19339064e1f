#include "runner/scenario/render.h"

#include <fmt/compile.h>
#include <fmt/format.h>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_split.h"
#include "base/status.h"
#include "runner/record_fields.h"

namespace zabsim::runner::scenario {
namespace {

struct Named {
  std::string_view name;
  Category category;
};

constexpr Named kCategories[] = {
    {"state", kState},     {"election", kElection}, {"discovery", kDiscovery},
    {"sync", kSync},       {"broadcast", kBroadcast}, {"apply", kApply},
    {"ping", kPing},       {"client", kClient},     {"disk", kDisk},
    {"fault", kFault},     {"net", kNet},           {"ignore", kIgnore},
    {"step", kStep},
};

// The record's fields by name (runner/record_fields.h), short for the many lines below.
constexpr auto* Str = &FieldText;
constexpr auto* Num = &FieldNum;

std::string OpPath(const sim::TraceRecord& r) {
  std::string out = Str(r, "op");
  if (const std::string path = Str(r, "path"); !path.empty()) out += " " + path;
  return out;
}

// Line is a record's category, and its text only when the category is wanted: the text
// is left empty otherwise, and never formatted.
template <typename Text>
std::optional<std::pair<Category, std::string>> Line(Category category, uint32_t wanted, Text&& text) {
  if ((category & wanted) == 0) return std::pair{category, std::string()};
  return std::pair{category, text()};
}

}  // namespace

std::string CategoryNames() {
  std::string out;
  for (const Named& c : kCategories) {
    if (!out.empty()) out += ", ";
    out += c.name;
  }
  return out;
}

absl::StatusOr<uint32_t> ParseCategories(std::string_view text, uint32_t current) {
  // A list that starts with +x or -y changes `current`; otherwise it starts from nothing.
  // Items apply left to right: "all,-ping", "state,+sync" and "+ping,-broadcast" all work.
  uint32_t result = !text.empty() && (text[0] == '+' || text[0] == '-') ? current : 0;
  for (const absl::string_view raw : absl::StrSplit(base::Absl(text), ',')) {
    std::string_view item = base::Std(raw);
    char sign = '+';
    if (!item.empty() && (item[0] == '+' || item[0] == '-')) {
      sign = item[0];
      item.remove_prefix(1);
    }
    uint32_t bits = 0;
    if (item == "all") {
      bits = kAllCategories;
    } else if (item == "none") {
      if (sign == '-') return absl::InvalidArgumentError("'-none' removes nothing: write 'all' for every category");
      result = 0;
      continue;
    } else {
      for (const Named& c : kCategories) {
        if (c.name == item) bits = c.category;
      }
    }
    if (bits == 0) {
      return absl::InvalidArgumentError(fmt::format(
          "unknown category '{}' (expected all, none, or some of: {}, each optionally with + or -)",
          item, CategoryNames()));
    }
    result = sign == '+' ? (result | bits) : (result & ~bits);
  }
  return result;
}

std::string Renderer::Who(uint64_t process) const {
  if (process == 0) return "world";
  if (process <= servers_) return fmt::format(FMT_COMPILE("{}"), process);
  return fmt::format(FMT_COMPILE("c{}"), process - servers_);
}

std::optional<std::pair<Category, std::string>> Renderer::RenderMessage(const sim::TraceRecord& r,
                                                                       uint32_t wanted) {
  // Every line below is of a message category: with none wanted, nothing is looked at.
  if ((wanted & kMessageCategories) == 0) return std::nullopt;
  const std::string_view type = FieldStr(r, "type");
  // Only what decides the category is read at once; the rest when the line is written.
  const auto from = [&] { return Who(Num(r, "from")); };
  // head is "FROM->TO TYPE", with room for the rest of the line: most lines of a long
  // command are messages, and each is built in this one string.
  const auto head = [&] {
    std::string out;
    out.reserve(64);
    fmt::format_to(std::back_inserter(out), FMT_COMPILE("{}->{} {}"), from(), Who(r.process), type);
    return out;
  };
  const auto zxid = [&] { return Str(r, "zxid"); };
  // The commonest line: "FROM->TO TYPE ZXID".
  const auto head_zxid = [&] {
    std::string out = head();
    out += ' ';
    out += zxid();
    return out;
  };
  if (type == "NOTIFICATION") {
    return Line(kElection, wanted, [&] {
      return fmt::format(FMT_COMPILE("{}->{} vote {} zxid={} epoch={} round={} ({})"), from(),
                         Who(r.process), Num(r, "leader"), zxid(), Num(r, "peer_epoch"),
                         Num(r, "round"), Str(r, "state"));
    });
  }
  if (type == "FOLLOWERINFO" || type == "OBSERVERINFO" || type == "LEADERINFO") {
    return Line(kDiscovery, wanted, head_zxid);
  }
  if (type == "ACKEPOCH") {
    return Line(kDiscovery, wanted, [&] {
      return fmt::format(FMT_COMPILE("{} last={} epoch={}"), head(), zxid(),
                         Str(r, "current_epoch"));
    });
  }
  if (type == "DIFF" || type == "TRUNC" || type == "NEWLEADER" || type == "UPTODATE") {
    return Line(kSync, wanted, [&] { return type == "UPTODATE" ? head() : head_zxid(); });
  }
  if (type == "SNAP") {
    return Line(kSync, wanted, [&] {
      return fmt::format(FMT_COMPILE("{} {} ({} bytes)"), head(), zxid(), Str(r, "bytes"));
    });
  }
  if (type == "ACK") {
    // The ACKs of NEWLEADER and UPTODATE carry (e, 0): they belong to the sync.
    const bool epoch_start = (Num(r, "zxid") & 0xffffffffu) == 0;
    return Line(epoch_start ? kSync : kBroadcast, wanted, head_zxid);
  }
  if (type == "PROPOSAL" || type == "INFORM") {
    return Line(kBroadcast, wanted, [&] {
      std::string out = head_zxid();
      out += ' ';
      out += OpPath(r);
      return out;
    });
  }
  if (type == "COMMIT") return Line(kBroadcast, wanted, head_zxid);
  if (type == "REQUEST" || type == "SYNC") {
    return Line(kBroadcast, wanted, [&] {
      std::string out = head();
      out += ' ';
      out += OpPath(r);
      out += " cxid=";
      out += Str(r, "cxid");
      return out;
    });
  }
  if (type == "PING") return Line(kPing, wanted, head_zxid);
  return std::nullopt;  // Client messages: shown as client operations instead.
}

std::optional<std::pair<Category, std::string>> Renderer::RenderState(const sim::TraceRecord& r,
                                                                     uint32_t wanted) {
  const std::string state = Str(r, "state");
  const std::string phase = Str(r, "phase");
  auto& last = last_state_[r.process];
  std::optional<std::pair<Category, std::string>> out;
  if (last.first != state) {
    out = Line(kState, wanted, [&] {
      const std::string leader = Num(r, "leader") != 0 && state != "LEADING"
                                     ? fmt::format(FMT_COMPILE(" (leader {})"), Num(r, "leader"))
                                     : "";
      return fmt::format(FMT_COMPILE("{} {} -> {}{}"), Who(r.process),
                         last.first.empty() ? "START" : last.first, state, leader);
    });
  } else if (last.second != phase) {
    out = Line(kState, wanted, [&] {
      return fmt::format(FMT_COMPILE("{} {} {} -> {}"), Who(r.process), state, last.second, phase);
    });
  }
  last = {state, phase};
  return out;
}

std::optional<std::pair<Category, std::string>> Renderer::Render(const sim::TraceRecord& r,
                                                                uint32_t wanted) {
  const std::string_view k = r.kind;
  // Nearly half of a run's records are of kinds never rendered (send, append, sync,
  // synced, ...): one lookup sends them away before the chain of comparisons below.
  // kRendered lists every kind the chain tests, no other.
  static const absl::flat_hash_set<std::string_view> kRendered = {
      "recv",  "crash",      "state",           "elected",        "established", "role-ended",
      "halt",  "vote",       "learner-dropped", "epoch-proposed", "sync-choice", "commit",
      "apply", "invoke",     "complete",        "epoch",          "logged",      "disk-failed",
      "step",  "snapshot",   "truncate-log",    "tree-loaded",    "fault",       "fault-ignored",
      "drop",  "unexpected", "ignore"};
  if (!kRendered.contains(k)) return std::nullopt;
  // A line is formatted only when its category is wanted (Line): most records of a long
  // command are not shown, and formatting them all was most of a replay's own cost.
  const auto who = [&] { return Who(r.process); };
  if (k == "recv") return RenderMessage(r, wanted);
  // A crashed server starts over: its next state line reads START -> LOOKING.
  if (k == "crash") last_state_.erase(static_cast<uint32_t>(r.process));
  if (k == "state") return RenderState(r, wanted);
  if (k == "elected") {
    return Line(kState, wanted, [&] {
      return fmt::format(FMT_COMPILE("{} elected {} in round {} ({}, {})"), who(), Num(r, "leader"),
                         Num(r, "round"), Str(r, "how"), Str(r, "as"));
    });
  }
  if (k == "established") {
    return Line(kState, wanted, [&] {
      return fmt::format(FMT_COMPILE("{} established epoch {}"), who(), Num(r, "epoch"));
    });
  }
  if (k == "role-ended") {
    return Line(kState, wanted, [&] {
      return fmt::format(FMT_COMPILE("{} left {}: {}"), who(), Str(r, "was"), Str(r, "reason"));
    });
  }
  if (k == "learner-dropped") {
    return Line(kState, wanted, [&] {
      return fmt::format(FMT_COMPILE("{} dropped learner {}: {}"), who(), Num(r, "learner"),
                         Str(r, "reason"));
    });
  }
  if (k == "halt") {
    return Line(kState, wanted,
                [&] { return fmt::format(FMT_COMPILE("{} exits: {}"), who(), Str(r, "reason")); });
  }
  if (k == "vote") {
    return Line(kElection, wanted, [&] {
      return fmt::format(FMT_COMPILE("{} proposes {} zxid={} epoch={} round={} ({})"), who(),
                         Num(r, "leader"), Str(r, "zxid"), Num(r, "peer_epoch"), Num(r, "round"),
                         Str(r, "why"));
    });
  }
  if (k == "epoch-proposed") {
    return Line(kDiscovery, wanted, [&] {
      return fmt::format(FMT_COMPILE("{} new epoch {} from a quorum of FOLLOWERINFO"), who(),
                         Num(r, "epoch"));
    });
  }
  if (k == "sync-choice") {
    return Line(kSync, wanted, [&] {
      const std::string mode = Str(r, "mode");
      const std::string txns =
          mode == "SNAP" ? "" : fmt::format(FMT_COMPILE(" +{} txns"), Num(r, "txns"));
      return fmt::format(FMT_COMPILE("{} sync learner {}: {} {}{} ({})"), who(), Num(r, "learner"),
                         mode, Str(r, "zxid"), txns, Str(r, "why"));
    });
  }
  if (k == "commit") {
    return Line(kBroadcast, wanted,
                [&] { return fmt::format(FMT_COMPILE("{} commit {}"), who(), Str(r, "zxid")); });
  }
  if (k == "apply") {
    return Line(kApply, wanted, [&] {
      return fmt::format(FMT_COMPILE("{} apply {} {} -> {}"), who(), Str(r, "zxid"), Str(r, "op"),
                         Str(r, "code"));
    });
  }
  if (k == "invoke") {
    return Line(kClient, wanted, [&] {
      std::string args = Str(r, "path");
      if (const std::string data = Str(r, "data"); !data.empty()) args += "=" + data;
      return fmt::format(FMT_COMPILE("{} {} {} (at server {})"), who(), Str(r, "op"), args,
                         Num(r, "server"));
    });
  }
  if (k == "complete") {
    return Line(kClient, wanted, [&] {
      std::string result = Str(r, "code");
      if (Str(r, "indeterminate") == "true") result += " (indeterminate)";
      // An answer carries the zxid of the server's state, 0x0 from a server that has none.
      if (Str(r, "indeterminate") != "true") result += " " + Str(r, "zxid");
      if (const sim::TraceField* d = r.Find("data"); d != nullptr) result += " data=" + d->str;
      if (const sim::TraceField* e = r.Find("exists"); e != nullptr) {
        result += e->bits != 0 ? " (exists)" : " (no node)";
      }
      return fmt::format(FMT_COMPILE("{} {} {} -> {}"), who(), Str(r, "op"), Str(r, "path"),
                         result);
    });
  }
  if (k == "epoch" && Str(r, "durable") == "true") {
    return Line(kDisk, wanted, [&] {
      return fmt::format(FMT_COMPILE("{} {} := {}"), who(), Str(r, "file"), Num(r, "epoch"));
    });
  }
  if (k == "logged") {
    return Line(kDisk, wanted, [&] {
      return fmt::format(FMT_COMPILE("{} logged {}..{} ({} txns)"), who(), Str(r, "first"),
                         Str(r, "last"), Num(r, "count"));
    });
  }
  if (k == "disk-failed") {
    return Line(kDisk, wanted, [&] {
      return fmt::format(FMT_COMPILE("{} {} of {} failed"), who(), Str(r, "what"), Str(r, "file"));
    });
  }
  if (k == "step") {
    // A thread's step: "3 learner-handler:2 sync-follower", "2 commit-processor apply 0x100000003".
    return Line(kStep, wanted, [&] {
      std::string thread = Str(r, "thread");
      if (const sim::TraceField* of = r.Find("of"); of != nullptr) {
        thread += fmt::format(FMT_COMPILE(":{}"), of->bits);
      }
      std::string line = fmt::format(FMT_COMPILE("{} {} {}"), who(), thread, Str(r, "step"));
      if (const sim::TraceField* z = r.Find("zxid"); z != nullptr) line += " " + Str(r, "zxid");
      return line;
    });
  }
  if (k == "snapshot") {
    return Line(kDisk, wanted,
                [&] { return fmt::format(FMT_COMPILE("{} snapshot {}"), who(), Str(r, "zxid")); });
  }
  if (k == "truncate-log") {
    return Line(kDisk, wanted, [&] {
      return fmt::format(FMT_COMPILE("{} truncated log after {} ({} txns removed)"), who(),
                         Str(r, "to"), Num(r, "removed"));
    });
  }
  if (k == "tree-loaded") {
    return Line(kDisk, wanted, [&] {
      return fmt::format(FMT_COMPILE("{} tree at {} from {}"), who(), Str(r, "zxid"),
                         Str(r, "from"));
    });
  }
  if (k == "fault") {
    return Line(kFault, wanted, [&] { return fmt::format(FMT_COMPILE("fault {}"), Str(r, "fault")); });
  }
  if (k == "fault-ignored") {
    return Line(kFault, wanted, [&] {
      return fmt::format(FMT_COMPILE("fault {} ignored: {}"), Str(r, "fault"), Str(r, "why"));
    });
  }
  if (k == "drop") {
    const std::string type = Str(r, "type");
    if (type == "CLIENT-REQUEST" || type == "CLIENT-REPLY") return std::nullopt;
    // Election connections are opened and closed as QuorumCnxManager sorts them out; their
    // dropped notifications belong with the election.
    return Line(type == "NOTIFICATION" ? kElection : kNet, wanted, [&] {
      // A REQUEST or SYNC has no zxid yet: what it asks for says more.
      const std::string what = type == "REQUEST" || type == "SYNC" ? OpPath(r) : Str(r, "zxid");
      return fmt::format(FMT_COMPILE("{}->{} {} {} dropped ({})"), Who(Num(r, "from")),
                         Who(Num(r, "to")), type, what, Str(r, "reason"));
    });
  }
  if (k == "unexpected") {
    // A packet the server's state says cannot come now: the message-level checks hold it
    // against the run.
    return Line(kIgnore, wanted, [&] {
      return fmt::format(FMT_COMPILE("{} unexpected {} {} from {}: {} [{}]"), who(), Str(r, "what"),
                         Str(r, "zxid"), Num(r, "from"), Str(r, "why"), Str(r, "check"));
    });
  }
  if (k == "ignore") {
    return Line(kIgnore, wanted, [&] {
      return fmt::format(FMT_COMPILE("{} ignores {} {} from {}: {}"), who(), Str(r, "what"),
                         Str(r, "zxid"), Num(r, "from"), Str(r, "why"));
    });
  }
  return std::nullopt;
}

}  // namespace zabsim::runner::scenario

#include "runner/trace_window.h"

#include <fmt/format.h>

#include "absl/strings/str_split.h"
#include "base/status.h"

namespace zabsim::runner {
namespace {

// The names of docs/trace-format.md, sections 4 and 5.
constexpr std::string_view kMessageTypes[] = {
    "NOTIFICATION", "FOLLOWERINFO", "OBSERVERINFO", "LEADERINFO", "ACKEPOCH",
    "DIFF",         "TRUNC",        "SNAP",         "NEWLEADER",  "UPTODATE",
    "PROPOSAL",     "ACK",          "COMMIT",       "INFORM",     "PING",
    "REQUEST",      "SYNC",         "CLIENT-REQUEST", "CLIENT-REPLY"};
constexpr std::string_view kRecordKinds[] = {
    "start",    "crash",       "restart",     "torn-record",  "exit",          "signal",
    "fault",    "fault-ignored", "stopped",   "connect",      "accept",        "connected",
    "refused",  "close",       "disconnected", "break",       "send",          "recv",
    "drop",     "park",        "timer",       "append",       "truncate",      "replace",
    "remove",   "sync",        "synced",      "state",        "vote",          "elected",
    "epoch",    "epoch-proposed", "established", "role-ended", "learner-dropped", "halt",
    "ignore",   "unexpected",  "unknown-signal", "sync-choice", "sync-applied", "truncate-log",
    "tree-loaded", "snapshot", "propose",     "logged",       "commit",        "apply",
    "served",   "invoke",      "complete"};

template <typename List>
std::string Join(const List& names) {
  std::string out;
  for (const std::string_view n : names) out += (out.empty() ? "" : ",") + std::string(n);
  return out;
}

template <typename List>
bool Contains(const List& names, std::string_view name) {
  for (const std::string_view n : names) {
    if (n == name) return true;
  }
  return false;
}

absl::StatusOr<sim::Time> ParseTime(std::string_view flag, std::string_view text) {
  // Bare numbers are seconds, as the trace's text form writes them.
  const bool bare = !text.empty() && (text.back() == '.' || (text.back() >= '0' && text.back() <= '9'));
  const auto d = sim::ParseDuration(bare ? std::string(text) + "s" : std::string(text));
  if (!d.ok()) {
    return absl::InvalidArgumentError(fmt::format(
        "--{}={}: expected simulated seconds (e.g. 1.5) or a duration (e.g. 1500ms)", flag, text));
  }
  return sim::Time{d->us};
}

}  // namespace

std::string MessageTypeNames() { return Join(kMessageTypes); }
std::string RecordKindNames() { return Join(kRecordKinds); }

bool TraceWindow::Keeps(const sim::TraceRecord& r) const {
  if (from && r.time < *from) return false;
  if (to && *to < r.time) return false;
  if (!peers.empty()) {
    bool named = r.process != 0 && KeepsPeer(r.process);
    if (r.process == 0) {
      named = r.kind == "fault" || r.kind == "fault-ignored" || r.kind == "stopped";
      for (const std::string_view key : {"from", "to", "a", "b"}) {
        const sim::TraceField* f = r.Find(key);
        named = named || (f != nullptr && f->type == sim::TraceField::Type::kUint && KeepsPeer(f->bits));
      }
    }
    if (!named) return false;
  }
  if (types.empty() || KeepsType(r.kind)) return true;
  const sim::TraceField* type = r.Find("type");
  return type != nullptr && type->type == sim::TraceField::Type::kStr && KeepsType(type->str);
}

std::string TraceWindow::ToString() const {
  std::string out;
  const auto add = [&out](const std::string& item) { out += (out.empty() ? "" : " ") + item; };
  if (from) add("from=" + sim::FormatDuration(sim::Duration{from->us}));
  if (to) add("to=" + sim::FormatDuration(sim::Duration{to->us}));
  if (!peers.empty()) {
    std::string list;
    for (const uint32_t p : peers) list += (list.empty() ? "" : ",") + fmt::format("{}", p);
    add("peers=" + list);
  }
  if (!types.empty()) add("types=" + Join(types));
  return out;
}

absl::StatusOr<TraceWindow> ParseWindow(std::string_view from, std::string_view to,
                                        std::string_view peers, std::string_view types) {
  TraceWindow w;
  if (!from.empty()) {
    auto t = ParseTime("from", from);
    if (!t.ok()) return t.status();
    w.from = *t;
  }
  if (!to.empty()) {
    auto t = ParseTime("to", to);
    if (!t.ok()) return t.status();
    w.to = *t;
  }
  if (w.from && w.to && *w.to < *w.from) {
    return absl::InvalidArgumentError(fmt::format("--to={} is before --from={}", to, from));
  }
  if (!peers.empty()) {
    for (const absl::string_view raw : absl::StrSplit(base::Absl(peers), ',')) {
      const std::string_view item = base::Std(raw);
      uint64_t v = 0;
      bool ok = !item.empty() && item.size() <= 6;
      for (const char c : item) {
        ok = ok && c >= '0' && c <= '9';
        if (ok) v = v * 10 + static_cast<uint64_t>(c - '0');
      }
      if (!ok || v == 0) {
        return absl::InvalidArgumentError(fmt::format(
            "--peers={}: expected process numbers from 1, comma-separated (servers first, then clients), found '{}'",
            peers, item));
      }
      w.peers.insert(static_cast<uint32_t>(v));
    }
  }
  if (!types.empty()) {
    for (const absl::string_view raw : absl::StrSplit(base::Absl(types), ',')) {
      const std::string_view item = base::Std(raw);
      if (!Contains(kMessageTypes, item) && !Contains(kRecordKinds, item)) {
        return absl::InvalidArgumentError(fmt::format(
            "--types={}: unknown '{}' (expected message types {} or record kinds {})", types, item,
            MessageTypeNames(), RecordKindNames()));
      }
      w.types.insert(std::string(item));
    }
  }
  return w;
}

}  // namespace zabsim::runner

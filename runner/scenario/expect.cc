#include "runner/scenario/expect.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "base/status.h"
#include "runner/scenario/numbers.h"
#include "zab/data_tree.h"
#include "zab/peer.h"

namespace zabsim::runner::scenario {
namespace {

// One check of an expectation, read from its argument: `!` stripped into `negated`, and
// `KEY>=VALUE` (which the parser reads as key "KEY>") into `at_least`.
struct Check {
  std::string key;    // For a bare word (a path), the word.
  std::string value;  // Empty for a bare word.
  bool bare = false;
  bool negated = false;
  bool at_least = false;
  int column = 0;
  std::string written;  // The argument as the file writes it, for messages.
};

// What a check found: whether it holds, and what it saw.
struct Found {
  bool holds = false;
  std::string seen;
};

Check Read(const Arg& a, const Arg& written) {
  Check c;
  c.bare = a.key.empty();
  c.key = c.bare ? a.value : a.key;
  c.value = c.bare ? "" : a.value;
  c.column = a.column;
  c.negated = !c.key.empty() && c.key[0] == '!';
  if (c.negated) c.key.erase(0, 1);
  c.at_least = !c.bare && !c.key.empty() && c.key.back() == '>';
  if (c.at_least) c.key.pop_back();
  const auto text = [](const Arg& x) { return x.key.empty() ? x.value : x.key + "=" + x.value; };
  c.written = text(written);
  if (text(a) != c.written) c.written += fmt::format(" ({})", a.value);
  return c;
}

std::string Join(const std::vector<std::string_view>& words) {
  std::string out;
  for (const std::string_view w : words) out += (out.empty() ? "" : ", ") + std::string(w);
  return out;
}

absl::Status Err(const ScenarioFile& file, const Directive& d, int column, std::string_view what) {
  return absl::InvalidArgumentError(
      fmt::format("{}: expect: {}", Location(file, d.line, column), what));
}

std::string Zx(uint64_t v) { return zab::ToString(zab::Zxid{v}); }

// Compare checks a number: equal, or at least with `>=`.
Found Compare(const Check& c, uint64_t actual, uint64_t want, bool zxid) {
  return Found{c.at_least ? actual >= want : actual == want,
               fmt::format("{}={}", c.key, zxid ? Zx(actual) : std::to_string(actual))};
}

// Named checks role= or phase= against `actual`, in any case.
absl::StatusOr<Found> Named(const Check& c, std::string_view actual) {
  const std::string want = absl::AsciiStrToUpper(c.value);
  const std::vector<std::string_view> known =
      c.key == "role"
          ? std::vector<std::string_view>{"LEADING", "FOLLOWING", "OBSERVING", "LOOKING", "DOWN"}
          : std::vector<std::string_view>{"ELECTION", "DISCOVERY", "SYNCHRONIZATION", "BROADCAST"};
  if (c.at_least || std::find(known.begin(), known.end(), want) == known.end()) {
    return absl::InvalidArgumentError(
        fmt::format("expected {}= one of {}, found '{}'", c.key, Join(known), c.value));
  }
  return Found{want == actual, fmt::format("{}={}", c.key, actual)};
}

// ServerCheck evaluates one check of a live server.
absl::StatusOr<Found> ServerCheck(const Check& c, const zab::Peer& p) {
  const zab::Database& db = p.db();
  if (c.key.starts_with("/")) {
    if (!zab::IsValidPath(c.key) || c.at_least)
      return absl::InvalidArgumentError(
          fmt::format("expected a path such as /a/b, found '{}'", c.key));
    const auto& nodes = db.tree().nodes();
    const auto it = nodes.find(c.key);
    if (it == nodes.end()) return Found{false, fmt::format("no {}", c.key)};
    return Found{c.bare || it->second.data == c.value,
                 fmt::format("{}={}", c.key, it->second.data)};
  }
  if (c.bare) {
    return absl::InvalidArgumentError(
        fmt::format("expected a check such as role=LEADING or /a=v, found '{}'", c.key));
  }
  if (c.key == "role") return Named(c, zab::ToString(p.state()));
  if (c.key == "phase") return Named(c, zab::ToString(p.phase()));
  const std::optional<uint64_t> want = ParseNumber(c.value);
  if (c.key == "accepted" || c.key == "current") {
    if (!want)
      return absl::InvalidArgumentError(
          fmt::format("expected an epoch after '{}=', found '{}'", c.key, c.value));
    return Compare(c, (c.key == "accepted" ? p.accepted_epoch() : p.current_epoch()).value, *want,
                   false);
  }
  if (c.key == "last" || c.key == "logged" || c.key == "committed" || c.key == "applied" ||
      c.key == "logs") {
    if (!want) {
      return absl::InvalidArgumentError(fmt::format(
          "expected a zxid after '{}=' (e.g. 0x100000003 or $w), found '{}'", c.key, c.value));
    }
    if (c.key == "last") return Compare(c, db.last_processed().value, *want, true);
    if (c.key == "logged") return Compare(c, db.last_logged().value, *want, true);
    if (c.key == "committed") return Compare(c, db.max_committed().value, *want, true);
    if (c.key == "applied") return Compare(c, db.tree().last_applied_txn().value, *want, true);
    if (c.at_least)
      return absl::InvalidArgumentError("expected logs=ZXID: a log holds a zxid or not");
    for (const zab::TxnPtr& t : db.log()) {
      if (t->zxid.value == *want) return Found{true, fmt::format("{} in the log", Zx(*want))};
    }
    return Found{false, db.log().empty() ? "an empty log"
                                         : fmt::format("a log of {}..{} without it",
                                                       Zx(db.log().front()->zxid.value),
                                                       Zx(db.log().back()->zxid.value))};
  }
  return absl::InvalidArgumentError(fmt::format(
      "unknown check '{}' (expected role=, phase=, accepted=, current=, last=, logged=, "
      "committed=, "
      "applied=, logs=ZXID, /PATH, /PATH=DATA; each may start with '!', the numbers may use >=)",
      c.key));
}

absl::StatusOr<Found> EpochCheck(const Check& c, uint64_t epoch, const ExpectView& view) {
  if (c.key != "leader" || c.bare || c.at_least) {
    return absl::InvalidArgumentError(
        fmt::format("expected leader=SERVER or leader=none, found '{}'", c.written));
  }
  const auto it = view.leaders.find(epoch);
  const std::vector<uint32_t> none;
  const std::vector<uint32_t>& leaders = it == view.leaders.end() ? none : it->second;
  const std::string seen =
      leaders.empty() ? "no leader" : fmt::format("leader={}", absl::StrJoin(leaders, ","));
  if (c.value == "none") return Found{leaders.empty(), seen};
  const std::optional<uint64_t> sid = ParseNumber(c.value);
  if (!sid || *sid < 1 || *sid > view.cluster.servers()) {
    return absl::InvalidArgumentError(fmt::format("no server '{}' (servers are 1..{}, or none)",
                                                  c.value, view.cluster.servers()));
  }
  return Found{std::find(leaders.begin(), leaders.end(), *sid) != leaders.end(), seen};
}

absl::StatusOr<Found> RequestCheck(const Check& c, const Capture& capture) {
  if (c.bare || c.at_least || (c.key != "code" && c.key != "data")) {
    return absl::InvalidArgumentError(
        fmt::format("expected code=CODE or data=DATA, found '{}'", c.written));
  }
  if (c.key == "code") {
    std::vector<std::string_view> codes;
    for (int k = 0; k <= static_cast<int>(zab::Code::kConnectionLoss); ++k)
      codes.push_back(zab::ToString(static_cast<zab::Code>(k)));
    if (std::find(codes.begin(), codes.end(), absl::AsciiStrToUpper(c.value)) == codes.end()) {
      return absl::InvalidArgumentError(
          fmt::format("expected code= one of {}, found '{}'", Join(codes), c.value));
    }
  }
  if (!capture.result.has_value()) return Found{false, "no reply yet"};
  const zab::ClientCompleted& r = *capture.result;
  if (c.key == "code") {
    return Found{absl::AsciiStrToUpper(c.value) == zab::ToString(r.code),
                 fmt::format("code={}", zab::ToString(r.code))};
  }
  if (r.code != zab::Code::kOk) return Found{false, fmt::format("code={}", zab::ToString(r.code))};
  return Found{r.data == c.value, fmt::format("data={}", r.data)};
}

}  // namespace

absl::Status Expect(const ScenarioFile& file, const Directive& written, const Directive& d,
                    const ExpectView& view, std::vector<std::string>& failures) {
  if (d.args.size() < 2) {
    return Err(file, d, static_cast<int>(d.name.size()) + 2,
               "missing a subject and a check (expected: expect SERVER CHECK... | expect epoch=N "
               "leader=S | "
               "expect NAME code=CODE|data=DATA)");
  }
  const Arg& subject = d.args[0];
  std::string who;
  std::optional<uint64_t> epoch;
  std::optional<uint32_t> sid;
  const Capture* capture = nullptr;
  if (subject.key == "epoch") {
    epoch = ParseNumber(subject.value);
    if (!epoch)
      return Err(file, d, subject.column,
                 fmt::format("expected an epoch, found '{}'", subject.value));
    who = fmt::format("epoch={}", *epoch);
  } else if (subject.key.empty() && IsName(subject.value)) {
    capture = view.captures.Find(subject.value);
    if (capture == nullptr) {
      return Err(
          file, d, subject.column,
          fmt::format("unknown capture '{}' (expected a name given by as= on an earlier command)",
                      subject.value));
    }
    who = subject.value;
  } else {
    const std::optional<uint64_t> n =
        subject.key.empty() ? ParseNumber(subject.value) : std::nullopt;
    if (!n || *n < 1 || *n > view.cluster.servers() || subject.value.starts_with("0x")) {
      return Err(
          file, d, subject.column,
          fmt::format("expected a server (1..{}), epoch=N or a capture's name, found '{}'",
                      view.cluster.servers(),
                      subject.key.empty() ? subject.value : subject.key + "=" + subject.value));
    }
    sid = static_cast<uint32_t>(*n);
    who = subject.value;
  }
  const zab::Peer* peer = sid ? view.cluster.peer(*sid) : nullptr;
  for (size_t i = 1; i < d.args.size(); ++i) {
    const Check c = Read(d.args[i], written.args[i]);
    absl::StatusOr<Found> found;
    if (epoch) {
      found = EpochCheck(c, *epoch, view);
    } else if (capture != nullptr) {
      found = RequestCheck(c, *capture);
    } else if (peer == nullptr && c.key == "role") {
      found = Named(c, "DOWN");
    } else if (peer == nullptr) {
      found = Found{false, "the server is down"};
    } else {
      found = ServerCheck(c, *peer);
    }
    if (!found.ok()) return Err(file, d, c.column, base::Text(found.status()));
    // A down server has no state to check: a check of it fails, negated or not.
    const bool down = sid && peer == nullptr && c.key != "role";
    const bool holds = !down && found->holds != c.negated;
    if (!holds) {
      failures.push_back(fmt::format("{}: expect {}: expected {}, found {}",
                                     Location(file, d.line, c.column), who, c.written,
                                     found->seen));
    }
  }
  return absl::OkStatus();
}

}  // namespace zabsim::runner::scenario

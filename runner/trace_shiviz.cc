// The ShiViz form: every record as an event of its host with a vector clock, which the
// ShiViz visualiser (https://bestchai.bitbucket.io/shiviz/) turns into a space-time
// diagram. Each event is two lines, the record in the text form and then its host and
// clock:
//
//   0.266131 p3 recv conn=15 from=2 type=ACK zxid=0x100000002
//   server3 {"server2":7,"server3":12}
//
// which ShiViz reads with the parser regular expression
//
//   (?<event>.*)\n(?<host>\S*) (?<clock>{.*})
//
// The first line of the file is a header that the expression skips. Hosts are server1..,
// client1.. and world (faults, lost messages and the checks' verdicts).
//
// The clocks come from the records alone. A send ticks its host's clock and is kept,
// with that clock, in the queue of its connection and direction; a receive (or the
// world's drop) of the same message takes it out and merges its clock. On a TCP
// connection messages arrive in the order they were sent, so the first queued send with
// the same message fields is the one; in unsafe channel mode, which may reorder and
// duplicate, the same rule picks a send with the same fields (a duplicate arrival merges
// the clock of the send it repeats).

#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "runner/trace_forms.h"

namespace zabsim::runner {
namespace {

using Clock = std::map<uint32_t, uint64_t>;  // Process -> events; ordered, so output is stable.

// How many delivered sends per connection and direction stay known for duplicates.
constexpr size_t kRememberedSends = 64;

struct Pending {
  std::string message;  // The message's fields, from `type` on.
  Clock clock;
};

// Message is a record's message fields as one string, to match a receive to its send.
std::string Message(const sim::TraceRecord& r) {
  std::string out;
  bool on = false;
  for (const sim::TraceField& f : r.fields) {
    on = on || f.key == "type";
    if (!on) continue;
    out += std::string(f.key) + "=" + (f.type == sim::TraceField::Type::kStr ? f.str : fmt::format("{}", f.bits)) + " ";
  }
  return out;
}

class ShivizForm final : public TraceForm {
 public:
  ShivizForm(std::FILE* out, const TraceWindow& window) : out_(out), window_(window) {}

  void Header(const TraceHeader& h) override {
    servers_ = h.servers;
    fmt::print(out_,
               "# zabsim-trace version={} source={}{} seed={} servers={} clients={}{} (ShiViz log, parser "
               "regular expression: (?<event>.*)\\n(?<host>\\S*) (?<clock>{{.*}}))\n",
               kTraceVersion, h.source, h.scenario.empty() ? "" : " scenario=" + h.scenario, h.seed, h.servers,
               h.clients, window_.all() ? "" : " window=" + window_.ToString());
  }

  void Write(const sim::TraceRecord& r) override {
    if (!window_.Keeps(r)) return;
    const uint32_t host = r.process;
    Clock& clock = clocks_[host];
    ++clock[host];
    const std::string_view k = r.kind;
    const sim::TraceField* conn = r.Find("conn");
    if (conn != nullptr && r.Find("type") != nullptr) {
      if (k == "send") {
        Sends& s = sends_[{conn->bits, host}];
        s.pending.push_back({Message(r), clock});
      } else if (k == "recv" || k == "drop") {
        const uint64_t from = r.Find("from") != nullptr ? r.Find("from")->bits : 0;
        if (const Clock* sent = Match(conn->bits, static_cast<uint32_t>(from), Message(r))) {
          for (const auto& [p, n] : *sent) clock[p] = std::max(clock[p], n);
        }
      }
    }
    Event(sim::TextSink::Format(r), host, clock);
  }

  void Verdicts(sim::Time at, const std::vector<Verdict>& verdicts) override {
    // One event for the checks that hold, one per violation: those are what a reader
    // looks for.
    std::string violated;
    for (const Verdict& v : verdicts) {
      if (!v.violations.empty()) violated += (violated.empty() ? "" : ",") + v.check;
    }
    WorldEvent(violated.empty()
                   ? fmt::format("{} world checks: all {} hold", sim::FormatTime(at), verdicts.size())
                   : fmt::format("{} world checks: VIOLATED {}", sim::FormatTime(at), violated));
    for (const Verdict& v : verdicts) {
      for (const std::string& d : v.violations) {
        std::string detail = d;
        for (char& c : detail) c = c == '\n' ? ' ' : c;
        WorldEvent(fmt::format("{} world VIOLATION {}", sim::FormatTime(at), detail));
      }
    }
  }

  void End(sim::Time at, uint64_t fingerprint, uint64_t records) override {
    WorldEvent(fmt::format("{} world end fingerprint={} records={}", sim::FormatTime(at),
                           sim::FormatFingerprint(fingerprint), records));
  }

 private:
  struct Sends {
    std::deque<Pending> pending;    // Sent, not yet received or lost.
    std::deque<Pending> delivered;  // The last ones received, for duplicates.
  };

  // Match finds the send of a message received (or lost) on `conn` from `from`.
  const Clock* Match(uint64_t conn, uint32_t from, const std::string& message) {
    const auto it = sends_.find({conn, from});
    if (it == sends_.end()) return nullptr;
    Sends& s = it->second;
    for (auto p = s.pending.begin(); p != s.pending.end(); ++p) {
      if (p->message != message) continue;
      s.delivered.push_back(std::move(*p));
      s.pending.erase(p);
      if (s.delivered.size() > kRememberedSends) s.delivered.pop_front();
      return &s.delivered.back().clock;
    }
    for (auto p = s.delivered.rbegin(); p != s.delivered.rend(); ++p) {
      if (p->message == message) return &p->clock;
    }
    return nullptr;
  }

  void WorldEvent(const std::string& text) {
    Clock& clock = clocks_[0];
    ++clock[0];
    Event(text, 0, clock);
  }

  void Event(const std::string& text, uint32_t host, const Clock& clock) {
    std::string json;
    for (const auto& [p, n] : clock) json += fmt::format("{}\"{}\":{}", json.empty() ? "" : ",", Host(p), n);
    fmt::print(out_, "{}\n{} {{{}}}\n", text, Host(host), json);
  }

  std::string Host(uint32_t p) const {
    if (p == 0) return "world";
    return p <= servers_ ? fmt::format("server{}", p) : fmt::format("client{}", p - servers_);
  }

  std::FILE* out_;
  TraceWindow window_;
  uint32_t servers_ = 0;
  std::map<uint32_t, Clock> clocks_;
  std::map<std::pair<uint64_t, uint32_t>, Sends> sends_;  // (conn, sender) -> its messages.
};

}  // namespace

std::unique_ptr<TraceForm> MakeShivizForm(std::FILE* out, const TraceWindow& window) {
  return std::make_unique<ShivizForm>(out, window);
}

}  // namespace zabsim::runner

// File: runner/scenario/triggers.h
//
// The events a trigger waits for (`on PATTERN do COMMAND`, docs/scenarios.md,
// "Triggers"), and how they match the trace. Each pattern names one kind of trace
// record (docs/trace-format.md) written by one server:
//
//   3 sends NEWLEADER to 1        a `send` record: the frame is on the wire
//   1 receives COMMIT zxid=Z      a `recv` record: the message was delivered
//   2 writes Z                    an `append` of txn Z to the txn log (not durable yet)
//   2 logs Z                      a `logged` record: an fsync made Z durable
//   2 enters SYNCHRONIZATION      a `state` record whose role or phase changed to that
//   3 commits Z                   a `commit` record: the leader saw a quorum of ACKs
//   1 applies Z                   an `apply` record: Z reached the server's tree
//
// The runner matches every record against every armed trigger as the trace writes it,
// and only notes the match there: the command runs between events (runner.h).

#ifndef ZABSIM_RUNNER_SCENARIO_TRIGGERS_H_
#define ZABSIM_RUNNER_SCENARIO_TRIGGERS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "runner/scenario/captures.h"
#include "sim/trace.h"

namespace zabsim::runner::scenario {

struct TriggerPattern {
  enum class Verb : uint8_t { kSends, kReceives, kWrites, kLogs, kEnters, kCommits, kApplies };

  Verb verb = Verb::kSends;
  uint32_t server = 0;
  std::string type;               // kSends, kReceives: the message type, e.g. "NEWLEADER".
  uint32_t peer = 0;              // kSends: the receiver; kReceives: the sender. 0: any.
  std::optional<uint64_t> zxid;   // Unset: any zxid.
  std::string state;              // kEnters: a role (LOOKING, ...) or a phase (ELECTION, ...).
};

// FindVerb reads a pattern's verb ("sends", ...); nullopt if it is none.
std::optional<TriggerPattern::Verb> FindVerb(std::string_view word);
// VerbNames lists the verbs, for error messages: "sends, receives, ..., applies".
std::string VerbNames();
// IsRoleOrPhase: a word `enters` takes.
bool IsRoleOrPhase(std::string_view word);
// RolesAndPhases lists them, for error messages.
std::string RolesAndPhases();

// Describe writes the pattern as the output shows it, e.g. "3 sends NEWLEADER to 1" or
// "1 receives COMMIT of w=0x100000003" (a captured zxid with its name).
std::string Describe(const TriggerPattern& p, const Captures& captures);

// TriggerMatcher sees every record of the run, in order.
class TriggerMatcher {
 public:
  // Matches says whether `r` is an event `p` describes. For one record, call it for
  // every pattern first, then Note(r).
  bool Matches(const TriggerPattern& p, const sim::TraceRecord& r) const;
  // Note keeps what `enters` compares a state record with: each server's role and phase
  // before it (nothing after a crash, as at the start).
  void Note(const sim::TraceRecord& r);

 private:
  std::map<uint32_t, std::pair<std::string, std::string>> last_;  // Server -> (role, phase).
};

}  // namespace zabsim::runner::scenario

#endif  // ZABSIM_RUNNER_SCENARIO_TRIGGERS_H_

// File: zab/checkers/linearizability.h
//
// The client-history checker reads what the clients saw (ClientInvoked and
// ClientCompleted events, zab/client.h) and checks it against ZooKeeper's promises to
// clients. The safety checker (safety.h) watches the servers; this one is the view from
// outside, the only one a user of ZooKeeper has: it would catch a lost or reordered
// write even if every server-side invariant held.
//
// Each check has a stable name and a definition in docs/invariants.md:
//
//   linearizable   the writes, and every read issued right after the same session's
//                  successful sync, can be put in one order that respects real time and
//                  the data tree's rules (Wing & Gong's search with Lowe's memoisation,
//                  as Porcupine's checkSingle does it)
//   client-fifo    per session, invocations have increasing cxids, completions come in
//                  the order of the invocations, each at most once and for the op
//                  invoked, and the session's successful writes have increasing zxids
//
// What enters the linearizability history, per path (key):
//   - every create, setData and delete, with its interval [invocation, completion] and
//     its outcome; an indeterminate one (CONNECTIONLOSS), or one still in flight, has no
//     completion and no known outcome: it may take effect at any moment after its
//     invocation, or never (Porcupine's treatment of a call that never returned);
//   - every sync-then-read: a getData (answered OK or NONODE) or exists whose session's
//     previous op was a sync answered OK, as one read over [sync invocation, read
//     completion]. ZooKeeper promises such a read reflects every write completed before
//     the sync was invoked; plain reads are served from the local replica and may be
//     stale, so they are left out. Indeterminate reads are left out too;
//   - every closeSession of a session that created the key as an ephemeral node: it
//     removes the node if that session still owns it.
// Paths are checked one by one (P-compositionality, which Porcupine also relies on).
// That is exact except where an outcome depends on another path: a create answered
// NONODE (a missing parent) or NOCHILDRENFOREPHEMERALS, a delete answered NOTEMPTY (it
// has children) and any write answered SESSIONEXPIRED are taken as consistent with any
// state of the key, and as changing nothing. The sequential model of a key is
// {exists, data, version, ephemeral owner}; "/" exists from the start, any other path
// does not (every run starts from an empty tree).
//
// The search has a step budget. A key whose search runs out of it is reported as
// unknown: neither proven linearizable nor a violation, and not a failure of the run.
//
//   ClientHistoryChecker history;
//   history.Observe(at, client, event);  // Every event, in order; FIFO is checked here.
//   history.Finish();                    // The linearizability search over all of it.
//   for (const Violation& v : history.violations()) ...
//
// Finish may be called more than once (a scenario's `check` in mid-run): each call
// searches the whole history recorded so far again, with ops still in flight taken as
// indeterminate, and replaces the linearizability results of the previous call.

#ifndef ZABSIM_ZAB_CHECKERS_LINEARIZABILITY_H_
#define ZABSIM_ZAB_CHECKERS_LINEARIZABILITY_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "zab/checkers/safety.h"  // At and Violation.
#include "zab/events.h"
#include "zab/txn.h"
#include "zab/types.h"

namespace zabsim::zab::checkers {

// KeyVerdict is what the search concluded about one key (path).
struct KeyVerdict {
  enum class Kind { kLinearizable, kViolation, kUnknown };
  std::string path;
  Kind kind = Kind::kLinearizable;
  size_t ops = 0;      // Ops in the key's history.
  uint64_t steps = 0;  // Search steps spent on it.
};

// ClientCall is one operation of a session as its client saw it: invoked, then completed
// (or not yet). A run keeps one per client operation (bench BM_LongRun: 180,000), so it
// is packed: its strings (path, data, the data answered) are indices into the checker's
// table of distinct strings, and the op and outcome are flattened: 80 bytes, where an Op
// and a struct of its outcome took 136. The search reads the calls in place.
struct ClientCall {
  uint64_t cxid = 0;
  At invoked;
  At completed_at;  // When completed.
  Zxid zxid;        // Outcome.
  int32_t version = -1;         // Op: the expected version.
  int32_t answer_version = -1;  // Outcome: the version answered.
  uint32_t path = 0;            // Op, interned.
  uint32_t data = 0;            // Op, interned.
  uint32_t answer = 0;          // Outcome: the data answered, interned.
  PeerId server;                // Outcome.
  OpType type = OpType::kGetData;
  Code code = Code::kOk;        // Outcome.
  bool ephemeral = false;       // Op.
  bool completed = false;
  bool indeterminate = false;   // Outcome.
  bool exists = false;          // Outcome.
};

class ClientHistoryChecker {
 public:
  static constexpr std::string_view kLinearizable = "linearizable";
  static constexpr std::string_view kClientFifo = "client-fifo";
  // A run's whole search may take this many steps (one step tries one op at one point);
  // each key gets an equal share of what is left, so one hard key cannot starve the rest.
  static constexpr uint64_t kDefaultStepBudget = 1'000'000;
  // Names lists every check, in the order above.
  static std::vector<std::string_view> Names();

  // Observe takes the next event of process `client`; only client events matter.
  void Observe(At at, PeerId client, const Event& event);

  // Finish runs the linearizability search over everything observed so far. Calling it
  // again with no new event and the same budget does nothing.
  void Finish(uint64_t step_budget = kDefaultStepBudget);

  // violations lists the client-fifo violations, in the order found, then the
  // linearizable ones of the last Finish, at most one per key, in path order.
  const std::vector<Violation>& violations() const { return violations_; }
  // keys: the last Finish's verdict for every key, in path order.
  const std::vector<KeyVerdict>& keys() const { return keys_; }
  // unknown: the keys the last Finish could not decide within its budget.
  std::vector<std::string> unknown() const;
  uint64_t steps() const { return steps_; }

 private:
  struct Session {
    // In invocation order. A deque: a long run records one per client operation, and a
    // vector's doubling would leave up to half of it unused.
    std::deque<ClientCall> calls;
    std::vector<size_t> outstanding;  // Indices into calls, not completed yet.
  };

  void Fail(std::string_view check, At at, std::string detail);
  void OnInvoked(At at, PeerId client, const ClientInvoked& e);
  void OnCompleted(At at, PeerId client, const ClientCompleted& e);
  void CheckWriteOrder(At at, PeerId client, uint64_t session, const Session& s, size_t index);
  // Intern returns the index of `text` in strings_, adding it if new.
  uint32_t Intern(std::string_view text);

  std::map<uint64_t, Session> sessions_;  // By session id.
  // The distinct strings of the calls (paths and data), and their indices: a hash map,
  // since every client operation looks up two or three; looked up only, never iterated.
  // strings_[0] is "", which most data and answers are.
  std::deque<std::string> strings_{std::string()};
  absl::flat_hash_map<std::string, uint32_t> string_ids_{{std::string(), 0}};
  std::vector<Violation> fifo_;           // client-fifo, as found.
  std::vector<Violation> violations_;     // fifo_, then the last Finish's.
  std::vector<KeyVerdict> keys_;
  uint64_t steps_ = 0;
  uint64_t observed_ = 0;  // Client events observed.
  // (observed_, budget) at the last Finish, to make a repeated call free.
  std::optional<std::pair<uint64_t, uint64_t>> finished_;
};

}  // namespace zabsim::zab::checkers

#endif  // ZABSIM_ZAB_CHECKERS_LINEARIZABILITY_H_

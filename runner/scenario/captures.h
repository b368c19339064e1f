// File: runner/scenario/captures.h
//
// Captures: the names a scenario gives to client requests, and what the run learns of
// each. `create 1 /x v1 as=w` names that request `w`; a later argument may then say
// `$w` for its zxid:
//
//   create 1 /x v1 nowait as=w
//   run until=proposed:$w          # w=0x100000003 is printed when the leader assigns it
//   hold-next from=3 to=2 type=COMMIT zxid=$w
//   run until=committed:$w
//   expect w code=OK
//
// The zxid of a write is the one the leader assigned to that client request when it
// proposed it (ZooKeeper's Leader.propose, the Proposed event with the request's session
// and cxid), whether or not the client ever hears back: it is known from the proposal
// on. A read (get, exists, sync) proposes nothing; its zxid is the one its reply carries,
// the last txn the server had applied. Using `$w` before it is known is an error, as is
// a name never given.
//
// The runner matches a request to the client's invocation by order: a client runs its
// operations one at a time, in the order they were submitted (the scenario's and its
// workload's alike), so the k-th submission is the k-th ClientInvoked event.

#ifndef ZABSIM_RUNNER_SCENARIO_CAPTURES_H_
#define ZABSIM_RUNNER_SCENARIO_CAPTURES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "runner/cluster.h"
#include "zab/events.h"
#include "zab/types.h"

namespace zabsim::runner::scenario {

struct Capture {
  std::string name;
  int line = 0;          // Where `as=` named it.
  uint32_t client = 0;   // 1-based, as commands name clients.
  uint32_t process = 0;  // The client's process.
  std::string what;      // "create /x", for messages.
  bool write = false;
  uint64_t ordinal = 0;          // Which submission to its client it is (1-based).
  std::optional<uint64_t> cxid;  // Once the client sent it.
  uint64_t session = 0;
  std::optional<zab::Zxid> zxid;  // See the file comment.
  uint32_t proposer = 0;          // The leader that assigned it (writes).
  std::optional<zab::ClientCompleted> result;
};

class Captures {
 public:
  // Add names a request just submitted. REQUIRES: IsName(name) and Find(name) == nullptr.
  void Add(Capture capture);
  const Capture* Find(std::string_view name) const;

  // Note learns from one event of the run. It returns a line to show when a capture's
  // zxid becomes known ("w=0x100000003 (c1 create /x, proposed by 3)").
  std::optional<std::string> Note(const EventRecord& r);

  // Substitute replaces every `$NAME` in `text` by the zxid NAME stands for. On error it
  // returns the message and sets `offset` to the `$` it is about.
  absl::StatusOr<std::string> Substitute(std::string_view text, size_t& offset) const;

  // Annotate writes, after each word of `line` that is a captured zxid, the name:
  // "3->2 PROPOSAL 0x100000003 create /x" becomes "... PROPOSAL w=0x100000003 create /x".
  std::string Annotate(std::string line) const;

  bool empty() const { return captures_.empty(); }

 private:
  Capture* ByInvocation(uint32_t process, uint64_t ordinal);
  Capture* ByRequest(uint64_t session, uint64_t cxid);

  std::vector<Capture> captures_;          // In the order they were named.
  std::map<uint32_t, uint64_t> invoked_;   // Per client process: ClientInvoked events seen.
  std::map<uint64_t, std::string> named_;  // A known zxid -> the first name it got.
};

}  // namespace zabsim::runner::scenario

#endif  // ZABSIM_RUNNER_SCENARIO_CAPTURES_H_

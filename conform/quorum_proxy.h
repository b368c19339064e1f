// File: conform/quorum_proxy.h
//
// The conformance harness's quorum proxy: every election and quorum connection between the
// real servers of a run goes through it, so that the scenario's network commands act on
// real ZooKeeper packets as they act on zabsim's frames (docs/conformance.md, "Network and
// disk faults on the real side").
//
// For each ordered pair of servers (A, B) and each of B's two ports, the proxy listens on a
// loopback port of its own; A's JVM is told (conform/preload) to connect there instead of
// to B's port. So every connection the proxy accepts has a known sender and receiver, and
// both of its directions are decoded into ZooKeeper's messages (conform/quorum_wire.h).
// What a direction carries is forwarded message by message, unless:
//
// - a rule (`hold-next`, `drop-next`, `delay-next`, with type, zxid and count) matches it,
//   in the order the rules were set;
// - the link A>B is held (`hold`, or a held message arrived): its messages wait, in
//   order, on every connection of the link, until `release A>B`;
// - the link is cut (`partition`, `oneway`, `isolate`): a message sent over it breaks its
//   connection, and a new connection across it is refused, as in zabsim's tcp mode;
// - a `delay A>B` is in force: messages sent in its window wait EXTRA more. A connection
//   stays FIFO: what follows a delayed message waits behind it.
// A dropped message breaks its connection (both ends see it closed, and what was queued
// behind it is lost), and so does `break A B` for every connection between A and B. When
// either end closes, the other's is closed too and what waited is lost: a crashed
// sender's messages in flight die with it, as in zabsim.
//
// The proxy runs one thread of its own (poll(2) over every socket); the harness's calls
// below take effect at once and wake it. It never reaches a simulated run.

#ifndef ZABSIM_CONFORM_QUORUM_PROXY_H_
#define ZABSIM_CONFORM_QUORUM_PROXY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "conform/quorum_wire.h"

namespace zabsim::conform {

struct ProxyRule {
  enum class Action { kDrop, kDelay, kHold };
  Action action = Action::kHold;
  uint32_t from = 0;
  uint32_t to = 0;
  std::string type;              // Empty: any message (votes included).
  std::optional<uint64_t> zxid;  // Only messages with this zxid.
  uint32_t count = 1;
  int64_t extra_ms = 0;  // kDelay.
};

class QuorumProxy {
 public:
  // `real_port(sid, kind)` is server sid's own quorum or election port.
  QuorumProxy(uint32_t voters, std::function<int(uint32_t, ConnKind)> real_port);
  ~QuorumProxy();
  QuorumProxy(const QuorumProxy&) = delete;
  QuorumProxy& operator=(const QuorumProxy&) = delete;

  // Start opens the listeners (on ports the system picks) and starts the thread.
  absl::Status Start();
  // Port: where server `from` is sent when it connects to `to`'s port of `kind`.
  int Port(uint32_t from, uint32_t to, ConnKind kind) const;
  // Redirects: the ZABSIM_CONFORM_REDIRECT value for server `sid`'s JVM.
  std::string Redirects(uint32_t sid) const;

  void AddRule(const ProxyRule& rule);
  void Hold(uint32_t from, uint32_t to);
  void Release(uint32_t from, uint32_t to);
  // Cut: messages from `from` to `to` are lost (and break their connection) until Heal.
  void Cut(uint32_t from, uint32_t to);
  void Heal();
  void Break(uint32_t a, uint32_t b);
  void Delay(uint32_t from, uint32_t to, int64_t extra_ms, int64_t for_ms);

  // TakeEvents returns what the proxy did since the last call, one line per message it
  // held, delayed, dropped or refused and per connection it broke ("2->1 NEWLEADER
  // 0x200000000 held (rule)"), for --verbose and the tests.
  std::vector<std::string> TakeEvents();
  // Forwarded: how many messages of `type` went from `from` to `to` so far.
  uint64_t Forwarded(uint32_t from, uint32_t to, const std::string& type) const;

  // Stop ends the thread and closes every socket (the destructor does it too).
  void Stop();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace zabsim::conform

#endif  // ZABSIM_CONFORM_QUORUM_PROXY_H_

// File: sim/toy/gossip.h
//
// Toy processes that exercise every part of the world without knowing anything of ZAB:
//
//  - Gossip: each process keeps a counter. On every tick it increments the counter,
//    appends it to its disk and fsyncs; once the fsync completes the value is durable and
//    it tells every connected peer. It keeps a connection to each peer (the lower id
//    connects, and retries after a failure), restores its counter from disk on restart,
//    and on signal 1 drops its connections and volatile state but keeps its counter in
//    memory (a toy "role restart").
//  - PingPong: each process connects to its successor and keeps `window` messages in
//    flight around a ring; the cheapest possible load for measuring the world itself.
//
// Gossip checks its own durability contract: a restarted process must find at least the
// last value it reported durable before the crash (see the "durable" and "recovered"
// trace records).

#ifndef ZABSIM_SIM_TOY_GOSSIP_H_
#define ZABSIM_SIM_TOY_GOSSIP_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/process.h"
#include "sim/trace.h"
#include "sim/random.h"
#include "sim/time.h"

namespace zabsim::sim::toy {

struct ToyMessage {
  enum class Type : uint8_t { kGossip, kPing };
  Type type = Type::kGossip;
  uint64_t value = 0;
};

}  // namespace zabsim::sim::toy

namespace zabsim::sim {

template <>
struct MessageTraits<toy::ToyMessage> {
  static std::string_view Tag(const toy::ToyMessage& m) {
    return m.type == toy::ToyMessage::Type::kGossip ? "GOSSIP" : "PING";
  }
  static void Describe(const toy::ToyMessage& m, Recorder& r) {
    r.Str("type", Tag(m)).Uint("value", m.value);
  }
};

}  // namespace zabsim::sim

namespace zabsim::sim::toy {

class Gossip final : public Process<ToyMessage> {
 public:
  static constexpr uint32_t kPort = 1;
  static constexpr uint32_t kRoleRestartSignal = 1;
  static constexpr std::string_view kCounterFile = "counter";

  Gossip(const ProcessEnv& env, uint32_t processes);

  void Start(Context<ToyMessage>& ctx) override;
  void OnConnected(Context<ToyMessage>& ctx, ConnId conn, ProcessId peer) override;
  void OnAccepted(Context<ToyMessage>& ctx, ConnId conn, ProcessId peer, uint32_t port) override;
  void OnDisconnected(Context<ToyMessage>& ctx, ConnId conn, DisconnectReason reason) override;
  void OnMessage(Context<ToyMessage>& ctx, ConnId conn, ProcessId from, ToyMessage m) override;
  void OnTimer(Context<ToyMessage>& ctx, TimerId timer, uint64_t tag) override;
  void OnSynced(Context<ToyMessage>& ctx, SyncToken token) override;
  void OnSignal(Context<ToyMessage>& ctx, uint32_t signal) override;

  uint64_t value() const { return value_; }
  uint64_t durable() const { return durable_; }
  uint64_t highest_heard() const;

 private:
  static constexpr uint64_t kTickTag = 0;
  static constexpr uint64_t kReconnectTag = 1;  // + peer id

  void ConnectTo(Context<ToyMessage>& ctx, ProcessId peer);
  // HasConnection: some connection to `peer` is open or being opened.
  bool HasConnection(uint32_t peer) const;

  ProcessId self_;
  uint32_t processes_;
  Rng rng_;
  uint64_t value_ = 0;    // Incremented every tick.
  uint64_t durable_ = 0;  // Highest value known synced to disk.
  uint64_t records_ = 0;  // Records in the counter file.
  std::map<uint64_t, uint64_t> pending_;       // Sync token -> value it covers.
  std::map<uint32_t, ConnId> peers_;           // Peer id -> connection.
  std::map<uint64_t, uint32_t> conn_peer_;     // Connection -> peer id.
  std::map<uint32_t, uint64_t> heard_;         // Highest value each peer reported.
};

class PingPong final : public Process<ToyMessage> {
 public:
  PingPong(const ProcessEnv& env, uint32_t processes, uint32_t window);

  void Start(Context<ToyMessage>& ctx) override;
  void OnConnected(Context<ToyMessage>& ctx, ConnId conn, ProcessId peer) override;
  void OnAccepted(Context<ToyMessage>& ctx, ConnId conn, ProcessId peer, uint32_t port) override;
  void OnDisconnected(Context<ToyMessage>& ctx, ConnId conn, DisconnectReason reason) override;
  void OnMessage(Context<ToyMessage>& ctx, ConnId conn, ProcessId from, ToyMessage m) override;
  void OnTimer(Context<ToyMessage>& ctx, TimerId timer, uint64_t tag) override;
  void OnSynced(Context<ToyMessage>& ctx, SyncToken token) override;
  void OnSignal(Context<ToyMessage>& ctx, uint32_t signal) override;

 private:
  ProcessId self_;
  uint32_t processes_;
  uint32_t window_;
  ConnId next_;  // Connection to the successor.
  bool connected_ = false;
};

// DurabilityWatch checks Gossip's contract from the trace: a process that restarts
// recovers at least the last value it reported durable before it crashed.
class DurabilityWatch final : public TraceSink {
 public:
  void Write(const TraceRecord& record) override;
  const std::vector<std::string>& violations() const { return violations_; }
  uint64_t starts_checked() const { return starts_checked_; }

 private:
  std::map<uint32_t, uint64_t> durable_;
  std::vector<std::string> violations_;
  uint64_t starts_checked_ = 0;
};

}  // namespace zabsim::sim::toy

#endif  // ZABSIM_SIM_TOY_GOSSIP_H_

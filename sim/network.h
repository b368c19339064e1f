// File: sim/network.h
//
// The conditions of the simulated network, link by link: partitions (which directed
// links are cut), delay spikes, held links, random loss, the channel mode, and message
// rules ("drop the next 2 PROPOSAL frames from 1 to 3"). The world asks it, frame by
// frame, whether a frame is lost and how long it takes; the connection state machine
// itself lives in world.h.
//
// Every link has its own random streams ("net/<from>-><to>" for latencies and
// "net-fault/<from>-><to>" for loss), so traffic on one link never shifts the draws made
// on another, and enabling loss never shifts latencies.

#ifndef ZABSIM_SIM_NETWORK_H_
#define ZABSIM_SIM_NETWORK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/ids.h"
#include "sim/random.h"
#include "sim/time.h"
#include "sim/world_config.h"

namespace zabsim::sim {

// MessageRule acts on the next `remaining` data frames that match it, at send time.
struct MessageRule {
  enum class Action : uint8_t {
    kDrop,   // Lose the frame (in TCP mode this breaks its connection).
    kDelay,  // Add `extra` to its latency (FIFO still holds in TCP mode).
    kHold,   // Park it (and everything behind it on the link) until the link is released.
  };
  Action action = Action::kDrop;
  ProcessId from;   // 0: any sender.
  ProcessId to;     // 0: any receiver.
  std::string tag;  // Empty: any message; else the message's tag, e.g. "PROPOSAL".
  int64_t remaining = 1;  // -1: every matching frame, for ever.
  Duration extra;
  // Unset: any message; else only messages whose key (MessageTraits<M>::Key, for the
  // message types that define one) is this value, e.g. the zxid a PROPOSAL carries.
  // Last, so that rules written as {action, from, to, tag, remaining, extra} still are.
  std::optional<uint64_t> key;

  bool Matches(ProcessId sender, ProcessId receiver, std::string_view message_tag,
               std::optional<uint64_t> message_key = std::nullopt) const;
};

std::string_view ToString(MessageRule::Action action);

class Network {
 public:
  Network(const NetworkConfig& config, uint64_t seed, uint32_t processes);

  const NetworkConfig& config() const { return config_; }
  uint32_t processes() const { return processes_; }

  // Partitions. A blocked directed link loses every frame sent over it.
  bool Blocked(ProcessId from, ProcessId to) const { return Link(from, to).blocked; }
  // SetPartition cuts every link between different groups and replaces earlier cuts.
  // Processes listed in no group keep every link (a partition of the servers leaves the
  // clients where they are).
  void SetPartition(const std::vector<std::vector<ProcessId>>& groups);
  // Block cuts one directed link, in addition to existing cuts.
  void Block(ProcessId from, ProcessId to) { Link(from, to).blocked = true; }
  // Heal restores every cut link. Delays, holds and rules are left as they are.
  void Heal();
  // DescribeCuts lists the cut links, e.g. "1->3 3->1", or "none".
  std::string DescribeCuts() const;

  // Delay spikes: frames sent from `from` to `to` before `until` take `extra` longer.
  void AddDelay(ProcessId from, ProcessId to, Duration extra, Time until);

  // Held links: frames arriving over a held link are parked until released.
  void SetHeld(ProcessId from, ProcessId to, bool held) { Link(from, to).held = held; }
  bool Held(ProcessId from, ProcessId to) const { return Link(from, to).held; }

  void SetLoss(Ratio loss) { config_.loss = loss; }
  void SetChannel(ChannelMode mode) { config_.channel = mode; }

  void AddRule(MessageRule rule) { rules_.push_back(std::move(rule)); }
  // TakeRule returns the action of the first live rule matching this data frame, and
  // uses up one of its frames.
  std::optional<MessageRule> TakeRule(ProcessId from, ProcessId to, std::string_view tag,
                                      std::optional<uint64_t> key = std::nullopt);
  void ClearRules() { rules_.clear(); }

  // Draws, each from the link's own stream.
  Duration Latency(ProcessId from, ProcessId to, Time now);
  Duration BreakNotice(ProcessId from, ProcessId to);
  bool DrawLoss(ProcessId from, ProcessId to);
  bool DrawUnsafeDrop(ProcessId from, ProcessId to);
  bool DrawUnsafeDuplicate(ProcessId from, ProcessId to);

 private:
  struct LinkState {
    bool blocked = false;
    bool held = false;
    Time delay_until;
    Duration delay_extra;
    // Derived on first use. Latency and fault draws use separate streams so that turning
    // loss on or off never changes the latencies drawn.
    std::optional<Rng> latency_rng;
    std::optional<Rng> fault_rng;
  };

  LinkState& Link(ProcessId from, ProcessId to);
  const LinkState& Link(ProcessId from, ProcessId to) const;
  Rng& LatencyRng(ProcessId from, ProcessId to);
  Rng& FaultRng(ProcessId from, ProcessId to);

  NetworkConfig config_;
  uint64_t seed_;
  uint32_t processes_;
  std::vector<LinkState> links_;  // processes_ x processes_, row = sender.
  std::vector<MessageRule> rules_;
};

}  // namespace zabsim::sim

#endif  // ZABSIM_SIM_NETWORK_H_

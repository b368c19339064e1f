#include "sim/network.h"

#include <fmt/format.h>

#include "base/check.h"

namespace zabsim::sim {

bool MessageRule::Matches(ProcessId sender, ProcessId receiver, std::string_view message_tag,
                          std::optional<uint64_t> message_key) const {
  if (remaining == 0) return false;
  if (from.value != 0 && from != sender) return false;
  if (to.value != 0 && to != receiver) return false;
  if (key.has_value() && key != message_key) return false;
  return tag.empty() || tag == message_tag;
}

std::string_view ToString(MessageRule::Action action) {
  switch (action) {
    case MessageRule::Action::kDrop:
      return "drop";
    case MessageRule::Action::kDelay:
      return "delay";
    case MessageRule::Action::kHold:
      return "hold";
  }
  return "?";
}

Network::Network(const NetworkConfig& config, uint64_t seed, uint32_t processes)
    : config_(config), seed_(seed), processes_(processes), links_(processes * processes) {
  ZABSIM_CHECK(processes > 0 && processes <= kMaxProcesses);
}

Network::LinkState& Network::Link(ProcessId from, ProcessId to) {
  ZABSIM_CHECK(from.value >= 1 && from.value <= processes_, "process {}", from.value);
  ZABSIM_CHECK(to.value >= 1 && to.value <= processes_, "process {}", to.value);
  return links_[(from.value - 1) * processes_ + (to.value - 1)];
}

const Network::LinkState& Network::Link(ProcessId from, ProcessId to) const {
  ZABSIM_CHECK(from.value >= 1 && from.value <= processes_, "process {}", from.value);
  ZABSIM_CHECK(to.value >= 1 && to.value <= processes_, "process {}", to.value);
  return links_[(from.value - 1) * processes_ + (to.value - 1)];
}

Rng& Network::LatencyRng(ProcessId from, ProcessId to) {
  LinkState& link = Link(from, to);
  if (!link.latency_rng.has_value()) {
    link.latency_rng = Rng::Derive(seed_, fmt::format("net/{}->{}", from.value, to.value));
  }
  return *link.latency_rng;
}

Rng& Network::FaultRng(ProcessId from, ProcessId to) {
  LinkState& link = Link(from, to);
  if (!link.fault_rng.has_value()) {
    link.fault_rng = Rng::Derive(seed_, fmt::format("net-fault/{}->{}", from.value, to.value));
  }
  return *link.fault_rng;
}

void Network::SetPartition(const std::vector<std::vector<ProcessId>>& groups) {
  // group_of[p] is the index of p's group; unlisted processes have none and stay linked.
  constexpr size_t kNone = SIZE_MAX;
  std::vector<size_t> group_of(processes_ + 1, kNone);
  for (size_t g = 0; g < groups.size(); ++g) {
    for (const ProcessId p : groups[g]) {
      ZABSIM_CHECK(p.value >= 1 && p.value <= processes_, "process {}", p.value);
      group_of[p.value] = g;
    }
  }
  for (uint32_t a = 1; a <= processes_; ++a) {
    for (uint32_t b = 1; b <= processes_; ++b) {
      Link(ProcessId{a}, ProcessId{b}).blocked =
          group_of[a] != kNone && group_of[b] != kNone && group_of[a] != group_of[b];
    }
  }
}

void Network::Heal() {
  for (LinkState& link : links_) link.blocked = false;
}

std::string Network::DescribeCuts() const {
  std::string out;
  for (uint32_t a = 1; a <= processes_; ++a) {
    for (uint32_t b = 1; b <= processes_; ++b) {
      if (a != b && Blocked(ProcessId{a}, ProcessId{b})) {
        if (!out.empty()) out += ' ';
        fmt::format_to(std::back_inserter(out), "{}->{}", a, b);
      }
    }
  }
  return out.empty() ? "none" : out;
}

void Network::AddDelay(ProcessId from, ProcessId to, Duration extra, Time until) {
  LinkState& link = Link(from, to);
  link.delay_extra = extra;
  link.delay_until = until;
}

std::optional<MessageRule> Network::TakeRule(ProcessId from, ProcessId to,
                                             std::string_view tag, std::optional<uint64_t> key) {
  for (MessageRule& rule : rules_) {
    if (!rule.Matches(from, to, tag, key)) continue;
    if (rule.remaining > 0) --rule.remaining;
    return rule;
  }
  return std::nullopt;
}

Duration Network::Latency(ProcessId from, ProcessId to, Time now) {
  Duration latency = config_.latency.Sample(LatencyRng(from, to));
  const LinkState& link = Link(from, to);
  if (now < link.delay_until) latency += link.delay_extra;
  return latency;
}

Duration Network::BreakNotice(ProcessId from, ProcessId to) {
  return config_.break_notice.Sample(FaultRng(from, to));
}

bool Network::DrawLoss(ProcessId from, ProcessId to) {
  return FaultRng(from, to).Chance(config_.loss);
}

bool Network::DrawUnsafeDrop(ProcessId from, ProcessId to) {
  return FaultRng(from, to).Chance(config_.unsafe_drop);
}

bool Network::DrawUnsafeDuplicate(ProcessId from, ProcessId to) {
  return FaultRng(from, to).Chance(config_.unsafe_duplicate);
}

}  // namespace zabsim::sim

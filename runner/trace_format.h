// File: runner/trace_format.h
//
// How ZAB messages and peer events appear in the simulator's trace: the field names
// and kinds that docs/world.md and the scenario output rely on. The runner is the only
// place that knows both sim/ and zab/; this is where they meet.

#ifndef ZABSIM_RUNNER_TRACE_FORMAT_H_
#define ZABSIM_RUNNER_TRACE_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

#include "sim/process.h"
#include "sim/trace.h"
#include "zab/events.h"
#include "zab/messages.h"

namespace zabsim::sim {

template <>
struct MessageTraits<zab::Message> {
  static std::string_view Tag(const zab::Message& m) { return zab::Tag(m); }
  static void Describe(const zab::Message& m, Recorder& r);
  // Key is the zxid a quorum packet carries (the one its trace line shows), for rules
  // that match a zxid (`hold-next ... zxid=`); votes and client frames have none.
  static std::optional<uint64_t> Key(const zab::Message& m) {
    const auto* p = std::get_if<zab::QuorumPacket>(&m);
    return p == nullptr ? std::nullopt : std::optional<uint64_t>(p->zxid.value);
  }
};

}  // namespace zabsim::sim

namespace zabsim::runner {

// EventKind names a peer event in traces, e.g. "state", "vote", "propose", "apply".
std::string_view EventKind(const zab::Event& event);
// DescribeEvent writes the fields of a peer event into a record of kind EventKind(event).
void DescribeEvent(const zab::Event& event, sim::Recorder& r);

}  // namespace zabsim::runner

#endif  // ZABSIM_RUNNER_TRACE_FORMAT_H_

// File: runner/explore_steps.h
//
// The steps `zabsim explore` chooses among (docs/explore.md), and how a scenario names
// them. At any point of a controlled run, a step is one of: a pending event of the world
// that may run next (a frame arriving at the head of its connection, a timer, an fsync
// completing, a thread's next step, a disconnection notice, a process starting), a client
// write of the bounded workload, or a fault within its budget (crash, restart).
//
// Events are named by what they do, never by the world's ids (connection, timer and
// sync ids are global counters that differ between orders of the same steps): the
// scenario command `step deliver 3>1 PROPOSAL 0x100000001 conn=3>1:2888` names the same
// event in every run that reaches the same point. The explorer and the scenario runner
// list and run the steps with these functions only, so a choice the explorer made
// replays as the same event.
//
//   Settle(cluster.world());
//   for (const Step& s : ListEvents(cluster.world())) ... s.text ...
//   RunEvent(cluster.world(), step);

#ifndef ZABSIM_RUNNER_EXPLORE_STEPS_H_
#define ZABSIM_RUNNER_EXPLORE_STEPS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runner/cluster.h"

namespace zabsim::runner::explore {

// Step is one choice of the explorer.
struct Step {
  enum class Kind : uint8_t { kEvent, kTimer, kWrite, kCrash, kRestart };
  Kind kind = Kind::kEvent;
  uint64_t seq = 0;      // kEvent, kTimer: the pending event.
  uint32_t process = 0;  // The process whose input it is (for a write, the client's).
  sim::Time at;           // kEvent, kTimer: when it is due in time order.
  bool network = false;  // A frame or a disconnection notice: something arriving at `process`.
  // The processes the event involves, one bit per process id: where it happens, and for a
  // frame or notice the two ends of its connection. Two events that involve disjoint sets
  // of processes change disjoint state (docs/explore.md, "Where faults are placed").
  uint64_t involves = 0;
  // The scenario command that takes this step: "step deliver 3>1 ...", "step timer 2
  // tag=1", "create 1 /e1 v1 nowait", "crash 3", "restart 3". Unique among the steps
  // listed together.
  std::string command;
};

// Settle runs every inert pending event (a cancelled timer, an event of a process's
// earlier life, a frame of a broken connection), in time order: none of them changes
// what a process sees, so they are not choices. Call it before listing events.
void Settle(World& world);

// ListEvents lists the pending events that may run next, in time order, as steps of
// kind kEvent (timers: kTimer), each named by its `step ...` command. REQUIRES: Settle
// ran since the world last ran.
std::vector<Step> ListEvents(World& world);

// RunEvent runs the pending event of a step ListEvents listed.
void RunEvent(World& world, const Step& step);

// ProcessBit is the bit of process id `process` in Step::involves. REQUIRES: process < 64.
uint64_t ProcessBit(uint32_t process);

// DescribeMessage names a message by its content, for step names and fingerprints:
// "PROPOSAL 0x100000001", "NOTIFICATION leader=3 zxid=0x0 round=1 epoch=0 LOOKING".
std::string DescribeMessage(const zab::Message& message);

}  // namespace zabsim::runner::explore

#endif  // ZABSIM_RUNNER_EXPLORE_STEPS_H_

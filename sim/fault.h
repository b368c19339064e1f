// File: sim/fault.h
//
// Faults the world can apply, and fault plans: lists of faults at given times, written
// by hand or drawn swarm-style from a seed (each seed enables a random subset of fault
// kinds with random intensities, as FoundationDB and TigerBeetle do).
//
// Written form, one fault per entry, entries separated by ';' or new lines:
//
//   1s crash 2            process 2 dies; everything not synced to its disk is lost
//   3s restart 2          process 2 restarts from its disk
//   2s signal 3 1         process-defined fault 1 for process 3 (e.g. a role restart)
//   1s partition 1,2|3    cut every link between the groups (unlisted processes keep theirs)
//   1s oneway 1,2>3       cut the links from 1 and 2 to 3 only
//   1s isolate 3          cut every link to and from 3
//   5s heal               restore every cut link
//   2s break 1 2          break every open connection between 1 and 2 (a lost frame)
//   2s delay 1>2 50ms 3s  frames from 1 to 2 take 50ms longer for 3s ('*' for any)
//   2s hold 1>2           park frames arriving from 1 at 2 ...
//   4s release 1>2        ... and deliver them, in order
//   1s clock-rate 2 1.05  process 2's clock runs 5% fast from now on
//   1s clock-step 2 -30ms process 2's clock jumps back 30ms
//   1s disk-slow 2 10 5s  process 2's fsyncs take 10x longer for 5s
//   1s disk-error 2 5s log.  process 2's fsyncs of files named log.*, and its writing of
//                         them anew, fail for 5s (no prefix: every file; PREFIX,PREFIX..)
//   1s loss 1%            every data frame is lost with this probability from now on
//   1s torn 1/2           probability that a crash leaves a torn record
//   1s channel unsafe     switch channels to unsafe (or back to tcp)
//   1s stall 3 commit-processor   hold the steps of process 3's thread of that kind ...
//   2s resume 3 commit-processor  ... and run them, in order (THREAD:N names one instance)
//   1s stall 3 learner-handler:1 sync-follower  ... from after its next step of that name

#ifndef ZABSIM_SIM_FAULT_H_
#define ZABSIM_SIM_FAULT_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "sim/ids.h"
#include "sim/random.h"
#include "sim/time.h"
#include "sim/world_config.h"

namespace zabsim::sim {

struct Fault {
  enum class Kind : uint8_t {
    kCrash,
    kRestart,
    kSignal,
    kPartition,
    kOneWay,
    kIsolate,
    kHeal,
    kBreak,
    kDelay,
    kHold,
    kRelease,
    kClockRate,
    kClockStep,
    kDiskSlow,
    kLoss,
    kTorn,
    kChannel,
    kStall,
    kResume,
    kDiskError,
  };

  Kind kind = Kind::kHeal;
  // kCrash, kRestart, kSignal, kIsolate, kClockRate, kClockStep, kDiskSlow, kStall, kResume
  ProcessId p;
  ProcessId a;  // kBreak, kDelay, kHold, kRelease: from (0 = any)
  ProcessId b;  // ... to (0 = any)
  std::vector<std::vector<ProcessId>> groups;  // kPartition; kOneWay: {from, to}
  Duration extra;   // kDelay extra latency; kClockStep step
  Duration length;  // kDelay, kDiskSlow, kDiskError: how long it lasts
  int64_t value = 0;  // kSignal code; kClockRate ppm; kDiskSlow factor
  Ratio ratio;        // kLoss, kTorn
  ChannelMode channel = ChannelMode::kTcp;
  std::string files;             // kDiskError: file-name prefixes, comma-separated ("": all).
  std::string thread;            // kStall, kResume: the thread kind...
  uint32_t thread_instance = 0;  // ... and its instance (0: every instance).
  std::string after_step;        // kStall: hold from after the thread's next step of this name.

  // Typed constructors, one per kind, taking what the written form names. They build
  // the value only: ReadFault checks written arguments before it calls them, and
  // Validate checks process numbers against a world. ProcessId{0} stands for any
  // process where the written form allows '*' (Delay, Hold, Release).
  static Fault Crash(ProcessId p);
  static Fault Restart(ProcessId p);
  static Fault Signal(ProcessId p, int64_t code);
  static Fault Partition(std::vector<std::vector<ProcessId>> groups);
  static Fault OneWay(std::vector<ProcessId> from, std::vector<ProcessId> to);
  static Fault Isolate(ProcessId p);
  static Fault Heal();
  static Fault Break(ProcessId a, ProcessId b);
  static Fault Delay(ProcessId from, ProcessId to, Duration extra, Duration length);
  static Fault Hold(ProcessId from, ProcessId to);
  static Fault Release(ProcessId from, ProcessId to);
  static Fault ClockRate(ProcessId p, int64_t rate_ppm);
  static Fault ClockStep(ProcessId p, Duration step);
  static Fault DiskSlow(ProcessId p, int64_t factor, Duration length);
  // `files` is the comma-separated file-name prefixes ("": every file).
  static Fault DiskError(ProcessId p, Duration length, std::string files);
  static Fault Loss(Ratio ratio);
  static Fault Torn(Ratio ratio);
  static Fault Channel(ChannelMode mode);
  // `instance` 0 is every instance of the thread; `after_step` "" holds at once.
  static Fault Stall(ProcessId p, std::string thread, uint32_t instance, std::string after_step);
  static Fault Resume(ProcessId p, std::string thread, uint32_t instance);

  std::string ToString() const;
  // Validate checks process numbers against a world of `processes`.
  [[nodiscard]] absl::Status Validate(uint32_t processes) const;

  // Equal faults do the same; probabilities compare as ratios (1/2 == 2/4).
  friend bool operator==(const Fault&, const Fault&) = default;
};

std::string_view ToString(Fault::Kind kind);
// FaultKindNames lists the written names of every fault kind, for error messages.
std::string FaultKindNames();

struct TimedFault {
  Time at;
  Fault fault;
};

struct FaultPlan {
  std::vector<TimedFault> faults;  // In time order; equal times keep their written order.

  // Parse reads the written form (see the file comment).
  static absl::StatusOr<FaultPlan> Parse(std::string_view text);
  std::string ToString() const;
  [[nodiscard]] absl::Status Validate(uint32_t processes) const;
};

// FindFaultKind returns the kind of the written name ("crash", "clock-rate", ...).
std::optional<Fault::Kind> FindFaultKind(std::string_view name);

// ReadFault builds a fault of `kind` from its written arguments, the words after the
// kind's name ({"2"} for "crash 2"), without joining them into text to parse again: for
// callers that have the words already, such as the scenario commands. It checks them as
// ParseFault does, with the same errors: "fault 'crash x': expected a process number,
// found 'x'", the fault named by its kind and words joined by spaces.
absl::StatusOr<Fault> ReadFault(Fault::Kind kind, std::span<const std::string_view> args);

// ParseFault reads one fault without its time, e.g. "crash 2": the words of `text`, then
// ReadFault. Errors name the fault as `text` writes it.
absl::StatusOr<Fault> ParseFault(std::string_view text);

// SwarmSettings are the per-seed choices of a swarm run, kept to report them.
struct SwarmSettings {
  std::vector<Fault::Kind> enabled;
  Duration mean_gap;  // Mean time between two faults.
  Duration max_outage;  // Longest crash or partition.
  std::string ToString() const;
};

// Swarm draws a fault plan for `processes` over [0, window) from the stream "faults" of
// `seed`. Every fault ends by the end of the window (partitions healed, crashed
// processes restarted, loss off, clocks back to rate 1), so that what follows can show
// whether the system recovers. `signals` > 0 lets the plan send process-defined signals
// 1..signals.
FaultPlan Swarm(uint64_t seed, uint32_t processes, Duration window, uint32_t signals,
                SwarmSettings* settings = nullptr);

}  // namespace zabsim::sim

#endif  // ZABSIM_SIM_FAULT_H_

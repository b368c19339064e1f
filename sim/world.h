// File: sim/world.h
//
// The simulated world: virtual time, an event queue, processes, connections over a
// faulty network, per-process disks and clocks, and faults, all driven from one seed.
// Running the same configuration, factory and inputs twice gives the same trace, bit for
// bit; the trace fingerprint is the witness.
//
//   WorldConfig config;            // seed, processes, network, disk, clocks
//   auto world = World<Msg>::Create(config, [](const ProcessEnv& env) {
//     return std::make_unique<MyProcess>(env);
//   });
//   if (!world.ok()) ...
//   (*world)->Schedule(plan);      // a FaultPlan
//   (*world)->RunUntil(Time{60'000'000});
//   fmt::print("{}\n", FormatFingerprint((*world)->trace().fingerprint()));
//
// Events are ordered by (time, insertion sequence): two events at the same microsecond
// happen in the order they were scheduled. The world is single-threaded. With
// `sched.policy=pct` (sim/pct.h, docs/scheduler.md) the event of the highest-priority
// thread among those due within `sched.pct_window` of the earliest runs first instead, and
// the others run late by at most that window; each thread's own events keep their order.
//
// Connections have TCP semantics by default (see docs/world.md): per-connection FIFO, a
// lost frame breaks the connection, and both ends are told after a notice delay. In the
// unsafe channel mode data frames may instead vanish, be duplicated or overtake each other.

#ifndef ZABSIM_SIM_WORLD_H_
#define ZABSIM_SIM_WORLD_H_

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "base/check.h"
#include "sim/clock.h"
#include "sim/disk.h"
#include "sim/fault.h"
#include "sim/ids.h"
#include "sim/network.h"
#include "sim/pct.h"
#include "sim/process.h"
#include "sim/random.h"
#include "sim/time.h"
#include "sim/trace.h"
#include "sim/world_config.h"

namespace zabsim::sim {

// WorldStats counts what happened in a run.
struct WorldStats {
  uint64_t events = 0;
  uint64_t messages_sent = 0;
  uint64_t messages_delivered = 0;
  uint64_t messages_dropped = 0;
  uint64_t connections_opened = 0;
  uint64_t connections_broken = 0;
  uint64_t crashes = 0;
  uint64_t restarts = 0;
  uint64_t syncs = 0;
  uint64_t faults = 0;
};

template <Message M>
class World {
 public:
  using Factory = std::function<std::unique_ptr<Process<M>>(const ProcessEnv&)>;

  // Create validates `config` and builds the world; every process is started at time 0,
  // in id order.
  static absl::StatusOr<std::unique_ptr<World>> Create(const WorldConfig& config,
                                                       Factory factory) {
    if (absl::Status s = config.Validate(); !s.ok()) return s;
    if (!factory) return absl::InvalidArgumentError("world: no process factory");
    return std::unique_ptr<World>(new World(config, std::move(factory)));
  }

  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // Schedule applies every fault of `plan` at its time (relative to time 0). Faults
  // dated before now happen now. Returns an error, and schedules nothing, if a fault
  // names a process that does not exist.
  [[nodiscard]] absl::Status Schedule(const FaultPlan& plan) {
    if (absl::Status s = plan.Validate(config_.processes); !s.ok()) return s;
    for (const TimedFault& f : plan.faults) {
      Event e;
      e.kind = EventKind::kFault;
      e.id = faults_.size();
      faults_.push_back(f.fault);
      Push(std::max(f.at, now_), std::move(e));
    }
    return absl::OkStatus();
  }

  // Apply applies one fault now. REQUIRES: fault.Validate(processes) is ok.
  void Apply(const Fault& fault);

  // Step runs the next event. Returns false when no event is left or the world stopped.
  bool Step() { return StepWithin(Time::Max()); }
  // RunUntil runs every event due at or before `t`, then sets the time to `t` (unless
  // the world stopped on the way).
  void RunUntil(Time t) {
    while (!stopped_ && !heap_.empty() && heap_.front().at <= t) StepWithin(t);
    if (!stopped_ && now_ < t) now_ = t;
  }
  void RunFor(Duration d) { RunUntil(now_ + d); }
  // RunUntilTrue runs events until `done()` holds after one, or until `limit`. Returns
  // whether `done()` held.
  template <typename Predicate>
  bool RunUntilTrue(Predicate done, Time limit) {
    if (done()) return true;
    while (!stopped_ && !heap_.empty() && heap_.front().at <= limit) {
      StepWithin(limit);
      if (done()) return true;
    }
    if (!stopped_ && now_ < limit) now_ = limit;
    return false;
  }

  // Invoke runs `f(process, context)` for the live process `p` now, between events: the
  // way a driver (a test, a scenario, a client workload) makes a process act. REQUIRES:
  // p is up, and no handler is running.
  template <typename F>
  void Invoke(ProcessId p, F&& f) {
    ZABSIM_CHECK(IsUp(p), "invoking process {} while it is down", p.value);
    Call(p, std::forward<F>(f));
  }

  // SetObserver installs a function called after every event (for checkers).
  void SetObserver(std::function<void()> observer) { observer_ = std::move(observer); }

  Time now() const { return now_; }
  // stopped is true once more than WorldConfig::max_pending_events events were pending,
  // or more than max_events_per_second happened within one simulated second: the run
  // cannot go on, and stop_reason() says why. Nothing runs after that.
  bool stopped() const { return stopped_; }
  const std::string& stop_reason() const { return stop_reason_; }
  const WorldConfig& config() const { return config_; }
  Trace& trace() { return trace_; }
  const Trace& trace() const { return trace_; }
  const WorldStats& stats() const { return stats_; }
  Network& network() { return network_; }
  bool IsUp(ProcessId p) const { return Host(p).up; }
  // process returns the live process `p`, or nullptr while it is down.
  Process<M>* process(ProcessId p) { return Host(p).process.get(); }
  const Disk& disk(ProcessId p) const { return Host(p).disk; }
  uint32_t incarnation(ProcessId p) const { return Host(p).incarnation; }
  Time LocalNow(ProcessId p) const { return Host(p).clock.Now(now_); }
  // Pending counts the events still queued.
  size_t Pending() const { return heap_.size(); }
  // NextSeq is the sequence number the next event queued will get: the events queued
  // since an earlier call are those numbered from its value on.
  uint64_t NextSeq() const { return seq_; }

  // Controlled stepping (zabsim explore, docs/explore.md): instead of the earliest event,
  // a driver picks which pending event runs next. PendingSteps lists, in (time, sequence)
  // order, the events that may run next: every event whose place is not fixed behind
  // another pending one. Frames of one direction of a connection arrive in order (TCP),
  // the steps of one thread run in order, and one disk's fsyncs complete in order, so only
  // the first of each is listed; timers, notices and starts are all listed. RunPending
  // runs one at max(now, its time): time never goes back, and the events it overtook run
  // late, never early.
  // The same values as EventKind and FrameKind.
  enum class PendingKind : uint8_t { kStart, kTimer, kFrame, kNotice, kSynced, kFault, kStep };
  enum class PendingFrame : uint8_t { kSyn, kSynAck, kData, kFin };
  struct PendingStep {
    uint64_t seq = 0;  // Names the event while it is pending.
    Time at;           // When it is due in time order.
    PendingKind kind = PendingKind::kStart;
    ProcessId target;  // The process it happens at.
    // Running it changes nothing a process sees: a cancelled timer, an event of a
    // process's earlier life, a frame of a broken or closed connection.
    bool inert = false;
    // Frames and notices: the connection, named so that the name does not depend on the
    // order in which unrelated connections were opened (ids are one global counter): who
    // opened it, to whom, on which port, and how many the opener had opened to that peer
    // and port before.
    ProcessId opener;
    ProcessId acceptor;
    uint32_t port = 0;
    uint32_t ordinal = 0;
    ProcessId from;  // Frames: the sender.
    PendingFrame frame = PendingFrame::kData;
    const M* message = nullptr;  // Data frames; valid until the world runs again.
    uint64_t tag = 0;            // Timers and steps.
    ThreadId thread;             // Steps.
    std::string_view file;       // fsyncs.
  };
  std::vector<PendingStep> PendingSteps() const;
  // RunPending runs the pending event `seq`. REQUIRES: PendingSteps listed it, and the
  // world has not run since.
  void RunPending(uint64_t seq);

 private:
  friend class Context<M>;

  enum class EventKind : uint8_t { kStart, kTimer, kFrame, kNotice, kSynced, kFault, kStep };
  enum class FrameKind : uint8_t { kSyn, kSynAck, kData, kFin };

  struct Event {
    EventKind kind = EventKind::kStart;
    FrameKind frame = FrameKind::kData;
    DisconnectReason reason = DisconnectReason::kBroken;
    bool hold = false;     // A frame a hold rule matched: park it on arrival.
    uint8_t sender = 0;    // Frames: which end of the connection sent it (0 = initiator).
    ProcessId target;
    uint32_t incarnation = 0;
    uint64_t id = 0;   // Connection, timer, sync token or fault index.
    uint64_t aux = 0;  // Timer or step tag.
    ThreadId thread;   // Steps: whose...
    std::string_view step;  // ... and its name.
    std::optional<M> message;
  };

  struct Entry {
    Time at;
    uint64_t seq;
    uint32_t slot;
  };
  // The heap's "less" puts the latest entry on top, so the front is the earliest. A
  // function object rather than a function: std::push_heap and std::pop_heap given a
  // function pointer call through it at every comparison, while this one is inlined
  // (the heap is about a tenth of a run's time).
  struct LaterThan {
    bool operator()(const Entry& a, const Entry& b) const {
      return a.at != b.at ? a.at > b.at : a.seq > b.seq;
    }
  };
  static constexpr LaterThan Later{};

  struct Connection {
    ConnId id;
    ProcessId end[2];  // [0] opened it, [1] accepted it.
    uint32_t incarnation[2] = {0, 0};
    uint32_t port = 0;
    bool open[2] = {false, false};  // The end may use it: not closed, not told it is gone.
    bool broken = false;            // Lost: frames in flight are discarded.
    Time last_arrival[2];           // FIFO: frames sent by end i arrive no earlier.
    uint32_t in_flight = 0;         // Queued events that refer to this connection.
    uint32_t ordinal = 0;           // Earlier connections of end[0] to end[1] on this port.
  };

  struct HostState {
    std::unique_ptr<Process<M>> process;
    bool up = false;
    uint32_t incarnation = 0;
    LocalClock clock;
    Disk disk;
    Rng disk_rng = Rng::FromSeed(0);
    Rng sched_rng = Rng::FromSeed(0);  // The scheduling jitter of this process's steps.
    Time last_sync_done;
    int64_t disk_slow_factor = 1;
    Time disk_slow_until;
    Time disk_error_until;                   // A disk-error fault...
    std::vector<std::string> disk_error_files;  // ...for files with these prefixes (none: all).
    absl::btree_set<uint64_t> conns;  // Ordered: crash handling iterates it.
    bool exit_requested = false;      // The process called Context::Exit.
    absl::btree_set<uint32_t> closed_ports;  // Ports not listening (empty: all listen).
    std::vector<std::pair<std::string, uint32_t>> stalled;  // Threads held by `stall`.
    // Stalls that begin after a named step: thread, instance, step.
    std::vector<std::tuple<std::string, uint32_t, std::string>> stall_after;
    // When each thread's latest step is due: a thread's steps run in the order asked for.
    std::vector<std::pair<ThreadId, Time>> thread_due;
    std::deque<Event> held_steps;  // Their steps, in the order they came due.
  };

  struct PendingSync {
    ProcessId process;
    std::string file;
    uint64_t mark = 0;
    uint64_t journal = 0;  // Every file's metadata changes commit with it.
    bool fail = false;     // Drawn to fail (disk.error_rate).
  };

  // DiskFails tells whether `file` of process p fails its writes now (a disk-error fault).
  bool DiskFails(ProcessId p, std::string_view file) {
    const HostState& host = Host(p);
    if (now_ >= host.disk_error_until) return false;
    if (host.disk_error_files.empty()) return true;
    return std::any_of(host.disk_error_files.begin(), host.disk_error_files.end(),
                       [&](const std::string& prefix) { return file.starts_with(prefix); });
  }

  World(const WorldConfig& config, Factory factory)
      : config_(config),
        factory_(std::move(factory)),
        network_(config.net, config.seed, config.processes),
        hosts_(config.processes) {
    if (config_.sched.policy == SchedPolicy::kPct) {
      pct_.emplace(Rng::Derive(config_.seed, "pct"), config_.sched.pct_depth, config_.sched.pct_steps);
    }
    for (uint32_t i = 0; i < config_.processes; ++i) {
      const ProcessId p{i + 1};
      HostState& host = hosts_[i];
      host.disk_rng = Rng::Derive(config_.seed, fmt::format("disk/{}", p.value));
      host.sched_rng = Rng::Derive(config_.seed, fmt::format("sched/{}", p.value));
      if (config_.clock_drift_ppm > 0) {
        Rng clock_rng = Rng::Derive(config_.seed, fmt::format("clock/{}", p.value));
        host.clock.SetRate(Time::Zero(),
                           LocalClock::kPerfectRatePpm +
                               clock_rng.Between(-config_.clock_drift_ppm, config_.clock_drift_ppm));
      }
      Boot(p);
    }
  }

  HostState& Host(ProcessId p) {
    ZABSIM_CHECK(p.value >= 1 && p.value <= hosts_.size(), "no process {}", p.value);
    return hosts_[p.value - 1];
  }
  const HostState& Host(ProcessId p) const {
    ZABSIM_CHECK(p.value >= 1 && p.value <= hosts_.size(), "no process {}", p.value);
    return hosts_[p.value - 1];
  }

  void Push(Time at, Event event) {
    uint32_t slot;
    if (free_.empty()) {
      slot = static_cast<uint32_t>(slots_.size());
      slots_.push_back(std::move(event));
    } else {
      slot = free_.back();
      free_.pop_back();
      slots_[slot] = std::move(event);
    }
    heap_.push_back(Entry{at, seq_++, slot});
    std::push_heap(heap_.begin(), heap_.end(), Later);
  }

  // Boot builds process p from its disk and queues its Start.
  void Boot(ProcessId p) {
    HostState& host = Host(p);
    const DiskImage image = host.disk.Recover();
    ProcessEnv env{p, host.incarnation, &image, &host.disk.PageCache(), config_.seed};
    host.process = factory_(env);
    ZABSIM_CHECK(host.process != nullptr, "the factory built no process {}", p.value);
    host.up = true;
    Event e;
    e.kind = EventKind::kStart;
    e.target = p;
    e.incarnation = host.incarnation;
    Push(now_, std::move(e));
    if (!image.torn.empty()) {
      std::string torn;
      for (const std::string& t : image.torn) torn += (torn.empty() ? "" : ",") + t;
      trace_.Record(now_, p.value, "torn-record").Str("dropped", torn);
    }
  }

  Connection& Conn(ConnId id) {
    auto it = conns_.find(id.value);
    ZABSIM_CHECK(it != conns_.end(), "unknown connection {}", id.value);
    return it->second;
  }

  // End returns which end of `c` process p is. REQUIRES: p is one of them.
  static int End(const Connection& c, ProcessId p) {
    if (c.end[0] == p) return 0;
    ZABSIM_CHECK(c.end[1] == p, "process {} is not an end of this connection", p.value);
    return 1;
  }

  // Release drops the connection's record once nothing refers to it any more.
  void MaybeForget(ConnId id) {
    auto it = conns_.find(id.value);
    if (it == conns_.end()) return;
    const Connection& c = it->second;
    if (c.in_flight == 0 && !c.open[0] && !c.open[1]) conns_.erase(it);
  }

  void DescribeData(Recorder& r, const std::optional<M>& message) {
    if (message.has_value()) MessageTraits<M>::Describe(*message, r);
  }

  void TraceDrop(const Connection& c, int sender, const std::optional<M>& message,
                 std::string_view reason) {
    ++stats_.messages_dropped;
    Recorder r = trace_.Record(now_, 0, "drop");
    r.Uint("conn", c.id.value)
        .Uint("from", c.end[sender].value)
        .Uint("to", c.end[1 - sender].value)
        .Str("reason", reason);
    DescribeData(r, message);
  }

  // StepWithin runs the next event due at or before `limit` (the earliest; under PCT
  // possibly another). REQUIRES: an event is due at or before `limit`, or limit is Max.
  bool StepWithin(Time limit);
  // PCT: the thread an event belongs to, and the entry the scheduler takes next.
  PctThread ThreadOf(const Event& e) const;
  Entry TakePct(Time limit);
  // RemoveAt takes the entry at `i` out of the heap, keeping the heap order.
  void RemoveAt(size_t i);

  // Inert tells whether running `e` now would change nothing a process sees.
  bool Inert(const Event& e) const;
  void NoteCancelledTimer();
  // RetimeTimers moves p's pending timers after its clock's rate changed from `before`.
  void RetimeTimers(ProcessId p, const LocalClock& before);
  void Transmit(ConnId id, int sender, FrameKind kind, std::optional<M> message);
  void Break(ConnId id, DisconnectReason reason);
  void Notify(ConnId id, int end, DisconnectReason reason, Time at);
  void Park(Event e);
  void Deliver(Event& e);
  void DeliverFrame(Event& e);
  void Crash(ProcessId p);
  void ReleaseLink(ProcessId from, ProcessId to);
  // Stalled tells whether `thread` of `host` is held by a stall fault.
  static bool Stalled(const HostState& host, ThreadId thread);
  void Resume(ProcessId p, const std::string& thread, uint32_t instance);

  template <typename F>
  void Call(ProcessId p, F&& f) {
    HostState& host = Host(p);
    Context<M> ctx(this, p);
    f(*host.process, ctx);
    if (host.exit_requested) {
      host.exit_requested = false;
      trace_.Record(now_, p.value, "exit");
      Crash(p);
    }
  }

  WorldConfig config_;
  Factory factory_;
  Trace trace_;
  Network network_;
  WorldStats stats_;
  bool stopped_ = false;
  std::string stop_reason_;
  Time rate_window_start_;      // The simulated second the event-rate bound counts in...
  uint64_t rate_window_events_ = 0;  // ... and the events in it so far.
  Time now_;
  uint64_t seq_ = 0;
  std::vector<Entry> heap_;
  std::vector<Event> slots_;
  std::vector<uint32_t> free_;
  std::vector<HostState> hosts_;
  absl::flat_hash_map<uint64_t, Connection> conns_;   // Lookup only, never iterated.
  absl::flat_hash_set<uint64_t> live_timers_;         // Lookup only, never iterated.
  size_t cancelled_in_heap_ = 0;  // Cancelled timers whose events are still queued.
  absl::flat_hash_map<uint64_t, PendingSync> syncs_;  // Lookup only, never iterated.
  std::map<std::pair<uint32_t, uint32_t>, std::deque<Event>> parked_;  // Held frames per link.
  std::vector<Fault> faults_;
  uint64_t next_conn_ = 1;
  // Connections opened so far per (opener, acceptor, port), for Connection::ordinal.
  std::map<std::tuple<uint32_t, uint32_t, uint32_t>, uint32_t> opened_;
  bool controlled_ = false;  // RunPending ran: events may be due before now.
  uint64_t next_timer_ = 1;
  uint64_t next_sync_ = 1;
  std::function<void()> observer_;
  std::optional<PctPriorities> pct_;  // Under sched.policy=pct only.
  std::vector<size_t> pct_stack_;     // TakePct's walk of the heap, kept to reuse its memory.
};

}  // namespace zabsim::sim

#include "sim/world_impl.h"  // IWYU pragma: export

#endif  // ZABSIM_SIM_WORLD_H_

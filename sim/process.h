// File: sim/process.h
//
// The interface through which the world drives a process. A process is a single-threaded
// state machine: the world calls one of its handlers for each event (it starts, a
// connection opens or closes, a message arrives, a timer fires, an fsync completes, a
// signal arrives), and the process answers through its Context: sends, connections,
// timers, disk writes and syncs, trace records. The world never calls into a process
// while one of its handlers runs, and never from two places at once.
//
// A process knows nothing of the world's time except its own local clock (which may
// drift), and nothing of the network except its connections. A crash destroys the
// process object; a restart builds a new one from what its disk had synced.
//
// Messages are any copyable type M for which MessageTraits<M> is specialised, so that
// the world can trace them and match fault rules on their tag:
//
//   template <> struct sim::MessageTraits<MyMessage> {
//     static std::string_view Tag(const MyMessage& m) { return m.type_name(); }
//     static void Describe(const MyMessage& m, sim::Recorder& r) { r.Hex("zxid", m.zxid); }
//     // Optional: a key rules may match too (MessageRule::key), nullopt for none.
//     static std::optional<uint64_t> Key(const MyMessage& m) { return m.zxid; }
//   };

#ifndef ZABSIM_SIM_PROCESS_H_
#define ZABSIM_SIM_PROCESS_H_

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/disk.h"
#include "sim/ids.h"
#include "sim/random.h"
#include "sim/time.h"
#include "sim/trace.h"

namespace zabsim::sim {

template <typename M>
struct MessageTraits;

template <typename M>
concept Message = std::copy_constructible<M> && std::move_constructible<M> &&
                  requires(const M& m, Recorder& r) {
                    { MessageTraits<M>::Tag(m) } -> std::convertible_to<std::string_view>;
                    MessageTraits<M>::Describe(m, r);
                  };

template <Message M>
class World;

// Context is what a handler may ask of the world. It is valid only during the handler
// call it was passed to. Every request takes effect at once in the world's state but
// never calls back into any process.
template <Message M>
class Context {
 public:
  ProcessId self() const { return self_; }
  // LocalNow reads this process's own clock, which may drift from true time.
  Time LocalNow() const;

  // SetListening opens or closes `port` for incoming connections. Every port listens
  // until a process closes it; a connection to a closed port is refused, as TCP does.
  void SetListening(uint32_t port, bool listening);

  // Connect opens a connection to `to`. The process is told OnConnected, or
  // OnDisconnected(kConnectFailed / kRefused). It may Send before it is connected; the
  // frames follow the connection request in FIFO order.
  ConnId Connect(ProcessId to, uint32_t port);
  // Send queues a message on an open connection. REQUIRES: the connection is this
  // process's and it has not closed it nor been told it is gone.
  void Send(ConnId conn, M message);
  // Close closes a connection; the peer gets OnDisconnected(kClosedByPeer) after every
  // message sent before.
  void Close(ConnId conn);

  // SetTimer fires OnTimer(tag) after `local_delay` has passed on this process's clock.
  TimerId SetTimer(Duration local_delay, uint64_t tag);
  void CancelTimer(TimerId timer);

  // Schedule asks for OnStep(tag): one step of the process's thread `thread`, which the
  // world runs when that thread gets a CPU. How long that takes is the world's choice
  // (the scheduling jitter, WorldConfig::sched_jitter, drawn from the run's seed), so
  // the steps of different threads, and the other events of the process, interleave as
  // an operating system's scheduler would let them. A `stall` fault holds a thread's
  // steps until `resume`, or from after the thread's next step named `step`. `step` must
  // outlive the run (a literal).
  void Schedule(ThreadId thread, uint64_t tag, std::string_view step = {});

  // Disk writes land in the page cache at once; they are durable after a Sync of the
  // same file completes (OnSynced). A crash before that loses them. A Sync may fail
  // instead (OnSyncFailed: a disk error), leaving its changes not yet durable. Replace
  // writes a file anew and may fail at once (false), changing nothing: a write that
  // returns an error.
  // `zxid`, when not 0, names the record in the trace (a txn log record's zxid).
  void Append(std::string_view file, std::string record, uint64_t zxid = 0);
  void TruncateTo(std::string_view file, uint64_t records);
  [[nodiscard]] bool Replace(std::string_view file, std::vector<std::string> records);
  void Remove(std::string_view file);
  SyncToken Sync(std::string_view file);

  // Trace starts a trace record of this process at the current time.
  Recorder Trace(std::string_view kind);

  // Exit ends the process (as System.exit does): once the current handler returns, the
  // world crashes it, with everything that a crash loses.
  void Exit();

 private:
  friend class World<M>;
  Context(World<M>* world, ProcessId self) : world_(world), self_(self) {}

  World<M>* world_;
  ProcessId self_;
};

// ProcessEnv is what a process is built from, at the start and at every restart.
struct ProcessEnv {
  ProcessId id;
  uint32_t incarnation = 0;  // 0 at the first start, +1 for each restart.
  const DiskImage* disk = nullptr;  // What the disk held; empty at the first start.
  // The disk as the process reads it while it runs: every change so far, synced or not
  // (the page cache). It starts as `disk` and stays valid for the process's lifetime.
  const Files* page_cache = nullptr;
  uint64_t seed = 0;  // The run's root seed; derive streams with Rng::Derive(seed, name).
};

template <Message M>
class Process {
 public:
  virtual ~Process() = default;

  virtual void Start(Context<M>& ctx) = 0;
  // OnConnected: a connection this process opened is established.
  virtual void OnConnected(Context<M>& ctx, ConnId conn, ProcessId peer) = 0;
  // OnAccepted: a peer opened a connection to this process on `port`.
  virtual void OnAccepted(Context<M>& ctx, ConnId conn, ProcessId peer, uint32_t port) = 0;
  // OnDisconnected: the connection is gone; it must not be used again.
  virtual void OnDisconnected(Context<M>& ctx, ConnId conn, DisconnectReason reason) = 0;
  virtual void OnMessage(Context<M>& ctx, ConnId conn, ProcessId from, M message) = 0;
  virtual void OnTimer(Context<M>& ctx, TimerId timer, uint64_t tag) = 0;
  virtual void OnSynced(Context<M>& ctx, SyncToken token) = 0;
  // OnSyncFailed: the fsync returned an error (a disk error); nothing it covered is durable.
  virtual void OnSyncFailed(Context<M>& ctx, SyncToken token) {
    (void)ctx;
    (void)token;
  }
  // OnStep runs a step the process asked for with Context::Schedule.
  virtual void OnStep(Context<M>& ctx, uint64_t tag) {
    (void)ctx;
    (void)tag;
  }
  // OnSignal delivers a process-defined fault (for ZAB: a role restart that keeps memory).
  virtual void OnSignal(Context<M>& ctx, uint32_t signal) = 0;
};

}  // namespace zabsim::sim

#endif  // ZABSIM_SIM_PROCESS_H_

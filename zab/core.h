// File: zab/core.h
//
// What every part of one peer shares: the configuration, the Outbox, its disk files,
// and three small registries that turn the environment's callbacks (a timer fired, an
// fsync completed, a message arrived on a connection) into calls on the part of the peer
// that asked for them. ZooKeeper runs a server as several threads (QuorumPeer, the
// election workers, one LearnerHandler per learner, the SyncRequestProcessor); here each
// of those is a state machine that owns its timers, fsyncs and connections through
// these registries, so that ending a role cancels exactly what that role started.

#ifndef ZABSIM_ZAB_CORE_H_
#define ZABSIM_ZAB_CORE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/check.h"
#include "zab/config.h"
#include "zab/events.h"
#include "zab/messages.h"
#include "zab/outbox.h"
#include "zab/storage.h"
#include "zab/types.h"

namespace zabsim::zab {

// ConnHandler receives what happens on a connection it owns.
class ConnHandler {
 public:
  virtual ~ConnHandler() = default;
  virtual void OnConnected(ConnId conn) = 0;
  virtual void OnMessage(ConnId conn, const Message& message) = 0;
  virtual void OnDisconnected(ConnId conn) = 0;
};

// Part is one of the state machines a server is made of: one of ZooKeeper's threads
// (QuorumPeer, a LearnerHandler, the SyncRequestProcessor) or a piece of one (the election,
// a role). Whatever it waits for (a timer, an fsync, something deferred to the end of
// the current input) is registered under one of its owners with a small number saying
// what it is, an enum of the part's own, and at most one number to go with it (a role
// generation, the id of a pending write); when it happens, the core calls the part back
// with both. Anything else the continuation needs lives in the part's named fields, not
// in a captured closure, so what a part waits for can be seen, checked and printed.
class Part {
 public:
  virtual ~Part() = default;
  virtual void OnTimer(uint32_t what, uint64_t arg);
  virtual void OnSynced(uint32_t what, uint64_t arg);
  // OnSyncFailed: the fsync returned an error (a disk error); nothing it covered is durable.
  virtual void OnSyncFailed(uint32_t what, uint64_t arg);
  virtual void OnDeferred(uint32_t what, uint64_t arg);
  virtual void OnStep(uint32_t what, uint64_t arg);
};

// Owner identifies what one part registered, so that all of it can be dropped at once
// when the part (or one round of it) ends. A part may own several, one after another.
struct Owner {
  uint64_t value = 0;
  friend constexpr auto operator<=>(Owner, Owner) = default;
};

// DiskFiles is the peer's disk: every change goes to the Outbox, and the files read back
// as the Outbox has them (including changes not yet synced: a running process reads the
// page cache), as ZooKeeper reads its log and snapshots when it starts, truncates,
// reloads or serves a sync from the txn log. The environment holds the bytes; the peer
// keeps no copy of its own.
class DiskFiles {
 public:
  explicit DiskFiles(Outbox* out) : out_(out) {}

  void Append(std::string_view file, std::string record, uint64_t zxid = 0) {
    out_->Append(file, std::move(record), zxid);
  }
  void TruncateTo(std::string_view file, uint64_t records) { out_->TruncateTo(file, records); }
  [[nodiscard]] bool Replace(std::string_view file, std::vector<std::string> records) {
    return out_->Replace(file, std::move(records));
  }
  void Remove(std::string_view file) { out_->Remove(file); }
  SyncToken Sync(std::string_view file) { return out_->Sync(file); }
  const DiskContents& files() const { return out_->Files(); }

 private:
  Outbox* out_;
};

class Core {
 public:
  Core(const Config& config, PeerId self, Outbox* out, uint64_t seed);
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  const Config& config() const { return config_; }
  PeerId self() const { return self_; }
  Outbox& out() { return *out_; }
  DiskFiles& disk() { return disk_; }
  void Emit(const Event& e) { out_->Emit(e); }
  // Cover counts coverage mark `m` (zab/coverage.h): a side channel, never a trace record.
  void Cover(Mark m) { out_->Cover(m); }

  // NewOwner returns a fresh owner for `part`, under which it registers timers, syncs,
  // deferred work and connections.
  Owner NewOwner(Part* part);

  // Timers: `part.OnTimer(what, arg)` runs when the timer expires, unless cancelled or its
  // owner dropped.
  TimerId SetTimer(Owner owner, int64_t delay_ms, uint32_t what, uint64_t arg = 0);
  void CancelTimer(TimerId& timer);  // Also resets `timer` to 0.
  // Syncs: `part.OnSynced(what, arg)` runs when the fsync of `file` completes.
  SyncToken Sync(Owner owner, std::string_view file, uint32_t what, uint64_t arg = 0);
  // Connections: messages and state changes on `conn` go to `handler`.
  ConnId Connect(Owner owner, PeerId to, Channel channel, ConnHandler* handler);
  void Adopt(Owner owner, ConnId conn, ConnHandler* handler);
  void Close(ConnId conn);  // Closes it and forgets its handler.
  void Send(ConnId conn, Message message) { out_->Send(conn, std::move(message)); }
  // Drop cancels the owner's timers, ignores its pending syncs and closes its connections.
  void Drop(Owner owner);

  // Dispatch entry points, called by the Peer for the environment's inputs. They return
  // false when nothing is registered for the id (a stale timer, a forgotten connection).
  bool FireTimer(uint64_t tag);
  bool CompleteSync(SyncToken token);
  bool FailSync(SyncToken token);
  bool RunStep(uint64_t tag);
  ConnHandler* HandlerOf(ConnId conn);
  bool Forget(ConnId conn);  // The connection is gone: forget it, return whether it was known.

  // Post schedules one step of `thread` for `owner`'s part: `part.OnStep(what, arg)` runs
  // once the environment gives the thread a CPU (Outbox::Schedule), after a trace record
  // naming the step (`step`, and `zxid` if it is about one txn). Dropping the owner
  // cancels it.
  void Post(Owner owner, Thread thread, uint32_t instance, std::string_view step, uint32_t what,
            uint64_t arg = 0, Zxid zxid = {});

  // Defer calls `part.OnDeferred(what, arg)` once the current input has been handled,
  // when no part of the peer is on the stack: the safe moment to tear down a role or a
  // handler. Dropping the owner first cancels it.
  void Defer(Owner owner, uint32_t what, uint64_t arg = 0) {
    deferred_.push_back(Registration{owner, what, arg});
  }
  void RunDeferred();

  // Detach cuts the peer off from its environment: the process is being destroyed (a
  // crash, the end of a run), so whatever it still owns just disappears; nothing more is
  // asked of the Outbox.
  void Detach() { detached_ = true; }

  // Exit ends the process (System.exit). After it, the peer ignores every input.
  void Exit(std::string reason);
  bool halted() const { return halted_; }

  // A small deterministic generator for the peer's own random choices (snapshot
  // jitter, observer back-off), seeded per peer and incarnation.
  uint64_t Random(uint64_t bound);

 private:
  // Registration is one thing a part waits for: whose, and what it is to the part.
  struct Registration {
    Owner owner;
    uint32_t what = 0;
    uint64_t arg = 0;
  };
  struct Timer {
    Registration reg;
    TimerId id;
  };
  struct Step {
    Registration reg;
    Thread thread;
    uint32_t instance = 0;
    std::string_view step;
    Zxid zxid;
  };
  struct Conn {
    Owner owner;
    ConnHandler* handler;
  };

  Config config_;
  PeerId self_;
  Outbox* out_;
  DiskFiles disk_;
  uint64_t next_owner_ = 1;
  uint64_t next_timer_tag_ = 1;
  uint64_t random_state_;
  bool halted_ = false;
  bool detached_ = false;
  // Part* PartOf(Owner) returns the part that owns `owner` (which must be live).
  Part* PartOf(Owner owner) const;

  std::map<uint64_t, Part*> parts_;           // By owner.
  std::map<uint64_t, Timer> timers_;          // By tag.
  std::map<uint64_t, Registration> syncs_;    // By sync token.
  std::map<uint64_t, Step> steps_;            // By step tag.
  uint64_t next_step_tag_ = 1;
  std::map<uint64_t, Conn> conns_;            // By connection id.
  std::deque<Registration> deferred_;
};

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_CORE_H_

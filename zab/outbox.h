// File: zab/outbox.h
//
// The peer's only way out. A peer is a pure state machine: it never reads a clock, opens
// a socket or touches a file. Whatever it wants done (send, connect, set a timer, write
// and fsync, report an event) it asks of its Outbox, which the environment implements:
// the simulator binds it to its world, and tests record what was asked. Calls take
// effect in order; none of them calls back into the peer.

#ifndef ZABSIM_ZAB_OUTBOX_H_
#define ZABSIM_ZAB_OUTBOX_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "zab/coverage.h"
#include "zab/events.h"
#include "zab/messages.h"
#include "zab/types.h"

namespace zabsim::zab {

class Outbox {
 public:
  virtual ~Outbox() = default;

  // Connect opens a connection to server (or, for clients, node) `to` on `channel`. The
  // peer learns the outcome from OnConnected or OnDisconnected.
  virtual ConnId Connect(PeerId to, Channel channel) = 0;
  virtual void Send(ConnId conn, Message message) = 0;
  virtual void Close(ConnId conn) = 0;
  // Listen opens or closes a port; connecting to a closed port is refused.
  virtual void Listen(Channel channel, bool listening) = 0;

  // SetTimer fires OnTimer(tag) after `delay_ms` on the peer's own clock.
  virtual TimerId SetTimer(int64_t delay_ms, uint64_t tag) = 0;
  virtual void CancelTimer(TimerId timer) = 0;

  // Schedule asks for OnStep(tag): one step of `thread` (instance: which one, for the
  // kinds a server runs several of), run once the environment gives it a CPU. Steps of
  // one thread run in the order they were asked for; how they interleave with other
  // threads' steps and with the peer's other inputs is the environment's choice. `step`
  // names the step (a literal), so that a fault can stall the thread after it.
  virtual void Schedule(Thread thread, uint32_t instance, uint64_t tag, std::string_view step) = 0;

  // Disk: changes land at once, and are durable once a later Sync of the same file
  // completes (OnSynced), unless the fsync fails (OnSyncFailed: a disk error). Files
  // reads them back as a running process does, from the page cache: every change so far,
  // synced or not; at start-up, what the disk held. Replace, which writes a file anew,
  // may fail at once (false), changing nothing.
  virtual const DiskContents& Files() const = 0;
  // `zxid`, when not 0, names the record in the trace (a txn log record's zxid).
  virtual void Append(std::string_view file, std::string record, uint64_t zxid) = 0;
  virtual void TruncateTo(std::string_view file, uint64_t records) = 0;
  [[nodiscard]] virtual bool Replace(std::string_view file, std::vector<std::string> records) = 0;
  virtual void Remove(std::string_view file) = 0;
  virtual SyncToken Sync(std::string_view file) = 0;

  virtual void Emit(const Event& event) = 0;
  // Cover reports that the peer reached coverage mark `mark` (zab/coverage.h). It is a
  // side channel, not an event: it must change nothing the run does or records, and be
  // cheap (the environment counts it).
  virtual void Cover(Mark mark) = 0;
  // Exit ends the process, as System.exit does; the environment crashes it once the
  // current step returns. The peer must not be used afterwards.
  virtual void Exit(std::string_view reason) = 0;
};

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_OUTBOX_H_

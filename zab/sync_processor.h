// File: zab/sync_processor.h
//
// ZooKeeper's SyncRequestProcessor: the thread ("SyncThread") that makes txns durable.
// Txns queue up; once the thread gets a CPU, one step appends what is queued to the log
// and fsyncs the batch; only when the fsync completes does it hand each txn on, in order
// (a follower sends ACK(zxid), a leader acks itself). While an fsync is in flight, new
// txns wait in the queue and form the next batch: group commit. Every snap_count/2 ..
// snap_count txns it rolls the log and starts the Snapshot Thread
// (Database::SnapshotInBackground).
//
// This is a separate state machine from the peer's message handling, with "fsync done"
// as its own event: a crash between the append and the fsync loses the txn, and a
// message handled meanwhile sees it logged but not durable.

#ifndef ZABSIM_ZAB_SYNC_PROCESSOR_H_
#define ZABSIM_ZAB_SYNC_PROCESSOR_H_

#include <cstdint>
#include <deque>
#include <vector>

#include "zab/core.h"
#include "zab/database.h"

namespace zabsim::zab {

class SyncProcessor final : public Part {
 public:
  // Next is ZooKeeper's nextProcessor: the leader's AckRequestProcessor, a follower's
  // SendAckRequestProcessor. It gets each txn once durable, in order.
  class Next {
   public:
    virtual ~Next() = default;
    virtual void ProcessRequest(const TxnPtr& txn) = 0;
    // Idle: every txn submitted so far is durable and handed on (asked for by NotifyIdle).
    virtual void Idle() {}
    // Failed: an fsync failed; the thread has died (ZooKeeperCriticalThread.handleException
    // sets the server's state to ERROR).
    virtual void Failed() {}
  };

  // `next` may be nullptr: nothing is handed on, as for observers.
  SyncProcessor(Core& core, Database& db, Next* next);
  ~SyncProcessor();
  SyncProcessor(const SyncProcessor&) = delete;
  SyncProcessor& operator=(const SyncProcessor&) = delete;

  void Submit(TxnPtr txn);
  // DrainForShutdown appends every queued txn and starts their fsync, but hands nothing
  // on: SyncRequestProcessor.shutdown, which the role runs before memory is
  // fast-forwarded from the log (the ZOOKEEPER-4712 fix).
  void DrainForShutdown();
  // Orphan cuts the processor off from its role, which is going: it goes on logging what
  // is queued, and hands nothing on (ZOOKEEPER-4712's SyncThread that nobody stopped).
  void Orphan() {
    next_ = nullptr;
    notify_idle_ = false;
  }
  // NotifyIdle calls next->Idle() once every txn submitted so far is durable and handed
  // on (at once if it is so now).
  void NotifyIdle();
  void OnSynced(uint32_t what, uint64_t arg) override;
  void OnSyncFailed(uint32_t what, uint64_t arg) override;
  void OnStep(uint32_t what, uint64_t arg) override;
  bool dead() const { return dead_; }
  // Queued counts txns not yet appended; Flushing counts txns appended, fsync in flight.
  size_t queued() const { return queue_.size(); }
  size_t flushing() const { return flushing_.size(); }
  bool idle() const { return dead_ || (queue_.empty() && flushing_.empty()); }

 private:
  enum Wake : uint32_t {
    kFlushed,        // Sync: the fsync of the batch in flushing_.
    kShutdownFlush,  // Sync: the fsync of what shutdown appended; nobody is told.
    kRun,            // Step: the thread appends what is queued and fsyncs it.
  };

  void Drain();
  void Flushed();

  Core& core_;
  Database& db_;
  Next* next_;
  Owner owner_;
  std::deque<TxnPtr> queue_;
  std::vector<TxnPtr> flushing_;
  bool notify_idle_ = false;
  bool woken_ = false;  // A kRun step is due.
  bool dead_ = false;   // An fsync failed and the thread exited: it logs nothing more.
  uint64_t txns_since_snapshot_ = 0;
  uint64_t snapshot_roll_ = 0;  // Random part of the snapshot interval.
};

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_SYNC_PROCESSOR_H_

// File: zab/sync_processor.h
//
// ZooKeeper's SyncRequestProcessor: the pipeline that makes txns durable. Txns queue
// up; the processor appends them to the log and fsyncs the batch; only when the fsync
// completes does it hand each txn on, in order (a follower sends ACK(zxid), a leader
// acks itself). While an fsync is in flight, new txns wait in the queue and form the
// next batch: group commit. Every snap_count/2 .. snap_count txns it rolls the log and
// takes a snapshot.
//
// This is a separate state machine from the peer's message handling, with "fsync done"
// as its own event: a crash between the append and the fsync loses the txn, and a
// message handled meanwhile sees it logged but not durable.

#ifndef ZABSIM_ZAB_SYNC_PROCESSOR_H_
#define ZABSIM_ZAB_SYNC_PROCESSOR_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "zab/core.h"
#include "zab/database.h"

namespace zabsim::zab {

class SyncProcessor {
 public:
  // `next` runs for each txn once it is durable (nullptr: nothing, as for observers).
  SyncProcessor(Core& core, Database& db, std::function<void(const TxnPtr&)> next);
  ~SyncProcessor();
  SyncProcessor(const SyncProcessor&) = delete;
  SyncProcessor& operator=(const SyncProcessor&) = delete;

  void Submit(TxnPtr txn);
  // DrainForShutdown appends every queued txn and starts their fsync, but hands nothing
  // on: SyncRequestProcessor.shutdown, which the role runs before memory is
  // fast-forwarded from the log (the ZOOKEEPER-4712 fix).
  void DrainForShutdown();
  // OnIdle runs `done` once every txn submitted so far is durable and handed on.
  void OnIdle(std::function<void()> done);
  // Queued counts txns not yet appended; Flushing counts txns appended, fsync in flight.
  size_t queued() const { return queue_.size(); }
  size_t flushing() const { return flushing_.size(); }
  bool idle() const { return queue_.empty() && flushing_.empty(); }

 private:
  void Drain();
  void Flushed();

  Core& core_;
  Database& db_;
  std::function<void(const TxnPtr&)> next_;
  Owner owner_;
  std::deque<TxnPtr> queue_;
  std::vector<TxnPtr> flushing_;
  std::function<void()> on_idle_;
  uint64_t txns_since_snapshot_ = 0;
  uint64_t snapshot_roll_ = 0;  // Random part of the snapshot interval.
};

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_SYNC_PROCESSOR_H_

#include "zab/sync_processor.h"

#include <utility>

namespace zabsim::zab {

SyncProcessor::SyncProcessor(Core& core, Database& db, std::function<void(const TxnPtr&)> next)
    : core_(core), db_(db), next_(std::move(next)), owner_(core.NewOwner()) {
  // SyncRequestProcessor.resetSnapshotStats: a random part so that servers do not all
  // snapshot at once.
  snapshot_roll_ = core_.Random(core_.config().snap_count / 2);
}

SyncProcessor::~SyncProcessor() { core_.Drop(owner_); }

void SyncProcessor::Submit(TxnPtr txn) {
  queue_.push_back(std::move(txn));
  if (flushing_.empty()) Drain();
}

void SyncProcessor::Drain() {
  const uint32_t batch = core_.config().max_batch_size;
  bool snapshot = false;
  while (!queue_.empty() && flushing_.size() < batch) {
    TxnPtr txn = std::move(queue_.front());
    queue_.pop_front();
    db_.Append(txn);
    flushing_.push_back(std::move(txn));
    if (++txns_since_snapshot_ > core_.config().snap_count / 2 + snapshot_roll_) {
      txns_since_snapshot_ = 0;
      snapshot_roll_ = core_.Random(core_.config().snap_count / 2);
      snapshot = true;
    }
  }
  if (flushing_.empty()) return;
  if (core_.config().bugs.ack_before_fsync) {
    // The classic mistake: hand the txns on (ACK) before they are durable.
    for (const TxnPtr& t : flushing_) {
      if (next_) next_(t);
    }
  }
  db_.FsyncLog(owner_, [this] { Flushed(); });
  // The snapshot covers the tree as applied so far; the log rolls so that the next
  // segment starts after it.
  if (snapshot) db_.TakeSnapshot(owner_, [] {});
}

void SyncProcessor::DrainForShutdown() {
  next_ = nullptr;
  const bool appended = !queue_.empty();
  while (!queue_.empty()) {
    db_.Append(queue_.front());
    queue_.pop_front();
  }
  if (appended) db_.FsyncLog(owner_, [] {});
}

void SyncProcessor::Flushed() {
  std::vector<TxnPtr> done = std::move(flushing_);
  flushing_.clear();
  core_.Emit(Logged{done.front()->zxid, done.back()->zxid, static_cast<uint32_t>(done.size())});
  if (!core_.config().bugs.ack_before_fsync) {
    for (const TxnPtr& t : done) {
      if (next_) next_(t);
    }
  }
  if (!queue_.empty()) {
    Drain();
  } else if (on_idle_) {
    std::function<void()> idle = std::move(on_idle_);
    on_idle_ = nullptr;
    idle();
  }
}

void SyncProcessor::OnIdle(std::function<void()> done) {
  if (idle()) {
    done();
    return;
  }
  on_idle_ = std::move(done);
}

}  // namespace zabsim::zab

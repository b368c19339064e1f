#include "zab/sync_processor.h"

#include <utility>

namespace zabsim::zab {

SyncProcessor::SyncProcessor(Core& core, Database& db, Next* next)
    : core_(core), db_(db), next_(next), owner_(core.NewOwner(this)) {
  // SyncRequestProcessor.resetSnapshotStats: a random part so that servers do not all
  // snapshot at once.
  snapshot_roll_ = core_.Random(core_.config().snap_count / 2);
}

SyncProcessor::~SyncProcessor() { core_.Drop(owner_); }

void SyncProcessor::Submit(TxnPtr txn) {
  if (dead_) return;  // Nobody takes from the queue any more.
  queue_.push_back(std::move(txn));
  // The thread wakes up, unless it is already due or blocked in an fsync (it goes on
  // with the queue once the fsync returns).
  if (!flushing_.empty() || woken_) return;
  woken_ = true;
  core_.Post(owner_, Thread::kSyncThread, 0, "log", kRun, 0, queue_.front()->zxid);
}

void SyncProcessor::OnStep(uint32_t what, uint64_t arg) {
  if (what != kRun) {
    Part::OnStep(what, arg);
    return;
  }
  woken_ = false;
  if (dead_) return;
  if (flushing_.empty()) Drain();
}

void SyncProcessor::Drain() {
  const uint32_t batch = core_.config().max_batch_size;
  while (!queue_.empty() && flushing_.size() < batch) {
    TxnPtr txn = std::move(queue_.front());
    queue_.pop_front();
    db_.Append(txn);
    flushing_.push_back(std::move(txn));
    if (++txns_since_snapshot_ > core_.config().snap_count / 2 + snapshot_roll_) {
      // The log rolls right after this txn; the Snapshot Thread writes the tree.
      txns_since_snapshot_ = 0;
      snapshot_roll_ = core_.Random(core_.config().snap_count / 2);
      db_.SnapshotInBackground();
    }
  }
  if (flushing_.empty()) return;
  if (core_.config().bugs.ack_before_fsync) {
    // The classic mistake: hand the txns on (ACK) before they are durable.
    if (next_ != nullptr) core_.Cover(Mark::kBugAckBeforeFsync);
    for (const TxnPtr& t : flushing_) {
      if (next_ != nullptr) next_->ProcessRequest(t);
    }
  }
  db_.FsyncLog(owner_, kFlushed);
}

void SyncProcessor::DrainForShutdown() {
  next_ = nullptr;
  const bool appended = !queue_.empty();
  while (!queue_.empty()) {
    db_.Append(queue_.front());
    queue_.pop_front();
  }
  if (appended) db_.FsyncLog(owner_, kShutdownFlush);
}

void SyncProcessor::Flushed() {
  std::vector<TxnPtr> done = std::move(flushing_);
  flushing_.clear();
  // The disk reported them durable (Database::LogSynced, Logged) just before.
  if (!core_.config().bugs.ack_before_fsync) {
    for (const TxnPtr& t : done) {
      if (next_ != nullptr) next_->ProcessRequest(t);
    }
  }
  if (!queue_.empty()) {
    Drain();
  } else if (notify_idle_) {
    notify_idle_ = false;
    if (next_ != nullptr) next_->Idle();
  }
}

void SyncProcessor::OnSynced(uint32_t what, uint64_t arg) {
  switch (what) {
    case kFlushed:
      Flushed();
      return;
    case kShutdownFlush:
      return;
    default:
      Part::OnSynced(what, arg);
  }
}

void SyncProcessor::OnSyncFailed(uint32_t what, uint64_t arg) {
  switch (what) {
    case kFlushed:
      // The SyncThread's run() catches the IOException and exits; what it appended is
      // never handed on (never ACKed).
      dead_ = true;
      flushing_.clear();
      queue_.clear();
      core_.Cover(Mark::kDiskLogFsyncFailed);
      core_.Emit(DiskFailed{"log", "fsync"});
      if (next_ != nullptr) next_->Failed();
      return;
    case kShutdownFlush:
      return;
    default:
      Part::OnSyncFailed(what, arg);
  }
}

void SyncProcessor::NotifyIdle() {
  if (idle()) {
    if (next_ != nullptr) next_->Idle();
    return;
  }
  notify_idle_ = true;
}

}  // namespace zabsim::zab

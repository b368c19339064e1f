#include "zab/commit_processor.h"

#include <utility>

namespace zabsim::zab {

CommitProcessor::CommitProcessor(Core& core, Next* next)
    : core_(core), next_(next), owner_(core.NewOwner(this)) {
  ZABSIM_CHECK(next != nullptr);
}

CommitProcessor::~CommitProcessor() { core_.Drop(owner_); }

void CommitProcessor::Commit(TxnPtr txn) {
  const Zxid zxid = txn->zxid;
  committed_requests_.push_back(std::move(txn));
  // One step per commit; steps of one thread run in order, each applies the oldest.
  core_.Post(owner_, Thread::kCommitProcessor, 0, "apply", kApply, 0, zxid);
}

void CommitProcessor::CommitSync() {
  committed_requests_.push_back(nullptr);
  core_.Post(owner_, Thread::kCommitProcessor, 0, "sync", kApply, 0, Zxid{});
}

void CommitProcessor::Shutdown() {
  committed_requests_.clear();
  core_.Drop(owner_);
  owner_ = core_.NewOwner(this);
}

void CommitProcessor::OnStep(uint32_t what, uint64_t arg) {
  if (what != kApply) {
    Part::OnStep(what, arg);
    return;
  }
  ZABSIM_CHECK(!committed_requests_.empty(), "apply step with nothing committed");
  const TxnPtr txn = std::move(committed_requests_.front());
  committed_requests_.pop_front();
  if (txn == nullptr) {
    next_->SyncCommitted();
  } else {
    next_->ApplyCommitted(txn);
  }
}

}  // namespace zabsim::zab

// File: zab/commit_processor.h
//
// ZooKeeper's CommitProcessor: the thread that applies committed txns. The leader hands
// it a txn once a quorum has acked it (Leader.tryToCommit, after the COMMITs are queued to
// the followers); a follower once it reads the COMMIT (FollowerZooKeeperServer.commit);
// an observer once it reads the INFORM. The txn waits in `committed_requests` until the
// thread gets a CPU, then one step applies it (FinalRequestProcessor: the data tree, the
// committed log, the client's answer). Until then the server's last processed zxid, and
// so what it syncs a new learner from and what it answers a read with, lags the commit:
// on the leader the txn sits in `toBeApplied`, which startForwarding sends as
// PROPOSAL+COMMIT to a learner that syncs meanwhile.
//
// One commit per step, as ZooKeeper's maxCommitBatchSize (1) does. Nothing waits for the
// server's own fsync of the txn: a follower may apply a txn its log does not hold yet.
// At shutdown what is still queued is dropped (CommitProcessor.shutdown); the role's
// fast-forward from the log brings memory up to date instead.
//
// A learner's SYNC from the leader joins the same queue (FollowerZooKeeperServer.sync
// commits the pending sync request): the client's answer comes after every commit that
// arrived before the SYNC is applied, so a read that follows the sync sees them.

#ifndef ZABSIM_ZAB_COMMIT_PROCESSOR_H_
#define ZABSIM_ZAB_COMMIT_PROCESSOR_H_

#include <cstdint>
#include <deque>

#include "zab/core.h"
#include "zab/database.h"

namespace zabsim::zab {

class CommitProcessor final : public Part {
 public:
  // Next is the FinalRequestProcessor's caller: it applies the txn and answers for it.
  class Next {
   public:
    virtual ~Next() = default;
    virtual void ApplyCommitted(const TxnPtr& txn) = 0;
    // SyncCommitted answers the oldest client sync this server forwarded.
    virtual void SyncCommitted() {}
  };

  CommitProcessor(Core& core, Next* next);
  ~CommitProcessor() override;
  CommitProcessor(const CommitProcessor&) = delete;
  CommitProcessor& operator=(const CommitProcessor&) = delete;

  // Commit queues a committed txn and wakes the thread (CommitProcessor.commit).
  void Commit(TxnPtr txn);
  // CommitSync queues the answer to a forwarded client sync behind them.
  void CommitSync();
  // Shutdown drops what is not applied yet; nothing is applied after it.
  void Shutdown();

  // Committed, not yet applied, in order; a null entry is a sync to answer.
  const std::deque<TxnPtr>& committed_requests() const { return committed_requests_; }
  void OnStep(uint32_t what, uint64_t arg) override;

 private:
  enum Wake : uint32_t { kApply };

  Core& core_;
  Next* next_;
  Owner owner_;
  std::deque<TxnPtr> committed_requests_;  // Committed txns in zxid order; null: a sync.
};

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_COMMIT_PROCESSOR_H_

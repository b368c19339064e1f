// File: zab/database.h
//
// ZooKeeper's ZKDatabase: the in-memory data tree, the committed log (the last ~500
// committed txns, from which a leader sends DIFFs), and the server's view of its txn log
// and snapshots on disk. The log and snapshots are read back through the Outbox (the page cache), so a
// truncation or a reload sees exactly what the files hold.
//
// The memory/disk split matters to ZAB's bugs: memory (the tree, its last processed
// zxid) is what FLE votes with and what a leader syncs from; the log is what survives a
// crash. A role change keeps memory (ZOOKEEPER-2678) and fast-forwards it from the log;
// a crash rebuilds memory from disk.

#ifndef ZABSIM_ZAB_DATABASE_H_
#define ZABSIM_ZAB_DATABASE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "zab/core.h"
#include "zab/data_tree.h"
#include "zab/storage.h"
#include "zab/txn.h"
#include "zab/types.h"

namespace zabsim::zab {

using TxnPtr = std::shared_ptr<const Txn>;

class Database final : public Part {
 public:
  explicit Database(Core& core);
  ~Database() override;

  // Load rebuilds memory from the disk: the newest snapshot, then every logged txn after
  // it, each also added to the committed log (ZKDatabase.loadDataBase). With
  // `new_log_file`, the next append starts a new log file, as a restarted ZooKeeper's
  // first append does (and a TRUNC's reopened log); a reload after a full shutdown goes
  // on in the file it had. Load changes nothing on disk; RepairLog then finishes a
  // removal of unvouched log segments that a crash interrupted (DropUnvouchedLog for the
  // snapshot loaded; it writes to the disk, so it runs in a handler, not while the peer
  // is being built).
  [[nodiscard]] absl::Status Load(bool new_log_file = true);
  uint32_t RepairLog();
  // Clear forgets memory (a full shutdown); the next use reloads from disk.
  void Clear();
  bool initialized() const { return initialized_; }

  const DataTree& tree() const { return tree_; }
  DataTree& tree() { return tree_; }
  Zxid last_processed() const { return tree_.last_processed_zxid(); }

  // The committed log: at most commit_log_count + 1 txns, oldest first.
  const std::deque<TxnPtr>& committed_log() const { return committed_log_; }
  Zxid min_committed() const { return committed_log_.empty() ? Zxid{} : committed_log_.front()->zxid; }
  Zxid max_committed() const { return committed_log_.empty() ? Zxid{} : committed_log_.back()->zxid; }

  // ApplyCommitted applies a committed txn to the tree and adds it to the committed log
  // (FinalRequestProcessor). ApplyOnly applies it to the tree alone (processTxn during a
  // SNAP/TRUNC sync, before NEWLEADER).
  ApplyResult ApplyCommitted(const TxnPtr& txn);
  ApplyResult ApplyOnly(const TxnPtr& txn);
  // ReplaceTree installs a tree received in a SNAP, with an empty committed log.
  void ReplaceTree(DataTree tree);

  // The txn log, as the files hold it (synced or not), oldest first.
  const std::vector<TxnPtr>& log() const { return log_; }
  Zxid last_logged() const { return log_.empty() ? Zxid{} : log_.back()->zxid; }
  // Append adds a txn to the current log segment (page cache); FsyncLog makes every
  // append so far durable and tells `owner` (OnSynced(what)) once it is. A txn at or below the last logged
  // zxid is not appended: it is reported (Ignored) and skipped. ZooKeeper's FileTxnLog
  // warns and appends it anyway; we keep the log in zxid order, and how such a txn got
  // here (a duplicated PROPOSAL, ZK-2845's stale memory) is what a run should show.
  void Append(const TxnPtr& txn);
  void FsyncLog(Owner owner, uint32_t what);
  // LogSynced and LogSyncFailed hear of every fsync of this server's disk that completes
  // or fails, before its owner does (if it still cares). When one of the log's fsyncs
  // completes, the txns it made durable are reported (Logged), whatever became of the
  // thread that asked for it: durability is the disk's, not the role's.
  void LogSynced(SyncToken token);
  void LogSyncFailed(SyncToken token) { log_syncs_.erase(token.value); }
  // RollLog makes the next append start a new log file (FileTxnLog.rollLog).
  void RollLog() { current_segment_.clear(); }

  // TruncateLog cuts the log after `zxid`, then reloads memory from disk
  // (ZKDatabase.truncateLog). As FileTxnLog.truncate does, it keeps every record up to
  // the first at or above `zxid` (so one above it, if `zxid` itself is missing), cuts that
  // file there (to its exact length) and deletes the later files, without an fsync.
  // Returns false, changing nothing, if the log holds no txn at or above `zxid` ("No log
  // files found to truncate", e.g. when the txns above it came in a SNAP's snapshot).
  [[nodiscard]] bool TruncateLog(Zxid zxid);

  // FastForward applies every logged txn above the tree's last processed zxid to memory
  // and the committed log (ZKDatabase.fastForwardDataBase, on a role change).
  uint32_t FastForward();
  // CatchUpOnRoleEnd is what a role's shutdown does to memory: FastForward, unless the
  // switch ZK-2845 leaves memory behind the log (counted when there was something to
  // catch up with).
  void CatchUpOnRoleEnd();

  // TakeSnapshot writes the tree as "snapshot.<last processed zxid>" at once, on the
  // calling thread (ZooKeeperServer.takeSnapshot): the leader at the start of its epoch
  // and a learner at a TRUNC's NEWLEADER do not fsync it; a learner at a SNAP's NEWLEADER
  // does, and its owner is told (OnSynced(what)) once durable.
  void TakeSnapshot(bool fsync);
  void TakeSnapshot(Owner owner, uint32_t what);
  // SnapshotInBackground is the SyncRequestProcessor's snapshot: the log rolls now, and
  // the Snapshot Thread, unless one is still running ("Too busy to snap, skipping"),
  // reads the tree's zxid for the name in one step and writes the tree in the next,
  // while the CommitProcessor goes on applying: a fuzzy snapshot, named below what it
  // holds (its txns replay harmlessly). It is not fsynced. The thread belongs to the
  // server, not the role: it may finish after the role that started it.
  void SnapshotInBackground();
  bool snapshotting() const { return snapshot_.has_value(); }
  // PurgeOldFiles is autopurge's PurgeTxnLog.purge: keep the newest `retain` snapshots,
  // the log file that covers the oldest of them and every later one; delete the rest
  // (without an fsync, as File.delete).
  void PurgeOldFiles(uint32_t retain);
  void OnStep(uint32_t what, uint64_t arg) override;

  // DropUnvouchedLog removes the log segments that the snapshot just taken of the tree
  // supersedes but cannot vouch for (ZOOKEEPER-2846; see database.cc). A learner calls it
  // at NEWLEADER after a SNAP or TRUNC sync, right after TakeSnapshot; Load does the
  // same for the snapshot it loads. Returns the number of txns removed. With the ZK-2846
  // switch it does nothing, as ZooKeeper does.
  uint32_t DropUnvouchedLog() {
    return DropUnvouchedLog(tree_.last_processed_zxid(), tree_.last_applied_txn());
  }

  // history_floor: with ZOOKEEPER-2846's log kept, the newest snapshot that does not
  // vouch for the log at or below it; that part of the log is not the server's history.
  Zxid history_floor() const { return history_floor_; }

  // ProposalsFromTxnLog is ZKDatabase.getProposalsFromTxnLog: the logged txns from the
  // start of the log file that holds `peer_last` (so the ones just below it too), or
  // nullopt if no file reaches back to it, or if the files after that one take more than
  // `size_limit` bytes on disk (each is padded to whole preallocated blocks:
  // FileTxnIterator.getStorageSize sums File.length()).
  std::optional<std::vector<TxnPtr>> ProposalsFromTxnLog(Zxid peer_last,
                                                         uint64_t size_limit) const;
  // NewestSnapshotBytes is ZooKeeper's size of the newest snapshot (0 if none).
  uint64_t NewestSnapshotBytes() const;
  // LogFileLength is ZooKeeper's length of the log file `name` (0 if there is none).
  uint64_t LogFileLength(std::string_view name) const;
  // LogFiles lists the txn log files, oldest first, with their first zxid and their
  // length as ZooKeeper's File.length() would give it (preallocated blocks included).
  struct LogFile {
    std::string name;
    Zxid first;
    uint64_t length = 0;
  };
  std::vector<LogFile> LogFiles() const;

 private:
  enum Wake : uint32_t { kSnapshotBegin, kSnapshotWrite };
  struct Segment {
    std::string name;
    uint64_t records = 0;
    uint64_t bytes = kZkLogHeaderBytes;  // ZooKeeper's bytes: header and records.
    bool exact = false;                  // Cut by a TRUNC: no preallocated blocks.
  };
  // A background snapshot under way: its name, once the thread has read it.
  struct BackgroundSnapshot {
    std::optional<Zxid> name;
  };

  void WriteSnapshot(Zxid name, bool fsync, Owner owner, uint32_t what);

  void AddCommitted(const TxnPtr& txn);
  // DropUnvouchedLog: `snapshot` is the snapshot's name (the tree's marker), `last_txn`
  // the last txn its content holds.
  uint32_t DropUnvouchedLog(Zxid snapshot, Zxid last_txn);
  // CheckLog verifies that the segments, the files and log_ describe the same log.
  void CheckLog(std::string_view where) const;

  Core& core_;
  Owner owner_;  // The Snapshot Thread's steps.
  std::optional<BackgroundSnapshot> snapshot_;
  bool initialized_ = false;
  DataTree tree_;
  std::deque<TxnPtr> committed_log_;
  std::vector<TxnPtr> log_;
  std::map<Zxid, Segment> segments_;  // By first zxid.
  std::string current_segment_;       // Empty: the next append starts a segment.
  std::vector<std::string> dirty_segments_;  // Appended to since the last fsync.
  // Files a TRUNC cut to their exact length. A later append goes to a new file, so they
  // stay so; a restart forgets it and counts them padded again (a simplification: a
  // restarted ZooKeeper reads the cut length off the disk).
  std::set<std::string, std::less<>> cut_files_;
  Zxid history_floor_;
  // The last txn reported durable (Logged), and the fsyncs of the log in flight: token ->
  // the last txn appended when it was asked for.
  Zxid logged_through_;
  bool loaded_once_ = false;
  std::map<uint64_t, Zxid> log_syncs_;
  Zxid loaded_snapshot_;           // The snapshot the last Load started from...
  Zxid loaded_snapshot_last_txn_;  // ...and the last txn its content holds.
};

// LogZxids lists the zxids of `db`'s txn log, oldest first.
std::vector<Zxid> LogZxids(const Database& db);
// HistoryZxids lists those of the server's history: its log above any snapshot that does
// not vouch for the log below it (Database::history_floor), as the events that report
// one (EpochProposed, NewLeaderProcessed) carry it.
std::vector<Zxid> HistoryZxids(const Database& db);

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_DATABASE_H_

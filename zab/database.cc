#include "zab/database.h"

#include <algorithm>
#include <memory>

#include <fmt/format.h>

#include "base/check.h"
#include "zab/storage.h"

namespace zabsim::zab {

Database::Database(Core& core) : core_(core), owner_(core.NewOwner(this)) {}

Database::~Database() { core_.Drop(owner_); }

absl::Status Database::Load(bool new_log_file) {
  auto loaded = LoadDatabase(core_.disk().files());
  if (!loaded.ok()) return loaded.status();
  tree_ = std::move(loaded->tree);
  committed_log_.clear();
  for (const Txn& t : loaded->replayed) AddCommitted(std::make_shared<const Txn>(t));
  log_.clear();
  log_.reserve(loaded->log.size());
  for (const Txn& t : loaded->log) log_.push_back(std::make_shared<const Txn>(t));
  // Segments as the files name them; each holds the txns from its first zxid on.
  segments_.clear();
  for (const auto& [name, records] : core_.disk().files()) {
    if (const auto first = ParseSegmentName(name)) {
      segments_[*first] = Segment{.name = name, .records = records.size(),
                                  .exact = cut_files_.contains(name)};
    }
  }
  // ZooKeeper's bytes of each file, from the txns read back (a file read only partly,
  // at a bad record, counts what was read).
  for (const TxnPtr& t : log_) {
    auto seg = segments_.upper_bound(t->zxid);
    if (seg == segments_.begin()) continue;
    std::prev(seg)->second.bytes += ZkLogRecordBytes(*t);
  }
  const bool still_open =
      !segments_.empty() && std::prev(segments_.end())->second.name == current_segment_;
  if (new_log_file || !still_open) {
    current_segment_.clear();
    dirty_segments_.clear();
  }
  initialized_ = true;
  // A server's first load reads what survived its last life, all of it durable; a reload
  // (after a truncation) reads the page cache, of which only what was durable stays so.
  logged_through_ = loaded_once_ ? std::min(logged_through_, last_logged()) : last_logged();
  loaded_once_ = true;
  // An fsync asked for before a truncation covers nothing above it: the records it
  // covered are gone, and a txn appended again with the same zxid came after it.
  for (auto& [token, through] : log_syncs_) through = std::min(through, last_logged());
  loaded_snapshot_ = loaded->snapshot_zxid;
  loaded_snapshot_last_txn_ = loaded->snapshot_last_txn;
#ifndef NDEBUG
  CheckLog("load");  // O(log): debug builds only.
#endif
  return absl::OkStatus();
}

void Database::Clear() {
  // ZKDatabase.clear: memory only. The txn log stays open in its current file.
  tree_ = DataTree();
  committed_log_.clear();
  log_.clear();
  segments_.clear();
  loaded_snapshot_ = Zxid{};
  loaded_snapshot_last_txn_ = Zxid{};
  initialized_ = false;
}

void Database::AddCommitted(const TxnPtr& txn) {
  // A txn applied again (a SNAP that overlaps what follows it) is there already: master's
  // addCommittedProposal ignores it, and earlier releases never add the txns of that path.
  if (!committed_log_.empty() && txn->zxid <= committed_log_.back()->zxid) return;
  // ZKDatabase.addCommittedProposal: drop the oldest once more than commitLogCount are
  // kept, so the window holds commitLogCount + 1 txns.
  if (committed_log_.size() > core_.config().commit_log_count) committed_log_.pop_front();
  committed_log_.push_back(txn);
}

ApplyResult Database::ApplyCommitted(const TxnPtr& txn) {
  const ApplyResult r = tree_.Apply(*txn);
  AddCommitted(txn);
  return r;
}

ApplyResult Database::ApplyOnly(const TxnPtr& txn) { return tree_.Apply(*txn); }

void Database::ReplaceTree(DataTree tree) {
  tree_ = std::move(tree);
  committed_log_.clear();
  initialized_ = true;
}

void Database::Append(const TxnPtr& txn) {
  if (!log_.empty() && txn->zxid <= log_.back()->zxid) {
    core_.Emit(Ignored{"txn", "at or below the last logged zxid (not appended)", PeerId{}, txn->zxid});
    return;
  }
  if (current_segment_.empty()) {
    current_segment_ = LogSegmentName(txn->zxid);
    segments_[txn->zxid] = Segment{.name = current_segment_};
    // A new log file overwrites one of the same name left by an earlier life of the
    // server, as FileTxnLog's FileOutputStream does.
    if (core_.disk().files().contains(current_segment_) && !core_.disk().Replace(current_segment_, {})) {
      // The old file could not be opened anew; the records go after its old ones, which
      // a later reload stops at (out of order). A disk error rare enough to leave so.
      core_.Cover(Mark::kDiskLogWriteFailed);
      core_.Emit(DiskFailed{current_segment_, "write"});
    }
  }
  Segment& segment = std::prev(segments_.end())->second;
  ZABSIM_CHECK(segment.name == current_segment_);
  ++segment.records;
  segment.bytes += ZkLogRecordBytes(*txn);
  core_.disk().Append(current_segment_, EncodeTxn(*txn), txn->zxid.value);
  if (dirty_segments_.empty() || dirty_segments_.back() != current_segment_) {
    dirty_segments_.push_back(current_segment_);
  }
  log_.push_back(txn);
}

void Database::FsyncLog(Owner owner, uint32_t what) {
  std::vector<std::string> files = std::move(dirty_segments_);
  dirty_segments_.clear();
  if (files.empty()) files.push_back(current_segment_.empty() ? "log" : current_segment_);
  // fsyncs of one disk complete in order: the last one's completion covers them all.
  for (size_t i = 0; i + 1 < files.size(); ++i) core_.disk().Sync(files[i]);
  const SyncToken token = core_.Sync(owner, files.back(), what);
  if (last_logged() > logged_through_) log_syncs_[token.value] = last_logged();
}

void Database::LogSynced(SyncToken token) {
  const auto it = log_syncs_.find(token.value);
  if (it == log_syncs_.end()) return;
  const Zxid through = std::min(it->second, last_logged());
  log_syncs_.erase(it);
  if (through <= logged_through_) return;
  const auto first = std::upper_bound(log_.begin(), log_.end(), logged_through_,
                                      [](Zxid z, const TxnPtr& t) { return z < t->zxid; });
  const auto end = std::upper_bound(first, log_.end(), through,
                                    [](Zxid z, const TxnPtr& t) { return z < t->zxid; });
  logged_through_ = through;
  if (first == end) return;
  core_.Emit(Logged{(*first)->zxid, (*std::prev(end))->zxid, static_cast<uint32_t>(end - first)});
}

bool Database::TruncateLog(Zxid zxid) {
  // FileTxnLog.truncate positions at the first record at or above `zxid`, reading it,
  // and cuts the file right after it: that record stays, whether or not it is `zxid`.
  const auto keep_to = std::lower_bound(log_.begin(), log_.end(), zxid,
                                        [](const TxnPtr& t, Zxid z) { return t->zxid < z; });
  if (keep_to == log_.end()) return false;  // "No log files found to truncate!"
  Zxid last_kept = (*keep_to)->zxid;
  if (last_kept > zxid && core_.config().bugs.trunc_keeps_next) core_.Cover(Mark::kBugTruncKeepsNext);
  if (last_kept > zxid && !core_.config().bugs.trunc_keeps_next) {
    // The fix of zabsim's finding: the txn above a missing `zxid` belongs to no history
    // the TRUNC's sender has (a TRUNC to (e, 0) makes one of any txn the learner holds
    // in epoch e), so it goes too. When nothing below `zxid` is left in the log (zabsim's
    // fix for ZOOKEEPER-2846 removes the log below a SNAP's snapshot), the reload needs
    // a snapshot at or below `zxid`, except at 0x0: the empty tree needs none.
    if (keep_to == log_.begin() && zxid.value != 0) {
      bool snapshot_at_or_below = false;
      for (const auto& [name, records] : core_.disk().files()) {
        if (const auto z = ParseSnapshotName(name); z && *z <= zxid) snapshot_at_or_below = true;
      }
      if (!snapshot_at_or_below) return false;
    }
    core_.Cover(Mark::kLogTruncateMissingZxid);
    last_kept = zxid;
  }
  uint32_t removed = 0;
  for (auto it = segments_.begin(); it != segments_.end();) {
    const Zxid first = it->first;
    // The cuts are not fsynced (RandomAccessFile.setLength, File.delete).
    if (first > last_kept) {
      removed += static_cast<uint32_t>(it->second.records);
      core_.disk().Remove(it->second.name);
      it = segments_.erase(it);
      continue;
    }
    const auto next = std::next(it);
    if (next != segments_.end() && next->first <= last_kept) {
      ++it;  // Wholly before the cut.
      continue;
    }
    // The file holding the cut keeps its records up to last_kept, at its exact length.
    uint64_t keep = 0;
    uint64_t bytes = kZkLogHeaderBytes;
    for (const TxnPtr& t : log_) {
      if (t->zxid >= first && t->zxid <= last_kept) {
        ++keep;
        bytes += ZkLogRecordBytes(*t);
      }
    }
    if (keep < it->second.records) {
      removed += static_cast<uint32_t>(it->second.records - keep);
      core_.disk().TruncateTo(it->second.name, keep);
      it->second.records = keep;
    }
    it->second.bytes = bytes;
    it->second.exact = true;
    cut_files_.insert(it->second.name);
    ++it;
  }
  // ZooKeeper leaves snapshots above the truncation point on disk, and the reload below
  // may then start from one holding the very txns just cut (ZOOKEEPER-1549; a leader
  // snapshots its memory, uncommitted txns included, each time it starts leading). The
  // switch's fix removes them (fsynced, before anything else can be).
  {
    const auto& files = core_.disk().files();
    // A snapshot's name is the tree's marker; what counts is the last txn it holds.
    std::vector<std::string> newer;
    for (const auto& [name, records] : files) {
      if (!ParseSnapshotName(name) || records.size() != 1) continue;
      const auto tree = DataTree::Deserialize(records.front());
      if (tree.ok() && tree->last_applied_txn() > zxid) newer.push_back(name);
    }
    if (!newer.empty()) {
      core_.Cover(core_.config().bugs.zk1549 ? Mark::kBugZk1549 : Mark::kLogNewerSnapshotsRemoved);
    }
    if (!core_.config().bugs.zk1549) {
      for (const std::string& name : newer) {
        core_.disk().Remove(name);
        core_.disk().Sync(name);
      }
    }
  }
  if (removed > 0) core_.Cover(Mark::kLogTruncated);
  core_.Emit(Truncated{zxid, removed});
  // Reload memory from what is now on disk; the log goes on in a new file, as
  // FileTxnSnapLog.truncateLog reopens it.
  const absl::Status s = Load(/*new_log_file=*/true);
  ZABSIM_CHECK(s.ok(), "reload after truncation: {}", std::string(s.message()));
  RepairLog();
  core_.Emit(TreeLoaded{tree_.last_processed_zxid(), "truncated-log", tree_.digest(), tree_.last_applied_txn()});
  return true;
}

void Database::CheckLog(std::string_view where) const {
  size_t i = 0;
  for (const auto& [first, seg] : segments_) {
    const auto it = core_.disk().files().find(seg.name);
    ZABSIM_CHECK(it != core_.disk().files().end(), "{}: segment {} has no file", where, seg.name);
    ZABSIM_CHECK(it->second.size() == seg.records, "{}: segment {} has {} records, file {}", where,
                 seg.name, seg.records, it->second.size());
    for (const std::string& r : it->second) {
      ZABSIM_CHECK(i < log_.size(), "{}: file {} longer than the log", where, seg.name);
      const Zxid z = DecodeTxn(r)->zxid;
      ZABSIM_CHECK(z == log_[i]->zxid, "{}: {} holds {} where the log has {}", where, seg.name,
                   ToString(z), ToString(log_[i]->zxid));
      ++i;
    }
  }
  ZABSIM_CHECK(i == log_.size(), "{}: files hold {} txns, the log {}", where, i, log_.size());
}

// ZOOKEEPER-2846. A learner synced by SNAP replaces its tree but keeps its txn log, and
// that log is not its new history: it may hold txns of an abandoned history (proposed,
// never committed) and it lacks every txn the snapshot brought. A TRUNC sync leaves a
// hole of the same kind: the txns committed before NEWLEADER are applied to the tree
// and saved in the NEWLEADER snapshot, never logged. Loading is unharmed (it replays
// only what follows the snapshot), but if the server later leads, syncing a lagging
// learner "from the txn log" (getProposalsFromTxnLog) reads on from the file holding the
// learner's zxid: it sends the stale txns as committed and skips the missing ones.
// ZooKeeper 3.8 does exactly that (the issue is open; its workaround is
// snapshotSizeFactor=-1, no txn-log sync at all).
//
// zabsim's fix keeps txn-log sync and makes the log trustworthy again: the segments
// whose records all lie at or below a snapshot that cannot vouch for them are removed.
// A snapshot vouches for the log at or below its name when the log holds the last txn
// its content reflects (zxids are unique, so that is the same txn, and the log up to it
// is the same history) and no record between that txn and the name (records there were
// never applied: nobody's history has them below this tree). A SNAP snapshot of a tree
// the learner never had, or a TRUNC snapshot holding unlogged txns, does not vouch.
//
// Crash safety. The records removed are below the snapshot, so the tree never needs
// them; they must only stay until the snapshot is durable (until then they are the
// server's state). Each removal is fsynced after the snapshot's own fsync was asked
// for, and fsyncs complete in order, so no removal is durable before the snapshot. A
// crash between two removals leaves the snapshot and some of the segments, still not
// vouched for: RepairLog, after the next load, removes the rest. Every later disk step of the
// sync (the committed txns' fsync, currentEpoch) is ordered after the removals, so a
// server that acked NEWLEADER has none of them left.
uint32_t Database::RepairLog() {
  if (core_.config().bugs.zk2846) {
    // The log is kept below every snapshot a SNAP or TRUNC left: where the history
    // starts is the newest snapshot on disk that does not vouch for the log below it.
    history_floor_ = Zxid{};
    for (const auto& [name, records] : core_.disk().files()) {
      const auto z = ParseSnapshotName(name);
      if (!z || records.size() != 1) continue;
      const auto tree = DataTree::Deserialize(records.front());
      if (tree.ok()) DropUnvouchedLog(*z, tree->last_applied_txn());
    }
    return 0;
  }
  return DropUnvouchedLog(loaded_snapshot_, loaded_snapshot_last_txn_);
}

uint32_t Database::DropUnvouchedLog(Zxid snapshot, Zxid last_txn) {
  if (log_.empty() || log_.front()->zxid > snapshot) return 0;  // Nothing at or below it.
  if (last_txn.value != 0) {
    const auto it = std::lower_bound(log_.begin(), log_.end(), last_txn,
                                     [](const TxnPtr& t, Zxid z) { return t->zxid < z; });
    const bool holds = it != log_.end() && (*it)->zxid == last_txn;
    const bool above = holds && std::next(it) != log_.end() && (*std::next(it))->zxid <= snapshot;
    if (holds && !above) return 0;  // Vouched for.
  }
  if (core_.config().bugs.zk2846) {
    // ZooKeeper keeps the log. It is not this server's history (the snapshot is), but a
    // txn-log sync reads it as if it were: the harm of ZOOKEEPER-2846.
    core_.Cover(Mark::kBugZk2846);
    history_floor_ = std::max(history_floor_, snapshot);
    return 0;
  }
  // Oldest first, every segment whose records all lie at or below the snapshot. A
  // segment with a record above it is the server's history after the snapshot; so is
  // every later one. A file the log does not hold record for record (reading stopped
  // at a bad record) is left alone, with everything after it.
  uint64_t dropped = 0;
  size_t kept_from = 0;  // Index in log_ of the first record not removed.
  for (auto seg = segments_.begin(); seg != segments_.end();) {
    const auto next = std::next(seg);
    size_t end = kept_from;
    while (end < log_.size() && (next == segments_.end() || log_[end]->zxid < next->first)) ++end;
    if (end - kept_from != seg->second.records) break;
    if (end > kept_from && log_[end - 1]->zxid > snapshot) break;
    core_.disk().Remove(seg->second.name);
    core_.disk().Sync(seg->second.name);
    if (seg->second.name == current_segment_) current_segment_.clear();
    std::erase(dirty_segments_, seg->second.name);
    dropped += seg->second.records;
    kept_from = end;
    seg = segments_.erase(seg);
  }
  log_.erase(log_.begin(), log_.begin() + static_cast<std::ptrdiff_t>(kept_from));
  if (dropped > 0) core_.Cover(Mark::kLogUnvouchedDropped);
#ifndef NDEBUG
  CheckLog("drop unvouched log");
#endif
  return static_cast<uint32_t>(dropped);
}

uint32_t Database::FastForward() {
  uint32_t applied = 0;
  for (const TxnPtr& t : log_) {
    if (t->zxid <= tree_.last_processed_zxid()) continue;
    ApplyCommitted(t);
    ++applied;
  }
  if (applied > 0) {
    core_.Cover(Mark::kDbFastForward);
    core_.Emit(TreeLoaded{tree_.last_processed_zxid(), "fast-forward", tree_.digest(),
                          tree_.last_applied_txn()});
  }
  return applied;
}

void Database::CatchUpOnRoleEnd() {
  if (!core_.config().bugs.zk2845) {
    FastForward();
    return;
  }
  if (!log_.empty() && log_.back()->zxid > tree_.last_processed_zxid()) core_.Cover(Mark::kBugZk2845);
}

void Database::TakeSnapshot(bool fsync) { WriteSnapshot(tree_.last_processed_zxid(), fsync, Owner{}, 0); }

void Database::TakeSnapshot(Owner owner, uint32_t what) {
  WriteSnapshot(tree_.last_processed_zxid(), /*fsync=*/true, owner, what);
}

void Database::WriteSnapshot(Zxid name, bool fsync, Owner owner, uint32_t what) {
  const std::string file = SnapshotName(name);
  // fsync: AtomicFileOutputStream (a temporary file, fsynced, renamed); otherwise a
  // plain FileOutputStream, durable only once the kernel writes it back.
  if (!core_.disk().Replace(file, {tree_.Serialize(name)})) {
    // ZooKeeperServer.takeSnapshot: "Severe unrecoverable error, exiting".
    core_.Emit(DiskFailed{file, "write"});
    core_.Cover(Mark::kDiskSnapshotFailed);
    core_.Cover(Mark::kExitSnapshotFailed);
    core_.Exit(fmt::format("exit 10 (TXNLOG_ERROR_TAKING_SNAPSHOT): cannot write {}", file));
    return;
  }
  core_.Emit(SnapshotTaken{name});
  if (!fsync) return;
  if (owner.value == 0) {
    core_.disk().Sync(file);
  } else {
    core_.Sync(owner, file, what);
  }
}

void Database::SnapshotInBackground() {
  RollLog();  // Rolled whether or not the snapshot runs.
  if (snapshot_.has_value()) {
    core_.Cover(Mark::kSnapshotSkippedBusy);
    core_.Emit(Ignored{"snapshot", "too busy to snap, skipping", PeerId{}, tree_.last_processed_zxid()});
    return;
  }
  snapshot_ = BackgroundSnapshot{};
  core_.Post(owner_, Thread::kSnapshot, 0, "snapshot-begin", kSnapshotBegin);
}

void Database::OnStep(uint32_t what, uint64_t arg) {
  switch (what) {
    case kSnapshotBegin:
      // FileTxnSnapLog.save reads the name first...
      snapshot_->name = tree_.last_processed_zxid();
      core_.Post(owner_, Thread::kSnapshot, 0, "snapshot-write", kSnapshotWrite, 0, *snapshot_->name);
      return;
    case kSnapshotWrite: {
      // ...and the tree as it is by the time the thread writes it.
      const Zxid name = *snapshot_->name;
      snapshot_.reset();
      core_.Cover(Mark::kSnapshotBackground);
      // Txns applied since the name was read are in the tree too: a fuzzy snapshot.
      if (tree_.last_processed_zxid() != name) core_.Cover(Mark::kSnapshotFuzzy);
      WriteSnapshot(name, /*fsync=*/false, Owner{}, 0);
      return;
    }
    default:
      Part::OnStep(what, arg);
  }
}

void Database::PurgeOldFiles(uint32_t retain) {
  std::vector<Zxid> snapshots;
  for (const auto& [name, records] : core_.disk().files()) {
    const auto z = ParseSnapshotName(name);
    if (!z || records.size() != 1 || !DataTree::Deserialize(records.front()).ok()) continue;
    snapshots.push_back(*z);  // Only valid snapshots count (findNValidSnapshots).
  }
  if (snapshots.empty()) return;
  std::sort(snapshots.begin(), snapshots.end());
  const Zxid least = snapshots[snapshots.size() > retain ? snapshots.size() - retain : 0];
  std::vector<std::string> doomed;
  for (const auto& [name, records] : core_.disk().files()) {
    if (const auto z = ParseSnapshotName(name); z && *z < least) doomed.push_back(name);
  }
  // The newest log file starting at or below `least` covers that snapshot and stays.
  uint64_t dropped_txns = 0;
  while (segments_.size() >= 2 && std::next(segments_.begin())->first <= least) {
    dropped_txns += segments_.begin()->second.records;
    doomed.push_back(segments_.begin()->second.name);
    if (segments_.begin()->second.name == current_segment_) current_segment_.clear();
    std::erase(dirty_segments_, segments_.begin()->second.name);
    segments_.erase(segments_.begin());
  }
  if (!doomed.empty()) core_.Cover(Mark::kPurgeRan);
  for (const std::string& name : doomed) core_.disk().Remove(name);
  const Zxid first_kept = segments_.empty() ? Zxid{} : segments_.begin()->first;
  const auto keep_from = std::find_if(log_.begin(), log_.end(),
                                      [&](const TxnPtr& t) { return t->zxid >= first_kept; });
  ZABSIM_CHECK(static_cast<uint64_t>(keep_from - log_.begin()) == dropped_txns || segments_.empty(),
               "purge dropped {} txns but {} precede the first kept segment", dropped_txns,
               keep_from - log_.begin());
  log_.erase(log_.begin(), keep_from);
#ifndef NDEBUG
  CheckLog("purge");
#endif
}

std::optional<std::vector<TxnPtr>> Database::ProposalsFromTxnLog(Zxid peer_last,
                                                                 uint64_t size_limit) const {
  // FileTxnIterator(peer_last, fastForward = false) starts at the newest file that
  // starts *below* peer_last (with none, at the oldest file), from its first record; a
  // file that starts at peer_last itself counts among the later ones.
  if (segments_.empty() || log_.empty()) return std::nullopt;
  auto file = segments_.lower_bound(peer_last);
  if (file != segments_.begin()) --file;
  // Its first txn above peer_last: the log does not reach back to it.
  const Zxid file_start = file->first;
  if (file_start > peer_last) return std::nullopt;
  // getStorageSize: the files after that one, as they lie on disk.
  uint64_t later = 0;
  for (auto it = std::next(file); it != segments_.end(); ++it) {
    later += ZkLogFileLength(it->second.bytes, uint64_t{core_.config().prealloc_kb} * 1024,
                             it->second.exact);
  }
  // A limit of 0 (no snapshot yet, or a factor of 0) is no limit at all.
  if (size_limit > 0 && later > size_limit) return std::nullopt;
  std::vector<TxnPtr> out;
  for (const TxnPtr& t : log_) {
    if (t->zxid >= file_start) out.push_back(t);
  }
  return out;
}

uint64_t Database::NewestSnapshotBytes() const {
  // FileTxnSnapLog.findMostRecentSnapshot: the newest valid one.
  const auto& files = core_.disk().files();
  for (auto it = files.rbegin(); it != files.rend(); ++it) {
    if (!ParseSnapshotName(it->first) || it->second.size() != 1) continue;
    const auto tree = DataTree::Deserialize(it->second.front());
    if (tree.ok()) return ZkSnapshotBytes(*tree);
  }
  return 0;
}

uint64_t Database::LogFileLength(std::string_view name) const {
  for (const auto& [first, seg] : segments_) {
    if (seg.name == name) {
      return ZkLogFileLength(seg.bytes, uint64_t{core_.config().prealloc_kb} * 1024, seg.exact);
    }
  }
  return 0;
}

std::vector<Database::LogFile> Database::LogFiles() const {
  std::vector<LogFile> out;
  for (const auto& [first, seg] : segments_) {
    out.push_back(LogFile{seg.name, first,
                          ZkLogFileLength(seg.bytes, uint64_t{core_.config().prealloc_kb} * 1024, seg.exact)});
  }
  return out;
}

std::vector<Zxid> LogZxids(const Database& db) {
  std::vector<Zxid> zxids;
  zxids.reserve(db.log().size());
  for (const TxnPtr& t : db.log()) zxids.push_back(t->zxid);
  return zxids;
}

std::vector<Zxid> HistoryZxids(const Database& db) {
  std::vector<Zxid> zxids;
  zxids.reserve(db.log().size());
  for (const TxnPtr& t : db.log()) {
    if (t->zxid > db.history_floor()) zxids.push_back(t->zxid);
  }
  return zxids;
}

}  // namespace zabsim::zab

// File: sim/disk.h
//
// One process's durable storage: named files, each a sequence of records (byte strings).
// Writing and syncing are separate steps, as with a real file system: Append,
// TruncateTo, Replace and Remove change the file at once in the page cache, which is what
// a running process reads back (PageCache), but become durable only when a later Sync of
// that file completes. A crash keeps exactly what was synced; with torn writes enabled,
// the first unsynced append of a file may land half written, and its checksum fails when
// the disk is read back.
//
//   disk.Append("log", record);
//   const uint64_t mark = disk.Sync("log");   // the world completes it after fsync latency
//   ...
//   disk.CompleteSync("log", mark);            // now durable
//   DiskImage image = disk.Image();            // what a restart would read
//
// Each record is held once. The page cache holds every record; each change not yet
// durable keeps what it would give back if undone (the records a truncation, replacement
// or removal took away), so the durable content is the page cache with the pending
// changes undone, newest first. A long run writes hundreds of thousands of records, and
// a second copy of each (durable beside cached) was most of a simulated disk's memory.

#ifndef ZABSIM_SIM_DISK_H_
#define ZABSIM_SIM_DISK_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/random.h"
#include "sim/time.h"

namespace zabsim::sim {

// Files: file name -> records, in order.
using Files = std::map<std::string, std::vector<std::string>, std::less<>>;

// DiskImage is what a process finds on its disk when it (re)starts.
struct DiskImage {
  Files files;
  // Records that failed their checksum and were dropped, as "file#index" notes.
  std::vector<std::string> torn;

  // File returns the records of `name`, or an empty list if it does not exist.
  const std::vector<std::string>& File(std::string_view name) const;
};

class Disk {
 public:
  // Each change is made at time `at`: a change not synced becomes durable on its own
  // once the kernel writes it back (Crash's `writeback`).
  void Append(std::string_view file, std::string record, Time at);
  // TruncateTo keeps the first `records` records of the file.
  void TruncateTo(std::string_view file, uint64_t records, Time at);
  // Replace swaps the whole content atomically (write to a temp file, fsync, rename).
  void Replace(std::string_view file, std::vector<std::string> records, Time at);
  void Remove(std::string_view file, Time at);

  // Sync returns a mark covering every change made to `file` so far.
  uint64_t Sync(std::string_view file);
  // CompleteSync makes every change covered by `mark` durable.
  void CompleteSync(std::string_view file, uint64_t mark);
  // JournalMark covers every change made to any file so far; CommitJournal(mark) makes
  // the metadata changes it covers durable (truncations, removals, replacements: new
  // content in newly allocated blocks), with everything before them in the same file.
  // A journaling file system commits those with any fsync (ext4 in its default ordered
  // mode); appends into the blocks a file already has wait for their own file's fsync.
  uint64_t JournalMark() const { return next_global_ - 1; }
  void CommitJournal(uint64_t mark);

  // Crash at `now` drops every change not yet durable. A change made `writeback` or longer
  // before `now` is durable although never synced: the kernel wrote it back (zero: never).
  // If `torn` draws true for a file whose first change dropped is an append, half of
  // that record lands, failing its checksum.
  void Crash(Rng& rng, Ratio torn, Time now, Duration writeback);

  // PageCache is every file as changed so far, synced or not: what the running process
  // reads. After a crash (and until the next change) it is the durable content, torn
  // records included.
  const Files& PageCache() const { return cache_; }

  // Image reads back the durable content, dropping any record whose checksum fails.
  DiskImage Image() const;
  // Recover is Image for a restarting process: it also cuts torn records off the files,
  // as a log reader that stops at a bad checksum and starts writing after the last good
  // record would.
  DiskImage Recover();

  // Pending counts changes not yet durable, over all files.
  uint64_t Pending() const;

 private:
  // Op is a change not yet durable, and what undoing it takes.
  struct Op {
    enum class Kind : uint8_t { kAppend, kTruncate, kReplace, kRemove };
    Kind kind = Kind::kAppend;
    bool existed = false;          // The file was in the page cache before it.
    uint64_t seq = 0;
    uint64_t global = 0;           // Its place among every file's changes.
    Time at;                       // When it was made.
    std::vector<std::string> cut;  // The records it took away (all but kAppend).
  };
  struct FileState {
    std::deque<Op> pending;  // Oldest first.
    uint64_t next_seq = 1;
    // The page cache's first record that fails its checksum (a torn append, after a
    // crash), if any.
    std::optional<size_t> torn;
  };

  FileState& State(std::string_view name);
  std::vector<std::string>& Cached(std::string_view name, Op& op);
  // Undo reverts `op` in `files` (the page cache, or a copy of it) and returns the record
  // an undone append took back.
  static std::string Undo(Files& files, std::string_view name, Op& op);
  // UndoAll reverts every op of `pending`, newest first, and empties it; it returns the
  // record the oldest op took back if that op is an append.
  static std::string UndoAll(Files& files, std::string_view name, std::deque<Op>& pending);

  Files cache_;
  std::map<std::string, FileState, std::less<>> states_;
  uint64_t next_global_ = 1;
};

}  // namespace zabsim::sim

#endif  // ZABSIM_SIM_DISK_H_

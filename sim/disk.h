// File: sim/disk.h
//
// One process's durable storage: named files, each a sequence of records (byte strings,
// each stored with a CRC-32C). Writing and syncing are separate steps, as with a real
// file system: Append, TruncateTo, Replace and Remove change the file at once in the
// page cache but become durable only when a later Sync of that file completes. A crash
// keeps exactly what was synced; with torn writes enabled, the first unsynced append of
// a file may land half written, and the checksum catches it when the disk is read back.
//
//   disk.Append("log", record);
//   const uint64_t mark = disk.Sync("log");   // the world completes it after fsync latency
//   ...
//   disk.CompleteSync("log", mark);            // now durable
//   DiskImage image = disk.Image();            // what a restart would read

#ifndef ZABSIM_SIM_DISK_H_
#define ZABSIM_SIM_DISK_H_

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sim/random.h"

namespace zabsim::sim {

// DiskImage is what a process finds on its disk when it (re)starts.
struct DiskImage {
  std::map<std::string, std::vector<std::string>, std::less<>> files;
  // Records that failed their checksum and were dropped, as "file#index" notes.
  std::vector<std::string> torn;

  // File returns the records of `name`, or an empty list if it does not exist.
  const std::vector<std::string>& File(std::string_view name) const;
};

class Disk {
 public:
  void Append(std::string_view file, std::string record);
  // TruncateTo keeps the first `records` records of the file.
  void TruncateTo(std::string_view file, uint64_t records);
  // Replace swaps the whole content atomically (write to a temp file, fsync, rename).
  void Replace(std::string_view file, std::vector<std::string> records);
  void Remove(std::string_view file);

  // Sync returns a mark covering every change made to `file` so far.
  uint64_t Sync(std::string_view file);
  // CompleteSync makes every change covered by `mark` durable.
  void CompleteSync(std::string_view file, uint64_t mark);

  // Crash drops every change not yet durable. If `torn` draws true for a file whose first
  // pending change is an append, half of that record lands (with its checksum intact).
  void Crash(Rng& rng, Ratio torn);

  // Image reads back the durable content, dropping any record whose checksum fails.
  DiskImage Image() const;
  // Recover is Image for a restarting process: it also cuts torn records off the files,
  // as a log reader that stops at a bad checksum and starts writing after the last good
  // record would.
  DiskImage Recover();

  // Pending counts changes not yet durable, over all files.
  uint64_t Pending() const;
  uint64_t DurableRecords() const;

 private:
  struct Record {
    std::string bytes;
    uint32_t crc = 0;
  };
  struct Op {
    enum class Kind : uint8_t { kAppend, kTruncate, kReplace, kRemove };
    Kind kind = Kind::kAppend;
    uint64_t seq = 0;
    uint64_t count = 0;                 // kTruncate
    std::vector<std::string> records;  // kAppend (one) and kReplace (all)
  };
  struct File {
    bool exists = false;  // Durably exists.
    std::vector<Record> durable;
    std::deque<Op> pending;
    uint64_t next_seq = 1;
  };

  File& Get(std::string_view name);
  static void Apply(File& file, Op& op);

  std::map<std::string, File, std::less<>> files_;
};

}  // namespace zabsim::sim

#endif  // ZABSIM_SIM_DISK_H_

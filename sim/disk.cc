#include "sim/disk.h"

#include <utility>

#include <fmt/format.h>

#include "base/check.h"

namespace zabsim::sim {

const std::vector<std::string>& DiskImage::File(std::string_view name) const {
  static const std::vector<std::string>* const kEmpty = new std::vector<std::string>();
  const auto it = files.find(name);
  return it == files.end() ? *kEmpty : it->second;
}

Disk::FileState& Disk::State(std::string_view name) {
  auto it = states_.find(name);
  if (it == states_.end()) it = states_.emplace(std::string(name), FileState{}).first;
  return it->second;
}

// Cached returns the file's records in the page cache, creating the file if need be,
// and notes in `op` whether it existed.
std::vector<std::string>& Disk::Cached(std::string_view name, Op& op) {
  auto it = cache_.find(name);
  op.existed = it != cache_.end();
  if (!op.existed) it = cache_.emplace(std::string(name), std::vector<std::string>()).first;
  return it->second;
}

void Disk::Append(std::string_view file, std::string record, Time at) {
  FileState& f = State(file);
  Op op{Op::Kind::kAppend, false, f.next_seq++, next_global_++, at, {}};
  Cached(file, op).push_back(std::move(record));
  f.pending.push_back(std::move(op));
}

void Disk::TruncateTo(std::string_view file, uint64_t records, Time at) {
  FileState& f = State(file);
  Op op{Op::Kind::kTruncate, false, f.next_seq++, next_global_++, at, {}};
  std::vector<std::string>& cached = Cached(file, op);
  if (cached.size() > records) {
    op.cut.assign(std::make_move_iterator(cached.begin() + static_cast<ptrdiff_t>(records)),
                  std::make_move_iterator(cached.end()));
    cached.resize(records);
  }
  f.pending.push_back(std::move(op));
}

void Disk::Replace(std::string_view file, std::vector<std::string> records, Time at) {
  FileState& f = State(file);
  Op op{Op::Kind::kReplace, false, f.next_seq++, next_global_++, at, {}};
  std::vector<std::string>& cached = Cached(file, op);
  op.cut = std::exchange(cached, std::move(records));
  f.pending.push_back(std::move(op));
}

void Disk::Remove(std::string_view file, Time at) {
  FileState& f = State(file);
  Op op{Op::Kind::kRemove, false, f.next_seq++, next_global_++, at, {}};
  if (auto it = cache_.find(file); it != cache_.end()) {
    op.existed = true;
    op.cut = std::move(it->second);
    cache_.erase(it);
  }
  f.pending.push_back(std::move(op));
}

uint64_t Disk::Sync(std::string_view file) { return State(file).next_seq - 1; }

void Disk::CompleteSync(std::string_view file, uint64_t mark) {
  // Durable now: what undoing them would take is no longer needed.
  FileState& f = State(file);
  while (!f.pending.empty() && f.pending.front().seq <= mark) f.pending.pop_front();
}

void Disk::CommitJournal(uint64_t mark) {
  for (auto& [name, f] : states_) {
    size_t through = 0;  // Pending changes up to the last journaled one the mark covers.
    for (size_t i = 0; i < f.pending.size() && f.pending[i].global <= mark; ++i) {
      if (f.pending[i].kind != Op::Kind::kAppend) through = i + 1;
    }
    f.pending.erase(f.pending.begin(), f.pending.begin() + static_cast<ptrdiff_t>(through));
  }
}

std::string Disk::Undo(Files& files, std::string_view name, Op& op) {
  std::string appended;
  auto it = files.find(name);
  switch (op.kind) {
    case Op::Kind::kAppend:
      ZABSIM_CHECK(it != files.end() && !it->second.empty(), "undoing an append to {}", name);
      appended = std::move(it->second.back());
      it->second.pop_back();
      break;
    case Op::Kind::kTruncate:
      ZABSIM_CHECK(it != files.end(), "undoing a truncation of {}", name);
      for (std::string& r : op.cut) it->second.push_back(std::move(r));
      break;
    case Op::Kind::kReplace:
      ZABSIM_CHECK(it != files.end(), "undoing a replacement of {}", name);
      it->second = std::move(op.cut);
      break;
    case Op::Kind::kRemove:
      ZABSIM_CHECK(it == files.end(), "undoing a removal of {}, which exists", name);
      if (op.existed) files.emplace(std::string(name), std::move(op.cut));
      break;
  }
  if (!op.existed) {
    if (auto again = files.find(name); again != files.end()) files.erase(again);
  }
  return appended;
}

std::string Disk::UndoAll(Files& files, std::string_view name, std::deque<Op>& pending) {
  std::string oldest;
  while (!pending.empty()) {
    oldest = Undo(files, name, pending.back());
    pending.pop_back();
  }
  return oldest;
}

void Disk::Crash(Rng& rng, Ratio torn, Time now, Duration writeback) {
  for (auto& [name, f] : states_) {
    // Written back: changes are made in time order, so these are the oldest pending.
    if (writeback.us > 0) {
      while (!f.pending.empty() && f.pending.front().at + writeback <= now) f.pending.pop_front();
    }
    if (f.pending.empty()) continue;
    // Draw as the disk always has: once per file whose first pending change is an append.
    const bool tear = f.pending.front().kind == Op::Kind::kAppend && rng.Chance(torn);
    const std::string first_append = UndoAll(cache_, name, f.pending);
    if (!tear) continue;
    // Half the bytes land; the checksum was of the whole record, so reading it back fails.
    std::vector<std::string>& records = cache_[name];
    f.torn = records.size();
    records.push_back(first_append.substr(0, first_append.size() / 2));
  }
}

DiskImage Disk::Image() const {
  DiskImage image;
  image.files = cache_;
  for (const auto& [name, f] : states_) {
    std::deque<Op> pending = f.pending;  // Undone on the copy.
    UndoAll(image.files, name, pending);
    if (!f.torn) continue;
    // A torn record can only be the last one written; everything after it is gone.
    auto it = image.files.find(name);
    if (it == image.files.end() || it->second.size() <= *f.torn) continue;
    image.torn.push_back(fmt::format("{}#{}", name, *f.torn));
    it->second.resize(*f.torn);
  }
  return image;
}

DiskImage Disk::Recover() {
  ZABSIM_CHECK(Pending() == 0, "recovering a disk with unsynced changes");
  DiskImage image = Image();
  for (auto& [name, f] : states_) {
    if (!f.torn) continue;
    if (auto it = cache_.find(name); it != cache_.end() && it->second.size() > *f.torn) {
      it->second.resize(*f.torn);
    }
    f.torn.reset();
  }
  return image;
}

uint64_t Disk::Pending() const {
  uint64_t n = 0;
  for (const auto& [name, f] : states_) n += f.pending.size();
  return n;
}

}  // namespace zabsim::sim

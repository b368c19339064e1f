#include "sim/disk.h"

#include <fmt/format.h>

#include "base/check.h"
#include "base/hash.h"

namespace zabsim::sim {

const std::vector<std::string>& DiskImage::File(std::string_view name) const {
  static const std::vector<std::string>* const kEmpty = new std::vector<std::string>();
  const auto it = files.find(name);
  return it == files.end() ? *kEmpty : it->second;
}

Disk::File& Disk::Get(std::string_view name) {
  auto it = files_.find(name);
  if (it == files_.end()) it = files_.emplace(std::string(name), File{}).first;
  return it->second;
}

void Disk::Append(std::string_view file, std::string record) {
  File& f = Get(file);
  Op op;
  op.kind = Op::Kind::kAppend;
  op.seq = f.next_seq++;
  op.records.push_back(std::move(record));
  f.pending.push_back(std::move(op));
}

void Disk::TruncateTo(std::string_view file, uint64_t records) {
  File& f = Get(file);
  Op op;
  op.kind = Op::Kind::kTruncate;
  op.seq = f.next_seq++;
  op.count = records;
  f.pending.push_back(std::move(op));
}

void Disk::Replace(std::string_view file, std::vector<std::string> records) {
  File& f = Get(file);
  Op op;
  op.kind = Op::Kind::kReplace;
  op.seq = f.next_seq++;
  op.records = std::move(records);
  f.pending.push_back(std::move(op));
}

void Disk::Remove(std::string_view file) {
  File& f = Get(file);
  Op op;
  op.kind = Op::Kind::kRemove;
  op.seq = f.next_seq++;
  f.pending.push_back(std::move(op));
}

uint64_t Disk::Sync(std::string_view file) { return Get(file).next_seq - 1; }

void Disk::Apply(File& file, Op& op) {
  switch (op.kind) {
    case Op::Kind::kAppend:
      file.exists = true;
      for (std::string& bytes : op.records) {
        const uint32_t crc = base::Crc32c(bytes);
        file.durable.push_back(Record{std::move(bytes), crc});
      }
      return;
    case Op::Kind::kTruncate:
      file.exists = true;
      if (file.durable.size() > op.count) file.durable.resize(op.count);
      return;
    case Op::Kind::kReplace:
      file.exists = true;
      file.durable.clear();
      for (std::string& bytes : op.records) {
        const uint32_t crc = base::Crc32c(bytes);
        file.durable.push_back(Record{std::move(bytes), crc});
      }
      return;
    case Op::Kind::kRemove:
      // Release the storage too: a long run removes many purged log segments and
      // snapshots, and clear() would keep each one's capacity to the end of the run.
      file.exists = false;
      std::vector<Record>().swap(file.durable);
      return;
  }
}

void Disk::CompleteSync(std::string_view file, uint64_t mark) {
  File& f = Get(file);
  while (!f.pending.empty() && f.pending.front().seq <= mark) {
    Apply(f, f.pending.front());
    f.pending.pop_front();
  }
}

void Disk::Crash(Rng& rng, Ratio torn) {
  for (auto& [name, f] : files_) {
    if (!f.pending.empty() && f.pending.front().kind == Op::Kind::kAppend && rng.Chance(torn)) {
      const std::string& bytes = f.pending.front().records.front();
      // Half the bytes land; the checksum is of the whole record, so reading it back fails.
      Record partial{bytes.substr(0, bytes.size() / 2), base::Crc32c(bytes)};
      if (partial.bytes.size() == bytes.size()) partial.crc ^= 1;  // Empty record: still torn.
      f.exists = true;
      f.durable.push_back(std::move(partial));
    }
    f.pending.clear();
  }
}

DiskImage Disk::Image() const {
  DiskImage image;
  for (const auto& [name, f] : files_) {
    if (!f.exists) continue;
    std::vector<std::string>& records = image.files[name];
    records.reserve(f.durable.size());
    for (size_t i = 0; i < f.durable.size(); ++i) {
      const Record& r = f.durable[i];
      if (base::Crc32c(r.bytes) != r.crc) {
        // A torn record can only be the last one written; everything after it is gone.
        image.torn.push_back(fmt::format("{}#{}", name, i));
        break;
      }
      records.push_back(r.bytes);
    }
  }
  return image;
}

DiskImage Disk::Recover() {
  ZABSIM_CHECK(Pending() == 0, "recovering a disk with unsynced changes");
  DiskImage image = Image();
  for (auto& [name, f] : files_) {
    if (!f.exists) continue;
    f.durable.resize(image.files[name].size());
  }
  return image;
}

uint64_t Disk::Pending() const {
  uint64_t n = 0;
  for (const auto& [name, f] : files_) n += f.pending.size();
  return n;
}

uint64_t Disk::DurableRecords() const {
  uint64_t n = 0;
  for (const auto& [name, f] : files_) n += f.durable.size();
  return n;
}

}  // namespace zabsim::sim

#include "zab/storage.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "base/check.h"
#include "base/status.h"

namespace zabsim::zab {
namespace {

constexpr std::string_view kLogPrefix = "log.";
constexpr std::string_view kSnapshotPrefix = "snapshot.";

// A txn record, with the integer conventions of the data tree's encoding: fixed-width
// little-endian integers written byte by byte, strings as a u32 length then the bytes.
//
//   zxid u64, session u64, cxid u64, op.type u8 (a write type), op.path str,
//   op.data str, op.version i32 (two's complement u32), op.ephemeral u8 (0 or 1),
//   prepared u8 (0 or 1), error u8 (a Code), new_version i32
//
// The largest OpType value, for telling an unknown type from a read type.
constexpr uint8_t kLastOpType = static_cast<uint8_t>(OpType::kSync);

void PutU8(std::string& out, uint8_t v) { out.push_back(static_cast<char>(v)); }
void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutString(std::string& out, std::string_view s) {
  ZABSIM_CHECK(s.size() <= 0xffffffffu, "a string of {} bytes overflows its length", s.size());
  PutU32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

// Reader consumes bytes from the front. Every read checks the remaining length first,
// so no input can make it read out of bounds; a failed read consumes nothing.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : rest_(bytes) {}

  bool U8(uint8_t& out) {
    uint64_t v = 0;
    if (!Fixed(1, v)) return false;
    out = static_cast<uint8_t>(v);
    return true;
  }
  bool U32(uint32_t& out) {
    uint64_t v = 0;
    if (!Fixed(4, v)) return false;
    out = static_cast<uint32_t>(v);
    return true;
  }
  bool U64(uint64_t& out) { return Fixed(8, out); }
  bool String(std::string& out) {
    Reader probe = *this;
    uint32_t size = 0;
    if (!probe.U32(size) || probe.rest_.size() < size) return false;
    out.assign(probe.rest_.substr(0, size));
    rest_ = probe.rest_.substr(size);
    return true;
  }
  size_t remaining() const { return rest_.size(); }

 private:
  bool Fixed(size_t width, uint64_t& out) {
    if (rest_.size() < width) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < width; ++i) {
      v |= static_cast<uint64_t>(static_cast<unsigned char>(rest_[i])) << (8 * i);
    }
    rest_.remove_prefix(width);
    out = v;
    return true;
  }

  std::string_view rest_;
};

absl::Status BadTxn(std::string_view what) {
  return absl::InvalidArgumentError(fmt::format("txn record: {}", what));
}

// ParseZxidName reads "<prefix><16 lowercase hex digits>". Only the exact form is
// accepted, so that every zxid has one name and name order is zxid order.
std::optional<Zxid> ParseZxidName(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return std::nullopt;
  name.remove_prefix(prefix.size());
  if (name.size() != 16) return std::nullopt;
  uint64_t value = 0;
  for (const char c : name) {
    uint64_t digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<uint64_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<uint64_t>(c - 'a' + 10);
    } else {
      return std::nullopt;
    }
    value = (value << 4) | digit;
  }
  return Zxid{value};
}

using Files = std::vector<std::pair<Zxid, const std::vector<std::string>*>>;

// FilesOfKind lists the files whose names `parse` accepts, in ascending zxid order.
Files FilesOfKind(const DiskContents& disk,
                  std::optional<Zxid> (*parse)(std::string_view name)) {
  Files files;
  for (const auto& [name, records] : disk) {
    if (const std::optional<Zxid> zxid = parse(name)) files.emplace_back(*zxid, &records);
  }
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return files;
}

// LoadNewestSnapshot installs the newest usable snapshot in `db`. ZooKeeper tries the
// newest few snapshots and falls back to an older one when the newest is corrupt (a
// crash while it was written); an unusable snapshot is skipped, never an error.
void LoadNewestSnapshot(const DiskContents& disk, LoadedDatabase& db) {
  const Files snapshots = FilesOfKind(disk, &ParseSnapshotName);
  for (auto it = snapshots.rbegin(); it != snapshots.rend(); ++it) {
    const auto& [zxid, records] = *it;
    if (records->size() != 1) continue;
    absl::StatusOr<DataTree> tree = DataTree::Deserialize(records->front());
    // A snapshot whose content disagrees with its name cannot be trusted either.
    if (!tree.ok() || tree->last_processed_zxid() != zxid) continue;
    db.snapshot_last_txn = tree->last_applied_txn();
    db.tree = *std::move(tree);
    db.snapshot_zxid = zxid;
    return;
  }
}

// ReadLog appends every readable txn of every segment to `log`, in zxid order. Like
// ZooKeeper's FileTxnIterator, it stops at the first record that is unreadable or out of
// order: everything after it, in any segment, is ignored.
void ReadLog(const DiskContents& disk, std::vector<Txn>& log) {
  for (const auto& [first, records] : FilesOfKind(disk, &ParseSegmentName)) {
    bool first_in_segment = true;
    for (const std::string& record : *records) {
      absl::StatusOr<Txn> txn = DecodeTxn(record);
      if (!txn.ok()) return;
      if (first_in_segment && txn->zxid != first) return;
      if (!log.empty() && txn->zxid <= log.back().zxid) return;
      first_in_segment = false;
      log.push_back(*std::move(txn));
    }
  }
}

// ReadEpochFile reads one epoch file; a missing or empty file (a crash before its first
// write completed) yields `fallback` and sets `defaulted`, as QuorumPeer does.
absl::Status ReadEpochFile(const DiskContents& disk, std::string_view name, Epoch fallback,
                           Epoch& epoch, bool& defaulted) {
  const auto it = disk.find(name);
  if (it == disk.end() || it->second.empty()) {
    epoch = fallback;
    defaulted = true;
    return absl::OkStatus();
  }
  if (it->second.size() != 1) {
    return absl::DataLossError(
        fmt::format("{}: {} records, expected one", name, it->second.size()));
  }
  absl::StatusOr<Epoch> decoded = DecodeEpoch(it->second.front());
  if (!decoded.ok()) {
    return absl::DataLossError(fmt::format("{}: {}", name, base::Text(decoded.status())));
  }
  epoch = *decoded;
  return absl::OkStatus();
}

}  // namespace

std::string LogSegmentName(Zxid first) {
  return fmt::format("{}{:016x}", kLogPrefix, first.value);
}

std::string SnapshotName(Zxid zxid) {
  return fmt::format("{}{:016x}", kSnapshotPrefix, zxid.value);
}

std::optional<Zxid> ParseSegmentName(std::string_view name) {
  return ParseZxidName(name, kLogPrefix);
}

std::optional<Zxid> ParseSnapshotName(std::string_view name) {
  return ParseZxidName(name, kSnapshotPrefix);
}

std::string EncodeTxn(const Txn& txn) {
  ZABSIM_CHECK(IsWrite(txn.op.type), "txn {}: encoding a read op ({})", ToString(txn.zxid),
               ToString(txn.op.type));
  std::string out;
  PutU64(out, txn.zxid.value);
  PutU64(out, txn.session);
  PutU64(out, txn.cxid);
  PutU8(out, static_cast<uint8_t>(txn.op.type));
  PutString(out, txn.op.path);
  PutString(out, txn.op.data);
  PutU32(out, static_cast<uint32_t>(txn.op.version));
  PutU8(out, txn.op.ephemeral ? 1 : 0);
  PutU8(out, txn.prepared ? 1 : 0);
  PutU8(out, static_cast<uint8_t>(txn.error));
  PutU32(out, static_cast<uint32_t>(txn.new_version));
  return out;
}

absl::StatusOr<Txn> DecodeTxn(std::string_view bytes) {
  Reader reader(bytes);
  Txn txn;
  uint8_t type = 0;
  uint32_t version = 0;
  uint8_t ephemeral = 0;
  if (!reader.U64(txn.zxid.value)) return BadTxn("truncated zxid");
  if (!reader.U64(txn.session)) return BadTxn("truncated session");
  if (!reader.U64(txn.cxid)) return BadTxn("truncated cxid");
  if (!reader.U8(type)) return BadTxn("truncated op type");
  if (type > kLastOpType) return BadTxn(fmt::format("unknown op type {}", type));
  txn.op.type = static_cast<OpType>(type);
  if (!IsWrite(txn.op.type)) {
    return BadTxn(fmt::format("op type {} is not a write", ToString(txn.op.type)));
  }
  if (!reader.String(txn.op.path)) return BadTxn("truncated path");
  if (!reader.String(txn.op.data)) return BadTxn("truncated data");
  if (!reader.U32(version)) return BadTxn("truncated version");
  txn.op.version = static_cast<int32_t>(version);
  if (!reader.U8(ephemeral)) return BadTxn("truncated ephemeral flag");
  if (ephemeral > 1) return BadTxn(fmt::format("ephemeral flag {} is not 0 or 1", ephemeral));
  txn.op.ephemeral = ephemeral == 1;
  uint8_t prepared = 0;
  uint8_t error = 0;
  uint32_t new_version = 0;
  if (!reader.U8(prepared)) return BadTxn("truncated prepared flag");
  if (prepared > 1) return BadTxn(fmt::format("prepared flag {} is not 0 or 1", prepared));
  txn.prepared = prepared == 1;
  if (!reader.U8(error)) return BadTxn("truncated error code");
  if (error > static_cast<uint8_t>(Code::kConnectionLoss)) {
    return BadTxn(fmt::format("unknown error code {}", error));
  }
  txn.error = static_cast<Code>(error);
  if (!reader.U32(new_version)) return BadTxn("truncated new version");
  txn.new_version = static_cast<int32_t>(new_version);
  if (reader.remaining() != 0) {
    return BadTxn(fmt::format("{} trailing bytes", reader.remaining()));
  }
  return txn;
}

std::string EncodeEpoch(Epoch epoch) { return fmt::format("{}", epoch.value); }

absl::StatusOr<Epoch> DecodeEpoch(std::string_view bytes) {
  // Ten digits hold every uint32; the bound keeps the sum below from overflowing.
  if (bytes.empty() || bytes.size() > 10) {
    return absl::InvalidArgumentError(
        fmt::format("epoch record: {} bytes, expected 1 to 10 decimal digits", bytes.size()));
  }
  uint64_t value = 0;
  for (const char c : bytes) {
    if (c < '0' || c > '9') {
      return absl::InvalidArgumentError("epoch record: not a decimal number");
    }
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > std::numeric_limits<uint32_t>::max()) {
    return absl::InvalidArgumentError(
        fmt::format("epoch record: {} is above {}", value, std::numeric_limits<uint32_t>::max()));
  }
  return Epoch{static_cast<uint32_t>(value)};
}

// LoadDatabase never fails on damaged data: a corrupt snapshot falls back to an older one
// (or to the empty tree), and a corrupt or out-of-order log record ends the log there,
// so damage only shortens what is loaded, as in ZooKeeper. The Status is reserved for
// states no disk can reach; none is known today, so every input loads.
absl::StatusOr<LoadedDatabase> LoadDatabase(const DiskContents& disk) {
  LoadedDatabase db;
  LoadNewestSnapshot(disk, db);
  ZABSIM_CHECK(db.tree.last_processed_zxid() == db.snapshot_zxid, "snapshot {} holds tree {}",
               ToString(db.snapshot_zxid), ToString(db.tree.last_processed_zxid()));
  ReadLog(disk, db.log);
  // A fuzzy snapshot may already hold some logged txns; only the ones after it replay.
  for (const Txn& txn : db.log) {
    if (txn.zxid <= db.snapshot_zxid) continue;
    db.tree.Apply(txn);
    db.replayed.push_back(txn);
  }
  return db;
}

absl::StatusOr<Epochs> LoadEpochs(const DiskContents& disk, Zxid last_zxid) {
  Epochs epochs;
  const Epoch fallback = last_zxid.epoch();
  if (absl::Status s = ReadEpochFile(disk, kCurrentEpochFile, fallback, epochs.current,
                                     epochs.wrote_current);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadEpochFile(disk, kAcceptedEpochFile, fallback, epochs.accepted,
                                     epochs.wrote_accepted);
      !s.ok()) {
    return s;
  }
  // QuorumPeer.loadDataBase refuses to start on either: the data on disk is newer than the
  // epoch the server says it is in, or it acknowledged an epoch it never accepted.
  if (last_zxid.epoch() > epochs.current) {
    return absl::FailedPreconditionError(fmt::format(
        "the current epoch {} is older than the last zxid {} (epoch {})", epochs.current.value,
        ToString(last_zxid), last_zxid.epoch().value));
  }
  if (epochs.accepted < epochs.current) {
    return absl::FailedPreconditionError(
        fmt::format("the current epoch {} is after the accepted epoch {}", epochs.current.value,
                    epochs.accepted.value));
  }
  return epochs;
}

uint64_t ZkLogRecordBytes(const Txn& txn) {
  const auto str = [](std::string_view v) { return 4 + static_cast<uint64_t>(v.size()); };
  constexpr uint64_t kWorldAnyoneAcl = 4 + (4 + (4 + 5) + (4 + 6));  // One ACL: perms, Id.
  uint64_t body = 0;
  if (txn.prepared && txn.error != Code::kOk) {
    body = 4;  // ErrorTxn: the code.
  } else {
    switch (txn.op.type) {
      case OpType::kCreateSession:
        body = 4;  // The timeout.
        break;
      case OpType::kCloseSession:
        body = 4;  // paths2Delete, counted empty.
        break;
      case OpType::kCreate:
        body = str(txn.op.path) + str(txn.op.data) + kWorldAnyoneAcl + 1 + 4;
        break;
      case OpType::kSetData:
        body = str(txn.op.path) + str(txn.op.data) + 4;
        break;
      case OpType::kDelete:
        body = str(txn.op.path);
        break;
      case OpType::kGetData:
      case OpType::kExists:
      case OpType::kSync:
        break;
    }
  }
  constexpr uint64_t kHeader = 8 + 4 + 8 + 8 + 4;  // clientId, cxid, zxid, time, type.
  constexpr uint64_t kDigest = 4 + 8;              // TxnDigest: version, tree digest.
  return 8 + 4 + kHeader + body + kDigest + 1;     // crc, length, ..., 'B'.
}

uint64_t ZkSnapshotBytes(const DataTree& tree) {
  constexpr uint64_t kStat = 8 * 4 + 4 * 3 + 8 * 2;  // StatPersisted.
  const auto node = [&](uint64_t path_bytes, uint64_t data_bytes) {
    return 4 + path_bytes + 4 + data_bytes + 8 + kStat;  // path, data, acl id, stat.
  };
  uint64_t bytes = 16;                                // FileHeader.
  bytes += 4 + 12 * tree.sessions().size();           // Sessions: id and timeout each.
  bytes += 4 + 8 + (4 + (4 + (4 + 5) + (4 + 6)));     // The ACL cache: world:anyone.
  for (const auto& [path, n] : tree.nodes()) {
    bytes += node(path == "/" ? 0 : path.size(), n.data.size());  // The root is "".
  }
  // /zookeeper, /zookeeper/quota and /zookeeper/config (about 100 bytes of config).
  bytes += node(10, 0) + node(16, 0) + node(17, 100);
  bytes += 4 + 1;              // The end of the node list, "/".
  bytes += 8 + 4 + 1;          // The seal: checksum and "/".
  bytes += 8 + 4 + 8 + 8 + 5;  // ZxidDigest, then another seal.
  return bytes;
}

uint64_t ZkLogFileLength(uint64_t bytes, uint64_t prealloc_bytes, bool exact) {
  if (exact || prealloc_bytes == 0) return bytes;
  const uint64_t blocks = (bytes + 4096 + prealloc_bytes - 1) / prealloc_bytes;
  return std::max<uint64_t>(blocks, 1) * prealloc_bytes;
}

}  // namespace zabsim::zab

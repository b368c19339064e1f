// File: zab/storage.h
//
// What a ZAB server keeps on disk, and how it reads it back at start-up. ZooKeeper keeps
// a transaction log (rolled into segments), fuzzy snapshots of the data tree, and two
// one-number files, acceptedEpoch and currentEpoch. We keep the same, as records of the
// simulated disk:
//
//   "log.<zxid>"        one record per txn, in zxid order; <zxid> (16 hex digits) is the
//                       first zxid of the segment. A new segment starts at each snapshot.
//   "snapshot.<zxid>"   one record: the serialized data tree as of <zxid>.
//   "acceptedEpoch"     one record: the epoch in decimal.
//   "currentEpoch"      one record: the epoch in decimal.
//
// LoadDatabase is ZKDatabase.loadDataBase: the newest snapshot, then every logged txn
// after it (committed or not), each also appended to the committed log.
// LoadEpochs is the epoch part of QuorumPeer.loadDataBase, with its start-up checks.

#ifndef ZABSIM_ZAB_STORAGE_H_
#define ZABSIM_ZAB_STORAGE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "zab/data_tree.h"
#include "zab/txn.h"
#include "zab/types.h"

namespace zabsim::zab {

inline constexpr std::string_view kAcceptedEpochFile = "acceptedEpoch";
inline constexpr std::string_view kCurrentEpochFile = "currentEpoch";

std::string LogSegmentName(Zxid first);
std::string SnapshotName(Zxid zxid);
// ParseSegmentName / ParseSnapshotName return the zxid in a file name, or nullopt if the
// name is not of that kind.
std::optional<Zxid> ParseSegmentName(std::string_view name);
std::optional<Zxid> ParseSnapshotName(std::string_view name);

// Record encodings. Decoders reject malformed bytes with a Status naming what is wrong.
std::string EncodeTxn(const Txn& txn);
absl::StatusOr<Txn> DecodeTxn(std::string_view bytes);
std::string EncodeEpoch(Epoch epoch);
absl::StatusOr<Epoch> DecodeEpoch(std::string_view bytes);

// LoadedDatabase is ZKDatabase after loadDataBase.
struct LoadedDatabase {
  DataTree tree;                 // Snapshot plus every logged txn after it.
  std::vector<Txn> replayed;     // The txns replayed from the log, in order.
  Zxid snapshot_zxid;            // Zxid of the snapshot used (0 if none).
  Zxid snapshot_last_txn;        // The last txn that snapshot's content holds (0 if none).
  std::vector<Txn> log;          // Every txn of every log segment, in zxid order.
};

// LoadDatabase reads the newest snapshot that decodes (older ones are fallbacks), then
// replays every logged txn with a larger zxid. An undecodable log record ends the log
// there (as ZooKeeper's log iterator stops at a bad record).
absl::StatusOr<LoadedDatabase> LoadDatabase(const DiskContents& disk);

// Epochs is the result of QuorumPeer's epoch checks at start-up.
struct Epochs {
  Epoch accepted;
  Epoch current;
  bool wrote_current = false;   // currentEpoch was missing: the caller must write it.
  bool wrote_accepted = false;  // acceptedEpoch was missing: the caller must write it.
};

// LoadEpochs reads both epoch files. A missing file defaults to the epoch of
// `last_zxid` (and must be written). Fatal, as in ZooKeeper (the server refuses to
// start): the epoch of the last zxid is above currentEpoch, or acceptedEpoch is below
// currentEpoch.
absl::StatusOr<Epochs> LoadEpochs(const DiskContents& disk, Zxid last_zxid);

}  // namespace zabsim::zab

#endif  // ZABSIM_ZAB_STORAGE_H_

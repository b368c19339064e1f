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

// ZooKeeper's on-disk sizes. zabsim's records are its own encoding, but some of
// ZooKeeper's choices depend on how many bytes its files take: a leader syncs a lagging
// learner from its txn log only while the log files after the one holding the learner's
// zxid, padded to whole preallocated blocks, are smaller than a share of the newest
// snapshot (ZKDatabase.getProposalsFromTxnLog). These estimate ZooKeeper's layouts: a
// log record (FileTxnLog.append: checksum, length, TxnHeader, the txn, its digest, an
// end byte) and a snapshot (FileSnap.serialize: header, sessions, the ACL cache, one
// record per node with its stat, the /zookeeper system nodes, seals and the digest).
inline constexpr uint64_t kZkLogHeaderBytes = 16;  // FileHeader: magic, version, dbid.
uint64_t ZkLogRecordBytes(const Txn& txn);
uint64_t ZkSnapshotBytes(const DataTree& tree);
// ZkLogFileLength is a log file's length: its `bytes` rounded up to whole blocks of
// `prealloc_bytes` (FilePadding keeps 4 KB ahead of the last write), or exactly its
// bytes once a TRUNC has cut the file (FileTxnLog.truncate sets its length).
uint64_t ZkLogFileLength(uint64_t bytes, uint64_t prealloc_bytes, bool exact);

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

#include "zab/storage.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "base/status.h"

namespace zabsim::zab {
namespace {

Zxid Z(uint32_t epoch, uint32_t counter) { return Zxid::Make(Epoch{epoch}, counter); }

Txn CreateTxn(Zxid zxid, std::string path, std::string data = "d") {
  return Txn{.zxid = zxid,
             .op = Op{.type = OpType::kCreate, .path = std::move(path), .data = std::move(data)}};
}

std::vector<std::string> Records(const std::vector<Txn>& txns) {
  std::vector<std::string> records;
  for (const Txn& txn : txns) records.push_back(EncodeTxn(txn));
  return records;
}

// Snapshot returns the tree after `txns`, as a snapshot file would hold it.
DataTree TreeAfter(const std::vector<Txn>& txns) {
  DataTree tree;
  for (const Txn& txn : txns) tree.Apply(txn);
  return tree;
}

std::vector<Zxid> Zxids(const std::vector<Txn>& txns) {
  std::vector<Zxid> zxids;
  for (const Txn& txn : txns) zxids.push_back(txn.zxid);
  return zxids;
}

LoadedDatabase Load(const DiskContents& disk) {
  absl::StatusOr<LoadedDatabase> db = LoadDatabase(disk);
  EXPECT_TRUE(db.ok()) << base::Text(db.status());
  return db.ok() ? *std::move(db) : LoadedDatabase{};
}

// --- File names ------------------------------------------------------------------------

TEST(FileNames, AreThePrefixAndSixteenLowercaseHexDigits) {
  EXPECT_EQ(LogSegmentName(Z(1, 3)), "log.0000000100000003");
  EXPECT_EQ(SnapshotName(Zxid{0xabcdef0123456789}), "snapshot.abcdef0123456789");
  EXPECT_EQ(SnapshotName(Zxid{}), "snapshot.0000000000000000");
}

TEST(FileNames, ParseInvertsTheNames) {
  for (const Zxid z : {Zxid{}, Z(1, 3), Zxid{~uint64_t{0}}}) {
    EXPECT_EQ(ParseSegmentName(LogSegmentName(z)), z);
    EXPECT_EQ(ParseSnapshotName(SnapshotName(z)), z);
    EXPECT_EQ(ParseSegmentName(SnapshotName(z)), std::nullopt);
    EXPECT_EQ(ParseSnapshotName(LogSegmentName(z)), std::nullopt);
  }
}

TEST(FileNames, ParseRejectsNearMisses) {
  for (const std::string_view name :
       {"log.", "log.000000010000000", "log.00000001000000030", "log.000000010000000A",
        "log.000000010000000g", "log.-000000100000003", "log.+000000100000003",
        "Log.0000000100000003", "log0000000100000003", "log.0000000100000003 ",
        " log.0000000100000003", "log.0x00000100000003", "acceptedEpoch", ""}) {
    EXPECT_EQ(ParseSegmentName(name), std::nullopt) << name;
  }
  EXPECT_EQ(ParseSnapshotName("snapshot.000000010000000"), std::nullopt);
  EXPECT_EQ(ParseSnapshotName("snapshot.00000001000000030"), std::nullopt);
  EXPECT_EQ(ParseSnapshotName("snapshot.ABCDEF0123456789"), std::nullopt);
  EXPECT_EQ(ParseSnapshotName("snapshots.0000000100000003"), std::nullopt);
}

// --- Txn records -----------------------------------------------------------------------

rc::Gen<Txn> GenTxn() {
  return rc::gen::map(
      rc::gen::tuple(rc::gen::arbitrary<uint64_t>(), rc::gen::arbitrary<uint64_t>(),
                     rc::gen::arbitrary<uint64_t>(),
                     rc::gen::element(OpType::kCreateSession, OpType::kCloseSession,
                                      OpType::kCreate, OpType::kSetData, OpType::kDelete),
                     rc::gen::arbitrary<std::string>(), rc::gen::arbitrary<std::string>(),
                     rc::gen::arbitrary<int32_t>(), rc::gen::arbitrary<bool>()),
      [](const auto& t) {
        const auto& [zxid, session, cxid, type, path, data, version, ephemeral] = t;
        return Txn{.zxid = Zxid{zxid},
                   .session = session,
                   .cxid = cxid,
                   .op = Op{.type = type,
                            .path = path,
                            .data = data,
                            .version = version,
                            .ephemeral = ephemeral}};
      });
}

RC_GTEST_PROP(TxnRecord, DecodeInvertsEncode, ()) {
  const Txn txn = *GenTxn();
  const absl::StatusOr<Txn> decoded = DecodeTxn(EncodeTxn(txn));
  RC_ASSERT(decoded.ok());
  RC_ASSERT(*decoded == txn);
}

RC_GTEST_PROP(TxnRecord, DecodeRejectsTruncationsAndTrailingBytes, ()) {
  const std::string bytes = EncodeTxn(*GenTxn());
  const size_t cut = *rc::gen::inRange<size_t>(0, bytes.size());
  RC_ASSERT(!DecodeTxn(std::string_view(bytes).substr(0, cut)).ok());
  const std::string extra = *rc::gen::nonEmpty<std::string>();
  RC_ASSERT(!DecodeTxn(bytes + extra).ok());
}

RC_GTEST_PROP(TxnRecord, DecodeNeverCrashesOnRandomBytes, (std::string bytes)) {
  const absl::StatusOr<Txn> txn = DecodeTxn(bytes);
  if (txn.ok()) RC_ASSERT(EncodeTxn(*txn) == bytes);
}

TEST(TxnRecord, DecodeRejectsEveryTruncation) {
  const std::string bytes = EncodeTxn(CreateTxn(Z(1, 1), "/a", "xyz"));
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DecodeTxn(std::string_view(bytes).substr(0, n)).ok()) << n;
  }
}

// The op type is the byte after three u64s; the ephemeral flag is the last byte.
constexpr size_t kTypeOffset = 24;

TEST(TxnRecord, DecodeRejectsReadAndUnknownOpTypes) {
  const std::string good = EncodeTxn(CreateTxn(Z(1, 1), "/a"));
  ASSERT_EQ(good[kTypeOffset], static_cast<char>(OpType::kCreate));
  for (const int type : {static_cast<int>(OpType::kGetData), static_cast<int>(OpType::kExists),
                         static_cast<int>(OpType::kSync), 8, 255}) {
    std::string bad = good;
    bad[kTypeOffset] = static_cast<char>(type);
    const absl::StatusOr<Txn> txn = DecodeTxn(bad);
    ASSERT_FALSE(txn.ok()) << type;
    EXPECT_EQ(txn.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(TxnRecord, DecodeRejectsAnEphemeralFlagOtherThanZeroOrOne) {
  std::string bad = EncodeTxn(CreateTxn(Z(1, 1), "/a"));
  bad[bad.size() - 7] = 2;  // The flag, before prepared (1), error (1) and new_version (4).
  EXPECT_FALSE(DecodeTxn(bad).ok());
}

TEST(TxnRecord, KeepsWhatTheLeaderPrepared) {
  Txn txn = CreateTxn(Z(1, 1), "/a");
  txn.prepared = true;
  txn.error = Code::kBadVersion;
  txn.new_version = -5;
  EXPECT_EQ(DecodeTxn(EncodeTxn(txn)).value(), txn);
  std::string bad = EncodeTxn(txn);
  bad[bad.size() - 6] = 2;  // prepared is 0 or 1.
  EXPECT_FALSE(DecodeTxn(bad).ok());
  bad = EncodeTxn(txn);
  bad[bad.size() - 5] = 99;  // No such code.
  EXPECT_FALSE(DecodeTxn(bad).ok());
}

// --- Epoch records ---------------------------------------------------------------------

TEST(EpochRecord, IsTheDecimalEpoch) {
  EXPECT_EQ(EncodeEpoch(Epoch{0}), "0");
  EXPECT_EQ(EncodeEpoch(Epoch{4294967295u}), "4294967295");
  EXPECT_EQ(DecodeEpoch("17").value(), Epoch{17});
  EXPECT_EQ(DecodeEpoch("4294967295").value(), Epoch{4294967295u});
}

TEST(EpochRecord, DecodeRejectsAnythingButOneToTenDigitsWithinUint32) {
  for (const std::string_view bad :
       {"", "4294967296", "99999999999", "12345678901", "-1", "+1", " 1", "1 ", "1a", "0x1"}) {
    EXPECT_FALSE(DecodeEpoch(bad).ok()) << bad;
  }
}

RC_GTEST_PROP(EpochRecord, DecodeInvertsEncode, (uint32_t value)) {
  RC_ASSERT(DecodeEpoch(EncodeEpoch(Epoch{value})).value() == Epoch{value});
}

// --- LoadDatabase ----------------------------------------------------------------------

TEST(LoadDatabase, AnEmptyDiskGivesAnEmptyTree) {
  const LoadedDatabase db = Load({});
  EXPECT_EQ(db.tree, DataTree());
  EXPECT_EQ(db.snapshot_zxid, Zxid{});
  EXPECT_TRUE(db.log.empty());
  EXPECT_TRUE(db.replayed.empty());
}

TEST(LoadDatabase, ReplaysTheLogAfterTheSnapshot) {
  const std::vector<Txn> txns = {CreateTxn(Z(1, 1), "/a"), CreateTxn(Z(1, 2), "/b"),
                                 CreateTxn(Z(1, 3), "/c"), CreateTxn(Z(1, 4), "/a/d")};
  DiskContents disk;
  // A fuzzy snapshot: the segment starting at 0x100000001 overlaps it.
  disk[SnapshotName(Z(1, 2))] = {TreeAfter({txns[0], txns[1]}).Serialize()};
  disk[LogSegmentName(Z(1, 1))] = Records({txns[0], txns[1], txns[2]});
  disk[LogSegmentName(Z(1, 4))] = Records({txns[3]});
  disk["acceptedEpoch"] = {"1"};  // Other files are ignored.
  const LoadedDatabase db = Load(disk);
  EXPECT_EQ(db.snapshot_zxid, Z(1, 2));
  EXPECT_EQ(db.log, txns);
  EXPECT_EQ(Zxids(db.replayed), (std::vector<Zxid>{Z(1, 3), Z(1, 4)}));
  EXPECT_EQ(db.tree, TreeAfter(txns));
}

TEST(LoadDatabase, ReplaysTheWholeLogWithoutASnapshot) {
  const std::vector<Txn> txns = {CreateTxn(Z(1, 1), "/a"), CreateTxn(Z(2, 1), "/b")};
  DiskContents disk;
  disk[LogSegmentName(Z(1, 1))] = Records({txns[0]});
  disk[LogSegmentName(Z(2, 1))] = Records({txns[1]});
  const LoadedDatabase db = Load(disk);
  EXPECT_EQ(db.snapshot_zxid, Zxid{});
  EXPECT_EQ(db.replayed, txns);
  EXPECT_EQ(db.tree.last_processed_zxid(), Z(2, 1));
}

TEST(LoadDatabase, ReplaysTheUncommittedTailToo) {
  // The disk knows nothing of commits: every logged txn is replayed, the last one included
  // even if no quorum ever acknowledged it.
  const std::vector<Txn> txns = {CreateTxn(Z(1, 1), "/a"), CreateTxn(Z(1, 2), "/a/tail")};
  const LoadedDatabase db = Load({{LogSegmentName(Z(1, 1)), Records(txns)}});
  EXPECT_EQ(db.replayed, txns);
  EXPECT_NE(db.tree.Find("/a/tail"), nullptr);
}

TEST(LoadDatabase, FallsBackToAnOlderSnapshotWhenTheNewestIsCorrupt) {
  const std::vector<Txn> txns = {CreateTxn(Z(1, 1), "/a"), CreateTxn(Z(1, 2), "/b"),
                                 CreateTxn(Z(1, 3), "/c")};
  DiskContents disk;
  disk[SnapshotName(Z(1, 1))] = {TreeAfter({txns[0]}).Serialize()};
  std::string torn = TreeAfter({txns[0], txns[1]}).Serialize();
  torn.pop_back();
  disk[SnapshotName(Z(1, 2))] = {torn};
  disk[SnapshotName(Z(1, 3))] = {};                                       // No record.
  disk[SnapshotName(Z(1, 4))] = {TreeAfter(txns).Serialize()};            // Wrong zxid.
  disk[SnapshotName(Z(1, 5))] = {TreeAfter(txns).Serialize(), "extra"};  // Two records.
  disk[LogSegmentName(Z(1, 1))] = Records(txns);
  const LoadedDatabase db = Load(disk);
  EXPECT_EQ(db.snapshot_zxid, Z(1, 1));
  EXPECT_EQ(Zxids(db.replayed), (std::vector<Zxid>{Z(1, 2), Z(1, 3)}));
  EXPECT_EQ(db.tree, TreeAfter(txns));
}

TEST(LoadDatabase, StartsFromAnEmptyTreeWhenNoSnapshotIsUsable) {
  DiskContents disk;
  disk[SnapshotName(Z(1, 1))] = {"garbage"};
  disk[LogSegmentName(Z(1, 1))] = Records({CreateTxn(Z(1, 1), "/a")});
  const LoadedDatabase db = Load(disk);
  EXPECT_EQ(db.snapshot_zxid, Zxid{});
  EXPECT_EQ(db.replayed.size(), 1u);
}

TEST(LoadDatabase, StopsAtTheFirstBadLogRecordInEverySegment) {
  const std::vector<Txn> txns = {CreateTxn(Z(1, 1), "/a"), CreateTxn(Z(1, 2), "/b"),
                                 CreateTxn(Z(1, 3), "/c"), CreateTxn(Z(1, 4), "/d")};
  std::vector<std::string> first = Records({txns[0], txns[1], txns[2]});
  first[1] = "torn";
  DiskContents disk;
  disk[LogSegmentName(Z(1, 1))] = first;
  disk[LogSegmentName(Z(1, 4))] = Records({txns[3]});
  const LoadedDatabase db = Load(disk);
  EXPECT_EQ(Zxids(db.log), std::vector<Zxid>{Z(1, 1)});
  EXPECT_EQ(db.tree, TreeAfter({txns[0]}));
}

TEST(LoadDatabase, StopsAtANonIncreasingZxid) {
  const std::vector<Txn> txns = {CreateTxn(Z(1, 1), "/a"), CreateTxn(Z(1, 2), "/b"),
                                 CreateTxn(Z(1, 2), "/dup"), CreateTxn(Z(1, 3), "/c")};
  const LoadedDatabase db = Load({{LogSegmentName(Z(1, 1)), Records(txns)}});
  EXPECT_EQ(Zxids(db.log), (std::vector<Zxid>{Z(1, 1), Z(1, 2)}));
  EXPECT_EQ(db.tree.Find("/dup"), nullptr);
}

TEST(LoadDatabase, StopsAtASegmentThatOverlapsThePreviousOne) {
  DiskContents disk;
  disk[LogSegmentName(Z(1, 1))] = Records({CreateTxn(Z(1, 1), "/a"), CreateTxn(Z(1, 2), "/b")});
  disk[LogSegmentName(Z(1, 2))] = Records({CreateTxn(Z(1, 2), "/x"), CreateTxn(Z(1, 3), "/y")});
  const LoadedDatabase db = Load(disk);
  EXPECT_EQ(Zxids(db.log), (std::vector<Zxid>{Z(1, 1), Z(1, 2)}));
}

TEST(LoadDatabase, StopsAtASegmentWhoseFirstZxidDiffersFromItsName) {
  DiskContents disk;
  disk[LogSegmentName(Z(1, 1))] = Records({CreateTxn(Z(1, 1), "/a")});
  disk[LogSegmentName(Z(1, 2))] = Records({CreateTxn(Z(1, 3), "/b")});
  disk[LogSegmentName(Z(1, 4))] = Records({CreateTxn(Z(1, 4), "/c")});
  const LoadedDatabase db = Load(disk);
  EXPECT_EQ(Zxids(db.log), std::vector<Zxid>{Z(1, 1)});
}

TEST(LoadDatabase, SkipsAnEmptySegment) {
  DiskContents disk;
  disk[LogSegmentName(Z(1, 1))] = Records({CreateTxn(Z(1, 1), "/a")});
  disk[LogSegmentName(Z(1, 2))] = {};
  disk[LogSegmentName(Z(1, 3))] = Records({CreateTxn(Z(1, 3), "/b")});
  EXPECT_EQ(Zxids(Load(disk).log), (std::vector<Zxid>{Z(1, 1), Z(1, 3)}));
}

// --- LoadEpochs ------------------------------------------------------------------------

TEST(LoadEpochs, MissingFilesDefaultToTheLastZxidsEpochAndMustBeWritten) {
  const absl::StatusOr<Epochs> epochs = LoadEpochs({}, Z(3, 7));
  ASSERT_TRUE(epochs.ok()) << base::Text(epochs.status());
  EXPECT_EQ(epochs->current, Epoch{3});
  EXPECT_EQ(epochs->accepted, Epoch{3});
  EXPECT_TRUE(epochs->wrote_current);
  EXPECT_TRUE(epochs->wrote_accepted);
}

TEST(LoadEpochs, AnEmptyFileCountsAsMissing) {
  const DiskContents disk = {{std::string(kCurrentEpochFile), {}},
                             {std::string(kAcceptedEpochFile), {"4"}}};
  const absl::StatusOr<Epochs> epochs = LoadEpochs(disk, Z(3, 7));
  ASSERT_TRUE(epochs.ok()) << base::Text(epochs.status());
  EXPECT_EQ(epochs->current, Epoch{3});
  EXPECT_EQ(epochs->accepted, Epoch{4});
  EXPECT_TRUE(epochs->wrote_current);
  EXPECT_FALSE(epochs->wrote_accepted);
}

TEST(LoadEpochs, ReadsBothFiles) {
  const DiskContents disk = {{std::string(kCurrentEpochFile), {"5"}},
                             {std::string(kAcceptedEpochFile), {"6"}}};
  const absl::StatusOr<Epochs> epochs = LoadEpochs(disk, Z(4, 2));
  ASSERT_TRUE(epochs.ok()) << base::Text(epochs.status());
  EXPECT_EQ(epochs->current, Epoch{5});
  EXPECT_EQ(epochs->accepted, Epoch{6});
  EXPECT_FALSE(epochs->wrote_current);
  EXPECT_FALSE(epochs->wrote_accepted);
}

TEST(LoadEpochs, RefusesToStartWhenTheLastZxidIsNewerThanCurrentEpoch) {
  const DiskContents disk = {{std::string(kCurrentEpochFile), {"2"}},
                             {std::string(kAcceptedEpochFile), {"3"}}};
  const absl::StatusOr<Epochs> epochs = LoadEpochs(disk, Z(3, 1));
  ASSERT_EQ(epochs.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(base::Text(epochs.status()).find("current epoch 2"), std::string_view::npos);
  EXPECT_NE(base::Text(epochs.status()).find("0x300000001"), std::string_view::npos);
}

TEST(LoadEpochs, RefusesToStartWhenAcceptedEpochIsBelowCurrentEpoch) {
  const DiskContents disk = {{std::string(kCurrentEpochFile), {"4"}},
                             {std::string(kAcceptedEpochFile), {"3"}}};
  const absl::StatusOr<Epochs> epochs = LoadEpochs(disk, Z(2, 1));
  ASSERT_EQ(epochs.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(base::Text(epochs.status()).find("accepted epoch 3"), std::string_view::npos);
}

TEST(LoadEpochs, AMissingCurrentEpochStillFailsAgainstAnOlderAcceptedEpoch) {
  const DiskContents disk = {{std::string(kAcceptedEpochFile), {"1"}}};
  EXPECT_EQ(LoadEpochs(disk, Z(2, 1)).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(LoadEpochs, RejectsBadRecordsAsDataLoss) {
  const std::vector<DiskContents> disks = {
      {{std::string(kCurrentEpochFile), {"1", "2"}}},
      {{std::string(kAcceptedEpochFile), {"x"}}},
      {{std::string(kCurrentEpochFile), {"99999999999"}}},
  };
  for (const DiskContents& disk : disks) {
    const absl::StatusOr<Epochs> epochs = LoadEpochs(disk, Z(1, 1));
    ASSERT_EQ(epochs.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_NE(base::Text(epochs.status()).find(disk.begin()->first), std::string_view::npos)
        << base::Text(epochs.status());
  }
}

}  // namespace
}  // namespace zabsim::zab

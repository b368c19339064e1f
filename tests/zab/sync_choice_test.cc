// Tests of ChooseSync, the leader's LearnerHandler.syncFollower (fact sheet §6.1): which
// of DIFF, TRUNC and SNAP a learner gets, which PROPOSAL+COMMIT pairs follow, and where
// startForwarding takes over. One table row per branch, then a property over random
// histories: whatever the plan, the learner ends up with exactly the leader's history.

#include "zab/sync_choice.h"

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "tests/zab/fake_outbox.h"
#include "zab/core.h"
#include "zab/database.h"
#include "zab/storage.h"

namespace zabsim::zab {
namespace {

using ::testing::ElementsAreArray;
using testing::TxnAt;
using testing::Z;

TxnPtr T(Zxid zxid) { return std::make_shared<const Txn>(TxnAt(zxid)); }

std::deque<TxnPtr> Log(const std::vector<Zxid>& zxids) {
  std::deque<TxnPtr> log;
  for (const Zxid z : zxids) log.push_back(T(z));
  return log;
}

std::vector<Zxid> Zxids(const std::vector<TxnPtr>& txns) {
  std::vector<Zxid> out;
  for (const TxnPtr& t : txns) out.push_back(t->zxid);
  return out;
}

// Hex writes zxids as ZooKeeper logs them, for readable failures.
std::vector<std::string> Hex(const std::vector<Zxid>& zxids) {
  std::vector<std::string> out;
  for (const Zxid z : zxids) out.push_back(ToString(z));
  return out;
}

// Range returns (epoch, first) .. (epoch, last).
std::vector<Zxid> Range(uint32_t epoch, uint32_t first, uint32_t last) {
  std::vector<Zxid> out;
  for (uint32_t c = first; c <= last; ++c) out.push_back(Z(epoch, c));
  return out;
}

std::vector<Zxid> Concat(std::vector<Zxid> a, const std::vector<Zxid>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// TxnLogOver reads a leader's txn log, one file, as Database::ProposalsFromTxnLog does
// (ZKDatabase.getProposalsFromTxnLog, readTxnLog(zxid, fastForward = false)): nothing if
// the log does not start at or below `from`, else the whole file that holds `from`, so
// that the txns just below it are seen too.
TxnLogReader TxnLogOver(const std::vector<Zxid>& zxids) {
  std::vector<TxnPtr> log;
  for (const Zxid z : zxids) log.push_back(T(z));
  return [log](Zxid from) -> std::optional<std::vector<TxnPtr>> {
    if (log.empty() || log.front()->zxid > from) return std::nullopt;
    return log;
  };
}

// A txn log that is there but too large to send from (sizeLimit exceeded).
TxnLogReader TxnLogTooLarge() {
  return [](Zxid) -> std::optional<std::vector<TxnPtr>> { return std::nullopt; };
}

// --- The table ---------------------------------------------------------------------------

struct Row {
  std::string rule;  // The test name: the branch of syncFollower it pins.
  Zxid peer_last;
  std::vector<Zxid> committed_log;
  Zxid last_processed;
  TxnLogReader txn_log;
  Bugs bugs;
  // Expected.
  SyncMode mode;
  Zxid packet_zxid;  // DIFF / TRUNC only.
  std::vector<Zxid> txns;
  Zxid forward_from;
};

std::ostream& operator<<(std::ostream& os, const Row& row) { return os << row.rule; }

Bugs Zk1154() {
  Bugs bugs;
  bugs.zk1154 = true;
  return bugs;
}

// clang-format off
const std::vector<Row>& Rows() {
  static const std::vector<Row>* rows = new std::vector<Row>{
      // (A) lastProcessedZxid == peerLastZxid.
      {.rule = "PeerInSyncGetsEmptyDiffWithItsOwnZxid",
       .peer_last = Z(1, 5), .committed_log = Range(1, 1, 5), .last_processed = Z(1, 5),
       .mode = SyncMode::kDiff, .packet_zxid = Z(1, 5), .txns = {}, .forward_from = Z(1, 5)},
      {.rule = "PeerAtTheLeadersNewEpochMarkerIsInSync",
       .peer_last = Z(2, 0), .committed_log = Range(1, 1, 5), .last_processed = Z(2, 0),
       .mode = SyncMode::kDiff, .packet_zxid = Z(2, 0), .txns = {}, .forward_from = Z(2, 0)},
      // (B) peer above maxCommittedLog, not at (e, 0).
      {.rule = "PeerAheadOfMaxCommittedIsTruncatedToMax",
       .peer_last = Z(1, 7), .committed_log = Range(1, 1, 5), .last_processed = Z(1, 5),
       .mode = SyncMode::kTrunc, .packet_zxid = Z(1, 5), .txns = {}, .forward_from = Z(1, 5)},
      {.rule = "PeerAheadInALaterEpochIsTruncatedToMax",
       .peer_last = Z(2, 3), .committed_log = Range(1, 1, 5), .last_processed = Z(1, 5),
       .mode = SyncMode::kTrunc, .packet_zxid = Z(1, 5), .txns = {}, .forward_from = Z(1, 5)},
      // Unhandled: (e, 0) above max is never truncated; a snapshot instead.
      {.rule = "PeerAtEpochStartAboveMaxGetsSnap",
       .peer_last = Z(2, 0), .committed_log = Range(1, 1, 5), .last_processed = Z(1, 5),
       .mode = SyncMode::kSnap, .forward_from = Z(1, 5)},
      // (C) inside [min, max].
      {.rule = "PeerInsideTheLogGetsDiffOfMaxAndExactlyTheTxnsAbove",
       .peer_last = Z(1, 2), .committed_log = Range(1, 1, 5), .last_processed = Z(1, 5),
       .mode = SyncMode::kDiff, .packet_zxid = Z(1, 5), .txns = Range(1, 3, 5),
       .forward_from = Z(1, 5)},
      {.rule = "PeerAtMinCommittedGetsEverythingAfterIt",
       .peer_last = Z(1, 1), .committed_log = Range(1, 1, 5), .last_processed = Z(1, 5),
       .mode = SyncMode::kDiff, .packet_zxid = Z(1, 5), .txns = Range(1, 2, 5),
       .forward_from = Z(1, 5)},
      {.rule = "PeerAtMaxAfterTheLeaderStartedItsEpochGetsEmptyDiffOfMax",
       .peer_last = Z(1, 5), .committed_log = Range(1, 1, 5), .last_processed = Z(2, 0),
       .mode = SyncMode::kDiff, .packet_zxid = Z(1, 5), .txns = {}, .forward_from = Z(1, 5)},
      {.rule = "PeerWithAZxidTheLeaderNeverSawIsTruncatedToTheLeadersZxidBelow",
       .peer_last = Z(1, 3), .committed_log = {Z(1, 1), Z(1, 2), Z(1, 4), Z(1, 5)},
       .last_processed = Z(1, 5), .mode = SyncMode::kTrunc, .packet_zxid = Z(1, 2),
       .txns = {Z(1, 4), Z(1, 5)}, .forward_from = Z(1, 5)},
      // No TRUNC across epochs: syncFollower forwards from the peer's zxid, then SNAPs.
      {.rule = "PeerWithAnUnknownZxidGetsSnapWhenTheNextLeaderTxnIsInAnotherEpoch",
       .peer_last = Z(1, 3), .committed_log = {Z(1, 1), Z(1, 2), Z(2, 1), Z(2, 2)},
       .last_processed = Z(2, 2), .mode = SyncMode::kSnap, .forward_from = Z(1, 3)},
      {.rule = "PeerAtEpochStartInsideTheLogGetsDiffThenEverythingAbove",
       .peer_last = Z(2, 0), .committed_log = {Z(1, 1), Z(1, 2), Z(2, 1), Z(2, 2)},
       .last_processed = Z(2, 2), .mode = SyncMode::kDiff, .packet_zxid = Z(2, 2),
       .txns = {Z(2, 1), Z(2, 2)}, .forward_from = Z(2, 2)},
      {.rule = "PeerAtEpochStartIsNeverTruncatedEvenAcrossEpochs",
       .peer_last = Z(2, 0), .committed_log = {Z(1, 1), Z(1, 2), Z(3, 1)},
       .last_processed = Z(3, 1), .mode = SyncMode::kDiff, .packet_zxid = Z(3, 1),
       .txns = {Z(3, 1)}, .forward_from = Z(3, 1)},
      // Empty committed log: min = max = lastProcessedZxid.
      {.rule = "EmptyCommittedLogPeerAtLastProcessedIsInSync",
       .peer_last = Z(1, 5), .committed_log = {}, .last_processed = Z(1, 5),
       .mode = SyncMode::kDiff, .packet_zxid = Z(1, 5), .txns = {}, .forward_from = Z(1, 5)},
      {.rule = "EmptyCommittedLogPeerAheadIsTruncatedToLastProcessed",
       .peer_last = Z(1, 7), .committed_log = {}, .last_processed = Z(1, 5),
       .mode = SyncMode::kTrunc, .packet_zxid = Z(1, 5), .txns = {}, .forward_from = Z(1, 5)},
      {.rule = "EmptyCommittedLogPeerBehindWithoutTxnLogGetsSnap",
       .peer_last = Z(1, 3), .committed_log = {}, .last_processed = Z(1, 5),
       .mode = SyncMode::kSnap, .forward_from = Z(1, 5)},
      {.rule = "EmptyCommittedLogPeerBehindIsServedFromTheTxnLog",
       .peer_last = Z(1, 3), .committed_log = {}, .last_processed = Z(1, 5),
       .txn_log = TxnLogOver(Range(1, 1, 5)), .mode = SyncMode::kDiff,
       .packet_zxid = Z(1, 5), .txns = Range(1, 4, 5), .forward_from = Z(1, 5)},
      // (D) below minCommittedLog: txn log, then committed log.
      {.rule = "PeerBelowTheLogGetsTxnLogThenCommittedLogWithoutDuplicates",
       .peer_last = Z(1, 3), .committed_log = Range(1, 6, 10), .last_processed = Z(1, 10),
       .txn_log = TxnLogOver(Range(1, 1, 10)), .mode = SyncMode::kDiff,
       .packet_zxid = Z(1, 10), .txns = Range(1, 4, 10), .forward_from = Z(1, 10)},
      {.rule = "PeerBelowTheLogAcrossEpochsGetsTxnLogThenCommittedLog",
       .peer_last = Z(1, 3), .committed_log = Concat(Range(2, 1, 3), Range(3, 1, 2)),
       .last_processed = Z(3, 2),
       .txn_log = TxnLogOver(Concat(Concat(Range(1, 1, 4), Range(2, 1, 3)), Range(3, 1, 2))),
       .mode = SyncMode::kDiff, .packet_zxid = Z(3, 2),
       .txns = Concat(Concat({Z(1, 4)}, Range(2, 1, 3)), Range(3, 1, 2)),
       .forward_from = Z(3, 2)},
      {.rule = "PeerAtEpochStartBelowTheLogIsServedFromTheTxnLog",
       .peer_last = Z(2, 0), .committed_log = Range(2, 1, 3), .last_processed = Z(2, 3),
       .txn_log = TxnLogOver(Concat({Z(1, 5)}, Range(2, 1, 3))), .mode = SyncMode::kDiff,
       .packet_zxid = Z(2, 3), .txns = Range(2, 1, 3), .forward_from = Z(2, 3)},
      {.rule = "PeerBelowTheLogWithAnUnknownZxidIsTruncatedFromTheTxnLog",
       .peer_last = Z(1, 3), .committed_log = Range(1, 6, 8), .last_processed = Z(1, 8),
       .txn_log = TxnLogOver(Concat({Z(1, 1), Z(1, 2)}, Range(1, 4, 8))),
       .mode = SyncMode::kTrunc, .packet_zxid = Z(1, 2), .txns = Range(1, 4, 8),
       .forward_from = Z(1, 8)},
      {.rule = "PeerBelowTheLogGetsSnapWhenTheTxnLogIsTooLarge",
       .peer_last = Z(1, 3), .committed_log = Range(1, 6, 10), .last_processed = Z(1, 10),
       .txn_log = TxnLogTooLarge(), .mode = SyncMode::kSnap, .forward_from = Z(1, 10)},
      {.rule = "PeerBelowTheLogGetsSnapWhenTheTxnLogDoesNotReachBack",
       .peer_last = Z(1, 3), .committed_log = Range(1, 6, 10), .last_processed = Z(1, 10),
       .txn_log = TxnLogOver(Range(1, 4, 10)), .mode = SyncMode::kSnap,
       .forward_from = Z(1, 10)},
      {.rule = "PeerBelowTheLogGetsSnapWithoutTxnLogSync",
       .peer_last = Z(1, 3), .committed_log = Range(1, 6, 10), .last_processed = Z(1, 10),
       .txn_log = nullptr, .mode = SyncMode::kSnap, .forward_from = Z(1, 10)},
      {.rule = "GapBetweenTxnLogAndCommittedLogGetsSnap",
       .peer_last = Z(1, 2), .committed_log = Range(1, 6, 10), .last_processed = Z(1, 10),
       .txn_log = TxnLogOver(Range(1, 1, 3)), .mode = SyncMode::kSnap,
       .forward_from = Z(1, 10)},
      {.rule = "PeerBelowTheLogWithAnUnknownZxidGetsSnapAcrossEpochs",
       .peer_last = Z(1, 3), .committed_log = Range(2, 3, 5), .last_processed = Z(2, 5),
       .txn_log = TxnLogOver(Concat({Z(1, 1), Z(1, 2)}, Range(2, 1, 5))),
       .mode = SyncMode::kSnap, .forward_from = Z(2, 5)},
      // ZOOKEEPER-1154 switched on: DIFF without looking the peer's zxid up.
      {.rule = "Zk1154SendsDiffSoAPeerTxnTheLeaderNeverSawSurvives",
       .peer_last = Z(1, 3), .committed_log = {Z(1, 1), Z(1, 2), Z(1, 4), Z(1, 5)},
       .last_processed = Z(1, 5), .bugs = Zk1154(), .mode = SyncMode::kDiff,
       .packet_zxid = Z(1, 5), .txns = {Z(1, 4), Z(1, 5)}, .forward_from = Z(1, 5)},
      {.rule = "Zk1154SendsDiffEvenAcrossEpochs",
       .peer_last = Z(1, 3), .committed_log = {Z(1, 1), Z(1, 2), Z(2, 1), Z(2, 2)},
       .last_processed = Z(2, 2), .bugs = Zk1154(), .mode = SyncMode::kDiff,
       .packet_zxid = Z(2, 2), .txns = {Z(2, 1), Z(2, 2)}, .forward_from = Z(2, 2)},
  };
  return *rows;
}
// clang-format on

class SyncFollowerTable : public ::testing::TestWithParam<Row> {};

TEST_P(SyncFollowerTable, ChoosesAsSyncFollowerDoes) {
  // Init.
  const Row& row = GetParam();
  const std::deque<TxnPtr> committed = Log(row.committed_log);
  // Step.
  const SyncPlan plan =
      ChooseSync(row.peer_last, committed, row.last_processed, row.txn_log, row.bugs);
  // Check.
  EXPECT_EQ(ToString(plan.mode), ToString(row.mode)) << plan.why;
  if (row.mode != SyncMode::kSnap) {
    EXPECT_EQ(ToString(plan.packet_zxid), ToString(row.packet_zxid));
  }
  EXPECT_THAT(Hex(Zxids(plan.txns)), ElementsAreArray(Hex(row.txns)));
  EXPECT_EQ(ToString(plan.forward_from), ToString(row.forward_from));
  EXPECT_FALSE(plan.why.empty());
}

INSTANTIATE_TEST_SUITE_P(Branches, SyncFollowerTable, ::testing::ValuesIn(Rows()),
                         [](const ::testing::TestParamInfo<Row>& p) { return p.param.rule; });

// Each branch names itself with coverage marks (zab/coverage.h): the mode, its reason, and
// ZK-1154's mark when the switch changed the plan.
const std::map<std::string, std::vector<std::string_view>>& ExpectedMarks() {
  static const auto* marks = new std::map<std::string, std::vector<std::string_view>>{
      {"PeerInSyncGetsEmptyDiffWithItsOwnZxid", {"sync.diff", "sync.diff.in-sync"}},
      {"PeerAtTheLeadersNewEpochMarkerIsInSync", {"sync.diff", "sync.diff.in-sync"}},
      {"PeerAheadOfMaxCommittedIsTruncatedToMax", {"sync.trunc", "sync.trunc.peer-ahead"}},
      {"PeerAheadInALaterEpochIsTruncatedToMax", {"sync.trunc", "sync.trunc.peer-ahead"}},
      {"PeerAtEpochStartAboveMaxGetsSnap", {"sync.snap", "sync.snap.unhandled"}},
      {"PeerInsideTheLogGetsDiffOfMaxAndExactlyTheTxnsAbove", {"sync.diff", "sync.diff.committed-log"}},
      {"PeerAtMinCommittedGetsEverythingAfterIt", {"sync.diff", "sync.diff.committed-log"}},
      {"PeerAtMaxAfterTheLeaderStartedItsEpochGetsEmptyDiffOfMax", {"sync.diff", "sync.diff.committed-log"}},
      {"PeerWithAZxidTheLeaderNeverSawIsTruncatedToTheLeadersZxidBelow",
       {"sync.trunc", "sync.trunc.committed-log"}},
      {"PeerWithAnUnknownZxidGetsSnapWhenTheNextLeaderTxnIsInAnotherEpoch",
       {"sync.snap", "sync.snap.trunc-crosses-epoch"}},
      {"PeerAtEpochStartInsideTheLogGetsDiffThenEverythingAbove",
       {"sync.diff", "sync.diff.committed-log", "sync.diff.new-epoch-zxid"}},
      {"PeerAtEpochStartIsNeverTruncatedEvenAcrossEpochs",
       {"sync.diff", "sync.diff.committed-log", "sync.diff.new-epoch-zxid"}},
      {"EmptyCommittedLogPeerAtLastProcessedIsInSync", {"sync.diff", "sync.diff.in-sync"}},
      {"EmptyCommittedLogPeerAheadIsTruncatedToLastProcessed", {"sync.trunc", "sync.trunc.peer-ahead"}},
      {"EmptyCommittedLogPeerBehindWithoutTxnLogGetsSnap", {"sync.snap", "sync.snap.behind"}},
      {"EmptyCommittedLogPeerBehindIsServedFromTheTxnLog", {"sync.diff", "sync.diff.txn-log"}},
      {"PeerBelowTheLogGetsTxnLogThenCommittedLogWithoutDuplicates", {"sync.diff", "sync.diff.txn-log"}},
      {"PeerBelowTheLogAcrossEpochsGetsTxnLogThenCommittedLog", {"sync.diff", "sync.diff.txn-log"}},
      {"PeerAtEpochStartBelowTheLogIsServedFromTheTxnLog",
       {"sync.diff", "sync.diff.txn-log", "sync.diff.new-epoch-zxid"}},
      {"PeerBelowTheLogWithAnUnknownZxidIsTruncatedFromTheTxnLog", {"sync.trunc", "sync.trunc.txn-log"}},
      {"PeerBelowTheLogGetsSnapWhenTheTxnLogIsTooLarge", {"sync.snap", "sync.snap.txn-log-too-far"}},
      {"PeerBelowTheLogGetsSnapWhenTheTxnLogDoesNotReachBack", {"sync.snap", "sync.snap.txn-log-too-far"}},
      {"PeerBelowTheLogGetsSnapWithoutTxnLogSync", {"sync.snap", "sync.snap.behind"}},
      // ZooKeeper too calls a txn-log pass that stops below the committed log a gap,
      // whether it stopped at an epoch or at the log's end.
      {"GapBetweenTxnLogAndCommittedLogGetsSnap", {"sync.snap", "sync.snap.txn-log-gap"}},
      {"PeerBelowTheLogWithAnUnknownZxidGetsSnapAcrossEpochs", {"sync.snap", "sync.snap.txn-log-gap"}},
      {"Zk1154SendsDiffSoAPeerTxnTheLeaderNeverSawSurvives",
       {"sync.diff", "sync.diff.committed-log", "bug.ZK-1154"}},
      {"Zk1154SendsDiffEvenAcrossEpochs", {"sync.diff", "sync.diff.committed-log", "bug.ZK-1154"}},
  };
  return *marks;
}

std::vector<std::string_view> MarkNames(const std::vector<Mark>& marks) {
  std::vector<std::string_view> out;
  for (const Mark m : marks) out.push_back(Info(m).name);
  return out;
}

TEST_P(SyncFollowerTable, NamesItsBranchWithCoverageMarks) {
  const Row& row = GetParam();
  const auto expected = ExpectedMarks().find(row.rule);
  ASSERT_NE(expected, ExpectedMarks().end()) << "no expected marks for " << row.rule;
  const SyncPlan plan =
      ChooseSync(row.peer_last, Log(row.committed_log), row.last_processed, row.txn_log, row.bugs);
  EXPECT_THAT(MarkNames(plan.marks), ElementsAreArray(expected->second)) << plan.why;
}

// ZK-1154's mark counts only where the switch changed the plan: a learner whose last
// zxid the leader does hold gets the same DIFF either way, and no mark.
TEST(SyncFollower, Zk1154MarkStaysQuietWhenTheDiffIsTheFixedOne) {
  const SyncPlan plan = ChooseSync(Z(1, 2), Log(Range(1, 1, 5)), Z(1, 5), nullptr, Zk1154());
  EXPECT_EQ(plan.mode, SyncMode::kDiff);
  EXPECT_THAT(MarkNames(plan.marks), ElementsAreArray({"sync.diff", "sync.diff.committed-log"}));
}

// The second pass over the committed log starts where the txn-log pass stopped, at
// minCommittedLog, which both hold: that txn must go out once (a bug once sent it twice).
TEST(SyncFollower, TxnLogPassAndCommittedLogPassShareNoTxn) {
  // Init: the txn log holds everything, the committed log the last five.
  const std::deque<TxnPtr> committed = Log(Range(1, 6, 10));
  const TxnLogReader txn_log = TxnLogOver(Range(1, 1, 10));
  // Step.
  const SyncPlan plan = ChooseSync(Z(1, 3), committed, Z(1, 10), txn_log, Bugs{});
  // Check.
  const std::vector<Zxid> sent = Zxids(plan.txns);
  EXPECT_EQ(std::count(sent.begin(), sent.end(), Z(1, 6)), 1);
  EXPECT_TRUE(std::is_sorted(sent.begin(), sent.end()));
  EXPECT_EQ(std::adjacent_find(sent.begin(), sent.end()), sent.end());
  EXPECT_EQ(sent.size(), 7u);
}

// --- Over the leader's real database ------------------------------------------------------

// LeaderDatabase is a leader's Database over a log of two files, (1, 1) (1, 2) and
// (1, 4) .. (1, 8), whose committed log keeps the last two txns only.
struct LeaderDatabase {
  static Config MakeConfig(bool trunc_keeps_next = false) {
    Config config = testing::TestConfig(3);
    config.commit_log_count = 1;
    config.bugs.trunc_keeps_next = trunc_keeps_next;
    return config;
  }
  static DiskContents MakeDisk() {
    DiskContents disk = testing::MakeDisk(Epoch{1}, Epoch{1}, {});
    for (const Zxid z : {Z(1, 1), Z(1, 2)}) {
      disk[LogSegmentName(Z(1, 1))].push_back(EncodeTxn(TxnAt(z)));
    }
    for (const Zxid z : Range(1, 4, 8)) {
      disk[LogSegmentName(Z(1, 4))].push_back(EncodeTxn(TxnAt(z)));
    }
    return disk;
  }
  explicit LeaderDatabase(bool trunc_keeps_next = false)
      : out(MakeDisk()), core(MakeConfig(trunc_keeps_next), PeerId{1}, &out, 1), db(core) {
    ZABSIM_CHECK(db.Load().ok());
  }

  testing::FakeOutbox out;
  Core core;
  Database db;
};

// Database::ProposalsFromTxnLog reads like readTxnLog(zxid, fastForward = false): from the
// start of the log file that holds the peer's zxid. ChooseSync needs the txns just below
// the peer's zxid to find the TRUNC point (queueCommittedProposals' `prev`).
TEST(SyncFollowerOverDatabase, TxnLogSyncTruncatesToTheLeadersZxidBelowThePeers) {
  // Init: the leader never saw the peer's (1, 3).
  LeaderDatabase leader;
  Database& db = leader.db;
  ASSERT_EQ(ToString(db.min_committed()), ToString(Z(1, 7)));
  const TxnLogReader txn_log = [&db](Zxid from) {
    return db.ProposalsFromTxnLog(from, /*size_limit=*/uint64_t{1} << 40);
  };
  // Step.
  const SyncPlan plan =
      ChooseSync(Z(1, 3), db.committed_log(), db.last_processed(), txn_log, Bugs{});
  // Check.
  EXPECT_EQ(ToString(plan.mode), ToString(SyncMode::kTrunc)) << plan.why;
  EXPECT_EQ(ToString(plan.packet_zxid), ToString(Z(1, 2)));
  EXPECT_THAT(Hex(Zxids(plan.txns)), ElementsAreArray(Hex(Range(1, 4, 8))));
  EXPECT_EQ(ToString(plan.forward_from), ToString(Z(1, 8)));
}

TEST(SyncFollowerOverDatabase, TxnLogSyncFromTheMiddleOfAFileSendsNoDuplicate) {
  // Init: as above; the peer has (1, 5), in the second file.
  LeaderDatabase leader;
  Database& db = leader.db;
  const TxnLogReader txn_log = [&db](Zxid from) {
    return db.ProposalsFromTxnLog(from, /*size_limit=*/uint64_t{1} << 40);
  };
  // Step.
  const SyncPlan plan =
      ChooseSync(Z(1, 5), db.committed_log(), db.last_processed(), txn_log, Bugs{});
  // Check.
  EXPECT_EQ(ToString(plan.mode), ToString(SyncMode::kDiff)) << plan.why;
  EXPECT_EQ(ToString(plan.packet_zxid), ToString(Z(1, 8)));
  EXPECT_THAT(Hex(Zxids(plan.txns)), ElementsAreArray(Hex(Range(1, 6, 8))));
}

// ZooKeeper's "small enough" counts the log files after the one the peer's zxid lies in,
// each as long as it is on disk, preallocated blocks included
// (FileTxnIterator.getStorageSize); the file that holds the peer's zxid does not count.
TEST(TxnLogSizeRule, CountsTheLaterFilesWithTheirPreallocatedBlocks) {
  LeaderDatabase leader;
  Database& db = leader.db;
  const uint64_t block = uint64_t{leader.core.config().prealloc_kb} * 1024;
  EXPECT_EQ(db.LogFileLength(LogSegmentName(Z(1, 4))), block);
  // A peer in the first file: the second file counts, a whole block.
  EXPECT_FALSE(db.ProposalsFromTxnLog(Z(1, 2), block - 1).has_value());
  const auto all = db.ProposalsFromTxnLog(Z(1, 2), block);
  ASSERT_TRUE(all.has_value());
  EXPECT_THAT(Hex(Zxids(*all)), ElementsAreArray(Hex({Z(1, 1), Z(1, 2), Z(1, 4), Z(1, 5), Z(1, 6),
                                                      Z(1, 7), Z(1, 8)})));
  // A peer in the last file: nothing after it counts, whatever the limit.
  EXPECT_TRUE(db.ProposalsFromTxnLog(Z(1, 6), 0).has_value());
  // A peer at a file's first txn: that file is not the one read from, so it counts.
  EXPECT_FALSE(db.ProposalsFromTxnLog(Z(1, 4), block - 1).has_value());
  // A peer below the whole log: it does not reach back.
  EXPECT_FALSE(db.ProposalsFromTxnLog(Zxid{}, uint64_t{1} << 40).has_value());
}

TEST(TxnLogSizeRule, ATruncatedFileCountsItsExactLength) {
  LeaderDatabase leader;
  Database& db = leader.db;
  ASSERT_TRUE(db.TruncateLog(Z(1, 5)));
  const uint64_t exact = db.LogFileLength(LogSegmentName(Z(1, 4)));
  EXPECT_EQ(exact, kZkLogHeaderBytes + 2 * ZkLogRecordBytes(TxnAt(Z(1, 4))));
  EXPECT_TRUE(db.ProposalsFromTxnLog(Z(1, 2), exact).has_value());
  EXPECT_FALSE(db.ProposalsFromTxnLog(Z(1, 2), exact - 1).has_value());
}

// FileTxnLog.truncate keeps the record it stops at: the first at or above the TRUNC's
// zxid, even when that zxid itself is not in the log (the trunc-keeps-next switch, on in
// every release).
TEST(TruncateLog, KeepsTheFirstRecordAtOrAboveTheZxid) {
  LeaderDatabase leader(/*trunc_keeps_next=*/true);
  Database& db = leader.db;
  ASSERT_TRUE(db.TruncateLog(Z(1, 3)));
  EXPECT_THAT(Hex(LogZxids(db)), ElementsAreArray(Hex({Z(1, 1), Z(1, 2), Z(1, 4)})));
  EXPECT_FALSE(db.TruncateLog(Z(1, 9)));  // Nothing at or above it: no file to cut.
  EXPECT_THAT(Hex(LogZxids(db)), ElementsAreArray(Hex({Z(1, 1), Z(1, 2), Z(1, 4)})));
}

// The fix cuts everything above the zxid; with nothing left below it, it needs a
// snapshot to reload from, except for 0x0, the empty tree.
TEST(TruncateLog, TheFixCutsEverythingAboveTheZxid) {
  LeaderDatabase leader;
  Database& db = leader.db;
  ASSERT_TRUE(db.TruncateLog(Z(1, 3)));
  EXPECT_THAT(Hex(LogZxids(db)), ElementsAreArray(Hex({Z(1, 1), Z(1, 2)})));
  LeaderDatabase below;
  EXPECT_FALSE(below.db.TruncateLog(Z(0, 5)));  // The log starts above it; no snapshot below.
  EXPECT_EQ(LogZxids(below.db).size(), 7u);
  LeaderDatabase empty;
  ASSERT_TRUE(empty.db.TruncateLog(Zxid{}));  // A TRUNC 0x0 leaves the empty tree.
  EXPECT_THAT(LogZxids(empty.db), ::testing::IsEmpty());
}

// --- The property ------------------------------------------------------------------------

// What the learner holds before the sync, relative to the leader's history H.
enum class PeerKind {
  kPrefix,      // A prefix of H (possibly empty).
  kExtras,      // A prefix of H ending with an epoch, plus txns of its own in that epoch.
  kEpochStart,  // A prefix of H, reporting (e, 0) for an epoch e it took part in.
};

// EpochEnds lists the prefix lengths p of H after which the next txn (if any) is in a
// later epoch: the only places where a learner can hold txns H lacks, or report (e, 0).
// Under FIFO channels a learner's txns of one epoch are a prefix of what that epoch's
// leader proposed, and so are H's; a learner missing (e, k) while holding (e, k + 1) is
// impossible, so the property does not generate it (the table covers that TRUNC).
std::vector<size_t> EpochEnds(const std::vector<Zxid>& h) {
  std::vector<size_t> ends;
  for (size_t p = 0; p <= h.size(); ++p) {
    if (p == 0 || p == h.size() || h[p].epoch() != h[p - 1].epoch()) ends.push_back(p);
  }
  return ends;
}

RC_GTEST_PROP(SyncFollowerProperty, LearnerEndsWithExactlyTheLeadersHistory, ()) {
  // Init: the leader's history H, over one or more epochs.
  std::vector<Zxid> h;
  uint32_t epoch = 0;
  const int epochs = *rc::gen::inRange(1, 5);
  for (int i = 0; i < epochs; ++i) {
    epoch += *rc::gen::inRange<uint32_t>(1, 3);
    const uint32_t txns = *rc::gen::inRange<uint32_t>(1, 6);
    for (uint32_t c = 1; c <= txns; ++c) h.push_back(Z(epoch, c));
  }
  // Its committed log is a window at the end of H; its txn log, if used, reaches further
  // back; its last processed zxid is H's last, or (E, 0) once it started epoch E.
  const size_t committed_size = *rc::gen::inRange<size_t>(0, h.size() + 1);
  const std::vector<Zxid> committed_zxids(h.end() - static_cast<ptrdiff_t>(committed_size),
                                          h.end());
  const bool started_epoch = *rc::gen::arbitrary<bool>();
  const Zxid last_processed = started_epoch ? Z(epoch + 1, 0) : h.back();
  const bool txn_log_sync = *rc::gen::arbitrary<bool>();
  const size_t txn_log_from = *rc::gen::inRange<size_t>(0, h.size() - committed_size + 1);
  const std::vector<Zxid> txn_log(h.begin() + static_cast<ptrdiff_t>(txn_log_from), h.end());

  // The learner.
  const auto kind = *rc::gen::element(PeerKind::kPrefix, PeerKind::kExtras, PeerKind::kEpochStart);
  size_t p = 0;
  if (kind == PeerKind::kPrefix) {
    p = *rc::gen::inRange<size_t>(0, h.size() + 1);
  } else {
    std::vector<size_t> ends = EpochEnds(h);
    if (kind == PeerKind::kExtras) ends.erase(ends.begin());  // Needs a last epoch.
    p = *rc::gen::elementOf(ends);
  }
  std::vector<Zxid> peer(h.begin(), h.begin() + static_cast<ptrdiff_t>(p));
  Zxid peer_last = peer.empty() ? Zxid{} : peer.back();
  if (kind == PeerKind::kExtras) {
    const uint32_t extras = *rc::gen::inRange<uint32_t>(1, 4);
    for (uint32_t i = 1; i <= extras; ++i) {
      peer.push_back(Z(peer_last.epoch().value, peer_last.counter() + i));
    }
    peer_last = peer.back();
  } else if (kind == PeerKind::kEpochStart) {
    // (e, 0) for an epoch after the learner's last txn and not after H's next one.
    const uint32_t lo = p == 0 ? 1 : h[p - 1].epoch().value + 1;
    const uint32_t hi = p == h.size() ? epoch + 2 : h[p].epoch().value;
    peer_last = Z(*rc::gen::inRange(lo, hi + 1), 0);
  }

  // Step.
  const SyncPlan plan = ChooseSync(peer_last, Log(committed_zxids), last_processed,
                                   txn_log_sync ? TxnLogOver(txn_log) : TxnLogReader(), Bugs{});
  RC_TAG(ToString(plan.mode));

  // Check: the learner's history after the sync.
  std::vector<Zxid> after;
  if (plan.mode == SyncMode::kSnap) {
    RC_ASSERT(plan.txns.empty());
    after = h;  // The snapshot is the leader's whole tree.
  } else {
    after = peer;
    if (plan.mode == SyncMode::kTrunc) {
      std::erase_if(after, [&](Zxid z) { return z > plan.packet_zxid; });
    }
    for (const TxnPtr& t : plan.txns) after.push_back(t->zxid);
    // startForwarding takes over after every txn of H: nothing committed is sent twice
    // or skipped.
    RC_ASSERT(plan.forward_from >= h.back());
    RC_ASSERT(plan.forward_from <= std::max(h.back(), last_processed));
  }
  RC_ASSERT(after == h);

  // Check: SNAP only where ZooKeeper falls back to it.
  const Zxid min = committed_zxids.empty() ? last_processed : committed_zxids.front();
  const Zxid max = committed_zxids.empty() ? last_processed : committed_zxids.back();
  const bool in_window = min <= peer_last && peer_last <= max;
  switch (kind) {
    case PeerKind::kPrefix: {
      // A learner with a prefix of H is never truncated; inside the committed window, or
      // below it with a txn log that reaches back to it, it gets a DIFF. (Below the
      // window, an empty committed log with the leader at (E, 0) leaves a "gap" between
      // the txn log, which ends at H's last txn, and min = (E, 0): SNAP.)
      RC_ASSERT(plan.mode != SyncMode::kTrunc);
      const bool log_reaches_back =
          txn_log_sync && !txn_log.empty() && p > 0 && txn_log.front() <= peer_last;
      const bool no_gap = !committed_zxids.empty() || !started_epoch;
      if (peer_last == last_processed || in_window || (log_reaches_back && no_gap)) {
        RC_ASSERT(plan.mode == SyncMode::kDiff);
      }
      if (p == 0) RC_ASSERT(plan.mode == SyncMode::kSnap);  // Nothing reaches back to 0.
      break;
    }
    case PeerKind::kExtras:
      // Above max: TRUNC(max). Otherwise the next txn of H is in a later epoch, and
      // ZooKeeper never truncates across an epoch: SNAP.
      if (peer_last > max) {
        RC_ASSERT(plan.mode == SyncMode::kTrunc);
        RC_ASSERT(plan.packet_zxid == max);
      } else {
        RC_ASSERT(plan.mode == SyncMode::kSnap);
      }
      break;
    case PeerKind::kEpochStart:
      // (e, 0) is never truncated; inside the window it gets a DIFF of everything above.
      RC_ASSERT(plan.mode != SyncMode::kTrunc);
      if (peer_last == last_processed || in_window) RC_ASSERT(plan.mode == SyncMode::kDiff);
      if (peer_last > max && peer_last != last_processed) {
        RC_ASSERT(plan.mode == SyncMode::kSnap);
      }
      break;
  }
}

}  // namespace
}  // namespace zabsim::zab

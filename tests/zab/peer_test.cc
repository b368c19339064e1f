// Tests of discovery, synchronisation and broadcast (fact sheet §4-§9), one Peer at a
// time. The test plays everything around the peer through a FakeOutbox: the other
// servers (their notifications, FOLLOWERINFO, ACKs ...), the network (which connection
// comes up) and the disk (which fsync completes, and when). Each test is written
// init / step / check, and named after the rule it pins.

#include "zab/peer.h"

#include <cstdint>
#include <deque>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/zab/fake_outbox.h"
#include "zab/data_tree.h"
#include "zab/releases.h"

namespace zabsim::zab {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using testing::FakeOutbox;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::LoggedZxids;
using testing::MakeDisk;
using testing::Packet;
using testing::PeerHarness;
using testing::ProposalOf;
using testing::RequestOf;
using testing::SnapOf;
using ::testing::SizeIs;
using testing::TestConfig;
using testing::TreeOf;
using testing::TxnAt;
using testing::Txns;
using testing::Z;

constexpr ServerState kLooking = ServerState::kLooking;
constexpr ServerState kFollowing = ServerState::kFollowing;
constexpr ServerState kLeading = ServerState::kLeading;

// Hex writes zxids as ZooKeeper logs them, for readable failures.
std::vector<std::string> Hex(const std::vector<Zxid>& zxids) {
  std::vector<std::string> out;
  for (const Zxid z : zxids) out.push_back(ToString(z));
  return out;
}
std::vector<std::string> Hex(const std::vector<QuorumPacket>& packets) {
  std::vector<std::string> out;
  for (const QuorumPacket& p : packets) out.push_back(ToString(p.zxid));
  return out;
}
std::vector<std::string> Range(uint32_t epoch, uint32_t first, uint32_t last) {
  std::vector<std::string> out;
  for (uint32_t c = first; c <= last; ++c) out.push_back(ToString(Z(epoch, c)));
  return out;
}

// ===========================================================================================
// Followers: sid 1 of three, following 3 (which 2 follows too).

class FollowerUnderTest {
 public:
  explicit FollowerUnderTest(DiskContents disk, const Config& c = TestConfig(3))
      : h(c, 1, std::move(disk)) {}

  // Elect: the ensemble is established (3 leads, 2 follows it), so FLE ends at once
  // (receivedFollowingNotification) and the peer starts following 3.
  void Elect() {
    h.peer.Start();
    h.Notify(3, Notification{kLeading, PeerId{3}, Z(1, 0), 9, Epoch{1}});
    h.Notify(2, Notification{kFollowing, PeerId{3}, Z(1, 0), 9, Epoch{1}});
    ASSERT_EQ(h.peer.state(), kFollowing);
  }
  // Connect: the connection to the leader's quorum port comes up.
  void Connect() {
    Elect();
    const std::optional<ConnId> c = h.out.LastConnect(PeerId{3}, Channel::kQuorum);
    ASSERT_TRUE(c.has_value());
    conn = *c;
    h.peer.OnConnected(conn);
  }
  // Register: LEADERINFO of `epoch`, and the acceptedEpoch write completes.
  void Register(uint32_t epoch) {
    Connect();
    Send(Packet(PacketType::kLeaderInfo, Z(epoch, 0), kProtocolVersion));
    h.CompleteSyncOf(kAcceptedEpochFile);
    ASSERT_THAT(Sent(PacketType::kAckEpoch), SizeIs(1));
  }
  // SyncedByEmptyDiff: registered in `epoch`, in sync, past UPTODATE.
  void SyncedByEmptyDiff(uint32_t epoch) {
    Register(epoch);
    Send(Packet(PacketType::kDiff, h.peer.db().last_processed()));
    Send(Packet(PacketType::kNewLeader, Z(epoch, 0)));
    h.CompleteAllSyncs();
    Send(Packet(PacketType::kUpToDate));
    ASSERT_TRUE(h.peer.serving());
  }

  void Send(const QuorumPacket& p) { h.Deliver(conn, p); }
  void SendPair(const Txn& txn) {
    Send(ProposalOf(txn));
    Send(Packet(PacketType::kCommit, txn.zxid));
  }
  std::vector<QuorumPacket> Sent(PacketType type) const { return h.out.Packets(conn, type); }
  std::vector<std::string> Acks() const { return Hex(Sent(PacketType::kAck)); }
  std::vector<EpochWritten> CurrentEpochWrites() const {
    std::vector<EpochWritten> out;
    for (const EpochWritten& e : h.out.Events<EpochWritten>()) {
      if (e.file == kCurrentEpochFile) out.push_back(e);
    }
    return out;
  }

  PeerHarness h;
  ConnId conn;
};

// What a SNAP over an old log left (SnapOverAnOldLog, below).
struct SyncedSnapshot {
  std::vector<Zxid> logged_on_disk;
  size_t logged_in_memory;
  bool tree_is_leaders;
  std::vector<std::string> acks;
};

// --- Discovery (Learner.registerWithLeader, §5.1) -----------------------------------------

TEST(FollowerDiscovery, SendsFollowerInfoWithAcceptedEpochOnceConnected) {
  // Init.
  FollowerUnderTest f(MakeDisk(Epoch{2}, Epoch{1}, Txns(1, 1, 3)));
  f.Elect();
  const std::optional<ConnId> conn = f.h.out.LastConnect(PeerId{3}, Channel::kQuorum);
  ASSERT_TRUE(conn.has_value());
  EXPECT_EQ(f.h.peer.phase(), ZabPhase::kDiscovery);
  EXPECT_THAT(f.h.out.Packets(*conn), IsEmpty());  // Not connected yet.
  // Step.
  f.h.peer.OnConnected(*conn);
  // Check.
  const std::vector<QuorumPacket> sent = f.h.out.Packets(*conn);
  ASSERT_THAT(sent, SizeIs(1));
  EXPECT_EQ(sent[0].type, PacketType::kFollowerInfo);
  EXPECT_EQ(ToString(sent[0].zxid), ToString(Z(2, 0)));
  EXPECT_EQ(sent[0].number, kProtocolVersion);
}

TEST(FollowerDiscovery, NewerEpochIsWrittenDurablyBeforeAckEpochCarriesCurrentEpochAndLastZxid) {
  // Init.
  FollowerUnderTest f(MakeDisk(Epoch{1}, Epoch{1}, Txns(1, 1, 3)));
  f.Connect();
  // Step.
  f.Send(Packet(PacketType::kLeaderInfo, Z(2, 0), kProtocolVersion));
  // Check: the write started, nothing acknowledged yet.
  const std::vector<EpochWritten> writes = f.h.out.Events<EpochWritten>();
  ASSERT_THAT(writes, SizeIs(1));
  EXPECT_EQ(writes[0].file, kAcceptedEpochFile);
  EXPECT_EQ(writes[0].epoch, Epoch{2});
  EXPECT_FALSE(writes[0].durable);
  EXPECT_THAT(f.h.out.disk().at(std::string(kAcceptedEpochFile)), ElementsAre("2"));
  EXPECT_THAT(f.Sent(PacketType::kAckEpoch), IsEmpty());
  EXPECT_EQ(f.h.peer.accepted_epoch(), Epoch{1});
  // Step: the write becomes durable.
  ASSERT_TRUE(f.h.CompleteSyncOf(kAcceptedEpochFile));
  // Check.
  const std::vector<QuorumPacket> acks = f.Sent(PacketType::kAckEpoch);
  ASSERT_THAT(acks, SizeIs(1));
  EXPECT_EQ(acks[0].number, 1);  // currentEpoch, read before the write.
  EXPECT_EQ(ToString(acks[0].zxid), ToString(Z(1, 3)));
  EXPECT_EQ(f.h.peer.accepted_epoch(), Epoch{2});
  EXPECT_EQ(f.h.peer.current_epoch(), Epoch{1});
  EXPECT_EQ(f.h.peer.phase(), ZabPhase::kSynchronization);
}

TEST(FollowerDiscovery, EqualEpochIsAnsweredWithMinusOneAtOnce) {
  // Init.
  FollowerUnderTest f(MakeDisk(Epoch{2}, Epoch{1}, Txns(1, 1, 3)));
  f.Connect();
  // Step.
  f.Send(Packet(PacketType::kLeaderInfo, Z(2, 0), kProtocolVersion));
  // Check.
  const std::vector<QuorumPacket> acks = f.Sent(PacketType::kAckEpoch);
  ASSERT_THAT(acks, SizeIs(1));
  EXPECT_EQ(acks[0].number, -1);
  EXPECT_EQ(ToString(acks[0].zxid), ToString(Z(1, 3)));
  EXPECT_THAT(f.h.out.Events<EpochWritten>(), IsEmpty());
  EXPECT_THAT(f.h.out.PendingSyncs(), IsEmpty());
}

TEST(FollowerDiscovery, OlderLeaderEpochEndsTheRole) {
  // Init.
  FollowerUnderTest f(MakeDisk(Epoch{3}, Epoch{1}, Txns(1, 1, 3)));
  f.Connect();
  // Step.
  f.Send(Packet(PacketType::kLeaderInfo, Z(2, 0), kProtocolVersion));
  // Check: no ACKEPOCH, the connection closed, looking again.
  EXPECT_THAT(f.Sent(PacketType::kAckEpoch), IsEmpty());
  const std::vector<RoleEnded> ended = f.h.out.Events<RoleEnded>();
  ASSERT_THAT(ended, SizeIs(1));
  EXPECT_EQ(ended[0].state, kFollowing);
  EXPECT_FALSE(f.h.out.conn(f.conn).open);
  EXPECT_EQ(f.h.peer.state(), kLooking);
  EXPECT_EQ(f.h.peer.accepted_epoch(), Epoch{3});
}

// --- Synchronisation (Learner.syncWithLeader, §6.4-6.5, the G3 order) --------------------

TEST(FollowerSync, NewLeaderAckWaitsForTheCommittedTxnsThenCurrentEpochToBeDurable) {
  // Init: registered in epoch 2, last zxid (1, 3).
  FollowerUnderTest f(MakeDisk(Epoch{1}, Epoch{1}, Txns(1, 1, 3)));
  f.Register(2);
  // Step: a DIFF with two committed txns, then NEWLEADER.
  f.Send(Packet(PacketType::kDiff, Z(1, 5)));
  f.SendPair(TxnAt(Z(1, 4)));
  f.SendPair(TxnAt(Z(1, 5)));
  f.Send(Packet(PacketType::kNewLeader, Z(2, 0)));
  // Check: logged (not yet durable) and applied; currentEpoch untouched; no ACK.
  EXPECT_THAT(Hex(LoggedZxids(f.h.out.disk())), ElementsAreArray(Range(1, 1, 5)));
  EXPECT_THAT(f.h.out.Events<Applied>(), SizeIs(2));
  EXPECT_THAT(f.CurrentEpochWrites(), IsEmpty());
  EXPECT_THAT(f.Acks(), IsEmpty());
  // Step: the log fsync completes.
  ASSERT_TRUE(f.h.CompleteLogSync());
  // Check: now currentEpoch is written, still no ACK.
  ASSERT_THAT(f.CurrentEpochWrites(), SizeIs(1));
  EXPECT_EQ(f.CurrentEpochWrites()[0].epoch, Epoch{2});
  EXPECT_THAT(f.Acks(), IsEmpty());
  EXPECT_EQ(f.h.peer.current_epoch(), Epoch{1});
  // Step: currentEpoch is durable.
  ASSERT_TRUE(f.h.CompleteSyncOf(kCurrentEpochFile));
  // Check: the ACK of NEWLEADER, with its zxid.
  EXPECT_THAT(f.Acks(), ElementsAre(ToString(Z(2, 0))));
  EXPECT_EQ(f.h.peer.current_epoch(), Epoch{2});
}

TEST(FollowerSync, PacketsArrivingWhileBusyAtNewLeaderAreReadAfterwardsInOrder) {
  // Init: NEWLEADER received; its fsyncs are pending.
  FollowerUnderTest f(MakeDisk(Epoch{1}, Epoch{1}, Txns(1, 1, 3)));
  f.Register(2);
  f.Send(Packet(PacketType::kDiff, Z(1, 4)));
  f.SendPair(TxnAt(Z(1, 4)));
  f.Send(Packet(PacketType::kNewLeader, Z(2, 0)));
  // Step: a new proposal and UPTODATE arrive meanwhile.
  f.Send(ProposalOf(TxnAt(Z(2, 1))));
  f.Send(Packet(PacketType::kUpToDate));
  // Check: nothing read yet.
  EXPECT_THAT(f.Acks(), IsEmpty());
  EXPECT_FALSE(f.h.peer.serving());
  EXPECT_THAT(Hex(LoggedZxids(f.h.out.disk())), ElementsAreArray(Range(1, 1, 4)));
  // Step: the fsyncs complete.
  ASSERT_TRUE(f.h.CompleteLogSync());
  ASSERT_TRUE(f.h.CompleteSyncOf(kCurrentEpochFile));
  // Check: NEWLEADER's ACK, then UPTODATE's, then the proposal goes to the log.
  EXPECT_THAT(f.Acks(), ElementsAre(ToString(Z(2, 0)), ToString(Z(2, 0))));
  EXPECT_TRUE(f.h.peer.serving());
  EXPECT_EQ(f.h.peer.phase(), ZabPhase::kBroadcast);
  EXPECT_THAT(Hex(LoggedZxids(f.h.out.disk())).back(), ToString(Z(2, 1)));
  // Step: and its fsync.
  ASSERT_TRUE(f.h.CompleteLogSync());
  // Check.
  EXPECT_THAT(f.Acks(), ElementsAre(ToString(Z(2, 0)), ToString(Z(2, 0)), ToString(Z(2, 1))));
}

// ZOOKEEPER-4394 fixed: only the committed buffered txns are consumed at NEWLEADER; an
// uncommitted one stays buffered, so a COMMIT for it between NEWLEADER and UPTODATE
// finds it, and it is logged (and acked) after UPTODATE.
TEST(FollowerSync, UncommittedProposalStaysBufferedAtNewLeaderAndIsLoggedAfterUpToDate) {
  // Init.
  FollowerUnderTest f(MakeDisk(Epoch{1}, Epoch{1}, Txns(1, 1, 3)));
  f.Register(2);
  // Step: (1, 4) committed, (1, 5) only proposed.
  f.Send(Packet(PacketType::kDiff, Z(1, 4)));
  f.SendPair(TxnAt(Z(1, 4)));
  f.Send(ProposalOf(TxnAt(Z(1, 5))));
  f.Send(Packet(PacketType::kNewLeader, Z(2, 0)));
  f.h.CompleteAllSyncs();
  // Check: only (1, 4) was logged; NEWLEADER acked.
  EXPECT_THAT(Hex(LoggedZxids(f.h.out.disk())), ElementsAreArray(Range(1, 1, 4)));
  EXPECT_THAT(f.Acks(), ElementsAre(ToString(Z(2, 0))));
  // Step: its COMMIT, then UPTODATE.
  f.Send(Packet(PacketType::kCommit, Z(1, 5)));
  f.Send(Packet(PacketType::kUpToDate));
  // Check: no failure; (1, 5) logged and applied, but not acked before its fsync.
  EXPECT_FALSE(f.h.out.exited());
  EXPECT_THAT(f.h.out.Events<RoleEnded>(), IsEmpty());
  EXPECT_THAT(Hex(LoggedZxids(f.h.out.disk())), ElementsAreArray(Range(1, 1, 5)));
  const std::vector<Applied> applied = f.h.out.Events<Applied>();
  ASSERT_THAT(applied, SizeIs(2));
  EXPECT_EQ(ToString(applied[1].zxid), ToString(Z(1, 5)));
  EXPECT_THAT(f.Acks(), ElementsAre(ToString(Z(2, 0)), ToString(Z(2, 0))));
  // Step.
  ASSERT_TRUE(f.h.CompleteLogSync());
  // Check.
  EXPECT_THAT(f.Acks(), ElementsAre(ToString(Z(2, 0)), ToString(Z(2, 0)), ToString(Z(1, 5))));
}

// At NEWLEADER a COMMIT that does not match the first buffered proposal is dropped (the
// proposal stays buffered), as Learner.syncWithLeader does.
TEST(FollowerSync, CommitNotMatchingTheFirstBufferedProposalIsNotLoggedAtNewLeader) {
  // Init.
  FollowerUnderTest f(MakeDisk(Epoch{1}, Epoch{1}, Txns(1, 1, 3)));
  f.Register(2);
  // Step: (1, 5) is committed, but (1, 4) comes first and is not.
  f.Send(Packet(PacketType::kDiff, Z(1, 5)));
  f.Send(ProposalOf(TxnAt(Z(1, 4))));
  f.Send(ProposalOf(TxnAt(Z(1, 5))));
  f.Send(Packet(PacketType::kCommit, Z(1, 5)));
  f.Send(Packet(PacketType::kNewLeader, Z(2, 0)));
  // Check: nothing logged or applied; the COMMIT was dropped, reported as unexpected.
  EXPECT_THAT(Hex(LoggedZxids(f.h.out.disk())), ElementsAreArray(Range(1, 1, 3)));
  EXPECT_THAT(f.h.out.Events<Applied>(), IsEmpty());
  const std::vector<Unexpected> commits = f.h.out.Events<Unexpected>();
  ASSERT_THAT(commits, SizeIs(1));
  EXPECT_EQ(commits[0].check, "commit-pending");
  EXPECT_EQ(ToString(commits[0].zxid), ToString(Z(1, 5)));
  EXPECT_EQ(ToString(commits[0].expected), ToString(Z(1, 4)));
  // Check: NEWLEADER is still acked once currentEpoch is durable.
  ASSERT_TRUE(f.h.CompleteSyncOf(kCurrentEpochFile));
  EXPECT_THAT(f.Acks(), ElementsAre(ToString(Z(2, 0))));
}

// SNAP: the snapshot taken at NEWLEADER is fsynced (syncSnapshot) before currentEpoch.
TEST(FollowerSync, SnapIsDurableBeforeCurrentEpochIsWritten) {
  // Init.
  FollowerUnderTest f(MakeDisk(Epoch{1}, Epoch{1}, Txns(1, 1, 3)));
  f.Register(2);
  const DataTree leader_tree = TreeOf(Txns(1, 1, 6));
  // Step.
  f.Send(SnapOf(leader_tree, Z(1, 6)));
  f.Send(Packet(PacketType::kNewLeader, Z(2, 0)));
  // Check: the tree is the leader's; its snapshot is written, not yet durable.
  EXPECT_EQ(f.h.peer.db().tree().digest(), leader_tree.digest());
  EXPECT_EQ(ToString(f.h.peer.db().last_processed()), ToString(Z(1, 6)));
  EXPECT_TRUE(f.h.out.disk().contains(SnapshotName(Z(1, 6))));
  EXPECT_THAT(f.CurrentEpochWrites(), IsEmpty());
  // Step: the snapshot's fsync completes.
  ASSERT_TRUE(f.h.CompleteSyncOf(SnapshotName(Z(1, 6))));
  // Check.
  EXPECT_THAT(f.CurrentEpochWrites(), SizeIs(1));
  EXPECT_THAT(f.Acks(), IsEmpty());
  ASSERT_TRUE(f.h.CompleteSyncOf(kCurrentEpochFile));
  EXPECT_THAT(f.Acks(), ElementsAre(ToString(Z(2, 0))));
}

// ZOOKEEPER-2846. After a SNAP the learner's old log is not the history its new snapshot
// holds: (1, 1..3) is followed by nothing of (1, 4..6). Were it kept, this server, leading
// later, could sync a learner at (1, 2) "from the txn log": (1, 3), then whatever it logs
// next, and never (1, 4..6). zabsim removes the log segments the snapshot cannot vouch for.
SyncedSnapshot SnapOverAnOldLog(const Config& c) {
  FollowerUnderTest f(MakeDisk(Epoch{1}, Epoch{1}, Txns(1, 1, 3)), c);
  f.Register(2);
  const DataTree leader_tree = TreeOf(Txns(1, 1, 6));
  f.Send(SnapOf(leader_tree, Z(1, 6)));
  f.Send(Packet(PacketType::kNewLeader, Z(2, 0)));
  f.h.CompleteAllSyncs();
  return SyncedSnapshot{LoggedZxids(f.h.out.disk()), f.h.peer.db().log().size(),
                        f.h.peer.db().tree().digest() == leader_tree.digest(), f.Acks()};
}

TEST(FollowerSync, SnapRemovesTheOldLogItsSnapshotCannotVouchFor) {
  const SyncedSnapshot r = SnapOverAnOldLog(TestConfig(3));
  EXPECT_THAT(r.logged_on_disk, IsEmpty());
  EXPECT_EQ(r.logged_in_memory, 0u);
  EXPECT_TRUE(r.tree_is_leaders);
  EXPECT_THAT(r.acks, ElementsAre(ToString(Z(2, 0))));
}

TEST(FollowerSync, WithTheZk2846SwitchTheOldLogStaysAsInZooKeeper) {
  Config c = TestConfig(3);
  c.bugs.zk2846 = true;
  const SyncedSnapshot r = SnapOverAnOldLog(c);
  EXPECT_THAT(Hex(r.logged_on_disk), ElementsAreArray(Range(1, 1, 3)));
  EXPECT_EQ(r.logged_in_memory, 3u);
  EXPECT_TRUE(r.tree_is_leaders);
}

// A TRUNC with nothing committed before NEWLEADER: the NEWLEADER snapshot holds exactly
// the log's last txn, so it vouches for the log, which stays.
TEST(FollowerSync, TruncKeepsTheLogItsSnapshotVouchesFor) {
  FollowerUnderTest f(MakeDisk(Epoch{1}, Epoch{1}, Txns(1, 1, 5)));
  f.Register(2);
  f.Send(Packet(PacketType::kTrunc, Z(1, 3)));
  f.Send(Packet(PacketType::kNewLeader, Z(2, 0)));
  f.h.CompleteAllSyncs();
  EXPECT_THAT(Hex(LoggedZxids(f.h.out.disk())), ElementsAreArray(Range(1, 1, 3)));
  EXPECT_EQ(f.h.peer.db().log().size(), 3u);
  EXPECT_THAT(f.Acks(), ElementsAre(ToString(Z(2, 0))));
}

// A crash after the SNAP snapshot was durable but before the old log was removed: the
// next start finishes the removal.
TEST(Startup, FinishesRemovingALogThatItsNewestSnapshotCannotVouchFor) {
  DiskContents disk = MakeDisk(Epoch{2}, Epoch{1}, Txns(1, 1, 3));
  const DataTree snapshot_tree = TreeOf(Txns(1, 1, 6));
  disk[SnapshotName(Z(1, 6))] = {snapshot_tree.Serialize()};
  PeerHarness h(TestConfig(3), 1, std::move(disk));
  h.peer.Start();
  EXPECT_THAT(LoggedZxids(h.out.disk()), IsEmpty());
  EXPECT_EQ(ToString(h.peer.db().last_processed()), ToString(Z(1, 6)));
  EXPECT_EQ(h.peer.db().tree().digest(), snapshot_tree.digest());
}

// TRUNC(z): the log keeps what is at or below z (ZKDatabase.truncateLog).
TEST(FollowerSync, TruncCutsTheLogBackToTheLeadersZxid) {
  // Init: the follower has (1, 4) and (1, 5) the leader never committed.
  FollowerUnderTest f(MakeDisk(Epoch{1}, Epoch{1}, Txns(1, 1, 5)));
  f.Register(2);
  // Step.
  f.Send(Packet(PacketType::kTrunc, Z(1, 3)));
  // Check.
  EXPECT_THAT(Hex(LoggedZxids(f.h.out.disk())), ElementsAreArray(Range(1, 1, 3)));
  const std::vector<Truncated> truncated = f.h.out.Events<Truncated>();
  ASSERT_THAT(truncated, SizeIs(1));
  EXPECT_EQ(ToString(truncated[0].to), ToString(Z(1, 3)));
  EXPECT_EQ(truncated[0].removed, 2u);
  EXPECT_EQ(ToString(f.h.peer.db().last_processed()), ToString(Z(1, 3)));
  EXPECT_EQ(f.h.peer.db().tree().Find("/n" + ToString(Z(1, 4))), nullptr);
}

// A TRUNC to a zxid the log does not reach: its txns above the log came in a SNAP's
// snapshot. FileTxnLog.truncate finds no log to cut and the learner exits, as
// ZooKeeper's does ("Not able to truncate the log"), rather than reload an older tree
// and call it the TRUNC's zxid.
TEST(FollowerSync, TruncBeyondTheLogExitsAndChangesNothing) {
  // Init: the log ends at (1, 3); a snapshot holds (1, 6).
  DiskContents disk = MakeDisk(Epoch{1}, Epoch{1}, Txns(1, 1, 3));
  disk[SnapshotName(Z(1, 6))] = {TreeOf(Txns(1, 1, 6)).Serialize()};
  FollowerUnderTest f(std::move(disk));
  f.Register(2);
  // Step.
  f.Send(Packet(PacketType::kTrunc, Z(1, 4)));
  // Check.
  EXPECT_TRUE(f.h.out.exited());
  EXPECT_THAT(f.h.out.Events<Truncated>(), IsEmpty());
  EXPECT_TRUE(f.h.out.disk().contains(SnapshotName(Z(1, 6))));
}

// --- Broadcast (Follower.processPacket, FollowerZooKeeperServer, §7.2-7.3) ----------------

TEST(FollowerBroadcast, AcksAProposalOnlyAfterItsFsync) {
  // Init.
  FollowerUnderTest f(MakeDisk(Epoch{1}, Epoch{1}, Txns(1, 1, 3)));
  f.SyncedByEmptyDiff(2);
  const size_t acks_before = f.Acks().size();
  // Step.
  f.Send(ProposalOf(TxnAt(Z(2, 1))));
  // Check: logged, not acked.
  EXPECT_EQ(Hex(LoggedZxids(f.h.out.disk())).back(), ToString(Z(2, 1)));
  EXPECT_THAT(f.Acks(), SizeIs(acks_before));
  // Step.
  ASSERT_TRUE(f.h.CompleteLogSync());
  // Check.
  ASSERT_THAT(f.Acks(), SizeIs(acks_before + 1));
  EXPECT_EQ(f.Acks().back(), ToString(Z(2, 1)));
  const std::vector<Logged> logged = f.h.out.Events<Logged>();
  ASSERT_THAT(logged, SizeIs(1));
  EXPECT_EQ(ToString(logged[0].last), ToString(Z(2, 1)));
  // Step: its COMMIT applies it.
  f.Send(Packet(PacketType::kCommit, Z(2, 1)));
  ASSERT_THAT(f.h.out.Events<Applied>(), SizeIs(1));
  EXPECT_EQ(ToString(f.h.peer.db().last_processed()), ToString(Z(2, 1)));
}

// QuorumPeer.updateElectionVote (ZOOKEEPER-1732): once synced, a follower answers a
// LOOKING peer with its election's vote carrying the new epoch, and its own state.
TEST(FollowerBroadcast, AnswersLookingPeersWithItsVoteUpdatedToTheNewEpoch) {
  // Init: elected in round 9 with peer epoch 1, synced into epoch 2.
  FollowerUnderTest f(MakeDisk(Epoch{1}, Epoch{1}, Txns(1, 1, 3)));
  f.SyncedByEmptyDiff(2);
  const size_t sent_before = f.h.out.NotificationsTo(PeerId{2}).size();
  // Step.
  f.h.Notify(2, Notification{kLooking, PeerId{2}, Z(1, 3), 10, Epoch{1}});
  // Check.
  const std::vector<Notification> sent = f.h.out.NotificationsTo(PeerId{2});
  ASSERT_THAT(sent, SizeIs(sent_before + 1));
  EXPECT_EQ(sent.back().state, kFollowing);
  EXPECT_EQ(sent.back().leader, PeerId{3});
  EXPECT_EQ(sent.back().election_epoch, 9u);
  EXPECT_EQ(sent.back().peer_epoch, Epoch{2});
}

TEST(FollowerBroadcast, CommitThatDoesNotMatchTheNextPendingTxnExits) {
  // Init.
  FollowerUnderTest f(MakeDisk(Epoch{1}, Epoch{1}, Txns(1, 1, 3)));
  f.SyncedByEmptyDiff(2);
  f.Send(ProposalOf(TxnAt(Z(2, 1))));
  f.Send(ProposalOf(TxnAt(Z(2, 2))));
  // Step.
  f.Send(Packet(PacketType::kCommit, Z(2, 2)));
  // Check: System.exit(UNMATCHED_TXN_COMMIT).
  EXPECT_TRUE(f.h.out.exited());
  EXPECT_TRUE(f.h.peer.halted());
  EXPECT_THAT(f.h.out.Events<Halted>(), SizeIs(1));
  EXPECT_THAT(f.h.out.Events<Applied>(), IsEmpty());
}

TEST(FollowerBroadcast, CommitOfATxnNeverSeenIsDropped) {
  // Init.
  FollowerUnderTest f(MakeDisk(Epoch{1}, Epoch{1}, Txns(1, 1, 3)));
  f.SyncedByEmptyDiff(2);
  // Step.
  f.Send(Packet(PacketType::kCommit, Z(2, 1)));
  // Check: a warning only, which the commit-pending check holds against the run.
  EXPECT_FALSE(f.h.out.exited());
  const std::vector<Unexpected> commits = f.h.out.Events<Unexpected>();
  ASSERT_THAT(commits, SizeIs(1));
  EXPECT_EQ(commits[0].check, "commit-pending");
  EXPECT_EQ(ToString(commits[0].zxid), ToString(Z(2, 1)));
  EXPECT_EQ(f.h.peer.state(), kFollowing);
}

TEST(FollowerBroadcast, PingIsAnsweredWithTheSameZxid) {
  FollowerUnderTest f(MakeDisk(Epoch{1}, Epoch{1}, Txns(1, 1, 3)));
  f.SyncedByEmptyDiff(2);
  f.Send(Packet(PacketType::kPing, Z(2, 7)));
  EXPECT_THAT(Hex(f.Sent(PacketType::kPing)), ElementsAre(ToString(Z(2, 7))));
}

// ===========================================================================================
// Leaders: the largest sid, elected by a quorum of LOOKING votes.

class LeaderUnderTest {
 public:
  LeaderUnderTest(uint32_t voters, DiskContents disk)
      : h(TestConfig(voters), voters, std::move(disk)) {}
  LeaderUnderTest(const Config& c, DiskContents disk) : h(c, c.voters, std::move(disk)) {}

  uint32_t self() const { return h.peer.self().value; }

  void Elect() {
    h.peer.Start();
    h.RunZeroDelayTimers();
    const Notification vote{kLooking, h.peer.self(), h.peer.db().last_processed(), 1,
                            h.peer.current_epoch()};
    for (uint32_t sid = 1; sid < h.config.QuorumSize(); ++sid) h.Notify(sid, vote);
    ASSERT_TRUE(h.FireTimerWithDelay(h.config.finalize_wait_ms));
    ASSERT_EQ(h.peer.state(), kLeading);
  }
  // Learner: `sid` connects to the quorum port.
  ConnId AcceptLearner(uint32_t sid) {
    const ConnId conn = h.out.Accept(PeerId{sid}, Channel::kQuorum);
    h.peer.OnAccepted(conn, PeerId{sid}, Channel::kQuorum);
    conns[sid] = conn;
    return conn;
  }
  void Send(uint32_t sid, const QuorumPacket& p) { h.Deliver(conns.at(sid), p); }
  void FollowerInfo(uint32_t sid, uint32_t accepted_epoch) {
    Send(sid, Packet(PacketType::kFollowerInfo, Z(accepted_epoch, 0), kProtocolVersion));
  }
  void AckEpoch(uint32_t sid, int64_t current_epoch, Zxid last) {
    Send(sid, Packet(PacketType::kAckEpoch, last, current_epoch));
  }
  void Ack(uint32_t sid, Zxid zxid) { Send(sid, Packet(PacketType::kAck, zxid)); }
  std::vector<QuorumPacket> Sent(uint32_t sid, PacketType type) const {
    return h.out.Packets(conns.at(sid), type);
  }

  // Establish: `learners` (accepted epoch 1, current epoch 1, last zxid (1, 3)) go
  // through discovery and sync with every fsync completed; the leader starts epoch 2.
  void Establish(std::initializer_list<uint32_t> learners) {
    Elect();
    for (const uint32_t sid : learners) {
      AcceptLearner(sid);
      FollowerInfo(sid, 1);
    }
    h.CompleteAllSyncs();
    for (const uint32_t sid : learners) AckEpoch(sid, 1, Z(1, 3));
    h.CompleteAllSyncs();
    for (const uint32_t sid : learners) Ack(sid, Z(2, 0));  // NEWLEADER.
    for (const uint32_t sid : learners) {
      ASSERT_THAT(Sent(sid, PacketType::kUpToDate), SizeIs(1));
      Ack(sid, Z(2, 0));  // UPTODATE.
    }
    ASSERT_TRUE(h.peer.serving());
  }

  bool Heartbeat() { return h.FireTimerWithDelay(h.config.tick_ms / 2); }
  std::vector<std::string> Committed() const {
    std::vector<std::string> out;
    for (const zab::Committed& c : h.out.Events<zab::Committed>()) out.push_back(ToString(c.zxid));
    return out;
  }

  PeerHarness h;
  std::map<uint32_t, ConnId> conns;
};

DiskContents LeaderDisk(uint32_t accepted = 1) {
  return MakeDisk(Epoch{accepted}, Epoch{1}, Txns(1, 1, 3));
}

// --- Discovery (getEpochToPropose, waitForEpochAck, §5.2-5.5) ----------------------------

TEST(LeaderDiscovery, ProposesMaxAcceptedEpochPlusOneOnceAQuorumIncludingItselfReported) {
  // Init: five voters; the leader (5) accepted epoch 2.
  LeaderUnderTest l(5, LeaderDisk(2));
  l.Elect();
  EXPECT_EQ(l.h.out.listening(Channel::kQuorum), true);
  // Step: 1 (accepted 1): two of five.
  l.AcceptLearner(1);
  l.FollowerInfo(1, 1);
  EXPECT_THAT(l.h.out.Events<EpochProposed>(), IsEmpty());
  // Step: 2 (accepted 4): three of five.
  l.AcceptLearner(2);
  l.FollowerInfo(2, 4);
  // Check.
  const std::vector<EpochProposed> proposed = l.h.out.Events<EpochProposed>();
  ASSERT_THAT(proposed, SizeIs(1));
  EXPECT_EQ(proposed[0].epoch, Epoch{5});
  // Step: a late learner with a larger accepted epoch changes nothing.
  l.AcceptLearner(4);
  l.FollowerInfo(4, 9);
  ASSERT_TRUE(l.h.CompleteSyncOf(kAcceptedEpochFile));
  // Check: everyone gets epoch 5.
  for (const uint32_t sid : {1u, 2u, 4u}) {
    EXPECT_THAT(Hex(l.Sent(sid, PacketType::kLeaderInfo)), ElementsAre(ToString(Z(5, 0))))
        << "sid " << sid;
  }
  EXPECT_THAT(l.h.out.Events<EpochProposed>(), SizeIs(1));
}

TEST(LeaderDiscovery, ItsOwnAcceptedEpochCounts) {
  LeaderUnderTest l(3, LeaderDisk(7));
  l.Elect();
  l.AcceptLearner(1);
  l.FollowerInfo(1, 1);
  const std::vector<EpochProposed> proposed = l.h.out.Events<EpochProposed>();
  ASSERT_THAT(proposed, SizeIs(1));
  EXPECT_EQ(proposed[0].epoch, Epoch{8});
}

TEST(LeaderDiscovery, AcceptedEpochIsDurableBeforeLeaderInfoIsSent) {
  // Init.
  LeaderUnderTest l(3, LeaderDisk(1));
  l.Elect();
  l.AcceptLearner(1);
  // Step: the quorum forms; then a late learner registers.
  l.FollowerInfo(1, 1);
  l.AcceptLearner(2);
  l.FollowerInfo(2, 1);
  // Check: written, not durable, nothing sent.
  const std::vector<EpochWritten> writes = l.h.out.Events<EpochWritten>();
  ASSERT_THAT(writes, SizeIs(1));
  EXPECT_EQ(writes[0].file, kAcceptedEpochFile);
  EXPECT_EQ(writes[0].epoch, Epoch{2});
  EXPECT_FALSE(writes[0].durable);
  EXPECT_THAT(l.h.out.disk().at(std::string(kAcceptedEpochFile)), ElementsAre("2"));
  EXPECT_THAT(l.Sent(1, PacketType::kLeaderInfo), IsEmpty());
  EXPECT_THAT(l.Sent(2, PacketType::kLeaderInfo), IsEmpty());
  EXPECT_EQ(l.h.peer.accepted_epoch(), Epoch{1});
  // Step.
  ASSERT_TRUE(l.h.CompleteSyncOf(kAcceptedEpochFile));
  // Check.
  EXPECT_THAT(Hex(l.Sent(1, PacketType::kLeaderInfo)), ElementsAre(ToString(Z(2, 0))));
  EXPECT_THAT(Hex(l.Sent(2, PacketType::kLeaderInfo)), ElementsAre(ToString(Z(2, 0))));
  EXPECT_EQ(l.h.peer.accepted_epoch(), Epoch{2});
}

// QuorumPeer's thread blocks in setAcceptedEpoch until the file is durable: a role that
// ends meanwhile stops only then, so the next role sees the new epoch. (Seed 360 of
// `zabsim sim --set disk.fsync_latency=20ms..200ms --set net.latency=1ms..200ms --zab
// commit_log_count=5` had the next role choose an older epoch and write it after.)
TEST(LeaderDiscovery, ARoleRestartDuringTheAcceptedEpochWriteTakesEffectOnceItIsDurable) {
  LeaderUnderTest l(3, LeaderDisk(1));
  l.Elect();
  l.AcceptLearner(1);
  l.FollowerInfo(1, 1);  // A quorum: acceptedEpoch=2 is being written.
  l.h.peer.OnRoleRestart();
  EXPECT_EQ(l.h.peer.state(), kLeading);
  EXPECT_THAT(l.h.out.Events<RoleEnded>(), IsEmpty());
  ASSERT_TRUE(l.h.CompleteSyncOf(kAcceptedEpochFile));
  EXPECT_THAT(l.h.out.Events<RoleEnded>(), SizeIs(1));
  EXPECT_EQ(l.h.peer.state(), kLooking);
  EXPECT_EQ(l.h.peer.accepted_epoch(), Epoch{2});
  EXPECT_THAT(l.Sent(1, PacketType::kLeaderInfo), IsEmpty());  // The role did not go on.
}

// waitForEpochAck: a learner whose (currentEpoch, lastZxid) is more recent than the
// leader's is dropped (its handler fails); the leader keeps waiting for others (§16.1).
TEST(LeaderDiscovery, DropsALearnerMoreRecentThanItselfAndGoesOnWithOthers) {
  // Init: the leader is at (currentEpoch 1, (1, 3)); 1 and 2 got LEADERINFO.
  LeaderUnderTest l(3, LeaderDisk(1));
  l.Elect();
  l.AcceptLearner(1);
  l.FollowerInfo(1, 1);
  l.AcceptLearner(2);
  l.FollowerInfo(2, 1);
  l.h.CompleteAllSyncs();
  // Step: 1 has a longer log in the same epoch.
  l.AckEpoch(1, 1, Z(1, 5));
  // Check.
  const std::vector<LearnerDropped> dropped = l.h.out.Events<LearnerDropped>();
  ASSERT_THAT(dropped, SizeIs(1));
  EXPECT_EQ(dropped[0].learner, PeerId{1});
  EXPECT_FALSE(l.h.out.conn(l.conns.at(1)).open);
  EXPECT_EQ(l.h.peer.state(), kLeading);
  EXPECT_THAT(l.h.out.Events<RoleEnded>(), IsEmpty());
  EXPECT_THAT(l.h.out.Events<SyncChosen>(), IsEmpty());
  // Step: 2 is not more recent: with the leader, a quorum of epoch acks.
  l.AckEpoch(2, 1, Z(1, 3));
  // Check: the leader goes on (currentEpoch write) and syncs 2.
  const std::vector<EpochWritten> writes = l.h.out.Events<EpochWritten>();
  ASSERT_FALSE(writes.empty());
  EXPECT_EQ(writes.back().file, kCurrentEpochFile);
  EXPECT_THAT(l.Sent(2, PacketType::kNewLeader), SizeIs(1));
}

TEST(LeaderDiscovery, ALearnerWithANewerCurrentEpochIsMoreRecentWhateverItsZxid) {
  LeaderUnderTest l(3, LeaderDisk(1));
  l.Elect();
  l.AcceptLearner(1);
  l.FollowerInfo(1, 2);  // It accepted epoch 2 earlier; the new one is 3.
  l.h.CompleteAllSyncs();
  l.AckEpoch(1, 2, Z(1, 1));
  const std::vector<LearnerDropped> dropped = l.h.out.Events<LearnerDropped>();
  ASSERT_THAT(dropped, SizeIs(1));
  EXPECT_EQ(dropped[0].learner, PeerId{1});
}

// --- Synchronisation (syncFollower, waitForNewLeaderAck, startZkServer, §5.2, §6.1-6.3) ---

TEST(LeaderSync, LearnerBehindGetsDiffWithTheMissingPairsThenNewLeader) {
  // Init: the leader's log ends at (1, 5).
  LeaderUnderTest l(3, MakeDisk(Epoch{1}, Epoch{1}, Txns(1, 1, 5)));
  l.Elect();
  l.AcceptLearner(1);
  l.FollowerInfo(1, 1);
  l.h.CompleteAllSyncs();
  // Step.
  l.AckEpoch(1, 1, Z(1, 3));
  // Check.
  const std::vector<QuorumPacket> sent = l.h.out.Packets(l.conns.at(1));
  std::vector<std::string> trace;
  for (const QuorumPacket& p : sent) {
    trace.push_back(std::string(ToString(p.type)) + " " + ToString(p.zxid));
  }
  EXPECT_THAT(trace,
              ElementsAre("LEADERINFO 0x200000000", "DIFF 0x100000005", "PROPOSAL 0x100000004",
                          "COMMIT 0x100000004", "PROPOSAL 0x100000005", "COMMIT 0x100000005",
                          "NEWLEADER 0x200000000"));
  const std::vector<SyncChosen> chosen = l.h.out.Events<SyncChosen>();
  ASSERT_THAT(chosen, SizeIs(1));
  EXPECT_EQ(chosen[0].mode, SyncMode::kDiff);
  EXPECT_EQ(chosen[0].txns, 2u);
}

// waitForNewLeaderAck counts an ACK only if its zxid is NEWLEADER's; a handler whose
// first ACK is another one carries on uncounted, and its real NEWLEADER ACK, read later
// in the main loop, is ignored too (ZOOKEEPER-4685's symptom).
TEST(LeaderSync, OnlyTheNewLeaderZxidCountsAsItsAck) {
  // Init: 1 and 2 got NEWLEADER; the leader's currentEpoch is durable.
  LeaderUnderTest l(3, LeaderDisk(1));
  l.Elect();
  l.AcceptLearner(1);
  l.FollowerInfo(1, 1);
  l.AcceptLearner(2);
  l.FollowerInfo(2, 1);
  l.h.CompleteAllSyncs();
  l.AckEpoch(1, 1, Z(1, 3));
  l.AckEpoch(2, 1, Z(1, 3));
  l.h.CompleteAllSyncs();
  ASSERT_THAT(l.Sent(1, PacketType::kNewLeader), SizeIs(1));
  // Step: 1's first ACK is not NEWLEADER's; its real one follows.
  l.Ack(1, Z(1, 3));
  l.Ack(1, Z(2, 0));
  // Check: not established.
  EXPECT_THAT(l.h.out.Events<LeaderEstablished>(), IsEmpty());
  EXPECT_THAT(l.Sent(1, PacketType::kUpToDate), IsEmpty());
  EXPECT_FALSE(l.h.peer.serving());
  // Step: 2 acks NEWLEADER.
  l.Ack(2, Z(2, 0));
  // Check: established; both handlers get UPTODATE.
  EXPECT_THAT(l.h.out.Events<LeaderEstablished>(), SizeIs(1));
  EXPECT_THAT(l.Sent(1, PacketType::kUpToDate), SizeIs(1));
  EXPECT_THAT(l.Sent(2, PacketType::kUpToDate), SizeIs(1));
  EXPECT_EQ(l.h.peer.phase(), ZabPhase::kBroadcast);
}

// lead(): setCurrentEpoch before waitForNewLeaderAck(self); the NEWLEADER quorum may form
// without the leader, but the leader starts (and UPTODATE goes out) only after its own
// currentEpoch is durable.
TEST(LeaderSync, UpToDateWaitsForAQuorumOfNewLeaderAcksAndTheLeadersCurrentEpoch) {
  // Init: both learners got NEWLEADER; the leader's currentEpoch write is pending.
  LeaderUnderTest l(3, LeaderDisk(1));
  l.Elect();
  l.AcceptLearner(1);
  l.FollowerInfo(1, 1);
  l.AcceptLearner(2);
  l.FollowerInfo(2, 1);
  l.h.CompleteAllSyncs();
  l.AckEpoch(1, 1, Z(1, 3));
  l.AckEpoch(2, 1, Z(1, 3));
  ASSERT_THAT(l.Sent(1, PacketType::kNewLeader), SizeIs(1));
  // Step: one ACK: no quorum.
  l.Ack(1, Z(2, 0));
  EXPECT_THAT(l.Sent(1, PacketType::kUpToDate), IsEmpty());
  // Step: two ACKs: a quorum, but currentEpoch is not durable yet.
  l.Ack(2, Z(2, 0));
  EXPECT_THAT(l.Sent(1, PacketType::kUpToDate), IsEmpty());
  EXPECT_THAT(l.h.out.Events<LeaderEstablished>(), IsEmpty());
  EXPECT_EQ(l.h.peer.current_epoch(), Epoch{1});
  // Step.
  ASSERT_TRUE(l.h.CompleteSyncOf(kCurrentEpochFile));
  // Check.
  EXPECT_THAT(l.Sent(1, PacketType::kUpToDate), SizeIs(1));
  EXPECT_THAT(l.Sent(2, PacketType::kUpToDate), SizeIs(1));
  EXPECT_THAT(l.h.out.Events<LeaderEstablished>(), SizeIs(1));
  EXPECT_TRUE(l.h.peer.serving());
  EXPECT_EQ(l.h.peer.current_epoch(), Epoch{2});
}

// --- Broadcast (propose, processAck, tryToCommit, §7.1) ----------------------------------

// A proposal commits with a quorum of ACKs, in zxid order; the leader's own ACK counts
// only once its fsync completed; tryToCommit does not retry the next proposal.
TEST(LeaderBroadcast, CommitsInZxidOrderOnlyWithAQuorumCountingItselfAfterItsFsync) {
  // Init.
  LeaderUnderTest l(3, LeaderDisk(1));
  l.Establish({1, 2});
  // Step: two writes are proposed.
  l.Send(1, RequestOf(7, 1, "/a"));
  l.Send(1, RequestOf(7, 2, "/b"));
  // Check: both proposals go to both followers.
  for (const uint32_t sid : {1u, 2u}) {
    EXPECT_THAT(Hex(l.Sent(sid, PacketType::kProposal)),
                ElementsAre(ToString(Z(2, 1)), ToString(Z(2, 2))));
  }
  // Step: 1 acks (2, 1): with the leader not yet durable, one vote of three.
  l.Ack(1, Z(2, 1));
  EXPECT_THAT(l.Committed(), IsEmpty());
  // Step: (2, 2) gets a quorum of followers, but (2, 1) is still outstanding.
  l.Ack(1, Z(2, 2));
  l.Ack(2, Z(2, 2));
  EXPECT_THAT(l.Committed(), IsEmpty());
  // Step: the leader's fsync of (2, 1) completes: it acks itself.
  ASSERT_TRUE(l.h.CompleteLogSync());
  // Check: (2, 1) commits; (2, 2) waits for another ACK.
  EXPECT_THAT(l.Committed(), ElementsAre(ToString(Z(2, 1))));
  EXPECT_THAT(Hex(l.Sent(1, PacketType::kCommit)), ElementsAre(ToString(Z(2, 1))));
  EXPECT_THAT(Hex(l.Sent(2, PacketType::kCommit)), ElementsAre(ToString(Z(2, 1))));
  // Step: the leader's fsync of (2, 2).
  ASSERT_TRUE(l.h.CompleteLogSync());
  // Check.
  EXPECT_THAT(l.Committed(), ElementsAre(ToString(Z(2, 1)), ToString(Z(2, 2))));
  EXPECT_THAT(Hex(l.Sent(2, PacketType::kCommit)),
              ElementsAre(ToString(Z(2, 1)), ToString(Z(2, 2))));
  // Step: a third write, which only the leader acks.
  l.Send(2, RequestOf(8, 1, "/c"));
  ASSERT_TRUE(l.h.CompleteLogSync());
  // Check: one vote of three is no quorum.
  EXPECT_THAT(l.Committed(), SizeIs(2));
  // Step: 2 acks it.
  l.Ack(2, Z(2, 3));
  EXPECT_THAT(l.Committed(), ElementsAre(ToString(Z(2, 1)), ToString(Z(2, 2)), ToString(Z(2, 3))));
}

// Leader.lead's loop: a learner is synced while tick <= its deadline (last packet's tick
// + syncLimit); the quorum check runs every tickTime; without a quorum the leader ends.
TEST(LeaderBroadcast, StepsDownWhenAQuorumStopsAnswering) {
  // Init: both followers acked UPTODATE at tick 0 and then fall silent.
  LeaderUnderTest l(3, LeaderDisk(1));
  l.Establish({1, 2});
  const uint64_t deadline_half_ticks = 2 * (l.h.config.sync_limit + 1);
  // Step: heartbeats until tick syncLimit.
  for (uint64_t i = 1; i < deadline_half_ticks; ++i) {
    ASSERT_TRUE(l.Heartbeat()) << i;
    ASSERT_EQ(l.h.peer.state(), kLeading) << "half tick " << i;
  }
  EXPECT_GE(l.Sent(1, PacketType::kPing).size(), 1u);
  // Step: tick syncLimit + 1.
  ASSERT_TRUE(l.Heartbeat());
  // Check.
  const std::vector<RoleEnded> ended = l.h.out.Events<RoleEnded>();
  ASSERT_THAT(ended, SizeIs(1));
  EXPECT_EQ(ended[0].state, kLeading);
  EXPECT_THAT(ended[0].reason, HasSubstr("not sufficient followers synced"));
  EXPECT_EQ(l.h.peer.state(), kLooking);
  EXPECT_EQ(l.h.out.listening(Channel::kQuorum), false);
}

TEST(LeaderBroadcast, StaysWhileAQuorumAnswersItsPings) {
  // Init.
  LeaderUnderTest l(3, LeaderDisk(1));
  l.Establish({1, 2});
  // Step: 1 answers every PING, 2 is silent, for ten syncLimits.
  const uint64_t half_ticks = 20 * l.h.config.sync_limit;
  size_t answered = 0;
  for (uint64_t i = 0; i < half_ticks; ++i) {
    ASSERT_TRUE(l.Heartbeat());
    const std::vector<QuorumPacket> pings = l.Sent(1, PacketType::kPing);
    for (; answered < pings.size(); ++answered) l.Send(1, pings[answered]);
  }
  // Check.
  EXPECT_EQ(l.h.peer.state(), kLeading);
  EXPECT_THAT(l.h.out.Events<RoleEnded>(), IsEmpty());
  EXPECT_GE(answered, half_ticks - 1);
}

// ===========================================================================================
// Start-up (QuorumPeer.loadDataBase, §4.2).

TEST(Startup, RefusesWhenCurrentEpochIsOlderThanTheLastLoggedZxid) {
  // Init: txns of epoch 2 on disk, currentEpoch 1.
  PeerHarness h(TestConfig(3), 1, MakeDisk(Epoch{2}, Epoch{1}, Txns(2, 1, 2)));
  // Step.
  h.peer.Start();
  // Check: it exits without looking.
  EXPECT_TRUE(h.out.exited());
  EXPECT_THAT(h.out.exit_reason(), HasSubstr("older than the last zxid"));
  EXPECT_THAT(h.out.Events<VoteChanged>(), IsEmpty());
  EXPECT_THAT(h.out.Connects(PeerId{2}, Channel::kElection), IsEmpty());
}

TEST(Startup, RefusesWhenAcceptedEpochIsBelowCurrentEpoch) {
  PeerHarness h(TestConfig(3), 1, MakeDisk(Epoch{1}, Epoch{2}, Txns(1, 1, 2)));
  h.peer.Start();
  EXPECT_TRUE(h.out.exited());
  EXPECT_THAT(h.out.Events<VoteChanged>(), IsEmpty());
}

TEST(Startup, MissingEpochFilesTakeTheLastZxidsEpochAndAreWritten) {
  // Init: a log of epoch 2, no epoch files.
  DiskContents disk = MakeDisk(Epoch{0}, Epoch{0}, Txns(2, 1, 2));
  disk.erase(std::string(kAcceptedEpochFile));
  disk.erase(std::string(kCurrentEpochFile));
  PeerHarness h(TestConfig(3), 1, disk);
  // Step.
  h.peer.Start();
  // Check.
  EXPECT_FALSE(h.out.exited());
  EXPECT_EQ(h.peer.accepted_epoch(), Epoch{2});
  EXPECT_EQ(h.peer.current_epoch(), Epoch{2});
  EXPECT_THAT(h.out.disk().at(std::string(kAcceptedEpochFile)), ElementsAre("2"));
  EXPECT_THAT(h.out.disk().at(std::string(kCurrentEpochFile)), ElementsAre("2"));
  std::vector<std::string> synced;
  for (const FakeOutbox::PendingSync& s : h.out.PendingSyncs()) synced.push_back(s.file);
  EXPECT_THAT(synced, ::testing::IsSupersetOf(
                          {std::string(kAcceptedEpochFile), std::string(kCurrentEpochFile)}));
  const std::vector<VoteChanged> votes = h.out.Events<VoteChanged>();
  ASSERT_THAT(votes, SizeIs(1));
  EXPECT_EQ(votes[0].peer_epoch, Epoch{2});
}

// --- Release orders at NEWLEADER (Learner.syncWithLeader of each release) ---------------

Config ReleaseConfig(std::string_view release) {
  Config c = TestConfig(3);
  EXPECT_TRUE(UseRelease(c, release).ok()) << release;
  return c;
}

// G1 (3.8.0 .. 3.8.4): currentEpoch is written first, the synced txns go to the log
// pipeline, and NEWLEADER is acked without waiting for them (ZOOKEEPER-4643, -4646).
TEST(FollowerSync, Release380AcksNewLeaderBeforeTheSyncedTxnsAreDurable) {
  // Init.
  FollowerUnderTest f(MakeDisk(Epoch{1}, Epoch{1}, Txns(1, 1, 3)), ReleaseConfig("3.8.0"));
  f.Register(2);
  // Step: a DIFF with two committed txns, then NEWLEADER.
  f.Send(Packet(PacketType::kDiff, Z(1, 5)));
  f.SendPair(TxnAt(Z(1, 4)));
  f.SendPair(TxnAt(Z(1, 5)));
  f.Send(Packet(PacketType::kNewLeader, Z(2, 0)));
  // Check: currentEpoch is being written before anything else; no ACK yet.
  ASSERT_THAT(f.CurrentEpochWrites(), SizeIs(1));
  EXPECT_THAT(f.Acks(), IsEmpty());
  // Step: currentEpoch is durable.
  ASSERT_TRUE(f.h.CompleteSyncOf(kCurrentEpochFile));
  // Check: NEWLEADER acked, though the txns' fsync is still pending.
  EXPECT_THAT(f.Acks(), ElementsAre(ToString(Z(2, 0))));
  EXPECT_THAT(Hex(LoggedZxids(f.h.out.disk())), ElementsAreArray(Range(1, 1, 5)));
  EXPECT_TRUE(f.h.CompleteLogSync());
}

// G2 (3.8.5, 3.9.2): every buffered txn, committed or not, is logged and fsynced before
// currentEpoch and the ACK; the ACKs of those txns wait for UPTODATE (delayed forwarding).
TEST(FollowerSync, Release385LogsEveryBufferedTxnBeforeCurrentEpochAndAcksThemAfterUpToDate) {
  // Init.
  FollowerUnderTest f(MakeDisk(Epoch{1}, Epoch{1}, Txns(1, 1, 3)), ReleaseConfig("3.8.5"));
  f.Register(2);
  // Step: (1, 4) committed, (1, 5) only proposed, then NEWLEADER.
  f.Send(Packet(PacketType::kDiff, Z(1, 4)));
  f.SendPair(TxnAt(Z(1, 4)));
  f.Send(ProposalOf(TxnAt(Z(1, 5))));
  f.Send(Packet(PacketType::kNewLeader, Z(2, 0)));
  // Check: both logged, currentEpoch not written before their fsync.
  EXPECT_THAT(Hex(LoggedZxids(f.h.out.disk())), ElementsAreArray(Range(1, 1, 5)));
  EXPECT_THAT(f.CurrentEpochWrites(), IsEmpty());
  // Step: the fsync, then currentEpoch.
  ASSERT_TRUE(f.h.CompleteLogSync());
  ASSERT_THAT(f.CurrentEpochWrites(), SizeIs(1));
  ASSERT_TRUE(f.h.CompleteSyncOf(kCurrentEpochFile));
  // Check: NEWLEADER acked, (1, 5) not yet.
  EXPECT_THAT(f.Acks(), ElementsAre(ToString(Z(2, 0))));
  // Step: UPTODATE.
  f.Send(Packet(PacketType::kUpToDate));
  // Check: UPTODATE's ACK, then the delayed ACKs of what NEWLEADER logged (the leader
  // ignores the one of the committed (1, 4)).
  EXPECT_THAT(f.Acks(), ElementsAre(ToString(Z(2, 0)), ToString(Z(2, 0)), ToString(Z(1, 4)),
                                    ToString(Z(1, 5))));
}

// --- The CommitProcessor and toBeApplied --------------------------------------------------

// A txn committed but not yet applied by the leader's CommitProcessor sits in
// toBeApplied; a learner synced meanwhile gets it from there, after its DIFF and before
// NEWLEADER (Leader.startForwarding).
TEST(LeaderSync, ALearnerSyncedWhileACommitWaitsForTheCommitProcessorGetsItFromToBeApplied) {
  // Init: master as released (the sync is planned from what is applied); 1 follows; a
  // write is proposed and the leader's own fsync completes.
  LeaderUnderTest l(ReleaseConfig("master"), LeaderDisk(1));
  l.Establish({1});
  l.Send(1, RequestOf(7, 1, "/a"));
  ASSERT_TRUE(l.h.CompleteLogSync());
  // Step: 1's ACK commits (2, 1), but the CommitProcessor does not get a CPU yet.
  l.h.hold_steps = true;
  l.Ack(1, Z(2, 1));
  // Check: committed, in toBeApplied, not applied.
  const Leader& leader = *l.h.peer.leader_role();
  EXPECT_THAT(l.Committed(), ElementsAre(ToString(Z(2, 1))));
  ASSERT_THAT(leader.to_be_applied(), SizeIs(1));
  EXPECT_EQ(ToString(l.h.peer.db().last_processed()), ToString(Z(2, 0)));
  // Step: 2 joins; only its LearnerHandler's steps run.
  l.AcceptLearner(2);
  l.FollowerInfo(2, 1);
  l.h.RunHeldSteps(Thread::kLearnerHandler);
  l.h.CompleteAllSyncs();
  l.AckEpoch(2, 1, Z(1, 3));
  l.h.RunHeldSteps(Thread::kLearnerHandler);
  // Check: an empty DIFF (2 has all the committed log holds, up to (1, 3)), then (2, 1)
  // from toBeApplied, then NEWLEADER.
  std::vector<std::string> sent;
  for (const QuorumPacket& p : l.h.out.Packets(l.conns.at(2))) {
    sent.push_back(fmt::format("{} {}", ToString(p.type), ToString(p.zxid)));
  }
  EXPECT_THAT(sent, ElementsAre(fmt::format("LEADERINFO {}", ToString(Z(2, 0))),
                                fmt::format("DIFF {}", ToString(Z(1, 3))),
                                fmt::format("PROPOSAL {}", ToString(Z(2, 1))),
                                fmt::format("COMMIT {}", ToString(Z(2, 1))),
                                fmt::format("NEWLEADER {}", ToString(Z(2, 0)))));
  // Step: the CommitProcessor runs.
  l.h.RunHeldSteps();
  // Check: applied, and toBeApplied is empty.
  EXPECT_TRUE(leader.to_be_applied().empty());
  EXPECT_EQ(ToString(l.h.peer.db().last_processed()), ToString(Z(2, 1)));
}

}  // namespace

// --- Asserted state: each role's checks fire on a state that breaks them ------------------

struct LeaderTestPeer {
  static Leader& Of(PeerHarness& h) { return const_cast<Leader&>(*h.peer.leader_role()); }
  static Zxid& last_committed(Leader& l) { return l.last_committed_; }
  static Zxid& last_proposed(Leader& l) { return l.last_proposed_; }
  static std::deque<TxnPtr>& to_be_applied(Leader& l) { return l.to_be_applied_; }
};

struct LearnerTestPeer {
  static Learner& Of(PeerHarness& h) { return const_cast<Learner&>(*h.peer.learner_role()); }
  static Zxid& last_queued(Learner& l) { return l.last_queued_; }
  static bool& serving(Learner& l) { return l.serving_; }
};

struct PeerTestPeer {
  static Epoch& accepted_epoch(Peer& p) { return p.accepted_epoch_; }
  static void CheckInvariants(Peer& p) { p.CheckInvariants(); }
};

namespace {

TEST(RoleAsserts, QuietOnAStateReachedByTheProtocol) {
  LeaderUnderTest l(3, LeaderDisk(1));
  l.Establish({1, 2});
  l.Send(1, RequestOf(7, 1, "/a"));
  LeaderTestPeer::Of(l.h).CheckStep();
  FollowerUnderTest f(MakeDisk(Epoch{1}, Epoch{1}, Txns(1, 1, 3)));
  f.SyncedByEmptyDiff(2);
  LearnerTestPeer::Of(f.h).CheckStep();
  PeerTestPeer::CheckInvariants(f.h.peer);
}

TEST(RoleAssertsDeathTest, TheLeaderFiresOnACommitAboveItsProposals) {
  LeaderUnderTest l(3, LeaderDisk(1));
  l.Establish({1, 2});
  Leader& leader = LeaderTestPeer::Of(l.h);
  LeaderTestPeer::last_committed(leader) = Z(2, 5);
  EXPECT_DEATH(leader.CheckStep(), "committed 0x200000005 > proposed");
}

TEST(RoleAssertsDeathTest, TheLeaderFiresWhenItsProposalsGoBack) {
  LeaderUnderTest l(3, LeaderDisk(1));
  l.Establish({1, 2});
  l.Send(1, RequestOf(7, 1, "/a"));
  ASSERT_TRUE(l.h.CompleteLogSync());
  l.Ack(1, Z(2, 1));
  ASSERT_THAT(l.Committed(), SizeIs(1));
  Leader& leader = LeaderTestPeer::Of(l.h);
  LeaderTestPeer::last_proposed(leader) = Z(2, 0);
  LeaderTestPeer::last_committed(leader) = Z(2, 0);
  EXPECT_DEATH(leader.CheckStep(), "went back");
}

TEST(RoleAssertsDeathTest, TheLeaderFiresWhenToBeAppliedAndTheCommitProcessorDisagree) {
  LeaderUnderTest l(3, LeaderDisk(1));
  l.Establish({1, 2});
  Leader& leader = LeaderTestPeer::Of(l.h);
  LeaderTestPeer::to_be_applied(leader).push_back(std::make_shared<Txn>(TxnAt(Z(2, 1))));
  EXPECT_DEATH(leader.CheckStep(), "in toBeApplied");
}

TEST(RoleAssertsDeathTest, TheLearnerFiresWhenItStopsServing) {
  FollowerUnderTest f(MakeDisk(Epoch{1}, Epoch{1}, Txns(1, 1, 3)));
  f.SyncedByEmptyDiff(2);
  Learner& learner = LearnerTestPeer::Of(f.h);
  LearnerTestPeer::serving(learner) = false;
  EXPECT_DEATH(learner.CheckStep(), "serving");
}

TEST(RoleAssertsDeathTest, TheLearnerFiresWhenWhatItQueuedGoesBack) {
  FollowerUnderTest f(MakeDisk(Epoch{1}, Epoch{1}, Txns(1, 1, 3)));
  f.SyncedByEmptyDiff(2);
  f.Send(ProposalOf(TxnAt(Z(2, 1))));
  Learner& learner = LearnerTestPeer::Of(f.h);
  LearnerTestPeer::last_queued(learner) = Z(1, 0);
  EXPECT_DEATH(learner.CheckStep(), "last queued went back");
}

TEST(RoleAssertsDeathTest, ThePeerFiresWhenItsAcceptedEpochGoesBack) {
  FollowerUnderTest f(MakeDisk(Epoch{1}, Epoch{1}, Txns(1, 1, 3)));
  f.SyncedByEmptyDiff(2);
  PeerTestPeer::accepted_epoch(f.h.peer) = Epoch{1};
  EXPECT_DEATH(PeerTestPeer::CheckInvariants(f.h.peer), "acceptedEpoch 1 < currentEpoch 2");
}

}  // namespace
}  // namespace zabsim::zab

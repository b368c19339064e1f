// The safety checker on hand-written event sequences: each check fires on the history
// that breaks it and stays quiet on the nearest one that does not.

#include "zab/checkers/safety.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace zabsim::zab::checkers {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

Zxid Z(uint32_t epoch, uint32_t counter) { return Zxid::Make(Epoch{epoch}, counter); }

// History feeds events to a checker, one position per event.
class History {
 public:
  History& Event(uint32_t peer, const zab::Event& e) {
    checker.Observe(At{static_cast<int64_t>(next_) * 1000, next_}, PeerId{peer}, e);
    ++next_;
    return *this;
  }
  History& Load(uint32_t peer, Zxid z, uint64_t digest) {
    return Event(peer, TreeLoaded{z, "disk", digest});
  }
  // Apply has leader 1 propose z (again: a repeat is quiet), then `peer` apply it.
  History& Apply(uint32_t peer, Zxid z, uint64_t digest) {
    Propose(1, z, 0, 0);
    Applied a;
    a.zxid = z;
    a.digest = digest;
    return Event(peer, a);
  }
  History& Propose(uint32_t leader, Zxid z, uint64_t session, uint64_t cxid) {
    return Event(leader, Proposed{z, session, cxid, OpType::kSetData});
  }
  History& Commit(Zxid z) { return Event(1, Committed{z}); }
  History& Establish(uint32_t peer, uint32_t epoch) { return Event(peer, LeaderEstablished{Epoch{epoch}}); }
  History& EpochDurable(uint32_t peer, std::string_view file, uint32_t epoch) {
    return Event(peer, EpochWritten{file, Epoch{epoch}, true});
  }

  // Checks lists the names of the checks that fired, in order.
  std::vector<std::string_view> Checks() const {
    std::vector<std::string_view> out;
    for (const Violation& v : checker.violations()) out.push_back(v.check);
    return out;
  }

  SafetyChecker checker;

 private:
  uint64_t next_ = 1;
};

// --- one-leader-per-epoch ------------------------------------------------------------------

TEST(OneLeaderPerEpoch, FiresOnASecondLeaderInTheSameEpoch) {
  History h;
  h.Establish(1, 2).Establish(2, 2);
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kOneLeaderPerEpoch));
  EXPECT_THAT(h.checker.violations()[0].detail, HasSubstr("epoch 2: 1 and 2"));
  EXPECT_EQ(h.checker.violations()[0].at.position, 2u);
}

TEST(OneLeaderPerEpoch, QuietForOneLeaderPerEpochAndTheSameLeaderTwice) {
  History h;
  h.Establish(1, 1).Establish(2, 2).Establish(2, 2).Establish(1, 3);
  EXPECT_THAT(h.Checks(), IsEmpty());
}

// --- digest-agreement ---------------------------------------------------------------------

TEST(DigestAgreement, FiresWhenTwoTreesDifferAtTheSameZxid) {
  History h;
  h.Apply(1, Z(1, 1), 0xa).Apply(2, Z(1, 1), 0xb);
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kDigestAgreement));
}

TEST(DigestAgreement, ComparesLoadedTreesToo) {
  History h;
  h.Apply(1, Z(1, 1), 0xa).Event(2, TreeLoaded{Z(1, 1), "snap", 0xb});
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kDigestAgreement));
}

TEST(DigestAgreement, QuietForEqualDigestsAndForTheEmptyTree) {
  History h;
  h.Load(1, Zxid{}, 1).Load(2, Zxid{}, 2).Apply(1, Z(1, 1), 0xa).Apply(2, Z(1, 1), 0xa);
  EXPECT_THAT(h.Checks(), IsEmpty());
}

// --- applied-in-order ---------------------------------------------------------------------

TEST(AppliedInOrder, FiresOnAZxidNotAboveTheTreeThatChangesIt) {
  History h;
  h.Load(1, Z(1, 2), 0x2).Apply(1, Z(1, 2), 0x3);
  // The tree at 0x100000002 now has another digest than before, too.
  EXPECT_THAT(h.Checks(),
              ElementsAre(SafetyChecker::kAppliedInOrder, SafetyChecker::kDigestAgreement));
  EXPECT_THAT(h.checker.violations()[0].detail, HasSubstr("changed the tree"));
}

// A SNAP whose tree already holds a txn forwarded after it: ZooKeeper applies it again,
// and as its txns say what the state becomes, nothing changes.
TEST(AppliedInOrder, QuietForATxnAppliedAgainThatChangesNothing) {
  History h;
  h.Load(1, Z(1, 2), 0x2).Apply(1, Z(1, 2), 0x2).Apply(1, Z(1, 1), 0x2).Apply(1, Z(1, 3), 0x4);
  EXPECT_THAT(h.Checks(), IsEmpty());
}

// The same, with two setData of one path in the replay: applying the older one again
// takes the tree back for a moment, the newer one restores it (seed 17565 of `zabsim sim
// --zk master+fixes --knobs swarm`, where a SNAP's tree held both txns forwarded after it).
TEST(AppliedInOrder, QuietForAReplayThatChangesTheTreeOnlyOnItsWay) {
  History h;
  h.Load(1, Z(1, 3), 0x3).Apply(1, Z(1, 2), 0x9).Apply(1, Z(1, 3), 0x3).Apply(1, Z(1, 4), 0x4);
  EXPECT_THAT(h.Checks(), IsEmpty());
}

TEST(AppliedInOrder, FiresOnAReplayThatEndsOnAnotherTree) {
  History h;
  h.Load(1, Z(1, 3), 0x3).Apply(1, Z(1, 2), 0x9).Apply(1, Z(1, 3), 0x7);
  EXPECT_THAT(h.Checks(),
              ElementsAre(SafetyChecker::kAppliedInOrder, SafetyChecker::kDigestAgreement));
  EXPECT_THAT(h.checker.violations()[0].detail, HasSubstr("changed the tree"));
}

// A replay that stops short of the tree's zxid leaves the tree taken back; the next txn's
// digest then differs from the other servers'.
TEST(AppliedInOrder, AReplayThatStopsShortIsCaughtByDigestAgreement) {
  History h;
  h.Apply(2, Z(1, 4), 0x4).Load(1, Z(1, 3), 0x3).Apply(1, Z(1, 2), 0x9).Apply(1, Z(1, 4), 0x5);
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kDigestAgreement));
}

TEST(AppliedInOrder, FiresOnSkippingACommittedTxn) {
  History h;
  h.Load(2, Z(1, 1), 0x1).Commit(Z(1, 2)).Apply(2, Z(1, 3), 0x3);
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kAppliedInOrder));
  EXPECT_THAT(h.checker.violations()[0].detail, HasSubstr("skipping the committed 0x100000002"));
}

TEST(AppliedInOrder, QuietForGapsOfUncommittedTxnsAndAfterAReload) {
  History h;
  // (1, 2) was never committed (a leader abandoned it): skipping it is fine.
  h.Load(2, Z(1, 1), 0x1).Apply(2, Z(1, 3), 0x3);
  // A TRUNC reload moves the tree back; applying from there is in order.
  h.Event(2, TreeLoaded{Z(1, 1), "truncated-log", 0x1}).Apply(2, Z(2, 1), 0x21);
  EXPECT_THAT(h.Checks(), IsEmpty());
}

// --- leader-completeness ------------------------------------------------------------------

EpochProposed Lead(uint32_t epoch, Zxid last, std::vector<Zxid> log) {
  return EpochProposed{Epoch{epoch}, last, std::move(log)};
}
NewLeaderProcessed Acked(uint32_t epoch, uint32_t leader, std::vector<Zxid> log) {
  return NewLeaderProcessed{Epoch{epoch}, PeerId{leader}, std::move(log)};
}

TEST(LeaderCompleteness, FiresWhenTheNewLeaderLacksACommittedTxn) {
  History h;
  h.Load(3, Z(1, 1), 0x1).Commit(Z(1, 1)).Commit(Z(1, 2)).Establish(3, 2);
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kLeaderCompleteness));
  EXPECT_THAT(h.checker.violations()[0].detail, HasSubstr("without the committed 0x100000002"));
}

TEST(LeaderCompleteness, QuietForANewerEpochsTxnsWhenAStaleLeaderIsEstablishedLate) {
  // Seed 528 of `zabsim sim --set disk.fsync_latency=20ms..200ms`: leader 3 of epoch 10
  // waits for its own slow currentEpoch write while its quorum moves on to epoch 11 and
  // commits there; when the write lands, 3 is established in epoch 10 without epoch 11's
  // txns, which it never owed.
  History h;
  h.Load(3, Z(9, 3), 0x93).Commit(Z(9, 3)).Commit(Z(11, 1)).Commit(Z(11, 2)).Establish(3, 10);
  EXPECT_THAT(h.Checks(), IsEmpty());
  // Older epochs' txns still count: the same leader without (9, 3) fails.
  History g;
  g.Load(3, Z(9, 2), 0x92).Commit(Z(9, 3)).Commit(Z(11, 1)).Establish(3, 10);
  EXPECT_THAT(g.Checks(), ElementsAre(SafetyChecker::kLeaderCompleteness));
  EXPECT_THAT(g.checker.violations()[0].detail, HasSubstr("without the committed 0x900000003"));
  EXPECT_THAT(g.checker.violations()[0].detail, Not(HasSubstr("0xb00000001")));
}

TEST(LeaderCompleteness, AClientAckCommitsToo) {
  History h;
  ClientCompleted done;
  done.op.type = OpType::kCreate;
  done.zxid = Z(1, 2);
  h.Load(3, Z(1, 1), 0x1).Event(4, done).Establish(3, 2);
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kLeaderCompleteness));
}

TEST(LeaderCompleteness, QuietWhenTheLeaderHoldsEveryCommittedTxn) {
  History h;
  ClientCompleted read;  // Reads and indeterminate writes commit nothing.
  read.op.type = OpType::kGetData;
  read.zxid = Z(1, 3);
  ClientCompleted lost;
  lost.op.type = OpType::kSetData;
  lost.zxid = Z(1, 4);
  lost.indeterminate = true;
  h.Commit(Z(1, 1)).Commit(Z(1, 2)).Event(4, read).Event(5, lost).Load(3, Z(1, 2), 0x2).Establish(3, 2);
  EXPECT_THAT(h.Checks(), IsEmpty());
}

TEST(LeaderCompleteness, FiresWhenTheLeaderLacksTheHistoryItsEstablishmentCommits) {
  // `zabsim sim --bug ZK-2845 --seed 6`: leader 3's log runs to (1, 3), but the tree it
  // kept from following is at (1, 1). Its establishment commits its whole log, and it
  // serves from a tree without two of those txns.
  History h;
  h.Load(3, Z(1, 1), 0x1).Event(3, Lead(7, Z(1, 1), {Z(1, 1), Z(1, 2), Z(1, 3)})).Establish(3, 7);
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kLeaderCompleteness));
  EXPECT_THAT(h.checker.violations()[0].detail,
              HasSubstr("at 0x100000001, without the committed 0x100000002 .. 0x100000003 (2 txns)"));
  // The same history in its tree: quiet.
  History g;
  g.Load(3, Z(1, 3), 0x3).Event(3, Lead(7, Z(1, 3), {Z(1, 1), Z(1, 2), Z(1, 3)})).Establish(3, 7);
  EXPECT_THAT(g.Checks(), IsEmpty());
}

// --- committed-applied --------------------------------------------------------------------

TEST(CommittedApplied, FiresWhenATxnATreeWentPastIsCommittedLater) {
  History h;
  h.Load(2, Z(1, 1), 0x1).Propose(1, Z(1, 2), 0, 0).Apply(2, Z(2, 1), 0x21);
  EXPECT_THAT(h.Checks(), IsEmpty());  // (1, 2) was not committed when 2 went past it.
  h.Commit(Z(1, 2));
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kCommittedApplied));
  EXPECT_THAT(h.checker.violations()[0].detail,
              HasSubstr("0x100000002 is committed, but server 2's tree (at 0x200000001) went past it"));
}

TEST(CommittedApplied, QuietForTxnsPassedOverThatStayUncommittedOrAfterAReload) {
  History h;
  h.Load(2, Z(1, 1), 0x1).Propose(1, Z(1, 2), 0, 0).Apply(2, Z(2, 1), 0x21).Commit(Z(2, 1));
  // A reload takes the tree as it is on disk: what it passed over before is forgotten.
  h.Load(3, Z(1, 1), 0x1).Propose(1, Z(1, 3), 0, 0).Apply(3, Z(2, 1), 0x21).Load(3, Z(1, 3), 0x13);
  h.Commit(Z(1, 3));
  EXPECT_THAT(h.Checks(), IsEmpty());
}

TEST(CommittedApplied, FiresWhenAConvergedRunEndsWithoutAnOlderEpochsCommittedTxn) {
  History h;
  h.Load(1, Z(1, 1), 0x1).Load(2, Z(1, 1), 0x1).Commit(Z(1, 1)).Commit(Z(1, 2));
  h.checker.CheckConverged(At{9, 9}, Epoch{2}, {PeerId{1}, PeerId{2}});
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kCommittedApplied, SafetyChecker::kCommittedApplied));
  EXPECT_THAT(h.checker.violations()[0].detail,
              HasSubstr("converged under the leader of epoch 2, but server 1's tree (at 0x100000001) "
                        "lacks the committed 0x100000002"));
  // Checked again with nothing new: reported once.
  h.checker.CheckConverged(At{10, 10}, Epoch{2}, {PeerId{1}, PeerId{2}});
  EXPECT_EQ(h.Checks().size(), 2u);
}

TEST(CommittedApplied, QuietForTheCurrentEpochsTxnsStillOnTheirWayAndForTreesThatHoldAll) {
  History h;
  h.Load(1, Z(1, 2), 0x12).Load(2, Z(1, 2), 0x12).Commit(Z(1, 1)).Commit(Z(1, 2)).Commit(Z(2, 1));
  h.checker.CheckConverged(At{9, 9}, Epoch{2}, {PeerId{1}, PeerId{2}});
  EXPECT_THAT(h.Checks(), IsEmpty());
  // But one tree ahead in the current epoch makes it owed by all.
  h.Apply(1, Z(2, 1), 0x21);
  h.checker.CheckConverged(At{10, 10}, Epoch{2}, {PeerId{1}, PeerId{2}});
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kCommittedApplied));
  EXPECT_THAT(h.checker.violations()[0].detail, HasSubstr("server 2's tree (at 0x100000002)"));
}

// --- truncation-keeps-committed -----------------------------------------------------------

TEST(TruncationKeepsCommitted, FiresWhenATruncationRemovesALoggedCommittedTxn) {
  History h;
  h.Event(2, Logged{Z(1, 1), Z(1, 3), 3}).Commit(Z(1, 3)).Event(2, Truncated{Z(1, 2), 1});
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kTruncationKeepsCommitted));
}

TEST(TruncationKeepsCommitted, QuietWhenOnlyUncommittedOrUnloggedTxnsGo) {
  History h;
  h.Event(2, Logged{Z(1, 1), Z(1, 2), 2}).Commit(Z(1, 2)).Commit(Z(1, 3));
  h.Event(2, Truncated{Z(1, 2), 1});  // (1, 3) committed elsewhere, never logged here.
  EXPECT_THAT(h.Checks(), IsEmpty());
}

// The leader chose TRUNC to its last committed zxid while (1, 3) was in flight; (1, 3)
// was committed by other ACKs before the TRUNC arrived. The learner drops its copy and
// gets the PROPOSAL again right after (LearnerHandler): not a lost commit.
TEST(TruncationKeepsCommitted, QuietForATxnCommittedAfterTheTruncWasChosen) {
  History h;
  h.Event(2, Logged{Z(1, 1), Z(1, 3), 3}).Commit(Z(1, 2));
  h.Event(1, SyncChosen{PeerId{2}, SyncMode::kTrunc, Z(1, 3), Z(1, 2), 0, "peer ahead"});
  h.Commit(Z(1, 3)).Event(2, Truncated{Z(1, 2), 1});
  EXPECT_THAT(h.Checks(), IsEmpty());
}

TEST(TruncationKeepsCommitted, FiresForATxnCommittedBeforeTheTruncWasChosen) {
  History h;
  h.Event(2, Logged{Z(1, 1), Z(1, 3), 3}).Commit(Z(1, 3));
  h.Event(1, SyncChosen{PeerId{2}, SyncMode::kTrunc, Z(1, 3), Z(1, 2), 0, "peer ahead"});
  h.Event(2, Truncated{Z(1, 2), 1});
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kTruncationKeepsCommitted));
}

// --- epochs-monotone ----------------------------------------------------------------------

TEST(EpochsMonotone, FiresWhenAnEpochGoesBack) {
  History h;
  h.EpochDurable(1, "acceptedEpoch", 3).EpochDurable(1, "acceptedEpoch", 2);
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kEpochsMonotone));
}

TEST(EpochsMonotone, FiresWhenCurrentEpochPassesAcceptedEpoch) {
  History h;
  h.EpochDurable(1, "acceptedEpoch", 2).EpochDurable(1, "currentEpoch", 3);
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kEpochsMonotone));
}

TEST(EpochsMonotone, QuietForRisingEpochsAndWritesNotYetDurable) {
  History h;
  h.EpochDurable(1, "acceptedEpoch", 2).EpochDurable(1, "currentEpoch", 2);
  h.Event(1, EpochWritten{"acceptedEpoch", Epoch{1}, false});  // Never durable: lost.
  h.EpochDurable(1, "acceptedEpoch", 3).EpochDurable(1, "currentEpoch", 3);
  EXPECT_THAT(h.Checks(), IsEmpty());
}

// --- client-never-goes-back --------------------------------------------------------------

ClientCompleted Answer(uint64_t session, Zxid zxid, uint32_t server, bool indeterminate = false) {
  ClientCompleted c;
  c.session = session;
  c.op.type = OpType::kGetData;
  c.op.path = "/a";
  c.zxid = zxid;
  c.server = PeerId{server};
  c.indeterminate = indeterminate;
  return c;
}

TEST(ClientNeverGoesBack, FiresWhenASessionIsAnsweredFromAnOlderState) {
  History h;
  h.Event(4, Answer(7, Z(1, 5), 1)).Event(4, Answer(7, Z(1, 3), 2));
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kClientNeverGoesBack));
  EXPECT_THAT(h.checker.violations()[0].detail, HasSubstr("answered by server 2 at 0x100000003"));
}

TEST(ClientNeverGoesBack, QuietForRisingAnswersOtherSessionsAndLostAnswers) {
  History h;
  h.Event(4, Answer(7, Z(1, 5), 1)).Event(4, Answer(7, Z(1, 5), 2)).Event(4, Answer(7, Z(1, 6), 2));
  h.Event(5, Answer(8, Z(1, 2), 3));                    // Another session: its own history.
  h.Event(4, Answer(7, Zxid{}, 3, /*indeterminate=*/true));  // No answer, no zxid.
  EXPECT_THAT(h.Checks(), IsEmpty());
}

// --- integrity ---------------------------------------------------------------------------

TEST(Integrity, FiresOnApplyingATxnNoLeaderProposed) {
  History h;
  Applied a;
  a.zxid = Z(1, 1);
  h.Event(2, a);
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kIntegrity));
  EXPECT_THAT(h.checker.violations()[0].detail, HasSubstr("which no leader proposed"));
}

TEST(Integrity, FiresOnApplyingADifferentTxnUnderAProposedZxid) {
  History h;
  h.Propose(1, Z(1, 1), 7, 1);
  Applied a;
  a.zxid = Z(1, 1);
  a.session = 7;
  a.cxid = 2;
  h.Event(2, a);
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kIntegrity));
}

TEST(Integrity, FiresOnAZxidProposedForTwoTxns) {
  History h;
  h.Propose(1, Z(1, 1), 7, 1).Propose(2, Z(1, 1), 8, 1);
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kIntegrity));
  EXPECT_THAT(h.checker.violations()[0].detail, HasSubstr("leader 2 proposed 0x100000001"));
}

TEST(Integrity, QuietForAppliedProposalsAndARepeatedProposal) {
  History h;
  h.Propose(1, Z(1, 1), 7, 1).Propose(1, Z(1, 1), 7, 1);
  Applied a;
  a.zxid = Z(1, 1);
  a.session = 7;
  a.cxid = 1;
  h.Event(1, a).Event(2, a);
  EXPECT_THAT(h.Checks(), IsEmpty());
}

// --- message-level checks ------------------------------------------------------------------

TEST(MessageLevel, EachUnexpectedPacketFiresItsCheck) {
  History h;
  h.Event(2, Unexpected{"proposal-in-order", "PROPOSAL", PeerId{1}, Z(1, 2), Z(1, 3), "not above"});
  h.Event(2, Unexpected{"commit-pending", "COMMIT", PeerId{1}, Z(1, 4), Zxid{}, "never seen"});
  h.Event(1, Unexpected{"ack-consistent", "ACK", PeerId{3}, Z(1, 9), Zxid{}, "unknown"});
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kProposalInOrder, SafetyChecker::kCommitPending,
                                      SafetyChecker::kAckConsistent));
  EXPECT_EQ(h.checker.violations()[0].detail,
            "server 2 got PROPOSAL 0x100000002 from 1 (expected 0x100000003): not above");
}

TEST(MessageLevel, QuietForIgnoredPackets) {
  History h;
  h.Event(2, Ignored{"ACK", "already committed", PeerId{1}, Z(1, 1)});
  EXPECT_THAT(h.Checks(), IsEmpty());
}

// --- newleader-prefix, and the history NEWLEADER commits -----------------------------------

// Lead has `leader` propose epoch `epoch` with `log` as its history (its tree at `last`).

TEST(NewLeaderPrefix, FiresWhenTheLearnerHoldsATxnTheLeaderLacks) {
  History h;
  // The learner kept 0x100000003, never committed, which the new leader never had: a
  // DIFF where a TRUNC was due (ZOOKEEPER-1154, 2845).
  h.Event(3, Lead(2, Z(1, 2), {Z(1, 1), Z(1, 2)}));
  h.Event(1, Acked(2, 3, {Z(1, 1), Z(1, 2), Z(1, 3)}));
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kNewLeaderPrefix));
  EXPECT_EQ(h.checker.violations()[0].detail,
            "server 1 acked NEWLEADER of epoch 2 holding 0x100000003, which leader 3's history lacks");
}

TEST(NewLeaderPrefix, FiresWhenTheLearnerSkipsATxnOfTheLeader) {
  History h;
  h.Event(3, Lead(2, Z(1, 3), {Z(1, 1), Z(1, 2), Z(1, 3)}));
  h.Event(3, Proposed{Z(2, 1), 7, 1, OpType::kCreate});
  h.Event(1, Acked(2, 3, {Z(1, 1), Z(1, 3), Z(2, 1)}));
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kNewLeaderPrefix));
  EXPECT_EQ(h.checker.violations()[0].detail,
            "server 1 acked NEWLEADER of epoch 2 without 0x100000002 of leader 3's history, holding "
            "0x100000003 after it");
}

TEST(NewLeaderPrefix, FiresWhenTheLeaderHistoryIsInItsTreeAndTheLearnerIsAhead) {
  History h;
  h.Event(3, Lead(2, Z(1, 2), {}));  // Everything up to 0x100000002 is in snapshots.
  h.Event(1, Acked(2, 3, {Z(1, 2), Z(1, 3)}));
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kNewLeaderPrefix));
}

TEST(NewLeaderPrefix, QuietForPrefixesAndWhereOnlySnapshotsSpeak) {
  History h;
  h.Event(3, Lead(2, Z(1, 4), {Z(1, 3), Z(1, 4)}));
  h.Event(3, Proposed{Z(2, 1), 7, 1, OpType::kCreate});
  h.Event(1, Acked(2, 3, {Z(1, 1), Z(1, 2), Z(1, 3)}));   // Older txns: below the leader's log.
  h.Event(2, Acked(2, 3, {Z(1, 4), Z(2, 1)}));           // Its log starts after a snapshot.
  h.Event(4, Acked(2, 3, {}));                            // An empty log is a prefix.
  h.Event(5, Acked(1, 3, {Z(1, 9)}));                     // Another epoch: not this history.
  EXPECT_THAT(h.Checks(), IsEmpty());
}

TEST(NewLeaderPrefix, EstablishmentCommitsTheLeadersHistory) {
  History h;
  h.Load(3, Z(1, 2), 0x2).Event(3, Lead(2, Z(1, 2), {Z(1, 1), Z(1, 2)})).Establish(3, 2);
  EXPECT_TRUE(h.checker.Committed(Z(1, 2)));
  // A leader of a later epoch without it is incomplete.
  h.Load(1, Z(1, 1), 0x1).Establish(1, 3);
  EXPECT_THAT(h.Checks(), ElementsAre(SafetyChecker::kLeaderCompleteness));
}

TEST(NewLeaderPrefix, AHistoryIsNotCommittedBeforeAQuorumAcksIt) {
  History h;
  h.Load(3, Z(1, 2), 0x2).Event(3, Lead(2, Z(1, 2), {Z(1, 1), Z(1, 2)}));
  EXPECT_FALSE(h.checker.Committed(Z(1, 2)));
  h.Load(1, Z(1, 1), 0x1).Establish(1, 3);  // 0x100000002 was never committed: no loss.
  EXPECT_THAT(h.Checks(), IsEmpty());
}

}  // namespace
}  // namespace zabsim::zab::checkers

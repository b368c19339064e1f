// Tests of Fast Leader Election (FastLeaderElection.lookForLeader and its receiver) and of
// the election connections (QuorumCnxManager), fact sheet §2 and §3. Most tests drive a
// zab::Election directly with a fake ElectionHost, so that the host's state, last zxid
// and current vote can be set at will; the initial vote is also checked through a whole
// Peer, reading its disk. Each test is written init / step / check.

#include "zab/election.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "tests/zab/fake_outbox.h"
#include "zab/core.h"

namespace zabsim::zab {
namespace {

using ::testing::ElementsAre;
using testing::FakeOutbox;
using ::testing::FieldsAre;
using ::testing::IsEmpty;
using testing::MakeDisk;
using testing::PeerHarness;
using ::testing::SizeIs;
using testing::TestConfig;
using testing::Txns;
using testing::Z;

constexpr ServerState kLooking = ServerState::kLooking;
constexpr ServerState kFollowing = ServerState::kFollowing;
constexpr ServerState kLeading = ServerState::kLeading;

// FakeHost is the rest of the peer as FLE sees it.
class FakeHost final : public ElectionHost {
 public:
  struct Decision {
    Vote vote;
    ServerState state;
    std::string how;
  };

  ServerState state() const override { return state_; }
  Zxid LastLoggedZxid() override { return last_zxid; }
  Epoch CurrentEpoch() const override { return current_epoch; }
  Vote CurrentVote() const override { return current_vote; }
  void ElectionDecided(const Vote& vote, ServerState state, std::string_view how) override {
    decisions.push_back(Decision{vote, state, std::string(how)});
    state_ = state;
  }

  ServerState state_ = kLooking;
  Zxid last_zxid;
  Epoch current_epoch;
  Vote current_vote;
  std::vector<Decision> decisions;
};

// Fle is one server's election over a FakeOutbox. The test plays the other servers and
// the clock: it links connections, delivers notifications and fires timers.
struct Fle {
  Fle(const Config& c, uint32_t self, Zxid last_zxid, Epoch current_epoch)
      : config(c), core(c, PeerId{self}, &out, 1), election(core, host) {
    host.last_zxid = last_zxid;
    host.current_epoch = current_epoch;
    host.current_vote = Vote{PeerId{self}, last_zxid, 0, current_epoch, kLooking, 0};
  }

  void Start() { election.LookForLeader(); }

  // Link returns a live election connection with `sid`, established the way
  // QuorumCnxManager keeps it: opened by the larger sid.
  ConnId Link(uint32_t sid) {
    if (const auto it = links.find(sid); it != links.end() && out.conn(it->second).open) {
      return it->second;
    }
    ConnId conn;
    if (sid > core.self().value) {
      conn = out.Accept(PeerId{sid}, Channel::kElection);
      election.OnAccepted(conn, PeerId{sid});
    } else {
      std::optional<ConnId> mine = out.LastConnect(PeerId{sid}, Channel::kElection);
      if (!mine || !out.conn(*mine).open) {
        // The smaller sid calls us; we refuse and call back.
        election.OnAccepted(out.Accept(PeerId{sid}, Channel::kElection), PeerId{sid});
        mine = out.LastConnect(PeerId{sid}, Channel::kElection);
      }
      conn = *mine;
      election.OnConnected(conn);
    }
    links[sid] = conn;
    return conn;
  }

  void Deliver(uint32_t from, const Notification& n) { election.OnMessage(Link(from), n); }

  bool Fire(const std::function<bool(const FakeOutbox::Timer&)>& pred) {
    const std::optional<uint64_t> tag = out.TakeTimer(pred);
    if (!tag) return false;
    core.FireTimer(*tag);
    return true;
  }
  // Loopback delivers the notifications this server sent itself (zero-delay timers).
  int Loopback() {
    int fired = 0;
    while (fired < 100 && Fire([](const FakeOutbox::Timer& t) { return t.delay_ms == 0; })) {
      ++fired;
    }
    return fired;
  }
  std::optional<FakeOutbox::Timer> FinalizeTimer() const {
    const int64_t wait = config.finalize_wait_ms;
    return out.FindPendingTimer([wait](const FakeOutbox::Timer& t) { return t.delay_ms == wait; });
  }
  bool FireFinalize() {
    const int64_t wait = config.finalize_wait_ms;
    return Fire([wait](const FakeOutbox::Timer& t) { return t.delay_ms == wait; });
  }
  std::vector<VoteChanged> Votes() const { return out.Events<VoteChanged>(); }
  VoteChanged Proposal() const { return Votes().back(); }

  Config config;
  FakeOutbox out;
  FakeHost host;
  Core core;
  std::map<uint32_t, ConnId> links;
  Election election;
};

Notification Looking(uint32_t leader, Zxid zxid, uint64_t round, uint32_t peer_epoch) {
  return Notification{kLooking, PeerId{leader}, zxid, round, Epoch{peer_epoch}};
}

// --- The initial vote --------------------------------------------------------------------

// §2.2: a peer first votes for itself with getInitLastLoggedZxid (the in-memory last
// processed zxid) and getPeerEpoch (currentEpoch, not acceptedEpoch), in round
// logicalclock + 1, and sends it to every voter, itself included.
TEST(InitialVote, IsSelfLastZxidAndCurrentEpochToEveryVoterIncludingSelf) {
  // Init: acceptedEpoch 2 > currentEpoch 1; the log ends at (1, 3).
  PeerHarness h(TestConfig(3), 2, MakeDisk(Epoch{2}, Epoch{1}, Txns(1, 1, 3)));
  // Step.
  h.peer.Start();
  // Check: the proposal.
  const std::vector<VoteChanged> votes = h.out.Events<VoteChanged>();
  ASSERT_THAT(votes, SizeIs(1));
  EXPECT_EQ(votes[0].round, 1u);
  EXPECT_EQ(votes[0].leader, PeerId{2});
  EXPECT_EQ(votes[0].zxid, Z(1, 3));
  EXPECT_EQ(votes[0].peer_epoch, Epoch{1});
  // Check: every other voter is called; the copy to itself is a zero-delay timer.
  EXPECT_THAT(h.out.Connects(PeerId{1}, Channel::kElection), SizeIs(1));
  EXPECT_THAT(h.out.Connects(PeerId{3}, Channel::kElection), SizeIs(1));
  EXPECT_THAT(h.out.Connects(PeerId{2}, Channel::kElection), IsEmpty());
  EXPECT_TRUE(h.out.FindPendingTimer([](const FakeOutbox::Timer& t) { return t.delay_ms == 0; }));
  // Check: what goes out once the link to 1 is up.
  h.ElectionLink(1);
  EXPECT_THAT(h.out.NotificationsTo(PeerId{1}),
              ElementsAre(FieldsAre(kLooking, PeerId{2}, Z(1, 3), 1u, Epoch{1})));
}

// §2.4: the own vote counts only when the loopback notification arrives, through the
// receive queue like any other.
TEST(InitialVote, CountsOnlyWhenTheLoopbackArrives) {
  // Init: 3 is the best candidate; 1 already votes for it.
  Fle fle(TestConfig(3), 3, Z(1, 3), Epoch{1});
  fle.Start();
  fle.Deliver(1, Looking(3, Z(1, 3), 1, 1));
  ASSERT_FALSE(fle.FinalizeTimer());  // One vote of three.
  // Step.
  EXPECT_EQ(fle.Loopback(), 1);
  // Check: two equal votes: the finalize wait starts.
  EXPECT_TRUE(fle.FinalizeTimer());
}

// §2.2: getInitLastLoggedZxid and getPeerEpoch are read each time, not frozen per round.
TEST(InitialVote, IsReadAgainWhenARoundIsReset) {
  // Init.
  Fle fle(TestConfig(3), 2, Z(1, 3), Epoch{1});
  fle.Start();
  fle.host.last_zxid = Z(1, 6);  // Memory moved on (e.g. fast-forwarded).
  // Step: a later round with a vote worse than ours.
  fle.Deliver(1, Looking(1, Z(1, 2), 4, 1));
  // Check.
  EXPECT_EQ(fle.Proposal().leader, PeerId{2});
  EXPECT_EQ(fle.Proposal().zxid, Z(1, 6));
}

// --- The vote order (totalOrderPredicate, §2.3) ------------------------------------------

struct Candidate {
  uint32_t sid;
  Zxid zxid;
  uint32_t peer_epoch;
};

// Adopts: does a LOOKING voter whose proposal is `cur` switch to `next` when another
// voter proposes it in the same round? (totalOrderPredicate(next, cur).)
bool Adopts(const Config& config, const Candidate& cur, const Candidate& next) {
  Fle fle(config, cur.sid, cur.zxid, Epoch{cur.peer_epoch});
  fle.Start();
  const uint32_t from = next.sid != cur.sid ? next.sid : (cur.sid == 1 ? 2 : 1);
  fle.Deliver(from, Looking(next.sid, next.zxid, 1, next.peer_epoch));
  bool adopted = false;
  for (const VoteChanged& v : fle.Votes()) adopted = adopted || v.why == "better-vote";
  return adopted;
}

TEST(VoteOrder, HigherPeerEpochBeatsHigherZxid) {
  const Config config = TestConfig(3);
  const Candidate long_log{2, Z(1, 9), 1};
  const Candidate newer_epoch{1, Z(1, 3), 2};
  EXPECT_TRUE(Adopts(config, long_log, newer_epoch));
  EXPECT_FALSE(Adopts(config, newer_epoch, long_log));
}

TEST(VoteOrder, HigherZxidBeatsHigherSid) {
  const Config config = TestConfig(3);
  const Candidate high_sid{3, Z(1, 3), 1};
  const Candidate high_zxid{1, Z(1, 4), 1};
  EXPECT_TRUE(Adopts(config, high_sid, high_zxid));
  EXPECT_FALSE(Adopts(config, high_zxid, high_sid));
}

TEST(VoteOrder, HigherSidBreaksATie) {
  const Config config = TestConfig(3);
  const Candidate low{1, Z(1, 4), 1};
  const Candidate high{3, Z(1, 4), 1};
  EXPECT_TRUE(Adopts(config, low, high));
  EXPECT_FALSE(Adopts(config, high, low));
}

// qv.getWeight(newId) == 0: a non-voter is never a better candidate.
TEST(VoteOrder, AnObserverIsNeverABetterCandidate) {
  const Config config = TestConfig(3, 1);
  EXPECT_FALSE(Adopts(config, Candidate{1, Z(1, 1), 1}, Candidate{4, Z(9, 9), 9}));
}

// DrawCandidate draws a candidate's zxid and peer epoch (inside a property).
Candidate DrawCandidate(uint32_t sid) {
  const uint32_t epoch = *rc::gen::inRange<uint32_t>(1, 3);
  const uint32_t counter = *rc::gen::inRange<uint32_t>(0, 3);
  return Candidate{sid, Z(epoch, counter), *rc::gen::inRange<uint32_t>(1, 3)};
}

// By default the order is total: of two candidates (distinct sids) exactly one beats the
// other, and it is transitive.
RC_GTEST_PROP(VoteOrderProperty, DefaultOrderIsTotal, ()) {
  const Config config = TestConfig(5);
  const auto sids = *rc::gen::unique<std::vector<uint32_t>>(3, rc::gen::inRange<uint32_t>(1, 6));
  const Candidate a = DrawCandidate(sids[0]);
  const Candidate b = DrawCandidate(sids[1]);
  const Candidate c = DrawCandidate(sids[2]);
  const bool b_over_a = Adopts(config, a, b);
  RC_ASSERT(b_over_a != Adopts(config, b, a));
  const bool c_over_b = Adopts(config, b, c);
  RC_ASSERT(c_over_b != Adopts(config, c, b));
  if (b_over_a && c_over_b) RC_ASSERT(Adopts(config, a, c));
  if (!b_over_a && !c_over_b) RC_ASSERT(Adopts(config, c, a));
}

// ZOOKEEPER-1419: before the fix the sid tie-break ignored epochs, so a vote with an
// older epoch but the same zxid and a higher sid also "beat" the newer epoch.
TEST(VoteOrder, Zk1419MakesTwoVotesBeatEachOther) {
  const Candidate old_epoch_high_sid{3, Z(1, 5), 1};
  const Candidate new_epoch_low_sid{1, Z(1, 5), 2};
  // The default is antisymmetric.
  const Config fixed = TestConfig(3);
  EXPECT_TRUE(Adopts(fixed, old_epoch_high_sid, new_epoch_low_sid));
  EXPECT_FALSE(Adopts(fixed, new_epoch_low_sid, old_epoch_high_sid));
  // The switch breaks it.
  Config buggy = TestConfig(3);
  buggy.bugs.zk1419 = true;
  EXPECT_TRUE(Adopts(buggy, old_epoch_high_sid, new_epoch_low_sid));
  EXPECT_TRUE(Adopts(buggy, new_epoch_low_sid, old_epoch_high_sid));
}

// election_ignores_zxid: (peerEpoch, sid) only, so a shorter log can win.
TEST(VoteOrder, IgnoringZxidsLetsTheShorterLogWin) {
  const Candidate long_log_low_sid{1, Z(1, 9), 1};
  const Candidate short_log_high_sid{2, Z(1, 3), 1};
  const Config fixed = TestConfig(3);
  EXPECT_FALSE(Adopts(fixed, long_log_low_sid, short_log_high_sid));
  EXPECT_TRUE(Adopts(fixed, short_log_high_sid, long_log_low_sid));
  Config buggy = TestConfig(3);
  buggy.bugs.election_ignores_zxid = true;
  EXPECT_TRUE(Adopts(buggy, long_log_low_sid, short_log_high_sid));
  EXPECT_FALSE(Adopts(buggy, short_log_high_sid, long_log_low_sid));
}

// --- Rounds ------------------------------------------------------------------------------

// §2.4: n.electionEpoch > logicalclock: take its round, clear the round's votes, propose
// the better of n's vote and our initial vote, and tell everyone.
TEST(Rounds, LaterRoundIsJoinedAndItsBetterVoteAdopted) {
  // Init.
  Fle fle(TestConfig(3), 2, Z(1, 3), Epoch{1});
  fle.Start();
  fle.Link(1);
  fle.Loopback();
  // Step.
  fle.Deliver(1, Looking(1, Z(1, 4), 5, 1));
  // Check.
  EXPECT_EQ(fle.election.logical_clock(), 5u);
  EXPECT_THAT(fle.Proposal(),
              FieldsAre(5u, PeerId{1}, Z(1, 4), Epoch{1}, "higher-round", PeerId{1}));
  EXPECT_THAT(fle.out.LastNotificationTo(PeerId{1}),
              ::testing::Optional(FieldsAre(kLooking, PeerId{1}, Z(1, 4), 5u, Epoch{1})));
  EXPECT_EQ(fle.Loopback(), 1);  // And to itself.
}

TEST(Rounds, LaterRoundWithAWorseVoteFallsBackToTheInitialVoteNotTheCurrentProposal) {
  // Init: in round 1 we adopted 3's better vote.
  Fle fle(TestConfig(3), 2, Z(1, 3), Epoch{1});
  fle.Start();
  fle.Deliver(3, Looking(3, Z(1, 9), 1, 1));
  ASSERT_EQ(fle.Proposal().leader, PeerId{3});
  // Step: round 5, with a vote worse than our own initial vote.
  fle.Deliver(1, Looking(1, Z(1, 2), 5, 1));
  // Check: back to (self, our zxid, our epoch), not 3's vote.
  EXPECT_THAT(fle.Proposal(),
              FieldsAre(5u, PeerId{2}, Z(1, 3), Epoch{1}, "higher-round", PeerId{1}));
  EXPECT_THAT(fle.out.LastNotificationTo(PeerId{3}),
              ::testing::Optional(FieldsAre(kLooking, PeerId{2}, Z(1, 3), 5u, Epoch{1})));
}

// §2.4-2.5: n.electionEpoch < logicalclock: dropped (not even compared), and the
// receiver answers the sender with its own proposal and round.
TEST(Rounds, EarlierRoundIsIgnoredAndTheSenderGetsOurProposal) {
  // Init: we are in round 3, proposing ourselves.
  Fle fle(TestConfig(3), 2, Z(1, 3), Epoch{1});
  fle.Start();
  fle.Deliver(3, Looking(3, Z(1, 1), 3, 1));
  ASSERT_EQ(fle.election.logical_clock(), 3u);
  const size_t votes_before = fle.Votes().size();
  // Step: round 1, with a far better vote.
  fle.Deliver(1, Looking(1, Z(1, 9), 1, 1));
  // Check.
  EXPECT_THAT(fle.Votes(), SizeIs(votes_before));
  EXPECT_EQ(fle.Proposal().leader, PeerId{2});
  const std::vector<Ignored> ignored = fle.out.Events<Ignored>();
  ASSERT_THAT(ignored, SizeIs(1));
  EXPECT_EQ(ignored[0].why, "stale round");
  EXPECT_THAT(fle.out.LastNotificationTo(PeerId{1}),
              ::testing::Optional(FieldsAre(kLooking, PeerId{2}, Z(1, 3), 3u, Epoch{1})));
}

// A stale notification is not recorded either: it cannot replace the sender's vote of
// the current round (QuorumCnxManager re-sends the last message on a new connection, so
// an old round's notification can arrive late).
TEST(Rounds, EarlierRoundNotificationDoesNotReplaceTheSendersVote) {
  // Init: five voters; 5 moved to round 2 and 1 backs it there (2 votes of 3 needed).
  Fle fle(TestConfig(5), 5, Z(1, 3), Epoch{1});
  fle.Start();
  fle.Deliver(2, Looking(2, Z(1, 1), 2, 1));
  fle.Loopback();
  fle.Deliver(1, Looking(5, Z(1, 3), 2, 1));
  ASSERT_FALSE(fle.FinalizeTimer());
  // Step: 1's round-1 notification arrives late.
  fle.Deliver(1, Looking(1, Z(1, 3), 1, 1));
  // Step: 3 backs 5 in round 2.
  fle.Deliver(3, Looking(5, Z(1, 3), 2, 1));
  // Check: 5, 1 and 3 make a quorum.
  EXPECT_TRUE(fle.FinalizeTimer());
}

// --- Deciding ----------------------------------------------------------------------------

// With a quorum of votes equal to its proposal, lookForLeader polls for finalizeWait and
// decides only if nothing arrives; a peer that proposed itself leads.
TEST(Deciding, QuorumWaitsFinalizeWaitThenTheProposedPeerLeads) {
  // Init.
  Fle fle(TestConfig(3), 3, Z(1, 3), Epoch{1});
  fle.Start();
  fle.Loopback();
  // Step: the second equal vote.
  fle.Deliver(1, Looking(3, Z(1, 3), 1, 1));
  // Check: waiting, not decided.
  const std::optional<FakeOutbox::Timer> wait = fle.FinalizeTimer();
  ASSERT_TRUE(wait);
  EXPECT_EQ(wait->delay_ms, fle.config.finalize_wait_ms);
  EXPECT_THAT(fle.host.decisions, IsEmpty());
  // Step: finalizeWait passes in silence.
  ASSERT_TRUE(fle.FireFinalize());
  // Check.
  ASSERT_THAT(fle.host.decisions, SizeIs(1));
  EXPECT_EQ(fle.host.decisions[0].state, kLeading);
  EXPECT_EQ(fle.host.decisions[0].vote.leader, PeerId{3});
  EXPECT_EQ(fle.host.decisions[0].vote.zxid, Z(1, 3));
  EXPECT_EQ(fle.host.decisions[0].how, "quorum");
  EXPECT_FALSE(fle.election.looking());
}

TEST(Deciding, APeerThatProposedAnotherFollows) {
  // Init: 1 adopts 2's better vote; its own loopback copies follow.
  Fle fle(TestConfig(3), 1, Z(1, 3), Epoch{1});
  fle.Start();
  fle.Deliver(2, Looking(2, Z(1, 4), 1, 1));
  // Step.
  fle.Loopback();
  ASSERT_TRUE(fle.FireFinalize());
  // Check.
  ASSERT_THAT(fle.host.decisions, SizeIs(1));
  EXPECT_EQ(fle.host.decisions[0].state, kFollowing);
  EXPECT_EQ(fle.host.decisions[0].vote.leader, PeerId{2});
}

// During the finalize wait a notification that is not better than the proposal is
// discarded: not adopted, not answered, and the decision still comes.
TEST(Deciding, NotBetterVoteDuringFinalizeWaitIsDropped) {
  // Init.
  Fle fle(TestConfig(3), 3, Z(1, 3), Epoch{1});
  fle.Start();
  fle.Loopback();
  fle.Deliver(1, Looking(3, Z(1, 3), 1, 1));
  ASSERT_TRUE(fle.FinalizeTimer());
  fle.Link(2);
  const size_t votes_before = fle.Votes().size();
  const size_t sent_to_2 = fle.out.NotificationsTo(PeerId{2}).size();
  // Step.
  fle.Deliver(2, Looking(2, Z(1, 3), 1, 1));
  // Check.
  EXPECT_THAT(fle.Votes(), SizeIs(votes_before));
  EXPECT_THAT(fle.out.NotificationsTo(PeerId{2}), SizeIs(sent_to_2));
  const std::vector<Ignored> ignored = fle.out.Events<Ignored>();
  ASSERT_THAT(ignored, SizeIs(1));
  EXPECT_EQ(ignored[0].why, "finalize wait");
  ASSERT_TRUE(fle.FireFinalize());
  ASSERT_THAT(fle.host.decisions, SizeIs(1));
  EXPECT_EQ(fle.host.decisions[0].state, kLeading);
}

// The finalize wait is `while ((n = recvqueue.poll(finalizeWait)) != null)`: every
// discarded notification starts a new finalizeWait, so the decision needs finalizeWait
// of silence after the last notification, not after the quorum formed.
TEST(Deciding, FinalizeWaitStartsAgainAfterEachDroppedVote) {
  // Init.
  Fle fle(TestConfig(3), 3, Z(1, 3), Epoch{1});
  fle.Start();
  fle.Loopback();
  fle.Deliver(1, Looking(3, Z(1, 3), 1, 1));
  ASSERT_TRUE(fle.FinalizeTimer());
  fle.Link(2);
  // Step: a not-better vote arrives during the wait.
  const uint64_t before_drop = fle.out.seq();
  fle.Deliver(2, Looking(2, Z(1, 3), 1, 1));
  // Check: the pending finalize wait was started after that notification.
  const std::optional<FakeOutbox::Timer> wait = fle.FinalizeTimer();
  ASSERT_TRUE(wait);
  EXPECT_GT(wait->seq, before_drop) << "the decision would come finalizeWait after the "
                                       "quorum, not after the last notification";
}

// A better vote ends the wait: it is processed as usual, and the old wait cannot decide.
TEST(Deciding, BetterVoteDuringFinalizeWaitEndsTheWait) {
  // Init: 2 has a quorum for itself and waits.
  Fle fle(TestConfig(3), 2, Z(1, 5), Epoch{1});
  fle.Start();
  fle.Loopback();
  fle.Deliver(1, Looking(2, Z(1, 5), 1, 1));
  ASSERT_TRUE(fle.FinalizeTimer());
  // Step: 3 proposes itself, equal zxid, higher sid.
  fle.Deliver(3, Looking(3, Z(1, 5), 1, 1));
  // Check.
  EXPECT_FALSE(fle.FinalizeTimer());
  EXPECT_THAT(fle.Proposal(),
              FieldsAre(1u, PeerId{3}, Z(1, 5), Epoch{1}, "better-vote", PeerId{3}));
  EXPECT_THAT(fle.out.LastNotificationTo(PeerId{1}),
              ::testing::Optional(FieldsAre(kLooking, PeerId{3}, Z(1, 5), 1u, Epoch{1})));
  EXPECT_THAT(fle.host.decisions, IsEmpty());
  // Step: its own new vote comes back; 3 and 2 now agree.
  fle.Loopback();
  ASSERT_TRUE(fle.FireFinalize());
  // Check.
  ASSERT_THAT(fle.host.decisions, SizeIs(1));
  EXPECT_EQ(fle.host.decisions[0].state, kFollowing);
  EXPECT_EQ(fle.host.decisions[0].vote.leader, PeerId{3});
}

// --- Established ensembles ---------------------------------------------------------------

// §2.5 step 4: a peer that is not LOOKING answers every LOOKING notification, whatever
// its round, with its current vote (the election's end vote) and its own state; it
// ignores notifications of peers that are not looking.
TEST(Established, NonLookingPeerAnswersLookingNotificationsWithItsVoteAndState) {
  // Init: 1 leads, after an election in round 7 (peer epoch updated to 3 after sync).
  Fle fle(TestConfig(3), 1, Z(2, 4), Epoch{3});
  fle.host.state_ = kLeading;
  fle.host.current_vote = Vote{PeerId{1}, Z(2, 4), 7, Epoch{3}, kLeading, 0};
  // Step.
  fle.Deliver(3, Looking(3, Z(1, 1), 9, 1));
  fle.Deliver(3, Looking(3, Z(1, 1), 2, 1));
  fle.Deliver(3, Notification{kFollowing, PeerId{1}, Z(2, 4), 7, Epoch{3}});
  // Check.
  EXPECT_THAT(fle.out.NotificationsTo(PeerId{3}),
              ElementsAre(FieldsAre(kLeading, PeerId{1}, Z(2, 4), 7u, Epoch{3}),
                          FieldsAre(kLeading, PeerId{1}, Z(2, 4), 7u, Epoch{3})));
}

// receivedFollowingNotification + checkLeader: a latecomer joins only once a quorum
// reports the same (leader, peerEpoch) and the leader itself reports LEADING.
TEST(Established, LatecomerJoinsOnceAQuorumFollowsTheLeaderThatLeads) {
  // Init.
  Fle fle(TestConfig(3), 1, Z(1, 3), Epoch{1});
  fle.Start();
  // Step: the leader alone is no quorum.
  fle.Deliver(3, Notification{kLeading, PeerId{3}, Z(2, 7), 4, Epoch{2}});
  EXPECT_THAT(fle.host.decisions, IsEmpty());
  // Step: one follower of it makes two of three.
  fle.Deliver(2, Notification{kFollowing, PeerId{3}, Z(2, 7), 4, Epoch{2}});
  // Check: joined at once (no finalize wait), in the ensemble's round.
  ASSERT_THAT(fle.host.decisions, SizeIs(1));
  EXPECT_EQ(fle.host.decisions[0].state, kFollowing);
  EXPECT_EQ(fle.host.decisions[0].vote.leader, PeerId{3});
  EXPECT_EQ(fle.host.decisions[0].vote.peer_epoch, Epoch{2});
  EXPECT_EQ(fle.host.decisions[0].how, "joined");
  EXPECT_EQ(fle.election.logical_clock(), 4u);
}

TEST(Established, LatecomerDoesNotJoinWithoutTheLeadersLeadingNotification) {
  // Init: five voters.
  Fle fle(TestConfig(5), 1, Z(1, 3), Epoch{1});
  fle.Start();
  // Step: a quorum (3 of 5) follows 2, but 2 has not said it leads.
  for (const uint32_t sid : {3u, 4u, 5u}) {
    fle.Deliver(sid, Notification{kFollowing, PeerId{2}, Z(2, 7), 4, Epoch{2}});
  }
  // Check.
  EXPECT_THAT(fle.host.decisions, IsEmpty());
  // Step: now it does.
  fle.Deliver(2, Notification{kLeading, PeerId{2}, Z(2, 7), 4, Epoch{2}});
  // Check.
  ASSERT_THAT(fle.host.decisions, SizeIs(1));
  EXPECT_EQ(fle.host.decisions[0].vote.leader, PeerId{2});
}

// In the outofelection path votes match on (leader, peerEpoch): followers of the same
// leader in different epochs are no quorum.
TEST(Established, LatecomerNeedsAQuorumInTheSamePeerEpoch) {
  Fle fle(TestConfig(3), 1, Z(1, 3), Epoch{1});
  fle.Start();
  fle.Deliver(3, Notification{kLeading, PeerId{3}, Z(2, 7), 4, Epoch{3}});
  fle.Deliver(2, Notification{kFollowing, PeerId{3}, Z(2, 7), 4, Epoch{2}});
  EXPECT_THAT(fle.host.decisions, IsEmpty());
}

// Same round: the recvset path decides through the round's votes ("quorum").
TEST(Established, FollowingNotificationsOfOurRoundDecideThroughTheRoundsVotes) {
  Fle fle(TestConfig(3), 1, Z(1, 3), Epoch{1});
  fle.Start();
  fle.Deliver(3, Notification{kLeading, PeerId{3}, Z(1, 3), 1, Epoch{1}});
  EXPECT_THAT(fle.host.decisions, IsEmpty());
  fle.Deliver(2, Notification{kFollowing, PeerId{3}, Z(1, 3), 1, Epoch{1}});
  ASSERT_THAT(fle.host.decisions, SizeIs(1));
  EXPECT_EQ(fle.host.decisions[0].how, "quorum");
  EXPECT_EQ(fle.host.decisions[0].vote.leader, PeerId{3});
}

// --- Observers (§2.5 step 2, §2.7) -------------------------------------------------------

TEST(Observers, AreNotSentNotificationsAreAnsweredAtOnceAndNeverCounted) {
  // Init: voters 1..3, observer 4; 1 looks, with its previous vote for 2.
  Fle fle(TestConfig(3, 1), 1, Z(1, 3), Epoch{1});
  fle.host.current_vote = Vote{PeerId{2}, Z(1, 9), 3, Epoch{1}, kFollowing, 0};
  fle.Start();
  EXPECT_THAT(fle.out.Connects(PeerId{4}, Channel::kElection), IsEmpty());
  fle.Loopback();
  const size_t votes_before = fle.Votes().size();
  // Step: the observer sends a LOOKING vote equal to our proposal.
  fle.Deliver(4, Looking(1, Z(1, 3), 1, 1));
  // Check: answered with getCurrentVote, our round and state; not counted, not adopted.
  EXPECT_THAT(fle.out.NotificationsTo(PeerId{4}),
              ElementsAre(FieldsAre(kLooking, PeerId{2}, Z(1, 9), 1u, Epoch{1})));
  EXPECT_FALSE(fle.FinalizeTimer());
  EXPECT_THAT(fle.Votes(), SizeIs(votes_before));
  // Step: the same vote from a voter is a quorum.
  fle.Deliver(2, Looking(1, Z(1, 3), 1, 1));
  EXPECT_TRUE(fle.FinalizeTimer());
}

// --- Timeouts ----------------------------------------------------------------------------

// notTimeout starts at minNotificationInterval and doubles at each silent poll, up to
// maxNotificationInterval.
TEST(Timeouts, NotificationTimeoutDoublesUpToTheMaximum) {
  // Init.
  Config config = TestConfig(3);
  config.min_notification_ms = 200;
  config.max_notification_ms = 1000;
  Fle fle(config, 2, Z(1, 3), Epoch{1});
  fle.Start();
  // Step: let five polls time out.
  std::vector<int64_t> delays;
  for (int i = 0; i < 5; ++i) {
    const auto poll =
        fle.out.FindPendingTimer([](const FakeOutbox::Timer& t) { return t.delay_ms > 0; });
    ASSERT_TRUE(poll);
    delays.push_back(poll->delay_ms);
    fle.Fire([&](const FakeOutbox::Timer& t) { return t.id == poll->id; });
    fle.Loopback();
  }
  // Check.
  EXPECT_THAT(delays, ElementsAre(200, 400, 800, 1000, 1000));
}

// On a silent poll: if some peer's outbox is empty (haveDelivered) re-send the
// notifications, else connect to every peer we have messages for (connectAll).
TEST(Timeouts, SilentPollResendsIfSomethingWasDeliveredElseReconnects) {
  // Init: both connection attempts failed; both outboxes are full.
  Fle fle(TestConfig(3), 2, Z(1, 3), Epoch{1});
  fle.Start();
  fle.Loopback();
  for (const uint32_t sid : {1u, 3u}) {
    fle.election.OnDisconnected(*fle.out.LastConnect(PeerId{sid}, Channel::kElection));
  }
  const auto poll = [&fle] {
    return fle.Fire([](const FakeOutbox::Timer& t) { return t.delay_ms > 0; });
  };
  // Step.
  ASSERT_TRUE(poll());
  // Check: reconnected, nothing re-sent (no copy to itself either).
  EXPECT_THAT(fle.out.Connects(PeerId{1}, Channel::kElection), SizeIs(2));
  EXPECT_THAT(fle.out.Connects(PeerId{3}, Channel::kElection), SizeIs(2));
  EXPECT_EQ(fle.Loopback(), 0);
  // Step: the link to 1 comes up and delivers; the next poll times out.
  fle.Link(1);
  ASSERT_THAT(fle.out.NotificationsTo(PeerId{1}), SizeIs(1));
  ASSERT_TRUE(poll());
  // Check: notifications re-sent, to 1 and to itself.
  EXPECT_THAT(fle.out.NotificationsTo(PeerId{1}), SizeIs(2));
  EXPECT_EQ(fle.Loopback(), 1);
}

// --- QuorumCnxManager (§3) ---------------------------------------------------------------

TEST(Connections, OnlyAConnectionOpenedByTheLargerSidSurvives) {
  // Init.
  Fle fle(TestConfig(3), 2, Z(1, 3), Epoch{1});
  fle.Start();
  const ConnId to_3 = *fle.out.LastConnect(PeerId{3}, Channel::kElection);
  const ConnId to_1 = *fle.out.LastConnect(PeerId{1}, Channel::kElection);
  // Step: our connection to a larger sid is closed once up; to a smaller one, kept.
  fle.election.OnConnected(to_3);
  fle.election.OnConnected(to_1);
  // Check.
  EXPECT_FALSE(fle.out.conn(to_3).open);
  EXPECT_THAT(fle.out.Notifications(to_3), IsEmpty());
  EXPECT_TRUE(fle.out.conn(to_1).open);
  EXPECT_THAT(fle.out.Notifications(to_1), SizeIs(1));
  // Step: the smaller sid calls us: refused, our own link to it closed, and we call back.
  const ConnId from_1 = fle.out.Accept(PeerId{1}, Channel::kElection);
  fle.election.OnAccepted(from_1, PeerId{1});
  // Check.
  EXPECT_FALSE(fle.out.conn(from_1).open);
  EXPECT_FALSE(fle.out.conn(to_1).open);
  EXPECT_THAT(fle.out.Connects(PeerId{1}, Channel::kElection), SizeIs(2));
  // Step: the larger sid calls us: kept, and the waiting notification goes out on it.
  const ConnId from_3 = fle.out.Accept(PeerId{3}, Channel::kElection);
  fle.election.OnAccepted(from_3, PeerId{3});
  // Check.
  EXPECT_TRUE(fle.out.conn(from_3).open);
  EXPECT_THAT(fle.out.Notifications(from_3),
              ElementsAre(FieldsAre(kLooking, PeerId{2}, Z(1, 3), 1u, Epoch{1})));
}

// SendWorker: a new connection re-sends lastMessageSent when the outbox is empty.
TEST(Connections, NewConnectionResendsTheLastMessageWhenNothingNewerIsQueued) {
  // Init: the notification went out to 3 and to 1.
  Fle fle(TestConfig(3), 2, Z(1, 3), Epoch{1});
  fle.Start();
  const ConnId first_3 = fle.Link(3);
  const ConnId first_1 = fle.Link(1);
  ASSERT_THAT(fle.out.Notifications(first_3), SizeIs(1));
  ASSERT_THAT(fle.out.Notifications(first_1), SizeIs(1));
  // Step: the connection with 3 breaks; 3 calls again.
  fle.election.OnDisconnected(first_3);
  const ConnId second_3 = fle.out.Accept(PeerId{3}, Channel::kElection);
  fle.election.OnAccepted(second_3, PeerId{3});
  // Step: 1 calls us; we refuse and call back.
  fle.election.OnAccepted(fle.out.Accept(PeerId{1}, Channel::kElection), PeerId{1});
  const ConnId second_1 = *fle.out.LastConnect(PeerId{1}, Channel::kElection);
  ASSERT_NE(second_1, first_1);
  fle.election.OnConnected(second_1);
  // Check: the same notification again on each new connection.
  for (const ConnId conn : {second_3, second_1}) {
    EXPECT_THAT(fle.out.Notifications(conn),
                ElementsAre(FieldsAre(kLooking, PeerId{2}, Z(1, 3), 1u, Epoch{1})));
  }
}

// queueSendMap holds one message per peer: a newer one replaces one not yet sent.
TEST(Connections, UnsentMessageIsReplacedByANewerOne) {
  // Init: the notification to 3 waits for a connection.
  Fle fle(TestConfig(3), 2, Z(1, 3), Epoch{1});
  fle.Start();
  // Step: 1's better vote makes us send again.
  fle.Deliver(1, Looking(1, Z(1, 4), 1, 1));
  const ConnId from_3 = fle.out.Accept(PeerId{3}, Channel::kElection);
  fle.election.OnAccepted(from_3, PeerId{3});
  // Check: only the newer one goes out.
  EXPECT_THAT(fle.out.Notifications(from_3),
              ElementsAre(FieldsAre(kLooking, PeerId{1}, Z(1, 4), 1u, Epoch{1})));
}

}  // namespace
}  // namespace zabsim::zab

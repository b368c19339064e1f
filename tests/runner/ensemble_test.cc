// End-to-end tests: whole ZAB ensembles in the simulated world, each test a story with
// a known ending (who leads, what commits, how a returning server is synced).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "runner/cluster.h"
#include "zab/releases.h"
#include "runner/run_summary.h"
#include "sim/fault.h"
#include "sim/world.h"

namespace zabsim::runner {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr sim::Duration Seconds(int64_t s) { return sim::Duration::Seconds(s); }

zab::Op Create(std::string path, std::string data) {
  zab::Op op;
  op.type = zab::OpType::kCreate;
  op.path = std::move(path);
  op.data = std::move(data);
  return op;
}

// Ensemble is a cluster plus the record of everything its servers and clients did.
class Ensemble {
 public:
  explicit Ensemble(const ClusterOptions& options) {
    auto c = Cluster::Create(options);
    EXPECT_TRUE(c.ok()) << c.status();
    cluster_ = *std::move(c);
    summary_ = std::make_unique<RunSummary>(*cluster_);
    cluster_->AddListener([this](const EventRecord& r) { events_.push_back(r); });
    // ZABSIM_TEST_TRACE=1 prints the whole trace, to read what a failing test did.
    if (const char* t = std::getenv("ZABSIM_TEST_TRACE"); t != nullptr && t[0] == '1') {
      trace_sink_ = std::make_unique<sim::TextSink>(stderr);
      world().trace().AddSink(trace_sink_.get());
    }
  }
  ~Ensemble() {
    if (trace_sink_) world().trace().RemoveSink(trace_sink_.get());
  }

  Cluster& cluster() { return *cluster_; }
  World& world() { return cluster_->world(); }
  const RunSummary& summary() const { return *summary_; }

  bool RunUntil(const std::function<bool()>& done, sim::Duration limit) {
    return world().RunUntilTrue(done, world().now() + limit);
  }
  void RunFor(sim::Duration d) { world().RunFor(d); }

  // RunUntilLeader runs until an established leader exists and returns it.
  std::optional<uint32_t> RunUntilLeader(sim::Duration limit = Seconds(30)) {
    RunUntil([&] { return cluster_->EstablishedLeader().has_value(); }, limit);
    return cluster_->EstablishedLeader();
  }
  bool RunUntilConverged(sim::Duration limit = Seconds(60)) {
    return RunUntil([&] { return cluster_->Converged(); }, limit);
  }

  void Fault(std::string_view text) {
    auto f = sim::ParseFault(text);
    ASSERT_TRUE(f.ok()) << f.status();
    ASSERT_TRUE(f->Validate(world().config().processes).ok());
    world().Apply(*f);
  }

  void Submit(uint32_t client, zab::Op op) {
    const sim::ProcessId p{cluster_->ClientProcessId(client)};
    world().Invoke(p, [&](sim::Process<zab::Message>& process, Ctx& ctx) {
      static_cast<ClientProcess&>(process).Submit(ctx, std::move(op));
    });
  }

  // Writes submits `n` creates through client `client` and runs until all complete.
  void Writes(uint32_t client, int n, std::string_view prefix) {
    for (int i = 0; i < n; ++i) Submit(client, Create(fmt::format("/{}{}", prefix, i), "v"));
    ASSERT_TRUE(RunUntil([&] { return cluster_->client(client)->client().idle(); }, Seconds(30)));
  }

  template <typename T>
  std::vector<std::pair<uint32_t, T>> Events() const {
    std::vector<std::pair<uint32_t, T>> out;
    for (const EventRecord& r : events_) {
      if (const auto* e = std::get_if<T>(&r.event)) out.emplace_back(r.process, *e);
    }
    return out;
  }

  // Applied lists the zxids server `sid` applied, in order.
  std::vector<zab::Zxid> Applied(uint32_t sid) const {
    std::vector<zab::Zxid> out;
    for (const auto& [p, e] : Events<zab::Applied>()) {
      if (p == sid) out.push_back(e.zxid);
    }
    return out;
  }

  std::vector<zab::SyncChosen> SyncsOf(uint32_t learner) const {
    std::vector<zab::SyncChosen> out;
    for (const auto& [p, e] : Events<zab::SyncChosen>()) {
      if (e.learner.value == learner) out.push_back(e);
    }
    return out;
  }

 private:
  std::unique_ptr<Cluster> cluster_;
  std::unique_ptr<RunSummary> summary_;
  std::vector<EventRecord> events_;
  std::unique_ptr<sim::TextSink> trace_sink_;
};

// Options: ZAB as it should be (master with its open bugs fixed); a test that wants a
// bug turns its switch on.
ClusterOptions Options(uint32_t voters, uint32_t clients = 0, uint64_t seed = 1) {
  ClusterOptions o;
  EXPECT_TRUE(zab::UseRelease(o.zab, "master+fixes").ok());
  o.seed = seed;
  o.zab.voters = voters;
  o.clients = clients;
  return o;
}

// --- Election ---------------------------------------------------------------------------

class FreshEnsemble : public ::testing::TestWithParam<uint32_t> {};

TEST_P(FreshEnsemble, ElectsTheHighestSidWhenEveryVoterIsEqual) {
  const uint32_t voters = GetParam();
  Ensemble e(Options(voters));
  const std::optional<uint32_t> leader = e.RunUntilLeader();
  ASSERT_TRUE(leader.has_value());
  EXPECT_EQ(*leader, voters);  // Same (epoch 0, zxid 0): the sid decides.
  ASSERT_TRUE(e.RunUntilConverged());
  for (uint32_t sid = 1; sid <= voters; ++sid) {
    const zab::Peer* p = e.cluster().peer(sid);
    EXPECT_EQ(p->leader().value, voters) << "server " << sid;
    EXPECT_EQ(p->phase(), zab::ZabPhase::kBroadcast) << "server " << sid;
    EXPECT_EQ(p->current_epoch(), zab::Epoch{1}) << "server " << sid;
    EXPECT_EQ(p->accepted_epoch(), zab::Epoch{1}) << "server " << sid;
  }
  EXPECT_THAT(e.summary().violations(), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(Voters, FreshEnsemble, ::testing::Values(3u, 5u, 7u, 9u));

TEST(Election, AHigherZxidBeatsAHigherSidInTheSameEpoch) {
  // Server 2 misses the writes that server 1 logs; when the leader (3) dies, 1 and 2
  // share currentEpoch 1, and 1's higher zxid must win over 2's higher sid.
  ClusterOptions o = Options(3, 1);
  o.client_homes = {{1}};
  Ensemble e(o);
  ASSERT_EQ(e.RunUntilLeader(), 3u);
  ASSERT_TRUE(e.RunUntilConverged());
  e.Fault("partition 1,3|2");
  e.Writes(0, 3, "a");
  e.Fault("crash 3");
  e.Fault("heal");
  const std::optional<uint32_t> leader = e.RunUntilLeader();
  ASSERT_TRUE(leader.has_value());
  EXPECT_EQ(*leader, 1u);
  ASSERT_TRUE(e.RunUntilConverged());
  EXPECT_EQ(e.cluster().peer(1)->current_epoch(), zab::Epoch{2});
}

TEST(Election, AHigherEpochBeatsAHigherSid) {
  // Server 3 is cut off in epoch 1 while 1 and 2 move on to epoch 2 and write; when 2
  // dies, 1 (currentEpoch 2) must beat 3 (currentEpoch 1) despite 3's higher sid.
  ClusterOptions o = Options(3, 1);
  o.client_homes = {{2}};
  Ensemble e(o);
  ASSERT_EQ(e.RunUntilLeader(), 3u);
  ASSERT_TRUE(e.RunUntilConverged());
  e.Fault("isolate 3");
  const std::optional<uint32_t> second =
      e.RunUntil([&] { return e.cluster().EstablishedLeader() == 2u; }, Seconds(60))
          ? std::optional<uint32_t>(2)
          : std::nullopt;
  ASSERT_EQ(second, 2u);
  e.Writes(0, 2, "b");
  e.Fault("crash 2");
  e.Fault("heal");
  // 1 (epoch 2, more txns) against 3 (epoch 1): 1 must lead.
  ASSERT_TRUE(e.RunUntil([&] { return e.cluster().EstablishedLeader() == 1u; }, Seconds(90)));
  ASSERT_TRUE(e.RunUntilConverged());
  EXPECT_EQ(e.cluster().peer(3)->leader().value, 1u);
}

TEST(Election, KillingTheLeaderElectsTheNextBestInANewEpoch) {
  Ensemble e(Options(5));
  ASSERT_EQ(e.RunUntilLeader(), 5u);
  ASSERT_TRUE(e.RunUntilConverged());
  e.Fault("crash 5");
  ASSERT_TRUE(e.RunUntil([&] { return e.cluster().EstablishedLeader() == 4u; }, Seconds(60)));
  ASSERT_TRUE(e.RunUntilConverged());
  EXPECT_EQ(e.cluster().peer(4)->current_epoch(), zab::Epoch{2});
  EXPECT_THAT(e.summary().leaders(), ElementsAre(std::pair{1u, 5u}, std::pair{2u, 4u}));
}

// --- Broadcast --------------------------------------------------------------------------

TEST(Broadcast, WritesCommitAndEveryServerAppliesTheSameSequence) {
  ClusterOptions o = Options(5, 3);
  Ensemble e(o);
  ASSERT_TRUE(e.RunUntilLeader().has_value());
  for (uint32_t c = 0; c < 3; ++c) e.Writes(c, 10, fmt::format("c{}-", c));
  ASSERT_TRUE(e.RunUntilConverged());
  e.RunFor(Seconds(1));
  const std::vector<zab::Zxid> reference = e.Applied(1);
  // 30 writes, plus the three clients' sessions.
  ASSERT_EQ(reference.size(), 33u);
  for (size_t i = 0; i < reference.size(); ++i) {
    EXPECT_EQ(reference[i], zab::Zxid::Make(zab::Epoch{1}, static_cast<uint32_t>(i + 1)));
  }
  for (uint32_t sid = 2; sid <= 5; ++sid) EXPECT_EQ(e.Applied(sid), reference) << "server " << sid;
  EXPECT_EQ(e.summary().committed(), 33u);
  EXPECT_EQ(e.summary().ops_ok(), 30u);
  EXPECT_THAT(e.summary().violations(), IsEmpty());
}

TEST(Broadcast, AMinorityCannotCommit) {
  // The leader (3) is cut off with no follower: it cannot commit the write sent to it,
  // steps down, and the majority elects a leader of its own and commits there.
  ClusterOptions o = Options(3, 2);
  o.client_homes = {{3}, {1}};
  Ensemble e(o);
  ASSERT_EQ(e.RunUntilLeader(), 3u);
  ASSERT_TRUE(e.RunUntilConverged());
  e.RunFor(Seconds(1));
  e.Fault("isolate 3");
  const size_t committed_before = e.Events<zab::Committed>().size();
  e.Submit(0, Create("/minority", "x"));
  ASSERT_TRUE(e.RunUntil([&] { return e.cluster().EstablishedLeader() == 2u; }, Seconds(60)));
  // Nothing committed on the minority side: server 3 committed nothing more.
  for (size_t i = committed_before; i < e.Events<zab::Committed>().size(); ++i) {
    EXPECT_NE(e.Events<zab::Committed>()[i].first, 3u);
  }
  e.Writes(1, 2, "majority");
  const auto completions = e.Events<zab::ClientCompleted>();
  bool minority_ok = false;
  for (const auto& [p, c] : completions) {
    if (c.op.path == "/minority" && c.code == zab::Code::kOk) minority_ok = true;
  }
  EXPECT_FALSE(minority_ok);
  e.Fault("heal");
  ASSERT_TRUE(e.RunUntilConverged());
  EXPECT_EQ(e.cluster().peer(3)->db().tree().Find("/majority0") != nullptr, true);
  EXPECT_THAT(e.summary().violations(), IsEmpty());
}

// --- Synchronisation -------------------------------------------------------------------

TEST(Sync, ARestartedFollowerCatchesUpByDiff) {
  ClusterOptions o = Options(3, 1);
  o.client_homes = {{3}};
  Ensemble e(o);
  ASSERT_EQ(e.RunUntilLeader(), 3u);
  ASSERT_TRUE(e.RunUntilConverged());
  e.RunFor(Seconds(1));  // The client's session commits everywhere first.
  e.Fault("crash 1");
  e.Writes(0, 5, "d");
  e.Fault("restart 1");
  ASSERT_TRUE(e.RunUntilConverged());
  const std::vector<zab::SyncChosen> syncs = e.SyncsOf(1);
  ASSERT_FALSE(syncs.empty());
  EXPECT_EQ(syncs.back().mode, zab::SyncMode::kDiff);
  EXPECT_EQ(syncs.back().txns, 5u);  // The five creates (the session was already there).
  EXPECT_NE(e.cluster().peer(1)->db().tree().Find("/d4"), nullptr);
}

TEST(Sync, AServerWithAnUncommittedTxnIsTruncated) {
  // The leader (3) logs a txn no follower receives (its PROPOSALs are held), then dies.
  // 1 and 2 go on in epoch 2; when 3 comes back it reports the txn, which the new leader
  // never saw: TRUNC.
  ClusterOptions o = Options(3, 1);
  o.client_homes = {{3}};
  Ensemble e(o);
  ASSERT_EQ(e.RunUntilLeader(), 3u);
  ASSERT_TRUE(e.RunUntilConverged());
  e.Writes(0, 2, "t");
  e.world().network().AddRule(sim::MessageRule{sim::MessageRule::Action::kHold, sim::ProcessId{3},
                                               sim::ProcessId{0}, "PROPOSAL", -1, {}});
  e.Submit(0, Create("/lost", "x"));
  e.RunFor(sim::Duration::Millis(50));
  const zab::Zxid lost = e.cluster().peer(3)->db().last_logged();
  ASSERT_EQ(lost, zab::Zxid::Make(zab::Epoch{1}, 4));
  e.Fault("crash 3");
  e.world().network().ClearRules();
  e.Fault("release 3>*");
  ASSERT_TRUE(e.RunUntil([&] { return e.cluster().EstablishedLeader() == 2u; }, Seconds(60)));
  e.Fault("restart 3");
  ASSERT_TRUE(e.RunUntilConverged());
  const std::vector<zab::SyncChosen> syncs = e.SyncsOf(3);
  ASSERT_FALSE(syncs.empty());
  EXPECT_EQ(syncs.back().mode, zab::SyncMode::kTrunc);
  EXPECT_EQ(syncs.back().peer_last_zxid, lost);
  EXPECT_EQ(syncs.back().zxid, zab::Zxid::Make(zab::Epoch{1}, 3));
  EXPECT_EQ(e.cluster().peer(3)->db().tree().Find("/lost"), nullptr);
  EXPECT_EQ(e.cluster().peer(3)->db().last_logged(), zab::Zxid::Make(zab::Epoch{1}, 3));
  EXPECT_THAT(e.summary().violations(), IsEmpty());
}

TEST(Sync, AFarBehindFollowerGetsASnapshot) {
  // A committed log of 10 txns (and no txn-log sync): a follower 30 txns behind gets SNAP.
  ClusterOptions o = Options(3, 1);
  o.zab.commit_log_count = 10;
  o.zab.txn_log_sync = 0;
  o.client_homes = {{3}};
  Ensemble e(o);
  ASSERT_EQ(e.RunUntilLeader(), 3u);
  ASSERT_TRUE(e.RunUntilConverged());
  e.Fault("crash 1");
  e.Writes(0, 30, "s");
  e.Fault("restart 1");
  ASSERT_TRUE(e.RunUntilConverged());
  const std::vector<zab::SyncChosen> syncs = e.SyncsOf(1);
  ASSERT_FALSE(syncs.empty());
  EXPECT_EQ(syncs.back().mode, zab::SyncMode::kSnap);
  EXPECT_EQ(e.cluster().peer(1)->db().tree().digest(), e.cluster().peer(3)->db().tree().digest());
  EXPECT_NE(e.cluster().peer(1)->db().tree().Find("/s29"), nullptr);
}

TEST(Sync, HealingAPartitionConverges) {
  ClusterOptions o = Options(5, 2);
  o.workload.ops = 30;
  Ensemble e(o);
  ASSERT_TRUE(e.RunUntilLeader().has_value());
  e.Fault("partition 1,2|3,4,5");
  e.RunFor(Seconds(20));
  e.Fault("partition 1,2,3|4,5");
  e.RunFor(Seconds(20));
  e.Fault("heal");
  ASSERT_TRUE(e.RunUntil([&] { return e.cluster().WorkloadDone() && e.cluster().Converged(); },
                         Seconds(120)));
  EXPECT_THAT(e.summary().violations(), IsEmpty());
}

// --- Observers ----------------------------------------------------------------------------

TEST(Observers, ObserversLearnEveryCommitButNeverCount) {
  ClusterOptions o = Options(3, 1);
  o.zab.observers = 2;
  o.client_homes = {{4}};  // Writes go through an observer.
  Ensemble e(o);
  ASSERT_EQ(e.RunUntilLeader(), 3u);  // Observers (4, 5) never lead.
  ASSERT_TRUE(e.RunUntilConverged());
  e.Writes(0, 5, "o");
  ASSERT_TRUE(e.RunUntilConverged());
  for (const uint32_t sid : {4u, 5u}) {
    EXPECT_EQ(e.cluster().peer(sid)->state(), zab::ServerState::kObserving);
    EXPECT_NE(e.cluster().peer(sid)->db().tree().Find("/o4"), nullptr);
  }
  // With two voters down, the observers cannot make a quorum: no leader.
  e.Fault("crash 1");
  e.Fault("crash 2");
  e.RunFor(Seconds(60));
  EXPECT_FALSE(e.cluster().EstablishedLeader().has_value());
}

// --- Recovery -----------------------------------------------------------------------------

TEST(Recovery, AFullRestartKeepsEveryAcknowledgedWrite) {
  ClusterOptions o = Options(3, 1);
  Ensemble e(o);
  ASSERT_TRUE(e.RunUntilLeader().has_value());
  e.Writes(0, 10, "r");
  for (const char* f : {"crash 1", "crash 2", "crash 3", "restart 1", "restart 2", "restart 3"}) {
    e.Fault(f);
  }
  ASSERT_TRUE(e.RunUntilConverged());
  for (uint32_t sid = 1; sid <= 3; ++sid) {
    for (int i = 0; i < 10; ++i) {
      EXPECT_NE(e.cluster().peer(sid)->db().tree().Find(fmt::format("/r{}", i)), nullptr)
          << "server " << sid << " lost /r" << i;
    }
  }
}

TEST(Recovery, ARoleRestartKeepsMemoryAndRejoins) {
  Ensemble e(Options(3));
  ASSERT_EQ(e.RunUntilLeader(), 3u);
  ASSERT_TRUE(e.RunUntilConverged());
  e.Fault("signal 1 1");
  ASSERT_TRUE(e.RunUntilConverged());
  bool ended = false;
  for (const auto& [p, ev] : e.Events<zab::RoleEnded>()) ended |= p == 1 && ev.reason == "role restart";
  EXPECT_TRUE(ended);
  EXPECT_EQ(e.world().incarnation(sim::ProcessId{1}), 0u);  // No crash.
}

TEST(Recovery, TheLeaderStepsDownBeforeTheZxidCounterWraps) {
  // ZOOKEEPER-1277: 0xfffffffe is the last counter; the next proposal forces a new epoch.
  ClusterOptions o = Options(3, 1);
  o.zab.initial_counter = 0xfffffff0;
  o.client_homes = {{3}};
  Ensemble e(o);
  ASSERT_EQ(e.RunUntilLeader(), 3u);
  ASSERT_TRUE(e.RunUntilConverged());
  e.Writes(0, 20, "w");  // The session took 0xfffffff1; 13 more reach 0xfffffffe.
  bool rolled = false;
  for (const auto& [p, ev] : e.Events<zab::RoleEnded>()) {
    rolled |= p == 3 && ev.reason.find("rolled over") != std::string::npos;
  }
  EXPECT_TRUE(rolled);
  for (uint32_t sid = 1; sid <= 3; ++sid) {
    for (const zab::Zxid z : e.Applied(sid)) EXPECT_NE(z.counter(), 0xffffffffu);
  }
  ASSERT_TRUE(e.RunUntilConverged());
  EXPECT_GE(e.cluster().peer(*e.cluster().EstablishedLeader())->current_epoch(), zab::Epoch{2});
  EXPECT_EQ(e.summary().ops_ok() + e.summary().ops_failed() + e.summary().ops_indeterminate(), 20u);
  EXPECT_THAT(e.summary().violations(), IsEmpty());
}

// --- Clients ------------------------------------------------------------------------------

zab::Op Read(std::string path) {
  zab::Op op;
  op.type = zab::OpType::kGetData;
  op.path = std::move(path);
  return op;
}

zab::Op Sync(std::string path) {
  zab::Op op;
  op.type = zab::OpType::kSync;
  op.path = std::move(path);
  return op;
}

TEST(Clients, ReadsAreLocalAndMayBeStaleUntilASync) {
  // Client 0 writes through server 1; server 2's COMMITs are held, so client 1, reading
  // at server 2, sees the old state (sequential consistency allows it). Its sync is
  // answered only after every commit before it, so the read after it is up to date.
  ClusterOptions o = Options(3, 2);
  o.client_homes = {{1}, {2}};
  Ensemble e(o);
  ASSERT_EQ(e.RunUntilLeader(), 3u);
  ASSERT_TRUE(e.RunUntilConverged());
  e.RunFor(Seconds(1));  // Both sessions open.
  e.world().network().AddRule(sim::MessageRule{sim::MessageRule::Action::kHold, sim::ProcessId{3},
                                               sim::ProcessId{2}, "COMMIT", 1, {}});
  e.Writes(0, 1, "x");
  e.Submit(1, Read("/x0"));
  e.Submit(1, Sync("/x0"));
  e.Submit(1, Read("/x0"));
  e.RunFor(sim::Duration::Millis(500));
  std::vector<zab::ClientCompleted> c1;
  for (const auto& [p, c] : e.Events<zab::ClientCompleted>()) {
    if (c.session == e.cluster().ClientProcessId(1)) c1.push_back(c);
  }
  ASSERT_EQ(c1.size(), 1u);  // Only the first read: the sync waits behind the held COMMIT.
  EXPECT_EQ(c1[0].code, zab::Code::kNoNode);
  e.Fault("release 3>2");
  ASSERT_TRUE(e.RunUntil([&] { return e.cluster().client(1)->client().idle(); }, Seconds(10)));
  c1.clear();
  for (const auto& [p, c] : e.Events<zab::ClientCompleted>()) {
    if (c.session == e.cluster().ClientProcessId(1)) c1.push_back(c);
  }
  ASSERT_EQ(c1.size(), 3u);
  EXPECT_EQ(c1[1].op.type, zab::OpType::kSync);
  EXPECT_EQ(c1[1].code, zab::Code::kOk);
  EXPECT_EQ(c1[2].code, zab::Code::kOk);
  EXPECT_EQ(c1[2].data, "v");
}

TEST(Clients, AnOperationCutOffByAServerCrashIsIndeterminate) {
  ClusterOptions o = Options(3, 1);
  o.client_homes = {{1}};
  Ensemble e(o);
  ASSERT_EQ(e.RunUntilLeader(), 3u);
  ASSERT_TRUE(e.RunUntilConverged());
  e.RunFor(Seconds(1));
  e.world().network().AddRule(sim::MessageRule{sim::MessageRule::Action::kHold, sim::ProcessId{1},
                                               sim::ProcessId{3}, "REQUEST", 1, {}});
  e.Submit(0, Create("/maybe", "x"));
  e.RunFor(sim::Duration::Millis(100));
  e.Fault("crash 1");
  e.RunFor(Seconds(1));
  const auto completions = e.Events<zab::ClientCompleted>();
  ASSERT_FALSE(completions.empty());
  EXPECT_EQ(completions.back().second.op.path, "/maybe");
  EXPECT_TRUE(completions.back().second.indeterminate);
  EXPECT_EQ(completions.back().second.code, zab::Code::kConnectionLoss);
}

TEST(Clients, AClientNeverSeesAnOlderStateAfterMovingServers) {
  // The client reads the latest state at server 1; server 2 misses some commits (held).
  // When server 1 dies, the client may only be served again by a server that is at
  // least as recent as what it saw: server 2 refuses it until it catches up.
  ClusterOptions o = Options(3, 2);
  o.client_homes = {{1, 2}, {1}};  // Client 0 moves between 1 and 2; client 1 writes at 1.
  Ensemble e(o);
  ASSERT_EQ(e.RunUntilLeader(), 3u);
  ASSERT_TRUE(e.RunUntilConverged());
  e.RunFor(Seconds(2));
  e.world().network().AddRule(sim::MessageRule{sim::MessageRule::Action::kHold, sim::ProcessId{3},
                                               sim::ProcessId{2}, "COMMIT", 1, {}});
  e.Writes(1, 5, "n");
  e.Submit(0, Read("/n4"));
  e.RunFor(Seconds(1));
  e.Fault("crash 1");
  for (int i = 0; i < 20; ++i) e.Submit(0, Read("/n4"));  // Now only server 2 is left.
  e.RunFor(Seconds(3));
  e.Fault("release 3>2");
  ASSERT_TRUE(e.RunUntil([&] { return e.cluster().client(0)->client().idle(); }, Seconds(60)));
  zab::Zxid seen;
  bool saw_node = false;
  for (const auto& [p, c] : e.Events<zab::ClientCompleted>()) {
    if (c.session != e.cluster().ClientProcessId(0) || c.indeterminate) continue;
    EXPECT_GE(c.zxid, seen) << "read at " << zab::ToString(c.zxid) << " after "
                            << zab::ToString(seen);
    if (c.zxid > seen) seen = c.zxid;
    if (saw_node) {
      EXPECT_EQ(c.code, zab::Code::kOk) << "a read went back in time";
    }
    saw_node |= c.code == zab::Code::kOk;
  }
  EXPECT_TRUE(saw_node);
}

// --- The random run ------------------------------------------------------------------------

struct RandomRun {
  uint64_t fingerprint = 0;
  bool converged = false;
  std::vector<std::string> violations;
  bool clients_monotonic = true;  // No client saw a zxid lower than one it had seen.
  uint64_t completed = 0;
  uint64_t crashes = 0;
};

RandomRun RunRandom(uint64_t seed) {
  ClusterOptions o = Options(5, 10, seed);
  o.workload.ops = 100;  // 10 clients x 100 = 1,000 operations.
  Ensemble e(o);
  sim::FaultPlan plan = sim::Swarm(seed, 5, Seconds(60), /*signals=*/1);
  // Make sure this run has crashes, partitions and message loss, whatever the swarm drew.
  for (const char* f : {"10s crash 2", "14s restart 2", "20s partition 1,2|3,4,5", "28s heal",
                        "30s loss 2%", "40s loss 0"}) {
    auto p = sim::FaultPlan::Parse(f);
    plan.faults.push_back(p->faults.front());
  }
  std::stable_sort(plan.faults.begin(), plan.faults.end(),
                   [](const sim::TimedFault& a, const sim::TimedFault& b) { return a.at < b.at; });
  EXPECT_TRUE(e.world().Schedule(plan).ok());
  e.RunFor(Seconds(60));
  RandomRun r;
  r.converged = e.RunUntil([&] { return e.cluster().WorkloadDone() && e.cluster().Converged(); },
                           Seconds(240));
  r.fingerprint = e.world().trace().fingerprint();
  r.violations = e.summary().violations();
  r.completed = e.summary().ops_ok() + e.summary().ops_failed() + e.summary().ops_indeterminate();
  r.crashes = e.world().stats().crashes;
  std::map<uint64_t, zab::Zxid> seen;
  for (const auto& [p, c] : e.Events<zab::ClientCompleted>()) {
    if (c.indeterminate) continue;
    if (c.zxid < seen[c.session]) r.clients_monotonic = false;
    seen[c.session] = std::max(seen[c.session], c.zxid);
  }
  return r;
}

TEST(RandomRun, FivePeersAThousandOperationsAndFaultsEndInAgreementRepeatably) {
  for (const uint64_t seed : {1, 2, 3}) {
    const RandomRun a = RunRandom(seed);
    EXPECT_TRUE(a.converged) << "seed " << seed;
    EXPECT_THAT(a.violations, IsEmpty()) << "seed " << seed;
    EXPECT_EQ(a.completed, 1000u) << "seed " << seed;
    EXPECT_GE(a.crashes, 1u);
    EXPECT_TRUE(a.clients_monotonic) << "seed " << seed;
    const RandomRun b = RunRandom(seed);
    EXPECT_EQ(a.fingerprint, b.fingerprint) << "seed " << seed << " is not repeatable";
  }
}

}  // namespace
}  // namespace zabsim::runner

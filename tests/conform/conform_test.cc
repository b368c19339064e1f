// The conformance harness's pure parts: reading what ZooKeeper 3.8 prints (its own words,
// copied from real runs), refusing what a real ensemble cannot do, and the report.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "conform/observation.h"
#include "conform/plan.h"
#include "conform/process.h"
#include "conform/report.h"
#include "conform/restarts.h"
#include "conform/settle.h"
#include "conform/story_checks.h"
#include "conform/zk_text.h"
#include "runner/scenario/parser.h"

namespace zabsim::conform {
namespace {

TEST(ParseSrvr, LeaderFollowerAndNotServing) {
  const Srvr leader = ParseSrvr(
      "Zookeeper version: 3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC\n"
      "Latency min/avg/max: 0/0.0/0\nReceived: 1\nSent: 0\nConnections: 1\nOutstanding: 0\n"
      "Zxid: 0x100000000\nMode: leader\nNode count: 5\nProposal sizes last/min/max: -1/-1/-1\n");
  EXPECT_EQ(leader.mode, "leading");
  EXPECT_EQ(leader.zxid, "0x100000000");
  const Srvr follower = ParseSrvr("Zxid: 0x200000003\nMode: follower\nNode count: 6\n");
  EXPECT_EQ(follower.mode, "following");
  EXPECT_EQ(follower.zxid, "0x200000003");
  const Srvr looking = ParseSrvr("This ZooKeeper instance is not currently serving requests\n");
  EXPECT_EQ(looking.mode, "looking");
  EXPECT_EQ(looking.zxid, "");
}

std::vector<SyncRecord> Read(SyncLogReader& r, const std::vector<std::string>& lines) {
  std::vector<SyncRecord> out;
  for (const std::string& l : lines) r.Line(l, out);
  return out;
}

TEST(SyncLogReader, DiffDuringFormationSnapAfterEstablishment) {
  SyncLogReader r;
  const auto out = Read(r, {
      "2026-12-01 15:43:47,846 INFO  [QuorumPeer[myid=3](plain=127.0.0.1:30602)(secure=disabled):"
      "QuorumPeer@1549] - LEADING",
      "2026-12-01 15:43:47,983 INFO  [LearnerHandler-/127.0.0.1:41894:LearnerHandler@805] - "
      "Synchronizing with Learner sid: 1 maxCommittedLog=0x0 minCommittedLog=0x0 "
      "lastProcessedZxid=0x0 peerLastZxid=0x0",
      "2026-12-01 15:43:47,983 INFO  [LearnerHandler-/127.0.0.1:41894:LearnerHandler@850] - "
      "Sending DIFF zxid=0x0 for peer sid: 1",
      "2026-12-01 15:43:48,036 INFO  [QuorumPeer[myid=3](plain=127.0.0.1:30602)(secure=disabled):"
      "Leader@1519] - Have quorum of supporters, sids: [[1, 3]]; starting up and setting last "
      "processed zxid: 0x100000000",
      "2026-12-01 15:43:29,778 INFO  [LearnerHandler-/127.0.0.1:55832:LearnerHandler@805] - "
      "Synchronizing with Learner sid: 2 maxCommittedLog=0x0 minCommittedLog=0x0 "
      "lastProcessedZxid=0x100000000 peerLastZxid=0x0",
      "2026-12-01 15:43:29,779 INFO  [LearnerHandler-/127.0.0.1:55832:LearnerHandler@572] - "
      "Sending snapshot last zxid of peer is 0x0, zxid of leader is 0x100000000, send zxid of db "
      "as 0x100000000, 1 concurrent snapshot sync, snapshot sync was exempt from throttle",
  });
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].learner, 1u);
  EXPECT_EQ(out[0].mode, "DIFF");
  EXPECT_FALSE(out[0].established);
  EXPECT_TRUE(out[0].empty);  // peerLastZxid == lastProcessedZxid.
  EXPECT_EQ(out[0].peer_zxid, 0u);
  EXPECT_EQ(out[1].learner, 2u);
  EXPECT_EQ(out[1].mode, "SNAP");
  EXPECT_TRUE(out[1].established);
  EXPECT_FALSE(out[1].empty);
  EXPECT_EQ(out[1].peer_zxid, 0u);
}

TEST(SyncLogReader, TruncAndInterleavedHandlers) {
  SyncLogReader r;
  const auto out = Read(r, {
      "t INFO  [LearnerHandler-/127.0.0.1:1:LearnerHandler@805] - Synchronizing with Learner sid: 4 x",
      "t INFO  [LearnerHandler-/127.0.0.1:2:LearnerHandler@805] - Synchronizing with Learner sid: 5 x",
      "t INFO  [LearnerHandler-/127.0.0.1:2:LearnerHandler@977] - Sending DIFF zxid=0x200000001  for peer sid: 5",
      "t INFO  [LearnerHandler-/127.0.0.1:1:LearnerHandler@700] - Sending TRUNC to follower "
      "zxidToSend=0x100000003 for peer sid:4",
      // A handler thread that never said whom it syncs is ignored.
      "t INFO  [LearnerHandler-/127.0.0.1:3:LearnerHandler@977] - Sending DIFF zxid=0x1  for peer sid: 9",
      "not a log4j line at all",
  });
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].learner, 5u);
  EXPECT_EQ(out[0].mode, "DIFF");
  EXPECT_EQ(out[1].learner, 4u);
  EXPECT_EQ(out[1].mode, "TRUNC");
}

TEST(Cli, ErrorsStatAndGet) {
  EXPECT_EQ(CliErrorCode({"Node does not exist: /nothere"}), "NONODE");
  EXPECT_EQ(CliErrorCode({"Node already exists: /a"}), "NODEEXISTS");
  EXPECT_EQ(CliErrorCode({"KeeperErrorCode = ConnectionLoss for /b"}), "CONNECTIONLOSS");
  EXPECT_EQ(CliErrorCode({"version No is not valid : /a"}), "BADVERSION");
  EXPECT_EQ(CliErrorCode({"Created /a"}), "");
  const std::vector<std::string> get = {"bye", "cZxid = 0x100000002", "ctime = Tue Dec 01 15:31:14 UTC 2026",
                                        "mZxid = 0x100000003", "pZxid = 0x100000002", "dataVersion = 1"};
  EXPECT_EQ(CliField(get, "cZxid"), "0x100000002");
  EXPECT_EQ(CliField(get, "aclVersion"), "?");
  EXPECT_EQ(CliGetValue(get), "bye (mzxid 0x100000003)");
  EXPECT_EQ(CliGetValue({"null", "mZxid = 0x100000004"}), " (mzxid 0x100000004)");
  EXPECT_EQ(CliGetValue({"Node does not exist: /b"}), "NONODE");
  EXPECT_TRUE(CliNoise("WatchedEvent state:SyncConnected type:None path:null"));
  EXPECT_FALSE(CliNoise("bye"));
}

absl::StatusOr<Plan> PlanOf(const std::string& text, runner::scenario::ScenarioFile& file) {
  auto parsed = runner::scenario::Parse("t.scn", text);
  if (!parsed.ok()) return parsed.status();
  file = *parsed;
  return MakePlan(file);
}

TEST(MakePlan, TakesWhatARealEnsembleCanDo) {
  runner::scenario::ScenarioFile file;
  auto plan = PlanOf(
      "cluster voters=5 clients=2 client.1=2 commit_log_count=500 prealloc_kb=64 "
      "snapshot_size_factor_permille=1000\n----\n\n"
      "run until=converged show=none\n----\n\ncreate 1 /a x\n----\n\nset 2 /a y version=0\n----\n\n"
      "crash 3\n----\n\nrun for=2s\n----\n\nrestart 3\n----\n\nstate 3 1\n----\n\nget 1 /b\n----\n",
      file);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->ensemble.voters, 5u);
  EXPECT_EQ(plan->ensemble.clients, 2u);
  EXPECT_EQ(plan->ensemble.prealloc_kb, 64u);
  EXPECT_EQ(plan->ensemble.snapshot_size_factor_permille, 1000u);  // A factor of 1: ZooKeeper keeps it.
  ASSERT_EQ(plan->ensemble.client_homes.size(), 1u);
  EXPECT_EQ(plan->ensemble.client_homes[0], std::vector<uint32_t>{2});
  ASSERT_EQ(plan->steps.size(), 9u);
  EXPECT_EQ(plan->steps[1].kind, StepKind::kRunConverged);
  EXPECT_EQ(plan->steps[3].version, 0);
  EXPECT_EQ(plan->steps[5].for_ms, 2000);
  EXPECT_EQ(plan->steps[7].servers, (std::vector<uint32_t>{3, 1}));
  EXPECT_EQ(plan->paths, (std::vector<std::string>{"/a", "/b"}));
}

std::string PlanError(const std::string& text) {
  runner::scenario::ScenarioFile file;
  auto plan = PlanOf(text, file);
  return plan.ok() ? "accepted" : std::string(plan.status().message());
}

TEST(MakePlan, RefusesWhatItCannotDoNamingFileLineAndColumn) {
  const std::string c = "cluster voters=3 clients=1\n----\n\n";
  EXPECT_EQ(PlanError(c + "isolate 1\n----\n"),
            "t.scn:4:1: isolate: cannot be reproduced on a real ensemble on loopback (conformance "
            "runs take cluster, run, create, set, delete, get, exists, crash, restart, state, show, "
            "check, hold-next, drop-next, delay-next, hold, release, delay, partition, oneway, heal, "
            "break, disk-slow, disk-error)");
  EXPECT_EQ(PlanError(c + "clock-step 1 5s\n----\n").substr(0, 23), "t.scn:4:1: clock-step: ");
  EXPECT_EQ(PlanError(c + "drop-next from=1 to=1\n----\n"),
            "t.scn:4:11: drop-next: expected drop-next from=A to=B with two different servers");
  EXPECT_EQ(PlanError(c + "hold *>2\n----\n"),
            "t.scn:4:6: hold: '*' includes the clients, whose connections the real side does not carry "
            "through its proxy; name the servers");
  EXPECT_EQ(PlanError(c + "hold-next from=1 to=2 zxid=$w\n----\n").substr(0, 44),
            "t.scn:4:23: hold-next: a capture names a zxi");
  EXPECT_EQ(PlanError(c + "delay-next from=1 to=2\n----\n"),
            "t.scn:4:12: delay-next: expected delay-next from=A to=B extra=DURATION with two different servers");
  EXPECT_EQ(PlanError(c + "disk-slow 1 5000 1s\n----\n"),
            "t.scn:4:13: disk-slow: expected a number in 1..1000, found '5000'");
  EXPECT_EQ(PlanError("cluster voters=3 net.loss=1%\n----\n").substr(0, 57),
            "t.scn:1:18: cluster: 'net.loss' cannot be reproduced on a");
  // ZooKeeper 3.8 resets a snapshot size factor above 1 to 0.33: refused above 1000 permille.
  EXPECT_EQ(PlanError("cluster voters=3 snapshot_size_factor_permille=1001\n----\n"),
            "t.scn:1:18: cluster: expected a number in 0..1000, found '1001'");
  EXPECT_EQ(PlanError("cluster voters=3 commit_log_count=2\n----\n"),
            "t.scn:1:18: cluster: expected a number in 500..1000000, found '2'");
  EXPECT_EQ(PlanError(c + "run until=epoch:x\n----\n"),
            "t.scn:4:5: run: expected an epoch in 1..4294967295 after 'epoch:', found 'epoch:x'");
  EXPECT_EQ(PlanError(c + "run until=quiet\n----\n").substr(0, 53),
            "t.scn:4:5: run: 'until=quiet' cannot be reproduced on");
  EXPECT_EQ(PlanError(c + "get 1 /a nowait\n----\n").substr(0, 37), "t.scn:4:10: get: 'nowait' is not supp");
  EXPECT_EQ(PlanError(c + "create 1 /a x ephemeral\n----\n").substr(0, 43), "t.scn:4:15: create: 'ephemeral' is not supp");
  EXPECT_EQ(PlanError(c + "crash 4\n----\n"), "t.scn:4:7: crash: expected a number in 1..3, found '4'");
  EXPECT_EQ(PlanError("run until=leader\n----\n"), "t.scn:1:1: run: expected 'cluster' before any other command");
}

TEST(MakePlan, ReadsNetworkAndDiskFaultsForTheProxyAndThePreloadLibrary) {
  const std::string text =
      "cluster voters=3 clients=1\n----\n\n"
      "hold-next from=3 to=1 type=COMMIT zxid=0x100000002 count=2\n----\n\n"
      "delay-next from=2 to=1 extra=50ms\n----\n\n"
      "partition 1|2,3\n----\n\n"
      "oneway 1,2>3\n----\n\n"
      "delay 2>1 100ms 2s\n----\n\n"
      "disk-slow 3 50 5s\n----\n\n"
      "disk-error 2 1s log.,snapshot.\n----\n";
  auto file = runner::scenario::Parse("t.scn", text);
  ASSERT_TRUE(file.ok()) << file.status();
  auto plan = MakePlan(*file);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const std::vector<Step>& s = plan->steps;
  ASSERT_EQ(s.size(), 8u);
  EXPECT_EQ(s[1].kind, StepKind::kRule);
  EXPECT_EQ(s[1].action, "hold");
  EXPECT_EQ(s[1].from, 3u);
  EXPECT_EQ(s[1].to, 1u);
  EXPECT_EQ(s[1].type, "COMMIT");
  EXPECT_EQ(s[1].zxid, 0x100000002u);
  EXPECT_EQ(s[1].count, 2u);
  EXPECT_EQ(s[2].action, "delay");
  EXPECT_EQ(s[2].extra_ms, 50);
  EXPECT_EQ(s[3].kind, StepKind::kCut);
  EXPECT_TRUE(s[3].replace_cuts);
  const std::vector<std::pair<uint32_t, uint32_t>> partition = {{1, 2}, {1, 3}, {2, 1}, {3, 1}};
  EXPECT_EQ(s[3].cuts, partition);
  EXPECT_FALSE(s[4].replace_cuts);
  const std::vector<std::pair<uint32_t, uint32_t>> oneway = {{1, 3}, {2, 3}};
  EXPECT_EQ(s[4].cuts, oneway);
  EXPECT_EQ(s[5].kind, StepKind::kDelay);
  EXPECT_EQ(s[5].extra_ms, 100);
  EXPECT_EQ(s[5].for_ms, 2000);
  EXPECT_EQ(s[6].kind, StepKind::kDiskSlow);
  EXPECT_EQ(s[6].factor, 50u);
  EXPECT_EQ(s[7].kind, StepKind::kDiskError);
  EXPECT_EQ(s[7].prefixes, "log.,snapshot.");
}

std::string LineWith(const std::string& text, std::string_view needle) {
  const size_t at = text.find(needle);
  if (at == std::string::npos) return "";
  const size_t begin = text.rfind('\n', at) + 1;
  return text.substr(begin, text.find('\n', at) - begin);
}

TEST(Report, MarksDifferencesAndSkipsWhatIsOnlyReported) {
  Observer real;
  Observer sim;
  for (Observer* o : {&real, &sim}) {
    o->Step(4, "run until=converged");
    o->Leader(3, 1);
    o->Add("time to this state", o == &real ? "500 ms wall clock" : "212 ms simulated", Compare::kNever);
    o->Step(7, "state 1");
    o->Server(1, "following", o == &real ? "0x100000000" : "0x0");  // An epoch start: reported.
    o->Server(2, "following", o == &real ? "0x100000002" : "0x100000003");
  }
  const Report r = MakeReport("t.scn", real.observations(), sim.observations());
  EXPECT_EQ(r.compared, 6);
  EXPECT_EQ(r.differ, 1);
  EXPECT_EQ(r.timing, 1);
  EXPECT_EQ(r.reported, 1);
  EXPECT_TRUE(LineWith(r.text, "server 2 last zxid").ends_with("0x100000003                   <-- DIFFERS"))
      << r.text;
  EXPECT_TRUE(LineWith(r.text, "server 1 last zxid").ends_with("(timing: an epoch's start on both sides)")) << r.text;
  EXPECT_TRUE(LineWith(r.text, "time to this state").ends_with("(reported, not compared)")) << r.text;
  EXPECT_TRUE(LineWith(r.text, "server 1 mode").ends_with("following")) << r.text;
  EXPECT_EQ(r.text.find(" \n"), std::string::npos) << "no trailing spaces";
}

SyncRecord Sync(std::string mode, bool established, uint64_t peer, bool empty) {
  return SyncRecord{1, std::move(mode), established, peer, empty};
}

TEST(Report, ComparesSyncsAllowingOnlyTheDifferenceTimingExplains) {
  struct Case {
    SyncRecord real;
    SyncRecord sim;
    const char* mark;
  };
  const Case cases[] = {
      // The initial syncs: the last server up finds the real leader established.
      {Sync("SNAP", true, 0, false), Sync("DIFF", false, 0, true), "(timing: an empty DIFF while the epoch formed"},
      {Sync("DIFF", false, 0, true), Sync("SNAP", true, 0, false), "(timing: an empty DIFF while the epoch formed"},
      // Once hidden as "reported, not compared": a DIFF with txns in it is no timing
      // effect, nor a SNAP to a learner at another zxid, nor two decisions of one phase.
      {Sync("DIFF", false, 0x100000002, false), Sync("SNAP", true, 0x100000002, false), "<-- DIFFERS"},
      {Sync("SNAP", true, 0x100000002, false), Sync("DIFF", false, 0x0, true), "<-- DIFFERS"},
      {Sync("SNAP", false, 0, false), Sync("DIFF", false, 0, true), "<-- DIFFERS"},
      {Sync("TRUNC", true, 0x100000004, false), Sync("DIFF", false, 0x100000004, true), "<-- DIFFERS"},
  };
  for (const Case& c : cases) {
    Observer real;
    Observer sim;
    real.Step(4, "run until=converged");
    sim.Step(4, "run until=converged");
    real.Syncs({c.real}, 3);
    sim.Syncs({c.sim}, 3);
    const Report r = MakeReport("t.scn", real.observations(), sim.observations());
    EXPECT_EQ(r.compared, 1);
    EXPECT_NE(LineWith(r.text, "sync of learner 1").find(c.mark), std::string::npos) << r.text;
    EXPECT_EQ(r.differ, std::string_view(c.mark) == "<-- DIFFERS" ? 1 : 0) << r.text;
  }
}

TEST(Report, ComparesAFollowersZxidAtAnEpochStartWithTheOtherSide) {
  Observer real;
  Observer sim;
  real.Step(7, "state");
  sim.Step(7, "state");
  real.Server(1, "following", "0x100000000");  // An epoch's start on one side only.
  sim.Server(1, "following", "0x100000002");
  const Report r = MakeReport("t.scn", real.observations(), sim.observations());
  EXPECT_EQ(r.differ, 1) << r.text;
  EXPECT_TRUE(LineWith(r.text, "server 1 last zxid").ends_with("<-- DIFFERS")) << r.text;
}

TEST(Report, FoldsLongRunsOfAgreeingClientOperations) {
  Observer real;
  Observer sim;
  for (Observer* o : {&real, &sim}) {
    for (int i = 0; i < 50; ++i) {
      o->Step(10 + 3 * i, fmt::format("set 1 /a {}", i));
      o->Add("c1 set /a", fmt::format("OK 0x1000000{:02x}", i + 2));
    }
  }
  const Report r = MakeReport("t.scn", real.observations(), sim.observations());
  EXPECT_EQ(r.compared, 50);
  EXPECT_EQ(r.differ, 0);
  EXPECT_NE(r.text.find("... 46 more"), std::string::npos) << r.text;
}

TEST(Report, StepsOfARepeatBlockShareALineButNotARow) {
  // The commands of `repeat` have one line: each is still its own step on both sides.
  Observer real;
  Observer sim;
  for (Observer* o : {&real, &sim}) {
    for (int i = 1; i <= 3; ++i) {
      o->Step(12, fmt::format("set 1 /a {}", i));
      o->Add("c1 set /a", o == &real && i == 2 ? "BADVERSION" : fmt::format("OK 0x10000000{}", i + 2));
    }
  }
  const Report r = MakeReport("t.scn", real.observations(), sim.observations());
  EXPECT_EQ(r.compared, 3);
  EXPECT_EQ(r.differ, 1);
  EXPECT_TRUE(LineWith(r.text, "set 1 /a 2").ends_with("OK 0x100000004                <-- DIFFERS")) << r.text;
}

TEST(Report, NeverCutsAValueAndShowsADifferenceAtItsEnd) {
  // Two values that agree on their first 40 characters: cut to a column, they would look
  // the same.
  const std::string common(40, 'x');
  Observer real;
  Observer sim;
  for (Observer* o : {&real, &sim}) {
    o->Step(3, "get 1 /a");
    o->Add("c1 get /a", "OK " + common + (o == &real ? "-real-end" : "-sim-end"));
  }
  const Report r = MakeReport("t.scn", real.observations(), sim.observations());
  EXPECT_EQ(r.differ, 1);
  EXPECT_NE(r.text.find("-real-end"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("-sim-end"), std::string::npos) << r.text;
  EXPECT_EQ(r.text.find("..."), std::string::npos) << r.text;
  EXPECT_TRUE(LineWith(r.text, "c1 get /a").ends_with("<-- DIFFERS")) << r.text;
  EXPECT_EQ(r.text.find(" \n"), std::string::npos) << "no trailing spaces";
}

TEST(Report, WrapKeepsEveryCharacter) {
  EXPECT_EQ(Wrap("short", 28), std::vector<std::string>{"short"});
  EXPECT_EQ(Wrap("", 28), std::vector<std::string>{""});
  EXPECT_EQ(Wrap("abcdefghij", 4), (std::vector<std::string>{"abcd", "efgh", "ij"}));
  EXPECT_EQ(Wrap("one two three four", 10), (std::vector<std::string>{"one two", "three four"}));
}

TEST(Plan, TakesUntilEpoch) {
  auto file = runner::scenario::Parse("t.scn", "cluster clients=1\nrun until=epoch:2\nrun until=epoch:0x3\n");
  ASSERT_TRUE(file.ok());
  auto plan = MakePlan(*file);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->steps.size(), 3u);
  EXPECT_EQ(plan->steps[1].kind, StepKind::kRunEpoch);
  EXPECT_EQ(plan->steps[1].epoch, 2u);
  EXPECT_EQ(plan->steps[2].epoch, 3u);
}

TEST(ZxidEpoch, HighThirtyTwoBits) {
  EXPECT_EQ(ZxidEpoch("0x200000003"), 2u);
  EXPECT_EQ(ZxidEpoch("0x100000000"), 1u);
  EXPECT_EQ(ZxidEpoch("0x0"), 0u);
  EXPECT_EQ(ZxidEpoch("0x5"), 0u);
  EXPECT_EQ(ZxidEpoch(""), 0u);
  EXPECT_EQ(ZxidEpoch("junk"), 0u);
}

TEST(Landed, EveryFollowerHasTheLeadersLastZxid) {
  const Srvr leader{"leading", "0x100000003"};
  const Srvr behind{"following", "0x100000002"};
  const Srvr along{"following", "0x100000003"};
  const Srvr down{"down", ""};
  const Srvr looking{"looking", ""};
  EXPECT_FALSE(Landed({{}, behind, along, leader}));
  EXPECT_TRUE(Landed({{}, along, along, leader}));
  EXPECT_TRUE(Landed({{}, down, along, leader}));
  EXPECT_TRUE(Landed({{}, looking, looking, down}));  // No leader: nothing can land.
  // A server up but not serving while a leader serves is still syncing with it.
  EXPECT_FALSE(Landed({{}, looking, along, leader}));
  EXPECT_FALSE(Landed({{}, looking, along, {"leading", "0x200000000"}}));
  // A leader at its epoch's start: followers keep their own last txn.
  EXPECT_TRUE(Landed({{}, behind, {"following", "0x0"}, {"leading", "0x200000000"}}));
}

TEST(PlanRestarts, StartsAGroupBestVoteFirstAndWarnsWhenItCannot) {
  runner::scenario::ScenarioFile file;
  auto plan = PlanOf(
      "cluster voters=5 clients=1\n----\n\n"                  // 0, line 1
      "restart 1\n----\n\nshow none\n----\n\nrestart 3\n----\n\n"  // 1, 2, 3: lines 4, 7, 10
      "restart 2\n----\n\n"                                    // 4: line 13
      "run for=1s\n----\n\nrestart 4\n----\n\n"                 // 5, 6: lines 16, 19
      "crash 1\n----\n\nrestart 5\n----\n",                    // 7, 8: lines 22, 25
      file);
  ASSERT_TRUE(plan.ok()) << plan.status();
  StepFacts facts;
  facts.instant = {true, true, true, true, true, false, true, true, true};
  facts.vote.resize(9);
  facts.vote[1] = Vote{2, 0x200000001, 1};
  facts.vote[3] = Vote{1, 0x100000009, 3};  // An older epoch: worse, whatever its zxid.
  facts.vote[4] = Vote{2, 0x200000001, 2};  // Ties with server 1: the higher sid wins.
  const RestartPlan r = PlanRestarts(*plan, facts);
  ASSERT_EQ(r.start_at.size(), 1u);
  EXPECT_EQ(r.start_at.at(1), (std::vector<uint32_t>{2, 1, 3}));
  EXPECT_EQ(r.started_before, (std::set<size_t>{3, 4}));
  // Restart 4 comes after time passed: on its own. Restart 5 is at the same instant as 4,
  // with a crash between: the real side cannot start them together, and says so.
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0],
            "25: zabsim restarts server 5 at the same instant as server 4 (line 19), but the 'crash' "
            "at line 22 comes between: the real side starts them one after another, and the "
            "election that follows may differ");
  // The warning reaches the report.
  const Report report = MakeReport("t.scn", {}, {}, r.warnings);
  EXPECT_NE(report.text.find("t.scn:25: warning: zabsim restarts server 5"), std::string::npos) << report.text;
}

TEST(PlanRestarts, QuietForRestartsStaggeredOnPurpose) {
  runner::scenario::ScenarioFile file;
  auto plan = PlanOf("cluster voters=3\n----\n\nrestart 1\n----\n\nrun for=2s\n----\n\nrestart 2\n----\n", file);
  ASSERT_TRUE(plan.ok()) << plan.status();
  StepFacts facts;
  facts.instant = {true, true, false, true};
  facts.vote.resize(4);
  const RestartPlan r = PlanRestarts(*plan, facts);
  EXPECT_TRUE(r.start_at.empty());
  EXPECT_TRUE(r.started_before.empty());
  EXPECT_TRUE(r.warnings.empty());
}

TEST(Plan, RepeatBlocksReachThePlanExpanded) {
  auto file = runner::scenario::Parse("t.scn", "cluster clients=1\nrepeat 3 as=i {\n  set 1 /a $i\n}\n"
                                               "run until=converged already=ok\n");
  ASSERT_TRUE(file.ok());
  auto plan = MakePlan(*file);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->steps.size(), 5u);
  EXPECT_EQ(plan->steps[3].data, "3");
  EXPECT_EQ(plan->steps[3].directive->line, 3);
  EXPECT_EQ(plan->steps[4].kind, StepKind::kRunConverged);
}

}  // namespace
}  // namespace zabsim::conform

namespace zabsim::conform {
namespace {

// Story observations: a client write, then the end state of three servers.
Observations StoryEnd(const std::string& ack, const std::string& server1_a, const std::string& server2_a,
                      const std::vector<SyncRecord>& syncs = {}) {
  Observer o;
  o.Step(5, "create 1 /a one");
  o.Add("c1 create /a", ack);
  o.Step(0, "end");
  if (!syncs.empty()) o.Syncs(syncs, 3);
  o.Server(1, "leading", "0x200000000");
  o.Server(2, "following", "0x200000000");
  o.Server(3, "down", "");
  o.Add("server 1 /a", server1_a);
  o.Add("server 2 /a", server2_a);
  o.Add("server 3 /a", "not serving");
  return o.observations();
}

TEST(StoryChecks, FireOnALostWriteDifferentTreesAndATruncatedAcknowledgedTxn) {
  const std::vector<StoryViolation> lost = CheckStory(StoryEnd("OK 0x100000003", "NONODE", "NONODE"));
  ASSERT_EQ(lost.size(), 2u);
  EXPECT_EQ(lost[0].check, "acknowledged-write-lost");
  EXPECT_EQ(lost[0].detail, "c1 create /a was told OK 0x100000003, but server 1 holds /a = NONODE at the end");
  // Older data than the acknowledged write is a lost write too.
  EXPECT_EQ(CheckStory(StoryEnd("OK 0x100000003", "one (mzxid 0x100000002)", "one (mzxid 0x100000003)"))[0].check,
            "acknowledged-write-lost");
  const std::vector<StoryViolation> differ =
      CheckStory(StoryEnd("CONNECTIONLOSS", "x (mzxid 0x100000003)", "NONODE"));
  ASSERT_EQ(differ.size(), 1u);
  EXPECT_EQ(differ[0].check, "trees-differ");
  EXPECT_EQ(differ[0].detail, "servers 1 and 2 are both at 0x200000000 but hold /a = x (mzxid 0x100000003) and NONODE");
  SyncRecord trunc{3, "TRUNC", true, 0x100000003, false, 0x100000002};
  const std::vector<StoryViolation> cut =
      CheckStory(StoryEnd("OK 0x100000003", "one (mzxid 0x100000003)", "one (mzxid 0x100000003)", {trunc}));
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_EQ(cut[0].check, "acknowledged-txn-truncated");
}

TEST(StoryChecks, StayQuietWhenEveryAcknowledgedWriteIsKept) {
  EXPECT_TRUE(CheckStory(StoryEnd("OK 0x100000003", "one (mzxid 0x100000003)", "one (mzxid 0x100000003)")).empty());
  // A write that failed or was not waited for promises nothing.
  EXPECT_TRUE(CheckStory(StoryEnd("CONNECTIONLOSS", "NONODE", "NONODE")).empty());
  EXPECT_TRUE(CheckStory(StoryEnd("sent (nowait)", "NONODE", "NONODE")).empty());
  // A TRUNC below nothing acknowledged cuts nothing promised.
  SyncRecord trunc{3, "TRUNC", true, 0x100000004, false, 0x100000003};
  EXPECT_TRUE(
      CheckStory(StoryEnd("OK 0x100000003", "one (mzxid 0x100000003)", "one (mzxid 0x100000003)", {trunc})).empty());
}

TEST(StoryChecks, TheVerdictSaysWhetherTheRealEnsembleBrokeTheSameChecks) {
  const std::vector<StoryViolation> lost = {{"acknowledged-write-lost", "..."}};
  bool differs = true;
  EXPECT_EQ(StoryVerdict({}, {}, "3.8.0", 0, differs),
            "checks (acknowledged-write-lost, trees-differ, acknowledged-txn-truncated): none broken on either side\n");
  EXPECT_FALSE(differs);
  EXPECT_NE(StoryVerdict(lost, lost, "3.8.0", 0, differs).find("verdict: reproduced on ZooKeeper 3.8.0"), std::string::npos);
  EXPECT_FALSE(differs);
  EXPECT_NE(StoryVerdict({}, lost, "3.8.0", 4, differs)
                .find("verdict: not reproduced on ZooKeeper 3.8.0: it broke no check; 4 observations went otherwise"),
            std::string::npos);
  EXPECT_TRUE(differs);
  EXPECT_NE(StoryVerdict(lost, {}, "3.8.0", 0, differs).find("verdict: ZooKeeper 3.8.0 broke a check that zabsim did not"),
            std::string::npos);
  EXPECT_TRUE(differs);
}

}  // namespace
}  // namespace zabsim::conform

namespace zabsim::conform {
namespace {

// OneConnection listens on a free loopback port and serves one connection: it reads the
// word, writes `answer` (nothing: it closes with no answer, as a ZooKeeper that failed
// to load its data resets the connections waiting on its client port), and closes.
class OneConnection {
 public:
  explicit OneConnection(std::string answer) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(listen(fd_, 1), 0);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    server_ = std::thread([this, answer] {
      const int c = accept(fd_, nullptr, nullptr);
      char word[4];
      EXPECT_EQ(read(c, word, sizeof word), 4);
      if (!answer.empty()) {
        EXPECT_EQ(write(c, answer.data(), answer.size()), static_cast<ssize_t>(answer.size()));
      }
      close(c);
    });
  }
  ~OneConnection() {
    server_.join();
    close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread server_;
};

TEST(FourLetterWord, ReturnsTheAnswer) {
  OneConnection server("Zookeeper version: 3.8.0\nMode: follower\n");
  auto answer = FourLetterWord(server.port(), "srvr", 5000);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(*answer, "Zookeeper version: 3.8.0\nMode: follower\n");
}

TEST(FourLetterWord, AConnectionClosedWithNoAnswerIsAnError) {
  OneConnection server("");
  auto answer = FourLetterWord(server.port(), "srvr", 5000);
  ASSERT_FALSE(answer.ok());
  EXPECT_NE(answer.status().message().find("closed with no answer to srvr"), std::string_view::npos)
      << answer.status();
}

}  // namespace
}  // namespace zabsim::conform

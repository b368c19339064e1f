#include "sim/world.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "sim/toy/gossip.h"

namespace zabsim::sim {
namespace {

using toy::ToyMessage;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

using Ctx = Context<ToyMessage>;

constexpr ProcessId P(uint32_t v) { return ProcessId{v}; }

ToyMessage Msg(uint64_t v, ToyMessage::Type type = ToyMessage::Type::kGossip) {
  return ToyMessage{type, v};
}

// Probe is a process whose behaviour each test scripts through hooks, and which logs
// every event it sees as "p<id> <event>".
struct Hooks {
  std::function<void(Ctx&)> start;
  std::function<void(Ctx&, ConnId, ProcessId)> connected;
  std::function<void(Ctx&, ConnId, ProcessId)> accepted;
  std::function<void(Ctx&, ConnId, ToyMessage)> message;
  std::function<void(Ctx&, uint64_t)> timer;
  std::function<void(Ctx&, SyncToken)> synced;
  std::function<void(Ctx&, SyncToken)> sync_failed;
  std::vector<std::string> log;
  std::vector<std::string> disks;  // What each construction found on disk.
};

class Probe final : public Process<ToyMessage> {
 public:
  Probe(const ProcessEnv& env, Hooks* hooks) : hooks_(hooks) {
    std::string files;
    for (const auto& [name, records] : env.disk->files) {
      files += fmt::format("{}=[{}] ", name, fmt::join(records, ","));
    }
    hooks_->disks.push_back(fmt::format("p{}#{} {}", env.id.value, env.incarnation, files));
  }
  void Start(Ctx& ctx) override {
    Log(ctx, "start");
    if (hooks_->start) hooks_->start(ctx);
  }
  void OnConnected(Ctx& ctx, ConnId conn, ProcessId peer) override {
    Log(ctx, fmt::format("connected {}", peer.value));
    if (hooks_->connected) hooks_->connected(ctx, conn, peer);
  }
  void OnAccepted(Ctx& ctx, ConnId conn, ProcessId peer, uint32_t) override {
    Log(ctx, fmt::format("accepted {}", peer.value));
    if (hooks_->accepted) hooks_->accepted(ctx, conn, peer);
  }
  void OnDisconnected(Ctx& ctx, ConnId, DisconnectReason reason) override {
    Log(ctx, fmt::format("disconnected {}", ToString(reason)));
  }
  void OnMessage(Ctx& ctx, ConnId conn, ProcessId, ToyMessage m) override {
    Log(ctx, fmt::format("got {}", m.value));
    if (hooks_->message) hooks_->message(ctx, conn, m);
  }
  void OnTimer(Ctx& ctx, TimerId, uint64_t tag) override {
    Log(ctx, fmt::format("timer {}", tag));
    if (hooks_->timer) hooks_->timer(ctx, tag);
  }
  void OnSynced(Ctx& ctx, SyncToken token) override {
    Log(ctx, "synced");
    if (hooks_->synced) hooks_->synced(ctx, token);
  }
  void OnSyncFailed(Ctx& ctx, SyncToken token) override {
    Log(ctx, "sync failed");
    if (hooks_->sync_failed) hooks_->sync_failed(ctx, token);
  }
  void OnStep(Ctx& ctx, uint64_t tag) override { Log(ctx, fmt::format("step {}", tag)); }
  void OnSignal(Ctx& ctx, uint32_t signal) override { Log(ctx, fmt::format("signal {}", signal)); }

 private:
  void Log(Ctx& ctx, const std::string& what) {
    hooks_->log.push_back(fmt::format("p{} {}", ctx.self().value, what));
  }
  Hooks* hooks_;
};

std::unique_ptr<World<ToyMessage>> MakeWorld(Hooks& hooks, WorldConfig config = WorldConfig{}) {
  auto world = World<ToyMessage>::Create(
      config, [&hooks](const ProcessEnv& env) { return std::make_unique<Probe>(env, &hooks); });
  EXPECT_TRUE(world.ok()) << world.status();
  return *std::move(world);
}

WorldConfig TwoProcesses() {
  WorldConfig c;
  c.processes = 2;
  return c;
}

// Logs filtered to one process.
std::vector<std::string> LogOf(const Hooks& hooks, uint32_t p) {
  std::vector<std::string> out;
  const std::string prefix = fmt::format("p{} ", p);
  for (const std::string& line : hooks.log) {
    if (line.rfind(prefix, 0) == 0) out.push_back(line.substr(prefix.size()));
  }
  return out;
}

// p1 connects to p2 at start and runs `on_connected` once connected.
void ConnectOneToTwo(Hooks& hooks, std::function<void(Ctx&, ConnId)> on_connected) {
  hooks.start = [](Ctx& ctx) {
    if (ctx.self() == P(1)) ctx.Connect(P(2), 1);
  };
  hooks.connected = [on_connected](Ctx& ctx, ConnId conn, ProcessId) { on_connected(ctx, conn); };
}

TEST(World, CreateRejectsInvalidConfigurations) {
  WorldConfig c;
  c.processes = 0;
  Hooks hooks;
  auto world = World<ToyMessage>::Create(
      c, [&hooks](const ProcessEnv& env) { return std::make_unique<Probe>(env, &hooks); });
  ASSERT_FALSE(world.ok());
  EXPECT_THAT(std::string(world.status().message()), ::testing::HasSubstr("processes=0"));
}

TEST(World, ScheduleRejectsFaultsOnMissingProcesses) {
  Hooks hooks;
  auto world = MakeWorld(hooks, TwoProcesses());
  auto plan = FaultPlan::Parse("1s crash 3");
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(world->Schedule(*plan).ok());
  EXPECT_EQ(world->Pending(), 2u);  // Only the two starts; nothing was scheduled.
}

TEST(World, EventsAtTheSameTimeRunInTheOrderTheyWereScheduled) {
  Hooks hooks;
  hooks.start = [](Ctx& ctx) {
    if (ctx.self() != P(1)) return;
    for (uint64_t tag : {7, 3, 9, 1}) ctx.SetTimer(Duration::Millis(5), tag);
  };
  auto world = MakeWorld(hooks, TwoProcesses());
  world->RunUntil(Time{10000});
  EXPECT_THAT(LogOf(hooks, 1), ElementsAre("start", "timer 7", "timer 3", "timer 9", "timer 1"));
}

// A process whose every timer sets `fanout` more: with fanout 2 the pending events double
// each millisecond (an event storm), with fanout 1 they stay constant.
std::unique_ptr<World<ToyMessage>> TimerFanout(Hooks& hooks, int fanout, uint64_t max_pending) {
  hooks.start = [](Ctx& ctx) { ctx.SetTimer(Duration::Millis(1), 0); };
  hooks.timer = [fanout](Ctx& ctx, uint64_t) {
    for (int i = 0; i < fanout; ++i) ctx.SetTimer(Duration::Millis(1), 0);
  };
  WorldConfig c = TwoProcesses();
  c.max_pending_events = max_pending;
  return MakeWorld(hooks, c);
}

TEST(World, AnEventStormStopsTheWorldInsteadOfEatingMemory) {
  Hooks hooks;
  auto world = TimerFanout(hooks, 2, 1000);
  world->RunUntil(Time{1'000'000});
  ASSERT_TRUE(world->stopped());
  EXPECT_THAT(world->stop_reason(), ::testing::HasSubstr("max_pending_events=1000"));
  EXPECT_LT(world->now().us, 20'000);  // 2 processes doubling every ms pass 1000 within 10 ms.
  const uint64_t events = world->stats().events;
  world->RunUntil(Time{2'000'000});
  EXPECT_FALSE(world->Step());
  EXPECT_EQ(world->stats().events, events);  // Nothing runs once stopped.
}

TEST(World, ASteadyLoadNeverStopsTheWorld) {
  Hooks hooks;
  auto world = TimerFanout(hooks, 1, 1000);
  world->RunUntil(Time{1'000'000});
  EXPECT_FALSE(world->stopped());
  EXPECT_EQ(world->now().us, 1'000'000);
}

// Timers of 1us that each set one more: nothing piles up, but a million events happen
// within one simulated second, far beyond any protocol's pace.
TEST(World, AnEventRateStormStopsTheWorldToo) {
  Hooks hooks;
  hooks.start = [](Ctx& ctx) { ctx.SetTimer(Duration::Micros(1), 0); };
  hooks.timer = [](Ctx& ctx, uint64_t) { ctx.SetTimer(Duration::Micros(1), 0); };
  WorldConfig c = TwoProcesses();
  c.max_events_per_second = 5000;
  auto world = MakeWorld(hooks, c);
  world->RunUntil(Time{1'000'000});
  ASSERT_TRUE(world->stopped());
  EXPECT_THAT(world->stop_reason(), ::testing::HasSubstr("max_events_per_second=5000"));
  EXPECT_LT(world->now().us, 5'000);  // 2 processes, one event per us each.
}

TEST(World, AnEventRateBelowTheBoundNeverStopsTheWorld) {
  Hooks hooks;
  auto world = TimerFanout(hooks, 1, 1000);  // 2,000 events a second.
  world->RunUntil(Time{3'000'000});
  EXPECT_FALSE(world->stopped());
}

TEST(World, CancelledTimersNeverFire) {
  Hooks hooks;
  hooks.start = [](Ctx& ctx) {
    const TimerId t = ctx.SetTimer(Duration::Millis(5), 1);
    ctx.SetTimer(Duration::Millis(6), 2);
    ctx.CancelTimer(t);
  };
  auto world = MakeWorld(hooks, TwoProcesses());
  world->RunUntil(Time{10000});
  EXPECT_THAT(LogOf(hooks, 1), ElementsAre("start", "timer 2"));
}

TEST(World, TcpConnectionsDeliverInFifoOrderWhateverTheLatency) {
  Hooks hooks;
  ConnectOneToTwo(hooks, [](Ctx& ctx, ConnId conn) {
    for (uint64_t i = 0; i < 200; ++i) ctx.Send(conn, Msg(i));
  });
  WorldConfig c = TwoProcesses();
  c.net.latency = Distribution::Uniform(Duration::Micros(1), Duration::Millis(10));
  auto world = MakeWorld(hooks, c);
  world->RunUntil(Time{1000000});
  std::vector<std::string> want = {"start", "accepted 1"};
  for (int i = 0; i < 200; ++i) want.push_back(fmt::format("got {}", i));
  EXPECT_EQ(LogOf(hooks, 2), want);
}

TEST(World, UnsafeChannelsDropDuplicateAndReorderWithoutBreaking) {
  Hooks hooks;
  ConnectOneToTwo(hooks, [](Ctx& ctx, ConnId conn) {
    for (uint64_t i = 0; i < 500; ++i) ctx.Send(conn, Msg(i));
  });
  WorldConfig c = TwoProcesses();
  c.net.latency = Distribution::Uniform(Duration::Micros(1), Duration::Millis(10));
  c.net.channel = ChannelMode::kUnsafe;
  c.net.unsafe_drop = Ratio{1, 10};
  c.net.unsafe_duplicate = Ratio{1, 10};
  auto world = MakeWorld(hooks, c);
  world->RunUntil(Time{1000000});
  std::vector<uint64_t> got;
  for (const std::string& line : LogOf(hooks, 2)) {
    if (line.rfind("got ", 0) == 0) got.push_back(std::stoull(line.substr(4)));
  }
  std::vector<int> seen(500, 0);
  bool reordered = false;
  for (size_t i = 0; i < got.size(); ++i) {
    ++seen[got[i]];
    if (i > 0 && got[i] < got[i - 1]) reordered = true;
  }
  EXPECT_TRUE(reordered);
  EXPECT_TRUE(std::count(seen.begin(), seen.end(), 0) > 10);  // Some vanished.
  EXPECT_TRUE(std::count(seen.begin(), seen.end(), 2) > 10);  // Some came twice.
  for (const std::string& line : hooks.log) {
    EXPECT_THAT(line, ::testing::Not(::testing::HasSubstr("disconnected")));
  }
}

TEST(World, ALostFrameBreaksTheConnectionAndEverythingInFlightIsGone) {
  Hooks hooks;
  ConnectOneToTwo(hooks, [](Ctx& ctx, ConnId conn) {
    ctx.Send(conn, Msg(1));
    ctx.Send(conn, Msg(2));
    ctx.Send(conn, Msg(3, ToyMessage::Type::kPing));  // Lost: breaks the connection...
    ctx.Send(conn, Msg(4));                           // ...so this goes nowhere.
  });
  auto world = MakeWorld(hooks, TwoProcesses());
  world->network().AddRule(MessageRule{MessageRule::Action::kDrop, P(1), P(2), "PING", 1, {}});
  VectorSink sink;
  world->trace().AddSink(&sink);
  world->RunUntil(Time{1000000});
  EXPECT_THAT(LogOf(hooks, 1), ElementsAre("start", "connected 2", "disconnected broken"));
  EXPECT_THAT(LogOf(hooks, 2), ElementsAre("start", "accepted 1", "disconnected broken"));
  std::vector<std::string> drops;
  for (const TraceRecord& r : sink.records) {
    if (r.kind == "drop") drops.push_back(fmt::format("{} {}", r.Find("value")->bits, r.Find("reason")->str));
  }
  EXPECT_THAT(drops, ElementsAre("3 rule", "4 broken", "1 in-flight", "2 in-flight"));
}

TEST(World, ConnectingAcrossAPartitionFailsAfterTheConnectTimeout) {
  Hooks hooks;
  hooks.start = [](Ctx& ctx) {
    if (ctx.self() == P(1)) ctx.Connect(P(2), 1);
  };
  auto world = MakeWorld(hooks, TwoProcesses());
  world->Apply(*ParseFault("partition 1|2"));
  VectorSink sink;
  world->trace().AddSink(&sink);
  world->RunUntil(Time{5000000});
  EXPECT_THAT(LogOf(hooks, 1), ElementsAre("start", "disconnected connect-failed"));
  EXPECT_THAT(LogOf(hooks, 2), ElementsAre("start"));
  const TraceRecord* notice = nullptr;
  for (const TraceRecord& r : sink.records) {
    if (r.kind == "disconnected") notice = &r;
  }
  ASSERT_NE(notice, nullptr);
  EXPECT_EQ(notice->time.us, WorldConfig{}.net.connect_timeout.us);
}

TEST(World, SendingIntoANewPartitionBreaksTheConnection) {
  Hooks hooks;
  ConnectOneToTwo(hooks, [](Ctx& ctx, ConnId) { ctx.SetTimer(Duration::Millis(200), 1); });
  ConnId conn;
  hooks.connected = [&conn](Ctx& ctx, ConnId c, ProcessId) {
    conn = c;
    ctx.SetTimer(Duration::Millis(200), 1);
  };
  hooks.timer = [&conn](Ctx& ctx, uint64_t) { ctx.Send(conn, Msg(1)); };
  auto world = MakeWorld(hooks, TwoProcesses());
  auto plan = FaultPlan::Parse("100ms partition 1|2");
  ASSERT_TRUE(world->Schedule(*plan).ok());
  world->RunUntil(Time{1000000});
  EXPECT_THAT(LogOf(hooks, 1), ElementsAre("start", "connected 2", "timer 1", "disconnected broken"));
  EXPECT_THAT(LogOf(hooks, 2), ElementsAre("start", "accepted 1", "disconnected broken"));
}

TEST(World, ACrashTellsThePeerAndSilencesTheCrashedProcess) {
  Hooks hooks;
  hooks.start = [](Ctx& ctx) {
    if (ctx.self() == P(1)) ctx.Connect(P(2), 1);
    if (ctx.self() == P(2)) ctx.SetTimer(Duration::Millis(500), 5);
  };
  auto world = MakeWorld(hooks, TwoProcesses());
  ASSERT_TRUE(world->Schedule(*FaultPlan::Parse("100ms crash 2; 1s restart 2")).ok());
  world->RunUntil(Time{2000000});
  EXPECT_THAT(LogOf(hooks, 1), ElementsAre("start", "connected 2", "disconnected peer-crashed"));
  // The timer set before the crash never fires; the restarted process sets a new one.
  EXPECT_THAT(LogOf(hooks, 2), ElementsAre("start", "accepted 1", "start", "timer 5"));
  EXPECT_EQ(world->incarnation(P(2)), 1u);
  EXPECT_EQ(world->stats().crashes, 1u);
}

TEST(World, ConnectingToADownProcessIsRefused) {
  Hooks hooks;
  hooks.start = [](Ctx& ctx) {
    if (ctx.self() == P(1)) ctx.SetTimer(Duration::Millis(100), 1);
  };
  hooks.timer = [](Ctx& ctx, uint64_t) { ctx.Connect(P(2), 1); };
  auto world = MakeWorld(hooks, TwoProcesses());
  world->Apply(*ParseFault("crash 2"));
  world->RunUntil(Time{1000000});
  EXPECT_THAT(LogOf(hooks, 1), ElementsAre("start", "timer 1", "disconnected refused"));
}

TEST(World, ARestartFindsOnlyWhatWasSynced) {
  Hooks hooks;
  hooks.start = [](Ctx& ctx) {
    if (ctx.self() != P(1)) return;
    ctx.Append("log", "a");
    ctx.Sync("log");
  };
  hooks.synced = [](Ctx& ctx, SyncToken) {
    ctx.Append("log", "b");  // Never synced.
    EXPECT_TRUE(ctx.Replace("epoch", {"2"}));
    ctx.Sync("epoch");  // Completes only if the crash comes late enough.
  };
  WorldConfig c = TwoProcesses();
  c.disk.fsync_latency = Distribution::Fixed(Duration::Millis(10));
  auto world = MakeWorld(hooks, c);
  ASSERT_TRUE(world->Schedule(*FaultPlan::Parse("15ms crash 1; 20ms restart 1")).ok());
  world->RunUntil(Time{1000000});
  EXPECT_THAT(hooks.disks, ElementsAre("p1#0 ", "p2#0 ", "p1#1 log=[a] "));
}

TEST(World, FsyncsOfOneDiskCompleteInRequestOrder) {
  Hooks hooks;
  std::vector<uint64_t> order;
  hooks.start = [](Ctx& ctx) {
    if (ctx.self() != P(1)) return;
    for (int i = 0; i < 50; ++i) {
      ctx.Append("log", "x");
      ctx.Sync("log");
    }
  };
  hooks.synced = [&order](Ctx&, SyncToken t) { order.push_back(t.value); };
  WorldConfig c = TwoProcesses();
  c.disk.fsync_latency = Distribution::Uniform(Duration::Micros(1), Duration::Millis(10));
  auto world = MakeWorld(hooks, c);
  world->RunUntil(Time{1000000});
  ASSERT_EQ(order.size(), 50u);
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
}

// Steps: tags 1.. of thread "a" and 101.. of thread "b", all asked for at start.
void ScheduleSteps(Hooks& hooks, int per_thread) {
  hooks.start = [per_thread](Ctx& ctx) {
    if (ctx.self() != P(1)) return;
    for (int i = 1; i <= per_thread; ++i) {
      ctx.Schedule(ThreadId{"a", 0}, i, i == 2 ? "second" : "other");
      ctx.Schedule(ThreadId{"b", 0}, 100 + i, "other");
    }
  };
}

std::vector<uint64_t> StepsOf(const Hooks& hooks, uint64_t from, uint64_t to) {
  std::vector<uint64_t> out;
  for (const std::string& line : LogOf(hooks, 1)) {
    if (line.rfind("step ", 0) != 0) continue;
    const uint64_t tag = std::stoull(line.substr(5));
    if (tag >= from && tag <= to) out.push_back(tag);
  }
  return out;
}

TEST(World, StepsOfOneThreadRunInOrderAndThreadsInterleave) {
  Hooks hooks;
  ScheduleSteps(hooks, 20);
  WorldConfig c = TwoProcesses();
  c.sched_jitter = Distribution::Uniform(Duration::Micros(0), Duration::Millis(5));
  auto world = MakeWorld(hooks, c);
  world->RunUntil(Time{1000000});
  const std::vector<uint64_t> a = StepsOf(hooks, 1, 20);
  const std::vector<uint64_t> b = StepsOf(hooks, 101, 120);
  ASSERT_EQ(a.size(), 20u);
  ASSERT_EQ(b.size(), 20u);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
  // The jitter mixes the two threads: b's steps are not all after a's, nor all before.
  const std::vector<uint64_t> all = StepsOf(hooks, 1, 120);
  EXPECT_FALSE(std::is_sorted(all.begin(), all.end()));
}

TEST(World, AStallHoldsOneThreadUntilResume) {
  Hooks hooks;
  ScheduleSteps(hooks, 3);
  auto world = MakeWorld(hooks, TwoProcesses());
  ASSERT_TRUE(world->Schedule(*FaultPlan::Parse("0s stall 1 a; 500ms resume 1 a")).ok());
  world->RunUntil(Time{400000});
  EXPECT_THAT(StepsOf(hooks, 1, 3), IsEmpty());
  EXPECT_THAT(StepsOf(hooks, 101, 103), ElementsAre(101, 102, 103));
  world->RunUntil(Time{1000000});
  EXPECT_THAT(StepsOf(hooks, 1, 3), ElementsAre(1, 2, 3));
}

TEST(World, AStallAfterANamedStepLetsThatStepRunAndHoldsTheNext) {
  Hooks hooks;
  ScheduleSteps(hooks, 3);
  auto world = MakeWorld(hooks, TwoProcesses());
  ASSERT_TRUE(world->Schedule(*FaultPlan::Parse("0s stall 1 a second; 500ms resume 1 a")).ok());
  world->RunUntil(Time{400000});
  EXPECT_THAT(StepsOf(hooks, 1, 3), ElementsAre(1, 2));
  world->RunUntil(Time{1000000});
  EXPECT_THAT(StepsOf(hooks, 1, 3), ElementsAre(1, 2, 3));
}

TEST(World, ADiskErrorFailsFsyncsAndRewritesOfItsFilesForAWhile) {
  Hooks hooks;
  std::vector<std::string> results;
  hooks.start = [](Ctx& ctx) {
    if (ctx.self() != P(1)) return;
    ctx.SetTimer(Duration::Millis(100), 1);  // Inside the window...
    ctx.SetTimer(Duration::Seconds(2), 2);   // ... and after it.
  };
  hooks.timer = [&results](Ctx& ctx, uint64_t tag) {
    ctx.Append("log.1", "x");
    ctx.Sync("log.1");
    if (tag == 1) {
      ctx.Append("other", "y");
      ctx.Sync("other");
    }
    results.push_back(ctx.Replace("log.2", {"z"}) ? "replaced" : "refused");
  };
  auto world = MakeWorld(hooks, TwoProcesses());
  ASSERT_TRUE(world->Schedule(*FaultPlan::Parse("0s disk-error 1 1s log.")).ok());
  world->RunUntil(Time{5000000});
  // In the window the log's fsync fails, the other file's does not, and the rewrite is
  // refused. After it, both succeed.
  EXPECT_THAT(results, ElementsAre("refused", "replaced"));
  std::vector<std::string> syncs;
  for (const std::string& line : LogOf(hooks, 1)) {
    if (line == "synced" || line == "sync failed") syncs.push_back(line);
  }
  EXPECT_THAT(syncs, ElementsAre("sync failed", "synced", "synced"));
}

TEST(World, AFastClockFiresTimersEarlyInTrueTime) {
  Hooks hooks;
  hooks.start = [](Ctx& ctx) {
    if (ctx.self() == P(1)) ctx.SetTimer(Duration::Millis(100), 1);
  };
  auto world = MakeWorld(hooks, TwoProcesses());
  world->Apply(*ParseFault("clock-rate 1 2"));
  world->RunUntil(Time{49999});
  EXPECT_THAT(LogOf(hooks, 1), ElementsAre("start"));
  world->RunUntil(Time{50000});
  EXPECT_THAT(LogOf(hooks, 1), ElementsAre("start", "timer 1"));
  EXPECT_EQ(world->LocalNow(P(1)).us, 100000);
}

TEST(World, ARateChangeMovesTimersAlreadySet) {
  // A 100ms timer set at 0; at 50ms the clock turns 2x fast, so the 50ms of local time
  // left take 25ms: it fires at 75ms, not at 100ms as it would if timers were fixed in
  // true time when set. Process 2's timer, on a clock that did not change, stays.
  Hooks hooks;
  hooks.start = [](Ctx& ctx) { ctx.SetTimer(Duration::Millis(100), ctx.self().value); };
  auto world = MakeWorld(hooks, TwoProcesses());
  ASSERT_TRUE(world->Schedule(*FaultPlan::Parse("50ms clock-rate 1 2")).ok());
  world->RunUntil(Time{74999});
  EXPECT_THAT(LogOf(hooks, 1), ElementsAre("start"));
  world->RunUntil(Time{75000});
  EXPECT_THAT(LogOf(hooks, 1), ElementsAre("start", "timer 1"));
  EXPECT_EQ(world->LocalNow(P(1)).us, 100000);
  world->RunUntil(Time{99999});
  EXPECT_THAT(LogOf(hooks, 2), ElementsAre("start"));
  world->RunUntil(Time{100000});
  EXPECT_THAT(LogOf(hooks, 2), ElementsAre("start", "timer 2"));
}

TEST(World, AClockStepOrAnUnchangedRateLeavesTimersWhereTheyAre) {
  Hooks hooks;
  hooks.start = [](Ctx& ctx) { ctx.SetTimer(Duration::Millis(100), ctx.self().value); };
  auto world = MakeWorld(hooks, TwoProcesses());
  ASSERT_TRUE(world->Schedule(*FaultPlan::Parse("50ms clock-rate 1 1; 50ms clock-step 1 30ms")).ok());
  world->RunUntil(Time{99999});
  EXPECT_THAT(LogOf(hooks, 1), ElementsAre("start"));
  world->RunUntil(Time{100000});
  EXPECT_THAT(LogOf(hooks, 1), ElementsAre("start", "timer 1"));
}

TEST(World, ClockDriftIsDrawnPerProcessFromTheSeed) {
  Hooks hooks;
  WorldConfig c = TwoProcesses();
  c.clock_drift_ppm = 50000;
  auto world = MakeWorld(hooks, c);
  world->RunUntil(Time{1000000});
  EXPECT_NE(world->LocalNow(P(1)).us, 1000000);
  EXPECT_NE(world->LocalNow(P(1)).us, world->LocalNow(P(2)).us);
  EXPECT_NEAR(static_cast<double>(world->LocalNow(P(1)).us), 1e6, 5e4);
}

TEST(World, HeldFramesWaitAndThenArriveInOrder) {
  Hooks hooks;
  ConnId conn;
  ConnectOneToTwo(hooks, [&conn](Ctx& ctx, ConnId c) {
    conn = c;
    ctx.SetTimer(Duration::Millis(100), 1);
  });
  hooks.timer = [&conn](Ctx& ctx, uint64_t) {
    for (uint64_t i = 0; i < 3; ++i) ctx.Send(conn, Msg(i));
  };
  auto world = MakeWorld(hooks, TwoProcesses());
  ASSERT_TRUE(world->Schedule(*FaultPlan::Parse("50ms hold 1>2")).ok());
  world->RunUntil(Time{1000000});
  EXPECT_THAT(LogOf(hooks, 2), ElementsAre("start", "accepted 1"));
  world->Apply(*ParseFault("release 1>2"));
  world->RunUntil(Time{1000001});
  EXPECT_THAT(LogOf(hooks, 2), ElementsAre("start", "accepted 1", "got 0", "got 1", "got 2"));
}

TEST(World, AHoldRuleParksOneMessageAndEverythingBehindIt) {
  Hooks hooks;
  ConnectOneToTwo(hooks, [](Ctx& ctx, ConnId conn) {
    ctx.Send(conn, Msg(0));
    ctx.Send(conn, Msg(1, ToyMessage::Type::kPing));
    ctx.Send(conn, Msg(2));
  });
  auto world = MakeWorld(hooks, TwoProcesses());
  world->network().AddRule(MessageRule{MessageRule::Action::kHold, P(1), P(2), "PING", 1, {}});
  world->RunUntil(Time{1000000});
  EXPECT_THAT(LogOf(hooks, 2), ElementsAre("start", "accepted 1", "got 0"));
  world->Apply(*ParseFault("release 1>2"));
  world->RunUntil(Time{1000001});
  EXPECT_THAT(LogOf(hooks, 2), ElementsAre("start", "accepted 1", "got 0", "got 1", "got 2"));
}

TEST(World, ClosingDeliversEverythingSentBeforeTheClose) {
  Hooks hooks;
  ConnectOneToTwo(hooks, [](Ctx& ctx, ConnId conn) {
    ctx.Send(conn, Msg(1));
    ctx.Send(conn, Msg(2));
    ctx.Close(conn);
  });
  auto world = MakeWorld(hooks, TwoProcesses());
  world->RunUntil(Time{1000000});
  EXPECT_THAT(LogOf(hooks, 2),
              ElementsAre("start", "accepted 1", "got 1", "got 2", "disconnected closed-by-peer"));
  EXPECT_THAT(LogOf(hooks, 1), ElementsAre("start", "connected 2"));
}

TEST(World, SignalsReachLiveProcessesAndAreTracedAsIgnoredOtherwise) {
  Hooks hooks;
  auto world = MakeWorld(hooks, TwoProcesses());
  VectorSink sink;
  world->trace().AddSink(&sink);
  ASSERT_TRUE(world->Schedule(*FaultPlan::Parse("1ms signal 1 4; 2ms crash 2; 3ms signal 2 4")).ok());
  world->RunUntil(Time{10000});
  EXPECT_THAT(LogOf(hooks, 1), ElementsAre("start", "signal 4"));
  EXPECT_THAT(LogOf(hooks, 2), ElementsAre("start"));
  bool ignored = false;
  for (const TraceRecord& r : sink.records) {
    if (r.kind == "fault-ignored" && r.Find("fault")->str == "signal 2 4") ignored = true;
  }
  EXPECT_TRUE(ignored);
}

TEST(World, DelaySpikesSlowALinkForAWhile) {
  Hooks hooks;
  std::vector<int64_t> arrivals;
  World<ToyMessage>* world_ptr = nullptr;
  ConnectOneToTwo(hooks, [](Ctx& ctx, ConnId conn) { ctx.Send(conn, Msg(1)); });
  hooks.message = [&](Ctx&, ConnId, ToyMessage) { arrivals.push_back(world_ptr->now().us); };
  WorldConfig c = TwoProcesses();
  c.net.latency = Distribution::Fixed(Duration::Millis(1));
  auto world = MakeWorld(hooks, c);
  world_ptr = world.get();
  world->Apply(*ParseFault("delay 1>2 50ms 1s"));
  world->RunUntil(Time{1000000});
  // The spike slows every frame on the link: SYN 51ms, SYN-ACK 1ms back, message 51ms.
  EXPECT_THAT(arrivals, ElementsAre(103000));
}

// The toy gossip world under swarm faults: the determinism witness.
struct GossipRun {
  uint64_t fingerprint = 0;
  uint64_t events = 0;
  std::vector<std::string> violations;
  std::vector<std::string> text;
};

GossipRun RunGossip(uint64_t seed, bool keep_text) {
  WorldConfig c;
  c.seed = seed;
  c.processes = 5;
  c.disk.torn_write = Ratio{1, 2};
  c.clock_drift_ppm = 10000;
  auto world = World<ToyMessage>::Create(c, [](const ProcessEnv& env) {
    return std::make_unique<toy::Gossip>(env, 5);
  });
  EXPECT_TRUE(world.ok());
  EXPECT_TRUE((*world)->Schedule(Swarm(seed, 5, Duration::Seconds(15), 1)).ok());
  toy::DurabilityWatch watch;
  (*world)->trace().AddSink(&watch);
  VectorSink sink;
  if (keep_text) (*world)->trace().AddSink(&sink);
  (*world)->RunUntil(Time{20000000});
  GossipRun run;
  run.fingerprint = (*world)->trace().fingerprint();
  run.events = (*world)->stats().events;
  run.violations = watch.violations();
  for (const TraceRecord& r : sink.records) run.text.push_back(TextSink::Format(r));
  return run;
}

TEST(Determinism, TheSameSeedGivesTheSameTraceBitForBit) {
  for (const uint64_t seed : {1, 2, 3}) {
    const GossipRun a = RunGossip(seed, true);
    const GossipRun b = RunGossip(seed, true);
    EXPECT_EQ(a.fingerprint, b.fingerprint) << "seed " << seed;
    EXPECT_EQ(a.text, b.text) << "seed " << seed;
    EXPECT_GT(a.events, 10000u);
  }
}

TEST(Determinism, AttachingSinksDoesNotChangeTheRun) {
  EXPECT_EQ(RunGossip(4, true).fingerprint, RunGossip(4, false).fingerprint);
}

TEST(Determinism, DifferentSeedsGiveDifferentRuns) {
  EXPECT_NE(RunGossip(1, false).fingerprint, RunGossip(2, false).fingerprint);
}

TEST(Gossip, RestartsRecoverWhatWasDurableUnderSwarmFaults) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    EXPECT_THAT(RunGossip(seed, false).violations, IsEmpty()) << "seed " << seed;
  }
}

TEST(Gossip, TheDurabilityWatchFiresWhenARestartLosesADurableValue) {
  toy::DurabilityWatch watch;
  Trace trace;
  trace.AddSink(&watch);
  trace.Record(Time{1}, 3, "durable").Uint("value", 7);
  trace.Record(Time{2}, 3, "recovered").Uint("value", 7);
  EXPECT_THAT(watch.violations(), IsEmpty());
  trace.Record(Time{3}, 3, "durable").Uint("value", 9);
  trace.Record(Time{4}, 3, "recovered").Uint("value", 8);
  EXPECT_THAT(watch.violations(), ElementsAre("0.000004 p3 recovered 8 but 9 was durable"));
}

}  // namespace
}  // namespace zabsim::sim

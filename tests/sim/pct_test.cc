// PCT priorities (sim/pct.h) and the world's PCT scheduler (sched.policy=pct): the
// highest-priority ready thread runs first, nothing runs early, each thread's own events
// and each connection keep their order, and a seed gives one run.

#include "sim/pct.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "sim/toy/gossip.h"
#include "sim/world.h"

namespace zabsim::sim {
namespace {

using toy::ToyMessage;
using Ctx = Context<ToyMessage>;

TEST(PctPriorities, TheSameStreamGivesTheSamePrioritiesAndChangePoints) {
  PctPriorities a(Rng::Derive(7, "pct"), 4, 1000);
  PctPriorities b(Rng::Derive(7, "pct"), 4, 1000);
  EXPECT_EQ(a.ChangePoints(), b.ChangePoints());
  for (uint32_t p = 1; p <= 5; ++p) {
    EXPECT_EQ(a.Priority(PctThread{p, kPctMainThread, 0}), b.Priority(PctThread{p, kPctMainThread, 0}));
  }
  PctPriorities c(Rng::Derive(8, "pct"), 4, 1000);
  EXPECT_NE(a.ChangePoints(), c.ChangePoints());
}

TEST(PctPriorities, DepthDHasDMinusOneChangePointsWithinTheSteps) {
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    PctPriorities pct(Rng::Derive(seed, "pct"), 5, 30);
    const std::vector<uint64_t> points = pct.ChangePoints();
    ASSERT_EQ(points.size(), 4u);
    EXPECT_TRUE(std::is_sorted(points.begin(), points.end()));
    for (const uint64_t k : points) {
      EXPECT_GE(k, 1u);
      EXPECT_LE(k, 30u);
    }
  }
  EXPECT_TRUE(PctPriorities(Rng::Derive(1, "pct"), 1, 30).ChangePoints().empty());
}

TEST(PctPriorities, AThreadKeepsItsPriorityAndTheWorldOutranksEveryThread) {
  PctPriorities pct(Rng::Derive(3, "pct"), 1, 100);
  const PctThread sync{2, "sync-thread", 0};
  const uint64_t first = pct.Priority(sync);
  EXPECT_EQ(pct.Priority(PctThread{1, kPctMainThread, 0}), pct.Priority(PctThread{1, kPctMainThread, 0}));
  EXPECT_EQ(pct.Priority(sync), first);
  EXPECT_NE(pct.Priority(PctThread{2, "sync-thread", 1}), first);  // Another instance.
  EXPECT_GT(pct.Priority(PctThread{}), first);
  EXPECT_FALSE(pct.AtStep(1, sync).has_value());  // Depth 1: no change point.
}

TEST(PctPriorities, AChangePointPutsTheRunningThreadBelowEveryOther) {
  PctPriorities pct(Rng::Derive(11, "pct"), 2, 10);
  const uint64_t k = pct.ChangePoints().at(0);
  const PctThread a{1, kPctMainThread, 0};
  const PctThread b{2, kPctMainThread, 0};
  const uint64_t b_before = pct.Priority(b);
  for (uint64_t step = 1; step < k; ++step) EXPECT_FALSE(pct.AtStep(step, a).has_value());
  // A fault's step is no thread's: the change passes on to the next thread that runs.
  EXPECT_FALSE(pct.AtStep(k, PctThread{}).has_value());
  EXPECT_EQ(pct.AtStep(k + 1, a), 1u);
  EXPECT_EQ(pct.Priority(a), 1u);
  EXPECT_EQ(pct.Priority(b), b_before);
  EXPECT_LT(pct.Priority(a), pct.Priority(b));
  EXPECT_FALSE(pct.AtStep(k + 2, b).has_value());  // Each change point happens once.
}

TEST(PctSettings, BadValuesAreRefusedAndGoodOnesWrittenBack) {
  WorldConfig c;
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"sched.policy", "fifo"}, {"sched.pct_depth", "0"}, {"sched.pct_depth", "11"},
           {"sched.pct_steps", "0"}, {"sched.pct_window", "-1ms"}}) {
    const absl::Status s = c.Set(key, value);
    EXPECT_FALSE(s.ok()) << key << "=" << value;
    EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr(key));
  }
  ASSERT_TRUE(c.Set("sched.policy", "pct").ok());
  ASSERT_TRUE(c.Set("sched.pct_depth", "5").ok());
  ASSERT_TRUE(c.Set("sched.pct_window", "3ms").ok());
  const auto described = c.Describe();
  EXPECT_THAT(described, ::testing::Contains(std::pair<std::string, std::string>{"sched.policy", "pct"}));
  EXPECT_THAT(described, ::testing::Contains(std::pair<std::string, std::string>{"sched.pct_depth", "5"}));
  EXPECT_THAT(described, ::testing::Contains(std::pair<std::string, std::string>{"sched.pct_window", "3ms"}));
  EXPECT_TRUE(c.Validate().ok());
  c.sched.pct_depth = 0;
  EXPECT_FALSE(c.Validate().ok());
}

// A process that logs each event as "p<id> <what> @<time in us>".
struct Log {
  std::vector<std::string> lines;
  std::function<void(Ctx&)> start;
  std::function<void(Ctx&, ConnId)> connected;
};

class Recorder final : public Process<ToyMessage> {
 public:
  Recorder(const ProcessEnv&, Log* log) : log_(log) {}
  void Start(Ctx& ctx) override {
    if (log_->start) log_->start(ctx);
  }
  void OnConnected(Ctx& ctx, ConnId conn, ProcessId) override {
    if (log_->connected) log_->connected(ctx, conn);
  }
  void OnAccepted(Ctx&, ConnId, ProcessId, uint32_t) override {}
  void OnDisconnected(Ctx&, ConnId, DisconnectReason) override {}
  void OnMessage(Ctx& ctx, ConnId, ProcessId, ToyMessage m) override { Note(ctx, fmt::format("got {}", m.value)); }
  void OnTimer(Ctx& ctx, TimerId, uint64_t tag) override { Note(ctx, fmt::format("timer {}", tag)); }
  void OnSynced(Ctx&, SyncToken) override {}
  void OnSyncFailed(Ctx&, SyncToken) override {}
  void OnStep(Ctx& ctx, uint64_t tag) override { Note(ctx, fmt::format("step {}", tag)); }
  void OnSignal(Ctx&, uint32_t) override {}

 private:
  void Note(Ctx& ctx, const std::string& what) {
    log_->lines.push_back(fmt::format("p{} {} @{}", ctx.self().value, what, ctx.LocalNow().us));
  }
  Log* log_;
};

WorldConfig PctConfig(uint64_t seed, uint32_t depth = 1) {
  WorldConfig c;
  c.seed = seed;
  c.processes = 2;
  c.sched.policy = SchedPolicy::kPct;
  c.sched.pct_depth = depth;
  c.sched.pct_steps = 100;
  return c;
}

std::unique_ptr<World<ToyMessage>> MakeWorld(Log& log, const WorldConfig& config) {
  auto world = World<ToyMessage>::Create(
      config, [&log](const ProcessEnv& env) { return std::make_unique<Recorder>(env, &log); });
  EXPECT_TRUE(world.ok()) << world.status();
  return *std::move(world);
}

// p1's timer is due at 10 ms, p2's at `p2_us`: which fires first, and when each fires.
// (Both are set at the start, at 0, far enough from the timers that the starts are not
// held back by them: a start that waited would set its timer later.)
std::vector<std::string> TwoTimers(const WorldConfig& config, int64_t p2_us) {
  Log log;
  log.start = [p2_us](Ctx& ctx) {
    ctx.SetTimer(ctx.self() == ProcessId{1} ? Duration::Micros(10'000) : Duration::Micros(p2_us), 0);
  };
  auto world = MakeWorld(log, config);
  world->RunUntil(Time{20'000});
  return log.lines;
}

TEST(PctWorld, TheHighestPriorityThreadAmongTheReadyRunsFirstAndNothingRunsEarly) {
  int p2_first = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    const std::vector<std::string> lines = TwoTimers(PctConfig(seed), 10'500);
    PctPriorities pct(Rng::Derive(seed, "pct"), 1, 100);
    // The world draws priorities as threads first become ready: p1's start, then p2's.
    const uint64_t p1 = pct.Priority(PctThread{1, kPctMainThread, 0});
    const uint64_t p2 = pct.Priority(PctThread{2, kPctMainThread, 0});
    if (p2 > p1) {
      // p1's timer waits for p2's, 0.5 ms later: late, never early.
      EXPECT_THAT(lines, ::testing::ElementsAre("p2 timer 0 @10500", "p1 timer 0 @10500")) << seed;
      ++p2_first;
    } else {
      EXPECT_THAT(lines, ::testing::ElementsAre("p1 timer 0 @10000", "p2 timer 0 @10500")) << seed;
    }
  }
  EXPECT_GT(p2_first, 5);
  EXPECT_LT(p2_first, 35);
}

TEST(PctWorld, EventsFartherApartThanTheWindowRunInTimeOrder) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    EXPECT_THAT(TwoTimers(PctConfig(seed), 11'500),
                ::testing::ElementsAre("p1 timer 0 @10000", "p2 timer 0 @11500"))
        << seed;
  }
}

TEST(PctWorld, TheDefaultSchedulerRunsReadyEventsInTimeOrder) {
  WorldConfig c = PctConfig(1);
  c.sched.policy = SchedPolicy::kRandom;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    c.seed = seed;
    EXPECT_THAT(TwoTimers(c, 10'500), ::testing::ElementsAre("p1 timer 0 @10000", "p2 timer 0 @10500"));
  }
}

TEST(PctWorld, ConnectionsStayFifoAndEachThreadsStepsInOrder) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    Log log;
    log.start = [](Ctx& ctx) {
      if (ctx.self() == ProcessId{1}) ctx.Connect(ProcessId{2}, 1);
      for (uint64_t i = 0; i < 30; ++i) {
        ctx.Schedule(ThreadId{"a", 0}, 100 + i);
        ctx.Schedule(ThreadId{"b", 0}, 200 + i);
      }
    };
    log.connected = [](Ctx& ctx, ConnId conn) {
      for (uint64_t i = 0; i < 100; ++i) ctx.Send(conn, ToyMessage{ToyMessage::Type::kGossip, i});
    };
    WorldConfig c = PctConfig(seed, 4);
    c.net.latency = Distribution::Uniform(Duration::Micros(1), Duration::Millis(3));
    c.sched_jitter = Distribution::Uniform(Duration::Micros(0), Duration::Millis(2));
    auto world = MakeWorld(log, c);
    world->RunUntil(Time{1'000'000});
    std::vector<uint64_t> got;
    std::vector<uint64_t> a_steps;
    for (const std::string& line : log.lines) {
      uint64_t v = 0;
      if (std::sscanf(line.c_str(), "p2 got %lu", &v) == 1) got.push_back(v);
      if (std::sscanf(line.c_str(), "p1 step %lu", &v) == 1 && v < 200) a_steps.push_back(v);
    }
    ASSERT_EQ(got.size(), 100u) << seed;
    EXPECT_TRUE(std::is_sorted(got.begin(), got.end())) << seed;
    ASSERT_EQ(a_steps.size(), 30u) << seed;
    EXPECT_TRUE(std::is_sorted(a_steps.begin(), a_steps.end())) << seed;
  }
}

// The toy gossip world under swarm faults, scheduled by PCT.
uint64_t GossipFingerprint(uint64_t seed, SchedPolicy policy) {
  WorldConfig c;
  c.seed = seed;
  c.processes = 5;
  c.sched.policy = policy;
  c.sched.pct_steps = 20'000;
  auto world = World<ToyMessage>::Create(c, [](const ProcessEnv& env) {
    return std::make_unique<toy::Gossip>(env, 5);
  });
  EXPECT_TRUE(world.ok());
  EXPECT_TRUE((*world)->Schedule(Swarm(seed, 5, Duration::Seconds(15), 1)).ok());
  (*world)->RunUntil(Time{20'000'000});
  EXPECT_GT((*world)->stats().events, 10'000u);
  return (*world)->trace().fingerprint();
}

TEST(PctWorld, TheSameSeedGivesTheSameRunAndPctGivesAnotherThanTimeOrder) {
  for (const uint64_t seed : {1, 2}) {
    EXPECT_EQ(GossipFingerprint(seed, SchedPolicy::kPct), GossipFingerprint(seed, SchedPolicy::kPct));
    EXPECT_NE(GossipFingerprint(seed, SchedPolicy::kPct), GossipFingerprint(seed, SchedPolicy::kRandom));
  }
}

}  // namespace
}  // namespace zabsim::sim

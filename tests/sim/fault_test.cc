#include "sim/fault.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <optional>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace zabsim::sim {
namespace {

TEST(FaultPlan, ParsesEveryKindAndPrintsItBack) {
  const char* const kEntries[] = {
      "1s crash 2",           "3s restart 2",         "2s signal 3 1",
      "1s partition 1,2|3",   "1s oneway 1,2>3",      "1s isolate 3",
      "5s heal",              "2s break 1 2",         "2s delay 1>2 50ms 3s",
      "2s hold 1>*",          "4s release *>2",       "1s clock-rate 2 1.05",
      "1s clock-step 2 -30ms", "1s disk-slow 2 10 5s", "1s loss 0.01",
      "1s torn 0.5",          "1s channel unsafe",
      "1s stall 3 commit-processor", "2s resume 3 learner-handler:2",
      "1s stall 3 learner-handler:2 sync-follower", "1s disk-error 2 5s",
      "1s disk-error 2 5s log.,snapshot.",
  };
  for (const char* entry : kEntries) {
    auto plan = FaultPlan::Parse(entry);
    ASSERT_TRUE(plan.ok()) << entry << ": " << plan.status();
    ASSERT_EQ(plan->faults.size(), 1u);
    EXPECT_EQ(plan->ToString(), entry);
    EXPECT_TRUE(plan->Validate(3).ok()) << entry;
  }
}

TEST(FaultPlan, SortsByTimeAndKeepsWrittenOrderForTies) {
  auto plan = FaultPlan::Parse("3s heal; 1s crash 1\n1s crash 2 ; # a comment\n2s restart 1");
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->ToString(), "1s crash 1; 1s crash 2; 2s restart 1; 3s heal");
}

TEST(FaultPlan, UnknownFaultNamesAreRejectedWithTheValidNames) {
  auto plan = FaultPlan::Parse("1s crsh 2");
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("unknown fault 'crsh'"), std::string::npos);
  EXPECT_NE(plan.status().message().find("crash, restart"), std::string::npos);
}

TEST(FaultPlan, MalformedEntriesNameTheEntryAndWhatWasExpected) {
  struct Case {
    const char* text;
    const char* expect;
  };
  const Case cases[] = {
      {"crash 2", "expected TIME FAULT"},
      {"1 crash 2", "missing unit"},
      {"1s crash", "expected 'crash P'"},
      {"1s crash two", "expected a process number"},
      {"1s crash 0", "no process 0"},
      {"1s partition 1,2", "at least two groups"},
      {"1s oneway 1,2", "expected FROM>TO"},
      {"1s loss 1.5", "greater than 1"},
      {"1s delay 1>2 -5ms 1s", "negative"},
      {"1s clock-rate 1 20", "[0.1, 10]"},
      {"1s break 1 1", "itself"},
      {"1s channel udp", "expected tcp or unsafe"},
      {"1s partition 1,1|2", "listed twice"},
      {"1s stall 3", "expected 'stall P THREAD[:N] [AFTER-STEP]'"},
      {"1s stall 3 Commit", "expected a thread such as"},
      {"1s stall 3 learner-handler:0", "out of range"},
      {"1s stall 3 learner-handler:x", "instance number"},
      {"1s stall 3 learner-handler Sync!", "expected a step name"},
      {"1s resume 3 learner-handler sync-follower", "expected 'resume P THREAD[:N]'"},
      {"1s disk-error 2", "2 or 3 arguments"},
      {"1s disk-error 2 5s log.,,x", "empty file-name prefix"},
  };
  for (const Case& c : cases) {
    auto plan = FaultPlan::Parse(c.text);
    ASSERT_FALSE(plan.ok()) << c.text;
    EXPECT_NE(plan.status().message().find(c.expect), std::string::npos)
        << c.text << " -> " << plan.status().message();
  }
}

TEST(FaultPlan, ValidateRejectsProcessesThatDoNotExist) {
  auto plan = FaultPlan::Parse("1s crash 4");
  ASSERT_TRUE(plan.ok());
  const absl::Status s = plan->Validate(3);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("no process 4 (processes are 1..3)"), std::string::npos);
  auto twice = FaultPlan::Parse("1s partition 1|1,2");
  ASSERT_TRUE(twice.ok());
  EXPECT_FALSE(twice->Validate(3).ok());
}

TEST(Fault, TypedConstructorsBuildWhatTheWrittenFormReads) {
  const ProcessId p1{1};
  const ProcessId p2{2};
  const ProcessId p3{3};
  const ProcessId any{0};
  struct Case {
    const char* text;
    Fault fault;
  };
  const Case cases[] = {
      {"crash 2", Fault::Crash(p2)},
      {"restart 2", Fault::Restart(p2)},
      {"signal 3 1", Fault::Signal(p3, 1)},
      {"partition 1,2|3", Fault::Partition({{p1, p2}, {p3}})},
      {"oneway 1,2>3", Fault::OneWay({p1, p2}, {p3})},
      {"isolate 3", Fault::Isolate(p3)},
      {"heal", Fault::Heal()},
      {"break 1 2", Fault::Break(p1, p2)},
      {"delay 1>* 50ms 3s", Fault::Delay(p1, any, Duration::Millis(50), Duration::Seconds(3))},
      {"hold *>2", Fault::Hold(any, p2)},
      {"release 1>2", Fault::Release(p1, p2)},
      {"clock-rate 2 1.05", Fault::ClockRate(p2, 1'050'000)},
      {"clock-step 2 -30ms", Fault::ClockStep(p2, Duration::Millis(-30))},
      {"disk-slow 2 10 5s", Fault::DiskSlow(p2, 10, Duration::Seconds(5))},
      {"disk-error 2 5s log.,snapshot.",
       Fault::DiskError(p2, Duration::Seconds(5), "log.,snapshot.")},
      {"loss 0.01", Fault::Loss(Ratio{1, 100})},
      {"torn 0.5", Fault::Torn(Ratio{1, 2})},
      {"channel unsafe", Fault::Channel(ChannelMode::kUnsafe)},
      {"stall 3 learner-handler:2 sync-follower",
       Fault::Stall(p3, "learner-handler", 2, "sync-follower")},
      {"resume 3 commit-processor", Fault::Resume(p3, "commit-processor", 0)},
  };
  std::vector<bool> seen(static_cast<size_t>(Fault::Kind::kDiskError) + 1, false);
  for (const Case& c : cases) {
    auto parsed = ParseFault(c.text);
    ASSERT_TRUE(parsed.ok()) << c.text << ": " << parsed.status();
    EXPECT_TRUE(*parsed == c.fault) << c.text << " vs " << c.fault.ToString();
    EXPECT_EQ(c.fault.ToString(), c.text);
    seen[static_cast<size_t>(c.fault.kind)] = true;
  }
  for (size_t k = 0; k < seen.size(); ++k) {
    EXPECT_TRUE(seen[k]) << "no case for " << ToString(static_cast<Fault::Kind>(k));
  }
  // Equality sees every field: another process, code or prefix is another fault.
  EXPECT_FALSE(Fault::Crash(p2) == Fault::Crash(p3));
  EXPECT_FALSE(Fault::Crash(p2) == Fault::Restart(p2));
  EXPECT_FALSE(Fault::Signal(p2, 1) == Fault::Signal(p2, 2));
  EXPECT_FALSE(Fault::DiskError(p2, Duration::Seconds(5), "") ==
               Fault::DiskError(p2, Duration::Seconds(5), "log."));
  EXPECT_TRUE(Fault::Loss(Ratio{1, 2}) == Fault::Loss(Ratio{2, 4}));
}

TEST(Fault, ReadFaultTakesTheWordsThatParseFaultSplits) {
  EXPECT_EQ(FindFaultKind("clock-rate"), Fault::Kind::kClockRate);
  EXPECT_EQ(FindFaultKind("role-restart"), std::nullopt);
  const std::string_view delay[] = {"1>2", "50ms", "3s"};
  auto read = ReadFault(Fault::Kind::kDelay, delay);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(*read == *ParseFault("delay 1>2 50ms 3s"));
  // Errors name the fault by its words joined by single spaces; ParseFault names it as
  // its text writes it.
  const std::string_view bad[] = {"x"};
  EXPECT_EQ(base::Text(ReadFault(Fault::Kind::kCrash, bad).status()),
            "fault 'crash x': expected a process number, found 'x'");
  EXPECT_EQ(base::Text(ParseFault("crash  x").status()),
            "fault 'crash  x': expected a process number, found 'x'");
  EXPECT_EQ(base::Text(ReadFault(Fault::Kind::kHeal, bad).status()),
            "fault 'heal x': expected 'heal' (0 arguments), found 1");
}

TEST(Swarm, IsAFunctionOfTheSeed) {
  EXPECT_EQ(Swarm(7, 5, Duration::Seconds(60), 1).ToString(),
            Swarm(7, 5, Duration::Seconds(60), 1).ToString());
  EXPECT_NE(Swarm(7, 5, Duration::Seconds(60), 1).ToString(),
            Swarm(8, 5, Duration::Seconds(60), 1).ToString());
}

RC_GTEST_PROP(Swarm, PlansAreValidAndEverythingEndsWithTheWindow, (uint64_t seed)) {
  const uint32_t processes = *rc::gen::inRange<uint32_t>(1, 10);
  const Duration window = Duration::Seconds(*rc::gen::inRange<int64_t>(1, 120));
  const FaultPlan plan = Swarm(seed, processes, window, 2);
  RC_ASSERT(plan.Validate(processes).ok());
  std::vector<bool> down(processes + 1, false);
  bool cut = false;
  Time last = Time::Zero();
  for (const TimedFault& f : plan.faults) {
    RC_ASSERT(f.at >= last);
    last = f.at;
    RC_ASSERT(f.at.us <= window.us);
    switch (f.fault.kind) {
      case Fault::Kind::kCrash:
        RC_ASSERT(!down[f.fault.p.value]);  // Never crash a process that is down.
        down[f.fault.p.value] = true;
        break;
      case Fault::Kind::kRestart:
        RC_ASSERT(down[f.fault.p.value]);
        down[f.fault.p.value] = false;
        break;
      case Fault::Kind::kPartition:
      case Fault::Kind::kOneWay:
      case Fault::Kind::kIsolate:
        cut = true;
        break;
      case Fault::Kind::kHeal:
        cut = false;
        break;
      default:
        break;
    }
    // Every fault's text parses back to the same fault.
    auto reparsed = ParseFault(f.fault.ToString());
    RC_ASSERT(reparsed.ok());
    RC_ASSERT(reparsed->ToString() == f.fault.ToString());
    RC_ASSERT(*reparsed == f.fault);
  }
  for (uint32_t p = 1; p <= processes; ++p) RC_ASSERT(!down[p]);
  RC_ASSERT(!cut);
}

}  // namespace
}  // namespace zabsim::sim

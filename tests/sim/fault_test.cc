#include "sim/fault.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

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
  }
  for (uint32_t p = 1; p <= processes; ++p) RC_ASSERT(!down[p]);
  RC_ASSERT(!cut);
}

}  // namespace
}  // namespace zabsim::sim

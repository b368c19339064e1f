// The fault commands of scenario files (runner/scenario/fault_commands.h). The runner
// once joined a command's words into a text such as "crash 2" and parsed it again with
// sim::ParseFault; it now builds the typed sim::Fault from the words. These tests keep
// that text path as the reference: for every fault kind a scenario can name, the typed
// path must give the same fault, and for bad words the same error, to the byte.

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_split.h"
#include "base/status.h"
#include "runner/scenario/fault_commands.h"
#include "runner/scenario/runner.h"
#include "sim/fault.h"
#include "zab/config.h"

namespace zabsim::runner::scenario {
namespace {

// Words splits a command as the scenario parser does, at spaces.
std::vector<std::string_view> Words(std::string_view command) {
  std::vector<std::string_view> out;
  for (const absl::string_view w : absl::StrSplit(base::Absl(command), ' ', absl::SkipEmpty())) {
    out.emplace_back(w.data(), w.size());
  }
  return out;
}

// TextPath is how the runner read a fault command before: its words joined into a text
// (role-restart as signal 1), parsed again.
absl::StatusOr<sim::Fault> TextPath(std::string_view command) {
  const std::vector<std::string_view> words = Words(command);
  std::string text = words[0] == "role-restart" ? "signal" : std::string(words[0]);
  for (size_t i = 1; i < words.size(); ++i) text += " " + std::string(words[i]);
  if (words[0] == "role-restart") text += " 1";
  return sim::ParseFault(text);
}

// TypedPath is how the runner reads it now.
absl::StatusOr<sim::Fault> TypedPath(std::string_view command) {
  const std::vector<std::string_view> words = Words(command);
  return ReadFaultCommand(words[0], std::span<const std::string_view>(words).subspan(1));
}

// Fault commands a scenario may write, at least one of each kind of fault, with each
// form of argument: '*' for any process, signs and units, instances and prefixes.
constexpr std::string_view kCommands[] = {
    "crash 2",
    "restart 3",
    "role-restart 1",
    "partition 1,2|3",
    "partition 1|2|3",
    "oneway 1,2>3",
    "oneway 3>1,2",
    "isolate 3",
    "heal",
    "break 1 2",
    "delay 1>2 50ms 3s",
    "delay *>2 1ms 1s",
    "delay 1>* 1.5s 2m",
    "hold 1>2",
    "hold *>3",
    "release 1>2",
    "release 2>*",
    "clock-rate 2 1.05",
    "clock-rate 1 0.1",
    "clock-rate 3 10",
    "clock-step 2 -30ms",
    "clock-step 2 +1s",
    "clock-step 1 250us",
    "disk-slow 2 10 5s",
    "disk-error 2 5s",
    "disk-error 1 1s log.,snapshot.",
    "loss 1%",
    "loss 0",
    "loss 1/20",
    "torn 0.5",
    "torn 1",
    "channel unsafe",
    "channel tcp",
    "stall 3 commit-processor",
    "stall 3 learner-handler:1 sync-follower",
    "resume 3 commit-processor",
    "resume 2 learner-handler:2",
};

TEST(ScenarioFaultCommand, TypedFaultEqualsWhatTheTextPathParsed) {
  std::set<sim::Fault::Kind> kinds;
  for (const std::string_view command : kCommands) {
    SCOPED_TRACE(command);
    auto text = TextPath(command);
    auto typed = TypedPath(command);
    ASSERT_TRUE(text.ok()) << text.status();
    ASSERT_TRUE(typed.ok()) << typed.status();
    EXPECT_TRUE(*typed == *text) << typed->ToString() << " vs " << text->ToString();
    EXPECT_EQ(typed->ToString(), text->ToString());
    kinds.insert(typed->kind);
  }
  // Every kind of fault has a command: the list above covers all that scenarios express.
  for (int k = 0; k <= static_cast<int>(sim::Fault::Kind::kDiskError); ++k) {
    const auto kind = static_cast<sim::Fault::Kind>(k);
    EXPECT_TRUE(kinds.contains(kind)) << "no command above for " << sim::ToString(kind);
  }
}

TEST(ScenarioFaultCommand, TypedFaultsAreTheKindsConstructors) {
  using sim::Duration;
  using sim::Fault;
  using sim::ProcessId;
  EXPECT_TRUE(*TypedPath("crash 2") == Fault::Crash(ProcessId{2}));
  EXPECT_TRUE(*TypedPath("role-restart 1") == Fault::Signal(ProcessId{1}, 1));
  EXPECT_TRUE(*TypedPath("oneway 1,2>3") ==
              Fault::OneWay({ProcessId{1}, ProcessId{2}}, {ProcessId{3}}));
  EXPECT_TRUE(*TypedPath("delay *>2 50ms 3s") ==
              Fault::Delay(ProcessId{0}, ProcessId{2}, Duration::Millis(50), Duration::Seconds(3)));
  EXPECT_TRUE(*TypedPath("clock-step 2 -30ms") ==
              Fault::ClockStep(ProcessId{2}, Duration::Millis(-30)));
  EXPECT_TRUE(*TypedPath("stall 3 learner-handler:1 sync-follower") ==
              Fault::Stall(ProcessId{3}, "learner-handler", 1, "sync-follower"));
  // And a different argument is a different fault.
  EXPECT_FALSE(*TypedPath("crash 2") == Fault::Crash(ProcessId{3}));
  EXPECT_FALSE(*TypedPath("crash 2") == Fault::Restart(ProcessId{2}));
}

// Bad words for every kind of fault: wrong counts, numbers, links, ranges and names.
constexpr std::string_view kBadCommands[] = {
    "crash",
    "crash x",
    "crash 1 2",
    "restart 0",
    "role-restart",
    "role-restart x",
    "role-restart 1 2",
    "partition 1,2",
    "partition 1,x|3",
    "partition 1,1|2",
    "oneway 1,2",
    "oneway 1>x",
    "isolate",
    "heal now",
    "break 1 1",
    "break 1",
    "delay 1>2 -1ms 1s",
    "delay 1-2 1ms 1s",
    "delay 2>2 1ms 1s",
    "delay 1>2 1ms",
    "hold 1>1",
    "hold 12",
    "release x>1",
    "clock-rate 2 20",
    "clock-rate 2 1.0000001",
    "clock-rate 2 abc",
    "clock-step 2 --1ms",
    "clock-step x 1ms",
    "disk-slow 1 0 1s",
    "disk-slow 1 x 1s",
    "disk-slow 1 2",
    "disk-error 1",
    "disk-error 1 1s log.,",
    "disk-error 1 x",
    "loss 1.5",
    "loss",
    "torn 3/2",
    "channel udp",
    "stall 3",
    "stall 3 Commit",
    "stall 3 commit-processor Sync",
    "stall 3 learner-handler:0",
    "resume 3 commit-processor sync-follower",
    "resume x commit-processor",
};

TEST(ScenarioFaultCommand, BadWordsGiveTheTextPathsErrors) {
  for (const std::string_view command : kBadCommands) {
    SCOPED_TRACE(command);
    auto text = TextPath(command);
    auto typed = TypedPath(command);
    ASSERT_FALSE(text.ok());
    ASSERT_FALSE(typed.ok()) << typed->ToString();
    EXPECT_EQ(base::Text(typed.status()), base::Text(text.status()));
  }
}

// The same errors, located in a file, as `zabsim run` prints them. Each message is the
// one the runner gave before the fault commands were read typed.
std::string RunError(std::string_view text) {
  return RunFile("t.scn", text, zab::ReleaseChoice{}).error;
}

std::string After3(std::string_view command) {
  return "cluster voters=3 clients=1\n----\n\n" + std::string(command) + "\n----\n";
}

TEST(ScenarioFaultCommand, BadArgumentsKeepTheirLocatedErrors) {
  EXPECT_EQ(RunError(After3("delay 1>x 1ms 1s")),
            "t.scn:4:7: delay: fault 'delay 1>x 1ms 1s': expected a process number or *, "
            "found 'x'");
  EXPECT_EQ(RunError(After3("oneway 1,2")),
            "t.scn:4:8: oneway: fault 'oneway 1,2': expected FROM>TO, e.g. 1,2>3");
  EXPECT_EQ(RunError(After3("stall 3 Commit")),
            "t.scn:4:7: stall: fault 'stall 3 Commit': expected a thread such as "
            "commit-processor or learner-handler:2, found 'Commit'");
  EXPECT_EQ(RunError(After3("role-restart x")),
            "t.scn:4:14: role-restart: fault 'signal x 1': expected a process number, found 'x'");
  EXPECT_EQ(RunError(After3("crash 2 at=1s")), "t.scn:4:9: crash: unexpected argument 'at=1s'");
  // After `do`, the command is located within the `on` directive.
  EXPECT_EQ(RunError(After3("on 1 enters LEADING do disk-slow 1 x 1s")),
            "t.scn:4:34: on: disk-slow: fault 'disk-slow 1 x 1s': expected a whole slow-down "
            "factor, found 'x'");
  // Words that read well but name no server of this cluster: Validate's errors.
  EXPECT_EQ(RunError(After3("hold 1>5")),
            "t.scn:4:6: hold: fault 'hold 1>5': there is no process 5 (processes are 1..3)");
}

// Quiet: good words run without an error.
TEST(ScenarioFaultCommand, GoodArgumentsRun) {
  for (const std::string_view command : kCommands) {
    EXPECT_EQ(RunError(After3(command)), "") << command;
  }
}

}  // namespace
}  // namespace zabsim::runner::scenario

// Triggers, `on [every] SERVER EVENT do COMMAND` (docs/scenarios.md, "Triggers"): each
// kind of event fires its trigger and a near miss does not, `every` fires each time,
// a trigger that never fired is a warning, mistakes are located errors, and a run with
// triggers is as deterministic as any other.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "runner/scenario/runner.h"
#include "zab/config.h"

namespace zabsim::runner::scenario {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr std::string_view kPath = "t.scn";

FileResult RunText(std::string_view text) { return RunFile(kPath, text, zab::ReleaseChoice{}); }

// Three voters, one client that uses the leader (server 3), converged, on lines 1-2;
// then a trigger on line 3, a write named w on line 4, and time for it to commit.
std::string WithTrigger(std::string_view on) {
  return "cluster voters=3 clients=1 client.1=3\nrun until=converged show=none\n" + std::string(on) +
         "\ncreate 1 /a v1 as=w\nrun for=20ms\n";
}

// Fired counts the lines "T trigger 1: ..." of every output.
size_t Fired(const FileResult& r) {
  size_t n = 0;
  for (const auto& output : r.outputs) {
    n += static_cast<size_t>(std::count_if(output.begin(), output.end(), [](const std::string& line) {
      return line.find(" trigger 1: ") != std::string::npos;
    }));
  }
  return n;
}

TEST(ScenarioTriggers, EachKindOfEventFires) {
  // The write is 0x100000002 (the session's txn is 0x100000001).
  for (const std::string_view on :
       {"on 3 sends PROPOSAL to 1 do heal", "on 3 sends PROPOSAL zxid=0x100000002 do heal",
        "on 1 receives PROPOSAL from 3 zxid=0x100000002 do heal", "on 3 receives ACK from 2 do heal",
        "on 1 writes 0x100000002 do heal", "on 1 logs 0x100000002 do heal", "on 2 logs do heal",
        "on 3 commits 0x100000002 do heal", "on 2 applies zxid=0x100000002 do heal"}) {
    const FileResult r = RunText(WithTrigger(on));
    EXPECT_EQ(r.error, "") << on;
    EXPECT_THAT(r.warnings, IsEmpty()) << on;
    EXPECT_EQ(Fired(r), 1u) << on;
  }
}

TEST(ScenarioTriggers, ANearMissDoesNotFireAndIsAWarning) {
  for (const std::string_view on :
       {"on 1 sends PROPOSAL do heal", "on 3 sends PROPOSAL zxid=0x100000003 do heal",
        "on 3 sends COMMIT to 3 do heal", "on 1 receives PROPOSAL from 2 do heal", "on 1 writes 0x100000003 do heal",
        "on 3 commits 0x100000009 do heal", "on 3 enters LOOKING do heal", "on 2 enters BROADCAST do heal"}) {
    const FileResult r = RunText(WithTrigger(on));
    if (std::string_view(on).find("to 3") != std::string_view::npos) {
      EXPECT_EQ(r.error, "t.scn:3:22: on: a process has no link to itself (3 sends to 3)");
      continue;
    }
    EXPECT_EQ(r.error, "") << on;
    EXPECT_EQ(Fired(r), 0u) << on;
    EXPECT_THAT(r.warnings, ElementsAre("t.scn:3:1: warning: on: the trigger never fired: " + std::string(on)));
  }
}

TEST(ScenarioTriggers, EntersFiresOnAChangeOfRoleOrPhase) {
  const std::string text =
      "cluster voters=3\nrun until=converged show=none\non 1 enters LOOKING do heal\n"
      "on 1 enters SYNCHRONIZATION do loss 0\nrole-restart 1\nrun until=converged show=none\n";
  const FileResult r = RunText(text);
  EXPECT_EQ(r.error, "");
  EXPECT_THAT(r.warnings, IsEmpty());
  // The role restart puts 1 in LOOKING at once: the trigger fires as the fault's command
  // ends, before time passes; the sync comes later.
  EXPECT_THAT(r.outputs[4], ElementsAre("   0.212 fault signal 1 1", "   0.212 1 left FOLLOWING: role restart",
                                        "   0.212 1 FOLLOWING -> LOOKING", "   0.212 trigger 1: heal",
                                        "   0.212 fault heal"));
  EXPECT_THAT(r.outputs[5], Contains(HasSubstr(" trigger 2: loss 0")));
}

TEST(ScenarioTriggers, TheArmedLineAndTheFiredLineSayWhat) {
  const FileResult r = RunText(
      "cluster voters=3 clients=1 client.1=3\nrun until=converged show=none\n"
      "set 1 /a v1 nowait as=w\nrun until=proposed:$w show=none\n"
      "on 1 receives COMMIT zxid=$w do crash 1\n"
      "on 2 receives PROPOSAL do hold-next from=2 to=3 type=ACK zxid=$w\n"
      "run until=committed:$w show=broadcast,fault\nrun for=10ms show=fault\n");
  ASSERT_EQ(r.error, "");
  EXPECT_THAT(r.outputs[4],
              ElementsAre("trigger 1: the next time 1 receives COMMIT of w=0x100000002, crash 1"));
  EXPECT_THAT(r.outputs[5], ElementsAre("trigger 2: the next time 2 receives PROPOSAL, hold the next ACK "
                                        "of w=0x100000002 from 2 to 3"));
  // 2's ACK is held: 1's makes the quorum.
  EXPECT_THAT(r.outputs[6], Contains(HasSubstr(" trigger 2: hold the next ACK of w=0x100000002 from 2 to 3")));
  EXPECT_THAT(r.outputs[6], Contains(HasSubstr(" 1->3 ACK w=0x100000002")));
  EXPECT_THAT(r.outputs[6], Not(Contains(HasSubstr(" 2->3 ACK w=0x100000002"))));
  EXPECT_THAT(r.outputs[7], Contains(HasSubstr(" trigger 1: crash 1")));
  EXPECT_THAT(r.outputs[7], Contains(HasSubstr(" fault crash 1")));
}

TEST(ScenarioTriggers, OnceFiresOnceAndEveryFiresEachTime) {
  const std::string writes = "\nrepeat 3 {\n  create 1 /a\n}\n";
  // The session's own txn is proposed by 0.3s: the writes of the block are the only ones.
  const std::string head =
      "cluster voters=3 clients=1 client.1=3\nrun until=converged show=none\nrun for=100ms show=none\n";
  const FileResult once = RunText(head + "on 3 sends PROPOSAL to 1 do heal" + writes);
  const FileResult every = RunText(head + "on every 3 sends PROPOSAL to 1 do heal" + writes);
  ASSERT_EQ(once.error, "");
  ASSERT_EQ(every.error, "");
  EXPECT_EQ(Fired(once), 1u);
  EXPECT_EQ(Fired(every), 3u);
  EXPECT_THAT(every.outputs[3], ElementsAre("trigger 1: every time 3 sends PROPOSAL to 1, heal"));
  // Each matching record fires it: a role restart sends two votes in one step.
  const FileResult votes = RunText(head + "on every 1 sends NOTIFICATION do role-restart 1\nrole-restart 1\n");
  ASSERT_EQ(votes.error, "");
  EXPECT_EQ(Fired(votes), 2u);
}

TEST(ScenarioTriggers, MistakesAreLocatedErrors) {
  const std::string head = "cluster voters=3\nrun until=converged show=none\n";
  const auto error = [&](std::string_view on) { return RunText(head + std::string(on) + "\n").error; };
  EXPECT_THAT(error("on 3 commits"), HasSubstr("t.scn:3:4: on: missing 'do COMMAND' after the event (expected: on [every] SERVER EVENT do COMMAND"));
  EXPECT_EQ(error("on 9 sends ACK do heal"), "t.scn:3:4: on: no server '9' (servers are 1..3)");
  EXPECT_EQ(error("on 3 sent ACK do heal"),
            "t.scn:3:6: on: expected an event (sends, receives, writes, logs, enters, commits, applies), found 'sent'");
  EXPECT_THAT(error("on 3 sends ACKK do heal"), HasSubstr("t.scn:3:12: on: no message type 'ACKK' (expected one of: REQUEST,"));
  EXPECT_THAT(error("on 3 enters BOSS do heal"), HasSubstr("t.scn:3:13: on: expected a role (LOOKING,"));
  EXPECT_EQ(error("on 3 logs 0xZ do heal"),
            "t.scn:3:11: on: expected a zxid (e.g. 0x100000003, or $w for a capture), found '0xZ'");
  EXPECT_EQ(error("on 3 sends NOTIFICATION zxid=0x1 do heal"),
            "t.scn:3:25: on: a NOTIFICATION (a vote) carries no zxid to match");
  EXPECT_EQ(error("on 3 commits 0x1 extra do heal"), error("on 3 commits 0x1 extra do heal"));
  EXPECT_THAT(error("on 3 commits 0x1 extra do heal"), HasSubstr("t.scn:3:18: on: unexpected argument 'extra'"));
  EXPECT_THAT(error("on 3 commits do run for=1s"),
              HasSubstr("t.scn:3:17: on: expected a fault or a message rule after 'do' (crash, restart, "));
  EXPECT_THAT(error("on 3 commits do"), HasSubstr("t.scn:3:17: on: expected a command after 'do'"));
  // The command is read at once, at its place in the line.
  EXPECT_EQ(error("on 3 commits do crash 9"),
            "t.scn:3:23: on: crash: fault 'crash 9': there is no process 9 (processes are 1..3)");
  EXPECT_EQ(error("on 3 commits do hold-next from=1 to=1"),
            "t.scn:3:34: on: hold-next: a process has no link to itself (from=1 to=1)");
  EXPECT_EQ(error("on 3 commits do crash 1 show=all"), "t.scn:3:25: on: crash: unexpected argument 'show=all'");
  EXPECT_THAT(error("on 3 commits $x do crash 1"), HasSubstr("t.scn:3:14: on: unknown name '$x'"));
  // show= before `do` is the directive's own.
  EXPECT_EQ(error("on 3 commits show=none do crash 1"), "");
}

TEST(ScenarioTriggers, ARunWithTriggersIsDeterministic) {
  const std::string text = WithTrigger("on every 3 sends PROPOSAL do crash 1") + "restart 1\nrun until=converged\n";
  const FileResult a = RunText(text);
  const FileResult b = RunText(text);
  ASSERT_EQ(a.error, "");
  EXPECT_EQ(a.fingerprint, b.fingerprint);
  EXPECT_EQ(a.outputs, b.outputs);
  EXPECT_NE(a.fingerprint, RunText(WithTrigger("") + "restart 1\nrun until=converged\n").fingerprint);
}

}  // namespace
}  // namespace zabsim::runner::scenario

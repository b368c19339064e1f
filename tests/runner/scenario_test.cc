// Scenario files (runner/scenario/): what the parser accepts and rejects, where its errors
// point, what the runner refuses before it touches the ensemble, and that --rewrite
// leaves a file's own text alone. docs/scenarios.md is the reference these tests pin.

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "runner/scenario/parser.h"
#include "runner/scenario/runner.h"
#include "zab/config.h"

namespace zabsim::runner::scenario {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr std::string_view kPath = "t.scn";

// ParseError parses `text` and returns its error message ("" if it parsed).
std::string ParseError(std::string_view text) {
  auto file = Parse(kPath, text);
  return file.ok() ? "" : std::string(base::Text(file.status()));
}

// RunError runs `text` (expected outputs are not compared here) and returns the error
// that stopped it ("" if none).
std::string RunError(std::string_view text) {
  return RunFile(kPath, text, zab::ReleaseChoice{}).error;
}

// A cluster of three voters and one client, then `command`, on line 4.
std::string After3(std::string_view command) {
  return "cluster voters=3 clients=1\n----\n\n" + std::string(command) + "\n----\n";
}

// ---------------------------------------------------------------------------------------
// The parser.

TEST(ScenarioParse, CommandsArgumentsOutputsAndComments) {
  auto file = Parse(kPath,
                    "# A comment.\n"
                    "\n"
                    "run  until=leader\tlimit=5s on=2 bare =x a=b=c\n"
                    "----\n"
                    "# not a comment: part of the output\n"
                    "  indented output\n"
                    "\n"
                    "  # an indented comment\n"
                    "check\n"
                    "----\n");
  ASSERT_TRUE(file.ok()) << base::Text(file.status());
  ASSERT_EQ(file->directives.size(), 2u);
  const Directive& run = file->directives[0];
  EXPECT_EQ(run.line, 3);
  EXPECT_EQ(run.name, "run");
  ASSERT_EQ(run.args.size(), 6u);
  EXPECT_EQ(run.args[0].key, "until");
  EXPECT_EQ(run.args[0].value, "leader");
  EXPECT_EQ(run.args[0].column, 6);  // Two spaces after the name.
  EXPECT_EQ(run.args[1].key, "limit");
  EXPECT_EQ(run.args[1].column, 19);  // A tab is one column.
  EXPECT_EQ(run.args[2].key, "on");
  EXPECT_EQ(run.args[2].value, "2");
  EXPECT_EQ(run.args[3].key, "");
  EXPECT_EQ(run.args[3].value, "bare");
  EXPECT_EQ(run.args[4].key, "");  // A leading '=' makes a bare word...
  EXPECT_EQ(run.args[4].value, "=x");
  EXPECT_EQ(run.args[5].key, "a");  // ...and only the first '=' splits.
  EXPECT_EQ(run.args[5].value, "b=c");
  EXPECT_THAT(run.expected, ElementsAre("# not a comment: part of the output", "  indented output"));
  EXPECT_EQ(run.output_begin, 4);
  EXPECT_EQ(run.output_end, 6);
  EXPECT_EQ(file->directives[1].line, 9);
  EXPECT_THAT(file->directives[1].expected, IsEmpty());
}

TEST(ScenarioParse, CrlfLinesReadAsLf) {
  auto file = Parse(kPath, "cluster voters=3\r\n----\r\nout\r\n\r\ncheck\r\n----\r\n");
  ASSERT_TRUE(file.ok()) << base::Text(file.status());
  ASSERT_EQ(file->directives.size(), 2u);
  EXPECT_EQ(file->directives[0].args[0].value, "3");
  EXPECT_THAT(file->directives[0].expected, ElementsAre("out"));
}

TEST(ScenarioParse, ACarriageReturnInsideACommandIsAnError) {
  // "crash 1\r2 3 bogus" once ran as "crash 1"; a line starting with CR was a command ''.
  EXPECT_EQ(ParseError("crash 1\r2 3 bogus\n----\n"),
            "t.scn:1:8: expected a line break as LF or CRLF, found a carriage return inside the line");
  EXPECT_EQ(ParseError("\rcrash 1\n----\n"),
            "t.scn:1:1: expected a line break as LF or CRLF, found a carriage return inside the line");
  // Old Mac line endings: the whole file is one line with CRs inside.
  EXPECT_EQ(ParseError("cluster voters=3\r----\r"),
            "t.scn:1:17: expected a line break as LF or CRLF, found a carriage return inside the line");
  EXPECT_EQ(ParseError(std::string("crash 1\0\n----\n", 14)),
            "t.scn:1:7: expected printable ASCII, found '1?'");
  EXPECT_EQ(ParseError("crash \xc3\xa9\n----\n"), "t.scn:1:7: expected printable ASCII, found '?" "?'");
}

TEST(ScenarioParse, EmptyAndCommentOnlyFilesHaveNoDirectives) {
  for (const std::string_view text : {"", "\n", "# only\n# comments\n\n", "# no newline"}) {
    auto file = Parse(kPath, text);
    ASSERT_TRUE(file.ok()) << text;
    EXPECT_THAT(file->directives, IsEmpty()) << text;
  }
}

TEST(ScenarioParse, ACommandWithoutSeparatorIsNotFrozen) {
  // No '----': the command runs, its output is not compared, and --rewrite adds none.
  auto file = Parse(kPath, "cluster voters=3\n\nrun for=1s\n----\nout\n\ncheck");
  ASSERT_TRUE(file.ok()) << base::Text(file.status());
  ASSERT_EQ(file->directives.size(), 3u);
  EXPECT_FALSE(file->directives[0].frozen);
  EXPECT_TRUE(file->directives[1].frozen);
  EXPECT_THAT(file->directives[1].expected, ElementsAre("out"));
  EXPECT_FALSE(file->directives[2].frozen);
  EXPECT_EQ(Rewrite(*file, {{"a"}, {"b"}, {"c"}}), "cluster voters=3\n\nrun for=1s\n----\nb\n\ncheck\n");
  // A separator with a comment between it and its command has no command.
  EXPECT_EQ(ParseError("# intro\ncluster\n# a comment is not '----'\n----\n"),
            "t.scn:4:1: expected a command before '----', found none");
  // A separator must be exact: "---- " would otherwise read as a command named "----".
  EXPECT_EQ(ParseError("cluster\n---- \n"), "t.scn:2:1: expected '----' alone on its line, found '---- '");
  EXPECT_EQ(ParseError("cluster\n  ----\n"), "t.scn:2:1: expected '----' alone on its line, found '  ----'");
}

TEST(ScenarioParse, SeparatorWithoutCommand) {
  EXPECT_EQ(ParseError("----\n"), "t.scn:1:1: expected a command before '----', found none");
  // A blank line ends an output, so a second '----' has no command.
  EXPECT_EQ(ParseError("# c\ncluster\n----\nout\n\n----\n"),
            "t.scn:6:1: expected a command before '----', found none");
}

TEST(ScenarioParse, IndentedCommand) {
  EXPECT_EQ(ParseError("cluster\n----\n\n  run for=1s\n----\n"),
            "t.scn:4:1: expected a command at the start of the line, found '  run for=1s' "
            "(expected output belongs after '----')");
  EXPECT_EQ(ParseError("\tcheck\n----\n"),
            "t.scn:1:1: expected a command at the start of the line, found '?check' "
            "(expected output belongs after '----')");
}

TEST(ScenarioParse, NonPrintableBytesInACommandLine) {
  // The column is the start of the word holding the byte.
  EXPECT_EQ(ParseError("cluster voters=3 \x01x\n----\n"),
            "t.scn:1:18: expected printable ASCII, found '?x'");
  EXPECT_EQ(ParseError("clu\x7fster\n----\n"), "t.scn:1:1: expected printable ASCII, found 'clu?ster'");
  EXPECT_EQ(ParseError("cluster\n----\n\ncreate 1 /a caf\xc3\xa9\n----\n"),
            "t.scn:4:13: expected printable ASCII, found 'caf?" "?'");  // Split: no trigraph.
  EXPECT_EQ(ParseError(std::string("cluster a=\0\n----\n", 17)),
            "t.scn:1:9: expected printable ASCII, found 'a=?'");
  // Comments and outputs may hold any bytes.
  EXPECT_EQ(ParseError("# caf\xc3\xa9 \x01\ncluster\n----\n\xff\xfe\n"), "");
}

TEST(ScenarioParse, KeyWithoutValue) {
  // The column is just after the '='.
  EXPECT_EQ(ParseError("cluster voters=\n----\n"), "t.scn:1:16: expected a value after 'voters='");
  EXPECT_EQ(ParseError("cluster\n----\n\nrun  for= \n----\n"),
            "t.scn:4:10: expected a value after 'for='");
}

TEST(ScenarioParse, OverlongLine) {
  const std::string max(4096, 'x');
  EXPECT_EQ(ParseError("# " + max.substr(2) + "\n"), "");
  EXPECT_EQ(ParseError("# " + max.substr(2) + "\r\n"), "");  // The CR is not counted.
  EXPECT_EQ(ParseError("cluster\n----\n# " + max.substr(1) + "\n"),
            "t.scn:3:4097: expected a line of at most 4096 bytes");
  // Checked while the file is split into lines: it comes before any syntax error.
  EXPECT_EQ(ParseError("----\n" + max + "x\n"), "t.scn:2:4097: expected a line of at most 4096 bytes");
}

TEST(ScenarioParse, TooManyLines) {
  std::string text;
  for (int i = 0; i < 100001; ++i) text += "#\n";
  EXPECT_EQ(ParseError(text), "t.scn:100001:1: expected at most 100000 lines");
}

// ---------------------------------------------------------------------------------------
// The runner: errors name the file, the command's line, the column and the command.

TEST(ScenarioRun, UnknownCommand) {
  EXPECT_THAT(RunError("frob x\n----\n"),
              StartsWith("t.scn:1:1: frob: unknown command (expected one of: cluster, show, run,"));
  EXPECT_THAT(RunError(After3("frob")), StartsWith("t.scn:4:1: frob: unknown command"));
}

TEST(ScenarioRun, CommandsBeforeCluster) {
  EXPECT_EQ(RunError("# intro\n\nrun for=1s\n----\n"),
            "t.scn:3:1: run: expected 'cluster' before any other command");
  EXPECT_EQ(RunError("state\n----\n"), "t.scn:1:1: state: expected 'cluster' before any other command");
}

TEST(ScenarioRun, SecondCluster) {
  EXPECT_EQ(RunError(After3("cluster voters=5")),
            "t.scn:4:1: cluster: the cluster exists already (one 'cluster' per scenario)");
}

TEST(ScenarioRun, UnknownServer) {
  EXPECT_EQ(RunError(After3("crash 4")),
            "t.scn:4:7: crash: fault 'crash 4': there is no process 4 (processes are 1..3)");
  EXPECT_EQ(RunError(After3("state 1 9")), "t.scn:4:9: state: no server '9' (servers are 1..3)");
  EXPECT_EQ(RunError(After3("log 0")), "t.scn:4:5: log: no server '0' (servers are 1..3)");
  EXPECT_EQ(RunError(After3("tree x")), "t.scn:4:6: tree: no server 'x' (servers are 1..3)");
  EXPECT_EQ(RunError(After3("drop-next from=1 to=9")),
            "t.scn:4:18: drop-next: no server '9' (servers are 1..3)");
  EXPECT_EQ(RunError(After3("run until=leader on=4")),
            "t.scn:4:18: run: no server '4' (servers are 1..3)");
  // Clients are processes too, but faults name servers only.
  EXPECT_THAT(RunError(After3("isolate 4")), StartsWith("t.scn:4:9: isolate: fault 'isolate 4': there is no process 4"));
}

TEST(ScenarioRun, UnknownClient) {
  EXPECT_EQ(RunError(After3("create 2 /a")), "t.scn:4:8: create: no client '2' (clients are 1..1)");
  EXPECT_EQ(RunError(After3("get 0 /a")), "t.scn:4:5: get: no client '0' (clients are 1..1)");
  EXPECT_EQ(RunError("cluster\n----\n\nexists 1 /a\n----\n"),
            "t.scn:4:8: exists: no client '1' (clients are 1..0)");
  EXPECT_EQ(RunError(After3("create 1 a/b")),
            "t.scn:4:10: create: expected an absolute path such as /a/b, found 'a/b'");
}

TEST(ScenarioRun, ImpossibleClusters) {
  EXPECT_EQ(RunError("cluster voters=0\n----\n"),
            "t.scn:1:9: cluster: expected a whole number in [1, 15], found '0'");
  EXPECT_EQ(RunError("cluster voters=3 observers=16\n----\n"),
            "t.scn:1:18: cluster: expected a whole number in [0, 15], found '16'");
  EXPECT_EQ(RunError("cluster clients=-1\n----\n"),
            "t.scn:1:9: cluster: expected a whole number in [0, 50], found '-1'");
  EXPECT_EQ(RunError("cluster clients=2 client.3=1\n----\n"),
            "t.scn:1:1: cluster: client 3 named, but there are 2 clients");
  EXPECT_EQ(RunError("cluster clients=1 client.1=1,4\n----\n"),
            "t.scn:1:1: cluster: client 1 uses server 4, but servers are 1..3");
  EXPECT_EQ(RunError("cluster voters\n----\n"), "t.scn:1:9: cluster: expected KEY=VALUE, found 'voters'");
  EXPECT_EQ(RunError("cluster min_notification_ms=70000\n----\n"),
            "t.scn:1:1: cluster: min_notification_ms=70000: must not exceed max_notification_ms=60000");
  EXPECT_EQ(RunError("cluster tick_ms=1\n----\n"),
            "t.scn:1:9: cluster: tick_ms=1: must lie in [2, 600000]");
}

TEST(ScenarioRun, SeedsTakeAllSixtyFourBits) {
  // zabsim sim takes any 64-bit seed; a scenario written from its run must too.
  EXPECT_EQ(RunError("cluster seed=18446744073709551616\n----\n"),
            "t.scn:1:9: cluster: expected a whole number in [0, 18446744073709551615], found "
            "'18446744073709551616'");
}

TEST(ScenarioRun, UnknownBugSwitch) {
  EXPECT_THAT(RunError("cluster bug=ZK-0\n----\n"),
              StartsWith("t.scn:1:9: cluster: unknown bug 'ZK-0' (known: ZK-1154,"));
}

TEST(ScenarioRun, ReleasesAndTheirSwitches) {
  EXPECT_THAT(RunError("cluster voters=3 zk=3.7\n----\n"),
              StartsWith("t.scn:1:18: cluster: unknown ZooKeeper release '3.7' (known: 3.8.0,"));
  EXPECT_THAT(RunError("cluster voters=3 bug=ZK-2846\n----\n"),
              HasSubstr("t.scn:1:18: cluster: master has bug ZK-2846 already"));
  EXPECT_THAT(RunError("cluster voters=3 zk=3.8.0 fix=ZK-4646\n----\n"),
              HasSubstr("cannot take out"));
  EXPECT_EQ(RunError("cluster voters=3 zk=3.8.4 fix=ZK-2846 bug=commit-without-quorum\n----\n"), "");
}

TEST(ScenarioRun, StallAndDiskErrorFaults) {
  EXPECT_EQ(RunError(After3("stall 3 learner-handler:1 sync-follower")), "");
  EXPECT_EQ(RunError(After3("disk-error 2 1s log.,snapshot.")), "");
  EXPECT_THAT(RunError(After3("stall 3")), HasSubstr("t.scn:4:7: stall: fault 'stall 3': expected 'stall P THREAD[:N] [AFTER-STEP]' (2 or 3 arguments), found 1"));
  EXPECT_THAT(RunError(After3("stall 9 commit-processor")), HasSubstr("no process 9"));
  EXPECT_THAT(RunError(After3("disk-error 2")), HasSubstr("2 or 3 arguments"));
}

TEST(ScenarioRun, UnknownArgumentKey) {
  EXPECT_THAT(RunError("cluster frob=1\n----\n"),
              StartsWith("t.scn:1:9: cluster: unknown ZAB setting 'frob' (known: voters,"));
  EXPECT_THAT(RunError("cluster net.frob=1\n----\n"),
              StartsWith("t.scn:1:9: cluster: unknown world setting 'net.frob' (known: seed,"));
  EXPECT_EQ(RunError(After3("run for=1ms bogus=2")),
            "t.scn:4:13: run: unexpected argument 'bogus=2' (expected: run for=DURATION | run "
            "until=CONDITION [limit=DURATION] [on=SERVER] [already=ok])");
  EXPECT_EQ(RunError(After3("check now")),
            "t.scn:4:7: check: unexpected argument 'now' (expected: check [liveness=DURATION])");
  EXPECT_EQ(RunError(After3("crash p=1")), "t.scn:4:7: crash: unexpected argument 'p=1'");
  EXPECT_EQ(RunError(After3("get 1 /a version=1")),
            "t.scn:4:10: get: unexpected argument 'version=1' (expected: get CLIENT PATH [nowait] [as=NAME])");
}

TEST(ScenarioRun, NegativeAndOverlongDurations) {
  EXPECT_EQ(RunError(After3("run for=-1s")),
            "t.scn:4:5: run: invalid duration '-1s': negative durations are not allowed "
            "(expected e.g. 250us, 2ms, 1.5s, 2m)");
  EXPECT_THAT(RunError(After3("run until=leader limit=-5s")),
              StartsWith("t.scn:4:18: run: invalid duration '-5s': negative"));
  EXPECT_THAT(RunError(After3("swarm for=-1s")), StartsWith("t.scn:4:7: swarm: invalid duration '-1s'"));
  EXPECT_THAT(RunError(After3("delay-next from=1 to=2 extra=-1ms")),
              StartsWith("t.scn:4:24: delay-next: invalid duration '-1ms': negative"));
  EXPECT_THAT(RunError(After3("delay 1>2 -1ms 1s")),
              StartsWith("t.scn:4:7: delay: fault 'delay 1>2 -1ms 1s': invalid duration '-1ms'"));
  EXPECT_EQ(RunError(After3("run for=601s")), "t.scn:4:5: run: expected at most 600s, found '601s'");
  EXPECT_EQ(RunError(After3("swarm for=999us")), "t.scn:4:7: swarm: expected at least 1ms");
  // Past int64 microseconds: refused, never wrapped around into the past.
  EXPECT_THAT(RunError(After3("delay-next from=1 to=2 extra=200000000000m")),
              StartsWith("t.scn:4:24: delay-next: invalid duration '200000000000m': too large"));
  EXPECT_THAT(RunError(After3("clock-step 1 200000000000m")), HasSubstr("too large"));
}

TEST(ScenarioRun, ProbabilitiesAboveOne) {
  EXPECT_EQ(RunError(After3("loss 1.5")),
            "t.scn:4:6: loss: fault 'loss 1.5': invalid probability '1.5': greater than 1 "
            "(expected a value in [0, 1] such as 0.05, 5%, 1/20)");
  EXPECT_THAT(RunError(After3("torn 3/2")), StartsWith("t.scn:4:6: torn: fault 'torn 3/2': invalid probability"));
  EXPECT_THAT(RunError("cluster net.loss=101%\n----\n"),
              StartsWith("t.scn:1:9: cluster: net.loss=101%: invalid probability '101%': greater than 1"));
}

TEST(ScenarioRun, RunNeedsExactlyOneOfForAndUntil) {
  const std::string usage =
      " (expected: run for=DURATION | run until=CONDITION [limit=DURATION] [on=SERVER] [already=ok])";
  EXPECT_EQ(RunError(After3("run")), "t.scn:4:5: run: missing for=DURATION or until=CONDITION" + usage);
  EXPECT_EQ(RunError(After3("run for=1s until=leader")),
            "t.scn:4:5: run: missing for=DURATION or until=CONDITION" + usage);
  // limit= and on= belong to until= only.
  EXPECT_THAT(RunError(After3("run for=1ms on=1")), StartsWith("t.scn:4:13: run: unexpected argument 'on=1'"));
}

TEST(ScenarioRun, UnknownConditions) {
  // The error points just after the command name (here, where until= starts).
  EXPECT_EQ(RunError(After3("run until=frob")),
            "t.scn:4:5: run: missing a known condition, found 'frob' (leader, converged, idle, "
            "quiet, epoch:N, proposed:ZXID, committed:ZXID, applied:ZXID) (expected: run "
            "for=DURATION | run until=CONDITION [limit=DURATION] [on=SERVER] [already=ok])");
  EXPECT_THAT(RunError(After3("run until=epoch")),
              StartsWith("t.scn:4:5: run: missing a number after 'epoch:' (e.g. epoch:2)"));
  EXPECT_THAT(RunError(After3("run until=committed:0x1G")),
              StartsWith("t.scn:4:5: run: missing a number after 'committed:'"));
  EXPECT_THAT(RunError(After3("run until=applied:99999999999999999999")),
              StartsWith("t.scn:4:5: run: missing a number after 'applied:'"));
  EXPECT_THAT(RunError(After3("run until=applied:0x10000000000000000")),
              StartsWith("t.scn:4:5: run: missing a number after 'applied:'"));
  EXPECT_THAT(RunError(After3("run until=committed:0x")),
              StartsWith("t.scn:4:5: run: missing a number after 'committed:'"));
}

TEST(ScenarioRun, ConditionsTakeEverySixtyFourBitZxid) {
  // The largest zxid, in decimal and in hex, is a zxid no run reaches, not an error.
  for (const char* cond : {"applied:18446744073709551615", "committed:0xffffffffffffffff"}) {
    const FileResult r = RunFile(kPath, After3(fmt::format("run until={} limit=1s", cond)), zab::ReleaseChoice{});
    EXPECT_EQ(r.error, "") << cond;
    ASSERT_EQ(r.outputs.size(), 2u) << cond;
    EXPECT_EQ(r.outputs[1].back(), fmt::format("run: '{}' not reached within 1s", cond));
  }
}

TEST(ScenarioRun, RunOptionsEndStopsEveryWaitAtTheEnd) {
  // The fuzz target's bound (fuzz/scenario_run_fuzz.cc): past RunOptions::end the world
  // stands still, so the write that follows a long run cannot complete. Without limits
  // the same file runs as zabsim run runs it.
  const std::string text = After3("run for=10s") + "\ncreate 1 /a x\n----\n";
  const FileResult limited = RunFile(kPath, text, zab::ReleaseChoice{}, nullptr, false,
                                     RunOptions{.end = sim::Time::Zero() + sim::Duration::Seconds(2)});
  EXPECT_EQ(limited.error, "");
  ASSERT_EQ(limited.outputs.size(), 3u);
  EXPECT_EQ(limited.outputs[2].back(), "client: the operation did not complete within 60s");
  const FileResult free = RunFile(kPath, text, zab::ReleaseChoice{});
  ASSERT_EQ(free.outputs.size(), 3u);
  EXPECT_THAT(free.outputs[2], ::testing::Contains(HasSubstr("create /a -> OK")));
  EXPECT_NE(free.fingerprint, limited.fingerprint);
}

TEST(ScenarioRun, ConditionsSeeWhatHappenedBeforeTheWait) {
  // A condition that already holds (allowed with already=ok) ends the wait at once, on
  // any server or on one.
  const FileResult r = RunFile(kPath,
                               "cluster voters=3 clients=1\n----\n\nrun until=epoch:1\n----\n\n"
                               "run until=epoch:1 on=3 already=ok\n----\n\n"
                               "run until=epoch:1 on=1 limit=1s\n----\n",
                               zab::ReleaseChoice{});
  EXPECT_EQ(r.error, "");
  ASSERT_EQ(r.outputs.size(), 4u);
  for (const std::string& line : r.outputs[2]) {  // Server 3 leads epoch 1.
    EXPECT_THAT(line, Not(HasSubstr("not reached")));
  }
  EXPECT_EQ(r.outputs[3].back(), "run: 'epoch:1' not reached within 1s");  // 1 follows.
}

TEST(ScenarioRun, NoLinkToItself) {
  // One rule for every command that names a link: a process has none to itself.
  EXPECT_EQ(RunError(After3("drop-next from=1 to=1")),
            "t.scn:4:18: drop-next: a process has no link to itself (from=1 to=1)");
  EXPECT_THAT(RunError(After3("hold 1>1")), HasSubstr("a process has no link to itself"));
  EXPECT_THAT(RunError(After3("delay 2>2 10ms 1s")), HasSubstr("a process has no link to itself"));
  EXPECT_THAT(RunError(After3("break 3 3")), HasSubstr("a process has no link to itself"));
}

TEST(ScenarioRun, ImpossibleFaultsAndRules) {
  EXPECT_EQ(RunError(After3("partition 1|1")),
            "t.scn:4:11: partition: fault 'partition 1|1': process 1 is in two groups");
  EXPECT_EQ(RunError(After3("clock-rate 2 20")),
            "t.scn:4:12: clock-rate: fault 'clock-rate 2 20': a clock rate must lie in [0.1, 10]");
  EXPECT_EQ(RunError(After3("disk-slow 1 0 1s")),
            "t.scn:4:11: disk-slow: fault 'disk-slow 1 0 1s': the slow-down factor must lie in [1, 1000]");
  EXPECT_EQ(RunError(After3("channel udp")),
            "t.scn:4:9: channel: fault 'channel udp': expected tcp or unsafe, found 'udp'");
  EXPECT_EQ(RunError(After3("heal now")), "t.scn:4:6: heal: fault 'heal now': expected 'heal' (0 arguments), found 1");
  EXPECT_EQ(RunError(After3("role-restart")),
            "t.scn:4:14: role-restart: fault 'signal 1': expected 'signal P CODE' (2 arguments), found 1");
  EXPECT_EQ(RunError(After3("drop-next from=1")),
            "t.scn:4:11: drop-next: missing from= and to= (expected: drop-next from=A to=B [type=TYPE] "
            "[zxid=ZXID] [count=N])");
  EXPECT_EQ(RunError(After3("hold-next from=1 to=2 count=0")),
            "t.scn:4:23: hold-next: expected a whole number in [1, 1000000], found '0'");
  EXPECT_THAT(RunError(After3("delay-next from=1 to=2")),
              StartsWith("t.scn:4:12: delay-next: missing extra=DURATION"));
  EXPECT_THAT(RunError(After3("show state,bogus")),
              StartsWith("t.scn:4:6: show: unknown category 'bogus' (expected all, none, or some of: "));
  EXPECT_THAT(RunError(After3("check show=frob")), StartsWith("t.scn:4:7: check: unknown category 'frob'"));
  EXPECT_EQ(RunError(After3("set 1 /a version=1")),
            "t.scn:4:5: set: missing the data (expected: set CLIENT PATH DATA [version=N] [nowait] "
            "[as=NAME])");
}

TEST(ScenarioRun, AnErrorStopsTheFile) {
  const FileResult r = RunFile(kPath,
                               "cluster voters=3\n----\n\n"
                               "state 7\n----\n\n"
                               "frob\n----\n",
                               zab::ReleaseChoice{});
  EXPECT_TRUE(r.parsed);
  EXPECT_EQ(r.error, "t.scn:4:7: state: no server '7' (servers are 1..3)");
  EXPECT_THAT(r.outputs, ElementsAre(ElementsAre("cluster: 3 voters, 0 observers, 0 clients, seed 1")));

  const FileResult bad = RunFile(kPath, "cluster\n---- \n", zab::ReleaseChoice{});
  EXPECT_FALSE(bad.parsed);
  EXPECT_EQ(bad.error, "t.scn:2:1: expected '----' alone on its line, found '---- '");
}

TEST(ScenarioRun, MismatchesAreReportedPerCommand) {
  const FileResult r = RunFile(kPath, "cluster voters=1\n----\ncluster: 2 voters\n\ncheck\n----\nchecks: ok\n",
                               zab::ReleaseChoice{});
  EXPECT_EQ(r.error, "");
  ASSERT_EQ(r.mismatches.size(), 1u);
  EXPECT_EQ(r.mismatches[0],
            "t.scn:1:1: cluster output differs:\n"
            "  - cluster: 2 voters\n"
            "  + cluster: 1 voter, 0 observers, 0 clients, seed 1\n");
}

// ---------------------------------------------------------------------------------------
// Rewrite.

constexpr std::string_view kScenario =
    "# A comment, kept.\n"
    "\n"
    "cluster voters=3 clients=1\n"
    "----\n"
    "cluster: 3 voters, 0 observers, 1 client, seed 1\n"
    "\n"
    "\n"
    "# Two blank lines above, kept.\n"
    "show state\n"
    "----\n"
    "\n"
    "run until=leader\n"
    "----\n"
    "   0.209 3 established epoch 1\n"
    "   stale line\n"
    "check\n"
    "----\n";

std::vector<std::vector<std::string>> Expected(const ScenarioFile& file) {
  std::vector<std::vector<std::string>> out;
  for (const Directive& d : file.directives) out.push_back(d.expected);
  return out;
}

TEST(ScenarioRewrite, SameOutputsGiveTheSameText) {
  auto file = Parse(kPath, kScenario);
  ASSERT_TRUE(file.ok()) << base::Text(file.status());
  ASSERT_EQ(file->directives.size(), 3u);  // "check" is output of "run": no blank line.
  EXPECT_EQ(Rewrite(*file, Expected(*file)), kScenario);
}

TEST(ScenarioRewrite, ReplacesOnlyTheOutputs) {
  auto file = Parse(kPath, "# c\ncluster\n----\nold\nolder\n\n# d\ncheck\n----\n");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(Rewrite(*file, {{"new"}, {"checks: ok", "more"}}),
            "# c\ncluster\n----\nnew\n\n# d\ncheck\n----\nchecks: ok\nmore\n");
  // Fewer outputs than directives (a run stopped by an error): the rest is kept as it was.
  EXPECT_EQ(Rewrite(*file, {{}}), "# c\ncluster\n----\n\n# d\ncheck\n----\n");
}

TEST(ScenarioRewrite, EndsWithANewlineAndWritesLf) {
  auto file = Parse(kPath, "cluster\r\n----\r\nout\r\n\r\n# end");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(Rewrite(*file, Expected(*file)), "cluster\n----\nout\n\n# end\n");
}

TEST(ScenarioRewrite, ARewrittenFileReplaysWithoutMismatch) {
  const std::string text =
      "cluster voters=3 clients=1 client.1=1\n----\n\n"
      "run until=converged\n----\n\n"
      "create 1 /a hello\n----\n\n"
      "crash 3\n----\n\n"
      "run until=leader limit=10s\n----\n\n"
      "state\n----\n\n"
      "check\n----\n";
  const FileResult first = RunFile(kPath, text, zab::ReleaseChoice{});
  ASSERT_EQ(first.error, "");
  EXPECT_EQ(first.mismatches.size(), 7u);
  auto file = Parse(kPath, text);
  ASSERT_TRUE(file.ok());
  const std::string rewritten = Rewrite(*file, first.outputs);
  const FileResult second = RunFile(kPath, rewritten, zab::ReleaseChoice{});
  EXPECT_EQ(second.error, "");
  EXPECT_THAT(second.mismatches, IsEmpty());
  EXPECT_THAT(second.violations, IsEmpty());
  EXPECT_EQ(second.fingerprint, first.fingerprint);
  EXPECT_THAT(second.outputs.back(), ElementsAre("checks: ok"));
  EXPECT_THAT(rewritten, HasSubstr("\ncrash 3\n----\n   0.2"));
  // And rewriting again changes nothing.
  auto again = Parse(kPath, rewritten);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Rewrite(*again, second.outputs), rewritten);
}

// Items apply left to right; a list starting with + or - changes the current set.
TEST(ScenarioShow, CategoriesApplyLeftToRight) {
  EXPECT_EQ(*ParseCategories("all,-ping", kState), kAllCategories & ~kPing);
  EXPECT_EQ(*ParseCategories("state,+sync", kPing), kState | kSync);
  EXPECT_EQ(*ParseCategories("+state,sync", kPing), kPing | kState | kSync);
  EXPECT_EQ(*ParseCategories("-ping", kPing | kState), kState);
  EXPECT_EQ(*ParseCategories("none", kState), 0u);
  EXPECT_EQ(*ParseCategories("none,disk", kState), kDisk);
  EXPECT_FALSE(ParseCategories("-none", kState).ok());
  EXPECT_FALSE(ParseCategories("", kState).ok());
}

// A scenario that demonstrates a bug shows its violations with `check`; a matching check
// output makes them expected. Without one, or with a check that expected "checks: ok",
// the same violations fail the file.
TEST(ScenarioViolations, OnlyViolationsACheckShowedAreExpected) {
  const std::string run =
      "cluster voters=3 bug=majority-is-half\n----\n\n"
      "run until=converged\n----\n\n"
      "partition 1|2|3\n----\n\n"
      "run for=5s\n----\n";
  const FileResult unchecked = RunFile(kPath, run, zab::ReleaseChoice{});
  ASSERT_EQ(unchecked.error, "");
  ASSERT_THAT(unchecked.violations, Not(IsEmpty()));
  EXPECT_THAT(unchecked.expected_violations, IsEmpty());

  const std::string text = run + "\ncheck\n----\nchecks: ok\n";
  const FileResult wrong = RunFile(kPath, text, zab::ReleaseChoice{});
  EXPECT_EQ(wrong.violations, unchecked.violations);
  EXPECT_THAT(wrong.expected_violations, IsEmpty());

  auto file = Parse(kPath, text);
  ASSERT_TRUE(file.ok());
  const std::string shown = Rewrite(*file, wrong.outputs);
  EXPECT_THAT(shown, HasSubstr("\ncheck\n----\nviolation: "));
  const FileResult expected = RunFile(kPath, shown, zab::ReleaseChoice{});
  EXPECT_THAT(expected.mismatches, IsEmpty());
  EXPECT_THAT(expected.violations, IsEmpty());
  EXPECT_EQ(expected.expected_violations, unchecked.violations);

  // A violation that happens after the last check is not expected.
  const FileResult later = RunFile(kPath, shown + "\nrun for=1s\n----\n", zab::ReleaseChoice{});
  EXPECT_THAT(later.mismatches, SizeIs(1));  // The new command's output is not written.
  EXPECT_EQ(later.violations.size() + later.expected_violations.size(), unchecked.violations.size());
}

TEST(ScenarioRun, ConditionArgumentsThatMeanNothingAreErrors) {
  EXPECT_EQ(RunError(After3("run until=leader on=1")),
            "t.scn:4:18: run: on= applies to epoch:, proposed:, committed: and applied:, not to 'leader'");
  EXPECT_EQ(RunError(After3("run until=leader:3")),
            "t.scn:4:5: run: condition 'leader' takes no value, found 'leader:3'");
  EXPECT_THAT(RunError(After3("run until=epoch:x")), HasSubstr("(e.g. epoch:2)"));
  EXPECT_EQ(RunError(After3("run until=committed:0x100000001 on=1 limit=1s")), "");
}

TEST(ScenarioRun, WorldSettingsWithoutADotAreWorldSettings) {
  EXPECT_EQ(RunError("cluster voters=3 max_pending_events=100000\n----\n"), "");
  EXPECT_THAT(RunError("cluster voters=3 max_pending_events=0\n----\n"), HasSubstr("must be positive"));
}

TEST(ScenarioRun, RuleTypesMustBeMessageTypes) {
  EXPECT_THAT(RunError(After3("drop-next from=1 to=2 type=PROPSAL")),
              StartsWith("t.scn:4:23: drop-next: no message type 'PROPSAL' (expected one of: "
                         "REQUEST, PROPOSAL, ACK, COMMIT, PING, SYNC, INFORM, NEWLEADER"));
  EXPECT_EQ(RunError(After3("drop-next from=1 to=2 type=NOTIFICATION")), "");
  EXPECT_THAT(RunError(After3("drop-next from=1 to=2 type=CLIENT-REQUEST")),
              HasSubstr("no message type 'CLIENT-REQUEST'"));
  EXPECT_EQ(RunError("cluster voters=3 processes=4\n----\n"),
            "t.scn:1:18: cluster: 'processes' follows from voters, observers and clients");
}

}  // namespace
}  // namespace zabsim::runner::scenario

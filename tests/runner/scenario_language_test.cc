// The scenario language beyond one command per line (docs/scenarios.md, section 2 and
// the commands `expect` and `run`): outputs that are not frozen, repeat blocks, captures
// (`as=NAME` and `$NAME`), `already=ok`, expectations, and rules that match a zxid. Each
// check is shown firing and staying quiet.

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "runner/scenario/parser.h"
#include "runner/scenario/runner.h"
#include "zab/config.h"

namespace zabsim::runner::scenario {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

constexpr std::string_view kPath = "t.scn";

std::string ParseError(std::string_view text) {
  auto file = Parse(kPath, text);
  return file.ok() ? "" : std::string(base::Text(file.status()));
}

FileResult RunText(std::string_view text) { return RunFile(kPath, text, zab::ReleaseChoice{}); }

// Three voters, one client that uses the leader (server 3) only, converged, on lines
// 1-3: what follows starts on line 4.
std::string Ready(std::string_view rest) {
  return "cluster voters=3 clients=1 client.1=3\nrun until=converged show=none\n\n" +
         std::string(rest);
}

// ---------------------------------------------------------------------------------------
// repeat.

TEST(ScenarioRepeat, ExpandsWithItsVariable) {
  auto file =
      Parse(kPath, "cluster\nrepeat 3 as=i {\n  # a comment\n  set 1 /k$i v$i x$j\n\n}\ncheck\n");
  ASSERT_TRUE(file.ok()) << base::Text(file.status());
  ASSERT_EQ(file->directives.size(), 5u);
  for (int k = 1; k <= 3; ++k) {
    const Directive& d = file->directives[static_cast<size_t>(k)];
    EXPECT_EQ(d.line, 4);
    EXPECT_EQ(d.name, "set");
    EXPECT_FALSE(d.frozen);
    EXPECT_EQ(d.loop, fmt::format("i={}", k));
    EXPECT_EQ(d.args[1].value, fmt::format("/k{}", k));
    EXPECT_EQ(d.args[1].column, 9);  // The template's column.
    EXPECT_EQ(d.args[2].value, fmt::format("v{}", k));
    EXPECT_EQ(d.args[3].value, "x$j");  // Not a loop variable: left for the runner.
    EXPECT_EQ(CommandText(*file, d), fmt::format("set 1 /k{} v{} x$j", k, k));
  }
  EXPECT_EQ(file->directives[4].name, "check");
  EXPECT_EQ(file->directives[4].loop, "");
}

TEST(ScenarioRepeat, NestsAndNamesBothVariables) {
  auto file = Parse(
      kPath, "repeat 2 as=i {\nrepeat 2 as=j {\ncreate 1 /a$i$j\n}\nrepeat 1 {\nget 1 /$i\n}\n}\n");
  ASSERT_TRUE(file.ok()) << base::Text(file.status());
  std::vector<std::string> seen;
  for (const Directive& d : file->directives) seen.push_back(d.args[1].value + " " + d.loop);
  EXPECT_THAT(seen, ElementsAre("/a11 i=1 j=1", "/a12 i=1 j=2", "/1 i=1", "/a21 i=2 j=1",
                                "/a22 i=2 j=2", "/2 i=2"));
}

TEST(ScenarioRepeat, MalformedBlocksAreLocatedErrors) {
  EXPECT_EQ(ParseError("repeat 0 {\n}\n"),
            "t.scn:1:8: expected a repeat count in 1..100000, found '0'");
  EXPECT_EQ(ParseError("repeat 1000000000 {\n}\n"),
            "t.scn:1:8: expected a repeat count in 1..100000, found '1000000000'");
  EXPECT_EQ(ParseError("repeat {\n}\n"),
            "t.scn:1:8: missing the count (expected: repeat COUNT [as=NAME] {)");
  EXPECT_EQ(ParseError("repeat 2\ncheck\n"),
            "t.scn:1:9: expected '{' at the end of the line (expected: repeat COUNT [as=NAME] {)");
  EXPECT_EQ(
      ParseError("repeat 2 {\ncheck\n"),
      "t.scn:3:1: expected '}' to close the repeat block of line 1, found the end of the file");
  EXPECT_EQ(ParseError("check\n}\n"),
            "t.scn:2:1: expected a command, found '}' with no repeat block open");
  EXPECT_EQ(
      ParseError("repeat 2 {\ncheck\n----\n}\n"),
      "t.scn:3:1: expected no '----' inside a repeat block (line 1): its commands run many times, "
      "and their output is not frozen");
  EXPECT_EQ(
      ParseError("repeat 2 {\n----\n}\n"),
      "t.scn:2:1: expected no '----' after 'repeat': the block's commands run many times, and "
      "their output is not frozen");
  EXPECT_EQ(ParseError("repeat 2 as=1i {\n}\n"),
            "t.scn:1:13: expected a name (a letter, then letters, digits or '_'), found '1i'");
  EXPECT_EQ(ParseError("repeat 2 as=i {\nrepeat 2 as=i {\n}\n}\n"),
            "t.scn:2:13: expected a new name: 'i' is the variable of an enclosing repeat");
  EXPECT_EQ(ParseError("repeat 2 frob {\n}\n"),
            "t.scn:1:10: unexpected argument 'frob' (expected: repeat COUNT [as=NAME] {)");
}

TEST(ScenarioRepeat, AbsurdCountsAreRefusedQuickly) {
  // Nested, they would make 10^10 commands: refused once the bound is passed, at once.
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(ParseError("repeat 100000 {\nrepeat 100000 {\ncheck\n}\n}\n"),
            "t.scn:2:8: expected at most 100000 commands of at most 16 MiB in all once repeat "
            "blocks are expanded, found more");
  // Long lines hit the bound on bytes first.
  EXPECT_THAT(ParseError("repeat 10000 {\nset 1 /a " + std::string(4000, 'x') + "\n}\n"),
              StartsWith("t.scn:1:8: expected at most 100000 commands of at most 16 MiB"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // The bound itself is fine.
  auto file = Parse(kPath, "repeat 100000 {\ncheck\n}\n");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->directives.size(), 100000u);
}

TEST(ScenarioRepeat, RewriteKeepsTheBlockAndRunsEveryPass) {
  const std::string text = Ready("repeat 3 as=i {\n  create 1 /k$i v$i\n}\ntree 3\n----\n");
  auto file = Parse(kPath, text);
  ASSERT_TRUE(file.ok());
  const FileResult r = RunText(text);
  EXPECT_EQ(r.error, "");
  ASSERT_EQ(r.outputs.size(), 6u);
  EXPECT_THAT(r.outputs[5], ElementsAre("/k1=v1 version=0", "/k2=v2 version=0", "/k3=v3 version=0",
                                        "3 nodes, 1 sessions, digest 66546289"));
  EXPECT_EQ(Rewrite(*file, r.outputs),
            Ready("repeat 3 as=i {\n  create 1 /k$i v$i\n}\ntree 3\n----\n") +
                "/k1=v1 version=0\n/k2=v2 version=0\n/k3=v3 version=0\n"
                "3 nodes, 1 sessions, digest 66546289\n");
  // An error inside the block says which pass it was.
  EXPECT_EQ(RunText(Ready("repeat 3 as=i {\n  create $i /k v\n}\n")).error,
            "t.scn:5:10: create: no client '2' (clients are 1..1) (in repeat, i=2)");
}

// ---------------------------------------------------------------------------------------
// Frozen and unfrozen outputs.

TEST(ScenarioOutputs, OnlyFrozenOutputsAreCompared) {
  // The run prints lines; with no '----' nothing is compared, with an empty block it is.
  EXPECT_THAT(RunText(Ready("create 1 /a v\n")).mismatches, IsEmpty());
  EXPECT_THAT(RunText(Ready("create 1 /a v\n----\n")).mismatches,
              Contains(HasSubstr("t.scn:4:1: create output differs")));
}

TEST(ScenarioOutputs, AnExpectationHasNoBlockAndTakesNoRecords) {
  EXPECT_EQ(
      ParseError("expect 1 role=LEADING\n----\n"),
      "t.scn:2:1: expected no '----' after 'expect': an expectation prints nothing to freeze, "
      "it fails the file when it does not hold");
  // Records between commands belong to the next command that runs the world, with or
  // without an expectation in between.
  const FileResult without = RunText(Ready("crash 1\n----\n\nrun for=10ms\n----\n"));
  const FileResult with =
      RunText(Ready("crash 1\n----\n\nexpect 1 role=down\nrun for=10ms\n----\n"));
  ASSERT_EQ(without.outputs.size(), 4u);
  ASSERT_EQ(with.outputs.size(), 5u);
  EXPECT_EQ(with.outputs[4], without.outputs[3]);
  EXPECT_THAT(with.outputs[3], ElementsAre("ok"));
  EXPECT_EQ(with.fingerprint, without.fingerprint);
}

// ---------------------------------------------------------------------------------------
// already=ok.

TEST(ScenarioAlready, AConditionThatAlreadyHoldsIsAnError) {
  EXPECT_EQ(RunText(Ready("run until=epoch:1\n")).error,
            "t.scn:4:5: run: 'epoch:1' already holds at 0.212; add already=ok if that is intended");
  EXPECT_EQ(
      RunText(Ready("run until=converged limit=1s\n")).error,
      "t.scn:4:5: run: 'converged' already holds at 0.212; add already=ok if that is intended");
  // Quiet: allowed, or not yet true.
  EXPECT_EQ(RunText(Ready("run until=epoch:1 already=ok\n")).error, "");
  EXPECT_EQ(RunText(Ready("crash 3\nrun until=epoch:2 already=ok\n")).error, "");
  EXPECT_EQ(RunText(Ready("crash 3\nrun until=epoch:2\n")).error, "");
  EXPECT_EQ(RunText(Ready("run until=epoch:1 already=yes\n")).error,
            "t.scn:4:19: run: expected already=ok, found 'already=yes'");
  // A guessed zxid that the session's txn already reached: the bug this check is for.
  EXPECT_EQ(RunText(Ready("create 1 /a v\nrun until=committed:0x100000002\n")).error,
            "t.scn:5:5: run: 'committed:0x100000002' already holds at 0.264; add already=ok if "
            "that is intended");
  // Under --seed another run may get there first: no error.
  EXPECT_EQ(RunFile(kPath, Ready("run until=epoch:1\n"), zab::ReleaseChoice{}, nullptr, false,
                    RunOptions{.seed = 3})
                .error,
            "");
}

// ---------------------------------------------------------------------------------------
// Captures.

TEST(ScenarioCaptures, AWriteIsNamedByTheZxidItsLeaderAssigned) {
  const FileResult r =
      RunText(Ready("create 1 /x v1 as=w\nrun until=committed:$w already=ok show=none\n"));
  EXPECT_EQ(r.error, "");
  ASSERT_EQ(r.outputs.size(), 4u);
  EXPECT_THAT(r.outputs[2], Contains("   0.261 w=0x100000002 (c1 create /x, proposed by 3)"));
  EXPECT_THAT(r.outputs[2], Contains("   0.264 c1 create /x -> OK w=0x100000002"));
  // The name stands for the value wherever a zxid goes.
  EXPECT_EQ(RunText(Ready("create 1 /x v1 as=w\nrun until=committed:$w\n")).error,
            "t.scn:5:5: run: 'committed:$w' (committed:0x100000002) already holds at 0.264; add "
            "already=ok if that is intended");
}

TEST(ScenarioCaptures, AWriteInFlightIsKnownFromItsProposal) {
  const std::string text = Ready("set 1 /x v nowait as=w\n");
  EXPECT_EQ(
      RunText(text + "run until=committed:$w\n").error,
      "t.scn:5:21: run: '$w' is not known yet: the client has not sent it yet (c1 setData /x, "
      "line 4); wait with run until=proposed:$w");
  const FileResult r =
      RunText(text + "run until=proposed:$w\nrun until=committed:$w show=broadcast\n");
  EXPECT_EQ(r.error, "");
  ASSERT_EQ(r.outputs.size(), 5u);
  EXPECT_THAT(r.outputs[3], Contains(HasSubstr("w=0x100000002 (c1 setData /x, proposed by 3)")));
  EXPECT_THAT(r.outputs[4], Contains(HasSubstr("3 commit w=0x100000002")));
}

TEST(ScenarioCaptures, AReadIsNamedByTheZxidOfItsReply) {
  const FileResult r =
      RunText(Ready("create 1 /x v1\nget 1 /x as=r\nexpect r data=v1 code=OK\nexpect 3 last=$r\n"));
  EXPECT_EQ(r.error, "");
  EXPECT_THAT(r.failures, IsEmpty());
  EXPECT_THAT(r.outputs[3], Contains(HasSubstr("r=0x100000002 (c1 getData /x, read)")));
}

TEST(ScenarioCaptures, UnknownAndRepeatedNamesAreLocatedErrors) {
  EXPECT_EQ(RunText(Ready("run until=committed:$nope\n")).error,
            "t.scn:4:21: run: unknown name '$nope' (expected a capture given by as= on an earlier "
            "command, or the variable of an enclosing repeat; captures so far: none)");
  EXPECT_EQ(
      RunText(Ready("create 1 /a as=w\nhold-next from=3 to=1 zxid=0x1$x\n")).error,
      "t.scn:5:31: hold-next: unknown name '$x' (expected a capture given by as= on an earlier "
      "command, or the variable of an enclosing repeat; captures so far: w)");
  EXPECT_EQ(RunText(Ready("create 1 /a as=w\ncreate 1 /b as=w\n")).error,
            "t.scn:5:16: create: 'w' names c1 create /a already (line 4): a name is given once");
  EXPECT_EQ(
      RunText(Ready("create 1 /a as=1w\n")).error,
      "t.scn:4:16: create: expected a name (a letter, then letters, digits or '_'), found '1w'");
  EXPECT_THAT(RunText(Ready("expect 3 logs=$\n")).error,
              StartsWith("t.scn:4:15: expect: expected a name after '$'"));
  // Names made in a loop.
  const FileResult r =
      RunText(Ready("repeat 2 as=i {\n  create 1 /k$i as=w$i\n}\nexpect 3 logs=$w1 logs=$w2\n"));
  EXPECT_EQ(r.error, "");
  EXPECT_THAT(r.failures, IsEmpty());
}

TEST(ScenarioCaptures, ARuleMatchesTheZxidItNames) {
  // Hold the COMMIT of the second write only: server 1 applies the first, not the second.
  const std::string text = Ready(
      "set 1 /a v nowait as=a\ncreate 1 /b v nowait as=b\nrun until=proposed:$b\n"
      "hold-next from=3 to=1 type=COMMIT zxid=$b\n----\n\nrun until=idle\nrun for=50ms\n");
  const FileResult held = RunText(text + "expect 1 applied=$a logs=$b\n");
  EXPECT_EQ(held.error, "");
  EXPECT_THAT(held.outputs[5],
              ElementsAre("rule: hold the next COMMIT of b=0x100000003 from 3 to 1"));
  EXPECT_THAT(held.failures, IsEmpty());
  // A rule for a zxid no message carries stays quiet: both are applied.
  const FileResult quiet =
      RunText(Ready("hold-next from=3 to=1 type=COMMIT zxid=0x1ffffffff\n"
                    "create 1 /a v as=a\nrun for=50ms\nexpect 1 applied=$a\n"));
  EXPECT_EQ(quiet.error, "");
  EXPECT_THAT(quiet.failures, IsEmpty());
  EXPECT_THAT(RunText(Ready("hold-next from=3 to=1 zxid=12x\n")).error,
              StartsWith("t.scn:4:23: hold-next: expected a zxid after 'zxid='"));
}

// ---------------------------------------------------------------------------------------
// expect.

TEST(ScenarioExpect, EveryCheckHoldsOrSaysWhatItFound) {
  const std::string text = Ready("create 1 /x v1 as=w\n");
  const FileResult pass =
      RunText(text +
              "expect 3 role=LEADING phase=broadcast accepted=1 current=1 last=$w logged=$w "
              "committed=$w applied>=$w logs=$w /x=v1 /x !/y !logs=0x100000009\n"
              "expect 1 role=following\nexpect epoch=1 leader=3\nexpect epoch=2 leader=none\n"
              "expect w code=OK\n");
  EXPECT_EQ(pass.error, "");
  EXPECT_THAT(pass.failures, IsEmpty());
  const FileResult fail =
      RunText(text +
              "expect 3 role=FOLLOWING current>=2 logged=0x100000001 !logs=$w /x=v2 !/x /y\n"
              "expect epoch=1 leader=2\nexpect w code=NONODE\nexpect w data=v1\n");
  EXPECT_EQ(fail.error, "");
  EXPECT_THAT(
      fail.failures,
      ElementsAre(
          "t.scn:5:10: expect 3: expected role=FOLLOWING, found role=LEADING",
          "t.scn:5:25: expect 3: expected current>=2, found current=1",
          "t.scn:5:36: expect 3: expected logged=0x100000001, found logged=0x100000002",
          "t.scn:5:55: expect 3: expected !logs=$w (0x100000002), found 0x100000002 in the log",
          "t.scn:5:64: expect 3: expected /x=v2, found /x=v1",
          "t.scn:5:70: expect 3: expected !/x, found /x=v1",
          "t.scn:5:74: expect 3: expected /y, found no /y",
          "t.scn:6:16: expect epoch=1: expected leader=2, found leader=3",
          "t.scn:7:10: expect w: expected code=NONODE, found code=OK",
          "t.scn:8:10: expect w: expected data=v1, found data="));
}

TEST(ScenarioExpect, ADownServerHasARoleAndNothingElse) {
  const FileResult r =
      RunText(Ready("crash 1\nexpect 1 role=down !role=LEADING\nexpect 1 current=1\n"));
  EXPECT_EQ(r.error, "");
  EXPECT_THAT(r.failures,
              ElementsAre("t.scn:6:10: expect 1: expected current=1, found the server is down"));
}

TEST(ScenarioExpect, MalformedExpectationsAreErrors) {
  EXPECT_EQ(
      RunText(Ready("expect 3\n")).error,
      "t.scn:4:8: expect: missing a subject and a check (expected: expect SERVER CHECK... | expect "
      "epoch=N leader=S | expect NAME code=CODE|data=DATA)");
  EXPECT_EQ(RunText(Ready("expect 9 role=LEADING\n")).error,
            "t.scn:4:8: expect: expected a server (1..3), epoch=N or a capture's name, found '9'");
  EXPECT_EQ(RunText(Ready("expect w code=OK\n")).error,
            "t.scn:4:8: expect: unknown capture 'w' (expected a name given by as= on an earlier "
            "command)");
  EXPECT_EQ(RunText(Ready("expect 3 role=BOSS\n")).error,
            "t.scn:4:10: expect: expected role= one of LEADING, FOLLOWING, OBSERVING, LOOKING, "
            "DOWN, found 'BOSS'");
  EXPECT_THAT(RunText(Ready("expect 3 frob=1\n")).error,
              StartsWith("t.scn:4:10: expect: unknown check 'frob'"));
  EXPECT_THAT(RunText(Ready("expect 3 applied=x\n")).error,
              StartsWith("t.scn:4:10: expect: expected a zxid after 'applied='"));
  EXPECT_EQ(RunText(Ready("expect epoch=1 leader=7\n")).error,
            "t.scn:4:16: expect: no server '7' (servers are 1..3, or none)");
  EXPECT_EQ(RunText("expect 1 role=LEADING\n").error,
            "t.scn:1:1: expect: expected 'cluster' before any other command");
}

TEST(ScenarioExpect, AFailedExpectationFailsTheFileWithoutStoppingIt) {
  const FileResult r =
      RunText(Ready("expect 3 role=FOLLOWING\nexpect 3 role=LEADING\ncheck\n----\nchecks: ok\n"));
  EXPECT_EQ(r.error, "");
  EXPECT_THAT(r.mismatches, IsEmpty());
  EXPECT_THAT(r.failures,
              ElementsAre("t.scn:4:10: expect 3: expected role=FOLLOWING, found role=LEADING"));
  EXPECT_EQ(r.outputs.size(), 5u);  // The commands after it ran.
}

}  // namespace
}  // namespace zabsim::runner::scenario

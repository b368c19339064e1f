// Coverage marks (zab/coverage.h, docs/coverage.md): the doc lists exactly the table;
// scenarios reach the marks of the windows they tell; each bug switch's mark counts only
// with the switch on; the counts agree with the events of a run with crashes, so they
// outlive the processes that reached them; and counting them leaves the run unchanged.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "runner/scenario/runner.h"
#include "runner/sim_run.h"
#include "zab/config.h"
#include "zab/coverage.h"
#include "zab/releases.h"

namespace zabsim::runner {
namespace {

using ::testing::IsEmpty;

std::string Source(const std::string& path) { return std::string(ZABSIM_SOURCE_DIR) + "/" + path; }

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

uint64_t Count(const zab::Coverage& c, std::string_view name) {
  const auto m = zab::FindMark(name);
  EXPECT_TRUE(m.has_value()) << "no mark " << name;
  return m ? c.count(*m) : 0;
}

// --- The table ----------------------------------------------------------------------------

TEST(CoverageMarks, EveryMarkIsFoundByItsName) {
  for (const zab::MarkInfo& m : zab::kMarks) {
    EXPECT_EQ(zab::FindMark(m.name), m.mark) << m.name;
    EXPECT_EQ(&zab::Info(m.mark), &m);
    EXPECT_FALSE(m.meaning.empty()) << m.name;
    EXPECT_FALSE(m.zookeeper.empty()) << m.name;
  }
  EXPECT_EQ(zab::FindMark("sync.nothing"), std::nullopt);
}

// Every bug switch has its mark, named after it.
TEST(CoverageMarks, EveryBugSwitchHasAMark) {
  for (const zab::BugName& b : zab::BugNames()) {
    EXPECT_TRUE(zab::FindMark(fmt::format("bug.{}", b.name)).has_value()) << b.name;
  }
}

TEST(CoverageMarks, TablesAddUp) {
  zab::Coverage a;
  zab::Coverage b;
  a.Hit(zab::Mark::kSyncDiff);
  a.Hit(zab::Mark::kSyncDiff);
  b.Hit(zab::Mark::kSyncDiff);
  b.Hit(zab::Mark::kBugZk1154);
  a.Add(b);
  EXPECT_EQ(a.count(zab::Mark::kSyncDiff), 3u);
  EXPECT_EQ(a.count(zab::Mark::kBugZk1154), 1u);
  EXPECT_EQ(a.count(zab::Mark::kSyncSnap), 0u);
  EXPECT_EQ(a.Hits(), 2u);
}

// --- The doc ------------------------------------------------------------------------------

// DocRow is the row of docs/coverage.md's tables for mark `m`.
std::string DocRow(const zab::MarkInfo& m) {
  return fmt::format("| `{}` | {} | {} |", m.name, m.meaning, m.zookeeper);
}

// DocProblems compares the mark rows of a coverage doc (lines that start "| `") with the
// table: each mark once, in the table's order, as DocRow writes it; no other.
std::vector<std::string> DocProblems(const std::string& doc) {
  std::vector<std::string> rows;
  std::stringstream s(doc);
  for (std::string line; std::getline(s, line);) {
    if (line.rfind("| `", 0) == 0) rows.push_back(line);
  }
  std::vector<std::string> problems;
  std::vector<std::string> expected;
  for (const zab::MarkInfo& m : zab::kMarks) expected.push_back(DocRow(m));
  for (const std::string& row : rows) {
    if (std::find(expected.begin(), expected.end(), row) == expected.end()) {
      problems.push_back("not in the table (or not as the table says): " + row);
    }
  }
  for (const std::string& row : expected) {
    if (std::count(rows.begin(), rows.end(), row) != 1) problems.push_back("missing or repeated: " + row);
  }
  if (problems.empty() && rows != expected) problems.push_back("the rows are not in the table's order");
  return problems;
}

TEST(CoverageDoc, ListsEveryMarkAsTheTableDeclaresIt) {
  const std::string doc = ReadAll(Source("docs/coverage.md"));
  ASSERT_FALSE(doc.empty());
  const std::vector<std::string> problems = DocProblems(doc);
  std::string expected;
  for (const zab::MarkInfo& m : zab::kMarks) expected += DocRow(m) + "\n";
  EXPECT_THAT(problems, IsEmpty()) << "docs/coverage.md's rows should be, in this order:\n" << expected;
}

TEST(CoverageDoc, TheCheckFindsAMissingAStaleAndAMisplacedRow) {
  std::string all;
  for (const zab::MarkInfo& m : zab::kMarks) all += DocRow(m) + "\n";
  EXPECT_THAT(DocProblems(all), IsEmpty());
  // One row gone: a mark the doc does not explain.
  std::string missing = all;
  const std::string row = DocRow(zab::Info(zab::Mark::kSyncTrunc)) + "\n";
  missing.erase(missing.find(row), row.size());
  EXPECT_EQ(DocProblems(missing).size(), 1u);
  // A row for a mark that is no more.
  EXPECT_EQ(DocProblems(all + "| `sync.gone` | once | nowhere |\n").size(), 1u);
  // A meaning that drifted from the table's.
  std::string drifted = all;
  drifted.replace(drifted.find("the leader chose TRUNC"), 5, "THE");
  EXPECT_EQ(DocProblems(drifted).size(), 2u);
  // Two rows swapped.
  EXPECT_EQ(DocProblems(row + missing), std::vector<std::string>{"the rows are not in the table's order"});
}

// --- Scenarios ----------------------------------------------------------------------------

zab::Coverage RunScenario(const std::string& name, const std::string& content) {
  const std::string path = Source("scenarios/" + name + ".scn");
  const scenario::FileResult r = scenario::RunFile(path, content, zab::ReleaseChoice{});
  EXPECT_THAT(r.error, IsEmpty()) << name;
  EXPECT_THAT(r.mismatches, IsEmpty()) << name;
  return r.coverage;
}

zab::Coverage RunScenario(const std::string& name) {
  return RunScenario(name, ReadAll(Source("scenarios/" + name + ".scn")));
}

struct ScenarioMarks {
  std::string scenario;
  std::vector<std::string_view> hit;   // Each reached at least once.
  std::vector<std::string_view> quiet;  // None reached.
};

std::ostream& operator<<(std::ostream& os, const ScenarioMarks& s) { return os << s.scenario; }

class ScenarioCoverage : public ::testing::TestWithParam<ScenarioMarks> {};

TEST_P(ScenarioCoverage, ReachesTheMarksOfItsStory) {
  const ScenarioMarks& s = GetParam();
  const zab::Coverage c = RunScenario(s.scenario);
  for (const std::string_view m : s.hit) EXPECT_GT(Count(c, m), 0u) << s.scenario << ": " << m;
  for (const std::string_view m : s.quiet) EXPECT_EQ(Count(c, m), 0u) << s.scenario << ": " << m;
}

INSTANTIATE_TEST_SUITE_P(
    Scenarios, ScenarioCoverage,
    ::testing::Values(
        ScenarioMarks{"sync-trunc",
                      {"sync.trunc", "sync.trunc.peer-ahead", "sync.learner.trunc", "log.truncated",
                       "newleader.learner.snapshot-taken-trunc"},
                      {"sync.snap", "sync.learner.snap"}},
        ScenarioMarks{"sync-snap",
                      {"sync.snap", "sync.learner.snap", "newleader.leader.snap-sent",
                       "newleader.learner.snapshot-taken"},
                      {"sync.trunc", "sync.learner.trunc"}},
        ScenarioMarks{"sync-diff",
                      {"sync.diff", "sync.diff.committed-log", "sync.learner.commit-buffered",
                       "newleader.learner.committed-logged", "newleader.learner.txns-fsynced"},
                      {"sync.trunc", "sync.snap"}},
        ScenarioMarks{"happy-path",
                      {"election.leading", "election.following", "newleader.leader.established",
                       "newleader.learner.ack-sent", "uptodate.learner.serving"},
                      {"sync.trunc", "sync.snap", "role.leader.end.lost-quorum", "role.learner.end.leader-gone",
                       "exit.snapshot-failed", "disk.log.fsync-failed", "bug.ZK-1549", "bug.ZK-2846"}},
        ScenarioMarks{"observers",
                      {"election.observing", "role.observer.start", "newleader.learner.observer"},
                      {}},
        ScenarioMarks{"disk-error",
                      {"disk.log.fsync-failed", "disk.snapshot.failed", "exit.snapshot-failed",
                       "role.learner.end.newleader-fsync-failed"},
                      {}},
        ScenarioMarks{"fuzzy-snapshot", {"snapshot.background", "snapshot.fuzzy"}, {}},
        ScenarioMarks{"zxid-rollover", {"role.leader.end.zxid-rollover"}, {}},
        ScenarioMarks{"role-restart", {"role.end.restart"}, {}},
        ScenarioMarks{"partitioned-old-leader",
                      {"role.leader.end.lost-quorum", "learnerhandler.end.sync-limit",
                       "role.learner.end.read-timeout"},
                      {}},
        ScenarioMarks{"release-3.8.4", {"newleader.learner.order-g1"}, {"newleader.learner.committed-logged"}}),
    [](const ::testing::TestParamInfo<ScenarioMarks>& p) {
      std::string name = p.param.scenario;
      std::replace(name.begin(), name.end(), '-', '_');
      std::replace(name.begin(), name.end(), '.', '_');
      return name;
    });

// --- Bug switches -------------------------------------------------------------------------

// Each bug switch's scenario, scenarios/bug-NAME.scn, reaches the switch's mark; with the
// switch off (taken out as tests/cli/bug_off_test.cmake does), the mark stays at zero.
class BugCoverage : public ::testing::TestWithParam<std::string> {};

std::string ScenarioOf(std::string bug) {
  std::transform(bug.begin(), bug.end(), bug.begin(), [](unsigned char c) { return std::tolower(c); });
  return "bug-" + bug;
}

TEST_P(BugCoverage, ItsScenarioReachesTheMarkOnlyWithTheSwitchOn) {
  const std::string& bug = GetParam();
  const std::string name = ScenarioOf(bug);
  const std::string text = ReadAll(Source("scenarios/" + name + ".scn"));
  ASSERT_FALSE(text.empty()) << name;
  const std::string mark = "bug." + bug;
  EXPECT_GT(Count(RunScenario(name, text), mark), 0u) << name << " with the switch on";
  // Off: remove the file's bug=NAME, or add fix=NAME for a bug its release has.
  std::string off = text;
  const std::string on = " bug=" + bug;
  if (const size_t at = off.find(on); at != std::string::npos) {
    off.erase(at, on.size());
  } else {
    off = std::regex_replace(off, std::regex("(^|\n)(cluster[^\n]*)"), "$1$2 fix=" + bug,
                             std::regex_constants::format_first_only);
  }
  ASSERT_NE(off, text);
  // With the switch off the steps tell another story, in which a wait may be over before
  // it starts: every `run until=` may already hold (as tests/cli/bug_off_test.cmake).
  off = std::regex_replace(off, std::regex("(\n *run until=[^\n]*)"), "$1 already=ok");
  off = std::regex_replace(off, std::regex("already=ok already=ok"), "already=ok");
  const scenario::FileResult r =
      scenario::RunFile(Source("scenarios/" + name + ".scn"), off, zab::ReleaseChoice{});
  ASSERT_THAT(r.error, IsEmpty()) << name << " with the switch off";
  EXPECT_EQ(Count(r.coverage, mark), 0u) << name << " with the switch off";
}

std::vector<std::string> AllBugs() {
  std::vector<std::string> out;
  for (const zab::BugName& b : zab::BugNames()) out.emplace_back(b.name);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Switches, BugCoverage, ::testing::ValuesIn(AllBugs()),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           std::string name = p.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// --- A run with crashes -------------------------------------------------------------------

// The marks agree, count for count, with the events the same branches report, in a run
// whose servers crash and restart: the table lives in the run, not in the process, so a
// crash loses nothing. And counting them changes nothing: two runs give one fingerprint.
TEST(CoverageRun, CountsOutliveCrashesAndMatchTheEvents) {
  ClusterOptions options;
  options.seed = 1;
  options.zab.voters = 3;
  options.clients = 3;
  options.workload.ops = 100;
  const SimSpec spec = SwarmSpec(options, sim::Duration::Seconds(60), sim::Duration::Seconds(90));
  size_t crashes = 0;
  for (const sim::TimedFault& f : spec.plan.faults) crashes += f.fault.ToString().rfind("crash", 0) == 0 ? 1 : 0;
  ASSERT_GE(crashes, 3u) << "the plan should crash servers";
  auto run = SimRun::Create(spec);
  ASSERT_TRUE(run.ok()) << run.status();
  std::map<std::string, uint64_t> events;
  (*run)->cluster().AddListener([&](const EventRecord& r) {
    if (const auto* d = std::get_if<zab::ElectionDecided>(&r.event)) {
      ++events[fmt::format("decided {}", zab::ToString(d->state))];
    } else if (const auto* s = std::get_if<zab::SyncChosen>(&r.event)) {
      ++events[fmt::format("sync {}", zab::ToString(s->mode))];
    } else if (std::holds_alternative<zab::LeaderEstablished>(r.event)) {
      ++events["established"];
    } else if (std::holds_alternative<zab::LearnerDropped>(r.event)) {
      ++events["dropped"];
    } else if (const auto* t = std::get_if<zab::Truncated>(&r.event); t != nullptr && t->removed > 0) {
      ++events["truncated"];
    } else if (std::holds_alternative<zab::NewLeaderProcessed>(r.event)) {
      ++events["newleader acked"];
    }
  });
  (*run)->Run();
  const zab::Coverage& c = (*run)->cluster().coverage();
  EXPECT_EQ(Count(c, "election.leading"), events["decided LEADING"]);
  EXPECT_EQ(Count(c, "election.following"), events["decided FOLLOWING"]);
  EXPECT_EQ(Count(c, "sync.diff"), events["sync DIFF"]);
  EXPECT_EQ(Count(c, "sync.trunc"), events["sync TRUNC"]);
  EXPECT_EQ(Count(c, "sync.snap"), events["sync SNAP"]);
  EXPECT_EQ(Count(c, "newleader.leader.established"), events["established"]);
  EXPECT_EQ(Count(c, "newleader.learner.ack-sent"), events["newleader acked"]);
  EXPECT_EQ(Count(c, "log.truncated"), events["truncated"]);
  uint64_t handler_ends = 0;
  for (const zab::MarkInfo& m : zab::kMarks) {
    if (m.name.rfind("learnerhandler.end.", 0) == 0) handler_ends += c.count(m.mark);
  }
  EXPECT_EQ(handler_ends, events["dropped"]);
  EXPECT_GT(events["decided LEADING"], 1u);

  // The same seed again: the same fingerprint and the same counts.
  auto again = SimRun::Create(spec);
  ASSERT_TRUE(again.ok());
  (*again)->Run();
  EXPECT_EQ((*again)->fingerprint(), (*run)->fingerprint());
  EXPECT_EQ((*again)->cluster().coverage(), c);
}

}  // namespace
}  // namespace zabsim::runner

// The teaching tools (docs/teaching.md): narration says why, on real scenario runs; the
// Mermaid diagram is well formed and its window really cuts; the ShiViz log's vector
// clocks are consistent; all three give the same bytes for the same run and work on
// every scenario file.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/status.h"
#include "runner/scenario/runner.h"
#include "runner/trace_file.h"
#include "runner/trace_window.h"
#include "zab/config.h"

namespace zabsim::runner {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::string Scenario(const std::string& name) {
  return std::string(ZABSIM_SOURCE_DIR) + "/scenarios/" + name + ".scn";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream s(text);
  for (std::string line; std::getline(s, line);) out.push_back(line);
  return out;
}

// Each form of every scenario is made twice, to see that it comes out the same, except
// under the sanitizers, where that doubled the slowest tests of CI: cli.determinism and
// the golden fingerprints check repeatability in those builds.
constexpr bool kRepeat = !ZABSIM_SANITIZED;

// AllScenarios lists the library's scenarios by name; under the sanitizers every third of
// them: each form's code is the same for every file, the sanitized build runs it on a
// third of the files in a third of the time, and the default build checks every file.
std::vector<std::string> AllScenarios() {
  std::vector<std::string> all;
  for (const auto& e : std::filesystem::directory_iterator(std::string(ZABSIM_SOURCE_DIR) + "/scenarios")) {
    if (e.path().extension() == ".scn") all.push_back(e.path().stem().string());
  }
  std::sort(all.begin(), all.end());
  const size_t stride = ZABSIM_SANITIZED ? 3 : 1;
  std::vector<std::string> out;
  for (size_t i = 0; i < all.size(); i += stride) out.push_back(all[i]);
  return out;
}

// Narration returns every narrated line of a scenario run, without the time prefix.
std::vector<std::string> Narration(const std::string& name) {
  const scenario::FileResult r = scenario::RunFile(Scenario(name), ReadAll(Scenario(name)), zab::ReleaseChoice{}, nullptr, true);
  EXPECT_THAT(r.error, IsEmpty()) << name;
  std::vector<std::string> out;
  for (const auto& lines : r.narrations) {
    for (const std::string& line : lines) out.push_back(line.size() > 9 ? line.substr(9) : line);
  }
  return out;
}

// TraceOf runs a scenario with its trace in `format`, cut to `window`, and returns the file.
std::string TraceOf(const std::string& name, TraceFile::Format format, const TraceWindow& window = {}) {
  // One file per test: ctest runs tests side by side, and two may trace one scenario.
  const std::string path = ::testing::TempDir() + "/teach_" + name + "_" +
                           ::testing::UnitTest::GetInstance()->current_test_info()->name();
  {
    auto file = TraceFile::Open(path, format, window);
    EXPECT_TRUE(file.ok());
    const scenario::FileResult r = scenario::RunFile(Scenario(name), ReadAll(Scenario(name)), zab::ReleaseChoice{}, file->get());
    EXPECT_THAT(r.error, IsEmpty()) << name;
    EXPECT_TRUE((*file)->Close().ok()) << name;
  }
  const std::string text = ReadAll(path);
  std::remove(path.c_str());
  return text;
}

// ---------------------------------------------------------------------------------------
// Narration.

TEST(Narration, TruncSaysTheFollowerHoldsATxnNeverCommitted) {
  const auto lines = Narration("sync-trunc");
  EXPECT_THAT(lines, Contains("server 2 chooses TRUNC for server 3: 3's last zxid 0x100000003 is beyond "
                              "0x100000002, the last txn the leader has committed, so 3 holds a txn that was "
                              "never committed; it must cut its log back to 0x100000002."));
  EXPECT_THAT(lines, Contains("server 3 cuts its txn log after 0x100000002, removing 1 txn that no quorum committed."));
  // The write that 3 logged alone waits: no commit of 0x100000003 is ever narrated.
  EXPECT_THAT(lines, Contains("server 3 has logged 0x100000003 on its own disk: that counts as its own ACK."));
  EXPECT_THAT(lines, Not(Contains(HasSubstr("commits 0x100000003"))));
  EXPECT_THAT(lines, Contains("server 2 commits 0x200000001: 2 of the 3 voters have ACKed it (1, 2), a majority, "
                              "and every txn before it is committed; it sends COMMIT."));
  // Phase changes stand out as headings.
  EXPECT_THAT(lines, Contains("=== server 2: LEADING, DISCOVERY ==="));
  EXPECT_THAT(lines, Contains("=== server 3: FOLLOWING (leader 2), SYNCHRONIZATION ==="));
}

TEST(Narration, VotesSayWhichFieldOfTheVoteOrderDecided) {
  const auto lines = Narration("election-vote-order");
  // Election 1: everything ties but the sid.
  EXPECT_THAT(lines, Contains("server 2 adopts the vote for server 3 (sent by server 3): sid 3 is higher than 2 "
                              "(at equal peerEpoch 0 and zxid 0x0)."));
  // Election 2: a higher peerEpoch beats a higher sid.
  EXPECT_THAT(lines, Contains("server 3 hears of round 3 (sent by server 1), newer than its round 2: it joins that "
                              "round and votes for server 1, whose vote beats its own: peerEpoch 2 is higher than 1."));
  // Election 3: at equal peerEpoch, the higher zxid wins.
  EXPECT_THAT(lines, Contains("server 3 adopts the vote for server 2 (sent by server 2): zxid 0x300000001 is higher "
                              "than 0x200000001 (at equal peerEpoch 3)."));
}

TEST(Narration, AVoteOrderChangedByABugSwitchIsCalledOut) {
  EXPECT_THAT(Narration("bug-election-ignores-zxid"),
              Contains("server 1 adopts the vote for server 3 (sent by server 3): zxid 0x200000000 is lower than "
                       "0x200000002 (at equal peerEpoch 2), so the correct vote order would not prefer it (a bug "
                       "switch changes the order)."));
  // Without the switch, no vote is ever adopted against the order.
  EXPECT_THAT(Narration("election-vote-order"), Not(Contains(HasSubstr("would not prefer it"))));
}

TEST(Narration, ObserversVoteForNobody) {
  EXPECT_THAT(Narration("observers"),
              Contains("server 4 starts election round 1; as an observer it votes for nobody (sid 0) and will "
                       "follow the leader the voters elect."));
}

TEST(Narration, CurrentEpochWaitsForTheSyncedTxns) {
  EXPECT_THAT(Narration("sync-diff"),
              Contains("server 1 writes currentEpoch=1 only now that the txns of its sync are on disk (through "
                       "0x100000005): its vote may then claim them."));
  // ZOOKEEPER-4643 put back: the same sentence turns into a warning.
  EXPECT_THAT(Narration("bug-zk-4643"), Contains(HasSubstr("server 1 writes currentEpoch=2 before the txns of its sync are on disk")));
}

TEST(Narration, CommitCountsTheAcksAgainstAMajority) {
  EXPECT_THAT(Narration("bug-commit-without-quorum"),
              Contains("server 3 commits 0x100000001 with ACKs from only 1 of the 3 voters (3), fewer than the 2 "
                       "of a majority: a bug switch lets it commit without a quorum."));
}

TEST(Narration, EveryScenarioNarratesWithoutChangingItsRun) {
  for (const std::string& name : AllScenarios()) {
    const std::string content = ReadAll(Scenario(name));
    const scenario::FileResult plain = scenario::RunFile(Scenario(name), content, zab::ReleaseChoice{});
    const scenario::FileResult told = scenario::RunFile(Scenario(name), content, zab::ReleaseChoice{}, nullptr, true);
    EXPECT_THAT(told.error, IsEmpty()) << name;
    EXPECT_EQ(told.fingerprint, plain.fingerprint) << name;
    EXPECT_EQ(told.outputs, plain.outputs) << name;
    EXPECT_EQ(told.narrations.size(), told.outputs.size()) << name;
    size_t lines = 0;
    for (const auto& n : told.narrations) lines += n.size();
    EXPECT_GT(lines, 10u) << name;
    if (kRepeat) {
      const scenario::FileResult again =
          scenario::RunFile(Scenario(name), content, zab::ReleaseChoice{}, nullptr, true);
      EXPECT_EQ(again.narrations, told.narrations) << name << ": narration is not deterministic";
    }
  }
}

// ---------------------------------------------------------------------------------------
// Mermaid.

// MermaidProblems checks a diagram's shape and returns what is wrong ("" if nothing).
std::string MermaidProblems(const std::string& text, std::set<std::string>* participants = nullptr) {
  const std::vector<std::string> lines = Lines(text);
  if (lines.empty() || lines[0] != "sequenceDiagram") return "does not start with sequenceDiagram";
  static const std::regex kParticipant(R"(^participant (\w+) as [\w ]+$)");
  static const std::regex kArrow(R"(^(\w+)(->>|-->>|-x)(\w+): \d+\.\d{3} \S.*$)");
  static const std::regex kNote(R"(^Note over (\w+)(,(\w+))?: .+$)");
  std::set<std::string> declared;
  int open_rects = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    std::smatch m;
    const std::string where = "line " + std::to_string(i + 1) + ": " + l;
    if (l.rfind("%%", 0) == 0) continue;
    if (l.find(';') != std::string::npos || l.find('#') != std::string::npos) return "';' or '#' in " + where;
    if (std::regex_match(l, m, kParticipant)) {
      declared.insert(m[1]);
    } else if (std::regex_match(l, m, kArrow)) {
      if (!declared.contains(m[1]) || !declared.contains(m[3])) return "undeclared participant in " + where;
    } else if (std::regex_match(l, m, kNote)) {
      if (!declared.contains(m[1]) || (m[3].matched && !declared.contains(m[3]))) return "undeclared in " + where;
    } else if (l.rfind("rect rgb(", 0) == 0) {
      ++open_rects;
    } else if (l == "end") {
      if (--open_rects < 0) return "'end' without 'rect' at " + where;
    } else {
      return "not a statement: " + where;
    }
  }
  if (open_rects != 0) return "unclosed rect";
  if (participants != nullptr) *participants = declared;
  return "";
}

TEST(Mermaid, EveryScenarioGivesAWellFormedDiagramTwiceTheSame) {
  for (const std::string& name : AllScenarios()) {
    const std::string text = TraceOf(name, TraceFile::Format::kMermaid);
    EXPECT_EQ(MermaidProblems(text), "") << name;
    EXPECT_LT(text.size(), 50000u) << name << ": over Mermaid's default size limit";
    if (kRepeat) {
      EXPECT_EQ(TraceOf(name, TraceFile::Format::kMermaid), text) << name << ": not deterministic";
    }
  }
}

TEST(Mermaid, ViolationsAreMarked) {
  const std::string text = TraceOf("bug-commit-without-quorum", TraceFile::Format::kMermaid);
  EXPECT_EQ(MermaidProblems(text), "");
  EXPECT_THAT(text, HasSubstr("rect rgb(255, 214, 214)\nNote over S1,C1: VIOLATION "));
}

TEST(Mermaid, WindowCutsTimePeersAndTypes) {
  const std::string whole = TraceOf("sync-trunc", TraceFile::Format::kMermaid);
  // What the window must cut is there without it.
  ASSERT_THAT(whole, HasSubstr("participant S2 as server 2"));
  ASSERT_THAT(whole, HasSubstr("S2->>S3: 0.652 COMMIT 0x200000001"));
  ASSERT_THAT(whole, HasSubstr("S3->>S1: 0.264 PROPOSAL 0x100000002 create /a"));
  ASSERT_THAT(whole, HasSubstr("S2->>S3: 0.266 ACK 0x100000002"));
  auto window = ParseWindow("0.25", "0.3", "1,3", "PROPOSAL,ACK");
  ASSERT_TRUE(window.ok()) << window.status();
  const std::string cut = TraceOf("sync-trunc", TraceFile::Format::kMermaid, *window);
  std::set<std::string> participants;
  EXPECT_EQ(MermaidProblems(cut, &participants), "");
  EXPECT_EQ(participants, (std::set<std::string>{"S1", "S3"}));
  EXPECT_THAT(cut, HasSubstr("S3->>S1: 0.264 PROPOSAL 0x100000002 create /a"));
  EXPECT_THAT(cut, HasSubstr("S1->>S3: 0.266 ACK 0x100000002"));
  EXPECT_THAT(cut, Not(HasSubstr("S2")));
  EXPECT_THAT(cut, Not(HasSubstr("COMMIT")));
  EXPECT_THAT(cut, Not(HasSubstr("Note over S3: 0.203")));  // Notes are not listed in --types.
  static const std::regex kTime(R"(: (\d+\.\d{3}) )");
  for (const std::string& line : Lines(cut)) {
    std::smatch m;
    if (line.rfind("S", 0) == 0 && std::regex_search(line, m, kTime)) {
      const double t = std::stod(m[1]);
      EXPECT_TRUE(t >= 0.25 && t <= 0.3) << line;
    }
  }
}

// ---------------------------------------------------------------------------------------
// ShiViz.

using Clock = std::map<std::string, uint64_t>;

Clock ParseClock(const std::string& json) {
  Clock c;
  static const std::regex kEntry(R"x("(\w+)":(\d+))x");
  for (auto it = std::sregex_iterator(json.begin(), json.end(), kEntry); it != std::sregex_iterator(); ++it) {
    c[(*it)[1]] = std::stoull((*it)[2]);
  }
  return c;
}

// ShivizProblems checks the clocks of a ShiViz log: each host counts its events 1, 2,
// 3, ...; no entry ever goes back; and (on TCP connections, where messages arrive in the
// order they were sent) a receive's clock dominates its send's. Returns "" if all hold.
std::string ShivizProblems(const std::string& text, bool fifo, size_t* receives) {
  const std::vector<std::string> lines = Lines(text);
  static const std::regex kHost(R"(^(\w+) (\{.*\})$)");
  // "T pN send conn=C to=X ...", "T pN recv conn=C from=F ...", "T world drop conn=C from=F ...".
  static const std::regex kMessage(R"(^\S+ (?:p(\d+)|world) (send|recv|drop) conn=(\d+) (?:to|from)=(\d+) .*type=)");
  std::map<std::string, Clock> last;
  std::map<std::pair<std::string, std::string>, std::deque<Clock>> sent;  // (conn, sender) -> clocks.
  if (lines.empty() || lines[0].rfind("# zabsim-trace", 0) != 0) return "no header";
  for (size_t i = 1; i + 1 < lines.size(); i += 2) {
    std::smatch host;
    if (!std::regex_match(lines[i + 1], host, kHost)) return "not a host line: " + lines[i + 1];
    const std::string h = host[1];
    const Clock clock = ParseClock(host[2]);
    Clock& prev = last[h];
    if (!clock.contains(h) || clock.at(h) != prev[h] + 1) return "host " + h + " does not count by one at: " + lines[i];
    for (const auto& [k, v] : prev) {
      if (!clock.contains(k) || clock.at(k) < v) return "clock goes back at: " + lines[i];
    }
    prev = clock;
    std::smatch m;
    if (!fifo || !std::regex_search(lines[i], m, kMessage)) continue;
    if (m[2] == "send") {
      sent[{m[3], m[1]}].push_back(clock);
      continue;
    }
    auto& queue = sent[{m[3], m[4]}];  // Received or lost: the sender is `from`.
    if (queue.empty()) return "a receive with no send: " + lines[i];
    const Clock send = queue.front();
    queue.pop_front();
    for (const auto& [k, v] : send) {
      if (!clock.contains(k) || clock.at(k) < v) return "receive does not follow its send: " + lines[i];
    }
    if (m[2] == "recv") ++*receives;
  }
  return "";
}

TEST(Shiviz, EveryScenarioGivesConsistentClocksTwiceTheSame) {
  for (const std::string& name : AllScenarios()) {
    const std::string text = TraceOf(name, TraceFile::Format::kShiviz);
    // Unsafe channels reorder and duplicate: FIFO matching does not hold there.
    const bool fifo = ReadAll(Scenario(name)).find("unsafe") == std::string::npos;
    size_t receives = 0;
    EXPECT_EQ(ShivizProblems(text, fifo, &receives), "") << name;
    if (fifo) {
      EXPECT_GT(receives, 20u) << name;
    }
    if (kRepeat) {
      EXPECT_EQ(TraceOf(name, TraceFile::Format::kShiviz), text) << name << ": not deterministic";
    }
  }
}

TEST(Shiviz, ReceiveMergesTheSendersClock) {
  const std::string text = TraceOf("sync-trunc", TraceFile::Format::kShiviz);
  // Server 3's TRUNC reaches server 3's log only through server 2: the receive knows
  // server 2's events up to the send.
  const auto lines = Lines(text);
  const auto recv = std::find_if(lines.begin(), lines.end(), [](const std::string& l) {
    return l.find(" p3 recv ") != std::string::npos && l.find("type=TRUNC") != std::string::npos;
  });
  ASSERT_NE(recv, lines.end());
  const auto send = std::find_if(lines.begin(), lines.end(), [](const std::string& l) {
    return l.find(" p2 send ") != std::string::npos && l.find("type=TRUNC") != std::string::npos;
  });
  ASSERT_NE(send, lines.end());
  const Clock at_recv = ParseClock(*(recv + 1));
  const Clock at_send = ParseClock(*(send + 1));
  EXPECT_EQ(at_recv.at("server2"), at_send.at("server2"));
}

// ---------------------------------------------------------------------------------------
// The window on the line forms, and its errors.

TEST(TraceWindow, CutsTheJsonLinesFormToo) {
  auto window = ParseWindow("", "", "", "commit");
  ASSERT_TRUE(window.ok());
  const std::vector<std::string> lines = Lines(TraceOf("sync-trunc", TraceFile::Format::kJsonl, *window));
  ASSERT_GT(lines.size(), 3u);
  EXPECT_THAT(lines[0], HasSubstr("\"window\":\"types=commit\""));
  size_t commits = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    const bool described = lines[i].find("\"k\":\"verdict\"") != std::string::npos ||
                           lines[i].find("\"k\":\"end\"") != std::string::npos;
    if (!described) {
      EXPECT_THAT(lines[i], HasSubstr("\"k\":\"commit\"")) << i;
      ++commits;
    }
  }
  // Exactly the commits of the whole trace.
  size_t all_commits = 0;
  for (const std::string& line : Lines(TraceOf("sync-trunc", TraceFile::Format::kJsonl))) {
    if (line.find("\"k\":\"commit\"") != std::string::npos) ++all_commits;
  }
  EXPECT_GT(all_commits, 0u);
  EXPECT_EQ(commits, all_commits);
}

TEST(TraceWindow, ErrorsNameTheFlagAndWhatIsAllowed) {
  EXPECT_THAT(std::string(base::Text(ParseWindow("x", "", "", "").status())), HasSubstr("--from=x: expected simulated seconds"));
  EXPECT_THAT(std::string(base::Text(ParseWindow("2", "1", "", "").status())), HasSubstr("--to=1 is before --from=2"));
  EXPECT_THAT(std::string(base::Text(ParseWindow("", "", "1,x", "").status())), HasSubstr("--peers=1,x"));
  EXPECT_THAT(std::string(base::Text(ParseWindow("", "", "", "PROPOSAL,COMIT").status())),
              HasSubstr("unknown 'COMIT' (expected message types NOTIFICATION,"));
  const auto ok = ParseWindow("0.5", "1500ms", "2,1", "ACK,state");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->ToString(), "from=500ms to=1.5s peers=1,2 types=ACK,state");
}

}  // namespace
}  // namespace zabsim::runner

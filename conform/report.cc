#include "conform/report.h"

#include <algorithm>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "conform/story_checks.h"

namespace zabsim::conform {
namespace {

struct Row {
  int seq = 0;
  int line = 0;
  std::string step;
  std::string what;
  std::string real = "(not observed)";
  std::string sim = "(not observed)";
  Compare compare = Compare::kExact;
  std::vector<SyncRecord> real_syncs;
  std::vector<SyncRecord> sim_syncs;
  std::string timing;  // Set when the values differ only as timing explains: why.
};

// The stronger of two sides' kinds of comparison: never, then a timing allowance, then
// exact. A row one side marks as timing-dependent is weighed as such, but the allowance
// itself looks at both values.
Compare Combine(Compare a, Compare b) {
  if (a == Compare::kNever || b == Compare::kNever) return Compare::kNever;
  return a != Compare::kExact ? a : b;
}

// OneSyncExplained: one side decided while the epoch was being formed and sent an empty
// DIFF (the learner had the leader's last zxid), the other decided once established and
// sent a SNAP, to a learner with the same last zxid. Leader.startZkServer sets the
// leader's last processed zxid to (epoch, 0) at establishment, which turns that empty
// DIFF into a SNAP: the mode follows from when the learner arrived, not from a rule.
bool OneSyncExplained(const SyncRecord& a, const SyncRecord& b) {
  if (a.mode == b.mode) return true;
  const auto forming_diff = [](const SyncRecord& r) { return r.mode == "DIFF" && !r.established && r.empty; };
  const auto established_snap = [](const SyncRecord& r) { return r.mode == "SNAP" && r.established; };
  return a.peer_zxid == b.peer_zxid &&
         ((forming_diff(a) && established_snap(b)) || (forming_diff(b) && established_snap(a)));
}

}  // namespace

std::string TimingExplains(Compare compare, std::string_view real, std::string_view sim,
                           const std::vector<SyncRecord>& real_syncs, const std::vector<SyncRecord>& sim_syncs) {
  if (real == sim) return "";
  if (compare == Compare::kSyncTiming) {
    if (real_syncs.empty() || real_syncs.size() != sim_syncs.size()) return "";
    for (size_t i = 0; i < real_syncs.size(); ++i) {
      if (!OneSyncExplained(real_syncs[i], sim_syncs[i])) return "";
    }
    return "timing: an empty DIFF while the epoch formed, a SNAP once it was established";
  }
  if (compare == Compare::kEpochStart && Observer::IsEpochStart(real) && Observer::IsEpochStart(sim)) {
    return "timing: an epoch's start on both sides";
  }
  return "";
}

namespace {

std::string Cut(std::string_view s, size_t width) {
  if (s.size() <= width) return std::string(s);
  return std::string(s.substr(0, width - 3)) + "...";
}

}  // namespace

std::vector<std::string> Wrap(std::string_view s, size_t width) {
  std::vector<std::string> out;
  while (s.size() > width) {
    // Break after the last space that leaves at least half a column, else mid-word.
    size_t at = s.rfind(' ', width - 1);
    at = at != std::string_view::npos && at >= width / 2 ? at + 1 : width;
    out.emplace_back(s.substr(0, at));
    while (!out.back().empty() && out.back().back() == ' ') out.back().pop_back();
    s.remove_prefix(at);
  }
  if (!s.empty() || out.empty()) out.emplace_back(s);
  return out;
}


Report MakeReport(std::string_view path, const Observations& real, const Observations& sim,
                  const std::vector<std::string>& warnings) {
  // Rows in the order zabsim made them; a row only the real side has goes after the last
  // row of its step. The end of the run (line 0) comes last.
  std::vector<Row> rows;
  std::map<std::pair<int, std::string>, size_t> index;
  for (const Observation& o : sim) {
    index[{o.seq, o.what}] = rows.size();
    rows.push_back(Row{o.seq, o.line, o.step, o.what, "(not observed)", o.value, o.compare, {}, o.syncs, ""});
  }
  for (const Observation& o : real) {
    const auto it = index.find({o.seq, o.what});
    if (it != index.end()) {
      Row& row = rows[it->second];
      row.real = o.value;
      row.compare = Combine(row.compare, o.compare);
      row.real_syncs = o.syncs;
      continue;
    }
    size_t at = rows.size();
    for (size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].seq == o.seq) at = i + 1;
    }
    rows.insert(rows.begin() + static_cast<std::ptrdiff_t>(at),
                Row{o.seq, o.line, o.step, o.what, o.value, "(not observed)", o.compare, o.syncs, {}, ""});
    for (auto& [key, i] : index) {
      if (i >= at) ++i;
    }
    index[{o.seq, o.what}] = at;
  }
  // A long run of agreeing client operations (a scenario that writes hundreds of times
  // to push a follower out of the committed log) is folded to its first and last two.
  Report r;
  // Every row both sides made is compared, but for the times; a difference that timing
  // alone explains (TimingExplains) passes, and says so.
  for (Row& row : rows) {
    if (row.compare == Compare::kNever) {
      ++r.reported;
      continue;
    }
    ++r.compared;
    if (row.real == row.sim) continue;
    row.timing = TimingExplains(row.compare, row.real, row.sim, row.real_syncs, row.sim_syncs);
    if (row.timing.empty()) {
      ++r.differ;
    } else {
      ++r.timing;
    }
  }
  constexpr size_t kFoldAt = 40;
  std::vector<Row> folded;
  for (size_t i = 0; i < rows.size();) {
    size_t j = i;
    while (j < rows.size() && rows[j].what.size() > 1 && rows[j].what[0] == 'c' &&
           rows[j].what[1] >= '1' && rows[j].what[1] <= '9' && rows[j].real == rows[j].sim &&
           rows[j].compare == Compare::kExact) {
      ++j;
    }
    if (j - i >= kFoldAt) {
      folded.insert(folded.end(), rows.begin() + static_cast<std::ptrdiff_t>(i),
                    rows.begin() + static_cast<std::ptrdiff_t>(i + 2));
      Row more{rows[i + 2].seq,
               rows[i + 2].line,
               fmt::format("... {} more", j - i - 4),
               "client operations",
               "all agree",
               "all agree",
               Compare::kExact,
               {},
               {},
               ""};
      folded.push_back(more);
      folded.insert(folded.end(), rows.begin() + static_cast<std::ptrdiff_t>(j - 2),
                    rows.begin() + static_cast<std::ptrdiff_t>(j));
      i = j;
    } else {
      folded.push_back(rows[i]);
      ++i;
    }
  }
  rows = std::move(folded);
  std::string& t = r.text;
  t += fmt::format("conformance: {}\n", path);
  t += fmt::format("{:>5}  {:<28} {:<26} {:<28} {}\n", "line", "step", "observation", "ZooKeeper 3.8.0", "zabsim");
  std::string last_step;
  int last_seq = -1;
  for (const Row& row : rows) {
    const bool same = row.real == row.sim;
    std::string mark;
    if (row.compare == Compare::kNever) {
      mark = "  (reported, not compared)";
    } else if (!same && !row.timing.empty()) {
      mark = fmt::format("  ({})", row.timing);
    } else if (!same) {
      mark = "  <-- DIFFERS";
    }
    const bool new_step = row.seq != last_seq || row.step != last_step;
    // Values are never cut: one that does not fit its column goes on over the next lines,
    // in the same column, so that a difference anywhere in a long value shows.
    const std::vector<std::string> what = Wrap(row.what, 26);
    const std::vector<std::string> real_lines = Wrap(row.real, 28);
    const std::vector<std::string> sim_lines = Wrap(row.sim, 28);
    const size_t height = std::max({what.size(), real_lines.size(), sim_lines.size()});
    for (size_t i = 0; i < height; ++i) {
      const auto part = [i](const std::vector<std::string>& v) { return i < v.size() ? v[i] : std::string(); };
      const bool first = i == 0;
      t += fmt::format("{:>5}  {:<28} {:<26} {:<28} {:<28}{}\n",
                       first && new_step ? (row.line == 0 ? "end" : fmt::format("{}", row.line)) : "",
                       first && new_step ? Cut(row.step, 28) : "", part(what), part(real_lines), part(sim_lines),
                       first ? mark : "");
      while (t.size() >= 2 && t[t.size() - 2] == ' ') t.erase(t.size() - 2, 1);  // No trailing spaces.
    }
    last_seq = row.seq;
    last_step = row.step;
  }
  for (const std::string& w : warnings) {
    const size_t colon = w.find(": ");
    t += colon == std::string::npos ? fmt::format("{}: warning: {}\n", path, w)
                                    : fmt::format("{}:{}: warning: {}\n", path, w.substr(0, colon), w.substr(colon + 2));
  }
  t += StoryVerdict(CheckStory(real), CheckStory(sim), "3.8.0", r.differ, r.checks_differ);
  t += fmt::format("{}: {} observations compared, {} differ, {} only by timing; {} reported only\n", path,
                   r.compared, r.differ, r.timing, r.reported);
  return r;
}

}  // namespace zabsim::conform

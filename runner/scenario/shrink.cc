#include "runner/scenario/shrink.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#include <fmt/format.h>

#include "absl/strings/str_split.h"
#include "base/status.h"
#include "runner/scenario/parser.h"

namespace zabsim::runner::scenario {
namespace {

// A command line, as the parser reads it: neither blank nor a comment.
bool IsCommand(std::string_view line) { return !IsBlank(line) && !IsComment(line); }

// A repeat block's header ("repeat 20 as=i {") or its closing brace: kept, so that every
// candidate keeps the file's blocks balanced.
bool IsStructure(std::string_view line) {
  const std::string_view t = Trimmed(line);
  return t == "}" || t.starts_with("repeat ") || t.ends_with("{");
}

// The count of a repeat header and where it is written; size 0 when there is none.
struct Count {
  size_t at = 0;
  size_t size = 0;
  uint64_t value = 0;
};
Count RepeatCount(const std::string& line) {
  Count c;
  const size_t word = line.find("repeat ");
  if (word == std::string::npos) return c;
  c.at = line.find_first_not_of(' ', word + 7);
  if (c.at == std::string::npos) return c;
  while (c.at + c.size < line.size() && line[c.at + c.size] >= '0' && line[c.at + c.size] <= '9' && c.size < 9) {
    c.value = c.value * 10 + static_cast<uint64_t>(line[c.at + c.size] - '0');
    ++c.size;
  }
  return c;
}

// Join writes the kept lines; of the blank lines between two kept commands, one.
std::string Join(const std::vector<std::string>& lines, const std::vector<bool>& kept) {
  std::string out;
  bool blank = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!kept[i]) continue;
    const bool is_blank = IsBlank(lines[i]);
    if (is_blank && blank) continue;
    blank = is_blank;
    out += lines[i] + "\n";
  }
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
  return out;
}

size_t CountCommands(const std::vector<std::string>& lines, const std::vector<bool>& kept) {
  size_t n = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (kept[i] && IsCommand(lines[i]) && Trimmed(lines[i]) != "}") ++n;
  }
  return n;
}

}  // namespace

Shrunk ShrinkScenario(std::string_view text, const std::function<bool(std::string_view)>& still_fails,
                      size_t max_runs) {
  std::vector<std::string> lines;
  for (const absl::string_view l : absl::StrSplit(base::Absl(text), '\n')) {
    std::string& line = lines.emplace_back(base::Std(l));
    while (!line.empty() && line.back() == '\r') line.pop_back();  // As the parser reads it.
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::vector<bool> kept(lines.size(), true);
  Shrunk s;
  s.commands_before = CountCommands(lines, kept);

  // What may go: every command but the first cluster line and the blocks' structure.
  std::vector<size_t> removable;
  bool cluster_seen = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!IsCommand(lines[i])) continue;
    if (!cluster_seen && Trimmed(lines[i]).starts_with("cluster")) {
      cluster_seen = true;
      continue;
    }
    if (!IsStructure(lines[i])) removable.push_back(i);
  }
  const auto attempt = [&](const std::vector<std::string>& l, const std::vector<bool>& k) {
    if (s.runs >= max_runs) return false;
    ++s.runs;
    return still_fails(Join(l, k));
  };

  // Chunks first, halving (a story's tail after the failure usually goes in one run), then
  // single commands, latest first: a later command tends to depend on an earlier one.
  for (size_t chunk = std::bit_floor(std::max<size_t>(removable.size(), 1)); chunk >= 1; chunk /= 2) {
    bool progress = true;
    while (progress && s.runs < max_runs) {
      progress = false;
      std::vector<size_t> alive;
      for (const size_t i : removable) {
        if (kept[i]) alive.push_back(i);
      }
      for (size_t end = alive.size(); end >= chunk && s.runs < max_runs; end -= chunk) {
        std::vector<bool> trial = kept;
        for (size_t j = end - chunk; j < end; ++j) trial[alive[j]] = false;
        if (attempt(lines, trial)) {
          kept = std::move(trial);
          progress = true;
          break;  // Again over what is left.
        }
        if (end < 2 * chunk) break;
      }
    }
    if (chunk == 1) break;
  }

  // Lower each repeat block's count: to 1, else to a quarter, else to a half.
  for (size_t i = 0; i < lines.size() && s.runs < max_runs; ++i) {
    if (!kept[i] || !Trimmed(lines[i]).starts_with("repeat ")) continue;
    const Count c = RepeatCount(lines[i]);
    if (c.size == 0 || c.value <= 1) continue;
    for (const uint64_t lower : {uint64_t{1}, c.value / 4, c.value / 2}) {
      if (lower < 1 || lower >= c.value) continue;
      std::vector<std::string> trial = lines;
      trial[i].replace(c.at, c.size, fmt::format("{}", lower));
      if (attempt(trial, kept)) {
        lines = std::move(trial);
        break;
      }
    }
  }
  s.text = Join(lines, kept);
  s.commands_after = CountCommands(lines, kept);
  return s;
}

}  // namespace zabsim::runner::scenario

#include "tidy.h"

#include <regex>
#include <set>

namespace zabsim::tidy {
namespace {

struct Rule {
  const char* name;
  const char* pattern;
};

// Banned everywhere in sim/, zab/ and base/.
const Rule kRules[] = {
    {"wall clock", R"(\b(system_clock|steady_clock|high_resolution_clock|gettimeofday|clock_gettime)\b)"},
    {"wall clock", R"(\babsl::(Now|GetCurrentTimeNanos)\b)"},
    {"wall clock", R"((^|[^\w.>:])time\s*\(|\bstd::time\s*\(|(^|[^\w:])::time\s*\()"},
    {"sleep", R"(\b(sleep_for|sleep_until|usleep|nanosleep)\b|(^|[^\w.])sleep\s*\()"},
    {"unseeded randomness",
     R"((^|[^\w.>:])s?rand\s*\(|\bstd::s?rand\s*\(|(^|[^\w:])::s?rand\s*\(|\bsrand\b|\brandom_device\b)"},
    {"implementation-defined distribution", R"(\bstd::\w+_distribution\b)"},
    {"std shuffle", R"(\bstd::(random_)?shuffle\b)"},
    {"abseil random", R"(\babsl::(BitGen|InsecureBitGen|Uniform|Bernoulli|Gaussian|MakeSeedSeq)\b)"},
    {"<random>", R"(#\s*include\s*<random>)"},
    {"threads", R"(\bstd::(thread|jthread|async)\b|#\s*include\s*<(thread|future)>|\bpthread_\w+)"},
    {"unordered container", R"(\bstd::unordered_(multi)?(map|set)\b)"},
    {"process-salted hash", R"(\babsl::Hash\s*<|\babsl::HashOf\b|\bstd::hash\s*<)"},
    {"pointer-keyed ordered container",
     R"(\b(std::map|std::set|absl::btree_map|absl::btree_set)\s*<\s*(const\s+)?[\w:]+\s*\*)"},
    // State shared by every run in the process (a static counter, a cache): a run's result
    // would depend on the runs before it, and on threads running others beside it.
    {"mutable static variable",
     R"((^|[^\w])static\s+(?!const\b|constexpr\b)(inline\s+|thread_local\s+)?[\w:<>,* ]*[\w>*]\s+\**\w+\s*(=|;|\{|\[))"},
};

}  // namespace

std::set<std::string> HashContainerNames(std::string_view source) {
  const std::string code = StripCommentsAndStrings(source);
  std::set<std::string> names;
  static const std::regex kType(R"(\babsl::(flat|node)_hash_(map|set)\s*<)");
  for (auto it = std::sregex_iterator(code.begin(), code.end(), kType);
       it != std::sregex_iterator(); ++it) {
    size_t pos = static_cast<size_t>(it->position() + it->length());
    int depth = 1;
    while (pos < code.size() && depth > 0) {
      if (code[pos] == '<') ++depth;
      if (code[pos] == '>') --depth;
      ++pos;
    }
    while (pos < code.size() && (code[pos] == ' ' || code[pos] == '&' || code[pos] == '*')) ++pos;
    size_t end = pos;
    while (end < code.size() && (std::isalnum(static_cast<unsigned char>(code[end])) || code[end] == '_')) {
      ++end;
    }
    if (end > pos) names.insert(code.substr(pos, end - pos));
  }
  return names;
}

std::string StripCommentsAndStrings(std::string_view source) {
  std::string out(source);
  enum class State { kCode, kLine, kBlock, kString, kChar, kRaw } state = State::kCode;
  std::string raw_end;
  for (size_t i = 0; i < out.size(); ++i) {
    const char c = out[i];
    const char next = i + 1 < out.size() ? out[i + 1] : '\0';
    switch (state) {
      case State::kCode:
        if (c == '/' && next == '/') {
          state = State::kLine;
          out[i] = ' ';
        } else if (c == '/' && next == '*') {
          state = State::kBlock;
          out[i] = ' ';
        } else if (c == 'R' && next == '"' && (i == 0 || !std::isalnum(static_cast<unsigned char>(out[i - 1])))) {
          const size_t paren = out.find('(', i + 2);
          if (paren == std::string::npos) break;
          raw_end = ")" + out.substr(i + 2, paren - i - 2) + "\"";
          state = State::kRaw;
          for (size_t k = i + 1; k <= paren; ++k) out[k] = ' ';
          i = paren;
        } else if (c == '"') {
          state = State::kString;
        } else if (c == '\'' && !(i > 0 && std::isxdigit(static_cast<unsigned char>(out[i - 1])))) {
          state = State::kChar;  // Not a digit separator such as 1'000.
        }
        break;
      case State::kLine:
        if (c == '\n') {
          state = State::kCode;
        } else {
          out[i] = ' ';
        }
        break;
      case State::kBlock:
        if (c == '*' && next == '/') {
          out[i] = out[i + 1] = ' ';
          ++i;
          state = State::kCode;
        } else if (c != '\n') {
          out[i] = ' ';
        }
        break;
      case State::kString:
      case State::kChar: {
        const char quote = state == State::kString ? '"' : '\'';
        if (c == '\\') {
          out[i] = ' ';
          if (next != '\n' && i + 1 < out.size()) out[++i] = ' ';
        } else if (c == quote) {
          state = State::kCode;
        } else if (c != '\n') {
          out[i] = ' ';
        }
        break;
      }
      case State::kRaw:
        if (out.compare(i, raw_end.size(), raw_end) == 0) {
          for (size_t k = i; k + 1 < i + raw_end.size(); ++k) out[k] = ' ';
          i += raw_end.size() - 1;
          state = State::kCode;
        } else if (c != '\n') {
          out[i] = ' ';
        }
        break;
    }
  }
  return out;
}

std::vector<Finding> Check(std::string_view file, std::string_view source, Layer layer,
                           const std::set<std::string>& extra_hash_names) {
  std::vector<Finding> findings;
  const std::string code = StripCommentsAndStrings(source);
  // Include lines keep their path: the boundary rules read them from the raw source.
  std::vector<std::string> raw_lines;
  std::vector<std::string> lines;
  {
    size_t start = 0;
    for (size_t i = 0; i <= code.size(); ++i) {
      if (i == code.size() || code[i] == '\n') {
        lines.push_back(code.substr(start, i - start));
        raw_lines.emplace_back(source.substr(start, i - start));
        start = i + 1;
      }
    }
  }
  std::vector<std::pair<std::string, std::regex>> compiled;
  for (const Rule& r : kRules) compiled.emplace_back(r.name, std::regex(r.pattern));
  std::set<std::string> hash_names = HashContainerNames(source);
  hash_names.insert(extra_hash_names.begin(), extra_hash_names.end());
  struct Iteration {
    std::string name;
    std::regex range_for;
    std::regex begin;
  };
  std::vector<Iteration> iterations;
  for (const std::string& name : hash_names) {
    if (code.find(name) == std::string::npos) continue;  // Not used in this file.
    iterations.push_back(Iteration{
        name, std::regex("for\\s*\\([^;)]*:\\s*\\*?(this->)?" + name + "\\s*\\)"),
        std::regex("\\b" + name + "\\s*(\\.|->)\\s*c?begin\\s*\\(")});
  }
  for (size_t n = 0; n < lines.size(); ++n) {
    const std::string& line = lines[n];
    const std::string& raw = raw_lines[n];
    const auto add = [&](std::string rule) {
      findings.push_back(Finding{std::string(file), static_cast<int>(n + 1), std::move(rule), raw});
    };
    for (const auto& [name, re] : compiled) {
      if (std::regex_search(line.rfind("#", 0) == 0 ? raw : line, re)) add(name);
    }
    // Iterating an Abseil hash container: its order is salted per process.
    for (const Iteration& it : iterations) {
      if (std::regex_search(line, it.range_for) || std::regex_search(line, it.begin)) {
        add("iteration over hash container '" + it.name + "'");
      }
    }
    static const std::regex kIncludeZab(R"(#\s*include\s*"zab/)");
    static const std::regex kIncludeSim(R"(#\s*include\s*"sim/)");
    if (layer != Layer::kZab && std::regex_search(raw, kIncludeZab)) add("sim/ or base/ includes zab/");
    if (layer != Layer::kSim && std::regex_search(raw, kIncludeSim)) add("zab/ or base/ includes sim/");
  }
  return findings;
}

}  // namespace zabsim::tidy

#include "runner/scenario/parser.h"

#include <memory>
#include <utility>

#include <fmt/format.h>

namespace zabsim::runner::scenario {
namespace {

constexpr std::string_view kSeparator = "----";
constexpr size_t kMaxLineBytes = 4096;
constexpr size_t kMaxLines = 100000;

std::string Printable(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, 40)) {
    out += (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) ? '?' : c;
  }
  if (text.size() > 40) out += "...";
  return out;
}

absl::Status Error(std::string_view path, int line, int column, std::string_view what) {
  return absl::InvalidArgumentError(fmt::format("{}:{}:{}: {}", path, line, column, what));
}

// SplitArgs splits a command line into its name and arguments, keeping columns.
absl::Status SplitArgs(std::string_view path, int line_number, std::string_view line,
                       Directive& d) {
  size_t i = 0;
  bool first = true;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) break;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    const std::string_view word = line.substr(start, i - start);
    const int column = static_cast<int>(start) + 1;
    // A CR ends a line only before its LF (CRLF files work); inside a line it would
    // silently cut the command short, so it is refused where it stands.
    if (const size_t cr = word.find('\r'); cr != std::string_view::npos) {
      return Error(path, line_number, column + static_cast<int>(cr),
                   "expected a line break as LF or CRLF, found a carriage return inside the line");
    }
    for (const char c : word) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
        return Error(path, line_number, column,
                     fmt::format("expected printable ASCII, found '{}'", Printable(word)));
      }
    }
    if (first) {
      d.name = std::string(word);
      first = false;
      continue;
    }
    Arg arg;
    arg.column = column;
    if (const size_t eq = word.find('='); eq != std::string_view::npos && eq > 0) {
      arg.key = std::string(word.substr(0, eq));
      arg.value = std::string(word.substr(eq + 1));
      if (arg.value.empty()) {
        return Error(path, line_number, column + static_cast<int>(eq) + 1,
                     fmt::format("expected a value after '{}='", arg.key));
      }
    } else {
      arg.value = std::string(word);
    }
    d.args.push_back(std::move(arg));
  }
  return absl::OkStatus();
}

// The file before its repeat blocks are expanded: commands, and blocks of them.
struct Repeat;
struct Node {
  Directive command;  // When `repeat` is null.
  std::unique_ptr<Repeat> repeat;
};
struct Repeat {
  int line = 0;
  int column = 0;  // Of the count.
  uint64_t count = 0;
  std::string var;  // Empty: the iteration number is not named.
  std::vector<Node> body;
};

class Reader {
 public:
  explicit Reader(ScenarioFile& file) : file_(file) {}

  // Block reads commands up to the end of the file (`open` is null) or to the `}` that
  // closes `open`. `vars` are the loop variables of the enclosing blocks.
  absl::Status Block(const Repeat* open, std::vector<std::string>& vars, std::vector<Node>& out) {
    while (i_ < file_.lines.size()) {
      const std::string& line = file_.lines[i_];
      const int number = static_cast<int>(i_) + 1;
      if (IsBlank(line) || IsComment(line)) {
        ++i_;
        continue;
      }
      if (Trimmed(line) == "}") {
        if (open == nullptr)
          return Error(file_.path, number, 1,
                       "expected a command, found '}' with no repeat block open");
        ++i_;
        return absl::OkStatus();
      }
      if (line == kSeparator)
        return Error(file_.path, number, 1, "expected a command before '----', found none");
      if (Trimmed(line) == kSeparator) {
        return Error(file_.path, number, 1,
                     fmt::format("expected '----' alone on its line, found '{}'", Printable(line)));
      }
      // Outside a block an indented line is almost always output that lost its '----';
      // inside one, indentation shows the block.
      if (open == nullptr && (line[0] == ' ' || line[0] == '\t')) {
        return Error(file_.path, number, 1,
                     fmt::format("expected a command at the start of the line, found '{}' "
                                 "(expected output belongs after '----')",
                                 Printable(line)));
      }
      Node node;
      node.command.line = number;
      if (absl::Status s = SplitArgs(file_.path, number, line, node.command); !s.ok()) return s;
      ++i_;
      absl::Status s =
          node.command.name == "repeat" ? ReadRepeat(node, vars) : ReadOutput(open, node.command);
      if (!s.ok()) return s;
      out.push_back(std::move(node));
    }
    if (open != nullptr) {
      return Error(
          file_.path, static_cast<int>(file_.lines.size()) + 1, 1,
          fmt::format(
              "expected '}}' to close the repeat block of line {}, found the end of the file",
              open->line));
    }
    return absl::OkStatus();
  }

 private:
  // ReadOutput reads the `----` block after a command, if there is one.
  absl::Status ReadOutput(const Repeat* open, Directive& d) {
    if (i_ >= file_.lines.size() || file_.lines[i_] != kSeparator) return absl::OkStatus();
    const int number = static_cast<int>(i_) + 1;
    if (open != nullptr) {
      return Error(file_.path, number, 1,
                   fmt::format("expected no '----' inside a repeat block (line {}): its commands "
                               "run many times, and their output is not frozen",
                               open->line));
    }
    if (d.name == "expect") {
      return Error(file_.path, number, 1,
                   "expected no '----' after 'expect': an expectation prints nothing to freeze, "
                   "it fails the file when it does not hold");
    }
    ++i_;
    d.frozen = true;
    d.output_begin = static_cast<int>(i_);
    while (i_ < file_.lines.size() && !IsBlank(file_.lines[i_])) {
      d.expected.push_back(file_.lines[i_]);
      ++i_;
    }
    d.output_end = static_cast<int>(i_);
    return absl::OkStatus();
  }

  // ReadRepeat reads `repeat N [as=NAME] {` and its block.
  absl::Status ReadRepeat(Node& node, std::vector<std::string>& vars) {
    const Directive& d = node.command;
    const std::string usage = "(expected: repeat COUNT [as=NAME] {)";
    auto r = std::make_unique<Repeat>();
    r->line = d.line;
    bool count_seen = false;
    for (size_t k = 0; k < d.args.size(); ++k) {
      const Arg& a = d.args[k];
      const bool last = k + 1 == d.args.size();
      if (a.key.empty() && a.value == "{" && last) continue;
      if (a.key.empty() && !count_seen) {
        uint64_t n = 0;
        bool ok = !a.value.empty() && a.value.size() <= 6;
        for (const char c : a.value) {
          ok = ok && c >= '0' && c <= '9';
          if (ok) n = n * 10 + static_cast<uint64_t>(c - '0');
        }
        if (!ok || n < 1 || n > kMaxRepeat) {
          return Error(file_.path, d.line, a.column,
                       fmt::format("expected a repeat count in 1..{}, found '{}'", kMaxRepeat,
                                   Printable(a.value)));
        }
        r->count = n;
        r->column = a.column;
        count_seen = true;
      } else if (a.key == "as" && r->var.empty()) {
        if (!IsName(a.value)) {
          return Error(
              file_.path, d.line, a.column + 3,
              fmt::format("expected a name (a letter, then letters, digits or '_'), found '{}'",
                          Printable(a.value)));
        }
        for (const std::string& outer : vars) {
          if (outer == a.value) {
            return Error(
                file_.path, d.line, a.column + 3,
                fmt::format("expected a new name: '{}' is the variable of an enclosing repeat",
                            a.value));
          }
        }
        r->var = a.value;
      } else {
        return Error(file_.path, d.line, a.column,
                     fmt::format("unexpected argument '{}{}{}' {}", a.key, a.key.empty() ? "" : "=",
                                 Printable(a.value), usage));
      }
    }
    if (!count_seen) {
      return Error(file_.path, d.line, 8, fmt::format("missing the count {}", usage));
    }
    if (d.args.empty() || d.args.back().key != "" || d.args.back().value != "{") {
      return Error(file_.path, d.line,
                   static_cast<int>(file_.lines[static_cast<size_t>(d.line - 1)].size()) + 1,
                   fmt::format("expected '{{' at the end of the line {}", usage));
    }
    if (i_ < file_.lines.size() && file_.lines[i_] == kSeparator) {
      return Error(file_.path, d.line + 1, 1,
                   "expected no '----' after 'repeat': the block's commands run many times, and "
                   "their output is not frozen");
    }
    if (!r->var.empty()) vars.push_back(r->var);
    absl::Status s = Block(r.get(), vars, r->body);
    if (!r->var.empty()) vars.pop_back();
    node.repeat = std::move(r);
    return s;
  }

  ScenarioFile& file_;
  size_t i_ = 0;
};

// Substitute replaces each `$NAME` of a loop variable in `text` by its value.
void Substitute(std::string& text, const std::vector<std::pair<std::string, std::string>>& vars) {
  size_t at = text.find('$');
  while (at != std::string::npos) {
    const size_t n = NameLength(std::string_view(text).substr(at + 1));
    const std::string_view name = std::string_view(text).substr(at + 1, n);
    const std::string* value = nullptr;
    for (auto it = vars.rbegin(); it != vars.rend() && value == nullptr; ++it) {
      if (n > 0 && it->first == name) value = &it->second;
    }
    if (value == nullptr) {
      at = text.find('$', at + 1);
      continue;
    }
    text.replace(at, n + 1, *value);
    at = text.find('$', at + value->size());
  }
}

// Expander flattens the nodes into the file's directives, within kMaxCommands and
// kMaxCommandBytes: it stops as soon as one is passed, so an absurd count costs nothing.
class Expander {
 public:
  explicit Expander(ScenarioFile& file) : file_(file) {}

  absl::Status Expand(const std::vector<Node>& nodes, const Repeat* in) {
    for (const Node& node : nodes) {
      if (node.repeat == nullptr) {
        if (absl::Status s = Add(node.command, in); !s.ok()) return s;
        continue;
      }
      const Repeat& r = *node.repeat;
      for (uint64_t k = 1; k <= r.count; ++k) {
        vars_.emplace_back(r.var.empty() ? "" : r.var, std::to_string(k));
        absl::Status s = Expand(r.body, &r);
        vars_.pop_back();
        if (!s.ok()) return s;
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Add(const Directive& command, const Repeat* in) {
    Directive d = command;
    std::string loop;
    for (const auto& [name, value] : vars_) {
      if (name.empty()) continue;
      if (!loop.empty()) loop += ' ';
      loop += name + "=" + value;
    }
    d.loop = loop;
    for (Arg& a : d.args) {
      Substitute(a.key, vars_);
      Substitute(a.value, vars_);
    }
    bytes_ += d.name.size();
    for (const Arg& a : d.args) bytes_ += a.key.size() + a.value.size() + 2;
    if (file_.directives.size() >= kMaxCommands || bytes_ > kMaxCommandBytes) {
      const int line = in != nullptr ? in->line : d.line;
      const int column = in != nullptr ? in->column : 1;
      return Error(file_.path, line, column,
                   fmt::format("expected at most {} commands of at most {} MiB in all once repeat "
                               "blocks are expanded, found more",
                               kMaxCommands, kMaxCommandBytes >> 20));
    }
    file_.directives.push_back(std::move(d));
    return absl::OkStatus();
  }

  ScenarioFile& file_;
  std::vector<std::pair<std::string, std::string>> vars_;
  size_t bytes_ = 0;
};

}  // namespace

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

bool IsComment(std::string_view line) {
  const size_t first = line.find_first_not_of(" \t");
  return first != std::string_view::npos && line[first] == '#';
}

std::string_view Trimmed(std::string_view line) {
  const size_t first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return line.substr(first, line.find_last_not_of(" \t") - first + 1);
}

bool IsName(std::string_view name) { return !name.empty() && NameLength(name) == name.size(); }

size_t NameLength(std::string_view text) {
  size_t n = 0;
  while (n < text.size()) {
    const char c = text[n];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!(letter || (n > 0 && ((c >= '0' && c <= '9') || c == '_')))) break;
    ++n;
  }
  return n;
}

std::string Location(const ScenarioFile& file, int line, int column) {
  return fmt::format("{}:{}:{}", file.path, line, column);
}

std::string CommandText(const ScenarioFile& file, const Directive& d) {
  if (d.loop.empty()) return file.lines[static_cast<size_t>(d.line - 1)];
  std::string out = d.name;
  for (const Arg& a : d.args) out += " " + (a.key.empty() ? a.value : a.key + "=" + a.value);
  return out;
}

absl::StatusOr<ScenarioFile> Parse(std::string_view path, std::string_view content) {
  ScenarioFile file;
  file.path = std::string(path);
  size_t start = 0;
  while (start <= content.size()) {
    const size_t end = content.find('\n', start);
    const size_t stop = end == std::string_view::npos ? content.size() : end;
    if (file.lines.size() >= kMaxLines) {
      return Error(path, static_cast<int>(file.lines.size()) + 1, 1,
                   fmt::format("expected at most {} lines", kMaxLines));
    }
    std::string line(content.substr(start, stop - start));
    // Every trailing CR goes, not just one: a line kept as "x\r" would be written back by
    // Rewrite as "x\r\n" and read again as "x", so --rewrite would not be a fixpoint.
    while (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > kMaxLineBytes) {
      return Error(path, static_cast<int>(file.lines.size()) + 1, kMaxLineBytes + 1,
                   fmt::format("expected a line of at most {} bytes", kMaxLineBytes));
    }
    file.lines.push_back(std::move(line));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  // A trailing newline leaves one empty last line; it is not part of the file's text.
  if (!file.lines.empty() && file.lines.back().empty()) file.lines.pop_back();

  std::vector<Node> nodes;
  std::vector<std::string> vars;
  if (absl::Status s = Reader(file).Block(nullptr, vars, nodes); !s.ok()) return s;
  if (absl::Status s = Expander(file).Expand(nodes, nullptr); !s.ok()) return s;
  return file;
}

std::string Rewrite(const ScenarioFile& file, const std::vector<std::vector<std::string>>& outputs) {
  std::string out;
  size_t next_line = 0;
  for (size_t k = 0; k < file.directives.size() && k < outputs.size(); ++k) {
    const Directive& d = file.directives[k];
    if (!d.frozen) continue;  // Not frozen: nothing to write, whatever it printed.
    for (; next_line < static_cast<size_t>(d.output_begin); ++next_line) {
      out += file.lines[next_line];
      out += '\n';
    }
    for (const std::string& line : outputs[k]) {
      out += line;
      out += '\n';
    }
    next_line = static_cast<size_t>(d.output_end);
  }
  for (; next_line < file.lines.size(); ++next_line) {
    out += file.lines[next_line];
    out += '\n';
  }
  return out;
}

}  // namespace zabsim::runner::scenario

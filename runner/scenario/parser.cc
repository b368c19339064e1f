#include "runner/scenario/parser.h"

#include <fmt/format.h>

namespace zabsim::runner::scenario {
namespace {

constexpr std::string_view kSeparator = "----";
constexpr size_t kMaxLineBytes = 4096;
constexpr size_t kMaxLines = 100000;

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

bool IsComment(std::string_view line) {
  const size_t first = line.find_first_not_of(" \t");
  return first != std::string_view::npos && line[first] == '#';
}

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

}  // namespace

std::string Location(const ScenarioFile& file, int line, int column) {
  return fmt::format("{}:{}:{}", file.path, line, column);
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

  size_t i = 0;
  while (i < file.lines.size()) {
    const std::string& line = file.lines[i];
    const int number = static_cast<int>(i) + 1;
    if (IsBlank(line) || IsComment(line)) {
      ++i;
      continue;
    }
    if (line == kSeparator) {
      return Error(path, number, 1, "expected a command before '----', found none");
    }
    if (line[0] == ' ' || line[0] == '\t') {
      return Error(path, number, 1,
                   fmt::format("expected a command at the start of the line, found '{}' "
                               "(expected output belongs after '----')",
                               Printable(line)));
    }
    Directive d;
    d.line = number;
    if (absl::Status s = SplitArgs(path, number, line, d); !s.ok()) return s;
    ++i;
    if (i >= file.lines.size() || file.lines[i] != kSeparator) {
      const std::string found = i >= file.lines.size() ? "the end of the file"
                                                        : fmt::format("'{}'", Printable(file.lines[i]));
      return Error(path, static_cast<int>(i) + 1, 1,
                   fmt::format("expected '----' after the command '{}', found {}", d.name, found));
    }
    ++i;
    d.output_begin = static_cast<int>(i);
    while (i < file.lines.size() && !IsBlank(file.lines[i])) {
      d.expected.push_back(file.lines[i]);
      ++i;
    }
    d.output_end = static_cast<int>(i);
    file.directives.push_back(std::move(d));
  }
  return file;
}

std::string Rewrite(const ScenarioFile& file, const std::vector<std::vector<std::string>>& outputs) {
  std::string out;
  size_t next_line = 0;
  for (size_t k = 0; k < file.directives.size() && k < outputs.size(); ++k) {
    const Directive& d = file.directives[k];
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

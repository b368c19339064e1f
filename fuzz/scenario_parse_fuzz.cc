// File: fuzz/scenario_parse_fuzz.cc
//
// Fuzz target: any bytes through the scenario parser (runner/scenario/parser.h).
// It must never crash; an error is an ordinary result but must name its line and column;
// and a file that parses must survive --rewrite: written back with the outputs it
// expects, or with none, it parses again to the same commands (repeat blocks expanded),
// the frozen ones expecting those outputs.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "fuzz/fuzz_check.h"
#include "runner/scenario/parser.h"

namespace zabsim::fuzz {
namespace {

using runner::scenario::Directive;
using runner::scenario::ScenarioFile;

bool SameCommand(const Directive& a, const Directive& b) {
  if (a.name != b.name || a.args.size() != b.args.size()) return false;
  for (size_t i = 0; i < a.args.size(); ++i) {
    if (a.args[i].key != b.args[i].key || a.args[i].value != b.args[i].value ||
        a.args[i].column != b.args[i].column) {
      return false;
    }
  }
  return true;
}

// CheckRewrite writes `file` back with `outputs` and parses the text again: the same
// commands (at the same lines if the outputs are those expected), each now expecting its
// output, and a second rewrite changes nothing (zabsim run --rewrite is a fixpoint).
void CheckRewrite(const ScenarioFile& file, const std::vector<std::vector<std::string>>& outputs,
                  bool same_lines) {
  const std::string text = runner::scenario::Rewrite(file, outputs);
  auto again = runner::scenario::Parse(kPath, text);
  Require(again.ok(), "a rewritten file does not parse", again.ok() ? "" : base::Text(again.status()));
  Require(again->directives.size() == file.directives.size(), "a rewrite changed the number of commands");
  for (size_t i = 0; i < file.directives.size(); ++i) {
    Require(SameCommand(file.directives[i], again->directives[i]), "a rewrite changed a command",
            file.lines[static_cast<size_t>(file.directives[i].line - 1)]);
    Require(again->directives[i].frozen == file.directives[i].frozen,
            "a rewrite froze or thawed a command");
    // Only a frozen command has an output to write back; the others keep none.
    Require(again->directives[i].expected ==
                (file.directives[i].frozen ? outputs[i] : std::vector<std::string>{}),
            "a rewritten output reads back differently");
    Require(!same_lines || again->directives[i].line == file.directives[i].line,
            "a rewrite with the same outputs moved a command");
  }
  Require(runner::scenario::Rewrite(*again, outputs) == text, "a second rewrite changed the file");
}

}  // namespace
}  // namespace zabsim::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace zabsim::fuzz;
  const std::string_view content(reinterpret_cast<const char*>(data), size);
  auto file = zabsim::runner::scenario::Parse(kPath, content);
  if (!file.ok()) {
    const std::string error(zabsim::base::Text(file.status()));
    Require(IsLocated(error), "a parse error without PATH:LINE:COLUMN", error);
    return 0;
  }
  std::vector<std::vector<std::string>> expected;
  for (const auto& d : file->directives) expected.push_back(d.expected);
  CheckRewrite(*file, expected, /*same_lines=*/true);
  CheckRewrite(*file, std::vector<std::vector<std::string>>(file->directives.size()), /*same_lines=*/false);
  return 0;
}

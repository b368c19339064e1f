// File: fuzz/scenario_run_fuzz.cc
//
// Fuzz target: short scenarios run end to end through RunFile, the function behind
// `zabsim run`. It must never crash (a CHECK failure is a crash too); an error must name
// its line and column; and a file that runs must survive --rewrite: written back with its
// actual outputs, it parses to the same commands, the frozen ones expecting exactly those
// outputs.
//
// One input must take well under a second even in sanitizer builds, so the target runs
// at most kMaxCommands commands of a file of at most kMaxBytes, and stops the simulated
// world at kEnd (RunOptions::end): a file asking for more is cut short, not refused, so the
// prefix of every seed scenario is still explored.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "fuzz/fuzz_check.h"
#include "runner/scenario/parser.h"
#include "runner/scenario/runner.h"
#include "sim/time.h"
#include "zab/releases.h"

namespace zabsim::fuzz {
namespace {

constexpr size_t kMaxBytes = 16384;  // The largest seed scenario is about 12 KB.
constexpr size_t kMaxCommands = 48;  // The longest seed scenario has 42 commands.
constexpr sim::Time kEnd = sim::Time::Zero() + sim::Duration::Seconds(3);

}  // namespace
}  // namespace zabsim::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace zabsim;
  using namespace zabsim::fuzz;
  if (size > kMaxBytes) return -1;  // -1: libFuzzer keeps the input out of the corpus.
  const std::string_view content(reinterpret_cast<const char*>(data), size);
  // Parsing is cheap and the parse target covers its errors: count the commands first.
  auto file = runner::scenario::Parse(kPath, content);
  if (file.ok() && file->directives.size() > kMaxCommands) return -1;
  const runner::scenario::FileResult r =
      runner::scenario::RunFile(kPath, content, zab::ReleaseChoice{}, /*trace=*/nullptr,
                                /*narrate=*/false, runner::scenario::RunOptions{.end = kEnd});
  Require(r.parsed == file.ok(), "RunFile and Parse disagree on whether the file parses");
  if (!r.error.empty()) {
    Require(IsLocated(r.error), "an error without PATH:LINE:COLUMN", r.error);
    return 0;
  }
  const std::string text = runner::scenario::Rewrite(*file, r.outputs);
  auto again = runner::scenario::Parse(kPath, text);
  Require(again.ok(), "a file rewritten with its outputs does not parse",
          again.ok() ? std::string_view() : base::Text(again.status()));
  Require(again->directives.size() == r.outputs.size(), "a rewrite changed the number of commands");
  for (size_t i = 0; i < r.outputs.size(); ++i) {
    Require(again->directives[i].name == file->directives[i].name, "a rewrite changed a command");
    const std::vector<std::string> written =
        file->directives[i].frozen ? r.outputs[i] : std::vector<std::string>{};
    Require(again->directives[i].expected == written, "an output does not read back as written",
            again->directives[i].name);
  }
  return 0;
}

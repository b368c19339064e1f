// zabsim: a deterministic simulator of ZooKeeper's atomic broadcast protocol (ZAB).
//
// The command dispatches to subcommands; each has its own strict flags and --help.

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/memory_limit.h"

namespace {

constexpr std::string_view kVersion = ZABSIM_VERSION;  // The project's, from CMake.

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(const std::vector<std::string>& args);
};

constexpr Command kCommands[] = {
    {"run", "replay scenario files and compare their outputs", zabsim::cli::RunRun},
    {"sim", "one seeded run of a ZAB ensemble with clients and faults, and its summary",
     zabsim::cli::RunSim},
    {"sweep", "many seeds of one run shape, in parallel, with a result line per seed",
     zabsim::cli::RunSweep},
    {"hunt", "run random seeds with a bug switch until a check catches it, then minimize",
     zabsim::cli::RunHunt},
    {"explore", "every run of a small ensemble within bounds, breadth first, until a check fails",
     zabsim::cli::RunExplore},
    {"conform", "run a scenario on a real ZooKeeper ensemble and in zabsim, side by side",
     zabsim::cli::RunConform},
    {"bugs", "list the switches that put real ZooKeeper bugs back", zabsim::cli::RunBugs},
    {"demo", "run the simulated world with toy processes (no ZAB) and print its fingerprint",
     zabsim::cli::RunDemo},
};

void PrintHelp(std::FILE* out) {
  fmt::print(out,
             "usage: zabsim [COMMAND] [FLAGS]\n\n"
             "zabsim is a deterministic simulator of ZooKeeper's atomic broadcast (ZAB).\n"
             "Every run is driven by one seed and is repeatable bit for bit; the trace\n"
             "fingerprint it prints is the witness.\n\n"
             "commands:\n");
  for (const Command& c : kCommands) fmt::print(out, "  {:<10}{}\n", c.name, c.summary);
  fmt::print(out,
             "  {:<10}{}\n  {:<10}{}\n\n"
             "With no command, zabsim runs 'sim' with its defaults.\n"
             "'zabsim COMMAND --help' describes a command's flags.\n\n"
             "examples:\n"
             "  zabsim\n"
             "  zabsim sim --seed 7 --voters 5 --faults '5s crash 5; 20s restart 5'\n"
             "  zabsim sim --bug ZK-4925 --seed 11 --trace run.jsonl --format jsonl\n"
             "  zabsim run scenarios/*.scn\n"
             "  zabsim run --rewrite scenarios/sync-trunc.scn\n"
             "  zabsim sweep --seeds 1..1000 --jobs 2 --out results.jsonl\n"
             "  zabsim hunt --bug ZK-1154 --minimize found/\n"
             "  zabsim explore --bug commit-without-quorum --out cx.scn\n"
             "  zabsim conform scenarios/conformance/election-3.scn\n"
             "  zabsim bugs\n"
             "  zabsim demo --seed 3\n"
             "  zabsim help run\n\n"
             "exit status: 0 success, 1 a check failed or a scenario's output differs,\n"
             "2 a usage or parse error, a result that could not be written, or a run that\n"
             "needed more memory than --max-memory allows.\n",
             "help", "print this help (or 'zabsim help COMMAND')", "version",
             "print the version");
}

// Dispatch runs the command the arguments name.
int Dispatch(std::vector<std::string> args) {
  if (args.empty()) return zabsim::cli::RunSim({});
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "--help" || command == "-h" || command == "help") {
    if (command == "help" && !args.empty()) {
      for (const Command& c : kCommands) {
        if (c.name == args[0]) return c.run({"--help"});
      }
      fmt::print(stderr, "zabsim help: unknown command '{}'\n", args[0]);
      return zabsim::cli::kExitUsage;
    }
    PrintHelp(stdout);
    return zabsim::cli::kExitOk;
  }
  if (command == "version" || command == "--version") {
    fmt::print("zabsim {}\n", kVersion);
    return zabsim::cli::kExitOk;
  }
  for (const Command& c : kCommands) {
    if (c.name == command) return c.run(args);
  }
  if (command.rfind("-", 0) == 0) {
    // Flags without a command belong to the default command.
    args.insert(args.begin(), command);
    return zabsim::cli::RunSim(args);
  }
  fmt::print(stderr, "zabsim: unknown command '{}' (see 'zabsim --help')\n", command);
  return zabsim::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  zabsim::cli::InstallOutOfMemoryHandlers();
  int exit = zabsim::cli::kExitUsage;
  try {
    exit = Dispatch(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::bad_alloc&) {
    // Past --max-memory (or ulimit -v): a message and exit 2, never an abort.
    zabsim::cli::ReportOutOfMemory();
    std::fflush(stdout);
    return zabsim::cli::kExitUsage;
  }
  // What a command printed is a result too: a write to standard output that failed (a
  // full disk, a closed pipe) fails the command, whatever it found.
  if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
    fmt::print(stderr, "zabsim: cannot write standard output: {}\n", std::strerror(errno));
    return zabsim::cli::kExitUsage;
  }
  return exit;
}

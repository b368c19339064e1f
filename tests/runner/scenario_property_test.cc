// Property tests of scenario files: whatever text a scenario holds, parsing it and running
// every command must never crash, abort or trip a sanitizer, and every error must read
// "PATH:LINE:COLUMN: ..." with the line of the command at fault. The texts are random
// bytes, random lines, and random sequences of real commands with random (often wrong)
// arguments run against a small ensemble for short times, so that the whole test stays
// fast.
//
// A crash cannot be caught as a test failure, so the scenario being run is kept aside and
// printed to stderr if the process dies (see DumpOnDeath).

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>

#include "base/status.h"
#include "tests/runner/failure_artifact.h"
#include "runner/scenario/parser.h"
#include "runner/scenario/runner.h"
#include "zab/config.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#endif

namespace zabsim::runner::scenario {
namespace {

constexpr std::string_view kPath = "p.scn";

// ---------------------------------------------------------------------------------------
// Keeping the scenario under test for a post-mortem.

std::string& Current() {
  static std::string* current = new std::string();
  return *current;
}

void WriteCurrent() {
  const std::string& text = Current();
  constexpr std::string_view kHead = "\n=== scenario being run when the process died ===\n";
  constexpr std::string_view kTail = "\n=== end of scenario ===\n";
  // write(2) only: this runs from a signal handler.
  (void)!write(STDERR_FILENO, kHead.data(), kHead.size());
  (void)!write(STDERR_FILENO, text.data(), text.size());
  (void)!write(STDERR_FILENO, kTail.data(), kTail.size());
}

extern "C" void OnAbort(int) {
  WriteCurrent();
  std::signal(SIGABRT, SIG_DFL);
  std::raise(SIGABRT);
}

// DumpOnDeath prints the scenario being run if a check aborts or a sanitizer kills the
// process, so that a failure found here can be replayed with 'zabsim run'.
void DumpOnDeath() {
  static const bool installed = [] {
    std::signal(SIGABRT, OnAbort);
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_set_death_callback(WriteCurrent);
#endif
    return true;
  }();
  (void)installed;
}

// ---------------------------------------------------------------------------------------
// The properties.

// ParsePosition reads "p.scn:LINE:COLUMN: " at the start of `message`.
bool ParsePosition(std::string_view message, int& line, int& column) {
  const std::string prefix = std::string(kPath) + ":";
  if (message.substr(0, prefix.size()) != prefix) return false;
  size_t i = prefix.size();
  const auto number = [&](int& out) {
    const size_t start = i;
    out = 0;
    while (i < message.size() && message[i] >= '0' && message[i] <= '9' && i - start < 9) {
      out = out * 10 + (message[i] - '0');
      ++i;
    }
    return i > start;
  };
  if (!number(line) || i >= message.size() || message[i] != ':') return false;
  ++i;
  if (!number(column) || message.substr(i, 2) != ": ") return false;
  return true;
}

std::vector<std::vector<std::string>> Expected(const ScenarioFile& file) {
  std::vector<std::vector<std::string>> out;
  for (const Directive& d : file.directives) out.push_back(d.expected);
  return out;
}

bool SameDirectives(const ScenarioFile& a, const ScenarioFile& b) {
  if (a.directives.size() != b.directives.size()) return false;
  for (size_t i = 0; i < a.directives.size(); ++i) {
    const Directive& x = a.directives[i];
    const Directive& y = b.directives[i];
    if (x.line != y.line || x.name != y.name || x.expected != y.expected ||
        x.args.size() != y.args.size()) {
      return false;
    }
    for (size_t k = 0; k < x.args.size(); ++k) {
      if (x.args[k].key != y.args[k].key || x.args[k].value != y.args[k].value ||
          x.args[k].column != y.args[k].column) {
        return false;
      }
    }
  }
  return true;
}

// CheckScenario parses `text` and runs every command (going on after errors, which is
// more than 'zabsim run' does, to reach more states), checking the properties.
void CheckScenarioBody(const std::string& text) {
  DumpOnDeath();
  Current() = text;
  RC_LOG() << "scenario:\n" << text << "\n(end of scenario)\n";  // Shown on a failure.
  auto file = Parse(kPath, text);
  if (!file.ok()) {
    const std::string message(base::Text(file.status()));
    int line = 0;
    int column = 0;
    RC_ASSERT(ParsePosition(message, line, column));
    RC_ASSERT(line >= 1);
    RC_ASSERT(column >= 1 && column <= 4097);
    // The whole run says the same.
    RC_ASSERT(RunFile(kPath, text, zab::ReleaseChoice{}).error == message);
    return;
  }
  // The file's own text survives a rewrite with its own outputs.
  const std::string normal = Rewrite(*file, Expected(*file));
  auto reparsed = Parse(kPath, normal);
  RC_ASSERT(reparsed.ok());
  RC_ASSERT(SameDirectives(*file, *reparsed));
  RC_ASSERT(Rewrite(*reparsed, Expected(*reparsed)) == normal);

  std::vector<std::vector<std::string>> outputs;
  {
    ScenarioRunner runner(*file, zab::ReleaseChoice{});
    for (const Directive& d : file->directives) {
      auto output = runner.Execute(d);
      if (!output.ok()) {
        const std::string message(base::Text(output.status()));
        int line = 0;
        int column = 0;
        RC_ASSERT(ParsePosition(message, line, column));
        RC_ASSERT(line == d.line);
        // Columns point into the command line, or at most one past its end plus one ("missing
        // ..." errors point just after the command name, which may end the line).
        const int length = static_cast<int>(file->lines[static_cast<size_t>(d.line - 1)].size());
        RC_ASSERT(column >= 1 && column <= length + 2);
        // After the position comes the command's name.
        const size_t after = message.find(": ") + 2;
        RC_ASSERT(message.compare(after, d.name.size() + 2, d.name + ": ") == 0);
        outputs.push_back({});  // Keep one entry per directive for the rewrite below.
        continue;
      }
      RC_ASSERT(!output->empty());
      for (const std::string& line : *output) {
        // A blank line would end the output early when the file is read back.
        RC_ASSERT(line.find_first_not_of(" \t\r") != std::string::npos);
        RC_ASSERT(line.find('\n') == std::string::npos);
      }
      outputs.push_back(*std::move(output));
    }
    (void)runner.Violations();
    (void)runner.Fingerprint();
  }
  // What --rewrite would write reads back as the same commands, the frozen ones
  // expecting those outputs and the others still without a '----' block.
  auto rewritten = Parse(kPath, Rewrite(*file, outputs));
  RC_ASSERT(rewritten.ok());
  RC_ASSERT(rewritten->directives.size() == file->directives.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    RC_ASSERT(rewritten->directives[i].frozen == file->directives[i].frozen);
    if (file->directives[i].frozen) {
      RC_ASSERT(rewritten->directives[i].expected == outputs[i]);
    } else {
      RC_ASSERT(rewritten->directives[i].expected.empty());
    }
  }
}

// CheckScenario checks `text`, and keeps it as the failing case (ZABSIM_ARTIFACTS_DIR,
// tests/runner/failure_artifact.h) if it fails or crashes.
void CheckScenario(const std::string& text) {
  const zabsim::testing::CrashGuard guard(text);
  try {
    CheckScenarioBody(text);
  } catch (...) {
    zabsim::testing::WriteFailingCase(text);
    throw;
  }
}

// ---------------------------------------------------------------------------------------
// Generators. Each picks from lists where valid values dominate, with a few wrong ones.

std::string Pick(std::vector<std::string> items) { return *rc::gen::elementOf(items); }

// Uniform draws from [lo, hi) whatever RapidCheck's current size: gen::inRange alone
// stays near `lo` while the size is small, which would skew every choice below.
template <typename T>
T Uniform(T lo, T hi) {
  return *rc::gen::resize(100, rc::gen::inRange<T>(lo, hi));
}

bool Chance(int percent) { return Uniform(0, 100) < percent; }

struct Shape {
  uint32_t servers = 3;
  uint32_t clients = 1;
};

std::string ServerArg(const Shape& s) {
  if (Chance(85)) return fmt::format("{}", Uniform<uint32_t>(1, s.servers + 1));
  return Pick({"0", fmt::format("{}", s.servers + 1), "*", "x", "-1", "99999", "1.5", "01"});
}

std::string ClientArg(const Shape& s) {
  if (Chance(85)) return fmt::format("{}", Uniform<uint32_t>(1, s.clients + 2));
  return Pick({"0", "c1", "-1", "99999999999999999999"});
}

// Short durations keep the test fast; the wrong ones test the parsing.
std::string RunDuration() {
  if (Chance(85)) return Pick({"0s", "1ms", "10ms", "100ms", "250ms", "500ms", "1s", "2s"});
  return Pick({"-1s", "1", "1x", "1.5.5s", "601s", "10m", "999999999999m", "153722867281m",
               "0.0000001s", ".s", "1us"});
}

// Durations handed to faults; these never run the world themselves, so they may be long.
std::string FaultDuration() {
  if (Chance(75)) return Pick({"0s", "1ms", "50ms", "1s", "3s", "60s"});
  return Pick({"-1ms", "999999999s", "999999999m", "999999999999m", "153722867280m",
               "200000000000m", "1.5.5s", "x"});
}

std::string Link(const Shape& s) { return ServerArg(s) + ">" + ServerArg(s); }

std::string Group(const Shape& s) {
  // A counted loop, not "while (Chance(...))": shrinking drives every draw to its
  // smallest value, which would make such a loop endless.
  std::string out = ServerArg(s);
  const int more = Uniform(0, 3);
  for (int i = 0; i < more; ++i) {
    out += ',';
    out += ServerArg(s);
  }
  return out;
}

std::string ClusterLine(Shape& shape) {
  std::string line = "cluster";
  const uint32_t voters = Uniform<uint32_t>(1, 4);
  const uint32_t observers = Chance(20) ? 1 : 0;
  const uint32_t clients = Uniform<uint32_t>(0, 3);
  shape = Shape{voters + observers, clients};
  line += fmt::format(" voters={}", voters);
  if (observers > 0) line += fmt::format(" observers={}", observers);
  line += fmt::format(" clients={}", clients);
  if (Chance(50)) line += fmt::format(" seed={}", *rc::gen::arbitrary<uint64_t>());
  if (Chance(20)) line += Pick({" workload=3", " workload=20"});
  if (clients > 0 && Chance(25)) line += fmt::format(" client.1={}", Group(shape));
  if (Chance(20)) {
    std::vector<std::string> bugs;
    for (const zab::BugName& b : zab::BugNames()) {
      bugs.emplace_back(b.name);
    }
    bugs.emplace_back("ZK-0");
    line += " bug=" + Pick(bugs);
  }
  const int knobs = Uniform(0, 4);
  for (int i = 0; i < knobs; ++i) {
    line += ' ';
    line += Pick({"tick_ms=2", "tick_ms=50", "tick_ms=2000", "init_limit=1", "init_limit=10",
                  "sync_limit=1", "sync_limit=5", "finalize_wait_ms=0",
                  "finalize_wait_ms=200", "min_notification_ms=1",
                  "max_notification_ms=1", "max_notification_ms=400",
                  "commit_log_count=1", "commit_log_count=2", "snap_count=2",
                  "snap_count=4", "txn_log_sync=0",
                  "snapshot_size_factor_permille=1000", "snap_retain_count=1",
                  "max_batch_size=1", "learner_connect_delay_ms=0",
                  "learner_connect_attempts=1", "observer_election_delay_ms=0",
                  "initial_counter=4294967290", "initial_counter=4294967294",
                  "net.latency=1ms", "net.latency=1ms..5ms", "net.latency=exp:2ms",
                  "net.latency=1ms+exp:2ms", "net.latency=0us", "net.break_notice=0us",
                  "net.connect_timeout=1ms", "net.loss=1%", "net.loss=1/2",
                  "net.loss=1", "net.channel=unsafe", "net.channel=tcp",
                  "net.unsafe_drop=1/2",
                  "net.unsafe_duplicate=1/2", "disk.fsync_latency=0us",
                  "disk.fsync_latency=50ms", "disk.torn_write=1", "clock.drift_ppm=50000",
                  "clock.drift_ppm=900000"});
  }
  // A wrong setting stops the scenario at once, so rarely.
  if (Chance(8)) {
    line += " " + Pick({"voters=0", "tick_ms=1", "net.loss=2", "net.latency=5ms..1ms",
                        "net.latency=999999999999m", "net.connect_timeout=0s", "frob=1",
                        "processes=2", "client.9=1", "bare"});
  }
  return line;
}

std::string CommandLine(const Shape& s, std::string name = "") {
  if (name.empty()) {
    name = Pick({"show", "run", "run", "run", "create", "set", "delete", "get", "exists", "sync",
            "crash", "restart", "role-restart", "partition", "oneway", "isolate", "heal",
            "break", "delay", "hold", "release", "clock-rate", "clock-step", "disk-slow", "loss",
            "torn", "channel", "drop-next", "delay-next", "hold-next", "swarm", "state", "log",
            "tree", "check", "cluster", "frob", "expect", "expect", "on", "on"});
  }
  std::string line = name;
  const auto add = [&](const std::string& arg) { line += " " + arg; };
  if (name == "show") {
    add(Pick({"all", "none", "state", "state,sync", "+ping,-broadcast", "+apply", "-net",
              "client,fault,disk,ignore,election,discovery", "frob", "+state,sync", ""}));
  } else if (name == "run") {
    if (Chance(45)) {
      add("for=" + RunDuration());
    } else {
      add("until=" + Pick({"leader", "converged", "idle", "quiet", "epoch:1", "epoch:2",
                           "committed:0x100000001", "applied:0x100000002", "applied:4294967297",
                           "committed:0x", "epoch:", "epoch:zz", "frob", "leader:1"}));
      if (Chance(90)) add("limit=" + RunDuration());
      if (Chance(25)) add("on=" + ServerArg(s));
      if (Chance(30)) add(Pick({"already=ok", "already=ok", "already=no"}));
    }
  } else if (name == "create" || name == "set" || name == "delete" || name == "get" ||
             name == "exists" || name == "sync") {
    add(ClientArg(s));
    add(Pick({"/a", "/a", "/b", "/a/b", "/", "a", "/a/", "//a"}));
    if (name == "create" || name == "set" || Chance(10)) add(Pick({"x", "hello", "k=v"}));
    if (Chance(20)) add("ephemeral");
    if (Chance(15)) add("nowait");
    if (Chance(20)) add("version=" + Pick({"0", "1", "-1", "2147483648"}));
    if (Chance(30)) add("as=" + Pick({"w", "w", "r", "1x", "w$i"}));
  } else if (name == "crash" || name == "restart" || name == "role-restart" || name == "isolate") {
    add(ServerArg(s));
  } else if (name == "partition") {
    add(Pick({Group(s) + "|" + Group(s), Group(s) + "|" + Group(s) + "|" + Group(s), Group(s),
              "|", "1,,2|3"}));
  } else if (name == "oneway") {
    add(Pick({Group(s) + ">" + Group(s), Group(s), ">", "1>"}));
  } else if (name == "break") {
    add(ServerArg(s));
    add(ServerArg(s));
  } else if (name == "delay") {
    add(Link(s));
    add(FaultDuration());
    add(FaultDuration());
  } else if (name == "hold" || name == "release") {
    add(Link(s));
  } else if (name == "clock-rate") {
    add(ServerArg(s));
    add(Pick({"1", "1.05", "0.95", "0.1", "10", "0.05", "11", "1.0000001", "x"}));
  } else if (name == "clock-step") {
    add(ServerArg(s));
    add(Pick({"-30ms", "30ms", "+1s", "-1s", "-" + FaultDuration(), FaultDuration()}));
  } else if (name == "disk-slow") {
    add(ServerArg(s));
    add(Pick({"1", "10", "1000", "0", "1001"}));
    add(FaultDuration());
  } else if (name == "loss" || name == "torn") {
    add(Pick({"0", "1%", "1/20", "0.5", "1", "2", "1/0", "x"}));
  } else if (name == "channel") {
    add(Pick({"tcp", "unsafe", "udp"}));
  } else if (name == "drop-next" || name == "delay-next" || name == "hold-next") {
    add("from=" + ServerArg(s));
    add("to=" + ServerArg(s));
    if (Chance(60)) {
      add("type=" + Pick({"PROPOSAL", "ACK", "COMMIT", "NEWLEADER", "UPTODATE", "FOLLOWERINFO",
                          "LEADERINFO", "ACKEPOCH", "NOTIFICATION", "PING", "DIFF", "FOO"}));
    }
    if (Chance(50)) add("count=" + Pick({"1", "2", "5", "0", "1000001"}));
    if (Chance(25)) add("zxid=" + Pick({"$w", "$r", "0x100000002", "$", "0xZ"}));
    if (name == "delay-next" || Chance(5)) add("extra=" + FaultDuration());
  } else if (name == "swarm") {
    add("for=" + Pick({"1ms", "100ms", "1s", "2s", "0s", "-1s"}));
    if (Chance(50)) add(fmt::format("seed={}", *rc::gen::arbitrary<uint64_t>()));
  } else if (name == "state") {
    const int n = Uniform(0, 3);
    for (int i = 0; i < n; ++i) add(ServerArg(s));
  } else if (name == "log" || name == "tree") {
    if (Chance(95)) add(ServerArg(s));
  } else if (name == "cluster") {
    add("voters=3");
  } else if (name == "on") {
    // A trigger: an event (mostly well formed), then `do` and a fault or a rule (or, now
    // and then, a command that cannot be triggered).
    if (Chance(30)) add("every");
    add(ServerArg(s));
    const std::string verb =
        Pick({"sends", "receives", "writes", "logs", "enters", "commits", "applies", "sent"});
    add(verb);
    if (verb == "sends" || verb == "receives") {
      add(Pick({"PROPOSAL", "ACK", "COMMIT", "NEWLEADER", "NOTIFICATION", "FOO"}));
      if (Chance(50)) add(Pick({"to", "from"}) + " " + ServerArg(s));
      if (Chance(30)) add("zxid=" + Pick({"$w", "0x100000002", "0xZ"}));
    } else if (verb == "enters") {
      add(Pick({"LOOKING", "LEADING", "SYNCHRONIZATION", "BROADCAST", "BOSS"}));
    } else if (Chance(50)) {
      add(Pick({"$w", "0x100000001", "0x100000002", "zz"}));
    }
    if (Chance(95)) {
      add("do");
      return line + " " +
             CommandLine(s, Pick({"crash", "restart", "role-restart", "partition", "heal", "hold",
                                  "release", "loss", "drop-next", "delay-next", "hold-next",
                                  "run", "state"}));
    }
  } else if (name == "expect") {
    add(Pick({ServerArg(s), ServerArg(s), "epoch=1", "epoch=2", "w", "r", "epoch=x"}));
    const int n = Uniform(0, 3);
    for (int i = 0; i < n; ++i) {
      add(Pick({"role=LEADING", "role=following", "!role=down", "phase=BROADCAST", "current=1",
                "accepted>=1", "last=0x100000001", "applied>=$w", "logged=$w", "committed=0",
                "logs=$w", "!logs=$r", "/a=x", "/a", "!/a", "/a/", "leader=3", "leader=none",
                "code=OK", "code=NONODE", "data=x", "frob=1", "role=BOSS"}));
    }
    return line;  // An expectation takes no show=.
  }
  if (Chance(8)) add("show=" + Pick({"all", "none", "+disk", "frob"}));
  if (Chance(4)) add(Pick({"bogus=1", "bare"}));
  return line;
}

// A character set that makes scenario-like text more likely than uniform bytes would.
rc::Gen<char> ScenarioChar() {
  return rc::gen::weightedOneOf<char>({
      {6, rc::gen::element('a', 'c', 'e', 'l', 'r', 'u', 's', 't', 'n')},
      {3, rc::gen::element('-', '-', '=', ' ', '\n', '\n', '#', '\t', '\r')},
      {2, rc::gen::element('0', '1', '2', '3', '/', ',', '|', '>', ':', '.', '*', '%')},
      {1, rc::gen::arbitrary<char>()},
  });
}

// ---------------------------------------------------------------------------------------

RC_GTEST_PROP(ScenarioProperty, RandomBytesNeverCrash, ()) {
  const std::string text = *rc::gen::container<std::string>(ScenarioChar());
  CheckScenario(text);
}

RC_GTEST_PROP(ScenarioProperty, RandomLinesNeverCrash, ()) {
  Shape shape;
  const int n = Uniform(0, 20);
  std::string text;
  if (Chance(70)) text += ClusterLine(shape) + "\n";
  for (int i = 0; i < n; ++i) {
    const int kind = Uniform(0, 9);
    switch (kind) {
      case 0: text += "----"; break;
      case 1: break;  // A blank line.
      case 2: text += "# " + *rc::gen::container<std::string>(ScenarioChar()); break;
      case 3: text += "  " + CommandLine(shape); break;
      case 4: text += *rc::gen::container<std::string>(ScenarioChar()); break;
      case 5: text += CommandLine(shape) + "\n----"; break;
      case 6: text += Pick({"repeat 2 {", "repeat 3 as=i {", "  }", "}", "repeat 0 {", "repeat 2 as=i {\n  create 1 /k$i v$i\n}"}); break;
      default: text += CommandLine(shape) + "\n----\n"; break;
    }
    text += Chance(10) ? "\r\n" : "\n";
  }
  if (Chance(20) && !text.empty()) text.pop_back();  // No final newline.
  CheckScenario(text);
}

RC_GTEST_PROP(ScenarioProperty, RandomCommandsNeverCrash, ()) {
  Shape shape;
  std::string text = "# A random scenario.\n\n" + ClusterLine(shape) + "\n----\n\n";
  const int n = Uniform(0, 30);
  for (int i = 0; i < n; ++i) text += CommandLine(shape) + "\n----\n\n";
  CheckScenario(text);
}

}  // namespace
}  // namespace zabsim::runner::scenario

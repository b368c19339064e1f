// File: runner/scenario/runner.h
//
// Runs a scenario file: executes its directives in order against one ensemble and
// produces each directive's output, to compare with what the file expects (or to write
// back with --rewrite). docs/scenarios.md is the reference of the commands.

#ifndef ZABSIM_RUNNER_SCENARIO_RUNNER_H_
#define ZABSIM_RUNNER_SCENARIO_RUNNER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "runner/cluster.h"
#include "runner/narrate.h"
#include "runner/run_summary.h"
#include "runner/scenario/captures.h"
#include "runner/scenario/parser.h"
#include "runner/scenario/render.h"
#include "runner/scenario/triggers.h"
#include "runner/trace_file.h"
#include "sim/fault.h"
#include "sim/network.h"
#include "sim/time.h"
#include "sim/trace.h"
#include "zab/config.h"
#include "zab/coverage.h"
#include "zab/releases.h"

namespace zabsim::runner::scenario {

class ScenarioRunner {
 public:
  // `extra` is the release and switches of the command line (zabsim run --zk, --bug,
  // --fix), on top of which the scenario's cluster line names its own.
  ScenarioRunner(const ScenarioFile& file, zab::ReleaseChoice extra);
  ~ScenarioRunner();
  // The trace holds a sink that points back here: a runner stays where it was made.
  ScenarioRunner(const ScenarioRunner&) = delete;
  ScenarioRunner& operator=(const ScenarioRunner&) = delete;

  // Execute runs one directive and returns its output lines. An error (a malformed or
  // impossible command) reads "PATH:LINE:COLUMN: ...".
  absl::StatusOr<std::vector<std::string>> Execute(const Directive& d);

  // TakeFailures returns the expectations (`expect`) that did not hold since the last
  // call, each "PATH:LINE:COLUMN: expect ...: expected ..., found ...".
  std::vector<std::string> TakeFailures() { return std::exchange(failures_, {}); }

  // Warnings lists what the file asked for in vain, as "PATH:LINE:COLUMN: warning: ...":
  // today the triggers (`on`) that never fired. A warning does not fail the file.
  std::vector<std::string> Warnings() const;

  // Violations lists what the checks found over the whole run so far.
  std::vector<std::string> Violations() const;
  // Fingerprint of the trace so far (0 before the cluster exists).
  uint64_t Fingerprint() const;
  // cluster is the ensemble once `cluster` ran (nullptr before), for callers that observe
  // it between directives (zabsim conform).
  runner::Cluster* cluster() { return cluster_.get(); }

  // SetTraceFile makes the run write its full trace to `trace` (zabsim run --trace): the
  // header once `cluster` runs, every record, the verdicts at each `check` and at the end.
  void SetTraceFile(TraceFile* trace) { trace_file_ = trace; }
  // Finish ends the run: the converged check of committed-applied (as each `check` runs
  // it), then the final verdicts and the end record to the trace file, if any.
  void Finish();
  // The safety verdicts, then those of `check liveness=` if one ran: `liveness`, and
  // `accepted-epoch-stall` if a stall was seen (docs/trace-format.md, section 6).
  std::vector<Verdict> Verdicts() const;
  // SetNarrate makes each directive also explain its records (zabsim run --narrate);
  // TakeNarration returns the lines of the last directive run.
  void SetNarrate(bool narrate) { narrate_ = narrate; }
  std::vector<std::string> TakeNarration();
  // SetEnd stops every wait (run, a client operation, swarm, check liveness=) at the
  // simulated time `end`; see RunOptions.
  void SetEnd(sim::Time end) { end_ = end; }
  // SetSeed runs the file with `seed` instead of the seeds it names; see RunOptions.
  void SetSeed(std::optional<uint64_t> seed) { seed_ = seed; }

 private:
  class Args;
  using Lines = std::vector<std::string>;

  // Command is one row of the table of commands (command_table.cc): the handler of its
  // family, and its synopsis, from which dispatch, errors and `on` all read. The handlers
  // of a family are in its own file: setup_commands.cc (cluster, show), run_commands.cc
  // (run, swarm), client_commands.cc, fault_commands.cc, rule_commands.cc,
  // inspect_commands.cc (state, log, tree), check_commands.cc (check, expect) and
  // trigger_commands.cc (on).
  using Handler = absl::Status (ScenarioRunner::*)(const Directive& d, Args& args, Lines& out);
  struct Command {
    std::string_view name;
    std::string_view usage;
    Handler handler = nullptr;
    bool triggerable = false;  // May follow `do` in `on`: acts at once, lets no time pass.
  };
  static std::span<const Command> Commands();
  static const Command* FindCommand(std::string_view name);
  // CommandNames lists the commands' names, or only those `on` may trigger.
  static std::string CommandNames(bool triggerable_only = false);

  absl::Status Cluster(const Directive& d, Args& args, Lines& out);
  absl::Status Show(const Directive& d, Args& args, Lines& out);
  absl::Status Run(const Directive& d, Args& args, Lines& out);
  absl::Status ClientOp(const Directive& d, Args& args, Lines& out);
  absl::Status Fault(const Directive& d, Args& args, Lines& out);
  absl::Status Rule(const Directive& d, Args& args, Lines& out);
  absl::Status On(const Directive& d, Args& args, Lines& out);
  // MakeFault and MakeRule read a fault or a message rule from its command, checked
  // against the cluster, without applying it: `crash 3` now, or when a trigger fires.
  // MakeFault builds the typed fault from the command's words (fault_commands.h).
  absl::StatusOr<sim::Fault> MakeFault(const Directive& d, Args& args) const;
  absl::StatusOr<sim::MessageRule> MakeRule(const Directive& d, Args& args) const;
  // RuleText says what a rule does: "hold the next COMMIT of w=0x100000003 from 3 to 1".
  std::string RuleText(const sim::MessageRule& rule) const;
  // MakePattern reads the event of an `on` directive, the words before `do`.
  absl::StatusOr<TriggerPattern> MakePattern(const Directive& d, Args& args) const;
  // Usage is a command's synopsis, for errors; the name itself for an unknown command.
  static std::string_view Usage(std::string_view name);
  absl::Status Swarm(const Directive& d, Args& args, Lines& out);
  // StepEvent runs one pending event chosen by name, regardless of its time
  // (step_command.cc; docs/explore.md).
  absl::Status StepEvent(const Directive& d, Args& args, Lines& out);
  absl::Status State(const Directive& d, Args& args, Lines& out);
  absl::Status Log(const Directive& d, Args& args, Lines& out);
  absl::Status Tree(const Directive& d, Args& args, Lines& out);
  absl::Status Check(const Directive& d, Args& args, Lines& out);
  absl::Status Expect(const Directive& d, Args& args, Lines& out);
  // Resolve returns `d` with every `$NAME` replaced by the zxid of that capture.
  absl::StatusOr<Directive> Resolve(const Directive& d) const;
  // Condition reads a `run until=` condition into `done`.
  absl::Status Condition(Args& args, const Arg& until, std::function<bool()>& done);
  // NameRequest names the request about to be submitted to client `c` (0-based) `as=NAME`.
  absl::Status NameRequest(const Directive& d, const Arg& as, uint32_t c, const zab::Op& op);

  absl::Status Error(const Directive& d, int column, std::string_view what) const;
  // Server reads a server number of the current directive.
  absl::StatusOr<uint32_t> Server(const Arg& arg) const;
  // NamedPeer reads the one server a command names (`log 2`, `tree 2`): its peer, or
  // nullptr when it is down, once "N down" is written to `out`.
  absl::StatusOr<const zab::Peer*> NamedPeer(Args& args, Lines& out);
  bool RunUntil(const std::function<bool()>& done, sim::Duration limit);
  // Deadline is now + `wait`, but never past end_.
  sim::Time Deadline(sim::Duration wait) const;
  // Take renders one trace record as it comes: narrated, then kept as a line of the
  // running command's output if its category is shown, up to kMaxOutputLines. Rendering
  // as the records come (not after the command) keeps memory to the lines shown, however
  // long the command runs. Records that come between commands wait for the next one.
  void Take(const sim::TraceRecord& r);
  // Flush moves the lines of the command so far into `out`: those of its categories, or
  // with `with_state` those of its categories and kState (what a failed wait shows).
  void Flush(bool with_state, Lines& out);

  // Match notes, for each armed trigger, whether the record just written is its event.
  // It runs inside the world's handlers: it only queues what is to fire.
  void Match(const sim::TraceRecord& r);
  // FireTriggers runs the commands of the triggers that matched, in the order they
  // matched. It runs between events only: after each one (the world's observer), and
  // after a command that acted on the world directly.
  void FireTriggers();

  // RecordSink hands the trace's records to Match and Take.
  class RecordSink final : public sim::TraceSink {
   public:
    explicit RecordSink(ScenarioRunner& runner) : runner_(runner) {}
    void Write(const sim::TraceRecord& record) override {
      runner_.Match(record);
      runner_.Take(record);
    }

   private:
    ScenarioRunner& runner_;
  };
  // Shown: lines of a command's output, and how many more were not kept.
  struct Shown {
    Lines lines;
    size_t hidden = 0;
    void Add(std::string line);
    void MoveTo(Lines& out);
  };

  const ScenarioFile& file_;
  zab::ReleaseChoice extra_;
  std::unique_ptr<runner::Cluster> cluster_;
  std::unique_ptr<RunSummary> summary_;
  std::vector<std::string> liveness_violations_;  // From `check liveness=`...
  std::vector<std::string> stall_violations_;     // ...those of them that are stalls...
  bool liveness_checked_ = false;                 // ...and whether one ran.
  std::unique_ptr<Renderer> renderer_;
  RecordSink sink_{*this};
  bool taking_ = false;                      // A command is running: records are rendered.
  std::vector<sim::TraceRecord> waiting_;    // Records that came between commands.
  Shown shown_;                              // The running command's lines...
  Shown shown_with_state_;                   // ...and with kState added, if that differs.
  // The highest epoch established, zxid committed and zxid applied, by server (0: any),
  // for `run until=epoch:|committed:|applied:`. Kept as the events come, so a wait costs
  // nothing per event and the run keeps no event history.
  struct Reached {
    uint64_t epoch = 0;
    std::optional<uint64_t> proposed;
    std::optional<uint64_t> committed;
    std::optional<uint64_t> applied;
  };
  void Note(const EventRecord& r);
  std::map<uint32_t, Reached> reached_;
  std::map<uint64_t, std::vector<uint32_t>> leaders_;  // Epoch -> the servers that established it.
  Captures captures_;
  // A trigger armed by `on`: what it waits for and what it then does.
  struct Trigger {
    int line = 0;
    int column = 1;
    std::string loop;     // The directive's repeat variables, if any.
    std::string written;  // The directive as the file writes it, for the warning.
    bool every = false;   // Fires each time, not only the next time.
    bool armed = true;
    uint64_t fired = 0;
    TriggerPattern pattern;
    std::variant<sim::Fault, sim::MessageRule> action;
    std::string what;  // The action as the output shows it: "crash 3", "hold the next ...".
  };
  std::vector<Trigger> triggers_;    // In the order they were declared.
  std::deque<size_t> matched_;       // Triggers whose event happened, not yet fired.
  TriggerMatcher matcher_;
  absl::Status trigger_error_;       // A chain of triggers that would never end.
  std::map<uint32_t, uint64_t> submitted_;  // Per client (0-based): operations the file submitted.
  std::vector<std::string> failures_;       // Expectations that did not hold.
  uint32_t show_ = kDefaultCategories;
  uint32_t categories_ = kDefaultCategories;  // The categories of the command being run.
  uint64_t swarms_ = 0;
  const Directive* current_ = nullptr;  // The directive being executed, its `$NAME`s replaced.
  const Directive* written_ = nullptr;  // The same, as the file writes it.
  TraceFile* trace_file_ = nullptr;
  sim::Time end_ = sim::Time::Max();
  std::optional<uint64_t> seed_;  // RunOptions::seed.
  bool narrate_ = false;
  std::unique_ptr<Narrator> narrator_;
  std::vector<std::string> narration_;
  size_t narration_untold_ = 0;  // Sentences past kMaxOutputLines, counted, not kept.
};

// FileResult is what running one scenario file found.
struct FileResult {
  bool parsed = false;
  std::string error;  // A parse or command error ("PATH:LINE:COLUMN: ...").
  std::vector<std::string> mismatches;  // Human-readable differences, per frozen directive.
  std::vector<std::string> failures;    // Expectations that did not hold (`expect`).
  std::vector<std::string> warnings;    // ScenarioRunner::Warnings, once the file ran.
  // Checker violations at the end of the run. Those a `check` directive showed, with the
  // output the file expects, are expected (the scenario demonstrates a bug) and do not
  // fail the file; the others do.
  std::vector<std::string> violations;
  std::vector<std::string> expected_violations;
  std::vector<std::vector<std::string>> outputs;  // Actual outputs, per directive run.
  // The command line of each directive run; with `narrate`, its narration too
  // (docs/teaching.md).
  std::vector<std::string> commands;
  std::vector<std::vector<std::string>> narrations;
  uint64_t fingerprint = 0;
  zab::Coverage coverage;  // The coverage marks the run reached (zab/coverage.h).
};

// RunOptions changes how a file runs. The defaults change nothing: a file run with them
// gives the outputs and fingerprint it expects.
struct RunOptions {
  // The simulated time at which every wait stops, for callers that run files nobody
  // wrote, such as the fuzz targets (fuzz/): a file then costs at most that much
  // simulated time, whatever its commands ask. A wait cut short reads as one that ran out.
  sim::Time end = sim::Time::Max();
  // The seed to run the file with instead of its own (zabsim run --seed): the cluster's,
  // from which each `swarm` derives its own as if the file named none. The outputs then
  // belong to another run, so they are not compared, and every violation counts: only
  // the checks and the expectations decide. A `run until=` that already holds is no
  // error then: another run may well reach it sooner.
  std::optional<uint64_t> seed;
};

// RunFile parses and runs a scenario. With `rewrite`, the file's expected outputs are
// replaced by the actual ones (the caller writes the file).
// `trace`, if not null, receives the run's full trace (see ScenarioRunner::SetTraceFile).
FileResult RunFile(std::string_view path, std::string_view content, const zab::ReleaseChoice& extra,
                   TraceFile* trace = nullptr, bool narrate = false, const RunOptions& options = {});

}  // namespace zabsim::runner::scenario

#endif  // ZABSIM_RUNNER_SCENARIO_RUNNER_H_

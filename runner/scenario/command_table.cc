// The table of ScenarioRunner's commands: each command's name, synopsis and handler,
// and whether `on` may trigger it. Dispatch (runner.cc), the errors' synopses and the
// commands `on` accepts (trigger_commands.cc) all read this one table; the handlers are
// in the *_commands.cc file of their family.

#include <span>
#include <string>
#include <string_view>

#include "runner/scenario/args.h"
#include "runner/scenario/runner.h"

namespace zabsim::runner::scenario {

std::span<const ScenarioRunner::Command> ScenarioRunner::Commands() {
  // The commands, in the order `zabsim` lists them, each with its synopsis and the
  // handler of its family. Faults and message rules may also follow `do` in `on`.
  static constexpr Command kCommands[] = {
      {"cluster",
       "cluster [voters=N] [observers=N] [clients=N] [seed=N] [workload=N] "
       "[KEY=VALUE]...",
       &ScenarioRunner::Cluster, false},
      {"show", "show CATEGORIES", &ScenarioRunner::Show, false},
      {"run",
       "run for=DURATION | run until=CONDITION [limit=DURATION] [on=SERVER] [already=ok]",
       &ScenarioRunner::Run, false},
      {"create",
       "create CLIENT PATH [DATA] [ephemeral] [nowait] [as=NAME]",
       &ScenarioRunner::ClientOp, false},
      {"set",
       "set CLIENT PATH DATA [version=N] [nowait] [as=NAME]",
       &ScenarioRunner::ClientOp, false},
      {"delete",
       "delete CLIENT PATH [version=N] [nowait] [as=NAME]",
       &ScenarioRunner::ClientOp, false},
      {"get", "get CLIENT PATH [nowait] [as=NAME]", &ScenarioRunner::ClientOp, false},
      {"exists", "exists CLIENT PATH [nowait] [as=NAME]", &ScenarioRunner::ClientOp, false},
      {"sync", "sync CLIENT PATH [nowait] [as=NAME]", &ScenarioRunner::ClientOp, false},
      {"crash", "crash SERVER", &ScenarioRunner::Fault, true},
      {"restart", "restart SERVER", &ScenarioRunner::Fault, true},
      {"role-restart", "role-restart SERVER", &ScenarioRunner::Fault, true},
      {"partition", "partition 1,2|3", &ScenarioRunner::Fault, true},
      {"oneway", "oneway 1,2>3", &ScenarioRunner::Fault, true},
      {"isolate", "isolate SERVER", &ScenarioRunner::Fault, true},
      {"heal", "heal", &ScenarioRunner::Fault, true},
      {"break", "break A B", &ScenarioRunner::Fault, true},
      {"delay", "delay A>B EXTRA FOR", &ScenarioRunner::Fault, true},
      {"hold", "hold A>B", &ScenarioRunner::Fault, true},
      {"release", "release A>B", &ScenarioRunner::Fault, true},
      {"clock-rate", "clock-rate SERVER FACTOR", &ScenarioRunner::Fault, true},
      {"clock-step", "clock-step SERVER [-]DURATION", &ScenarioRunner::Fault, true},
      {"disk-slow", "disk-slow SERVER FACTOR FOR", &ScenarioRunner::Fault, true},
      {"disk-error", "disk-error SERVER FOR [PREFIX,...]", &ScenarioRunner::Fault, true},
      {"stall", "stall SERVER THREAD[:N] [AFTER-STEP]", &ScenarioRunner::Fault, true},
      {"resume", "resume SERVER THREAD[:N]", &ScenarioRunner::Fault, true},
      {"loss", "loss PROBABILITY", &ScenarioRunner::Fault, true},
      {"torn", "torn PROBABILITY", &ScenarioRunner::Fault, true},
      {"channel", "channel tcp|unsafe", &ScenarioRunner::Fault, true},
      {"drop-next",
       "drop-next from=A to=B [type=TYPE] [zxid=ZXID] [count=N]",
       &ScenarioRunner::Rule, true},
      {"delay-next",
       "delay-next from=A to=B extra=DURATION [type=TYPE] [zxid=ZXID] [count=N]",
       &ScenarioRunner::Rule, true},
      {"hold-next",
       "hold-next from=A to=B [type=TYPE] [zxid=ZXID] [count=N]",
       &ScenarioRunner::Rule, true},
      {"swarm", "swarm for=DURATION [seed=N]", &ScenarioRunner::Swarm, false},
      {"step", "step EVENT (a pending event, named as zabsim explore names it)",
       &ScenarioRunner::StepEvent, false},
      {"state", "state [SERVER]...", &ScenarioRunner::State, false},
      {"log", "log SERVER", &ScenarioRunner::Log, false},
      {"tree", "tree SERVER", &ScenarioRunner::Tree, false},
      {"check", "check [liveness=DURATION]", &ScenarioRunner::Check, false},
      {"expect",
       "expect SERVER CHECK... | expect epoch=N leader=SERVER | expect NAME "
       "code=CODE|data=DATA",
       &ScenarioRunner::Expect, false},
      {"on",
       "on [every] SERVER EVENT do COMMAND, EVENT one of: sends TYPE [to SERVER] "
       "[zxid=ZXID], receives TYPE [from SERVER] [zxid=ZXID], "
       "writes|logs|commits|applies [ZXID], enters ROLE|PHASE; COMMAND a fault or a "
       "message rule",
       &ScenarioRunner::On, false},
  };
  return kCommands;
}

const ScenarioRunner::Command* ScenarioRunner::FindCommand(std::string_view name) {
  for (const Command& c : Commands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string_view ScenarioRunner::Usage(std::string_view name) {
  const Command* c = FindCommand(name);
  return c != nullptr ? c->usage : name;
}

std::string ScenarioRunner::CommandNames(bool triggerable_only) {
  std::string out;
  for (const Command& c : Commands()) {
    if (triggerable_only && !c.triggerable) continue;
    if (!out.empty()) out += ", ";
    out += c.name;
  }
  return out;
}

}  // namespace zabsim::runner::scenario

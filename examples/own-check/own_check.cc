// A check of one's own over ZAB runs: "at most N epochs are established in a run" (a
// stand-in for whatever property an embedder cares about). It runs next to zabsim's
// built-in checks, sees every event, and its verdict joins theirs.
//
//   own_check MAX_EPOCHS SEED   exit 0: every check held; 1: some check failed
//
// With faults that crash leaders, a small MAX_EPOCHS fires and a large one stays quiet.

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include <zabsim/runner/check.h>
#include <zabsim/runner/sim_run.h>

namespace runner = zabsim::runner;
namespace zab = zabsim::zab;

class FewEpochs final : public runner::Check {
 public:
  explicit FewEpochs(uint64_t max) : max_(max) {}
  std::string name() const override { return "few-epochs"; }
  void OnEvent(const runner::EventRecord& r) override {
    const auto* established = std::get_if<zab::LeaderEstablished>(&r.event);
    if (established == nullptr) return;
    ++epochs_;
    if (epochs_ == max_ + 1) {
      violations_.push_back(fmt::format("{:.3f} s: server {} established epoch {}, epoch number {} of the "
                                        "run; at most {} allowed",
                                        static_cast<double>(r.time.us) / 1e6, r.process,
                                        established->epoch.value, epochs_, max_));
    }
  }
  std::vector<std::string> violations() const override { return violations_; }

 private:
  uint64_t max_;
  uint64_t epochs_ = 0;
  std::vector<std::string> violations_;
};

int main(int argc, char** argv) {
  const uint64_t max = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1;
  const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1;
  runner::ClusterOptions options;
  options.seed = seed;
  options.zab.voters = 3;
  options.clients = 1;
  options.workload.ops = 20;
  runner::SimSpec spec;
  spec.options = options;
  spec.window = zabsim::sim::Duration::Seconds(10);
  spec.quiet = zabsim::sim::Duration::Seconds(20);
  // Crash whoever leads, twice: each crash costs an epoch.
  auto plan = zabsim::sim::FaultPlan::Parse("3s crash 3; 5s restart 3; 7s crash 2; 9s restart 2");
  if (!plan.ok()) return 2;
  spec.plan = *plan;
  auto run = runner::SimRun::Create(spec);
  if (!run.ok()) {
    fmt::print(stderr, "own_check: {}\n", run.status().ToString());
    return 2;
  }
  (*run)->AddCheck(std::make_unique<FewEpochs>(max));
  (*run)->Run();
  for (const runner::Verdict& v : (*run)->verdicts()) {
    fmt::print("{}: {}\n", v.check, v.violations.empty() ? "held" : "VIOLATED");
    for (const std::string& line : v.violations) fmt::print("  {}\n", line);
  }
  return (*run)->ok() ? 0 : 1;
}

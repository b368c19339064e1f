#include "runner/scenario/shrink.h"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "runner/scenario/parser.h"

namespace zabsim::runner::scenario {
namespace {

constexpr std::string_view kStory = R"(# A story.
cluster voters=3 clients=1 seed=4

create 1 /a v
crash 3

repeat 40 as=i {
  create 1 /b$i v
}
restart 3
run until=converged
check
)";

bool Has(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

TEST(ScenarioShrink, DropsEveryCommandTheFailureDoesNotNeed) {
  // "Fails" while the crash and the restart are there and the loop makes at least 5 nodes.
  const auto fails = [](std::string_view text) {
    const size_t at = text.find("repeat ");
    return Has(text, "crash 3") && Has(text, "restart 3") && at != std::string_view::npos &&
           std::stoi(std::string(text.substr(at + 7))) >= 5 && Has(text, "create 1 /b$i v");
  };
  ASSERT_TRUE(fails(kStory));
  const Shrunk s = ShrinkScenario(kStory, fails, 100);
  EXPECT_EQ(s.text, "# A story.\ncluster voters=3 clients=1 seed=4\n\ncrash 3\n\nrepeat 10 as=i {\n"
                    "  create 1 /b$i v\n}\nrestart 3\n");
  EXPECT_EQ(s.commands_before, 8u);  // cluster, create, crash, repeat, create, restart, run, check.
  EXPECT_EQ(s.commands_after, 5u);
  EXPECT_TRUE(fails(s.text));
  EXPECT_TRUE(Parse("shrunk.scn", s.text).ok());  // The block's braces are kept.
  EXPECT_LE(s.runs, 100u);
}

TEST(ScenarioShrink, KeepsAFileThatNeedsEveryCommand) {
  const auto fails = [](std::string_view text) { return text == kStory; };
  const Shrunk s = ShrinkScenario(kStory, fails, 100);
  EXPECT_EQ(s.text, kStory);
  EXPECT_EQ(s.commands_after, s.commands_before);
  EXPECT_GT(s.runs, 0u);
}

TEST(ScenarioShrink, KeepsTheClusterLineAndStopsAtItsBudget) {
  size_t calls = 0;
  const auto fails = [&](std::string_view text) {
    ++calls;
    return Has(text, "cluster ");
  };
  const Shrunk all = ShrinkScenario(kStory, fails, 100);
  EXPECT_EQ(all.text, "# A story.\ncluster voters=3 clients=1 seed=4\n\nrepeat 1 as=i {\n}\n");
  EXPECT_EQ(all.runs, calls);
  calls = 0;
  const Shrunk bounded = ShrinkScenario(kStory, fails, 2);
  EXPECT_EQ(bounded.runs, 2u);
  EXPECT_EQ(calls, 2u);
}

}  // namespace
}  // namespace zabsim::runner::scenario

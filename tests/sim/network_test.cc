#include "sim/network.h"

#include <gtest/gtest.h>

#include <vector>

namespace zabsim::sim {
namespace {

constexpr ProcessId P(uint32_t v) { return ProcessId{v}; }

TEST(Network, APartitionCutsExactlyTheLinksBetweenGroups) {
  Network net(NetworkConfig{}, 1, 4);
  net.SetPartition({{P(1), P(2)}, {P(3)}});  // 4 is unlisted: it keeps every link.
  EXPECT_FALSE(net.Blocked(P(1), P(2)));
  EXPECT_TRUE(net.Blocked(P(1), P(3)));
  EXPECT_TRUE(net.Blocked(P(3), P(1)));
  EXPECT_FALSE(net.Blocked(P(4), P(1)));
  EXPECT_FALSE(net.Blocked(P(3), P(4)));
  net.Heal();
  EXPECT_EQ(net.DescribeCuts(), "none");
}

TEST(Network, ANewPartitionReplacesTheOldOne) {
  Network net(NetworkConfig{}, 1, 3);
  net.SetPartition({{P(1)}, {P(2), P(3)}});
  net.SetPartition({{P(1), P(2)}, {P(3)}});
  EXPECT_FALSE(net.Blocked(P(1), P(2)));
  EXPECT_TRUE(net.Blocked(P(2), P(3)));
}

TEST(Network, OneWayCutsLeaveTheReverseDirectionOpen) {
  Network net(NetworkConfig{}, 1, 3);
  net.Block(P(1), P(3));
  EXPECT_TRUE(net.Blocked(P(1), P(3)));
  EXPECT_FALSE(net.Blocked(P(3), P(1)));
  EXPECT_EQ(net.DescribeCuts(), "1->3");
}

TEST(Network, EachLinkDrawsFromItsOwnStream) {
  NetworkConfig config;
  config.latency = Distribution::Uniform(Duration::Micros(1), Duration::Micros(1000000));
  Network quiet(config, 5, 3);
  std::vector<int64_t> alone;
  for (int i = 0; i < 10; ++i) alone.push_back(quiet.Latency(P(2), P(3), Time::Zero()).us);

  Network busy(config, 5, 3);
  for (int i = 0; i < 10; ++i) {
    busy.Latency(P(1), P(2), Time::Zero());  // Traffic on another link...
    busy.DrawLoss(P(2), P(3));               // ...and loss draws on this one...
    EXPECT_EQ(busy.Latency(P(2), P(3), Time::Zero()).us, alone[i]);  // ...shift nothing.
  }
}

TEST(Network, DelaySpikesApplyUntilTheyEnd) {
  NetworkConfig config;
  config.latency = Distribution::Fixed(Duration::Millis(1));
  Network net(config, 1, 2);
  net.AddDelay(P(1), P(2), Duration::Millis(50), Time{1000000});
  EXPECT_EQ(net.Latency(P(1), P(2), Time{0}).us, 51000);
  EXPECT_EQ(net.Latency(P(2), P(1), Time{0}).us, 1000);
  EXPECT_EQ(net.Latency(P(1), P(2), Time{1000000}).us, 1000);
}

TEST(Network, RulesMatchSenderReceiverAndTagAndAreUsedUp) {
  Network net(NetworkConfig{}, 1, 3);
  net.AddRule(MessageRule{MessageRule::Action::kDrop, P(1), P(2), "PROPOSAL", 2, {}});
  EXPECT_FALSE(net.TakeRule(P(1), P(2), "ACK").has_value());
  EXPECT_FALSE(net.TakeRule(P(1), P(3), "PROPOSAL").has_value());
  EXPECT_TRUE(net.TakeRule(P(1), P(2), "PROPOSAL").has_value());
  EXPECT_TRUE(net.TakeRule(P(1), P(2), "PROPOSAL").has_value());
  EXPECT_FALSE(net.TakeRule(P(1), P(2), "PROPOSAL").has_value());
}

TEST(Network, ARuleWithAKeyMatchesOnlyThatKey) {
  Network net(NetworkConfig{}, 1, 3);
  net.AddRule(MessageRule{MessageRule::Action::kHold, P(1), P(2), "COMMIT", 1, {}, 7});
  EXPECT_FALSE(net.TakeRule(P(1), P(2), "COMMIT", 6).has_value());
  EXPECT_FALSE(net.TakeRule(P(1), P(2), "COMMIT").has_value());  // A message with no key.
  EXPECT_TRUE(net.TakeRule(P(1), P(2), "COMMIT", 7).has_value());
  EXPECT_FALSE(net.TakeRule(P(1), P(2), "COMMIT", 7).has_value());  // Used up.
  // A rule without a key matches whatever key a message has.
  net.AddRule(MessageRule{MessageRule::Action::kDrop, P(1), P(2), "COMMIT", 1, {}});
  EXPECT_TRUE(net.TakeRule(P(1), P(2), "COMMIT", 6).has_value());
}

}  // namespace
}  // namespace zabsim::sim

// The quorum proxy of conformance runs (conform/quorum_proxy.h) and the wire formats it
// reads (conform/quorum_wire.h), against fake servers on loopback: no ZooKeeper needed.

#include "conform/quorum_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include <fmt/format.h>

#include "conform/process.h"
#include "conform/quorum_wire.h"
#include "gtest/gtest.h"

namespace zabsim::conform {
namespace {

// ---- building ZooKeeper's messages ------------------------------------------------------

void PutInt(std::string& out, int32_t v) {
  for (int i = 3; i >= 0; --i) out += static_cast<char>((static_cast<uint32_t>(v) >> (8 * i)) & 0xff);
}
void PutLong(std::string& out, int64_t v) {
  for (int i = 7; i >= 0; --i) out += static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff);
}

// Packet is a jute QuorumPacket: type, zxid, data, authinfo.
std::string Packet(int32_t type, uint64_t zxid, std::string_view data = "", bool null_data = true) {
  std::string out;
  PutInt(out, type);
  PutLong(out, static_cast<int64_t>(zxid));
  if (data.empty() && null_data) {
    PutInt(out, -1);
  } else {
    PutInt(out, static_cast<int32_t>(data.size()));
    out += data;
  }
  PutInt(out, -1);  // No authinfo.
  return out;
}

constexpr int32_t kProposal = 2, kAck = 3, kCommit = 4, kPing = 5, kNewLeader = 10, kUpToDate = 12, kSnap = 15;

std::string InitialMessage(int64_t sid, std::string_view addr) {
  std::string out;
  PutLong(out, -65536);
  PutLong(out, sid);
  PutInt(out, static_cast<int32_t>(addr.size()));
  out += addr;
  return out;
}

std::string Notification() {
  std::string body(44, '\0');
  std::string out;
  PutInt(out, static_cast<int32_t>(body.size()));
  return out + body;
}

// ---- the wire decoder -------------------------------------------------------------------

TEST(QuorumWire, SplitsQuorumPacketsAndNamesThem) {
  const std::string a = Packet(kProposal, 0x100000002, "create /a");
  const std::string b = Packet(kCommit, 0x100000002);
  const std::string stream = a + b;
  WireDecoder d(ConnKind::kQuorum, false);
  auto first = d.Next(stream);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->size, a.size());
  EXPECT_EQ((*first)->type, "PROPOSAL");
  EXPECT_EQ((*first)->zxid, 0x100000002u);
  auto second = d.Next(std::string_view(stream).substr(a.size()));
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->type, "COMMIT");
  // Every proper prefix of a packet is incomplete, not an error.
  for (size_t n = 0; n < a.size(); ++n) {
    auto part = d.Next(std::string_view(a).substr(0, n));
    ASSERT_TRUE(part.ok());
    EXPECT_FALSE(part->has_value()) << n;
  }
}

TEST(QuorumWire, TakesASnapshotAndItsSignatureAsTheSnapsFrame) {
  std::string snapshot = Packet(kSnap, 0x100000003);
  snapshot += std::string("\0\0\0\x05sessions-and-tree", 21);
  PutInt(snapshot, 10);
  snapshot += "BenWasHere";
  const std::string after = Packet(kNewLeader, 0x200000000);
  WireDecoder d(ConnKind::kQuorum, false);
  EXPECT_FALSE(d.Next(std::string_view(snapshot).substr(0, snapshot.size() - 1))->has_value());
  auto f = d.Next(snapshot + after);
  ASSERT_TRUE(f.ok() && f->has_value());
  EXPECT_EQ((*f)->type, "SNAP");
  EXPECT_EQ((*f)->size, snapshot.size());
}

TEST(QuorumWire, ReadsTheElectionInitialMessageThenNotifications) {
  const std::string init = InitialMessage(1, "127.0.0.1:3888");
  const std::string vote = Notification();
  WireDecoder connector(ConnKind::kElection, true);
  auto f = connector.Next(init + vote);
  ASSERT_TRUE(f.ok() && f->has_value());
  EXPECT_EQ((*f)->size, init.size());
  EXPECT_EQ((*f)->type, "");  // A connection request, not a message.
  f = connector.Next(vote);
  ASSERT_TRUE(f.ok() && f->has_value());
  EXPECT_EQ((*f)->type, "NOTIFICATION");
  EXPECT_EQ((*f)->size, vote.size());
  // The accepting side sends no initial message.
  WireDecoder acceptor(ConnKind::kElection, false);
  f = acceptor.Next(vote);
  ASSERT_TRUE(f.ok() && f->has_value());
  EXPECT_EQ((*f)->type, "NOTIFICATION");
}

TEST(QuorumWire, RefusesWhatCannotBeZooKeepers) {
  std::string bad;
  PutInt(bad, kAck);
  PutLong(bad, 1);
  PutInt(bad, -7);  // A data length below -1.
  PutInt(bad, -1);
  WireDecoder d(ConnKind::kQuorum, false);
  EXPECT_FALSE(d.Next(bad).ok());
  std::string huge;
  PutInt(huge, 1 << 30);
  WireDecoder e(ConnKind::kElection, false);
  EXPECT_FALSE(e.Next(huge).ok());
  EXPECT_EQ(QuorumPacketTypeName(17), "LEADERINFO");
  EXPECT_EQ(QuorumPacketTypeName(99), "TYPE-99");
}

// ---- the proxy, between fake servers ----------------------------------------------------

int Listen(int& port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(listen(fd, 8), 0);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}

int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

// Read reads what arrives within `ms` (less if `want` bytes came); "EOF" appended when
// the peer closed the connection.
std::string Read(int fd, int64_t ms, size_t want = SIZE_MAX) {
  std::string out;
  const int64_t deadline = NowMs() + ms;
  while (out.size() < want) {
    const int64_t left = deadline - NowMs();
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) break;
    char buf[4096];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      out += "EOF";
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

void Send(int fd, const std::string& bytes) { ASSERT_EQ(send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size())); }

// Pair: server 1 (a learner) connected through the proxy to server 2's quorum port (its
// leader), or to its election port.
class ProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    quorum_ = Listen(quorum_port_);
    election_ = Listen(election_port_);
    proxy_ = std::make_unique<QuorumProxy>(2, [this](uint32_t sid, ConnKind kind) {
      return sid == 2 ? (kind == ConnKind::kQuorum ? quorum_port_ : election_port_) : 1;
    });
    ASSERT_TRUE(proxy_->Start().ok());
  }
  void TearDown() override {
    proxy_->Stop();
    close(quorum_);
    close(election_);
  }
  // Join connects server 1 to server 2's port of `kind` through the proxy: {1's end, 2's end}.
  std::pair<int, int> Join(ConnKind kind) {
    const int learner = Connect(proxy_->Port(1, 2, kind));
    pollfd p{kind == ConnKind::kQuorum ? quorum_ : election_, POLLIN, 0};
    EXPECT_EQ(poll(&p, 1, 10000), 1);
    const int leader = accept(p.fd, nullptr, nullptr);
    return {learner, leader};
  }

  int quorum_ = -1, election_ = -1;
  int quorum_port_ = 0, election_port_ = 0;
  std::unique_ptr<QuorumProxy> proxy_;
};

TEST_F(ProxyTest, ForwardsEveryMessageUnchangedBothWays) {
  auto [learner, leader] = Join(ConnKind::kQuorum);
  const std::string up = Packet(kAck, 0x100000001) + Packet(kPing, 0x100000001, "sessions");
  const std::string down = Packet(kProposal, 0x100000002, "txn") + Packet(kCommit, 0x100000002);
  Send(learner, up);
  Send(leader, down);
  EXPECT_EQ(Read(leader, 10000, up.size()), up);
  EXPECT_EQ(Read(learner, 10000, down.size()), down);
  EXPECT_EQ(proxy_->Forwarded(1, 2, "ACK"), 1u);
  EXPECT_EQ(proxy_->Forwarded(2, 1, "COMMIT"), 1u);
  EXPECT_EQ(proxy_->Redirects(1), fmt::format("{}={},{}={}", quorum_port_, proxy_->Port(1, 2, ConnKind::kQuorum),
                                              election_port_, proxy_->Port(1, 2, ConnKind::kElection)));
  close(learner);
  close(leader);
}

TEST_F(ProxyTest, HoldNextParksTheMessageAndWhatFollowsUntilRelease) {
  auto [learner, leader] = Join(ConnKind::kQuorum);
  proxy_->AddRule({ProxyRule::Action::kHold, 2, 1, "NEWLEADER"});
  const std::string before = Packet(kProposal, 0x100000002, "txn");
  const std::string held = Packet(kNewLeader, 0x200000000) + Packet(kUpToDate, 0);
  Send(leader, before + held);
  EXPECT_EQ(Read(learner, 10000, before.size()), before);
  EXPECT_EQ(Read(learner, 200), "");  // Parked: nothing more arrives.
  // The other direction is another link: it flows.
  Send(learner, Packet(kAck, 0x100000002));
  EXPECT_EQ(Read(leader, 10000, 20), Packet(kAck, 0x100000002));
  proxy_->Release(2, 1);
  EXPECT_EQ(Read(learner, 10000, held.size()), held);
  const auto events = proxy_->TakeEvents();
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[0], "2->1 NEWLEADER 0x200000000 held (rule)");
  close(learner);
  close(leader);
}

TEST_F(ProxyTest, ARuleMatchesItsZxidAndItsCountOnly) {
  auto [learner, leader] = Join(ConnKind::kQuorum);
  proxy_->AddRule({ProxyRule::Action::kHold, 2, 1, "COMMIT", 0x100000003});
  const std::string pass = Packet(kCommit, 0x100000002) + Packet(kPing, 0x100000002);
  Send(leader, pass);
  EXPECT_EQ(Read(learner, 10000, pass.size()), pass);
  Send(leader, Packet(kCommit, 0x100000003));
  EXPECT_EQ(Read(learner, 200), "");
  proxy_->Release(2, 1);
  EXPECT_EQ(Read(learner, 10000, 20), Packet(kCommit, 0x100000003));
  // Its count used, the rule holds nothing more.
  Send(leader, Packet(kCommit, 0x100000003));
  EXPECT_EQ(Read(learner, 10000, 20), Packet(kCommit, 0x100000003));
  close(learner);
  close(leader);
}

TEST_F(ProxyTest, ADroppedMessageBreaksItsConnection) {
  auto [learner, leader] = Join(ConnKind::kQuorum);
  proxy_->AddRule({ProxyRule::Action::kDrop, 1, 2, "ACK"});
  Send(learner, Packet(kPing, 1) + Packet(kAck, 0x100000002) + Packet(kPing, 2));
  EXPECT_EQ(Read(leader, 10000), Packet(kPing, 1) + "EOF");
  EXPECT_EQ(Read(learner, 10000), "EOF");
  close(learner);
  close(leader);
}

TEST_F(ProxyTest, ACutLinkBreaksConnectionsThatSendAcrossItAndBlackHolesNewOnes) {
  auto [learner, leader] = Join(ConnKind::kQuorum);
  proxy_->Cut(2, 1);
  Send(learner, Packet(kPing, 1));  // 1>2 is not cut.
  EXPECT_EQ(Read(leader, 10000, 20), Packet(kPing, 1));
  Send(leader, Packet(kPing, 1));
  EXPECT_EQ(Read(learner, 10000), "EOF");
  close(learner);
  close(leader);
  // A connection across the cut reaches nobody, and stays open, as SYNs lost in a
  // partition leave a connect waiting; `heal` breaks it.
  const int blocked = Connect(proxy_->Port(1, 2, ConnKind::kQuorum));
  Send(blocked, Packet(kPing, 3));
  EXPECT_EQ(Read(blocked, 200), "");
  pollfd p{quorum_, POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 200), 0);  // Server 2 was never connected to.
  proxy_->Heal();
  EXPECT_EQ(Read(blocked, 10000), "EOF");
  close(blocked);
  auto [again, accepted] = Join(ConnKind::kQuorum);
  Send(accepted, Packet(kPing, 2));
  EXPECT_EQ(Read(again, 10000, 20), Packet(kPing, 2));
  close(again);
  close(accepted);
}

TEST_F(ProxyTest, DelayNextHoldsBackTheMessageAndWhatFollowsOnItsConnection) {
  auto [learner, leader] = Join(ConnKind::kQuorum);
  proxy_->AddRule({ProxyRule::Action::kDelay, 2, 1, "PROPOSAL", std::nullopt, 1, 400});
  const std::string both = Packet(kProposal, 0x100000002, "txn") + Packet(kCommit, 0x100000002);
  const int64_t start = NowMs();
  Send(leader, both);
  EXPECT_EQ(Read(learner, 10000, both.size()), both);
  EXPECT_GE(NowMs() - start, 400);  // Never earlier than the delay (a lower bound only).
  close(learner);
  close(leader);
}

TEST_F(ProxyTest, BreakClosesTheConnectionsBetweenTwoServers) {
  auto [learner, leader] = Join(ConnKind::kElection);
  Send(learner, InitialMessage(1, "127.0.0.1:1") + Notification());
  EXPECT_EQ(Read(leader, 10000, 20 + 11 + 48).size(), 20u + 11 + 48);
  proxy_->Break(2, 1);
  EXPECT_EQ(Read(learner, 10000), "EOF");
  EXPECT_EQ(Read(leader, 10000), "EOF");
  close(learner);
  close(leader);
}

TEST_F(ProxyTest, HoldOfALinkParksVotesAndANewConnectionsFirstBytes) {
  proxy_->Hold(1, 2);
  auto [learner, leader] = Join(ConnKind::kElection);
  const std::string hello = InitialMessage(1, "127.0.0.1:1") + Notification();
  Send(learner, hello);
  EXPECT_EQ(Read(leader, 200), "");
  proxy_->Release(1, 2);
  EXPECT_EQ(Read(leader, 10000, hello.size()), hello);
  close(learner);
  close(leader);
}

TEST_F(ProxyTest, WhenOneEndClosesWhatWaitedIsLostAndTheOtherEndCloses) {
  auto [learner, leader] = Join(ConnKind::kQuorum);
  proxy_->Hold(2, 1);
  Send(leader, Packet(kCommit, 0x100000002));
  EXPECT_EQ(Read(learner, 200), "");
  close(leader);  // The leader crashed with a COMMIT parked.
  EXPECT_EQ(Read(learner, 10000), "EOF");
  close(learner);
}

}  // namespace
}  // namespace zabsim::conform

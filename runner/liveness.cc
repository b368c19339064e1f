#include "runner/liveness.h"

#include <vector>

#include <fmt/format.h>

namespace zabsim::runner {
namespace {

// WhyNotOwed says why the ensemble owes no progress now, or "" if it does.
std::string WhyNotOwed(Cluster& cluster) {
  World& world = cluster.world();
  const sim::Network& net = world.network();
  std::vector<std::string> why;
  if (const std::string cuts = net.DescribeCuts(); cuts != "none") why.push_back("links cut: " + cuts);
  for (uint32_t a = 1; a <= cluster.servers(); ++a) {
    for (uint32_t b = 1; b <= cluster.servers(); ++b) {
      if (net.Held(sim::ProcessId{a}, sim::ProcessId{b})) why.push_back(fmt::format("link {}>{} held", a, b));
    }
  }
  if (!net.config().loss.IsZero()) why.push_back("random loss is on");
  if (net.config().channel != sim::ChannelMode::kTcp) why.push_back("the channel is not TCP");
  const zab::Config& zab = cluster.options().zab;
  uint32_t up = 0;
  for (uint32_t sid = 1; sid <= zab.voters; ++sid) up += world.IsUp(sim::ProcessId{sid}) ? 1 : 0;
  if (up < zab.QuorumSize()) {
    why.push_back(fmt::format("{} of {} voters up, fewer than a quorum of {}", up, zab.voters, zab.QuorumSize()));
  }
  std::string out;
  for (const std::string& w : why) {
    if (!out.empty()) out += "; ";
    out += w;
  }
  return out;
}

// Doing says what one server is doing, and so what it waits for.
std::string Doing(Cluster& cluster, uint32_t sid) {
  const zab::Peer* p = cluster.peer(sid);
  if (p == nullptr) return fmt::format("server {}: down", sid);
  const std::string head = fmt::format("server {}: {} {}", sid, zab::ToString(p->state()), zab::ToString(p->phase()));
  const std::string tree = zab::ToString(p->db().last_processed());
  const uint32_t leader = p->leader().value;
  switch (p->state()) {
    case zab::ServerState::kLooking: {
      const zab::Election& e = p->election();
      return fmt::format("{}, voting for {} (zxid {}, epoch {}, round {}): no quorum agrees yet", head,
                         e.proposed_leader().value, zab::ToString(e.proposed_zxid()),
                         e.proposed_epoch().value, e.logical_clock());
    }
    case zab::ServerState::kLeading:
      switch (p->phase()) {
        case zab::ZabPhase::kDiscovery:
          return head + ": waits for a quorum of FOLLOWERINFO, then of ACKEPOCH";
        case zab::ZabPhase::kSynchronization:
          return head + ": waits for a quorum of ACKs of NEWLEADER";
        default:
          return fmt::format("{}: established, tree at {}", head, tree);
      }
    default:  // Following or observing.
      switch (p->phase()) {
        case zab::ZabPhase::kElection:
        case zab::ZabPhase::kDiscovery:
          return fmt::format("{} under {}: waits for LEADERINFO", head, leader);
        case zab::ZabPhase::kSynchronization:
          return fmt::format("{} under {}: waits for the sync (NEWLEADER, UPTODATE)", head, leader);
        default:
          return fmt::format("{} under {}: serving, tree at {}", head, leader, tree);
      }
  }
}

// Stall names the servers stuck on an acceptedEpoch above the established leader's
// epoch, or "" if none is (and so the violation is something else).
std::string Stall(Cluster& cluster) {
  const zab::Peer* leader = nullptr;
  for (uint32_t sid = 1; sid <= cluster.servers(); ++sid) {
    const zab::Peer* p = cluster.peer(sid);
    if (p != nullptr && p->leader_role() != nullptr && p->leader_role()->running()) leader = p;
  }
  if (leader == nullptr) return "";
  const zab::Epoch epoch = leader->leader_role()->epoch();
  std::string out;
  for (uint32_t sid = 1; sid <= cluster.servers(); ++sid) {
    const zab::Peer* p = cluster.peer(sid);
    if (p == nullptr || p == leader || p->accepted_epoch() <= epoch) continue;
    if (!out.empty()) out += "; ";
    out += fmt::format("server {} has accepted epoch {}, above leader {}'s epoch {}, and refuses it",
                       sid, p->accepted_epoch().value, leader->self().value, epoch.value);
  }
  return out;
}

}  // namespace

LivenessVerdict CheckLiveness(Cluster& cluster, sim::Duration bound, sim::Time limit) {
  World& world = cluster.world();
  LivenessVerdict v;
  v.from = world.now();
  if (const std::string why = WhyNotOwed(cluster); !why.empty()) {
    v.detail = why;
    return v;
  }
  const sim::Time deadline = v.from + bound;
  if (deadline > limit) {
    v.detail = fmt::format("the run ends {} after the faults, before the bound",
                           sim::FormatDuration(limit - v.from));
    return v;
  }
  if (world.RunUntilTrue([&cluster] { return cluster.Converged(); }, deadline)) {
    v.kind = LivenessVerdict::Kind::kHeld;
    v.took = world.now() - v.from;
    return v;
  }
  if (world.stopped()) {
    v.detail = "the world stopped the run";
    return v;
  }
  v.kind = LivenessVerdict::Kind::kViolated;
  for (uint32_t sid = 1; sid <= cluster.servers(); ++sid) {
    if (sid > 1) v.detail += '\n';
    v.detail += Doing(cluster, sid);
  }
  v.stall = Stall(cluster);
  return v;
}

std::string Describe(const LivenessVerdict& v, sim::Duration bound) {
  switch (v.kind) {
    case LivenessVerdict::Kind::kNotChecked:
      return fmt::format("liveness: not checked ({})", v.detail);
    case LivenessVerdict::Kind::kHeld:
      return fmt::format("liveness: ok (converged {:.3f}s after the faults ended at {}s; bound {})",
                         static_cast<double>(v.took.us) / 1e6, sim::FormatTime(v.from),
                         sim::FormatDuration(bound));
    case LivenessVerdict::Kind::kViolated:
      break;
  }
  if (!v.stall.empty()) {
    return fmt::format("liveness: VIOLATED ({}: {}, as ZooKeeper does; no converged ensemble {} "
                       "after the faults ended at {}s)",
                       kAcceptedEpochStall, v.stall, sim::FormatDuration(bound), sim::FormatTime(v.from));
  }
  return fmt::format("liveness: VIOLATED (no converged ensemble {} after the faults ended at {}s)",
                     sim::FormatDuration(bound), sim::FormatTime(v.from));
}

}  // namespace zabsim::runner

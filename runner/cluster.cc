#include "runner/cluster.h"

#include <fmt/format.h>

namespace zabsim::runner {

sim::WorldConfig DefaultWorld() {
  sim::WorldConfig world;
  world.net.connect_timeout = sim::Duration::Seconds(5);
  return world;
}

absl::StatusOr<std::unique_ptr<Cluster>> Cluster::Create(const ClusterOptions& options) {
  if (absl::Status s = options.zab.Validate(); !s.ok()) return s;
  auto cluster = std::unique_ptr<Cluster>(new Cluster(options));
  Cluster* c = cluster.get();
  sim::WorldConfig world = options.world;
  world.seed = options.seed;
  world.processes = options.zab.servers() + options.clients;
  c->sink_ = [c](uint32_t process, const zab::Event& event) {
    const EventRecord record{c->world_->now(), process, event};
    for (const auto& listener : c->listeners_) listener(record);
  };
  const zab::Config zab = options.zab;
  auto created = World::Create(world, [c, zab](const sim::ProcessEnv& env)
                                          -> std::unique_ptr<sim::Process<zab::Message>> {
    if (env.id.value <= zab.servers()) {
      return std::make_unique<ServerProcess>(env, zab, &c->sink_, &c->coverage_);
    }
    zab::ClientOptions client;
    const uint32_t index = env.id.value - zab.servers() - 1;
    if (index < c->options_.client_homes.size() && !c->options_.client_homes[index].empty()) {
      for (const uint32_t sid : c->options_.client_homes[index]) {
        client.servers.push_back(zab::PeerId{sid});
      }
    } else {
      for (uint32_t sid = 1; sid <= zab.servers(); ++sid) client.servers.push_back(zab::PeerId{sid});
    }
    client.session = env.id.value;
    client.op_timeout_ms = c->options_.client_op_timeout_ms;
    client.seed = sim::Rng::StreamSeed(env.seed, fmt::format("client/{}", env.id.value));
    return std::make_unique<ClientProcess>(env, client, c->options_.workload, &c->sink_);
  });
  if (!created.ok()) return created.status();
  c->world_ = *std::move(created);
  return cluster;
}

// peer and client are asked after every event by the waits of a scenario (`run
// until=converged`, a client operation waiting for its answer), so they cast statically:
// Create's factory makes processes 1..servers() ServerProcesses and the others
// ClientProcesses, and a dynamic_cast cost more than the check it stood for.
const zab::Peer* Cluster::peer(uint32_t sid) {
  if (sid < 1 || sid > servers()) return nullptr;  // Not a server: as the dynamic_cast said.
  auto* p = static_cast<ServerProcess*>(world_->process(sim::ProcessId{sid}));
  return p == nullptr ? nullptr : &p->peer();
}

ClientProcess* Cluster::client(uint32_t index) {
  return static_cast<ClientProcess*>(world_->process(sim::ProcessId{ClientProcessId(index)}));
}

void Cluster::AddListener(std::function<void(const EventRecord&)> listener) {
  listeners_.push_back(std::move(listener));
}

std::optional<uint32_t> Cluster::EstablishedLeader() {
  std::optional<uint32_t> best;
  uint32_t best_epoch = 0;
  for (uint32_t sid = 1; sid <= servers(); ++sid) {
    const zab::Peer* p = peer(sid);
    if (p == nullptr || p->leader_role() == nullptr || !p->leader_role()->running()) continue;
    const uint32_t epoch = p->leader_role()->epoch().value;
    if (!best || epoch > best_epoch) {
      best = sid;
      best_epoch = epoch;
    }
  }
  return best;
}

bool Cluster::WorkloadDone() {
  for (uint32_t i = 0; i < clients(); ++i) {
    const ClientProcess* c = client(i);
    if (c != nullptr && !c->done()) return false;
  }
  return true;
}

bool Cluster::Converged() {
  // One established leader, every other live server serving under it, and every tree
  // equal to the leader's.
  const std::optional<uint32_t> leader = EstablishedLeader();
  if (!leader) return false;
  const uint64_t digest = peer(*leader)->db().tree().digest();
  for (uint32_t sid = 1; sid <= servers(); ++sid) {
    const zab::Peer* p = peer(sid);
    if (p == nullptr || sid == *leader) continue;
    if (!p->serving() || p->leader().value != *leader || p->db().tree().digest() != digest) {
      return false;
    }
  }
  return true;
}

}  // namespace zabsim::runner

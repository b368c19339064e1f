#include "conform/sim_side.h"

#include <deque>
#include <map>
#include <set>
#include <variant>

#include "conform/settle.h"
#include "runner/cluster.h"
#include "runner/scenario/runner.h"
#include "zab/events.h"
#include "zab/peer.h"

namespace zabsim::conform {
namespace {

// Mode names a server's role as `srvr` does (leader, follower), lower-cased to the role.
std::string_view Mode(const zab::Peer* p) {
  if (p == nullptr) return "down";
  if (!p->serving()) return "looking";
  switch (p->state()) {
    case zab::ServerState::kLeading:
      return "leading";
    case zab::ServerState::kFollowing:
      return "following";
    case zab::ServerState::kObserving:
      return "observing";
    default:
      return "looking";
  }
}

std::string ClientResult(const Step& s, const zab::ClientCompleted* c) {
  if (c == nullptr) return "no answer";
  if (c->indeterminate) return "CONNECTIONLOSS";
  if (c->code != zab::Code::kOk) return std::string(zab::ToString(c->code));
  if (s.op == "get") return fmt::format("OK {}", c->data);
  if (s.op == "exists") return c->exists ? "OK" : "NONODE";
  return fmt::format("OK {}", zab::ToString(c->zxid));
}

// LateResult: the answer to a write sent without waiting, as the real side can read it:
// the CLI prints no zxid, and a `stat` after the answer may find the node changed or gone.
std::string LateResult(const zab::ClientCompleted* c) {
  if (c->indeterminate) return "CONNECTIONLOSS";
  if (c->code != zab::Code::kOk) return std::string(zab::ToString(c->code));
  return "OK";
}

// How long zabsim's side lets in-flight txns land before a `state` (conform/settle.h):
// a COMMIT takes a network hop and an apply, well under a second.
constexpr sim::Duration kSettleBound = sim::Duration::Seconds(2);

// Servers: every server's mode and last zxid, as `srvr` gives them, by sid.
std::vector<Srvr> Servers(runner::Cluster& cluster) {
  std::vector<Srvr> out(cluster.servers() + 1);
  for (uint32_t sid = 1; sid <= cluster.servers(); ++sid) {
    const zab::Peer* p = cluster.peer(sid);
    out[sid].mode = Mode(p);
    if (p != nullptr && p->serving()) out[sid].zxid = zab::ToString(p->db().last_processed());
  }
  return out;
}

// Settle runs the world until what is in flight has landed (conform/settle.h), at most
// kSettleBound; the real side waits for the same before its `srvr`.
void Settle(runner::Cluster& cluster) {
  cluster.world().RunUntilTrue([&cluster] { return Landed(Servers(cluster)); },
                               cluster.world().now() + kSettleBound);
}

void ObserveServers(runner::Cluster& cluster, const std::vector<uint32_t>& sids, Observer& obs) {
  for (const uint32_t sid : sids) {
    const zab::Peer* p = cluster.peer(sid);
    const std::string_view mode = Mode(p);
    const bool serving = p != nullptr && p->serving();
    obs.Server(sid, mode, serving ? zab::ToString(p->db().last_processed()) : "");
  }
}

}  // namespace

absl::StatusOr<SimSide> RunSimSide(const runner::scenario::ScenarioFile& file, const Plan& plan,
                                   const zab::ReleaseChoice& release) {
  runner::scenario::ScenarioRunner runner(file, release);
  Observer obs;
  std::vector<SyncRecord> syncs;
  std::vector<runner::EventRecord> completions;
  std::set<uint32_t> established;  // Servers leading an established epoch.
  SimSide result;
  // Proposals of the step being run: (session, is createSession), in zxid order.
  std::vector<std::pair<uint64_t, bool>> proposals;
  std::vector<uint32_t> all;
  for (uint32_t sid = 1; sid <= plan.ensemble.voters; ++sid) all.push_back(sid);
  // Writes sent without waiting, per client process, oldest first: a client's answers come
  // in the order of its operations, so its next completion is the oldest one's.
  std::map<uint32_t, std::deque<size_t>> unanswered;
  std::vector<std::string> late(plan.steps.size(), "no answer");  // Per step: its answer.
  for (size_t index = 0; index < plan.steps.size(); ++index) {
    const Step& s = plan.steps[index];
    completions.clear();
    proposals.clear();
    const int64_t start_us = runner.cluster() != nullptr ? runner.cluster()->world().now().us : 0;
    auto out = runner.Execute(*s.directive);
    if (!out.ok()) return out.status();
    runner::Cluster& cluster = *runner.cluster();
    result.facts.instant.push_back(cluster.world().now().us == start_us);
    result.facts.vote.emplace_back();
    if (const zab::Peer* p = s.kind == StepKind::kRestart ? cluster.peer(s.server) : nullptr) {
      result.facts.vote.back() = Vote{p->current_epoch().value, p->db().last_logged().value, s.server};
    }
    if (s.kind == StepKind::kState) Settle(cluster);
    if (s.kind == StepKind::kCluster) {
      cluster.AddListener([&syncs, &completions, &established, &proposals](const runner::EventRecord& r) {
        if (const auto* p = std::get_if<zab::Proposed>(&r.event)) {
          proposals.emplace_back(p->session, p->op == zab::OpType::kCreateSession);
        }
        if (const auto* e = std::get_if<zab::SyncChosen>(&r.event)) {
          syncs.push_back(SyncRecord{e->learner.value, std::string(zab::ToString(e->mode)),
                                     established.contains(r.process), e->peer_last_zxid.value,
                                     e->mode == zab::SyncMode::kDiff && e->txns == 0 &&
                                         e->zxid == e->peer_last_zxid,
                                     e->zxid.value});
        } else if (std::holds_alternative<zab::LeaderEstablished>(r.event)) {
          established.insert(r.process);
        } else if (const auto* st = std::get_if<zab::StateChanged>(&r.event)) {
          if (st->state != zab::ServerState::kLeading) established.erase(r.process);
        } else if (std::holds_alternative<zab::ClientCompleted>(r.event)) {
          completions.push_back(r);
        }
      });
    }
    obs.Step(s.directive->line, Describe(s));
    // Sessions opened in this step, before or after the step's own write (a client's
    // session id is its process id, docs/scenarios.md).
    const uint64_t own = s.kind == StepKind::kClientOp ? cluster.ClientProcessId(s.client - 1) : 0;
    bool own_seen = false;
    result.sessions.before.emplace_back();
    result.sessions.after.emplace_back();
    for (const auto& [session, create_session] : proposals) {
      if (!create_session) {
        own_seen = own_seen || session == own;
        continue;
      }
      const auto client = static_cast<uint32_t>(session - cluster.servers());
      (own_seen ? result.sessions.after : result.sessions.before).back().push_back(client);
    }
    switch (s.kind) {
      case StepKind::kRunLeader:
      case StepKind::kRunEpoch:
      case StepKind::kRunConverged: {
        const std::optional<uint32_t> leader = cluster.EstablishedLeader();
        const zab::Peer* p = leader ? cluster.peer(*leader) : nullptr;
        obs.Leader(leader.value_or(0), p != nullptr ? p->current_epoch().value : 0);
        obs.Add("time to this state", fmt::format("{} ms simulated", (cluster.world().now().us - start_us) / 1000),
                Compare::kNever);
        // Which learner synced by what is decided, but when the decisions are made is
        // not: they are reported once the ensemble has converged, and at the end.
        if (s.kind == StepKind::kRunConverged) {
          obs.Syncs(syncs, plan.ensemble.voters);
          syncs.clear();
        }
        break;
      }
      case StepKind::kClientOp: {
        const uint32_t process = cluster.ClientProcessId(s.client - 1);
        const zab::ClientCompleted* done = nullptr;
        for (const runner::EventRecord& r : completions) {
          if (r.process != process) continue;
          auto& queue = unanswered[process];
          if (!queue.empty() && queue.front() != index) {
            late[queue.front()] = LateResult(&std::get<zab::ClientCompleted>(r.event));
            queue.pop_front();
          } else {
            done = &std::get<zab::ClientCompleted>(r.event);
            if (!queue.empty()) queue.pop_front();
          }
        }
        if (s.nowait) {
          if (done != nullptr) {
            late[index] = LateResult(done);  // Answered within its own step.
          } else {
            unanswered[process].push_back(index);
          }
        }
        // A write sent without waiting is answered in some later step, at a moment that
        // depends on timing on the real side: neither side reports its answer.
        obs.Add(fmt::format("c{} {} {}", s.client, s.op, s.path), s.nowait ? "sent (nowait)" : ClientResult(s, done));
        break;
      }
      case StepKind::kState:
        ObserveServers(cluster, s.servers.empty() ? all : s.servers, obs);
        break;
      default:
        break;
    }
    if (s.kind != StepKind::kClientOp) {
      for (const runner::EventRecord& r : completions) {
        auto& queue = unanswered[r.process];
        if (queue.empty()) continue;
        late[queue.front()] = LateResult(&std::get<zab::ClientCompleted>(r.event));
        queue.pop_front();
      }
    }
  }
  runner::Cluster& cluster = *runner.cluster();
  completions.clear();
  Settle(cluster);
  for (const runner::EventRecord& r : completions) {
    auto& queue = unanswered[r.process];
    if (queue.empty()) continue;
    late[queue.front()] = LateResult(&std::get<zab::ClientCompleted>(r.event));
    queue.pop_front();
  }
  obs.Step(0, "end");
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& s = plan.steps[i];
    if (s.kind == StepKind::kClientOp && s.nowait) obs.Add(LateName(s), late[i]);
  }
  obs.Syncs(syncs, plan.ensemble.voters);
  ObserveServers(cluster, all, obs);
  for (const uint32_t sid : all) {
    const zab::Peer* p = cluster.peer(sid);
    for (const std::string& path : plan.paths) {
      std::string value = "not serving";
      if (p != nullptr && p->serving()) {
        const zab::Node* n = p->db().tree().Find(path);
        value = n == nullptr ? "NONODE" : fmt::format("{} (mzxid {})", n->data, zab::ToString(n->mzxid));
      }
      obs.Add(fmt::format("server {} {}", sid, path), value);
    }
  }
  result.observations = obs.observations();
  return result;
}

}  // namespace zabsim::conform

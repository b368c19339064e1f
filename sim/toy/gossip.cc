#include "sim/toy/gossip.h"

#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "base/check.h"
#include "sim/world.h"  // Defines Context<M>'s methods.

namespace zabsim::sim::toy {
namespace {

uint64_t ParseCounter(const std::string& record) {
  uint64_t v = 0;
  for (const char c : record) {
    ZABSIM_CHECK(c >= '0' && c <= '9', "corrupt counter record '{}'", record);
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

}  // namespace

Gossip::Gossip(const ProcessEnv& env, uint32_t processes)
    : self_(env.id),
      processes_(processes),
      rng_(Rng::Derive(env.seed, fmt::format("process/{}/{}", env.id.value, env.incarnation))) {
  const auto& records = env.disk->File(kCounterFile);
  if (!records.empty()) durable_ = value_ = ParseCounter(records.back());
  records_ = records.size();
}

uint64_t Gossip::highest_heard() const {
  uint64_t best = 0;
  for (const auto& [peer, v] : heard_) best = std::max(best, v);
  return best;
}

void Gossip::Start(Context<ToyMessage>& ctx) {
  ctx.Trace("recovered").Uint("value", value_);
  for (uint32_t p = self_.value + 1; p <= processes_; ++p) ConnectTo(ctx, ProcessId{p});
  ctx.SetTimer(Duration::Millis(rng_.Between(20, 80)), kTickTag);
}

bool Gossip::HasConnection(uint32_t peer) const {
  for (const auto& [raw, p] : conn_peer_) {
    if (p == peer) return true;
  }
  return false;
}

void Gossip::ConnectTo(Context<ToyMessage>& ctx, ProcessId peer) {
  const ConnId conn = ctx.Connect(peer, kPort);
  conn_peer_[conn.value] = peer.value;
}

void Gossip::OnConnected(Context<ToyMessage>&, ConnId conn, ProcessId peer) {
  peers_[peer.value] = conn;
}

void Gossip::OnAccepted(Context<ToyMessage>& ctx, ConnId conn, ProcessId peer, uint32_t port) {
  ZABSIM_CHECK(port == kPort);
  // A peer that restarted connects again; its old connection is dead or dying.
  if (auto it = peers_.find(peer.value); it != peers_.end()) {
    ctx.Close(it->second);
    conn_peer_.erase(it->second.value);
  }
  peers_[peer.value] = conn;
  conn_peer_[conn.value] = peer.value;
}

void Gossip::OnDisconnected(Context<ToyMessage>& ctx, ConnId conn, DisconnectReason) {
  auto it = conn_peer_.find(conn.value);
  ZABSIM_CHECK(it != conn_peer_.end(), "unknown connection {}", conn.value);
  const uint32_t peer = it->second;
  conn_peer_.erase(it);
  if (auto p = peers_.find(peer); p != peers_.end() && p->second == conn) peers_.erase(p);
  // The lower id owns the connection: it retries after a pause.
  if (peer > self_.value) ctx.SetTimer(Duration::Millis(rng_.Between(50, 150)), kReconnectTag + peer);
}

void Gossip::OnMessage(Context<ToyMessage>& ctx, ConnId, ProcessId from, ToyMessage m) {
  uint64_t& heard = heard_[from.value];
  if (m.value > heard) {
    heard = m.value;
    ctx.Trace("learned").Uint("peer", from.value).Uint("value", m.value);
  }
}

void Gossip::OnTimer(Context<ToyMessage>& ctx, TimerId, uint64_t tag) {
  if (tag >= kReconnectTag) {
    const uint32_t peer = static_cast<uint32_t>(tag - kReconnectTag);
    if (!HasConnection(peer)) ConnectTo(ctx, ProcessId{peer});
    return;
  }
  ++value_;
  // Compact now and then so that the file stays small: an atomic replace by one record.
  if (records_ >= 32 && ctx.Replace(kCounterFile, {std::to_string(value_)})) {
    records_ = 1;
  } else {
    ctx.Append(kCounterFile, std::to_string(value_));
    ++records_;
  }
  pending_[ctx.Sync(kCounterFile).value] = value_;
  ctx.SetTimer(Duration::Millis(rng_.Between(20, 80)), kTickTag);
}

void Gossip::OnSynced(Context<ToyMessage>& ctx, SyncToken token) {
  auto it = pending_.find(token.value);
  ZABSIM_CHECK(it != pending_.end(), "unknown sync {}", token.value);
  durable_ = std::max(durable_, it->second);
  pending_.erase(it);
  ctx.Trace("durable").Uint("value", durable_);
  for (const auto& [peer, conn] : peers_) {
    ctx.Send(conn, ToyMessage{ToyMessage::Type::kGossip, durable_});
  }
}

void Gossip::OnSignal(Context<ToyMessage>& ctx, uint32_t signal) {
  if (signal != kRoleRestartSignal) {
    ctx.Trace("unknown-signal").Uint("signal", signal);
    return;
  }
  // Drop every connection and what we heard, keep the counter (memory survives).
  for (const auto& [raw, peer] : conn_peer_) ctx.Close(ConnId{raw});
  peers_.clear();
  conn_peer_.clear();
  heard_.clear();
  for (uint32_t p = self_.value + 1; p <= processes_; ++p) ConnectTo(ctx, ProcessId{p});
}

PingPong::PingPong(const ProcessEnv& env, uint32_t processes, uint32_t window)
    : self_(env.id), processes_(processes), window_(window) {}

void PingPong::Start(Context<ToyMessage>& ctx) {
  const ProcessId successor{self_.value % processes_ + 1};
  next_ = ctx.Connect(successor, 1);
}

void PingPong::OnConnected(Context<ToyMessage>& ctx, ConnId conn, ProcessId) {
  connected_ = true;
  for (uint32_t i = 0; i < window_; ++i) ctx.Send(conn, ToyMessage{ToyMessage::Type::kPing, i});
}

void PingPong::OnAccepted(Context<ToyMessage>&, ConnId, ProcessId, uint32_t) {}

void PingPong::OnDisconnected(Context<ToyMessage>&, ConnId conn, DisconnectReason) {
  if (conn == next_) connected_ = false;
}

void PingPong::OnMessage(Context<ToyMessage>& ctx, ConnId, ProcessId, ToyMessage m) {
  // Pass it on around the ring.
  if (connected_) ctx.Send(next_, ToyMessage{ToyMessage::Type::kPing, m.value + 1});
}

void PingPong::OnTimer(Context<ToyMessage>&, TimerId, uint64_t) {}
void PingPong::OnSynced(Context<ToyMessage>&, SyncToken) {}
void PingPong::OnSignal(Context<ToyMessage>&, uint32_t) {}

void DurabilityWatch::Write(const TraceRecord& record) {
  if (record.kind == "durable") {
    durable_[record.process] = record.Find("value")->bits;
  } else if (record.kind == "recovered") {
    const uint64_t recovered = record.Find("value")->bits;
    ++starts_checked_;
    const uint64_t durable = durable_[record.process];
    if (recovered < durable) {
      violations_.push_back(fmt::format("{} p{} recovered {} but {} was durable",
                                        FormatTime(record.time), record.process, recovered,
                                        durable));
    }
  }
}

}  // namespace zabsim::sim::toy
